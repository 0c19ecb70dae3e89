import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor

/// A DDPG agent (Lillicrap et al. 2016) as in OpenAI baselines: the `DDPGLearner`, a replay buffer, optional
/// observation normalization, and Gaussian, Ornstein–Uhlenbeck or adaptive parameter noise (Plappert et al. 2018).
///
/// With parameter noise, exploration actions come from a perturbed copy of the actor, re-perturbed at the start of
/// each episode; every 50 updates a second perturbed copy is compared with the actor on a replay batch and σ is
/// adapted (baselines' `param_noise_adaption_interval`).
public final class DDPGAgent: OffPolicyAgent {
    public let learner: DDPGLearner
    public let core: OffPolicyAgentCore
    public let parameterNoise: AdaptiveParameterNoise?
    private let perturbedActor: DeterministicActor?
    private let adaptationActor: DeterministicActor?
    public let observationSize: Int
    public let actionSize: Int
    public static let parameterNoiseAdaptationInterval = 50

    public init(observationSize: Int, actionSize: Int, learner configuration: DDPGLearnerConfiguration,
                settings: OffPolicyAgentSettings, seed: UInt64) {
        self.observationSize = observationSize
        self.actionSize = actionSize
        let root = RandomStream(seed: seed, stream: "ddpg-agent")
        var initRNG = root.derived("network-init")
        learner = DDPGLearner(observationSize: observationSize, actionSize: actionSize, configuration: configuration,
                              using: &initRNG)
        core = OffPolicyAgentCore(observationSize: observationSize, actionSize: actionSize, settings: settings, rng: root)
        if settings.noise == .parameter {
            parameterNoise = AdaptiveParameterNoise(initialStddev: 0.1, desiredActionStddev: settings.noiseScale)
            func copy() -> DeterministicActor {
                DeterministicActor(observationSize: observationSize, actionSize: actionSize,
                                   hiddenSizes: configuration.hiddenSizes, layerNorm: configuration.layerNorm,
                                   using: &initRNG)
            }
            perturbedActor = copy()
            adaptationActor = copy()
        } else {
            parameterNoise = nil
            perturbedActor = nil
            adaptationActor = nil
        }
    }

    public func act(_ observation: [Double], explore: Bool) -> [Double] {
        let input = core.networkInput(observation)
        let actor = explore ? (perturbedActor ?? learner.actor) : learner.actor
        let action = withoutGradients { actor(input) }.doubles
        return explore ? core.explore(action) : action
    }

    public func observe(_ transition: Transition) { core.observe(transition) }

    public func startEpisode() {
        core.actionNoise?.reset()
        if let parameterNoise, let perturbedActor {
            parameterNoise.perturb(perturbedActor, from: learner.actor, using: &core.noiseRNG)
        }
    }

    public var canUpdate: Bool { core.canUpdate }

    public var metricNames: [String] {
        ["critic_loss", "actor_loss", "mean_q"] + (parameterNoise == nil ? [] : ["param_noise_stddev", "param_noise_distance"])
    }

    public func update() -> MetricsRecord {
        let batch = core.sampleBatch()
        let m = learner.update(batch)
        var record: MetricsRecord = ["critic_loss": m.criticLoss, "actor_loss": m.actorLoss, "mean_q": m.meanQ]
        if let parameterNoise, let adaptationActor, learner.updates % Self.parameterNoiseAdaptationInterval == 0 {
            parameterNoise.perturb(adaptationActor, from: learner.actor, using: &core.noiseRNG)
            let distance = withoutGradients {
                AdaptiveParameterNoise.distance(adaptationActor(batch.observations), learner.actor(batch.observations))
            }
            parameterNoise.adapt(distance: distance)
            record["param_noise_distance"] = distance
        }
        if let parameterNoise { record["param_noise_stddev"] = parameterNoise.currentStddev }
        return record
    }

    public func firstNonFiniteParameter() -> String? { firstNonFinite(learner.namedNetworkParameters) }

    public func saveState(into state: inout CheckpointState, prefix: String) {
        learner.saveState(into: &state, prefix: prefix + "learner.")
        core.saveState(into: &state, prefix: prefix)
        if let parameterNoise, let perturbedActor {
            parameterNoise.saveState(into: &state, prefix: prefix + "param_noise.")
            state.add(prefix: prefix + "perturbed_actor.", perturbedActor.namedParameters)
        }
    }

    public func restoreState(from state: CheckpointState, prefix: String) throws {
        try learner.restoreState(from: state, prefix: prefix + "learner.")
        try core.restoreState(from: state, prefix: prefix)
        if let parameterNoise, let perturbedActor {
            try parameterNoise.restoreState(from: state, prefix: prefix + "param_noise.")
            try state.restore(prefix: prefix + "perturbed_actor.", into: perturbedActor.namedParameters)
        }
    }
}
