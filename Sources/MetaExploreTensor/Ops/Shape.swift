/// Shape manipulation: reshape, transpose/permute, concatenate, split, slice and gather.
extension Tensor {
    /// The same elements with a new shape of equal size; one extent may be -1 (inferred). Shares storage.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        var target = newShape
        if let inferred = target.firstIndex(of: -1) {
            let known = target.enumerated().filter { $0.offset != inferred }.reduce(1) { $0 * $1.element }
            precondition(known > 0 && count % known == 0, "cannot reshape \(shape) to \(newShape)")
            target[inferred] = count / known
        }
        precondition(Tensor.elementCount(target) == count, "cannot reshape \(shape) (\(count) elements) to \(newShape)")
        if target == shape { return self }
        let out = Tensor(storage: storage, shape: target)
        if Tensor.shouldRecord(self) {
            let inShape = shape
            out.record("reshape", inputs: [self]) { g, _ in [g.reshaped(inShape)] }
        }
        return out
    }

    /// The axes reordered: result dimension i is this tensor's dimension `axes[i]`.
    public func permuted(_ axes: [Int]) -> Tensor {
        precondition(axes.sorted() == Array(0..<rank), "permutation \(axes) for rank \(rank)")
        let outShape = axes.map { shape[$0] }
        var inStrides = [Int](repeating: 1, count: rank)
        for i in stride(from: rank - 2, through: 0, by: -1) { inStrides[i] = inStrides[i + 1] * shape[i + 1] }
        let strides = axes.map { inStrides[$0] }
        let s = Storage(count: count, dtype: dtype)
        func run<T>(_ src: UnsafePointer<T>, _ dst: UnsafeMutablePointer<T>) {
            if rank == 2 {
                let (r, c) = (outShape[0], outShape[1])
                for i in 0..<r { for j in 0..<c { dst[i * c + j] = src[i * strides[0] + j * strides[1]] } }
                return
            }
            var index = [Int](repeating: 0, count: rank)
            var off = 0
            for k in 0..<count {
                dst[k] = src[off]
                var d = rank - 1
                while d >= 0 {
                    index[d] += 1
                    off += strides[d]
                    if index[d] < outShape[d] { break }
                    off -= strides[d] * outShape[d]
                    index[d] = 0
                    d -= 1
                }
            }
        }
        if count > 0 {
            switch dtype {
            case .float32: run(storage.f32, s.f32)
            case .float64: run(storage.f64, s.f64)
            }
        }
        let out = Tensor(storage: s, shape: outShape)
        if Tensor.shouldRecord(self) {
            var inverse = [Int](repeating: 0, count: rank)
            for (i, a) in axes.enumerated() { inverse[a] = i }
            out.record("permute", inputs: [self]) { g, _ in [g.permuted(inverse)] }
        }
        return out
    }

    /// The transpose of a matrix.
    public func transposed() -> Tensor {
        precondition(rank == 2, "transposed() needs a matrix, shape is \(shape); use permuted(_:)")
        return permuted([1, 0])
    }

    /// Elements `range` along `axis`.
    public func slice(axis: Int, _ range: Range<Int>) -> Tensor {
        let ax = axisIndex(axis)
        precondition(range.lowerBound >= 0 && range.upperBound <= shape[ax],
                     "slice \(range) out of bounds for extent \(shape[ax]) of axis \(ax)")
        if range.count == shape[ax] { return self }
        let outer = shape[..<ax].reduce(1, *)
        let inner = shape[(ax + 1)...].reduce(1, *)
        var outShape = shape
        outShape[ax] = range.count
        let s = Storage(count: Tensor.elementCount(outShape), dtype: dtype)
        let bytes = dtype.byteSize
        let chunk = range.count * inner * bytes
        for o in 0..<outer {
            let src = storage.raw + (o * shape[ax] + range.lowerBound) * inner * bytes
            (s.raw + o * chunk).copyMemory(from: src, byteCount: chunk)
        }
        let out = Tensor(storage: s, shape: outShape)
        if Tensor.shouldRecord(self) {
            let inShape = shape
            out.record("slice", inputs: [self]) { g, _ in [g.padded(axis: ax, to: inShape, at: range.lowerBound)] }
        }
        return out
    }

    /// Places this tensor into zeros of shape `target` at offset `start` along `axis` (the adjoint of `slice`).
    public func padded(axis: Int, to target: [Int], at start: Int) -> Tensor {
        let ax = axisIndex(axis)
        precondition(target.count == rank && start >= 0 && start + shape[ax] <= target[ax],
                     "cannot pad \(shape) into \(target) at \(start) along axis \(ax)")
        let outer = shape[..<ax].reduce(1, *)
        let inner = shape[(ax + 1)...].reduce(1, *)
        let s = Storage.zeros(count: Tensor.elementCount(target), dtype: dtype)
        let bytes = dtype.byteSize
        let chunk = shape[ax] * inner * bytes
        for o in 0..<outer {
            let dst = s.raw + (o * target[ax] + start) * inner * bytes
            dst.copyMemory(from: storage.raw + o * chunk, byteCount: chunk)
        }
        let out = Tensor(storage: s, shape: target)
        if Tensor.shouldRecord(self) {
            let n = shape[ax]
            out.record("pad", inputs: [self]) { g, _ in [g.slice(axis: ax, start..<(start + n))] }
        }
        return out
    }

    /// Pieces of the given extents along `axis`.
    public func split(sizes: [Int], axis: Int) -> [Tensor] {
        let ax = axisIndex(axis)
        precondition(sizes.reduce(0, +) == shape[ax], "split sizes \(sizes) do not add up to \(shape[ax])")
        var start = 0
        return sizes.map { n in
            defer { start += n }
            return slice(axis: ax, start..<(start + n))
        }
    }

    /// Elements picked along `axis`: `indices` has this tensor's shape except along `axis` (any extent k ≥ 1),
    /// and result[..., j, ...] = self[..., indices[..., j, ...], ...]. The gradient is scattered back (summed where an
    /// index repeats). Gathering along the last axis with k = 1 picks, e.g., the Q-value of each taken action.
    public func gather(indices: [Int], axis: Int) -> Tensor {
        let ax = axisIndex(axis)
        let outer = shape[..<ax].reduce(1, *)
        let inner = shape[(ax + 1)...].reduce(1, *)
        precondition(outer * inner > 0 && indices.count % (outer * inner) == 0,
                     "gather: \(indices.count) indices do not fit shape \(shape) along axis \(ax)")
        let k = indices.count / (outer * inner)
        let n = shape[ax]
        for i in indices { precondition(i >= 0 && i < n, "gather index \(i) out of range 0..<\(n)") }
        var outShape = shape
        outShape[ax] = k
        let s = Storage(count: indices.count, dtype: dtype)
        func run<T>(_ src: UnsafePointer<T>, _ dst: UnsafeMutablePointer<T>) {
            for o in 0..<outer { for j in 0..<k { for i in 0..<inner {
                let pos = (o * k + j) * inner + i
                dst[pos] = src[(o * n + indices[pos]) * inner + i]
            } } }
        }
        switch dtype {
        case .float32: run(storage.f32, s.f32)
        case .float64: run(storage.f64, s.f64)
        }
        let out = Tensor(storage: s, shape: outShape)
        if Tensor.shouldRecord(self) {
            let inShape = shape
            out.record("gather", inputs: [self]) { g, _ in [g.scatterAdd(indices: indices, axis: ax, into: inShape)] }
        }
        return out
    }

    /// Adds this tensor's elements into zeros of shape `target` at `indices` along `axis` (the adjoint of gather).
    public func scatterAdd(indices: [Int], axis: Int, into target: [Int]) -> Tensor {
        let ax = axisIndex(axis)
        precondition(indices.count == count, "scatterAdd: \(indices.count) indices for \(count) elements")
        let outer = target[..<ax].reduce(1, *)
        let inner = target[(ax + 1)...].reduce(1, *)
        let k = shape[ax], n = target[ax]
        let s = Storage.zeros(count: Tensor.elementCount(target), dtype: dtype)
        func run<T: FloatingPoint>(_ src: UnsafePointer<T>, _ dst: UnsafeMutablePointer<T>) {
            for o in 0..<outer { for j in 0..<k { for i in 0..<inner {
                let pos = (o * k + j) * inner + i
                dst[(o * n + indices[pos]) * inner + i] += src[pos]
            } } }
        }
        switch dtype {
        case .float32: run(storage.f32, s.f32)
        case .float64: run(storage.f64, s.f64)
        }
        let out = Tensor(storage: s, shape: target)
        if Tensor.shouldRecord(self) {
            out.record("scatterAdd", inputs: [self]) { g, _ in [g.gather(indices: indices, axis: ax)] }
        }
        return out
    }
}

