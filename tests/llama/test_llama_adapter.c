/*
 * `make test-llama`: contrib/llama/tsamp_llama.c against the real libllama (the prebuilt one
 * of @node-llama-cpp/linux-x64, fetched by tests/llama/fetch.sh). One PASS/FAIL/SKIP line per
 * test, counted by tests/run.sh.
 *
 * Logits are fixed pseudo-random vectors (a vocabulary of 32000): a token's base logit plus
 * per-step noise, so the same tokens come back and penalties, DRY and n-gram bans have work.
 * The reference is tsamp itself: a chain with the same spec and seed, sampled with
 * tsamp_chain_sample on the same logits and accepted with tsamp_chain_accept.
 *
 * Link with -Wl,--wrap=malloc,... : every allocation made by this file, the adapter and the
 * static libtsamp goes through the counters below (libllama's own do not), so the tests can
 * assert that sampling allocates nothing.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "llama.h"
#include "llama2c_gguf.h"
#include "tsamp.h"
#include "tsamp_llama.h"

#ifndef LLAMA_LIB_DIR
#define LLAMA_LIB_DIR "build/llama/lib"
#endif

/* ---- allocation counters (--wrap) ------------------------------------------------------- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t m);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t m);
void *__wrap_realloc(void *p, size_t n);
static unsigned long n_allocs;
void *__wrap_malloc(size_t n) {
    n_allocs++;
    return __real_malloc(n);
}
void *__wrap_calloc(size_t n, size_t m) {
    n_allocs++;
    return __real_calloc(n, m);
}
void *__wrap_realloc(void *p, size_t n) {
    n_allocs++;
    return __real_realloc(p, n);
}

/* ---- fixed pseudo-random logits --------------------------------------------------------- */

#define NV 32000
#define NV_I ((int32_t)NV)

