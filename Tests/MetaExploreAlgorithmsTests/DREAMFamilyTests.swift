import Foundation
import MetaExploreAlgorithms
import MetaExploreEnvironments
import MetaExploreNN
import MetaExploreRandom
import MetaExploreRuntime
import MetaExploreTensor
import Testing

/// A small DREAM run: tiny networks, updates from the first few episodes, frequent target copies.
func smallDREAMRun(steps: Int, environment: String = "DistractingBus-v0", extra: [String] = []) throws -> AnyExperimentConfiguration {
    let sizes = ["embeddingSize=3", "problemComponentSize=4", "transitionStateEmbedding=4", "transitionActionEmbedding=3",
                 "transitionHidden=5", "encoderHidden=4", "gridComponentEmbedding=3", "gridHidden=6",
                 "exploitationObservationEmbedding=4", "exploitationInstructionEmbedding=3", "exploitationHidden=4",
                 "exploitationMixHidden=6", "exploitationOutput=4", "explorationObservationEmbedding=4",
                 "explorationActionEmbedding=3", "explorationHidden=4"].map { "networks." + $0 }
    let policies = ["exploration", "exploitation"].flatMap { p in
        ["\(p).batchSize=3", "\(p).bufferCapacity=40", "\(p).targetSyncEvery=30", "\(p).epsilonDecaySteps=300"]
    }
    return try Experiments.configuration(algorithm: "dream", overrides: [
        "environment=\(environment)", "exploration.minimumBufferSequences=4", "exploitation.minimumBufferSequences=2",
        "run.totalSteps=\(steps)", "run.evalInterval=150", "run.evalEpisodes=3", "run.checkpointInterval=150",
        "run.logInterval=40",
    ] + sizes + policies + extra)
}

