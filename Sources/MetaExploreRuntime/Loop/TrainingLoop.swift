import Foundation
import MetaExploreEnvironments
import MetaExploreRandom

/// What an algorithm family gives the run loop: its unit of work (one environment step of an off-policy learner,
/// one Algorithm-1 iteration of a learned-exploration method, one meta-batch of a meta-RL method), its evaluation,
/// and its state. Everything else — the budget, the evaluation and logging schedule, the CSV/JSON Lines/TensorBoard
/// records, the progress line, checkpoints and exact resume, stop requests, the divergence check and wall-clock
/// accounting — belongs to `TrainingLoop`, identically for every family.
public protocol TrainingProcedure: AnyObject {
    /// The procedure's log columns, after the columns every run logs (`TrainingLoop.commonColumns`); fixed for a run.
    var columns: [String] { get }
    /// Columns logged as their latest value instead of their mean since the last record (e.g. a moving sum).
    var latestValueColumns: Set<String> { get }
    /// Whether a checkpoint taken now lets a resumed run continue exactly (for example between episodes, because
    /// the simulator's internal state is not saved). Stops and periodic checkpoints wait for such a point.
    var isAtCheckpointBoundary: Bool { get }

    /// Does one unit of work and reports what it did. `step` is the number of environment steps before the unit.
    func advance(step: Int) throws -> UnitReport
    /// The deterministic policy's undiscounted returns over `episodes` episodes, episode k reset with `seed + k`,
    /// on an environment instance kept for evaluation (see `evaluateDeterministicPolicy`).
    func evaluate(episodes: Int, seed: UInt64, step: Int) throws -> EvaluationResult
    /// Values added to the next log record besides the measurements' means (e.g. an iteration counter).
    func logValues() -> MetricsRecord
    /// A description of the first learned parameter that is NaN or infinite ("parameter 'actor.0.weight'"), or nil.
    func firstNonFiniteParameter() -> String?
    /// Saves everything the procedure needs to continue exactly (networks, optimizers, buffers, generators …).
    func saveState(into state: inout CheckpointState)
    /// Restores a state saved by `saveState` of a procedure built from the same configuration.
    func restoreState(from state: CheckpointState) throws
    /// Called once when the run has reached its budget or stopped, after the last checkpoint (e.g. to write a
    /// state-visitation record into the run folder).
    func finish(runDirectory: RunDirectory?, step: Int) throws
}

extension TrainingProcedure {
    public var latestValueColumns: Set<String> { [] }
    public var isAtCheckpointBoundary: Bool { true }
    public func logValues() -> MetricsRecord { [:] }
    public func finish(runDirectory: RunDirectory?, step: Int) throws {}
}

/// What one unit of work did.
public struct UnitReport: Sendable {
    /// Environment steps taken (they count toward the budget).
    public var steps: Int
    /// Learner updates made.
    public var updates: Int
    /// Training episodes that ended during the unit: their undiscounted return, and their length where the
    /// procedure tracks it (logged as `train_episode_length`).
    public var finishedEpisodes: [(return: Double, length: Int?)]
    /// Measurements, in the order they were made (averaged per log record; a non-finite value stops the run).
    public var measurements: [(name: String, value: Double)]

    public init(steps: Int, updates: Int = 0, finishedEpisodes: [(return: Double, length: Int?)] = [],
                measurements: [(name: String, value: Double)] = []) {
        self.steps = steps
        self.updates = updates
        self.finishedEpisodes = finishedEpisodes
        self.measurements = measurements
    }
}

/// When a run evaluates, logs and checkpoints, and how long it is.
public struct RunSchedule: Equatable, Sendable {
    public var totalSteps: Int
    public var evalInterval: Int
    /// Also evaluate when the count of finished training episodes crosses a multiple of this (0: never).
    public var evalIntervalEpisodes: Int
    public var evalEpisodes: Int
    public var checkpointInterval: Int
    public var logInterval: Int
    public var seed: UInt64

    public init(totalSteps: Int, evalInterval: Int = 5000, evalEpisodes: Int = 10, checkpointInterval: Int = 0,
                logInterval: Int = 1000, seed: UInt64 = 0, evalIntervalEpisodes: Int = 0) {
        self.totalSteps = totalSteps
        self.evalInterval = evalInterval
        self.evalIntervalEpisodes = evalIntervalEpisodes
        self.evalEpisodes = evalEpisodes
        self.checkpointInterval = checkpointInterval
        self.logInterval = logInterval
        self.seed = seed
    }

