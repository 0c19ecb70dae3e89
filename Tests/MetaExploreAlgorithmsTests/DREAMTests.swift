import Foundation
import MetaExploreAlgorithms
import MetaExploreEnvironments
import MetaExploreNN
import MetaExploreRandom
import MetaExploreRuntime
import MetaExploreTensor
import Testing

/// Small DREAM networks for tests (float64 where gradients are checked against finite differences).
enum DREAMTestSupport {
    static func smallNetworks() -> DREAMNetworkSettings {
        var n = DREAMNetworkSettings()
        n.embeddingSize = 3
        n.problemComponentSize = 4
        n.transitionStateEmbedding = 4
        n.transitionActionEmbedding = 3
        n.transitionHidden = 5
        n.encoderHidden = 4
        n.gridComponentEmbedding = 3
        n.gridHidden = 5
        n.exploitationObservationEmbedding = 4
        n.exploitationInstructionEmbedding = 3
        n.exploitationHidden = 4
        n.exploitationMixHidden = 5
        n.exploitationOutput = 4
        n.explorationObservationEmbedding = 4
        n.explorationActionEmbedding = 3
        n.explorationHidden = 4
        return n
    }

    static func smallPolicy(minimum: Int) -> DREAMPolicySettings {
        var p = DREAMPolicySettings()
        p.batchSize = 3
        p.bufferCapacity = 50
        p.minimumBufferSequences = minimum
        return p
    }

    static func learner(noise: Double = 0.1, dtype: DType = .float64, seed: UInt64 = 3) -> DREAMLearner {
        DREAMLearner(settings: DREAMLearnerSettings(exploration: smallPolicy(minimum: 1).dqn,
                                                    exploitation: smallPolicy(minimum: 1).dqn,
                                                    networks: smallNetworks(), problemNoise: noise, normCutoff: 10,
                                                    informationPenalty: 0.1),
                     observationVocabulary: [9, 9, 4], instructionVocabulary: [9, 9], actionCount: 9, problemCount: 6,
                     dtype: dtype, seed: seed)
    }

    static func randomTrajectory(_ rng: inout RandomStream, length: Int) -> [DREAMTransition] {
        func obs() -> [Int] { [rng.int(below: 9), rng.int(below: 9), rng.int(below: 4)] }
        return (0..<length).map { _ in DREAMTransition(observation: obs(), action: rng.int(below: 9), nextObservation: obs()) }
    }

    /// Random records of a grid-like episode (observation 3 components, instruction 2).
    static func randomRecord(_ rng: inout RandomStream, problem: Int, explorationLength: Int, length: Int) -> DREAMEpisodeRecord {
        func obs() -> [Int] { [rng.int(below: 9), rng.int(below: 9), rng.int(below: 4)] }
        func episode(_ n: Int, instruction: [Int]) -> [RecurrentStep] {
            var previous = -1
            return (0..<n).map { t in
                let a = rng.int(below: 9)
                defer { previous = a }
                return RecurrentStep(observation: obs(), instruction: instruction, previousAction: previous,
                                     previousReward: 0, action: a, reward: rng.uniform(-1, 1), done: t == n - 1,
                                     nextObservation: obs())
            }
        }
        return DREAMEpisodeRecord(problem: problem, exploration: episode(explorationLength, instruction: []),
                                  steps: episode(length, instruction: [rng.int(below: 9), rng.int(below: 9)]))
    }

    /// Central finite difference of `value` with respect to element `index` of `parameter` (float64).
    static func finiteDifference(_ parameter: Tensor, _ index: Int, h: Double = 1e-6, _ value: () -> Double) -> Double {
        let original = parameter.doubles[index]
        func set(_ x: Double) { parameter.withUnsafeMutableDoubles { $0[index] = x } }
        set(original + h)
        let plus = value()
        set(original - h)
        let minus = value()
        set(original)
        return (plus - minus) / (2 * h)
    }
}

