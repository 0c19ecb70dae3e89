import Foundation
import MetaExploreAlgorithms
import MetaExploreAnalysis

/// The held-out adaptation curves of every finished run of a reproduction grid, in one table: `metaexplore meta-eval
/// --grid DIR` (MAML's test protocol, the numbers the meta-RL papers report, where the grid's own `results.md` holds
/// the training-time evaluation).
///
/// Each finished run (`<algorithm>/<environment>/seed-<s>/` with `done.json`) is meta-evaluated from its latest
/// checkpoint (`FamilyRegistry.metaEvaluate`); the per-task returns are kept beside the run in
/// `meta-eval-k<steps>-tasks<n>-traj<m>-seed<seed>.json` with the checkpoint's step, so a rerun evaluates only runs
/// that are new or have trained further. The grid folder receives `meta-eval.md` (per algorithm and environment: each
/// seed's mean over tasks after 0…k steps, the mean ± std over seeds and a 95% Student-t interval over seeds, and the
/// plan's reference from `plan.json`) and `meta-eval.csv` (one row per run and step, with the 95% t half-width over
/// tasks).
public enum GridMetaEvaluation {
    /// One run's curve.
    public struct RunCurve: Codable, Sendable, Equatable {
        public var algorithm: String
        public var environment: String
        public var seed: Int
        /// The environment step of the checkpoint evaluated.
        public var checkpointStep: Int
        /// `returns[s][i]`: held-out task i's mean return after s adaptation steps.
        public var returns: [[Double]]

        public var means: [Double] { returns.map { $0.reduce(0, +) / Double(max($0.count, 1)) } }
    }

    public struct Settings: Sendable, Equatable {
        public var steps = 3
        public var tasks = 40
        public var trajectories = 20
        public var seed: UInt64 = 0
        public init() {}

        var cacheName: String { "meta-eval-k\(steps)-tasks\(tasks)-traj\(trajectories)-seed\(seed).json" }
    }

    public struct Outcome {
        public var curves: [RunCurve]
        /// Runs without `done.json` (unfinished or failed), as `<algorithm>/<environment>/seed-<s>`.
        public var skipped: [String]
        public var markdown: String
        public var csv: String
    }

    /// Evaluates (or reads back) every finished run under `root` and writes `meta-eval.md` and `meta-eval.csv` there.
    /// `progress` receives one line per run.
    @discardableResult
    public static func run(root: URL, settings: Settings = Settings(), registry: FamilyRegistry = .builtIn,
                           progress: (String) -> Void = { _ in }) throws -> Outcome {
        let fm = FileManager.default
        guard fm.fileExists(atPath: root.path) else { throw ExperimentError.conflictingOptions("no grid folder at \(root.path)") }
        var curves: [RunCurve] = [], skipped: [String] = []
        for (algorithm, environment, seed, folder) in try runFolders(in: root) {
            let name = "\(algorithm)/\(environment)/seed-\(seed)"
            guard fm.fileExists(atPath: folder.appendingPathComponent("done.json").path) else {
                skipped.append(name)
                continue
            }
            let checkpoint = folder.appendingPathComponent("checkpoints/latest.safetensors")
            let cache = folder.appendingPathComponent(settings.cacheName)
            let step: Int = try SafeTensorsCheckpointStore.read(checkpoint).value("runner.step")
            if let data = try? Data(contentsOf: cache), let stored = try? JSONDecoder().decode(RunCurve.self, from: data),
               stored.checkpointStep == step, stored.returns.count == settings.steps + 1 {
                curves.append(stored)
                progress("\(name): step \(step), read from \(settings.cacheName)")
                continue
            }
            let (curve, _, evaluatedStep) = try registry.metaEvaluate(
                checkpoint: checkpoint, steps: settings.steps, tasks: settings.tasks,
                trajectories: settings.trajectories, seed: settings.seed)
            let result = RunCurve(algorithm: algorithm, environment: environment, seed: seed,
                                  checkpointStep: evaluatedStep, returns: curve.returns)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(try encoder.encode(result), to: cache)
            curves.append(result)
            progress("\(name): step \(evaluatedStep), " + result.means.map { String(format: "%.1f", $0) }.joined(separator: " → "))
        }
        let references = readReferences(root)
        let markdown = self.markdown(curves, settings: settings, references: references, skipped: skipped)
        let csv = self.csv(curves)
        try AtomicFile.write(markdown, to: root.appendingPathComponent("meta-eval.md"))
        try AtomicFile.write(csv, to: root.appendingPathComponent("meta-eval.csv"))
        return Outcome(curves: curves, skipped: skipped, markdown: markdown, csv: csv)
    }

