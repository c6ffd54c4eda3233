/*
 * tsamp_speculative_verify: emitted tokens follow the target's distributions whatever the
 * draft (chi-square over 10^6 seeded trials against the long-double reference, with power
 * checks), the acceptance rate is sum min(p, q), the documented random numbers decide, the
 * target chain advances as sample + accept would, and every bad input has its status.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "check.h"
#include "ref.h"
#include "testutil.h"
#include "tsamp.h"

#define NINF (-(float)INFINITY)

/* ---- chi-square (as tests/test_stats.c: fixed alpha, pooled bins, Wilson-Hilferty) ------- */

enum { MIN_EXPECTED = 5 };
#define Z_ALPHA 3.090232306167813 /* upper 1e-3 quantile of the standard normal */

static double chi2_critical(double df) {
    double h = 2.0 / (9.0 * df);
    double c = 1.0 - h + Z_ALPHA * sqrt(h);
    return df * c * c * c;
}

typedef struct {
    double stat, crit;
    size_t df;
} chi2;

/* Pearson's statistic of counts[id] against total * q[id] over ids 0..n-1; ids expected
 * fewer than 5 times are pooled in id order (a last small pool joins the previous bin). The
 * binning depends on q only. An observation where q = 0 makes the statistic infinite. */
static chi2 chi_square(const uint64_t *counts, const double *q, size_t n, uint64_t total) {
    double e[256], o[256];
    size_t bins = 0;
    double pe = 0.0, po = 0.0, stray = 0.0;
    for (size_t i = 0; i < n && i < 256; i++) {
        double ei = (double)total * q[i], oi = (double)counts[i];
        if (q[i] == 0.0) {
            stray += oi;
            continue;
        }
        pe += ei, po += oi;
        if (pe >= MIN_EXPECTED) {
            e[bins] = pe, o[bins] = po, bins++;
            pe = po = 0.0;
        }
    }
    if (pe > 0.0 || po > 0.0) {
        if (bins > 0) e[bins - 1] += pe, o[bins - 1] += po;
        else e[bins] = pe, o[bins] = po, bins++;
    }
    chi2 r = {0.0, 0.0, bins > 1 ? bins - 1 : 1};
    for (size_t b = 0; b < bins; b++) r.stat += (o[b] - e[b]) * (o[b] - e[b]) / e[b];
    if (stray > 0.0) r.stat = HUGE_VAL;
    r.crit = chi2_critical((double)r.df);
    return r;
}

static void check_fit(const char *what, const uint64_t *counts, const double *q, size_t n,
                      uint64_t total) {
    chi2 r = chi_square(counts, q, n, total);
    check_note("%s: chi-square %.1f, df %zu, critical %.1f (alpha 1e-3, %llu draws)", what,
               r.stat, r.df, r.crit, (unsigned long long)total);
    CHECKF(r.stat <= r.crit, "%s: chi-square %.1f > critical %.1f (df %zu)", what, r.stat, r.crit,
           r.df);
}

static void check_power(const char *what, const uint64_t *counts, const double *q, size_t n,
                        uint64_t total) {
    chi2 r = chi_square(counts, q, n, total);
    check_note("%s: chi-square %.1f, df %zu, critical %.1f: rejected as it must be", what, r.stat,
               r.df, r.crit);
    CHECKF(r.stat > r.crit, "%s: not rejected (%.1f <= %.1f)", what, r.stat, r.crit);
}

/* ---- chains and distributions ------------------------------------------------------------ */

static tsamp_chain *chain_of(size_t n, const char *spec, uint64_t seed, uint64_t stream) {
    tsamp_chain_params p = tsamp_chain_default_params();
    p.seed = seed;
    p.stream = stream;
    tsamp_chain *c = NULL;
    tsamp_status st = tsamp_chain_create(&c, n, &p);
    CHECKF(st == TSAMP_OK, "create: %s", tsamp_status_str(st));
    if (st != TSAMP_OK) return NULL;
    st = tsamp_chain_parse(c, spec);
    CHECKF(st == TSAMP_OK, "parse \"%s\": %s", spec, tsamp_status_str(st));
    return c;
}