@Suite("DREAM family workflow") struct DREAMFamilyTests {
    func temporaryFolder() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("me-dream-\(UUID().uuidString)")
    }

    func procedure(_ c: AnyExperimentConfiguration) throws -> DREAMProcedure {
        try require2(c.makeProcedure { try make(c.environment) } as? DREAMProcedure)
    }

    @Test func familyIsRegisteredWithDefaultsPresetsAndPlan() throws {
        #expect(Experiments.algorithms.contains("dream"))
        let c = try Experiments.configuration(algorithm: "dream")
        #expect(c.family.name == "dream")
        let typed = try require2(c.typed(DREAMConfiguration.self))
        #expect(typed.exploitation.learningRate == 1e-4 && typed.exploitation.batchSize == 32)
        #expect(typed.exploitation.minimumBufferSequences == 500 && typed.exploration.minimumBufferSequences == 8000)
        #expect(typed.exploration.targetSyncEvery == 5000 && typed.exploration.epsilonDecaySteps == 250_000)
        #expect(typed.bottleneck.problemNoise == 0.1 && typed.bottleneck.normCutoff == 10 && typed.bottleneck.informationPenalty == 0.1)
        #expect(typed.networks.embeddingSize == 64 && typed.networks.encoderHidden == 128)
        #expect(typed.run.totalSteps == 5_000_000 && typed.run.evalEpisodes == 100)
        for (preset, env) in [("dream-distractingbus", "DistractingBus-v0"), ("dream-map", "Map-v0"), ("dream-cooking", "Cooking-v0")] {
            let p = try Experiments.configuration(preset: preset)
            #expect(p.environment == env && p.algorithm == "dream")
        }
        let plan = try require2(Experiments.registry.plans["dream-2021"])
        #expect(plan.trainArguments("dream", "Map-v0", 2) == ["--preset", "dream-map", "--seed", "2"])
        // References from exact planning on the test split: distracting bus 0.8 and about 0.3.
        let bus = try require2(plan.references["dream"]?["DistractingBus-v0"])
        #expect(bus.hasPrefix("optimum 0.800"))
        #expect(abs(try require2(plan.thresholds["DistractingBus-v0"]) - 0.76) < 1e-9)
        #expect(plan.tableDecimals == 3)  // 0.8 against 0.76 needs the second decimal
        // The references are the planner's values on each world's test split (the bus's uninformed value, ~40 s to
        // plan, is pinned in the environments' README).
        let map = GridWorld(.map), cooking = GridWorld(.cooking)
        let mapText = String(format: "optimum %.3f, uninformed %.3f", GridPlanner.informedOptimum(map, problems: map.testProblems),
                             GridPlanner.uninformedOptimum(map, problems: map.testProblems))
        #expect(try require2(plan.references["dream"]?["Map-v0"]).hasPrefix(mapText))
        let cookingText = String(format: "optimum %.3f, uninformed %.3f",
                                 GridPlanner.informedOptimum(cooking, problems: cooking.testProblems),
                                 GridPlanner.uninformedOptimum(cooking, problems: cooking.testProblems))
        #expect(try require2(plan.references["dream"]?["Cooking-v0"]).hasPrefix(cookingText))
    }

    @Test func badSettingsAreClearErrors() throws {
        for (key, value) in [("exploration.learningRate", "0"), ("exploitation.batchSize", "0"),
                             ("exploitation.minimumBufferSequences", "20000"), ("exploration.discount", "1.5"),
                             ("networks.embeddingSize", "0"), ("bottleneck.problemNoise", "-1"),
                             ("exploitation.epsilonDecaySteps", "0"), ("environment", "Pendulum-v1")] {
            #expect(performing: { _ = try Experiments.configuration(algorithm: "dream", overrides: ["\(key)=\(value)"]) },
                    throws: { error in "\(error)".contains(key) })
        }
    }

    /// Evaluation works before any training: it uses test problems, both policies act greedily, the exploitation
    /// policy is conditioned on g of the trial's own exploration episode, it is deterministic, and it leaves
    /// training untouched.
    @Test func evaluationBeforeTraining() throws {
        let c = try smallDREAMRun(steps: 1000)
        let p = try procedure(c)
        let world = p.environment.world
        let trials = try p.evaluationTrials(count: 12, seed: 7)
        #expect(trials.allSatisfy { world.testProblems.contains($0.problem) && !world.trainProblems.contains($0.problem) })
        #expect(Set(trials.map(\.problem)).count > 6)
        let learner = p.learner
        for t in trials {
            // z = g(τ^exp) of this trial's exploration episode, recomputed independently.
            let transitions = t.exploration.map { DREAMTransition(observation: $0.observation, action: $0.action,
                                                                  nextObservation: $0.nextObservation) }
            let z = learner.g.contexts([transitions]).final.doubles
            #expect(z == t.conditioning)
            #expect(t.exploration.allSatisfy { $0.instruction.isEmpty })
            #expect(t.exploitation.allSatisfy { $0.instruction == t.exploitationInstruction })
            // Greedy exploration: every action is the argmax of the exploration Q-network along the episode.
            let inputs = [t.exploration[0].experience] + t.exploration.map(\.nextExperience)
            let q = learner.explorer.unroll([inputs], conditioning: nil).doubles
            for (i, s) in t.exploration.enumerated() {
                let row = Array(q[(i * 9)..<((i + 1) * 9)])
                #expect(s.action == row.indices.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) }!)
            }
            // Greedy exploitation conditioned on that z.
            let zTensor = Tensor(shape: [1, z.count], doubles: z, dtype: .float32)
            let qe = learner.exploiter.unroll([[t.exploitation[0].experience] + t.exploitation.map(\.nextExperience)],
                                              conditioning: zTensor).doubles
            for (i, s) in t.exploitation.enumerated() {
                let row = Array(qe[(i * 9)..<((i + 1) * 9)])
                #expect(s.action == row.indices.max { row[$0] < row[$1] || (row[$0] == row[$1] && $0 > $1) }!)
            }
        }
        let again = try p.evaluate(episodes: 12, seed: 7, step: 0)
        #expect(again.returns == trials.map(\.exploitationReturn))
        // Training after an evaluation equals training without one.
        let q = try procedure(c)
        for k in 0..<4 {
            _ = try p.advance(step: k)
            _ = try q.advance(step: k)
        }
        var a = CheckpointState(), b = CheckpointState()
        p.saveState(into: &a)
        q.saveState(into: &b)
        #expect(a.metadata == b.metadata)
        for ((name, x), (_, y)) in zip(a.tensors, b.tensors) { #expect(x.doubles == y.doubles, "tensor \(name) differs") }
    }

    /// A trial takes both episodes' steps, trains both policies once their buffers fill, and logs the columns.
    @Test func trialsTrainBothPolicies() throws {
        let p = try procedure(try smallDREAMRun(steps: 1000))
        var names = Set<String>(), steps = 0, updates = 0
        for k in 0..<8 {
            let r = try p.advance(step: steps)
            steps += r.steps
            updates += r.updates
            #expect(r.finishedEpisodes.count == 1)
            names.formUnion(r.measurements.map(\.name))
            #expect(r.measurements.allSatisfy { $0.value.isFinite }, "trial \(k)")
        }
        #expect(p.trial == 8)
        #expect(p.learner.explorerSchedule.gradientSteps > 0 && p.learner.exploiterSchedule.gradientSteps > 0)
        #expect(updates == p.learner.explorerSchedule.gradientSteps + p.learner.exploiterSchedule.gradientSteps)
        #expect(names.isSuperset(of: ["exploration_td_loss", "exploitation_td_loss", "bottleneck_loss", "norm_penalty",
                                      "exploration_reward", "information_gain", "epsilon_exploration"]))
        #expect(Set(DREAMProcedure.measurementColumns).isSuperset(of: names))
    }

    /// A run stopped and resumed equals the uninterrupted run, bit for bit in every saved tensor and value and in
    /// its progress rows (wall-clock columns aside).
    @Test func resumeEqualsAnUninterruptedRun() throws {
        let straight = temporaryFolder(), interrupted = temporaryFolder()
        defer { try? FileManager.default.removeItem(at: straight); try? FileManager.default.removeItem(at: interrupted) }
        try Experiments.train(try smallDREAMRun(steps: 700), in: straight)
        // Stopped where the run evaluates anyway (a multiple of run.evalInterval), so the final evaluation is not an extra one.
        try Experiments.train(try smallDREAMRun(steps: 300), in: interrupted)
        try Experiments.train(nil, in: interrupted, resume: true, totalSteps: 700)
        let a = try SafeTensorsCheckpointStore.read(straight.appendingPathComponent("checkpoints/latest.safetensors"))
        let b = try SafeTensorsCheckpointStore.read(interrupted.appendingPathComponent("checkpoints/latest.safetensors"))
        #expect(a.tensors.map(\.name) == b.tensors.map(\.name))
        #expect(a.tensors.contains { $0.name.hasPrefix("dream.net.g.") })
        #expect(a.tensors.contains { $0.name.hasPrefix("dream.exploiter_replay.") })
        for ((name, x), (_, y)) in zip(a.tensors, b.tensors) { #expect(x.doubles == y.doubles, "tensor \(name) differs") }
        #expect(Set(a.metadata.keys) == Set(b.metadata.keys))
        for (key, value) in a.metadata where key != "config" && key != "runner.wall_time" {
            #expect(b.metadata[key] == value, "metadata \(key) differs")
        }
        let rows = { (folder: URL) throws -> [[String]] in
            let lines = try String(contentsOf: folder.appendingPathComponent("progress.csv"), encoding: .utf8)
                .split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
            let header = lines[0]
            let keep = header.indices.filter { !["wall_time", "steps_per_second"].contains(header[$0]) }
            return lines.map { row in keep.map { row[$0] } }
        }
        #expect(try rows(straight) == rows(interrupted))
        #expect(try rows(straight).count > 5)
    }
}

