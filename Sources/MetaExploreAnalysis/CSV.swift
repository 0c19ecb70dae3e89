// A small CSV reader (header row, numeric columns by name) and CSV field quoting.
import Foundation

public struct CSVTable: Sendable {
    public enum Failure: Error, CustomStringConvertible {
        case missingColumn(String, available: [String])
        case empty

        public var description: String {
            switch self {
            case let .missingColumn(name, available):
                return "CSV has no column '\(name)' (columns: \(available.joined(separator: ", ")))"
            case .empty: return "CSV is empty"
            }
        }
    }

    public let header: [String]
    public let rows: [[String]]

    /// Parses comma-separated text whose first line is the header. Double-quoted fields may contain
    /// commas, doubled quotes and newlines; blank lines are skipped.
    public init(text: String) throws {
        var records = [[String]](), field = "", record = [String](), quoted = false, sawAny = false
        var chars = Array(text).makeIterator()
        var pending: Character? = nil
        while let c = pending ?? chars.next() {
            pending = nil
            if quoted {
                if c == "\"" {
                    if let n = chars.next() {
                        if n == "\"" { field.append("\"") } else { quoted = false; pending = n }
                    } else { quoted = false }
                } else { field.append(c) }
                continue
            }
            switch c {
            case "\"": quoted = true; sawAny = true
            case ",": record.append(field); field = ""; sawAny = true
            case "\n", "\r\n", "\r":
                if sawAny || !field.isEmpty { record.append(field); records.append(record) }
                record = []; field = ""; sawAny = false
            default: field.append(c); sawAny = true
            }
        }
        if sawAny || !field.isEmpty { record.append(field); records.append(record) }
        guard let first = records.first else { throw Failure.empty }
        header = first.map { $0.trimmingCharacters(in: .whitespaces) }
        rows = Array(records.dropFirst())
    }

    public init(contentsOf url: URL) throws {
        try self.init(text: String(decoding: try Data(contentsOf: url), as: UTF8.self))
    }

    /// The text cells of column `name`.
    public func column(_ name: String) throws -> [String] {
        guard let j = header.firstIndex(of: name) else { throw Failure.missingColumn(name, available: header) }
        return rows.map { j < $0.count ? $0[j] : "" }
    }

    /// Column `name` as numbers; empty or non-numeric cells become NaN.
    public func numbers(_ name: String) throws -> [Double] {
        try column(name).map { Double($0.trimmingCharacters(in: .whitespaces)) ?? .nan }
    }

    /// Quotes a field if it contains a comma, quote or newline.
    public static func escape(_ field: String) -> String {
        guard field.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        return "\"" + field.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
