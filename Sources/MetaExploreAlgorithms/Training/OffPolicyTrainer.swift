import Foundation
import MetaExploreRandom

/// The schedule of a training run (taken from a configuration's `agent` and `run` sections).
public struct TrainingSchedule: Equatable, Sendable {
    public var totalSteps: Int
    public var warmupSteps: Int
    public var updatesPerStep: Int
    public var evalInterval: Int
    public var evalEpisodes: Int
    public var checkpointInterval: Int
    public var logInterval: Int
    public var seed: UInt64
    /// States kept at each end of training per acting policy (`StateVisitationRecorder`); 0: none.
    public var visitationWindow: Int

    public init(totalSteps: Int, warmupSteps: Int = 0, updatesPerStep: Int = 1, evalInterval: Int = 5000,
                evalEpisodes: Int = 10, checkpointInterval: Int = 0, logInterval: Int = 1000, seed: UInt64 = 0,
                visitationWindow: Int = 0) {
        self.totalSteps = totalSteps
        self.warmupSteps = warmupSteps
        self.updatesPerStep = updatesPerStep
        self.evalInterval = evalInterval
        self.evalEpisodes = evalEpisodes
        self.checkpointInterval = checkpointInterval
        self.logInterval = logInterval
        self.seed = seed
        self.visitationWindow = visitationWindow
    }

    public init(_ config: some ExperimentConfiguration) {
        self.init(totalSteps: config.run.totalSteps, warmupSteps: config.agent.warmupSteps,
                  updatesPerStep: config.agent.updatesPerStep, evalInterval: config.run.evalInterval,
                  evalEpisodes: config.run.evalEpisodes, checkpointInterval: config.run.checkpointInterval,
                  logInterval: config.run.logInterval, seed: config.run.seed,
                  visitationWindow: config.run.visitationWindow)
    }
}

extension TrainingSchedule {
    /// The seed of a run's evaluation episodes (episode k resets with this + k), derived from the run's seed the
    /// same way for every algorithm, so runs of different algorithms with one seed are evaluated from the same starts.
    public static func evaluationSeed(runSeed: UInt64) -> UInt64 {
        var rng = RandomStream(seed: runSeed, stream: "trainer").derived("evaluation-seeds")
        return rng.next() >> 1
    }
}

/// Runs a deterministic policy (`act` maps a raw observation to a [−1, 1] action) for `episodes` episodes on
/// `environment`; episode k starts from `reset(seed: seed + k)`. Shared by every runner, so evaluations of all
/// algorithms are comparable.
public func evaluateDeterministicPolicy<E: TrainingEnvironment>(
    on environment: E, episodes: Int, seed: UInt64, step: Int, act: ([Double]) -> [Double]
) throws -> EvaluationResult {
    var returns: [Double] = []
    for k in 0..<episodes {
        var obs = try environment.reset(seed: seed &+ UInt64(k))
        var total = 0.0
        while true {
            let r = try environment.step(environment.scaledAction(act(obs)))
            total += r.reward
            if r.terminated || r.truncated { break }
            obs = r.observation
        }
        returns.append(total)
    }
    return EvaluationResult(step: step, returns: returns)
}

/// Writes a run's state-visitation record to `visitation.safetensors` in its folder (nothing without either).
func writeVisitation(_ recorder: StateVisitationRecorder?, to runDirectory: RunDirectory?, step: Int) throws {
    guard let recorder, let runDirectory else { return }
    try recorder.write(to: runDirectory.visitationURL, metadata: ["step": String(step)])
}

/// Why a checkpoint is written.
public enum CheckpointReason: String, Sendable {
    case periodic, final, interrupted
}

/// Receives complete training states (the lead's safetensors writer conforms to this).
public protocol CheckpointSink: AnyObject {
    func writeCheckpoint(_ state: CheckpointState, step: Int, reason: CheckpointReason) throws
}

