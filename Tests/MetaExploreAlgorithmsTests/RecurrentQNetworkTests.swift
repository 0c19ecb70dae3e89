import Foundation
import MetaExploreAlgorithms
import MetaExploreNN
import MetaExploreRandom
import MetaExploreRuntime
import MetaExploreTensor
import Testing

/// The recurrent Q-network and agent (DREAM's recurrent double DQN): shapes, masking, gradients, clipping, target
/// sync, checkpoints and a memory task only a recurrent policy solves.
@Suite("Recurrent Q-network and agent") struct RecurrentQNetworkTests {
    static func smallSettings() -> RecurrentDQNSettings {
        var s = RecurrentDQNSettings()
        s.stateEmbedding = 8
        s.instructionEmbedding = 4
        s.actionEmbedding = 4
        s.rewardEmbedding = 4
        s.doneEmbedding = 4
        s.experienceSize = 8
        s.hiddenSize = 8
        s.gridComponentEmbedding = 4
        s.gridHidden = 8
        s.batchSize = 4
        s.sequenceLength = 5
        s.bufferCapacity = 100
        s.minimumBufferSequences = 1
        return s
    }

    static func gridConfiguration(_ s: RecurrentDQNSettings, conditioning: Int = 0) -> RecurrentQNetworkConfiguration {
        RecurrentQNetworkConfiguration(settings: s, observationVocabulary: [5, 5, 3], instructionVocabulary: [4],
                                       actionCount: 9, conditioningSize: conditioning)
    }

    /// A random grid-like step (x, y, status; 9 actions).
    static func randomStep(_ rng: inout RandomStream, previousAction: Int, done: Bool) -> RecurrentStep {
        func obs() -> [Int] { [rng.int(below: 5), rng.int(below: 5), rng.int(below: 3)] }
        return RecurrentStep(observation: obs(), instruction: [rng.int(below: 4)], previousAction: previousAction,
                             previousReward: rng.uniform(-1, 1), previousDone: rng.int(below: 2) == 1,
                             action: rng.int(below: 9), reward: rng.uniform(-1, 1), done: done, nextObservation: obs(),
                             nextPreviousReward: rng.uniform(-1, 1))
    }

    static func randomEpisode(_ rng: inout RandomStream, length: Int) -> [RecurrentStep] {
        var steps: [RecurrentStep] = []
        var previous = -1
        for t in 0..<length {
            let s = randomStep(&rng, previousAction: previous, done: t == length - 1)
            previous = s.action
            steps.append(s)
        }
        return steps
    }

    /// A padded batch built by hand from episodes (the buffer's layout: padding repeats the last real step).
    static func batch(_ episodes: [[RecurrentStep]]) -> SequenceBatch {
        let longest = episodes.map(\.count).max()!
        return SequenceBatch(
            steps: episodes.map { $0 + Array(repeating: $0.last!, count: longest - $0.count) },
            mask: episodes.map { Array(repeating: 1, count: $0.count) + Array(repeating: 0, count: longest - $0.count) },
            lengths: episodes.map(\.count))
    }

    @Test func unrolledShapesAndPaddingDoNotTouchRealSteps() {
        let s = Self.smallSettings()
        var rng = RandomStream(seed: 3)
        let network = RecurrentQNetwork(Self.gridConfiguration(s), using: &rng)
        let episode = Self.randomEpisode(&rng, length: 4).map(\.experience)
        let other = Self.randomEpisode(&rng, length: 4).map(\.experience)
        // Sequence 1 is the first two steps of sequence 0 followed by two unrelated (padding) steps.
        let padded = Array(episode.prefix(2)) + Array(other.prefix(2))
        let out = network.unroll([episode, padded, other])
        #expect(out.q.shape == [12, 9] && out.batchSize == 3 && out.timeSteps == 4)
        #expect(out.finalState.h.shape == [3, 8])
        let alone = network.unroll([episode])
        for t in 0..<4 {
            let a = alone.values(batch: 0, time: t), b = out.values(batch: 0, time: t)
            #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-6 })
        }
        for t in 0..<2 {
            let a = alone.values(batch: 0, time: t), b = out.values(batch: 1, time: t)
            #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-6 })
        }
        // The acting step reproduces the unroll step by step.
        var state = network.zeroState(batchSize: 1)
        for t in 0..<4 {
            let r = withoutGradients { network.step([episode[t]], state: state) }
            state = r.state
            #expect(zip(r.q.doubles, alone.values(batch: 0, time: t)).allSatisfy { abs($0 - $1) < 1e-6 })
        }
        // Dueling with a per-row mean: each row's Q-values are independent of the rest of the batch.
        #expect(network.namedParameters.map(\.name).contains("value.weight"))
        #expect(Set(network.namedParameters.map(\.name)).count == network.namedParameters.count)
    }

