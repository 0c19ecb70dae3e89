import MetaExploreNN
import MetaExploreTensor

/// Single-task on-policy updates of a `GaussianMLPPolicy` from a batch's `PolicyGradientInputs`:
///
/// - `VanillaPolicyGradient` — one step on the REINFORCE loss (Williams 1992), plain gradient descent by default
///   (θ ← θ − α∇L, MAML's inner step with α = 0.1) or Adam.
/// - `ProximalPolicyOptimization` — PPO-clip (Schulman et al. 2017, Eq. 7), `epochs` full-batch Adam steps
///   (ProMP's outer loop: 5 epochs, lr 1e-3; clip 0.2 as exp_maml and the PPO paper; ProMP uses 0.3).
/// - `TrustRegionPolicyOptimization` — TRPO (Schulman et al. 2015): minimize the likelihood-ratio surrogate under
///   mean KL(π_old ‖ π_θ) ≤ δ. Natural-gradient direction s = −H⁻¹g by `ConjugateGradient` with H the Hessian of
///   the mean KL at θ_old, applied by double backward (H v = ∇_θ(∇_θ KL · v), pytorch-maml-rl's exact form;
///   ProMP uses finite differences) plus damping·v; initial step √(2δ / sᵀHs)·s; backtracking ×0.8 up to 15
///   times; accepted only when the surrogate falls and the KL holds, else the parameters are restored exactly.
///
/// Each `update` returns `PolicyUpdateStatistics`.
public struct PolicyUpdateStatistics: Sendable {
    public var lossBefore: Double
    public var lossAfter: Double
    /// Mean KL(π_old ‖ π_new) over valid steps after the update.
    public var kl: Double
    /// TRPO: whether a step was accepted (always true for VPG and PPO).
    public var accepted: Bool = true
    /// TRPO: the accepted fraction of the full step (0.8^k), 0 when reverted.
    public var stepFraction: Double = 1
}

/// Mean KL(π_old ‖ π_θ) of the policy's current parameters against the inputs' old distribution (no gradient).
func currentKL(_ policy: GaussianMLPPolicy, _ inputs: PolicyGradientInputs) -> Double {
    withoutGradients {
        PolicyGradientLoss.meanKL(old: inputs.oldDistribution, new: policy.distribution(inputs.observations),
                                  mask: inputs.mask).item
    }
}

public final class VanillaPolicyGradient {
    public struct Configuration: Sendable, Equatable {
        public var learningRate = 0.1
        /// Adam instead of plain gradient descent.
        public var adam = false
        public init() {}
    }

    public let policy: GaussianMLPPolicy
    public let configuration: Configuration
    private let optimizer: Optimizer

    public init(policy: GaussianMLPPolicy, configuration: Configuration = Configuration()) {
        self.policy = policy
        self.configuration = configuration
        optimizer = configuration.adam
            ? Adam(parameters: policy.parameters, learningRate: configuration.learningRate)
            : SGD(parameters: policy.parameters, learningRate: configuration.learningRate)
    }

    /// The REINFORCE loss at `parameters` (the policy's own when nil): differentiable in them.
    public static func loss(policy: GaussianMLPPolicy, inputs: PolicyGradientInputs, parameters: [Tensor]? = nil) -> Tensor {
        PolicyGradientLoss.reinforce(
            logProbabilities: policy.logProbability(observations: inputs.observations, actions: inputs.actions,
                                                    parameters: parameters),
            advantages: inputs.advantages, mask: inputs.mask)
    }

    @discardableResult
    public func update(_ inputs: PolicyGradientInputs) -> PolicyUpdateStatistics {
        let loss = Self.loss(policy: policy, inputs: inputs)
        optimizer.step(gradients(of: loss, wrt: policy.parameters))
        let after = withoutGradients { Self.loss(policy: policy, inputs: inputs).item }
        return PolicyUpdateStatistics(lossBefore: loss.item, lossAfter: after, kl: currentKL(policy, inputs))
    }
}

