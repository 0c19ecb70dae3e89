import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor

/// What one iteration of CMP's Algorithm 1 measured.
public struct CMPReport {
    /// 1-based iteration count.
    public var iteration: Int
    public var variant: CMPVariant
    /// Rπ used for the meta-reward (the previous iteration's Rπ′, or the initial/fresh estimate).
    public var studentReturn: Double
    /// Rπ′ estimated from this iteration's τ′i (line 7).
    public var lookaheadReturn: Double
    /// R(τi) = Rπ′ − Rπ (line 8).
    public var metaReward: Double
    /// Σ rewards of τi (the training reward collected by πe this iteration).
    public var explorationReward: Double
    /// The moving sum of `explorationReward` over the last `movingSumWindow` iterations (Fig. 2(c)).
    public var movingExplorationReward: Double
    /// Every Q̂ update of lines 10–13, in order (empty on the first iteration, which has no τi−1, and for
    /// L2Explore).
    public var metaQUpdates: [MetaQUpdateReport]
    /// The terms of Eq. 7 and Â at each πe update (line 14), in order.
    public var counterfactualTerms: [CounterfactualTerms]
    public var advantages: [Double]
    /// The Â baseline subtracted from the advantages of this iteration (`advantageBaselineDecay`; 0 when off).
    public var advantageBaseline: Double
    /// Each πe update (line 15); its `metaReward` field carries the Â the step used.
    public var teacherUpdates: [TeacherUpdateReport]
    /// τi's record for log πe (inputs and unclipped samples).
    public var teacherEpisode: TeacherEpisode
    /// τi and τ′i as sent to the sink (line 16).
    public var explorationData: [RolloutStep]
    public var evaluationData: [RolloutStep]
}

/// One iteration of "Algorithm 1: Learning to Explore with Counterfactual Meta Policy" (CMP paper), lines 5–16, with
/// lines 2–3 in `initialize`, line 19 per `CMPConfiguration.studentReturnSource`, and lines 17–18 left to the caller
/// (the replay buffer is the runner's; `trainStudent` helps). Built on the meta-policy-gradient pieces: the teacher
/// πe and `TeacherTrainer`, `RolloutCursor`, `exerciseMove`, `rollOut`, `TransitionSink`.
///
/// ```
/// 1  initialize π, Q, πe and Q̂; get target Q̂′           → caller (student π with critic Q); init (πe, Q̂, Q̂′)
/// 2  Draw τ′0 with π to estimate Rπ                      → initialize(student:cursor:sink:)
/// 3  initialize replay buffer B using τ′0                → initialize sends τ′0 to the sink
/// 4  for i = 1 … n                                       → caller's loop around run(...)
/// 5    Generate exploration τi with πe                   → run: πe acts (clipped sample), log πe kept
/// 6    π′ = Updater(π, τi)                               → run: exerciseMove on a copy (π unchanged)
/// 7    Evaluate π′: Rπ′ and τ′i                          → run: rollOut(π′) + estimateReturn
/// 8    R(τi) = Rπ′ − Rπ                                  → run: metaReward
/// 9    for πe update times                               → run: `teacherUpdates` times
/// 10     for Q̂ update times                             →   `metaQ.updates` times (from the 2nd iteration), before
///                                                            every πe update or once before line 9 (`MetaQSchedule`)
/// 11       get Q target using Q̂′                        →     MetaQ.loss: bootstrap side with Q̂′
/// 12       update Q̂ with Eq. 11                          →     on (τi, τi−1, Ri−1)
/// 13       soft update Q̂′                               →     MetaQ.update's Polyak step
/// 14     compute Â(π, πe, τ)                             →   estimateCounterfactualTerms + explorationAdvantage
/// 15     update πe with Eq. 8                            →   TeacherTrainer.update(−Â Σt log πe(at|st))
/// 16   B = B ∪ τi ∪ τ′i                                  → run: τi then τ′i to the sink
/// 17–18 update π with Updater and B                      → caller (trainStudent on its buffer)
/// 19   Evaluate π, get R̂π                               → R̂π ← Rπ′ (default) or refreshStudentReturn(...)
/// ```
/// Eq. 11 pairs the current τt with the previous iteration's τt−1 and meta-reward Rt−1 ("Qπt−1 and τt−1 are stored
/// at previous iteration"), so the meta-reward of iteration i reaches Q̂ in iteration i + 1, and the first iteration
/// makes no Q̂ update. The trajectories Q̂ reads are (s, a) pairs of τ with the executed (clipped) actions,
/// normalized with the current `normalize` on both sides of the loss.
///
/// For `.l2explore` lines 9–15 reduce to Xu et al.'s line 8: `teacherUpdates` REINFORCE steps weighted by R(τi).
public final class CMPIteration<S: ValueStudent> {
    public let configuration: CMPConfiguration
    public let teacher: any ExplorationTeacher
    public let trainer: TeacherTrainer
    /// Q̂ and Q̂′ (nil for L2Explore).
    public let metaQ: MetaQ?
    /// Maps raw observations to the networks' input (the runner's observation normalization; identity by default).
    public var normalize: ([Double]) -> [Double]
    /// The current estimate Rπ (nil before `initialize`).
    public private(set) var studentReturn: Double?
    public private(set) var iterations = 0
    /// The moving sum of exploration rewards (Fig. 2(c)).
    public private(set) var explorationRewardSum: MovingSum
    /// τi−1 and Ri−1 stored for Eq. 11.
    public private(set) var previousExploration: [RolloutStep]?
    public private(set) var previousMetaReward: Double?
    /// The moving average of earlier iterations' mean Â (`CMPConfiguration.advantageBaselineDecay`; nil until the
    /// first iteration with centring ends).
    public private(set) var advantageBaseline: Double?
    private var rng: RandomStream

