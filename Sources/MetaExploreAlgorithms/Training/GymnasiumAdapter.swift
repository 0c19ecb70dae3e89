import MetaExploreEnvironments

/// Runs any `MetaExploreEnvironments.Environment` with a box action space under the training runner.
///
/// The runner maps the agent's [−1, 1] actions onto `actionLow…actionHigh`; this adapter forwards Gymnasium's
/// five-tuple, keeping terminated and truncated apart (only a termination stops bootstrapping).
public final class GymnasiumTrainingEnvironment: TrainingEnvironment {
    public let environment: any Environment
    public let id: String
    public let observationSize: Int
    public let actionLow: [Double]
    public let actionHigh: [Double]

    /// Wraps an environment; fails for discrete or unbounded action spaces.
    public init(_ environment: any Environment, id: String) throws {
        guard case .box(let box) = environment.actionSpace else {
            throw TrainingSetupError.unsupportedActionSpace(id, environment.actionSpace.description)
        }
        guard box.isBounded else { throw TrainingSetupError.unsupportedActionSpace(id, box.description) }
        self.environment = environment
        self.id = id
        observationSize = environment.observationSpace.count
        actionLow = box.low
        actionHigh = box.high
    }

    /// `make(id)` from the environment registry (Gymnasium's default time limit included).
    public convenience init(id: String, options: [String: Double] = [:]) throws {
        try self.init(make(id, options: options), id: id)
    }

    public func reset(seed: UInt64) throws -> [Double] {
        try environment.reset(seed: seed, options: [:]).observation
    }

    public func step(_ action: [Double]) throws -> EnvironmentStep {
        let r = try environment.step(action)
        return EnvironmentStep(observation: r.observation, reward: r.reward, terminated: r.terminated, truncated: r.truncated)
    }
}

/// Problems found while setting a run up, before any training step.
public enum TrainingSetupError: Error, CustomStringConvertible, Equatable {
    case unsupportedActionSpace(String, String)
    case runFolderInUse(String)
    case noCheckpoint(String)

    public var description: String {
        switch self {
        case let .unsupportedActionSpace(id, space):
            return "\(id) has action space \(space); the off-policy learners need a bounded continuous (Box) space"
        case .runFolderInUse(let path):
            return "the run folder \(path) already holds a run; pass --resume to continue it or choose another --out"
        case .noCheckpoint(let path):
            return "no checkpoint to resume from in \(path) (expected checkpoints/latest.safetensors)"
        }
    }
}
