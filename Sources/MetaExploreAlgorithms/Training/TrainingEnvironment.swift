/// What the training runner needs from an environment: a continuous-action task with box-bounded actions.
///
/// This is deliberately small so any environment implementation can be adapted to it (Gymnasium-style
/// environments need only forward `reset(seed:)`, `step(_:)` and the action space's bounds).
public protocol TrainingEnvironment: AnyObject {
    /// The length of an observation vector.
    var observationSize: Int { get }
    /// Lower bounds of the action box (one per action dimension).
    var actionLow: [Double] { get }
    /// Upper bounds of the action box.
    var actionHigh: [Double] { get }
    /// Starts an episode; the runner always passes a seed drawn from its own stream, so episodes are reproducible
    /// and a resumed run sees the same episode starts as an uninterrupted one.
    func reset(seed: UInt64) throws -> [Double]
    /// Applies an action (in the environment's units, inside the bounds).
    func step(_ action: [Double]) throws -> EnvironmentStep
}

/// The result of one environment step.
public struct EnvironmentStep: Sendable {
    public var observation: [Double]
    public var reward: Double
    /// The MDP reached a terminal state (no bootstrapping from `observation`).
    public var terminated: Bool
    /// The episode was cut (time limit); `observation` is still a valid state to bootstrap from.
    public var truncated: Bool

    public init(observation: [Double], reward: Double, terminated: Bool, truncated: Bool) {
        self.observation = observation
        self.reward = reward
        self.terminated = terminated
        self.truncated = truncated
    }
}

extension TrainingEnvironment {
    public var actionSize: Int { actionLow.count }

    /// Maps a normalized action in [−1, 1] to the action box: low + (a + 1)/2·(high − low), clipped to the box.
    public func scaledAction(_ a: [Double]) -> [Double] {
        let low = actionLow, high = actionHigh
        return (0..<a.count).map { i in
            let x = low[i] + (min(max(a[i], -1), 1) + 1) * 0.5 * (high[i] - low[i])
            return min(max(x, low[i]), high[i])
        }
    }
}
