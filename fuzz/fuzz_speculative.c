/*
 * Fuzz target: tsamp_speculative_verify.
 * Input: from the tail a target and a draft chain (chain_config.h), k (0..8), how the draft
 * rows and tokens are made (drafted by the documented procedure, or ids from the input,
 * -1 and n included), an optional poisoned row (NaN, +inf, all -inf) and an optional bad
 * argument (NULLs, target == draft, another vocabulary size, (k + 1) * n overflowing, a draft
 * token out of range); the rest is a pool of logits the rows are cut from (rotations of it).
 * Invariants:
 *  - statuses as documented: NULL, INVALID_PARAM, VOCAB, NONFINITE / ALL_MASKED from any row
 *    (any of those that apply); on them nothing written and neither chain changed
 *    (saved-state bytes); ALL_MASKED from the chain itself only with a processor that can mask
 *    everything, and then *n_out <= k tokens emitted and accepted;
 *  - OK: 1 <= n_out <= k + 1; the first n_out - 1 tokens are the draft's; the target chain
 *    advanced to P + n_out; the draft chain unchanged (state bytes; behaviour for processors
 *    with per-run scratch); no allocation; logits not written;
 *  - the documented rule, replayed on clones: each emitted token is a target candidate at its
 *    row (tsamp_chain_distribution at P + i after the earlier tokens), an accepted draft token
 *    passed u1 q < p and a rejected one failed it, the residual token is where the walk over
 *    max(0, p - q) lands with u2 (u1, u2 from the verification stream), the bonus is
 *    tsamp_chain_sample's token at P + k, and the target ends in the state accepting the
 *    emitted tokens gives (verify_rule.h's tolerances). With a target processor that watches
 *    the draw (mirostat, adaptive-p) only row 0 is replayed: the others depend on what it heard;
 *  - determinism: the same output on clones and on chains of every available ISA path.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain_config.h"
#include "counting_alloc.h"
#include "invariants.h"
#include "verify_rule.h"

#define MAX_VOCAB 2048
#define MAX_K 8
#define NO_TOKEN (-7)
#define NO_COUNT ((size_t)0x5eed)

enum { BAD_NONE, BAD_SAME, BAD_DRAFT_NULL, BAD_DLOGITS_NULL, BAD_TOKENS_NULL, BAD_VOCAB,
       BAD_OVERFLOW, BAD_OUT_NULL, BAD_N_OUT_NULL, BAD_TARGET_NULL, BAD_TLOGITS_NULL,
       BAD_TOKEN_RANGE, N_BAD };

typedef struct {
    fuzz_chain_config tc, dc; /* target, draft */
    size_t n, k;
    float *trows, *drows; /* (k + 1) rows of n; k rows of n + 1 (room for BAD_VOCAB) */
    int32_t tokens[MAX_K];
    int null_draft; /* k == 0: draft, draft_logits and draft_tokens NULL */
    unsigned bad;
    uint64_t pos;
    const float *warm;
    char desc[1400];
    fuzz_counter kc;
    tsamp_allocator alloc;
} spec_case;

typedef struct {
    tsamp_status st;
    size_t n_out;
    int32_t out[MAX_K + 1];
} verdict;

static const float *trow(const spec_case *sc, size_t i) { return sc->trows + i * sc->n; }
static const float *drow(const spec_case *sc, size_t i) { return sc->drows + i * sc->n; }

/* The documented statuses of the rows and tokens (errs gets them; returns how many). */
static size_t call_errors(const spec_case *sc, tsamp_status *errs) {
    size_t k = 0;
    int bad_token = 0, nonfinite = 0, masked = 0;
    for (size_t i = 0; i < sc->k; i++) bad_token |= sc->tokens[i] < 0 || (size_t)sc->tokens[i] >= sc->n;
    for (size_t i = 0; i < 2 * sc->k + 1; i++) {
        tsamp_status st = fuzz_logits_status(i <= sc->k ? trow(sc, i) : drow(sc, i - sc->k - 1), sc->n);
        nonfinite |= st == TSAMP_ERR_NONFINITE;
        masked |= st == TSAMP_ERR_ALL_MASKED;
    }
    if (bad_token) errs[k++] = TSAMP_ERR_VOCAB;
    if (nonfinite) errs[k++] = TSAMP_ERR_NONFINITE;
    if (masked) errs[k++] = TSAMP_ERR_ALL_MASKED;
    return k;
}

