import Foundation
import MetaExploreNN
import MetaExploreTensor

/// The inner (adaptation) loss of the MAML family (meta-rl-facts §3).
public enum InnerLoss: String, SettingChoice, Sendable {
    /// L_in = −mean(log π_θ(a|s) · Â): the policy-gradient surrogate of MAML's code (`cbfinn/maml_rl`) and of ProMP's
    /// MAML run scripts ("log-likelihood"). Its gradient at the sampling policy is the policy gradient; its Hessian
    /// (what the meta-gradient differentiates) lacks the score-function term E[∇log π ∇log πᵀ R] (Rothfuss et al.
    /// 2019, §4; tested in closed form).
    case reinforce
    /// L_in = −mean(π_θ(a|s)/π_θold(a|s) · Â), ProMP's "LVC" objective: the same gradient at θ = θold, and its Hessian
    /// is the exact Hessian of the expected return for per-step terms (tested against the exact objective).
    case lvc
}

/// One task's samples as the meta-objectives read them: [rows · horizon] tensors in the policy's dtype, with the
/// sampling policy's log-probabilities and distribution (the "old" policy: θ for pre-update samples, θ′ᵢ for
/// post-update samples; detached).
public struct MetaTaskInputs {
    public let observations: Tensor
    public let actions: Tensor
    public let mask: Tensor
    public let advantages: Tensor
    public let oldLogProbabilities: Tensor
    public let oldDistribution: DiagonalGaussian
    /// Mean undiscounted episode return of the batch.
    public let averageReturn: Double
    /// Episode returns of the batch (one per episode).
    public let episodeReturns: [Double]

    /// - Parameters:
    ///   - parameters: the parameters the batch was sampled with (their values are read; no gradient).
    ///   - batch: a single-task batch.
    ///   - advantages: per step, [rows · horizon].
    public init(policy: GaussianMLPPolicy, parameters: [Tensor], batch: TrajectoryBatch, advantages: [Double]) {
        precondition(batch.taskCount == 1 && advantages.count == batch.stepCount, "MetaTaskInputs: one task's batch")
        let obs = batch.observationTensor(dtype: policy.dtype), act = batch.actionTensor(dtype: policy.dtype)
        observations = obs
        actions = act
        mask = batch.maskTensor(dtype: policy.dtype)
        self.advantages = Tensor(shape: [batch.stepCount], doubles: advantages, dtype: policy.dtype)
        let (lp, dist) = withoutGradients { () -> (Tensor, DiagonalGaussian) in
            let d = policy.distribution(obs, parameters: parameters.map { $0.detached() })
            return (d.logProbability(act), DiagonalGaussian(mean: d.mean.copy(), logStd: d.logStd.copy()))
        }
        oldLogProbabilities = lp
        oldDistribution = dist
        episodeReturns = batch.episodeReturns
        averageReturn = batch.averageReturn
    }
}

/// How per-step advantages are computed from one task's samples (ProMP's `SampleProcessor` / MAML's
/// `process_samples`): a `LinearFeatureBaseline` fitted per task on the discounted returns, GAE(γ, λ) over it, then
/// (optionally) normalized over the task's valid steps.
public struct AdvantageEstimation: Sendable, Equatable, Codable {
    /// γ (MAML and ProMP: 0.99).
    public var gamma = 0.99
    /// GAE λ (ProMP: 1, i.e. return − baseline; MAML's rllab default is also 1).
    public var lambda = 1.0
    /// Normalize advantages per task (ProMP and MAML's `center_adv`: true).
    public var normalize = true
    public init() {}

