import MetaExploreRandom
import MetaExploreRuntime
import MetaExploreTensor

/// One step as the recurrent DQN stores it: the inputs of the experience embedding at the step (observation,
/// instruction, previous action, previous reward, done flag of the previous step), the action, the reward it
/// earned (the reward the loss uses: zero for a trial's exploration episode in the baselines), whether the
/// episode ended (no bootstrap), and the next step's embedding inputs.
public struct RecurrentStep: Sendable, Equatable {
    public var observation: [Int]
    public var instruction: [Int]
    /// Previous action, −1 at the first step (embedded as action + 1, the authors' convention).
    public var previousAction: Int
    public var previousReward: Double
    /// The `done` input: true right after an inner episode ended inside a multi-episode trial.
    public var previousDone: Bool
    public var action: Int
    public var reward: Double
    public var done: Bool
    public var nextObservation: [Int]
    public var nextInstruction: [Int]
    public var nextPreviousReward: Double
    public var nextPreviousDone: Bool

    public init(observation: [Int], instruction: [Int] = [], previousAction: Int, previousReward: Double,
                previousDone: Bool = false, action: Int, reward: Double, done: Bool, nextObservation: [Int],
                nextInstruction: [Int]? = nil, nextPreviousReward: Double? = nil, nextPreviousDone: Bool = false) {
        self.observation = observation
        self.instruction = instruction
        self.previousAction = previousAction
        self.previousReward = previousReward
        self.previousDone = previousDone
        self.action = action
        self.reward = reward
        self.done = done
        self.nextObservation = nextObservation
        self.nextInstruction = nextInstruction ?? instruction
        self.nextPreviousReward = nextPreviousReward ?? reward
        self.nextPreviousDone = nextPreviousDone
    }
}

/// A padded batch of sequences: `steps[b][t]` for t < `lengths[b]`, padding (a copy of the last real step)
/// beyond; `mask[b][t]` is 1 on real steps and 0 on padding.
public struct SequenceBatch: Sendable {
    public var steps: [[RecurrentStep]]
    public var mask: [[Double]]
    public var lengths: [Int]

    public init(steps: [[RecurrentStep]], mask: [[Double]], lengths: [Int]) {
        precondition(steps.count == mask.count && steps.count == lengths.count, "SequenceBatch: mismatched counts")
        self.steps = steps
        self.mask = mask
        self.lengths = lengths
    }

    public var batchSize: Int { steps.count }
    public var sequenceLength: Int { steps.first?.count ?? 0 }
}

/// The authors' sequential replay buffer (`replay.SequentialReplayBuffer`).
///
/// - Steps are added in order; a step with `done` closes the current sequence (an episode, or a whole trial for
///   the baselines, whose inner episode ends are not `done`), and the next step opens a new one. Sequences never
///   cross an episode boundary.
/// - Capacity counts sequences (first in, first out once full).
/// - `sample` draws sequences uniformly with replacement and returns each from its *first* step, cut to
///   `sequenceLength` (the authors slice from 0, so every sequence starts from the zero recurrent state and there is
///   no burn-in: the LSTM sees each sequence from its true start). Shorter sequences are padded and masked.
/// - An unfinished sequence (the episode still running) is not sampled (the authors' buffer could return it
///   half-written).
public struct SequenceReplayBuffer: Sendable {
    public let capacity: Int
    public let sequenceLength: Int
    public private(set) var sequences: [[RecurrentStep]] = []
    private var next = 0
    private var open: [RecurrentStep] = []

    public init(capacity: Int, sequenceLength: Int) {
        precondition(capacity > 0 && sequenceLength > 0, "SequenceReplayBuffer needs positive sizes")
        self.capacity = capacity
        self.sequenceLength = sequenceLength
    }

    /// Number of finished sequences stored.
    public var count: Int { sequences.count }

    public mutating func add(_ step: RecurrentStep) {
        open.append(step)
        guard step.done else { return }
        if sequences.count < capacity { sequences.append(open) } else { sequences[next] = open }
        next = (next + 1) % capacity
        open = []
    }

    public func sample(_ batchSize: Int, using rng: inout RandomStream) -> SequenceBatch {
        precondition(!sequences.isEmpty, "SequenceReplayBuffer.sample on an empty buffer")
        let chosen = (0..<batchSize).map { _ in Array(sequences[rng.int(below: sequences.count)].prefix(sequenceLength)) }
        let longest = chosen.map(\.count).max()!
        var steps: [[RecurrentStep]] = [], mask: [[Double]] = []
        for s in chosen {
            steps.append(s + Array(repeating: s[s.count - 1], count: longest - s.count))
            mask.append(Array(repeating: 1, count: s.count) + Array(repeating: 0, count: longest - s.count))
        }
        return SequenceBatch(steps: steps, mask: mask, lengths: chosen.map(\.count))
    }
}

