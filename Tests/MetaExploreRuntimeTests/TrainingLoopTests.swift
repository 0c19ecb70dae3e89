import Foundation
import MetaExploreEnvironments
import MetaExploreRuntime
import Testing

/// A procedure that counts: each unit takes `stepsPerUnit` steps, ends an episode every `episodeLength` steps and
/// measures the step count; its only state is the unit counter.
final class CountingProcedure: TrainingProcedure {
    let stepsPerUnit: Int
    let episodeLength: Int
    var units = 0
    var boundaryEvery = 1
    var nonFiniteAt: Int?
    var evaluatedAt: [Int] = []
    /// Called with the unit count after each unit.
    var onUnit: ((Int) -> Void)?

    init(stepsPerUnit: Int, episodeLength: Int = 10) {
        self.stepsPerUnit = stepsPerUnit
        self.episodeLength = episodeLength
    }

    var columns: [String] { ["units", "measured"] }
    var isAtCheckpointBoundary: Bool { units % boundaryEvery == 0 }

    func advance(step: Int) throws -> UnitReport {
        units += 1
        var report = UnitReport(steps: stepsPerUnit, updates: 1)
        let after = step + stepsPerUnit
        for end in stride(from: (step / episodeLength + 1) * episodeLength, through: after, by: episodeLength) {
            report.finishedEpisodes.append((Double(end), episodeLength))
        }
        let value = nonFiniteAt.map { after >= $0 } == true ? Double.nan : Double(after)
        report.measurements = [("measured", value)]
        onUnit?(units)
        return report
    }

    func evaluate(episodes: Int, seed: UInt64, step: Int) throws -> EvaluationResult {
        evaluatedAt.append(step)
        return EvaluationResult(step: step, returns: Array(repeating: Double(step), count: episodes))
    }

    func logValues() -> MetricsRecord { ["units": Double(units)] }
    func firstNonFiniteParameter() -> String? { nil }
    func saveState(into state: inout CheckpointState) { state.set("test.units", units) }
    func restoreState(from state: CheckpointState) throws { units = try state.value("test.units") }
}

@Suite struct TrainingLoopTests {
    func folder() -> URL { FileManager.default.temporaryDirectory.appendingPathComponent("me-loop-\(UUID().uuidString)") }

    /// Units of several steps: evaluations, records and checkpoints happen at the first unit end past each multiple
    /// of their interval, and the run ends at the first unit end at or past the budget.
    @Test func scheduleFollowsCrossedMultiples() throws {
        let procedure = CountingProcedure(stepsPerUnit: 30)
        let sink = InMemoryCheckpointSink()
        let loop = TrainingLoop(procedure: procedure,
                                schedule: RunSchedule(totalSteps: 200, evalInterval: 100, evalEpisodes: 2,
                                                      checkpointInterval: 50, logInterval: 40, seed: 1),
                                checkpointSink: sink)
        let summary = try loop.run()
        #expect(summary.steps == 210 && summary.interruption == nil)
        #expect(procedure.evaluatedAt == [120, 210])
        #expect(sink.checkpoints.map(\.step) == [60, 120, 150, 210])  // 200 is crossed by the last unit: final
        #expect(sink.checkpoints.map(\.reason) == [.periodic, .periodic, .periodic, .final])
        #expect(summary.episodes == 21 && summary.updates == 7)
    }

    /// Evaluation by finished episodes (a DREAM trial is one): at the first unit end past each multiple of
    /// `evalIntervalEpisodes`, with step-based evaluation off (`evalInterval` 0), and the final unit evaluated once.
    @Test func evaluationByFinishedEpisodes() throws {
        // 30 steps per unit, an episode every 10 steps: 3 episodes per unit; every 7 episodes → after units 3 (9
        // episodes), 5 (15), 7 (21), 10 (30, the final unit, whose evaluation is the crossing one).
        let procedure = CountingProcedure(stepsPerUnit: 30)
        let loop = TrainingLoop(procedure: procedure,
                                schedule: RunSchedule(totalSteps: 300, evalInterval: 0, evalEpisodes: 1, seed: 1,
                                                      evalIntervalEpisodes: 7))
        let summary = try loop.run()
        #expect(summary.episodes == 30)
        #expect(procedure.evaluatedAt == [90, 150, 210, 300])
        // Both cadences together: the union, one evaluation per unit end.
        let both = CountingProcedure(stepsPerUnit: 30)
        try TrainingLoop(procedure: both, schedule: RunSchedule(totalSteps: 300, evalInterval: 100, evalEpisodes: 1,
                                                                seed: 1, evalIntervalEpisodes: 7)).run()
        #expect(both.evaluatedAt == [90, 120, 150, 210, 300])
    }

