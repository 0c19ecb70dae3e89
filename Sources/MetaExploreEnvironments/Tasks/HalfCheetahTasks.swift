import MetaExploreRandom

/// The MAML HalfCheetah task families on Gymnasium's HalfCheetah-v5 model: `HalfCheetahVel-v1` (reach a goal
/// velocity) and `HalfCheetahDir-v1` (run forward or backward) — Finn, Abbeel & Levine 2017, §5.3.
///
/// Anchors: `cbfinn/maml_rl` `rllab/envs/mujoco/half_cheetah_env_rand.py` and `half_cheetah_env_rand_direc.py`
/// (the paper's numbers); ProMP `meta_policy_search/envs/mujoco_envs/half_cheetah_rand_{vel,direc}.py` and
/// exp_maml `maml_rl/envs/mujoco_envs/half_cheetah_rand_vel.py` (later readings).
///
/// Shared by both families (what this code does):
/// - Model, frame skip (5, dt = 0.05), reset noise (qpos + U(−0.1, 0.1), qvel + 0.1·N(0, 1)) and observation
///   (qpos[1:] ⊕ qvel, 17 numbers) are Gymnasium HalfCheetah-v5's, as in ProMP and exp_maml.
/// - Forward velocity vx = (x_after − x_before)/dt of the root (qpos[0], the torso's x), as ProMP and exp_maml
///   compute it.
/// - Control cost 0.05·Σ clip(a, −1, 1)², on the float32-rounded action clipped to the actuator range (MAML clips
///   before the cost; MuJoCo clamps the control itself).
/// - Never terminates; `make` truncates at 200 steps (MAML's horizon).
///
/// Deviations from the MAML definitions (rllab, mujoco-py 0.5 / MuJoCo 1.31):
/// - MAML's velocity is rllab's `get_body_comvel("torso")[0]`, the x velocity of the torso subtree's centre of mass
///   after the step (an instantaneous velocity, including the legs' mass), not Δx/dt of the root.
/// - MAML's observation also appends the torso subtree's centre of mass (3 numbers, 20 in total), and its model is
///   rllab's `half_cheetah.xml`, not Gymnasium's v5 file.
/// - MAML's reset noise is qpos + 0.01·N(0, 1), qvel + 0.1·N(0, 1).
/// - Horizon: 200 in MAML; ProMP and exp_maml use 100 for the direction task, pytorch-maml-rl 100 for velocity
///   (choose with `make(id, maxEpisodeSteps:)`).
public class HalfCheetahTaskEnvironment: MuJoCoEnvironment {
    /// MAML's episode length.
    public static let horizon = 200
    /// Weight of Σ a² in the control cost (rllab's `1e-1 * 0.5`).
    public static let controlCostWeight = 0.05
    static let stepKeys = ["x_position", "x_velocity", "reward_run", "reward_ctrl"]
    static let resetKeys = ["x_position"]

    init() throws {
        try super.init(asset: "half_cheetah.xml", frameSkip: 5, observationCount: 0)
        observationSpace = .unbounded(simulation.nq + simulation.nv - 1)
    }

    override func resetModel() {
        let qpos = uniformNoise(initialQpos, scale: 0.1)
        let qvel = normalNoise(initialQvel, scale: 0.1)
        simulation.setStateUnchecked(qpos: qpos, qvel: qvel)
    }

    override func observation() -> [Double] { positionsThenVelocities(skippingFirst: 1) }

    override func resetInfo() -> Info { Info(keys: Self.resetKeys, values: [simulation.qpos[0]]) }

    /// 0.05·Σ clip(a, ctrl range)² over the float32-rounded action.
    var controlCost: Double {
        let range = simulation.ctrlRange
        var sum = 0.0
        for i in 0..<action32.count {
            let a = Swift.min(Swift.max(Double(action32[i]), range.low[i]), range.high[i])
            sum += a * a
        }
        return Self.controlCostWeight * sum
    }

    /// The task's running reward for forward velocity `vx`.
    func runReward(xVelocity vx: Double) -> Double { fatalError("subclass must implement runReward") }

    override func finishStep(xBefore: Double) -> StepResult {
        let xAfter = simulation.qpos[0]
        let vx = (xAfter - xBefore) / dt
        let run = runReward(xVelocity: vx)
        let ctrl = controlCost
        return StepResult(observation: observation(), reward: run - ctrl, terminated: false, truncated: false,
                          info: Info(keys: Self.stepKeys, values: [xAfter, vx, run, -ctrl]))
    }
}

