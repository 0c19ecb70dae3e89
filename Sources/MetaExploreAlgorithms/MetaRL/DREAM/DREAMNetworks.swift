import MetaExploreNN
import MetaExploreRandom
import MetaExploreTensor

/// Sizes of DREAM's networks; the defaults are the authors' (`ezliu/dream` `configs/default.json`, `embed.py`).
public struct DREAMNetworkSettings: Codable, Equatable, Sendable {
    /// Width of f(μ) and g(τ) (`transition_embedder.embed_dim` 64: f, g and the exploitation policy's
    /// `trajectory_embedder` all share it).
    public var embeddingSize = 64
    /// f: one embedding table of this width per id component, then a linear layer (`IDEmbedder`: 32).
    public var problemComponentSize = 32
    /// g: the transition embedding (`TransitionEmbedder`): state embedding 64 (of s and of s′, one embedder),
    /// action embedding 32, concatenated → Linear 128 → ReLU → Linear `embeddingSize`.
    public var transitionStateEmbedding = 64
    public var transitionActionEmbedding = 32
    public var transitionHidden = 128
    /// g: the LSTM over transitions (128), then Linear 128 → ReLU → Linear `embeddingSize`.
    public var encoderHidden = 128
    /// Both policies: per-component grid embedding (`SimpleGridStateEmbedder`: 32 per component, hidden 256).
    public var gridComponentEmbedding = 32
    public var gridHidden = 256
    /// The exploitation policy's observation and instruction embeddings (64 each) → Linear 64 → LSTM 64;
    /// then [h, z] → Linear 256 → ReLU → Linear 64 → dueling head (`InstructionPolicyEmbedder`).
    public var exploitationObservationEmbedding = 64
    public var exploitationInstructionEmbedding = 64
    public var exploitationHidden = 64
    public var exploitationMixHidden = 256
    public var exploitationOutput = 64
    /// The exploration policy: observation 64 and previous action 16 → Linear 64 → LSTM 64 → dueling head
    /// (`RecurrentStateEmbedder` over an `ExperienceEmbedder` without reward, done or instruction).
    public var explorationObservationEmbedding = 64
    public var explorationActionEmbedding = 16
    public var explorationHidden = 64

    public init() {}
}

extension DiscreteComponentEmbedder {
    /// The same values as `callAsFunction(rows)`, computed once per distinct row and gathered (grid observations
    /// take few distinct values: a batch of 32 × 51 steps holds at most 324 distinct (x, y, status) rows). The
    /// gradient is the same sum, accumulated per distinct row first.
    func deduplicated(_ rows: [[Int]]) -> Tensor {
        var position: [[Int]: Int] = [:], unique: [[Int]] = [], map: [Int] = []
        map.reserveCapacity(rows.count)
        for row in rows {
            if let i = position[row] { map.append(i) } else {
                position[row] = unique.count
                map.append(unique.count)
                unique.append(row)
            }
        }
        if unique.count == rows.count { return self(rows) }
        return self(unique).pickingRows(map)
    }
}

extension LSTMCell {
    /// h_1 … h_T [T·B, H] of the cell unrolled from the zero state over time-major inputs [T·B, in]
    /// (`LSTMCell.sequence`: one fused op, the same values as T steps of the cell). The callers here build the
    /// inputs themselves, so a shape error would be a bug in this file, not bad input.
    func hiddenStates(_ inputs: Tensor, batchSize: Int) -> Tensor {
        do { return try sequence(inputs, batchSize: batchSize).hidden } catch {
            preconditionFailure("DREAM networks: \(error)")
        }
    }
}

/// f, DREAM's problem-ID embedder (Liu et al. 2021, §4.1, "F_ψ(μ)"; the authors' `IDEmbedder`): an embedding table
/// [problems, `problemComponentSize`] followed by a linear layer to `embeddingSize`. Deterministic; the Gaussian
/// noise of the exploitation policy's input (`DREAMProblemNoise`) and the norm penalty
/// (`InformationBottleneck.normPenalty`) are applied by the caller.
public final class ProblemEmbedder: Layer {
    public let table: EmbeddingTable
    public let output: Linear

