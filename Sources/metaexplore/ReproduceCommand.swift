import ArgumentParser
import Foundation
import MetaExplore

/// `metaexplore reproduce PLAN`: a paper's table and figures in one command, resumable.
struct Reproduce: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a built-in experiment grid (algorithms × environments × seeds) and write its table and figures.",
        discussion: "Plans: \(Reproduction.plans.keys.sorted().joined(separator: ", ")). Re-running the same command "
            + "skips finished runs and resumes interrupted ones; --report writes the tables and figures of what the "
            + "folder holds so far (unfinished runs marked PARTIAL) without training.")

    @Argument(help: "The plan to run.") var plan: String
    @Option(help: "Results folder (default: results/<plan>).") var out: String?
    @Option(help: "Training processes at once (default: the number of cores).") var parallel: Int?
    @Option(help: "Restrict the seeds, e.g. 0,1,2.") var seeds: String?
    @Option(help: "Restrict the environments, e.g. Pendulum-v1,Hopper-v5.") var envs: String?
    @Option(help: "Restrict the plan's algorithms (comma-separated names as its table uses them).") var algos: String?
    @Option(name: .customLong("set"), help: "Extra setting for every run: key=value (repeatable).") var overrides: [String] = []
    @Option(help: "Where the runs train: local (processes on this machine) or slurm (one sbatch job array).")
    var backend = "local"
    @Option(help: "Slurm: partition of the array tasks.") var partition: String?
    @Option(help: "Slurm: time limit per run (sbatch --time, e.g. 2:00:00).") var time: String?
    @Option(help: "Slurm: CPUs per run (sbatch --cpus-per-task).") var cpusPerTask: Int?
    @Option(help: "Slurm: memory per run (sbatch --mem, e.g. 4G).") var mem: String?
    @Option(help: "Slurm: another sbatch option, passed through (repeatable), e.g. --sbatch-arg=--account=rl.")
    var sbatchArg: [String] = []
    @Flag(help: "Slurm: print each run's state (done, running, pending, interrupted, failed, not started) and exit.")
    var status = false
    @Flag(help: "Slurm: after submitting, poll the queue until the array ends, then write the tables and figures.")
    var wait = false
    @Flag(help: "Slurm: print the batch script that would be submitted, and submit nothing.") var dryRun = false
    @Option(help: "Slurm: seconds between queue polls with --wait.") var pollSeconds: Double = 10
    @Flag(help: ArgumentHelp(stringLiteral: "Write the tables and figures from the runs already in the folder, training "
          + "nothing: finished runs, and runs not finished yet read at their last evaluation and marked PARTIAL."))
    var report = false

    func validate() throws {
        guard Reproduction.plans[plan] != nil else {
            throw ValidationError("unknown plan '\(plan)'; plans: \(Reproduction.plans.keys.sorted().joined(separator: ", "))")
        }
        if let parallel, parallel < 1 { throw ValidationError("--parallel must be at least 1") }
        guard ["local", "slurm"].contains(backend) else {
            throw ValidationError("--backend takes local or slurm, got '\(backend)'")
        }
        if backend == "local" && (status || wait || dryRun || partition != nil || time != nil || cpusPerTask != nil
                                  || mem != nil || !sbatchArg.isEmpty) {
            throw ValidationError("--status, --wait, --dry-run and the sbatch options need --backend slurm")
        }
        if report && (wait || dryRun || status || !overrides.isEmpty) {
            throw ValidationError("--report only reads the folder: it takes no --set, --status, --wait or --dry-run")
        }
        if let cpusPerTask, cpusPerTask < 1 { throw ValidationError("--cpus-per-task must be at least 1") }
        if pollSeconds <= 0 { throw ValidationError("--poll-seconds must be positive") }
        if let seeds, seeds.split(separator: ",", omittingEmptySubsequences: false).contains(where: { Int($0) == nil }) {
            throw ValidationError("--seeds takes comma-separated integers, got '\(seeds)'")
        }
    }

    func run() throws {
        var p = Reproduction.plans[plan]!
        if let seeds { p.seeds = seeds.split(separator: ",").compactMap { Int($0) } }
        if let envs { p.environments = try restrict(envs, to: p.environments, kind: "environment") }
        if let algos { p.algorithms = try restrict(algos, to: p.algorithms, kind: "algorithm") }
        let root = URL(fileURLWithPath: out ?? "results/\(plan)").standardizedFileURL
        if report {
            let outcome = try Reproduction.report(p, root: root)
            print(outcome.table.markdown())
            for f in outcome.failures { print("unreadable: \(f.job.name): \(f.error)") }
            print("results: \(root.appendingPathComponent("results.md").path)")
            for f in outcome.figures { print("figure: \(f.path)") }
            return
        }
        if backend == "slurm" { return try runOnSlurm(p, root: root) }
        // Ctrl-C or SIGTERM: forwarded to every running training, which checkpoints and exits; then exit 130.
        let stop = StopRequest()
        let handler = SignalStopHandler(stop: stop)
        defer { handler.cancel() }
        let outcome = try Reproduction.run(
            p, root: root, executable: ExperimentGrid.currentExecutable,
            maxParallel: parallel ?? ProcessInfo.processInfo.activeProcessorCount,
            extraArguments: overrides.flatMap { ["--set", $0] }, stop: stop)
        if outcome.interrupted {
            print("stopped (\(stop.requestReason ?? "signal")): \(outcome.report.interrupted.count) run(s) checkpointed; "
                  + "run the same command again to resume")
            throw ExitCode(130)
        }
        print(outcome.table.markdown())
        for f in outcome.failures { print("failed: \(f.job.name): \(f.error)") }
        print("results: \(root.appendingPathComponent("results.md").path)")
        for f in outcome.figures { print("figure: \(f.path)") }
        if !outcome.failures.isEmpty { throw ExitCode(1) }
    }

    private func runOnSlurm(_ p: ReproductionPlan, root: URL) throws {
        let extra = overrides.flatMap { ["--set", $0] }
        if status {
            for (job, state) in try SlurmBackend.status(p, root: root) { print("\(job.name)  \(state.rawValue)") }
            return
        }
        let options = SlurmOptions(partition: partition, time: time, cpusPerTask: cpusPerTask, memory: mem,
                                   extra: sbatchArg)
        let submitted = try SlurmBackend.submit(p, root: root, executable: ExperimentGrid.currentExecutable,
                                                extraArguments: extra, options: options, dryRun: dryRun)
        if dryRun {
            print(submitted.script, terminator: "")
            print("# \(submitted.submitted.count) run(s) would be submitted; \(submitted.skipped.count) done or queued")
            return
        }
        if let id = submitted.jobID {
            print("submitted job array \(id): \(submitted.submitted.count) run(s) (script and task list in "
                  + "\(root.appendingPathComponent("slurm").path))")
        } else {
            print("nothing to submit: every run is done, queued or running")
        }
        guard wait else {
            print("follow it with: metaexplore reproduce \(plan) --backend slurm --status --out \(root.path); "
                  + "tables and figures: the same command with --wait")
            return
        }
        let outcome = try SlurmBackend.wait(p, root: root, pollSeconds: pollSeconds) { line in
            FileHandle.standardError.write(Data("[slurm] \(line)\n".utf8))
        }
        print(outcome.table.markdown())
        for f in outcome.failures { print("failed: \(f.job.name): \(f.error)") }
        for job in outcome.report.interrupted { print("unfinished: \(job.name) (run the command again to resubmit it)") }
        print("results: \(root.appendingPathComponent("results.md").path)")
        if !outcome.failures.isEmpty || !outcome.report.interrupted.isEmpty { throw ExitCode(1) }
    }

    /// The comma-separated `list`, each of which must be one of the plan's `available` names.
    private func restrict(_ list: String, to available: [String], kind: String) throws -> [String] {
        let wanted = list.split(separator: ",").map(String.init)
        let unknown = wanted.filter { !available.contains($0) }
        guard unknown.isEmpty, !wanted.isEmpty else {
            throw ValidationError("plan '\(plan)' has no \(kind) \(unknown.joined(separator: ", ")); it has "
                                  + available.joined(separator: ", "))
        }
        return wanted
    }
}
