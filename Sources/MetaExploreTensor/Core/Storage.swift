/// A contiguous, 16-byte aligned buffer of `count` elements of one dtype.
///
/// Storage is a reference type so that views which only change the shape (`reshaped`, `detached`) share it without
/// copying. Tensors produced by ops own fresh storage and never write to it after creation; only leaf tensors
/// (parameters) are updated in place, by optimizers and checkpoint loading.
@usableFromInline
final class Storage {
    @usableFromInline let raw: UnsafeMutableRawPointer
    @usableFromInline let count: Int
    @usableFromInline let dtype: DType

    @usableFromInline
    init(count: Int, dtype: DType) {
        precondition(count >= 0, "negative element count")
        self.count = count
        self.dtype = dtype
        // 16-byte alignment is plain malloc (over-aligned requests go through the slower posix_memalign); the kernels
        // use unaligned SIMD loads.
        raw = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * dtype.byteSize, alignment: 16)
    }

    /// Storage filled with zeros.
    @usableFromInline
    static func zeros(count: Int, dtype: DType) -> Storage {
        let s = Storage(count: count, dtype: dtype)
        s.raw.initializeMemory(as: UInt8.self, repeating: 0, count: count * dtype.byteSize)
        return s
    }

    deinit { raw.deallocate() }

    @inline(__always) var f32: UnsafeMutablePointer<Float> { raw.assumingMemoryBound(to: Float.self) }
    @inline(__always) var f64: UnsafeMutablePointer<Double> { raw.assumingMemoryBound(to: Double.self) }

    func copy() -> Storage {
        let s = Storage(count: count, dtype: dtype)
        s.raw.copyMemory(from: raw, byteCount: count * dtype.byteSize)
        return s
    }
}
