/*
 * tsamp_sample_batch: the same tokens as one chain at a time for any batch size, row order and
 * thread count; explicit positions; errors per row; argument statuses; no allocation.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "testutil.h"
#include "tsamp.h"

typedef struct {
    const char *spec;
    size_t n;
} row_cfg;

/* Stateless and history-reading chains, small to large vocabularies. */
static const row_cfg CFG[] = {
    {"", 1000},
    {"temp=0.8", 32000},
    {"top_k=40 temp=0.8", 50257},
    {"top_p=0.9", 4096},
    {"min_p=0.05", 128256},
    {"greedy", 17},
    {"top_k=40 top_p=0.95 min_p=0.05 temp=0.8", 32000},
    {"temp=1.5", 3},
    {"top_k=3 top_p=0.6", 1},
    {"min_p=0.1 temp=1.2", 4096},
};
enum { N_CFG = sizeof CFG / sizeof CFG[0], N_ROWS = 16, N_STEPS = 6 };

/* A penalty and a stateful processor on some rows, so accepted history and state matter. */
static tsamp_status add_extra(tsamp_chain *c, size_t row) {
    if (row % 3 == 1) return tsamp_chain_add_penalties(c, 16, 1.3f, 0.1f, 0.1f);
    if (row % 5 == 2) return tsamp_chain_add_mirostat_v2(c, 3.0f, 0.2f);
    return TSAMP_OK;
}

static tsamp_chain *row_chain(size_t row, tsamp_allocator *alloc) {
    const row_cfg *cfg = &CFG[row % N_CFG];
    tsamp_chain_params p = tsamp_chain_default_params();
    p.seed = 1000 + row;
    p.stream = row / 2;
    if (alloc) p.allocator = *alloc;
    tsamp_chain *c = NULL;
    tsamp_status st = tsamp_chain_create(&c, cfg->n, &p);
    if (st == TSAMP_OK) st = tsamp_chain_parse(c, cfg->spec);
    if (st == TSAMP_OK) st = add_extra(c, row);
    CHECKF(st == TSAMP_OK, "row %zu: %s", row, tsamp_status_str(st));
    return c;
}

/* Logits of (row, step): N(0, 3^2) from a seeded generator. */
static float *row_logits(size_t row, size_t step) {
    size_t n = CFG[row % N_CFG].n;
    float *x = malloc(n * sizeof *x);
    tu_rng r = {row * 7919 + step * 104729 + 1};
    for (size_t i = 0; x && i < n; i++) x[i] = (float)(3.0 * tu_normal(&r));
    return x;
}

typedef struct {
    float *logits[N_ROWS][N_STEPS];
    int32_t ref[N_ROWS][N_STEPS]; /* one chain at a time: sample, accept */
} fixture;

static fixture *fixture_new(void) {
    fixture *f = calloc(1, sizeof *f);
    CHECK(f);
    if (!f) return NULL;
    for (size_t r = 0; r < N_ROWS; r++) {
        tsamp_chain *c = row_chain(r, NULL);
        for (size_t s = 0; s < N_STEPS; s++) {
            f->logits[r][s] = row_logits(r, s);
            f->ref[r][s] = -2;
            if (c && f->logits[r][s] && tsamp_chain_sample(c, f->logits[r][s], &f->ref[r][s]) == TSAMP_OK)
                tsamp_chain_accept(c, f->ref[r][s]);
        }
        tsamp_chain_free(c);
    }
    return f;
}

static void fixture_free(fixture *f) {
    if (!f) return;
    for (size_t r = 0; r < N_ROWS; r++)
        for (size_t s = 0; s < N_STEPS; s++) free(f->logits[r][s]);
    free(f);
}

