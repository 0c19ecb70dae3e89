import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor

/// What one iteration of Algorithm 1 measured.
public struct MetaPolicyGradientReport {
    /// 1-based iteration count.
    public var iteration: Int
    /// R̂π used for the meta-reward (the previous iteration's R̂π′, or the initial/fresh estimate).
    public var studentReturn: Double
    /// R̂π′ estimated from this iteration's D1.
    public var lookaheadReturn: Double
    /// R̂(D0) = R̂π′ − R̂π.
    public var metaReward: Double
    /// Σ rewards of D0 (the teacher's own return over its segment; diagnostic).
    public var explorationReward: Double
    /// The teacher update.
    public var teacherUpdate: TeacherUpdateReport
    /// D0's record for log πe (inputs and unclipped samples).
    public var teacherEpisode: TeacherEpisode
    /// D0 and D1 as sent to the sink.
    public var explorationData: [RolloutStep]
    public var evaluationData: [RolloutStep]
}

/// One iteration of "Algorithm 1: Teacher: Learn to Explore" (Xu et al. 2018, ICML), lines 5–9, with lines 1–3 in
/// `initialize` and line 10's "Compute the new R̂π" per `MetaPolicyGradientConfiguration.studentReturnSource`. Line 10's
/// DDPG updates of π on the replay buffer are the caller's (`trainStudent` is a helper), because the buffer is
/// the runner's.
///
/// ```
/// 1: Initialize πe and π.                                  → init (teacher), caller (student)
/// 2: Draw D1 from π to estimate the reward R̂π of π.        → initialize(student:cursor:sink:)
/// 3: Initialize the Replay Buffer B = D1.                  → initialize sends that D1 to the sink
/// 4: for iteration t do                                    → caller's loop around run(...)
/// 5:   Generate D0 by executing teacher's policy πe.       → run: exploration rollout (teacher acts, clipped)
/// 6:   π′ ← DDPG(π, D0)                                    → run: exerciseMove (a copy; π unchanged)
/// 7:   Generate D1 from π′, estimate R̂π′; R̂(D0) = R̂π′ − R̂π → run: rollOut + estimateReturn + metaReward
/// 8:   θπe ← θπe + η ∇ log P(D0|πe) R̂(D0)                 → run: TeacherTrainer.update
/// 9:   B ← B ∪ D0 ∪ D1                                     → run: D0 then D1 to the sink
/// 10:  π ← DDPG(π, B). Compute the new R̂π.                 → caller (trainStudent on its buffer);
///                                                             R̂π ← R̂π′ (default) or refreshStudentReturn(...)
/// ```
/// Which policy carries on: the teacher after line 8 always; the *real* student π is not changed by lines 5–9
/// (the look-ahead copy π′ is discarded after giving R̂π′) unless `adoptLookaheadStudent` copies π′ into π at the
/// end of `run`; line 10 then updates π on B.
public final class MetaPolicyGradientIteration<S: Student> {
    public let configuration: MetaPolicyGradientConfiguration
    public let teacher: any ExplorationTeacher
    public let trainer: TeacherTrainer
    /// Maps raw observations to the networks' input (the runner's observation normalization; identity by default).
    public var normalize: ([Double]) -> [Double]
    /// The current estimate R̂π (nil before `initialize`).
    public private(set) var studentReturn: Double?
    public private(set) var iterations = 0
    private var rng: RandomStream
    private var lastEvaluation: [RolloutStep] = []
    private let beginFeatures: ((S, TransitionBatch?) -> Void)?
    private let computeFeatures: ((Tensor, Tensor, S) -> Tensor)?
    /// The `AlgorithmicFeatures<S>` behind the closures above (Meta (state)), kept for checkpoints.
    private var featureObject: AnyObject?

