import Foundation
import MetaExploreNN
import MetaExploreRandom
import MetaExploreRuntime
import MetaExploreTensor

/// What one gradient step of one of DREAM's policies measured.
public struct DREAMUpdateMetrics: Sendable {
    /// The masked mean squared TD error.
    public var tdLoss: Double
    /// Exploitation only: the bottleneck loss L_g and the norm penalty on f (0 for the exploration policy).
    public var bottleneckLoss: Double
    public var normPenalty: Double
    /// Global gradient norm before clipping.
    public var gradientNorm: Double
    /// Exploration only: mean relabeled reward over the batch's real steps.
    public var meanReward: Double
}

/// The settings `DREAMLearner` reads (the family's configuration supplies them).
public struct DREAMLearnerSettings: Sendable, Equatable {
    public var exploration: RecurrentDQNSettings
    public var exploitation: RecurrentDQNSettings
    public var networks: DREAMNetworkSettings
    /// σ of the noise on f in the exploitation policy's input (0.1).
    public var problemNoise: Double
    /// C of the norm penalty mean max(‖f‖², C) (10).
    public var normCutoff: Double
    /// c, the per-step cost in the exploration reward (0.1 on the grids).
    public var informationPenalty: Double

    public init(exploration: RecurrentDQNSettings, exploitation: RecurrentDQNSettings, networks: DREAMNetworkSettings,
                problemNoise: Double, normCutoff: Double, informationPenalty: Double) {
        self.exploration = exploration
        self.exploitation = exploitation
        self.networks = networks
        self.problemNoise = problemNoise
        self.normCutoff = normCutoff
        self.informationPenalty = informationPenalty
    }
}

/// DREAM's learner (Liu et al. 2021, Algorithm 1 in the appendix; the authors' `main.py` with two `DQNAgent`s):
///
/// - **Exploitation** (`exploiter`, its target, f, g; one Adam over Q, f and g): a recurrent double DQN on the
///   exploitation episodes whose input z is either f(μ) + 0.1·N(0, I) or g(τ^exp) of the trial's exploration
///   episode; which one is chosen per trial by the caller (the authors alternate: g on even trials, f on odd ones,
///   for acting and for the gradient steps taken during that trial — DREAM Eq. 4 trains π^task on both). Its loss
///   is the TD loss + the bottleneck loss L_g + the norm penalty on f (`InformationBottleneck`), as the authors add
///   the trajectory embedder's auxiliary losses to the DQN loss.
/// - **Exploration** (`explorer` and its target; its own Adam): a recurrent double DQN on the exploration episodes
///   whose rewards are relabeled at every gradient step from the current f and g (DREAM Eq. 6,
///   `InformationBottleneck.explorationRewards`), so they follow the encoder as it learns.
/// - Targets (both policies): y = r + γ(1 − done)·Q_target(s′, argmax Q_online(s′, ·)). The exploitation target
///   network is always conditioned on its own copy of f plus fresh noise: the authors' target network holds its own
///   trajectory embedder, whose id/trajectory switch is never flipped from its default (ids), so their targets
///   always use the target f. The target copy of g would be unused and is not kept.
/// - Cadence per policy (`DQNUpdateSchedule`): every observed step counts; a gradient step every 4 once the buffer
///   holds `minimumBufferSequences` episodes (exploitation 500, exploration 8000), a target copy every 5000.
///   ε decays per acting step, 1 → 0.01 over 250 000 steps, separately for each policy.
/// - Randomness: each policy has its own stream for ε and replay sampling; the noise on f has its own.
public final class DREAMLearner {
    public let settings: DREAMLearnerSettings
    public let problemCount: Int
    public let explorer: DREAMQNetwork
    public let explorerTarget: DREAMQNetwork
    public let exploiter: DREAMQNetwork
    public let exploiterTarget: DREAMQNetwork
    public let f: ProblemEmbedder
    public let fTarget: ProblemEmbedder
    public let g: TrajectoryEncoder
    public let explorerOptimizer: Adam
    public let exploiterOptimizer: Adam
    public private(set) var explorerBuffer: DREAMReplay
    public private(set) var exploiterBuffer: DREAMReplay
    public private(set) var explorerSchedule: DQNUpdateSchedule
    public private(set) var exploiterSchedule: DQNUpdateSchedule
    public private(set) var explorerActingSteps = 0
    public private(set) var exploiterActingSteps = 0
    var explorerRNG: RandomStream
    var exploiterRNG: RandomStream
    var noiseRNG: RandomStream
    public let dtype: DType

