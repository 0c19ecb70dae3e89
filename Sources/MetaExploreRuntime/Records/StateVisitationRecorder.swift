import Foundation
import MetaExploreNN
import MetaExploreTensor

/// Keeps the states a run visits at the two ends of training, per acting policy, for the state-visitation analysis of
/// Xu et al. 2018 (Sec. 5.4, Figure 4: density of the states visited by the teacher, the student and DDPG "from the
/// first 50 roll-outs" and "the last 50 roll-outs", in a joint 2-D embedding).
///
/// For each source (`teacher`: D0 of a learned-exploration run; `student`: D1, the student's or look-ahead student's
/// rollouts; `behavior`: the exploring policy of an off-policy run such as DDPG) the recorder keeps the first
/// `window` observations it is shown (*early*) and, in a ring, the latest `window` (*late*). Observations are the raw
/// environment observations, as they enter the replay buffer. Recording draws no random numbers, so a run with
/// recording equals the same run without it; the recorder's contents are part of the run's checkpoints, so a resumed
/// run ends with the same record as an uninterrupted one.
public final class StateVisitationRecorder {
    /// The sources in a fixed order (for files and figures).
    public static let sourceOrder = ["teacher", "student", "behavior"]

    public let window: Int
    public let observationSize: Int

    struct Track {
        var early: [Double] = []
        /// Ring of the latest `window` observations; `head` is the slot the next one goes to once it is full.
        var late: [Double] = []
        var head = 0
        var count = 0

        mutating func record(_ observation: [Double], window: Int) {
            let size = observation.count
            if count < window { early.append(contentsOf: observation) }
            if late.count < window * size {
                late.append(contentsOf: observation)
            } else {
                let base = head * size
                for j in 0..<size { late[base + j] = observation[j] }
                head = (head + 1) % window
            }
            count += 1
        }
    }

    private(set) var tracks: [String: Track] = [:]

    public init(window: Int, observationSize: Int) {
        precondition(window > 0 && observationSize > 0, "StateVisitationRecorder: window and size must be positive")
        self.window = window
        self.observationSize = observationSize
    }

    /// Records one visited state of `source`.
    public func record(_ observation: [Double], source: String) {
        precondition(observation.count == observationSize, "StateVisitationRecorder: observation size mismatch")
        // Mutated in place through the dictionary's accessor: copying the track out and back would copy both
        // windows on every environment step.
        tracks[source, default: Track()].record(observation, window: window)
    }

    /// The sources recorded so far, in `sourceOrder` (then any others, sorted).
    public var sources: [String] {
        Self.sourceOrder.filter { tracks[$0] != nil } + tracks.keys.filter { !Self.sourceOrder.contains($0) }.sorted()
    }

    /// How many states `source` has visited in total.
    public func count(_ source: String) -> Int { tracks[source]?.count ?? 0 }

    /// The first (up to `window`) states of `source`, oldest first.
    public func early(_ source: String) -> [[Double]] { rows(tracks[source]?.early ?? []) }

    /// The latest (up to `window`) states of `source`, oldest first.
    public func late(_ source: String) -> [[Double]] {
        guard let t = tracks[source] else { return [] }
        let n = t.late.count / observationSize
        return (0..<n).map { k in
            let i = (t.head + k) % n
            return Array(t.late[i * observationSize..<(i + 1) * observationSize])
        }
    }

    private func rows(_ flat: [Double]) -> [[Double]] {
        stride(from: 0, to: flat.count, by: observationSize).map { Array(flat[$0..<$0 + observationSize]) }
    }

    // MARK: - Checkpoints and files

    public func saveState(into state: inout CheckpointState, prefix: String) {
        state.set(prefix + "window", window)
        state.set(prefix + "sources", sources.joined(separator: ","))
        for s in sources {
            let t = tracks[s]!
            state.set(prefix + s + ".count", t.count)
            state.set(prefix + s + ".head", t.head)
            state.add(prefix + s + ".early", Tensor(shape: [t.early.count / observationSize, observationSize],
                                                    doubles: t.early, dtype: .float64), copy: false)
            state.add(prefix + s + ".late", Tensor(shape: [t.late.count / observationSize, observationSize],
                                                   doubles: t.late, dtype: .float64), copy: false)
        }
    }

    public func restoreState(from state: CheckpointState, prefix: String) throws {
        guard state.metadata[prefix + "window"] != nil else {
            throw CheckpointStateError.incompatible(
                "the checkpoint has no state-visitation record (run.visitationWindow was 0 when it was written)")
        }
        let saved: Int = try state.value(prefix + "window")
        guard saved == window else {
            throw CheckpointStateError.incompatible("state-visitation window \(saved) in the checkpoint, \(window) configured")
        }
        let names = try state.value(prefix + "sources", as: String.self).split(separator: ",").map(String.init)
        var restored: [String: Track] = [:]
        for s in names {
            var t = Track()
            t.count = try state.value(prefix + s + ".count")
            t.head = try state.value(prefix + s + ".head")
            t.early = try state.tensor(prefix + s + ".early").doubles
            t.late = try state.tensor(prefix + s + ".late").doubles
            guard t.early.count == min(t.count, window) * observationSize,
                  t.late.count == min(t.count, window) * observationSize, t.head >= 0, t.head < max(window, 1) else {
                throw CheckpointStateError.incompatible("inconsistent state-visitation record for '\(s)'")
            }
            restored[s] = t
        }
        tracks = restored
    }

    /// Writes the record as a safetensors file (atomically): for each source `<source>.early` and `<source>.late`
    /// Writes the record to `visitation.safetensors` in a run folder (nothing without one), with the step reached.
    public func write(into runDirectory: RunDirectory?, step: Int) throws {
        guard let runDirectory else { return }
        try write(to: runDirectory.visitationURL, metadata: ["step": String(step)])
    }

    /// ([n, observation size], float64, oldest first), with `metadata` plus the window and each source's count.
    public func write(to url: URL, metadata: [String: String]) throws {
        var entries: [(name: String, tensor: Tensor)] = []
        var meta = metadata
        meta["window"] = String(window)
        meta["sources"] = sources.joined(separator: ",")
        for s in sources {
            let e = early(s), l = late(s)
            entries.append((s + ".early", Tensor(shape: [e.count, observationSize], doubles: e.flatMap { $0 },
                                                 dtype: .float64)))
            entries.append((s + ".late", Tensor(shape: [l.count, observationSize], doubles: l.flatMap { $0 },
                                                dtype: .float64)))
            meta[s + ".count"] = String(count(s))
        }
        try SafeTensors.write(entries, metadata: meta, to: url)
    }
}
