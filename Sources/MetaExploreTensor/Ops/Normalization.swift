import CMetaExploreKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Layer normalization over the last axis (Ba et al. 2016): y = γ ⊙ (x − μ)/√(σ² + ε) + β.
///
/// The forward pass and the plain backward pass are fused loops over each row. When the backward pass records
/// (`createGraph`), the gradient is instead built from differentiable ops on the input, so that layer-normalized
/// networks support second derivatives too.
public func layerNorm(_ x: Tensor, gamma: Tensor?, beta: Tensor?, epsilon: Double = 1e-5) -> Tensor {
    let d = x.shape.last ?? 1
    precondition(x.rank >= 1 && d > 0, "layerNorm needs a non-empty last axis, shape is \(x.shape)")
    if let gamma { precondition(gamma.shape == [d] && gamma.dtype == x.dtype, "layerNorm: gamma \(gamma.shape) for \(x.shape)") }
    if let beta { precondition(beta.shape == [d] && beta.dtype == x.dtype, "layerNorm: beta \(beta.shape) for \(x.shape)") }
    let rows = x.count / d
    let s = Storage(count: x.count, dtype: x.dtype)
    let xhatS = Storage(count: x.count, dtype: x.dtype)
    let rstdS = Storage(count: rows, dtype: x.dtype)
    func forward<T: BinaryFloatingPoint>(
        _ src: UnsafePointer<T>, _ dst: UnsafeMutablePointer<T>, _ xh: UnsafeMutablePointer<T>,
        _ rs: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>?, _ b: UnsafePointer<T>?, _ sqrtf: (T) -> T
    ) {
        let invD = 1 / T(d), eps = T(epsilon)
        for r in 0..<rows {
            let row = src + r * d
            var mean: T = 0
            for j in 0..<d { mean += row[j] }
            mean *= invD
            var variance: T = 0
            for j in 0..<d { let c = row[j] - mean; variance += c * c }
            variance *= invD
            let rstd = 1 / sqrtf(variance + eps)
            rs[r] = rstd
            let xr = xh + r * d, out = dst + r * d
            for j in 0..<d { xr[j] = (row[j] - mean) * rstd }
            switch (g, b) {
            case let (g?, b?): for j in 0..<d { out[j] = xr[j] * g[j] + b[j] }
            case let (g?, nil): for j in 0..<d { out[j] = xr[j] * g[j] }
            case let (nil, b?): for j in 0..<d { out[j] = xr[j] + b[j] }
            case (nil, nil): for j in 0..<d { out[j] = xr[j] }
            }
        }
    }
    switch x.dtype {
    case .float32:
        RowKernels.layerNormForward(x.storage.f32, s.f32, xhatS.f32, rstdS.f32, gamma?.storage.f32, beta?.storage.f32,
                                    rows: rows, d: d, epsilon: Float(epsilon))
    case .float64:
        forward(x.storage.f64, s.f64, xhatS.f64, rstdS.f64, gamma?.storage.f64, beta?.storage.f64, { $0.squareRoot() })
    }
    let out = Tensor(storage: s, shape: x.shape)
    let anyRequiresGrad = x.requiresGrad || (gamma?.requiresGrad ?? false) || (beta?.requiresGrad ?? false)
    if anyRequiresGrad && GradMode.isEnabled {  // the inputs array only when recording
        var inputs = [x]
        if let gamma { inputs.append(gamma) }
        if let beta { inputs.append(beta) }
        let xhat = Tensor(storage: xhatS, shape: x.shape)
        let rstd = Tensor(storage: rstdS, shape: Array(x.shape.dropLast()) + [1])
        out.record("layerNorm", inputs: inputs) { g, needs in
            let grads = GradMode.isEnabled
                ? layerNormBackwardComposite(g, x: x, gamma: gamma, epsilon: epsilon, needs: needs)
                : layerNormBackwardFused(g, xhat: xhat, rstd: rstd, gamma: gamma, needs: needs)
            var result: [Tensor?] = [grads.dx]
            if gamma != nil { result.append(grads.dgamma) }
            if beta != nil { result.append(needs[result.count] ? g.reshaped([-1, d]).sum(axes: [0]) : nil) }
            return result
        }
    }
    return out
}

/// Layer-norm gradients from differentiable ops (used when the backward pass records).
private func layerNormBackwardComposite(
    _ g: Tensor, x: Tensor, gamma: Tensor?, epsilon: Double, needs: [Bool]
) -> (dx: Tensor?, dgamma: Tensor?) {
    let d = x.shape.last!
    let mu = x.mean(axes: [-1], keepDims: true)
    let xc = x - mu
    let variance = (xc * xc).mean(axes: [-1], keepDims: true)
    let rstd = 1 / (variance + epsilon).sqrt()
    let xhat = xc * rstd
    let dxhat = gamma.map { g * $0 } ?? g
    var dx: Tensor?
    if needs[0] {
        let m1 = dxhat.mean(axes: [-1], keepDims: true)
        let m2 = (dxhat * xhat).mean(axes: [-1], keepDims: true)
        dx = rstd * (dxhat - m1 - xhat * m2)
    }
    let dgamma = gamma != nil && needs[1] ? (g * xhat).reshaped([-1, d]).sum(axes: [0]) : nil
    return (dx, dgamma)
}

