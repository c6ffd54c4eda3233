/* Chain lifecycle, statuses for every bad input, determinism, and no allocation per token. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "testutil.h"
#include "tsamp.h"

static tsamp_chain *make_chain(size_t n, uint64_t seed, tsamp_isa isa) {
    tsamp_chain_params p = tsamp_chain_default_params();
    p.seed = seed;
    p.isa = isa;
    tsamp_chain *c = NULL;
    tsamp_status st = tsamp_chain_create(&c, n, &p);
    CHECKF(st == TSAMP_OK, "create: %s", tsamp_status_str(st));
    return c;
}

/* Counts allocations; fails the one numbered fail_at (1-based; 0 never fails). */
typedef struct {
    size_t allocs, frees, fail_at;
} counting;

static void *count_alloc(void *ctx, size_t size) {
    counting *k = ctx;
    if (++k->allocs == k->fail_at) return NULL;
    return malloc(size);
}

static void count_free(void *ctx, void *ptr) {
    counting *k = ctx;
    k->frees++;
    free(ptr);
}

static void test_create_statuses(void) {
    tsamp_chain *c = (tsamp_chain *)&c; /* a sentinel that must stay untouched */
    tsamp_chain_params p = tsamp_chain_default_params();
    CHECK(tsamp_chain_create(NULL, 10, NULL) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_create(&c, 0, NULL) == TSAMP_ERR_VOCAB);
    CHECK(tsamp_chain_create(&c, (size_t)INT32_MAX + 1, NULL) == TSAMP_ERR_VOCAB);
    p.allocator.alloc = count_alloc;
    CHECK(tsamp_chain_create(&c, 10, &p) == TSAMP_ERR_INVALID_PARAM);
    p = tsamp_chain_default_params();
    p.isa = (tsamp_isa)99;
    CHECK(tsamp_chain_create(&c, 10, &p) == TSAMP_ERR_INVALID_PARAM);
#if defined(__x86_64__)
    p.isa = TSAMP_ISA_NEON;
    CHECK(tsamp_chain_create(&c, 10, &p) == TSAMP_ERR_ISA);
#endif
    CHECK(c == (tsamp_chain *)&c);
    tsamp_chain_free(NULL);
}

static void test_out_of_memory_at_every_allocation(void) {
    for (size_t fail_at = 1; fail_at <= 10; fail_at++) {
        counting k = {0, 0, fail_at};
        tsamp_chain_params p = tsamp_chain_default_params();
        p.allocator.alloc = count_alloc;
        p.allocator.free = count_free;
        p.allocator.ctx = &k;
        tsamp_chain *c = NULL;
        tsamp_status st = tsamp_chain_create(&c, 1000, &p);
        if (st == TSAMP_OK) { /* creation took fewer allocations: fail the first add instead */
            st = tsamp_chain_add_top_k(c, 5);
            CHECK(st == TSAMP_OK || st == TSAMP_ERR_NOMEM);
            if (st == TSAMP_ERR_NOMEM) CHECK(tsamp_chain_n_processors(c) == 0);
            tsamp_chain_free(c);
        } else {
            CHECKF(st == TSAMP_ERR_NOMEM && c == NULL, "fail_at %zu: %s", fail_at,
                   tsamp_status_str(st));
        }
        CHECKF(k.allocs - (k.fail_at <= k.allocs) == k.frees, "fail_at %zu: %zu allocs %zu frees",
               fail_at, k.allocs, k.frees);
    }
}

static void test_add_statuses(void) {
    tsamp_chain *c = make_chain(16, 0, TSAMP_ISA_AUTO);
    CHECK(tsamp_chain_add_temperature(NULL, 1.0f) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_add_top_k(NULL, 1) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_add_top_p(NULL, 0.5f, 1) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_add_min_p(NULL, 0.5f, 1) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_add_temperature(c, -0.5f) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_temperature(c, NAN) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_temperature(c, INFINITY) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_top_p(c, NAN, 1) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_min_p(c, NAN, 1) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_n_processors(c) == 0);
    /* Edge values are accepted (they have documented meanings). */
    CHECK(tsamp_chain_add_temperature(c, 0.0f) == TSAMP_OK);
    CHECK(tsamp_chain_add_top_k(c, -3) == TSAMP_OK);
    CHECK(tsamp_chain_add_top_p(c, 2.0f, 0) == TSAMP_OK);
    CHECK(tsamp_chain_add_min_p(c, -1.0f, 100) == TSAMP_OK);
    CHECK(tsamp_chain_n_processors(c) == 4);
    tsamp_chain_free(c);
}

