/*
 * NEON kernels (aarch64, where NEON is baseline). Every result has the bits of
 * src/simd/scalar.c: the exp is the same IEEE operation sequence lane by lane, and sums keep
 * the canonical order (lanes 0-3, 4-7, 8-11, 12-15 in four registers, one accumulator set per
 * block, then the scalar fold tree). Needs -ffp-contract=off like the rest of the library:
 * vmulq/vaddq are plain vector operators to the compiler and could be fused into fmla.
 */
#include "../tsamp_internal.h"

#if defined(__aarch64__)
#include <arm_neon.h>
#include <math.h>
#include <string.h>

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

/* tsamp_exp_core on 4 x 4 lanes, in place: the same operations in the same order. */
static inline void exp4x4(float32x4_t x[4]) {
    const float32x4_t lo = vdupq_n_f32(TSAMP_EXP_LO), round = vdupq_n_f32(TSAMP_EXP_ROUND);
    const int32x4_t bias = vdupq_n_s32(127);
    float32x4_t n[4], r[4], z[4], y[4];
    int32x4_t n1[4], n2[4];
    EACH4(x[j] = vbslq_f32(vcgtq_f32(x[j], lo), x[j], lo)); /* x > LO ? x : LO; FMAX keeps NaN */
    EACH4(n[j] = vaddq_f32(vmulq_f32(x[j], vdupq_n_f32(TSAMP_EXP_LOG2E)), round));
    EACH4(n[j] = vsubq_f32(n[j], round));
    EACH4(r[j] = vsubq_f32(x[j], vmulq_f32(n[j], vdupq_n_f32(TSAMP_EXP_C1))));
    EACH4(r[j] = vsubq_f32(r[j], vmulq_f32(n[j], vdupq_n_f32(TSAMP_EXP_C2))));
    EACH4(z[j] = vmulq_f32(r[j], r[j]));
    EACH4(y[j] = vaddq_f32(vmulq_f32(vdupq_n_f32(TSAMP_EXP_P0), r[j]), vdupq_n_f32(TSAMP_EXP_P1)));
    EACH4(y[j] = vaddq_f32(vmulq_f32(y[j], r[j]), vdupq_n_f32(TSAMP_EXP_P2)));
    EACH4(y[j] = vaddq_f32(vmulq_f32(y[j], r[j]), vdupq_n_f32(TSAMP_EXP_P3)));
    EACH4(y[j] = vaddq_f32(vmulq_f32(y[j], r[j]), vdupq_n_f32(TSAMP_EXP_P4)));
    EACH4(y[j] = vaddq_f32(vmulq_f32(y[j], r[j]), vdupq_n_f32(TSAMP_EXP_P5)));
    EACH4(y[j] = vaddq_f32(vmulq_f32(y[j], z[j]), r[j]));
    EACH4(y[j] = vaddq_f32(y[j], vdupq_n_f32(1.0f)));
    /* n is integral: fcvtzs truncates exactly; n >> 1 is an arithmetic shift, as in C */
    EACH4(n1[j] = vshrq_n_s32(vcvtq_s32_f32(n[j]), 1));
    EACH4(n2[j] = vsubq_s32(vcvtq_s32_f32(n[j]), n1[j]));
    EACH4(n1[j] = vshlq_n_s32(vaddq_s32(n1[j], bias), 23));
    EACH4(n2[j] = vshlq_n_s32(vaddq_s32(n2[j], bias), 23));
    EACH4(x[j] = vmulq_f32(vmulq_f32(y[j], vreinterpretq_f32_s32(n1[j])),
                           vreinterpretq_f32_s32(n2[j])));
}

/* The canonical fold of lanes 0-3, 4-7, 8-11, 12-15: l[j] += l[j+8], += l[j+4], += l[j+2],
 * l[0] += l[1], each with l[j] as the first operand like the scalar loop. */
