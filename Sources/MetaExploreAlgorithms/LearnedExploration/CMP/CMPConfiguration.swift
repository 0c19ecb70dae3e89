import MetaExploreRuntime
import MetaExploreNN

/// Settings of Counterfactual Meta Policy (CMP paper, Algorithm 1 and Sec. 4.1). Defaults: exploration steps 100,
/// evaluation steps 200, exploitation (student) updates 50, exploration-policy updates 50, meta-Q updates 5 per
/// iteration (`MetaQSchedule`), β = 1, Adam 1e-4 for πe (the L2Explore setting CMP shares, Sec. 4.1), Q̂ per
/// `MetaQConfiguration`.
/// The student's own settings live in `DDPGLearnerConfiguration`.
@dynamicMemberLookup
public struct CMPConfiguration: Codable, Equatable, Sendable {
    public typealias StudentReturnSource = MetaPolicyGradientConfiguration.StudentReturnSource
    public typealias ReturnEstimate = MetaPolicyGradientConfiguration.ReturnEstimate

    /// Where πe(s) of τ̄πe and of the critic term Q(s, πe(s)) comes from (Eq. 7 writes "πe(a)").
    public enum ExplorationActionSource: String, Codable, Sendable, CaseIterable, SettingChoice {
        /// The action τ was generated with, at = clip(sample of πe(·|st)) (default): τ̄πe is τ itself, the
        /// trajectory πe produced (Def. 3.3 "using exploration policy for trajectory τπe").
        case executed
        /// πe's current mean at st (clipped to [−1, 1]), recomputed at each πe update.
        case mean
    }

    /// Whose critic gives Q(s, a) in Eq. 7's second term.
    public enum CriticSource: String, Codable, Sendable, CaseIterable, SettingChoice {
        /// The real student π's critic (default): Â(π, πe, τ) is written for π.
        case student
        /// The look-ahead student π′ = Updater(π, τ)'s critic.
        case lookahead
    }

    /// The method: CMP-β (β in `settings.beta` is ignored then), MA2C or L2Explore.
    public var variant: CMPVariant = .cmp(beta: 1)
    /// Total environment-step budget, for the runner.
    public var totalSteps: Int = 1_000_000
    /// Every other setting (the `cmp` section of an experiment file), read and written through this value's members
    /// (`configuration.explorationSteps`).
    public var settings = CMPSettings()

    public subscript<T>(dynamicMember keyPath: WritableKeyPath<CMPSettings, T>) -> T {
        get { settings[keyPath: keyPath] }
        set { settings[keyPath: keyPath] = newValue }
    }

    public init() {}

    public init(variant: CMPVariant, totalSteps: Int = 1_000_000, settings: CMPSettings = CMPSettings()) {
        self.variant = variant
        self.totalSteps = totalSteps
        self.settings = settings
    }

    public var resolvedExerciseSteps: Int { settings.exerciseSteps ?? settings.studentTrainingSteps }

    /// Environment steps per iteration (τ + τ′, plus line 19's rollout of π under `.freshRollout`).
    public var environmentStepsPerIteration: Int {
        settings.explorationSteps + settings.evaluationSteps * (settings.studentReturnSource == .freshRollout ? 2 : 1)
    }

    /// The same settings as a `MetaPolicyGradientConfiguration` (the Meta teacher), so L2Explore can also be run
    /// with `MetaPolicyGradientIteration` itself; `teacherUpdates` become its teacher steps. (A conversion between
    /// the two methods' settings, each declared once in `CMPSettings` and `MetaSettings`.)
    public var metaPolicyGradientConfiguration: MetaPolicyGradientConfiguration {
        var m = MetaSettings()
        let s = settings
        (m.explorationSteps, m.evaluationSteps, m.studentTrainingSteps) = (s.explorationSteps, s.evaluationSteps,
                                                                          s.studentTrainingSteps)
        (m.exerciseSteps, m.exerciseBatchSize, m.teacherSteps) = (s.exerciseSteps, s.exerciseBatchSize, s.teacherUpdates)
        (m.cyclesPerEpoch, m.studentReturnSource, m.returnEstimate) = (s.cyclesPerEpoch, s.studentReturnSource,
                                                                      s.returnEstimate)
        (m.resetBeforeEvaluation, m.adoptLookaheadStudent, m.teacher) = (s.resetBeforeEvaluation,
                                                                         s.adoptLookaheadStudent, s.teacher)
        return MetaPolicyGradientConfiguration(variant: .meta, totalSteps: totalSteps, settings: m)
    }
}

