import Dispatch
import Foundation
import MetaExploreEnvironments
import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor

/// The unit of work of the MAME family under `TrainingLoop`: one iteration of Algorithm 1 (Gurumurthy, Kumar & Yue
/// 2019). Its lines and where they are coded:
///
/// - `MAME-A1 L1` task distribution ρ(T), step sizes α, η — the task family (`environment`), `meta.innerStepSize`,
///   the Adam learning rates `outer.*` (Sec. 5: 7e-4 for all parameters but z, 4e-5 for z).
/// - `MAME-A1 L3` sample a batch of tasks Tᵢ ~ ρ(T) — `trainingTasks(_:count:seed:iteration:)` (as the MAML family).
/// - `MAME-A1 L5` collect pre-update trajectories τμ with μφ(s) — `MultiTaskSampler.sample` with
///   `modules.exploration` (step stream 0).
/// - `MAME-A1 L6` z′ = z − α∇z E[Σt (Π_{t′≤t} μφ/⊥μφ)(Mβ,z(st, at) − M̄t)²] — `MAMEObjective.adaptedLatent` (values
///   here, for sampling; rebuilt with the graph in the update).
/// - `MAME-A1 L7` collect post-update trajectories τπ with πθ,z′(s) — `MultiTaskSampler.sample` with each task's
///   folded parameters `modules.exploitationParameters(theta:z:)` (step stream 1).
/// - `MAME-A1 L9` policy-gradient update of z, θ, φ, β on τπ — `MAMELearner.update` (Adam; φ by the estimator
///   `exploration.gradient`: Eq. 2–5 by default).
///
/// - `advance` reports every environment step (exploration and post-update), one update, the post-update episodes
///   as finished training episodes (`train_return` is the post-update return on training tasks), and the columns
///   below.
/// - `evaluate(episodes:seed:)`: held-out meta-evaluation (`metaEvaluate`), returning each task's post-update mean
///   return after `evaluation.steps` inner steps.
/// - Randomness: iteration k's tasks come from `trainingTasks(seed:iteration: k)`, its samples from
///   `RandomStream(seed:, stream: "sampler").derived("iteration", index: k)`; nothing else carries over between
///   iterations except the parameters and the Adam states, so a checkpoint continues exactly at any iteration end.
public final class MAMEProcedure: TrainingProcedure {
    public let configuration: MAMEConfiguration
    public let modules: MAMEModules
    public let sampler: MultiTaskSampler
    public let learner: MAMELearner
    public private(set) var iteration = 0
    let handle: TaskEnvironmentHandle

    public static let measurementColumns = [
        "pre_update_return", "post_update_return", "inner_loss_before", "inner_loss_after", "latent_step",
        "outer_loss", "outer_loss_after", "exploration_reward_mean", "exploration_reward_std",
        "exploration_reward_abs_mean", "exploration_advantage_mean", "grad_norm_theta", "grad_norm_beta",
        "grad_norm_phi", "grad_norm_z", "latent_norm", "exploration_std", "exploitation_std",
        "time_sampling", "time_inner", "time_outer",
    ]

    public init(_ c: MAMEConfiguration, makeEnvironment: EnvironmentMaker) throws {
        try c.validate()
        configuration = c
        let horizon = try c.effectiveHorizon()
        let copies = Swift.min(c.sampler.environmentCopies, c.meta.tasksPerBatch * c.meta.trajectoriesPerTask)
        sampler = try MultiTaskSampler(copies: copies, threads: c.sampler.threads == 0 ? nil : c.sampler.threads,
                                       horizon: horizon, makeEnvironment: makeEnvironment)
        handle = sampler.environments[0]
        var rng = RandomStream(seed: c.run.seed, stream: "policy-initialization")
        modules = MAMEModules(observationSize: sampler.observationSize, actionSize: sampler.actionSize,
                              latentSize: c.modules.latentSize,
                              targetSize: c.meta.target == .nextState ? sampler.observationSize : 1,
                              hiddenSizes: c.modules.hiddenSizes, activation: c.modules.activation.activation,
                              initialStd: c.modules.initialStd, using: &rng)
        learner = MAMELearner(modules: modules, outer: c.outer, exploration: c.exploration)
    }

