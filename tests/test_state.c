/*
 * Saved state (tsamp_chain_save_state / load_state): decoding resumed from a loaded state gives
 * the tokens of uninterrupted decoding (stateful and history-reading processors, across code
 * paths, on the golden cases); the documented byte layout; every truncation and bit flip is
 * PARSE; mismatched chains are INVALID_PARAM; any buffer gives a status and leaves the chain
 * unchanged on error; random processor state bytes sample safely; sizes, NULLs, allocation.
 */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "check.h"
#include "golden.h"
#include "testutil.h"
#include "tsamp.h"

/* ---- chains with state ------------------------------------------------------------------- */

static tsamp_status build_penalties(tsamp_chain *c) {
    tsamp_status st = tsamp_chain_add_penalties(c, 32, 1.3f, 0.2f, 0.3f);
    return st == TSAMP_OK ? tsamp_chain_parse(c, "top_k=50 temp=0.9") : st;
}
static tsamp_status build_mirostat(tsamp_chain *c) {
    return tsamp_chain_add_mirostat(c, 5.0f, 0.1f, 100);
}
static tsamp_status build_mirostat_v2(tsamp_chain *c) {
    tsamp_status st = tsamp_chain_parse(c, "temp=0.9");
    return st == TSAMP_OK ? tsamp_chain_add_mirostat_v2(c, 4.0f, 0.2f) : st;
}
static tsamp_status build_dry(tsamp_chain *c) {
    static const int32_t breakers[] = {3, 4, 5};
    static const size_t lens[] = {1, 2};
    tsamp_status st = tsamp_chain_add_dry(c, 0.8f, 1.75f, 2, 64, breakers, lens, 2);
    return st == TSAMP_OK ? tsamp_chain_parse(c, "min_p=0.02") : st;
}
static tsamp_status build_no_repeat(tsamp_chain *c) {
    tsamp_status st = tsamp_chain_add_no_repeat_ngram(c, 2, 48);
    return st == TSAMP_OK ? tsamp_chain_parse(c, "top_p=0.95") : st;
}
static tsamp_status build_adaptive_p(tsamp_chain *c) {
    tsamp_status st = tsamp_chain_parse(c, "min_p=0.05");
    return st == TSAMP_OK ? tsamp_chain_add_adaptive_p(c, 0.4f, 0.9f) : st;
}
static tsamp_status build_mixed(tsamp_chain *c) {
    tsamp_status st = tsamp_chain_add_penalties(c, 8, 1.1f, 0.0f, 0.5f);
    if (st == TSAMP_OK) st = tsamp_chain_add_xtc(c, 0.5f, 0.05f, 1);
    if (st == TSAMP_OK) st = tsamp_chain_add_min_length(c, 0, 20);
    return st == TSAMP_OK ? tsamp_chain_add_mirostat_v2(c, 5.0f, 0.1f) : st;
}
static tsamp_status build_plain(tsamp_chain *c) { return tsamp_chain_parse(c, "top_k=40 temp=0.8"); }

typedef struct {
    const char *name;
    golden_build_fn build;
    size_t n;
} state_cfg;

static const state_cfg CFGS[] = {
    {"penalties", build_penalties, 1000},   {"mirostat", build_mirostat, 4096},
    {"mirostat_v2", build_mirostat_v2, 32000}, {"dry", build_dry, 512},
    {"no_repeat_ngram", build_no_repeat, 300}, {"adaptive_p", build_adaptive_p, 2048},
    {"mixed", build_mixed, 5000},           {"plain", build_plain, 32000},
};
enum { N_CFGS = sizeof CFGS / sizeof CFGS[0], STEPS = 40 };

static tsamp_chain *make(const state_cfg *cfg, tsamp_isa isa, uint64_t seed) {
    tsamp_chain_params p = tsamp_chain_default_params();
    p.seed = seed;
    p.stream = 3;
    p.isa = isa;
    tsamp_chain *c = NULL;
    tsamp_status st = tsamp_chain_create(&c, cfg->n, &p);
    if (st == TSAMP_OK) st = cfg->build(c);
    CHECKF(st == TSAMP_OK, "%s: %s", cfg->name, tsamp_status_str(st));
    if (st != TSAMP_OK) tsamp_chain_free(c), c = NULL;
    return c;
}

