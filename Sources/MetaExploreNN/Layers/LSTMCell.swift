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

    /// The cell unrolled over a whole sequence in one fused op (`lstmSequence`): `inputs` is time-major
    /// [T·batchSize, inputSize] (row t·B + b is sequence b at step t), `state` the initial state ([B, H] each; zeros
    /// when nil). The same values as T calls of the cell (bit for bit in float32 where the engine's own product
    /// kernel runs, see `lstmSequence`), with one graph node instead of a dozen per step; `parameters` substitutes
    /// [weight, bias] as in `forward(_:state:parameters:)`.
    ///
    /// Throws `TensorArgumentError` when the shapes do not fit (rows not a positive multiple of B, wrong width,
    /// a state of another batch size).
    public func sequence(_ inputs: Tensor, batchSize: Int, state: LSTMState? = nil,
                         parameters p: ArraySlice<Tensor>? = nil) throws -> LSTMSequenceOutput {
        let p = p ?? parameters[...]
        guard p.count == 2 else { throw TensorArgumentError("LSTMCell.sequence: \(p.count) parameters, expected 2") }
        let w = p[p.startIndex], b = p[p.startIndex + 1]
        guard b.rank == 1, b.shape[0] > 0, b.shape[0] % 4 == 0 else {
            throw TensorArgumentError("LSTMCell.sequence: bias \(b.shape) is not [4·hidden]")
        }
        guard batchSize > 0 else { throw TensorArgumentError("LSTMCell.sequence: batch size \(batchSize) must be positive") }
        let hidden = b.shape[0] / 4
        let initial = state ?? LSTMState(h: Tensor.zeros([batchSize, hidden], dtype: w.dtype),
                                         c: Tensor.zeros([batchSize, hidden], dtype: w.dtype))
        guard initial.h.rank == 2, initial.h.shape[0] == batchSize else {
            throw TensorArgumentError("LSTMCell.sequence: initial state \(initial.h.shape) for batch size \(batchSize)")
        }
        let states = try lstmSequence(inputs, hidden: initial.h, cell: initial.c, weight: w, bias: b)
        return LSTMSequenceOutput(states: states, batchSize: batchSize, hiddenSize: hidden)
    }
}

/// The states of an LSTM unrolled over T steps of B sequences (`LSTMCell.sequence`), time-major.
public struct LSTMSequenceOutput {
    /// [2, T·B, H]: h_1 … h_T, then c_1 … c_T (the `lstmSequence` result).
    public let states: Tensor
    public let batchSize: Int
    public let hiddenSize: Int

    /// T.
    public var steps: Int { states.shape[1] / batchSize }

    /// h_1 … h_T: [T·B, H], row t·B + b (a differentiable slice of `states`).
    public var hidden: Tensor { states.slice(axis: 0, 0..<1).reshaped([states.shape[1], hiddenSize]) }

    /// c_1 … c_T: [T·B, H].
    public var cell: Tensor { states.slice(axis: 0, 1..<2).reshaped([states.shape[1], hiddenSize]) }

    /// (h_T, c_T), the state after the last step.
    public var final: LSTMState {
        let rows = states.shape[1], b = batchSize
        let flat = states.reshaped([2 * rows, hiddenSize])
        return LSTMState(h: flat.slice(axis: 0, (rows - b)..<rows), c: flat.slice(axis: 0, (2 * rows - b)..<(2 * rows)))
    }
}
