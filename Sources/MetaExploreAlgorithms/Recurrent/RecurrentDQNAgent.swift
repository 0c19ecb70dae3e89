import Foundation
import MetaExploreNN
import MetaExploreRandom
import MetaExploreRuntime
import MetaExploreTensor

/// What one gradient step of the recurrent DQN measured.
public struct RecurrentDQNUpdateMetrics: Sendable {
    /// The masked mean squared TD error before the step.
    public let loss: Double
    /// The global gradient norm before clipping.
    public let gradientNorm: Double
    /// Mean Q-value of the taken actions over real steps.
    public let meanQ: Double
    /// Whether the target network was copied after this observed step.
    public let syncedTarget: Bool
}

/// The DREAM authors' recurrent double DQN agent (`ezliu/dream` dqn.py `DQNAgent` + `RecurrentDQNPolicy`).
///
/// - Acting: ε-greedy over the online network's Q-values, with one LSTM state carried per environment (reset with
///   `beginEpisode(environment:)`); ε follows `LinearSchedule(epsilonOf: settings)`, the k-th exploring action
///   (k = 1, 2, …) using value(k); greedy acting uses `settings.testEpsilon` and does not advance the schedule.
/// - Storage: `observe(_:environment:)` keeps each environment's running episode apart and moves it into the
///   `SequenceReplayBuffer` whole when it ends (the buffer takes one stream of steps in order); every observed step
///   is counted by `DQNUpdateSchedule`, which decides gradient steps and target syncs.
/// - Training step on a `SequenceBatch`: online and target networks are both unrolled from the zero state over the
///   T + 1 experiences [e₀, e₁′, …, e_T′] (the step inputs of step 0, then each step's next inputs); the online
///   network's output at t < T gives Q(s_t, a_t) (with gradient), at t + 1 the double-DQN action choice, the target
///   network's output at t + 1 the value of that choice (`DoubleDQN.targets`); the loss is the squared TD error
///   averaged over real steps (the mask); gradients are clipped to `maxGradientNorm` jointly and applied with Adam
///   at `learningRate`.
///
/// Difference from the authors' code: their target network is unrolled over the next states only, starting from
/// the hidden state the *acting* network had stored after step 0 at collection time (`next_agent_state`); here the
/// target network is unrolled over the whole sequence from the zero state with its own weights (the same
/// information, with no stale acting state).
public final class RecurrentDQNAgent: Checkpointable {
    public let settings: RecurrentDQNSettings
    public let online: RecurrentQNetwork
    public let target: RecurrentQNetwork
    public let optimizer: Adam
    public let epsilonSchedule: LinearSchedule
    public private(set) var buffer: SequenceReplayBuffer
    public private(set) var schedule: DQNUpdateSchedule
    /// Exploring actions taken so far (drives ε).
    public private(set) var actingSteps = 0
    public var rng: RandomStream
    public let environments: Int
    /// Carried LSTM state per environment, h then c (hiddenSize each); nil = zero state.
    private var carried: [[Double]?]
    private var pending: [[RecurrentStep]]

    public init(settings: RecurrentDQNSettings, network: RecurrentQNetworkConfiguration, environments: Int = 1,
                dtype: DType = .float32, seed: UInt64) {
        precondition(environments > 0, "RecurrentDQNAgent needs at least one environment")
        self.settings = settings
        var initRNG = RandomStream(seed: seed, stream: "recurrent-dqn-init")
        online = RecurrentQNetwork(network, dtype: dtype, using: &initRNG)
        target = online.clone()
        optimizer = Adam(parameters: online.parameters, learningRate: settings.learningRate)
        epsilonSchedule = LinearSchedule(epsilonOf: settings)
        buffer = SequenceReplayBuffer(capacity: settings.bufferCapacity, sequenceLength: settings.sequenceLength)
        schedule = DQNUpdateSchedule(settings: settings)
        rng = RandomStream(seed: seed, stream: "recurrent-dqn")
        self.environments = environments
        carried = Array(repeating: nil, count: environments)
        pending = Array(repeating: [], count: environments)
    }

    public var actionCount: Int { online.actionCount }

    /// The current ε for exploring actions.
    public var epsilon: Double { epsilonSchedule.value(at: actingSteps) }

    /// Resets an environment's carried LSTM state (call at the start of each episode or trial).
    public func beginEpisode(environment: Int) {
        carried[environment] = nil
    }