static int one_of(tsamp_status st, const tsamp_status *errs, size_t k) {
    for (size_t i = 0; i < k; i++)
        if (st == errs[i]) return 1;
    return 0;
}

static tsamp_status verify(tsamp_chain *t, tsamp_chain *d, const spec_case *sc, verdict *v) {
    for (size_t i = 0; i <= MAX_K; i++) v->out[i] = NO_TOKEN;
    v->n_out = NO_COUNT;
    int nul = sc->k == 0 && sc->null_draft;
    v->st = tsamp_speculative_verify(t, nul ? NULL : d, sc->trows, nul ? NULL : sc->drows,
                                     nul ? NULL : sc->tokens, sc->k, v->out, &v->n_out);
    return v->st;
}

static int untouched(const verdict *v) {
    if (v->n_out != NO_COUNT) return 0;
    for (size_t i = 0; i <= MAX_K; i++)
        if (v->out[i] != NO_TOKEN) return 0;
    return 1;
}

/* ---- a bad argument: its status, and nothing changed ------------------------------------- */

static void check_bad(spec_case *sc, tsamp_chain *t0, tsamp_chain *d0) {
    unsigned b = sc->bad;
    int needs_k = b == BAD_SAME || b == BAD_DRAFT_NULL || b == BAD_DLOGITS_NULL ||
                  b == BAD_TOKENS_NULL || b == BAD_VOCAB || b == BAD_TOKEN_RANGE;
    if (b == BAD_NONE || (needs_k && sc->k == 0)) return;
    tsamp_chain *t = NULL, *d = NULL;
    if (tsamp_chain_clone(t0, &t) != TSAMP_OK || tsamp_chain_clone(d0, &d) != TSAMP_OK) goto done;
    if (b == BAD_VOCAB) {
        tsamp_chain_free(d);
        d = fuzz_config_chain(&sc->dc, sc->n + 1, TSAMP_ISA_SCALAR, sc->alloc, NULL);
        if (!d) goto done;
    }
    tsamp_status errs[4];
    size_t ne = call_errors(sc, errs);
    static const tsamp_status want[N_BAD] = {
        TSAMP_OK, TSAMP_ERR_INVALID_PARAM, TSAMP_ERR_NULL, TSAMP_ERR_NULL, TSAMP_ERR_NULL,
        TSAMP_ERR_VOCAB, TSAMP_ERR_INVALID_PARAM, TSAMP_ERR_NULL, TSAMP_ERR_NULL, TSAMP_ERR_NULL,
        TSAMP_ERR_NULL, TSAMP_ERR_VOCAB};
    errs[ne++] = want[b];
    int32_t tokens[MAX_K];
    memcpy(tokens, sc->tokens, sizeof tokens);
    if (b == BAD_TOKEN_RANGE) tokens[sc->k - 1] = sc->tokens[0] % 2 ? -1 : (int32_t)sc->n;
    size_t k = b == BAD_OVERFLOW ? (sc->tokens[0] % 2 ? SIZE_MAX : SIZE_MAX / sc->n) : sc->k;
    verdict v;
    for (size_t i = 0; i <= MAX_K; i++) v.out[i] = NO_TOKEN;
    v.n_out = NO_COUNT;
    tsamp_status st = tsamp_speculative_verify(
        b == BAD_TARGET_NULL ? NULL : t, b == BAD_SAME ? t : b == BAD_DRAFT_NULL ? NULL : d,
        b == BAD_TLOGITS_NULL ? NULL : sc->trows, b == BAD_DLOGITS_NULL ? NULL : sc->drows,
        b == BAD_TOKENS_NULL ? NULL : tokens, k, b == BAD_OUT_NULL ? NULL : v.out,
        b == BAD_N_OUT_NULL ? NULL : &v.n_out);
    FUZZ_CHECK(one_of(st, errs, ne), "%s: bad argument %u gives %s, want %s", sc->desc, b,
               tsamp_status_str(st), tsamp_status_str(want[b]));
    FUZZ_CHECK(untouched(&v), "%s: bad argument %u: outputs written", sc->desc, b);
    FUZZ_CHECK(fuzz_same_state(t, t0), "%s: bad argument %u changed the target", sc->desc, b);
    if (b != BAD_VOCAB)
        FUZZ_CHECK(fuzz_same_state(d, d0), "%s: bad argument %u changed the draft", sc->desc, b);
done:
    tsamp_chain_free(t);
    tsamp_chain_free(d);
}

