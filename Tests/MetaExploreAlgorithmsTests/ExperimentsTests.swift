import Foundation
import MetaExploreAlgorithms
import MetaExploreEnvironments
import MetaExploreNN
import MetaExploreTensor
import Testing

/// The library API behind the CLI, on the real Pendulum-v1: configuration errors, run folders, safetensors
/// checkpoints, exact resume after a stop in the middle of an episode, evaluation of a checkpoint.
@Suite struct ExperimentsTests {
    func temporaryFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("me-exp-\(UUID().uuidString)")
    }

    @Test func configurationErrorsNameTheProblemBeforeAnyWork() throws {
        #expect(throws: ConfigurationError.unknownAlgorithm("sac", available: Experiments.algorithms)) { try Experiments.configuration(algorithm: "sac") }
        #expect(throws: ConfigurationError.self) { try Experiments.configuration(overrides: ["agent.batchSize=0"]) }
        #expect(throws: ConfigurationError.self) { try Experiments.configuration(overrides: ["learner.actorLearningRate=-1"]) }
        #expect(throws: ConfigurationError.self) { try Experiments.configuration(overrides: ["agent.bogus=1"]) }
        #expect(throws: ExperimentError.self) {
            try Experiments.configuration(preset: "ddpg-pendulum", file: URL(fileURLWithPath: "/nonexistent.yaml"))
        }
        #expect(throws: ExperimentError.self) { try Experiments.configuration(file: URL(fileURLWithPath: "/nonexistent.yaml")) }
        // An unknown environment fails with suggestions and creates nothing.
        let folder = temporaryFolder()
        let config = try Experiments.configuration(overrides: ["environment=Pendulum-v0", "run.totalSteps=10"])
        do {
            try Experiments.train(config, in: folder, showProgress: false, handleSignals: false)
            Issue.record("an unknown environment must fail")
        } catch let error as EnvironmentError {
            #expect(error.description.contains("Pendulum-v1"))
        }
        #expect(!FileManager.default.fileExists(atPath: folder.path))
        #expect(throws: TrainingSetupError.noCheckpoint(folder.path)) {
            try Experiments.train(nil, in: folder, resume: true, showProgress: false, handleSignals: false)
        }
        #expect(!FileManager.default.fileExists(atPath: folder.path))
    }

    func smallRun(_ steps: Int, seed: UInt64 = 5) throws -> AnyExperimentConfiguration {
        try Experiments.configuration(preset: "ddpg-pendulum", overrides: [
            "run.totalSteps=\(steps)", "run.seed=\(seed)", "agent.warmupSteps=300", "run.evalInterval=1000",
            "run.evalEpisodes=2", "run.checkpointInterval=500", "run.logInterval=250",
        ])
    }

    /// Stopped in the middle of an episode, checkpointed at its end, resumed: the final state equals an
    /// uninterrupted run's, tensor for tensor and bit for bit.
    @Test func resumeAfterAStopEqualsAnUninterruptedRun() throws {
        let config = try smallRun(1400)
        let straight = temporaryFolder(), interrupted = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: straight); try? FileManager.default.removeItem(at: interrupted) }
        try Experiments.train(config, in: straight, showProgress: false, handleSignals: false)

        // Stop at step 650 (mid-episode: Pendulum episodes are 200 steps), through a stop request, as Ctrl-C does.
        let first = try Experiments.train(try smallRun(650), in: interrupted, showProgress: false, handleSignals: false)
        #expect(first.steps == 650)
        // The periodic checkpoint of step 500 waited for the episode's end (step 600).
        let stepFiles = try FileManager.default.contentsOfDirectory(atPath: interrupted.appendingPathComponent("checkpoints").path)
        #expect(stepFiles.contains("step-0000000600.safetensors"))
        // Resume from the boundary checkpoint (not from the final one at 650, which is mid-episode).
        let boundary = interrupted.appendingPathComponent("checkpoints/step-0000000600.safetensors")
        try FileManager.default.removeItem(at: interrupted.appendingPathComponent("checkpoints/latest.safetensors"))
        try FileManager.default.copyItem(at: boundary, to: interrupted.appendingPathComponent("checkpoints/latest.safetensors"))
        let resumed = try Experiments.train(nil, in: interrupted, resume: true, totalSteps: 1400, showProgress: false,
                                            handleSignals: false)
        #expect(resumed.steps == 1400)

        let a = try SafeTensors.read(from: straight.appendingPathComponent("checkpoints/latest.safetensors"))
        let b = try SafeTensors.read(from: interrupted.appendingPathComponent("checkpoints/latest.safetensors"))
        #expect(a.names == b.names)
        var compared = 0
        for name in a.names where !name.contains("replay") {
            #expect(a[name]!.doubles == b[name]!.doubles, "tensor \(name) differs")
            compared += 1
        }
        #expect(compared > 10)
        #expect(a["agent.replay.observations"]!.doubles == b["agent.replay.observations"]!.doubles)
    }

    @Test func runFolderHoldsConfigurationLogsAndReadableCheckpoints() throws {
        let folder = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let summary = try Experiments.train(try smallRun(1000), in: folder, showProgress: false, handleSignals: false)
        #expect(summary.evaluations.count == 1)
        for file in ["config.yaml", "versions.json", "progress.csv", "progress.jsonl", "checkpoints/latest.safetensors"] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), "missing \(file)")
        }
        let tb = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("tb").path)
        #expect(tb.contains { $0.hasPrefix("events.out.tfevents.") })
        // A second run into the same folder is refused.
        #expect(throws: TrainingSetupError.runFolderInUse(folder.path)) {
            try Experiments.train(try smallRun(10), in: folder, showProgress: false, handleSignals: false)
        }
        // The checkpoint evaluates on a fresh environment, deterministically.
        let url = folder.appendingPathComponent("checkpoints/latest.safetensors")
        let e1 = try Experiments.evaluate(checkpoint: url, episodes: 2, seed: 9)
        let e2 = try Experiments.evaluate(checkpoint: url, episodes: 2, seed: 9)
        #expect(e1.returns.count == 2 && e1.returns == e2.returns)
        #expect(e1.returns.allSatisfy { $0 < 0 && $0 > -2000 })
        // A truncated checkpoint is reported by name.
        let broken = folder.appendingPathComponent("broken.safetensors")
        let bytes = try Data(contentsOf: url)
        try bytes.prefix(200).write(to: broken)
        do {
            _ = try Experiments.evaluate(checkpoint: broken)
            Issue.record("a truncated checkpoint must fail")
        } catch {
            #expect(String(describing: error).contains("broken.safetensors"))
        }
    }
}

