import MetaExploreNN
import MetaExploreTensor

/// MAML with a vanilla-policy-gradient outer step (`maml-vpg`).
///
/// Finn, Abbeel & Levine 2017, "Model-Agnostic Meta-Learning", Algorithm 3 (MAML for reinforcement learning; the
/// paper's Algorithm 1 is the supervised form with the same structure). Its lines and where they are coded:
///
/// - `MAML-A3 L1` randomly initialize θ — `GaussianMLPPolicy.init` (`MAMLProcedure.init`).
/// - `MAML-A3 L3` sample a batch of tasks Tᵢ ~ p(T) — `trainingTasks(_:count:seed:iteration:)`.
/// - `MAML-A3 L5` sample K trajectories with f_θ in Tᵢ — `MultiTaskSampler.sample` (pre-update, shared θ).
/// - `MAML-A3 L6` evaluate ∇θ L_Tᵢ(f_θ) — `MetaObjective.innerLoss` (`InnerLoss.reinforce` by default, the code's
///   −mean(log π · Â) with a per-task linear baseline and normalized advantages: `AdvantageEstimation`).
/// - `MAML-A3 L7` θ′ᵢ = θ − α∇θ L_Tᵢ(f_θ) — `MetaObjective.innerStep` (α = 0.1; `innerSteps` > 1 repeats L5–L7
///   from θ′, sampling with each intermediate θ′).
/// - `MAML-A3 L8` sample trajectories D′ᵢ with f_θ′ᵢ — `MultiTaskSampler.sample(parameters:)` (post-update).
/// - `MAML-A3 L10` θ ← θ − β∇θ Σᵢ L_Tᵢ(f_θ′ᵢ) — `update`: the gradient of `MetaObjective.surrogate` (mean over tasks
///   of −mean(π_θ′/π_θ′old · Â′), whose gradient at θ′ = θ′old is the policy gradient on D′ᵢ) taken *through* the
///   inner step (second order: θ′ᵢ(θ) is rebuilt with `createGraph`).
///
/// Choice (the paper's RL experiments use TRPO for L10; "β" for a VPG outer step is not given): the step is Adam
/// with learning rate 1e-3 (ProMP's `MAMLFirstOrderOptimizer` for its VPG variants), or plain gradient descent with
/// `adam: false` (then β = `learningRate`). The mean over tasks replaces L10's sum (a rescaling of β).
public final class MAMLVPG: MetaOptimizer {
    public struct Configuration: Sendable, Equatable {
        public var learningRate = 1e-3
        public var adam = true
        public init() {}
    }

    public let policy: GaussianMLPPolicy
    public let configuration: Configuration
    let optimizer: RestorableOptimizer
    /// E-MAML's term is added to the outer loss when set (`EMAML`).
    let explorationTerm: Bool

    public convenience init(policy: GaussianMLPPolicy, configuration: Configuration = Configuration()) {
        self.init(policy: policy, configuration: configuration, explorationTerm: false)
    }

    init(policy: GaussianMLPPolicy, configuration: Configuration, explorationTerm: Bool) {
        self.policy = policy
        self.configuration = configuration
        self.explorationTerm = explorationTerm
        optimizer = configuration.adam
            ? Adam(parameters: policy.parameters, learningRate: configuration.learningRate)
            : SGD(parameters: policy.parameters, learningRate: configuration.learningRate)
    }

    /// The outer loss at θ (`MAML-A3 L10`'s Σᵢ L_Tᵢ(f_θ′ᵢ), as a mean, plus E-MAML's term when enabled).
    public func loss(_ objective: MetaObjective, parameters theta: [Tensor]) -> Tensor {
        var loss = objective.surrogate(theta)
        if explorationTerm {
            loss = loss + objective.emamlTerm(theta, standardizedReturns: objective.standardizedPostUpdateReturns())
        }
        return loss
    }

    /// ∇θ of the outer loss through the inner steps (the meta-gradient), flattened.
    public func metaGradient(_ objective: MetaObjective) -> [Double] {
        flatten(gradients(of: loss(objective, parameters: policy.parameters), wrt: policy.parameters))
    }

    public func update(_ objective: MetaObjective) -> MetaUpdateStatistics {
        let theta = policy.parameters
        let l = loss(objective, parameters: theta)
        optimizer.step(gradients(of: l, wrt: theta))   // MAML-A3 L10
        let after = objective.valuesAfterUpdate()
        return MetaUpdateStatistics(outerLossBefore: l.item, outerLossAfter: after.loss, outerKL: after.kl)
    }

    public func saveState(into state: inout CheckpointState, prefix: String) {
        state.add(prefix: prefix + "optimizer.", optimizer.stateTensors)
    }

    public func restoreState(from state: CheckpointState, prefix: String) throws {
        try optimizer.loadState(state.tensors(prefix: prefix + "optimizer."))
    }
}
