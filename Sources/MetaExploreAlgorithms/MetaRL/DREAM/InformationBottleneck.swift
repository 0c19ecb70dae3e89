import MetaExploreRandom
import MetaExploreTensor

/// DREAM's information-bottleneck terms as small pure functions (Liu et al. 2021, §4.1–4.2; the authors'
/// `TrajectoryEmbedder._compute_losses` and `label_rewards` in `ezliu/dream` embed.py).
///
/// - `squaredDistances`: d_t = ‖g(τ:t) − f(μ)‖² for every prefix t = 0 … T (DREAM Eq. 5's reconstruction term; f
///   enters as a constant).
/// - `loss`: the bottleneck loss on g, the masked mean of d_t over all prefixes of all trajectories:
///   L_g = Σ_{b,t} m_{b,t} ‖g(τ_b,:t) − ⊥f(μ_b)‖² / Σ m (⊥ = stop-gradient: only g learns from it).
/// - `normPenalty`: the authors' bound on f's norm, mean_b max(‖f(μ_b)‖², C) (C = 10): no gradient while
///   ‖f‖² < C, and f is pushed back once it grows past it (the information bottleneck's capacity constraint in place
///   of the paper's KL term with a Gaussian f).
/// - `explorationRewards`: DREAM Eq. 6, r_t = ‖f − g(τ:t)‖² − ‖f − g(τ:t+1)‖² − c for t = 0 … T − 1: the
///   information gained by the t-th transition, minus a cost c per step (c = 0.1 on the grids). Over an episode
///   they telescope: Σ_t r_t = d_0 − d_T − c·T.
public enum InformationBottleneck {
    /// d[b · P + t] = ‖contexts[b · P + t] − f[b]‖² (P = prefixes per trajectory), differentiable in both inputs.
    public static func squaredDistances(contexts: Tensor, problemEmbeddings f: Tensor, prefixes: Int) -> Tensor {
        let rows = contexts.shape[0], width = contexts.shape[1]
        precondition(f.shape.count == 2 && f.shape[1] == width && rows == f.shape[0] * prefixes,
                     "InformationBottleneck: contexts \(contexts.shape) do not fit f \(f.shape) × \(prefixes) prefixes")
        let expanded = f.pickingRows((0..<rows).map { $0 / prefixes })
        let difference = contexts - expanded
        return (difference * difference).sum(axes: [1])
    }

    /// The bottleneck loss L_g (f detached), a scalar tensor.
    public static func loss(_ c: TrajectoryContexts, problemEmbeddings f: Tensor) -> Tensor {
        let d = squaredDistances(contexts: c.contexts, problemEmbeddings: f.detached(), prefixes: c.prefixes)
        let mask = Tensor(shape: [c.mask.count], doubles: c.mask, dtype: d.dtype)
        return (d * mask).sum() * (1 / Swift.max(c.mask.reduce(0, +), 1))
    }

    /// mean_b max(‖f_b‖², cutoff), a scalar tensor.
    public static func normPenalty(_ f: Tensor, cutoff: Double) -> Tensor {
        let norms = (f * f).sum(axes: [1])
        return maximum(norms, Tensor.full(norms.shape, cutoff, dtype: f.dtype)).mean()
    }

    /// Per-trajectory distances d_0 … d_{length} read from a batch's contexts (no gradient).
    public static func distances(_ c: TrajectoryContexts, problemEmbeddings f: Tensor) -> [[Double]] {
        let d = withoutGradients {
            squaredDistances(contexts: c.contexts, problemEmbeddings: f, prefixes: c.prefixes).doubles
        }
        return c.lengths.enumerated().map { b, n in Array(d[(b * c.prefixes)...(b * c.prefixes + n)]) }
    }

    /// r_t = d_t − d_{t+1} − penalty for t = 0 … d.count − 2.
    public static func explorationRewards(distances d: [Double], penalty: Double) -> [Double] {
        guard d.count > 1 else { return [] }
        return (0..<(d.count - 1)).map { d[$0] - d[$0 + 1] - penalty }
    }
}

/// The noise on f when the exploitation policy is conditioned on the problem id: z = f(μ) + σ·N(0, I) (the
/// authors' `id_contexts + 0.1 * torch.randn_like(id_contexts)`, σ = 0.1), one fresh draw per use.
public enum DREAMProblemNoise {
    public static func perturb(_ f: Tensor, std: Double, using rng: inout RandomStream) -> Tensor {
        guard std > 0 else { return f }
        return f + Tensor.randomNormal(f.shape, std: std, dtype: f.dtype, using: &rng)
    }
}
