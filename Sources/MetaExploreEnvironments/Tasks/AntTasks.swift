import MetaExploreRandom

/// The MAML Ant task families on Gymnasium's Ant-v5 model: `AntDir-v1` (run forward or backward) and `AntVel-v1`
/// (reach a goal velocity) — Finn, Abbeel & Levine 2017, §5.3.
///
/// Anchors: `cbfinn/maml_rl` `rllab/envs/mujoco/ant_env_rand_direc.py` and `ant_env_rand.py` (the paper's
/// numbers; the reward terms below are theirs); ProMP `meta_policy_search/envs/mujoco_envs/ant_rand_direc.py`.
///
/// Shared by both families (what this code does):
/// - Model (`ant.xml`, gear 150, controls in [−1, 1]), frame skip 5 (dt = 0.05), reset noise (qpos + U(−0.1, 0.1),
///   qvel + 0.1·N(0, 1)) and observation (qpos[2:] ⊕ qvel ⊕ clip(cfrc_ext of every body but the world, −1, 1),
///   105 numbers) are Gymnasium Ant-v5's defaults.
/// - vx = Δx/dt of the torso's world position (`xpos` of body 1), as Gymnasium and ProMP compute it.
/// - MAML's cost terms: control 0.005·Σ a² (rllab's `0.5 * 1e-2 * Σ (a / scaling)²` with scaling 1), contact
///   0.0005·Σ clip(cfrc_ext, −1, 1)² over all bodies, survive bonus 0.05.
/// - Terminated when the state is not finite or the torso height qpos[2] ∉ [0.2, 1.0] (MAML's rule).
/// - `make` truncates at 200 steps (MAML's horizon).
///
/// Deviations from the MAML definitions (rllab, mujoco-py 0.5 / MuJoCo 1.31):
/// - MAML's velocity is `get_body_comvel("torso")[0]`, the centre-of-mass velocity of the torso subtree (the
///   whole ant), not Δx/dt of the torso.
/// - MAML's observation is qpos (all 15) ⊕ qvel ⊕ clip(cfrc_ext, −1, 1) (all 14 bodies) ⊕ the torso's rotation
///   matrix (9) ⊕ the torso subtree's centre of mass (3); its model is rllab's `ant.xml`, and contact forces
///   from MuJoCo 1.31 differ from MuJoCo 3's, so the contact cost is not comparable term by term.
/// - MAML's reset noise is qpos + 0.01·N(0, 1), qvel + 0.1·N(0, 1).
/// - ProMP's AntDir uses Gymnasium-v2-like costs (control 0.5·‖a‖², contact 0.5e-3, survive 1) and a height
///   range [0, 1]; exp_maml uses 100 steps. Not offered as settings yet.
public class AntTaskEnvironment: MuJoCoEnvironment {
    public static let horizon = 200
    public static let controlCostWeight = 0.005
    public static let contactCostWeight = 0.0005
    public static let surviveReward = 0.05
    public static let healthyZRange: ClosedRange<Double> = 0.2...1.0
    static let torso = 1
    static let stepKeys = ["x_position", "y_position", "x_velocity", "reward_run", "reward_ctrl", "reward_contact",
                           "reward_survive"]
    static let resetKeys = ["x_position", "y_position"]
    private var xBeforeTorso = 0.0

    init() throws {
        try super.init(asset: "ant.xml", frameSkip: 5, observationCount: 0)
        observationSpace = .unbounded(simulation.nq - 2 + simulation.nv + 6 * (simulation.nbody - 1))
    }

    override func resetModel() {
        let qpos = uniformNoise(initialQpos, scale: 0.1)
        let qvel = normalNoise(initialQvel, scale: 0.1)
        simulation.setStateUnchecked(qpos: qpos, qvel: qvel)
    }

    override func observation() -> [Double] {
        let qpos = simulation.qpos, qvel = simulation.qvel, forces = simulation.cfrcExt
        var out: [Double] = []
        out.reserveCapacity(observationSpace.count)
        for i in 2..<qpos.count { out.append(qpos[i]) }
        for v in qvel { out.append(v) }
        for i in 6..<forces.count { out.append(clip(forces[i], -1, 1)) }
        return out
    }

    override func resetInfo() -> Info { Info(keys: Self.resetKeys, values: [simulation.qpos[0], simulation.qpos[1]]) }

    override func willStep() { xBeforeTorso = simulation.xpos[3 * Self.torso] }

    /// MAML's health rule: finite state, torso height in [0.2, 1.0].
    public var isHealthy: Bool {
        for v in simulation.qpos where !v.isFinite { return false }
        for v in simulation.qvel where !v.isFinite { return false }
        return Self.healthyZRange.contains(simulation.qpos[2])
    }

