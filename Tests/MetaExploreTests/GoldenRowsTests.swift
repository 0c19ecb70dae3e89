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
/// Bits depend on the CPU's product kernels: OpenBLAS picks its kernels by the CPU it detects (on an Intel Xeon
/// "Cooperlake", whose rows differ from these in the last digits), so the executable runs with the kernels the rows
/// were recorded with — `OPENBLAS_CORETYPE=Haswell` (what the recording AMD EPYC machine's environment set) and the
/// engine's AVX2 product kernel (`METAEXPLORE_GEMM_ISA=avx2`, bit-identical to its AVX-512 one) — and the rows then
/// hold on any x86-64 CPU with AVX2 and FMA (checked on AMD EPYC family 26 and an Intel Xeon model 207).
@Suite struct GoldenRowsTests {
    static let algorithms = ["ddpg", "td3", "meta", "meta-variance", "meta-state", "cmp", "ma2c", "l2explore"]

    static var fixtures: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/golden")
    }

    /// The rows of a progress CSV without the columns that measure time.
    static func timeless(_ csv: String) -> [String] {
        let lines = csv.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        guard let header = lines.first?.split(separator: ",", omittingEmptySubsequences: false) else { return [] }
        let keep = header.indices.filter { !["wall_time", "steps_per_second"].contains(String(header[$0])) }
        return lines.map { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            return keep.map { $0 < fields.count ? String(fields[$0]) : "<missing>" }.joined(separator: ",")
        }
    }

    /// The product kernels the fixtures were recorded with (see the type's comment).
    static let recordingKernels = ["OPENBLAS_CORETYPE": "Haswell", "METAEXPLORE_GEMM_ISA": "avx2"]

    @Test(arguments: algorithms)
    func progressRowsAreUnchanged(algorithm: String) throws {
        let exe = ReproductionTests.executable
        try #require(FileManager.default.isExecutableFile(atPath: exe),
                     "metaexplore not found at \(exe); build it with `swift build -c release --build-tests`")
        let fixture = Self.fixtures.appendingPathComponent(algorithm)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("me-golden-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: exe)
        process.arguments = ["train", "--config", fixture.appendingPathComponent("config.yaml").path,
                             "--out", folder.path, "--quiet"]
        var environment = ProcessInfo.processInfo.environment
        environment.merge(Self.recordingKernels) { _, pinned in pinned }
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "train failed: \(text)")

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
