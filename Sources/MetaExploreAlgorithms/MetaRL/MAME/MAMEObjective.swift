import Foundation
import MetaExploreNN
import MetaExploreTensor

/// What the self-supervision network M predicts (M̄ in `MAME-A1 L6`; Sec. 4: "any of the task specific quantity like
/// reward, return, value").
public enum SelfSupervisionTarget: String, SettingChoice, Sendable {
    /// The discounted return from step t of the exploration episode (Sec. 5: "we use the returns calculated at each
    /// time step of the exploration policy as the self-supervision signal"), γ = `meta.targetDiscount`. (The seed's
    /// code uses 100-step returns, which on 100-step tasks are the same quantity.)
    case returns
    /// The reward r_t (Fig. 3's "Reward Self-Supervision").
    case rewards
    /// The next observation s_{t+1} (one of the code's options). The batch does not store the observation after an
    /// episode's last step, so that step carries no target (it is left out of the loss).
    case nextState
}

/// The inner (adaptation) loss on z.
public enum MAMEInnerLoss: String, SettingChoice, Sendable {
    /// Σt wt (Mβ,z(st, at) − M̄t)², the regression of Sec. 4 (`MAME-A1 L6`), with wt the DiCE weight.
    case regression
    /// Fig. 3's "VPG-Inner loop": the importance-weighted policy-gradient loss of Sec. 4's U(θ, T), on the same
    /// exploration samples, adapting z: Σt wt · −(πθ,z(at|st)/⊥μφ(at|st)) Ât, with Ât the exploration batch's
    /// advantages (linear baseline, normalized; `meta.advantages`). Choice: per-step ratios (the text writes the
    /// trajectory ratio P/Q, whose product over 100 steps is numerically unusable), not clipped.
    case policyGradient
}

/// How the inner loss is reduced over the exploration episodes of a task.
public enum InnerReduction: String, SettingChoice, Sendable {
    /// E_τ[Σt …]: the sum over the steps of an episode, averaged over the task's episodes (the text's Eq. in Sec. 4).
    case episodeMean
    /// Σ over steps and episodes (the seed's code: z′ = z − 0.1 · Σ_{t,b} ∂L/∂z).
    case sum
}

/// Where μφ's gradient comes from (Fig. 3's variants).
public enum ExplorationGradient: String, SettingChoice, Sendable {
    /// The low-variance estimator of Eq. 2–5 (the seed's "Ours"): a policy gradient with per-step exploration
    /// rewards r_t^μ and advantages A_t^μ = r_t^μ + V_{t+1}^μ − V_t^μ.
    case lowVariance
    /// Vanilla DiCE: back-propagation through the DiCE weights of the inner loss (`MAME-A1 L6` as printed).
    case dice
    /// E-MAML-based: a score-function gradient on μφ with the task's standardized post-update return as the
    /// return of every exploration step (ProMP's form of the E-MAML term: −meanᵢ R̃ᵢ · mean_t log μφ(at|st)).
    case emaml
}

/// How the exploration rewards r_t^μ are scaled before the advantages are computed.
public enum ExplorationRewardScale: String, SettingChoice, Sendable {
    /// As Eq. 5 gives them (the text).
    case none
    /// Divided by their root mean square over the meta-batch (the seed's code; no mean subtraction).
    case rms
}

/// The outer objective on the post-update samples of πθ,z′.
public enum MAMEOuterObjective: String, SettingChoice, Sendable {
    /// −meanᵢ mean_t(πθ,z′ᵢ/π_old · Â′): the policy gradient of `MAME-A1 L9` as a likelihood-ratio surrogate (its
    /// gradient at the sampling parameters is the policy gradient; the text).
    case policyGradient
    /// PPO-clip on the post-update samples over `outer.epochs` epochs (the seed's code: clip 0.2, 5 epochs).
    case ppo
}

