/*
 * tsamp_chain_sample_logprobs: the token is tsamp_chain_sample's, bit for bit; the raw values
 * are tsamp_log_softmax's, bit for bit; the top list and rank are the exact raw order (against
 * a full sort); the processed log-probability is within a bound derived from its arithmetic
 * of the long-double reference; every ISA path gives the same bits.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ref.h"
#include "testutil.h"
#include "tsamp.h"

#define NINF (-(float)INFINITY)

static tsamp_chain *chain_of(size_t n, const char *spec, uint64_t seed, tsamp_isa isa) {
    tsamp_chain_params p = tsamp_chain_default_params();
    p.seed = seed;
    p.stream = 5;
    p.isa = isa;
    tsamp_chain *c = NULL;
    tsamp_status st = tsamp_chain_create(&c, n, &p);
    CHECKF(st == TSAMP_OK, "create(%zu): %s", n, tsamp_status_str(st));
    if (st != TSAMP_OK) return NULL;
    st = tsamp_chain_parse(c, spec);
    CHECKF(st == TSAMP_OK, "parse \"%s\": %s", spec, tsamp_status_str(st));
    return c;
}

/*
 * Logits with the hard cases: normal bulk, ties (every 4th value quantised to 1/4), a few
 * masked tokens, and (when big) a long far tail.
 */
static void make_logits(float *x, size_t n, uint64_t seed) {
    tu_rng r = {seed};
    for (size_t i = 0; i < n; i++) {
        double g = 2.0 * tu_normal(&r);
        if (i % 4 == 1) g = floor(g * 4.0) / 4.0;
        x[i] = (float)g;
        if (i % 53 == 7) x[i] = NINF;
    }
}

/* Raw order of all unmasked ids (logit descending, ties by lower id), by a plain sort. */
static const float *sort_x;
static int cmp_raw(const void *pa, const void *pb) {
    int32_t a = *(const int32_t *)pa, b = *(const int32_t *)pb;
    if (sort_x[a] != sort_x[b]) return sort_x[a] > sort_x[b] ? -1 : 1;
    return (a > b) - (a < b);
}

static size_t raw_order(const float *x, size_t n, int32_t *order) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (x[i] > NINF) order[m++] = (int32_t)i;
    sort_x = x;
    qsort(order, m, sizeof *order, cmp_raw);
    return m;
}

static const char *const SPECS[] = {
    "",          "temp=0.7",           "top_k=40",       "temp=0.8 top_p=0.9",
    "min_p=0.05 temp=1.3", "greedy",    "top_k=1",        "top_p=0.5 top_k=7 temp=2",
};
#define N_SPECS (sizeof SPECS / sizeof SPECS[0])

/* Same token as tsamp_chain_sample (on another chain of the same configuration, and on the
 * same chain), at many positions, for vocabularies on both sides of the selection's sampling
 * path (4096) and of a block (256). */
static void test_logprobs_token_matches_sample(void) {
    static const size_t sizes[] = {50, 700, 5000, 40000};
    size_t compared = 0, outside_top = 0;
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        size_t n = sizes[si];
        float *x = malloc(n * sizeof *x);
        if (!x) return;
        make_logits(x, n, 100 + si);
        for (size_t k = 0; k < N_SPECS; k++) {
            tsamp_chain *a = chain_of(n, SPECS[k], 42, TSAMP_ISA_AUTO);
            tsamp_chain *b = chain_of(n, SPECS[k], 42, TSAMP_ISA_AUTO);
            size_t bad = 0;
            for (uint64_t pos = 0; a && b && pos < (n > 5000 ? 60u : 300u); pos++) {
                int32_t tok = -1, tok2 = -1;
                tsamp_logprobs lp;
                tsamp_chain_set_position(a, pos);
                tsamp_chain_set_position(b, pos);
                CHECK(tsamp_chain_sample(a, x, &tok) == TSAMP_OK);
                CHECK(tsamp_chain_sample_logprobs(b, x, 20, &lp) == TSAMP_OK);
                CHECK(tsamp_chain_sample(b, x, &tok2) == TSAMP_OK);
                bad += lp.token != tok || tok2 != tok;
                CHECK(tsamp_chain_position(b) == pos);
                outside_top += lp.rank > 20;
                compared++;
            }
            CHECKF(bad == 0, "n=%zu \"%s\": %zu positions sampled another token", n, SPECS[k], bad);
            tsamp_chain_free(a);
            tsamp_chain_free(b);
        }
        free(x);
    }
    check_note("%zu positions, all the same token (%zu of them outside the top 20)", compared,
               outside_top);
}

