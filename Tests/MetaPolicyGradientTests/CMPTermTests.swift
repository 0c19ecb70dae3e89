import Foundation
import MetaExploreAlgorithms
import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor
import Testing

/// Sets every parameter of an MLP to 0 and its output bias to `bias`, so it maps every input to `bias`.
func makeConstant(_ network: MLP, bias: Double) {
    for p in network.parameters { p.assign(Tensor.zeros(p.shape, dtype: p.dtype)) }
    let outBias = network.parameters.last!
    outBias.assign(Tensor.full(outBias.shape, bias, dtype: outBias.dtype))
}

func column(_ values: [Double]) -> Tensor { Tensor(shape: [values.count, 1], doubles: values, dtype: .float32) }

@Suite struct CounterfactualValueTests {
    let terms = CounterfactualTerms(metaQExploration: 3, metaQExploitation: 1, criticExploration: 10,
                                    criticExploitation: 4)

    @Test func gainCostAndValueByHand() {
        // β = 0.5: Gain = 3 + 0.5·10 = 8, Cost = 1 + 0.5·4 = 3, CV = 5.
        #expect(counterfactualGain(terms, beta: 0.5) == 8)
        #expect(counterfactualCost(terms, beta: 0.5) == 3)
        #expect(counterfactualValue(terms, beta: 0.5) == 5)
        // β = 1 is Def. 3.3 as printed: (3 + 10) − (1 + 4).
        #expect(counterfactualValue(terms, beta: 1) == 8)
        #expect(counterfactualValue(terms, beta: 1) == counterfactualGain(terms, beta: 1) - counterfactualCost(terms, beta: 1))
    }

    @Test func variantsPickTheirAdvantage() {
        #expect(explorationAdvantage(terms, metaReward: -7, variant: .cmp(beta: 2)) == 2 + 2 * 6)
        // MA2C: Q(π, τ̄πe) alone by default; with the counterfactual baseline it is CMP-0.
        #expect(explorationAdvantage(terms, metaReward: -7, variant: .ma2c) == 3)
        #expect(explorationAdvantage(terms, metaReward: -7, variant: .ma2c, ma2cBaseline: .counterfactual) == 2)
        #expect(explorationAdvantage(terms, metaReward: -7, variant: .l2explore) == -7)
    }

    @Test func betaZeroReducesToMA2C() {
        let cmp0 = explorationAdvantage(terms, metaReward: 0, variant: .cmp(beta: 0))
        let ma2c = explorationAdvantage(terms, metaReward: 0, variant: .ma2c, ma2cBaseline: .counterfactual)
        #expect(cmp0 == ma2c)
        // The critic terms have no effect at β = 0.
        var other = terms
        other.criticExploration = -100
        #expect(explorationAdvantage(other, metaReward: 0, variant: .cmp(beta: 0)) == cmp0)
        #expect(!CMPVariant.cmp(beta: 0).usesStudentCritic && CMPVariant.cmp(beta: 1).usesStudentCritic)
        #expect(CMPVariant.ma2c.beta == 0 && CMPVariant.l2explore.beta == nil)
        #expect("\(CMPVariant.cmp(beta: 1))" == "CMP-1" && "\(CMPVariant.ma2c)" == "MA2C")
    }

