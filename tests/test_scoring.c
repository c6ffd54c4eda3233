/*
 * Scoring (tsamp_nll, tsamp_entropy, tsamp_kl_divergence, the perplexity accumulator) against
 * long-double references, with error bounds derived from the library's arithmetic:
 *  - a weight is tsamp_exp_core(fl(fl(x - m) * s)), s = fl(1/t): the scaled logit is off by
 *    at most 3u |A| (A the exact (x - max) / t, u = 2^-24) and the exp by 2 ulp (4u), so
 *    log w_i = A_i + d_i with |d_i| <= D_i = (3 |A_i| + 4) u;
 *  - the scaled logits that enter sums directly are computed in double from the float
 *    logits: off by u |A| (the rounding of 1/t) and a few 2^-53;
 *  - NLL divides by the canonical total (float lanes: at most 19 roundings, 19u);
 *    entropy and KL sum in double in index order (n 2^-53 relative, terms of one sign).
 * A factor 1.01 covers second-order terms.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ref.h"
#include "testutil.h"
#include "tsamp.h"

#define NINF (-(float)INFINITY)
#define U REF_U
#define E53 0x1p-53

/* ---- references ------------------------------------------------------------------------- */

/* Scaled logits A = (x - max) / t (-inf for masked) and log Z = log sum exp A. */
static long double ref_scale(const float *x, size_t n, float t, long double *a) {
    float m = NINF;
    for (size_t i = 0; i < n; i++) m = x[i] > m ? x[i] : m;
    long double z = 0.0L;
    for (size_t i = 0; i < n; i++) {
        a[i] = x[i] == NINF ? -HUGE_VALL : ((long double)x[i] - (long double)m) / (long double)t;
        z += expl(a[i]);
    }
    return logl(z);
}

typedef struct {
    long double *a, *b;
    size_t n;
} scratch;

static int scratch_init(scratch *s, size_t n) {
    s->n = n;
    s->a = malloc(n * sizeof *s->a);
    s->b = malloc(n * sizeof *s->b);
    return s->a && s->b;
}

static void scratch_free(scratch *s) {
    free(s->a);
    free(s->b);
}

/* D_i of the header: the error of log w_i. */
static double dev(long double a) { return (3.0 * (double)fabsl(a) + 4.0) * U; }

/* Random logits: a normal bulk of spread sd, optional masked entries, optional ties. */
static void make_logits(float *x, size_t n, double sd, int masked, tu_rng *r) {
    for (size_t i = 0; i < n; i++) {
        double g = sd * tu_normal(r);
        if (i % 5 == 3) g = floor(g);
        x[i] = (float)g;
        if (masked && i % 29 == 11) x[i] = NINF;
    }
}

static const float TEMPS[] = {1.0f, 0.7f, 2.3f, 0.25f};
static const size_t SIZES[] = {1, 2, 17, 256, 1000, 32000};
#define N_TEMPS (sizeof TEMPS / sizeof TEMPS[0])
#define N_SIZES (sizeof SIZES / sizeof SIZES[0])

/* ---- NLL -------------------------------------------------------------------------------- */

static void test_scoring_nll_vs_reference(void) {
    double worst = 0.0, worst_err = 0.0;
    size_t cases = 0;
    tu_rng r = {11};
    for (size_t si = 0; si < N_SIZES; si++) {
        size_t n = SIZES[si];
        float *x = malloc(n * sizeof *x);
        scratch s = {NULL, NULL, 0};
        if (!x || !scratch_init(&s, n)) goto next;
        for (size_t ti = 0; ti < N_TEMPS; ti++) {
            for (int rep = 0; rep < 4; rep++) {
                make_logits(x, n, rep % 2 ? 1.0 : 6.0, rep >= 2 && n > 1, &r);
                long double lz = ref_scale(x, n, TEMPS[ti], s.a);
                long double abar = 0.0L;
                for (size_t i = 0; i < n; i++)
                    if (x[i] > NINF) abar += expl(s.a[i] - lz) * fabsl(s.a[i]);
                for (int k = 0; k < 8; k++) {
                    size_t tgt = tu_below(&r, n);
                    double got = -1.0;
                    CHECK(tsamp_nll(x, n, (int32_t)tgt, TEMPS[ti], &got) == TSAMP_OK);
                    if (x[tgt] == NINF) {
                        CHECK(got == INFINITY);
                        continue;
                    }
                    long double want = lz - s.a[tgt];
                    double err = fabs((double)((long double)got - want));
                    double bound = 1.01 * (U * (double)fabsl(s.a[tgt]) + 19.0 * U +
                                           4.0 * U + 3.0 * U * (double)abar) +
                                   0x1p-50 * (1.0 + (double)fabsl(want)) + 0x1p-140;
                    CHECKF(err <= bound, "n=%zu t=%g: nll %.17g, reference %.20Lg, error %.3g > "
                           "bound %.3g", n, (double)TEMPS[ti], got, want, err, bound);
                    CHECK(got >= 0.0);
                    worst = fmax(worst, err / bound);
                    worst_err = fmax(worst_err, err);
                    cases++;
                }
            }
        }
    next:
        free(x);
        scratch_free(&s);
    }
    check_note("%zu NLLs: max error %.3g, at most %.2f of the bound", cases, worst_err, worst);
}