/// One task's exploration samples (`MAME-A1 L5`) as the inner loss reads them: [rows · horizon] tensors.
public struct MAMEExplorationInputs {
    public let batch: TrajectoryBatch
    public let observations: Tensor
    public let actions: Tensor
    /// 1 on valid steps.
    public let mask: Tensor
    /// 1 on steps that carry a target (valid steps; for `nextState`, all but each episode's last).
    public let targetMask: Tensor
    /// M̄, [rows · horizon, targetSize].
    public let targets: Tensor
    /// The exploration batch's advantages (for the `policyGradient` inner loss).
    public let advantages: Tensor
    /// log μφ(a|s) at the sampling parameters (detached).
    public let oldLogProbabilities: Tensor
    public var rows: Int { batch.episodeCount }
    public var horizon: Int { batch.horizon }

    public init(modules: MAMEModules, batch: TrajectoryBatch, target: SelfSupervisionTarget, targetDiscount: Double,
                advantages: AdvantageEstimation) throws {
        precondition(batch.taskCount == 1, "MAMEExplorationInputs: one task's batch")
        self.batch = batch
        let dtype = modules.dtype
        observations = batch.observationTensor(dtype: dtype)
        actions = batch.actionTensor(dtype: dtype)
        let m = batch.mask
        mask = Tensor(shape: [batch.stepCount], doubles: m, dtype: dtype)
        let (values, tmask) = Self.targets(batch, target: target, discount: targetDiscount)
        precondition(values.count == batch.stepCount * modules.targetSize, "MAMEExplorationInputs: target size")
        targets = Tensor(shape: [batch.stepCount, modules.targetSize], doubles: values, dtype: dtype)
        targetMask = Tensor(shape: [batch.stepCount], doubles: tmask, dtype: dtype)
        self.advantages = Tensor(shape: [batch.stepCount], doubles: try advantages.advantages(batch), dtype: dtype)
        let (obs, act) = (observations, actions)
        oldLogProbabilities = withoutGradients {
            modules.exploration.logProbability(observations: obs, actions: act,
                                               parameters: modules.phi.map { $0.detached() }).copy()
        }
    }

    /// M̄ per step (flat, [rows · horizon · size]) and the steps that carry one.
    public static func targets(_ batch: TrajectoryBatch, target: SelfSupervisionTarget, discount: Double)
        -> (values: [Double], mask: [Double]) {
        let mask = batch.mask
        switch target {
        case .returns:
            return (Returns.discounted(rewards: batch.rewards, lengths: batch.lengths, horizon: batch.horizon,
                                       gamma: discount), mask)
        case .rewards:
            return (zip(batch.rewards, mask).map { $0 * $1 }, mask)
        case .nextState:
            let d = batch.observationSize, h = batch.horizon
            var values = [Double](repeating: 0, count: batch.stepCount * d)
            var m = [Double](repeating: 0, count: batch.stepCount)
            for row in 0..<batch.episodeCount where batch.lengths[row] > 1 {
                for t in 0..<(batch.lengths[row] - 1) {
                    let i = row * h + t
                    m[i] = 1
                    for k in 0..<d { values[i * d + k] = batch.observations[(i + 1) * d + k] }
                }
            }
            return (values, m)
        }
    }
}

/// The settings of the inner step and of μφ's gradient that `MAMEObjective` needs.
public struct MAMEInnerSettings: Sendable, Equatable {
    /// α (the seed's code: 0.1; the text keeps MAML's hyper-parameters, whose α is 0.1).
    public var stepSize = 0.1
    public var steps = 1
    public var loss: MAMEInnerLoss = .regression
    public var reduction: InnerReduction = .episodeMean
    public var explorationGradient: ExplorationGradient = .lowVariance
    public init() {}
}