    @Test func authorsSizesTrainOneStep() {
        // The authors' sizes: state 64 + instruction 64 + action 16 + reward 16 + done 16 → 64 → LSTM 64, grid
        // embedders 32 per component → 256; a batch of 32 sequences × 50 steps (plus the bootstrap step).
        var s = RecurrentDQNSettings()
        s.batchSize = 32
        let configuration = RecurrentQNetworkConfiguration(settings: s, observationVocabulary: [10, 10, 4],
                                                           instructionVocabulary: [4], actionCount: 9)
        let agent = RecurrentDQNAgent(settings: s, network: configuration, seed: 1)
        let shapes = Dictionary(uniqueKeysWithValues: agent.online.namedParameters.map { ($0.name, $0.tensor.shape) })
        #expect(shapes["experience.weight"] == [176, 64] && shapes["lstm.weight"] == [128, 256])
        #expect(shapes["state.hidden.weight"] == [96, 256] && shapes["state.output.weight"] == [256, 64])
        #expect(shapes["instruction.output.weight"] == [256, 64] && shapes["action.weight"] == [10, 16])
        #expect(shapes["reward.weight"] == [1, 16] && shapes["done.weight"] == [2, 16])
        #expect(shapes["advantage.weight"] == [64, 9] && shapes["value.weight"] == [64, 1])
        var rng = RandomStream(seed: 2)
        let episodes = (0..<32).map { i -> [RecurrentStep] in
            (0..<(i % 2 == 0 ? 50 : 20)).map { t in
                RecurrentStep(observation: [rng.int(below: 10), rng.int(below: 10), rng.int(below: 4)],
                              instruction: [rng.int(below: 4)], previousAction: t == 0 ? -1 : rng.int(below: 9),
                              previousReward: -0.1, action: rng.int(below: 9), reward: -0.1, done: t == (i % 2 == 0 ? 49 : 19),
                              nextObservation: [rng.int(below: 10), rng.int(below: 10), rng.int(below: 4)])
            }
        }
        let metrics = agent.train(on: Self.batch(episodes))
        #expect(metrics.loss.isFinite && metrics.gradientNorm.isFinite && metrics.gradientNorm > 0)
        #expect(agent.optimizer.stepCount == 1)
    }

    @Test func maskedLossIgnoresPaddingAndMatchesDoubleDQNHelpers() {
        var s = Self.smallSettings()
        s.discount = 0.9
        let agent = RecurrentDQNAgent(settings: s, network: Self.gridConfiguration(s), seed: 11)
        var rng = RandomStream(seed: 12)
        let long = Self.randomEpisode(&rng, length: 4), short = Self.randomEpisode(&rng, length: 2)
        let b = Self.batch([long, short])
        #expect(b.mask == [[1, 1, 1, 1], [1, 1, 0, 0]])
        let l = agent.loss(on: b)
        let reference = DoubleDQN.maskedMeanSquaredError(predictions: l.predictions, targets: l.targets, mask: l.mask)
        #expect(abs(l.loss.item - reference) < 1e-5 * max(1, reference))
        // Changing what the padding holds (its action, reward, inputs) does not change the loss.
        var altered = b
        for t in 2..<4 { altered.steps[1][t] = Self.randomStep(&rng, previousAction: 3, done: false) }
        #expect(abs(agent.loss(on: altered).loss.item - l.loss.item) < 1e-6)
        // Real steps: the last real step is terminal, so its target is its reward.
        #expect(abs(l.targets[3] - long[3].reward) < 1e-12 && abs(l.targets[5] - short[1].reward) < 1e-12)
    }

