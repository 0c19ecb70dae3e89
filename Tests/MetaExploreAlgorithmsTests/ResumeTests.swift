import Foundation
import MetaExploreAlgorithms
import MetaExploreNN
import Testing

/// `--resume` continues a run only under the settings it started with: each refusal names what differs.
@Suite struct ResumeTests {
    let registry = FamilyRegistry.builtIn

    /// A short DDPG run in a fresh folder, with its checkpoint.
    func startedRun() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("me-resume-\(UUID().uuidString)")
        let config = try registry.configuration(preset: "ddpg-pendulum", overrides: [
            "run.totalSteps=400", "run.evalInterval=200", "run.evalEpisodes=1", "agent.warmupSteps=100",
            "agent.bufferSize=1000", "learner.hiddenSizes=[8]"])
        try registry.train(config, in: folder, showProgress: false, handleSignals: false)
        return folder
    }

    var latest: (URL) -> URL { { $0.appendingPathComponent("checkpoints/latest.safetensors") } }

    /// Rewrites the latest checkpoint's metadata.
    func editCheckpoint(_ folder: URL, _ edit: (inout [String: String]) -> Void) throws {
        let state = try SafeTensorsCheckpointStore.read(latest(folder))
        var metadata = state.metadata
        edit(&metadata)
        try SafeTensors.write(state.tensors, metadata: metadata, to: latest(folder))
    }

    func resumeError(_ folder: URL, steps: Int? = 600, preset: String? = nil, overrides: [String] = []) -> ResumeError? {
        do {
            _ = try registry.resumableConfiguration(in: folder, totalSteps: steps, preset: preset, overrides: overrides)
            return nil
        } catch let error as ResumeError {
            return error
        } catch {
            Issue.record("unexpected error \(error)")
            return nil
        }
    }

    @Test func aResumableRunResumesAndStoresItsSchema() throws {
        let folder = try startedRun()
        defer { try? FileManager.default.removeItem(at: folder) }
        let state = try SafeTensorsCheckpointStore.read(latest(folder))
        #expect(state.metadata["config_schema"] == "ddpg/1")
        let versions = try String(contentsOf: folder.appendingPathComponent("versions.json"), encoding: .utf8)
        #expect(versions.contains("\"config_schema\": \"ddpg/1\""))
        #expect(resumeError(folder) == nil)
        // Restating the run's own settings is allowed.
        #expect(resumeError(folder, overrides: ["learner.hiddenSizes=[8]", "agent.warmupSteps=100"]) == nil)
        let summary = try registry.resume(in: folder, totalSteps: 600, showProgress: false, handleSignals: false)
        #expect(summary.steps == 600)
    }

    @Test func anotherSchemaVersionIsRefused() throws {
        let folder = try startedRun()
        defer { try? FileManager.default.removeItem(at: folder) }
        try editCheckpoint(folder) { $0["config_schema"] = "ddpg/0" }
        let error = try #require(resumeError(folder))
        #expect(error == .schemaChanged(stored: "ddpg/0", current: "ddpg/1"))
        #expect(error.description.contains("ddpg/0") && error.description.contains("ddpg/1"))
    }

    /// A key added to the configuration after the run started would silently take today's default: refused, naming
    /// the key, until the resume command states its value.
    @Test func aKeyAddedSinceTheStartIsRefusedUntilStated() throws {
        let folder = try startedRun()
        defer { try? FileManager.default.removeItem(at: folder) }
        try editCheckpoint(folder) { meta in
            meta["config"] = meta["config"]!.split(separator: "\n").filter { !$0.contains("observationClip") }
                .joined(separator: "\n") + "\n"
        }
        let error = try #require(resumeError(folder))
        #expect(error == .keysAddedSinceStart(["agent.observationClip"]))
        #expect(error.description.contains("--set agent.observationClip=<value>"))
        #expect(resumeError(folder, overrides: ["agent.observationClip=5"]) == nil)
    }

    @Test func aFolderConfigurationThatDisagreesWithTheCheckpointIsRefused() throws {
        let folder = try startedRun()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("config.yaml")
        let text = try String(contentsOf: file, encoding: .utf8)
        try text.replacingOccurrences(of: "seed: 0", with: "seed: 5").write(to: file, atomically: true, encoding: .utf8)
        let error = try #require(resumeError(folder))
        #expect(error == .folderDisagrees(["run.seed"]))
        #expect(error.description.contains("run.seed"))
    }

    @Test func settingsThatConflictWithTheRunAreRefused() throws {
        let folder = try startedRun()
        defer { try? FileManager.default.removeItem(at: folder) }
        let error = try #require(resumeError(folder, overrides: ["learner.tau=0.5"]))
        #expect(error.description.contains("learner.tau (run: 0.01, given: 0.5)"), "\(error)")
        // A preset that differs from the run (here in its budget-independent settings) is refused the same way.
        let presetError = try #require(resumeError(folder, preset: "ddpg-halfcheetah"))
        #expect(presetError.description.contains("environment"), "\(presetError)")
        // The budget may grow, never shrink below the steps done.
        #expect(resumeError(folder, steps: 300) == .budgetBelowProgress(requested: 300, done: 400))
    }
}
