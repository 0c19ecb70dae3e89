import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor

/// Hyper-parameters of the DDPG learner, with the defaults of OpenAI baselines' DDPG (the student of Xu et al.
/// 2018; see also Lillicrap et al. 2016, Sec. 7).
public struct DDPGLearnerConfiguration: Codable, Equatable, Sendable {
    public var hiddenSizes: [Int] = [64, 64]
    public var layerNorm: Bool = true
    public var actorLearningRate: Double = 1e-4
    public var criticLearningRate: Double = 1e-3
    /// L2 penalty on the critic's hidden weight matrices (baselines: critic_l2_reg = 1e-2).
    public var criticL2: Double = 1e-2
    public var gamma: Double = 0.99
    /// Polyak coefficient of the target networks.
    public var tau: Double = 0.01
    /// Rewards are multiplied by this before the Bellman target.
    public var rewardScale: Double = 1
    /// Optional gradient-norm clipping of the actor and critic updates (off when nil).
    public var gradientClipNorm: Double?

    public init() {}
}

/// What one learner update measured.
public struct DDPGUpdateMetrics: Sendable {
    public var criticLoss: Double
    public var actorLoss: Double
    public var meanQ: Double
}

/// The DDPG learner: critic regression to the Bellman target, actor ascent on Q(s, μ(s)), then soft target updates
/// (Lillicrap et al. 2016, Algorithm 1, the lines inside the update loop).
public final class DDPGLearner {
    public let configuration: DDPGLearnerConfiguration
    public let actor: DeterministicActor
    public let critic: Critic
    public let targetActor: DeterministicActor
    public let targetCritic: Critic
    public let actorOptimizer: Adam
    public let criticOptimizer: Adam
    public internal(set) var updates = 0
    // Parameter lists in `namedParameters` order, built once (the names are not needed on the hot path).
    private let actorParameters: [Tensor], criticParameters: [Tensor]
    private let targetActorParameters: [Tensor], targetCriticParameters: [Tensor]

    public init(observationSize: Int, actionSize: Int, configuration: DDPGLearnerConfiguration = .init(),
                using rng: inout RandomStream) {
        self.configuration = configuration
        let c = configuration
        actor = DeterministicActor(observationSize: observationSize, actionSize: actionSize, hiddenSizes: c.hiddenSizes,
                                   layerNorm: c.layerNorm, using: &rng)
        critic = Critic(observationSize: observationSize, actionSize: actionSize, hiddenSizes: c.hiddenSizes,
                        layerNorm: c.layerNorm, using: &rng)
        targetActor = DeterministicActor(observationSize: observationSize, actionSize: actionSize,
                                         hiddenSizes: c.hiddenSizes, layerNorm: c.layerNorm, using: &rng)
        targetCritic = Critic(observationSize: observationSize, actionSize: actionSize, hiddenSizes: c.hiddenSizes,
                              layerNorm: c.layerNorm, using: &rng)
        targetActor.copyParameters(from: actor)
        targetCritic.copyParameters(from: critic)
        actorParameters = actor.parameters
        criticParameters = critic.parameters
        targetActorParameters = targetActor.parameters
        targetCriticParameters = targetCritic.parameters
        actorOptimizer = Adam(parameters: actor.parameters, learningRate: c.actorLearningRate)
        criticOptimizer = Adam(parameters: critic.parameters, learningRate: c.criticLearningRate,
                               weightDecay: c.criticL2, weightDecayMode: .l2, decayMask: critic.hiddenWeightMask)
    }

    /// One update on a minibatch (observations already normalized).
    @discardableResult
    public func update(_ batch: TransitionBatch) -> DDPGUpdateMetrics {
        let c = configuration
        // y = r·scale + γ(1 − terminated)·Q′(s′, μ′(s′))
        let target = withoutGradients {
            let nextQ = targetCritic(batch.nextObservations, targetActor(batch.nextObservations))
            return batch.rewards * c.rewardScale + (1 - batch.terminated) * nextQ * c.gamma
        }
        // Critic: minimize mean (Q(s, a) − y)² (+ the L2 penalty, applied by the optimizer's weight decay).
        let q = critic(batch.observations, batch.actions)
        let criticLoss = (q - target).squared().mean()
        var criticGrads = gradients(of: criticLoss, wrt: criticParameters)
        if let clip = c.gradientClipNorm { criticGrads = clipGradientNorm(criticGrads, maxNorm: clip).gradients }
        criticOptimizer.step(criticGrads)

        // Actor: maximize Q(s, μ(s)) through the updated critic; only the actor's gradients are computed.
        let actorLoss = -critic(batch.observations, actor(batch.observations)).mean()
        var actorGrads = gradients(of: actorLoss, wrt: actorParameters)
        if let clip = c.gradientClipNorm { actorGrads = clipGradientNorm(actorGrads, maxNorm: clip).gradients }
        actorOptimizer.step(actorGrads)

        // θ′ ← τθ + (1 − τ)θ′
        polyakUpdate(target: targetActorParameters, source: actorParameters, tau: c.tau)
        polyakUpdate(target: targetCriticParameters, source: criticParameters, tau: c.tau)
        updates += 1
        return DDPGUpdateMetrics(criticLoss: criticLoss.item, actorLoss: actorLoss.item, meanQ: q.mean().item)
    }
}

// MARK: - Copies (used by the "exercise move" of the meta-policy gradient, Xu et al. 2018, Algorithm 1 line 6)

extension DDPGLearner {
    /// The observation size the networks take.
    public var observationSize: Int { actor.network.layers[0].inputSize }

    /// The action size the actor produces.
    public var actionSize: Int { actor.network.layers[actor.network.layers.count - 1].outputSize }

    /// A deep copy: same configuration, same actor/critic/target parameters, same Adam moments and step counts,
    /// same update counter. Updating the copy leaves `self` untouched and vice versa.
    public func clone() -> DDPGLearner {
        // The initializer draws fresh weights from this throwaway stream; every one of them is overwritten below.
        var scratch = RandomStream(seed: 0)
        let copy = DDPGLearner(observationSize: observationSize, actionSize: actionSize, configuration: configuration,
                               using: &scratch)
        copy.copyState(from: self)
        return copy
    }

    /// Overwrites this learner's parameters, target parameters, optimizer state and update counter with those of
    /// `other` (same architecture). Values are copied, no storage is shared.
    public func copyState(from other: DDPGLearner) {
        actor.copyParameters(from: other.actor)
        critic.copyParameters(from: other.critic)
        targetActor.copyParameters(from: other.targetActor)
        targetCritic.copyParameters(from: other.targetCritic)
        do {
            try actorOptimizer.loadState(Dictionary(uniqueKeysWithValues: other.actorOptimizer.stateTensors.map { ($0.name, $0.tensor) }))
            try criticOptimizer.loadState(Dictionary(uniqueKeysWithValues: other.criticOptimizer.stateTensors.map { ($0.name, $0.tensor) }))
        } catch {
            preconditionFailure("DDPGLearner.copyState: optimizer state does not match: \(error)")
        }
        updates = other.updates
    }
}