/* ---- the documented rule, replayed -------------------------------------------------------- */

typedef struct {
    fuzz_dist p, q;
} replay_bufs;

static int dist_at(tsamp_chain *c, const float *row, size_t n, fuzz_dist *d) {
    size_t kept = 0;
    tsamp_status st = tsamp_chain_distribution(c, row, d->ids, d->probs, n, &kept);
    d->n = kept;
    return st == TSAMP_OK;
}

/* Row i of an OK (or stopped) call: its token against p_i, q_i and the stream of P + i. */
static void replay_row(const spec_case *sc, const verdict *v, size_t i, tsamp_chain *tr,
                       tsamp_chain *d0, replay_bufs *b) {
    int32_t tok = v->out[i];
    FUZZ_CHECK(dist_at(tr, trow(sc, i), sc->n, &b->p), "%s: row %zu: no target distribution",
               sc->desc, i);
    FUZZ_CHECK(fuzz_dist_find(&b->p, tok) != SIZE_MAX, "%s: row %zu: token %ld is not a target "
               "candidate", sc->desc, i, (long)tok);
    if (i == sc->k) { /* the bonus: a plain sample at P + k */
        int32_t t = NO_TOKEN;
        FUZZ_CHECK(tsamp_chain_sample(tr, trow(sc, i), &t) == TSAMP_OK && t == tok,
                   "%s: bonus %ld, tsamp_chain_sample gives %ld", sc->desc, (long)tok, (long)t);
        return;
    }
    tsamp_chain *dq = NULL;
    if (tsamp_chain_clone(d0, &dq) != TSAMP_OK) return;
    FUZZ_CHECK_STATUS(tsamp_chain_set_position(dq, sc->pos + i), TSAMP_OK, "set_position");
    FUZZ_CHECK(dist_at(dq, drow(sc, i), sc->n, &b->q), "%s: row %zu: no draft distribution",
               sc->desc, i);
    tsamp_chain_free(dq);
    tsamp_rng r = fuzz_tagged_rng(sc->tc.seed, sc->tc.stream, sc->pos + i, 2);
    double u1 = tsamp_rng_uniform(&r), u2 = tsamp_rng_uniform(&r);
    int32_t x = sc->tokens[i];
    float px = fuzz_dist_prob(&b->p, x), qx = fuzz_dist_prob(&b->q, x);
    int accepted = i + 1 < v->n_out || v->st != TSAMP_OK;
    if (accepted) {
        FUZZ_CHECK(fuzz_accept_possible(u1, px, qx), "%s: row %zu: draft %ld accepted with "
                   "u1 %.17g, p %.9g, q %.9g", sc->desc, i, (long)x, u1, (double)px, (double)qx);
        return;
    }
    FUZZ_CHECK(fuzz_reject_possible(u1, px, qx), "%s: row %zu: draft %ld rejected with u1 %.17g, "
               "p %.9g, q %.9g", sc->desc, i, (long)x, u1, (double)px, (double)qx);
    char why[256];
    FUZZ_CHECK(fuzz_residual_plausible(&b->p, &b->q, u2, tok, why, sizeof why),
               "%s: row %zu: residual token %ld: %s", sc->desc, i, (long)tok, why);
}