/* Logits of a step: peaked enough that a small vocabulary repeats tokens (penalties bite). */
static void step_logits(float *x, size_t n, size_t step) {
    tu_rng r = {step * 31 + 7};
    for (size_t i = 0; i < n; i++) x[i] = (float)(2.0 * tu_normal(&r)) + (i % 7 == 0 ? 3.0f : 0.0f);
}

/* Decodes steps [from, to) (sample, accept), tokens into out[from .. to). */
static void decode(tsamp_chain *c, float *x, size_t n, size_t from, size_t to, int32_t *out) {
    for (size_t s = from; s < to; s++) {
        step_logits(x, n, s);
        out[s] = -1;
        tsamp_status st = tsamp_chain_sample(c, x, &out[s]);
        if (st == TSAMP_OK) st = tsamp_chain_accept(c, out[s]);
        CHECKF(st == TSAMP_OK, "step %zu: %s", s, tsamp_status_str(st));
    }
}

/* A saved state in a malloc'd buffer (NULL on failure). */
static unsigned char *save(const tsamp_chain *c, size_t *len) {
    *len = 0;
    CHECK(tsamp_chain_save_state(c, NULL, 0, len) == TSAMP_ERR_BUFFER_TOO_SMALL);
    unsigned char *buf = malloc(*len);
    size_t len2 = 0;
    if (buf && tsamp_chain_save_state(c, buf, *len, &len2) == TSAMP_OK && len2 == *len) return buf;
    CHECK(0);
    free(buf);
    return NULL;
}

/* 1 if the chain saves to exactly these bytes (an error left it unchanged). */
static int saves_as(const tsamp_chain *c, const unsigned char *buf, size_t len) {
    size_t l2;
    unsigned char *now = save(c, &l2);
    int same = now && l2 == len && memcmp(now, buf, len) == 0;
    free(now);
    return same;
}

/* ---- resuming ---------------------------------------------------------------------------- */

/* Save after k steps; a fresh chain on another path loads it and decodes on: the tokens of the
 * uninterrupted chain. The saving chain rewound by loading its own older state replays too. */
static void test_state_resume_stateful(void) {
    static const tsamp_isa paths[] = {TSAMP_ISA_SCALAR, TSAMP_ISA_AVX2, TSAMP_ISA_AVX512,
                                      TSAMP_ISA_NEON};
    for (size_t ci = 0; ci < N_CFGS; ci++) {
        const state_cfg *cfg = &CFGS[ci];
        float *x = malloc(cfg->n * sizeof *x);
        int32_t full[STEPS], resumed[STEPS], replay[STEPS];
        tsamp_chain *a = make(cfg, TSAMP_ISA_AUTO, 11);
        if (!a || !x) continue;
        for (size_t t = 0; t < 10; t++) tsamp_chain_accept(a, (int32_t)((t * 37) % cfg->n)); /* prompt */
        size_t k = 13 + ci;
        decode(a, x, cfg->n, 0, k, full);
        size_t len;
        unsigned char *st = save(a, &len);
        decode(a, x, cfg->n, k, STEPS, full);
        for (size_t p = 0; st && p < sizeof paths / sizeof paths[0]; p++) {
            if (!tsamp_isa_available(paths[p])) continue;
            tsamp_chain *b = make(cfg, paths[p], 11);
            if (!b) continue;
            CHECKF(tsamp_chain_load_state(b, st, len) == TSAMP_OK, "%s: load", cfg->name);
            CHECK(tsamp_chain_position(b) == 10 + k);
            decode(b, x, cfg->n, k, STEPS, resumed);
            for (size_t s = k; s < STEPS; s++)
                CHECKF(resumed[s] == full[s], "%s on %s: step %zu: resumed %d, uninterrupted %d",
                       cfg->name, tsamp_isa_name(paths[p]), s, (int)resumed[s], (int)full[s]);
            tsamp_chain_free(b);
        }
        if (st) {
            CHECK(tsamp_chain_load_state(a, st, len) == TSAMP_OK);
            decode(a, x, cfg->n, k, STEPS, replay);
            CHECKF(memcmp(replay + k, full + k, (STEPS - k) * sizeof *full) == 0, "%s: replay",
                   cfg->name);
        }
        free(st);
        tsamp_chain_free(a);
        free(x);
    }
}

/* The golden cases resumed halfway from a fresh chain on the other path give their files'
 * tokens (cases up to 50257 tokens, to keep it quick). */
