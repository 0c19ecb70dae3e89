/// HalfCheetah-v5 (Gymnasium 1.4): a planar cheetah rewarded for running forward.
///
/// - Observation (17 by default): `qpos[1...]` (the root x position is excluded unless
///   `excludeCurrentPositionsFromObservation` is false), then `qvel`.
/// - Reward: `forward_reward_weight · x_velocity − ctrl_cost_weight · Σ action²`, where
///   `x_velocity = (x_after − x_before) / dt` and the control cost is a float32 quantity (see `MuJoCoEnvironment`).
/// - Never terminates; `make` adds the 1000-step time limit.
/// - Reset: `qpos = init + U(−s, s)`, `qvel = init + s · N(0, 1)` with `s = reset_noise_scale`.
/// - Info: `x_position`, `x_velocity`, `reward_forward`, `reward_ctrl` (reset: `x_position`).
public final class HalfCheetah: MuJoCoEnvironment {
    /// Gymnasium's keyword arguments with their v5 defaults.
    public struct Configuration: Sendable, Equatable {
        public var xmlFile = "half_cheetah.xml"
        public var frameSkip = 5
        public var forwardRewardWeight = 1.0
        public var ctrlCostWeight = 0.1
        public var resetNoiseScale = 0.1
        public var excludeCurrentPositionsFromObservation = true

        public init() {}

        /// Reads Gymnasium keyword names: `frame_skip`, `forward_reward_weight`, `ctrl_cost_weight`,
        /// `reset_noise_scale`, `exclude_current_positions_from_observation`.
        public init(options: [String: Double]) throws {
            var r = OptionReader(options)
            try r.read("frame_skip", into: &frameSkip)
            try r.read("forward_reward_weight", into: &forwardRewardWeight)
            try r.read("ctrl_cost_weight", into: &ctrlCostWeight)
            try r.read("reset_noise_scale", into: &resetNoiseScale)
            try r.read("exclude_current_positions_from_observation", into: &excludeCurrentPositionsFromObservation)
            try r.finish("HalfCheetah-v5")
        }
    }

    public let configuration: Configuration
    private let skip: Int
    static let stepKeys = ["x_position", "x_velocity", "reward_forward", "reward_ctrl"]
    static let resetKeys = ["x_position"]

    public init(configuration: Configuration = Configuration()) throws {
        self.configuration = configuration
        skip = configuration.excludeCurrentPositionsFromObservation ? 1 : 0
        try super.init(asset: configuration.xmlFile, frameSkip: configuration.frameSkip, observationCount: 0)
        observationSpace = .unbounded(simulation.nq + simulation.nv - skip)
    }

    override func resetModel() {
        let s = configuration.resetNoiseScale
        let qpos = uniformNoise(initialQpos, scale: s)
        let qvel = normalNoise(initialQvel, scale: s)
        simulation.setStateUnchecked(qpos: qpos, qvel: qvel)
    }

    override func observation() -> [Double] {
        positionsThenVelocities(skippingFirst: skip)
    }

    override func resetInfo() -> Info { Info(keys: Self.resetKeys, values: [simulation.qpos[0]]) }

    override func finishStep(xBefore: Double) -> StepResult {
        let xAfter = simulation.qpos[0]
        let xVelocity = (xAfter - xBefore) / dt
        let forward = configuration.forwardRewardWeight * xVelocity
        let ctrlCost = controlCost32(weight: configuration.ctrlCostWeight)
        let reward = forward - Double(ctrlCost)
        return StepResult(
            observation: observation(), reward: reward, terminated: false, truncated: false,
            info: Info(keys: Self.stepKeys, values: [xAfter, xVelocity, forward, -Double(ctrlCost)]))
    }
}