/// Errors a person can act on: each names the key, the valid choices or the way forward.
@Test func configurationMistakesNameTheWayForward() throws {
    let registry = FamilyRegistry.builtIn
    func message(_ body: () throws -> Void) -> String {
        do { try body() } catch { return "\(error)" }
        return "no error"
    }
    // A preset of another family with --algo: the family's own presets are offered.
    let crossFamily = message { _ = try registry.configuration(algorithm: "td3", preset: "ddpg-pendulum") }
    #expect(crossFamily.contains("td3-paper") && crossFamily.contains("ddpg-pendulum"), "\(crossFamily)")
    // A bad choice lists the valid ones.
    let choice = message { _ = try registry.configuration(algorithm: "ddpg", overrides: ["agent.noise=loud"]) }
    #expect(choice.contains("agent.noise") && choice.contains("none, gaussian, ou, parameter"), "\(choice)")
    // A key given twice is refused, not last-one-wins.
    let twice = message { _ = try registry.load(yaml: "algorithm: ddpg\nlearner:\n  tau: 0.1\n  tau: 0.2\n") }
    #expect(twice.contains("learner.tau") && twice.contains("given twice"), "\(twice)")
    // Settings under which nothing learns.
    let noUpdates = message { _ = try registry.configuration(algorithm: "ddpg", overrides: ["agent.updatesPerStep=0"]) }
    #expect(noUpdates.contains("agent.updatesPerStep"), "\(noUpdates)")
    let smallBuffer = message {
        _ = try registry.configuration(algorithm: "ddpg", overrides: ["agent.bufferSize=10", "agent.batchSize=64"])
    }
    #expect(smallBuffer.contains("agent.bufferSize") && smallBuffer.contains("64"), "\(smallBuffer)")
    let warm = try registry.configuration(algorithm: "td3", overrides: ["run.totalSteps=6000"])
    #expect(warm.warnings.count == 1 && warm.warnings[0].contains("agent.warmupSteps (10000)"), "\(warm.warnings)")
    // A configuration "file" that is a folder.
    let folder = message { _ = try registry.configuration(file: FileManager.default.temporaryDirectory) }
    #expect(folder.contains("is a folder"), "\(folder)")
}

/// With `latest.safetensors` gone but step files present, the resume error names the newest step file and how to
/// resume from it.
@Test func aMissingLatestNamesTheNewestStepFile() throws {
    let registry = FamilyRegistry.builtIn
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("me-nolatest-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    let config = try registry.configuration(preset: "ddpg-pendulum", overrides: [
        "run.totalSteps=400", "run.checkpointInterval=200", "run.evalEpisodes=0", "agent.warmupSteps=100",
        "agent.bufferSize=1000", "learner.hiddenSizes=[8]"])
    try registry.train(config, in: dir, showProgress: false, handleSignals: false)
    try FileManager.default.removeItem(at: dir.appendingPathComponent("checkpoints/latest.safetensors"))
    do {
        _ = try registry.resume(in: dir, totalSteps: 600, showProgress: false, handleSignals: false)
        Issue.record("resumed without latest.safetensors")
    } catch {
        #expect("\(error)".contains("step-0000000400.safetensors") && "\(error)".contains("--from"), "\(error)")
    }
}
