import ArgumentParser
import Foundation
import MetaExplore

/// `metaexplore bench envs`: environment steps per second, single and vectorized, against Gymnasium.
struct BenchEnvs: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "envs",
        abstract: "Environment steps per second for each environment, and Gymnasium's rate when it is installed.",
        discussion: """
            For every environment: one Swift environment on one thread (random actions from a pre-drawn pool, \
            resets included), a VectorEnvironment of --vector-count copies on all cores, and — if \
            `python3 -c 'import gymnasium'` works — Gymnasium's single-environment rate from gymnasium.make in a \
            Python subprocess in the same run, with the ratio Swift/Gymnasium. Also HalfCheetah's ceiling: the \
            environment's own simulation steps (same resets, actions and states) without the observation and \
            reward work, which bounds the environment's rate. The last line is min_ratio_vs_gymnasium=<number> (or =n/a).
            """)

    @Option(help: "Seconds per measurement.")
    var seconds: Double = 0.5

    @Option(help: "Copies in the vectorized measurement.")
    var vectorCount: Int = 8

    @Option(help: "Worker threads for the vectorized measurement (default: all cores).")
    var threads: Int?

    @Option(help: "Comma-separated environment ids (default: every registered Gymnasium environment; the meta-RL task families have no Gymnasium counterpart).")
    var envs: String?

    @Flag(help: "Skip the Gymnasium comparison.")
    var noGymnasium = false

    @Option(help: "Alternating Swift/Gymnasium rounds per environment; the best round of each side is reported.")
    var rounds: Int = 2

    mutating func run() throws {
        let ids = envs.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
            ?? Registry.ids.filter { id in !((try? make(id))?.unwrapped is any TaskEnvironment) }
        for id in ids { _ = try Registry.spec(id) }
        #if DEBUG
            print("warning: this is a debug build; benchmark numbers are only meaningful with `-c release`")
        #endif
        let gymnasium = noGymnasium ? nil : GymnasiumProbe()
        defer { gymnasium?.close() }
        print("environment                  swift_single/s  swift_vec\(vectorCount)/s  gymnasium/s  ratio_vs_gymnasium")
        var ratios: [Double] = []
        var cheetahSingle: Double?
        for id in ids {
            // Alternate the two sides so that load from other processes affects both alike.
            var single = 0.0
            var gym: Double?
            for _ in 0..<max(1, rounds) {
                single = max(single, try EnvironmentBenchmark.singleRate(id, seconds: seconds))
                if let g = gymnasium?.rate(id, seconds: seconds) { gym = max(gym ?? 0, g) }
            }
            let vector = try EnvironmentBenchmark.vectorRate(id, count: vectorCount, threads: threads, seconds: seconds)
            if id == "HalfCheetah-v5" { cheetahSingle = single }
            var gymText = "n/a", ratioText = "n/a"
            if let g = gym, g > 0 {
                gymText = Self.format(g)
                ratioText = String(format: "%.2f", single / g)
                ratios.append(single / g)
            }
            print(
                id.padding(toLength: 28, withPad: " ", startingAt: 0)
                    + Self.pad(Self.format(single), 15) + Self.pad(Self.format(vector), 15)
                    + Self.pad(gymText, 13) + Self.pad(ratioText, 20))
        }
        // The ceiling: the environment's own physics alone. A HalfCheetah-v5 environment is reset as the
        // environment benchmark resets it and stepped with the same actions, but only the simulation part of
        // `step` runs (ctrl ← action, frame_skip × mj_step, mj_rnePostConstraint, as `MuJoCoModel.simulate`), so
        // it visits the same states and does a subset of the same work: the environment's rate cannot exceed it.
        // (The free-running `mj_step` loop from `mj_resetData` alone, kept for comparison, is no such bound: it
        // simulates other states — see the tensor module README, "bench envs ceiling".)
        var physics = 0.0, raw = 0.0
        for _ in 0..<max(1, rounds) {
            physics = max(physics, try Self.physicsOnlyRate(seconds: seconds))
            raw = max(raw, try EnvironmentBenchmark.rawMuJoCoRate(asset: "half_cheetah.xml", frameSkip: 5, seconds: seconds))
        }
        var line = "HalfCheetah-v5 physics only (reset, ctrl, 5 × mj_step, mj_rnePostConstraint): ceiling "
            + "\(Self.format(physics)) env steps/s"
        if let c = cheetahSingle { line += String(format: "; HalfCheetah single = %.1f%% of ceiling", 100 * c / physics) }
        print(line)
        print("free-running mj_step from mj_resetData (not a bound): \(Self.format(raw)) mj_step/s = "
            + "\(Self.format(raw / 5)) env steps/s at frame_skip 5")
        print(
            "cores: \(ProcessInfo.processInfo.activeProcessorCount), vectorized threads: \(threads.map(String.init) ?? "all"); "
                + "Gymnasium through gymnasium.make (default wrappers); best of \(max(1, rounds)) alternating rounds")
        if let m = ratios.min(), !ratios.isEmpty {
            print(String(format: "min_ratio_vs_gymnasium=%.3f", m))
        } else {
            print("min_ratio_vs_gymnasium=n/a")
        }
    }

    /// Environment steps per second of HalfCheetah-v5's simulation alone, on the states the environment visits:
    /// the same reset (seed 0, reset noise), the same action pool as `EnvironmentBenchmark.singleRate`, the same
    /// control write (float32-rounded) and `simulate(frames:)`, a reset every 1000 steps (the time limit).
    static func physicsOnlyRate(seconds: Double) throws -> Double {
        let env = try HalfCheetah()
        let sim = env.simulation
        var rng = RandomStream(seed: 1)
        let pool = (0..<1024).map { _ in env.actionSpace.sample(using: &rng) }
        _ = try env.reset(seed: 0)
        var k = 0, inEpisode = 0
        func run(_ steps: Int) throws {
            let ctrl = sim.ctrl
            for _ in 0..<steps {
                let a = pool[k & 1023]
                for i in 0..<ctrl.count { ctrl[i] = Double(Float(a[i])) }
                sim.simulate(frames: env.frameSkip)
                k &+= 1
                inEpisode += 1
                if inEpisode == 1000 {
                    _ = try env.reset(seed: nil)
                    inEpisode = 0
                }
            }
        }
        try run(200)
        let start = DispatchTime.now().uptimeNanoseconds
        let budget = UInt64(max(seconds, 0.01) * 1e9)
        var n = 0
        var elapsed: UInt64 = 0
        repeat {
            try run(200)
            n += 200
            elapsed = DispatchTime.now().uptimeNanoseconds - start
        } while elapsed < budget
        return Double(n) / (Double(elapsed) / 1e9)
    }

    static func format(_ x: Double) -> String { String(format: "%.0f", x) }
    static func pad(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(1, n - s.count)) + s }
}