    @Test func gradientOfMaskedLossMatchesFiniteDifferences() {
        let s = Self.smallSettings()
        let agent = RecurrentDQNAgent(settings: s, network: Self.gridConfiguration(s, conditioning: 0), dtype: .float64, seed: 5)
        var rng = RandomStream(seed: 6)
        let b = Self.batch([Self.randomEpisode(&rng, length: 3), Self.randomEpisode(&rng, length: 2)])
        // Make the target network differ from the online one so that both paths matter.
        for p in agent.target.parameters {
            withoutGradients { p.assign(p + Tensor.randomNormal(p.shape, std: 0.05, dtype: .float64, using: &rng)) }
        }
        let named = agent.online.namedParameters
        let analytic = gradients(of: agent.loss(on: b).loss, wrt: named.map(\.tensor))
        var checked = 0
        for name in ["lstm.weight", "experience.weight", "state.embed.1.weight", "action.weight", "reward.weight",
                     "value.bias", "advantage.weight"] {
            let i = named.firstIndex { $0.name == name }!
            let p = named[i].tensor
            var values = p.doubles
            let grad = analytic[i].doubles
            // The element with the largest gradient, and one other.
            let largest = grad.indices.max { abs(grad[$0]) < abs(grad[$1]) }!
            for k in [largest, values.count / 2] {
                let h = 1e-6, original = values[k]
                values[k] = original + h
                p.assign(Tensor(shape: p.shape, doubles: values, dtype: .float64))
                let plus = agent.loss(on: b).loss.item
                values[k] = original - h
                p.assign(Tensor(shape: p.shape, doubles: values, dtype: .float64))
                let minus = agent.loss(on: b).loss.item
                values[k] = original
                p.assign(Tensor(shape: p.shape, doubles: values, dtype: .float64))
                let numeric = (plus - minus) / (2 * h)
                #expect(abs(numeric - grad[k]) <= 1e-6 + 1e-5 * abs(numeric), "\(name)[\(k)]: \(grad[k]) vs \(numeric)")
                checked += 1
            }
        }
        #expect(checked == 14)
    }