/* The reference distribution of a chain of (temperature t, top-k k, top-p p) over ids
 * 0..n-1 (0 where not kept); 0 on failure or when a boundary is within rounding. */
static int ref_dist(const float *x, size_t n, float t, int32_t k, float p, double *q) {
    ref_proc procs[3] = {{REF_TOP_K, 0.0f, k, 0.0f, 0}, {REF_TEMP, t, 0, 0.0f, 0},
                         {REF_TOP_P, 0.0f, 0, p, 1}};
    ref_result r;
    if (ref_run(x, n, procs, 3, &r) != 0) return 0;
    int ok = !r.ambiguous;
    int32_t ids[256];
    long double pr[256], sc[256];
    ref_distribution(&r, r.n_kept, ids, pr, sc);
    for (size_t i = 0; i < n; i++) q[i] = 0.0;
    for (size_t i = 0; i < r.n_kept; i++) q[ids[i]] = (double)pr[i];
    ref_free(&r);
    CHECKF(ok, "the reference distribution is within rounding of a boundary");
    return ok;
}

/* Rows with a shared structure (draft ~ target plus noise), ids not in probability order. */
static void make_rows(float *rows, size_t n_rows, size_t n, uint64_t seed, double noise,
                      const float *base) {
    tu_rng r = {seed};
    for (size_t j = 0; j < n_rows; j++)
        for (size_t i = 0; i < n; i++) {
            double g = base ? (double)base[j * n + i] + noise * tu_normal(&r)
                            : 1.3 * tu_normal(&r);
            rows[j * n + i] = (float)g;
        }
}

/* ---- the statistical test ----------------------------------------------------------------- */

typedef struct {
    const char *name;
    const char *target_spec, *draft_spec;
    float t_temp, t_top_p, d_temp; /* the same, for the reference */
    int32_t t_top_k, d_top_k;
    uint64_t draft_seed, draft_stream; /* the target's are 11 and 3 */
    uint64_t trials;
} stat_cfg;

enum { V = 32, K = 2 };

/*
 * Each trial drafts K tokens with the draft chain at positions P + i (sample, no accept), as
 * tsamp.h tells callers to, then verifies at target position P = 4 * trial. The first emitted
 * token must follow p_0; the second, when the first was an accepted draft, p_1 (rows are
 * fixed, so it is independent of the first). The acceptance rate of x_0 must be
 * beta = sum min(p_0, q_0) (binomial z-test, two-sided alpha 1e-3).
 */