    init(configuration: MetaPolicyGradientConfiguration, observationSize: Int, actionSize: Int,
         teacher: (any ExplorationTeacher)?, rng: RandomStream, normalize: @escaping ([Double]) -> [Double],
         beginFeatures: ((S, TransitionBatch?) -> Void)?, computeFeatures: ((Tensor, Tensor, S) -> Tensor)?) {
        var rng = rng
        self.configuration = configuration
        let t = teacher ?? makeTeacher(variant: configuration.variant, observationSize: observationSize,
                                       actionSize: actionSize, configuration: configuration.teacher, using: &rng)
        precondition(t.actionSize == actionSize, "MetaPolicyGradientIteration: teacher acts in \(t.actionSize) dimensions, student in \(actionSize)")
        precondition(t.teacherInput.featureCount == 0 || computeFeatures != nil,
                     "MetaPolicyGradientIteration: the Meta (state) teacher needs a student with a critic (ValueStudent)")
        self.teacher = t
        trainer = TeacherTrainer(teacher: t, configuration: configuration.teacher, teacherSteps: configuration.teacherSteps)
        self.rng = rng
        self.normalize = normalize
        self.beginFeatures = beginFeatures
        self.computeFeatures = computeFeatures
    }

    /// An iteration driver for a student without a critic (Meta and Meta (variance) teachers). A `teacher` built by
    /// the caller replaces the one the configuration describes.
    public convenience init(configuration: MetaPolicyGradientConfiguration, student: S,
                            teacher: (any ExplorationTeacher)? = nil, rng: RandomStream,
                            normalize: @escaping ([Double]) -> [Double] = { $0 }) {
        self.init(configuration: configuration, observationSize: student.observationSize,
                  actionSize: student.actionSize, teacher: teacher, rng: rng, normalize: normalize,
                  beginFeatures: nil, computeFeatures: nil)
    }

    /// Lines 1–3: estimate R̂π with a rollout D1 of the initial student and send it to the sink (B = D1).
    @discardableResult
    public func initialize(student: S, cursor: RolloutCursor, sink: TransitionSink) throws -> Double {
        try refreshStudentReturn(student: student, cursor: cursor, sink: sink)
    }

    /// Re-estimates R̂π with a fresh rollout of `student` (line 2, and line 10's "Compute the new R̂π" when
    /// `studentReturnSource == .freshRollout`). The rollout is sent to the sink.
    @discardableResult
    public func refreshStudentReturn(student: S, cursor: RolloutCursor, sink: TransitionSink) throws -> Double {
        let d1 = try rollOut(student: student, cursor: cursor, steps: configuration.evaluationSteps,
                             resetFirst: configuration.resetBeforeEvaluation, normalize: normalize, sink: sink)
        let r = estimateReturn(d1, estimate: configuration.returnEstimate)
        studentReturn = r
        lastEvaluation = d1
        return r
    }