static void test_sample_statuses(void) {
    size_t n = 300;
    tsamp_chain *c = make_chain(n, 1, TSAMP_ISA_AUTO);
    float *x = calloc(n, sizeof *x);
    int32_t tok = -7;
    size_t kept = 99;
    CHECK(tsamp_chain_sample(NULL, x, &tok) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_sample(c, NULL, &tok) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_sample(c, x, NULL) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_distribution(c, x, NULL, NULL, 0, NULL) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_distribution(c, x, NULL, NULL, 5, &kept) == TSAMP_ERR_NULL);
    x[n - 1] = NAN; /* in the tail, after every full block */
    CHECK(tsamp_chain_sample(c, x, &tok) == TSAMP_ERR_NONFINITE);
    x[n - 1] = INFINITY;
    CHECK(tsamp_chain_sample(c, x, &tok) == TSAMP_ERR_NONFINITE);
    CHECK(tsamp_chain_distribution(c, x, NULL, NULL, 0, &kept) == TSAMP_ERR_NONFINITE);
    for (size_t i = 0; i < n; i++) x[i] = -INFINITY;
    CHECK(tsamp_chain_sample(c, x, &tok) == TSAMP_ERR_ALL_MASKED);
    CHECK(tok == -7 && kept == 99);
    CHECK(tsamp_chain_accept(NULL, 0) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_accept(c, -1) == TSAMP_ERR_VOCAB);
    CHECK(tsamp_chain_accept(c, (int32_t)n) == TSAMP_ERR_VOCAB);
    CHECK(tsamp_chain_position(c) == 0);
    CHECK(tsamp_chain_set_position(NULL, 3) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_reset(NULL) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_clone(NULL, &c) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_clone(c, NULL) == TSAMP_ERR_NULL);
    free(x);
    tsamp_chain_free(c);
}

static void test_distribution_buffer(void) {
    const float x[6] = {1.0f, -INFINITY, 2.0f, 0.5f, -INFINITY, 2.0f};
    tsamp_chain *c = make_chain(6, 0, TSAMP_ISA_AUTO);
    int32_t ids[4] = {-1, -1, -1, -1};
    float probs[4] = {-1, -1, -1, -1};
    size_t kept = 0;
    CHECK(tsamp_chain_distribution(c, x, NULL, NULL, 0, &kept) == TSAMP_ERR_BUFFER_TOO_SMALL);
    CHECK(kept == 4);
    CHECK(tsamp_chain_distribution(c, x, ids, probs, 3, &kept) == TSAMP_ERR_BUFFER_TOO_SMALL);
    CHECK(ids[0] == -1 && probs[0] == -1.0f);
    CHECK(tsamp_chain_distribution(c, x, ids, probs, 4, &kept) == TSAMP_OK && kept == 4);
    CHECK(ids[0] == 0 && ids[1] == 2 && ids[2] == 3 && ids[3] == 5);
    CHECK(probs[1] == probs[3] && probs[1] > probs[0] && probs[0] > probs[2]);
    tsamp_chain_free(c);
}

static void fill_logits(tu_rng *r, float *x, size_t n) {
    for (size_t i = 0; i < n; i++) x[i] = (float)(2.0 * tu_normal(r));
}

static void test_position_semantics(void) {
    size_t n = 1000;
    float *x = malloc(n * sizeof *x);
    tu_rng r = {5};
    fill_logits(&r, x, n);
    tsamp_chain *a = make_chain(n, 42, TSAMP_ISA_AUTO), *b = make_chain(n, 42, TSAMP_ISA_AUTO);
    CHECK(tsamp_chain_add_temperature(a, 1.5f) == TSAMP_OK);
    CHECK(tsamp_chain_add_temperature(b, 1.5f) == TSAMP_OK);
    int32_t seq[64];
    for (int i = 0; i < 64; i++) {
        int32_t t1, t2;
        CHECK(tsamp_chain_sample(a, x, &t1) == TSAMP_OK);
        CHECK(tsamp_chain_sample(a, x, &t2) == TSAMP_OK); /* sample does not advance */
        CHECK(t1 == t2 && t1 >= 0 && (size_t)t1 < n);
        CHECK(tsamp_chain_accept(a, t1) == TSAMP_OK);
        seq[i] = t1;
    }
    CHECK(tsamp_chain_position(a) == 64);
    /* Resuming at any position from a fresh chain gives the same tokens. */
    for (int i = 63; i >= 0; i -= 7) {
        int32_t t;
        CHECK(tsamp_chain_set_position(b, (uint64_t)i) == TSAMP_OK);
        CHECK(tsamp_chain_sample(b, x, &t) == TSAMP_OK && t == seq[i]);
    }
    tsamp_chain *cl = NULL;
    CHECK(tsamp_chain_clone(a, &cl) == TSAMP_OK);
    CHECK(tsamp_chain_position(cl) == 64 && tsamp_chain_n_processors(cl) == 1);
    int32_t t1 = -1, t2 = -2;
    CHECK(tsamp_chain_sample(a, x, &t1) == TSAMP_OK);
    CHECK(tsamp_chain_sample(cl, x, &t2) == TSAMP_OK);
    CHECK(t1 == t2);
    CHECK(tsamp_chain_reset(a) == TSAMP_OK && tsamp_chain_position(a) == 0);
    CHECK(tsamp_chain_n_processors(a) == 1);
    CHECK(tsamp_chain_sample(a, x, &t1) == TSAMP_OK && t1 == seq[0]);
    /* A different seed gives a different sequence. */
    tsamp_chain *d = make_chain(n, 43, TSAMP_ISA_AUTO);
    int same = 0;
    for (int i = 0; i < 64; i++) {
        CHECK(tsamp_chain_set_position(d, (uint64_t)i) == TSAMP_OK);
        CHECK(tsamp_chain_sample(d, x, &t1) == TSAMP_OK);
        same += t1 == seq[i];
    }
    CHECKF(same < 16, "%d of 64 tokens equal across seeds", same);
    tsamp_chain_free(a), tsamp_chain_free(b), tsamp_chain_free(cl), tsamp_chain_free(d);
    free(x);
}

