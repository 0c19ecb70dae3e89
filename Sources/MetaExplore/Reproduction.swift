import Foundation
import MetaExploreAlgorithms
import MetaExploreAnalysis

/// Runs reproduction plans as parallel grids of training processes, resumably, and writes their results: a table in
/// Markdown and CSV (mean ± std and a 95% bootstrap confidence interval of the final evaluation return, with the
/// references), one learning-curve PNG per environment (one line and ±1 std band per algorithm), and, for runs that
/// recorded their state visitation, one visitation figure per environment (`StateVisitationAnalysis`).
public enum Reproduction {
    /// The built-in plans, by name (every registered family's).
    public static var plans: [String: ReproductionPlan] { FamilyRegistry.builtIn.plans }

    /// What a finished grid produced.
    public struct Outcome {
        public var table: ResultsTable
        public var report: GridReport
        public var figures: [URL]
        public var failures: [(job: ExperimentJob, error: String)]
        /// A stop request ended the grid early (its trainings checkpointed); nothing was tabulated.
        public var interrupted = false
    }

    /// The step budgets the tabulated runs actually used, per environment, read from their `config.yaml` (a plan's
    /// nominal budget can be changed by `--set`); several budgets for one environment are called out.
    static func budgetLine(grid: ExperimentGrid, plan: ReproductionPlan) -> String {
        var parts: [String] = []
        for env in plan.environments {
            var budgets: [String: Set<Int>] = [:]
            for job in grid.jobs where job.environment == env {
                guard case .done = grid.status(of: job),
                      let text = try? String(contentsOf: grid.folder(job).appendingPathComponent("config.yaml"), encoding: .utf8),
                      let config = try? FamilyRegistry.builtIn.load(yaml: text) else { continue }
                budgets[job.algorithm, default: []].insert(config.run.totalSteps)
            }
            let all = Set(budgets.values.flatMap { $0 })
            if all.count == 1 {
                parts.append("\(env) \(all.first!) steps")
            } else if !all.isEmpty {
                let each = budgets.keys.sorted().map { "\($0) \(budgets[$0]!.sorted().map(String.init).joined(separator: "/"))" }
                parts.append("\(env) (different budgets: \(each.joined(separator: ", ")))")
            }
        }
        return parts.isEmpty ? "" : "Budget per run: \(parts.joined(separator: "; ")).\n"
    }

    /// The record of what a results folder belongs to (`plan.json`): the plan's name and the extra settings of every
    /// run, with the algorithms, environments and seeds the folder was asked for — over every invocation, since one
    /// folder gathers the runs of several (`--seeds 0`, later `--seeds 1`): the recorded lists are kept, in their
    /// order, and this invocation's new entries appended.
    static func writePlanRecord(_ plan: ReproductionPlan, extraArguments: [String], to root: URL) throws {
        let url = root.appendingPathComponent("plan.json")
        let recorded = (try? Data(contentsOf: url)).flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        func union<T: Equatable>(_ key: String, _ current: [T], _ read: (Any) -> T?) -> [T] {
            let earlier = (recorded?[key] as? [Any] ?? []).compactMap(read)
            return earlier + current.filter { !earlier.contains($0) }
        }
        let planInfo: [String: Any] = [
            "name": plan.name, "title": plan.title,
            "algorithms": union("algorithms", plan.algorithms) { $0 as? String },
            "environments": union("environments", plan.environments) { $0 as? String },
            "seeds": union("seeds", plan.seeds) { ($0 as? NSNumber)?.intValue },
            "extra_arguments": extraArguments, "references": plan.references,
            "metaexplore": RunDirectory.metaExploreVersion,
        ]
        try AtomicFile.write(try JSONSerialization.data(withJSONObject: planInfo, options: [.prettyPrinted, .sortedKeys]),
                             to: root.appendingPathComponent("plan.json"))
    }