    /// `<root>/<algorithm>/<environment>/seed-<s>/` folders, sorted.
    static func runFolders(in root: URL) throws -> [(String, String, Int, URL)] {
        let fm = FileManager.default
        func directories(_ url: URL) throws -> [String] {
            try fm.contentsOfDirectory(atPath: url.path).filter { name in
                var isDirectory: ObjCBool = false
                return !name.hasPrefix(".") && fm.fileExists(atPath: url.appendingPathComponent(name).path,
                                                             isDirectory: &isDirectory) && isDirectory.boolValue
            }.sorted()
        }
        var found: [(String, String, Int, URL)] = []
        for algorithm in try directories(root) {
            let a = root.appendingPathComponent(algorithm)
            for environment in try directories(a) {
                let e = a.appendingPathComponent(environment)
                for seedName in try directories(e) where seedName.hasPrefix("seed-") {
                    guard let seed = Int(seedName.dropFirst(5)) else { continue }
                    found.append((algorithm, environment, seed, e.appendingPathComponent(seedName)))
                }
            }
        }
        return found.sorted { ($0.0, $0.1, $0.2) < ($1.0, $1.1, $1.2) }
    }

    /// `references[algorithm][environment]` from the grid's `plan.json` (empty when absent).
    static func readReferences(_ root: URL) -> [String: [String: String]] {
        guard let data = try? Data(contentsOf: root.appendingPathComponent("plan.json")),
              let info = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let references = info["references"] as? [String: [String: String]] else { return [:] }
        return references
    }

    static func format(_ x: Double) -> String { x.isFinite ? String(format: "%.1f", x) : "–" }

    static func markdown(_ curves: [RunCurve], settings: Settings, references: [String: [String: String]],
                         skipped: [String]) -> String {
        var lines = [
            "# Held-out adaptation (meta-evaluation)", "",
            "`metaexplore meta-eval --grid <this folder> --steps \(settings.steps) --tasks \(settings.tasks) "
                + "--trajectories \(settings.trajectories) --seed \(settings.seed)`: each finished run's latest checkpoint, "
                + "adapted on the task family's first \(settings.tasks) fixed held-out tasks with the run's own inner step, "
                + "\(settings.trajectories) trajectories per task and step. Per seed: the mean over tasks (its 95% t "
                + "half-width over tasks is in `meta-eval.csv`). Across seeds: mean ± std and a 95% Student-t interval "
                + "(n − 1 degrees of freedom).",
        ]
        let groups = Dictionary(grouping: curves) { "\($0.environment)\u{0}\($0.algorithm)" }
        for key in groups.keys.sorted() {
            let runs = groups[key]!.sorted { $0.seed < $1.seed }
            let environment = runs[0].environment, algorithm = runs[0].algorithm
            let budgets = Set(runs.map(\.checkpointStep)).sorted().map(String.init).joined(separator: ", ")
            lines += ["", "## \(algorithm) on \(environment)", "",
                      "Checkpoint step(s): \(budgets). n = \(runs.count) seed(s)."]
            if let reference = references[algorithm]?[environment] { lines.append("Reference: \(reference).") }
            lines.append("")
            let seedColumns = runs.map { "seed \($0.seed)" }
            lines.append("| adaptation steps | " + seedColumns.joined(separator: " | ") + " | mean ± std | 95% CI over seeds |")
            lines.append("|---|" + String(repeating: "---|", count: runs.count) + "---|---|")
            for s in 0...settings.steps {
                let values = runs.map { $0.means[s] }
                let mean = Statistics.mean(values)
                let std = values.count > 1 ? Statistics.sampleStd(values) : .nan
                let half = confidenceHalfWidth95(values)
                let interval = values.count > 1 ? "[\(format(mean - half)), \(format(mean + half))]" : "–"
                lines.append("| \(s) | " + values.map(format).joined(separator: " | ")
                             + " | \(format(mean)) ± \(format(std)) | \(interval) |")
            }
        }
        if !skipped.isEmpty {
            lines += ["", "Not evaluated (no `done.json`: unfinished or failed): " + skipped.joined(separator: ", ") + "."]
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func csv(_ curves: [RunCurve]) -> String {
        var lines = ["algorithm,environment,seed,checkpoint_step,adaptation_steps,mean_return,ci95_half_width_over_tasks,tasks"]
        for c in curves {
            for (s, returns) in c.returns.enumerated() {
                lines.append("\(c.algorithm),\(c.environment),\(c.seed),\(c.checkpointStep),\(s),"
                             + "\(c.means[s]),\(confidenceHalfWidth95(returns)),\(returns.count)")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
