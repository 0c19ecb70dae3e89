import Foundation
import MetaExploreAlgorithms
import MetaExploreEnvironments

/// The registry calls the tests in this target make, under short names.
enum Experiments {
    static var registry: FamilyRegistry { .builtIn }
    static var algorithms: [String] { registry.algorithmNames }

    static func configuration(algorithm: String? = nil, preset: String? = nil, file: URL? = nil,
                              overrides: [String] = []) throws -> AnyExperimentConfiguration {
        try registry.configuration(algorithm: algorithm, preset: preset, file: file, overrides: overrides)
    }

    /// A new run, or (`resume`) the run in `directory` continued.
    @discardableResult
    static func train(_ configuration: AnyExperimentConfiguration?, in directory: URL, resume: Bool = false,
                      totalSteps: Int? = nil, showProgress: Bool = false, handleSignals: Bool = false) throws -> TrainingSummary {
        if resume {
            return try registry.resume(in: directory, totalSteps: totalSteps, showProgress: showProgress,
                                       handleSignals: handleSignals)
        }
        var c = try require2(configuration)
        if let totalSteps { c = try registry.load(yaml: c.yaml(), overrides: ["run.totalSteps=\(totalSteps)"]) }
        return try registry.train(c, in: directory, showProgress: showProgress, handleSignals: handleSignals)
    }

    static func evaluate(checkpoint: URL, episodes: Int? = nil, seed: UInt64? = nil) throws -> EvaluationResult {
        try registry.evaluate(checkpoint: checkpoint, episodes: episodes, seed: seed)
    }

    static func trainingSpeed(_ configuration: AnyExperimentConfiguration, steps: Int) throws -> Double {
        try registry.trainingSpeed(configuration, steps: steps, warmupSteps: 200)
    }
}

struct MissingValue: Error {}

func require2<T>(_ value: T?) throws -> T {
    guard let value else { throw MissingValue() }
    return value
}

/// The schedule of an off-policy test run (the run settings plus the agent's warm-up and updates per step).
struct TrainingSchedule {
    var totalSteps: Int
    var warmupSteps = 0
    var updatesPerStep = 1
    var evalInterval = 5000
    var evalEpisodes = 10
    var checkpointInterval = 0
    var logInterval = 1000
    var seed: UInt64 = 0
    var visitationWindow = 0
}

/// An off-policy agent on an environment under the run loop, as the tests drive it.
final class OffPolicyTrainer<Agent: OffPolicyAgent, Env: Environment> {
    let agent: Agent
    let environment: Env
    let procedure: OffPolicyProcedure<Agent>
    let loop: TrainingLoop
    var stop: StopRequest { loop.stop }
    var step: Int { loop.step }
    var evaluations: [EvaluationResult] { loop.evaluations }
    var columns: [String] { loop.columns }
    var visitation: StateVisitationRecorder? { procedure.visitation }
    var evaluationSeed: UInt64 {
        get { loop.evaluationSeed }
        set { loop.evaluationSeed = newValue }
    }

    init(agent: Agent, environment: Env, evaluationEnvironment: Env, schedule: TrainingSchedule,
         runDirectory: RunDirectory? = nil, checkpointSink: CheckpointSink? = nil, stop: StopRequest = StopRequest()) {
        self.agent = agent
        self.environment = environment
        procedure = try! OffPolicyProcedure(agent: agent, environment: environment,
                                            evaluationEnvironment: evaluationEnvironment,
                                            warmupSteps: schedule.warmupSteps, updatesPerStep: schedule.updatesPerStep,
                                            seed: schedule.seed, visitationWindow: schedule.visitationWindow)
        loop = TrainingLoop(procedure: procedure,
                       schedule: RunSchedule(totalSteps: schedule.totalSteps, evalInterval: schedule.evalInterval,
                                             evalEpisodes: schedule.evalEpisodes,
                                             checkpointInterval: schedule.checkpointInterval,
                                             logInterval: schedule.logInterval, seed: schedule.seed),
                       runDirectory: runDirectory, checkpointSink: checkpointSink, stop: stop)
    }

    @discardableResult func run() throws -> TrainingSummary { try loop.run() }
    func evaluate() throws -> EvaluationResult { try loop.evaluate() }
    func saveState() -> CheckpointState { loop.saveState() }
    func restoreState(_ state: CheckpointState) throws { try loop.restoreState(state) }
}