/*
 * Processors that draw (XTC) or learn from the sampled token (mirostat, penalties via the
 * history): sample + accept on one chain and sample_logprobs + accept on another must walk the
 * same token sequence, so the logprobs call leaves the chain exactly as sample does.
 */
static void test_logprobs_same_path_with_stateful_processors(void) {
    enum { N = 3000, STEPS = 400 };
    float *x = malloc(N * sizeof *x);
    if (!x) return;
    for (int variant = 0; variant < 3; variant++) {
        tsamp_chain *c[2];
        for (int j = 0; j < 2; j++) {
            c[j] = chain_of(N, "temp=0.9", 17, TSAMP_ISA_AUTO);
            if (!c[j]) continue;
            tsamp_status st = variant == 0 ? tsamp_chain_add_xtc(c[j], 0.5f, 0.05f, 1)
                            : variant == 1 ? tsamp_chain_add_mirostat_v2(c[j], 4.0f, 0.2f)
                                           : tsamp_chain_add_penalties(c[j], 64, 1.3f, 0.1f, 0.2f);
            CHECKF(st == TSAMP_OK, "variant %d: %s", variant, tsamp_status_str(st));
        }
        size_t differ = 0;
        for (int step = 0; c[0] && c[1] && step < STEPS; step++) {
            make_logits(x, N, 5000 + (uint64_t)step); /* a new row per position */
            int32_t a = -1;
            tsamp_logprobs lp;
            CHECK(tsamp_chain_sample(c[0], x, &a) == TSAMP_OK);
            CHECK(tsamp_chain_sample_logprobs(c[1], x, 5, &lp) == TSAMP_OK);
            differ += a != lp.token;
            if (a < 0 || a != lp.token) break;
            CHECK(tsamp_chain_accept(c[0], a) == TSAMP_OK && tsamp_chain_accept(c[1], a) == TSAMP_OK);
        }
        CHECKF(differ == 0, "variant %d: the token sequences part", variant);
        tsamp_chain_free(c[0]);
        tsamp_chain_free(c[1]);
    }
    free(x);
}

/* logprob_raw and the top list are tsamp_log_softmax(t = 1) bit for bit; the top list and
 * rank are the sorted raw order; ties, masked tokens and n_top > unmasked included. */
static void test_logprobs_raw_top_and_rank_exact(void) {
    static const size_t sizes[] = {12, 300, 6000, 70000};
    static const size_t tops[] = {0, 1, 5, 20, 64};
    size_t cases = 0, counted_ranks = 0;
    for (size_t si = 0; si < sizeof sizes / sizeof sizes[0]; si++) {
        size_t n = sizes[si];
        float *x = malloc(n * sizeof *x), *ls = malloc(n * sizeof *ls);
        int32_t *order = malloc(n * sizeof *order);
        int32_t *pos_of = malloc(n * sizeof *pos_of);
        if (!x || !ls || !order || !pos_of) goto next;
        make_logits(x, n, 7 + si);
        if (n == 12) /* fewer unmasked tokens than most requests: 5 */
            for (size_t i = 0; i < n; i++) x[i] = i % 2 || i > 9 ? NINF : (float)(i % 3);
        CHECK(tsamp_log_softmax(x, n, 1.0f, ls) == TSAMP_OK);
        size_t m = raw_order(x, n, order);
        for (size_t i = 0; i < m; i++) pos_of[order[i]] = (int32_t)i;
        for (size_t ti = 0; ti < sizeof tops / sizeof tops[0]; ti++) {
            /* A hot chain, so sampled tokens often fall outside the top list. */
            tsamp_chain *c = chain_of(n, ti % 2 ? "temp=3" : "temp=1.5 top_k=200", 9, TSAMP_ISA_AUTO);
            for (uint64_t pos = 0; c && pos < 25; pos++) {
                tsamp_logprobs lp;
                tsamp_chain_set_position(c, pos);
                if (tsamp_chain_sample_logprobs(c, x, tops[ti], &lp) != TSAMP_OK) {
                    CHECK(0);
                    break;
                }
                cases++;
                size_t want = tops[ti] < m ? tops[ti] : m;
                CHECKF(lp.n_top == want, "n=%zu: n_top %zu, want %zu", n, lp.n_top, want);
                for (size_t j = 0; j < lp.n_top && j < want; j++) {
                    CHECKF(lp.top_ids[j] == order[j], "n=%zu top %zu: id %d, want %d", n, j,
                           (int)lp.top_ids[j], (int)order[j]);
                    CHECK(tu_bits(lp.top_logprobs[j]) == tu_bits(ls[order[j]]));
                }
                for (size_t j = lp.n_top; j < TSAMP_LOGPROBS_MAX_TOP; j++)
                    CHECK(lp.top_ids[j] == -1 && lp.top_logprobs[j] == NINF);
                CHECK(lp.token >= 0 && (size_t)lp.token < n && x[lp.token] > NINF);
                if (lp.token < 0 || (size_t)lp.token >= n) break;
                CHECK(tu_bits(lp.logprob_raw) == tu_bits(ls[lp.token]));
                CHECKF(lp.rank == (uint32_t)pos_of[lp.token] + 1, "n=%zu: rank %u, want %d", n,
                       (unsigned)lp.rank, pos_of[lp.token] + 1);
                counted_ranks += lp.rank > lp.n_top;
                CHECK(lp.logprob <= 0.0f);
            }
            tsamp_chain_free(c);
        }
    next:
        free(x), free(ls), free(order), free(pos_of);
    }
    check_note("%zu cases; %zu ranks found by counting (token outside the top list)", cases,
               counted_ranks);
}

