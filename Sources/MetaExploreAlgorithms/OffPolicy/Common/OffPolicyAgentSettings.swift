import MetaExploreRuntime
/// Exploration noise used by an off-policy agent while collecting data.
public enum ExplorationNoiseType: String, Codable, Sendable, CaseIterable, SettingChoice {
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

/// Validation of the agent settings every off-policy configuration has, and of the run settings.
func validateShared(agent a: OffPolicyAgentSettings, run r: RunSettings) throws {
    try r.validate()
    try check(a.noiseScale >= 0 && a.noiseScale.isFinite, "agent.noiseScale", "must be ≥ 0, got \(a.noiseScale)")
    if a.noise == .parameter { try checkPositive(a.noiseScale, "agent.noiseScale") }
    try check(a.batchSize >= 1, "agent.batchSize", "must be at least 1, got \(a.batchSize)")
    try check(a.bufferSize >= a.batchSize, "agent.bufferSize",
              "must hold at least one minibatch (agent.batchSize = \(a.batchSize)), got \(a.bufferSize)")
    try check(a.warmupSteps >= 0, "agent.warmupSteps", "must be ≥ 0, got \(a.warmupSteps)")
    try check(a.updatesPerStep >= 1, "agent.updatesPerStep",
              "must be at least 1 (with 0 the learner is never updated), got \(a.updatesPerStep)")
    try checkPositive(a.observationClip, "agent.observationClip")
}