static void replay(const spec_case *sc, const verdict *v, tsamp_chain *t0, tsamp_chain *d0,
                   tsamp_chain *t_after) {
    replay_bufs b;
    b.p.ids = malloc(sc->n * sizeof *b.p.ids);
    b.q.ids = malloc(sc->n * sizeof *b.q.ids);
    b.p.probs = malloc(sc->n * sizeof *b.p.probs);
    b.q.probs = malloc(sc->n * sizeof *b.q.probs);
    tsamp_chain *tr = NULL;
    int watches = fuzz_config_flags(&sc->tc) & FUZZ_EXTRA_WATCHES;
    if (!b.p.ids || !b.q.ids || !b.p.probs || !b.q.probs || tsamp_chain_clone(t0, &tr) != TSAMP_OK)
        goto done;
    for (size_t i = 0; i < v->n_out && (i == 0 || !watches); i++) {
        replay_row(sc, v, i, tr, d0, &b);
        FUZZ_CHECK_STATUS(tsamp_chain_accept(tr, v->out[i]), TSAMP_OK, "accept (replay)");
    }
    if (!watches)
        FUZZ_CHECK(fuzz_same_state(tr, t_after), "%s: the target's state differs from accepting "
                   "the emitted tokens", sc->desc);
done:
    tsamp_chain_free(tr);
    free(b.p.ids), free(b.q.ids), free(b.p.probs), free(b.q.probs);
}

/* ---- the call ------------------------------------------------------------------------------ */

/*
 * The draft chain after a call that ran it: as before. A processor that watches the draw keeps
 * per-run scratch in its saved state (adaptive-p's original probabilities, mirostat's speed
 * hint) that a run overwrites before it is read, so there the check is behavioural: the
 * same position, and the same tokens from sample + accept on the draft rows.
 */
static void check_draft_unchanged(const spec_case *sc, tsamp_chain *d, tsamp_chain *d0) {
    if (!(fuzz_config_flags(&sc->dc) & FUZZ_EXTRA_WATCHES)) {
        FUZZ_CHECK(fuzz_same_state(d, d0), "%s: the draft chain changed", sc->desc);
        return;
    }
    FUZZ_CHECK(tsamp_chain_position(d) == tsamp_chain_position(d0), "%s: the draft moved to %llu",
               sc->desc, (unsigned long long)tsamp_chain_position(d));
    tsamp_chain *a = NULL, *b = NULL;
    if (tsamp_chain_clone(d, &a) == TSAMP_OK && tsamp_chain_clone(d0, &b) == TSAMP_OK) {
        for (size_t i = 0; i < sc->k && i < 3; i++) {
            int32_t ta = NO_TOKEN, tb = NO_TOKEN;
            tsamp_status sa = tsamp_chain_sample(a, drow(sc, i), &ta);
            tsamp_status sb = tsamp_chain_sample(b, drow(sc, i), &tb);
            FUZZ_CHECK(sa == sb && ta == tb, "%s: after the call the draft samples %ld, before "
                       "it %ld (row %zu)", sc->desc, (long)ta, (long)tb, i);
            if (sa != TSAMP_OK) break;
            FUZZ_CHECK_STATUS(tsamp_chain_accept(a, ta), TSAMP_OK, "accept (draft)");
            FUZZ_CHECK_STATUS(tsamp_chain_accept(b, tb), TSAMP_OK, "accept (draft)");
        }
    }
    tsamp_chain_free(a);
    tsamp_chain_free(b);
}