    public init(_ run: RunSettings) {
        self.init(totalSteps: run.totalSteps, evalInterval: run.evalInterval, evalEpisodes: run.evalEpisodes,
                  checkpointInterval: run.checkpointInterval, logInterval: run.logInterval, seed: run.seed,
                  evalIntervalEpisodes: run.evalIntervalEpisodes ?? 0)
    }

    /// The seed of a run's evaluation episodes (episode k resets with this + k), derived from the run's seed the
    /// same way for every family, so runs of different algorithms with one seed are evaluated from the same starts.
    public static func evaluationSeed(runSeed: UInt64) -> UInt64 {
        var rng = RandomStream(seed: runSeed, stream: "trainer").derived("evaluation-seeds")
        return rng.next() >> 1
    }
}

/// The one training loop of every algorithm family.
///
/// Each turn does one unit of the procedure's work (`TrainingProcedure.advance`) and adds its environment steps to
/// the step count; the run ends at the first unit end at or past `totalSteps` (a unit of several steps may
/// overshoot by less than one unit). After a unit:
/// - if it crossed a multiple of `evalInterval` steps, or the count of finished training episodes crossed a
///   multiple of `evalIntervalEpisodes`, the deterministic policy is evaluated over `evalEpisodes` episodes from the
///   same starts every time (`RunSchedule.evaluationSeed`);
/// - if it crossed a multiple of `logInterval`, or evaluated, a record goes to `progress.csv`, `progress.jsonl` and
///   TensorBoard: the common columns, the means of the measurements since the last record, the procedure's values;
/// - if it crossed a multiple of `checkpointInterval`, a checkpoint is due and is written at the next checkpoint
///   boundary of the procedure (for off-policy learners the end of the episode).
///
/// A stop request (SIGINT/SIGTERM through `SignalStopHandler`) ends the run at the next checkpoint boundary with an
/// `.interrupted` checkpoint; the summary says so. A non-finite measurement stops the run at once with
/// `TrainingError.nonFinite`; parameters are checked before every record and every checkpoint, so a checkpoint is
/// only written from a finite state. Checkpoints hold the loop's counters, evaluation history, recent returns, the
/// measurements accumulated since the last record and the training wall-clock time (`runner.*`), next to the
/// procedure's state, so a resumed run writes the same rows as an uninterrupted one (wall-clock columns aside).
public final class TrainingLoop {
    public let procedure: any TrainingProcedure
    public var schedule: RunSchedule
    public let runDirectory: RunDirectory?
    public let checkpointSink: CheckpointSink?
    public let stop: StopRequest
    public var progress: ProgressReporter?
    /// Added to every checkpoint's metadata (the resolved configuration, versions).
    public var extraMetadata: [String: String] = [:]
    /// Seed of the evaluation episodes' starts; derived from the run's seed (`metaexplore eval --seed` changes it).
    public var evaluationSeed: UInt64

    public private(set) var step = 0
    public private(set) var episodes = 0
    public private(set) var updates = 0
    public private(set) var evaluations: [EvaluationResult] = []
    private var recentReturns: [Double] = []
    private var lastEpisodeLength: Int?
    private var metrics = MetricAccumulator()
    private var logging = false
    private var clock = WallClock()
    private var checkpointDue = false
    /// The step of the last checkpoint this run wrote or was restored from (named when training diverges).
    private var lastCheckpointStep: Int?

    /// The columns every run logs, in order, after `step`.
    public static let commonColumns = ["episodes", "updates", "wall_time", "steps_per_second", "train_return",
                                       "train_episode_length", "eval_return", "eval_return_std"]

    public init(procedure: any TrainingProcedure, schedule: RunSchedule, runDirectory: RunDirectory? = nil,
                checkpointSink: CheckpointSink? = nil, stop: StopRequest = StopRequest(), progress: ProgressReporter? = nil) {
        self.procedure = procedure
        self.schedule = schedule
        self.runDirectory = runDirectory
        self.checkpointSink = checkpointSink
        self.stop = stop
        self.progress = progress
        evaluationSeed = RunSchedule.evaluationSeed(runSeed: schedule.seed)
    }

    /// Log columns after `step`.
    public var columns: [String] { Self.commonColumns + procedure.columns }

    /// The mean return of the last 10 finished training episodes.
    public var recentMean: Double? {
        recentReturns.isEmpty ? nil : recentReturns.reduce(0, +) / Double(recentReturns.count)
    }

