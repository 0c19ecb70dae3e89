import Foundation

/// InvertedDoublePendulum-v5 (Gymnasium 1.4): balance two stacked poles on a cart.
///
/// - Observation (9): cart position `qpos[0]`, `sin(qpos[1...2])`, `cos(qpos[1...2])`, `clip(qvel, −10, 10)`,
///   `clip(qfrc_constraint[0], −10, 10)`.
/// - Reward: `healthy_reward · [not terminated] − (0.01 x² + (y − 2)²) − (0.001 v₁² + 0.005 v₂²)` where (x, y) is
///   the tip site's world x and z, and v₁, v₂ are the hinge velocities.
/// - Terminated when the tip's height `y ≤ 1`; `make` adds the 1000-step limit.
/// - Reset: `qpos = init + U(−s, s)`, `qvel = init + s · N(0, 1)`, `s = reset_noise_scale` (0.1).
/// - Info: `reward_survive`, `distance_penalty`, `velocity_penalty`.
public final class InvertedDoublePendulum: MuJoCoEnvironment {
    public struct Configuration: Sendable, Equatable {
        public var xmlFile = "inverted_double_pendulum.xml"
        public var frameSkip = 5
        public var healthyReward = 10.0
        public var resetNoiseScale = 0.1

        public init() {}

        /// Gymnasium keyword names: `frame_skip`, `healthy_reward`, `reset_noise_scale`.
        public init(options: [String: Double]) throws {
            var r = OptionReader(options)
            try r.read("frame_skip", into: &frameSkip)
            try r.read("healthy_reward", into: &healthyReward)
            try r.read("reset_noise_scale", into: &resetNoiseScale)
            try r.finish("InvertedDoublePendulum-v5")
        }
    }

    public let configuration: Configuration
    static let stepKeys = ["reward_survive", "distance_penalty", "velocity_penalty"]

    public init(configuration: Configuration = Configuration()) throws {
        self.configuration = configuration
        try super.init(asset: configuration.xmlFile, frameSkip: configuration.frameSkip, observationCount: 9)
    }

    override func resetModel() {
        let s = configuration.resetNoiseScale
        let qpos = uniformNoise(initialQpos, scale: s)
        let qvel = normalNoise(initialQvel, scale: s)
        simulation.setStateUnchecked(qpos: qpos, qvel: qvel)
    }

    override func observation() -> [Double] {
        let q = simulation.qpos, v = simulation.qvel
        return [
            q[0], sin(q[1]), sin(q[2]), cos(q[1]), cos(q[2]),
            clip(v[0], -10, 10), clip(v[1], -10, 10), clip(v[2], -10, 10),
            clip(simulation.qfrcConstraint[0], -10, 10),
        ]
    }

    override func finishStep(xBefore: Double) -> StepResult {
        let site = simulation.siteXpos
        let x = site[0], y = site[2]
        let obs = observation()
        let terminated = y <= 1
        let v1 = simulation.qvel[1], v2 = simulation.qvel[2]
        // `**` on NumPy scalars is the C library's pow, which is not always equal to x·x.
        let distancePenalty = 0.01 * libmPow(x, 2) + libmPow(y - 2, 2)
        let velocityPenalty = 0.001 * libmPow(v1, 2) + 0.005 * libmPow(v2, 2)
        let alive = configuration.healthyReward * (terminated ? 0 : 1)
        let reward = alive - distancePenalty - velocityPenalty
        return StepResult(
            observation: obs, reward: reward, terminated: terminated, truncated: false,
            info: Info(keys: Self.stepKeys, values: [alive, -distancePenalty, -velocityPenalty]))
    }
}