/// Keeps checkpoints in memory (tests, short experiments).
public final class InMemoryCheckpointSink: CheckpointSink {
    public private(set) var checkpoints: [(step: Int, reason: CheckpointReason, state: CheckpointState)] = []
    public init() {}
    public func writeCheckpoint(_ state: CheckpointState, step: Int, reason: CheckpointReason) throws {
        checkpoints.append((step, reason, state))
    }
    public var latest: CheckpointState? { checkpoints.last?.state }
}

/// The outcome of an evaluation: undiscounted returns of the deterministic policy.
public struct EvaluationResult: Sendable {
    public var step: Int
    public var returns: [Double]
    public var mean: Double { returns.isEmpty ? .nan : returns.reduce(0, +) / Double(returns.count) }
    public var standardDeviation: Double {
        guard returns.count > 1 else { return 0 }
        let m = mean
        return (returns.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(returns.count)).squareRoot()
    }
}

/// How a run ended.
public struct TrainingSummary: Sendable {
    public var steps: Int
    public var episodes: Int
    public var updates: Int
    public var evaluations: [EvaluationResult]
    /// Set when a stop request ended the run early.
    public var interruption: String?
}

public enum TrainingError: Error, CustomStringConvertible, Equatable {
    /// A loss or parameter became NaN or infinite; no checkpoint was written after it.
    case nonFinite(step: Int, what: String)

    public var description: String {
        switch self {
        case let .nonFinite(step, what):
            return "training diverged at step \(step): \(what) is not finite (NaN or infinity); the run was stopped and "
                + "the last checkpoint written before this step is the last good state"
        }
    }
}

/// The training loop shared by the off-policy algorithms.
///
/// Per environment step: during the first `warmupSteps` steps actions are uniform in the action box, afterwards
/// they come from the agent with exploration; the transition is stored; once warm-up is over (and the agent has
/// a full batch) the agent is updated `updatesPerStep` times. Every `evalInterval` steps the deterministic policy
/// is evaluated for `evalEpisodes` episodes on a separate environment instance (the same episode seeds every time,
/// so evaluations are comparable). Records go to the run directory (CSV, JSON Lines, TensorBoard) every
/// `logInterval` steps and after every evaluation; checkpoints go to the sink every `checkpointInterval` steps,
/// at the end, and when a stop is requested (SIGINT/SIGTERM through `SignalStopHandler`).
///
/// A non-finite loss stops the run at once with `TrainingError.nonFinite`; parameters are checked before every
/// checkpoint and every log record, so a checkpoint is only written from a finite state.
///
/// Resuming (`restoreState`) is exact at episode boundaries: every episode starts from a seed drawn from the
/// runner's own stream, and the agent's networks, optimizers, replay buffer, normalizer, noise and generators are
/// restored. A run interrupted mid-episode resumes with a fresh episode (environment internals are not saved).
public final class OffPolicyTrainer<Agent: OffPolicyAgent, Environment: TrainingEnvironment> {
    public let agent: Agent
    public let environment: Environment
    public let evaluationEnvironment: Environment
    public let schedule: TrainingSchedule
    public let runDirectory: RunDirectory?
    public let checkpointSink: CheckpointSink?
    public let stop: StopRequest
    public var progress: ProgressReporter?
    /// Added to every checkpoint's metadata (e.g. "config": the resolved YAML).
    public var extraMetadata: [String: String] = [:]

    public private(set) var step = 0
    public private(set) var episodes = 0
    public private(set) var updates = 0
    public private(set) var evaluations: [EvaluationResult] = []
    private var warmupRNG: RandomStream
    private var resetRNG: RandomStream
    /// Seed of the evaluation episodes' starts (episode k resets with `evaluationSeed + k`); derived from the run's
    /// seed, so every evaluation of a run sees the same starts. `metaexplore eval --seed` sets it.
    public var evaluationSeed: UInt64
    private var recentReturns: [Double] = []
    private var observation: [Double]?
    private var episodeReturn = 0.0
    private var episodeLength = 0
    private var metrics = MetricAccumulator()
    private var logging = false
    private var clock = WallClock()
    /// The states the exploring policy visits at both ends of training (source `behavior`), when
    /// `schedule.visitationWindow` > 0.
    public let visitation: StateVisitationRecorder?

