#ifndef METAEXPLORE_KERNELS_H
#define METAEXPLORE_KERNELS_H
// Float32 kernels for the hot elementwise paths of the tensor engine, compiled for several instruction sets
// (AVX-512, AVX2, baseline) and chosen at load time. Sums use 16 partial accumulators in a fixed order, so every
// instruction set gives bit-identical results.
#include <stddef.h>

void me_layernorm_forward_f32(const float *x, float *y, float *xhat, float *rstd, const float *gamma,
                              const float *beta, size_t rows, size_t d, float eps);
void me_layernorm_backward_f32(const float *g, const float *xhat, const float *rstd, const float *gamma,
                               float *dx, float *dgamma, size_t rows, size_t d);
void me_adam_step_f32(float *p, const float *g, float *m, float *v, size_t n, float beta1, float beta2,
                      float step_size, float inv_sqrt_c2, float eps, float l2, float decoupled);
void me_relu_f32(const float *x, float *y, size_t n);
void me_relu_backward_f32(const float *g, const float *x, float *dx, size_t n);
void me_lerp_f32(float *target, const float *source, size_t n, float tau);
float me_sum_f32(const float *x, size_t n);

#endif

// Small single-precision matrix products, row-major: C[m×n] (+)= op(A)·op(B), op = transpose when the flag is set.
// Returns 0 without touching C when the CPU lacks AVX2+FMA or an extent is above 512 (unless
// me_sgemm_set_engine_everywhere is on), or when the thread's packing buffers (about 1 MiB, allocated on its first product and freed
// when it exits) cannot be allocated; the caller then uses BLAS. A transposed B is packed into column strips first
// (gemm_kernel.h).
// Each C element is one FMA chain over k in increasing order, so the AVX-512 and AVX2 variants agree to the bit.
// `accumulate`: 0 writes the product, 1 adds it to C (C + chain), 2 continues each element's FMA chain from C's
// value (the chain over k starts at C instead of 0), so splitting k into two calls, the second with 2, gives the
// bits of one call over the whole k (the fused LSTM uses this to keep the composed cell's bits).
int me_sgemm_small(int trans_a, int trans_b, size_t m, size_t n, size_t k, const float *a, size_t lda,
                   const float *b, size_t ldb, float *c, size_t ldc, int accumulate);

// Per thread (off by default): when on, me_sgemm_small also takes products with extents above 512,
// in blocks of ≤ 512 rows and columns whose FMA chains continue across blocks of ≤ 512 along k, so each element is
// still one chain over the whole k in increasing order (the same bits on AVX2 and AVX-512, and no dependence on
// the OpenBLAS core type). Off, those products go to OpenBLAS as before.
void me_sgemm_set_engine_everywhere(int on);
int me_sgemm_engine_everywhere(void);

// The variant me_sgemm_small uses on this CPU: 2 AVX-512, 1 AVX2, 0 none (every product goes to BLAS). Chosen once
// per process; METAEXPLORE_GEMM_ISA=avx2|avx512|blas overrides (see gemm.c).
int me_sgemm_small_isa(void);

// The same product with an explicit instruction set (1: AVX2+FMA, 2: AVX-512), for tests that compare the variants.
// Returns 0 without touching C when this CPU lacks that instruction set (or the thread's packing buffers cannot be
// allocated); no shape restrictions beyond the limit.
int me_sgemm_small_variant(int isa, int trans_a, int trans_b, size_t m, size_t n, size_t k, const float *a,
                           size_t lda, const float *b, size_t ldb, float *c, size_t ldc, int accumulate);

// Tensor buffers from a per-thread cache by size class (see pool.c). `me_buffer_free` must be given the byte count
// the buffer was allocated with. Buffers are 16-byte aligned (malloc's alignment) and uninitialized.
void *me_buffer_alloc(size_t bytes);
void me_buffer_free(void *p, size_t bytes);
// Bytes the calling thread's cache holds, and a way to hand them all back to malloc.
size_t me_buffer_pool_cached_bytes(void);
void me_buffer_pool_trim(void);

// Denormal handling (see denormals.c). The kernels call `me_engine_thread_enter()` (internal.h) on entry: the
// first call on a thread sets FTZ|DAZ in MXCSR there unless METAEXPLORE_DENORMALS=keep. The other functions
// return 0 where the CPU has no MXCSR (non-x86), 1 otherwise.
int me_denormals_policy_flush(void);             // 1 unless METAEXPLORE_DENORMALS=keep
int me_denormals_flush_current_thread(void);     // set FTZ|DAZ on the calling thread
int me_denormals_keep_current_thread(void);      // clear FTZ|DAZ on the calling thread
int me_denormals_flushed_on_current_thread(void);  // 1 when both FTZ and DAZ are set on the calling thread
// Applies the policy to the calling thread now (what the kernels do on their first call there).
void me_engine_thread_setup(void);

// Vectorized float32 exp, tanh, sigmoid (the algorithms of the Swift VectorMath reference, bit for bit) and the
// fused tanh backward dx = g·(1 − y²).
void me_exp_f32(const float *x, float *y, size_t n);
void me_tanh_f32(const float *x, float *y, size_t n);
void me_sigmoid_f32(const float *x, float *y, size_t n);
void me_tanh_backward_f32(const float *g, const float *y, float *dx, size_t n);

// One step of a long short-term memory for `rows` rows of hidden width `hidden` (gate blocks i, f, g, o of width
// `hidden` along each row of 4·hidden): a = pre + bias (pre: the products of the step's input and previous hidden
// state with the weights, bias not yet added), i = σ(a_i), f = σ(a_f), g = tanh(a_g), o = σ(a_o),
// c = f·c_prev + i·g, h = o·tanh(c). Writes the four activations over `pre` (in place: `act` may equal `pre`),
// c, tanh(c) and h. The roundings are those of the engine's composed ops (exp/tanh/sigmoid kernels, separate
// products then the sum), so the results equal the composed LSTM cell's to the bit.
void me_lstm_forward_f32(float *pre, const float *bias, const float *c_prev, float *act, float *c, float *tanh_c,
                         float *h, size_t rows, size_t hidden);
// The step's backward: with dh = gh + dh_next (dh_next may be NULL: zero) and
// dc = gc + dc_next + dh·o·(1 − tanh²c) (dc_next may be NULL), writes the gradients of the gate pre-activations
// d_pre = [dc·g·i(1−i), dc·c_prev·f(1−f), dc·i·(1−g²), dh·tanh c·o(1−o)] and dc_prev = dc·f (dc_prev may be the
// same buffer as dc_next).
void me_lstm_backward_f32(const float *gh, const float *dh_next, const float *gc, const float *dc_next,
                          const float *act, const float *c_prev, const float *tanh_c, float *d_pre, float *dc_prev,
                          size_t rows, size_t hidden);

// Column sums of a row-major rows×cols matrix: out[j] = x[0][j] + x[1][j] + … in row order (the bias gradient).
void me_column_sum_f32(const float *x, float *out, size_t rows, size_t cols);
