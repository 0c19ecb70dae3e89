/// Shape rules and loops for NumPy-style broadcasting.
enum Broadcast {
    /// The broadcast shape of two shapes (aligned at the trailing dimension; 1 stretches).
    static func shape(_ a: [Int], _ b: [Int]) -> [Int] {
        if a == b { return a }
        let rank = max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            precondition(da == db || da == 1 || db == 1, "shapes \(a) and \(b) cannot be broadcast together")
            out[i] = da == 1 ? db : da
        }
        return out
    }

    /// Element strides of `shape` when read as `outShape` (0 along broadcast dimensions).
    static func strides(of shape: [Int], in outShape: [Int]) -> [Int] {
        let rank = outShape.count
        var strides = [Int](repeating: 0, count: rank)
        var step = 1
        for i in stride(from: shape.count - 1, through: 0, by: -1) {
            let o = i + (rank - shape.count)
            strides[o] = shape[i] == 1 ? 0 : step
            step *= shape[i]
        }
        return strides
    }

    /// out[i] = f(a[ia], b[ib]) over the broadcast shape, with fast paths for equal shapes, scalars and rows.
    @inline(__always)
    static func binary<T>(
        _ a: UnsafePointer<T>, _ aShape: [Int], _ b: UnsafePointer<T>, _ bShape: [Int],
        _ out: UnsafeMutablePointer<T>, _ outShape: [Int], _ f: (T, T) -> T
    ) {
        let n = Tensor.elementCount(outShape)
        let na = Tensor.elementCount(aShape), nb = Tensor.elementCount(bShape)
        if na == n && nb == n {
            for i in 0..<n { out[i] = f(a[i], b[i]) }
            return
        }
        if nb == 1 && na == n {
            let s = b[0]
            for i in 0..<n { out[i] = f(a[i], s) }
            return
        }
        if na == 1 && nb == n {
            let s = a[0]
            for i in 0..<n { out[i] = f(s, b[i]) }
            return
        }
        let sa = strides(of: aShape, in: outShape)
        let sb = strides(of: bShape, in: outShape)
        let rank = outShape.count
        let inner = outShape[rank - 1]
        let ia = sa[rank - 1], ib = sb[rank - 1]
        if inner == 0 { return }
        let outer = n / inner
        var index = [Int](repeating: 0, count: rank)
        var offA = 0, offB = 0
        for row in 0..<outer {
            let o = out + row * inner
            if ia == 1 && ib == 1 {
                for j in 0..<inner { o[j] = f(a[offA + j], b[offB + j]) }
            } else if ia == 1 && ib == 0 {
                let s = b[offB]
                for j in 0..<inner { o[j] = f(a[offA + j], s) }
            } else if ia == 0 && ib == 1 {
                let s = a[offA]
                for j in 0..<inner { o[j] = f(s, b[offB + j]) }
            } else {
                for j in 0..<inner { o[j] = f(a[offA + j * ia], b[offB + j * ib]) }
            }
            // Advance the odometer over the outer dimensions.
            var d = rank - 2
            while d >= 0 {
                index[d] += 1
                offA += sa[d]
                offB += sb[d]
                if index[d] < outShape[d] { break }
                offA -= sa[d] * outShape[d]
                offB -= sb[d] * outShape[d]
                index[d] = 0
                d -= 1
            }
        }
    }
}