static uint64_t splitmix(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15u);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9u;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBu;
    return z ^ (z >> 31);
}
static double unif(uint64_t *s) { /* (0, 1) */
    return ((double)(splitmix(s) >> 11) + 0.5) * 0x1.0p-53;
}
static double normal(uint64_t *s) {
    double u = unif(s), v = unif(s);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

static float base_logit[NV];
static void init_base(void) {
    uint64_t s = 12345;
    for (size_t i = 0; i < NV; i++) base_logit[i] = (float)(3.0 * normal(&s));
    base_logit[0] = base_logit[NV - 1] = 11.0f; /* likely tokens at both ends of the ids */
}
/* The logits of step `step` of sequence `seq`. */
static void make_logits(float *out, uint64_t seq, uint64_t step) {
    uint64_t s = seq * 1000003u + step * 7919u + 1;
    for (size_t i = 0; i < NV; i++) out[i] = base_logit[i] + (float)normal(&s);
}

/* cur_p modes: the vocabulary in id order; shuffled; in order but for the last 1000 entries
 * (shuffled); a shuffled subset (others -inf in the reference vector). */
enum { FULL_IN_ORDER, FULL_SHUFFLED, FULL_TAIL_SHUFFLED, SUBSET_SHUFFLED };
/* A cycle of modes with every transition between the adapter's two paths (in order -> subset
 * leaves the scratch vector dirty, in order -> partly in order reuses a prefix, ...). */
static const int mode_cycle[8] = {FULL_IN_ORDER,      SUBSET_SHUFFLED, FULL_IN_ORDER,
                                  FULL_TAIL_SHUFFLED, FULL_IN_ORDER,   FULL_SHUFFLED,
                                  SUBSET_SHUFFLED,    FULL_TAIL_SHUFFLED};
#define CYCLE(t) mode_cycle[(unsigned)(t) % 8u]
static llama_token_data cand[NV];
static float ref_logits[NV];

/* Builds cur_p from logits (which become the reference vector, -inf where the subset has no
 * entry). */
static llama_token_data_array build(float *logits, int mode, uint64_t salt) {
    size_t n = 0;
    uint64_t s = salt * 31 + 7;
    for (size_t i = 0; i < NV; i++) {
        if (mode == SUBSET_SHUFFLED && unif(&s) < 0.4) {
            logits[i] = -INFINITY;
            continue;
        }
        cand[n].id = (llama_token)i;
        cand[n].logit = logits[i];
        cand[n].p = 0.25f;
        n++;
    }
    size_t lo = mode == FULL_TAIL_SHUFFLED ? n - 1000 : 0;
    if (mode != FULL_IN_ORDER)
        for (size_t i = n - 1; i > lo; i--) {
            size_t j = lo + (size_t)(splitmix(&s) % (i - lo + 1));
            llama_token_data t = cand[i];
            cand[i] = cand[j];
            cand[j] = t;
        }
    llama_token_data_array a = {cand, n, -1, false};
    return a;
}

static tsamp_chain *ref_chain_n(const char *spec, uint64_t seed, size_t n_vocab) {
    tsamp_chain_params p = tsamp_chain_default_params();
    p.seed = seed;
    tsamp_chain *c = NULL;
    if (tsamp_chain_create(&c, n_vocab, &p) != TSAMP_OK) return NULL;
    if (tsamp_chain_parse(c, spec) != TSAMP_OK) {
        tsamp_chain_free(c);
        return NULL;
    }
    return c;
}
static tsamp_chain *ref_chain(const char *spec, uint64_t seed) {
    return ref_chain_n(spec, seed, NV);
}

static struct llama_sampler *llama_chain_with(struct llama_sampler *s) {
    struct llama_sampler_chain_params cp = llama_sampler_chain_default_params();
    cp.no_perf = true;
    struct llama_sampler *chain = llama_sampler_chain_init(cp);
    llama_sampler_chain_add(chain, s);
    return chain;
}

/* Applies smpl to cur_p; returns the selected token id, or -1 (and a failed check) if the
 * selection is not a valid index. Also checks the array was not reordered or edited. */
static llama_token apply_and_pick(struct llama_sampler *smpl, llama_token_data_array *a) {
    llama_token first = a->data[0].id, last = a->data[a->size - 1].id;
    float first_l = a->data[0].logit;
    size_t n = a->size;
    llama_sampler_apply(smpl, a);
    CHECK(a->size == n && a->data == cand && !a->sorted);
    CHECK(a->data[0].id == first && a->data[n - 1].id == last && a->data[0].logit == first_l);
    if (a->selected < 0 || (size_t)a->selected >= a->size) {
        check_fail(__FILE__, __LINE__, "selected = %ld of %zu: %s", (long)a->selected, a->size,
                   tsamp_llama_last_error());
        return -1;
    }
    return a->data[a->selected].id;
}

static const char *const specs[] = {
    "",
    "temp=0.8 top_k=40 top_p=0.95 min_p=0.05",
    "penalties=64,1.3,0.2,0.1 temp=0.9 top_k=100",
    "dry=0.8,1.75,2,256 temp=1.1 min_p=0.02",
    "no_repeat_ngram=2,128 top_k=20",
    "typical=0.9 temp=0.7",
    "top_n_sigma=1.5 xtc=0.5,0.1 temp=1.2",
    "temp_ext=0.9,0.5,1 epsilon=0.0003",
    "top_k=50 mirostat=5,0.1,100",
    "mirostat_v2=4,0.2",
    "min_p=0.05 adaptive_p=0.4,0.9",
    "greedy",
};
#define N_SPECS (sizeof specs / sizeof specs[0])

static float logits_buf[NV];

/* Runs `steps` steps of the llama.cpp chain `lc` (holding a tsamp sampler) and the reference
 * `rc` on sequence `seq`, checking equal tokens; every 7th step also accepts an extra "prompt"
 * token in both. mode < 0: the modes of mode_cycle. Returns mismatches. */
static int lockstep(struct llama_sampler *lc, tsamp_chain *rc, uint64_t seq, int steps, int mode,
                    int32_t *tokens_out) {
    int bad = 0;
    for (int t = 0; t < steps; t++) {
        make_logits(logits_buf, seq, (uint64_t)t);
        int m = mode >= 0 ? mode : CYCLE(t);
        llama_token_data_array a = build(logits_buf, m, seq * 100000u + (uint64_t)t);
        llama_token got = apply_and_pick(lc, &a);
        int32_t want = -1;
        tsamp_status st = tsamp_chain_sample(rc, logits_buf, &want);
        if (st != TSAMP_OK || got != want) {
            if (bad++ < 3)
                check_fail(__FILE__, __LINE__, "seq %lu step %d mode %d: llama %ld, tsamp %ld (%s)",
                           (unsigned long)seq, t, m, (long)got, (long)want, tsamp_status_str(st));
            if (got < 0) return bad;
        }
        if (tokens_out) tokens_out[t] = got;
        llama_sampler_accept(lc, got);
        tsamp_chain_accept(rc, want);
        if (t % 7 == 6) {
            llama_token extra = (llama_token)((uint64_t)t * 2654435761u % NV);
            llama_sampler_accept(lc, extra);
            tsamp_chain_accept(rc, extra);
        }
    }
    return bad;
}

/* ---- tests ------------------------------------------------------------------------------ */

static void test_layout(void) {
    /* The pinned llama.h: name, accept, apply, reset, clone, free, 5 backend_* and copy_state.
     * A llama.h with another layout fails here first (then see the adapter's initializer). */
    _Static_assert(sizeof(struct llama_sampler_i) == 12 * sizeof(void (*)(void)),
                   "struct llama_sampler_i has changed: check tsamp_llama.c's interface");
    struct llama_sampler *s = tsamp_llama_sampler_init(NV, "temp=0.8", 1);
    CHECK(s != NULL);
    if (!s) return;
    const struct llama_sampler_i *i = s->iface;
    CHECK(i->name && i->accept && i->apply && i->reset && i->clone && i->free);
    CHECK(i->backend_init == NULL && i->backend_accept == NULL && i->backend_apply == NULL);
    CHECK(i->backend_set_input == NULL && i->backend_reset == NULL && i->copy_state == NULL);
    CHECK(tsamp_llama_sampler_is(s));
    CHECK(strcmp(llama_sampler_name(s), "tsamp") == 0);
    struct llama_sampler *c = llama_chain_with(s);
    CHECK(llama_sampler_chain_n(c) == 1 && llama_sampler_chain_get(c, 0) == s);
    CHECK(strcmp(llama_sampler_name(llama_sampler_chain_get(c, 0)), "tsamp") == 0);
    CHECK(!tsamp_llama_sampler_is(c) && tsamp_llama_sampler_chain(c) == NULL);
    CHECK(tsamp_llama_sampler_status(c) == TSAMP_ERR_NULL);
    CHECK(llama_sampler_get_seed(c) == LLAMA_DEFAULT_SEED); /* not a llama.cpp dist sampler */
    llama_sampler_free(c); /* frees s too */
}

/* Every spec, the vocabulary in id order (what llama_sampler_sample builds), 300 steps. */
static void test_same_tokens_full_vocab(void) {
    for (size_t k = 0; k < N_SPECS; k++) {
        uint64_t seed = 1000 + k;
        struct llama_sampler *lc = llama_chain_with(tsamp_llama_sampler_init(NV, specs[k], seed));
        tsamp_chain *rc = ref_chain(specs[k], seed);
        CHECKF(rc != NULL, "spec %s", specs[k]);
        if (!rc) continue;
        int bad = lockstep(lc, rc, k, 300, FULL_IN_ORDER, NULL);
        CHECKF(bad == 0, "spec \"%s\": %d of 300 tokens differ", specs[k], bad);
        tsamp_chain *inner = tsamp_llama_sampler_chain(llama_sampler_chain_get(lc, 0));
        CHECK(inner && tsamp_chain_position(inner) == tsamp_chain_position(rc));
        CHECK(tsamp_chain_position(rc) == 300 + 300 / 7);
        llama_sampler_free(lc);
        tsamp_chain_free(rc);
    }
}

/* Shuffled arrays and shuffled subsets, alternating with in-order ones (each switch between
 * the adapter's two paths). */
static void test_same_tokens_shuffled_and_subsets(void) {
    for (size_t k = 0; k < N_SPECS; k++) {
        uint64_t seed = 2000 + k;
        struct llama_sampler *s = tsamp_llama_sampler_init(NV, specs[k], seed);
        tsamp_chain *rc = ref_chain(specs[k], seed);
        if (!s || !rc) {
            CHECK(0);
            continue;
        }
        int bad = lockstep(s, rc, 50 + k, 150, -1, NULL); /* the sampler alone, no llama chain */
        CHECKF(bad == 0, "spec \"%s\": %d of 150 tokens differ", specs[k], bad);
        llama_sampler_free(s);
        tsamp_chain_free(rc);
    }
}

/* A tiny subset (as left by a top-k before), and one entry. */
static void test_small_subsets(void) {
    struct llama_sampler *s = tsamp_llama_sampler_init(NV, "temp=1.5", 9);
    tsamp_chain *rc = ref_chain("temp=1.5", 9);
    int counts[3] = {0, 0, 0};
    for (int t = 0; t < 200; t++) {
        for (size_t i = 0; i < NV; i++) ref_logits[i] = -INFINITY;
        llama_token ids[3] = {31999, 17, 4242};
        float ls[3] = {0.5f, 0.0f, 0.25f};
        for (int i = 0; i < 3; i++) {
            cand[i].id = ids[i];
            cand[i].logit = ls[i];
            cand[i].p = 0;
            ref_logits[ids[i]] = ls[i];
        }
        llama_token_data_array a = {cand, 3, -1, false};
        llama_token got = apply_and_pick(s, &a);
        int32_t want = -1;
        CHECK(tsamp_chain_sample(rc, ref_logits, &want) == TSAMP_OK && got == want);
        for (int i = 0; i < 3; i++) counts[i] += got == ids[i];
        llama_sampler_accept(s, got);
        tsamp_chain_accept(rc, want);
    }
    CHECKF(counts[0] > 40 && counts[1] > 40 && counts[2] > 40, "%d %d %d", counts[0], counts[1],
           counts[2]);
    cand[0].id = 123;
    cand[0].logit = -3.0f;
    llama_token_data_array one = {cand, 1, -1, false};
    CHECK(apply_and_pick(s, &one) == 123 && one.selected == 0);
    llama_sampler_free(s);
    tsamp_chain_free(rc);
}

/* reset: the tokens after a reset are those of a fresh sampler. */
static void test_reset(void) {
    const char *spec = "penalties=64,1.3,0.2,0.1 temp=0.9 top_k=100 mirostat_v2=5,0.3";
    static int32_t first[120], again[120];
    struct llama_sampler *lc = llama_chain_with(tsamp_llama_sampler_init(NV, spec, 77));
    tsamp_chain *rc = ref_chain(spec, 77);
    CHECK(lockstep(lc, rc, 5, 120, FULL_IN_ORDER, first) == 0);
    llama_sampler_reset(lc); /* the llama.cpp chain resets its samplers */
    tsamp_chain_reset(rc);
    CHECK(tsamp_chain_position(tsamp_llama_sampler_chain(llama_sampler_chain_get(lc, 0))) == 0);
    CHECK(lockstep(lc, rc, 5, 120, FULL_IN_ORDER, again) == 0);
    CHECK(memcmp(first, again, sizeof first) == 0);
    llama_sampler_free(lc);
    tsamp_chain_free(rc);
}

/* clone (of the llama.cpp chain, and of the sampler alone) and llama_sampler_copy: the copy
 * continues exactly as the original. */
static void test_clone_and_copy(void) {
    const char *spec = "dry=0.8,1.75,2,256 temp=1.1 min_p=0.02 mirostat=5,0.1,100";
    static int32_t a[150], b[150], c[150];
    struct llama_sampler *lc = llama_chain_with(tsamp_llama_sampler_init(NV, spec, 5));
    tsamp_chain *rc = ref_chain(spec, 5);
    CHECK(lockstep(lc, rc, 8, 100, FULL_IN_ORDER, NULL) == 0);
    struct llama_sampler *cl = llama_sampler_clone(lc);
    CHECK(cl != NULL && llama_sampler_chain_n(cl) == 1);
    CHECK(tsamp_llama_sampler_is(llama_sampler_chain_get(cl, 0)));
    CHECK(llama_sampler_chain_get(cl, 0) != llama_sampler_chain_get(lc, 0));
    struct llama_sampler *alone = llama_sampler_clone(llama_sampler_chain_get(lc, 0));
    CHECK(tsamp_llama_sampler_is(alone));
    /* llama_sampler_copy into a sampler of the same spec at another point. */
    struct llama_sampler *dst = llama_chain_with(tsamp_llama_sampler_init(NV, spec, 5));
    llama_sampler_copy(lc, dst);
    CHECK(tsamp_llama_sampler_is(llama_sampler_chain_get(dst, 0)));
    tsamp_chain *rc2, *rc3, *rc4;
    CHECK(tsamp_chain_clone(rc, &rc2) == TSAMP_OK);
    CHECK(tsamp_chain_clone(rc, &rc3) == TSAMP_OK);
    CHECK(tsamp_chain_clone(rc, &rc4) == TSAMP_OK);
    CHECK(lockstep(lc, rc, 9, 150, -1, a) == 0);
    CHECK(lockstep(cl, rc2, 9, 150, -1, b) == 0);
    CHECK(lockstep(alone, rc3, 9, 150, -1, c) == 0);
    CHECK(memcmp(a, b, sizeof a) == 0 && memcmp(a, c, sizeof a) == 0);
    CHECK(lockstep(dst, rc4, 9, 150, -1, b) == 0);
    CHECK(memcmp(a, b, sizeof a) == 0);
    llama_sampler_free(lc);
    llama_sampler_free(cl);
    llama_sampler_free(alone);
    llama_sampler_free(dst);
    tsamp_chain_free(rc);
    tsamp_chain_free(rc2);
    tsamp_chain_free(rc3);
    tsamp_chain_free(rc4);
}

/* "greedy" picks what llama.cpp's greedy sampler picks (ties included: both take the first
 * maximal entry of an in-order array, i.e. the lowest id). */
static void test_greedy_matches_llama(void) {
    struct llama_sampler *ts = tsamp_llama_sampler_init(NV, "greedy", 0);
    struct llama_sampler *lg = llama_sampler_init_greedy();
    for (int t = 0; t < 100; t++) {
        make_logits(logits_buf, 300, (uint64_t)t);
        if (t % 10 == 0) { /* a tie for the max */
            float mx = -INFINITY;
            for (size_t i = 0; i < NV; i++) mx = fmaxf(mx, logits_buf[i]);
            logits_buf[100 + t] = mx;
            logits_buf[20000 + t] = mx;
        }
        llama_token_data_array a = build(logits_buf, FULL_IN_ORDER, 0);
        llama_sampler_apply(lg, &a);
        int64_t want = a.selected;
        llama_token got = apply_and_pick(ts, &a);
        CHECKF(a.selected == want, "step %d: tsamp %ld, llama greedy %ld", t, (long)got,
               (long)want);
    }
    llama_sampler_free(ts);
    llama_sampler_free(lg);
}

/* llama.cpp's own chains that are deterministic (temperature 0, top-k 1, then dist) pick the
 * token tsamp picks; and tsamp after llama.cpp's temp(0) sees a single candidate. */
static void test_llama_temp0_chains(void) {
    struct llama_sampler_chain_params cp = llama_sampler_chain_default_params();
    struct llama_sampler *l1 = llama_sampler_chain_init(cp);
    llama_sampler_chain_add(l1, llama_sampler_init_top_k(40));
    llama_sampler_chain_add(l1, llama_sampler_init_temp(0.0f));
    llama_sampler_chain_add(l1, llama_sampler_init_dist(1234));
    struct llama_sampler *l2 = llama_sampler_chain_init(cp);
    llama_sampler_chain_add(l2, llama_sampler_init_top_k(1));
    llama_sampler_chain_add(l2, llama_sampler_init_dist(99));
    struct llama_sampler *l3 = llama_sampler_chain_init(cp);
    llama_sampler_chain_add(l3, llama_sampler_init_temp(0.0f));
    llama_sampler_chain_add(l3, tsamp_llama_sampler_init(NV, "temp=0.8 top_p=0.9", 3));
    struct llama_sampler *ts = tsamp_llama_sampler_init(NV, "top_k=40 temp=0", 3);
    for (int t = 0; t < 100; t++) {
        make_logits(logits_buf, 400, (uint64_t)t);
        llama_token_data_array a = build(logits_buf, FULL_IN_ORDER, 0);
        llama_token want = apply_and_pick(ts, &a);
        llama_sampler_accept(ts, want);
        struct llama_sampler *ls[3] = {l1, l2, l3};
        for (int j = 0; j < 3; j++) {
            make_logits(logits_buf, 400, (uint64_t)t); /* temp(0) edits the array */
            a = build(logits_buf, FULL_IN_ORDER, 0);
            llama_sampler_apply(ls[j], &a);
            CHECKF(a.selected >= 0 && a.data[a.selected].id == want, "step %d chain %d", t, j);
            if (a.selected >= 0) llama_sampler_accept(ls[j], a.data[a.selected].id);
        }
    }
    llama_sampler_free(l1);
    llama_sampler_free(l2);
    llama_sampler_free(l3);
    llama_sampler_free(ts);
}

/* llama.cpp's filters before tsamp: [llama top_k(50), tsamp "temp=0.7"] gives the tokens of
 * tsamp's own "top_k=50 temp=0.7" (llama.cpp hands over a sorted 50-entry subset). */
static void test_llama_filters_before(void) {
    struct llama_sampler_chain_params cp = llama_sampler_chain_default_params();
    struct llama_sampler *lc = llama_sampler_chain_init(cp);
    llama_sampler_chain_add(lc, llama_sampler_init_top_k(50));
    llama_sampler_chain_add(lc, tsamp_llama_sampler_init(NV, "temp=0.7", 11));
    tsamp_chain *rc = ref_chain("top_k=50 temp=0.7", 11);
    int bad = 0;
    for (int t = 0; t < 200; t++) {
        make_logits(logits_buf, 500, (uint64_t)t);
        llama_token_data_array a = build(logits_buf, t % 2 ? FULL_SHUFFLED : FULL_IN_ORDER, 3);
        llama_sampler_apply(lc, &a);
        CHECK(a.size == 50 && a.sorted);
        int32_t want = -1;
        CHECK(tsamp_chain_sample(rc, logits_buf, &want) == TSAMP_OK);
        llama_token got = a.selected >= 0 ? a.data[a.selected].id : -1;
        bad += got != want;
        llama_sampler_accept(lc, got);
        tsamp_chain_accept(rc, want);
    }
    CHECKF(bad == 0, "%d of 200 tokens differ", bad);
    llama_sampler_free(lc);
    tsamp_chain_free(rc);
}

/* TSAMP_LLAMA_FILL_P: .p is tsamp_chain_distribution's, and equals what llama.cpp's own
 * chain of the same processors computes (its dist sampler writes .p of the entries it kept). */
static void test_fill_p(void) {
    static const struct {
        const char *spec;
        int top_k;
        float top_p, min_p, temp;
    } cases[] = {
        {"top_k=40 temp=0.8", 40, 1.0f, 0.0f, 0.8f},
        {"top_k=200 top_p=0.9 min_p=0.02 temp=1.3", 200, 0.9f, 0.02f, 1.3f},
    };
    static int32_t ids[NV];
    static float probs[NV];
    static llama_token_data mine[NV];
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        tsamp_llama_params p = tsamp_llama_default_params();
        p.seed = 4;
        p.flags = TSAMP_LLAMA_FILL_P;
        struct llama_sampler *ts = tsamp_llama_sampler_init_ex(NV, cases[k].spec, &p);
        tsamp_chain *rc = ref_chain(cases[k].spec, 4);
        struct llama_sampler *lc = llama_sampler_chain_init(llama_sampler_chain_default_params());
        llama_sampler_chain_add(lc, llama_sampler_init_top_k(cases[k].top_k));
        llama_sampler_chain_add(lc, llama_sampler_init_top_p(cases[k].top_p, 1));
        llama_sampler_chain_add(lc, llama_sampler_init_min_p(cases[k].min_p, 1));
        llama_sampler_chain_add(lc, llama_sampler_init_temp(cases[k].temp));
        llama_sampler_chain_add(lc, llama_sampler_init_dist(4));
        double worst = 0;
        for (int t = 0; t < 60; t++) {
            make_logits(logits_buf, 600 + k, (uint64_t)t);
            llama_token_data_array a = build(logits_buf, CYCLE(t), (uint64_t)t);
            llama_token got = apply_and_pick(ts, &a);
            size_t kept = 0;
            CHECK(tsamp_chain_distribution(rc, logits_buf, ids, probs, NV, &kept) == TSAMP_OK);
            double sum = 0;
            size_t nonzero = 0;
            for (size_t i = 0; i < a.size; i++) {
                sum += a.data[i].p;
                nonzero += a.data[i].p > 0;
                mine[a.data[i].id] = a.data[i];
            }
            CHECKF(nonzero == kept && fabs(sum - 1) < 1e-5, "kept %zu/%zu sum %g", nonzero, kept,
                   sum);
            for (size_t j = 0; j < kept; j++) CHECK(mine[ids[j]].p == probs[j]);
            CHECK(a.selected >= 0 && a.data[a.selected].p > 0);
            /* llama.cpp's own chain on the same array (it sorts and truncates it). */
            llama_sampler_apply(lc, &a);
            CHECKF(a.size == kept, "step %d: llama.cpp keeps %zu, tsamp %zu", t, a.size, kept);
            for (size_t i = 0; i < a.size; i++) {
                float q = mine[a.data[i].id].p;
                double err = fabs((double)q - a.data[i].p) / a.data[i].p;
                worst = err > worst ? err : worst;
                CHECKF(err < 1e-4, "step %d token %ld: tsamp %g llama %g", t, (long)a.data[i].id,
                       (double)q, (double)a.data[i].p);
            }
            llama_sampler_accept(ts, got);
            tsamp_chain_accept(rc, got);
        }
        printf("  note: \"%s\": largest relative difference of .p from llama.cpp's: %.2e\n",
               cases[k].spec, worst);
        llama_sampler_free(ts);
        llama_sampler_free(lc);
        tsamp_chain_free(rc);
    }
}

