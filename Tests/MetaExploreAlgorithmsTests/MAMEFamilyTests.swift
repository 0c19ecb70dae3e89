import Foundation
import MetaExploreAlgorithms
import MetaExploreEnvironments
import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor
import Testing

/// A small MAME run on PointCorner: 2 tasks × 3 episodes × 100 steps, exploration and post-update (1200 steps per
/// iteration).
func smallMAMERun(_ algorithm: String, steps: Int, extra: [String] = []) throws -> AnyExperimentConfiguration {
    try Experiments.configuration(algorithm: algorithm, overrides: [
        "environment=PointCorner-v1", "meta.tasksPerBatch=2", "meta.trajectoriesPerTask=3", "modules.hiddenSizes=[8]",
        "modules.latentSize=4", "sampler.environmentCopies=4", "sampler.threads=2", "evaluation.trajectoriesPerTask=2",
        "run.evalEpisodes=2", "run.evalInterval=1200", "run.checkpointInterval=1200", "run.logInterval=1",
        "run.totalSteps=\(steps)",
    ] + extra)
}

@Suite("MAME family workflow") struct MAMEFamilyTests {
    func temporaryFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("me-mame-\(UUID().uuidString)")
    }

    @Test func familyIsRegisteredWithItsAblationsPresetsAndPlans() throws {
        let ablations: [(String, (MAMEConfiguration) -> Bool)] = [
            ("mame", { $0.meta.innerLoss == .regression && $0.meta.target == .returns && $0.exploration.gradient == .lowVariance }),
            ("mame-vpg-inner", { $0.meta.innerLoss == .policyGradient }),
            ("mame-reward", { $0.meta.target == .rewards }),
            ("mame-dice", { $0.exploration.gradient == .dice }),
            ("mame-emaml", { $0.exploration.gradient == .emaml }),
        ]
        for (name, holds) in ablations {
            #expect(Experiments.algorithms.contains(name))
            let c = try require2(Experiments.configuration(algorithm: name).typed(MAMEConfiguration.self))
            #expect(holds(c), "\(name)")
            #expect(try Experiments.configuration(algorithm: name).family.name == "mame")
        }
        let c = try require2(Experiments.configuration(algorithm: "mame").typed(MAMEConfiguration.self))
        // Sec. 5's values.
        #expect(c.outer.learningRate == 7e-4 && c.outer.explorationLearningRate == 7e-4 && c.outer.latentLearningRate == 4e-5)
        #expect(c.modules.hiddenSizes == [100, 100] && c.modules.latentSize == 32 && c.meta.innerStepSize == 0.1)
        #expect(c.meta.tasksPerBatch == 40 && c.meta.trajectoriesPerTask == 20 && c.environment == "PointCorner-v1")
        for preset in ["mame-pointcorner", "mame-halfcheetahvel", "mame-halfcheetahdir", "mame-antdir",
                       "mame-vpg-inner-pointcorner", "mame-reward-pointcorner", "mame-dice-pointcorner",
                       "mame-emaml-pointcorner"] {
            let p = try Experiments.configuration(preset: preset)
            #expect(p.family.name == "mame", "\(preset)")
        }
        for name in ["mame-2019", "mame-2019-dense", "mame-2019-ablations"] {
            let plan = try require2(Experiments.registry.plans[name])
            for algorithm in plan.algorithms {
                for env in plan.environments {
                    let args = plan.trainArguments(algorithm, env, 1)
                    let config = try Experiments.configuration(preset: args[1])
                    #expect(config.algorithm == algorithm && config.environment == env, "\(name): \(args)")
                    #expect(args.suffix(2) == ["--seed", "1"])
                }
            }
        }
        for name in ["mame-2019", "mame-2019-dense"] {
            #expect(try require2(Experiments.registry.plans[name]).algorithms == ["mame", "maml-trpo", "maml-vpg", "promp"])
        }
        #expect(try require2(Experiments.registry.plans["mame-2019-ablations"]).algorithms.count == 5)
    }

    /// Bad settings are refused with the key named, before any work; a non-task environment when the procedure is
    /// built.
    @Test func invalidConfigurationsAreRefused() throws {
        for bad in ["meta.innerStepSize=0", "meta.innerSteps=0", "modules.latentSize=0", "outer.latentLearningRate=-1",
                    "exploration.lambda=2", "meta.target=value", "outer.epochs=0", "modules.hiddenSizes=[]",
                    "meta.innerReduction=mean", "outer.clip=1.5"] {
            #expect(throws: (any Error).self, "\(bad)") {
                _ = try Experiments.configuration(algorithm: "mame", overrides: [bad])
            }
        }
        let pendulum = try Experiments.configuration(algorithm: "mame", overrides: ["environment=Pendulum-v1"])
        #expect(throws: (any Error).self) { _ = try pendulum.makeProcedure { try make("Pendulum-v1") } }
    }

    /// Meta-evaluation of an untrained MAME (before any training): the family's held-out tasks, exploration samples
    /// drawn by μφ on each task (its rewards are that task's), z adapted on exactly those samples, and step 1
    /// evaluating πθ,z′ (the adapted policy) — while no parameter changes.
    @Test func metaEvaluationBeforeTrainingAdaptsOnExplorationData() throws {
        let config = try smallMAMERun("mame", steps: 1200)
        let procedure = try require2(config.makeProcedure { try make("PointCorner-v1") } as? MAMEProcedure)
        let m = procedure.modules
        let before = m.namedParameters.map { $0.tensor.doubles }
        let tasks = procedure.heldOutTasks(count: 3)
        #expect(tasks.map(\.descriptor) == PointCorner.testTasks(count: 3).map { [$0.x, $0.y] })
        let trace = try procedure.metaEvaluationTrace(tasks: tasks, trajectoriesPerTask: 2, steps: 2, seed: 4)
        #expect(m.namedParameters.map { $0.tensor.doubles } == before)
        #expect(trace.result.tasks == tasks.map(\.descriptor))
        #expect(trace.result.returns.count == 3 && trace.batches.count == 3 && trace.latents.count == 3)
        // The adaptation data: μφ's samples on each task, from the documented stream.
        let random = RandomStream(seed: 4, stream: "meta-evaluation")
        let exploration = try procedure.sampler.sample(tasks: tasks, trajectoriesPerTask: 2, policy: m.exploration,
                                                       random: random.derived("exploration"))
        #expect(exploration.observations == trace.explorationBatch.observations)
        #expect(exploration.rewards == trace.explorationBatch.rewards)
        #expect(trace.explorationBatch.taskDescriptors == tasks.map(\.descriptor))
        // Its rewards are the task's: r_t = max(2 − ‖s_{t+1} − g‖, 0) with s_{t+1} the next observation.
        for (i, task) in tasks.enumerated() {
            let single = trace.explorationBatch.task(i)
            let goal = PlanarGoal(x: task.descriptor[0], y: task.descriptor[1])
            for t in 0..<(single.lengths[0] - 1) {
                let next = Array(single.observations[((t + 1) * 2)..<((t + 2) * 2)])
                #expect(Swift.abs(single.rewards[t] - PointCorner.reward(x: next[0], y: next[1], goal: goal)) < 1e-12)
            }
        }
        // z after one step: the inner step on those samples, computed independently.
        let c = try require2(config.typed(MAMEConfiguration.self))
        let inputs = try tasks.indices.map { i in
            try MAMEExplorationInputs(modules: m, batch: exploration.task(i), target: c.meta.target,
                                      targetDiscount: c.meta.targetDiscount, advantages: c.meta.advantages)
        }
        var inner = MAMEInnerSettings()
        inner.stepSize = c.meta.innerStepSize
        let objective = MAMEObjective(modules: m, exploration: inputs, post: [], inner: inner, allowEmptyPost: true)
        for i in tasks.indices {
            let z1 = objective.adaptedLatent(task: i, theta: m.theta, beta: m.beta, phi: m.phi, z: m.latent, createGraph: false)
            #expect(z1.doubles == trace.latents[1][i].doubles)
            #expect(z1.doubles != m.latent.doubles)
            #expect(trace.latents[0][i].doubles == m.latent.doubles)
        }
        // Step 1 samples the adapted πθ,z′ (not πθ,z), from its own stream.
        let adapted = tasks.indices.map { i in
            withoutGradients { m.exploitationParameters(theta: m.theta.map { $0.detached() }, z: trace.latents[1][i]).map { $0.copy() } }
        }
        let step1 = try procedure.sampler.sample(tasks: tasks, trajectoriesPerTask: 2, policy: m.exploitationView,
                                                 parameters: adapted, random: random.derived("step", index: 1))
        #expect(step1.actions == trace.batches[1].actions)
        #expect(trace.result.returns[1] == tasks.indices.map { step1.task($0).averageReturn })
        let unadapted = tasks.indices.map { _ in
            withoutGradients { m.exploitationParameters(theta: m.theta.map { $0.detached() }, z: m.latent).map { $0.copy() } }
        }
        let sameStreamUnadapted = try procedure.sampler.sample(tasks: tasks, trajectoriesPerTask: 2, policy: m.exploitationView,
                                                               parameters: unadapted, random: random.derived("step", index: 1))
        #expect(sameStreamUnadapted.actions != trace.batches[1].actions)
        // The registry's entry point gives the same curve.
        let curve = try procedure.adaptationCurve(tasks: 3, trajectories: 2, steps: 2, seed: 4)
        #expect(curve.returns == trace.result.returns)
        // Bad requests are errors, not traps.
        #expect(throws: (any Error).self) { _ = try procedure.adaptationCurve(tasks: 3, trajectories: 2, steps: -1, seed: 4) }
        #expect(throws: (any Error).self) { _ = try procedure.adaptationCurve(tasks: 3, trajectories: 0, steps: 1, seed: 4) }
        #expect(throws: (any Error).self) { _ = try procedure.planarPaths(tasks: 0, trajectories: 1, seed: 4) }
    }

    /// `meta-eval` on a run folder: the library function, after one iteration's checkpoint.
    @Test func metaEvaluationOfARunFolder() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Experiments.train(try smallMAMERun("mame", steps: 1200), in: folder)
        let url = folder.appendingPathComponent("checkpoints/latest.safetensors")
        let (curve, config, step) = try FamilyRegistry.builtIn.metaEvaluate(checkpoint: url, steps: 1, tasks: 3,
                                                                             trajectories: 2, seed: 1)
        #expect(step == 1200 && config.environment == "PointCorner-v1")
        let procedure = try require2(config.makeProcedure { try make("PointCorner-v1") } as? MAMEProcedure)
        try procedure.restoreState(from: try SafeTensorsCheckpointStore.read(url))
        #expect(procedure.iteration == 1)
        #expect(try procedure.metaEvaluate(tasks: 3, trajectoriesPerTask: 2, steps: 1, seed: 1).returns == curve.returns)
        #expect(curve.returns.count == 2 && curve.table.split(separator: "\n").count == 3)
    }

    /// MAME's samples and update do not depend on the sampler's thread count: one iteration on 1 and on 2 threads
    /// (2 tasks × 3 episodes on 4 copies: waves of 4 and 2 episodes, split between the threads) logs the same values
    /// and leaves the same parameters.
    @Test func anIterationIsTheSameOnOneAndTwoSamplerThreads() throws {
        var logged: [[Double]] = [], parameters: [[[Double]]] = []
        for threads in [1, 2] {
            let config = try smallMAMERun("mame", steps: 1200, extra: ["sampler.threads=\(threads)"])
            #expect(try require2(config.typed(MAMEConfiguration.self)).sampler.threads == threads)
            let procedure = try require2(config.makeProcedure { try make("PointCorner-v1") } as? MAMEProcedure)
            #expect(procedure.sampler.threads == threads)
            let report = try procedure.advance(step: 0)
            logged.append(report.measurements.filter { !$0.name.hasPrefix("time_") }.map(\.value))
            parameters.append(procedure.modules.namedParameters.map { $0.tensor.doubles })
        }
        #expect(logged[0] == logged[1])
        #expect(parameters[0] == parameters[1])
    }

    /// `sampler.threads` is an execution key for MAME as for the MAML family: a run resumed on another thread count
    /// (here 2 → 1, then on with the folder's setting) continues exactly, while restating a setting that changes
    /// results is refused.
    @Test func resumeMayChangeTheSamplerThreadCount() throws {
        #expect(MAMEConfiguration.executionKeys == ["sampler.threads"])
        let straight = temporaryFolder(), interrupted = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: straight); try? FileManager.default.removeItem(at: interrupted) }
        try Experiments.train(try smallMAMERun("mame", steps: 3600), in: straight)
        try Experiments.train(try smallMAMERun("mame", steps: 1200), in: interrupted)
        let registry = FamilyRegistry.builtIn
        #expect(throws: ResumeError.self) {
            try registry.resume(in: interrupted, totalSteps: 2400, overrides: ["meta.innerStepSize=0.2"],
                                showProgress: false, handleSignals: false)
        }
        try registry.resume(in: interrupted, totalSteps: 2400, overrides: ["sampler.threads=1"], showProgress: false,
                            handleSignals: false)
        let folder = try String(contentsOf: interrupted.appendingPathComponent("config.yaml"), encoding: .utf8)
        #expect(folder.contains("threads: 1"))
        // The folder now says 1 thread; the next resumption (no restatement) is still accepted.
        try registry.resume(in: interrupted, totalSteps: 3600, showProgress: false, handleSignals: false)
        let a = try SafeTensorsCheckpointStore.read(straight.appendingPathComponent("checkpoints/latest.safetensors"))
        let b = try SafeTensorsCheckpointStore.read(interrupted.appendingPathComponent("checkpoints/latest.safetensors"))
        #expect(a.metadata["mame.iteration"] == "3" && b.metadata["mame.iteration"] == "3")
        #expect(a.tensors.map(\.name) == b.tensors.map(\.name))
        for ((name, x), (_, y)) in zip(a.tensors, b.tensors) { #expect(x.doubles == y.doubles, "tensor \(name) differs") }
    }

    /// A run stopped after iteration 2 and resumed equals the uninterrupted 3-iteration run, bit for bit in every
    /// saved tensor and value and in its progress rows (wall-clock columns aside).
    @Test(arguments: ["mame", "mame-vpg-inner", "mame-dice", "mame-emaml"])
    func resumeEqualsAnUninterruptedRun(algorithm: String) throws {
        let straight = temporaryFolder(), interrupted = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: straight); try? FileManager.default.removeItem(at: interrupted) }
        try Experiments.train(try smallMAMERun(algorithm, steps: 3600), in: straight)
        let first = try Experiments.train(try smallMAMERun(algorithm, steps: 2400), in: interrupted)
        #expect(first.steps == 2400)
        let resumed = try Experiments.train(nil, in: interrupted, resume: true, totalSteps: 3600)
        #expect(resumed.steps == 3600)
        let a = try SafeTensorsCheckpointStore.read(straight.appendingPathComponent("checkpoints/latest.safetensors"))
        let b = try SafeTensorsCheckpointStore.read(interrupted.appendingPathComponent("checkpoints/latest.safetensors"))
        #expect(a.tensors.map(\.name) == b.tensors.map(\.name))
        for prefix in ["mame.modules.exploration.", "mame.modules.exploitation.", "mame.modules.selfSupervision.",
                       "mame.modules.latent", "mame.outer.networks.", "mame.outer.exploration.", "mame.outer.latent."] {
            #expect(a.tensors.contains { $0.name.hasPrefix(prefix) }, "\(prefix)")
        }
        for ((name, x), (_, y)) in zip(a.tensors, b.tensors) { #expect(x.doubles == y.doubles, "tensor \(name) differs") }
        #expect(Set(a.metadata.keys) == Set(b.metadata.keys))
        for (key, value) in a.metadata where key != "config" && key != "runner.wall_time" {
            #expect(b.metadata[key] == value, "metadata \(key) differs")
        }
        #expect(a.metadata["mame.iteration"] == "3")
        let rows = { (folder: URL) throws -> [[String]] in
            let lines = try String(contentsOf: folder.appendingPathComponent("progress.csv"), encoding: .utf8)
                .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            let header = lines[0]
            let keep = header.indices.filter { !["wall_time", "steps_per_second"].contains(header[$0]) && !header[$0].hasPrefix("time_") }
            return lines.map { row in keep.map { row[$0] } }
        }
        let ra = try rows(straight), rb = try rows(interrupted)
        #expect(ra == rb)
        #expect(ra.count == 4)
        for column in ["pre_update_return", "post_update_return", "inner_loss_before", "inner_loss_after",
                       "exploration_reward_mean", "grad_norm_phi", "grad_norm_z", "eval_return"] {
            #expect(ra[0].contains(column), "\(column)")
        }
        // The z and the networks moved.
        let fresh = try require2(smallMAMERun(algorithm, steps: 3600).makeProcedure { try make("PointCorner-v1") } as? MAMEProcedure)
        let latent = try require2(a.tensors.first { $0.name == "mame.modules.latent" }?.tensor)
        #expect(latent.doubles != fresh.modules.latent.doubles)
    }
}