/* Agrees with -tsamp_log_softmax up to that one's rounding to float; greedy and masked. */
static void test_scoring_nll_edges(void) {
    float x[5] = {0.5f, 2.0f, NINF, 2.0f, -1.0f};
    float ls[5];
    double v = -1.0;
    CHECK(tsamp_log_softmax(x, 5, 0.8f, ls) == TSAMP_OK);
    for (int32_t i = 0; i < 5; i++) {
        CHECK(tsamp_nll(x, 5, i, 0.8f, &v) == TSAMP_OK);
        if (i == 2) CHECK(v == INFINITY);
        else CHECKF(fabs(v + (double)ls[i]) <= 2.0 * U * fabs(v) + 1e-12, "%d: %.9g vs %.9g",
                    (int)i, v, -(double)ls[i]);
    }
    /* t == 0: the first maximal logit (id 1) has NLL 0, its tie and the rest +inf. */
    CHECK(tsamp_nll(x, 5, 1, 0.0f, &v) == TSAMP_OK && v == 0.0);
    CHECK(tsamp_nll(x, 5, 3, 0.0f, &v) == TSAMP_OK && v == INFINITY);
    CHECK(tsamp_nll(x, 5, 0, 1e-45f, &v) == TSAMP_OK && v == INFINITY); /* 1/t overflows */
    /* One token: certain. Uniform: log n exactly as tsamp_log computes it. */
    CHECK(tsamp_nll(x, 1, 0, 1.0f, &v) == TSAMP_OK && v == 0.0);
    float flat[1000];
    for (size_t i = 0; i < 1000; i++) flat[i] = 3.0f;
    CHECK(tsamp_nll(flat, 1000, 999, 1.0f, &v) == TSAMP_OK);
    CHECKF(fabs(v - log(1000.0)) <= 1e-15, "uniform: %.17g", v);
}

/* ---- entropy ---------------------------------------------------------------------------- */

static void test_scoring_entropy_vs_reference(void) {
    double worst = 0.0, worst_err = 0.0;
    size_t cases = 0;
    tu_rng r = {12};
    for (size_t si = 0; si < N_SIZES; si++) {
        size_t n = SIZES[si];
        float *x = malloc(n * sizeof *x);
        scratch s = {NULL, NULL, 0};
        if (!x || !scratch_init(&s, n)) goto next;
        for (size_t ti = 0; ti < N_TEMPS; ti++) {
            for (int rep = 0; rep < 6; rep++) {
                make_logits(x, n, rep % 3 == 0 ? 8.0 : rep % 3 == 1 ? 1.0 : 0.05, rep % 2 && n > 1, &r);
                long double lz = ref_scale(x, n, TEMPS[ti], s.a);
                long double h = 0.0L, dbar = 0.0L, e1 = 0.0L, e2 = 0.0L, abar = 0.0L;
                for (size_t i = 0; i < n; i++) {
                    if (x[i] == NINF) continue;
                    long double lp = s.a[i] - lz, p = expl(lp);
                    h -= p * lp;
                    dbar += p * dev(s.a[i]);
                    abar += p * fabsl(s.a[i]);
                }
                for (size_t i = 0; i < n; i++) {
                    if (x[i] == NINF) continue;
                    long double lp = s.a[i] - lz, p = expl(lp);
                    e1 += p * (dev(s.a[i]) + (U + 2 * E53) * fabsl(s.a[i]));
                    e2 += p * (dev(s.a[i]) + dbar) * fabsl(lp);
                }
                double got = -1.0;
                CHECK(tsamp_entropy(x, n, TEMPS[ti], &got) == TSAMP_OK);
                double err = fabs((double)((long double)got - h));
                double bound = 1.01 * (double)(e1 + e2) +
                               2.0 * (double)n * E53 * (1.0 + (double)abar) + 0x1p-50;
                CHECKF(err <= bound, "n=%zu t=%g: entropy %.17g, reference %.20Lg, error %.3g "
                       "> bound %.3g", n, (double)TEMPS[ti], got, h, err, bound);
                CHECK(got >= 0.0);
                worst = fmax(worst, err / bound);
                worst_err = fmax(worst_err, err);
                cases++;
            }
        }
    next:
        free(x);
        scratch_free(&s);
    }
    check_note("%zu entropies: max error %.3g, at most %.2f of the bound", cases, worst_err, worst);
}

