import MetaExploreRuntime
import MetaExploreNN

/// Settings of the meta-policy gradient (Xu et al. 2018, "Learning to Explore via Meta-Policy Gradient", ICML),
/// defaults from Sec. 5.1 ("exploration rollout steps (typically 100) ... evaluation steps (typically 200) ...
/// training steps (typically 50) ... exploration training steps (typically 1)"; 20 cycles per epoch; Adam 1e-4 for
/// the meta policy). The student's own settings live in `DDPGLearnerConfiguration`.
@dynamicMemberLookup
public struct MetaPolicyGradientConfiguration: Codable, Equatable, Sendable {
    /// How R̂π, the return of the current student, is obtained for the meta-reward R̂π′ − R̂π (Algorithm 1 lines 2,
    /// 7, 10).
    public enum StudentReturnSource: String, Codable, Sendable, CaseIterable, SettingChoice {
        /// R̂π is the previous iteration's R̂π′ (estimated from its D1); line 2's initial rollout of π seeds it. This
        /// is Sec. 4.1's "R̂π is the estimated reward of π, which we should have obtained from the previous
        /// iteration", and the only reading that matches the sample count of Sec. 5.3 (D0 : D1 = 1 : 2, "1.5 times
        /// of interactions per epoch compared to that of DDPG"): no extra rollout per iteration.
        case previousLookahead
        /// R̂π is re-estimated after line 10 with a fresh rollout of the updated student (`refreshStudentReturn`),
        /// which costs `evaluationSteps` more environment steps per iteration (they also go to the sink).
        case freshRollout
    }

    /// How R̂ is computed from a student rollout D1.
    public enum ReturnEstimate: String, Codable, Sendable, CaseIterable, SettingChoice {
        /// Σ rewards of D1: "the actual cumulative reward of rollouts" (Eq. 3 text).
        case cumulative
        /// Σ rewards of D1 / |D1| (the same ordering; a scale independent of the evaluation length).
        case perStep
    }

    /// The teacher πe and its optimizer.
    public struct Teacher: Codable, Equatable, Sendable {
        /// Hidden sizes of the mean network (Sec. 5.1: 64-64).
        public var hiddenSizes: [Int] = [64, 64]
        /// Hidden activation (not given in the paper; ReLU as the LayerNorm'd baselines networks, see
        /// `GaussianMLPTeacher`).
        public var activation: Activation = .relu
        /// LayerNorm in the hidden layers (Sec. 5.1: "we adopt Layer-Normalization for our two policy networks").
        public var layerNorm: Bool = true
        /// tanh on the mean, keeping it inside the [−1, 1] action cube.
        public var squashMean: Bool = true
        /// Final layer initialised U(±limit) (as the student's actor), so the initial mean is ≈ 0.
        public var finalInitLimit: Double = 3e-3
        /// Initial log σ of the Meta / Meta (state) teachers: 0 (σ = 1, a wide, high-entropy start; Sec. 5.4 notes
        /// the teacher's high entropy). Not given in the paper.
        public var initialLogStd: Double = 0
        /// Initial log σ of the Meta (variance) teacher: log 0.2 (baselines' default DDPG action-noise scale).
        public var varianceInitialLogStd: Double = -1.6094379124341003
        /// Adam learning rate (Sec. 5.1: 0.0001).
        public var learningRate: Double = 1e-4
        /// Σt or mean over t of log πe in the surrogate (Eq. 5 is a sum).
        public var logProbabilityReduction: LogProbabilityReduction = .sum
        /// Variance reduction (not in the paper; off by default): a moving-average baseline of meta-rewards ...
        public var useBaseline: Bool = false
        public var baselineDecay: Double = 0.9
        /// ... and division by their running standard deviation.
        public var normalizeMetaReward: Bool = false
        /// REINFORCE on a random subset of D0 of this size per teacher step (nil: all of D0).
        public var subsampleSize: Int? = nil
        /// Gradient-norm clipping of the teacher step (nil: off).
        public var gradientClipNorm: Double? = nil
        /// Meta (state) feature options.
        public var features: AlgorithmicFeatureOptions = .init()

        public init() {}
    }

    public var variant: MetaPolicyVariant = .meta
    /// Total environment-step budget (Sec. 5.1), for the runner.
    public var totalSteps: Int = 1_000_000
    /// Every other setting (the `meta` section of an experiment file), read and written through this value's
    /// members (`configuration.explorationSteps`).
    public var settings = MetaSettings()

    public subscript<T>(dynamicMember keyPath: WritableKeyPath<MetaSettings, T>) -> T {
        get { settings[keyPath: keyPath] }
        set { settings[keyPath: keyPath] = newValue }
    }

    public init() {}

    public init(variant: MetaPolicyVariant, totalSteps: Int = 1_000_000, settings: MetaSettings = MetaSettings()) {
        self.variant = variant
        self.totalSteps = totalSteps
        self.settings = settings
    }

    /// The number of exercise-move updates actually used.
    public var resolvedExerciseSteps: Int { settings.exerciseSteps ?? settings.studentTrainingSteps }

    /// Environment steps per iteration (D0 + D1, plus a fresh rollout of π when `studentReturnSource` asks for one).
    public var environmentStepsPerIteration: Int {
        settings.explorationSteps + settings.evaluationSteps * (settings.studentReturnSource == .freshRollout ? 2 : 1)
    }
}

/// The meta-policy gradient's settings (Xu et al. 2018, Algorithm 1 and Sec. 5.1): the `meta` section of an
/// experiment file. The variant comes from the `algorithm` key and the budget from `run.totalSteps`.
public struct MetaSettings: Codable, Equatable, Sendable {
    /// |D0|: environment steps of the teacher per iteration (Algorithm 1 line 5).
    public var explorationSteps: Int = 100
    /// |D1|: environment steps of the look-ahead student per iteration (line 7).
    public var evaluationSteps: Int = 200
    /// DDPG updates of the student on the replay buffer per iteration (line 10), done by the caller.
    public var studentTrainingSteps: Int = 50
    /// DDPG updates of the look-ahead copy on D0 (line 6, "one or a few steps of DDPG updates"). The paper names
    /// a single "number of training steps to update student policy π"; by default the exercise move takes the same
    /// number (nil = `studentTrainingSteps`).
    public var exerciseSteps: Int? = nil
    /// Minibatch size of the exercise-move updates, drawn uniformly with replacement from D0 (baselines' batch 64).
    public var exerciseBatchSize: Int = 64
    /// Teacher gradient steps per iteration (line 8).
    public var teacherSteps: Int = 1
    /// Iterations ("cycles") per epoch (Table 1: 20).
    public var cyclesPerEpoch: Int = 20
    public var studentReturnSource: MetaPolicyGradientConfiguration.StudentReturnSource = .previousLookahead
    public var returnEstimate: MetaPolicyGradientConfiguration.ReturnEstimate = .cumulative
    /// Reset the evaluation environment before each D1, so R̂π′ is the return of rollouts from the initial-state
    /// distribution rather than from wherever the previous segment stopped (the paper does not say; on by default).
    public var resetBeforeEvaluation: Bool = true
    /// After the exercise move, let the real student continue from π′ (copy π′ into it) instead of discarding the
    /// look-ahead copy. Algorithm 1 line 6 reads "Update actor policy π to π′", but Sec. 4.1 calls it an "exercise
    /// move", a "look-ahead" whose purpose is the estimate R̂π′, and line 10 updates π; off by default.
    public var adoptLookaheadStudent: Bool = false
    public var teacher = MetaPolicyGradientConfiguration.Teacher()

    public init() {}
}
