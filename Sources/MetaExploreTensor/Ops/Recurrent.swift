import CMetaExploreKernels

/// Bad arguments to an op that reports them by throwing (rather than trapping).
public struct TensorArgumentError: Error, CustomStringConvertible, Equatable {
    public let description: String

    public init(_ description: String) { self.description = description }
}

/// A long short-term memory (forget-gate form, as `torch.nn.LSTMCell`) unrolled over a whole sequence, as one op.
///
/// For a batch of B sequences of T steps, inputs x time-major ([T·B, in], row t·B + b is sequence b at step t),
/// initial state h₀, c₀ [B, H], weights W [in + H, 4H] (rows: the input's, then the hidden state's; column blocks
/// i, f, g, o) and bias b [4H]:
///
///     a_t = [x_t, h_{t−1}]·W + b,   i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o)
///     c_t = f ⊙ c_{t−1} + i ⊙ g,    h_t = o ⊙ tanh(c_t)
///
/// The result is [2, T·B, H]: `[0]` holds h_1 … h_T, `[1]` holds c_1 … c_T, time-major like x. It is the same
/// function as T steps of the composed cell (`linear` of the concatenation, `split`, `sigmoid`, `tanh`, products
/// and sums), computed in fewer passes:
///
/// - **Forward.** The input part of every step's product, X·W_x, is one product over all T·B rows; each step then
///   continues those FMA chains with h_{t−1}·W_h (the small-product kernel's chain-continuing mode, so each gate
///   value is one FMA chain over [x_t, h_{t−1}] exactly as in the composed cell's single product) and one kernel
///   applies the gates. For float32 where the engine's own product kernel runs for both (AVX2 or AVX-512, 4H between
///   16 and 512, in + H ≤ 512, B ≤ 512) the outputs are bit-identical to the composed cell's; elsewhere (float64,
///   OpenBLAS) they agree to rounding.
/// - **Backward** (backpropagation through time). With dh_t = ∂L/∂h_t + dA_{t+1}·W_hᵀ and
///   dc_t = ∂L/∂c_t + dc_{t+1}·f_{t+1}… accumulated backwards one step at a time,
///
///       dc_t ← dc_t + dh_t ⊙ o ⊙ (1 − tanh² c_t)
///       dA_t = [dc_t ⊙ g ⊙ i(1 − i),  dc_t ⊙ c_{t−1} ⊙ f(1 − f),  dc_t ⊙ i ⊙ (1 − g²),  dh_t ⊙ tanh c_t ⊙ o(1 − o)]
///       dc_{t−1} = dc_t ⊙ f,  dh_{t−1} = dA_t·W_hᵀ
///
///   and then, over all steps at once, ∂L/∂X = dA·W_xᵀ, ∂L/∂W = [X, H_prev]ᵀ·dA (H_prev: h₀ … h_{T−1}),
///   ∂L/∂b = Σ_rows dA, ∂L/∂h₀ = dh₀, ∂L/∂c₀ = dc₀. The weight gradient is one product over the T·B rows instead
///   of T products summed, so it differs from the composed cell's by rounding only.
/// - **Higher order.** The fused backward is first-order: when the backward pass itself records (a differentiable
///   gradient, `createGraph: true`), the rule recomputes the forward from its inputs with the composed ops and runs
///   the same recursion with tensor ops, so its result is differentiable again (second derivatives are exact).
///
/// Throws `TensorArgumentError` when the shapes or dtypes do not fit together (x's rows must be a positive
/// multiple of B).
public func lstmSequence(_ x: Tensor, hidden h0: Tensor, cell c0: Tensor, weight w: Tensor, bias b: Tensor) throws -> Tensor {
    guard x.rank == 2, h0.rank == 2, c0.rank == 2, w.rank == 2, b.rank == 1 else {
        throw TensorArgumentError("lstmSequence: x, h, c and weight must be matrices and bias a vector, got "
                                  + "\(x.shape), \(h0.shape), \(c0.shape), \(w.shape), \(b.shape)")
    }
    guard x.dtype == h0.dtype, x.dtype == c0.dtype, x.dtype == w.dtype, x.dtype == b.dtype else {
        throw TensorArgumentError("lstmSequence: mixed dtypes \(x.dtype), \(h0.dtype), \(c0.dtype), \(w.dtype), \(b.dtype)")
    }
    let batch = h0.shape[0], hidden = h0.shape[1]
    guard batch > 0, hidden > 0, c0.shape == h0.shape else {
        throw TensorArgumentError("lstmSequence: initial state h \(h0.shape) and c \(c0.shape) must be one non-empty [B, H]")
    }
    guard b.shape[0] == 4 * hidden, w.shape[1] == 4 * hidden, w.shape[0] >= hidden else {
        throw TensorArgumentError("lstmSequence: weight \(w.shape) and bias \(b.shape) do not fit hidden size \(hidden) "
                                  + "(expected [in + \(hidden), \(4 * hidden)] and [\(4 * hidden)])")
    }
    let inputSize = w.shape[0] - hidden
    guard x.shape[1] == inputSize, x.shape[0] > 0, x.shape[0] % batch == 0 else {
        throw TensorArgumentError("lstmSequence: input \(x.shape) must be [T·\(batch), \(inputSize)] with T ≥ 1")
    }
    let plan = LSTMSequencePlan(steps: x.shape[0] / batch, batch: batch, hidden: hidden, inputSize: inputSize)
    let rows = plan.rows
    let out = Storage(count: 2 * rows * hidden, dtype: x.dtype)
    let act = Storage(count: rows * 4 * hidden, dtype: x.dtype)
    let tanhC = Storage(count: rows * hidden, dtype: x.dtype)
    switch x.dtype {
    case .float32:
        plan.forward(x.storage.f32, h0.storage.f32, c0.storage.f32, w.storage.f32, b.storage.f32,
                     out: out.f32, act: act.f32, tanhC: tanhC.f32)
    case .float64:
        plan.forward(x.storage.f64, h0.storage.f64, c0.storage.f64, w.storage.f64, b.storage.f64,
                     out: out.f64, act: act.f64, tanhC: tanhC.f64)
    }
    let result = Tensor(storage: out, shape: [2, rows, hidden])
    if Tensor.shouldRecord([x, h0, c0, w, b]) {
        let saved = Tensor(storage: out, shape: [2, rows, hidden])  // detached: no cycle through the node
        result.record("lstmSequence", inputs: [x, h0, c0, w, b]) { g, needs in
            if GradMode.isEnabled {
                return plan.composedBackward(g, x: x, h0: h0, c0: c0, w: w, b: b, needs: needs)
            }
            return plan.fusedBackward(g, x: x, h0: h0, c0: c0, w: w, saved: saved, act: act, tanhC: tanhC, needs: needs)
        }
    }
    return result
}

