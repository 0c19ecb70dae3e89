import MetaExploreRandom

/// `PointCorner-v1`: the sparse four-corner 2-D navigation task of the MAME seed (exp_maml's definition).
///
/// Anchor: `swami1995/exp_maml`, branch `another_sparse_branch_ppo`,
/// `maml_rl/envs/point_envs/point_env_2d_corner.py` (`MetaPointEnvCorner` with its defaults
/// `reward_type='sparse'`, `sparse_reward_radius=2`), registered as `2DPointEnvCorner-v0` with 100 steps.
///
/// - Task: one of the four corners g ∈ {(−2, −2), (2, −2), (−2, 2), (2, 2)} (the anchor's order), each with
///   probability ¼.
/// - Reset: s ~ U(−0.2, 0.2)² from the environment's seeded stream (x then y). Observation: s.
/// - Step (anchor order): a ← clip(a, −0.2, 0.2) per dimension; s′ ← clip(s + a, −4, 4) per dimension (the
///   anchor applies `np.maximum(·, −4)` then `np.minimum(·, 4)`); reward **after the move**:
///   r = max(2 − ‖s′ − g‖, 0). Rewards are zero until the point is within distance 2 of its corner.
/// - Never terminates (the anchor's `done` is always False); `make("PointCorner-v1")` truncates at 100 steps.
/// - An oracle walking straight from the origin to its corner at full speed, (±0.2, ±0.2) per step, arrives after
///   10 steps and then stays. It is paid nothing for its first two steps (still farther than 2 from the corner),
///   Σₖ₌₃¹⁰ (2 − 0.2√2·(10 − k)) = 16 − 0.2√2·28 ≈ 8.08 on the way, and 2 on each of the last 90 steps:
///   ≈ 188.08 per episode (`oracleReturnFromOrigin`), the ceiling of the post-update curve.
///
/// Where the anchors disagree: ProMP's `MetaPointEnvCorner` (and exp_maml's own master branch) use a *progress*
/// reward paid only outside an L1 radius 0.5 of the origin and only while the goal is the nearest corner, with no
/// state clipping. That is a different task and is not offered here (meta-rl-facts §1).
public final class PointCorner: TaskEnvironment {
    public typealias Task = PlanarGoal

    /// The versioned family id (also the registered environment id).
    public static let family = "PointCorner-v1"
    /// exp_maml's registered episode length.
    public static let horizon = 100
    /// The four goals, in the anchor's order.
    public static let corners = [
        PlanarGoal(x: -2, y: -2), PlanarGoal(x: 2, y: -2), PlanarGoal(x: -2, y: 2), PlanarGoal(x: 2, y: 2),
    ]
    /// Per-dimension action bound.
    public static let actionLimit = 0.2
    /// Per-dimension state bound.
    public static let stateLimit = 4.0
    /// Reward radius: r = max(radius − ‖s′ − g‖, 0).
    public static let rewardRadius = 2.0
    /// Start positions are U(−startRange, startRange)².
    public static let startRange = 0.2

    public let observationSpace = Box.unbounded(2)
    public let actionSpace = Space.box(Box(low: -actionLimit, high: actionLimit, count: 2))
    public var taskFamily: String { Self.family }
    public private(set) var task: PlanarGoal
    private var pendingTask: PlanarGoal
    /// The point's position (x, y).
    public private(set) var position: (x: Double, y: Double) = (0, 0)
    /// Start-position noise; reseeded by `reset(seed:)`.
    public private(set) var random = RandomStream(seed: 0)
    private var hasReset = false
    private static let stepKeys = ["distance"]

    public init() {
        task = Self.corners[3]
        pendingTask = task
    }

    /// Accepts Gymnasium-style options for `make`; the family has none.
    public convenience init(options: [String: Double]) throws {
        try OptionReader(options).finish(Self.family)
        self.init()
    }

    // MARK: Tasks

    /// Draws corners uniformly (one `int(below: 4)` per task).
    public static func sampleTasks(_ count: Int, using rng: inout RandomStream) -> [PlanarGoal] {
        (0..<count).map { _ in corners[rng.int(below: corners.count)] }
    }

    /// The fixed held-out test corners (see `HeldOutTasks`).
    public static func testTasks(count: Int = HeldOutTasks.defaultCount) -> [PlanarGoal] {
        var rng = HeldOutTasks.generator()
        return sampleTasks(count, using: &rng)
    }

    public func sampleTasks(_ count: Int, using rng: inout RandomStream) -> [PlanarGoal] {
        Self.sampleTasks(count, using: &rng)
    }

    /// Only the four corners are tasks of this family.
    public func setTask(_ task: PlanarGoal) throws {
        guard Self.corners.contains(task) else {
            throw EnvironmentError.invalidConfiguration("PointCorner task \(task) is not one of the corners (±2, ±2)")
        }
        pendingTask = task
    }

    public func descriptor(of task: PlanarGoal) -> [Double] { [task.x, task.y] }

    /// The reward of arriving at (x, y) (already clipped) for `goal`: max(2 − ‖s′ − g‖, 0).
    public static func reward(x: Double, y: Double, goal: PlanarGoal) -> Double {
        Swift.max(rewardRadius - goal.distance(fromX: x, y: y), 0)
    }

    /// The return of the straight-line oracle from the origin over one episode (see the type's documentation),
    /// computed with this environment's own arithmetic.
    public static var oracleReturnFromOrigin: Double {
        let env = PointCorner()
        env.task = corners[3]
        env.setPosition(x: 0, y: 0)
        var total = 0.0
        for _ in 0..<horizon {
            let ax = clipSymmetric(2 - env.position.x, actionLimit), ay = clipSymmetric(2 - env.position.y, actionLimit)
            total += (try? env.step([ax, ay]).reward) ?? .nan
        }
        return total
    }

    // MARK: Episodes

    public func reset(seed: UInt64?, options: [String: Double]) throws -> (observation: [Double], info: Info) {
        if let seed { random = RandomStream(seed: seed) }
        task = pendingTask
        let x = random.uniform(-Self.startRange, Self.startRange)
        position = (x, random.uniform(-Self.startRange, Self.startRange))
        hasReset = true
        return ([position.x, position.y], Info())
    }

    public func step(_ action: [Double]) throws -> StepResult {
        guard hasReset else { throw EnvironmentError.needsReset("Call reset() before step().") }
        try checkAction(action, count: 2)
        let a = Self.actionLimit, l = Self.stateLimit
        position.x = clipSymmetric(position.x + clipSymmetric(action[0], a), l)
        position.y = clipSymmetric(position.y + clipSymmetric(action[1], a), l)
        let distance = task.distance(fromX: position.x, y: position.y)
        return StepResult(observation: [position.x, position.y], reward: Swift.max(Self.rewardRadius - distance, 0),
                          terminated: false, truncated: false, info: Info(keys: Self.stepKeys, values: [distance]))
    }

    /// Places the point at (x, y) without changing the task (for tests and analysis); counts as a reset for the
    /// step-before-reset check. Not clipped: the state bound applies at the next step. Returns the observation.
    @discardableResult
    public func setPosition(x: Double, y: Double) -> [Double] {
        position = (x, y)
        hasReset = true
        return [x, y]
    }
}
