import Foundation
import MetaExplore
import Testing

/// `metaexplore reproduce` refuses what its plan does not have, with a message naming what it has, before any run.
@Suite struct ReproduceCommandTests {
    func reproduce(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("me-reproduce-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let run = try runMetaexplore(["reproduce"] + arguments + ["--out", out.path])
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("results.md").path))
        return (run.status, run.text)
    }

    @Test func unknownPlanEnvironmentAlgorithmOrSeedIsAClearError() throws {
        let plan = try reproduce(["no-such-plan"])
        #expect(plan.status != 0 && plan.output.contains("unknown plan 'no-such-plan'") && plan.output.contains("cmp-2019"))
        let env = try reproduce(["cmp-2019", "--envs", "Hopper-v5"])
        #expect(env.status != 0 && env.output.contains("no environment Hopper-v5") && env.output.contains("Pendulum-v1"))
        let algo = try reproduce(["cmp-2019", "--algos", "cmp-1,sac"])
        #expect(algo.status != 0 && algo.output.contains("no algorithm sac") && algo.output.contains("l2explore"))
        let seeds = try reproduce(["cmp-2019", "--seeds", "0,x"])
        #expect(seeds.status != 0 && seeds.output.contains("--seeds takes comma-separated integers"))
    }
}

/// `reproduce` under interruption and reuse of its folder, through the real executable.
@Suite struct ReproduceInterruptionTests {
    static let arguments = ["pendulum-students", "--algos", "ddpg", "--seeds", "0,1", "--parallel", "2",
                            "--set", "learner.hiddenSizes=[16]", "--set", "run.logInterval=500",
                            "--set", "run.checkpointInterval=0"]

    func launch(_ arguments: [String], out: URL) throws -> (Process, Pipe) {
        let exe = ReproductionTests.executable
        try #require(FileManager.default.isExecutableFile(atPath: exe), "metaexplore not found at \(exe)")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: exe)
        process.arguments = ["reproduce"] + arguments + ["--out", out.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        return (process, pipe)
    }

    func finish(_ launched: (Process, Pipe)) -> (status: Int32, output: String) {
        let text = String(decoding: launched.1.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        launched.0.waitUntilExit()
        return (launched.0.terminationStatus, text)
    }

    func files(named name: String, under root: URL) -> [URL] {
        (FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)?.allObjects as? [URL] ?? [])
            .filter { $0.lastPathComponent == name }
    }

    /// Ctrl-C on `reproduce` stops its trainings with checkpoints (none keeps running), exits 130, and running the
    /// same command again finishes a grid whose table equals an uninterrupted grid's; every log stays well-formed.
    @Test func ctrlCStopsTheRunsAndARerunFinishesTheSameTable() throws {
        let interrupted = FileManager.default.temporaryDirectory.appendingPathComponent("me-int-\(UUID().uuidString)")
        let straight = FileManager.default.temporaryDirectory.appendingPathComponent("me-str-\(UUID().uuidString)")
        defer { for d in [interrupted, straight] { try? FileManager.default.removeItem(at: d) } }
        let running = try launch(Self.arguments, out: interrupted)
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            let logs = files(named: "progress.csv", under: interrupted)
            let rows = logs.map { ((try? String(contentsOf: $0, encoding: .utf8)) ?? "").split(separator: "\n").count }
            if logs.count == 2 && rows.allSatisfy({ $0 >= 2 }) { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        kill(running.0.processIdentifier, SIGINT)
        let stopped = finish(running)
        #expect(stopped.status == 130, "\(stopped.output)")
        #expect(stopped.output.contains("run the same command again to resume"), "\(stopped.output)")
        // No training is left running in the job folders: each folder's lock can be taken.
        for log in files(named: "progress.csv", under: interrupted) {
            #expect((try? RunLock(folder: log.deletingLastPathComponent())) != nil, "a training still runs in \(log)")
        }
        #expect(files(named: "done.json", under: interrupted).count < 2)

        let resumed = finish(try launch(Self.arguments, out: interrupted))
        #expect(resumed.status == 0, "\(resumed.output)")
        let reference = finish(try launch(Self.arguments, out: straight))
        #expect(reference.status == 0, "\(reference.output)")
        let a = try String(contentsOf: interrupted.appendingPathComponent("results.csv"), encoding: .utf8)
        let b = try String(contentsOf: straight.appendingPathComponent("results.csv"), encoding: .utf8)
        #expect(a == b)
        for csv in files(named: "progress.csv", under: interrupted) {
            let lines = try String(contentsOf: csv, encoding: .utf8).split(separator: "\n")
            let width = lines[0].split(separator: ",", omittingEmptySubsequences: false).count
            #expect(lines.allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == width })
            let steps = lines.dropFirst().map { Int($0.prefix { $0 != "," }) ?? -1 }
            #expect(steps == steps.sorted() && Set(steps).count == steps.count, "\(steps)")
        }
        for jsonl in files(named: "progress.jsonl", under: interrupted) {
            for line in try String(contentsOf: jsonl, encoding: .utf8).split(separator: "\n") {
                #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "\(line)")
            }
        }

        // The folder belongs to this plan and these settings: another --set, or another plan, is refused.
        let other = finish(try launch(Self.arguments + ["--set", "learner.tau=0.02"], out: interrupted))
        #expect(other.status != 0 && other.output.contains("extra settings"), "\(other.output)")
        let otherPlan = finish(try launch(["td3-mujoco", "--seeds", "0"], out: interrupted))
        #expect(otherPlan.status != 0 && otherPlan.output.contains("plan 'pendulum-students'"), "\(otherPlan.output)")
        let empty = finish(try launch(["pendulum-students", "--seeds", ""], out: straight))
        #expect(empty.status != 0 && empty.output.contains("--seeds"), "\(empty.output)")
    }
}
