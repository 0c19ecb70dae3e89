import MetaExploreRuntime
import MetaExploreEnvironments
import MetaExploreRandom

/// The learner the exploration policy trains for (Xu et al. 2018 and the CMP paper use DDPG; TD3 is this package's
/// extension).
public enum StudentAlgorithm: String, Codable, Sendable, CaseIterable, SettingChoice {
    case ddpg, td3
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
    public var agent = OffPolicyAgentSettings.learnedExploration
    public var meta = MetaSettings()
    public var run = RunSettings.learnedExploration

    public init() {}

    /// The teacher variant of each algorithm name.
    public static let variants: [String: MetaPolicyVariant] = [
        "meta": .meta, "meta-variance": .metaVariance, "meta-state": .metaState,
    ]
    public static let optionalKeys: Set<String> = [
        "learner.gradientClipNorm", "td3.gradientClipNorm", "meta.exerciseSteps", "meta.teacher.subsampleSize",
        "meta.teacher.gradientClipNorm",
    ]

    public var variant: MetaPolicyVariant { Self.variants[algorithm] ?? .meta }

    /// The core's configuration (variant from `algorithm`, budget from `run.totalSteps`).
    public var metaConfiguration: MetaPolicyGradientConfiguration {
        MetaPolicyGradientConfiguration(variant: variant, totalSteps: run.totalSteps, settings: meta)
    }

    public func validate() throws {
        try check(Self.variants[algorithm] != nil, "algorithm",
                  "must be one of \(MetaPolicyGradientFamily.algorithms.map(\.name).joined(separator: ", ")) for this "
                    + "configuration, got '\(algorithm)'")
        try checkEnvironment(environment)
        try learner.validate(prefix: "learner")
        try td3.validate(prefix: "td3")
        try validateLearnedExplorationAgent(agent, run: run, algorithm: algorithm, section: "meta")
        let m = meta
        try validateCycle(section: "meta", explorationSteps: m.explorationSteps, evaluationSteps: m.evaluationSteps,
                          studentTrainingSteps: m.studentTrainingSteps, exerciseSteps: m.exerciseSteps,
                          exerciseBatchSize: m.exerciseBatchSize, cyclesPerEpoch: m.cyclesPerEpoch)
        try check(m.teacherSteps >= 1, "meta.teacherSteps", "must be at least 1, got \(m.teacherSteps)")
        try m.teacher.validate(prefix: "meta.teacher")
    }
}

/// The meta-policy gradient of Xu et al. 2018: `meta`, `meta-variance`, `meta-state`.
public enum MetaPolicyGradientFamily: AlgorithmFamily {
    public typealias Configuration = MetaPolicyGradientExperimentConfiguration

    public static let name = "meta-policy-gradient"
    public static let schemaVersion = 1
    public static let algorithms = [
        (name: "meta", summary: "Xu et al. 2018: a Gaussian MLP teacher trained by REINFORCE on the student's improvement"),
        (name: "meta-variance", summary: "Xu et al. 2018: the student's action plus learned Gaussian noise"),
        (name: "meta-state", summary: "Xu et al. 2018: the teacher also reads the student's Q and Bellman-residual change"),
    ]
    public static let help = """
        Learned exploration (Xu et al. 2018, meta-policy gradient): --algo meta, meta-variance or meta-state. The \
        student is DDPG (--set student=td3 for TD3); the method's settings are under meta.* (e.g. --set \
        meta.explorationSteps=1000). Steps count D0 and D1. Presets meta-<task> for pendulum, invertedpendulum, \
        inverteddoublependulum, hopper, halfcheetah and reacher (DDPG baselines: ddpg-paper-<task>).
        """

    public static func defaults(algorithm: String) -> Configuration {
        var c = Configuration()
        c.algorithm = algorithm
        return c
    }

    public static func makeProcedure(_ c: Configuration, makeEnvironment: EnvironmentMaker) throws
        -> any TrainingProcedure {
        try makeLearnedExplorationProcedure(c, makeEnvironment: makeEnvironment)
    }

    public static var plans: [ReproductionPlan] { MetaPolicyGradientPlans.all }
}

extension MetaPolicyGradientExperimentConfiguration: LearnedExplorationExperiment {
    var studentSchedule: StudentSchedule {
        StudentSchedule(studentTrainingSteps: meta.studentTrainingSteps, cyclesPerEpoch: meta.cyclesPerEpoch,
                        studentReturnSource: meta.studentReturnSource)
    }

    func makeIteration<S: MetaStudentLearner>(student: S, rng: RandomStream,
                                              normalize: @escaping ([Double]) -> [Double]) -> any ExplorationIteration<S> {
        MetaPolicyGradientIteration(configuration: metaConfiguration, valueStudent: student, rng: rng,
                                    normalize: normalize)
    }
}
