import MetaExploreNN
import MetaExploreTensor

/// MAML with a TRPO outer step (`maml-trpo`): the algorithm behind the MAML paper's RL figures.
///
/// Finn, Abbeel & Levine 2017, Algorithm 3 (MAML for RL), with `MAML-A3 L10`'s gradient step replaced by TRPO
/// (Schulman et al. 2015) as §5.3 of the paper and `cbfinn/maml_rl` (`MAMLNPO` + `ConjugateGradientOptimizer`) do:
///
/// - `MAML-A3 L3`–`L8`: as `MAMLVPG` (tasks, pre-update samples, inner step θ′ᵢ = θ − α∇θ L_in with α = 0.1,
///   post-update samples with θ′ᵢ).
/// - `MAML-A3 L10` (TRPO form) — `update`:
///   1. g = ∇θ of the outer surrogate −meanᵢ mean(π_θ′ᵢ(θ)/π_θ′ᵢ,old · Â′) through the inner step;
///   2. H = ∇²θ of meanᵢ KL(π_θ′ᵢ,old ‖ π_θ′ᵢ(θ)) on post-update observations, also through the inner step, applied
///      exactly as (I − αH_in)·∇²KL·(I − αH_in)·v per task, three double-backward products of first-order graphs
///      (`MetaObjective.outerKLHessianProduct`; the same matrix as pytorch-maml-rl's double backward through the
///      inner step, `outerKLHessianProductThroughInnerStep`, tested; ProMP uses finite differences with ε = 1e-5),
///      plus damping 1e-5·v;
///   3. s = −H⁻¹g by 10 conjugate-gradient iterations; full step √(2δ / sᵀHs)·s with δ = 0.01;
///   4. backtracking ×0.8 up to 15 times, accepting the first step whose surrogate falls and whose KL ≤ δ (both
///      recomputed through the inner step at the trial θ); otherwise θ is restored exactly.
public final class MAMLTRPO: MetaOptimizer {
    public typealias Configuration = TrustRegionPolicyOptimization.Configuration

    public let policy: GaussianMLPPolicy
    public let configuration: Configuration

    public init(policy: GaussianMLPPolicy, configuration: Configuration = Configuration()) {
        self.policy = policy
        self.configuration = configuration
    }

    /// v ↦ H v + damping·v, H the Hessian of the outer KL through the inner step at the current θ (where the
    /// post-update samples were drawn), in `MetaObjective.outerKLHessianProduct`'s factored form.
    public func fisherVectorProduct(_ objective: MetaObjective) -> ([Double]) -> [Double] {
        let hessian = objective.outerKLHessianProduct(at: policy.parameters)
        let damping = configuration.damping
        return { v in zip(hessian(v), v).map { $0 + damping * $1 } }
    }

    public func update(_ objective: MetaObjective) -> MetaUpdateStatistics {
        let c = configuration
        let theta = policy.parameters
        let loss = objective.surrogate(theta)
        let lossBefore = loss.item
        let g = flatten(gradients(of: loss, wrt: theta))                                   // step 1
        let fvp = fisherVectorProduct(objective)                                            // step 2
        let direction = ConjugateGradient.solve(fvp, g.map { -$0 }, iterations: c.conjugateGradientIterations).solution
        let sHs = ConjugateGradient.dot(direction, fvp(direction))                          // step 3
        guard sHs > 0, sHs.isFinite else {
            return MetaUpdateStatistics(outerLossBefore: lossBefore, outerLossAfter: lossBefore, outerKL: 0,
                                        stepFraction: 0, accepted: false)
        }
        let scale = (2 * c.maxKL / sHs).squareRoot()
        let result = TrustRegionPolicyOptimization.backtrackingLineSearch(                  // step 4
            parameters: theta, fullStep: direction.map { $0 * scale }, lossBefore: lossBefore, maxKL: c.maxKL,
            ratio: c.backtrackRatio, maxBacktracks: c.maxBacktracks
        ) { objective.valuesAfterUpdate() }
        return MetaUpdateStatistics(outerLossBefore: lossBefore, outerLossAfter: result.loss, outerKL: result.kl,
                                    stepFraction: result.stepFraction, accepted: result.accepted)
    }

    public func saveState(into state: inout CheckpointState, prefix: String) {}
    public func restoreState(from state: CheckpointState, prefix: String) throws {}
}
