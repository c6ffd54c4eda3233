/*
 * AVX2 kernels (x86-64, built with -mavx2 only: no FMA). Every result has the bits of
 * src/simd/scalar.c: the exp is the same IEEE operation sequence lane by lane, and sums keep
 * the canonical order (lanes 0-7 in one register, 8-15 in another, one accumulator set per
 * block, then the scalar fold tree). Needs -ffp-contract=off like the rest of the library:
 * the mul/add intrinsics are plain vector operators to the compiler and could be fused.
 */
#include "../tsamp_internal.h"

#if defined(__x86_64__) && defined(__AVX2__)
#include <immintrin.h>
#include <math.h>
#include <string.h>

#include "../fmath_internal.h"

/* ---- compaction tables, built by the preprocessor ----------------------------------------- */

/* For an 8-bit lane mask m: output slot k (nibble k) holds the k-th set lane. */
#define T_BIT(m, b) (((m) >> (b)) & 1u)
#define T_POP8(m)                                                                              \
    (T_BIT(m, 0u) + T_BIT(m, 1u) + T_BIT(m, 2u) + T_BIT(m, 3u) + T_BIT(m, 4u) + T_BIT(m, 5u) + \
     T_BIT(m, 6u) + T_BIT(m, 7u))
#define T_SLOT(m, b) (T_BIT(m, b) * ((b) << (4u * T_POP8((m) & ((1u << (b)) - 1u)))))
#define T_PERM(m)                                                                              \
    (T_SLOT(m, 0u) | T_SLOT(m, 1u) | T_SLOT(m, 2u) | T_SLOT(m, 3u) | T_SLOT(m, 4u) |           \
     T_SLOT(m, 5u) | T_SLOT(m, 6u) | T_SLOT(m, 7u))
#define T_X4(F, m) F(m), F((m) + 1u), F((m) + 2u), F((m) + 3u)
#define T_X16(F, m) T_X4(F, m), T_X4(F, (m) + 4u), T_X4(F, (m) + 8u), T_X4(F, (m) + 12u)
#define T_X64(F, m) T_X16(F, m), T_X16(F, (m) + 16u), T_X16(F, (m) + 32u), T_X16(F, (m) + 48u)
#define T_X256(F) T_X64(F, 0u), T_X64(F, 64u), T_X64(F, 128u), T_X64(F, 192u)

static const uint32_t compress_nibbles[256] = {T_X256(T_PERM)};
/* A table rather than popcnt: the dispatcher checks AVX2 only. */
static const uint8_t popcount8[256] = {T_X256(T_POP8)};

/* ---- helpers ------------------------------------------------------------------------------ */

/* One statement for each of four vectors, written out (gcc -O2 does not unroll a loop here):
 * four independent dependency chains side by side keep the FP pipes busy, about 20% faster
 * than one exp after another. */
#define EACH4(stmt)                                                                            \
    do {                                                                                       \
        { const int j = 0; stmt; }                                                             \
        { const int j = 1; stmt; }                                                             \
        { const int j = 2; stmt; }                                                             \
        { const int j = 3; stmt; }                                                             \
    } while (0)

