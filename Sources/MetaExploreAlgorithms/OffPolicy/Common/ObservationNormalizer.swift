import MetaExploreTensor

/// Running mean and variance of observations, used to normalize network inputs as (x − μ)/σ clipped to ±clip
/// (OpenAI baselines' DDPG: `normalize_observations` with clip 5). As there, the variance is floored at
/// `varianceFloor` = 1e-2 (σ ≥ 0.1), so constant observation entries stay near zero instead of blowing up.
/// The statistics are updated with every observation the agent stores.
///
/// Statistics are merged with the parallel update of Chan et al. (1979), in double precision. The replay buffer
/// keeps raw observations and batches are normalized when sampled, so the statistics can keep moving.
public final class ObservationNormalizer: Checkpointable {
    public let size: Int
    public let clip: Double
    public let varianceFloor: Double
    public private(set) var mean: [Double]
    public private(set) var variance: [Double]
    public private(set) var count: Double

    public init(size: Int, clip: Double = 5, varianceFloor: Double = 1e-2) {
        self.size = size
        self.clip = clip
        self.varianceFloor = varianceFloor
        mean = [Double](repeating: 0, count: size)
        variance = [Double](repeating: 1, count: size)
        count = 0
    }

    /// Adds one observation to the statistics.
    public func update(_ x: [Double]) {
        precondition(x.count == size, "ObservationNormalizer: size \(x.count), expected \(size)")
        count += 1
        for i in 0..<size {
            let delta = x[i] - mean[i]
            mean[i] += delta / count
            // Welford: M2 = var·(n−1) before, var·n after; stored as population variance.
            let m2 = variance[i] * (count - 1) + delta * (x[i] - mean[i])
            variance[i] = count == 1 ? 0 : m2 / count
        }
    }

    /// (x − μ)/√max(σ², floor), clipped to ±clip.
    public func normalize(_ x: [Double]) -> [Double] {
        guard count > 0 else { return x.map { Swift.min(Swift.max($0, -clip), clip) } }
        return (0..<size).map { i in
            let z = (x[i] - mean[i]) / Swift.max(variance[i], varianceFloor).squareRoot()
            return Swift.min(Swift.max(z, -clip), clip)
        }
    }

    /// Normalizes a float row in place (for replay batches).
    public func normalize(row: UnsafeMutableBufferPointer<Float>) {
        guard count > 0 else {
            for i in 0..<row.count { row[i] = Float(Swift.min(Swift.max(Double(row[i]), -clip), clip)) }
            return
        }
        for i in 0..<size {
            let z = (Double(row[i]) - mean[i]) / Swift.max(variance[i], varianceFloor).squareRoot()
            row[i] = Float(Swift.min(Swift.max(z, -clip), clip))
        }
    }

    /// A float32 row normalizer with the current statistics frozen: (x − μ)·(1/√max(σ², floor)), clipped to ±clip.
    /// The scale is computed once per call instead of once per element (replay batches normalize 2·B rows).
    public func rowNormalizer() -> (UnsafeMutableBufferPointer<Float>) -> Void {
        let c = Float(clip)
        guard count > 0 else { return { row in for i in 0..<row.count { row[i] = Swift.min(Swift.max(row[i], -c), c) } } }
        let shift = mean.map { Float($0) }
        let scale = variance.map { Float(1 / Swift.max($0, varianceFloor).squareRoot()) }
        return { row in
            shift.withUnsafeBufferPointer { m in
                scale.withUnsafeBufferPointer { s in
                    for i in 0..<row.count { row[i] = Swift.min(Swift.max((row[i] - m[i]) * s[i], -c), c) }
                }
            }
        }
    }

    public func saveState(into state: inout CheckpointState, prefix: String) {
        state.add(prefix + "mean", Tensor(shape: [size], doubles: mean))
        state.add(prefix + "variance", Tensor(shape: [size], doubles: variance))
        state.setDoubles(prefix + "count", [count])
    }

    public func restoreState(from state: CheckpointState, prefix: String) throws {
        let m = try state.tensor(prefix + "mean"), v = try state.tensor(prefix + "variance")
        guard m.count == size, v.count == size else {
            throw CheckpointStateError.shapeMismatch(prefix + "mean", expected: [size], found: m.shape)
        }
        mean = m.doubles
        variance = v.doubles
        count = try state.doubles(prefix + "count").first ?? 0
    }
}
