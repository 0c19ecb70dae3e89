import ArgumentParser

/// `metaexplore bench ...`: performance measurements (always build with `-c release`).
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure performance (run a release build).",
        subcommands: [BenchEngine.self])
}
