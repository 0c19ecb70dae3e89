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
        "cmp-halfcheetah": """
        # Counterfactual Meta Policy (CMP, Algorithm 1) on HalfCheetah-v5: the exploration policy (Gaussian MLP 64-64 with a
        # learned log-std, Adam 1e-4) is trained with the counterfactual advantage of Eq. 7 (meta-Q network 64-64 with layer
        # normalization, 5 updates per iteration; Algorithm 1's nesting, 5 per exploration-policy update, is
        # --set cmp.metaQ.schedule=perTeacherUpdate) for a baselines DDPG student (64-64 with layer
        # normalization). Sec. 4.1: 1000 exploration steps, 2000 evaluation steps, 500 student updates and 500 exploration-policy
        # updates per iteration, 1,500,000 environment steps.
        # Variants: --set cmp.beta=0 (CMP-0), --algo ma2c, --algo l2explore; TD3 student: --set student=td3.
        # DDPG baseline at the same budget: the ddpg-paper-halfcheetah preset.
        algorithm: cmp
        environment: HalfCheetah-v5
        student: ddpg
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
          noise: none
          batchSize: 64
          bufferSize: 1000000
          normalizeObservations: true
          observationClip: 5.0
        cmp:
          beta: 1.0
          explorationSteps: 1000
          evaluationSteps: 2000
          studentTrainingSteps: 500
          exerciseBatchSize: 64
          teacherUpdates: 500
          cyclesPerEpoch: 20
          studentReturnSource: previousLookahead
          returnEstimate: cumulative
          resetBeforeEvaluation: true
          movingSumWindow: 25
          teacher:
            hiddenSizes: [64, 64]
            layerNorm: true
            learningRate: 0.0001
          metaQ:
            hiddenSizes: [64, 64]
            layerNorm: true
            learningRate: 0.001
            tau: 0.01
            gamma: 0.99
            updates: 5
            schedule: perIteration
        run:
          totalSteps: 1500000
          evalInterval: 10000
          evalEpisodes: 10
          checkpointInterval: 50000
          logInterval: 1000
          seed: 0

        """,
        "cmp-hopper": """
        # Counterfactual Meta Policy (CMP, Algorithm 1) on Hopper-v5: the exploration policy (Gaussian MLP 64-64 with a
        # learned log-std, Adam 1e-4) is trained with the counterfactual advantage of Eq. 7 (meta-Q network 64-64 with layer
        # normalization, 5 updates per iteration; Algorithm 1's nesting, 5 per exploration-policy update, is
        # --set cmp.metaQ.schedule=perTeacherUpdate) for a baselines DDPG student (64-64 with layer
        # normalization). Sec. 4.1: 100 exploration steps, 200 evaluation steps, 50 student updates and 50 exploration-policy
        # updates per iteration, 1,000,000 environment steps.
        # Variants: --set cmp.beta=0 (CMP-0), --algo ma2c, --algo l2explore; TD3 student: --set student=td3.
        # DDPG baseline at the same budget: the ddpg-paper-hopper preset.
        algorithm: cmp
        environment: Hopper-v5
        student: ddpg
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
          noise: none
          batchSize: 64
          bufferSize: 1000000
          normalizeObservations: true
          observationClip: 5.0
        cmp:
          beta: 1.0
          explorationSteps: 100
          evaluationSteps: 200
          studentTrainingSteps: 50
          exerciseBatchSize: 64
          teacherUpdates: 50
          cyclesPerEpoch: 20
          studentReturnSource: previousLookahead
          returnEstimate: cumulative
          resetBeforeEvaluation: true
          movingSumWindow: 25
          teacher:
            hiddenSizes: [64, 64]
            layerNorm: true
            learningRate: 0.0001
          metaQ:
            hiddenSizes: [64, 64]
            layerNorm: true
            learningRate: 0.001
            tau: 0.01
            gamma: 0.99
            updates: 5
            schedule: perIteration
        run:
          totalSteps: 1000000
          evalInterval: 10000
          evalEpisodes: 10
          checkpointInterval: 50000
          logInterval: 1000
          seed: 0

        """,
        "cmp-inverteddoublependulum": """
        # Counterfactual Meta Policy (CMP, Algorithm 1) on InvertedDoublePendulum-v5: the exploration policy (Gaussian MLP 64-64 with a
        # learned log-std, Adam 1e-4) is trained with the counterfactual advantage of Eq. 7 (meta-Q network 64-64 with layer
        # normalization, 5 updates per iteration; Algorithm 1's nesting, 5 per exploration-policy update, is
        # --set cmp.metaQ.schedule=perTeacherUpdate) for a baselines DDPG student (64-64 with layer
        # normalization). Sec. 4.1: 100 exploration steps, 200 evaluation steps, 50 student updates and 50 exploration-policy
        # updates per iteration, 1,500,000 environment steps.
        # Variants: --set cmp.beta=0 (CMP-0), --algo ma2c, --algo l2explore; TD3 student: --set student=td3.
        # DDPG baseline at the same budget: the ddpg-paper-inverteddoublependulum preset.
        algorithm: cmp
        environment: InvertedDoublePendulum-v5
        student: ddpg
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
          noise: none
          batchSize: 64
          bufferSize: 1000000
          normalizeObservations: true
          observationClip: 5.0
        cmp:
          beta: 1.0
          explorationSteps: 100
          evaluationSteps: 200
          studentTrainingSteps: 50
          exerciseBatchSize: 64
          teacherUpdates: 50
          cyclesPerEpoch: 20
          studentReturnSource: previousLookahead
          returnEstimate: cumulative
          resetBeforeEvaluation: true
          movingSumWindow: 25
          teacher:
            hiddenSizes: [64, 64]
            layerNorm: true
            learningRate: 0.0001
          metaQ:
            hiddenSizes: [64, 64]
            layerNorm: true
            learningRate: 0.001
            tau: 0.01
            gamma: 0.99
            updates: 5
            schedule: perIteration
        run:
          totalSteps: 1500000
          evalInterval: 10000
          evalEpisodes: 10
          checkpointInterval: 50000
          logInterval: 1000
          seed: 0

        """,
        "cmp-invertedpendulum": """
        # Counterfactual Meta Policy (CMP, Algorithm 1) on InvertedPendulum-v5: the exploration policy (Gaussian MLP 64-64 with a
        # learned log-std, Adam 1e-4) is trained with the counterfactual advantage of Eq. 7 (meta-Q network 64-64 with layer
        # normalization, 5 updates per iteration; Algorithm 1's nesting, 5 per exploration-policy update, is
        # --set cmp.metaQ.schedule=perTeacherUpdate) for a baselines DDPG student (64-64 with layer
        # normalization). Sec. 4.1: 1000 exploration steps, 2000 evaluation steps, 500 student updates and 500 exploration-policy
        # updates per iteration, 1,500,000 environment steps.
        # Variants: --set cmp.beta=0 (CMP-0), --algo ma2c, --algo l2explore; TD3 student: --set student=td3.
        # DDPG baseline at the same budget: the ddpg-paper-invertedpendulum preset.
        algorithm: cmp
        environment: InvertedPendulum-v5
        student: ddpg
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
          noise: none
          batchSize: 64
          bufferSize: 1000000
          normalizeObservations: true
          observationClip: 5.0
        cmp:
          beta: 1.0
          explorationSteps: 1000
          evaluationSteps: 2000
          studentTrainingSteps: 500
          exerciseBatchSize: 64
          teacherUpdates: 500
          cyclesPerEpoch: 20
          studentReturnSource: previousLookahead
          returnEstimate: cumulative
          resetBeforeEvaluation: true
          movingSumWindow: 25
          teacher:
            hiddenSizes: [64, 64]
            layerNorm: true
            learningRate: 0.0001
          metaQ:
            hiddenSizes: [64, 64]
            layerNorm: true
            learningRate: 0.001
            tau: 0.01
            gamma: 0.99
            updates: 5
            schedule: perIteration
        run:
          totalSteps: 1500000
          evalInterval: 10000
          evalEpisodes: 10
          checkpointInterval: 50000
          logInterval: 1000
          seed: 0

        """,
        "cmp-pendulum": """
        # Counterfactual Meta Policy (CMP, Algorithm 1) on Pendulum-v1: the exploration policy (Gaussian MLP 64-64 with a
        # learned log-std, Adam 1e-4) is trained with the counterfactual advantage of Eq. 7 (meta-Q network 64-64 with layer
        # normalization, 5 updates per iteration; Algorithm 1's nesting, 5 per exploration-policy update, is
        # --set cmp.metaQ.schedule=perTeacherUpdate) for a baselines DDPG student (64-64 with layer
        # normalization). Sec. 4.1: 100 exploration steps, 200 evaluation steps, 50 student updates and 50 exploration-policy
        # updates per iteration, 900,000 environment steps.
        # Variants: --set cmp.beta=0 (CMP-0), --algo ma2c, --algo l2explore; TD3 student: --set student=td3.
        # DDPG baseline at the same budget: the ddpg-paper-pendulum preset.
        algorithm: cmp
        environment: Pendulum-v1
        student: ddpg
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
          noise: none
          batchSize: 64
          bufferSize: 1000000
          normalizeObservations: true
          observationClip: 5.0
        cmp:
          beta: 1.0
          explorationSteps: 100
          evaluationSteps: 200
          studentTrainingSteps: 50
          exerciseBatchSize: 64
          teacherUpdates: 50
          cyclesPerEpoch: 20
          studentReturnSource: previousLookahead
          returnEstimate: cumulative
          resetBeforeEvaluation: true
          movingSumWindow: 25
          teacher:
            hiddenSizes: [64, 64]
            layerNorm: true
            learningRate: 0.0001
          metaQ:
            hiddenSizes: [64, 64]
            layerNorm: true
            learningRate: 0.001
            tau: 0.01
            gamma: 0.99
            updates: 5
            schedule: perIteration
        run:
          totalSteps: 900000
          evalInterval: 10000
          evalEpisodes: 10
          checkpointInterval: 50000
          logInterval: 1000
          seed: 0

        """,
        "cmp-walker2d": """
        # Counterfactual Meta Policy (CMP, Algorithm 1) on Walker2d-v5: the exploration policy (Gaussian MLP 64-64 with a
        # learned log-std, Adam 1e-4) is trained with the counterfactual advantage of Eq. 7 (meta-Q network 64-64 with layer
        # normalization, 5 updates per iteration; Algorithm 1's nesting, 5 per exploration-policy update, is
        # --set cmp.metaQ.schedule=perTeacherUpdate) for a baselines DDPG student (64-64 with layer
        # normalization). Sec. 4.1: 100 exploration steps, 200 evaluation steps, 50 student updates and 50 exploration-policy
        # updates per iteration, 1,000,000 environment steps.
        # Variants: --set cmp.beta=0 (CMP-0), --algo ma2c, --algo l2explore; TD3 student: --set student=td3.
        # DDPG baseline at the same budget: ddpg-paper-hopper with --env Walker2d-v5.
        algorithm: cmp
        environment: Walker2d-v5
        student: ddpg
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
          noise: none
          batchSize: 64
          bufferSize: 1000000
          normalizeObservations: true
          observationClip: 5.0
        cmp:
          beta: 1.0
          explorationSteps: 100
          evaluationSteps: 200
          studentTrainingSteps: 50
          exerciseBatchSize: 64
          teacherUpdates: 50
          cyclesPerEpoch: 20
          studentReturnSource: previousLookahead
          returnEstimate: cumulative
          resetBeforeEvaluation: true
          movingSumWindow: 25
          teacher:
            hiddenSizes: [64, 64]
            layerNorm: true
            learningRate: 0.0001
          metaQ:
            hiddenSizes: [64, 64]
            layerNorm: true
            learningRate: 0.001
            tau: 0.01
            gamma: 0.99
            updates: 5
            schedule: perIteration
        run:
          totalSteps: 1000000
          evalInterval: 10000
          evalEpisodes: 10
          checkpointInterval: 50000
          logInterval: 1000
          seed: 0

        """,
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
        "ddpg-paper-halfcheetah": """
        # The DDPG baseline of Xu et al. 2018 on HalfCheetah-v5: OpenAI baselines' DDPG with its default exploration (adaptive
        # parameter noise, desired action stddev 0.2; Plappert et al. 2018), 64-64 networks with layer normalization, the
        # same budget (1,500,000 environment steps) and evaluation as the meta-halfcheetah preset.
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
          totalSteps: 1500000
          evalInterval: 10000
          evalEpisodes: 10
          checkpointInterval: 50000
          logInterval: 1000
          seed: 0

        """,
        "ddpg-paper-hopper": """
        # The DDPG baseline of Xu et al. 2018 on Hopper-v5: OpenAI baselines' DDPG with its default exploration (adaptive
        # parameter noise, desired action stddev 0.2; Plappert et al. 2018), 64-64 networks with layer normalization, the
        # same budget (1,000,000 environment steps) and evaluation as the meta-hopper preset.
        algorithm: ddpg
        environment: Hopper-v5
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
        "ddpg-paper-inverteddoublependulum": """
        # The DDPG baseline of Xu et al. 2018 on InvertedDoublePendulum-v5: OpenAI baselines' DDPG with its default exploration (adaptive
        # parameter noise, desired action stddev 0.2; Plappert et al. 2018), 64-64 networks with layer normalization, the
        # same budget (1,500,000 environment steps) and evaluation as the meta-inverteddoublependulum preset.
        algorithm: ddpg
        environment: InvertedDoublePendulum-v5
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
          totalSteps: 1500000
          evalInterval: 10000
          evalEpisodes: 10
          checkpointInterval: 50000
          logInterval: 1000
          seed: 0

        """,
        "ddpg-paper-invertedpendulum": """
        # The DDPG baseline of Xu et al. 2018 on InvertedPendulum-v5: OpenAI baselines' DDPG with its default exploration (adaptive
        # parameter noise, desired action stddev 0.2; Plappert et al. 2018), 64-64 networks with layer normalization, the
        # same budget (1,500,000 environment steps) and evaluation as the meta-invertedpendulum preset.
        algorithm: ddpg
        environment: InvertedPendulum-v5
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
          totalSteps: 1500000
          evalInterval: 10000
          evalEpisodes: 10
          checkpointInterval: 50000
          logInterval: 1000
          seed: 0

        """,
        "ddpg-paper-pendulum": """
        # The DDPG baseline of Xu et al. 2018 on Pendulum-v1: OpenAI baselines' DDPG with its default exploration (adaptive
        # parameter noise, desired action stddev 0.2; Plappert et al. 2018), 64-64 networks with layer normalization, the
        # same budget (900,000 environment steps) and evaluation as the meta-pendulum preset.
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
          noise: parameter
          noiseScale: 0.2
          batchSize: 64
          bufferSize: 1000000
          warmupSteps: 0
          updatesPerStep: 1
          normalizeObservations: true
          observationClip: 5.0
        run:
          totalSteps: 900000
          evalInterval: 10000
          evalEpisodes: 10
          checkpointInterval: 50000
          logInterval: 1000
          seed: 0

        """,
        "ddpg-paper-reacher": """
        # The DDPG baseline of Xu et al. 2018 on Reacher-v5: OpenAI baselines' DDPG with its default exploration (adaptive
        # parameter noise, desired action stddev 0.2; Plappert et al. 2018), 64-64 networks with layer normalization, the
        # same budget (700,000 environment steps) and evaluation as the meta-reacher preset.
        algorithm: ddpg
        environment: Reacher-v5
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
          totalSteps: 700000
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
        "meta-halfcheetah": """
        # Learned exploration by meta-policy gradient (Xu et al. 2018, ICML, Algorithm 1) on HalfCheetah-v5: the Meta teacher
        # (Gaussian MLP 64-64 with a learned log-std, Adam 1e-4) trains the exploration of a baselines DDPG student (64-64
        # with layer normalization). Sec. 5.1: 1000 exploration steps (D0), 2000 evaluation steps (D1), 500 student training
        # steps and 100 teacher steps per cycle, 20 cycles per epoch, 1,500,000 environment steps.
        # Variants: --algo meta-variance / meta-state (or algorithm: ...); TD3 student: --set student=td3.
        # Baseline at the same budget: the ddpg-paper-halfcheetah preset.
        algorithm: meta
        environment: HalfCheetah-v5
        student: ddpg
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
          noise: none
          batchSize: 64
          bufferSize: 1000000
          normalizeObservations: true
          observationClip: 5.0
        meta:
          explorationSteps: 1000
          evaluationSteps: 2000
          studentTrainingSteps: 500
          exerciseBatchSize: 64
          teacherSteps: 100
          cyclesPerEpoch: 20
          studentReturnSource: previousLookahead
          returnEstimate: cumulative
          resetBeforeEvaluation: true
          adoptLookaheadStudent: false
          teacher:
            hiddenSizes: [64, 64]
            layerNorm: true
            learningRate: 0.0001
        run:
          totalSteps: 1500000
          evalInterval: 10000
          evalEpisodes: 10
          checkpointInterval: 50000
          logInterval: 1000
          seed: 0

        """,
        "meta-hopper": """
        # Learned exploration by meta-policy gradient (Xu et al. 2018, ICML, Algorithm 1) on Hopper-v5: the Meta teacher
        # (Gaussian MLP 64-64 with a learned log-std, Adam 1e-4) trains the exploration of a baselines DDPG student (64-64
        # with layer normalization). Sec. 5.1: 100 exploration steps (D0), 200 evaluation steps (D1), 50 student training
        # steps and 1 teacher step per cycle, 20 cycles per epoch, 1,000,000 environment steps.
        # Variants: --algo meta-variance / meta-state (or algorithm: ...); TD3 student: --set student=td3.
        # Baseline at the same budget: the ddpg-paper-hopper preset.
        algorithm: meta
        environment: Hopper-v5
        student: ddpg
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
          noise: none
          batchSize: 64
          bufferSize: 1000000
          normalizeObservations: true
          observationClip: 5.0
        meta:
          explorationSteps: 100
          evaluationSteps: 200
          studentTrainingSteps: 50
          exerciseBatchSize: 64
          teacherSteps: 1
          cyclesPerEpoch: 20
          studentReturnSource: previousLookahead
          returnEstimate: cumulative
          resetBeforeEvaluation: true
          adoptLookaheadStudent: false
          teacher:
            hiddenSizes: [64, 64]
            layerNorm: true
            learningRate: 0.0001
        run:
          totalSteps: 1000000
          evalInterval: 10000
          evalEpisodes: 10
          checkpointInterval: 50000
          logInterval: 1000
          seed: 0

        """,
        "meta-inverteddoublependulum": """
        # Learned exploration by meta-policy gradient (Xu et al. 2018, ICML, Algorithm 1) on InvertedDoublePendulum-v5: the Meta teacher
        # (Gaussian MLP 64-64 with a learned log-std, Adam 1e-4) trains the exploration of a baselines DDPG student (64-64
        # with layer normalization). Sec. 5.1: 100 exploration steps (D0), 200 evaluation steps (D1), 50 student training
        # steps and 1 teacher step per cycle, 20 cycles per epoch, 1,500,000 environment steps.
        # Variants: --algo meta-variance / meta-state (or algorithm: ...); TD3 student: --set student=td3.
        # Baseline at the same budget: the ddpg-paper-inverteddoublependulum preset.
        algorithm: meta
        environment: InvertedDoublePendulum-v5
        student: ddpg
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
          noise: none
          batchSize: 64
          bufferSize: 1000000
          normalizeObservations: true
          observationClip: 5.0
        meta:
          explorationSteps: 100
          evaluationSteps: 200
          studentTrainingSteps: 50
          exerciseBatchSize: 64
          teacherSteps: 1
          cyclesPerEpoch: 20
          studentReturnSource: previousLookahead
          returnEstimate: cumulative
          resetBeforeEvaluation: true
          adoptLookaheadStudent: false
          teacher:
            hiddenSizes: [64, 64]
            layerNorm: true
            learningRate: 0.0001
        run:
          totalSteps: 1500000
          evalInterval: 10000
          evalEpisodes: 10
          checkpointInterval: 50000
          logInterval: 1000
          seed: 0

        """,
        "meta-invertedpendulum": """
        # Learned exploration by meta-policy gradient (Xu et al. 2018, ICML, Algorithm 1) on InvertedPendulum-v5: the Meta teacher
        # (Gaussian MLP 64-64 with a learned log-std, Adam 1e-4) trains the exploration of a baselines DDPG student (64-64
        # with layer normalization). Sec. 5.1: 1000 exploration steps (D0), 2000 evaluation steps (D1), 500 student training
        # steps and 100 teacher steps per cycle, 20 cycles per epoch, 1,500,000 environment steps.
        # Variants: --algo meta-variance / meta-state (or algorithm: ...); TD3 student: --set student=td3.
        # Baseline at the same budget: the ddpg-paper-invertedpendulum preset.
        algorithm: meta
        environment: InvertedPendulum-v5
        student: ddpg
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
          noise: none
          batchSize: 64
          bufferSize: 1000000
          normalizeObservations: true
          observationClip: 5.0
        meta:
          explorationSteps: 1000
          evaluationSteps: 2000
          studentTrainingSteps: 500
          exerciseBatchSize: 64
          teacherSteps: 100
          cyclesPerEpoch: 20
          studentReturnSource: previousLookahead
          returnEstimate: cumulative
          resetBeforeEvaluation: true
          adoptLookaheadStudent: false
          teacher:
            hiddenSizes: [64, 64]
            layerNorm: true
            learningRate: 0.0001
        run:
          totalSteps: 1500000
          evalInterval: 10000
          evalEpisodes: 10
          checkpointInterval: 50000
          logInterval: 1000
          seed: 0

        """,
        "meta-pendulum": """
        # Learned exploration by meta-policy gradient (Xu et al. 2018, ICML, Algorithm 1) on Pendulum-v1: the Meta teacher
        # (Gaussian MLP 64-64 with a learned log-std, Adam 1e-4) trains the exploration of a baselines DDPG student (64-64
        # with layer normalization). Sec. 5.1: 100 exploration steps (D0), 200 evaluation steps (D1), 50 student training
        # steps and 1 teacher step per cycle, 20 cycles per epoch, 900,000 environment steps.
        # Variants: --algo meta-variance / meta-state (or algorithm: ...); TD3 student: --set student=td3.
        # Baseline at the same budget: the ddpg-paper-pendulum preset.
        algorithm: meta
        environment: Pendulum-v1
        student: ddpg
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
          noise: none
          batchSize: 64
          bufferSize: 1000000
          normalizeObservations: true
          observationClip: 5.0
        meta:
          explorationSteps: 100
          evaluationSteps: 200
          studentTrainingSteps: 50
          exerciseBatchSize: 64
          teacherSteps: 1
          cyclesPerEpoch: 20
          studentReturnSource: previousLookahead
          returnEstimate: cumulative
          resetBeforeEvaluation: true
          adoptLookaheadStudent: false
          teacher:
            hiddenSizes: [64, 64]
            layerNorm: true
            learningRate: 0.0001
        run:
          totalSteps: 900000
          evalInterval: 10000
          evalEpisodes: 10
          checkpointInterval: 50000
          logInterval: 1000
          seed: 0

        """,
        "meta-reacher": """
        # Learned exploration by meta-policy gradient (Xu et al. 2018, ICML, Algorithm 1) on Reacher-v5: the Meta teacher
        # (Gaussian MLP 64-64 with a learned log-std, Adam 1e-4) trains the exploration of a baselines DDPG student (64-64
        # with layer normalization). Sec. 5.1: 100 exploration steps (D0), 200 evaluation steps (D1), 50 student training
        # steps and 1 teacher step per cycle, 20 cycles per epoch, 700,000 environment steps.
        # Variants: --algo meta-variance / meta-state (or algorithm: ...); TD3 student: --set student=td3.
        # Baseline at the same budget: the ddpg-paper-reacher preset.
        algorithm: meta
        environment: Reacher-v5
        student: ddpg
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
          noise: none
          batchSize: 64
          bufferSize: 1000000
          normalizeObservations: true
          observationClip: 5.0
        meta:
          explorationSteps: 100
          evaluationSteps: 200
          studentTrainingSteps: 50
          exerciseBatchSize: 64
          teacherSteps: 1
          cyclesPerEpoch: 20
          studentReturnSource: previousLookahead
          returnEstimate: cumulative
          resetBeforeEvaluation: true
          adoptLookaheadStudent: false
          teacher:
            hiddenSizes: [64, 64]
            layerNorm: true
            learningRate: 0.0001
        run:
          totalSteps: 700000
          evalInterval: 10000
          evalEpisodes: 10
          checkpointInterval: 50000
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
        # --set environment=<name>. 10000 initial random steps, as in the authors' published script; the paper's
        # text gives 1000 for tasks other than HalfCheetah and Ant (--set agent.warmupSteps=1000), which made the
        # actor collapse on InvertedDoublePendulum-v5 for two of three seeds here.
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
