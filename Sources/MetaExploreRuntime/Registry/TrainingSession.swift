import Foundation
import MetaExploreEnvironments

/// Options of `TrainingSession.run` beyond the configuration.
public struct TrainingSessionOptions {
    /// The run folder (config.yaml, versions.json, logs); nil for no files.
    public var outputDirectory: URL?
    /// Receives checkpoints (nil: none are written).
    public var checkpointSink: CheckpointSink?
    /// A state to resume from (a checkpoint of the same configuration).
    public var resumeFrom: CheckpointState?
    /// Extra entries of versions.json (e.g. "mujoco", "gymnasium").
    public var versions: [String: String] = [:]
    /// Install the SIGINT/SIGTERM handler for the duration of the run.
    public var handleSignals = true
    /// Show the live progress line on stderr.
    public var showProgress = true
    /// An outside stop request (besides signals).
    public var stop = StopRequest()

    public init(outputDirectory: URL? = nil, checkpointSink: CheckpointSink? = nil, resumeFrom: CheckpointState? = nil) {
        self.outputDirectory = outputDirectory
        self.checkpointSink = checkpointSink
        self.resumeFrom = resumeFrom
    }
}

/// From a resolved configuration to a finished (or cleanly interrupted) run, for any family: the family builds its
/// unit of work, `TrainingLoop` does the rest.
///
/// ```swift
/// let config = try FamilyRegistry.builtIn.configuration(preset: "td3-paper", overrides: ["environment=Hopper-v5"])
/// let summary = try TrainingSession.run(config, options: .init(outputDirectory: URL(fileURLWithPath: "runs/h")))
/// ```
public enum TrainingSession {
    /// The metadata key of the resolved configuration in checkpoints.
    public static let configurationKey = "config"
    /// The metadata key (and `versions.json` entry) of the configuration's schema tag (`<family>/<version>`).
    public static let schemaKey = "config_schema"

    /// The loop for a configuration, on environments from `makeEnvironment` (default: the environment registry's
    /// `make(id, options: run.environmentOptions)`, called once per role the family needs), without starting it.
    public static func makeLoop(
        _ configuration: AnyExperimentConfiguration, options: TrainingSessionOptions = .init(),
        makeEnvironment: EnvironmentMaker? = nil
    ) throws -> TrainingLoop {
        let id = configuration.environment, environmentOptions = configuration.run.environmentOptions
        let procedure = try configuration.makeProcedure(
            makeEnvironment: makeEnvironment ?? { try make(id, options: environmentOptions) })
        let yaml = try configuration.yaml()
        var run: RunDirectory?
        if let out = options.outputDirectory {
            let directory = try RunDirectory(url: out)
            try directory.writeConfiguration(yaml: yaml)
            var versions = options.versions
            versions[schemaKey] = configuration.schemaTag
            try directory.writeVersions(extra: versions)
            run = directory
        }
        let progress = options.showProgress ? ProgressReporter(totalSteps: configuration.run.totalSteps) : nil
        let loop = TrainingLoop(procedure: procedure, schedule: RunSchedule(configuration.run), runDirectory: run,
                           checkpointSink: options.checkpointSink, stop: options.stop, progress: progress)
        loop.extraMetadata = [configurationKey: yaml, "metaexplore": RunDirectory.metaExploreVersion,
                              schemaKey: configuration.schemaTag]
        if let state = options.resumeFrom {
            try loop.restoreState(state)
            // Records logged after the checkpoint (a run killed, or stopped twice, after it) are cut, so the resumed
            // run logs every step once.
            try run?.truncateRecords(after: loop.step)
        }
        return loop
    }

    /// Trains as configured (see `makeLoop`).
    @discardableResult
    public static func run(
        _ configuration: AnyExperimentConfiguration, options: TrainingSessionOptions = .init(),
        makeEnvironment: EnvironmentMaker? = nil
    ) throws -> TrainingSummary {
        let loop = try makeLoop(configuration, options: options, makeEnvironment: makeEnvironment)
        let handler = options.handleSignals ? SignalStopHandler(stop: options.stop) : nil
        defer { handler?.cancel() }
        return try loop.run()
    }
}
