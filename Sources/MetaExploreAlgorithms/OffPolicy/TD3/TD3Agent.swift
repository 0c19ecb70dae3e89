import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor

/// A TD3 agent (Fujimoto et al. 2018): the `TD3Learner`, a replay buffer, Gaussian (or Ornstein–Uhlenbeck)
/// exploration noise, and optional observation normalization.
public final class TD3Agent: OffPolicyAgent {
    public let learner: TD3Learner
    public let core: OffPolicyAgentCore
    public let observationSize: Int
    public let actionSize: Int

    public init(observationSize: Int, actionSize: Int, learner configuration: TD3LearnerConfiguration,
                settings: OffPolicyAgentSettings, seed: UInt64) {
        precondition(settings.noise != .parameter, "TD3Agent: parameter noise is implemented for DDPG only")
        self.observationSize = observationSize
        self.actionSize = actionSize
        let root = RandomStream(seed: seed, stream: "td3-agent")
        var initRNG = root.derived("network-init")
        learner = TD3Learner(observationSize: observationSize, actionSize: actionSize, configuration: configuration,
                             using: &initRNG)
        core = OffPolicyAgentCore(observationSize: observationSize, actionSize: actionSize, settings: settings, rng: root)
    }

    public func act(_ observation: [Double], explore: Bool) -> [Double] {
        let action = withoutGradients { learner.actor(core.networkInput(observation)) }.doubles
        return explore ? core.explore(action) : action
    }

    public func observe(_ transition: Transition) { core.observe(transition) }
    public func startEpisode() { core.actionNoise?.reset() }
    public var canUpdate: Bool { core.canUpdate }
    public var metricNames: [String] { ["critic_loss", "actor_loss", "mean_q"] }

    public func update() -> MetricsRecord {
        let m = learner.update(core.sampleBatch())
        var record: MetricsRecord = ["critic_loss": m.criticLoss, "mean_q": m.meanQ]
        if let a = m.actorLoss { record["actor_loss"] = a }
        return record
    }

    public func firstNonFiniteParameter() -> String? { firstNonFinite(learner.namedNetworkParameters) }

    public func saveState(into state: inout CheckpointState, prefix: String) {
        learner.saveState(into: &state, prefix: prefix + "learner.")
        core.saveState(into: &state, prefix: prefix)
    }

    public func restoreState(from state: CheckpointState, prefix: String) throws {
        try learner.restoreState(from: state, prefix: prefix + "learner.")
        try core.restoreState(from: state, prefix: prefix)
    }
}
