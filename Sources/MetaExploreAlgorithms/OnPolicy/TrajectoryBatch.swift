import MetaExploreEnvironments
import MetaExploreRandom
import MetaExploreTensor

/// Episodes of on-policy experience laid out as tasks × episodes × time, padded to a common horizon.
///
/// The layout of the MAML family's samplers (Finn et al. 2017; ProMP, Rothfuss et al. 2019,
/// `meta_policy_search/samplers`): a meta-batch holds `taskCount` tasks, each with `episodesPerTask` episodes of at
/// most `horizon` steps. Episode e of task k is row `k · episodesPerTask + e`; step t of a row is valid when
/// `t < lengths[row]` (an episode that ended early — terminated by the task or cut by a time limit — is padded with
/// zeros after its last step). Every per-step quantity is stored flat, row-major, in `Double`:
///
/// | array | shape |
/// |---|---|
/// | `observations` | [tasks, episodes, horizon, observationSize] (the observation the action was taken in) |
/// | `actions` | [tasks, episodes, horizon, actionSize] (the action as the policy drew it, before any clipping) |
/// | `rewards`, `logProbabilities` | [tasks, episodes, horizon] (log π_old(a|s) of the sampling policy) |
/// | `lengths`, `terminated` | [tasks · episodes] (terminated: the task ended the episode, so no bootstrap) |
///
/// A single-task batch is `taskCount == 1`; `task(_:)` cuts one task out of a meta-batch (per-task baselines and
/// inner steps work on those). Tensors for losses come from `observationTensor`, `actionTensor`, `maskTensor`:
/// all steps, padded ones included, as [rows · horizon, ·] — losses weight each step by the mask.
public struct TrajectoryBatch: Sendable {
    public let taskCount: Int
    public let episodesPerTask: Int
    public let horizon: Int
    public let observationSize: Int
    public let actionSize: Int
    public var observations: [Double]
    public var actions: [Double]
    public var rewards: [Double]
    public var logProbabilities: [Double]
    public var lengths: [Int]
    public var terminated: [Bool]
    /// Each task's descriptor (`TaskEnvironment.descriptor(of:)`), when the batch was collected on tasks.
    public var taskDescriptors: [[Double]]

    /// A zero-filled batch (all lengths 0).
    public init(taskCount: Int, episodesPerTask: Int, horizon: Int, observationSize: Int, actionSize: Int) {
        precondition(taskCount > 0 && episodesPerTask > 0 && horizon > 0 && observationSize > 0 && actionSize > 0,
                     "TrajectoryBatch needs positive sizes")
        self.taskCount = taskCount
        self.episodesPerTask = episodesPerTask
        self.horizon = horizon
        self.observationSize = observationSize
        self.actionSize = actionSize
        let steps = taskCount * episodesPerTask * horizon
        observations = [Double](repeating: 0, count: steps * observationSize)
        actions = [Double](repeating: 0, count: steps * actionSize)
        rewards = [Double](repeating: 0, count: steps)
        logProbabilities = [Double](repeating: 0, count: steps)
        lengths = [Int](repeating: 0, count: taskCount * episodesPerTask)
        terminated = [Bool](repeating: false, count: taskCount * episodesPerTask)
        taskDescriptors = []
    }

    /// Rows (episodes over all tasks).
    public var episodeCount: Int { taskCount * episodesPerTask }
    /// Padded steps: rows × horizon.
    public var stepCount: Int { episodeCount * horizon }
    /// Valid (unpadded) steps.
    public var validStepCount: Int { lengths.reduce(0, +) }

    /// The flat step index of step `t` of episode `e` of task `k`.
    @inline(__always)
    public func index(task k: Int, episode e: Int, step t: Int) -> Int { (k * episodesPerTask + e) * horizon + t }

    /// 1 for valid steps, 0 for padding, [rows · horizon].
    public var mask: [Double] {
        var m = [Double](repeating: 0, count: stepCount)
        for row in 0..<episodeCount { for t in 0..<lengths[row] { m[row * horizon + t] = 1 } }
        return m
    }

    /// Σ of each valid episode's rewards, one per row.
    public var episodeReturns: [Double] {
        (0..<episodeCount).map { row in (0..<lengths[row]).reduce(0.0) { $0 + rewards[row * horizon + $1] } }
    }

