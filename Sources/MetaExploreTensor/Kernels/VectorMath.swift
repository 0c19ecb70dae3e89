#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Vectorized `Float` logarithm over buffers, eight lanes at a time.
///
/// glibc's scalar `tanhf` on a 64×64 block costs more than the 64×64×64 matrix product before it, so the network
/// nonlinearities are vectorized: `exp`, `tanh` and `sigmoid` are C kernels compiled per instruction set
/// (`me_exp_f32`, `me_tanh_f32`, `me_sigmoid_f32` in CMetaExploreKernels, 16 lanes; their eight-lane Swift
/// originals are kept in the tests as the bit-for-bit reference), `log` is here.
///
/// Accuracy contract (measured by the tests against `Double` references over wide grids): `exp`, `log`, `tanh` and `sigmoid` within 3 ulp (relative error < 2e-7) over their normal range.
/// Edge behaviour: `exp` returns +∞ above 88.72 and 0 below −87.34 (no subnormal results; values in (88.38, 88.72]
/// saturate at about 2.4e38); `log` of 0, negatives, subnormals, ∞ and NaN falls back to the scalar `logf`.
/// `Double` tensors use the scalar C library (their use is gradient checks, where accuracy matters, not speed).
enum VectorMath {
    typealias V = SIMD8<Float>
    typealias VI = SIMD8<Int32>

    static let ln2Hi: Float = 0.693_145_751_953_125  // ln 2 rounded to 16 significant bits, so k·ln2Hi is exact
    static let ln2Lo: Float = 1.428_606_765_330_187e-06

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

    static func log(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
        apply(src, dst, n, log)
        // Lanes outside the normal positive range take the exact scalar path.
        for i in 0..<n {
            let x = src[i]
            if !(x >= Float.leastNormalMagnitude && x < .infinity) { dst[i] = logf(x) }
        }
    }
}