    /// Chooses one action per listed environment from its current experience inputs and advances its carried
    /// state. `greedy`: evaluation (ε = `testEpsilon`, the schedule does not move).
    public func act(_ experiences: [RecurrentExperience], environments envs: [Int]? = nil, greedy: Bool = false) -> [Int] {
        let envs = envs ?? Array(0..<experiences.count)
        precondition(envs.count == experiences.count, "RecurrentDQNAgent.act: \(envs.count) environments for \(experiences.count) inputs")
        let h = hiddenSize
        var hs: [Double] = [], cs: [Double] = []
        for e in envs {
            if let s = carried[e] { hs += s[0..<h]; cs += s[h...] } else {
                hs += Array(repeating: 0, count: h); cs += Array(repeating: 0, count: h)
            }
        }
        let n = envs.count
        let (q, next) = withoutGradients {
            online.step(experiences, state: LSTMState(h: Tensor(shape: [n, h], doubles: hs, dtype: online.dtype),
                                                      c: Tensor(shape: [n, h], doubles: cs, dtype: online.dtype)))
        }
        let values = q.doubles, nh = next.h.doubles, nc = next.c.doubles
        var actions: [Int] = []
        for (i, e) in envs.enumerated() {
            carried[e] = Array(nh[(i * h)..<((i + 1) * h)]) + Array(nc[(i * h)..<((i + 1) * h)])
            let eps: Double
            if greedy { eps = settings.testEpsilon } else {
                actingSteps += 1
                eps = epsilonSchedule.value(at: actingSteps)
            }
            if eps > 0 && rng.uniform() < eps {
                actions.append(rng.int(below: actionCount))
            } else {
                let row = values[(i * actionCount)..<((i + 1) * actionCount)]
                var best = row.startIndex
                for a in row.indices where row[a] > row[best] { best = a }
                actions.append(best - row.startIndex)
            }
        }
        return actions
    }

    /// Records one step of an environment; when the schedule says so, takes a gradient step on a sampled batch
    /// and/or copies the target network. Returns the gradient step's metrics, if one happened.
    @discardableResult
    public func observe(_ step: RecurrentStep, environment: Int = 0) -> RecurrentDQNUpdateMetrics? {
        pending[environment].append(step)
        if step.done {
            for s in pending[environment] { buffer.add(s) }
            pending[environment] = []
        }
        let decision = schedule.observe(bufferedSequences: buffer.count)
        var metrics: RecurrentDQNUpdateMetrics? = nil
        if decision.gradientStep {
            let batch = buffer.sample(settings.batchSize, using: &rng)
            metrics = train(on: batch, syncedTarget: decision.syncTarget)
        }
        if decision.syncTarget { syncTarget() }
        return metrics
    }

    /// The masked loss of a batch as a differentiable tensor, with the double-DQN targets and the taken actions'
    /// Q-values (batch-major rows b · T + t).
    public func loss(on batch: SequenceBatch) -> (loss: Tensor, predictions: [Double], targets: [Double], mask: [Double]) {
        let b = batch.batchSize, t = batch.sequenceLength, a = actionCount
        let sequences = batch.steps.map { s in [s[0].experience] + s.map(\.nextExperience) }
        let out = online.unroll(sequences)
        let targetValues = withoutGradients { target.unroll(sequences).q.doubles }
        let onlineValues = out.q.doubles
        func row(_ values: [Double], _ r: Int) -> [Double] { Array(values[(r * a)..<((r + 1) * a)]) }
        var rewards: [Double] = [], done: [Bool] = [], onlineNext: [[Double]] = [], targetNext: [[Double]] = []
        var rows: [Int] = [], actions: [Int] = [], mask: [Double] = []
        for i in 0..<b {
            for j in 0..<t {
                let s = batch.steps[i][j]
                rewards.append(s.reward)
                done.append(s.done)
                onlineNext.append(row(onlineValues, i * (t + 1) + j + 1))
                targetNext.append(row(targetValues, i * (t + 1) + j + 1))
                rows.append(i * (t + 1) + j)
                actions.append(s.action)
                mask.append(batch.mask[i][j])
            }
        }
        let y = DoubleDQN.targets(rewards: rewards, done: done, onlineNext: onlineNext, targetNext: targetNext,
                                  discount: settings.discount)
        let picked = out.q.gather(indices: rows.flatMap { Array(repeating: $0, count: a) }, axis: 0)
            .gather(indices: actions, axis: 1).reshaped([b * t])
        let dtype = online.dtype
        let m = Tensor(shape: [b * t], doubles: mask, dtype: dtype)
        let error = picked - Tensor(shape: [b * t], doubles: y, dtype: dtype)
        let loss = (error * error * m).sum() * (1 / max(mask.reduce(0, +), 1))
        return (loss, picked.doubles, y, mask)
    }

