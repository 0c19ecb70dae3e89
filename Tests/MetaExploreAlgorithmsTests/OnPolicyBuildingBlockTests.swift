import MetaExploreAlgorithms
import MetaExploreRandom
import Testing

/// Returns, GAE, advantage normalization, the linear feature baseline, the trajectory batch and conjugate gradient,
/// each checked against values worked out by hand.
@Suite("On-policy building blocks") struct OnPolicyBuildingBlockTests {
    /// Two rows of horizon 3: a full episode [1, 2, 3] and one that ended after 2 steps (padding must stay 0).
    let rewards: [Double] = [1, 2, 3, 5, 7, 99]
    let values: [Double] = [0.5, 1.0, 1.5, 1, 2, 99]
    let lengths = [3, 2]

    @Test func discountedReturnsByHand() {
        let r = Returns.discounted(rewards: rewards, lengths: lengths, horizon: 3, gamma: 0.9)
        // Row 0: R₂ = 3, R₁ = 2 + 0.9·3 = 4.7, R₀ = 1 + 0.9·4.7 = 5.23. Row 1: R₁ = 7, R₀ = 5 + 6.3 = 11.3.
        expectClose(r, [5.23, 4.7, 3, 11.3, 7, 0])
        let boot = Returns.discounted(rewards: rewards, lengths: lengths, horizon: 3, gamma: 0.9, bootstrapValues: [10, 0])
        expectClose(Array(boot[0..<3]), [1 + 0.9 * (2 + 0.9 * (3 + 9)), 2 + 0.9 * 12, 12])
    }

    @Test func gaeByHand() {
        // δ₀ = 1 + 0.9·1 − 0.5 = 1.4, δ₁ = 2 + 0.9·1.5 − 1 = 2.35, δ₂ = 3 − 1.5 = 1.5 (value 0 after the end);
        // γλ = 0.72: Â₂ = 1.5, Â₁ = 2.35 + 0.72·1.5 = 3.43, Â₀ = 1.4 + 0.72·3.43 = 3.8696.
        // Row 1: δ₀ = 5 + 0.9·2 − 1 = 5.8, δ₁ = 7 − 2 = 5: Â₁ = 5, Â₀ = 5.8 + 0.72·5 = 9.4.
        let a = Returns.generalizedAdvantages(rewards: rewards, values: values, lengths: lengths, horizon: 3,
                                              gamma: 0.9, lambda: 0.8)
        expectClose(a, [3.8696, 3.43, 1.5, 9.4, 5, 0])
    }

    @Test func gaeLimits() {
        let returns = Returns.discounted(rewards: rewards, lengths: lengths, horizon: 3, gamma: 0.9)
        let one = Returns.generalizedAdvantages(rewards: rewards, values: values, lengths: lengths, horizon: 3,
                                                gamma: 0.9, lambda: 1)
        let mask: [Double] = [1, 1, 1, 1, 1, 0]
        expectClose(one, zip(zip(returns, values), mask).map { ($0.0 - $0.1) * $1 })  // λ = 1: returns − baseline
        let zero = Returns.generalizedAdvantages(rewards: rewards, values: values, lengths: lengths, horizon: 3,
                                                 gamma: 0.9, lambda: 0)
        expectClose(zero, [1.4, 2.35, 1.5, 5.8, 5, 0])  // λ = 0: TD residuals
    }

    @Test func advantageNormalizationUsesValidStepsOnly() {
        let n = Returns.normalized([1, 2, 3, 100], mask: [1, 1, 1, 0], epsilon: 0)
        // mean 2, population std √(2/3).
        let s = (2.0 / 3).squareRoot()
        expectClose(n, [-1 / s, 0, 1 / s, 0])
    }

    @Test func batchLayoutAndTaskSlices() {
        var b = TrajectoryBatch(taskCount: 2, episodesPerTask: 2, horizon: 3, observationSize: 2, actionSize: 1)
        b.lengths = [3, 1, 2, 3]
        for i in 0..<b.stepCount { b.rewards[i] = Double(i) }
        for i in 0..<b.observations.count { b.observations[i] = Double(i) / 10 }
        #expect(b.index(task: 1, episode: 0, step: 2) == 8)
        #expect(b.mask == [1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 1])
        #expect(b.validStepCount == 9)
        #expect(b.episodeReturns == [3, 3, 13, 30])
        let t1 = b.task(1)
        #expect(t1.lengths == [2, 3] && t1.rewards == [6, 7, 8, 9, 10, 11])
        #expect(t1.observations.first == 1.2 && t1.observationTensor().shape == [6, 2])
        #expect(t1.mask == [1, 1, 0, 1, 1, 1])
    }

