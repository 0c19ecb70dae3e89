import Foundation
import Testing

/// `metaexplore bench meta` runs at a tiny size and prints every key `scripts/bench/compare_torch_maml.sh` reads
/// (no timing is asserted).
@Suite struct BenchMetaCommandTests {
    @Test func tinyRunPrintsItsKeys() throws {
        let (status, text) = try runMetaexplore(["bench", "meta", "--tasks", "2", "--trajectories", "2", "--horizon", "10",
                                                 "--repeats", "1"])
        #expect(status == 0, "\(text)")
        for key in ["meta_sampling_1thread_s", "meta_sampling_2threads_s", "meta_sampling_speedup_2threads",
                    "meta_iteration_sampling_s", "meta_iteration_inner_s", "meta_iteration_outer_s", "meta_iteration_s"] {
            let line = text.split(separator: "\n").first { $0.hasPrefix(key + "=") }
            let value = line.flatMap { Double($0.split(separator: "=")[1]) }
            #expect(value.map { $0 >= 0 && $0.isFinite } == true, "missing or bad \(key) in:\n\(text)")
        }
        #expect(text.contains("tasks=2 trajectories=2 horizon=10 repeats=1"))
    }
}
