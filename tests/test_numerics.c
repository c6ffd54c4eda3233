/* Public softmax / log_softmax / logsumexp against a long-double reference, and edge cases. */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "testutil.h"
#include "tsamp.h"

/* Reference: max subtracted, long double throughout. */
static long double ref_softmax(const float *x, size_t n, float t, long double *p) {
    long double m = -INFINITY, s = 0;
    for (size_t i = 0; i < n; i++) m = x[i] > m ? x[i] : m;
    for (size_t i = 0; i < n; i++) s += p[i] = expl(((long double)x[i] - m) / t);
    for (size_t i = 0; i < n; i++) p[i] /= s;
    return m / t + logl(s);
}

static void random_logits(tu_rng *r, float *x, size_t n, double sigma) {
    for (size_t i = 0; i < n; i++) x[i] = (float)(sigma * tu_normal(r));
    if (n > 4 && tu_below(r, 3) == 0) x[tu_below(r, n)] = -INFINITY;
}

/*
 * Error bounds from the arithmetic: the argument y = (x - m) * (1/t) takes three roundings
 * (the difference, 1/t and the product; relative 2^-24 each), which moves exp(y) by
 * 3 * |y| * 2^-24 relative; the library's exp adds at most 2 ulp; the normalisation is in
 * double, then one float rounding.
 */
static double prob_tol(long double pref, long double y) {
    return (double)pref * (4.0 * 0x1.0p-24 + (double)fabsl(y) * 3.0 * 0x1.0p-24) + 1e-44;
}

static void test_softmax_matches_reference(void) {
    tu_rng r = {1};
    static const float temps[] = {1.0f, 0.7f, 1.5f, 0.05f, 20.0f};
    size_t n_max = 5000;
    float *x = malloc(n_max * sizeof *x), *p = malloc(n_max * sizeof *p);
    long double *pr = malloc(n_max * sizeof *pr);
    double worst = 0; /* in units of the bound */
    for (int c = 0; c < 300; c++) {
        size_t n = 1 + tu_below(&r, c < 100 ? 20 : n_max);
        float t = temps[c % 5];
        random_logits(&r, x, n, 0.5 + 4.0 * tu_unif(&r));
        long double m = -INFINITY;
        for (size_t i = 0; i < n; i++) m = x[i] > m ? x[i] : m;
        ref_softmax(x, n, t, pr);
        CHECK(tsamp_softmax(x, n, t, p) == TSAMP_OK);
        double sum = 0;
        for (size_t i = 0; i < n; i++) {
            sum += p[i];
            if (x[i] == -INFINITY) {
                CHECK(p[i] == 0.0f);
                continue;
            }
            double err = fabs((double)p[i] - (double)pr[i]);
            double tol = prob_tol(pr[i], ((long double)x[i] - m) / t);
            if (err / tol > worst) worst = err / tol;
            CHECKF(err <= tol, "case %d n=%zu i=%zu: %.9g vs %.9Lg", c, n, i, p[i], pr[i]);
        }
        CHECKF(fabs(sum - 1.0) <= 1e-6, "case %d: sum %.9g", c, sum);
    }
    check_note("softmax: worst error %.3f of the bound (4 ulp + 3 |y| 2^-24 relative)", worst);
    free(x), free(p), free(pr);
}

static void test_log_softmax_and_logsumexp_match_reference(void) {
    tu_rng r = {2};
    size_t n_max = 3000;
    float *x = malloc(n_max * sizeof *x), *lp = malloc(n_max * sizeof *lp);
    long double *pr = malloc(n_max * sizeof *pr);
    for (int c = 0; c < 200; c++) {
        size_t n = 1 + tu_below(&r, n_max);
        float t = c % 2 ? 1.0f : 0.6f;
        random_logits(&r, x, n, 3.0);
        long double lse = ref_softmax(x, n, t, pr);
        CHECK(tsamp_log_softmax(x, n, t, lp) == TSAMP_OK);
        for (size_t i = 0; i < n; i++) {
            if (x[i] == -INFINITY) {
                CHECK(lp[i] == -INFINITY);
                continue;
            }
            long double ref = (long double)x[i] / t - lse;
            /* Rounding of x - m, of the scaled value and of the result: 3 ulp of each. */
            double tol = 3.0 * 0x1.0p-24 * (double)(fabsl(ref) + fabsl(lse) + 1.0L);
            CHECKF(fabs((double)lp[i] - (double)ref) <= tol, "case %d i=%zu: %.9g vs %.9Lg", c,
                   i, lp[i], ref);
            CHECK(lp[i] <= 0.0f);
        }
        float out;
        CHECK(tsamp_logsumexp(x, n, &out) == TSAMP_OK);
        long double lse1 = ref_softmax(x, n, 1.0f, pr);
        CHECKF(fabs((double)out - (double)lse1) <= 2.0 * 0x1.0p-24 * (double)(fabsl(lse1) + 1),
               "case %d: lse %.9g vs %.9Lg", c, out, lse1);
    }
    free(x), free(lp), free(pr);
}