    /// Lines 5–9 of Algorithm 1 (and R̂π ← R̂π′ of line 10 under `.previousLookahead`). Runs `initialize` first
    /// when R̂π is not known yet. D0 is drawn through `exploration`, D1 through `evaluation` (they may be the same
    /// cursor). Under `.freshRollout` the caller re-estimates R̂π with `refreshStudentReturn` after its line-10
    /// updates; otherwise R̂π ← R̂π′ here.
    @discardableResult
    public func run(student: S, exploration: RolloutCursor, evaluation: RolloutCursor,
                    sink: TransitionSink) throws -> MetaPolicyGradientReport {
        if studentReturn == nil { try initialize(student: student, cursor: evaluation, sink: sink) }
        let rHatPi = studentReturn!
        let c = configuration
        beginFeatures?(student, lastEvaluation.isEmpty ? nil : transitionBatch(lastEvaluation, normalize: normalize))

        // Line 5: D0 from πe.
        var d0: [RolloutStep] = []
        var obsRows: [Double] = [], muRows: [Double] = [], rawRows: [Double] = [], featureRows: [Double] = []
        d0.reserveCapacity(c.explorationSteps)
        for _ in 0..<c.explorationSteps {
            let o = normalize(exploration.observation)
            let obs = Tensor(shape: [1, o.count], doubles: o, dtype: .float32)
            let mu = student.act(obs)
            let phi = computeFeatures.map { $0(obs, mu, student) }
            let (raw, action) = teacher.sample(observations: obs, studentActions: mu, features: phi, using: &rng)
            d0.append(try exploration.step(action.doubles, source: .teacher))
            obsRows += o
            muRows += mu.doubles
            rawRows += raw.doubles
            if let phi { featureRows += phi.doubles }
        }
        let t = c.explorationSteps, a = teacher.actionSize
        let episode = TeacherEpisode(
            observations: Tensor(shape: [t, obsRows.count / t], doubles: obsRows, dtype: .float32),
            studentActions: Tensor(shape: [t, a], doubles: muRows, dtype: .float32),
            features: featureRows.isEmpty ? nil
                : Tensor(shape: [t, featureRows.count / t], doubles: featureRows, dtype: .float32),
            rawActions: Tensor(shape: [t, a], doubles: rawRows, dtype: .float32))

        // Line 6: π′ = DDPG(π, D0), on a copy.
        let lookahead = exerciseMove(from: student, on: transitionBatch(d0, normalize: normalize),
                                     updates: c.resolvedExerciseSteps, batchSize: c.exerciseBatchSize, using: &rng)

        // Line 7: D1 from π′, R̂π′, and the meta-reward.
        let d1 = try rollOut(student: lookahead, cursor: evaluation, steps: c.evaluationSteps,
                         resetFirst: c.resetBeforeEvaluation, normalize: normalize, sink: { _ in })
        let rHatPiPrime = estimateReturn(d1, estimate: c.returnEstimate)
        let reward = metaReward(lookaheadReturn: rHatPiPrime, studentReturn: rHatPi)

        // Line 8: REINFORCE on πe.
        let teacherReport = trainer.update(episode: episode, metaReward: reward, using: &rng)

        // Line 9: B ← B ∪ D0 ∪ D1.
        d0.forEach(sink)
        d1.forEach(sink)

        if c.adoptLookaheadStudent { student.copyState(from: lookahead) }
        // Line 10, "Compute the new R̂π": the look-ahead estimate stands in for π (see StudentReturnSource).
        if c.studentReturnSource == .previousLookahead { studentReturn = rHatPiPrime }
        lastEvaluation = d1
        iterations += 1
        return MetaPolicyGradientReport(
            iteration: iterations, studentReturn: rHatPi, lookaheadReturn: rHatPiPrime, metaReward: reward,
            explorationReward: d0.reduce(0) { $0 + $1.reward }, teacherUpdate: teacherReport,
            teacherEpisode: episode, explorationData: d0, evaluationData: d1)
    }

    /// Line 10's π ← DDPG(π, B): `steps` student updates on minibatches from `sample` (the runner's replay buffer).
    public static func trainStudent(_ student: S, steps: Int, sample: () -> TransitionBatch) {
        for _ in 0..<steps { student.update(sample()) }
    }
}

extension MetaPolicyGradientIteration where S: ValueStudent {
    /// An iteration driver for a student with a critic; supports all three variants (Meta (state) reads its
    /// algorithmic features through `AlgorithmicFeatures`).
    public convenience init(configuration: MetaPolicyGradientConfiguration, valueStudent student: S,
                            teacher: (any ExplorationTeacher)? = nil, rng: RandomStream,
                            normalize: @escaping ([Double]) -> [Double] = { $0 }) {
        let needsFeatures = teacher.map { $0.teacherInput.featureCount > 0 } ?? (configuration.variant == .metaState)
        let features = needsFeatures ? AlgorithmicFeatures<S>(options: configuration.teacher.features) : nil
        self.init(configuration: configuration, observationSize: student.observationSize,
                  actionSize: student.actionSize, teacher: teacher, rng: rng, normalize: normalize,
                  beginFeatures: features.map { f in { f.beginIteration(student: $0, referenceBatch: $1) } },
                  computeFeatures: features.map { f in { f.features(observations: $0, studentActions: $1, student: $2) } })
        featureObject = features
    }
}

