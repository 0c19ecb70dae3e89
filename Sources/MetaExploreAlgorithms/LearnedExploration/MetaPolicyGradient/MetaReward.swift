import MetaExploreRuntime
import MetaExploreTensor

/// The meta-reward of an exploration batch D0 (Xu et al. 2018, Eq. 3 and Algorithm 1 line 7):
/// R̂(D0) = R̂π′ − R̂π, the estimated return of the look-ahead student π′ = DDPG(π, D0) minus that of π.
/// Positive when the teacher's data made the student better.
@inlinable
public func metaReward(lookaheadReturn: Double, studentReturn: Double) -> Double {
    lookaheadReturn - studentReturn
}

/// How per-step log-probabilities are combined in the REINFORCE surrogate.
public enum LogProbabilityReduction: String, Codable, Sendable, CaseIterable, SettingChoice {
    /// Σt log πe(at|st), exactly Eq. 4–5 (∇ log P(D0|πe) = Σt ∇ log πe(at|st)).
    case sum
    /// (1/T) Σt log πe(at|st): the same direction, a step size independent of |D0|.
    case mean
}

/// The REINFORCE surrogate loss of the teacher update (Xu et al. 2018, Eq. 5; Algorithm 1 line 8):
/// L(θπe) = −A · Σt log πe(at|st), so that gradient *descent* on L is the ascent step
/// θπe ← θπe + η A Σt ∇ log πe(at|st), with A the (possibly baselined/normalized) meta-reward.
/// `logProbabilities` is [T]; the advantage is a constant (no gradient).
public func metaPolicyGradientLoss(logProbabilities: Tensor, advantage: Double,
                                   reduction: LogProbabilityReduction = .sum) -> Tensor {
    let total = reduction == .sum ? logProbabilities.sum() : logProbabilities.mean()
    return total * (-advantage)
}

/// The batched score-function (REINFORCE) surrogate for N independent draws with their own rewards:
/// L = −(1/N) Σᵢ (rᵢ − b) log π(aᵢ), whose gradient is an unbiased estimate of −∇ E[r] for any constant b
/// (Williams 1992; Eq. 4 with one "episode" per draw). Used to check the estimator against exact gradients.
public func reinforceLoss(logProbabilities: Tensor, rewards: [Double], baseline: Double = 0) -> Tensor {
    precondition(logProbabilities.shape == [rewards.count], "reinforceLoss: log-probabilities \(logProbabilities.shape) for \(rewards.count) rewards")
    let weights = Tensor(shape: [rewards.count], doubles: rewards.map { $0 - baseline }, dtype: logProbabilities.dtype)
    return -(logProbabilities * weights).mean()
}

/// Optional variance reduction for the meta-reward (not in the paper, whose Eq. 5 uses R̂(D0) as is; both parts
/// default to off and are switched on in `MetaPolicyGradientConfiguration.Teacher`).
///
/// - Baseline: A = R̂(D0) − b with b an exponential moving average of past meta-rewards,
///   b ← β b + (1 − β) R̂(D0), updated *after* A is formed (b is independent of the current D0, so the estimator stays
///   unbiased). The first meta-reward sees b = 0 and then sets b to itself (no slow start from 0).
/// - Normalization: A is divided by the running standard deviation of past meta-rewards (Welford, including the
///   current one), once at least two have been seen.
public struct MetaRewardNormalizer: Codable, Equatable, Sendable {
    public var useBaseline: Bool
    public var baselineDecay: Double
    public var normalize: Bool
    public private(set) var baseline = 0.0
    public private(set) var count = 0.0
    public private(set) var mean = 0.0
    public private(set) var m2 = 0.0

    public init(useBaseline: Bool = false, baselineDecay: Double = 0.9, normalize: Bool = false) {
        precondition(baselineDecay >= 0 && baselineDecay < 1, "MetaRewardNormalizer: decay must lie in [0, 1)")
        self.useBaseline = useBaseline
        self.baselineDecay = baselineDecay
        self.normalize = normalize
    }

    /// Puts back statistics read from a checkpoint (the switches stay as configured).
    public mutating func restore(baseline: Double, count: Double, mean: Double, m2: Double) {
        self.baseline = baseline
        self.count = count
        self.mean = mean
        self.m2 = m2
    }

    /// Running standard deviation of the meta-rewards seen so far (population form).
    public var standardDeviation: Double { count > 1 ? (m2 / count).squareRoot() : 0 }

    /// The advantage for `metaReward`, then the statistics updated with it.
    public mutating func advantage(for metaReward: Double) -> Double {
        count += 1
        let delta = metaReward - mean
        mean += delta / count
        m2 += delta * (metaReward - mean)
        var a = metaReward
        if useBaseline { a -= baseline }
        if normalize, count > 1, standardDeviation > 1e-8 { a /= standardDeviation }
        if useBaseline {
            baseline = count == 1 ? metaReward : baselineDecay * baseline + (1 - baselineDecay) * metaReward
        }
        return a
    }
}
