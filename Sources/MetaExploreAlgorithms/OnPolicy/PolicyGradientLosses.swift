import MetaExploreNN
import MetaExploreTensor

/// Policy-gradient objectives over a padded batch (every per-step tensor is [rows · horizon]; `mask` is 1 on valid
/// steps), each a masked mean over valid steps — what ProMP and pytorch-maml-rl minimize.
///
/// - REINFORCE / VPG (Williams 1992; Sutton et al. 2000): L = −mean(log π_θ(a|s) · Â). Its gradient is the
///   likelihood-ratio policy gradient estimator −(1/N) Σ ∇ log π_θ(a_t|s_t) Â_t.
/// - Likelihood ratio / TRPO surrogate (Schulman et al. 2015, Eq. 14): L = −mean(r_θ · Â), r_θ = π_θ(a|s)/π_old(a|s).
///   Its gradient at θ = θ_old equals VPG's. (ProMP's "LVC" inner objective is this form.)
/// - PPO-clip (Schulman et al. 2017, Eq. 7): L = −mean(min(r_θ Â, clip(r_θ, 1 − ε, 1 + ε) Â)).
/// - Mean KL(π_old ‖ π_θ) over valid steps: TRPO's constraint (π_old detached).
///
/// All are built from differentiable tensor ops, so they can be differentiated twice (HVPs, MAML).
public enum PolicyGradientLoss {
    /// Σ(x · mask)/Σ mask.
    public static func maskedMean(_ x: Tensor, mask: Tensor) -> Tensor {
        let n = mask.doubles.reduce(0, +)
        precondition(n > 0, "maskedMean: no valid step")
        return (x * mask).sum() / n
    }

    public static func reinforce(logProbabilities: Tensor, advantages: Tensor, mask: Tensor) -> Tensor {
        -maskedMean(logProbabilities * advantages, mask: mask)
    }

    public static func likelihoodRatio(logProbabilities: Tensor, oldLogProbabilities: Tensor, advantages: Tensor,
                                       mask: Tensor) -> Tensor {
        let ratio = (logProbabilities - oldLogProbabilities.detached()).exp()
        return -maskedMean(ratio * advantages, mask: mask)
    }

    public static func clipped(logProbabilities: Tensor, oldLogProbabilities: Tensor, advantages: Tensor,
                               mask: Tensor, clip epsilon: Double) -> Tensor {
        let ratio = (logProbabilities - oldLogProbabilities.detached()).exp()
        let unclipped = ratio * advantages
        let clippedTerm = ratio.clamped(min: 1 - epsilon, max: 1 + epsilon) * advantages
        return -maskedMean(minimum(unclipped, clippedTerm), mask: mask)
    }

    /// mean over valid steps of KL(old ‖ new); `old` is detached here.
    public static func meanKL(old: DiagonalGaussian, new: DiagonalGaussian, mask: Tensor) -> Tensor {
        let frozen = DiagonalGaussian(mean: old.mean.detached(), logStd: old.logStd.detached())
        return maskedMean(frozen.kl(to: new), mask: mask)
    }
}

/// The tensors of one policy-gradient update: observations, actions and mask from the batch, advantages, and the
/// pre-update policy's log-probabilities and distribution (detached), all in the policy's dtype.
public struct PolicyGradientInputs {
    public let observations: Tensor
    public let actions: Tensor
    public let mask: Tensor
    public let advantages: Tensor
    public let oldLogProbabilities: Tensor
    public let oldDistribution: DiagonalGaussian

    /// Builds the inputs for `policy` at its current parameters (which become "old").
    public init(policy: GaussianMLPPolicy, batch: TrajectoryBatch, advantages: [Double]) {
        precondition(advantages.count == batch.stepCount, "PolicyGradientInputs: \(advantages.count) advantages")
        let obs = batch.observationTensor(dtype: policy.dtype)
        let act = batch.actionTensor(dtype: policy.dtype)
        observations = obs
        actions = act
        mask = batch.maskTensor(dtype: policy.dtype)
        self.advantages = Tensor(shape: [batch.stepCount], doubles: advantages, dtype: policy.dtype)
        let (lp, dist) = withoutGradients { () -> (Tensor, DiagonalGaussian) in
            let d = policy.distribution(obs)
            return (d.logProbability(act), DiagonalGaussian(mean: d.mean.copy(), logStd: d.logStd.copy()))
        }
        oldLogProbabilities = lp
        oldDistribution = dist
    }
}
