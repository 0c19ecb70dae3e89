import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor

/// The "Meta" teacher πe = N(f(s; θf), σ²I) (Xu et al. 2018, ICML Sec. 4.1 ii and Sec. 5.1: "a stochastic Gaussian
/// policy with a mean network represented with a MLP with two hidden layers (64-64), and a log-standard-deviation
/// variance variable"), and, with `featureCount > 0`, the "Meta (state)" teacher whose input is the state augmented
/// with algorithmic features (Sec. 4.1 iii), f(concat(s, φ); θf).
///
/// Architecture choices (the paper gives only 64-64): the hidden activation is ReLU with LayerNorm by default, because
/// Sec. 5.1 says LayerNorm is adopted "for our two policy networks and one Q-network" and the student it mirrors
/// (baselines' DDPG actor) is ReLU + LayerNorm; tanh without LayerNorm (rllab's GaussianMLPPolicy) is one switch away.
/// The mean ends in tanh by default so it lies inside the [−1, 1] action cube (Sec. 4: "action spaces are bounded by
/// a high-dimensional continuous cube [−1, 1]^d"). The log-std is one learned vector, state-independent (ICML
/// wording; the arXiv version describes a 64-64 log-std network instead), initialised to `initialLogStd`.
public final class GaussianMLPTeacher: ExplorationTeacher {
    public let meanNetwork: MLP
    public let logStd: Tensor
    public let observationSize: Int
    public let actionSize: Int
    public let featureCount: Int

    public init(observationSize: Int, actionSize: Int, featureCount: Int = 0,
                configuration: MetaPolicyGradientConfiguration.Teacher = .init(), using rng: inout RandomStream) {
        self.observationSize = observationSize
        self.actionSize = actionSize
        self.featureCount = featureCount
        meanNetwork = MLP(inputSize: observationSize + featureCount, hiddenSizes: configuration.hiddenSizes,
                          outputSize: actionSize, activation: configuration.activation,
                          layerNorm: configuration.layerNorm,
                          outputActivation: configuration.squashMean ? .tanh : .identity,
                          finalInitializer: .uniform(limit: configuration.finalInitLimit), using: &rng)
        logStd = Tensor.full([actionSize], configuration.initialLogStd).requiringGrad()
    }

    public var variant: MetaPolicyVariant { featureCount > 0 ? .metaState : .meta }

    public var teacherInput: TeacherInput {
        TeacherInput(observations: true, studentActions: false, featureCount: featureCount)
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        prefixed("mean", meanNetwork.namedParameters) + [("logStd", logStd)]
    }

    public func distribution(observations: Tensor, studentActions: Tensor, features: Tensor?) -> DiagonalGaussian {
        var input = observations
        if featureCount > 0 {
            guard let features, features.shape == [observations.shape[0], featureCount] else {
                preconditionFailure("GaussianMLPTeacher: needs features [N, \(featureCount)], got \(features?.shape ?? [])")
            }
            input = concatenate([observations, features], axis: 1)
        }
        return DiagonalGaussian(mean: meanNetwork(input), logStd: logStd)
    }
}
