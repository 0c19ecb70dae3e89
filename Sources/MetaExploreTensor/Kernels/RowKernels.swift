import CMetaExploreKernels

/// Float32 row kernels for layer normalization, Adam, ReLU and Polyak averaging.
///
/// They live in C (`CMetaExploreKernels`) because Swift code in a dependable package cannot be compiled for wider
/// vector units than the baseline (SSE2); the C functions are compiled for AVX-512, AVX2 and the baseline and the
/// loader picks one for the running CPU. Sums keep sixteen partial accumulators combined in a fixed order, so the
/// results are bit-identical whichever variant runs (and differ from a sequential sum by a few ulp).
enum RowKernels {
    @inline(__always)
    static func sum(_ x: UnsafePointer<Float>, _ d: Int) -> Float { me_sum_f32(x, d) }

    @inline(__always)
    static func layerNormForward(
        _ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ xhat: UnsafeMutablePointer<Float>,
        _ rstdOut: UnsafeMutablePointer<Float>, _ gamma: UnsafePointer<Float>?, _ beta: UnsafePointer<Float>?,
        rows: Int, d: Int, epsilon: Float
    ) {
        me_layernorm_forward_f32(src, dst, xhat, rstdOut, gamma, beta, rows, d, epsilon)
    }

    @inline(__always)
    static func layerNormBackward(
        _ g: UnsafePointer<Float>, _ xhat: UnsafePointer<Float>, _ rstd: UnsafePointer<Float>,
        _ gamma: UnsafePointer<Float>?, _ dx: UnsafeMutablePointer<Float>?, _ dgamma: UnsafeMutablePointer<Float>?,
        rows: Int, d: Int
    ) {
        me_layernorm_backward_f32(g, xhat, rstd, gamma, dx, dgamma, rows, d)
    }
}

/// One Adam step over float32 buffers (the fused, vectorized kernel behind `Adam` in MetaExploreNN):
/// g̃ = g + l2·θ; m ← β₁m + (1−β₁)g̃; v ← β₂v + (1−β₂)g̃²; θ ← θ·(1 − decoupled) − stepSize·m/(√v·invSqrtC2 + ε).
public func adamStepKernel(
    parameter p: UnsafeMutablePointer<Float>, gradient g: UnsafePointer<Float>, m: UnsafeMutablePointer<Float>,
    v: UnsafeMutablePointer<Float>, count: Int, beta1: Float, beta2: Float, stepSize: Float, invSqrtC2: Float,
    epsilon: Float, l2: Float, decoupled: Float
) {
    me_adam_step_f32(p, g, m, v, count, beta1, beta2, stepSize, invSqrtC2, epsilon, l2, decoupled)
}

/// target ← (1 − τ)·target + τ·source over float32 buffers (Polyak averaging).
public func lerpKernel(target: UnsafeMutablePointer<Float>, source: UnsafePointer<Float>, count: Int, tau: Float) {
    me_lerp_f32(target, source, count, tau)
}
