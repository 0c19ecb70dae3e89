import Foundation
import MetaExploreAlgorithms
import Testing

func temporaryDirectory(_ name: String) -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("metaexplore-tests-\(name)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

@Test func crc32cKnownVectors() {
    #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
    #expect(CRC32C.checksum([UInt8]()) == 0)
    #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)  // RFC 3720 B.4
    #expect(CRC32C.checksum([UInt8](repeating: 0xFF, count: 32)) == 0x62A8_AB43)
}

/// Minimal protobuf reader for the test: (field, wire type, value bytes or integer).
private func fields(_ b: [UInt8]) -> [(Int, Int, [UInt8], UInt64)] {
    var out: [(Int, Int, [UInt8], UInt64)] = []
    var i = 0
    func varint() -> UInt64 {
        var v: UInt64 = 0, shift: UInt64 = 0
        while true {
            let byte = b[i]; i += 1
            v |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return v }
            shift += 7
        }
    }
    while i < b.count {
        let key = varint()
        let field = Int(key >> 3), wire = Int(key & 7)
        switch wire {
        case 0: out.append((field, wire, [], varint()))
        case 1: out.append((field, wire, Array(b[i..<(i + 8)]), 0)); i += 8
        case 5: out.append((field, wire, Array(b[i..<(i + 4)]), 0)); i += 4
        case 2: let n = Int(varint()); out.append((field, wire, Array(b[i..<(i + n)]), 0)); i += n
        default: Issue.record("unexpected wire type \(wire)"); return out
        }
    }
    return out
}

@Test func tensorBoardEventFileFramingAndContent() throws {
    let tbRoot = temporaryDirectory("tb")
    defer { try? FileManager.default.removeItem(at: tbRoot) }
    let dir = tbRoot
    let writer = try TensorBoardWriter(directory: dir, wallTime: 1_700_000_000)
    #expect(writer.url.lastPathComponent.hasPrefix("events.out.tfevents.1700000000."))
    try writer.write(["eval/return": -123.5, "loss": 0.25], step: 4000, wallTime: 1_700_000_001.5)
    let bytes = [UInt8](try Data(contentsOf: writer.url))
    let records = try TFRecord.parse(bytes)
    #expect(records.count == 2)
    let first = fields(records[0])
    #expect(first.contains { $0.0 == 1 && $0.1 == 1 })
    #expect(first.contains { $0.0 == 3 && String(decoding: $0.2, as: UTF8.self) == "brain.Event:2" })
    let second = fields(records[1])
    let wall = second.first { $0.0 == 1 }!.2
    #expect(Double(bitPattern: wall.enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) }) == 1_700_000_001.5)
    #expect(second.first { $0.0 == 2 }?.3 == 4000)
    let summary = fields(second.first { $0.0 == 5 }!.2)
    var found: [String: Float] = [:]
    for value in summary where value.0 == 1 {
        let inner = fields(value.2)
        let tag = String(decoding: inner.first { $0.0 == 1 }!.2, as: UTF8.self)
        let raw = inner.first { $0.0 == 2 && $0.1 == 5 }!.2
        found[tag] = Float(bitPattern: raw.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (8 * UInt32($1.offset)) })
    }
    #expect(found == ["eval/return": -123.5, "loss": 0.25])
    // A corrupted byte is detected.
    var broken = bytes
    broken[bytes.count - 6] ^= 1
    #expect(throws: TFRecordError.self) { try TFRecord.parse(broken) }
}

@Test func csvAndJSONLinesWriters() throws {
    let csvRoot = temporaryDirectory("csv")
    defer { try? FileManager.default.removeItem(at: csvRoot) }
    let dir = csvRoot
    let csv = try CSVWriter(url: dir.appendingPathComponent("p.csv"), columns: ["a", "b"])
    try csv.write(["a": 1.5, "b": 2], step: 10)
    try csv.write(["b": .nan], step: 20)
    #expect(try String(contentsOf: dir.appendingPathComponent("p.csv"), encoding: .utf8) == "step,a,b\n10,1.5,2\n20,,nan\n")
    // Reopening appends without a second header; a different header is refused.
    let again = try CSVWriter(url: dir.appendingPathComponent("p.csv"), columns: ["a", "b"])
    try again.write(["a": 3], step: 30)
    #expect(try String(contentsOf: dir.appendingPathComponent("p.csv"), encoding: .utf8).hasSuffix("20,,nan\n30,3,\n"))
    #expect(throws: RunDirectoryError.self) { try CSVWriter(url: dir.appendingPathComponent("p.csv"), columns: ["c"]) }
    let jsonl = try JSONLinesWriter(url: dir.appendingPathComponent("p.jsonl"))
    try jsonl.write(["x": 0.5, "a\"b": -1], step: 3)
    #expect(try String(contentsOf: dir.appendingPathComponent("p.jsonl"), encoding: .utf8) == "{\"step\":3,\"a\\\"b\":-1,\"x\":0.5}\n")
}

@Test func runDirectoryLayout() throws {
    let runRoot = temporaryDirectory("run")
    defer { try? FileManager.default.removeItem(at: runRoot) }
    let dir = runRoot.appendingPathComponent("out")
    let run = try RunDirectory(url: dir)
    try run.writeConfiguration(yaml: "algorithm: td3\n")
    try run.writeVersions(extra: ["mujoco": "3.3.7"])
    try run.startLogging(columns: ["eval_return"])
    try run.log(["eval_return": -5], step: 100)
    let versions = try JSONSerialization.jsonObject(with: Data(contentsOf: run.versionsURL)) as? [String: String]
    #expect(versions?["mujoco"] == "3.3.7" && versions?["swift"] != nil && versions?["metaexplore"] != nil)
    #expect(try String(contentsOf: run.configurationURL, encoding: .utf8) == "algorithm: td3\n")
    #expect(try String(contentsOf: run.csvURL, encoding: .utf8) == "step,eval_return\n100,-5\n")
    let tb = try FileManager.default.contentsOfDirectory(atPath: run.tensorBoardURL.path)
    #expect(tb.count == 1 && tb[0].hasPrefix("events.out.tfevents."))
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.contains(".tmp-") }
    #expect(leftovers.isEmpty)
}

@Test func progressLineIsThrottled() {
    var now = 0.0
    var lines: [String] = []
    let p = ProgressReporter(totalSteps: 1000, isTerminal: false, interval: 0.5, output: { lines.append($0) }, clock: { now })
    for step in 0..<100 {
        now = Double(step) * 0.1
        p.update(step: step * 10, trainReturn: -3, evalReturn: nil)
    }
    #expect(lines.count == 20)
    #expect(lines.last!.contains("100 steps/s") && lines.last!.contains("train return -3.0"))
    #expect(lines.allSatisfy { $0.hasSuffix("\n") })
}
