import MetaExploreRuntime
import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor

/// The three forms of the exploration policy πe compared by Xu et al. 2018 (ICML version, Sec. 4.1, designs i–iii).
public enum MetaPolicyVariant: String, Codable, Sendable, CaseIterable, SettingChoice {
    /// ii) "Meta": πe = N(f(s; θf), σ²I), an MLP independent of the student, θπe = [θf, σ].
    case meta
    /// i) "Meta (variance)": πe = N(μ(s; θπ), σ²I), only σ is learned.
    case metaVariance
    /// iii) "Meta (state)": Meta with the state augmented by algorithmic features (normalized Q, Bellman-residual
    /// change).
    case metaState
}

/// What a teacher reads, so a runner knows what to compute before calling it.
public struct TeacherInput: Sendable, Equatable, CustomStringConvertible {
    /// Reads the (normalized) observation.
    public var observations: Bool
    /// Reads the student's deterministic action μ(s) (as its mean, with no gradient into the student).
    public var studentActions: Bool
    /// Number of algorithmic features appended to the observation (0 when none).
    public var featureCount: Int

    public init(observations: Bool, studentActions: Bool, featureCount: Int) {
        self.observations = observations
        self.studentActions = studentActions
        self.featureCount = featureCount
    }

    public var description: String {
        var parts: [String] = []
        if observations { parts.append("observation") }
        if studentActions { parts.append("student action μ(s)") }
        if featureCount > 0 { parts.append("\(featureCount) algorithmic features") }
        return parts.joined(separator: " + ")
    }
}

/// An exploration policy πe (the "teacher" of Xu et al. 2018, Sec. 4.1): a diagonal Gaussian over actions in the
/// student's [−1, 1] space.
///
/// Acting clips the sample to [−1, 1] (the environment receives the clipped action, and so does the replay buffer),
/// but REINFORCE (Eq. 5) uses log πe of the *unclipped* sample: that is the density the sample was actually drawn
/// from, so ∇ log πe(a|s) stays the exact score function. (The clipped action's law has point masses on the faces;
/// the paper does not discuss this.)
public protocol ExplorationTeacher: Layer {
    var variant: MetaPolicyVariant { get }
    var actionSize: Int { get }
    var teacherInput: TeacherInput { get }
    /// πe(·|s) for a batch. `observations` [N, obs] (normalized), `studentActions` [N, act] (μ(s), treated as a
    /// constant), `features` [N, k] or nil.
    func distribution(observations: Tensor, studentActions: Tensor, features: Tensor?) -> DiagonalGaussian
}

extension ExplorationTeacher {
    /// A draw from πe: the raw Gaussian sample (for log πe) and the action to execute (clipped to [−1, 1]).
    public func sample(observations: Tensor, studentActions: Tensor, features: Tensor?,
                       using rng: inout RandomStream) -> (raw: Tensor, action: Tensor) {
        let raw = withoutGradients {
            distribution(observations: observations, studentActions: studentActions, features: features)
                .sample(using: &rng)
        }
        return (raw, withoutGradients { raw.clamped(min: -1, max: 1) })
    }

    /// log πe(a|s) per row, [N], differentiable in the teacher's parameters (never in the student's).
    public func logProbability(_ rawActions: Tensor, observations: Tensor, studentActions: Tensor,
                               features: Tensor?) -> Tensor {
        distribution(observations: observations, studentActions: studentActions.detached(), features: features)
            .logProbability(rawActions)
    }

    /// log πe of every step of an exploration rollout D0, [T].
    public func logProbability(of episode: TeacherEpisode) -> Tensor {
        logProbability(episode.rawActions, observations: episode.observations, studentActions: episode.studentActions,
                       features: episode.features)
    }
}

/// What REINFORCE needs to recompute log πe(at|st) over D0 (Xu et al. 2018, Eq. 4–5): the teacher's inputs and its
/// unclipped samples, step by step.
public struct TeacherEpisode {
    /// Normalized observations, [T, obs].
    public var observations: Tensor
    /// The student's μ(st) at acting time, [T, act].
    public var studentActions: Tensor
    /// Algorithmic features at acting time, [T, k], or nil.
    public var features: Tensor?
    /// The unclipped Gaussian samples, [T, act].
    public var rawActions: Tensor

    public init(observations: Tensor, studentActions: Tensor, features: Tensor?, rawActions: Tensor) {
        self.observations = observations
        self.studentActions = studentActions
        self.features = features
        self.rawActions = rawActions
    }

    public var count: Int { observations.shape[0] }

    /// The rows in `indices` (REINFORCE "with sub-sampling for the efficiency purpose", Sec. 4.1 after Eq. 4).
    public func subset(_ indices: [Int]) -> TeacherEpisode {
        TeacherEpisode(observations: selectRows(observations, indices),
                       studentActions: selectRows(studentActions, indices),
                       features: features.map { selectRows($0, indices) },
                       rawActions: selectRows(rawActions, indices))
    }
}

/// Builds the teacher of a variant with the architecture given in the configuration (Xu et al. 2018, Sec. 5.1).
public func makeTeacher(variant: MetaPolicyVariant, observationSize: Int, actionSize: Int,
                        configuration: MetaPolicyGradientConfiguration.Teacher,
                        using rng: inout RandomStream) -> any ExplorationTeacher {
    switch variant {
    case .meta:
        return GaussianMLPTeacher(observationSize: observationSize, actionSize: actionSize, featureCount: 0,
                                  configuration: configuration, using: &rng)
    case .metaState:
        return GaussianMLPTeacher(observationSize: observationSize, actionSize: actionSize,
                                  featureCount: algorithmicFeatureCount, configuration: configuration, using: &rng)
    case .metaVariance:
        return StudentVarianceTeacher(actionSize: actionSize, initialLogStd: configuration.varianceInitialLogStd)
    }
}
