import Foundation
import MetaExploreRuntime

/// An animated GIF (GIF89a) encoder and decoder for images of few colours (episode pictures).
///
/// - Palette: the distinct opaque colours of all frames (at most 256; alpha is dropped), as one global colour table
///   padded to a power of two; every frame is a full-size image of palette indices.
/// - Animation: the NETSCAPE2.0 application extension (loop count, 0 = forever) and one graphic control extension
///   per frame with its delay in hundredths of a second.
/// - Compression: variable-length-code LZW as the GIF specification (Appendix F) defines it: codes of
///   minimum size + 1 bits growing to 12, a clear code first and whenever the table would pass 4095 entries, an
///   end-of-information code last, packed least-significant bit first into sub-blocks of at most 255 bytes.
/// - `decode` reads what `encode` writes (and any GIF of full-size, non-interlaced frames with a global table), so a
///   round trip checks the encoder.
public enum GIF {
    public enum GIFError: Error, CustomStringConvertible, Equatable {
        case tooManyColors(Int)
        case mismatchedFrames
        case malformed(String)

        public var description: String {
            switch self {
            case .tooManyColors(let n): return "GIF: \(n) colours, at most 256"
            case .mismatchedFrames: return "GIF: the frames must be non-empty and all of one size"
            case .malformed(let why): return "GIF: malformed data (\(why))"
            }
        }
    }

