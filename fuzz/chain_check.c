/* The chain invariants (see chain_check.h). */
#include "chain_check.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counting_alloc.h"
#include "invariants.h"

/* |sum of probabilities - 1|: each probability is w_i / W with W the library's canonical float
 * sum of the same w_i, so only W's rounding (at most 20 float additions deep) and the final
 * roundings remain; 32 roundings of 2^-24 bound both. */
#define SUM_BOUND 0x1p-19
/* Slack of the draw check on top of the probability tolerances (reference.h). */
#define DRAW_SLACK 1e-5L
#define NO_TOKEN (-7)
#define NO_COUNT ((size_t)0x5eed)

typedef struct {
    tsamp_status st;
    size_t n_kept;
    int32_t *ids;
    float *probs;
    int32_t token;
} outcome;

typedef struct {
    const fuzz_chain_case *cc;
    char desc[768]; /* the processors, vocabulary and position, for failure messages */
    fuzz_counter k;
    tsamp_allocator alloc;
    tsamp_status want; /* what sample and distribution must return for these logits */
} checker;

static int outcome_init(outcome *o, size_t n) {
    o->ids = malloc(n * sizeof *o->ids);
    o->probs = malloc(n * sizeof *o->probs);
    return o->ids && o->probs;
}

static void outcome_free(outcome *o) {
    free(o->ids);
    free(o->probs);
}

/* A chain with the case's processors; NULL (after checking TSAMP_ERR_ISA) if isa is not
 * available here. add_* must give the documented status and leave the chain unchanged on an
 * error. */
static tsamp_chain *new_chain(checker *x, tsamp_isa isa) {
    const fuzz_chain_case *cc = x->cc;
    tsamp_chain_params p = tsamp_chain_default_params();
    p.seed = cc->seed;
    p.stream = cc->stream;
    p.isa = isa;
    p.allocator = x->alloc;
    tsamp_chain *c = NULL;
    tsamp_status st = tsamp_chain_create(&c, cc->n, &p);
    if (!tsamp_isa_available(isa)) {
        FUZZ_CHECK_STATUS(st, TSAMP_ERR_ISA, tsamp_isa_name(isa));
        FUZZ_CHECK(c == NULL, "create wrote *out on %s", tsamp_status_str(st));
        return NULL;
    }
    FUZZ_CHECK_STATUS(st, TSAMP_OK, tsamp_isa_name(isa));
    for (size_t i = 0; i < cc->n_procs; i++) {
        const fuzz_proc *pr = &cc->procs[i];
        size_t before = tsamp_chain_n_processors(c);
        st = pr->desc->add(c, &pr->params);
        char what[128];
        pr->desc->describe(what, sizeof what, &pr->params);
        FUZZ_CHECK_STATUS(st, pr->desc->expected(&pr->params), what);
        FUZZ_CHECK(tsamp_chain_n_processors(c) == before + (st == TSAMP_OK),
                   "%s: %zu processors after, %zu before", what, tsamp_chain_n_processors(c),
                   before);
    }
    return c;
}

/* distribution + sample twice at `pos`; statuses, untouched outputs on errors, the position
 * kept, no allocation. */
static void run(checker *x, tsamp_chain *c, const float *logits, uint64_t pos, outcome *o) {
    const fuzz_chain_case *cc = x->cc;
    size_t allocs = x->k.calls;
    FUZZ_CHECK_STATUS(tsamp_chain_set_position(c, pos), TSAMP_OK, "set_position");
    size_t probe = cc->n < 64 ? cc->n : 64;
    for (size_t i = 0; i < probe; i++) o->ids[i] = NO_TOKEN;
    o->n_kept = NO_COUNT;
    o->st = tsamp_chain_distribution(c, logits, o->ids, o->probs, cc->n, &o->n_kept);
    FUZZ_CHECK_STATUS(o->st, x->want, x->desc);
    if (o->st != TSAMP_OK) {
        FUZZ_CHECK(o->n_kept == NO_COUNT, "%s: n_kept written on %s", x->desc,
                   tsamp_status_str(o->st));
        for (size_t i = 0; i < probe; i++)
            FUZZ_CHECK(o->ids[i] == NO_TOKEN, "%s: ids written on an error", x->desc);
    }
    int32_t t1 = NO_TOKEN, t2 = NO_TOKEN;
    FUZZ_CHECK_STATUS(tsamp_chain_sample(c, logits, &t1), x->want, x->desc);
    FUZZ_CHECK_STATUS(tsamp_chain_sample(c, logits, &t2), x->want, x->desc);
    FUZZ_CHECK(t1 == t2, "%s: the same input gave tokens %ld then %ld", x->desc, (long)t1,
               (long)t2);
    if (x->want != TSAMP_OK) FUZZ_CHECK(t1 == NO_TOKEN, "%s: token written on an error", x->desc);
    FUZZ_CHECK(tsamp_chain_position(c) == pos, "%s: sample moved the position", x->desc);
    FUZZ_CHECK(x->k.calls == allocs, "%s: %zu allocations during sample/distribution", x->desc,
               x->k.calls - allocs);
    o->token = t1;
}

