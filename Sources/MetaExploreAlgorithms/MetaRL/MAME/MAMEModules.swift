import Foundation
import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor

/// The three modules of MAME and its task latent (Gurumurthy, Kumar & Yue 2019, "Meta Exploration for
/// Model-Agnostic Reinforcement Learning", Sec. 4.1 and Sec. 5):
///
/// - the exploration policy μφ(a|s): a `GaussianMLPPolicy` over the observation alone (the seed's code feeds it
///   s ⊕ 0, which is the same function family);
/// - the exploitation policy πθ,z(a|s): a Gaussian MLP over s ⊕ z (parameters θ: the MLP's and log σ);
/// - the self-supervision network Mβ,z(s, a): an MLP over s ⊕ a ⊕ z (parameters β) predicting the target M̄;
/// - z, a learned task latent (`latentSize`, 32 in the seed's code) shared by π and M; only z is adapted.
///
/// "All the three networks have the same architecture as that of the policy network in Finn et al. (2017)"
/// (Sec. 5): every hidden stack is `hiddenSizes` with `activation` (100-100 ReLU by default).
///
/// **z as a bias.** Concatenating z to the input of an MLP whose first layer is y = [x, z]·W + b is the same function
/// as y = x·W_x + (b + z·W_z), with W_x, W_z the rows of W that multiply x and z. `exploitationParameters(theta:z:)`
/// and `selfSupervisionParameters(beta:z:)` return those folded parameter lists — differentiable in θ (β) and z — for
/// the networks over x alone (`exploitationView`, `selfSupervisionView`, which exist only as shapes: their own
/// parameters are never read). This lets πθ,z reuse every piece written for a `GaussianMLPPolicy` (the multi-task
/// sampler with one parameter list per task, log-probabilities, the policy-gradient losses) without copying z into
/// every observation. The networks that own θ and β are built over the full concatenated input, so their
/// initialization (fan-in) is the concatenated network's.
public final class MAMEModules {
    public let observationSize: Int
    public let actionSize: Int
    public let latentSize: Int
    /// The dimension of M's output (1 for returns and rewards, the observation size for next states).
    public let targetSize: Int
    public let dtype: DType
    /// μφ.
    public let exploration: GaussianMLPPolicy
    /// πθ,z over s ⊕ z (owns θ).
    public let exploitation: GaussianMLPPolicy
    /// Mβ,z over s ⊕ a ⊕ z (owns β).
    public let selfSupervision: MLP
    /// z, [latentSize], a trainable leaf.
    public let latent: Tensor
    /// πθ,z as a policy over s alone, to be called with `exploitationParameters(theta:z:)`.
    public let exploitationView: GaussianMLPPolicy
    /// Mβ,z as a network over s ⊕ a alone, to be called with `selfSupervisionParameters(beta:z:)`.
    public let selfSupervisionView: MLP

    /// - Parameters:
    ///   - initialLatent: z at initialization. Choice (the seed does not say): zeros, so every task starts from the
    ///     same conditioning and adaptation alone moves z.
    public init(observationSize: Int, actionSize: Int, latentSize: Int, targetSize: Int, hiddenSizes: [Int],
                activation: Activation, initialStd: Double, dtype: DType = .float32, using rng: inout RandomStream) {
        precondition(observationSize > 0 && actionSize > 0 && latentSize > 0 && targetSize > 0,
                     "MAMEModules needs positive sizes")
        self.observationSize = observationSize
        self.actionSize = actionSize
        self.latentSize = latentSize
        self.targetSize = targetSize
        self.dtype = dtype
        var explorationStream = rng.derived("exploration")
        var exploitationStream = rng.derived("exploitation")
        var selfSupervisionStream = rng.derived("self-supervision")
        var viewStream = rng.derived("views")
        exploration = GaussianMLPPolicy(observationSize: observationSize, actionSize: actionSize, hiddenSizes: hiddenSizes,
                                        activation: activation, initialStd: initialStd, dtype: dtype,
                                        using: &explorationStream)
        exploitation = GaussianMLPPolicy(observationSize: observationSize + latentSize, actionSize: actionSize,
                                         hiddenSizes: hiddenSizes, activation: activation, initialStd: initialStd,
                                         dtype: dtype, using: &exploitationStream)
        selfSupervision = MLP(inputSize: observationSize + actionSize + latentSize, hiddenSizes: hiddenSizes,
                              outputSize: targetSize, activation: activation, dtype: dtype, using: &selfSupervisionStream)
        exploitationView = GaussianMLPPolicy(observationSize: observationSize, actionSize: actionSize,
                                             hiddenSizes: hiddenSizes, activation: activation, initialStd: initialStd,
                                             dtype: dtype, using: &viewStream)
        selfSupervisionView = MLP(inputSize: observationSize + actionSize, hiddenSizes: hiddenSizes, outputSize: targetSize,
                                  activation: activation, dtype: dtype, using: &viewStream)
        latent = Tensor.zeros([latentSize], dtype: dtype).requiringGrad()
    }

