import Foundation
import MetaExplore
import MetaExploreAlgorithms
import Testing

/// `metaexplore meta-eval --grid`'s library function on a small grid of real runs: finished runs are evaluated (the
/// same numbers as `metaEvaluate` on each checkpoint), an unfinished one is listed as skipped, the tables have one
/// row per run and step, and a second call reads the kept results instead of evaluating again.
@Suite struct GridMetaEvaluationTests {
    @Test func evaluatesEveryFinishedRunOnceAndTabulates() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("me-grid-meta-eval-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let registry = FamilyRegistry.builtIn
        for seed in [0, 1, 2] {
            let config = try registry.configuration(algorithm: "maml-vpg", overrides: [
                "environment=PointGoal-v1", "meta.tasksPerBatch=2", "meta.trajectoriesPerTask=2", "policy.hiddenSizes=[8]",
                "sampler.environmentCopies=4", "run.evalEpisodes=1", "evaluation.trajectoriesPerTask=1",
                "run.totalSteps=800", "run.evalInterval=800", "run.checkpointInterval=800", "run.seed=\(seed)",
            ])
            let folder = root.appendingPathComponent("maml-vpg/PointGoal-v1/seed-\(seed)")
            try registry.train(config, in: folder, showProgress: false, handleSignals: false)
            // seed 2 stands for a run still training: no done.json.
            if seed < 2 { try Data("{}".utf8).write(to: folder.appendingPathComponent("done.json")) }
        }
        var settings = GridMetaEvaluation.Settings()
        settings.steps = 2
        settings.tasks = 3
        settings.trajectories = 2
        var messages: [String] = []
        let outcome = try GridMetaEvaluation.run(root: root, settings: settings) { messages.append($0) }
        #expect(outcome.curves.map(\.seed) == [0, 1])
        #expect(outcome.skipped == ["maml-vpg/PointGoal-v1/seed-2"])
        for curve in outcome.curves {
            let checkpoint = root.appendingPathComponent("maml-vpg/PointGoal-v1/seed-\(curve.seed)/checkpoints/latest.safetensors")
            let direct = try registry.metaEvaluate(checkpoint: checkpoint, steps: 2, tasks: 3, trajectories: 2, seed: 0)
            #expect(curve.returns == direct.curve.returns)
            #expect(curve.checkpointStep == direct.step && curve.returns.count == 3 && curve.returns[0].count == 3)
        }
        let csvRows = outcome.csv.split(separator: "\n")
        #expect(csvRows.count == 1 + 2 * 3)
        #expect(outcome.markdown.contains("## maml-vpg on PointGoal-v1"))
        #expect(outcome.markdown.contains("| 2 | "))
        #expect(outcome.markdown.contains("seed-2"))
        let written = try String(contentsOf: root.appendingPathComponent("meta-eval.md"), encoding: .utf8)
        #expect(written == outcome.markdown)
        #expect(!messages.contains { $0.contains("read from") })
        // Again: nothing is evaluated a second time, and the tables are the same.
        messages = []
        let again = try GridMetaEvaluation.run(root: root, settings: settings) { messages.append($0) }
        #expect(messages.count == 2 && messages.allSatisfy { $0.contains("read from") })
        #expect(again.markdown == outcome.markdown && again.csv == outcome.csv)
        // Other settings are other results: evaluated afresh.
        settings.steps = 1
        messages = []
        let shorter = try GridMetaEvaluation.run(root: root, settings: settings) { messages.append($0) }
        #expect(!messages.contains { $0.contains("read from") })
        #expect(shorter.curves.allSatisfy { $0.returns.count == 2 })
    }

    @Test func aMissingGridFolderIsAClearError() {
        #expect(throws: (any Error).self) {
            try GridMetaEvaluation.run(root: URL(fileURLWithPath: "/nonexistent/grid-\(UUID().uuidString)"))
        }
    }
}
