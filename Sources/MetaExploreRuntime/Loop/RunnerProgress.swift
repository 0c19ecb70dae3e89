import Foundation

/// The bookkeeping every trainer checkpoints under "runner.": counters, recent training returns, the evaluation
/// history (means only), the run seed and the training wall-clock time so far (`runner.wall_time`, seconds summed
/// over every process that worked on the run, so logged `wall_time` keeps counting across resumes; a measurement,
/// the one saved value a resumed run does not reproduce), plus the run's extra metadata (configuration, versions).
struct RunnerProgress {
    var step: Int
    var episodes: Int
    var updates: Int
    var recentReturns: [Double]
    var evaluations: [EvaluationResult]
    var wallTime: Double

    /// The metadata key of the wall-clock time (excluded when comparing a resumed run with an uninterrupted one).
    static let wallTimeKey = "runner.wall_time"

    func save(into state: inout CheckpointState, seed: UInt64, extraMetadata: [String: String]) {
        state.set("runner.step", step)
        state.set("runner.episodes", episodes)
        state.set("runner.updates", updates)
        state.setDoubles("runner.recent_returns", recentReturns)
        state.setDoubles("runner.evaluation_steps", evaluations.map { Double($0.step) })
        state.setDoubles("runner.evaluation_means", evaluations.map(\.mean))
        // Every evaluation's returns, so a resumed run's summary reports their spread and count.
        state.setDoubles("runner.evaluation_counts", evaluations.map { Double($0.returns.count) })
        state.setDoubles("runner.evaluation_returns", evaluations.flatMap(\.returns))
        state.set("runner.schedule.seed", seed)
        state.set(Self.wallTimeKey, wallTime)
        for (k, v) in extraMetadata { state.metadata[k] = v }
    }

    /// Reads the progress back after checking that the checkpoint belongs to a run with this seed. Only the means of
    /// past evaluations are kept, so restored evaluations hold one value each.
    static func restore(from state: CheckpointState, seed: UInt64) throws -> RunnerProgress {
        let saved: UInt64 = try state.value("runner.schedule.seed")
        guard saved == seed else {
            throw CheckpointStateError.incompatible("checkpoint seed \(saved), this run has seed \(seed)")
        }
        let evalSteps = try state.doubles("runner.evaluation_steps")
        let evalMeans = try state.doubles("runner.evaluation_means")
        var evaluations = zip(evalSteps, evalMeans).map { EvaluationResult(step: Int($0), returns: [$1]) }
        if let counts = try? state.doubles("runner.evaluation_counts"), counts.count == evalSteps.count,
           let all = try? state.doubles("runner.evaluation_returns"), Int(counts.reduce(0, +)) == all.count {
            var offset = 0
            for (i, c) in counts.enumerated() {
                evaluations[i].returns = Array(all[offset..<(offset + Int(c))])
                offset += Int(c)
            }
        }  // older checkpoints kept only the means
        return RunnerProgress(
            step: try state.value("runner.step"), episodes: try state.value("runner.episodes"),
            updates: try state.value("runner.updates"), recentReturns: try state.doubles("runner.recent_returns"),
            evaluations: evaluations,
            wallTime: state.metadata[wallTimeKey].flatMap(Double.init) ?? 0)  // absent from older checkpoints
    }
}

/// Training wall-clock time that keeps counting across resumes: the time restored from a checkpoint plus the time
/// since the current `run()` started.
struct WallClock {
    private var before = 0.0
    private var start: Double?

    static var now: Double { Date().timeIntervalSince1970 }

    /// Seconds of training so far.
    var elapsed: Double { start.map { WallClock.now - $0 + before } ?? before }

    mutating func begin() { start = WallClock.now }
    mutating func end() { before = elapsed; start = nil }
    mutating func restore(_ seconds: Double) { before = seconds; start = start.map { _ in WallClock.now } }
}

/// Means of the measurements reported since the last log record (losses, Q values, meta-rewards …), with the
/// runner's divergence check: a non-finite value stops the run.
struct MetricAccumulator {
    private var sums: [String: Double] = [:]
    private var counts: [String: Double] = [:]

    mutating func add(_ key: String, _ value: Double, step: Int) throws {
        guard value.isFinite else { throw TrainingError.nonFinite(step: step, what: key) }
        sums[key, default: 0] += value
        counts[key, default: 0] += 1
    }

    /// Forgets what `key` accumulated (for columns logged as their latest value).
    mutating func restart(_ key: String) { sums[key] = nil; counts[key] = nil }

    /// The means since the last call, then starts over.
    mutating func drain() -> MetricsRecord {
        var means: MetricsRecord = [:]
        for (k, s) in sums { means[k] = s / counts[k]! }
        sums = [:]
        counts = [:]
        return means
    }

    init() {}

    /// Saves the sums and counts since the last record (exact decimal text, which reads back to the same bits), so
    /// the first record after a resume averages the same measurements as an uninterrupted run's.
    func save(into state: inout CheckpointState, prefix: String) {
        let keys = sums.keys.sorted()
        state.metadata[prefix + "keys"] = keys.joined(separator: "\n")
        for k in keys {
            state.metadata[prefix + k + ".sum"] = "\(sums[k]!)"
            state.metadata[prefix + k + ".count"] = "\(counts[k]!)"
        }
    }

    /// Reads what `save` wrote (a checkpoint without it, from before it was saved, starts empty).
    init(from state: CheckpointState, prefix: String) throws {
        guard let list = state.metadata[prefix + "keys"], !list.isEmpty else { return }
        for k in list.split(separator: "\n").map(String.init) {
            guard let s = state.metadata[prefix + k + ".sum"].flatMap(Double.init),
                  let c = state.metadata[prefix + k + ".count"].flatMap(Double.init) else {
                throw CheckpointStateError.missingMetadata(prefix + k)
            }
            sums[k] = s
            counts[k] = c
        }
    }
}
