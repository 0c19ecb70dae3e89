import Foundation
import Testing
import MetaExploreTestSupport
import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor

/// Runs the first- and second-order finite-difference checks on `f` at `inputs` (Float64).
func expectGradientsMatch(
    _ name: String, _ inputs: [Tensor], firstTolerance: Double = 1e-6, secondOrder: Bool = false,
    _ f: @escaping ([Tensor]) -> Tensor
) {
    let (err1, fail1) = GradientCheck.firstOrder(inputs, f)
    #expect(err1 < firstTolerance, "\(name) first order: \(fail1.map(String.init(describing:)) ?? "")")
    if secondOrder {
        let (err2, fail2) = GradientCheck.secondOrder(inputs, f)
        #expect(err2 < 1e-5, "\(name) second order: \(fail2.map(String.init(describing:)) ?? "")")
    }
}

func doubles(_ shape: [Int], seed: UInt64, low: Double = -1, high: Double = 1) -> Tensor {
    var rng = RandomStream(seed: seed)
    return Tensor(shape: shape, doubles: (0..<shape.reduce(1, *)).map { _ in rng.uniform(low, high) }).requiringGrad()
}

@Suite struct DiagonalGaussianTests {
    @Test func logProbabilityMatchesProductOfDensities() {
        let mean = Tensor(shape: [2, 2], doubles: [0.5, -1, 2, 0])
        let logStd = Tensor(shape: [2], doubles: [Foundation.log(0.5), Foundation.log(2)])
        let x = Tensor(shape: [2, 2], doubles: [0, 0.3, 1.5, -4])
        let lp = DiagonalGaussian(mean: mean, logStd: logStd).logProbability(x)
        #expect(lp.shape == [2])
        let sigmas = [0.5, 2.0]
        for n in 0..<2 {
            var density = 1.0
            for i in 0..<2 {
                let (m, s, v) = (mean[n, i], sigmas[i], x[n, i])
                density *= Foundation.exp(-(v - m) * (v - m) / (2 * s * s)) / (s * (2 * Double.pi).squareRoot())
            }
            #expect(abs(lp[n] - Foundation.log(density)) < 1e-12)
        }
        // The standard normal at its mean.
        let std1 = DiagonalGaussian(mean: Tensor.zeros([1, 1], dtype: .float64), logStd: Tensor.zeros([1], dtype: .float64))
        #expect(abs(std1.logProbability(Tensor.zeros([1, 1], dtype: .float64)).item + 0.918_938_533_204_672_7) < 1e-14)
    }

