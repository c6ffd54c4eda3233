/*
 * Exactness of processor chains: tsamp_chain_distribution and tsamp_chain_sample against the
 * long-double reference (ref.h) on hand-made and random cases.
 *
 * The kept set must be equal, id for id, unless the reference calls the case ambiguous (a
 * decision within float rounding of its boundary); then the library's set must still be a
 * prefix of the candidate order. Probabilities must be within the error bound below.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "logit_shapes.h"
#include "ref.h"
#include "testutil.h"
#include "tsamp.h"

#define NINF (-(float)INFINITY)

/* ---- the error model ------------------------------------------------------------------ */

/*
 * Worst-case error of one library probability (float), from its computation: a scaled logit
 * fl(fl(x - max) * s), with s the float product of the 1/t (2 * temperatures - 1 roundings),
 * so off by at most (2 + 2 * temperatures) u |a|; exp within 2 ulp (4u); the total a canonical
 * sum (at most 19 float additions on any path, 16 lanes then a 4-level tree) of weights that
 * carry the same errors, weighted by probability (abar = sum p |a|); one division and the
 * conversion to float. The absolute term covers subnormal weights and outputs (2^-149 ~ 1.4e-45
 * each, relative to a total >= 1).
 */
static double prob_bound(long double p, long double a, long double abar, size_t n_temps) {
    double per_a = (2.0 + 2.0 * (double)n_temps) * REF_U;
    double rel = per_a * (double)(fabsl(a) + abar) + (4.0 + 4.0 + 19.0 + 2.0) * REF_U;
    return (double)p * rel + 1e-44;
}

/* Largest errors seen, over every probability compared. */
typedef struct {
    size_t cases, unambiguous, ambiguous;
    size_t flipped;   /* ambiguous cases where the library kept another count than exact math */
    double max_abs;   /* |p_lib - p_ref| */
    double max_rel;   /* |p_lib - p_ref| / p_ref, for p_ref >= 1e-30 */
    double max_ratio; /* |p_lib - p_ref| / prob_bound */
} tally;

/* ---- chains and messages ---------------------------------------------------------------- */

static void describe(const ref_proc *p, size_t np, char *buf, size_t cap) {
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < np && len < cap; i++) {
        int w = 0;
        switch (p[i].kind) {
        case REF_TEMP: w = snprintf(buf + len, cap - len, "temp=%.9g ", (double)p[i].t); break;
        case REF_TOP_K: w = snprintf(buf + len, cap - len, "top_k=%d ", (int)p[i].k); break;
        case REF_TOP_P:
        case REF_MIN_P:
            w = snprintf(buf + len, cap - len, "%s=%.9g,%zu ", ref_kind_name(p[i].kind),
                         (double)p[i].p, p[i].min_keep);
            break;
        }
        if (w < 0) break;
        len += (size_t)w;
    }
}

static tsamp_status add_proc(tsamp_chain *c, const ref_proc *p) {
    switch (p->kind) {
    case REF_TEMP: return tsamp_chain_add_temperature(c, p->t);
    case REF_TOP_K: return tsamp_chain_add_top_k(c, p->k);
    case REF_TOP_P: return tsamp_chain_add_top_p(c, p->p, p->min_keep);
    case REF_MIN_P: return tsamp_chain_add_min_p(c, p->p, p->min_keep);
    }
    return TSAMP_ERR_INVALID_PARAM;
}

static tsamp_chain *make_chain(size_t n, const ref_proc *p, size_t np, uint64_t seed) {
    tsamp_chain_params params = tsamp_chain_default_params();
    params.seed = seed;
    tsamp_chain *c = NULL;
    tsamp_status st = tsamp_chain_create(&c, n, &params);
    CHECKF(st == TSAMP_OK, "create(%zu): %s", n, tsamp_status_str(st));
    if (st != TSAMP_OK) return NULL;
    for (size_t i = 0; i < np; i++) {
        st = add_proc(c, &p[i]);
        CHECKF(st == TSAMP_OK, "add %s: %s", ref_kind_name(p[i].kind), tsamp_status_str(st));
    }
    return c;
}

/* Prints what is needed to rebuild a failing case: the chain, the stages, small logits. */
static void dump_case(const char *label, const float *x, size_t n, const ref_proc *p,
                      size_t np, const ref_result *r) {
    char chain[256];
    describe(p, np, chain, sizeof chain);
    printf("    case %s: n=%zu candidates=%zu chain: %s\n", label, n, r->n_cand, chain);
    for (size_t s = 0; s < r->n_stages; s++) {
        const ref_stage *st = &r->stages[s];
        printf("    stage %zu %s: %zu -> %zu, closeness %.3g%s (inside %.12Lg outside %.12Lg "
               "boundary %.12Lg)\n",
               s, ref_kind_name(p[s].kind), st->n_before, st->n_after, st->closeness,
               st->ambiguous ? " AMBIGUOUS" : "", st->inside, st->outside, st->boundary);
    }
    if (n <= 32) {
        printf("    logits:");
        for (size_t i = 0; i < n; i++) printf(" %a", (double)x[i]);
        printf("\n");
    }
}

/* ---- one case: distribution and sample against the reference ---------------------------- */

typedef struct {
    int32_t *ids;
    float *probs;
    int32_t *ref_ids;
    long double *ref_probs, *ref_scaled;
} buffers;

static int buffers_init(buffers *b, size_t n) {
    b->ids = malloc(n * sizeof *b->ids);
    b->probs = malloc(n * sizeof *b->probs);
    b->ref_ids = malloc(n * sizeof *b->ref_ids);
    b->ref_probs = malloc(n * sizeof *b->ref_probs);
    b->ref_scaled = malloc(n * sizeof *b->ref_scaled);
    return b->ids && b->probs && b->ref_ids && b->ref_probs && b->ref_scaled;
}

static void buffers_free(buffers *b) {
    free(b->ids);
    free(b->probs);
    free(b->ref_ids);
    free(b->ref_probs);
    free(b->ref_scaled);
}

/* The probabilities of the kept ids (equal sets, checked before) against the reference. */
static int compare_probs(const buffers *b, size_t nk, const ref_result *r, tally *t) {
    long double abar = 0.0L;
    for (size_t i = 0; i < nk; i++) abar += b->ref_probs[i] * fabsl(b->ref_scaled[i]);
    int ok = 1;
    for (size_t i = 0; i < nk; i++) {
        double err = fabs((double)((long double)b->probs[i] - b->ref_probs[i]));
        double bound = prob_bound(b->ref_probs[i], b->ref_scaled[i], abar, r->n_temps);
        t->max_abs = fmax(t->max_abs, err);
        if (b->ref_probs[i] >= 1e-30L)
            t->max_rel = fmax(t->max_rel, err / (double)b->ref_probs[i]);
        t->max_ratio = fmax(t->max_ratio, err / bound);
        if (err > bound && ok) {
            CHECKF(0, "id %d: p %.9g, reference %.12Lg (scaled logit %.6Lg), error %.3g > %.3g",
                   (int)b->ids[i], (double)b->probs[i], b->ref_probs[i], b->ref_scaled[i], err,
                   bound);
            ok = 0;
        }
    }
    return ok;
}

