import Foundation

/// Reacher-v5 (Gymnasium 1.4): move a two-link arm's fingertip to a random target.
///
/// - Observation (10): `cos(qpos[0...1])`, `sin(qpos[0...1])`, target position `qpos[2...3]`, `qvel[0...1]`,
///   and the x, y components of `fingertip − target` (body world positions).
/// - Reward: `−‖fingertip − target‖ · reward_dist_weight − Σ action² · reward_control_weight` (the control
///   term is float32).
/// - Never terminates; `make` adds the 50-step time limit.
/// - Reset: `qpos = U(−0.1, 0.1) + init`; the goal is drawn from `U(−0.2, 0.2)²` until its norm is below 0.2
///   and written to `qpos[2...3]`; `qvel = init + U(−0.005, 0.005)` with the target's velocities set to 0.
/// - Info: `reward_dist`, `reward_ctrl`.
public final class Reacher: MuJoCoEnvironment {
    public struct Configuration: Sendable, Equatable {
        public var xmlFile = "reacher.xml"
        public var frameSkip = 2
        public var rewardDistWeight = 1.0
        public var rewardControlWeight = 1.0

        public init() {}

        /// Gymnasium keyword names: `frame_skip`, `reward_dist_weight`, `reward_control_weight`.
        public init(options: [String: Double]) throws {
            var r = OptionReader(options)
            try r.read("frame_skip", into: &frameSkip)
            try r.read("reward_dist_weight", into: &rewardDistWeight)
            try r.read("reward_control_weight", into: &rewardControlWeight)
            try r.finish("Reacher-v5")
        }
    }

    public let configuration: Configuration
    private var fingertip = 0
    private var target = 0
    static let stepKeys = ["reward_dist", "reward_ctrl"]

    public init(configuration: Configuration = Configuration()) throws {
        self.configuration = configuration
        try super.init(asset: configuration.xmlFile, frameSkip: configuration.frameSkip, observationCount: 10)
        fingertip = try simulation.bodyID("fingertip")
        target = try simulation.bodyID("target")
    }

    override func resetModel() {
        var qpos = initialQpos
        for i in qpos.indices { qpos[i] = random.uniform(-0.1, 0.1) + initialQpos[i] }
        var goal: (Double, Double)
        repeat {
            goal = (random.uniform(-0.2, 0.2), random.uniform(-0.2, 0.2))
        } while !((goal.0 * goal.0 + goal.1 * goal.1).squareRoot() < 0.2)
        let n = qpos.count
        qpos[n - 2] = goal.0
        qpos[n - 1] = goal.1
        var qvel = uniformNoise(initialQvel, scale: 0.005)
        qvel[qvel.count - 2] = 0
        qvel[qvel.count - 1] = 0
        simulation.setStateUnchecked(qpos: qpos, qvel: qvel)
    }

    private var fingertipToTarget: (Double, Double, Double) {
        let x = simulation.xpos
        let f = 3 * fingertip, t = 3 * target
        return (x[f] - x[t], x[f + 1] - x[t + 1], x[f + 2] - x[t + 2])
    }

    override func observation() -> [Double] {
        let q = simulation.qpos, v = simulation.qvel
        let d = fingertipToTarget
        return [cos(q[0]), cos(q[1]), sin(q[0]), sin(q[1]), q[2], q[3], v[0], v[1], d.0, d.1]
    }

    override func finishStep(xBefore: Double) -> StepResult {
        let obs = observation()
        let d = fingertipToTarget
        let rewardDist = -(d.0 * d.0 + d.1 * d.1 + d.2 * d.2).squareRoot() * configuration.rewardDistWeight
        let rewardCtrl = -controlCost32(weight: configuration.rewardControlWeight)
        let reward = rewardDist + Double(rewardCtrl)
        return StepResult(
            observation: obs, reward: reward, terminated: false, truncated: false,
            info: Info(keys: Self.stepKeys, values: [rewardDist, Double(rewardCtrl)]))
    }
}
