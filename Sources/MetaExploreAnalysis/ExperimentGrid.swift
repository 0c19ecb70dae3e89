// A resumable, parallel experiment grid: one subprocess per (algorithm, environment, seed) job, each with
// its own folder, log, and completion marker.
import Foundation
import MetaExploreRuntime

/// One training run of a grid.
public struct ExperimentJob: Sendable, Hashable, Codable {
    public var algorithm: String
    public var environment: String
    public var seed: Int
    /// Extra settings for the command builder (e.g. `["steps": "20000"]`).
    public var overrides: [String: String]

    public init(algorithm: String, environment: String, seed: Int, overrides: [String: String] = [:]) {
        self.algorithm = algorithm
        self.environment = environment
        self.seed = seed
        self.overrides = overrides
    }

    /// `<root>/<algorithm>/<environment>/seed-<seed>/`
    public func directory(in root: URL) -> URL {
        root.appendingPathComponent(algorithm, isDirectory: true)
            .appendingPathComponent(environment, isDirectory: true)
            .appendingPathComponent("seed-\(seed)", isDirectory: true)
    }

    /// "algorithm/environment/seed-N"
    public var name: String { "\(algorithm)/\(environment)/seed-\(seed)" }
}

/// The content of a job's `done.json` (or `failed.json`) marker.
public struct JobRecord: Sendable, Codable, Equatable {
    public var exitStatus: Int32
    public var wallClockSeconds: Double
    public var command: [String]
    /// ISO 8601 time the subprocess ended.
    public var finished: String
}

/// What a grid knows about a job from its folder.
public enum JobStatus: Sendable, Equatable {
    case pending
    case done(JobRecord)
    case failed(JobRecord)
}

/// A job's outcome in one `run()`.
public struct JobOutcome: Sendable {
    public var job: ExperimentJob
    public var record: JobRecord
    /// The last lines of the job's log (for failures).
    public var logTail: String

    public init(job: ExperimentJob, record: JobRecord, logTail: String) {
        self.job = job
        self.record = record
        self.logTail = logTail
    }
}

/// The summary of one `run()`.
public struct GridReport: Sendable {
    public init() {}

    public var succeeded: [JobOutcome] = []
    public var failed: [JobOutcome] = []
    /// Jobs already complete before this run (their `done.json` existed).
    public var skipped: [ExperimentJob] = []
    /// Jobs stopped by a stop request (left unmarked, resumed by the next run).
    public var interrupted: [ExperimentJob] = []
    public var elapsedSeconds: Double = 0
    public var allSucceeded: Bool { failed.isEmpty }
}

/// A progress snapshot, sent after every start and finish.
public struct GridProgress: Sendable {
    public var total: Int, done: Int, running: Int, failed: Int, skipped: Int
    public var elapsedSeconds: Double
    /// What just happened, e.g. "started ddpg/Pendulum-v1/seed-0".
    public var event: String

    public var line: String {
        String(format: "[grid %d/%d done, %d running, %d failed, %d skipped, %.1fs] %@", done + skipped, total, running,
               failed, skipped, elapsedSeconds, event)
    }
}

/// A finished job's data as read back by the caller's reader.
public struct JobResult: Sendable {
    public var curve: LearningCurve
    public var finalReturn: Double
    public init(curve: LearningCurve, finalReturn: Double) {
        self.curve = curve
        self.finalReturn = finalReturn
    }
}

/// A collected job: its result (or the reading error) and wall-clock time.
public struct CollectedJob: Sendable {
    public var job: ExperimentJob
    public var result: Result<JobResult, Error>
    /// The finished run's wall-clock time (NaN for a run not finished).
    public var wallClockSeconds: Double
    /// False for a run read before it finished (`collect(_:includingUnfinished:)`): its curve ends, and its final
    /// value is, at its last evaluation so far.
    public var finished = true
}

