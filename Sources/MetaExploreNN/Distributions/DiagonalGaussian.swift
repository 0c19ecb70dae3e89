import MetaExploreRandom
import MetaExploreTensor

/// log √(2π), the per-dimension constant of the Gaussian log-density.
let halfLogTwoPi = 0.918_938_533_204_672_7

/// A Gaussian with diagonal covariance, N(μ, diag(σ²)), parameterized by its mean and log standard deviation.
///
/// `mean` is a batch [N, d] (or a single [d]); `logStd` broadcasts to the mean's shape (a state-independent [d]
/// vector as in TRPO/PPO, or a per-sample [N, d] head as in SAC). Per-sample quantities sum over the last axis, so
/// for a batch [N, d] they have shape [N]. Everything except `sample(using:)` is built from differentiable tensor
/// ops, so log-probabilities, entropies and KL divergences can be differentiated twice (MAML, TRPO's
/// Fisher-vector products, DiCE).
public struct DiagonalGaussian {
    public let mean: Tensor
    public let logStd: Tensor

    public init(mean: Tensor, logStd: Tensor) {
        precondition(mean.rank >= 1, "DiagonalGaussian needs a mean of rank ≥ 1, got shape \(mean.shape)")
        precondition(mean.dtype == logStd.dtype, "DiagonalGaussian: mean is \(mean.dtype), logStd is \(logStd.dtype)")
        precondition(broadcastShape(mean.shape, logStd.shape) == mean.shape,
                     "DiagonalGaussian: logStd \(logStd.shape) does not broadcast to mean \(mean.shape)")
        self.mean = mean
        self.logStd = logStd
    }

    /// σ = exp(log σ), in logStd's own shape.
    public var std: Tensor { logStd.exp() }

    /// The most likely point, μ.
    public var mode: Tensor { mean }

    /// log N(x; μ, σ²) = Σᵢ [−½((xᵢ − μᵢ)/σᵢ)² − log σᵢ − ½ log 2π], summed over the last axis.
    public func logProbability(_ x: Tensor) -> Tensor {
        precondition(x.shape == mean.shape, "DiagonalGaussian.logProbability: x \(x.shape) for mean \(mean.shape)")
        let z = (x - mean) * (-logStd).exp()
        let perDimension = z.squared() * -0.5 - logStd - halfLogTwoPi
        return perDimension.broadcast(to: mean.shape).sum(axes: [-1])
    }

    /// Differential entropy Σᵢ (½ + ½ log 2π + log σᵢ), per sample.
    public func entropy() -> Tensor {
        (logStd + (0.5 + halfLogTwoPi)).broadcast(to: mean.shape).sum(axes: [-1])
    }

    /// KL(self ‖ other) = Σᵢ [log(σqᵢ/σpᵢ) + (σpᵢ² + (μpᵢ − μqᵢ)²)/(2σqᵢ²) − ½], per sample.
    public func kl(to other: DiagonalGaussian) -> Tensor {
        precondition(other.mean.shape == mean.shape, "DiagonalGaussian.kl: means \(mean.shape) and \(other.mean.shape)")
        let varianceRatio = ((logStd - other.logStd) * 2).exp()
        let scaledGap = ((mean - other.mean) * (-other.logStd).exp()).squared()
        let perDimension = (varianceRatio + scaledGap - 1) * 0.5 + (other.logStd - logStd)
        return perDimension.broadcast(to: mean.shape).sum(axes: [-1])
    }

    /// μ + σ ⊙ ε for given standard-normal noise ε (the reparameterization trick, Kingma & Welling 2014):
    /// differentiable with respect to μ and log σ.
    public func reparameterizedSample(noise: Tensor) -> Tensor {
        precondition(noise.shape == mean.shape, "DiagonalGaussian: noise \(noise.shape) for mean \(mean.shape)")
        return mean + std * noise
    }

    /// A reparameterized draw with fresh noise from `rng`.
    public func rsample(using rng: inout RandomStream) -> Tensor {
        reparameterizedSample(noise: Tensor.randomNormal(mean.shape, dtype: mean.dtype, using: &rng))
    }

    /// A draw that carries no gradient (acting in the environment).
    public func sample(using rng: inout RandomStream) -> Tensor {
        let noise = Tensor.randomNormal(mean.shape, dtype: mean.dtype, using: &rng)
        return withoutGradients { (mean + std * noise).detached() }
    }
}

/// The NumPy broadcast of two shapes (trailing axes aligned; extents must match or be 1); nil when incompatible.
func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int]? {
    let n = max(a.count, b.count)
    var out = [Int](repeating: 1, count: n)
    for i in 0..<n {
        let x = i < n - a.count ? 1 : a[i - (n - a.count)]
        let y = i < n - b.count ? 1 : b[i - (n - b.count)]
        if x == y || y == 1 { out[i] = x } else if x == 1 { out[i] = y } else { return nil }
    }
    return out
}
