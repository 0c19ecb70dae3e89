import Foundation
import Testing

/// A run's numbers must not depend on which OpenBLAS kernels the machine gets. OpenBLAS picks them by the CPU it
/// detects, and they round differently; the engine's own product kernel computes every element as one FMA chain on
/// AVX2 and AVX-512 alike. The gradient meta-RL families run their 1 000-row inner and outer products on it too
/// (before, a MAML-TRPO run's post-update returns differed already in the first iteration between OpenBLAS's
/// Haswell and SSE kernels, and so did MAME's). Each case trains a tiny run twice with the real executable, once
/// with `OPENBLAS_CORETYPE=Haswell` and once with `Nehalem` (SSE only), and requires the same rows, time columns
/// aside. (Where OpenBLAS ignores the variable, both runs use the same kernels and the check says nothing.)
@Suite struct KernelIndependenceTests {
    static let runs: [(name: String, arguments: [String])] = [
        ("maml-trpo", ["--preset", "maml-trpo-halfcheetahdir", "--set", "meta.tasksPerBatch=2",
                       "--set", "meta.trajectoriesPerTask=3", "--set", "run.totalSteps=4800"]),
        ("mame", ["--preset", "mame-pointcorner", "--set", "meta.tasksPerBatch=2", "--set", "meta.trajectoriesPerTask=6",
                  "--set", "run.totalSteps=4800"]),
    ]

    /// The rows of a progress CSV without the columns that measure time.
    static func timeless(_ url: URL) throws -> [String] {
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map(String.init)
        guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false) else { return [] }
        let keep = header.indices.filter { i in
            let name = String(header[i])
            return !name.contains("time") && name != "steps_per_second"
        }
        return lines.map { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            return keep.map { $0 < fields.count ? String(fields[$0]) : "<missing>" }.joined(separator: ",")
        }
    }

    func train(_ arguments: [String], coreType: String) throws -> [String] {
        let exe = ReproductionTests.executable
        try #require(FileManager.default.isExecutableFile(atPath: exe),
                     "metaexplore not found at \(exe); build it with `swift build -c release --build-tests`")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("me-kernels-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: exe)
        process.arguments = ["train"] + arguments + ["--seed", "3", "--set", "run.evalInterval=2400",
                                                     "--set", "run.evalEpisodes=2", "--out", folder.path, "--quiet"]
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_CORETYPE"] = coreType
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "train failed: \(text)")
        return try Self.timeless(folder.appendingPathComponent("progress.csv"))
    }

    @Test(arguments: runs.map(\.name))
    func rowsDoNotDependOnOpenBLASKernels(name: String) throws {
        let arguments = try #require(Self.runs.first { $0.name == name }).arguments
        let haswell = try train(arguments, coreType: "Haswell")
        let sse = try train(arguments, coreType: "Nehalem")
        #expect(haswell.count >= 3, "\(haswell)")
        #expect(haswell == sse, "Haswell:\n\(haswell.joined(separator: "\n"))\nNehalem:\n\(sse.joined(separator: "\n"))")
    }
}
