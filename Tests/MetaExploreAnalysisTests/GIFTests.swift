import Foundation
import MetaExploreAnalysis
import MetaExploreRandom
import Testing

/// The GIF encoder: what it writes decodes back to the same frames (palette, indices, delays, loop count), for
/// palettes of every code size, images long enough to fill the 4096-entry LZW table several times, and runs of
/// one colour; the file's structure is that of GIF89a.
@Suite("GIF encoder") struct GIFTests {
    static func randomFrames(colors: Int, width: Int, height: Int, frames: Int, runs: Bool, seed: UInt64) -> [Image] {
        var rng = RandomStream(seed: seed)
        var palette: [Color] = []
        for i in 0..<colors {
            let r = UInt8(i % 256), g = UInt8((i * 37) % 256), b = UInt8((i * 91 + i / 256) % 256)
            palette.append(Color(r: r, g: g, b: b))
        }
        return (0..<frames).map { _ in
            var image = Image(width: width, height: height, color: palette[0])
            var current = palette[rng.int(below: colors)]
            for y in 0..<height {
                for x in 0..<width {
                    if !runs || rng.int(below: 12) == 0 { current = palette[rng.int(below: colors)] }
                    image.set(x: x, y: y, current)
                }
            }
            return image
        }
    }

    @Test(arguments: [(2, false), (3, true), (5, false), (17, true), (64, false), (200, false), (256, true)])
    func roundTrip(colors: Int, runs: Bool) throws {
        let frames = Self.randomFrames(colors: colors, width: 83, height: 61, frames: 3, runs: runs, seed: UInt64(colors))
        let bytes = try GIF.encode(frames, delay: 37, loops: 0)
        let decoded = try GIF.decode(bytes)
        #expect(decoded.width == 83 && decoded.height == 61 && decoded.loops == 0)
        #expect(decoded.frames.count == 3 && decoded.frames.allSatisfy { $0.delay == 37 })
        for k in 0..<3 {
            let image = decoded.image(k)
            #expect(image.pixels == frames[k].pixels, "frame \(k) differs")
        }
        // GIF89a header, a power-of-two global table, the trailer.
        #expect(Array(bytes[0..<6]) == Array("GIF89a".utf8) && bytes.last == 0x3B)
        #expect(decoded.palette.count >= colors && decoded.palette.count.nonzeroBitCount == 1)
    }

    /// LZW alone on long index streams (several table resets), every minimum code size.
    @Test func lzwRoundTrip() throws {
        var rng = RandomStream(seed: 4)
        for minimum in 2...8 {
            for length in [1, 2, 3, 5000, 70_000] {
                let values = (0..<length).map { i in UInt8(i % 7 == 0 ? rng.int(below: 1 << minimum) : (i / 13) % (1 << minimum)) }
                let packed = GIF.compress(values, minimumCodeSize: minimum)
                #expect(try GIF.decompress(packed, minimumCodeSize: minimum, count: length) == values,
                        "minimum \(minimum), length \(length)")
            }
        }
        // A hand-checkable stream: 2-bit codes → clear (4) first, end (5) last, in 3-bit codes: 0 0 1 → 4, 0, 0, 1, 5.
        let bytes = GIF.compress([0, 0, 1], minimumCodeSize: 2)
        // Bits LSB first: 100 000 000 001 101 → 0b00_000_100 = 0x04, then 0b1_101_001_0 … as packed below.
        var bits: [Int] = []
        for b in bytes { for i in 0..<8 { bits.append(Int(b >> UInt8(i)) & 1) } }
        func code(_ k: Int) -> Int { (0..<3).reduce(0) { $0 | bits[k * 3 + $1] << $1 } }
        let codes: [Int] = (0..<5).map(code)
        let expected: [Int] = [4, 0, 0, 1, 5]
        #expect(codes == expected)
    }

    @Test func badInputsAreErrors() throws {
        #expect(throws: GIF.GIFError.mismatchedFrames) { _ = try GIF.encode([]) }
        #expect(throws: GIF.GIFError.mismatchedFrames) {
            _ = try GIF.encode([Image(width: 2, height: 2), Image(width: 3, height: 2)])
        }
        let many = Self.randomFrames(colors: 300, width: 40, height: 40, frames: 1, runs: false, seed: 1)
        #expect(throws: GIF.GIFError.self) { _ = try GIF.encode(many) }
        #expect(throws: GIF.GIFError.self) { _ = try GIF.decode(Array("GIF89a".utf8) + [1, 0]) }
    }
}
