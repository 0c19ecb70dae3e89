/// The CMP paper's comparisons (Sec. 4.2, Fig. 2): CMP-0, CMP-1, MA2C, L2Explore and DDPG.
enum CMPPlans {
    static func taskName(_ environment: String) -> String { MetaPolicyGradientPlans.taskName(environment) }

    /// `train` arguments for the CMP comparison: `cmp-<β>` is the `cmp-<task>` preset with `cmp.beta=<β>`, `ma2c`
    /// and `l2explore` the same preset with `--algo` (L2Explore with its own teacher-step count, (1, or 100 on the
    /// 1000-step tasks, as in Xu et al. 2018), DDPG `ddpg-paper-<task>` (same budget).
    @Sendable static func cmp2019Arguments(_ algorithm: String, _ environment: String, _ seed: Int) -> [String] {
        let task = taskName(environment)
        if algorithm == "ddpg" { return ["--preset", "ddpg-paper-\(task)", "--seed", "\(seed)"] }
        var args = ["--preset", "cmp-\(task)", "--seed", "\(seed)"]
        if algorithm.hasPrefix("cmp-") {
            args += ["--set", "cmp.beta=\(algorithm.dropFirst(4))"]
        } else {
            args += ["--algo", algorithm]
            if algorithm == "l2explore" {
                // L2Explore's teacher steps (Xu et al. 2018, Sec. 5.1): 100 on the tasks with 1000-step exploration
                // rollouts, 1 on the others; read from the task's preset.
                let preset = try? FamilyRegistry.builtIn.configuration(preset: "cmp-\(task)")
                let long = preset?.typed(CMPExperimentConfiguration.self)?.cmp.explorationSteps == 1000
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

    static let matchedBudgets = ReproductionPlan(
        name: "cmp-2019",
        title: "Counterfactual Meta Policy: CMP-0, CMP-1, MA2C, L2Explore and DDPG at matched budgets",
        algorithms: ["ddpg", "l2explore", "ma2c", "cmp-0", "cmp-1"],
        environments: ["HalfCheetah-v5", "Pendulum-v1"], seeds: [0, 1, 2, 3, 4],
        references: cmp2019References,
        referenceSource: "CMP paper, Sec. 4.2 (HalfCheetah final returns of CMP and MA2C; gym -v2/-v0 environments, "
            + "1.5M/0.9M steps); DDPG and L2Explore from Xu et al. 2018, Table 2 (gym -v1/-v0)",
        extraFigures: cmp2019Figures, thresholds: cmp2019Thresholds,
        trainArguments: cmp2019Arguments)

    static let nestedMetaQ = ReproductionPlan(
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
    }

    static var all: [ReproductionPlan] { [matchedBudgets, nestedMetaQ] }
}