static inline float fold16(float32x4_t a0, float32x4_t a1, float32x4_t a2, float32x4_t a3) {
    float32x4_t u = vaddq_f32(vaddq_f32(a0, a2), vaddq_f32(a1, a3));
    float32x2_t v = vadd_f32(vget_low_f32(u), vget_high_f32(u));
    return vget_lane_f32(v, 0) + vget_lane_f32(v, 1);
}

/* 4 bits per element of 16 compare results (element e at bits 4e .. 4e+3). */
static inline uint64_t nibbles16(uint32x4_t c0, uint32x4_t c1, uint32x4_t c2, uint32x4_t c3) {
    uint16x8_t c01 = vcombine_u16(vmovn_u32(c0), vmovn_u32(c1));
    uint16x8_t c23 = vcombine_u16(vmovn_u32(c2), vmovn_u32(c3));
    uint8x16_t c = vcombine_u8(vmovn_u16(c01), vmovn_u16(c23));
    return vget_lane_u64(vreinterpret_u64_u8(vshrn_n_u16(vreinterpretq_u16_u8(c), 4)), 0);
}

static inline uint32x4_t any4(uint32x4_t c0, uint32x4_t c1, uint32x4_t c2, uint32x4_t c3) {
    return vorrq_u32(vorrq_u32(c0, c1), vorrq_u32(c2, c3));
}

/* All-ones in the lanes j of a 4-lane group starting at `first` with first + j < r. */
static inline uint32x4_t lanes_below(uint32_t first, uint32_t r) {
    const uint32x4_t iota = {0, 1, 2, 3};
    return vcltq_u32(vaddq_u32(iota, vdupq_n_u32(first)), vdupq_n_u32(r));
}

/* k ? w : +0.0f, lane by lane */
static inline float32x4_t select_or_zero(uint32x4_t k, const float *w) {
    return vreinterpretq_f32_u32(vandq_u32(k, vreinterpretq_u32_f32(vld1q_f32(w))));
}

/* ---- kernels ------------------------------------------------------------------------------ */

static size_t neon_find_first(const float *x, size_t n, float v) {
    const float32x4_t vv = vdupq_n_f32(v);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        uint32x4_t c0 = vceqq_f32(vld1q_f32(x + i), vv), c1 = vceqq_f32(vld1q_f32(x + i + 4), vv);
        uint32x4_t c2 = vceqq_f32(vld1q_f32(x + i + 8), vv);
        uint32x4_t c3 = vceqq_f32(vld1q_f32(x + i + 12), vv);
        if (vmaxvq_u32(any4(c0, c1, c2, c3)))
            return i + (size_t)(__builtin_ctzll(nibbles16(c0, c1, c2, c3)) >> 2);
    }
    for (; i < n; i++)
        if (x[i] == v) return i;
    return n;
}

/*
 * The scalar loop keeps the first element that equals the maximum, so only the sign of a zero
 * maximum depends on the order; that case looks the first zero up. FMAX propagates NaN, so a
 * NaN anywhere shows in the result; NaN or +inf means bad input (an error path), and the scalar
 * kernel then gives its exact result, whatever it is.
 */
static int neon_max(const float *x, size_t n, float *max) {
    if (x[0] != x[0]) { /* the scalar maximum stays x[0] and the input is bad */
        *max = x[0];
        return 1;
    }
    const float32x4_t first = vdupq_n_f32(x[0]);
    float32x4_t a0 = first, a1 = first, a2 = first, a3 = first;
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        a0 = vmaxq_f32(a0, vld1q_f32(x + i));
        a1 = vmaxq_f32(a1, vld1q_f32(x + i + 4));
        a2 = vmaxq_f32(a2, vld1q_f32(x + i + 8));
        a3 = vmaxq_f32(a3, vld1q_f32(x + i + 12));
    }
    for (; i + 4 <= n; i += 4) a0 = vmaxq_f32(a0, vld1q_f32(x + i));
    if (i < n) { /* missing lanes read as x[0], which never raises a lane */
        float buf[4] = {x[0], x[0], x[0], x[0]};
        memcpy(buf, x + i, (n - i) * sizeof *x);
        a1 = vmaxq_f32(a1, vld1q_f32(buf));
    }
    float m = vmaxvq_f32(vmaxq_f32(vmaxq_f32(a0, a1), vmaxq_f32(a2, a3)));
    if (!(m < (float)INFINITY)) return tsamp_kernels_scalar.max(x, n, max);
    if (m == 0.0f) m = x[neon_find_first(x, n, 0.0f)];
    *max = m;
    return 0;
}