/// Joins tensors along `axis` (all other extents equal).
public func concatenate(_ tensors: [Tensor], axis: Int) -> Tensor {
    precondition(!tensors.isEmpty, "concatenate needs at least one tensor")
    let first = tensors[0]
    let ax = first.axisIndex(axis)
    for t in tensors {
        precondition(t.dtype == first.dtype && t.rank == first.rank, "concatenate: mixed dtypes or ranks")
        for d in 0..<first.rank where d != ax {
            precondition(t.shape[d] == first.shape[d], "concatenate: shapes \(first.shape) and \(t.shape) differ off axis \(ax)")
        }
    }
    let outer = first.shape[..<ax].reduce(1, *)
    let inner = first.shape[(ax + 1)...].reduce(1, *)
    var outShape = first.shape
    outShape[ax] = tensors.reduce(0) { $0 + $1.shape[ax] }
    let s = Storage(count: Tensor.elementCount(outShape), dtype: first.dtype)
    let bytes = first.dtype.byteSize
    let rowBytes = outShape[ax] * inner * bytes
    var offset = 0
    for t in tensors {
        let chunk = t.shape[ax] * inner * bytes
        for o in 0..<outer {
            (s.raw + o * rowBytes + offset).copyMemory(from: t.storage.raw + o * chunk, byteCount: chunk)
        }
        offset += chunk
    }
    let out = Tensor(storage: s, shape: outShape)
    if Tensor.shouldRecord(tensors) {
        let sizes = tensors.map { $0.shape[ax] }
        out.record("concat", inputs: tensors) { g, needs in
            var start = 0
            return sizes.enumerated().map { i, n in
                defer { start += n }
                return needs[i] ? g.slice(axis: ax, start..<(start + n)) : nil
            }
        }
    }
    return out
}