public final class ProximalPolicyOptimization {
    public struct Configuration: Sendable, Equatable {
        public var learningRate = 1e-3
        public var clip = 0.2
        public var epochs = 5
        /// Subtracts coefficient × mean entropy from the loss (0: none, as ProMP).
        public var entropyCoefficient = 0.0
        /// Clips the joint gradient norm (nil: no clipping).
        public var maxGradientNorm: Double? = nil
        public init() {}
    }

    public let policy: GaussianMLPPolicy
    public let configuration: Configuration
    private let optimizer: Adam

    public init(policy: GaussianMLPPolicy, configuration: Configuration = Configuration()) {
        self.policy = policy
        self.configuration = configuration
        optimizer = Adam(parameters: policy.parameters, learningRate: configuration.learningRate)
    }

    public static func loss(policy: GaussianMLPPolicy, inputs: PolicyGradientInputs, clip: Double,
                            entropyCoefficient: Double = 0, parameters: [Tensor]? = nil) -> Tensor {
        let dist = policy.distribution(inputs.observations, parameters: parameters)
        var loss = PolicyGradientLoss.clipped(
            logProbabilities: dist.logProbability(inputs.actions), oldLogProbabilities: inputs.oldLogProbabilities,
            advantages: inputs.advantages, mask: inputs.mask, clip: clip)
        if entropyCoefficient != 0 {
            loss = loss - PolicyGradientLoss.maskedMean(dist.entropy(), mask: inputs.mask) * entropyCoefficient
        }
        return loss
    }

    @discardableResult
    public func update(_ inputs: PolicyGradientInputs) -> PolicyUpdateStatistics {
        let c = configuration
        var before = 0.0
        for epoch in 0..<c.epochs {
            let loss = Self.loss(policy: policy, inputs: inputs, clip: c.clip, entropyCoefficient: c.entropyCoefficient)
            if epoch == 0 { before = loss.item }
            var grads = gradients(of: loss, wrt: policy.parameters)
            if let maxNorm = c.maxGradientNorm { grads = clipGradientNorm(grads, maxNorm: maxNorm).gradients }
            optimizer.step(grads)
        }
        let after = withoutGradients {
            Self.loss(policy: policy, inputs: inputs, clip: c.clip, entropyCoefficient: c.entropyCoefficient).item
        }
        return PolicyUpdateStatistics(lossBefore: before, lossAfter: after, kl: currentKL(policy, inputs))
    }
}

public final class TrustRegionPolicyOptimization {
    public struct Configuration: Sendable, Equatable {
        /// δ, the KL bound (MAML and ProMP: 0.01).
        public var maxKL = 0.01
        public var conjugateGradientIterations = 10
        /// Added to every Hessian-vector product (pytorch-maml-rl and ProMP: 1e-5).
        public var damping = 1e-5
        public var backtrackRatio = 0.8
        public var maxBacktracks = 15
        public init() {}
    }

    public struct LineSearchResult: Sendable, Equatable {
        public var accepted: Bool
        /// The accepted fraction of the full step (0 when reverted).
        public var stepFraction: Double
        /// Loss and KL at the final parameters (the old ones when reverted).
        public var loss: Double
        public var kl: Double
    }

    public let policy: GaussianMLPPolicy
    public let configuration: Configuration

    public init(policy: GaussianMLPPolicy, configuration: Configuration = Configuration()) {
        self.policy = policy
        self.configuration = configuration
    }

    /// The likelihood-ratio surrogate −mean(r_θ Â) at `parameters` (the policy's own when nil).
    public static func surrogate(policy: GaussianMLPPolicy, inputs: PolicyGradientInputs,
                                 parameters: [Tensor]? = nil) -> Tensor {
        PolicyGradientLoss.likelihoodRatio(
            logProbabilities: policy.logProbability(observations: inputs.observations, actions: inputs.actions,
                                                    parameters: parameters),
            oldLogProbabilities: inputs.oldLogProbabilities, advantages: inputs.advantages, mask: inputs.mask)
    }

