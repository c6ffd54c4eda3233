/*
 * AVX-512F kernels (x86-64, built with -mavx512f only). Every result has the bits of
 * src/simd/scalar.c: the exp is the same IEEE operation sequence lane by lane, and one 16-lane
 * register is exactly the canonical sum's lane array. Needs -ffp-contract=off like the rest of
 * the library: AVX-512F has FMA, and the mul/add intrinsics could otherwise be fused.
 */
#include "../tsamp_internal.h"

#if defined(__x86_64__) && defined(__AVX512F__)
#include <immintrin.h>
#include <math.h>

#include "../fmath_internal.h"

/* ---- helpers ------------------------------------------------------------------------------ */

/* One statement for each of four vectors, written out (gcc -O2 does not unroll a loop here):
 * four independent dependency chains side by side keep the FP pipes busy. */
#define EACH4(stmt)                                                                            \
    do {                                                                                       \
        { const int j = 0; stmt; }                                                             \
        { const int j = 1; stmt; }                                                             \
        { const int j = 2; stmt; }                                                             \
        { const int j = 3; stmt; }                                                             \
    } while (0)

/* tsamp_exp_core on 4 x 16 lanes, in place: the same operations in the same order. */
static inline void exp16x4(__m512 x[4]) {
    const __m512 lo = _mm512_set1_ps(TSAMP_EXP_LO), round = _mm512_set1_ps(TSAMP_EXP_ROUND);
    const __m512i bias = _mm512_set1_epi32(127);
    __m512 n[4], r[4], z[4], y[4];
    __m512i n1[4], n2[4];
    /* maxps returns its second operand unless the first is greater: x > LO ? x : LO, NaN -> LO */
    EACH4(x[j] = _mm512_max_ps(x[j], lo));
    EACH4(n[j] = _mm512_add_ps(_mm512_mul_ps(x[j], _mm512_set1_ps(TSAMP_EXP_LOG2E)), round));
    EACH4(n[j] = _mm512_sub_ps(n[j], round));
    EACH4(r[j] = _mm512_sub_ps(x[j], _mm512_mul_ps(n[j], _mm512_set1_ps(TSAMP_EXP_C1))));
    EACH4(r[j] = _mm512_sub_ps(r[j], _mm512_mul_ps(n[j], _mm512_set1_ps(TSAMP_EXP_C2))));
    EACH4(z[j] = _mm512_mul_ps(r[j], r[j]));
    EACH4(y[j] = _mm512_add_ps(_mm512_mul_ps(_mm512_set1_ps(TSAMP_EXP_P0), r[j]),
                               _mm512_set1_ps(TSAMP_EXP_P1)));
    EACH4(y[j] = _mm512_add_ps(_mm512_mul_ps(y[j], r[j]), _mm512_set1_ps(TSAMP_EXP_P2)));
    EACH4(y[j] = _mm512_add_ps(_mm512_mul_ps(y[j], r[j]), _mm512_set1_ps(TSAMP_EXP_P3)));
    EACH4(y[j] = _mm512_add_ps(_mm512_mul_ps(y[j], r[j]), _mm512_set1_ps(TSAMP_EXP_P4)));
    EACH4(y[j] = _mm512_add_ps(_mm512_mul_ps(y[j], r[j]), _mm512_set1_ps(TSAMP_EXP_P5)));
    EACH4(y[j] = _mm512_add_ps(_mm512_mul_ps(y[j], z[j]), r[j]));
    EACH4(y[j] = _mm512_add_ps(y[j], _mm512_set1_ps(1.0f)));
    /* n is integral: truncation is exact; n >> 1 is an arithmetic shift, as in C */
    EACH4(n1[j] = _mm512_srai_epi32(_mm512_cvttps_epi32(n[j]), 1));
    EACH4(n2[j] = _mm512_sub_epi32(_mm512_cvttps_epi32(n[j]), n1[j]));
    EACH4(n1[j] = _mm512_slli_epi32(_mm512_add_epi32(n1[j], bias), 23));
    EACH4(n2[j] = _mm512_slli_epi32(_mm512_add_epi32(n2[j], bias), 23));
    EACH4(x[j] = _mm512_mul_ps(_mm512_mul_ps(y[j], _mm512_castsi512_ps(n1[j])),
                               _mm512_castsi512_ps(n2[j])));
}

/* The canonical fold: l[j] += l[j+8], += l[j+4], += l[j+2], l[0] += l[1], each with l[j] as
 * the first operand like the scalar loop. (No extractf32x8: that one is AVX512DQ.) */