/* tsamp_exp_core on 4 x 8 lanes, in place: the same operations in the same order. */
static inline void exp8x4(__m256 x[4]) {
    const __m256 lo = _mm256_set1_ps(TSAMP_EXP_LO), round = _mm256_set1_ps(TSAMP_EXP_ROUND);
    const __m256i bias = _mm256_set1_epi32(127);
    __m256 n[4], r[4], z[4], y[4];
    __m256i n1[4], n2[4];
    /* maxps returns its second operand unless the first is greater: x > LO ? x : LO, NaN -> LO */
    EACH4(x[j] = _mm256_max_ps(x[j], lo));
    EACH4(n[j] = _mm256_add_ps(_mm256_mul_ps(x[j], _mm256_set1_ps(TSAMP_EXP_LOG2E)), round));
    EACH4(n[j] = _mm256_sub_ps(n[j], round));
    EACH4(r[j] = _mm256_sub_ps(x[j], _mm256_mul_ps(n[j], _mm256_set1_ps(TSAMP_EXP_C1))));
    EACH4(r[j] = _mm256_sub_ps(r[j], _mm256_mul_ps(n[j], _mm256_set1_ps(TSAMP_EXP_C2))));
    EACH4(z[j] = _mm256_mul_ps(r[j], r[j]));
    EACH4(y[j] = _mm256_add_ps(_mm256_mul_ps(_mm256_set1_ps(TSAMP_EXP_P0), r[j]),
                               _mm256_set1_ps(TSAMP_EXP_P1)));
    EACH4(y[j] = _mm256_add_ps(_mm256_mul_ps(y[j], r[j]), _mm256_set1_ps(TSAMP_EXP_P2)));
    EACH4(y[j] = _mm256_add_ps(_mm256_mul_ps(y[j], r[j]), _mm256_set1_ps(TSAMP_EXP_P3)));
    EACH4(y[j] = _mm256_add_ps(_mm256_mul_ps(y[j], r[j]), _mm256_set1_ps(TSAMP_EXP_P4)));
    EACH4(y[j] = _mm256_add_ps(_mm256_mul_ps(y[j], r[j]), _mm256_set1_ps(TSAMP_EXP_P5)));
    EACH4(y[j] = _mm256_add_ps(_mm256_mul_ps(y[j], z[j]), r[j]));
    EACH4(y[j] = _mm256_add_ps(y[j], _mm256_set1_ps(1.0f)));
    /* n is integral: truncation is exact; n >> 1 is an arithmetic shift, as in C */
    EACH4(n1[j] = _mm256_srai_epi32(_mm256_cvttps_epi32(n[j]), 1));
    EACH4(n2[j] = _mm256_sub_epi32(_mm256_cvttps_epi32(n[j]), n1[j]));
    EACH4(n1[j] = _mm256_slli_epi32(_mm256_add_epi32(n1[j], bias), 23));
    EACH4(n2[j] = _mm256_slli_epi32(_mm256_add_epi32(n2[j], bias), 23));
    EACH4(x[j] = _mm256_mul_ps(_mm256_mul_ps(y[j], _mm256_castsi256_ps(n1[j])),
                               _mm256_castsi256_ps(n2[j])));
}

/* The canonical fold of lanes 0-7 (lo) and 8-15 (hi): l[j] += l[j+8], += l[j+4], += l[j+2],
 * l[0] += l[1], each with l[j] as the first operand like the scalar loop. */
static inline float fold16(__m256 lo, __m256 hi) {
    __m256 s8 = _mm256_add_ps(lo, hi);
    __m128 s4 = _mm_add_ps(_mm256_castps256_ps128(s8), _mm256_extractf128_ps(s8, 1));
    __m128 s2 = _mm_add_ps(s4, _mm_movehl_ps(s4, s4));
    __m128 s1 = _mm_add_ss(s2, _mm_movehdup_ps(s2));
    return _mm_cvtss_f32(s1);
}

static inline size_t hsum_epi32(__m256i c) {
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(c), _mm256_extracti128_si256(c, 1));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0x4e));
    s = _mm_add_epi32(s, _mm_shuffle_epi32(s, 0xb1));
    return (size_t)(uint32_t)_mm_cvtsi128_si32(s);
}

/* All-ones in the lanes below k (k may be negative or above 8). */
static inline __m256i lanes_below(long k) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(k < 0 ? 0 : k > 8 ? 8 : k)),
                              _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

static inline unsigned movemask(__m256 c) { return (unsigned)_mm256_movemask_ps(c); }

/* ---- kernels ------------------------------------------------------------------------------ */

static size_t avx2_find_first(const float *x, size_t n, float v) {
    const __m256 vv = _mm256_set1_ps(v);
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256 c0 = _mm256_cmp_ps(_mm256_loadu_ps(x + i), vv, _CMP_EQ_OQ);
        __m256 c1 = _mm256_cmp_ps(_mm256_loadu_ps(x + i + 8), vv, _CMP_EQ_OQ);
        __m256 c2 = _mm256_cmp_ps(_mm256_loadu_ps(x + i + 16), vv, _CMP_EQ_OQ);
        __m256 c3 = _mm256_cmp_ps(_mm256_loadu_ps(x + i + 24), vv, _CMP_EQ_OQ);
        if (movemask(_mm256_or_ps(_mm256_or_ps(c0, c1), _mm256_or_ps(c2, c3)))) {
            unsigned mk = movemask(c0) | movemask(c1) << 8 | movemask(c2) << 16 |
                          movemask(c3) << 24;
            return i + (size_t)__builtin_ctz(mk);
        }
    }
    for (; i + 8 <= n; i += 8) {
        unsigned mk = movemask(_mm256_cmp_ps(_mm256_loadu_ps(x + i), vv, _CMP_EQ_OQ));
        if (mk) return i + (size_t)__builtin_ctz(mk);
    }
    for (; i < n; i++)
        if (x[i] == v) return i;
    return n;
}

