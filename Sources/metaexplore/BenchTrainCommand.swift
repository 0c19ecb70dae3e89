import ArgumentParser
import Foundation
import MetaExplore

/// `metaexplore bench train`: environment steps per second of training with a preset (default: the registry's
/// benchmark preset, the setting `scripts/bench/compare_sb3.sh` also times with Stable-Baselines3).
struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Time training (acting, stepping, storing, updating) on Pendulum-v1 and HalfCheetah-v5.")

    @Option(help: "The preset to time (default: \(FamilyRegistry.builtIn.benchmarkPreset)).")
    var preset = FamilyRegistry.builtIn.benchmarkPreset
    @Option(help: "Comma-separated environment ids.") var envs = "Pendulum-v1,HalfCheetah-v5"
    @Option(help: "Timed environment steps per environment (after warm-up).") var steps = 3000
    @Option(help: "Steps before the timed part (random actions first where the preset has a warm-up).") var warmup = 1200

    func validate() throws {
        guard steps > 0, warmup >= 0 else { throw ValidationError("--steps must be positive and --warmup non-negative") }
    }

    func run() throws {
        let registry = FamilyRegistry.builtIn
        let described = try registry.configuration(preset: preset)
        print("training speed of preset \(preset) (\(described.label)), one thread")
        for id in envs.split(separator: ",").map(String.init) {
            let config = try registry.configuration(preset: preset, overrides: ["environment=\(id)"])
            let rate = try registry.trainingSpeed(config, steps: steps, warmupSteps: warmup)
            print(String(format: "train_steps_per_second[%@]=%.1f", id, rate))
        }
    }
}
