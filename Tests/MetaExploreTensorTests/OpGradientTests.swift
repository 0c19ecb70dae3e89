import Testing
import MetaExploreTestSupport
import MetaExploreTensor

/// A finite-difference check of the first and second derivatives of every differentiable op (Float64).
@Suite struct OpGradientTests {
    /// Runs both checks; ops with kinks (relu, clamp, abs, max, minimum/maximum) use inputs away from the kinks and
    /// have a zero second derivative almost everywhere, which the second-order check also verifies.
    func check(
        _ name: String, _ shapes: [[Int]], seed: UInt64 = 1, tol: Double = 1e-6, secondOrder: Bool = true,
        transform: (Double) -> Double = { $0 }, _ f: @escaping ([Tensor]) -> Tensor
    ) {
        let inputs = GradientCheck.makeInputs(shapes, seed: seed, transform: transform)
        let (err1, fail1) = GradientCheck.firstOrder(inputs, f)
        #expect(err1 < tol, "\(name) first order: \(fail1.map(String.init(describing:)) ?? "")")
        if secondOrder {
            let (err2, fail2) = GradientCheck.secondOrder(inputs, f)
            #expect(err2 < 1e-5, "\(name) second order: \(fail2.map(String.init(describing:)) ?? "")")
        }
    }

    /// Values bounded away from zero (for log, sqrt, division, kinks).
    static let awayFromZero: (Double) -> Double = { $0 >= 0 ? 0.3 + $0 : -0.3 + $0 }
    static let positive: (Double) -> Double = { 0.3 + abs($0) }

    @Test func arithmeticWithBroadcasting() {
        check("add", [[3, 4], [4]]) { $0[0] + $0[1] }
        check("add-col", [[3, 4], [3, 1]]) { $0[0] + $0[1] }
        check("sub", [[2, 3, 4], [3, 1]]) { $0[0] - $0[1] }
        check("mul", [[3, 4], [1, 4]]) { $0[0] * $0[1] }
        check("mul-self", [[5]]) { $0[0] * $0[0] }
        check("div", [[3, 4], [3, 4]], transform: Self.awayFromZero) { $0[0] / $0[1] }
        check("div-scalar-tensor", [[], [2, 3]], transform: Self.awayFromZero) { $0[0] / $0[1] }
        check("neg", [[3, 2]]) { -$0[0] }
        check("scalar forms", [[4]]) { (2.0 * $0[0] + 1.0) / 3.0 - 0.5 }
        check("rsub", [[4]]) { 1.0 - $0[0] }
        check("rdiv", [[4]], transform: Self.awayFromZero) { 1.0 / $0[0] }
    }

    @Test func minimumAndMaximum() {
        // Inputs offset so that no pair ties.
        check("minimum", [[3, 4], [3, 4]], seed: 3) { minimum($0[0], $0[1] + 0.05) }
        check("maximum", [[3, 4], [4]], seed: 4) { maximum($0[0], $0[1] + 0.05) }
    }

    @Test func elementwiseFunctions() {
        check("exp", [[3, 5]]) { $0[0].exp() }
        check("log", [[3, 5]], transform: Self.positive) { $0[0].log() }
        check("tanh", [[3, 5]]) { ($0[0] * 2.0).tanh() }
        check("sigmoid", [[3, 5]]) { ($0[0] * 3.0).sigmoid() }
        check("relu", [[3, 5]], transform: Self.awayFromZero) { $0[0].relu() }
        check("softplus", [[3, 5]]) { ($0[0] * 4.0).softplus() }
        check("sqrt", [[3, 5]], transform: Self.positive) { $0[0].sqrt() }
        check("pow 3", [[3, 5]]) { $0[0].pow(3) }
        check("pow 2", [[3, 5]]) { $0[0].pow(2) }
        check("pow -1.5", [[3, 5]], transform: Self.positive) { $0[0].pow(-1.5) }
        check("clamp", [[4, 5]], seed: 5, transform: { $0 * 0.9 > 0.45 || ($0 * 0.9 < 0.35 && $0 * 0.9 > -0.35) || $0 * 0.9 < -0.45 ? $0 * 0.9 : 0.0 }) {
            $0[0].clamped(min: -0.4, max: 0.4)
        }
        check("abs", [[3, 5]], transform: Self.awayFromZero) { $0[0].abs() }
        check("squared", [[3]]) { $0[0].squared() }
    }

    @Test func reductions() {
        check("sum all", [[3, 4]]) { $0[0].sum() }
        check("sum axis 0", [[3, 4]]) { $0[0].sum(axes: [0]) }
        check("sum axes 0,2 keep", [[2, 3, 4]]) { $0[0].sum(axes: [0, 2], keepDims: true) }
        check("mean axis -1", [[2, 3, 4]]) { $0[0].mean(axes: [-1]) }
        check("mean all", [[2, 3]]) { $0[0].mean() }
        check("max axis 1", [[3, 5]], seed: 6) { $0[0].max(axis: 1) }
        check("max axis 0 keep", [[4, 2]], seed: 7) { $0[0].max(axis: 0, keepDims: true) }
        check("max all", [[3, 3]], seed: 8) { $0[0].max() }
        check("broadcast", [[3, 1]]) { $0[0].broadcast(to: [2, 3, 4]) }
        check("reduced", [[2, 3, 4]]) { $0[0].reduced(toShape: [3, 1]) }
    }

