import MetaExploreEnvironments
import MetaExploreNN

/// The three networks (`modules.*`): "the same architecture as that of the policy network in Finn et al. (2017)"
/// (Sec. 5), i.e. MAML's 100-100 ReLU, and the latent z.
public struct MAMEModuleSettings: Codable, Equatable, Sendable {
    public var hiddenSizes = [100, 100]
    public var activation: PolicyActivation = .relu
    /// σ of both policies at initialization (1, MAML's).
    public var initialStd = 1.0
    /// The size of z (the seed's code: 32; the text does not give it).
    public var latentSize = 32
    public init() {}
}

/// The meta-batch and the inner step on z (`meta.*`).
public struct MAMEMetaSettings: Codable, Equatable, Sendable {
    /// Tasks per meta-batch (MAML's 40; the seed's code: 40).
    public var tasksPerBatch = 40
    /// Exploration episodes per task, and post-update episodes per task (MAML's 20; the code: 20 + 20).
    public var trajectoriesPerTask = 20
    /// The longest episode; 0: the environment's registered time limit.
    public var horizon = 0
    /// α of `MAME-A1 L6` (0.1: MAML's, and the code's).
    public var innerStepSize = 0.1
    /// Gradient steps on z per adaptation, all on the same exploration samples (the seed trains with 1).
    public var innerSteps = 1
    /// `regression` (MAME) or `policyGradient` (Fig. 3's VPG-inner loop).
    public var innerLoss: MAMEInnerLoss = .regression
    /// M̄: `returns` (default), `rewards` (Fig. 3's reward self-supervision), `nextState`.
    public var target: SelfSupervisionTarget = .returns
    /// γ of the return targets.
    public var targetDiscount = 0.99
    /// `episodeMean` (the text: E_τ Σt) or `sum` (the code: Σ over steps and episodes).
    public var innerReduction: InnerReduction = .episodeMean
    /// The post-update samples' advantages for `MAME-A1 L9` (per-task linear baseline, GAE(0.99, 1), normalized:
    /// MAML's and the code's), and the exploration samples' advantages for the VPG-inner loss.
    public var advantages = AdvantageEstimation()
    public init() {}
}

/// MAME's experiment (`algorithm`: `mame` or one of Fig. 3's ablations; `environment`: a task family). One unit of
/// work is one iteration of Algorithm 1's loop (lines 3–9).
public struct MAMEConfiguration: ExperimentConfiguration {
    public var algorithm = "mame"
    public var environment = "PointCorner-v1"
    public var modules = MAMEModuleSettings()
    public var meta = MAMEMetaSettings()
    public var exploration = MAMEExplorationSettings()
    public var outer = MAMEOuterSettings()
    /// The sampler (`sampler.*`): the MAML family's settings and multi-task sampler.
    public var sampler = MAMLSamplerSettings()
    /// `evaluation.*`: every `run.evalInterval` steps, the first `run.evalEpisodes` held-out tasks are explored with
    /// μφ (`trajectoriesPerTask` episodes), z is adapted by `steps` inner steps on them, and πθ,z′ is sampled
    /// (`trajectoriesPerTask` episodes); `eval_return` is its mean return over the tasks.
    public var evaluation = MAMLEvaluationSettings()
    public var run = MAMEConfiguration.defaultRun

    public init() {}

    /// 500 iterations of 40 × (20 exploration + 20 post-update) × 100 steps (PointCorner's horizon): 80M steps;
    /// evaluation on 5 held-out tasks and a checkpoint every 10 iterations, a record every iteration.
    public static var defaultRun: RunSettings {
        var r = RunSettings()
        r.totalSteps = 80_000_000
        r.evalInterval = 1_600_000
        r.evalEpisodes = 5
        r.checkpointInterval = 1_600_000
        r.logInterval = 1
        return r
    }

    /// MAME samples with the MAML family's `MultiTaskSampler`, whose batches do not depend on the thread count (every
    /// episode draws from its own stream), so a resumed run may use another `sampler.threads`.
    public static let executionKeys: Set<String> = ["sampler.threads"]

    public func validate() throws {
        let names = MAMEFamily.algorithms.map(\.name)
        try check(names.contains(algorithm), "algorithm",
                  "must be one of \(names.joined(separator: ", ")) for this configuration, got '\(algorithm)'")
        try checkEnvironment(environment)
        try check(!modules.hiddenSizes.isEmpty && !modules.hiddenSizes.contains { $0 <= 0 }, "modules.hiddenSizes",
                  "must hold at least one positive size, got \(modules.hiddenSizes)")
        try checkPositive(modules.initialStd, "modules.initialStd")
        try check(modules.latentSize >= 1, "modules.latentSize", "must be at least 1, got \(modules.latentSize)")
        try checkMetaBatch(tasksPerBatch: meta.tasksPerBatch, trajectoriesPerTask: meta.trajectoriesPerTask,
                           horizon: meta.horizon, innerStepSize: meta.innerStepSize, innerSteps: meta.innerSteps)
        try checkGamma(meta.targetDiscount, "meta.targetDiscount")
        try meta.advantages.validate("meta.advantages")
        try checkGamma(exploration.lambda, "exploration.lambda")
        try check(outer.clip > 0 && outer.clip < 1, "outer.clip", "must lie in (0, 1), got \(outer.clip)")
        try check(outer.epochs >= 1, "outer.epochs", "must be at least 1, got \(outer.epochs)")
        try checkPositive(outer.learningRate, "outer.learningRate")
        try checkPositive(outer.explorationLearningRate, "outer.explorationLearningRate")
        try checkPositive(outer.latentLearningRate, "outer.latentLearningRate")
        try checkPositive(outer.adamEpsilon, "outer.adamEpsilon")
        try sampler.validate()
        try evaluation.validate()
        try run.validate()
    }

    /// The horizon in effect (`meta.horizon`, or the environment's registered time limit).
    public func effectiveHorizon() throws -> Int {
        try MetaExploreAlgorithms.effectiveHorizon(meta.horizon, environment: environment)
    }

    var innerSettings: MAMEInnerSettings {
        var s = MAMEInnerSettings()
        s.stepSize = meta.innerStepSize
        s.steps = meta.innerSteps
        s.loss = meta.innerLoss
        s.reduction = meta.innerReduction
        s.explorationGradient = exploration.gradient
        return s
    }
}
