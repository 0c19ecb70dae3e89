import CMetaExploreKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Elementwise functions. `Float` tensors use vectorized kernels (`exp`, `tanh`, `sigmoid` in `CMetaExploreKernels`,
/// compiled per instruction set; `log` in `VectorMath`); `Double` tensors use the C library. Rules that need the op's output save a detached view of it and recompute it from the input when the
/// backward pass itself records (so second derivatives are exact).
extension Tensor {
    @inline(__always)
    func mapForward(
        _ f32: (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void, _ f64: (Double) -> Double
    ) -> Tensor {
        let s = Storage(count: count, dtype: dtype)
        switch dtype {
        case .float32: f32(storage.f32, s.f32, count)
        case .float64:
            let src = storage.f64, dst = s.f64
            for i in 0..<count { dst[i] = f64(src[i]) }
        }
        return Tensor(storage: s, shape: shape)
    }

    @inline(__always)
    func mapScalars(_ f32: (Float) -> Float, _ f64: (Double) -> Double) -> Tensor {
        mapForward({ src, dst, n in for i in 0..<n { dst[i] = f32(src[i]) } }, f64)
    }

    /// The output for a backward rule: recomputed differentiably when the rule records, else the saved values.
    @inline(__always)
    func savedOutput(_ saved: Tensor, recompute: () -> Tensor) -> Tensor {
        GradMode.isEnabled ? recompute() : saved
    }

    /// eˣ.
    public func exp() -> Tensor {
        let out = mapForward({ me_exp_f32($0, $1, $2) }, { libm_exp($0) })
        if Tensor.shouldRecord(self) {
            let saved = out.detached()
            out.record("exp", inputs: [self]) { g, _ in [g * self.savedOutput(saved) { self.exp() }] }
        }
        return out
    }

    /// Natural logarithm.
    public func log() -> Tensor {
        let out = mapForward(VectorMath.log, { libm_log($0) })
        if Tensor.shouldRecord(self) {
            out.record("log", inputs: [self]) { g, _ in [g / self] }
        }
        return out
    }

    /// Hyperbolic tangent.
    public func tanh() -> Tensor {
        let out = mapForward({ me_tanh_f32($0, $1, $2) }, { libm_tanh($0) })
        if Tensor.shouldRecord(self) {
            let saved = out.detached()
            out.record("tanh", inputs: [self]) { g, _ in
                if !GradMode.isEnabled, g.dtype == .float32, g.shape == saved.shape {
                    // fused: g·(1 − y²) in one pass and one buffer, the same roundings as the composite below
                    let s = Storage(count: g.count, dtype: .float32)
                    me_tanh_backward_f32(g.storage.f32, saved.storage.f32, s.f32, g.count)
                    return [Tensor(storage: s, shape: g.shape)]
                }
                let y = self.savedOutput(saved) { self.tanh() }
                return [g * (1 - y * y)]
            }
        }
        return out
    }

    /// self where `condition` > 0, else 0 (no graph: used by backward rules that do not record).
    func passingWhere(positive condition: Tensor) -> Tensor {
        precondition(condition.shape == shape && condition.dtype == dtype)
        let s = Storage(count: count, dtype: dtype)
        switch dtype {
        case .float32:
            me_relu_backward_f32(storage.f32, condition.storage.f32, s.f32, count)
        case .float64:
            let (g, c, o) = (storage.f64, condition.storage.f64, s.f64)
            for i in 0..<count { let gi = g[i]; o[i] = c[i] > 0 ? gi : 0 }
        }
        return Tensor(storage: s, shape: shape)
    }

    /// The logistic function 1/(1 + e⁻ˣ).
    public func sigmoid() -> Tensor {
        let out = mapForward({ me_sigmoid_f32($0, $1, $2) }, { 1 / (1 + libm_exp(-$0)) })
        if Tensor.shouldRecord(self) {
            let saved = out.detached()
            out.record("sigmoid", inputs: [self]) { g, _ in
                let y = self.savedOutput(saved) { self.sigmoid() }
                return [g * (y * (1 - y))]
            }
        }
        return out
    }

    /// max(x, 0). The derivative at 0 is taken as 0.
    public func relu() -> Tensor {
        let out = mapForward({ me_relu_f32($0, $1, $2) }, { $0 > 0 ? $0 : 0 })
        if Tensor.shouldRecord(self) {
            out.record("relu", inputs: [self]) { g, _ in
                if !GradMode.isEnabled { return [g.passingWhere(positive: self)] }  // fused: one pass, one buffer
                let mask = withoutGradients { self.mapScalars({ $0 > 0 ? 1 : 0 }, { $0 > 0 ? 1 : 0 }) }
                return [g * mask]
            }
        }
        return out
    }

    /// log(1 + eˣ), computed as max(x, 0) + log(1 + e^(−|x|)) so it neither overflows nor loses small values.
    public func softplus() -> Tensor {
        let out: Tensor
        switch dtype {
        case .float32:
            // t = e^(−|x|) vectorized, then the cheap combination.
            let negAbs = mapScalars({ -Swift.abs($0) }, { -Swift.abs($0) })
            let t = negAbs.mapForward({ me_exp_f32($0, $1, $2) }, { libm_exp($0) })
            let s = Storage(count: count, dtype: .float32)
            for i in 0..<count {
                let x = storage.f32[i]
                s.f32[i] = (x > 0 ? x : 0) + log1pf(t.storage.f32[i])
            }
            out = Tensor(storage: s, shape: shape)
        case .float64:
            out = mapScalars({ $0 }, { ($0 > 0 ? $0 : 0) + libm_log1p(libm_exp(-Swift.abs($0))) })
        }
        if Tensor.shouldRecord(self) {
            out.record("softplus", inputs: [self]) { g, _ in [g * self.sigmoid()] }
        }
        return out
    }

    /// √x.
    public func sqrt() -> Tensor {
        let out = mapScalars({ $0.squareRoot() }, { $0.squareRoot() })
        if Tensor.shouldRecord(self) {
            let saved = out.detached()
            out.record("sqrt", inputs: [self]) { g, _ in
                [g * 0.5 / self.savedOutput(saved) { self.sqrt() }]
            }
        }
        return out
    }

    /// xᵖ for a constant exponent p.
    public func pow(_ p: Double) -> Tensor {
        let pf = Float(p)
        let out: Tensor
        if p == 2 {
            out = mapScalars({ $0 * $0 }, { $0 * $0 })
        } else {
            out = mapScalars({ powf($0, pf) }, { libm_pow($0, p) })
        }
        if Tensor.shouldRecord(self) {
            out.record("pow", inputs: [self]) { g, _ in
                [p == 2 ? g * self * 2 : g * (self.pow(p - 1) * p)]
            }
        }
        return out
    }

    /// Values limited to [low, high]; the gradient passes where low ≤ x ≤ high.
    public func clamped(min low: Double = -.infinity, max high: Double = .infinity) -> Tensor {
        let (lf, hf) = (Float(low), Float(high))
        let out = mapScalars({ Swift.min(Swift.max($0, lf), hf) }, { Swift.min(Swift.max($0, low), high) })
        if Tensor.shouldRecord(self) {
            out.record("clamp", inputs: [self]) { g, _ in
                let mask = withoutGradients {
                    self.mapScalars({ $0 >= lf && $0 <= hf ? 1 : 0 }, { $0 >= low && $0 <= high ? 1 : 0 })
                }
                return [g * mask]
            }
        }
        return out
    }

    /// |x|; the derivative at 0 is taken as 0.
    public func abs() -> Tensor {
        let out = mapScalars({ Swift.abs($0) }, { Swift.abs($0) })
        if Tensor.shouldRecord(self) {
            out.record("abs", inputs: [self]) { g, _ in
                let sign = withoutGradients {
                    self.mapScalars({ $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) }, { $0 > 0 ? 1 : ($0 < 0 ? -1 : 0) })
                }
                return [g * sign]
            }
        }
        return out
    }
}

// Scalar C library entry points under names that do not collide with the methods above.
@inline(__always) func libm_exp(_ x: Double) -> Double { exp(x) }
@inline(__always) func libm_log(_ x: Double) -> Double { log(x) }
@inline(__always) func libm_tanh(_ x: Double) -> Double { tanh(x) }
@inline(__always) func libm_log1p(_ x: Double) -> Double { log1p(x) }
@inline(__always) func libm_pow(_ x: Double, _ p: Double) -> Double { pow(x, p) }
