import MetaExploreAlgorithms
import MetaExploreRandom
import MetaExploreTensor
import Testing

private func fill(_ buffer: ReplayBuffer, from start: Int, count n: Int) {
    for i in start..<(start + n) {
        let x = Double(i)
        buffer.add(observation: [x, -x], action: [x / 100], reward: x * 10, nextObservation: [x + 1, -x - 1],
                   terminated: i % 7 == 3, truncated: i % 5 == 4)
    }
}

@Test func replayWrapAroundKeepsNewestTransitions() {
    let buffer = ReplayBuffer(capacity: 10, observationSize: 2, actionSize: 1)
    fill(buffer, from: 0, count: 7)
    #expect(buffer.count == 7 && buffer.position == 7)
    fill(buffer, from: 7, count: 8)  // 15 added in total: slots hold 10..14 at 0..4 and 5..9 at 5..9
    #expect(buffer.count == 10 && buffer.position == 5 && buffer.totalAdded == 15)
    #expect(buffer.transition(at: 0).observation == [10, -10])
    #expect(buffer.transition(at: 4).reward == 140)
    #expect(buffer.transition(at: 5).observation == [5, -5])
    let stored = Set((0..<10).map { buffer.transition(at: $0).observation[0] })
    #expect(stored == Set((5..<15).map(Double.init)))
}

@Test func replayMemoryIsRawDataSize() {
    let buffer = ReplayBuffer(capacity: 100_000, observationSize: 17, actionSize: 6)
    let raw = 100_000 * (2 * 17 + 6 + 3) * 4
    #expect(Double(buffer.storageBytes) <= 1.2 * Double(raw))
}

@Test func truncatedTransitionsStillBootstrap() {
    let buffer = ReplayBuffer(capacity: 4, observationSize: 1, actionSize: 1)
    buffer.add(observation: [0], action: [0], reward: 1, nextObservation: [1], terminated: false, truncated: true)
    buffer.add(observation: [1], action: [0], reward: 1, nextObservation: [2], terminated: true, truncated: false)
    let batch = buffer.batch(indices: [0, 1])
    #expect(batch.terminated.scalars == [0, 1])
    #expect(buffer.transition(at: 0).truncated && !buffer.transition(at: 0).terminated)
    // A Bellman target with these flags bootstraps from the truncated transition only.
    let nextValue = Tensor(shape: [2, 1], scalars: [10, 10])
    let y = batch.rewards + (1 - batch.terminated) * nextValue * 0.5
    #expect(y.scalars == [6, 1])
}

@Test func samplingIsDeterministicBySeed() {
    let buffer = ReplayBuffer(capacity: 50, observationSize: 2, actionSize: 1)
    fill(buffer, from: 0, count: 50)
    var a = RandomStream(seed: 3), b = RandomStream(seed: 3), c = RandomStream(seed: 4)
    let x = buffer.sample(32, using: &a), y = buffer.sample(32, using: &b), z = buffer.sample(32, using: &c)
    #expect(x.observations.shape == [32, 2] && x.actions.shape == [32, 1] && x.terminated.shape == [32, 1])
    #expect(x.observations.scalars == y.observations.scalars && x.rewards.scalars == y.rewards.scalars)
    #expect(x.observations.scalars != z.observations.scalars)
    // Every sampled row is a consistent stored transition.
    for r in 0..<32 { #expect(x.nextObservations[r, 0] == x.observations[r, 0] + 1) }
}

@Test func replayStateRoundTripIsExact() throws {
    let buffer = ReplayBuffer(capacity: 8, observationSize: 2, actionSize: 1)
    fill(buffer, from: 0, count: 11)
    var state = CheckpointState()
    buffer.saveState(into: &state, prefix: "replay.")
    let restored = ReplayBuffer(capacity: 8, observationSize: 2, actionSize: 1)
    try restored.restoreState(from: state, prefix: "replay.")
    #expect(restored.count == 8 && restored.position == 3 && restored.totalAdded == 11)
    for i in 0..<8 { #expect(restored.transition(at: i) == buffer.transition(at: i)) }
    var r1 = RandomStream(seed: 9), r2 = RandomStream(seed: 9)
    #expect(buffer.sample(16, using: &r1).observations.scalars == restored.sample(16, using: &r2).observations.scalars)
    fill(buffer, from: 11, count: 1)
    fill(restored, from: 11, count: 1)
    #expect(restored.transition(at: 3) == buffer.transition(at: 3))
    var emptyState = CheckpointState()
    ReplayBuffer(capacity: 8, observationSize: 2, actionSize: 1).saveState(into: &emptyState, prefix: "r.")
    let empty = ReplayBuffer(capacity: 8, observationSize: 2, actionSize: 1)
    try empty.restoreState(from: emptyState, prefix: "r.")
    #expect(empty.count == 0 && empty.position == 0)
    let small = ReplayBuffer(capacity: 4, observationSize: 2, actionSize: 1)
    #expect(throws: CheckpointStateError.self) { try small.restoreState(from: state, prefix: "replay.") }
}

@Test func observationNormalizerTracksMeanAndVariance() {
    let norm = ObservationNormalizer(size: 1, clip: 5)
    var rng = RandomStream(seed: 1)
    for _ in 0..<20_000 { norm.update([3 + 2 * rng.normal()]) }
    #expect(abs(norm.mean[0] - 3) < 0.05)
    #expect(abs(norm.variance[0].squareRoot() - 2) < 0.05)
    #expect(abs(norm.normalize([5])[0] - 1) < 0.05)
    #expect(norm.normalize([1000])[0] == 5)
}
