import ArgumentParser
import MetaExplore

/// The `metaexplore` command-line tool: a thin layer over the MetaExplore library.
@main
struct MetaExploreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metaexplore",
        abstract: "Reinforcement learning with learned exploration.",
        version: MetaExploreVersion.string,
        subcommands: [Bench.self])
}

enum MetaExploreVersion {
    static let string = "0.1.0"
}
