import Foundation
import MetaExploreEnvironments

/// The library API behind `metaexplore train`, `eval` and `bench train`: resolve a configuration, run or resume it
/// in a run folder with safetensors checkpoints, evaluate a checkpoint, measure training speed.
///
/// ```swift
/// let config = try Experiments.configuration(preset: "ddpg-pendulum", overrides: ["run.seed=3"])
/// let summary = try Experiments.train(config, in: URL(fileURLWithPath: "runs/ddpg-pendulum-3"))
/// ```
public enum Experiments {
    /// The algorithms `train` accepts.
    public static let algorithms = AnyExperimentConfiguration.algorithmNames

    /// Resolves a configuration: a preset, a YAML file, or an algorithm's defaults (exactly one base; `algorithm`
    /// alone selects the defaults), then the overrides in order (`key=value`, dotted keys). Every error names the
    /// key, file or preset at fault, before any work starts.
    public static func configuration(
        algorithm: String? = nil, preset: String? = nil, file: URL? = nil, overrides: [String] = []
    ) throws -> AnyExperimentConfiguration {
        var yaml: String?
        var all = overrides
        switch (preset, file) {
        case (let p?, nil):
            yaml = try Presets.yaml(named: p)
        case (nil, let f?):
            do { yaml = try String(contentsOf: f, encoding: .utf8) } catch {
                throw ExperimentError.unreadableConfiguration(f.path, error.localizedDescription)
            }
        case (nil, nil):
            break
        default:
            throw ExperimentError.conflictingOptions("give either a preset or a configuration file, not both")
        }
        if let algorithm {
            guard algorithms.contains(algorithm) else { throw ConfigurationError.unknownAlgorithm(algorithm) }
            all.insert("algorithm=\(algorithm)", at: 0)
        }
        if yaml == nil && algorithm == nil { all.insert("algorithm=ddpg", at: 0) }
        return try ConfigurationLoader.loadAny(yaml: yaml, overrides: all)
    }

    /// Versions written beside the results (besides the built-in MetaExplore/Swift/OS entries).
    public static var environmentVersions: [String: String] {
        ["mujoco": "3.3.7", "gymnasium_definitions": "1.4.0"]
    }

    /// Trains in `directory` (created; must not already hold a run unless `resume`). With `resume`, the
    /// configuration and the full state come from `<directory>/checkpoints/latest.safetensors`; `totalSteps` may
    /// raise the step budget of the resumed run.
    @discardableResult
    public static func train(
        _ configuration: AnyExperimentConfiguration?, in directory: URL, resume: Bool = false, totalSteps: Int? = nil,
        showProgress: Bool = true, handleSignals: Bool = true
    ) throws -> TrainingSummary {
        // Everything is checked before anything is created on disk.
        let latest = directory.appendingPathComponent("checkpoints/latest.safetensors")
        var resumeState: CheckpointState?
        var config: AnyExperimentConfiguration
        if resume {
            guard FileManager.default.fileExists(atPath: latest.path) else {
                throw TrainingSetupError.noCheckpoint(directory.path)
            }
            let state = try SafeTensorsCheckpointStore.read(latest)
            guard let yaml = state.metadata["config"] else {
                throw CheckpointStateError.missingMetadata("config")
            }
            config = try ConfigurationLoader.loadAny(yaml: yaml, overrides: totalSteps.map { ["run.totalSteps=\($0)"] } ?? [])
            resumeState = state
        } else {
            guard let c = configuration else {
                throw ExperimentError.conflictingOptions("a new run needs a configuration")
            }
            if FileManager.default.fileExists(atPath: directory.appendingPathComponent("config.yaml").path) {
                throw TrainingSetupError.runFolderInUse(directory.path)
            }
            config = c
            if let totalSteps { config = try ConfigurationLoader.loadAny(yaml: ConfigurationLoader.yaml(c), overrides: ["run.totalSteps=\(totalSteps)"]) }
        }
        _ = try Registry.spec(TrainingSession.environmentName(config))  // an unknown id fails here, with suggestions
        let store = try SafeTensorsCheckpointStore(directory: directory.appendingPathComponent("checkpoints"))
        var options = TrainingSessionOptions(outputDirectory: directory, checkpointSink: store, resumeFrom: resumeState)
        options.versions = environmentVersions
        options.showProgress = showProgress
        options.handleSignals = handleSignals
        return try TrainingSession.run(config, options: options) { try GymnasiumTrainingEnvironment(id: $0) }
    }

