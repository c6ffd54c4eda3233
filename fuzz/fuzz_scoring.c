/*
 * Fuzz target: tsamp_nll, tsamp_entropy, tsamp_kl_divergence and the perplexity accumulator.
 * Input: from the tail a temperature, a target id (mostly in range; sometimes -1, n, ...),
 * how Q is made from P for KL (the same buffer, a copy, an exact shift, a rotation, a
 * reversed and scaled copy, P with tokens masked or unmasked), a perplexity sequence (targets
 * and raw NLL values: NaN, negative, -0, +inf, DBL_MAX, ...); the rest is the logits P.
 * Invariants:
 *  - statuses exactly as tsamp.h lists them (NULL, VOCAB for n 0 or a target outside 0..n-1,
 *    INVALID_PARAM for t < 0 / NaN / +inf, NONFINITE for a NaN/+inf logit, ALL_MASKED; any
 *    of them when several apply); *out untouched on an error;
 *  - NLL: +inf for a masked target; at t == 0 (or 1/t overflowing float) 0 for the first
 *    maximal logit and +inf otherwise; else finite, >= 0, within score_ref.h's bound of the
 *    long-double reference, and -tsamp_log_softmax[target] up to that one's float rounding;
 *  - entropy: 0 at t == 0; else finite, in [0, log(unmasked tokens)] and within the bound;
 *  - KL: +0 exactly for bitwise equal vectors; at t == 0, 0 or +inf by the first maxima; +inf
 *    when a token is masked in Q only; else finite, >= 0 and within the bound;
 *  - perplexity: add_logits adds what tsamp_nll gives (the same accumulator bits as add of
 *    that value); add refuses NaN and negative values; a refused step changes nothing; value
 *    is INVALID_PARAM before any step, else the compensated mean within a few double ulp of
 *    the exact mean of the added values, and exp of it within 4 ulp (+inf with a +inf step
 *    or past log(DBL_MAX)), >= 1;
 *  - ISA paths: the public functions take the process's default path, so the kernel calls
 *    they make (max, find_first, sum_exp and its block weights, at their scale) are compared
 *    with the scalar ones bitwise on every other available path.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "invariants.h"
#include "score_ref.h"
#include "tsamp_internal.h"

#define MAX_N 4096
#define MAX_STEPS 32
#define MAX_RAW 4
#define SENTINEL (-12345.0)
#define U 0x1p-24L

typedef struct {
    const float *p, *q;
    size_t n;
    float t;
    int bad_t, greedy;
    tsamp_status st_p, st_q; /* fuzz_logits_status of each vector */
    int64_t target;
} score_case;

/* Q from P (score_case's header comment); NULL for "P itself" (the caller uses P). */
static float *make_q(const float *p, size_t n, uint8_t mode, uint16_t arg) {
    float *q = malloc(n * sizeof *q);
    if (!q) return NULL;
    memcpy(q, p, n * sizeof *q);
    switch (mode % 7) {
    case 2: { /* a shift: exact or not, KL should be ~0 either way where finite */
        float c = (float)(int16_t)arg / 64.0f;
        for (size_t i = 0; i < n; i++) q[i] = p[i] + c;
        break;
    }
    case 3: /* rotated */
        for (size_t i = 0; i < n; i++) q[i] = p[(i + arg) % n];
        break;
    case 4: { /* reversed and scaled */
        float *w = fuzz_warm_logits(p, n, (uint8_t)arg);
        if (w) memcpy(q, w, n * sizeof *q);
        free(w);
        break;
    }
    case 5: /* masked in Q: every (arg % 5 + 2)-th token */
        for (size_t i = arg % 3; i < n; i += arg % 5 + 2) q[i] = -INFINITY;
        break;
    case 6: /* unmasked in Q where P is masked */
        for (size_t i = 0; i < n; i++)
            if (p[i] == -INFINITY) q[i] = (float)(arg % 64) - 40.0f;
        break;
    default: break; /* 1: a bitwise copy */
    }
    return q;
}

