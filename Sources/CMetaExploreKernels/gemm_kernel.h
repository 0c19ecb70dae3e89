// The small-product kernel's body, included by gemm.c once per instruction set with
//   ME_NAME (the function's name), ME_TARGET (its target attribute), ME_VT (the vector type), ME_W (floats per
//   vector), ME_NV (vectors per column strip) and ME_SPLAT (broadcast of one float into every lane), which it
//   #undefs at its end so that the next inclusion can define them afresh.
// C[m×n] (+)= op(A)·op(B) with every element one FMA chain over p = 0, 1, …, k − 1 from +0 (or from C's value when
// accumulate = 2), whatever the blocking below: the loop orders and the packing move data, never arithmetic, so
// every instruction set gives the same bits.
//
// A transposed B is read from a packed panel: its columns in strips of ME_NV·ME_W, each strip a contiguous
// k × (ME_NV·ME_W) block, then the remaining whole vectors as k × ME_W blocks. An untransposed B is read in place,
// except that a strip about to be read by at least four 4-row blocks is first copied to a contiguous block of its
// own (packing the whole of it up front lost time in DREAM's updates: see MetaExploreTensor/README.md, "Speed on
// x86 CPUs"). A transposed A is copied chunk by chunk into k × 4 blocks. The last n mod ME_W columns are always
// copied into a zero-padded k × ME_W block.
ME_TARGET
static void ME_NAME(int trans_a, int trans_b, size_t m, size_t n, size_t k, const float *a, size_t lda,
                    const float *b, size_t ldb, float *c, size_t ldc, int accumulate) {
    typedef ME_VT VT;
    enum { W = ME_W, NV = ME_NV, SW = ME_W * ME_NV };
    const size_t sa_i = trans_a ? 1 : lda, sa_p = trans_a ? lda : 1;
    const size_t m4 = m - m % 4;
    const size_t strips = n / SW, vectors = (n - strips * SW) / W;
    const size_t whole = strips * SW + vectors * W, rem = n - whole;
    const int packed = trans_b;
    float *panel = me_gemm_panel;
    if (packed) {
        for (size_t s = 0; s < strips; s++) me_gemm_pack(panel + s * k * SW, SW, SW, b, ldb, trans_b, k, s * SW);
        for (size_t v = 0; v < vectors; v++)
            me_gemm_pack(panel + strips * k * SW + v * k * W, W, W, b, ldb, trans_b, k, strips * SW + v * W);
    }
    if (rem) me_gemm_pack(me_gemm_tail, W, rem, b, ldb, trans_b, k, whole);
    // Where the block of columns starting at j is read from, and its row stride.
#define ME_STRIP(s) (packed ? panel + (s) * k * SW : b + (s) * SW)
#define ME_VECTOR(v) (packed ? panel + strips * k * SW + (v) * k * W : b + strips * SW + (v) * W)
    const size_t lds = packed ? SW : ldb, ldv = packed ? W : ldb;

    // Rows in chunks whose slice of A stays in L2 (about 128 KiB).
    const size_t mc = k > 0 && 32768 / k >= 8 ? (32768 / k) & ~(size_t)3 : 8;
    for (size_t i0 = 0; i0 < m4; i0 += mc) {
        const size_t i1 = i0 + mc < m4 ? i0 + mc : m4;
        // A transposed (op(A)'s rows are A's columns, one cache line per p for every 4-row block): the chunk's rows
        // copied as 4-row blocks, each k × 4 contiguous, which the loops below read in order. The copy walks A four
        // rows at a time in memory order, writing each block's next 64 bytes (one cache line) whole: walking one
        // block's column down all k rows instead waited on a cache miss every 16 bytes, and one row at a time wrote
        // 16 bytes into each of lines k · 16 bytes apart, which share a few L1 sets (most of a narrow weight
        // gradient's time, either way).
        if (trans_a) {
            size_t p = 0;
            for (; p + 4 <= k; p += 4) {
                const float *src = a + p * lda + i0;
                float *dst = me_gemm_apanel + p * 4;
                for (size_t i = 0; i < i1 - i0; i += 4)
                    for (size_t q = 0; q < 4; q++) memcpy(dst + i * k + q * 4, src + q * lda + i, 4 * sizeof(float));
            }
            for (; p < k; p++)
                for (size_t i = 0; i < i1 - i0; i += 4)
                    memcpy(me_gemm_apanel + i * k + p * 4, a + p * lda + i0 + i, 4 * sizeof(float));
        }
        for (size_t s = 0; s < strips; s++) {
            const float *bs = ME_STRIP(s);
            size_t ldb_s = lds;
            // An untransposed B read by at least 4 row blocks: this strip copied to a contiguous k × SW block first
            // (in place, its rows are ldb apart — often a power of two, which maps them onto a few L1 sets).
            if (!packed && i1 - i0 >= 16) {
                for (size_t p = 0; p < k; p++) memcpy(me_gemm_spanel + p * SW, b + p * ldb + s * SW, SW * sizeof(float));
                bs = me_gemm_spanel;
                ldb_s = SW;
            }
            const size_t j = s * SW;
            for (size_t i = i0; i < i1; i += 4) {
                // Row r of the block, element p: A(i + r, p) in place, or the packed block's p · 4 + r.
                const float *ar = trans_a ? me_gemm_apanel + (i - i0) * k : a + i * sa_i;
                const size_t ar_i = trans_a ? 1 : sa_i, ar_p = trans_a ? 4 : sa_p;
                VT acc[4][NV];
                for (int r = 0; r < 4; r++)
                    for (int h = 0; h < NV; h++) {
                        acc[r][h] = (VT){0};
                        if (accumulate == 2) memcpy(&acc[r][h], c + (i + r) * ldc + j + h * W, sizeof(VT));
                    }
                for (size_t p = 0; p < k; p++) {
                    VT bv[NV];
                    for (int h = 0; h < NV; h++) memcpy(&bv[h], bs + p * ldb_s + h * W, sizeof(VT));
                    for (int r = 0; r < 4; r++) {
                        const VT x = ME_SPLAT(ar[r * ar_i + p * ar_p]);
                        for (int h = 0; h < NV; h++) acc[r][h] = __builtin_elementwise_fma(x, bv[h], acc[r][h]);
                    }
                }
                for (int r = 0; r < 4; r++)
                    for (int h = 0; h < NV; h++) {
                        float *dst = c + (i + r) * ldc + j + h * W;
                        VT v = acc[r][h];
                        if (accumulate == 1) { VT old; memcpy(&old, dst, sizeof old); v = old + v; }
                        memcpy(dst, &v, sizeof v);
                    }
            }
        }
        for (size_t v = 0; v <= vectors; v++) {  // the whole vectors left, then (v = vectors) the padded tail
            if (v == vectors && !rem) break;
            const float *bv0 = v < vectors ? ME_VECTOR(v) : me_gemm_tail;
            const size_t ld = v < vectors ? ldv : W, j = strips * SW + v * W, cols = v < vectors ? W : rem;
            // A transposed: eight rows at a time from the packed chunk (eight independent chains; with four, one
            // vector of columns leaves the FMA units waiting on their latency), then a last block of four. A in
            // place: four rows at a time (eight row streams were slower there).
            size_t i = i0;
            if (trans_a)
                for (; i + 8 <= i1; i += 8) {
                    const float *ar = me_gemm_apanel + (i - i0) * k, *ar4 = ar + 4 * k;
                    VT acc[8] = {{0}};
                    if (accumulate == 2)
                        for (int r = 0; r < 8; r++)
                            for (size_t q = 0; q < cols; q++) acc[r][q] = c[(i + r) * ldc + j + q];
                    for (size_t p = 0; p < k; p++) {
                        VT bv;
                        memcpy(&bv, bv0 + p * ld, sizeof bv);
                        for (int r = 0; r < 4; r++) acc[r] = __builtin_elementwise_fma(ME_SPLAT(ar[p * 4 + r]), bv, acc[r]);
                        for (int r = 0; r < 4; r++)
                            acc[4 + r] = __builtin_elementwise_fma(ME_SPLAT(ar4[p * 4 + r]), bv, acc[4 + r]);
                    }
                    for (int r = 0; r < 8; r++) {
                        float *dst = c + (i + r) * ldc + j;
                        for (size_t q = 0; q < cols; q++) dst[q] = accumulate == 1 ? dst[q] + acc[r][q] : acc[r][q];
                    }
                }
            for (; i < i1; i += 4) {
                // Row r's element p: the packed chunk's 4-row block (A transposed) or A in place.
                const float *ar = trans_a ? me_gemm_apanel + (i - i0) * k : a + i * sa_i;
                const size_t ar_i = trans_a ? 1 : sa_i, ar_p = trans_a ? 4 : sa_p;
                VT acc[4] = {{0}};
                if (accumulate == 2)
                    for (int r = 0; r < 4; r++)
                        for (size_t q = 0; q < cols; q++) acc[r][q] = c[(i + r) * ldc + j + q];
                for (size_t p = 0; p < k; p++) {
                    VT bv;
                    memcpy(&bv, bv0 + p * ld, sizeof bv);
                    for (int r = 0; r < 4; r++)
                        acc[r] = __builtin_elementwise_fma(ME_SPLAT(ar[r * ar_i + p * ar_p]), bv, acc[r]);
                }
                for (int r = 0; r < 4; r++) {
                    float *dst = c + (i + r) * ldc + j;
                    for (size_t q = 0; q < cols; q++) dst[q] = accumulate == 1 ? dst[q] + acc[r][q] : acc[r][q];
                }
            }
        }
    }
    // The last m mod 4 rows (all of them when m < 4, as when acting on one observation): four vectors at a time
    // where B is read in place (four independent chains hide the FMA latency), then one vector at a time.
    for (size_t i = m4; i < m; i++) {
        size_t j = 0;
        if (!packed) {
            for (; j + 4 * W <= whole; j += 4 * W) {
                VT acc[4];
                for (int h = 0; h < 4; h++) {
                    acc[h] = (VT){0};
                    if (accumulate == 2) memcpy(&acc[h], c + i * ldc + j + h * W, sizeof(VT));
                }
                for (size_t p = 0; p < k; p++) {
                    const VT x = ME_SPLAT(a[i * sa_i + p * sa_p]);
                    for (int h = 0; h < 4; h++) {
                        VT bv;
                        memcpy(&bv, b + p * ldb + j + h * W, sizeof bv);
                        acc[h] = __builtin_elementwise_fma(x, bv, acc[h]);
                    }
                }
                for (int h = 0; h < 4; h++) {
                    float *dst = c + i * ldc + j + h * W;
                    VT v = acc[h];
                    if (accumulate == 1) { VT old; memcpy(&old, dst, sizeof old); v = old + v; }
                    memcpy(dst, &v, sizeof v);
                }
            }
        }
        for (; j < n; j += W) {
            const float *bp;
            size_t ld, cols = W;
            if (j < strips * SW) { bp = ME_STRIP(j / SW) + j % SW; ld = lds; }
            else if (j < whole) { bp = ME_VECTOR((j - strips * SW) / W); ld = ldv; }
            else { bp = me_gemm_tail; ld = W; cols = rem; }
            VT acc = {0};
            if (accumulate == 2) {
                if (cols == W) memcpy(&acc, c + i * ldc + j, sizeof acc);
                else for (size_t q = 0; q < cols; q++) acc[q] = c[i * ldc + j + q];
            }
            for (size_t p = 0; p < k; p++) {
                VT bv;
                memcpy(&bv, bp + p * ld, sizeof bv);
                acc = __builtin_elementwise_fma(ME_SPLAT(a[i * sa_i + p * sa_p]), bv, acc);
            }
            float *dst = c + i * ldc + j;
            if (cols == W) {
                if (accumulate == 1) { VT old; memcpy(&old, dst, sizeof old); acc = old + acc; }
                memcpy(dst, &acc, sizeof acc);
            } else {
                for (size_t q = 0; q < cols; q++) dst[q] = accumulate == 1 ? dst[q] + acc[q] : acc[q];
            }
        }
    }
#undef ME_STRIP
#undef ME_VECTOR
}

#undef ME_NAME
#undef ME_TARGET
#undef ME_VT
#undef ME_W
#undef ME_NV
#undef ME_SPLAT
