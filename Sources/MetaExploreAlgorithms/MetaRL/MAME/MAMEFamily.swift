import MetaExploreEnvironments

/// MAME, model-agnostic meta-exploration (Gurumurthy, Kumar & Yue 2019), and the four ablations of its Fig. 3, one
/// iteration of Algorithm 1 per unit of work (`MAMEProcedure`).
///
/// Each ablation is MAME with one setting changed (so `--algo mame --set …` runs the same computation):
/// - `mame-vpg-inner`: `meta.innerLoss=policyGradient` (the VPG inner loop);
/// - `mame-reward`: `meta.target=rewards` (reward self-supervision);
/// - `mame-dice`: `exploration.gradient=dice` (vanilla DiCE, no low-variance estimator);
/// - `mame-emaml`: `exploration.gradient=emaml` (E-MAML-based update of φ).
public enum MAMEFamily: AlgorithmFamily {
    public typealias Configuration = MAMEConfiguration

    public static let name = "mame"
    public static let schemaVersion = 1
    public static let algorithms = [
        (name: "mame", summary: "MAME (Gurumurthy et al. 2019): exploration policy, self-supervised inner step on z, low-variance DiCE"),
        (name: "mame-vpg-inner", summary: "MAME ablation: importance-weighted policy-gradient inner step on z"),
        (name: "mame-reward", summary: "MAME ablation: the self-supervision net predicts rewards instead of returns"),
        (name: "mame-dice", summary: "MAME ablation: vanilla DiCE gradient for the exploration policy"),
        (name: "mame-emaml", summary: "MAME ablation: E-MAML-style score-function update of the exploration policy"),
    ]
    public static let help = """
        Model-agnostic meta-exploration on a task family (PointCorner-v1, HalfCheetahVel-v1, HalfCheetahDir-v1, \
        AntDir-v1, …): --algo mame|mame-vpg-inner|mame-reward|mame-dice|mame-emaml. Settings under modules.* \
        (hiddenSizes, latentSize), meta.* (tasksPerBatch, trajectoriesPerTask, innerStepSize, innerSteps, innerLoss, \
        target, innerReduction), exploration.* (gradient, lambda, rewardScale), outer.* (objective, learning rates), \
        sampler.*, evaluation.*; one unit = one Algorithm-1 iteration. Presets mame-<task>; held-out adaptation \
        curves: metaexplore meta-eval --run DIR --steps 1.
        """

    public static func defaults(algorithm: String) -> MAMEConfiguration {
        var c = MAMEConfiguration()
        c.algorithm = algorithms.contains { $0.name == algorithm } ? algorithm : "mame"
        switch c.algorithm {
        case "mame-vpg-inner": c.meta.innerLoss = .policyGradient
        case "mame-reward": c.meta.target = .rewards
        case "mame-dice": c.exploration.gradient = .dice
        case "mame-emaml": c.exploration.gradient = .emaml
        default: break
        }
        return c
    }

    public static func makeProcedure(_ c: MAMEConfiguration, makeEnvironment: EnvironmentMaker) throws
        -> any TrainingProcedure {
        try MAMEProcedure(c, makeEnvironment: makeEnvironment)
    }

    public static func warnings(for c: MAMEConfiguration) -> [String] {
        let perIteration = c.meta.tasksPerBatch * c.meta.trajectoriesPerTask * 2 * ((try? c.effectiveHorizon()) ?? 0)
        if perIteration > 0, c.run.totalSteps < perIteration {
            return ["run.totalSteps (\(c.run.totalSteps)) is less than one iteration (up to \(perIteration) steps)"]
        }
        return []
    }

    public static var plans: [ReproductionPlan] { [MAMEPlans.figure2, MAMEPlans.figure2Dense, MAMEPlans.figure3] }
}