static void check_result(const spec_case *sc, const verdict *v, tsamp_chain *t, tsamp_chain *t0,
                         tsamp_chain *d, tsamp_chain *d0) {
    tsamp_status errs[4];
    size_t ne = call_errors(sc, errs);
    unsigned masks = (fuzz_config_flags(&sc->tc) | fuzz_config_flags(&sc->dc)) & FUZZ_EXTRA_MASKS;
    FUZZ_CHECK(ne ? one_of(v->st, errs, ne)
                  : v->st == TSAMP_OK || (masks && v->st == TSAMP_ERR_ALL_MASKED),
               "%s: %s", sc->desc, tsamp_status_str(v->st));
    if (ne) { /* refused before running anything */
        FUZZ_CHECK(fuzz_same_state(d, d0), "%s: the draft changed on %s", sc->desc,
                   tsamp_status_str(v->st));
        FUZZ_CHECK(untouched(v), "%s: outputs written on %s", sc->desc, tsamp_status_str(v->st));
        FUZZ_CHECK(fuzz_same_state(t, t0), "%s: the target changed on %s", sc->desc,
                   tsamp_status_str(v->st));
        return;
    }
    int ok = v->st == TSAMP_OK;
    FUZZ_CHECK(ok ? v->n_out >= 1 && v->n_out <= sc->k + 1 : v->n_out <= sc->k,
               "%s: %s with n_out %zu", sc->desc, tsamp_status_str(v->st), v->n_out);
    size_t drafts = ok ? v->n_out - 1 : v->n_out; /* emitted tokens that must be the draft's */
    for (size_t i = 0; i < drafts; i++)
        FUZZ_CHECK(v->out[i] == sc->tokens[i], "%s: out[%zu] = %ld, draft token %ld", sc->desc, i,
                   (long)v->out[i], (long)sc->tokens[i]);
    for (size_t i = 0; i < v->n_out; i++)
        FUZZ_CHECK(v->out[i] >= 0 && (size_t)v->out[i] < sc->n, "%s: out[%zu] = %ld", sc->desc, i,
                   (long)v->out[i]);
    FUZZ_CHECK(tsamp_chain_position(t) == sc->pos + v->n_out, "%s: target at %llu after %zu "
               "tokens from %llu", sc->desc, (unsigned long long)tsamp_chain_position(t),
               v->n_out, (unsigned long long)sc->pos);
    check_draft_unchanged(sc, d, d0);
    replay(sc, v, t0, d0, t);
}

static int same_verdict(const verdict *a, const verdict *b) {
    if (a->st != b->st || a->n_out != b->n_out) return 0;
    size_t n = a->n_out <= MAX_K + 1 ? a->n_out : 0;
    return memcmp(a->out, b->out, n * sizeof *a->out) == 0;
}

/* Clones of the chains before the call, and chains of every ISA path: the same verdict. */
static void check_same_everywhere(spec_case *sc, const verdict *v, tsamp_chain *t0,
                                  tsamp_chain *d0, tsamp_chain *t_after) {
    static const tsamp_isa isas[] = {TSAMP_ISA_AUTO, TSAMP_ISA_AVX2, TSAMP_ISA_AVX512,
                                     TSAMP_ISA_NEON};
    for (size_t i = 0; i <= sizeof isas / sizeof isas[0]; i++) {
        tsamp_chain *t = NULL, *d = NULL;
        const char *what = i ? tsamp_isa_name(isas[i - 1]) : "a clone";
        if (i == 0) {
            if (tsamp_chain_clone(t0, &t) != TSAMP_OK || tsamp_chain_clone(d0, &d) != TSAMP_OK)
                goto next;
        } else {
            t = fuzz_config_chain(&sc->tc, sc->n, isas[i - 1], sc->alloc, sc->warm);
            d = fuzz_config_chain(&sc->dc, sc->n, isas[i - 1], sc->alloc, sc->warm);
            if (!t || !d) goto next;
        }
        verdict v2;
        verify(t, d, sc, &v2);
        FUZZ_CHECK(same_verdict(v, &v2), "%s: %s gives %s with %zu tokens (first %ld), scalar %s "
                   "with %zu (first %ld)", sc->desc, what, tsamp_status_str(v2.st), v2.n_out,
                   (long)v2.out[0], tsamp_status_str(v->st), v->n_out, (long)v->out[0]);
        if (i == 0)
            FUZZ_CHECK(fuzz_same_state(t, t_after), "%s: a clone's target ends elsewhere", sc->desc);
    next:
        tsamp_chain_free(t);
        tsamp_chain_free(d);
    }
}

