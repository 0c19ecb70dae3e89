import Foundation
import MetaExploreAlgorithms
import MetaExploreAnalysis
import MetaExploreNN

/// The state-visitation record of one run (`visitation.safetensors`, written with `run.visitationWindow` > 0).
public struct VisitationRecord {
    /// The run folder.
    public var run: URL
    /// The run's algorithm and environment (from its `config.yaml`).
    public var algorithm: String, environment: String
    /// Sources in `StateVisitationRecorder.sourceOrder`: teacher, student (learned exploration), behavior (DDPG, TD3).
    public var sources: [String]
    /// First and latest states of each source (rows of raw observations).
    public var early: [String: [[Double]]], late: [String: [[Double]]]
    /// States visited in total by each source.
    public var counts: [String: Int]
    public var window: Int

    /// Reads `<run>/visitation.safetensors` and the algorithm and environment from `<run>/config.yaml`.
    public init(run: URL) throws {
        self.run = run
        let file = run.appendingPathComponent("visitation.safetensors")
        guard FileManager.default.fileExists(atPath: file.path) else {
            throw VisitationError.missing(run.path)
        }
        let st = try SafeTensors.read(from: file)
        let config = try FamilyRegistry.builtIn.load(
            yaml: try String(contentsOf: run.appendingPathComponent("config.yaml"), encoding: .utf8))
        algorithm = config.algorithm
        environment = config.environment
        sources = (st.metadata["sources"] ?? "").split(separator: ",").map(String.init)
        window = Int(st.metadata["window"] ?? "") ?? 0
        early = [:]
        late = [:]
        counts = [:]
        for s in sources {
            guard let e = st[s + ".early"], let l = st[s + ".late"], e.shape.count == 2, l.shape.count == 2 else {
                throw VisitationError.malformed(file.path, "no early/late matrices for source '\(s)'")
            }
            early[s] = Self.rows(e.doubles, width: e.shape[1])
            late[s] = Self.rows(l.doubles, width: l.shape[1])
            counts[s] = Int(st.metadata[s + ".count"] ?? "") ?? 0
        }
        guard !sources.isEmpty else { throw VisitationError.malformed(file.path, "no sources recorded") }
    }

    static func rows(_ flat: [Double], width: Int) -> [[Double]] {
        guard width > 0 else { return [] }
        return stride(from: 0, to: flat.count, by: width).map { Array(flat[$0..<$0 + width]) }
    }
}

public enum VisitationError: Error, CustomStringConvertible, Equatable {
    case missing(String)
    case malformed(String, String)
    case mismatch(String)

    public var description: String {
        switch self {
        case .missing(let run):
            return "\(run) has no visitation.safetensors; train with --set run.visitationWindow=5000 to record the "
                + "states visited early and late in training"
        case let .malformed(file, why): return "\(file) is not a state-visitation record: \(why)"
        case .mismatch(let why): return "cannot compare these runs: \(why)"
        }
    }
}

/// Xu et al. 2018, Sec. 5.4 and Figure 4: where the teacher, the student and DDPG go, early and late in training.
///
/// Every panel's states (raw observations) are standardized with the mean and standard deviation of all panels
/// together and projected onto the first two principal components of that pooled set, so all panels share one
/// plane (the paper embeds jointly with t-SNE; a linear projection keeps distances comparable between panels and
/// needs no tuning). Densities are histograms on a shared grid, shown on a log colour scale.
public struct StateVisitationAnalysis {
    /// One panel's numbers.
    public struct PanelSummary: Sendable {
        public var title: String
        public var states: Int
        /// Fraction of the grid's cells the panel's states fall into.
        public var occupiedCells: Double
        /// Standard deviation of the projected states along each axis.
        public var spread: (x: Double, y: Double)
    }

    public var figure: DensityFigure
    public var summaries: [PanelSummary]
    /// Share of variance explained by the two components.
    public var explainedVariance: Double
    /// Histogram overlap Σ min(p, q) of the teacher's and the student's late states, per learned-exploration run
    /// (1: same distribution; 0: disjoint).
    public var teacherStudentOverlap: [(algorithm: String, early: Double, late: Double)]