/* A chain the caller built (an allow-list and a mask callback: no spec form), owned by the
 * sampler on success, still the caller's on failure. */
static void no_odd(void *user, const int32_t *ids, size_t n, uint8_t *keep) {
    (*(int *)user)++;
    for (size_t i = 0; i < n; i++) keep[i] = (uint8_t)(ids[i] % 2 == 0);
}
static void test_from_chain(void) {
    tsamp_chain_params p = tsamp_chain_default_params();
    p.seed = 8;
    p.stream = 3;
    tsamp_chain *c = NULL;
    CHECK(tsamp_chain_create(&c, NV, &p) == TSAMP_OK);
    int calls = 0;
    CHECK(tsamp_chain_add_top_k(c, 30) == TSAMP_OK);
    CHECK(tsamp_chain_add_mask_callback(c, no_odd, &calls) == TSAMP_OK);
    CHECK(tsamp_llama_sampler_from_chain(c, 0x80) == NULL); /* unknown flag: c still ours */
    CHECK(strstr(tsamp_llama_last_error(), "flags") != NULL);
    tsamp_chain *ref = NULL;
    CHECK(tsamp_chain_clone(c, &ref) == TSAMP_OK);
    struct llama_sampler *s = tsamp_llama_sampler_from_chain(c, 0);
    CHECK(s != NULL && tsamp_llama_sampler_chain(s) == c);
    struct llama_sampler *lc = llama_chain_with(s);
    CHECK(lockstep(lc, ref, 700, 60, -1, NULL) == 0);
    CHECK(calls == 120);
    llama_sampler_free(lc); /* frees s and c */
    tsamp_chain_free(ref);
}

