/*
 * Fuzz target: tsamp_chain_sample_logprobs.
 * Input: from the tail a chain (chain_config.h: the chain target's processors, maybe one
 * stateful/history/edit/mask item, seed, stream, a short history), n_top (0 .. 64 mostly;
 * sometimes 65 or more) and a warm-up choice; the rest is the logits (input.h: NaN, +-inf,
 * subnormals, +-1e38, n = 1 and tiled large vocabularies are reachable).
 * Invariants:
 *  - status: INVALID_PARAM for n_top > TSAMP_LOGPROBS_MAX_TOP (or the logits' error), else
 *    the status tsamp_chain_sample gives on a clone; without a masking item that is
 *    NONFINITE / ALL_MASKED / OK from the logits alone; NULL arguments give TSAMP_ERR_NULL;
 *    *out untouched on an error; no allocation; the position kept; the logits not written;
 *  - the token is bitwise what tsamp_chain_sample gives on a clone, and the chain is left
 *    in the same state (saved-state bytes) as that sample leaves the clone;
 *  - logprob_raw and every top_logprobs entry are bitwise tsamp_log_softmax(t = 1) of their
 *    token, within the long-double reference's bound of the exact log-softmax, and <= 0;
 *  - rank is 1 + the number of tokens before the token in the raw order (logit descending,
 *    lower id first on ties: the reference's order); n_top is min(requested, unmasked
 *    tokens); top_ids are the first n_top of that order, so their log-probabilities do not
 *    increase; the entries after them are id -1, -inf;
 *  - logprob is finite, <= 0, and exp(logprob) is the token's probability in
 *    tsamp_chain_distribution (on a clone) within the float roundings of both;
 *  - the same result, bitwise, on a clone and on a chain of every available ISA path.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain_config.h"
#include "counting_alloc.h"
#include "invariants.h"
#include "reference.h"

#define MAX_VOCAB 8448 /* above 8192, where the library's selections change strategy */
#define EPS 0x1p-24L
#define TINY 0x1p-149L

typedef struct {
    const float *x, *warm;
    size_t n, n_top;
    fuzz_chain_config cfg;
    uint64_t pos;
    char desc[640];
    fuzz_counter k;
    tsamp_allocator alloc;
} lp_case;

static size_t take_n_top(fuzz_input *in) {
    static const size_t edge[] = {TSAMP_LOGPROBS_MAX_TOP + 1, TSAMP_LOGPROBS_MAX_TOP + 2, 1000,
                                  SIZE_MAX, SIZE_MAX / 2, 0, 1, TSAMP_LOGPROBS_MAX_TOP};
    uint8_t sel = fuzz_take_u8(in) % 8;
    if (sel < 5) return fuzz_take_u8(in) % (TSAMP_LOGPROBS_MAX_TOP + 1);
    if (sel == 5) return TSAMP_LOGPROBS_MAX_TOP;
    if (sel == 6) return edge[fuzz_take_u8(in) % (sizeof edge / sizeof edge[0])];
    return (size_t)fuzz_take_u64(in);
}

static int same_logprobs(const tsamp_logprobs *a, const tsamp_logprobs *b) {
    if (a->token != b->token || !fuzz_same_bits(a->logprob_raw, b->logprob_raw) ||
        !fuzz_same_bits(a->logprob, b->logprob) || a->rank != b->rank || a->n_top != b->n_top)
        return 0;
    for (size_t i = 0; i < TSAMP_LOGPROBS_MAX_TOP; i++)
        if (a->top_ids[i] != b->top_ids[i] || !fuzz_same_bits(a->top_logprobs[i], b->top_logprobs[i]))
            return 0;
    return 1;
}

static void fill_sentinel(tsamp_logprobs *o) { memset(o, 0xa5, sizeof *o); }

static int is_sentinel(const tsamp_logprobs *o) {
    tsamp_logprobs s;
    fill_sentinel(&s);
    return memcmp(o, &s, sizeof s) == 0;
}

/* A float that should be `ref` within `tol`: -inf is right when ref - tol is past the float
 * range (the log-probability itself overflows). */
static int near(float got, long double ref, long double tol) {
    if (got == -INFINITY) return ref - tol <= -0x1.fffffep127L;
    return fabsl((long double)got - ref) <= tol;
}

