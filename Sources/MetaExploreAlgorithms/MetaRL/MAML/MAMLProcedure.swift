import Dispatch
import Foundation
import MetaExploreEnvironments
import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor

/// The unit of work of the MAML family under `TrainingLoop`: one meta-iteration (`MAML-A3 L3–L10` / `ProMP-A1
/// L3–L11`): draw the iteration's training tasks, collect the meta-batch (pre-update samples, inner steps,
/// post-update samples), make one outer update.
///
/// - `advance` reports every environment step sampled (all adaptation steps and the post-update samples), one
///   update, the post-update episodes as the unit's finished training episodes (so `train_return` is the
///   post-update return on training tasks), and the columns below.
/// - `evaluate(episodes:seed:)` meta-evaluates on the first `episodes` (= `run.evalEpisodes`) held-out tasks:
///   `evaluation.trajectoriesPerTask` trajectories, `evaluation.steps` inner steps, and returns each task's mean
///   post-update return, so the loop's `eval_return` is the held-out post-update return.
/// - Randomness: iteration k's tasks come from `trainingTasks(seed:iteration: k)`, its samples from
///   `RandomStream(seed:, stream: "sampler").derived("iteration", index: k)`; nothing carries over between
///   iterations except θ and the outer update's state, so a checkpoint (θ, optimizer moments, ProMP's η, the
///   iteration counter) continues exactly, at any iteration end.
public final class MAMLProcedure: TrainingProcedure {
    public let configuration: MAMLConfiguration
    public let policy: GaussianMLPPolicy
    public let sampler: MultiTaskSampler
    public let optimizer: MetaOptimizer
    public private(set) var iteration = 0
    let handle: TaskEnvironmentHandle

    public static let measurementColumns = [
        "pre_update_return", "post_update_return", "inner_loss", "outer_loss", "outer_loss_after", "outer_kl",
        "inner_kl", "inner_kl_penalty", "step_fraction", "time_sampling", "time_inner", "time_outer",
    ]

    public init(_ c: MAMLConfiguration, makeEnvironment: EnvironmentMaker) throws {
        configuration = c
        let horizon = try c.effectiveHorizon()
        let copies = Swift.min(c.sampler.environmentCopies, c.meta.tasksPerBatch * c.meta.trajectoriesPerTask)
        sampler = try MultiTaskSampler(copies: copies, threads: c.sampler.threads == 0 ? nil : c.sampler.threads,
                                       horizon: horizon, makeEnvironment: makeEnvironment)
        handle = sampler.environments[0]
        var rng = RandomStream(seed: c.run.seed, stream: "policy-initialization")
        policy = GaussianMLPPolicy(observationSize: sampler.observationSize, actionSize: sampler.actionSize,
                                   hiddenSizes: c.policy.hiddenSizes, activation: c.policy.activation.activation,
                                   initialStd: c.policy.initialStd, using: &rng)
        optimizer = Self.makeOptimizer(c, policy: policy)
    }

    static func makeOptimizer(_ c: MAMLConfiguration, policy: GaussianMLPPolicy) -> MetaOptimizer {
        let o = c.outer
        switch c.algorithm {
        case "maml-vpg", "e-maml":
            var v = MAMLVPG.Configuration()
            v.learningRate = o.learningRate
            v.adam = o.adam
            return c.algorithm == "e-maml" ? EMAML(policy: policy, configuration: v) : MAMLVPG(policy: policy, configuration: v)
        case "promp":
            var p = ProMP.Configuration()
            p.learningRate = o.learningRate
            p.clip = o.clip
            p.epochs = o.epochs
            p.klTarget = o.klTarget
            p.initialPenalty = o.initialKLPenalty
            p.adaptivePenalty = o.adaptiveKLPenalty
            return ProMP(policy: policy, innerSteps: c.meta.innerSteps, configuration: p)
        default:
            var t = MAMLTRPO.Configuration()
            t.maxKL = o.maxKL
            t.conjugateGradientIterations = o.conjugateGradientIterations
            t.damping = o.damping
            t.backtrackRatio = o.backtrackRatio
            t.maxBacktracks = o.maxBacktracks
            return MAMLTRPO(policy: policy, configuration: t)
        }
    }