/*
 * The scalar loop keeps the first element that equals the maximum, so only the sign of a zero
 * maximum depends on the order; that case looks the first zero up. Lanes start at x[0] and
 * maxps(v, m) keeps m when v is NaN, exactly as `v > m ? v : m`. Any NaN or +inf means bad
 * input (an error path): the scalar kernel then gives its exact result, whatever it is.
 */
static int avx2_max(const float *x, size_t n, float *max) {
    if (x[0] != x[0]) { /* the scalar maximum stays x[0] and the input is bad */
        *max = x[0];
        return 1;
    }
    const __m256 inf = _mm256_set1_ps((float)INFINITY), first = _mm256_set1_ps(x[0]);
    __m256 a0 = first, a1 = first, a2 = first, a3 = first, bad = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256 v0 = _mm256_loadu_ps(x + i), v1 = _mm256_loadu_ps(x + i + 8);
        __m256 v2 = _mm256_loadu_ps(x + i + 16), v3 = _mm256_loadu_ps(x + i + 24);
        a0 = _mm256_max_ps(v0, a0);
        a1 = _mm256_max_ps(v1, a1);
        a2 = _mm256_max_ps(v2, a2);
        a3 = _mm256_max_ps(v3, a3);
        /* !(v < inf): NaN or +inf */
        __m256 b01 = _mm256_or_ps(_mm256_cmp_ps(v0, inf, _CMP_NLT_UQ),
                                  _mm256_cmp_ps(v1, inf, _CMP_NLT_UQ));
        __m256 b23 = _mm256_or_ps(_mm256_cmp_ps(v2, inf, _CMP_NLT_UQ),
                                  _mm256_cmp_ps(v3, inf, _CMP_NLT_UQ));
        bad = _mm256_or_ps(bad, _mm256_or_ps(b01, b23));
    }
    for (; i < n; i += 8) {
        __m256i in = lanes_below((long)(n - i));
        /* missing lanes read as x[0], which never raises a lane */
        __m256 v = _mm256_blendv_ps(first, _mm256_maskload_ps(x + i, in), _mm256_castsi256_ps(in));
        a0 = _mm256_max_ps(v, a0);
        bad = _mm256_or_ps(bad, _mm256_cmp_ps(v, inf, _CMP_NLT_UQ));
    }
    if (movemask(bad)) return tsamp_kernels_scalar.max(x, n, max);
    __m256 a = _mm256_max_ps(_mm256_max_ps(a0, a1), _mm256_max_ps(a2, a3));
    __m128 h = _mm_max_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
    h = _mm_max_ps(h, _mm_movehl_ps(h, h));
    h = _mm_max_ss(h, _mm_movehdup_ps(h));
    float m = _mm_cvtss_f32(h);
    if (m == 0.0f) m = x[avx2_find_first(x, n, 0.0f)];
    *max = m;
    return 0;
}

static double avx2_sum_exp(const float *x, size_t n, float m, float s, float *blocks,
                           float *w) {
    /* Scales that small (temperatures above ~1e30) need the overflow-safe distance: rare
     * enough for the scalar kernel, which gives the same bits. */
    if (s < TSAMP_SAFE_SCALE) return tsamp_kernels_scalar.sum_exp(x, n, m, s, blocks, w);
    const __m256 vm = _mm256_set1_ps(m), vs = _mm256_set1_ps(s);
    double total = 0.0;
    for (size_t b0 = 0, bi = 0; b0 < n; b0 += TSAMP_BLOCK, bi++) {
        const size_t len = n - b0 < TSAMP_BLOCK ? n - b0 : TSAMP_BLOCK;
        const float *xb = x + b0;
        float *wb = w ? w + b0 : NULL;
        __m256 lo = _mm256_setzero_ps(), hi = _mm256_setzero_ps();
        size_t i = 0;
        /* Two 16-element groups per step, added in element order: each lane still sums its
         * elements in increasing i. */
        for (; i + 32 <= len; i += 32) {
            __m256 e[4];
            EACH4(e[j] = _mm256_mul_ps(_mm256_sub_ps(_mm256_loadu_ps(xb + i + 8 * j), vm), vs));
            exp8x4(e);
            if (wb) EACH4(_mm256_storeu_ps(wb + i + 8 * j, e[j]));
            lo = _mm256_add_ps(lo, e[0]);
            hi = _mm256_add_ps(hi, e[1]);
            lo = _mm256_add_ps(lo, e[2]);
            hi = _mm256_add_ps(hi, e[3]);
        }
        if (i < len) {
            /* The last 1..31 elements of the last block, through masks. Missing elements add
             * +0.0f: a lane starts at +0 and never becomes -0, so adding +0 keeps its bits. */
            const long r = (long)(len - i);
            __m256i k[4];
            __m256 e[4];
            size_t at[4]; /* an empty vector gets an in-bounds address all the same */
            EACH4(at[j] = i + (r > 8 * j ? 8 * (size_t)j : 0));
            EACH4(k[j] = lanes_below(r - 8 * j));
            EACH4(e[j] = _mm256_mul_ps(_mm256_sub_ps(_mm256_maskload_ps(xb + at[j], k[j]), vm), vs));
            exp8x4(e);
            EACH4(e[j] = _mm256_and_ps(e[j], _mm256_castsi256_ps(k[j])));
            if (wb) EACH4(_mm256_maskstore_ps(wb + at[j], k[j], e[j]));
            lo = _mm256_add_ps(lo, e[0]);
            hi = _mm256_add_ps(hi, e[1]);
            lo = _mm256_add_ps(lo, e[2]);
            hi = _mm256_add_ps(hi, e[3]);
        }
        float bs = fold16(lo, hi);
        if (blocks) blocks[bi] = bs;
        total += (double)bs;
    }
    return total;
}

