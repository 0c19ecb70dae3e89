import Foundation
import MetaExploreAlgorithms
import Testing

/// Counterfactual Meta Policy (CMP, MA2C, L2Explore) in the shared workflow: configuration, short runs of every
/// variant on Pendulum-v1, exact resume, evaluation of a checkpoint.
@Suite struct CMPRunTests {
    func temporaryFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("me-cmp-\(UUID().uuidString)")
    }

    func cmp(_ config: AnyExperimentConfiguration) throws -> CMPExperimentConfiguration {
        guard let c = config.typed(CMPExperimentConfiguration.self) else { throw CheckpointStateError.incompatible("not a CMP configuration") }
        return c
    }

    @Test func algorithmNamesSelectTheVariant() throws {
        let one = try cmp(Experiments.configuration(algorithm: "cmp"))
        #expect(one.variant == .cmp(beta: 1) && one.label == "cmp-1")
        let zero = try Experiments.configuration(algorithm: "cmp", overrides: ["cmp.beta=0"])
        #expect(try cmp(zero).variant == .cmp(beta: 0) && zero.label == "cmp-0" && zero.algorithm == "cmp")
        #expect(try cmp(Experiments.configuration(algorithm: "ma2c")).cmpConfiguration.variant == .ma2c)
        let l2 = try Experiments.configuration(algorithm: "l2explore", overrides: ["student=td3"])
        #expect(try cmp(l2).variant == .l2explore && l2.label == "l2explore" && cmp(l2).student == .td3)
        // The YAML round trip keeps everything.
        let c = try Experiments.configuration(preset: "cmp-hopper", overrides: ["algorithm=ma2c", "cmp.metaQ.updates=3"])
        #expect(try Experiments.registry.load(yaml: c.yaml()) == c)
        #expect(Experiments.algorithms.contains("cmp") && Experiments.algorithms.contains("l2explore"))
    }

    @Test func invalidCMPSettingsNameTheKey() throws {
        func key(_ overrides: [String]) -> String? {
            do {
                _ = try Experiments.configuration(algorithm: "cmp", overrides: overrides)
                return nil
            } catch let ConfigurationError.invalidValue(key, _) {
                return key
            } catch let ConfigurationError.unknownKey(key) {
                return key
            } catch {
                return "\(error)"
            }
        }
        #expect(key(["agent.noise=ou"]) == "agent.noise")
        #expect(key(["agent.warmupSteps=10"]) == "agent.warmupSteps")
        #expect(key(["cmp.beta=-1"]) == "cmp.beta")
        #expect(key(["cmp.explorationSteps=0"]) == "cmp.explorationSteps")
        #expect(key(["cmp.teacherUpdates=0"]) == "cmp.teacherUpdates")
        #expect(key(["cmp.movingSumWindow=0"]) == "cmp.movingSumWindow")
        #expect(key(["cmp.advantageBaselineDecay=1"]) == "cmp.advantageBaselineDecay")
        #expect(key(["cmp.metaQ.learningRate=0"]) == "cmp.metaQ.learningRate")
        #expect(key(["cmp.metaQ.gamma=0"]) == "cmp.metaQ.gamma")
        #expect(key(["cmp.metaQ.targetForm=sideways"]) == "cmp.metaQ.targetForm")
        #expect(key(["cmp.teacher.learningRate=0"]) == "cmp.teacher.learningRate")
        #expect(key(["learner.tau=0"]) == "learner.tau")
        #expect(key(["meta.explorationSteps=5"]) == "meta")
        #expect(key(["cmp.exerciseSteps=5", "cmp.metaQ.gradientClipNorm=1", "cmp.criticSource=lookahead"]) == nil)
    }

    func smallRun(_ algorithm: String, steps: Int, seed: UInt64 = 3, extra: [String] = []) throws -> AnyExperimentConfiguration {
        try Experiments.configuration(preset: "cmp-pendulum", overrides: [
            "algorithm=\(algorithm)", "run.totalSteps=\(steps)", "run.seed=\(seed)", "run.evalInterval=500",
            "run.evalEpisodes=1", "run.checkpointInterval=0", "run.logInterval=300", "cmp.studentTrainingSteps=10",
            "cmp.teacherUpdates=3", "cmp.metaQ.updates=2", "cmp.movingSumWindow=2",
        ] + extra)
    }

    @Test(arguments: [("cmp", "1"), ("cmp", "0"), ("ma2c", "1"), ("l2explore", "1")])
    func everyVariantRunsAndWritesTheRunFolder(algorithm: String, beta: String) throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let summary = try Experiments.train(try smallRun(algorithm, steps: 600, extra: ["cmp.beta=\(beta)"]), in: folder,
                                            showProgress: false, handleSignals: false)
        // Lines 2–3 draw 200 steps, then every iteration 100 (τ) + 200 (τ′): 200, 500, 800.
        #expect(summary.steps == 800)
        #expect(summary.updates == 20)
        // Evaluated when a cycle crosses a multiple of evalInterval (500), and at the end of the run (800).
        #expect(summary.evaluations.map(\.step) == [500, 800])
        for file in ["config.yaml", "versions.json", "progress.csv", "progress.jsonl", "checkpoints/latest.safetensors",
                     "checkpoints/step-0000000800.safetensors"] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), "\(file)")
        }
        let csv = try String(contentsOf: folder.appendingPathComponent("progress.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.isEmpty }
        let header = lines[0].split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        for column in ["eval_return", "meta_reward", "advantage", "meta_q_loss", "exploration_reward",
                       "exploration_reward_moving_sum", "teacher_std", "critic_loss"] {
            #expect(header.contains(column), "column \(column)")
        }
        #expect(lines.count >= 3)
        // The last row: the moving sum over the last 2 iterations is filled; Q̂'s loss only where Q̂ is trained.
        let last = lines.last!.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        func cell(_ name: String) -> String { last[header.firstIndex(of: name)!] }
        #expect(Double(cell("exploration_reward_moving_sum")) != nil)
        #expect((Double(cell("meta_q_loss")) != nil) == (algorithm != "l2explore"))
        let state = try SafeTensorsCheckpointStore.read(folder.appendingPathComponent("checkpoints/latest.safetensors"))
        #expect(state.metadata["config"]?.contains("algorithm: \(algorithm)") == true)
        #expect(state.tensors.contains { $0.name.hasPrefix("meta.meta_q.") } == (algorithm != "l2explore"))
        #expect(state.tensors.contains { $0.name.hasPrefix("meta.meta_q_optimizer.") } == (algorithm != "l2explore"))
        #expect(state.tensors.contains { $0.name.hasPrefix("meta.previous_exploration.") })
        #expect(try state.doubles("meta.exploration_reward_window").count == 2)
        // eval on the checkpoint reproduces the run's last evaluation (the student is restored).
        if algorithm == "cmp" && beta == "1" {
            let result = try Experiments.evaluate(checkpoint: folder.appendingPathComponent("checkpoints/latest.safetensors"),
                                                  episodes: 1)
            #expect(result.returns.count == 1)
        }
    }

    /// A CMP run cut at an iteration end (mid-episode for πe's environment) and resumed equals an uninterrupted run,
    /// every tensor and every saved value, bit for bit.
    /// Also with Â centring, whose baseline is part of the saved state.
    @Test(arguments: [[], ["cmp.advantageBaselineDecay=0.8"]])
    func resumeEqualsAnUninterruptedRun(extra: [String]) throws {
        let straight = temporaryFolder(), interrupted = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: straight); try? FileManager.default.removeItem(at: interrupted) }
        try Experiments.train(try smallRun("cmp", steps: 1400, extra: extra), in: straight, showProgress: false,
                              handleSignals: false)
        let first = try Experiments.train(try smallRun("cmp", steps: 1100, extra: extra), in: interrupted,
                                          showProgress: false, handleSignals: false)
        #expect(first.steps == 1100)
        let resumed = try Experiments.train(nil, in: interrupted, resume: true, totalSteps: 1400, showProgress: false,
                                            handleSignals: false)
        #expect(resumed.steps == 1400)
        let a = try SafeTensorsCheckpointStore.read(straight.appendingPathComponent("checkpoints/latest.safetensors"))
        let b = try SafeTensorsCheckpointStore.read(interrupted.appendingPathComponent("checkpoints/latest.safetensors"))
        #expect(a.tensors.map(\.name) == b.tensors.map(\.name))
        for ((name, x), (_, y)) in zip(a.tensors, b.tensors) {
            #expect(x.doubles == y.doubles, "tensor \(name) differs")
        }
        #expect(a.tensors.contains { $0.name.hasPrefix("meta.meta_q.") })
        #expect(a.tensors.contains { $0.name.hasPrefix("meta.teacher_optimizer.") })
        #expect(Set(a.metadata.keys) == Set(b.metadata.keys))
        for (key, value) in a.metadata where key != "config" && key != "runner.wall_time" {
            #expect(b.metadata[key] == value, "metadata \(key) differs")
        }
        #expect(try a.doubles("meta.advantage_baseline").count == (extra.isEmpty ? 0 : 1))
        let csv = try String(contentsOf: interrupted.appendingPathComponent("progress.csv"), encoding: .utf8)
        #expect(csv.split(separator: "\n").first!.contains("advantage_baseline") == !extra.isEmpty)
    }

    @Test func aMetaCheckpointDoesNotRestoreIntoCMP() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Experiments.train(try smallRun("cmp", steps: 300, extra: ["run.evalEpisodes=0"]), in: folder,
                              showProgress: false, handleSignals: false)
        var state = try SafeTensorsCheckpointStore.read(folder.appendingPathComponent("checkpoints/latest.safetensors"))
        state.metadata["meta.variant"] = "MA2C"
        var options = TrainingSessionOptions(resumeFrom: state)
        options.showProgress = false
        options.handleSignals = false
        #expect(throws: CheckpointStateError.self) {
            try TrainingSession.run(try smallRun("cmp", steps: 600), options: options)
        }
    }
}