static void same_outcome(const checker *x, const outcome *a, const outcome *b, const char *what) {
    FUZZ_CHECK(a->st == b->st && a->token == b->token,
               "%s: %s gives %s token %ld, scalar %s token %ld", x->desc, what,
               tsamp_status_str(b->st), (long)b->token, tsamp_status_str(a->st), (long)a->token);
    if (a->st != TSAMP_OK) return;
    FUZZ_CHECK(a->n_kept == b->n_kept, "%s: %s keeps %zu, scalar %zu", x->desc, what, b->n_kept,
               a->n_kept);
    for (size_t i = 0; i < a->n_kept; i++)
        FUZZ_CHECK(a->ids[i] == b->ids[i] && fuzz_same_bits(a->probs[i], b->probs[i]),
                   "%s: %s entry %zu is id %ld p %a, scalar id %ld p %a", x->desc, what, i,
                   (long)b->ids[i], (double)b->probs[i], (long)a->ids[i], (double)a->probs[i]);
}

/* The small-buffer and NULL statuses of distribution/sample. */
static void check_buffers(checker *x, tsamp_chain *c, const outcome *o) {
    const float *logits = x->cc->logits;
    int32_t id_scratch[4] = {NO_TOKEN, NO_TOKEN, NO_TOKEN, NO_TOKEN};
    float p_scratch[4] = {0};
    size_t nk = NO_COUNT;
    int32_t tok = NO_TOKEN;
    FUZZ_CHECK_STATUS(tsamp_chain_sample(c, NULL, &tok), TSAMP_ERR_NULL, "sample(logits NULL)");
    FUZZ_CHECK_STATUS(tsamp_chain_sample(c, logits, NULL), TSAMP_ERR_NULL, "sample(token NULL)");
    FUZZ_CHECK_STATUS(tsamp_chain_distribution(c, logits, NULL, p_scratch, 4, &nk), TSAMP_ERR_NULL,
                      "distribution(ids NULL, cap 4)");
    FUZZ_CHECK_STATUS(tsamp_chain_distribution(c, logits, id_scratch, p_scratch, 4, NULL),
                      TSAMP_ERR_NULL, "distribution(n_kept NULL)");
    if (o->st != TSAMP_OK) return;
    size_t cap = o->n_kept - 1 < 4 ? o->n_kept - 1 : 4;
    nk = NO_COUNT;
    tsamp_status st = tsamp_chain_distribution(c, logits, cap ? id_scratch : NULL,
                                               cap ? p_scratch : NULL, cap, &nk);
    FUZZ_CHECK_STATUS(st, TSAMP_ERR_BUFFER_TOO_SMALL, x->desc);
    FUZZ_CHECK(nk == o->n_kept, "%s: cap %zu reports n_kept %zu, want %zu", x->desc, cap, nk,
               o->n_kept);
    for (size_t i = 0; i < 4; i++)
        FUZZ_CHECK(id_scratch[i] == NO_TOKEN && p_scratch[i] == 0.0f,
                   "%s: cap %zu: ids/probs written on BUFFER_TOO_SMALL", x->desc, cap);
}