/// The extents of one `lstmSequence` call and its forward and backward passes.
struct LSTMSequencePlan {
    let steps: Int, batch: Int, hidden: Int, inputSize: Int

    var rows: Int { steps * batch }
    var gates: Int { 4 * hidden }

    // MARK: Forward

    func forward<T: LSTMScalar>(
        _ x: UnsafePointer<T>, _ h0: UnsafePointer<T>, _ c0: UnsafePointer<T>, _ w: UnsafePointer<T>,
        _ b: UnsafePointer<T>, out: UnsafeMutablePointer<T>, act: UnsafeMutablePointer<T>, tanhC: UnsafeMutablePointer<T>
    ) {
        let (B, H, G, n) = (batch, hidden, gates, inputSize)
        let hAll = out, cAll = out + rows * H
        // The input part of every step's gate chains at once: act = X·W_x (no bias yet).
        T.productByRowBlocks(m: rows, n: G, k: n, x, lda: n, w, ldb: G, act, ldc: G)
        let wh = w + n * G
        for t in 0..<steps {
            let pre = act + t * B * G
            let hPrev = t == 0 ? h0 : UnsafePointer(hAll + (t - 1) * B * H)
            let cPrev = t == 0 ? c0 : UnsafePointer(cAll + (t - 1) * B * H)
            T.continueChains(m: B, n: G, k: H, hPrev, lda: H, wh, ldb: G, pre, ldc: G)
            T.lstmGatesForward(pre, bias: b, cPrev: cPrev, c: cAll + t * B * H, tanhC: tanhC + t * B * H,
                               h: hAll + t * B * H, rows: B, hidden: H)
        }
    }

    // MARK: Fused backward (first order)

