import MetaExploreTensor

/// A learner the learned-exploration procedure can train: a `ValueStudent` (so every teacher works) whose state goes
/// into checkpoints and whose update measurements go to the logs. The off-policy learners DDPG and TD3 conform.
public protocol MetaStudentLearner: ValueStudent, Checkpointable {
    /// The measurement names `record(_:)` returns (fixed, for log headers).
    static var metricNames: [String] { get }
    func record(_ metrics: UpdateMetrics) -> MetricsRecord
    /// Every network parameter (finiteness checks).
    var namedNetworkParameters: [(name: String, tensor: Tensor)] { get }
}

extension DDPGLearner: MetaStudentLearner {
    public static var metricNames: [String] { ["critic_loss", "actor_loss", "mean_q"] }
    public func record(_ m: DDPGUpdateMetrics) -> MetricsRecord {
        ["critic_loss": m.criticLoss, "actor_loss": m.actorLoss, "mean_q": m.meanQ]
    }
}

extension TD3Learner: MetaStudentLearner {
    public static var metricNames: [String] { ["critic_loss", "actor_loss", "mean_q"] }
    public func record(_ m: TD3UpdateMetrics) -> MetricsRecord {
        var r: MetricsRecord = ["critic_loss": m.criticLoss, "mean_q": m.meanQ]
        if let a = m.actorLoss { r["actor_loss"] = a }
        return r
    }
}
