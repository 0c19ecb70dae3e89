import Foundation
import MetaExploreEnvironments
import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor

/// A learner the meta-policy gradient runner can train: a `ValueStudent` (so all three teachers work) whose state
/// goes into checkpoints and whose update measurements go to the logs.
public protocol MetaStudentLearner: ValueStudent, Checkpointable {
    /// The measurement names `record(_:)` returns (fixed, for log headers).
    static var metricNames: [String] { get }
    func record(_ metrics: UpdateMetrics) -> MetricsRecord
    /// Every network parameter (finiteness checks).
    var namedNetworkParameters: [(name: String, tensor: Tensor)] { get }
}

extension DDPGLearner: MetaStudentLearner {
    public static var metricNames: [String] { ["critic_loss", "actor_loss", "mean_q"] }
    public func record(_ m: DDPGUpdateMetrics) -> MetricsRecord {
        ["critic_loss": m.criticLoss, "actor_loss": m.actorLoss, "mean_q": m.meanQ]
    }
}

extension TD3Learner: MetaStudentLearner {
    public static var metricNames: [String] { ["critic_loss", "actor_loss", "mean_q"] }
    public func record(_ m: TD3UpdateMetrics) -> MetricsRecord {
        var r: MetricsRecord = ["critic_loss": m.criticLoss, "mean_q": m.meanQ]
        if let a = m.actorLoss { r["actor_loss"] = a }
        return r
    }
}

/// What a runner of any student offers (the session and `Experiments` drive it without knowing the student type).
public protocol MetaPolicyGradientRunner: AnyObject {
    func run() throws -> TrainingSummary
    func evaluate() throws -> EvaluationResult
    func saveState() -> CheckpointState
    func restoreState(_ state: CheckpointState) throws
    var evaluationSeed: UInt64 { get set }
    var extraMetadata: [String: String] { get set }
}

/// The training loop of learned exploration by meta-policy gradient (Xu et al. 2018, "Learning to Explore via
/// Meta-Policy Gradient", ICML, Algorithm 1), in the workflow of `OffPolicyTrainer`: the same run folder, logs,
/// evaluation, checkpoints, stop requests and divergence checks. The same loop runs Counterfactual Meta Policy
/// (`init(student:cmp:...)`: CMP-β, MA2C, L2Explore; CMP paper, Algorithm 1, lines 5–16 in `CMPIteration`, lines
/// 17–18 here): the method sits behind `ExplorationIteration`, which reports each cycle's measurements and saves and
/// restores the method's state (for CMP also Q̂, Q̂′ and Q̂'s Adam state, τi−1 and Ri−1, the moving sum).
///
/// One *cycle* is one iteration of Algorithm 1: `MetaPolicyGradientIteration.run` (line 5: D0 from the teacher πe on
/// the exploration environment; line 6: the exercise move π′ = DDPG(π, D0) on a copy; line 7: D1 from π′ on the
/// look-ahead environment, R̂π′ and the meta-reward R̂π′ − R̂π; line 8: the REINFORCE step of Eq. 5; line 9:
/// D0 ∪ D1 into the replay buffer), then line 10: `meta.studentTrainingSteps` updates of the student on minibatches
/// of the replay buffer (R̂π ← R̂π′, or a fresh rollout under `.freshRollout`). The first cycle starts with lines 2–3
/// (a D1 of the initial student seeds R̂π and the buffer). Cycles repeat, `cyclesPerEpoch` to an epoch, until the
/// environment steps of every rollout (D0, D1, the initial and fresh D1s: all go to the buffer) reach `totalSteps`;
/// the last cycle may overshoot by less than one cycle's steps. Observations are normalized by the buffer's running
/// statistics (baselines' DDPG, Sec. 5.1), updated as transitions enter the buffer.
///
/// Every `evalInterval` steps (at the first cycle end past each multiple) the *student's* deterministic policy is
/// evaluated on a third environment instance with the same episode seeds as `OffPolicyTrainer` uses for the same
/// run seed, so curves of `meta` and `ddpg` are comparable. Logs, checkpoints and stops happen at cycle ends.
///
/// Checkpoints hold the student (networks, targets, Adam), the teacher and its Adam state, the meta-reward
/// statistics, R̂π, the last D1 and the Meta (state) feature statistics, the replay buffer and normalizer, every
/// generator, the counters, and both rollout cursors as (reset seed, actions since the reset): restoring replays
/// those actions, which rebuilds the simulator's state, so a resumed run equals an uninterrupted one bit for bit
/// from any cycle end.
public final class MetaPolicyGradientTrainer<S: MetaStudentLearner, E: TrainingEnvironment>: MetaPolicyGradientRunner {
    public let student: S
    public let core: OffPolicyAgentCore
    /// The method's iteration: `MetaPolicyGradientIteration` (meta, meta-variance, meta-state) or `CMPIteration`
    /// (cmp, ma2c, l2explore).
    public let iteration: any ExplorationIteration<S>
    /// The loop's settings (student updates per cycle, cycles per epoch, R̂π source); for CMP its
    /// `metaPolicyGradientConfiguration`.
    public let configuration: MetaPolicyGradientConfiguration
    /// D0 is drawn here (the teacher's episodes continue across cycles).
    public let explorationCursor: RolloutCursor
    /// D1 is drawn here.
    public let lookaheadCursor: RolloutCursor
    public let evaluationEnvironment: E
    public let schedule: TrainingSchedule
    public let runDirectory: RunDirectory?
    public let checkpointSink: CheckpointSink?
    public let stop: StopRequest
    public var progress: ProgressReporter?
    public var extraMetadata: [String: String] = [:]
    public var evaluationSeed: UInt64

