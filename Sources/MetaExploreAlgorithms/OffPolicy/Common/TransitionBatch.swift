import MetaExploreTensor

/// A minibatch of transitions (s, a, r, s′, terminated) as float32 tensors.
///
/// `terminated` is 1 where the MDP ended at s′ (no bootstrapping); a time-limit truncation is *not* a termination,
/// so the target still bootstraps from s′ there (Pardo et al. 2018, "Time limits in reinforcement learning").
public struct TransitionBatch {
    public var observations: Tensor       // [B, obs]
    public var actions: Tensor            // [B, act]
    public var rewards: Tensor            // [B, 1]
    public var nextObservations: Tensor   // [B, obs]
    public var terminated: Tensor         // [B, 1], 1 = terminal

    public init(observations: Tensor, actions: Tensor, rewards: Tensor, nextObservations: Tensor, terminated: Tensor) {
        let b = observations.shape[0]
        precondition(actions.shape[0] == b && rewards.shape == [b, 1] && nextObservations.shape == observations.shape
                     && terminated.shape == [b, 1], "inconsistent transition batch shapes")
        self.observations = observations
        self.actions = actions
        self.rewards = rewards
        self.nextObservations = nextObservations
        self.terminated = terminated
    }

    public var size: Int { observations.shape[0] }
}