/* Status rule: OK when no error applies, else one of the errors that apply. */
static void check_status(tsamp_status got, const tsamp_status *errs, size_t n_errs,
                         const char *what) {
    if (n_errs == 0) {
        FUZZ_CHECK_STATUS(got, TSAMP_OK, what);
        return;
    }
    int ok = 0;
    for (size_t i = 0; i < n_errs; i++) ok |= got == errs[i];
    FUZZ_CHECK(ok, "%s: %s, expected %s%s", what, tsamp_status_str(got), tsamp_status_str(errs[0]),
               n_errs > 1 ? " or another applicable error" : "");
}

/* The errors of the common statuses for one logit vector. */
static size_t common_errors(const score_case *sc, tsamp_status st_logits, tsamp_status *errs) {
    size_t k = 0;
    if (sc->bad_t) errs[k++] = TSAMP_ERR_INVALID_PARAM;
    if (st_logits != TSAMP_OK) errs[k++] = st_logits;
    return k;
}

static size_t first_max(const float *x, size_t n) {
    size_t b = 0;
    for (size_t i = 1; i < n; i++)
        if (x[i] > x[b]) b = i;
    return b;
}

static size_t unmasked(const float *x, size_t n) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += x[i] > -INFINITY;
    return k;
}

/* ---- NLL --------------------------------------------------------------------------------- */

/* -log_softmax[target] agrees up to its float evaluation: two float roundings of the scaled
 * logit (|A| ulp each) and the float result. */
static void check_nll_vs_log_softmax(const score_case *sc, size_t tgt, double v, long double a) {
    float *ls = malloc(sc->n * sizeof *ls);
    if (!ls) return;
    FUZZ_CHECK_STATUS(tsamp_log_softmax(sc->p, sc->n, sc->t, ls), TSAMP_OK, "log_softmax");
    long double got = -(long double)ls[tgt];
    if (ls[tgt] == -INFINITY)
        FUZZ_CHECK(v >= (double)FLT_MAX * (1 - 0x1p-22), "nll %.17g, log_softmax -inf", v);
    else
        FUZZ_CHECK(fabsl(got - v) <= 3 * U * fabsl(a) + 2 * U * fabsl(got) + 0x1p-140L,
                   "t=%a target %zu: nll %.17g, -log_softmax %.9Lg", (double)sc->t, tgt, v, got);
    free(ls);
}

/* tsamp_nll of one target; returns its status (value in *out when OK). */
static tsamp_status check_nll(const score_case *sc, int64_t target, double *out) {
    tsamp_status errs[3];
    size_t k = common_errors(sc, sc->st_p, errs);
    int in_range = target >= 0 && (uint64_t)target < sc->n;
    if (!in_range) errs[k++] = TSAMP_ERR_VOCAB;
    double v = SENTINEL;
    tsamp_status st = tsamp_nll(sc->p, sc->n, (int32_t)target, sc->t, &v);
    check_status(st, errs, k, "nll");
    if (st != TSAMP_OK) {
        FUZZ_CHECK(v == SENTINEL, "nll wrote its output on %s", tsamp_status_str(st));
        return st;
    }
    size_t tgt = (size_t)target;
    *out = v;
    if (sc->p[tgt] == -INFINITY) {
        FUZZ_CHECK(v == INFINITY, "nll of masked target %zu: %.17g", tgt, v);
    } else if (sc->greedy) {
        double want = tgt == first_max(sc->p, sc->n) ? 0.0 : INFINITY;
        FUZZ_CHECK(v == want, "nll t=%a target %zu: %.17g, want %g", (double)sc->t, tgt, v, want);
    } else {
        score_ref r;
        if (!score_ref_init(&r, sc->p, sc->n, sc->t)) return st;
        long double bound, want = score_ref_nll(&r, tgt, &bound);
        FUZZ_CHECK(isfinite(v) && v >= 0.0 && fabsl(v - want) <= bound,
                   "nll t=%a target %zu: %.17g, reference %.20Lg (bound %.3Lg)", (double)sc->t,
                   tgt, v, want, bound);
        check_nll_vs_log_softmax(sc, tgt, v, r.a[tgt]);
        score_ref_free(&r);
    }
    return st;
}

/* ---- entropy and KL ---------------------------------------------------------------------- */