    /// The GIF file of `frames` shown `delay` hundredths of a second each, looping `loops` times (0: forever).
    public static func encode(_ frames: [Image], delay: Int = 50, loops: Int = 0) throws -> [UInt8] {
        guard let first = frames.first, first.width > 0, first.height > 0,
              frames.allSatisfy({ $0.width == first.width && $0.height == first.height })
        else { throw GIFError.mismatchedFrames }
        var palette: [Color] = [], index: [Color: Int] = [:]
        var indexed: [[UInt8]] = []
        for frame in frames {
            var pixels = [UInt8](repeating: 0, count: frame.width * frame.height)
            for y in 0..<frame.height {
                for x in 0..<frame.width {
                    var c = frame[x, y]
                    c.a = 255
                    if index[c] == nil {
                        index[c] = palette.count
                        palette.append(c)
                    }
                    pixels[y * frame.width + x] = UInt8(truncatingIfNeeded: index[c]!)
                }
            }
            indexed.append(pixels)
        }
        guard palette.count <= 256 else { throw GIFError.tooManyColors(palette.count) }
        var bits = 1
        while (1 << bits) < palette.count { bits += 1 }
        var out: [UInt8] = Array("GIF89a".utf8)
        func u16(_ v: Int) { out += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
        u16(first.width)
        u16(first.height)
        out += [0x80 | UInt8((bits - 1) << 4) | UInt8(bits - 1), 0, 0]   // global table, colour resolution, size
        for i in 0..<(1 << bits) {
            let c = i < palette.count ? palette[i] : Color.black
            out += [c.r, c.g, c.b]
        }
        out += [0x21, 0xFF, 11] + Array("NETSCAPE2.0".utf8) + [3, 1]
        u16(loops)
        out.append(0)
        let minimumCodeSize = max(2, bits)
        for pixels in indexed {
            out += [0x21, 0xF9, 4, 0x04]   // graphic control: dispose = leave in place
            u16(delay)
            out += [0, 0]
            out.append(0x2C)
            u16(0); u16(0); u16(first.width); u16(first.height)
            out.append(0)                   // no local table, not interlaced
            out.append(UInt8(minimumCodeSize))
            let data = compress(pixels, minimumCodeSize: minimumCodeSize)
            var offset = 0
            while offset < data.count {
                let n = min(255, data.count - offset)
                out.append(UInt8(n))
                out += data[offset..<(offset + n)]
                offset += n
            }
            out.append(0)
        }
        out.append(0x3B)
        return out
    }

    /// Writes the GIF atomically.
    public static func write(_ frames: [Image], to url: URL, delay: Int = 50, loops: Int = 0) throws {
        try AtomicFile.write(Data(try encode(frames, delay: delay, loops: loops)), to: url)
    }

    /// GIF LZW of palette indices (each < 2^minimumCodeSize), as bytes (not yet in sub-blocks).
    public static func compress(_ pixels: [UInt8], minimumCodeSize: Int) -> [UInt8] {
        let clear = 1 << minimumCodeSize, end = clear + 1
        var bytes: [UInt8] = [], buffer = 0, filled = 0
        var size = minimumCodeSize + 1
        func emit(_ code: Int) {
            buffer |= code << filled
            filled += size
            while filled >= 8 {
                bytes.append(UInt8(buffer & 0xFF))
                buffer >>= 8
                filled -= 8
            }
        }
        var table: [Int: Int] = [:]
        var next = end + 1
        emit(clear)
        guard var prefix = pixels.first.map(Int.init) else {
            emit(end)
            if filled > 0 { bytes.append(UInt8(buffer & 0xFF)) }
            return bytes
        }
        for p in pixels.dropFirst() {
            let k = Int(p), key = prefix << 8 | k
            if let code = table[key] {
                prefix = code
                continue
            }
            emit(prefix)
            table[key] = next
            next += 1
            // The decoder adds this entry one code later, so it widens its codes when its next entry reaches
            // 2^size; the encoder, one entry ahead, widens at 2^size + 1.
            if next == (1 << size) + 1 && size < 12 { size += 1 }
            if next >= 4095 {
                emit(clear)
                table = [:]
                size = minimumCodeSize + 1
                next = end + 1
            }
            prefix = k
        }
        emit(prefix)
        // Reading that last code, the decoder adds one more entry and may widen before the end code.
        if next == (1 << size) && size < 12 { size += 1 }
        emit(end)
        if filled > 0 { bytes.append(UInt8(buffer & 0xFF)) }
        return bytes
    }

    /// Inverse of `compress`: the palette indices of `count` pixels.
    public static func decompress(_ data: [UInt8], minimumCodeSize: Int, count: Int) throws -> [UInt8] {
        let clear = 1 << minimumCodeSize, end = clear + 1
        var position = 0, size = minimumCodeSize + 1
        func read() -> Int? {
            guard position + size <= data.count * 8 else { return nil }
            var code = 0
            for i in 0..<size where data[(position + i) >> 3] & (1 << ((position + i) & 7)) != 0 { code |= 1 << i }
            position += size
            return code
        }
        var table: [[UInt8]] = []
        func reset() {
            table = (0..<clear).map { [UInt8($0)] } + [[], []]
            size = minimumCodeSize + 1
        }
        reset()
        var out: [UInt8] = [], previous: [UInt8]? = nil
        while true {
            guard let code = read() else { throw GIFError.malformed("no end-of-information code") }
            if code == clear { reset(); previous = nil; continue }
            if code == end { break }
            let entry: [UInt8]
            if let previous {
                if code < table.count {
                    entry = table[code]
                } else if code == table.count {
                    entry = previous + [previous[0]]
                } else { throw GIFError.malformed("code \(code) beyond the table (\(table.count))") }
                if table.count < 4096 { table.append(previous + [entry[0]]) }
                if table.count == (1 << size) && size < 12 { size += 1 }
            } else {
                guard code < clear else { throw GIFError.malformed("code \(code) right after a clear") }
                entry = table[code]
            }
            out += entry
            previous = entry
        }
        guard out.count == count else { throw GIFError.malformed("\(out.count) pixels, expected \(count)") }
        return out
    }

    /// A decoded GIF: size, global palette, loop count, and per frame its delay and palette indices.
    public struct Decoded: Equatable, Sendable {
        public var width: Int
        public var height: Int
        public var palette: [Color]
        public var loops: Int?
        public var frames: [(delay: Int, indices: [UInt8])]

        public static func == (a: Decoded, b: Decoded) -> Bool {
            a.width == b.width && a.height == b.height && a.palette == b.palette && a.loops == b.loops
                && a.frames.map(\.delay) == b.frames.map(\.delay) && a.frames.map(\.indices) == b.frames.map(\.indices)
        }

        /// Frame k as an image.
        public func image(_ k: Int) -> Image {
            var image = Image(width: width, height: height)
            for y in 0..<height { for x in 0..<width { image.set(x: x, y: y, palette[Int(frames[k].indices[y * width + x])]) } }
            return image
        }
    }

    /// Reads a GIF with a global colour table and full-size, non-interlaced frames.
    public static func decode(_ bytes: [UInt8]) throws -> Decoded {
        var i = 0
        func byte() throws -> Int {
            guard i < bytes.count else { throw GIFError.malformed("truncated") }
            defer { i += 1 }
            return Int(bytes[i])
        }
        func u16() throws -> Int { let lo = try byte(); return lo | (try byte() << 8) }
        guard bytes.count > 13, Array(bytes[0..<6]) == Array("GIF89a".utf8) || Array(bytes[0..<6]) == Array("GIF87a".utf8)
        else { throw GIFError.malformed("signature") }
        i = 6
        let width = try u16(), height = try u16(), flags = try byte()
        _ = try byte(); _ = try byte()
        guard flags & 0x80 != 0 else { throw GIFError.malformed("no global colour table") }
        var palette: [Color] = []
        for _ in 0..<(1 << ((flags & 7) + 1)) { palette.append(Color(r: UInt8(try byte()), g: UInt8(try byte()), b: UInt8(try byte()))) }
        var decoded = Decoded(width: width, height: height, palette: palette, loops: nil, frames: [])
        var delay = 0
        func subBlocks() throws -> [UInt8] {
            var data: [UInt8] = []
            while true {
                let n = try byte()
                if n == 0 { return data }
                guard i + n <= bytes.count else { throw GIFError.malformed("truncated sub-block") }
                data += bytes[i..<(i + n)]
                i += n
            }
        }
        while true {
            switch try byte() {
            case 0x3B:
                return decoded
            case 0x21:
                let label = try byte()
                let data = try subBlocks()
                if label == 0xF9, data.count >= 3 { delay = Int(data[1]) | Int(data[2]) << 8 }
                if label == 0xFF, data.count >= 14, Array(data[0..<11]) == Array("NETSCAPE2.0".utf8) {
                    decoded.loops = Int(data[12]) | Int(data[13]) << 8
                }
            case 0x2C:
                let x = try u16(), y = try u16(), w = try u16(), h = try u16(), f = try byte()
                guard x == 0, y == 0, w == width, h == height, f & 0xC0 == 0 else {
                    throw GIFError.malformed("only full-size frames without local tables or interlacing")
                }
                let minimum = try byte()
                let indices = try decompress(try subBlocks(), minimumCodeSize: minimum, count: w * h)
                decoded.frames.append((delay, indices))
            case let other:
                throw GIFError.malformed("block 0x\(String(other, radix: 16))")
            }
        }
    }
}
