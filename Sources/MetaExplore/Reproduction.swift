import Foundation
import MetaExploreAlgorithms
import MetaExploreAnalysis

/// A paper-style experiment: algorithms × environments × seeds, each job one `metaexplore train` run, with the
/// reference numbers to print beside ours.
public struct ReproductionPlan: Sendable {
    public var name: String
    public var title: String
    public var algorithms: [String]
    public var environments: [String]
    public var seeds: [Int]
    /// The `train` arguments of one job (without `--out`), e.g. `["--preset", "ddpg-pendulum", "--seed", "3"]`.
    public var trainArguments: @Sendable (_ algorithm: String, _ environment: String, _ seed: Int) -> [String]
    /// Reference values per algorithm and environment, printed in the table (e.g. "−123 ± 10").
    public var references: [String: [String: String]]
    /// Where the references come from.
    public var referenceSource: String
    /// Further learning-curve figures per environment (besides evaluation return against steps).
    public var extraFigures: [CurveFigure]
    /// Evaluation returns per environment whose first crossing is tabulated in `results.md` (steps to reach them,
    /// `ThresholdCrossing`), e.g. a level the paper quotes sample efficiency at.
    public var thresholds: [String: Double]

    /// A learning-curve figure from two columns of every run's `progress.csv`: one line (mean, ±1 std band) per
    /// algorithm whose runs log the column; written as `curve-<environment>-<name>.png`.
    public struct CurveFigure: Sendable {
        public var name: String
        public var xColumn: String, yColumn: String
        public var xLabel: String, yLabel: String
        public var title: String
        /// Also tabulate every algorithm's y at the largest x all runs of the task reached (for wall-clock time: the
        /// comparison at the same time budget), in `results.md`.
        public var tabulateAtCommonEnd: Bool

        public init(name: String, xColumn: String, yColumn: String, xLabel: String, yLabel: String, title: String,
                    tabulateAtCommonEnd: Bool = false) {
            self.name = name
            self.xColumn = xColumn
            self.yColumn = yColumn
            self.xLabel = xLabel
            self.yLabel = yLabel
            self.title = title
            self.tabulateAtCommonEnd = tabulateAtCommonEnd
        }
    }

    public init(name: String, title: String, algorithms: [String], environments: [String], seeds: [Int],
                references: [String: [String: String]] = [:], referenceSource: String = "",
                extraFigures: [CurveFigure] = [], thresholds: [String: Double] = [:],
                trainArguments: @escaping @Sendable (String, String, Int) -> [String]) {
        self.name = name
        self.title = title
        self.algorithms = algorithms
        self.environments = environments
        self.seeds = seeds
        self.references = references
        self.referenceSource = referenceSource
        self.extraFigures = extraFigures
        self.thresholds = thresholds
        self.trainArguments = trainArguments
    }
}

/// Runs reproduction plans as parallel grids of training processes, resumably, and writes their results: a table in
/// Markdown and CSV (mean ± std and a 95% bootstrap confidence interval of the final evaluation return, with the
/// references), one learning-curve PNG per environment (one line and ±1 std band per algorithm), and, for runs that
/// recorded their state visitation, one visitation figure per environment (`StateVisitationAnalysis`).
public enum Reproduction {
    /// The built-in plans, by name.
    public static var plans: [String: ReproductionPlan] {
        var all: [String: ReproductionPlan] = [:]
        for plan in builtIn { all[plan.name] = plan }
        return all
    }

    /// The preset suffix of an environment id ("InvertedDoublePendulum-v5" → "inverteddoublependulum").
    static func taskName(_ environment: String) -> String {
        String(environment.split(separator: "-").first ?? Substring(environment)).lowercased()
    }

    /// `train` arguments for the meta-policy-gradient comparison: Meta variants on `meta-<task>`, DDPG on
    /// `ddpg-paper-<task>` (baselines DDPG at the same budget).
    /// Every run keeps its first and latest 5000 states per acting policy for the Figure 4 analysis (50 D0
    /// rollouts of 100 steps on the 100-step tasks; recording draws no random numbers).
    @Sendable static func xu2018Arguments(_ algorithm: String, _ environment: String, _ seed: Int) -> [String] {
        let task = taskName(environment)
        let record = ["--set", "run.visitationWindow=5000"]
        if algorithm == "ddpg" { return ["--preset", "ddpg-paper-\(task)", "--seed", "\(seed)"] + record }
        return ["--preset", "meta-\(task)", "--algo", algorithm, "--seed", "\(seed)"] + record
    }