    public init(agent: Agent, environment: Environment, evaluationEnvironment: Environment, schedule: TrainingSchedule,
                runDirectory: RunDirectory? = nil, checkpointSink: CheckpointSink? = nil, stop: StopRequest = StopRequest(),
                progress: ProgressReporter? = nil) {
        precondition(environment !== evaluationEnvironment, "evaluation needs its own environment instance")
        precondition(environment.observationSize == agent.observationSize && environment.actionSize == agent.actionSize,
                     "the agent's sizes do not match the environment")
        self.agent = agent
        self.environment = environment
        self.evaluationEnvironment = evaluationEnvironment
        self.schedule = schedule
        self.runDirectory = runDirectory
        self.checkpointSink = checkpointSink
        self.stop = stop
        self.progress = progress
        let root = RandomStream(seed: schedule.seed, stream: "trainer")
        warmupRNG = root.derived("warmup-actions")
        resetRNG = root.derived("episode-seeds")
        evaluationSeed = TrainingSchedule.evaluationSeed(runSeed: schedule.seed)
        visitation = schedule.visitationWindow > 0
            ? StateVisitationRecorder(window: schedule.visitationWindow, observationSize: agent.observationSize) : nil
    }

    /// Log columns (after `step`): runner measurements, then the agent's.
    public var columns: [String] {
        ["episodes", "updates", "wall_time", "steps_per_second", "train_return", "train_episode_length",
         "eval_return", "eval_return_std"] + agent.metricNames
    }

    // MARK: - The loop

    /// Trains until `totalSteps` (or a stop request); returns how the run ended.
    @discardableResult
    public func run() throws -> TrainingSummary {
        if let runDirectory, !logging {
            try runDirectory.startLogging(columns: columns)
            logging = true
        }
        clock.begin()
        var lastLogTime = WallClock.now, lastLogStep = step
        defer { progress?.finish(); clock.end() }

        // Stops and periodic checkpoints wait for the end of the current episode (at most one episode of steps):
        // the simulator's internal state is not part of a checkpoint, so a checkpoint taken between episodes is
        // one a resumed run continues from exactly.
        var checkpointDue = false
        while step < schedule.totalSteps {
            if stop.isRequested && observation == nil { break }
            if observation == nil {
                observation = try environment.reset(seed: resetRNG.next())
                episodeReturn = 0
                episodeLength = 0
                agent.startEpisode()
            }
            let obs = observation!
            let action = step < schedule.warmupSteps
                ? (0..<agent.actionSize).map { _ in warmupRNG.uniform(-1, 1) }
                : agent.act(obs, explore: true)
            let result = try environment.step(environment.scaledAction(action))
            visitation?.record(obs, source: "behavior")
            agent.observe(Transition(observation: obs, action: action, reward: result.reward,
                                     nextObservation: result.observation, terminated: result.terminated,
                                     truncated: result.truncated))
            step += 1
            episodeReturn += result.reward
            episodeLength += 1
            if result.terminated || result.truncated {
                episodes += 1
                recentReturns.append(episodeReturn)
                if recentReturns.count > 10 { recentReturns.removeFirst() }
                runningEpisodeLength = episodeLength
                observation = nil
            } else {
                observation = result.observation
            }

            if step >= schedule.warmupSteps && agent.canUpdate {
                for _ in 0..<schedule.updatesPerStep {
                    let measured = agent.update()
                    updates += 1
                    for (k, v) in measured { try metrics.add(k, v, step: step) }
                }
            }

            var evaluated: EvaluationResult?
            if schedule.evalEpisodes > 0 && step % schedule.evalInterval == 0 {
                evaluated = try evaluate()
                evaluations.append(evaluated!)
            }
            if step % schedule.logInterval == 0 || evaluated != nil {
                try checkParameters()
                let now = WallClock.now
                let rate = now > lastLogTime ? Double(step - lastLogStep) / (now - lastLogTime) : 0
                try log(evaluation: evaluated, wallTime: clock.elapsed, stepsPerSecond: rate)
                (lastLogTime, lastLogStep) = (now, step)
            }
            if schedule.checkpointInterval > 0 && step % schedule.checkpointInterval == 0 { checkpointDue = true }
            if checkpointDue && observation == nil && step < schedule.totalSteps
                && !stop.isRequested {  // a stop writes its own checkpoint right after
                try checkpoint(.periodic)
                checkpointDue = false
            }
            progress?.update(step: step, trainReturn: recentMean, evalReturn: evaluations.last?.mean)
        }
        let interruption = step < schedule.totalSteps ? (stop.requestReason ?? "stopped") : nil
        try checkpoint(interruption == nil ? .final : .interrupted)
        try writeVisitation(visitation, to: runDirectory, step: step)
        progress?.update(step: step, trainReturn: recentMean, evalReturn: evaluations.last?.mean, force: true)
        return TrainingSummary(steps: step, episodes: episodes, updates: updates, evaluations: evaluations,
                               interruption: interruption)
    }

