import Testing
import MetaExploreRandom
import MetaExploreTensor

/// Float32 products (our small-matrix kernel for most of these shapes, BLAS for the rest) against a Float64
/// reference, over shapes that reach every branch: 4-row blocks and row tails, full vector blocks, single vectors,
/// column tails, narrow outputs (BLAS), both transpose flags, and the accumulating `linear`.
@Suite struct MatmulKernelTests {
    func reference(_ a: [Double], _ b: [Double], m: Int, n: Int, k: Int, tA: Bool, tB: Bool) -> [Double] {
        var c = [Double](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var s = 0.0
                for p in 0..<k {
                    let av = tA ? a[p * m + i] : a[i * k + p]
                    let bv = tB ? b[j * k + p] : b[p * n + j]
                    s += av * bv
                }
                c[i * n + j] = s
            }
        }
        return c
    }

    @Test(arguments: [(1, 16, 3), (3, 17, 5), (4, 64, 17), (5, 70, 64), (64, 64, 64), (67, 48, 9), (64, 6, 64),
                      (64, 1, 70), (2, 33, 1), (130, 160, 40), (200, 64, 64), (100, 300, 400), (100, 400, 23), (37, 512, 300), (600, 64, 64)])
    func float32ProductsMatchFloat64Reference(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        var rng = RandomStream(seed: UInt64(m * 10_000 + n * 100 + k))
        for (tA, tB) in [(false, false), (true, false), (false, true), (true, true)] {
            let a = (0..<(m * k)).map { _ in Double(Float(rng.uniform(-1, 1))) }
            let b = (0..<(k * n)).map { _ in Double(Float(rng.uniform(-1, 1))) }
            let at = Tensor(shape: tA ? [k, m] : [m, k], doubles: a, dtype: .float32)
            let bt = Tensor(shape: tB ? [n, k] : [k, n], doubles: b, dtype: .float32)
            let c = at.matmul(bt, transposeSelf: tA, transposeOther: tB).doubles
            let expected = reference(a, b, m: m, n: n, k: k, tA: tA, tB: tB)
            let worst = zip(c, expected).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-5 * Double(max(k, 1)), "\(m)×\(n)×\(k) tA=\(tA) tB=\(tB): max error \(worst)")
        }
        // linear accumulates onto the bias rows.
        let x = (0..<(m * k)).map { _ in Double(Float(rng.uniform(-1, 1))) }
        let w = (0..<(k * n)).map { _ in Double(Float(rng.uniform(-1, 1))) }
        let bias = (0..<n).map { _ in Double(Float(rng.uniform(-1, 1))) }
        let y = linear(Tensor(shape: [m, k], doubles: x, dtype: .float32), Tensor(shape: [k, n], doubles: w, dtype: .float32),
                       Tensor(shape: [n], doubles: bias, dtype: .float32)).doubles
        let ref = reference(x, w, m: m, n: n, k: k, tA: false, tB: false)
        for i in 0..<m { for j in 0..<n { #expect(abs(y[i * n + j] - ref[i * n + j] - bias[j]) <= 1e-5 * Double(max(k, 1))) } }
    }
}
