#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Vectorized `Float` transcendental functions over buffers, eight lanes at a time.
///
/// glibc's scalar `tanhf` on a 64×64 block costs more than the 64×64×64 matrix product before it, so the network
/// nonlinearities use these instead. Accuracy contract (measured by the tests against `Double` references over wide
/// grids): `exp`, `log`, `tanh` and `sigmoid` within 3 ulp (relative error < 2e-7) over their normal range.
/// Edge behaviour: `exp` returns +∞ above 88.72 and 0 below −87.34 (no subnormal results; values in (88.38, 88.72]
/// saturate at about 2.4e38); `log` of 0, negatives, subnormals, ∞ and NaN falls back to the scalar `logf`.
/// `Double` tensors use the scalar C library (their use is gradient checks, where accuracy matters, not speed).
enum VectorMath {
    typealias V = SIMD8<Float>
    typealias VI = SIMD8<Int32>

    // exp: x = k·ln2 + r, |r| ≤ ln2/2, e^r by its degree-7 Taylor polynomial (truncation < 6e-9 relative).
    static let log2e: Float = 1.442_695_04
    static let ln2Hi: Float = 0.693_145_751_953_125  // ln 2 rounded to 16 significant bits, so k·ln2Hi is exact
    static let ln2Lo: Float = 1.428_606_765_330_187e-06
    static let roundingMagic: Float = 12_582_912  // 1.5 · 2²³: adding it rounds to an integer in the low mantissa bits

    @inline(__always)
    static func exp(_ x: V) -> V {
        let xc = x.clamped(lowerBound: V(repeating: -87.336_55), upperBound: V(repeating: 88.376))
        let t = xc * log2e + roundingMagic
        let kf = t - roundingMagic
        let ki = unsafeBitCast(t, to: VI.self) &- unsafeBitCast(V(repeating: roundingMagic), to: VI.self)
        var r = xc - kf * ln2Hi
        r = r - kf * ln2Lo
        var p = V(repeating: 1.0 / 5040)
        p = p * r + 1.0 / 720
        p = p * r + 1.0 / 120
        p = p * r + 1.0 / 24
        p = p * r + 1.0 / 6
        p = p * r + 0.5
        p = p * r + 1
        p = p * r + 1
        let scale = unsafeBitCast((ki &+ 127) &<< 23, to: V.self)
        var result = p * scale
        result.replace(with: .infinity, where: x .> 88.722_83)
        result.replace(with: 0, where: x .< -87.336_55)
        result.replace(with: x, where: x .!= x)  // NaN stays NaN
        return result
    }

    // log: x = m·2^e with m in [√½, √2); log m = 2·atanh(s), s = (m−1)/(m+1), |s| ≤ 0.1716, series to s⁹.
    @inline(__always)
    static func log(_ x: V) -> V {
        let bits = unsafeBitCast(x, to: VI.self)
        var e = (bits &>> 23) &- 127
        var m = unsafeBitCast((bits & 0x007F_FFFF) | 0x3F80_0000, to: V.self)
        let big = m .> 1.414_213_5
        m.replace(with: m * 0.5, where: big)
        e.replace(with: e &+ 1, where: big)
        let s = (m - 1) / (m + 1)
        let s2 = s * s
        var p = V(repeating: 1.0 / 9)
        p = p * s2 + 1.0 / 7
        p = p * s2 + 1.0 / 5
        p = p * s2 + 1.0 / 3
        p = p * s2 + 1
        let ef = V(e)
        return ef * ln2Hi + (2 * s * p + ef * ln2Lo)
    }

    // tanh: odd polynomial x(1 + Σ cₖx²ᵏ) below 0.625 (coefficients from our own relative-error least-squares fit on
    // [0, 0.625], fit error < 5e-9), else (1 − t)/(1 + t) with t = e^(−2|x|), no cancellation there since t < 0.29.
    static let tanhC1: Float = -0.333_332_871_334_849_1
    static let tanhC2: Float = 0.133_315_611_376_076_67
    static let tanhC3: Float = -0.053_748_442_015_913_6
    static let tanhC4: Float = 0.020_664_723_683_744_62
    static let tanhC5: Float = -0.005_731_194_760_385_349

    @inline(__always)
    static func tanh(_ x: V) -> V {
        let ax = unsafeBitCast(unsafeBitCast(x, to: VI.self) & 0x7FFF_FFFF, to: V.self)  // |x|: clear the sign bit
        let x2 = x * x
        var p = V(repeating: tanhC5)
        p = p * x2 + tanhC4
        p = p * x2 + tanhC3
        p = p * x2 + tanhC2
        p = p * x2 + tanhC1
        let small = x + x * (x2 * p)
        let t = exp(ax * -2)
        var large = (1 - t) / (1 + t)
        large.replace(with: 0 - large, where: x .< 0)
        var result = large
        result.replace(with: small, where: ax .< 0.625)
        result.replace(with: x, where: x .!= x)
        return result
    }

    @inline(__always)
    static func sigmoid(_ x: V) -> V {
        1 / (1 + exp(0 - x))
    }

    /// Applies an eight-lane function to `n` elements, handling the tail with a padded vector.
    @inline(__always)
    static func apply(
        _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int, _ f: (V) -> V
    ) {
        var i = 0
        let raw = UnsafeRawPointer(src)
        let out = UnsafeMutableRawPointer(dst)
        while i &+ 8 <= n {
            let v = raw.loadUnaligned(fromByteOffset: i &* 4, as: V.self)
            out.storeBytes(of: f(v), toByteOffset: i &* 4, as: V.self)
            i &+= 8
        }
        if i < n {
            var v = V(repeating: 0)
            for j in 0..<(n &- i) { v[j] = src[i &+ j] }
            let r = f(v)
            for j in 0..<(n &- i) { dst[i &+ j] = r[j] }
        }
    }

    static func exp(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        apply(src, dst, n, exp)
    }

    static func tanh(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        apply(src, dst, n, tanh)
    }

    static func sigmoid(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        apply(src, dst, n, sigmoid)
    }

    static func log(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        apply(src, dst, n, log)
        // Lanes outside the normal positive range take the exact scalar path.
        for i in 0..<n {
            let x = src[i]
            if !(x >= Float.leastNormalMagnitude && x < .infinity) { dst[i] = logf(x) }
        }
    }
}
