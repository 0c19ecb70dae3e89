import Foundation
import Testing
import MetaExploreRandom
import MetaExploreTensor

/// Known values of ops (forward), in both dtypes, and the accuracy of the vectorized Float32 math.
@Suite struct ForwardTests {
    @Test func matmulKnownValues() {
        for dtype in DType.allCases {
            let a = Tensor(shape: [2, 3], doubles: [1, 2, 3, 4, 5, 6], dtype: dtype)
            let b = Tensor(shape: [3, 2], doubles: [7, 8, 9, 10, 11, 12], dtype: dtype)
            #expect(a.matmul(b).doubles == [58, 64, 139, 154])
            #expect(a.matmul(a, transposeOther: true).doubles == [14, 32, 32, 77])
            #expect(a.matmul(a, transposeSelf: true).shape == [3, 3])
            #expect(a.transposed().doubles == [1, 4, 2, 5, 3, 6])
            let bias = Tensor(shape: [2], doubles: [0.5, -1], dtype: dtype)
            #expect(linear(a, b, bias).doubles == [58.5, 63, 139.5, 153])
        }
    }

    @Test func broadcastingShapesAndValues() {
        let a = Tensor(shape: [2, 1, 3], doubles: [1, 2, 3, 4, 5, 6])
        let b = Tensor(shape: [4, 1], doubles: [10, 20, 30, 40])
        let c = a + b
        #expect(c.shape == [2, 4, 3])
        #expect(c[1, 2, 0] == 34)
        #expect(c[0, 3, 2] == 43)
        #expect((a * 2.0).doubles == [2, 4, 6, 8, 10, 12])
        #expect(c.sum(axes: [1]).shape == [2, 3])
        #expect(c.sum(axes: [1])[0, 0] == 1 * 4 + 100)
        // Row k of the [4, 1] reduction sums a's 6 values once per k plus 6 copies of b[k].
        let expected: [Double] = [21 + 60, 21 + 120, 21 + 180, 21 + 240]
        #expect(c.reduced(toShape: [4, 1]).doubles == expected)
    }

    @Test func reductionsAndShapes() {
        let x = Tensor(shape: [2, 3], doubles: [3, -1, 2, 0, 5, 4])
        #expect(x.sum().item == 13)
        #expect(x.mean(axes: [1]).doubles == [4.0 / 3, 3])
        #expect(x.max(axis: 1).doubles == [3, 5])
        #expect(x.max(axis: 0).doubles == [3, 5, 4])
        #expect(x.max().item == 5)
        #expect(x.slice(axis: 1, 1..<3).doubles == [-1, 2, 5, 4])
        #expect(concatenate([x, x.slice(axis: 1, 0..<1)], axis: 1).doubles == [3, -1, 2, 3, 0, 5, 4, 0])
        #expect(x.gather(indices: [2, 0], axis: 1).doubles == [2, 0])
        #expect(x.permuted([1, 0]).shape == [3, 2])
        #expect(x.clamped(min: 0, max: 3).doubles == [3, 0, 2, 0, 3, 3])
        #expect(minimum(x, x * 0.0).doubles == [0, -1, 0, 0, 0, 0])
    }

    @Test func layerNormAndSoftmaxValues() {
        for dtype in DType.allCases {
            let x = Tensor(shape: [2, 4], doubles: [1, 2, 3, 4, -2, 0, 2, 8], dtype: dtype)
            let y = layerNorm(x, gamma: nil, beta: nil, epsilon: 0)
            let tol = dtype == .float32 ? 1e-6 : 1e-14
            for r in 0..<2 {
                let row = Array(y.doubles[(r * 4)..<(r * 4 + 4)])
                #expect(abs(row.reduce(0, +) / 4) < tol)
                #expect(abs(row.map { $0 * $0 }.reduce(0, +) / 4 - 1) < 10 * tol)
            }
            let p = x.softmax()
            #expect(abs(p.sum(axes: [1]).doubles[0] - 1) < tol)
            let e = [1.0, 2, 3, 4].map { Foundation.exp($0) }
            #expect(abs(p[0, 3] - e[3] / e.reduce(0, +)) < tol)
            let lp = x.logSoftmax()
            #expect(abs(lp[1, 0] - Foundation.log(p[1, 0])) < 10 * tol)
            // Large logits stay finite.
            let big = Tensor(shape: [1, 2], doubles: [1000, 0], dtype: dtype).logSoftmax()
            #expect(big.doubles.allSatisfy { $0.isFinite })
        }
    }

