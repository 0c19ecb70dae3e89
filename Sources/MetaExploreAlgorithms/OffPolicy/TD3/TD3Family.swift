import MetaExploreEnvironments
import MetaExploreRandom

/// TD3 (Fujimoto et al. 2018) with learner, agent and run settings.
public struct TD3Configuration: ExperimentConfiguration, OffPolicyExperiment {
    public var algorithm = "td3"
    public var environment = "HalfCheetah-v5"
    public var learner = TD3LearnerConfiguration()
    public var agent: OffPolicyAgentSettings
    public var run = RunSettings()

    /// The settings of the paper (Fujimoto et al. 2018, Sec. 6.1, Table 3): 400-300 networks, Adam 1e-3,
    /// batch 100, τ 0.005, γ 0.99, exploration N(0, 0.1), target smoothing N(0, 0.2) clipped to 0.5, policy delay 2,
    /// 10 000 initial random steps (the paper's choice for HalfCheetah and Ant, and the authors' published script's
    /// for every task; 1 000 in the text for the others), evaluation every 5 000 steps over 10 episodes, 10⁶ steps,
    /// raw observations.
    public init() {
        agent = OffPolicyAgentSettings()
        agent.noise = .gaussian
        agent.noiseScale = 0.1
        agent.batchSize = 100
        agent.warmupSteps = 10_000
        agent.normalizeObservations = false
        run.totalSteps = 1_000_000
    }

    public static var paper: TD3Configuration { TD3Configuration() }

    public static let optionalKeys: Set<String> = ["learner.gradientClipNorm"]

    public func validate() throws {
        try checkAlgorithm(algorithm, TD3Family.algorithmName)
        try checkEnvironment(environment)
        try learner.validate(prefix: "learner")
        try validateShared(agent: agent, run: run)
        try check(agent.noise != .parameter, "agent.noise", "parameter noise is implemented for DDPG only")
    }
}

extension TD3LearnerConfiguration {
    /// Throws `ConfigurationError.invalidValue` naming the first bad key under `prefix` (e.g. `learner`, `td3`).
    public func validate(prefix: String) throws {
        try check(!hiddenSizes.isEmpty && hiddenSizes.allSatisfy { $0 > 0 }, prefix + ".hiddenSizes",
                  "must be a non-empty list of positive sizes, got \(hiddenSizes)")
        try checkPositive(actorLearningRate, prefix + ".actorLearningRate")
        try checkPositive(criticLearningRate, prefix + ".criticLearningRate")
        try checkGamma(gamma, prefix + ".gamma")
        try checkTau(tau, prefix + ".tau")
        try check(policyNoise >= 0 && policyNoise.isFinite, prefix + ".policyNoise", "must be ≥ 0, got \(policyNoise)")
        try check(noiseClip >= 0 && noiseClip.isFinite, prefix + ".noiseClip", "must be ≥ 0, got \(noiseClip)")
        try check(policyDelay >= 1, prefix + ".policyDelay", "must be at least 1, got \(policyDelay)")
        if let c = gradientClipNorm { try checkPositive(c, prefix + ".gradientClipNorm") }
    }
}

/// TD3 (Fujimoto et al. 2018, "Addressing Function Approximation Error in Actor-Critic Methods"): the `td3` algorithm.
public enum TD3Family: AlgorithmFamily {
    public typealias Configuration = TD3Configuration

    public static let algorithmName = "td3"
    public static let name = "td3"
    public static let schemaVersion = 1
    public static let algorithms = [(name: algorithmName,
                                     summary: "TD3: twin critics, target policy smoothing, delayed actor updates")]
    public static let help = """
        TD3: --algo td3 (the paper's settings; learner.*, agent.*). Presets td3-paper (10 000 random warm-up steps) \
        and td3-halfcheetah.
        """

    public static func defaults(algorithm: String) -> TD3Configuration { .paper }

    public static func makeProcedure(_ c: TD3Configuration, makeEnvironment: EnvironmentMaker) throws
        -> any TrainingProcedure {
        try makeOffPolicyProcedure(c, makeEnvironment: makeEnvironment) { observations, actions in
            TD3Agent(observationSize: observations, actionSize: actions, learner: c.learner, settings: c.agent, seed: c.run.seed)
        }
    }

    public static func warnings(for c: TD3Configuration) -> [String] { offPolicyWarnings(c) }

    public static var plans: [ReproductionPlan] { [OffPolicyPlans.td3MuJoCo] }
}
