import ArgumentParser
import Foundation
import MetaExplore

/// `metaexplore bench mame`: seconds per MAME iteration (`mame` defaults: exploration samples with μφ, the inner
/// step on z, post-update samples with πθ,z′, the outer step through the inner step with the low-variance
/// estimator) beside seconds per MAML-TRPO meta-iteration (`maml-trpo` defaults) on the same task family and batch
/// (tasks × trajectories × horizon, pre- and post-update), each the median over `--repeats` after one warm-up, with
/// the time of each phase.
struct BenchMAME: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mame",
        abstract: "Time one MAME iteration beside one MAML-TRPO meta-iteration on the same task and batch.")

    @Option(help: "Task family.") var env = "PointCorner-v1"
    @Option(help: "Tasks per meta-batch.") var tasks = 40
    @Option(help: "Trajectories per task (exploration / pre-update and post-update each).") var trajectories = 20
    @Option(help: "Episode length (0: the family's time limit).") var horizon = 0
    @Option(help: "Timed repeats per measurement (the median is reported, after one warm-up).") var repeats = 3
    @Option(help: "Sampler threads.") var threads = 1
    @Option(help: "Run seed (tasks, initialization, samples).") var seed: UInt64 = 0

    func validate() throws {
        guard tasks > 0, trajectories > 0, horizon >= 0, repeats > 0, threads > 0 else {
            throw ValidationError("--tasks, --trajectories, --repeats and --threads must be positive, --horizon ≥ 0")
        }
    }

    /// Prints the phases and the total of one algorithm's iteration; returns the total (seconds).
    func time(_ algorithm: String, label: String) throws -> Double {
        let config = try FamilyRegistry.builtIn.configuration(algorithm: algorithm, overrides: [
            "environment=\(env)", "meta.tasksPerBatch=\(tasks)", "meta.trajectoriesPerTask=\(trajectories)",
            "meta.horizon=\(horizon)", "sampler.threads=\(threads)", "run.seed=\(seed)",
        ])
        let h = horizon > 0 ? horizon : try Registry.spec(env).maxEpisodeSteps
        let procedure = try config.makeProcedure { try make(env, maxEpisodeSteps: h) }
        var phases: [String: [Double]] = [:]
        var step = 0
        let total = try medianSeconds(repeats: repeats) {
            let report = try procedure.advance(step: step)
            step += report.steps
            for (name, value) in report.measurements where name.hasPrefix("time_") { phases[name, default: []].append(value) }
        }
        func median(_ name: String) -> Double {
            let xs = Array((phases[name] ?? [0]).dropFirst()).sorted()
            return xs.isEmpty ? 0 : xs[xs.count / 2]
        }
        print("\(label)_iteration_threads=\(threads)")
        for phase in ["sampling", "inner", "outer"] {
            print(String(format: "\(label)_iteration_\(phase)_s=%.4f", median("time_\(phase)")))
        }
        print(String(format: "\(label)_iteration_s=%.4f", total))
        return total
    }

    func run() throws {
        print("\(env): \(tasks) tasks × \(trajectories) trajectories, pre-/exploration and post-update samples; "
            + "family defaults otherwise; median of \(repeats) after one warm-up")
        let mame = try time("mame", label: "mame")
        let trpo = try time("maml-trpo", label: "maml_trpo")
        print(String(format: "mame_over_maml_trpo=%.3f", mame / trpo))
    }
}
