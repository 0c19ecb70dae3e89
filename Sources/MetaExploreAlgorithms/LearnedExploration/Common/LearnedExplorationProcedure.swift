import Foundation
import MetaExploreEnvironments
import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor

/// The student-side schedule of one learned-exploration iteration (the same in both papers' Algorithm 1).
public struct StudentSchedule: Equatable, Sendable {
    /// Student updates on replay minibatches per iteration (Xu et al. line 10; CMP lines 17–18).
    public var studentTrainingSteps: Int
    /// Iterations per epoch (logged as `epoch`).
    public var cyclesPerEpoch: Int
    /// Where R̂π of the next iteration comes from (`.freshRollout`: a rollout of π after the student updates).
    public var studentReturnSource: MetaPolicyGradientConfiguration.StudentReturnSource

    public init(studentTrainingSteps: Int, cyclesPerEpoch: Int,
                studentReturnSource: MetaPolicyGradientConfiguration.StudentReturnSource) {
        self.studentTrainingSteps = studentTrainingSteps
        self.cyclesPerEpoch = cyclesPerEpoch
        self.studentReturnSource = studentReturnSource
    }
}

/// The unit of work of the learned-exploration families: one iteration of Algorithm 1 (a *cycle*), as the run loop
/// drives it. The method — the meta-policy gradient (`MetaPolicyGradientIteration`, Xu et al. 2018) or
/// Counterfactual Meta Policy (`CMPIteration`: CMP-β, MA2C, L2Explore) — sits behind `ExplorationIteration`; this
/// procedure adds what both papers share:
///
/// 1. the method's iteration (Xu et al. lines 2–3 on the first cycle, then 5–9; CMP lines 5–16): the teacher πe
///    collects D0 on the exploration environment (its episodes continue across cycles), the look-ahead student
///    collects D1 on a second environment, every step goes to the replay buffer;
/// 2. `studentTrainingSteps` student updates on replay minibatches (Xu et al. line 10; CMP lines 17–18);
/// 3. under `.freshRollout`, a new R̂π from a rollout of the updated student.
///
/// Observations are normalized by the buffer's running statistics (baselines' DDPG), updated as transitions enter
/// the buffer. The student's deterministic policy is evaluated on a third environment instance. Every environment
/// step (D0, D1, the initial and fresh D1s) counts toward the budget; checkpoints may be taken at every cycle end:
/// they hold the student, the replay buffer and normalizer, the method's state, both rollout cursors as (reset seed,
/// actions since the reset) — restoring replays those actions, which rebuilds the simulator's state, so a resumed run
/// equals an uninterrupted one bit for bit — and the cycle counter.
public final class LearnedExplorationProcedure<S: MetaStudentLearner>: TrainingProcedure {
    public let student: S
    public let core: OffPolicyAgentCore
    public let iteration: any ExplorationIteration<S>
    public let schedule: StudentSchedule
    /// D0 is drawn here (the teacher's episodes continue across cycles).
    public let explorationCursor: RolloutCursor
    /// D1 is drawn here.
    public let lookaheadCursor: RolloutCursor
    public let evaluationEnvironment: any Environment
    /// The states the teacher (D0) and the student (D1) visit at both ends of training, or nil.
    public let visitation: StateVisitationRecorder?
    public private(set) var cycles = 0
    private let box: Box
    private var seenEpisodes = 0
    private var unitSteps = 0

    /// Builds the procedure around the iteration `makeIteration` returns (given its generator and the observation
    /// normalization). `student` is freshly initialized by the caller; the replay buffer and the cursors are built
    /// from streams derived from `seed`. The three environments must be distinct instances of the same task.
    public init(student: S, schedule: StudentSchedule, settings: OffPolicyAgentSettings,
                explorationEnvironment: any Environment, lookaheadEnvironment: any Environment,
                evaluationEnvironment: any Environment, seed: UInt64, visitationWindow: Int = 0,
                environmentID: String = "environment",
                makeIteration: (RandomStream, @escaping ([Double]) -> [Double]) -> any ExplorationIteration<S>) throws {
        guard explorationEnvironment !== lookaheadEnvironment && explorationEnvironment !== evaluationEnvironment
                && lookaheadEnvironment !== evaluationEnvironment else {
            throw TrainingSetupError.unsupportedActionSpace(environmentID, "shared between roles (each needs its own instance)")
        }
        let box = try evaluationEnvironment.boundedActionBox(id: environmentID, observationSize: student.observationSize,
                                                             actionSize: student.actionSize)
        self.student = student
        self.schedule = schedule
        self.evaluationEnvironment = evaluationEnvironment
        self.box = box
        let root = RandomStream(seed: seed, stream: "meta-trainer")
        let core = OffPolicyAgentCore(observationSize: student.observationSize, actionSize: student.actionSize,
                                      settings: settings, rng: root.derived("agent"))
        self.core = core
        iteration = makeIteration(root.derived("teacher"), { core.normalizer?.normalize($0) ?? $0 })
        explorationCursor = try RolloutCursor(environment: explorationEnvironment,
                                              resetSeeds: root.derived("exploration-episode-seeds"))
        lookaheadCursor = try RolloutCursor(environment: lookaheadEnvironment,
                                            resetSeeds: root.derived("lookahead-episode-seeds"))
        visitation = visitationWindow > 0
            ? StateVisitationRecorder(window: visitationWindow, observationSize: student.observationSize) : nil
    }

