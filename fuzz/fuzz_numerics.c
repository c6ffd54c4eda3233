/*
 * Fuzz target: tsamp_softmax, tsamp_log_softmax, tsamp_logsumexp.
 * Input: from the tail a temperature and a shift c (input.h), the rest is the logits.
 * Invariants:
 *  - status: INVALID_PARAM for t < 0 / NaN / +inf, NONFINITE exactly when a NaN/+inf logit
 *    is present, ALL_MASKED exactly when every logit is -inf (either, when both apply); the
 *    output untouched on an error; in place (out == logits) gives the same bits;
 *  - softmax: probabilities in [0, 1], exactly 0 for -inf, summing to 1 within 2^-19, each
 *    within the long-double reference's bound; one-hot on the first maximum at t == 0;
 *  - log_softmax: <= 0, exactly -inf for -inf, within the reference's bound; and
 *    logsumexp(log_softmax(x)) is 0 within the bound those errors allow;
 *  - logsumexp: within the reference's bound;
 *  - shift: when x + c is exact in float for every x, softmax and log_softmax of x + c have
 *    the bits of those of x (both subtract the max first, and (x + c) - (max + c) is exactly
 *    x - max), and logsumexp moves by c within 2 ulp;
 *  - tsamp_exp / tsamp_log of every logit (and of c): within 2 ulp / 1 ulp of long double
 *    exp / log where tsamp.h promises it, and the documented special values elsewhere.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "invariants.h"
#include "reference.h"

#define MAX_N 4096
#define SUM_BOUND 0x1p-19 /* as for the chain's distribution: the canonical sum's roundings */
#define EPS 0x1p-24L
#define SENTINEL 0x7fc0beefu /* a NaN payload the library never writes */

typedef struct {
    const float *x;
    size_t n;
    float t;
    tsamp_status want; /* from the logits alone (logsumexp has no temperature) */
} num_case;

/* The documented status; when the temperature and the logits are both bad either is fine. */
static void check_status(tsamp_status got, tsamp_status want, float t, const char *what) {
    int bad_t = !(t >= 0.0f) || t == INFINITY;
    if (bad_t && want != TSAMP_OK)
        FUZZ_CHECK(got == TSAMP_ERR_INVALID_PARAM || got == want, "%s: %s with t = %g", what,
                   tsamp_status_str(got), (double)t);
    else
        FUZZ_CHECK_STATUS(got, bad_t ? TSAMP_ERR_INVALID_PARAM : want, what);
}

static float *sentinel_copy(size_t n) {
    float *o = malloc(n * sizeof *o);
    if (!o) return NULL;
    float s;
    uint32_t u = SENTINEL;
    memcpy(&s, &u, sizeof s);
    for (size_t i = 0; i < n; i++) o[i] = s;
    return o;
}

static int untouched(const float *o, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (fuzz_bits(o[i]) != SENTINEL) return 0;
    return 1;
}

/* Index of every id in the reference order, for id -> candidate lookups. */
static int32_t *places(const ref_chain *r, size_t n) {
    int32_t *at = malloc(n * sizeof *at);
    if (!at) return NULL;
    for (size_t i = 0; i < n; i++) at[i] = -1;
    for (size_t i = 0; i < r->n; i++) at[r->order[i]] = (int32_t)i;
    return at;
}

static void check_softmax(const num_case *nc, const float *p, const ref_chain *r,
                          const int32_t *at) {
    long double *pr = malloc(r->n * sizeof *pr), *tol = malloc(r->n * sizeof *tol);
    if (!pr || !tol) goto done;
    ref_probs(r, r->n, pr, tol);
    long double sum = 0.0L;
    for (size_t i = 0; i < nc->n; i++) {
        if (at[i] < 0) {
            FUZZ_CHECK(fuzz_same_bits(p[i], 0.0f), "softmax: masked id %zu has %a", i,
                       (double)p[i]);
            continue;
        }
        size_t j = (size_t)at[i];
        FUZZ_CHECK(p[i] >= 0.0f && p[i] <= 1.0f, "softmax: id %zu has %a", i, (double)p[i]);
        if (nc->t == 0.0f)
            FUZZ_CHECK(p[i] == (j == 0 ? 1.0f : 0.0f),
                       "softmax t=0: id %zu (place %zu) has %g, want one-hot on id %ld", i, j,
                       (double)p[i], (long)r->order[0]);
        else
            FUZZ_CHECK(fabsl(p[i] - pr[j]) <= tol[j],
                       "softmax t=%g: id %zu has %.9g, reference %.12Lg (tolerance %.3Lg, scaled "
                       "distance %.9Lg)",
                       (double)nc->t, i, (double)p[i], pr[j], tol[j], r->y[j]);
        sum += p[i];
    }
    FUZZ_CHECK(fabsl(sum - 1.0L) <= SUM_BOUND, "softmax: sums to 1 %+Lg", sum - 1.0L);
done:
    free(pr);
    free(tol);
}