static void test_state_resume_golden(void) {
    static char text[GOLDEN_TEXT_CAP];
    for (size_t i = 0; i < golden_n_cases; i++) {
        const golden_case *gc = &golden_cases[i];
        golden_step want[GOLDEN_STEPS], got[GOLDEN_STEPS];
        if (gc->n_vocab > 50257 || golden_read(gc, text, sizeof text) < 0 ||
            golden_parse_steps(gc, text, want) != 0)
            continue; /* test_golden reports those */
        golden_work w;
        if (golden_work_init(&w, gc) != 0) continue;
        tsamp_chain *a = NULL, *b = NULL;
        size_t k = 1 + (i * 7) % (GOLDEN_STEPS - 2), len = 0;
        unsigned char *st = NULL;
        if (golden_chain(gc, TSAMP_ISA_SCALAR, &a) == TSAMP_OK &&
            golden_chain(gc, TSAMP_ISA_AUTO, &b) == TSAMP_OK) {
            golden_run(gc, a, &w, 0, k, 1, got);
            st = save(a, &len);
            CHECK(st && tsamp_chain_load_state(b, st, len) == TSAMP_OK);
            golden_run(gc, b, &w, k, GOLDEN_STEPS, 1, got);
            for (size_t s = 0; s < GOLDEN_STEPS; s++)
                CHECKF(got[s].token == want[s].token && got[s].status == want[s].status,
                       "%s resumed at step %zu: step %zu: %d, the file has %d", gc->name, k, s,
                       (int)got[s].token, (int)want[s].token);
        }
        free(st);
        tsamp_chain_free(a), tsamp_chain_free(b);
        golden_work_free(&w);
    }
}

/* ---- the format -------------------------------------------------------------------------- */

static uint32_t le32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t le64(const unsigned char *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }

static void test_state_layout(void) {
    const state_cfg *cfg = &CFGS[0]; /* penalties (history 32), top_k, temp */
    tsamp_chain *c = make(cfg, TSAMP_ISA_AUTO, 1);
    if (!c) return;
    static const int32_t hist[] = {5, 999, 0, 42};
    for (size_t i = 0; i < 4; i++) tsamp_chain_accept(c, hist[i]);
    tsamp_chain_set_position(c, 0x0102030405060708ull);
    size_t len;
    unsigned char *b = save(c, &len);
    if (!b) return;
    CHECK(memcmp(b, "TSMPSTAT", 8) == 0);
    CHECK(le32(b + 8) == 1 && le32(b + 12) == TSAMP_VERSION_NUMBER);
    CHECK((le32(b + 16) & 0xff) == 1 && (le32(b + 16) >> 8 & 0xff) == sizeof(size_t));
    CHECK(le32(b + 20) == tsamp_chain_n_processors(c) && le32(b + 20) == 3);
    CHECK(le64(b + 24) == len && le64(b + 40) == cfg->n);
    CHECK(b[48] == 0x08 && b[55] == 0x01 && le64(b + 48) == 0x0102030405060708ull);
    CHECK(le64(b + 56) == 4);
    for (size_t i = 0; i < 4; i++) CHECK(le32(b + 64 + 4 * i) == (uint32_t)hist[i]);
    size_t off = 64 + 16;
    for (size_t i = 0; i < 3; i++) { /* kind, 0, size, bytes */
        CHECK(le32(b + off + 4) == 0);
        off += 16 + (size_t)le64(b + off + 8);
    }
    CHECK(off == len - 8);
    CHECK(le64(b + len - 8) == (uint64_t)XXH3_64bits(b, len - 8));
    /* deterministic: the same chain state saves to the same bytes, in a clone too */
    tsamp_chain *d = NULL;
    CHECK(tsamp_chain_clone(c, &d) == TSAMP_OK && saves_as(d, b, len));
    free(b);
    tsamp_chain_free(c), tsamp_chain_free(d);
}