    /// Records: common columns then the procedure's; measurements are averaged since the last record.
    @Test func recordsAverageMeasurementsSinceTheLastRecord() throws {
        let dir = folder()
        defer { try? FileManager.default.removeItem(at: dir) }
        let loop = TrainingLoop(procedure: CountingProcedure(stepsPerUnit: 10),
                                schedule: RunSchedule(totalSteps: 60, evalInterval: 1000, evalEpisodes: 0,
                                                      logInterval: 30, seed: 1),
                                runDirectory: try RunDirectory(url: dir))
        try loop.run()
        let rows = try String(contentsOf: dir.appendingPathComponent("progress.csv"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(rows[0] == ["step"] + TrainingLoop.commonColumns + ["units", "measured"])
        let measured = rows[0].firstIndex(of: "measured")!, units = rows[0].firstIndex(of: "units")!
        #expect(rows.count == 3)
        #expect(rows[1][0] == "30" && rows[1][measured] == "20" && rows[1][units] == "3")
        #expect(rows[2][0] == "60" && rows[2][measured] == "50" && rows[2][units] == "6")
    }

    /// A stop waits for a checkpoint boundary and writes an interrupted checkpoint; a loop restored from it writes
    /// the same records as an uninterrupted run (wall-clock columns aside), including the first record after the
    /// resume, whose means cover measurements made before the stop.
    @Test func stopAndResumeGiveTheUninterruptedRecords() throws {
        func rows(_ dir: URL) throws -> [String] {
            try String(contentsOf: dir.appendingPathComponent("progress.csv"), encoding: .utf8)
                .split(separator: "\n").map { line in
                    line.split(separator: ",", omittingEmptySubsequences: false).enumerated()
                        .filter { ![3, 4].contains($0.offset) }  // wall_time, steps_per_second
                        .map { String($0.element) }.joined(separator: ",")
                }
        }
        let schedule = RunSchedule(totalSteps: 100, evalInterval: 50, evalEpisodes: 1, logInterval: 30, seed: 3)
        let straightDir = folder(), splitDir = folder()
        defer { for d in [straightDir, splitDir] { try? FileManager.default.removeItem(at: d) } }
        let straight = CountingProcedure(stepsPerUnit: 10)
        straight.boundaryEvery = 4
        try TrainingLoop(procedure: straight, schedule: schedule, runDirectory: try RunDirectory(url: straightDir)).run()

        let first = CountingProcedure(stepsPerUnit: 10)
        first.boundaryEvery = 4
        let stop = StopRequest()
        first.onUnit = { if $0 == 2 { stop.request(reason: "test") } }
        let sink = InMemoryCheckpointSink()
        let interrupted = try TrainingLoop(procedure: first, schedule: schedule,
                                           runDirectory: try RunDirectory(url: splitDir), checkpointSink: sink,
                                           stop: stop).run()
        #expect(interrupted.interruption == "test" && interrupted.steps == 40)  // ran on to the boundary at unit 4
        #expect(sink.checkpoints.map(\.reason) == [.interrupted])

        let second = CountingProcedure(stepsPerUnit: 10)
        second.boundaryEvery = 4
        let resumed = TrainingLoop(procedure: second, schedule: schedule, runDirectory: try RunDirectory(url: splitDir))
        try resumed.restoreState(sink.latest!)
        #expect(resumed.step == 40 && second.units == 4)
        let summary = try resumed.run()
        #expect(summary.steps == 100 && summary.interruption == nil)
        #expect(try rows(splitDir) == rows(straightDir))
    }

    /// A non-finite measurement stops the run with an error naming the step and the measurement.
    @Test func nonFiniteMeasurementStopsTheRun() throws {
        let procedure = CountingProcedure(stepsPerUnit: 10)
        procedure.nonFiniteAt = 40
        let loop = TrainingLoop(procedure: procedure, schedule: RunSchedule(totalSteps: 100, evalEpisodes: 0, seed: 1))
        #expect(throws: TrainingError.diverged(step: 40, what: "measured", lastCheckpoint: nil)) { try loop.run() }
        #expect(TrainingError.diverged(step: 40, what: "measured", lastCheckpoint: nil).description
            .contains("no checkpoint was written before it"))
    }
}

/// A two-action environment: learners that need a continuous box refuse it with a message naming the space.
final class TwoDoors: Environment {
    let observationSpace = Box.unbounded(2)
    let actionSpace = Space.discrete(Discrete(2))
    func reset(seed: UInt64?, options: [String: Double]) throws -> (observation: [Double], info: Info) { ([0, 0], Info()) }
    func step(_ action: [Double]) throws -> StepResult { StepResult(observation: [0, 0], reward: 0, terminated: true, truncated: false) }
}

@Test func aDiscreteActionSpaceIsRefusedWhereABoxIsNeeded() {
    #expect(throws: TrainingSetupError.self) {
        _ = try TwoDoors().boundedActionBox(id: "TwoDoors", observationSize: 2, actionSize: 1)
    }
    do {
        _ = try TwoDoors().boundedActionBox(id: "TwoDoors", observationSize: 2, actionSize: 1)
    } catch {
        #expect("\(error)".contains("TwoDoors") && "\(error)".contains("Discrete"), "\(error)")
    }
    #expect(throws: TrainingSetupError.self) {
        _ = try GoalBox().boundedActionBox(id: "GoalBox", observationSize: 3, actionSize: 1)  // wrong sizes
    }
}

