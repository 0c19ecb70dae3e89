/// The MAML paper's RL experiments (Finn, Abbeel & Levine 2017, §5.3, Fig. 5): MAML-TRPO on the 2-D point and the
/// four locomotion task families, with MAML-VPG, ProMP and E-MAML on the same tasks (the baselines the MAME seed
/// compares against), three seeds each, at the presets `<algorithm>-<task>`. The table's column is the
/// held-out post-update return (`eval_return`); the full 0 → 3-step curves come from `metaexplore meta-eval --run DIR
/// --steps 3` on each run folder. References: the values behind the paper's figures (`cbfinn/maml_rl` `icml/*.pkl`,
/// 40 test tasks; meta-rl-facts §1), read on MAML's own task definitions (rllab, MuJoCo 1.31), which differ from
/// ours (see the task families' documentation), so they are landmarks, not targets.
enum MAMLPlans {
    static let tasks: [String: String] = [
        "PointGoal-v1": "pointgoal", "HalfCheetahVel-v1": "halfcheetahvel", "HalfCheetahDir-v1": "halfcheetahdir",
        "AntVel-v1": "antvel", "AntDir-v1": "antdir",
    ]

    static let finn2017 = ReproductionPlan(
        name: "maml-2017",
        title: "MAML-TRPO, MAML-VPG, ProMP and E-MAML: post-update return on held-out tasks, 2-D point and locomotion",
        algorithms: ["maml-trpo", "maml-vpg", "promp", "e-maml"],
        environments: ["PointGoal-v1", "HalfCheetahVel-v1", "HalfCheetahDir-v1", "AntVel-v1", "AntDir-v1"],
        seeds: [0, 1, 2],
        references: ["maml-trpo": [
            "PointGoal-v1": "−40.4 → −11.7 → −3.3 → −3.2 (0→3 steps; oracle −2.3)",
            "HalfCheetahVel-v1": "−129.5 → −78.6 → −66.6 → −60.8 (oracle −54.5)",
            "HalfCheetahDir-v1": "−50.7 → 293.2 → 313.5 → 315.7 (oracle 442.7)",
            "AntVel-v1": "30.6 → 96.7 → 100.1 → 101.4 (oracle 107.9)",
            "AntDir-v1": "8.7 → 499.1 → 500.7 → 499.1 (oracle 524.8)",
        ]],
        referenceSource: "Finn et al. 2017, Fig. 5 (values from cbfinn/maml_rl icml/*.pkl: mean return over 40 test "
            + "tasks after 0, 1, 2, 3 policy-gradient steps; rllab tasks, horizon 200, 100 for the point)",
        extraFigures: [
            .init(name: "pre-update", xColumn: "step", yColumn: "pre_update_return", xLabel: "environment steps",
                  yLabel: "pre-update return", title: "Pre-update return on the meta-batch's training tasks"),
            .init(name: "post-update", xColumn: "step", yColumn: "post_update_return", xLabel: "environment steps",
                  yLabel: "post-update return", title: "Post-update return on the meta-batch's training tasks"),
        ],
        evaluationDescription: "evaluation return of the run (post-update return on the first `run.evalEpisodes` "
            + "held-out tasks after `evaluation.steps` inner steps, sampled; MAML's 40-task protocol is `metaexplore "
            + "meta-eval --grid <this folder>` → meta-eval.md)"
    ) { algorithm, environment, seed in
        ["--preset", "\(algorithm)-\(tasks[environment] ?? environment.lowercased())", "--seed", "\(seed)"]
    }
}
