/// The learner the teacher trains for (Xu et al. 2018 use DDPG; TD3 is this package's extension).
public enum StudentAlgorithm: String, Codable, Sendable, CaseIterable {
    case ddpg, td3
}

/// The meta-policy gradient's own settings in an experiment file (the `meta` section): everything of
/// `MetaPolicyGradientConfiguration` except the variant (the `algorithm` key) and the step budget (`run.totalSteps`).
public struct MetaSettings: Codable, Equatable, Sendable {
    /// |D0| per iteration (Algorithm 1 line 5; Sec. 5.1 "typically 100").
    public var explorationSteps: Int = 100
    /// |D1| per iteration (line 7; "typically 200").
    public var evaluationSteps: Int = 200
    /// Student updates on the replay buffer per iteration (line 10; "typically 50").
    public var studentTrainingSteps: Int = 50
    /// Updates of the look-ahead copy on D0 (line 6); absent = `studentTrainingSteps`.
    public var exerciseSteps: Int? = nil
    public var exerciseBatchSize: Int = 64
    /// Teacher gradient steps per iteration (line 8; "typically 1").
    public var teacherSteps: Int = 1
    /// Iterations per epoch (Table 1: 20); the runner logs the epoch.
    public var cyclesPerEpoch: Int = 20
    public var studentReturnSource: MetaPolicyGradientConfiguration.StudentReturnSource = .previousLookahead
    public var returnEstimate: MetaPolicyGradientConfiguration.ReturnEstimate = .cumulative
    public var resetBeforeEvaluation: Bool = true
    public var adoptLookaheadStudent: Bool = false
    public var teacher = MetaPolicyGradientConfiguration.Teacher()

    public init() {}

    /// The settings of a `MetaPolicyGradientConfiguration` (variant and budget are dropped).
    public init(_ c: MetaPolicyGradientConfiguration) {
        explorationSteps = c.explorationSteps
        evaluationSteps = c.evaluationSteps
        studentTrainingSteps = c.studentTrainingSteps
        exerciseSteps = c.exerciseSteps
        exerciseBatchSize = c.exerciseBatchSize
        teacherSteps = c.teacherSteps
        cyclesPerEpoch = c.cyclesPerEpoch
        studentReturnSource = c.studentReturnSource
        returnEstimate = c.returnEstimate
        resetBeforeEvaluation = c.resetBeforeEvaluation
        adoptLookaheadStudent = c.adoptLookaheadStudent
        teacher = c.teacher
    }
}

/// Learned exploration by meta-policy gradient (Xu et al. 2018, "Learning to Explore via Meta-Policy Gradient",
/// ICML; Algorithm 1) as an experiment: `algorithm` is `meta`, `meta-variance` or `meta-state` (the teachers of
/// Sec. 4.1 ii, i and iii), `student` picks the learner (`ddpg` as in the paper, whose settings are `learner`; or
/// `td3`, whose settings are `td3`), `agent` holds the replay buffer, minibatch and observation normalization
/// (exploration noise and random warm-up do not apply: the teacher explores), `meta` the method's settings and
/// `run` the budget (environment steps of D0 and D1), evaluation, checkpoints and seed.
public struct MetaPolicyGradientExperimentConfiguration: ExperimentConfiguration {
    public var algorithm = "meta"
    public var environment = "Pendulum-v1"
    public var student: StudentAlgorithm = .ddpg
    /// The DDPG student (baselines' settings, Sec. 5.1).
    public var learner = DDPGLearnerConfiguration()
    /// The TD3 student (`student: td3`).
    public var td3 = TD3LearnerConfiguration()
    public var agent: OffPolicyAgentSettings
    public var meta = MetaSettings()
    public var run = RunSettings()

    public init() {
        agent = OffPolicyAgentSettings()
        agent.noise = .none
        agent.noiseScale = 0
        run.totalSteps = 900_000
        run.evalInterval = 10_000
    }

    /// The teacher variant of each algorithm name.
    public static let variants: [String: MetaPolicyVariant] = [
        "meta": .meta, "meta-variance": .metaVariance, "meta-state": .metaState,
    ]
    public static let algorithmNames = ["meta", "meta-variance", "meta-state"]
    public static let algorithmName = "meta"
    public static var defaults: MetaPolicyGradientExperimentConfiguration { .init() }
    public static let optionalKeys: Set<String> = [
        "learner.gradientClipNorm", "td3.gradientClipNorm", "meta.exerciseSteps", "meta.teacher.subsampleSize",
        "meta.teacher.gradientClipNorm",
    ]

    public var variant: MetaPolicyVariant { Self.variants[algorithm] ?? .meta }

    /// The core's configuration (variant from `algorithm`, budget from `run.totalSteps`).
    public var metaConfiguration: MetaPolicyGradientConfiguration {
        var c = MetaPolicyGradientConfiguration(variant: variant)
        let m = meta
        c.explorationSteps = m.explorationSteps
        c.evaluationSteps = m.evaluationSteps
        c.studentTrainingSteps = m.studentTrainingSteps
        c.exerciseSteps = m.exerciseSteps
        c.exerciseBatchSize = m.exerciseBatchSize
        c.teacherSteps = m.teacherSteps
        c.cyclesPerEpoch = m.cyclesPerEpoch
        c.totalSteps = run.totalSteps
        c.studentReturnSource = m.studentReturnSource
        c.returnEstimate = m.returnEstimate
        c.resetBeforeEvaluation = m.resetBeforeEvaluation
        c.adoptLookaheadStudent = m.adoptLookaheadStudent
        c.teacher = m.teacher
        return c
    }

