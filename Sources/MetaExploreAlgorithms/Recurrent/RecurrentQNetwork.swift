import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor

/// The inputs of the experience embedding at one step (the authors' `InstructionState`): observation and
/// instruction as small integers, the previous action (−1 at the first step), previous reward and done flag.
public struct RecurrentExperience: Sendable, Equatable {
    public var observation: [Int]
    public var instruction: [Int]
    public var previousAction: Int
    public var previousReward: Double
    public var previousDone: Bool

    public init(observation: [Int], instruction: [Int] = [], previousAction: Int, previousReward: Double,
                previousDone: Bool = false) {
        self.observation = observation
        self.instruction = instruction
        self.previousAction = previousAction
        self.previousReward = previousReward
        self.previousDone = previousDone
    }
}

extension RecurrentStep {
    /// The embedding inputs at this step.
    public var experience: RecurrentExperience {
        RecurrentExperience(observation: observation, instruction: instruction, previousAction: previousAction,
                            previousReward: previousReward, previousDone: previousDone)
    }

    /// The embedding inputs at the next step (the previous action is this step's action).
    public var nextExperience: RecurrentExperience {
        RecurrentExperience(observation: nextObservation, instruction: nextInstruction, previousAction: action,
                            previousReward: nextPreviousReward, previousDone: nextPreviousDone)
    }
}

/// Architecture of a `RecurrentQNetwork`. Sizes default to the authors' (`RecurrentDQNSettings`).
public struct RecurrentQNetworkConfiguration: Codable, Equatable, Sendable {
    /// Number of values of each observation component (component i takes values 0..<observationVocabulary[i]).
    public var observationVocabulary: [Int]
    /// Same for the instruction; empty: no instruction embedding.
    public var instructionVocabulary: [Int]
    public var actionCount: Int
    /// Width of an optional extra per-step input (e.g. DREAM's problem or trajectory embedding), concatenated to
    /// the experience embedding's components; 0: none.
    public var conditioningSize: Int
    /// Dueling head V + A − mean(A), the mean taken per row (see `RecurrentQNetwork`).
    public var dueling: Bool
    public var stateEmbedding: Int
    public var instructionEmbedding: Int
    public var actionEmbedding: Int
    public var rewardEmbedding: Int
    public var doneEmbedding: Int
    public var experienceSize: Int
    public var hiddenSize: Int
    public var componentEmbedding: Int
    public var componentHidden: Int

    public init(settings: RecurrentDQNSettings = RecurrentDQNSettings(), observationVocabulary: [Int],
                instructionVocabulary: [Int] = [], actionCount: Int, conditioningSize: Int = 0, dueling: Bool = true) {
        self.observationVocabulary = observationVocabulary
        self.instructionVocabulary = instructionVocabulary
        self.actionCount = actionCount
        self.conditioningSize = conditioningSize
        self.dueling = dueling
        stateEmbedding = settings.stateEmbedding
        instructionEmbedding = settings.instructionEmbedding
        actionEmbedding = settings.actionEmbedding
        rewardEmbedding = settings.rewardEmbedding
        doneEmbedding = settings.doneEmbedding
        experienceSize = settings.experienceSize
        hiddenSize = settings.hiddenSize
        componentEmbedding = settings.gridComponentEmbedding
        componentHidden = settings.gridHidden
    }
}

/// A learned embedding table [vocabulary, size] (`nn.Embedding`, N(0, 1) initialization as PyTorch's).
public final class EmbeddingTable: Layer {
    public let table: Tensor

    public init(vocabulary: Int, size: Int, dtype: DType = .float32, using rng: inout RandomStream) {
        precondition(vocabulary > 0 && size > 0, "EmbeddingTable needs positive sizes")
        table = Tensor.randomNormal([vocabulary, size], dtype: dtype, using: &rng).requiringGrad()
    }

    public var vocabulary: Int { table.shape[0] }
    public var size: Int { table.shape[1] }
    public var namedParameters: [(name: String, tensor: Tensor)] { [("weight", table)] }

