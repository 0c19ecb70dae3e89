import MetaExploreEnvironments

/// One of DREAM's two recurrent double DQNs (`exploration.*`, `exploitation.*`); defaults are the authors'
/// (`ezliu/dream` `configs/default.json`: Adam 1e-4, batch 32 sequences of up to 50 steps, a gradient step every 4
/// observed steps, target copy every 5000, gradient norm clipped to 10, γ 0.99, 16000 episodes of replay,
/// ε 1 → 0.01 over 250 000 acting steps, ε 0 in evaluation). They differ only in when updates start:
/// 500 episodes for the exploitation policy, 8000 for the exploration policy (`min_buffer_size`).
public struct DREAMPolicySettings: Codable, Equatable, Sendable {
    public var learningRate = 1e-4
    public var batchSize = 32
    public var sequenceLength = 50
    public var updateEvery = 4
    public var targetSyncEvery = 5000
    public var maxGradientNorm = 10.0
    public var discount = 0.99
    public var bufferCapacity = 16000
    public var minimumBufferSequences = 500
    public var epsilonStart = 1.0
    public var epsilonEnd = 0.01
    public var epsilonDecaySteps = 250_000
    public var testEpsilon = 0.0

    public init() {}

    /// The same values as the shared recurrent-DQN settings type (its embedding sizes are not used by DREAM).
    public var dqn: RecurrentDQNSettings {
        var s = RecurrentDQNSettings()
        s.learningRate = learningRate
        s.batchSize = batchSize
        s.sequenceLength = sequenceLength
        s.updateEvery = updateEvery
        s.targetSyncEvery = targetSyncEvery
        s.maxGradientNorm = maxGradientNorm
        s.discount = discount
        s.bufferCapacity = bufferCapacity
        s.minimumBufferSequences = minimumBufferSequences
        s.epsilonStart = epsilonStart
        s.epsilonEnd = epsilonEnd
        s.epsilonDecaySteps = epsilonDecaySteps
        s.testEpsilon = testEpsilon
        return s
    }

    func validate(_ prefix: String) throws {
        try checkPositive(learningRate, prefix + ".learningRate")
        try check(batchSize >= 1, prefix + ".batchSize", "must be at least 1, got \(batchSize)")
        try check(sequenceLength >= 1, prefix + ".sequenceLength", "must be at least 1, got \(sequenceLength)")
        try check(updateEvery >= 1, prefix + ".updateEvery", "must be at least 1, got \(updateEvery)")
        try check(targetSyncEvery >= 1, prefix + ".targetSyncEvery", "must be at least 1, got \(targetSyncEvery)")
        try checkPositive(maxGradientNorm, prefix + ".maxGradientNorm")
        try checkGamma(discount, prefix + ".discount")
        try check(bufferCapacity >= 1, prefix + ".bufferCapacity", "must be at least 1, got \(bufferCapacity)")
        try check(minimumBufferSequences >= 1 && minimumBufferSequences <= bufferCapacity,
                  prefix + ".minimumBufferSequences",
                  "must lie in 1…bufferCapacity (\(bufferCapacity)), got \(minimumBufferSequences)")
        try checkGamma(epsilonStart, prefix + ".epsilonStart")
        try checkGamma(epsilonEnd, prefix + ".epsilonEnd")
        try checkGamma(testEpsilon, prefix + ".testEpsilon")
        try check(epsilonDecaySteps >= 1, prefix + ".epsilonDecaySteps", "must be at least 1, got \(epsilonDecaySteps)")
    }
}

/// The information bottleneck (`bottleneck.*`): the authors' constants (embed.py `TrajectoryEmbedder`).
public struct DREAMBottleneckSettings: Codable, Equatable, Sendable {
    /// σ of the Gaussian noise on f in the exploitation policy's input (`0.1 * torch.randn_like`).
    public var problemNoise = 0.1
    /// C in the norm penalty mean max(‖f‖², C) (`cutoff` 10).
    public var normCutoff = 10.0
    /// c, the per-step cost of the exploration reward (`penalty` 0.1 in `default.json`; 0 on the 3-D task).
    public var informationPenalty = 0.1
    public init() {}
}

