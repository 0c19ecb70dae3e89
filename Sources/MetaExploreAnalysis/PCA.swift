// Principal component analysis to two (or more) components, for projecting visited states onto a plane.

/// A PCA fitted once (on the union of all point sets to compare) and applied to each set, so every
/// projection shares the same axes.
public struct PCA: Sendable {
    /// Per-dimension mean of the fitted points.
    public let mean: [Double]
    /// Principal directions, unit length, by decreasing variance. Sign convention: the entry of largest
    /// magnitude in each direction is positive (the first such entry on ties).
    public let components: [[Double]]
    /// Variance along each component (eigenvalues of the sample covariance).
    public let variances: [Double]

    /// Fits `components` directions to `points` (rows of equal dimension) through a cyclic Jacobi
    /// eigen-decomposition of the covariance matrix.
    public init(fitting points: [[Double]], components k: Int = 2) {
        precondition(!points.isEmpty, "PCA needs at least one point")
        let d = points[0].count
        precondition(d > 0 && points.allSatisfy { $0.count == d }, "PCA points must share a positive dimension")
        let n = Double(points.count)
        var mu = [Double](repeating: 0, count: d)
        for p in points { for j in 0..<d { mu[j] += p[j] } }
        for j in 0..<d { mu[j] /= n }
        var cov = [[Double]](repeating: [Double](repeating: 0, count: d), count: d)
        for p in points {
            for a in 0..<d {
                let da = p[a] - mu[a]
                for b in a..<d { cov[a][b] += da * (p[b] - mu[b]) }
            }
        }
        let denom = max(1, n - 1)
        for a in 0..<d { for b in a..<d { cov[a][b] /= denom; cov[b][a] = cov[a][b] } }
        let (values, vectors) = PCA.jacobiEigen(cov)
        let order = values.indices.sorted { values[$0] != values[$1] ? values[$0] > values[$1] : $0 < $1 }
        let take = order.prefix(min(k, d))
        mean = mu
        variances = take.map { values[$0] }
        components = take.map { idx in
            var v = (0..<d).map { vectors[$0][idx] }
            var big = 0
            for j in 1..<d where abs(v[j]) > abs(v[big]) + 1e-12 { big = j }
            if v[big] < 0 { v = v.map { -$0 } }
            return v
        }
    }

    /// Coordinates of `point` along the fitted components.
    public func project(_ point: [Double]) -> [Double] {
        components.map { c in
            var s = 0.0
            for j in c.indices { s += (point[j] - mean[j]) * c[j] }
            return s
        }
    }

    /// The first two coordinates of each point (the second is 0 if only one component was fitted).
    public func project2D(_ points: [[Double]]) -> [(x: Double, y: Double)] {
        points.map { p in
            let q = project(p)
            return (q[0], q.count > 1 ? q[1] : 0)
        }
    }

    /// Eigenvalues and eigenvectors (as columns of the returned matrix) of a symmetric matrix.
    public static func jacobiEigen(_ matrix: [[Double]], maxSweeps: Int = 100) -> (values: [Double], vectors: [[Double]]) {
        var a = matrix
        let n = a.count
        var v = (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } }
        for _ in 0..<maxSweeps {
            var off = 0.0, total = 0.0
            for i in 0..<n { for j in 0..<n { total += a[i][j] * a[i][j]; if i != j { off += a[i][j] * a[i][j] } } }
            if off <= 1e-30 * max(total, 1e-300) { break }
            for p in 0..<n {
                for q in (p + 1)..<max(p + 1, n) where a[p][q] != 0 {
                    let theta = (a[q][q] - a[p][p]) / (2 * a[p][q])
                    let t = (theta >= 0 ? 1.0 : -1.0) / (abs(theta) + (theta * theta + 1).squareRoot())
                    let c = 1 / (t * t + 1).squareRoot(), s = t * c
                    for k in 0..<n {
                        let akp = a[k][p], akq = a[k][q]
                        a[k][p] = c * akp - s * akq
                        a[k][q] = s * akp + c * akq
                    }
                    for k in 0..<n {
                        let apk = a[p][k], aqk = a[q][k]
                        a[p][k] = c * apk - s * aqk
                        a[q][k] = s * apk + c * aqk
                    }
                    for k in 0..<n {
                        let vkp = v[k][p], vkq = v[k][q]
                        v[k][p] = c * vkp - s * vkq
                        v[k][q] = s * vkp + c * vkq
                    }
                }
            }
        }
        return ((0..<n).map { a[$0][$0] }, v)
    }
}