    /// Rows for the given indices: [indices.count, size].
    public func callAsFunction(_ indices: [Int]) -> Tensor {
        for i in indices {
            precondition(i >= 0 && i < vocabulary, "EmbeddingTable: index \(i) outside 0..<\(vocabulary)")
        }
        return table.pickingRows(indices)
    }
}

extension Tensor {
    /// `gatherRows` for row indices this module computed itself (in range by construction, so a thrown error would
    /// be a bug here, not bad input): the values and gradient bits of `gather(indices:axis: 0)` with each index
    /// repeated over the row, without building that per-element list.
    func pickingRows(_ rows: [Int]) -> Tensor {
        do { return try gatherRows(rows) } catch { preconditionFailure("\(error)") }
    }
}

/// The authors' `SimpleGridStateEmbedder`: one embedding table per integer component, concatenated, then
/// linear → ReLU → linear.
public final class DiscreteComponentEmbedder: Layer {
    public let tables: [EmbeddingTable]
    public let hidden: Linear
    public let output: Linear

    public init(vocabulary: [Int], componentSize: Int, hiddenSize: Int, outputSize: Int, dtype: DType = .float32,
                using rng: inout RandomStream) {
        precondition(!vocabulary.isEmpty, "DiscreteComponentEmbedder needs at least one component")
        tables = vocabulary.map { EmbeddingTable(vocabulary: $0, size: componentSize, dtype: dtype, using: &rng) }
        hidden = Linear(componentSize * vocabulary.count, hiddenSize, dtype: dtype, using: &rng)
        output = Linear(hiddenSize, outputSize, dtype: dtype, using: &rng)
    }

    public var namedParameters: [(name: String, tensor: Tensor)] {
        tables.enumerated().flatMap { prefixed("embed.\($0.offset)", $0.element.namedParameters) }
            + prefixed("hidden", hidden.namedParameters) + prefixed("output", output.namedParameters)
    }

    /// rows[n] is one input's components: [rows.count, outputSize].
    public func callAsFunction(_ rows: [[Int]]) -> Tensor {
        let parts = tables.indices.map { i in
            tables[i](rows.map { row -> Int in
                precondition(row.count == tables.count, "DiscreteComponentEmbedder: \(row.count) components, expected \(tables.count)")
                return row[i]
            })
        }
        return output(hidden(concatenate(parts, axis: 1)).relu())
    }
}

/// The result of unrolling a `RecurrentQNetwork` over a batch of sequences.
public struct RecurrentQOutput {
    /// Q-values [batch · time, actions], row b · time + t for sequence b at step t.
    public let q: Tensor
    /// The recurrent state after the last step.
    public let finalState: LSTMState
    public let batchSize: Int
    public let timeSteps: Int

    /// The Q-values of sequence b at step t.
    public func values(batch b: Int, time t: Int) -> [Double] {
        let a = q.shape[1], all = q.doubles
        return Array(all[((b * timeSteps + t) * a)..<((b * timeSteps + t + 1) * a)])
    }
}

/// The recurrent Q-network of the DREAM authors' baselines and policies (`ezliu/dream` embed.py
/// `RecurrentStateEmbedder` over an `ExperienceEmbedder`, dqn.py `DuelingNetwork`):
///
///     e = Linear_experienceSize(ReLU([state_emb(s), instruction_emb(i), action_emb(a_prev + 1),
///                                     reward_emb(r_prev), done_emb(d), conditioning]))
///     (h, c) = LSTMCell(e, (h, c))
///     Q = V(h) + A(h) − mean_a A(h)        (dueling; plain: Q = Linear(h))
///
/// - state and instruction: `DiscreteComponentEmbedder` (the authors' `SimpleGridStateEmbedder`: 32 per component,
///   256 hidden); previous action: a table of `actionCount + 1` rows (row 0 is the start token, action a is row
///   a + 1); previous reward: Linear(1, 16); done: a table of 2 rows.
/// - Dueling: the authors subtract `torch.mean(advantage)`, the mean over the *whole batch* (every row, step and
///   action), so one sequence's Q-values depend on the others in the batch. Here the mean is taken per row (per
///   step of each sequence, Wang et al. 2016 Eq. 9), which makes Q-values independent of batch composition; the
///   greedy action and the double-DQN action choice are the same either way, but the targets' values differ.
/// - `conditioning` (optional, `conditioningSize` wide) is concatenated to the embedded components before the ReLU
///   and the linear layer, so it reaches the LSTM at every step; gradients flow into it.
public final class RecurrentQNetwork: Layer {
    public let configuration: RecurrentQNetworkConfiguration
    public let stateEmbedder: DiscreteComponentEmbedder
    public let instructionEmbedder: DiscreteComponentEmbedder?
    public let actionEmbedder: EmbeddingTable
    public let rewardEmbedder: Linear
    public let doneEmbedder: EmbeddingTable
    public let experience: Linear
    public let cell: LSTMCell
    /// The advantage head (dueling) or the Q head.
    public let head: Linear
    /// The value head (dueling only).
    public let valueHead: Linear?
    public let dtype: DType
    private let parameterList: [(name: String, tensor: Tensor)]