    /// The extra settings recorded in `root`'s `plan.json` (nil: no record there); throws when the record is
    /// unreadable or names another plan.
    static func recordedExtraArguments(in root: URL, plan: ReproductionPlan) throws -> [String]? {
        let url = root.appendingPathComponent("plan.json")
        guard let data = try? Data(contentsOf: url) else { return nil }
        guard let info = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ReproductionError.unreadableRecord(url.path)
        }
        let name = info["name"] as? String ?? "?"
        if name != plan.name { throw ReproductionError.otherPlan(folder: root.path, recorded: name, requested: plan.name) }
        return info["extra_arguments"] as? [String] ?? []
    }

    /// Refuses a folder that holds another plan's results or results made with other extra settings.
    static func checkOwnership(of root: URL, plan: ReproductionPlan, extraArguments: [String]) throws {
        guard let recorded = try recordedExtraArguments(in: root, plan: plan) else { return }
        if recorded != extraArguments {
            throw ReproductionError.otherSettings(folder: root.path, recorded: recorded, requested: extraArguments)
        }
    }

    /// Runs (or resumes) `plan` under `root` with at most `maxParallel` training processes of `executable`, then
    /// writes `results.md`, `results.csv`, `plan.json` and `curve-<environment>.png` into `root`. Jobs finished
    /// earlier are skipped; a job folder left by an interrupted run is continued with `--resume`.
    ///
    /// A results folder belongs to one plan and one set of extra settings: a rerun whose plan or `extraArguments`
    /// differ from those recorded in its `plan.json` is refused with the differences named (`ReproductionError`),
    /// since finished runs would be tabulated beside runs made under other settings. With `stop`, a stop request
    /// (SIGINT/SIGTERM) is forwarded to the running trainings, which checkpoint and exit; the outcome then says so
    /// (`interrupted`) and no table is written.
    public static func run(_ plan: ReproductionPlan, root: URL, executable: String, maxParallel: Int,
                           extraArguments: [String] = [], showProgress: Bool = true,
                           stop: StopRequest? = nil) throws -> Outcome {
        try RunDirectory.prepareFolder(root)
        try checkOwnership(of: root, plan: plan, extraArguments: extraArguments)
        let progress: @Sendable (GridProgress) -> Void = { p in if showProgress { ExperimentGrid.printProgress(p) } }
        let command: @Sendable (ExperimentJob, URL) -> [String] = { job, folder in
            let checkpoint = folder.appendingPathComponent("checkpoints/latest.safetensors")
            if FileManager.default.fileExists(atPath: checkpoint.path) {
                return [executable, "train", "--resume", "--out", folder.path, "--quiet"]
            }
            // A folder without a checkpoint holds nothing worth keeping: start over in it.
            for name in startedFiles { try? FileManager.default.removeItem(at: folder.appendingPathComponent(name)) }
            return freshCommand(plan, job, folder: folder, executable: executable, extraArguments: extraArguments)
        }
        var grid = grid(plan, root: root, maxParallel: maxParallel, progress: progress, command: command)
        grid.stop = stop
        // Record what the folder belongs to before any run starts in it.
        try writePlanRecord(plan, extraArguments: extraArguments, to: root)
        let report = grid.run()
        if let stop, stop.isRequested {
            return Outcome(table: ResultsTable([]), report: report, figures: [], failures: [], interrupted: true)
        }
        return try tabulate(plan, root: root, grid: grid, report: report)
    }

    /// Writes `results.md`, `results.csv` and the figures from the runs already under `root`, training nothing: the
    /// finished runs, and the runs not finished yet (interrupted, stopped, still training or failed with a
    /// `progress.csv`) read at their last evaluation and named in a **PARTIAL** line with their steps so far and
    /// budget, beside the runs not started. A partial grid can so be read, and committed as partial, while it
    /// trains or before it is resumed. The folder must hold this plan's results (its `plan.json`).
    public static func report(_ plan: ReproductionPlan, root: URL) throws -> Outcome {
        guard try recordedExtraArguments(in: root, plan: plan) != nil else {
            throw ReproductionError.noResults(folder: root.path, plan: plan.name)
        }
        return try tabulate(plan, root: root, grid: grid(plan, root: root), report: GridReport(), includingUnfinished: true)
    }

    /// The PARTIAL line of a report: each unfinished run with its last logged step and its budget, and the runs not
    /// started ("" when every run of the grid finished).
    static func partialLine(grid: ExperimentGrid, collected: [CollectedJob]) -> String {
        let unfinished = collected.filter { !$0.finished }
        let read = Set(collected.map(\.job))
        let notStarted = grid.jobs.filter { !read.contains($0) }
        guard !unfinished.isEmpty || !notStarted.isEmpty else { return "" }
        func progress(_ c: CollectedJob) -> String {
            let folder = grid.folder(c.job)
            let steps = (try? CSVTable(contentsOf: folder.appendingPathComponent("progress.csv")).numbers("step"))?
                .last(where: \.isFinite)
            let budget = (try? String(contentsOf: folder.appendingPathComponent("config.yaml"), encoding: .utf8))
                .flatMap { try? FamilyRegistry.builtIn.load(yaml: $0) }?.run.totalSteps
            return "\(c.job.name) (\(steps.map { String(format: "%.0f", $0) } ?? "?") of \(budget.map(String.init) ?? "?") steps)"
        }
        var parts: [String] = []
        if !unfinished.isEmpty {
            parts.append("runs not finished, read at their last evaluation: " + unfinished.map(progress).joined(separator: ", "))
        }
        if !notStarted.isEmpty { parts.append("not started: " + notStarted.map(\.name).joined(separator: ", ")) }
        return "**PARTIAL** — " + parts.joined(separator: "; ") + ".\n"
    }

    /// The files a started run leaves in its folder (removed before a fresh start in a folder without checkpoint).
    static let startedFiles = ["config.yaml", "versions.json", "progress.csv", "progress.jsonl", "tb"]

    /// The plan's grid of jobs under `root`.
    static func grid(_ plan: ReproductionPlan, root: URL, maxParallel: Int = 1,
                     progress: @escaping @Sendable (GridProgress) -> Void = ExperimentGrid.printProgress,
                     command: @escaping @Sendable (ExperimentJob, URL) -> [String] = { _, _ in [] }) -> ExperimentGrid {
        let jobs = ExperimentGrid.jobs(algorithms: plan.algorithms, environments: plan.environments, seeds: plan.seeds)
        return ExperimentGrid(root: root, jobs: jobs, maxParallel: maxParallel, progress: progress, command: command)
    }

    /// The `train` command that starts `job` afresh in `folder`.
    static func freshCommand(_ plan: ReproductionPlan, _ job: ExperimentJob, folder: URL, executable: String,
                             extraArguments: [String]) -> [String] {
        [executable, "train"] + plan.trainArguments(job.algorithm, job.environment, job.seed) + extraArguments
            + ["--out", folder.path, "--quiet"]
    }

    /// Reads every finished run of the grid and writes `results.md`, `results.csv` and the figures.
    static func tabulate(_ plan: ReproductionPlan, root: URL, grid: ExperimentGrid, report: GridReport,
                         includingUnfinished: Bool = false) throws -> Outcome {
        let collected = grid.collect(ExperimentGrid.csvReader(stepColumn: "step", valueColumn: "eval_return"),
                                     includingUnfinished: includingUnfinished)
        var failures: [(ExperimentJob, String)] = report.failed.map { ($0.job, "exit \($0.record.exitStatus)") }
        for c in collected { if case .failure(let e) = c.result { failures.append((c.job, "\(e)")) } }

        let table = ResultsTable(collected.resultsEntries(paper: plan.references), decimals: plan.tableDecimals)
        let header = "# \(plan.title)\n\nFinal \(plan.evaluationDescription), mean ± std over seeds, and a 95% "
            + "percentile-bootstrap confidence interval of the mean (10 000 resamples).\n"
            + budgetLine(grid: grid, plan: plan)
            + (includingUnfinished ? partialLine(grid: grid, collected: collected) : "")
            + (plan.referenceSource.isEmpty ? "" : "References: \(plan.referenceSource).\n") + "\n"
        try AtomicFile.write(table.csv(), to: root.appendingPathComponent("results.csv"))

        var figures: [URL] = []
        var budgetTables = ""
        let main = ReproductionPlan.CurveFigure(name: "", xColumn: "step", yColumn: "eval_return",
                                                xLabel: "environment steps", yLabel: "return", title: "evaluation return")
        for figure in [main] + plan.extraFigures {
            let runs = figure.name.isEmpty ? collected
                : grid.collect(ExperimentGrid.csvReader(stepColumn: figure.xColumn, valueColumn: figure.yColumn),
                               includingUnfinished: includingUnfinished)
            if figure.tabulateAtCommonEnd { budgetTables += commonEndTable(figure, runs: runs, plan: plan) }
            for env in plan.environments {
                var series: [ChartSeries] = []
                for (i, algorithm) in plan.algorithms.enumerated() {
                    let curves = runs.curves(algorithm: algorithm, environment: env)
                    guard !curves.isEmpty else { continue }
                    series.append(ChartSeries(name: "\(algorithm) (n=\(curves.count))", aligned: AlignedCurves(curves),
                                              color: Color.series(i)))
                }
                guard !series.isEmpty else { continue }
                let url = root.appendingPathComponent(figure.name.isEmpty ? "curve-\(env).png" : "curve-\(env)-\(figure.name).png")
                try LineChart(title: "\(env): \(figure.title)", xLabel: figure.xLabel, yLabel: figure.yLabel,
                              series: series).write(to: url)
                figures.append(url)
            }
        }
        let times = collected.map {
            "- \($0.job.name): " + ($0.finished ? String(format: "%.0f s", $0.wallClockSeconds) : "not finished")
        }.joined(separator: "\n")
        let crossings = thresholdTable(plan: plan) { collected.curves(algorithm: $0, environment: $1) }
        try AtomicFile.write(header + table.markdown() + "\n" + budgetTables + crossings
                             + "\nWall-clock time per run:\n\n" + times
                             + "\n", to: root.appendingPathComponent("results.md"))
        // State visitation (Xu et al. 2018, Fig. 4): the first seed's runs that recorded it, one figure per task.
        for env in plan.environments {
            guard let seed = plan.seeds.first else { break }
            let records = plan.algorithms.compactMap { algorithm in
                try? VisitationRecord(run: ExperimentJob(algorithm: algorithm, environment: env, seed: seed).directory(in: root))
            }
            guard !records.isEmpty else { continue }
            let url = root.appendingPathComponent("visitation-\(env).png")
            try StateVisitationAnalysis(records: records,
                                        title: "\(env), seed \(seed): state visitation (standardized PCA)")
                .write(figureTo: url)
            figures.append(url)
        }
        return Outcome(table: table, report: report, figures: figures, failures: failures)
    }

    /// The Markdown table of `plan.thresholds`: per environment and algorithm, the step at which the mean evaluation
    /// return over seeds first reaches the threshold and each seed's first step (`ThresholdCrossing`).
    static func thresholdTable(plan: ReproductionPlan, curves: (String, String) -> [LearningCurve]) -> String {
        var out = ""
        for env in plan.environments {
            guard let threshold = plan.thresholds[env] else { continue }
            for algorithm in plan.algorithms {
                let cs = curves(algorithm, env)
                guard !cs.isEmpty else { continue }
                if out.isEmpty {
                    out = "\nEnvironment steps until the evaluation return first reaches a level (mean over seeds at "
                        + "evaluations every run made; each seed's first evaluation at or above it; — never):\n\n"
                        + "| Environment | Return | Algorithm | Mean over seeds reaches it at | Seeds reaching | Per seed |\n"
                        + "|---|---|---|---|---|---|\n"
                }
                let c = ThresholdCrossing(curves: cs, threshold: threshold)
                func steps(_ s: Double?) -> String { s.map { String(format: "%.0f", $0) } ?? "—" }
                // Runs that evaluate by episodes (e.g. DREAM every 2000 trials) may share no evaluation step: the mean
                // over seeds is then not defined at any step, which is not "never reached".
                let mean = ThresholdCrossing.sharedSteps(cs).isEmpty ? "n/a (no evaluation step shared by every run)" : steps(c.meanCurveStep)
                out += "| \(env) | " + String(format: "%g", threshold) + " | \(algorithm) | \(mean) | "
                    + "\(c.runsReaching)/\(cs.count) | " + c.runSteps.map(steps).joined(separator: ", ") + " |\n"
            }
        }
        return out
    }

    /// Markdown: per task, each algorithm's `figure.yColumn` (mean ± std over seeds) at the largest `xColumn` value
    /// every run of the task reached — for wall-clock time, the comparison at the same time budget.
    static func commonEndTable(_ figure: ReproductionPlan.CurveFigure, runs: [CollectedJob], plan: ReproductionPlan) -> String {
        var out = ""
        for env in plan.environments {
            let curves = plan.algorithms.map { runs.curves(algorithm: $0, environment: env) }
            let ends = curves.joined().compactMap(\.steps.last)
            guard let budget = ends.min() else { continue }
            if out.isEmpty {
                out = "\n\(figure.yLabel.capitalized) at the same \(figure.xLabel) (the largest value every run of the "
                    + "task reached):\n\n| Environment | \(figure.xLabel) | Algorithm | \(figure.yLabel) (mean ± std) | n |\n"
                    + "|---|---|---|---|---|\n"
            }
            for (algorithm, cs) in zip(plan.algorithms, curves) where !cs.isEmpty {
                let values = cs.compactMap { $0.value(at: budget) }
                out += "| \(env) | " + String(format: "%.0f", budget) + " | \(algorithm) | "
                    + (values.count > 1 ? String(format: "%.1f ± %.1f", Statistics.mean(values), Statistics.sampleStd(values))
                        : values.count == 1 ? String(format: "%.1f (one seed)", values[0]) : "n/a")
                    + " | \(values.count) |\n"
            }
        }
        return out
    }
}

/// Why a results folder cannot take this grid.
public enum ReproductionError: Error, CustomStringConvertible, Equatable {
    case otherPlan(folder: String, recorded: String, requested: String)
    case otherSettings(folder: String, recorded: [String], requested: [String])
    case unreadableRecord(String)
    case noResults(folder: String, plan: String)

    public var description: String {
        func show(_ a: [String]) -> String { a.isEmpty ? "none" : a.joined(separator: " ") }
        switch self {
        case let .otherPlan(folder, recorded, requested):
            return "\(folder) holds the results of plan '\(recorded)', not '\(requested)'; choose another --out"
        case let .otherSettings(folder, recorded, requested):
            return "\(folder) holds results made with extra settings [\(show(recorded))], and this run asks for "
                + "[\(show(requested))]: their runs would be tabulated together. Rerun with the same --set options, or "
                + "choose another --out for the new settings"
        case .unreadableRecord(let path):
            return "\(path) is not a plan record; this folder was not written by `metaexplore reproduce`"
        case let .noResults(folder, plan):
            return "\(folder) holds no results of plan '\(plan)' (no plan.json): nothing to report; give the grid's --out"
        }
    }
}