/* Everything about a successful outcome that the reference decides. */
static void check_against_reference(checker *x, const outcome *o, uint64_t pos) {
    const fuzz_chain_case *cc = x->cc;
    const float *logits = cc->logits;
    size_t L = o->n_kept;
    FUZZ_CHECK(L >= 1 && L <= cc->n, "%s: n_kept %zu", x->desc, L);
    long double sum = 0.0L;
    for (size_t j = 0; j < L; j++) {
        int32_t id = o->ids[j];
        FUZZ_CHECK(id >= 0 && (size_t)id < cc->n, "%s: kept id %ld out of range", x->desc,
                   (long)id);
        FUZZ_CHECK(j == 0 || id > o->ids[j - 1], "%s: kept ids not increasing at %zu", x->desc, j);
        FUZZ_CHECK(logits[id] > -INFINITY, "%s: kept id %ld has logit %g", x->desc, (long)id,
                   (double)logits[id]);
        float p = o->probs[j];
        FUZZ_CHECK(p >= 0.0f && p <= 1.0f, "%s: id %ld has probability %a", x->desc, (long)id,
                   (double)p);
        sum += p;
    }
    FUZZ_CHECK(fabsl(sum - 1.0L) <= SUM_BOUND, "%s: probabilities sum to 1 %+Lg", x->desc,
               sum - 1.0L);

    ref_chain r;
    int32_t *at = malloc(cc->n * sizeof *at); /* id -> place in the reference order, or -1 */
    long double *pr = malloc(cc->n * sizeof *pr), *tol = malloc(cc->n * sizeof *tol);
    if (!at || !pr || !tol || !ref_init(&r, logits, cc->n)) {
        free(at), free(pr), free(tol);
        return; /* out of memory in the harness: nothing to compare against */
    }
    for (size_t i = 0; i < cc->n_procs; i++) {
        const fuzz_proc *p = &cc->procs[i];
        if (p->desc->expected(&p->params) == TSAMP_OK) p->desc->reference(&r, &p->params);
    }
    FUZZ_CHECK(L >= r.lo && L <= r.hi, "%s: keeps %zu candidates, the definition allows %zu..%zu",
               x->desc, L, r.lo, r.hi);
    for (size_t i = 0; i < cc->n; i++) at[i] = -1;
    for (size_t i = 0; i < L; i++) at[r.order[i]] = (int32_t)i;
    for (size_t j = 0; j < L; j++)
        FUZZ_CHECK(at[o->ids[j]] >= 0,
                   "%s: keeps id %ld (logit %a) outside the first %zu candidates (last kept by "
                   "the definition: id %ld, logit %a)",
                   x->desc, (long)o->ids[j], (double)logits[o->ids[j]], L, (long)r.order[L - 1],
                   (double)logits[r.order[L - 1]]);
    if (r.greedy)
        FUZZ_CHECK(L == 1 && o->token == r.order[0],
                   "%s: greedy gave token %ld of %zu kept, argmax (lowest id) is %ld", x->desc,
                   (long)o->token, L, (long)r.order[0]);

    /* The token: kept, and where the documented draw lands. */
    size_t tj = L;
    for (size_t j = 0; j < L; j++)
        if (o->ids[j] == o->token) tj = j;
    FUZZ_CHECK(tj < L, "%s: sampled token %ld is not in the kept set", x->desc, (long)o->token);
    ref_probs(&r, L, pr, tol);
    long double below = 0.0L, tol_sum = DRAW_SLACK;
    for (size_t j = 0; j < L; j++) {
        size_t i = (size_t)at[o->ids[j]];
        FUZZ_CHECK(fabsl((long double)o->probs[j] - pr[i]) <= tol[i],
                   "%s: id %ld has probability %.9g, reference %.12Lg (tolerance %.3Lg, "
                   "scaled distance %.9Lg)",
                   x->desc, (long)o->ids[j], (double)o->probs[j], pr[i], tol[i], r.y[i]);
        tol_sum += tol[i];
        if (j < tj) below += pr[i];
    }
    tsamp_rng rng = tsamp_rng_at(cc->seed, cc->stream, pos);
    long double u = (long double)tsamp_rng_uniform(&rng);
    long double above = below + pr[at[o->token]];
    FUZZ_CHECK(L == 1 || (u >= below - tol_sum && u < above + tol_sum),
               "%s: u = %.17Lg drew token %ld whose cumulative interval is [%.17Lg, %.17Lg)",
               x->desc, u, (long)o->token, below, above);
    ref_free(&r);
    free(at), free(pr), free(tol);
}

/* Accept's statuses, and resuming: the same token at pos from pos - 1 plus one accept. */
static void check_accept(checker *x, tsamp_chain *c, const outcome *o, uint64_t pos) {
    size_t calls = x->k.calls;
    size_t n = x->cc->n;
    FUZZ_CHECK_STATUS(tsamp_chain_set_position(c, pos), TSAMP_OK, "set_position");
    FUZZ_CHECK_STATUS(tsamp_chain_accept(c, -1), TSAMP_ERR_VOCAB, "accept(-1)");
    if (n <= (size_t)INT32_MAX)
        FUZZ_CHECK_STATUS(tsamp_chain_accept(c, (int32_t)n), TSAMP_ERR_VOCAB, "accept(n)");
    FUZZ_CHECK(tsamp_chain_position(c) == pos, "%s: a refused accept moved the position", x->desc);
    FUZZ_CHECK_STATUS(tsamp_chain_set_position(c, pos - 1), TSAMP_OK, "set_position");
    FUZZ_CHECK_STATUS(tsamp_chain_accept(c, (int32_t)(pos % n)), TSAMP_OK, "accept");
    FUZZ_CHECK(tsamp_chain_position(c) == pos, "%s: accept did not advance to %llu", x->desc,
               (unsigned long long)pos);
    int32_t t = NO_TOKEN;
    FUZZ_CHECK_STATUS(tsamp_chain_sample(c, x->cc->logits, &t), o->st, x->desc);
    FUZZ_CHECK(t == o->token, "%s: resumed at the position, token %ld instead of %ld", x->desc,
               (long)t, (long)o->token);
    FUZZ_CHECK_STATUS(tsamp_chain_reset(c), TSAMP_OK, "reset");
    FUZZ_CHECK(tsamp_chain_position(c) == 0, "%s: reset left position %llu", x->desc,
               (unsigned long long)tsamp_chain_position(c));
    FUZZ_CHECK(x->k.calls == calls, "%s: accept/reset allocated", x->desc);
}

