import MetaExploreRandom
import MetaExploreRuntime
import MetaExploreTensor

/// One stored episode: its problem id, the trial's exploration episode (what g reads) and the episode to learn
/// from (the exploitation episode for the exploitation policy; the exploration episode itself for the exploration
/// policy, whose rewards are relabeled from it at every update, as the authors' `TrajectoryExperience` keeps a
/// reference to its trajectory).
public struct DREAMEpisodeRecord: Sendable, Equatable {
    public var problem: Int
    public var exploration: [RecurrentStep]
    public var steps: [RecurrentStep]

    public init(problem: Int, exploration: [RecurrentStep], steps: [RecurrentStep]) {
        self.problem = problem
        self.exploration = exploration
        self.steps = steps
    }

    /// The exploration episode as g reads it.
    public var explorationTransitions: [DREAMTransition] {
        exploration.map { DREAMTransition(observation: $0.observation, action: $0.action, nextObservation: $0.nextObservation) }
    }
}

/// The authors' sequential replay (`replay.SequentialReplayBuffer`) for DREAM: whole episodes, first in first out
/// beyond `capacity` episodes, sampled uniformly with replacement and cut to their first `sequenceLength` steps
/// (grid episodes have at most 20). Episodes are added when they end.
public struct DREAMReplay: Sendable {
    public let capacity: Int
    public let sequenceLength: Int
    /// The exploration policy's buffer: `steps` is the exploration episode (stored once).
    public let learnsFromExploration: Bool
    public private(set) var records: [DREAMEpisodeRecord] = []
    private var next = 0

    public init(capacity: Int, sequenceLength: Int, learnsFromExploration: Bool) {
        precondition(capacity > 0 && sequenceLength > 0, "DREAMReplay needs positive sizes")
        self.capacity = capacity
        self.sequenceLength = sequenceLength
        self.learnsFromExploration = learnsFromExploration
    }

    public var count: Int { records.count }

    public mutating func add(_ record: DREAMEpisodeRecord) {
        precondition(!record.steps.isEmpty, "DREAMReplay.add: empty episode")
        precondition(!learnsFromExploration || record.steps == record.exploration,
                     "DREAMReplay.add: an exploration record learns from its own exploration episode")
        if records.count < capacity { records.append(record) } else { records[next] = record }
        next = (next + 1) % capacity
    }

    public func sample(_ batchSize: Int, using rng: inout RandomStream) -> [DREAMEpisodeRecord] {
        precondition(!records.isEmpty, "DREAMReplay.sample on an empty buffer")
        return (0..<batchSize).map { _ in
            var r = records[rng.int(below: records.count)]
            r.steps = Array(r.steps.prefix(sequenceLength))
            return r
        }
    }

    public func saveState(into state: inout CheckpointState, prefix: String) {
        let exploration = RecurrentStepCoding.encode(records.map(\.exploration))
        state.add(prefix + "exploration_steps", exploration.steps, copy: false)
        state.add(prefix + "exploration_lengths", exploration.lengths, copy: false)
        if !learnsFromExploration {
            let steps = RecurrentStepCoding.encode(records.map(\.steps))
            state.add(prefix + "steps", steps.steps, copy: false)
            state.add(prefix + "lengths", steps.lengths, copy: false)
        }
        state.setDoubles(prefix + "problems", records.map { Double($0.problem) })
        state.set(prefix + "next", next)
        state.set(prefix + "capacity", capacity)
    }

    public mutating func restoreState(from state: CheckpointState, prefix: String) throws {
        let savedCapacity: Int = try state.value(prefix + "capacity")
        guard savedCapacity == capacity else {
            throw CheckpointStateError.incompatible("DREAM replay of \(savedCapacity) episodes, this run has \(capacity)")
        }
        let position: Int = try state.value(prefix + "next")
        let problems = try state.doubles(prefix + "problems")
        guard let explorations = RecurrentStepCoding.decode(steps: try state.tensor(prefix + "exploration_steps"),
                                                            lengths: try state.tensor(prefix + "exploration_lengths")),
              explorations.count == problems.count, problems.count <= capacity, position >= 0, position < capacity
        else { throw CheckpointStateError.incompatible("DREAM replay tensors under '\(prefix)' do not parse") }
        var steps = explorations
        if !learnsFromExploration {
            guard let decoded = RecurrentStepCoding.decode(steps: try state.tensor(prefix + "steps"),
                                                           lengths: try state.tensor(prefix + "lengths")),
                  decoded.count == problems.count
            else { throw CheckpointStateError.incompatible("DREAM replay steps under '\(prefix)' do not parse") }
            steps = decoded
        }
        records = problems.indices.map {
            DREAMEpisodeRecord(problem: Int(problems[$0]), exploration: explorations[$0], steps: steps[$0])
        }
        next = position
    }
}
