/*
 * The sampler draws from the distribution it reports: empirical frequencies of seeded draws
 * (tsamp_chain_sample at positions 0..N-1) against tsamp_chain_distribution and against the
 * long-double reference, by Pearson's chi-square at a fixed significance. The seeds are fixed,
 * so the outcome is deterministic and the tests cannot flake.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ref.h"
#include "testutil.h"
#include "tsamp.h"

#define NINF (-(float)INFINITY)

/* 10^6 draws for the small vocabulary. The large one costs a full top-p per draw (~65 us
 * with AVX2 at the time of writing), so it gets fewer: still ~70 per kept token on average. */
enum { DRAWS_SMALL = 1000000, DRAWS_LARGE = 200000, MIN_EXPECTED = 5 };

/* Upper 1e-3 quantile of the standard normal: the significance is alpha = 1e-3. */
#define Z_ALPHA 3.090232306167813

/* Chi-square critical value at alpha by the Wilson-Hilferty approximation. */
static double chi2_critical(double df) {
    double h = 2.0 / (9.0 * df);
    double c = 1.0 - h + Z_ALPHA * sqrt(h);
    return df * c * c * c;
}

typedef struct {
    double stat, crit;
    size_t df;
} chi2;

/* Bins of expected and observed counts. */
typedef struct {
    double *e, *o;
    size_t n;
} bins;

static void add_bin(bins *b, double e, double o) {
    b->e[b->n] = e;
    b->o[b->n] = o;
    b->n++;
}

/*
 * Pearson's statistic of counts[ids[i]] against total * q[i]. Tokens expected fewer than 5
 * times are pooled in id order until the pool reaches 5; a last pool still below 5 joins the
 * bin before it. The binning depends on q only, never on the counts.
 */
static chi2 chi_square(const uint64_t *counts, const int32_t *ids, const double *q, size_t n,
                       uint64_t total) {
    bins b = {malloc((n + 1) * sizeof(double)), malloc((n + 1) * sizeof(double)), 0};
    chi2 r = {HUGE_VAL, HUGE_VAL, 0};
    if (!b.e || !b.o) goto out;
    double pool_e = 0.0, pool_o = 0.0;
    for (size_t i = 0; i < n; i++) {
        double ei = (double)total * q[i], oi = (double)counts[ids[i]];
        if (ei >= MIN_EXPECTED) {
            add_bin(&b, ei, oi);
            continue;
        }
        pool_e += ei;
        pool_o += oi;
        if (pool_e >= MIN_EXPECTED) {
            add_bin(&b, pool_e, pool_o);
            pool_e = pool_o = 0.0;
        }
    }
    if (b.n > 0) {
        b.e[b.n - 1] += pool_e;
        b.o[b.n - 1] += pool_o;
    } else {
        add_bin(&b, pool_e, pool_o);
    }
    r.stat = 0.0;
    for (size_t i = 0; i < b.n; i++) {
        double d = b.o[i] - b.e[i];
        r.stat += b.e[i] > 0.0 ? d * d / b.e[i] : (b.o[i] > 0.0 ? HUGE_VAL : 0.0);
    }
    r.df = b.n > 1 ? b.n - 1 : 1;
    r.crit = chi2_critical((double)r.df);
out:
    free(b.e);
    free(b.o);
    return r;
}

/* A chain for the tests: temperature t (1 = none), then top-p p (>= 1 = none). */
static tsamp_chain *make_chain(size_t n, uint64_t seed, uint64_t stream, float t, float p) {
    tsamp_chain_params params = tsamp_chain_default_params();
    params.seed = seed;
    params.stream = stream;
    tsamp_chain *c = NULL;
    tsamp_status st = tsamp_chain_create(&c, n, &params);
    CHECKF(st == TSAMP_OK, "create: %s", tsamp_status_str(st));
    if (st != TSAMP_OK) return NULL;
    CHECK(tsamp_chain_add_temperature(c, t) == TSAMP_OK);
    if (p < 1.0f) CHECK(tsamp_chain_add_top_p(c, p, 1) == TSAMP_OK);
    return c;
}