static void check_case(spec_case *sc, int drafted, const uint16_t *raw_ids) {
    tsamp_chain *t = fuzz_config_chain(&sc->tc, sc->n, TSAMP_ISA_SCALAR, sc->alloc, sc->warm);
    tsamp_chain *d = fuzz_config_chain(&sc->dc, sc->n, TSAMP_ISA_SCALAR, sc->alloc, sc->warm);
    tsamp_chain *t0 = NULL, *d0 = NULL, *dd = NULL;
    if (!t || !d || tsamp_chain_clone(t, &t0) != TSAMP_OK || tsamp_chain_clone(d, &d0) != TSAMP_OK ||
        tsamp_chain_clone(d, &dd) != TSAMP_OK)
        goto done;
    sc->pos = tsamp_chain_position(t);
    /* the harness's stream derivation, with tag 0, must be tsamp_rng_at itself */
    tsamp_rng ra = tsamp_rng_at(sc->tc.seed, sc->tc.stream, sc->pos);
    tsamp_rng rb = fuzz_tagged_rng(sc->tc.seed, sc->tc.stream, sc->pos, 0);
    FUZZ_CHECK(tsamp_rng_next(&ra) == tsamp_rng_next(&rb) && tsamp_rng_next(&ra) == tsamp_rng_next(&rb),
               "fuzz_tagged_rng(tag 0) is not tsamp_rng_at");
    /* Draft tokens: ids from the input, or as tsamp.h says a caller drafts them */
    for (size_t i = 0; i < sc->k; i++) {
        uint16_t v = raw_ids[i];
        sc->tokens[i] = v & 0x8000 ? (int32_t)(v % (sc->n + 2)) - 1 : (int32_t)(v % sc->n);
        int32_t x = NO_TOKEN;
        if (drafted && tsamp_chain_set_position(dd, sc->pos + i) == TSAMP_OK &&
            tsamp_chain_sample(dd, drow(sc, i), &x) == TSAMP_OK)
            sc->tokens[i] = x;
    }
    size_t len = strlen(sc->desc);
    snprintf(sc->desc + len, sizeof sc->desc - len, " k %zu tokens", sc->k);
    for (size_t i = 0; i < sc->k; i++) {
        len = strlen(sc->desc);
        snprintf(sc->desc + len, sizeof sc->desc - len, " %ld", (long)sc->tokens[i]);
    }
    check_bad(sc, t0, d0);
    verdict v;
    size_t calls = sc->kc.calls;
    verify(t, d, sc, &v);
    FUZZ_CHECK(sc->kc.calls == calls, "%s: %zu allocations in the call", sc->desc,
               sc->kc.calls - calls);
    check_result(sc, &v, t, t0, d, d0);
    check_same_everywhere(sc, &v, t0, d0, t);
done:
    tsamp_chain_free(t), tsamp_chain_free(d), tsamp_chain_free(t0), tsamp_chain_free(d0);
    tsamp_chain_free(dd);
}

/* ---- input ---------------------------------------------------------------------------------- */

/* Target row i: the pool rotated by i * rot. Draft rows by `mode`: the target's, rotated
 * further, halved, or reversed. `poison` may spoil one row. */
