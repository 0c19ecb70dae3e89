import CMetaExploreKernels

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
        // From the calling thread's buffer cache (`me_buffer_alloc`, malloc's 16-byte alignment; the kernels use
        // unaligned SIMD loads): an update allocates the same sizes every time, and large buffers would otherwise
        // be mmap'ed, page-faulted in and unmapped on every call.
        raw = me_buffer_alloc(max(count, 1) * dtype.byteSize)!
    }

    /// Storage filled with zeros.
    @usableFromInline
    static func zeros(count: Int, dtype: DType) -> Storage {
        let s = Storage(count: count, dtype: dtype)
        s.raw.initializeMemory(as: UInt8.self, repeating: 0, count: count * dtype.byteSize)
        return s
    }

    deinit { me_buffer_free(raw, max(count, 1) * dtype.byteSize) }

    @inline(__always) var f32: UnsafeMutablePointer<Float> { raw.assumingMemoryBound(to: Float.self) }
    @inline(__always) var f64: UnsafeMutablePointer<Double> { raw.assumingMemoryBound(to: Double.self) }

    func copy() -> Storage {
        let s = Storage(count: count, dtype: dtype)
        s.raw.copyMemory(from: raw, byteCount: count * dtype.byteSize)
        return s
    }
}