    public init(_ configuration: RecurrentQNetworkConfiguration, dtype: DType = .float32, using rng: inout RandomStream) {
        let c = configuration
        precondition(c.actionCount > 0, "RecurrentQNetwork needs at least one action")
        self.configuration = c
        self.dtype = dtype
        stateEmbedder = DiscreteComponentEmbedder(vocabulary: c.observationVocabulary, componentSize: c.componentEmbedding,
                                                  hiddenSize: c.componentHidden, outputSize: c.stateEmbedding,
                                                  dtype: dtype, using: &rng)
        instructionEmbedder = c.instructionVocabulary.isEmpty ? nil
            : DiscreteComponentEmbedder(vocabulary: c.instructionVocabulary, componentSize: c.componentEmbedding,
                                        hiddenSize: c.componentHidden, outputSize: c.instructionEmbedding,
                                        dtype: dtype, using: &rng)
        actionEmbedder = EmbeddingTable(vocabulary: c.actionCount + 1, size: c.actionEmbedding, dtype: dtype, using: &rng)
        rewardEmbedder = Linear(1, c.rewardEmbedding, dtype: dtype, using: &rng)
        doneEmbedder = EmbeddingTable(vocabulary: 2, size: c.doneEmbedding, dtype: dtype, using: &rng)
        let width = c.stateEmbedding + (c.instructionVocabulary.isEmpty ? 0 : c.instructionEmbedding) + c.actionEmbedding
            + c.rewardEmbedding + c.doneEmbedding + c.conditioningSize
        experience = Linear(width, c.experienceSize, dtype: dtype, using: &rng)
        cell = LSTMCell(inputSize: c.experienceSize, hiddenSize: c.hiddenSize, dtype: dtype, using: &rng)
        head = Linear(c.hiddenSize, c.actionCount, dtype: dtype, using: &rng)
        valueHead = c.dueling ? Linear(c.hiddenSize, 1, dtype: dtype, using: &rng) : nil
        var list = prefixed("state", stateEmbedder.namedParameters)
        if let instructionEmbedder { list += prefixed("instruction", instructionEmbedder.namedParameters) }
        list += prefixed("action", actionEmbedder.namedParameters) + prefixed("reward", rewardEmbedder.namedParameters)
            + prefixed("done", doneEmbedder.namedParameters) + prefixed("experience", experience.namedParameters)
            + prefixed("lstm", cell.namedParameters)
            + prefixed(c.dueling ? "advantage" : "q", head.namedParameters)
        if let valueHead { list += prefixed("value", valueHead.namedParameters) }
        parameterList = list
    }

    public var namedParameters: [(name: String, tensor: Tensor)] { parameterList }
    public var parameters: [Tensor] { parameterList.map(\.tensor) }
    public var actionCount: Int { configuration.actionCount }
    public var hiddenSize: Int { configuration.hiddenSize }

    /// A network of the same architecture with a copy of these parameters (the target network).
    public func clone() -> RecurrentQNetwork {
        var rng = RandomStream(seed: 0)
        let copy = RecurrentQNetwork(configuration, dtype: dtype, using: &rng)
        copy.copyParameters(from: self)
        return copy
    }

    public func zeroState(batchSize: Int) -> LSTMState { cell.zeroState(batchSize: batchSize) }

