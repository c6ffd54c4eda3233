/* The long-double reference of the processors (see reference.h). libm is fine here: the
 * reference only has to be accurate, not bitwise reproducible. */
#include "reference.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define EPS 0x1p-24L    /* half an ulp of 1 in float: one float rounding, relative */
#define TINY 0x1p-147L  /* a few float subnormal steps: absolute slack for flushed values */
#define AMBIGUOUS 1e-5L /* decisions this close (relative) to a boundary go either way */

/* expl without libm's slow error path for results that under- or overflow long double (the
 * fuzzer makes many of those). */
long double ref_exp(long double x) {
    if (x < -11500.0L) return 0.0L;
    if (x > 11500.0L) return INFINITY;
    return expl(x);
}

/* Logit descending, id ascending. */
static int before(const float *x, int32_t a, int32_t b) {
    return x[a] > x[b] || (x[a] == x[b] && a < b);
}

/* Bottom-up merge sort of ids (a stable, obviously correct order; speed is secondary). */
static void sort_ids(const float *x, int32_t *ids, int32_t *tmp, size_t n) {
    for (size_t width = 1; width < n; width *= 2) {
        for (size_t lo = 0; lo < n; lo += 2 * width) {
            size_t mid = lo + width < n ? lo + width : n;
            size_t hi = lo + 2 * width < n ? lo + 2 * width : n;
            size_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi) tmp[k++] = before(x, ids[j], ids[i]) ? ids[j++] : ids[i++];
            while (i < mid) tmp[k++] = ids[i++];
            while (j < hi) tmp[k++] = ids[j++];
        }
        memcpy(ids, tmp, n * sizeof *ids);
    }
}

/* y and w for the current scale. */
static void rescale(ref_chain *r) {
    long double m = r->logits[r->order[0]];
    for (size_t i = 0; i < r->n; i++) {
        r->y[i] = ((long double)r->logits[r->order[i]] - m) * r->scale;
        r->w[i] = ref_exp(r->y[i]);
    }
}

int ref_init(ref_chain *r, const float *logits, size_t n_vocab) {
    memset(r, 0, sizeof *r);
    r->logits = logits;
    r->n_vocab = n_vocab;
    r->order = malloc(n_vocab * sizeof *r->order);
    int32_t *tmp = malloc(n_vocab * sizeof *tmp);
    r->y = malloc(n_vocab * sizeof *r->y);
    r->w = malloc(n_vocab * sizeof *r->w);
    if (!r->order || !tmp || !r->y || !r->w) {
        free(tmp);
        ref_free(r);
        return 0;
    }
    for (size_t i = 0; i < n_vocab; i++)
        if (logits[i] > -INFINITY) r->order[r->n++] = (int32_t)i;
    sort_ids(logits, r->order, tmp, r->n);
    free(tmp);
    r->lo = r->hi = r->n;
    r->exact_scale = r->scale = 1.0L;
    r->scale_f = 1.0f;
    rescale(r);
    return 1;
}

void ref_free(ref_chain *r) {
    free(r->order);
    free(r->y);
    free(r->w);
    r->order = NULL;
    r->y = r->w = NULL;
}

/* The float rounding of the scale (large once it is subnormal), plus 2^-24 for the double
 * product's own roundings. */
long double ref_scale_error(const ref_chain *r) {
    if (!(r->scale_f > 0.0f)) return 1.0L;
    return fabsl((long double)r->scale_f - r->scale) / r->scale + EPS;
}

static size_t min_z(size_t a, size_t b) { return a < b ? a : b; }
static size_t max_z(size_t a, size_t b) { return a > b ? a : b; }

/* t == 0: only the first candidate. Otherwise the scale is multiplied by 1/t and saturates at
 * FLT_MAX (tsamp.h); the library forms the product in double and rounds it to float. */
void ref_temperature(ref_chain *r, float t) {
    if (t == 1.0f || r->greedy) return;
    if (t == 0.0f) {
        r->greedy = 1;
        r->lo = r->hi = min_z(r->hi, 1);
        return;
    }
    r->exact_scale /= (long double)t;
    r->scale = fminl(r->exact_scale, FLT_MAX);
    r->scale_f = (float)r->scale;
    rescale(r);
}

void ref_top_k(ref_chain *r, int32_t k) {
    if (k <= 0) return;
    r->lo = min_z(r->lo, (size_t)k);
    r->hi = min_z(r->hi, (size_t)k);
}

/*
 * Bounds of the library's float weight of candidate i, from the steps tsamp.h describes:
 * y = fl(fl(x - max) * s) with s the float scale (relative error delta), then its exp (2 ulp;
 * 0 below -104; subnormal results rounded once, so 2^-149 absolute).
 */