    @Test func baselineRecoversAnExactlyLinearTarget() throws {
        var rng = RandomStream(seed: 4)
        // Horizon 100, so τ = t/100 spans [0, 1) and the ridge 1e-5 barely biases the τ³ weight.
        var batch = TrajectoryBatch(taskCount: 1, episodesPerTask: 4, horizon: 100, observationSize: 2, actionSize: 1)
        batch.lengths = [100, 100, 40, 100]
        for i in 0..<batch.observations.count { batch.observations[i] = rng.uniform(-3, 3) }
        var baseline = LinearFeatureBaseline(observationSize: 2)
        let truth: [Double] = [0.5, -1, 0.25, 0.1, 2, -3, 1.5, 0.7]
        var targets = [Double](repeating: 0, count: batch.stepCount)
        for row in 0..<4 {
            for t in 0..<batch.lengths[row] {
                let i = row * 100 + t
                var x: [Double] = []
                baseline.appendFeatures(observation: batch.observations[(2 * i)..<(2 * i + 2)], step: t, to: &x)
                targets[i] = zip(x, truth).reduce(0) { $0 + $1.0 * $1.1 }
            }
        }
        try baseline.fit(batch: batch, targets: targets)
        #expect(baseline.lastRidge == 1e-5)
        let predicted = baseline.predict(batch: batch)
        for i in 0..<batch.stepCount { #expect(abs(predicted[i] - targets[i]) < 1e-4) }
        for (w, t) in zip(baseline.weights, truth) { #expect(abs(w - t) < 1e-2) }
        // Features: s clipped to ±10, then s², τ, τ², τ³, 1 with τ = t/100.
        var x: [Double] = []
        baseline.appendFeatures(observation: [12, -0.5][...], step: 50, to: &x)
        #expect(x == [10, -0.5, 100, 0.25, 0.5, 0.25, 0.125, 1])
    }

    /// A numerically singular system fails at ridge 1e-5 (pivot ≈ 2e-5 below 1e-12 × 1e8) and succeeds at 1e-4;
    /// one that stays singular through five attempts throws with the last ridge tried.
    @Test func baselineRidgeEscalatesOnSingularSystems() throws {
        let (w, ridge) = try LinearFeatureBaseline.solveRidge(gram: [1e8, 1e8, 1e8, 1e8], rhs: [1, 1], size: 2,
                                                              initialRidge: 1e-5)
        #expect(abs(ridge - 1e-4) < 1e-18)
        #expect(w.allSatisfy { $0.isFinite })
        #expect(throws: LinearFeatureBaseline.FitError.self) {
            try LinearFeatureBaseline.solveRidge(gram: [1e30, 1e30, 1e30, 1e30], rhs: [1, 1], size: 2, initialRidge: 1e-5)
        }
        // A constant observation 1 makes s, s² and the bias the same feature: XᵀX is exactly singular, the ridge
        // makes it solvable and the predictions still fit the target.
        var batch = TrajectoryBatch(taskCount: 1, episodesPerTask: 1, horizon: 3, observationSize: 1, actionSize: 1)
        batch.lengths = [3]
        batch.observations = [1, 1, 1]
        var baseline = LinearFeatureBaseline(observationSize: 1)
        try baseline.fit(batch: batch, targets: [2, 2, 2])
        #expect(baseline.lastRidge! >= 1e-5)
        for p in baseline.predict(batch: batch) { #expect(abs(p - 2) < 1e-3) }
    }

    @Test func conjugateGradientSolvesAKnownSPDSystem() {
        let a: [[Double]] = [[4, 1, 0, 0], [1, 3, 1, 0], [0, 1, 2, 0.5], [0, 0, 0.5, 1]]
        let b: [Double] = [1, 2, 3, 4]
        let product = { (v: [Double]) in a.map { row in zip(row, v).reduce(0) { $0 + $1.0 * $1.1 } } }
        let result = ConjugateGradient.solve(product, b, iterations: 10, residualTolerance: 1e-20)
        #expect(result.iterations <= 5)
        let ax = product(result.solution)
        for (l, r) in zip(ax, b) { #expect(abs(l - r) < 1e-9) }
        // The exact solution is (7, 33, 16, 236)/61; A is SPD, so CG converges in at most 4 steps.
        expectClose(result.solution, [7.0 / 61, 33.0 / 61, 16.0 / 61, 236.0 / 61], tolerance: 1e-9)
    }

    private func expectClose(_ a: [Double], _ b: [Double], tolerance: Double = 1e-12,
                             sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(a.count == b.count, sourceLocation: sourceLocation)
        for (x, y) in zip(a, b) { #expect(abs(x - y) <= tolerance, "\(a) vs \(b)", sourceLocation: sourceLocation) }
    }
}