    @Test func shapeOps() {
        check("reshape", [[2, 6]]) { $0[0].reshaped([3, -1]) * $0[0].reshaped([3, 4]) }
        check("transpose", [[2, 3]]) { $0[0].transposed() }
        check("permute", [[2, 3, 4]]) { $0[0].permuted([2, 0, 1]) }
        check("slice", [[4, 5]]) { $0[0].slice(axis: 1, 1..<4) }
        check("padded", [[2, 3]]) { $0[0].padded(axis: 0, to: [5, 3], at: 2) }
        check("split", [[6, 2]]) { xs in
            let parts = xs[0].split(sizes: [1, 2, 3], axis: 0)
            return concatenate([parts[2], parts[0] * parts[0], parts[1]], axis: 0)
        }
        check("concat axis 1", [[2, 3], [2, 1], [2, 2]]) { concatenate($0, axis: 1) }
        check("gather last axis", [[3, 4]]) { $0[0].gather(indices: [3, 0, 2], axis: 1) }
        check("gather repeated", [[3, 4]]) { $0[0].gather(indices: [1, 1, 0, 2, 2, 2, 0, 1], axis: 0) }
        check("scatterAdd", [[2, 3]]) { $0[0].scatterAdd(indices: [0, 2, 1, 1, 1, 0], axis: 1, into: [2, 3]) }
    }

    @Test func matrixProducts() {
        check("matmul", [[3, 4], [4, 2]]) { $0[0].matmul($0[1]) }
        check("matmul Aᵀ", [[4, 3], [4, 2]]) { $0[0].matmul($0[1], transposeSelf: true) }
        check("matmul Bᵀ", [[3, 4], [2, 4]]) { $0[0].matmul($0[1], transposeOther: true) }
        check("matmul AᵀBᵀ", [[4, 3], [2, 4]]) { $0[0].matmul($0[1], transposeSelf: true, transposeOther: true) }
        check("linear", [[5, 3], [3, 4], [4]]) { linear($0[0], $0[1], $0[2]) }
        check("linear no bias", [[5, 3], [3, 4]]) { linear($0[0], $0[1], nil) }
        check("matmul chain", [[2, 3], [3, 3]]) { ($0[0].matmul($0[1]).tanh()).matmul($0[1], transposeOther: true) }
    }

    @Test func normalizationAndSoftmax() {
        check("layerNorm affine", [[4, 6], [6], [6]]) { layerNorm($0[0], gamma: $0[1], beta: $0[2]) }
        check("layerNorm plain", [[3, 5]]) { layerNorm($0[0], gamma: nil, beta: nil) }
        check("layerNorm gamma only", [[2, 3, 4], [4]]) { layerNorm($0[0], gamma: $0[1], beta: nil) }
        check("softmax", [[3, 5]]) { ($0[0] * 2.0).softmax() }
        check("logSoftmax", [[3, 5]]) { ($0[0] * 2.0).logSoftmax() }
    }

    /// Stop-gradient and dtype casts cannot be finite-differenced (one hides a dependence on purpose, the other
    /// rounds the perturbation away), so their gradients are checked exactly.
    @Test func stopGradientAndCast() {
        let x = Tensor(shape: [3], doubles: [1, -2, 3]).requiringGrad()
        // d/dx [x · stop(x)] = stop(x): the detached factor contributes nothing.
        #expect(gradient(of: (x * x.detached()).sum(), wrt: x).doubles == [1, -2, 3])
        #expect(!x.detached().requiresGrad)
        // Through a float32 round trip the gradient of 2·Σx is exactly 2 and comes back as float64.
        let g = gradient(of: (x.cast(to: .float32) * 2.0).sum(), wrt: x)
        #expect(g.dtype == .float64 && g.doubles == [2, 2, 2])
        let g2 = gradient(of: (x.cast(to: .float32).squared() * 0.5).sum(), wrt: x, createGraph: true)
        #expect(gradient(of: g2.sum(), wrt: x).doubles == [1, 1, 1])
    }

    /// The checker itself must reject a wrong gradient: a deliberately wrong rule would pass otherwise unnoticed.
    @Test func checkerDetectsWrongGradients() {
        let inputs = GradientCheck.makeInputs([[4]], seed: 9)
        // detached() hides the second factor's dependence, so the engine's gradient is half the true one.
        let (err, _) = GradientCheck.firstOrder(inputs) { xs in
            let x = xs[0]
            return Tensor(shape: x.shape, doubles: x.doubles) * x + x.detached() * x
        }
        #expect(err > 0.01)
    }
}
