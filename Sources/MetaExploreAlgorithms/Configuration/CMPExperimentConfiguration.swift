/// Counterfactual Meta Policy's own settings in an experiment file (the `cmp` section): everything of
/// `CMPConfiguration` except the variant (the `algorithm` key with `beta`) and the step budget (`run.totalSteps`).
public struct CMPSettings: Codable, Equatable, Sendable {
    /// β of Eq. 7 for `algorithm: cmp` (CMP-β; the paper's CMP-0 and CMP-1). Not read by ma2c and l2explore.
    public var beta: Double = 1
    /// MA2C's baseline (`none`: Â = Q(π, τ̄πe); `counterfactual`: CMP-0).
    public var ma2cBaseline: MA2CBaseline = .none
    /// |τi| (Algorithm 1 line 5; Sec. 4.1 "exploration step 100").
    public var explorationSteps: Int = 100
    /// |τ′i| (line 7; "evaluation step 200").
    public var evaluationSteps: Int = 200
    /// Student updates on the replay buffer per iteration (lines 17–18; "exploitation policy update times 50").
    public var studentTrainingSteps: Int = 50
    /// Updates of the look-ahead copy on τi (line 6); absent = `studentTrainingSteps`.
    public var exerciseSteps: Int? = nil
    public var exerciseBatchSize: Int = 64
    /// πe updates per iteration (lines 9–15; "exploration policy update times 50, 500").
    public var teacherUpdates: Int = 50
    public var cyclesPerEpoch: Int = 20
    public var studentReturnSource: MetaPolicyGradientConfiguration.StudentReturnSource = .previousLookahead
    public var returnEstimate: MetaPolicyGradientConfiguration.ReturnEstimate = .cumulative
    public var resetBeforeEvaluation: Bool = true
    public var adoptLookaheadStudent: Bool = false
    public var explorationActionSource: CMPConfiguration.ExplorationActionSource = .executed
    /// Â centring across iterations (absent: off, Eq. 8 as printed; see `CMPConfiguration.advantageBaselineDecay`).
    public var advantageBaselineDecay: Double? = nil
    public var criticSource: CMPConfiguration.CriticSource = .student
    public var criticReduction: TrajectoryReduction = .sum
    /// Window of `exploration_reward_moving_sum` (Fig. 2(c): 25 iterations).
    public var movingSumWindow: Int = 25
    /// πe (the Meta Gaussian MLP).
    public var teacher = MetaPolicyGradientConfiguration.Teacher()
    /// Q̂ (Sec. 3.3, 4.1).
    public var metaQ = MetaQConfiguration()

    public init() {}

    /// The settings of a `CMPConfiguration` (variant and budget are dropped; β is kept for CMP-β).
    public init(_ c: CMPConfiguration) {
        if case .cmp(let b) = c.variant { beta = b }
        ma2cBaseline = c.ma2cBaseline
        explorationSteps = c.explorationSteps
        evaluationSteps = c.evaluationSteps
        studentTrainingSteps = c.studentTrainingSteps
        exerciseSteps = c.exerciseSteps
        exerciseBatchSize = c.exerciseBatchSize
        teacherUpdates = c.teacherUpdates
        cyclesPerEpoch = c.cyclesPerEpoch
        studentReturnSource = c.studentReturnSource
        returnEstimate = c.returnEstimate
        resetBeforeEvaluation = c.resetBeforeEvaluation
        adoptLookaheadStudent = c.adoptLookaheadStudent
        explorationActionSource = c.explorationActionSource
        advantageBaselineDecay = c.advantageBaselineDecay
        criticSource = c.criticSource
        criticReduction = c.criticReduction
        movingSumWindow = c.movingSumWindow
        teacher = c.teacher
        metaQ = c.metaQ
    }
}

/// Learned exploration with Counterfactual Meta Policy (CMP paper, Algorithm 1) as an experiment: `algorithm` is
/// `cmp` (CMP-β with β = `cmp.beta`), `ma2c` (meta actor-critic, Q̂ only) or `l2explore` (the meta-reward as the
/// REINFORCE weight, Xu et al. 2018); `student` picks the learner (`ddpg` as in the paper, settings `learner`; or
/// `td3`, settings `td3`), `agent` holds the replay buffer, minibatch and observation normalization (the exploration
/// policy explores: no noise, no warm-up), `cmp` the method's settings and `run` the budget (environment steps of τ
/// and τ′), evaluation, checkpoints and seed.
public struct CMPExperimentConfiguration: ExperimentConfiguration {
    public var algorithm = "cmp"
    public var environment = "Pendulum-v1"
    public var student: StudentAlgorithm = .ddpg
    public var learner = DDPGLearnerConfiguration()
    public var td3 = TD3LearnerConfiguration()
    public var agent: OffPolicyAgentSettings
    public var cmp = CMPSettings()
    public var run = RunSettings()

    public init() {
        agent = OffPolicyAgentSettings()
        agent.noise = .none
        agent.noiseScale = 0
        run.totalSteps = 900_000
        run.evalInterval = 10_000
    }

    public static let algorithmNames = ["cmp", "ma2c", "l2explore"]
    public static let algorithmName = "cmp"
    public static var defaults: CMPExperimentConfiguration { .init() }
    public static let optionalKeys: Set<String> = [
        "learner.gradientClipNorm", "td3.gradientClipNorm", "cmp.exerciseSteps", "cmp.teacher.subsampleSize",
        "cmp.teacher.gradientClipNorm", "cmp.metaQ.gradientClipNorm", "cmp.advantageBaselineDecay",
    ]