static void check_entropy(const score_case *sc) {
    tsamp_status errs[2];
    size_t k = common_errors(sc, sc->st_p, errs);
    double h = SENTINEL;
    tsamp_status st = tsamp_entropy(sc->p, sc->n, sc->t, &h);
    check_status(st, errs, k, "entropy");
    if (st != TSAMP_OK) {
        FUZZ_CHECK(h == SENTINEL, "entropy wrote its output on %s", tsamp_status_str(st));
        return;
    }
    if (sc->greedy) {
        FUZZ_CHECK(h == 0.0, "entropy t=%a: %.17g, want 0", (double)sc->t, h);
        return;
    }
    score_ref r;
    if (!score_ref_init(&r, sc->p, sc->n, sc->t)) return;
    long double bound, want = score_ref_entropy(&r, &bound);
    long double top = logl((long double)unmasked(sc->p, sc->n)) + bound;
    FUZZ_CHECK(isfinite(h) && h >= 0.0 && h <= top && fabsl(h - want) <= bound,
               "entropy t=%a: %.17g, reference %.20Lg (bound %.3Lg, log n %.9Lg)",
               (double)sc->t, h, want, bound, top - bound);
    score_ref_free(&r);
}

static void check_kl(const score_case *sc) {
    tsamp_status errs[3];
    size_t k = common_errors(sc, sc->st_p, errs);
    if (sc->st_q != TSAMP_OK && sc->st_q != sc->st_p) errs[k++] = sc->st_q;
    double v = SENTINEL;
    tsamp_status st = tsamp_kl_divergence(sc->p, sc->q, sc->n, sc->t, &v);
    check_status(st, errs, k, "kl");
    if (st != TSAMP_OK) {
        FUZZ_CHECK(v == SENTINEL, "kl wrote its output on %s", tsamp_status_str(st));
        return;
    }
    int masked_in_q_only = 0;
    for (size_t i = 0; i < sc->n; i++) masked_in_q_only |= sc->p[i] > -INFINITY && sc->q[i] == -INFINITY;
    if (sc->p == sc->q || memcmp(sc->p, sc->q, sc->n * sizeof *sc->p) == 0) {
        FUZZ_CHECK(v == 0.0 && !signbit(v), "kl of equal vectors: %a", v);
    } else if (sc->greedy) {
        double want = first_max(sc->p, sc->n) == first_max(sc->q, sc->n) ? 0.0 : INFINITY;
        FUZZ_CHECK(v == want, "kl t=%a: %.17g, want %g", (double)sc->t, v, want);
    } else if (masked_in_q_only) {
        FUZZ_CHECK(v == INFINITY, "kl with a token masked in Q only: %.17g", v);
    } else {
        score_ref rp, rq;
        int okp = score_ref_init(&rp, sc->p, sc->n, sc->t);
        if (okp && score_ref_init(&rq, sc->q, sc->n, sc->t)) {
            long double bound, want = score_ref_kl(&rp, &rq, &bound);
            FUZZ_CHECK(isfinite(v) && v >= 0.0 && fabsl(v - want) <= bound,
                       "kl t=%a: %.17g, reference %.20Lg (bound %.3Lg)", (double)sc->t, v, want,
                       bound);
            score_ref_free(&rq);
        }
        if (okp) score_ref_free(&rp);
    }
}

/* ---- perplexity -------------------------------------------------------------------------- */

typedef struct {
    tsamp_perplexity acc, mirror; /* mirror: the same values through tsamp_perplexity_add */
    long double sum;              /* exact enough: 64-bit mantissa over <= 36 terms */
    uint64_t n, n_inf;
} ppl_run;

static void ppl_add_raw(ppl_run *pr, double v) {
    tsamp_perplexity before = pr->acc;
    tsamp_status st = tsamp_perplexity_add(&pr->acc, v);
    int bad = isnan(v) || v < 0.0; /* -0.0 is not negative */
    FUZZ_CHECK_STATUS(st, bad ? TSAMP_ERR_INVALID_PARAM : TSAMP_OK, "perplexity_add");
    if (bad) {
        FUZZ_CHECK(memcmp(&before, &pr->acc, sizeof before) == 0, "a refused add changed acc");
        return;
    }
    FUZZ_CHECK_STATUS(tsamp_perplexity_add(&pr->mirror, v), TSAMP_OK, "perplexity_add (mirror)");
    pr->n++;
    if (v == INFINITY) pr->n_inf++;
    else pr->sum += v;
}

