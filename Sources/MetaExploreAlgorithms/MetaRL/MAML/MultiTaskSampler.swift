import Dispatch
import Foundation
import MetaExploreEnvironments
import MetaExploreRandom
import MetaExploreTensor

/// The meta-batch sampler of the MAML family: `tasks × trajectoriesPerTask` episodes, stepped in lockstep on many
/// environment copies, with one batched policy forward per step for all live episodes that share parameters, and the
/// copies stepped on every core.
///
/// Layout (ProMP's `MetaSampler`, `meta_policy_search/samplers/meta_sampler.py`, does the same with one vectorized
/// environment per task): episode j of task i is row `i · trajectoriesPerTask + j` of the returned
/// `TrajectoryBatch` (tasks × episodes × horizon), its `taskDescriptors[i]` the task's descriptor.
///
/// How the work is spread:
/// - Episodes are run in *waves* of at most `copies` episodes (episode order: task-major). In a wave every copy is
///   given its task (`setTask`) and reset, then all live episodes advance one step at a time until each has ended
///   (terminated, truncated by the environment's time limit, or `horizon` steps).
/// - Policy: at each step the live episodes are grouped by parameter set — one group when all tasks use the same θ
///   (pre-update sampling), one group per task when each task has its own adapted θ′ᵢ (post-update sampling) — and
///   each group is one [n, obs] forward on the calling thread.
/// - Environments: the copies of the wave are stepped with `DispatchQueue.concurrentPerform` over `threads`
///   disjoint contiguous chunks (as `VectorEnvironment` does); each worker touches only its own copies and result
///   slots.
///
/// Determinism: the batch depends on (policy parameters, tasks, `random`, `copies`, `horizon`) and never on
/// `threads` or on scheduling. Episode j of task i draws everything from its own stream,
/// `random.derived("task", index: i).derived("trajectory", index: j)`: first the environment's reset seed, then its
/// action noise ε (a = μ + σ·ε), in step order, on the calling thread. The reset seed fixes the simulator's initial
/// state, so which copy runs an episode does not matter. (The wave size, `copies`, changes the forward's batch
/// size and could change float rounding in the matrix products, so it is part of the configuration.)
///
/// Actions: the policy acts in [−1, 1]ᵈ units; the environment receives `Box.denormalize(a)` (clip to [−1, 1],
/// then mapped onto its action box — rllab's `normalize` wrapper, through which MAML runs every task), and the batch
/// stores the drawn, unclipped a with its log π(a|s), as `collectEpisodes` does.
public final class MultiTaskSampler {
    public let environments: [TaskEnvironmentHandle]
    public let horizon: Int
    public let threads: Int
    public let observationSize: Int
    public let actionSize: Int
    private let actionBox: Box?

    /// - Parameters:
    ///   - copies: environment copies, i.e. the largest wave (e.g. 200; a meta-batch of 40 × 20 runs in 4 waves).
    ///   - threads: workers stepping the copies (default: the active core count); results do not depend on it.
    ///   - horizon: the longest episode (environments with a shorter time limit end their episodes earlier).
    public init(copies: Int, threads: Int? = nil, horizon: Int, makeEnvironment: () throws -> Environment) throws {
        precondition(copies > 0 && horizon > 0, "MultiTaskSampler needs positive copies and horizon")
        environments = try (0..<copies).map { _ in try TaskEnvironmentHandle(makeEnvironment()) }
        self.threads = Swift.max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        self.horizon = horizon
        let first = environments[0].environment
        observationSize = first.observationSpace.count
        actionSize = first.actionSpace.flatCount
        actionBox = first.actionSpace.box.flatMap { $0.isBounded ? $0 : nil }
    }

    /// The stream of episode j of task i (see the type's documentation).
    public static func episodeStream(_ random: RandomStream, task i: Int, trajectory j: Int) -> RandomStream {
        random.derived("task", index: i).derived("trajectory", index: j)
    }

