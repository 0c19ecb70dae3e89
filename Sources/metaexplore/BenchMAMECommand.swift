import ArgumentParser
import Foundation
import MetaExplore

/// `metaexplore bench mame`: seconds per MAME iteration (`mame` defaults: exploration samples with μφ, the inner
/// step on z, post-update samples with πθ,z′, the outer step through the inner step with the low-variance
/// estimator) beside seconds per MAML-TRPO meta-iteration (`maml-trpo` defaults) on the same task family and batch
/// (tasks × trajectories × horizon, pre- and post-update), each the median over `--repeats` after one warm-up, with
/// the time of each phase and the process's CPU seconds per iteration (`*_iteration_cpu_s`; with one sampler thread
/// the work is single-threaded, so this is the figure that other processes on the machine disturb least).
///
/// `--dump FILE` times nothing: it runs one MAME iteration from a fresh procedure (iteration 0's tasks and samples)
/// and writes what `scripts/bench/torch_maml_speed.py --check-mame FILE` needs to recompute it — the parameters
/// before and after the update, both batches, z′ of every task, the logged statistics and the settings — as a
/// `.safetensors` file.
struct BenchMAME: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mame",
        abstract: "Time one MAME iteration beside one MAML-TRPO meta-iteration on the same task and batch.")

    static let algorithms = ["mame", "maml-trpo"]

    @Option(help: "Task family.") var env = "PointCorner-v1"
    @Option(help: "Tasks per meta-batch.") var tasks = 40
    @Option(help: "Trajectories per task (exploration / pre-update and post-update each).") var trajectories = 20
    @Option(help: "Episode length (0: the family's time limit).") var horizon = 0
    @Option(help: "Timed repeats per measurement (the median is reported, after one warm-up).") var repeats = 3
    @Option(help: "Sampler threads.") var threads = 1
    @Option(help: "Run seed (tasks, initialization, samples).") var seed: UInt64 = 0
    @Option(help: "Time some algorithms only, comma-separated: mame, maml-trpo (default both).") var only: String?
    @Option(help: "Write one MAME iteration's inputs and results to this .safetensors file instead of timing (for scripts/bench/torch_maml_speed.py --check-mame).")
    var dump: String?

    func validate() throws {
        guard tasks > 0, trajectories > 0, horizon >= 0, repeats > 0, threads > 0 else {
            throw ValidationError("--tasks, --trajectories, --repeats and --threads must be positive, --horizon ≥ 0")
        }
        if selected.isEmpty { throw ValidationError("--only names no algorithm (mame, maml-trpo)") }
        for name in selected where !Self.algorithms.contains(name) {
            throw ValidationError("--only takes mame, maml-trpo; got '\(name)'")
        }
        if dump?.isEmpty == true { throw ValidationError("--dump needs a file path") }
    }

    private var selected: [String] {
        only.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? Self.algorithms
    }

    /// `algorithm`'s family defaults with this command's task, batch, threads and seed.
    func configuration(_ algorithm: String) throws -> AnyExperimentConfiguration {
        try FamilyRegistry.builtIn.configuration(algorithm: algorithm, overrides: [
            "environment=\(env)", "meta.tasksPerBatch=\(tasks)", "meta.trajectoriesPerTask=\(trajectories)",
            "meta.horizon=\(horizon)", "sampler.threads=\(threads)", "run.seed=\(seed)",
        ])
    }

    func effectiveHorizon() throws -> Int { horizon > 0 ? horizon : try Registry.spec(env).maxEpisodeSteps }

    /// Prints the phases, the total and the CPU seconds of one algorithm's iteration; returns the total (seconds).
    func time(_ algorithm: String, label: String) throws -> Double {
        let config = try configuration(algorithm)
        let h = try effectiveHorizon()
        let procedure = try config.makeProcedure { try make(env, maxEpisodeSteps: h) }
        var phases: [String: [Double]] = [:]
        var cpu: [Double] = []
        var step = 0
        let total = try medianSeconds(repeats: repeats) {
            let cpuStart = processCPUSeconds()
            let report = try procedure.advance(step: step)
            cpu.append(processCPUSeconds() - cpuStart)
            step += report.steps
            for (name, value) in report.measurements where name.hasPrefix("time_") { phases[name, default: []].append(value) }
        }
        // The timed repeats only (the first entry is the warm-up's).
        func median(_ xs: [Double]) -> Double {
            let timed = Array(xs.dropFirst()).sorted()
            return timed.isEmpty ? 0 : timed[timed.count / 2]
        }
        print("\(label)_iteration_threads=\(threads)")
        for phase in ["sampling", "inner", "outer"] {
            print(String(format: "\(label)_iteration_\(phase)_s=%.4f", median(phases["time_\(phase)"] ?? [])))
        }
        print(String(format: "\(label)_iteration_s=%.4f", total))
        print(String(format: "\(label)_iteration_cpu_s=%.4f", median(cpu)))
        return total
    }

    func run() throws {
        if let dump {
            try write(to: dump)
            return
        }
        let h = try effectiveHorizon()
        print("\(env): \(tasks) tasks × \(trajectories) trajectories × \(h) steps, pre-/exploration and post-update "
            + "samples; family defaults otherwise; median of \(repeats) after one warm-up")
        var totals: [String: Double] = [:]
        for algorithm in Self.algorithms where selected.contains(algorithm) {
            totals[algorithm] = try time(algorithm, label: algorithm.replacingOccurrences(of: "-", with: "_"))
        }
        if let mame = totals["mame"], let trpo = totals["maml-trpo"] {
            print(String(format: "mame_over_maml_trpo=%.3f", mame / trpo))
        }
    }

    /// `--dump`: one MAME iteration from a fresh procedure, as `MAMEProcedure.advance` runs iteration 0 (its tasks,
    /// its sampler stream, `collect` then `learner.update`), written to `path`. Tensors: `before.<name>` and
    /// `after.<name>` for every module parameter (checkpoint names), `exploration.*` and `post.*` batches
    /// (observations [steps, obs], actions [steps, act], rewards, logProbabilities [steps], lengths [episodes]; steps
    /// = episodes × horizon, task-major), `adapted_latents` [tasks, latent], `tasks` (descriptors). Metadata: the
    /// batch size, the settings the PyTorch check assumes, and the update's statistics (`MAMEUpdateStatistics`) under
    /// the names of the training log's columns.
    func write(to path: String) throws {
        let config = try configuration("mame")
        guard let c = config.typed(MAMEConfiguration.self) else {
            throw ValidationError("the mame configuration did not resolve to MAME's settings")
        }
        let h = try c.effectiveHorizon()
        guard let procedure = try config.makeProcedure(makeEnvironment: { try make(env, maxEpisodeSteps: h) }) as? MAMEProcedure
        else {
            throw ValidationError("the mame configuration did not build a MAME procedure")
        }
        let m = procedure.modules
        let before = m.namedParameters.map { (name: "before.\($0.name)", tensor: $0.tensor.detached().copy()) }
        let metaTasks = trainingTasks(procedure.sampler.environments[0], count: tasks, seed: seed, iteration: 0)
        let random = RandomStream(seed: seed, stream: "sampler").derived("iteration", index: 0)
        let collected = try procedure.collect(tasks: metaTasks, trajectoriesPerTask: trajectories, random: random)
        let stats = try procedure.learner.update(collected.objective)
        let after = m.namedParameters.map { (name: "after.\($0.name)", tensor: $0.tensor.detached().copy()) }

        func entries(_ prefix: String, _ b: TrajectoryBatch) -> [(name: String, tensor: Tensor)] {
            [("\(prefix).observations", Tensor(shape: [b.stepCount, b.observationSize], doubles: b.observations, dtype: .float64)),
             ("\(prefix).actions", Tensor(shape: [b.stepCount, b.actionSize], doubles: b.actions, dtype: .float64)),
             ("\(prefix).rewards", Tensor(shape: [b.stepCount], doubles: b.rewards, dtype: .float64)),
             ("\(prefix).logProbabilities", Tensor(shape: [b.stepCount], doubles: b.logProbabilities, dtype: .float64)),
             ("\(prefix).lengths", Tensor(shape: [b.episodeCount], doubles: b.lengths.map(Double.init), dtype: .float64))]
        }
        let descriptors: [[Double]] = metaTasks.map(\.descriptor)
        var tensors: [(name: String, tensor: Tensor)] = before + after
        tensors += entries("exploration", collected.explorationBatch) + entries("post", collected.postBatch)
        let latents: [Double] = collected.adaptedLatents.flatMap(\.doubles)
        tensors.append(("adapted_latents", Tensor(shape: [metaTasks.count, m.latentSize], doubles: latents, dtype: .float64)))
        tensors.append(("tasks", Tensor(shape: [descriptors.count, descriptors.first?.count ?? 0],
                                        doubles: descriptors.flatMap { $0 }, dtype: .float64)))
        let metadata: [String: String] = [
            "environment": env, "tasks": "\(tasks)", "trajectories": "\(trajectories)", "horizon": "\(h)",
            "seed": "\(seed)",
            "latentSize": "\(c.modules.latentSize)", "hiddenSizes": c.modules.hiddenSizes.map(String.init).joined(separator: ","),
            "activation": c.modules.activation.rawValue, "innerStepSize": "\(c.meta.innerStepSize)",
            "innerSteps": "\(c.meta.innerSteps)", "innerLoss": c.meta.innerLoss.rawValue, "target": c.meta.target.rawValue,
            "targetDiscount": "\(c.meta.targetDiscount)", "innerReduction": c.meta.innerReduction.rawValue,
            "advantagesGamma": "\(c.meta.advantages.gamma)", "advantagesLambda": "\(c.meta.advantages.lambda)",
            "advantagesNormalize": "\(c.meta.advantages.normalize)",
            "explorationGradient": c.exploration.gradient.rawValue, "explorationLambda": "\(c.exploration.lambda)",
            "rewardScale": c.exploration.rewardScale.rawValue, "outerObjective": c.outer.objective.rawValue,
            "epochs": "\(c.outer.epochs)", "learningRate": "\(c.outer.learningRate)",
            "explorationLearningRate": "\(c.outer.explorationLearningRate)",
            "latentLearningRate": "\(c.outer.latentLearningRate)", "adamEpsilon": "\(c.outer.adamEpsilon)",
            "inner_loss_before": "\(stats.innerLossBefore)", "inner_loss_after": "\(stats.innerLossAfter)",
            "latent_step": "\(stats.latentStep)", "outer_loss": "\(stats.outerLossBefore)",
            "outer_loss_after": "\(stats.outerLossAfter)", "grad_norm_theta": "\(stats.gradientNormTheta)",
            "grad_norm_beta": "\(stats.gradientNormBeta)", "grad_norm_phi": "\(stats.gradientNormPhi)",
            "grad_norm_z": "\(stats.gradientNormLatent)", "exploration_reward_mean": "\(stats.explorationRewardMean)",
            "exploration_reward_std": "\(stats.explorationRewardStd)",
            "exploration_reward_abs_mean": "\(stats.explorationRewardAbsMean)",
            "exploration_advantage_mean": "\(stats.explorationAdvantageMean)",
        ]
        try SafeTensors.write(tensors, metadata: metadata, to: URL(fileURLWithPath: path))
        print("wrote one MAME iteration (\(env), \(tasks) tasks × \(trajectories) trajectories × \(h) steps) to \(path)")
    }
}
