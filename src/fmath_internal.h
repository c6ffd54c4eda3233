/*
 * The library's own exp and the order-preserving float keys. Header-only so that the scalar
 * kernels, the sampler's walks and the public tsamp_exp share one definition; the SIMD kernels
 * repeat exactly this sequence of IEEE operations, lane by lane.
 */
#ifndef TSAMP_FMATH_INTERNAL_H
#define TSAMP_FMATH_INTERNAL_H

#include <math.h>
#include <stdint.h>
#include <string.h>

/* Cody-Waite split of ln 2 (Cephes): C1 has 9 significant bits, so n * C1 is exact. */
#define TSAMP_EXP_LO (-104.0f)        /* exp(-104) < 2^-150: rounds to +0 */
#define TSAMP_EXP_LOG2E 1.44269504088896341f
#define TSAMP_EXP_ROUND 12582912.0f   /* 1.5 * 2^23: adding it rounds to an integer */
#define TSAMP_EXP_C1 0.693359375f
#define TSAMP_EXP_C2 (-2.12194440e-4f)
#define TSAMP_EXP_P0 1.9875691500e-4f /* Cephes expf minimax coefficients */
#define TSAMP_EXP_P1 1.3981999507e-3f
#define TSAMP_EXP_P2 8.3334519073e-3f
#define TSAMP_EXP_P3 4.1665795894e-2f
#define TSAMP_EXP_P4 1.6666665459e-1f
#define TSAMP_EXP_P5 5.0000001201e-1f

static inline float tsamp_f32_from_bits(uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static inline uint32_t tsamp_bits_from_f32(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

/*
 * exp(x) for x in [-inf, 88.72] (not NaN). The scale 2^n is applied as two factors
 * 2^(n>>1) * 2^(n - (n>>1)), both normal, so subnormal results are rounded once.
 * x = 0 gives exactly 1.
 */
static inline float tsamp_exp_core(float x) {
    x = x > TSAMP_EXP_LO ? x : TSAMP_EXP_LO;
    float t = x * TSAMP_EXP_LOG2E + TSAMP_EXP_ROUND;
    float n = t - TSAMP_EXP_ROUND;
    float r = x - n * TSAMP_EXP_C1;
    r = r - n * TSAMP_EXP_C2;
    float z = r * r;
    float y = TSAMP_EXP_P0;
    y = y * r + TSAMP_EXP_P1;
    y = y * r + TSAMP_EXP_P2;
    y = y * r + TSAMP_EXP_P3;
    y = y * r + TSAMP_EXP_P4;
    y = y * r + TSAMP_EXP_P5;
    y = y * z + r;
    y = y + 1.0f;
    int32_t ni = (int32_t)n;
    int32_t n1 = ni >> 1; /* arithmetic shift: floor(n / 2) */
    int32_t n2 = ni - n1;
    float s1 = tsamp_f32_from_bits((uint32_t)(n1 + 127) << 23);
    float s2 = tsamp_f32_from_bits((uint32_t)(n2 + 127) << 23);
    return (y * s1) * s2;
}

/*
 * Below this scale x - m can overflow where (x - m) * s would not (logits near +-FLT_MAX of
 * opposite signs, temperatures above ~1e30); above it, an overflowed x - m gives weight 0
 * either way. Kernels take the slower, safe form only below it.
 */
#define TSAMP_SAFE_SCALE 0x1p-100f

/*
 * (x - m) * s, the scaled distance to the max that every weight is exp of, without the
 * overflow of x - m: then both are halved first (exact at that magnitude) and s doubled.
 */
static inline float tsamp_scaled_dist(float x, float m, float s) {
    float d = x - m;
    if (d == -INFINITY && x > -INFINITY) return (x * 0.5f - m * 0.5f) * (s * 2.0f);
    return d * s;
}

/* log of a positive finite double, IEEE operations only (src/fmath.c). */
double tsamp_log_d(double x);

/*
 * Order-preserving key: a < b (as floats, not NaN) iff key(a) < key(b); -0 and +0 share a key.
 */
static inline uint32_t tsamp_key(float x) {
    uint32_t u = x == 0.0f ? 0u : tsamp_bits_from_f32(x);
    return (u & 0x80000000u) ? ~u : (u | 0x80000000u);
}

static inline float tsamp_from_key(uint32_t k) {
    uint32_t u = (k & 0x80000000u) ? (k & 0x7fffffffu) : ~k;
    return tsamp_f32_from_bits(u);
}

#endif /* TSAMP_FMATH_INTERNAL_H */