/* A float that should be `ref` within `tol`: -inf is right when ref - tol is past the float
 * range (the value itself overflows). */
static int near(float got, long double ref, long double tol) {
    if (got == -INFINITY) return ref - tol <= -(long double)FLT_MAX;
    return fabsl((long double)got - ref) <= tol;
}

static void check_log_softmax(const num_case *nc, const float *l, const ref_chain *r,
                              const int32_t *at) {
    long double lt = ref_log_total(r, r->n), es = ref_sum_error(r, r->n);
    long double lo = 0.0L, hi = 0.0L; /* sums of exp(reference -+ tolerance) */
    long double w = 0.0L, wd = 0.0L;  /* weights, and weights times distances from 0 */
    for (size_t i = 0; i < nc->n; i++) {
        if (at[i] < 0) {
            FUZZ_CHECK(l[i] == -INFINITY, "log_softmax: masked id %zu has %a", i, (double)l[i]);
            continue;
        }
        size_t j = (size_t)at[i];
        FUZZ_CHECK(l[i] <= 0.0f, "log_softmax: id %zu has %a > 0", i, (double)l[i]);
        if (nc->t == 0.0f) {
            FUZZ_CHECK(l[i] == (j == 0 ? 0.0f : -INFINITY), "log_softmax t=0: id %zu has %g", i,
                       (double)l[i]);
            continue;
        }
        long double ref = r->y[j] - lt, tol = ref_log_prob_tol(r, lt, es, j);
        FUZZ_CHECK(near(l[i], ref, tol),
                   "log_softmax t=%g: id %zu has %.9g, reference %.12Lg (tolerance %.3Lg)",
                   (double)nc->t, i, (double)l[i], ref, tol);
        long double e = ref_exp(ref);
        lo += ref_exp(ref - tol);
        hi += ref_exp(ref + tol);
        w += e;
        wd += e * fabsl(ref);
    }
    /* logsumexp(log_softmax(x)) = 0: within the interval the log-probabilities' errors give,
     * plus logsumexp's own rounding: its canonical sum, its rounded distances to the max
     * (weighted), and the float result. */
    float z;
    FUZZ_CHECK_STATUS(tsamp_logsumexp(l, nc->n, &z), TSAMP_OK, "logsumexp(log_softmax)");
    if (nc->t == 0.0f) lo = hi = w = 1.0L;
    long double slack = EPS * (64 + 4 * wd / w);
    FUZZ_CHECK(z >= logl(lo) - slack && z <= logl(hi) + slack,
               "logsumexp(log_softmax(x)) = %.9g, allowed [%.9Lg, %.9Lg]", (double)z,
               logl(lo) - slack, logl(hi) + slack);
}

static void check_logsumexp(const num_case *nc, float got) {
    ref_chain r;
    if (!ref_init(&r, nc->x, nc->n)) return;
    long double m = nc->x[r.order[0]];
    long double lt = ref_log_total(&r, r.n), ref = m + lt;
    /* log of the canonical sum (as for log_softmax), then the float rounding of m + log */
    long double tol = ref_log_prob_tol(&r, lt, ref_sum_error(&r, r.n), 0) + fabsl(ref) * 2 * EPS;
    FUZZ_CHECK(fabsl((long double)got - ref) <= tol,
               "logsumexp = %.9g, reference %.12Lg (tolerance %.3Lg)", (double)got, ref, tol);
    ref_free(&r);
}

