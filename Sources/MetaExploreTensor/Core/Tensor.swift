import MetaExploreRandom

/// A dense, row-major n-dimensional array that records how it was computed, for reverse-mode differentiation.
///
/// `Tensor` is a reference type: an op returns a new tensor whose storage is never written again, and which keeps a
/// `GradNode` (its inputs and a backward rule) when gradient recording is on (`GradMode`) and some input requires
/// gradients. `gradients(of:wrt:createGraph:)` walks these nodes backwards. Backward rules are themselves written with
/// tensor ops, so with `createGraph: true` the gradient is a differentiable tensor and can be differentiated again
/// (Hessian-vector products for MAML, TRPO and DiCE).
///
/// Leaf tensors with `requiresGrad == true` are parameters; optimizers update their storage in place
/// (`assign(_:)`, `withUnsafeMutableFloats(_:)`). Updating a tensor that a recorded graph still refers to changes
/// the gradients that graph will produce; take gradients before stepping the optimizer.
///
/// Costs: an op allocates one result buffer and, when recording, one graph node. Matrix products go to BLAS
/// (pinned to one thread); `Float` elementwise math is vectorized (`VectorMath`).
public final class Tensor {
    /// The extent of each dimension; `[]` for a scalar.
    public let shape: [Int]
    /// The element type.
    public let dtype: DType
    @usableFromInline let storage: Storage
    @usableFromInline var node: GradNode?
    private var leafRequiresGrad = false

    @usableFromInline
    init(storage: Storage, shape: [Int]) {
        precondition(storage.count == Tensor.elementCount(shape), "storage of \(storage.count) elements for shape \(shape)")
        self.storage = storage
        self.shape = shape
        self.dtype = storage.dtype
    }

    // MARK: - Creating tensors

    /// A tensor of the given shape from `Float` values (row-major).
    public convenience init(shape: [Int], scalars: [Float], dtype: DType = .float32) {
        precondition(scalars.count == Tensor.elementCount(shape),
                     "\(scalars.count) values do not fill shape \(shape)")
        let s = Storage(count: scalars.count, dtype: dtype)
        switch dtype {
        case .float32: scalars.withUnsafeBufferPointer { s.f32.update(from: $0.baseAddress!, count: $0.count) }
        case .float64: for i in 0..<scalars.count { s.f64[i] = Double(scalars[i]) }
        }
        self.init(storage: s, shape: shape)
    }

    /// A tensor of the given shape from `Double` values (row-major), stored as `dtype` (float64 by default).
    public convenience init(shape: [Int], doubles: [Double], dtype: DType = .float64) {
        precondition(doubles.count == Tensor.elementCount(shape),
                     "\(doubles.count) values do not fill shape \(shape)")
        let s = Storage(count: doubles.count, dtype: dtype)
        switch dtype {
        case .float32: for i in 0..<doubles.count { s.f32[i] = Float(doubles[i]) }
        case .float64: doubles.withUnsafeBufferPointer { s.f64.update(from: $0.baseAddress!, count: $0.count) }
        }
        self.init(storage: s, shape: shape)
    }

    /// A rank-0 tensor holding `value`.
    public convenience init(_ value: Double, dtype: DType = .float32) {
        self.init(shape: [], doubles: [value], dtype: dtype)
    }

    /// A rank-1 tensor from `Float` values.
    public convenience init(_ values: [Float]) {
        self.init(shape: [values.count], scalars: values)
    }

    /// A tensor of zeros.
    public static func zeros(_ shape: [Int], dtype: DType = .float32) -> Tensor {
        Tensor(storage: .zeros(count: elementCount(shape), dtype: dtype), shape: shape)
    }

    /// A tensor with every element equal to `value`.
    public static func full(_ shape: [Int], _ value: Double, dtype: DType = .float32) -> Tensor {
        let n = elementCount(shape)
        let s = Storage(count: n, dtype: dtype)
        switch dtype {
        case .float32: s.f32.initialize(repeating: Float(value), count: n)
        case .float64: s.f64.initialize(repeating: value, count: n)
        }
        return Tensor(storage: s, shape: shape)
    }

    /// A tensor of ones.
    public static func ones(_ shape: [Int], dtype: DType = .float32) -> Tensor { full(shape, 1, dtype: dtype) }

    /// Independent draws from N(mean, std²).
    public static func randomNormal(
        _ shape: [Int], mean: Double = 0, std: Double = 1, dtype: DType = .float32, using rng: inout RandomStream
    ) -> Tensor {
        let n = elementCount(shape)
        var values = [Double](repeating: 0, count: n)
        for i in 0..<n { values[i] = mean + std * rng.normal() }
        return Tensor(shape: shape, doubles: values, dtype: dtype)
    }

    /// Independent draws from U[low, high).
    public static func randomUniform(
        _ shape: [Int], low: Double = 0, high: Double = 1, dtype: DType = .float32, using rng: inout RandomStream
    ) -> Tensor {
        let n = elementCount(shape)
        var values = [Double](repeating: 0, count: n)
        for i in 0..<n { values[i] = rng.uniform(low, high) }
        return Tensor(shape: shape, doubles: values, dtype: dtype)
    }

    // MARK: - Properties

    /// The number of elements.
    @inlinable public var count: Int { storage.count }
    /// The number of dimensions.
    public var rank: Int { shape.count }

    /// True for a parameter (a leaf that asked for gradients) and for every tensor computed from one while recording.
    public var requiresGrad: Bool {
        get { node != nil || leafRequiresGrad }
        set {
            precondition(node == nil, "requiresGrad can only be set on leaf tensors (not on results of ops)")
            leafRequiresGrad = newValue
        }
    }

