import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor

/// What one teacher update did.
public struct TeacherUpdateReport: Sendable {
    /// The meta-reward R̂(D0) = R̂π′ − R̂π.
    public var metaReward: Double
    /// The advantage actually used (after the optional baseline/normalization).
    public var advantage: Double
    /// Σt log πe(at|st) over D0 before and after the update.
    public var logProbabilityBefore: Double
    public var logProbabilityAfter: Double
    /// The REINFORCE surrogate loss of the first gradient step.
    public var loss: Double
    /// Mean entropy of πe over D0 after the update (diagnostic).
    public var entropy: Double
    /// exp(log σ) of the teacher, averaged over action dimensions, after the update (diagnostic).
    public var meanStd: Double
}

/// Owns the teacher's optimizer and runs the meta-policy gradient step (Xu et al. 2018, Eq. 5; Algorithm 1 line 8):
/// θπe ← θπe + η R̂(D0) Σt ∇θπe log πe(at|st), with Adam at η = 1e-4 (Sec. 5.1: "additional learning rate 0.0001
/// for our meta policy").
///
/// `teacherSteps` gradient steps are taken per iteration on the same D0 and meta-reward (the paper's "number of
/// exploration training steps (typically 1) to update the Meta policy", 100 on HalfCheetah and InvertedPendulum);
/// log πe is recomputed before each step. With `subsampleSize`, each step uses that many steps of D0 drawn without
/// replacement ("We can also approximate this gradient with sub-sampling", after Eq. 4).
public final class TeacherTrainer {
    public let teacher: any ExplorationTeacher
    public let optimizer: Adam
    public var normalizer: MetaRewardNormalizer
    public let reduction: LogProbabilityReduction
    public let teacherSteps: Int
    public let subsampleSize: Int?
    /// Gradient-norm clipping of the teacher step (nil: off, as in the paper).
    public let gradientClipNorm: Double?

    public init(teacher: any ExplorationTeacher, configuration: MetaPolicyGradientConfiguration.Teacher = .init(),
                teacherSteps: Int = 1) {
        precondition(teacherSteps >= 1, "TeacherTrainer: at least one teacher step")
        self.teacher = teacher
        optimizer = Adam(parameters: teacher.parameters, learningRate: configuration.learningRate)
        normalizer = MetaRewardNormalizer(useBaseline: configuration.useBaseline,
                                          baselineDecay: configuration.baselineDecay,
                                          normalize: configuration.normalizeMetaReward)
        reduction = configuration.logProbabilityReduction
        self.teacherSteps = teacherSteps
        subsampleSize = configuration.subsampleSize
        gradientClipNorm = configuration.gradientClipNorm
    }

    /// One teacher update from D0's record and its meta-reward.
    @discardableResult
    public func update(episode: TeacherEpisode, metaReward: Double, using rng: inout RandomStream) -> TeacherUpdateReport {
        precondition(metaReward.isFinite, "TeacherTrainer: non-finite meta-reward \(metaReward)")
        let advantage = normalizer.advantage(for: metaReward)
        let before = withoutGradients { teacher.logProbability(of: episode).sum().item }
        let parameters = teacher.parameters
        var firstLoss = Double.nan
        for _ in 0..<teacherSteps {
            var data = episode
            if let k = subsampleSize, k < episode.count {
                data = episode.subset(Array(rng.permutation(episode.count).prefix(k)))
            }
            let loss = metaPolicyGradientLoss(logProbabilities: teacher.logProbability(of: data), advantage: advantage,
                                              reduction: reduction)
            if firstLoss.isNaN { firstLoss = loss.item }
            var grads = gradients(of: loss, wrt: parameters)
            if let clip = gradientClipNorm { grads = clipGradientNorm(grads, maxNorm: clip).gradients }
            optimizer.step(grads)
        }
        return withoutGradients {
            let dist = teacher.distribution(observations: episode.observations, studentActions: episode.studentActions,
                                            features: episode.features)
            return TeacherUpdateReport(
                metaReward: metaReward, advantage: advantage, logProbabilityBefore: before,
                logProbabilityAfter: teacher.logProbability(of: episode).sum().item, loss: firstLoss,
                entropy: dist.entropy().mean().item, meanStd: dist.std.mean().item)
        }
    }
}