static void test_errors(void) {
    CHECK(tsamp_llama_sampler_init(NV, "temp=0.8 top_k=x", 1) == NULL);
    CHECKF(strstr(tsamp_llama_last_error(), "offset") && strstr(tsamp_llama_last_error(), "top_k"),
           "%s", tsamp_llama_last_error());
    CHECK(tsamp_llama_sampler_init(NV, "top_p=nan", 1) == NULL);
    CHECK(tsamp_llama_sampler_init(0, "temp=1", 1) == NULL);
    CHECK(strstr(tsamp_llama_last_error(), "n_vocab") != NULL);
    CHECK(tsamp_llama_sampler_init(NV, NULL, 1) == NULL);
    CHECK(tsamp_llama_sampler_init(NV, "allow=32000", 1) == NULL); /* id outside */
    tsamp_llama_params bad = {0, 0, 0x10};
    CHECK(tsamp_llama_sampler_init_ex(NV, "", &bad) == NULL);
    CHECK(tsamp_llama_sampler_from_chain(NULL, 0) == NULL);
    CHECK(tsamp_llama_sampler_chain(NULL) == NULL && !tsamp_llama_sampler_is(NULL));

    struct llama_sampler *s = tsamp_llama_sampler_init(NV, "temp=0.9 top_k=64", 2);
    tsamp_chain *rc = ref_chain("temp=0.9 top_k=64", 2);
    /* Each bad array: selected -1, a status, a message; then good arrays still agree with the
     * reference (the scratch state was put back). */
    for (int round = 0; round < 8; round++) {
        make_logits(logits_buf, 800, (uint64_t)round);
        llama_token_data_array a = build(logits_buf, CYCLE(round), (uint64_t)round);
        tsamp_status want_st = TSAMP_OK;
        switch (round) {
        case 0: a.data[a.size / 2].logit = NAN; want_st = TSAMP_ERR_NONFINITE; break;
        case 1: a.data[a.size - 1].id = NV; want_st = TSAMP_ERR_VOCAB; break;
        case 2: a.data[7].id = 6; want_st = TSAMP_ERR_INVALID_PARAM; break; /* duplicate */
        case 3: a.data[a.size / 3].id = a.data[2].id; want_st = TSAMP_ERR_INVALID_PARAM; break;
        case 4: a.size = 0; want_st = TSAMP_ERR_ALL_MASKED; break;
        case 5:
            for (size_t i = 0; i < a.size; i++) a.data[i].logit = -INFINITY;
            want_st = TSAMP_ERR_ALL_MASKED;
            break;
        case 6: a.data[a.size - 2].logit = INFINITY; want_st = TSAMP_ERR_NONFINITE; break;
        case 7: a.data[a.size - 10].id = -5; want_st = TSAMP_ERR_VOCAB; break;
        }
        a.selected = 5;
        llama_sampler_apply(s, &a);
        CHECKF(a.selected == -1, "round %d", round);
        CHECKF(tsamp_llama_sampler_status(s) == want_st, "round %d: %s", round,
               tsamp_status_str(tsamp_llama_sampler_status(s)));
        CHECKF(strncmp(tsamp_llama_last_error(), "tsamp_llama apply", 17) == 0, "round %d: %s",
               round, tsamp_llama_last_error());
        CHECK(lockstep(s, rc, 900 + (uint64_t)round, 6, -1, NULL) == 0);
        CHECK(tsamp_llama_sampler_status(s) == TSAMP_OK);
    }
    llama_sampler_accept(s, -1);
    CHECK(tsamp_llama_sampler_status(s) == TSAMP_ERR_VOCAB);
    llama_sampler_accept(s, NV);
    CHECK(tsamp_llama_sampler_status(s) == TSAMP_ERR_VOCAB);
    CHECK(tsamp_chain_position(tsamp_llama_sampler_chain(s)) == tsamp_chain_position(rc));
    llama_sampler_free(s);
    tsamp_chain_free(rc);
}

