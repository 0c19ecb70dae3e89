/// Elementwise arithmetic with NumPy broadcasting: `+ − × ÷`, `minimum`, `maximum`, negation, and scalar forms.
///
/// Backward rules reduce the incoming gradient back to each operand's shape (`reduced(toShape:)`), so broadcasting a
/// bias over a batch sums its gradient over the batch.
extension Tensor {
    @inline(__always)
    static func binaryForward(
        _ a: Tensor, _ b: Tensor, _ f32: (Float, Float) -> Float, _ f64: (Double, Double) -> Double
    ) -> Tensor {
        precondition(a.dtype == b.dtype, "dtype mismatch: \(a.dtype) and \(b.dtype)")
        let outShape = Broadcast.shape(a.shape, b.shape)
        let s = Storage(count: elementCount(outShape), dtype: a.dtype)
        switch a.dtype {
        case .float32: Broadcast.binary(a.storage.f32, a.shape, b.storage.f32, b.shape, s.f32, outShape, f32)
        case .float64: Broadcast.binary(a.storage.f64, a.shape, b.storage.f64, b.shape, s.f64, outShape, f64)
        }
        return Tensor(storage: s, shape: outShape)
    }

    /// A scalar tensor of this tensor's dtype.
    @usableFromInline
    func scalar(_ value: Double) -> Tensor { Tensor(value, dtype: dtype) }

    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let out = binaryForward(a, b, { $0 + $1 }, { $0 + $1 })
        if shouldRecord(a, b) {
            let (sa, sb) = (a.shape, b.shape)
            out.record("add", inputs: [a, b]) { g, needs in
                [needs[0] ? g.reduced(toShape: sa) : nil, needs[1] ? g.reduced(toShape: sb) : nil]
            }
        }
        return out
    }

    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let out = binaryForward(a, b, { $0 - $1 }, { $0 - $1 })
        if shouldRecord(a, b) {
            let (sa, sb) = (a.shape, b.shape)
            out.record("sub", inputs: [a, b]) { g, needs in
                [needs[0] ? g.reduced(toShape: sa) : nil, needs[1] ? (-g).reduced(toShape: sb) : nil]
            }
        }
        return out
    }

    public static func * (a: Tensor, b: Tensor) -> Tensor {
        let out = binaryForward(a, b, { $0 * $1 }, { $0 * $1 })
        if shouldRecord(a, b) {
            out.record("mul", inputs: [a, b]) { g, needs in
                [needs[0] ? (g * b).reduced(toShape: a.shape) : nil,
                 needs[1] ? (g * a).reduced(toShape: b.shape) : nil]
            }
        }
        return out
    }

    public static func / (a: Tensor, b: Tensor) -> Tensor {
        let out = binaryForward(a, b, { $0 / $1 }, { $0 / $1 })
        if shouldRecord(a, b) {
            out.record("div", inputs: [a, b]) { g, needs in
                [needs[0] ? (g / b).reduced(toShape: a.shape) : nil,
                 needs[1] ? (-(g * a) / (b * b)).reduced(toShape: b.shape) : nil]
            }
        }
        return out
    }

    public static prefix func - (a: Tensor) -> Tensor {
        let s = Storage(count: a.count, dtype: a.dtype)
        switch a.dtype {
        case .float32: for i in 0..<a.count { s.f32[i] = -a.storage.f32[i] }
        case .float64: for i in 0..<a.count { s.f64[i] = -a.storage.f64[i] }
        }
        let out = Tensor(storage: s, shape: a.shape)
        if shouldRecord(a) {
            out.record("neg", inputs: [a]) { g, _ in [-g] }
        }
        return out
    }

    // Scalar forms.
    public static func + (a: Tensor, b: Double) -> Tensor { a + a.scalar(b) }
    public static func + (a: Double, b: Tensor) -> Tensor { b.scalar(a) + b }
    public static func - (a: Tensor, b: Double) -> Tensor { a - a.scalar(b) }
    public static func - (a: Double, b: Tensor) -> Tensor { b.scalar(a) - b }
    public static func * (a: Tensor, b: Double) -> Tensor { a * a.scalar(b) }
    public static func * (a: Double, b: Tensor) -> Tensor { b.scalar(a) * b }
    public static func / (a: Tensor, b: Double) -> Tensor { a * a.scalar(1 / b) }
    public static func / (a: Double, b: Tensor) -> Tensor { b.scalar(a) / b }

    /// x².
    public func squared() -> Tensor { self * self }
}

/// Elementwise minimum with broadcasting; the gradient goes to `a` where a ≤ b, else to `b`.
public func minimum(_ a: Tensor, _ b: Tensor) -> Tensor {
    let out = Tensor.binaryForward(a, b, { $0 <= $1 ? $0 : $1 }, { $0 <= $1 ? $0 : $1 })
    if Tensor.shouldRecord(a, b) {
        out.record("minimum", inputs: [a, b]) { g, needs in
            let takeA = withoutGradients { lessEqualMask(a, b) }
            return [needs[0] ? (g * takeA).reduced(toShape: a.shape) : nil,
                    needs[1] ? (g * (1 - takeA)).reduced(toShape: b.shape) : nil]
        }
    }
    return out
}

/// Elementwise maximum with broadcasting; the gradient goes to `a` where a ≥ b, else to `b`.
public func maximum(_ a: Tensor, _ b: Tensor) -> Tensor {
    let out = Tensor.binaryForward(a, b, { $0 >= $1 ? $0 : $1 }, { $0 >= $1 ? $0 : $1 })
    if Tensor.shouldRecord(a, b) {
        out.record("maximum", inputs: [a, b]) { g, needs in
            let takeA = withoutGradients { lessEqualMask(b, a) }
            return [needs[0] ? (g * takeA).reduced(toShape: a.shape) : nil,
                    needs[1] ? (g * (1 - takeA)).reduced(toShape: b.shape) : nil]
        }
    }
    return out
}

/// 1 where a ≤ b, else 0 (a constant: no gradient flows through a comparison).
public func lessEqualMask(_ a: Tensor, _ b: Tensor) -> Tensor {
    Tensor.binaryForward(a, b, { $0 <= $1 ? 1 : 0 }, { $0 <= $1 ? 1 : 0 })
}