    public var columns: [String] { ["iteration"] + Self.measurementColumns }

    /// Runs with every product on the engine's kernel (`BLASInfo.withEngineKernelForAllSizes`), the 4 000-row
    /// batches of the inner and outer steps included, so that a run has the same bits on every CPU with AVX2 (on
    /// OpenBLAS they would depend on the kernels it picks for the CPU); the same holds for `metaEvaluate`.
    public func advance(step: Int) throws -> UnitReport {
        try BLASInfo.withEngineKernelForAllSizes { try iterate() }
    }

    private func iterate() throws -> UnitReport {
        let c = configuration
        let tasks = trainingTasks(handle, count: c.meta.tasksPerBatch, seed: c.run.seed, iteration: iteration)
        let random = RandomStream(seed: c.run.seed, stream: "sampler").derived("iteration", index: iteration)
        let batch = try sampler.collectMetaBatch(policy: policy, tasks: tasks, trajectoriesPerTask: c.meta.trajectoriesPerTask,
                                                 adaptation: c.adaptation, random: random)
        let t0 = DispatchTime.now().uptimeNanoseconds
        let stats = optimizer.update(batch.objective)
        let outerSeconds = seconds(since: t0)
        iteration += 1
        let post = batch.postBatch
        let values: [Double] = [
            batch.innerBatches[0].averageReturn, post.averageReturn, batch.innerLoss, stats.outerLossBefore,
            stats.outerLossAfter, stats.outerKL, stats.innerKL, stats.innerKLPenalty, stats.stepFraction,
            batch.samplingSeconds, batch.innerSeconds, outerSeconds,
        ]
        let episodes = zip(post.episodeReturns, post.lengths).map { (return: $0, length: Optional($1)) }
        return UnitReport(steps: batch.environmentSteps, updates: 1, finishedEpisodes: episodes,
                          measurements: Array(zip(Self.measurementColumns, values)).map { (name: $0.0, value: $0.1) })
    }

    public func logValues() -> MetricsRecord { ["iteration": Double(iteration)] }

    /// Meta-evaluation on `count` held-out tasks (see `MultiTaskSampler.metaEvaluate`).
    public func metaEvaluate(tasks count: Int, trajectoriesPerTask: Int, steps: Int, seed: UInt64) throws -> MetaEvaluationResult {
        try BLASInfo.withEngineKernelForAllSizes {
            try sampler.metaEvaluate(policy: policy, tasks: handle.testTasks(count: count),
                                     trajectoriesPerTask: trajectoriesPerTask, steps: steps,
                                     adaptation: configuration.adaptation, seed: seed).result
        }
    }

    public func evaluate(episodes: Int, seed: UInt64, step: Int) throws -> EvaluationResult {
        let result = try metaEvaluate(tasks: episodes, trajectoriesPerTask: configuration.evaluation.trajectoriesPerTask,
                                      steps: configuration.evaluation.steps, seed: seed)
        return EvaluationResult(step: step, returns: result.returns.last!)
    }

    public func firstNonFiniteParameter() -> String? {
        for (name, t) in namedParameters where !t.doubles.allSatisfy(\.isFinite) { return "parameter 'policy.\(name)'" }
        return nil
    }

    var namedParameters: [(name: String, tensor: Tensor)] {
        policy.network.namedParameters + [(name: "logStd", tensor: policy.logStd)]
    }

    public func saveState(into state: inout CheckpointState) {
        state.add(prefix: "maml.policy.", namedParameters)
        optimizer.saveState(into: &state, prefix: "maml.outer.")
        state.set("maml.iteration", iteration)
        state.set("maml.algorithm", configuration.algorithm)
    }

    public func restoreState(from state: CheckpointState) throws {
        let algorithm: String = try state.value("maml.algorithm")
        guard algorithm == configuration.algorithm else {
            throw CheckpointStateError.missingMetadata("maml.algorithm \(configuration.algorithm) (checkpoint: \(algorithm))")
        }
        try state.restore(prefix: "maml.policy.", into: namedParameters)
        try optimizer.restoreState(from: state, prefix: "maml.outer.")
        iteration = try state.value("maml.iteration")
    }
}
