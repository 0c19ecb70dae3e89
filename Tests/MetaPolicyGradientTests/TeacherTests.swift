import Foundation
import MetaExploreAlgorithms
import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor
import Testing

@Suite struct TeacherLogProbabilityTests {
    let observationSize = 3, actionSize = 2, n = 5

    func inputs(seed: UInt64) -> (obs: Tensor, mu: Tensor, features: Tensor, actions: Tensor) {
        var rng = RandomStream(seed: seed)
        return (Tensor.randomNormal([n, observationSize], using: &rng),
                Tensor.randomUniform([n, actionSize], low: -1, high: 1, using: &rng),
                Tensor.randomNormal([n, algorithmicFeatureCount], using: &rng),
                Tensor.randomNormal([n, actionSize], std: 1.5, using: &rng))
    }

    func expectClosedForm(_ lp: Tensor, actions: Tensor, mean: Tensor, std: [Double]) {
        let lpValues = lp.doubles, x = actions.doubles, m = mean.doubles
        #expect(lp.shape == [n])
        for i in 0..<n {
            let row = i * actionSize..<(i + 1) * actionSize
            let expected = gaussianLogDensity(Array(x[row]), mean: Array(m[row]), std: std)
            #expect(abs(lpValues[i] - expected) < 1e-4 * max(1, abs(expected)), "row \(i): \(lpValues[i]) vs \(expected)")
        }
    }

    @Test func metaTeacherIsGaussianAroundItsMLP() {
        var rng = RandomStream(seed: 1)
        var config = MetaPolicyGradientConfiguration.Teacher()
        config.initialLogStd = log(0.6)
        let teacher = GaussianMLPTeacher(observationSize: observationSize, actionSize: actionSize,
                                         configuration: config, using: &rng)
        let (obs, mu, _, actions) = inputs(seed: 2)
        #expect(teacher.variant == .meta && teacher.teacherInput.featureCount == 0)
        let lp = teacher.logProbability(actions, observations: obs, studentActions: mu, features: nil)
        expectClosedForm(lp, actions: actions, mean: teacher.meanNetwork(obs), std: [0.6, 0.6])
        // The student's action plays no part.
        let other = teacher.logProbability(actions, observations: obs, studentActions: mu * 0.5, features: nil)
        #expect(other.doubles == lp.doubles)
    }

    @Test func metaStateTeacherReadsTheFeatures() {
        var rng = RandomStream(seed: 3)
        var config = MetaPolicyGradientConfiguration.Teacher()
        config.finalInitLimit = 0.5  // a mean that visibly depends on its input
        let teacher = makeTeacher(variant: .metaState, observationSize: observationSize, actionSize: actionSize,
                                  configuration: config, using: &rng) as! GaussianMLPTeacher
        #expect(teacher.variant == .metaState && teacher.teacherInput.featureCount == 2)
        let (obs, mu, features, actions) = inputs(seed: 4)
        let lp = teacher.logProbability(actions, observations: obs, studentActions: mu, features: features)
        let mean = teacher.meanNetwork(concatenate([obs, features], axis: 1))
        expectClosedForm(lp, actions: actions, mean: mean, std: [1, 1])
        let shifted = teacher.logProbability(actions, observations: obs, studentActions: mu, features: features + 1)
        #expect(shifted.doubles != lp.doubles)
    }