/* Counts of tokens drawn at positions 0..draws-1; returns how many draws failed. */
static size_t draw_counts(tsamp_chain *c, const float *x, size_t n, uint64_t draws,
                          uint64_t *counts) {
    size_t bad = 0;
    for (uint64_t pos = 0; pos < draws; pos++) {
        int32_t tok = -1;
        tsamp_chain_set_position(c, pos);
        if (tsamp_chain_sample(c, x, &tok) != TSAMP_OK || tok < 0 || (size_t)tok >= n) bad++;
        else counts[tok]++;
    }
    return bad;
}

/* One distribution to test against: kept ids (increasing) and probabilities in double. */
typedef struct {
    size_t n;
    int32_t *ids;
    double *q;
} dist;

static void dist_free(dist *d) {
    free(d->ids);
    free(d->q);
    d->ids = NULL;
    d->q = NULL;
}

/* The library's distribution, renormalised in double (its floats sum to 1 within rounding). */
static int lib_dist(tsamp_chain *c, const float *x, size_t n, dist *d) {
    float *p = malloc(n * sizeof *p);
    d->ids = malloc(n * sizeof *d->ids);
    d->q = malloc(n * sizeof *d->q);
    int ok = p && d->ids && d->q &&
             tsamp_chain_distribution(c, x, d->ids, p, n, &d->n) == TSAMP_OK;
    double sum = 0.0;
    for (size_t i = 0; ok && i < d->n; i++) sum += (double)p[i];
    for (size_t i = 0; ok && i < d->n; i++) d->q[i] = (double)p[i] / sum;
    free(p);
    CHECKF(ok, "distribution failed");
    return ok;
}

/* The reference's distribution for temperature t then top-p p; it must be unambiguous. */
static int ref_dist(const float *x, size_t n, float t, float p, dist *d) {
    ref_proc procs[2] = {{REF_TEMP, t, 0, 0.0f, 0}, {REF_TOP_P, 0.0f, 0, p, 1}};
    ref_result r;
    if (ref_run(x, n, procs, p < 1.0f ? 2 : 1, &r) != 0) {
        CHECKF(0, "reference failed");
        return 0;
    }
    CHECKF(!r.ambiguous, "the test distribution is within rounding of a top-p boundary");
    d->n = r.n_kept;
    d->ids = malloc(d->n * sizeof *d->ids);
    d->q = malloc(d->n * sizeof *d->q);
    long double *pr = malloc(d->n * sizeof *pr), *a = malloc(d->n * sizeof *a);
    int ok = d->ids && d->q && pr && a;
    if (ok) {
        ref_distribution(&r, d->n, d->ids, pr, a);
        for (size_t i = 0; i < d->n; i++) d->q[i] = (double)pr[i];
    }
    free(pr);
    free(a);
    ref_free(&r);
    return ok;
}

/* Draws outside the kept set are failures by themselves, whatever the statistic says. */
static uint64_t draws_outside(const uint64_t *counts, size_t n, const dist *d) {
    uint64_t inside = 0, all = 0;
    for (size_t i = 0; i < d->n; i++) inside += counts[d->ids[i]];
    for (size_t i = 0; i < n; i++) all += counts[i];
    return all - inside;
}

static void check_fit(const char *what, const uint64_t *counts, const dist *d, uint64_t draws) {
    chi2 r = chi_square(counts, d->ids, d->q, d->n, draws);
    check_note("%s: chi-square %.1f, df %zu, critical %.1f (alpha 1e-3)", what, r.stat, r.df,
               r.crit);
    CHECKF(r.stat <= r.crit, "%s: chi-square %.1f > critical %.1f (df %zu)", what, r.stat,
           r.crit, r.df);
}

/* The same counts against a perturbed q must be rejected: the test has power. */
static void check_power(const char *what, const uint64_t *counts, const dist *d, double *q2,
                        uint64_t draws) {
    chi2 r = chi_square(counts, d->ids, q2, d->n, draws);
    check_note("%s: chi-square %.1f, df %zu, critical %.1f: rejected as it must be", what,
               r.stat, r.df, r.crit);
    CHECKF(r.stat > r.crit, "%s: a perturbed distribution was not rejected (%.1f <= %.1f)",
           what, r.stat, r.crit);
}