static double avx2_sum_ge(const float *w, const float *x, size_t n, float v, size_t *count) {
    const __m256 vv = _mm256_set1_ps(v);
    double total = 0.0;
    size_t cnt = 0;
    for (size_t b0 = 0; b0 < n; b0 += TSAMP_BLOCK) {
        const size_t len = n - b0 < TSAMP_BLOCK ? n - b0 : TSAMP_BLOCK;
        const float *xb = x + b0, *wb = w + b0;
        __m256 lo = _mm256_setzero_ps(), hi = _mm256_setzero_ps();
        __m256i c = _mm256_setzero_si256(); /* hits per lane: at most 32 per block */
        size_t i = 0;
        for (; i + 16 <= len; i += 16) {
            __m256 k0 = _mm256_cmp_ps(_mm256_loadu_ps(xb + i), vv, _CMP_GE_OQ);
            __m256 k1 = _mm256_cmp_ps(_mm256_loadu_ps(xb + i + 8), vv, _CMP_GE_OQ);
            /* in ? w : +0.0f */
            lo = _mm256_add_ps(lo, _mm256_and_ps(k0, _mm256_loadu_ps(wb + i)));
            hi = _mm256_add_ps(hi, _mm256_and_ps(k1, _mm256_loadu_ps(wb + i + 8)));
            c = _mm256_sub_epi32(_mm256_sub_epi32(c, _mm256_castps_si256(k0)),
                                 _mm256_castps_si256(k1)); /* a hit is -1 */
        }
        if (i < len) {
            /* the last 1..15 elements; missing ones add +0.0f and count nothing */
            const long r = (long)(len - i);
            const size_t i1 = i + (r > 8 ? 8 : 0); /* in bounds even when empty */
            __m256i m0 = lanes_below(r), m1 = lanes_below(r - 8);
            __m256 k0 = _mm256_and_ps(_mm256_cmp_ps(_mm256_maskload_ps(xb + i, m0), vv, _CMP_GE_OQ),
                                      _mm256_castsi256_ps(m0));
            __m256 k1 = _mm256_and_ps(_mm256_cmp_ps(_mm256_maskload_ps(xb + i1, m1), vv, _CMP_GE_OQ),
                                      _mm256_castsi256_ps(m1));
            lo = _mm256_add_ps(lo, _mm256_and_ps(k0, _mm256_maskload_ps(wb + i, m0)));
            hi = _mm256_add_ps(hi, _mm256_and_ps(k1, _mm256_maskload_ps(wb + i1, m1)));
            c = _mm256_sub_epi32(_mm256_sub_epi32(c, _mm256_castps_si256(k0)),
                                 _mm256_castps_si256(k1)); /* a hit is -1 */
        }
        total += (double)fold16(lo, hi);
        cnt += hsum_epi32(c);
    }
    *count = cnt;
    return total;
}

/* Writes base + (each set lane of m), increasing, at idx[cnt ..] while below cap; returns the
 * new count. */
