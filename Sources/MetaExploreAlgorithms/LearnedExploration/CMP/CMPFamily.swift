import MetaExploreEnvironments
import MetaExploreRandom

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
    public var agent = OffPolicyAgentSettings.learnedExploration
    public var cmp = CMPSettings()
    public var run = RunSettings.learnedExploration

    public init() {}

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
        CMPConfiguration(variant: variant, totalSteps: run.totalSteps, settings: cmp)
    }

    public func validate() throws {
        let names = CMPFamily.algorithms.map(\.name)
        try check(names.contains(algorithm), "algorithm",
                  "must be one of \(names.joined(separator: ", ")) for this configuration, got '\(algorithm)'")
        try checkEnvironment(environment)
        try learner.validate(prefix: "learner")
        try td3.validate(prefix: "td3")
        try validateLearnedExplorationAgent(agent, run: run, algorithm: algorithm, section: "cmp")
        let m = cmp
        try check(m.beta.isFinite && m.beta >= 0, "cmp.beta", "must be finite and ≥ 0, got \(m.beta)")
        try validateCycle(section: "cmp", explorationSteps: m.explorationSteps, evaluationSteps: m.evaluationSteps,
                          studentTrainingSteps: m.studentTrainingSteps, exerciseSteps: m.exerciseSteps,
                          exerciseBatchSize: m.exerciseBatchSize, cyclesPerEpoch: m.cyclesPerEpoch)
        try check(m.teacherUpdates >= 1, "cmp.teacherUpdates", "must be at least 1, got \(m.teacherUpdates)")
        try check(m.movingSumWindow >= 1, "cmp.movingSumWindow", "must be at least 1, got \(m.movingSumWindow)")
        if let d = m.advantageBaselineDecay {
            try check(d >= 0 && d < 1, "cmp.advantageBaselineDecay", "must lie in [0, 1), got \(d)")
        }
        try m.teacher.validate(prefix: "cmp.teacher")
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

/// Counterfactual Meta Policy and its ablations: `cmp` (CMP-β), `ma2c`, `l2explore`.
public enum CMPFamily: AlgorithmFamily {
    public typealias Configuration = CMPExperimentConfiguration

    public static let name = "cmp"
    public static let schemaVersion = 1
    public static let algorithms = [
        (name: "cmp", summary: "Counterfactual Meta Policy: meta-Q critic and the counterfactual advantage, β = cmp.beta"),
        (name: "ma2c", summary: "CMP's ablation: meta actor-critic on the meta-Q critic alone"),
        (name: "l2explore", summary: "the meta-reward as the REINFORCE weight (Xu et al. 2018) in CMP's loop"),
    ]
    public static let help = """
        Counterfactual Meta Policy: --algo cmp (CMP-β, β from --set cmp.beta=<β>, default 1), ma2c (meta \
        actor-critic) or l2explore; settings under cmp.* (e.g. --set cmp.metaQ.updates=5). The log adds the \
        advantage, the meta-Q loss and exploration_reward_moving_sum. Presets cmp-<task> for halfcheetah, pendulum, \
        hopper, walker2d, invertedpendulum and inverteddoublependulum.
        """

    public static func defaults(algorithm: String) -> Configuration {
        var c = Configuration()
        c.algorithm = algorithm
        return c
    }

    public static func label(of c: Configuration) -> String { c.label }

    public static func makeProcedure(_ c: Configuration, makeEnvironment: EnvironmentMaker) throws
        -> any TrainingProcedure {
        try makeLearnedExplorationProcedure(c, makeEnvironment: makeEnvironment)
    }

    public static var plans: [ReproductionPlan] { CMPPlans.all }
}

extension CMPExperimentConfiguration: LearnedExplorationExperiment {
    var studentSchedule: StudentSchedule {
        StudentSchedule(studentTrainingSteps: cmp.studentTrainingSteps, cyclesPerEpoch: cmp.cyclesPerEpoch,
                        studentReturnSource: cmp.studentReturnSource)
    }

    func makeIteration<S: MetaStudentLearner>(student: S, rng: RandomStream,
                                              normalize: @escaping ([Double]) -> [Double]) -> any ExplorationIteration<S> {
        CMPIteration(configuration: cmpConfiguration, student: student, rng: rng, normalize: normalize)
    }
}
