import MetaExploreRandom
import MetaExploreTensor

/// A tanh-squashed diagonal Gaussian: a = offset + scale ⊙ tanh(u), u ~ N(μ, diag(σ²)) — the policy of SAC
/// (Haarnoja et al. 2018, "Soft Actor-Critic", Appendix C).
///
/// By the change of variables (Haarnoja et al. 2018, Eq. 21)
///     log π(a) = log N(u; μ, σ²) − Σᵢ log(1 − tanh(uᵢ)²) − Σᵢ log|scaleᵢ|,
/// where the Jacobian term is evaluated in the numerically stable form
///     log(1 − tanh(u)²) = 2(log 2 − u − softplus(−2u)),
/// which stays finite when tanh(u) rounds to ±1. `scale` and `offset` (default 1 and 0, i.e. actions in (−1, 1))
/// map the squashed value to an action box [low, high] via scale = (high − low)/2, offset = (high + low)/2.
/// The entropy has no closed form; SAC estimates it with −log π of reparameterized samples.
public struct TanhGaussian {
    /// The Gaussian over the pre-squash value u.
    public let base: DiagonalGaussian
    /// Per-dimension half-width of the action box ([d], or nil for 1).
    public let scale: Tensor?
    /// Per-dimension centre of the action box ([d], or nil for 0).
    public let offset: Tensor?

    public init(mean: Tensor, logStd: Tensor, scale: Tensor? = nil, offset: Tensor? = nil) {
        base = DiagonalGaussian(mean: mean, logStd: logStd)
        for t in [scale, offset].compactMap({ $0 }) {
            precondition(t.dtype == mean.dtype && broadcastShape(mean.shape, t.shape) == mean.shape,
                         "TanhGaussian: scale/offset \(t.dtype)\(t.shape) for mean \(mean.dtype)\(mean.shape)")
        }
        self.scale = scale
        self.offset = offset
    }

    /// A policy whose actions lie in the box [low, high] (one bound per action dimension).
    public init(mean: Tensor, logStd: Tensor, low: [Double], high: [Double]) {
        let d = mean.shape.last ?? 0
        precondition(low.count == d && high.count == d, "TanhGaussian: bounds of \(low.count)/\(high.count) for \(d) dimensions")
        precondition(zip(low, high).allSatisfy { $0 < $1 }, "TanhGaussian: every low bound must be below its high bound")
        self.init(mean: mean, logStd: logStd,
                  scale: Tensor(shape: [d], doubles: zip(low, high).map { ($1 - $0) / 2 }, dtype: mean.dtype),
                  offset: Tensor(shape: [d], doubles: zip(low, high).map { ($1 + $0) / 2 }, dtype: mean.dtype))
    }

    /// offset + scale ⊙ y.
    func squash(_ y: Tensor) -> Tensor {
        var a = y
        if let scale { a = a * scale }
        if let offset { a = a + offset }
        return a
    }

    /// The deterministic action offset + scale ⊙ tanh(μ) (used for evaluation).
    public var mode: Tensor { squash(base.mean.tanh()) }

    /// log(1 − tanh(u)²) = 2(log 2 − u − softplus(−2u)), elementwise (Haarnoja et al. 2018, App. C, stable form).
    public static func logTanhJacobian(_ u: Tensor) -> Tensor {
        ((-u) - (u * -2).softplus() + 0.693_147_180_559_945_3) * 2
    }

    /// log π(a) for the action a = squash(tanh(u)) given the pre-squash value u (exact; prefer this over
    /// `logProbability(action:)` whenever u is known).
    public func logProbability(preSquash u: Tensor) -> Tensor {
        var lp = base.logProbability(u) - TanhGaussian.logTanhJacobian(u).sum(axes: [-1])
        if let scale {
            lp = lp - scale.abs().log().broadcast(to: base.mean.shape).sum(axes: [-1])
        }
        return lp
    }

    /// log π(a) for an action in the box, inverting the squash with u = atanh(y), y clamped to ±(1 − `epsilon`)
    /// so that actions on the boundary give a finite value.
    public func logProbability(action a: Tensor, epsilon: Double = 1e-6) -> Tensor {
        var y = a
        if let offset { y = y - offset }
        if let scale { y = y / scale }
        y = y.clamped(min: -1 + epsilon, max: 1 - epsilon)
        let u = ((1 + y).log() - (1 - y).log()) * 0.5
        return logProbability(preSquash: u)
    }

    /// A reparameterized action and its log-probability for given noise ε: u = μ + σ ⊙ ε, a = squash(tanh(u)).
    /// Both are differentiable with respect to μ and log σ (the SAC actor loss).
    public func reparameterizedSample(noise: Tensor) -> (action: Tensor, logProbability: Tensor) {
        let u = base.reparameterizedSample(noise: noise)
        return (squash(u.tanh()), logProbability(preSquash: u))
    }

    /// `reparameterizedSample(noise:)` with fresh noise from `rng`.
    public func rsample(using rng: inout RandomStream) -> (action: Tensor, logProbability: Tensor) {
        reparameterizedSample(noise: Tensor.randomNormal(base.mean.shape, dtype: base.mean.dtype, using: &rng))
    }

    /// An action that carries no gradient (acting in the environment).
    public func sample(using rng: inout RandomStream) -> Tensor {
        let u = base.sample(using: &rng)
        return withoutGradients { squash(u.tanh()).detached() }
    }
}
