import Foundation
import MetaExploreAlgorithms
import MetaExploreRandom
import Testing

@Test func td3PaperPresetMatchesPaperDefaults() throws {
    guard let c = (try Experiments.configuration(preset: "td3-paper")).typed(TD3Configuration.self) else {
        Issue.record("td3-paper is not a TD3 configuration"); return
    }
    #expect(c == TD3Configuration.paper)
    #expect(c.learner.hiddenSizes == [400, 300] && c.learner.tau == 0.005 && c.learner.policyDelay == 2)
    #expect(c.agent.batchSize == 100 && c.agent.noise == .gaussian && c.agent.noiseScale == 0.1 && c.agent.warmupSteps == 10_000)
}

@Test func everyPresetLoadsAndRoundTripsThroughYAML() throws {
    #expect((try Experiments.registry.presets.names()).count >= 3)
    for name in (try Experiments.registry.presets.names()) {
        let config = try Experiments.configuration(preset: name)
        let text = try config.yaml()
        #expect(try Experiments.registry.load(yaml: text) == config, "preset \(name)")
    }
}

/// Presets live once, as YAML files shipped with the package, and state only what differs from their family's
/// defaults (besides `algorithm` and `environment`): every other key they set changes a default.
@Test func presetsStateOnlyWhatDiffersFromTheDefaults() throws {
    let registry = Experiments.registry
    let files = try registry.presets.files()
    #expect(files.count >= 20)
    for (name, url) in files {
        let text = try String(contentsOf: url, encoding: .utf8)
        let config = try registry.configuration(preset: name)
        let defaults = try registry.configuration(algorithm: config.algorithm)
        let stated = try ConfigurationLoader.keys(text).subtracting(["algorithm", "environment"])
        let differing = Set(try ConfigurationLoader.differences(try defaults.yaml(), try config.yaml()).map(\.key))
        #expect(stated.isSubset(of: differing), "\(name) restates defaults: \(stated.subtracting(differing).sorted())")
        // The folder is named after the family that runs the preset.
        #expect(url.deletingLastPathComponent().lastPathComponent == config.family.name, "\(name)")
    }
}

@Test func partialFilesKeepDefaultsAndOverridesApply() throws {
    let yaml = """
    algorithm: ddpg
    learner:
      tau: 0.05
    """
    let c = try ConfigurationLoader.load(DDPGConfiguration.self, defaults: DDPGConfiguration(), yaml: yaml,
                                         overrides: ["learner.actorLearningRate=3e-4", "agent.noise=gaussian",
                                                     "learner.hiddenSizes=[32, 16]", "run.seed=7",
                                                     "learner.gradientClipNorm=10"])
    #expect(c.learner.tau == 0.05)
    #expect(c.learner.actorLearningRate == 3e-4)
    #expect(c.learner.criticLearningRate == DDPGConfiguration().learner.criticLearningRate)
    #expect(c.agent.noise == .gaussian && c.learner.hiddenSizes == [32, 16] && c.run.seed == 7)
    #expect(c.learner.gradientClipNorm == 10)
    guard let t = (try Experiments.configuration(preset: "td3-paper", overrides: ["environment=Hopper-v5"])).typed(TD3Configuration.self) else {
        Issue.record("not TD3"); return
    }
    #expect(t.environment == "Hopper-v5")
}

private func expectError(_ expected: ConfigurationError, yaml: String? = nil, overrides: [String] = [],
                         sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        _ = try ConfigurationLoader.load(DDPGConfiguration.self, defaults: DDPGConfiguration(), yaml: yaml, overrides: overrides)
        Issue.record("expected \(expected)", sourceLocation: sourceLocation)
    } catch let error as ConfigurationError {
        #expect(error == expected, sourceLocation: sourceLocation)
    } catch {
        Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
    }
}

