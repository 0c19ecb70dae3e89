#include "internal.h"
#include <string.h>

// exp, tanh and sigmoid over float32 buffers, 16 lanes at a time, compiled for AVX-512/AVX2/baseline. The
// algorithms and the order of every rounding are those of the engine's Swift `VectorMath` (which keeps them as
// the reference: the tests compare both bit for bit), so no result changes with the move; contraction into FMA is
// off for the same reason.
#pragma clang fp contract(off)

#define ME_CLONES __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))

typedef float vf __attribute__((vector_size(64), aligned(4)));
typedef int vi __attribute__((vector_size(64), aligned(4)));

#define splat(x) ((vf){0} + (float)(x))
#define splati(x) ((vi){0} + (int)(x))
#define asi(v) ((vi)(v))
#define asf(v) ((vf)(v))
// mask ? a : b, lanewise (mask lanes are all ones or all zeros).
#define select(mask, a, b) asf(((mask) & asi(a)) | (~(mask) & asi(b)))

// e^x: x = k·ln2 + r, degree-7 Taylor polynomial of e^r; +∞ above 88.72283, 0 below −87.33655, NaN kept.
#define ME_EXP(x, out) do {                                                               \
    vf x_ = (x);                                                                          \
    vf xc_ = select(x_ < splat(-87.33655f), splat(-87.33655f), x_);                       \
    xc_ = select(xc_ > splat(88.376f), splat(88.376f), xc_);                              \
    const float magic_ = 12582912.0f;                                                     \
    vf t_ = xc_ * 1.44269504f + magic_;                                                   \
    vf kf_ = t_ - magic_;                                                                 \
    vi ki_ = asi(t_) - asi(splat(magic_));                                                \
    vf r_ = xc_ - kf_ * 0.693145751953125f;                                               \
    r_ = r_ - kf_ * 1.428606765330187e-06f;                                               \
    vf p_ = splat(1.0f / 5040.0f);                                                        \
    p_ = p_ * r_ + 1.0f / 720.0f;                                                         \
    p_ = p_ * r_ + 1.0f / 120.0f;                                                         \
    p_ = p_ * r_ + 1.0f / 24.0f;                                                          \
    p_ = p_ * r_ + 1.0f / 6.0f;                                                           \
    p_ = p_ * r_ + 0.5f;                                                                  \
    p_ = p_ * r_ + 1.0f;                                                                  \
    p_ = p_ * r_ + 1.0f;                                                                  \
    vf scale_ = asf((ki_ + 127) << 23);                                                   \
    vf res_ = p_ * scale_;                                                                \
    res_ = select(x_ > splat(88.72283f), splat(__builtin_inff()), res_);                  \
    res_ = select(x_ < splat(-87.33655f), splat(0.0f), res_);                             \
    res_ = select(x_ != x_, x_, res_);                                                    \
    (out) = res_;                                                                         \
} while (0)

#define ME_TANH(x, out) do {                                                              \
    vf xv_ = (x);                                                                         \
    vf ax_ = asf(asi(xv_) & splati(0x7FFFFFFF));                                          \
    vf x2_ = xv_ * xv_;                                                                   \
    vf q_ = splat(-0.005731194760385349f);                                                \
    q_ = q_ * x2_ + 0.02066472368374462f;                                                 \
    q_ = q_ * x2_ + -0.0537484420159136f;                                                 \
    q_ = q_ * x2_ + 0.13331561137607667f;                                                 \
    q_ = q_ * x2_ + -0.3333328713348491f;                                                 \
    vf small_ = xv_ + xv_ * (x2_ * q_);                                                   \
    vf e_;                                                                                \
    ME_EXP(ax_ * -2.0f, e_);                                                              \
    vf large_ = (1.0f - e_) / (1.0f + e_);                                                \
    large_ = select(xv_ < splat(0.0f), 0.0f - large_, large_);                            \
    vf tr_ = select(ax_ < splat(0.625f), small_, large_);                                 \
    tr_ = select(xv_ != xv_, xv_, tr_);                                                   \
    (out) = tr_;                                                                          \
} while (0)

#define ME_SIGMOID(x, out) do {                                                           \
    vf e2_;                                                                               \
    ME_EXP(0.0f - (x), e2_);                                                              \
    (out) = 1.0f / (1.0f + e2_);                                                          \
} while (0)

// Whole vectors, then the tail through a zero-padded vector (as the Swift reference does).
#define ME_MAP(F)                                                                         \
    me_engine_thread_enter();                                                             \
    size_t i = 0;                                                                         \
    for (; i + 16 <= n; i += 16) {                                                        \
        vf v, r;                                                                          \
        memcpy(&v, x + i, sizeof v);                                                      \
        F(v, r);                                                                          \
        memcpy(y + i, &r, sizeof r);                                                      \
    }                                                                                     \
    if (i < n) {                                                                          \
        float buf[16] = {0};                                                              \
        memcpy(buf, x + i, (n - i) * sizeof(float));                                      \
        vf v, r;                                                                          \
        memcpy(&v, buf, sizeof v);                                                        \
        F(v, r);                                                                          \
        memcpy(buf, &r, sizeof r);                                                        \
        memcpy(y + i, buf, (n - i) * sizeof(float));                                      \
    }

ME_CLONES void me_exp_f32(const float *x, float *y, size_t n) { ME_MAP(ME_EXP) }
ME_CLONES void me_tanh_f32(const float *x, float *y, size_t n) { ME_MAP(ME_TANH) }
ME_CLONES void me_sigmoid_f32(const float *x, float *y, size_t n) { ME_MAP(ME_SIGMOID) }

// dx = g·(1 − y²), the plain backward of tanh in one pass (rounding order of g * (1 - y * y)).
ME_CLONES void me_tanh_backward_f32(const float *g, const float *y, float *dx, size_t n) {
    me_engine_thread_enter();
    for (size_t j = 0; j < n; j++) dx[j] = g[j] * (1.0f - y[j] * y[j]);
}