static void run_stats(const stat_cfg *cfg) {
    float trow[(K + 1) * V], drow[K * V];
    make_rows(trow, K + 1, V, 4242, 0.0, NULL);
    make_rows(drow, K, V, 777, 0.6, trow); /* the draft model: the target plus noise */
    double p0[V], p1[V], q0[V];
    uint64_t first[V] = {0}, second[V] = {0}, accepted0 = 0, n_second = 0;
    tsamp_chain *t = chain_of(V, cfg->target_spec, 11, 3);
    tsamp_chain *d = chain_of(V, cfg->draft_spec, cfg->draft_seed, cfg->draft_stream);
    if (!t || !d) goto out;
    if (!ref_dist(trow, V, cfg->t_temp, cfg->t_top_k, cfg->t_top_p, p0) ||
        !ref_dist(trow + V, V, cfg->t_temp, cfg->t_top_k, cfg->t_top_p, p1) ||
        !ref_dist(drow, V, cfg->d_temp, cfg->d_top_k, 1.0f, q0))
        goto out;
    size_t bad = 0;
    for (uint64_t trial = 0; trial < cfg->trials; trial++) {
        uint64_t pos = 4 * trial;
        int32_t x[K], out[K + 1];
        size_t n_out = 0;
        for (size_t i = 0; i < K; i++) {
            tsamp_chain_set_position(d, pos + i);
            bad += tsamp_chain_sample(d, drow + i * V, &x[i]) != TSAMP_OK;
        }
        tsamp_chain_set_position(t, pos);
        if (tsamp_speculative_verify(t, d, trow, drow, x, K, out, &n_out) != TSAMP_OK ||
            n_out < 1 || n_out > K + 1 || tsamp_chain_position(t) != pos + n_out) {
            bad++;
            continue;
        }
        first[out[0]]++;
        if (n_out >= 2) { /* x_0 was accepted: out[1] comes from row 1 */
            accepted0++;
            second[out[1]]++;
            n_second++;
        }
    }
    CHECKF(bad == 0, "%zu trials failed", bad);
    char what[160];
    snprintf(what, sizeof what, "%s: first token vs p_0", cfg->name);
    check_fit(what, first, p0, V, cfg->trials);
    snprintf(what, sizeof what, "%s: second token (first accepted) vs p_1", cfg->name);
    check_fit(what, second, p1, V, n_second);
    /* Acceptance of x_0: probability sum min(p_0, q_0). */
    double beta = 0.0;
    for (size_t i = 0; i < V; i++) beta += fmin(p0[i], q0[i]);
    double z = ((double)accepted0 - beta * (double)cfg->trials) /
               sqrt(beta * (1.0 - beta) * (double)cfg->trials);
    check_note("%s: x_0 accepted %.5f of the time, expected %.5f (z = %.2f, |z| <= 3.29)",
               cfg->name, (double)accepted0 / (double)cfg->trials, beta, z);
    CHECKF(fabs(z) <= 3.2905267314919, "%s: acceptance z = %.2f", cfg->name, z);
    /* Power: the draft's own distribution (what emitting drafts unverified would give), and
     * p_0 with 1% of its largest probability moved to a mid-sized token. */
    snprintf(what, sizeof what, "%s: first token vs q_0", cfg->name);
    check_power(what, first, q0, V, cfg->trials);
    double pert[V];
    size_t top = 0, mid = SIZE_MAX;
    memcpy(pert, p0, sizeof pert);
    for (size_t i = 0; i < V; i++) top = pert[i] > pert[top] ? i : top;
    for (size_t i = 0; i < V; i++) /* the least probable token above 2% */
        if (i != top && pert[i] > 0.02 && (mid == SIZE_MAX || pert[i] < pert[mid])) mid = i;
    CHECK(mid != SIZE_MAX);
    if (mid == SIZE_MAX) goto out;
    pert[mid] += 0.01 * pert[top];
    pert[top] *= 0.99;
    snprintf(what, sizeof what, "%s: first token vs p_0 perturbed by 1%%", cfg->name);
    check_power(what, first, pert, V, cfg->trials);
out:
    tsamp_chain_free(t);
    tsamp_chain_free(d);
}

/* Target and draft with different processors, independent seeds: a compacted target view
 * (top-p) against a dense draft. */
static void test_speculative_stats_different_processors(void) {
    stat_cfg c = {"target \"temp=0.7 top_p=0.9\", draft \"temp=1.2\"", "temp=0.7 top_p=0.9",
                  "temp=1.2", 0.7f, 0.9f, 1.2f, 0, 0, 99, 8, 1000000};
    run_stats(&c);
}

/* The draft shares the target's seed and stream, so it draws x_i with the very stream the
 * target would sample position P + i from; its support is smaller than the target's (top-k),
 * so the residual must reach tokens q gives 0. */
static void test_speculative_stats_shared_stream(void) {
    stat_cfg c = {"target \"temp=0.9\", draft \"top_k=5 temp=1.5\" on the target's stream",
                  "temp=0.9", "top_k=5 temp=1.5", 0.9f, 1.0f, 1.5f, 0, 5, 11, 3, 1000000};
    run_stats(&c);
}

