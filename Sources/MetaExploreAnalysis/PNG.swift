// A from-scratch PNG writer (8-bit RGBA, filter 0) with a zlib stream made of either stored
// deflate blocks or one fixed-Huffman block with a greedy LZ77 matcher, plus atomic file writes.
import Foundation
import MetaExploreRuntime

/// How the IDAT zlib stream is compressed.
public enum PNGCompression: Sendable {
    /// Stored (uncompressed) deflate blocks of at most 65 535 bytes.
    case stored
    /// One deflate block with the fixed Huffman code and LZ77 back-references (much smaller for plots).
    case fixedHuffman
}

public enum PNG {
    /// The eight-byte PNG signature.
    public static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The bytes of a PNG file holding `image` as 8-bit RGBA, every row with filter type 0.
    public static func encode(_ image: Image, compression: PNGCompression = .fixedHuffman) -> [UInt8] {
        var out = signature
        var ihdr = [UInt8]()
        appendBE(&ihdr, UInt32(image.width))
        appendBE(&ihdr, UInt32(image.height))
        ihdr += [8, 6, 0, 0, 0]  // bit depth 8, colour type 6 (RGBA), deflate, adaptive filtering, no interlace
        appendChunk(&out, "IHDR", ihdr)
        appendChunk(&out, "IDAT", zlib(rawScanlines(image), compression: compression))
        appendChunk(&out, "IEND", [])
        return out
    }

    /// The filtered image data before compression: per row, a 0 filter byte then `4 * width` bytes.
    public static func rawScanlines(_ image: Image) -> [UInt8] {
        let rowBytes = 4 * image.width
        var raw = [UInt8]()
        raw.reserveCapacity((rowBytes + 1) * image.height)
        for y in 0..<image.height {
            raw.append(0)
            raw += image.pixels[(y * rowBytes)..<((y + 1) * rowBytes)]
        }
        return raw
    }