/// Whole rows (sub-tensors under one index of the first axis) picked and scattered back.
extension Tensor {
    /// result[i] = self[rows[i]] for every i: shape [rows.count] + shape[1...]. The values of
    /// `gather(indices:axis: 0)` with each row index repeated over the row, without a per-element index list (one
    /// copy per row). Rows may repeat; the gradient is summed back per row (`scatterAddRows`), in the order of
    /// `rows`, so it has the bits of `gather`'s.
    ///
    /// Throws `TensorArgumentError` for a rank-0 tensor or a row outside 0..<shape[0].
    public func gatherRows(_ rows: [Int]) throws -> Tensor {
        guard rank >= 1 else { throw TensorArgumentError("gatherRows needs at least one axis, shape is \(shape)") }
        for r in rows where r < 0 || r >= shape[0] {
            throw TensorArgumentError("gatherRows: row \(r) outside 0..<\(shape[0])")
        }
        return gatheringRows(rows)
    }

    /// The adjoint of `gatherRows`: zeros of shape [count] + shape[1...] with row i of this tensor added into row
    /// rows[i], in the order of `rows`. Throws `TensorArgumentError` when `rows` does not give one index per row
    /// of this tensor or an index lies outside 0..<count.
    public func scatterAddRows(_ rows: [Int], count n: Int) throws -> Tensor {
        guard rank >= 1, shape[0] == rows.count else {
            throw TensorArgumentError("scatterAddRows: \(rows.count) row indices for shape \(shape)")
        }
        for r in rows where r < 0 || r >= n { throw TensorArgumentError("scatterAddRows: row \(r) outside 0..<\(n)") }
        return scatteringRows(rows, count: n)
    }

    /// Elements per row.
    private var rowWidth: Int { shape.dropFirst().reduce(1, *) }

    func gatheringRows(_ rows: [Int]) -> Tensor {
        let width = rowWidth
        var outShape = shape
        outShape[0] = rows.count
        let s = Storage(count: rows.count * width, dtype: dtype)
        let bytes = width * dtype.byteSize
        for (i, r) in rows.enumerated() { (s.raw + i * bytes).copyMemory(from: storage.raw + r * bytes, byteCount: bytes) }
        let out = Tensor(storage: s, shape: outShape)
        if Tensor.shouldRecord(self) {
            let n = shape[0]
            out.record("gatherRows", inputs: [self]) { g, _ in [g.scatteringRows(rows, count: n)] }
        }
        return out
    }

    func scatteringRows(_ rows: [Int], count n: Int) -> Tensor {
        let width = rowWidth
        var outShape = shape
        outShape[0] = n
        let s = Storage.zeros(count: n * width, dtype: dtype)
        func run<T: FloatingPoint>(_ src: UnsafePointer<T>, _ dst: UnsafeMutablePointer<T>) {
            for (i, r) in rows.enumerated() {
                let from = src + i * width, to = dst + r * width
                for j in 0..<width { to[j] += from[j] }
            }
        }
        switch dtype {
        case .float32: run(storage.f32, s.f32)
        case .float64: run(storage.f64, s.f64)
        }
        let out = Tensor(storage: s, shape: outShape)
        if Tensor.shouldRecord(self) {
            out.record("scatterAddRows", inputs: [self]) { g, _ in [g.gatheringRows(rows)] }
        }
        return out
    }
}