    public init(problems: Int, componentSize: Int, embeddingSize: Int, dtype: DType = .float32, using rng: inout RandomStream) {
        table = EmbeddingTable(vocabulary: problems, size: componentSize, dtype: dtype, using: &rng)
        output = Linear(componentSize, embeddingSize, dtype: dtype, using: &rng)
    }

    public var problemCount: Int { table.vocabulary }
    public var embeddingSize: Int { output.outputSize }
    public var namedParameters: [(name: String, tensor: Tensor)] {
        prefixed("table", table.namedParameters) + prefixed("output", output.namedParameters)
    }

    /// f(μ) for each problem id: [problems.count, embeddingSize].
    public func callAsFunction(_ problems: [Int]) -> Tensor { output(table(problems)) }
}

/// One step of an exploration trajectory as g reads it: (s, a, s′) (`TransitionEmbedder` embeds the state, the
/// action and the next state; the authors' grid configuration embeds no reward).
public struct DREAMTransition: Sendable, Equatable {
    public var observation: [Int]
    public var action: Int
    public var nextObservation: [Int]

    public init(observation: [Int], action: Int, nextObservation: [Int]) {
        self.observation = observation
        self.action = action
        self.nextObservation = nextObservation
    }
}

/// The contexts g(τ:t) of a batch of trajectories for every prefix t = 0 … T (T the longest length), batch-major:
/// row b · (T + 1) + t of `contexts` is g(τ_b,:t); t = 0 is the empty prefix. `mask[b · (T + 1) + t]` is 1 for
/// t ≤ length_b and 0 beyond (padding).
public struct TrajectoryContexts {
    public let contexts: Tensor
    public let mask: [Double]
    public let lengths: [Int]
    /// T + 1.
    public let prefixes: Int

    /// Contexts [B · prefixes, width] for trajectories of the given lengths (each ≤ prefixes − 1); the mask follows.
    public init(contexts: Tensor, lengths: [Int], prefixes: Int) {
        precondition(contexts.shape.count == 2 && contexts.shape[0] == lengths.count * prefixes
                     && lengths.allSatisfy { $0 >= 0 && $0 < prefixes }, "TrajectoryContexts: shapes do not fit")
        self.contexts = contexts
        self.lengths = lengths
        self.prefixes = prefixes
        mask = lengths.flatMap { n in (0..<prefixes).map { $0 <= n ? 1.0 : 0.0 } }
    }

    /// g of each whole trajectory, g(τ_b,:length_b): [B, embeddingSize].
    public var final: Tensor {
        contexts.pickingRows(lengths.enumerated().map { b, n in b * prefixes + n })
    }
}

/// g, DREAM's trajectory encoder (Liu et al. 2021, §4.1, "g_ω(τ^exp)"; the authors' `TrajectoryEmbedder`):
///
///     e_t = Linear(ReLU(Linear([state_emb(s_t), state_emb(s_{t+1}), action_emb(a_t)])))   (transition embedding)
///     h_1 … h_T = LSTM(e_0 … e_{T−1}),  h_0 = 0
///     g(τ:t) = Linear(ReLU(Linear(h_t)))                                                   t = 0 … T
///
/// so g(τ:0) (nothing seen yet) is the same vector for every trajectory, and g(τ:t) depends only on the first t
/// transitions (the LSTM is causal; padding after a trajectory's end cannot change its contexts).
public final class TrajectoryEncoder: Layer {
    public let stateEmbedder: DiscreteComponentEmbedder
    public let actionEmbedder: EmbeddingTable
    public let transitionHidden: Linear
    public let transitionOutput: Linear
    public let cell: LSTMCell
    public let contextHidden: Linear
    public let contextOutput: Linear
    public let dtype: DType

