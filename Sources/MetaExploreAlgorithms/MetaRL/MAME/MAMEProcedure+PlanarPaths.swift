import MetaExploreEnvironments

/// `metaexplore trajectories`: MAME's exploration policy μφ and its adapted exploitation policy πθ,z′ on held-out
/// tasks (the pictures of interest for the seed's PointCorner: does μφ visit the four corners, does πθ,z′ go
/// straight to the goal?). Phases: μφ's exploration episodes, πθ,z (z not adapted) and πθ,z′ after one inner step on
/// those exploration episodes (`metaEvaluationTrace` with one step). Tasks: the first distinct tasks of the family's
/// held-out list.
extension MAMEProcedure: PlanarPathsProcedure {
    public func planarPaths(tasks count: Int, trajectories: Int, seed: UInt64) throws -> PlanarPaths {
        guard sampler.observationSize == 2, count >= 1, trajectories >= 1 else {
            throw EnvironmentError.invalidConfiguration(
                "planar paths need a task family whose observation is a position (x, y), at least one task and trajectory; "
                    + "\(configuration.environment) observes \(sampler.observationSize) numbers")
        }
        var tasks: [MetaTask] = []
        for task in heldOutTasks(count: Swift.max(40, count)) where !tasks.contains(task) && tasks.count < count {
            tasks.append(task)
        }
        let trace = try metaEvaluationTrace(tasks: tasks, trajectoriesPerTask: trajectories, steps: 1, seed: seed)
        func paths(_ batch: TrajectoryBatch) -> [[[(x: Double, y: Double)]]] {
            tasks.indices.map { i in
                (0..<trajectories).map { j in
                    let row = i * trajectories + j
                    return (0..<batch.lengths[row]).map { t in
                        let k = (row * batch.horizon + t) * 2
                        return (x: batch.observations[k], y: batch.observations[k + 1])
                    }
                }
            }
        }
        let goals = tasks.map { (x: $0.descriptor[0], y: $0.descriptor.count > 1 ? $0.descriptor[1] : 0) }
        let isCorner = configuration.environment == PointCorner.family
        return PlanarPaths(
            goals: goals,
            landmarks: isCorner ? PointCorner.corners.map { (x: $0.x, y: $0.y) } : [],
            landmarkRadius: isCorner ? PointCorner.rewardRadius : 0,
            phases: [
                .init(name: "exploration (mu)", paths: paths(trace.explorationBatch)),
                .init(name: "exploitation, z not adapted", paths: paths(trace.batches[0])),
                .init(name: "exploitation, z adapted (1 step)", paths: paths(trace.batches[1])),
            ],
            meanReturns: [trace.explorationBatch.averageReturn, trace.batches[0].averageReturn, trace.batches[1].averageReturn])
    }
}