static void test_scoring_entropy_edges(void) {
    float x[4] = {1.0f, NINF, NINF, NINF};
    double h = -1.0;
    CHECK(tsamp_entropy(x, 4, 1.0f, &h) == TSAMP_OK && h == 0.0); /* one candidate */
    float flat[300];
    for (size_t i = 0; i < 300; i++) flat[i] = -7.5f;
    CHECK(tsamp_entropy(flat, 300, 0.3f, &h) == TSAMP_OK);
    CHECKF(fabs(h - log(300.0)) <= 1e-15, "uniform: %.17g", h);
    flat[5] = 0.0f;
    CHECK(tsamp_entropy(flat, 300, 0.0f, &h) == TSAMP_OK && h == 0.0); /* greedy */
}

/* ---- KL --------------------------------------------------------------------------------- */

static void test_scoring_kl_vs_reference(void) {
    double worst = 0.0, worst_err = 0.0, smallest = HUGE_VAL;
    size_t cases = 0;
    tu_rng r = {13};
    for (size_t si = 0; si < N_SIZES; si++) {
        size_t n = SIZES[si];
        float *xp = malloc(n * sizeof *xp), *xq = malloc(n * sizeof *xq);
        scratch s = {NULL, NULL, 0};
        if (!xp || !xq || !scratch_init(&s, n)) goto next;
        for (size_t ti = 0; ti < N_TEMPS; ti++) {
            for (int rep = 0; rep < 6; rep++) {
                /* Q: P plus noise of decreasing size, down to near-identical; masked in P only. */
                double sd = rep < 3 ? 3.0 : 0.5, noise = rep % 3 == 0 ? 1.0 : rep % 3 == 1 ? 0.05 : 1e-4;
                make_logits(xp, n, sd, 0, &r);
                for (size_t i = 0; i < n; i++) xq[i] = (float)((double)xp[i] + noise * tu_normal(&r));
                if (rep % 2 && n > 2)
                    for (size_t i = 1; i < n; i += 7) xp[i] = NINF;
                long double lzp = ref_scale(xp, n, TEMPS[ti], s.a);
                long double lzq = ref_scale(xq, n, TEMPS[ti], s.b);
                long double kl = 0.0L, dbar = 0.0L;
                for (size_t i = 0; i < n; i++)
                    if (xp[i] > NINF) dbar += expl(s.a[i] - lzp) * dev(s.a[i]);
                long double e = 0.0L, absd = 0.0L;
                for (size_t i = 0; i < n; i++) {
                    long double lq = s.b[i] - lzq, q = expl(lq);
                    e += q * dev(s.b[i]);
                    if (xp[i] == NINF) continue;
                    long double lp = s.a[i] - lzp, p = expl(lp), d = s.a[i] - s.b[i];
                    kl += p * (lp - lq);
                    absd += p * fabsl(d);
                    e += p * (dev(s.a[i]) + dbar) * fabsl(lp - lq);
                    e += p * (dev(s.b[i]) + dev(s.a[i]) + dev(s.b[i]));
                    e += p * ((U + 2 * E53) * fabsl(d) + 2 * E53 * (fabsl(s.a[i]) + fabsl(s.b[i])));
                }
                double got = -1.0;
                CHECK(tsamp_kl_divergence(xp, xq, n, TEMPS[ti], &got) == TSAMP_OK);
                double err = fabs((double)((long double)got - kl));
                double bound = 1.01 * (double)e + 3.0 * (double)n * E53 * (1.0 + (double)absd) +
                               0x1p-50;
                CHECKF(err <= bound, "n=%zu t=%g noise %g: kl %.17g, reference %.20Lg, error %.3g "
                       "> bound %.3g", n, (double)TEMPS[ti], noise, got, kl, err, bound);
                CHECK(got >= 0.0);
                worst = fmax(worst, err / bound);
                worst_err = fmax(worst_err, err);
                if (kl > 0.0L) smallest = fmin(smallest, (double)kl);
                cases++;
            }
        }
    next:
        free(xp), free(xq);
        scratch_free(&s);
    }
    check_note("%zu divergences (smallest %.3g): max error %.3g, at most %.2f of the bound", cases,
               smallest, worst_err, worst);
}

