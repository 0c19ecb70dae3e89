import Foundation
import Testing
import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor

private func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }

@Suite struct RecurrentTests {
    @Test func shapesAndNames() {
        var rng = RandomStream(seed: 1)
        let gru = GRUCell(inputSize: 3, hiddenSize: 5, using: &rng)
        #expect(gru.namedParameters.map(\.name) == ["inputWeight", "inputBias", "hiddenWeight", "hiddenBias"])
        #expect(gru.parameters.map(\.shape) == [[3, 15], [15], [5, 15], [15]])
        let x = Tensor.randomNormal([4, 3], using: &rng)
        let h = gru(x, gru.zeroState(batchSize: 4))
        #expect(h.shape == [4, 5] && h.dtype == .float32)
        #expect(h.scalars.allSatisfy { abs($0) < 1 })

        let lstm = LSTMCell(inputSize: 3, hiddenSize: 5, using: &rng)
        #expect(lstm.namedParameters.map(\.name) == ["weight", "bias"])
        #expect(lstm.parameters.map(\.shape) == [[8, 20], [20]])
        #expect(lstm.inputSize == 3 && lstm.hiddenSize == 5)
        #expect(lstm.bias.doubles[5..<10].allSatisfy { $0 == 1 })
        let s = lstm(x, lstm.zeroState(batchSize: 4))
        #expect(s.h.shape == [4, 5] && s.c.shape == [4, 5])
        // Substitute parameters equal to the own ones give the same step.
        #expect(lstm.forward(x, state: lstm.zeroState(batchSize: 4), parameters: lstm.parameters).h.scalars == s.h.scalars)
        #expect(gru.forward(x, state: gru.zeroState(batchSize: 4), parameters: gru.parameters).scalars == h.scalars)
    }