    func fusedBackward(_ g: Tensor, x: Tensor, h0: Tensor, c0: Tensor, w: Tensor, saved: Tensor, act: Storage,
                       tanhC: Storage, needs: [Bool]) -> [Tensor?] {
        let dtype = x.dtype
        let dPre = Storage(count: rows * gates, dtype: dtype)
        let dh0 = Storage(count: batch * hidden, dtype: dtype)
        let dc0 = Storage(count: batch * hidden, dtype: dtype)
        let dx = needs[0] ? Storage(count: rows * inputSize, dtype: dtype) : nil
        let dw = needs[3] ? Storage(count: w.count, dtype: dtype) : nil
        let db = needs[4] ? Storage(count: gates, dtype: dtype) : nil
        switch dtype {
        case .float32:
            backward(g.storage.f32, x: x.storage.f32, h0: h0.storage.f32, c0: c0.storage.f32, w: w.storage.f32,
                     out: saved.storage.f32, act: act.f32, tanhC: tanhC.f32, dPre: dPre.f32, dh0: dh0.f32, dc0: dc0.f32,
                     dx: dx?.f32, dw: dw?.f32, db: db?.f32, needInitialHidden: needs[1])
        case .float64:
            backward(g.storage.f64, x: x.storage.f64, h0: h0.storage.f64, c0: c0.storage.f64, w: w.storage.f64,
                     out: saved.storage.f64, act: act.f64, tanhC: tanhC.f64, dPre: dPre.f64, dh0: dh0.f64, dc0: dc0.f64,
                     dx: dx?.f64, dw: dw?.f64, db: db?.f64, needInitialHidden: needs[1])
        }
        return [dx.map { Tensor(storage: $0, shape: x.shape) },
                needs[1] ? Tensor(storage: dh0, shape: h0.shape) : nil,
                needs[2] ? Tensor(storage: dc0, shape: c0.shape) : nil,
                dw.map { Tensor(storage: $0, shape: w.shape) },
                db.map { Tensor(storage: $0, shape: [gates]) }]
    }

    func backward<T: LSTMScalar>(
        _ g: UnsafePointer<T>, x: UnsafePointer<T>, h0: UnsafePointer<T>, c0: UnsafePointer<T>, w: UnsafePointer<T>,
        out: UnsafePointer<T>, act: UnsafePointer<T>, tanhC: UnsafePointer<T>, dPre: UnsafeMutablePointer<T>,
        dh0: UnsafeMutablePointer<T>, dc0: UnsafeMutablePointer<T>, dx: UnsafeMutablePointer<T>?,
        dw: UnsafeMutablePointer<T>?, db: UnsafeMutablePointer<T>?, needInitialHidden: Bool
    ) {
        let (B, H, G, n) = (batch, hidden, gates, inputSize)
        let hAll = out, cAll = out + rows * H
        let gh = g, gc = g + rows * H
        // W_hᵀ [G, H] once, so every step's dh_{t−1} = dA_t·W_hᵀ is a plain product.
        let whT = UnsafeMutablePointer<T>.allocate(capacity: G * H)
        defer { whT.deallocate() }
        transpose(w + n * G, rows: H, columns: G, into: whT)
        // dh0 carries dh_{t} from step t + 1 into step t (read by the kernel, then overwritten); dc0 likewise dc.
        for t in stride(from: steps - 1, through: 0, by: -1) {
            let last = t == steps - 1
            let cPrev = t == 0 ? c0 : cAll + (t - 1) * B * H
            let d = dPre + t * B * G
            T.lstmGatesBackward(gh: gh + t * B * H, dhNext: last ? nil : UnsafePointer(dh0), gc: gc + t * B * H,
                                dcNext: last ? nil : UnsafePointer(dc0), act: act + t * B * G, cPrev: cPrev,
                                tanhC: tanhC + t * B * H, dPre: d, dcPrev: dc0, rows: B, hidden: H)
            if t > 0 || needInitialHidden {
                T.gemm(false, false, m: B, n: H, k: G, UnsafePointer(d), lda: G, UnsafePointer(whT), ldb: H, dh0, ldc: H,
                       accumulate: false)
            }
        }
        if let dx, n > 0 {
            // W_xᵀ [G, n] once; ∂L/∂X = dA·W_xᵀ over all rows.
            let wxT = UnsafeMutablePointer<T>.allocate(capacity: G * n)
            defer { wxT.deallocate() }
            transpose(w, rows: n, columns: G, into: wxT)
            T.productByRowBlocks(m: rows, n: n, k: G, UnsafePointer(dPre), lda: G, UnsafePointer(wxT), ldb: n, dx, ldc: n)
        }
        if let dw {
            // Rows 0..<n: Xᵀ·dA; rows n..<n+H: H_prevᵀ·dA with H_prev = [h₀; h_1 … h_{T−1}].
            if n > 0 {
                T.gemm(true, false, m: n, n: G, k: rows, x, lda: n, UnsafePointer(dPre), ldb: G, dw, ldc: G, accumulate: false)
            }
            T.gemm(true, false, m: H, n: G, k: B, h0, lda: H, UnsafePointer(dPre), ldb: G, dw + n * G, ldc: G,
                   accumulate: false)
            if steps > 1 {
                T.gemm(true, false, m: H, n: G, k: (steps - 1) * B, hAll, lda: H, UnsafePointer(dPre + B * G), ldb: G,
                       dw + n * G, ldc: G, accumulate: true)
            }
        }
        if let db { T.columnSums(UnsafePointer(dPre), rows: rows, columns: G, into: db) }
    }

