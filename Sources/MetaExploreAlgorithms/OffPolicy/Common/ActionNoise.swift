import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor

/// Additive exploration noise on actions (in the agent's normalized [−1, 1] units).
public protocol ActionNoise: Checkpointable {
    var size: Int { get }
    /// The next noise vector.
    func sample(using rng: inout RandomStream) -> [Double]
    /// Called at the start of every episode.
    func reset()
}

/// Independent N(0, σ²) per action dimension and step (TD3's exploration noise, Fujimoto et al. 2018, Sec. 6.1).
public final class GaussianActionNoise: ActionNoise {
    public let size: Int
    public let std: Double

    public init(size: Int, std: Double) {
        precondition(std >= 0, "GaussianActionNoise: std must be non-negative")
        self.size = size
        self.std = std
    }

    public func sample(using rng: inout RandomStream) -> [Double] { (0..<size).map { _ in std * rng.normal() } }
    public func reset() {}
    public func saveState(into state: inout CheckpointState, prefix: String) {}
    public func restoreState(from state: CheckpointState, prefix: String) throws {}
}

/// The Ornstein–Uhlenbeck process of DDPG (Lillicrap et al. 2016, Sec. 7; Uhlenbeck & Ornstein 1930), discretized
/// as in OpenAI baselines: x ← x + θ(μ − x)·dt + σ·√dt·N(0, 1), with θ = 0.15, σ = 0.2, dt = 1e-2 and x reset to
/// zero at the start of each episode. Its stationary variance is σ²/(2θ − θ²dt) ≈ σ²/(2θ) and its lag-k
/// autocorrelation (1 − θ·dt)ᵏ.
public final class OrnsteinUhlenbeckNoise: ActionNoise {
    public let size: Int
    public let mu: Double, sigma: Double, theta: Double, dt: Double
    public private(set) var state: [Double]

    public init(size: Int, sigma: Double = 0.2, theta: Double = 0.15, dt: Double = 1e-2, mu: Double = 0) {
        precondition(sigma >= 0 && theta > 0 && dt > 0, "OrnsteinUhlenbeckNoise: sigma ≥ 0, theta > 0, dt > 0")
        self.size = size
        self.mu = mu
        self.sigma = sigma
        self.theta = theta
        self.dt = dt
        state = [Double](repeating: 0, count: size)
    }

    public func sample(using rng: inout RandomStream) -> [Double] {
        let s = sigma * dt.squareRoot()
        for i in 0..<size { state[i] += theta * (mu - state[i]) * dt + s * rng.normal() }
        return state
    }

    public func reset() { state = [Double](repeating: 0, count: size) }

    public func saveState(into state: inout CheckpointState, prefix: String) {
        state.setDoubles(prefix + "state", self.state)
    }

    public func restoreState(from state: CheckpointState, prefix: String) throws {
        let s = try state.doubles(prefix + "state")
        guard s.count == size else { throw CheckpointStateError.badMetadata(prefix + "state", "\(s.count) values") }
        self.state = s
    }
}

/// Adaptive parameter-space noise (Plappert et al. 2018, "Parameter Space Noise for Exploration", Sec. 3 and
/// App. C): exploration uses a copy of the actor whose parameters are perturbed with N(0, σ²); σ is adapted so
/// that the perturbed policy's actions differ from the unperturbed ones by about `desiredActionStddev`:
/// d = √(mean((μ̃(s) − μ(s))²)) over a batch of states, then σ ← σ/α if d > δ, else σ ← σ·α (α = 1.01).
///
/// LayerNorm gains and biases are not perturbed (with layer normalization the perturbation of the other
/// parameters already has a consistent effect across layers, Sec. 3 of the paper).
public final class AdaptiveParameterNoise: Checkpointable {
    public let desiredActionStddev: Double
    public let adaptationCoefficient: Double
    public private(set) var currentStddev: Double
    /// The last measured action-space distance.
    public private(set) var lastDistance: Double?

    public init(initialStddev: Double = 0.1, desiredActionStddev: Double = 0.2, adaptationCoefficient: Double = 1.01) {
        precondition(initialStddev > 0 && desiredActionStddev > 0 && adaptationCoefficient > 1,
                     "AdaptiveParameterNoise: positive stddevs and a coefficient above 1")
        currentStddev = initialStddev
        self.desiredActionStddev = desiredActionStddev
        self.adaptationCoefficient = adaptationCoefficient
    }

    /// True for parameters that are perturbed: everything except LayerNorm gains and biases.
    public static func isPerturbable(_ name: String) -> Bool {
        !(name.hasSuffix(".gamma") || name.hasSuffix(".beta"))
    }

    /// Sets `perturbed` to `source` plus N(0, σ²) on the perturbable parameters.
    public func perturb(_ perturbed: Layer, from source: Layer, using rng: inout RandomStream) {
        let mine = perturbed.namedParameters, theirs = source.namedParameters
        precondition(mine.count == theirs.count, "AdaptiveParameterNoise.perturb: architectures differ")
        for (p, s) in zip(mine, theirs) {
            p.tensor.assign(s.tensor)
            guard Self.isPerturbable(p.name) else { continue }
            let sd = currentStddev
            p.tensor.withUnsafeMutableFloats { v in for i in 0..<v.count { v[i] += Float(sd * rng.normal()) } }
        }
    }

    /// The distance √(mean((a − b)²)) between two action batches.
    public static func distance(_ a: Tensor, _ b: Tensor) -> Double {
        withoutGradients { (a - b).squared().mean().item.squareRoot() }
    }

    /// Adapts σ from a measured action-space distance.
    public func adapt(distance: Double) {
        lastDistance = distance
        if distance > desiredActionStddev { currentStddev /= adaptationCoefficient } else {
            currentStddev *= adaptationCoefficient
        }
    }

    public func saveState(into state: inout CheckpointState, prefix: String) {
        state.setDoubles(prefix + "stddev", [currentStddev])
    }

    public func restoreState(from state: CheckpointState, prefix: String) throws {
        currentStddev = try state.doubles(prefix + "stddev").first ?? currentStddev
    }
}
