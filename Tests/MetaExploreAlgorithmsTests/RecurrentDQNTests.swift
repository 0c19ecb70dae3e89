import Foundation
import MetaExploreAlgorithms
import MetaExploreRandom
import Testing

/// The recurrent double DQN's pieces against the authors' code (`ezliu/dream` dqn.py, replay.py, schedule.py).
@Suite("Recurrent DQN pieces") struct RecurrentDQNTests {
    @Test func settingsDefaultsAreTheAuthorsAndRoundTrip() throws {
        let s = RecurrentDQNSettings()
        #expect(s.learningRate == 1e-4 && s.batchSize == 32 && s.updateEvery == 4 && s.targetSyncEvery == 5000)
        #expect(s.maxGradientNorm == 10 && s.discount == 0.99 && s.bufferCapacity == 16000 && s.sequenceLength == 50)
        #expect(s.epsilonStart == 1 && s.epsilonEnd == 0.01)
        #expect(s.stateEmbedding + s.instructionEmbedding + s.actionEmbedding + s.rewardEmbedding + s.doneEmbedding == 176)
        let back = try JSONDecoder().decode(RecurrentDQNSettings.self, from: JSONEncoder().encode(s))
        #expect(back == s)
    }

    @Test func doubleDQNTargetByHand() {
        // Row 0: online picks action 1 (0.5 > 0.2), target values it 3.0: y = 1 + 0.9·3 = 3.7 (plain DQN would use
        // the target's max, 4.0). Row 1: done, y = r = −1. Row 2: tie → first maximum (action 0): y = 0 + 0.9·2.
        let y = DoubleDQN.targets(rewards: [1, -1, 0], done: [false, true, false],
                                  onlineNext: [[0.2, 0.5], [9, 9], [1, 1]],
                                  targetNext: [[4.0, 3.0], [9, 9], [2, 7]], discount: 0.9)
        #expect(abs(y[0] - 3.7) < 1e-12 && y[1] == -1 && abs(y[2] - 1.8) < 1e-12)
        let loss = DoubleDQN.maskedMeanSquaredError(predictions: [3.7, 0, 5], targets: y, mask: [1, 1, 0])
        #expect(abs(loss - 0.5) < 1e-12)
    }

    @Test func epsilonScheduleIsLinearThenFlat() {
        let e = LinearSchedule(epsilonOf: RecurrentDQNSettings())
        #expect(e.value(at: 0) == 1)
        #expect(abs(e.value(at: 125_000) - 0.505) < 1e-12)
        #expect(abs(e.value(at: 250_000) - 0.01) < 1e-12)
        #expect(e.value(at: 1_000_000) == 0.01)
        #expect(abs(LinearSchedule(begin: 1, end: 0.01, totalSteps: 500_000).value(at: 50_000) - 0.901) < 1e-12)
    }

    @Test func targetSyncAndUpdateCadence() {
        var s = RecurrentDQNSettings()
        s.minimumBufferSequences = 2
        var schedule = DQNUpdateSchedule(settings: s)
        var steps: [Int] = [], syncs: [Int] = []
        for t in 0..<12_001 {
            let d = schedule.observe(bufferedSequences: t < 10 ? 1 : 2)
            if d.gradientStep { steps.append(t) }
            if d.syncTarget { syncs.append(t) }
        }
        #expect(steps.first == 12 && steps.allSatisfy { $0 % 4 == 0 })
        #expect(syncs == [5000, 10000])
        #expect(schedule.observedSteps == 12_001 && schedule.gradientSteps == steps.count)
    }

    func step(_ t: Int, done: Bool, episode: Int) -> RecurrentStep {
        RecurrentStep(observation: [episode, t], previousAction: t == 0 ? -1 : 0, previousReward: 0, action: t % 2,
                      reward: Double(t), done: done, nextObservation: [episode, t + 1])
    }

    @Test func sequenceBufferKeepsWholeEpisodesWithMasks() {
        var buffer = SequenceReplayBuffer(capacity: 2, sequenceLength: 4)
        // Episode 0: 3 steps; episode 1: 6 steps; episode 2 (unfinished) is never sampled.
        for t in 0..<3 { buffer.add(step(t, done: t == 2, episode: 0)) }
        for t in 0..<6 { buffer.add(step(t, done: t == 5, episode: 1)) }
        buffer.add(step(0, done: false, episode: 2))
        #expect(buffer.count == 2)
        var rng = RandomStream(seed: 1)
        let batch = buffer.sample(16, using: &rng)
        #expect(batch.sequenceLength == 4)
        var sawShort = false, sawLong = false
        for b in 0..<batch.batchSize {
            let episode = batch.steps[b][0].observation[0]
            #expect(batch.steps[b].allSatisfy { $0.observation[0] == episode })  // never crosses episodes
            #expect(batch.steps[b][0].observation[1] == 0)  // from the episode's first step
            if episode == 0 {
                sawShort = true
                #expect(batch.mask[b] == [1, 1, 1, 0] && batch.lengths[b] == 3 && batch.steps[b][2].done)
            } else {
                sawLong = true
                #expect(batch.mask[b] == [1, 1, 1, 1] && batch.steps[b].map { $0.observation[1] } == [0, 1, 2, 3])
            }
        }
        #expect(sawShort && sawLong)
        // Capacity counts sequences: a third finished episode replaces the oldest.
        for t in 1..<2 { buffer.add(step(t, done: true, episode: 2)) }
        #expect(buffer.count == 2 && buffer.sequences[0][0].observation[0] == 2)
    }
}