    /// 0.0005·Σ clip(cfrc_ext, −1, 1)² over all bodies.
    var contactCost: Double {
        var sum = 0.0
        for f in simulation.cfrcExt {
            let c = clip(f, -1, 1)
            sum += c * c
        }
        return Self.contactCostWeight * sum
    }

    /// 0.005·Σ a² over the float32-rounded action (unclipped, as in MAML's Ant).
    var controlCost: Double {
        var sum = 0.0
        for a in action32 { sum += Double(a) * Double(a) }
        return Self.controlCostWeight * sum
    }

    func runReward(xVelocity vx: Double) -> Double { fatalError("subclass must implement runReward") }

    override func finishStep(xBefore: Double) -> StepResult {
        let vx = (simulation.xpos[3 * Self.torso] - xBeforeTorso) / dt
        let run = runReward(xVelocity: vx)
        let ctrl = controlCost, contact = contactCost
        let reward = run - ctrl - contact + Self.surviveReward
        return StepResult(
            observation: observation(), reward: reward, terminated: !isHealthy, truncated: false,
            info: Info(keys: Self.stepKeys,
                       values: [simulation.qpos[0], simulation.qpos[1], vx, run, -ctrl, -contact, Self.surviveReward]))
    }
}

/// `AntDir-v1`: r = d·vx − 0.005‖a‖² − 0.0005‖clip(cfrc_ext)‖² + 0.05, direction d ∈ {−1, +1} (probability ½ each;
/// MAML draws U[0, 3] and takes −1 below 1.5). See `AntTaskEnvironment` for the rest and every deviation from MAML.
public final class AntDir: AntTaskEnvironment, TaskEnvironment {
    public typealias Task = Double

    public static let family = "AntDir-v1"
    public var taskFamily: String { Self.family }
    public private(set) var task: Double = 1
    private var pendingTask: Double = 1

    public override init() throws { try super.init() }

    /// Accepts Gymnasium-style options for `make`; the family has none.
    public convenience init(options: [String: Double]) throws {
        try OptionReader(options).finish(Self.family)
        try self.init()
    }

    public static func sampleTasks(_ count: Int, using rng: inout RandomStream) -> [Double] {
        (0..<count).map { _ in rng.uniform() < 0.5 ? -1 : 1 }
    }

    /// The fixed held-out directions (see `HeldOutTasks`).
    public static func testTasks(count: Int = HeldOutTasks.defaultCount) -> [Double] {
        var rng = HeldOutTasks.generator()
        return sampleTasks(count, using: &rng)
    }

    public func sampleTasks(_ count: Int, using rng: inout RandomStream) -> [Double] { Self.sampleTasks(count, using: &rng) }

    public func setTask(_ task: Double) throws {
        guard task == 1 || task == -1 else {
            throw EnvironmentError.invalidConfiguration("AntDir direction must be −1 or 1, got \(task)")
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

/// `AntVel-v1`: r = −|vx − v*| + 1 − 0.005‖a‖² − 0.0005‖clip(cfrc_ext)‖² + 0.05 (MAML's "+1.0, make it happy, not
/// suicidal"), goal velocity v* ~ U[0, 3]. See `AntTaskEnvironment` for the rest and every deviation from MAML.
public final class AntVel: AntTaskEnvironment, TaskEnvironment {
    public typealias Task = Double

    public static let family = "AntVel-v1"
    public static let maxGoalVelocity = 3.0
    public var taskFamily: String { Self.family }
    public private(set) var task: Double = 1
    private var pendingTask: Double = 1

    public override init() throws { try super.init() }

    /// Accepts Gymnasium-style options for `make`; the family has none.
    public convenience init(options: [String: Double]) throws {
        try OptionReader(options).finish(Self.family)
        try self.init()
    }

    public static func sampleTasks(_ count: Int, using rng: inout RandomStream) -> [Double] {
        (0..<count).map { _ in rng.uniform(0, maxGoalVelocity) }
    }

    /// The fixed held-out goal velocities (see `HeldOutTasks`).
    public static func testTasks(count: Int = HeldOutTasks.defaultCount) -> [Double] {
        var rng = HeldOutTasks.generator()
        return sampleTasks(count, using: &rng)
    }

    public func sampleTasks(_ count: Int, using rng: inout RandomStream) -> [Double] { Self.sampleTasks(count, using: &rng) }

    public func setTask(_ task: Double) throws {
        guard task.isFinite, task >= 0, task <= Self.maxGoalVelocity else {
            throw EnvironmentError.invalidConfiguration("AntVel goal velocity \(task) outside [0, 3]")
        }
        pendingTask = task
    }

    public func descriptor(of task: Double) -> [Double] { [task] }

    override func resetModel() {
        task = pendingTask
        super.resetModel()
    }

    override func runReward(xVelocity vx: Double) -> Double { -abs(vx - task) + 1 }
}