    public var columns: [String] { ["iteration"] + Self.measurementColumns }

    /// One task's samples and inner step, as `collect` returns them.
    public struct Collected {
        public var tasks: [MetaTask]
        public var explorationBatch: TrajectoryBatch
        public var postBatch: TrajectoryBatch
        public var objective: MAMEObjective
        /// z′ᵢ (values).
        public var adaptedLatents: [Tensor]
        public var samplingSeconds: Double
        public var innerSeconds: Double
    }

    /// `MAME-A1 L5–L7` on `tasks`: exploration samples with μφ (stream `random.derived("step", 0)`), the inner
    /// step(s) on z, post-update samples with πθ,z′ᵢ (stream `random.derived("step", 1)`).
    public func collect(tasks: [MetaTask], trajectoriesPerTask: Int, random: RandomStream) throws -> Collected {
        let c = configuration, m = modules
        var t0 = DispatchTime.now().uptimeNanoseconds
        let explorationBatch = try sampler.sample(tasks: tasks, trajectoriesPerTask: trajectoriesPerTask,
                                                  policy: m.exploration, random: random.derived("step", index: 0))
        var samplingTime = seconds(since: t0)
        t0 = DispatchTime.now().uptimeNanoseconds
        let inputs = try tasks.indices.map { i in
            try MAMEExplorationInputs(modules: m, batch: explorationBatch.task(i), target: c.meta.target,
                                      targetDiscount: c.meta.targetDiscount, advantages: c.meta.advantages)
        }
        // The inner step needs only the exploration inputs; the post inputs are filled in below.
        let provisional = MAMEObjective(modules: m, exploration: inputs, post: [], inner: c.innerSettings, allowEmptyPost: true)
        let latents = tasks.indices.map { i in
            provisional.adaptedLatent(task: i, theta: m.theta, beta: m.beta, phi: m.phi, z: m.latent, createGraph: false)
        }
        let parameters = latents.map { z in
            withoutGradients { m.exploitationParameters(theta: m.theta.map { $0.detached() }, z: z).map { $0.copy() } }
        }
        var innerTime = seconds(since: t0)
        t0 = DispatchTime.now().uptimeNanoseconds
        let post = try sampler.sample(tasks: tasks, trajectoriesPerTask: trajectoriesPerTask, policy: m.exploitationView,
                                      parameters: parameters, random: random.derived("step", index: 1))
        samplingTime += seconds(since: t0)
        t0 = DispatchTime.now().uptimeNanoseconds
        let postInputs = try tasks.indices.map { i -> MetaTaskInputs in
            let single = post.task(i)
            return MetaTaskInputs(policy: m.exploitationView, parameters: parameters[i], batch: single,
                                  advantages: try c.meta.advantages.advantages(single))
        }
        innerTime += seconds(since: t0)
        let objective = MAMEObjective(modules: m, exploration: inputs, post: postInputs, inner: c.innerSettings,
                                      outerObjective: c.outer.objective, clip: c.outer.clip)
        return Collected(tasks: tasks, explorationBatch: explorationBatch, postBatch: post, objective: objective,
                         adaptedLatents: latents, samplingSeconds: samplingTime, innerSeconds: innerTime)
    }

    /// Every product on the engine's kernel, as in `MAMLProcedure.advance` (the same bits on every CPU with AVX2);
    /// `metaEvaluationTrace` likewise.
    public func advance(step: Int) throws -> UnitReport {
        try BLASInfo.withEngineKernelForAllSizes { try iterate() }
    }