    public init(settings: DREAMLearnerSettings, observationVocabulary: [Int], instructionVocabulary: [Int],
                actionCount: Int, problemCount: Int, dtype: DType = .float32, seed: UInt64) {
        self.settings = settings
        self.problemCount = problemCount
        self.dtype = dtype
        let n = settings.networks
        func explorationNetwork(_ rng: inout RandomStream) -> DREAMQNetwork {
            DREAMQNetwork(observationVocabulary: observationVocabulary, instructionVocabulary: [], actionCount: actionCount,
                          observationEmbedding: n.explorationObservationEmbedding, instructionEmbedding: 0,
                          actionEmbedding: n.explorationActionEmbedding, hiddenSize: n.explorationHidden,
                          conditioningSize: 0, mixHidden: 0, outputSize: 0, gridComponent: n.gridComponentEmbedding,
                          gridHidden: n.gridHidden, dtype: dtype, using: &rng)
        }
        func exploitationNetwork(_ rng: inout RandomStream) -> DREAMQNetwork {
            DREAMQNetwork(observationVocabulary: observationVocabulary, instructionVocabulary: instructionVocabulary,
                          actionCount: actionCount, observationEmbedding: n.exploitationObservationEmbedding,
                          instructionEmbedding: n.exploitationInstructionEmbedding, actionEmbedding: 0,
                          hiddenSize: n.exploitationHidden, conditioningSize: n.embeddingSize,
                          mixHidden: n.exploitationMixHidden, outputSize: n.exploitationOutput,
                          gridComponent: n.gridComponentEmbedding, gridHidden: n.gridHidden, dtype: dtype, using: &rng)
        }
        var rng = RandomStream(seed: seed, stream: "dream-exploration-init")
        explorer = explorationNetwork(&rng)
        explorerTarget = explorationNetwork(&rng)
        explorerTarget.copyParameters(from: explorer)
        rng = RandomStream(seed: seed, stream: "dream-exploitation-init")
        exploiter = exploitationNetwork(&rng)
        exploiterTarget = exploitationNetwork(&rng)
        exploiterTarget.copyParameters(from: exploiter)
        rng = RandomStream(seed: seed, stream: "dream-encoders-init")
        f = ProblemEmbedder(problems: problemCount, componentSize: n.problemComponentSize, embeddingSize: n.embeddingSize,
                            dtype: dtype, using: &rng)
        fTarget = ProblemEmbedder(problems: problemCount, componentSize: n.problemComponentSize,
                                  embeddingSize: n.embeddingSize, dtype: dtype, using: &rng)
        fTarget.copyParameters(from: f)
        g = TrajectoryEncoder(observationVocabulary: observationVocabulary, actionCount: actionCount, settings: n,
                              dtype: dtype, using: &rng)
        explorerOptimizer = Adam(parameters: explorer.parameters, learningRate: settings.exploration.learningRate)
        exploiterOptimizer = Adam(parameters: exploiter.parameters + f.parameters + g.parameters,
                                  learningRate: settings.exploitation.learningRate)
        explorerBuffer = DREAMReplay(capacity: settings.exploration.bufferCapacity,
                                     sequenceLength: settings.exploration.sequenceLength, learnsFromExploration: true)
        exploiterBuffer = DREAMReplay(capacity: settings.exploitation.bufferCapacity,
                                      sequenceLength: settings.exploitation.sequenceLength, learnsFromExploration: false)
        explorerSchedule = DQNUpdateSchedule(settings: settings.exploration)
        exploiterSchedule = DQNUpdateSchedule(settings: settings.exploitation)
        explorerRNG = RandomStream(seed: seed, stream: "dream-exploration")
        exploiterRNG = RandomStream(seed: seed, stream: "dream-exploitation")
        noiseRNG = RandomStream(seed: seed, stream: "dream-problem-noise")
    }