    /// The mean undiscounted episode return.
    public var averageReturn: Double { episodeReturns.reduce(0, +) / Double(episodeCount) }

    /// Task `k` alone as a single-task batch (a copy).
    public func task(_ k: Int) -> TrajectoryBatch {
        precondition(k >= 0 && k < taskCount, "task \(k) outside 0..<\(taskCount)")
        var out = TrajectoryBatch(taskCount: 1, episodesPerTask: episodesPerTask, horizon: horizon,
                                  observationSize: observationSize, actionSize: actionSize)
        let steps = episodesPerTask * horizon, rows = k * episodesPerTask
        let s0 = k * steps
        out.observations = Array(observations[(s0 * observationSize)..<((s0 + steps) * observationSize)])
        out.actions = Array(actions[(s0 * actionSize)..<((s0 + steps) * actionSize)])
        out.rewards = Array(rewards[s0..<(s0 + steps)])
        out.logProbabilities = Array(logProbabilities[s0..<(s0 + steps)])
        out.lengths = Array(lengths[rows..<(rows + episodesPerTask)])
        out.terminated = Array(terminated[rows..<(rows + episodesPerTask)])
        if k < taskDescriptors.count { out.taskDescriptors = [taskDescriptors[k]] }
        return out
    }

    /// Observations as a [rows · horizon, observationSize] tensor.
    public func observationTensor(dtype: DType = .float32) -> Tensor {
        Tensor(shape: [stepCount, observationSize], doubles: observations, dtype: dtype)
    }

    /// Actions as a [rows · horizon, actionSize] tensor.
    public func actionTensor(dtype: DType = .float32) -> Tensor {
        Tensor(shape: [stepCount, actionSize], doubles: actions, dtype: dtype)
    }

    /// The mask as a [rows · horizon] tensor.
    public func maskTensor(dtype: DType = .float32) -> Tensor {
        Tensor(shape: [stepCount], doubles: mask, dtype: dtype)
    }

    /// Sampling-policy log-probabilities as a [rows · horizon] tensor.
    public func logProbabilityTensor(dtype: DType = .float32) -> Tensor {
        Tensor(shape: [stepCount], doubles: logProbabilities, dtype: dtype)
    }
}

/// Collects `episodes` episodes of at most `horizon` steps from one environment (one task) with a stochastic
/// policy: a single-task batch. The environment is reset with `seed` for the first episode and continues its
/// stream afterwards; actions are drawn from `policy` with `rng` and passed to the environment as drawn (the
/// environment clips if its definition says so; the batch stores the drawn action and its log-probability).
///
/// An episode ends when the environment reports `terminated` or `truncated`, or after `horizon` steps.
public func collectEpisodes(
    environment env: Environment, policy: GaussianMLPPolicy, episodes: Int, horizon: Int, seed: UInt64? = nil,
    using rng: inout RandomStream
) throws -> TrajectoryBatch {
    let obsSize = env.observationSpace.count, actSize = env.actionSpace.flatCount
    precondition(obsSize == policy.observationSize && actSize == policy.actionSize,
                 "collectEpisodes: policy \(policy.observationSize)→\(policy.actionSize) for env \(obsSize)→\(actSize)")
    var batch = TrajectoryBatch(taskCount: 1, episodesPerTask: episodes, horizon: horizon,
                                observationSize: obsSize, actionSize: actSize)
    for e in 0..<episodes {
        var obs = try env.reset(seed: e == 0 ? seed : nil).observation
        var t = 0
        while t < horizon {
            let (action, logp) = policy.sample(observation: obs, using: &rng)
            let i = batch.index(task: 0, episode: e, step: t)
            for j in 0..<obsSize { batch.observations[i * obsSize + j] = obs[j] }
            for j in 0..<actSize { batch.actions[i * actSize + j] = action[j] }
            batch.logProbabilities[i] = logp
            let r = try env.step(action)
            batch.rewards[i] = r.reward
            t += 1
            obs = r.observation
            if r.terminated { batch.terminated[e] = true }
            if r.done { break }
        }
        batch.lengths[e] = t
    }
    return batch
}
