/*
 * The stateful processors (tsamp.h, "processors: stateful"): mirostat v1, mirostat v2 and
 * adaptive-p.
 *
 *  - Hand cases: distributions whose truncation and probabilities are known in closed form.
 *  - Random cases against a long-double reference of one step (this file: plain sort and
 *    softmax), with the processor's state set to random values; decisions within float
 *    rounding of a boundary are counted as ambiguous and then only held to the band of
 *    acceptable answers.
 *  - Statistics: 10^6 seeded draws from a fixed state against the reference distribution,
 *    chi-square at alpha = 1e-3, and a perturbed distribution that must be rejected.
 *  - State: the pending draw, accept of the sampled token or another one, reset, clone,
 *    set_position and resuming from a copied state; mu converging so that the average
 *    observed surprise approaches tau; the adaptive-p average replayed exactly.
 *  - No allocation per token; every instruction set gives the scalar path's bits.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "fmath_internal.h"
#include "logit_shapes.h"
#include "proc_stateful_internal.h"
#include "testutil.h"
#include "tsamp.h"

#define NINF (-(float)INFINITY)
#define U 5.9604644775390625e-8 /* 2^-24 */
#define LN2L 0.693147180559945309417232121458176568L
#define LN2 0.69314718055994530942
#define INV_WIDTH 0x1.aaaaaap+1f /* llama.cpp's float 1.0f / 0.3f */
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- chains ------------------------------------------------------------------------------ */

typedef enum { MIRO1, MIRO2, ADAPT } kind;

static const char *kind_name(kind k) {
    return k == MIRO1 ? "mirostat" : k == MIRO2 ? "mirostat_v2" : "adaptive_p";
}

/* One chain of the tests: an optional temperature, then the processor, with its state set. */
typedef struct {
    kind k;
    float temp;         /* added before the processor unless 1 */
    float tau, eta;     /* mirostat */
    int32_t m;          /* mirostat v1 */
    float target, decay; /* adaptive-p */
    int set_state;      /* 1: overwrite the state with mu / ws, tw below */
    double mu, ws, tw;
} setup;

static void *proc_state(tsamp_chain *c) { return c->states[c->n_procs - 1]; }

static size_t state_bytes(const tsamp_chain *c) {
    const tsamp_proc *p = &c->procs[c->n_procs - 1];
    return tsamp_proc_ops_of(p->kind)->state_size(p, c->n_vocab);
}

static tsamp_status add_proc(tsamp_chain *c, const setup *s) {
    switch (s->k) {
    case MIRO1: return tsamp_chain_add_mirostat(c, s->tau, s->eta, s->m);
    case MIRO2: return tsamp_chain_add_mirostat_v2(c, s->tau, s->eta);
    case ADAPT: return tsamp_chain_add_adaptive_p(c, s->target, s->decay);
    }
    return TSAMP_ERR_INVALID_PARAM;
}

static tsamp_chain *build(size_t n, const setup *s, uint64_t seed, tsamp_isa isa,
                          const tsamp_allocator *alloc) {
    tsamp_chain_params p = tsamp_chain_default_params();
    p.seed = seed;
    p.isa = isa;
    if (alloc) p.allocator = *alloc;
    tsamp_chain *c = NULL;
    tsamp_status st = tsamp_chain_create(&c, n, &p);
    CHECKF(st == TSAMP_OK, "create(%zu): %s", n, tsamp_status_str(st));
    if (st != TSAMP_OK) return NULL;
    if (s->temp != 1.0f) CHECK(tsamp_chain_add_temperature(c, s->temp) == TSAMP_OK);
    st = add_proc(c, s);
    CHECKF(st == TSAMP_OK, "add %s: %s", kind_name(s->k), tsamp_status_str(st));
    if (st != TSAMP_OK) {
        tsamp_chain_free(c);
        return NULL;
    }
    if (s->set_state) {
        if (s->k == ADAPT) {
            tsamp_adaptive_p_state *a = proc_state(c);
            a->weighted_sum = s->ws;
            a->total_weight = s->tw;
        } else {
            ((tsamp_mirostat_state *)proc_state(c))->mu = s->mu;
        }
    }
    return c;
}

static double mu_of(tsamp_chain *c) { return ((tsamp_mirostat_state *)proc_state(c))->mu; }

/* ---- the long-double reference of one step ---------------------------------------------- */

typedef struct {
    int32_t id;
    float x;
} cand;

static int cand_cmp(const void *pa, const void *pb) {
    const cand *a = pa, *b = pb;
    if (a->x != b->x) return a->x > b->x ? -1 : 1;
    return (a->id > b->id) - (a->id < b->id);
}

typedef struct {
    size_t n_cand;
    cand *c;          /* candidates in order: logit descending, ties by lower id */
    long double *a;   /* scaled logits (x - max) * (1 / temp), same order */
    long double *p;   /* softmax over all candidates */
    long double abar; /* sum p |a|: the error model's average scaled logit */
    /* The kept prefix: exactly n_kept when !ambiguous, else any length in [lo, hi]
     * (mirostat); adaptive-p keeps every candidate and reweights them (q). */
    size_t n_kept, lo, hi;
    int ambiguous;
    long double *q;    /* the final distribution, same order: over all candidates
                          (adaptive-p) or over a kept prefix (mirostat, ref_prefix) */
    long double *dq;   /* the relative error bound of each q */
} ref;

static void ref_free(ref *r) {
    free(r->c), free(r->a), free(r->p), free(r->q), free(r->dq);
    memset(r, 0, sizeof *r);
}

/* Candidates, order, scaled logits and probabilities. 0 on success. */
static int ref_init(ref *r, const float *x, size_t n, float temp) {
    memset(r, 0, sizeof *r);
    r->c = malloc(n * sizeof *r->c);
    r->a = malloc(n * sizeof *r->a);
    r->p = malloc(n * sizeof *r->p);
    r->q = malloc(n * sizeof *r->q);
    r->dq = malloc(n * sizeof *r->dq);
    if (!r->c || !r->a || !r->p || !r->q || !r->dq) return -1;
    for (size_t i = 0; i < n; i++)
        if (x[i] != NINF) r->c[r->n_cand++] = (cand){(int32_t)i, x[i]};
    if (r->n_cand == 0) return -1;
    qsort(r->c, r->n_cand, sizeof *r->c, cand_cmp);
    long double scale = 1.0L / (long double)temp, z = 0.0L;
    for (size_t i = 0; i < r->n_cand; i++) {
        r->a[i] = ((long double)r->c[i].x - (long double)r->c[0].x) * scale;
        z += r->p[i] = expl(r->a[i]);
    }
    for (size_t i = 0; i < r->n_cand; i++) {
        r->p[i] /= z;
        r->abar += r->p[i] * fabsl(r->a[i]);
    }
    return 0;
}

/* ln of the sum of exp(a) over all candidates. */
static long double ref_lnz(const ref *r) {
    long double z = 0.0L;
    for (size_t i = 0; i < r->n_cand; i++) z += expl(r->a[i]);
    return logl(z);
}

/* Relative rounding of the library's scaled logits: 2 u per temperature (the float 1/t and
 * the product), as tests/test_chain_exact.c's error model. */
static double per_a(float temp) { return temp != 1.0f ? 4.0 * U : 2.0 * U; }

/* Weights below e^(-150 ln 2) = 2^-150 round to zero: such a candidate is never kept. */
#define ZERO_WEIGHT_A (-150.0L * LN2L)

/*
 * Mirostat v2 at mu: keep a prefix of candidates with a >= ln Z - mu ln 2 (and a non-zero
 * weight); none: the first one. The band of acceptable prefixes covers the candidates within
 * the rounding of the library's test (scaled logit and ln of its canonical total).
 */
static void ref_miro2(ref *r, double mu, float temp) {
    long double bound = ref_lnz(r) - (long double)mu * LN2L;
    size_t sure = 0, maybe = 0, exact = 0;
    for (size_t i = 0; i < r->n_cand; i++) {
        long double a = r->a[i];
        long double m = 8.0L * (long double)per_a(temp) * (fabsl(a) + r->abar) + 64.0L * U +
                        1e-15L * fabsl((long double)mu);
        exact += a >= bound && a > ZERO_WEIGHT_A;
        sure += a >= bound + m && a > ZERO_WEIGHT_A + 1e-4L;
        maybe += a >= bound - m && a > ZERO_WEIGHT_A - 1e-4L;
    }
    r->n_kept = exact ? exact : 1;
    r->lo = sure ? sure : 1;
    r->hi = maybe ? maybe : 1;
    r->ambiguous = r->lo != r->hi;
}

/* Mirostat v1's k for the estimate s (exact arithmetic), or +inf. */
static long double ref_k(long double s, double mu, size_t n_vocab, long double *ln_k_out) {
    long double ln_n = logl((long double)n_vocab), e = s - 1.0L, ln_g;
    if (e == 0.0L) ln_g = -logl(ln_n);
    else ln_g = logl(e / -expm1l(-e * ln_n));
    long double ln_f = ln_g + (long double)mu * LN2L;
    if (s == 0.0L) {
        *ln_k_out = ln_f > 0.0L ? INFINITY : -INFINITY;
        return ln_f > 0.0L ? INFINITY : 0.0L;
    }
    long double ln_k = ln_f / s;
    *ln_k_out = ln_k;
    return ln_k > 11000.0L ? INFINITY : expl(ln_k);
}

static size_t kept_of_k(long double k, size_t n_cand) {
    if (!(k < (long double)n_cand)) return n_cand;
    return k < 1.0L ? 1 : (size_t)floorl(k);
}

/*
 * Mirostat v1 at mu: the Zipf estimate from the top min(m, candidates), k, then the top k.
 * The band: k within the relative error of the library's double computation (the float scale
 * 1/t moves s by up to 2u, which moves ln k by ~2u (|ln k| + ln N + 2)).
 */
