import Foundation
import MetaExploreAlgorithms
import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor
import Testing

/// The meta-policy gradient (Xu et al. 2018) in the shared workflow: configuration, short runs of every variant on
/// Pendulum-v1, exact resume, evaluation of a checkpoint, and TD3 as a student.
@Suite struct MetaPolicyGradientRunTests {
    func temporaryFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("me-meta-\(UUID().uuidString)")
    }

    func meta(_ config: AnyExperimentConfiguration) throws -> MetaPolicyGradientExperimentConfiguration {
        guard let c = config.typed(MetaPolicyGradientExperimentConfiguration.self) else { throw CheckpointStateError.incompatible("not a meta configuration") }
        return c
    }

    @Test func algorithmNamesSelectTheTeacherVariant() throws {
        #expect(try meta(Experiments.configuration(algorithm: "meta")).variant == .meta)
        #expect(try meta(Experiments.configuration(algorithm: "meta-variance")).variant == .metaVariance)
        #expect(try meta(Experiments.configuration(algorithm: "meta-state")).metaConfiguration.variant == .metaState)
        let td3 = try meta(Experiments.configuration(algorithm: "meta", overrides: ["student=td3", "td3.policyDelay=3"]))
        #expect(td3.student == .td3 && td3.td3.policyDelay == 3)
        // The YAML round trip keeps the algorithm name.
        let c = try Experiments.configuration(preset: "meta-hopper", overrides: ["algorithm=meta-variance"])
        #expect(try Experiments.registry.load(yaml: c.yaml()) == c)
        #expect(c.algorithm == "meta-variance")
    }

    @Test func invalidMetaSettingsNameTheKey() throws {
        func key(_ overrides: [String]) -> String? {
            do {
                _ = try Experiments.configuration(algorithm: "meta", overrides: overrides)
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
        #expect(key(["agent.warmupSteps=100"]) == "agent.warmupSteps")
        #expect(key(["meta.explorationSteps=0"]) == "meta.explorationSteps")
        #expect(key(["meta.teacherSteps=0"]) == "meta.teacherSteps")
        #expect(key(["meta.teacher.learningRate=0"]) == "meta.teacher.learningRate")
        #expect(key(["meta.studentReturnSource=sometimes"]) == "meta.studentReturnSource")
        #expect(key(["student=sac"]) == "student")
        #expect(key(["td3.policyDelay=0"]) == "td3.policyDelay")
        #expect(key(["meta.bogus=1"]) == "meta.bogus")
        #expect(key(["meta.exerciseSteps=5", "meta.teacher.subsampleSize=10"]) == nil)
        #expect(throws: ConfigurationError.unknownAlgorithm("meta-sac", available: Experiments.algorithms)) { try Experiments.configuration(algorithm: "meta-sac") }
    }

    func smallRun(_ algorithm: String, student: String = "ddpg", steps: Int, seed: UInt64 = 3,
                  extra: [String] = []) throws -> AnyExperimentConfiguration {
        try Experiments.configuration(preset: "meta-pendulum", overrides: [
            "algorithm=\(algorithm)", "student=\(student)", "run.totalSteps=\(steps)", "run.seed=\(seed)",
            "run.evalInterval=500", "run.evalEpisodes=1", "run.checkpointInterval=0", "run.logInterval=300",
            "meta.studentTrainingSteps=10", "td3.hiddenSizes=[32, 32]",
        ] + extra)
    }

    @Test(arguments: [("meta", "ddpg"), ("meta-variance", "ddpg"), ("meta-state", "ddpg"), ("meta-state", "td3")])
    func everyVariantRunsAndWritesTheRunFolder(algorithm: String, student: String) throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let summary = try Experiments.train(try smallRun(algorithm, student: student, steps: 600), in: folder,
                                            showProgress: false, handleSignals: false)
        // Lines 2–3 draw 200 steps, then every cycle 100 (D0) + 200 (D1): 200, 500, 800.
        #expect(summary.steps == 800)
        #expect(summary.updates == 20)
        // Evaluated when a cycle crosses a multiple of evalInterval (500), and at the end of the run (800).
        #expect(summary.evaluations.map(\.step) == [500, 800])
        for file in ["config.yaml", "versions.json", "progress.csv", "progress.jsonl", "checkpoints/latest.safetensors",
                     "checkpoints/step-0000000800.safetensors"] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), "\(file)")
        }
        let csv = try String(contentsOf: folder.appendingPathComponent("progress.csv"), encoding: .utf8)
        let header = csv.split(separator: "\n")[0].split(separator: ",").map(String.init)
        for column in ["eval_return", "meta_reward", "student_return", "lookahead_return", "teacher_std",
                       "teacher_entropy", "critic_loss"] {
            #expect(header.contains(column), "column \(column)")
        }
        #expect(csv.split(separator: "\n").count >= 3)
        let state = try SafeTensorsCheckpointStore.read(folder.appendingPathComponent("checkpoints/latest.safetensors"))
        #expect(state.metadata["config"]?.contains("algorithm: \(algorithm)") == true)
        #expect(state.metadata["config"]?.contains("student: \(student)") == true)
    }

    /// A run cut at a cycle end (mid-episode for the teacher's environment) and resumed equals an uninterrupted run,
    /// every tensor and every saved value, bit for bit.
    @Test(arguments: [("meta", "ddpg"), ("meta-state", "td3")])
    func resumeEqualsAnUninterruptedRun(algorithm: String, student: String) throws {
        let straight = temporaryFolder(), interrupted = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: straight); try? FileManager.default.removeItem(at: interrupted) }
        try Experiments.train(try smallRun(algorithm, student: student, steps: 1400), in: straight, showProgress: false,
                              handleSignals: false)
        // 1100 steps: 300 teacher steps into 200-step Pendulum episodes, so the exploration episode is half done.
        let first = try Experiments.train(try smallRun(algorithm, student: student, steps: 1100), in: interrupted,
                                          showProgress: false, handleSignals: false)
        #expect(first.steps == 1100)
        let resumed = try Experiments.train(nil, in: interrupted, resume: true, totalSteps: 1400, showProgress: false,
                                            handleSignals: false)
        #expect(resumed.steps == 1400)
        // The logged wall-clock time keeps counting across the resume.
        let csv = try String(contentsOf: interrupted.appendingPathComponent("progress.csv"), encoding: .utf8)
        let lines = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false) }
        let column = try #require(lines[0].firstIndex(of: "wall_time"))
        let times = lines.dropFirst().compactMap { Double($0[column]) }
        #expect(times.count >= 4 && zip(times, times.dropFirst()).allSatisfy { $0 <= $1 }, "wall_time \(times)")
        let a = try SafeTensorsCheckpointStore.read(straight.appendingPathComponent("checkpoints/latest.safetensors"))
        let b = try SafeTensorsCheckpointStore.read(interrupted.appendingPathComponent("checkpoints/latest.safetensors"))
        #expect(a.tensors.map(\.name) == b.tensors.map(\.name))
        for ((name, x), (_, y)) in zip(a.tensors, b.tensors) {
            #expect(x.doubles == y.doubles, "tensor \(name) differs")
        }
        #expect(a.tensors.contains { $0.name.hasPrefix("meta.teacher.") })
        #expect(a.tensors.contains { $0.name == "agent.replay.observations" })
        #expect(Set(a.metadata.keys) == Set(b.metadata.keys))
        for (key, value) in a.metadata where key != "config" && key != "runner.wall_time" {
            #expect(b.metadata[key] == value, "metadata \(key) differs")
        }
    }

    /// Requests a stop when the first periodic checkpoint arrives (as Ctrl-C during a run would).
    final class StopAtFirstCheckpoint: CheckpointSink {
        let stop: StopRequest
        var states: [(CheckpointReason, Int, CheckpointState)] = []
        init(stop: StopRequest) { self.stop = stop }
        func writeCheckpoint(_ state: CheckpointState, step: Int, reason: CheckpointReason) throws {
            states.append((reason, step, state))
            stop.request(reason: "test")
        }
    }

    /// A stop request ends the run at the current cycle's end with an `.interrupted` checkpoint; resuming from it
    /// gives the uninterrupted run's final state.
    @Test func aStopRequestEndsTheCycleAndResumesExactly() throws {
        let config = try smallRun("meta-variance", steps: 1400, extra: ["run.checkpointInterval=600"])
        let straight = InMemoryCheckpointSink()
        var options = TrainingSessionOptions(checkpointSink: straight)
        options.showProgress = false
        options.handleSignals = false
        try TrainingSession.run(config, options: options) 

        let stop = StopRequest()
        let stopping = StopAtFirstCheckpoint(stop: stop)
        var first = TrainingSessionOptions(checkpointSink: stopping)
        first.stop = stop
        first.showProgress = false
        first.handleSignals = false
        let summary = try TrainingSession.run(config, options: first) 
        #expect(summary.interruption == "test" && summary.steps == 800)
        #expect(stopping.states.map(\.0) == [.periodic, .interrupted])

        let resumed = InMemoryCheckpointSink()
        var again = TrainingSessionOptions(checkpointSink: resumed, resumeFrom: stopping.states.last!.2)
        again.showProgress = false
        again.handleSignals = false
        let rest = try TrainingSession.run(config, options: again) 
        #expect(rest.steps == 1400 && rest.interruption == nil)
        let a = straight.latest!, b = resumed.latest!
        #expect(a.tensors.map(\.name) == b.tensors.map(\.name))
        for ((name, x), (_, y)) in zip(a.tensors, b.tensors) { #expect(x.doubles == y.doubles, "tensor \(name) differs") }
        #expect(a.metadata.filter { $0.key != "runner.wall_time" } == b.metadata.filter { $0.key != "runner.wall_time" })
    }

    @Test func evaluatingACheckpointReproducesTheRunsLastEvaluation() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let summary = try Experiments.train(try smallRun("meta", steps: 800, extra: ["run.evalInterval=800", "run.evalEpisodes=2"]),
                                            in: folder, showProgress: false, handleSignals: false)
        #expect(summary.evaluations.last?.step == 800)
        let result = try Experiments.evaluate(checkpoint: folder.appendingPathComponent("checkpoints/latest.safetensors"))
        #expect(result.returns.count == 2)
        #expect(result.mean == summary.evaluations.last!.mean)
    }

    @Test func td3StudentClonesAreIndependent() throws {
        var rng = RandomStream(seed: 11)
        var config = TD3LearnerConfiguration()
        config.hiddenSizes = [16, 16]
        config.policyDelay = 1
        let learner = TD3Learner(observationSize: 3, actionSize: 1, configuration: config, using: &rng)
        func batch(_ seed: UInt64) -> TransitionBatch {
            var r = RandomStream(seed: seed)
            return TransitionBatch(observations: Tensor.randomNormal([8, 3], std: 1, using: &r),
                                   actions: Tensor.randomNormal([8, 1], std: 0.5, using: &r).clamped(min: -1, max: 1),
                                   rewards: Tensor.randomNormal([8, 1], std: 1, using: &r),
                                   nextObservations: Tensor.randomNormal([8, 3], std: 1, using: &r),
                                   terminated: Tensor(shape: [8, 1], doubles: Array(repeating: 0, count: 8), dtype: .float32))
        }
        learner.update(batch(1))
        let before = learner.namedNetworkParameters.map { $0.tensor.doubles }
        let copy = learner.clone()
        #expect(copy.namedNetworkParameters.map { $0.tensor.doubles } == before)
        copy.update(batch(2))
        #expect(learner.namedNetworkParameters.map { $0.tensor.doubles } == before, "updating the clone changed the original")
        #expect(copy.namedNetworkParameters.map { $0.tensor.doubles } != before)
        // Same state (including Adam moments, update counter and noise generator): same update.
        learner.update(batch(2))
        #expect(copy.namedNetworkParameters.map { $0.tensor.doubles } == learner.namedNetworkParameters.map { $0.tensor.doubles })
        let other = TD3Learner(observationSize: 3, actionSize: 1, configuration: config, using: &rng)
        other.copyState(from: learner)
        other.update(batch(3))
        learner.update(batch(3))
        #expect(other.namedNetworkParameters.map { $0.tensor.doubles } == learner.namedNetworkParameters.map { $0.tensor.doubles })
        // The value interface the Meta (state) features read.
        let b = batch(4)
        #expect(learner.qValues(b.observations, b.actions).shape == [8, 1])
        #expect(learner.bellmanTargets(b).shape == [8, 1])
        #expect(learner.act(b.observations).shape == [8, 1])
    }
}