static void ppl_add_logits(ppl_run *pr, const score_case *sc, int64_t target) {
    tsamp_perplexity before = pr->acc;
    double nll = -1.0;
    tsamp_status want = check_nll(sc, target, &nll);
    tsamp_status st = tsamp_perplexity_add_logits(&pr->acc, sc->p, sc->n, (int32_t)target, sc->t);
    FUZZ_CHECK(st == want, "perplexity_add_logits: %s, tsamp_nll %s", tsamp_status_str(st),
               tsamp_status_str(want));
    if (st != TSAMP_OK) {
        FUZZ_CHECK(memcmp(&before, &pr->acc, sizeof before) == 0, "a refused step changed acc");
        return;
    }
    FUZZ_CHECK_STATUS(tsamp_perplexity_add(&pr->mirror, nll), TSAMP_OK, "perplexity_add (mirror)");
    FUZZ_CHECK(memcmp(&pr->mirror, &pr->acc, sizeof pr->acc) == 0,
               "add_logits did not add tsamp_nll's %.17g", nll);
    pr->n++;
    if (nll == INFINITY) pr->n_inf++;
    else pr->sum += nll;
}

static void ppl_check_value(const ppl_run *pr) {
    double ppl = SENTINEL, mean = SENTINEL, ppl2 = SENTINEL;
    tsamp_status st = tsamp_perplexity_value(&pr->acc, &ppl, &mean);
    FUZZ_CHECK_STATUS(st, pr->n ? TSAMP_OK : TSAMP_ERR_INVALID_PARAM, "perplexity_value");
    if (st != TSAMP_OK) {
        FUZZ_CHECK(ppl == SENTINEL && mean == SENTINEL, "perplexity_value wrote on an error");
        return;
    }
    FUZZ_CHECK_STATUS(tsamp_perplexity_value(&pr->acc, &ppl2, NULL), TSAMP_OK, "value(mean NULL)");
    FUZZ_CHECK(memcmp(&ppl, &ppl2, sizeof ppl) == 0, "perplexity %a, then %a", ppl, ppl2);
    FUZZ_CHECK_STATUS(tsamp_perplexity_value(&pr->acc, NULL, NULL), TSAMP_OK, "value(NULL, NULL)");
    if (pr->n_inf) {
        FUZZ_CHECK(ppl == INFINITY && mean == INFINITY, "a +inf step: perplexity %g mean %g", ppl,
                   mean);
        return;
    }
    long double want = pr->sum / (long double)pr->n;
    /* Neumaier's sum of non-negative terms (2 ulp of the sum) and the division (1 ulp) */
    if (mean == INFINITY)
        FUZZ_CHECK(pr->sum >= (long double)DBL_MAX * (1 - 0x1p-50L), "mean +inf, sum %.20Lg", pr->sum);
    else
        FUZZ_CHECK(fabsl(mean - want) <= 4 * 0x1p-53L * want + 0x1p-1070L,
                   "mean %.17g, exact %.20Lg over %llu steps", mean, want,
                   (unsigned long long)pr->n);
    long double e = expl((long double)mean); /* exp of the library's own mean: 4 ulp */
    if (ppl == INFINITY)
        FUZZ_CHECK(e >= (long double)DBL_MAX * (1 - 0x1p-50L), "perplexity +inf, exp(%.17g)", mean);
    else
        FUZZ_CHECK(ppl >= 1.0 && fabsl(ppl - e) <= 4 * 0x1p-52L * e,
                   "perplexity %.17g, exp(%.17g) = %.20Lg", ppl, mean, e);
}

static double take_raw_nll(fuzz_input *in) {
    static const double edge[] = {NAN, -1.0, -0.0, 0.0, INFINITY, -INFINITY, DBL_MAX, 1e300,
                                  0x1p-1074, 709.0, 710.0, 0.6931471805599453};
    uint8_t sel = fuzz_take_u8(in);
    if (sel % 2) return edge[(sel / 2) % (sizeof edge / sizeof edge[0])];
    uint64_t u = fuzz_take_u64(in);
    double d;
    memcpy(&d, &u, sizeof d);
    return d;
}

/* The perplexity sequence, read from the input before the logits. */
typedef struct {
    size_t steps, raws;
    uint16_t stride;
    double raw[MAX_RAW];
} ppl_input;