static inline float fold16(__m512 a) {
    __m256 lo = _mm512_castps512_ps256(a);
    __m256 hi = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(a), 1));
    __m256 s8 = _mm256_add_ps(lo, hi);
    __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
    __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
    __m128 s1 = _mm_add_ss(s2, _mm_movehdup_ps(s2));
    return _mm_cvtss_f32(s1);
}

static inline size_t hsum_epi32(__m512i c) {
    __m256i h = _mm256_add_epi32(_mm512_castsi512_si256(c), _mm512_extracti64x4_epi64(c, 1));
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(h), _mm256_extracti128_si256(h, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    return (size_t)(uint32_t)_mm_cvtsi128_si32(s);
}

/* The lanes below r (r >= 0; 16 and above: all). */
static inline __mmask16 lanes_below(size_t r) {
    return (__mmask16)(r >= 16 ? 0xffffu : (1u << r) - 1u);
}

/* A table rather than popcnt: the dispatcher checks AVX512F only. */
#define T_BIT(m, b) (((m) >> (b)) & 1u)
#define T_POP8(m)                                                                              \
    (T_BIT(m, 0u) + T_BIT(m, 1u) + T_BIT(m, 2u) + T_BIT(m, 3u) + T_BIT(m, 4u) + T_BIT(m, 5u) + \
     T_BIT(m, 6u) + T_BIT(m, 7u))
#define T_X4(F, m) F(m), F((m) + 1u), F((m) + 2u), F((m) + 3u)
#define T_X16(F, m) T_X4(F, m), T_X4(F, (m) + 4u), T_X4(F, (m) + 8u), T_X4(F, (m) + 12u)
#define T_X64(F, m) T_X16(F, m), T_X16(F, (m) + 16u), T_X16(F, (m) + 32u), T_X16(F, (m) + 48u)
static const uint8_t popcount8[256] = {T_X64(T_POP8, 0u), T_X64(T_POP8, 64u),
                                       T_X64(T_POP8, 128u), T_X64(T_POP8, 192u)};

static inline size_t popcount16(unsigned k) {
    return (size_t)popcount8[k & 0xffu] + popcount8[(k >> 8) & 0xffu];
}

/* ---- kernels ------------------------------------------------------------------------------ */

static size_t avx512_find_first(const float *x, size_t n, float v) {
    const __m512 vv = _mm512_set1_ps(v);
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        uint64_t k0 = _mm512_cmp_ps_mask(_mm512_loadu_ps(x + i), vv, _CMP_EQ_OQ);
        uint64_t k1 = _mm512_cmp_ps_mask(_mm512_loadu_ps(x + i + 16), vv, _CMP_EQ_OQ);
        uint64_t k2 = _mm512_cmp_ps_mask(_mm512_loadu_ps(x + i + 32), vv, _CMP_EQ_OQ);
        uint64_t k3 = _mm512_cmp_ps_mask(_mm512_loadu_ps(x + i + 48), vv, _CMP_EQ_OQ);
        uint64_t k = k0 | k1 << 16 | k2 << 32 | k3 << 48;
        if (k) return i + (size_t)__builtin_ctzll(k);
    }
    for (; i < n; i += 16) {
        __mmask16 in = lanes_below(n - i);
        unsigned k = _mm512_mask_cmp_ps_mask(in, _mm512_maskz_loadu_ps(in, x + i), vv, _CMP_EQ_OQ);
        if (k) return i + (size_t)__builtin_ctz(k);
    }
    return n;
}

/*
 * The scalar loop keeps the first element that equals the maximum, so only the sign of a zero
 * maximum depends on the order; that case looks the first zero up. Lanes start at x[0] and
 * maxps(v, m) keeps m when v is NaN, exactly as `v > m ? v : m`. Any NaN or +inf means bad
 * input (an error path): the scalar kernel then gives its exact result, whatever it is.
 */
