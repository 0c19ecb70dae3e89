import MetaExploreRandom
import MetaExploreTensor

/// The recurrent state of an `LSTMCell`: hidden output h and cell memory c, both [N, H].
public struct LSTMState {
    public let h: Tensor
    public let c: Tensor

    public init(h: Tensor, c: Tensor) {
        precondition(h.shape == c.shape, "LSTMState: h \(h.shape) and c \(c.shape) differ")
        self.h = h
        self.c = c
    }
}

/// A long short-term memory cell (Hochreiter & Schmidhuber 1997) with a forget gate (Gers, Schmidhuber &
/// Cummins 2000), as in `torch.nn.LSTMCell`, for a batch x [N, in] and state (h, c) [N, H]:
///
///     [i, f, g, o] = [x, h]·W + b                 (one fused product over the concatenated input)
///     c' = σ(f) ⊙ c + σ(i) ⊙ tanh(g)
///     h' = σ(o) ⊙ tanh(c')
///
/// W is [in + H, 4H] with the gate blocks ordered i, f, g, o along the columns (PyTorch's order; its `weight_ih`
/// and `weight_hh` are the transposes of W's first `in` and last H rows), b is [4H]. Weights are drawn from
/// U(−1/√H, 1/√H); the forget-gate bias starts at `forgetBias` (1.0 by default, Jozefowicz et al. 2015, so the
/// cell initially remembers), the other biases at U(−1/√H, 1/√H).
public final class LSTMCell: Layer {
    public let weight: Tensor
    public let bias: Tensor

    public init(inputSize: Int, hiddenSize: Int, forgetBias: Double? = 1.0, dtype: DType = .float32,
                using rng: inout RandomStream) {
        precondition(inputSize > 0 && hiddenSize > 0, "LSTMCell needs positive sizes, got \(inputSize)→\(hiddenSize)")
        let limit = 1 / Double(hiddenSize).squareRoot()
        weight = Tensor.randomUniform([inputSize + hiddenSize, 4 * hiddenSize], low: -limit, high: limit, dtype: dtype,
                                      using: &rng).requiringGrad()
        var b = (0..<(4 * hiddenSize)).map { _ in rng.uniform(-limit, limit) }
        if let forgetBias {
            for j in hiddenSize..<(2 * hiddenSize) { b[j] = forgetBias }
        }
        bias = Tensor(shape: [4 * hiddenSize], doubles: b, dtype: dtype).requiringGrad()
    }

    public var hiddenSize: Int { bias.shape[0] / 4 }
    public var inputSize: Int { weight.shape[0] - hiddenSize }

    public var namedParameters: [(name: String, tensor: Tensor)] { [("weight", weight), ("bias", bias)] }

    /// The all-zero initial state.
    public func zeroState(batchSize: Int) -> LSTMState {
        LSTMState(h: Tensor.zeros([batchSize, hiddenSize], dtype: weight.dtype),
                  c: Tensor.zeros([batchSize, hiddenSize], dtype: weight.dtype))
    }

    /// One step: the next state (h', c').
    public func callAsFunction(_ input: Tensor, _ state: LSTMState) -> LSTMState {
        forward(input, state: state, parameters: parameters[...])
    }

    /// One step with substitute parameters [weight, bias] (MAML's adapted weights).
    public func forward(_ input: Tensor, state: LSTMState, parameters p: ArraySlice<Tensor>) -> LSTMState {
        precondition(p.count == 2, "LSTMCell.forward: \(p.count) parameters, expected 2")
        let w = p[p.startIndex], b = p[p.startIndex + 1]
        let hiddenSize = b.shape[0] / 4
        precondition(state.h.rank == 2 && state.h.shape == [input.shape[0], hiddenSize],
                     "LSTMCell: state \(state.h.shape) for input \(input.shape) and hidden size \(hiddenSize)")
        let gates = linear(concatenate([input, state.h], axis: 1), w, b)
            .split(sizes: [hiddenSize, hiddenSize, hiddenSize, hiddenSize], axis: 1)
        let i = gates[0].sigmoid(), f = gates[1].sigmoid(), g = gates[2].tanh(), o = gates[3].sigmoid()
        let c = f * state.c + i * g
        return LSTMState(h: o * c.tanh(), c: c)
    }

    public func forward(_ input: Tensor, state: LSTMState, parameters p: [Tensor]) -> LSTMState {
        forward(input, state: state, parameters: p[...])
    }
}
