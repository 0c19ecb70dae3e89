import Foundation
import MetaExploreAlgorithms
import MetaExploreEnvironments
import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor
import Testing

/// A one-step bandit: observation [1], one action a, reward −(a − target)², then the episode ends.
/// With a ~ N(μ, σ²): E[R] = −((μ − target)² + σ²), ∂E/∂μ = −2(μ − target), ∂E/∂log σ = −2σ².
final class QuadraticBandit: Environment {
    let observationSpace = Box.unbounded(1)
    let actionSpace = Space.box(Box(low: -10, high: 10, count: 1))
    let target: Double
    init(target: Double) { self.target = target }
    func reset(seed: UInt64?, options: [String: Double]) throws -> (observation: [Double], info: Info) { ([1], Info()) }
    func step(_ action: [Double]) throws -> StepResult {
        StepResult(observation: [1], reward: -(action[0] - target) * (action[0] - target), terminated: true, truncated: false)
    }
}

@Suite("Policy gradients (VPG, PPO, TRPO)") struct PolicyGradientTests {
    /// A linear-Gaussian policy on the bandit: μ = w·1 + b, in float64.
    func linearPolicy(seed: UInt64 = 0, std: Double = 1) -> GaussianMLPPolicy {
        var rng = RandomStream(seed: seed)
        return GaussianMLPPolicy(observationSize: 1, actionSize: 1, hiddenSizes: [], initialStd: std, dtype: .float64,
                                 using: &rng)
    }

    func mean(_ p: GaussianMLPPolicy) -> Double { p.meanAction(observation: [1])[0] }
    func expectedReturn(_ p: GaussianMLPPolicy, target: Double) -> Double {
        let m = mean(p), s = Foundation.exp(p.logStd.doubles[0])
        return -((m - target) * (m - target) + s * s)
    }

    /// The exact expectation of the VPG estimator by Gauss–Hermite quadrature: with nodes z ∈ {−√3, 0, √3} and
    /// weights {1/6, 2/3, 1/6}, Σ wᵢ f(zᵢ) = E[f(z)] exactly for polynomials of degree ≤ 5, and ∇ log π · R is a
    /// polynomial of degree ≤ 4 in z. The VPG loss on those three actions with advantages 3·wᵢ·R(aᵢ) therefore has
    /// gradient −∇E[R] exactly.
    @Test func vpgEstimatorHasTheExactGradientInExpectation() throws {
        let policy = linearPolicy(std: 0.7)
        let target = 1.5
        let m = mean(policy), s = 0.7
        let nodes = [-3.0.squareRoot(), 0, 3.0.squareRoot()], weights = [1.0 / 6, 2.0 / 3, 1.0 / 6]
        var batch = TrajectoryBatch(taskCount: 1, episodesPerTask: 3, horizon: 1, observationSize: 1, actionSize: 1)
        batch.lengths = [1, 1, 1]
        batch.observations = [1, 1, 1]
        batch.actions = nodes.map { m + s * $0 }
        let advantages = zip(batch.actions, weights).map { a, w in 3 * w * -((a - target) * (a - target)) }
        let inputs = PolicyGradientInputs(policy: policy, batch: batch, advantages: advantages)
        let grads = gradients(of: VanillaPolicyGradient.loss(policy: policy, inputs: inputs), wrt: policy.parameters)
        // Parameters: weight [1, 1], bias [1], logStd [1]. −∇E[R]: 2(μ − target) for w and b, 2σ² for log σ.
        #expect(abs(grads[0].doubles[0] - 2 * (m - target)) < 1e-12)
        #expect(abs(grads[1].doubles[0] - 2 * (m - target)) < 1e-12)
        #expect(abs(grads[2].doubles[0] - 2 * s * s) < 1e-12)
    }

    /// The sampled estimator: its mean over 4000 episodes collected with the policy matches the exact gradient
    /// within five standard errors, and the autodiff gradient equals the mean of the per-sample terms.
    @Test func vpgEstimatorMonteCarloMatches() throws {
        let policy = linearPolicy(seed: 3)
        let env = QuadraticBandit(target: 0.5)
        var rng = RandomStream(seed: 11)
        let batch = try collectEpisodes(environment: env, policy: policy, episodes: 4000, horizon: 1, using: &rng)
        #expect(batch.lengths.allSatisfy { $0 == 1 })
        let inputs = PolicyGradientInputs(policy: policy, batch: batch, advantages: batch.rewards)
        let g = gradients(of: VanillaPolicyGradient.loss(policy: policy, inputs: inputs), wrt: policy.parameters)
        let m = mean(policy)
        let terms = zip(batch.actions, batch.rewards).map { a, r in -(a - m) * r }  // σ = 1
        let avg = terms.reduce(0, +) / 4000
        let sd = (terms.map { ($0 - avg) * ($0 - avg) }.reduce(0, +) / 3999).squareRoot()
        #expect(abs(g[1].doubles[0] - avg) < 1e-9)
        #expect(abs(avg - 2 * (m - 0.5)) < 5 * sd / 4000.0.squareRoot())
        // Stored log-probabilities are the sampling policy's.
        #expect(abs(inputs.oldLogProbabilities.doubles[0] - batch.logProbabilities[0]) < 1e-12)
    }

    func randomInputs(policy: GaussianMLPPolicy, seed: UInt64) -> PolicyGradientInputs {
        var rng = RandomStream(seed: seed)
        var batch = TrajectoryBatch(taskCount: 1, episodesPerTask: 4, horizon: 5, observationSize: 2, actionSize: 2)
        batch.lengths = [5, 3, 5, 4]
        for i in 0..<batch.observations.count { batch.observations[i] = rng.normal() }
        for i in 0..<batch.actions.count { batch.actions[i] = rng.normal() }
        let advantages = (0..<batch.stepCount).map { _ in rng.normal() }
        return PolicyGradientInputs(policy: policy, batch: batch, advantages: advantages)
    }

    func smallPolicy(seed: UInt64) -> GaussianMLPPolicy {
        var rng = RandomStream(seed: seed)
        return GaussianMLPPolicy(observationSize: 2, actionSize: 2, hiddenSizes: [5], activation: .tanh,
                                 initialStd: 0.8, dtype: .float64, using: &rng)
    }

    /// H v by double backward against central differences of ∇KL along v (away from θ_old, where the KL's
    /// gradient is not zero).
    @Test func fisherVectorProductMatchesFiniteDifferences() {
        let policy = smallPolicy(seed: 5)
        let inputs = randomInputs(policy: policy, seed: 6)
        var rng = RandomStream(seed: 7)
        let theta = policy.flatParameters().map { $0 + 0.3 * rng.normal() }
        policy.setFlatParameters(theta)
        let v = theta.map { _ in rng.normal() }
        let hv = TrustRegionPolicyOptimization.fisherVectorProduct(policy: policy, inputs: inputs, damping: 0)(v)
        func klGradient(at p: [Double]) -> [Double] {
            policy.setFlatParameters(p)
            let kl = PolicyGradientLoss.meanKL(old: inputs.oldDistribution,
                                               new: policy.distribution(inputs.observations), mask: inputs.mask)
            return flatten(gradients(of: kl, wrt: policy.parameters))
        }
        let eps = 1e-5
        let plus = klGradient(at: zip(theta, v).map { $0 + eps * $1 })
        let minus = klGradient(at: zip(theta, v).map { $0 - eps * $1 })
        let scale = hv.map(abs).max()!
        #expect(scale > 1e-3)
        for i in hv.indices { #expect(abs((plus[i] - minus[i]) / (2 * eps) - hv[i]) < 1e-6 * scale) }
        // Damping adds damping·v.
        policy.setFlatParameters(theta)
        let damped = TrustRegionPolicyOptimization.fisherVectorProduct(policy: policy, inputs: inputs, damping: 0.5)(v)
        for i in hv.indices { #expect(abs(damped[i] - hv[i] - 0.5 * v[i]) < 1e-12) }
    }

    @Test func trpoStepRespectsTheTrustRegionAndImproves() {
        let policy = smallPolicy(seed: 8)
        let inputs = randomInputs(policy: policy, seed: 9)
        let trpo = TrustRegionPolicyOptimization(policy: policy)
        let stats = trpo.update(inputs)
        #expect(stats.accepted)
        #expect(stats.kl <= 0.01 && stats.kl > 0)
        #expect(stats.lossAfter < stats.lossBefore)
        #expect(stats.stepFraction > 0 && stats.stepFraction <= 1)
    }

    /// A step along the *ascent* direction can never lower the surrogate: every backtrack is rejected and the
    /// parameters come back bit for bit.
    @Test func lineSearchRevertsARejectedStepExactly() {
        let policy = smallPolicy(seed: 10)
        let inputs = randomInputs(policy: policy, seed: 11)
        let before = policy.flatParameters()
        let loss = TrustRegionPolicyOptimization.surrogate(policy: policy, inputs: inputs)
        let g = flatten(gradients(of: loss, wrt: policy.parameters))
        var evaluations = 0
        let result = TrustRegionPolicyOptimization.backtrackingLineSearch(
            parameters: policy.parameters, fullStep: g.map { $0 * 1e-3 }, lossBefore: loss.item, maxKL: 0.01
        ) {
            evaluations += 1
            return withoutGradients {
                (TrustRegionPolicyOptimization.surrogate(policy: policy, inputs: inputs).item,
                 PolicyGradientLoss.meanKL(old: inputs.oldDistribution, new: policy.distribution(inputs.observations),
                                           mask: inputs.mask).item)
            }
        }
        #expect(!result.accepted && result.stepFraction == 0)
        #expect(evaluations == 15)
        #expect(policy.flatParameters() == before)
        // A descent step too long for the trust region is shortened until the KL holds.
        let long = TrustRegionPolicyOptimization.backtrackingLineSearch(
            parameters: policy.parameters, fullStep: g.map { -$0 * 0.5 }, lossBefore: loss.item, maxKL: 0.01
        ) {
            withoutGradients {
                (TrustRegionPolicyOptimization.surrogate(policy: policy, inputs: inputs).item,
                 PolicyGradientLoss.meanKL(old: inputs.oldDistribution, new: policy.distribution(inputs.observations),
                                           mask: inputs.mask).item)
            }
        }
        #expect(long.accepted && long.stepFraction < 1 && long.kl <= 0.01 && long.loss < loss.item)
        #expect(abs(long.stepFraction - pow(0.8, 8)) < 1e-12)  // the full step's KL is 0.44; 0.8⁸ brings it to 0.0089
    }

    @Test func ppoClipFlattensTheObjectiveOutsideTheClipRange() {
        // Ratios e^{±0.5} lie outside [0.8, 1.2]: with positive advantage and r > 1 + ε the clipped term wins and
        // the gradient vanishes; with r < 1 − ε and positive advantage the unclipped term wins.
        let lp = Tensor(shape: [2], doubles: [0.5, -0.5]).requiringGrad()
        let old = Tensor(shape: [2], doubles: [0, 0])
        let adv = Tensor(shape: [2], doubles: [1, 1])
        let mask = Tensor(shape: [2], doubles: [1, 1])
        let loss = PolicyGradientLoss.clipped(logProbabilities: lp, oldLogProbabilities: old, advantages: adv,
                                              mask: mask, clip: 0.2)
        #expect(abs(loss.item + (1.2 + Foundation.exp(-0.5)) / 2) < 1e-12)
        let g = gradient(of: loss, wrt: lp).doubles
        #expect(g[0] == 0 && abs(g[1] + Foundation.exp(-0.5) / 2) < 1e-12)
    }

    /// Each algorithm, a few iterations on the bandit from a fixed seed: the exact expected return rises and the
    /// mean moves toward the target.
    @Test(arguments: ["vpg", "ppo", "trpo"])
    func improvesATinyTask(algorithm: String) throws {
        let policy = linearPolicy(seed: 2)
        let target = 1.0
        let env = QuadraticBandit(target: target)
        var rng = RandomStream(seed: 21)
        let vpg: VanillaPolicyGradient = {
            var c = VanillaPolicyGradient.Configuration()
            c.learningRate = 0.05
            return VanillaPolicyGradient(policy: policy, configuration: c)
        }()
        let ppo: ProximalPolicyOptimization = {
            var c = ProximalPolicyOptimization.Configuration()
            c.learningRate = 0.05
            return ProximalPolicyOptimization(policy: policy, configuration: c)
        }()
        let trpo = TrustRegionPolicyOptimization(policy: policy)
        let start = expectedReturn(policy, target: target), startGap = abs(mean(policy) - target)
        for _ in 0..<15 {
            let batch = try collectEpisodes(environment: env, policy: policy, episodes: 64, horizon: 1, using: &rng)
            let advantages = Returns.normalized(batch.rewards, mask: batch.mask)
            let inputs = PolicyGradientInputs(policy: policy, batch: batch, advantages: advantages)
            switch algorithm {
            case "vpg": vpg.update(inputs)
            case "ppo": ppo.update(inputs)
            default: #expect(trpo.update(inputs).kl <= 0.01)
            }
        }
        let end = expectedReturn(policy, target: target)
        #expect(end > start + 0.2, "\(algorithm): \(start) → \(end)")
        #expect(abs(mean(policy) - target) < startGap, "\(algorithm)")
    }

    /// The functional forward with explicit parameters: an inner step θ′ = θ − α∇L(θ) built with `createGraph` can
    /// be differentiated through (MAML's outer gradient), and at the policy's own parameters it equals the
    /// plain forward.
    @Test func innerStepIsDifferentiableThroughTheFunctionalForward() {
        let policy = smallPolicy(seed: 12)
        let inputs = randomInputs(policy: policy, seed: 13)
        let theta = policy.parameters
        let inner = VanillaPolicyGradient.loss(policy: policy, inputs: inputs, parameters: theta)
        #expect(abs(inner.item - VanillaPolicyGradient.loss(policy: policy, inputs: inputs).item) < 1e-14)
        let g = gradients(of: inner, wrt: theta, createGraph: true)
        let adapted = zip(theta, g).map { $0 - $1 * 0.1 }
        let outer = policy.entropy(observations: inputs.observations, parameters: adapted).mean()
            + VanillaPolicyGradient.loss(policy: policy, inputs: inputs, parameters: adapted)
        let metaGradient = flatten(gradients(of: outer, wrt: theta))
        // Central differences of the whole two-level objective.
        func objective(_ p: [Double]) -> Double {
            policy.setFlatParameters(p)
            let t = policy.parameters
            let gi = gradients(of: VanillaPolicyGradient.loss(policy: policy, inputs: inputs, parameters: t), wrt: t)
            let a = withoutGradients { zip(t, gi).map { $0 - $1 * 0.1 } }
            return withoutGradients {
                (policy.entropy(observations: inputs.observations, parameters: a).mean()
                    + VanillaPolicyGradient.loss(policy: policy, inputs: inputs, parameters: a)).item
            }
        }
        let base = policy.flatParameters()
        for i in [0, 3, base.count - 1] {
            var up = base, down = base
            up[i] += 1e-6
            down[i] -= 1e-6
            let fd = (objective(up) - objective(down)) / 2e-6
            #expect(abs(fd - metaGradient[i]) < 1e-6 * max(1, abs(fd)), "parameter \(i)")
        }
        policy.setFlatParameters(base)
    }
}
