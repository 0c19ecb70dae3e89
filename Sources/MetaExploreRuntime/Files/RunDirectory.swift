import Foundation


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
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: checkpointsURL, withIntermediateDirectories: true)
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
        let body = all.keys.sorted().map { "  \(jsonString($0)): \(jsonString(all[$0]!))" }.joined(separator: ",\n")
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