    /// The advantages of a single-task batch, [rows · horizon] (0 on padding).
    public func advantages(_ batch: TrajectoryBatch) throws -> [Double] {
        let returns = Returns.discounted(rewards: batch.rewards, lengths: batch.lengths, horizon: batch.horizon,
                                         gamma: gamma)
        var baseline = LinearFeatureBaseline(observationSize: batch.observationSize)
        try baseline.fit(batch: batch, targets: returns)
        let values = baseline.predict(batch: batch)
        let adv = Returns.generalizedAdvantages(rewards: batch.rewards, values: values, lengths: batch.lengths,
                                                horizon: batch.horizon, gamma: gamma, lambda: lambda)
        return normalize ? Returns.normalized(adv, mask: batch.mask) : adv
    }
}

/// The MAML family's objectives as differentiable functions of the pre-update parameters θ, for one meta-batch:
/// `innerInputs[s][i]` are task i's samples of adaptation step s (s = 0: pre-update samples of θ; s ≥ 1: samples of
/// θ′ after s steps), `outerInputs[i]` task i's post-update samples (of θ′ᵢ after all steps).
///
/// Every objective rebuilds θ′ᵢ(θ) = θ − α∇θ L_in(θ; D⁰ᵢ) (then the same from θ′ for later steps) with
/// `createGraph`, so its gradient with respect to θ is the second-order meta-gradient through the inner steps.
/// All means are over tasks, each task's term a masked mean over its valid steps.
public struct MetaObjective {
    public let policy: GaussianMLPPolicy
    public let innerInputs: [[MetaTaskInputs]]
    public let outerInputs: [MetaTaskInputs]
    /// α, the inner step size (MAML and ProMP: 0.1).
    public let innerStepSize: Double
    public let innerLoss: InnerLoss

    public init(policy: GaussianMLPPolicy, innerInputs: [[MetaTaskInputs]], outerInputs: [MetaTaskInputs],
                innerStepSize: Double, innerLoss: InnerLoss) {
        precondition(!innerInputs.isEmpty && innerInputs.allSatisfy { $0.count == outerInputs.count },
                     "MetaObjective: one inner batch per step and task")
        self.policy = policy
        self.innerInputs = innerInputs
        self.outerInputs = outerInputs
        self.innerStepSize = innerStepSize
        self.innerLoss = innerLoss
    }

    public var taskCount: Int { outerInputs.count }
    public var innerSteps: Int { innerInputs.count }

    /// L_in at `parameters` on `inputs`.
    public static func innerLoss(_ kind: InnerLoss, policy: GaussianMLPPolicy, parameters: [Tensor],
                                 inputs: MetaTaskInputs) -> Tensor {
        let logp = policy.logProbability(observations: inputs.observations, actions: inputs.actions, parameters: parameters)
        switch kind {
        case .reinforce:
            return PolicyGradientLoss.reinforce(logProbabilities: logp, advantages: inputs.advantages, mask: inputs.mask)
        case .lvc:
            return PolicyGradientLoss.likelihoodRatio(logProbabilities: logp, oldLogProbabilities: inputs.oldLogProbabilities,
                                                      advantages: inputs.advantages, mask: inputs.mask)
        }
    }

    /// One inner step θ − α∇θ L_in(θ; inputs). With `createGraph` the result is differentiable in `parameters`
    /// (second order); without, it is a plain value (what sampling with θ′ needs).
    public static func innerStep(_ kind: InnerLoss, policy: GaussianMLPPolicy, parameters: [Tensor],
                                 inputs: MetaTaskInputs, stepSize: Double, createGraph: Bool) -> [Tensor] {
        if createGraph {
            let loss = innerLoss(kind, policy: policy, parameters: parameters, inputs: inputs)
            let g = gradients(of: loss, wrt: parameters, createGraph: true)
            return zip(parameters, g).map { $0 - $1 * stepSize }
        }
        let leaves = parameters.map { $0.detached().requiringGrad() }
        let g = GradMode.withGradients {
            gradients(of: innerLoss(kind, policy: policy, parameters: leaves, inputs: inputs), wrt: leaves)
        }
        return withoutGradients { zip(leaves, g).map { ($0 - $1 * stepSize).detached() } }
    }