/* The kept ids must be the reference's prefix of length nk (r->n_kept when unambiguous). */
static int compare_sets(const buffers *b, size_t nk, const ref_result *r) {
    size_t want = r->ambiguous ? nk : r->n_kept;
    if (nk != want || nk == 0 || nk > r->n_cand) {
        CHECKF(0, "kept %zu tokens, reference %zu (of %zu candidates)", nk, r->n_kept, r->n_cand);
        return 0;
    }
    ref_distribution(r, nk, b->ref_ids, b->ref_probs, b->ref_scaled);
    for (size_t i = 0; i < nk; i++) {
        if (b->ids[i] != b->ref_ids[i]) {
            CHECKF(0, "kept set differs at position %zu: id %d, reference id %d (a prefix of the "
                      "order)", i, (int)b->ids[i], (int)b->ref_ids[i]);
            return 0;
        }
    }
    return 1;
}

/* A sample at some position must be a kept id with positive probability; the only one if
 * a single token is kept. */
static int check_sample(tsamp_chain *c, const float *x, const buffers *b, size_t nk,
                        uint64_t pos) {
    int32_t tok = -1;
    tsamp_chain_set_position(c, pos);
    tsamp_status st = tsamp_chain_sample(c, x, &tok);
    CHECKF(st == TSAMP_OK, "sample: %s", tsamp_status_str(st));
    if (st != TSAMP_OK) return 0;
    size_t lo = 0, hi = nk; /* ids are increasing: binary search */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b->ids[mid] < tok) lo = mid + 1;
        else hi = mid;
    }
    int in = lo < nk && b->ids[lo] == tok;
    CHECKF(in, "sampled %d at position %llu: not a kept token", (int)tok, (unsigned long long)pos);
    if (!in) return 0;
    CHECKF(b->probs[lo] > 0.0f, "sampled %d with probability 0", (int)tok);
    CHECKF(nk != 1 || tok == b->ids[0], "single kept %d, sampled %d", (int)b->ids[0], (int)tok);
    return b->probs[lo] > 0.0f;
}

/* Structural facts of any distribution: ids increasing, in range, never masked. */
static int check_shape(const buffers *b, size_t nk, const float *x, size_t n) {
    for (size_t i = 0; i < nk; i++) {
        int32_t id = b->ids[i];
        int ok = id >= 0 && (size_t)id < n && (i == 0 || id > b->ids[i - 1]) && x[id] != NINF;
        if (!ok) {
            CHECKF(0, "distribution entry %zu: id %d out of order, out of range or masked", i,
                   (int)id);
            return 0;
        }
    }
    return 1;
}

/*
 * Runs one case through the reference and the library and compares. Returns 1 if it passed.
 * The tally counts it as ambiguous or not. With `warm` (n logits, or NULL) the chain first
 * processes those, so that its speed hints come from another token, as in a decoding loop.
 */
static int check_case(const char *label, const float *x, size_t n, const ref_proc *p, size_t np,
                      const float *warm, uint64_t pos, tally *t) {
    ref_result r;
    int rc = ref_run(x, n, p, np, &r);
    CHECKF(rc == 0, "%s: reference failed (%d)", label, rc);
    if (rc != 0) return 0;
    buffers b;
    tsamp_chain *c = buffers_init(&b, n) ? make_chain(n, p, np, pos ^ 0x5eed) : NULL;
    int ok = c != NULL;
    size_t nk = 0;
    if (ok && warm) {
        tsamp_status st = tsamp_chain_distribution(c, warm, b.ids, b.probs, n, &nk);
        CHECKF(st == TSAMP_OK, "%s: warm-up distribution: %s", label, tsamp_status_str(st));
    }
    if (ok) {
        tsamp_status st = tsamp_chain_distribution(c, x, b.ids, b.probs, n, &nk);
        CHECKF(st == TSAMP_OK, "%s: distribution: %s", label, tsamp_status_str(st));
        ok = st == TSAMP_OK && check_shape(&b, nk, x, n) && compare_sets(&b, nk, &r) &&
             compare_probs(&b, nk, &r, t) && check_sample(c, x, &b, nk, pos);
    }
    t->cases++;
    if (r.ambiguous) t->ambiguous++;
    else t->unambiguous++;
    t->flipped += (size_t)(r.ambiguous && nk != r.n_kept);
    if (!ok || (r.ambiguous && getenv("TSAMP_TEST_VERBOSE"))) dump_case(label, x, n, p, np, &r);
    tsamp_chain_free(c);
    buffers_free(&b);
    ref_free(&r);
    return ok;
}

/* ---- hand-made cases -------------------------------------------------------------------- */

#define P1(kind_, t_, k_, p_, mk_) ((ref_proc){kind_, t_, k_, p_, mk_})
#define TEMP(t) P1(REF_TEMP, t, 0, 0.0f, 0)
#define TOPK(k) P1(REF_TOP_K, 0.0f, k, 0.0f, 0)
#define TOPP(p, mk) P1(REF_TOP_P, 0.0f, 0, p, mk)
#define MINP(p, mk) P1(REF_MIN_P, 0.0f, 0, p, mk)
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Softmax of hand-chosen scaled logits, in double: the expected probabilities. */
static void softmax_d(const double *a, size_t n, double *out) {
    double m = -HUGE_VAL, s = 0.0;
    for (size_t i = 0; i < n; i++) m = fmax(m, a[i]);
    for (size_t i = 0; i < n; i++) s += out[i] = a[i] == -HUGE_VAL ? 0.0 : exp(a[i] - m);
    for (size_t i = 0; i < n; i++) out[i] /= s;
}

/*
 * The library must keep exactly want_ids (increasing) with probabilities want_p (computed by
 * hand, in double, so compared loosely here: check_case then applies the tight bound against
 * the reference), the reference must agree with the hand, and samples must be kept tokens.
 */
