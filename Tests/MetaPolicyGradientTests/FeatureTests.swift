import Foundation
import MetaExploreAlgorithms
import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor
import Testing

@Suite struct AlgorithmicFeatureTests {
    @Test func normalizedQAndBellmanResidualChangeFollowTheirDefinitions() {
        var rng = RandomStream(seed: 61)
        let student = DDPGLearner(observationSize: 3, actionSize: 1, using: &rng)
        let features = AlgorithmicFeatures<DDPGLearner>()
        let reference = randomBatch(size: 32, observationSize: 3, actionSize: 1, using: &rng)

        // First iteration: no previous student, φ₂ = 0.
        features.beginIteration(student: student, referenceBatch: reference)
        #expect(features.residualChange == 0)
        let obs = Tensor.randomNormal([6, 3], using: &rng)
        let mu = student.act(obs)
        let phi = features.features(observations: obs, studentActions: mu, student: student).doubles
        let q = student.qValues(obs, mu).doubles
        let mean = q.reduce(0, +) / 6
        let std = (q.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / 6 + 1e-8).squareRoot()  // ε as documented
        for i in 0..<6 {
            #expect(abs(phi[2 * i] - (q[i] - mean) / std) < 1e-4 * max(1, abs(phi[2 * i])), "row \(i)")
            #expect(phi[2 * i + 1] == 0)
        }

        // The student learns; φ₂ is the relative change of its mean squared Bellman residual on the reference batch.
        let previousResidual = AlgorithmicFeatures<DDPGLearner>.bellmanResidual(of: student, on: reference)
        for _ in 0..<20 { student.update(randomBatch(size: 16, observationSize: 3, actionSize: 1, using: &rng)) }
        let currentResidual = AlgorithmicFeatures<DDPGLearner>.bellmanResidual(of: student, on: reference)
        #expect(currentResidual != previousResidual)
        features.beginIteration(student: student, referenceBatch: reference)
        let expected = (currentResidual - previousResidual) / (previousResidual + 1e-8)
        #expect(abs(features.residualChange - max(-5, min(5, expected))) < 1e-9)
        let phi2 = features.features(observations: obs, studentActions: student.act(obs), student: student).doubles
        #expect(phi2[1] == Double(Float(features.residualChange)) && phi2[3] == phi2[1])
    }
}
