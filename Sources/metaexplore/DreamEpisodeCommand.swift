import ArgumentParser
import Foundation
import MetaExplore

/// `metaexplore dream-episode`: pictures of a DREAM run's test trials (the authors' qualitative evidence): for each
/// trial, the exploration episode and the exploitation episode as numbered PNG frames and animated GIFs, drawn by
/// `GridEpisodePictures`, plus `trials.txt` with each trial's problem, instructions, actions and returns. The
/// trials are the run's evaluation trials (the same test problems and seeds as `eval_return`, greedy policies, the
/// exploitation policy conditioned on g of the trial's own exploration episode). On the bus worlds each episode's
/// line also counts its bus rides by line kind (`GridBusRides`), and the last lines total them over the trials — with
/// `--summary-only --trials 100`, how often the explorer rides helpful and distracting lines on the evaluation's test
/// problems.
struct EpisodePicturesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dream-episode",
        abstract: "Draw a DREAM run's test trials (exploration and exploitation episodes) as PNG frames and GIFs.")

    @Option(name: .customLong("run"), help: "A run folder (uses checkpoints/latest.safetensors).") var runFolder: String?
    @Option(help: "A checkpoint file (.safetensors).") var checkpoint: String?
    @Option(help: "Output folder.") var out: String
    @Option(help: "Test trials to draw (the first of the run's evaluation trials).") var trials = 3
    @Option(help: "Pixels per grid cell.") var cell = 28
    @Flag(help: "Write trials.txt only (no frames or GIFs).") var summaryOnly = false

    func validate() throws {
        guard (runFolder == nil) != (checkpoint == nil) else { throw ValidationError("give exactly one of --run or --checkpoint") }
        guard trials >= 1, cell >= 8 else { throw ValidationError("--trials must be ≥ 1 and --cell ≥ 8") }
    }

    func run() throws {
        let url = checkpoint.map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: runFolder!).appendingPathComponent("checkpoints/latest.safetensors")
        let written = try Self.draw(checkpoint: url, trials: trials, cell: cell, pictures: !summaryOnly,
                                    to: URL(fileURLWithPath: out))
        print(written)
    }

    /// Draws the first `trials` evaluation trials of the checkpoint's policy into `folder` (frames and GIFs unless
    /// `pictures` is false); returns the summary text (also written to `trials.txt`).
    static func draw(checkpoint url: URL, trials: Int, cell: Int, pictures: Bool = true, to folder: URL) throws -> String {
        let state = try SafeTensorsCheckpointStore.read(url)
        guard let yaml = state.metadata[TrainingSession.configurationKey] else {
            throw CheckpointStateError.missingMetadata(TrainingSession.configurationKey)
        }
        let config = try FamilyRegistry.builtIn.load(yaml: yaml)
        var options = TrainingSessionOptions(resumeFrom: state)
        options.showProgress = false
        let loop = try TrainingSession.makeLoop(config, options: options)
        guard let procedure = loop.procedure as? DREAMProcedure else {
            throw ValidationError("dream-episode draws runs of the dream family; this run is \(config.algorithm)")
        }
        let world = procedure.environment.world
        var summary = "\(config.algorithm) on \(config.environment), checkpoint at step \(loop.step); "
            + "\(trials) test trials (evaluation seed \(loop.evaluationSeed))\n"
        let busWorld = world.kind != .cooking
        var ridesByPhase: [String: [GridBusRides]] = [:]
        for (k, trial) in try procedure.evaluationTrials(count: trials, seed: loop.evaluationSeed).enumerated() {
            for (phase, steps, instruction) in [("exploration", trial.exploration, trial.explorationInstruction),
                                                ("exploitation", trial.exploitation, trial.exploitationInstruction)] {
                let positions = [GridPoint(steps[0].observation[0], steps[0].observation[1])]
                    + steps.map { GridPoint($0.nextObservation[0], $0.nextObservation[1]) }
                let gridActions = steps.map { GridAction(rawValue: $0.action)! }
                if pictures {
                    let frames = try GridEpisodePictures.frames(
                        world: world, problem: trial.problem, instruction: instruction, positions: positions,
                        actions: gridActions, rewards: steps.map(\.reward), phase: phase, cell: cell)
                    try GridEpisodePictures.write(frames, name: "trial-\(k)-\(phase)",
                                                  to: folder.appendingPathComponent("trial-\(k)"))
                }
                let actions = gridActions.map { "\($0)" }.joined(separator: " ")
                let rides = GridBusRides(world: world, positions: positions, actions: gridActions)
                ridesByPhase[phase, default: []].append(rides)
                summary += String(format: "trial %d problem %d %@ instruction %@: return %.2f, %d steps: %@", k,
                                  trial.problem, phase, instruction.map(String.init).joined(separator: ","),
                                  steps.reduce(0) { $0 + $1.reward }, steps.count, actions)
                    + (busWorld ? " | \(rides)\n" : "\n")
            }
        }
        if busWorld {
            for phase in ["exploration", "exploitation"] {
                let episodes = ridesByPhase[phase] ?? []
                func trialsWith(_ count: (GridBusRides) -> Int) -> Int { episodes.filter { count($0) > 0 }.count }
                summary += "total \(phase) over \(trials) trials: \(episodes.reduce(GridBusRides(), +)); "
                    + "trials with a helpful ride \(trialsWith(\.helpful)), with a distracting ride \(trialsWith(\.distracting))"
                    + (world.kind == .map ? ", reaching the map cell \(trialsWith(\.mapCellVisits))\n" : "\n")
            }
        }
        try AtomicFile.write(summary, to: folder.appendingPathComponent("trials.txt"))
        return summary
    }
}
