import CBLAS
import CMetaExploreKernels

/// Matrix products through OpenBLAS, pinned to one thread.
///
/// The networks here are small (64–400 units): BLAS threads cost more to wake than they save, and the tool runs
/// several experiments in parallel, one per core. `BLAS.configure()` runs once, before the first product.
public enum BLASInfo {
    /// The OpenBLAS kernel family chosen for this CPU (e.g. "SkylakeX", "Haswell").
    public static var coreName: String { BLAS.coreName }

    /// The engine's own kernel for float32 products with every extent ≤ 512:
    /// "avx512", "avx2", or "blas" when the CPU has neither (or `METAEXPLORE_GEMM_ISA` chose otherwise). Other
    /// shapes, and all float64 products, go to OpenBLAS.
    public static var smallProductKernel: String {
        switch me_sgemm_small_isa() {
        case 2: return "avx512"
        case 1: return "avx2"
        default: return "blas"
        }
    }
}

extension BLASInfo {
    /// Runs `body` with every float32 product on the engine's own kernel on this thread, whatever its extents:
    /// products beyond 512 rows, columns or inner extent run in blocks whose FMA chains continue from one block of k
    /// to the next, so each element is one chain over the whole k, as the kernel computes the smaller products (see
    /// `me_sgemm_small`). Outside such a block those products go to OpenBLAS, whose kernels depend on the CPU
    /// family it detects (or `OPENBLAS_CORETYPE`) and round differently.
    ///
    /// Opt-in per computation because it changes results by rounding where OpenBLAS ran before (the recorded
    /// results of other algorithms must not move). DREAM's updates use it (their batch × time products have 1 600
    /// rows), and so do the gradient meta-RL families' iterations and meta-evaluations (4 000-row batches), so that
    /// their runs have the same bits on every CPU with AVX2. Nests; a no-op where the engine's kernel is unavailable
    /// (no AVX2, or `METAEXPLORE_GEMM_ISA=blas`). The flag is per thread: products other threads compute (a
    /// sampler's workers) follow their own thread's setting.
    public static func withEngineKernelForAllSizes<R>(_ body: () throws -> R) rethrows -> R {
        let previous = me_sgemm_engine_everywhere()
        me_sgemm_set_engine_everywhere(1)
        defer { me_sgemm_set_engine_everywhere(previous) }
        return try body()
    }
}

enum BLAS {
    static let configured: Bool = {
        openblas_set_num_threads(1)
        return true
    }()

    /// The OpenBLAS kernel family in use (e.g. "SkylakeX", "Haswell").
    static var coreName: String { String(cString: openblas_get_corename()) }

    /// C[m×n] = op(A)·op(B) (+ C when `accumulate`), row-major, op = transpose when the flag is set.
    static func gemm(
        _ transA: Bool, _ transB: Bool, m: Int, n: Int, k: Int,
        _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
        _ c: UnsafeMutablePointer<Float>, ldc: Int, accumulate: Bool = false
    ) {
        // Products with all extents ≤ 512 go to our own AVX-512/AVX2 kernel: OpenBLAS's packing overhead dominates there,
        // some CPUs get its slower generic kernels, and its kernels round differently on different CPUs. It declines
        // when the CPU lacks AVX2+FMA.
        if me_sgemm_small(transA ? 1 : 0, transB ? 1 : 0, m, n, k, a, lda, b, ldb, c, ldc, accumulate ? 1 : 0) != 0 {
            return
        }
        _ = configured
        cblas_sgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), accumulate ? 1 : 0, c, Int32(ldc))
    }

    static func gemm(
        _ transA: Bool, _ transB: Bool, m: Int, n: Int, k: Int,
        _ a: UnsafePointer<Double>, lda: Int, _ b: UnsafePointer<Double>, ldb: Int,
        _ c: UnsafeMutablePointer<Double>, ldc: Int, accumulate: Bool = false
    ) {
        _ = configured
        cblas_dgemm(
            CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), accumulate ? 1 : 0, c, Int32(ldc))
    }
}