    // MARK: - The loop

    /// Trains until `schedule.totalSteps` (or a stop request); returns how the run ended.
    @discardableResult
    public func run() throws -> TrainingSummary {
        if let runDirectory, !logging {
            try runDirectory.startLogging(columns: columns)
            logging = true
        }
        clock.begin()
        var lastLogTime = WallClock.now, lastLogStep = step
        defer { progress?.finish(); clock.end() }
        let latest = procedure.latestValueColumns

        while step < schedule.totalSteps {
            if stop.isRequested && procedure.isAtCheckpointBoundary { break }
            let before = step, episodesBefore = episodes
            let report: UnitReport
            do { report = try procedure.advance(step: step) } catch let error as EnvironmentError {
                // A policy whose parameters diverged produces NaN actions: say so, rather than what the
                // environment makes of them.
                guard case .nonFiniteAction = error else { throw error }
                throw TrainingError.diverged(step: step, what: "an action the policy computed (\(error))",
                                             lastCheckpoint: lastCheckpointStep)
            }
            step += report.steps
            updates += report.updates
            for episode in report.finishedEpisodes {
                episodes += 1
                recentReturns.append(episode.return)
                if recentReturns.count > 10 { recentReturns.removeFirst() }
                lastEpisodeLength = episode.length
            }
            for (name, value) in report.measurements {
                if latest.contains(name) { metrics.restart(name) }
                do { try metrics.add(name, value, step: step) } catch TrainingError.nonFinite(let at, let what) {
                    throw TrainingError.diverged(step: at, what: what, lastCheckpoint: lastCheckpointStep)
                }
            }

            // The last unit is evaluated too when it does not end on a multiple of evalInterval, so every finished
            // run ends with an evaluation of its final policy.
            let finalUnit = step >= schedule.totalSteps  // the run is complete, whether or not a stop came too
            var evaluated: EvaluationResult?
            if schedule.evalEpisodes > 0
                && (Self.crossed(before, step, schedule.evalInterval)
                    || Self.crossed(episodesBefore, episodes, schedule.evalIntervalEpisodes)
                    || (finalUnit && evaluations.last?.step != step)) {
                evaluated = try evaluate()
                evaluations.append(evaluated!)
            }
            if Self.crossed(before, step, schedule.logInterval) || evaluated != nil {
                try checkParameters()
                let now = WallClock.now
                let rate = now > lastLogTime ? Double(step - lastLogStep) / (now - lastLogTime) : 0
                try log(evaluation: evaluated, wallTime: clock.elapsed, stepsPerSecond: rate)
                (lastLogTime, lastLogStep) = (now, step)
            }
            if Self.crossed(before, step, schedule.checkpointInterval) { checkpointDue = true }
            if checkpointDue && procedure.isAtCheckpointBoundary && step < schedule.totalSteps
                && !stop.isRequested {  // a stop writes its own checkpoint right after
                try checkpoint(.periodic)
                checkpointDue = false
            }
            progress?.update(step: step, trainReturn: recentMean, evalReturn: evaluations.last?.mean)
        }
        let interruption = step < schedule.totalSteps ? (stop.requestReason ?? "stopped") : nil
        try checkpoint(interruption == nil ? .final : .interrupted)
        try procedure.finish(runDirectory: runDirectory, step: step)
        progress?.update(step: step, trainReturn: recentMean, evalReturn: evaluations.last?.mean, force: true)
        return TrainingSummary(steps: step, episodes: episodes, updates: updates, evaluations: evaluations,
                               interruption: interruption)
    }

    /// Whether a multiple of `interval` lies in (before, after].
    static func crossed(_ before: Int, _ after: Int, _ interval: Int) -> Bool {
        interval > 0 && after / interval > before / interval
    }

    /// Evaluates the procedure's deterministic policy now (`schedule.evalEpisodes` episodes).
    public func evaluate() throws -> EvaluationResult {
        try procedure.evaluate(episodes: schedule.evalEpisodes, seed: evaluationSeed, step: step)
    }

    private func checkParameters() throws {
        if let what = procedure.firstNonFiniteParameter() {
            throw TrainingError.diverged(step: step, what: what, lastCheckpoint: lastCheckpointStep)
        }
    }