    private var runningEpisodeLength = 0

    private var recentMean: Double? {
        recentReturns.isEmpty ? nil : recentReturns.reduce(0, +) / Double(recentReturns.count)
    }

    /// Runs the deterministic policy for `evalEpisodes` episodes on the evaluation environment.
    public func evaluate() throws -> EvaluationResult {
        try evaluateDeterministicPolicy(on: evaluationEnvironment, episodes: schedule.evalEpisodes, seed: evaluationSeed,
                                        step: step) { agent.act($0, explore: false) }
    }

    private func checkParameters() throws {
        if let name = agent.firstNonFiniteParameter() {
            throw TrainingError.nonFinite(step: step, what: "parameter '\(name)'")
        }
    }

    private func log(evaluation: EvaluationResult?, wallTime: Double, stepsPerSecond: Double) throws {
        let means = metrics.drain()
        guard let runDirectory else { return }
        var record = runnerRecord(episodes: episodes, updates: updates, wallTime: wallTime,
                                  stepsPerSecond: stepsPerSecond, trainReturn: recentMean, evaluation: evaluation,
                                  means: means)
        if recentMean != nil { record["train_episode_length"] = Double(runningEpisodeLength) }
        try runDirectory.log(record, step: step)
    }

    private func checkpoint(_ reason: CheckpointReason) throws {
        guard let checkpointSink else { return }
        try checkParameters()
        try checkpointSink.writeCheckpoint(saveState(), step: step, reason: reason)
    }

    // MARK: - State

    /// The complete state of the run: the agent's (under "agent.") and the runner's (under "runner.").
    public func saveState() -> CheckpointState {
        var state = CheckpointState()
        agent.saveState(into: &state, prefix: "agent.")
        RunnerProgress(step: step, episodes: episodes, updates: updates, recentReturns: recentReturns,
                       evaluations: evaluations, wallTime: clock.elapsed).save(into: &state, seed: schedule.seed, extraMetadata: extraMetadata)
        state.setGenerator("runner.rng.warmup", warmupRNG)
        state.setGenerator("runner.rng.episode_seeds", resetRNG)
        state.set("runner.last_episode_length", runningEpisodeLength)
        visitation?.saveState(into: &state, prefix: "runner.visitation.")
        return state
    }

    /// Restores a state saved by `saveState` (a run built from the same configuration). The next step starts a
    /// new episode.
    public func restoreState(_ state: CheckpointState) throws {
        let progress = try RunnerProgress.restore(from: state, seed: schedule.seed)
        try agent.restoreState(from: state, prefix: "agent.")
        (step, episodes, updates) = (progress.step, progress.episodes, progress.updates)
        (recentReturns, evaluations) = (progress.recentReturns, progress.evaluations)
        clock.restore(progress.wallTime)
        warmupRNG = try state.generator("runner.rng.warmup")
        resetRNG = try state.generator("runner.rng.episode_seeds")
        runningEpisodeLength = try state.value("runner.last_episode_length")
        try visitation?.restoreState(from: state, prefix: "runner.visitation.")
        observation = nil
        metrics = MetricAccumulator()
    }
}
