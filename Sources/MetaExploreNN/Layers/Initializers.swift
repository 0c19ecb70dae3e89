import MetaExploreRandom
import MetaExploreTensor

/// How a weight matrix (stored [fanIn, fanOut]) is drawn.
public enum WeightInitializer: Sendable, Equatable {
    /// U(−1/√fanIn, 1/√fanIn), the common default for fully connected layers (also used for the bias).
    case fanInUniform
    /// An orthogonal matrix scaled by `gain` (Saxe et al. 2014), bias zero; used by on-policy methods.
    case orthogonal(gain: Double)
    /// U(−limit, limit) for weight and bias: the small final layers of DDPG (Lillicrap et al. 2016, Sec. 7: 3e-3).
    case uniform(limit: Double)
    /// Glorot/Xavier uniform U(±√(6/(fanIn + fanOut))), bias zero.
    case xavierUniform

    /// Draws a weight matrix [fanIn, fanOut] and a bias [fanOut].
    public func make(fanIn: Int, fanOut: Int, dtype: DType = .float32, using rng: inout RandomStream) -> (weight: Tensor, bias: Tensor) {
        switch self {
        case .fanInUniform:
            let limit = 1 / Double(max(fanIn, 1)).squareRoot()
            return (Tensor.randomUniform([fanIn, fanOut], low: -limit, high: limit, dtype: dtype, using: &rng),
                    Tensor.randomUniform([fanOut], low: -limit, high: limit, dtype: dtype, using: &rng))
        case .uniform(let limit):
            return (Tensor.randomUniform([fanIn, fanOut], low: -limit, high: limit, dtype: dtype, using: &rng),
                    Tensor.randomUniform([fanOut], low: -limit, high: limit, dtype: dtype, using: &rng))
        case .xavierUniform:
            let limit = (6 / Double(fanIn + fanOut)).squareRoot()
            return (Tensor.randomUniform([fanIn, fanOut], low: -limit, high: limit, dtype: dtype, using: &rng),
                    Tensor.zeros([fanOut], dtype: dtype))
        case .orthogonal(let gain):
            let q = orthogonalMatrix(rows: fanIn, cols: fanOut, using: &rng)
            return (Tensor(shape: [fanIn, fanOut], doubles: q.map { $0 * gain }, dtype: dtype),
                    Tensor.zeros([fanOut], dtype: dtype))
        }
    }
}

/// A rows×cols matrix with orthonormal rows or columns (whichever are fewer), row-major: Gram–Schmidt (applied
/// twice for stability) on a Gaussian matrix, with column signs fixed so the distribution is uniform (Haar).
public func orthogonalMatrix(rows: Int, cols: Int, using rng: inout RandomStream) -> [Double] {
    let tall = rows >= cols
    let (n, k) = tall ? (rows, cols) : (cols, rows)  // build n×k with orthonormal columns, k ≤ n
    var m = (0..<(n * k)).map { _ in rng.normal() }
    for j in 0..<k {
        for _ in 0..<2 {
            for p in 0..<j {
                var dot = 0.0
                for i in 0..<n { dot += m[i * k + j] * m[i * k + p] }
                for i in 0..<n { m[i * k + j] -= dot * m[i * k + p] }
            }
        }
        var norm = 0.0
        for i in 0..<n { norm += m[i * k + j] * m[i * k + j] }
        norm = norm.squareRoot()
        for i in 0..<n { m[i * k + j] /= norm }
    }
    if tall { return m }
    var t = [Double](repeating: 0, count: rows * cols)
    for i in 0..<n { for j in 0..<k { t[j * cols + i] = m[i * k + j] } }
    return t
}
