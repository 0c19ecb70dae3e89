/// Matrix products through BLAS, and the fused affine map `linear`.
extension Tensor {
    /// op(self) · op(other) for matrices, where op transposes when the flag is set. Backward rules are themselves
    /// products with transpose flags, so no transpose is ever materialized and the rule is twice differentiable.
    public func matmul(_ other: Tensor, transposeSelf: Bool = false, transposeOther: Bool = false) -> Tensor {
        let a = self, b = other
        precondition(a.rank == 2 && b.rank == 2, "matmul needs matrices, got \(a.shape) and \(b.shape)")
        precondition(a.dtype == b.dtype, "matmul dtype mismatch: \(a.dtype) and \(b.dtype)")
        let (m, k) = transposeSelf ? (a.shape[1], a.shape[0]) : (a.shape[0], a.shape[1])
        let (k2, n) = transposeOther ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
        precondition(k == k2, "matmul inner extents differ: \(a.shape)\(transposeSelf ? "ᵀ" : "") · \(b.shape)\(transposeOther ? "ᵀ" : "")")
        let s = Storage(count: m * n, dtype: a.dtype)
        if k == 0 {
            s.raw.initializeMemory(as: UInt8.self, repeating: 0, count: m * n * a.dtype.byteSize)
        } else if m > 0 && n > 0 {
            switch a.dtype {
            case .float32:
                BLAS.gemm(transposeSelf, transposeOther, m: m, n: n, k: k, a.storage.f32, lda: a.shape[1],
                          b.storage.f32, ldb: b.shape[1], s.f32, ldc: n)
            case .float64:
                BLAS.gemm(transposeSelf, transposeOther, m: m, n: n, k: k, a.storage.f64, lda: a.shape[1],
                          b.storage.f64, ldb: b.shape[1], s.f64, ldc: n)
            }
        }
        let out = Tensor(storage: s, shape: [m, n])
        if Tensor.shouldRecord(a, b) {
            let (tA, tB) = (transposeSelf, transposeOther)
            out.record("matmul", inputs: [a, b]) { g, needs in
                var da: Tensor?, db: Tensor?
                switch (tA, tB) {
                case (false, false):
                    if needs[0] { da = g.matmul(b, transposeOther: true) }
                    if needs[1] { db = a.matmul(g, transposeSelf: true) }
                case (true, false):
                    if needs[0] { da = b.matmul(g, transposeOther: true) }
                    if needs[1] { db = a.matmul(g) }
                case (false, true):
                    if needs[0] { da = g.matmul(b) }
                    if needs[1] { db = g.matmul(a, transposeSelf: true) }
                case (true, true):
                    if needs[0] { da = b.matmul(g, transposeSelf: true, transposeOther: true) }
                    if needs[1] { db = g.matmul(a, transposeSelf: true, transposeOther: true) }
                }
                return [da, db]
            }
        }
        return out
    }
}

/// x·W + b for a batch x [n, in], weights W [in, out] and bias b [out], in one BLAS call (the bias rows are the
/// initial value of the product's accumulator).
public func linear(_ x: Tensor, _ w: Tensor, _ b: Tensor?) -> Tensor {
    precondition(x.rank == 2 && w.rank == 2 && x.shape[1] == w.shape[0],
                 "linear: input \(x.shape) does not match weights \(w.shape)")
    guard let b else { return x.matmul(w) }
    precondition(b.shape == [w.shape[1]], "linear: bias \(b.shape) does not match weights \(w.shape)")
    precondition(x.dtype == w.dtype && w.dtype == b.dtype, "linear: mixed dtypes")
    let (n, k, m) = (x.shape[0], x.shape[1], w.shape[1])
    let s = Storage(count: n * m, dtype: x.dtype)
    let rowBytes = m * x.dtype.byteSize
    for i in 0..<n { (s.raw + i * rowBytes).copyMemory(from: b.storage.raw, byteCount: rowBytes) }
    if k > 0 && n > 0 && m > 0 {
        switch x.dtype {
        case .float32:
            BLAS.gemm(false, false, m: n, n: m, k: k, x.storage.f32, lda: k, w.storage.f32, ldb: m, s.f32, ldc: m,
                      accumulate: true)
        case .float64:
            BLAS.gemm(false, false, m: n, n: m, k: k, x.storage.f64, lda: k, w.storage.f64, ldb: m, s.f64, ldc: m,
                      accumulate: true)
        }
    }
    let out = Tensor(storage: s, shape: [n, m])
    if (x.requiresGrad || w.requiresGrad || b.requiresGrad) && GradMode.isEnabled {  // no array per call
        out.record("linear", inputs: [x, w, b]) { g, needs in
            [needs[0] ? g.matmul(w, transposeOther: true) : nil,
             needs[1] ? x.matmul(g, transposeSelf: true) : nil,
             needs[2] ? g.sum(axes: [0]) : nil]
        }
    }
    return out
}
