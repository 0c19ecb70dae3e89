import Foundation
import MetaExploreAlgorithms
import MetaExploreNN
import Testing

/// Run folders under damage and misuse: locked against a second writer, damaged checkpoints refused with the newest
/// intact one named, records cut back to the checkpoint on resume, nothing written for a run that cannot start.
@Suite struct RunFolderSafetyTests {
    let registry = FamilyRegistry.builtIn

    func folder() -> URL { FileManager.default.temporaryDirectory.appendingPathComponent("me-safety-\(UUID().uuidString)") }

    func smallConfig(steps: Int = 400) throws -> AnyExperimentConfiguration {
        try registry.configuration(preset: "ddpg-pendulum", overrides: [
            "run.totalSteps=\(steps)", "run.evalInterval=200", "run.evalEpisodes=2", "run.checkpointInterval=200",
            "run.logInterval=100", "agent.warmupSteps=100", "agent.bufferSize=1000", "learner.hiddenSizes=[8]"])
    }

    func rows(_ dir: URL) throws -> [String] {
        try String(contentsOf: dir.appendingPathComponent("progress.csv"), encoding: .utf8).split(separator: "\n").map {
            $0.split(separator: ",", omittingEmptySubsequences: false).enumerated().filter { ![3, 4].contains($0.offset) }
                .map { String($0.element) }.joined(separator: ",")
        }
    }