/* Runs rows order[0 .. b) through N_STEPS batches with accept; compares with one at a time. */
static void run_composition(const fixture *f, const size_t *order, size_t b, size_t threads) {
    tsamp_chain *chains[N_ROWS];
    const float *logits[N_ROWS];
    int32_t tokens[N_ROWS];
    tsamp_status st[N_ROWS];
    for (size_t i = 0; i < b; i++) chains[i] = row_chain(order[i], NULL);
    tsamp_batch_params bp = tsamp_batch_default_params();
    bp.n_threads = threads;
    bp.accept = 1;
    for (size_t s = 0; s < N_STEPS; s++) {
        for (size_t i = 0; i < b; i++) logits[i] = f->logits[order[i]][s];
        tsamp_status all = tsamp_sample_batch(chains, logits, NULL, b, &bp, tokens, st);
        CHECKF(all == TSAMP_OK, "B %zu, %zu threads: %s", b, threads, tsamp_status_str(all));
        for (size_t i = 0; i < b; i++) {
            CHECKF(st[i] == TSAMP_OK && tokens[i] == f->ref[order[i]][s],
                   "B %zu, %zu threads, row %zu, step %zu: token %d, alone %d", b, threads,
                   order[i], s, (int)tokens[i], (int)f->ref[order[i]][s]);
            CHECK(tsamp_chain_position(chains[i]) == s + 1);
        }
    }
    for (size_t i = 0; i < b; i++) tsamp_chain_free(chains[i]);
}

static void test_batch_same_tokens_any_composition(void) {
    fixture *f = fixture_new();
    if (!f) return;
    size_t identity[N_ROWS], reverse[N_ROWS], shuffled[N_ROWS];
    tu_rng r = {5};
    for (size_t i = 0; i < N_ROWS; i++) identity[i] = i, reverse[i] = N_ROWS - 1 - i, shuffled[i] = i;
    for (size_t i = N_ROWS; i-- > 1;) {
        size_t j = tu_below(&r, i + 1), t = shuffled[i];
        shuffled[i] = shuffled[j], shuffled[j] = t;
    }
    const size_t *orders[] = {identity, reverse, shuffled};
    static const size_t threads[] = {0, 1, 2, 3, 8, 64, SIZE_MAX};
    for (size_t o = 0; o < 3; o++)
        for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
            run_composition(f, orders[o], N_ROWS, threads[t]);
            run_composition(f, orders[o], 8, threads[t]);
        }
    for (size_t i = 0; i < N_ROWS; i++) run_composition(f, &identity[i], 1, 2); /* B = 1 */
    fixture_free(f);
}

/* positions[i]: the row samples there, as set_position would; accept moves one further. */
static void test_batch_positions(void) {
    enum { B = 5 };
    tsamp_chain *chains[B], *alone[B];
    float *x[B];
    const float *logits[B];
    uint64_t pos[B] = {0, 7, 1000000, UINT64_MAX - 1, 42};
    int32_t tokens[B], want[B];
    tsamp_status st[B];
    for (size_t i = 0; i < B; i++) {
        chains[i] = row_chain(i, NULL);
        alone[i] = row_chain(i, NULL);
        x[i] = row_logits(i, 3);
        logits[i] = x[i];
        tsamp_chain_set_position(alone[i], pos[i]);
        CHECK(tsamp_chain_sample(alone[i], x[i], &want[i]) == TSAMP_OK);
    }
    for (int accept = 0; accept < 2; accept++) {
        tsamp_batch_params bp = {2, accept};
        CHECK(tsamp_sample_batch(chains, logits, pos, B, &bp, tokens, st) == TSAMP_OK);
        for (size_t i = 0; i < B; i++) {
            CHECKF(tokens[i] == want[i], "row %zu: %d, alone %d", i, (int)tokens[i], (int)want[i]);
            CHECK(tsamp_chain_position(chains[i]) == pos[i] + (uint64_t)accept);
        }
    }
    for (size_t i = 0; i < B; i++) tsamp_chain_free(chains[i]), tsamp_chain_free(alone[i]), free(x[i]);
}