    public private(set) var step = 0
    public private(set) var episodes = 0
    public private(set) var updates = 0
    public private(set) var cycles = 0
    public private(set) var evaluations: [EvaluationResult] = []
    private var recentReturns: [Double] = []
    private var seenEpisodes = 0
    private var metrics = MetricAccumulator()
    private var logging = false
    private var clock = WallClock()
    /// The states the teacher (D0) and the student (D1) visit at both ends of training, when
    /// `schedule.visitationWindow` > 0.
    public let visitation: StateVisitationRecorder?

    /// Builds the meta-policy-gradient runner. `student` is freshly initialized by the caller; the teacher, the
    /// replay buffer and the cursors are built here from streams derived from `schedule.seed`. The three environments
    /// must be distinct instances of the same task.
    public convenience init(student: S, configuration: MetaPolicyGradientConfiguration, settings: OffPolicyAgentSettings,
                            explorationEnvironment: E, lookaheadEnvironment: E, evaluationEnvironment: E,
                            schedule: TrainingSchedule, runDirectory: RunDirectory? = nil,
                            checkpointSink: CheckpointSink? = nil, stop: StopRequest = StopRequest(),
                            progress: ProgressReporter? = nil) throws {
        try self.init(student: student, loop: configuration, settings: settings,
                      explorationEnvironment: explorationEnvironment, lookaheadEnvironment: lookaheadEnvironment,
                      evaluationEnvironment: evaluationEnvironment, schedule: schedule, runDirectory: runDirectory,
                      checkpointSink: checkpointSink, stop: stop, progress: progress) { rng, normalize in
            MetaPolicyGradientIteration(configuration: configuration, valueStudent: student, rng: rng,
                                        normalize: normalize)
        }
    }

    /// Builds a Counterfactual Meta Policy runner (CMP-β, MA2C or L2Explore per `configuration.variant`; CMP paper,
    /// Algorithm 1) in the same loop: each cycle is `CMPIteration.run` (lines 5–16) followed by
    /// `studentTrainingSteps` student updates (lines 17–18).
    public convenience init(student: S, cmp configuration: CMPConfiguration, settings: OffPolicyAgentSettings,
                            explorationEnvironment: E, lookaheadEnvironment: E, evaluationEnvironment: E,
                            schedule: TrainingSchedule, runDirectory: RunDirectory? = nil,
                            checkpointSink: CheckpointSink? = nil, stop: StopRequest = StopRequest(),
                            progress: ProgressReporter? = nil) throws {
        try self.init(student: student, loop: configuration.metaPolicyGradientConfiguration, settings: settings,
                      explorationEnvironment: explorationEnvironment, lookaheadEnvironment: lookaheadEnvironment,
                      evaluationEnvironment: evaluationEnvironment, schedule: schedule, runDirectory: runDirectory,
                      checkpointSink: checkpointSink, stop: stop, progress: progress) { rng, normalize in
            CMPIteration(configuration: configuration, student: student, rng: rng, normalize: normalize)
        }
    }