    /// Samples `trajectoriesPerTask` episodes of every task.
    ///
    /// - Parameters:
    ///   - parameters: one parameter list per task (post-update sampling with each task's θ′ᵢ; the values are read,
    ///     no gradient flows), or nil to use the policy's own parameters for every task.
    ///   - random: the base stream of this sampling phase (e.g. derived from the run seed, the iteration and the
    ///     adaptation step).
    public func sample(tasks: [MetaTask], trajectoriesPerTask: Int, policy: GaussianMLPPolicy,
                       parameters: [[Tensor]]? = nil, random: RandomStream) throws -> TrajectoryBatch {
        precondition(!tasks.isEmpty && trajectoriesPerTask > 0, "sample: no task or no trajectory")
        precondition(policy.observationSize == observationSize && policy.actionSize == actionSize,
                     "sample: policy \(policy.observationSize)→\(policy.actionSize), environment \(observationSize)→\(actionSize)")
        if let parameters { precondition(parameters.count == tasks.count, "sample: \(parameters.count) parameter lists") }
        let perTask = trajectoriesPerTask
        var batch = TrajectoryBatch(taskCount: tasks.count, episodesPerTask: perTask, horizon: horizon,
                                    observationSize: observationSize, actionSize: actionSize)
        batch.taskDescriptors = tasks.map(\.descriptor)
        // Parameter values per group, read once: (network parameters, σ).
        let groups: [(network: [Tensor], std: [Double])] = (parameters ?? [policy.parameters]).map { p in
            (Array(p.dropLast()).map { $0.detached() }, p.last!.doubles.map { Foundation.exp($0) })
        }
        let total = tasks.count * perTask
        let obsSize = observationSize, actSize = actionSize
        var start = 0
        while start < total {
            let wave = Array(start..<Swift.min(start + environments.count, total))
            var rngs = wave.map { Self.episodeStream(random, task: $0 / perTask, trajectory: $0 % perTask) }
            let seeds = rngs.indices.map { rngs[$0].next() }
            var observations = try parallelMap(wave.count) { w -> [Double] in
                let env = self.environments[w]
                try env.setTask(tasks[wave[w] / perTask])
                return try env.environment.reset(seed: seeds[w]).observation
            }
            var live = Array(wave.indices)
            var t = 0
            while t < horizon, !live.isEmpty {
                // Means of every live episode: one forward per parameter group.
                var means = [[Double]](repeating: [], count: wave.count)
                var byGroup: [Int: [Int]] = [:]
                for w in live { byGroup[parameters == nil ? 0 : wave[w] / perTask, default: []].append(w) }
                for (g, members) in byGroup.sorted(by: { $0.key < $1.key }) {
                    var flat = [Double]()
                    flat.reserveCapacity(members.count * obsSize)
                    for w in members { flat += observations[w] }
                    let out = withoutGradients {
                        policy.network.forward(Tensor(shape: [members.count, obsSize], doubles: flat, dtype: policy.dtype),
                                               parameters: groups[g].network).doubles
                    }
                    for (k, w) in members.enumerated() { means[w] = Array(out[(k * actSize)..<((k + 1) * actSize)]) }
                }
                // Actions from each episode's own stream (order-independent), stored before stepping.
                var actions = [[Double]](repeating: [], count: wave.count)
                for w in live {
                    let row = wave[w], std = groups[parameters == nil ? 0 : row / perTask].std
                    var a = [Double](repeating: 0, count: actSize)
                    var logp = 0.0
                    for d in 0..<actSize {
                        let z = rngs[w].normal()
                        a[d] = means[w][d] + std[d] * z
                        logp += -0.5 * z * z - Foundation.log(std[d]) - 0.918_938_533_204_672_7
                    }
                    let i = row * horizon + t
                    for d in 0..<obsSize { batch.observations[i * obsSize + d] = observations[w][d] }
                    for d in 0..<actSize { batch.actions[i * actSize + d] = a[d] }
                    batch.logProbabilities[i] = logp
                    actions[w] = actionBox.map { $0.denormalize(a) } ?? a
                }
                let liveNow = live
                let results = try parallelMap(liveNow.count) { k -> StepResult in
                    try self.environments[liveNow[k]].environment.step(actions[liveNow[k]])
                }
                var stillLive: [Int] = []
                for (k, w) in liveNow.enumerated() {
                    let r = results[k], row = wave[w]
                    batch.rewards[row * horizon + t] = r.reward
                    observations[w] = r.observation
                    if r.done || t + 1 == horizon {
                        batch.lengths[row] = t + 1
                        batch.terminated[row] = r.terminated
                    } else {
                        stillLive.append(w)
                    }
                }
                live = stillLive
                t += 1
            }
            start += wave.count
        }
        return batch
    }

    /// `body(k)` for k in 0..<n, on `threads` workers over disjoint contiguous chunks; results in index order; the
    /// error of the lowest failing index is thrown.
    private func parallelMap<T>(_ n: Int, _ body: (Int) throws -> T) throws -> [T] {
        let workers = Swift.min(threads, n)
        if workers <= 1 { return try (0..<n).map(body) }
        var results = [Result<T, Error>?](repeating: nil, count: n)
        results.withUnsafeMutableBufferPointer { buffer in
            let out = SendableBox(buffer)
            withoutActuallyEscaping(body) { body in
                let work = SendableBox(body)
                DispatchQueue.concurrentPerform(iterations: workers) { w in
                    for k in (w * n / workers)..<((w + 1) * n / workers) { out.value[k] = Result { try work.value(k) } }
                }
            }
        }
        return try results.map { try $0!.get() }
    }
}

/// Carries a non-Sendable value into `concurrentPerform`; each worker touches disjoint indices.
struct SendableBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