    /// `train` arguments for the CMP comparison: `cmp-<β>` is the `cmp-<task>` preset with `cmp.beta=<β>`, `ma2c`
    /// and `l2explore` the same preset with `--algo` (L2Explore with its own teacher-step count, as
    /// `CMPPreset.with(variant:)`: 1, or 100 on the 1000-step tasks), DDPG `ddpg-paper-<task>` (same budget).
    @Sendable static func cmp2019Arguments(_ algorithm: String, _ environment: String, _ seed: Int) -> [String] {
        let task = taskName(environment)
        if algorithm == "ddpg" { return ["--preset", "ddpg-paper-\(task)", "--seed", "\(seed)"] }
        var args = ["--preset", "cmp-\(task)", "--seed", "\(seed)"]
        if algorithm.hasPrefix("cmp-") {
            args += ["--set", "cmp.beta=\(algorithm.dropFirst(4))"]
        } else {
            args += ["--algo", algorithm]
            if algorithm == "l2explore" {
                let long = CMPPreset.named(environment)?.configuration.explorationSteps == 1000
                args += ["--set", "cmp.teacherUpdates=\(long ? 100 : 1)"]
            }
        }
        return args
    }

    /// The CMP paper's Fig. 2(b) (the same comparison against training time: same time budget, same machine) and
    /// Fig. 2(c) (the moving sum of the training reward collected by πe, per β).
    static let cmp2019Figures: [ReproductionPlan.CurveFigure] = [
        .init(name: "time", xColumn: "wall_time", yColumn: "eval_return", xLabel: "training wall-clock seconds",
              yLabel: "return", title: "return vs training time", tabulateAtCommonEnd: true),
        .init(name: "exploration-reward", xColumn: "step", yColumn: "exploration_reward_moving_sum",
              xLabel: "environment steps", yLabel: "moving sum of reward", title: "exploration reward"),
    ]

    /// Sec. 4.2: "CMP achieved 1500 with only 0.4M samples which take MA2C about 1.5M samples" (HalfCheetah).
    static let cmp2019Thresholds: [String: Double] = ["HalfCheetah-v5": 1500]

    static let cmp2019References: [String: [String: String]] = [
        "cmp-1": ["HalfCheetah-v5": "2562.8 ± 789 (CMP, β not stated)", "Pendulum-v1": "(figure 3 only)"],
        "ma2c": ["HalfCheetah-v5": "1981 ± 1028"],
        // The CMP paper plots DDPG and L2Explore without numbers; Xu et al.'s Table 2 has them (same settings).
        "ddpg": ["HalfCheetah-v5": "1594 ± 298 (Xu et al.)", "Pendulum-v1": "−206 ± 31 (Xu et al.)"],
        "l2explore": ["HalfCheetah-v5": "2011 ± 339 (Xu et al.)", "Pendulum-v1": "−123 ± 10 (Xu et al.)"],
    ]

    static let xu2018Table2: [String: [String: String]] = [
        "meta": ["InvertedDoublePendulum-v5": "7718 ± 277", "InvertedPendulum-v5": "745 ± 27", "Hopper-v5": "205 ± 41",
                 "Pendulum-v1": "−123 ± 10", "HalfCheetah-v5": "2011 ± 339", "Reacher-v5": "−12.16 ± 1.19"],
        "ddpg": ["InvertedDoublePendulum-v5": "2795 ± 1325", "InvertedPendulum-v5": "499 ± 23", "Hopper-v5": "135 ± 42",
                 "Pendulum-v1": "−206 ± 31", "HalfCheetah-v5": "1594 ± 298", "Reacher-v5": "−11.67 ± 3.39"],
        "meta-variance": ["InvertedDoublePendulum-v5": "(figure 2 only)"],
    ]