/* ~50 tokens: a geometric bulk, a tail of tiny probabilities (pooled bins), one masked. */
static void small_logits(float *x, size_t n) {
    for (size_t i = 0; i < n; i++) {
        size_t rank = (i * 7) % n; /* a permutation: ids are not in probability order */
        if (rank < 40) x[i] = -0.12f * (float)rank;
        else if (rank + 1 < n) x[i] = -9.0f - 0.5f * (float)(rank - 40);
        else x[i] = NINF;
    }
}

static void stats_small_vocab_temp_1(void) {
    enum { N = 50 };
    float x[N];
    small_logits(x, N);
    tsamp_chain *c = make_chain(N, 2024, 0, 1.0f, 1.0f);
    uint64_t *counts = calloc(N, sizeof *counts);
    dist lib = {0}, ref = {0};
    if (!c || !counts || !lib_dist(c, x, N, &lib) || !ref_dist(x, N, 1.0f, 1.0f, &ref)) goto out;
    CHECK(lib.n == N - 1 && ref.n == N - 1);
    CHECK(draw_counts(c, x, N, DRAWS_SMALL, counts) == 0);
    CHECKF(draws_outside(counts, N, &lib) == 0, "a masked token was drawn");
    check_fit("vs tsamp_chain_distribution", counts, &lib, DRAWS_SMALL);
    check_fit("vs reference", counts, &ref, DRAWS_SMALL);
    /* Power: 1% of the largest probability moved to a mid-sized one (rank 20). */
    double *q2 = malloc(ref.n * sizeof *q2);
    if (!q2) goto out;
    memcpy(q2, ref.q, ref.n * sizeof *q2);
    size_t top = 0, mid = 0;
    for (size_t i = 0; i < ref.n; i++) {
        if (q2[i] > q2[top]) top = i;
        if (x[ref.ids[i]] == -0.12f * 20.0f) mid = i;
    }
    q2[mid] += 0.01 * q2[top];
    q2[top] *= 0.99;
    check_power("1% of the top probability moved", counts, &ref, q2, DRAWS_SMALL);
    free(q2);
out:
    dist_free(&lib);
    dist_free(&ref);
    free(counts);
    tsamp_chain_free(c);
}

/* 4096 tokens over 16 blocks of 256; flat enough that top-p 0.9 keeps ~3000 of them. */
static void large_logits(float *x, size_t n) {
    tu_rng r = {0x5eed4096};
    for (size_t i = 0; i < n; i++) x[i] = i % 97 == 13 ? NINF : (float)(0.5 * tu_normal(&r));
}

static void stats_large_vocab_temp_top_p(void) {
    enum { N = 4096, BLOCK = 256 };
    float *x = malloc(N * sizeof *x);
    tsamp_chain *c = make_chain(N, 77, 3, 0.7f, 0.9f);
    uint64_t *counts = calloc(N, sizeof *counts);
    double *q2 = NULL;
    dist lib = {0}, ref = {0};
    if (!x || !c || !counts) goto out;
    large_logits(x, N);
    if (!lib_dist(c, x, N, &lib) || !ref_dist(x, N, 0.7f, 0.9f, &ref)) goto out;
    CHECKF(lib.n == ref.n, "kept %zu, reference %zu", lib.n, ref.n);
    CHECK(lib.n > 2000 && lib.ids[0] < BLOCK && lib.ids[lib.n - 1] >= N - BLOCK);
    CHECK(draw_counts(c, x, N, DRAWS_LARGE, counts) == 0);
    CHECKF(draws_outside(counts, N, &lib) == 0, "%llu draws outside the kept set",
           (unsigned long long)draws_outside(counts, N, &lib));
    check_fit("vs tsamp_chain_distribution", counts, &lib, DRAWS_LARGE);
    check_fit("vs reference", counts, &ref, DRAWS_LARGE);
    /* Power: 1% of the total mass moved from block 3 to block 4, proportionally. */
    q2 = malloc(ref.n * sizeof *q2);
    if (!q2) goto out;
    double mass3 = 0.0, mass4 = 0.0;
    for (size_t i = 0; i < ref.n; i++) {
        mass3 += ref.ids[i] / BLOCK == 3 ? ref.q[i] : 0.0;
        mass4 += ref.ids[i] / BLOCK == 4 ? ref.q[i] : 0.0;
    }
    for (size_t i = 0; i < ref.n; i++) {
        q2[i] = ref.q[i];
        if (ref.ids[i] / BLOCK == 3) q2[i] *= 1.0 - 0.01 / mass3;
        if (ref.ids[i] / BLOCK == 4) q2[i] *= 1.0 + 0.01 / mass4;
    }
    check_power("1% of the mass moved between blocks", counts, &ref, q2, DRAWS_LARGE);
out:
    dist_free(&lib);
    dist_free(&ref);
    free(q2);
    free(counts);
    tsamp_chain_free(c);
    free(x);
}

