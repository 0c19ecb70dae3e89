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
    }

    /// Runs (or resumes) `plan` under `root` with at most `maxParallel` training processes of `executable`, then
    /// writes `results.md`, `results.csv`, `plan.json` and `curve-<environment>.png` into `root`. Jobs finished
    /// earlier are skipped; a job folder left by an interrupted run is continued with `--resume`.
    public static func run(_ plan: ReproductionPlan, root: URL, executable: String, maxParallel: Int,
                           extraArguments: [String] = [], showProgress: Bool = true) throws -> Outcome {
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        let jobs = ExperimentGrid.jobs(algorithms: plan.algorithms, environments: plan.environments, seeds: plan.seeds)
        let arguments = plan.trainArguments
        let progress: @Sendable (GridProgress) -> Void = { p in if showProgress { ExperimentGrid.printProgress(p) } }
        let command: @Sendable (ExperimentJob, URL) -> [String] = { job, folder in
            let checkpoint = folder.appendingPathComponent("checkpoints/latest.safetensors")
            if FileManager.default.fileExists(atPath: checkpoint.path) {
                return [executable, "train", "--resume", "--out", folder.path, "--quiet"]
            }
            // A folder without a checkpoint holds nothing worth keeping: start over in it.
            for name in ["config.yaml", "versions.json", "progress.csv", "progress.jsonl", "tb"] {
                try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
            }
            return [executable, "train"] + arguments(job.algorithm, job.environment, job.seed) + extraArguments
                + ["--out", folder.path, "--quiet"]
        }
        let grid = ExperimentGrid(root: root, jobs: jobs, maxParallel: maxParallel, progress: progress, command: command)
        let report = grid.run()
        let collected = grid.collect(ExperimentGrid.csvReader(stepColumn: "step", valueColumn: "eval_return"))
        var failures: [(ExperimentJob, String)] = report.failed.map { ($0.job, "exit \($0.record.exitStatus)") }
        for c in collected { if case .failure(let e) = c.result { failures.append((c.job, "\(e)")) } }

        let table = ResultsTable(collected.resultsEntries(paper: plan.references))
        let header = "# \(plan.title)\n\nFinal evaluation return (deterministic policy), mean ± std over seeds, and a 95% "
            + "percentile-bootstrap confidence interval of the mean (10 000 resamples).\n"
            + (plan.referenceSource.isEmpty ? "" : "References: \(plan.referenceSource).\n") + "\n"
        try AtomicFile.write(table.csv(), to: root.appendingPathComponent("results.csv"))
        let planInfo: [String: Any] = [
            "name": plan.name, "title": plan.title, "algorithms": plan.algorithms, "environments": plan.environments,
            "seeds": plan.seeds, "extra_arguments": extraArguments, "references": plan.references,
            "metaexplore": RunDirectory.metaExploreVersion,
        ]
        try AtomicFile.write(try JSONSerialization.data(withJSONObject: planInfo, options: [.prettyPrinted, .sortedKeys]),
                             to: root.appendingPathComponent("plan.json"))

        var figures: [URL] = []
        var budgetTables = ""
        let main = ReproductionPlan.CurveFigure(name: "", xColumn: "step", yColumn: "eval_return",
                                                xLabel: "environment steps", yLabel: "return", title: "evaluation return")
        for figure in [main] + plan.extraFigures {
            let runs = figure.name.isEmpty ? collected
                : grid.collect(ExperimentGrid.csvReader(stepColumn: figure.xColumn, valueColumn: figure.yColumn))
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
        let times = collected.map { "- \($0.job.name): \(String(format: "%.0f", $0.wallClockSeconds)) s" }.joined(separator: "\n")
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
                out += "| \(env) | " + String(format: "%g", threshold) + " | \(algorithm) | \(steps(c.meanCurveStep)) | "
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
                    + String(format: "%.1f ± %.1f", Statistics.mean(values), Statistics.sampleStd(values))
                    + " | \(values.count) |\n"
            }
        }
        return out
    }
}
