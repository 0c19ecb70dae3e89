/// Tracks each episode's undiscounted return and length (Gymnasium's `RecordEpisodeStatistics`).
///
/// On the step that ends an episode (terminated or truncated), `info` gains `episode_return` and
/// `episode_length`, and the pair is appended to `returnQueue` / `lengthQueue` (the last `bufferLength`
/// episodes).
public final class RecordEpisodeStatistics: EnvironmentWrapper {
    public let inner: Environment
    public let bufferLength: Int
    public private(set) var episodeReturn = 0.0
    public private(set) var episodeLength = 0
    public private(set) var episodeCount = 0
    public private(set) var returnQueue: [Double] = []
    public private(set) var lengthQueue: [Int] = []

    public init(_ env: Environment, bufferLength: Int = 100) {
        inner = env
        self.bufferLength = bufferLength
    }

    public var observationSpace: Box { inner.observationSpace }
    public var actionSpace: Space { inner.actionSpace }

    public func reset(seed: UInt64?, options: [String: Double]) throws -> (observation: [Double], info: Info) {
        episodeReturn = 0
        episodeLength = 0
        return try inner.reset(seed: seed, options: options)
    }

    public func step(_ action: [Double]) throws -> StepResult {
        var r = try inner.step(action)
        episodeReturn += r.reward
        episodeLength += 1
        if r.done {
            r.info["episode_return"] = episodeReturn
            r.info["episode_length"] = Double(episodeLength)
            returnQueue.append(episodeReturn)
            lengthQueue.append(episodeLength)
            if returnQueue.count > bufferLength {
                returnQueue.removeFirst()
                lengthQueue.removeFirst()
            }
            episodeCount += 1
        }
        return r
    }
}
