import Foundation
import MetaExploreNN
import MetaExploreTensor

/// What one outer update (`MAME-A1 L9`) reports.
public struct MAMEUpdateStatistics: Sendable, Equatable {
    /// −J before the update (the first epoch's outer loss).
    public var outerLossBefore = 0.0
    /// −J after the update (policy-gradient surrogate through the inner step, at the new parameters).
    public var outerLossAfter = 0.0
    /// meanᵢ L_in(z) and meanᵢ L_in(z′) (the inner step's loss before and after the step), at the sampling parameters.
    public var innerLossBefore = 0.0
    public var innerLossAfter = 0.0
    /// Mean, standard deviation and mean absolute value of the exploration rewards r^μ over valid steps (before any
    /// scaling), and the mean advantage A^μ μφ was trained on (low-variance estimator; 0 otherwise).
    public var explorationRewardMean = 0.0
    public var explorationRewardStd = 0.0
    public var explorationRewardAbsMean = 0.0
    public var explorationAdvantageMean = 0.0
    /// L2 norms of the gradients applied in the first epoch, per module.
    public var gradientNormTheta = 0.0
    public var gradientNormBeta = 0.0
    public var gradientNormPhi = 0.0
    public var gradientNormLatent = 0.0
    /// ‖z′ − z‖ averaged over tasks (how far the inner step moves the latent).
    public var latentStep = 0.0
}

/// The settings of the outer update.
public struct MAMEOuterSettings: Codable, Equatable, Sendable {
    /// The objective on post-update samples (`policyGradient`, the text; `ppo`, the code).
    public var objective: MAMEOuterObjective = .policyGradient
    /// PPO's clip (the code: 0.2) and the epochs per batch (text: one policy-gradient step; code: 5).
    public var clip = 0.2
    public var epochs = 1
    /// Adam's learning rate for θ and β (Sec. 5: 7e-4 "for all parameters except z"; the code's value too).
    public var learningRate = 7e-4
    /// Adam's learning rate for φ (Sec. 5: 7e-4; the code notes 7e-5 as what its original results used).
    public var explorationLearningRate = 7e-4
    /// Adam's learning rate for z (Sec. 5: 4e-5; the code: 0.005 × 7e-4 = 3.5e-6).
    public var latentLearningRate = 4e-5
    /// Adam's ε (Kingma & Ba's 1e-8; the code: 1e-5).
    public var adamEpsilon = 1e-8
    public init() {}
}

/// The exploration-policy settings of the low-variance estimator.
public struct MAMEExplorationSettings: Codable, Equatable, Sendable {
    /// Where μφ's gradient comes from (`lowVariance`: Eq. 2–5; `dice`; `emaml`).
    public var gradient: ExplorationGradient = .lowVariance
    /// The λ of A^μ: 0 is Eq. 4's r + V′ − V; 1 is R^μ − V.
    public var lambda = 0.0
    /// Scaling of r^μ (`none`, the text; `rms`, the code).
    public var rewardScale: ExplorationRewardScale = .none
    public init() {}
}

/// `MAME-A1 L9`: Adam on (θ, β, φ) and, with its own learning rate, on z, from the gradient of −J through the
/// inner step; φ's gradient from the chosen estimator.
public final class MAMELearner {
    public let modules: MAMEModules
    public let outer: MAMEOuterSettings
    public let explorationSettings: MAMEExplorationSettings
    let networkOptimizer: Adam
    let explorationOptimizer: Adam
    let latentOptimizer: Adam

    public init(modules: MAMEModules, outer: MAMEOuterSettings, exploration: MAMEExplorationSettings) {
        self.modules = modules
        self.outer = outer
        explorationSettings = exploration
        networkOptimizer = Adam(parameters: modules.theta + modules.beta, learningRate: outer.learningRate,
                                epsilon: outer.adamEpsilon)
        explorationOptimizer = Adam(parameters: modules.phi, learningRate: outer.explorationLearningRate,
                                    epsilon: outer.adamEpsilon)
        latentOptimizer = Adam(parameters: [modules.latent], learningRate: outer.latentLearningRate,
                               epsilon: outer.adamEpsilon)
    }

    /// The gradients one epoch applies: (θ ⊕ β, φ, z) and the exploration-reward statistics.
    public struct EpochGradients {
        public var theta: [Tensor], beta: [Tensor], phi: [Tensor], latent: Tensor
        public var outerLoss: Double
        /// r^μ per task (before scaling) and A^μ per task (low-variance estimator only).
        public var explorationRewards: [[Double]]
        public var explorationAdvantages: [[Double]]
    }