    /// out [columns, rows] = the transpose of the row-major matrix src [rows, columns], in 16 × 16 tiles so that
    /// neither side is walked with a large stride for long.
    func transpose<T>(_ src: UnsafePointer<T>, rows: Int, columns: Int, into out: UnsafeMutablePointer<T>) {
        for r0 in stride(from: 0, to: rows, by: 16) {
            for c0 in stride(from: 0, to: columns, by: 16) {
                for r in r0..<Swift.min(r0 + 16, rows) {
                    for c in c0..<Swift.min(c0 + 16, columns) { out[c * rows + r] = src[r * columns + c] }
                }
            }
        }
    }

    // MARK: Composed backward (differentiable)

    /// The same gradients with recorded tensor ops: the forward recomputed from the inputs with the composed cell,
    /// then the recursion of `lstmSequence`'s documentation step by step.
    func composedBackward(_ g: Tensor, x: Tensor, h0: Tensor, c0: Tensor, w: Tensor, b: Tensor, needs: [Bool]) -> [Tensor?] {
        let (B, H, n) = (batch, hidden, inputSize)
        let wx = w.slice(axis: 0, 0..<n), wh = w.slice(axis: 0, n..<(n + H))
        struct Step { let i, f, g, o, cPrev, tanhC: Tensor }
        var saved: [Step] = []
        var hPrevs: [Tensor] = []
        var h = h0, c = c0
        for t in 0..<steps {
            let xt = x.slice(axis: 0, (t * B)..<((t + 1) * B))
            let a = linear(concatenate([xt, h], axis: 1), w, b).split(sizes: [H, H, H, H], axis: 1)
            let i = a[0].sigmoid(), f = a[1].sigmoid(), gg = a[2].tanh(), o = a[3].sigmoid()
            let cNext = f * c + i * gg
            let tc = cNext.tanh()
            saved.append(Step(i: i, f: f, g: gg, o: o, cPrev: c, tanhC: tc))
            hPrevs.append(h)
            h = o * tc
            c = cNext
        }
        let gh = g.slice(axis: 0, 0..<1).reshaped([rows, H]), gc = g.slice(axis: 0, 1..<2).reshaped([rows, H])
        var dhNext: Tensor? = nil, dcNext: Tensor? = nil
        var dA = [Tensor?](repeating: nil, count: steps)
        for t in stride(from: steps - 1, through: 0, by: -1) {
            let s = saved[t]
            let range = (t * B)..<((t + 1) * B)
            var dh = gh.slice(axis: 0, range), dc = gc.slice(axis: 0, range)
            if let dhNext { dh = dh + dhNext }
            if let dcNext { dc = dc + dcNext }
            dc = dc + dh * s.o * (1 - s.tanhC * s.tanhC)
            let d = concatenate([dc * s.g * (s.i * (1 - s.i)), dc * s.cPrev * (s.f * (1 - s.f)),
                                 dc * s.i * (1 - s.g * s.g), dh * s.tanhC * (s.o * (1 - s.o))], axis: 1)
            dA[t] = d
            dcNext = dc * s.f
            dhNext = d.matmul(wh, transposeOther: true)
        }
        let all = concatenate(dA.map { $0! }, axis: 0)
        return [needs[0] ? all.matmul(wx, transposeOther: true) : nil,
                needs[1] ? dhNext : nil,
                needs[2] ? dcNext : nil,
                needs[3] ? concatenate([x, concatenate(hPrevs, axis: 0)], axis: 1).matmul(all, transposeSelf: true) : nil,
                needs[4] ? all.sum(axes: [0]) : nil]
    }
}