// MARK: - Checkpoints

/// Writes lists of steps into one flat float64 tensor, exactly (integers and rewards are representable), with
/// variable-length observations and instructions: per step [n, obs…, m, instruction…, previous action, previous
/// reward, previous done, action, reward, done, n′, next obs…, m′, next instruction…, next previous reward,
/// next previous done].
public enum RecurrentStepCoding {
    public static func encode(_ sequences: [[RecurrentStep]]) -> (steps: Tensor, lengths: Tensor) {
        var flat: [Double] = []
        for sequence in sequences {
            for s in sequence {
                flat.append(Double(s.observation.count)); flat += s.observation.map(Double.init)
                flat.append(Double(s.instruction.count)); flat += s.instruction.map(Double.init)
                flat += [Double(s.previousAction), s.previousReward, s.previousDone ? 1 : 0, Double(s.action), s.reward,
                         s.done ? 1 : 0]
                flat.append(Double(s.nextObservation.count)); flat += s.nextObservation.map(Double.init)
                flat.append(Double(s.nextInstruction.count)); flat += s.nextInstruction.map(Double.init)
                flat += [s.nextPreviousReward, s.nextPreviousDone ? 1 : 0]
            }
        }
        return (Tensor(shape: [flat.count], doubles: flat, dtype: .float64),
                Tensor(shape: [sequences.count], doubles: sequences.map { Double($0.count) }, dtype: .float64))
    }

    /// The sequences written by `encode`, or nil when the tensors do not parse.
    public static func decode(steps: Tensor, lengths: Tensor) -> [[RecurrentStep]]? {
        let flat = steps.doubles
        var i = 0
        func next() -> Double? {
            guard i < flat.count else { return nil }
            defer { i += 1 }
            return flat[i]
        }
        func ints() -> [Int]? {
            guard let n = next(), n >= 0, n == n.rounded(), i + Int(n) <= flat.count else { return nil }
            defer { i += Int(n) }
            return flat[i..<(i + Int(n))].map { Int($0) }
        }
        var out: [[RecurrentStep]] = []
        for length in lengths.doubles {
            guard length >= 0, length == length.rounded() else { return nil }
            var sequence: [RecurrentStep] = []
            for _ in 0..<Int(length) {
                guard let obs = ints(), let instruction = ints(), let pa = next(), let pr = next(), let pd = next(),
                      let a = next(), let r = next(), let d = next(), let nobs = ints(), let ninstruction = ints(),
                      let npr = next(), let npd = next() else { return nil }
                sequence.append(RecurrentStep(observation: obs, instruction: instruction, previousAction: Int(pa),
                                              previousReward: pr, previousDone: pd != 0, action: Int(a), reward: r,
                                              done: d != 0, nextObservation: nobs, nextInstruction: ninstruction,
                                              nextPreviousReward: npr, nextPreviousDone: npd != 0))
            }
            out.append(sequence)
        }
        return i == flat.count ? out : nil
    }
}

extension SequenceReplayBuffer {
    /// Saves the stored sequences, the running (unfinished) one and the replacement position.
    public func saveState(into state: inout CheckpointState, prefix: String) {
        let stored = RecurrentStepCoding.encode(sequences), running = RecurrentStepCoding.encode([open])
        state.add(prefix + "steps", stored.steps, copy: false)
        state.add(prefix + "lengths", stored.lengths, copy: false)
        state.add(prefix + "open_steps", running.steps, copy: false)
        state.add(prefix + "open_lengths", running.lengths, copy: false)
        state.set(prefix + "next", next)
        state.set(prefix + "capacity", capacity)
        state.set(prefix + "sequence_length", sequenceLength)
    }

    /// Restores a state saved by `saveState` from a buffer of the same capacity and sequence length; checks
    /// everything before changing anything.
    public mutating func restoreState(from state: CheckpointState, prefix: String) throws {
        let savedCapacity: Int = try state.value(prefix + "capacity")
        let savedLength: Int = try state.value(prefix + "sequence_length")
        guard savedCapacity == capacity, savedLength == sequenceLength else {
            throw CheckpointStateError.incompatible(
                "sequence replay \(savedCapacity)×\(savedLength), this run has \(capacity)×\(sequenceLength)")
        }
        let position: Int = try state.value(prefix + "next")
        guard let stored = RecurrentStepCoding.decode(steps: try state.tensor(prefix + "steps"),
                                                      lengths: try state.tensor(prefix + "lengths")),
              let running = RecurrentStepCoding.decode(steps: try state.tensor(prefix + "open_steps"),
                                                       lengths: try state.tensor(prefix + "open_lengths")),
              running.count == 1, stored.count <= capacity, position >= 0, position < capacity else {
            throw CheckpointStateError.incompatible("sequence replay tensors under '\(prefix)' do not parse")
        }
        sequences = stored
        open = running[0]
        next = position
    }
}
