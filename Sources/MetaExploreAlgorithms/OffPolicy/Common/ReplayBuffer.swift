import MetaExploreRandom
import MetaExploreTensor

/// A fixed-capacity ring buffer of transitions (s, a, r, s′, terminated, truncated) for off-policy learning.
///
/// Storage is preallocated at creation in contiguous `Float` arrays, one per field, so memory is the raw data size
/// (`capacity × (2·obs + act + 3) × 4` bytes) with no per-transition objects. The next observation is stored
/// explicitly rather than recovered from the following slot: that doubles observation memory, but keeps every
/// transition self-contained, so episode boundaries, resets and wrap-around need no bookkeeping and the final
/// observation of a truncated episode (which is never the next slot's observation) is kept.
///
/// `terminated` and `truncated` are stored apart. Only `terminated` stops bootstrapping in the batch returned by
/// `sample`; a time-limit truncation still bootstraps from s′ (Pardo et al. 2018).
public final class ReplayBuffer: Checkpointable {
    public let capacity: Int
    public let observationSize: Int
    public let actionSize: Int
    /// The number of stored transitions (≤ capacity).
    public private(set) var count = 0
    /// The slot the next transition goes to.
    public private(set) var position = 0
    /// The number of transitions ever added.
    public private(set) var totalAdded = 0

    private var observations: [Float]
    private var actions: [Float]
    private var rewards: [Float]
    private var nextObservations: [Float]
    private var terminatedFlags: [Float]
    private var truncatedFlags: [Float]

    public init(capacity: Int, observationSize: Int, actionSize: Int) {
        precondition(capacity > 0 && observationSize > 0 && actionSize > 0, "ReplayBuffer needs positive sizes")
        self.capacity = capacity
        self.observationSize = observationSize
        self.actionSize = actionSize
        observations = [Float](repeating: 0, count: capacity * observationSize)
        actions = [Float](repeating: 0, count: capacity * actionSize)
        rewards = [Float](repeating: 0, count: capacity)
        nextObservations = [Float](repeating: 0, count: capacity * observationSize)
        terminatedFlags = [Float](repeating: 0, count: capacity)
        truncatedFlags = [Float](repeating: 0, count: capacity)
    }

    /// Bytes held by the stored arrays.
    public var storageBytes: Int {
        (observations.capacity + actions.capacity + rewards.capacity + nextObservations.capacity
            + terminatedFlags.capacity + truncatedFlags.capacity) * MemoryLayout<Float>.stride
    }

    /// Appends a transition, overwriting the oldest one when full.
    public func add(observation: [Double], action: [Double], reward: Double, nextObservation: [Double],
                    terminated: Bool, truncated: Bool) {
        precondition(observation.count == observationSize && nextObservation.count == observationSize,
                     "ReplayBuffer.add: observation size \(observation.count), expected \(observationSize)")
        precondition(action.count == actionSize, "ReplayBuffer.add: action size \(action.count), expected \(actionSize)")
        let i = position
        let o = i * observationSize, a = i * actionSize
        for k in 0..<observationSize {
            observations[o + k] = Float(observation[k])
            nextObservations[o + k] = Float(nextObservation[k])
        }
        for k in 0..<actionSize { actions[a + k] = Float(action[k]) }
        rewards[i] = Float(reward)
        terminatedFlags[i] = terminated ? 1 : 0
        truncatedFlags[i] = truncated ? 1 : 0
        position = (position + 1) % capacity
        count = min(count + 1, capacity)
        totalAdded += 1
    }

    /// Appends a transition record.
    public func add(_ t: Transition) {
        add(observation: t.observation, action: t.action, reward: t.reward, nextObservation: t.nextObservation,
            terminated: t.terminated, truncated: t.truncated)
    }

    /// The transition in slot `i` (0 ≤ i < count), for inspection and tests.
    public func transition(at i: Int) -> Transition {
        precondition(i >= 0 && i < count, "ReplayBuffer: slot \(i) not filled (count \(count))")
        let o = i * observationSize, a = i * actionSize
        return Transition(
            observation: observations[o..<(o + observationSize)].map(Double.init),
            action: actions[a..<(a + actionSize)].map(Double.init), reward: Double(rewards[i]),
            nextObservation: nextObservations[o..<(o + observationSize)].map(Double.init),
            terminated: terminatedFlags[i] != 0, truncated: truncatedFlags[i] != 0)
    }

    /// Indices drawn uniformly with replacement.
    public func sampleIndices(_ batchSize: Int, using rng: inout RandomStream) -> [Int] {
        precondition(count > 0, "ReplayBuffer.sample on an empty buffer")
        return (0..<batchSize).map { _ in rng.int(below: count) }
    }

    /// A minibatch drawn uniformly with replacement. `transform` (e.g. observation normalization) is applied to
    /// each observation row in place.
    public func sample(_ batchSize: Int, using rng: inout RandomStream,
                       transformObservation transform: ((UnsafeMutableBufferPointer<Float>) -> Void)? = nil) -> TransitionBatch {
        precondition(batchSize > 0, "ReplayBuffer.sample: batch size must be positive")
        return batch(indices: sampleIndices(batchSize, using: &rng), transformObservation: transform)
    }