/* Bad rows fail alone, with their status; good rows still give their tokens. */
static void test_batch_row_errors(void) {
    enum { B = 9 };
    tsamp_chain *a = row_chain(0, NULL), *b = row_chain(1, NULL), *d = row_chain(2, NULL);
    tsamp_chain *nan_c = row_chain(3, NULL), *masked_c = row_chain(4, NULL);
    float *xa = row_logits(0, 0), *xb = row_logits(1, 0), *xd = row_logits(2, 0);
    float *xn = row_logits(3, 0), *xm = row_logits(4, 0);
    xn[5] = NAN;
    for (size_t i = 0; i < CFG[4].n; i++) xm[i] = -INFINITY;
    tsamp_chain *chains[B] = {a, NULL, nan_c, b, d, masked_c, d, b, a};
    const float *logits[B] = {xa, xa, xn, NULL, xd, xm, xd, xb, xa};
    /* rows 0 and 8 share chain a, 4 and 6 chain d; row 3 has no logits but row 7 has b */
    uint64_t pos[B] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    static const tsamp_status want_st[B] = {
        TSAMP_ERR_INVALID_PARAM, TSAMP_ERR_NULL,          TSAMP_ERR_NONFINITE,
        TSAMP_ERR_INVALID_PARAM, TSAMP_ERR_INVALID_PARAM, TSAMP_ERR_ALL_MASKED,
        TSAMP_ERR_INVALID_PARAM, TSAMP_ERR_INVALID_PARAM, TSAMP_ERR_INVALID_PARAM};
    int32_t tokens[B];
    tsamp_status st[B];
    tsamp_batch_params bp = {3, 1};
    CHECK(tsamp_sample_batch(chains, logits, pos, B, &bp, tokens, st) == TSAMP_ERR_INVALID_PARAM);
    for (size_t i = 0; i < B; i++) {
        CHECKF(st[i] == want_st[i], "row %zu: %s", i, tsamp_status_str(st[i]));
        CHECK(tokens[i] == -1);
    }
    /* failed rows leave their chains as they were */
    CHECK(tsamp_chain_position(nan_c) == 0 && tsamp_chain_position(masked_c) == 0);
    CHECK(tsamp_chain_position(a) == 0 && tsamp_chain_position(d) == 0);

    /* good rows next to bad ones: the same tokens as alone */
    tsamp_chain *chains2[4] = {b, nan_c, NULL, d};
    const float *logits2[4] = {xb, xn, xa, xd};
    tsamp_chain *ref_b = row_chain(1, NULL), *ref_d = row_chain(2, NULL);
    int32_t tb, td;
    CHECK(tsamp_chain_sample(ref_b, xb, &tb) == TSAMP_OK);
    CHECK(tsamp_chain_sample(ref_d, xd, &td) == TSAMP_OK);
    CHECK(tsamp_sample_batch(chains2, logits2, NULL, 4, &bp, tokens, st) == TSAMP_ERR_NONFINITE);
    CHECK(st[0] == TSAMP_OK && tokens[0] == tb && st[3] == TSAMP_OK && tokens[3] == td);
    CHECK(st[1] == TSAMP_ERR_NONFINITE && st[2] == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_position(b) == 1 && tsamp_chain_position(d) == 1);

    tsamp_chain_free(a), tsamp_chain_free(b), tsamp_chain_free(d), tsamp_chain_free(nan_c);
    tsamp_chain_free(masked_c), tsamp_chain_free(ref_b), tsamp_chain_free(ref_d);
    free(xa), free(xb), free(xd), free(xn), free(xm);
}

