import Foundation
import MetaExploreNN
import MetaExploreTensor

/// ProMP, Proximal Meta-Policy Search (`promp`): Rothfuss, Lee, Clavera, Asfour & Abbeel 2019, Algorithm 1, as
/// `jonasrothfuss/ProMP` (`meta_policy_search/meta_algos/pro_mp.py`) codes it:
///
/// - `ProMP-A1 L3` sample a batch of tasks — `trainingTasks`.
/// - `ProMP-A1 L5–L6` θo ← θ (the sampling policy of this batch) — `MetaTaskInputs.oldLogProbabilities` /
///   `oldDistribution` of the pre-update samples.
/// - `ProMP-A1 L8` pre-update trajectories Dᵢ with π_θ — `MultiTaskSampler.sample`.
/// - `ProMP-A1 L9` θ′o,ᵢ ← θ + α∇θ J^LR_Tᵢ(θ) — `MetaObjective.innerStep` with `InnerLoss.lvc` (the likelihood ratio
///   π_θ/π_θo · Â, "LVC"; α = 0.1).
/// - `ProMP-A1 L10` post-update trajectories D′ᵢ with π_θ′o,ᵢ — `MultiTaskSampler.sample(parameters:)`.
/// - `ProMP-A1 L4, L11` for n = 0 … N−1: θ ← θ + β∇θ J^ProMP(θ) — `update`: `epochs` (5) full-batch Adam steps
///   (β = 1e-3) on J^ProMP = meanᵢ J^CLIP_Tᵢ(θ′ᵢ(θ)) − η·meanᵢ KL(π_θo ‖ π_θ) with J^CLIP the PPO-clip objective
///   (ε = 0.3) on D′ᵢ, ratio against the policy that sampled D′ᵢ, and θ′ᵢ(θ) rebuilt from the current θ at every
///   epoch (so the inner step is differentiated each time), the KL on the pre-update observations.
///
/// The KL penalty coefficient η (one per inner step, as the code keeps them) is adapted after the epochs from the
/// measured KL: halved when KL < target/1.5, doubled when KL > 1.5·target, target 0.01, starting at 5e-4 (ProMP's
/// run scripts' `init_inner_kl_penalty`). Choice: the brief asks for the adaptive η; ProMP's published run scripts
/// set `adaptive_inner_kl_penalty: False` — `adaptivePenalty: false` keeps η fixed as they do.
public final class ProMP: MetaOptimizer {
    public struct Configuration: Sendable, Equatable {
        public var learningRate = 1e-3
        public var clip = 0.3
        public var epochs = 5
        public var klTarget = 0.01
        public var initialPenalty = 5e-4
        public var adaptivePenalty = true
        public init() {}
    }

    public let policy: GaussianMLPPolicy
    public let configuration: Configuration
    let optimizer: Adam
    /// η per inner step.
    public private(set) var penalties: [Double]

    public init(policy: GaussianMLPPolicy, innerSteps: Int, configuration: Configuration = Configuration()) {
        self.policy = policy
        self.configuration = configuration
        optimizer = Adam(parameters: policy.parameters, learningRate: configuration.learningRate)
        penalties = [Double](repeating: configuration.initialPenalty, count: innerSteps)
    }

    /// −J^ProMP at θ: the PPO-clip loss on post-update samples plus Σ_s η_s · KL_s (a loss to minimize).
    public func loss(_ objective: MetaObjective, parameters theta: [Tensor]) -> Tensor {
        var loss = objective.clippedSurrogate(theta, clip: configuration.clip)
        for s in 0..<objective.innerSteps { loss = loss + objective.innerKL(theta, step: s) * penalties[s] }
        return loss
    }

    /// η ← η/2 when KL < target/1.5, η ← 2η when KL > 1.5·target (ProMP's `adapt_kl_coeff`).
    public static func adaptedPenalty(_ eta: Double, kl: Double, target: Double) -> Double {
        if kl < target / 1.5 { return eta / 2 }
        if kl > target * 1.5 { return eta * 2 }
        return eta
    }

    public func update(_ objective: MetaObjective) -> MetaUpdateStatistics {
        let theta = policy.parameters
        var before = 0.0
        for epoch in 0..<configuration.epochs {
            let l = loss(objective, parameters: theta)
            if epoch == 0 { before = l.item }
            optimizer.step(gradients(of: l, wrt: theta))
        }
        let innerKLs = (0..<objective.innerSteps).map { objective.innerKL(theta, step: $0).item }
        if configuration.adaptivePenalty {
            for s in penalties.indices {
                penalties[s] = Self.adaptedPenalty(penalties[s], kl: innerKLs[s], target: configuration.klTarget)
            }
        }
        let after = objective.valuesAfterUpdate()
        return MetaUpdateStatistics(outerLossBefore: before, outerLossAfter: after.loss, outerKL: after.kl,
                                    innerKL: innerKLs[0], innerKLPenalty: penalties[0])
    }

    public func saveState(into state: inout CheckpointState, prefix: String) {
        state.add(prefix: prefix + "optimizer.", optimizer.stateTensors)
        state.setDoubles(prefix + "penalties", penalties)
    }

    public func restoreState(from state: CheckpointState, prefix: String) throws {
        try optimizer.loadState(state.tensors(prefix: prefix + "optimizer."))
        let p = try state.doubles(prefix + "penalties")
        guard p.count == penalties.count else { throw CheckpointStateError.missingMetadata(prefix + "penalties") }
        penalties = p
    }
}
