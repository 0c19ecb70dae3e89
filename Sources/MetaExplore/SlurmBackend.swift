import Foundation
import MetaExploreAnalysis

/// Options of the Slurm backend's job arrays (each becomes an `#SBATCH` line when set).
public struct SlurmOptions: Sendable, Equatable {
    public var partition: String?
    /// Wall-clock limit per array task, in a form `sbatch --time` accepts (`2:00:00`, `1-00:00:00`).
    public var time: String?
    public var cpusPerTask: Int?
    /// Memory per node, as `sbatch --mem` takes it (`4G`).
    public var memory: String?
    /// Further `sbatch` options passed through unchanged (`--account=rl`, `--qos=short`).
    public var extra: [String] = []
    /// Array tasks of one submission allowed to run at once (`--array=0-N%k`); nil: no limit.
    public var maxRunning: Int?

    public init(partition: String? = nil, time: String? = nil, cpusPerTask: Int? = nil, memory: String? = nil,
                extra: [String] = [], maxRunning: Int? = nil) {
        self.partition = partition
        self.time = time
        self.cpusPerTask = cpusPerTask
        self.memory = memory
        self.extra = extra
        self.maxRunning = maxRunning
    }
}

/// Runs a reproduction plan's grid on a Slurm cluster: one `sbatch` job array for the runs that are not finished,
/// one array task per run, each training into the plan's folder (which must be on a file system the compute nodes
/// share), resuming from its checkpoint when it has one.
///
/// - `submit` writes `slurm/array-<n>.sbatch` and its task list, submits it and records the job id in
///   `slurm/submissions.json`; runs already finished, queued or running are not submitted again.
/// - Each array task runs `train` in the background of the batch shell and waits for it. Slurm delivers SIGTERM to
///   every process of the task when it is cancelled (`scancel`), preempted or reaches its time limit, and SIGKILL
///   after `KillWait`; `train` checkpoints and exits 130 on SIGTERM, the batch shell (which survives SIGTERM by a
///   no-op trap, so as not to signal `train` a second time) leaves the run unmarked, and the next `submit` resumes it.
///   On exit 0 the task writes `done.json`, on another failure `failed.json`, as the local backend does.
/// - `status` reads the queue (`squeue`) and the run folders; `wait` polls until none of the plan's tasks is queued,
///   then tabulates exactly as the local backend does.
public enum SlurmBackend {
    /// The state of one run of the grid.
    public enum RunState: String, Sendable, Equatable {
        case done, failed, pending, running
        /// Stopped with a checkpoint (cancelled, preempted or timed out) and not queued: the next submit resumes it.
        case interrupted
        /// Never started, or started without leaving a checkpoint, and not queued.
        case notStarted = "not started"
    }

    /// One submission, as recorded in `slurm/submissions.json`.
    public struct Submission: Codable, Sendable, Equatable {
        public var jobID: String
        /// The run folder (relative to the plan folder) of each array index.
        public var tasks: [String]
        public var submitted: String
    }

    static func slurmFolder(_ root: URL) -> URL { root.appendingPathComponent("slurm") }
    static func submissionsURL(_ root: URL) -> URL { slurmFolder(root).appendingPathComponent("submissions.json") }

    public static func submissions(in root: URL) -> [Submission] {
        guard let data = try? Data(contentsOf: submissionsURL(root)) else { return [] }
        return (try? JSONDecoder().decode([Submission].self, from: data)) ?? []
    }

    /// The array tasks of the plan's submissions that are in the queue, by run folder (relative path) → state.
    static func queued(_ root: URL, runner: CommandRunner) throws -> [String: RunState] {
        var out: [String: RunState] = [:]
        for submission in submissions(in: root) {
            let lines = try runner.run("squeue", ["-h", "-r", "-j", submission.jobID, "-o", "%K %T"], allowFailure: true)
            for line in lines.output.split(separator: "\n") {
                let parts = line.split(separator: " ")
                guard parts.count == 2, let index = Int(parts[0]), index < submission.tasks.count else { continue }
                out[submission.tasks[index]] = parts[1] == "RUNNING" || parts[1] == "COMPLETING" ? .running : .pending
            }
        }
        return out
    }

    /// Every run's state, in the grid's order.
    public static func status(_ plan: ReproductionPlan, root: URL,
                              runner: CommandRunner = CommandRunner()) throws -> [(job: ExperimentJob, state: RunState)] {
        let grid = Reproduction.grid(plan, root: root)
        let inQueue = try queued(root, runner: runner)
        return grid.jobs.map { job in
            switch grid.status(of: job) {
            case .done: return (job, .done)
            case .failed: return (job, inQueue[job.name] ?? .failed)
            case .pending:
                if let q = inQueue[job.name] { return (job, q) }
                let checkpoint = grid.folder(job).appendingPathComponent("checkpoints/latest.safetensors")
                return (job, FileManager.default.fileExists(atPath: checkpoint.path) ? .interrupted : .notStarted)
            }
        }
    }

