import ArgumentParser
import Foundation
import MetaExplore

/// `metaexplore train`: one training run in a run folder (config, versions, CSV/JSONL/TensorBoard logs, checkpoints).
struct Train: ParsableCommand {
    static var registry: FamilyRegistry { .builtIn }

    static let configuration = CommandConfiguration(
        abstract: "Train an agent (default: the \(registry.defaultPreset) preset).",
        discussion: """
            The configuration is a preset (--preset), a YAML file (--config) or an algorithm's defaults (--algo), \
            then --env/--steps/--seed, then every --set key=value (dotted keys, e.g. --set learner.tau=0.005). \
            Ctrl-C finishes the current episode (or iteration), writes a checkpoint and exits; a second Ctrl-C exits \
            at once. --resume continues the run exactly: the result equals an uninterrupted run with the same seed. \
            It keeps the run's settings: --set/--preset given with --resume must agree with them (only --steps may \
            raise the budget), and a run whose stored configuration lacks a setting added since is refused until \
            --set states it.

            Algorithms:
            \(registry.algorithmSummaries.map { "  \($0.name): \($0.summary)" }.joined(separator: "\n"))

            \(registry.helpTexts.joined(separator: "\n\n"))
            """)

    @Option(help: "Algorithm: \(registry.algorithmNames.joined(separator: ", ")).") var algo: String?
    @Option(help: "A built-in preset (see `metaexplore list`).") var preset: String?
    @Option(help: "A YAML configuration file.") var config: String?
    @Option(help: "Environment id, e.g. HalfCheetah-v5.") var env: String?
    @Option(parsing: .unconditional, help: "Total environment steps.") var steps: Int?
    @Option(parsing: .unconditional, help: "Seed of the run (0 to 18446744073709551615).") var seed: UInt64?
    @Option(name: .customLong("set"), help: "Override a setting: key=value (repeatable).") var overrides: [String] = []
    @Option(help: "Run folder (default: runs/<algorithm>-<env>-seed<seed>-<time>).") var out: String?
    @Flag(help: "Continue the run in --out from its latest checkpoint.") var resume = false
    @Option(help: "With --resume: the checkpoint to continue from (a file in <out>/checkpoints/, e.g. step-0000050000.safetensors), when latest is damaged.")
    var from: String?
    @Flag(help: "No live progress line.") var quiet = false

    func validate() throws {
        if resume {
            guard out != nil else { throw ValidationError("--resume needs --out (the run folder to continue)") }
            guard algo == nil, config == nil, env == nil, seed == nil else {
                throw ValidationError("--resume takes its configuration from the run folder; --algo, --config, --env "
                                      + "and --seed cannot change it (--steps may raise the budget)")
            }
        }
        if let steps, steps < 1 { throw ValidationError("--steps must be at least 1, got \(steps)") }
        if from != nil && !resume { throw ValidationError("--from names the checkpoint a --resume continues from") }
    }

    func run() throws {
        let registry = Self.registry
        let folder: URL
        let summary: TrainingSummary
        if resume {
            folder = URL(fileURLWithPath: out!)
            summary = try registry.resume(in: folder, totalSteps: steps, preset: preset, overrides: overrides, from: from,
                                          showProgress: !quiet)
        } else {
            var all: [String] = []
            if let env { all.append("environment=\(env)") }
            if let steps { all.append("run.totalSteps=\(steps)") }
            if let seed { all.append("run.seed=\(seed)") }
            all += overrides
            let resolved = try registry.configuration(
                algorithm: algo, preset: preset, file: config.map { URL(fileURLWithPath: $0) }, overrides: all)
            for warning in resolved.warnings {
                FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
            }
            folder = URL(fileURLWithPath: out ?? defaultFolder(resolved))
            summary = try registry.train(resolved, in: folder, showProgress: !quiet)
        }
        if summary.interruption == nil, let last = summary.evaluations.last {
            print(String(format: "final evaluation at step %d: return %.2f ± %.2f over %d episodes", last.step, last.mean,
                         last.standardDeviation, last.returns.count))
        }
        if let why = summary.interruption { print("stopped early (\(why)); resume with: metaexplore train --resume --out \(folder.path)") }
        print("run folder: \(folder.path)  (tensorboard --logdir \(folder.path))")
        // An interrupted run is not a finished one: exit 130 (the shell's code for Ctrl-C) so that scripts and
        // `reproduce` grids see it and resume it instead of counting its last evaluation as final.
        if summary.interruption != nil { throw ExitCode(130) }
    }

    private func defaultFolder(_ c: AnyExperimentConfiguration) -> String {
        let stamp = ISO8601DateFormatter.string(from: Date(), timeZone: .current, formatOptions: [.withYear, .withMonth, .withDay, .withTime])
        let seed = c.run.seed
        return "runs/\(c.label)-\(c.environment)-seed\(seed)-\(stamp)"
    }
}

/// `metaexplore eval`: the deterministic policy of a run or checkpoint over some episodes.
struct Eval: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Evaluate a trained policy (a run folder or a checkpoint file).")

    @Option(name: .customLong("run"), help: "A run folder (uses checkpoints/latest.safetensors).") var runFolder: String?
    @Option(help: "A checkpoint file (.safetensors).") var checkpoint: String?
    @Option(help: "Episodes (default: the run's evalEpisodes).") var episodes: Int?
    @Option(help: "Seed of the evaluation episodes.") var seed: UInt64?

    func validate() throws {
        guard (runFolder == nil) != (checkpoint == nil) else { throw ValidationError("give exactly one of --run or --checkpoint") }
        if let episodes, episodes < 1 { throw ValidationError("--episodes must be at least 1, got \(episodes)") }
    }

    func run() throws {
        let url = checkpoint.map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: runFolder!).appendingPathComponent("checkpoints/latest.safetensors")
        let result = try FamilyRegistry.builtIn.evaluate(checkpoint: url, episodes: episodes, seed: seed)
        for (i, r) in result.returns.enumerated() { print(String(format: "episode %d: %.3f", i, r)) }
        print(String(format: "return %.3f ± %.3f over %d episodes (checkpoint step %d)", result.mean,
                     result.standardDeviation, result.returns.count, result.step))
    }
}

/// `metaexplore list`: what can be named on the command line.
struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List algorithms, environments and presets.")

    func run() throws {
        let registry = FamilyRegistry.builtIn
        print("algorithms:")
        for a in registry.algorithmSummaries { print("  \(a.name)  \(a.summary)") }
        print("environments:")
        for spec in Registry.specs { print("  \(spec.id)  (time limit \(spec.maxEpisodeSteps))") }
        print("presets (\(registry.presets.folder?.path ?? "not found")):")
        for name in try registry.presets.names() {
            let summary = (try? registry.configuration(preset: name)).map { "\($0.label) on \($0.environment)" } ?? ""
            print("  \(name)  \(summary)")
        }
        print("plans: \(registry.plans.keys.sorted().joined(separator: ", "))")
    }
}