    private func iterate() throws -> UnitReport {
        let c = configuration
        let tasks = trainingTasks(handle, count: c.meta.tasksPerBatch, seed: c.run.seed, iteration: iteration)  // L3
        let random = RandomStream(seed: c.run.seed, stream: "sampler").derived("iteration", index: iteration)
        let batch = try collect(tasks: tasks, trajectoriesPerTask: c.meta.trajectoriesPerTask, random: random)
        let t0 = DispatchTime.now().uptimeNanoseconds
        let stats = try learner.update(batch.objective)  // L9
        let outerSeconds = seconds(since: t0)
        iteration += 1
        let post = batch.postBatch
        let values: [Double] = [
            batch.explorationBatch.averageReturn, post.averageReturn, stats.innerLossBefore, stats.innerLossAfter,
            stats.latentStep, stats.outerLossBefore, stats.outerLossAfter, stats.explorationRewardMean,
            stats.explorationRewardStd, stats.explorationRewardAbsMean, stats.explorationAdvantageMean,
            stats.gradientNormTheta, stats.gradientNormBeta, stats.gradientNormPhi, stats.gradientNormLatent,
            modules.latent.doubles.reduce(0) { $0 + $1 * $1 }.squareRoot(),
            modules.exploration.logStd.doubles.map { Foundation.exp($0) }.reduce(0, +) / Double(modules.actionSize),
            modules.exploitation.logStd.doubles.map { Foundation.exp($0) }.reduce(0, +) / Double(modules.actionSize),
            batch.samplingSeconds, batch.innerSeconds, outerSeconds,
        ]
        let steps = batch.explorationBatch.validStepCount + post.validStepCount
        let episodes = zip(post.episodeReturns, post.lengths).map { (return: $0, length: Optional($1)) }
        return UnitReport(steps: steps, updates: 1, finishedEpisodes: episodes,
                          measurements: Array(zip(Self.measurementColumns, values)).map { (name: $0.0, value: $0.1) })
    }

    public func logValues() -> MetricsRecord { ["iteration": Double(iteration)] }

    /// Everything a meta-evaluation did: the result (`returns[s][i]`: task i's mean return of πθ,z after s inner
    /// steps), the exploration samples of μφ and the samples of every step's exploitation policy.
    public struct EvaluationTrace {
        public var result: MetaEvaluationResult
        public var explorationBatch: TrajectoryBatch
        /// `batches[s]`: samples of πθ,z⁽ˢ⁾ (s = 0: unadapted z).
        public var batches: [TrajectoryBatch]
        /// `latents[s][i]`: task i's z after s steps.
        public var latents: [[Tensor]]
    }

    /// Meta-evaluation on `tasks` (the MAML test protocol with MAME's adaptation): for each task, `trajectoriesPerTask`
    /// exploration episodes of μφ (stream `RandomStream(seed:, stream: "meta-evaluation").derived("exploration")`),
    /// then for s = 0…`steps`: z after s inner steps on those exploration samples (all steps on the same samples, as
    /// in training) and `trajectoriesPerTask` episodes of πθ,z⁽ˢ⁾ (stream `.derived("step", index: s)`). Step 0 is the
    /// unadapted exploitation policy. No parameter changes.
    public func metaEvaluationTrace(tasks: [MetaTask], trajectoriesPerTask: Int, steps: Int, seed: UInt64) throws
        -> EvaluationTrace {
        try BLASInfo.withEngineKernelForAllSizes {
            try trace(tasks: tasks, trajectoriesPerTask: trajectoriesPerTask, steps: steps, seed: seed)
        }
    }