static void weight_bounds(const ref_chain *r, size_t i, long double *lo, long double *hi) {
    long double delta = ref_scale_error(r) * (1 + 4 * EPS) + 3 * EPS;
    *lo = ref_exp(r->y[i] * (1 + delta)) * (1 - 6 * EPS) - TINY;
    *hi = ref_exp(r->y[i] * (1 - delta)) * (1 + 6 * EPS) + TINY;
    if (*lo < 0) *lo = 0;
}

static long double sum_w(const ref_chain *r, size_t len) {
    long double s = 0.0L;
    for (size_t i = 0; i < len; i++) s += r->w[i];
    return s;
}

/* Bound of |library's canonical float sum - exact sum| / exact sum for the first len weights:
 * the weights' own errors plus 16 float adds per lane and the 4-level fold (20 roundings). */
long double ref_sum_error(const ref_chain *r, size_t len) {
    long double total = sum_w(r, len), dev = 0.0L;
    for (size_t i = 0; i < len; i++) {
        long double lo, hi;
        weight_bounds(r, i, &lo, &hi);
        dev += fmaxl(hi - r->w[i], r->w[i] - lo);
    }
    return dev / total + 20 * EPS;
}

/* The shortest prefix of the first len candidates whose mass is >= q (len if none). */
static size_t mass_prefix(const ref_chain *r, size_t len, long double q) {
    long double total = sum_w(r, len), acc = 0.0L;
    for (size_t j = 0; j < len; j++) {
        acc += r->w[j];
        if (acc / total >= q) return j + 1;
    }
    return len;
}

/* Top-p: the shortest prefix whose mass is >= p, at least min(max(1, min_keep), len). The
 * kept length grows with the input length (a longer list spreads the mass), so the interval
 * ends come from the interval ends. */
void ref_top_p(ref_chain *r, float p, size_t min_keep) {
    if (p >= 1.0f) return;
    size_t need = max_z(1, min_keep);
    if (p <= 0.0f) {
        r->lo = min_z(r->lo, need);
        r->hi = min_z(r->hi, need);
        return;
    }
    long double tol_lo = AMBIGUOUS + 2 * ref_sum_error(r, r->lo);
    long double tol_hi = AMBIGUOUS + 2 * ref_sum_error(r, r->hi);
    size_t lo = max_z(mass_prefix(r, r->lo, (long double)p - tol_lo), min_z(need, r->lo));
    size_t hi = max_z(mass_prefix(r, r->hi, (long double)p + tol_hi), min_z(need, r->hi));
    r->lo = lo;
    r->hi = hi;
}

/* Min-p: prob >= p * max prob, i.e. y >= log p; the passing set is an upper set of logits,
 * so it is a prefix; below max(1, min_keep) passing, the top min_keep are kept. */
void ref_min_p(ref_chain *r, float p, size_t min_keep) {
    if (!(p > 0.0f)) return;
    size_t need = max_z(1, min_keep);
    long double lp = logl((long double)p);
    long double rel = AMBIGUOUS + ref_scale_error(r) + 4 * EPS;
    size_t sure = 0, maybe = 0;
    for (size_t i = 0; i < r->n; i++) {
        long double d = r->y[i] - lp;
        long double margin = rel * fmaxl(fabsl(r->y[i]), fabsl(lp)) + TINY;
        /* exactly on the boundary with no rounding at all (x == max, p == 1): passes */
        sure += d > margin || (d >= 0.0L && r->y[i] == 0.0L && lp == 0.0L);
        maybe += d >= -margin;
    }
    r->lo = max_z(min_z(sure, r->lo), min_z(need, r->lo));
    r->hi = max_z(min_z(maybe, r->hi), min_z(need, r->hi));
}

void ref_probs(const ref_chain *r, size_t len, long double *p, long double *tol) {
    long double total = sum_w(r, len), es = ref_sum_error(r, len);
    for (size_t i = 0; i < len; i++) {
        long double lo, hi;
        weight_bounds(r, i, &lo, &hi);
        p[i] = r->w[i] / total;
        /* the weight's interval over the sum's interval, then the division and rounding */
        long double below = es < 1 ? total * (1 - es) : 0.0L; /* 0: no bound (p_hi = inf) */
        long double p_hi = hi / below * (1 + 4 * EPS) + TINY;
        long double p_lo = lo / (total * (1 + es)) * (1 - 4 * EPS) - TINY;
        tol[i] = fmaxl(p_hi - p[i], p[i] - p_lo);
    }
}

long double ref_log_total(const ref_chain *r, size_t len) { return logl(sum_w(r, len)); }

long double ref_log_prob_tol(const ref_chain *r, long double log_total, long double sum_err,
                             size_t i) {
    long double v = r->y[i] - log_total;
    long double delta = ref_scale_error(r) * (1 + 4 * EPS) + 3 * EPS;
    /* y's rounding, the log of an inexact sum, the double subtraction and the float result */
    return fabsl(r->y[i]) * delta + 1.01L * sum_err + fabsl(v) * 2 * EPS + TINY;
}
