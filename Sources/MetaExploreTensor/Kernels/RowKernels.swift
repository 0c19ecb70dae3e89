/// Float32 row kernels for layer normalization and Adam, eight lanes at a time.
///
/// Plain loops that sum into one scalar cannot be vectorized by the compiler (floating-point addition is not
/// reassociated without permission), and a chain of dependent additions runs at one per FP-add latency. These
/// kernels keep eight partial sums in a SIMD register instead; the summation order therefore differs from a
/// sequential sum (by a few ulp), deterministically.
enum RowKernels {
    typealias V = SIMD8<Float>

    @inline(__always)
    static func load(_ p: UnsafePointer<Float>, _ i: Int) -> V {
        UnsafeRawPointer(p + i).loadUnaligned(as: V.self)
    }

    @inline(__always)
    static func store(_ v: V, _ p: UnsafeMutablePointer<Float>, _ i: Int) {
        UnsafeMutableRawPointer(p + i).storeBytes(of: v, as: V.self)
    }

    /// Lane-wise √v. (The standard library's `SIMD.squareRoot()` calls the C `sqrtf` once per lane; each
    /// `Float.squareRoot()` is the `sqrt` instruction, and the compiler packs the eight of them.)
    @inline(__always)
    static func sqrt(_ v: V) -> V {
        var r = V()
        for k in 0..<8 { r[k] = v[k].squareRoot() }
        return r
    }