    /// Builds the runner around the iteration `makeIteration` returns (given its generator and the observation
    /// normalization); `loop` supplies the student updates per cycle, cycles per epoch and the R̂π source.
    public init(student: S, loop configuration: MetaPolicyGradientConfiguration, settings: OffPolicyAgentSettings,
                explorationEnvironment: E, lookaheadEnvironment: E, evaluationEnvironment: E,
                schedule: TrainingSchedule, runDirectory: RunDirectory? = nil, checkpointSink: CheckpointSink? = nil,
                stop: StopRequest = StopRequest(), progress: ProgressReporter? = nil,
                makeIteration: (RandomStream, @escaping ([Double]) -> [Double]) -> any ExplorationIteration<S>) throws {
        precondition(explorationEnvironment !== lookaheadEnvironment && explorationEnvironment !== evaluationEnvironment
                     && lookaheadEnvironment !== evaluationEnvironment, "each role needs its own environment instance")
        precondition(explorationEnvironment.observationSize == student.observationSize
                     && explorationEnvironment.actionSize == student.actionSize,
                     "the student's sizes do not match the environment")
        self.student = student
        self.configuration = configuration
        self.evaluationEnvironment = evaluationEnvironment
        self.schedule = schedule
        self.runDirectory = runDirectory
        self.checkpointSink = checkpointSink
        self.stop = stop
        self.progress = progress
        let root = RandomStream(seed: schedule.seed, stream: "meta-trainer")
        let core = OffPolicyAgentCore(observationSize: student.observationSize, actionSize: student.actionSize,
                                      settings: settings, rng: root.derived("agent"))
        self.core = core
        iteration = makeIteration(root.derived("teacher"), { core.normalizer?.normalize($0) ?? $0 })
        explorationCursor = try RolloutCursor(environment: cursorEnvironment(explorationEnvironment),
                                              resetSeeds: root.derived("exploration-episode-seeds"))
        lookaheadCursor = try RolloutCursor(environment: cursorEnvironment(lookaheadEnvironment),
                                            resetSeeds: root.derived("lookahead-episode-seeds"))
        evaluationSeed = TrainingSchedule.evaluationSeed(runSeed: schedule.seed)
        visitation = schedule.visitationWindow > 0
            ? StateVisitationRecorder(window: schedule.visitationWindow, observationSize: student.observationSize) : nil
    }

    /// Log columns (after `step`); `train_return` is the mean return of the teacher's last 10 exploration episodes
    /// (`train_episode_length` stays empty, the column is kept so logs line up with `OffPolicyTrainer`'s).
    public var columns: [String] {
        ["episodes", "updates", "wall_time", "steps_per_second", "train_return", "train_episode_length",
         "eval_return", "eval_return_std", "cycles", "epoch"] + iteration.metricNames + S.metricNames
    }

    private func store(_ s: RolloutStep) {
        visitation?.record(s.observation, source: s.source.rawValue)
        core.observe(Transition(observation: s.observation, action: s.action, reward: s.reward,
                                nextObservation: s.nextObservation, terminated: s.terminated, truncated: s.truncated))
        step += 1
    }

    private func accumulate(_ key: String, _ value: Double) throws { try metrics.add(key, value, step: step) }

    /// Whether a multiple of `interval` lies in (before, after].
    private static func crossed(_ before: Int, _ after: Int, _ interval: Int) -> Bool {
        interval > 0 && after / interval > before / interval
    }

    // MARK: - The loop

