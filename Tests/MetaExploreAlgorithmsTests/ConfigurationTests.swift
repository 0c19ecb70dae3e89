import Foundation
import MetaExploreAlgorithms
import Testing

@Test func td3PaperPresetMatchesPaperDefaults() throws {
    guard case .td3(let c) = try ConfigurationLoader.loadPreset("td3-paper") else {
        Issue.record("td3-paper is not a TD3 configuration"); return
    }
    #expect(c == TD3Configuration.paper)
    #expect(c.learner.hiddenSizes == [400, 300] && c.learner.tau == 0.005 && c.learner.policyDelay == 2)
    #expect(c.agent.batchSize == 100 && c.agent.noise == .gaussian && c.agent.noiseScale == 0.1 && c.agent.warmupSteps == 10_000)
}

@Test func everyPresetLoadsAndRoundTripsThroughYAML() throws {
    #expect(Presets.names.count >= 3)
    for name in Presets.names {
        let config = try ConfigurationLoader.loadPreset(name)
        let text = try ConfigurationLoader.yaml(config)
        #expect(try ConfigurationLoader.loadAny(yaml: text) == config, "preset \(name)")
    }
}

@Test func embeddedPresetsEqualTheFiles() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let dir = root.appendingPathComponent("presets")
    let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".yaml") }
    #expect(Set(files.map { String($0.dropLast(5)) }) == Set(Presets.names))
    for file in files {
        let text = try String(contentsOf: dir.appendingPathComponent(file), encoding: .utf8)
        #expect(try Presets.yaml(named: file) == text, "presets/\(file) differs from the embedded copy")
    }
}

@Test func partialFilesKeepDefaultsAndOverridesApply() throws {
    let yaml = """
    algorithm: ddpg
    learner:
      tau: 0.05
    """
    let c = try ConfigurationLoader.load(DDPGConfiguration.self, yaml: yaml,
                                         overrides: ["learner.actorLearningRate=3e-4", "agent.noise=gaussian",
                                                     "learner.hiddenSizes=[32, 16]", "run.seed=7",
                                                     "learner.gradientClipNorm=10"])
    #expect(c.learner.tau == 0.05)
    #expect(c.learner.actorLearningRate == 3e-4)
    #expect(c.learner.criticLearningRate == DDPGConfiguration.defaults.learner.criticLearningRate)
    #expect(c.agent.noise == .gaussian && c.learner.hiddenSizes == [32, 16] && c.run.seed == 7)
    #expect(c.learner.gradientClipNorm == 10)
    guard case .td3(let t) = try ConfigurationLoader.loadPreset("td3-paper", overrides: ["environment=Hopper-v5"]) else {
        Issue.record("not TD3"); return
    }
    #expect(t.environment == "Hopper-v5")
}

private func expectError(_ expected: ConfigurationError, yaml: String? = nil, overrides: [String] = [],
                         sourceLocation: SourceLocation = #_sourceLocation) {
    do {
        _ = try ConfigurationLoader.load(DDPGConfiguration.self, yaml: yaml, overrides: overrides)
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
    expectError(.invalidValue(key: "learner", message: "expected a mapping of keys"), overrides: ["learner=3"])
    #expect(throws: ConfigurationError.self) { try ConfigurationLoader.loadAny(yaml: "algorithm: ppo\n") }
    #expect(throws: ConfigurationError.self) { try ConfigurationLoader.loadPreset("nope") }
    let message = ConfigurationError.unknownKey("learner.learningRate").description
    #expect(message.contains("learner.learningRate"))
}

@Test func resolvedYAMLIsReadable() throws {
    let text = try ConfigurationLoader.yaml(TD3Configuration.paper)
    #expect(text.hasPrefix("algorithm: td3\n"))
    #expect(text.contains("  policyDelay: 2\n") && text.contains("  tau: 0.005\n") && text.contains("  gamma: 0.99\n"))
    #expect(text.contains("  hiddenSizes: [400, 300]\n") && text.contains("  observationClip: 5.0\n"))
    do {
        _ = try ConfigurationLoader.load(DDPGConfiguration.self, yaml: nil, overrides: ["agent.noise=loud"])
        Issue.record("bad enum accepted")
    } catch let ConfigurationError.invalidValue(key, message) {
        #expect(key == "agent.noise", "\(message)")
    }
}
