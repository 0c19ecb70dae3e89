import Dispatch
import MetaExploreRandom

/// Throughput measurements for `metaexplore bench envs`.
///
/// Actions come from a pre-drawn pool (so the measurement is of the environment, not the random generator),
/// episodes end through the registered time limit or termination and are reset inside the timed loop.
public enum EnvironmentBenchmark {
    /// Environment steps per second of one `make(id)` environment on the calling thread, measured for about
    /// `seconds` after a short warm-up.
    public static func singleRate(_ id: String, seconds: Double) throws -> Double {
        let env = try make(id)
        var rng = RandomStream(seed: 1)
        let pool = (0..<1024).map { _ in env.actionSpace.sample(using: &rng) }
        _ = try env.reset(seed: 0)
        var k = 0
        func run(_ steps: Int) throws {
            for _ in 0..<steps {
                let r = try env.step(pool[k & 1023])
                k &+= 1
                if r.terminated || r.truncated { _ = try env.reset(seed: nil) }
            }
        }
        try run(200)
        return try timed(seconds: seconds, batch: 200, run)
    }

    /// Environment steps per second (copies × batch steps) of a `VectorEnvironment` with `count` copies.
    public static func vectorRate(_ id: String, count: Int, threads: Int? = nil, seconds: Double) throws -> Double {
        let venv = try VectorEnvironment(id: id, count: count, threads: threads)
        var rng = RandomStream(seed: 2)
        let pool = (0..<64).map { _ in venv.sampleActions(using: &rng) }
        _ = try venv.reset(seed: 0)
        var k = 0
        func run(_ steps: Int) throws {
            for _ in 0..<steps {
                _ = try venv.step(pool[k & 63])
                k &+= 1
            }
        }
        try run(10)
        return try Double(count) * timed(seconds: seconds, batch: 20, run)
    }

    /// Raw `mj_step` calls per second on one model under the same workload as the environment (a new random
    /// control from the action pool every `frameSkip` steps, `mj_resetData` every 1000 environment steps), with
    /// nothing else: no observation, reward or `mj_rnePostConstraint`. This is the simulator's ceiling; divide by
    /// the frame skip for the environment-step ceiling.
    public static func rawMuJoCoRate(asset: String, frameSkip: Int, seconds: Double) throws -> Double {
        let sim = try MuJoCoModel(asset: asset)
        let range = sim.ctrlRange
        var rng = RandomStream(seed: 1)
        let box = Box(low: range.low, high: range.high, dtype: .float32)
        let pool = (0..<1024).map { _ in box.sample(using: &rng) }
        sim.resetData()
        var k = 0
        func run(_ steps: Int) {
            let ctrl = sim.ctrl
            for _ in 0..<steps {
                if k % frameSkip == 0 {
                    let a = pool[(k / frameSkip) & 1023]
                    for i in 0..<ctrl.count { ctrl[i] = a[i] }
                }
                sim.rawStep()
                k += 1
                if k % (1000 * frameSkip) == 0 { sim.resetData() }
            }
        }
        run(1000)
        return timed(seconds: seconds, batch: 1000, run)
    }

    /// Calls `body(batch)` until `seconds` have passed; returns iterations per second.
    static func timed(seconds: Double, batch: Int, _ body: (Int) throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        let budget = UInt64(max(seconds, 0.01) * 1e9)
        var n = 0
        var elapsed: UInt64 = 0
        repeat {
            try body(batch)
            n += batch
            elapsed = DispatchTime.now().uptimeNanoseconds - start
        } while elapsed < budget
        return Double(n) / (Double(elapsed) / 1e9)
    }
}
