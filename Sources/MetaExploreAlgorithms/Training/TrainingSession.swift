import Foundation
import MetaExploreRandom

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

/// The entry point a command-line `train` builds on: from a resolved configuration and an environment factory to a
/// finished (or cleanly interrupted) run.
///
/// ```swift
/// let config = try ConfigurationLoader.loadPreset("td3-paper", overrides: ["environment=Hopper-v5"])
/// let summary = try TrainingSession.run(config, options: .init(outputDirectory: URL(fileURLWithPath: "runs/hopper"))) {
///     try MyEnvironmentAdapter(name: $0)            // called twice (meta: three times), one instance per role
/// }
/// ```
public enum TrainingSession {
    /// The agent a configuration describes, for the given sizes.
    /// (The meta-policy gradient is not an `OffPolicyAgent`; see `makeMetaRunner`.)
    public static func makeAgent(_ configuration: AnyExperimentConfiguration, observationSize: Int,
                                 actionSize: Int) -> any OffPolicyAgent {
        switch configuration {
        case .meta, .cmp:
            preconditionFailure("TrainingSession.makeAgent: learned exploration runs through makeMetaRunner")
        case .ddpg(let c):
            return DDPGAgent(observationSize: observationSize, actionSize: actionSize, learner: c.learner,
                             settings: c.agent, seed: c.run.seed)
        case .td3(let c):
            return TD3Agent(observationSize: observationSize, actionSize: actionSize, learner: c.learner,
                            settings: c.agent, seed: c.run.seed)
        }
    }

    public static func schedule(_ configuration: AnyExperimentConfiguration) -> TrainingSchedule {
        switch configuration {
        case .ddpg(let c): return TrainingSchedule(c)
        case .td3(let c): return TrainingSchedule(c)
        case .meta(let c): return TrainingSchedule(c)
        case .cmp(let c): return TrainingSchedule(c)
        }
    }

    public static func environmentName(_ configuration: AnyExperimentConfiguration) -> String {
        switch configuration {
        case .ddpg(let c): return c.environment
        case .td3(let c): return c.environment
        case .meta(let c): return c.environment
        case .cmp(let c): return c.environment
        }
    }

    /// Trains as configured. `makeEnvironment` receives the configured environment name and is called twice
    /// (training and evaluation instances), three times for the meta-policy gradient (D0, D1 and evaluation).
    @discardableResult
    public static func run<Environment: TrainingEnvironment>(
        _ configuration: AnyExperimentConfiguration, options: TrainingSessionOptions = .init(),
        makeEnvironment: (String) throws -> Environment
    ) throws -> TrainingSummary {
        let name = environmentName(configuration)
        let env = try makeEnvironment(name), evalEnv = try makeEnvironment(name)
        let yaml = try ConfigurationLoader.yaml(configuration)
        var run: RunDirectory?
        if let out = options.outputDirectory {
            let directory = try RunDirectory(url: out)
            try directory.writeConfiguration(yaml: yaml)
            try directory.writeVersions(extra: options.versions)
            run = directory
        }
        if configuration.isLearnedExploration {
            let progress = options.showProgress ? ProgressReporter(totalSteps: configuration.run.totalSteps) : nil
            let runner = try makeMetaRunner(configuration, exploration: env, lookahead: try makeEnvironment(name), evaluation: evalEnv,
                                            runDirectory: run, checkpointSink: options.checkpointSink,
                                            stop: options.stop, progress: progress)
            runner.extraMetadata = ["config": yaml, "metaexplore": RunDirectory.metaExploreVersion]
            if let state = options.resumeFrom { try runner.restoreState(state) }
            let handler = options.handleSignals ? SignalStopHandler(stop: options.stop) : nil
            defer { handler?.cancel() }
            return try runner.run()
        }
        let agent = makeAgent(configuration, observationSize: env.observationSize, actionSize: env.actionSize)
        return try runOpened(agent, env, evalEnv, schedule(configuration), run, yaml, options)
    }

    /// The learned-exploration runner of a `.meta` or `.cmp` configuration (see the typed overloads).
    public static func makeMetaRunner<Environment: TrainingEnvironment>(
        _ configuration: AnyExperimentConfiguration, exploration: Environment, lookahead: Environment,
        evaluation: Environment, runDirectory: RunDirectory? = nil, checkpointSink: CheckpointSink? = nil,
        stop: StopRequest = StopRequest(), progress: ProgressReporter? = nil
    ) throws -> any MetaPolicyGradientRunner {
        switch configuration {
        case .meta(let c):
            return try makeMetaRunner(c, exploration: exploration, lookahead: lookahead, evaluation: evaluation,
                                      runDirectory: runDirectory, checkpointSink: checkpointSink, stop: stop,
                                      progress: progress)
        case .cmp(let c):
            return try makeCMPRunner(c, exploration: exploration, lookahead: lookahead, evaluation: evaluation,
                                     runDirectory: runDirectory, checkpointSink: checkpointSink, stop: stop,
                                     progress: progress)
        case .ddpg, .td3:
            preconditionFailure("TrainingSession.makeMetaRunner: \(configuration.algorithm) is not learned exploration")
        }
    }

