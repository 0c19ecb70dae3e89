/// Exploration noise used by an off-policy agent while collecting data.
public enum ExplorationNoiseType: String, Codable, Sendable, CaseIterable {
    /// No noise (the deterministic policy).
    case none
    /// N(0, scale²) per action dimension (TD3).
    case gaussian
    /// Ornstein–Uhlenbeck with σ = scale, θ 0.15, dt 1e-2 (DDPG, Lillicrap et al. 2016).
    case ornsteinUhlenbeck = "ou"
    /// Adaptive parameter noise with desired action stddev = scale (Plappert et al. 2018).
    case parameter
}

/// Agent-side settings shared by the off-policy algorithms (everything but the learner's hyper-parameters).
public struct OffPolicyAgentSettings: Codable, Equatable, Sendable {
    public var noise: ExplorationNoiseType = .ornsteinUhlenbeck
    /// σ of Gaussian/OU noise, or the desired action-space stddev of parameter noise.
    public var noiseScale: Double = 0.2
    public var batchSize: Int = 64
    public var bufferSize: Int = 1_000_000
    /// Steps with uniformly random actions before the policy acts (and before updates start).
    public var warmupSteps: Int = 0
    /// Learner updates per environment step after warm-up.
    public var updatesPerStep: Int = 1
    public var normalizeObservations: Bool = true
    /// Normalized observations are clipped to ±observationClip.
    public var observationClip: Double = 5

    public init() {}
}

/// Run-level settings: length, evaluation, checkpoints, seed.
public struct RunSettings: Codable, Equatable, Sendable {
    public var totalSteps: Int = 1_000_000
    /// Evaluate the deterministic policy every `evalInterval` environment steps.
    public var evalInterval: Int = 5000
    public var evalEpisodes: Int = 10
    /// Write a checkpoint every `checkpointInterval` steps (0: only at the end and on interruption).
    public var checkpointInterval: Int = 50_000
    /// Write a progress record every `logInterval` steps (besides every evaluation).
    public var logInterval: Int = 1000
    public var seed: UInt64 = 0
    /// Keep the first and the latest `visitationWindow` states of each acting policy (teacher, student, behavior)
    /// and write them to `visitation.safetensors` in the run folder, for `metaexplore visitation` (Xu et al. 2018,
    /// Figure 4). 0: off.
    public var visitationWindow: Int = 0

    public init() {}
}

/// A complete, typed experiment configuration that can be read from YAML.
public protocol ExperimentConfiguration: Codable, Equatable, Sendable {
    /// The value of the `algorithm` key.
    static var algorithmName: String { get }
    /// Every setting at its default.
    static var defaults: Self { get }
    /// Dotted keys that are optional (absent from `defaults` when unset) but allowed in files.
    static var optionalKeys: Set<String> { get }
    /// Throws `ConfigurationError.invalidValue` naming the first bad key.
    func validate() throws
    var agent: OffPolicyAgentSettings { get }
    var run: RunSettings { get }
    var environment: String { get }
}

/// DDPG as in OpenAI baselines (the student of Xu et al. 2018): learner hyper-parameters plus agent and run settings.
public struct DDPGConfiguration: ExperimentConfiguration {
    public var algorithm = "ddpg"
    public var environment = "Pendulum-v1"
    public var learner = DDPGLearnerConfiguration()
    public var agent = OffPolicyAgentSettings()
    public var run = RunSettings()

    public init() {}

    public static let algorithmName = "ddpg"
    public static var defaults: DDPGConfiguration { DDPGConfiguration() }
    public static let optionalKeys: Set<String> = ["learner.gradientClipNorm"]

    public func validate() throws {
        try checkAlgorithm(algorithm, Self.algorithmName)
        try checkEnvironment(environment)
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
        try validateShared(agent: agent, run: run)
    }
}

/// TD3 (Fujimoto et al. 2018) with learner, agent and run settings.
public struct TD3Configuration: ExperimentConfiguration {
    public var algorithm = "td3"
    public var environment = "HalfCheetah-v5"
    public var learner = TD3LearnerConfiguration()
    public var agent: OffPolicyAgentSettings
    public var run = RunSettings()

    public init() {
        agent = OffPolicyAgentSettings()
        agent.noise = .gaussian
        agent.noiseScale = 0.1
        agent.batchSize = 100
        agent.warmupSteps = 10_000
        agent.normalizeObservations = false
        run.totalSteps = 1_000_000
    }

