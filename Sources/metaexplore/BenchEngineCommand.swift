import ArgumentParser
import Foundation
import MetaExplore

/// `metaexplore bench engine`: microseconds per call of the engine's hot paths (median of repeats).
struct BenchEngine: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "engine",
        abstract: "Time the tensor engine: a 64×64 matmul, an MLP forward+backward, a full DDPG update, a TD3 400-300 update "
            + "and a Gaussian-policy log-likelihood gradient at batch 16000.")

    @Option(help: "Timed repeats per measurement (the median is reported).")
    var repeats: Int = 15

    @Option(help: "Calls per repeat.")
    var iterations: Int = 200

    @Option(help: "Run some measurements only, comma-separated: matmul, mlp, ddpg, td3, gauss.")
    var only: String?

    static let measurements = ["matmul", "mlp", "ddpg", "td3", "gauss"]

    func validate() throws {
        guard repeats > 0, iterations > 0 else { throw ValidationError("--repeats and --iterations must be positive") }
        for name in selected where !Self.measurements.contains(name) {
            throw ValidationError("--only takes \(Self.measurements.joined(separator: ", ")), got '\(name)'")
        }
    }

    private var selected: [String] {
        only.map { $0.split(separator: ",").map { String($0) } } ?? Self.measurements
    }

    func run() throws {
        var rng = RandomStream(seed: 0)
        print("MetaExplore engine benchmark (median of \(repeats) repeats × \(iterations) calls, one thread)")
        let env = ProcessInfo.processInfo.environment
        print("blas_core=\(BLASInfo.coreName) OPENBLAS_NUM_THREADS=\(env["OPENBLAS_NUM_THREADS"] ?? "unset") "
            + "small_product_kernel=\(BLASInfo.smallProductKernel) denormals=\(Denormals.policyFlushes ? "flush" : "keep")")

        let a = Tensor.randomNormal([64, 64], using: &rng)
        let b = Tensor.randomNormal([64, 64], using: &rng)
        let wanted = Set(selected)
        if wanted.contains("matmul") {
            let matmulUs = medianMicroseconds(repeats: repeats, iterations: iterations * 5) { _ = a.matmul(b) }
            print(String(format: "matmul_64x64x64_us=%.2f", matmulUs))
        }

        let mlp = MLP(inputSize: 64, hiddenSizes: [64, 64], outputSize: 64, using: &rng)
        let x = Tensor.randomNormal([64, 64], using: &rng)
        if wanted.contains("mlp") {
            let parameters = mlp.parameters
            let mlpUs = medianMicroseconds(repeats: repeats, iterations: iterations) {
                let loss = mlp(x).squared().mean()
                _ = gradients(of: loss, wrt: parameters)
            }
            print(String(format: "mlp_64x64_forward_backward_batch64_us=%.2f", mlpUs))
        }
        let (obs, act) = (17, 6)
        func randomBatch(_ size: Int) -> TransitionBatch {
            TransitionBatch(
                observations: Tensor.randomNormal([size, obs], using: &rng),
                actions: Tensor.randomUniform([size, act], low: -1, high: 1, using: &rng),
                rewards: Tensor.randomNormal([size, 1], using: &rng),
                nextObservations: Tensor.randomNormal([size, obs], using: &rng),
                terminated: Tensor.zeros([size, 1]))
        }
        if wanted.contains("ddpg") {
            let learner = DDPGLearner(observationSize: obs, actionSize: act, using: &rng)
            let batch = randomBatch(64)
            let ddpgUs = medianMicroseconds(repeats: repeats, iterations: iterations) { learner.update(batch) }
            print("setting: obs=\(obs) act=\(act) hidden=64-64 layernorm=on batch=64 (critic + actor + Polyak)")
            print(String(format: "ddpg_update_us=%.2f", ddpgUs))
        }
        if wanted.contains("td3") {
            // Paper defaults: 400-300, batch 256, actor and targets every second update (an even call count
            // per repeat, so the mean covers both kinds of call equally).
            let learner = TD3Learner(observationSize: obs, actionSize: act, using: &rng)
            let batch = randomBatch(256)
            let calls = max(2, iterations / 10)
            let td3Us = medianMicroseconds(repeats: repeats, iterations: calls + calls % 2) { learner.update(batch) }
            print(String(format: "td3_400x300_update_batch256_us=%.2f", td3Us))
        }
        if wanted.contains("gauss") {
            // The meta-policy-gradient family's policy: a 100-100 tanh MLP mean, a state-independent log-std, and the
            // gradient of the advantage-weighted log-likelihood of a batch of 16000 state-action pairs.
            let batchSize = 16000
            let policy = MLP(inputSize: obs, hiddenSizes: [100, 100], outputSize: act, activation: .tanh, using: &rng)
            let logStd = Tensor.zeros([act]).requiringGrad()
            let parameters = policy.parameters + [logStd]
            let states = Tensor.randomNormal([batchSize, obs], using: &rng)
            let actions = Tensor.randomNormal([batchSize, act], using: &rng)
            let advantages = Tensor.randomNormal([batchSize], using: &rng)
            let gaussUs = medianMicroseconds(repeats: repeats, iterations: max(2, iterations / 40)) {
                let distribution = DiagonalGaussian(mean: policy(states), logStd: logStd)
                let loss = -(distribution.logProbability(actions) * advantages).mean()
                _ = gradients(of: loss, wrt: parameters)
            }
            print(String(format: "gaussian_100x100_logprob_grad_batch16000_us=%.2f", gaussUs))
        }
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
