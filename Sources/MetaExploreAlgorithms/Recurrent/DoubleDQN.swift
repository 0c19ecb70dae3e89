/// The double-DQN pieces of the authors' `RecurrentDQNPolicy.loss` and `DQNAgent.update` (`ezliu/dream` dqn.py).
public enum DoubleDQN {
    /// Targets y = r + γ · (1 − done) · Q_target(s′, argmax_a Q_online(s′, a)) (van Hasselt et al. 2016), one per
    /// row: the online network picks the next action, the target network values it. Ties pick the first maximum
    /// (`torch.max`). No gradient flows through targets.
    public static func targets(rewards: [Double], done: [Bool], onlineNext: [[Double]], targetNext: [[Double]],
                               discount: Double) -> [Double] {
        precondition(rewards.count == done.count && rewards.count == onlineNext.count
                     && rewards.count == targetNext.count, "DoubleDQN.targets: mismatched lengths")
        return rewards.indices.map { i in
            guard !done[i] else { return rewards[i] }
            let q = onlineNext[i]
            var best = 0
            for a in q.indices where q[a] > q[best] { best = a }
            return rewards[i] + discount * targetNext[i][best]
        }
    }

    /// The authors' loss: the squared TD error averaged over the real (mask 1) steps of the batch (MSE, not
    /// Huber).
    public static func maskedMeanSquaredError(predictions: [Double], targets: [Double], mask: [Double]) -> Double {
        var total = 0.0, count = 0.0
        for i in predictions.indices {
            let e = predictions[i] - targets[i]
            total += e * e * mask[i]
            count += mask[i]
        }
        return count > 0 ? total / count : 0
    }
}

/// When to take a gradient step and when to copy the target network, as the authors' `DQNAgent.update` decides:
/// every observed step is counted (the counter starts at 0 and is tested before it is incremented); once the
/// buffer holds `minimumBufferSequences` sequences, a gradient step happens when the count is a multiple of
/// `updateEvery` and a target sync when it is a multiple of `targetSyncEvery`.
public struct DQNUpdateSchedule: Codable, Equatable, Sendable {
    public let updateEvery: Int
    public let targetSyncEvery: Int
    public let minimumBufferSequences: Int
    /// Steps observed so far (the authors' `_updates`).
    public private(set) var observedSteps = 0
    public private(set) var gradientSteps = 0
    public private(set) var targetSyncs = 0

    public init(settings: RecurrentDQNSettings) {
        updateEvery = settings.updateEvery
        targetSyncEvery = settings.targetSyncEvery
        minimumBufferSequences = settings.minimumBufferSequences
    }

    /// Records one observed step (after adding it to the buffer, which now holds `bufferedSequences`) and returns
    /// what to do for it.
    public mutating func observe(bufferedSequences: Int) -> (gradientStep: Bool, syncTarget: Bool) {
        defer { observedSteps += 1 }
        guard bufferedSequences >= minimumBufferSequences else { return (false, false) }
        let step = observedSteps % updateEvery == 0, sync = observedSteps % targetSyncEvery == 0
        if step { gradientSteps += 1 }
        if sync { targetSyncs += 1 }
        return (step, sync)
    }
}