/*
 * The processed log-probability against the reference's log p. Its arithmetic: the scaled
 * logit a = fl(fl(x - max) * s) is off by at most (2 + 2 * temperatures) u |A| (ref.c), the
 * canonical total by 19u (float lane sums) plus each weight's own error (exp within 4u, plus
 * the scaled logit's), weighted by probability; then one double subtraction and the rounding
 * to float (u |log p|). The absolute 2^-149 covers weights that are subnormal.
 */
static double logprob_bound(long double a_tok, long double abar, size_t n_temps, double lp) {
    double per_a = (2.0 + 2.0 * (double)n_temps) * REF_U;
    double total = (19.0 + 4.0) * REF_U + per_a * (double)abar;
    return 1.01 * (per_a * (double)fabsl(a_tok) + total + REF_U * fabs(lp)) + 0x1p-140;
}

static void test_logprobs_processed_vs_reference(void) {
    typedef struct {
        const char *spec;
        ref_proc procs[3];
        size_t np;
    } cfg;
    static const cfg cfgs[] = {
        {"", {{REF_TEMP, 1.0f, 0, 0.0f, 0}}, 1},
        {"temp=0.7 top_k=30", {{REF_TEMP, 0.7f, 0, 0.0f, 0}, {REF_TOP_K, 0.0f, 30, 0.0f, 0}}, 2},
        {"top_p=0.9 temp=1.7", {{REF_TOP_P, 0.0f, 0, 0.9f, 1}, {REF_TEMP, 1.7f, 0, 0.0f, 0}}, 2},
        {"min_p=0.02 temp=0.45", {{REF_MIN_P, 0.0f, 0, 0.02f, 1}, {REF_TEMP, 0.45f, 0, 0.0f, 0}}, 2},
    };
    enum { N = 3000, CASES = 12, POSITIONS = 20 };
    float *x = malloc(N * sizeof *x);
    int32_t *ids = malloc(N * sizeof *ids);
    long double *pr = malloc(N * sizeof *pr), *sc = malloc(N * sizeof *sc);
    double worst = 0.0, worst_err = 0.0;
    size_t compared = 0, ambiguous = 0;
    if (!x || !ids || !pr || !sc) goto out;
    for (size_t ci = 0; ci < sizeof cfgs / sizeof cfgs[0]; ci++) {
        for (uint64_t cs = 0; cs < CASES; cs++) {
            make_logits(x, N, 1000 * ci + cs);
            ref_result r;
            if (ref_run(x, N, cfgs[ci].procs, cfgs[ci].np, &r) != 0) {
                CHECK(0);
                continue;
            }
            if (r.ambiguous) { /* the kept set itself may differ: not this test's business */
                ambiguous++;
                ref_free(&r);
                continue;
            }
            ref_distribution(&r, r.n_kept, ids, pr, sc);
            long double abar = 0.0L;
            for (size_t i = 0; i < r.n_kept; i++) abar += pr[i] * fabsl(sc[i]);
            tsamp_chain *c = chain_of(N, cfgs[ci].spec, 3 + cs, TSAMP_ISA_AUTO);
            for (uint64_t pos = 0; c && pos < POSITIONS; pos++) {
                tsamp_logprobs lp;
                tsamp_chain_set_position(c, pos);
                if (tsamp_chain_sample_logprobs(c, x, 0, &lp) != TSAMP_OK) {
                    CHECK(0);
                    break;
                }
                size_t lo = 0, hi = r.n_kept;
                while (lo < hi) {
                    size_t mid = (lo + hi) / 2;
                    if (ids[mid] < lp.token) lo = mid + 1;
                    else hi = mid;
                }
                if (lo == r.n_kept || ids[lo] != lp.token) {
                    CHECKF(0, "\"%s\": sampled %d, not kept by the reference", cfgs[ci].spec,
                           (int)lp.token);
                    break;
                }
                double err = fabs((double)((long double)lp.logprob - logl(pr[lo])));
                double bound = logprob_bound(sc[lo], abar, r.n_temps, (double)lp.logprob);
                CHECKF(err <= bound, "\"%s\" id %d: logprob %.9g, reference %.12Lg, error %.3g > "
                       "bound %.3g", cfgs[ci].spec, (int)lp.token, (double)lp.logprob,
                       logl(pr[lo]), err, bound);
                worst = fmax(worst, err / bound);
                worst_err = fmax(worst_err, err);
                compared++;
            }
            tsamp_chain_free(c);
            ref_free(&r);
        }
    }
    check_note("%zu log-probabilities: max error %.3g, at most %.2f of the bound (%zu ambiguous "
               "cases skipped)", compared, worst_err, worst, ambiguous);
out:
    free(x), free(ids), free(pr), free(sc);
}