    /// θ: πθ,z's parameters (network over s ⊕ z, then log σ).
    public var theta: [Tensor] { exploitation.parameters }
    /// β: M's parameters.
    public var beta: [Tensor] { selfSupervision.parameters }
    /// φ: μφ's parameters.
    public var phi: [Tensor] { exploration.parameters }

    /// Every trainable tensor with its checkpoint name.
    public var namedParameters: [(name: String, tensor: Tensor)] {
        typealias Named = (name: String, tensor: Tensor)
        var out: [Named] = []
        for (name, t) in exploration.network.namedParameters { out.append(("exploration.\(name)", t)) }
        out.append(("exploration.logStd", exploration.logStd))
        for (name, t) in exploitation.network.namedParameters { out.append(("exploitation.\(name)", t)) }
        out.append(("exploitation.logStd", exploitation.logStd))
        for (name, t) in selfSupervision.namedParameters { out.append(("selfSupervision.\(name)", t)) }
        out.append(("latent", latent))
        return out
    }

    /// Folds z into the first layer's bias (see the type's documentation): [W, b, rest…] over x ⊕ z becomes
    /// [W_x, b + z·W_z, rest…] over x. Differentiable in every input.
    static func fold(_ parameters: [Tensor], z: Tensor, inputSize: Int, latentSize: Int) -> [Tensor] {
        let w = parameters[0], b = parameters[1]
        precondition(w.shape[0] == inputSize + latentSize, "fold: weight rows \(w.shape[0]) ≠ \(inputSize) + \(latentSize)")
        let wx = w.slice(axis: 0, 0..<inputSize)
        let wz = w.slice(axis: 0, inputSize..<(inputSize + latentSize))
        let shift = z.reshaped([1, latentSize]).matmul(wz).reshaped([b.count])
        return [wx, b + shift] + parameters[2...]
    }

    /// πθ,z's parameters for `exploitationView` (θ in `theta` order, log σ last).
    public func exploitationParameters(theta: [Tensor], z: Tensor) -> [Tensor] {
        Self.fold(theta, z: z, inputSize: observationSize, latentSize: latentSize)
    }

    /// Mβ,z's parameters for `selfSupervisionView`.
    public func selfSupervisionParameters(beta: [Tensor], z: Tensor) -> [Tensor] {
        Self.fold(beta, z: z, inputSize: observationSize + actionSize, latentSize: latentSize)
    }

    /// Mβ,z(s, a) for rows of observations [N, obs] and actions [N, act]: [N, targetSize].
    public func predict(observations: Tensor, actions: Tensor, beta: [Tensor], z: Tensor) -> Tensor {
        selfSupervisionView.forward(concatenate([observations, actions], axis: 1),
                                    parameters: selfSupervisionParameters(beta: beta, z: z))
    }

    /// Mβ,z(s, a) computed the literal way, with z copied into every input row (what the folded form must equal;
    /// the tests compare them).
    public func predictConcatenated(observations: Tensor, actions: Tensor, beta: [Tensor], z: Tensor) -> Tensor {
        let n = observations.shape[0]
        let zs = z.reshaped([1, latentSize]).broadcast(to: [n, latentSize])
        return selfSupervision.forward(concatenate([observations, actions, zs], axis: 1), parameters: beta)
    }

    /// log πθ,z(a|s) computed the literal way (s ⊕ z as the input), [N].
    public func exploitationLogProbabilityConcatenated(observations: Tensor, actions: Tensor, theta: [Tensor],
                                                       z: Tensor) -> Tensor {
        let n = observations.shape[0]
        let zs = z.reshaped([1, latentSize]).broadcast(to: [n, latentSize])
        return exploitation.logProbability(observations: concatenate([observations, zs], axis: 1), actions: actions,
                                           parameters: theta)
    }
}
