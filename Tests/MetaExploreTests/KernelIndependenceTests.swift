import Foundation
import Testing

/// A run's numbers must not depend on which OpenBLAS kernels the machine gets. OpenBLAS picks them by the CPU it
/// detects, and they round differently; the engine's own product kernel computes every element as one FMA chain on
/// AVX2 and AVX-512 alike. The gradient meta-RL families run their 1 000-row inner and outer products on it too
/// (before, a MAML-TRPO run's post-update returns differed already in the first iteration between OpenBLAS's
/// Haswell and SSE kernels, and so did MAME's), and so do the learned-exploration families' cycles (a teacher
/// update over a 600-step rollout differed in the ninth significant digit). Each case trains a tiny run twice with the real executable, once
/// with `OPENBLAS_CORETYPE=Haswell` and once with `Nehalem` (SSE only), and requires the same rows, time columns
/// aside. (Where OpenBLAS ignores the variable, both runs use the same kernels and the check says nothing.)
@Suite struct KernelIndependenceTests {
    static let runs: [(name: String, arguments: [String])] = [
        ("maml-trpo", ["--preset", "maml-trpo-halfcheetahdir", "--set", "meta.tasksPerBatch=2",
                       "--set", "meta.trajectoriesPerTask=3", "--set", "run.totalSteps=4800"]),
        ("mame", ["--preset", "mame-pointcorner", "--set", "meta.tasksPerBatch=2", "--set", "meta.trajectoriesPerTask=6",
                  "--set", "run.totalSteps=4800"]),
        // The teacher's batch is the whole exploration rollout: 600 rows, beyond the kernel's 512 (before, the third
        // cycle's rows differed between the two core types).
        ("meta", ["--config", GoldenRowsTests.fixtures.appendingPathComponent("meta/config.yaml").path,
                  "--set", "meta.explorationSteps=600", "--set", "run.totalSteps=2400", "--set", "run.logInterval=800"]),
    ]

    func train(_ arguments: [String], coreType: String) throws -> [String] {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("me-kernels-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try runMetaexplore(["train"] + arguments + ["--seed", "3", "--set", "run.evalInterval=2400",
                                                             "--set", "run.evalEpisodes=2", "--out", folder.path, "--quiet"],
                                     environment: ["OPENBLAS_CORETYPE": coreType])
        try #require(run.status == 0, "train failed: \(run.text)")
        // Time columns aside: the run loop's and the family's per-phase seconds.
        return GoldenRowsTests.timeless(try String(contentsOf: folder.appendingPathComponent("progress.csv"), encoding: .utf8)) {
            $0.contains("time") || $0 == "steps_per_second"
        }
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
