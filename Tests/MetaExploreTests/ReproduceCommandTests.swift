import Foundation
import Testing

/// `metaexplore reproduce` refuses what its plan does not have, with a message naming what it has, before any run.
@Suite struct ReproduceCommandTests {
    func reproduce(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let exe = ReproductionTests.executable
        try #require(FileManager.default.isExecutableFile(atPath: exe),
                     "metaexplore not found at \(exe); build it with `swift build -c release --build-tests`")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("me-reproduce-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: exe)
        process.arguments = ["reproduce"] + arguments + ["--out", out.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        process.waitUntilExit()
        let text = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("results.md").path))
        return (process.terminationStatus, text)
    }

    @Test func unknownPlanEnvironmentAlgorithmOrSeedIsAClearError() throws {
        let plan = try reproduce(["no-such-plan"])
        #expect(plan.status != 0 && plan.output.contains("unknown plan 'no-such-plan'") && plan.output.contains("cmp-2019"))
        let env = try reproduce(["cmp-2019", "--envs", "Hopper-v5"])
        #expect(env.status != 0 && env.output.contains("no environment Hopper-v5") && env.output.contains("Pendulum-v1"))
        let algo = try reproduce(["cmp-2019", "--algos", "cmp-1,sac"])
        #expect(algo.status != 0 && algo.output.contains("no algorithm sac") && algo.output.contains("l2explore"))
        let seeds = try reproduce(["cmp-2019", "--seeds", "0,x"])
        #expect(seeds.status != 0 && seeds.output.contains("--seeds takes comma-separated integers"))
    }
}
