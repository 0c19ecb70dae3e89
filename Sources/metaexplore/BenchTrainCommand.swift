import ArgumentParser
import Foundation
import MetaExplore

/// `metaexplore bench train`: environment steps per second of DDPG training (64-64, batch 64, one update per
/// step) — the setting `scripts/bench/compare_sb3.sh` also times with Stable-Baselines3.
struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Time DDPG training (64-64, batch 64, one update per env step) on Pendulum-v1 and HalfCheetah-v5.")

    @Option(help: "Comma-separated environment ids.") var envs = "Pendulum-v1,HalfCheetah-v5"
    @Option(help: "Timed environment steps per environment (after warm-up).") var steps = 3000
    @Option(help: "Random warm-up steps before the timed part.") var warmup = 1000

    func validate() throws {
        guard steps > 0, warmup >= 0 else { throw ValidationError("--steps must be positive and --warmup non-negative") }
    }

    func run() throws {
        print("DDPG training speed: hidden 64-64 (LayerNorm), batch 64, 1 update/step, Gaussian noise 0.1, one thread")
        for id in envs.split(separator: ",").map(String.init) {
            let config = try FamilyRegistry.builtIn.configuration(algorithm: "ddpg", overrides: [
                "environment=\(id)", "learner.hiddenSizes=[64, 64]", "agent.batchSize=64", "agent.updatesPerStep=1",
                "agent.noise=gaussian", "agent.noiseScale=0.1", "agent.warmupSteps=\(warmup)",
            ])
            let rate = try FamilyRegistry.builtIn.trainingSpeed(config, steps: steps, warmupSteps: warmup + 200)
            print(String(format: "train_steps_per_second[%@]=%.1f", id, rate))
        }
    }
}
