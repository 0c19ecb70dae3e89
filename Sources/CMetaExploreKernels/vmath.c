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

// n ≤ 16 floats to and from a zero-padded vector (the tails of a gate block whose width is not a multiple of 16).
#define ME_LOADN(p, n, v) do {                                                            \
    if ((n) == 16) memcpy(&(v), (p), sizeof(vf));                                         \
    else { float b_[16] = {0}; memcpy(b_, (p), (n) * sizeof(float)); memcpy(&(v), b_, sizeof(vf)); } \
} while (0)
#define ME_STOREN(p, n, v) do {                                                           \
    if ((n) == 16) memcpy((p), &(v), sizeof(vf));                                         \
    else { float b_[16]; memcpy(b_, &(v), sizeof(vf)); memcpy((p), b_, (n) * sizeof(float)); } \
} while (0)

// One LSTM step (see the header). Per element this is exactly the composed cell: the product's bias addition
// (bias + chain, as the product kernel's accumulate mode adds), the sigmoid/tanh algorithms above, f·c_prev and
// i·g rounded separately and then added (contraction is off in this file), tanh(c), o·tanh(c).
ME_CLONES void me_lstm_forward_f32(float *pre, const float *bias, const float *c_prev, float *act, float *c,
                                   float *tanh_c, float *h, size_t rows, size_t hidden) {
    me_engine_thread_enter();
    const size_t H = hidden, G = 4 * hidden;
    for (size_t r = 0; r < rows; r++) {
        float *pr = pre + r * G, *ar = act + r * G;
        const float *cp = c_prev + r * H;
        float *cr = c + r * H, *tr = tanh_c + r * H, *hr = h + r * H;
        for (size_t j = 0; j < H; j += 16) {
            const size_t n = H - j < 16 ? H - j : 16;
            vf pi, pf, pg, po, bi, bf, bg, bo, cpv;
            ME_LOADN(pr + j, n, pi);
            ME_LOADN(pr + H + j, n, pf);
            ME_LOADN(pr + 2 * H + j, n, pg);
            ME_LOADN(pr + 3 * H + j, n, po);
            ME_LOADN(bias + j, n, bi);
            ME_LOADN(bias + H + j, n, bf);
            ME_LOADN(bias + 2 * H + j, n, bg);
            ME_LOADN(bias + 3 * H + j, n, bo);
            ME_LOADN(cp + j, n, cpv);
            vf gi, gf, gg, go, tc;
            ME_SIGMOID(bi + pi, gi);
            ME_SIGMOID(bf + pf, gf);
            ME_TANH(bg + pg, gg);
            ME_SIGMOID(bo + po, go);
            const vf fc = gf * cpv;
            const vf ig = gi * gg;
            const vf cv = fc + ig;
            ME_TANH(cv, tc);
            const vf hv = go * tc;
            ME_STOREN(ar + j, n, gi);
            ME_STOREN(ar + H + j, n, gf);
            ME_STOREN(ar + 2 * H + j, n, gg);
            ME_STOREN(ar + 3 * H + j, n, go);
            ME_STOREN(cr + j, n, cv);
            ME_STOREN(tr + j, n, tc);
            ME_STOREN(hr + j, n, hv);
        }
    }
}

// The step's backward (see the header), 16 lanes at a time; the same expressions as the scalar definition.
ME_CLONES void me_lstm_backward_f32(const float *gh, const float *dh_next, const float *gc, const float *dc_next,
                                    const float *act, const float *c_prev, const float *tanh_c, float *d_pre,
                                    float *dc_prev, size_t rows, size_t hidden) {
    me_engine_thread_enter();
    const size_t H = hidden, G = 4 * hidden;
    const vf one = splat(1.0f);
    for (size_t r = 0; r < rows; r++) {
        const float *a = act + r * G;
        float *d = d_pre + r * G;
        const size_t o = r * H;
        for (size_t j = 0; j < H; j += 16) {
            const size_t n = H - j < 16 ? H - j : 16;
            vf dh, dc, x, i, f, g, og, t, cp;
            ME_LOADN(gh + o + j, n, dh);
            if (dh_next) { ME_LOADN(dh_next + o + j, n, x); dh = dh + x; }
            ME_LOADN(gc + o + j, n, dc);
            if (dc_next) { ME_LOADN(dc_next + o + j, n, x); dc = dc + x; }
            ME_LOADN(a + j, n, i);
            ME_LOADN(a + H + j, n, f);
            ME_LOADN(a + 2 * H + j, n, g);
            ME_LOADN(a + 3 * H + j, n, og);
            ME_LOADN(tanh_c + o + j, n, t);
            ME_LOADN(c_prev + o + j, n, cp);
            dc = dc + dh * og * (one - t * t);
            const vf di = dc * g * (i * (one - i));
            const vf df = dc * cp * (f * (one - f));
            const vf dg = dc * i * (one - g * g);
            const vf dout = dh * t * (og * (one - og));
            const vf dcp = dc * f;
            ME_STOREN(d + j, n, di);
            ME_STOREN(d + H + j, n, df);
            ME_STOREN(d + 2 * H + j, n, dg);
            ME_STOREN(d + 3 * H + j, n, dout);
            ME_STOREN(dc_prev + o + j, n, dcp);
        }
    }
}
