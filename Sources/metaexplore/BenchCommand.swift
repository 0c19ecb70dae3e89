import ArgumentParser

/// `metaexplore bench …`: performance measurements.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure performance (build and run in release mode).",
        subcommands: [BenchEngine.self, BenchEnvs.self, BenchTrain.self, BenchMeta.self, BenchMAME.self, BenchDream.self])
}