    /// Σ x[j] for j < d.
    @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, _ d: Int) -> Float {
        var acc = V(repeating: 0)
        var j = 0
        while j &+ 8 <= d { acc += load(x, j); j &+= 8 }
        var s = acc.sum()
        while j < d { s += x[j]; j &+= 1 }
        return s
    }

    /// Σ (x[j] − c)² for j < d.
    @inline(__always)
    static func centeredSquares(_ x: UnsafePointer<Float>, _ c: Float, _ d: Int) -> Float {
        var acc = V(repeating: 0)
        let cv = V(repeating: c)
        var j = 0
        while j &+ 8 <= d { let t = load(x, j) - cv; acc += t * t; j &+= 8 }
        var s = acc.sum()
        while j < d { let t = x[j] - c; s += t * t; j &+= 1 }
        return s
    }

    /// Layer-norm forward of `rows` rows of width d: xhat = (x − μ)·rstd, y = xhat·γ + β (γ, β optional).
    static func layerNormForward(
        _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ xhat: UnsafeMutablePointer<Float>,
        _ rstdOut: UnsafeMutablePointer<Float>, _ gamma: UnsafePointer<Float>?, _ beta: UnsafePointer<Float>?,
        rows: Int, d: Int, epsilon: Float
    ) {
        let invD = 1 / Float(d)
        for r in 0..<rows {
            let x = src + r &* d, xh = xhat + r &* d, y = dst + r &* d
            let mean = sum(x, d) * invD
            let rstd = 1 / (centeredSquares(x, mean, d) * invD + epsilon).squareRoot()
            rstdOut[r] = rstd
            let mv = V(repeating: mean), rv = V(repeating: rstd)
            var j = 0
            while j &+ 8 <= d {
                let h = (load(x, j) - mv) * rv
                store(h, xh, j)
                var out = h
                if let gamma { out = out * load(gamma, j) }
                if let beta { out = out + load(beta, j) }
                store(out, y, j)
                j &+= 8
            }
            while j < d {
                let h = (x[j] - mean) * rstd
                xh[j] = h
                var out = h
                if let gamma { out *= gamma[j] }
                if let beta { out += beta[j] }
                y[j] = out
                j &+= 1
            }
        }
    }

    /// Layer-norm backward: dx = rstd·(ĝ − mean(ĝ) − xhat·mean(ĝ·xhat)) with ĝ = g·γ; dγ += Σ g·xhat.
    static func layerNormBackward(
        _ g: UnsafePointer<Float>, _ xhat: UnsafePointer<Float>, _ rstd: UnsafePointer<Float>,
        _ gamma: UnsafePointer<Float>?, _ dx: UnsafeMutablePointer<Float>?, _ dgamma: UnsafeMutablePointer<Float>?,
        rows: Int, d: Int
    ) {
        let invD = 1 / Float(d)
        for r in 0..<rows {
            let gr = g + r &* d, xr = xhat + r &* d
            if let dgamma {
                var j = 0
                while j &+ 8 <= d { store(load(dgamma, j) + load(gr, j) * load(xr, j), dgamma, j); j &+= 8 }
                while j < d { dgamma[j] += gr[j] * xr[j]; j &+= 1 }
            }
            guard let dx else { continue }
            var a1 = V(repeating: 0), a2 = V(repeating: 0)
            var j = 0
            while j &+ 8 <= d {
                var v = load(gr, j)
                if let gamma { v = v * load(gamma, j) }
                a1 += v
                a2 += v * load(xr, j)
                j &+= 8
            }
            var m1 = a1.sum(), m2 = a2.sum()
            while j < d {
                let v = gamma.map { gr[j] * $0[j] } ?? gr[j]
                m1 += v
                m2 += v * xr[j]
                j &+= 1
            }
            m1 *= invD
            m2 *= invD
            let rs = rstd[r]
            let out = dx + r &* d
            let m1v = V(repeating: m1), m2v = V(repeating: m2), rv = V(repeating: rs)
            j = 0
            while j &+ 8 <= d {
                var v = load(gr, j)
                if let gamma { v = v * load(gamma, j) }
                store(rv * (v - m1v - load(xr, j) * m2v), out, j)
                j &+= 8
            }
            while j < d {
                let v = gamma.map { gr[j] * $0[j] } ?? gr[j]
                out[j] = rs * (v - m1 - xr[j] * m2)
                j &+= 1
            }
        }
    }

    /// One Adam step over n elements (see `Adam` in MetaExploreNN for the update rule).
    public static func adamStep(
        _ p: UnsafeMutablePointer<Float>, _ g: UnsafePointer<Float>, _ m: UnsafeMutablePointer<Float>,
        _ v: UnsafeMutablePointer<Float>, count n: Int, beta1: Float, beta2: Float, stepSize: Float,
        invSqrtC2: Float, epsilon: Float, l2: Float, decoupled: Float
    ) {
        let b1 = V(repeating: beta1), b2 = V(repeating: beta2)
        let ob1 = V(repeating: 1 - beta1), ob2 = V(repeating: 1 - beta2)
        let ss = V(repeating: stepSize), isc = V(repeating: invSqrtC2), eps = V(repeating: epsilon)
        let l2v = V(repeating: l2), dec = V(repeating: 1 - decoupled)
        var j = 0
        while j &+ 8 <= n {
            var pj = load(p, j) * dec
            let gj = load(g, j) + l2v * load(p, j)
            let mj = b1 * load(m, j) + ob1 * gj
            let vj = b2 * load(v, j) + ob2 * gj * gj
            store(mj, m, j)
            store(vj, v, j)
            pj = pj - ss * mj / (sqrt(vj) * isc + eps)
            store(pj, p, j)
            j &+= 8
        }
        while j < n {
            var pj = p[j] * (1 - decoupled)
            let gj = g[j] + l2 * p[j]
            let mj = beta1 * m[j] + (1 - beta1) * gj
            let vj = beta2 * v[j] + (1 - beta2) * gj * gj
            m[j] = mj
            v[j] = vj
            pj -= stepSize * mj / (vj.squareRoot() * invSqrtC2 + epsilon)
            p[j] = pj
            j &+= 1
        }
    }
}

/// One Adam step over float32 buffers (the fused, vectorized kernel behind `Adam` in MetaExploreNN).
/// `l2` is added as l2·θ to the gradient; `decoupled` (= lr·wd of AdamW) shrinks θ by that fraction first.
public func adamStepKernel(
    parameter p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>, m: UnsafeMutablePointer<Float>,
    v: UnsafeMutablePointer<Float>, count: Int, beta1: Float, beta2: Float, stepSize: Float, invSqrtC2: Float,
    epsilon: Float, l2: Float, decoupled: Float
) {
    RowKernels.adamStep(p, g, m, v, count: count, beta1: beta1, beta2: beta2, stepSize: stepSize,
                        invSqrtC2: invSqrtC2, epsilon: epsilon, l2: l2, decoupled: decoupled)
}
