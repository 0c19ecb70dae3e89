import Testing
import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor

@Suite struct LayerTests {
    @Test func mlpShapesNamesAndFunctionalCall() {
        var rng = RandomStream(seed: 1)
        let net = MLP(inputSize: 5, hiddenSizes: [8, 8], outputSize: 3, layerNorm: true, outputActivation: .tanh, using: &rng)
        #expect(net.namedParameters.map(\.name) == ["0.weight", "0.bias", "norm0.gamma", "norm0.beta",
                                                    "1.weight", "1.bias", "norm1.gamma", "norm1.beta",
                                                    "2.weight", "2.bias"])
        #expect(net.parameterCount == 5 * 8 + 8 + 16 + 8 * 8 + 8 + 16 + 8 * 3 + 3)
        let x = Tensor.randomNormal([4, 5], using: &rng)
        let y = net(x)
        #expect(y.shape == [4, 3])
        #expect(y.scalars.allSatisfy { abs($0) < 1 })
        // Substitute parameters equal to the own ones give the same output; shifted ones a different one.
        #expect(net.forward(x, parameters: net.parameters).scalars == y.scalars)
        let shifted = net.parameters.map { $0 + 0.1 }
        #expect(net.forward(x, parameters: shifted).scalars != y.scalars)
    }

    @Test func initializers() {
        var rng = RandomStream(seed: 2)
        let q = orthogonalMatrix(rows: 6, cols: 4, using: &rng)
        for a in 0..<4 {
            for b in 0..<4 {
                var dot = 0.0
                for i in 0..<6 { dot += q[i * 4 + a] * q[i * 4 + b] }
                #expect(abs(dot - (a == b ? 1 : 0)) < 1e-12)
            }
        }
        let wide = orthogonalMatrix(rows: 3, cols: 7, using: &rng)
        for a in 0..<3 {
            var dot = 0.0
            for j in 0..<7 { dot += wide[a * 7 + j] * wide[a * 7 + j] }
            #expect(abs(dot - 1) < 1e-12)
        }
        let small = Linear(64, 6, initializer: .uniform(limit: 3e-3), using: &rng)
        #expect(small.weight.scalars.allSatisfy { abs($0) <= 3e-3 })
        #expect(small.weight.scalars.contains { abs($0) > 1e-3 })
        let fan = Linear(100, 50, using: &rng)
        #expect(fan.weight.scalars.allSatisfy { abs($0) <= 0.1 })
        let gained = Linear(10, 10, initializer: .orthogonal(gain: 2), using: &rng)
        let w = gained.weight.doubles
        var colNorm = 0.0
        for i in 0..<10 { colNorm += w[i * 10] * w[i * 10] }
        #expect(abs(colNorm - 4) < 1e-5)
        #expect(gained.bias.scalars.allSatisfy { $0 == 0 })
    }

    @Test func polyakAveraging() {
        let target = [Tensor(shape: [2], scalars: [1, 2])]
        let source = [Tensor(shape: [2], scalars: [3, 6])]
        polyakUpdate(target: target, source: source, tau: 0.25)
        #expect(target[0].scalars == [1.5, 3])
        polyakUpdate(target: target, source: source, tau: 1)
        #expect(target[0].scalars == [3, 6])
    }

    @Test func gradientClipping() {
        let g = [Tensor(shape: [2], scalars: [3, 0]), Tensor(shape: [1], scalars: [4])]
        let (clipped, norm) = clipGradientNorm(g, maxNorm: 1)
        #expect(abs(norm - 5) < 1e-9)
        #expect(abs(Double(clipped[0].scalars[0]) - 0.6) < 1e-5)
        #expect(abs(Double(clipped[1].scalars[0]) - 0.8) < 1e-5)
        let (same, _) = clipGradientNorm(g, maxNorm: 10)
        #expect(same[0].scalars == [3, 0])
    }
}

