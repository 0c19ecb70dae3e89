import ArgumentParser
import Dispatch
import Foundation
import MetaExplore

/// `metaexplore bench dream`: milliseconds per gradient step of DREAM's two recurrent double DQNs with the authors'
/// networks on the distracting-bus world (batch 32 sequences × 50 steps, exploration trajectories of 50 steps;
/// random but valid inputs), and environment steps per second of the DREAM training loop with the authors' update
/// cadence (a gradient step per policy every 4 of its steps) once both policies learn.
/// `scripts/bench/compare_torch_dream.sh` times the same updates in PyTorch (`scripts/bench/torch_dream_speed.py`).
/// Each update is reported as median wall-clock milliseconds (`…_ms`) and median process CPU milliseconds
/// (`…_cpu_ms`).
struct BenchDream: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dream",
        abstract: "Time DREAM's exploitation and exploration updates (32 × 50) and its training steps per second.")

    @Option(help: "Sequences per update.") var batch = 32
    @Option(help: "Steps per sequence (and per exploration trajectory).") var sequence = 50
    @Option(help: "Timed repeats per update (the median is reported, after one warm-up).") var repeats = 5
    @Option(help: "Environment steps of the timed training run (0: skip it).") var runSteps = 20_000
    @Option(help: "Run some measurements only, comma-separated: updates, run.") var only: String?

    func validate() throws {
        guard batch > 0, sequence > 0, repeats > 0, runSteps >= 0 else {
            throw ValidationError("--batch, --sequence and --repeats must be positive, --run-steps ≥ 0")
        }
        for name in selected where !["updates", "run"].contains(name) {
            throw ValidationError("--only takes updates, run; got '\(name)'")
        }
    }

    private var selected: [String] { only.map { $0.split(separator: ",").map(String.init) } ?? ["updates", "run"] }

    /// `batch` random records of `sequence` steps on the distracting-bus world's vocabularies.
    static func records(batch: Int, sequence: Int, seed: UInt64) -> [DREAMEpisodeRecord] {
        var rng = RandomStream(seed: seed, stream: "bench-dream")
        func obs() -> [Int] { [rng.int(below: 9), rng.int(below: 9), rng.int(below: 4)] }
        func episode(instruction: [Int]) -> [RecurrentStep] {
            var previous = -1
            return (0..<sequence).map { t in
                let a = rng.int(below: 9)
                defer { previous = a }
                return RecurrentStep(observation: obs(), instruction: instruction, previousAction: previous,
                                     previousReward: 0, action: a, reward: rng.uniform(-0.5, 0.5),
                                     done: t == sequence - 1, nextObservation: obs())
            }
        }
        return (0..<batch).map { _ in
            DREAMEpisodeRecord(problem: rng.int(below: 576), exploration: episode(instruction: []),
                               steps: episode(instruction: [rng.int(below: 9), rng.int(below: 9)]))
        }
    }

    /// CPU seconds this process has used so far (all threads).
    static func cpuSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }

    /// Median wall-clock and median process CPU seconds per call of `body`, after one warm-up call. On a machine
    /// shared with other work the wall-clock time includes waiting for a core and the CPU time does not.
    static func medians(repeats: Int, _ body: () throws -> Void) throws -> (wall: Double, cpu: Double) {
        try body()
        var wall: [Double] = [], cpu: [Double] = []
        for _ in 0..<repeats {
            let start = DispatchTime.now().uptimeNanoseconds, cpuStart = Self.cpuSeconds()
            try body()
            cpu.append(Self.cpuSeconds() - cpuStart)
            wall.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        }
        return (wall.sorted()[wall.count / 2], cpu.sorted()[cpu.count / 2])
    }

    func run() throws {
        let wanted = Set(selected)
        print("DREAM, the authors' networks on DistractingBus-v0 (f 576 ids → 64, g LSTM 128, Q LSTM 64); "
            + "median of \(repeats) after one warm-up")
        if wanted.contains("updates") {
            var c = DREAMConfiguration()
            c.exploration.batchSize = batch
            c.exploitation.batchSize = batch
            c.exploration.sequenceLength = sequence
            c.exploitation.sequenceLength = sequence
            let learner = DREAMLearner(settings: c.learnerSettings, observationVocabulary: [9, 9, 4],
                                       instructionVocabulary: [9, 9], actionCount: 9, problemCount: 576, seed: 0)
            let exploitation = Self.records(batch: batch, sequence: sequence, seed: 1)
            var exploration = Self.records(batch: batch, sequence: sequence, seed: 2)
            for i in exploration.indices { exploration[i].steps = exploration[i].exploration }
            print("batch=\(batch) sequence=\(sequence)")
            let exploit = try Self.medians(repeats: repeats) { learner.trainExploiter(on: exploitation, useProblemIDs: false) }
            let explore = try Self.medians(repeats: repeats) { learner.trainExplorer(on: exploration) }
            print(String(format: "exploitation_update_ms=%.3f", exploit.wall * 1000))
            print(String(format: "exploration_update_ms=%.3f", explore.wall * 1000))
            print(String(format: "exploitation_update_cpu_ms=%.3f", exploit.cpu * 1000))
            print(String(format: "exploration_update_cpu_ms=%.3f", explore.cpu * 1000))
        }
        if wanted.contains("run") && runSteps > 0 {
            // The authors' settings, except that both policies start learning after 50 episodes (instead of 500 and
            // 8000), so the timed part runs at the steady cadence of both.
            var c = DREAMConfiguration()
            c.exploration.minimumBufferSequences = 50
            c.exploitation.minimumBufferSequences = 50
            let p = try DREAMProcedure(c, makeEnvironment: { try make(c.environment) })
            var step = 0
            while p.learner.explorerBuffer.count < 50 { step += try p.advance(step: step).steps }
            let start = DispatchTime.now().uptimeNanoseconds, cpuStart = Self.cpuSeconds()
            var timed = 0
            while timed < runSteps { timed += try p.advance(step: step + timed).steps }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let cpu = Self.cpuSeconds() - cpuStart
            print("run_steps=\(timed) run_seconds=\(String(format: "%.2f", seconds))")
            print(String(format: "dream_run_steps_per_s=%.1f", Double(timed) / seconds))
            print(String(format: "dream_run_cpu_seconds=%.2f", cpu))
            print(String(format: "dream_run_steps_per_cpu_s=%.1f", Double(timed) / cpu))
        }
    }
}