static void test_state_sizes_and_nulls(void) {
    tsamp_chain *c = make(&CFGS[2], TSAMP_ISA_AUTO, 1);
    if (!c) return;
    size_t len = 0, l2 = 12345;
    unsigned char buf[4096];
    CHECK(tsamp_chain_save_state(NULL, buf, sizeof buf, &len) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_save_state(c, buf, sizeof buf, NULL) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_save_state(c, NULL, 8, &len) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_save_state(c, NULL, 0, &len) == TSAMP_ERR_BUFFER_TOO_SMALL && len >= 72);
    CHECK(len <= sizeof buf);
    memset(buf, 0xab, sizeof buf);
    CHECK(tsamp_chain_save_state(c, buf, len - 1, &l2) == TSAMP_ERR_BUFFER_TOO_SMALL && l2 == len);
    CHECK(buf[0] == 0xab); /* nothing written */
    CHECK(tsamp_chain_save_state(c, buf, sizeof buf, &l2) == TSAMP_OK && l2 == len);
    CHECK(buf[len] == 0xab);
    CHECK(tsamp_chain_load_state(NULL, buf, len) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_load_state(c, NULL, len) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_load_state(c, buf, 0) == TSAMP_ERR_PARSE);
    CHECK(tsamp_chain_load_state(c, buf, len) == TSAMP_OK);
    tsamp_chain_free(c);
}

/* ---- bad buffers ------------------------------------------------------------------------- */

/* Every truncation and every single-bit flip is PARSE and changes nothing. */
static void test_state_truncations_and_flips(void) {
    tsamp_chain *c = make(&CFGS[6], TSAMP_ISA_AUTO, 4); /* mixed: history and state */
    if (!c) return;
    float *x = malloc(CFGS[6].n * sizeof *x);
    int32_t toks[STEPS];
    decode(c, x, CFGS[6].n, 0, 12, toks);
    size_t len;
    unsigned char *good = save(c, &len), *bad = malloc(len + 1);
    size_t wrong = 0;
    for (size_t l = 0; good && bad && l < len; l++) {
        memcpy(bad, good, l);
        wrong += tsamp_chain_load_state(c, bad, l) != TSAMP_ERR_PARSE;
    }
    if (good && bad) {
        memcpy(bad, good, len);
        bad[len] = 0;
        wrong += tsamp_chain_load_state(c, bad, len + 1) != TSAMP_ERR_PARSE; /* trailing byte */
    }
    for (size_t bit = 0; good && bad && bit < 8 * len; bit++) {
        memcpy(bad, good, len);
        bad[bit / 8] ^= (unsigned char)(1u << (bit % 8));
        wrong += tsamp_chain_load_state(c, bad, len) != TSAMP_ERR_PARSE;
    }
    CHECKF(wrong == 0, "%zu of %zu truncations and bit flips were not PARSE", wrong, 9 * len + 1);
    CHECK(good && saves_as(c, good, len));
    free(good), free(bad), free(x);
    tsamp_chain_free(c);
}

static void fix_checksum(unsigned char *b, size_t len) {
    uint64_t h = (uint64_t)XXH3_64bits(b, len - 8);
    for (size_t i = 0; i < 8; i++) b[len - 8 + i] = (unsigned char)(h >> (8 * i));
}

static void fix_length(unsigned char *b, size_t len) {
    for (int i = 0; i < 8; i++) b[24 + i] = (unsigned char)((uint64_t)len >> (8 * i));
}

/* What a fuzzer finds once it fixes up the checksum: random edits of the header, the history
 * and the first processor's header (counts, sizes, kinds, tokens), random lengths. Every result is a status; on an error the chain is
 * unchanged; after a successful load the chain samples. */