static void test_scoring_kl_edges(void) {
    float p[6] = {1.0f, 2.0f, NINF, 0.0f, 2.0f, -3.0f};
    float q[6] = {0.5f, 2.5f, 1.0f, NINF, 2.5f, -3.0f};
    double v = -1.0;
    CHECK(tsamp_kl_divergence(p, p, 6, 0.9f, &v) == TSAMP_OK && v == 0.0); /* bitwise equal */
    /* Token 3 is possible under P, impossible under Q. */
    CHECK(tsamp_kl_divergence(p, q, 6, 1.0f, &v) == TSAMP_OK && v == INFINITY);
    /* The other way round, token 2 is the one. */
    CHECK(tsamp_kl_divergence(q, p, 6, 1.0f, &v) == TSAMP_OK && v == INFINITY);
    /* Masked in P only: contributes nothing, and KL is finite. */
    q[3] = 0.0f;
    CHECK(tsamp_kl_divergence(p, q, 6, 1.0f, &v) == TSAMP_OK && v > 0.0 && v < INFINITY);
    /* Greedy: first maxima are ids 1 and 1 (0), then 1 and 2 (+inf). */
    CHECK(tsamp_kl_divergence(p, q, 6, 0.0f, &v) == TSAMP_OK && v == 0.0);
    q[2] = 9.0f;
    CHECK(tsamp_kl_divergence(p, q, 6, 0.0f, &v) == TSAMP_OK && v == INFINITY);
    /* A shift of every logit changes nothing. */
    float p2[6];
    for (size_t i = 0; i < 6; i++) p2[i] = p[i] + 4.0f;
    CHECK(tsamp_kl_divergence(p, p2, 6, 1.3f, &v) == TSAMP_OK && v < 1e-6);
}

/* ---- perplexity ------------------------------------------------------------------------- */

static void test_scoring_perplexity_vs_reference(void) {
    enum { N = 500, STEPS = 2000 };
    float x[N];
    long double a[N];
    tu_rng r = {14};
    tsamp_perplexity acc;
    tsamp_perplexity_init(&acc);
    long double sum = 0.0L;
    double err_sum = 0.0;
    for (size_t step = 0; step < STEPS; step++) {
        make_logits(x, N, 2.0, 0, &r);
        size_t tgt = tu_below(&r, N);
        long double lz = ref_scale(x, N, 0.8f, a), abar = 0.0L;
        for (size_t i = 0; i < N; i++) abar += expl(a[i] - lz) * fabsl(a[i]);
        CHECK(tsamp_perplexity_add_logits(&acc, x, N, (int32_t)tgt, 0.8f) == TSAMP_OK);
        sum += lz - a[tgt];
        /* The NLL bound of test_scoring_nll_vs_reference, per step. */
        err_sum += 1.01 * (U * (double)fabsl(a[tgt]) + 23.0 * U + 3.0 * U * (double)abar) +
                   0x1p-50 * (1.0 + (double)(lz - a[tgt]));
    }
    double ppl = 0.0, mean = 0.0;
    CHECK(tsamp_perplexity_value(&acc, &ppl, &mean) == TSAMP_OK);
    long double want_mean = sum / STEPS, want = expl(want_mean);
    double mean_bound = err_sum / STEPS + 4.0 * E53 * (double)want_mean;
    double ppl_bound = (double)want * (mean_bound + 8.0 * E53); /* exp: relative error ~ the
                                                                   mean's absolute + 4 ulp */
    CHECKF(fabs((double)((long double)mean - want_mean)) <= mean_bound, "mean %.17g vs %.20Lg",
           mean, want_mean);
    CHECKF(fabs((double)((long double)ppl - want)) <= ppl_bound, "perplexity %.17g vs %.20Lg",
           ppl, want);
    check_note("%d steps: perplexity %.6f, error %.3g (bound %.3g)", STEPS, ppl,
               fabs((double)((long double)ppl - want)), ppl_bound);
}

/* The library's double exp (through the perplexity of a single step) against expl: the bound
 * is 4 double ulp (range reduction ~1, Taylor/Horner ~2, rounding 1). */
