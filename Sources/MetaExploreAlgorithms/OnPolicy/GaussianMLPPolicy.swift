import Foundation
import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor

/// A Gaussian policy π_θ(a|s) = N(μ_θ(s), diag(σ²)) with an MLP mean and a state-independent log standard
/// deviation — the policy of TRPO (Schulman et al. 2015), MAML (Finn et al. 2017: 100-100 ReLU) and ProMP
/// (Rothfuss et al. 2019: 64-64 tanh).
///
/// Parameters, in order: the MLP's (`MLP.namedParameters` order: weight, bias per layer), then `logStd` [d]. Every
/// differentiable entry point takes an optional explicit parameter list (`parameters:`) so that a MAML inner step
/// θ′ = θ − α∇_θL can be evaluated as a function of θ and differentiated through (the list may hold non-leaf
/// tensors computed from θ with `createGraph: true`). With `nil` the policy's own parameters are used.
public final class GaussianMLPPolicy {
    public let observationSize: Int
    public let actionSize: Int
    public let network: MLP
    /// log σ, [actionSize], a trainable leaf.
    public let logStd: Tensor
    public let dtype: DType

    /// - Parameters:
    ///   - hiddenSizes: MAML's 100-100 by default; ProMP uses [64, 64] with `.tanh`.
    ///   - initialStd: σ at initialization (1 in MAML and ProMP).
    public init(observationSize: Int, actionSize: Int, hiddenSizes: [Int] = [100, 100],
                activation: Activation = .relu, initialStd: Double = 1, dtype: DType = .float32,
                using rng: inout RandomStream) {
        precondition(initialStd > 0, "GaussianMLPPolicy: initial std must be positive")
        self.observationSize = observationSize
        self.actionSize = actionSize
        self.dtype = dtype
        network = MLP(inputSize: observationSize, hiddenSizes: hiddenSizes, outputSize: actionSize,
                      activation: activation, dtype: dtype, using: &rng)
        logStd = Tensor.full([actionSize], Foundation.log(initialStd), dtype: dtype).requiringGrad()
    }

    /// The policy's own parameters (network, then log σ).
    public var parameters: [Tensor] { network.parameters + [logStd] }

    /// π(·|s) for a batch of observations [N, observationSize], with the given parameters (or the policy's).
    public func distribution(_ observations: Tensor, parameters: [Tensor]? = nil) -> DiagonalGaussian {
        let p = parameters ?? self.parameters
        precondition(p.count == network.parameters.count + 1, "GaussianMLPPolicy: \(p.count) parameters")
        let mean = network.forward(observations, parameters: Array(p.dropLast()))
        return DiagonalGaussian(mean: mean, logStd: p[p.count - 1])
    }

    /// log π(a|s) per row, [N].
    public func logProbability(observations: Tensor, actions: Tensor, parameters: [Tensor]? = nil) -> Tensor {
        distribution(observations, parameters: parameters).logProbability(actions)
    }

    /// Entropy per row, [N].
    public func entropy(observations: Tensor, parameters: [Tensor]? = nil) -> Tensor {
        distribution(observations, parameters: parameters).entropy()
    }

    /// The mean action μ(s) (no gradient).
    public func meanAction(observation: [Double]) -> [Double] {
        withoutGradients {
            network(Tensor(shape: [1, observationSize], doubles: observation, dtype: dtype)).doubles
        }
    }

    /// Draws a ~ π(·|s) with `rng` (a = μ + σ·ε, ε from `rng.normal()`) and returns it with log π(a|s), computed in
    /// Double. No gradient.
    public func sample(observation: [Double], using rng: inout RandomStream) -> (action: [Double], logProbability: Double) {
        let mean = meanAction(observation: observation)
        let logSigma = logStd.doubles
        var action = [Double](repeating: 0, count: actionSize)
        var logp = 0.0
        for j in 0..<actionSize {
            let z = rng.normal()
            action[j] = mean[j] + Foundation.exp(logSigma[j]) * z
            logp += -0.5 * z * z - logSigma[j] - 0.918_938_533_204_672_7
        }
        return (action, logp)
    }

    /// All parameters as one flat vector (network, then log σ).
    public func flatParameters() -> [Double] { parameters.flatMap(\.doubles) }

    /// Overwrites all parameters from a flat vector (the layout of `flatParameters()`).
    public func setFlatParameters(_ values: [Double]) {
        assignFlat(values, to: parameters)
    }
}

/// Concatenates tensors' values into one flat vector.
public func flatten(_ tensors: [Tensor]) -> [Double] { tensors.flatMap(\.doubles) }

/// Writes a flat vector into leaf tensors, in order (each keeps its shape and dtype).
public func assignFlat(_ values: [Double], to tensors: [Tensor]) {
    let total = tensors.reduce(0) { $0 + $1.count }
    precondition(values.count == total, "assignFlat: \(values.count) values for \(total) parameters")
    var offset = 0
    for t in tensors {
        t.assign(Tensor(shape: t.shape, doubles: Array(values[offset..<(offset + t.count)]), dtype: t.dtype))
        offset += t.count
    }
}

/// Splits a flat vector into tensors shaped like `like` (no gradient).
public func unflatten(_ values: [Double], like tensors: [Tensor]) -> [Tensor] {
    var offset = 0
    return tensors.map { t in
        defer { offset += t.count }
        return Tensor(shape: t.shape, doubles: Array(values[offset..<(offset + t.count)]), dtype: t.dtype)
    }
}
