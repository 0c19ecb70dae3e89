import MetaExploreRandom
import MetaExploreTensor

/// A fully connected layer y = x·W + b, with W stored [inputSize, outputSize].
///
/// (PyTorch stores the transpose, [out, in]; a checkpoint exchanged with PyTorch code transposes "weight".)
public final class Linear: Layer {
    public let weight: Tensor
    public let bias: Tensor

    public init(_ inputSize: Int, _ outputSize: Int, initializer: WeightInitializer = .fanInUniform,
                dtype: DType = .float32, using rng: inout RandomStream) {
        precondition(inputSize > 0 && outputSize > 0, "Linear needs positive sizes, got \(inputSize)→\(outputSize)")
        let (w, b) = initializer.make(fanIn: inputSize, fanOut: outputSize, dtype: dtype, using: &rng)
        weight = w.requiringGrad()
        bias = b.requiringGrad()
    }

    public var inputSize: Int { weight.shape[0] }
    public var outputSize: Int { weight.shape[1] }

    public var namedParameters: [(name: String, tensor: Tensor)] { [("weight", weight), ("bias", bias)] }

    public func callAsFunction(_ x: Tensor) -> Tensor { linear(x, weight, bias) }

    /// The layer applied with substitute parameters [weight, bias].
    public func forward(_ x: Tensor, parameters p: ArraySlice<Tensor>) -> Tensor {
        linear(x, p[p.startIndex], p[p.startIndex + 1])
    }
}

/// Layer normalization over the last axis with a learned gain (ones) and bias (zeros) (Ba et al. 2016).
public final class LayerNorm: Layer {
    public let gamma: Tensor
    public let beta: Tensor
    public let epsilon: Double

    public init(_ size: Int, epsilon: Double = 1e-5, dtype: DType = .float32) {
        gamma = Tensor.ones([size], dtype: dtype).requiringGrad()
        beta = Tensor.zeros([size], dtype: dtype).requiringGrad()
        self.epsilon = epsilon
    }

    public var namedParameters: [(name: String, tensor: Tensor)] { [("gamma", gamma), ("beta", beta)] }

    public func callAsFunction(_ x: Tensor) -> Tensor { layerNorm(x, gamma: gamma, beta: beta, epsilon: epsilon) }

    public func forward(_ x: Tensor, parameters p: ArraySlice<Tensor>) -> Tensor {
        layerNorm(x, gamma: p[p.startIndex], beta: p[p.startIndex + 1], epsilon: epsilon)
    }
}

/// Elementwise nonlinearities used between layers.
public enum Activation: String, Sendable, CaseIterable, Codable {
    case relu, tanh, sigmoid, identity

    public func callAsFunction(_ x: Tensor) -> Tensor {
        switch self {
        case .relu: return x.relu()
        case .tanh: return x.tanh()
        case .sigmoid: return x.sigmoid()
        case .identity: return x
        }
    }

    /// Decodes a name; an unknown one fails with the valid names listed (configuration files name activations).
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Activation(rawValue: text) else {
            let valid = Activation.allCases.map(\.rawValue).joined(separator: ", ")
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected one of \(valid), got '\(text)'")
        }
        self = value
    }
}
