import Foundation

/// A procedure whose policy adapts to a task (meta-RL): it can be evaluated on held-out tasks after 0, 1, …, k
/// adaptation steps. `metaexplore meta-eval` finds it through the registry (`FamilyRegistry.metaEvaluate`), so the CLI
/// names no family.
public protocol AdaptingProcedure: TrainingProcedure {
    /// The mean return on the first `tasks` held-out tasks of the run's task family after each of 0…`steps`
    /// adaptation steps, `trajectories` per task and step, samples drawn from `seed`. The policy is not changed.
    func adaptationCurve(tasks: Int, trajectories: Int, steps: Int, seed: UInt64) throws -> AdaptationCurve
}

/// The held-out adaptation curve of a meta-RL policy.
public struct AdaptationCurve: Sendable {
    /// `returns[s][i]`: held-out task i's mean return after s adaptation steps.
    public var returns: [[Double]]
    /// The curve as a table (one line per step: mean and 95% confidence interval over tasks).
    public var table: String

    public init(returns: [[Double]], table: String) {
        self.returns = returns
        self.table = table
    }

    public var means: [Double] { returns.map { $0.isEmpty ? .nan : $0.reduce(0, +) / Double($0.count) } }
}

extension FamilyRegistry {
    /// The adaptation curve of a checkpoint's policy on held-out tasks (see `AdaptingProcedure`); a run of a family
    /// that does not adapt is refused with a clear error.
    public func metaEvaluate(checkpoint url: URL, steps: Int, tasks: Int = 40, trajectories: Int = 20,
                             seed: UInt64 = 0) throws -> (curve: AdaptationCurve, configuration: AnyExperimentConfiguration,
                                                          step: Int) {
        let state = try SafeTensorsCheckpointStore.read(url)
        guard let yaml = state.metadata[TrainingSession.configurationKey] else {
            throw CheckpointStateError.missingMetadata(TrainingSession.configurationKey)
        }
        let config = try load(yaml: yaml)
        var options = TrainingSessionOptions(resumeFrom: state)
        options.showProgress = false
        let loop = try TrainingSession.makeLoop(config, options: options)
        guard let adapting = loop.procedure as? any AdaptingProcedure else {
            throw ExperimentError.conflictingOptions(
                "\(config.algorithm) does not adapt to tasks, so it has no meta-evaluation; use `metaexplore eval`")
        }
        let curve = try adapting.adaptationCurve(tasks: tasks, trajectories: trajectories, steps: steps, seed: seed)
        return (curve, config, loop.step)
    }
}