    /// A zlib stream (RFC 1950) around a deflate stream (RFC 1951) of `data`.
    public static func zlib(_ data: [UInt8], compression: PNGCompression = .fixedHuffman) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]  // 32 KiB window, deflate; (0x7801 % 31 == 0)
        switch compression {
        case .stored: out += deflateStored(data)
        case .fixedHuffman: out += deflateFixed(data)
        }
        appendBE(&out, Adler32.checksum(data))
        return out
    }

    /// Writes `image` as a PNG at `url` atomically (temporary file in the same folder, then rename).
    public static func write(_ image: Image, to url: URL, compression: PNGCompression = .fixedHuffman) throws {
        try AtomicFile.write(Data(encode(image, compression: compression)), to: url)
    }

    // MARK: - Chunks

    static func appendBE(_ out: inout [UInt8], _ v: UInt32) {
        out += [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }

    static func appendChunk(_ out: inout [UInt8], _ type: String, _ data: [UInt8]) {
        appendBE(&out, UInt32(data.count))
        let typeBytes = Array(type.utf8)
        var crc = CRC32()
        crc.update(typeBytes)
        crc.update(data)
        out += typeBytes
        out += data
        appendBE(&out, crc.value)
    }

    // MARK: - Deflate, stored blocks

    static func deflateStored(_ data: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        var start = 0
        repeat {
            let n = min(65535, data.count - start)
            let final: UInt8 = start + n == data.count ? 1 : 0
            out.append(final)  // BFINAL, BTYPE = 00, rest of the byte padding
            let len = UInt16(n), nlen = ~UInt16(n)
            out += [UInt8(len & 0xFF), UInt8(len >> 8), UInt8(nlen & 0xFF), UInt8(nlen >> 8)]
            out += data[start..<(start + n)]
            start += n
        } while start < data.count
        return out
    }

    // MARK: - Deflate, one fixed-Huffman block

    struct BitWriter {
        var bytes = [UInt8]()
        var acc: UInt64 = 0
        var count = 0

        /// Appends the low `n` bits of `v`, least significant first.
        mutating func write(_ v: UInt32, _ n: Int) {
            acc |= UInt64(v) << UInt64(count)
            count += n
            while count >= 8 {
                bytes.append(UInt8(acc & 0xFF))
                acc >>= 8
                count -= 8
            }
        }

        /// Appends a Huffman code of `n` bits, most significant bit first.
        mutating func writeCode(_ code: UInt32, _ n: Int) {
            var r: UInt32 = 0
            for i in 0..<n where (code >> UInt32(i)) & 1 == 1 { r |= 1 << UInt32(n - 1 - i) }
            write(r, n)
        }

        mutating func flush() {
            if count > 0 { bytes.append(UInt8(acc & 0xFF)) }
            acc = 0
            count = 0
        }
    }

    static let lengthBase: [Int] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59,
                                    67, 83, 99, 115, 131, 163, 195, 227, 258]
    static let lengthExtra: [Int] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4,
                                     5, 5, 5, 5, 0]
    static let distBase: [Int] = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769,
                                  1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    static let distExtra: [Int] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10,
                                   11, 11, 12, 12, 13, 13]

    static func writeLiteralLength(_ w: inout BitWriter, _ sym: Int) {
        switch sym {
        case 0...143: w.writeCode(UInt32(0x30 + sym), 8)
        case 144...255: w.writeCode(UInt32(0x190 + sym - 144), 9)
        case 256...279: w.writeCode(UInt32(sym - 256), 7)
        default: w.writeCode(UInt32(0xC0 + sym - 280), 8)
        }
    }

    static func writeMatch(_ w: inout BitWriter, length: Int, distance: Int) {
        var li = lengthBase.count - 1
        while lengthBase[li] > length { li -= 1 }
        writeLiteralLength(&w, 257 + li)
        if lengthExtra[li] > 0 { w.write(UInt32(length - lengthBase[li]), lengthExtra[li]) }
        var di = distBase.count - 1
        while distBase[di] > distance { di -= 1 }
        w.writeCode(UInt32(di), 5)
        if distExtra[di] > 0 { w.write(UInt32(distance - distBase[di]), distExtra[di]) }
    }

    static func deflateFixed(_ data: [UInt8]) -> [UInt8] {
        var w = BitWriter()
        w.bytes.reserveCapacity(data.count / 8 + 64)
        w.write(1, 1)  // BFINAL
        w.write(1, 2)  // BTYPE = 01, fixed Huffman
        let window = 32768, maxChain = 48, hashBits = 15
        let hashSize = 1 << hashBits
        var head = [Int](repeating: -1, count: hashSize)
        var prev = [Int](repeating: -1, count: window)
        let n = data.count
        func hash(_ i: Int) -> Int {
            let v = (Int(data[i]) << 16) | (Int(data[i + 1]) << 8) | Int(data[i + 2])
            return (v &* 2_654_435_761) >> (32 - hashBits) & (hashSize - 1)
        }
        func insert(_ i: Int) {
            guard i + 2 < n else { return }
            let h = hash(i)
            prev[i & (window - 1)] = head[h]
            head[h] = i
        }
        var i = 0
        while i < n {
            var bestLen = 0, bestDist = 0
            if i + 2 < n {
                var cand = head[hash(i)]
                var chain = 0
                let maxLen = min(258, n - i)
                while cand >= 0 && i - cand <= window - 1 && chain < maxChain {
                    if data[cand + bestLen] == data[i + bestLen] || bestLen == 0 {
                        var l = 0
                        while l < maxLen && data[cand + l] == data[i + l] { l += 1 }
                        if l > bestLen {
                            bestLen = l
                            bestDist = i - cand
                            if l == maxLen { break }
                        }
                    }
                    let next = prev[cand & (window - 1)]
                    if next >= cand { break }
                    cand = next
                    chain += 1
                }
            }
            if bestLen >= 3 {
                writeMatch(&w, length: bestLen, distance: bestDist)
                for k in i..<(i + bestLen) { insert(k) }
                i += bestLen
            } else {
                writeLiteralLength(&w, Int(data[i]))
                insert(i)
                i += 1
            }
        }
        writeLiteralLength(&w, 256)
        w.flush()
        return w.bytes
    }
}