static void take_ppl_input(fuzz_input *in, ppl_input *pi) {
    pi->steps = fuzz_take_u8(in) % (MAX_STEPS + 1);
    pi->raws = fuzz_take_u8(in) % (MAX_RAW + 1);
    pi->stride = fuzz_take_u16(in);
    for (size_t j = 0; j < pi->raws; j++) pi->raw[j] = take_raw_nll(in);
}

static void check_perplexity(const score_case *sc, const ppl_input *pi) {
    ppl_run pr;
    memset(&pr, 0, sizeof pr);
    tsamp_perplexity_init(&pr.acc);
    tsamp_perplexity_init(&pr.mirror);
    tsamp_perplexity_init(NULL);
    FUZZ_CHECK_STATUS(tsamp_perplexity_add(NULL, 1.0), TSAMP_ERR_NULL, "perplexity_add(NULL)");
    FUZZ_CHECK_STATUS(tsamp_perplexity_add_logits(NULL, sc->p, sc->n, 0, 1.0f), TSAMP_ERR_NULL,
                      "perplexity_add_logits(NULL)");
    FUZZ_CHECK_STATUS(tsamp_perplexity_value(NULL, NULL, NULL), TSAMP_ERR_NULL, "value(NULL)");
    ppl_check_value(&pr);
    /* the case's target first (maybe out of range), then ids stepping by stride */
    uint64_t id = (uint64_t)sc->target;
    for (size_t j = 0; j < pi->steps; j++) {
        ppl_add_logits(&pr, sc, j == 0 ? sc->target : (int64_t)(id % sc->n));
        id += pi->stride;
    }
    for (size_t j = 0; j < pi->raws; j++) ppl_add_raw(&pr, pi->raw[j]);
    ppl_check_value(&pr);
}

/* ---- ISA paths --------------------------------------------------------------------------- */

static void check_kernels(const score_case *sc, const float *x) {
    static const tsamp_isa isas[] = {TSAMP_ISA_AVX2, TSAMP_ISA_AVX512, TSAMP_ISA_NEON};
    const tsamp_kernels *s0 = &tsamp_kernels_scalar;
    float m0 = 0.0f, w0[TSAMP_BLOCK], w1[TSAMP_BLOCK];
    int bad0 = s0->max(x, sc->n, &m0);
    for (size_t k = 0; k < sizeof isas / sizeof isas[0]; k++) {
        const tsamp_kernels *K = tsamp_kernels_for(isas[k]);
        if (!K) continue;
        const char *name = tsamp_isa_name(isas[k]);
        float m1 = 0.0f;
        int bad1 = K->max(x, sc->n, &m1);
        FUZZ_CHECK(!bad0 == !bad1 && (bad0 || fuzz_same_bits(m0, m1)), "%s max: %a, scalar %a",
                   name, (double)m1, (double)m0);
        if (bad0 || m0 == -INFINITY) continue;
        FUZZ_CHECK(K->find_first(x, sc->n, m0) == s0->find_first(x, sc->n, m0),
                   "%s find_first of the max differs", name);
        if (sc->bad_t || sc->greedy) continue;
        float s = 1.0f / sc->t;
        double t0 = s0->sum_exp(x, sc->n, m0, s, NULL, NULL), t1 = K->sum_exp(x, sc->n, m0, s, NULL, NULL);
        FUZZ_CHECK(memcmp(&t0, &t1, sizeof t0) == 0, "%s sum_exp %a, scalar %a", name, t1, t0);
        for (size_t b0 = 0; b0 < sc->n; b0 += TSAMP_BLOCK) {
            size_t len = sc->n - b0 < TSAMP_BLOCK ? sc->n - b0 : TSAMP_BLOCK;
            (void)s0->sum_exp(x + b0, len, m0, s, NULL, w0);
            (void)K->sum_exp(x + b0, len, m0, s, NULL, w1);
            FUZZ_CHECK(memcmp(w0, w1, len * sizeof *w0) == 0, "%s block weights at %zu differ",
                       name, b0);
        }
    }
}

/* ---- driver ------------------------------------------------------------------------------ */

/* Mostly in range; sometimes -1, n, INT32_MIN, ... */
static int64_t target_of(uint8_t sel, uint16_t v, size_t n) {
    if (sel % 4) return (int64_t)(v % n);
    const int64_t edge[] = {-1, (int64_t)n, INT32_MIN, INT32_MAX, (int64_t)n - 1, 0};
    return edge[v % (sizeof edge / sizeof edge[0])];
}