/// The element types `lstmSequence` runs on: products and the per-step gate kernels.
protocol LSTMScalar: BinaryFloatingPoint {
    static func gemm(_ transA: Bool, _ transB: Bool, m: Int, n: Int, k: Int, _ a: UnsafePointer<Self>, lda: Int,
                     _ b: UnsafePointer<Self>, ldb: Int, _ c: UnsafeMutablePointer<Self>, ldc: Int, accumulate: Bool)
    /// C += A·B where each element's FMA chain over k continues from C's value where the kernel allows it.
    static func continueChains(m: Int, n: Int, k: Int, _ a: UnsafePointer<Self>, lda: Int, _ b: UnsafePointer<Self>,
                               ldb: Int, _ c: UnsafeMutablePointer<Self>, ldc: Int)
    static func lstmGatesForward(_ pre: UnsafeMutablePointer<Self>, bias: UnsafePointer<Self>, cPrev: UnsafePointer<Self>,
                                 c: UnsafeMutablePointer<Self>, tanhC: UnsafeMutablePointer<Self>,
                                 h: UnsafeMutablePointer<Self>, rows: Int, hidden: Int)
    static func lstmGatesBackward(gh: UnsafePointer<Self>, dhNext: UnsafePointer<Self>?, gc: UnsafePointer<Self>,
                                  dcNext: UnsafePointer<Self>?, act: UnsafePointer<Self>, cPrev: UnsafePointer<Self>,
                                  tanhC: UnsafePointer<Self>, dPre: UnsafeMutablePointer<Self>,
                                  dcPrev: UnsafeMutablePointer<Self>, rows: Int, hidden: Int)
    static func columnSums(_ x: UnsafePointer<Self>, rows: Int, columns: Int, into out: UnsafeMutablePointer<Self>)
}

extension LSTMScalar {
    /// C = A·B in blocks of at most 512 rows, so that float32 products stay on the engine's small-product kernel
    /// (each row's values then do not depend on how many rows the call has).
    static func productByRowBlocks(m: Int, n: Int, k: Int, _ a: UnsafePointer<Self>, lda: Int, _ b: UnsafePointer<Self>,
                                   ldb: Int, _ c: UnsafeMutablePointer<Self>, ldc: Int) {
        if k == 0 {
            for i in 0..<m { (c + i * ldc).initialize(repeating: 0, count: n) }
            return
        }
        var start = 0
        while start < m {
            let count = Swift.min(512, m - start)
            gemm(false, false, m: count, n: n, k: k, a + start * lda, lda: lda, b, ldb: ldb, c + start * ldc, ldc: ldc,
                 accumulate: false)
            start += count
        }
    }
}

extension Float: LSTMScalar {
    static func gemm(_ transA: Bool, _ transB: Bool, m: Int, n: Int, k: Int, _ a: UnsafePointer<Float>, lda: Int,
                     _ b: UnsafePointer<Float>, ldb: Int, _ c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool) {
        BLAS.gemm(transA, transB, m: m, n: n, k: k, a, lda: lda, b, ldb: ldb, c, ldc: ldc, accumulate: accumulate)
    }

    static func continueChains(m: Int, n: Int, k: Int, _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>,
                               ldb: Int, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
        if me_sgemm_small(0, 0, m, n, k, a, lda, b, ldb, c, ldc, 2) != 0 { return }
        // OpenBLAS adds the product to C instead (the same value up to rounding).
        BLAS.gemm(false, false, m: m, n: n, k: k, a, lda: lda, b, ldb: ldb, c, ldc: ldc, accumulate: true)
    }

    static func lstmGatesForward(_ pre: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, cPrev: UnsafePointer<Float>,
                                 c: UnsafeMutablePointer<Float>, tanhC: UnsafeMutablePointer<Float>,
                                 h: UnsafeMutablePointer<Float>, rows: Int, hidden: Int) {
        me_lstm_forward_f32(pre, bias, cPrev, pre, c, tanhC, h, rows, hidden)
    }