    /// The gradients of one epoch at the modules' current parameters (no parameter is changed).
    public func epochGradients(_ objective: MAMEObjective) throws -> EpochGradients {
        let m = modules
        let (theta, beta, phi, z) = (m.theta, m.beta, m.phi, m.latent)
        let weights = objective.unitWeights()
        let loss = objective.outerLoss(theta: theta, beta: beta, phi: phi, z: z, weights: weights)
        let all = gradients(of: loss, wrt: theta + beta + phi + [z] + weights)
        var k = 0
        func take(_ n: Int) -> [Tensor] { defer { k += n }; return Array(all[k..<(k + n)]) }
        let gTheta = take(theta.count), gBeta = take(beta.count), gPhiDice = take(phi.count), gz = take(1)[0]
        let rewards = objective.explorationRewards(outerLossGradientsOfWeights: take(weights.count))
        var gPhi = gPhiDice
        var advantages: [[Double]] = []
        switch objective.inner.explorationGradient {
        case .dice:
            break
        case .lowVariance:
            var scaled = rewards
            if explorationSettings.rewardScale == .rms {
                let valid = zip(rewards, objective.exploration).flatMap { r, x in zip(r, x.batch.mask).filter { $0.1 > 0 }.map(\.0) }
                let rms = (valid.reduce(0) { $0 + $1 * $1 } / Double(Swift.max(valid.count, 1))).squareRoot()
                if rms > 0 { scaled = rewards.map { $0.map { $0 / rms } } }
            }
            advantages = try zip(scaled, objective.exploration).map { r, x in
                try MAMEObjective.explorationAdvantages(rewards: r, batch: x.batch, lambda: explorationSettings.lambda)
            }
            gPhi = gradients(of: objective.explorationPolicyGradientLoss(phi: phi, advantages: advantages), wrt: phi)
        case .emaml:
            gPhi = gradients(of: objective.emamlLoss(phi: phi), wrt: phi)
        }
        return EpochGradients(theta: gTheta, beta: gBeta, phi: gPhi, latent: gz, outerLoss: loss.item,
                              explorationRewards: rewards, explorationAdvantages: advantages)
    }

    /// One update: `outer.epochs` epochs of gradients and Adam steps.
    public func update(_ objective: MAMEObjective) throws -> MAMEUpdateStatistics {
        var stats = MAMEUpdateStatistics()
        let m = modules
        (stats.innerLossBefore, stats.innerLossAfter, stats.latentStep) = innerLossValues(objective)
        for epoch in 0..<outer.epochs {
            let g = try epochGradients(objective)
            if epoch == 0 {
                stats.outerLossBefore = g.outerLoss
                stats.gradientNormTheta = norm(g.theta)
                stats.gradientNormBeta = norm(g.beta)
                stats.gradientNormPhi = norm(g.phi)
                stats.gradientNormLatent = norm([g.latent])
                let valid = zip(g.explorationRewards, objective.exploration).flatMap { r, x in
                    zip(r, x.batch.mask).filter { $0.1 > 0 }.map(\.0)
                }
                let n = Double(Swift.max(valid.count, 1))
                let mean = valid.reduce(0, +) / n
                stats.explorationRewardMean = mean
                stats.explorationRewardStd = (valid.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n).squareRoot()
                stats.explorationRewardAbsMean = valid.reduce(0) { $0 + Swift.abs($1) } / n
                let adv = zip(g.explorationAdvantages, objective.exploration).flatMap { a, x in
                    zip(a, x.batch.mask).filter { $0.1 > 0 }.map(\.0)
                }
                stats.explorationAdvantageMean = adv.isEmpty ? 0 : adv.reduce(0, +) / Double(adv.count)
            }
            networkOptimizer.step(g.theta + g.beta)
            explorationOptimizer.step(g.phi)
            latentOptimizer.step([g.latent])
        }
        stats.outerLossAfter = withoutGradients {
            objective.outerLoss(theta: m.theta, beta: m.beta, phi: m.phi, z: m.latent, createGraph: false).item
        }
        return stats
    }

    /// meanᵢ L_in(z), meanᵢ L_in(z′ᵢ) and meanᵢ ‖z′ᵢ − z‖ at the current parameters.
    func innerLossValues(_ objective: MAMEObjective) -> (Double, Double, Double) {
        let m = modules
        let (theta, beta, phi) = (m.theta.map { $0.detached() }, m.beta.map { $0.detached() }, m.phi.map { $0.detached() })
        var before = 0.0, after = 0.0, step = 0.0
        for i in 0..<objective.taskCount {
            let zi = objective.adaptedLatent(task: i, theta: theta, beta: beta, phi: phi, z: m.latent, createGraph: false)
            withoutGradients {
                before += objective.innerLoss(task: i, theta: theta, beta: beta, phi: phi, z: m.latent.detached()).item
                after += objective.innerLoss(task: i, theta: theta, beta: beta, phi: phi, z: zi).item
                step += zip(zi.doubles, m.latent.doubles).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
            }
        }
        let n = Double(objective.taskCount)
        return (before / n, after / n, step / n)
    }

    func norm(_ tensors: [Tensor]) -> Double {
        tensors.reduce(0) { total, t in t.doubles.reduce(total) { $0 + $1 * $1 } }.squareRoot()
    }

    public func saveState(into state: inout CheckpointState, prefix: String) {
        state.add(prefix: prefix + "networks.", networkOptimizer.stateTensors)
        state.add(prefix: prefix + "exploration.", explorationOptimizer.stateTensors)
        state.add(prefix: prefix + "latent.", latentOptimizer.stateTensors)
    }

    public func restoreState(from state: CheckpointState, prefix: String) throws {
        try networkOptimizer.loadState(state.tensors(prefix: prefix + "networks."))
        try explorationOptimizer.loadState(state.tensors(prefix: prefix + "exploration."))
        try latentOptimizer.loadState(state.tensors(prefix: prefix + "latent."))
    }
}