static void ref_miro1(ref *r, double mu, int32_t m, size_t n_vocab, float temp) {
    size_t nt = r->n_cand < (size_t)m ? r->n_cand : (size_t)m;
    if (nt < 2) {
        r->n_kept = r->lo = r->hi = r->n_cand;
        return;
    }
    long double stb = 0.0L, stt = 0.0L, scale = 1.0L / (long double)temp;
    for (size_t i = 0; i + 1 < nt; i++) {
        long double t = logl((long double)(i + 2) / (long double)(i + 1));
        long double b = ((long double)r->c[i].x - (long double)r->c[i + 1].x) * scale;
        stb += t * b;
        stt += t * t;
    }
    long double s = stb / stt, ln_k;
    long double k = ref_k(s, mu, n_vocab, &ln_k);
    r->n_kept = kept_of_k(k, r->n_cand);
    if (s == 0.0L) { /* exact on both sides: all top values equal */
        r->lo = r->hi = r->n_kept;
        return;
    }
    long double rho = temp != 1.0f ? 4.0L * U : 0.0L;
    long double delta = rho * (fabsl(ln_k) + logl((long double)n_vocab) + 4.0L) +
                        1e-11L * (fabsl(ln_k) + 1.0L);
    if (!(fabsl(ln_k) < 11000.0L)) delta = 0.0L;
    r->lo = kept_of_k(k * expl(-delta), r->n_cand);
    r->hi = kept_of_k(k * expl(delta), r->n_cand);
    r->ambiguous = r->lo != r->hi;
}

/*
 * Adaptive-p: the transform of every candidate and the softmax of the new logits, with the
 * error bound of each final probability derived from the library's arithmetic: the original
 * probability (chain_exact's bound), the float transform (|dL/dd| <= 10, d = |p - a| / 0.3,
 * ~130 u of float operations), then the weights, total and division of the new distribution.
 */
static void ref_adapt(ref *r, float target, double ws, double tw, float temp) {
    r->n_kept = r->lo = r->hi = r->n_cand;
    if (target < 0.0f) {
        for (size_t i = 0; i < r->n_cand; i++) {
            r->q[i] = r->p[i];
            r->dq[i] = per_a(temp) * (double)(fabsl(r->a[i]) + r->abar) + 29.0 * U;
        }
        return;
    }
    long double t = target > 1.0f ? 1.0L : (long double)target;
    long double avg = (long double)ws / (long double)tw;
    long double a = tw == 0.0 ? t : 2.0L * t - avg;
    a = a < 0.0L ? 0.0L : a > 1.0L ? 1.0L : a;
    long double lmax = -INFINITY, dl_max = 0.0L, z = 0.0L;
    for (size_t i = 0; i < r->n_cand; i++) {
        long double d = fabsl(r->p[i] - a) * (long double)INV_WIDTH;
        long double l = 5.0L - 10.0L * d * d / (1.0L + d);
        long double dp = r->p[i] * ((long double)per_a(temp) * (fabsl(r->a[i]) + r->abar) +
                                    29.0L * U) + 1e-44L;
        r->dq[i] = (double)(33.4L * dp + 300.0L * U); /* |dL| for now */
        dl_max = fmaxl(dl_max, (long double)r->dq[i]);
        r->q[i] = l;
        lmax = fmaxl(lmax, l);
    }
    for (size_t i = 0; i < r->n_cand; i++) z += expl(r->q[i] - lmax);
    for (size_t i = 0; i < r->n_cand; i++) {
        r->q[i] = expl(r->q[i] - lmax) / z;
        r->dq[i] = (double)((long double)r->dq[i] + dl_max + 85.0L * U);
    }
}

/* The reference probabilities of a kept prefix of length nk (mirostat), with error bounds. */
static void ref_prefix(ref *r, size_t nk, float temp) {
    long double z = 0.0L, abar = 0.0L;
    for (size_t i = 0; i < nk; i++) z += expl(r->a[i]);
    for (size_t i = 0; i < nk; i++) {
        r->q[i] = expl(r->a[i]) / z;
        abar += r->q[i] * fabsl(r->a[i]);
    }
    for (size_t i = 0; i < nk; i++)
        r->dq[i] = per_a(temp) * (double)(fabsl(r->a[i]) + abar) + 29.0 * U;
}

/* ---- one case against the reference ------------------------------------------------------ */

typedef struct {
    size_t cases, unambiguous, ambiguous, off_exact; /* off_exact: ambiguous, decided the
                                                        other way than exact math */
    double max_ratio; /* |dp| / bound */
    double max_rel;   /* |dp| / p, p >= 1e-30 */
} tally;

typedef struct {
    int32_t *ids;
    float *probs;
    long double *q_by_id, *dq_by_id;
    unsigned char *kept_by_id;
} buffers;

static int buffers_init(buffers *b, size_t n) {
    b->ids = malloc(n * sizeof *b->ids);
    b->probs = malloc(n * sizeof *b->probs);
    b->q_by_id = malloc(n * sizeof *b->q_by_id);
    b->dq_by_id = malloc(n * sizeof *b->dq_by_id);
    b->kept_by_id = calloc(n, 1);
    return b->ids && b->probs && b->q_by_id && b->dq_by_id && b->kept_by_id;
}

static void buffers_free(buffers *b) {
    free(b->ids), free(b->probs), free(b->q_by_id), free(b->dq_by_id), free(b->kept_by_id);
}

static void describe(const setup *s, char *buf, size_t cap) {
    if (s->k == ADAPT)
        snprintf(buf, cap, "temp %.9g adaptive_p target %.9g decay %.9g ws %.17g tw %.17g",
                 (double)s->temp, (double)s->target, (double)s->decay, s->ws, s->tw);
    else
        snprintf(buf, cap, "temp %.9g %s tau %.9g eta %.9g m %d mu %.17g", (double)s->temp,
                 kind_name(s->k), (double)s->tau, (double)s->eta, (int)s->m, s->mu);
}

/*
 * Runs one step through the reference and the library (its distribution and one sample at
 * `pos`) and compares: the kept set is the reference's prefix (of an acceptable length when
 * ambiguous), the probabilities within their bounds, the sample a kept token. With `warm`
 * the chain first runs on other logits (its speed hints then come from another token).
 */
static int check_case(const char *label, const float *x, size_t n, const setup *s,
                      const float *warm, uint64_t pos, tally *t) {
    ref r;
    buffers b;
    int ok = ref_init(&r, x, n, s->temp) == 0 && buffers_init(&b, n);
    CHECKF(ok, "%s: no memory or no candidate", label);
    if (!ok) {
        ref_free(&r);
        return 0;
    }
    setup s2 = *s;
    if (!s2.set_state) { /* the initial state, for the reference */
        s2.mu = 2.0 * (double)s->tau;
        float d = s->decay < 0.0f ? 0.0f : s->decay > 0.99f ? 0.99f : s->decay;
        s2.ws = (double)s->target / (1.0 - (double)d);
        s2.tw = 1.0 / (1.0 - (double)d);
    }
    switch (s->k) {
    case MIRO1: ref_miro1(&r, s2.mu, s->m, n, s->temp); break;
    case MIRO2: ref_miro2(&r, s2.mu, s->temp); break;
    case ADAPT: ref_adapt(&r, s->target, s2.ws, s2.tw, s->temp); break;
    }
    tsamp_chain *c = build(n, s, pos ^ 0x5eedu, TSAMP_ISA_AUTO, NULL);
    ok = c != NULL;
    size_t nk = 0;
    if (ok && warm) {
        tsamp_status st = tsamp_chain_distribution(c, warm, b.ids, b.probs, n, &nk);
        CHECKF(st == TSAMP_OK, "%s: warm-up: %s", label, tsamp_status_str(st));
    }
    if (ok) {
        tsamp_status st = tsamp_chain_distribution(c, x, b.ids, b.probs, n, &nk);
        CHECKF(st == TSAMP_OK, "%s: distribution: %s", label, tsamp_status_str(st));
        ok = st == TSAMP_OK;
    }
    if (ok) { /* the kept set: a prefix of the order, of an acceptable length */
        size_t lo = r.ambiguous ? r.lo : r.n_kept, hi = r.ambiguous ? r.hi : r.n_kept;
        ok = nk >= lo && nk <= hi;
        CHECKF(ok, "%s: kept %zu, reference %zu (acceptable %zu .. %zu of %zu)", label, nk,
               r.n_kept, lo, hi, r.n_cand);
        if (ok && s->k != ADAPT) ref_prefix(&r, nk, s->temp);
        for (size_t i = 0; ok && i < nk; i++) {
            b.kept_by_id[r.c[i].id] = 1;
            b.q_by_id[r.c[i].id] = r.q[i];
            b.dq_by_id[r.c[i].id] = r.dq[i];
        }
        for (size_t i = 0; ok && i < nk; i++) {
            int32_t id = b.ids[i];
            if (id < 0 || (size_t)id >= n || !b.kept_by_id[id] || (i && id <= b.ids[i - 1])) {
                CHECKF(0, "%s: entry %zu: id %d is not in the reference's kept prefix", label,
                       i, (int)id);
                ok = 0;
                break;
            }
            long double q = b.q_by_id[id];
            double err = fabs((double)((long double)b.probs[i] - q));
            double bound = (double)q * (double)b.dq_by_id[id] + 1e-44;
            t->max_ratio = fmax(t->max_ratio, err / bound);
            if (q >= 1e-30L) t->max_rel = fmax(t->max_rel, err / (double)q);
            if (err > bound) {
                CHECKF(0, "%s: id %d: p %.9g, reference %.12Lg, error %.3g > bound %.3g", label,
                       (int)id, (double)b.probs[i], q, err, bound);
                ok = 0;
            }
        }
    }
    if (ok) { /* one draw: a kept token of positive probability */
        int32_t tok = -1;
        tsamp_chain_set_position(c, pos);
        tsamp_status st = tsamp_chain_sample(c, x, &tok);
        ok = st == TSAMP_OK && tok >= 0 && (size_t)tok < n && b.kept_by_id[tok] &&
             b.q_by_id[tok] > 0.0L;
        CHECKF(ok, "%s: sampled %d (%s): not a kept token", label, (int)tok,
               tsamp_status_str(st));
    }
    t->cases++;
    if (r.ambiguous) {
        t->ambiguous++;
        t->off_exact += nk != r.n_kept;
    } else {
        t->unambiguous++;
    }
    if (!ok) {
        char d[256];
        describe(s, d, sizeof d);
        printf("    case %s: n=%zu candidates=%zu: %s\n", label, n, r.n_cand, d);
    }
    tsamp_chain_free(c);
    buffers_free(&b);
    ref_free(&r);
    return ok;
}