/* ---- deterministic behaviour --------------------------------------------------------------- */

/* The verification stream as tsamp.h documents it (tsamp_rng_at with tags 0x02, 0x03). */
static tsamp_rng doc_verify_rng(uint64_t seed, uint64_t stream, uint64_t pos) {
    unsigned char m[17];
    for (int i = 0; i < 8; i++) {
        m[i] = (unsigned char)(stream >> (8 * i));
        m[8 + i] = (unsigned char)(pos >> (8 * i));
    }
    m[16] = 2;
    uint64_t s = (uint64_t)XXH3_64bits_withSeed(m, sizeof m, seed);
    m[16] = 3;
    uint64_t q = (uint64_t)XXH3_64bits_withSeed(m, sizeof m, seed);
    tsamp_rng r;
    tsamp_rng_seed(&r, s, q);
    return r;
}

static double dist_prob(tsamp_chain *c, const float *row, int32_t tok) {
    int32_t ids[V];
    float pr[V];
    size_t nk = 0;
    if (tsamp_chain_distribution(c, row, ids, pr, V, &nk) != TSAMP_OK) return -1.0;
    for (size_t i = 0; i < nk; i++)
        if (ids[i] == tok) return (double)pr[i];
    return 0.0;
}

/*
 * One row at a time (k = 1) against a replay from the documented contract: the acceptance
 * test u1 * q < p with u1 the verification stream's first uniform, and on a rejection the
 * residual walk with its second. The replay uses the float probabilities of
 * tsamp_chain_distribution, so decisions within 1e-6 of a boundary are not compared.
 */
static void test_speculative_documented_random_numbers(void) {
    float trow[2 * V], drow[V];
    make_rows(trow, 2, V, 31, 0.0, NULL);
    make_rows(drow, 1, V, 32, 0.8, trow);
    tsamp_chain *t = chain_of(V, "temp=0.8 top_k=12", 5, 6);
    tsamp_chain *d = chain_of(V, "temp=1.1", 1, 2);
    tsamp_chain *probe = chain_of(V, "temp=0.8 top_k=12", 5, 6);
    size_t compared = 0, rejections = 0, skipped = 0, wrong = 0;
    for (uint64_t pos = 0; t && d && probe && pos < 3000; pos++) {
        int32_t x = (int32_t)((pos * 7) % V), out[2];
        size_t n_out = 0;
        tsamp_chain_set_position(t, pos);
        if (tsamp_speculative_verify(t, d, trow, drow, &x, 1, out, &n_out) != TSAMP_OK) {
            wrong++;
            continue;
        }
        double px = dist_prob(probe, trow, x), qx = dist_prob(d, drow, x);
        tsamp_rng r = doc_verify_rng(5, 6, pos);
        double u1 = tsamp_rng_uniform(&r), u2 = tsamp_rng_uniform(&r);
        if (fabs(u1 * qx - px) < 1e-6) {
            skipped++;
            continue;
        }
        int acc = u1 * qx < px;
        if (acc) {
            wrong += n_out != 2 || out[0] != x;
            compared++;
            continue;
        }
        rejections++;
        /* The residual walk, replayed. */
        double res[V], tot = 0.0, cum = 0.0;
        for (int32_t i = 0; i < V; i++) {
            double ri = dist_prob(probe, trow, i) - dist_prob(d, drow, i);
            res[i] = ri > 0.0 ? ri : 0.0;
            tot += res[i];
        }
        int32_t want = -1, near = 0;
        for (int32_t i = 0; i < V && want < 0; i++) {
            cum += res[i];
            if (cum > u2 * tot) want = i;
            near |= res[i] > 0.0 && fabs(cum - u2 * tot) < 1e-6;
        }
        if (near) {
            skipped++;
            continue;
        }
        wrong += n_out != 1 || out[0] != want;
        compared++;
    }
    CHECKF(wrong == 0, "%zu of %zu decisions differ from the documented replay", wrong, compared);
    CHECK(rejections > 300 && compared > 2500);
    check_note("%zu decisions replayed (%zu rejections), %zu within 1e-6 of a boundary skipped",
               compared, rejections, skipped);
    tsamp_chain_free(t);
    tsamp_chain_free(d);
    tsamp_chain_free(probe);
}