    /// A CMP driver. `teacher` and `metaQ` built by the caller replace those the configuration describes (the teacher
    /// must read observations only: CMP's πe is the "Meta" Gaussian MLP, Sec. 4.1).
    public init(configuration: CMPConfiguration, student: S, teacher: (any ExplorationTeacher)? = nil,
                metaQ: MetaQ? = nil, rng: RandomStream, normalize: @escaping ([Double]) -> [Double] = { $0 }) {
        precondition(configuration.explorationSteps >= 1 && configuration.evaluationSteps >= 1
                     && configuration.teacherUpdates >= 1 && configuration.metaQ.updates >= 0,
                     "CMPIteration: step counts must be positive")
        var rng = rng
        self.configuration = configuration
        let t = teacher ?? makeTeacher(variant: .meta, observationSize: student.observationSize,
                                       actionSize: student.actionSize, configuration: configuration.teacher,
                                       using: &rng)
        precondition(t.actionSize == student.actionSize, "CMPIteration: teacher acts in \(t.actionSize) dimensions, student in \(student.actionSize)")
        precondition(t.teacherInput.featureCount == 0, "CMPIteration: the teacher must not need algorithmic features")
        self.teacher = t
        trainer = TeacherTrainer(teacher: t, configuration: configuration.teacher, teacherSteps: 1)
        if configuration.variant.usesMetaQ {
            let q = metaQ ?? MetaQ(observationSize: student.observationSize, actionSize: student.actionSize,
                                   configuration: configuration.metaQ, using: &rng)
            precondition(q.observationSize == student.observationSize && q.actionSize == student.actionSize,
                         "CMPIteration: Q̂ reads (\(q.observationSize), \(q.actionSize)), the student (\(student.observationSize), \(student.actionSize))")
            self.metaQ = q
        } else {
            self.metaQ = nil
        }
        explorationRewardSum = MovingSum(window: configuration.movingSumWindow)
        self.rng = rng
        self.normalize = normalize
    }