static int same_logprobs(const tsamp_logprobs *a, const tsamp_logprobs *b) {
    if (a->token != b->token || a->rank != b->rank || a->n_top != b->n_top) return 0;
    if (tu_bits(a->logprob) != tu_bits(b->logprob)) return 0;
    if (tu_bits(a->logprob_raw) != tu_bits(b->logprob_raw)) return 0;
    for (size_t i = 0; i < TSAMP_LOGPROBS_MAX_TOP; i++)
        if (a->top_ids[i] != b->top_ids[i] || tu_bits(a->top_logprobs[i]) != tu_bits(b->top_logprobs[i]))
            return 0;
    return 1;
}

/* Every available path fills the struct with the same bits as the scalar one. */
static void test_logprobs_every_isa_bitwise(void) {
    static const tsamp_isa isas[] = {TSAMP_ISA_AVX2, TSAMP_ISA_AVX512, TSAMP_ISA_NEON};
    enum { N = 9000 };
    float *x = malloc(N * sizeof *x);
    if (!x) return;
    make_logits(x, N, 77);
    size_t paths = 0;
    for (size_t ii = 0; ii < sizeof isas / sizeof isas[0]; ii++) {
        if (!tsamp_isa_available(isas[ii])) continue;
        paths++;
        for (size_t k = 0; k < N_SPECS; k++) {
            tsamp_chain *s = chain_of(N, SPECS[k], 1, TSAMP_ISA_SCALAR);
            tsamp_chain *v = chain_of(N, SPECS[k], 1, isas[ii]);
            size_t bad = 0;
            for (uint64_t pos = 0; s && v && pos < 30; pos++) {
                tsamp_logprobs a, b;
                tsamp_chain_set_position(s, pos);
                tsamp_chain_set_position(v, pos);
                CHECK(tsamp_chain_sample_logprobs(s, x, 64, &a) == TSAMP_OK);
                CHECK(tsamp_chain_sample_logprobs(v, x, 64, &b) == TSAMP_OK);
                bad += !same_logprobs(&a, &b);
            }
            CHECKF(bad == 0, "%s \"%s\": %zu positions differ from scalar",
                   tsamp_isa_name(isas[ii]), SPECS[k], bad);
            tsamp_chain_free(s);
            tsamp_chain_free(v);
        }
    }
    if (paths == 0) check_skip("only the scalar path is available here");
    else check_note("%zu vector path(s) compared with scalar", paths);
    free(x);
}

/* A single candidate left (greedy): probability 1, log 0, as tsamp_chain_sample returns it. */
static void test_logprobs_single_candidate(void) {
    float x[6] = {1.0f, 3.0f, NINF, 3.0f, -2.0f, 0.5f};
    tsamp_chain *c = chain_of(6, "greedy", 0, TSAMP_ISA_AUTO);
    tsamp_logprobs lp;
    if (!c) return;
    CHECK(tsamp_chain_sample_logprobs(c, x, 3, &lp) == TSAMP_OK);
    CHECK(lp.token == 1 && lp.logprob == 0.0f && lp.rank == 1);
    CHECK(lp.n_top == 3 && lp.top_ids[0] == 1 && lp.top_ids[1] == 3 && lp.top_ids[2] == 0);
    CHECK(lp.top_logprobs[0] == lp.top_logprobs[1] && lp.logprob_raw == lp.top_logprobs[0]);
    tsamp_chain_free(c);
}