    @Test func entropyAndKLClosedForms() {
        // H(N(0, σ²)) = ½ log(2πeσ²), per dimension.
        let g = DiagonalGaussian(mean: Tensor.zeros([3, 2], dtype: .float64),
                                 logStd: Tensor(shape: [2], doubles: [Foundation.log(0.5), Foundation.log(3)]))
        let expected = 0.5 * Foundation.log(2 * Double.pi * M_E * 0.25) + 0.5 * Foundation.log(2 * Double.pi * M_E * 9)
        #expect(g.entropy().shape == [3])
        for v in g.entropy().doubles { #expect(abs(v - expected) < 1e-12) }

        // KL(N(0,1) ‖ N(1,1)) = ½; KL(N(0,1) ‖ N(0,2²)) = log 2 + 1/8 − ½.
        let p = DiagonalGaussian(mean: Tensor(shape: [1, 2], doubles: [0, 0]), logStd: Tensor.zeros([1, 2], dtype: .float64))
        let q = DiagonalGaussian(mean: Tensor(shape: [1, 2], doubles: [1, 0]),
                                 logStd: Tensor(shape: [1, 2], doubles: [0, Foundation.log(2)]))
        #expect(abs(p.kl(to: q).item - (0.5 + Foundation.log(2) + 0.125 - 0.5)) < 1e-12)
    }

    @Test func klIsZeroOnItselfAndNonNegative() {
        var rng = RandomStream(seed: 3)
        for trial in 0..<20 {
            let p = DiagonalGaussian(mean: Tensor.randomNormal([4, 3], dtype: .float64, using: &rng),
                                     logStd: Tensor.randomNormal([3], std: 0.5, dtype: .float64, using: &rng))
            let q = DiagonalGaussian(mean: Tensor.randomNormal([4, 3], dtype: .float64, using: &rng),
                                     logStd: Tensor.randomNormal([4, 3], std: 0.5, dtype: .float64, using: &rng))
            for v in p.kl(to: p).doubles { #expect(abs(v) < 1e-12, "trial \(trial)") }
            for v in p.kl(to: q).doubles + q.kl(to: p).doubles { #expect(v > 0, "trial \(trial)") }
        }
    }

    @Test func sampleMomentsAndReparameterization() {
        let n = 20000
        let mean = Tensor(shape: [n, 2], doubles: Array(repeating: [1.0, -2.0], count: n).flatMap { $0 })
        let logStd = Tensor(shape: [2], doubles: [Foundation.log(0.5), Foundation.log(2)])
        let g = DiagonalGaussian(mean: mean, logStd: logStd)
        var rng = RandomStream(seed: 11)
        let x = g.sample(using: &rng)
        #expect(!x.requiresGrad)
        for (i, (mu, sigma)) in [(1.0, 0.5), (-2.0, 2.0)].enumerated() {
            let column = (0..<n).map { x[$0, i] }
            let m = column.reduce(0, +) / Double(n)
            let s = (column.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(n - 1)).squareRoot()
            #expect(abs(m - mu) < 4 * sigma / Double(n).squareRoot())
            #expect(abs(s / sigma - 1) < 0.03)
        }
        // rsample = μ + σε, and its gradient wrt log σ is σε.
        let mu = Tensor(shape: [1, 2], doubles: [0.3, -0.2]).requiringGrad()
        let ls = Tensor(shape: [2], doubles: [0.1, -0.4]).requiringGrad()
        let noise = Tensor(shape: [1, 2], doubles: [1.5, -0.5])
        let a = DiagonalGaussian(mean: mu, logStd: ls).reparameterizedSample(noise: noise)
        #expect(abs(a[0, 0] - (0.3 + Foundation.exp(0.1) * 1.5)) < 1e-12)
        let grads = gradients(of: a.sum(), wrt: [mu, ls])
        #expect(grads[0].doubles == [1, 1])
        #expect(abs(grads[1].doubles[1] - Foundation.exp(-0.4) * -0.5) < 1e-12)
        #expect(DiagonalGaussian(mean: mu, logStd: ls).mode === mu)
    }

    @Test func gradientsMatchFiniteDifferences() {
        let inputs = [doubles([3, 2], seed: 1), doubles([2], seed: 2, low: -0.5, high: 0.5), doubles([3, 2], seed: 3)]
        expectGradientsMatch("gaussian logProb", inputs) { xs in
            DiagonalGaussian(mean: xs[0], logStd: xs[1]).logProbability(xs[2])
        }
        expectGradientsMatch("gaussian entropy", [doubles([3, 2], seed: 4, low: -0.5, high: 0.5)]) { xs in
            DiagonalGaussian(mean: Tensor.zeros([2, 3, 2], dtype: .float64).sum(axes: [0]), logStd: xs[0]).entropy()
        }
        let klInputs = [doubles([3, 2], seed: 5), doubles([3, 2], seed: 6, low: -0.5, high: 0.5),
                        doubles([3, 2], seed: 7), doubles([2], seed: 8, low: -0.5, high: 0.5)]
        expectGradientsMatch("gaussian kl", klInputs, secondOrder: true) { xs in
            DiagonalGaussian(mean: xs[0], logStd: xs[1]).kl(to: DiagonalGaussian(mean: xs[2], logStd: xs[3]))
        }
        expectGradientsMatch("gaussian logProb (2nd order)", inputs, secondOrder: true) { xs in
            DiagonalGaussian(mean: xs[0], logStd: xs[1]).logProbability(xs[2])
        }
    }
}

@Suite struct TanhGaussianTests {
    @Test func stableJacobianMatchesDirectFormAndStaysFinite() {
        let u = Tensor(shape: [5], doubles: [-3, -0.7, 0, 0.2, 2.5])
        let stable = TanhGaussian.logTanhJacobian(u).doubles
        for (i, v) in u.doubles.enumerated() {
            let t = Foundation.tanh(v)
            #expect(abs(stable[i] - Foundation.log(1 - t * t)) < 1e-12)
        }
        // tanh(40) rounds to 1 in Float32 and Double; the stable form gives ≈ 2(log 2 − 40).
        for dtype in DType.allCases {
            let big = TanhGaussian.logTanhJacobian(Tensor(shape: [2], doubles: [40, -40], dtype: dtype)).doubles
            for v in big { #expect(v.isFinite && abs(v - 2 * (Foundation.log(2) - 40)) < 1e-3) }
        }
    }

    @Test func densityIntegratesToOneOverTheActionBox() {
        // One dimension, actions in [−2, 6]: ∫ π(a) da ≈ 1 by the midpoint rule.
        let steps = 40000
        let (low, high) = (-2.0, 6.0)
        let width = (high - low) / Double(steps)
        let actions = (0..<steps).map { low + (Double($0) + 0.5) * width }
        let dist = TanhGaussian(mean: Tensor.full([steps, 1], 0.4, dtype: .float64),
                                logStd: Tensor(shape: [1], doubles: [Foundation.log(0.8)]), low: [low], high: [high])
        let lp = dist.logProbability(action: Tensor(shape: [steps, 1], doubles: actions))
        let total = lp.doubles.reduce(0) { $0 + Foundation.exp($1) * width }
        #expect(abs(total - 1) < 1e-3, "∫π = \(total)")
    }

    @Test func samplesStayInBoundsAndLogProbabilitiesAgree() {
        var rng = RandomStream(seed: 5)
        let mean = Tensor.randomNormal([64, 2], dtype: .float64, using: &rng)
        let logStd = Tensor(shape: [2], doubles: [-0.5, 0.3])
        let dist = TanhGaussian(mean: mean, logStd: logStd, low: [-1, 0], high: [1, 10])
        let a = dist.sample(using: &rng)
        for n in 0..<64 {
            #expect(a[n, 0] > -1 && a[n, 0] < 1)
            #expect(a[n, 1] > 0 && a[n, 1] < 10)
        }
        let noise = Tensor.randomNormal([64, 2], dtype: .float64, using: &rng)
        let (action, lp) = dist.reparameterizedSample(noise: noise)
        let again = dist.logProbability(action: action).doubles
        for n in 0..<64 { #expect(abs(lp[n] - again[n]) < 1e-6 * max(1, abs(lp[n]))) }
        let mode = dist.mode
        #expect(abs(mode[0, 1] - (5 + 5 * Foundation.tanh(mean[0, 1]))) < 1e-12)
    }

    @Test func gradientsMatchFiniteDifferences() {
        let noise = doubles([3, 2], seed: 9, low: -2, high: 2)
        let inputs = [doubles([3, 2], seed: 10), doubles([2], seed: 11, low: -0.5, high: 0.5)]
        expectGradientsMatch("tanh-gaussian rsample logProb", inputs, secondOrder: true) { xs in
            TanhGaussian(mean: xs[0], logStd: xs[1], low: [-1, 0], high: [1, 4]).reparameterizedSample(noise: noise.detached()).logProbability
        }
        expectGradientsMatch("tanh-gaussian rsample action", inputs) { xs in
            TanhGaussian(mean: xs[0], logStd: xs[1], low: [-1, 0], high: [1, 4]).reparameterizedSample(noise: noise.detached()).action
        }
    }
}

@Suite struct CategoricalTests {
    @Test func knownValues() {
        let logits = Tensor(shape: [2, 3], doubles: [0, Foundation.log(2), Foundation.log(3), 1, 1, 1])
        let c = Categorical(logits: logits)
        let p = c.probabilities.doubles
        let expectedP: [Double] = [1.0 / 6, 2.0 / 6, 3.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 3]
        for (v, e) in zip(p, expectedP) { #expect(abs(v - e) < 1e-12) }
        let lp = c.logProbability([2, 0]).doubles
        #expect(abs(lp[0] - Foundation.log(0.5)) < 1e-12 && abs(lp[1] - Foundation.log(1.0 / 3)) < 1e-12)
        let h = c.entropy().doubles
        let p0: [Double] = [1.0 / 6, 2.0 / 6, 3.0 / 6]
        var h0 = 0.0
        for v in p0 { h0 -= v * Foundation.log(v) }
        #expect(abs(h[0] - h0) < 1e-12 && abs(h[1] - Foundation.log(3)) < 1e-12)
        // KL(p ‖ uniform) = log 3 − H(p).
        let uniform = Categorical(logits: Tensor.zeros([2, 3], dtype: .float64))
        let kl = c.kl(to: uniform).doubles
        #expect(abs(kl[0] - (Foundation.log(3) - h0)) < 1e-12 && abs(kl[1]) < 1e-12)
        #expect(c.mode == [2, 0])
        // Large logits stay finite.
        let big = Categorical(logits: Tensor(shape: [1, 2], scalars: [1000, 0]))
        #expect(abs(big.logProbability([1]).item + 1000) < 1e-3)
        #expect(big.entropy().item.isFinite && abs(big.entropy().item) < 1e-6)
    }

    @Test func klProperties() {
        var rng = RandomStream(seed: 12)
        for _ in 0..<20 {
            let p = Categorical(logits: Tensor.randomNormal([5, 4], std: 2, dtype: .float64, using: &rng))
            let q = Categorical(logits: Tensor.randomNormal([5, 4], std: 2, dtype: .float64, using: &rng))
            for v in p.kl(to: p).doubles { #expect(abs(v) < 1e-12) }
            for v in p.kl(to: q).doubles { #expect(v > 0) }
        }
    }

    @Test func sampleFrequencies() {
        let n = 30000
        let probs = [0.1, 0.2, 0.7]
        let row = probs.map { Foundation.log($0) }
        let c = Categorical(logits: Tensor(shape: [n, 3], doubles: Array(repeating: row, count: n).flatMap { $0 }, dtype: .float32))
        var rng = RandomStream(seed: 13)
        let draws = c.sample(using: &rng)
        for (j, pj) in probs.enumerated() {
            let freq = Double(draws.filter { $0 == j }.count) / Double(n)
            #expect(abs(freq - pj) < 4 * (pj * (1 - pj) / Double(n)).squareRoot(), "outcome \(j): \(freq)")
        }
        // A zero-probability outcome is never drawn, and entropy/KL stay finite with it.
        for dtype in DType.allCases {
            let logits = Tensor(shape: [1, 3], doubles: [0.3, -.infinity, 0], dtype: dtype).requiringGrad()
            let m = Categorical(logits: logits)
            let p0: Double = 1 / (1 + Foundation.exp(-0.3))
            let p2: Double = 1 - p0
            let entropy: Double = -(p0 * Foundation.log(p0) + p2 * Foundation.log(p2))
            #expect(abs(m.entropy().item - entropy) < 1e-6)
            #expect(abs(m.kl(to: m).item) < 1e-12)
            let u = Categorical(logits: Tensor.zeros([1, 3], dtype: dtype))
            #expect(abs(m.kl(to: u).item - (Foundation.log(3) - entropy)) < 1e-6)
            let g = gradient(of: m.entropy().sum(), wrt: logits).doubles
            #expect(g.allSatisfy { $0.isFinite } && g[1] == 0 && abs(g[0]) > 1e-3)
        }
        let masked = Categorical(logits: Tensor(shape: [1, 3], scalars: [0, -.infinity, 0]))
        for _ in 0..<200 { #expect(masked.sample(using: &rng)[0] != 1) }
    }

    @Test func gradientsMatchFiniteDifferences() {
        expectGradientsMatch("categorical logProb", [doubles([4, 3], seed: 20, low: -2, high: 2)], secondOrder: true) { xs in
            Categorical(logits: xs[0]).logProbability([0, 2, 1, 2])
        }
        expectGradientsMatch("categorical entropy", [doubles([4, 3], seed: 21, low: -2, high: 2)], secondOrder: true) { xs in
            Categorical(logits: xs[0]).entropy()
        }
        expectGradientsMatch("categorical kl", [doubles([4, 3], seed: 22, low: -2, high: 2),
                                                doubles([4, 3], seed: 23, low: -2, high: 2)], secondOrder: true) { xs in
            Categorical(logits: xs[0]).kl(to: Categorical(logits: xs[1]))
        }
    }

    /// TRPO's Fisher-vector product: the Hessian of KL(p_old ‖ p_θ) at θ = θ_old is the Fisher matrix, positive
    /// semi-definite, and the KL's gradient there is zero.
    @Test func klHessianAtCoincidenceIsPositiveSemidefinite() {
        let theta = doubles([2, 4], seed: 30, low: -1, high: 1)
        let kl = Categorical(logits: theta.detached()).kl(to: Categorical(logits: theta)).sum()
        let g = gradient(of: kl, wrt: theta, createGraph: true)
        for v in g.doubles { #expect(abs(v) < 1e-12) }
        var rng = RandomStream(seed: 31)
        for _ in 0..<5 {
            let v = Tensor.randomNormal([2, 4], dtype: .float64, using: &rng)
            let hv = gradient(of: (g * v).sum(), wrt: theta)
            let vHv = zip(hv.doubles, v.doubles).reduce(0) { $0 + $1.0 * $1.1 }
            #expect(vHv >= -1e-12)
        }
    }
}
