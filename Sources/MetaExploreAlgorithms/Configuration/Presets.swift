// The YAML presets of presets/*.yaml, embedded so they load by name from any working directory.
// Keep these texts identical to the files (a test compares them).

/// Named configuration presets (the files under `presets/` at the repository root).
public enum Presets {
    /// Preset names, sorted.
    public static var names: [String] { texts.keys.sorted() }

    /// The YAML text of a preset.
    public static func yaml(named name: String) throws -> String {
        let key = name.hasSuffix(".yaml") ? String(name.dropLast(5)) : name
        guard let text = texts[key] else { throw ConfigurationError.unknownPreset(name, available: names) }
        return text
    }

    static let texts: [String: String] = [
        "ddpg-halfcheetah": """
        # DDPG on HalfCheetah-v5 as in OpenAI baselines: 64-64 networks with layer normalization, adaptive
        # parameter noise with desired action stddev 0.2 (Plappert et al. 2018), observation normalization clipped to 5.
        algorithm: ddpg
        environment: HalfCheetah-v5
        learner:
          hiddenSizes: [64, 64]
          layerNorm: true
          actorLearningRate: 0.0001
          criticLearningRate: 0.001
          criticL2: 0.01
          gamma: 0.99
          tau: 0.01
          rewardScale: 1.0
        agent:
          noise: parameter
          noiseScale: 0.2
          batchSize: 64
          bufferSize: 1000000
          warmupSteps: 0
          updatesPerStep: 1
          normalizeObservations: true
          observationClip: 5.0
        run:
          totalSteps: 1000000
          evalInterval: 10000
          evalEpisodes: 10
          checkpointInterval: 50000
          logInterval: 1000
          seed: 0

        """,
        "ddpg-pendulum": """
        # DDPG on Pendulum-v1 with the networks and learner settings of OpenAI baselines' DDPG
        # (Lillicrap et al. 2016; the student of Xu et al. 2018), Ornstein-Uhlenbeck exploration.
        algorithm: ddpg
        environment: Pendulum-v1
        learner:
          hiddenSizes: [64, 64]
          layerNorm: true
          actorLearningRate: 0.0001
          criticLearningRate: 0.001
          criticL2: 0.01
          gamma: 0.99
          tau: 0.01
          rewardScale: 1.0
        agent:
          noise: ou                    # none | gaussian | ou | parameter
          noiseScale: 0.2
          batchSize: 64
          bufferSize: 1000000
          warmupSteps: 1000
          updatesPerStep: 1
          normalizeObservations: true
          observationClip: 5.0
        run:
          totalSteps: 50000
          evalInterval: 2000
          evalEpisodes: 10
          checkpointInterval: 10000
          logInterval: 1000
          seed: 0

        """,
        "td3-halfcheetah": """
        # TD3 on HalfCheetah-v5 with the settings of Fujimoto et al. 2018 (Sec. 6.1, Table 3).
        algorithm: td3
        environment: HalfCheetah-v5
        learner:
          hiddenSizes: [400, 300]
          actorLearningRate: 0.001
          criticLearningRate: 0.001
          gamma: 0.99
          tau: 0.005
          policyNoise: 0.2             # target policy smoothing, clipped to +-noiseClip
          noiseClip: 0.5
          policyDelay: 2               # actor and target updates every 2 critic updates
        agent:
          noise: gaussian              # exploration N(0, 0.1)
          noiseScale: 0.1
          batchSize: 100
          bufferSize: 1000000
          warmupSteps: 10000
          updatesPerStep: 1
          normalizeObservations: false
          observationClip: 5.0
        run:
          totalSteps: 1000000
          evalInterval: 5000
          evalEpisodes: 10
          checkpointInterval: 50000
          logInterval: 1000
          seed: 0

        """,
        "td3-paper": """
        # TD3 with the settings of Fujimoto et al. 2018 (Sec. 6.1, Table 3). Choose the task with
        # --set environment=<name>; the paper uses 10000 initial random steps for HalfCheetah and Ant and 1000 for
        # the other tasks (--set agent.warmupSteps=1000).
        algorithm: td3
        environment: HalfCheetah-v5
        learner:
          hiddenSizes: [400, 300]
          actorLearningRate: 0.001
          criticLearningRate: 0.001
          gamma: 0.99
          tau: 0.005
          policyNoise: 0.2             # target policy smoothing, clipped to +-noiseClip
          noiseClip: 0.5
          policyDelay: 2               # actor and target updates every 2 critic updates
        agent:
          noise: gaussian              # exploration N(0, 0.1)
          noiseScale: 0.1
          batchSize: 100
          bufferSize: 1000000
          warmupSteps: 10000
          updatesPerStep: 1
          normalizeObservations: false
          observationClip: 5.0
        run:
          totalSteps: 1000000
          evalInterval: 5000
          evalEpisodes: 10
          checkpointInterval: 50000
          logInterval: 1000
          seed: 0

        """,
    ]
}
