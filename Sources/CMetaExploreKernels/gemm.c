#include "internal.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

// Largest product handled here (beyond it OpenBLAS's packing pays off).
#define ME_GEMM_MAX_DIM 512

// The kernel's packing buffers (gemm_kernel.h): the panel of a packed B (up to 512 × 512 floats), the zero-padded
// block of B's last columns (512 × 16), a transposed A's rows and one strip of an untransposed B, one heap block per
// thread allocated on the thread's first product and freed
// when the thread exits. (As static thread-local arrays they put 1 MiB into every thread of any process linking the
// engine, whether it computed or not, and made threads with stacks under about 1.1 MiB impossible to create.)
#define ME_GEMM_SCRATCH_FLOATS ((size_t)ME_GEMM_MAX_DIM * ME_GEMM_MAX_DIM + (size_t)ME_GEMM_MAX_DIM * 16 \
                                + 32768 + (size_t)ME_GEMM_MAX_DIM * 64)
static __thread float *me_gemm_scratch;
static pthread_key_t me_gemm_scratch_key;
static pthread_once_t me_gemm_scratch_once = PTHREAD_ONCE_INIT;
static int me_gemm_scratch_key_ok;

static void me_gemm_scratch_release(void *p) {
    free(p);
    me_gemm_scratch = NULL;
}

static void me_gemm_scratch_init(void) {
    me_gemm_scratch_key_ok = pthread_key_create(&me_gemm_scratch_key, me_gemm_scratch_release) == 0;
}

// This thread's scratch block, allocated on first use; NULL when it cannot be (the caller then declines the product,
// which goes to BLAS).
static inline float *me_gemm_scratch_get(void) {
    float *s = me_gemm_scratch;
    if (__builtin_expect(s != NULL, 1)) return s;
    pthread_once(&me_gemm_scratch_once, me_gemm_scratch_init);
    if (!me_gemm_scratch_key_ok) return NULL;
    s = aligned_alloc(64, ME_GEMM_SCRATCH_FLOATS * sizeof(float));
    if (!s) return NULL;
    if (pthread_setspecific(me_gemm_scratch_key, s) != 0) {
        free(s);
        return NULL;
    }
    me_gemm_scratch = s;
    return s;
}

// What gemm_kernel.h reads: valid only after me_gemm_scratch_get() returned non-NULL on this thread.
#define me_gemm_panel (me_gemm_scratch)
#define me_gemm_tail (me_gemm_scratch + (size_t)ME_GEMM_MAX_DIM * ME_GEMM_MAX_DIM)
// A transposed A's chunk of rows as 4-row blocks (mc · k ≤ 32768 floats: gemm_kernel.h's chunk size).
#define me_gemm_apanel (me_gemm_tail + (size_t)ME_GEMM_MAX_DIM * 16)
// One strip of an untransposed B (k × strip width ≤ 512 × 64).
#define me_gemm_spanel (me_gemm_apanel + 32768)

// dst[p·width + q] = op(B)(p, j + q) for q < cols, and 0 for cols ≤ q < width (p < k): one k × width block of the
// packed panel (gemm_kernel.h). An untransposed B is copied row by row; a transposed one is read along its rows
// (op(B)'s columns), each written down the block.
static inline void me_gemm_pack(float *dst, size_t width, size_t cols, const float *b, size_t ldb, int trans_b,
                                size_t k, size_t j) {
    if (!trans_b) {
        for (size_t p = 0; p < k; p++) {
            const float *src = b + p * ldb + j;
            float *out = dst + p * width;
            for (size_t q = 0; q < cols; q++) out[q] = src[q];
            for (size_t q = cols; q < width; q++) out[q] = 0.0f;
        }
        return;
    }
    for (size_t q = 0; q < cols; q++) {
        const float *row = b + (j + q) * ldb;
        for (size_t p = 0; p < k; p++) dst[p * width + q] = row[p];
    }
    for (size_t q = cols; q < width; q++)
        for (size_t p = 0; p < k; p++) dst[p * width + q] = 0.0f;
}

typedef float v16f_g __attribute__((vector_size(64), aligned(4)));
typedef float v8f_g __attribute__((vector_size(32), aligned(4)));
// SPLAT broadcasts A's scalar into every lane with a shuffle (one vbroadcastss from memory); `(VT){0} + x` would
// cost an extra scalar add per element of A, kept by the compiler only because it turns −0 into +0, which cannot
// change a result here: every accumulator starts at +0, and an FMA chain from +0 never produces −0.
#define SPLAT16(x) __builtin_shufflevector((v16f_g){(x)}, (v16f_g){0}, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
#define SPLAT8(x) __builtin_shufflevector((v8f_g){(x)}, (v8f_g){0}, 0, 0, 0, 0, 0, 0, 0, 0)

// Each inclusion defines one variant and #undefs the six parameters again.
#define ME_NAME gemm_avx512
#define ME_TARGET __attribute__((target("avx512f,avx512vl,avx512dq,avx512bw,fma,avx2")))
#define ME_VT v16f_g
#define ME_W 16
#define ME_NV 4
#define ME_SPLAT SPLAT16
#include "gemm_kernel.h"

#define ME_NAME gemm_avx2
#define ME_TARGET __attribute__((target("avx2,fma")))
#define ME_VT v8f_g
#define ME_W 8
#define ME_NV 2
#define ME_SPLAT SPLAT8
#include "gemm_kernel.h"

typedef void (*gemm_fn)(int, int, size_t, size_t, size_t, const float *, size_t, const float *, size_t, float *,
                        size_t, int);

static int have_avx512(void) {
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("fma");
}

static int have_avx2(void) { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }

// The widest variant the CPU has, unless METAEXPLORE_GEMM_ISA says otherwise: "avx2" (e.g. to compare the two on
// a CPU that lowers its clock for 512-bit work), "blas" (every product to OpenBLAS; the old spelling
// METAEXPLORE_GEMM_BLAS_ONLY=1 still works), "avx512". A request the CPU cannot honour falls back to the next
// narrower variant. Both variants give identical bits (see me_sgemm_small's contract), so this is a speed switch.
static int chosen_isa = -1;  // 2: AVX-512, 1: AVX2, 0: BLAS

static gemm_fn choose(void) {
    __builtin_cpu_init();
    const char *want = getenv("METAEXPLORE_GEMM_ISA");
    int limit = 2;
    if (getenv("METAEXPLORE_GEMM_BLAS_ONLY") || (want && strcmp(want, "blas") == 0)) limit = 0;
    else if (want && strcmp(want, "avx2") == 0) limit = 1;
    if (limit >= 2 && have_avx512()) { chosen_isa = 2; return gemm_avx512; }
    if (limit >= 1 && have_avx2()) { chosen_isa = 1; return gemm_avx2; }
    chosen_isa = 0;
    return NULL;
}

static gemm_fn chosen_fn;
static int chosen;

static void ensure_chosen(void) {
    if (!__atomic_load_n(&chosen, __ATOMIC_ACQUIRE)) {
        gemm_fn f = choose();
        __atomic_store_n(&chosen_fn, f, __ATOMIC_RELAXED);
        __atomic_store_n(&chosen, 1, __ATOMIC_RELEASE);
    }
}

// Products beyond the kernel's 512 limit, on threads that asked for it (me_sgemm_engine_everywhere): blocks of at
// most 512 rows × 512 columns, and along k blocks of at most 512 whose FMA chains continue from the previous block's
// (mode 2), so every element is still one FMA chain over the whole k in increasing order — the value the kernel
// would give without its limit, on every instruction set. `accumulate` = 1 with k split needs the whole chain
// before the addition: the chain goes to a scratch buffer first.
static __thread int me_gemm_everywhere;

void me_sgemm_set_engine_everywhere(int on) { me_gemm_everywhere = on; }
int me_sgemm_engine_everywhere(void) { return me_gemm_everywhere; }

static void gemm_blocked(gemm_fn f, int trans_a, int trans_b, size_t m, size_t n, size_t k, const float *a,
                         size_t lda, const float *b, size_t ldb, float *c, size_t ldc, int accumulate) {
    const size_t S = ME_GEMM_MAX_DIM;
    if (accumulate == 1 && k > S) {
        float *t = malloc(m * n * sizeof(float));
        if (!t) return;  // not reached in practice; the caller's C is then left unchanged
        gemm_blocked(f, trans_a, trans_b, m, n, k, a, lda, b, ldb, t, n, 0);
        for (size_t i = 0; i < m; i++)
            for (size_t j = 0; j < n; j++) c[i * ldc + j] = c[i * ldc + j] + t[i * n + j];
        free(t);
        return;
    }
    for (size_t i0 = 0; i0 < m; i0 += S) {
        const size_t mb = m - i0 < S ? m - i0 : S;
        for (size_t j0 = 0; j0 < n; j0 += S) {
            const size_t nb = n - j0 < S ? n - j0 : S;
            for (size_t p0 = 0; p0 < k || p0 == 0; p0 += S) {  /* k = 0: one call that writes the empty chains */
                const size_t kb = k - p0 < S ? k - p0 : S;
                const float *ab = trans_a ? a + p0 * lda + i0 : a + i0 * lda + p0;
                const float *bb = trans_b ? b + j0 * ldb + p0 : b + p0 * ldb + j0;
                f(trans_a, trans_b, mb, nb, kb, ab, lda, bb, ldb, c + i0 * ldc + j0, ldc, p0 == 0 ? accumulate : 2);
            }
        }
    }
}

int me_sgemm_small_isa(void) {
    ensure_chosen();
    return chosen_isa;
}

int me_sgemm_small(int trans_a, int trans_b, size_t m, size_t n, size_t k, const float *a, size_t lda,
                   const float *b, size_t ldb, float *c, size_t ldc, int accumulate) {
    me_engine_thread_enter();  // before BLAS too: this is every product's entry point
    ensure_chosen();
    gemm_fn f = __atomic_load_n(&chosen_fn, __ATOMIC_RELAXED);
    // Every shape within the limit, narrow outputs (n < 16: a Q-head's 9 actions, a critic's 1 value) included: BLAS
    // is a little faster on some of those (a microsecond or less), but its kernels, chosen by the CPU it detects,
    // round differently from ours and from each other, and one such product in a network makes a whole run's bits
    // depend on the machine.
    if (!f || !me_gemm_scratch_get()) return 0;
    if (m > ME_GEMM_MAX_DIM || n > ME_GEMM_MAX_DIM || k > ME_GEMM_MAX_DIM) {
        if (!me_gemm_everywhere) return 0;
        gemm_blocked(f, trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
        return 1;
    }
    f(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
    return 1;
}

int me_sgemm_small_variant(int isa, int trans_a, int trans_b, size_t m, size_t n, size_t k, const float *a,
                           size_t lda, const float *b, size_t ldb, float *c, size_t ldc, int accumulate) {
    __builtin_cpu_init();
    if (m > ME_GEMM_MAX_DIM || n > ME_GEMM_MAX_DIM || k > ME_GEMM_MAX_DIM || !me_gemm_scratch_get()) return 0;
    if (isa == 2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("fma")) {
        gemm_avx512(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
        return 1;
    }
    if (isa == 1 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        gemm_avx2(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate);
        return 1;
    }
    return 0;
}