    /// Max relative error of the Float32 kernels against Double references on dense grids.
    @Test func vectorizedFloatMathAccuracy() {
        func grid(_ lo: Double, _ hi: Double, _ n: Int) -> [Double] {
            (0..<n).map { lo + (hi - lo) * Double($0) / Double(n - 1) }
        }
        func maxRelError(_ xs: [Double], _ op: (Tensor) -> Tensor, _ ref: (Double) -> Double) -> Double {
            let xf = xs.map { Double(Float($0)) }  // the exact float inputs
            let y = op(Tensor(shape: [xf.count], doubles: xf, dtype: .float32)).doubles
            var worst = 0.0
            for (x, v) in zip(xf, y) {
                let r = ref(x)
                worst = max(worst, abs(v - r) / max(abs(r), 1e-30))
            }
            return worst
        }
        let eps = Double(Float.ulpOfOne)
        #expect(maxRelError(grid(-87, 88, 100_003), { $0.exp() }, Foundation.exp) < 3 * eps)
        #expect(maxRelError(grid(1e-30, 1e30, 5_003) + grid(0.5, 2, 10_007) + grid(1e-3, 50, 10_007), { $0.log() },
                            Foundation.log) < 3 * eps)
        #expect(maxRelError(grid(-12, 12, 100_003) + grid(-1e-3, 1e-3, 1_001), { $0.tanh() }, Foundation.tanh) < 3 * eps)
        #expect(maxRelError(grid(-80, 30, 100_003), { $0.sigmoid() }, { 1 / (1 + Foundation.exp(-$0)) }) < 4 * eps)
        #expect(maxRelError(grid(-30, 30, 10_007), { $0.softplus() }, { Foundation.log1p(Foundation.exp($0)) }) < 4 * eps)
        // Special values.
        let special = Tensor(shape: [4], doubles: [0, -1, .infinity, .nan], dtype: .float32)
        let logs = special.log().doubles
        #expect(logs[0] == -.infinity && logs[1].isNaN && logs[2] == .infinity && logs[3].isNaN)
        let exps = Tensor(shape: [4], doubles: [100, -100, .nan, 0], dtype: .float32).exp().doubles
        #expect(exps[0] == .infinity && exps[1] == 0 && exps[2].isNaN && exps[3] == 1)
        let tanhs = Tensor(shape: [3], doubles: [50, -50, .nan], dtype: .float32).tanh().doubles
        #expect(tanhs[0] == 1 && tanhs[1] == -1 && tanhs[2].isNaN)
    }

    @Test func gradModeIsPerBlockAndNests() {
        let x = Tensor(shape: [2], doubles: [1, 2]).requiringGrad()
        #expect((x * x).requiresGrad)
        withoutGradients {
            #expect(!(x * x).requiresGrad)
            withoutGradients { #expect(!GradMode.isEnabled) }
            #expect(!GradMode.isEnabled)
            GradMode.withGradients { #expect((x * x).requiresGrad) }
        }
        #expect(GradMode.isEnabled)
    }

    @Test func gradientsSkipUnrequestedBranchesAndGiveZerosForUnused() {
        let a = Tensor(shape: [2], doubles: [1, 2]).requiringGrad()
        let b = Tensor(shape: [2], doubles: [3, 4]).requiringGrad()
        let unused = Tensor(shape: [3], doubles: [0, 0, 0]).requiringGrad()
        let loss = (a * b).sum()
        let g = gradients(of: loss, wrt: [a, unused])
        #expect(g[0].doubles == [3, 4])
        #expect(g[1].doubles == [0, 0, 0])
        // Gradient with respect to an intermediate tensor.
        let h = a * 3.0
        let out = (h * h).sum()
        #expect(gradient(of: out, wrt: h).doubles == [6, 12])
    }

    @Test func deepGraphsDoNotOverflowTheStack() {
        let x = Tensor(shape: [1], doubles: [1]).requiringGrad()
        var y = x
        for _ in 0..<20_000 { y = y * 1.0001 }
        let g = gradient(of: y.sum(), wrt: x)
        #expect(abs(g.item - Foundation.pow(1.0001, 20_000)) < 1e-6)
    }

    /// Building, differentiating and dropping a 200 000-op chain on a thread with a 4 MiB stack: the graph's
    /// teardown (each `*` node holds both operands, and its rule captures them) must not recurse once per op. Without the iterative teardown in
    /// `GradNode.deinit` this crashes the test process.
    @Test func deepGraphsAreReleasedWithoutRecursion() throws {
        final class Outcome { var gradient = Double.nan }
        let outcome = Outcome()
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        defer { pthread_attr_destroy(&attributes) }
        try #require(pthread_attr_setstacksize(&attributes, 4 * 1024 * 1024) == 0)
        var thread = pthread_t()
        let context = Unmanaged.passRetained(outcome).toOpaque()
        let created = pthread_create(&thread, &attributes, { raw in
            let outcome = Unmanaged<Outcome>.fromOpaque(raw!).takeRetainedValue()
            let x = Tensor(shape: [1], doubles: [1]).requiringGrad()
            let scale = Tensor(shape: [1], doubles: [1.00001]).requiringGrad()
            var y = x
            for _ in 0..<200_000 { y = y * scale }
            outcome.gradient = gradient(of: y.sum(), wrt: x).item
            y = x  // the only reference to the chain's result goes here
            return nil
        }, context)
        try #require(created == 0, "pthread_create failed (\(created))")
        pthread_join(thread, nil)
        let expected: Double = Foundation.pow(1.00001, 200_000)
        #expect(abs(outcome.gradient - expected) < 1e-9 * expected)
    }
}