static void test_greedy_and_masked(void) {
    size_t n = 5000;
    float *x = malloc(n * sizeof *x);
    for (size_t i = 0; i < n; i++) x[i] = -INFINITY;
    x[4000] = 3.0f, x[17] = 3.0f, x[2500] = 2.9f, x[4999] = -50.0f;
    tsamp_chain *g = make_chain(n, 9, TSAMP_ISA_AUTO), *s = make_chain(n, 9, TSAMP_ISA_AUTO);
    CHECK(tsamp_chain_add_temperature(g, 0.0f) == TSAMP_OK);
    int seen[4] = {0};
    for (uint64_t pos = 0; pos < 2000; pos++) {
        int32_t t;
        CHECK(tsamp_chain_set_position(g, pos) == TSAMP_OK);
        CHECK(tsamp_chain_sample(g, x, &t) == TSAMP_OK && t == 17);
        CHECK(tsamp_chain_set_position(s, pos) == TSAMP_OK);
        CHECK(tsamp_chain_sample(s, x, &t) == TSAMP_OK);
        CHECKF(t == 17 || t == 4000 || t == 2500 || t == 4999, "masked token %d sampled", t);
        seen[0] += t == 17, seen[1] += t == 4000, seen[2] += t == 2500, seen[3] += t == 4999;
    }
    CHECK(seen[0] > 500 && seen[1] > 500 && seen[2] > 500 && seen[3] == 0);
    tsamp_chain_free(g), tsamp_chain_free(s);
    free(x);
}

/* Every path this machine has gives the same tokens and the same distribution bits. */
static void test_isa_paths_agree(void) {
    static const tsamp_isa isas[] = {TSAMP_ISA_AVX2, TSAMP_ISA_AVX512, TSAMP_ISA_NEON};
    tu_rng r = {11};
    size_t n = 40000;
    float *x = malloc(n * sizeof *x), *p0 = malloc(n * sizeof *p0), *p1 = malloc(n * sizeof *p1);
    int32_t *i0 = malloc(n * sizeof *i0), *i1 = malloc(n * sizeof *i1);
    for (size_t k = 0; k < sizeof isas / sizeof isas[0]; k++) {
        if (!tsamp_isa_available(isas[k])) {
            check_note("%s: not available on this machine, not compared", tsamp_isa_name(isas[k]));
            continue;
        }
        for (int round = 0; round < 20; round++) {
            size_t nv = 1 + tu_below(&r, n);
            fill_logits(&r, x, nv);
            tsamp_chain *a = make_chain(nv, (uint64_t)round, TSAMP_ISA_SCALAR);
            tsamp_chain *b = make_chain(nv, (uint64_t)round, isas[k]);
            const char *spec[] = {"temp=0.8", "top_k=40 temp=0.7", "top_p=0.9",
                                  "min_p=0.05 temp=1.3", "temp=0.5 top_p=0.95,3"};
            CHECK(tsamp_chain_parse(a, spec[round % 5]) == TSAMP_OK);
            CHECK(tsamp_chain_parse(b, spec[round % 5]) == TSAMP_OK);
            size_t ka = 0, kb = 0;
            CHECK(tsamp_chain_distribution(a, x, i0, p0, nv, &ka) == TSAMP_OK);
            CHECK(tsamp_chain_distribution(b, x, i1, p1, nv, &kb) == TSAMP_OK);
            CHECK(ka == kb && memcmp(i0, i1, ka * sizeof *i0) == 0 &&
                  memcmp(p0, p1, ka * sizeof *p0) == 0);
            for (uint64_t pos = 0; pos < 50; pos++) {
                int32_t ta, tb;
                tsamp_chain_set_position(a, pos), tsamp_chain_set_position(b, pos);
                CHECK(tsamp_chain_sample(a, x, &ta) == TSAMP_OK);
                CHECK(tsamp_chain_sample(b, x, &tb) == TSAMP_OK && ta == tb);
            }
            tsamp_chain_free(a), tsamp_chain_free(b);
        }
        check_note("%s: tokens and distributions bitwise equal to scalar", tsamp_isa_name(isas[k]));
    }
    free(x), free(p0), free(p1), free(i0), free(i1);
}

