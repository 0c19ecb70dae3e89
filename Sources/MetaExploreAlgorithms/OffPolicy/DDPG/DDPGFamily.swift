import MetaExploreEnvironments
import MetaExploreRandom

/// DDPG as in OpenAI baselines (the student of Xu et al. 2018): learner hyper-parameters plus agent and run settings.
public struct DDPGConfiguration: ExperimentConfiguration, OffPolicyExperiment {
    public var algorithm = "ddpg"
    public var environment = "Pendulum-v1"
    public var learner = DDPGLearnerConfiguration()
    public var agent = OffPolicyAgentSettings()
    public var run = RunSettings()

    public init() {}

    public static let optionalKeys: Set<String> = ["learner.gradientClipNorm"]

    public func validate() throws {
        try checkAlgorithm(algorithm, DDPGFamily.algorithmName)
        try checkEnvironment(environment)
        try learner.validate(prefix: "learner")
        try validateShared(agent: agent, run: run)
    }
}

extension DDPGLearnerConfiguration {
    /// Throws `ConfigurationError.invalidValue` naming the first bad key under `prefix` (e.g. `learner`).
    public func validate(prefix: String) throws {
        try check(!hiddenSizes.isEmpty && hiddenSizes.allSatisfy { $0 > 0 }, prefix + ".hiddenSizes",
                  "must be a non-empty list of positive sizes, got \(hiddenSizes)")
        try checkPositive(actorLearningRate, prefix + ".actorLearningRate")
        try checkPositive(criticLearningRate, prefix + ".criticLearningRate")
        try check(criticL2 >= 0 && criticL2.isFinite, prefix + ".criticL2", "must be ≥ 0, got \(criticL2)")
        try checkGamma(gamma, prefix + ".gamma")
        try checkTau(tau, prefix + ".tau")
        try check(rewardScale > 0 && rewardScale.isFinite, prefix + ".rewardScale", "must be positive, got \(rewardScale)")
        if let c = gradientClipNorm { try checkPositive(c, prefix + ".gradientClipNorm") }
    }
}

/// DDPG (Lillicrap et al. 2016, with OpenAI baselines' settings): the `ddpg` algorithm.
public enum DDPGFamily: AlgorithmFamily {
    public typealias Configuration = DDPGConfiguration

    public static let algorithmName = "ddpg"
    public static let name = "ddpg"
    public static let schemaVersion = 1
    public static let algorithms = [(name: algorithmName,
                                     summary: "DDPG with OpenAI baselines' networks (64-64, layer norm) and noise")]
    public static let help = """
        DDPG: --algo ddpg (settings under learner.* and agent.*, e.g. --set agent.noise=parameter). Presets \
        ddpg-pendulum, ddpg-halfcheetah, and ddpg-paper-<task> (Xu et al. 2018's baseline at the paper's budgets).
        """

    public static func defaults(algorithm: String) -> DDPGConfiguration { DDPGConfiguration() }

    public static func makeProcedure(_ c: DDPGConfiguration, makeEnvironment: EnvironmentMaker) throws
        -> any TrainingProcedure {
        try makeOffPolicyProcedure(c, makeEnvironment: makeEnvironment) { observations, actions in
            DDPGAgent(observationSize: observations, actionSize: actions, learner: c.learner, settings: c.agent, seed: c.run.seed)
        }
    }

    public static func warnings(for c: DDPGConfiguration) -> [String] { offPolicyWarnings(c) }

    public static var plans: [ReproductionPlan] { [OffPolicyPlans.pendulumStudents] }
}