static int avx512_max(const float *x, size_t n, float *max) {
    if (x[0] != x[0]) { /* the scalar maximum stays x[0] and the input is bad */
        *max = x[0];
        return 1;
    }
    const __m512 inf = _mm512_set1_ps((float)INFINITY), first = _mm512_set1_ps(x[0]);
    __m512 a0 = first, a1 = first, a2 = first, a3 = first;
    unsigned bad = 0;
    size_t i = 0;
    for (; i + 64 <= n; i += 64) {
        __m512 v0 = _mm512_loadu_ps(x + i), v1 = _mm512_loadu_ps(x + i + 16);
        __m512 v2 = _mm512_loadu_ps(x + i + 32), v3 = _mm512_loadu_ps(x + i + 48);
        a0 = _mm512_max_ps(v0, a0);
        a1 = _mm512_max_ps(v1, a1);
        a2 = _mm512_max_ps(v2, a2);
        a3 = _mm512_max_ps(v3, a3);
        /* !(v < inf): NaN or +inf */
        bad |= (unsigned)_mm512_cmp_ps_mask(v0, inf, _CMP_NLT_UQ) |
               (unsigned)_mm512_cmp_ps_mask(v1, inf, _CMP_NLT_UQ) |
               (unsigned)_mm512_cmp_ps_mask(v2, inf, _CMP_NLT_UQ) |
               (unsigned)_mm512_cmp_ps_mask(v3, inf, _CMP_NLT_UQ);
    }
    for (; i < n; i += 16) {
        /* missing lanes read as x[0], which never raises a lane */
        __m512 v = _mm512_mask_loadu_ps(first, lanes_below(n - i), x + i);
        a0 = _mm512_max_ps(v, a0);
        bad |= (unsigned)_mm512_cmp_ps_mask(v, inf, _CMP_NLT_UQ);
    }
    if (bad) return tsamp_kernels_scalar.max(x, n, max);
    __m512 a = _mm512_max_ps(_mm512_max_ps(a0, a1), _mm512_max_ps(a2, a3));
    __m256 a8 = _mm256_max_ps(_mm512_castps512_ps256(a),
                              _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(a), 1)));
    __m128 h = _mm_max_ps(_mm256_castps256_ps128(a8), _mm256_extractf128_ps(a8, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    h = _mm_max_ss(h, _mm_movehdup_ps(h));
    float m = _mm_cvtss_f32(h);
    if (m == 0.0f) m = x[avx512_find_first(x, n, 0.0f)];
    *max = m;
    return 0;
}

static double avx512_sum_exp(const float *x, size_t n, float m, float s, float *blocks,
                             float *w) {
    /* Scales that small (temperatures above ~1e30) need the overflow-safe distance: rare
     * enough for the scalar kernel, which gives the same bits. */
    if (s < TSAMP_SAFE_SCALE) return tsamp_kernels_scalar.sum_exp(x, n, m, s, blocks, w);
    const __m512 vm = _mm512_set1_ps(m), vs = _mm512_set1_ps(s);
    double total = 0.0;
    for (size_t b0 = 0, bi = 0; b0 < n; b0 += TSAMP_BLOCK, bi++) {
        const size_t len = n - b0 < TSAMP_BLOCK ? n - b0 : TSAMP_BLOCK;
        const float *xb = x + b0;
        float *wb = w ? w + b0 : NULL;
        __m512 acc = _mm512_setzero_ps();
        size_t i = 0;
        /* Four 16-element groups per step, added in element order: each lane still sums its
         * elements in increasing i. */
        for (; i + 64 <= len; i += 64) {
            __m512 e[4];
            EACH4(e[j] = _mm512_mul_ps(_mm512_sub_ps(_mm512_loadu_ps(xb + i + 16 * j), vm), vs));
            exp16x4(e);
            if (wb) EACH4(_mm512_storeu_ps(wb + i + 16 * j, e[j]));
            EACH4(acc = _mm512_add_ps(acc, e[j]));
        }
        if (i < len) {
            /* The last 1..63 elements of the last block, through masks. Missing elements add
             * +0.0f: a lane starts at +0 and never becomes -0, so adding +0 keeps its bits. */
            const size_t r = len - i;
            size_t at[4]; /* an empty vector gets an in-bounds address all the same */
            __mmask16 k[4];
            __m512 e[4];
            EACH4(at[j] = i + (r > 16 * (size_t)j ? 16 * (size_t)j : 0));
            EACH4(k[j] = lanes_below(r > 16 * (size_t)j ? r - 16 * (size_t)j : 0));
            EACH4(e[j] = _mm512_mul_ps(_mm512_sub_ps(_mm512_maskz_loadu_ps(k[j], xb + at[j]), vm),
                                       vs));
            exp16x4(e);
            EACH4(e[j] = _mm512_maskz_mov_ps(k[j], e[j]));
            if (wb) EACH4(_mm512_mask_storeu_ps(wb + at[j], k[j], e[j]));
            EACH4(acc = _mm512_add_ps(acc, e[j]));
        }
        float bs = fold16(acc);
        if (blocks) blocks[bi] = bs;
        total += (double)bs;
    }
    return total;
}

static double avx512_sum_ge(const float *w, const float *x, size_t n, float v, size_t *count) {
    const __m512 vv = _mm512_set1_ps(v);
    const __m512i one = _mm512_set1_epi32(1);
    double total = 0.0;
    size_t cnt = 0;
    for (size_t b0 = 0; b0 < n; b0 += TSAMP_BLOCK) {
        const size_t len = n - b0 < TSAMP_BLOCK ? n - b0 : TSAMP_BLOCK;
        const float *xb = x + b0, *wb = w + b0;
        __m512 acc = _mm512_setzero_ps();
        __m512i c = _mm512_setzero_si512(); /* hits per lane: at most 16 per block */
        for (size_t i = 0; i < len; i += 16) {
            __mmask16 in = lanes_below(len - i);
            __mmask16 k =
                _mm512_mask_cmp_ps_mask(in, _mm512_maskz_loadu_ps(in, xb + i), vv, _CMP_GE_OQ);
            /* in ? w : +0.0f */
            acc = _mm512_add_ps(acc, _mm512_maskz_loadu_ps(k, wb + i));
            c = _mm512_mask_add_epi32(c, k, c, one);
        }
        total += (double)fold16(acc);
        cnt += hsum_epi32(c);
    }
    *count = cnt;
    return total;
}

/* Stores the indices of the set lanes of k, increasing, at idx[cnt ..], never past cap and
 * never past the last one (masked store: idx beyond the result stays untouched). A register
 * compress and a masked store: the memory form of vpcompressd is slow on some cores. */
static inline size_t emit16(int32_t *idx, size_t cnt, size_t cap, size_t base, __mmask16 k) {
    size_t pc = popcount16(k);
    if (cnt < cap) {
        size_t room = cap - cnt;
        const __m512i iota =
            _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        __m512i vals =
            _mm512_maskz_compress_epi32(k, _mm512_add_epi32(_mm512_set1_epi32((int32_t)base), iota));
        _mm512_mask_storeu_epi32(idx + cnt, lanes_below(pc < room ? pc : room), vals);
    }
    return cnt + pc;
}

static size_t avx512_compact_ge(const float *x, size_t n, float v, int32_t *idx, size_t cap) {
    const __m512 vv = _mm512_set1_ps(v);
    size_t cnt = 0, i = 0;
    for (; i + 64 <= n; i += 64) {
        __mmask16 k0 = _mm512_cmp_ps_mask(_mm512_loadu_ps(x + i), vv, _CMP_GE_OQ);
        __mmask16 k1 = _mm512_cmp_ps_mask(_mm512_loadu_ps(x + i + 16), vv, _CMP_GE_OQ);
        __mmask16 k2 = _mm512_cmp_ps_mask(_mm512_loadu_ps(x + i + 32), vv, _CMP_GE_OQ);
        __mmask16 k3 = _mm512_cmp_ps_mask(_mm512_loadu_ps(x + i + 48), vv, _CMP_GE_OQ);
        if (((unsigned)k0 | k1 | k2 | k3) == 0) continue; /* the usual case: few survivors */
        if (cnt >= cap) {                                 /* full: only count */
            cnt += popcount16(k0) + popcount16(k1) + popcount16(k2) + popcount16(k3);
            continue;
        }
        cnt = emit16(idx, cnt, cap, i, k0);
        cnt = emit16(idx, cnt, cap, i + 16, k1);
        cnt = emit16(idx, cnt, cap, i + 32, k2);
        cnt = emit16(idx, cnt, cap, i + 48, k3);
    }
    for (; i < n; i += 16) {
        __mmask16 in = lanes_below(n - i);
        __mmask16 k = _mm512_mask_cmp_ps_mask(in, _mm512_maskz_loadu_ps(in, x + i), vv, _CMP_GE_OQ);
        if (k) cnt = emit16(idx, cnt, cap, i, k);
    }
    return cnt;
}

const tsamp_kernels tsamp_kernels_avx512 = {
    TSAMP_ISA_AVX512, avx512_max, avx512_find_first, avx512_sum_exp, avx512_sum_ge,
    avx512_compact_ge,
};

#else /* not compiled for AVX-512F: cpu.c reports the path as unavailable */

const tsamp_kernels tsamp_kernels_avx512 = {
    TSAMP_ISA_SCALAR, NULL, NULL, NULL, NULL, NULL,
};

#endif