/// DREAM learns, measurably and quickly, with a fixed seed: small networks (f, g 8 wide; LSTMs 16), Adam 1e-3,
/// batches of 8, ε over 3000 steps, updates from the 10th episode. The untrained policy never reaches a goal in
/// 20 steps (every test trial returns −2.0); after 12 000 steps the mean test exploitation return (40 trials, ε = 0,
/// conditioned on g of each trial's own exploration) rises well above that (seed 0 in a release build: −1.20;
/// seeds 1 and 2 reached −1.33 and −1.51 by 12 000 steps). The 5M-step reproduction is reported in docs/results.
@Suite("DREAM learns") struct DREAMLearningTests {
    @Test func testReturnRisesAboveTheUntrainedPolicysWithinTwelveThousandSteps() throws {
        let sizes = ["embeddingSize=8", "problemComponentSize=8", "transitionStateEmbedding=16",
                     "transitionActionEmbedding=8", "transitionHidden=16", "encoderHidden=16", "gridComponentEmbedding=8",
                     "gridHidden=32", "exploitationObservationEmbedding=16", "exploitationInstructionEmbedding=16",
                     "exploitationHidden=16", "exploitationMixHidden=32", "exploitationOutput=16",
                     "explorationObservationEmbedding=16", "explorationActionEmbedding=8", "explorationHidden=16"]
            .map { "networks." + $0 }
        let policies = ["exploration", "exploitation"].flatMap { p in
            ["\(p).learningRate=0.001", "\(p).batchSize=8", "\(p).targetSyncEvery=250", "\(p).epsilonDecaySteps=3000",
             "\(p).minimumBufferSequences=10", "\(p).bufferCapacity=2000"]
        }
        let c = try Experiments.configuration(preset: "dream-distractingbus", overrides: [
            "run.totalSteps=12000", "run.evalInterval=3000", "run.evalEpisodes=40", "run.logInterval=3000",
            "run.checkpointInterval=0",
        ] + sizes + policies)
        let p = try require2(c.makeProcedure { try make(c.environment) } as? DREAMProcedure)
        let before = try p.evaluate(episodes: 40, seed: 0, step: 0)
        #expect(before.returns.allSatisfy { abs($0 + 2) < 1e-9 })
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("me-dream-learn-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let summary = try Experiments.train(c, in: folder)
        let best = summary.evaluations.map(\.mean).max() ?? -2
        #expect(best > -1.6, "evaluations: \(summary.evaluations.map(\.mean))")
    }
}