/// MAME's objectives for one meta-batch, as differentiable functions of (θ, β, φ, z).
///
/// - `MAME-A1 L6` — `adaptedLatent`: z′ = z − α ∇z L_in(z), L_in = reduce_τ Σt wt ℓt with ℓt = (Mβ,z(st, at) −
///   M̄t)² (or the VPG-inner term) and wt = Π_{t′≤t} μφ(at′|st′)/⊥μφ(at′|st′) (the DiCE weight, value 1, `diceWeights`),
///   built with `createGraph` so the outer gradient flows to z, β, φ (and θ for the VPG-inner loss) through it.
///   With `steps` > 1 the step is repeated on the same exploration samples.
/// - `MAME-A1 L9` — `outerLoss`: −J(z′, θ) as meanᵢ of the surrogate on task i's post-update samples of πθ,z′ᵢ.
/// - Eq. 2–5 — `explorationRewards`: r_t^μ = ∂J/∂ωt, where ωt is a per-step weight (value 1) multiplying ℓt in
///   L_in. For one inner step ∂z′/∂ωt = −α∇z ℓt, so r_t^μ = −α (∇z′J)ᵀ ∇z ℓt: Eq. 5 with α moved inside and the sign
///   the derivation gives (the text prints the product without the minus that z′ = z − α∇ brings; with it, μφ is
///   rewarded for samples whose regression step moves z′ uphill on J). Every factor of the objective (1/episodes of
///   the reduction, 1/tasks) is inside r_t^μ, so Σ_{t′} ∇φ log μφ(at′|st′) Σ_{t≥t′} r_t^μ is exactly the vanilla
///   DiCE gradient of −outerLoss with respect to φ (the seed's Eq. 2–3; tested per sample). For several inner steps
///   the same definition (∂J/∂ωt through all of them) keeps that identity.
public struct MAMEObjective {
    public let modules: MAMEModules
    public let exploration: [MAMEExplorationInputs]
    /// Task i's post-update samples (sampled with the folded parameters of πθ,z′ᵢ, via `modules.exploitationView`).
    public let post: [MetaTaskInputs]
    public let inner: MAMEInnerSettings
    public let outerObjective: MAMEOuterObjective
    public let clip: Double

    /// - Parameter allowEmptyPost: build an objective for the inner step alone (no post-update samples yet; the
    ///   outer loss must not be called).
    public init(modules: MAMEModules, exploration: [MAMEExplorationInputs], post: [MetaTaskInputs],
                inner: MAMEInnerSettings, outerObjective: MAMEOuterObjective = .policyGradient, clip: Double = 0.2,
                allowEmptyPost: Bool = false) {
        precondition(!exploration.isEmpty && (exploration.count == post.count || (allowEmptyPost && post.isEmpty)),
                     "MAMEObjective: one exploration and one post batch per task")
        self.modules = modules
        self.exploration = exploration
        self.post = post
        self.inner = inner
        self.outerObjective = outerObjective
        self.clip = clip
    }

    public var taskCount: Int { exploration.count }

    /// [H, H] with entry (t′, t) = 1 when t′ ≤ t: a row of log-probabilities times it is their running sum.
    static func lowerCumulative(_ horizon: Int, dtype: DType) -> Tensor {
        var u = [Double](repeating: 0, count: horizon * horizon)
        for a in 0..<horizon { for b in a..<horizon { u[a * horizon + b] = 1 } }
        return Tensor(shape: [horizon, horizon], doubles: u, dtype: dtype)
    }

    /// The DiCE weights of `MAME-A1 L6`: wt = exp(Σ_{t′≤t} log μ(at′|st′) − ⊥(same)), per step [rows · horizon]
    /// (padded steps contribute nothing to the running sums). Value 1; ∂wt/∂φ = Σ_{t′≤t} ∇φ log μ(at′|st′).
    public static func diceWeights(logProbabilities: Tensor, mask: Tensor, rows: Int, horizon: Int) -> Tensor {
        let cumulative = (logProbabilities * mask).reshaped([rows, horizon])
            .matmul(lowerCumulative(horizon, dtype: logProbabilities.dtype)).reshaped([rows * horizon])
        return (cumulative - cumulative.detached()).exp()
    }

