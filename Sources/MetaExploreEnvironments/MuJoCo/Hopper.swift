/// Hopper-v5 (Gymnasium 1.4): a one-legged planar robot rewarded for hopping forward while staying healthy.
///
/// - Observation (11 by default): `qpos[1...]` (root x excluded unless configured), then `clip(qvel, −10, 10)`.
/// - Reward: `forward_reward_weight · x_velocity + healthy_reward · [healthy] − ctrl_cost_weight · Σ action²`.
/// - Healthy (all strict inequalities): every entry of `state_vector()[2...]` (qpos[2...] and qvel) inside
///   `healthy_state_range`, `z = qpos[1]` inside `healthy_z_range`, `angle = qpos[2]` inside `healthy_angle_range`.
/// - Terminated when unhealthy (if `terminate_when_unhealthy`); `make` adds the 1000-step time limit.
/// - Reset: `qpos = init + U(−s, s)`, `qvel = init + U(−s, s)`, `s = reset_noise_scale`.
/// - Info: `x_position`, `z_distance_from_origin`, `x_velocity`, `reward_forward`, `reward_ctrl`,
///   `reward_survive` (reset: `x_position`, `z_distance_from_origin`).
public final class Hopper: PlanarWalker {
    public struct Configuration: Sendable, Equatable {
        public var xmlFile = "hopper.xml"
        public var frameSkip = 4
        public var forwardRewardWeight = 1.0
        public var ctrlCostWeight = 0.001
        public var healthyReward = 1.0
        public var terminateWhenUnhealthy = true
        public var healthyStateRange: ClosedRange<Double> = -100.0...100.0
        public var healthyZRange: ClosedRange<Double> = 0.7...Double.infinity
        public var healthyAngleRange: ClosedRange<Double> = -0.2...0.2
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
            try r.read("healthy_state_range", into: &healthyStateRange)
            try r.read("healthy_z_range", into: &healthyZRange)
            try r.read("healthy_angle_range", into: &healthyAngleRange)
            try r.read("reset_noise_scale", into: &resetNoiseScale)
            try r.read("exclude_current_positions_from_observation", into: &excludeCurrentPositionsFromObservation)
            try r.finish("Hopper-v5")
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
        let qpos = simulation.qpos, qvel = simulation.qvel
        let c = configuration
        let lo = c.healthyStateRange.lowerBound, hi = c.healthyStateRange.upperBound
        for i in 2..<qpos.count where !(lo < qpos[i] && qpos[i] < hi) { return false }
        for i in 0..<qvel.count where !(lo < qvel[i] && qvel[i] < hi) { return false }
        let z = qpos[1], angle = qpos[2]
        return c.healthyZRange.lowerBound < z && z < c.healthyZRange.upperBound
            && c.healthyAngleRange.lowerBound < angle && angle < c.healthyAngleRange.upperBound
    }
}