/* The raw fields: tsamp_log_softmax's bits, the reference order, the reference values. */
static void check_raw(const lp_case *lc, const tsamp_logprobs *o) {
    size_t n = lc->n;
    float *ls = malloc(n * sizeof *ls);
    int32_t *at = malloc(n * sizeof *at); /* id -> place in the raw order, or -1 */
    ref_chain r;
    if (!ls || !at || !ref_init(&r, lc->x, n)) {
        free(ls), free(at);
        return; /* out of memory in the harness */
    }
    FUZZ_CHECK_STATUS(tsamp_log_softmax(lc->x, n, 1.0f, ls), TSAMP_OK, "log_softmax(t = 1)");
    for (size_t i = 0; i < n; i++) at[i] = -1;
    for (size_t i = 0; i < r.n; i++) at[r.order[i]] = (int32_t)i;

    int32_t tok = o->token;
    FUZZ_CHECK(tok >= 0 && (size_t)tok < n && at[tok] >= 0, "%s: token %ld is not a candidate",
               lc->desc, (long)tok);
    FUZZ_CHECK(fuzz_same_bits(o->logprob_raw, ls[tok]),
               "%s: logprob_raw %a, tsamp_log_softmax gives %a for token %ld", lc->desc,
               (double)o->logprob_raw, (double)ls[tok], (long)tok);
    FUZZ_CHECK(o->logprob_raw <= 0.0f, "%s: logprob_raw %a > 0", lc->desc, (double)o->logprob_raw);
    long double lt = ref_log_total(&r, r.n), es = ref_sum_error(&r, r.n);
    size_t place = (size_t)at[tok];
    long double want = r.y[place] - lt, tol = ref_log_prob_tol(&r, lt, es, place);
    FUZZ_CHECK(near(o->logprob_raw, want, tol),
               "%s: logprob_raw %.9g, reference %.12Lg (tolerance %.3Lg)", lc->desc,
               (double)o->logprob_raw, want, tol);
    FUZZ_CHECK(o->rank == place + 1, "%s: token %ld (logit %a) has rank %lu, %zu tokens come "
               "before it", lc->desc, (long)tok, (double)lc->x[tok], (unsigned long)o->rank, place);

    size_t nt = lc->n_top < r.n ? lc->n_top : r.n;
    FUZZ_CHECK(o->n_top == nt, "%s: n_top %zu for %zu requested and %zu unmasked", lc->desc,
               o->n_top, lc->n_top, r.n);
    for (size_t i = 0; i < nt; i++) {
        int32_t id = o->top_ids[i];
        FUZZ_CHECK(id == r.order[i], "%s: top entry %zu is id %ld (logit %a), the raw order has "
                   "id %ld (logit %a)", lc->desc, i, (long)id,
                   id >= 0 && (size_t)id < n ? (double)lc->x[id] : 0.0, (long)r.order[i],
                   (double)lc->x[r.order[i]]);
        float lp = o->top_logprobs[i];
        FUZZ_CHECK(fuzz_same_bits(lp, ls[id]), "%s: top entry %zu (id %ld) has %a, "
                   "tsamp_log_softmax %a", lc->desc, i, (long)id, (double)lp, (double)ls[id]);
        FUZZ_CHECK(lp <= 0.0f && (i == 0 || lp <= o->top_logprobs[i - 1]),
                   "%s: top entry %zu has %a after %a", lc->desc, i, (double)lp,
                   (double)(i ? o->top_logprobs[i - 1] : 0.0f));
    }
    for (size_t i = nt; i < TSAMP_LOGPROBS_MAX_TOP; i++)
        FUZZ_CHECK(o->top_ids[i] == -1 && o->top_logprobs[i] == -INFINITY,
                   "%s: unused top entry %zu is id %ld, %a", lc->desc, i, (long)o->top_ids[i],
                   (double)o->top_logprobs[i]);
    ref_free(&r);
    free(ls);
    free(at);
}

/* logprob against the token's probability in tsamp_chain_distribution (chain e, a clone of
 * the chain before the call). exp(logprob) and that float are both the weight over the
 * canonical total: the weight's exp (2 ulp), the float rounding of logprob (|logprob| ulp)
 * and of the probability (1 ulp, or 2^-149 once subnormal) separate them. */