static void expect(const char *what, const float *x, size_t n, const ref_proc *p, size_t np,
                   const int32_t *want_ids, const double *want_p, size_t want_n) {
    tally t = {0};
    ref_result r;
    if (ref_run(x, n, p, np, &r) == 0) {
        CHECKF(r.n_kept == want_n, "%s: reference keeps %zu, hand %zu", what, r.n_kept, want_n);
        ref_free(&r);
    }
    buffers b;
    if (!buffers_init(&b, n)) return;
    tsamp_chain *c = make_chain(n, p, np, 7);
    if (!c) {
        buffers_free(&b);
        return;
    }
    size_t nk = 0;
    tsamp_status st = tsamp_chain_distribution(c, x, b.ids, b.probs, n, &nk);
    CHECKF(st == TSAMP_OK, "%s: %s", what, tsamp_status_str(st));
    if (st == TSAMP_OK) {
        CHECKF(nk == want_n, "%s: kept %zu, expected %zu", what, nk, want_n);
        for (size_t i = 0; i < nk && i < want_n; i++) {
            CHECKF(b.ids[i] == want_ids[i], "%s: kept[%zu] = %d, expected %d", what, i,
                   (int)b.ids[i], (int)want_ids[i]);
            CHECKF(fabs((double)b.probs[i] - want_p[i]) <= 1e-6 + 1e-5 * want_p[i],
                   "%s: p[%d] = %.9g, expected %.9g", what, (int)b.ids[i], (double)b.probs[i],
                   want_p[i]);
        }
        for (uint64_t pos = 0; pos < 64 && nk == want_n; pos++)
            check_sample(c, x, &b, nk, pos);
    }
    tsamp_chain_free(c);
    buffers_free(&b);
    check_case(what, x, n, p, np, NULL, 3, &t); /* and the reference's full comparison */
}

/* Expectation: the ids kept, each with probability proportional to exp(a_i). */
static void expect_a(const char *what, const float *x, size_t n, const ref_proc *p, size_t np,
                     const int32_t *ids, const double *a, size_t k) {
    double probs[16];
    softmax_d(a, k, probs);
    expect(what, x, n, p, np, ids, probs, k);
}

/* Expectation: the ids kept, all equally likely. */
static void expect_uniform(const char *what, const float *x, size_t n, const ref_proc *p,
                           size_t np, const int32_t *ids, size_t k) {
    double probs[16];
    for (size_t i = 0; i < k; i++) probs[i] = 1.0 / (double)k;
    expect(what, x, n, p, np, ids, probs, k);
}

static void chain_exact_top_k_ties(void) {
    const float x[] = {1, 3, 3, 2, 3, 0};
    ref_proc p[1];
    p[0] = TOPK(1);
    expect_uniform("top_k 1", x, 6, p, 1, (int32_t[]){1}, 1);
    p[0] = TOPK(2); /* cuts through the tie group {1, 2, 4}: the lower ids stay */
    expect_uniform("top_k 2 tie", x, 6, p, 1, (int32_t[]){1, 2}, 2);
    p[0] = TOPK(3);
    expect_uniform("top_k 3 tie", x, 6, p, 1, (int32_t[]){1, 2, 4}, 3);
    p[0] = TOPK(4);
    expect_a("top_k 4", x, 6, p, 1, (int32_t[]){1, 2, 3, 4}, (double[]){3, 3, 2, 3}, 4);
    const float y[] = {0, 5, 5, 5, 5, 5, 5, 5, 5, 5};
    p[0] = TOPK(4);
    expect_uniform("top_k 4 of 9 tied", y, 10, p, 1, (int32_t[]){1, 2, 3, 4}, 4);
}

static void chain_exact_k_edges(void) {
    const float x[] = {5, 1, 0, -1, -2};
    const int32_t all[] = {0, 1, 2, 3, 4};
    const double a[] = {5, 1, 0, -1, -2};
    const int32_t ks[] = {5, 6, INT32_MAX, 0, -3, INT32_MIN};
    for (size_t i = 0; i < COUNT(ks); i++) {
        char what[64];
        snprintf(what, sizeof what, "top_k %d keeps all", (int)ks[i]);
        ref_proc p[1] = {TOPK(ks[i])};
        expect_a(what, x, 5, p, 1, all, a, 5);
    }
}

/*
 * Top-p at exactly reachable masses: equal logits give probabilities 1/4, prefix masses
 * 1/4, 1/2, 3/4, 1 with no rounding in any arithmetic, so "mass >= p" is decided exactly.
 */
static void chain_exact_top_p_exact_boundaries(void) {
    const float x[] = {0, 0, 0, 0};
    ref_proc p[1];
    p[0] = TOPP(0.25f, 1);
    expect_uniform("top_p 0.25 reaches exactly", x, 4, p, 1, (int32_t[]){0}, 1);
    p[0] = TOPP(nextafterf(0.25f, 1.0f), 1);
    expect_uniform("top_p just above 0.25", x, 4, p, 1, (int32_t[]){0, 1}, 2);
    p[0] = TOPP(0.5f, 1);
    expect_uniform("top_p 0.5 reaches exactly", x, 4, p, 1, (int32_t[]){0, 1}, 2);
    p[0] = TOPP(0.75f, 1);
    expect_uniform("top_p 0.75 reaches exactly", x, 4, p, 1, (int32_t[]){0, 1, 2}, 3);
    p[0] = TOPP(nextafterf(0.75f, 1.0f), 1);
    expect_uniform("top_p just above 0.75", x, 4, p, 1, (int32_t[]){0, 1, 2, 3}, 4);
    /* Two tied pairs: masses 0.25 0.5 | 0.625 0.75 (probabilities 1/4 1/4 1/8 1/8 need a
     * weight ratio of exactly 2, which no float logit gives; masked entries in between). */
    const float y[] = {NINF, 3, NINF, 3, 3, NINF, 3, NINF};
    p[0] = TOPP(0.5f, 1);
    expect_uniform("top_p 0.5 among masked", y, 8, p, 1, (int32_t[]){1, 3}, 2);
}

static void chain_exact_min_keep(void) {
    const float x[] = {5, 1, 0, -1, -2};
    const double a[] = {5, 1, 0, -1, -2};
    ref_proc p[1];
    p[0] = TOPP(0.1f, 3);
    expect_a("top_p min_keep 3", x, 5, p, 1, (int32_t[]){0, 1, 2}, a, 3);
    p[0] = TOPP(0.1f, 99);
    expect_a("top_p min_keep 99", x, 5, p, 1, (int32_t[]){0, 1, 2, 3, 4}, a, 5);
    p[0] = MINP(0.9f, 4);
    expect_a("min_p min_keep 4", x, 5, p, 1, (int32_t[]){0, 1, 2, 3}, a, 4);
    p[0] = MINP(0.9f, SIZE_MAX);
    expect_a("min_p min_keep max", x, 5, p, 1, (int32_t[]){0, 1, 2, 3, 4}, a, 5);
    p[0] = TOPP(0.0f, 2);
    expect_a("top_p 0 min_keep 2", x, 5, p, 1, (int32_t[]){0, 1}, a, 2);
    p[0] = TOPP(-1.0f, 0);
    expect_a("top_p -1 min_keep 0", x, 5, p, 1, (int32_t[]){0}, a, 1);
    p[0] = TOPP(0.0f, 0);
    expect_a("top_p 0 min_keep 0", x, 5, p, 1, (int32_t[]){0}, a, 1);
}

