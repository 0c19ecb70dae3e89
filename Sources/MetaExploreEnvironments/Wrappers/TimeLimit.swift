/// Ends episodes after `maxEpisodeSteps` steps by setting `truncated` (never `terminated`), like Gymnasium's
/// `TimeLimit`. The counter restarts at every `reset`.
public final class TimeLimit: EnvironmentWrapper {
    public let inner: Environment
    public let maxEpisodeSteps: Int
    /// Steps taken in the current episode.
    public private(set) var elapsedSteps = 0

    /// Throws `EnvironmentError.invalidConfiguration` unless `maxEpisodeSteps` is positive.
    public init(_ env: Environment, maxEpisodeSteps: Int) throws {
        guard maxEpisodeSteps > 0 else {
            throw EnvironmentError.invalidConfiguration("maxEpisodeSteps must be positive, got \(maxEpisodeSteps)")
        }
        inner = env
        self.maxEpisodeSteps = maxEpisodeSteps
    }

    public var observationSpace: Box { inner.observationSpace }
    public var actionSpace: Space { inner.actionSpace }

    public func reset(seed: UInt64?, options: [String: Double]) throws -> (observation: [Double], info: Info) {
        elapsedSteps = 0
        return try inner.reset(seed: seed, options: options)
    }

    public func step(_ action: [Double]) throws -> StepResult {
        var result = try inner.step(action)
        elapsedSteps += 1
        if elapsedSteps >= maxEpisodeSteps { result.truncated = true }
        return result
    }
}
