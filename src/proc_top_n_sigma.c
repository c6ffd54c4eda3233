/*
 * Top-n-sigma: keep logits >= max - n * sigma, sigma the population standard deviation of the
 * candidates' logits. Scale-invariant, so it is computed on the unscaled view values, in
 * double: two passes (mean, then squared deviations) with eight accumulators in a fixed order,
 * the same on every path; then a threshold in logit space, found by bisection on the value.
 */
#include <float.h>
#include <math.h>

#include "proc_shaping_internal.h"

enum { ACC = 8 };

/* Folds the accumulators in a fixed order. */
static double fold(const double *acc) {
    return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

/* Sums of d and d * d, d = x_i - center in double, over all n entries: eight accumulators
 * over fixed blocks (vectorized by compilers without changing a bit). Non-finite if some
 * entry is -inf; the tail goes to the accumulators in the same lane order. */
static void sums_dense(const float *restrict x, size_t n, double center, double *s1,
                       double *s2) {
    double a1[ACC] = {0}, a2[ACC] = {0};
    size_t i = 0;
    for (; i + ACC <= n; i += ACC) {
        for (size_t j = 0; j < ACC; j++) {
            double d = (double)x[i + j] - center;
            a1[j] += d;
            a2[j] += d * d;
        }
    }
    for (size_t j = 0; i < n; i++, j++) {
        double d = (double)x[i] - center;
        a1[j] += d;
        a2[j] += d * d;
    }
    *s1 = fold(a1);
    *s2 = fold(a2);
}

/* The same over the candidates only (entries above -inf), with their count: for dense views
 * that hold masked entries. */
static void sums_masked(const float *x, size_t n, double center, double *s1, double *s2,
                        size_t *count) {
    double a1[ACC] = {0}, a2[ACC] = {0};
    size_t cnt = 0;
    for (size_t i = 0; i < n; i++) {
        if (!(x[i] > -INFINITY)) continue;
        double d = (double)x[i] - center;
        a1[i % ACC] += d;
        a2[i % ACC] += d * d;
        cnt++;
    }
    *s1 = fold(a1);
    *s2 = fold(a2);
    *count = cnt;
}

/* Population standard deviation of the candidates' values (two passes: deviations from the
 * max give the mean, deviations from the mean the variance, corrected by their sum); 0 when
 * there are fewer than two candidates. */
static double sigma_of(const tsamp_view *v, size_t *count) {
    double m = (double)v->m, s1, s2;
    size_t cnt = v->n;
    sums_dense(v->x, v->n, m, &s1, &s2);
    int masked = !(s1 > -INFINITY); /* finite deviations sum to a finite value */
    if (masked) sums_masked(v->x, v->n, m, &s1, &s2, &cnt);
    *count = cnt;
    if (cnt <= 1) return 0.0;
    double mean = m + s1 / (double)cnt;
    if (masked)
        sums_masked(v->x, v->n, mean, &s1, &s2, &cnt);
    else
        sums_dense(v->x, v->n, mean, &s1, &s2);
    double var = (s2 - s1 * s1 / (double)cnt) / (double)cnt;
    return var > 0.0 ? sqrt(var) : 0.0;
}

typedef struct {
    double m, cut; /* keep (double)x - m >= cut */
} cutoff;

static int passes(float x, const void *ctx) {
    const cutoff *k = ctx;
    return (double)x - k->m >= k->cut;
}

static tsamp_status apply(tsamp_run *r, const tsamp_proc *p, void *state, float *hint) {
    (void)state, (void)hint;
    float nsig = p->u.top_n_sigma.n;
    if (!(nsig > 0.0f)) return TSAMP_OK;
    tsamp_view *v = &r->v;
    size_t cnt;
    double sigma = sigma_of(v, &cnt);
    if (cnt <= 1) return TSAMP_OK;
    /* sigma == 0: every candidate equals the max (n * sigma would be NaN for n = inf). */
    cutoff k = {(double)v->m, sigma > 0.0 ? -(double)nsig * sigma : 0.0};
    tsamp_shaping_keep_ge(r->c, v, tsamp_shaping_first_passing(v, passes, &k), 1);
    return TSAMP_OK;
}

const tsamp_proc_ops tsamp_ops_top_n_sigma = {.apply = apply};

tsamp_status tsamp_proc_top_n_sigma(tsamp_proc *out, float n) {
    if (n != n) return TSAMP_ERR_INVALID_PARAM;
    *out = tsamp_shaping_proc(TSAMP_PROC_TOP_N_SIGMA);
    out->u.top_n_sigma.n = n;
    return TSAMP_OK;
}

tsamp_status tsamp_chain_add_top_n_sigma(tsamp_chain *c, float n) {
    TSAMP_SHAPING_ADD(c, tsamp_proc_top_n_sigma(&proc_, n));
}