    @discardableResult
    public func run() throws -> TrainingSummary {
        if let runDirectory, !logging {
            try runDirectory.startLogging(columns: columns)
            logging = true
        }
        clock.begin()
        var lastLogTime = WallClock.now, lastLogStep = step
        defer { progress?.finish(); clock.end() }
        let sink: TransitionSink = { [unowned self] in self.store($0) }
        let c = configuration

        while step < schedule.totalSteps && !stop.isRequested {
            let before = step
            // Algorithm 1, lines 2–3 (first cycle) and 5–9.
            let latest = iteration.latestValueMetrics
            for (k, v) in try iteration.runCycle(student: student, exploration: explorationCursor,
                                                 evaluation: lookaheadCursor, sink: sink) {
                if latest.contains(k) { metrics.restart(k) }
                try accumulate(k, v)
            }
            // Line 10 (CMP: lines 17–18): π ← DDPG(π, B), then the new R̂π.
            if core.canUpdate {
                for _ in 0..<c.studentTrainingSteps {
                    for (k, v) in student.record(student.update(core.sampleBatch())) { try accumulate(k, v) }
                    updates += 1
                }
            }
            if c.studentReturnSource == .freshRollout {
                try iteration.refreshStudentReturn(student: student, cursor: lookaheadCursor, sink: sink)
            }
            cycles += 1
            let finished = explorationCursor.finishedEpisodeReturns
            if finished.count > seenEpisodes {
                for r in finished[seenEpisodes...] {
                    recentReturns.append(r)
                    if recentReturns.count > 10 { recentReturns.removeFirst() }
                }
                episodes += finished.count - seenEpisodes
                seenEpisodes = finished.count
            }

            var evaluated: EvaluationResult?
            if schedule.evalEpisodes > 0 && Self.crossed(before, step, schedule.evalInterval) {
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
            if schedule.checkpointInterval > 0 && Self.crossed(before, step, schedule.checkpointInterval)
                && step < schedule.totalSteps && !stop.isRequested {  // a stop writes its own checkpoint right after
                try checkpoint(.periodic)
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

    private var recentMean: Double? {
        recentReturns.isEmpty ? nil : recentReturns.reduce(0, +) / Double(recentReturns.count)
    }

    /// The student's deterministic policy μ over `evalEpisodes` episodes on the evaluation environment.
    public func evaluate() throws -> EvaluationResult {
        try evaluateDeterministicPolicy(on: evaluationEnvironment, episodes: schedule.evalEpisodes, seed: evaluationSeed,
                                        step: step) { [core, student] obs in
            student.act(core.networkInput(obs)).doubles
        }
    }

    private func checkParameters() throws {
        if let name = firstNonFinite(student.namedNetworkParameters) {
            throw TrainingError.nonFinite(step: step, what: "parameter '\(name)'")
        }
        if let name = firstNonFinite(iteration.learnedParameters) {
            throw TrainingError.nonFinite(step: step, what: "exploration parameter '\(name)'")
        }
    }

    private func log(evaluation: EvaluationResult?, wallTime: Double, stepsPerSecond: Double) throws {
        let means = metrics.drain()
        guard let runDirectory else { return }
        var record = runnerRecord(episodes: episodes, updates: updates, wallTime: wallTime,
                                  stepsPerSecond: stepsPerSecond, trainReturn: recentMean, evaluation: evaluation,
                                  means: means)
        record["cycles"] = Double(cycles)
        record["epoch"] = Double(cycles / configuration.cyclesPerEpoch)
        try runDirectory.log(record, step: step)
    }

    private func checkpoint(_ reason: CheckpointReason) throws {
        guard let checkpointSink else { return }
        try checkParameters()
        try checkpointSink.writeCheckpoint(saveState(), step: step, reason: reason)
    }

    // MARK: - State

    /// The complete state: the student under "agent.learner.", the buffer, normalizer and generators under "agent.",
    /// the method's state under "meta.", the runner's (counters, cursors) under "runner.".
    public func saveState() -> CheckpointState {
        var state = CheckpointState()
        student.saveState(into: &state, prefix: "agent.learner.")
        core.saveState(into: &state, prefix: "agent.")
        iteration.saveState(into: &state, prefix: "meta.")
        saveCursor(explorationCursor, into: &state, prefix: "runner.exploration_cursor.")
        saveCursor(lookaheadCursor, into: &state, prefix: "runner.lookahead_cursor.")
        RunnerProgress(step: step, episodes: episodes, updates: updates, recentReturns: recentReturns,
                       evaluations: evaluations, wallTime: clock.elapsed).save(into: &state, seed: schedule.seed, extraMetadata: extraMetadata)
        state.set("runner.cycles", cycles)
        visitation?.saveState(into: &state, prefix: "runner.visitation.")
        return state
    }

    /// Restores a state saved by `saveState` (a run built from the same configuration); the next cycle continues
    /// exactly where the saved run would have.
    public func restoreState(_ state: CheckpointState) throws {
        let progress = try RunnerProgress.restore(from: state, seed: schedule.seed)
        guard state.metadata["meta.iterations"] != nil else {
            throw CheckpointStateError.incompatible("not a meta-policy-gradient checkpoint")
        }
        try student.restoreState(from: state, prefix: "agent.learner.")
        try core.restoreState(from: state, prefix: "agent.")
        try iteration.restoreState(from: state, prefix: "meta.", student: student)
        try restoreCursor(explorationCursor, from: state, prefix: "runner.exploration_cursor.")
        try restoreCursor(lookaheadCursor, from: state, prefix: "runner.lookahead_cursor.")
        (step, episodes, updates) = (progress.step, progress.episodes, progress.updates)
        (recentReturns, evaluations) = (progress.recentReturns, progress.evaluations)
        clock.restore(progress.wallTime)
        cycles = try state.value("runner.cycles")
        try visitation?.restoreState(from: state, prefix: "runner.visitation.")
        seenEpisodes = explorationCursor.finishedEpisodeReturns.count
        metrics = MetricAccumulator()
    }

    private func saveCursor(_ cursor: RolloutCursor, into state: inout CheckpointState, prefix: String) {
        state.setGenerator(prefix + "reset_seeds", cursor.resetSeeds)
        state.set(prefix + "episode_seed", cursor.episodeSeed ?? 0)
        state.set(prefix + "action_count", cursor.episodeActions.count)
        if let first = cursor.episodeActions.first {
            state.add(prefix + "actions", Tensor(shape: [cursor.episodeActions.count, first.count],
                                                 doubles: cursor.episodeActions.flatMap { $0 }, dtype: .float64),
                      copy: false)
        }
        state.setDoubles(prefix + "observation", cursor.observation)
    }

    private func restoreCursor(_ cursor: RolloutCursor, from state: CheckpointState, prefix: String) throws {
        let n: Int = try state.value(prefix + "action_count")
        var actions: [[Double]] = []
        if n > 0 {
            let flat = try state.tensor(prefix + "actions").doubles
            let width = flat.count / n
            actions = (0..<n).map { Array(flat[$0 * width..<($0 + 1) * width]) }
        }
        try cursor.restore(resetSeeds: try state.generator(prefix + "reset_seeds"),
                           episodeSeed: try state.value(prefix + "episode_seed"), actions: actions,
                           expectedObservation: try state.doubles(prefix + "observation"))
    }
}

/// The environment a rollout cursor steps: the registered environment itself when the training environment is the
/// Gymnasium adapter, otherwise a bridge.
func cursorEnvironment(_ e: some TrainingEnvironment) -> any Environment {
    if let g = e as? GymnasiumTrainingEnvironment { return g.environment }
    return TrainingEnvironmentBridge(e)
}

/// Presents a `TrainingEnvironment` as an `Environment` (box actions from its bounds).
final class TrainingEnvironmentBridge: Environment {
    let base: any TrainingEnvironment
    init(_ base: any TrainingEnvironment) { self.base = base }
    var observationSpace: Box { Box(low: -.infinity, high: .infinity, count: base.observationSize) }
    var actionSpace: Space { .box(Box(low: base.actionLow, high: base.actionHigh)) }
    func reset(seed: UInt64?, options: [String: Double]) throws -> (observation: [Double], info: Info) {
        (try base.reset(seed: seed ?? 0), Info())
    }
    func step(_ action: [Double]) throws -> StepResult {
        let r = try base.step(action)
        return StepResult(observation: r.observation, reward: r.reward, terminated: r.terminated, truncated: r.truncated)
    }
}