    /// The CMP runner a configuration describes (CMP-β, MA2C or L2Explore; student `ddpg` or `td3`) on three
    /// distinct environment instances (τ, τ′, evaluation): `MetaPolicyGradientTrainer` around a `CMPIteration`. The
    /// student's initial weights come from the run seed, as for `makeMetaRunner`.
    public static func makeCMPRunner<Environment: TrainingEnvironment>(
        _ c: CMPExperimentConfiguration, exploration: Environment, lookahead: Environment,
        evaluation: Environment, runDirectory: RunDirectory? = nil, checkpointSink: CheckpointSink? = nil,
        stop: StopRequest = StopRequest(), progress: ProgressReporter? = nil
    ) throws -> any MetaPolicyGradientRunner {
        func runner<S: MetaStudentLearner>(_ student: S) throws -> any MetaPolicyGradientRunner {
            try MetaPolicyGradientTrainer(
                student: student, cmp: c.cmpConfiguration, settings: c.agent, explorationEnvironment: exploration,
                lookaheadEnvironment: lookahead, evaluationEnvironment: evaluation, schedule: TrainingSchedule(c),
                runDirectory: runDirectory, checkpointSink: checkpointSink, stop: stop, progress: progress)
        }
        return try runner(metaStudent(c.student, ddpg: c.learner, td3: c.td3, seed: c.run.seed, for: exploration))
    }

    /// The meta-policy-gradient runner a configuration describes (student `ddpg` or `td3`), on three distinct
    /// environment instances (D0, D1, evaluation). The student's initial weights come from the run seed.
    public static func makeMetaRunner<Environment: TrainingEnvironment>(
        _ c: MetaPolicyGradientExperimentConfiguration, exploration: Environment, lookahead: Environment,
        evaluation: Environment, runDirectory: RunDirectory? = nil, checkpointSink: CheckpointSink? = nil,
        stop: StopRequest = StopRequest(), progress: ProgressReporter? = nil
    ) throws -> any MetaPolicyGradientRunner {
        func runner<S: MetaStudentLearner>(_ student: S) throws -> any MetaPolicyGradientRunner {
            try MetaPolicyGradientTrainer(
                student: student, configuration: c.metaConfiguration, settings: c.agent,
                explorationEnvironment: exploration, lookaheadEnvironment: lookahead, evaluationEnvironment: evaluation,
                schedule: TrainingSchedule(c), runDirectory: runDirectory, checkpointSink: checkpointSink, stop: stop,
                progress: progress)
        }
        return try runner(metaStudent(c.student, ddpg: c.learner, td3: c.td3, seed: c.run.seed, for: exploration))
    }

    /// A freshly initialized student of a learned-exploration run, its weights drawn from the run seed's
    /// "meta-student" stream (the same for every method, so Meta, CMP and MA2C runs of one seed start alike).
    static func metaStudent(_ kind: StudentAlgorithm, ddpg: DDPGLearnerConfiguration, td3: TD3LearnerConfiguration,
                            seed: UInt64, for environment: some TrainingEnvironment) -> any MetaStudentLearner {
        var rng = RandomStream(seed: seed, stream: "meta-student").derived("network-init")
        let obs = environment.observationSize, act = environment.actionSize
        switch kind {
        case .ddpg: return DDPGLearner(observationSize: obs, actionSize: act, configuration: ddpg, using: &rng)
        case .td3: return TD3Learner(observationSize: obs, actionSize: act, configuration: td3, using: &rng)
        }
    }

    private static func runOpened<Agent: OffPolicyAgent, Environment: TrainingEnvironment>(
        _ agent: Agent, _ env: Environment, _ evalEnv: Environment, _ schedule: TrainingSchedule, _ run: RunDirectory?,
        _ yaml: String, _ options: TrainingSessionOptions
    ) throws -> TrainingSummary {
        let trainer = OffPolicyTrainer(agent: agent, environment: env, evaluationEnvironment: evalEnv, schedule: schedule,
                                       runDirectory: run, checkpointSink: options.checkpointSink, stop: options.stop,
                                       progress: options.showProgress ? ProgressReporter(totalSteps: schedule.totalSteps) : nil)
        trainer.extraMetadata = ["config": yaml, "metaexplore": RunDirectory.metaExploreVersion]
        if let state = options.resumeFrom { try trainer.restoreState(state) }
        let handler = options.handleSignals ? SignalStopHandler(stop: options.stop) : nil
        defer { handler?.cancel() }
        return try trainer.run()
    }
}