    public init(observationVocabulary: [Int], actionCount: Int, settings s: DREAMNetworkSettings,
                dtype: DType = .float32, using rng: inout RandomStream) {
        self.dtype = dtype
        stateEmbedder = DiscreteComponentEmbedder(vocabulary: observationVocabulary, componentSize: s.gridComponentEmbedding,
                                                  hiddenSize: s.gridHidden, outputSize: s.transitionStateEmbedding,
                                                  dtype: dtype, using: &rng)
        actionEmbedder = EmbeddingTable(vocabulary: actionCount, size: s.transitionActionEmbedding, dtype: dtype, using: &rng)
        transitionHidden = Linear(2 * s.transitionStateEmbedding + s.transitionActionEmbedding, s.transitionHidden,
                                  dtype: dtype, using: &rng)
        transitionOutput = Linear(s.transitionHidden, s.embeddingSize, dtype: dtype, using: &rng)
        cell = LSTMCell(inputSize: s.embeddingSize, hiddenSize: s.encoderHidden, forgetBias: nil, dtype: dtype, using: &rng)
        contextHidden = Linear(s.encoderHidden, s.encoderHidden, dtype: dtype, using: &rng)
        contextOutput = Linear(s.encoderHidden, s.embeddingSize, dtype: dtype, using: &rng)
    }

    public var embeddingSize: Int { contextOutput.outputSize }
    public var namedParameters: [(name: String, tensor: Tensor)] {
        prefixed("state", stateEmbedder.namedParameters) + prefixed("action", actionEmbedder.namedParameters)
            + prefixed("transition_hidden", transitionHidden.namedParameters)
            + prefixed("transition_output", transitionOutput.namedParameters) + prefixed("lstm", cell.namedParameters)
            + prefixed("context_hidden", contextHidden.namedParameters)
            + prefixed("context_output", contextOutput.namedParameters)
    }

    /// g(τ:t) for every prefix of every trajectory (see `TrajectoryContexts`). Empty trajectories are allowed
    /// (only the empty prefix).
    public func contexts(_ trajectories: [[DREAMTransition]]) -> TrajectoryContexts {
        let batch = trajectories.count
        precondition(batch > 0, "TrajectoryEncoder: empty batch")
        let lengths = trajectories.map(\.count)
        let longest = lengths.max()!
        let prefixes = longest + 1
        var hidden: [Tensor] = [cell.zeroState(batchSize: batch).h]
        if longest > 0 {
            // Time-major rows t · B + b; trajectories shorter than t repeat their last transition (masked), and an
            // empty one a zero transition.
            var observations: [[Int]] = [], next: [[Int]] = [], actions: [Int] = []
            for t in 0..<longest {
                for trajectory in trajectories {
                    let step = trajectory.isEmpty ? nil : trajectory[Swift.min(t, trajectory.count - 1)]
                    let zero = Array(repeating: 0, count: stateEmbedder.tables.count)
                    observations.append(step?.observation ?? zero)
                    next.append(step?.nextObservation ?? zero)
                    actions.append(step?.action ?? 0)
                }
            }
            let states = stateEmbedder.deduplicated(observations + next)
            let n = observations.count
            let e = transitionOutput(transitionHidden(concatenate(
                [states.slice(axis: 0, 0..<n), states.slice(axis: 0, n..<(2 * n)), actionEmbedder(actions)],
                axis: 1)).relu())
            hidden.append(cell.hiddenStates(e, batchSize: batch))  // h_1 … h_T, one fused op
        }
        let timeMajor = contextOutput(contextHidden(concatenate(hidden, axis: 0)).relu())
        let order = (0..<(batch * prefixes)).map { row in (row % prefixes) * batch + row / prefixes }
        let contexts = timeMajor.pickingRows(order)
        return TrajectoryContexts(contexts: contexts, lengths: lengths, prefixes: prefixes)
    }
}