@Suite struct OptimizerTests {
    /// Two Adam steps against the update rule written out by hand.
    @Test func adamMatchesHandComputedSteps() {
        for dtype in DType.allCases {
            let p = Tensor(shape: [2], doubles: [1, -2], dtype: dtype).requiringGrad()
            let adam = Adam(parameters: [p], learningRate: 0.1, weightDecay: 0.5, decayMask: [true])
            var theta = [1.0, -2.0], m = [0.0, 0.0], v = [0.0, 0.0]
            let grads: [[Double]] = [[0.3, -0.4], [0.1, 0.2]]
            for (t, g) in grads.enumerated() {
                adam.step([Tensor(shape: [2], doubles: g, dtype: dtype)])
                for j in 0..<2 {
                    let gj = g[j] + 0.5 * theta[j]
                    m[j] = 0.9 * m[j] + 0.1 * gj
                    v[j] = 0.999 * v[j] + 0.001 * gj * gj
                    let mh = m[j] / (1 - pow(0.9, Double(t + 1))), vh = v[j] / (1 - pow(0.999, Double(t + 1)))
                    theta[j] -= 0.1 * mh / (vh.squareRoot() + 1e-8)
                }
            }
            let tol = dtype == .float32 ? 1e-5 : 1e-12  // float32: a few ulp of the inputs rounded to float
            for j in 0..<2 { #expect(abs(p.doubles[j] - theta[j]) < tol) }
            #expect(adam.stepCount == 2)
        }
    }

    @Test func adamStateRoundTripContinuesIdentically() throws {
        func run(restoreAfter: Int?) throws -> [Float] {
            let p = Tensor(shape: [3], scalars: [0.5, -1, 2]).requiringGrad()
            var adam = Adam(parameters: [p], learningRate: 0.05)
            for step in 0..<6 {
                if step == restoreAfter {
                    var saved: [String: Tensor] = [:]
                    for (name, t) in adam.stateTensors { saved[name] = t.copy() }
                    adam = Adam(parameters: [p], learningRate: 0.05)
                    try adam.loadState(saved)
                }
                adam.step([gradient(of: (p * p * p).sum(), wrt: p)])
            }
            return p.scalars
        }
        #expect(try run(restoreAfter: nil) == run(restoreAfter: 3))
        let adam = Adam(parameters: [Tensor.zeros([2]).requiringGrad()], learningRate: 0.1)
        #expect(throws: OptimizerStateError.missing("step")) { try adam.loadState([:]) }
    }

    @Test func sgdMomentum() {
        let p = Tensor(shape: [1], doubles: [1]).requiringGrad()
        let sgd = SGD(parameters: [p], learningRate: 0.1, momentum: 0.5)
        sgd.step([Tensor(shape: [1], doubles: [2])])  // b = 2, θ = 0.8
        sgd.step([Tensor(shape: [1], doubles: [2])])  // b = 3, θ = 0.5
        #expect(abs(p.item - 0.5) < 1e-12)
    }

    /// A small regression problem that Adam must solve: fit y = sin-free cubic with an MLP.
    @Test func mlpFitsASmoothFunction() {
        var rng = RandomStream(seed: 3)
        let net = MLP(inputSize: 1, hiddenSizes: [32, 32], outputSize: 1, activation: .tanh, using: &rng)
        let adam = Adam(parameters: net.parameters, learningRate: 3e-3)
        let xs = (0..<64).map { -1 + 2 * Double($0) / 63 }
        let x = Tensor(shape: [64, 1], doubles: xs, dtype: .float32)
        let y = Tensor(shape: [64, 1], doubles: xs.map { $0 * $0 * $0 - 0.5 * $0 }, dtype: .float32)
        func loss() -> Tensor { (net(x) - y).squared().mean() }
        let initial = loss().item
        for _ in 0..<1500 { adam.step(gradients(of: loss(), wrt: net.parameters)) }
        let final = loss().item
        #expect(final < 1e-3, "final loss \(final) (initial \(initial))")
        #expect(final < initial / 20)
    }
}

import Foundation