    /// The batch of the given slots.
    public func batch(indices: [Int],
                      transformObservation transform: ((UnsafeMutableBufferPointer<Float>) -> Void)? = nil) -> TransitionBatch {
        let b = indices.count, os = observationSize, as_ = actionSize
        let obs = Tensor.zeros([b, os]), next = Tensor.zeros([b, os]), act = Tensor.zeros([b, as_])
        let rew = Tensor.zeros([b, 1]), term = Tensor.zeros([b, 1])
        func gather(_ source: [Float], _ width: Int, into t: Tensor, transform: ((UnsafeMutableBufferPointer<Float>) -> Void)?) {
            source.withUnsafeBufferPointer { src in
                t.withUnsafeMutableFloats { dst in
                    for (r, i) in indices.enumerated() {
                        let row = UnsafeMutableBufferPointer(rebasing: dst[(r * width)..<(r * width + width)])
                        row.baseAddress!.update(from: src.baseAddress! + i * width, count: width)
                        transform?(row)
                    }
                }
            }
        }
        gather(observations, os, into: obs, transform: transform)
        gather(nextObservations, os, into: next, transform: transform)
        gather(actions, as_, into: act, transform: nil)
        gather(rewards, 1, into: rew, transform: nil)
        gather(terminatedFlags, 1, into: term, transform: nil)
        return TransitionBatch(observations: obs, actions: act, rewards: rew, nextObservations: next, terminated: term)
    }

    // MARK: - Checkpoints

    /// Saves the filled slots (`count` rows of each field) and the counters.
    public func saveState(into state: inout CheckpointState, prefix: String) {
        let n = count
        func rows(_ a: [Float], _ width: Int) -> Tensor {
            let t = Tensor.zeros([n, width])
            a.withUnsafeBufferPointer { src in
                t.withUnsafeMutableFloats { dst in
                    if n > 0 { dst.baseAddress!.update(from: src.baseAddress!, count: n * width) }
                }
            }
            return t
        }
        state.add(prefix + "observations", rows(observations, observationSize), copy: false)
        state.add(prefix + "actions", rows(actions, actionSize), copy: false)
        state.add(prefix + "rewards", rows(rewards, 1), copy: false)
        state.add(prefix + "next_observations", rows(nextObservations, observationSize), copy: false)
        state.add(prefix + "terminated", rows(terminatedFlags, 1), copy: false)
        state.add(prefix + "truncated", rows(truncatedFlags, 1), copy: false)
        state.set(prefix + "count", count)
        state.set(prefix + "position", position)
        state.set(prefix + "total_added", totalAdded)
        state.set(prefix + "capacity", capacity)
    }

    public func restoreState(from state: CheckpointState, prefix: String) throws {
        let savedCapacity: Int = try state.value(prefix + "capacity")
        guard savedCapacity == capacity else {
            throw CheckpointStateError.incompatible("replay capacity \(savedCapacity), this run has \(capacity)")
        }
        let n: Int = try state.value(prefix + "count")
        let pos: Int = try state.value(prefix + "position")
        guard n >= 0, n <= capacity, pos >= 0, pos < capacity else {
            throw CheckpointStateError.incompatible("replay counters count=\(n) position=\(pos)")
        }
        func load(_ name: String, _ width: Int, into a: inout [Float]) throws {
            let t = try state.tensor(prefix + name)
            guard t.shape == [n, width], t.dtype == .float32 else {
                throw CheckpointStateError.shapeMismatch(prefix + name, expected: [n, width], found: t.shape)
            }
            t.withUnsafeFloats { src in
                a.withUnsafeMutableBufferPointer { dst in
                    if n > 0 { dst.baseAddress!.update(from: src.baseAddress!, count: n * width) }
                }
            }
        }
        try load("observations", observationSize, into: &observations)
        try load("actions", actionSize, into: &actions)
        try load("rewards", 1, into: &rewards)
        try load("next_observations", observationSize, into: &nextObservations)
        try load("terminated", 1, into: &terminatedFlags)
        try load("truncated", 1, into: &truncatedFlags)
        count = n
        position = pos
        totalAdded = try state.value(prefix + "total_added")
    }
}

/// One environment transition, actions in the agent's normalized units ([−1, 1]).
public struct Transition: Equatable, Sendable {
    public var observation: [Double]
    public var action: [Double]
    public var reward: Double
    public var nextObservation: [Double]
    /// The MDP ended at `nextObservation` (no bootstrapping).
    public var terminated: Bool
    /// The episode was cut by a time limit (or other outside reason); the target still bootstraps.
    public var truncated: Bool

    public init(observation: [Double], action: [Double], reward: Double, nextObservation: [Double],
                terminated: Bool, truncated: Bool) {
        self.observation = observation
        self.action = action
        self.reward = reward
        self.nextObservation = nextObservation
        self.terminated = terminated
        self.truncated = truncated
    }
}