    /// θ after `steps` inner steps of task i (θ itself for 0).
    public func adapted(_ theta: [Tensor], task i: Int, steps: Int? = nil, createGraph: Bool = true) -> [Tensor] {
        var p = theta
        for s in 0..<(steps ?? innerSteps) {
            p = Self.innerStep(innerLoss, policy: policy, parameters: p, inputs: innerInputs[s][i],
                               stepSize: innerStepSize, createGraph: createGraph)
        }
        return p
    }

    /// Mean over tasks of f(task i, θ′ᵢ).
    func meanOverTasks(_ theta: [Tensor], createGraph: Bool = true, _ f: (Int, [Tensor]) -> Tensor) -> Tensor {
        var total: Tensor? = nil
        for i in 0..<taskCount {
            let term = f(i, adapted(theta, task: i, createGraph: createGraph))
            total = total.map { $0 + term } ?? term
        }
        return total! / Double(taskCount)
    }

    /// The outer likelihood-ratio surrogate −meanᵢ mean(π_θ′ᵢ/π_θ′ᵢ,old · Â′) on post-update samples (MAML-VPG's and
    /// MAML-TRPO's outer loss; its gradient at θ is the meta-policy-gradient through the inner steps).
    public func surrogate(_ theta: [Tensor], createGraph: Bool = true) -> Tensor {
        meanOverTasks(theta, createGraph: createGraph) { i, p in
            TrustRegionPolicyOptimization.surrogate(policy: policy, inputs: outer(i), parameters: p)
        }
    }

    /// PPO-clip on post-update samples (ratio against the sampling policy θ′ᵢ,old), ProMP's outer objective.
    public func clippedSurrogate(_ theta: [Tensor], clip: Double) -> Tensor {
        meanOverTasks(theta) { i, p in
            ProximalPolicyOptimization.loss(policy: policy, inputs: outer(i), clip: clip, parameters: p)
        }
    }

    /// meanᵢ KL(π_θ′ᵢ,old ‖ π_θ′ᵢ(θ)) on post-update observations: MAML-TRPO's constraint, through the inner steps.
    public func outerKL(_ theta: [Tensor], createGraph: Bool = true) -> Tensor {
        meanOverTasks(theta, createGraph: createGraph) { i, p in
            PolicyGradientLoss.meanKL(old: outerInputs[i].oldDistribution,
                                      new: policy.distribution(outerInputs[i].observations, parameters: p),
                                      mask: outerInputs[i].mask)
        }
    }

    /// The outer surrogate and the outer KL from one rebuild of each θ′ᵢ(θ) (the same values as `surrogate` and
    /// `outerKL`, at half the adaptation cost): what MAML-TRPO's line search evaluates at every trial step.
    public func surrogateAndKL(_ theta: [Tensor], createGraph: Bool = true) -> (surrogate: Tensor, kl: Tensor) {
        var loss: Tensor? = nil, kl: Tensor? = nil
        for i in 0..<taskCount {
            let p = adapted(theta, task: i, createGraph: createGraph)
            let l = TrustRegionPolicyOptimization.surrogate(policy: policy, inputs: outer(i), parameters: p)
            let k = PolicyGradientLoss.meanKL(old: outerInputs[i].oldDistribution,
                                              new: policy.distribution(outerInputs[i].observations, parameters: p),
                                              mask: outerInputs[i].mask)
            loss = loss.map { $0 + l } ?? l
            kl = kl.map { $0 + k } ?? k
        }
        return (loss! / Double(taskCount), kl! / Double(taskCount))
    }

