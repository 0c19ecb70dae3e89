import CMetaExploreKernels
import Testing
import MetaExploreRandom
import MetaExploreTensor
import MetaExploreTestSupport

/// The fused whole-sequence LSTM (`lstmSequence`) against finite differences and against the composed cell it
/// replaces (linear of [x_t, h], split, sigmoid/tanh, products and sums, step by step).
@Suite struct LSTMSequenceTests {
    /// The composed reference: T steps of the cell, packed like `lstmSequence`'s result ([2, T·B, H]).
    static func composed(_ x: Tensor, _ h0: Tensor, _ c0: Tensor, _ w: Tensor, _ b: Tensor) -> Tensor {
        let batch = h0.shape[0], hidden = h0.shape[1], steps = x.shape[0] / batch
        var h = h0, c = c0
        var hs: [Tensor] = [], cs: [Tensor] = []
        for t in 0..<steps {
            let gates = linear(concatenate([x.slice(axis: 0, (t * batch)..<((t + 1) * batch)), h], axis: 1), w, b)
                .split(sizes: [hidden, hidden, hidden, hidden], axis: 1)
            let i = gates[0].sigmoid(), f = gates[1].sigmoid(), g = gates[2].tanh(), o = gates[3].sigmoid()
            c = f * c + i * g
            h = o * c.tanh()
            hs.append(h)
            cs.append(c)
        }
        return concatenate([concatenate(hs, axis: 0), concatenate(cs, axis: 0)], axis: 0).reshaped([2, steps * batch, hidden])
    }

    static func fused(_ p: [Tensor]) -> Tensor {
        do { return try lstmSequence(p[0], hidden: p[1], cell: p[2], weight: p[3], bias: p[4]) } catch {
            Issue.record("lstmSequence threw \(error)")
            return Tensor.zeros([1])
        }
    }

    /// Random inputs [x, h0, c0, W, b] for T steps, B sequences, input width n and hidden width H.
    static func inputs(steps: Int, batch: Int, input n: Int, hidden: Int, dtype: DType, seed: UInt64) -> [Tensor] {
        var rng = RandomStream(seed: seed)
        return [[steps * batch, n], [batch, hidden], [batch, hidden], [n + hidden, 4 * hidden], [4 * hidden]].map { shape in
            Tensor.randomUniform(shape, low: -1, high: 1, dtype: dtype, using: &rng).requiringGrad()
        }
    }

    @Test func firstAndSecondDerivativesMatchFiniteDifferences() {
        let p = GradientCheck.makeInputs([[3 * 2, 3], [2, 2], [2, 2], [5, 8], [8]], seed: 4)
        let (err1, fail1) = GradientCheck.firstOrder(p, Self.fused)
        #expect(err1 < 1e-6, "first order: \(fail1.map(String.init(describing:)) ?? "")")
        // The recorded (createGraph) backward is the composed-op recursion; its own derivative is checked here.
        let (err2, fail2) = GradientCheck.secondOrder(p, Self.fused)
        #expect(err2 < 1e-5, "second order: \(fail2.map(String.init(describing:)) ?? "")")
    }

