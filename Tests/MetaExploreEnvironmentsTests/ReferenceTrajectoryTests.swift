import Foundation
import MetaExploreEnvironments
import Testing

/// A trajectory recorded from Gymnasium by `scripts/reference/record_trajectories.py`.
struct ReferenceTrajectory {
    struct Header: Decodable {
        let id: String
        let options: [String: Double]
        let gymnasium: String
        let mujoco: String
        let max_episode_steps: Int
        let state_dim: Int
        let obs_dim: Int
        let act_dim: Int
        let info_keys: [String]
        let reset_info_keys: [String]
        let episodes: [Int]
    }

    let header: Header
    let values: [Double]

    /// The fixture directory: `METAEXPLORE_FIXTURES_DIR` (used by `scripts/reference/check_live.sh`) or the
    /// test bundle's copy of `Fixtures`.
    static var directory: URL {
        if let dir = ProcessInfo.processInfo.environment["METAEXPLORE_FIXTURES_DIR"], !dir.isEmpty {
            return URL(fileURLWithPath: dir)
        }
        return Bundle.module.resourceURL!.appendingPathComponent("Fixtures")
    }

    init(name: String) throws {
        let data = try Data(contentsOf: ReferenceTrajectory.directory.appendingPathComponent("\(name).traj"))
        guard let newline = data.firstIndex(of: 0x0A) else { throw CocoaError(.fileReadCorruptFile) }
        header = try JSONDecoder().decode(Header.self, from: data[data.startIndex..<newline])
        let body = data[(newline + 1)...]
        values = body.withUnsafeBytes { raw in
            (0..<(raw.count / 8)).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self))) }
        }
    }
}

struct ReplayReport: CustomStringConvertible {
    var id: String
    var steps = 0
    var episodes = 0
    var terminations = 0
    var truncations = 0
    var maxObservationDelta = 0.0
    var maxRewardDelta = 0.0
    var maxInfoDelta = 0.0
    var flagMismatches = 0

    var description: String {
        "\(id): steps=\(steps) episodes=\(episodes) terminated=\(terminations) truncated=\(truncations) "
            + "max|Δobs|=\(maxObservationDelta) max|Δreward|=\(maxRewardDelta) max|Δinfo|=\(maxInfoDelta) "
            + "flag_mismatches=\(flagMismatches)"
    }
}

/// Replays a Gymnasium trajectory through the public API and measures the largest differences.
func replay(_ name: String) throws -> ReplayReport {
    let t = try ReferenceTrajectory(name: name)
    let h = t.header
    let env = try make(h.id, options: h.options, maxEpisodeSteps: h.max_episode_steps)
    var report = ReplayReport(id: name)
    var p = 0
    func take(_ n: Int) -> ArraySlice<Double> {
        defer { p += n }
        return t.values[p..<(p + n)]
    }
    func delta(_ a: [Double], _ b: ArraySlice<Double>) -> Double {
        precondition(a.count == b.count, "length mismatch \(a.count) vs \(b.count)")
        return zip(a, b).map { $0 == $1 ? 0 : abs($0 - $1) }.max() ?? 0
    }
    for (episode, length) in h.episodes.enumerated() {
        _ = try env.reset(seed: UInt64(episode))
        let state = Array(take(h.state_dim))
        let observation: [Double]
        var resetInfo = Info()
        if let pendulum = env.unwrapped as? Pendulum {
            observation = pendulum.setState(theta: state[0], thetaDot: state[1])
        } else {
            let mj = env.unwrapped as! MuJoCoEnvironment
            let nq = mj.simulation.nq
            observation = try mj.setState(qpos: Array(state[0..<nq]), qvel: Array(state[nq...]))
            resetInfo = mj.stateInfo
        }
        report.maxObservationDelta = max(report.maxObservationDelta, delta(observation, take(h.obs_dim)))
        let expectedResetInfo = take(h.reset_info_keys.count)
        for (k, key) in h.reset_info_keys.enumerated() {
            let v = resetInfo[key] ?? .nan
            report.maxInfoDelta = max(report.maxInfoDelta, v == expectedResetInfo[expectedResetInfo.startIndex + k] ? 0 : abs(v - expectedResetInfo[expectedResetInfo.startIndex + k]))
        }
        report.episodes += 1
        for _ in 0..<length {
            let action = Array(take(h.act_dim))
            let r = try env.step(action)
            report.maxObservationDelta = max(report.maxObservationDelta, delta(r.observation, take(h.obs_dim)))
            let reward = take(1).first!
            report.maxRewardDelta = max(report.maxRewardDelta, r.reward == reward ? 0 : abs(r.reward - reward))
            let terminated = take(1).first! == 1, truncated = take(1).first! == 1
            if r.terminated != terminated || r.truncated != truncated { report.flagMismatches += 1 }
            if terminated { report.terminations += 1 }
            if truncated { report.truncations += 1 }
            let info = take(h.info_keys.count)
            for (k, key) in h.info_keys.enumerated() {
                let v = r.info[key] ?? .nan
                let e = info[info.startIndex + k]
                report.maxInfoDelta = max(report.maxInfoDelta, v == e ? 0 : abs(v - e))
            }
            report.steps += 1
        }
    }
    precondition(p == t.values.count, "trajectory not fully consumed")
    return report
}

@Suite("Gymnasium reference trajectories")
struct ReferenceTrajectoryTests {
    static let names = [
        "Pendulum-v1", "InvertedPendulum-v5", "InvertedDoublePendulum-v5", "Reacher-v5", "Hopper-v5",
        "HalfCheetah-v5", "Walker2d-v5", "Ant-v5",
        "HalfCheetah-v5-options", "Hopper-v5-options", "Ant-v5-options",
    ]

    @Test("replays match Gymnasium within 1e-9 with identical flags", arguments: names)
    func replayMatches(name: String) throws {
        let report = try replay(name)
        print("[reference] \(report)")
        #expect(report.steps >= (name.hasSuffix("-options") ? 300 : 1000))
        #expect(report.maxObservationDelta <= 1e-9)
        #expect(report.maxRewardDelta <= 1e-9)
        #expect(report.maxInfoDelta <= 1e-9)
        #expect(report.flagMismatches == 0)
        #expect(report.episodes > 1, "the trajectory should include resets")
    }
}
