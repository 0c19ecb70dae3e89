import Foundation
import MetaExplore
import Testing

/// The executable writes back exactly the configuration it was given: every key of its run folder's `config.yaml`
/// (and of the checkpoint's copy) equals the library's resolution of the same command line, seed included, for seeds
/// across the whole UInt64 range and settings of every family.
@Suite struct TrainWritesBackTests {
    @Test(arguments: [
        ("ddpg", UInt64(18_446_744_073_709_551_557), ["learner.tau=0.02", "agent.noise=gaussian"]),
        ("td3", UInt64(1) << 63, ["agent.warmupSteps=50", "learner.policyDelay=3"]),
        ("meta-state", UInt64(987_654_321_012), ["meta.explorationSteps=50", "meta.evaluationSteps=60"]),
        ("ma2c", UInt64(0), ["cmp.teacherUpdates=2", "cmp.metaQ.updates=1", "cmp.evaluationSteps=60"]),
    ])
    func configurationAndSeedAreWrittenBack(algorithm: String, seed: UInt64, overrides: [String]) throws {
        let exe = ReproductionTests.executable
        try #require(FileManager.default.isExecutableFile(atPath: exe), "metaexplore not found at \(exe)")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("me-writeback-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let common = ["run.totalSteps=300", "run.evalEpisodes=0", "agent.bufferSize=1000"]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: exe)
        process.arguments = ["train", "--algo", algorithm, "--env", "Pendulum-v1", "--seed", "\(seed)", "--out", folder.path,
                             "--quiet"] + (common + overrides).flatMap { ["--set", $0] }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "train failed: \(text)")

        let expected = try FamilyRegistry.builtIn.configuration(
            algorithm: algorithm, overrides: ["environment=Pendulum-v1", "run.seed=\(seed)"] + common + overrides)
        let written = try String(contentsOf: folder.appendingPathComponent("config.yaml"), encoding: .utf8)
        #expect(written == (try expected.yaml()), "config.yaml differs from the resolved configuration")
        #expect(written.contains("  seed: \(seed)\n"), "\(written)")
        let checkpoint = try SafeTensorsCheckpointStore.read(folder.appendingPathComponent("checkpoints/latest.safetensors"))
        #expect(checkpoint.metadata["config"] == written)
        #expect(checkpoint.metadata["runner.schedule.seed"] == "\(seed)")
    }
}