    static func lstmGatesBackward(gh: UnsafePointer<Float>, dhNext: UnsafePointer<Float>?, gc: UnsafePointer<Float>,
                                  dcNext: UnsafePointer<Float>?, act: UnsafePointer<Float>, cPrev: UnsafePointer<Float>,
                                  tanhC: UnsafePointer<Float>, dPre: UnsafeMutablePointer<Float>,
                                  dcPrev: UnsafeMutablePointer<Float>, rows: Int, hidden: Int) {
        me_lstm_backward_f32(gh, dhNext, gc, dcNext, act, cPrev, tanhC, dPre, dcPrev, rows, hidden)
    }

    static func columnSums(_ x: UnsafePointer<Float>, rows: Int, columns: Int, into out: UnsafeMutablePointer<Float>) {
        me_column_sum_f32(x, out, rows, columns)
    }
}

extension Double: LSTMScalar {
    static func gemm(_ transA: Bool, _ transB: Bool, m: Int, n: Int, k: Int, _ a: UnsafePointer<Double>, lda: Int,
                     _ b: UnsafePointer<Double>, ldb: Int, _ c: UnsafeMutablePointer<Double>, ldc: Int, accumulate: Bool) {
        BLAS.gemm(transA, transB, m: m, n: n, k: k, a, lda: lda, b, ldb: ldb, c, ldc: ldc, accumulate: accumulate)
    }

    static func continueChains(m: Int, n: Int, k: Int, _ a: UnsafePointer<Double>, lda: Int, _ b: UnsafePointer<Double>,
                               ldb: Int, _ c: UnsafeMutablePointer<Double>, ldc: Int) {
        BLAS.gemm(false, false, m: m, n: n, k: k, a, lda: lda, b, ldb: ldb, c, ldc: ldc, accumulate: true)
    }

    static func lstmGatesForward(_ pre: UnsafeMutablePointer<Double>, bias: UnsafePointer<Double>,
                                 cPrev: UnsafePointer<Double>, c: UnsafeMutablePointer<Double>,
                                 tanhC: UnsafeMutablePointer<Double>, h: UnsafeMutablePointer<Double>, rows: Int,
                                 hidden: Int) {
        let H = hidden
        func sigmoid(_ v: Double) -> Double { 1 / (1 + libm_exp(-v)) }
        for r in 0..<rows {
            let a = pre + r * 4 * H
            for j in 0..<H {
                let k = r * H + j
                let i = sigmoid(bias[j] + a[j]), f = sigmoid(bias[H + j] + a[H + j])
                let g = libm_tanh(bias[2 * H + j] + a[2 * H + j]), o = sigmoid(bias[3 * H + j] + a[3 * H + j])
                let cv = f * cPrev[k] + i * g
                let t = libm_tanh(cv)
                (a[j], a[H + j], a[2 * H + j], a[3 * H + j]) = (i, f, g, o)
                c[k] = cv
                tanhC[k] = t
                h[k] = o * t
            }
        }
    }

    static func lstmGatesBackward(gh: UnsafePointer<Double>, dhNext: UnsafePointer<Double>?, gc: UnsafePointer<Double>,
                                  dcNext: UnsafePointer<Double>?, act: UnsafePointer<Double>, cPrev: UnsafePointer<Double>,
                                  tanhC: UnsafePointer<Double>, dPre: UnsafeMutablePointer<Double>,
                                  dcPrev: UnsafeMutablePointer<Double>, rows: Int, hidden: Int) {
        let H = hidden
        for r in 0..<rows {
            let a = act + r * 4 * H, d = dPre + r * 4 * H
            for j in 0..<H {
                let k = r * H + j
                let dh = gh[k] + (dhNext?[k] ?? 0)
                var dc = gc[k] + (dcNext?[k] ?? 0)
                let (i, f, g, o, t) = (a[j], a[H + j], a[2 * H + j], a[3 * H + j], tanhC[k])
                dc += dh * o * (1 - t * t)
                d[j] = dc * g * (i * (1 - i))
                d[H + j] = dc * cPrev[k] * (f * (1 - f))
                d[2 * H + j] = dc * i * (1 - g * g)
                d[3 * H + j] = dh * t * (o * (1 - o))
                dcPrev[k] = dc * f
            }
        }
    }

    static func columnSums(_ x: UnsafePointer<Double>, rows: Int, columns: Int, into out: UnsafeMutablePointer<Double>) {
        for j in 0..<columns { out[j] = 0 }
        for r in 0..<rows { for j in 0..<columns { out[j] += x[r * columns + j] } }
    }
}