static double neon_sum_exp(const float *x, size_t n, float m, float s, float *blocks, float *w) {
    /* Scales that small (temperatures above ~1e30) need the overflow-safe distance: rare
     * enough for the scalar kernel, which gives the same bits. */
    if (s < TSAMP_SAFE_SCALE) return tsamp_kernels_scalar.sum_exp(x, n, m, s, blocks, w);
    const float32x4_t vm = vdupq_n_f32(m), vs = vdupq_n_f32(s);
    double total = 0.0;
    for (size_t b0 = 0, bi = 0; b0 < n; b0 += TSAMP_BLOCK, bi++) {
        const size_t len = n - b0 < TSAMP_BLOCK ? n - b0 : TSAMP_BLOCK;
        const float *xb = x + b0;
        float *wb = w ? w + b0 : NULL;
        float32x4_t a[4]; /* lanes 0-3, 4-7, 8-11, 12-15 */
        EACH4(a[j] = vdupq_n_f32(0.0f));
        size_t i = 0;
        for (; i + 16 <= len; i += 16) {
            float32x4_t e[4];
            EACH4(e[j] = vmulq_f32(vsubq_f32(vld1q_f32(xb + i + 4 * j), vm), vs));
            exp4x4(e);
            if (wb) EACH4(vst1q_f32(wb + i + 4 * j, e[j]));
            EACH4(a[j] = vaddq_f32(a[j], e[j]));
        }
        if (i < len) {
            /* The last 1..15 elements of the last block, through a padded copy. Missing
             * elements add +0.0f: a lane starts at +0 and never becomes -0, so adding +0
             * keeps its bits. */
            const uint32_t r = (uint32_t)(len - i);
            float buf[16] = {0};
            memcpy(buf, xb + i, r * sizeof *x);
            float32x4_t e[4];
            EACH4(e[j] = vmulq_f32(vsubq_f32(vld1q_f32(buf + 4 * j), vm), vs));
            exp4x4(e);
            EACH4(e[j] = vreinterpretq_f32_u32(
                      vandq_u32(vreinterpretq_u32_f32(e[j]), lanes_below(4u * (uint32_t)j, r))));
            if (wb) {
                EACH4(vst1q_f32(buf + 4 * j, e[j]));
                memcpy(wb + i, buf, r * sizeof *wb);
            }
            EACH4(a[j] = vaddq_f32(a[j], e[j]));
        }
        float bs = fold16(a[0], a[1], a[2], a[3]);
        if (blocks) blocks[bi] = bs;
        total += (double)bs;
    }
    return total;
}

