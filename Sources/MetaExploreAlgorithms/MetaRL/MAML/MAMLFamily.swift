import MetaExploreEnvironments

/// Gradient-based meta-RL (Finn et al. 2017; Rothfuss et al. 2019; Stadie et al. 2018): `maml-trpo`, `maml-vpg`,
/// `promp`, `e-maml`, one meta-iteration per unit of work (`MAMLProcedure`).
///
/// Defaults per algorithm (the anchors' settings, meta-rl-facts §3): all use 40 tasks × 20 trajectories, α = 0.1,
/// one inner step, γ 0.99, λ 1, a per-task linear baseline and normalized advantages. `maml-trpo` and `maml-vpg`:
/// 100-100 ReLU and the REINFORCE inner loss (MAML's code); `promp`: 64-64 tanh and the LVC inner loss (ProMP's run
/// scripts); `e-maml`: 64-64 tanh (ProMP's run scripts) with the REINFORCE inner loss (E-MAML builds on MAML's
/// estimator; a choice — `meta.innerLoss=lvc` switches).
public enum MAMLFamily: AlgorithmFamily {
    public typealias Configuration = MAMLConfiguration

    public static let name = "maml"
    public static let schemaVersion = 1
    public static let algorithms = [
        (name: "maml-trpo", summary: "MAML (Finn et al. 2017) with a TRPO outer step through the inner step"),
        (name: "maml-vpg", summary: "MAML with a policy-gradient (Adam) outer step through the inner step"),
        (name: "promp", summary: "ProMP (Rothfuss et al. 2019): LVC inner step, PPO-clip outer step + inner KL penalty"),
        (name: "e-maml", summary: "E-MAML (Stadie et al. 2018, ProMP's form): MAML + the pre-update sampling term"),
    ]
    public static let help = """
        Gradient-based meta-RL on a task family (PointGoal-v1, PointCorner-v1, HalfCheetahVel-v1, HalfCheetahDir-v1, \
        AntVel-v1, AntDir-v1): --algo maml-trpo|maml-vpg|promp|e-maml. Settings under meta.* (tasksPerBatch, \
        trajectoriesPerTask, horizon, innerStepSize, innerSteps, innerLoss), outer.*, policy.*, sampler.*, \
        evaluation.*; one unit = one meta-iteration. Presets <algorithm>-<task> (task: pointgoal, halfcheetahvel, \
        halfcheetahdir, antvel, antdir) and promp-paper-halfcheetahdir; held-out adaptation curves: metaexplore \
        meta-eval --run DIR --steps 3.
        """

    public static func defaults(algorithm: String) -> MAMLConfiguration {
        var c = MAMLConfiguration()
        c.algorithm = algorithms.contains { $0.name == algorithm } ? algorithm : "maml-trpo"
        if algorithm == "promp" || algorithm == "e-maml" {
            c.policy.hiddenSizes = [64, 64]
            c.policy.activation = .tanh
        }
        if algorithm == "promp" { c.meta.innerLoss = .lvc }
        return c
    }

    public static func makeProcedure(_ c: MAMLConfiguration, makeEnvironment: EnvironmentMaker) throws
        -> any TrainingProcedure {
        try MAMLProcedure(c, makeEnvironment: makeEnvironment)
    }

    public static func warnings(for c: MAMLConfiguration) -> [String] {
        let perIteration = c.meta.tasksPerBatch * c.meta.trajectoriesPerTask * (c.meta.innerSteps + 1)
            * ((try? c.effectiveHorizon()) ?? 0)
        if perIteration > 0, c.run.totalSteps < perIteration {
            return ["run.totalSteps (\(c.run.totalSteps)) is less than one meta-iteration (up to \(perIteration) steps)"]
        }
        return []
    }

    public static var plans: [ReproductionPlan] { [MAMLPlans.finn2017] }
}
