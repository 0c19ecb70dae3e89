import MetaExploreNN
import MetaExploreTensor

/// E-MAML (`e-maml`): Stadie, Yang, Houthooft, Chen, Duan, Wu, Abbeel & Sutskever 2018, "Some Considerations on
/// Learning to Explore via Meta-Reinforcement Learning", in the form ProMP's repository codes it
/// (`meta_policy_search/meta_algos/e_maml.py`; meta-rl-facts §3).
///
/// MAML's estimator ignores that the pre-update samples Dᵢ depend on θ. E-MAML adds that score-function term: the
/// algorithm is MAML's (Finn et al. 2017, Algorithm 3 — `MAML-A3 L3`–`L8` as in `MAMLVPG`) with the outer loss of
/// `MAML-A3 L10` extended by
///
///     meanᵢ [ −R̃ᵢ · mean_{(s,a) ∈ Dᵢ} log π_θ(a|s) ]        (`E-MAML term`, `MetaObjective.emamlTerm`)
///
/// where R̃ᵢ is task i's post-update return standardized over the meta-batch
/// (`MetaObjective.standardizedPostUpdateReturns`): its gradient −R̃ᵢ·∇θ mean log π_θ(Dᵢ) raises the likelihood of
/// pre-update (exploration) behaviour that led to good post-update returns. With several inner steps the term sums
/// over each step's samples, each under that step's adapted policy.
///
/// Choices: the outer step is MAML-VPG's (Adam 1e-3, as ProMP's E-MAML uses its first-order optimizer on the
/// likelihood-ratio surrogate); R̃ᵢ standardizes episode returns (not per-step rewards) and is a constant (no
/// gradient). exp_maml's `--emaml` (a separate exploration policy trained by PPO) is a different method.
public final class EMAML: MetaOptimizer {
    let vpg: MAMLVPG

    public init(policy: GaussianMLPPolicy, configuration: MAMLVPG.Configuration = .init()) {
        vpg = MAMLVPG(policy: policy, configuration: configuration, explorationTerm: true)
    }

    /// The outer loss: MAML's surrogate + the E-MAML term.
    public func loss(_ objective: MetaObjective, parameters theta: [Tensor]) -> Tensor {
        vpg.loss(objective, parameters: theta)
    }

    public func metaGradient(_ objective: MetaObjective) -> [Double] { vpg.metaGradient(objective) }
    public func update(_ objective: MetaObjective) -> MetaUpdateStatistics { vpg.update(objective) }
    public func saveState(into state: inout CheckpointState, prefix: String) { vpg.saveState(into: &state, prefix: prefix) }
    public func restoreState(from state: CheckpointState, prefix: String) throws {
        try vpg.restoreState(from: state, prefix: prefix)
    }
}