final class GoalBox: Environment {
    let observationSpace = Box.unbounded(2)
    let actionSpace = Space.box(Box(low: [-1], high: [1]))
    func reset(seed: UInt64?, options: [String: Double]) throws -> (observation: [Double], info: Info) { ([0, 0], Info()) }
    func step(_ action: [Double]) throws -> StepResult { StepResult(observation: [0, 0], reward: 0, terminated: true, truncated: false) }
}

@Test func theProgressLineSaysWhenALastIterationRanPastTheBudget() {
    let during = ProgressReporter.format(step: 3000, totalSteps: 6000, elapsed: 1, stepsDone: 3000, trainReturn: nil,
                                         evalReturn: -150)
    #expect(during.hasPrefix("step 3000/6000 (50.0%)"))
    let after = ProgressReporter.format(step: 6200, totalSteps: 6000, elapsed: 2, stepsDone: 6200, trainReturn: nil,
                                        evalReturn: nil)
    #expect(after.hasPrefix("step 6200 (budget 6000 reached, 200 past it to finish the last iteration)"), "\(after)")
    #expect(!after.contains("%"))
}

/// A procedure whose policy produces NaN actions: the run stops with a divergence, not the environment's complaint.
final class NaNActionProcedure: TrainingProcedure {
    var columns: [String] { [] }
    func advance(step: Int) throws -> UnitReport {
        if step >= 20 { throw EnvironmentError.nonFiniteAction(index: 0, value: .nan) }
        return UnitReport(steps: 10)
    }
    func evaluate(episodes: Int, seed: UInt64, step: Int) throws -> EvaluationResult { EvaluationResult(step: step, returns: []) }
    func firstNonFiniteParameter() -> String? { nil }
    func saveState(into state: inout CheckpointState) {}
    func restoreState(from state: CheckpointState) throws {}
}

@Test func nanActionsAreReportedAsDivergence() throws {
    let sink = InMemoryCheckpointSink()
    let loop = TrainingLoop(procedure: NaNActionProcedure(),
                            schedule: RunSchedule(totalSteps: 100, evalEpisodes: 0, checkpointInterval: 10, seed: 1),
                            checkpointSink: sink)
    do {
        try loop.run()
        Issue.record("NaN actions did not stop the run")
    } catch let error as TrainingError {
        guard case let .diverged(step, what, last) = error else { Issue.record("\(error)"); return }
        #expect(step == 20 && what.contains("action") && last == 20, "\(error)")
    }
}