/* apply and accept allocate nothing (the adapter and libtsamp; llama.cpp's chain is its own
 * business): 600 tokens through a llama.cpp chain, every array mode. */
static void test_no_allocation_per_token(void) {
    const char *spec = "penalties=64,1.3 dry=0.8,1.75,2,256 temp=0.9 top_k=100 mirostat_v2=5,0.1";
    tsamp_llama_params p = tsamp_llama_default_params();
    p.flags = TSAMP_LLAMA_FILL_P;
    struct llama_sampler *lc = llama_chain_with(tsamp_llama_sampler_init_ex(NV, spec, &p));
    unsigned long before = n_allocs;
    for (int t = 0; t < 600; t++) {
        make_logits(logits_buf, 1000, (uint64_t)t);
        llama_token_data_array a = build(logits_buf, CYCLE(t), (uint64_t)t);
        llama_token tok = apply_and_pick(lc, &a);
        llama_sampler_accept(lc, tok);
    }
    CHECKF(n_allocs == before, "%lu allocations in 600 tokens", n_allocs - before);
    llama_sampler_free(lc);
}

/* Not a check: what the adapter adds to tsamp_chain_sample, per token (notes only). */
static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}
static void test_timing_notes(void) {
    const char *spec = "temp=0.8 top_k=40 top_p=0.95 min_p=0.05";
    tsamp_llama_params p = tsamp_llama_default_params();
    struct llama_sampler *s = tsamp_llama_sampler_init_ex(NV, spec, &p);
    p.flags = TSAMP_LLAMA_FILL_P;
    struct llama_sampler *sp = tsamp_llama_sampler_init_ex(NV, spec, &p);
    tsamp_chain *rc = ref_chain(spec, 0);
    make_logits(logits_buf, 1234, 0);
    const int reps = 300;
    double t_direct = 0, t_modes[3] = {0, 0, 0}, t_fill = 0;
    int32_t tok;
    for (int r = 0; r < reps; r++) {
        double t0 = now_us();
        CHECK(tsamp_chain_sample(rc, logits_buf, &tok) == TSAMP_OK);
        t_direct += now_us() - t0;
    }
    static const int modes[3] = {FULL_IN_ORDER, FULL_SHUFFLED, SUBSET_SHUFFLED};
    for (int k = 0; k < 3; k++) {
        make_logits(logits_buf, 1234, 0);
        llama_token_data_array a = build(logits_buf, modes[k], 1);
        for (int r = 0; r < reps; r++) {
            double t0 = now_us();
            llama_sampler_apply(s, &a);
            t_modes[k] += now_us() - t0;
            CHECK(a.selected >= 0);
        }
        if (k == 0)
            for (int r = 0; r < reps; r++) {
                double t0 = now_us();
                llama_sampler_apply(sp, &a);
                t_fill += now_us() - t0;
            }
    }
    printf("  note: \"%s\", %d tokens, us per token: tsamp_chain_sample %.1f; apply: in id order "
           "%.1f, shuffled %.1f, 60%% subset shuffled %.1f; in id order with "
           "TSAMP_LLAMA_FILL_P %.1f\n",
           spec, NV, t_direct / reps, t_modes[0] / reps, t_modes[1] / reps, t_modes[2] / reps,
           t_fill / reps);
    llama_sampler_free(s);
    llama_sampler_free(sp);
    tsamp_chain_free(rc);
}

