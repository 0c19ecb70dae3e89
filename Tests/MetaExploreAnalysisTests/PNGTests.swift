import Foundation
import Testing
import MetaExploreAnalysis

@Suite struct ChecksumAndPNGTests {
    @Test func knownChecksumVectors() {
        #expect(CRC32.checksum(Array("123456789".utf8)) == 0xCBF4_3926)
        #expect(CRC32.checksum([UInt8]()) == 0)
        #expect(Adler32.checksum(Array("Wikipedia".utf8)) == 0x11E6_0398)
        #expect(Adler32.checksum([UInt8]()) == 1)
        // Incremental updates agree with one-shot, including across the 5552-byte reduction boundary.
        let big = (0..<20_000).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }
        var a = Adler32(), c = CRC32()
        a.update(big[..<7000]); a.update(big[7000...])
        c.update(big[..<3]); c.update(big[3...])
        #expect(a.value == Adler32.checksum(big))
        #expect(c.value == CRC32.checksum(big))
        // Naive Adler-32 on 0xFF bytes (worst case for overflow).
        let ff = [UInt8](repeating: 0xFF, count: 12_000)
        var s1: UInt64 = 1, s2: UInt64 = 0
        for x in ff { s1 = (s1 + UInt64(x)) % 65521; s2 = (s2 + s1) % 65521 }
        #expect(Adler32.checksum(ff) == UInt32(s2 << 16 | s1))
    }

    func sampleImage() -> Image {
        var img = Image(width: 37, height: 23, color: .white)
        for y in 0..<23 { for x in 0..<37 where (x * y) % 5 == 0 { img[x, y] = Color(r: UInt8(x * 6), g: UInt8(y * 11), b: 77, a: 200) } }
        img.drawLine(x0: 0, y0: 0, x1: 36, y1: 22, .black, thickness: 2)
        return img
    }

    @Test(arguments: [PNGCompression.stored, .fixedHuffman])
    func pngStructureParsesBack(compression: PNGCompression) throws {
        let img = sampleImage()
        let png = PNG.encode(img, compression: compression)
        #expect(Array(png.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let chunks = parseChunks(png)
        #expect(chunks.map(\.type) == ["IHDR", "IDAT", "IEND"])
        let total = 8 + chunks.reduce(0) { $0 + 12 + $1.data.count }
        #expect(total == png.count)
        for ch in chunks { #expect(CRC32.checksum(Array(ch.type.utf8) + ch.data) == ch.crc) }
        let ihdr = chunks[0].data
        #expect(ihdr.count == 13)
        #expect(readBE(ihdr, 0) == 37 && readBE(ihdr, 4) == 23)
        #expect(Array(ihdr[8...]) == [8, 6, 0, 0, 0])
        let z = chunks[1].data
        #expect(z[0] & 0x0F == 8)  // deflate
        #expect((Int(z[0]) * 256 + Int(z[1])) % 31 == 0)
        let (raw, end) = try inflate(z, start: 2)
        #expect(end + 4 == z.count)
        #expect(readBE(z, end) == Adler32.checksum(raw))
        #expect(raw == PNG.rawScanlines(img))
        #expect(raw.count == 23 * (1 + 4 * 37))
        for y in 0..<23 {
            let row = y * (1 + 4 * 37)
            #expect(raw[row] == 0)
            #expect(Array(raw[(row + 1)..<(row + 1 + 4 * 37)]) == Array(img.pixels[(y * 4 * 37)..<((y + 1) * 4 * 37)]))
        }
        #expect(chunks[2].data.isEmpty)
    }

    @Test func storedBlocksSplitAt65535AndCompressionHelps() throws {
        let data = (0..<200_000).map { UInt8(truncatingIfNeeded: ($0 / 7) &* 13) }
        for mode in [PNGCompression.stored, .fixedHuffman] {
            let z = PNG.zlib(data, compression: mode)
            let (out, end) = try inflate(z, start: 2)
            #expect(out == data)
            #expect(end + 4 == z.count)
        }
        #expect(PNG.zlib(data, compression: .stored).count == 2 + 4 + data.count + 5 * 4)
        #expect(PNG.zlib(data, compression: .fixedHuffman).count < data.count / 5)
        #expect(try inflate(PNG.zlib([], compression: .fixedHuffman), start: 2).data.isEmpty)
        #expect(try inflate(PNG.zlib([], compression: .stored), start: 2).data.isEmpty)
    }

    @Test func atomicWriteReplacesAndLeavesNoTemporaries() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("me-analysis-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("sub/a.png")
        try PNG.write(sampleImage(), to: url)
        try PNG.write(Image(width: 2, height: 2, color: .black), to: url)
        let bytes = [UInt8](try Data(contentsOf: url))
        #expect(bytes == PNG.encode(Image(width: 2, height: 2, color: .black)))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("sub").path) == ["a.png"])
    }

    @Test func imagePixelsFillAndBlend() {
        var img = Image(width: 4, height: 3)
        #expect(img[0, 0] == .clear)
        img.fill(.white)
        #expect(img[3, 2] == .white)
        img[1, 1] = Color(r: 10, g: 20, b: 30)
        #expect(img[1, 1] == Color(r: 10, g: 20, b: 30))
        img.blend(x: 2, y: 2, Color(r: 0, g: 0, b: 0, a: 128))
        let c = img[2, 2]
        #expect(c.a == 255 && abs(Int(c.r) - 127) <= 1 && c.r == c.g && c.g == c.b)
        img.blend(x: 9, y: 9, .black)  // outside: ignored
        var clear = Image(width: 1, height: 1)
        clear.blend(x: 0, y: 0, Color(r: 200, g: 100, b: 50, a: 64))
        #expect(clear[0, 0] == Color(r: 200, g: 100, b: 50, a: 64))
    }
}
