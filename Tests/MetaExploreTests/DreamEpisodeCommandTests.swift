import Foundation
import MetaExplore
import Testing

/// `metaexplore dream-episode` on a small DREAM run folder: GIFs and PNG frames of each test trial's exploration
/// and exploitation episodes, one frame per step plus the start, showing the agent where the episode put it; and
/// `metaexplore bench dream` prints the keys its comparison script reads.
@Suite struct DreamEpisodeCommandTests {
    func run(_ arguments: [String]) throws -> (status: Int32, text: String) { try runMetaexplore(arguments) }

    @Test func picturesOfARunsTestTrials() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("me-dream-pictures-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: base) }
        let runFolder = base.appendingPathComponent("run"), out = base.appendingPathComponent("pictures")
        let sizes = ["embeddingSize=3", "encoderHidden=4", "transitionHidden=4", "gridHidden=6", "exploitationMixHidden=6",
                     "exploitationHidden=4", "explorationHidden=4"].map { "networks." + $0 }
        let config = try FamilyRegistry.builtIn.configuration(preset: "dream-distractingbus", overrides: [
            "run.totalSteps=200", "run.evalEpisodes=2", "run.evalInterval=200", "exploration.minimumBufferSequences=3",
            "exploitation.minimumBufferSequences=3", "exploration.batchSize=2", "exploitation.batchSize=2",
        ] + sizes)
        try FamilyRegistry.builtIn.train(config, in: runFolder, showProgress: false, handleSignals: false)
        let result = try run(["dream-episode", "--run", runFolder.path, "--out", out.path, "--trials", "2", "--cell", "20"])
        #expect(result.status == 0, "\(result.text)")
        let summary = try String(contentsOf: out.appendingPathComponent("trials.txt"), encoding: .utf8)
        let lines = summary.split(separator: "\n").filter { $0.hasPrefix("trial ") }
        #expect(lines.count == 4)
        // Each episode's bus rides, and their totals over the trials.
        #expect(lines.allSatisfy { $0.contains(" | rides: helpful ") })
        #expect(summary.contains("total exploration over 2 trials: rides: helpful "))
        #expect(summary.contains("total exploitation over 2 trials: rides: helpful "))
        for k in 0..<2 {
            for phase in ["exploration", "exploitation"] {
                let line = try #require(lines.first { $0.hasPrefix("trial \(k) ") && $0.contains(" \(phase) ") })
                let steps = try #require(Int(line.components(separatedBy: " steps:")[0].split(separator: " ").last!))
                let gif = out.appendingPathComponent("trial-\(k)/trial-\(k)-\(phase).gif")
                let decoded = try GIF.decode(Array(try Data(contentsOf: gif)))
                #expect(decoded.frames.count == steps + 1)
                #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(
                    String(format: "trial-%d/trial-%d-%@-%03d.png", k, k, phase, steps)).path))
                // Frame 0: the agent on the start cell (4, 4): cell 20 px, margin 4, two 22-px caption lines.
                let first = decoded.image(0)
                let x = 4 + 4 * 20 + 10, y = 4 + 44 + (8 - 4) * 20 + 10
                #expect(first[x, y] == GridEpisodePictures.agentColor)
                // A helpful stop next to the start, (4, 5), in its line's colour.
                let stop = first[4 + 4 * 20 + 4, 4 + 44 + (8 - 5) * 20 + 4]
                #expect(stop == Color.palette[0])
            }
        }
        // --summary-only: the same trials.txt, no frames.
        let summaryOnly = base.appendingPathComponent("summary")
        let quick = try run(["dream-episode", "--run", runFolder.path, "--out", summaryOnly.path, "--trials", "2",
                             "--summary-only"])
        #expect(quick.status == 0, "\(quick.text)")
        #expect(try String(contentsOf: summaryOnly.appendingPathComponent("trials.txt"), encoding: .utf8) == summary)
        #expect(!FileManager.default.fileExists(atPath: summaryOnly.appendingPathComponent("trial-0").path))
        // A run of another family is refused with a clear message.
        let bad = try run(["dream-episode", "--checkpoint", base.appendingPathComponent("missing.safetensors").path,
                           "--out", out.path])
        #expect(bad.status != 0)
    }

    @Test func picturesOfSomethingThatIsNotAnEpisodeAreAnError() throws {
        let world = GridWorld(.distractingBus)
        #expect(throws: EpisodePictureError.self) {
            _ = try GridEpisodePictures.frames(world: world, problem: 0, instruction: nil, positions: [GridPoint(4, 4)],
                                               actions: [.up], rewards: [-0.1], phase: "exploration")
        }
        #expect(throws: EpisodePictureError.self) {
            _ = try GridEpisodePictures.frames(world: world, problem: 0, instruction: nil,
                                               positions: [GridPoint(4, 4), GridPoint(9, 4)], actions: [.right],
                                               rewards: [-0.1], phase: "exploration")
        }
        let frames = try GridEpisodePictures.frames(world: world, problem: 0, instruction: [0, 0],
                                                    positions: [GridPoint(4, 4), GridPoint(4, 5)], actions: [.up],
                                                    rewards: [-0.1], phase: "exploitation", cell: 10)
        #expect(frames.count == 2 && frames[0].width == 9 * 10 + 8)
    }

    /// Rides counted by the cell they are taken on, on constructed episodes (helpful stops and destinations are the
    /// same cells in every problem; distracting stops exist on the distracting-bus world only; the map cell counts
    /// on the map world).
    @Test func busRidesAreCountedByLine() {
        let bus = GridWorld(.distractingBus)
        // Start (4, 4); up to the helpful stop (4, 5), ride (to some destination), then a ride off any stop at
        // (0, 0), then the distracting stop (5, 5), ride, and a ride at the helpful destination (0, 1).
        let positions = [GridPoint(4, 4), GridPoint(4, 5), GridPoint(0, 7), GridPoint(0, 0), GridPoint(0, 0),
                         GridPoint(5, 5), GridPoint(8, 4), GridPoint(0, 1), GridPoint(4, 3)]
        let actions: [GridAction] = [.up, .rideBus, .down, .rideBus, .noop, .rideBus, .noop, .rideBus]
        // positions before each action: (4,4) up, (4,5) ride, (0,7) down, (0,0) ride, (0,0) noop, (5,5) ride,
        // (8,4) noop, (0,1) ride.
        #expect(GridBusRides(world: bus, positions: positions, actions: actions)
                == GridBusRides(helpful: 2, distracting: 1, offStop: 1))
        // The map world has no distracting lines: a ride on (5, 5) does nothing; stepping onto (7, 3) reads the map.
        let map = GridWorld(.map)
        #expect(GridBusRides(world: map, positions: positions, actions: actions)
                == GridBusRides(helpful: 2, distracting: 0, offStop: 2))
        let toMap = [GridPoint(4, 4), GridPoint(5, 4), GridPoint(6, 4), GridPoint(7, 4), GridPoint(7, 3), GridPoint(7, 3)]
        #expect(GridBusRides(world: map, positions: toMap, actions: [.right, .right, .right, .down, .noop])
                == GridBusRides(mapCellVisits: 2))
        #expect(GridBusRides(world: GridWorld(.cooking), positions: [GridPoint(1, 1), GridPoint(1, 1)], actions: [.rideBus])
                == GridBusRides())
        #expect(GridBusRides(helpful: 1, offStop: 2) + GridBusRides(distracting: 3, mapCellVisits: 1)
                == GridBusRides(helpful: 1, distracting: 3, offStop: 2, mapCellVisits: 1))
    }

    @Test func benchDreamPrintsItsKeys() throws {
        let result = try run(["bench", "dream", "--batch", "2", "--sequence", "4", "--repeats", "1", "--run-steps", "60"])
        #expect(result.status == 0, "\(result.text)")
        for key in ["exploitation_update_ms", "exploration_update_ms", "exploitation_update_cpu_ms", "exploration_update_cpu_ms",
                    "dream_run_steps_per_s", "dream_run_steps_per_cpu_s"] {
            let line = result.text.split(separator: "\n").first { $0.hasPrefix(key + "=") }
            let value = line.flatMap { Double($0.split(separator: "=")[1]) }
            #expect(value.map { $0 > 0 && $0.isFinite } == true, "missing or bad \(key) in:\n\(result.text)")
        }
    }
}
