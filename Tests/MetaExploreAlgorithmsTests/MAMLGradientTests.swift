import Foundation
import MetaExploreAlgorithms
import MetaExploreEnvironments
import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor
import Testing

/// The meta-gradients on a problem whose expected returns are known exactly: a one-step bandit family with reward
/// r_g(a) = −(a − g)² (task g), a linear-Gaussian policy a ~ N(μ, σ²), μ = w·1 + b, θ = (w, b, ℓ = log σ), so
///
///     E_g(θ) = −((μ − g)² + σ²),  ∇E_g = (−2(μ − g), −2(μ − g), −2σ²),
///     θ′_g(θ) = θ + α∇E_g(θ)  (one exact inner policy-gradient step),   F(θ) = mean_g E_g(θ′_g(θ)).
///
/// "Samples" are the five Gauss–Hermite nodes a_k = μ + σz_k with weights w_k (exact for polynomials of degree ≤ 9
/// in z), entered as five one-step episodes with advantages 5·w_k·r(a_k), so every masked mean is an exact
/// expectation. With the LVC inner loss the sampled objectives' first and second derivatives at the sampling policy
/// are exact, so the code's second-order meta-gradient must equal −∇F (finite differences of the exact F). With the
/// REINFORCE inner loss the Hessian of the inner loss lacks C = E[r ∇log π ∇log πᵀ] (Rothfuss et al. 2019), so the
/// meta-gradient must equal −∇F + α·Cᵀ∇E_g(θ′) averaged over tasks — checked in closed form.
@Suite("MAML meta-gradients (exact bandit)") struct MAMLGradientTests {
    static let z = [-2.856970013872805635, -1.355626179974265966, 0, 1.355626179974265966, 2.856970013872805635]
    static let w = [0.011257411327720689, 0.222075922005612644, 0.533333333333333333, 0.222075922005612644,
                    0.011257411327720689]
    static let goals = [1.0, -0.5]
    static let alpha = 0.1
    static let theta0 = [0.2, 0.1, Foundation.log(0.8)]

    func policy(_ theta: [Double] = theta0) -> GaussianMLPPolicy {
        var rng = RandomStream(seed: 0)
        let p = GaussianMLPPolicy(observationSize: 1, actionSize: 1, hiddenSizes: [], dtype: .float64, using: &rng)
        p.setFlatParameters(theta)
        return p
    }

    static func reward(_ a: Double, _ g: Double) -> Double { -(a - g) * (a - g) }
    static func expected(_ t: [Double], _ g: Double) -> Double {
        let m = t[0] + t[1]
        return -((m - g) * (m - g) + Foundation.exp(2 * t[2]))
    }
    static func gradExpected(_ t: [Double], _ g: Double) -> [Double] {
        let m = t[0] + t[1]
        return [-2 * (m - g), -2 * (m - g), -2 * Foundation.exp(2 * t[2])]
    }
    static func adapted(_ t: [Double], _ g: Double) -> [Double] {
        zip(t, gradExpected(t, g)).map { $0 + alpha * $1 }
    }
    static func exactObjective(_ t: [Double]) -> Double {
        goals.reduce(0) { $0 + expected(adapted(t, $1), $1) } / Double(goals.count)
    }
    static func finiteDifferenceGradient(_ t: [Double], h: Double = 1e-5) -> [Double] {
        t.indices.map { k in
            var up = t, down = t
            up[k] += h
            down[k] -= h
            return (exactObjective(up) - exactObjective(down)) / (2 * h)
        }
    }

    /// Task g's quadrature "episodes" under parameters t: five one-step episodes at the nodes.
    static func quadratureInputs(_ policy: GaussianMLPPolicy, parameters t: [Double], goal g: Double) -> MetaTaskInputs {
        let m = t[0] + t[1], s = Foundation.exp(t[2])
        var batch = TrajectoryBatch(taskCount: 1, episodesPerTask: 5, horizon: 1, observationSize: 1, actionSize: 1)
        batch.lengths = [1, 1, 1, 1, 1]
        batch.observations = [1, 1, 1, 1, 1]
        batch.actions = z.map { m + s * $0 }
        batch.rewards = batch.actions.map { reward($0, g) }
        let advantages = zip(batch.actions, w).map { a, wk in 5 * wk * reward(a, g) }
        let p = unflatten(t, like: policy.parameters)
        return MetaTaskInputs(policy: policy, parameters: p, batch: batch, advantages: advantages)
    }

    func objective(_ policy: GaussianMLPPolicy, inner: InnerLoss) -> MetaObjective {
        let t = Self.theta0
        // Post-update samples at θ′ as the code computes it (checked against the closed form below).
        let pre = Self.goals.map { Self.quadratureInputs(policy, parameters: t, goal: $0) }
        let probe = MetaObjective(policy: policy, innerInputs: [pre], outerInputs: pre, innerStepSize: Self.alpha,
                                  innerLoss: inner)
        let post = Self.goals.indices.map { i -> MetaTaskInputs in
            let adaptedHere = flatten(probe.adapted(policy.parameters, task: i, createGraph: false))
            return Self.quadratureInputs(policy, parameters: adaptedHere, goal: Self.goals[i])
        }
        return MetaObjective(policy: policy, innerInputs: [pre], outerInputs: post, innerStepSize: Self.alpha,
                             innerLoss: inner)
    }

    @Test func innerStepIsTheExactPolicyGradientStep() {
        let p = policy()
        for inner in [InnerLoss.reinforce, .lvc] {
            let o = objective(p, inner: inner)
            for (i, g) in Self.goals.enumerated() {
                let code = flatten(o.adapted(p.parameters, task: i, createGraph: false))
                #expect(maxDifference(code, Self.adapted(Self.theta0, g)) < 1e-12)
            }
        }
    }

    @Test func mamlVPGMetaGradientMatchesFiniteDifferencesOfTheExactObjective() {
        let p = policy()
        let fd = Self.finiteDifferenceGradient(Self.theta0)
        let lvc = MAMLVPG(policy: p).metaGradient(objective(p, inner: .lvc))
        #expect(maxDifference(lvc, fd.map { -$0 }) < 1e-7, "\(lvc) vs \(fd.map { -$0 })")
        // REINFORCE inner loss: −∇F + α·Cᵀ∇E(θ′), C = E[r ∇log π ∇log πᵀ] by quadrature (exact).
        let reinforce = MAMLVPG(policy: p).metaGradient(objective(p, inner: .reinforce))
        var expected = fd.map { -$0 }
        let s = Foundation.exp(Self.theta0[2]), m = Self.theta0[0] + Self.theta0[1]
        for g in Self.goals {
            var c = [[Double]](repeating: [0, 0, 0], count: 3)
            for (zk, wk) in zip(Self.z, Self.w) {
                let score = [zk / s, zk / s, zk * zk - 1]
                let r = Self.reward(m + s * zk, g)
                for a in 0..<3 { for b in 0..<3 { c[a][b] += wk * r * score[a] * score[b] } }
            }
            let gradAfter = Self.gradExpected(Self.adapted(Self.theta0, g), g)
            for a in 0..<3 {
                expected[a] += Self.alpha * (0..<3).reduce(0) { $0 + c[$1][a] * gradAfter[$1] } / Double(Self.goals.count)
            }
        }
        #expect(maxDifference(reinforce, expected) < 1e-7, "\(reinforce) vs \(expected)")
        #expect(maxDifference(reinforce, lvc) > 1e-3)   // the missing term matters here
    }

    /// ProMP's first epoch: PPO-clip at ratio 1 has the unclipped gradient and the KL penalty has zero gradient at
    /// θ = θold, so its gradient is the exact meta-gradient. The penalty's gradient elsewhere is the closed form of
    /// ∇θ KL(N(μ₀, σ₀²) ‖ N(μ, σ²)) = ((μ − μ₀)/σ², (μ − μ₀)/σ², 1 − (σ₀² + (μ − μ₀)²)/σ²).
    @Test func proMPGradientTermsMatchTheirClosedForms() {
        let p = policy()
        let o = objective(p, inner: .lvc)
        let promp = ProMP(policy: p, innerSteps: 1)
        let g = flatten(gradients(of: promp.loss(o, parameters: p.parameters), wrt: p.parameters))
        #expect(maxDifference(g, Self.finiteDifferenceGradient(Self.theta0).map { -$0 }) < 1e-7)
        // The KL term at a perturbed θ.
        let shifted = [Self.theta0[0] + 0.15, Self.theta0[1] - 0.05, Self.theta0[2] - 0.1]
        let leaves = unflatten(shifted, like: p.parameters).map { $0.requiringGrad() }
        let kl = o.innerKL(leaves, step: 0)
        let gk = flatten(gradients(of: kl, wrt: leaves))
        let m0 = Self.theta0[0] + Self.theta0[1], s0 = Foundation.exp(Self.theta0[2])
        let m = shifted[0] + shifted[1], s = Foundation.exp(shifted[2])
        let closedKL = Foundation.log(s / s0) + (s0 * s0 + (m0 - m) * (m0 - m)) / (2 * s * s) - 0.5
        #expect(abs(kl.item - closedKL) < 1e-12)
        let dm = (m - m0) / (s * s)
        #expect(maxDifference(gk, [dm, dm, 1 - (s0 * s0 + (m - m0) * (m - m0)) / (s * s)]) < 1e-12)
        // η adapts: halves below target/1.5, doubles above 1.5·target.
        #expect(ProMP.adaptedPenalty(1, kl: 0.005, target: 0.01) == 0.5)
        #expect(ProMP.adaptedPenalty(1, kl: 0.02, target: 0.01) == 2)
        #expect(ProMP.adaptedPenalty(1, kl: 0.01, target: 0.01) == 1)
    }

    /// E-MAML = MAML's meta-gradient + meanᵢ(−R̃ᵢ · mean_k ∇log π(a_k)), with ∇log π = (z/σ, z/σ, z² − 1) and R̃ᵢ the
    /// post-update returns standardized over the meta-batch.
    @Test func emamlTermMatchesItsClosedForm() {
        let p = policy()
        let o = objective(p, inner: .lvc)
        let maml = MAMLVPG(policy: p).metaGradient(o)
        let emaml = EMAML(policy: p).metaGradient(o)
        // R̃ by hand: the post-update episode returns are the rewards at the post-update nodes.
        let returns = Self.goals.map { g -> [Double] in
            let t = Self.adapted(Self.theta0, g)
            return Self.z.map { Self.reward(t[0] + t[1] + Foundation.exp(t[2]) * $0, g) }
        }
        let all = returns.flatMap { $0 }
        let mean = all.reduce(0, +) / Double(all.count)
        let std = (all.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(all.count)).squareRoot()
        let standardized = returns.map { r in r.reduce(0) { $0 + ($1 - mean) / (std + 1e-8) } / Double(r.count) }
        #expect(maxDifference(o.standardizedPostUpdateReturns(), standardized) < 1e-9)
        let s = Foundation.exp(Self.theta0[2])
        let meanScore = [Self.z.reduce(0) { $0 + $1 / s } / 5, Self.z.reduce(0) { $0 + $1 / s } / 5,
                         Self.z.reduce(0) { $0 + $1 * $1 - 1 } / 5]
        var expected = maml
        for r in standardized { for a in 0..<3 { expected[a] += -r * meanScore[a] / Double(Self.goals.count) } }
        #expect(maxDifference(emaml, expected) < 1e-9, "\(emaml) vs \(expected)")
    }

    /// MAML-TRPO's step lowers the surrogate and keeps the post-update KL, measured through the inner step, within δ.
    @Test func trpoStepSatisfiesItsKLBound() {
        let p = policy()
        let o = objective(p, inner: .reinforce)
        let before = o.surrogate(p.parameters, createGraph: false).item
        let stats = MAMLTRPO(policy: p).update(o)
        #expect(stats.accepted)
        let kl = o.outerKL(p.parameters, createGraph: false).item
        #expect(kl <= 0.01 + 1e-12 && kl > 1e-4, "KL \(kl)")
        #expect(abs(kl - stats.outerKL) < 1e-12)
        #expect(o.surrogate(p.parameters, createGraph: false).item < before)
        // The step is along the natural gradient: it raises the exact post-update return.
        #expect(Self.exactObjective(p.flatParameters()) > Self.exactObjective(Self.theta0))
    }

    /// Two inner steps (`innerSteps = 2`): step 2 adapts on samples of θ′ (nodes of π_θ′), the outer samples are
    /// those of θ″; the meta-gradient through both steps equals finite differences of F₂(θ) = mean_g E_g(A_g(A_g(θ))),
    /// A_g(t) = t + α∇E_g(t).
    @Test func twoInnerStepsMetaGradientMatchesTheExactObjective() {
        let p = policy()
        let t0 = Self.theta0
        let step0 = Self.goals.map { Self.quadratureInputs(p, parameters: t0, goal: $0) }
        let step1 = Self.goals.map { Self.quadratureInputs(p, parameters: Self.adapted(t0, $0), goal: $0) }
        let post = Self.goals.map { Self.quadratureInputs(p, parameters: Self.adapted(Self.adapted(t0, $0), $0), goal: $0) }
        let o = MetaObjective(policy: p, innerInputs: [step0, step1], outerInputs: post, innerStepSize: Self.alpha,
                              innerLoss: .lvc)
        for (i, g) in Self.goals.enumerated() {
            #expect(maxDifference(flatten(o.adapted(p.parameters, task: i, createGraph: false)),
                                  Self.adapted(Self.adapted(t0, g), g)) < 1e-12)
        }
        func f2(_ t: [Double]) -> Double {
            Self.goals.reduce(0) { $0 + Self.expected(Self.adapted(Self.adapted(t, $1), $1), $1) } / Double(Self.goals.count)
        }
        let fd = t0.indices.map { k -> Double in
            var up = t0, down = t0
            up[k] += 1e-5
            down[k] -= 1e-5
            return (f2(up) - f2(down)) / 2e-5
        }
        let g = MAMLVPG(policy: p).metaGradient(o)
        #expect(maxDifference(g, fd.map { -$0 }) < 1e-7, "\(g) vs \(fd.map { -$0 })")
    }
}