    /// v ↦ ∇²θ outerKL(θ) · v at the parameters the post-update samples were drawn with (θ′ᵢ(θ) = θ′ᵢ,old), in
    /// factored form: with θ′ᵢ = Φₖ ∘ ⋯ ∘ Φ₁(θ), Φₛ(p) = p − α∇Lₛ(p), each step's Jacobian is Jₛ = I − αHₛ (Hₛ the
    /// Hessian of step s's inner loss at its input — symmetric, so Jₛᵀ = Jₛ), and
    ///
    ///     ∇²θ KLᵢ(θ′ᵢ(θ)) = J₁ᵀ⋯Jₖᵀ · ∇²KLᵢ(θ′ᵢ) · Jₖ⋯J₁ + Σ_j ∂KLᵢ/∂θ′_j · ∇²θ′_j,
    ///
    /// whose last sum vanishes here because the KL's gradient is zero at θ′ᵢ = θ′ᵢ,old. Each factor is a
    /// Hessian-vector product of a first-order graph (double backward), built once per call of this function;
    /// differentiating the KL's gradient through the inner step instead (`outerKLHessianProductThroughInnerStep`)
    /// backpropagates through a graph of third order, which costs more than the 2k + 1 products here. Exact (the
    /// same Hessian to rounding, tested) only at θ where the post-update samples were drawn — where TRPO uses it.
    public func outerKLHessianProduct(at theta: [Tensor]) -> ([Double]) -> [Double] {
        struct Curvature { let leaves: [Tensor]; let gradients: [Tensor] }
        var innerCurvature: [[Curvature]] = [], klCurvature: [Curvature] = []
        for i in 0..<taskCount {
            var p = theta.map { $0.detached() }
            var steps: [Curvature] = []
            for s in 0..<innerSteps {
                let leaves = p.map { $0.detached().requiringGrad() }
                let loss = Self.innerLoss(innerLoss, policy: policy, parameters: leaves, inputs: innerInputs[s][i])
                let g = gradients(of: loss, wrt: leaves, createGraph: true)
                steps.append(Curvature(leaves: leaves, gradients: g))
                p = withoutGradients { zip(leaves, g).map { ($0 - $1 * innerStepSize).detached() } }
            }
            let q = p.map { $0.detached().requiringGrad() }
            let kl = PolicyGradientLoss.meanKL(old: outerInputs[i].oldDistribution,
                                               new: policy.distribution(outerInputs[i].observations, parameters: q),
                                               mask: outerInputs[i].mask)
            klCurvature.append(Curvature(leaves: q, gradients: gradients(of: kl, wrt: q, createGraph: true)))
            innerCurvature.append(steps)
        }
        func product(_ c: Curvature, _ u: [Tensor]) -> [Tensor] {
            var dot: Tensor? = nil
            for (g, ui) in zip(c.gradients, u) {
                let term = (g * ui).sum()
                dot = dot.map { $0 + term } ?? term
            }
            return gradients(of: dot!, wrt: c.leaves)
        }
        let alpha = innerStepSize, count = taskCount, steps = innerSteps
        return { v in
            let vs = unflatten(v, like: theta)
            var total = [Double](repeating: 0, count: v.count)
            for i in 0..<count {
                var u = vs
                for s in 0..<steps {                                  // Jₖ⋯J₁ v
                    let h = product(innerCurvature[i][s], u)
                    u = withoutGradients { zip(u, h).map { $0 - $1 * alpha } }
                }
                var w = product(klCurvature[i], u)                    // ∇²KLᵢ(θ′ᵢ) · (J v)
                for s in (0..<steps).reversed() {                     // J₁ᵀ⋯Jₖᵀ w
                    let h = product(innerCurvature[i][s], w)
                    w = withoutGradients { zip(w, h).map { $0 - $1 * alpha } }
                }
                var offset = 0
                for t in w {
                    for x in t.doubles { total[offset] += x; offset += 1 }
                }
            }
            return total.map { $0 / Double(count) }
        }
    }

    /// v ↦ ∇²θ outerKL(θ) · v by differentiating the KL's gradient, itself taken through the inner steps with
    /// `createGraph`, a second time (pytorch-maml-rl's form): exact at any θ, and the reference
    /// `outerKLHessianProduct` is tested against.
    public func outerKLHessianProductThroughInnerStep(at theta: [Tensor]) -> ([Double]) -> [Double] {
        let grads = gradients(of: outerKL(theta), wrt: theta, createGraph: true)
        return { v in
            let vs = unflatten(v, like: theta)
            var gv: Tensor? = nil
            for (g, vi) in zip(grads, vs) {
                let term = (g * vi).sum()
                gv = gv.map { $0 + term } ?? term
            }
            return flatten(gradients(of: gv!, wrt: theta))
        }
    }

