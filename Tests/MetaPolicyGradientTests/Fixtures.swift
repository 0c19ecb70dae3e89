import MetaExploreAlgorithms
import MetaExploreEnvironments
import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor

/// A one-step continuous bandit: constant observation, reward −(a − target)², every step terminates.
final class QuadraticBandit: Environment {
    let target: Double
    let observationSpace = Box(low: -1, high: 1, count: 1)
    let actionSpace = Space.box(Box(low: -1, high: 1, count: 1))
    init(target: Double) { self.target = target }
    func reset(seed: UInt64?, options: [String: Double]) throws -> (observation: [Double], info: Info) { ([0.5], Info()) }
    func step(_ action: [Double]) throws -> StepResult {
        StepResult(observation: [0.5], reward: -(action[0] - target) * (action[0] - target), terminated: true,
                   truncated: false)
    }
}

/// A student that imitates its data: μ ← μ + rate·(mean action of the batch − μ). Its action ignores the state.
final class ImitationStudent: Student {
    var mu: Double
    let rate: Double
    init(mu: Double, rate: Double) {
        self.mu = mu
        self.rate = rate
    }
    var observationSize: Int { 1 }
    var actionSize: Int { 1 }
    func act(_ observations: Tensor) -> Tensor { Tensor.full([observations.shape[0], 1], mu) }
    func update(_ batch: TransitionBatch) {
        let mean = batch.actions.doubles.reduce(0, +) / Double(batch.size)
        mu += rate * (mean - mu)
    }
    func clone() -> ImitationStudent { ImitationStudent(mu: mu, rate: rate) }
    func copyState(from other: ImitationStudent) { mu = other.mu }
}

/// A state-independent Gaussian teacher N(m, σ²) with both m and log σ learned (a bandit-sized "Meta" teacher).
final class ConstantGaussianTeacher: ExplorationTeacher {
    let mean: Tensor
    let logStd: Tensor
    init(mean: Double, std: Double) {
        self.mean = Tensor.full([1], mean).requiringGrad()
        logStd = Tensor.full([1], std.logValue).requiringGrad()
    }
    var variant: MetaPolicyVariant { .meta }
    var actionSize: Int { 1 }
    var teacherInput: TeacherInput { TeacherInput(observations: true, studentActions: false, featureCount: 0) }
    var namedParameters: [(name: String, tensor: Tensor)] { [("mean", mean), ("logStd", logStd)] }
    func distribution(observations: Tensor, studentActions: Tensor, features: Tensor?) -> DiagonalGaussian {
        DiagonalGaussian(mean: Tensor.zeros([observations.shape[0], 1]) + mean, logStd: logStd)
    }
}

extension Double {
    var logValue: Double { Foundation.log(self) }
}

let halfLogTwoPi = 0.918_938_533_204_672_7

/// Closed-form log N(x; m, σ²) summed over dimensions.
func gaussianLogDensity(_ x: [Double], mean: [Double], std: [Double]) -> Double {
    var total = 0.0
    for i in x.indices {
        let z = (x[i] - mean[i]) / std[i]
        total += -0.5 * z * z - Foundation.log(std[i]) - halfLogTwoPi
    }
    return total
}

/// Every parameter value of a layer, flattened.
func flatParameters(_ layer: Layer) -> [Double] { layer.parameters.flatMap(\.doubles) }

/// Everything a DDPG learner carries: the four networks, both optimizers' states and the update counter.
func fullState(_ learner: DDPGLearner) -> [Double] {
    flatParameters(learner.actor) + flatParameters(learner.critic) + flatParameters(learner.targetActor)
        + flatParameters(learner.targetCritic) + learner.actorOptimizer.stateTensors.flatMap(\.tensor.doubles)
        + learner.criticOptimizer.stateTensors.flatMap(\.tensor.doubles) + [Double(learner.updates)]
}

/// A random float32 transition batch.
func randomBatch(size: Int, observationSize: Int, actionSize: Int, using rng: inout RandomStream) -> TransitionBatch {
    TransitionBatch(
        observations: Tensor.randomNormal([size, observationSize], using: &rng),
        actions: Tensor.randomUniform([size, actionSize], low: -1, high: 1, using: &rng),
        rewards: Tensor.randomNormal([size, 1], using: &rng),
        nextObservations: Tensor.randomNormal([size, observationSize], using: &rng),
        terminated: Tensor.zeros([size, 1]))
}

import Foundation