    /// The variant of `algorithm` (and `cmp.beta`).
    public var variant: CMPVariant {
        switch algorithm {
        case "ma2c": return .ma2c
        case "l2explore": return .l2explore
        default: return .cmp(beta: cmp.beta)
        }
    }

    /// The paper's name of the run's method, lower-case: `cmp-<β>` (cmp-0, cmp-1, cmp-0.5), `ma2c`, `l2explore`
    /// (what reproduction plans call the algorithms).
    public var label: String { variant.description.lowercased() }

    /// The core's configuration (variant from `algorithm` and `cmp.beta`, budget from `run.totalSteps`).
    public var cmpConfiguration: CMPConfiguration {
        var c = CMPConfiguration(variant: variant)
        let m = cmp
        c.ma2cBaseline = m.ma2cBaseline
        c.explorationSteps = m.explorationSteps
        c.evaluationSteps = m.evaluationSteps
        c.studentTrainingSteps = m.studentTrainingSteps
        c.exerciseSteps = m.exerciseSteps
        c.exerciseBatchSize = m.exerciseBatchSize
        c.teacherUpdates = m.teacherUpdates
        c.cyclesPerEpoch = m.cyclesPerEpoch
        c.totalSteps = run.totalSteps
        c.studentReturnSource = m.studentReturnSource
        c.returnEstimate = m.returnEstimate
        c.resetBeforeEvaluation = m.resetBeforeEvaluation
        c.adoptLookaheadStudent = m.adoptLookaheadStudent
        c.explorationActionSource = m.explorationActionSource
        c.advantageBaselineDecay = m.advantageBaselineDecay
        c.criticSource = m.criticSource
        c.criticReduction = m.criticReduction
        c.movingSumWindow = m.movingSumWindow
        c.teacher = m.teacher
        c.metaQ = m.metaQ
        return c
    }

    /// An experiment from one of `CMPPreset`'s tasks.
    public init(preset: CMPPreset) {
        self.init()
        let c = preset.configuration
        switch c.variant {
        case .cmp: algorithm = "cmp"
        case .ma2c: algorithm = "ma2c"
        case .l2explore: algorithm = "l2explore"
        }
        environment = preset.environmentID
        cmp = CMPSettings(c)
        run.totalSteps = c.totalSteps
    }

    public func validate() throws {
        try check(Self.algorithmNames.contains(algorithm), "algorithm",
                  "must be one of \(Self.algorithmNames.joined(separator: ", ")) for this configuration, got '\(algorithm)'")
        try checkEnvironment(environment)
        try validateStudents(learner: learner, td3: td3)
        try validateShared(agent: agent, run: run)
        try check(agent.noise == .none, "agent.noise", "must be 'none' for \(algorithm): the exploration policy explores")
        try check(agent.warmupSteps == 0, "agent.warmupSteps", "must be 0 for \(algorithm): every step is τ or τ′")
        try check(agent.updatesPerStep == 1, "agent.updatesPerStep",
                  "is not used by \(algorithm) (student updates per iteration are cmp.studentTrainingSteps); leave it at 1")
        let m = cmp
        try check(m.beta.isFinite && m.beta >= 0, "cmp.beta", "must be finite and ≥ 0, got \(m.beta)")
        try check(m.explorationSteps >= 1, "cmp.explorationSteps", "must be at least 1, got \(m.explorationSteps)")
        try check(m.evaluationSteps >= 1, "cmp.evaluationSteps", "must be at least 1, got \(m.evaluationSteps)")
        try check(m.studentTrainingSteps >= 0, "cmp.studentTrainingSteps", "must be ≥ 0, got \(m.studentTrainingSteps)")
        if let e = m.exerciseSteps { try check(e >= 0, "cmp.exerciseSteps", "must be ≥ 0, got \(e)") }
        try check(m.exerciseBatchSize >= 1, "cmp.exerciseBatchSize", "must be at least 1, got \(m.exerciseBatchSize)")
        try check(m.teacherUpdates >= 1, "cmp.teacherUpdates", "must be at least 1, got \(m.teacherUpdates)")
        try check(m.cyclesPerEpoch >= 1, "cmp.cyclesPerEpoch", "must be at least 1, got \(m.cyclesPerEpoch)")
        try check(m.movingSumWindow >= 1, "cmp.movingSumWindow", "must be at least 1, got \(m.movingSumWindow)")
        if let d = m.advantageBaselineDecay {
            try check(d >= 0 && d < 1, "cmp.advantageBaselineDecay", "must lie in [0, 1), got \(d)")
        }
        try validateTeacher(m.teacher, prefix: "cmp.teacher")
        let q = m.metaQ
        try check(!q.hiddenSizes.isEmpty && q.hiddenSizes.allSatisfy { $0 > 0 }, "cmp.metaQ.hiddenSizes",
                  "must be a non-empty list of positive sizes, got \(q.hiddenSizes)")
        try check(q.finalInitLimit >= 0 && q.finalInitLimit.isFinite, "cmp.metaQ.finalInitLimit", "must be ≥ 0")
        try checkPositive(q.learningRate, "cmp.metaQ.learningRate")
        try checkTau(q.tau, "cmp.metaQ.tau")
        try check(q.gamma > 0 && q.gamma <= 1, "cmp.metaQ.gamma", "must lie in (0, 1], got \(q.gamma)")
        try check(q.updates >= 0, "cmp.metaQ.updates", "must be ≥ 0, got \(q.updates)")
        if let c = q.gradientClipNorm { try checkPositive(c, "cmp.metaQ.gradientClipNorm") }
    }
}