    /// The settings of the paper (Fujimoto et al. 2018, Sec. 6.1, Table 3): 400-300 networks, Adam 1e-3,
    /// batch 100, τ 0.005, γ 0.99, exploration N(0, 0.1), target smoothing N(0, 0.2) clipped to 0.5, policy delay 2,
    /// 10 000 initial random steps (the paper's choice for HalfCheetah and Ant; 1 000 for the other tasks), evaluation every 5 000
    /// steps over 10 episodes, 10⁶ steps, raw observations.
    public static var paper: TD3Configuration { TD3Configuration() }

    public static let algorithmName = "td3"
    public static var defaults: TD3Configuration { .paper }
    public static let optionalKeys: Set<String> = ["learner.gradientClipNorm"]

    public func validate() throws {
        try checkAlgorithm(algorithm, Self.algorithmName)
        try checkEnvironment(environment)
        let l = learner
        try check(!l.hiddenSizes.isEmpty && l.hiddenSizes.allSatisfy { $0 > 0 }, "learner.hiddenSizes",
                  "must be a non-empty list of positive sizes, got \(l.hiddenSizes)")
        try checkPositive(l.actorLearningRate, "learner.actorLearningRate")
        try checkPositive(l.criticLearningRate, "learner.criticLearningRate")
        try checkGamma(l.gamma, "learner.gamma")
        try checkTau(l.tau, "learner.tau")
        try check(l.policyNoise >= 0 && l.policyNoise.isFinite, "learner.policyNoise", "must be ≥ 0, got \(l.policyNoise)")
        try check(l.noiseClip >= 0 && l.noiseClip.isFinite, "learner.noiseClip", "must be ≥ 0, got \(l.noiseClip)")
        try check(l.policyDelay >= 1, "learner.policyDelay", "must be at least 1, got \(l.policyDelay)")
        if let c = l.gradientClipNorm { try checkPositive(c, "learner.gradientClipNorm") }
        try validateShared(agent: agent, run: run)
        try check(agent.noise != .parameter, "agent.noise", "parameter noise is implemented for DDPG only")
    }
}

// MARK: - Validation helpers

func check(_ condition: Bool, _ key: String, _ message: @autoclosure () -> String) throws {
    if !condition { throw ConfigurationError.invalidValue(key: key, message: message()) }
}

func checkPositive(_ x: Double, _ key: String) throws {
    try check(x > 0 && x.isFinite, key, "must be a positive number, got \(x)")
}

func checkGamma(_ x: Double, _ key: String) throws {
    try check(x >= 0 && x <= 1, key, "must lie in [0, 1], got \(x)")
}

func checkTau(_ x: Double, _ key: String) throws {
    try check(x > 0 && x <= 1, key, "must lie in (0, 1], got \(x)")
}

func checkAlgorithm(_ value: String, _ expected: String) throws {
    try check(value == expected, "algorithm", "must be '\(expected)' for this configuration, got '\(value)'")
}

func checkEnvironment(_ value: String) throws {
    try check(!value.trimmingCharacters(in: .whitespaces).isEmpty, "environment", "must name an environment")
}

func validateShared(agent a: OffPolicyAgentSettings, run r: RunSettings) throws {
    try check(a.noiseScale >= 0 && a.noiseScale.isFinite, "agent.noiseScale", "must be ≥ 0, got \(a.noiseScale)")
    if a.noise == .parameter { try checkPositive(a.noiseScale, "agent.noiseScale") }
    try check(a.batchSize >= 1, "agent.batchSize", "must be at least 1, got \(a.batchSize)")
    try check(a.bufferSize >= 1, "agent.bufferSize", "must be at least 1, got \(a.bufferSize)")
    try check(a.warmupSteps >= 0, "agent.warmupSteps", "must be ≥ 0, got \(a.warmupSteps)")
    try check(a.updatesPerStep >= 0, "agent.updatesPerStep", "must be ≥ 0, got \(a.updatesPerStep)")
    try checkPositive(a.observationClip, "agent.observationClip")
    try check(r.totalSteps >= 1, "run.totalSteps", "must be at least 1, got \(r.totalSteps)")
    try check(r.evalInterval >= 1, "run.evalInterval", "must be at least 1, got \(r.evalInterval)")
    try check(r.evalEpisodes >= 0, "run.evalEpisodes", "must be ≥ 0, got \(r.evalEpisodes)")
    try check(r.checkpointInterval >= 0, "run.checkpointInterval", "must be ≥ 0, got \(r.checkpointInterval)")
    try check(r.logInterval >= 1, "run.logInterval", "must be at least 1, got \(r.logInterval)")
    try check(r.visitationWindow >= 0, "run.visitationWindow", "must be ≥ 0, got \(r.visitationWindow)")
}

import Foundation