/// Runs jobs as subprocesses, at most `maxParallel` at a time, skipping those already done.
///
/// For each job the runner creates its folder, runs `command(job, folder)` (argv; the first element is an
/// executable path, or a name looked up through `/usr/bin/env`) with the folder as working directory,
/// sends stdout and stderr to `log.txt`, and on exit status 0 writes `done.json`. A non-zero exit writes
/// `failed.json`, is reported with the tail of the log, and is retried by the next `run()`.
public struct ExperimentGrid: @unchecked Sendable {
    public var root: URL
    public var jobs: [ExperimentJob]
    public var maxParallel: Int
    public var command: @Sendable (ExperimentJob, URL) -> [String]
    /// Extra environment variables for every subprocess (added to this process's environment).
    public var environment: [String: String]
    /// Receives progress; by default each line goes to standard error.
    public var progress: @Sendable (GridProgress) -> Void
    /// Lines of log kept in failure reports.
    public var tailLines: Int
    /// A stop request (e.g. from `SignalStopHandler` on SIGINT/SIGTERM): no new job starts, the signal is forwarded
    /// to every running job (`stopSignal`), and `run()` returns once they have all exited (a job stopped this way —
    /// exit 130 — is left unmarked, so the next `run()` resumes it).
    public var stop: StopRequest?
    /// The signal forwarded to running jobs on a stop.
    public var stopSignal: Int32 = SIGINT

    public static let doneMarker = "done.json"
    public static let failedMarker = "failed.json"
    public static let logName = "log.txt"

    public init(root: URL, jobs: [ExperimentJob], maxParallel: Int = ProcessInfo.processInfo.activeProcessorCount,
                environment: [String: String] = [:], tailLines: Int = 20,
                progress: @escaping @Sendable (GridProgress) -> Void = ExperimentGrid.printProgress,
                command: @escaping @Sendable (ExperimentJob, URL) -> [String]) {
        precondition(Set(jobs.map(\.name)).count == jobs.count, "grid jobs must have distinct folders")
        self.root = root
        self.jobs = jobs
        self.maxParallel = max(1, maxParallel)
        self.environment = environment
        self.tailLines = tailLines
        self.progress = progress
        self.command = command
    }

    /// Every combination of the given algorithms, environments and seeds, in that nesting order.
    public static func jobs(algorithms: [String], environments: [String], seeds: [Int],
                            overrides: [String: String] = [:]) -> [ExperimentJob] {
        algorithms.flatMap { a in environments.flatMap { e in seeds.map {
            ExperimentJob(algorithm: a, environment: e, seed: $0, overrides: overrides) } } }
    }

