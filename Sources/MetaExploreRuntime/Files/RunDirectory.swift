import Foundation
import MetaExploreNN


/// The folder of one training run:
///
///     <out>/config.yaml        the full resolved configuration
///     <out>/versions.json      MetaExplore, Swift and OS versions plus whatever the caller adds (MuJoCo, Gymnasium)
///     <out>/progress.csv       one row per log record (header fixed when logging starts)
///     <out>/progress.jsonl     the same records as JSON Lines
///     <out>/tb/                TensorBoard event file
///     <out>/checkpoints/       for the checkpoint writer
///     <out>/visitation.safetensors  states visited early and late in training (with run.visitationWindow > 0)
///
/// Whole-file writes (`config.yaml`, `versions.json`) are atomic; log files are appended and flushed per record.
/// Reopening an existing folder (resume) appends to its logs.
public final class RunDirectory {
    /// The version of MetaExplore recorded in `versions.json`.
    public static let metaExploreVersion = "0.1.0"

    public let url: URL
    public private(set) var writers: [MetricsWriter] = []

    public init(url: URL) throws {
        self.url = url
        try Self.prepareFolder(url)
        try Self.prepareFolder(checkpointsURL)
    }

    /// Creates `folder` if needed; a path that is a file, or a folder that cannot be created or written, is a
    /// `TrainingSetupError` naming it.
    public static func prepareFolder(_ folder: URL) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw TrainingSetupError.notAFolder(folder.path) }
        } else {
            do { try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true) } catch {
                throw TrainingSetupError.unwritableFolder(folder.path, (error as NSError).localizedFailureReason
                                                            ?? "the folder cannot be created")
            }
        }
        guard access(folder.path, W_OK) == 0 else {
            throw TrainingSetupError.unwritableFolder(folder.path, "no permission to write there")
        }
    }

    public var configurationURL: URL { url.appendingPathComponent("config.yaml") }
    public var versionsURL: URL { url.appendingPathComponent("versions.json") }
    public var csvURL: URL { url.appendingPathComponent("progress.csv") }
    public var jsonLinesURL: URL { url.appendingPathComponent("progress.jsonl") }
    public var tensorBoardURL: URL { url.appendingPathComponent("tb") }
    public var checkpointsURL: URL { url.appendingPathComponent("checkpoints") }
    /// The state-visitation record (`StateVisitationRecorder`), when `run.visitationWindow` > 0.
    public var visitationURL: URL { url.appendingPathComponent("visitation.safetensors") }

    /// Writes `config.yaml` atomically.
    public func writeConfiguration(yaml: String) throws { try AtomicFile.write(yaml, to: configurationURL) }

    /// Writes `versions.json` atomically: the built-in entries plus `extra` (e.g. "mujoco": "3.3.7").
    public func writeVersions(extra: [String: String] = [:]) throws {
        var all = RunDirectory.builtInVersions
        for (k, v) in extra { all[k] = v }
        let body = all.keys.sorted().map { "  \(jsonQuoted($0)): \(jsonQuoted(all[$0]!))" }.joined(separator: ",\n")
        try AtomicFile.write("{\n\(body)\n}\n", to: versionsURL)
    }

    /// MetaExplore, Swift and operating-system versions.
    public static var builtInVersions: [String: String] {
        ["metaexplore": metaExploreVersion, "swift": swiftVersion,
         "os": ProcessInfo.processInfo.operatingSystemVersionString, "architecture": architecture]
    }

    /// The Swift language version the library was compiled with.
    public static var swiftVersion: String {
        #if compiler(>=6.4)
        return "6.4 or later"
        #elseif compiler(>=6.3)
        return "6.3"
        #elseif compiler(>=6.2)
        return "6.2"
        #elseif compiler(>=6.1)
        return "6.1"
        #else
        return "6.0"
        #endif
    }

    static var architecture: String {
        #if arch(x86_64)
        return "x86_64"
        #elseif arch(arm64)
        return "arm64"
        #else
        return "unknown"
        #endif
    }

    /// Cuts every record file back to `step` (a resumed run's checkpoint step): rows of `progress.csv` and
    /// `progress.jsonl` logged after it, a torn last line, and TensorBoard events after it are removed (each file
    /// rewritten atomically), so a run resumed after SIGKILL, a double Ctrl-C or a failed checkpoint write logs every
    /// step once. Returns how many records were removed.
    @discardableResult
    public func truncateRecords(after step: Int) throws -> Int {
        var removed = 0
        func leadingStep(_ line: Substring, csv: Bool) -> Int? {
            if csv { return Int(line.prefix { $0 != "," }) }
            guard line.hasPrefix("{\"step\":") else { return nil }
            return Int(line.dropFirst(8).prefix { $0.isNumber || $0 == "-" })
        }
        for (url, csv) in [(csvURL, true), (jsonLinesURL, false)] {
            guard let text = try? String(contentsOf: url, encoding: .utf8) else { continue }
            var kept: [Substring] = []
            let complete = text.hasSuffix("\n") ? text[...] : text[..<(text.lastIndex(of: "\n").map { text.index(after: $0) } ?? text.startIndex)]
            if complete.count < text.count { removed += 1 }
            for (i, line) in complete.split(separator: "\n", omittingEmptySubsequences: false).dropLast().enumerated() {
                if csv && i == 0 { kept.append(line); continue }  // header
                if let s = leadingStep(line, csv: csv), s <= step { kept.append(line) } else { removed += 1 }
            }
            let body = kept.map { $0 + "\n" }.joined()
            if body.count != text.count { try AtomicFile.write(body, to: url) }
        }
        let events = (try? FileManager.default.contentsOfDirectory(at: tensorBoardURL, includingPropertiesForKeys: nil)) ?? []
        for url in events where url.lastPathComponent.hasPrefix("events.out.tfevents.") {
            let bytes = [UInt8](try Data(contentsOf: url))
            let records = TFRecord.parsePrefix(bytes)
            let kept = records.filter { (EventEncoding.step(of: $0) ?? 0) <= Int64(step) }
            removed += records.count - kept.count
            if kept.count != records.count || TFRecord.frameLength(records) != bytes.count {
                var data = Data()
                for r in kept { data.append(TFRecord.frame(r)) }
                try AtomicFile.write(data, to: url)
            }
        }
        return removed
    }

    /// Opens the CSV, JSON Lines and TensorBoard writers with a fixed column set.
    public func startLogging(columns: [String]) throws {
        writers = [try CSVWriter(url: csvURL, columns: columns), try JSONLinesWriter(url: jsonLinesURL),
                   try TensorBoardWriter(directory: tensorBoardURL)]
    }

    /// Appends a record to every log (non-finite values are kept out of TensorBoard).
    public func log(_ record: MetricsRecord, step: Int) throws {
        for w in writers {
            if w is TensorBoardWriter { try w.write(record.filter { $0.value.isFinite }, step: step) } else {
                try w.write(record, step: step)
            }
        }
    }
}

public enum RunDirectoryError: Error, CustomStringConvertible {
    case headerMismatch(String)

    public var description: String {
        switch self {
        case .headerMismatch(let p): return "\(p) exists with different columns; use a new output folder"
        }
    }
}