/// MAME raises the held-out post-update return on PointCorner over 40 iterations of a small configuration (16 tasks
/// × 10 episodes, 32-unit modules, z of 8, Adam 2e-3 for θ and β; fixed seed, so deterministic), evaluated on 16
/// held-out tasks × 10 episodes with one inner step; after training, adapting z helps (step 1 above step 0).
@Test func mameLearnsOnPointCorner() throws {
    let config = try Experiments.configuration(algorithm: "mame", overrides: [
        "environment=PointCorner-v1", "meta.tasksPerBatch=16", "meta.trajectoriesPerTask=10", "modules.hiddenSizes=[32]",
        "modules.latentSize=8", "outer.learningRate=2e-3", "sampler.environmentCopies=160", "run.seed=3",
    ])
    let procedure = try require2(config.makeProcedure { try make("PointCorner-v1") } as? MAMEProcedure)
    let before = try procedure.metaEvaluate(tasks: 16, trajectoriesPerTask: 10, steps: 1, seed: 5)
    for k in 0..<40 { _ = try procedure.advance(step: k) }
    let after = try procedure.metaEvaluate(tasks: 16, trajectoriesPerTask: 10, steps: 1, seed: 5)
    print("MAME PointCorner held-out return (0 → 1 step): before \(before.means), after \(after.means)")
    #expect(after.means[1] > before.means[1] + 5)
    #expect(after.means[1] > after.means[0] + 5)
}
