import ArgumentParser
import Dispatch
import Foundation
import MetaExplore

/// `metaexplore bench meta`: seconds per meta-batch of sampling and per MAML-TRPO meta-iteration on HalfCheetahDir-v1
/// (the `maml-trpo` defaults: 40 tasks × 20 trajectories, horizon 200 — the family's registered time limit —, a 100-100
/// ReLU Gaussian policy, α = 0.1, REINFORCE inner loss, TRPO δ = 0.01 with 10 CG iterations). Each figure is the
/// median over `--repeats` after one warm-up. `scripts/bench/compare_torch_maml.sh` times the same computation in
/// PyTorch (`scripts/bench/torch_maml_speed.py`).
struct BenchMeta: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "meta",
        abstract: "Time one meta-batch of pre-update sampling (1 and 2 threads) and one MAML-TRPO meta-iteration "
            + "on HalfCheetahDir-v1.")

    @Option(help: "Tasks per meta-batch.") var tasks = 40
    @Option(help: "Trajectories per task.") var trajectories = 20
    @Option(help: "Episode length (0: the family's time limit, 200).") var horizon = 0
    @Option(help: "Timed repeats per measurement (the median is reported, after one warm-up).") var repeats = 3
    @Option(help: "Sampler threads during the meta-iteration (the PyTorch peer steps its environments on one).")
    var threads = 1
    @Option(help: "Run some measurements only, comma-separated: sampling, iteration.") var only: String?
    @Option(help: "Run seed (tasks, initialization, samples).") var seed: UInt64 = 0

    func validate() throws {
        guard tasks > 0, trajectories > 0, horizon >= 0, repeats > 0, threads > 0 else {
            throw ValidationError("--tasks, --trajectories, --repeats and --threads must be positive, --horizon ≥ 0")
        }
        for name in selected where !["sampling", "iteration"].contains(name) {
            throw ValidationError("--only takes sampling, iteration; got '\(name)'")
        }
    }

    private var selected: [String] { only.map { $0.split(separator: ",").map(String.init) } ?? ["sampling", "iteration"] }

    func configuration(threads: Int) -> MAMLConfiguration {
        var c = MAMLFamily.defaults(algorithm: "maml-trpo")
        c.environment = HalfCheetahDir.family
        c.meta.tasksPerBatch = tasks
        c.meta.trajectoriesPerTask = trajectories
        c.meta.horizon = horizon
        c.sampler.threads = threads
        c.run.seed = seed
        return c
    }

    func procedure(threads: Int) throws -> MAMLProcedure {
        let c = configuration(threads: threads)
        let h = try c.effectiveHorizon()
        return try MAMLProcedure(c, makeEnvironment: { try make(c.environment, maxEpisodeSteps: h) })
    }

    func run() throws {
        let c = configuration(threads: threads)
        try c.validate()
        let h = try c.effectiveHorizon()
        print("MAML-TRPO on \(c.environment): \(tasks) tasks × \(trajectories) trajectories × \(h) steps, policy "
            + "\(c.policy.hiddenSizes.map(String.init).joined(separator: "-")) \(c.policy.activation.rawValue) Gaussian, "
            + "α=\(c.meta.innerStepSize), CG \(c.outer.conjugateGradientIterations), "
            + "wave \(min(c.sampler.environmentCopies, tasks * trajectories)) copies; median of \(repeats) after one warm-up")
        print("tasks=\(tasks) trajectories=\(trajectories) horizon=\(h) repeats=\(repeats)")
        print("blas_core=\(BLASInfo.coreName) small_product_kernel=\(BLASInfo.smallProductKernel) "
            + "denormals=\(Denormals.policyFlushes ? "flush" : "keep")")
        let wanted = Set(selected)
        if wanted.contains("sampling") {
            var perThreads: [Int: Double] = [:]
            for n in [1, 2] {
                let p = try procedure(threads: n)
                let metaTasks = trainingTasks(p.sampler.environments[0], count: tasks, seed: seed, iteration: 0)
                let random = RandomStream(seed: seed, stream: "sampler").derived("iteration", index: 0)
                perThreads[n] = try medianSeconds(repeats: repeats) {
                    _ = try p.sampler.sample(tasks: metaTasks, trajectoriesPerTask: trajectories, policy: p.policy,
                                             random: random)
                }
            }
            print(String(format: "meta_sampling_1thread_s=%.4f", perThreads[1]!))
            print(String(format: "meta_sampling_2threads_s=%.4f", perThreads[2]!))
            print(String(format: "meta_sampling_speedup_2threads=%.3f", perThreads[1]! / perThreads[2]!))
            let steps = Double(tasks * trajectories * h)
            print(String(format: "meta_sampling_1thread_steps_per_s=%.0f", steps / perThreads[1]!))
        }
        if wanted.contains("iteration") {
            let p = try procedure(threads: threads)
            var phases: [String: [Double]] = [:]
            var step = 0
            var cpu: [Double] = []
            let total = try medianSeconds(repeats: repeats) {
                let cpuStart = processCPUSeconds()
                let report = try p.advance(step: step)
                cpu.append(processCPUSeconds() - cpuStart)
                step += report.steps
                for (name, value) in report.measurements where name.hasPrefix("time_") || name == "step_fraction" {
                    phases[name, default: []].append(value)
                }
            }
            // The phases of the timed repeats only (the first entry is the warm-up's).
            func median(_ name: String) -> Double {
                let xs = Array((phases[name] ?? [0]).dropFirst()).sorted()
                return xs.isEmpty ? 0 : xs[xs.count / 2]
            }
            print("meta_iteration_threads=\(threads)")
            print(String(format: "meta_iteration_sampling_s=%.4f", median("time_sampling")))
            print(String(format: "meta_iteration_inner_s=%.4f", median("time_inner")))
            print(String(format: "meta_iteration_outer_s=%.4f", median("time_outer")))
            // TRPO's accepted fraction of the full step per timed repeat (1, 0.8, 0.64, …: how many line-search trials).
            let fractions = (phases["step_fraction"] ?? []).dropFirst().map { String(format: "%.3g", $0) }
            print("meta_iteration_step_fractions=\(fractions.joined(separator: ","))")
            print(String(format: "meta_iteration_s=%.4f", total))
            // CPU seconds of the process per meta-iteration (timed repeats): with one sampler thread the work is
            // single-threaded, so this equals the wall-clock time on an idle core and is far less sensitive to
            // other processes sharing the machine.
            let timedCPU = Array(cpu.dropFirst()).sorted()
            print(String(format: "meta_iteration_cpu_s=%.4f", timedCPU.isEmpty ? 0 : timedCPU[timedCPU.count / 2]))
        }
    }
}

/// CPU seconds (user + system) the process has used so far, all threads.
func processCPUSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

/// The median over `repeats` of the wall-clock seconds of `body` (after one warm-up call).
func medianSeconds(repeats: Int, _ body: () throws -> Void) throws -> Double {
    try body()
    var samples: [Double] = []
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }
    samples.sort()
    return samples[samples.count / 2]
}