/* Tokens at positions from..from+n-1 of a chain. */
static int sequence(tsamp_chain *c, const float *x, uint64_t from, size_t n, int32_t *out) {
    for (size_t i = 0; i < n; i++) {
        tsamp_chain_set_position(c, from + i);
        if (tsamp_chain_sample(c, x, &out[i]) != TSAMP_OK) return 0;
    }
    return 1;
}

static size_t n_equal(const int32_t *a, const int32_t *b, size_t n) {
    size_t k = 0;
    for (size_t i = 0; i < n; i++) k += (size_t)(a[i] == b[i]);
    return k;
}

/*
 * (seed, stream, position) determines the token: two chains, a repeated sample, a fresh chain
 * resuming at a position, accept() moving to the next position. Other seeds, streams and
 * positions give other tokens: two sequences of 256 agree at only ~6% of the places
 * (sum of q^2) if independent; 25% is far out of reach by chance.
 */
static void stats_determinism(void) {
    enum { N = 50, LEN = 256 };
    float x[N];
    small_logits(x, N);
    tsamp_chain *a = make_chain(N, 9, 4, 1.0f, 1.0f), *b = make_chain(N, 9, 4, 1.0f, 1.0f);
    tsamp_chain *seed2 = make_chain(N, 10, 4, 1.0f, 1.0f);
    tsamp_chain *stream2 = make_chain(N, 9, 5, 1.0f, 1.0f);
    int32_t sa[LEN], sb[LEN], s2[LEN], s3[LEN], again[LEN];
    if (!a || !b || !seed2 || !stream2) goto out;
    CHECK(sequence(a, x, 0, LEN, sa) && sequence(b, x, 0, LEN, sb));
    CHECK(sequence(a, x, 0, LEN, again));
    CHECKF(n_equal(sa, sb, LEN) == LEN, "two chains with the same seed and stream differ");
    CHECKF(n_equal(sa, again, LEN) == LEN, "the same chain differs on a second pass");
    CHECK(sequence(b, x, 100, 1, s2));
    CHECKF(s2[0] == sa[100], "a fresh chain resuming at position 100 draws another token");
    int32_t t0 = -1, t1 = -1;
    tsamp_chain_reset(b);
    CHECK(tsamp_chain_sample(b, x, &t0) == TSAMP_OK && tsamp_chain_accept(b, t0) == TSAMP_OK);
    CHECK(tsamp_chain_sample(b, x, &t1) == TSAMP_OK);
    CHECKF(t0 == sa[0] && t1 == sa[1], "accept does not move to the next position's stream");
    size_t distinct = 0;
    for (size_t i = 0; i < LEN; i++) distinct += (size_t)(sa[i] != sa[0]);
    CHECKF(distinct > LEN / 2, "positions repeat one token too often (%zu differ from the first)",
           distinct);
    CHECK(sequence(seed2, x, 0, LEN, s2) && sequence(stream2, x, 0, LEN, s3));
    size_t eq_seed = n_equal(sa, s2, LEN), eq_stream = n_equal(sa, s3, LEN);
    check_note("of %d positions, %zu agree across seeds and %zu across streams", LEN, eq_seed,
               eq_stream);
    CHECK(eq_seed < LEN / 4 && eq_stream < LEN / 4);
out:
    tsamp_chain_free(a);
    tsamp_chain_free(b);
    tsamp_chain_free(seed2);
    tsamp_chain_free(stream2);
}

void suite_stats(void) {
    RUN(stats_small_vocab_temp_1);
    RUN(stats_large_vocab_temp_top_p);
    RUN(stats_determinism);
}