    /// `train_return` is the mean return of the teacher's last 10 exploration episodes (`train_episode_length` stays
    /// empty).
    public var columns: [String] { ["cycles", "epoch"] + iteration.metricNames + S.metricNames }

    public var latestValueColumns: Set<String> { iteration.latestValueMetrics }

    private func store(_ s: RolloutStep) {
        visitation?.record(s.observation, source: s.source.rawValue)
        core.observe(Transition(observation: s.observation, action: s.action, reward: s.reward,
                                nextObservation: s.nextObservation, terminated: s.terminated, truncated: s.truncated))
        unitSteps += 1
    }

    /// Runs with every product on the engine's kernel (`BLASInfo.withEngineKernelForAllSizes`): the teacher's
    /// updates, its features and the meta-critic read the whole exploration rollout D0 at once (`meta.explorationSteps`
    /// rows, 1 000 in the papers' settings), and beyond 512 rows those products would go to OpenBLAS, whose kernels
    /// depend on the CPU and round differently — a run's numbers would then depend on the machine.
    public func advance(step: Int) throws -> UnitReport {
        try BLASInfo.withEngineKernelForAllSizes { try cycle() }
    }

    private func cycle() throws -> UnitReport {
        unitSteps = 0
        let sink: TransitionSink = { [unowned self] in self.store($0) }
        var report = UnitReport(steps: 0)
        // Xu et al. lines 2–3 (first cycle) and 5–9; CMP lines 5–16.
        report.measurements = try iteration.runCycle(student: student, exploration: explorationCursor,
                                                     evaluation: lookaheadCursor, sink: sink)
        // Xu et al. line 10, CMP lines 17–18: π ← DDPG(π, B), then the new R̂π.
        if core.canUpdate {
            for _ in 0..<schedule.studentTrainingSteps {
                for (k, v) in student.record(student.update(core.sampleBatch())) { report.measurements.append((k, v)) }
                report.updates += 1
            }
        }
        if schedule.studentReturnSource == .freshRollout {
            try iteration.refreshStudentReturn(student: student, cursor: lookaheadCursor, sink: sink)
        }
        cycles += 1
        let finished = explorationCursor.finishedEpisodeReturns
        if finished.count > seenEpisodes {
            report.finishedEpisodes = finished[seenEpisodes...].map { ($0, nil) }
            seenEpisodes = finished.count
        }
        report.steps = unitSteps
        return report
    }

    public func logValues() -> MetricsRecord {
        ["cycles": Double(cycles), "epoch": Double(cycles / schedule.cyclesPerEpoch)]
    }

    /// The student's deterministic policy μ.
    public func evaluate(episodes: Int, seed: UInt64, step: Int) throws -> EvaluationResult {
        try evaluateDeterministicPolicy(on: evaluationEnvironment, episodes: episodes, seed: seed, step: step) {
            [core, student, box] obs in box.denormalize(student.act(core.networkInput(obs)).doubles)
        }
    }

    public func firstNonFiniteParameter() -> String? {
        if let name = firstNonFinite(student.namedNetworkParameters) { return "parameter '\(name)'" }
        if let name = firstNonFinite(iteration.learnedParameters) { return "exploration parameter '\(name)'" }
        return nil
    }

    /// The student under "agent.learner.", the buffer, normalizer and generators under "agent.", the method's state
    /// under "meta.", the cursors and the cycle counter under "runner.".
    public func saveState(into state: inout CheckpointState) {
        student.saveState(into: &state, prefix: "agent.learner.")
        core.saveState(into: &state, prefix: "agent.")
        iteration.saveState(into: &state, prefix: "meta.")
        saveCursor(explorationCursor, into: &state, prefix: "runner.exploration_cursor.")
        saveCursor(lookaheadCursor, into: &state, prefix: "runner.lookahead_cursor.")
        state.set("runner.cycles", cycles)
        visitation?.saveState(into: &state, prefix: "runner.visitation.")
    }

    public func restoreState(from state: CheckpointState) throws {
        guard state.metadata["meta.iterations"] != nil else {
            throw CheckpointStateError.incompatible("not a learned-exploration checkpoint")
        }
        try student.restoreState(from: state, prefix: "agent.learner.")
        try core.restoreState(from: state, prefix: "agent.")
        try iteration.restoreState(from: state, prefix: "meta.", student: student)
        try restoreCursor(explorationCursor, from: state, prefix: "runner.exploration_cursor.")
        try restoreCursor(lookaheadCursor, from: state, prefix: "runner.lookahead_cursor.")
        cycles = try state.value("runner.cycles")
        try visitation?.restoreState(from: state, prefix: "runner.visitation.")
        seenEpisodes = explorationCursor.finishedEpisodeReturns.count
    }

    public func finish(runDirectory: RunDirectory?, step: Int) throws {
        try visitation?.write(into: runDirectory, step: step)
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