    /// The batch script of an array whose task list is `list` (one line per task: the run folder, then the
    /// command that starts it afresh, tab-separated).
    static func script(plan: ReproductionPlan, root: URL, list: URL, count: Int, executable: String,
                       options: SlurmOptions) -> String {
        var lines = ["#!/bin/bash", "#SBATCH --job-name=metaexplore-\(plan.name)",
                     "#SBATCH --array=0-\(count - 1)" + (options.maxRunning.map { "%\($0)" } ?? ""),
                     "#SBATCH --output=\(slurmFolder(root).path)/logs/%A_%a.out",
                     "#SBATCH --ntasks=1"]
        if let p = options.partition { lines.append("#SBATCH --partition=\(p)") }
        if let t = options.time { lines.append("#SBATCH --time=\(t)") }
        if let c = options.cpusPerTask { lines.append("#SBATCH --cpus-per-task=\(c)") }
        if let m = options.memory { lines.append("#SBATCH --mem=\(m)") }
        for e in options.extra { lines.append("#SBATCH \(e)") }
        lines.append(contentsOf: [
            "# Written by `metaexplore reproduce \(plan.name) --backend slurm`: one array task per run.",
            "set -u",
            "export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}",
            "IFS=$'\\t' read -r -a TASK < <(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" \(shellQuote(list.path)))",
            "FOLDER=\"${TASK[0]}\"",
            "mkdir -p \"$FOLDER\" || { echo \"cannot create $FOLDER: the plan folder must be on a file system this node can write\"; exit 2; }",
            "[ -w \"$FOLDER\" ] || { echo \"cannot write $FOLDER: the plan folder must be on a file system this node can write\"; exit 2; }",
            "cd \"$FOLDER\"",
            "if [ -f checkpoints/latest.safetensors ]; then",
            "  COMMAND=(\(shellQuote(executable)) train --resume --out \"$FOLDER\" --quiet)",
            "else",
            "  rm -rf \(Reproduction.startedFiles.joined(separator: " "))",
            "  COMMAND=(\"${TASK[@]:1}\")",
            "fi",
            "echo \"# ${COMMAND[*]}\" >> log.txt",
            "START=$SECONDS",
            "# SIGTERM (scancel, preemption, time limit) reaches train directly: it checkpoints and exits 130. The shell",
            "# only waits, so that train is not signalled twice.",
            "trap 'true' TERM INT",
            "\"${COMMAND[@]}\" >> log.txt 2>&1 &",
            "CHILD=$!",
            "# A trapped signal interrupts `wait` (status > 128) while train finishes its checkpoint: wait again.",
            "while true; do wait $CHILD; STATUS=$?; kill -0 $CHILD 2>/dev/null || break; done",
            "STATE=\"\"",
            "if [ $STATUS -eq 0 ]; then STATE=done.json; elif [ $STATUS -ne 130 ] && [ $STATUS -ne 143 ]; then STATE=failed.json; fi",
            "if [ -n \"$STATE\" ]; then",
            "  rm -f failed.json",
            "  printf '{\"command\": [], \"exitStatus\": %d, \"finished\": \"%s\", \"wallClockSeconds\": %d}\\n' \\",
            "    $STATUS \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\" $((SECONDS - START)) > \"$STATE.tmp\" && mv \"$STATE.tmp\" \"$STATE\"",
            "fi",
            "exit $STATUS",
        ])
        return lines.joined(separator: "\n") + "\n"
    }

    static func shellQuote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// What `submit` did.
    public struct SubmitResult: Sendable {
        public var jobID: String?
        public var script: String
        public var submitted: [ExperimentJob]
        public var skipped: [(job: ExperimentJob, state: RunState)]
    }

    /// Submits one job array for the runs that are not finished and not queued (or, with `dryRun`, only writes
    /// and returns the script).
    public static func submit(_ plan: ReproductionPlan, root: URL, executable: String, extraArguments: [String] = [],
                              options: SlurmOptions = SlurmOptions(), dryRun: Bool = false,
                              runner: CommandRunner = CommandRunner()) throws -> SubmitResult {
        try RunDirectory.prepareFolder(root)
        try Reproduction.checkOwnership(of: root, plan: plan, extraArguments: extraArguments)
        if !dryRun { _ = try runner.locate("sbatch") }
        let states = try status(plan, root: root, runner: runner)
        let todo = states.filter { [.failed, .interrupted, .notStarted].contains($0.state) }.map(\.job)
        let skipped = states.filter { ![.failed, .interrupted, .notStarted].contains($0.state) }
        let grid = Reproduction.grid(plan, root: root)
        let index = submissions(in: root).count
        let folder = slurmFolder(root)
        let list = folder.appendingPathComponent("array-\(index).tasks")
        let lines = todo.map { job -> String in
            let run = grid.folder(job)
            return ([run.path] + Reproduction.freshCommand(plan, job, folder: run, executable: executable,
                                                           extraArguments: extraArguments)).joined(separator: "\t")
        }
        let text = script(plan: plan, root: root, list: list, count: max(todo.count, 1), executable: executable,
                          options: options)
        guard !todo.isEmpty else { return SubmitResult(jobID: nil, script: text, submitted: [], skipped: skipped) }
        if dryRun { return SubmitResult(jobID: nil, script: text, submitted: todo, skipped: skipped) }

        try Reproduction.writePlanRecord(plan, extraArguments: extraArguments, to: root)
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("logs"), withIntermediateDirectories: true)
        for job in todo { try FileManager.default.createDirectory(at: grid.folder(job), withIntermediateDirectories: true) }
        try AtomicFile.write(lines.joined(separator: "\n") + "\n", to: list)
        let scriptURL = folder.appendingPathComponent("array-\(index).sbatch")
        try AtomicFile.write(text, to: scriptURL)
        let result = try runner.run("sbatch", ["--parsable", scriptURL.path], allowFailure: true)
        guard result.status == 0 else { throw SlurmError.submissionRefused(result.output.trimmingCharacters(in: .whitespacesAndNewlines)) }
        let jobID = String(result.output.split(separator: ";").first ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !jobID.isEmpty, jobID.allSatisfy(\.isNumber) else { throw SlurmError.submissionRefused(result.output) }
        var all = submissions(in: root)
        all.append(Submission(jobID: jobID, tasks: todo.map(\.name),
                              submitted: ISO8601DateFormatter().string(from: Date())))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try AtomicFile.write(try encoder.encode(all), to: submissionsURL(root))
        return SubmitResult(jobID: jobID, script: text, submitted: todo, skipped: skipped)
    }

    /// Polls the queue every `pollSeconds` until none of the plan's tasks is pending or running, then writes the
    /// tables and figures exactly as the local backend does.
    public static func wait(_ plan: ReproductionPlan, root: URL, pollSeconds: Double = 10,
                            runner: CommandRunner = CommandRunner(),
                            progress: (String) -> Void = { _ in }) throws -> Reproduction.Outcome {
        while true {
            let states = try status(plan, root: root, runner: runner)
            let active = states.filter { $0.state == .pending || $0.state == .running }
            if active.isEmpty { break }
            progress("\(states.filter { $0.state == .done }.count)/\(states.count) done, "
                     + "\(states.filter { $0.state == .running }.count) running, "
                     + "\(states.filter { $0.state == .pending }.count) pending")
            Thread.sleep(forTimeInterval: pollSeconds)
        }
        let grid = Reproduction.grid(plan, root: root)
        var report = GridReport()
        for job in grid.jobs {
            switch grid.status(of: job) {
            case .done(let record): report.succeeded.append(JobOutcome(job: job, record: record, logTail: ""))
            case .failed(let record): report.failed.append(JobOutcome(job: job, record: record, logTail: grid.logTail(job)))
            case .pending: report.interrupted.append(job)
            }
        }
        return try Reproduction.tabulate(plan, root: root, grid: grid, report: report)
    }
}