@Test func invalidConfigurationsAreRejectedNamingTheKey() throws {
    expectError(.unknownKey("learner.learningRate"), yaml: "learner:\n  learningRate: 0.1\n")
    expectError(.unknownKey("agnet"), yaml: "agnet:\n  batchSize: 3\n")
    expectError(.unknownKey("run.steps"), overrides: ["run.steps=10"])
    expectError(.invalidValue(key: "learner.actorLearningRate", message: "must be a positive number, got -0.001"),
                overrides: ["learner.actorLearningRate=-1e-3"])
    expectError(.invalidValue(key: "agent.batchSize", message: "must be at least 1, got 0"), overrides: ["agent.batchSize=0"])
    expectError(.invalidValue(key: "learner.tau", message: "must lie in (0, 1], got 1.5"), yaml: "learner:\n  tau: 1.5\n")
    expectError(.invalidValue(key: "learner.tau", message: "must lie in (0, 1], got 0.0"), overrides: ["learner.tau=0"])
    expectError(.invalidValue(key: "agent.batchSize", message: "expected an integer"), overrides: ["agent.batchSize=many"])
    expectError(.badOverride("learner.tau"), overrides: ["learner.tau"])
    expectError(.invalidValue(key: "run.evalInterval", message: "must be ≥ 0 (0: not by steps), got -1"),
                overrides: ["run.evalInterval=-1"])
    expectError(.invalidValue(key: "run.evalIntervalEpisodes",
                              message: "must be at least 1 (leave it out for no evaluation by episodes), got 0"),
                overrides: ["run.evalIntervalEpisodes=0"])
    expectError(.invalidValue(key: "learner", message: "expected a mapping of keys"), overrides: ["learner=3"])
    #expect(throws: ConfigurationError.self) { try Experiments.registry.load(yaml: "algorithm: ppo\n") }
    #expect(throws: ConfigurationError.self) { try Experiments.configuration(preset: "nope") }
    let message = ConfigurationError.unknownKey("learner.learningRate").description
    #expect(message.contains("learner.learningRate"))
}

@Test func resolvedYAMLIsReadable() throws {
    let text = try ConfigurationLoader.yaml(TD3Configuration.paper)
    #expect(text.hasPrefix("algorithm: td3\n"))
    #expect(text.contains("  policyDelay: 2\n") && text.contains("  tau: 0.005\n") && text.contains("  gamma: 0.99\n"))
    #expect(text.contains("  hiddenSizes: [400, 300]\n") && text.contains("  observationClip: 5.0\n"))
    do {
        _ = try ConfigurationLoader.load(DDPGConfiguration.self, defaults: DDPGConfiguration(), yaml: nil, overrides: ["agent.noise=loud"])
        Issue.record("bad enum accepted")
    } catch let ConfigurationError.invalidValue(key, message) {
        #expect(key == "agent.noise", "\(message)")
    }
}

/// Random mutations of every preset (lines deleted, duplicated, re-indented, values replaced by odd YAML, keys
/// renamed): each either loads and validates or fails with a `ConfigurationError` — never a crash or another error.
@Test func fuzzedPresetsLoadOrFailWithAConfigurationError() throws {
    let registry = Experiments.registry
    var rng = RandomStream(seed: 2026, stream: "configuration-fuzz")
    let values = ["-1", "0", "nan", ".inf", "-.inf", "1e400", "99999999999999999999", "[]", "[1, -2]", "{a: 1}", "yes",
                  "''", "\"x\"", "~", "abc", "0.0", "3.5", "[[1]]", "!!binary aGk=", "&a 1", "*a", "|\n  text", "18446744073709551616"]
    var loaded = 0, refused = 0
    for (name, url) in try registry.presets.files() {
        let lines = try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false)
            .map(String.init)
        for _ in 0..<40 {
            var mutated = lines
            let i = rng.int(below: mutated.count)
            switch rng.int(below: 6) {
            case 0: mutated.remove(at: i)
            case 1: mutated.insert(mutated[i], at: i)
            case 2: mutated[i] = "  " + mutated[i]
            case 3:
                if let colon = mutated[i].firstIndex(of: ":") {
                    mutated[i] = String(mutated[i][...colon]) + " " + values[rng.int(below: values.count)]
                }
            case 4:
                if let colon = mutated[i].firstIndex(of: ":") {
                    mutated[i] = String(mutated[i][..<colon]) + "x" + String(mutated[i][colon...])
                }
            default: mutated.insert("run: " + values[rng.int(below: values.count)], at: i)
            }
            do {
                _ = try registry.load(yaml: mutated.joined(separator: "\n"))
                loaded += 1
            } catch let error as ConfigurationError {
                refused += 1
                #expect(!error.description.isEmpty)
            } catch {
                Issue.record("\(name): mutation of line \(i) failed with \(type(of: error)): \(error)")
            }
        }
    }
    #expect(loaded > 0 && refused > 0, "loaded \(loaded), refused \(refused)")
}