/// `HalfCheetahVel-v1`: r = −|vx − v*| − 0.05‖a‖², with the goal velocity v* the task.
///
/// Goals v* ~ U[0, 2] (the MAML paper and pytorch-maml-rl). ProMP and exp_maml draw U[0, 3]: set
/// `Configuration.maxGoalVelocity = 3` (`max_goal_velocity` option). See `HalfCheetahTaskEnvironment` for the
/// dynamics, the observation and every deviation from MAML.
public final class HalfCheetahVel: HalfCheetahTaskEnvironment, TaskEnvironment {
    public typealias Task = Double

    public struct Configuration: Sendable, Equatable {
        /// Goal velocities are drawn from U[0, maxGoalVelocity].
        public var maxGoalVelocity = 2.0
        public init() {}
        /// Option name: `max_goal_velocity`.
        public init(options: [String: Double]) throws {
            var r = OptionReader(options)
            try r.read("max_goal_velocity", into: &maxGoalVelocity)
            try r.finish(HalfCheetahVel.family)
            guard maxGoalVelocity > 0, maxGoalVelocity.isFinite else {
                throw EnvironmentError.invalidConfiguration("max_goal_velocity must be positive, got \(maxGoalVelocity)")
            }
        }
    }

    public static let family = "HalfCheetahVel-v1"
    public let configuration: Configuration
    public var taskFamily: String { Self.family }
    public private(set) var task: Double = 1
    private var pendingTask: Double = 1

    public init(configuration: Configuration = Configuration()) throws {
        self.configuration = configuration
        try super.init()
    }

    public static func sampleTasks(_ count: Int, configuration: Configuration = Configuration(),
                                   using rng: inout RandomStream) -> [Double] {
        (0..<count).map { _ in rng.uniform(0, configuration.maxGoalVelocity) }
    }

    /// The fixed held-out goal velocities (see `HeldOutTasks`).
    public static func testTasks(count: Int = HeldOutTasks.defaultCount,
                                 configuration: Configuration = Configuration()) -> [Double] {
        var rng = HeldOutTasks.generator()
        return sampleTasks(count, configuration: configuration, using: &rng)
    }

    public func sampleTasks(_ count: Int, using rng: inout RandomStream) -> [Double] {
        Self.sampleTasks(count, configuration: configuration, using: &rng)
    }

    public func setTask(_ task: Double) throws {
        guard task.isFinite, task >= 0, task <= configuration.maxGoalVelocity else {
            throw EnvironmentError.invalidConfiguration(
                "HalfCheetahVel goal velocity \(task) outside [0, \(configuration.maxGoalVelocity)]")
        }
        pendingTask = task
    }

    public func descriptor(of task: Double) -> [Double] { [task] }

    override func resetModel() {
        task = pendingTask
        super.resetModel()
    }

    override func runReward(xVelocity vx: Double) -> Double { -abs(vx - task) }
}

/// `HalfCheetahDir-v1`: r = d·vx − 0.05‖a‖², with the direction d ∈ {−1, +1} the task (each with probability ½).
///
/// See `HalfCheetahTaskEnvironment` for the dynamics, the observation and every deviation from MAML (ProMP's
/// reading is the same reward with Δx/dt, over 100 steps).
public final class HalfCheetahDir: HalfCheetahTaskEnvironment, TaskEnvironment {
    public typealias Task = Double

    public static let family = "HalfCheetahDir-v1"
    public var taskFamily: String { Self.family }
    public private(set) var task: Double = 1
    private var pendingTask: Double = 1

    public override init() throws { try super.init() }

    /// Accepts Gymnasium-style options for `make`; the family has none.
    public convenience init(options: [String: Double]) throws {
        try OptionReader(options).finish(Self.family)
        try self.init()
    }

    /// Directions −1 or +1, each with probability ½ (one uniform draw per task).
    public static func sampleTasks(_ count: Int, using rng: inout RandomStream) -> [Double] {
        (0..<count).map { _ in rng.uniform() < 0.5 ? -1 : 1 }
    }

    /// The fixed held-out directions (see `HeldOutTasks`).
    public static func testTasks(count: Int = HeldOutTasks.defaultCount) -> [Double] {
        var rng = HeldOutTasks.generator()
        return sampleTasks(count, using: &rng)
    }

    public func sampleTasks(_ count: Int, using rng: inout RandomStream) -> [Double] {
        Self.sampleTasks(count, using: &rng)
    }

    public func setTask(_ task: Double) throws {
        guard task == 1 || task == -1 else {
            throw EnvironmentError.invalidConfiguration("HalfCheetahDir direction must be −1 or 1, got \(task)")
        }
        pendingTask = task
    }

    public func descriptor(of task: Double) -> [Double] { [task] }

    override func resetModel() {
        task = pendingTask
        super.resetModel()
    }

    override func runReward(xVelocity vx: Double) -> Double { task * vx }
}