static void chain_exact_p_edges(void) {
    const float x[] = {5, 1, 0, -1, -2};
    const int32_t all[] = {0, 1, 2, 3, 4};
    const double a[] = {5, 1, 0, -1, -2};
    const float noop_top_p[] = {1.0f, 1.5f, FLT_MAX};
    const float noop_min_p[] = {0.0f, -0.0f, -1.0f, FLT_TRUE_MIN, 1e-30f};
    for (size_t i = 0; i < COUNT(noop_top_p); i++) {
        ref_proc p[1] = {TOPP(noop_top_p[i], 1)};
        expect_a("top_p >= 1 keeps all", x, 5, p, 1, all, a, 5);
    }
    for (size_t i = 0; i < COUNT(noop_min_p); i++) { /* ln p <= -69 keeps these 5 too */
        ref_proc p[1] = {MINP(noop_min_p[i], 1)};
        expect_a("min_p <= 0 or tiny keeps all", x, 5, p, 1, all, a, 5);
    }
    const float y[] = {2, 5, 5, 1};
    ref_proc p[1] = {MINP(1.0f, 1)};
    expect_uniform("min_p 1 keeps the tied maxima", y, 4, p, 1, (int32_t[]){1, 2}, 2);
    p[0] = MINP(1.5f, 1);
    expect_uniform("min_p 1.5 keeps the argmax", y, 4, p, 1, (int32_t[]){1}, 1);
    p[0] = MINP(1.5f, 3);
    expect_a("min_p 1.5 min_keep 3", y, 4, p, 1, (int32_t[]){0, 1, 2}, (double[]){2, 5, 5}, 3);
    /* p = 1/2: keep scaled logits >= -ln 2 = -0.693; -0.7 just fails. */
    const float z[] = {0, -0.5f, -0.7f, -1};
    p[0] = MINP(0.5f, 1);
    expect_a("min_p 0.5", z, 4, p, 1, (int32_t[]){0, 1}, (double[]){0, -0.5}, 2);
}

static void chain_exact_masked(void) {
    const float x[] = {NINF, 1, NINF, 0, NINF};
    const int32_t ids[] = {1, 3};
    const double a[] = {1, 0};
    ref_proc none[1] = {TOPK(0)};
    expect_a("masked, no processor", x, 5, none, 0, ids, a, 2);
    ref_proc p[1] = {TOPK(4)};
    expect_a("masked, top_k 4", x, 5, p, 1, ids, a, 2);
    p[0] = TOPP(nextafterf(1.0f, 0.0f), 10);
    expect_a("masked, top_p min_keep 10", x, 5, p, 1, ids, a, 2);
    p[0] = MINP(1.5f, 10);
    expect_a("masked, min_p min_keep 10", x, 5, p, 1, ids, a, 2);
    p[0] = TEMP(0.0f);
    expect_uniform("masked, greedy", x, 5, p, 1, ids, 1);
    /* Never sampled, over many positions. */
    tsamp_chain *c = make_chain(5, NULL, 0, 11);
    int bad = 0;
    for (uint64_t pos = 0; c && pos < 4000; pos++) {
        int32_t tok = -1;
        tsamp_chain_set_position(c, pos);
        bad += tsamp_chain_sample(c, x, &tok) != TSAMP_OK || (tok != 1 && tok != 3);
    }
    CHECKF(bad == 0, "%d of 4000 samples were masked or failed", bad);
    /* All masked: an error, from both entry points. */
    const float m[] = {NINF, NINF, NINF};
    tsamp_chain_free(c);
    c = make_chain(3, p, 1, 1);
    int32_t ids3[3], tok = -7;
    float probs3[3];
    size_t nk = 99;
    CHECK(tsamp_chain_distribution(c, m, ids3, probs3, 3, &nk) == TSAMP_ERR_ALL_MASKED);
    CHECK(tsamp_chain_sample(c, m, &tok) == TSAMP_ERR_ALL_MASKED);
    CHECK(tok == -7);
    tsamp_chain_free(c);
}

static void chain_exact_single_and_equal(void) {
    const float one[] = {0.5f};
    const ref_proc chains[][2] = {
        {TEMP(1.0f), TEMP(1.0f)}, {TEMP(0.0f), TOPK(3)},     {TOPK(1), TOPP(0.5f, 1)},
        {TOPP(0.5f, 1), MINP(0.5f, 1)}, {MINP(1.5f, 0), TEMP(0.3f)}, {TEMP(1e-30f), TOPP(0.0f, 0)},
    };
    for (size_t i = 0; i < COUNT(chains); i++)
        expect_uniform("n = 1", one, 1, chains[i], 2, (int32_t[]){0}, 1);
    const float eq[] = {2, 2, 2, 2, 2};
    const int32_t all[] = {0, 1, 2, 3, 4};
    ref_proc p[1] = {TOPK(0)};
    expect_uniform("all equal", eq, 5, p, 0, all, 5);
    p[0] = TEMP(0.0f);
    expect_uniform("all equal, greedy", eq, 5, p, 1, all, 1);
    p[0] = TOPK(3);
    expect_uniform("all equal, top_k 3", eq, 5, p, 1, all, 3);
    p[0] = MINP(0.5f, 1);
    expect_uniform("all equal, min_p", eq, 5, p, 1, all, 5);
    p[0] = MINP(1.0f, 1);
    expect_uniform("all equal, min_p 1", eq, 5, p, 1, all, 5);
    p[0] = TOPP(0.5f, 1); /* masses 0.2 0.4 0.6: three */
    expect_uniform("all equal, top_p 0.5", eq, 5, p, 1, all, 3);
}