    @Test func aHeldLockRefusesASecondWriterAndAStaleOneIsTakenOver() throws {
        let dir = folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let lock = try RunLock(folder: dir)
        #expect(throws: RunLockError.self) { _ = try RunLock(folder: dir) }
        do { _ = try registry.train(try smallConfig(), in: dir, showProgress: false, handleSignals: false) } catch {
            #expect("\(error)".contains("in use by another process"), "\(error)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("config.yaml").path))
        lock.release()
        // A lock file whose process has ended (its pid recorded, no lock held) is taken over.
        try "999999\n".write(to: dir.appendingPathComponent(".lock"), atomically: true, encoding: .utf8)
        let again = try RunLock(folder: dir)
        #expect(again.takenOver == 999_999)
    }

    @Test func aDamagedCheckpointIsRefusedAndTheNewestIntactOneIsNamed() throws {
        let dir = folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        try registry.train(try smallConfig(), in: dir, showProgress: false, handleSignals: false)
        let latest = dir.appendingPathComponent("checkpoints/latest.safetensors")
        let step400 = dir.appendingPathComponent("checkpoints/step-0000000400.safetensors")
        // Flip 8 bytes inside the data of a network weight (after the header), in latest and in the step-400 copy.
        for url in [latest, step400] {
            var bytes = [UInt8](try Data(contentsOf: url))
            let header = Int(bytes[0..<8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
            for i in 0..<8 { bytes[8 + header + 40 + i] ^= 0x5a }
            try Data(bytes).write(to: url)
        }
        #expect(throws: CheckpointIntegrityError.self) { _ = try SafeTensorsCheckpointStore.read(latest) }
        do {
            _ = try registry.resume(in: dir, totalSteps: 600, showProgress: false, handleSignals: false)
            Issue.record("a damaged checkpoint was resumed")
        } catch let error as ResumeError {
            #expect("\(error)".contains("latest.safetensors") && "\(error)".contains("step-0000000200.safetensors")
                    && "\(error)".contains("--from"), "\(error)")
        }
        // Resuming from the named intact checkpoint works and cuts the logs back to its step.
        let summary = try registry.resume(in: dir, totalSteps: 600, from: "step-0000000200.safetensors",
                                          showProgress: false, handleSignals: false)
        #expect(summary.steps == 600)
        let steps = try rows(dir).dropFirst().map { Int($0.split(separator: ",")[0])! }
        #expect(steps == Array(stride(from: 100, through: 600, by: 100)), "\(steps)")
    }

    /// Random byte flips and truncations of a checkpoint: every one is an error naming the file (or, for a flip in
    /// bytes no value depends on — JSON whitespace — a state equal to the original); never a different state.
    @Test func fuzzedCheckpointsNeverResumeWrongly() throws {
        let dir = folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        try registry.train(try smallConfig(steps: 200), in: dir, showProgress: false, handleSignals: false)
        let url = dir.appendingPathComponent("checkpoints/latest.safetensors")
        let original = [UInt8](try Data(contentsOf: url))
        let reference = try SafeTensorsCheckpointStore.read(url)
        var rng = SystemRandomNumberGenerator()
        let damaged = dir.appendingPathComponent("damaged.safetensors")
        for trial in 0..<60 {
            var bytes = original
            if trial % 4 == 3 {
                bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &rng)))
            } else {
                for _ in 0..<(1 + trial % 3) {
                    bytes[Int.random(in: 0..<bytes.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
                }
            }
            try Data(bytes).write(to: damaged)
            do {
                let state = try SafeTensorsCheckpointStore.read(damaged)
                #expect(state.metadata == reference.metadata, "trial \(trial): metadata changed silently")
                #expect(state.tensors.map(\.name) == reference.tensors.map(\.name))
                for (a, b) in zip(state.tensors, reference.tensors) {
                    #expect(a.tensor.doubles == b.tensor.doubles, "trial \(trial): \(a.name) changed silently")
                }
            } catch {
                #expect("\(error)".contains("damaged.safetensors"), "trial \(trial): \(error)")
            }
        }
    }

    /// A run killed after its last checkpoint logged rows the resumed run logs again: they are cut on resume, so
    /// the logs equal an uninterrupted run's.
    @Test func resumingCutsRecordsLoggedAfterTheCheckpoint() throws {
        let straight = folder(), killed = folder()
        defer { for d in [straight, killed] { try? FileManager.default.removeItem(at: d) } }
        try registry.train(try smallConfig(steps: 600), in: straight, showProgress: false, handleSignals: false)
        try registry.train(try smallConfig(steps: 600), in: killed, showProgress: false, handleSignals: false)
        // Pretend the second run died at step 500: its checkpoint is the one of step 400, its logs went on to 500 and
        // its last line is torn.
        let checkpoints = killed.appendingPathComponent("checkpoints")
        try FileManager.default.removeItem(at: checkpoints.appendingPathComponent("step-0000000600.safetensors"))
        try FileManager.default.removeItem(at: checkpoints.appendingPathComponent("latest.safetensors"))
        try FileManager.default.copyItem(at: checkpoints.appendingPathComponent("step-0000000400.safetensors"),
                                         to: checkpoints.appendingPathComponent("latest.safetensors"))
        let csv = killed.appendingPathComponent("progress.csv")
        let lines = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")
        try (lines.prefix(6).joined(separator: "\n") + "\n600,7,49").write(to: csv, atomically: true, encoding: .utf8)
        try registry.resume(in: killed, showProgress: false, handleSignals: false)
        #expect(try rows(killed) == rows(straight))
        let jsonSteps = try String(contentsOf: killed.appendingPathComponent("progress.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { Int($0.dropFirst(8).prefix { $0.isNumber })! }
        #expect(jsonSteps == Array(stride(from: 100, through: 600, by: 100)), "\(jsonSteps)")
        // TensorBoard: every step once across the event files.
        var tbSteps: [Int64] = []
        for file in try FileManager.default.contentsOfDirectory(at: killed.appendingPathComponent("tb"),
                                                                includingPropertiesForKeys: nil) {
            for record in try TFRecord.parse([UInt8](try Data(contentsOf: file))) {
                if let s = EventEncoding.step(of: record), s > 0 { tbSteps.append(s) }
            }
        }
        #expect(tbSteps.sorted() == Array(stride(from: Int64(100), through: 600, by: 100)), "\(tbSteps.sorted())")
    }

    /// After a resume the summary still knows every evaluation's returns (not one mean each).
    @Test func aResumedRunReportsItsEvaluationsFully() throws {
        let dir = folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        try registry.train(try smallConfig(steps: 200), in: dir, showProgress: false, handleSignals: false)
        let summary = try registry.resume(in: dir, totalSteps: 300, showProgress: false, handleSignals: false)
        #expect(summary.evaluations.map(\.step) == [200, 300])  // 300 is the end of the run, not a multiple of 200
        #expect(summary.evaluations.allSatisfy { $0.returns.count == 2 })
    }

    @Test func aRunThatCannotStartWritesNothing() throws {
        let dir = folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try "step,foreign\n1,2\n".write(to: dir.appendingPathComponent("progress.csv"), atomically: true, encoding: .utf8)
        #expect(throws: TrainingSetupError.runFolderInUse(dir.path)) {
            try registry.train(try smallConfig(), in: dir, showProgress: false, handleSignals: false)
        }
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("config.yaml").path))
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("versions.json").path))
        // --out naming a file.
        let file = dir.appendingPathComponent("progress.csv")
        #expect(throws: TrainingSetupError.notAFolder(file.path)) {
            try registry.train(try smallConfig(), in: file, showProgress: false, handleSignals: false)
        }
    }
}
