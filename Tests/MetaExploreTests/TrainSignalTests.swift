import Foundation
import MetaExplore
import Testing

/// `metaexplore train` stopped by SIGINT (Ctrl-C) or SIGTERM, through the real executable: it finishes the current
/// step, writes its checkpoint, says how to resume and exits 130, so that shells and `reproduce` grids see an
/// unfinished run rather than a finished one.
@Suite struct TrainSignalTests {
    static var executable: String { ReproductionTests.executable }

    /// Waits until `condition` holds, polling every 50 ms, for at most `seconds`.
    func wait(seconds: Double, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return condition()
    }

    /// Both runners: the off-policy one (DDPG) and the meta one (CMP, which stops at an iteration end).
    @Test(arguments: [(SIGINT, "ddpg-pendulum"), (SIGTERM, "cmp-pendulum")])
    func signalStopsTrainingWithACheckpointAndExit130(signal: Int32, preset: String) throws {
        let exe = Self.executable
        try #require(FileManager.default.isExecutableFile(atPath: exe),
                     "metaexplore not found at \(exe); build it with `swift build -c release --build-tests`")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("me-signal-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let total = 2_000_000
        let process = Process()
        process.executableURL = URL(fileURLWithPath: exe)
        process.arguments = ["train", "--preset", preset, "--steps", "\(total)", "--seed", "1",
                             "--set", "run.logInterval=200", "--set", "run.evalInterval=1000000",
                             "--set", "run.checkpointInterval=0", "--out", folder.path, "--quiet"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        defer { if process.isRunning { process.terminate() } }

        // The signal handler is installed before the first step, so a logged row means a signal now is handled
        // rather than killing the process.
        let progress = folder.appendingPathComponent("progress.csv")
        let started = wait(seconds: 120) {
            !process.isRunning
                || ((try? String(contentsOf: progress, encoding: .utf8))?.split(separator: "\n").count ?? 0) >= 2
        }
        try #require(process.isRunning, "train ended before the signal: \(process.terminationStatus)")
        try #require(started, "no progress logged within 120 s")
        kill(process.processIdentifier, signal)
        let stopped = wait(seconds: 120) { !process.isRunning }
        try #require(stopped, "train still running 120 s after the signal")

        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(process.terminationReason == .exit, "killed by the signal instead of stopping: \(text)")
        #expect(process.terminationStatus == 130, "exit status \(process.terminationStatus): \(text)")
        #expect(text.contains("stopped early") && text.contains("--resume"), "\(text)")
        #expect(!text.contains("final evaluation"), "an interrupted run has no final evaluation: \(text)")
        let checkpoint = folder.appendingPathComponent("checkpoints/latest.safetensors")
        #expect(FileManager.default.fileExists(atPath: checkpoint.path))
        // It stopped early: the last logged step is far from the budget.
        let rows = try String(contentsOf: progress, encoding: .utf8).split(separator: "\n")
        let lastStep = Int(rows.last?.split(separator: ",").first ?? "") ?? total
        #expect(lastStep < total / 2, "last logged step \(lastStep)")
        // The run folder's configuration is the one asked for (a stale incremental build once wrote garbage here).
        let config = try String(contentsOf: folder.appendingPathComponent("config.yaml"), encoding: .utf8)
        #expect(config.contains("\n  seed: 1\n") && config.contains("\n  visitationWindow: 0\n"), "\(config)")
    }
}

/// Two `train` processes on one run folder: the second is refused while the first runs, and the folder keeps one
/// run's configuration and checkpoint.
@Suite struct RunFolderLockProcessTests {
    @Test func aSecondTrainOnTheSameFolderIsRefused() throws {
        let exe = ReproductionTests.executable
        try #require(FileManager.default.isExecutableFile(atPath: exe), "metaexplore not found at \(exe)")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("me-twice-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        func start(seed: Int) throws -> (Process, Pipe) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: exe)
            p.arguments = ["train", "--preset", "ddpg-pendulum", "--steps", "2000000", "--seed", "\(seed)",
                           "--set", "run.logInterval=200", "--set", "run.checkpointInterval=0", "--out", folder.path,
                           "--quiet"]
            let pipe = Pipe()
            p.standardOutput = pipe
            p.standardError = pipe
            try p.run()
            return (p, pipe)
        }
        let first = try start(seed: 1)
        defer { if first.0.isRunning { first.0.terminate() } }
        let progress = folder.appendingPathComponent("progress.csv")
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline && ((try? String(contentsOf: progress, encoding: .utf8))?.split(separator: "\n").count ?? 0) < 2 {
            Thread.sleep(forTimeInterval: 0.05)
        }
        let second = try start(seed: 2)
        second.0.waitUntilExit()
        let text = String(decoding: second.1.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(second.0.terminationStatus != 0 && text.contains("in use by another process"), "\(text)")
        kill(first.0.processIdentifier, SIGINT)
        first.0.waitUntilExit()
        #expect(first.0.terminationStatus == 130)
        let config = try String(contentsOf: folder.appendingPathComponent("config.yaml"), encoding: .utf8)
        #expect(config.contains("seed: 1\n"))
        let checkpoint = try SafeTensorsCheckpointStore.read(folder.appendingPathComponent("checkpoints/latest.safetensors"))
        #expect(checkpoint.metadata["runner.schedule.seed"] == "1")
    }
}