    /// Q̂(s, a) = a (one action dimension), Q(s, a) = s·a on three states; πe's actions vs π's by hand.
    @Test func termsFromClosuresByHand() {
        let states = column([1, 2, 3])
        let explore = column([0.5, -1, 1])
        let exploit = column([0, 0.5, 0.5])
        let metaQ: (Tensor, Tensor) -> Tensor = { _, a in a }
        let critic: (Tensor, Tensor) -> Tensor = { s, a in s * a }
        let sum = estimateCounterfactualTerms(observations: states, explorationActions: explore,
                                              exploitationActions: exploit, metaQ: metaQ, critic: critic)
        #expect(abs(sum.metaQExploration - 0.5) < 1e-6)        // 0.5 − 1 + 1
        #expect(abs(sum.metaQExploitation - 1) < 1e-6)         // 0 + 0.5 + 0.5
        #expect(abs(sum.criticExploration - 1.5) < 1e-6)       // 0.5 − 2 + 3
        #expect(abs(sum.criticExploitation - 2.5) < 1e-6)      // 0 + 1 + 1.5
        // Â (β = 1) = (0.5 − 1) + (1.5 − 2.5) = −1.5.
        #expect(abs(counterfactualValue(sum, beta: 1) + 1.5) < 1e-6)
        let mean = estimateCounterfactualTerms(observations: states, explorationActions: explore,
                                               exploitationActions: exploit, metaQ: metaQ, critic: nil,
                                               metaQReduction: .mean)
        #expect(abs(mean.metaQExploration - 0.5 / 3) < 1e-6 && abs(mean.metaQExploitation - 1.0 / 3) < 1e-6)
        #expect(mean.criticExploration == 0 && mean.criticExploitation == 0)
    }

    /// Â > 0 exactly when πe's actions score higher than π's, under both Q̂ and the student critic.
    @Test func advantageSignFollowsTheActionsValues() {
        let states = column([0.1, 0.2, 0.3, 0.4])
        let better = column([0.8, 0.7, 0.9, 0.8])
        let worse = column([-0.5, -0.4, -0.6, -0.5])
        // Both estimators peak at a = 0.8.
        let q: (Tensor, Tensor) -> Tensor = { _, a in -((a - 0.8) * (a - 0.8)) }
        for beta in [0.0, 1.0, 3.0] {
            let up = estimateCounterfactualTerms(observations: states, explorationActions: better,
                                                 exploitationActions: worse, metaQ: q, critic: q)
            let down = estimateCounterfactualTerms(observations: states, explorationActions: worse,
                                                   exploitationActions: better, metaQ: q, critic: q)
            #expect(explorationAdvantage(up, metaReward: 0, variant: .cmp(beta: beta)) > 0)
            #expect(explorationAdvantage(down, metaReward: 0, variant: .cmp(beta: beta)) < 0)
        }
    }

    @Test func movingSumKeepsTheWindow() {
        var m = MovingSum(window: 3)
        #expect([1.0, 2, 3, 4, -10].map { m.add($0) } == [1, 3, 6, 9, -3])
        #expect(m.values == [3, 4, -10] && m.isFull)
        var one = MovingSum(window: 1)
        one.add(5)
        #expect(one.add(7) == 7)
    }
}

@Suite struct MetaQTests {
    func constantMetaQ(online: Double, target: Double, configure: (inout MetaQConfiguration) -> Void = { _ in })
        -> MetaQ {
        var c = MetaQConfiguration()
        configure(&c)
        var rng = RandomStream(seed: 1)
        let q = MetaQ(observationSize: 2, actionSize: 1, configuration: c, using: &rng)
        makeConstant(q.network, bias: online)
        makeConstant(q.target, bias: target)
        return q
    }

    /// Two 2-step trajectories; Q̂ ≡ 0.5, Q̂′ ≡ 0.2, Rt−1 = 1, γ = 0.5.
    let current = StateActionTrajectory(observations: Tensor(shape: [2, 2], doubles: [1, 2, 3, 4], dtype: .float32),
                                        actions: column([0.1, -0.1]))
    let previous = StateActionTrajectory(observations: Tensor(shape: [2, 2], doubles: [0, 1, 1, 0], dtype: .float32),
                                         actions: column([0.3, 0.9]))

    func lossOf(_ configure: @escaping (inout MetaQConfiguration) -> Void) -> (Double, Double, Double) {
        let q = constantMetaQ(online: 0.5, target: 0.2) { c in
            c.gamma = 0.5
            configure(&c)
        }
        let (j, prediction, target) = q.loss(current: current, previous: previous, previousMetaReward: 1)
        return (j.item, prediction, target)
    }