static void test_batch_null_arguments(void) {
    tsamp_chain *c = row_chain(0, NULL);
    float *x = row_logits(0, 0);
    const float *logits[1] = {x};
    int32_t tok = 77;
    tsamp_status st = TSAMP_ERR_PARSE;
    CHECK(tsamp_sample_batch(NULL, logits, NULL, 1, NULL, &tok, &st) == TSAMP_ERR_NULL);
    CHECK(tsamp_sample_batch(&c, NULL, NULL, 1, NULL, &tok, &st) == TSAMP_ERR_NULL);
    CHECK(tsamp_sample_batch(&c, logits, NULL, 1, NULL, NULL, &st) == TSAMP_ERR_NULL);
    CHECK(tsamp_sample_batch(&c, logits, NULL, 1, NULL, &tok, NULL) == TSAMP_ERR_NULL);
    CHECK(tok == 77 && st == TSAMP_ERR_PARSE);
    CHECK(tsamp_sample_batch(NULL, NULL, NULL, 0, NULL, NULL, NULL) == TSAMP_OK);
    CHECK(tsamp_sample_batch(&c, logits, NULL, 1, NULL, &tok, &st) == TSAMP_OK && st == TSAMP_OK);
    CHECK(tsamp_chain_position(c) == 0); /* default: no accept */
    tsamp_batch_params d = tsamp_batch_default_params();
    CHECK(d.n_threads == 1 && d.accept == 0);
    tsamp_chain_free(c);
    free(x);
}

typedef struct {
    size_t allocs;
} counter;

static void *count_alloc(void *ctx, size_t size) {
    ((counter *)ctx)->allocs++;
    return malloc(size);
}

static void count_free(void *ctx, void *ptr) {
    (void)ctx;
    free(ptr);
}

/* Batches take no memory from the chains' allocators (only threads take stacks, from libc). */
static void test_batch_no_allocation(void) {
    enum { B = 6 };
    counter k = {0};
    tsamp_allocator a = {count_alloc, count_free, &k};
    tsamp_chain *chains[B];
    float *x[B];
    const float *logits[B];
    for (size_t i = 0; i < B; i++) chains[i] = row_chain(i, &a), x[i] = row_logits(i, 1), logits[i] = x[i];
    size_t before = k.allocs;
    int32_t tokens[B];
    tsamp_status st[B];
    tsamp_batch_params bp = {3, 1};
    for (int rep = 0; rep < 4; rep++) CHECK(tsamp_sample_batch(chains, logits, NULL, B, &bp, tokens, st) == TSAMP_OK);
    CHECK(k.allocs == before);
    for (size_t i = 0; i < B; i++) tsamp_chain_free(chains[i]), free(x[i]);
}

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec * 1e-3;
}

/* What creating threads per call costs: two tiny rows with 1 and 2 threads (a note only). */
static void test_batch_thread_overhead(void) {
    tsamp_chain *chains[2] = {row_chain(7, NULL), row_chain(17, NULL)}; /* temp=1.5, n = 3 */
    float x[3] = {0.5f, 1.0f, -1.0f};
    const float *logits[2] = {x, x};
    int32_t tokens[2];
    tsamp_status st[2];
    double us[2];
    enum { REPS = 400 };
    for (size_t t = 0; t < 2; t++) {
        tsamp_batch_params bp = {t + 1, 1};
        double start = now_us();
        for (int i = 0; i < REPS; i++) CHECK(tsamp_sample_batch(chains, logits, NULL, 2, &bp, tokens, st) == TSAMP_OK);
        us[t] = (now_us() - start) / REPS;
    }
    check_note("2 rows of 3 tokens: %.2f us per call on 1 thread, %.2f us on 2 (thread creation "
               "and join: %.1f us)", us[0], us[1], us[1] - us[0]);
    tsamp_chain_free(chains[0]), tsamp_chain_free(chains[1]);
}

void suite_batch(void) {
    RUN(test_batch_same_tokens_any_composition);
    RUN(test_batch_positions);
    RUN(test_batch_row_errors);
    RUN(test_batch_null_arguments);
    RUN(test_batch_no_allocation);
    RUN(test_batch_thread_overhead);
}
