import ArgumentParser
import Foundation
import MetaExplore

/// `metaexplore meta-eval`: the held-out adaptation curve of a gradient-based meta-RL run (MAML's test protocol).
struct MetaEval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meta-eval",
        abstract: "Meta-evaluate a meta-RL run: mean return on held-out tasks after 0, 1, …, k adaptation steps.",
        discussion: """
            For each held-out test task of the run's task family, samples trajectories with the meta-trained policy, \
            adapts by the run's inner step on exactly those samples, samples again, … and prints the mean return after \
            each step with a 95% confidence interval (Student's t over tasks). A run whose family explores with a separate \
            policy adapts on that policy's samples instead (step 0 is then the unadapted exploitation policy). With \
            --grid, every finished run of a reproduction grid is evaluated (results kept beside each run, so a rerun \
            evaluates only new or longer runs) and the grid folder receives meta-eval.md (per algorithm and task: each \
            seed, mean ± std and a 95% t interval over seeds, the plan's reference) and meta-eval.csv.
            """)

    @Option(name: .customLong("run"), help: "A run folder (uses checkpoints/latest.safetensors).") var runFolder: String?
    @Option(help: "A checkpoint file (.safetensors).") var checkpoint: String?
    @Option(help: "A reproduction grid's results folder (every finished run; writes meta-eval.md and meta-eval.csv).")
    var grid: String?
    @Option(help: "Adaptation steps k.") var steps: Int = 3
    @Option(help: "Held-out tasks (the first of the family's fixed list).") var tasks: Int = 40
    @Option(help: "Trajectories per task and step.") var trajectories: Int = 20
    @Option(help: "Seed of the evaluation's samples.") var seed: UInt64 = 0

    func validate() throws {
        guard [runFolder, checkpoint, grid].compactMap({ $0 }).count == 1 else {
            throw ValidationError("give exactly one of --run, --checkpoint or --grid")
        }
        if steps < 0 { throw ValidationError("--steps must be ≥ 0, got \(steps)") }
        if tasks < 1 { throw ValidationError("--tasks must be at least 1, got \(tasks)") }
        if trajectories < 1 { throw ValidationError("--trajectories must be at least 1, got \(trajectories)") }
    }

    func run() throws {
        if let grid {
            var settings = GridMetaEvaluation.Settings()
            settings.steps = steps
            settings.tasks = tasks
            settings.trajectories = trajectories
            settings.seed = seed
            let root = URL(fileURLWithPath: grid)
            let outcome = try GridMetaEvaluation.run(root: root, settings: settings) { print($0) }
            print("\(outcome.curves.count) run(s) evaluated; wrote \(root.appendingPathComponent("meta-eval.md").path) "
                  + "and meta-eval.csv" + (outcome.skipped.isEmpty ? "" : "; not finished: \(outcome.skipped.joined(separator: ", "))"))
            return
        }
        let url = checkpoint.map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: runFolder!).appendingPathComponent("checkpoints/latest.safetensors")
        let (curve, config, step) = try FamilyRegistry.builtIn.metaEvaluate(
            checkpoint: url, steps: steps, tasks: tasks, trajectories: trajectories, seed: seed)
        print("\(config.label) on \(config.environment), checkpoint at step \(step), \(tasks) held-out tasks × "
              + "\(trajectories) trajectories")
        print(curve.table)
    }
}