/// `run.environmentOptions` is a free mapping of the environment's keyword options: any name is accepted by the
/// loader, values must be numbers, the resolved text lists them sorted (the same configuration always prints the same
/// text), and a configuration without options prints no key for them (so runs started before the setting existed
/// resume unchanged).
@Test func environmentOptionsAreAFreeMappingOfNumbers() throws {
    let registry = Experiments.registry
    let config = try registry.configuration(
        algorithm: "maml-vpg",
        overrides: ["environment=HalfCheetahVel-v1", "run.environmentOptions.max_goal_velocity=3",
                    "run.environmentOptions.a_first_option=1.5"])
    #expect(config.run.environmentOptions == ["max_goal_velocity": 3, "a_first_option": 1.5])
    let text = try config.yaml()
    let first = try #require(text.range(of: "a_first_option")), second = try #require(text.range(of: "max_goal_velocity"))
    #expect(first.lowerBound < second.lowerBound)
    #expect(try registry.load(yaml: text) == config)
    let file = try registry.load(yaml: """
        algorithm: maml-vpg
        environment: HalfCheetahVel-v1
        run:
          environmentOptions:
            max_goal_velocity: 3
        """)
    #expect(file.run.environmentOptions == ["max_goal_velocity": 3])
    for bad in ["run.environmentOptions.max_goal_velocity=fast", "run.environmentOptions.max_goal_velocity=.nan",
                "run.environmentOptions=3"] {
        #expect(throws: ConfigurationError.self, "\(bad)") {
            _ = try registry.configuration(algorithm: "maml-vpg", overrides: [bad])
        }
    }
    let plain = try registry.configuration(algorithm: "maml-vpg")
    #expect(!(try ConfigurationLoader.keys(try plain.yaml())).contains { $0.hasPrefix("run.environmentOptions") })
}

/// `run.evalIntervalEpisodes` is optional in every family: absent from a resolved configuration until set (so runs
/// started before it existed resume), settable by file or override, and round-trips.
@Test func evaluationByEpisodesIsAnOptionalRunSetting() throws {
    let registry = Experiments.registry
    // DREAM's defaults evaluate every 2000 trials, the authors' cadence, and not by steps.
    let dream = try registry.configuration(algorithm: "dream")
    #expect(dream.run.evalIntervalEpisodes == 2000 && dream.run.evalInterval == 0)
    for algorithm in ["td3", "maml-trpo", "mame"] {
        let plain = try registry.configuration(algorithm: algorithm)
        #expect(plain.run.evalIntervalEpisodes == nil)
        #expect(!(try ConfigurationLoader.keys(try plain.yaml())).contains("run.evalIntervalEpisodes"), "\(algorithm)")
        let set = try registry.configuration(algorithm: algorithm, overrides: ["run.evalIntervalEpisodes=2000"])
        #expect(set.run.evalIntervalEpisodes == 2000)
        #expect(try registry.load(yaml: try set.yaml()) == set)
    }
}

/// The options reach the environments a run builds: an option the environment does not have is refused when the run
/// is set up, naming it, and one it has is accepted.
@Test func environmentOptionsReachTheRunsEnvironments() throws {
    let registry = Experiments.registry
    let base = ["environment=PointGoal-v1", "meta.tasksPerBatch=2", "meta.trajectoriesPerTask=2", "run.totalSteps=800"]
    let unknown = try registry.configuration(algorithm: "maml-vpg",
                                             overrides: base + ["run.environmentOptions.no_such_option=1"])
    do {
        _ = try TrainingSession.makeLoop(unknown, options: .init())
        Issue.record("an unknown environment option was accepted")
    } catch {
        #expect("\(error)".contains("no_such_option"), "\(error)")
    }
    let known = try registry.configuration(algorithm: "maml-vpg", overrides: base + ["run.environmentOptions.goal_range=2"])
    _ = try TrainingSession.makeLoop(known, options: .init())
}
