import MetaExploreEnvironments
import MetaExploreRandom
import MetaExploreTensor

/// One environment transition as the meta-policy gradient hands it to the replay buffer (Xu et al. 2018,
/// Algorithm 1 line 9: B ← B ∪ D0 ∪ D1).
///
/// Observations are the environment's raw observations (normalization is the buffer's/runner's business); `action`
/// is what was executed, in the student's [−1, 1] space (for a teacher: the clipped sample). `terminated` and
/// `truncated` are kept apart, as the replay buffer stores them.
public struct RolloutStep: Sendable, Equatable {
    public enum Source: String, Sendable, Codable { case teacher, student }
    public var observation: [Double]
    public var action: [Double]
    public var reward: Double
    public var nextObservation: [Double]
    public var terminated: Bool
    public var truncated: Bool
    /// Who acted: the teacher πe (D0) or the (look-ahead) student (D1).
    public var source: Source

    public init(observation: [Double], action: [Double], reward: Double, nextObservation: [Double],
                terminated: Bool, truncated: Bool, source: Source) {
        self.observation = observation
        self.action = action
        self.reward = reward
        self.nextObservation = nextObservation
        self.terminated = terminated
        self.truncated = truncated
        self.source = source
    }
}

/// Where the receiver of D0 and D1 plugs in (the runner's replay buffer).
public typealias TransitionSink = (RolloutStep) -> Void

/// An environment together with its current observation, stepping on across calls and resetting itself when an
/// episode ends (as the rollouts of OpenAI baselines' DDPG do). D0 and D1 may share one cursor (one stream of
/// experience, as in baselines) or use two (the teacher's and the student's episodes kept apart).
///
/// Student actions are in [−1, 1]; `Box.denormalize` maps them onto the environment's action box (a ↦ a·high for
/// Gymnasium's symmetric boxes — the rescaling baselines' DDPG applies).
public final class RolloutCursor {
    public let environment: Environment
    public private(set) var observation: [Double]
    /// Return and length of the episode in progress.
    public private(set) var episodeReturn = 0.0
    public private(set) var episodeLength = 0
    /// Returns of the episodes finished through this cursor, oldest first.
    public private(set) var finishedEpisodeReturns: [Double] = []
    /// Seed stream for resets (each reset draws a fresh 64-bit seed from it).
    public private(set) var resetSeeds: RandomStream
    /// The seed of the reset that started the episode in progress (nil when the caller reset the environment).
    public private(set) var episodeSeed: UInt64?
    /// The actions ([−1, 1]) executed so far in the episode in progress. With `episodeSeed` they determine the
    /// environment's internal state, which is how a checkpoint restores a cursor mid-episode (`restore`).
    public private(set) var episodeActions: [[Double]] = []
    private let box: Box

    /// Starts a cursor at `observation` (the runner already reset the environment).
    public init(environment: Environment, observation: [Double], resetSeeds: RandomStream) {
        self.environment = environment
        self.observation = observation
        self.resetSeeds = resetSeeds
        box = environment.actionSpace.box ?? Box.unbounded(environment.actionSpace.flatCount)
    }

    /// Resets the environment (seed drawn from `resetSeeds`) and starts a cursor there.
    public convenience init(environment: Environment, resetSeeds: RandomStream) throws {
        var seeds = resetSeeds
        let seed = seeds.next()
        let first = try environment.reset(seed: seed)
        self.init(environment: environment, observation: first.observation, resetSeeds: seeds)
        episodeSeed = seed
    }

    /// Maps an action in [−1, 1] to the environment's box (`Box.denormalize`).
    public func environmentAction(_ action: [Double]) -> [Double] { box.denormalize(action) }

    /// Executes `action` (in [−1, 1]), returns the transition, and resets the environment when the episode ends.
    public func step(_ action: [Double], source: RolloutStep.Source) throws -> RolloutStep {
        let result = try environment.step(environmentAction(action))
        let transition = RolloutStep(observation: observation, action: action, reward: result.reward,
                                     nextObservation: result.observation, terminated: result.terminated,
                                     truncated: result.truncated, source: source)
        episodeReturn += result.reward
        episodeLength += 1
        episodeActions.append(action)
        if result.done {
            finishedEpisodeReturns.append(episodeReturn)
            try restart()
        } else {
            observation = result.observation
        }
        return transition
    }

    /// Abandons the episode in progress (its partial return is not recorded) and resets the environment.
    public func restart() throws {
        let seed = resetSeeds.next()
        observation = try environment.reset(seed: seed).observation
        episodeSeed = seed
        episodeActions = []
        episodeReturn = 0
        episodeLength = 0
    }

    /// Puts the cursor back where a saved one stood: resets the environment with `episodeSeed` and replays
    /// `actions` (their transitions are discarded; they were delivered when first taken), then continues drawing
    /// reset seeds from `resetSeeds`. Environments are deterministic given the reset seed and the actions, so the
    /// environment's internal state (which no checkpoint holds) is rebuilt exactly; `expectedObservation`, when
    /// given, is checked against the replayed one.
    public func restore(resetSeeds: RandomStream, episodeSeed: UInt64, actions: [[Double]],
                        expectedObservation: [Double]? = nil) throws {
        observation = try environment.reset(seed: episodeSeed).observation
        self.episodeSeed = episodeSeed
        episodeActions = []
        episodeReturn = 0
        episodeLength = 0
        for a in actions {
            let result = try environment.step(environmentAction(a))
            guard !result.done else { throw RolloutCursorError.replayDiverged("the replayed episode ended early") }
            observation = result.observation
            episodeReturn += result.reward
            episodeLength += 1
            episodeActions.append(a)
        }
        if let expectedObservation, expectedObservation != observation {
            throw RolloutCursorError.replayDiverged("the replayed episode reached another state")
        }
        self.resetSeeds = resetSeeds
    }
}

/// A cursor could not be restored.
public enum RolloutCursorError: Error, CustomStringConvertible, Equatable {
    case replayDiverged(String)

    public var description: String {
        switch self {
        case .replayDiverged(let why): return "cannot restore the rollout cursor: \(why)"
        }
    }
}

/// Builds a float32 `TransitionBatch` from rollout steps, passing observations through `normalize` (the same map the
/// student is trained under).
public func transitionBatch(_ steps: [RolloutStep], normalize: ([Double]) -> [Double] = { $0 }) -> TransitionBatch {
    precondition(!steps.isEmpty, "transitionBatch: no transitions")
    let n = steps.count
    let obs = steps.flatMap { normalize($0.observation) }
    let next = steps.flatMap { normalize($0.nextObservation) }
    let obsSize = obs.count / n, actSize = steps[0].action.count
    return TransitionBatch(
        observations: Tensor(shape: [n, obsSize], doubles: obs, dtype: .float32),
        actions: Tensor(shape: [n, actSize], doubles: steps.flatMap(\.action), dtype: .float32),
        rewards: Tensor(shape: [n, 1], doubles: steps.map(\.reward), dtype: .float32),
        nextObservations: Tensor(shape: [n, obsSize], doubles: next, dtype: .float32),
        terminated: Tensor(shape: [n, 1], doubles: steps.map { $0.terminated ? 1 : 0 }, dtype: .float32))
}

/// The rows `indices` of a tensor [N, ...] (repeats allowed), as a new tensor [indices.count, ...].
func selectRows(_ t: Tensor, _ indices: [Int]) -> Tensor {
    let inner = t.shape.dropFirst().reduce(1, *)
    return t.gather(indices: indices.flatMap { repeatElement($0, count: inner) }, axis: 0)
}