static double neon_sum_ge(const float *w, const float *x, size_t n, float v, size_t *count) {
    const float32x4_t vv = vdupq_n_f32(v);
    double total = 0.0;
    size_t cnt = 0;
    for (size_t b0 = 0; b0 < n; b0 += TSAMP_BLOCK) {
        const size_t len = n - b0 < TSAMP_BLOCK ? n - b0 : TSAMP_BLOCK;
        const float *xb = x + b0, *wb = w + b0;
        float32x4_t a0 = vdupq_n_f32(0.0f), a1 = a0, a2 = a0, a3 = a0;
        uint32x4_t c = vdupq_n_u32(0); /* hits per lane: at most 64 per block */
        for (size_t i = 0; i < len; i += 16) {
            const float *xp = xb + i, *wp = wb + i;
            float xbuf[16], wbuf[16];
            if (len - i < 16) { /* NaN is never >= v: padding adds +0 and counts nothing */
                const size_t r = len - i;
                for (int j = 0; j < 16; j++) xbuf[j] = (float)NAN;
                memset(wbuf, 0, sizeof wbuf);
                memcpy(xbuf, xp, r * sizeof *x);
                memcpy(wbuf, wp, r * sizeof *w);
                xp = xbuf;
                wp = wbuf;
            }
            uint32x4_t k0 = vcgeq_f32(vld1q_f32(xp), vv), k1 = vcgeq_f32(vld1q_f32(xp + 4), vv);
            uint32x4_t k2 = vcgeq_f32(vld1q_f32(xp + 8), vv);
            uint32x4_t k3 = vcgeq_f32(vld1q_f32(xp + 12), vv);
            a0 = vaddq_f32(a0, select_or_zero(k0, wp));
            a1 = vaddq_f32(a1, select_or_zero(k1, wp + 4));
            a2 = vaddq_f32(a2, select_or_zero(k2, wp + 8));
            a3 = vaddq_f32(a3, select_or_zero(k3, wp + 12));
            /* a hit is all-ones: subtracting it counts one */
            c = vsubq_u32(vsubq_u32(c, k0), k1);
            c = vsubq_u32(vsubq_u32(c, k2), k3);
        }
        total += (double)fold16(a0, a1, a2, a3);
        cnt += vaddvq_u32(c);
    }
    *count = cnt;
    return total;
}

/* Writes base + the element of each set bit (bit 4e+3 for element e), increasing. */
static inline size_t emit_bits(int32_t *idx, size_t cnt, size_t cap, size_t base,
                               uint64_t bits) {
    if (cnt >= cap) return cnt + (size_t)__builtin_popcountll(bits);
    if (cap - cnt >= 16) { /* room for all: no bound check per element */
        for (; bits; bits &= bits - 1)
            idx[cnt++] = (int32_t)(base + (size_t)(__builtin_ctzll(bits) >> 2));
        return cnt;
    }
    for (; bits; bits &= bits - 1) {
        if (cnt < cap) idx[cnt] = (int32_t)(base + (size_t)(__builtin_ctzll(bits) >> 2));
        cnt++;
    }
    return cnt;
}

static size_t neon_compact_ge(const float *x, size_t n, float v, int32_t *idx, size_t cap) {
    const float32x4_t vv = vdupq_n_f32(v);
    size_t cnt = 0, i = 0;
    for (; i + 16 <= n; i += 16) {
        uint32x4_t c0 = vcgeq_f32(vld1q_f32(x + i), vv), c1 = vcgeq_f32(vld1q_f32(x + i + 4), vv);
        uint32x4_t c2 = vcgeq_f32(vld1q_f32(x + i + 8), vv);
        uint32x4_t c3 = vcgeq_f32(vld1q_f32(x + i + 12), vv);
        if (!vmaxvq_u32(any4(c0, c1, c2, c3))) continue; /* the usual case: few survivors */
        cnt = emit_bits(idx, cnt, cap, i, nibbles16(c0, c1, c2, c3) & 0x8888888888888888ull);
    }
    for (; i < n; i++) {
        if (x[i] >= v) {
            if (cnt < cap) idx[cnt] = (int32_t)i;
            cnt++;
        }
    }
    return cnt;
}

const tsamp_kernels tsamp_kernels_neon = {
    TSAMP_ISA_NEON, neon_max, neon_find_first, neon_sum_exp, neon_sum_ge, neon_compact_ge,
};

#else /* not aarch64: cpu.c reports the path as unavailable */

const tsamp_kernels tsamp_kernels_neon = {
    TSAMP_ISA_SCALAR, NULL, NULL, NULL, NULL, NULL,
};

#endif