    /// The deterministic policy of a checkpoint evaluated over `episodes` episodes (default: the run's setting) on a
    /// fresh environment; `seed` changes the evaluation episodes' starts.
    public static func evaluate(checkpoint url: URL, episodes: Int? = nil, seed: UInt64? = nil) throws -> EvaluationResult {
        let state = try SafeTensorsCheckpointStore.read(url)
        guard let yaml = state.metadata["config"] else { throw CheckpointStateError.missingMetadata("config") }
        var overrides: [String] = []
        if let episodes { overrides.append("run.evalEpisodes=\(episodes)") }
        let config = try ConfigurationLoader.loadAny(yaml: yaml, overrides: overrides)
        let name = TrainingSession.environmentName(config)
        let env = try GymnasiumTrainingEnvironment(id: name), evalEnv = try GymnasiumTrainingEnvironment(id: name)
        if config.isLearnedExploration {
            let runner = try TrainingSession.makeMetaRunner(config, exploration: env, lookahead: try GymnasiumTrainingEnvironment(id: name),
                                                            evaluation: evalEnv)
            try runner.restoreState(state)
            if let seed { runner.evaluationSeed = seed }
            return try runner.evaluate()
        }
        let agent = TrainingSession.makeAgent(config, observationSize: env.observationSize, actionSize: env.actionSize)
        return try evaluateOpened(agent, env, evalEnv, TrainingSession.schedule(config), state, seed: seed)
    }

    private static func evaluateOpened<A: OffPolicyAgent>(
        _ agent: A, _ env: GymnasiumTrainingEnvironment, _ evalEnv: GymnasiumTrainingEnvironment,
        _ schedule: TrainingSchedule, _ state: CheckpointState, seed: UInt64?
    ) throws -> EvaluationResult {
        let trainer = OffPolicyTrainer(agent: agent, environment: env, evaluationEnvironment: evalEnv, schedule: schedule,
                                       runDirectory: nil, checkpointSink: nil, stop: StopRequest(), progress: nil)
        try trainer.restoreState(state)
        if let seed { trainer.evaluationSeed = seed }
        return try trainer.evaluate()
    }

    /// Environment steps per second of training (acting, stepping, storing, and `updatesPerStep` updates per step),
    /// timed after a warm-up of `warmupSteps` random steps plus 200 training steps, without evaluation, logging or
    /// checkpoints.
    public static func trainingSpeed(_ configuration: AnyExperimentConfiguration, steps: Int) throws -> Double {
        if configuration.isLearnedExploration {
            throw ExperimentError.conflictingOptions("bench train measures ddpg and td3; time a short `train --algo \(configuration.algorithm)` run instead")
        }
        let name = TrainingSession.environmentName(configuration)
        let env = try GymnasiumTrainingEnvironment(id: name), evalEnv = try GymnasiumTrainingEnvironment(id: name)
        let agent = TrainingSession.makeAgent(configuration, observationSize: env.observationSize,
                                              actionSize: env.actionSize)
        return try trainingSpeedOpened(agent, env, evalEnv, TrainingSession.schedule(configuration), steps: steps)
    }

    private static func trainingSpeedOpened<A: OffPolicyAgent>(
        _ agent: A, _ env: GymnasiumTrainingEnvironment, _ evalEnv: GymnasiumTrainingEnvironment,
        _ schedule: TrainingSchedule, steps: Int
    ) throws -> Double {
        var warm = schedule
        warm.totalSteps = schedule.warmupSteps + 200
        warm.evalEpisodes = 0
        warm.evalInterval = Int.max / 2
        warm.checkpointInterval = 0
        let first = OffPolicyTrainer(agent: agent, environment: env, evaluationEnvironment: evalEnv, schedule: warm,
                                     runDirectory: nil, checkpointSink: nil, stop: StopRequest(), progress: nil)
        try first.run()
        var timed = warm
        timed.totalSteps = warm.totalSteps + steps
        let second = OffPolicyTrainer(agent: agent, environment: env, evaluationEnvironment: evalEnv, schedule: timed,
                                      runDirectory: nil, checkpointSink: nil, stop: StopRequest(), progress: nil)
        try second.restoreState(first.saveState())
        let start = DispatchTime.now().uptimeNanoseconds
        try second.run()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Double(steps) / seconds
    }
}

/// Problems with how an experiment was asked for.
public enum ExperimentError: Error, CustomStringConvertible, Equatable {
    case conflictingOptions(String)
    case unreadableConfiguration(String, String)

    public var description: String {
        switch self {
        case .conflictingOptions(let why): return why
        case let .unreadableConfiguration(path, why): return "cannot read the configuration file \(path): \(why)"
        }
    }
}