/* ---- a real llama.cpp context ------------------------------------------------------------ */

/* llama.cpp's log: errors only (the model loader is chatty). */
static void quiet_log(enum ggml_log_level level, const char *text, void *user) {
    (void)user;
    if (level == GGML_LOG_LEVEL_ERROR) fputs(text, stderr);
}

/* Decodes `prompt` (BOS first) then generates up to n tokens with llama_sampler_sample(smpl);
 * if rc is not NULL, each token must be tsamp_chain_sample(rc) on a copy of the same logits.
 * The text goes to text (cap bytes). Returns the number of tokens generated, -1 on an error. */
static int generate(struct llama_context *ctx, const struct llama_vocab *vocab,
                    struct llama_sampler *smpl, tsamp_chain *rc, const char *prompt, int n,
                    llama_token *out, char *text, size_t cap) {
    static llama_token toks[256];
    static float logits[4096];
    const int32_t nv = llama_vocab_n_tokens(vocab);
    CHECK(nv > 0 && nv <= 4096);
    llama_memory_clear(llama_get_memory(ctx), true);
    int32_t np = llama_tokenize(vocab, prompt, (int32_t)strlen(prompt), toks, 256, true, false);
    CHECKF(np > 0, "llama_tokenize: %ld", (long)np);
    if (np <= 0) return -1;
    if (llama_decode(ctx, llama_batch_get_one(toks, np)) != 0) {
        check_fail(__FILE__, __LINE__, "llama_decode of the prompt failed");
        return -1;
    }
    size_t len = 0;
    text[0] = 0;
    int bad = 0, i;
    for (i = 0; i < n; i++) {
        const float *lg = llama_get_logits_ith(ctx, -1);
        CHECK(lg != NULL);
        if (!lg) return -1;
        memcpy(logits, lg, (size_t)nv * sizeof *logits);
        llama_token tok = llama_sampler_sample(smpl, ctx, -1);
        out[i] = tok;
        if (rc) {
            int32_t want = -1;
            CHECK(tsamp_chain_sample(rc, logits, &want) == TSAMP_OK);
            if (want != tok && bad++ < 3)
                check_fail(__FILE__, __LINE__, "token %d: llama_sampler_sample %ld, tsamp %ld", i,
                           (long)tok, (long)want);
            tsamp_chain_accept(rc, want);
        }
        char piece[64];
        int32_t pl = llama_token_to_piece(vocab, tok, piece, sizeof piece, 0, false);
        if (pl > 0 && len + (size_t)pl < cap) {
            memcpy(text + len, piece, (size_t)pl);
            len += (size_t)pl;
            text[len] = 0;
        }
        if (llama_vocab_is_eog(vocab, tok)) {
            i++;
            break;
        }
        if (llama_decode(ctx, llama_batch_get_one(&out[i], 1)) != 0) {
            check_fail(__FILE__, __LINE__, "llama_decode failed at token %d", i);
            return -1;
        }
    }
    return i;
}

