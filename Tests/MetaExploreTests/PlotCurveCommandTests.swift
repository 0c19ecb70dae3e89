import Foundation
import Testing

/// `metaexplore plot-curve`: a PNG of a progress column with reference lines, and the plotted points as CSV (rows
/// without the column skipped); bad input is a clear error.
@Suite struct PlotCurveCommandTests {
    func run(_ arguments: [String]) throws -> (status: Int32, text: String) { try runMetaexplore(arguments) }

    @Test func plotsTheEvaluationRowsWithReferences() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("me-plot-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "step,train_return,eval_return\n100,-2,\n200,-1.5,-1.25\n300,-1,\n400,0.5,0.75\n"
            .write(to: folder.appendingPathComponent("progress.csv"), atomically: true, encoding: .utf8)
        let png = folder.appendingPathComponent("curve.png")
        let ok = try run(["plot-curve", "--run", folder.path, "--out", png.path, "--reference", "optimum=0.8"])
        #expect(ok.status == 0, "\(ok.text)")
        let bytes = [UInt8](try Data(contentsOf: png))
        #expect(Array(bytes.prefix(8)) == [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let csv = try String(contentsOf: folder.appendingPathComponent("curve.csv"), encoding: .utf8)
        #expect(csv == "step,eval_return\n200.0,-1.25\n400.0,0.75\n")
        let bad = try run(["plot-curve", "--run", folder.path, "--out", png.path, "--reference", "optimum"])
        #expect(bad.status != 0 && bad.text.contains("NAME=VALUE"))
        let missing = try run(["plot-curve", "--run", folder.path, "--out", png.path, "--column", "nothing"])
        #expect(missing.status != 0)
    }
}