    /// Lines 2–3: estimate Rπ with a rollout τ′0 of the initial student and send it to the sink (B = τ′0).
    @discardableResult
    public func initialize(student: S, cursor: RolloutCursor, sink: TransitionSink) throws -> Double {
        try refreshStudentReturn(student: student, cursor: cursor, sink: sink)
    }

    /// Line 19 (and line 2): re-estimates Rπ with a fresh rollout of `student`, sent to the sink. Under
    /// `.freshRollout` the caller calls it after its lines 17–18.
    @discardableResult
    public func refreshStudentReturn(student: S, cursor: RolloutCursor, sink: TransitionSink) throws -> Double {
        let rollout = try rollOut(student: student, cursor: cursor, steps: configuration.evaluationSteps,
                                  resetFirst: configuration.resetBeforeEvaluation, normalize: normalize, sink: sink)
        let r = estimateReturn(rollout, estimate: configuration.returnEstimate)
        studentReturn = r
        return r
    }

    /// Lines 5–16 of Algorithm 1 (and R̂π ← Rπ′ for line 19 under `.previousLookahead`). Runs `initialize` first
    /// when Rπ is not known yet. τi is drawn through `exploration`, τ′i through `evaluation` (they may be the same
    /// cursor).
    @discardableResult
    public func run(student: S, exploration: RolloutCursor, evaluation: RolloutCursor,
                    sink: TransitionSink) throws -> CMPReport {
        if studentReturn == nil { try initialize(student: student, cursor: evaluation, sink: sink) }
        let rPi = studentReturn!
        let c = configuration

        // Line 5: τi from πe.
        var d0: [RolloutStep] = []
        var obsRows: [Double] = [], muRows: [Double] = [], rawRows: [Double] = []
        d0.reserveCapacity(c.explorationSteps)
        for _ in 0..<c.explorationSteps {
            let o = normalize(exploration.observation)
            let obs = Tensor(shape: [1, o.count], doubles: o, dtype: .float32)
            let mu = student.act(obs)
            let (raw, action) = teacher.sample(observations: obs, studentActions: mu, features: nil, using: &rng)
            d0.append(try exploration.step(action.doubles, source: .teacher))
            obsRows += o
            muRows += mu.doubles
            rawRows += raw.doubles
        }
        let t = c.explorationSteps, a = teacher.actionSize
        let observations = Tensor(shape: [t, obsRows.count / t], doubles: obsRows, dtype: .float32)
        let studentActions = Tensor(shape: [t, a], doubles: muRows, dtype: .float32)
        let episode = TeacherEpisode(observations: observations, studentActions: studentActions, features: nil,
                                     rawActions: Tensor(shape: [t, a], doubles: rawRows, dtype: .float32))

        // Line 6: π′ = Updater(π, τi), on a copy.
        let lookahead = exerciseMove(from: student, on: transitionBatch(d0, normalize: normalize),
                                     updates: c.resolvedExerciseSteps, batchSize: c.exerciseBatchSize, using: &rng)

        // Lines 7–8: τ′i from π′, Rπ′, R(τi) = Rπ′ − Rπ.
        let d1 = try rollOut(student: lookahead, cursor: evaluation, steps: c.evaluationSteps,
                             resetFirst: c.resetBeforeEvaluation, normalize: normalize, sink: { _ in })
        let rPiPrime = estimateReturn(d1, estimate: c.returnEstimate)
        let reward = metaReward(lookaheadReturn: rPiPrime, studentReturn: rPi)

        // Lines 9–15.
        let current = stateActionTrajectory(d0)
        let previous = previousExploration.map(stateActionTrajectory)
        // π(s) on τ's states, after any change of normalization: the counterfactual actions of τ̄π (Fig. 1).
        let exploitationActions = student.act(current.observations)
        let criticStudent: S = c.criticSource == .student ? student : lookahead
        let critic: ((Tensor, Tensor) -> Tensor)? = c.variant.usesStudentCritic
            ? { criticStudent.qValues($0, $1) } : nil
        var qReports: [MetaQUpdateReport] = []
        var termsLog: [CounterfactualTerms] = []
        var advantages: [Double] = []
        var teacherReports: [TeacherUpdateReport] = []
        // Line 14's terms; they change only when Q̂ or (for `.mean`) πe has changed since they were computed.
        var cachedTerms: CounterfactualTerms?
        // Lines 10–13: `metaQ.updates` Q̂ steps on (τi, τi−1, Ri−1), from the second iteration on.
        func updateMetaQ() {
            guard let metaQ, let previous, let rPrev = previousMetaReward, c.metaQ.updates > 0 else { return }
            for _ in 0..<c.metaQ.updates {
                qReports.append(metaQ.update(current: current, previous: previous, previousMetaReward: rPrev))
            }
            cachedTerms = nil
        }
        func counterfactualTerms() -> CounterfactualTerms {
            guard let metaQ else { return CounterfactualTerms(metaQExploration: 0, metaQExploitation: 0) }
            if let cachedTerms, c.explorationActionSource == .executed { return cachedTerms }
            let explorationActions: Tensor
            switch c.explorationActionSource {
            case .executed: explorationActions = current.actions
            case .mean:
                explorationActions = withoutGradients {
                    teacher.distribution(observations: current.observations, studentActions: studentActions,
                                         features: nil).mean.detached().clamped(min: -1, max: 1)
                }
            }
            let terms = estimateCounterfactualTerms(
                observations: current.observations, explorationActions: explorationActions,
                exploitationActions: exploitationActions, metaQ: { metaQ.values($0, $1) }, critic: critic,
                metaQReduction: c.metaQ.reduction, criticReduction: c.criticReduction)
            cachedTerms = terms
            return terms
        }
        if c.metaQ.schedule == .perIteration { updateMetaQ() }
        let baseline = c.advantageBaselineDecay == nil ? 0 : advantageBaseline ?? 0
        for _ in 0..<c.teacherUpdates {
            if c.metaQ.schedule == .perTeacherUpdate { updateMetaQ() }
            let terms = counterfactualTerms()
            let advantage = explorationAdvantage(terms, metaReward: reward, variant: c.variant,
                                                 ma2cBaseline: c.ma2cBaseline) - baseline
            termsLog.append(terms)
            advantages.append(advantage)
            teacherReports.append(trainer.update(episode: episode, metaReward: advantage, using: &rng))
        }

        if let d = c.advantageBaselineDecay {
            let mean = advantages.reduce(0, +) / Double(advantages.count) + baseline
            advantageBaseline = advantageBaseline.map { d * $0 + (1 - d) * mean } ?? mean
        }

        // Line 16: B = B ∪ τi ∪ τ′i.
        d0.forEach(sink)
        d1.forEach(sink)

        if c.adoptLookaheadStudent { student.copyState(from: lookahead) }
        if c.studentReturnSource == .previousLookahead { studentReturn = rPiPrime }
        previousExploration = d0
        previousMetaReward = reward
        let explored = d0.reduce(0) { $0 + $1.reward }
        let moving = explorationRewardSum.add(explored)
        iterations += 1
        return CMPReport(
            iteration: iterations, variant: c.variant, studentReturn: rPi, lookaheadReturn: rPiPrime,
            metaReward: reward, explorationReward: explored, movingExplorationReward: moving,
            metaQUpdates: qReports, counterfactualTerms: termsLog, advantages: advantages, advantageBaseline: baseline,
            teacherUpdates: teacherReports, teacherEpisode: episode, explorationData: d0, evaluationData: d1)
    }