    /// Builds the figure for `records` (runs of one environment): columns are (run, source) pairs, rows early and late.
    public init(records: [VisitationRecord], title: String? = nil, bins: Int = 60) throws {
        guard let first = records.first else { throw VisitationError.mismatch("no runs given") }
        guard records.allSatisfy({ $0.environment == first.environment }) else {
            throw VisitationError.mismatch("the runs are on different environments ("
                + Set(records.map(\.environment)).sorted().joined(separator: ", ") + ")")
        }
        var columns: [(label: String, early: [[Double]], late: [[Double]])] = []
        for r in records {
            for s in r.sources {
                columns.append(("\(r.algorithm) \(s == "behavior" ? "" : s)".trimmingCharacters(in: .whitespaces),
                                r.early[s] ?? [], r.late[s] ?? []))
            }
        }
        let pooled = columns.flatMap { $0.early + $0.late }
        guard let width = pooled.first?.count, pooled.allSatisfy({ $0.count == width }) else {
            throw VisitationError.mismatch("the runs' observations differ in size")
        }
        // Standardize every dimension over the pooled states, then fit the plane.
        let n = Double(pooled.count)
        var mean = [Double](repeating: 0, count: width), sd = [Double](repeating: 0, count: width)
        for p in pooled { for j in 0..<width { mean[j] += p[j] / n } }
        for p in pooled { for j in 0..<width { sd[j] += (p[j] - mean[j]) * (p[j] - mean[j]) / n } }
        sd = sd.map { $0 > 1e-12 ? $0.squareRoot() : 1 }
        func standardize(_ rows: [[Double]]) -> [[Double]] { rows.map { r in (0..<width).map { (r[$0] - mean[$0]) / sd[$0] } } }
        let standardized = standardize(pooled)
        let pca = PCA(fitting: standardized, components: 2)
        // Total variance with PCA's (n − 1) denominator; the standardized mean is 0.
        let totalVariance = standardized.reduce(0) { $0 + $1.reduce(0) { $0 + $1 * $1 } } / max(1, n - 1)
        explainedVariance = totalVariance > 0 ? pca.variances.reduce(0, +) / totalVariance : 0

        var panels: [DensityPanel] = []
        for (row, name) in [(0, "early"), (1, "late")] {
            for c in columns {
                panels.append(DensityPanel(title: "\(c.label) (\(name))",
                                           points: pca.project2D(standardize(row == 0 ? c.early : c.late))))
            }
        }
        figure = DensityFigure(title: title ?? "\(first.environment): state visitation (standardized PCA)",
                               panels: panels, columns: columns.count, bins: bins)
        let box = DensityGrid.bounds(of: panels.map(\.points))
        let grids = panels.map { DensityGrid(points: $0.points, xRange: box.x, yRange: box.y, nx: bins, ny: bins) }
        summaries = zip(panels, grids).map { panel, grid in
            let occupied = Double(grid.counts.filter { $0 > 0 }.count) / Double(bins * bins)
            func sdev(_ xs: [Double]) -> Double {
                guard xs.count > 1 else { return 0 }
                let m = xs.reduce(0, +) / Double(xs.count)
                return (xs.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(xs.count)).squareRoot()
            }
            return PanelSummary(title: panel.title, states: panel.points.count, occupiedCells: occupied,
                                spread: (sdev(panel.points.map(\.x)), sdev(panel.points.map(\.y))))
        }
        func overlap(_ a: DensityGrid, _ b: DensityGrid) -> Double {
            (0..<(bins * bins)).reduce(0) { sum, k in
                sum + min(a.fraction(x: k % bins, y: k / bins), b.fraction(x: k % bins, y: k / bins))
            }
        }
        var overlaps: [(String, Double, Double)] = []
        var offset = 0
        for r in records {
            if let t = r.sources.firstIndex(of: "teacher"), let s = r.sources.firstIndex(of: "student") {
                let k = columns.count
                overlaps.append((r.algorithm, overlap(grids[offset + t], grids[offset + s]),
                                 overlap(grids[k + offset + t], grids[k + offset + s])))
            }
            offset += r.sources.count
        }
        teacherStudentOverlap = overlaps
    }

    /// The summaries as a Markdown table.
    public func markdown() -> String {
        var out = "Projection: first two principal components of the standardized states of all panels "
            + String(format: "(%.0f%% of the variance).\n\n", 100 * explainedVariance)
        out += "| Panel | States | Occupied cells | Spread (PC 1, PC 2) |\n|---|---|---|---|\n"
        for s in summaries {
            out += "| \(s.title) | \(s.states) | " + String(format: "%.1f%%", 100 * s.occupiedCells)
                + String(format: " | %.2f, %.2f |\n", s.spread.x, s.spread.y)
        }
        if !teacherStudentOverlap.isEmpty {
            out += "\nTeacher–student histogram overlap Σ min(p, q) (1: same distribution, 0: disjoint):\n\n"
            for o in teacherStudentOverlap {
                out += "- \(o.algorithm): " + String(format: "early %.2f, late %.2f\n", o.early, o.late)
            }
        }
        return out
    }

    /// Writes the figure (PNG) and, beside it, the summary (`.md`), both atomically.
    public func write(figureTo url: URL) throws {
        try figure.write(to: url)
        try AtomicFile.write(markdown(), to: url.deletingPathExtension().appendingPathExtension("md"))
    }
}