/// Counterfactual Meta Policy's settings (CMP paper, Algorithm 1 and Sec. 4.1): the `cmp` section of an experiment
/// file. The variant comes from the `algorithm` key (with `beta` for `cmp`), the budget from `run.totalSteps`.
public struct CMPSettings: Codable, Equatable, Sendable {
    /// β of Eq. 7 for `algorithm: cmp` (CMP-β; the paper's CMP-0 and CMP-1). Not read by ma2c and l2explore.
    public var beta: Double = 1
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
    /// R̂π for R = Rπ′ − Rπ (line 8). Default: the previous iteration's Rπ′; Sec. 4.2 counts 300 samples per
    /// iteration on Pendulum ("100 exploration rollouts and 200 evaluation rollouts"), which leaves no room for line
    /// 19's separate evaluation of π. `.freshRollout` performs line 19 literally (the caller calls
    /// `refreshStudentReturn` after its student updates).
    public var studentReturnSource: CMPConfiguration.StudentReturnSource = .previousLookahead
    public var returnEstimate: CMPConfiguration.ReturnEstimate = .cumulative
    /// Reset the evaluation environment before each τ′ (as L2Explore here; the paper does not say).
    public var resetBeforeEvaluation: Bool = true
    /// Copy π′ into π after line 8 (line 6 reads "Update the exploitation policy π to π′"); off by default, as for
    /// L2Explore: the look-ahead is an estimate of Rπ′, and lines 17–18 update π.
    public var adoptLookaheadStudent: Bool = false
    public var explorationActionSource: CMPConfiguration.ExplorationActionSource = .executed
    /// Centring of Â across iterations (not in the paper; nil, the default, is Eq. 8 as printed). With a decay d,
    /// each πe update uses Â − b, where b is an exponential moving average (b ← d b + (1 − d) mean Â) of earlier
    /// iterations' mean Â, updated once per iteration after its πe updates (none before the first iteration ends).
    /// Â keeps one sign through most of a run (CMP-1's Cost term is ≤ 0 when π is greedy for its critic), and
    /// `teacher.useBaseline` does not fit CMP: it advances once per πe update, so with 500 identical Â per
    /// iteration it absorbs Â within a few dozen updates. Measured (cmp-2019 settings, d = 0.9): centring balances
    /// the sign of Â (46–53% negative) but does not keep πe's σ from shrinking (HalfCheetah CMP-1 0.4–0.5 →
    /// 0.003–0.014 by 1.5M steps), which the many REINFORCE steps on one episode cause whatever Â's sign.
    public var advantageBaselineDecay: Double? = nil
    public var criticSource: CMPConfiguration.CriticSource = .student
    /// Reduction of the critic sums Σ_{s∼τ} Q(s, ·) of Eq. 7 (Σ as printed).
    public var criticReduction: TrajectoryReduction = .sum
    /// Window of the moving sum of exploration rewards (Fig. 2(c): 25 iterations).
    public var movingSumWindow: Int = 25
    /// πe: the "Meta" Gaussian MLP of L2Explore (Sec. 4.1: 64-64 MLP mean and a log-std vector), Adam 1e-4; its
    /// REINFORCE surrogate (Σt, Eq. 8) and optional Â normalization are the `TeacherTrainer` knobs.
    public var teacher = MetaPolicyGradientConfiguration.Teacher()
    public var metaQ = MetaQConfiguration()

    public init() {}
}