    @Test func zeroWeightsGiveKnownOutputs() {
        var rng = RandomStream(seed: 2)
        // GRU with all parameters zero: r = z = ½, n = 0, so h' = h/2.
        let gru = GRUCell(inputSize: 2, hiddenSize: 3, dtype: .float64, using: &rng)
        for p in gru.parameters { p.assign(Tensor.zeros(p.shape, dtype: .float64)) }
        let h = Tensor(shape: [1, 3], doubles: [0.4, -2, 1])
        #expect(gru(Tensor(shape: [1, 2], doubles: [5, -3]), h).doubles == [0.2, -1, 0.5])
        // LSTM with zero weights and zero bias: i = f = o = ½, g = 0, so c' = c/2 and h' = tanh(c/2)/2.
        let lstm = LSTMCell(inputSize: 2, hiddenSize: 3, forgetBias: nil, dtype: .float64, using: &rng)
        for p in lstm.parameters { p.assign(Tensor.zeros(p.shape, dtype: .float64)) }
        let c = Tensor(shape: [1, 3], doubles: [0.4, -2, 1])
        let next = lstm(Tensor(shape: [1, 2], doubles: [5, -3]), LSTMState(h: h, c: c))
        #expect(next.c.doubles == [0.2, -1, 0.5])
        for (a, cv) in zip(next.h.doubles, [0.2, -1, 0.5]) { #expect(abs(a - 0.5 * Foundation.tanh(cv)) < 1e-15) }
    }

    @Test func handComputedSingleStep() {
        // One input, one hidden unit, explicit weights; expected values computed from the equations in Double.
        var rng = RandomStream(seed: 3)
        let gru = GRUCell(inputSize: 1, hiddenSize: 1, dtype: .float64, using: &rng)
        gru.inputWeight.assign(Tensor(shape: [1, 3], doubles: [0.5, -0.3, 0.8]))
        gru.inputBias.assign(Tensor(shape: [3], doubles: [0.1, 0.2, -0.1]))
        gru.hiddenWeight.assign(Tensor(shape: [1, 3], doubles: [-0.4, 0.6, 0.9]))
        gru.hiddenBias.assign(Tensor(shape: [3], doubles: [0.05, -0.05, 0.3]))
        let (x, h) = (0.7, -0.2)
        let r = sigmoid(0.5 * x + 0.1 + -0.4 * h + 0.05)
        let z = sigmoid(-0.3 * x + 0.2 + 0.6 * h - 0.05)
        let n = Foundation.tanh(0.8 * x - 0.1 + r * (0.9 * h + 0.3))
        let expected = (1 - z) * n + z * h
        let got = gru(Tensor(shape: [1, 1], doubles: [x]), Tensor(shape: [1, 1], doubles: [h])).item
        #expect(abs(got - expected) < 1e-14)

        let lstm = LSTMCell(inputSize: 1, hiddenSize: 1, dtype: .float64, using: &rng)
        // Rows: x, h; columns: i, f, g, o.
        lstm.weight.assign(Tensor(shape: [2, 4], doubles: [0.5, -0.3, 0.8, 0.2, -0.4, 0.6, 0.9, -0.7]))
        lstm.bias.assign(Tensor(shape: [4], doubles: [0.1, 1.0, -0.1, 0.05]))
        let c = 0.35
        let i = sigmoid(0.5 * x - 0.4 * h + 0.1)
        let f = sigmoid(-0.3 * x + 0.6 * h + 1.0)
        let g = Foundation.tanh(0.8 * x + 0.9 * h - 0.1)
        let o = sigmoid(0.2 * x - 0.7 * h + 0.05)
        let c2 = f * c + i * g
        let next = lstm(Tensor(shape: [1, 1], doubles: [x]),
                        LSTMState(h: Tensor(shape: [1, 1], doubles: [h]), c: Tensor(shape: [1, 1], doubles: [c])))
        #expect(abs(next.c.item - c2) < 1e-14)
        #expect(abs(next.h.item - o * Foundation.tanh(c2)) < 1e-14)
    }

    @Test func gruGradientsThroughThreeStepsMatchFiniteDifferences() {
        var rng = RandomStream(seed: 4)
        let cell = GRUCell(inputSize: 2, hiddenSize: 3, dtype: .float64, using: &rng)
        let xs = (0..<3).map { _ in Tensor.randomNormal([2, 2], dtype: .float64, using: &rng) }
        let h0 = Tensor.randomNormal([2, 3], std: 0.5, dtype: .float64, using: &rng).requiringGrad()
        let inputs = cell.parameters.map { Tensor(shape: $0.shape, doubles: $0.doubles).requiringGrad() } + [h0]
        expectGradientsMatch("gru 3 steps", inputs, secondOrder: true) { p in
            var h = p[4]
            for x in xs { h = cell.forward(x, state: h, parameters: p[0..<4]) }
            return h
        }
    }

    @Test func lstmGradientsThroughThreeStepsMatchFiniteDifferences() {
        var rng = RandomStream(seed: 5)
        let cell = LSTMCell(inputSize: 2, hiddenSize: 3, dtype: .float64, using: &rng)
        let xs = (0..<3).map { _ in Tensor.randomNormal([2, 2], dtype: .float64, using: &rng) }
        let h0 = Tensor.randomNormal([2, 3], std: 0.5, dtype: .float64, using: &rng).requiringGrad()
        let c0 = Tensor.randomNormal([2, 3], std: 0.5, dtype: .float64, using: &rng).requiringGrad()
        let inputs = cell.parameters.map { Tensor(shape: $0.shape, doubles: $0.doubles).requiringGrad() } + [h0, c0]
        expectGradientsMatch("lstm 3 steps", inputs, secondOrder: true) { p in
            var s = LSTMState(h: p[2], c: p[3])
            for x in xs { s = cell.forward(x, state: s, parameters: p[0..<2]) }
            return concatenate([s.h, s.c], axis: 1)
        }
    }

    /// `LSTMCell.sequence` (one fused op) gives the values of stepping the cell (bit for bit in float32 here), its
    /// final state is the last step's, and its gradients through substitute parameters and the initial state
    /// match finite differences, second order included.
    @Test func lstmSequenceEqualsSteppingTheCell() throws {
        var rng = RandomStream(seed: 6)
        let cell = LSTMCell(inputSize: 16, hiddenSize: 8, using: &rng)
        let (steps, batch) = (5, 3)
        let x = Tensor.randomNormal([steps * batch, 16], using: &rng)
        let start = LSTMState(h: Tensor.randomNormal([batch, 8], using: &rng), c: Tensor.randomNormal([batch, 8], using: &rng))
        let out = try cell.sequence(x, batchSize: batch, state: start)
        var s = start
        var hs: [Tensor] = [], cs: [Tensor] = []
        for t in 0..<steps {
            s = cell(x.slice(axis: 0, (t * batch)..<((t + 1) * batch)), s)
            hs.append(s.h)
            cs.append(s.c)
        }
        #expect(out.steps == steps)
        #expect(out.hidden.scalars == concatenate(hs, axis: 0).scalars)
        #expect(out.cell.scalars == concatenate(cs, axis: 0).scalars)
        #expect(out.final.h.scalars == s.h.scalars && out.final.c.scalars == s.c.scalars)
        // From the zero state by default.
        let zero = try cell.sequence(x, batchSize: batch)
        #expect(zero.hidden.scalars[0..<8] == cell(x.slice(axis: 0, 0..<batch), cell.zeroState(batchSize: batch)).h.scalars[0..<8])
        // Errors, not traps.
        #expect(throws: TensorArgumentError.self) { _ = try cell.sequence(x, batchSize: 4) }
        #expect(throws: TensorArgumentError.self) { _ = try cell.sequence(x, batchSize: 0) }
        #expect(throws: TensorArgumentError.self) { _ = try cell.sequence(x, batchSize: batch, parameters: cell.parameters[0..<1]) }

        let small = LSTMCell(inputSize: 2, hiddenSize: 3, dtype: .float64, using: &rng)
        let xs = Tensor.randomNormal([3 * 2, 2], dtype: .float64, using: &rng)
        let h0 = Tensor.randomNormal([2, 3], std: 0.5, dtype: .float64, using: &rng).requiringGrad()
        let c0 = Tensor.randomNormal([2, 3], std: 0.5, dtype: .float64, using: &rng).requiringGrad()
        let inputs = small.parameters.map { Tensor(shape: $0.shape, doubles: $0.doubles).requiringGrad() } + [h0, c0]
        expectGradientsMatch("lstm sequence", inputs, secondOrder: true) { p in
            let r = try! small.sequence(xs, batchSize: 2, state: LSTMState(h: p[2], c: p[3]), parameters: p[0..<2])
            return concatenate([r.hidden, r.final.c], axis: 0)
        }
    }
}