/* Huge magnitudes only work if the max is subtracted before scaling. */
static void chain_exact_huge(void) {
    const float x[] = {1e30f, -1e30f, 1e30f};
    ref_proc p[1] = {TOPK(0)};
    expect_a("huge", x, 3, p, 0, (int32_t[]){0, 1, 2}, (double[]){0, -HUGE_VAL, 0}, 3);
    p[0] = TOPP(0.5f, 1);
    expect_uniform("huge, top_p 0.5", x, 3, p, 1, (int32_t[]){0}, 1);
    p[0] = MINP(0.01f, 1);
    expect_uniform("huge, min_p", x, 3, p, 1, (int32_t[]){0, 2}, 2);
    p[0] = TOPK(2);
    expect_uniform("huge, top_k 2", x, 3, p, 1, (int32_t[]){0, 2}, 2);
    p[0] = TEMP(1e30f); /* scaled: 0, -2, 0 */
    expect_a("huge, temp 1e30", x, 3, p, 1, (int32_t[]){0, 1, 2}, (double[]){0, -2, 0}, 3);
    const float neg[] = {-1e30f, -1e30f, -2e30f};
    expect_a("huge negative", neg, 3, p, 0, (int32_t[]){0, 1, 2}, (double[]){0, 0, -HUGE_VAL},
             3);
    const float ext[] = {FLT_MAX, -FLT_MAX, FLT_MAX};
    expect_a("float extremes", ext, 3, p, 0, (int32_t[]){0, 1, 2}, (double[]){0, -HUGE_VAL, 0},
             3);
    /* Two neighbouring floats near 1e30, one ulp (2^76) apart: at t = 2^76 they are 1 apart. */
    const float adj[] = {nextafterf(1e30f, 0.0f), 1e30f};
    double ulp = (double)adj[1] - (double)adj[0];
    p[0] = TEMP((float)ulp);
    expect_a("adjacent huge, temp ulp", adj, 2, p, 1, (int32_t[]){0, 1}, (double[]){-1, 0}, 2);
    /* Ratio e^-1 < 0.5 at t = ulp: dropped (a threshold rounded in raw units would keep it). */
    ref_proc q[2] = {TEMP((float)ulp), MINP(0.5f, 1)};
    expect_uniform("adjacent huge, temp ulp, min_p 0.5", adj, 2, q, 2, (int32_t[]){1}, 1);
}

/* Subnormal logits: differences of 1e-45 leave the weights at 1 but still order the tokens. */
static void chain_exact_subnormal(void) {
    const float x[] = {FLT_TRUE_MIN, 0.0f, -FLT_TRUE_MIN, 2 * FLT_TRUE_MIN};
    ref_proc p[1] = {TOPK(0)};
    expect_uniform("subnormal", x, 4, p, 0, (int32_t[]){0, 1, 2, 3}, 4);
    p[0] = TOPK(1);
    expect_uniform("subnormal, top_k 1", x, 4, p, 1, (int32_t[]){3}, 1);
    p[0] = TOPK(2);
    expect_uniform("subnormal, top_k 2", x, 4, p, 1, (int32_t[]){0, 3}, 2);
    p[0] = TOPP(0.5f, 1);
    expect_uniform("subnormal, top_p 0.5", x, 4, p, 1, (int32_t[]){0, 3}, 2);
    p[0] = MINP(1.0f, 1); /* scaled distance -1.4e-45 < ln 1 = 0 */
    expect_uniform("subnormal, min_p 1", x, 4, p, 1, (int32_t[]){3}, 1);
    p[0] = TEMP(0.0f);
    expect_uniform("subnormal, greedy", x, 4, p, 1, (int32_t[]){3}, 1);
}

static void chain_exact_greedy(void) {
    const float x[] = {1, 7, 3, 7, 7};
    ref_proc p[2] = {TEMP(0.0f)};
    expect_uniform("greedy: lowest id of the maxima", x, 5, p, 1, (int32_t[]){1}, 1);
    p[0] = TEMP(0.5f);
    p[1] = TEMP(0.0f);
    expect_uniform("temp 0.5 then greedy", x, 5, p, 2, (int32_t[]){1}, 1);
    p[0] = TEMP(0.0f);
    p[1] = TOPP(0.99f, 5);
    expect_uniform("greedy then top_p min_keep 5", x, 5, p, 2, (int32_t[]){1}, 1);
    p[1] = TEMP(1e-30f);
    expect_uniform("greedy then a tiny temperature", x, 5, p, 2, (int32_t[]){1}, 1);
}

static void chain_exact_temperature_stacking(void) {
    const float x[] = {2, 1, 0, -1};
    const int32_t all[] = {0, 1, 2, 3};
    ref_proc p[2] = {TEMP(2.0f), TEMP(0.5f)};
    expect_a("temp 2 * temp 0.5 = 1", x, 4, p, 2, all, (double[]){2, 1, 0, -1}, 4);
    p[0] = TEMP(0.5f);
    expect_a("temp 0.5 * temp 0.5 = 0.25", x, 4, p, 2, all, (double[]){8, 4, 0, -4}, 4);
    /* Order matters: at t = 2 the top mass is 0.455 (< 0.6), at t = 1 it is 0.644. */
    p[0] = TEMP(2.0f);
    p[1] = TOPP(0.6f, 1);
    expect_a("temp 2, top_p 0.6", x, 4, p, 2, (int32_t[]){0, 1}, (double[]){1, 0.5}, 2);
    p[0] = TOPP(0.6f, 1);
    p[1] = TEMP(2.0f);
    expect_uniform("top_p 0.6, temp 2", x, 4, p, 2, (int32_t[]){0}, 1);
    /* min-p at the current temperature: e^-0.35 > 0.5 at t = 2, e^-0.7 < 0.5 at t = 1. */
    const float z[] = {0, -0.5f, -0.7f, -1};
    p[0] = TEMP(2.0f);
    p[1] = MINP(0.5f, 1);
    expect_a("temp 2, min_p 0.5", z, 4, p, 2, all, (double[]){0, -0.25, -0.35, -0.5}, 4);
    p[0] = MINP(0.5f, 1);
    p[1] = TEMP(2.0f);
    expect_a("min_p 0.5, temp 2", z, 4, p, 2, (int32_t[]){0, 1}, (double[]){0, -0.25}, 2);
}

/*
 * A positive temperature is never greedy: the scale 1/t (the product over the chain, taken in
 * double) saturates at FLT_MAX, where the candidates equal to the max share the weight and the
 * others get 0 but stay kept (tsamp.h).
 */
static void chain_exact_temperature_saturation(void) {
    const float x[] = {1, 7, 3, 7, 7};
    const int32_t all[] = {0, 1, 2, 3, 4};
    const double shared[] = {-HUGE_VAL, 0, -HUGE_VAL, 0, 0};
    const float tiny[] = {1e-38f, 3.0e-39f, 2.5e-39f, FLT_TRUE_MIN};
    for (size_t i = 0; i < COUNT(tiny); i++) {
        char what[64];
        snprintf(what, sizeof what, "temp %g: the maxima share", (double)tiny[i]);
        ref_proc p[1] = {TEMP(tiny[i])};
        expect_a(what, x, 5, p, 1, all, shared, 5);
    }
    ref_proc p[3] = {TEMP(1e-20f), TEMP(1e-20f)};
    expect_a("temp 1e-20 twice: the maxima share", x, 5, p, 2, all, shared, 5);
    p[0] = TEMP(FLT_TRUE_MIN);
    p[1] = MINP(0.5f, 1);
    expect_uniform("saturated, then min_p", x, 5, p, 2, (int32_t[]){1, 3, 4}, 3);
    /* Only the product counts: 1e20 * 1e20 * 1e-30 = 1e10, which a float would overflow. */
    const float y[] = {0, -1e-9f, -2e-9f};
    p[0] = TEMP(1e-20f);
    p[1] = TEMP(1e-20f);
    p[2] = TEMP(1e30f);
    double t = (double)1e-20f * (double)1e-20f * (double)1e30f, a[3];
    for (size_t i = 0; i < 3; i++) a[i] = (double)y[i] / t;
    expect_a("temp 1e-20, 1e-20, 1e30: scale 1e10", y, 3, p, 3, (int32_t[]){0, 1, 2}, a, 3);
}