    /// v ↦ H v + damping · v with H the Hessian of the mean KL(π_old ‖ π_θ) at the policy's current parameters,
    /// by double backward: the KL's gradient is built once with `createGraph`, then each product differentiates
    /// ∇KL · v.
    public static func fisherVectorProduct(policy: GaussianMLPPolicy, inputs: PolicyGradientInputs,
                                           damping: Double) -> ([Double]) -> [Double] {
        let params = policy.parameters
        let kl = PolicyGradientLoss.meanKL(old: inputs.oldDistribution, new: policy.distribution(inputs.observations),
                                           mask: inputs.mask)
        let grads = gradients(of: kl, wrt: params, createGraph: true)
        return { v in
            let vs = unflatten(v, like: params)
            var gv: Tensor? = nil
            for (g, vi) in zip(grads, vs) {
                let term = (g * vi).sum()
                gv = gv.map { $0 + term } ?? term
            }
            let hv = flatten(gradients(of: gv!, wrt: params))
            return zip(hv, v).map { $0 + damping * $1 }
        }
    }

    /// Tries θ_old + f · fullStep for f = 1, ratio, ratio², …; keeps the first that lowers the loss below
    /// `lossBefore` with KL ≤ maxKL, else restores θ_old exactly. `evaluate` returns (loss, KL) at the
    /// parameters currently written into `parameters`.
    public static func backtrackingLineSearch(
        parameters: [Tensor], fullStep: [Double], lossBefore: Double, maxKL: Double, ratio: Double = 0.8,
        maxBacktracks: Int = 15, evaluate: () -> (loss: Double, kl: Double)
    ) -> LineSearchResult {
        let old = flatten(parameters)
        precondition(old.count == fullStep.count, "line search: step of \(fullStep.count) for \(old.count) parameters")
        var fraction = 1.0
        for _ in 0..<maxBacktracks {
            assignFlat(zip(old, fullStep).map { $0 + fraction * $1 }, to: parameters)
            let (loss, kl) = evaluate()
            if loss < lossBefore, kl <= maxKL, loss.isFinite, kl.isFinite {
                return LineSearchResult(accepted: true, stepFraction: fraction, loss: loss, kl: kl)
            }
            fraction *= ratio
        }
        assignFlat(old, to: parameters)
        return LineSearchResult(accepted: false, stepFraction: 0, loss: lossBefore, kl: 0)
    }

    @discardableResult
    public func update(_ inputs: PolicyGradientInputs) -> PolicyUpdateStatistics {
        let c = configuration
        let params = policy.parameters
        let loss = Self.surrogate(policy: policy, inputs: inputs)
        let lossBefore = loss.item
        let g = flatten(gradients(of: loss, wrt: params))
        let fvp = Self.fisherVectorProduct(policy: policy, inputs: inputs, damping: c.damping)
        let direction = ConjugateGradient.solve(fvp, g.map { -$0 }, iterations: c.conjugateGradientIterations).solution
        let sHs = ConjugateGradient.dot(direction, fvp(direction))
        guard sHs > 0, sHs.isFinite else {
            return PolicyUpdateStatistics(lossBefore: lossBefore, lossAfter: lossBefore, kl: 0, accepted: false,
                                          stepFraction: 0)
        }
        let scale = (2 * c.maxKL / sHs).squareRoot()
        let result = Self.backtrackingLineSearch(
            parameters: params, fullStep: direction.map { $0 * scale }, lossBefore: lossBefore, maxKL: c.maxKL,
            ratio: c.backtrackRatio, maxBacktracks: c.maxBacktracks
        ) {
            withoutGradients {
                (Self.surrogate(policy: policy, inputs: inputs).item, currentKL(policy, inputs))
            }
        }
        return PolicyUpdateStatistics(lossBefore: lossBefore, lossAfter: result.loss, kl: result.kl,
                                      accepted: result.accepted, stepFraction: result.stepFraction)
    }
}
