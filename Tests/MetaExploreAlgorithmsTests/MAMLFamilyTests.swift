import Foundation
import MetaExploreAlgorithms
import MetaExploreEnvironments
import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor
import Testing

/// A small MAML run on PointGoal: 2 tasks × 3 trajectories × 100 steps, pre- and post-update (1200 steps per
/// meta-iteration).
func smallMAMLRun(_ algorithm: String, steps: Int, extra: [String] = []) throws -> AnyExperimentConfiguration {
    try Experiments.configuration(algorithm: algorithm, overrides: [
        "environment=PointGoal-v1", "meta.tasksPerBatch=2", "meta.trajectoriesPerTask=3", "policy.hiddenSizes=[8]",
        "sampler.environmentCopies=4", "sampler.threads=2", "evaluation.trajectoriesPerTask=2", "run.evalEpisodes=2",
        "run.evalInterval=1200", "run.checkpointInterval=1200", "run.logInterval=1", "run.totalSteps=\(steps)",
    ] + extra)
}

@Suite("MAML family workflow") struct MAMLFamilyTests {
    func temporaryFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("me-maml-\(UUID().uuidString)")
    }

    @Test func familyIsRegisteredWithItsAlgorithmsPresetsAndPlan() throws {
        for name in ["maml-trpo", "maml-vpg", "promp", "e-maml"] { #expect(Experiments.algorithms.contains(name)) }
        let c = try Experiments.configuration(algorithm: "maml-trpo", overrides: ["environment=HalfCheetahDir-v1"])
        #expect(c.family.name == "maml")
        let typed = try require2(c.typed(MAMLConfiguration.self))
        #expect(typed.meta.tasksPerBatch == 40 && typed.meta.trajectoriesPerTask == 20 && typed.meta.innerStepSize == 0.1)
        #expect(typed.outer.maxKL == 0.01 && typed.policy.hiddenSizes == [100, 100])
        #expect(try typed.effectiveHorizon() == 200)
        let promp = try require2(Experiments.configuration(preset: "promp-pointgoal").typed(MAMLConfiguration.self))
        #expect(promp.meta.innerLoss == .lvc && promp.policy.activation == .tanh && promp.outer.clip == 0.3)
        for preset in ["maml-trpo-pointgoal", "maml-trpo-halfcheetahdir", "maml-trpo-halfcheetahvel", "maml-trpo-antdir"] {
            #expect(try Experiments.configuration(preset: preset).algorithm == "maml-trpo")
        }
        let plan = try require2(Experiments.registry.plans["maml-2017"])
        #expect(plan.trainArguments("maml-trpo", "HalfCheetahDir-v1", 1) == ["--preset", "maml-trpo-halfcheetahdir", "--seed", "1"])
        // The plan's extra learning curves read columns the procedure writes (a misspelt column would silently
        // give an empty figure).
        for figure in plan.extraFigures {
            #expect(MAMLProcedure.measurementColumns.contains(figure.yColumn), "\(figure.yColumn)")
            #expect(figure.xColumn == "step")
        }
        // Every job of the plan resolves to its algorithm on its task, and the four algorithms of a task share its
        // horizon (their returns are compared in one table).
        for env in plan.environments {
            var horizons: Set<Int> = []
            for algorithm in plan.algorithms {
                let args = plan.trainArguments(algorithm, env, 0)
                let c = try Experiments.configuration(preset: args[1])
                #expect(c.environment == env && c.algorithm == algorithm)
                horizons.insert(try require2(c.typed(MAMLConfiguration.self)).effectiveHorizon())
            }
            #expect(horizons.count == 1, "\(env): horizons \(horizons)")
        }
        // A non-task environment is refused when the procedure is built.
        let bad = try Experiments.configuration(algorithm: "maml-trpo", overrides: ["environment=Pendulum-v1"])
        #expect(throws: (any Error).self) { _ = try bad.makeProcedure { try make("Pendulum-v1") } }
    }

    /// `meta-eval`'s library function on a run folder: k + 1 rows over the requested held-out tasks, the same numbers
    /// as the procedure's own meta-evaluation after restoring the checkpoint, and no training needed beyond one
    /// iteration (a checkpoint).
    @Test func metaEvaluationOfARunFolder() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Experiments.train(try smallMAMLRun("maml-trpo", steps: 1200), in: folder)
        let url = folder.appendingPathComponent("checkpoints/latest.safetensors")
        let (curve, config, step) = try FamilyRegistry.builtIn.metaEvaluate(checkpoint: url, steps: 3, tasks: 4,
                                                                             trajectories: 2, seed: 1)
        #expect(step == 1200 && config.environment == "PointGoal-v1")
        #expect(curve.returns.count == 4 && curve.returns.allSatisfy { $0.count == 4 })
        // The same numbers as the procedure's own meta-evaluation after restoring the checkpoint, on the family's
        // held-out tasks.
        let procedure = try require2(config.makeProcedure { try make("PointGoal-v1") } as? MAMLProcedure)
        try procedure.restoreState(from: try SafeTensorsCheckpointStore.read(url))
        #expect(procedure.iteration == 1)
        let direct = try procedure.metaEvaluate(tasks: 4, trajectoriesPerTask: 2, steps: 3, seed: 1)
        #expect(direct.tasks == PointGoal.testTasks(count: 4).map { [$0.x, $0.y] })
        #expect(direct.returns == curve.returns)
        let again = try FamilyRegistry.builtIn.metaEvaluate(checkpoint: url, steps: 3, tasks: 4, trajectories: 2, seed: 1)
        #expect(again.curve.returns == curve.returns)
        // A family that does not adapt has no meta-evaluation.
        let ddpg = folder.appendingPathComponent("ddpg")
        try Experiments.train(try Experiments.configuration(preset: "ddpg-pendulum", overrides: [
            "run.totalSteps=300", "run.evalEpisodes=0", "agent.warmupSteps=100", "agent.bufferSize=1000"]), in: ddpg)
        #expect(throws: ExperimentError.self) {
            _ = try FamilyRegistry.builtIn.metaEvaluate(checkpoint: ddpg.appendingPathComponent("checkpoints/latest.safetensors"),
                                                        steps: 1)
        }
        let result = curve
        #expect(result.table.split(separator: "\n").count == 5)
    }

    /// Several inner steps: a ProMP and a MAML-TRPO iteration with `meta.innerSteps=2` sample three times
    /// (2 adaptation steps + post-update) and keep one η per inner step.
    @Test(arguments: ["promp", "maml-trpo"])
    func twoInnerStepsRun(algorithm: String) throws {
        let config = try smallMAMLRun(algorithm, steps: 1800, extra: ["meta.innerSteps=2"])
        let procedure = try require2(config.makeProcedure { try make("PointGoal-v1") } as? MAMLProcedure)
        let report = try procedure.advance(step: 0)
        #expect(report.steps == 3 * 2 * 3 * 100)
        #expect(report.measurements.allSatisfy { $0.value.isFinite })
        if let promp = procedure.optimizer as? ProMP { #expect(promp.penalties.count == 2) }
    }

    /// `sampler.threads` is an execution key: a run resumed on another thread count (here 2 → 1, then back to the
    /// stored configuration's folder) continues exactly, while restating a setting that changes results is refused.
    @Test func resumeMayChangeTheSamplerThreadCount() throws {
        let straight = temporaryFolder(), interrupted = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: straight); try? FileManager.default.removeItem(at: interrupted) }
        try Experiments.train(try smallMAMLRun("maml-trpo", steps: 3600), in: straight)
        try Experiments.train(try smallMAMLRun("maml-trpo", steps: 1200), in: interrupted)
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
        #expect(a.tensors.map(\.name) == b.tensors.map(\.name))
        for ((name, x), (_, y)) in zip(a.tensors, b.tensors) { #expect(x.doubles == y.doubles, "tensor \(name) differs") }
    }

    /// A run stopped after iteration 2 and resumed equals the uninterrupted 3-iteration run, bit for bit in every
    /// saved tensor and value and in its progress rows (wall-clock columns aside).
    @Test(arguments: ["maml-trpo", "promp", "e-maml", "maml-vpg"])
    func resumeEqualsAnUninterruptedRun(algorithm: String) throws {
        let straight = temporaryFolder(), interrupted = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: straight); try? FileManager.default.removeItem(at: interrupted) }
        try Experiments.train(try smallMAMLRun(algorithm, steps: 3600), in: straight)
        let first = try Experiments.train(try smallMAMLRun(algorithm, steps: 2400), in: interrupted)
        #expect(first.steps == 2400)
        let resumed = try Experiments.train(nil, in: interrupted, resume: true, totalSteps: 3600)
        #expect(resumed.steps == 3600)
        let a = try SafeTensorsCheckpointStore.read(straight.appendingPathComponent("checkpoints/latest.safetensors"))
        let b = try SafeTensorsCheckpointStore.read(interrupted.appendingPathComponent("checkpoints/latest.safetensors"))
        #expect(a.tensors.map(\.name) == b.tensors.map(\.name))
        #expect(a.tensors.contains { $0.name.hasPrefix("maml.policy.") })
        for ((name, x), (_, y)) in zip(a.tensors, b.tensors) { #expect(x.doubles == y.doubles, "tensor \(name) differs") }
        #expect(Set(a.metadata.keys) == Set(b.metadata.keys))
        for (key, value) in a.metadata where key != "config" && key != "runner.wall_time" {
            #expect(b.metadata[key] == value, "metadata \(key) differs")
        }
        #expect(a.metadata["maml.iteration"] == "3")
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
        for column in ["pre_update_return", "post_update_return", "inner_loss", "outer_loss", "outer_kl", "eval_return", "time_sampling"] {
            #expect(ra[0].contains(column) || column.hasPrefix("time_"), "\(column)")
        }
    }
}