    /// True when this tensor was not computed by a recorded op.
    public var isLeaf: Bool { node == nil }

    /// Marks this leaf as a parameter and returns it.
    @discardableResult
    public func requiringGrad(_ flag: Bool = true) -> Tensor {
        requiresGrad = flag
        return self
    }

    /// The values as `Float`s (converted when the dtype is float64).
    public var scalars: [Float] {
        switch dtype {
        case .float32: return Array(UnsafeBufferPointer(start: storage.f32, count: count))
        case .float64: return (0..<count).map { Float(storage.f64[$0]) }
        }
    }

    /// The values as `Double`s.
    public var doubles: [Double] {
        switch dtype {
        case .float32: return (0..<count).map { Double(storage.f32[$0]) }
        case .float64: return Array(UnsafeBufferPointer(start: storage.f64, count: count))
        }
    }

    /// The single value of a one-element tensor.
    public var item: Double {
        precondition(count == 1, "item needs a one-element tensor, shape is \(shape)")
        return dtype == .float32 ? Double(storage.f32[0]) : storage.f64[0]
    }

    /// The element at a multi-index.
    public subscript(_ index: Int...) -> Double {
        precondition(index.count == rank, "index \(index) for shape \(shape)")
        var flat = 0
        for (i, (ix, n)) in zip(index, shape).enumerated() {
            precondition(ix >= 0 && ix < n, "index \(ix) out of range 0..<\(n) in dimension \(i)")
            flat = flat * n + ix
        }
        return dtype == .float32 ? Double(storage.f32[flat]) : storage.f64[flat]
    }

    // MARK: - Raw access and in-place updates (leaves)

    /// Read access to the float32 elements.
    public func withUnsafeFloats<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        precondition(dtype == .float32, "withUnsafeFloats on a \(dtype) tensor")
        return try body(UnsafeBufferPointer(start: storage.f32, count: count))
    }

    /// Write access to the float32 elements of a leaf (parameters, buffers being filled).
    public func withUnsafeMutableFloats<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        precondition(dtype == .float32, "withUnsafeMutableFloats on a \(dtype) tensor")
        precondition(node == nil, "in-place writes are only allowed on leaf tensors")
        return try body(UnsafeMutableBufferPointer(start: storage.f32, count: count))
    }

    /// Read access to the float64 elements.
    public func withUnsafeDoubles<R>(_ body: (UnsafeBufferPointer<Double>) throws -> R) rethrows -> R {
        precondition(dtype == .float64, "withUnsafeDoubles on a \(dtype) tensor")
        return try body(UnsafeBufferPointer(start: storage.f64, count: count))
    }

    /// Write access to the float64 elements of a leaf.
    public func withUnsafeMutableDoubles<R>(_ body: (UnsafeMutableBufferPointer<Double>) throws -> R) rethrows -> R {
        precondition(dtype == .float64, "withUnsafeMutableDoubles on a \(dtype) tensor")
        precondition(node == nil, "in-place writes are only allowed on leaf tensors")
        return try body(UnsafeMutableBufferPointer(start: storage.f64, count: count))
    }

    /// The raw bytes (little-endian on every supported machine), for serialization.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: storage.raw, count: count * dtype.byteSize))
    }

    /// Copies `source`'s values into this leaf (same shape and dtype).
    public func assign(_ source: Tensor) {
        precondition(node == nil, "assign is only allowed on leaf tensors")
        precondition(source.shape == shape && source.dtype == dtype,
                     "assign: \(source.dtype)\(source.shape) into \(dtype)\(shape)")
        storage.raw.copyMemory(from: source.storage.raw, byteCount: count * dtype.byteSize)
    }

    /// Copies raw little-endian bytes into this leaf; the byte count must match exactly.
    public func assign(bytes: UnsafeRawBufferPointer) {
        precondition(node == nil, "assign is only allowed on leaf tensors")
        precondition(bytes.count == count * dtype.byteSize, "assign: \(bytes.count) bytes for \(dtype)\(shape)")
        storage.raw.copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
    }

    /// A copy with fresh storage, not connected to any graph.
    public func copy() -> Tensor { Tensor(storage: storage.copy(), shape: shape) }

    /// This tensor's values with the other dtype (a differentiable cast).
    public func cast(to target: DType) -> Tensor {
        if target == dtype { return self }
        let s = Storage(count: count, dtype: target)
        switch (dtype, target) {
        case (.float32, .float64): for i in 0..<count { s.f64[i] = Double(storage.f32[i]) }
        case (.float64, .float32): for i in 0..<count { s.f32[i] = Float(storage.f64[i]) }
        default: break
        }
        let out = Tensor(storage: s, shape: shape)
        let source = dtype
        if Tensor.shouldRecord(self) {
            out.record("cast", inputs: [self]) { g, _ in [g.cast(to: source)] }
        }
        return out
    }

    // MARK: - Helpers

    @inlinable
    static func elementCount(_ shape: [Int]) -> Int {
        var n = 1
        for d in shape {
            precondition(d >= 0, "negative dimension in shape \(shape)")
            n &*= d
        }
        return n
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        let values = doubles
        let shown = values.prefix(8).map { String(format6($0)) }.joined(separator: ", ")
        return "Tensor(\(dtype), shape: \(shape), [\(shown)\(values.count > 8 ? ", …" : "")])"
    }
}

private func format6(_ x: Double) -> String {
    let r = (x * 1e6).rounded() / 1e6
    return "\(r)"
}