    private func trace(tasks: [MetaTask], trajectoriesPerTask: Int, steps: Int, seed: UInt64) throws -> EvaluationTrace {
        guard steps >= 0, trajectoriesPerTask >= 1, !tasks.isEmpty else {
            throw EnvironmentError.invalidConfiguration(
                "meta-evaluation needs steps ≥ 0, at least one task and one trajectory per task (got \(steps), \(tasks.count), "
                    + "\(trajectoriesPerTask))")
        }
        let c = configuration, m = modules
        let random = RandomStream(seed: seed, stream: "meta-evaluation")
        let exploration = try sampler.sample(tasks: tasks, trajectoriesPerTask: trajectoriesPerTask, policy: m.exploration,
                                             random: random.derived("exploration"))
        let inputs = try tasks.indices.map { i in
            try MAMEExplorationInputs(modules: m, batch: exploration.task(i), target: c.meta.target,
                                      targetDiscount: c.meta.targetDiscount, advantages: c.meta.advantages)
        }
        var inner = c.innerSettings
        inner.steps = 1
        let objective = MAMEObjective(modules: m, exploration: inputs, post: [], inner: inner, allowEmptyPost: true)
        let theta = m.theta.map { $0.detached() }, beta = m.beta.map { $0.detached() }, phi = m.phi.map { $0.detached() }
        var current = tasks.map { _ in m.latent.detached().copy() }
        var latents = [current], batches: [TrajectoryBatch] = [], returns: [[Double]] = []
        for s in 0...steps {
            let parameters = current.map { z in withoutGradients { m.exploitationParameters(theta: theta, z: z).map { $0.copy() } } }
            let batch = try sampler.sample(tasks: tasks, trajectoriesPerTask: trajectoriesPerTask, policy: m.exploitationView,
                                           parameters: parameters, random: random.derived("step", index: s))
            batches.append(batch)
            returns.append(tasks.indices.map { batch.task($0).averageReturn })
            guard s < steps else { break }
            current = tasks.indices.map { i in
                objective.adaptedLatent(task: i, theta: theta, beta: beta, phi: phi, z: current[i], createGraph: false)
            }
            latents.append(current)
        }
        return EvaluationTrace(result: MetaEvaluationResult(tasks: tasks.map(\.descriptor), returns: returns),
                               explorationBatch: exploration, batches: batches, latents: latents)
    }

    /// Meta-evaluation on the first `count` held-out tasks of the family (see `metaEvaluationTrace`).
    public func metaEvaluate(tasks count: Int, trajectoriesPerTask: Int, steps: Int, seed: UInt64) throws -> MetaEvaluationResult {
        try metaEvaluationTrace(tasks: handle.testTasks(count: count), trajectoriesPerTask: trajectoriesPerTask,
                                steps: steps, seed: seed).result
    }

    /// The held-out tasks of the run's family.
    public func heldOutTasks(count: Int) -> [MetaTask] { handle.testTasks(count: count) }

    public func evaluate(episodes: Int, seed: UInt64, step: Int) throws -> EvaluationResult {
        let result = try metaEvaluate(tasks: episodes, trajectoriesPerTask: configuration.evaluation.trajectoriesPerTask,
                                      steps: configuration.evaluation.steps, seed: seed)
        return EvaluationResult(step: step, returns: result.returns.last!)
    }

    public func firstNonFiniteParameter() -> String? {
        for (name, t) in modules.namedParameters where !t.doubles.allSatisfy(\.isFinite) { return "parameter '\(name)'" }
        return nil
    }

    public func saveState(into state: inout CheckpointState) {
        state.add(prefix: "mame.modules.", modules.namedParameters)
        learner.saveState(into: &state, prefix: "mame.outer.")
        state.set("mame.iteration", iteration)
        state.set("mame.algorithm", configuration.algorithm)
    }

    public func restoreState(from state: CheckpointState) throws {
        let algorithm: String = try state.value("mame.algorithm")
        guard algorithm == configuration.algorithm else {
            throw CheckpointStateError.missingMetadata("mame.algorithm \(configuration.algorithm) (checkpoint: \(algorithm))")
        }
        try state.restore(prefix: "mame.modules.", into: modules.namedParameters)
        try learner.restoreState(from: state, prefix: "mame.outer.")
        iteration = try state.value("mame.iteration")
    }
}

/// `metaexplore meta-eval` reaches MAME's held-out evaluation through this conformance: step s is πθ,z after s
/// inner steps on μφ's exploration samples of the task.
extension MAMEProcedure: AdaptingProcedure {
    public func adaptationCurve(tasks: Int, trajectories: Int, steps: Int, seed: UInt64) throws -> AdaptationCurve {
        let result = try metaEvaluate(tasks: tasks, trajectoriesPerTask: trajectories, steps: steps, seed: seed)
        return AdaptationCurve(returns: result.returns, table: result.table)
    }
}