    @Test func varianceTeacherIsCentredOnTheStudentAction() {
        let teacher = StudentVarianceTeacher(actionSize: actionSize, initialLogStd: log(0.2))
        teacher.logStd.assign(Tensor(shape: [2], scalars: [Float(log(0.2)), Float(log(0.5))]))
        let (obs, mu, _, actions) = inputs(seed: 5)
        let lp = teacher.logProbability(actions, observations: obs, studentActions: mu, features: nil)
        expectClosedForm(lp, actions: actions, mean: mu, std: [0.2, 0.5])
        // ∂/∂log σⱼ Σᵢ log N = Σᵢ ((xᵢⱼ − μᵢⱼ)²/σⱼ² − 1), and only log σ is a parameter.
        #expect(teacher.parameters.count == 1)
        let g = gradients(of: lp.sum(), wrt: [teacher.logStd])[0].doubles
        let x = actions.doubles, m = mu.doubles, s = [0.2, 0.5]
        for j in 0..<actionSize {
            let expected = (0..<n).reduce(0.0) { acc, i in
                let z = (x[i * actionSize + j] - m[i * actionSize + j]) / s[j]
                return acc + z * z - 1
            }
            #expect(abs(g[j] - expected) < 1e-3 * max(1, abs(expected)), "dim \(j): \(g[j]) vs \(expected)")
        }
    }

    @Test func samplesAreClippedForActingButRawForLogProbability() {
        let teacher = StudentVarianceTeacher(actionSize: 1, initialLogStd: log(3))
        var rng = RandomStream(seed: 9)
        let mu = Tensor.zeros([400, 1])
        let (raw, action) = teacher.sample(observations: Tensor.zeros([400, 1]), studentActions: mu, features: nil,
                                           using: &rng)
        let r = raw.doubles, a = action.doubles
        #expect(r.contains { abs($0) > 1 })
        #expect(a.allSatisfy { $0 >= -1 && $0 <= 1 })
        #expect(zip(r, a).allSatisfy { abs(min(max($0, -1), 1) - $1) < 1e-7 })
        // Sample statistics follow N(0, 9), not the clipped law.
        let variance = r.reduce(0) { $0 + $1 * $1 } / Double(r.count)
        #expect(abs(variance - 9) < 1.5)
    }
}

@Suite struct ExerciseMoveTests {
    func trainedLearner() -> (DDPGLearner, RandomStream) {
        var rng = RandomStream(seed: 11)
        let learner = DDPGLearner(observationSize: 3, actionSize: 2, using: &rng)
        for _ in 0..<3 { learner.update(randomBatch(size: 16, observationSize: 3, actionSize: 2, using: &rng)) }
        return (learner, rng)
    }

    @Test func exerciseMoveLeavesTheRealLearnerUntouched() {
        var (learner, rng) = trainedLearner()
        let before = fullState(learner)
        let d0 = randomBatch(size: 40, observationSize: 3, actionSize: 2, using: &rng)
        let lookahead = exerciseMove(from: learner, on: d0, updates: 5, batchSize: 16, using: &rng)
        #expect(fullState(learner) == before)
        #expect(lookahead !== learner)
        #expect(lookahead.updates == learner.updates + 5)
        #expect(flatParameters(lookahead.actor) != flatParameters(learner.actor))
        #expect(flatParameters(lookahead.critic) != flatParameters(learner.critic))
    }

    /// A clone carries the Adam moments too: the same update applied to both gives identical networks (a clone
    /// with fresh optimizer state would take a different, bias-corrected first step).
    @Test func cloneIsADeepCopyIncludingOptimizerState() {
        var (learner, rng) = trainedLearner()
        let copy = learner.clone()
        #expect(fullState(copy) == fullState(learner))
        let batch = randomBatch(size: 16, observationSize: 3, actionSize: 2, using: &rng)
        learner.update(batch)
        #expect(fullState(copy) != fullState(learner))
        copy.update(batch)
        #expect(fullState(copy) == fullState(learner))
        // copyState brings a diverged learner back.
        var other = RandomStream(seed: 99)
        let stranger = DDPGLearner(observationSize: 3, actionSize: 2, using: &other)
        stranger.copyState(from: learner)
        #expect(fullState(stranger) == fullState(learner))
    }

    @Test func rolloutReturnEstimates() {
        let steps = [1.0, -2.0, 4.0].map {
            RolloutStep(observation: [0], action: [0], reward: $0, nextObservation: [0], terminated: false,
                        truncated: false, source: .student)
        }
        #expect(estimateReturn(steps, estimate: .cumulative) == 3)
        #expect(estimateReturn(steps, estimate: .perStep) == 1)
    }
}
