import MetaExploreEnvironments
import MetaExploreNN

/// The activation of the policy's hidden layers.
public enum PolicyActivation: String, SettingChoice, Sendable {
    case relu, tanh
    var activation: Activation { self == .relu ? .relu : .tanh }
}

/// The Gaussian MLP policy (`policy.*`).
public struct MAMLPolicySettings: Codable, Equatable, Sendable {
    /// MAML: 100-100 ReLU (`maml_examples/cluster_maml_trpo_cheetah.py`); ProMP's run scripts: 64-64 tanh.
    public var hiddenSizes = [100, 100]
    public var activation: PolicyActivation = .relu
    /// σ at initialization (1 in MAML and ProMP).
    public var initialStd = 1.0
    public init() {}
}

/// The meta-batch and the inner step (`meta.*`).
public struct MAMLMetaSettings: Codable, Equatable, Sendable {
    /// Tasks per meta-batch (MAML and ProMP: 40).
    public var tasksPerBatch = 40
    /// Trajectories per task and adaptation step (MAML and ProMP: 20).
    public var trajectoriesPerTask = 20
    /// The longest episode; 0: the environment's registered time limit (200 for the HalfCheetah and Ant families,
    /// 100 for PointGoal, MAML's horizons). ProMP uses 100 on HalfCheetahDir (meta-rl-facts §2).
    public var horizon = 0
    /// α (MAML and ProMP: 0.1).
    public var innerStepSize = 0.1
    /// Inner steps per meta-iteration (MAML and ProMP train with 1).
    public var innerSteps = 1
    /// `reinforce` (MAML's code and ProMP's MAML scripts) or `lvc` (ProMP).
    public var innerLoss: InnerLoss = .reinforce
    /// Per-task linear baseline, GAE and normalization (γ 0.99, λ 1, normalized: MAML's and ProMP's).
    public var advantages = AdvantageEstimation()
    public init() {}
}

/// The outer update (`outer.*`); each algorithm reads its own keys.
public struct MAMLOuterSettings: Codable, Equatable, Sendable {
    /// maml-vpg, e-maml, promp: the Adam (or SGD) learning rate (ProMP: 1e-3).
    public var learningRate = 1e-3
    /// maml-vpg, e-maml: Adam (true) or plain gradient descent.
    public var adam = true
    /// maml-trpo: δ, the KL bound (0.01).
    public var maxKL = 0.01
    public var conjugateGradientIterations = 10
    public var damping = 1e-5
    public var backtrackRatio = 0.8
    public var maxBacktracks = 15
    /// promp: PPO clip (0.3), epochs per batch (5), inner-KL target (0.01), initial η (5e-4), adaptive η.
    public var clip = 0.3
    public var epochs = 5
    public var klTarget = 0.01
    public var initialKLPenalty = 5e-4
    public var adaptiveKLPenalty = true
    public init() {}
}

/// The sampler (`sampler.*`).
public struct MAMLSamplerSettings: Codable, Equatable, Sendable {
    /// Environment copies (the largest wave of episodes stepped together). Part of the result (see
    /// `MultiTaskSampler`): the forward's batch size follows it.
    public var environmentCopies = 200
    /// Threads stepping the copies; 0: every core. The samples do not depend on it, so `--resume` accepts another
    /// value (`--set sampler.threads=N`; an execution key).
    public var threads = 0
    public init() {}
}

/// The evaluation of `TrainingLoop` (`evaluation.*`): every `run.evalInterval` steps, the first `run.evalEpisodes`
/// held-out tasks are each sampled `trajectoriesPerTask` times, adapted by `steps` inner steps and sampled again;
/// `eval_return` is the mean post-update return over those tasks (one value per task).
public struct MAMLEvaluationSettings: Codable, Equatable, Sendable {
    public var trajectoriesPerTask = 20
    public var steps = 1
    public init() {}
}

// Checks the MAML and MAME families share (their `sampler.*`, `evaluation.*` and meta-batch keys are the same).
extension MAMLSamplerSettings {
    func validate() throws {
        try check(environmentCopies >= 1, "sampler.environmentCopies", "must be at least 1")
        try check(threads >= 0, "sampler.threads", "must be ≥ 0 (0: every core), got \(threads)")
    }
}

extension MAMLEvaluationSettings {
    func validate() throws {
        try check(trajectoriesPerTask >= 1, "evaluation.trajectoriesPerTask", "must be at least 1")
        try check(steps >= 0, "evaluation.steps", "must be ≥ 0, got \(steps)")
    }
}

extension AdvantageEstimation {
    func validate(_ prefix: String) throws {
        try checkGamma(gamma, prefix + ".gamma")
        try checkGamma(lambda, prefix + ".lambda")
    }
}

