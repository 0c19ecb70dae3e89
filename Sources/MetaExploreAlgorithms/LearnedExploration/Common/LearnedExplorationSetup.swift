import MetaExploreEnvironments
import MetaExploreRandom

extension OffPolicyAgentSettings {
    /// The agent settings of a learned-exploration run: no action noise and no warm-up (the exploration policy
    /// explores and every step is D0/τ or D1/τ′).
    public static var learnedExploration: OffPolicyAgentSettings {
        var a = OffPolicyAgentSettings()
        a.noise = .none
        a.noiseScale = 0
        return a
    }
}

extension RunSettings {
    /// The run settings of the learned-exploration papers' Pendulum runs (0.9M steps, evaluation every 10 000).
    public static var learnedExploration: RunSettings {
        var r = RunSettings()
        r.totalSteps = 900_000
        r.evalInterval = 10_000
        return r
    }
}

/// Validation of the agent section of a learned-exploration configuration (`section` is the method's own section,
/// named in the message about student updates).
func validateLearnedExplorationAgent(_ agent: OffPolicyAgentSettings, run: RunSettings, algorithm: String,
                                     section: String) throws {
    try validateShared(agent: agent, run: run)
    try check(agent.noise == .none, "agent.noise", "must be 'none' for \(algorithm): the exploration policy explores")
    try check(agent.warmupSteps == 0, "agent.warmupSteps", "must be 0 for \(algorithm): every step is exploration or evaluation data")
    try check(agent.updatesPerStep == 1, "agent.updatesPerStep",
              "is not used by \(algorithm) (student updates per iteration are \(section).studentTrainingSteps); leave it at 1")
}

/// Builds a method's iteration for a student of any type (each learned-exploration family provides one).
protocol ExplorationIterationBuilder {
    /// The iteration for `student`, drawing from `rng`, with `normalize` as the observation normalization.
    func makeIteration<S: MetaStudentLearner>(student: S, rng: RandomStream,
                                              normalize: @escaping ([Double]) -> [Double]) -> any ExplorationIteration<S>
}

/// What a learned-exploration family's experiment configuration offers the shared setup: the student, its
/// settings, the agent section and the student-side schedule, and (as an `ExplorationIterationBuilder`) the method's
/// iteration for a student of any type.
protocol LearnedExplorationExperiment: ExperimentConfiguration, ExplorationIterationBuilder {
    var student: StudentAlgorithm { get }
    var learner: DDPGLearnerConfiguration { get }
    var td3: TD3LearnerConfiguration { get }
    var agent: OffPolicyAgentSettings { get }
    var studentSchedule: StudentSchedule { get }
}

/// Validation of the iteration's step counts every learned-exploration method has (`section` is its key, e.g.
/// `cmp`).
func validateCycle(section: String, explorationSteps: Int, evaluationSteps: Int, studentTrainingSteps: Int,
                   exerciseSteps: Int?, exerciseBatchSize: Int, cyclesPerEpoch: Int) throws {
    try check(explorationSteps >= 1, section + ".explorationSteps", "must be at least 1, got \(explorationSteps)")
    try check(evaluationSteps >= 1, section + ".evaluationSteps", "must be at least 1, got \(evaluationSteps)")
    try check(studentTrainingSteps >= 0, section + ".studentTrainingSteps", "must be ≥ 0, got \(studentTrainingSteps)")
    if let e = exerciseSteps { try check(e >= 0, section + ".exerciseSteps", "must be ≥ 0, got \(e)") }
    try check(exerciseBatchSize >= 1, section + ".exerciseBatchSize", "must be at least 1, got \(exerciseBatchSize)")
    try check(cyclesPerEpoch >= 1, section + ".cyclesPerEpoch", "must be at least 1, got \(cyclesPerEpoch)")
}

/// The procedure of a learned-exploration experiment on three fresh environments (exploration, evaluation,
/// look-ahead): a freshly initialized student, its weights drawn from the run seed's "meta-student" stream (the same
/// for every method, so Meta, CMP and MA2C runs of one seed start alike), and the method's iteration around it.
func makeLearnedExplorationProcedure(_ c: some LearnedExplorationExperiment,
                                     makeEnvironment: EnvironmentMaker) throws -> any TrainingProcedure {
    let exploration = try makeEnvironment(), evaluation = try makeEnvironment(), lookahead = try makeEnvironment()
    var rng = RandomStream(seed: c.run.seed, stream: "meta-student").derived("network-init")
    let obs = exploration.observationSpace.count, act = exploration.actionSpace.flatCount
    func procedure<S: MetaStudentLearner>(_ student: S) throws -> any TrainingProcedure {
        try LearnedExplorationProcedure(
            student: student, schedule: c.studentSchedule, settings: c.agent, explorationEnvironment: exploration,
            lookaheadEnvironment: lookahead, evaluationEnvironment: evaluation, seed: c.run.seed,
            visitationWindow: c.run.visitationWindow, environmentID: c.environment
        ) { iterationRNG, normalize in
            c.makeIteration(student: student, rng: iterationRNG, normalize: normalize)
        }
    }
    switch c.student {
    case .ddpg: return try procedure(DDPGLearner(observationSize: obs, actionSize: act, configuration: c.learner, using: &rng))
    case .td3: return try procedure(TD3Learner(observationSize: obs, actionSize: act, configuration: c.td3, using: &rng))
    }
}

extension MetaPolicyGradientConfiguration.Teacher {
    /// Throws `ConfigurationError.invalidValue` naming the first bad key under `prefix` (e.g. `meta.teacher`).
    public func validate(prefix: String) throws {
        let t = self
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
}