/* p == q bitwise: every draft is accepted (u1 * q < q); the bonus is tsamp_chain_sample at
 * P + k; the target ends at P + k + 1 like k + 1 samples and accepts. */
static void test_speculative_identical_chains_accept_all(void) {
    enum { KK = 4 };
    float rows[(KK + 1) * V];
    make_rows(rows, KK + 1, V, 55, 0.0, NULL);
    tsamp_chain *t = chain_of(V, "temp=0.8 top_k=10", 21, 0);
    tsamp_chain *d = chain_of(V, "temp=0.8 top_k=10", 21, 0);
    tsamp_chain *ref = chain_of(V, "temp=0.8 top_k=10", 21, 0);
    size_t bad = 0;
    for (uint64_t round = 0; t && d && ref && round < 500; round++) {
        uint64_t pos = 1000 + 10 * round;
        int32_t x[KK], out[KK + 1], bonus = -1;
        size_t n_out = 0;
        for (size_t i = 0; i < KK; i++) {
            tsamp_chain_set_position(d, pos + i);
            CHECK(tsamp_chain_sample(d, rows + i * V, &x[i]) == TSAMP_OK);
        }
        tsamp_chain_set_position(t, pos);
        CHECK(tsamp_speculative_verify(t, d, rows, rows, x, KK, out, &n_out) == TSAMP_OK);
        tsamp_chain_set_position(ref, pos + KK);
        CHECK(tsamp_chain_sample(ref, rows + KK * V, &bonus) == TSAMP_OK);
        bad += n_out != KK + 1 || memcmp(out, x, sizeof x) != 0 || out[KK] != bonus ||
               tsamp_chain_position(t) != pos + KK + 1 || tsamp_chain_position(d) != pos + KK - 1;
    }
    CHECKF(bad == 0, "%zu rounds did not accept every draft or gave another bonus", bad);
    tsamp_chain_free(t);
    tsamp_chain_free(d);
    tsamp_chain_free(ref);
}

/* k = 0 is a plain sample + accept; the draft arguments may be NULL. */
static void test_speculative_k0_is_sample(void) {
    float row[V];
    make_rows(row, 1, V, 8, 0.0, NULL);
    tsamp_chain *t = chain_of(V, "min_p=0.1", 4, 4), *ref = chain_of(V, "min_p=0.1", 4, 4);
    size_t bad = 0;
    for (uint64_t pos = 0; t && ref && pos < 200; pos++) {
        int32_t out = -1, want = -2;
        size_t n_out = 0;
        tsamp_chain_set_position(ref, pos);
        CHECK(tsamp_chain_sample(ref, row, &want) == TSAMP_OK);
        CHECK(tsamp_speculative_verify(t, NULL, row, NULL, NULL, 0, &out, &n_out) == TSAMP_OK);
        bad += n_out != 1 || out != want || tsamp_chain_position(t) != pos + 1;
    }
    CHECK(bad == 0);
    tsamp_chain_free(t);
    tsamp_chain_free(ref);
}

/* A draft the target gives probability 0 is always rejected; the replacement is in the
 * target's support. A greedy target emits its argmax whatever the draft. */