    /// meanᵢ KL(π_θs,old ‖ π_θs(θ)) on the samples of inner step s: ProMP's inner-step KL penalty term (θ₀(θ) = θ, so
    /// for s = 0 this is KL(π_θold ‖ π_θ) on pre-update observations).
    public func innerKL(_ theta: [Tensor], step s: Int) -> Tensor {
        var total: Tensor? = nil
        for i in 0..<taskCount {
            let p = adapted(theta, task: i, steps: s)
            let x = innerInputs[s][i]
            let term = PolicyGradientLoss.meanKL(old: x.oldDistribution, new: policy.distribution(x.observations, parameters: p),
                                                 mask: x.mask)
            total = total.map { $0 + term } ?? term
        }
        return total! / Double(taskCount)
    }

    /// E-MAML's extra term in ProMP's form: meanᵢ [−R̃ᵢ · Σ_s mean(log π_θs(a|s) on inner samples of step s)], with
    /// R̃ᵢ task i's standardized post-update return (`standardizedPostUpdateReturns`). Its gradient is the
    /// score-function term of the pre-update sampling distribution that MAML's estimator drops (Al-Shedivat et al.
    /// 2018; Stadie et al. 2018).
    public func emamlTerm(_ theta: [Tensor], standardizedReturns: [Double]) -> Tensor {
        precondition(standardizedReturns.count == taskCount, "emamlTerm: one return per task")
        var total: Tensor? = nil
        for i in 0..<taskCount {
            for s in 0..<innerSteps {
                let p = adapted(theta, task: i, steps: s)
                let x = innerInputs[s][i]
                let logp = policy.logProbability(observations: x.observations, actions: x.actions, parameters: p)
                let term = PolicyGradientLoss.maskedMean(logp, mask: x.mask) * (-standardizedReturns[i])
                total = total.map { $0 + term } ?? term
            }
        }
        return total! / Double(taskCount)
    }

    /// R̃ᵢ: the post-update episode returns standardized over the whole meta-batch ((G − mean)/(std + 1e-8), population
    /// std), then averaged per task.
    public func standardizedPostUpdateReturns() -> [Double] {
        let all = outerInputs.flatMap(\.episodeReturns)
        let mean = all.reduce(0, +) / Double(all.count)
        let std = (all.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(all.count)).squareRoot()
        return outerInputs.map { x in
            x.episodeReturns.reduce(0) { $0 + ($1 - mean) / (std + 1e-8) } / Double(x.episodeReturns.count)
        }
    }

    /// Task i's post-update samples as `PolicyGradientInputs`-shaped values for the shared losses.
    func outer(_ i: Int) -> PolicyGradientInputs { outerInputs[i].policyGradientInputs }
}

extension MetaTaskInputs {
    /// The same tensors as the single-task optimizers' inputs.
    var policyGradientInputs: PolicyGradientInputs {
        PolicyGradientInputs(observations: observations, actions: actions, mask: mask, advantages: advantages,
                             oldLogProbabilities: oldLogProbabilities, oldDistribution: oldDistribution)
    }
}

extension PolicyGradientInputs {
    /// Inputs from tensors already built (the sampling policy's log-probabilities and distribution given).
    init(observations: Tensor, actions: Tensor, mask: Tensor, advantages: Tensor, oldLogProbabilities: Tensor,
         oldDistribution: DiagonalGaussian) {
        self.observations = observations
        self.actions = actions
        self.mask = mask
        self.advantages = advantages
        self.oldLogProbabilities = oldLogProbabilities
        self.oldDistribution = oldDistribution
    }
}
