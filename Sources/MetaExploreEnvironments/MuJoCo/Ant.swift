import Foundation

/// Ant-v5 (Gymnasium 1.4): a four-legged 3D robot rewarded for moving in +x while staying healthy.
///
/// - Observation (105 by default): `qpos[2...]` (x, y excluded unless configured), `qvel`, then (if
///   `include_cfrc_ext_in_observation`) the clipped external contact forces of every body except the world
///   (`clip(cfrc_ext, contact_force_range)[1...]`, 13 × 6).
/// - Reward: `x_velocity · forward_reward_weight + healthy_reward · [healthy] − (ctrl_cost + contact_cost)`,
///   with `ctrl_cost = ctrl_cost_weight · Σ action²` (float32) and
///   `contact_cost = contact_cost_weight · Σ clip(cfrc_ext)²` over all bodies. Velocities use the main body's
///   world position (`xpos[main_body]`), positions in info use `qpos`.
/// - Healthy: the whole state vector is finite and `healthy_z_range.low ≤ qpos[2] ≤ healthy_z_range.high`
///   (inclusive). Terminated when unhealthy (if `terminate_when_unhealthy`).
/// - Reset: `qpos = init + U(−s, s)`, `qvel = init + s · N(0, 1)`.
/// - Info: `x_position`, `y_position`, `distance_from_origin`, `x_velocity`, `y_velocity`, `reward_forward`,
///   `reward_ctrl`, `reward_contact`, `reward_survive` (reset: the first three).
public final class Ant: MuJoCoEnvironment {
    public struct Configuration: Sendable, Equatable {
        public var xmlFile = "ant.xml"
        public var frameSkip = 5
        public var forwardRewardWeight = 1.0
        public var ctrlCostWeight = 0.5
        public var contactCostWeight = 5e-4
        public var healthyReward = 1.0
        /// The body whose world position measures progress (a body id; 1 is the torso).
        public var mainBody = 1
        public var terminateWhenUnhealthy = true
        public var healthyZRange: ClosedRange<Double> = 0.2...1.0
        public var contactForceRange: ClosedRange<Double> = -1.0...1.0
        public var resetNoiseScale = 0.1
        public var excludeCurrentPositionsFromObservation = true
        public var includeCfrcExtInObservation = true

        public init() {}

        /// Gymnasium keyword names; ranges as `<name>_low` / `<name>_high`; `main_body` as a body id.
        public init(options: [String: Double]) throws {
            var r = OptionReader(options)
            try r.read("frame_skip", into: &frameSkip)
            try r.read("forward_reward_weight", into: &forwardRewardWeight)
            try r.read("ctrl_cost_weight", into: &ctrlCostWeight)
            try r.read("contact_cost_weight", into: &contactCostWeight)
            try r.read("healthy_reward", into: &healthyReward)
            try r.read("main_body", into: &mainBody)
            try r.read("terminate_when_unhealthy", into: &terminateWhenUnhealthy)
            try r.read("healthy_z_range", into: &healthyZRange)
            try r.read("contact_force_range", into: &contactForceRange)
            try r.read("reset_noise_scale", into: &resetNoiseScale)
            try r.read("exclude_current_positions_from_observation", into: &excludeCurrentPositionsFromObservation)
            try r.read("include_cfrc_ext_in_observation", into: &includeCfrcExtInObservation)
            try r.finish("Ant-v5")
        }
    }

    public let configuration: Configuration
    private let skip: Int
    private var xyBefore = (0.0, 0.0)
    private var clippedForces: [Double]
    private var squaredForces: [Double] = []
    static let stepKeys = [
        "x_position", "y_position", "distance_from_origin", "x_velocity", "y_velocity", "reward_forward",
        "reward_ctrl", "reward_contact", "reward_survive",
    ]
    static let resetKeys = ["x_position", "y_position", "distance_from_origin"]