    /// The loss's gradients for the online parameters, clipped to `maxGradientNorm` jointly, and the norm before
    /// clipping.
    public func clippedGradients(on batch: SequenceBatch) -> (gradients: [Tensor], norm: Double, loss: Double, meanQ: Double) {
        let l = loss(on: batch)
        let grads = gradients(of: l.loss, wrt: online.parameters)
        let clipped = clipGradientNorm(grads, maxNorm: settings.maxGradientNorm)
        let real = l.mask.reduce(0, +)
        let meanQ = zip(l.predictions, l.mask).reduce(0) { $0 + $1.0 * $1.1 } / max(real, 1)
        return (clipped.gradients, clipped.norm, l.loss.item, meanQ)
    }

    /// One gradient step on a batch.
    @discardableResult
    public func train(on batch: SequenceBatch, syncedTarget: Bool = false) -> RecurrentDQNUpdateMetrics {
        let g = clippedGradients(on: batch)
        optimizer.step(g.gradients)
        return RecurrentDQNUpdateMetrics(loss: g.loss, gradientNorm: g.norm, meanQ: g.meanQ, syncedTarget: syncedTarget)
    }

    /// Copies the online parameters into the target network.
    public func syncTarget() { target.copyParameters(from: online) }

    private var hiddenSize: Int { online.hiddenSize }

    // MARK: - Checkpoints

    /// Saves both networks, Adam's state, the schedule's counters, the acting step count, the generator, the
    /// carried LSTM states, the replay buffer and each environment's unfinished episode: a restored agent continues
    /// exactly as this one would.
    public func saveState(into state: inout CheckpointState, prefix: String) {
        buffer.saveState(into: &state, prefix: prefix + "replay.")
        let running = RecurrentStepCoding.encode(pending)
        state.add(prefix + "pending.steps", running.steps, copy: false)
        state.add(prefix + "pending.lengths", running.lengths, copy: false)
        state.add(prefix: prefix + "online.", online.namedParameters)
        state.add(prefix: prefix + "target.", target.namedParameters)
        state.add(prefix: prefix + "optimizer.", optimizer.stateTensors)
        // Sorted keys: the same schedule is the same text in every process (a checkpoint's metadata is compared
        // byte for byte across a resume).
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        if let data = try? encoder.encode(schedule), let text = String(data: data, encoding: .utf8) {
            state.metadata[prefix + "schedule"] = text
        }
        state.set(prefix + "acting_steps", actingSteps)
        state.setGenerator(prefix + "rng", rng)
        for e in 0..<environments {
            if let s = carried[e] { state.setDoubles(prefix + "carried.\(e)", s) } else { state.metadata[prefix + "carried.\(e)"] = "" }
        }
    }

    public func restoreState(from state: CheckpointState, prefix: String) throws {
        guard let text = state.metadata[prefix + "schedule"] else { throw CheckpointStateError.missingMetadata(prefix + "schedule") }
        guard let restoredSchedule = try? JSONDecoder().decode(DQNUpdateSchedule.self, from: Data(text.utf8)) else {
            throw CheckpointStateError.badMetadata(prefix + "schedule", text)
        }
        var restoredCarried: [[Double]?] = []
        for e in 0..<environments {
            let key = prefix + "carried.\(e)"
            guard let raw = state.metadata[key] else { throw CheckpointStateError.missingMetadata(key) }
            if raw.isEmpty { restoredCarried.append(nil) } else {
                let values = try state.doubles(key)
                guard values.count == 2 * hiddenSize else { throw CheckpointStateError.badMetadata(key, raw) }
                restoredCarried.append(values)
            }
        }
        guard let restoredPending = RecurrentStepCoding.decode(steps: try state.tensor(prefix + "pending.steps"),
                                                               lengths: try state.tensor(prefix + "pending.lengths")),
              restoredPending.count == environments else {
            throw CheckpointStateError.incompatible("pending episodes under '\(prefix)pending.' do not fit \(environments) environments")
        }
        var restoredBuffer = buffer
        try restoredBuffer.restoreState(from: state, prefix: prefix + "replay.")
        let steps: Int = try state.value(prefix + "acting_steps")
        let generator = try state.generator(prefix + "rng")
        // Check every tensor's presence and shape before overwriting any parameter.
        for (name, t) in prefixed(prefix + "online", online.namedParameters) + prefixed(prefix + "target", target.namedParameters) {
            let saved = try state.tensor(name)
            guard saved.shape == t.shape, saved.dtype == t.dtype else {
                throw CheckpointStateError.shapeMismatch(name, expected: t.shape, found: saved.shape)
            }
        }
        try state.restore(prefix: prefix + "online.", into: online.namedParameters)
        try state.restore(prefix: prefix + "target.", into: target.namedParameters)
        try optimizer.loadState(state.tensors(prefix: prefix + "optimizer."))
        schedule = restoredSchedule
        actingSteps = steps
        rng = generator
        carried = restoredCarried
        pending = restoredPending
        buffer = restoredBuffer
    }
}
