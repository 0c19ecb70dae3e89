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
    @Option(name: .customLong("set"), help: "Extra setting for every run: key=value (repeatable).") var overrides: [String] = []

    func validate() throws {
        guard Reproduction.plans[plan] != nil else {
            throw ValidationError("unknown plan '\(plan)'; plans: \(Reproduction.plans.keys.sorted().joined(separator: ", "))")
        }
        if let parallel, parallel < 1 { throw ValidationError("--parallel must be at least 1") }
        if let seeds, seeds.split(separator: ",").contains(where: { Int($0) == nil }) {
            throw ValidationError("--seeds takes comma-separated integers, got '\(seeds)'")
        }
    }

    func run() throws {
        var p = Reproduction.plans[plan]!
        if let seeds { p.seeds = seeds.split(separator: ",").compactMap { Int($0) } }
        if let envs {
            let wanted = envs.split(separator: ",").map(String.init)
            let unknown = wanted.filter { !p.environments.contains($0) }
            guard unknown.isEmpty else {
                throw ValidationError("plan '\(plan)' has no environment \(unknown.joined(separator: ", ")); it has \(p.environments.joined(separator: ", "))")
            }
            p.environments = wanted
        }
        let root = URL(fileURLWithPath: out ?? "results/\(plan)")
        let outcome = try Reproduction.run(
            p, root: root, executable: ExperimentGrid.currentExecutable,
            maxParallel: parallel ?? ProcessInfo.processInfo.activeProcessorCount,
            extraArguments: overrides.flatMap { ["--set", $0] })
        print(outcome.table.markdown())
        for f in outcome.failures { print("failed: \(f.job.name): \(f.error)") }
        print("results: \(root.appendingPathComponent("results.md").path)")
        for f in outcome.figures { print("figure: \(f.path)") }
        if !outcome.failures.isEmpty { throw ExitCode(1) }
    }
}
