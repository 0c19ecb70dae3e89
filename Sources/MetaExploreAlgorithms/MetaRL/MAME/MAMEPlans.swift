/// MAME's experiments (Gurumurthy, Kumar & Yue 2019, Sec. 5): Fig. 2 (MAME against MAML-TRPO, MAML-VPG and ProMP on
/// the sparse PointCorner task and on the dense locomotion tasks) and Fig. 3 (the five variants on PointCorner),
/// three seeds each. Every job is a preset: `mame-<task>` and `mame-<variant>-pointcorner` here, the baselines'
/// `<algorithm>-<task>` presets in the MAML family's folder. The seed prints curves only (no numbers); the one
/// number to read against is PointCorner's ceiling: a policy that walks straight to the goal earns about 188 per
/// 100-step episode.
enum MAMEPlans {
    static let tasks: [String: String] = [
        "PointCorner-v1": "pointcorner", "HalfCheetahVel-v1": "halfcheetahvel", "HalfCheetahDir-v1": "halfcheetahdir",
        "AntDir-v1": "antdir",
    ]

    static func preset(_ algorithm: String, _ environment: String) -> String {
        "\(algorithm)-\(tasks[environment] ?? environment.lowercased())"
    }

    /// Fig. 2, sparse reward: MAME against the three baselines on PointCorner.
    /// What the runs' `eval_return` is (the tables' header): the adapted policy on the first held-out tasks.
    static let evaluationDescription = "evaluation return of the run (the adapted policy's return on the first "
        + "`run.evalEpisodes` held-out tasks after `evaluation.steps` inner steps, sampled; the 40-task protocol is "
        + "`metaexplore meta-eval --grid <this folder>` → meta-eval.md)"

    static let figure2 = ReproductionPlan(
        name: "mame-2019",
        title: "MAME vs MAML-TRPO, MAML-VPG, ProMP: post-update return on held-out PointCorner tasks (Fig. 2, sparse)",
        algorithms: ["mame", "maml-trpo", "maml-vpg", "promp"],
        environments: ["PointCorner-v1"],
        seeds: [0, 1, 2],
        references: ["mame": ["PointCorner-v1": "reaches the peak (ceiling ≈ 188 per 100-step episode)"],
                     "maml-trpo": ["PointCorner-v1": "struggles (no exploration incentive)"],
                     "maml-vpg": ["PointCorner-v1": "struggles (no exploration incentive)"],
                     "promp": ["PointCorner-v1": "reaches the peak, unstable"]],
        referenceSource: "Gurumurthy et al. 2019, Fig. 2 and Sec. 5.2 (curves only; the ceiling is computed for the "
            + "task: walking straight to the goal from the origin)",
        evaluationDescription: evaluationDescription
    ) { algorithm, environment, seed in
        ["--preset", preset(algorithm, environment), "--seed", "\(seed)"]
    }

    /// Fig. 2, dense rewards: MAME against the same three baselines on the locomotion tasks. The baselines' jobs are
    /// the MAML family's `<algorithm>-<task>` presets, the same jobs as plan `maml-2017` runs on these tasks: a
    /// finished `maml-2017` run with the same `--set` overrides has the same configuration and can be placed here.
    static let figure2Dense = ReproductionPlan(
        name: "mame-2019-dense",
        title: "MAME vs MAML-TRPO, MAML-VPG, ProMP: post-update return on held-out locomotion tasks (Fig. 2, dense)",
        algorithms: ["mame", "maml-trpo", "maml-vpg", "promp"],
        environments: ["HalfCheetahVel-v1", "HalfCheetahDir-v1", "AntDir-v1"],
        seeds: [0, 1, 2],
        references: ["mame": ["HalfCheetahVel-v1": "above the baselines", "HalfCheetahDir-v1": "above the baselines",
                              "AntDir-v1": "well above the baselines"]],
        referenceSource: "Gurumurthy et al. 2019, Fig. 2 and Sec. 5.1 (curves only)",
        evaluationDescription: evaluationDescription
    ) { algorithm, environment, seed in
        ["--preset", preset(algorithm, environment), "--seed", "\(seed)"]
    }

    /// Fig. 3: the five variants on PointCorner.
    static let figure3 = ReproductionPlan(
        name: "mame-2019-ablations",
        title: "MAME and its ablations on PointCorner: post-update return on held-out tasks (Fig. 3)",
        algorithms: ["mame", "mame-vpg-inner", "mame-reward", "mame-dice", "mame-emaml"],
        environments: ["PointCorner-v1"],
        seeds: [0, 1, 2],
        references: ["mame": ["PointCorner-v1": "peak, stable"],
                     "mame-vpg-inner": ["PointCorner-v1": "poor (high-variance off-policy inner step)"],
                     "mame-reward": ["PointCorner-v1": "reasonable, below the peak"],
                     "mame-dice": ["PointCorner-v1": "unstable, higher variance"],
                     "mame-emaml": ["PointCorner-v1": "reaches the peak, less stable"]],
        referenceSource: "Gurumurthy et al. 2019, Fig. 3 and Sec. 5.3 (curves only)",
        evaluationDescription: evaluationDescription
    ) { algorithm, environment, seed in
        ["--preset", preset(algorithm, environment), "--seed", "\(seed)"]
    }
}
