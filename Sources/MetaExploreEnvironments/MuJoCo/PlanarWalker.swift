/// What Hopper-v5 and Walker2d-v5 share (Gymnasium 1.4): a planar robot rewarded for moving forward while healthy.
///
/// - Observation: `qpos[1...]` (root x excluded unless configured), then `clip(qvel, −10, 10)`.
/// - Reward: `forward_reward_weight · x_velocity + healthy_reward · [healthy] − ctrl_cost_weight · Σ action²`
///   (the control cost summed in float32, as Gymnasium does on float32 actions).
/// - Terminated when unhealthy (if `terminate_when_unhealthy`); what "healthy" means is each task's `isHealthy`.
/// - Reset: `qpos = init + U(−s, s)`, `qvel = init + U(−s, s)`, `s = reset_noise_scale`.
/// - Info: `x_position`, `z_distance_from_origin`, `x_velocity`, `reward_forward`, `reward_ctrl`,
///   `reward_survive` (reset: `x_position`, `z_distance_from_origin`).
public class PlanarWalker: MuJoCoEnvironment {
    /// The settings every planar walker reads (Gymnasium's keyword names in the subclasses' configurations).
    struct Settings {
        var forwardRewardWeight: Double
        var ctrlCostWeight: Double
        var healthyReward: Double
        var terminateWhenUnhealthy: Bool
        var resetNoiseScale: Double
        var excludeCurrentPositionsFromObservation: Bool
    }

    let settings: Settings
    private let skip: Int
    static let stepKeys = [
        "x_position", "z_distance_from_origin", "x_velocity", "reward_forward", "reward_ctrl", "reward_survive",
    ]
    static let resetKeys = ["x_position", "z_distance_from_origin"]

    init(asset: String, frameSkip: Int, settings: Settings) throws {
        self.settings = settings
        skip = settings.excludeCurrentPositionsFromObservation ? 1 : 0
        try super.init(asset: asset, frameSkip: frameSkip, observationCount: 0)
        observationSpace = .unbounded(simulation.nq + simulation.nv - skip)
    }

    /// Gymnasium's `is_healthy` for the current state (each task defines it).
    public var isHealthy: Bool { preconditionFailure("PlanarWalker subclasses define isHealthy") }

    override func resetModel() {
        let s = settings.resetNoiseScale
        simulation.setStateUnchecked(qpos: uniformNoise(initialQpos, scale: s), qvel: uniformNoise(initialQvel, scale: s))
    }

    override func observation() -> [Double] {
        positionsThenVelocities(skippingFirst: skip, velocityClip: 10)
    }

    override func resetInfo() -> Info {
        Info(keys: Self.resetKeys, values: [simulation.qpos[0], simulation.qpos[1] - initialQpos[1]])
    }

    override func finishStep(xBefore: Double) -> StepResult {
        let qpos = simulation.qpos
        let xAfter = qpos[0]
        let xVelocity = (xAfter - xBefore) / dt
        let c = settings
        let forward = c.forwardRewardWeight * xVelocity
        let healthy = isHealthy
        let survive = healthy ? c.healthyReward : 0
        let ctrlCost = controlCost32(weight: c.ctrlCostWeight)
        let reward = (forward + survive) - Double(ctrlCost)
        return StepResult(
            observation: observation(), reward: reward, terminated: !healthy && c.terminateWhenUnhealthy,
            truncated: false,
            info: Info(
                keys: Self.stepKeys,
                values: [xAfter, qpos[1] - initialQpos[1], xVelocity, forward, -Double(ctrlCost), survive]))
    }
}