/// MAML-TRPO raises the held-out post-update return on PointGoal over a few meta-iterations (small batch, fixed
/// seed: deterministic).
@Test func mamlTRPOLearnsOnPointGoal() throws {
    let config = try Experiments.configuration(algorithm: "maml-trpo", overrides: [
        "environment=PointGoal-v1", "meta.tasksPerBatch=10", "meta.trajectoriesPerTask=10", "policy.hiddenSizes=[32]",
        "sampler.environmentCopies=100", "run.seed=3",
    ])
    let procedure = try require2(config.makeProcedure { try make("PointGoal-v1") } as? MAMLProcedure)
    let before = try procedure.metaEvaluate(tasks: 10, trajectoriesPerTask: 10, steps: 1, seed: 5)
    var postReturns: [Double] = []
    for _ in 0..<6 {
        let report = try procedure.advance(step: 0)
        postReturns.append(report.measurements.first { $0.name == "post_update_return" }!.value)
    }
    let after = try procedure.metaEvaluate(tasks: 10, trajectoriesPerTask: 10, steps: 1, seed: 5)
    print("MAML-TRPO PointGoal: held-out post-update \(before.means) → \(after.means); training post-update \(postReturns)")
    #expect(after.means[1] > before.means[1] + 2)
    #expect(postReturns.last! > postReturns.first!)
}