    public var actionCount: Int { explorer.actionCount }
    /// Current ε of each policy.
    public var explorationEpsilon: Double { LinearSchedule(epsilonOf: settings.exploration).value(at: explorerActingSteps) }
    public var exploitationEpsilon: Double { LinearSchedule(epsilonOf: settings.exploitation).value(at: exploiterActingSteps) }

    // MARK: - Conditioning

    /// z = f(μ) + σ·N(0, I) for each problem ([n, embeddingSize], a fresh draw from the noise stream).
    public func noisyProblemEmbedding(_ problems: [Int], target: Bool = false) -> Tensor {
        DREAMProblemNoise.perturb((target ? fTarget : f)(problems), std: settings.problemNoise, using: &noiseRNG)
    }

    /// z = g(τ) of each whole trajectory ([n, embeddingSize]).
    public func trajectoryEmbedding(_ trajectories: [[DREAMTransition]]) -> Tensor {
        g.contexts(trajectories).final
    }

    /// The exploration rewards of each trajectory under the current f and g (DREAM Eq. 6), with the distances
    /// d_0 … d_T they come from.
    public func explorationRewards(problems: [Int], trajectories: [[DREAMTransition]]) -> (rewards: [[Double]], distances: [[Double]]) {
        withoutGradients {
            let d = InformationBottleneck.distances(g.contexts(trajectories), problemEmbeddings: f(problems))
            return (d.map { InformationBottleneck.explorationRewards(distances: $0, penalty: settings.informationPenalty) }, d)
        }
    }

    // MARK: - Acting

    /// One ε-greedy step of the exploration policy from its carried LSTM state (nil: episode start). `greedy`: ε =
    /// `testEpsilon`, no schedule step, and no draw from the training streams (evaluation).
    public func explore(_ input: RecurrentExperience, state: LSTMState?, greedy: Bool, rng: inout RandomStream) -> (action: Int, state: LSTMState) {
        let (q, next) = withoutGradients {
            explorer.step([input], state: state ?? explorer.cell.zeroState(batchSize: 1), conditioning: nil)
        }
        let epsilon: Double
        if greedy { epsilon = settings.exploration.testEpsilon } else {
            explorerActingSteps += 1
            epsilon = LinearSchedule(epsilonOf: settings.exploration).value(at: explorerActingSteps)
        }
        return (Self.epsilonGreedy(q.doubles, epsilon: epsilon, rng: &rng), next)
    }

    /// One ε-greedy step of the exploitation policy conditioned on z [1, embeddingSize].
    public func exploit(_ input: RecurrentExperience, state: LSTMState?, conditioning z: Tensor, greedy: Bool,
                        rng: inout RandomStream) -> (action: Int, state: LSTMState) {
        let (q, next) = withoutGradients {
            exploiter.step([input], state: state ?? exploiter.cell.zeroState(batchSize: 1), conditioning: z)
        }
        let epsilon: Double
        if greedy { epsilon = settings.exploitation.testEpsilon } else {
            exploiterActingSteps += 1
            epsilon = LinearSchedule(epsilonOf: settings.exploitation).value(at: exploiterActingSteps)
        }
        return (Self.epsilonGreedy(q.doubles, epsilon: epsilon, rng: &rng), next)
    }

    /// Training-time acting draws its ε coin from the policy's own stream.
    public func exploreTraining(_ input: RecurrentExperience, state: LSTMState?) -> (action: Int, state: LSTMState) {
        var rng = explorerRNG
        defer { explorerRNG = rng }
        return explore(input, state: state, greedy: false, rng: &rng)
    }

    public func exploitTraining(_ input: RecurrentExperience, state: LSTMState?, conditioning z: Tensor) -> (action: Int, state: LSTMState) {
        var rng = exploiterRNG
        defer { exploiterRNG = rng }
        return exploit(input, state: state, conditioning: z, greedy: false, rng: &rng)
    }

    static func epsilonGreedy(_ q: [Double], epsilon: Double, rng: inout RandomStream) -> Int {
        if epsilon > 0 && rng.uniform() < epsilon { return rng.int(below: q.count) }
        var best = 0
        for a in q.indices where q[a] > q[best] { best = a }
        return best
    }

