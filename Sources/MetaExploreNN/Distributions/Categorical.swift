import MetaExploreRandom
import MetaExploreTensor

/// A batch of categorical distributions over k outcomes, parameterized by unnormalized logits [N, k]:
/// p(a) = softmax(logits)ₐ.
///
/// Log-probabilities go through `logSoftmax` (stable for large logits) and a `gather`, so they, the entropy and the
/// KL divergence are differentiable to any order (policy gradients, TRPO's Fisher-vector products, DiCE).
public struct Categorical {
    public let logits: Tensor

    public init(logits: Tensor) {
        precondition(logits.rank == 2 && logits.shape[1] > 0, "Categorical needs logits [N, k], got \(logits.shape)")
        self.logits = logits
    }

    public var batchSize: Int { logits.shape[0] }
    public var outcomeCount: Int { logits.shape[1] }

    /// log p, [N, k].
    public var logProbabilities: Tensor { logits.logSoftmax() }

    /// p, [N, k].
    public var probabilities: Tensor { logits.softmax() }

    /// log p(aₙ) for one action per row, [N].
    public func logProbability(_ actions: [Int]) -> Tensor {
        precondition(actions.count == batchSize, "Categorical.logProbability: \(actions.count) actions for \(batchSize) rows")
        return logProbabilities.gather(indices: actions, axis: -1).reshaped([batchSize])
    }

    /// log p with −∞ (outcomes masked by a −∞ logit) replaced by a large finite negative value, so that the terms
    /// p·log p of impossible outcomes are 0 rather than 0·(−∞) = NaN (their gradient is 0 either way).
    private var finiteLogProbabilities: Tensor { logProbabilities.clamped(min: -1e30) }

    /// H(p) = −Σₐ p(a) log p(a), [N] (impossible outcomes contribute 0).
    public func entropy() -> Tensor {
        -(probabilities * finiteLogProbabilities).sum(axes: [-1])
    }

    /// KL(self ‖ other) = Σₐ p(a)(log p(a) − log q(a)), [N]. Outcomes impossible under `self` contribute 0; an
    /// outcome possible under `self` but impossible under `other` gives a huge finite value instead of +∞.
    public func kl(to other: Categorical) -> Tensor {
        precondition(other.logits.shape == logits.shape, "Categorical.kl: logits \(logits.shape) and \(other.logits.shape)")
        return (probabilities * (finiteLogProbabilities - other.finiteLogProbabilities)).sum(axes: [-1])
    }

    /// The most likely outcome of each row (the first on ties).
    public var mode: [Int] {
        let values = logits.doubles, k = outcomeCount
        return (0..<batchSize).map { n in
            var best = 0
            for j in 1..<k where values[n * k + j] > values[n * k + best] { best = j }
            return best
        }
    }

    /// One draw per row by inverting the cumulative distribution with a uniform draw (no gradient).
    public func sample(using rng: inout RandomStream) -> [Int] {
        let p = withoutGradients { logits.softmax().doubles }
        let k = outcomeCount
        return (0..<batchSize).map { n in
            let u = rng.uniform()
            var cumulative = 0.0
            for j in 0..<k {
                cumulative += p[n * k + j]
                if u < cumulative { return j }
            }
            // Rounding left the total just below 1: take the last outcome with positive probability.
            return (0..<k).last { p[n * k + $0] > 0 } ?? (k - 1)
        }
    }
}
