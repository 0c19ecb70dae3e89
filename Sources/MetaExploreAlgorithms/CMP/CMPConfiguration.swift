import MetaExploreNN

/// Settings of Counterfactual Meta Policy (CMP paper, Algorithm 1 and Sec. 4.1). Defaults: exploration steps 100,
/// evaluation steps 200, exploitation (student) updates 50, exploration-policy updates 50, meta-Q updates 5 per
/// iteration (`MetaQSchedule`), β = 1, Adam 1e-4 for πe (the L2Explore setting CMP shares, Sec. 4.1), Q̂ per
/// `MetaQConfiguration`.
/// The student's own settings live in `DDPGLearnerConfiguration`.
public struct CMPConfiguration: Codable, Equatable, Sendable {
    public typealias StudentReturnSource = MetaPolicyGradientConfiguration.StudentReturnSource
    public typealias ReturnEstimate = MetaPolicyGradientConfiguration.ReturnEstimate

    /// Where πe(s) of τ̄πe and of the critic term Q(s, πe(s)) comes from (Eq. 7 writes "πe(a)").
    public enum ExplorationActionSource: String, Codable, Sendable {
        /// The action τ was generated with, at = clip(sample of πe(·|st)) (default): τ̄πe is τ itself, the
        /// trajectory πe produced (Def. 3.3 "using exploration policy for trajectory τπe").
        case executed
        /// πe's current mean at st (clipped to [−1, 1]), recomputed at each πe update.
        case mean
    }

    /// Whose critic gives Q(s, a) in Eq. 7's second term.
    public enum CriticSource: String, Codable, Sendable {
        /// The real student π's critic (default): Â(π, πe, τ) is written for π.
        case student
        /// The look-ahead student π′ = Updater(π, τ)'s critic.
        case lookahead
    }

    public var variant: CMPVariant = .cmp(beta: 1)
    /// MA2C's baseline (only read when `variant == .ma2c`).
    public var ma2cBaseline: MA2CBaseline = .none
    /// |τi|: πe's environment steps per iteration (Algorithm 1 line 5; Sec. 4.1 "exploration step 100").
    public var explorationSteps: Int = 100
    /// |τ′i|: π′'s evaluation steps per iteration (line 7; Sec. 4.1 "evaluation step 200").
    public var evaluationSteps: Int = 200
    /// Student updates on the replay buffer per iteration (lines 17–18, by the caller; "exploitation policy update
    /// times 50").
    public var studentTrainingSteps: Int = 50
    /// Updates of the look-ahead copy on τi (line 6); nil = `studentTrainingSteps`, as for L2Explore.
    public var exerciseSteps: Int? = nil
    /// Minibatch size of the exercise move (baselines' 64).
    public var exerciseBatchSize: Int = 64
    /// πe updates per iteration (Algorithm 1 lines 9–15; Sec. 4.1 "exploration policy update times 50, 500"), each
    /// with the current Â; Q̂ is updated before the first or before each of them per `metaQ.schedule`.
    public var teacherUpdates: Int = 50
    /// Iterations per epoch (L2Explore's 20 cycles), for the runner.
    public var cyclesPerEpoch: Int = 20
    /// Total environment-step budget, for the runner.
    public var totalSteps: Int = 1_000_000
    /// R̂π for R = Rπ′ − Rπ (line 8). Default: the previous iteration's Rπ′; Sec. 4.2 counts 300 samples per
    /// iteration on Pendulum ("100 exploration rollouts and 200 evaluation rollouts"), which leaves no room for line
    /// 19's separate evaluation of π. `.freshRollout` performs line 19 literally (the caller calls
    /// `refreshStudentReturn` after its student updates).
    public var studentReturnSource: StudentReturnSource = .previousLookahead
    public var returnEstimate: ReturnEstimate = .cumulative
    /// Reset the evaluation environment before each τ′ (as L2Explore here; the paper does not say).
    public var resetBeforeEvaluation: Bool = true
    /// Copy π′ into π after line 8 (line 6 reads "Update the exploitation policy π to π′"); off by default, as for
    /// L2Explore: the look-ahead is an estimate of Rπ′, and lines 17–18 update π.
    public var adoptLookaheadStudent: Bool = false
    public var explorationActionSource: ExplorationActionSource = .executed
    /// Centring of Â across iterations (not in the paper; nil, the default, is Eq. 8 as printed). With a decay d,
    /// each πe update uses Â − b, where b is an exponential moving average (b ← d b + (1 − d) mean Â) of earlier
    /// iterations' mean Â, updated once per iteration after its πe updates (none before the first iteration ends).
    /// Â keeps one sign through most of a run (CMP-1's Cost term is ≤ 0 when π is greedy for its critic), and
    /// `teacher.useBaseline` does not fit CMP: it advances once per πe update, so with 500 identical Â per
    /// iteration it absorbs Â within a few dozen updates. Measured (cmp-2019 settings, d = 0.9): centring balances
    /// the sign of Â (46–53% negative) but does not keep πe's σ from shrinking (HalfCheetah CMP-1 0.4–0.5 →
    /// 0.003–0.014 by 1.5M steps), which the many REINFORCE steps on one episode cause whatever Â's sign.
    public var advantageBaselineDecay: Double? = nil
    public var criticSource: CriticSource = .student
    /// Reduction of the critic sums Σ_{s∼τ} Q(s, ·) of Eq. 7 (Σ as printed).
    public var criticReduction: TrajectoryReduction = .sum
    /// Window of the moving sum of exploration rewards (Fig. 2(c): 25 iterations).
    public var movingSumWindow: Int = 25
    /// πe: the "Meta" Gaussian MLP of L2Explore (Sec. 4.1: 64-64 MLP mean and a log-std vector), Adam 1e-4; its
    /// REINFORCE surrogate (Σt, Eq. 8) and optional Â normalization are the `TeacherTrainer` knobs.
    public var teacher = MetaPolicyGradientConfiguration.Teacher()
    public var metaQ = MetaQConfiguration()