    // MARK: - Observing and updating
    //
    // The losses and gradient steps run with every float32 product on the engine's own kernel
    // (`BLASInfo.withEngineKernelForAllSizes`): their batch × time products (1 600 rows) would otherwise go to
    // OpenBLAS, whose kernels depend on the CPU family it detects (AVX2 ones on the development machine). The
    // results are then one FMA chain per element on every machine with AVX2 or AVX-512.

    /// Stores a finished exploration episode and counts its steps toward the exploration policy's schedule (the
    /// authors call `update` once per step after the episode), taking the gradient steps and target copies due.
    public func observeExploration(problem: Int, episode: [RecurrentStep]) -> [DREAMUpdateMetrics] {
        explorerBuffer.add(DREAMEpisodeRecord(problem: problem, exploration: episode, steps: episode))
        var metrics: [DREAMUpdateMetrics] = []
        for _ in episode {
            let decision = explorerSchedule.observe(bufferedSequences: explorerBuffer.count)
            if decision.gradientStep {
                metrics.append(trainExplorer(on: explorerBuffer.sample(settings.exploration.batchSize, using: &explorerRNG)))
            }
            if decision.syncTarget { explorerTarget.copyParameters(from: explorer) }
        }
        return metrics
    }

    /// Counts one exploitation step (the episode is stored with `storeExploitation` when it ends); takes the gradient
    /// step and target copy due, conditioning the online network on f (`useProblemIDs`) or on g.
    public func observeExploitationStep(useProblemIDs: Bool) -> DREAMUpdateMetrics? {
        let decision = exploiterSchedule.observe(bufferedSequences: exploiterBuffer.count)
        var metrics: DREAMUpdateMetrics? = nil
        if decision.gradientStep {
            metrics = trainExploiter(on: exploiterBuffer.sample(settings.exploitation.batchSize, using: &exploiterRNG),
                                     useProblemIDs: useProblemIDs)
        }
        if decision.syncTarget {
            exploiterTarget.copyParameters(from: exploiter)
            fTarget.copyParameters(from: f)
        }
        return metrics
    }

    public func storeExploitation(problem: Int, exploration: [RecurrentStep], episode: [RecurrentStep]) {
        exploiterBuffer.add(DREAMEpisodeRecord(problem: problem, exploration: exploration, steps: episode))
    }

    /// Padded sequences [e₀, e₁′, …, e_T′] per record, the mask (batch-major b · T + t) and T.
    static func sequences(_ records: [DREAMEpisodeRecord]) -> (inputs: [[RecurrentExperience]], steps: [[RecurrentStep]], mask: [Double], time: Int) {
        let time = records.map(\.steps.count).max()!
        var inputs: [[RecurrentExperience]] = [], steps: [[RecurrentStep]] = [], mask: [Double] = []
        for r in records {
            let padded = r.steps + Array(repeating: r.steps[r.steps.count - 1], count: time - r.steps.count)
            steps.append(padded)
            inputs.append([padded[0].experience] + padded.map(\.nextExperience))
            mask += Array(repeating: 1, count: r.steps.count) + Array(repeating: 0, count: time - r.steps.count)
        }
        return (inputs, steps, mask, time)
    }

    /// The masked double-DQN loss from the online Q-values over T + 1 inputs (with gradient) and the target's.
    func temporalDifferenceLoss(online q: Tensor, target qTarget: [Double], steps: [[RecurrentStep]], rewards: [[Double]],
                                mask: [Double], time: Int, discount: Double) -> Tensor {
        let a = actionCount, batch = steps.count
        let values = q.doubles
        var y: [Double] = [], rows: [Int] = [], actions: [Int] = []
        for b in 0..<batch {
            for t in 0..<time {
                let next = b * (time + 1) + t + 1
                let row = values[(next * a)..<((next + 1) * a)]
                var best = row.startIndex
                for i in row.indices where row[i] > row[best] { best = i }
                let choice = best - row.startIndex
                let s = steps[b][t]
                y.append(s.done ? rewards[b][t] : rewards[b][t] + discount * qTarget[next * a + choice])
                rows.append(b * (time + 1) + t)
                actions.append(s.action)
            }
        }
        let picked = q.pickingRows(rows).gather(indices: actions, axis: 1).reshaped([batch * time])
        let error = picked - Tensor(shape: [batch * time], doubles: y, dtype: dtype)
        let m = Tensor(shape: [batch * time], doubles: mask, dtype: dtype)
        return (error * error * m).sum() * (1 / Swift.max(mask.reduce(0, +), 1))
    }