    @Test func eq11LossByHand() {
        // Eq. 11 as printed: (Σ_τt Q̂ − Σ_τt−1 Q̂′ − R/γ)² = (1 − 0.4 + ... ) with the target 0.4 − 1/0.5 = −1.6:
        // J = (1 − (−1.6))² = 2.6² = 6.76.
        let (j, p, y) = lossOf { _ in }
        #expect(abs(p - 1) < 1e-6 && abs(y - (-1.6)) < 1e-6 && abs(j - 6.76) < 1e-5)
        #expect(abs(metaQTarget(bootstrap: 0.4, previousMetaReward: 1, gamma: 0.5, form: .paperEq11) + 1.6) < 1e-12)
    }

    @Test func targetFormsReductionsAndBootstrapNetworkByHand() {
        // (Σ Q̂′(τt−1) − R)/γ = (0.4 − 1)/0.5 = −1.2 → J = 2.2².
        let inverse = lossOf { $0.targetForm = .inverseBellman }
        #expect(abs(inverse.1 - 1) < 1e-6 && abs(inverse.2 + 1.2) < 1e-6 && abs(inverse.0 - 4.84) < 1e-5)
        // Q̂(τt−1) = 1 regressed onto R + γ Σ Q̂′(τt) = 1 + 0.5·0.4 = 1.2 → J = 0.04.
        let forward = lossOf { $0.targetForm = .forwardTD }
        #expect(abs(forward.1 - 1) < 1e-6 && abs(forward.2 - 1.2) < 1e-6 && abs(forward.0 - 0.04) < 1e-5)
        // Means: 0.5 − (0.2 − 2) = 2.3.
        let mean = lossOf { $0.reduction = .mean }
        #expect(abs(mean.1 - 0.5) < 1e-6 && abs(mean.2 + 1.8) < 1e-6 && abs(mean.0 - 5.29) < 1e-5)
        // The online network on τt−1: 1 − (1 − 2) = 2.
        let online = lossOf { $0.bootstrapNetwork = .online }
        #expect(abs(online.2 + 1) < 1e-6 && abs(online.0 - 4) < 1e-5)
    }

    /// One update: only the output bias has a gradient (2·2.6·2 > 0), Adam's first step moves it by −lr, then
    /// Q̂′ ← (1 − τ)Q̂′ + τQ̂ on every parameter.
    @Test func updateStepAndSoftTargetByHand() {
        let q = constantMetaQ(online: 0.5, target: 0.2) { c in
            c.gamma = 0.5
            c.learningRate = 0.01
            c.tau = 0.25
        }
        let report = q.update(current: current, previous: previous, previousMetaReward: 1)
        #expect(abs(report.loss - 6.76) < 1e-5)
        let newBias = 0.5 - 0.01
        #expect(abs(q.network.parameters.last!.item - newBias) < 1e-6)
        #expect(abs(q.target.parameters.last!.item - (0.75 * 0.2 + 0.25 * newBias)) < 1e-6)
        for p in q.network.parameters.dropLast() { #expect(p.doubles.allSatisfy { $0 == 0 }) }
        // Q̂ now maps every pair to 0.49.
        #expect(abs(q.trajectoryValue(current).item - 2 * newBias) < 1e-6)
    }

    @Test func targetStartsAsACopyAndSoftUpdateInterpolates() {
        var rng = RandomStream(seed: 3)
        var c = MetaQConfiguration()
        c.tau = 0.1
        let q = MetaQ(observationSize: 3, actionSize: 2, configuration: c, using: &rng)
        #expect(q.network.parameters.flatMap(\.doubles) == q.target.parameters.flatMap(\.doubles))
        #expect(q.namedParameters.count == 2 * q.network.namedParameters.count)
        let before = q.target.parameters.flatMap(\.doubles)
        for p in q.network.parameters { p.assign(Tensor.full(p.shape, 1, dtype: p.dtype)) }
        q.softUpdateTarget()
        let after = q.target.parameters.flatMap(\.doubles)
        for (b, a) in zip(before, after) { #expect(abs(a - (0.9 * b + 0.1)) < 1e-6) }
    }
}