/* ---- hand-made cases ---------------------------------------------------------------------- */

/* The library's distribution must be exactly want_ids (increasing) with probabilities within
 * 1e-6 of want_p; then the full comparison against the reference. */
static void expect(const char *what, const float *x, size_t n, const setup *s,
                   const int32_t *want_ids, const double *want_p, size_t want_n) {
    tsamp_chain *c = build(n, s, 7, TSAMP_ISA_AUTO, NULL);
    int32_t ids[128];
    float probs[128];
    size_t nk = 0;
    if (!c) return;
    tsamp_status st = tsamp_chain_distribution(c, x, ids, probs, 128, &nk);
    CHECKF(st == TSAMP_OK, "%s: %s", what, tsamp_status_str(st));
    CHECKF(nk == want_n, "%s: kept %zu, expected %zu", what, nk, want_n);
    for (size_t i = 0; st == TSAMP_OK && i < nk && i < want_n; i++) {
        CHECKF(ids[i] == want_ids[i], "%s: kept[%zu] = %d, expected %d", what, i, (int)ids[i],
               (int)want_ids[i]);
        CHECKF(fabs((double)probs[i] - want_p[i]) <= 1e-6 + 1e-5 * want_p[i],
               "%s: p[%d] = %.9g, expected %.9g", what, (int)ids[i], (double)probs[i],
               want_p[i]);
    }
    tsamp_chain_free(c);
    tally t = {0};
    check_case(what, x, n, s, NULL, 3, &t);
}

static setup miro2(float tau, float eta) {
    return (setup){MIRO2, 1.0f, tau, eta, 0, 0.0f, 0.0f, 0, 0.0, 0.0, 0.0};
}

static setup miro1(float tau, float eta, int32_t m) {
    return (setup){MIRO1, 1.0f, tau, eta, m, 0.0f, 0.0f, 0, 0.0, 0.0, 0.0};
}

static setup adapt(float target, float decay) {
    return (setup){ADAPT, 1.0f, 0.0f, 0.0f, 0, target, decay, 0, 0.0, 0.0, 0.0};
}

/* Probabilities 1/2, 1/4, 1/8, 1/16, 1/16 (surprises 1, 2, 3, 4, 4 bits), ids shuffled, one
 * masked: mirostat v2 keeps the tokens of surprise <= mu = 2 tau. */
static void test_proc_stateful_hand_mirostat_v2(void) {
    const float l2 = (float)LN2;
    const float x[] = {-2 * l2, NINF, -4 * l2, -1 * l2, -4 * l2, -3 * l2};
    /* order: id 3 (1/2), 0 (1/4), 5 (1/8), 2 (1/16), 4 (1/16) */
    setup s = miro2(1.6f, 0.1f); /* mu 3.2: three tokens, renormalised: 4/7 2/7 1/7 */
    expect("v2 mu 3.2", x, 6, &s, (int32_t[]){0, 3, 5}, (double[]){2.0 / 7, 4.0 / 7, 1.0 / 7},
           3);
    s = miro2(1.9f, 0.1f); /* mu 3.8: the tied 4-bit pair is dropped together */
    expect("v2 mu 3.8", x, 6, &s, (int32_t[]){0, 3, 5}, (double[]){2.0 / 7, 4.0 / 7, 1.0 / 7},
           3);
    s = miro2(2.1f, 0.1f); /* mu 4.2: all five */
    expect("v2 mu 4.2", x, 6, &s, (int32_t[]){0, 2, 3, 4, 5},
           (double[]){0.25, 0.0625, 0.5, 0.0625, 0.125}, 5);
    s = miro2(0.75f, 0.1f); /* mu 1.5: only the top token (surprise 1) */
    expect("v2 mu 1.5", x, 6, &s, (int32_t[]){3}, (double[]){1.0}, 1);
    s = miro2(0.4f, 0.1f); /* mu 0.8: none passes, the first candidate stays */
    expect("v2 mu 0.8", x, 6, &s, (int32_t[]){3}, (double[]){1.0}, 1);
    s = miro2(-3.0f, 0.1f); /* negative tau: greedy */
    expect("v2 tau -3", x, 6, &s, (int32_t[]){3}, (double[]){1.0}, 1);
    /* Four equal tokens (2 bits each) with mu 1: none passes, the lowest id stays. */
    const float eq[] = {NINF, 1.5f, 1.5f, 1.5f, 1.5f};
    s = miro2(0.5f, 0.1f);
    expect("v2 ties, none passes", eq, 5, &s, (int32_t[]){1}, (double[]){1.0}, 1);
    s = miro2(1.5f, 0.1f);
    expect("v2 ties, all pass", eq, 5, &s, (int32_t[]){1, 2, 3, 4},
           (double[]){0.25, 0.25, 0.25, 0.25}, 4);
    const float one[] = {NINF, -7.0f};
    s = miro2(0.1f, 0.1f);
    expect("v2 n = 1 candidate", one, 2, &s, (int32_t[]){1}, (double[]){1.0}, 1);
    /* A temperature before: scaled logits count. t = 0.5 doubles every surprise: 2 4 6 8 8;
     * mu 6.4 keeps three, at probabilities proportional to 1/4, 1/16, 1/64. */
    s = miro2(3.2f, 0.1f);
    s.temp = 0.5f;
    expect("v2 after temp 0.5", x, 6, &s, (int32_t[]){0, 3, 5},
           (double[]){4.0 / 21, 16.0 / 21, 1.0 / 21}, 3);
    /* Weights that underflow are never kept, whatever mu. */
    const float tail[] = {0.0f, -200.0f, -50.0f};
    s = miro2(1000.0f, 0.1f);
    double e50 = exp(-50.0);
    expect("v2 huge mu, zero weight dropped", tail, 3, &s, (int32_t[]){0, 2},
           (double[]){1.0 / (1.0 + e50), e50 / (1.0 + e50)}, 2);
}

/* Zipf logits x_i = -s ln(i) give the estimate s exactly, so k is known in closed form. */
static void test_proc_stateful_hand_mirostat_v1(void) {
    enum { N = 100 };
    float x[N];
    int32_t ids[N];
    double p[N];
    /* s = 1 (e = 0, the limit 1 / ln N): k = 2^mu / ln N = 2^6 / ln 100 = 13.897: 13 kept. */
    double z = 0.0;
    for (int i = 0; i < N; i++) x[i] = (float)-log((double)(i + 1));
    for (int i = 0; i < 13; i++) z += 1.0 / (double)(i + 1);
    for (int i = 0; i < 13; i++) ids[i] = i, p[i] = 1.0 / (double)(i + 1) / z;
    setup s = miro1(3.0f, 0.1f, 100);
    expect("v1 s = 1", x, N, &s, ids, p, 13);
    /* s = 2 (e = 1): k = sqrt(2^mu N / (N - 1)) = sqrt(1024 * 100 / 99) = 32.16: 32 kept. */
    z = 0.0;
    for (int i = 0; i < N; i++) x[i] = (float)(-2.0 * log((double)(i + 1)));
    for (int i = 0; i < 32; i++) z += 1.0 / ((double)(i + 1) * (double)(i + 1));
    for (int i = 0; i < 32; i++) ids[i] = i, p[i] = 1.0 / ((double)(i + 1) * (double)(i + 1)) / z;
    s = miro1(5.0f, 0.1f, 100);
    expect("v1 s = 2", x, N, &s, ids, p, 32);
    /* m = 2 gives the same s from the top two alone. */
    s = miro1(5.0f, 0.1f, 2);
    expect("v1 s = 2, m = 2", x, N, &s, ids, p, 32);
    /* All equal (s = 0): keep all when 2^mu > N - 1 (mu 10), else one (mu 6). */
    float eq[N];
    for (int i = 0; i < N; i++) eq[i] = 0.25f, ids[i] = i, p[i] = 1.0 / N;
    s = miro1(5.0f, 0.1f, 100);
    expect("v1 s = 0, all kept", eq, N, &s, ids, p, N);
    s = miro1(3.0f, 0.1f, 100);
    expect("v1 s = 0, one kept", eq, N, &s, (int32_t[]){0}, (double[]){1.0}, 1);
    /* A single candidate is left alone. */
    float one[N];
    for (int i = 0; i < N; i++) one[i] = NINF;
    one[42] = 3.0f;
    expect("v1 one candidate", one, N, &s, (int32_t[]){42}, (double[]){1.0}, 1);
    /* Tiny mu: k < 1 keeps the first in order (lowest id among the tied maxima). */
    const float tie[] = {1.0f, 2.0f, 2.0f, 0.0f};
    s = miro1(-5.0f, 0.1f, 100);
    expect("v1 tiny mu, tied maxima", tie, 4, &s, (int32_t[]){1}, (double[]){1.0}, 1);
}

/* p = (3/4, 1/4) at target 0.25 and the initial average (0.25): adapted 0.25, logits
 * 5 - 10 d^2 / (1 + d) with d = 0.5 / 0.3 and 0. */
