import MetaExploreNN
import MetaExploreTensor

/// CMP's iteration in the learned-exploration procedure: its log columns and measurements.
extension CMPIteration: ExplorationIteration where S: MetaStudentLearner {
    public typealias Student = S

    /// `advantage` is the mean Â of the πe updates (Eq. 7; the meta-reward for L2Explore; after centring, with
    /// the subtracted baseline as `advantage_baseline` when `advantageBaselineDecay` is set), `meta_q_loss` the mean
    /// Eq. 11 loss of the Q̂ updates (none in the first iteration and for L2Explore), the four Eq. 7 terms their
    /// means over the πe updates, and `exploration_reward_moving_sum` the paper's moving sum of the training reward
    /// collected by πe over the last `movingSumWindow` iterations (Fig. 2(c)).
    public var metricNames: [String] {
        ["meta_reward", "student_return", "lookahead_return", "exploration_reward", "exploration_reward_moving_sum",
         "advantage", "meta_q_loss", "meta_q_exploration", "meta_q_exploitation", "critic_exploration",
         "critic_exploitation", "teacher_loss", "teacher_entropy", "teacher_std"]
            + (configuration.advantageBaselineDecay == nil ? [] : ["advantage_baseline"])
    }

    public var latestValueMetrics: Set<String> { ["exploration_reward_moving_sum"] }

    public var learnedParameters: [(name: String, tensor: Tensor)] {
        teacher.namedParameters + (metaQ.map { prefixed("meta_q", $0.namedParameters) } ?? [])
    }

    public func runCycle(student: S, exploration: RolloutCursor, evaluation: RolloutCursor,
                         sink: @escaping TransitionSink) throws -> [(name: String, value: Double)] {
        let r = try run(student: student, exploration: exploration, evaluation: evaluation, sink: sink)
        func mean(_ xs: [Double]) -> Double { xs.reduce(0, +) / Double(xs.count) }
        var out: [(name: String, value: Double)] = [
            ("meta_reward", r.metaReward), ("student_return", r.studentReturn), ("lookahead_return", r.lookaheadReturn),
            ("exploration_reward", r.explorationReward), ("exploration_reward_moving_sum", r.movingExplorationReward),
        ]
        if !r.advantages.isEmpty { out.append(("advantage", mean(r.advantages))) }
        if configuration.advantageBaselineDecay != nil { out.append(("advantage_baseline", r.advantageBaseline)) }
        if !r.metaQUpdates.isEmpty { out.append(("meta_q_loss", mean(r.metaQUpdates.map(\.loss)))) }
        if configuration.variant.usesMetaQ && !r.counterfactualTerms.isEmpty {
            let t = r.counterfactualTerms
            out.append(("meta_q_exploration", mean(t.map(\.metaQExploration))))
            out.append(("meta_q_exploitation", mean(t.map(\.metaQExploitation))))
            if configuration.variant.usesStudentCritic {
                out.append(("critic_exploration", mean(t.map(\.criticExploration))))
                out.append(("critic_exploitation", mean(t.map(\.criticExploitation))))
            }
        }
        if !r.teacherUpdates.isEmpty {
            out.append(("teacher_loss", mean(r.teacherUpdates.map(\.loss))))
            out.append(("teacher_entropy", r.teacherUpdates.last!.entropy))
            out.append(("teacher_std", r.teacherUpdates.last!.meanStd))
        }
        return out
    }
}
