import Foundation
import MetaExploreAlgorithms
import MetaExploreNN
import Testing

/// The state-visitation recorder behind the Figure 4 analysis of Xu et al. 2018: windows at both ends, ring order,
/// checkpoint round trip, and that recording changes nothing in training.
@Suite struct StateVisitationTests {
    @Test func keepsTheFirstAndTheLatestStatesInOrder() {
        let r = StateVisitationRecorder(window: 3, observationSize: 2)
        for k in 0..<10 { r.record([Double(k), -Double(k)], source: "teacher") }
        r.record([42, 0], source: "student")
        #expect(r.sources == ["teacher", "student"])
        #expect(r.count("teacher") == 10 && r.count("student") == 1)
        #expect(r.early("teacher") == [[0, 0], [1, -1], [2, -2]])
        #expect(r.late("teacher") == [[7, -7], [8, -8], [9, -9]])
        #expect(r.early("student") == [[42, 0]] && r.late("student") == [[42, 0]])
        #expect(r.late("behavior").isEmpty)
    }

    @Test func aRestoredRecorderContinuesLikeTheOriginal() throws {
        let straight = StateVisitationRecorder(window: 4, observationSize: 1)
        let first = StateVisitationRecorder(window: 4, observationSize: 1)
        for k in 0..<6 {
            straight.record([Double(k)], source: "behavior")
            first.record([Double(k)], source: "behavior")
        }
        var state = CheckpointState()
        first.saveState(into: &state, prefix: "v.")
        let second = StateVisitationRecorder(window: 4, observationSize: 1)
        try second.restoreState(from: state, prefix: "v.")
        for k in 6..<11 {
            straight.record([Double(k)], source: "behavior")
            second.record([Double(k)], source: "behavior")
        }
        #expect(second.early("behavior") == straight.early("behavior"))
        #expect(second.late("behavior") == straight.late("behavior"))
        #expect(second.late("behavior") == [[7], [8], [9], [10]])
        #expect(throws: CheckpointStateError.self) {
            try StateVisitationRecorder(window: 5, observationSize: 1).restoreState(from: state, prefix: "v.")
        }
        #expect(throws: CheckpointStateError.self) {
            try StateVisitationRecorder(window: 4, observationSize: 1).restoreState(from: CheckpointState(), prefix: "v.")
        }
    }

    @Test func theFileHoldsBothWindowsPerSource() throws {
        let r = StateVisitationRecorder(window: 2, observationSize: 3)
        for k in 0..<5 { r.record([Double(k), 0, 1], source: "behavior") }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("me-visit-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try r.write(to: url, metadata: ["step": "5"])
        let file = try SafeTensors.read(from: url)
        #expect(file["behavior.early"]?.shape == [2, 3] && file["behavior.early"]?.doubles == [0, 0, 1, 1, 0, 1])
        #expect(file["behavior.late"]?.doubles == [3, 0, 1, 4, 0, 1])
        #expect(file.metadata["behavior.count"] == "5" && file.metadata["window"] == "2" && file.metadata["step"] == "5")
    }

    /// Recording draws no random numbers: every tensor of a recorded run equals the unrecorded run's, and a resumed
    /// recorded run ends with the same record as an uninterrupted one.
    @Test func recordingChangesNothingAndResumesExactly() throws {
        func folder() -> URL { FileManager.default.temporaryDirectory.appendingPathComponent("me-visit-\(UUID().uuidString)") }
        let plain = folder(), recorded = folder(), resumed = folder()
        defer { for f in [plain, recorded, resumed] { try? FileManager.default.removeItem(at: f) } }
        func config(_ steps: Int, window: Int) throws -> AnyExperimentConfiguration {
            try Experiments.configuration(preset: "meta-pendulum", overrides: [
                "run.totalSteps=\(steps)", "run.seed=5", "run.evalInterval=500", "run.evalEpisodes=1",
                "run.checkpointInterval=0", "run.logInterval=300", "meta.studentTrainingSteps=10",
                "run.visitationWindow=\(window)",
            ])
        }
        try Experiments.train(try config(1400, window: 0), in: plain, showProgress: false, handleSignals: false)
        try Experiments.train(try config(1400, window: 150), in: recorded, showProgress: false, handleSignals: false)
        try Experiments.train(try config(1100, window: 150), in: resumed, showProgress: false, handleSignals: false)
        try Experiments.train(nil, in: resumed, resume: true, totalSteps: 1400, showProgress: false, handleSignals: false)

        func latest(_ f: URL) throws -> CheckpointState {
            try SafeTensorsCheckpointStore.read(f.appendingPathComponent("checkpoints/latest.safetensors"))
        }
        let a = try latest(plain), b = try latest(recorded)
        let bByName = Dictionary(uniqueKeysWithValues: b.tensors.map { ($0.name, $0.tensor) })
        for (name, t) in a.tensors { #expect(bByName[name]?.doubles == t.doubles, "tensor \(name) differs") }
        #expect(b.tensors.contains { $0.name == "runner.visitation.teacher.late" })
        #expect(!FileManager.default.fileExists(atPath: plain.appendingPathComponent("visitation.safetensors").path))

        let x = try SafeTensors.read(from: recorded.appendingPathComponent("visitation.safetensors"))
        let y = try SafeTensors.read(from: resumed.appendingPathComponent("visitation.safetensors"))
        #expect(x.names == y.names && x.names.contains("student.late") && x.names.contains("teacher.early"))
        for name in x.names { #expect(x[name]?.doubles == y[name]?.doubles, "\(name) differs after resume") }
        #expect(x.metadata == y.metadata)
        #expect(x["teacher.late"]?.shape == [150, 3])
    }

    @Test func aNegativeWindowIsRejected() {
        #expect(throws: ConfigurationError.self) {
            try Experiments.configuration(preset: "ddpg-pendulum", overrides: ["run.visitationWindow=-1"])
        }
    }
}
