import Foundation
import MetaExploreAlgorithms
import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor
import Testing

/// The score-function estimator on a Gaussian bandit r(a) = −(a − c)², a ~ N(μ, σ²), where
/// E[r] = −((μ − c)² + σ²), ∂E[r]/∂μ = −2(μ − c), ∂E[r]/∂log σ = −2σ².
@Suite struct ReinforceEstimatorTests {
    let mu = 0.3, sigma = 0.7, c = 1.0, n = 200_000

    func estimate(baseline: Double) -> (dMu: Double, dLogStd: Double, termVariance: Double) {
        var rng = RandomStream(seed: 7)
        let x = (0..<n).map { _ in mu + sigma * rng.normal() }
        let rewards = x.map { -($0 - c) * ($0 - c) }
        let muT = Tensor(shape: [1], doubles: [mu]).requiringGrad()
        let logStdT = Tensor(shape: [1], doubles: [log(sigma)]).requiringGrad()
        let dist = DiagonalGaussian(mean: Tensor.zeros([n, 1], dtype: .float64) + muT, logStd: logStdT)
        let loss = reinforceLoss(logProbabilities: dist.logProbability(Tensor(shape: [n, 1], doubles: x)),
                                 rewards: rewards, baseline: baseline)
        let g = gradients(of: loss, wrt: [muT, logStdT])
        // Per-sample μ-terms (r − b)(x − μ)/σ², whose variance the baseline should shrink.
        let terms = zip(x, rewards).map { ($1 - baseline) * ($0 - mu) / (sigma * sigma) }
        let m = terms.reduce(0, +) / Double(n)
        let v = terms.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(n)
        return (-g[0].item, -g[1].item, v)
    }

    @Test func matchesExactGradientWithoutBaseline() {
        let e = estimate(baseline: 0)
        #expect(abs(e.dMu - (-2 * (mu - c))) < 0.03, "∂/∂μ \(e.dMu) vs \(-2 * (mu - c))")
        #expect(abs(e.dLogStd - (-2 * sigma * sigma)) < 0.03, "∂/∂logσ \(e.dLogStd) vs \(-2 * sigma * sigma)")
    }

    @Test func matchesExactGradientWithBaselineAndHasLowerVariance() {
        let exactMean = -((mu - c) * (mu - c) + sigma * sigma)
        let plain = estimate(baseline: 0)
        let based = estimate(baseline: exactMean)
        #expect(abs(based.dMu - (-2 * (mu - c))) < 0.02, "∂/∂μ \(based.dMu)")
        #expect(abs(based.dLogStd - (-2 * sigma * sigma)) < 0.02, "∂/∂logσ \(based.dLogStd)")
        #expect(based.termVariance < 0.7 * plain.termVariance, "variance \(based.termVariance) vs \(plain.termVariance)")
    }

    /// Eq. 5: the surrogate's gradient is −A Σt ∇ log πe(at|st); for a Gaussian mean that is −A Σt (at − μ)/σ².
    @Test func metaPolicyGradientLossGradientIsAdvantageTimesScore() {
        let actions = [0.1, -0.4, 0.9, 0.25]
        let muT = Tensor(shape: [1], doubles: [mu]).requiringGrad()
        let logStdT = Tensor(shape: [1], doubles: [log(sigma)]).requiringGrad()
        let dist = DiagonalGaussian(mean: Tensor.zeros([4, 1], dtype: .float64) + muT, logStd: logStdT)
        let lp = dist.logProbability(Tensor(shape: [4, 1], doubles: actions))
        for (reduction, scale) in [(LogProbabilityReduction.sum, 1.0), (.mean, 0.25)] {
            let advantage = -2.5
            let g = gradients(of: metaPolicyGradientLoss(logProbabilities: lp, advantage: advantage,
                                                         reduction: reduction), wrt: [muT, logStdT])
            let scoreMu = actions.reduce(0) { $0 + ($1 - mu) / (sigma * sigma) }
            let scoreLogStd = actions.reduce(0) { $0 + ($1 - mu) * ($1 - mu) / (sigma * sigma) - 1 }
            #expect(abs(g[0].item - (-advantage * scale * scoreMu)) < 1e-9)
            #expect(abs(g[1].item - (-advantage * scale * scoreLogStd)) < 1e-9)
        }
    }

    @Test func metaRewardIsLookaheadMinusCurrent() {
        #expect(metaReward(lookaheadReturn: -120, studentReturn: -150) == 30)
        #expect(metaReward(lookaheadReturn: 10, studentReturn: 12) == -2)
    }

    @Test func normalizerOffIsIdentityAndBaselineIsAMovingAverage() {
        var off = MetaRewardNormalizer()
        for r in [3.0, -1.0, 4.0] { #expect(off.advantage(for: r) == r) }
        var based = MetaRewardNormalizer(useBaseline: true, baselineDecay: 0.9)
        #expect(based.advantage(for: 2) == 2)
        #expect(based.advantage(for: 5) == 3)
        let expectedBaseline = 0.9 * 2 + 0.1 * 5
        #expect(abs(based.advantage(for: 1) - (1 - expectedBaseline)) < 1e-12)
        var scaled = MetaRewardNormalizer(normalize: true)
        _ = scaled.advantage(for: 1)
        let a = scaled.advantage(for: 3)  // population std of {1, 3} is 1
        #expect(abs(a - 3) < 1e-12)
        let b = scaled.advantage(for: 5)  // std of {1, 3, 5} = √(8/3)
        #expect(abs(b - 5 / (8.0 / 3).squareRoot()) < 1e-12)
    }
}
