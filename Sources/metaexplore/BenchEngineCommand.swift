import ArgumentParser
import Foundation
import MetaExplore

/// `metaexplore bench engine`: microseconds per call of the engine's hot paths (median of repeats).
struct BenchEngine: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Time the tensor engine: a 64×64 matmul, an MLP forward+backward, and one full DDPG update.")

    @Option(help: "Timed repeats per measurement (the median is reported).")
    var repeats: Int = 15

    @Option(help: "Calls per repeat.")
    var iterations: Int = 200

    @Option(help: "Run one measurement only: matmul, mlp or ddpg.")
    var only: String?

    func validate() throws {
        guard repeats > 0, iterations > 0 else { throw ValidationError("--repeats and --iterations must be positive") }
        if let only, !["matmul", "mlp", "ddpg"].contains(only) {
            throw ValidationError("--only takes matmul, mlp or ddpg, got '\(only)'")
        }
    }

    func run() throws {
        var rng = RandomStream(seed: 0)
        print("MetaExplore engine benchmark (median of \(repeats) repeats × \(iterations) calls, one thread)")
        let env = ProcessInfo.processInfo.environment
        print("blas_core=\(BLASInfo.coreName) OPENBLAS_NUM_THREADS=\(env["OPENBLAS_NUM_THREADS"] ?? "unset")")

        let a = Tensor.randomNormal([64, 64], using: &rng)
        let b = Tensor.randomNormal([64, 64], using: &rng)
        if only == nil || only == "matmul" {
            let matmulUs = medianMicroseconds(repeats: repeats, iterations: iterations * 5) { _ = a.matmul(b) }
            print(String(format: "matmul_64x64x64_us=%.2f", matmulUs))
        }

        let mlp = MLP(inputSize: 64, hiddenSizes: [64, 64], outputSize: 64, using: &rng)
        let x = Tensor.randomNormal([64, 64], using: &rng)
        if only == nil || only == "mlp" {
            let parameters = mlp.parameters
            let mlpUs = medianMicroseconds(repeats: repeats, iterations: iterations) {
                let loss = mlp(x).squared().mean()
                _ = gradients(of: loss, wrt: parameters)
            }
            print(String(format: "mlp_64x64_forward_backward_batch64_us=%.2f", mlpUs))
        }
        guard only == nil || only == "ddpg" else { return }

        let (obs, act, batchSize) = (17, 6, 64)
        let learner = DDPGLearner(observationSize: obs, actionSize: act, using: &rng)
        let batch = TransitionBatch(
            observations: Tensor.randomNormal([batchSize, obs], using: &rng),
            actions: Tensor.randomUniform([batchSize, act], low: -1, high: 1, using: &rng),
            rewards: Tensor.randomNormal([batchSize, 1], using: &rng),
            nextObservations: Tensor.randomNormal([batchSize, obs], using: &rng),
            terminated: Tensor.zeros([batchSize, 1]))
        let ddpgUs = medianMicroseconds(repeats: repeats, iterations: iterations) { learner.update(batch) }
        print("setting: obs=\(obs) act=\(act) hidden=64-64 layernorm=on batch=\(batchSize) (critic + actor + Polyak)")
        print(String(format: "ddpg_update_us=%.2f", ddpgUs))
    }
}

/// The median over `repeats` of the mean time per call of `body`, in microseconds (after one warm-up repeat).
func medianMicroseconds(repeats: Int, iterations: Int, _ body: () -> Void) -> Double {
    for _ in 0..<max(1, iterations / 4) { body() }
    var samples: [Double] = []
    for _ in 0..<repeats {
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<iterations { body() }
        let end = DispatchTime.now().uptimeNanoseconds
        samples.append(Double(end - start) / 1000 / Double(iterations))
    }
    samples.sort()
    return samples[samples.count / 2]
}