/* After creation and the adds, sample / accept / reset / set_position / distribution never
 * allocate: checked with a counting allocator over 1000 tokens per chain. */
static void test_no_allocation_per_token(void) {
    static const char *specs[] = {"", "greedy", "temp=0.8", "top_k=40 top_p=0.95 min_p=0.05 temp=0.8",
                                  "top_p=0.9", "min_p=0.05", "top_k=40 temp=0.8"};
    size_t n = 32000;
    float *x = malloc(n * sizeof *x), *probs = malloc(n * sizeof *probs);
    int32_t *ids = malloc(n * sizeof *ids);
    tu_rng r = {13};
    for (size_t s = 0; s < sizeof specs / sizeof specs[0]; s++) {
        counting k = {0, 0, 0};
        tsamp_chain_params p = tsamp_chain_default_params();
        p.allocator.alloc = count_alloc, p.allocator.free = count_free, p.allocator.ctx = &k;
        tsamp_chain *c = NULL;
        CHECK(tsamp_chain_create(&c, n, &p) == TSAMP_OK);
        CHECK(tsamp_chain_parse(c, specs[s]) == TSAMP_OK);
        size_t before = k.allocs;
        for (int t = 0; t < 1000; t++) {
            if (t % 100 == 0) fill_logits(&r, x, n);
            int32_t tok;
            size_t kept;
            CHECK(tsamp_chain_sample(c, x, &tok) == TSAMP_OK);
            CHECK(tsamp_chain_accept(c, tok) == TSAMP_OK);
            if (t % 250 == 0) {
                CHECK(tsamp_chain_distribution(c, x, ids, probs, n, &kept) == TSAMP_OK);
                CHECK(tsamp_chain_reset(c) == TSAMP_OK);
                CHECK(tsamp_chain_set_position(c, (uint64_t)t) == TSAMP_OK);
            }
        }
        CHECKF(k.allocs == before, "chain \"%s\": %zu allocations while sampling", specs[s],
               k.allocs - before);
        tsamp_chain_free(c);
        CHECK(k.frees == k.allocs);
    }
    free(x), free(probs), free(ids);
}

/* The caller's logits are never written, whatever the chain does. */
static void test_logits_untouched(void) {
    size_t n = 10000;
    float *x = malloc(n * sizeof *x), *copy = malloc(n * sizeof *copy), *pr = malloc(n * sizeof *pr);
    int32_t *ids = malloc(n * sizeof *ids);
    tu_rng r = {17};
    fill_logits(&r, x, n);
    x[5] = -INFINITY;
    memcpy(copy, x, n * sizeof *x);
    tsamp_chain *c = make_chain(n, 3, TSAMP_ISA_AUTO);
    CHECK(tsamp_chain_parse(c, "top_k=100 temp=0.5 top_p=0.9 min_p=0.01 greedy") == TSAMP_OK);
    int32_t t;
    size_t kept;
    CHECK(tsamp_chain_sample(c, x, &t) == TSAMP_OK);
    CHECK(tsamp_chain_distribution(c, x, ids, pr, n, &kept) == TSAMP_OK && kept == 1);
    CHECK(memcmp(x, copy, n * sizeof *x) == 0);
    tsamp_chain_free(c);
    free(x), free(copy), free(pr), free(ids);
}

void suite_chain_api(void) {
    RUN(test_create_statuses);
    RUN(test_out_of_memory_at_every_allocation);
    RUN(test_add_statuses);
    RUN(test_sample_statuses);
    RUN(test_distribution_buffer);
    RUN(test_position_semantics);
    RUN(test_greedy_and_masked);
    RUN(test_isa_paths_agree);
    RUN(test_no_allocation_per_token);
    RUN(test_logits_untouched);
}
