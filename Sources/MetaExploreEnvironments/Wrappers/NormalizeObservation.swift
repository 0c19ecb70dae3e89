import Foundation

/// Running mean and variance of vectors (parallel-update form, as Gymnasium's `RunningMeanStd`).
///
/// Starts at mean 0, variance 1, count `epsilon` (1e-4). Its state is three plain arrays/numbers so a
/// checkpoint can save and restore it: `mean`, `variance`, `count` — see `stateArrays` and `init(state:)`.
public struct RunningMeanStd: Sendable, Equatable {
    public var mean: [Double]
    public var variance: [Double]
    public var count: Double

    public init(dimension: Int, epsilon: Double = 1e-4) {
        mean = Array(repeating: 0, count: dimension)
        variance = Array(repeating: 1, count: dimension)
        count = epsilon
    }

    /// Restores a saved state.
    public init(mean: [Double], variance: [Double], count: Double) {
        precondition(mean.count == variance.count, "mean and variance must have the same length")
        self.mean = mean
        self.variance = variance
        self.count = count
    }

    /// The state as named arrays (`count` is a one-element array), for checkpoint files.
    public var stateArrays: [String: [Double]] { ["mean": mean, "var": variance, "count": [count]] }

    /// Restores from `stateArrays`.
    public init(stateArrays: [String: [Double]]) throws {
        guard let m = stateArrays["mean"], let v = stateArrays["var"], let c = stateArrays["count"], c.count == 1,
            m.count == v.count
        else { throw EnvironmentError.invalidConfiguration("RunningMeanStd state needs mean, var (same length) and count") }
        self.init(mean: m, variance: v, count: c[0])
    }

    public var dimension: Int { mean.count }

    /// Adds one vector.
    public mutating func update(_ x: [Double]) { update(batch: [x]) }

    /// Adds a batch of vectors (combines batch moments with Chan et al.'s parallel formula).
    public mutating func update(batch: [[Double]]) {
        guard !batch.isEmpty else { return }
        let n = Double(batch.count)
        for i in 0..<mean.count {
            var bm = 0.0
            for x in batch { bm += x[i] }
            bm /= n
            var bv = 0.0
            for x in batch { bv += (x[i] - bm) * (x[i] - bm) }
            bv /= n
            let delta = bm - mean[i]
            let total = count + n
            let newMean = mean[i] + delta * n / total
            let m2 = variance[i] * count + bv * n + delta * delta * count * n / total
            mean[i] = newMean
            variance[i] = m2 / total
        }
        count += n
    }

    /// `(x − mean) / sqrt(var + epsilon)`.
    public func normalize(_ x: [Double], epsilon: Double = 1e-8) -> [Double] {
        var out = x
        for i in 0..<Swift.min(x.count, mean.count) { out[i] = (x[i] - mean[i]) / (variance[i] + epsilon).squareRoot() }
        return out
    }
}

/// Normalizes observations to roughly zero mean and unit variance with running statistics (Gymnasium's
/// `NormalizeObservation`): every observation from `reset` and `step` first updates the statistics (while
/// `updating` is true), then is returned normalized. Save `statistics` in checkpoints and assign it back to
/// resume; set `updating = false` to freeze it for evaluation.
public final class NormalizeObservation: EnvironmentWrapper {
    public let inner: Environment
    public var statistics: RunningMeanStd
    public var updating = true
    public let epsilon: Double

    public init(_ env: Environment, epsilon: Double = 1e-8) {
        inner = env
        statistics = RunningMeanStd(dimension: env.observationSpace.count)
        self.epsilon = epsilon
    }

    public var observationSpace: Box { .unbounded(inner.observationSpace.count) }
    public var actionSpace: Space { inner.actionSpace }

    private func process(_ obs: [Double]) -> [Double] {
        if updating { statistics.update(obs) }
        return statistics.normalize(obs, epsilon: epsilon)
    }

    public func reset(seed: UInt64?, options: [String: Double]) throws -> (observation: [Double], info: Info) {
        let (obs, info) = try inner.reset(seed: seed, options: options)
        return (process(obs), info)
    }

    public func step(_ action: [Double]) throws -> StepResult {
        var r = try inner.step(action)
        r.observation = process(r.observation)
        return r
    }
}