static void test_scoring_perplexity_exp_accuracy(void) {
    double worst = 0.0;
    tu_rng r = {15};
    for (int i = 0; i < 20000; i++) {
        double x = i < 10000 ? 709.78 * tu_unif(&r) : 5.0 * tu_unif(&r);
        if (i == 0) x = 0.0;
        if (i == 1) x = 709.782712893383973;
        tsamp_perplexity acc;
        tsamp_perplexity_init(&acc);
        double ppl = 0.0;
        CHECK(tsamp_perplexity_add(&acc, x) == TSAMP_OK);
        CHECK(tsamp_perplexity_value(&acc, &ppl, NULL) == TSAMP_OK);
        long double want = expl((long double)x);
        double rel = fabs((double)(((long double)ppl - want) / want)) / 0x1p-52;
        worst = fmax(worst, rel);
        CHECKF(rel <= 4.0, "exp(%.17g) = %.17g, want %.20Lg (%.2f ulp)", x, ppl, want, rel);
    }
    check_note("exp of the mean NLL: max error %.2f ulp over 20000 points", worst);
}

static void test_scoring_perplexity_edges(void) {
    tsamp_perplexity acc;
    double ppl = -1.0, mean = -1.0;
    tsamp_perplexity_init(&acc);
    tsamp_perplexity_init(NULL);
    CHECK(tsamp_perplexity_value(&acc, &ppl, &mean) == TSAMP_ERR_INVALID_PARAM && ppl == -1.0);
    CHECK(tsamp_perplexity_value(NULL, &ppl, &mean) == TSAMP_ERR_NULL);
    CHECK(tsamp_perplexity_add(NULL, 1.0) == TSAMP_ERR_NULL);
    CHECK(tsamp_perplexity_add(&acc, -1e-300) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_perplexity_add(&acc, NAN) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_perplexity_add(&acc, -INFINITY) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_perplexity_add(&acc, 0.0) == TSAMP_OK);
    CHECK(tsamp_perplexity_value(&acc, &ppl, &mean) == TSAMP_OK && ppl == 1.0 && mean == 0.0);
    CHECK(tsamp_perplexity_value(&acc, NULL, NULL) == TSAMP_OK);
    /* ln 2 twice: perplexity 2 (a coin). */
    tsamp_perplexity_init(&acc);
    CHECK(tsamp_perplexity_add(&acc, 0.69314718055994531) == TSAMP_OK);
    CHECK(tsamp_perplexity_add(&acc, 0.69314718055994531) == TSAMP_OK);
    CHECK(tsamp_perplexity_value(&acc, &ppl, NULL) == TSAMP_OK && fabs(ppl - 2.0) < 1e-15);
    /* A masked target: +inf, and it stays so. */
    float x[3] = {0.0f, NINF, 1.0f};
    CHECK(tsamp_perplexity_add_logits(&acc, x, 3, 1, 1.0f) == TSAMP_OK);
    CHECK(tsamp_perplexity_add(&acc, 1.0) == TSAMP_OK);
    CHECK(tsamp_perplexity_value(&acc, &ppl, &mean) == TSAMP_OK && ppl == INFINITY &&
          mean == INFINITY);
    /* exp overflows past log(DBL_MAX); sums of huge NLLs stay +inf. */
    tsamp_perplexity_init(&acc);
    CHECK(tsamp_perplexity_add(&acc, 710.0) == TSAMP_OK);
    CHECK(tsamp_perplexity_value(&acc, &ppl, NULL) == TSAMP_OK && ppl == INFINITY);
    CHECK(tsamp_perplexity_add(&acc, DBL_MAX) == TSAMP_OK && tsamp_perplexity_add(&acc, DBL_MAX) == TSAMP_OK);
    CHECK(tsamp_perplexity_value(&acc, &ppl, &mean) == TSAMP_OK && ppl == INFINITY && mean == INFINITY);
    /* Compensation: 1 + 1e6 tiny steps keeps the tiny ones. */
    tsamp_perplexity_init(&acc);
    CHECK(tsamp_perplexity_add(&acc, 1e8) == TSAMP_OK);
    for (int i = 0; i < 1000000; i++) tsamp_perplexity_add(&acc, 1e-9);
    CHECK(tsamp_perplexity_value(&acc, NULL, &mean) == TSAMP_OK);
    CHECKF(fabs(mean - (1e8 + 1e-3) / 1000001.0) <= 4e-16 * mean, "mean %.17g", mean);
    /* A failing add leaves the accumulator as it was. */
    tsamp_perplexity before = acc;
    CHECK(tsamp_perplexity_add_logits(&acc, x, 3, 3, 1.0f) == TSAMP_ERR_VOCAB);
    CHECK(memcmp(&before, &acc, sizeof acc) == 0);
}

