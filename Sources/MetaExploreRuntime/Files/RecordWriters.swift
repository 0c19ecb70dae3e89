import Foundation
import MetaExploreNN

/// One row of scalar measurements, by column name (missing values are written empty / left out).
public typealias MetricsRecord = [String: Double]

/// A sink for progress records (CSV, JSON Lines, TensorBoard).
public protocol MetricsWriter: AnyObject {
    /// Appends one record measured at `step` and flushes it to disk.
    func write(_ record: MetricsRecord, step: Int) throws
}

/// Appends records to a file, creating it if needed; every write reaches the kernel before returning.
final class AppendingFile {
    let url: URL
    private let handle: FileHandle

    init(url: URL, header: String?) throws {
        self.url = url
        let fm = FileManager.default
        let existed = fm.fileExists(atPath: url.path)
        if !existed { _ = fm.createFile(atPath: url.path, contents: nil) }
        handle = try FileHandle(forWritingTo: url)
        let end = try handle.seekToEnd()
        if let header, end == 0 { try handle.write(contentsOf: Data(header.utf8)) }
    }

    func append(_ data: Data) throws { try handle.write(contentsOf: data) }

    deinit { try? handle.close() }
}

/// Formats a double for text logs: integers without a fraction, others with up to 17 significant digits
/// (round-trips), non-finite values as `nan`/`inf`/`-inf`.
func formatMetric(_ x: Double) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x > 0 ? "inf" : "-inf" }
    if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
    return "\(x)"
}

/// A CSV file with a fixed header written at creation (`step` first, then the given columns). Appending to an
/// existing file (a resumed run) keeps its header, which must match.
public final class CSVWriter: MetricsWriter {
    public let columns: [String]
    private let file: AppendingFile

    public init(url: URL, columns: [String]) throws {
        precondition(!columns.contains("step"), "CSVWriter: 'step' is always the first column")
        self.columns = columns
        let header = (["step"] + columns).joined(separator: ",") + "\n"
        if let existing = try? String(contentsOf: url, encoding: .utf8), let first = existing.split(separator: "\n").first,
           String(first) + "\n" != header {
            throw RunDirectoryError.headerMismatch(url.path)
        }
        file = try AppendingFile(url: url, header: header)
    }

    public func write(_ record: MetricsRecord, step: Int) throws {
        var fields = [String(step)]
        for c in columns { fields.append(record[c].map(formatMetric) ?? "") }
        try file.append(Data((fields.joined(separator: ",") + "\n").utf8))
    }
}

/// One JSON object per line: `{"step": …, "<key>": value, …}` with keys sorted; non-finite values as strings.
public final class JSONLinesWriter: MetricsWriter {
    private let file: AppendingFile

    public init(url: URL) throws { file = try AppendingFile(url: url, header: nil) }

    public func write(_ record: MetricsRecord, step: Int) throws {
        var parts = ["\"step\":\(step)"]
        for key in record.keys.sorted() {
            let v = record[key]!
            let text = v.isFinite ? formatMetric(v) : "\"\(formatMetric(v))\""
            parts.append("\(jsonQuoted(key)):\(text)")
        }
        try file.append(Data(("{" + parts.joined(separator: ",") + "}\n").utf8))
    }
}