    /// The per-step loss ℓt of task i at (θ, β, z), [rows · horizon] (0 where no target).
    public func stepLosses(task i: Int, theta: [Tensor], beta: [Tensor], z: Tensor) -> Tensor {
        let x = exploration[i]
        switch inner.loss {
        case .regression:
            let diff = modules.predict(observations: x.observations, actions: x.actions, beta: beta, z: z) - x.targets
            return (diff * diff).sum(axes: [1]) * x.targetMask
        case .policyGradient:
            let logp = modules.exploitationView.logProbability(
                observations: x.observations, actions: x.actions,
                parameters: modules.exploitationParameters(theta: theta, z: z))
            return ((logp - x.oldLogProbabilities).exp() * x.advantages * x.mask) * -1.0
        }
    }

    /// L_in of task i: reduce(Σt wt ωt ℓt) with wt the DiCE weight of μφ (carrying φ's gradient only for
    /// `ExplorationGradient.dice`; for the other estimators wt is the constant 1) and ωt the optional extra weights.
    public func innerLoss(task i: Int, theta: [Tensor], beta: [Tensor], phi: [Tensor], z: Tensor,
                          weights: Tensor? = nil) -> Tensor {
        let x = exploration[i]
        var total = stepLosses(task: i, theta: theta, beta: beta, z: z)
        if inner.explorationGradient == .dice {
            let logmu = modules.exploration.logProbability(observations: x.observations, actions: x.actions, parameters: phi)
            total = total * Self.diceWeights(logProbabilities: logmu, mask: x.mask, rows: x.rows, horizon: x.horizon)
        }
        if let weights { total = total * weights }
        let sum = total.sum()
        return inner.reduction == .episodeMean ? sum / Double(x.rows) : sum
    }

    /// z′ of task i after `inner.steps` steps (`MAME-A1 L6`). With `createGraph` the result is differentiable in θ,
    /// β, φ, z and `weights`; without, it is a plain value (what sampling needs).
    public func adaptedLatent(task i: Int, theta: [Tensor], beta: [Tensor], phi: [Tensor], z: Tensor,
                              weights: Tensor? = nil, createGraph: Bool = true) -> Tensor {
        if !createGraph {
            let (t, b, p) = (theta.map { $0.detached() }, beta.map { $0.detached() }, phi.map { $0.detached() })
            var current = z.detached()
            for _ in 0..<inner.steps {
                let leaf = current.detached().requiringGrad()
                let g = GradMode.withGradients {
                    gradients(of: innerLoss(task: i, theta: t, beta: b, phi: p, z: leaf, weights: weights?.detached()),
                              wrt: [leaf])[0]
                }
                current = withoutGradients { (leaf - g * inner.stepSize).detached() }
            }
            return current
        }
        var current = z
        for _ in 0..<inner.steps {
            let loss = innerLoss(task: i, theta: theta, beta: beta, phi: phi, z: current, weights: weights)
            let g = gradients(of: loss, wrt: [current], createGraph: true)[0]
            current = current - g * inner.stepSize
        }
        return current
    }

    /// Task i's term of −J on its post-update samples at the folded parameters of πθ,z′.
    public func outerTerm(task i: Int, parameters: [Tensor]) -> Tensor {
        let x = post[i].policyGradientInputs
        switch outerObjective {
        case .policyGradient:
            return TrustRegionPolicyOptimization.surrogate(policy: modules.exploitationView, inputs: x, parameters: parameters)
        case .ppo:
            return ProximalPolicyOptimization.loss(policy: modules.exploitationView, inputs: x, clip: clip,
                                                   parameters: parameters)
        }
    }

    /// −J(z′, θ) (`MAME-A1 L9`): meanᵢ of task i's outer term at πθ,z′ᵢ(θ, β, φ, z).
    public func outerLoss(theta: [Tensor], beta: [Tensor], phi: [Tensor], z: Tensor, weights: [Tensor]? = nil,
                          createGraph: Bool = true) -> Tensor {
        var total: Tensor? = nil
        for i in 0..<taskCount {
            let zi = adaptedLatent(task: i, theta: theta, beta: beta, phi: phi, z: z, weights: weights?[i],
                                   createGraph: createGraph)
            let term = outerTerm(task: i, parameters: modules.exploitationParameters(theta: theta, z: zi))
            total = total.map { $0 + term } ?? term
        }
        return total! / Double(taskCount)
    }

