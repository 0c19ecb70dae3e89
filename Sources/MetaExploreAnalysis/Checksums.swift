// Checksums used by the PNG writer: CRC-32 (IEEE 802.3, as in PNG chunks) and Adler-32 (zlib trailer).

/// CRC-32 with the reflected IEEE polynomial 0xEDB88320, initial value and final XOR 0xFFFFFFFF.
public struct CRC32: Sendable {
    @usableFromInline static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    @usableFromInline var state: UInt32 = 0xFFFF_FFFF

    public init() {}

    /// Feeds more bytes.
    public mutating func update<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        let t = CRC32.table
        var c = state
        for b in bytes { c = t[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        state = c
    }

    /// The checksum of everything fed so far.
    public var value: UInt32 { state ^ 0xFFFF_FFFF }

    /// The checksum of one byte sequence.
    public static func checksum<S: Sequence>(_ bytes: S) -> UInt32 where S.Element == UInt8 {
        var c = CRC32()
        c.update(bytes)
        return c.value
    }
}

/// Adler-32 as used in the zlib stream trailer.
public struct Adler32: Sendable {
    @usableFromInline var a: UInt32 = 1
    @usableFromInline var b: UInt32 = 0

    public init() {}

    /// Feeds more bytes (reduces modulo 65521 every 5552 bytes, the largest run that cannot overflow).
    public mutating func update<S: Sequence>(_ bytes: S) where S.Element == UInt8 {
        var a = self.a, b = self.b, run = 0
        for byte in bytes {
            a &+= UInt32(byte)
            b &+= a
            run += 1
            if run == 5552 {
                a %= 65521
                b %= 65521
                run = 0
            }
        }
        self.a = a % 65521
        self.b = b % 65521
    }

    /// The checksum of everything fed so far.
    public var value: UInt32 { (b << 16) | a }

    /// The checksum of one byte sequence.
    public static func checksum<S: Sequence>(_ bytes: S) -> UInt32 where S.Element == UInt8 {
        var c = Adler32()
        c.update(bytes)
        return c.value
    }
}