static void test_state_mutations_with_valid_checksum(void) {
    const state_cfg *cfg = &CFGS[0];
    tsamp_chain *c = make(cfg, TSAMP_ISA_AUTO, 9);
    float *x = malloc(cfg->n * sizeof *x);
    if (!c || !x) return;
    int32_t toks[STEPS];
    decode(c, x, cfg->n, 0, 20, toks);
    size_t len;
    unsigned char *good = save(c, &len);
    unsigned char *b = malloc(len + 64);
    tu_rng r = {77};
    size_t counts[3] = {0, 0, 0}, odd = 0;
    for (int it = 0; good && b && it < 20000; it++) {
        tsamp_chain_load_state(c, good, len); /* back to the reference state */
        size_t l = len;
        memcpy(b, good, len);
        int kind = (int)tu_below(&r, 4);
        if (kind == 0) l = 8 + tu_below(&r, len + 56); /* another length, fields kept */
        size_t edits = 1 + tu_below(&r, 4), region = 64 + 4 * (size_t)le64(good + 56) + 16;
        for (size_t e = 0; e < edits; e++) {
            size_t at = tu_below(&r, region < l - 8 ? region : l - 8);
            b[at] = (unsigned char)(kind == 1 ? tu_next(&r) : (b[at] ^ (1u << tu_below(&r, 8))));
        }
        if (l > len) memset(b + len, (int)tu_below(&r, 256), l - len);
        if (l >= 72) {
            if (tu_below(&r, 2)) fix_length(b, l);
            fix_checksum(b, l);
        }
        tsamp_status st = tsamp_chain_load_state(c, b, l);
        if (st == TSAMP_OK) {
            counts[0]++;
            int32_t t;
            step_logits(x, cfg->n, 0);
            CHECK(tsamp_chain_sample(c, x, &t) == TSAMP_OK && t >= 0 && (size_t)t < cfg->n);
        } else if (st == TSAMP_ERR_PARSE || st == TSAMP_ERR_INVALID_PARAM) {
            counts[st == TSAMP_ERR_PARSE ? 1 : 2]++;
            if (it % 64 == 0) CHECK(saves_as(c, good, len));
        } else {
            odd++;
        }
    }
    CHECK(odd == 0);
    check_note("20000 mutated states: %zu loaded, %zu PARSE, %zu INVALID_PARAM", counts[0],
               counts[1], counts[2]);
    free(good), free(b), free(x);
    tsamp_chain_free(c);
}

/* Past the checksum, the processors' state bytes are taken as they are: random bytes there
 * must not make sampling crash or return a token out of range (any status is fine). */
static void test_state_random_processor_state(void) {
    size_t loaded = 0;
    for (size_t ci = 0; ci < N_CFGS; ci++) {
        const state_cfg *cfg = &CFGS[ci];
        tsamp_chain *c = make(cfg, TSAMP_ISA_AUTO, 5);
        float *x = malloc(cfg->n * sizeof *x);
        if (!c || !x) {
            tsamp_chain_free(c), free(x);
            continue;
        }
        int32_t toks[STEPS];
        decode(c, x, cfg->n, 0, 10, toks);
        size_t len;
        unsigned char *good = save(c, &len), *b = malloc(len);
        size_t start = 64 + 4 * (size_t)(good ? le64(good + 56) : 0);
        tu_rng r = {ci + 1};
        for (int it = 0; good && b && start + 8 < len && it < 1500; it++) {
            memcpy(b, good, len);
            for (int e = 0; e < 3; e++) b[start + tu_below(&r, len - 8 - start)] = (unsigned char)tu_next(&r);
            fix_checksum(b, len);
            if (tsamp_chain_load_state(c, b, len) != TSAMP_OK) continue;
            loaded++;
            int32_t t = -1;
            step_logits(x, cfg->n, (size_t)it);
            if (tsamp_chain_sample(c, x, &t) == TSAMP_OK) {
                CHECKF(t >= 0 && (size_t)t < cfg->n, "%s: token %d", cfg->name, (int)t);
                tsamp_chain_accept(c, t);
            }
        }
        free(good), free(b), free(x);
        tsamp_chain_free(c);
    }
    check_note("%zu loads of random processor state bytes, each sampled", loaded);
}

/* A state of another chain: vocabulary, processors, parameters, order. Seed and path are not
 * part of the state. */