/* Logits spanning more than FLT_MAX at a subnormal scale: x - max overflows in float, yet the
 * far token has probability e^-2 / (1 + e^-2). Its logprob is finite (it was -inf, found by
 * the logprobs fuzz target), and mirostat hears the probability tsamp_chain_sample reports. */
static void test_logprobs_span_beyond_flt_max(void) {
    float x[2] = {-FLT_MAX, FLT_MAX};
    double want = -2.0 - log1p(exp(-2.0));
    size_t far = 0;
    for (uint64_t pos = 0; pos < 64; pos++) {
        tsamp_chain *a = chain_of(2, "temp=3.40282347e+38 mirostat_v2=3,0.2", 0, TSAMP_ISA_AUTO);
        tsamp_chain *b = chain_of(2, "temp=3.40282347e+38 mirostat_v2=3,0.2", 0, TSAMP_ISA_AUTO);
        tsamp_logprobs lp;
        int32_t tok = -1;
        unsigned char sa[512], sb[512];
        size_t la = 0, lb = 0;
        if (a && b && tsamp_chain_set_position(a, pos) == TSAMP_OK &&
            tsamp_chain_set_position(b, pos) == TSAMP_OK) {
            CHECK(tsamp_chain_sample_logprobs(a, x, 2, &lp) == TSAMP_OK);
            CHECK(tsamp_chain_sample(b, x, &tok) == TSAMP_OK && tok == lp.token);
            if (lp.token == 0) {
                far++;
                CHECKF(fabs((double)lp.logprob - want) <= 1e-5, "position %llu: logprob %.9g, "
                       "want %.9g", (unsigned long long)pos, (double)lp.logprob, want);
            }
            CHECK(tsamp_chain_save_state(a, sa, sizeof sa, &la) == TSAMP_OK);
            CHECK(tsamp_chain_save_state(b, sb, sizeof sb, &lb) == TSAMP_OK);
            CHECKF(la == lb && memcmp(sa, sb, la) == 0, "position %llu: the state differs from "
                   "a sample's", (unsigned long long)pos);
        }
        tsamp_chain_free(a);
        tsamp_chain_free(b);
    }
    CHECKF(far > 0, "the far token was never drawn in 64 positions");
}

static void test_logprobs_errors(void) {
    float x[4] = {0.0f, 1.0f, 2.0f, 3.0f};
    tsamp_chain *c = chain_of(4, "temp=0.5", 0, TSAMP_ISA_AUTO);
    tsamp_logprobs lp, before;
    if (!c) return;
    memset(&lp, 0xab, sizeof lp);
    before = lp;
    CHECK(tsamp_chain_sample_logprobs(NULL, x, 1, &lp) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_sample_logprobs(c, NULL, 1, &lp) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_sample_logprobs(c, x, 1, NULL) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_sample_logprobs(c, x, TSAMP_LOGPROBS_MAX_TOP + 1, &lp) ==
          TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_sample_logprobs(c, x, SIZE_MAX, &lp) == TSAMP_ERR_INVALID_PARAM);
    x[2] = NAN;
    CHECK(tsamp_chain_sample_logprobs(c, x, 1, &lp) == TSAMP_ERR_NONFINITE);
    x[2] = INFINITY;
    CHECK(tsamp_chain_sample_logprobs(c, x, 1, &lp) == TSAMP_ERR_NONFINITE);
    for (size_t i = 0; i < 4; i++) x[i] = NINF;
    CHECK(tsamp_chain_sample_logprobs(c, x, 1, &lp) == TSAMP_ERR_ALL_MASKED);
    CHECK(memcmp(&lp, &before, sizeof lp) == 0);
    CHECK(tsamp_chain_position(c) == 0);
    tsamp_chain_free(c);
}

void suite_logprobs(void) {
    RUN(test_logprobs_token_matches_sample);
    RUN(test_logprobs_same_path_with_stateful_processors);
    RUN(test_logprobs_raw_top_and_rank_exact);
    RUN(test_logprobs_processed_vs_reference);
    RUN(test_logprobs_every_isa_bitwise);
    RUN(test_logprobs_single_candidate);
    RUN(test_logprobs_span_beyond_flt_max);
    RUN(test_logprobs_errors);
}
