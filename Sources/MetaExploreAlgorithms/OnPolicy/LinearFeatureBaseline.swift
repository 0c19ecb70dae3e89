/// The linear feature baseline of Duan et al. 2016 ("Benchmarking Deep RL for Continuous Control", rllab's
/// `LinearFeatureBaseline`), used by MAML, ProMP and exp_maml: a ridge regression of the discounted return on
/// hand-made features of each step, refitted per task on every batch.
///
/// Features of step t with observation s: [clip(s, −10, 10), clip(s, −10, 10)², τ, τ², τ³, 1] with τ = t/100
/// (2·d + 4 numbers). The clip is ProMP's (`meta_policy_search/baselines/linear_baseline.py`); rllab and MAML do
/// not clip — `observationClip: nil` reproduces them.
///
/// Fit: w = (XᵀX + c·I)⁻¹ Xᵀy over the valid steps, with c = 1e-5 first. A solve *fails* when the Cholesky
/// factorization meets a pivot ≤ 1e-12 × the largest diagonal entry of XᵀX + c·I (numerically singular) or the
/// weights are not finite; then c is multiplied by 10 and the solve retried, at most 5 attempts in all (ProMP
/// retries `np.linalg.lstsq` while the result contains NaN; pytorch-maml-rl retries when `torch.lstsq` raises).
/// After 5 failures `fit` throws and keeps the previous weights.
public struct LinearFeatureBaseline: Sendable {
    public enum FitError: Error, Equatable { case singular(lastRidge: Double) }

    public let observationSize: Int
    /// Observations are clipped to ±this before building features (nil: no clip, rllab's form).
    public var observationClip: Double?
    /// The first ridge coefficient c.
    public var initialRidge: Double
    /// How many ridge values are tried (×10 each time).
    public var attempts: Int
    /// The fitted weights (zeros before the first fit: predictions 0).
    public private(set) var weights: [Double]
    /// The ridge coefficient the last successful fit used.
    public private(set) var lastRidge: Double?

    public init(observationSize: Int, observationClip: Double? = 10, initialRidge: Double = 1e-5, attempts: Int = 5) {
        self.observationSize = observationSize
        self.observationClip = observationClip
        self.initialRidge = initialRidge
        self.attempts = attempts
        weights = [Double](repeating: 0, count: 2 * observationSize + 4)
    }

    public var featureCount: Int { 2 * observationSize + 4 }

    /// The features of step `t` with observation `s` (appended to `out`).
    public func appendFeatures(observation s: ArraySlice<Double>, step t: Int, to out: inout [Double]) {
        precondition(s.count == observationSize, "LinearFeatureBaseline: observation of \(s.count) numbers")
        let clipped = s.map { x in observationClip.map { Swift.min(Swift.max(x, -$0), $0) } ?? x }
        out += clipped
        out += clipped.map { $0 * $0 }
        let tau = Double(t) / 100
        out += [tau, tau * tau, tau * tau * tau, 1]
    }

    /// Fits the weights to `targets` (per step, [rows · horizon]) over the valid steps of `batch` (all tasks).
    public mutating func fit(batch: TrajectoryBatch, targets: [Double]) throws {
        precondition(batch.observationSize == observationSize && targets.count == batch.stepCount,
                     "LinearFeatureBaseline.fit: shapes do not match the batch")
        let p = featureCount
        var gram = [Double](repeating: 0, count: p * p)
        var rhs = [Double](repeating: 0, count: p)
        var x: [Double] = []
        x.reserveCapacity(p)
        for row in 0..<batch.episodeCount {
            for t in 0..<batch.lengths[row] {
                let i = row * batch.horizon + t
                x.removeAll(keepingCapacity: true)
                appendFeatures(observation: batch.observations[(i * observationSize)..<((i + 1) * observationSize)],
                               step: t, to: &x)
                for a in 0..<p {
                    rhs[a] += x[a] * targets[i]
                    for b in a..<p { gram[a * p + b] += x[a] * x[b] }
                }
            }
        }
        for a in 0..<p { for b in 0..<a { gram[a * p + b] = gram[b * p + a] } }
        let (w, ridge) = try Self.solveRidge(gram: gram, rhs: rhs, size: p, initialRidge: initialRidge,
                                             attempts: attempts)
        weights = w
        lastRidge = ridge
    }

    /// Predictions for every step of `batch` ([rows · horizon], 0 on padding).
    public func predict(batch: TrajectoryBatch) -> [Double] {
        var out = [Double](repeating: 0, count: batch.stepCount)
        var x: [Double] = []
        for row in 0..<batch.episodeCount {
            for t in 0..<batch.lengths[row] {
                let i = row * batch.horizon + t
                x.removeAll(keepingCapacity: true)
                appendFeatures(observation: batch.observations[(i * observationSize)..<((i + 1) * observationSize)],
                               step: t, to: &x)
                var v = 0.0
                for a in 0..<x.count { v += x[a] * weights[a] }
                out[i] = v
            }
        }
        return out
    }

    /// Solves (G + c·I) w = b for symmetric positive semi-definite G by Cholesky, escalating c ×10 on failure
    /// (see the type's documentation). Returns the weights and the ridge that succeeded.
    public static func solveRidge(gram: [Double], rhs: [Double], size p: Int, initialRidge: Double,
                                  attempts: Int = 5) throws -> (weights: [Double], ridge: Double) {
        var ridge = initialRidge
        for attempt in 0..<attempts {
            var a = gram
            for i in 0..<p { a[i * p + i] += ridge }
            if let w = choleskySolve(a, rhs, p), w.allSatisfy(\.isFinite) { return (w, ridge) }
            if attempt < attempts - 1 { ridge *= 10 }
        }
        throw FitError.singular(lastRidge: ridge)
    }

    /// Cholesky solve of A w = b; nil when a pivot is ≤ 1e-12 × max diagonal (numerically singular).
    static func choleskySolve(_ a: [Double], _ b: [Double], _ p: Int) -> [Double]? {
        var l = [Double](repeating: 0, count: p * p)
        var maxDiagonal = 0.0
        for i in 0..<p { maxDiagonal = Swift.max(maxDiagonal, a[i * p + i]) }
        let tolerance = 1e-12 * maxDiagonal
        for j in 0..<p {
            var d = a[j * p + j]
            for k in 0..<j { d -= l[j * p + k] * l[j * p + k] }
            guard d > tolerance, d.isFinite else { return nil }
            let ljj = d.squareRoot()
            l[j * p + j] = ljj
            for i in (j + 1)..<Swift.max(p, j + 1) {
                var s = a[i * p + j]
                for k in 0..<j { s -= l[i * p + k] * l[j * p + k] }
                l[i * p + j] = s / ljj
            }
        }
        var y = [Double](repeating: 0, count: p)
        for i in 0..<p {
            var s = b[i]
            for k in 0..<i { s -= l[i * p + k] * y[k] }
            y[i] = s / l[i * p + i]
        }
        var w = [Double](repeating: 0, count: p)
        for i in stride(from: p - 1, through: 0, by: -1) {
            var s = y[i]
            for k in (i + 1)..<Swift.max(p, i + 1) { s -= l[k * p + i] * w[k] }
            w[i] = s / l[i * p + i]
        }
        return w
    }
}