    public init(configuration: Configuration = Configuration()) throws {
        self.configuration = configuration
        skip = configuration.excludeCurrentPositionsFromObservation ? 2 : 0
        clippedForces = []
        try super.init(asset: configuration.xmlFile, frameSkip: configuration.frameSkip, observationCount: 0)
        guard configuration.mainBody >= 0 && configuration.mainBody < simulation.nbody else {
            throw EnvironmentError.invalidConfiguration("main_body \(configuration.mainBody) is not a body id")
        }
        clippedForces = [Double](repeating: 0, count: 6 * simulation.nbody)
        squaredForces = clippedForces
        let forces = configuration.includeCfrcExtInObservation ? 6 * (simulation.nbody - 1) : 0
        observationSpace = .unbounded(simulation.nq + simulation.nv - skip + forces)
    }

    override func resetModel() {
        let s = configuration.resetNoiseScale
        let qpos = uniformNoise(initialQpos, scale: s)
        let qvel = normalNoise(initialQvel, scale: s)
        simulation.setStateUnchecked(qpos: qpos, qvel: qvel)
    }

    private func updateClippedForces() {
        let raw = simulation.cfrcExt
        let lo = configuration.contactForceRange.lowerBound, hi = configuration.contactForceRange.upperBound
        for i in 0..<raw.count { clippedForces[i] = clip(raw[i], lo, hi) }
    }

    override func observation() -> [Double] {
        updateClippedForces()
        let qpos = simulation.qpos, qvel = simulation.qvel
        let np = qpos.count - skip, nv = qvel.count
        let nf = configuration.includeCfrcExtInObservation ? clippedForces.count - 6 : 0
        return clippedForces.withUnsafeBufferPointer { forces in
            [Double](unsafeUninitializedCapacity: np + nv + nf) { buf, n in
                for i in 0..<np { buf[i] = qpos[i + skip] }
                for i in 0..<nv { buf[np + i] = qvel[i] }
                for i in 0..<nf { buf[np + nv + i] = forces[6 + i] }
                n = np + nv + nf
            }
        }
    }

    /// Gymnasium's `is_healthy` for the current state.
    public var isHealthy: Bool {
        let qpos = simulation.qpos, qvel = simulation.qvel
        for v in qpos where !v.isFinite { return false }
        for v in qvel where !v.isFinite { return false }
        return configuration.healthyZRange.contains(qpos[2])
    }

    private var positionInfo: [Double] {
        let x = simulation.qpos[0], y = simulation.qpos[1]
        return [x, y, (x * x + y * y).squareRoot()]
    }

    override func resetInfo() -> Info { Info(keys: Self.resetKeys, values: positionInfo) }

    override func willStep() {
        let b = 3 * configuration.mainBody
        xyBefore = (simulation.xpos[b], simulation.xpos[b + 1])
    }

    override func finishStep(xBefore: Double) -> StepResult {
        let b = 3 * configuration.mainBody
        let xVelocity = (simulation.xpos[b] - xyBefore.0) / dt
        let yVelocity = (simulation.xpos[b + 1] - xyBefore.1) / dt
        let obs = observation()  // also refreshes the clipped contact forces
        let c = configuration
        let forward = xVelocity * c.forwardRewardWeight
        let healthy = isHealthy
        let survive = healthy ? c.healthyReward : 0
        let ctrlCost = controlCost32(weight: c.ctrlCostWeight)
        let n = clippedForces.count
        let sumOfSquares = clippedForces.withUnsafeBufferPointer { f in
            squaredForces.withUnsafeMutableBufferPointer { sq in
                for i in 0..<n { sq[i] = f[i] * f[i] }
                return numpySum(UnsafeBufferPointer(sq))
            }
        }
        let contactCost = c.contactCostWeight * sumOfSquares
        let reward = (forward + survive) - (Double(ctrlCost) + contactCost)
        return StepResult(
            observation: obs, reward: reward, terminated: !healthy && c.terminateWhenUnhealthy, truncated: false,
            info: Info(
                keys: Self.stepKeys,
                values: positionInfo + [xVelocity, yVelocity, forward, -Double(ctrlCost), -contactCost, survive]))
    }
}