/* x + c for every x, if every one of them is exact (TwoSum error 0) and finite; else NULL. */
static float *exact_shift(const float *x, size_t n, float c) {
    if (!isfinite(c)) return NULL;
    float *y = malloc(n * sizeof *y);
    if (!y) return NULL;
    for (size_t i = 0; i < n; i++) {
        if (x[i] == -INFINITY) {
            y[i] = x[i];
            continue;
        }
        volatile float s = x[i] + c; /* volatile: the float sum, never a wider one */
        float bb = s - x[i];
        float err = (x[i] - (s - bb)) + (c - bb);
        if (!isfinite(s) || err != 0.0f) {
            free(y);
            return NULL;
        }
        y[i] = s;
    }
    return y;
}

static void check_shift(const num_case *nc, float c, const float *p, const float *l, float lse) {
    float *y = exact_shift(nc->x, nc->n, c);
    float *p2 = malloc(nc->n * sizeof *p2), *l2 = malloc(nc->n * sizeof *l2);
    if (!y || !p2 || !l2) goto done;
    float lse2;
    FUZZ_CHECK_STATUS(tsamp_softmax(y, nc->n, nc->t, p2), TSAMP_OK, "softmax(x + c)");
    FUZZ_CHECK_STATUS(tsamp_log_softmax(y, nc->n, nc->t, l2), TSAMP_OK, "log_softmax(x + c)");
    FUZZ_CHECK_STATUS(tsamp_logsumexp(y, nc->n, &lse2), TSAMP_OK, "logsumexp(x + c)");
    for (size_t i = 0; i < nc->n; i++)
        FUZZ_CHECK(fuzz_same_bits(p[i], p2[i]) && fuzz_same_bits(l[i], l2[i]),
                   "shift by %a (exact): id %zu softmax %a -> %a, log_softmax %a -> %a", (double)c,
                   i, (double)p[i], (double)p2[i], (double)l[i], (double)l2[i]);
    /* both are one float rounding of the same real number minus c */
    long double want = (long double)lse + c;
    long double tol = 2 * EPS * (fabsl((long double)lse) + fabsl(want)) + 0x1p-149L;
    FUZZ_CHECK(fabsl((long double)lse2 - want) <= tol,
               "shift by %a (exact): logsumexp %.9g -> %.9g", (double)c, (double)lse, (double)lse2);
done:
    free(y);
    free(p2);
    free(l2);
}

/* |got - want| in units of the float spacing at want (subnormal spacing below FLT_MIN). */
static long double ulps(float got, long double want) {
    int e;
    frexpl(fabsl(want) < FLT_MIN ? (long double)FLT_MIN : want, &e);
    return fabsl((long double)got - want) / ldexpl(1.0L, e - 24);
}

static void check_exp_log(float x) {
    float e = tsamp_exp(x), l = tsamp_log(x);
    if (isnan(x)) {
        FUZZ_CHECK(isnan(e) && isnan(l), "exp/log(NaN) = %a / %a", (double)e, (double)l);
        return;
    }
    /* tsamp.h: +0 below -104, +inf above 88.72, at most 2 ulp over [-87.3, 88.7]; between
     * -104 and -87.3 the result is subnormal, rounded once (within one subnormal step). */
    if (x < -104.0f)
        FUZZ_CHECK(fuzz_same_bits(e, 0.0f), "exp(%a) = %a, want +0", (double)x, (double)e);
    else if (x > 88.72283f)
        FUZZ_CHECK(e == INFINITY, "exp(%a) = %a, want +inf", (double)x, (double)e);
    else if (x >= -87.3f && x <= 88.7f)
        FUZZ_CHECK(ulps(e, expl(x)) <= 2.0L, "exp(%a) = %a, %.3Lg ulp from %.12Lg", (double)x,
                   (double)e, ulps(e, expl(x)), expl(x));
    else if (x < -87.3f)
        FUZZ_CHECK(fabsl(e - expl(x)) <= 0x1p-149L + 4 * 0x1p-24L * expl(x),
                   "exp(%a) = %a, want %.12Lg", (double)x, (double)e, expl(x));
    /* log(+-0) = -inf, log(x < 0) = NaN, log(+inf) = +inf, else at most 1 ulp. */
    if (x == 0.0f)
        FUZZ_CHECK(l == -INFINITY, "log(%a) = %a, want -inf", (double)x, (double)l);
    else if (x < 0.0f)
        FUZZ_CHECK(isnan(l), "log(%a) = %a, want NaN", (double)x, (double)l);
    else if (x == INFINITY)
        FUZZ_CHECK(l == INFINITY, "log(+inf) = %a", (double)l);
    else
        FUZZ_CHECK(ulps(l, logl(x)) <= 1.0L, "log(%a) = %a, %.3Lg ulp from %.12Lg", (double)x,
                   (double)l, ulps(l, logl(x)), logl(x));
}

