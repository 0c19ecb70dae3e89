import Foundation
import MetaExplore
import Testing

/// The Figure 4 analysis (Xu et al. 2018) on hand-made records whose answer is known.
@Suite struct StateVisitationAnalysisTests {
    /// A run folder with `config.yaml` of `preset` and a visitation record filled by `fill`.
    func makeRun(preset: String, environment: String = "Pendulum-v1", size: Int = 3,
                 fill: (StateVisitationRecorder) -> Void) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("me-visit-run-\(UUID().uuidString)")
        let run = try RunDirectory(url: url)
        let config = try FamilyRegistry.builtIn.configuration(preset: preset, overrides: ["environment=\(environment)"])
        try run.writeConfiguration(yaml: try config.yaml())
        let recorder = StateVisitationRecorder(window: 400, observationSize: size)
        fill(recorder)
        try recorder.write(to: run.visitationURL, metadata: [:])
        return url
    }

    @Test func overlapIsOneForTheSameStatesAndZeroForDisjointOnes() throws {
        // Early: teacher and student visit the same points; late: the student sits far from the teacher.
        let meta = try makeRun(preset: "meta-pendulum") { r in
            for k in 0..<400 {
                let p = [Double(k % 20), Double(k / 20), 0]
                r.record(p, source: "teacher")
                r.record(p, source: "student")
            }
            for k in 0..<400 {
                r.record([Double(k % 20), Double(k / 20), 0], source: "teacher")
                r.record([100 + Double(k % 5), 100, 0], source: "student")
            }
        }
        let ddpg = try makeRun(preset: "ddpg-paper-pendulum") { r in
            for k in 0..<800 { r.record([Double(k % 7), 3, 0], source: "behavior") }
        }
        defer { try? FileManager.default.removeItem(at: meta); try? FileManager.default.removeItem(at: ddpg) }
        let records = try [meta, ddpg].map { try VisitationRecord(run: $0) }
        #expect(records[0].algorithm == "meta" && records[0].sources == ["teacher", "student"])
        #expect(records[1].algorithm == "ddpg" && records[1].sources == ["behavior"])
        let analysis = try StateVisitationAnalysis(records: records, bins: 40)
        #expect(analysis.figure.panels.map(\.title) == [
            "meta teacher (early)", "meta student (early)", "ddpg (early)",
            "meta teacher (late)", "meta student (late)", "ddpg (late)",
        ])
        #expect(analysis.figure.columns == 3)
        let o = try #require(analysis.teacherStudentOverlap.first)
        #expect(abs(o.early - 1) < 1e-12 && o.late == 0)
        // The third coordinate is constant: the plane explains all the variance.
        #expect(abs(analysis.explainedVariance - 1) < 1e-9)
        // The late student is packed into a corner of the shared grid, the late teacher spread over many cells.
        let late = analysis.summaries.suffix(3).map(\.occupiedCells)
        #expect(late[0] > 10 * late[1])
        #expect(analysis.summaries.allSatisfy { $0.states == 400 })
        let png = FileManager.default.temporaryDirectory.appendingPathComponent("me-visit-\(UUID().uuidString).png")
        defer {
            try? FileManager.default.removeItem(at: png)
            try? FileManager.default.removeItem(at: png.deletingPathExtension().appendingPathExtension("md"))
        }
        try analysis.write(figureTo: png)
        let md = try String(contentsOf: png.deletingPathExtension().appendingPathExtension("md"), encoding: .utf8)
        #expect(md.contains("| meta student (late) | 400 |") && md.contains("- meta: early 1.00, late 0.00"))
    }

    @Test func missingRecordsAndMixedEnvironmentsAreClearErrors() throws {
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("me-visit-none-\(UUID().uuidString)")
        #expect {
            try VisitationRecord(run: empty)
        } throws: { error in
            "\(error)".contains("run.visitationWindow")
        }
        let a = try makeRun(preset: "ddpg-paper-pendulum") { $0.record([0, 0, 0], source: "behavior") }
        let b = try makeRun(preset: "ddpg-paper-invertedpendulum", environment: "InvertedPendulum-v5", size: 4) {
            $0.record([0, 0, 0, 0], source: "behavior")
        }
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        #expect {
            try StateVisitationAnalysis(records: [try VisitationRecord(run: a), try VisitationRecord(run: b)])
        } throws: { error in
            "\(error)".contains("different environments")
        }
    }
}