static void test_state_other_chains(void) {
    tsamp_chain_params p = tsamp_chain_default_params();
    static const struct {
        size_t n;
        const char *spec;
        tsamp_status want;
    } targets[] = {
        {1000, "top_k=40 temp=0.8", TSAMP_OK},    {1001, "top_k=40 temp=0.8", TSAMP_ERR_INVALID_PARAM},
        {1000, "top_k=41 temp=0.8", TSAMP_ERR_INVALID_PARAM}, {1000, "temp=0.8 top_k=40", TSAMP_ERR_INVALID_PARAM},
        {1000, "top_k=40 temp=0.8000001", TSAMP_ERR_INVALID_PARAM}, {1000, "top_k=40", TSAMP_ERR_INVALID_PARAM},
        {1000, "top_k=40 temp=0.8 top_p=1", TSAMP_ERR_INVALID_PARAM}, {1000, "", TSAMP_ERR_INVALID_PARAM},
    };
    tsamp_chain *src = NULL;
    CHECK(tsamp_chain_create(&src, 1000, &p) == TSAMP_OK && tsamp_chain_parse(src, "top_k=40 temp=0.8") == TSAMP_OK);
    tsamp_chain_accept(src, 3);
    size_t len;
    unsigned char *st = save(src, &len);
    for (size_t i = 0; st && i < sizeof targets / sizeof targets[0]; i++) {
        p.seed = 99 + i; /* another seed: still the same configuration */
        tsamp_chain *t = NULL;
        CHECK(tsamp_chain_create(&t, targets[i].n, &p) == TSAMP_OK);
        CHECK(tsamp_chain_parse(t, targets[i].spec) == TSAMP_OK);
        tsamp_chain_set_position(t, 77);
        tsamp_status got = tsamp_chain_load_state(t, st, len);
        CHECKF(got == targets[i].want, "%zu \"%s\": %s", targets[i].n, targets[i].spec, tsamp_status_str(got));
        CHECK(tsamp_chain_position(t) == (got == TSAMP_OK ? 1u : 77u));
        tsamp_chain_free(t);
    }
    /* a stateful processor against a stateless one of the same spec text */
    tsamp_chain *a = make(&CFGS[1], TSAMP_ISA_AUTO, 1), *b = NULL;
    CHECK(tsamp_chain_create(&b, CFGS[1].n, NULL) == TSAMP_OK);
    size_t la;
    unsigned char *sa = a ? save(a, &la) : NULL;
    if (sa && b) CHECK(tsamp_chain_load_state(b, sa, la) == TSAMP_ERR_INVALID_PARAM);
    free(sa), free(st);
    tsamp_chain_free(a), tsamp_chain_free(b), tsamp_chain_free(src);
}

/* ---- memory ------------------------------------------------------------------------------ */

typedef struct {
    size_t allocs, fail_at;
} counter;

static void *count_alloc(void *ctx, size_t size) {
    counter *k = ctx;
    if (++k->allocs == k->fail_at) return NULL;
    return malloc(size);
}

static void count_free(void *ctx, void *ptr) {
    (void)ctx;
    free(ptr);
}

/* Short spec texts: no allocation. Over 512 bytes: one temporary, and NOMEM if it fails. */
static void test_state_allocation(void) {
    counter k = {0, 0};
    tsamp_chain_params p = tsamp_chain_default_params();
    p.allocator = (tsamp_allocator){count_alloc, count_free, &k};
    tsamp_chain *c = NULL;
    CHECK(tsamp_chain_create(&c, 100, &p) == TSAMP_OK && tsamp_chain_parse(c, "top_k=5 temp=0.5") == TSAMP_OK);
    size_t before = k.allocs, len;
    unsigned char *b = save(c, &len);
    CHECK(b && tsamp_chain_load_state(c, b, len) == TSAMP_OK);
    CHECK(k.allocs == before);
    free(b);
    /* A processor whose spec text is longer than the fingerprint's stack buffer: hashing it
     * takes memory, so that allocation can fail. */
    tsamp_logit_bias bias[100];
    for (int i = 0; i < 100; i++) bias[i] = (tsamp_logit_bias){i, 0.987654321f * (float)i};
    CHECK(tsamp_chain_add_logit_bias(c, bias, 100) == TSAMP_OK);
    b = save(c, &len);
    CHECK(b != NULL);
    k.fail_at = k.allocs + 1;
    size_t l2;
    unsigned char *b2 = malloc(len);
    CHECK(b2 && tsamp_chain_save_state(c, b2, len, &l2) == TSAMP_ERR_NOMEM);
    k.fail_at = k.allocs + 1;
    tsamp_chain_set_position(c, 5);
    CHECK(tsamp_chain_load_state(c, b, len) == TSAMP_ERR_NOMEM && tsamp_chain_position(c) == 5);
    k.fail_at = 0;
    CHECK(tsamp_chain_load_state(c, b, len) == TSAMP_OK && tsamp_chain_position(c) == 0);
    free(b), free(b2);
    tsamp_chain_free(c);
}

void suite_state(void) {
    RUN(test_state_resume_stateful);
    RUN(test_state_resume_golden);
    RUN(test_state_layout);
    RUN(test_state_sizes_and_nulls);
    RUN(test_state_truncations_and_flips);
    RUN(test_state_mutations_with_valid_checksum);
    RUN(test_state_random_processor_state);
    RUN(test_state_other_chains);
    RUN(test_state_allocation);
}