/// A dueling recurrent Q-network for DREAM's two policies (`ezliu/dream` dqn.py `DuelingNetwork` over embed.py
/// `RecurrentStateEmbedder` / `InstructionPolicyEmbedder`):
///
///     e_t = Linear(ReLU([obs_emb(s_t), instruction_emb(i)?, action_emb(a_{t−1} + 1)?]))
///     h_t = LSTM(e_t, h_{t−1})
///     x_t = h_t                                               (exploration policy: no conditioning)
///     x_t = Linear(ReLU(Linear([h_t, z])))                    (exploitation policy: z = f(μ) + ε or g(τ^exp))
///     Q(x_t, ·) = V(x_t) + A(x_t, ·) − mean_a A(x_t, a)
///
/// The exploration policy embeds the observation and the previous action (row 0: the start token); the
/// exploitation policy embeds the observation and the instruction. As in `RecurrentQNetwork`, the advantage mean is
/// taken per row (the authors' `torch.mean(advantage)` averages over the whole batch; greedy actions are the
/// same either way).
public final class DREAMQNetwork: Layer {
    public let stateEmbedder: DiscreteComponentEmbedder
    public let instructionEmbedder: DiscreteComponentEmbedder?
    public let actionEmbedder: EmbeddingTable?
    public let experience: Linear
    public let cell: LSTMCell
    public let mixHidden: Linear?
    public let mixOutput: Linear?
    public let value: Linear
    public let advantage: Linear
    public let conditioningSize: Int
    public let actionCount: Int
    public let dtype: DType
    private let parameterList: [(name: String, tensor: Tensor)]

    /// `instructionVocabulary` empty: no instruction; `actionEmbedding` 0: no previous action;
    /// `conditioningSize` 0: no z.
    public init(observationVocabulary: [Int], instructionVocabulary: [Int], actionCount: Int, observationEmbedding: Int,
                instructionEmbedding: Int, actionEmbedding: Int, hiddenSize: Int, conditioningSize: Int,
                mixHidden mixWidth: Int, outputSize: Int, gridComponent: Int, gridHidden: Int, dtype: DType = .float32,
                using rng: inout RandomStream) {
        precondition(actionCount > 0 && hiddenSize > 0, "DREAMQNetwork needs positive sizes")
        self.dtype = dtype
        self.actionCount = actionCount
        self.conditioningSize = conditioningSize
        stateEmbedder = DiscreteComponentEmbedder(vocabulary: observationVocabulary, componentSize: gridComponent,
                                                  hiddenSize: gridHidden, outputSize: observationEmbedding,
                                                  dtype: dtype, using: &rng)
        instructionEmbedder = instructionVocabulary.isEmpty ? nil
            : DiscreteComponentEmbedder(vocabulary: instructionVocabulary, componentSize: gridComponent,
                                        hiddenSize: gridHidden, outputSize: instructionEmbedding, dtype: dtype, using: &rng)
        actionEmbedder = actionEmbedding > 0
            ? EmbeddingTable(vocabulary: actionCount + 1, size: actionEmbedding, dtype: dtype, using: &rng) : nil
        let width = observationEmbedding + (instructionVocabulary.isEmpty ? 0 : instructionEmbedding)
            + (actionEmbedding > 0 ? actionEmbedding : 0)
        experience = Linear(width, hiddenSize, dtype: dtype, using: &rng)
        cell = LSTMCell(inputSize: hiddenSize, hiddenSize: hiddenSize, forgetBias: nil, dtype: dtype, using: &rng)
        var head = hiddenSize
        if conditioningSize > 0 {
            mixHidden = Linear(hiddenSize + conditioningSize, mixWidth, dtype: dtype, using: &rng)
            mixOutput = Linear(mixWidth, outputSize, dtype: dtype, using: &rng)
            head = outputSize
        } else {
            mixHidden = nil
            mixOutput = nil
        }
        value = Linear(head, 1, dtype: dtype, using: &rng)
        advantage = Linear(head, actionCount, dtype: dtype, using: &rng)
        var list = prefixed("state", stateEmbedder.namedParameters)
        if let instructionEmbedder { list += prefixed("instruction", instructionEmbedder.namedParameters) }
        if let actionEmbedder { list += prefixed("action", actionEmbedder.namedParameters) }
        list += prefixed("experience", experience.namedParameters) + prefixed("lstm", cell.namedParameters)
        if let mixHidden, let mixOutput {
            list += prefixed("mix_hidden", mixHidden.namedParameters) + prefixed("mix_output", mixOutput.namedParameters)
        }
        list += prefixed("value", value.namedParameters) + prefixed("advantage", advantage.namedParameters)
        parameterList = list
    }