    public init() {}

    public init(variant: CMPVariant) {
        self.variant = variant
    }

    public var resolvedExerciseSteps: Int { exerciseSteps ?? studentTrainingSteps }

    /// Environment steps per iteration (τ + τ′, plus line 19's rollout of π under `.freshRollout`).
    public var environmentStepsPerIteration: Int {
        explorationSteps + evaluationSteps * (studentReturnSource == .freshRollout ? 2 : 1)
    }

    /// The same settings as a `MetaPolicyGradientConfiguration` (the Meta teacher), so L2Explore can also be run
    /// with `MetaPolicyGradientIteration` itself; `teacherUpdates` become its teacher steps.
    public var metaPolicyGradientConfiguration: MetaPolicyGradientConfiguration {
        var m = MetaPolicyGradientConfiguration(variant: .meta)
        m.explorationSteps = explorationSteps
        m.evaluationSteps = evaluationSteps
        m.studentTrainingSteps = studentTrainingSteps
        m.exerciseSteps = exerciseSteps
        m.exerciseBatchSize = exerciseBatchSize
        m.teacherSteps = teacherUpdates
        m.cyclesPerEpoch = cyclesPerEpoch
        m.totalSteps = totalSteps
        m.studentReturnSource = studentReturnSource
        m.returnEstimate = returnEstimate
        m.resetBeforeEvaluation = resetBeforeEvaluation
        m.adoptLookaheadStudent = adoptLookaheadStudent
        m.teacher = teacher
        return m
    }
}

/// The CMP paper's six tasks (Sec. 4: HalfCheetah, Pendulum, Hopper, Walker2d, InvertedPendulum,
/// InvertedDoublePendulum), with this package's Gymnasium ids. HalfCheetah and InvertedPendulum use 1000 exploration
/// steps, 2000 evaluation steps, 500 student updates and 500 πe updates (Sec. 4.1's second values, assigned as for
/// L2Explore); the others 100/200/50/50. Budgets follow L2Explore's where it has the task (1.5M HalfCheetah,
/// InvertedPendulum, InvertedDoublePendulum; 1M Hopper; 0.9M Pendulum); Walker2d, absent from L2Explore, gets 1M.
/// (The paper ran gym's -v2/-v0 tasks; returns do not transfer across versions.)
public struct CMPPreset: Sendable, Equatable {
    public let environmentID: String
    public let configuration: CMPConfiguration

    private static func make(_ id: String, long: Bool, totalSteps: Int) -> CMPPreset {
        var c = CMPConfiguration()
        if long {
            c.explorationSteps = 1000
            c.evaluationSteps = 2000
            c.studentTrainingSteps = 500
            c.teacherUpdates = 500
        }
        c.totalSteps = totalSteps
        return CMPPreset(environmentID: id, configuration: c)
    }

    public static let halfCheetah = make("HalfCheetah-v5", long: true, totalSteps: 1_500_000)
    public static let pendulum = make("Pendulum-v1", long: false, totalSteps: 900_000)
    public static let hopper = make("Hopper-v5", long: false, totalSteps: 1_000_000)
    public static let walker2d = make("Walker2d-v5", long: false, totalSteps: 1_000_000)
    public static let invertedPendulum = make("InvertedPendulum-v5", long: true, totalSteps: 1_500_000)
    public static let invertedDoublePendulum = make("InvertedDoublePendulum-v5", long: false, totalSteps: 1_500_000)

    public static let all: [CMPPreset] = [
        halfCheetah, pendulum, hopper, walker2d, invertedPendulum, invertedDoublePendulum,
    ]

    /// The preset for an environment id (exact match), or nil.
    public static func named(_ environmentID: String) -> CMPPreset? {
        all.first { $0.environmentID == environmentID }
    }

    /// The same preset with another variant. L2Explore gets its own teacher-step count (Xu et al. 2018, Sec. 5.1:
    /// 1, or 100 on the long tasks) instead of CMP's 50/500 πe updates.
    public func with(variant: CMPVariant) -> CMPPreset {
        var c = configuration
        c.variant = variant
        if variant == .l2explore { c.teacherUpdates = c.explorationSteps == 1000 ? 100 : 1 }
        return CMPPreset(environmentID: environmentID, configuration: c)
    }
}