/// DREAM's experiment (`algorithm: dream`) on a grid world (`DistractingBus-v0`, `Map-v0`, `Cooking-v0`): one
/// unit of work is one trial (an exploration episode, then an exploitation episode in the same problem).
public struct DREAMConfiguration: ExperimentConfiguration {
    public var algorithm = "dream"
    public var environment = GridWorldEnvironment.distractingBusFamily
    public var exploration = DREAMConfiguration.explorationDefaults
    public var exploitation = DREAMPolicySettings()
    public var networks = DREAMNetworkSettings()
    public var bottleneck = DREAMBottleneckSettings()
    public var run = DREAMConfiguration.defaultRun

    public init() {}

    /// The exploration policy starts learning once 8000 exploration episodes are stored (`min_buffer_size`).
    public static var explorationDefaults: DREAMPolicySettings {
        var s = DREAMPolicySettings()
        s.minimumBufferSequences = 8000
        return s
    }

    /// The authors' budget and evaluation: 5M environment steps (exploration + exploitation); 100 test trials
    /// (ε = 0) every 2000 trials, as their loop does (`run.evalIntervalEpisodes`: a trial is one training episode of
    /// the loop; no evaluation by steps); a checkpoint every 250 000 steps, a record every 5000.
    public static var defaultRun: RunSettings {
        var r = RunSettings()
        r.totalSteps = 5_000_000
        r.evalInterval = 0
        r.evalIntervalEpisodes = 2000
        r.evalEpisodes = 100
        r.checkpointInterval = 250_000
        r.logInterval = 5000
        return r
    }


    /// The worlds DREAM runs on.
    public static let environments = [GridWorldEnvironment.distractingBusFamily, GridWorldEnvironment.mapFamily,
                                      GridWorldEnvironment.cookingFamily]

    public func validate() throws {
        try checkAlgorithm(algorithm, "dream")
        try check(Self.environments.contains(environment), "environment",
                  "must be one of \(Self.environments.joined(separator: ", ")) for dream, got '\(environment)'")
        try exploration.validate("exploration")
        try exploitation.validate("exploitation")
        let n = networks
        for (key, value) in [("embeddingSize", n.embeddingSize), ("problemComponentSize", n.problemComponentSize),
                             ("transitionStateEmbedding", n.transitionStateEmbedding),
                             ("transitionActionEmbedding", n.transitionActionEmbedding),
                             ("transitionHidden", n.transitionHidden), ("encoderHidden", n.encoderHidden),
                             ("gridComponentEmbedding", n.gridComponentEmbedding), ("gridHidden", n.gridHidden),
                             ("exploitationObservationEmbedding", n.exploitationObservationEmbedding),
                             ("exploitationInstructionEmbedding", n.exploitationInstructionEmbedding),
                             ("exploitationHidden", n.exploitationHidden), ("exploitationMixHidden", n.exploitationMixHidden),
                             ("exploitationOutput", n.exploitationOutput),
                             ("explorationObservationEmbedding", n.explorationObservationEmbedding),
                             ("explorationActionEmbedding", n.explorationActionEmbedding),
                             ("explorationHidden", n.explorationHidden)] {
            try check(value >= 1, "networks." + key, "must be at least 1, got \(value)")
        }
        try check(bottleneck.problemNoise >= 0 && bottleneck.problemNoise.isFinite, "bottleneck.problemNoise",
                  "must be ≥ 0, got \(bottleneck.problemNoise)")
        try check(bottleneck.normCutoff >= 0 && bottleneck.normCutoff.isFinite, "bottleneck.normCutoff",
                  "must be ≥ 0, got \(bottleneck.normCutoff)")
        try check(bottleneck.informationPenalty.isFinite, "bottleneck.informationPenalty",
                  "must be a finite number, got \(bottleneck.informationPenalty)")
        try run.validate()
    }

    public var learnerSettings: DREAMLearnerSettings {
        DREAMLearnerSettings(exploration: exploration.dqn, exploitation: exploitation.dqn, networks: networks,
                             problemNoise: bottleneck.problemNoise, normCutoff: bottleneck.normCutoff,
                             informationPenalty: bottleneck.informationPenalty)
    }
}
