import Foundation
import MetaExplore
import Testing

/// Results must not change under the project's restructurings: for every algorithm a short fixed-seed run's
/// `progress.csv` (wall-clock columns removed) was recorded in `Fixtures/golden/<algorithm>/` with the binary of
/// the commit before the runtime was restructured (one run loop, a family registry). Each test runs the real
/// `metaexplore` executable on the recorded `config.yaml` and requires every logged value to match bit for bit, and
/// the run folder's `config.yaml` to name the same seed and decode to the same configuration (an incrementally
/// rebuilt binary once wrote garbage seeds while every library-level test passed).
///
/// If a deliberate change alters these rows, re-record them in the same commit with `metaexplore train --config
/// <fixture>/config.yaml --out <dir>` and say so in the commit message. Re-recorded so far: the learned-exploration
/// fixtures' last row gained `eval_return`/`eval_return_std` when every finished run began to end with an evaluation
/// (their budgets are not multiples of `evalInterval`); every other value was unchanged.
///
/// The rows were recorded with OpenBLAS's Haswell kernels (`OPENBLAS_CORETYPE=Haswell`, what the recording AMD EPYC
/// machine's environment set) for the narrow products, which OpenBLAS then computed. Every product of these runs now
/// fits the engine's kernel (one FMA chain per element, the same bits as those Haswell kernels on these shapes), so
/// the rows must not depend on OpenBLAS at all: the executable runs with its SSE kernels (`OPENBLAS_CORETYPE=Nehalem`,
/// which round differently — with narrow products on OpenBLAS, the DDPG rows differed there) and with the engine's
/// AVX2 variant (`METAEXPLORE_GEMM_ISA=avx2`, bit-identical to the AVX-512 one), and the rows hold on any x86-64 CPU
/// with AVX2 and FMA.
@Suite struct GoldenRowsTests {
    static let algorithms = ["ddpg", "td3", "meta", "meta-variance", "meta-state", "cmp", "ma2c", "l2explore"]

    static var fixtures: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/golden")
    }

    /// The rows of a progress CSV without the columns that measure time (by default the run loop's `wall_time` and
    /// `steps_per_second`; `dropping` names others, such as a family's per-phase seconds).
    static func timeless(_ csv: String,
                         dropping: (String) -> Bool = { ["wall_time", "steps_per_second"].contains($0) }) -> [String] {
        let lines = csv.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false) else { return [] }
        let keep = header.indices.filter { !dropping(String(header[$0])) }
        return lines.map { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            return keep.map { $0 < fields.count ? String(fields[$0]) : "<missing>" }.joined(separator: ",")
        }
    }

    /// OpenBLAS's SSE kernels, not the ones the fixtures were recorded with, and the engine's AVX2 kernel (see the
    /// type's comment).
    static let pinnedKernels = ["OPENBLAS_CORETYPE": "Nehalem", "METAEXPLORE_GEMM_ISA": "avx2"]

    @Test(arguments: algorithms)
    func progressRowsAreUnchanged(algorithm: String) throws {
        let fixture = Self.fixtures.appendingPathComponent(algorithm)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("me-golden-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try runMetaexplore(["train", "--config", fixture.appendingPathComponent("config.yaml").path,
                                      "--out", folder.path, "--quiet"], environment: Self.pinnedKernels)
        try #require(run.status == 0, "train failed: \(run.text)")

        let expected = Self.timeless(try String(contentsOf: fixture.appendingPathComponent("progress.csv"), encoding: .utf8))
        let actual = Self.timeless(try String(contentsOf: folder.appendingPathComponent("progress.csv"), encoding: .utf8))
        #expect(actual.count == expected.count, "\(actual.count) rows, expected \(expected.count)")
        for (i, (a, e)) in zip(actual, expected).enumerated() {
            #expect(a == e, "row \(i) differs:\n  got      \(a)\n  expected \(e)")
        }

        // What the executable wrote back is the configuration it was given.
        let given = try String(contentsOf: fixture.appendingPathComponent("config.yaml"), encoding: .utf8)
        let written = try String(contentsOf: folder.appendingPathComponent("config.yaml"), encoding: .utf8)
        #expect(written.contains("seed: 7\n"), "\(written)")
        let fromGiven = try FamilyRegistry.builtIn.configuration(file: fixture.appendingPathComponent("config.yaml"))
        let fromWritten = try FamilyRegistry.builtIn.configuration(file: folder.appendingPathComponent("config.yaml"))
        #expect(fromGiven == fromWritten, "written:\n\(written)\ngiven:\n\(given)")
    }
}
