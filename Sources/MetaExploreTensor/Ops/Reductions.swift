import CMetaExploreKernels
/// Sums, means and maxima over axes, and the broadcast/reduce pair that backward rules use.
extension Tensor {
    /// Normalizes a possibly negative axis.
    @usableFromInline
    func axisIndex(_ axis: Int) -> Int {
        let a = axis < 0 ? axis + rank : axis
        precondition(a >= 0 && a < rank, "axis \(axis) out of range for shape \(shape)")
        return a
    }

    /// Sum over one axis (forward only), keeping it as extent 1.
    func sumForward(axis: Int) -> Tensor {
        let n = shape[axis]
        let outer = shape[..<axis].reduce(1, *)
        let inner = shape[(axis + 1)...].reduce(1, *)
        var outShape = shape
        outShape[axis] = 1
        let s = Storage(count: outer * inner, dtype: dtype)
        func run<T: FloatingPoint>(_ src: UnsafePointer<T>, _ dst: UnsafeMutablePointer<T>, _ rowSum: (UnsafePointer<T>, Int) -> T) {
            for o in 0..<outer {
                let base = src + o * n * inner
                let out = dst + o * inner
                if inner == 1 {
                    out[0] = rowSum(base, n)
                } else if n == 0 {
                    for i in 0..<inner { out[i] = 0 }
                } else {
                    // Start from the first slice instead of zeros, then add the others.
                    for i in 0..<inner { out[i] = base[i] }
                    for j in 1..<n {
                        let row = base + j * inner
                        for i in 0..<inner { out[i] += row[i] }
                    }
                }
            }
        }
        switch dtype {
        case .float32 where inner > 1:
            // Same order as `run` (first slice, then the others added in turn), vectorized across the slice.
            for o in 0..<outer { me_column_sum_f32(storage.f32 + o * n * inner, s.f32 + o * inner, n, inner) }
        case .float32: run(storage.f32, s.f32, RowKernels.sum)
        case .float64: run(storage.f64, s.f64) { p, n in var acc = 0.0; for j in 0..<n { acc += p[j] }; return acc }
        }
        return Tensor(storage: s, shape: outShape)
    }

    /// The sum over `axes` (all axes when nil), dropping them unless `keepDims`.
    public func sum(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let reduceAxes = Set((axes ?? Array(0..<rank)).map { axisIndex($0) })
        var result: Tensor
        if reduceAxes.count == rank && rank > 0 {
            // Whole-tensor sum: one flat pass.
            let s = Storage(count: 1, dtype: dtype)
            switch dtype {
            case .float32:
                s.f32[0] = RowKernels.sum(storage.f32, count)
            case .float64:
                var acc: Double = 0
                for i in 0..<count { acc += storage.f64[i] }
                s.f64[0] = acc
            }
            result = Tensor(storage: s, shape: [Int](repeating: 1, count: rank))
        } else {
            result = self.detached()
            for a in reduceAxes.sorted(by: >) { result = result.sumForward(axis: a) }
        }
        let keptShape = result.shape
        let finalShape = keepDims ? keptShape : shape.enumerated().filter { !reduceAxes.contains($0.offset) }.map(\.element)
        let out = Tensor(storage: result.storage, shape: finalShape)
        if Tensor.shouldRecord(self) {
            let inShape = shape
            out.record("sum", inputs: [self]) { g, _ in [g.reshaped(keptShape).broadcast(to: inShape)] }
        }
        return out
    }

    /// The mean over `axes` (all axes when nil).
    public func mean(axes: [Int]? = nil, keepDims: Bool = false) -> Tensor {
        let reduceAxes = (axes ?? Array(0..<rank)).map { axisIndex($0) }
        let n = Set(reduceAxes).reduce(1) { $0 * shape[$1] }
        return sum(axes: axes, keepDims: keepDims) * (1 / Double(Swift.max(n, 1)))
    }

    /// The maximum over one axis (the whole tensor when nil). The gradient goes to the first maximal element.
    public func max(axis: Int? = nil, keepDims: Bool = false) -> Tensor {
        if axis == nil {
            return reshaped([count]).max(axis: 0, keepDims: false).reshaped(keepDims ? [Int](repeating: 1, count: rank) : [])
        }
        let ax = axisIndex(axis!)
        let n = shape[ax]
        precondition(n > 0, "max over an empty axis")
        let outer = shape[..<ax].reduce(1, *)
        let inner = shape[(ax + 1)...].reduce(1, *)
        var keptShape = shape
        keptShape[ax] = 1
        let s = Storage(count: outer * inner, dtype: dtype)
        let mask = Storage.zeros(count: count, dtype: dtype)
        func run<T: FloatingPoint>(_ src: UnsafePointer<T>, _ dst: UnsafeMutablePointer<T>, _ m: UnsafeMutablePointer<T>) {
            for o in 0..<outer {
                for i in 0..<inner {
                    var best = src[o * n * inner + i], arg = 0
                    for j in 1..<n {
                        let v = src[(o * n + j) * inner + i]
                        if v > best || (best.isNaN == false && v.isNaN) { best = v; arg = j }
                    }
                    dst[o * inner + i] = best
                    m[(o * n + arg) * inner + i] = 1
                }
            }
        }
        switch dtype {
        case .float32: run(storage.f32, s.f32, mask.f32)
        case .float64: run(storage.f64, s.f64, mask.f64)
        }
        let finalShape = keepDims ? keptShape : shape.enumerated().filter { $0.offset != ax }.map(\.element)
        let out = Tensor(storage: s, shape: finalShape)
        if Tensor.shouldRecord(self) {
            let maskTensor = Tensor(storage: mask, shape: shape)
            let inShape = shape
            out.record("max", inputs: [self]) { g, _ in [g.reshaped(keptShape).broadcast(to: inShape) * maskTensor] }
        }
        return out
    }

    /// This tensor broadcast to `target` (a differentiable copy; its gradient is summed back).
    public func broadcast(to target: [Int]) -> Tensor {
        if target == shape { return self }
        precondition(Broadcast.shape(shape, target) == target, "cannot broadcast \(shape) to \(target)")
        let s = Storage(count: Tensor.elementCount(target), dtype: dtype)
        switch dtype {
        case .float32: Broadcast.binary(storage.f32, shape, storage.f32, [1], s.f32, target) { x, _ in x }
        case .float64: Broadcast.binary(storage.f64, shape, storage.f64, [1], s.f64, target) { x, _ in x }
        }
        let out = Tensor(storage: s, shape: target)
        if Tensor.shouldRecord(self) {
            let inShape = shape
            out.record("broadcast", inputs: [self]) { g, _ in [g.reduced(toShape: inShape)] }
        }
        return out
    }

    /// Sums a broadcast gradient back to `target` (the adjoint of `broadcast(to:)`).
    public func reduced(toShape target: [Int]) -> Tensor {
        if target == shape { return self }
        let lead = rank - target.count
        precondition(lead >= 0, "cannot reduce \(shape) to \(target)")
        var axes: [Int] = Array(0..<lead)
        for (i, d) in target.enumerated() where d == 1 && shape[lead + i] != 1 { axes.append(lead + i) }
        return sum(axes: axes, keepDims: true).reshaped(target)
    }
}