/// `meta.tasksPerBatch`, `meta.trajectoriesPerTask`, `meta.horizon`, `meta.innerStepSize` and `meta.innerSteps`.
func checkMetaBatch(tasksPerBatch: Int, trajectoriesPerTask: Int, horizon: Int, innerStepSize: Double,
                    innerSteps: Int) throws {
    try check(tasksPerBatch >= 1, "meta.tasksPerBatch", "must be at least 1, got \(tasksPerBatch)")
    try check(trajectoriesPerTask >= 1, "meta.trajectoriesPerTask", "must be at least 1, got \(trajectoriesPerTask)")
    try check(horizon >= 0, "meta.horizon", "must be ≥ 0 (0: the environment's time limit), got \(horizon)")
    try checkPositive(innerStepSize, "meta.innerStepSize")
    try check(innerSteps >= 1, "meta.innerSteps", "must be at least 1, got \(innerSteps)")
}

/// The episode length in effect: `horizon`, or (0) the environment's registered time limit.
func effectiveHorizon(_ horizon: Int, environment: String) throws -> Int {
    horizon > 0 ? horizon : try Registry.spec(environment).maxEpisodeSteps
}

/// The gradient-based meta-RL family's experiment: `algorithm` is `maml-trpo`, `maml-vpg`, `promp` or `e-maml`;
/// `environment` a task family (PointGoal-v1, PointCorner-v1, HalfCheetahVel-v1, HalfCheetahDir-v1, AntVel-v1,
/// AntDir-v1). One unit of work is one meta-iteration.
public struct MAMLConfiguration: ExperimentConfiguration {
    public var algorithm = "maml-trpo"
    public var environment = "HalfCheetahDir-v1"
    public var policy = MAMLPolicySettings()
    public var meta = MAMLMetaSettings()
    public var outer = MAMLOuterSettings()
    public var sampler = MAMLSamplerSettings()
    public var evaluation = MAMLEvaluationSettings()
    public var run = MAMLConfiguration.defaultRun

    public init() {}

    /// 800 meta-iterations of 40 × 20 × 200 steps, pre- and post-update (MAML's ≈ 800 iterations on HalfCheetah):
    /// 256M environment steps; evaluation (5 held-out tasks), checkpoints every 10 iterations, a record every
    /// iteration.
    public static var defaultRun: RunSettings {
        var r = RunSettings()
        r.totalSteps = 256_000_000
        r.evalInterval = 3_200_000
        r.evalEpisodes = 5
        r.checkpointInterval = 3_200_000
        r.logInterval = 1
        return r
    }

    /// The sampler's thread count does not change the samples (`MultiTaskSampler`), so a resumed run may use another.
    public static let executionKeys: Set<String> = ["sampler.threads"]

    public func validate() throws {
        let names = MAMLFamily.algorithms.map(\.name)
        try check(names.contains(algorithm), "algorithm",
                  "must be one of \(names.joined(separator: ", ")) for this configuration, got '\(algorithm)'")
        try checkEnvironment(environment)
        try check(!policy.hiddenSizes.contains { $0 <= 0 }, "policy.hiddenSizes",
                  "must hold positive sizes, got \(policy.hiddenSizes)")
        try checkPositive(policy.initialStd, "policy.initialStd")
        try checkMetaBatch(tasksPerBatch: meta.tasksPerBatch, trajectoriesPerTask: meta.trajectoriesPerTask,
                           horizon: meta.horizon, innerStepSize: meta.innerStepSize, innerSteps: meta.innerSteps)
        try meta.advantages.validate("meta.advantages")
        try checkPositive(outer.learningRate, "outer.learningRate")
        try checkPositive(outer.maxKL, "outer.maxKL")
        try check(outer.conjugateGradientIterations >= 1, "outer.conjugateGradientIterations", "must be at least 1")
        try check(outer.damping >= 0 && outer.damping.isFinite, "outer.damping", "must be ≥ 0, got \(outer.damping)")
        try check(outer.backtrackRatio > 0 && outer.backtrackRatio < 1, "outer.backtrackRatio",
                  "must lie in (0, 1), got \(outer.backtrackRatio)")
        try check(outer.maxBacktracks >= 1, "outer.maxBacktracks", "must be at least 1")
        try check(outer.clip > 0 && outer.clip < 1, "outer.clip", "must lie in (0, 1), got \(outer.clip)")
        try check(outer.epochs >= 1, "outer.epochs", "must be at least 1, got \(outer.epochs)")
        try checkPositive(outer.klTarget, "outer.klTarget")
        try check(outer.initialKLPenalty >= 0 && outer.initialKLPenalty.isFinite, "outer.initialKLPenalty", "must be ≥ 0")
        try sampler.validate()
        try evaluation.validate()
        try run.validate()
    }

    /// The horizon in effect (`meta.horizon`, or the environment's registered time limit).
    public func effectiveHorizon() throws -> Int {
        try MetaExploreAlgorithms.effectiveHorizon(meta.horizon, environment: environment)
    }

    var adaptation: AdaptationSettings {
        var a = AdaptationSettings()
        a.stepSize = meta.innerStepSize
        a.steps = meta.innerSteps
        a.loss = meta.innerLoss
        a.advantages = meta.advantages
        return a
    }
}