static void test_speculative_support_and_greedy(void) {
    float rows[3 * V];
    make_rows(rows, 3, V, 9, 0.0, NULL);
    tsamp_chain *t = chain_of(V, "top_k=3", 1, 1), *g = chain_of(V, "greedy", 1, 1);
    tsamp_chain *d = chain_of(V, "temp=2", 2, 2);
    double p[V];
    if (!t || !g || !d || !ref_dist(rows, V, 1.0f, 3, 1.0f, p)) goto out;
    int32_t outside = 0, argmax = 0, argmax1 = 0;
    while (p[outside] > 0.0) outside++;
    for (int32_t i = 0; i < V; i++) {
        if (rows[i] > rows[argmax]) argmax = i;
        if (rows[V + i] > rows[V + argmax1]) argmax1 = i;
    }
    size_t bad = 0;
    for (uint64_t pos = 0; pos < 300; pos++) {
        int32_t x[2] = {outside, (int32_t)(pos % V)}, out[3];
        size_t n_out = 0;
        tsamp_chain_set_position(t, pos);
        CHECK(tsamp_speculative_verify(t, d, rows, rows, x, 2, out, &n_out) == TSAMP_OK);
        bad += n_out != 1 || !(p[out[0]] > 0.0);
        tsamp_chain_set_position(g, pos);
        x[0] = pos % 2 ? argmax : (int32_t)((pos * 5) % V);
        CHECK(tsamp_speculative_verify(g, d, rows, rows, x, 2, out, &n_out) == TSAMP_OK);
        bad += out[0] != argmax || (n_out >= 2 && out[1] != argmax1);
        bad += (x[0] == argmax) != (n_out >= 2);
    }
    CHECKF(bad == 0, "%zu wrong", bad);
    /* Both one-hot on the argmax and a draft token neither can give: p(x) = q(x) = 0 rejects,
     * the residual max(0, p - q) is all zero, and the fallback draw from p emits the argmax. */
    tsamp_chain *d1 = chain_of(V, "top_k=1", 3, 3);
    int32_t x2[1] = {argmax == 0 ? 1 : 0}, out2[2] = {-1, -1};
    size_t n2 = 0;
    CHECK(d1 && tsamp_speculative_verify(g, d1, rows, rows, x2, 1, out2, &n2) == TSAMP_OK);
    CHECK(n2 == 1 && out2[0] == argmax);
    tsamp_chain_free(d1);
out:
    tsamp_chain_free(t);
    tsamp_chain_free(g);
    tsamp_chain_free(d);
}

/* The same call twice gives the same tokens; the draft's seed, stream and position do not
 * matter (only its processors do). */
static void test_speculative_reproducible(void) {
    enum { KK = 3 };
    float trow[(KK + 1) * V], drow[KK * V];
    make_rows(trow, KK + 1, V, 60, 0.0, NULL);
    make_rows(drow, KK, V, 61, 1.0, trow);
    tsamp_chain *t = chain_of(V, "temp=0.6", 70, 1);
    tsamp_chain *d1 = chain_of(V, "temp=1.3 top_p=0.95", 1, 1);
    tsamp_chain *d2 = chain_of(V, "temp=1.3 top_p=0.95", 999, 5);
    size_t bad = 0, lengths[KK + 2] = {0};
    for (uint64_t pos = 0; t && d1 && d2 && pos < 400; pos++) {
        int32_t x[KK] = {(int32_t)(pos % V), (int32_t)((pos / 3) % V), 4}, a[KK + 1], b[KK + 1];
        size_t na = 0, nb = 0;
        tsamp_chain_set_position(d2, 12345);
        tsamp_chain_set_position(t, pos);
        CHECK(tsamp_speculative_verify(t, d1, trow, drow, x, KK, a, &na) == TSAMP_OK);
        tsamp_chain_set_position(t, pos);
        CHECK(tsamp_speculative_verify(t, d2, trow, drow, x, KK, b, &nb) == TSAMP_OK);
        bad += na != nb || memcmp(a, b, na * sizeof *a) != 0 || tsamp_chain_position(d2) != 12345;
        lengths[na]++;
    }
    CHECK(bad == 0);
    check_note("emitted 1/2/3/4 tokens: %zu/%zu/%zu/%zu times", lengths[1], lengths[2], lengths[3],
               lengths[4]);
    tsamp_chain_free(t);
    tsamp_chain_free(d1);
    tsamp_chain_free(d2);
}

