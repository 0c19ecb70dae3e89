import MetaExploreRandom

/// Held-out test tasks: one fixed list per task family, drawn once from a documented seed on a stream that
/// training never uses.
///
/// Meta-RL results are only comparable when every method adapts to the same test tasks, and only honest when
/// those tasks are not the ones it trained on (meta-rl-facts §7: anchors often report training tasks as
/// meta-test). MAML's test scripts draw 40 test goals once with a fixed NumPy seed; we cannot reproduce NumPy's
/// generator, so each family publishes its own list, drawn by its `sampleTasks(_:using:)` from
/// `RandomStream(seed: HeldOutTasks.seed, stream: HeldOutTasks.stream)`.
///
/// Disjointness from training: training draws come from the stream `"tasks"` of the run's seed
/// (`TaskEnvironment.sampleTasks(_:seed:)`); the held-out stream is labelled `"held-out-tasks"`, so even a run
/// whose seed equals `HeldOutTasks.seed` draws different numbers. (For a family with finitely many tasks, such
/// as PointCorner's four corners or the ±1 directions, held-out tasks necessarily repeat training tasks: there
/// the list only fixes which tasks, in which order, are evaluated.)
public enum HeldOutTasks {
    /// The fixed seed of every family's held-out list (MAML's ICML submission date, 2017-03-09).
    public static let seed: UInt64 = 20_170_309
    /// The stream label of held-out draws (training uses `"tasks"`).
    public static let stream = "held-out-tasks"
    /// MAML's test protocol evaluates 40 tasks.
    public static let defaultCount = 40

    /// A fresh generator positioned at the start of the held-out stream.
    public static func generator() -> RandomStream { RandomStream(seed: seed, stream: stream) }
}

extension TaskEnvironment {
    /// The family's fixed held-out test tasks: the first `count` draws of `sampleTasks` on the held-out stream
    /// (a prefix of a longer list, so `heldOutTasks(count: 10)` is the first ten of `heldOutTasks(count: 40)`).
    public func heldOutTasks(count: Int = HeldOutTasks.defaultCount) -> [Task] {
        var rng = HeldOutTasks.generator()
        return sampleTasks(count, using: &rng)
    }
}
