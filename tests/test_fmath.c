/*
 * Accuracy of the library's own exp and log against long-double references (expl, logl), in
 * ulp of the exact result, over dense sweeps of float bit patterns and random points; the
 * special values; and that tsamp_exp_core (what the kernels use) equals the public tsamp_exp.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "fmath_internal.h"
#include "tsamp.h"

/* ---- helpers ------------------------------------------------------------------------------ */

static uint64_t rnext(uint64_t *s) { /* splitmix64 */
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double runif(uint64_t *s) { return (double)(rnext(s) >> 11) * 0x1.0p-53; }

static float fbits(uint32_t u) { return tsamp_f32_from_bits(u); }
static uint32_t bitsf(float f) { return tsamp_bits_from_f32(f); }

/* Where long double is quad precision it is done in software: sample more sparsely there. */
#if LDBL_MANT_DIG > 64
#define STRIDE_SCALE 16u
#else
#define STRIDE_SCALE 1u
#endif

/*
 * |got - exact| in units of the float ulp of the exact result: 2^(e - 24) for exact in
 * [2^(e-1), 2^e), and 2^-149 (the subnormal spacing) at least. A NaN or an infinity where the
 * exact value is finite counts as infinitely wrong.
 */
static double ulp_error(float got, long double exact) {
    if (exact == 0.0L) return got == 0.0f ? 0.0 : INFINITY;
    if (got != got || isinf(got)) return INFINITY;
    int e;
    (void)frexpl(fabsl(exact), &e);
    int ue = e - 24 < -149 ? -149 : e - 24;
    return (double)(fabsl((long double)got - exact) / ldexpl(1.0L, ue));
}

typedef struct {
    double max_err;
    float worst_x;
    size_t points, exact; /* exact: equal to the long double result rounded to float */
} accuracy;

static void account(accuracy *a, float x, float got, long double exact) {
    double err = ulp_error(got, exact);
    a->points++;
    a->exact += bitsf(got) == bitsf((float)exact);
    if (err > a->max_err || a->points == 1) {
        a->max_err = err;
        a->worst_x = x;
    }
}

static void exp_point(accuracy *a, float x) { account(a, x, tsamp_exp(x), expl((long double)x)); }

static void log_point(accuracy *a, float x) { account(a, x, tsamp_log(x), logl((long double)x)); }

/* Every stride-th float between lo and hi (same sign, |lo| <= |hi|), both ends included. */
static void sweep(accuracy *a, float lo, float hi, uint32_t stride,
                  void (*point)(accuracy *, float)) {
    uint32_t u0 = bitsf(lo), u1 = bitsf(hi);
    for (uint32_t u = u0; u <= u1 && u >= u0; u += stride) point(a, fbits(u));
    point(a, hi);
}

/* stride: of the sweep over float bit patterns; 0 for random points */
static void note_accuracy(const char *what, unsigned stride, const accuracy *a) {
    char label[128];
    if (stride)
        snprintf(label, sizeof label, "%s at a stride of %u", what, stride);
    else
        snprintf(label, sizeof label, "%s, random points", what);
    check_note("%s: max error %.3f ulp at x = %a (%.9g); %zu points, %.2f%% rounded like the "
               "reference",
               label, a->max_err, (double)a->worst_x, (double)a->worst_x, a->points,
               100.0 * (double)a->exact / (double)(a->points ? a->points : 1));
}

/* ---- exp ---------------------------------------------------------------------------------- */

static void test_fmath_exp_special(void) {
    CHECK(bitsf(tsamp_exp(0.0f)) == bitsf(1.0f));
    CHECK(bitsf(tsamp_exp(-0.0f)) == bitsf(1.0f));
    CHECK(bitsf(tsamp_exp(-(float)INFINITY)) == 0u); /* +0 */
    CHECK(bitsf(tsamp_exp(-1e30f)) == 0u);
    CHECK(bitsf(tsamp_exp(-200.0f)) == 0u);
    /* exp(-104) is below half the smallest subnormal: exact rounding gives +0 */
    CHECK(bitsf(tsamp_exp(-104.0f)) == bitsf((float)expl(-104.0L)));
    CHECK(bitsf(tsamp_exp(-104.0f)) == 0u);
    CHECK(tsamp_exp(89.0f) == (float)INFINITY);
    CHECK(tsamp_exp((float)INFINITY) == (float)INFINITY);
    CHECK(tsamp_exp(FLT_MAX) == (float)INFINITY);
    float nan = (float)NAN;
    CHECK(tsamp_exp(nan) != tsamp_exp(nan));
    CHECK(tsamp_exp(-nan) != tsamp_exp(-nan));
    CHECK(tsamp_exp(fbits(0x7fa00000u)) != tsamp_exp(fbits(0x7fa00000u))); /* signalling */
    CHECK(ulp_error(tsamp_exp(1.0f), expl(1.0L)) <= 1.0);
    CHECK(tsamp_exp(1e-30f) == 1.0f && tsamp_exp(-1e-30f) == 1.0f);
    /* Around ln(FLT_MAX) and around the smallest subnormal, +inf and 0 come exactly where the
     * correctly rounded result has them. */
    float top = 88.72283f;
    for (int k = -40; k <= 40; k++) {
        float x = fbits((uint32_t)((int32_t)bitsf(top) + k));
        float ref = (float)expl((long double)x);
        CHECKF(isinf(ref) == isinf(tsamp_exp(x)), "exp(%a): %a, reference %a", (double)x,
               (double)tsamp_exp(x), (double)ref);
    }
    float bottom = -103.972077f; /* ln(2^-150) */
    for (int k = -40; k <= 40; k++) {
        float x = fbits((uint32_t)((int32_t)bitsf(bottom) + k));
        float ref = (float)expl((long double)x);
        CHECKF((ref == 0.0f) == (tsamp_exp(x) == 0.0f), "exp(%a): %a, reference %a", (double)x,
               (double)tsamp_exp(x), (double)ref);
    }
}

/* Normal results: [-87.33, 88.72]. */
static void test_fmath_exp_accuracy(void) {
    accuracy dense = {0}, whole = {0}, rnd = {0};
    /* every 193rd float of [-20, 0] (about 5.7 million), then every 1021st of the whole range */
    const unsigned sd = 193u * STRIDE_SCALE, sw = 1021u * STRIDE_SCALE;
    sweep(&dense, -0.0f, -20.0f, sd, exp_point);
    sweep(&whole, -0.0f, -87.33f, sw, exp_point);
    sweep(&whole, 0.0f, 88.72f, sw, exp_point);
    uint64_t s = 0xe4e4u;
    for (size_t i = 0; i < 2000000 / STRIDE_SCALE; i++) {
        float x = (float)(-87.33 + runif(&s) * (88.72 + 87.33));
        if (x >= -87.33f && x <= 88.72f) exp_point(&rnd, x);
    }
    note_accuracy("exp, floats of [-20, 0]", sd, &dense);
    note_accuracy("exp, floats of [-87.33, 88.72]", sw, &whole);
    note_accuracy("exp, [-87.33, 88.72]", 0, &rnd);
    double worst = fmax(dense.max_err, fmax(whole.max_err, rnd.max_err));
    CHECKF(worst <= 2.0, "exp: %.3f ulp > 2 ulp", worst);
}

/* Subnormal results: every float of [-104, -87.33), in units of the subnormal spacing 2^-149. */
static void test_fmath_exp_accuracy_subnormal(void) {
    accuracy a = {0};
    sweep(&a, -87.33f, -104.0f, STRIDE_SCALE, exp_point);
    note_accuracy("exp (subnormal results), floats of [-104, -87.33]", STRIDE_SCALE, &a);
    /* one rounding of a result accurate to ~1 float ulp relative: at most ~0.5 + 2^-23 * 2^23 */
    CHECKF(a.max_err <= 1.0, "exp subnormal: %.3f ulp > 1 ulp", a.max_err);
}

/* The kernels use tsamp_exp_core directly; the public tsamp_exp must be the same function on
 * the kernels' domain. */
static void test_fmath_exp_core_matches_public(void) {
    size_t bad = 0, n = 0;
    float first_bad = 0.0f;
    static const float special[] = {0.0f,   -0.0f,          1e-30f, -1e-30f, -104.0f, 88.0f,
                                    88.72f, -(float)INFINITY, -1e30f, -105.0f, FLT_MIN, -FLT_MIN};
    for (size_t i = 0; i < sizeof special / sizeof special[0]; i++, n++) {
        float x = special[i];
        if (bitsf(tsamp_exp_core(x)) != bitsf(tsamp_exp(x)) && bad++ == 0) first_bad = x;
    }
    const uint32_t stride = 127u * STRIDE_SCALE;
    for (uint32_t u = bitsf(-0.0f); u <= bitsf(-104.0f); u += stride, n++) {
        float x = fbits(u);
        if (bitsf(tsamp_exp_core(x)) != bitsf(tsamp_exp(x)) && bad++ == 0) first_bad = x;
    }
    for (uint32_t u = 0; u <= bitsf(88.0f); u += stride, n++) {
        float x = fbits(u);
        if (bitsf(tsamp_exp_core(x)) != bitsf(tsamp_exp(x)) && bad++ == 0) first_bad = x;
    }
    uint64_t s = 0xc0e;
    for (size_t i = 0; i < 1000000; i++, n++) {
        float x = (float)(-104.0 + runif(&s) * 192.0);
        if (bitsf(tsamp_exp_core(x)) != bitsf(tsamp_exp(x)) && bad++ == 0) first_bad = x;
    }
    CHECKF(bad == 0, "tsamp_exp_core differs from tsamp_exp at %zu of %zu points, first %a", bad,
           n, (double)first_bad);
    check_note("tsamp_exp_core == tsamp_exp at %zu points of [-104, 88]", n);
}

/* ---- log ---------------------------------------------------------------------------------- */

static void test_fmath_log_special(void) {
    CHECK(bitsf(tsamp_log(1.0f)) == 0u);
    CHECK(tsamp_log(0.0f) == -(float)INFINITY);
    CHECK(tsamp_log(-0.0f) == -(float)INFINITY);
    float r = tsamp_log(-1.0f);
    CHECK(r != r);
    r = tsamp_log(-(float)INFINITY);
    CHECK(r != r);
    r = tsamp_log(-FLT_MIN);
    CHECK(r != r);
    r = tsamp_log((float)NAN);
    CHECK(r != r);
    CHECK(tsamp_log((float)INFINITY) == (float)INFINITY);
    CHECK(ulp_error(tsamp_log(FLT_MAX), logl((long double)FLT_MAX)) <= 1.0);
    CHECK(ulp_error(tsamp_log(FLT_MIN), logl((long double)FLT_MIN)) <= 1.0);
    CHECK(ulp_error(tsamp_log(fbits(1u)), logl((long double)fbits(1u))) <= 1.0);
    CHECK(ulp_error(tsamp_log(2.0f), logl(2.0L)) <= 1.0);
}

static void test_fmath_log_accuracy(void) {
    accuracy all = {0}, sub = {0}, near1 = {0}, rnd = {0};
    /* every 509th positive finite float, normal and subnormal; every 7th subnormal; every
     * float of [1 - 2^-8, 1 + 2^-8], where the result is small */
    const unsigned sa = 509u * STRIDE_SCALE, ss = 7u * STRIDE_SCALE, s1 = STRIDE_SCALE;
    sweep(&all, fbits(1u), FLT_MAX, sa, log_point);
    sweep(&sub, fbits(1u), fbits(0x007fffffu), ss, log_point);
    sweep(&near1, 1.0f - 0x1.0p-8f, 1.0f + 0x1.0p-8f, s1, log_point);
    uint64_t s = 0x106u;
    for (size_t i = 0; i < 2000000 / STRIDE_SCALE; i++) {
        uint32_t u = (uint32_t)rnext(&s) & 0x7fffffffu;
        if (u == 0 || u >= 0x7f800000u) continue;
        log_point(&rnd, fbits(u));
    }
    note_accuracy("log, positive floats", sa, &all);
    note_accuracy("log, subnormals", ss, &sub);
    note_accuracy("log, floats of [1 - 2^-8, 1 + 2^-8]", s1, &near1);
    note_accuracy("log, positive floats", 0, &rnd);
    double worst = fmax(fmax(all.max_err, sub.max_err), fmax(near1.max_err, rnd.max_err));
    CHECKF(worst <= 1.0, "log: %.3f ulp > 1 ulp", worst);
}

void suite_fmath(void) {
    RUN(test_fmath_exp_special);
    RUN(test_fmath_exp_accuracy);
    RUN(test_fmath_exp_accuracy_subnormal);
    RUN(test_fmath_exp_core_matches_public);
    RUN(test_fmath_log_special);
    RUN(test_fmath_log_accuracy);
}
