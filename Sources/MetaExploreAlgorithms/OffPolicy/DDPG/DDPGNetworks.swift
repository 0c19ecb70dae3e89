import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor

/// The deterministic actor μ(s) of DDPG as in OpenAI baselines (the student of Xu et al. 2018):
/// s → [Linear → LayerNorm → ReLU] × hidden → Linear (final layer U(±3e-3), Lillicrap et al. 2016, Sec. 7) → tanh.
/// Actions live in [−1, 1]; environments rescale them to their bounds.
public final class DeterministicActor: Layer {
    public let network: MLP

    public init(observationSize: Int, actionSize: Int, hiddenSizes: [Int] = [64, 64], layerNorm: Bool = true,
                finalInitLimit: Double = 3e-3, using rng: inout RandomStream) {
        network = MLP(inputSize: observationSize, hiddenSizes: hiddenSizes, outputSize: actionSize,
                      activation: .relu, layerNorm: layerNorm, outputActivation: .tanh,
                      finalInitializer: .uniform(limit: finalInitLimit), using: &rng)
    }

    public var namedParameters: [(name: String, tensor: Tensor)] { network.namedParameters }

    public func callAsFunction(_ observations: Tensor) -> Tensor { network(observations) }
}

/// The critic Q(s, a) of DDPG as in OpenAI baselines: the action joins after the first hidden layer
/// (Lillicrap et al. 2016, Sec. 7: "actions were not included until the 2nd hidden layer of Q"):
/// s → Linear → LayerNorm → ReLU → concat(·, a) → [Linear → LayerNorm → ReLU] × (hidden − 1) → Linear(1).
public final class Critic: Layer {
    public let first: Linear
    public let firstNorm: LayerNorm?
    public let hidden: [Linear]
    public let hiddenNorms: [LayerNorm]
    public let output: Linear

    public init(observationSize: Int, actionSize: Int, hiddenSizes: [Int] = [64, 64], layerNorm: Bool = true,
                finalInitLimit: Double = 3e-3, using rng: inout RandomStream) {
        precondition(!hiddenSizes.isEmpty, "the critic needs at least one hidden layer")
        first = Linear(observationSize, hiddenSizes[0], using: &rng)
        firstNorm = layerNorm ? LayerNorm(hiddenSizes[0]) : nil
        var layers: [Linear] = []
        var norms: [LayerNorm] = []
        for i in 1..<hiddenSizes.count {
            let inSize = hiddenSizes[i - 1] + (i == 1 ? actionSize : 0)
            layers.append(Linear(inSize, hiddenSizes[i], using: &rng))
            if layerNorm { norms.append(LayerNorm(hiddenSizes[i])) }
        }
        hidden = layers
        hiddenNorms = norms
        let lastIn = (hiddenSizes.last ?? 0) + (hiddenSizes.count == 1 ? actionSize : 0)
        output = Linear(lastIn, 1, initializer: .uniform(limit: finalInitLimit), using: &rng)
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        var out = prefixed("0", first.namedParameters)
        if let firstNorm { out += prefixed("norm0", firstNorm.namedParameters) }
        for (i, layer) in hidden.enumerated() {
            out += prefixed("\(i + 1)", layer.namedParameters)
            if i < hiddenNorms.count { out += prefixed("norm\(i + 1)", hiddenNorms[i].namedParameters) }
        }
        out += prefixed("out", output.namedParameters)
        return out
    }

    /// Which parameters are weight matrices of hidden layers (the ones the L2 penalty of baselines' DDPG applies to:
    /// kernels, not biases, not LayerNorm, not the output layer).
    public var hiddenWeightMask: [Bool] {
        namedParameters.map { $0.name.hasSuffix(".weight") && !$0.name.hasPrefix("out.") }
    }

    public func callAsFunction(_ observations: Tensor, _ actions: Tensor) -> Tensor {
        var h = first(observations)
        if let firstNorm { h = firstNorm(h) }
        h = concatenate([h.relu(), actions], axis: 1)
        for (i, layer) in hidden.enumerated() {
            h = layer(h)
            if i < hiddenNorms.count { h = hiddenNorms[i](h) }
            h = h.relu()
        }
        return output(h)
    }
}