    /// The path of the running executable (`/proc/self/exe` resolved where available), for grids that re-run
    /// this same tool with another subcommand.
    public static var currentExecutable: String {
        if let p = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return p }
        return CommandLine.arguments.first.map { URL(fileURLWithPath: $0).standardizedFileURL.path } ?? ""
    }

    @Sendable public static func printProgress(_ p: GridProgress) {
        FileHandle.standardError.write(Data((p.line + "\n").utf8))
    }

    public func folder(_ job: ExperimentJob) -> URL { job.directory(in: root) }

    /// The job's state on disk.
    public func status(of job: ExperimentJob) -> JobStatus {
        let dir = folder(job)
        if let r = ExperimentGrid.readRecord(dir.appendingPathComponent(ExperimentGrid.doneMarker)) { return .done(r) }
        if let r = ExperimentGrid.readRecord(dir.appendingPathComponent(ExperimentGrid.failedMarker)) { return .failed(r) }
        return .pending
    }

    static func readRecord(_ url: URL) -> JobRecord? {
        guard let data = try? Data(contentsOf: url) else { return nil }
        return try? JSONDecoder().decode(JobRecord.self, from: data)
    }

    /// The last `lines` lines of a job's log.
    public func logTail(_ job: ExperimentJob, lines: Int? = nil) -> String {
        guard let data = try? Data(contentsOf: folder(job).appendingPathComponent(ExperimentGrid.logName)) else { return "" }
        let text = String(decoding: data, as: UTF8.self)
        var all = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if all.last == "" { all.removeLast() }
        return all.suffix(lines ?? tailLines).joined(separator: "\n")
    }

    private final class State: @unchecked Sendable {
        let lock = NSLock()
        var finished: [(index: Int, status: Int32, seconds: Double)] = []
        let signal = DispatchSemaphore(value: 0)
    }

    /// Runs every job that is not done yet and returns what happened.
    @discardableResult
    public func run() -> GridReport {
        let start = Date()
        var report = GridReport()
        var queue = [Int]()
        for (i, job) in jobs.enumerated() {
            if case .done = status(of: job) { report.skipped.append(job) } else { queue.append(i) }
        }
        let state = State()
        var running = [Int: (process: Process, log: FileHandle, argv: [String], start: Date)]()
        var next = 0
        func snapshot(_ event: String) -> GridProgress {
            GridProgress(total: jobs.count, done: report.succeeded.count, running: running.count,
                         failed: report.failed.count, skipped: report.skipped.count,
                         elapsedSeconds: Date().timeIntervalSince(start), event: event)
        }
        if !report.skipped.isEmpty { progress(snapshot("resuming: \(report.skipped.count) job(s) already done")) }
        func finish(_ index: Int, status: Int32, seconds: Double, argv: [String]) {
            let job = jobs[index], dir = folder(job)
            let record = JobRecord(exitStatus: status, wallClockSeconds: seconds, command: argv,
                                   finished: ISO8601DateFormatter().string(from: Date()))
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let marker = status == 0 ? ExperimentGrid.doneMarker : ExperimentGrid.failedMarker
            if let data = try? encoder.encode(record), !(stopping && status == 130) {
                try? AtomicFile.write(data, to: dir.appendingPathComponent(marker))
            }
            if stopping && status == 130 {  // stopped by the forwarded signal, with a checkpoint: resumable
                report.interrupted.append(job)
                progress(snapshot("stopped \(job.name) (checkpointed; the next run resumes it)"))
                return
            }
            let outcome = JobOutcome(job: job, record: record, logTail: status == 0 ? "" : logTail(job))
            if status == 0 {
                report.succeeded.append(outcome)
                progress(snapshot(String(format: "finished %@ in %.1fs", job.name, seconds)))
            } else {
                report.failed.append(outcome)
                let tail = outcome.logTail.split(separator: "\n", omittingEmptySubsequences: false)
                    .map { "    | " + $0 }.joined(separator: "\n")
                progress(snapshot("FAILED \(job.name) (exit \(status)); log tail:\n\(tail)"))
            }
        }
        var stopping = false
        while (next < queue.count && !stopping) || !running.isEmpty {
            if let stop, stop.isRequested, !stopping {
                stopping = true
                for (_, r) in running { kill(r.process.processIdentifier, stopSignal) }
                progress(snapshot("stopping: \(running.count) running job(s) asked to checkpoint and exit"))
            }
            while running.count < maxParallel && next < queue.count && !stopping {
                let index = queue[next]
                next += 1
                let job = jobs[index], dir = folder(job)
                let argv = command(job, dir)
                do {
                    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
                    try? FileManager.default.removeItem(at: dir.appendingPathComponent(ExperimentGrid.failedMarker))
                    let logURL = dir.appendingPathComponent(ExperimentGrid.logName)
                    try Data("# \(argv.joined(separator: " "))\n".utf8).write(to: logURL)
                    let log = try FileHandle(forWritingTo: logURL)
                    log.seekToEndOfFile()
                    guard let first = argv.first else { throw CocoaError(.executableNotLoadable) }
                    let p = Process()
                    if first.contains("/") {
                        p.executableURL = URL(fileURLWithPath: first)
                        p.arguments = Array(argv.dropFirst())
                    } else {
                        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                        p.arguments = argv
                    }
                    p.currentDirectoryURL = dir
                    p.standardOutput = log
                    p.standardError = log
                    p.standardInput = FileHandle.nullDevice
                    if !environment.isEmpty {
                        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
                    }
                    let launched = Date()
                    p.terminationHandler = { proc in
                        let seconds = Date().timeIntervalSince(launched)
                        let code: Int32 = proc.terminationReason == .exit ? proc.terminationStatus : 128 + proc.terminationStatus
                        state.lock.lock()
                        state.finished.append((index, code, seconds))
                        state.lock.unlock()
                        state.signal.signal()
                    }
                    try p.run()
                    running[index] = (p, log, argv, launched)
                    progress(snapshot("started \(job.name)"))
                } catch {
                    let logURL = dir.appendingPathComponent(ExperimentGrid.logName)
                    if let h = try? FileHandle(forWritingTo: logURL) {
                        h.seekToEndOfFile()
                        h.write(Data("could not start: \(error)\n".utf8))
                        try? h.close()
                    }
                    finish(index, status: 127, seconds: 0, argv: argv)
                }
            }
            guard !running.isEmpty else { continue }
            // Wake up now and then to notice a stop request.
            guard state.signal.wait(timeout: .now() + 0.1) == .success else { continue }
            state.lock.lock()
            let done = state.finished
            state.finished.removeAll()
            state.lock.unlock()
            for f in done {
                guard let r = running.removeValue(forKey: f.index) else { continue }
                try? r.log.close()
                finish(f.index, status: f.status, seconds: f.seconds, argv: r.argv)
            }
            // The semaphore was signalled once per finished process; consume the extra signals.
            for _ in 1..<max(1, done.count) { state.signal.wait() }
        }
        report.elapsedSeconds = Date().timeIntervalSince(start)
        if stopping {
            progress(snapshot("stopped; run the same command again to resume"))
        } else {
            progress(snapshot(report.failed.isEmpty ? "all jobs complete" : "\(report.failed.count) job(s) failed; run again to retry them"))
        }
        return report
    }

    /// Reads every done job with `reader(job, folder)`; jobs not done are left out, or, with `includingUnfinished`,
    /// read too when their folder holds a `progress.csv` (marked `finished == false`).
    public func collect(_ reader: (ExperimentJob, URL) throws -> JobResult,
                        includingUnfinished: Bool = false) -> [CollectedJob] {
        jobs.compactMap { job in
            if case let .done(record) = status(of: job) {
                return CollectedJob(job: job, result: Result { try reader(job, folder(job)) },
                                    wallClockSeconds: record.wallClockSeconds)
            }
            guard includingUnfinished,
                  FileManager.default.fileExists(atPath: folder(job).appendingPathComponent("progress.csv").path)
            else { return nil }
            return CollectedJob(job: job, result: Result { try reader(job, folder(job)) }, wallClockSeconds: .nan,
                                finished: false)
        }
    }

    /// A reader for a CSV file in the job folder: the curve is `valueColumn` against `stepColumn`
    /// (rows with a non-finite value are dropped) and the final return is the last value.
    public static func csvReader(file: String = "progress.csv", stepColumn: String, valueColumn: String)
        -> @Sendable (ExperimentJob, URL) throws -> JobResult {
        { _, dir in
            let table = try CSVTable(contentsOf: dir.appendingPathComponent(file))
            let steps = try table.numbers(stepColumn), values = try table.numbers(valueColumn)
            let keep = steps.indices.filter { steps[$0].isFinite && values[$0].isFinite }
            guard let last = keep.last else { throw CSVTable.Failure.empty }
            return JobResult(curve: LearningCurve(steps: keep.map { steps[$0] }, values: keep.map { values[$0] }),
                             finalReturn: values[last])
        }
    }
}

extension Array where Element == CollectedJob {
    /// Final returns of successfully read jobs, as results-table entries in first-seen (algorithm, environment) order.
    public func resultsEntries(paper: [String: [String: String]] = [:]) -> [ResultsEntry] {
        var order = [String](), byKey = [String: ResultsEntry]()
        for c in self {
            guard case let .success(r) = c.result else { continue }
            let key = c.job.algorithm + "\u{0}" + c.job.environment
            if byKey[key] == nil {
                order.append(key)
                byKey[key] = ResultsEntry(algorithm: c.job.algorithm, environment: c.job.environment, returns: [],
                                          paper: paper[c.job.algorithm]?[c.job.environment])
            }
            byKey[key]!.returns.append(r.finalReturn)
        }
        return order.map { byKey[$0]! }
    }

    /// Learning curves of successfully read jobs of one algorithm on one environment.
    public func curves(algorithm: String, environment: String) -> [LearningCurve] {
        compactMap { c in
            guard c.job.algorithm == algorithm, c.job.environment == environment, case let .success(r) = c.result else { return nil }
            return r.curve
        }
    }
}
