import Foundation
import MetaExploreEnvironments
import MetaExploreRandom

/// The unit of work of the off-policy learners (DDPG, TD3): one environment step, as the run loop drives it.
///
/// Per step: during the first `warmupSteps` steps the action is uniform in [−1, 1] (the whole action box), afterwards
/// it comes from the agent with exploration; `Box.denormalize` maps it onto the environment's box; the transition is
/// stored; once warm-up is over (and the agent has a full batch) the agent is updated `updatesPerStep` times. Only a
/// termination stops bootstrapping; time-limit truncations still bootstrap from s′. Episodes start from seeds drawn
/// from the procedure's own stream, so a checkpoint taken between episodes (`isAtCheckpointBoundary`) is one a
/// resumed run continues from exactly; the agent's networks, optimizers, replay buffer, normalizer, noise and
/// generators are all in it.
public final class OffPolicyProcedure<Agent: OffPolicyAgent>: TrainingProcedure {
    public let agent: Agent
    public let environment: any Environment
    public let evaluationEnvironment: any Environment
    public let warmupSteps: Int
    public let updatesPerStep: Int
    /// The states the exploring policy visits at both ends of training (source `behavior`), or nil.
    public let visitation: StateVisitationRecorder?
    private let box: Box
    private var warmupRNG: RandomStream
    private var resetRNG: RandomStream
    private var observation: [Double]?
    private var episodeReturn = 0.0
    private var episodeLength = 0

    /// `environment` and `evaluationEnvironment` must be distinct instances of one task with a bounded Box action
    /// space matching the agent's sizes; generators derive from `seed`.
    public init(agent: Agent, environment: any Environment, evaluationEnvironment: any Environment, warmupSteps: Int,
                updatesPerStep: Int, seed: UInt64, visitationWindow: Int = 0, environmentID: String = "environment") throws {
        guard environment !== evaluationEnvironment else {
            throw TrainingSetupError.unsupportedActionSpace(environmentID, "shared with evaluation (needs its own instance)")
        }
        let box = try environment.boundedActionBox(id: environmentID, observationSize: agent.observationSize,
                                                   actionSize: agent.actionSize)
        self.agent = agent
        self.environment = environment
        self.evaluationEnvironment = evaluationEnvironment
        self.warmupSteps = warmupSteps
        self.updatesPerStep = updatesPerStep
        self.box = box
        let root = RandomStream(seed: seed, stream: "trainer")
        warmupRNG = root.derived("warmup-actions")
        resetRNG = root.derived("episode-seeds")
        visitation = visitationWindow > 0
            ? StateVisitationRecorder(window: visitationWindow, observationSize: agent.observationSize) : nil
    }

    public var columns: [String] { agent.metricNames }

    public var isAtCheckpointBoundary: Bool { observation == nil }

    public func advance(step: Int) throws -> UnitReport {
        if observation == nil {
            observation = try environment.reset(seed: resetRNG.next(), options: [:]).observation
            episodeReturn = 0
            episodeLength = 0
            agent.startEpisode()
        }
        let obs = observation!
        let action = step < warmupSteps
            ? (0..<agent.actionSize).map { _ in warmupRNG.uniform(-1, 1) }
            : agent.act(obs, explore: true)
        let result = try environment.step(box.denormalize(action))
        visitation?.record(obs, source: "behavior")
        agent.observe(Transition(observation: obs, action: action, reward: result.reward,
                                 nextObservation: result.observation, terminated: result.terminated,
                                 truncated: result.truncated))
        var report = UnitReport(steps: 1)
        episodeReturn += result.reward
        episodeLength += 1
        if result.terminated || result.truncated {
            report.finishedEpisodes = [(episodeReturn, episodeLength)]
            observation = nil
        } else {
            observation = result.observation
        }
        if step + 1 >= warmupSteps && agent.canUpdate {
            for _ in 0..<updatesPerStep {
                for (k, v) in agent.update() { report.measurements.append((k, v)) }
                report.updates += 1
            }
        }
        return report
    }

    public func evaluate(episodes: Int, seed: UInt64, step: Int) throws -> EvaluationResult {
        try evaluateDeterministicPolicy(on: evaluationEnvironment, episodes: episodes, seed: seed, step: step) {
            box.denormalize(agent.act($0, explore: false))
        }
    }

    public func firstNonFiniteParameter() -> String? { agent.firstNonFiniteParameter().map { "parameter '\($0)'" } }

    /// The agent's state under "agent.", the procedure's generators under "runner.".
    public func saveState(into state: inout CheckpointState) {
        agent.saveState(into: &state, prefix: "agent.")
        state.setGenerator("runner.rng.warmup", warmupRNG)
        state.setGenerator("runner.rng.episode_seeds", resetRNG)
        visitation?.saveState(into: &state, prefix: "runner.visitation.")
    }

    /// The next step starts a new episode.
    public func restoreState(from state: CheckpointState) throws {
        try agent.restoreState(from: state, prefix: "agent.")
        warmupRNG = try state.generator("runner.rng.warmup")
        resetRNG = try state.generator("runner.rng.episode_seeds")
        try visitation?.restoreState(from: state, prefix: "runner.visitation.")
        observation = nil
    }

    public func finish(runDirectory: RunDirectory?, step: Int) throws {
        try visitation?.write(into: runDirectory, step: step)
    }
}

/// What an off-policy family's configuration offers the shared setup.
protocol OffPolicyExperiment: ExperimentConfiguration {
    var agent: OffPolicyAgentSettings { get }
}

/// The off-policy procedure of a configuration on two fresh environments (training, evaluation), with the agent
/// `makeAgent` builds for the environment's observation and action sizes.
func makeOffPolicyProcedure<Agent: OffPolicyAgent>(
    _ c: some OffPolicyExperiment, makeEnvironment: EnvironmentMaker, makeAgent: (_ observations: Int, _ actions: Int) -> Agent
) throws -> any TrainingProcedure {
    let env = try makeEnvironment(), evaluation = try makeEnvironment()
    let agent = makeAgent(env.observationSpace.count, env.actionSpace.flatCount)
    return try OffPolicyProcedure(agent: agent, environment: env, evaluationEnvironment: evaluation,
                                  warmupSteps: c.agent.warmupSteps, updatesPerStep: c.agent.updatesPerStep,
                                  seed: c.run.seed, visitationWindow: c.run.visitationWindow, environmentID: c.environment)
}

/// Settings that are valid but leave the policy untrained: a budget no longer than the random warm-up.
func offPolicyWarnings(_ c: some OffPolicyExperiment) -> [String] {
    guard c.run.totalSteps <= c.agent.warmupSteps else { return [] }
    return ["run.totalSteps (\(c.run.totalSteps)) does not exceed agent.warmupSteps (\(c.agent.warmupSteps)): "
            + "every step is a uniformly random action and the policy is never trained"]
}
