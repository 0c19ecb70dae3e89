import Foundation

/// Paths of a meta-RL agent on held-out tasks of a planar task family (observations are positions (x, y)), per
/// phase of its behaviour — e.g. an exploration policy's episodes and the adapted policy's episodes — for figures.
public struct PlanarPaths: Sendable {
    /// A named phase: `paths[i][j]` is trajectory j on task i, a list of (x, y) positions in visiting order.
    public struct Phase: Sendable {
        public var name: String
        public var paths: [[[(x: Double, y: Double)]]]
        public init(name: String, paths: [[[(x: Double, y: Double)]]]) {
            self.name = name
            self.paths = paths
        }
    }

    /// Each task's goal position.
    public var goals: [(x: Double, y: Double)]
    /// Fixed places of the task family (e.g. every possible goal), drawn as circles of `landmarkRadius`.
    public var landmarks: [(x: Double, y: Double)]
    public var landmarkRadius: Double
    public var phases: [Phase]
    /// The mean return of each phase's episodes (over tasks and trajectories).
    public var meanReturns: [Double]

    public init(goals: [(x: Double, y: Double)], landmarks: [(x: Double, y: Double)], landmarkRadius: Double,
                phases: [Phase], meanReturns: [Double]) {
        self.goals = goals
        self.landmarks = landmarks
        self.landmarkRadius = landmarkRadius
        self.phases = phases
        self.meanReturns = meanReturns
    }
}

/// A procedure that can show its behaviour on held-out tasks of a planar task family as paths (`metaexplore
/// trajectories`). The parameters are not changed.
public protocol PlanarPathsProcedure: TrainingProcedure {
    /// Paths on up to `tasks` distinct held-out tasks, `trajectories` per task and phase, samples drawn from `seed`.
    func planarPaths(tasks: Int, trajectories: Int, seed: UInt64) throws -> PlanarPaths
}

extension FamilyRegistry {
    /// The planar paths of a checkpoint's agent (see `PlanarPathsProcedure`); a run of a family that does not draw
    /// them is refused with a clear error.
    public func planarPaths(checkpoint url: URL, tasks: Int = 4, trajectories: Int = 3, seed: UInt64 = 0) throws
        -> (paths: PlanarPaths, configuration: AnyExperimentConfiguration, step: Int) {
        let state = try SafeTensorsCheckpointStore.read(url)
        guard let yaml = state.metadata[TrainingSession.configurationKey] else {
            throw CheckpointStateError.missingMetadata(TrainingSession.configurationKey)
        }
        let config = try load(yaml: yaml)
        var options = TrainingSessionOptions(resumeFrom: state)
        options.showProgress = false
        let loop = try TrainingSession.makeLoop(config, options: options)
        guard let drawing = loop.procedure as? any PlanarPathsProcedure else {
            throw ExperimentError.conflictingOptions("\(config.algorithm) does not draw planar paths")
        }
        return (try drawing.planarPaths(tasks: tasks, trajectories: trajectories, seed: seed), config, loop.step)
    }
}
