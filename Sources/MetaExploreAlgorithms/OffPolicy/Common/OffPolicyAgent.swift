import MetaExploreRandom
import MetaExploreTensor

/// An off-policy agent as the training runner sees it: it picks actions, stores what happened, updates itself,
/// and saves and restores its complete state.
///
/// Actions are in normalized units, [−1, 1] per dimension; the runner maps them to the environment's bounds.
/// Observations are the environment's raw observations (an agent normalizes them itself if configured).
public protocol OffPolicyAgent: Checkpointable {
    var observationSize: Int { get }
    var actionSize: Int { get }
    /// The action for an observation: with exploration noise when `explore`, the deterministic policy otherwise.
    func act(_ observation: [Double], explore: Bool) -> [Double]
    /// Stores a transition (replay buffer, observation statistics).
    func observe(_ transition: Transition)
    /// Called before the first step of every training episode (noise resets, parameter perturbation).
    func startEpisode()
    /// Whether enough data has been stored for `update()`.
    var canUpdate: Bool { get }
    /// One learner update; returns its measurements (keys among `metricNames`).
    func update() -> MetricsRecord
    /// The names of the measurements `update()` returns (fixed, for log headers).
    var metricNames: [String] { get }
    /// The name of the first parameter holding a NaN or infinity, if any.
    func firstNonFiniteParameter() -> String?
}

/// The name of the first tensor in the list holding a NaN or infinity.
public func firstNonFinite(_ list: [(name: String, tensor: Tensor)]) -> String? {
    for (name, t) in list {
        switch t.dtype {
        case .float32: if t.withUnsafeFloats({ $0.contains { !$0.isFinite } }) { return name }
        case .float64: if t.withUnsafeDoubles({ $0.contains { !$0.isFinite } }) { return name }
        }
    }
    return nil
}

/// The parts every off-policy agent shares: replay buffer, optional observation normalizer, additive action noise
/// and the agent's random streams (noise draws and minibatch sampling, kept apart so they never shift each other).
public final class OffPolicyAgentCore: Checkpointable {
    public let settings: OffPolicyAgentSettings
    public let replay: ReplayBuffer
    public let normalizer: ObservationNormalizer?
    /// Gaussian or Ornstein–Uhlenbeck noise (nil for `.none` and `.parameter`).
    public let actionNoise: ActionNoise?
    public var noiseRNG: RandomStream
    public var sampleRNG: RandomStream

    public init(observationSize: Int, actionSize: Int, settings: OffPolicyAgentSettings, rng: RandomStream) {
        self.settings = settings
        replay = ReplayBuffer(capacity: settings.bufferSize, observationSize: observationSize, actionSize: actionSize)
        normalizer = settings.normalizeObservations
            ? ObservationNormalizer(size: observationSize, clip: settings.observationClip) : nil
        switch settings.noise {
        case .gaussian: actionNoise = GaussianActionNoise(size: actionSize, std: settings.noiseScale)
        case .ornsteinUhlenbeck: actionNoise = OrnsteinUhlenbeckNoise(size: actionSize, sigma: settings.noiseScale)
        case .none, .parameter: actionNoise = nil
        }
        noiseRNG = rng.derived("action-noise")
        sampleRNG = rng.derived("replay-sampling")
    }

    /// The observation as the networks see it.
    public func networkInput(_ observation: [Double]) -> Tensor {
        let x = normalizer?.normalize(observation) ?? observation
        return Tensor(shape: [1, x.count], doubles: x, dtype: .float32)
    }

    /// Adds exploration noise and clips to [−1, 1].
    public func explore(_ action: [Double]) -> [Double] {
        var a = action
        if let actionNoise {
            let n = actionNoise.sample(using: &noiseRNG)
            for i in 0..<a.count { a[i] += n[i] }
        }
        return a.map { min(max($0, -1), 1) }
    }

    public func observe(_ t: Transition) {
        replay.add(t)
        normalizer?.update(t.observation)
    }

    public var canUpdate: Bool { replay.count >= settings.batchSize }

    /// A uniformly sampled minibatch with normalized observations.
    public func sampleBatch() -> TransitionBatch {
        if let normalizer {
            return replay.sample(settings.batchSize, using: &sampleRNG, transformObservation: normalizer.rowNormalizer())
        }
        return replay.sample(settings.batchSize, using: &sampleRNG)
    }

    public func saveState(into state: inout CheckpointState, prefix: String) {
        replay.saveState(into: &state, prefix: prefix + "replay.")
        normalizer?.saveState(into: &state, prefix: prefix + "normalizer.")
        actionNoise?.saveState(into: &state, prefix: prefix + "noise.")
        state.setGenerator(prefix + "rng.noise", noiseRNG)
        state.setGenerator(prefix + "rng.sampling", sampleRNG)
    }

    public func restoreState(from state: CheckpointState, prefix: String) throws {
        try replay.restoreState(from: state, prefix: prefix + "replay.")
        try normalizer?.restoreState(from: state, prefix: prefix + "normalizer.")
        try actionNoise?.restoreState(from: state, prefix: prefix + "noise.")
        noiseRNG = try state.generator(prefix + "rng.noise")
        sampleRNG = try state.generator(prefix + "rng.sampling")
    }
}