/* ---- statuses --------------------------------------------------------------------------- */

static void test_scoring_statuses(void) {
    float x[3] = {0.0f, 1.0f, 2.0f}, y[3] = {1.0f, 1.0f, 1.0f};
    double v = 12345.0;
    CHECK(tsamp_nll(NULL, 3, 0, 1.0f, &v) == TSAMP_ERR_NULL);
    CHECK(tsamp_nll(x, 3, 0, 1.0f, NULL) == TSAMP_ERR_NULL);
    CHECK(tsamp_nll(x, 0, 0, 1.0f, &v) == TSAMP_ERR_VOCAB);
    CHECK(tsamp_nll(x, (size_t)INT32_MAX + 1, 0, 1.0f, &v) == TSAMP_ERR_VOCAB);
    CHECK(tsamp_nll(x, 3, 3, 1.0f, &v) == TSAMP_ERR_VOCAB);
    CHECK(tsamp_nll(x, 3, -1, 1.0f, &v) == TSAMP_ERR_VOCAB);
    CHECK(tsamp_nll(x, 3, 0, -1.0f, &v) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_nll(x, 3, 0, NAN, &v) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_nll(x, 3, 0, INFINITY, &v) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_entropy(NULL, 3, 1.0f, &v) == TSAMP_ERR_NULL);
    CHECK(tsamp_entropy(x, 3, 1.0f, NULL) == TSAMP_ERR_NULL);
    CHECK(tsamp_entropy(x, 0, 1.0f, &v) == TSAMP_ERR_VOCAB);
    CHECK(tsamp_entropy(x, 3, -0.5f, &v) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_kl_divergence(NULL, y, 3, 1.0f, &v) == TSAMP_ERR_NULL);
    CHECK(tsamp_kl_divergence(x, NULL, 3, 1.0f, &v) == TSAMP_ERR_NULL);
    CHECK(tsamp_kl_divergence(x, y, 3, 1.0f, NULL) == TSAMP_ERR_NULL);
    CHECK(tsamp_kl_divergence(x, y, 0, 1.0f, &v) == TSAMP_ERR_VOCAB);
    CHECK(tsamp_kl_divergence(x, y, 3, NAN, &v) == TSAMP_ERR_INVALID_PARAM);
    x[1] = NAN;
    CHECK(tsamp_nll(x, 3, 0, 1.0f, &v) == TSAMP_ERR_NONFINITE);
    CHECK(tsamp_entropy(x, 3, 1.0f, &v) == TSAMP_ERR_NONFINITE);
    CHECK(tsamp_kl_divergence(y, x, 3, 1.0f, &v) == TSAMP_ERR_NONFINITE);
    x[1] = INFINITY;
    CHECK(tsamp_nll(x, 3, 0, 0.0f, &v) == TSAMP_ERR_NONFINITE);
    CHECK(tsamp_kl_divergence(x, y, 3, 1.0f, &v) == TSAMP_ERR_NONFINITE);
    for (size_t i = 0; i < 3; i++) x[i] = NINF;
    CHECK(tsamp_nll(x, 3, 0, 1.0f, &v) == TSAMP_ERR_ALL_MASKED);
    CHECK(tsamp_entropy(x, 3, 1.0f, &v) == TSAMP_ERR_ALL_MASKED);
    CHECK(tsamp_kl_divergence(y, x, 3, 1.0f, &v) == TSAMP_ERR_ALL_MASKED);
    CHECK(tsamp_kl_divergence(x, y, 3, 1.0f, &v) == TSAMP_ERR_ALL_MASKED);
    CHECK(v == 12345.0);
}

void suite_scoring(void) {
    RUN(test_scoring_nll_vs_reference);
    RUN(test_scoring_nll_edges);
    RUN(test_scoring_entropy_vs_reference);
    RUN(test_scoring_entropy_edges);
    RUN(test_scoring_kl_vs_reference);
    RUN(test_scoring_kl_edges);
    RUN(test_scoring_perplexity_vs_reference);
    RUN(test_scoring_perplexity_exp_accuracy);
    RUN(test_scoring_perplexity_edges);
    RUN(test_scoring_statuses);
}