@Suite("DREAM: information bottleneck, encoders, losses") struct DREAMBottleneckTests {
    /// L_g = Σ m ‖g − f‖² / Σ m, by hand on two trajectories (lengths 2 and 0, so 3 + 1 real prefixes of 6).
    @Test func bottleneckLossByHand() throws {
        let contexts = Tensor(shape: [6, 2], doubles: [1, 0, 0, 2, 3, 1, /* b1 */ 0.5, 0.5, 9, 9, 9, 9], dtype: .float64)
        let f = Tensor(shape: [2, 2], doubles: [1, 1, 0, 1], dtype: .float64)
        let c = TrajectoryContextsFixture.make(contexts: contexts, lengths: [2, 0], prefixes: 3)
        // b0: ‖(0,−1)‖² = 1, ‖(−1,1)‖² = 2, ‖(2,0)‖² = 4; b1 (t = 0 only): ‖(0.5,−0.5)‖² = 0.5.
        let expected = (1 + 2 + 4 + 0.5) / 4
        #expect(abs(InformationBottleneck.loss(c, problemEmbeddings: f).item - expected) < 1e-12)
        let d = InformationBottleneck.distances(c, problemEmbeddings: f)
        #expect(d == [[1, 2, 4], [0.5]])
        // Gradient: 2 m (g − f) / Σ m on g, nothing on f (stop-gradient).
        let g = contexts.requiringGrad(), fr = f.requiringGrad()
        let cg = TrajectoryContextsFixture.make(contexts: g, lengths: [2, 0], prefixes: 3)
        let grads = gradients(of: InformationBottleneck.loss(cg, problemEmbeddings: fr), wrt: [g, fr])
        let expectedG: [Double] = [0, -1, -1, 1, 2, 0, 0.5, -0.5, 0, 0, 0, 0].map { 2 * $0 / 4 }
        for (a, b) in zip(grads[0].doubles, expectedG) { #expect(abs(a - b) < 1e-12) }
        #expect(grads[1].doubles.allSatisfy { $0 == 0 })
    }

    /// The norm penalty mean max(‖f‖², C): its value, no gradient below C, 2f/B above.
    @Test func normPenaltyValueAndGradient() throws {
        let f = Tensor(shape: [2, 2], doubles: [1, 2, 3, 4], dtype: .float64).requiringGrad()
        let p = InformationBottleneck.normPenalty(f, cutoff: 10)
        #expect(abs(p.item - (10 + 25) / 2) < 1e-12)
        let grad = gradients(of: p, wrt: [f])[0].doubles
        #expect(grad == [0, 0, 3, 4])
    }

    /// The bottleneck loss's gradient through the whole trajectory encoder g equals finite differences, and f
    /// receives none of it.
    @Test func bottleneckGradientThroughTheEncoderMatchesFiniteDifferences() throws {
        let learner = DREAMTestSupport.learner()
        var rng = RandomStream(seed: 11)
        let trajectories = [3, 1, 0, 2].map { DREAMTestSupport.randomTrajectory(&rng, length: $0) }
        let problems = [0, 3, 5, 3]
        func loss() -> Tensor {
            InformationBottleneck.loss(learner.g.contexts(trajectories), problemEmbeddings: learner.f(problems))
        }
        let params = learner.g.parameters
        let grads = gradients(of: loss(), wrt: params + learner.f.parameters)
        for p in learner.f.parameters.indices { #expect(grads[params.count + p].doubles.allSatisfy { $0 == 0 }) }
        var checked = 0
        for (k, p) in params.enumerated() {
            for index in Set([0, p.count / 2, p.count - 1]) {
                let numeric = DREAMTestSupport.finiteDifference(p, index) { withoutGradients { loss().item } }
                let analytic = grads[k].doubles[index]
                #expect(abs(numeric - analytic) <= 1e-6 * max(1, abs(numeric)), "g parameter \(k)[\(index)]: \(analytic) vs \(numeric)")
                checked += 1
            }
        }
        #expect(checked > 20)
    }

    /// g is causal: the contexts of a prefix are those of the whole trajectory at the same t, whatever the batch
    /// holds; g(τ:0) is the same for every trajectory.
    @Test func encoderIsCausalAndIgnoresPadding() throws {
        let learner = DREAMTestSupport.learner()
        var rng = RandomStream(seed: 5)
        let long = DREAMTestSupport.randomTrajectory(&rng, length: 5)
        let alone = learner.g.contexts([Array(long.prefix(2))]).contexts.doubles
        let together = learner.g.contexts([long, Array(long.prefix(2)), []])
        let width = learner.g.embeddingSize
        let all = together.contexts.doubles
        for t in 0...2 {
            for j in 0..<width {
                #expect(abs(all[(0 * 6 + t) * width + j] - alone[t * width + j]) < 1e-12)
                #expect(abs(all[(1 * 6 + t) * width + j] - alone[t * width + j]) < 1e-12)
            }
        }
        for j in 0..<width { #expect(abs(all[(2 * 6) * width + j] - alone[j]) < 1e-12) }
        #expect(together.mask == [1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0])
        #expect(together.final.shape == [3, width])
        let final = together.final.doubles
        for j in 0..<width { #expect(abs(final[width + j] - alone[2 * width + j]) < 1e-12) }
    }

    /// The exploration rewards r_t = d_t − d_{t+1} − c over an episode sum to the information gained,
    /// d_0 − d_T, minus c·T; each equals its definition.
    @Test func explorationRewardsTelescope() throws {
        let learner = DREAMTestSupport.learner()
        var rng = RandomStream(seed: 8)
        let trajectories = [7, 1, 4].map { DREAMTestSupport.randomTrajectory(&rng, length: $0) }
        let problems = [1, 2, 5]
        let (rewards, distances) = learner.explorationRewards(problems: problems, trajectories: trajectories)
        let f = learner.f(problems).doubles
        let width = learner.g.embeddingSize
        for b in 0..<3 {
            let T = trajectories[b].count
            #expect(rewards[b].count == T && distances[b].count == T + 1)
            let total = rewards[b].reduce(0, +)
            #expect(abs(total - (distances[b][0] - distances[b][T] - 0.1 * Double(T))) < 1e-10)
            // d_t from the encoder of the prefix alone, by hand.
            for t in [0, T] {
                let g = learner.g.contexts([Array(trajectories[b].prefix(t))]).contexts.doubles
                var d = 0.0
                for j in 0..<width { d += (g[t * width + j] - f[b * width + j]) * (g[t * width + j] - f[b * width + j]) }
                #expect(abs(d - distances[b][t]) < 1e-10)
            }
            for t in 0..<T { #expect(abs(rewards[b][t] - (distances[b][t] - distances[b][t + 1] - 0.1)) < 1e-12) }
        }
        let byHand: [Double] = [5.0 - 3.0 - 0.1, 3.0 - 3.5 - 0.1]
        let computed = InformationBottleneck.explorationRewards(distances: [5, 3, 3.5], penalty: 0.1)
        #expect(computed == byHand)
    }

    /// The exploitation policy's whole loss (TD through the Q-network and z, bottleneck, norm penalty) has the
    /// gradient finite differences give, for both conditionings (noise off so the loss is a function).
    @Test(arguments: [true, false])
    func exploitationLossGradientMatchesFiniteDifferences(useProblemIDs: Bool) throws {
        let learner = DREAMTestSupport.learner(noise: 0)
        var rng = RandomStream(seed: 21)
        let records = [(0, 3, 4), (4, 1, 2), (2, 0, 3)].map {
            DREAMTestSupport.randomRecord(&rng, problem: $0.0, explorationLength: $0.1, length: $0.2)
        }
        // Make the f-norm penalty active for one problem so its gradient is checked too.
        learner.f.output.bias.withUnsafeMutableDoubles { $0[0] = 3.5 }
        func loss() -> Tensor { learner.exploitationLoss(on: records, useProblemIDs: useProblemIDs).total }
        let params = learner.exploiterOptimizer.parameters
        let grads = gradients(of: loss(), wrt: params)
        // f enters L_g only as a constant (stop-gradient), so its finite differences are taken on the loss
        // without L_g; every other parameter's on the whole loss.
        let fRange = learner.exploiter.parameters.count..<(learner.exploiter.parameters.count + learner.f.parameters.count)
        var checked = 0, nonzero = 0
        for (k, p) in params.enumerated() {
            for index in Set([0, p.count - 1]) {
                let numeric = DREAMTestSupport.finiteDifference(p, index) {
                    withoutGradients {
                        let l = learner.exploitationLoss(on: records, useProblemIDs: useProblemIDs)
                        return fRange.contains(k) ? l.total.item - l.bottleneck : l.total.item
                    }
                }
                let analytic = grads[k].doubles[index]
                #expect(abs(numeric - analytic) <= 1e-5 * max(1, abs(numeric)), "parameter \(k)[\(index)]: \(analytic) vs \(numeric)")
                checked += 1
                if abs(analytic) > 1e-9 { nonzero += 1 }
            }
        }
        #expect(checked > 40 && nonzero > 20)
    }

    /// The exploration policy's loss has the gradient finite differences give (its rewards depend on f and g, which
    /// it does not train).
    @Test func explorationLossGradientMatchesFiniteDifferences() throws {
        let learner = DREAMTestSupport.learner()
        var rng = RandomStream(seed: 31)
        var records = [(1, 4), (3, 2), (0, 5)].map {
            DREAMTestSupport.randomRecord(&rng, problem: $0.0, explorationLength: $0.1, length: 1)
        }
        for i in records.indices { records[i].steps = records[i].exploration }
        let params = learner.explorer.parameters
        let grads = gradients(of: learner.explorationLoss(on: records).loss, wrt: params + learner.f.parameters + learner.g.parameters)
        for k in params.count..<grads.count { #expect(grads[k].doubles.allSatisfy { $0 == 0 }) }
        var nonzero = 0
        for (k, p) in params.enumerated() {
            for index in Set([0, p.count - 1]) {
                let numeric = DREAMTestSupport.finiteDifference(p, index) {
                    withoutGradients { learner.explorationLoss(on: records).loss.item }
                }
                let analytic = grads[k].doubles[index]
                #expect(abs(numeric - analytic) <= 1e-5 * max(1, abs(numeric)), "parameter \(k)[\(index)]: \(analytic) vs \(numeric)")
                if abs(analytic) > 1e-9 { nonzero += 1 }
            }
        }
        #expect(nonzero > 10)
    }

    /// The exploration policy's step relabels rewards from the current f and g: its TD loss equals the masked
    /// double-DQN loss computed by hand from those rewards.
    @Test func explorationUpdateUsesRelabeledRewards() throws {
        let learner = DREAMTestSupport.learner()
        var rng = RandomStream(seed: 2)
        var records = [(1, 4), (3, 2)].map { DREAMTestSupport.randomRecord(&rng, problem: $0.0, explorationLength: $0.1, length: 1) }
        for i in records.indices { records[i].steps = records[i].exploration }
        let (rewards, _) = learner.explorationRewards(problems: records.map(\.problem),
                                                       trajectories: records.map(\.explorationTransitions))
        let time = 4
        let inputs = records.map { r -> [RecurrentExperience] in
            let padded = r.steps + Array(repeating: r.steps.last!, count: time - r.steps.count)
            return [padded[0].experience] + padded.map(\.nextExperience)
        }
        let q = learner.explorer.unroll(inputs, conditioning: nil).doubles
        let qt = learner.explorerTarget.unroll(inputs, conditioning: nil).doubles
        var total = 0.0, count = 0.0
        for (b, r) in records.enumerated() {
            for t in 0..<r.steps.count {
                let nextRow = b * (time + 1) + t + 1
                let nextQ = Array(q[(nextRow * 9)..<((nextRow + 1) * 9)])
                let best = nextQ.indices.max { nextQ[$0] < nextQ[$1] || (nextQ[$0] == nextQ[$1] && $0 > $1) }!
                let y = r.steps[t].done ? rewards[b][t] : rewards[b][t] + 0.99 * qt[nextRow * 9 + best]
                let e = q[(b * (time + 1) + t) * 9 + r.steps[t].action] - y
                total += e * e
                count += 1
            }
        }
        let metrics = learner.trainExplorer(on: records)
        #expect(abs(metrics.tdLoss - total / count) < 1e-10)
        let meanReward = rewards.flatMap { $0 }.reduce(0, +) / 6
        #expect(abs(metrics.meanReward - meanReward) < 1e-12)
    }
}

/// Builds `TrajectoryContexts` from given values (the type's memberwise initializer is internal).
enum TrajectoryContextsFixture {
    static func make(contexts: Tensor, lengths: [Int], prefixes: Int) -> TrajectoryContexts {
        TrajectoryContexts(contexts: contexts, lengths: lengths, prefixes: prefixes)
    }
}