    /// The exploration policy's masked double-DQN loss on exploration episodes, with their rewards relabeled from the
    /// current f and g (DREAM Eq. 6), and the mean relabeled reward over real steps.
    public func explorationLoss(on records: [DREAMEpisodeRecord]) -> (loss: Tensor, meanReward: Double) {
        BLASInfo.withEngineKernelForAllSizes {
            let batch = Self.sequences(records)
            let labels = explorationRewards(problems: records.map(\.problem), trajectories: records.map(\.explorationTransitions))
            let rewards = labels.rewards.map { r in (0..<batch.time).map { t in t < r.count ? r[t] : 0 } }
            let qTarget = withoutGradients { explorerTarget.unroll(batch.inputs, conditioning: nil).doubles }
            let q = explorer.unroll(batch.inputs, conditioning: nil)
            let loss = temporalDifferenceLoss(online: q, target: qTarget, steps: batch.steps, rewards: rewards, mask: batch.mask,
                                              time: batch.time, discount: settings.exploration.discount)
            var total = 0.0, count = 0.0
            for (b, r) in rewards.enumerated() { for t in 0..<batch.time where batch.mask[b * batch.time + t] > 0 { total += r[t]; count += 1 } }
            return (loss, total / Swift.max(count, 1))
        }
    }

    /// One gradient step of the exploration policy on sampled exploration episodes, rewards relabeled now.
    @discardableResult
    public func trainExplorer(on records: [DREAMEpisodeRecord]) -> DREAMUpdateMetrics {
        BLASInfo.withEngineKernelForAllSizes {
            let l = explorationLoss(on: records)
            let clipped = clipGradientNorm(gradients(of: l.loss, wrt: explorer.parameters), maxNorm: settings.exploration.maxGradientNorm)
            explorerOptimizer.step(clipped.gradients)
            return DREAMUpdateMetrics(tdLoss: l.loss.item, bottleneckLoss: 0, normPenalty: 0, gradientNorm: clipped.norm,
                                      meanReward: l.meanReward)
        }
    }

    /// The exploitation policy's full loss on a batch (TD + L_g + norm penalty) and its parts.
    public func exploitationLoss(on records: [DREAMEpisodeRecord], useProblemIDs: Bool) -> (total: Tensor, td: Double, bottleneck: Double, norm: Double) {
        BLASInfo.withEngineKernelForAllSizes {
            let batch = Self.sequences(records)
            let problems = records.map(\.problem)
            let contexts = g.contexts(records.map(\.explorationTransitions))
            let embeddings = f(problems)
            let z = useProblemIDs ? DREAMProblemNoise.perturb(embeddings, std: settings.problemNoise, using: &noiseRNG)
                                  : contexts.final
            let zTarget = withoutGradients { noisyProblemEmbedding(problems, target: true) }
            let qTarget = withoutGradients { exploiterTarget.unroll(batch.inputs, conditioning: zTarget).doubles }
            let q = exploiter.unroll(batch.inputs, conditioning: z)
            let td = temporalDifferenceLoss(online: q, target: qTarget, steps: batch.steps, rewards: batch.steps.map { $0.map(\.reward) },
                                            mask: batch.mask, time: batch.time, discount: settings.exploitation.discount)
            let bottleneck = InformationBottleneck.loss(contexts, problemEmbeddings: embeddings)
            let norm = InformationBottleneck.normPenalty(embeddings, cutoff: settings.normCutoff)
            return (td + bottleneck + norm, td.item, bottleneck.item, norm.item)
        }
    }

    /// One gradient step of the exploitation policy, f and g.
    @discardableResult
    public func trainExploiter(on records: [DREAMEpisodeRecord], useProblemIDs: Bool) -> DREAMUpdateMetrics {
        BLASInfo.withEngineKernelForAllSizes {
            let l = exploitationLoss(on: records, useProblemIDs: useProblemIDs)
            let clipped = clipGradientNorm(gradients(of: l.total, wrt: exploiterOptimizer.parameters),
                                           maxNorm: settings.exploitation.maxGradientNorm)
            exploiterOptimizer.step(clipped.gradients)
            return DREAMUpdateMetrics(tdLoss: l.td, bottleneckLoss: l.bottleneck, normPenalty: l.norm,
                                      gradientNorm: clipped.norm, meanReward: 0)
        }
    }