/* stories260K (tests' shared model, llama2.c format) converted to GGUF and run by libllama:
 * llama_sampler_sample with the tsamp sampler in a real decoding loop. */
static void test_real_model(void) {
    const char *model = getenv("TSAMP_LLAMA_MODEL"), *tok = getenv("TSAMP_LLAMA_TOKENIZER");
    const char *gguf = getenv("TSAMP_LLAMA_GGUF");
    if (!model || !tok || !gguf) {
        check_skip("TSAMP_LLAMA_MODEL, TSAMP_LLAMA_TOKENIZER, TSAMP_LLAMA_GGUF not set");
        return;
    }
    if (access(model, R_OK) != 0 || access(tok, R_OK) != 0) {
        check_skip("no model at %s (the other tests ran on fixed logits only)", model);
        return;
    }
    char err[256];
    if (llama2c_to_gguf(model, tok, gguf, err, sizeof err) != 0) {
        check_fail(__FILE__, __LINE__, "converting to GGUF: %s", err);
        return;
    }
    llama_log_set(quiet_log, NULL);
    ggml_backend_load_all_from_path(LLAMA_LIB_DIR);
    struct llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = 0;
    struct llama_model *m = llama_model_load_from_file(gguf, mp);
    CHECKF(m != NULL, "llama_model_load_from_file(%s) failed", gguf);
    if (!m) return;
    struct llama_context_params cp = llama_context_default_params();
    cp.n_ctx = 256;
    cp.n_batch = 256;
    cp.n_threads = 1;
    cp.n_threads_batch = 1;
    cp.no_perf = true;
    struct llama_context *ctx = llama_init_from_model(m, cp);
    CHECK(ctx != NULL);
    if (!ctx) {
        llama_model_free(m);
        return;
    }
    const struct llama_vocab *vocab = llama_model_get_vocab(m);
    const int32_t nv = llama_vocab_n_tokens(vocab);
    CHECK(nv == 512);
    static llama_token a[200], b[200];
    static char text[4096], text2[4096];

    /* Greedy through tsamp = llama.cpp's greedy = the model's known story. */
    struct llama_sampler *ts = llama_chain_with(tsamp_llama_sampler_init(nv, "greedy", 0));
    struct llama_sampler *lg = llama_chain_with(llama_sampler_init_greedy());
    int n1 = generate(ctx, vocab, ts, NULL, "", 40, a, text, sizeof text);
    int n2 = generate(ctx, vocab, lg, NULL, "", 40, b, text2, sizeof text2);
    CHECKF(n1 == n2 && n1 > 0 && memcmp(a, b, (size_t)n1 * sizeof a[0]) == 0, "%s | %s", text,
           text2);
    CHECKF(strstr(text, "Once upon a time, there was a little girl named Lily") != NULL,
           "greedy text: %s", text);
    printf("  note: greedy: %.100s\n", text);
    llama_sampler_free(ts);
    llama_sampler_free(lg);

    /* Sampling: tokens equal tsamp_chain_sample's on the same logits, step by step. */
    const char *spec = "penalties=64,1.2 temp=0.9 top_k=40 min_p=0.05";
    ts = llama_chain_with(tsamp_llama_sampler_init(nv, spec, 2024));
    tsamp_chain *rc = ref_chain_n(spec, 2024, (size_t)nv);
    n1 = generate(ctx, vocab, ts, rc, "Once upon a time", 150, a, text, sizeof text);
    CHECK(n1 > 20);
    printf("  note: \"%s\" seed 2024, %d tokens: Once upon a time%.120s...\n", spec, n1, text);
    /* The same seed again (after reset): the same text. */
    llama_sampler_reset(ts);
    tsamp_chain_reset(rc);
    n2 = generate(ctx, vocab, ts, rc, "Once upon a time", 150, b, text2, sizeof text2);
    CHECK(n1 == n2 && memcmp(a, b, (size_t)n1 * sizeof a[0]) == 0);
    llama_sampler_free(ts);
    tsamp_chain_free(rc);

    llama_free(ctx);
    llama_model_free(m);
}