static void make_rows(spec_case *sc, const float *pool, uint16_t rot, uint16_t rot_d,
                      unsigned mode, uint8_t poison) {
    size_t n = sc->n;
    for (size_t i = 0; i <= sc->k; i++)
        for (size_t j = 0; j < n; j++) sc->trows[i * n + j] = pool[(j + i * rot) % n];
    for (size_t i = 0; i < sc->k; i++) {
        const float *tr = trow(sc, i);
        float *dr = sc->drows + i * n;
        for (size_t j = 0; j < n; j++)
            dr[j] = mode == 0   ? tr[j]
                    : mode == 1 ? pool[(j + i * rot + rot_d) % n]
                    : mode == 2 ? tr[j] * 0.5f
                                : tr[n - 1 - j];
    }
    if (poison < 192) return;
    unsigned r = poison - 192u, kind = r % 3;
    size_t row = (r / 3) % (2 * sc->k + 1);
    float *x = row <= sc->k ? sc->trows + row * n : sc->drows + (row - sc->k - 1) * n;
    if (kind == 2)
        for (size_t j = 0; j < n; j++) x[j] = -INFINITY;
    else
        x[(r / 3) % n] = kind ? INFINITY : NAN;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_begin("speculative", size);
    fuzz_input in;
    fuzz_input_init(&in, data, size);
    static spec_case sc; /* large: kept off the stack */
    memset(&sc, 0, sizeof sc);
    fuzz_take_chain_config(&in, &sc.tc, 4);
    fuzz_take_chain_config(&in, &sc.dc, 4);
    sc.k = fuzz_take_u8(&in) % (MAX_K + 1);
    uint8_t how = fuzz_take_u8(&in);
    int drafted = how & 1;
    unsigned mode = (how >> 1) & 3;
    sc.null_draft = (how >> 3) & 1;
    uint16_t rot = fuzz_take_u16(&in), rot_d = fuzz_take_u16(&in);
    uint8_t poison = fuzz_take_u8(&in), bad = fuzz_take_u8(&in);
    sc.bad = bad < 160 ? BAD_NONE : 1u + (bad - 160u) % (N_BAD - 1);
    uint16_t raw_ids[MAX_K];
    for (size_t i = 0; i < sc.k; i++) raw_ids[i] = fuzz_take_u16(&in);
    uint8_t warm = fuzz_take_u8(&in);
    float *pool = NULL;
    size_t n = fuzz_take_logits(&in, MAX_VOCAB, &pool);
    if (n == SIZE_MAX || n == 0) return 0; /* n 0: create's VOCAB is the chain target's */
    sc.n = n;
    sc.trows = malloc((sc.k + 1) * n * sizeof *sc.trows);
    sc.drows = malloc((sc.k ? sc.k : 1) * (n + 1) * sizeof *sc.drows);
    float *copy = malloc((2 * sc.k + 1) * n * sizeof *copy), *w = fuzz_warm_logits(pool, n, warm);
    if (sc.trows && sc.drows && copy) {
        make_rows(&sc, pool, rot, rot_d, mode, poison);
        memcpy(copy, sc.trows, (sc.k + 1) * n * sizeof *copy);
        memcpy(copy + (sc.k + 1) * n, sc.drows, sc.k * n * sizeof *copy);
        sc.warm = w;
        sc.alloc = fuzz_counting_allocator(&sc.kc, 0);
        char td[600], dd[600];
        fuzz_config_describe(td, sizeof td, &sc.tc, n);
        fuzz_config_describe(dd, sizeof dd, &sc.dc, n);
        snprintf(sc.desc, sizeof sc.desc, "target %s draft %s", td, dd);
        check_case(&sc, drafted, raw_ids);
        FUZZ_CHECK(memcmp(copy, sc.trows, (sc.k + 1) * n * sizeof *copy) == 0 &&
                       memcmp(copy + (sc.k + 1) * n, sc.drows, sc.k * n * sizeof *copy) == 0,
                   "%s: the logits were written", sc.desc);
        FUZZ_CHECK(sc.kc.allocs == sc.kc.frees, "%s: %zu allocations, %zu frees", sc.desc,
                   sc.kc.allocs, sc.kc.frees);
    }
    free(copy), free(w), free(pool), free(sc.trows), free(sc.drows);
    return 0;
}