    static let builtIn: [ReproductionPlan] = [
        ReproductionPlan(
            name: "xu2018-table2",
            title: "Learning to explore via meta-policy gradient (Xu et al. 2018): Meta, Meta (variance) and DDPG",
            algorithms: ["meta", "meta-variance", "ddpg"],
            environments: ["Pendulum-v1", "InvertedPendulum-v5", "InvertedDoublePendulum-v5"], seeds: [0, 1, 2, 3, 4],
            references: xu2018Table2,
            referenceSource: "Xu et al. 2018, Table 2 (3 seeds; gym v1/v0 environments, paper budgets 0.9M/1.5M/1.5M)",
            trainArguments: xu2018Arguments),
        ReproductionPlan(
            name: "xu2018-all", title: "Meta-policy gradient vs DDPG on the paper's six tasks (3 seeds)",
            algorithms: ["meta", "ddpg"],
            environments: ["Pendulum-v1", "InvertedPendulum-v5", "InvertedDoublePendulum-v5", "Hopper-v5",
                           "HalfCheetah-v5", "Reacher-v5"],
            seeds: [0, 1, 2], references: xu2018Table2,
            referenceSource: "Xu et al. 2018, Table 2 (3 seeds; gym v1/v0 environments)",
            trainArguments: xu2018Arguments),
        ReproductionPlan(
            name: "cmp-2019",
            title: "Counterfactual Meta Policy: CMP-0, CMP-1, MA2C, L2Explore and DDPG at matched budgets",
            algorithms: ["ddpg", "l2explore", "ma2c", "cmp-0", "cmp-1"],
            environments: ["HalfCheetah-v5", "Pendulum-v1"], seeds: [0, 1, 2, 3, 4],
            references: cmp2019References,
            referenceSource: "CMP paper, Sec. 4.2 (HalfCheetah final returns of CMP and MA2C; gym -v2/-v0 environments, "
                + "1.5M/0.9M steps); DDPG and L2Explore from Xu et al. 2018, Table 2 (gym -v1/-v0)",
            extraFigures: cmp2019Figures, thresholds: cmp2019Thresholds,
            trainArguments: cmp2019Arguments),
        ReproductionPlan(
            name: "cmp-2019-nested-metaq",
            title: "CMP with Algorithm 1's nesting: 5 meta-Q updates before every exploration-policy update",
            algorithms: ["ma2c", "cmp-0", "cmp-1"],
            environments: ["Pendulum-v1", "HalfCheetah-v5"], seeds: [0, 1, 2, 3, 4],
            references: cmp2019References,
            referenceSource: "CMP paper, Sec. 4.2 (the cmp-2019 plan with `cmp.metaQ.schedule=perTeacherUpdate`: "
                + "50 or 500 times more meta-Q updates per iteration)",
            extraFigures: cmp2019Figures, thresholds: cmp2019Thresholds
        ) { algorithm, env, seed in
            cmp2019Arguments(algorithm, env, seed) + ["--set", "cmp.metaQ.schedule=perTeacherUpdate"]
        },
        ReproductionPlan(
            name: "pendulum-students", title: "DDPG and TD3 on Pendulum-v1 (20k steps)",
            algorithms: ["ddpg", "td3"], environments: ["Pendulum-v1"], seeds: [0, 1, 2, 3, 4],
            references: ["ddpg": ["Pendulum-v1": "≈ −150"], "td3": ["Pendulum-v1": "≈ −150"]],
            referenceSource: "RL-Zoo (DDPG/TD3/SAC on Pendulum-v1 reach about −152 in 20k steps, γ 0.98)"
        ) { algorithm, env, seed in
            algorithm == "ddpg"
                ? ["--preset", "ddpg-pendulum", "--env", env, "--steps", "20000", "--seed", "\(seed)"]
                : ["--preset", "td3-paper", "--env", env, "--steps", "20000", "--seed", "\(seed)",
                   "--set", "agent.warmupSteps=1000", "--set", "run.evalInterval=2000"]
        },
        ReproductionPlan(
            name: "td3-mujoco", title: "TD3 (Fujimoto et al. 2018 settings) on MuJoCo, 300k steps",
            algorithms: ["td3"], environments: ["HalfCheetah-v5", "Hopper-v5", "InvertedDoublePendulum-v5"],
            seeds: [0, 1, 2],
            references: ["td3": ["HalfCheetah-v5": "9637 (1M)", "Hopper-v5": "3564 (1M)",
                                 "InvertedDoublePendulum-v5": "9337 (1M)"]],
            referenceSource: "Fujimoto et al. 2018, Table 1 (1M steps, v1 environments)"
        ) { _, env, seed in
            // 10 000 random warm-up steps on every task, as in the TD3 authors' published script. The paper's text
            // gives 1 000 for tasks other than HalfCheetah and Ant; with it, the 400-300 actor at lr 1e-3 collapsed
            // into tanh saturation on InvertedDoublePendulum-v5 for two of three seeds (see the algorithms README).
            ["--preset", "td3-paper", "--env", env, "--steps", "300000", "--seed", "\(seed)"]
        },
    ]

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
