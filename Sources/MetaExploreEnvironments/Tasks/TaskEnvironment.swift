import MetaExploreRandom

/// An environment whose reward or dynamics depend on a *task* drawn from a family of tasks — the unit of meta-RL
/// (goal positions, target velocities or directions, a grid world's problem id).
///
/// Semantics, shared by every task family:
/// - `sampleTasks(_:using:)` draws tasks from the family's training distribution with the caller's generator, so a
///   seeded stream gives the same tasks on every machine; held-out test tasks are fixed lists a family publishes.
/// - `setTask(_:)` chooses the task of the *next* episode: it takes effect at the next `reset`, never in the middle
///   of an episode, so an episode always belongs to one task.
/// - `descriptor(of:)` is the task as numbers (goal coordinates, target velocity, problem index): what an oracle
///   policy, a task encoder or a log reads.
/// - Observations never reveal the task unless the family's definition says so (meta-RL policies must infer it).
public protocol TaskEnvironment<Task>: Environment {
    associatedtype Task: Sendable & Equatable

    /// The task family with its version, e.g. `PointGoal-v1` (a change of distribution or reward is a new version).
    var taskFamily: String { get }
    /// The task the current episode runs (the one set before the last reset).
    var task: Task { get }
    /// Draws `count` tasks from the training distribution.
    func sampleTasks(_ count: Int, using rng: inout RandomStream) -> [Task]
    /// Sets the task of the next episode; throws `EnvironmentError.invalidConfiguration` for a task outside the
    /// family.
    func setTask(_ task: Task) throws
    /// The task as numbers.
    func descriptor(of task: Task) -> [Double]
}

extension TaskEnvironment {
    /// `count` tasks drawn from the stream `"tasks"` of `seed` (the same seed always gives the same tasks).
    public func sampleTasks(_ count: Int, seed: UInt64) -> [Task] {
        var rng = RandomStream(seed: seed, stream: "tasks")
        return sampleTasks(count, using: &rng)
    }
}
