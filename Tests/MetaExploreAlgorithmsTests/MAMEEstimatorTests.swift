import Foundation
import MetaExploreAlgorithms
import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor
import Testing

/// Small float64 MAME modules and a two-task objective on hand-made samples (3 exploration episodes of lengths 4, 3,
/// 2 and 2 post-update episodes per task). The identities tested below hold for any samples, so the samples are
/// random numbers rather than rollouts.
func mameFixture(gradient: ExplorationGradient = .dice, loss: MAMEInnerLoss = .regression, steps: Int = 1,
                 reduction: InnerReduction = .episodeMean, outer: MAMEOuterObjective = .policyGradient)
    throws -> (MAMEModules, MAMEObjective) {
    var rng = RandomStream(seed: 11)
    let m = MAMEModules(observationSize: 2, actionSize: 2, latentSize: 3, targetSize: 1, hiddenSizes: [6],
                        activation: .tanh, initialStd: 0.8, dtype: .float64, using: &rng)
    m.latent.assign(Tensor(shape: [3], doubles: [0.2, -0.1, 0.3], dtype: .float64))
    var exploration: [MAMEExplorationInputs] = [], post: [MetaTaskInputs] = []
    for _ in 0..<2 {
        var b = TrajectoryBatch(taskCount: 1, episodesPerTask: 3, horizon: 4, observationSize: 2, actionSize: 2)
        b.lengths = [4, 3, 2]
        for i in b.observations.indices { b.observations[i] = 0.5 * rng.normal() }
        for i in b.actions.indices { b.actions[i] = 0.7 * rng.normal() }
        for i in b.rewards.indices { b.rewards[i] = b.mask[i] * rng.normal() }
        exploration.append(try MAMEExplorationInputs(modules: m, batch: b, target: .returns, targetDiscount: 0.9,
                                                     advantages: AdvantageEstimation()))
        var p = TrajectoryBatch(taskCount: 1, episodesPerTask: 2, horizon: 4, observationSize: 2, actionSize: 2)
        p.lengths = [4, 4]
        for i in p.observations.indices { p.observations[i] = 0.5 * rng.normal() }
        for i in p.actions.indices { p.actions[i] = 0.7 * rng.normal() }
        for i in p.rewards.indices { p.rewards[i] = rng.normal() }
        let shifted = Tensor(shape: [3], doubles: m.latent.doubles.map { $0 + 0.05 }, dtype: .float64)
        let sampling = withoutGradients { m.exploitationParameters(theta: m.theta.map { $0.detached() }, z: shifted) }
        post.append(MetaTaskInputs(policy: m.exploitationView, parameters: sampling, batch: p,
                                   advantages: (0..<8).map { _ in rng.normal() }))
    }
    var inner = MAMEInnerSettings()
    inner.stepSize = 0.3
    inner.steps = steps
    inner.loss = loss
    inner.reduction = reduction
    inner.explorationGradient = gradient
    return (m, MAMEObjective(modules: m, exploration: exploration, post: post, inner: inner, outerObjective: outer,
                             clip: 0.2))
}

/// Central finite difference of f at the flat entry k of tensor t (t is modified and restored).
func centralDifference(_ t: Tensor, _ k: Int, h: Double = 1e-5, _ f: () -> Double) -> Double {
    var values = t.doubles
    let x = values[k]
    values[k] = x + h
    t.assign(Tensor(shape: t.shape, doubles: values, dtype: t.dtype))
    let up = f()
    values[k] = x - h
    t.assign(Tensor(shape: t.shape, doubles: values, dtype: t.dtype))
    let down = f()
    values[k] = x
    t.assign(Tensor(shape: t.shape, doubles: values, dtype: t.dtype))
    return (up - down) / (2 * h)
}

func closeEnough(_ a: Double, _ b: Double, _ tolerance: Double) -> Bool {
    Swift.abs(a - b) <= tolerance * Swift.max(1, Swift.abs(a), Swift.abs(b))
}