    // MARK: - Parameters and checkpoints

    public var namedParameters: [(name: String, tensor: Tensor)] {
        prefixed("explorer", explorer.namedParameters) + prefixed("explorer_target", explorerTarget.namedParameters)
            + prefixed("exploiter", exploiter.namedParameters) + prefixed("exploiter_target", exploiterTarget.namedParameters)
            + prefixed("f", f.namedParameters) + prefixed("f_target", fTarget.namedParameters)
            + prefixed("g", g.namedParameters)
    }

    public func saveState(into state: inout CheckpointState, prefix: String) {
        state.add(prefix: prefix + "net.", namedParameters)
        state.add(prefix: prefix + "explorer_adam.", explorerOptimizer.stateTensors)
        state.add(prefix: prefix + "exploiter_adam.", exploiterOptimizer.stateTensors)
        explorerBuffer.saveState(into: &state, prefix: prefix + "explorer_replay.")
        exploiterBuffer.saveState(into: &state, prefix: prefix + "exploiter_replay.")
        for (key, schedule) in [("explorer_schedule", explorerSchedule), ("exploiter_schedule", exploiterSchedule)] {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys   // the same text in every process
            if let data = try? encoder.encode(schedule), let text = String(data: data, encoding: .utf8) {
                state.metadata[prefix + key] = text
            }
        }
        state.set(prefix + "explorer_acting_steps", explorerActingSteps)
        state.set(prefix + "exploiter_acting_steps", exploiterActingSteps)
        state.setGenerator(prefix + "explorer_rng", explorerRNG)
        state.setGenerator(prefix + "exploiter_rng", exploiterRNG)
        state.setGenerator(prefix + "noise_rng", noiseRNG)
    }

    /// Restores a state written by `saveState` of a learner with the same settings; checks everything first.
    public func restoreState(from state: CheckpointState, prefix: String) throws {
        func schedule(_ key: String) throws -> DQNUpdateSchedule {
            guard let text = state.metadata[prefix + key] else { throw CheckpointStateError.missingMetadata(prefix + key) }
            guard let s = try? JSONDecoder().decode(DQNUpdateSchedule.self, from: Data(text.utf8)) else {
                throw CheckpointStateError.badMetadata(prefix + key, text)
            }
            return s
        }
        let schedules = (try schedule("explorer_schedule"), try schedule("exploiter_schedule"))
        var buffers = (explorerBuffer, exploiterBuffer)
        try buffers.0.restoreState(from: state, prefix: prefix + "explorer_replay.")
        try buffers.1.restoreState(from: state, prefix: prefix + "exploiter_replay.")
        let acting: (Int, Int) = (try state.value(prefix + "explorer_acting_steps"), try state.value(prefix + "exploiter_acting_steps"))
        let generators = (try state.generator(prefix + "explorer_rng"), try state.generator(prefix + "exploiter_rng"),
                          try state.generator(prefix + "noise_rng"))
        for (name, t) in prefixed(prefix + "net", namedParameters) {
            let saved = try state.tensor(name)
            guard saved.shape == t.shape, saved.dtype == t.dtype else {
                throw CheckpointStateError.shapeMismatch(name, expected: t.shape, found: saved.shape)
            }
        }
        try state.restore(prefix: prefix + "net.", into: namedParameters)
        try explorerOptimizer.loadState(state.tensors(prefix: prefix + "explorer_adam."))
        try exploiterOptimizer.loadState(state.tensors(prefix: prefix + "exploiter_adam."))
        explorerSchedule = schedules.0
        exploiterSchedule = schedules.1
        explorerBuffer = buffers.0
        exploiterBuffer = buffers.1
        explorerActingSteps = acting.0
        exploiterActingSteps = acting.1
        explorerRNG = generators.0
        exploiterRNG = generators.1
        noiseRNG = generators.2
    }

    public func firstNonFiniteParameter() -> String? {
        for (name, t) in namedParameters where !t.doubles.allSatisfy(\.isFinite) { return "parameter '\(name)'" }
        return nil
    }
}