static void check_processed(const lp_case *lc, tsamp_chain *e, const tsamp_logprobs *o) {
    size_t n = lc->n, kept = 0;
    int32_t *ids = malloc(n * sizeof *ids);
    float *pr = malloc(n * sizeof *pr);
    if (!ids || !pr) goto done;
    FUZZ_CHECK_STATUS(tsamp_chain_distribution(e, lc->x, ids, pr, n, &kept), TSAMP_OK, lc->desc);
    size_t j = 0;
    while (j < kept && ids[j] != o->token) j++;
    FUZZ_CHECK(j < kept, "%s: token %ld is not in the distribution", lc->desc, (long)o->token);
    long double lp = o->logprob, p = pr[j];
    /* finite: a drawn token has a positive weight, at least 2^-149 of a total <= n */
    FUZZ_CHECK(o->logprob <= 0.0f && o->logprob > -INFINITY, "%s: token %ld has logprob %a",
               lc->desc, (long)o->token, (double)o->logprob);
    long double tol = p * (1.01L * (7 * EPS + EPS * fabsl(lp)) + 0x1p-50L) + 2 * TINY;
    FUZZ_CHECK(fabsl(ref_exp(lp) - p) <= tol,
               "%s: token %ld has logprob %.9g (exp %.9Lg), distribution probability %.9g", lc->desc,
               (long)o->token, (double)o->logprob, ref_exp(lp), (double)pr[j]);
done:
    free(ids);
    free(pr);
}

/* Status rules, the token and the chain's state against tsamp_chain_sample on clone d. */
static void check_against_sample(const lp_case *lc, tsamp_status st, const tsamp_logprobs *o,
                                 tsamp_chain *c, tsamp_chain *d, tsamp_chain *e) {
    int32_t tok = -7;
    tsamp_status sd = tsamp_chain_sample(d, lc->x, &tok);
    if (lc->n_top > TSAMP_LOGPROBS_MAX_TOP) {
        FUZZ_CHECK(st == TSAMP_ERR_INVALID_PARAM || (sd != TSAMP_OK && st == sd),
                   "%s: n_top %zu gives %s", lc->desc, lc->n_top, tsamp_status_str(st));
    } else {
        FUZZ_CHECK(st == sd, "%s: %s, tsamp_chain_sample %s", lc->desc, tsamp_status_str(st),
                   tsamp_status_str(sd));
        if (!(fuzz_config_flags(&lc->cfg) & FUZZ_EXTRA_MASKS))
            FUZZ_CHECK_STATUS(st, fuzz_logits_status(lc->x, lc->n), lc->desc);
    }
    FUZZ_CHECK(tsamp_chain_position(c) == lc->pos, "%s: the position moved to %llu", lc->desc,
               (unsigned long long)tsamp_chain_position(c));
    if (st != TSAMP_OK) {
        FUZZ_CHECK(is_sentinel(o), "%s: *out written on %s", lc->desc, tsamp_status_str(st));
        /* refused before running: untouched (e); else what a failed sample does (d) */
        FUZZ_CHECK(fuzz_same_state(c, st == TSAMP_ERR_INVALID_PARAM ? e : d),
                   "%s: the chain's state after %s", lc->desc, tsamp_status_str(st));
        return;
    }
    FUZZ_CHECK(o->token == tok, "%s: token %ld, tsamp_chain_sample gives %ld", lc->desc,
               (long)o->token, (long)tok);
    FUZZ_CHECK(fuzz_same_state(c, d), "%s: the chain's state differs from a sample's", lc->desc);
}

/* NULL arguments: ERR_NULL, and nothing run (checked by the state comparisons later). */
static void check_nulls(const lp_case *lc, tsamp_chain *c) {
    tsamp_logprobs o;
    fill_sentinel(&o);
    FUZZ_CHECK_STATUS(tsamp_chain_sample_logprobs(NULL, lc->x, 1, &o), TSAMP_ERR_NULL, "c NULL");
    FUZZ_CHECK_STATUS(tsamp_chain_sample_logprobs(c, NULL, 1, &o), TSAMP_ERR_NULL, "logits NULL");
    FUZZ_CHECK_STATUS(tsamp_chain_sample_logprobs(c, lc->x, 1, NULL), TSAMP_ERR_NULL, "out NULL");
    FUZZ_CHECK(is_sentinel(&o), "%s: *out written on TSAMP_ERR_NULL", lc->desc);
}

