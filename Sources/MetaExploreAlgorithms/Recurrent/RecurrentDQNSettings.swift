/// Settings of the recurrent double DQN that DREAM and its baselines use for every policy; the defaults are the
/// authors' (`ezliu/dream` `configs/default.json`, `configs/rl2.json`, `dqn.py`, `replay.py`, `schedule.py`;
/// reference-facts "DREAM", meta-rl-facts §5).
public struct RecurrentDQNSettings: Codable, Equatable, Sendable {
    /// Adam learning rate (`learning_rate` 1e-4).
    public var learningRate: Double = 1e-4
    /// Sequences per gradient step (`batch_size` 32).
    public var batchSize: Int = 32
    /// A gradient step every this many observed steps (`update_freq` 4).
    public var updateEvery: Int = 4
    /// Target network copied every this many observed steps (`sync_target_freq` 5000). The authors' counter
    /// (`DQNAgent._updates`) counts calls to `update`, i.e. environment steps, not gradient steps: with
    /// `updateEvery` 4 that is one sync every 1250 gradient steps.
    public var targetSyncEvery: Int = 5000
    /// Gradient-norm clip (`max_grad_norm` 10).
    public var maxGradientNorm: Double = 10
    /// Discount (`discount` 0.99).
    public var discount: Double = 0.99
    /// Replay capacity in *sequences* (`max_buffer_size` 16000: the authors' sequential buffer stores one entry
    /// per episode, so this counts episodes, not transitions).
    public var bufferCapacity: Int = 16000
    /// Longest sampled sequence (`sequence_length` 50; the authors slice `[0, 51)`, one more than configured —
    /// irrelevant for 20- or 40-step episodes; here exactly 50).
    public var sequenceLength: Int = 50
    /// Gradient steps start once the buffer holds this many sequences (`min_buffer_size`: 800 in the baselines'
    /// `rl2.json`, meta-rl-facts §5; DREAM's `default.json` uses 500 for exploitation and 8000 for exploration).
    public var minimumBufferSequences: Int = 800
    /// ε-greedy schedule: `epsilonStart` → `epsilonEnd` linearly over `epsilonDecaySteps` acting steps
    /// (`epsilon_schedule`: 1.0 → 0.01; 250 000 steps in DREAM's `default.json`, 500 000 for the baselines).
    public var epsilonStart: Double = 1.0
    public var epsilonEnd: Double = 0.01
    public var epsilonDecaySteps: Int = 250_000
    /// ε when acting in evaluation (`test_epsilon` 0).
    public var testEpsilon: Double = 0
    /// Experience embedding sizes (meta-rl-facts §5): state 64, instruction 64 (0: no instruction), previous
    /// action 16, previous reward 16, done 16 → linear `experienceSize` 64 → LSTM cell `hiddenSize` 64.
    public var stateEmbedding: Int = 64
    public var instructionEmbedding: Int = 64
    public var actionEmbedding: Int = 16
    public var rewardEmbedding: Int = 16
    public var doneEmbedding: Int = 16
    public var experienceSize: Int = 64
    public var hiddenSize: Int = 64
    /// Hidden width of the per-component grid embedders (`SimpleGridStateEmbedder`: 32 per component, then 256).
    public var gridComponentEmbedding: Int = 32
    public var gridHidden: Int = 256

    public init() {}
}

/// The authors' linear schedule (`schedule.LinearSchedule`): value(n) = max(begin − n·(begin − end)/total, end).
///
/// Their `step()` decrements *before* returning, so the k-th acting step (k = 1, 2, …) uses value(k); `value(at: 0)`
/// is the start.
public struct LinearSchedule: Codable, Equatable, Sendable {
    public var begin: Double
    public var end: Double
    public var totalSteps: Int

    public init(begin: Double, end: Double, totalSteps: Int) {
        precondition(totalSteps > 0, "LinearSchedule needs totalSteps > 0")
        self.begin = begin
        self.end = end
        self.totalSteps = totalSteps
    }

    public init(epsilonOf settings: RecurrentDQNSettings) {
        self.init(begin: settings.epsilonStart, end: settings.epsilonEnd, totalSteps: settings.epsilonDecaySteps)
    }

    /// The value after `step` steps.
    public func value(at step: Int) -> Double {
        let slope = (begin - end) / Double(totalSteps)
        return Swift.max(begin - slope * Double(step), end)
    }
}