@Suite("MAME estimator") struct MAMEEstimatorTests {
    /// z concatenated to the inputs (the seed's Sec. 5) and z folded into the first layer's bias compute the same
    /// M and π and the same gradients with respect to z, β and θ.
    @Test func foldedLatentEqualsConcatenatedInput() throws {
        let (m, _) = try mameFixture()
        var rng = RandomStream(seed: 3)
        let obs = Tensor(shape: [5, 2], doubles: (0..<10).map { _ in rng.normal() }, dtype: .float64)
        let act = Tensor(shape: [5, 2], doubles: (0..<10).map { _ in rng.normal() }, dtype: .float64)
        let folded = m.predict(observations: obs, actions: act, beta: m.beta, z: m.latent)
        let literal = m.predictConcatenated(observations: obs, actions: act, beta: m.beta, z: m.latent)
        for (a, b) in zip(folded.doubles, literal.doubles) { #expect(closeEnough(a, b, 1e-12)) }
        let ga = gradients(of: (folded * folded).sum(), wrt: m.beta + [m.latent])
        let gb = gradients(of: (literal * literal).sum(), wrt: m.beta + [m.latent])
        for (x, y) in zip(ga, gb) { for (a, b) in zip(x.doubles, y.doubles) { #expect(closeEnough(a, b, 1e-11)) } }
        let lpFolded = m.exploitationView.logProbability(observations: obs, actions: act,
                                                         parameters: m.exploitationParameters(theta: m.theta, z: m.latent))
        let lpLiteral = m.exploitationLogProbabilityConcatenated(observations: obs, actions: act, theta: m.theta, z: m.latent)
        for (a, b) in zip(lpFolded.doubles, lpLiteral.doubles) { #expect(closeEnough(a, b, 1e-12)) }
        let pa = gradients(of: lpFolded.sum(), wrt: m.theta + [m.latent])
        let pb = gradients(of: lpLiteral.sum(), wrt: m.theta + [m.latent])
        for (x, y) in zip(pa, pb) { for (a, b) in zip(x.doubles, y.doubles) { #expect(closeEnough(a, b, 1e-11)) } }
    }

    /// `MAME-A1 L6`: the inner step changes only z — every module parameter keeps its value, z′ ≠ z, and
    /// z′ = z − α ∇z L_in with ∇z L_in checked by finite differences (both inner losses; with and without the graph).
    @Test(arguments: [MAMEInnerLoss.regression, .policyGradient])
    func innerStepChangesOnlyTheLatent(loss: MAMEInnerLoss) throws {
        let (m, objective) = try mameFixture(loss: loss)
        let before = m.namedParameters.map { $0.tensor.doubles }
        let graphFree = objective.adaptedLatent(task: 0, theta: m.theta, beta: m.beta, phi: m.phi, z: m.latent,
                                                createGraph: false)
        let withGraph = objective.adaptedLatent(task: 0, theta: m.theta, beta: m.beta, phi: m.phi, z: m.latent)
        #expect(m.namedParameters.map { $0.tensor.doubles } == before)
        let z = m.latent.doubles
        for k in 0..<3 {
            let fd = centralDifference(m.latent, k) {
                withoutGradients { objective.innerLoss(task: 0, theta: m.theta, beta: m.beta, phi: m.phi, z: m.latent).item }
            }
            let expected = z[k] - 0.3 * fd
            #expect(closeEnough(graphFree.doubles[k], expected, 1e-7), "z′[\(k)] \(graphFree.doubles[k]) vs \(expected)")
            #expect(closeEnough(withGraph.doubles[k], graphFree.doubles[k], 1e-12))
            #expect(Swift.abs(graphFree.doubles[k] - z[k]) > 1e-6)
        }
        // The regression loss does not involve π, so z′ does not depend on θ; the VPG-inner loss does.
        let dTheta = gradients(of: withGraph.sum(), wrt: m.theta)
        let thetaNorm = dTheta.reduce(0) { $0 + $1.doubles.reduce(0) { $0 + $1 * $1 } }
        #expect(loss == .regression ? thetaNorm == 0 : thetaNorm > 0)
    }

    /// The DiCE weights are 1 in value and their gradient is the running sum of score functions:
    /// ∇φ Σt ct wt = Σt ct Σ_{t′≤t} ∇φ log μφ(at′|st′) (padded steps excluded).
    @Test func diceWeightsCarryRunningScoreFunctions() throws {
        let (m, objective) = try mameFixture()
        let x = objective.exploration[0]
        let logmu = m.exploration.logProbability(observations: x.observations, actions: x.actions)
        let w = MAMEObjective.diceWeights(logProbabilities: logmu, mask: x.mask, rows: x.rows, horizon: x.horizon)
        #expect(zip(w.doubles, x.batch.mask).allSatisfy { $0.1 == 0 || closeEnough($0.0, 1, 1e-15) })
        var rng = RandomStream(seed: 5)
        let c = (0..<12).map { _ in rng.normal() }
        let g = gradients(of: (w * Tensor(shape: [12], doubles: c, dtype: .float64) * x.mask).sum(), wrt: m.phi)
        // Σt ct Σ_{t′≤t} ∇ log μ_t′ = Σ_t′ ∇ log μ_t′ Σ_{t≥t′} ct: one backward with those coefficients.
        var coefficient = [Double](repeating: 0, count: 12)
        for row in 0..<3 {
            var running = 0.0
            for t in stride(from: x.batch.lengths[row] - 1, through: 0, by: -1) {
                running += c[row * 4 + t]
                coefficient[row * 4 + t] = running
            }
        }
        let expected = gradients(of: (logmu * Tensor(shape: [12], doubles: coefficient, dtype: .float64)).sum(), wrt: m.phi)
        for (a, b) in zip(g, expected) { for (p, q) in zip(a.doubles, b.doubles) { #expect(closeEnough(p, q, 1e-12)) } }
    }

    /// Eq. 2–3 and Eq. 5: with vanilla DiCE, ∇φ of −(outer loss) equals Σ_{t′} ∇φ log μφ(at′|st′) R_{t′}^μ with
    /// R^μ the reverse running sum of r^μ, per sample; r_t^μ = ∂J/∂ωt equals −α c (∇z′J)ᵀ ∇z ℓt (Eq. 5 with the
    /// reduction's 1/episodes = c and the sign the derivation gives) and finite differences of J in ωt.
    @Test func diceGradientIsTheScoreFunctionFormOfEquations2To5() throws {
        let (m, objective) = try mameFixture(gradient: .dice)
        let weights = objective.unitWeights()
        let loss = objective.outerLoss(theta: m.theta, beta: m.beta, phi: m.phi, z: m.latent, weights: weights)
        let g = gradients(of: loss, wrt: m.phi + weights)
        let gPhi = Array(g[0..<m.phi.count])
        let rewards = objective.explorationRewards(outerLossGradientsOfWeights: Array(g[m.phi.count...]))
        let returns = zip(rewards, objective.exploration).map { r, x in
            Returns.discounted(rewards: r, lengths: x.batch.lengths, horizon: x.batch.horizon, gamma: 1)
        }
        let scoreForm = gradients(of: objective.explorationPolicyGradientLoss(phi: m.phi, advantages: returns), wrt: m.phi)
        var largest = 0.0
        for (a, b) in zip(gPhi, scoreForm) {
            for (p, q) in zip(a.doubles, b.doubles) {
                #expect(closeEnough(p, q, 1e-11), "DiCE \(p) vs score-function form \(q)")
                largest = Swift.max(largest, Swift.abs(p))
            }
        }
        #expect(largest > 1e-4)   // not a vacuous zero

        // Eq. 5 written out for task 1: ∇z′ of the task's outer term at z′, ∇z ℓt at z, one backward per step.
        let i = 1, alpha = 0.3, c = 1.0 / 3.0, tasks = 2.0
        let zPrime = objective.adaptedLatent(task: i, theta: m.theta, beta: m.beta, phi: m.phi, z: m.latent,
                                             createGraph: false).requiringGrad()
        let termGradient = gradients(of: objective.outerTerm(task: i, parameters: m.exploitationParameters(theta: m.theta, z: zPrime)),
                                     wrt: [zPrime])[0].doubles
        let dJdz = termGradient.map { -$0 / tasks }
        let steps = objective.stepLosses(task: i, theta: m.theta, beta: m.beta, z: m.latent)
        for t in 0..<12 where objective.exploration[i].batch.mask[t] > 0 {
            let gl = gradients(of: steps.slice(axis: 0, t..<(t + 1)).sum(), wrt: [m.latent])[0].doubles
            let eq5 = -alpha * c * zip(dJdz, gl).reduce(0) { $0 + $1.0 * $1.1 }
            #expect(closeEnough(rewards[i][t], eq5, 1e-11), "r[\(t)] \(rewards[i][t]) vs Eq. 5 \(eq5)")
        }
        // r_t = ∂J/∂ωt by finite differences.
        for t in [0, 5, 9] {
            let probe = objective.unitWeights()
            let fd = centralDifference(probe[i], t) {
                withoutGradients {
                    -objective.outerLoss(theta: m.theta, beta: m.beta, phi: m.phi, z: m.latent, weights: probe,
                                         createGraph: false).item
                }
            }
            #expect(closeEnough(rewards[i][t], fd, 1e-6), "r[\(t)] \(rewards[i][t]) vs finite difference \(fd)")
        }
        // Padded steps earn nothing.
        #expect(rewards[0][11] == 0 && rewards[0][10] == 0 && rewards[0][7] == 0)
    }

    /// The outer loss through the inner step (`MAME-A1 L9`) against finite differences in z, θ and β, for one and
    /// two inner steps and both outer objectives. (φ enters the loss only through DiCE weights whose value is 1, so
    /// its DiCE gradient is not a derivative of the value; it is checked against the score-function form above.)
    /// With the low-variance estimator φ has no path through the outer loss (its gradient comes from Eq. 2–5).
    @Test(arguments: [(1, MAMEOuterObjective.policyGradient), (2, .policyGradient), (1, .ppo)])
    func outerGradientMatchesFiniteDifferences(steps: Int, outer: MAMEOuterObjective) throws {
        let (m, objective) = try mameFixture(gradient: .dice, steps: steps, outer: outer)
        let params = [m.latent, m.theta[0], m.theta[1], m.theta[m.theta.count - 1], m.beta[0], m.beta[3]]
        let g = gradients(of: objective.outerLoss(theta: m.theta, beta: m.beta, phi: m.phi, z: m.latent), wrt: params)
        var rng = RandomStream(seed: 9)
        for (p, gp) in zip(params, g) {
            for _ in 0..<2 {
                let k = Int(rng.next() % UInt64(p.count))
                let fd = centralDifference(p, k) {
                    withoutGradients {
                        objective.outerLoss(theta: m.theta, beta: m.beta, phi: m.phi, z: m.latent, createGraph: false).item
                    }
                }
                #expect(closeEnough(gp.doubles[k], fd, 2e-6), "analytic \(gp.doubles[k]) vs finite difference \(fd)")
            }
        }
        let (lm, low) = try mameFixture(gradient: .lowVariance, steps: steps, outer: outer)
        let gLow = gradients(of: low.outerLoss(theta: lm.theta, beta: lm.beta, phi: lm.phi, z: lm.latent), wrt: lm.phi)
        #expect(gLow.allSatisfy { $0.doubles.allSatisfy { $0 == 0 } })
    }

    /// The learner's φ gradient: vanilla DiCE takes the outer loss's; the low-variance estimator with λ = 1 and no
    /// baseline would equal it — with the fitted baseline it is Σ ∇ log μ (R − V) (checked by recomputing it), and
    /// the E-MAML variant is −meanᵢ R̃ᵢ mean_t ∇ log μ.
    @Test func learnerUsesTheChosenEstimator() throws {
        for gradient in [ExplorationGradient.dice, .lowVariance, .emaml] {
            let (m, objective) = try mameFixture(gradient: gradient)
            var exploration = MAMEExplorationSettings()
            exploration.gradient = gradient
            exploration.lambda = 1
            let learner = MAMELearner(modules: m, outer: MAMEOuterSettings(), exploration: exploration)
            let g = try learner.epochGradients(objective)
            let expected: [Tensor]
            switch gradient {
            case .dice:
                expected = gradients(of: objective.outerLoss(theta: m.theta, beta: m.beta, phi: m.phi, z: m.latent), wrt: m.phi)
            case .lowVariance:
                let advantages = try zip(g.explorationRewards, objective.exploration).map { r, x in
                    try MAMEObjective.explorationAdvantages(rewards: r, batch: x.batch, lambda: 1)
                }
                #expect(advantages == g.explorationAdvantages)
                expected = gradients(of: objective.explorationPolicyGradientLoss(phi: m.phi, advantages: advantages), wrt: m.phi)
            case .emaml:
                expected = gradients(of: objective.emamlLoss(phi: m.phi), wrt: m.phi)
            }
            for (a, b) in zip(g.phi, expected) {
                for (p, q) in zip(a.doubles, b.doubles) { #expect(closeEnough(p, q, 1e-12), "\(gradient)") }
            }
            #expect(g.phi.contains { $0.doubles.contains { $0 != 0 } })
        }
    }

    /// The targets M̄ by hand: discounted returns, rewards, next observations (the last step of an episode carries
    /// none).
    @Test func selfSupervisionTargets() {
        var b = TrajectoryBatch(taskCount: 1, episodesPerTask: 2, horizon: 3, observationSize: 1, actionSize: 1)
        b.lengths = [3, 2]
        b.rewards = [1, 0, 2, 4, 1, 0]
        b.observations = [10, 11, 12, 20, 21, 0]
        let r = MAMEExplorationInputs.targets(b, target: .returns, discount: 0.5)
        let expectedReturns: [Double] = [1.5, 1, 2, 4.5, 1, 0]   // 1 + 0.5·(0 + 0.5·2), 0 + 0.5·2, 2, 4 + 0.5·1, 1
        #expect(r.values == expectedReturns)
        #expect(r.mask == [1, 1, 1, 1, 1, 0])
        #expect(MAMEExplorationInputs.targets(b, target: .rewards, discount: 0.5).values == [1, 0, 2, 4, 1, 0])
        let n = MAMEExplorationInputs.targets(b, target: .nextState, discount: 0.5)
        #expect(n.values == [11, 12, 0, 21, 0, 0] && n.mask == [1, 1, 0, 1, 0, 0])
    }
}

/// Eq. 4's advantage against the score-function (vanilla DiCE) form, in expectation, on a problem small enough to
/// enumerate: two steps, two actions, a softmax μφ(a|s) with a logit table φ [2 states × 2 actions]; the
/// expectations are exact sums over the four trajectories (a0, a1).
///
/// - Markov rewards r_t(s_t, a_t) with s1 = a0 and the exact value V_1(s1) = E[r_1 | s1]: Eq. 4's estimator, the
///   DiCE form Σt ∇log μ_t R_t and the true gradient ∇φ E[r_0 + r_1] agree — where the seed's replacement of R^μ by
///   A^μ (Mnih et al. 2016) is unbiased.
/// - Rewards that depend on earlier actions beyond the state (s1 carries nothing, r_1 depends on a0), which is the
///   case of MAME's r_t^μ (every r_t^μ depends on all actions of the batch through z′ and on later rewards through
///   the return targets): Eq. 4 with the best state-only value is **biased**, by exactly E[∇log μ_0 (V_1 − r_1)];
///   λ = 1 (R − V) stays unbiased.
/// - Rewards that depend on later actions (r_0 depends on a1): the DiCE form itself is not the gradient of
///   E[Σ r]: it drops E[∇log μ_1 r_0] (the seed's estimator treats ∇z′J and M̄ as fixed, so it inherits this).
@Suite("MAME exploration-advantage expectations") struct MAMEAdvantageExpectationTests {
    struct Toy {
        var stateAfterFirst: (Int) -> Int
        var r0: (Int, Int) -> Double
        var r1: (Int, Int) -> Double
    }

    let logits = [0.3, -0.4, 0.8, 0.1]

    /// (DiCE form, Eq. 4 with exact state values and λ, true gradient), each ∇φ as 4 numbers.
    func expectations(_ toy: Toy, lambda: Double) -> (dice: [Double], eq4: [Double], truth: [Double]) {
        let phi = Tensor(shape: [2, 2], doubles: logits, dtype: .float64).requiringGrad()
        let logp = phi.logSoftmax().reshaped([4])
        func lp(_ s: Int, _ a: Int) -> Tensor { logp.gather(indices: [s * 2 + a], axis: 0).sum() }
        let p = logp.exp().doubles
        // Exact V_1(s1) = E[r1 | s1] (the expectation over a1 given s1, with a0 marginalized within the state).
        var v1 = [0.0, 0.0], mass = [0.0, 0.0]
        for a0 in 0..<2 {
            let s1 = toy.stateAfterFirst(a0)
            for a1 in 0..<2 {
                let w = p[a0] * p[s1 * 2 + a1]
                v1[s1] += w * toy.r1(a0, a1)
                mass[s1] += w
            }
        }
        for s in 0..<2 where mass[s] > 0 { v1[s] /= mass[s] }
        var v0 = 0.0
        for a0 in 0..<2 { for a1 in 0..<2 { v0 += p[a0] * p[toy.stateAfterFirst(a0) * 2 + a1] * (toy.r0(a0, a1) + toy.r1(a0, a1)) } }
        var dice: Tensor? = nil, eq4: Tensor? = nil, truth: Tensor? = nil
        for a0 in 0..<2 {
            for a1 in 0..<2 {
                let s1 = toy.stateAfterFirst(a0)
                let prob = p[a0] * p[s1 * 2 + a1]
                let r = [toy.r0(a0, a1), toy.r1(a0, a1)]
                let l0 = lp(0, a0), l1 = lp(s1, a1)
                let d = (l0 * (r[0] + r[1]) + l1 * r[1]) * prob
                let adv = MAMEObjective.explorationAdvantages(rewards: r, values: [v0, v1[s1]], lengths: [2], horizon: 2,
                                                              lambda: lambda)
                let e = (l0 * adv[0] + l1 * adv[1]) * prob
                let pathProbability = (l0 + l1).exp() * (r[0] + r[1])
                dice = dice.map { $0 + d } ?? d
                eq4 = eq4.map { $0 + e } ?? e
                truth = truth.map { $0 + pathProbability } ?? pathProbability
            }
        }
        func grad(_ t: Tensor?) -> [Double] { gradients(of: t!, wrt: [phi])[0].doubles }
        return (grad(dice), grad(eq4), grad(truth))
    }

    @Test func eq4IsUnbiasedForMarkovRewards() {
        let toy = Toy(stateAfterFirst: { $0 }, r0: { a0, _ in [1.0, -0.5][a0] },
                      r1: { a0, a1 in [[0.3, 2.0], [-1.0, 0.7]][a0][a1] })
        let e = expectations(toy, lambda: 0)
        for k in 0..<4 {
            #expect(closeEnough(e.dice[k], e.truth[k], 1e-12))
            #expect(closeEnough(e.eq4[k], e.dice[k], 1e-12))
        }
        #expect(e.truth.contains { Swift.abs($0) > 1e-2 })
    }

    @Test func eq4IsBiasedWhenLaterRewardsDependOnEarlierActionsBeyondTheState() {
        let r1: (Int, Int) -> Double = { a0, a1 in [[0.3, 2.0], [-1.0, 0.7]][a0][a1] }
        let toy = Toy(stateAfterFirst: { _ in 0 }, r0: { a0, _ in [1.0, -0.5][a0] }, r1: r1)
        let e = expectations(toy, lambda: 0)
        let unbiased = expectations(toy, lambda: 1)
        for k in 0..<4 {
            #expect(closeEnough(e.dice[k], e.truth[k], 1e-12))
            #expect(closeEnough(unbiased.eq4[k], e.dice[k], 1e-12))
        }
        // The bias of Eq. 4, E[∇ log μ_0 (V_1 − r_1)], computed directly.
        let phi = Tensor(shape: [2, 2], doubles: logits, dtype: .float64).requiringGrad()
        let logp = phi.logSoftmax().reshaped([4])
        let p = logp.exp().doubles
        var v1 = 0.0
        for a0 in 0..<2 { for a1 in 0..<2 { v1 += p[a0] * p[a1] * r1(a0, a1) } }
        var bias: Tensor? = nil
        for a0 in 0..<2 {
            for a1 in 0..<2 {
                let term = logp.gather(indices: [a0], axis: 0).sum() * (p[a0] * p[a1] * (v1 - r1(a0, a1)))
                bias = bias.map { $0 + term } ?? term
            }
        }
        let b = gradients(of: bias!, wrt: [phi])[0].doubles
        #expect(b.contains { Swift.abs($0) > 1e-2 })
        for k in 0..<4 { #expect(closeEnough(e.eq4[k] - e.dice[k], b[k], 1e-12)) }
    }

    @Test func diceFormDropsTheDependenceOfEarlierRewardsOnLaterActions() {
        let toy = Toy(stateAfterFirst: { $0 }, r0: { a0, a1 in [[1.0, -2.0], [0.5, 1.5]][a0][a1] },
                      r1: { _, _ in 0 })
        let e = expectations(toy, lambda: 0)
        let missing = zip(e.truth, e.dice).map { $0 - $1 }
        #expect(missing.contains { Swift.abs($0) > 1e-2 })
        // The missing part only involves the second step's logits (φ of states 0 and 1 at step 1): with s1 = a0 it
        // is E[∇ log μ(a1|s1) r0]; recompute it.
        let phi = Tensor(shape: [2, 2], doubles: logits, dtype: .float64).requiringGrad()
        let logp = phi.logSoftmax().reshaped([4])
        let p = logp.exp().doubles
        var term: Tensor? = nil
        for a0 in 0..<2 {
            for a1 in 0..<2 {
                let t = logp.gather(indices: [a0 * 2 + a1], axis: 0).sum() * (p[a0] * p[a0 * 2 + a1] * toy.r0(a0, a1))
                term = term.map { $0 + t } ?? t
            }
        }
        let expected = gradients(of: term!, wrt: [phi])[0].doubles
        for k in 0..<4 { #expect(closeEnough(missing[k], expected[k], 1e-12)) }
    }
}
