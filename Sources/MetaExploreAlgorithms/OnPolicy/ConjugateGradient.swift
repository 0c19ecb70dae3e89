/// The conjugate gradient method (Hestenes & Stiefel 1952; Nocedal & Wright, "Numerical Optimization", Alg. 5.2)
/// for A x = b with A symmetric positive definite, given only products v ↦ A v — TRPO's way of computing
/// H⁻¹g from Hessian-vector products (Schulman et al. 2015, Appendix C).
///
/// Starts from x = 0 and runs at most `iterations` steps (TRPO, MAML and ProMP use 10), stopping early once the
/// squared residual ‖b − A x‖² falls below `residualTolerance` (1e-10, as rllab and ProMP).
public enum ConjugateGradient {
    public struct Result: Sendable {
        public var solution: [Double]
        public var iterations: Int
        /// ‖b − A x‖² of the returned x (as tracked by the recurrence).
        public var residualSquared: Double
    }

    public static func solve(_ product: ([Double]) -> [Double], _ b: [Double], iterations: Int = 10,
                             residualTolerance: Double = 1e-10) -> Result {
        var x = [Double](repeating: 0, count: b.count)
        var r = b, p = b
        var rr = dot(r, r)
        var done = 0
        while done < iterations, rr >= residualTolerance {
            let ap = product(p)
            let pap = dot(p, ap)
            guard pap > 0, pap.isFinite else { break }  // not positive definite along p: stop with what we have
            let alpha = rr / pap
            for i in x.indices {
                x[i] += alpha * p[i]
                r[i] -= alpha * ap[i]
            }
            let newRR = dot(r, r)
            let beta = newRR / rr
            for i in p.indices { p[i] = r[i] + beta * p[i] }
            rr = newRR
            done += 1
        }
        return Result(solution: x, iterations: done, residualSquared: rr)
    }

    @inline(__always)
    static func dot(_ a: [Double], _ b: [Double]) -> Double {
        var s = 0.0
        for i in a.indices { s += a[i] * b[i] }
        return s
    }
}
