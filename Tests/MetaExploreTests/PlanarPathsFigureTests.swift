import Foundation
import MetaExplore
import Testing

/// `metaexplore trajectories`' library path on a small MAME run on PointCorner: the earliest and latest checkpoints,
/// one row each, three phases (μφ's exploration, πθ,z, πθ,z′), the distinct held-out tasks with their goals, the
/// same paths as the procedure's own meta-evaluation trace after restoring the checkpoint, and a PNG whose goal
/// markers carry their task's colour.
@Test func planarPathsFigureOfAMAMERun() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("me-paths-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    let registry = FamilyRegistry.builtIn
    let config = try registry.configuration(algorithm: "mame", overrides: [
        "environment=PointCorner-v1", "meta.tasksPerBatch=2", "meta.trajectoriesPerTask=2", "modules.hiddenSizes=[8]",
        "modules.latentSize=4", "sampler.environmentCopies=4", "run.evalEpisodes=0", "run.checkpointInterval=800",
        "run.totalSteps=2400",
    ])
    try registry.train(config, in: folder)
    let urls = try PlanarPathsFigure.earlyAndLateCheckpoints(run: folder)
    #expect(urls.map(\.lastPathComponent) == ["step-0000000800.safetensors", "step-0000002400.safetensors"])
    let figure = try PlanarPathsFigure.fromCheckpoints(urls, registry: registry, tasks: 4, trajectories: 2, seed: 3)
    #expect(figure.rows.count == 2 && figure.rows.allSatisfy { $0.paths.phases.count == 3 })
    #expect(figure.rows[0].title == "after 800 environment steps")
    let goals = figure.rows[0].paths.goals
    #expect(Set(goals.map { "\($0.x),\($0.y)" }) == ["-2.0,-2.0", "2.0,-2.0", "-2.0,2.0", "2.0,2.0"])
    #expect(figure.rows[0].paths.landmarks.count == 4 && figure.rows[0].paths.landmarkRadius == 2)
    // The same numbers as the restored procedure's trace on the same tasks and seed.
    let state = try SafeTensorsCheckpointStore.read(urls[1])
    var options = TrainingSessionOptions(resumeFrom: state)
    options.showProgress = false
    let procedure = try #require(try TrainingSession.makeLoop(config, options: options).procedure as? MAMEProcedure)
    var tasks: [MetaTask] = []
    for t in procedure.heldOutTasks(count: 40) where !tasks.contains(t) && tasks.count < 4 { tasks.append(t) }
    let trace = try procedure.metaEvaluationTrace(tasks: tasks, trajectoriesPerTask: 2, steps: 1, seed: 3)
    let late = figure.rows[1].paths
    for (phase, batch) in zip(late.phases, [trace.explorationBatch, trace.batches[0], trace.batches[1]]) {
        let path = phase.paths[1][1]   // task 1, trajectory 1 = row 3
        #expect(path.count == batch.lengths[3])
        #expect(path[5].x == batch.observations[(3 * batch.horizon + 5) * 2] && path[5].y == batch.observations[(3 * batch.horizon + 5) * 2 + 1])
    }
    #expect(late.meanReturns == [trace.explorationBatch.averageReturn, trace.batches[0].averageReturn, trace.batches[1].averageReturn])
    // The PNG: written atomically, PNG signature, goal markers in their task's colour (first row, first panel).
    let png = folder.appendingPathComponent("paths.png")
    try figure.write(to: png)
    let bytes = [UInt8](try Data(contentsOf: png))
    #expect(Array(bytes.prefix(8)) == [137, 80, 78, 71, 13, 10, 26, 10])
    let image = figure.render()
    let (low, high) = figure.range
    for (i, g) in goals.enumerated() {
        let x = 12 + Int(((g.x - low) / (high - low) * Double(figure.panelSize - 1)).rounded())
        let y = 26 + 18 + 22 + figure.panelSize - 1 - Int(((g.y - low) / (high - low) * Double(figure.panelSize - 1)).rounded())
        #expect(image[x, y] == Color.series(i), "goal \(i)")
    }
}