    private func log(evaluation: EvaluationResult?, wallTime: Double, stepsPerSecond: Double) throws {
        let means = metrics.drain()
        guard let runDirectory else { return }
        var record: MetricsRecord = ["episodes": Double(episodes), "updates": Double(updates), "wall_time": wallTime,
                                     "steps_per_second": stepsPerSecond]
        if let recentMean {
            record["train_return"] = recentMean
            if let lastEpisodeLength { record["train_episode_length"] = Double(lastEpisodeLength) }
        }
        if let evaluation {
            record["eval_return"] = evaluation.mean
            record["eval_return_std"] = evaluation.standardDeviation
        }
        for (k, v) in means { record[k] = v }
        for (k, v) in procedure.logValues() { record[k] = v }
        try runDirectory.log(record, step: step)
    }

    private func checkpoint(_ reason: CheckpointReason) throws {
        guard let checkpointSink else { return }
        try checkParameters()
        try checkpointSink.writeCheckpoint(saveState(), step: step, reason: reason)
        lastCheckpointStep = step
    }

    // MARK: - State

    /// The complete state of the run: the procedure's and the loop's (under "runner.").
    public func saveState() -> CheckpointState {
        var state = CheckpointState()
        procedure.saveState(into: &state)
        RunnerProgress(step: step, episodes: episodes, updates: updates, recentReturns: recentReturns,
                       evaluations: evaluations, wallTime: clock.elapsed)
            .save(into: &state, seed: schedule.seed, extraMetadata: extraMetadata)
        if let lastEpisodeLength { state.set("runner.last_episode_length", lastEpisodeLength) }
        metrics.save(into: &state, prefix: "runner.metrics.")
        return state
    }

    /// Restores a state saved by `saveState` (a run built from the same configuration).
    public func restoreState(_ state: CheckpointState) throws {
        let saved = try RunnerProgress.restore(from: state, seed: schedule.seed)
        try procedure.restoreState(from: state)
        (step, episodes, updates) = (saved.step, saved.episodes, saved.updates)
        (recentReturns, evaluations) = (saved.recentReturns, saved.evaluations)
        clock.restore(saved.wallTime)
        lastEpisodeLength = state.metadata["runner.last_episode_length"].flatMap { Int($0) }
        lastCheckpointStep = step
        metrics = try MetricAccumulator(from: state, prefix: "runner.metrics.")
    }
}

/// Runs a deterministic policy (`act` maps a raw observation to an action of the environment) for `episodes`
/// episodes on `environment`; episode k starts from `reset(seed: seed + k)`. Shared by every family, so evaluations
/// of all algorithms are comparable.
public func evaluateDeterministicPolicy(
    on environment: any Environment, episodes: Int, seed: UInt64, step: Int, act: ([Double]) throws -> [Double]
) throws -> EvaluationResult {
    var returns: [Double] = []
    for k in 0..<episodes {
        var obs = try environment.reset(seed: seed &+ UInt64(k), options: [:]).observation
        var total = 0.0
        while true {
            let r = try environment.step(try act(obs))
            total += r.reward
            if r.terminated || r.truncated { break }
            obs = r.observation
        }
        returns.append(total)
    }
    return EvaluationResult(step: step, returns: returns)
}

/// The outcome of an evaluation: undiscounted returns of the deterministic policy.
public struct EvaluationResult: Sendable {
    public var step: Int
    public var returns: [Double]

    public init(step: Int, returns: [Double]) {
        self.step = step
        self.returns = returns
    }

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
    /// A measurement became NaN or infinite (what a procedure or accumulator reports; the loop turns it into
    /// `diverged`, which names the last checkpoint).
    case nonFinite(step: Int, what: String)
    /// Training diverged at `step`: `what` became NaN or infinite. No checkpoint was written after it; the last one
    /// written (or restored from) is at `lastCheckpoint`, nil when there is none.
    case diverged(step: Int, what: String, lastCheckpoint: Int?)

    public var description: String {
        switch self {
        case let .nonFinite(step, what):
            return "training diverged at step \(step): \(what) is not finite (NaN or infinity)"
        case let .diverged(step, what, lastCheckpoint):
            let recovery = lastCheckpoint.map {
                "the last good state is the checkpoint of step \($0) (resume with --resume, perhaps with a smaller "
                    + "learning rate in a new run)"
            } ?? "no checkpoint was written before it, so there is no state to resume from"
            return "training diverged at step \(step): \(what) is not finite (NaN or infinity); the run was stopped "
                + "and \(recovery)"
        }
    }
}
