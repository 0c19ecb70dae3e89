import MetaExploreNN
import MetaExploreTensor

/// What one outer (meta) update reports.
public struct MetaUpdateStatistics: Sendable, Equatable {
    /// The outer objective at θ before the update (the algorithm's own: surrogate, PPO-clip + penalty, + E-MAML term).
    public var outerLossBefore: Double
    /// The outer surrogate −meanᵢ mean(r′ Â′) at the updated θ (through the inner steps).
    public var outerLossAfter: Double
    /// meanᵢ KL(π_θ′ᵢ,old ‖ π_θ′ᵢ(θ_new)) on post-update observations, after the update.
    public var outerKL: Double
    /// ProMP: meanᵢ KL(π_θold ‖ π_θ) on pre-update observations after the update (first inner step; 0 otherwise).
    public var innerKL: Double = 0
    /// ProMP: the penalty coefficient η of the first inner step after its adaptation (0 otherwise).
    public var innerKLPenalty: Double = 0
    /// TRPO: the accepted fraction of the full step (0.8^k; 0 when reverted); 1 for the gradient methods.
    public var stepFraction: Double = 1
    /// TRPO: whether the step was accepted.
    public var accepted: Bool = true
}

/// An outer update of the MAML family: changes the policy's parameters θ from one meta-batch's `MetaObjective` and
/// checkpoints its own state (optimizer moments, penalty coefficients).
public protocol MetaOptimizer: AnyObject {
    func update(_ objective: MetaObjective) -> MetaUpdateStatistics
    func saveState(into state: inout CheckpointState, prefix: String)
    func restoreState(from state: CheckpointState, prefix: String) throws
}

extension MetaObjective {
    /// The surrogate and KL at the policy's current parameters, as values (no graph kept).
    func valuesAfterUpdate() -> (loss: Double, kl: Double) {
        let (loss, kl) = surrogateAndKL(policy.parameters, createGraph: false)
        return withoutGradients { (loss.item, kl.item) }
    }
}
