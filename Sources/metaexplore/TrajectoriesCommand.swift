import ArgumentParser
import Foundation
import MetaExplore

/// `metaexplore trajectories`: where a meta-RL agent goes on held-out tasks of a planar task family, early and late
/// in training (e.g. an exploration policy's episodes beside the adapted policy's).
struct Trajectories: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw a meta-RL agent's paths on held-out tasks of a planar task family (PNG), early and late in training.",
        discussion: """
            One row per checkpoint (with --run: the run's earliest and latest step-*.safetensors), one panel per phase \
            of the agent's behaviour (for an agent with a separate exploration policy: its exploration episodes, the \
            exploitation policy before and after adapting on them). Goals are filled squares in their task's colour, \
            the task family's possible goals grey circles, path starts black dots. Every row uses the same held-out \
            tasks and sample seed.
            """)

    @Option(name: .customLong("run"), help: "A run folder (earliest and latest checkpoints).") var runFolder: String?
    @Option(help: "Checkpoint files (.safetensors), one row each, instead of --run.") var checkpoint: [String] = []
    @Option(help: "Output PNG.") var out: String
    @Option(help: "Distinct held-out tasks to draw.") var tasks: Int = 4
    @Option(help: "Trajectories per task and phase.") var trajectories: Int = 3
    @Option(help: "Seed of the samples.") var seed: UInt64 = 0

    func validate() throws {
        guard (runFolder == nil) != checkpoint.isEmpty else { throw ValidationError("give --run or --checkpoint (not both)") }
        if tasks < 1 { throw ValidationError("--tasks must be at least 1, got \(tasks)") }
        if trajectories < 1 { throw ValidationError("--trajectories must be at least 1, got \(trajectories)") }
    }

    func run() throws {
        let urls = try runFolder.map { try PlanarPathsFigure.earlyAndLateCheckpoints(run: URL(fileURLWithPath: $0)) }
            ?? checkpoint.map { URL(fileURLWithPath: $0) }
        let figure = try PlanarPathsFigure.fromCheckpoints(urls, registry: FamilyRegistry.builtIn, tasks: tasks,
                                                           trajectories: trajectories, seed: seed)
        try figure.write(to: URL(fileURLWithPath: out))
        for row in figure.rows {
            let returns = zip(row.paths.phases, row.paths.meanReturns).map { String(format: "%@ %.1f", $0.0.name, $0.1) }
            print("\(row.title): mean return \(returns.joined(separator: ", "))")
        }
        print("figure: \(out)")
    }
}