static inline size_t emit_bits(int32_t *idx, size_t cnt, size_t cap, size_t base, unsigned m) {
    if (cnt >= cap) return cnt + popcount8[m & 0xffu] + popcount8[m >> 8 & 0xffu] +
                           popcount8[m >> 16 & 0xffu] + popcount8[m >> 24];
    for (; m; m &= m - 1) {
        if (cnt < cap) idx[cnt] = (int32_t)(base + (size_t)__builtin_ctz(m));
        cnt++;
    }
    return cnt;
}

/* Compresses base + (each set lane of m) to stage[staged ..] with one full-vector store (the
 * lanes past the count are junk, overwritten later or never copied); returns the new size. */
static inline size_t stage8(int32_t *stage, size_t staged, size_t base, unsigned m) {
    __m256i perm = _mm256_srlv_epi32(_mm256_set1_epi32((int)compress_nibbles[m]),
                                     _mm256_setr_epi32(0, 4, 8, 12, 16, 20, 24, 28));
    __m256i lanes = _mm256_permutevar8x32_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7),
                                                perm); /* uses the low 3 bits of perm */
    __m256i vals = _mm256_add_epi32(_mm256_set1_epi32((int32_t)base), lanes);
    _mm256_storeu_si256((__m256i *)(void *)(stage + staged), vals);
    return staged + popcount8[m];
}

/*
 * idx receives exactly the scalar kernel's writes, nothing past them: indices are compressed
 * into a local stage with full-vector stores and copied out 32 at a time (masked stores
 * straight to idx are several times slower on some AMD cores). The stage is used only while
 * a whole 32-element group fits below cap; the last few before cap go one by one.
 */
static size_t avx2_compact_ge(const float *x, size_t n, float v, int32_t *idx, size_t cap) {
    const __m256 vv = _mm256_set1_ps(v);
    int32_t stage[72] = {0}; /* < 32 waiting + 32 new + 8 junk lanes */
    size_t cnt = 0, staged = 0, i = 0; /* stage holds the results idx[cnt - staged .. cnt) */
    for (; i + 32 <= n; i += 32) {
        unsigned m0 = movemask(_mm256_cmp_ps(_mm256_loadu_ps(x + i), vv, _CMP_GE_OQ));
        unsigned m1 = movemask(_mm256_cmp_ps(_mm256_loadu_ps(x + i + 8), vv, _CMP_GE_OQ));
        unsigned m2 = movemask(_mm256_cmp_ps(_mm256_loadu_ps(x + i + 16), vv, _CMP_GE_OQ));
        unsigned m3 = movemask(_mm256_cmp_ps(_mm256_loadu_ps(x + i + 24), vv, _CMP_GE_OQ));
        unsigned mk = m0 | m1 << 8 | m2 << 16 | m3 << 24;
        if (mk == 0) continue; /* the usual case: few survivors */
        if (cnt > cap || cap - cnt < 32) { /* near or past cap: exact, one by one */
            if (staged) memcpy(idx + cnt - staged, stage, staged * sizeof *idx);
            staged = 0;
            cnt = emit_bits(idx, cnt, cap, i, mk);
            continue;
        }
        size_t before = staged;
        staged = stage8(stage, staged, i, m0);
        staged = stage8(stage, staged, i + 8, m1);
        staged = stage8(stage, staged, i + 16, m2);
        staged = stage8(stage, staged, i + 24, m3);
        cnt += staged - before;
        if (staged >= 32) {
            memcpy(idx + cnt - staged, stage, 32 * sizeof *idx);
            memcpy(stage, stage + 32, 32 * sizeof *idx); /* fixed size: a few vector moves */
            staged -= 32;
        }
    }
    if (staged) memcpy(idx + cnt - staged, stage, staged * sizeof *idx);
    if (i < n) { /* the last 1..31 elements */
        unsigned mk = 0;
        for (size_t j = 0; i + j < n; j++) mk |= (unsigned)(x[i + j] >= v) << j;
        cnt = emit_bits(idx, cnt, cap, i, mk);
    }
    return cnt;
}

const tsamp_kernels tsamp_kernels_avx2 = {
    TSAMP_ISA_AVX2, avx2_max, avx2_find_first, avx2_sum_exp, avx2_sum_ge, avx2_compact_ge,
};

#else /* not compiled for AVX2: cpu.c reports the path as unavailable */

const tsamp_kernels tsamp_kernels_avx2 = {
    TSAMP_ISA_SCALAR, NULL, NULL, NULL, NULL, NULL,
};

#endif
