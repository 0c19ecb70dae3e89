import MetaExploreNN
import MetaExploreTensor

/// The learner whose exploration the teacher shapes: the "student" (exploitation policy π) of Xu et al. 2018,
/// "Learning to Explore via Meta-Policy Gradient" (ICML), Sec. 4.1.
///
/// The meta-policy gradient needs only four things from it: its deterministic action μ(s) (to roll out D1, Algorithm 1
/// line 7, and as the mean of the Meta (variance) teacher), one off-policy update on a minibatch (the DDPG(·, D)
/// operator of Eq. 3), a deep copy (the hypothetical student π′ of the "exercise move", line 6), and copying state
/// back (when the look-ahead student is adopted, see `MetaPolicyGradientConfiguration.adoptLookaheadStudent`).
/// `DDPGLearner` conforms below; TD3 can conform the same way.
public protocol Student: AnyObject {
    associatedtype UpdateMetrics
    /// Size of the (normalized) observation vector the student takes.
    var observationSize: Int { get }
    /// Size of the action vector; actions live in [−1, 1].
    var actionSize: Int { get }
    /// The deterministic action μ(s) for a batch of observations [N, obs] → [N, act], without gradients.
    func act(_ observations: Tensor) -> Tensor
    /// One gradient update of the student on a minibatch.
    @discardableResult
    func update(_ batch: TransitionBatch) -> UpdateMetrics
    /// A deep copy (parameters and optimizer state) that can be updated without touching `self`.
    func clone() -> Self
    /// Overwrites this student's state (parameters and optimizer state) with a copy of `other`'s.
    func copyState(from other: Self)
}

/// A student with a learned action value, which the Meta (state) teacher reads its algorithmic features from (ICML
/// version, Sec. 4.1 iii: "the normalized Q function and the Bellman residual error of the Q function").
public protocol ValueStudent: Student {
    /// Q(s, a), [N, 1], without gradients.
    func qValues(_ observations: Tensor, _ actions: Tensor) -> Tensor
    /// The student's own Bellman target y = r + γ(1 − terminated)·Q′(s′, μ′(s′)), [N, 1], without gradients.
    func bellmanTargets(_ batch: TransitionBatch) -> Tensor
}

extension DDPGLearner: ValueStudent {
    public func act(_ observations: Tensor) -> Tensor {
        withoutGradients { actor(observations).detached() }
    }

    public func qValues(_ observations: Tensor, _ actions: Tensor) -> Tensor {
        withoutGradients { critic(observations, actions).detached() }
    }

    /// The same target as `update(_:)` computes (reward scale, γ, no bootstrap past a termination).
    public func bellmanTargets(_ batch: TransitionBatch) -> Tensor {
        withoutGradients {
            let nextQ = targetCritic(batch.nextObservations, targetActor(batch.nextObservations))
            return (batch.rewards * configuration.rewardScale + (1 - batch.terminated) * nextQ * configuration.gamma)
                .detached()
        }
    }
}