    /// The experience embedding of a flat list of inputs: [inputs.count, experienceSize].
    public func embed(_ inputs: [RecurrentExperience], conditioning: Tensor? = nil) -> Tensor {
        let n = inputs.count
        var parts = [stateEmbedder(inputs.map(\.observation))]
        if let instructionEmbedder { parts.append(instructionEmbedder(inputs.map(\.instruction))) }
        parts.append(actionEmbedder(inputs.map { $0.previousAction + 1 }))
        parts.append(rewardEmbedder(Tensor(shape: [n, 1], doubles: inputs.map(\.previousReward), dtype: dtype)))
        parts.append(doneEmbedder(inputs.map { $0.previousDone ? 1 : 0 }))
        if configuration.conditioningSize > 0 {
            guard let conditioning else { preconditionFailure("RecurrentQNetwork: conditioning input missing") }
            precondition(conditioning.shape == [n, configuration.conditioningSize],
                         "RecurrentQNetwork: conditioning \(conditioning.shape), expected [\(n), \(configuration.conditioningSize)]")
            parts.append(conditioning)
        } else {
            precondition(conditioning == nil, "RecurrentQNetwork: conditioning given but conditioningSize is 0")
        }
        return experience(concatenate(parts, axis: 1).relu())
    }

    /// Q-values from LSTM outputs h [N, hidden].
    public func qValues(hidden h: Tensor) -> Tensor {
        let advantage = head(h)
        guard let valueHead else { return advantage }
        return valueHead(h) + advantage - advantage.mean(axes: [1], keepDims: true)
    }

    /// Unrolls over `sequences[b][t]` (all of one length T) from `initialState` (zeros when nil).
    /// `conditioning` is [B · T, conditioningSize] in the output's row order (b · T + t).
    ///
    /// The unroll is causal, so padding after a sequence's real steps cannot change its real steps' Q-values;
    /// masking happens in the loss.
    public func unroll(_ sequences: [[RecurrentExperience]], conditioning: Tensor? = nil,
                       initialState: LSTMState? = nil) -> RecurrentQOutput {
        let batch = sequences.count
        precondition(batch > 0, "RecurrentQNetwork.unroll: empty batch")
        let time = sequences[0].count
        precondition(time > 0 && sequences.allSatisfy { $0.count == time }, "RecurrentQNetwork.unroll: ragged sequences")
        // Embed every step at once, time-major (row t · B + b), so each step is one contiguous slice.
        var flat: [RecurrentExperience] = []
        flat.reserveCapacity(batch * time)
        for t in 0..<time { for b in 0..<batch { flat.append(sequences[b][t]) } }
        var timeMajorConditioning: Tensor? = nil
        if let conditioning {
            precondition(conditioning.shape.first == batch * time, "RecurrentQNetwork.unroll: conditioning rows")
            timeMajorConditioning = conditioning.gather(
                indices: (0..<(batch * time)).flatMap { row in
                    Array(repeating: (row % batch) * time + row / batch, count: conditioning.shape[1]) },
                axis: 0)
        }
        let embedded = embed(flat, conditioning: timeMajorConditioning)
        var state = initialState ?? zeroState(batchSize: batch)
        var outputs: [Tensor] = []
        for t in 0..<time {
            state = cell(embedded.slice(axis: 0, (t * batch)..<((t + 1) * batch)), state)
            outputs.append(state.h)
        }
        // Back to batch-major rows b · T + t.
        let hidden = concatenate(outputs, axis: 0)
        let order = (0..<(batch * time)).map { row in (row % time) * batch + row / time }
        let h = hidden.gather(indices: order.flatMap { Array(repeating: $0, count: hiddenSize) }, axis: 0)
        return RecurrentQOutput(q: qValues(hidden: h), finalState: state, batchSize: batch, timeSteps: time)
    }

    /// One acting step for N environments at once: Q-values [N, actions] and the next state.
    public func step(_ inputs: [RecurrentExperience], state: LSTMState, conditioning: Tensor? = nil) -> (q: Tensor, state: LSTMState) {
        let next = cell(embed(inputs, conditioning: conditioning), state)
        return (qValues(hidden: next.h), next)
    }
}
