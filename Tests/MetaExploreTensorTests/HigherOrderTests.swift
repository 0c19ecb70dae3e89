import Testing
import MetaExploreRandom
import MetaExploreTensor

/// Double backward: Hessian-vector products of a network loss against finite differences of gradients.
@Suite struct HigherOrderTests {
    /// A 2-layer tanh MLP with a LayerNorm and a squared-error loss, all parameters in one list.
    func mlpLoss(_ p: [Tensor], x: Tensor, y: Tensor) -> Tensor {
        let h = layerNorm(linear(x, p[0], p[1]), gamma: p[2], beta: p[3]).tanh()
        let out = linear(h, p[4], p[5])
        return (out - y).squared().mean()
    }

    func parameters(seed: UInt64) -> [Tensor] {
        var rng = RandomStream(seed: seed)
        return [[3, 5], [5], [5], [5], [5, 2], [2]].map { shape in
            Tensor.randomNormal(shape, std: 0.7, dtype: .float64, using: &rng).requiringGrad()
        }
    }

    @Test func hessianVectorProductMatchesFiniteDifferencesOfGradients() {
        var rng = RandomStream(seed: 21)
        let x = Tensor.randomNormal([8, 3], dtype: .float64, using: &rng)
        let y = Tensor.randomNormal([8, 2], dtype: .float64, using: &rng)
        let params = parameters(seed: 4)
        let v = params.map { Tensor.randomNormal($0.shape, dtype: .float64, using: &rng) }

        // Hv = ∇(⟨∇L, v⟩), through the recorded backward pass.
        let g = gradients(of: mlpLoss(params, x: x, y: y), wrt: params, createGraph: true)
        var gv = (g[0] * v[0]).sum()
        for i in 1..<g.count { gv = gv + (g[i] * v[i]).sum() }
        let hv = gradients(of: gv, wrt: params)

        // (∇L(θ + εv) − ∇L(θ − εv)) / 2ε.
        let eps = 1e-5
        func grads(shift: Double) -> [[Double]] {
            let shifted = zip(params, v).map { p, d in
                Tensor(shape: p.shape, doubles: zip(p.doubles, d.doubles).map { $0 + shift * $1 }).requiringGrad()
            }
            return gradients(of: mlpLoss(shifted, x: x, y: y), wrt: shifted).map(\.doubles)
        }
        let plus = grads(shift: eps), minus = grads(shift: -eps)
        var worst = 0.0, scale = 0.0
        for i in 0..<params.count {
            let analytic = hv[i].doubles
            for e in 0..<analytic.count {
                let numeric = (plus[i][e] - minus[i][e]) / (2 * eps)
                worst = max(worst, abs(analytic[e] - numeric))
                scale = max(scale, abs(numeric))
            }
        }
        #expect(scale > 1e-2, "the Hessian-vector product should not be trivially zero")
        #expect(worst < 1e-6 * max(1, scale), "max |Hv − FD| = \(worst) (scale \(scale))")
    }

    @Test func secondDerivativeOfScalarFunctions() {
        // d²/dx² of x³ + eˣ·sin-free forms at known points, exact values.
        let x = Tensor(shape: [2], doubles: [0.5, -1.25]).requiringGrad()
        let f = x.pow(3).sum() + x.exp().sum() + x.tanh().sum()
        let d1 = gradient(of: f, wrt: x, createGraph: true)
        let d2 = gradient(of: d1.sum(), wrt: x)
        for (i, xv) in [0.5, -1.25].enumerated() {
            let t = Foundation.tanh(xv)
            let expected = 6 * xv + Foundation.exp(xv) + (-2 * t * (1 - t * t))
            #expect(abs(d2.doubles[i] - expected) < 1e-12)
        }
    }

    @Test func thirdOrderThroughNestedGradients() {
        // f = x⁴: f''' = 24x.
        let x = Tensor(shape: [1], doubles: [0.7]).requiringGrad()
        let d1 = gradient(of: x.pow(4).sum(), wrt: x, createGraph: true)
        let d2 = gradient(of: d1.sum(), wrt: x, createGraph: true)
        let d3 = gradient(of: d2.sum(), wrt: x)
        #expect(abs(d3.item - 24 * 0.7) < 1e-12)
    }

    @Test func withoutCreateGraphGradientsAreConstants() {
        let x = Tensor(shape: [3], doubles: [1, 2, 3]).requiringGrad()
        let g = gradient(of: (x * x).sum(), wrt: x)
        #expect(!g.requiresGrad)
        #expect(g.doubles == [2, 4, 6])
        let gg = gradient(of: (x * x).sum(), wrt: x, createGraph: true)
        #expect(gg.requiresGrad)
    }
}

import Foundation
