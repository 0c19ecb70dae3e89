import Foundation
import MetaExplore
import Testing

/// Whether a Slurm cluster answers here (`scripts/test.sh` starts a single-node one with
/// `scripts/slurm/local-cluster.sh` and exports SLURM_CONF; where Slurm cannot be installed the test is skipped).
private let slurmAvailable: Bool = {
    guard ProcessInfo.processInfo.environment["SLURM_CONF"] != nil,
          let result = try? CommandRunner().run("sinfo", ["-h", "-o", "%T"], allowFailure: true) else {
        print("Slurm backend test skipped: no Slurm cluster answers here (SLURM_CONF unset or sinfo failed)")
        return false
    }
    let up = result.status == 0 && !result.output.isEmpty
    if !up { print("Slurm backend test skipped: sinfo says \(result.output)") }
    return up
}()

/// `reproduce --backend slurm` on a real single-node Slurm: a 2 × 2 grid submitted as one job array, one array task
/// cancelled mid-run with `scancel` (its training checkpoints on Slurm's SIGTERM), the grid resubmitted (only that
/// run goes back to the queue, and resumes) and waited for; its table equals the local backend's for the same grid bit
/// for bit.
@Suite(.serialized) struct SlurmBackendTests {
    static let arguments = ["pendulum-students", "--seeds", "0,1", "--set", "learner.hiddenSizes=[16]",
                            "--set", "run.totalSteps=60000", "--set", "run.checkpointInterval=0"]

    func metaexplore(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ReproductionTests.executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    @Test(.enabled(if: slurmAvailable, "needs a Slurm cluster (scripts/slurm/local-cluster.sh start)"))
    func aCancelledArrayTaskResumesAndTheTableEqualsTheLocalOne() throws {
        // A folder every node can write: on this single-node cluster, a temporary one.
        let slurmRoot = FileManager.default.temporaryDirectory.appendingPathComponent("me-slurm-\(UUID().uuidString)")
        let localRoot = FileManager.default.temporaryDirectory.appendingPathComponent("me-local-\(UUID().uuidString)")
        defer { for d in [slurmRoot, localRoot] { try? FileManager.default.removeItem(at: d) } }
        let slurm = ["reproduce"] + Self.arguments + ["--backend", "slurm", "--out", slurmRoot.path]

        let dry = try metaexplore(slurm + ["--dry-run"])
        #expect(dry.status == 0 && dry.output.contains("#SBATCH --array=0-3") && dry.output.contains("4 run(s) would be"),
                "\(dry.output)")
        #expect(!FileManager.default.fileExists(atPath: slurmRoot.appendingPathComponent("slurm/submissions.json").path))

        let submitted = try metaexplore(slurm)
        try #require(submitted.status == 0, "\(submitted.output)")
        let jobID = try #require(submitted.output.split(separator: " ").drop { $0 != "array" }.dropFirst().first
            .map { $0.trimmingCharacters(in: CharacterSet(charactersIn: ":")) }, "\(submitted.output)")
        defer { _ = try? CommandRunner().run("scancel", [jobID], allowFailure: true) }

        // Cancel array task 0 once its training has logged twice.
        let progress = slurmRoot.appendingPathComponent("ddpg/Pendulum-v1/seed-0/progress.csv")
        let deadline = Date().addingTimeInterval(240)
        while Date() < deadline && ((try? String(contentsOf: progress, encoding: .utf8))?.split(separator: "\n").count ?? 0) < 3 {
            Thread.sleep(forTimeInterval: 0.05)
        }
        _ = try CommandRunner().run("scancel", ["\(jobID)_0"])
        var state = ""
        while Date() < deadline {
            state = try metaexplore(slurm + ["--status"]).output
            if state.contains("ddpg/Pendulum-v1/seed-0  interrupted") || state.contains("ddpg/Pendulum-v1/seed-0  done") { break }
            Thread.sleep(forTimeInterval: 0.2)
        }
        #expect(state.contains("ddpg/Pendulum-v1/seed-0  interrupted"), "the cancelled run should stop with a checkpoint: \(state)")
        let log = try String(contentsOf: progress.deletingLastPathComponent().appendingPathComponent("log.txt"), encoding: .utf8)
        #expect(log.contains("stopped early (received SIGTERM)"), "\(log)")

        // Resubmit (only the interrupted run is submitted again) and wait for the array to end.
        let finished = try metaexplore(slurm + ["--wait", "--poll-seconds", "0.5"])
        #expect(finished.status == 0, "\(finished.output)")
        #expect(finished.output.contains("1 run(s)"), "only the cancelled run is resubmitted: \(finished.output)")
        let status = try metaexplore(slurm + ["--status"]).output
        #expect(status.split(separator: "\n").filter { $0.hasSuffix("  done") }.count == 4, "\(status)")

        let local = try metaexplore(["reproduce"] + Self.arguments + ["--out", localRoot.path])
        #expect(local.status == 0, "\(local.output)")
        let a = try String(contentsOf: slurmRoot.appendingPathComponent("results.csv"), encoding: .utf8)
        let b = try String(contentsOf: localRoot.appendingPathComponent("results.csv"), encoding: .utf8)
        #expect(a == b, "slurm:\n\(a)\nlocal:\n\(b)")
    }

    /// Without the Slurm client commands the backend says so (runs anywhere: PATH emptied).
    @Test func aMissingSbatchIsAClearError() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("me-nosbatch-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: ReproductionTests.executable)
        process.arguments = ["reproduce", "pendulum-students", "--backend", "slurm", "--out", root.path]
        process.environment = ["PATH": "/nonexistent", "METAEXPLORE_NO_REEXEC": "1"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0 && text.contains("sbatch not found"), "\(text)")
    }
}
