/// The bookkeeping every trainer checkpoints under "runner.": counters, recent training returns, the evaluation
/// history (means only) and the run seed, plus the run's extra metadata (configuration, versions).
struct RunnerProgress {
    var step: Int
    var episodes: Int
    var updates: Int
    var recentReturns: [Double]
    var evaluations: [EvaluationResult]

    func save(into state: inout CheckpointState, seed: UInt64, extraMetadata: [String: String]) {
        state.set("runner.step", step)
        state.set("runner.episodes", episodes)
        state.set("runner.updates", updates)
        state.setDoubles("runner.recent_returns", recentReturns)
        state.setDoubles("runner.evaluation_steps", evaluations.map { Double($0.step) })
        state.setDoubles("runner.evaluation_means", evaluations.map(\.mean))
        state.set("runner.schedule.seed", seed)
        for (k, v) in extraMetadata { state.metadata[k] = v }
    }

    /// Reads the progress back after checking that the checkpoint belongs to a run with this seed. Only the means of
    /// past evaluations are kept, so restored evaluations hold one value each.
    static func restore(from state: CheckpointState, seed: UInt64) throws -> RunnerProgress {
        let saved: UInt64 = try state.value("runner.schedule.seed")
        guard saved == seed else {
            throw CheckpointStateError.incompatible("checkpoint seed \(saved), this run has seed \(seed)")
        }
        let evalSteps = try state.doubles("runner.evaluation_steps")
        let evalMeans = try state.doubles("runner.evaluation_means")
        return RunnerProgress(
            step: try state.value("runner.step"), episodes: try state.value("runner.episodes"),
            updates: try state.value("runner.updates"), recentReturns: try state.doubles("runner.recent_returns"),
            evaluations: zip(evalSteps, evalMeans).map { EvaluationResult(step: Int($0), returns: [$1]) })
    }
}