    @Test func conditioningReachesTheQValuesWithGradient() {
        let s = Self.smallSettings()
        var rng = RandomStream(seed: 8)
        let network = RecurrentQNetwork(Self.gridConfiguration(s, conditioning: 3), dtype: .float64, using: &rng)
        let seqs = [Self.randomEpisode(&rng, length: 3).map(\.experience), Self.randomEpisode(&rng, length: 3).map(\.experience)]
        let z = Tensor.randomNormal([6, 3], dtype: .float64, using: &rng).requiringGrad()
        let out = network.unroll(seqs, conditioning: z)
        let g = gradient(of: out.q.sum(), wrt: z)
        // The conditioning passes the ReLU with the other components: gradient where it is positive, none where not.
        #expect(g.shape == [6, 3])
        #expect(zip(z.doubles, g.doubles).allSatisfy { $0 > 0 ? $1 != 0 : $1 == 0 })
        #expect(z.doubles.contains { $0 > 0 })
        // Row b · T + t of the conditioning belongs to sequence b at step t: changing sequence 1's rows leaves
        // sequence 0 alone.
        var values = z.doubles
        for k in 9..<18 { values[k] += 1 }
        let other = network.unroll(seqs, conditioning: Tensor(shape: [6, 3], doubles: values, dtype: .float64))
        for t in 0..<3 { #expect(other.values(batch: 0, time: t) == out.values(batch: 0, time: t)) }
        #expect(other.values(batch: 1, time: 0) != out.values(batch: 1, time: 0))
    }

    @Test func gradientClippingCapsTheGlobalNorm() {
        var s = Self.smallSettings()
        var rng = RandomStream(seed: 21)
        let b = Self.batch([Self.randomEpisode(&rng, length: 4), Self.randomEpisode(&rng, length: 3)])
        func norm(_ g: [Tensor]) -> Double { g.reduce(0) { $0 + $1.doubles.reduce(0) { $0 + $1 * $1 } }.squareRoot() }
        s.maxGradientNorm = 1e6
        let loose = RecurrentDQNAgent(settings: s, network: Self.gridConfiguration(s), seed: 2).clippedGradients(on: b)
        #expect(abs(norm(loose.gradients) - loose.norm) <= 1e-4 * loose.norm)  // unclipped
        s.maxGradientNorm = loose.norm / 10
        let tight = RecurrentDQNAgent(settings: s, network: Self.gridConfiguration(s), seed: 2).clippedGradients(on: b)
        #expect(abs(tight.norm - loose.norm) <= 1e-6 * loose.norm)  // the norm before clipping
        #expect(norm(tight.gradients) <= s.maxGradientNorm * (1 + 1e-5))
        #expect(norm(tight.gradients) >= s.maxGradientNorm * (1 - 1e-4))
    }

    @Test func targetSyncCopiesExactly() {
        let s = Self.smallSettings()
        let agent = RecurrentDQNAgent(settings: s, network: Self.gridConfiguration(s), seed: 4)
        var rng = RandomStream(seed: 5)
        let b = Self.batch([Self.randomEpisode(&rng, length: 3)])
        #expect(zip(agent.online.parameters, agent.target.parameters).allSatisfy { $0.doubles == $1.doubles })
        agent.train(on: b)
        agent.train(on: b)
        #expect(!zip(agent.online.parameters, agent.target.parameters).allSatisfy { $0.doubles == $1.doubles })
        // The target network is a separate copy: training does not move it.
        agent.syncTarget()
        #expect(zip(agent.online.parameters, agent.target.parameters).allSatisfy { $0.doubles == $1.doubles })
        #expect(agent.online.parameters.first !== agent.target.parameters.first)
        let seq = [b.steps[0].map(\.experience)]
        #expect(agent.online.unroll(seq).q.doubles == agent.target.unroll(seq).q.doubles)
    }

    @Test func observeFollowsTheScheduleAndSyncsTheTarget() {
        var s = Self.smallSettings()
        s.updateEvery = 2
        s.targetSyncEvery = 6
        s.minimumBufferSequences = 1
        let agent = RecurrentDQNAgent(settings: s, network: Self.gridConfiguration(s), environments: 2, seed: 9)
        var rng = RandomStream(seed: 10)
        let e0 = Self.randomEpisode(&rng, length: 3), e1 = Self.randomEpisode(&rng, length: 3)
        var steps = 0
        // Interleaved environments: episodes reach the buffer whole.
        for t in 0..<3 {
            if agent.observe(e0[t], environment: 0) != nil { steps += 1 }
            if agent.observe(e1[t], environment: 1) != nil { steps += 1 }
        }
        #expect(agent.buffer.count == 2)
        #expect(agent.buffer.sequences[0] == e0 && agent.buffer.sequences[1] == e1)
        // Buffer non-empty from observed step 4 (e0 done): steps at 4; sync at 6? not reached (counter ends at 5).
        #expect(steps == 1 && agent.schedule.gradientSteps == 1 && agent.schedule.targetSyncs == 0)
        agent.observe(e0[0], environment: 0)  // observed step 6: a gradient step and a sync
        #expect(agent.schedule.gradientSteps == 2 && agent.schedule.targetSyncs == 1)
        #expect(zip(agent.online.parameters, agent.target.parameters).allSatisfy { $0.doubles == $1.doubles })
    }

    @Test func saveRestoreRoundTripGivesIdenticalQValues() throws {
        let s = Self.smallSettings()
        let agent = RecurrentDQNAgent(settings: s, network: Self.gridConfiguration(s), seed: 31)
        var rng = RandomStream(seed: 32)
        let episode = Self.randomEpisode(&rng, length: 4)
        let b = Self.batch([episode, Self.randomEpisode(&rng, length: 2)])
        agent.train(on: b)
        agent.syncTarget()
        agent.train(on: b)
        _ = agent.act([episode[0].experience])  // a carried state and one exploring step
        for step in Self.randomEpisode(&rng, length: 3) + Self.randomEpisode(&rng, length: 2).prefix(1) {
            agent.observe(step)  // two sequences: one stored, one unfinished
        }
        var saved = CheckpointState()
        agent.saveState(into: &saved, prefix: "agent.")
        // The schedule's text has its keys in sorted order (the same text in every process).
        let scheduleText = try #require(saved.metadata["agent.schedule"])
        let keyOrder = scheduleText.split(separator: "\"").enumerated().filter { $0.offset % 2 == 1 }.map { String($0.element) }
        #expect(keyOrder == keyOrder.sorted() && keyOrder.contains("observedSteps"), "\(scheduleText)")
        // Through a real safetensors file (the replay and pending episodes are float64 tensors).
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("recurrent-dqn-checkpoint-\(ProcessInfo.processInfo.processIdentifier)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try SafeTensorsCheckpointStore(directory: directory)
        try store.writeCheckpoint(saved, step: 1, reason: .periodic)
        let state = try SafeTensorsCheckpointStore.read(store.url(step: 1))
        let restored = RecurrentDQNAgent(settings: s, network: Self.gridConfiguration(s), seed: 99)
        try restored.restoreState(from: state, prefix: "agent.")
        let seq = [episode.map(\.experience)]
        #expect(restored.online.unroll(seq).q.doubles == agent.online.unroll(seq).q.doubles)
        #expect(restored.target.unroll(seq).q.doubles == agent.target.unroll(seq).q.doubles)
        #expect(restored.actingSteps == agent.actingSteps && restored.schedule == agent.schedule)
        #expect(restored.buffer.sequences == agent.buffer.sequences && restored.buffer.count == 1)
        #expect(restored.optimizer.stepCount == agent.optimizer.stepCount && agent.optimizer.stepCount >= 2)
        // The unfinished episode came across: finishing it stores the same sequence in both.
        let last = Self.randomStep(&rng, previousAction: 0, done: true)
        agent.observe(last)
        restored.observe(last)
        #expect(restored.buffer.sequences == agent.buffer.sequences && restored.buffer.count == 2)
        #expect(zip(agent.online.parameters, restored.online.parameters).allSatisfy { $0.doubles == $1.doubles })
        // Both continue identically: the carried state, the generator and Adam's moments came across.
        #expect(restored.act([episode[1].experience], greedy: true) == agent.act([episode[1].experience], greedy: true))
        #expect(restored.act([episode[2].experience]) == agent.act([episode[2].experience]))
        agent.train(on: b)
        restored.train(on: b)
        #expect(zip(agent.online.parameters, restored.online.parameters).allSatisfy { $0.doubles == $1.doubles })
        // A checkpoint of another architecture is refused before anything changes.
        var other = s
        other.hiddenSize = 6
        let mismatched = RecurrentDQNAgent(settings: other, network: Self.gridConfiguration(other), seed: 1)
        let before = mismatched.online.parameters.map(\.doubles)
        #expect(throws: (any Error).self) { try mismatched.restoreState(from: state, prefix: "agent.") }
        #expect(mismatched.online.parameters.map(\.doubles) == before)
    }

    @Test func stepCodingRoundTripsExactly() throws {
        var rng = RandomStream(seed: 40)
        var episodes = [Self.randomEpisode(&rng, length: 3), [], Self.randomEpisode(&rng, length: 1)]
        episodes[2][0].instruction = []  // variable widths
        episodes[2][0].nextObservation = [1]
        let coded = RecurrentStepCoding.encode(episodes)
        #expect(RecurrentStepCoding.decode(steps: coded.steps, lengths: coded.lengths) == episodes)
        #expect(RecurrentStepCoding.decode(steps: coded.steps.slice(axis: 0, 0..<5), lengths: coded.lengths) == nil)
        var buffer = SequenceReplayBuffer(capacity: 2, sequenceLength: 4)
        for e in episodes where !e.isEmpty { for s in e { buffer.add(s) } }
        buffer.add(episodes[0][0])
        var state = CheckpointState()
        buffer.saveState(into: &state, prefix: "r.")
        var copy = SequenceReplayBuffer(capacity: 2, sequenceLength: 4)
        try copy.restoreState(from: state, prefix: "r.")
        #expect(copy.sequences == buffer.sequences)
        buffer.add(episodes[2][0])  // finishes the running sequence and replaces the oldest in both
        copy.add(episodes[2][0])
        #expect(copy.sequences == buffer.sequences)
        var wrong = SequenceReplayBuffer(capacity: 3, sequenceLength: 4)
        #expect(throws: CheckpointStateError.self) { try wrong.restoreState(from: state, prefix: "r.") }
    }

    /// Two steps: at t = 0 the observation shows a cue (1 or 2), at t = 1 it shows 0 and the action matching the
    /// cue earns +1, the other −1. The action at t = 0 is ignored by the task and recorded as action 0 (otherwise
    /// a memoryless policy could copy the cue into its first action and read it back from the previous-action
    /// input), and the previous reward at t = 1 is always 0, so nothing at t = 1 but the LSTM's state tells the
    /// cue: a memoryless policy averages 0.
    @Test(arguments: [0, 1, 2]) func learnsTwoStepMemoryTask(seed: Int) {
        var s = Self.smallSettings()
        s.hiddenSize = 16
        s.experienceSize = 16
        s.learningRate = 3e-3
        s.batchSize = 16
        s.updateEvery = 1
        s.targetSyncEvery = 50
        s.minimumBufferSequences = 16
        s.sequenceLength = 2
        s.bufferCapacity = 400
        s.epsilonStart = 1
        s.epsilonEnd = 0.1
        s.epsilonDecaySteps = 400
        let configuration = RecurrentQNetworkConfiguration(settings: s, observationVocabulary: [3], actionCount: 2)
        let agent = RecurrentDQNAgent(settings: s, network: configuration, seed: UInt64(seed))
        var taskRNG = RandomStream(seed: UInt64(seed) + 100)

        func episode(greedy: Bool, wipeMemory: Bool = false) -> Double {
            let cue = 1 + taskRNG.int(below: 2)
            agent.beginEpisode(environment: 0)
            let first = RecurrentExperience(observation: [cue], previousAction: -1, previousReward: 0)
            _ = agent.act([first], greedy: greedy)  // advances the carried state; the task ignores the action
            let a0 = 0
            let second = RecurrentExperience(observation: [0], previousAction: a0, previousReward: 0)
            if wipeMemory { agent.beginEpisode(environment: 0) }
            let a1 = agent.act([second], greedy: greedy)[0]
            let reward: Double = a1 == cue - 1 ? 1 : -1
            if !greedy {
                agent.observe(RecurrentStep(observation: [cue], previousAction: -1, previousReward: 0, action: a0,
                                            reward: 0, done: false, nextObservation: [0]))
                agent.observe(RecurrentStep(observation: [0], previousAction: a0, previousReward: 0, action: a1,
                                            reward: reward, done: true, nextObservation: [0]))
            }
            return reward
        }

        for _ in 0..<300 { _ = episode(greedy: false) }
        #expect(agent.schedule.gradientSteps >= 500)
        let mean = (0..<100).map { _ in episode(greedy: true) }.reduce(0, +) / 100
        #expect(mean >= 0.9, "greedy mean return \(mean) after \(agent.schedule.gradientSteps) updates")
        // Control: the same network with its carried state wiped before t = 1 cannot tell the cues apart (one
        // deterministic action for both: about half right, mean return near 0).
        let wiped = (0..<100).map { _ in episode(greedy: true, wipeMemory: true) }.reduce(0, +) / 100
        #expect(abs(wiped) < 0.5, "memoryless mean return \(wiped)")
    }
}
