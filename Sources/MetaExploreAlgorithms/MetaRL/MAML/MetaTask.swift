import MetaExploreEnvironments
import MetaExploreRandom

/// One task of a task family, behind one type whatever the family's `Task` is (a planar goal, a velocity, a
/// direction): its descriptor (`TaskEnvironment.descriptor(of:)`, what logs and tests read) and the family's own
/// value (what `setTask` takes). Two tasks are equal when their descriptors are.
public struct MetaTask: @unchecked Sendable, Equatable, CustomStringConvertible {
    public let descriptor: [Double]
    let value: any Sendable

    public static func == (a: MetaTask, b: MetaTask) -> Bool { a.descriptor == b.descriptor }
    public var description: String { "\(descriptor)" }
}

/// An environment instance of a task family as `make(id)` builds it (time limit included), with its
/// `TaskEnvironment` reached through the wrappers and its task type erased, so that samplers and meta-learners
/// handle every family (PointGoal, PointCorner, HalfCheetahVel/Dir, AntVel/Dir) the same way.
public final class TaskEnvironmentHandle {
    /// The environment to reset and step (the outermost wrapper).
    public let environment: Environment
    /// The family id, e.g. `HalfCheetahDir-v1`.
    public let taskFamily: String
    private let sampleTasks: (Int, inout RandomStream) -> [MetaTask]
    private let heldOut: (Int) -> [MetaTask]
    private let apply: (MetaTask) throws -> Void
    private let current: () -> MetaTask

    /// Throws `TaskEnvironmentHandle.NotATaskFamily` when the environment does not wrap a `TaskEnvironment`.
    public init(_ environment: Environment) throws {
        guard let inner = environment.unwrapped as? any TaskEnvironment else {
            throw NotATaskFamily(type: "\(type(of: environment.unwrapped))")
        }
        self.environment = environment
        (taskFamily, sampleTasks, heldOut, apply, current) = Self.erase(inner)
    }

    public struct NotATaskFamily: Error, CustomStringConvertible {
        public let type: String
        public var description: String {
            "\(type) is not a meta-RL task family (PointGoal-v1, PointCorner-v1, HalfCheetahVel-v1, HalfCheetahDir-v1, "
                + "AntDir-v1, AntVel-v1 are)"
        }
    }

    private static func erase<E: TaskEnvironment>(_ env: E) -> (
        String, (Int, inout RandomStream) -> [MetaTask], (Int) -> [MetaTask], (MetaTask) throws -> Void, () -> MetaTask
    ) {
        func wrap(_ t: E.Task) -> MetaTask { MetaTask(descriptor: env.descriptor(of: t), value: t) }
        return (
            env.taskFamily,
            { count, rng in env.sampleTasks(count, using: &rng).map(wrap) },
            { count in env.heldOutTasks(count: count).map(wrap) },
            { task in
                guard let t = task.value as? E.Task else {
                    throw EnvironmentError.invalidConfiguration("task \(task) is not a task of \(env.taskFamily)")
                }
                try env.setTask(t)
            },
            { wrap(env.task) }
        )
    }

    /// `count` training tasks drawn with `rng` (the family's training distribution).
    public func sampleTasks(_ count: Int, using rng: inout RandomStream) -> [MetaTask] { sampleTasks(count, &rng) }
    /// The family's fixed held-out test tasks (`TaskEnvironment.heldOutTasks`, the same list as the family's
    /// `testTasks(count:)`): a prefix of one list drawn from a stream training never uses.
    public func testTasks(count: Int) -> [MetaTask] { heldOut(count) }
    /// Sets the task of the next episode.
    public func setTask(_ task: MetaTask) throws { try apply(task) }
    /// The task of the current episode.
    public var task: MetaTask { current() }
}

/// Training tasks of meta-iteration `iteration`: drawn from the stream `"tasks"` of the run's seed, one child
/// stream per iteration (so iteration k's tasks do not depend on how many draws earlier iterations made, and a
/// resumed run draws the same ones). The held-out list comes from `HeldOutTasks`' own stream and is never drawn here.
public func trainingTasks(_ handle: TaskEnvironmentHandle, count: Int, seed: UInt64, iteration: Int) -> [MetaTask] {
    var rng = RandomStream(seed: seed, stream: "tasks").derived("iteration", index: iteration)
    return handle.sampleTasks(count, using: &rng)
}