/* Other ISAs, a chain whose hints come from other logits, and a clone: the scalar bits. */
static void check_same_everywhere(checker *x, const outcome *ref_out, outcome *o) {
    const fuzz_chain_case *cc = x->cc;
    static const tsamp_isa isas[] = {TSAMP_ISA_AUTO, TSAMP_ISA_AVX2, TSAMP_ISA_AVX512,
                                     TSAMP_ISA_NEON};
    for (size_t i = 0; i < sizeof isas / sizeof isas[0]; i++) {
        tsamp_chain *c = new_chain(x, isas[i]);
        if (!c) continue;
        run(x, c, cc->logits, cc->position, o);
        same_outcome(x, ref_out, o, tsamp_isa_name(isas[i]));
        tsamp_chain_free(c);
    }
    if (!cc->warm) return;
    tsamp_chain *w = new_chain(x, TSAMP_ISA_AUTO);
    int32_t t = NO_TOKEN;
    size_t calls = x->k.calls;
    tsamp_status st = tsamp_chain_sample(w, cc->warm, &t);
    if (st == TSAMP_OK) FUZZ_CHECK_STATUS(tsamp_chain_accept(w, t), TSAMP_OK, "accept(warm)");
    FUZZ_CHECK(x->k.calls == calls, "%s: warm-up sample allocated", x->desc);
    run(x, w, cc->logits, cc->position, o);
    same_outcome(x, ref_out, o, "a chain warmed up on other logits");
    tsamp_chain *d = NULL;
    FUZZ_CHECK_STATUS(tsamp_chain_clone(w, &d), TSAMP_OK, "clone");
    FUZZ_CHECK(tsamp_chain_n_processors(d) == tsamp_chain_n_processors(w) &&
                   tsamp_chain_n_vocab(d) == cc->n,
               "%s: clone differs in processors or vocabulary", x->desc);
    run(x, d, cc->logits, cc->position, o);
    same_outcome(x, ref_out, o, "a clone");
    tsamp_chain_free(d);
    tsamp_chain_free(w);
}

void fuzz_check_chain(const fuzz_chain_case *cc) {
    checker x;
    memset(&x, 0, sizeof x);
    x.cc = cc;
    x.alloc = fuzz_counting_allocator(&x.k, 0);
    x.want = fuzz_logits_status(cc->logits, cc->n);
    char procs[600];
    fuzz_procs_describe(procs, sizeof procs, cc->procs, cc->n_procs);
    snprintf(x.desc, sizeof x.desc, "[%s] n_vocab %zu position %llu", procs, cc->n,
             (unsigned long long)cc->position);

    float *copy = malloc(cc->n * sizeof *copy);
    outcome a, b;
    int ok = outcome_init(&a, cc->n) & outcome_init(&b, cc->n);
    if (!copy || !ok) { /* out of memory in the harness: skip the input */
        free(copy), outcome_free(&a), outcome_free(&b);
        return;
    }
    memcpy(copy, cc->logits, cc->n * sizeof *copy);

    tsamp_chain *c = new_chain(&x, TSAMP_ISA_SCALAR);
    run(&x, c, cc->logits, cc->position, &a);
    check_buffers(&x, c, &a);
    if (a.st == TSAMP_OK) check_against_reference(&x, &a, cc->position);
    check_same_everywhere(&x, &a, &b);
    if (cc->position > 0) check_accept(&x, c, &a, cc->position);
    tsamp_chain_free(c);

    FUZZ_CHECK(x.k.allocs == x.k.frees, "%s: %zu allocations, %zu frees", x.desc, x.k.allocs,
               x.k.frees);
    FUZZ_CHECK(memcmp(copy, cc->logits, cc->n * sizeof *copy) == 0,
               "%s: the caller's logits were written", x.desc);
    free(copy);
    outcome_free(&a);
    outcome_free(&b);
}