/// Layer-norm gradients by one fused pass over each row (plain backward).
private func layerNormBackwardFused(
    _ g: Tensor, xhat: Tensor, rstd: Tensor, gamma: Tensor?, needs: [Bool]
) -> (dx: Tensor?, dgamma: Tensor?) {
    let d = xhat.shape.last!
    let rows = xhat.count / d
    let dxS = needs[0] ? Storage(count: xhat.count, dtype: xhat.dtype) : nil
    let wantGamma = gamma != nil && needs[1]
    let dgS = wantGamma ? Storage.zeros(count: d, dtype: xhat.dtype) : nil
    func run<T: BinaryFloatingPoint>(
        _ gp: UnsafePointer<T>, _ xh: UnsafePointer<T>, _ rs: UnsafePointer<T>, _ gam: UnsafePointer<T>?,
        _ dx: UnsafeMutablePointer<T>?, _ dg: UnsafeMutablePointer<T>?
    ) {
        let invD = 1 / T(d)
        for r in 0..<rows {
            let gr = gp + r * d, xr = xh + r * d
            if let dg { for j in 0..<d { dg[j] += gr[j] * xr[j] } }
            guard let dx else { continue }
            var m1: T = 0, m2: T = 0
            if let gam {
                for j in 0..<d { let v = gr[j] * gam[j]; m1 += v; m2 += v * xr[j] }
            } else {
                for j in 0..<d { m1 += gr[j]; m2 += gr[j] * xr[j] }
            }
            m1 *= invD
            m2 *= invD
            let rstd = rs[r]
            let out = dx + r * d
            if let gam {
                for j in 0..<d { out[j] = rstd * (gr[j] * gam[j] - m1 - xr[j] * m2) }
            } else {
                for j in 0..<d { out[j] = rstd * (gr[j] - m1 - xr[j] * m2) }
            }
        }
    }
    switch xhat.dtype {
    case .float32:
        RowKernels.layerNormBackward(g.storage.f32, xhat.storage.f32, rstd.storage.f32, gamma?.storage.f32,
                                     dxS?.f32, dgS?.f32, rows: rows, d: d)
    case .float64:
        run(g.storage.f64, xhat.storage.f64, rstd.storage.f64, gamma?.storage.f64, dxS?.f64, dgS?.f64)
    }
    return (dxS.map { Tensor(storage: $0, shape: xhat.shape) }, dgS.map { Tensor(storage: $0, shape: [d]) })
}

extension Tensor {
    /// Softmax over the last axis, computed stably (the row maximum is subtracted first).
    public func softmax() -> Tensor {
        let out = softmaxForward(log: false)
        if Tensor.shouldRecord(self) {
            let saved = out.detached()
            out.record("softmax", inputs: [self]) { g, _ in
                let y = self.savedOutput(saved) { self.softmax() }
                return [y * (g - (g * y).sum(axes: [-1], keepDims: true))]
            }
        }
        return out
    }

    /// Log-softmax over the last axis: x − max − log Σ exp(x − max).
    public func logSoftmax() -> Tensor {
        let out = softmaxForward(log: true)
        if Tensor.shouldRecord(self) {
            let saved = out.detached()
            out.record("logSoftmax", inputs: [self]) { g, _ in
                let p = GradMode.isEnabled ? self.softmax() : saved.exp()
                return [g - p * g.sum(axes: [-1], keepDims: true)]
            }
        }
        return out
    }

    private func softmaxForward(log takeLog: Bool) -> Tensor {
        precondition(rank >= 1 && shape.last! > 0, "softmax needs a non-empty last axis, shape is \(shape)")
        let d = shape.last!
        let rows = count / d
        let s = Storage(count: count, dtype: dtype)
        switch dtype {
        case .float32:
            let src = storage.f32, dst = s.f32
            for r in 0..<rows {
                let x = src + r * d, y = dst + r * d
                var m = x[0]
                for j in 1..<d where x[j] > m { m = x[j] }
                for j in 0..<d { y[j] = x[j] - m }
                if takeLog {
                    var total: Float = 0
                    for j in 0..<d { total += expf(y[j]) }
                    let lse = logf(total)
                    for j in 0..<d { y[j] -= lse }
                } else {
                    me_exp_f32(y, y, d)
                    var total: Float = 0
                    for j in 0..<d { total += y[j] }
                    let inv = 1 / total
                    for j in 0..<d { y[j] *= inv }
                }
            }
        case .float64:
            let src = storage.f64, dst = s.f64
            for r in 0..<rows {
                let x = src + r * d, y = dst + r * d
                var m = x[0]
                for j in 1..<d where x[j] > m { m = x[j] }
                var total = 0.0
                for j in 0..<d { total += libm_exp(x[j] - m) }
                if takeLog {
                    let lse = libm_log(total)
                    for j in 0..<d { y[j] = x[j] - m - lse }
                } else {
                    for j in 0..<d { y[j] = libm_exp(x[j] - m) / total }
                }
            }
        }
        return Tensor(storage: s, shape: shape)
    }
}