/// Runs the scheduler's commands (`sbatch`, `squeue`), found on `PATH`.
public struct CommandRunner: Sendable {
    public init() {}

    /// The path of `name` on `PATH`, or `SlurmError.commandNotFound`.
    public func locate(_ name: String) throws -> String {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let path = "\(dir)/\(name)"
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        throw SlurmError.commandNotFound(name)
    }

    /// Runs `name arguments` and returns its exit status and output (stdout and stderr together).
    public func run(_ name: String, _ arguments: [String], allowFailure: Bool = false) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try locate(name))
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self)
        if !allowFailure && process.terminationStatus != 0 {
            throw SlurmError.commandFailed(name, process.terminationStatus, text)
        }
        return (process.terminationStatus, text)
    }
}

public enum SlurmError: Error, CustomStringConvertible, Equatable {
    case commandNotFound(String)
    case submissionRefused(String)
    case commandFailed(String, Int32, String)

    public var description: String {
        switch self {
        case .commandNotFound(let name):
            return "\(name) not found on PATH: the Slurm backend needs the Slurm client commands (sbatch, squeue) on "
                + "this machine (a login node of the cluster); without Slurm, use the local backend"
        case .submissionRefused(let message):
            return "the scheduler refused the job array: \(message)"
        case let .commandFailed(name, status, output):
            return "\(name) failed (exit \(status)): \(output)"
        }
    }
}