    /// Lines 17–18: `steps` student updates on minibatches from `sample` (the runner's replay buffer).
    public static func trainStudent(_ student: S, steps: Int, sample: () -> TransitionBatch) {
        for _ in 0..<steps { student.update(sample()) }
    }

    /// τ's (s, a) pairs as Q̂ reads them: states through the current `normalize`, the executed actions.
    public func stateActionTrajectory(_ steps: [RolloutStep]) -> StateActionTrajectory {
        let batch = transitionBatch(steps, normalize: normalize)
        return StateActionTrajectory(observations: batch.observations, actions: batch.actions)
    }
}

extension CMPIteration {
    /// Saves everything the iterations carry from one to the next: πe's parameters and Adam state, the Â
    /// statistics of `TeacherTrainer`, Q̂, Q̂′ and Q̂'s Adam state, R̂π, the iteration count, the generator (πe
    /// sampling, exercise-move minibatches, REINFORCE steps), τi−1 with Ri−1 (Eq. 11), the moving sum and the
    /// Â baseline.
    public func saveState(into state: inout CheckpointState, prefix: String) {
        state.metadata[prefix + "method"] = "cmp"
        state.metadata[prefix + "variant"] = configuration.variant.description
        state.add(prefix: prefix + "teacher.", teacher.namedParameters)
        state.add(prefix: prefix + "teacher_optimizer.", trainer.optimizer.stateTensors)
        let n = trainer.normalizer
        state.setDoubles(prefix + "meta_reward_statistics", [n.baseline, n.count, n.mean, n.m2])
        if let metaQ {
            state.add(prefix: prefix + "meta_q.", metaQ.namedParameters)
            state.add(prefix: prefix + "meta_q_optimizer.", metaQ.optimizer.stateTensors)
        }
        state.setDoubles(prefix + "student_return", studentReturn.map { [$0] } ?? [])
        state.set(prefix + "iterations", iterations)
        state.setGenerator(prefix + "rng", rng)
        saveRollout(previousExploration ?? [], into: &state, prefix: prefix + "previous_exploration.")
        state.setDoubles(prefix + "previous_meta_reward", previousMetaReward.map { [$0] } ?? [])
        state.setDoubles(prefix + "exploration_reward_window", explorationRewardSum.values)
        state.setDoubles(prefix + "advantage_baseline", advantageBaseline.map { [$0] } ?? [])
    }