    /// Per-task unit weights ωt (leaves of ones) whose gradients are the exploration rewards.
    public func unitWeights() -> [Tensor] {
        exploration.map { Tensor.ones([$0.batch.stepCount], dtype: modules.dtype).requiringGrad() }
    }

    /// r^μ = ∂J/∂ω = −∂(outer loss)/∂ω per task (Eq. 5, see the type's documentation), [rows · horizon] each, 0 on
    /// padded steps.
    public func explorationRewards(outerLossGradientsOfWeights g: [Tensor]) -> [[Double]] {
        zip(g, exploration).map { gi, x in zip(gi.doubles, x.batch.mask).map { -$0 * $1 } }
    }

    /// Eq. 4: A_t^μ = r_t^μ + V_{t+1}^μ − V_t^μ (V after an episode's last step: 0) with V^μ a linear feature baseline
    /// fitted on R_t^μ = Σ_{t′≥t} r_{t′}^μ of the task's exploration samples. `lambda` generalizes the one-step form
    /// to GAE(1, λ): λ = 0 is Eq. 4, λ = 1 is R_t^μ − V_t^μ (unbiased for any baseline).
    public static func explorationAdvantages(rewards: [Double], batch: TrajectoryBatch, lambda: Double) throws -> [Double] {
        let returns = Returns.discounted(rewards: rewards, lengths: batch.lengths, horizon: batch.horizon, gamma: 1)
        var baseline = LinearFeatureBaseline(observationSize: batch.observationSize)
        try baseline.fit(batch: batch, targets: returns)
        return explorationAdvantages(rewards: rewards, values: baseline.predict(batch: batch), lengths: batch.lengths,
                                     horizon: batch.horizon, lambda: lambda)
    }

    /// Eq. 4 with given values V_t^μ ([rows · horizon]): A_t = r_t + V_{t+1} − V_t (λ = 0), or GAE(1, λ) in general.
    public static func explorationAdvantages(rewards: [Double], values: [Double], lengths: [Int], horizon: Int,
                                             lambda: Double) -> [Double] {
        Returns.generalizedAdvantages(rewards: rewards, values: values, lengths: lengths, horizon: horizon, gamma: 1,
                                      lambda: lambda)
    }

    /// Eq. 2 with A^μ in place of R^μ, as a loss for φ: −Σᵢ Σt log μφ(at|st) A_t^μ (a sum: the 1/tasks and
    /// 1/episodes factors are inside r^μ). Its gradient with A^μ = R^μ is the vanilla DiCE gradient.
    public func explorationPolicyGradientLoss(phi: [Tensor], advantages: [[Double]]) -> Tensor {
        var total: Tensor? = nil
        for (i, x) in exploration.enumerated() {
            let logmu = modules.exploration.logProbability(observations: x.observations, actions: x.actions, parameters: phi)
            let a = Tensor(shape: [x.batch.stepCount], doubles: advantages[i], dtype: modules.dtype)
            let term = (logmu * a * x.mask).sum() * -1.0
            total = total.map { $0 + term } ?? term
        }
        return total!
    }

    /// The E-MAML-based loss for φ: −meanᵢ R̃ᵢ · mean_t log μφ(at|st) over task i's valid exploration steps, R̃ᵢ
    /// the task's post-update episode returns standardized over the meta-batch, then averaged.
    public func emamlLoss(phi: [Tensor]) -> Tensor {
        let all = post.flatMap(\.episodeReturns)
        let mean = all.reduce(0, +) / Double(all.count)
        let std = (all.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(all.count)).squareRoot()
        var total: Tensor? = nil
        for (i, x) in exploration.enumerated() {
            let r = post[i].episodeReturns.reduce(0) { $0 + ($1 - mean) / (std + 1e-8) } / Double(post[i].episodeReturns.count)
            let logmu = modules.exploration.logProbability(observations: x.observations, actions: x.actions, parameters: phi)
            let term = PolicyGradientLoss.maskedMean(logmu, mask: x.mask) * -r
            total = total.map { $0 + term } ?? term
        }
        return total! / Double(taskCount)
    }
}
