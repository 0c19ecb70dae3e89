import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor

/// The "Meta (variance)" teacher πe = N(μ(s; θπ), σ²I) (Xu et al. 2018, ICML Sec. 4.1 i): the student's deterministic
/// action plus Gaussian noise whose (state-independent, per-dimension) log-std is the teacher's only parameter.
///
/// The mean is the student's action taken as a constant: the meta-policy gradient (Eq. 5) updates σ only, and no
/// gradient flows into the student (`logProbability` detaches it). `initialLogStd` defaults to log 0.2, the scale of
/// baselines' default Gaussian action noise for DDPG, which this teacher generalizes.
public final class StudentVarianceTeacher: ExplorationTeacher {
    public let logStd: Tensor
    public let actionSize: Int

    public init(actionSize: Int, initialLogStd: Double) {
        self.actionSize = actionSize
        logStd = Tensor.full([actionSize], initialLogStd).requiringGrad()
    }

    public var variant: MetaPolicyVariant { .metaVariance }

    public var teacherInput: TeacherInput { TeacherInput(observations: false, studentActions: true, featureCount: 0) }

    public var namedParameters: [(name: String, tensor: Tensor)] { [("logStd", logStd)] }

    public func distribution(observations: Tensor, studentActions: Tensor, features: Tensor?) -> DiagonalGaussian {
        precondition(studentActions.rank == 2 && studentActions.shape[1] == actionSize,
                     "StudentVarianceTeacher: student actions [N, \(actionSize)] expected, got \(studentActions.shape)")
        return DiagonalGaussian(mean: studentActions.detached(), logStd: logStd)
    }
}
