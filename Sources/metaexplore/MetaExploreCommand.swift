import ArgumentParser
import MetaExplore

/// The `metaexplore` command-line tool: a thin layer over the MetaExplore library.
@main
struct MetaExploreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metaexplore",
        abstract: "Reinforcement learning with learned exploration.",
        version: RunDirectory.metaExploreVersion,
        subcommands: [Train.self, Eval.self, MetaEval.self, List.self, Reproduce.self, Visitation.self, Trajectories.self,
                      EpisodePicturesCommand.self, PlotCurve.self, Bench.self])

    static func main() {
        ProcessTuning.reexecWithTunedBLASIfNeeded()
        Self.main(nil)
    }
}

