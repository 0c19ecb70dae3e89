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
            Python subprocess in the same run, with the ratio Swift/Gymnasium. Also the raw mj_step rate of \
            HalfCheetah (the simulator's ceiling). The last line is min_ratio_vs_gymnasium=<number> (or =n/a).
            """)

    @Option(help: "Seconds per measurement.")
    var seconds: Double = 0.7

    @Option(help: "Copies in the vectorized measurement.")
    var vectorCount: Int = 8

    @Option(help: "Worker threads for the vectorized measurement (default: all cores).")
    var threads: Int?

    @Option(help: "Comma-separated environment ids (default: all registered).")
    var envs: String?

    @Flag(help: "Skip the Gymnasium comparison.")
    var noGymnasium = false

    mutating func run() throws {
        let ids = envs.map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } } ?? Registry.ids
        for id in ids { _ = try Registry.spec(id) }

        #if DEBUG
            print("warning: this is a debug build; benchmark numbers are only meaningful with `-c release`")
        #endif
        let gymnasium = noGymnasium ? nil : Self.gymnasiumRates(ids, seconds: seconds)
        print("environment                  swift_single/s  swift_vec\(vectorCount)/s  gymnasium/s  ratio_vs_gymnasium")
        var ratios: [Double] = []
        var cheetahSingle: Double?
        for id in ids {
            let single = try EnvironmentBenchmark.singleRate(id, seconds: seconds)
            let vector = try EnvironmentBenchmark.vectorRate(id, count: vectorCount, threads: threads, seconds: seconds)
            if id == "HalfCheetah-v5" { cheetahSingle = single }
            var gymText = "n/a", ratioText = "n/a"
            if let g = gymnasium?[id], g > 0 {
                gymText = Self.format(g)
                ratioText = String(format: "%.2f", single / g)
                ratios.append(single / g)
            }
            print(
                id.padding(toLength: 28, withPad: " ", startingAt: 0)
                    + Self.pad(Self.format(single), 15) + Self.pad(Self.format(vector), 15)
                    + Self.pad(gymText, 13) + Self.pad(ratioText, 20))
        }
        let raw = try EnvironmentBenchmark.rawMuJoCoRate(asset: "half_cheetah.xml", frameSkip: 5, seconds: seconds)
        let ceiling = raw / 5
        var line = "raw mj_step HalfCheetah: \(Self.format(raw))/s -> ceiling \(Self.format(ceiling)) env steps/s (frame_skip 5)"
        if let c = cheetahSingle { line += String(format: "; HalfCheetah single = %.1f%% of ceiling", 100 * c / ceiling) }
        print(line)
        print(
            "cores: \(ProcessInfo.processInfo.activeProcessorCount), vectorized threads: \(threads.map(String.init) ?? "all"); "
                + "Gymnasium measured through gymnasium.make (its default wrappers), same action pool scheme")
        if let m = ratios.min(), gymnasium != nil {
            print(String(format: "min_ratio_vs_gymnasium=%.3f", m))
        } else {
            print("min_ratio_vs_gymnasium=n/a")
        }
    }

    static func format(_ x: Double) -> String { String(format: "%.0f", x) }
    static func pad(_ s: String, _ n: Int) -> String { String(repeating: " ", count: max(1, n - s.count)) + s }

    /// Gymnasium's steps per second for each id, measured by a Python subprocess; nil if Gymnasium is absent.
    static func gymnasiumRates(_ ids: [String], seconds: Double) -> [String: Double]? {
        let script = """
            import json, sys, time
            import gymnasium as gym
            ids = sys.argv[1].split(","); seconds = float(sys.argv[2]); out = {}
            for env_id in ids:
                env = gym.make(env_id)
                env.action_space.seed(1)
                pool = [env.action_space.sample() for _ in range(1024)]
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
                out[env_id] = n / elapsed
                env.close()
            print(json.dumps(out))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, ids.joined(separator: ","), String(seconds)]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let line = String(data: data, encoding: .utf8)?.split(separator: "\n").last,
            let json = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Double]
        else { return nil }
        return json
    }
}
