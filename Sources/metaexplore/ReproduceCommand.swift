import ArgumentParser
import Foundation
import MetaExplore

/// `metaexplore reproduce PLAN`: a paper's table and figures in one command, resumable.
struct Reproduce: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a built-in experiment grid (algorithms × environments × seeds) and write its table and figures.",
        discussion: "Plans: \(Reproduction.plans.keys.sorted().joined(separator: ", ")). Re-running the same command "
            + "skips finished runs and resumes interrupted ones.")

    @Argument(help: "The plan to run.") var plan: String
    @Option(help: "Results folder (default: results/<plan>).") var out: String?
    @Option(help: "Training processes at once (default: the number of cores).") var parallel: Int?
    @Option(help: "Restrict the seeds, e.g. 0,1,2.") var seeds: String?
    @Option(help: "Restrict the environments, e.g. Pendulum-v1,Hopper-v5.") var envs: String?
    @Option(help: "Restrict the plan's algorithms (comma-separated names as its table uses them).") var algos: String?
    @Option(name: .customLong("set"), help: "Extra setting for every run: key=value (repeatable).") var overrides: [String] = []

    func validate() throws {
        guard Reproduction.plans[plan] != nil else {
            throw ValidationError("unknown plan '\(plan)'; plans: \(Reproduction.plans.keys.sorted().joined(separator: ", "))")
        }
        if let parallel, parallel < 1 { throw ValidationError("--parallel must be at least 1") }
        if let seeds, seeds.split(separator: ",", omittingEmptySubsequences: false).contains(where: { Int($0) == nil }) {
            throw ValidationError("--seeds takes comma-separated integers, got '\(seeds)'")
        }
    }

    func run() throws {
        var p = Reproduction.plans[plan]!
        if let seeds { p.seeds = seeds.split(separator: ",").compactMap { Int($0) } }
        if let envs { p.environments = try restrict(envs, to: p.environments, kind: "environment") }
        if let algos { p.algorithms = try restrict(algos, to: p.algorithms, kind: "algorithm") }
        let root = URL(fileURLWithPath: out ?? "results/\(plan)")
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
