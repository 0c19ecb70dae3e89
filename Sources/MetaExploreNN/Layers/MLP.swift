import MetaExploreRandom
import MetaExploreTensor

/// A multilayer perceptron: [Linear → (LayerNorm) → activation] per hidden layer, then a final Linear and an
/// optional output activation.
///
/// ```swift
/// var rng = RandomStream(seed: 0)
/// let actor = MLP(inputSize: 17, hiddenSizes: [64, 64], outputSize: 6, layerNorm: true,
///                 outputActivation: .tanh, finalInitializer: .uniform(limit: 3e-3), using: &rng)
/// let action = actor(observations)            // [batch, 6]
/// ```
/// `forward(_:parameters:)` evaluates the same architecture with substitute parameters (MAML's adapted weights).
public final class MLP: Layer {
    public let layers: [Linear]
    public let norms: [LayerNorm]
    public let activation: Activation
    public let outputActivation: Activation
    /// The parameters in `namedParameters` order, gathered once: calls must not rebuild the dotted names.
    private var ownParameters: [Tensor] = []

    public init(
        inputSize: Int, hiddenSizes: [Int], outputSize: Int, activation: Activation = .relu,
        layerNorm: Bool = false, outputActivation: Activation = .identity,
        hiddenInitializer: WeightInitializer = .fanInUniform, finalInitializer: WeightInitializer = .fanInUniform,
        dtype: DType = .float32, using rng: inout RandomStream
    ) {
        let sizes = [inputSize] + hiddenSizes + [outputSize]
        var layers: [Linear] = []
        for i in 0..<(sizes.count - 1) {
            let isFinal = i == sizes.count - 2
            layers.append(Linear(sizes[i], sizes[i + 1], initializer: isFinal ? finalInitializer : hiddenInitializer,
                                 dtype: dtype, using: &rng))
        }
        self.layers = layers
        norms = layerNorm ? hiddenSizes.map { LayerNorm($0, dtype: dtype) } : []
        self.activation = activation
        self.outputActivation = outputActivation
        ownParameters = namedParameters.map(\.tensor)
    }

    public var parameters: [Tensor] { ownParameters }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        var out: [(name: String, tensor: Tensor)] = []
        for (i, layer) in layers.enumerated() {
            out += prefixed("\(i)", layer.namedParameters)
            if i < norms.count { out += prefixed("norm\(i)", norms[i].namedParameters) }
        }
        return out
    }

    public func callAsFunction(_ x: Tensor) -> Tensor { forward(x, parameters: ownParameters) }

    /// The network with substitute parameters in `namedParameters` order.
    public func forward(_ x: Tensor, parameters p: [Tensor]) -> Tensor {
        precondition(p.count == ownParameters.count, "MLP.forward: \(p.count) parameters, expected \(ownParameters.count)")
        var h = x
        var k = 0
        for (i, layer) in layers.enumerated() {
            h = layer.forward(h, parameters: p[k..<(k + 2)])
            k += 2
            if i < layers.count - 1 {
                if i < norms.count {
                    h = norms[i].forward(h, parameters: p[k..<(k + 2)])
                    k += 2
                }
                h = activation(h)
            }
        }
        return outputActivation(h)
    }
}