static void test_extreme_values(void) {
    float p[4], lp[4], lse;
    const float huge[3] = {1e30f, -1e30f, 0.0f};
    CHECK(tsamp_softmax(huge, 3, 1.0f, p) == TSAMP_OK);
    CHECK(p[0] == 1.0f && p[1] == 0.0f && p[2] == 0.0f);
    const float twin[2] = {1e30f, 1e30f};
    CHECK(tsamp_softmax(twin, 2, 1.0f, p) == TSAMP_OK);
    CHECK(p[0] == 0.5f && p[1] == 0.5f);
    CHECK(tsamp_logsumexp(twin, 2, &lse) == TSAMP_OK && lse == 1e30f);
    const float neg[2] = {-1e30f, -1e30f};
    CHECK(tsamp_log_softmax(neg, 2, 1.0f, lp) == TSAMP_OK);
    CHECKF(fabsf(lp[0] + 0.69314718f) < 1e-7f, "%.9g", lp[0]);
    const float extremes[3] = {FLT_MAX, -FLT_MAX, 1.0f}; /* x - m overflows to -inf */
    CHECK(tsamp_softmax(extremes, 3, 1.0f, p) == TSAMP_OK);
    CHECK(p[0] == 1.0f && p[1] == 0.0f && p[2] == 0.0f);
    const float masked[4] = {-INFINITY, 2.0f, -INFINITY, 2.0f};
    CHECK(tsamp_softmax(masked, 4, 0.9f, p) == TSAMP_OK);
    CHECK(p[0] == 0.0f && p[2] == 0.0f && p[1] == 0.5f && p[3] == 0.5f);
    CHECK(tsamp_log_softmax(masked, 4, 0.9f, lp) == TSAMP_OK);
    CHECK(lp[0] == -INFINITY && lp[2] == -INFINITY);
    const float one[1] = {-3.5f};
    CHECK(tsamp_softmax(one, 1, 1.0f, p) == TSAMP_OK && p[0] == 1.0f);
    CHECK(tsamp_log_softmax(one, 1, 1.0f, lp) == TSAMP_OK && lp[0] == 0.0f);
    CHECK(tsamp_logsumexp(one, 1, &lse) == TSAMP_OK && lse == -3.5f);
    const float sub[2] = {1e-44f, -1e-44f}; /* subnormal logits are ordinary values */
    CHECK(tsamp_softmax(sub, 2, 1.0f, p) == TSAMP_OK && p[0] == 0.5f && p[1] == 0.5f);
}

static void test_all_equal(void) {
    size_t n = 1000;
    float *x = malloc(n * sizeof *x), *p = malloc(n * sizeof *p);
    for (size_t i = 0; i < n; i++) x[i] = 7.25f;
    CHECK(tsamp_softmax(x, n, 0.5f, p) == TSAMP_OK);
    for (size_t i = 0; i < n; i++) CHECKF(p[i] == 0.001f, "p[%zu] = %.9g", i, p[i]);
    free(x), free(p);
}

static void test_greedy_temperature(void) {
    const float x[5] = {1.0f, 3.0f, -INFINITY, 3.0f, 2.0f};
    float p[5], lp[5];
    CHECK(tsamp_softmax(x, 5, 0.0f, p) == TSAMP_OK);
    CHECK(p[1] == 1.0f && p[0] == 0.0f && p[3] == 0.0f && p[4] == 0.0f);
    CHECK(tsamp_log_softmax(x, 5, 0.0f, lp) == TSAMP_OK);
    CHECK(lp[1] == 0.0f && lp[0] == -INFINITY && lp[3] == -INFINITY);
    /* 1/t overflows: the scale saturates, the two maximal logits share equally. */
    CHECK(tsamp_softmax(x, 5, 1e-40f, p) == TSAMP_OK);
    CHECK(p[1] == 0.5f && p[3] == 0.5f && p[0] == 0.0f && p[2] == 0.0f && p[4] == 0.0f);
    CHECK(tsamp_log_softmax(x, 5, 1e-40f, lp) == TSAMP_OK);
    CHECK(lp[1] == -0.693147182f && lp[3] == lp[1] && lp[4] <= -FLT_MAX);
}