/*
 * Logits a full float range apart: x - max overflows float, yet at t = 1e38 the scaled
 * distance is only 2 * FLT_MAX / 1e38 = 6.8, a probability of 5.5e-4, not 0.
 */
static void chain_exact_huge_range_with_temperature(void) {
    const float x[] = {FLT_MAX, -FLT_MAX, FLT_MAX};
    ref_proc p[1] = {TEMP(1e38f)};
    double d = -2.0 * (double)FLT_MAX / (double)1e38f;
    expect_a("+-FLT_MAX at temp 1e38", x, 3, p, 1, (int32_t[]){0, 1, 2}, (double[]){0, d, 0}, 3);
}

/*
 * Temperature never reorders and never creates ties (tsamp.h), however large: at t = FLT_MAX
 * the weights are all 1 within rounding, yet top-k must still keep the larger logit.
 */
static void chain_exact_huge_temperature_keeps_order(void) {
    const float one_ulp[] = {1.0f, nextafterf(1.0f, 2.0f)};
    const float subnormal[] = {FLT_TRUE_MIN, 2 * FLT_TRUE_MIN};
    const float temps[] = {1e30f, 1e35f, FLT_MAX};
    for (size_t i = 0; i < COUNT(temps); i++) {
        char what[96];
        ref_proc p[2] = {TEMP(temps[i]), TOPK(1)};
        snprintf(what, sizeof what, "{1, 1 + ulp}, temp %g, top_k 1", (double)temps[i]);
        expect_uniform(what, one_ulp, 2, p, 2, (int32_t[]){1}, 1);
        snprintf(what, sizeof what, "{1e-45, 3e-45}, temp %g, top_k 1", (double)temps[i]);
        expect_uniform(what, subnormal, 2, p, 2, (int32_t[]){1}, 1);
    }
}

/* ---- random cases ----------------------------------------------------------------------- */

static double unif_between(tu_rng *r, double lo, double hi) { return lo + (hi - lo) * tu_unif(r); }

static double log_uniform(tu_rng *r, double lo, double hi) {
    return exp(unif_between(r, log(lo), log(hi)));
}

static size_t gen_vocab(tu_rng *r) {
    if (tu_below(r, 2)) return 1 + tu_below(r, 3000);
    size_t n = (size_t)log_uniform(r, 1.0, 3001.0);
    return n < 1 ? 1 : n > 3000 ? 3000 : n;
}

static void shuffle(tu_rng *r, float *x, size_t n) {
    for (size_t i = n; i > 1; i--) {
        size_t j = tu_below(r, i);
        float t = x[i - 1];
        x[i - 1] = x[j];
        x[j] = t;
    }
}

/* Heavy tails: Cauchy, clipped so that differences stay finite in float. */
static double cauchy(tu_rng *r) {
    double c = tan(3.141592653589793 * (tu_unif(r) - 0.5));
    return fmax(-1e6, fmin(1e6, c));
}

static double laplace(tu_rng *r) {
    double e = -log(1.0 - tu_unif(r));
    return tu_below(r, 2) ? e : -e;
}

/* Logit shapes: normal (with and without offset), heavy tails, ties, Zipf-like, huge or
 * subnormal magnitudes. */
static void gen_shape(tu_rng *r, float *x, size_t n) {
    double sigma = unif_between(r, 1.0, 5.0);
    double offset = tu_below(r, 2) ? unif_between(r, -20.0, 20.0) : 0.0;
    unsigned shape = (unsigned)tu_below(r, 8);
    double q = (double)(1u << tu_below(r, 5)), alpha = unif_between(r, 0.5, 2.0);
    size_t levels = 1 + tu_below(r, 5);
    double magnitude = tu_below(r, 2) ? 1e28 : 1e-42;
    for (size_t i = 0; i < n; i++) {
        double v;
        switch (shape) {
        case 0: v = offset + sigma * tu_normal(r); break;
        case 1: v = sigma * cauchy(r); break;
        case 2: v = offset + sigma * laplace(r); break;
        case 3: v = round(sigma * q * tu_normal(r)) / q; break; /* many ties */
        case 4: v = (double)tu_below(r, levels); break;          /* few levels */
        case 5: v = -alpha * log(1.0 + (double)i); break;       /* Zipf-like, shuffled below */
        case 6: v = magnitude * tu_normal(r); break;             /* huge or subnormal */
        default: v = sigma * tu_normal(r); break;
        }
        x[i] = (float)v;
    }
    if (shape == 5) shuffle(r, x, n);
    if (shape == 7) /* a few entries at +-1e30 among ordinary ones */
        for (size_t k = 1 + tu_below(r, 3); k > 0; k--)
            x[tu_below(r, n)] = tu_below(r, 2) ? 1e30f : -1e30f;
}

/* Some -inf entries (sometimes all but one); at least one token stays a candidate. */
static void gen_mask(tu_rng *r, float *x, size_t n) {
    unsigned kind = (unsigned)tu_below(r, 16);
    if (kind < 4) {
        double frac = unif_between(r, 0.0, 0.9);
        for (size_t i = 0; i < n; i++)
            if (tu_unif(r) < frac) x[i] = NINF;
    } else if (kind == 4) {
        size_t keep = tu_below(r, n);
        for (size_t i = 0; i < n; i++)
            if (i != keep) x[i] = NINF;
    }
    size_t finite = 0;
    for (size_t i = 0; i < n; i++) finite += (size_t)(x[i] != NINF);
    if (!finite) x[tu_below(r, n)] = 0.0f;
}

/* Temperatures: the edges of the domain (0 is greedy, below ~2.9e-39 the scale saturates,
 * above ~1e30 it is tiny, FLT_MAX makes it subnormal), else log-uniform. */
static float gen_temp(tu_rng *r) {
    switch (tu_below(r, 32)) {
    case 0: return 0.0f;
    case 1: return 1.0f;
    case 2: return FLT_TRUE_MIN;
    case 3: return 2.5e-39f;
    case 4: return 3.0e-39f;
    case 5: return 1e-30f;
    case 6: return 1e30f;
    case 7: return FLT_MAX;
    case 8: return 1e35f;
    default: return (float)log_uniform(r, 0.05, 20.0);
    }
}

