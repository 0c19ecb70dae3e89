/// Discounted returns, generalized advantage estimation and advantage normalization over padded episodes.
///
/// - Discounted return (reward-to-go): R̂_t = Σ_{l ≥ 0} γ^l r_{t+l}, within the episode.
/// - GAE(γ, λ) (Schulman et al. 2016, "High-Dimensional Continuous Control Using Generalized Advantage
///   Estimation", Eq. 16): δ_t = r_t + γ V(s_{t+1}) − V(s_t), Â_t = Σ_{l ≥ 0} (γλ)^l δ_{t+l}.
///   λ = 1 gives R̂_t − V(s_t) (Monte-Carlo advantage); λ = 0 gives the TD residual δ_t.
/// - After an episode's last step the value is 0, as in ProMP, pytorch-maml-rl and exp_maml (they treat the
///   horizon as the end of the task); pass `bootstrapValues` (one per row, used only for rows that were *not*
///   terminated) to bootstrap truncated episodes instead.
///
/// Arrays are [rows · horizon] with row r valid for t < lengths[r]; padded entries come back as 0.
public enum Returns {
    /// R̂_t = r_t + γ R̂_{t+1} per row (R̂ after the last valid step: the row's bootstrap value or 0).
    public static func discounted(
        rewards: [Double], lengths: [Int], horizon: Int, gamma: Double, bootstrapValues: [Double]? = nil
    ) -> [Double] {
        precondition(rewards.count == lengths.count * horizon, "Returns.discounted: \(rewards.count) rewards")
        var out = [Double](repeating: 0, count: rewards.count)
        for row in lengths.indices {
            var running = bootstrapValues?[row] ?? 0
            for t in stride(from: lengths[row] - 1, through: 0, by: -1) {
                running = rewards[row * horizon + t] + gamma * running
                out[row * horizon + t] = running
            }
        }
        return out
    }

    /// GAE(γ, λ) advantages from per-step values V(s_t) (same layout as `rewards`).
    public static func generalizedAdvantages(
        rewards: [Double], values: [Double], lengths: [Int], horizon: Int, gamma: Double, lambda: Double,
        bootstrapValues: [Double]? = nil
    ) -> [Double] {
        precondition(rewards.count == lengths.count * horizon && values.count == rewards.count,
                     "Returns.generalizedAdvantages: \(rewards.count) rewards, \(values.count) values")
        var out = [Double](repeating: 0, count: rewards.count)
        for row in lengths.indices {
            var nextValue = bootstrapValues?[row] ?? 0
            var running = 0.0
            for t in stride(from: lengths[row] - 1, through: 0, by: -1) {
                let i = row * horizon + t
                let delta = rewards[i] + gamma * nextValue - values[i]
                running = delta + gamma * lambda * running
                out[i] = running
                nextValue = values[i]
            }
        }
        return out
    }

    /// (A − mean)/(std + ε) over the entries where `mask` is 1 (population std, as ProMP's
    /// `normalize_advantages`); masked entries come back as 0.
    public static func normalized(_ advantages: [Double], mask: [Double], epsilon: Double = 1e-8) -> [Double] {
        precondition(advantages.count == mask.count, "Returns.normalized: \(advantages.count) vs \(mask.count)")
        let n = mask.reduce(0, +)
        guard n > 0 else { return advantages.map { _ in 0 } }
        var mean = 0.0
        for i in advantages.indices { mean += mask[i] * advantages[i] }
        mean /= n
        var variance = 0.0
        for i in advantages.indices { variance += mask[i] * (advantages[i] - mean) * (advantages[i] - mean) }
        let std = (variance / n).squareRoot()
        return advantages.indices.map { mask[$0] == 0 ? 0 : (advantages[$0] - mean) / (std + epsilon) }
    }
}