static void test_bad_input_statuses(void) {
    float x[3] = {0.0f, 1.0f, 2.0f}, out[3] = {42.0f, 42.0f, 42.0f}, lse = 42.0f;
    CHECK(tsamp_softmax(NULL, 3, 1.0f, out) == TSAMP_ERR_NULL);
    CHECK(tsamp_softmax(x, 3, 1.0f, NULL) == TSAMP_ERR_NULL);
    CHECK(tsamp_logsumexp(x, 3, NULL) == TSAMP_ERR_NULL);
    CHECK(tsamp_softmax(x, 0, 1.0f, out) == TSAMP_ERR_VOCAB);
    CHECK(tsamp_log_softmax(x, (size_t)INT32_MAX + 1, 1.0f, out) == TSAMP_ERR_VOCAB);
    CHECK(tsamp_softmax(x, 3, -1.0f, out) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_softmax(x, 3, NAN, out) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_log_softmax(x, 3, INFINITY, out) == TSAMP_ERR_INVALID_PARAM);
    x[1] = NAN;
    CHECK(tsamp_softmax(x, 3, 1.0f, out) == TSAMP_ERR_NONFINITE);
    CHECK(tsamp_logsumexp(x, 3, &lse) == TSAMP_ERR_NONFINITE);
    x[1] = INFINITY;
    CHECK(tsamp_log_softmax(x, 3, 1.0f, out) == TSAMP_ERR_NONFINITE);
    x[0] = x[1] = x[2] = -INFINITY;
    CHECK(tsamp_softmax(x, 3, 1.0f, out) == TSAMP_ERR_ALL_MASKED);
    CHECK(tsamp_logsumexp(x, 3, &lse) == TSAMP_ERR_ALL_MASKED);
    CHECK(out[0] == 42.0f && out[1] == 42.0f && out[2] == 42.0f && lse == 42.0f);
}

static void test_invariants(void) {
    tu_rng r = {3};
    size_t n = 70000; /* many blocks */
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y), *copy = malloc(n * sizeof *copy);
    float *p = malloc(n * sizeof *p), *q = malloc(n * sizeof *q), *lp = malloc(n * sizeof *lp);
    random_logits(&r, x, n, 3.0);
    memcpy(copy, x, n * sizeof *x);
    for (size_t i = 0; i < n; i++) y[i] = x[i] + 64.0f; /* exact: |x| < 64, step 2^-18 ok */
    CHECK(tsamp_softmax(x, n, 1.0f, p) == TSAMP_OK);
    CHECK(memcmp(copy, x, n * sizeof *x) == 0); /* the caller's logits are never written */
    CHECK(tsamp_softmax(y, n, 1.0f, q) == TSAMP_OK);
    double worst = 0, sum = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)p[i] - (double)q[i]);
        worst = d > worst ? d : worst;
        sum += p[i];
    }
    CHECKF(worst <= 1e-6, "softmax(x + c) differs by %.3g", worst);
    CHECKF(fabs(sum - 1.0) <= 1e-5, "sum %.9g", sum);
    CHECK(tsamp_log_softmax(x, n, 1.0f, lp) == TSAMP_OK);
    float lse;
    CHECK(tsamp_logsumexp(lp, n, &lse) == TSAMP_OK);
    CHECKF(fabsf(lse) <= 1e-5f, "logsumexp(log_softmax(x)) = %.9g", lse);
    /* In place gives the same bits as out of place. */
    memcpy(y, x, n * sizeof *x);
    CHECK(tsamp_softmax(y, n, 1.0f, y) == TSAMP_OK);
    CHECK(memcmp(y, p, n * sizeof *y) == 0);
    memcpy(y, x, n * sizeof *x);
    CHECK(tsamp_log_softmax(y, n, 1.0f, y) == TSAMP_OK);
    CHECK(memcmp(y, lp, n * sizeof *y) == 0);
    free(x), free(y), free(copy), free(p), free(q), free(lp);
}

void suite_numerics(void) {
    RUN(test_softmax_matches_reference);
    RUN(test_log_softmax_and_logsumexp_match_reference);
    RUN(test_extreme_values);
    RUN(test_all_equal);
    RUN(test_greedy_temperature);
    RUN(test_bad_input_statuses);
    RUN(test_invariants);
}
