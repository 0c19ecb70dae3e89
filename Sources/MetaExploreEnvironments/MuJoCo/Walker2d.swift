/// Walker2d-v5 (Gymnasium 1.4): a planar biped rewarded for walking forward while staying upright.
///
/// - Model: `walker2d_v5.xml` (v5's asset, with symmetric foot friction).
/// - Observation (17 by default): `qpos[1...]` (root x excluded unless configured), then `clip(qvel, −10, 10)`.
/// - Reward: `forward_reward_weight · x_velocity + healthy_reward · [healthy] − ctrl_cost_weight · Σ action²`.
/// - Healthy (strict inequalities): `z = qpos[1]` inside `healthy_z_range` (0.8, 2.0) and `angle = qpos[2]`
///   inside `healthy_angle_range` (−1, 1). Terminated when unhealthy (if `terminate_when_unhealthy`).
/// - Reset: `qpos = init + U(−s, s)`, `qvel = init + U(−s, s)`, `s = reset_noise_scale`.
/// - Info: as Hopper.
public final class Walker2d: PlanarWalker {
    public struct Configuration: Sendable, Equatable {
        public var xmlFile = "walker2d_v5.xml"
        public var frameSkip = 4
        public var forwardRewardWeight = 1.0
        public var ctrlCostWeight = 0.001
        public var healthyReward = 1.0
        public var terminateWhenUnhealthy = true
        public var healthyZRange: ClosedRange<Double> = 0.8...2.0
        public var healthyAngleRange: ClosedRange<Double> = -1.0...1.0
        public var resetNoiseScale = 0.005
        public var excludeCurrentPositionsFromObservation = true

        public init() {}

        /// Gymnasium keyword names; ranges as `<name>_low` / `<name>_high`.
        public init(options: [String: Double]) throws {
            var r = OptionReader(options)
            try r.read("frame_skip", into: &frameSkip)
            try r.read("forward_reward_weight", into: &forwardRewardWeight)
            try r.read("ctrl_cost_weight", into: &ctrlCostWeight)
            try r.read("healthy_reward", into: &healthyReward)
            try r.read("terminate_when_unhealthy", into: &terminateWhenUnhealthy)
            try r.read("healthy_z_range", into: &healthyZRange)
            try r.read("healthy_angle_range", into: &healthyAngleRange)
            try r.read("reset_noise_scale", into: &resetNoiseScale)
            try r.read("exclude_current_positions_from_observation", into: &excludeCurrentPositionsFromObservation)
            try r.finish("Walker2d-v5")
        }
    }

    public let configuration: Configuration

    public init(configuration: Configuration = Configuration()) throws {
        self.configuration = configuration
        let c = configuration
        try super.init(asset: c.xmlFile, frameSkip: c.frameSkip, settings: Settings(
            forwardRewardWeight: c.forwardRewardWeight, ctrlCostWeight: c.ctrlCostWeight, healthyReward: c.healthyReward,
            terminateWhenUnhealthy: c.terminateWhenUnhealthy, resetNoiseScale: c.resetNoiseScale,
            excludeCurrentPositionsFromObservation: c.excludeCurrentPositionsFromObservation))
    }

    /// Gymnasium's `is_healthy` for the current state.
    public override var isHealthy: Bool {
        let z = simulation.qpos[1], angle = simulation.qpos[2]
        let c = configuration
        return c.healthyZRange.lowerBound < z && z < c.healthyZRange.upperBound
            && c.healthyAngleRange.lowerBound < angle && angle < c.healthyAngleRange.upperBound
    }
}