    public var namedParameters: [(name: String, tensor: Tensor)] { parameterList }
    public var parameters: [Tensor] { parameterList.map(\.tensor) }
    public var hiddenSize: Int { cell.hiddenSize }

    /// The experience embedding of a flat list of inputs.
    func embed(_ inputs: [RecurrentExperience]) -> Tensor {
        var parts = [stateEmbedder.deduplicated(inputs.map(\.observation))]
        if let instructionEmbedder { parts.append(instructionEmbedder.deduplicated(inputs.map(\.instruction))) }
        if let actionEmbedder { parts.append(actionEmbedder(inputs.map { $0.previousAction + 1 })) }
        return experience(concatenate(parts, axis: 1).relu())
    }

    /// Q-values from LSTM outputs h [N, hidden] and (exploitation) z [N, conditioningSize].
    func qValues(hidden h: Tensor, conditioning z: Tensor?) -> Tensor {
        var x = h
        if let mixHidden, let mixOutput {
            guard let z else { preconditionFailure("DREAMQNetwork: conditioning input missing") }
            x = mixOutput(mixHidden(concatenate([h, z], axis: 1)).relu())
        }
        let a = advantage(x)
        return value(x) + a - a.mean(axes: [1], keepDims: true)
    }

    /// Unrolls over `sequences[b][t]` (one length T) from the zero state; `conditioning` is [B, conditioningSize]
    /// (one z per sequence, held for all its steps). Q-values [B · T, actions], row b · T + t.
    public func unroll(_ sequences: [[RecurrentExperience]], conditioning: Tensor?) -> Tensor {
        let batch = sequences.count
        precondition(batch > 0, "DREAMQNetwork.unroll: empty batch")
        let time = sequences[0].count
        precondition(time > 0 && sequences.allSatisfy { $0.count == time }, "DREAMQNetwork.unroll: ragged sequences")
        var flat: [RecurrentExperience] = []
        flat.reserveCapacity(batch * time)
        for t in 0..<time { for b in 0..<batch { flat.append(sequences[b][t]) } }
        let embedded = embed(flat)
        let outputs = cell.hiddenStates(embedded, batchSize: batch)  // time-major h_1 … h_T, one fused op
        let order = (0..<(batch * time)).map { row in (row % time) * batch + row / time }
        let h = outputs.pickingRows(order)
        var z: Tensor? = nil
        if let conditioning {
            precondition(conditioning.shape == [batch, conditioningSize], "DREAMQNetwork.unroll: conditioning shape")
            z = conditioning.pickingRows((0..<(batch * time)).map { row in row / time })
        }
        return qValues(hidden: h, conditioning: z)
    }

    /// One acting step for N inputs: Q-values [N, actions] and the next state.
    public func step(_ inputs: [RecurrentExperience], state: LSTMState, conditioning: Tensor?) -> (q: Tensor, state: LSTMState) {
        let next = cell(embed(inputs), state)
        return (qValues(hidden: next.h, conditioning: conditioning), next)
    }
}