int main(int argc, char **argv) {
    check_select(argc - 1, argv + 1);
    init_base();
    printf("  note: libllama %s\n", llama_version());
    check_run("llama: interface layout, name, chain membership", test_layout);
    check_run("llama: same tokens as tsamp_chain_sample, 12 specs, vocabulary in id order",
              test_same_tokens_full_vocab);
    check_run("llama: same tokens with shuffled arrays and subsets",
              test_same_tokens_shuffled_and_subsets);
    check_run("llama: small subsets and a single entry", test_small_subsets);
    check_run("llama: reset gives the tokens of a fresh sampler", test_reset);
    check_run("llama: clone and llama_sampler_copy continue identically", test_clone_and_copy);
    check_run("llama: greedy picks llama_sampler_init_greedy's token", test_greedy_matches_llama);
    check_run("llama: llama.cpp temp-0 / top-k-1 chains pick tsamp's token",
              test_llama_temp0_chains);
    check_run("llama: after llama.cpp's top_k: tokens of tsamp's own top_k",
              test_llama_filters_before);
    check_run("llama: TSAMP_LLAMA_FILL_P matches tsamp and llama.cpp's probabilities",
              test_fill_p);
    check_run("llama: from_chain: ownership, mask callback", test_from_chain);
    check_run("llama: errors: NULL + message; bad arrays select -1", test_errors);
    check_run("llama: no allocation per token", test_no_allocation_per_token);
    check_run("llama: timing (notes only)", test_timing_notes);
    check_run("llama: llama_sampler_sample in a real llama.cpp context (stories260K as GGUF)",
              test_real_model);
    return 0;
}
