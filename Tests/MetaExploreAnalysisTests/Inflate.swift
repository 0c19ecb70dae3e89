// A small independent inflater (stored and fixed-Huffman blocks only) used to check the PNG writer's output.

struct InflateError: Error { let message: String }

struct BitReader {
    let bytes: [UInt8]
    var pos = 0, bit = 0
    init(_ bytes: [UInt8], start: Int) {
        self.bytes = bytes
        pos = start
    }
    mutating func bits(_ n: Int) throws -> Int {
        var v = 0
        for i in 0..<n {
            guard pos < bytes.count else { throw InflateError(message: "out of data") }
            v |= Int((bytes[pos] >> UInt8(bit)) & 1) << i
            bit += 1
            if bit == 8 { bit = 0; pos += 1 }
        }
        return v
    }
    /// A Huffman code read most significant bit first.
    mutating func code(_ n: Int) throws -> Int {
        var v = 0
        for _ in 0..<n { v = (v << 1) | (try bits(1)) }
        return v
    }
    mutating func alignToByte() { if bit != 0 { bit = 0; pos += 1 } }
}

/// Inflates a raw deflate stream starting at `start`; returns the data and the offset after the last block.
func inflate(_ bytes: [UInt8], start: Int) throws -> (data: [UInt8], end: Int) {
    let lbase = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258]
    let lext = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    let dbase = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073,
                 4097, 6145, 8193, 12289, 16385, 24577]
    let dext = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13]
    var r = BitReader(bytes, start: start)
    var out = [UInt8]()
    while true {
        let final = try r.bits(1), type = try r.bits(2)
        if type == 0 {
            r.alignToByte()
            let len = try r.bits(16), nlen = try r.bits(16)
            guard len == (~nlen & 0xFFFF) else { throw InflateError(message: "LEN/NLEN mismatch") }
            guard r.pos + len <= bytes.count else { throw InflateError(message: "stored block past end") }
            out += bytes[r.pos..<(r.pos + len)]
            r.pos += len
        } else if type == 1 {
            while true {
                // Fixed literal/length code: 7, 8 or 9 bits.
                var c = try r.code(7), sym: Int
                if c <= 0x17 { sym = 256 + c } else {
                    c = (c << 1) | (try r.bits(1))
                    if c >= 0x30 && c <= 0xBF { sym = c - 0x30 } else if c >= 0xC0 && c <= 0xC7 { sym = 280 + c - 0xC0 } else {
                        c = (c << 1) | (try r.bits(1))
                        sym = 144 + c - 0x190
                    }
                }
                if sym < 256 { out.append(UInt8(sym)); continue }
                if sym == 256 { break }
                let li = sym - 257
                let length = lbase[li] + (try r.bits(lext[li]))
                let di = try r.code(5)
                let dist = dbase[di] + (try r.bits(dext[di]))
                guard dist <= out.count else { throw InflateError(message: "distance too far") }
                for _ in 0..<length { out.append(out[out.count - dist]) }
            }
        } else { throw InflateError(message: "unsupported block type \(type)") }
        if final == 1 { break }
    }
    r.alignToByte()
    return (out, r.pos)
}

/// A parsed PNG: chunks in order, with CRCs checked by the caller.
struct Chunk { let type: String; let data: [UInt8]; let crc: UInt32 }

func readBE(_ b: [UInt8], _ i: Int) -> UInt32 {
    UInt32(b[i]) << 24 | UInt32(b[i + 1]) << 16 | UInt32(b[i + 2]) << 8 | UInt32(b[i + 3])
}

func parseChunks(_ png: [UInt8]) -> [Chunk] {
    var i = 8, chunks = [Chunk]()
    while i + 12 <= png.count {
        let n = Int(readBE(png, i))
        let type = String(decoding: png[(i + 4)..<(i + 8)], as: UTF8.self)
        chunks.append(Chunk(type: type, data: Array(png[(i + 8)..<(i + 8 + n)]), crc: readBE(png, i + 8 + n)))
        i += 12 + n
    }
    return chunks
}
