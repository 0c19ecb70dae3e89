import MetaExploreRandom

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