static int32_t gen_top_k(tu_rng *r, size_t n) {
    switch (tu_below(r, 16)) {
    case 0: return 0;
    case 1: return -1 - (int32_t)tu_below(r, 5);
    case 2: return INT32_MIN;
    case 3: return (int32_t)n;
    case 4: return (int32_t)(n + 1 + tu_below(r, 5));
    case 5: return INT32_MAX;
    case 6: return 1;
    default: return (int32_t)log_uniform(r, 1.0, (double)n + 1.0);
    }
}

static size_t gen_min_keep(tu_rng *r, size_t n) {
    switch (tu_below(r, 16)) {
    case 0: return 0;
    case 1: return 2 + tu_below(r, 9);
    case 2: return 1 + tu_below(r, n);
    case 3: return n + 5;
    case 4: return SIZE_MAX;
    default: return 1;
    }
}

/* p just below 1 is kept rare: a prefix that leaves out less than ~1e-6 of the mass is
 * within float rounding of such a p, so most of those cases are ambiguous. */
static float gen_top_p(tu_rng *r) {
    switch (tu_below(r, 256)) {
    case 0: return nextafterf(1.0f, 0.0f);
    case 1: return FLT_TRUE_MIN;
    default: break;
    }
    switch (tu_below(r, 32)) {
    case 0: return 0.0f;
    case 1: return -0.25f;
    case 2: return 1.0f;
    case 3: return 1.5f;
    case 4: return 1e-7f;
    default: return (float)tu_unif(r);
    }
}

static float gen_min_p(tu_rng *r) {
    switch (tu_below(r, 32)) {
    case 0: return 0.0f;
    case 1: return -0.5f;
    case 2: return 1.0f;
    case 3: return 1.5f;
    case 4: return 1e-38f;
    case 5: return FLT_TRUE_MIN;
    case 6: return nextafterf(1.0f, 0.0f);
    case 7: return nextafterf(1.0f, 2.0f);
    case 8: return FLT_MAX;
    default: return (float)(tu_below(r, 2) ? tu_unif(r) : log_uniform(r, 1e-4, 1.0));
    }
}

typedef struct {
    const char *name;
    size_t np;
    ref_kind kinds[3];
} config;

static const config configs[] = {
    {"temp", 1, {REF_TEMP}},
    {"top_k", 1, {REF_TOP_K}},
    {"top_p", 1, {REF_TOP_P}},
    {"min_p", 1, {REF_MIN_P}},
    {"top_k+top_p", 2, {REF_TOP_K, REF_TOP_P}},
    {"top_p+temp", 2, {REF_TOP_P, REF_TEMP}},
    {"temp+top_p", 2, {REF_TEMP, REF_TOP_P}},
    {"temp+min_p", 2, {REF_TEMP, REF_MIN_P}},
    {"min_p+top_k", 2, {REF_MIN_P, REF_TOP_K}},
    {"top_p+min_p", 2, {REF_TOP_P, REF_MIN_P}},
    {"top_k+top_p+min_p", 3, {REF_TOP_K, REF_TOP_P, REF_MIN_P}},
    {"min_p+temp+top_p", 3, {REF_MIN_P, REF_TEMP, REF_TOP_P}},
    {"temp+top_k+top_p", 3, {REF_TEMP, REF_TOP_K, REF_TOP_P}},
    {"top_p+temp+min_p", 3, {REF_TOP_P, REF_TEMP, REF_MIN_P}},
    {"temp+top_p+temp", 3, {REF_TEMP, REF_TOP_P, REF_TEMP}},
};

static void gen_chain(tu_rng *r, const config *cf, size_t n, ref_proc *p) {
    for (size_t i = 0; i < cf->np; i++) {
        switch (cf->kinds[i]) {
        case REF_TEMP: p[i] = TEMP(gen_temp(r)); break;
        case REF_TOP_K: p[i] = TOPK(gen_top_k(r, n)); break;
        case REF_TOP_P: p[i] = TOPP(gen_top_p(r), gen_min_keep(r, n)); break;
        case REF_MIN_P: p[i] = MINP(gen_min_p(r), gen_min_keep(r, n)); break;
        }
    }
}

/* One random case, fully determined by its seed (printed on failure to rebuild it). With
 * `warm`, the chain first runs on other logits of the same kind. */
static int random_case(const config *cf, uint64_t seed, size_t n, int warm, tally *t) {
    tu_rng r = {seed};
    if (n == 0) n = gen_vocab(&r);
    float *x = malloc(n * sizeof *x), *y = warm ? malloc(n * sizeof *y) : NULL;
    if (!x || (warm && !y)) {
        free(x);
        return 0;
    }
    gen_shape(&r, x, n);
    gen_mask(&r, x, n);
    ref_proc p[3];
    gen_chain(&r, cf, n, p);
    if (y) gen_shape(&r, y, n);
    char label[96];
    snprintf(label, sizeof label, "%s seed 0x%llx%s", cf->name, (unsigned long long)seed,
             warm ? " (warm chain)" : "");
    int ok = check_case(label, x, n, p, cf->np, y, tu_next(&r), t);
    free(x);
    free(y);
    return ok;
}

enum { WANT_UNAMBIGUOUS = 1000, MAX_CASES = 1100, MAX_FAILED = 5 };

/* Random cases until 1000 unambiguous ones were compared; ambiguous ones must be < 1%. */
static void run_config(const config *cf, uint64_t seed) {
    tally t = {0};
    size_t failed = 0;
    for (uint64_t i = 0; t.unambiguous < WANT_UNAMBIGUOUS && t.cases < MAX_CASES; i++) {
        if (!random_case(cf, seed * 1000003u + i, 0, 0, &t) && ++failed >= MAX_FAILED) break;
    }
    check_note("%-18s %zu cases, %zu unambiguous, %zu ambiguous (%.2f%%, %zu decided unlike "
               "exact math); max |dp| %.3g, max |dp|/p %.3g, max |dp|/bound %.3f",
               cf->name, t.cases, t.unambiguous, t.ambiguous,
               100.0 * (double)t.ambiguous / (double)t.cases, t.flipped, t.max_abs, t.max_rel,
               t.max_ratio);
    CHECKF(t.unambiguous >= WANT_UNAMBIGUOUS || failed >= MAX_FAILED,
           "%s: only %zu unambiguous cases", cf->name, t.unambiguous);
    CHECKF(t.ambiguous * 100 < t.cases, "%s: %zu of %zu cases ambiguous (>= 1%%)", cf->name,
           t.ambiguous, t.cases);
}

static void run_configs(size_t from, size_t to) {
    for (size_t i = from; i < to; i++) run_config(&configs[i], 0x1000 + i);
}

static void chain_exact_random_single(void) { run_configs(0, 4); }
static void chain_exact_random_pairs(void) { run_configs(4, 10); }
static void chain_exact_random_triples(void) { run_configs(10, COUNT(configs)); }