static void check_nulls(const float *x, size_t n) {
    double v = SENTINEL;
    FUZZ_CHECK_STATUS(tsamp_nll(NULL, n, 0, 1.0f, &v), TSAMP_ERR_NULL, "nll(logits NULL)");
    FUZZ_CHECK_STATUS(tsamp_nll(x, n, 0, 1.0f, NULL), TSAMP_ERR_NULL, "nll(out NULL)");
    FUZZ_CHECK_STATUS(tsamp_entropy(NULL, n, 1.0f, &v), TSAMP_ERR_NULL, "entropy(logits NULL)");
    FUZZ_CHECK_STATUS(tsamp_entropy(x, n, 1.0f, NULL), TSAMP_ERR_NULL, "entropy(out NULL)");
    FUZZ_CHECK_STATUS(tsamp_kl_divergence(NULL, x, n, 1.0f, &v), TSAMP_ERR_NULL, "kl(p NULL)");
    FUZZ_CHECK_STATUS(tsamp_kl_divergence(x, NULL, n, 1.0f, &v), TSAMP_ERR_NULL, "kl(q NULL)");
    FUZZ_CHECK_STATUS(tsamp_kl_divergence(x, x, n, 1.0f, NULL), TSAMP_ERR_NULL, "kl(out NULL)");
    FUZZ_CHECK(v == SENTINEL, "an output written on TSAMP_ERR_NULL");
}

static void check_empty(void) {
    float x[1] = {0.0f};
    double v = SENTINEL;
    FUZZ_CHECK_STATUS(tsamp_nll(x, 0, 0, 1.0f, &v), TSAMP_ERR_VOCAB, "nll(n 0)");
    FUZZ_CHECK_STATUS(tsamp_entropy(x, 0, 1.0f, &v), TSAMP_ERR_VOCAB, "entropy(n 0)");
    FUZZ_CHECK_STATUS(tsamp_kl_divergence(x, x, 0, 1.0f, &v), TSAMP_ERR_VOCAB, "kl(n 0)");
    FUZZ_CHECK(v == SENTINEL, "an output written on TSAMP_ERR_VOCAB");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_begin("scoring", size);
    fuzz_input in;
    fuzz_input_init(&in, data, size);
    score_case sc;
    memset(&sc, 0, sizeof sc);
    sc.t = fuzz_take_temperature(&in);
    uint8_t q_mode = fuzz_take_u8(&in), target_sel = fuzz_take_u8(&in);
    uint16_t q_arg = fuzz_take_u16(&in), target_v = fuzz_take_u16(&in);
    ppl_input pi;
    take_ppl_input(&in, &pi);
    float *x = NULL;
    size_t n = fuzz_take_logits(&in, MAX_N, &x);
    if (n == SIZE_MAX) return 0;
    if (n == 0) {
        check_empty();
        return 0;
    }
    sc.target = target_of(target_sel, target_v, n);
    sc.p = x;
    sc.n = n;
    sc.bad_t = !(sc.t >= 0.0f) || sc.t == INFINITY;
    volatile float s = 1.0f / sc.t; /* the greedy limit: t == 0 or 1/t overflowing float */
    sc.greedy = !sc.bad_t && (!(sc.t > 0.0f) || s == INFINITY);
    sc.st_p = fuzz_logits_status(x, n);
    float *q = q_mode % 7 ? make_q(x, n, q_mode, q_arg) : NULL;
    sc.q = q ? q : x;
    sc.st_q = fuzz_logits_status(sc.q, n);
    float *copy = malloc(n * sizeof *copy);
    if (copy) memcpy(copy, x, n * sizeof *copy);

    check_nulls(x, n);
    double nll;
    (void)check_nll(&sc, sc.target, &nll);
    check_entropy(&sc);
    check_kl(&sc);
    check_perplexity(&sc, &pi);
    check_kernels(&sc, sc.p);
    if (sc.q != sc.p) check_kernels(&sc, sc.q);

    if (copy) FUZZ_CHECK(memcmp(copy, x, n * sizeof *copy) == 0, "the logits were written");
    free(copy);
    free(q);
    free(x);
    return 0;
}