static void test_proc_stateful_hand_adaptive_p(void) {
    const float x[] = {NINF, (float)log(3.0), 0.0f};
    double d = 0.5 * (double)INV_WIDTH, l0 = 5.0 - 10.0 * d * d / (1.0 + d), l1 = 5.0;
    double q0 = exp(l0) / (exp(l0) + exp(l1));
    setup s = adapt(0.25f, 0.9f);
    expect("adaptive_p 0.25", x, 3, &s, (int32_t[]){1, 2}, (double[]){q0, 1.0 - q0}, 2);
    /* Target 0.75 (average 0.75): the roles swap. */
    s = adapt(0.75f, 0.9f);
    expect("adaptive_p 0.75", x, 3, &s, (int32_t[]){1, 2}, (double[]){1.0 - q0, q0}, 2);
    /* A state whose average is 0.6: adapted 2 * 0.25 - 0.6 < 0 -> 0. */
    s = adapt(0.25f, 0.9f);
    s.set_state = 1, s.ws = 6.0, s.tw = 10.0;
    double da = 0.75 * (double)INV_WIDTH, db = 0.25 * (double)INV_WIDTH;
    double la = 5.0 - 10.0 * da * da / (1.0 + da), lb = 5.0 - 10.0 * db * db / (1.0 + db);
    double qa = exp(la) / (exp(la) + exp(lb));
    expect("adaptive_p adapted clamped at 0", x, 3, &s, (int32_t[]){1, 2},
           (double[]){qa, 1.0 - qa}, 2);
    /* Target above 1: 1 in the transform, the average starts at 1.5: adapted 0.5. */
    s = adapt(1.5f, 0.5f); /* both tokens at distance 0.25 from 0.5: equal logits */
    expect("adaptive_p target 1.5", x, 3, &s, (int32_t[]){1, 2}, (double[]){0.5, 0.5}, 2);
    /* Disabled: the distribution is left as it is. */
    s = adapt(-1.0f, 0.9f);
    expect("adaptive_p disabled", x, 3, &s, (int32_t[]){1, 2}, (double[]){0.75, 0.25}, 2);
    /* One candidate. */
    const float one[] = {NINF, 2.0f, NINF};
    s = adapt(0.1f, 0.9f);
    expect("adaptive_p one candidate", one, 3, &s, (int32_t[]){1}, (double[]){1.0}, 1);
    /* A long tail of tiny probabilities all gets the logit of d = a / 0.3. */
    float tail[40];
    tail[0] = 0.0f;
    for (int i = 1; i < 40; i++) tail[i] = -200.0f;
    int32_t ids[40];
    double p[40], dt = 0.3 * (double)INV_WIDTH, lt = 5.0 - 10.0 * dt * dt / (1.0 + dt);
    double d1 = 0.7 * (double)INV_WIDTH, l1b = 5.0 - 10.0 * d1 * d1 / (1.0 + d1);
    double zt = exp(l1b) + 39.0 * exp(lt);
    for (int i = 0; i < 40; i++) ids[i] = i, p[i] = (i ? exp(lt) : exp(l1b)) / zt;
    s = adapt(0.3f, 0.0f);
    expect("adaptive_p tail revived", tail, 40, &s, ids, p, 40);
}

/* ---- parameters ------------------------------------------------------------------------ */