    /// Float64: the values and the gradients of every input (the fused first-order backward) equal the composed
    /// cell's up to rounding, for a projection of both outputs (hidden and cell states).
    @Test(arguments: [(1, 1, 1, 1), (4, 3, 5, 2), (7, 2, 3, 6), (3, 5, 0, 4)])
    func float64EqualsComposedCell(shape: (Int, Int, Int, Int)) throws {
        let (steps, batch, n, hidden) = shape
        let p = Self.inputs(steps: steps, batch: batch, input: n, hidden: hidden, dtype: .float64, seed: UInt64(steps * 100 + hidden))
        let fused = Self.fused(p), reference = Self.composed(p[0], p[1], p[2], p[3], p[4])
        #expect(fused.shape == [2, steps * batch, hidden])
        for (a, r) in zip(fused.doubles, reference.doubles) { #expect(abs(a - r) < 1e-14) }
        let projection = GradientCheck.projection(for: fused, seed: 5)
        let gf = gradients(of: (fused * projection).sum(), wrt: p)
        let gr = gradients(of: (reference * projection).sum(), wrt: p)
        for k in 0..<p.count {
            for (a, r) in zip(gf[k].doubles, gr[k].doubles) { #expect(abs(a - r) < 1e-12 * max(1, abs(r)), "input \(k)") }
        }
    }

    /// Float32 with the engine's own product kernel (4H in 16…512): the outputs are bit-identical to the composed
    /// cell's (each gate value is one FMA chain over [x_t, h_{t−1}], then the same elementwise kernels); gradients
    /// agree to float32 rounding. H = 20 leaves a gate-block tail of 4 (not a multiple of 16).
    @Test(arguments: [(5, 32, 64, 64), (3, 5, 7, 20), (50, 32, 64, 128), (2, 1, 64, 64), (4, 7, 16, 4)])
    func float32IsBitIdenticalToComposedCell(shape: (Int, Int, Int, Int)) throws {
        let (steps, batch, n, hidden) = shape
        let p = Self.inputs(steps: steps, batch: batch, input: n, hidden: hidden, dtype: .float32, seed: UInt64(batch * 1000 + n))
        let fused = Self.fused(p), reference = Self.composed(p[0], p[1], p[2], p[3], p[4])
        if me_sgemm_small_isa() != 0 {
            #expect(fused.scalars == reference.scalars)
        } else {
            for (a, r) in zip(fused.scalars, reference.scalars) { #expect(abs(a - r) < 1e-5) }
        }
        let projection = GradientCheck.projection(for: fused, seed: 6).cast(to: .float32)
        let gf = gradients(of: (fused * projection).sum(), wrt: p)
        let gr = gradients(of: (reference * projection).sum(), wrt: p)
        for k in 0..<p.count {
            let scale = max(1, gr[k].doubles.map { abs($0) }.max() ?? 0)
            for (a, r) in zip(gf[k].doubles, gr[k].doubles) { #expect(abs(a - r) < 2e-5 * scale, "input \(k)") }
        }
    }

    /// Second derivatives (a Hessian-vector product through `createGraph`) equal the composed cell's.
    @Test func secondDerivativesEqualComposedCell() {
        let p = Self.inputs(steps: 4, batch: 3, input: 2, hidden: 3, dtype: .float64, seed: 12)
        var rng = RandomStream(seed: 13)
        let v = p.map { Tensor.randomUniform($0.shape, low: -1, high: 1, dtype: .float64, using: &rng) }
        func hessianVector(_ f: ([Tensor]) -> Tensor) -> [[Double]] {
            let out = f(p)
            let projection = GradientCheck.projection(for: out, seed: 9)
            let g = gradients(of: (out * projection).sum(), wrt: p, createGraph: true)
            var inner = (g[0] * v[0]).sum()
            for k in 1..<g.count { inner = inner + (g[k] * v[k]).sum() }
            return gradients(of: inner, wrt: p).map(\.doubles)
        }
        let fused = hessianVector(Self.fused), reference = hessianVector { Self.composed($0[0], $0[1], $0[2], $0[3], $0[4]) }
        var largest = 0.0
        for k in 0..<p.count {
            for (a, r) in zip(fused[k], reference[k]) {
                #expect(abs(a - r) < 1e-11 * max(1, abs(r)), "input \(k)")
                largest = max(largest, abs(r))
            }
        }
        #expect(largest > 1e-2, "the Hessian-vector product should not be trivially zero")
    }

    /// Only the requested inputs get gradients, and those equal the full call's.
    @Test func partialGradientRequests() {
        let p = Self.inputs(steps: 3, batch: 2, input: 4, hidden: 3, dtype: .float64, seed: 21)
        let out = Self.fused(p)
        let projection = GradientCheck.projection(for: out, seed: 3)
        let all = gradients(of: (out * projection).sum(), wrt: p)
        for k in 0..<p.count {
            let one = gradients(of: (Self.fused(p) * projection).sum(), wrt: [p[k]])[0]
            #expect(one.doubles == all[k].doubles, "input \(k)")
        }
    }

    /// Shapes and dtypes that do not fit are errors that name the problem, not traps.
    @Test func badArgumentsThrow() {
        let p = Self.inputs(steps: 2, batch: 3, input: 4, hidden: 5, dtype: .float64, seed: 1)
        func fails(_ args: [Tensor], _ fragment: String) {
            #expect(performing: { _ = try lstmSequence(args[0], hidden: args[1], cell: args[2], weight: args[3], bias: args[4]) },
                    throws: { error in "\(error)".contains(fragment) })
        }
        fails([Tensor.zeros([5, 4], dtype: .float64)] + p[1...], "input")                // rows not a multiple of B
        fails([Tensor.zeros([6, 3], dtype: .float64)] + p[1...], "input")                // wrong width
        fails([Tensor.zeros([0, 4], dtype: .float64)] + p[1...], "input")                // no steps
        fails([p[0], p[1], Tensor.zeros([3, 4], dtype: .float64), p[3], p[4]], "initial state")
        fails([p[0], p[1], p[2], Tensor.zeros([9, 16], dtype: .float64), p[4]], "weight")
        fails([p[0], p[1], p[2], p[3], Tensor.zeros([19], dtype: .float64)], "bias")
        fails([p[0], p[1], p[2], p[3].cast(to: .float32), p[4]], "dtypes")
        fails([p[0].reshaped([6, 4, 1]), p[1], p[2], p[3], p[4]], "matrices")
    }

    /// The product kernel's chain-continuing mode: splitting k into two calls, the second continuing the first's
    /// FMA chains, gives the bits of one call over the whole k (every path: row blocks, row tails, column tails).
    @Test func productChainsContinueAcrossCalls() {
        var rng = RandomStream(seed: 7)
        for isa in [1, 2] {
            for (m, n, k1, k2) in [(32, 256, 64, 64), (7, 70, 5, 9), (1, 16, 1, 1), (5, 100, 33, 31), (9, 17, 3, 128)] {
                let k = k1 + k2
                let a = (0..<(m * k)).map { _ in Float(rng.uniform(-1, 1)) }
                let b = (0..<(k * n)).map { _ in Float(rng.uniform(-1, 1)) }
                var whole = [Float](repeating: 0, count: m * n), split = whole
                let ran = me_sgemm_small_variant(Int32(isa), 0, 0, m, n, k, a, k, b, n, &whole, n, 0)
                if ran == 0 { continue }  // this CPU lacks the instruction set
                a.withUnsafeBufferPointer { ap in
                    b.withUnsafeBufferPointer { bp in
                        _ = me_sgemm_small_variant(Int32(isa), 0, 0, m, n, k1, ap.baseAddress!, k, bp.baseAddress!, n, &split, n, 0)
                        _ = me_sgemm_small_variant(Int32(isa), 0, 0, m, n, k2, ap.baseAddress! + k1, k,
                                                   bp.baseAddress! + k1 * n, n, &split, n, 2)
                    }
                }
                #expect(whole == split, "isa \(isa) \(m)×\(n)×\(k1)+\(k2)")
            }
        }
    }
}