    /// An experiment from one of `MetaPolicyGradientPreset`'s tasks.
    public init(preset: MetaPolicyGradientPreset) {
        self.init()
        let c = preset.configuration
        algorithm = Self.variants.first { $0.value == c.variant }!.key
        environment = preset.environmentID
        meta = MetaSettings(c)
        run.totalSteps = c.totalSteps
    }

    public func validate() throws {
        try check(Self.variants[algorithm] != nil, "algorithm",
                  "must be one of \(Self.algorithmNames.joined(separator: ", ")) for this configuration, got '\(algorithm)'")
        try checkEnvironment(environment)
        try validateStudents(learner: learner, td3: td3)
        try validateShared(agent: agent, run: run)
        try check(agent.noise == .none, "agent.noise", "must be 'none' for \(algorithm): the teacher explores")
        try check(agent.warmupSteps == 0, "agent.warmupSteps", "must be 0 for \(algorithm): every step is D0 or D1")
        try check(agent.updatesPerStep == 1, "agent.updatesPerStep",
                  "is not used by \(algorithm) (student updates per iteration are meta.studentTrainingSteps); leave it at 1")
        let m = meta
        try check(m.explorationSteps >= 1, "meta.explorationSteps", "must be at least 1, got \(m.explorationSteps)")
        try check(m.evaluationSteps >= 1, "meta.evaluationSteps", "must be at least 1, got \(m.evaluationSteps)")
        try check(m.studentTrainingSteps >= 0, "meta.studentTrainingSteps", "must be ≥ 0, got \(m.studentTrainingSteps)")
        if let e = m.exerciseSteps { try check(e >= 0, "meta.exerciseSteps", "must be ≥ 0, got \(e)") }
        try check(m.exerciseBatchSize >= 1, "meta.exerciseBatchSize", "must be at least 1, got \(m.exerciseBatchSize)")
        try check(m.teacherSteps >= 1, "meta.teacherSteps", "must be at least 1, got \(m.teacherSteps)")
        try check(m.cyclesPerEpoch >= 1, "meta.cyclesPerEpoch", "must be at least 1, got \(m.cyclesPerEpoch)")
        try validateTeacher(m.teacher, prefix: "meta.teacher")
    }
}

/// Validation of the student settings shared by the meta-policy-gradient and CMP experiments.
func validateStudents(learner: DDPGLearnerConfiguration, td3: TD3LearnerConfiguration) throws {
    let l = learner
    try check(!l.hiddenSizes.isEmpty && l.hiddenSizes.allSatisfy { $0 > 0 }, "learner.hiddenSizes",
              "must be a non-empty list of positive sizes, got \(l.hiddenSizes)")
    try checkPositive(l.actorLearningRate, "learner.actorLearningRate")
    try checkPositive(l.criticLearningRate, "learner.criticLearningRate")
    try check(l.criticL2 >= 0 && l.criticL2.isFinite, "learner.criticL2", "must be ≥ 0, got \(l.criticL2)")
    try checkGamma(l.gamma, "learner.gamma")
    try checkTau(l.tau, "learner.tau")
    try check(l.rewardScale > 0 && l.rewardScale.isFinite, "learner.rewardScale", "must be positive, got \(l.rewardScale)")
    if let c = l.gradientClipNorm { try checkPositive(c, "learner.gradientClipNorm") }
    let t = td3
    try check(!t.hiddenSizes.isEmpty && t.hiddenSizes.allSatisfy { $0 > 0 }, "td3.hiddenSizes",
              "must be a non-empty list of positive sizes, got \(t.hiddenSizes)")
    try checkPositive(t.actorLearningRate, "td3.actorLearningRate")
    try checkPositive(t.criticLearningRate, "td3.criticLearningRate")
    try checkGamma(t.gamma, "td3.gamma")
    try checkTau(t.tau, "td3.tau")
    try check(t.policyNoise >= 0 && t.policyNoise.isFinite, "td3.policyNoise", "must be ≥ 0, got \(t.policyNoise)")
    try check(t.noiseClip >= 0 && t.noiseClip.isFinite, "td3.noiseClip", "must be ≥ 0, got \(t.noiseClip)")
    try check(t.policyDelay >= 1, "td3.policyDelay", "must be at least 1, got \(t.policyDelay)")
    if let c = t.gradientClipNorm { try checkPositive(c, "td3.gradientClipNorm") }
}

/// Validation of a teacher section (`prefix` is its dotted key, e.g. `meta.teacher`).
func validateTeacher(_ t: MetaPolicyGradientConfiguration.Teacher, prefix: String) throws {
    try check(!t.hiddenSizes.isEmpty && t.hiddenSizes.allSatisfy { $0 > 0 }, prefix + ".hiddenSizes",
              "must be a non-empty list of positive sizes, got \(t.hiddenSizes)")
    try checkPositive(t.learningRate, prefix + ".learningRate")
    try check(t.initialLogStd.isFinite, prefix + ".initialLogStd", "must be finite")
    try check(t.varianceInitialLogStd.isFinite, prefix + ".varianceInitialLogStd", "must be finite")
    try check(t.finalInitLimit >= 0 && t.finalInitLimit.isFinite, prefix + ".finalInitLimit", "must be ≥ 0")
    try check(t.baselineDecay >= 0 && t.baselineDecay < 1, prefix + ".baselineDecay",
              "must lie in [0, 1), got \(t.baselineDecay)")
    if let k = t.subsampleSize { try check(k >= 1, prefix + ".subsampleSize", "must be at least 1, got \(k)") }
    if let c = t.gradientClipNorm { try checkPositive(c, prefix + ".gradientClipNorm") }
    try checkPositive(t.features.clip, prefix + ".features.clip")
}