extension MetaPolicyGradientIteration where S: ValueStudent & Checkpointable {
    /// Saves everything the iterations carry from one to the next: the teacher's parameters and Adam state, the
    /// meta-reward statistics, R̂π, the iteration count, the generator (D0 sampling, exercise-move minibatches), the
    /// last D1 (Meta (state)'s reference batch) and the algorithmic-feature statistics with the kept student.
    public func saveState(into state: inout CheckpointState, prefix: String) {
        state.add(prefix: prefix + "teacher.", teacher.namedParameters)
        state.add(prefix: prefix + "teacher_optimizer.", trainer.optimizer.stateTensors)
        let n = trainer.normalizer
        state.setDoubles(prefix + "meta_reward_statistics", [n.baseline, n.count, n.mean, n.m2])
        if let studentReturn { state.setDoubles(prefix + "student_return", [studentReturn]) } else {
            state.setDoubles(prefix + "student_return", [])
        }
        state.set(prefix + "iterations", iterations)
        state.setGenerator(prefix + "rng", rng)
        saveRollout(lastEvaluation, into: &state, prefix: prefix + "last_evaluation.")
        (featureObject as? AlgorithmicFeatures<S>)?.saveState(into: &state, prefix: prefix + "features.")
    }

    /// Restores what `saveState` wrote (an iteration built from the same configuration); `student` is the
    /// (already restored) student, a template for the features' kept copy.
    public func restoreState(from state: CheckpointState, prefix: String, student: S) throws {
        try state.restore(prefix: prefix + "teacher.", into: teacher.namedParameters)
        try trainer.optimizer.loadState(state.tensors(prefix: prefix + "teacher_optimizer."))
        let m = try state.doubles(prefix + "meta_reward_statistics")
        guard m.count == 4 else { throw CheckpointStateError.incompatible("\(prefix)meta_reward_statistics") }
        trainer.normalizer.restore(baseline: m[0], count: m[1], mean: m[2], m2: m[3])
        studentReturn = try state.doubles(prefix + "student_return").first
        iterations = try state.value(prefix + "iterations")
        rng = try state.generator(prefix + "rng")
        lastEvaluation = try loadRollout(from: state, prefix: prefix + "last_evaluation.")
        if let f = featureObject as? AlgorithmicFeatures<S> {
            try f.restoreState(from: state, prefix: prefix + "features.", template: student)
        }
    }
}

/// Stores rollout steps as float64 tensors (exact) under `prefix`.
func saveRollout(_ steps: [RolloutStep], into state: inout CheckpointState, prefix: String) {
    state.set(prefix + "count", steps.count)
    guard let first = steps.first else { return }
    let n = steps.count, o = first.observation.count, a = first.action.count
    func add(_ name: String, _ values: [Double], _ width: Int) {
        state.add(prefix + name, Tensor(shape: [n, width], doubles: values, dtype: .float64), copy: false)
    }
    add("observations", steps.flatMap(\.observation), o)
    add("actions", steps.flatMap(\.action), a)
    add("rewards", steps.map(\.reward), 1)
    add("next_observations", steps.flatMap(\.nextObservation), o)
    add("flags", steps.map { Double(($0.terminated ? 1 : 0) + ($0.truncated ? 2 : 0) + ($0.source == .teacher ? 4 : 0)) }, 1)
}

/// Reads what `saveRollout` wrote.
func loadRollout(from state: CheckpointState, prefix: String) throws -> [RolloutStep] {
    let n: Int = try state.value(prefix + "count")
    guard n > 0 else { return [] }
    let obs = try state.tensor(prefix + "observations").doubles, act = try state.tensor(prefix + "actions").doubles
    let rew = try state.tensor(prefix + "rewards").doubles, next = try state.tensor(prefix + "next_observations").doubles
    let flags = try state.tensor(prefix + "flags").doubles
    guard obs.count % n == 0, act.count % n == 0, rew.count == n, next.count == obs.count, flags.count == n else {
        throw CheckpointStateError.incompatible("\(prefix): inconsistent rollout sizes")
    }
    let o = obs.count / n, a = act.count / n
    return (0..<n).map { i in
        let f = Int(flags[i])
        return RolloutStep(observation: Array(obs[i * o..<(i + 1) * o]), action: Array(act[i * a..<(i + 1) * a]),
                           reward: rew[i], nextObservation: Array(next[i * o..<(i + 1) * o]),
                           terminated: f & 1 != 0, truncated: f & 2 != 0, source: f & 4 != 0 ? .teacher : .student)
    }
}