    /// Restores what `saveState` wrote (an iteration built from the same configuration); the next `run` continues
    /// exactly where the saved iteration would have.
    public func restoreState(from state: CheckpointState, prefix: String, student: S) throws {
        guard state.metadata[prefix + "method"] == "cmp" else {
            throw CheckpointStateError.incompatible("not a CMP checkpoint (\(prefix)method)")
        }
        guard state.metadata[prefix + "variant"] == configuration.variant.description else {
            throw CheckpointStateError.incompatible(
                "checkpoint variant \(state.metadata[prefix + "variant"] ?? "?"), this run is \(configuration.variant)")
        }
        try state.restore(prefix: prefix + "teacher.", into: teacher.namedParameters)
        try trainer.optimizer.loadState(state.tensors(prefix: prefix + "teacher_optimizer."))
        let m = try state.doubles(prefix + "meta_reward_statistics")
        guard m.count == 4 else { throw CheckpointStateError.incompatible("\(prefix)meta_reward_statistics") }
        trainer.normalizer.restore(baseline: m[0], count: m[1], mean: m[2], m2: m[3])
        if let metaQ {
            try state.restore(prefix: prefix + "meta_q.", into: metaQ.namedParameters)
            try metaQ.optimizer.loadState(state.tensors(prefix: prefix + "meta_q_optimizer."))
        }
        studentReturn = try state.doubles(prefix + "student_return").first
        iterations = try state.value(prefix + "iterations")
        rng = try state.generator(prefix + "rng")
        let previous = try loadRollout(from: state, prefix: prefix + "previous_exploration.")
        previousExploration = previous.isEmpty ? nil : previous
        previousMetaReward = try state.doubles(prefix + "previous_meta_reward").first
        explorationRewardSum = MovingSum(window: configuration.movingSumWindow,
                                         values: try state.doubles(prefix + "exploration_reward_window"))
        // Absent from checkpoints written before the setting existed, which never centred Â.
        advantageBaseline = (try? state.doubles(prefix + "advantage_baseline"))?.first
    }
}