static void check_all(const num_case *nc, float c) {
    size_t n = nc->n;
    float *p = sentinel_copy(n), *l = sentinel_copy(n), *inplace = malloc(n * sizeof *inplace);
    if (!p || !l || !inplace) goto done;
    tsamp_status st = tsamp_softmax(nc->x, n, nc->t, p);
    check_status(st, nc->want, nc->t, "softmax");
    tsamp_status st_l = tsamp_log_softmax(nc->x, n, nc->t, l);
    FUZZ_CHECK(st_l == st, "log_softmax %s, softmax %s", tsamp_status_str(st_l),
               tsamp_status_str(st));
    float lse = -1.0f;
    tsamp_status st_e = tsamp_logsumexp(nc->x, n, &lse);
    FUZZ_CHECK_STATUS(st_e, nc->want, "logsumexp");
    if (st_e != TSAMP_OK) FUZZ_CHECK(lse == -1.0f, "logsumexp wrote its output on an error");
    if (st != TSAMP_OK) {
        FUZZ_CHECK(untouched(p, n) && untouched(l, n), "output written on %s",
                   tsamp_status_str(st));
        goto done;
    }
    memcpy(inplace, nc->x, n * sizeof *inplace);
    FUZZ_CHECK_STATUS(tsamp_softmax(inplace, n, nc->t, inplace), TSAMP_OK, "softmax in place");
    FUZZ_CHECK(memcmp(inplace, p, n * sizeof *p) == 0, "softmax in place differs");
    memcpy(inplace, nc->x, n * sizeof *inplace);
    FUZZ_CHECK_STATUS(tsamp_log_softmax(inplace, n, nc->t, inplace), TSAMP_OK,
                      "log_softmax in place");
    FUZZ_CHECK(memcmp(inplace, l, n * sizeof *l) == 0, "log_softmax in place differs");

    ref_chain r;
    if (ref_init(&r, nc->x, n)) {
        ref_temperature(&r, nc->t);
        int32_t *at = places(&r, n);
        if (at) {
            check_softmax(nc, p, &r, at);
            check_log_softmax(nc, l, &r, at);
        }
        free(at);
        ref_free(&r);
    }
    check_logsumexp(nc, lse);
    check_shift(nc, c, p, l, lse);
done:
    free(p);
    free(l);
    free(inplace);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_begin("numerics", size);
    fuzz_input in;
    fuzz_input_init(&in, data, size);
    num_case nc;
    nc.t = fuzz_take_temperature(&in);
    float c = fuzz_take_shift(&in);
    float *x = NULL;
    nc.n = fuzz_take_logits(&in, MAX_N, &x);
    if (nc.n == SIZE_MAX) return 0;
    if (nc.n == 0) { /* an empty vocabulary */
        float out[1] = {0.0f};
        FUZZ_CHECK_STATUS(tsamp_softmax(out, 0, 1.0f, out), TSAMP_ERR_VOCAB, "softmax(n 0)");
        FUZZ_CHECK_STATUS(tsamp_log_softmax(out, 0, 1.0f, out), TSAMP_ERR_VOCAB,
                          "log_softmax(n 0)");
        FUZZ_CHECK_STATUS(tsamp_logsumexp(out, 0, out), TSAMP_ERR_VOCAB, "logsumexp(n 0)");
        return 0;
    }
    nc.x = x;
    nc.want = fuzz_logits_status(x, nc.n);
    check_exp_log(c);
    for (size_t i = 0; i < nc.n && i < 256; i++) check_exp_log(x[i]);
    float *copy = malloc(nc.n * sizeof *copy);
    if (copy) memcpy(copy, x, nc.n * sizeof *copy);
    check_all(&nc, c);
    if (copy) FUZZ_CHECK(memcmp(copy, x, nc.n * sizeof *copy) == 0, "the logits were written");
    free(copy);
    free(x);
    return 0;
}
