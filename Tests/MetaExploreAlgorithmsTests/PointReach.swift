import MetaExploreAlgorithms
import MetaExploreEnvironments
import MetaExploreRandom

/// A tiny continuous control task with a known optimum: a point on a line starts at x₀ ~ U[−1, 1] and must reach
/// 0. The action u ∈ [−0.2, 0.2] moves it (x ← clip(x + u, −2, 2)), the reward is −|x| after the move, and
/// episodes are truncated after 20 steps. The optimal policy moves toward 0 at full speed, so the optimal
/// return from x₀ is −Σₜ max(|x₀| − 0.2·t, 0), t = 1…20.
final class PointReach: Environment {
    let observationSpace = Box.unbounded(1)
    let actionSpace = Space.box(Box(low: [-0.2], high: [0.2]))
    static let horizon = 20
    private(set) var x = 0.0
    private(set) var t = 0
    private(set) var starts: [Double] = []
    var totalSteps = 0
    /// Called after every step with the total step count (used to inject failures and stop requests).
    var onStep: ((Int) -> Void)?
    /// Rewards are replaced by NaN from this total step on.
    var nanRewardFrom: Int?

    func reset(seed: UInt64?, options: [String: Double]) -> (observation: [Double], info: Info) {
        var rng = RandomStream(seed: seed ?? 0)
        x = rng.uniform(-1, 1)
        t = 0
        starts.append(x)
        return ([x], Info())
    }

    func step(_ action: [Double]) -> StepResult {
        precondition(action[0] >= -0.2 && action[0] <= 0.2, "action outside the box: \(action)")
        x = min(max(x + action[0], -2), 2)
        t += 1
        totalSteps += 1
        var reward = -abs(x)
        if let n = nanRewardFrom, totalSteps >= n { reward = .nan }
        onStep?(totalSteps)
        return StepResult(observation: [x], reward: reward, terminated: false, truncated: t >= Self.horizon)
    }

    static func optimalReturn(from x0: Double) -> Double {
        -(1...horizon).reduce(0.0) { $0 + max(abs(x0) - 0.2 * Double($1), 0) }
    }

    static func zeroActionReturn(from x0: Double) -> Double { -Double(horizon) * abs(x0) }
}