static void test_speculative_errors(void) {
    float trow[3 * V], drow[2 * V];
    make_rows(trow, 3, V, 1, 0.0, NULL);
    make_rows(drow, 2, V, 2, 0.0, NULL);
    tsamp_chain *t = chain_of(V, "temp=0.9", 1, 1), *d = chain_of(V, "", 1, 1);
    tsamp_chain *other = chain_of(V + 1, "", 1, 1);
    int32_t x[2] = {3, 4}, out[3] = {-7, -7, -7};
    size_t n_out = 99;
    if (!t || !d || !other) goto out;
    tsamp_chain_set_position(t, 50);
    CHECK(tsamp_speculative_verify(NULL, d, trow, drow, x, 2, out, &n_out) == TSAMP_ERR_NULL);
    CHECK(tsamp_speculative_verify(t, NULL, trow, drow, x, 2, out, &n_out) == TSAMP_ERR_NULL);
    CHECK(tsamp_speculative_verify(t, d, NULL, drow, x, 2, out, &n_out) == TSAMP_ERR_NULL);
    CHECK(tsamp_speculative_verify(t, d, trow, NULL, x, 2, out, &n_out) == TSAMP_ERR_NULL);
    CHECK(tsamp_speculative_verify(t, d, trow, drow, NULL, 2, out, &n_out) == TSAMP_ERR_NULL);
    CHECK(tsamp_speculative_verify(t, d, trow, drow, x, 2, NULL, &n_out) == TSAMP_ERR_NULL);
    CHECK(tsamp_speculative_verify(t, d, trow, drow, x, 2, out, NULL) == TSAMP_ERR_NULL);
    CHECK(tsamp_speculative_verify(t, t, trow, drow, x, 2, out, &n_out) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_speculative_verify(t, d, trow, drow, x, SIZE_MAX / 2, out, &n_out) ==
          TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_speculative_verify(t, other, trow, drow, x, 2, out, &n_out) == TSAMP_ERR_VOCAB);
    x[1] = V;
    CHECK(tsamp_speculative_verify(t, d, trow, drow, x, 2, out, &n_out) == TSAMP_ERR_VOCAB);
    x[1] = -1;
    CHECK(tsamp_speculative_verify(t, d, trow, drow, x, 2, out, &n_out) == TSAMP_ERR_VOCAB);
    x[1] = 4;
    /* Bad logits in a row the draws may never reach still decide the status. */
    trow[2 * V + 5] = NAN;
    CHECK(tsamp_speculative_verify(t, d, trow, drow, x, 2, out, &n_out) == TSAMP_ERR_NONFINITE);
    trow[2 * V + 5] = 0.0f;
    drow[V + 1] = INFINITY;
    CHECK(tsamp_speculative_verify(t, d, trow, drow, x, 2, out, &n_out) == TSAMP_ERR_NONFINITE);
    for (size_t i = 0; i < V; i++) drow[V + i] = NINF;
    CHECK(tsamp_speculative_verify(t, d, trow, drow, x, 2, out, &n_out) == TSAMP_ERR_ALL_MASKED);
    CHECK(n_out == 99 && out[0] == -7 && out[1] == -7 && out[2] == -7);
    CHECK(tsamp_chain_position(t) == 50);
out:
    tsamp_chain_free(t);
    tsamp_chain_free(d);
    tsamp_chain_free(other);
}

void suite_speculative(void) {
    RUN(test_speculative_stats_different_processors);
    RUN(test_speculative_stats_shared_stream);
    RUN(test_speculative_documented_random_numbers);
    RUN(test_speculative_identical_chains_accept_all);
    RUN(test_speculative_k0_is_sample);
    RUN(test_speculative_support_and_greedy);
    RUN(test_speculative_reproducible);
    RUN(test_speculative_errors);
}