/* A clone and every ISA path: the same status and bits. */
static void check_same_everywhere(lp_case *lc, tsamp_chain *before, tsamp_status st,
                                  const tsamp_logprobs *o) {
    static const tsamp_isa isas[] = {TSAMP_ISA_AUTO, TSAMP_ISA_AVX2, TSAMP_ISA_AVX512,
                                     TSAMP_ISA_NEON};
    tsamp_logprobs o2;
    for (size_t i = 0; i <= sizeof isas / sizeof isas[0]; i++) {
        tsamp_chain *c2 = NULL;
        const char *what = "a clone";
        if (i == 0) {
            if (tsamp_chain_clone(before, &c2) != TSAMP_OK) continue;
        } else {
            what = tsamp_isa_name(isas[i - 1]);
            c2 = fuzz_config_chain(&lc->cfg, lc->n, isas[i - 1], lc->alloc, lc->warm);
            if (!c2) continue;
        }
        fill_sentinel(&o2);
        size_t calls = lc->k.calls;
        tsamp_status st2 = tsamp_chain_sample_logprobs(c2, lc->x, lc->n_top, &o2);
        FUZZ_CHECK(lc->k.calls == calls, "%s: %s allocated", lc->desc, what);
        FUZZ_CHECK(st2 == st && (st != TSAMP_OK || same_logprobs(o, &o2)),
                   "%s: %s gives %s token %ld rank %lu logprob %a, scalar %s token %ld rank %lu "
                   "logprob %a", lc->desc, what, tsamp_status_str(st2), (long)o2.token,
                   (unsigned long)o2.rank, (double)o2.logprob, tsamp_status_str(st), (long)o->token,
                   (unsigned long)o->rank, (double)o->logprob);
        tsamp_chain_free(c2);
    }
}

static void check_case(lp_case *lc) {
    lc->alloc = fuzz_counting_allocator(&lc->k, 0);
    fuzz_config_describe(lc->desc, sizeof lc->desc, &lc->cfg, lc->n);
    size_t len = strlen(lc->desc);
    snprintf(lc->desc + len, sizeof lc->desc - len, " n_top %zu", lc->n_top);
    tsamp_chain *c = fuzz_config_chain(&lc->cfg, lc->n, TSAMP_ISA_SCALAR, lc->alloc, lc->warm);
    tsamp_chain *d = NULL, *e = NULL, *before = NULL;
    if (!c || tsamp_chain_clone(c, &d) != TSAMP_OK || tsamp_chain_clone(c, &e) != TSAMP_OK ||
        tsamp_chain_clone(c, &before) != TSAMP_OK)
        goto done;
    check_nulls(lc, c);
    tsamp_logprobs o;
    fill_sentinel(&o);
    size_t calls = lc->k.calls;
    tsamp_status st = tsamp_chain_sample_logprobs(c, lc->x, lc->n_top, &o);
    FUZZ_CHECK(lc->k.calls == calls, "%s: %zu allocations in the call", lc->desc,
               lc->k.calls - calls);
    check_against_sample(lc, st, &o, c, d, e);
    if (st == TSAMP_OK) {
        check_raw(lc, &o);
        check_processed(lc, e, &o);
    }
    check_same_everywhere(lc, before, st, &o);
done:
    tsamp_chain_free(c);
    tsamp_chain_free(d);
    tsamp_chain_free(e);
    tsamp_chain_free(before);
    FUZZ_CHECK(lc->k.allocs == lc->k.frees, "%s: %zu allocations, %zu frees", lc->desc,
               lc->k.allocs, lc->k.frees);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_begin("logprobs", size);
    fuzz_input in;
    fuzz_input_init(&in, data, size);
    lp_case lc;
    memset(&lc, 0, sizeof lc);
    fuzz_take_chain_config(&in, &lc.cfg, FUZZ_CONFIG_MAX_PROCS);
    lc.pos = fuzz_config_position(&lc.cfg);
    lc.n_top = take_n_top(&in);
    uint8_t warm = fuzz_take_u8(&in);
    float *x = NULL;
    size_t n = fuzz_take_logits(&in, MAX_VOCAB, &x);
    if (n == SIZE_MAX) return 0;
    if (n == 0) {
        tsamp_chain *c = NULL;
        FUZZ_CHECK_STATUS(tsamp_chain_create(&c, 0, NULL), TSAMP_ERR_VOCAB, "create(n_vocab 0)");
        return 0;
    }
    float *copy = malloc(n * sizeof *copy), *w = fuzz_warm_logits(x, n, warm);
    if (copy) {
        memcpy(copy, x, n * sizeof *copy);
        lc.x = x;
        lc.n = n;
        lc.warm = w;
        check_case(&lc);
        FUZZ_CHECK(memcmp(copy, x, n * sizeof *copy) == 0, "%s: the logits were written", lc.desc);
    }
    free(copy);
    free(w);
    free(x);
    return 0;
}
