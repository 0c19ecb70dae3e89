import MetaExploreNN
import MetaExploreTensor

/// The meta-policy gradient's iteration in the learned-exploration procedure: its log columns and measurements.
extension MetaPolicyGradientIteration: ExplorationIteration where S: MetaStudentLearner {
    public typealias Student = S

    public var metricNames: [String] {
        ["meta_reward", "student_return", "lookahead_return", "exploration_reward", "teacher_loss", "teacher_entropy",
         "teacher_std"]
    }

    public var latestValueMetrics: Set<String> { [] }

    public var learnedParameters: [(name: String, tensor: Tensor)] { teacher.namedParameters }

    public func runCycle(student: S, exploration: RolloutCursor, evaluation: RolloutCursor,
                         sink: @escaping TransitionSink) throws -> [(name: String, value: Double)] {
        let r = try run(student: student, exploration: exploration, evaluation: evaluation, sink: sink)
        return [("meta_reward", r.metaReward), ("student_return", r.studentReturn),
                ("lookahead_return", r.lookaheadReturn), ("exploration_reward", r.explorationReward),
                ("teacher_loss", r.teacherUpdate.loss), ("teacher_entropy", r.teacherUpdate.entropy),
                ("teacher_std", r.teacherUpdate.meanStd)]
    }
}
