import Foundation

/// Writes scalar summaries in TensorBoard's event-file format, without TensorFlow.
///
/// An event file is a sequence of TFRecords: `uint64 length`, `uint32 masked CRC32C(length bytes)`, `data`,
/// `uint32 masked CRC32C(data)`, all little-endian, where mask(c) = ((c >> 15) | (c << 17)) + 0xa282ead8. Each
/// record's data is a protobuf `Event` message, encoded by hand here:
///
///     Event   { double wall_time = 1; int64 step = 2; oneof { string file_version = 3; Summary summary = 5; } }
///     Summary { repeated Value value = 1; }
///     Value   { string tag = 1; float simple_value = 2; }
///
/// The first record carries `file_version: "brain.Event:2"`. Files are named
/// `events.out.tfevents.<unix seconds>.<hostname>`, which is how TensorBoard finds them in a directory.
public final class TensorBoardWriter: MetricsWriter {
    public let url: URL
    private let file: AppendingFile

    public init(directory: URL, wallTime: Double = Date().timeIntervalSince1970) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let host = ProcessInfo.processInfo.hostName
        url = directory.appendingPathComponent("events.out.tfevents.\(Int(wallTime)).\(host)")
        file = try AppendingFile(url: url, header: nil)
        try file.append(TFRecord.frame(EventEncoding.fileVersion("brain.Event:2", wallTime: wallTime)))
    }

    /// Appends one event with a simple-value summary per record entry (tags sorted), then flushes.
    public func write(_ record: MetricsRecord, step: Int) throws {
        try write(record, step: step, wallTime: Date().timeIntervalSince1970)
    }

    public func write(_ record: MetricsRecord, step: Int, wallTime: Double) throws {
        let values = record.keys.sorted().map { ($0, Float(record[$0]!)) }
        try file.append(TFRecord.frame(EventEncoding.scalars(values, step: Int64(step), wallTime: wallTime)))
    }
}

/// TFRecord framing.
public enum TFRecord {
    public static func maskedCRC(_ bytes: some Collection<UInt8>) -> UInt32 {
        let crc = CRC32C.checksum(bytes)
        return ((crc >> 15) | (crc << 17)) &+ 0xa282_ead8
    }

    /// length, masked CRC of the length, data, masked CRC of the data.
    public static func frame(_ data: [UInt8]) -> Data {
        var out = [UInt8]()
        out.reserveCapacity(data.count + 16)
        let length = littleEndianBytes(UInt64(data.count))
        out += length
        out += littleEndianBytes(maskedCRC(length))
        out += data
        out += littleEndianBytes(maskedCRC(data))
        return Data(out)
    }

    /// Splits a file into record payloads, checking both CRCs of every record.
    public static func parse(_ bytes: [UInt8]) throws -> [[UInt8]] {
        var records: [[UInt8]] = []
        var i = 0
        func u32(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(bytes[at + $1]) << (8 * $1) } }
        while i < bytes.count {
            guard i + 12 <= bytes.count else { throw TFRecordError.truncated(offset: i) }
            let length = Int((0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[i + $1]) << (8 * UInt64($1)) })
            guard maskedCRC(bytes[i..<(i + 8)]) == u32(i + 8) else { throw TFRecordError.badLengthCRC(offset: i) }
            let start = i + 12
            guard start + length + 4 <= bytes.count else { throw TFRecordError.truncated(offset: i) }
            let data = Array(bytes[start..<(start + length)])
            guard maskedCRC(data) == u32(start + length) else { throw TFRecordError.badDataCRC(offset: i) }
            records.append(data)
            i = start + length + 4
        }
        return records
    }
}

extension TFRecord {
    /// The records of `bytes` up to the first damaged or torn one (what survived an interrupted write).
    public static func parsePrefix(_ bytes: [UInt8]) -> [[UInt8]] {
        var records: [[UInt8]] = []
        var i = 0
        while i + 12 <= bytes.count {
            let length = Int((0..<8).reduce(UInt64(0)) { $0 | UInt64(bytes[i + $1]) << (8 * UInt64($1)) })
            let start = i + 12
            guard length >= 0, length <= bytes.count, start + length + 4 <= bytes.count,
                  let one = try? parse(Array(bytes[i..<(start + length + 4)])).first else { break }
            records.append(one)
            i = start + length + 4
        }
        return records
    }

    /// The size of `records` when framed.
    static func frameLength(_ records: [[UInt8]]) -> Int { records.reduce(0) { $0 + $1.count + 16 } }
}

public enum TFRecordError: Error, Equatable {
    case truncated(offset: Int), badLengthCRC(offset: Int), badDataCRC(offset: Int)
}

/// CRC-32C (Castagnoli polynomial, reflected 0x82F63B78), table-driven.
public enum CRC32C {
    private static let table: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0x82F6_3B78 : c >> 1 }
        return c
    }

    public static func checksum(_ bytes: some Collection<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes { crc = table[Int((crc ^ UInt32(b)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}

func littleEndianBytes<T: FixedWidthInteger>(_ v: T) -> [UInt8] {
    (0..<(T.bitWidth / 8)).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) }
}

/// Protobuf wire encoding of the few messages TensorBoard needs.
public enum EventEncoding {
    /// The `step` field (2, varint) of an encoded `Event`, or nil when it has none.
    public static func step(of event: [UInt8]) -> Int64? {
        var i = 0
        func varint() -> UInt64? {
            var value: UInt64 = 0, shift: UInt64 = 0
            while i < event.count {
                let b = event[i]
                i += 1
                value |= UInt64(b & 0x7f) << shift
                if b & 0x80 == 0 { return value }
                shift += 7
                if shift > 63 { return nil }
            }
            return nil
        }
        while i < event.count {
            guard let key = varint() else { return nil }
            switch (key >> 3, key & 7) {
            case (2, 0): return varint().map { Int64(bitPattern: $0) }
            case (_, 0): guard varint() != nil else { return nil }
            case (_, 1): i += 8
            case (_, 5): i += 4
            case (_, 2):
                guard let n = varint() else { return nil }
                i += Int(n)
            default: return nil
            }
        }
        return nil
    }

    static func varint(_ value: UInt64) -> [UInt8] {
        var v = value, out: [UInt8] = []
        repeat {
            var byte = UInt8(v & 0x7F)
            v >>= 7
            if v != 0 { byte |= 0x80 }
            out.append(byte)
        } while v != 0
        return out
    }

    static func key(_ field: UInt64, _ wireType: UInt64) -> [UInt8] { varint(field << 3 | wireType) }
    static func lengthDelimited(_ field: UInt64, _ bytes: [UInt8]) -> [UInt8] {
        key(field, 2) + varint(UInt64(bytes.count)) + bytes
    }

    static func header(wallTime: Double, step: Int64) -> [UInt8] {
        var out = key(1, 1) + littleEndianBytes(wallTime.bitPattern)
        if step != 0 { out += key(2, 0) + varint(UInt64(bitPattern: step)) }
        return out
    }

    public static func fileVersion(_ version: String, wallTime: Double) -> [UInt8] {
        header(wallTime: wallTime, step: 0) + lengthDelimited(3, Array(version.utf8))
    }

    public static func scalars(_ values: [(String, Float)], step: Int64, wallTime: Double) -> [UInt8] {
        var summary: [UInt8] = []
        for (tag, v) in values {
            let value = lengthDelimited(1, Array(tag.utf8)) + key(2, 5) + littleEndianBytes(v.bitPattern)
            summary += lengthDelimited(1, value)
        }
        return header(wallTime: wallTime, step: step) + lengthDelimited(5, summary)
    }
}
