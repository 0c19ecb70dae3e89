import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor

/// Hyper-parameters of the TD3 learner with the defaults of Fujimoto et al. 2018 ("Addressing Function
/// Approximation Error in Actor-Critic Methods", Sec. 6.1 and Table 3): 400-300 ReLU networks, Adam 1e-3 for
/// both actor and critics, τ = 0.005, γ = 0.99, target policy smoothing N(0, 0.2) clipped to ±0.5, and actor and
/// target updates every 2 critic updates. Noise values are in normalized action units ([−1, 1]).
public struct TD3LearnerConfiguration: Codable, Equatable, Sendable {
    public var hiddenSizes: [Int] = [400, 300]
    public var actorLearningRate: Double = 1e-3
    public var criticLearningRate: Double = 1e-3
    public var gamma: Double = 0.99
    public var tau: Double = 0.005
    /// Standard deviation of the target policy smoothing noise.
    public var policyNoise: Double = 0.2
    /// The smoothing noise is clipped to ±noiseClip.
    public var noiseClip: Double = 0.5
    /// Actor and target networks are updated once every `policyDelay` critic updates.
    public var policyDelay: Int = 2
    /// Optional gradient-norm clipping (off when nil; the paper does not clip).
    public var gradientClipNorm: Double?

    public init() {}
}

/// What one TD3 update measured (`actorLoss` is nil on updates without an actor step).
public struct TD3UpdateMetrics: Sendable {
    public var criticLoss: Double
    public var actorLoss: Double?
    public var meanQ: Double
}

/// The TD3 learner (Fujimoto et al. 2018, Algorithm 1): twin critics with the clipped double-Q target
/// y = r + γ(1 − terminated)·min(Q′₁, Q′₂)(s′, clip(μ′(s′) + clip(ε, −c, c), −1, 1)), ε ~ N(0, σ̃²), and delayed
/// actor and target updates.
///
/// Networks follow the paper's reference code: actor s → 400 → 300 → tanh; each critic takes concat(s, a) at
/// its input → 400 → 300 → 1, ReLU, no layer normalization.
public final class TD3Learner: Checkpointable {
    public let configuration: TD3LearnerConfiguration
    public let actor: MLP
    public let critic1: MLP
    public let critic2: MLP
    public let targetActor: MLP
    public let targetCritic1: MLP
    public let targetCritic2: MLP
    public let actorOptimizer: Adam
    public let criticOptimizer: Adam
    public internal(set) var updates = 0
    /// The generator of the target smoothing noise (saved in checkpoints).
    public var rng: RandomStream

    public init(observationSize: Int, actionSize: Int, configuration: TD3LearnerConfiguration = .init(),
                using rng: inout RandomStream) {
        self.configuration = configuration
        let h = configuration.hiddenSizes
        func makeActor() -> MLP {
            MLP(inputSize: observationSize, hiddenSizes: h, outputSize: actionSize, outputActivation: .tanh, using: &rng)
        }
        func makeCritic() -> MLP { MLP(inputSize: observationSize + actionSize, hiddenSizes: h, outputSize: 1, using: &rng) }
        actor = makeActor()
        critic1 = makeCritic()
        critic2 = makeCritic()
        targetActor = makeActor()
        targetCritic1 = makeCritic()
        targetCritic2 = makeCritic()
        targetActor.copyParameters(from: actor)
        targetCritic1.copyParameters(from: critic1)
        targetCritic2.copyParameters(from: critic2)
        actorOptimizer = Adam(parameters: actor.parameters, learningRate: configuration.actorLearningRate)
        criticOptimizer = Adam(parameters: critic1.parameters + critic2.parameters,
                               learningRate: configuration.criticLearningRate)
        self.rng = rng.derived("td3-target-noise")
    }

    /// μ(s) for a batch of (normalized) observations.
    public func policy(_ observations: Tensor) -> Tensor { actor(observations) }

    /// One update on a minibatch (observations already normalized).
    @discardableResult
    public func update(_ batch: TransitionBatch) -> TD3UpdateMetrics {
        let c = configuration
        let target = withoutGradients { () -> Tensor in
            let b = batch.size, a = batch.actions.shape[1]
            let noise = Tensor.randomNormal([b, a], std: c.policyNoise, using: &rng)
                .clamped(min: -c.noiseClip, max: c.noiseClip)
            let nextActions = (targetActor(batch.nextObservations) + noise).clamped(min: -1, max: 1)
            let input = concatenate([batch.nextObservations, nextActions], axis: 1)
            let nextQ = minimum(targetCritic1(input), targetCritic2(input))
            return batch.rewards + (1 - batch.terminated) * nextQ * c.gamma
        }
        let input = concatenate([batch.observations, batch.actions], axis: 1)
        let q1 = critic1(input), q2 = critic2(input)
        let criticLoss = (q1 - target).squared().mean() + (q2 - target).squared().mean()
        var criticGrads = gradients(of: criticLoss, wrt: criticOptimizer.parameters)
        if let clip = c.gradientClipNorm { criticGrads = clipGradientNorm(criticGrads, maxNorm: clip).gradients }
        criticOptimizer.step(criticGrads)
        updates += 1

        var actorLossValue: Double?
        if updates % c.policyDelay == 0 {
            let actorLoss = -critic1(concatenate([batch.observations, actor(batch.observations)], axis: 1)).mean()
            var actorGrads = gradients(of: actorLoss, wrt: actor.parameters)
            if let clip = c.gradientClipNorm { actorGrads = clipGradientNorm(actorGrads, maxNorm: clip).gradients }
            actorOptimizer.step(actorGrads)
            actorLossValue = actorLoss.item
            polyakUpdate(target: targetActor, source: actor, tau: c.tau)
            polyakUpdate(target: targetCritic1, source: critic1, tau: c.tau)
            polyakUpdate(target: targetCritic2, source: critic2, tau: c.tau)
        }
        return TD3UpdateMetrics(criticLoss: criticLoss.item, actorLoss: actorLossValue, meanQ: q1.mean().item)
    }

    /// Every network parameter, prefixed by network name (for checkpoints and finiteness checks).
    public var namedNetworkParameters: [(name: String, tensor: Tensor)] {
        prefixed("actor", actor.namedParameters) + prefixed("critic1", critic1.namedParameters)
            + prefixed("critic2", critic2.namedParameters) + prefixed("target_actor", targetActor.namedParameters)
            + prefixed("target_critic1", targetCritic1.namedParameters)
            + prefixed("target_critic2", targetCritic2.namedParameters)
    }

    public func saveState(into state: inout CheckpointState, prefix: String) {
        state.add(prefix: prefix, namedNetworkParameters)
        state.add(prefix: prefix + "actor_optimizer.", actorOptimizer.stateTensors)
        state.add(prefix: prefix + "critic_optimizer.", criticOptimizer.stateTensors)
        state.set(prefix + "updates", updates)
        state.setGenerator(prefix + "rng", rng)
    }

    public func restoreState(from state: CheckpointState, prefix: String) throws {
        try state.restore(prefix: prefix, into: namedNetworkParameters)
        try actorOptimizer.loadState(state.tensors(prefix: prefix + "actor_optimizer."))
        try criticOptimizer.loadState(state.tensors(prefix: prefix + "critic_optimizer."))
        updates = try state.value(prefix + "updates")
        rng = try state.generator(prefix + "rng")
    }
}