/// A Python subprocess that measures Gymnasium's single-environment rate on request, so Swift and Gymnasium
/// measurements can alternate within one run. Absent Gymnasium, `init` returns nil.
final class GymnasiumProbe {
    private let process = Process()
    private let input = Pipe()
    private let output = Pipe()
    private var buffer = Data()

    static let script = """
        import sys, time
        import gymnasium as gym
        envs = {}
        print("ready", flush=True)
        for line in sys.stdin:
            env_id, seconds = line.split()
            seconds = float(seconds)
            if env_id not in envs:
                env = gym.make(env_id)
                env.action_space.seed(1)
                envs[env_id] = (env, [env.action_space.sample() for _ in range(1024)])
            env, pool = envs[env_id]
            env.reset(seed=0)
            k = 0
            def run(n):
                global k
                for _ in range(n):
                    _, _, term, trunc, _ = env.step(pool[k & 1023]); k += 1
                    if term or trunc: env.reset()
            run(200)
            start = time.perf_counter(); n = 0
            while True:
                run(200); n += 200
                elapsed = time.perf_counter() - start
                if elapsed >= seconds: break
            print(n / elapsed, flush=True)
        """

    init?() {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", Self.script]
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        guard readLine() == "ready" else {
            close()
            return nil
        }
    }

    /// Gymnasium's steps per second for `id`, or nil if the subprocess failed.
    func rate(_ id: String, seconds: Double) -> Double? {
        guard process.isRunning else { return nil }
        input.fileHandleForWriting.write(Data("\(id) \(seconds)\n".utf8))
        return readLine().flatMap(Double.init)
    }

    func close() {
        try? input.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    private func readLine() -> String? {
        while true {
            if let i = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[buffer.startIndex..<i], as: UTF8.self)
                buffer = Data(buffer[(i + 1)...])
                return line
            }
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { return nil }
            buffer.append(chunk)
        }
    }
}