static void test_proc_stateful_params(void) {
    tsamp_chain *c = NULL;
    CHECK(tsamp_chain_create(&c, 10, NULL) == TSAMP_OK);
    const float bad[] = {NAN, INFINITY, -INFINITY};
    for (size_t i = 0; i < COUNT(bad); i++) {
        CHECK(tsamp_chain_add_mirostat(c, bad[i], 0.1f, 100) == TSAMP_ERR_INVALID_PARAM);
        CHECK(tsamp_chain_add_mirostat(c, 5.0f, bad[i], 100) == TSAMP_ERR_INVALID_PARAM);
        CHECK(tsamp_chain_add_mirostat_v2(c, bad[i], 0.1f) == TSAMP_ERR_INVALID_PARAM);
        CHECK(tsamp_chain_add_mirostat_v2(c, 5.0f, bad[i]) == TSAMP_ERR_INVALID_PARAM);
        CHECK(tsamp_chain_add_adaptive_p(c, bad[i], 0.9f) == TSAMP_ERR_INVALID_PARAM);
    }
    CHECK(tsamp_chain_add_adaptive_p(c, 0.5f, NAN) == TSAMP_ERR_INVALID_PARAM);
    const int32_t bad_m[] = {1, 0, -1, INT32_MIN};
    for (size_t i = 0; i < COUNT(bad_m); i++)
        CHECK(tsamp_chain_add_mirostat(c, 5.0f, 0.1f, bad_m[i]) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_n_processors(c) == 0);
    CHECK(tsamp_chain_add_mirostat(NULL, 5.0f, 0.1f, 100) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_add_mirostat_v2(NULL, 5.0f, 0.1f) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_add_adaptive_p(NULL, 0.5f, 0.9f) == TSAMP_ERR_NULL);
    /* Edges that are valid: m = 2 and INT32_MAX, eta 0 or negative, decay out of range
     * (clamped), target above 1 or negative. */
    CHECK(tsamp_chain_add_mirostat(c, 5.0f, 0.1f, 2) == TSAMP_OK);
    CHECK(tsamp_chain_add_mirostat(c, -1.0f, 0.0f, INT32_MAX) == TSAMP_OK);
    CHECK(tsamp_chain_add_mirostat_v2(c, FLT_MAX, -FLT_MAX) == TSAMP_OK);
    CHECK(tsamp_chain_add_adaptive_p(c, 2.0f, -INFINITY) == TSAMP_OK);
    CHECK(tsamp_chain_add_adaptive_p(c, -0.5f, INFINITY) == TSAMP_OK);
    CHECK(tsamp_chain_n_processors(c) == 5);
    const float x[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    int32_t tok;
    for (uint64_t pos = 0; pos < 20; pos++) { /* extreme states never break a step */
        CHECK(tsamp_chain_sample(c, x, &tok) == TSAMP_OK && tok >= 0 && tok < 10);
        CHECK(tsamp_chain_accept(c, tok) == TSAMP_OK);
    }
    tsamp_chain_free(c);
}

/* ---- random cases -------------------------------------------------------------------------- */

static double unif(tu_rng *r, double lo, double hi) { return lo + (hi - lo) * tu_unif(r); }

static size_t gen_vocab(tu_rng *r) {
    if (tu_below(r, 2)) return 1 + tu_below(r, 3000);
    size_t n = (size_t)exp(unif(r, 0.0, log(3001.0)));
    return n < 1 ? 1 : n > 3000 ? 3000 : n;
}

/* Logit shapes: normal, heavy tails, ties, few levels, Zipf-like, peaked, huge magnitudes;
 * then some masked entries (at least one candidate stays). */
static void gen_logits(tu_rng *r, float *x, size_t n) {
    double sigma = unif(r, 0.5, 5.0), offset = tu_below(r, 2) ? unif(r, -20.0, 20.0) : 0.0;
    unsigned shape = (unsigned)tu_below(r, 8);
    double q = (double)(1u << tu_below(r, 5)), alpha = unif(r, 0.3, 2.5);
    size_t levels = 1 + tu_below(r, 5);
    for (size_t i = 0; i < n; i++) {
        double v;
        switch (shape) {
        case 0: v = offset + sigma * tu_normal(r); break;
        case 1: v = sigma * fmax(-1e6, fmin(1e6, tan(3.141592653589793 * (tu_unif(r) - 0.5))));
            break;
        case 2: v = round(sigma * q * tu_normal(r)) / q; break;
        case 3: v = (double)tu_below(r, levels); break;
        case 4: v = -alpha * log(1.0 + (double)tu_below(r, n)); break;
        case 5: v = i < 8 ? 8.0 - (double)i + sigma : sigma * tu_normal(r); break;
        case 6: v = (tu_below(r, 2) ? 1e28 : 1e-40) * tu_normal(r); break;
        default: v = sigma * tu_normal(r); break;
        }
        x[i] = (float)v;
    }
    if (tu_below(r, 4) == 0) {
        double frac = unif(r, 0.0, 0.9);
        for (size_t i = 0; i < n; i++)
            if (tu_unif(r) < frac) x[i] = NINF;
    }
    size_t finite = 0;
    for (size_t i = 0; i < n; i++) finite += x[i] != NINF;
    if (!finite) x[tu_below(r, n)] = 0.0f;
}

static float gen_temp(tu_rng *r) {
    return tu_below(r, 2) ? 1.0f : (float)exp(unif(r, log(0.2), log(5.0)));
}

/* A state near the interesting range: mu near the surprise of a random candidate (so the cut
 * falls inside the distribution), or anywhere, or extreme. */
static double gen_mu(tu_rng *r, const float *x, size_t n, float temp) {
    switch (tu_below(r, 10)) {
    case 0: return (double)(tu_below(r, 2) ? 200.0 : -3.0);
    case 1:
    case 2: return unif(r, 0.0, 30.0);
    default: break;
    }
    ref rr;
    double mu = 5.0;
    if (ref_init(&rr, x, n, temp) == 0) {
        size_t j = tu_below(r, rr.n_cand);
        mu = (double)(-log2l(rr.p[j])) + unif(r, -0.7, 0.7);
        if (!isfinite(mu)) mu = 300.0;
    }
    ref_free(&rr);
    return mu;
}

static void gen_setup(tu_rng *r, kind k, const float *x, size_t n, setup *s) {
    memset(s, 0, sizeof *s);
    s->k = k;
    s->temp = gen_temp(r);
    s->tau = (float)unif(r, 1.0, 8.0);
    s->eta = 0.1f;
    s->set_state = tu_below(r, 8) != 0;
    if (k == ADAPT) {
        switch (tu_below(r, 10)) {
        case 0: s->target = -0.5f; break;
        case 1: s->target = 1.5f; break;
        case 2: s->target = tu_below(r, 2) ? 0.0f : 1.0f; break;
        default: s->target = (float)tu_unif(r); break;
        }
        s->decay = tu_below(r, 10) == 0 ? (tu_below(r, 2) ? -1.0f : 2.0f) : (float)unif(r, 0, 0.99);
        s->tw = unif(r, 1.0, 100.0);
        s->ws = unif(r, -0.2, 1.5) * s->tw;
    } else {
        static const int32_t ms[] = {2, 3, 5, 10, 100, 1000};
        s->m = tu_below(r, 8) == 0 ? (int32_t)n + 3 : ms[tu_below(r, COUNT(ms))];
        s->mu = gen_mu(r, x, n, s->temp);
        if (k == MIRO1 && tu_below(r, 2)) s->mu = unif(r, -2.0, 25.0);
    }
}

static int random_case(kind k, uint64_t seed, size_t n, int warm, tally *t) {
    tu_rng r = {seed};
    if (n == 0) n = gen_vocab(&r);
    float *x = malloc(n * sizeof *x), *y = warm ? malloc(n * sizeof *y) : NULL;
    if (!x || (warm && !y)) {
        free(x), free(y);
        return 0;
    }
    gen_logits(&r, x, n);
    if (y) gen_logits(&r, y, n);
    setup s;
    gen_setup(&r, k, x, n, &s);
    char label[96];
    snprintf(label, sizeof label, "%s seed 0x%llx%s", kind_name(k), (unsigned long long)seed,
             warm ? " (warm chain)" : "");
    int ok = check_case(label, x, n, &s, y, tu_next(&r), t);
    free(x), free(y);
    return ok;
}

enum { WANT_UNAMBIGUOUS = 1000, MAX_CASES = 1100, MAX_FAILED = 5 };

static void run_random(kind k, uint64_t seed) {
    tally t = {0};
    size_t failed = 0;
    for (uint64_t i = 0; t.unambiguous < WANT_UNAMBIGUOUS && t.cases < MAX_CASES; i++)
        if (!random_case(k, seed * 1000003u + i, 0, 0, &t) && ++failed >= MAX_FAILED) break;
    check_note("%-12s %zu cases, %zu unambiguous, %zu ambiguous (%.2f%%, %zu decided unlike "
               "exact math); max |dp|/p %.3g, max |dp|/bound %.3f",
               kind_name(k), t.cases, t.unambiguous, t.ambiguous,
               100.0 * (double)t.ambiguous / (double)t.cases, t.off_exact, t.max_rel,
               t.max_ratio);
    CHECKF(t.unambiguous >= WANT_UNAMBIGUOUS, "%s: only %zu unambiguous cases", kind_name(k),
           t.unambiguous);
    CHECKF(t.ambiguous * 100 < t.cases, "%s: %zu of %zu cases ambiguous (>= 1%%)", kind_name(k),
           t.ambiguous, t.cases);
}

static void test_proc_stateful_random_mirostat(void) { run_random(MIRO1, 0x51); }
static void test_proc_stateful_random_mirostat_v2(void) { run_random(MIRO2, 0x52); }
static void test_proc_stateful_random_adaptive_p(void) { run_random(ADAPT, 0x53); }

/* Large vocabularies (the dense paths, several 256-blocks, hints from a previous token) and
 * the benchmark's shapes at V = 128256 with mirostat v2 (5, 0.1) after temp 0.8. */
static void test_proc_stateful_random_large(void) {
    static const size_t sizes[] = {65536, 131075, 200000};
    tally t = {0};
    for (int k = 0; k < 3; k++)
        for (int warm = 0; warm < 2; warm++)
            random_case((kind)k, 0xb16 + (uint64_t)(k * 2 + warm),
                        sizes[(size_t)(k + warm) % COUNT(sizes)], warm, &t);
    enum { V = 128256 };
    float *x = malloc(V * sizeof *x);
    static const char *shapes[] = {"normal3", "peaked"};
    for (size_t sh = 0; x && sh < COUNT(shapes); sh++) {
        logit_shape_fill(x, V, shapes[sh]);
        setup s = miro2(5.0f, 0.1f);
        s.temp = 0.8f;
        char label[64];
        snprintf(label, sizeof label, "bench mirostat_v2 %s", shapes[sh]);
        CHECKF(check_case(label, x, V, &s, x, 9, &t), "%s", label);
        s = miro1(5.0f, 0.1f, 100);
        s.temp = 0.8f;
        snprintf(label, sizeof label, "bench mirostat %s", shapes[sh]);
        CHECKF(check_case(label, x, V, &s, x, 9, &t), "%s", label);
        s = adapt(0.3f, 0.9f);
        snprintf(label, sizeof label, "bench adaptive_p %s", shapes[sh]);
        CHECKF(check_case(label, x, V, &s, x, 9, &t), "%s", label);
    }
    free(x);
    check_note("%zu cases, %zu unambiguous, %zu ambiguous; max |dp|/bound %.3f", t.cases,
               t.unambiguous, t.ambiguous, t.max_ratio);
    CHECK(t.unambiguous + 1 >= t.cases);
}

/* ---- statistics ------------------------------------------------------------------------------ */

#define Z_ALPHA 3.090232306167813 /* upper 1e-3 quantile of the standard normal */
enum { DRAWS = 1000000, MIN_EXPECTED = 5 };

/* Pearson's statistic of counts against draws * q (q by id, kept ids in `ids`), bins expected
 * fewer than 5 times pooled in id order; critical value by Wilson-Hilferty at alpha 1e-3. */
static void chi_square(const uint64_t *counts, const int32_t *ids, const double *q, size_t nk,
                       uint64_t draws, double *stat, size_t *df, double *crit) {
    double *be = malloc((nk + 1) * sizeof *be), *bo = malloc((nk + 1) * sizeof *bo);
    double st = 0.0, pe = 0.0, po = 0.0;
    size_t bins = 0;
    for (size_t i = 0; be && bo && i < nk; i++) {
        pe += (double)draws * q[ids[i]];
        po += (double)counts[ids[i]];
        if (pe >= MIN_EXPECTED) {
            be[bins] = pe, bo[bins] = po, bins++;
            pe = po = 0.0;
        }
    }
    if (be && bo && bins > 0) /* a last pool below 5 joins the bin before it */
        be[bins - 1] += pe, bo[bins - 1] += po;
    else if (be && bo)
        be[0] = pe, bo[0] = po, bins = 1;
    for (size_t i = 0; be && bo && i < bins; i++) st += (bo[i] - be[i]) * (bo[i] - be[i]) / be[i];
    if (!be || !bo) st = HUGE_VAL;
    free(be), free(bo);
    *df = bins > 1 ? bins - 1 : 1;
    double h = 2.0 / (9.0 * (double)*df), cc = 1.0 - h + Z_ALPHA * sqrt(h);
    *stat = st;
    *crit = (double)*df * cc * cc * cc;
}

/*
 * 10^6 draws (positions 0 .. 10^6 - 1, no accept, so the state stays where it was set) against
 * the reference's distribution: the truncated (or reshaped) distribution is sampled exactly.
 * A perturbed copy of the distribution must then be rejected: the test has power.
 */
static void stat_case(const char *what, const float *x, size_t n, const setup *s) {
    ref r;
    if (ref_init(&r, x, n, s->temp) != 0) return;
    switch (s->k) {
    case MIRO1: ref_miro1(&r, s->mu, s->m, n, s->temp); break;
    case MIRO2: ref_miro2(&r, s->mu, s->temp); break;
    case ADAPT: ref_adapt(&r, s->target, s->ws, s->tw, s->temp); break;
    }
    CHECKF(!r.ambiguous, "%s: the test distribution is ambiguous", what);
    if (s->k != ADAPT) ref_prefix(&r, r.n_kept, s->temp);
    double *q = calloc(n, sizeof *q), *q2 = calloc(n, sizeof *q2);
    uint64_t *counts = calloc(n, sizeof *counts);
    int32_t *ids = malloc(n * sizeof *ids);
    tsamp_chain *c = build(n, s, 0x5ca1ab1e, TSAMP_ISA_AUTO, NULL);
    if (!q || !q2 || !counts || !ids || !c) goto out;
    size_t nk = 0;
    for (size_t i = 0; i < r.n_kept; i++) q[r.c[i].id] = (double)r.q[i];
    for (size_t i = 0; i < n; i++)
        if (q[i] > 0.0) ids[nk++] = (int32_t)i;
    uint64_t outside = 0;
    for (uint64_t pos = 0; pos < DRAWS; pos++) {
        int32_t tok = -1;
        tsamp_chain_set_position(c, pos);
        if (tsamp_chain_sample(c, x, &tok) != TSAMP_OK || tok < 0 || (size_t)tok >= n ||
            q[tok] == 0.0)
            outside++;
        else
            counts[tok]++;
    }
    CHECKF(outside == 0, "%s: %llu draws outside the kept set", what,
           (unsigned long long)outside);
    CHECKF(s->k == ADAPT || mu_of(c) == s->mu, "%s: sampling without accept moved mu", what);
    double stat, crit;
    size_t df;
    chi_square(counts, ids, q, nk, DRAWS, &stat, &df, &crit);
    check_note("%s: %zu kept, chi-square %.1f, df %zu, critical %.1f (alpha 1e-3)", what, nk,
               stat, df, crit);
    CHECKF(stat <= crit, "%s: chi-square %.1f > critical %.1f", what, stat, crit);
    /* Power: move a probability of 0.005 from the most probable kept token to the next one
     * (every kept set here has a top token above 1/64). */
    memcpy(q2, q, n * sizeof *q2);
    int32_t a = r.c[0].id, b = r.n_kept > 1 ? r.c[1].id : a;
    q2[a] -= 0.005;
    q2[b] += 0.005;
    chi_square(counts, ids, q2, nk, DRAWS, &stat, &df, &crit);
    CHECKF(r.n_kept < 2 || stat > crit, "%s: a perturbed distribution was not rejected (%.1f)",
           what, stat);
out:
    tsamp_chain_free(c);
    free(q), free(q2), free(counts), free(ids);
    ref_free(&r);
}

/* ~64 tokens with a geometric bulk and a tail, shuffled, one masked. */
static void stat_logits(float *x, size_t n, uint64_t seed) {
    tu_rng r = {seed};
    for (size_t i = 0; i < n; i++) x[i] = (float)(-0.12 * (double)i + 0.3 * tu_normal(&r));
    for (size_t i = n; i > 1; i--) {
        size_t j = tu_below(&r, i);
        float t = x[i - 1];
        x[i - 1] = x[j];
        x[j] = t;
    }
    x[tu_below(&r, n)] = NINF;
}

static void test_proc_stateful_stats(void) {
    enum { N = 64 };
    float x[N];
    stat_logits(x, N, 99);
    setup s = miro2(2.5f, 0.1f);
    s.temp = 0.9f, s.set_state = 1, s.mu = 5.3; /* keeps a few dozen */
    stat_case("mirostat_v2 mu 5.3 temp 0.9", x, N, &s);
    s = miro1(3.0f, 0.1f, 100);
    s.set_state = 1, s.mu = 4.7;
    stat_case("mirostat mu 4.7", x, N, &s);
    s = adapt(0.1f, 0.9f);
    s.set_state = 1, s.ws = 0.5, s.tw = 10.0; /* average 0.05: adapted 0.15 */
    stat_case("adaptive_p target 0.1", x, N, &s);
}

/* ---- state --------------------------------------------------------------------------------- */

/* Zipf-like logits with a little noise, as language models give. */
static void zipf_logits(float *x, size_t n, uint64_t seed, double s) {
    tu_rng r = {seed};
    for (size_t i = 0; i < n; i++) {
        double rank = (double)tu_below(&r, n), noise = 0.2 * tu_normal(&r);
        x[i] = (float)(-s * log(1.0 + rank) + noise);
    }
}

/* The prob the distribution reports for a token (0 if not kept). */
static double dist_prob(tsamp_chain *c, const float *x, int32_t tok, int32_t *ids, float *pr,
                        size_t n) {
    size_t nk = 0;
    if (tsamp_chain_distribution(c, x, ids, pr, n, &nk) != TSAMP_OK) return -1.0;
    for (size_t i = 0; i < nk; i++)
        if (ids[i] == tok) return (double)pr[i];
    return 0.0;
}

/* The pending draw and the update rule, for both mirostats. */
static void test_proc_stateful_mirostat_accept(void) {
    enum { N = 500 };
    float x[N], pr[N];
    int32_t ids[N];
    zipf_logits(x, N, 5, 1.1);
    for (int v = 0; v < 2; v++) {
        setup s = v ? miro2(4.0f, 0.25f) : miro1(4.0f, 0.25f, 100);
        tsamp_chain *c = build(N, &s, 1, TSAMP_ISA_AUTO, NULL);
        if (!c) return;
        tsamp_mirostat_state *st = proc_state(c);
        CHECK(st->mu == 8.0 && st->pending == -1);
        int32_t tok, tok2;
        CHECK(tsamp_chain_sample(c, x, &tok) == TSAMP_OK);
        CHECK(st->pending == tok && st->mu == 8.0); /* sampling alone never moves mu */
        double q = dist_prob(c, x, tok, ids, pr, N);
        CHECKF(fabs(st->pending_prob - q) <= 1e-6 * q, "pending prob %.9g, distribution %.9g",
               st->pending_prob, q);
        /* Another token accepted (a prompt token, a forced one): no update. */
        CHECK(tsamp_chain_accept(c, (tok + 1) % N) == TSAMP_OK);
        CHECK(st->mu == 8.0 && st->pending == -1);
        /* Sample twice at one position: the same token, recorded once; then accept it. */
        CHECK(tsamp_chain_sample(c, x, &tok) == TSAMP_OK);
        CHECK(tsamp_chain_sample(c, x, &tok2) == TSAMP_OK && tok2 == tok);
        double pp = st->pending_prob;
        CHECK(tsamp_chain_accept(c, tok) == TSAMP_OK);
        double want = 8.0 - (double)0.25f * (-tsamp_log_d(pp) / LN2 - (double)4.0f);
        CHECKF(st->mu == want, "%s: mu %.17g, expected %.17g", kind_name(s.k), st->mu, want);
        CHECK(st->pending == -1);
        /* Accepting it again (no pending draw) changes nothing. */
        CHECK(tsamp_chain_accept(c, tok) == TSAMP_OK && st->mu == want);
        /* A newer sample replaces the pending draw: the update uses the last one. */
        float y[N];
        zipf_logits(y, N, 77, 0.7);
        CHECK(tsamp_chain_sample(c, x, &tok) == TSAMP_OK);
        CHECK(tsamp_chain_sample(c, y, &tok2) == TSAMP_OK && st->pending == tok2);
        pp = st->pending_prob;
        double mu0 = st->mu;
        CHECK(tsamp_chain_accept(c, tok2) == TSAMP_OK);
        CHECK(st->mu == mu0 - (double)0.25f * (-tsamp_log_d(pp) / LN2 - (double)4.0f));
        /* distribution and set_position leave mu and the pending draw alone. */
        CHECK(tsamp_chain_sample(c, x, &tok) == TSAMP_OK);
        tsamp_mirostat_state before = *st;
        size_t nk;
        CHECK(tsamp_chain_distribution(c, y, ids, pr, N, &nk) == TSAMP_OK);
        CHECK(tsamp_chain_set_position(c, 12345) == TSAMP_OK);
        CHECK(st->mu == before.mu && st->pending == before.pending &&
              st->pending_prob == before.pending_prob);
        tsamp_chain_free(c);
    }
}

/* Adaptive-p's pending draw and moving average. */
static void test_proc_stateful_adaptive_p_accept(void) {
    enum { N = 300 };
    float x[N], pr[N];
    int32_t ids[N];
    zipf_logits(x, N, 6, 1.3);
    setup s = adapt(0.2f, 0.8f);
    tsamp_chain *c = build(N, &s, 2, TSAMP_ISA_AUTO, NULL);
    if (!c) return;
    tsamp_adaptive_p_state *st = proc_state(c);
    double d = (double)0.8f;
    CHECK(st->weighted_sum == (double)0.2f / (1.0 - d) && st->total_weight == 1.0 / (1.0 - d));
    /* The original probability of a token: softmax of x, from a chain without processors. */
    tsamp_chain *plain = NULL;
    CHECK(tsamp_chain_create(&plain, N, NULL) == TSAMP_OK);
    int32_t tok;
    CHECK(tsamp_chain_sample(c, x, &tok) == TSAMP_OK && st->pending == tok);
    double p0 = dist_prob(plain, x, tok, ids, pr, N);
    CHECKF(fabs(st->pending_prob - p0) <= 1e-6 * p0, "original prob %.9g, softmax %.9g",
           st->pending_prob, p0);
    double ws = st->weighted_sum, tw = st->total_weight;
    CHECK(tsamp_chain_accept(c, (tok + 7) % N) == TSAMP_OK); /* another token: no update */
    CHECK(st->weighted_sum == ws && st->total_weight == tw && st->pending == -1);
    CHECK(tsamp_chain_sample(c, x, &tok) == TSAMP_OK);
    double pp = st->pending_prob;
    CHECK(tsamp_chain_accept(c, tok) == TSAMP_OK);
    CHECK(st->weighted_sum == pp + d * ws && st->total_weight == 1.0 + d * tw);
    /* Disabled: nothing is recorded, nothing moves. */
    setup off = adapt(-1.0f, 0.8f);
    tsamp_chain *c2 = build(N, &off, 2, TSAMP_ISA_AUTO, NULL);
    if (c2) {
        tsamp_adaptive_p_state *s2 = proc_state(c2);
        double w0 = s2->weighted_sum;
        CHECK(tsamp_chain_sample(c2, x, &tok) == TSAMP_OK && s2->pending == -1);
        CHECK(tsamp_chain_accept(c2, tok) == TSAMP_OK && s2->weighted_sum == w0);
    }
    tsamp_chain_free(c2);
    tsamp_chain_free(plain);
    tsamp_chain_free(c);
}

/* A run of sample + accept over a sequence of logits; tokens to out (may be NULL). */
static int run_steps(tsamp_chain *c, float *const *seq, size_t nseq, size_t from, size_t steps,
                     int32_t *out) {
    for (size_t t = 0; t < steps; t++) {
        int32_t tok;
        if (tsamp_chain_sample(c, seq[(from + t) % nseq], &tok) != TSAMP_OK) return 0;
        if (tsamp_chain_accept(c, tok) != TSAMP_OK) return 0;
        if (out) out[t] = tok;
    }
    return 1;
}

/* Reset restores the initial state; a clone continues identically; set_position leaves the
 * state alone; a fresh chain given a copy of the state resumes identically. */
static void test_proc_stateful_reset_clone_resume(void) {
    enum { N = 2000, SEQ = 7, STEPS = 120 };
    float *seq[SEQ];
    for (size_t i = 0; i < SEQ; i++) {
        seq[i] = malloc(N * sizeof(float));
        if (!seq[i]) return;
        zipf_logits(seq[i], N, 100 + i, 0.6 + 0.15 * (double)i);
    }
    float *pa = malloc(N * sizeof *pa), *pb = malloc(N * sizeof *pb);
    int32_t *ia = malloc(N * sizeof *ia), *ib = malloc(N * sizeof *ib);
    int32_t ta[STEPS], tb[STEPS];
    const setup setups[] = {miro1(3.0f, 0.2f, 100), miro2(3.0f, 0.2f), adapt(0.3f, 0.9f)};
    for (size_t k = 0; k < COUNT(setups) && pa && pb && ia && ib; k++) {
        const setup *s = &setups[k];
        const char *name = kind_name(s->k);
        tsamp_chain *a = build(N, s, 42, TSAMP_ISA_AUTO, NULL);
        tsamp_chain *fresh = build(N, s, 42, TSAMP_ISA_AUTO, NULL);
        if (!a || !fresh) break;
        size_t bytes = state_bytes(a), na = 0, nb = 0;
        unsigned char *init = malloc(bytes);
        if (!init) break;
        memcpy(init, proc_state(a), bytes);
        /* Reset: the state as created, the same distribution and draws as a fresh chain. */
        CHECK(run_steps(a, seq, SEQ, 0, 50, NULL));
        if (s->k != ADAPT) CHECKF(mu_of(a) != 2.0 * (double)s->tau, "%s: mu never moved", name);
        CHECK(tsamp_chain_reset(a) == TSAMP_OK);
        CHECKF(!memcmp(proc_state(a), init, bytes), "%s: after reset the state is not the "
                                                    "state at creation, byte for byte", name);
        if (s->k != ADAPT)
            CHECKF(mu_of(a) == 2.0 * (double)s->tau, "%s: reset left mu at %.17g", name,
                   mu_of(a));
        CHECK(tsamp_chain_distribution(a, seq[3], ia, pa, N, &na) == TSAMP_OK);
        CHECK(tsamp_chain_distribution(fresh, seq[3], ib, pb, N, &nb) == TSAMP_OK);
        CHECKF(na == nb && !memcmp(ia, ib, na * sizeof *ia) && !memcmp(pa, pb, na * sizeof *pa),
               "%s: after reset the distribution differs from a fresh chain's", name);
        CHECK(run_steps(a, seq, SEQ, 0, STEPS, ta) && run_steps(fresh, seq, SEQ, 0, STEPS, tb));
        CHECKF(!memcmp(ta, tb, sizeof ta), "%s: after reset the tokens differ from a fresh "
                                           "chain's", name);
        /* Clone with a pending draw, then both accept it and go on: identical. */
        int32_t tok;
        CHECK(tsamp_chain_sample(a, seq[1], &tok) == TSAMP_OK);
        tsamp_chain *b = NULL;
        CHECK(tsamp_chain_clone(a, &b) == TSAMP_OK);
        if (b) {
            CHECK(!memcmp(proc_state(a), proc_state(b), bytes));
            CHECK(tsamp_chain_accept(a, tok) == TSAMP_OK && tsamp_chain_accept(b, tok) == TSAMP_OK);
            CHECK(run_steps(a, seq, SEQ, 2, STEPS, ta) && run_steps(b, seq, SEQ, 2, STEPS, tb));
            CHECKF(!memcmp(ta, tb, sizeof ta), "%s: a clone did not continue identically", name);
            CHECKF(!memcmp(proc_state(a), proc_state(b), bytes), "%s: clone state differs", name);
            CHECK(tsamp_chain_position(a) == tsamp_chain_position(b));
        }
        tsamp_chain_free(b);
        /* set_position changes no state byte. */
        unsigned char *snap = malloc(bytes);
        if (snap) {
            memcpy(snap, proc_state(a), bytes);
            CHECK(tsamp_chain_set_position(a, 987654321) == TSAMP_OK);
            CHECKF(!memcmp(snap, proc_state(a), bytes), "%s: set_position moved the state", name);
        }
        free(snap);
        /* Resume: a fresh chain with a copy of the state at the same position samples the
         * same tokens, token after token (the state is all the history there is). */
        tsamp_chain *r = build(N, s, 42, TSAMP_ISA_AUTO, NULL);
        if (r) {
            memcpy(proc_state(r), proc_state(a), bytes);
            CHECK(tsamp_chain_set_position(r, tsamp_chain_position(a)) == TSAMP_OK);
            CHECK(run_steps(a, seq, SEQ, 4, STEPS, ta) && run_steps(r, seq, SEQ, 4, STEPS, tb));
            CHECKF(!memcmp(ta, tb, sizeof ta), "%s: resuming from the state differs", name);
        }
        tsamp_chain_free(r);
        /* Replay: the state is a pure function of the logits, seed and stream. */
        tsamp_chain *p1 = build(N, s, 9, TSAMP_ISA_AUTO, NULL);
        tsamp_chain *p2 = build(N, s, 9, TSAMP_ISA_AUTO, NULL);
        if (p1 && p2) {
            CHECK(run_steps(p1, seq, SEQ, 0, STEPS, ta) && run_steps(p2, seq, SEQ, 0, STEPS, tb));
            CHECK(!memcmp(ta, tb, sizeof ta) && !memcmp(proc_state(p1), proc_state(p2), bytes));
        }
        tsamp_chain_free(p1), tsamp_chain_free(p2);
        check_note("%s: reset, clone, set_position and resume checked over %d steps", name,
                   STEPS);
        free(init);
        tsamp_chain_free(a), tsamp_chain_free(fresh);
    }
    for (size_t i = 0; i < SEQ; i++) free(seq[i]);
    free(pa), free(pb), free(ia), free(ib);
}

/*
 * mu converges: over a long run on a fixed distribution, the average observed surprise of the
 * accepted tokens approaches tau. Exactly: the sum of (surprise - tau) over steps T0 .. T-1 is
 * (mu_T0 - mu_T) / eta, so the average is within |mu_T0 - mu_T| / (eta (T - T0)) of tau.
 */
static void test_proc_stateful_mu_converges(void) {
    enum { N = 4096, STEPS = 20000, T0 = 5000 };
    float *x = malloc(N * sizeof *x);
    if (!x) return;
    zipf_logits(x, N, 8, 1.0);
    const setup setups[] = {miro2(5.0f, 0.1f), miro2(3.0f, 0.1f), miro2(7.0f, 0.2f),
                            miro1(5.0f, 0.1f, 100), miro1(3.0f, 0.1f, 100)};
    for (size_t k = 0; k < COUNT(setups); k++) {
        const setup *s = &setups[k];
        tsamp_chain *c = build(N, s, 77 + k, TSAMP_ISA_AUTO, NULL);
        if (!c) break;
        tsamp_mirostat_state *st = proc_state(c);
        double sum = 0.0, mu0 = 0.0;
        for (size_t t = 0; t < STEPS; t++) {
            int32_t tok;
            if (t == T0) mu0 = st->mu;
            CHECK(tsamp_chain_sample(c, x, &tok) == TSAMP_OK);
            double surprise = -tsamp_log_d(st->pending_prob) / LN2;
            if (t >= T0) sum += surprise - (double)s->tau;
            CHECK(tsamp_chain_accept(c, tok) == TSAMP_OK);
        }
        double avg = (double)s->tau + sum / (double)(STEPS - T0);
        double ident = (mu0 - st->mu) / (double)s->eta;
        check_note("%s tau %.1f eta %.1f: average surprise %.4f over %d steps, mu %.3f",
                   kind_name(s->k), (double)s->tau, (double)s->eta, avg, STEPS - T0, st->mu);
        CHECKF(fabs(sum - ident) <= 1e-9 * (fabs(sum) + fabs(ident) + 1.0),
               "%s: sum of errors %.12g, (mu0 - mu) / eta %.12g", kind_name(s->k), sum, ident);
        CHECKF(fabs(avg - (double)s->tau) < 0.05, "%s: average surprise %.4f, tau %.1f",
               kind_name(s->k), avg, (double)s->tau);
        tsamp_chain_free(c);
    }
    free(x);
}

/*
 * Adaptive-p over a long run on a fixed distribution: the state equals the moving average
 * replayed from the recorded original probabilities (exactly), and the long-run average
 * original probability of the accepted tokens rises with the target. (The adapted target
 * 2 * target - average is a proportional correction, so the average settles near, not at,
 * the target: the notes show where; plain sampling would give sum p^2.)
 */
static void test_proc_stateful_adaptive_p_long_run(void) {
    enum { N = 512, STEPS = 20000 };
    float *x = malloc(N * sizeof *x), *pr = malloc(N * sizeof *pr);
    int32_t *ids = malloc(N * sizeof *ids);
    if (!x || !pr || !ids) goto out;
    zipf_logits(x, N, 9, 1.0);
    for (size_t i = 0; i < N; i++) /* a min-p-like truncation: a moderate candidate set */
        if (x[i] < -2.5f) x[i] = NINF;
    tsamp_chain *plain = NULL;
    size_t nk = 0;
    double sum_p2 = 0.0;
    if (tsamp_chain_create(&plain, N, NULL) == TSAMP_OK &&
        tsamp_chain_distribution(plain, x, ids, pr, N, &nk) == TSAMP_OK)
        for (size_t i = 0; i < nk; i++) sum_p2 += (double)pr[i] * (double)pr[i];
    tsamp_chain_free(plain);
    const float targets[] = {0.02f, 0.1f, 0.3f, 0.6f};
    double prev = -1.0;
    for (size_t k = 0; k < COUNT(targets); k++) {
        setup s = adapt(targets[k], 0.9f);
        tsamp_chain *c = build(N, &s, 5 + k, TSAMP_ISA_AUTO, NULL);
        if (!c) break;
        tsamp_adaptive_p_state *st = proc_state(c);
        double d = (double)0.9f, ws = (double)targets[k] / (1.0 - d), tw = 1.0 / (1.0 - d);
        double sum = 0.0;
        for (size_t t = 0; t < STEPS; t++) {
            int32_t tok;
            CHECK(tsamp_chain_sample(c, x, &tok) == TSAMP_OK);
            double p = st->pending_prob;
            if (t >= STEPS / 4) sum += p;
            CHECK(tsamp_chain_accept(c, tok) == TSAMP_OK);
            ws = p + d * ws;
            tw = 1.0 + d * tw;
        }
        double avg = sum / (double)(STEPS - STEPS / 4);
        CHECKF(st->weighted_sum == ws && st->total_weight == tw,
               "target %.2f: the moving average differs from its replay", (double)targets[k]);
        check_note("adaptive_p target %.2f: average original probability %.4f over %d steps "
                   "(%zu candidates, plain sampling %.4f)",
                   (double)targets[k], avg, STEPS - STEPS / 4, nk, sum_p2);
        CHECKF(avg > prev, "target %.2f: average %.4f, not above the lower target's %.4f",
               (double)targets[k], avg, prev);
        prev = avg;
        tsamp_chain_free(c);
    }
out:
    free(x), free(pr), free(ids);
}

/* ---- no allocation per token, every instruction set ---------------------------------------- */

typedef struct {
    size_t allocs, frees;
} counting;

static void *count_alloc(void *ctx, size_t size) {
    ((counting *)ctx)->allocs++;
    return malloc(size);
}

static void count_free(void *ctx, void *ptr) {
    ((counting *)ctx)->frees++;
    free(ptr);
}

static void test_proc_stateful_no_allocation_per_token(void) {
    enum { N = 32000 };
    float *x = malloc(N * sizeof *x), *pr = malloc(N * sizeof *pr);
    int32_t *ids = malloc(N * sizeof *ids);
    setup setups[] = {miro1(5.0f, 0.1f, 100), miro2(5.0f, 0.1f), adapt(0.3f, 0.9f)};
    for (size_t k = 0; k < COUNT(setups) && x && pr && ids; k++) {
        setups[k].temp = 0.8f;
        counting cnt = {0, 0};
        tsamp_allocator al = {count_alloc, count_free, &cnt};
        tsamp_chain *c = build(N, &setups[k], 3, TSAMP_ISA_AUTO, &al);
        if (!c) break;
        size_t before = cnt.allocs;
        for (int t = 0; t < 1000; t++) {
            if (t % 100 == 0) zipf_logits(x, N, (uint64_t)t, 0.8);
            int32_t tok;
            size_t nk;
            CHECK(tsamp_chain_sample(c, x, &tok) == TSAMP_OK);
            CHECK(tsamp_chain_accept(c, t % 3 ? tok : (tok + 1) % N) == TSAMP_OK);
            if (t % 250 == 0) {
                CHECK(tsamp_chain_distribution(c, x, ids, pr, N, &nk) == TSAMP_OK);
                CHECK(tsamp_chain_reset(c) == TSAMP_OK);
                CHECK(tsamp_chain_set_position(c, (uint64_t)t) == TSAMP_OK);
            }
        }
        CHECKF(cnt.allocs == before, "%s: %zu allocations while sampling",
               kind_name(setups[k].k), cnt.allocs - before);
        tsamp_chain_free(c);
        CHECK(cnt.frees == cnt.allocs);
    }
    free(x), free(pr), free(ids);
}

/* Every available path: the same tokens, state bits and distribution bits as scalar over a
 * decoding run (the state carries any difference forward, so one run tests many steps). */
static void test_proc_stateful_isa_paths_agree(void) {
    static const tsamp_isa isas[] = {TSAMP_ISA_AVX2, TSAMP_ISA_AVX512, TSAMP_ISA_NEON};
    enum { N = 50000, STEPS = 60 };
    float *x = malloc(N * sizeof *x), *p0 = malloc(N * sizeof *p0), *p1 = malloc(N * sizeof *p1);
    int32_t *i0 = malloc(N * sizeof *i0), *i1 = malloc(N * sizeof *i1);
    setup setups[] = {miro1(5.0f, 0.1f, 100), miro2(5.0f, 0.1f), adapt(0.3f, 0.9f)};
    setups[0].temp = setups[1].temp = 0.8f;
    for (size_t k = 0; k < COUNT(isas) && x && p0 && p1 && i0 && i1; k++) {
        if (!tsamp_isa_available(isas[k])) {
            check_note("%s: not available on this machine, not compared",
                       tsamp_isa_name(isas[k]));
            continue;
        }
        size_t diffs = 0;
        for (size_t j = 0; j < COUNT(setups); j++) {
            tsamp_chain *a = build(N, &setups[j], 11, TSAMP_ISA_SCALAR, NULL);
            tsamp_chain *b = build(N, &setups[j], 11, isas[k], NULL);
            if (!a || !b) break;
            for (int t = 0; t < STEPS; t++) {
                zipf_logits(x, N, 1000 + (uint64_t)t, 0.5 + 0.02 * t);
                int32_t ta, tb;
                size_t na = 0, nb = 0;
                CHECK(tsamp_chain_distribution(a, x, i0, p0, N, &na) == TSAMP_OK);
                CHECK(tsamp_chain_distribution(b, x, i1, p1, N, &nb) == TSAMP_OK);
                diffs += na != nb || memcmp(i0, i1, na * sizeof *i0) ||
                         memcmp(p0, p1, na * sizeof *p0);
                CHECK(tsamp_chain_sample(a, x, &ta) == TSAMP_OK);
                CHECK(tsamp_chain_sample(b, x, &tb) == TSAMP_OK);
                diffs += ta != tb;
                CHECK(tsamp_chain_accept(a, ta) == TSAMP_OK && tsamp_chain_accept(b, tb) == TSAMP_OK);
            }
            if (setups[j].k == ADAPT) {
                const tsamp_adaptive_p_state *sa = proc_state(a), *sb = proc_state(b);
                diffs += sa->weighted_sum != sb->weighted_sum || sa->total_weight != sb->total_weight;
            } else {
                diffs += mu_of(a) != mu_of(b);
            }
            tsamp_chain_free(a), tsamp_chain_free(b);
        }
        CHECKF(diffs == 0, "%s: %zu differences from scalar", tsamp_isa_name(isas[k]), diffs);
        check_note("%s: %d steps of each processor bitwise equal to scalar",
                   tsamp_isa_name(isas[k]), STEPS);
    }
    free(x), free(p0), free(p1), free(i0), free(i1);
}

/*
 * The same results on every machine: a decoding run of each processor (logits from integer
 * arithmetic only, no libm) digested with FNV-1a over the tokens, the distribution bits and
 * the final state, against the digests of the x86 scalar/AVX2 runs. The aarch64 build under
 * qemu (make test-aarch64) checks its NEON and scalar paths against the same numbers.
 */
static uint64_t fnv(uint64_t h, const void *p, size_t n) {
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

static void int_logits(float *x, size_t n, uint64_t seed) {
    tu_rng r = {seed};
    for (size_t i = 0; i < n; i++) {
        uint64_t a = tu_next(&r), b = tu_next(&r);
        /* a sum of two uniforms on a grid of 1/64, skewed so that a few tokens lead */
        x[i] = (float)((int64_t)(a % 512) + (int64_t)(b % 512) - 512) / 64.0f;
        if (a % 97 == 0) x[i] += 6.0f;
        if (b % 211 == 0) x[i] = NINF;
    }
}

static void test_proc_stateful_digest(void) {
    enum { N = 5000, STEPS = 150 };
    /* Measured on x86-64 (scalar and AVX2, gcc 12 and clang 14). */
    static const uint64_t want[3] = {0x7071875a7f2c613aull, 0x23606cf582c8452full,
                                     0x155c5ceff7ef46a7ull};
    float *x = malloc(N * sizeof *x), *pr = malloc(N * sizeof *pr);
    int32_t *ids = malloc(N * sizeof *ids);
    setup setups[] = {miro1(4.0f, 0.15f, 100), miro2(4.0f, 0.15f), adapt(0.2f, 0.9f)};
    setups[0].temp = setups[1].temp = 0.9f;
    static const tsamp_isa isas[] = {TSAMP_ISA_SCALAR, TSAMP_ISA_AVX2, TSAMP_ISA_AVX512,
                                     TSAMP_ISA_NEON};
    for (size_t k = 0; k < COUNT(setups) && x && pr && ids; k++) {
        for (size_t p = 0; p < COUNT(isas); p++) {
            if (!tsamp_isa_available(isas[p])) continue;
            tsamp_chain *c = build(N, &setups[k], 2024, isas[p], NULL);
            if (!c) break;
            uint64_t h = 0xcbf29ce484222325ull;
            for (int t = 0; t < STEPS; t++) {
                int_logits(x, N, 500 + (uint64_t)t % 7);
                int32_t tok;
                size_t nk = 0;
                if (t % 10 == 0) {
                    CHECK(tsamp_chain_distribution(c, x, ids, pr, N, &nk) == TSAMP_OK);
                    h = fnv(h, ids, nk * sizeof *ids);
                    h = fnv(h, pr, nk * sizeof *pr);
                }
                CHECK(tsamp_chain_sample(c, x, &tok) == TSAMP_OK);
                CHECK(tsamp_chain_accept(c, tok) == TSAMP_OK);
                h = fnv(h, &tok, sizeof tok);
            }
            if (setups[k].k == ADAPT) {
                const tsamp_adaptive_p_state *st = proc_state(c);
                h = fnv(h, &st->weighted_sum, sizeof st->weighted_sum);
                h = fnv(h, &st->total_weight, sizeof st->total_weight);
            } else {
                double mu = mu_of(c);
                h = fnv(h, &mu, sizeof mu);
            }
            check_note("%s on %s: digest 0x%016llx", kind_name(setups[k].k),
                       tsamp_isa_name(isas[p]), (unsigned long long)h);
            CHECKF(h == want[k], "%s on %s: digest 0x%016llx, expected 0x%016llx",
                   kind_name(setups[k].k), tsamp_isa_name(isas[p]), (unsigned long long)h,
                   (unsigned long long)want[k]);
            tsamp_chain_free(c);
        }
    }
    free(x), free(pr), free(ids);
}

void suite_proc_stateful(void) {
    RUN(test_proc_stateful_params);
    RUN(test_proc_stateful_hand_mirostat_v2);
    RUN(test_proc_stateful_hand_mirostat_v1);
    RUN(test_proc_stateful_hand_adaptive_p);
    RUN(test_proc_stateful_random_mirostat);
    RUN(test_proc_stateful_random_mirostat_v2);
    RUN(test_proc_stateful_random_adaptive_p);
    RUN(test_proc_stateful_random_large);
    RUN(test_proc_stateful_stats);
    RUN(test_proc_stateful_mirostat_accept);
    RUN(test_proc_stateful_adaptive_p_accept);
    RUN(test_proc_stateful_reset_clone_resume);
    RUN(test_proc_stateful_mu_converges);
    RUN(test_proc_stateful_adaptive_p_long_run);
    RUN(test_proc_stateful_no_allocation_per_token);
    RUN(test_proc_stateful_isa_paths_agree);
    RUN(test_proc_stateful_digest);
}
