import Testing
import MetaExploreAnalysis

@Suite struct FontAndTicksTests {
    @Test func fittingScaleIsTheLargestThatFits() {
        let text = "abcdef"
        let w3 = BitmapFont.size(of: text, scale: 3).width, w2 = BitmapFont.size(of: text, scale: 2).width
        #expect(BitmapFont.scale(for: text, preferred: 3, fittingWidth: w3) == 3)
        #expect(BitmapFont.scale(for: text, preferred: 3, fittingWidth: w3 - 1) == 2)
        #expect(BitmapFont.scale(for: text, preferred: 3, fittingWidth: w2 - 1) == 1)
        #expect(BitmapFont.scale(for: text, preferred: 3, fittingWidth: 0) == 1)
    }

    @Test func everyPrintableASCIIGlyphIsDefinedAndDistinct() {
        var seen = [[UInt8]: Character]()
        for code in 32...126 {
            let ch = Character(UnicodeScalar(UInt8(code)))
            #expect(BitmapFont.hasGlyph(ch))
            let g = BitmapFont.glyph(ch)
            #expect(g.count == BitmapFont.glyphHeight)
            #expect(g.allSatisfy { $0 < 32 })
            if code == 32 { #expect(g.allSatisfy { $0 == 0 }); continue }
            #expect(g.contains { $0 != 0 }, "glyph \(ch) is blank")
            if let other = seen[g] { Issue.record("glyphs \(other) and \(ch) are identical") }
            seen[g] = ch
            // Each glyph, rendered alone, lights pixels only inside its 5×7 cell.
            var img = Image(width: 12, height: 16)
            img.drawText(String(ch), x: 1, y: 1, scale: 2)
            var lit = 0
            for y in 0..<16 { for x in 0..<12 where img[x, y].a != 0 {
                lit += 1
                #expect(x >= 1 && x < 11 && y >= 1 && y < 15)
            } }
            let bits = g.reduce(0) { $0 + $1.nonzeroBitCount }
            #expect(lit == 4 * bits)
        }
        #expect(!BitmapFont.hasGlyph("é"))
        #expect(BitmapFont.hasGlyph("±"))
        #expect(BitmapFont.size(of: "abc", scale: 2) == (34, 14))
    }

    @Test func verticalTextIsTheRotatedHorizontalText() {
        var h = Image(width: 17, height: 7), v = Image(width: 7, height: 17)
        h.drawText("Ab1", x: 0, y: 0)
        v.drawTextVertical("Ab1", x: 3, y: 8)
        for y in 0..<7 { for x in 0..<17 { #expect(h[x, y] == v[y, 16 - x]) } }
    }

    @Test func unitRangeTicks() {
        let t = AxisTicks(lo: 0, hi: 1, target: 5)
        #expect(t.values == [0, 0.2, 0.4, 0.6, 0.8, 1.0])
        #expect(t.step == 0.2)
        #expect(t.values.map(t.label) == ["0", "0.2", "0.4", "0.6", "0.8", "1.0"])
    }

    @Test func negativeReturnRangeTicks() {
        let t = AxisTicks(lo: -206, hi: -123, target: 5)
        #expect(t.step == 20)
        #expect(t.values == [-220, -200, -180, -160, -140, -120])
        #expect(t.values.map(t.label) == ["-220", "-200", "-180", "-160", "-140", "-120"])
        let pendulum = AxisTicks(lo: -1432.7, hi: -151.2, target: 6)
        #expect(pendulum.step == 500 && pendulum.values == [-1500, -1000, -500, 0])
    }

    @Test func largeStepsDegenerateAndReversedRanges() {
        let t = AxisTicks(lo: 0, hi: 1_000_000, target: 5)
        #expect(t.values.map(t.label) == ["0", "200k", "400k", "600k", "800k", "1M"])
        let u = AxisTicks(lo: 0, hi: 3_000_000, target: 6)
        #expect(u.values.map(u.label) == ["0", "500k", "1M", "1.5M", "2M", "2.5M", "3M"])
        let d = AxisTicks(lo: 5, hi: 5)
        #expect(d.lower < 5 && d.upper > 5)
        #expect(AxisTicks(lo: 1, hi: 0).values == AxisTicks(lo: 0, hi: 1).values)
        let small = AxisTicks(lo: 0.0012, hi: 0.0049, target: 4)
        #expect(small.step == 0.001)
        #expect(small.values.map(small.label) == ["0.001", "0.002", "0.003", "0.004", "0.005"])
        for (lo, hi) in [(-3.7, 12.2), (0.0, 97.0), (-1e-3, 2e-3), (13.0, 14.0)] {
            let x = AxisTicks(lo: lo, hi: hi, target: 5)
            #expect(x.lower <= lo && x.upper >= hi)
            #expect(x.values.count >= 3 && x.values.count <= 12)
        }
    }
}

@Suite struct TicksWithinTests {
    @Test func ticksInsideARangeAreEnoughAndInside() {
        let t = AxisTicks.within(lo: -4.5, hi: 4.5, target: 4)
        #expect(t.values.count >= 3 && t.values.allSatisfy { $0 >= -4.5 && $0 <= 4.5 })
        #expect(t.values == [-4, -2, 0, 2, 4])
        #expect(AxisTicks.within(lo: 0, hi: 1, target: 5).values == [0, 0.2, 0.4, 0.6, 0.8, 1.0])
        #expect(AxisTicks.within(lo: -1468, hi: -12, target: 6).values == [-1400, -1200, -1000, -800, -600, -400, -200])
    }
}
