import Foundation
import Testing
import MetaExploreAnalysis

final class ProgressLog: @unchecked Sendable {
    let lock = NSLock()
    var lines = [String]()
    var maxRunning = 0
    func add(_ p: GridProgress) {
        lock.lock()
        lines.append(p.line)
        maxRunning = max(maxRunning, p.running)
        lock.unlock()
    }
}

@Suite struct ExperimentGridTests {
    func tempRoot() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("me-grid-\(UUID().uuidString)", isDirectory: true)
    }

    /// A fake training command: writes a two-row progress.csv whose final return depends on the seed,
    /// counts its invocations in `runs.txt`, and fails when the override says so and no `fixed` file exists.
    static func fakeCommand(_ job: ExperimentJob, _ dir: URL) -> [String] {
        let ret = -100 - job.seed
        let fail = job.overrides["fail"] == "1"
            ? "if [ ! -e ../../../fixed ]; then echo 'diverged: loss is NaN' >&2; exit 3; fi; " : ""
        return ["/bin/sh", "-c", "echo run >> runs.txt; echo training \(job.name); \(fail)"
            + "sleep 0.2; printf 'step,return\\n0,-1000\\n100,\(ret)\\n' > progress.csv"]
    }

    @Test func jobsRunInParallelWriteMarkersAndResume() throws {
        let root = tempRoot()
        defer { try? FileManager.default.removeItem(at: root) }
        var jobs = ExperimentGrid.jobs(algorithms: ["ddpg", "teacher"], environments: ["Pendulum-v1"], seeds: [0, 1, 2])
        jobs.append(ExperimentJob(algorithm: "broken", environment: "Pendulum-v1", seed: 0, overrides: ["fail": "1"]))
        #expect(jobs.count == 7)
        let log = ProgressLog()
        let grid = ExperimentGrid(root: root, jobs: jobs, maxParallel: 3, progress: { log.add($0) }) { Self.fakeCommand($0, $1) }
        #expect(grid.folder(jobs[0]).path == root.appendingPathComponent("ddpg/Pendulum-v1/seed-0").path)
        let report = grid.run()
        #expect(report.succeeded.count == 6 && report.failed.count == 1 && report.skipped.isEmpty)
        #expect(log.maxRunning == 3)
        #expect(report.elapsedSeconds < 0.2 * 7)  // parallel: well under the serial time
        let failure = try #require(report.failed.first)
        #expect(failure.job.algorithm == "broken" && failure.record.exitStatus == 3)
        #expect(failure.logTail.contains("diverged: loss is NaN"))
        #expect(log.lines.contains { $0.contains("FAILED broken/Pendulum-v1/seed-0 (exit 3)") && $0.contains("diverged") })
        guard case let .failed(rec) = grid.status(of: failure.job) else { Issue.record("no failed marker"); return }
        #expect(rec.exitStatus == 3)
        // done.json holds exit status, wall-clock seconds and the command.
        let doneURL = grid.folder(jobs[1]).appendingPathComponent("done.json")
        let done = try JSONDecoder().decode(JobRecord.self, from: Data(contentsOf: doneURL))
        #expect(done.exitStatus == 0 && done.wallClockSeconds >= 0.2 && done.command == Self.fakeCommand(jobs[1], grid.folder(jobs[1])))
        let logText = try String(contentsOf: grid.folder(jobs[1]).appendingPathComponent("log.txt"), encoding: .utf8)
        #expect(logText.contains("training ddpg/Pendulum-v1/seed-1"))

        // Second invocation: done jobs are skipped, the failed one is retried (and now succeeds).
        _ = FileManager.default.createFile(atPath: root.appendingPathComponent("fixed").path, contents: Data())
        let again = grid.run()
        #expect(again.skipped.count == 6 && again.succeeded.map(\.job) == [failure.job] && again.failed.isEmpty)
        for job in jobs {
            let runs = try String(contentsOf: grid.folder(job).appendingPathComponent("runs.txt"), encoding: .utf8)
            #expect(runs.split(separator: "\n").count == (job.algorithm == "broken" ? 2 : 1))
        }
        #expect(!FileManager.default.fileExists(atPath: grid.folder(failure.job).appendingPathComponent("failed.json").path))
        // A third run has nothing to do.
        #expect(grid.run().skipped.count == 7)

        // Collecting: curves, final returns, wall-clock times, and a results table.
        let collected = grid.collect(ExperimentGrid.csvReader(stepColumn: "step", valueColumn: "return"))
        #expect(collected.count == 7)
        #expect(collected.allSatisfy { $0.wallClockSeconds >= 0.2 })
        let entries = collected.resultsEntries()
        #expect(entries.map(\.algorithm) == ["ddpg", "teacher", "broken"])
        #expect(entries[0].returns == [-100, -101, -102])
        let curves = collected.curves(algorithm: "teacher", environment: "Pendulum-v1")
        #expect(curves.count == 3 && curves[2].steps == [0, 100] && curves[2].values == [-1000, -102])
    }

    @Test func missingExecutableAndSignalsAreFailures() {
        let root = tempRoot()
        defer { try? FileManager.default.removeItem(at: root) }
        let jobs = [ExperimentJob(algorithm: "a", environment: "e", seed: 0), ExperimentJob(algorithm: "b", environment: "e", seed: 0)]
        let grid = ExperimentGrid(root: root, jobs: jobs, maxParallel: 2, progress: { _ in }) { job, _ in
            job.algorithm == "a" ? ["/nonexistent/metaexplore-train"] : ["/bin/sh", "-c", "kill -9 $$"]
        }
        let report = grid.run()
        #expect(report.failed.count == 2 && report.succeeded.isEmpty)
        let codes = Dictionary(uniqueKeysWithValues: report.failed.map { ($0.job.algorithm, $0.record.exitStatus) })
        #expect(codes["a"] == 127 && codes["b"] == 128 + 9)
        #expect(report.failed.first { $0.job.algorithm == "a" }!.logTail.contains("could not start"))
    }

    @Test func commandNamesResolveThroughPathAndEnvironmentIsPassed() throws {
        let root = tempRoot()
        defer { try? FileManager.default.removeItem(at: root) }
        let grid = ExperimentGrid(root: root, jobs: [ExperimentJob(algorithm: "x", environment: "y", seed: 4)],
                                  environment: ["GRID_TEST_VALUE": "42"], progress: { _ in }) { _, _ in
            ["sh", "-c", "echo value=$GRID_TEST_VALUE; pwd"]
        }
        #expect(grid.run().allSucceeded)
        #expect(grid.logTail(grid.jobs[0], lines: 2) == "value=42\n" + grid.folder(grid.jobs[0]).path)
        #expect(!ExperimentGrid.currentExecutable.isEmpty)
    }
}
