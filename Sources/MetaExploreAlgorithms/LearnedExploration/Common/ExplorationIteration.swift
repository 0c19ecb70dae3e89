import MetaExploreNN
import MetaExploreTensor

/// One iteration of a learned-exploration method as `MetaPolicyGradientTrainer` drives it: the meta-policy gradient
/// (`MetaPolicyGradientIteration`, Xu et al. 2018) and Counterfactual Meta Policy (`CMPIteration`, CMP / MA2C /
/// L2Explore) share the trainer's loop, logs, evaluation, checkpoints and exact resume through this protocol. The
/// student updates on the replay buffer (both papers' last lines) stay with the trainer.
public protocol ExplorationIteration<Student>: AnyObject {
    associatedtype Student: MetaStudentLearner

    /// The log columns `runCycle` fills, in order (fixed, for log headers).
    var metricNames: [String] { get }
    /// Columns logged as their latest value rather than the mean over the log interval (e.g. a moving sum).
    var latestValueMetrics: Set<String> { get }
    /// Every learned parameter of the method (teacher, meta-Q …), for finiteness checks.
    var learnedParameters: [(name: String, tensor: Tensor)] { get }

    /// One iteration (with the initial estimate of R̂π on its first call); sends every environment step to `sink`
    /// and returns the measurements named by `metricNames` (a column may be missing in an iteration).
    func runCycle(student: Student, exploration: RolloutCursor, evaluation: RolloutCursor,
                  sink: @escaping TransitionSink) throws -> [(name: String, value: Double)]
    /// Re-estimates R̂π with a fresh rollout (`.freshRollout`, after the student updates).
    @discardableResult
    func refreshStudentReturn(student: Student, cursor: RolloutCursor, sink: TransitionSink) throws -> Double
    func saveState(into state: inout CheckpointState, prefix: String)
    func restoreState(from state: CheckpointState, prefix: String, student: Student) throws
}
