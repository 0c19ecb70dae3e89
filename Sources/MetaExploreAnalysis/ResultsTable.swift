// Final-return tables (Markdown and CSV): mean ± sample std, 95% bootstrap CI, seed count, paper reference.
import Foundation

/// One (algorithm, environment) cell of a results table.
public struct ResultsEntry: Sendable, Equatable {
    public var algorithm: String
    public var environment: String
    /// Final return of each seed.
    public var returns: [Double]
    /// Optional reference text, e.g. "-123 ± 10" from the paper.
    public var paper: String?

    public init(algorithm: String, environment: String, returns: [Double], paper: String? = nil) {
        self.algorithm = algorithm
        self.environment = environment
        self.returns = returns
        self.paper = paper
    }
}

/// A table of final returns; rows keep the order of `entries`.
public struct ResultsTable: Sendable {
    public var entries: [ResultsEntry]
    /// Digits after the decimal point for every number.
    public var decimals: Int
    /// Bootstrap settings for the CI column.
    public var resamples: Int
    public var seed: UInt64
    /// Whether to add the paper column (default: when any entry has a reference).
    public var showPaper: Bool

    public init(_ entries: [ResultsEntry], decimals: Int = 1, resamples: Int = 10_000, seed: UInt64 = 0,
                showPaper: Bool? = nil) {
        self.entries = entries
        self.decimals = decimals
        self.resamples = resamples
        self.seed = seed
        self.showPaper = showPaper ?? entries.contains { $0.paper != nil }
    }

    /// Builds entries from a dictionary keyed by (algorithm, environment), sorted by environment then algorithm.
    public init(returns: [String: [String: [Double]]], paper: [String: [String: String]] = [:], decimals: Int = 1,
                resamples: Int = 10_000, seed: UInt64 = 0) {
        var list = [ResultsEntry]()
        for (alg, byEnv) in returns {
            for (env, values) in byEnv {
                list.append(ResultsEntry(algorithm: alg, environment: env, returns: values, paper: paper[alg]?[env]))
            }
        }
        list.sort { ($0.environment, $0.algorithm) < ($1.environment, $1.algorithm) }
        self.init(list, decimals: decimals, resamples: resamples, seed: seed)
    }

    /// Summary numbers of one entry.
    public struct Summary: Sendable, Equatable {
        public let mean: Double, std: Double, ciLower: Double, ciUpper: Double, n: Int
    }

    /// With fewer than two values there is no spread to report: `std` and the interval are NaN (printed "n/a"),
    /// never a 0 that would read as "every seed agreed".
    public func summary(_ e: ResultsEntry) -> Summary {
        guard e.returns.count > 1 else {
            return Summary(mean: e.returns.first ?? .nan, std: .nan, ciLower: .nan, ciUpper: .nan, n: e.returns.count)
        }
        let ci = Statistics.bootstrapMeanCI(e.returns, resamples: resamples, seed: seed)
        return Summary(mean: Statistics.mean(e.returns), std: Statistics.sampleStd(e.returns),
                       ciLower: ci.lower, ciUpper: ci.upper, n: e.returns.count)
    }

    /// Fixed-decimal formatting without "-0"; NaN prints as "n/a".
    public func number(_ v: Double) -> String {
        guard v.isFinite else { return "n/a" }
        let s = String(format: "%.\(decimals)f", v)
        if s.hasPrefix("-"), s.dropFirst().allSatisfy({ $0 == "0" || $0 == "." }) { return String(s.dropFirst()) }
        return s
    }

    /// A GitHub-flavoured Markdown table, one line per entry, ending with a newline.
    public func markdown() -> String {
        var header = ["Environment", "Algorithm", "Return (mean ± std)", "95% CI", "n"]
        if showPaper { header.append("Paper") }
        var lines = ["| " + header.joined(separator: " | ") + " |",
                     "|" + header.map { _ in "---" }.joined(separator: "|") + "|"]
        for e in entries {
            let s = summary(e)
            let spread = s.n > 1 ? "\(number(s.mean)) ± \(number(s.std))" : "\(number(s.mean)) (one seed: no spread)"
            var cells = [e.environment, e.algorithm, spread, s.n > 1 ? "[\(number(s.ciLower)), \(number(s.ciUpper))]" : "n/a",
                         "\(s.n)"]
            if showPaper { cells.append(e.paper ?? "") }
            lines.append("| " + cells.map { $0.replacingOccurrences(of: "|", with: "\\|") }.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// CSV with columns environment, algorithm, mean, std, ci_lower, ci_upper, n (and paper).
    public func csv() -> String {
        var header = ["environment", "algorithm", "mean", "std", "ci_lower", "ci_upper", "n"]
        if showPaper { header.append("paper") }
        var lines = [header.joined(separator: ",")]
        for e in entries {
            let s = summary(e)
            var cells = [e.environment, e.algorithm, number(s.mean), number(s.std), number(s.ciLower),
                         number(s.ciUpper), "\(s.n)"]
            if showPaper { cells.append(e.paper ?? "") }
            lines.append(cells.map(CSVTable.escape).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
