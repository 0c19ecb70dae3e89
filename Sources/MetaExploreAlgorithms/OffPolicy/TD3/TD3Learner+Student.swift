import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor

// TD3 as the student of the meta-policy gradient (an extension of Xu et al. 2018, whose student is DDPG; the method
// needs only the four operations of `Student`, Sec. 4.1 and Algorithm 1 lines 6, 7 and 10).

extension TD3Learner: ValueStudent {
    /// The observation size the networks take.
    public var observationSize: Int { actor.layers[0].inputSize }

    /// The action size the actor produces.
    public var actionSize: Int { actor.layers[actor.layers.count - 1].outputSize }

    /// μ(s), without gradients.
    public func act(_ observations: Tensor) -> Tensor {
        withoutGradients { actor(observations).detached() }
    }

    /// Q₁(s, a), the critic TD3's actor ascends (Fujimoto et al. 2018, Algorithm 1), without gradients.
    public func qValues(_ observations: Tensor, _ actions: Tensor) -> Tensor {
        withoutGradients { critic1(concatenate([observations, actions], axis: 1)).detached() }
    }

    /// The clipped double-Q target y = r + γ(1 − terminated)·min(Q′₁, Q′₂)(s′, μ′(s′)) *without* the target policy
    /// smoothing noise: the features of Meta (state) must not draw from the learner's noise stream (that would shift
    /// its updates), and a noiseless target is the residual's expectation to first order.
    public func bellmanTargets(_ batch: TransitionBatch) -> Tensor {
        withoutGradients {
            let input = concatenate([batch.nextObservations, targetActor(batch.nextObservations)], axis: 1)
            let nextQ = minimum(targetCritic1(input), targetCritic2(input))
            return (batch.rewards + (1 - batch.terminated) * nextQ * configuration.gamma).detached()
        }
    }

    /// A deep copy: parameters, target parameters, Adam moments, update counter (which fixes the phase of the
    /// delayed actor updates) and the state of the smoothing-noise generator. Updating the copy leaves `self` alone.
    public func clone() -> TD3Learner {
        // Weights drawn from this throwaway stream are all overwritten by `copyState`.
        var scratch = RandomStream(seed: 0)
        let copy = TD3Learner(observationSize: observationSize, actionSize: actionSize, configuration: configuration,
                              using: &scratch)
        copy.copyState(from: self)
        return copy
    }

    /// Overwrites every parameter, optimizer moment, the update counter and the noise generator with `other`'s
    /// (values are copied; no storage is shared).
    public func copyState(from other: TD3Learner) {
        for (mine, theirs) in [(actor, other.actor), (critic1, other.critic1), (critic2, other.critic2),
                               (targetActor, other.targetActor), (targetCritic1, other.targetCritic1),
                               (targetCritic2, other.targetCritic2)] {
            mine.copyParameters(from: theirs)
        }
        do {
            try actorOptimizer.loadState(Dictionary(uniqueKeysWithValues: other.actorOptimizer.stateTensors.map { ($0.name, $0.tensor) }))
            try criticOptimizer.loadState(Dictionary(uniqueKeysWithValues: other.criticOptimizer.stateTensors.map { ($0.name, $0.tensor) }))
        } catch {
            preconditionFailure("TD3Learner.copyState: optimizer state does not match: \(error)")
        }
        updates = other.updates
        rng = other.rng
    }
}
