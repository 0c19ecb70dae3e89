import MetaExploreRandom
import MetaExploreTensor

/// A gated recurrent unit (Cho et al. 2014, "Learning Phrase Representations using RNN Encoder–Decoder", Sec. 2.3),
/// in PyTorch's convention (`torch.nn.GRUCell`), for a batch x [N, in] and hidden state h [N, H]:
///
///     r  = σ(x·W_ir + b_ir + h·W_hr + b_hr)            reset gate
///     z  = σ(x·W_iz + b_iz + h·W_hz + b_hz)            update gate
///     n  = tanh(x·W_in + b_in + r ⊙ (h·W_hn + b_hn))   candidate
///     h' = (1 − z) ⊙ n + z ⊙ h
///
/// Note that the reset gate multiplies (h·W_hn + b_hn), *after* the hidden projection and including its bias, as
/// PyTorch and cuDNN do; Cho et al. apply r to h before the projection. Because of that product the input and
/// hidden projections cannot be fused into one matrix, so the cell keeps separate input weights [in, 3H] and hidden
/// weights [H, 3H] (each one `linear` call per step), with the gate blocks ordered r, z, n along the columns.
/// Weights are stored [in, out] like `Linear` (PyTorch's `weight_ih` is the transpose). All parameters are drawn
/// from U(−1/√H, 1/√H), PyTorch's default.
public final class GRUCell: Layer {
    public let inputWeight: Tensor
    public let inputBias: Tensor
    public let hiddenWeight: Tensor
    public let hiddenBias: Tensor

    public init(inputSize: Int, hiddenSize: Int, dtype: DType = .float32, using rng: inout RandomStream) {
        precondition(inputSize > 0 && hiddenSize > 0, "GRUCell needs positive sizes, got \(inputSize)→\(hiddenSize)")
        let limit = 1 / Double(hiddenSize).squareRoot()
        func draw(_ shape: [Int]) -> Tensor {
            Tensor.randomUniform(shape, low: -limit, high: limit, dtype: dtype, using: &rng).requiringGrad()
        }
        inputWeight = draw([inputSize, 3 * hiddenSize])
        inputBias = draw([3 * hiddenSize])
        hiddenWeight = draw([hiddenSize, 3 * hiddenSize])
        hiddenBias = draw([3 * hiddenSize])
    }

    public var inputSize: Int { inputWeight.shape[0] }
    public var hiddenSize: Int { hiddenWeight.shape[0] }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        [("inputWeight", inputWeight), ("inputBias", inputBias), ("hiddenWeight", hiddenWeight), ("hiddenBias", hiddenBias)]
    }

    /// The all-zero initial state [batchSize, H].
    public func zeroState(batchSize: Int) -> Tensor {
        Tensor.zeros([batchSize, hiddenSize], dtype: inputWeight.dtype)
    }

    /// One step: the next hidden state [N, H].
    public func callAsFunction(_ input: Tensor, _ state: Tensor) -> Tensor {
        forward(input, state: state, parameters: parameters[...])
    }

    /// One step with substitute parameters in `namedParameters` order (MAML's adapted weights).
    public func forward(_ input: Tensor, state h: Tensor, parameters p: ArraySlice<Tensor>) -> Tensor {
        precondition(p.count == 4, "GRUCell.forward: \(p.count) parameters, expected 4")
        let s = p.startIndex
        let hiddenSize = p[s + 2].shape[0]
        precondition(h.rank == 2 && h.shape[1] == hiddenSize && h.shape[0] == input.shape[0],
                     "GRUCell: state \(h.shape) for input \(input.shape) and hidden size \(hiddenSize)")
        let gi = linear(input, p[s], p[s + 1]).split(sizes: [hiddenSize, hiddenSize, hiddenSize], axis: 1)
        let gh = linear(h, p[s + 2], p[s + 3]).split(sizes: [hiddenSize, hiddenSize, hiddenSize], axis: 1)
        let r = (gi[0] + gh[0]).sigmoid()
        let z = (gi[1] + gh[1]).sigmoid()
        let n = (gi[2] + r * gh[2]).tanh()
        return n + z * (h - n)  // = (1 − z) ⊙ n + z ⊙ h
    }

    public func forward(_ input: Tensor, state: Tensor, parameters p: [Tensor]) -> Tensor {
        forward(input, state: state, parameters: p[...])
    }
}