/* A handful of large vocabularies: several 256-blocks, the narrowing paths of top-k/top-p,
 * each on a fresh chain and on one warmed up by other logits (speed hints from a previous
 * token). */
static void chain_exact_random_large_vocab(void) {
    static const size_t sizes[] = {65536, 70000, 131075, 300000};
    tally t = {0};
    for (size_t i = 0; i < COUNT(configs); i++)
        for (int warm = 0; warm < 2; warm++)
            random_case(&configs[i], 0xb16 + i, sizes[(i + (size_t)warm) % COUNT(sizes)], warm,
                        &t);
    check_note("%zu cases, %zu unambiguous, %zu ambiguous; max |dp| %.3g, max |dp|/p %.3g, "
               "max |dp|/bound %.3f",
               t.cases, t.unambiguous, t.ambiguous, t.max_abs, t.max_rel, t.max_ratio);
    CHECK(t.unambiguous + 3 >= t.cases);
}

/*
 * The benchmark's cells (tools/tsamp-bench.c: its chains on its two logit shapes) at the
 * vocabulary sizes it times: the fast paths there (hinted thresholds, narrowing, bisection,
 * blocked draws over many blocks) against the reference. Each chain runs twice, so the second
 * run goes through the thresholds the first one left as hints.
 */
static void chain_exact_benchmark_cells(void) {
    const struct { /* automatic: the ref_proc initialisers are compound literals */
        const char *name;
        size_t np;
        ref_proc p[4];
        int at_1m; /* also at 1048576 tokens (the reference sorts them: keep it to a few) */
    } chains[] = {
        {"a greedy", 1, {TEMP(0.0f)}, 0},
        {"b temp 0.8", 1, {TEMP(0.8f)}, 0},
        {"c top_k 40 top_p 0.95 min_p 0.05 temp 0.8", 4,
         {TOPK(40), TOPP(0.95f, 1), MINP(0.05f, 1), TEMP(0.8f)}, 1},
        {"d top_p 0.9", 1, {TOPP(0.9f, 1)}, 1},
        {"e min_p 0.05", 1, {MINP(0.05f, 1)}, 1},
        {"g top_k 40 temp 0.8", 2, {TOPK(40), TEMP(0.8f)}, 0},
    };
    static const size_t sizes[] = {128256, 1048576};
    static const char *shapes[] = {"normal3", "peaked"};
    tally t = {0};
    float *x = malloc(sizes[1] * sizeof *x);
    if (!x) return;
    for (size_t si = 0; si < COUNT(sizes); si++) {
        for (size_t sh = 0; sh < COUNT(shapes); sh++) {
            logit_shape_fill(x, sizes[si], shapes[sh]);
            for (size_t ci = 0; ci < COUNT(chains); ci++) {
                if (si == 1 && !chains[ci].at_1m) continue;
                char label[128];
                snprintf(label, sizeof label, "%s, %s, V=%zu", chains[ci].name, shapes[sh],
                         sizes[si]);
                CHECKF(check_case(label, x, sizes[si], chains[ci].p, chains[ci].np, x, ci, &t),
                       "%s", label);
            }
        }
    }
    free(x);
    /* top_p 0.9 is ambiguous there by construction: the peaked shape's dominant shares add
     * up to exactly 0.9, and at V = 1M normal3 prefix masses are ~1e-5 apart, so one lies
     * within the margin of any p. check_case still holds those to an acceptable prefix. */
    check_note("%zu cells, %zu unambiguous, %zu ambiguous (%zu decided unlike exact math); "
               "max |dp| %.3g, max |dp|/bound %.3f",
               t.cases, t.unambiguous, t.ambiguous, t.flipped, t.max_abs, t.max_ratio);
    CHECK(t.cases == 18);
}

/*
 * The distribution is a pure function of the logits and the chain: a chain that has already
 * processed other logits (and kept its speed hints) gives bitwise the same answer as a fresh one.
 */
static void chain_exact_history_independent(void) {
    enum { N = 70000 };
    float *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    float *p1 = malloc(N * sizeof *p1), *p2 = malloc(N * sizeof *p2);
    int32_t *i1 = malloc(N * sizeof *i1), *i2 = malloc(N * sizeof *i2);
    if (!x || !y || !p1 || !p2 || !i1 || !i2) goto out;
    const ref_proc chains[][2] = {{TOPP(0.9f, 1), TEMP(0.7f)}, {TOPK(500), TOPP(0.5f, 1)},
                                  {TEMP(1.3f), MINP(0.05f, 1)}};
    size_t diffs = 0;
    for (size_t k = 0; k < COUNT(chains); k++) {
        for (uint64_t s = 0; s < 8; s++) {
            tu_rng r = {0xabc + s * 31 + k};
            for (size_t i = 0; i < N; i++) x[i] = (float)(2.0 * tu_normal(&r));
            for (size_t i = 0; i < N; i++) y[i] = (float)(0.5 * tu_normal(&r)) - 3.0f;
            tsamp_chain *fresh = make_chain(N, chains[k], 2, 1);
            tsamp_chain *used = make_chain(N, chains[k], 2, 1);
            size_t n1 = 0, n2 = 0;
            if (!fresh || !used) break;
            tsamp_chain_distribution(used, y, i1, p1, N, &n1); /* leaves its hints behind */
            tsamp_chain_distribution(fresh, x, i1, p1, N, &n1);
            tsamp_chain_distribution(used, x, i2, p2, N, &n2);
            diffs += n1 != n2 || memcmp(i1, i2, n1 * sizeof *i1) || memcmp(p1, p2, n1 * sizeof *p1);
            tsamp_chain_free(fresh);
            tsamp_chain_free(used);
        }
    }
    CHECKF(diffs == 0, "%zu of 24 distributions depend on what the chain processed before", diffs);
out:
    free(x), free(y), free(p1), free(p2), free(i1), free(i2);
}

void suite_chain_exact(void) {
    RUN(chain_exact_top_k_ties);
    RUN(chain_exact_k_edges);
    RUN(chain_exact_top_p_exact_boundaries);
    RUN(chain_exact_min_keep);
    RUN(chain_exact_p_edges);
    RUN(chain_exact_masked);
    RUN(chain_exact_single_and_equal);
    RUN(chain_exact_huge);
    RUN(chain_exact_subnormal);
    RUN(chain_exact_greedy);
    RUN(chain_exact_temperature_stacking);
    RUN(chain_exact_temperature_saturation);
    RUN(chain_exact_huge_range_with_temperature);
    RUN(chain_exact_huge_temperature_keeps_order);
    RUN(chain_exact_random_single);
    RUN(chain_exact_random_pairs);
    RUN(chain_exact_random_triples);
    RUN(chain_exact_random_large_vocab);
    RUN(chain_exact_benchmark_cells);
    RUN(chain_exact_history_independent);
}
