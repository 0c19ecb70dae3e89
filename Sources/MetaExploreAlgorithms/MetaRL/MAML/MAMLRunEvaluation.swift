import Foundation
import MetaExploreEnvironments

extension MAMLProcedure {
    /// The meta-evaluation of a MAML-family run folder's latest checkpoint (or of a checkpoint file): the held-out
    /// adaptation curve after 0 … `steps` inner steps on `tasks` held-out tasks with `trajectories` trajectories each
    /// (MAML's test protocol: 40 tasks, 20 trajectories; see `MultiTaskSampler.metaEvaluate`).
    public static func metaEvaluate(checkpoint url: URL, steps: Int, tasks: Int = 40, trajectories: Int = 20,
                                    seed: UInt64 = 0) throws -> (result: MetaEvaluationResult, iteration: Int, environment: String) {
        let state = try SafeTensorsCheckpointStore.read(url)
        guard let yaml = state.metadata[TrainingSession.configurationKey] else {
            throw CheckpointStateError.missingMetadata(TrainingSession.configurationKey)
        }
        let config = try FamilyRegistry.builtIn.load(yaml: yaml)
        guard let c = config.typed(MAMLConfiguration.self) else {
            throw CheckpointStateError.incompatible("\(config.algorithm) is not a gradient-based meta-RL (maml family) run")
        }
        let procedure = try MAMLProcedure(c) { try make(c.environment) }
        try procedure.restoreState(from: state)
        let result = try procedure.metaEvaluate(tasks: tasks, trajectoriesPerTask: trajectories, steps: steps, seed: seed)
        return (result, procedure.iteration, c.environment)
    }
}
