#include "internal.h"
#include <math.h>
#include <string.h>

// Each kernel is compiled three times and picked by the loader for the running CPU (GNU ifunc).
#define ME_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))

typedef float v16f __attribute__((vector_size(64), aligned(4)));

// Macros rather than functions: passing 64-byte vectors by value between functions compiled for different
// targets would change the calling convention.
#define load16(p) ({ v16f v_; memcpy(&v_, (p), sizeof v_); v_; })
#define store16(p, v) do { v16f t_ = (v); memcpy((p), &t_, sizeof t_); } while (0)
#define splat16(x) ((v16f){0} + (float)(x))
// Fixed pairwise order of the 16 partial sums: identical on every target.
#define hsum16(v) ({ \
    v16f h_ = (v); float s8_[8], s4_[4]; \
    for (int i_ = 0; i_ < 8; i_++) s8_[i_] = h_[i_] + h_[i_ + 8]; \
    for (int i_ = 0; i_ < 4; i_++) s4_[i_] = s8_[i_] + s8_[i_ + 4]; \
    (s4_[0] + s4_[2]) + (s4_[1] + s4_[3]); })

static inline float sum_impl(const float *x, size_t n) {
    v16f acc = splat16(0.0f);
    size_t j = 0;
    for (; j + 16 <= n; j += 16) acc += load16(x + j);
    float s = hsum16(acc);
    for (; j < n; j++) s += x[j];
    return s;
}

ME_CLONES float me_sum_f32(const float *x, size_t n) { me_engine_thread_enter(); return sum_impl(x, n); }

ME_CLONES
void me_layernorm_forward_f32(const float *x, float *y, float *xhat, float *rstd, const float *gamma,
                              const float *beta, size_t rows, size_t d, float eps) {
    me_engine_thread_enter();
    const float inv_d = 1.0f / (float)d;
    for (size_t r = 0; r < rows; r++) {
        const float *xr = x + r * d;
        float *hr = xhat + r * d, *yr = y + r * d;
        const float mean = sum_impl(xr, d) * inv_d;
        v16f acc = splat16(0.0f);
        const v16f mv = splat16(mean);
        size_t j = 0;
        for (; j + 16 <= d; j += 16) { v16f c = load16(xr + j) - mv; acc += c * c; }
        float var = hsum16(acc);
        for (; j < d; j++) { float c = xr[j] - mean; var += c * c; }
        const float rs = 1.0f / __builtin_sqrtf(var * inv_d + eps);
        rstd[r] = rs;
        const v16f rv = splat16(rs);
        j = 0;
        for (; j + 16 <= d; j += 16) {
            v16f h = (load16(xr + j) - mv) * rv;
            store16(hr + j, h);
            if (gamma) h = h * load16(gamma + j);
            if (beta) h = h + load16(beta + j);
            store16(yr + j, h);
        }
        for (; j < d; j++) {
            float h = (xr[j] - mean) * rs;
            hr[j] = h;
            if (gamma) h *= gamma[j];
            if (beta) h += beta[j];
            yr[j] = h;
        }
    }
}

ME_CLONES
void me_layernorm_backward_f32(const float *g, const float *xhat, const float *rstd, const float *gamma,
                               float *dx, float *dgamma, size_t rows, size_t d) {
    me_engine_thread_enter();
    const float inv_d = 1.0f / (float)d;
    for (size_t r = 0; r < rows; r++) {
        const float *gr = g + r * d, *xr = xhat + r * d;
        size_t j;
        if (dgamma) {
            for (j = 0; j + 16 <= d; j += 16) store16(dgamma + j, load16(dgamma + j) + load16(gr + j) * load16(xr + j));
            for (; j < d; j++) dgamma[j] += gr[j] * xr[j];
        }
        if (!dx) continue;
        v16f a1 = splat16(0.0f), a2 = splat16(0.0f);
        for (j = 0; j + 16 <= d; j += 16) {
            v16f v = load16(gr + j);
            if (gamma) v = v * load16(gamma + j);
            a1 += v;
            a2 += v * load16(xr + j);
        }
        float m1 = hsum16(a1), m2 = hsum16(a2);
        for (; j < d; j++) {
            float v = gamma ? gr[j] * gamma[j] : gr[j];
            m1 += v;
            m2 += v * xr[j];
        }
        m1 *= inv_d;
        m2 *= inv_d;
        const float rs = rstd[r];
        float *out = dx + r * d;
        const v16f m1v = splat16(m1), m2v = splat16(m2), rv = splat16(rs);
        for (j = 0; j + 16 <= d; j += 16) {
            v16f v = load16(gr + j);
            if (gamma) v = v * load16(gamma + j);
            store16(out + j, rv * (v - m1v - load16(xr + j) * m2v));
        }
        for (; j < d; j++) {
            float v = gamma ? gr[j] * gamma[j] : gr[j];
            out[j] = rs * (v - m1 - xr[j] * m2);
        }
    }
}

ME_CLONES
void me_adam_step_f32(float *p, const float *g, float *m, float *v, size_t n, float beta1, float beta2,
                      float step_size, float inv_sqrt_c2, float eps, float l2, float decoupled) {
    me_engine_thread_enter();
    const float keep = 1.0f - decoupled;
    for (size_t j = 0; j < n; j++) {
        const float pj = p[j];
        const float gj = g[j] + l2 * pj;
        const float mj = beta1 * m[j] + (1.0f - beta1) * gj;
        const float vj = beta2 * v[j] + (1.0f - beta2) * gj * gj;
        m[j] = mj;
        v[j] = vj;
        // vj ≥ 0, so the sqrt never needs errno: the builtin form lets the loop vectorize.
        p[j] = pj * keep - step_size * mj / (__builtin_elementwise_sqrt(vj) * inv_sqrt_c2 + eps);
    }
}

ME_CLONES void me_relu_f32(const float *x, float *y, size_t n) {
    me_engine_thread_enter();
    for (size_t j = 0; j < n; j++) { float t = x[j]; y[j] = t > 0.0f ? t : 0.0f; }
}

ME_CLONES void me_relu_backward_f32(const float *g, const float *x, float *dx, size_t n) {
    me_engine_thread_enter();
    for (size_t j = 0; j < n; j++) { float t = g[j]; dx[j] = x[j] > 0.0f ? t : 0.0f; }
}

ME_CLONES void me_lerp_f32(float *target, const float *source, size_t n, float tau) {
    me_engine_thread_enter();
    const float keep = 1.0f - tau;
    for (size_t j = 0; j < n; j++) target[j] = keep * target[j] + tau * source[j];
}

// out[j] = x[0][j] + x[1][j] + … + x[rows−1][j], the rows added in order (vectorized across columns).
ME_CLONES void me_column_sum_f32(const float *x, float *out, size_t rows, size_t cols) {
    me_engine_thread_enter();
    if (rows == 0) { memset(out, 0, cols * sizeof(float)); return; }
    memcpy(out, x, cols * sizeof(float));
    for (size_t r = 1; r < rows; r++) {
        const float *row = x + r * cols;
        for (size_t j = 0; j < cols; j++) out[j] += row[j];
    }
}
