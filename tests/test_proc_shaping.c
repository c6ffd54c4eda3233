/*
 * The shaping processors (typical, top-n-sigma, XTC, temp_ext, epsilon, eta): hand-computed
 * cases, random cases against a long-double reference written here (plain sorts and softmax),
 * XTC's random exclusion by chi-square, every ISA path against scalar, no allocation per
 * token, and state (clone, reset, set_position, history independence).
 *
 * The reference reports, for every decision, whether float rounding in the library could
 * legitimately decide it the other way (a boundary quantity within its error bound, derived
 * below): such cases are counted as ambiguous and only checked for structure; every other
 * case must keep exactly the reference's set, with probabilities within the error bound.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "testutil.h"
#include "tsamp.h"

#define NINF (-(float)INFINITY)
#define U 5.9604644775390625e-8 /* float unit roundoff, 2^-24 */
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- processors as data ----------------------------------------------------------------- */

typedef enum { P_TEMP, P_TOP_K, P_TYPICAL, P_SIGMA, P_XTC, P_TEMP_EXT, P_EPSILON, P_ETA } kind;

typedef struct {
    kind k;
    float a, b, c;   /* temp t; top_k k; typical p; sigma n; xtc prob, thr; temp_ext t, delta,
                        exponent; epsilon/eta eps */
    size_t min_keep; /* typical, xtc, epsilon, eta */
} proc;

static const char *kind_name(kind k) {
    static const char *names[] = {"temp", "top_k", "typical", "top_n_sigma",
                                  "xtc",  "temp_ext", "epsilon", "eta"};
    return names[k];
}

static tsamp_status add(tsamp_chain *c, const proc *p) {
    switch (p->k) {
    case P_TEMP: return tsamp_chain_add_temperature(c, p->a);
    case P_TOP_K: return tsamp_chain_add_top_k(c, (int32_t)p->a);
    case P_TYPICAL: return tsamp_chain_add_typical(c, p->a, p->min_keep);
    case P_SIGMA: return tsamp_chain_add_top_n_sigma(c, p->a);
    case P_XTC: return tsamp_chain_add_xtc(c, p->a, p->b, p->min_keep);
    case P_TEMP_EXT: return tsamp_chain_add_temp_ext(c, p->a, p->b, p->c);
    case P_EPSILON: return tsamp_chain_add_epsilon(c, p->a, p->min_keep);
    case P_ETA: return tsamp_chain_add_eta(c, p->a, p->min_keep);
    }
    return TSAMP_ERR_INVALID_PARAM;
}

static void describe(const proc *p, size_t np, char *buf, size_t cap) {
    size_t len = 0;
    buf[0] = 0;
    for (size_t i = 0; i < np && len < cap; i++) {
        int w = snprintf(buf + len, cap - len, "%s(%.9g,%.9g,%.9g,mk=%zu) ", kind_name(p[i].k),
                         (double)p[i].a, (double)p[i].b, (double)p[i].c, p[i].min_keep);
        if (w < 0) break;
        len += (size_t)w;
    }
}

static tsamp_chain *chain_of(size_t n, const proc *p, size_t np, uint64_t seed, tsamp_isa isa) {
    tsamp_chain_params params = tsamp_chain_default_params();
    params.seed = seed;
    params.isa = isa;
    tsamp_chain *c = NULL;
    tsamp_status st = tsamp_chain_create(&c, n, &params);
    CHECKF(st == TSAMP_OK, "create(%zu): %s", n, tsamp_status_str(st));
    if (st != TSAMP_OK) return NULL;
    for (size_t i = 0; i < np; i++) {
        st = add(c, &p[i]);
        CHECKF(st == TSAMP_OK, "add %s: %s", kind_name(p[i].k), tsamp_status_str(st));
    }
    return c;
}

/* The uniform an XTC draws at `pos`: number 1 of the position's stream (0 is the final draw's),
 * the k-th XTC of a chain taking number 1 + k. */
static double xtc_uniform(uint64_t seed, uint64_t pos, size_t k) {
    tsamp_rng r = tsamp_rng_at(seed, 0, pos);
    double u = tsamp_rng_uniform(&r);
    for (size_t i = 0; i <= k; i++) u = tsamp_rng_uniform(&r);
    return u;
}

/* ---- the reference ---------------------------------------------------------------------- */

/*
 * Error model (what the library computes in float, and so what "close to a boundary" means).
 * A scaled logit a = fl(fl(x - max) * s), s the float product of the 1/t: relative error
 * <= (2 + 2T) u with T the temperatures applied (temp_ext counts as one). Weights exp(a) within
 * 2 ulp; S and E are canonical float sums (<= 19 additions per value) of such terms, so log S
 * is within ~40u absolute and abar = E / S within ~64u (1 + T) |abar|.
 *  - typical: the mass test acc > p * S, acc a double sum of float weights: margin 1e-5 * p
 *    (as top-p's). The keys |a - abar| are floats: two keys straddling the cut within
 *    2 |abar error| + 8u (1 + T) (|a| + key) of each other may be ordered either way.
 *  - epsilon, eta, xtc: a_i >= L in double, L from log S (and abar for eta): margin
 *    8u (1 + T) |a_i| + 64u (1 + |L| + |abar| (1 + T)).
 *  - top-n-sigma: all in double from float logits: margin 1e-10 (n sigma + |max|).
 *  - temp_ext: T from double moments, the library's log and a float exp: relative error of T
 *    below 1e-5 (the probability bound then grows by that times |a| / T).
 */
typedef struct {
    int32_t id;
    long double x;
} cand;

typedef struct {
    cand *c;
    size_t len;
    long double temp, scale;
    int greedy;
    size_t n_temps;
    int ambiguous;
    long double t_ext_rel; /* relative error allowed on the scale (temp_ext) */
    char why[160];         /* the first ambiguity, for messages */
} rstate;

static int by_value(const void *pa, const void *pb) {
    const cand *a = pa, *b = pb;
    if (a->x != b->x) return a->x > b->x ? -1 : 1;
    return (a->id > b->id) - (a->id < b->id);
}

static void mark(rstate *s, const char *fmt, double v) {
    if (!s->ambiguous) snprintf(s->why, sizeof s->why, fmt, v);
    s->ambiguous = 1;
}

/* Sorted by value; a[i] = scaled logits, w[i] = weights; returns S. */
static long double weights(rstate *s, long double *a, long double *w) {
    qsort(s->c, s->len, sizeof *s->c, by_value);
    long double S = 0.0L;
    for (size_t i = 0; i < s->len; i++) {
        a[i] = (s->c[i].x - s->c[0].x) * s->scale;
        w[i] = expl(a[i]);
        S += w[i];
    }
    return S;
}

static void keep_first(rstate *s, size_t k) {
    if (k < s->len) s->len = k;
}

static void r_temperature(rstate *s, long double t) {
    if (t == 0.0L) {
        qsort(s->c, s->len, sizeof *s->c, by_value);
        s->greedy = 1;
        keep_first(s, 1);
    } else if (t != 1.0L) {
        s->temp *= t;
        s->scale = fminl(1.0L / s->temp, (long double)FLT_MAX);
        s->n_temps++;
    }
}

typedef struct {
    long double d, x, a, w;
    int32_t id;
} tkey;

static int by_typicality(const void *pa, const void *pb) {
    const tkey *a = pa, *b = pb;
    if (a->d != b->d) return a->d < b->d ? -1 : 1;
    if (a->x != b->x) return a->x > b->x ? -1 : 1;
    return (a->id > b->id) - (a->id < b->id);
}

/* Prefix of the typicality order crossing p (strictly), at least need long. */
static size_t typical_count(const tkey *t, size_t len, long double S, long double p, size_t need) {
    long double cum = 0.0L;
    for (size_t j = 0; j < len; j++) {
        cum += t[j].w / S;
        if (cum > p && j + 1 >= need) return j + 1;
    }
    return len;
}

static void r_typical(rstate *s, float pf, size_t min_keep, long double *a, long double *w) {
    if (!(pf < 1.0f)) return;
    size_t need = min_keep > 1 ? min_keep : 1, len = s->len;
    if (len <= need) return;
    long double S = weights(s, a, w), E = 0.0L;
    for (size_t i = 0; i < len; i++) E += w[i] * a[i];
    long double abar = E / S;
    tkey *t = malloc(len * sizeof *t);
    if (!t) return;
    for (size_t i = 0; i < len; i++)
        t[i] = (tkey){fabsl(a[i] - abar), s->c[i].x, a[i], w[i], s->c[i].id};
    qsort(t, len, sizeof *t, by_typicality);
    long double p = pf, mu = 1e-5L * fabsl(p);
    size_t k = typical_count(t, len, S, p, need);
    if (pf > 0.0f && typical_count(t, len, S, p - mu, need) != typical_count(t, len, S, p + mu, need))
        mark(s, "typical: a prefix mass within 1e-5 of p = %g", (double)pf);
    /* A kept i and a dropped j may trade places when their keys are within the error, unless
     * their values are equal (equal keys in the library too, then ordered by id as here). */
    long double abar_err = 64.0L * U * (1.0L + (long double)s->n_temps) * fabsl(abar);
    long double per = 8.0L * U * (1.0L + (long double)s->n_temps);
    for (size_t i = k; i-- > 0 && k < len;) {
        long double tol_i = 2.0L * abar_err + per * (fabsl(t[i].a) + t[i].d) + 0x1p-140L;
        if (t[k].d - t[i].d > 2.0L * tol_i + per * (fabsl(t[k].a) + t[k].d)) break;
        for (size_t j = k; j < len; j++) {
            long double tol = tol_i + per * (fabsl(t[j].a) + t[j].d);
            if (t[j].d - t[i].d > tol) break;
            if (t[j].x != t[i].x) {
                mark(s, "typical: keys %.3g apart across the cut", (double)(t[j].d - t[i].d));
                i = 0;
                break;
            }
        }
    }
    for (size_t i = 0; i < k; i++) s->c[i] = (cand){t[i].id, t[i].x};
    s->len = k;
    free(t);
}

static void r_sigma(rstate *s, float nf) {
    if (!(nf > 0.0f) || s->len <= 1) return;
    qsort(s->c, s->len, sizeof *s->c, by_value);
    long double mean = 0.0L, var = 0.0L, m = s->c[0].x;
    for (size_t i = 0; i < s->len; i++) mean += s->c[i].x;
    mean /= (long double)s->len;
    for (size_t i = 0; i < s->len; i++) var += (s->c[i].x - mean) * (s->c[i].x - mean);
    long double sigma = sqrtl(var / (long double)s->len);
    long double cut = sigma > 0.0L ? m - (long double)nf * sigma : m;
    long double mu = 1e-10L * (fabsl((long double)nf * sigma) + fabsl(m)) + 0x1p-1000L;
    if (isinf(nf) || sigma == 0.0L) mu = 0.0L; /* decided exactly */
    size_t k = 0, lo = 0, hi = 0;
    for (size_t i = 0; i < s->len; i++) {
        k += s->c[i].x >= cut;
        lo += s->c[i].x >= cut + mu;
        hi += s->c[i].x >= cut - mu;
    }
    if (lo != hi) mark(s, "top_n_sigma: a logit within %g of the threshold", (double)mu);
    s->len = k;
}

/* How many of the sorted candidates stay with the cutoff "a >= L or x >= the k-th largest". */
static size_t kept_with_min(const rstate *s, const long double *a, long double L, size_t min_keep,
                            long double mu, size_t *lo, size_t *hi) {
    size_t k = min_keep > 1 ? min_keep : 1;
    if (k > s->len) k = s->len;
    size_t ck = k;
    while (ck < s->len && s->c[ck].x == s->c[k - 1].x) ck++; /* ties with the k-th */
    size_t c = 0, c_lo = 0, c_hi = 0;
    for (size_t i = 0; i < s->len; i++) {
        c += a[i] >= L;
        c_lo += a[i] >= L + mu;
        c_hi += a[i] >= L - mu;
    }
    *lo = c_lo > ck ? c_lo : ck;
    *hi = c_hi > ck ? c_hi : ck;
    return c > ck ? c : ck;
}

static long double threshold_margin(const rstate *s, long double a, long double L, long double abar) {
    long double T = 1.0L + (long double)s->n_temps;
    return 8.0L * U * T * fabsl(a) + 64.0L * U * (1.0L + fabsl(L) + fabsl(abar) * T) + 0x1p-140L;
}

/* Epsilon (eta = 0) or eta (eta = 1). */
static void r_epsilon(rstate *s, float eps, size_t min_keep, int eta, long double *a,
                      long double *w) {
    if (!(eps > 0.0f)) return;
    long double S = weights(s, a, w), E = 0.0L;
    for (size_t i = 0; i < s->len; i++) E += w[i] * a[i];
    long double abar = E / S, le = logl((long double)eps);
    long double L = le + logl(S);
    if (eta && 0.5L * le + abar < L) L = 0.5L * le + abar;
    long double mu = 0.0L;
    for (size_t i = 0; i < s->len; i++) {
        long double m = threshold_margin(s, a[i], L, eta ? abar : 0.0L);
        mu = m > mu ? m : mu;
    }
    size_t lo, hi, k = kept_with_min(s, a, L, min_keep, mu, &lo, &hi);
    if (lo != hi) mark(s, "epsilon/eta: a scaled logit within %g of the cutoff", (double)mu);
    s->len = k;
}

static void r_xtc(rstate *s, float prob, float thr, size_t min_keep, double u, long double *a,
                  long double *w) {
    if (!(prob > 0.0f) || thr > 0.5f) return;
    if (!(u <= (double)prob)) return;
    long double S = weights(s, a, w);
    size_t q = s->len, q_lo = s->len, q_hi = s->len;
    if (thr > 0.0f) {
        long double L = logl((long double)thr) + logl(S), mu = 0.0L;
        q = q_lo = q_hi = 0;
        for (size_t i = 0; i < s->len; i++) {
            long double m = threshold_margin(s, a[i], L, 0.0L);
            q += a[i] >= L;
            q_lo += a[i] >= L + m;
            q_hi += a[i] >= L - m;
            mu = m > mu ? m : mu;
        }
        if (q_lo != q_hi && q_hi >= 2) mark(s, "xtc: a probability within %g of the threshold", (double)mu);
    }
    if (q < 2 || s->len - (q - 1) < min_keep) return;
    /* remove the first q - 1 (the qualifying ones but the last in order) */
    memmove(s->c, s->c + (q - 1), (s->len - (q - 1)) * sizeof *s->c);
    s->len -= q - 1;
}

static void r_temp_ext(rstate *s, float t, float delta, float e, long double *a, long double *w) {
    if (!(delta > 0.0f)) {
        r_temperature(s, t);
        return;
    }
    if (s->len <= 1) return;
    long double S = weights(s, a, w), E = 0.0L;
    for (size_t i = 0; i < s->len; i++) E += w[i] * a[i];
    long double H = logl(S) - E / S, h = H / logl((long double)s->len);
    /* The library's H is exactly 0 when every other weight underflows in float (a below
     * ~-103.97, and a single max): then T = t_min. Near that edge: ambiguous. */
    size_t above = 0, edge = 0;
    for (size_t i = 1; i < s->len; i++) {
        above += a[i] > -103.3L;
        edge += a[i] > -104.5L && a[i] <= -103.3L;
    }
    if (above == 0 && edge == 0) h = 0.0L;
    if (above == 0 && edge > 0) mark(s, "temp_ext: weights at the underflow edge (%g)", 0.0);
    h = h < 0.0L ? 0.0L : h > 1.0L ? 1.0L : h;
    long double t_min = fmaxl(0.0L, (long double)t - (long double)delta);
    long double t_max = (long double)t + (long double)delta;
    long double pw = e == 0.0f ? 1.0L : h == 0.0L ? 0.0L : powl(h, (long double)e);
    long double T = t_min + (t_max - t_min) * pw;
    s->t_ext_rel += 1e-5L;
    r_temperature(s, (long double)(float)T);
}

/* Runs the chain; xtc_u[k] is the uniform of the k-th XTC. Returns 0, or -1 (all masked). */
static int ref_run(const float *x, size_t n, const proc *p, size_t np, const double *xtc_u,
                   rstate *s) {
    memset(s, 0, sizeof *s);
    s->c = malloc(n * sizeof *s->c);
    long double *a = malloc(n * sizeof *a), *w = malloc(n * sizeof *w);
    if (!s->c || !a || !w) {
        free(s->c), free(a), free(w);
        s->c = NULL;
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        if (x[i] != NINF) s->c[s->len++] = (cand){(int32_t)i, (long double)x[i]};
    s->temp = 1.0L;
    s->scale = 1.0L;
    size_t nx = 0;
    for (size_t i = 0; i < np && s->len > 0; i++) {
        const proc *q = &p[i];
        switch (q->k) {
        case P_TEMP: r_temperature(s, q->a); break;
        case P_TOP_K:
            qsort(s->c, s->len, sizeof *s->c, by_value);
            if (q->a > 0.0f) keep_first(s, (size_t)q->a);
            break;
        case P_TYPICAL: r_typical(s, q->a, q->min_keep, a, w); break;
        case P_SIGMA: r_sigma(s, q->a); break;
        case P_XTC: r_xtc(s, q->a, q->b, q->min_keep, xtc_u[nx++], a, w); break;
        case P_TEMP_EXT: r_temp_ext(s, q->a, q->b, q->c, a, w); break;
        case P_EPSILON: r_epsilon(s, q->a, q->min_keep, 0, a, w); break;
        case P_ETA: r_epsilon(s, q->a, q->min_keep, 1, a, w); break;
        }
    }
    free(a), free(w);
    return s->len > 0 ? 0 : -1;
}

/* The final distribution of the reference, ids increasing: probabilities and scaled logits. */
typedef struct {
    int32_t id;
    long double x, p, a;
} fin;

static int fin_by_id(const void *pa, const void *pb) {
    const fin *a = pa, *b = pb;
    return (a->id > b->id) - (a->id < b->id);
}

static void ref_final(rstate *s, long double *prob, long double *scaled) {
    qsort(s->c, s->len, sizeof *s->c, by_value);
    fin *f = malloc((s->len ? s->len : 1) * sizeof *f);
    if (!f) return;
    long double m = s->c[0].x, S = 0.0L;
    for (size_t i = 0; i < s->len; i++) {
        long double a = s->greedy ? 0.0L : (s->c[i].x - m) * s->scale;
        f[i] = (fin){s->c[i].id, s->c[i].x, expl(a), a};
        S += f[i].p;
    }
    qsort(f, s->len, sizeof *f, fin_by_id);
    for (size_t i = 0; i < s->len; i++) {
        s->c[i] = (cand){f[i].id, f[i].x};
        prob[i] = f[i].p / S;
        scaled[i] = f[i].a;
    }
    free(f);
}

/* ---- comparing a case ------------------------------------------------------------------- */

typedef struct {
    size_t cases, unambiguous, ambiguous;
    double max_ratio; /* |dp| / bound */
} tally;

/* The test_chain_exact error bound, plus the scale's relative error times |a| for temp_ext. */
static double prob_bound(long double p, long double a, long double abar, const rstate *s) {
    double per_a = (2.0 + 2.0 * (double)s->n_temps) * U;
    double rel = per_a * (double)(fabsl(a) + abar) + 29.0 * U;
    rel += (double)(s->t_ext_rel * (fabsl(a) + abar));
    return (double)p * rel + 1e-44;
}

static void dump(const char *label, const float *x, size_t n, const proc *p, size_t np,
                 const rstate *s) {
    char d[320];
    describe(p, np, d, sizeof d);
    printf("    case %s: n=%zu chain: %s%s%s\n", label, n, d, s->ambiguous ? " AMBIGUOUS: " : "",
           s->ambiguous ? s->why : "");
    if (n <= 24) {
        printf("    logits:");
        for (size_t i = 0; i < n; i++) printf(" %a", (double)x[i]);
        printf("\n");
    }
}

/* Runs one case through the reference and the library (distribution and a sample at pos). */
static int check_case(const char *label, const float *x, size_t n, const proc *p, size_t np,
                      uint64_t seed, uint64_t pos, tally *t) {
    double us[4] = {0};
    size_t nx = 0;
    for (size_t i = 0; i < np; i++)
        if (p[i].k == P_XTC && nx < 4) us[nx] = xtc_uniform(seed, pos, nx), nx++;
    rstate s;
    if (ref_run(x, n, p, np, us, &s) != 0) {
        free(s.c);
        CHECKF(0, "%s: reference failed", label);
        return 0;
    }
    int32_t *ids = malloc(n * sizeof *ids);
    float *probs = malloc(n * sizeof *probs);
    long double *rp = malloc(n * sizeof *rp), *ra = malloc(n * sizeof *ra);
    tsamp_chain *c = ids && probs && rp && ra ? chain_of(n, p, np, seed, TSAMP_ISA_AUTO) : NULL;
    int ok = c != NULL;
    size_t nk = 0;
    if (ok) {
        tsamp_chain_set_position(c, pos);
        tsamp_status st = tsamp_chain_distribution(c, x, ids, probs, n, &nk);
        CHECKF(st == TSAMP_OK, "%s: distribution: %s", label, tsamp_status_str(st));
        ok = st == TSAMP_OK && nk >= 1;
        for (size_t i = 0; ok && i < nk; i++)
            ok = ids[i] >= 0 && (size_t)ids[i] < n && x[ids[i]] != NINF && (i == 0 || ids[i] > ids[i - 1]);
        CHECKF(ok || st != TSAMP_OK, "%s: malformed distribution", label);
    }
    ref_final(&s, rp, ra);
    if (ok && !s.ambiguous) {
        int same = nk == s.len;
        for (size_t i = 0; same && i < nk; i++) same = ids[i] == s.c[i].id;
        if (!same) {
            CHECKF(0, "%s: kept %zu tokens, reference %zu", label, nk, s.len);
            ok = 0;
        } else {
            long double abar = 0.0L;
            for (size_t i = 0; i < nk; i++) abar += rp[i] * fabsl(ra[i]);
            for (size_t i = 0; i < nk; i++) {
                double err = fabs((double)((long double)probs[i] - rp[i]));
                double bound = prob_bound(rp[i], ra[i], abar, &s);
                t->max_ratio = fmax(t->max_ratio, err / bound);
                if (err > bound && ok) {
                    CHECKF(0, "%s: id %d p %.9g, reference %.12Lg (error %.3g > %.3g)", label,
                           (int)ids[i], (double)probs[i], rp[i], err, bound);
                    ok = 0;
                }
            }
        }
    }
    if (ok) { /* a sample at the same position is a kept token */
        int32_t tok = -1;
        tsamp_chain_set_position(c, pos);
        tsamp_status st = tsamp_chain_sample(c, x, &tok);
        size_t lo = 0, hi = nk;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (ids[mid] < tok) lo = mid + 1;
            else hi = mid;
        }
        ok = st == TSAMP_OK && lo < nk && ids[lo] == tok && probs[lo] > 0.0f;
        CHECKF(ok, "%s: sampled %d (%s), not a kept token", label, (int)tok, tsamp_status_str(st));
    }
    t->cases++;
    if (s.ambiguous) t->ambiguous++;
    else t->unambiguous++;
    if (!ok || (s.ambiguous && getenv("TSAMP_TEST_VERBOSE"))) dump(label, x, n, p, np, &s);
    tsamp_chain_free(c);
    free(ids), free(probs), free(rp), free(ra), free(s.c);
    return ok;
}

/* ---- hand-made cases -------------------------------------------------------------------- */

#define PROC(k_, a_, b_, c_, mk_) ((proc){k_, a_, b_, c_, mk_})
#define TEMP(t) PROC(P_TEMP, t, 0, 0, 0)
#define TOPK(k) PROC(P_TOP_K, (float)(k), 0, 0, 0)
#define TYPICAL(p, mk) PROC(P_TYPICAL, p, 0, 0, mk)
#define SIGMA(n) PROC(P_SIGMA, n, 0, 0, 0)
#define XTC(pr, th, mk) PROC(P_XTC, pr, th, 0, mk)
#define TEMP_EXT(t, d, e) PROC(P_TEMP_EXT, t, d, e, 0)
#define EPSILON(e, mk) PROC(P_EPSILON, e, 0, 0, mk)
#define ETA(e, mk) PROC(P_ETA, e, 0, 0, mk)

/*
 * The library keeps exactly want_ids (increasing) with probabilities want_p (from the hand,
 * in double: compared to 1e-6 + 1e-5 relative); then the reference's full comparison.
 */
static void expect(const char *what, const float *x, size_t n, const proc *p, size_t np,
                   const int32_t *want_ids, const double *want_p, size_t want_n) {
    int32_t ids[64];
    float probs[64];
    size_t nk = 0;
    tsamp_chain *c = chain_of(n, p, np, 7, TSAMP_ISA_AUTO);
    if (!c) return;
    tsamp_status st = tsamp_chain_distribution(c, x, ids, probs, 64, &nk);
    CHECKF(st == TSAMP_OK, "%s: %s", what, tsamp_status_str(st));
    if (st == TSAMP_OK) {
        CHECKF(nk == want_n, "%s: kept %zu, expected %zu", what, nk, want_n);
        for (size_t i = 0; i < nk && i < want_n; i++) {
            CHECKF(ids[i] == want_ids[i], "%s: kept[%zu] = %d, expected %d", what, i,
                   (int)ids[i], (int)want_ids[i]);
            CHECKF(fabs((double)probs[i] - want_p[i]) <= 1e-6 + 1e-5 * want_p[i],
                   "%s: p[%d] = %.9g, expected %.9g", what, (int)ids[i], (double)probs[i],
                   want_p[i]);
        }
    }
    tsamp_chain_free(c);
    tally t = {0};
    check_case(what, x, n, p, np, 7, 0, &t);
}

/* Expected: the ids kept, with probabilities proportional to exp(l_i) (l in double). */
static void expect_l(const char *what, const float *x, size_t n, const proc *p, size_t np,
                     const int32_t *ids, const double *l, size_t k) {
    double pr[64], m = -HUGE_VAL, s = 0.0;
    for (size_t i = 0; i < k; i++) m = fmax(m, l[i]);
    for (size_t i = 0; i < k; i++) s += pr[i] = exp(l[i] - m);
    for (size_t i = 0; i < k; i++) pr[i] /= s;
    expect(what, x, n, p, np, ids, pr, k);
}

static void expect_all(const char *what, const float *x, size_t n, const proc *p, size_t np) {
    int32_t ids[64];
    double l[64];
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (x[i] != NINF) ids[k] = (int32_t)i, l[k++] = x[i];
    expect_l(what, x, n, p, np, ids, l, k);
}

static void expect_uniform(const char *what, const float *x, size_t n, const proc *p, size_t np,
                           const int32_t *ids, size_t k) {
    double pr[64];
    for (size_t i = 0; i < k; i++) pr[i] = 1.0 / (double)k;
    expect(what, x, n, p, np, ids, pr, k);
}

static void test_proc_shaping_statuses(void) {
    tsamp_chain *c = chain_of(16, NULL, 0, 1, TSAMP_ISA_AUTO);
    if (!c) return;
    CHECK(tsamp_chain_add_typical(NULL, 0.5f, 1) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_add_top_n_sigma(NULL, 1.0f) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_add_xtc(NULL, 0.5f, 0.1f, 1) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_add_temp_ext(NULL, 1.0f, 0.5f, 1.0f) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_add_epsilon(NULL, 0.1f, 1) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_add_eta(NULL, 0.1f, 1) == TSAMP_ERR_NULL);
    const float nan = NAN, inf = INFINITY;
    CHECK(tsamp_chain_add_typical(c, nan, 1) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_top_n_sigma(c, nan) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_xtc(c, nan, 0.1f, 1) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_xtc(c, 0.5f, nan, 1) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_temp_ext(c, -0.5f, 0.5f, 1.0f) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_temp_ext(c, nan, 0.5f, 1.0f) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_temp_ext(c, inf, 0.5f, 1.0f) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_temp_ext(c, 1.0f, nan, 1.0f) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_temp_ext(c, 1.0f, inf, 1.0f) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_temp_ext(c, 1.0f, -inf, 1.0f) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_temp_ext(c, 1.0f, 0.5f, -1.0f) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_temp_ext(c, 1.0f, 0.5f, nan) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_temp_ext(c, 1.0f, 0.5f, inf) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_epsilon(c, nan, 1) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_epsilon(c, 1.0f, 1) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_epsilon(c, inf, 1) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_eta(c, nan, 1) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_eta(c, 1.5f, 1) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_n_processors(c) == 0); /* nothing was added by a failed call */
    /* the whole domain otherwise, edges included */
    CHECK(tsamp_chain_add_typical(c, -inf, 0) == TSAMP_OK);
    CHECK(tsamp_chain_add_typical(c, inf, SIZE_MAX) == TSAMP_OK);
    CHECK(tsamp_chain_add_top_n_sigma(c, -inf) == TSAMP_OK);
    CHECK(tsamp_chain_add_top_n_sigma(c, inf) == TSAMP_OK);
    CHECK(tsamp_chain_add_xtc(c, inf, -inf, SIZE_MAX) == TSAMP_OK);
    CHECK(tsamp_chain_add_xtc(c, -inf, inf, 0) == TSAMP_OK);
    CHECK(tsamp_chain_add_temp_ext(c, 0.0f, -FLT_MAX, 0.0f) == TSAMP_OK);
    CHECK(tsamp_chain_add_temp_ext(c, FLT_MAX, FLT_MAX, FLT_MAX) == TSAMP_OK);
    CHECK(tsamp_chain_add_epsilon(c, -inf, 0) == TSAMP_OK);
    CHECK(tsamp_chain_add_epsilon(c, nextafterf(1.0f, 0.0f), SIZE_MAX) == TSAMP_OK);
    CHECK(tsamp_chain_add_eta(c, 0.0f, 0) == TSAMP_OK);
    CHECK(tsamp_chain_add_eta(c, FLT_TRUE_MIN, 3) == TSAMP_OK);
    CHECK(tsamp_chain_n_processors(c) == 12);
    /* all of them at once on ordinary, extreme and masked logits: valid results */
    float x[16];
    for (int round = 0; round < 4; round++) {
        for (int i = 0; i < 16; i++)
            x[i] = round == 0 ? (float)i : round == 1 ? (i % 2 ? 1e30f : -1e30f)
                 : round == 2 ? (i < 15 ? NINF : 2.0f) : (float)(i % 3) * 1e-40f;
        int32_t ids[16], tok = -1;
        float pr[16];
        size_t nk = 0;
        CHECK(tsamp_chain_distribution(c, x, ids, pr, 16, &nk) == TSAMP_OK && nk >= 1);
        CHECK(tsamp_chain_sample(c, x, &tok) == TSAMP_OK && tok >= 0 && tok < 16 && x[tok] != NINF);
    }
    tsamp_chain_free(c);
    /* a vocabulary of one token, through every processor at active settings */
    const proc all[] = {TYPICAL(0.5f, 1), SIGMA(1.0f), XTC(1.0f, 0.0f, 0), TEMP_EXT(0.5f, 0.5f, 1.0f),
                        EPSILON(0.5f, 2), ETA(0.5f, 2)};
    const float one[] = {-3.0f};
    for (size_t i = 0; i < COUNT(all); i++) expect_uniform("vocabulary of 1", one, 1, &all[i], 1, (int32_t[]){0}, 1);
    expect_uniform("vocabulary of 1, all six", one, 1, all, COUNT(all), (int32_t[]){0}, 1);
}

/* ---- typical ---- */

static void test_proc_shaping_typical_hand(void) {
    const float four[] = {0, 0, 0, 0};
    proc p[2];
    /* Equal logits: H = log 4, every key 0, so the order is by id; masses 1/4 .. 1 exactly. */
    p[0] = TYPICAL(0.5f, 1);
    expect_uniform("typical 0.5 on 4 equal: > 0.5 needs 3 (Hugging Face keeps 2)", four, 4, p, 1,
                   (int32_t[]){0, 1, 2}, 3);
    p[0] = TYPICAL(0.49f, 1);
    expect_uniform("typical 0.49 on 4 equal", four, 4, p, 1, (int32_t[]){0, 1}, 2);
    p[0] = TYPICAL(0.25f, 1);
    expect_uniform("typical 0.25 on 4 equal", four, 4, p, 1, (int32_t[]){0, 1}, 2);
    p[0] = TYPICAL(0.0f, 1);
    expect_uniform("typical 0", four, 4, p, 1, (int32_t[]){0}, 1);
    p[0] = TYPICAL(-1.0f, 0);
    expect_uniform("typical -1 min_keep 0", four, 4, p, 1, (int32_t[]){0}, 1);
    p[0] = TYPICAL(0.1f, 3);
    expect_uniform("typical min_keep 3", four, 4, p, 1, (int32_t[]){0, 1, 2}, 3);
    p[0] = TYPICAL(0.9f, 0); /* min_keep 0 acts as 1 (llama.cpp would keep all 4) */
    expect_uniform("typical 0.9 min_keep 0", four, 4, p, 1, (int32_t[]){0, 1, 2, 3}, 4);
    p[0] = TYPICAL(0.7f, 0);
    expect_uniform("typical 0.7 min_keep 0", four, 4, p, 1, (int32_t[]){0, 1, 2}, 3);
    /* One token at 2 and twenty at 0: p_top = e^2 / (e^2 + 20) = 0.27, abar = -2 * 20 / S =
     * -1.46: the top token is 1.46 from abar, the others 0.54: they are the typical ones, and
     * 14 of them (mass 14 / S = 0.511) cross 0.5: the most likely token is dropped. */
    float y[21];
    y[0] = 2.0f;
    for (int i = 1; i < 21; i++) y[i] = 0.0f;
    int32_t ids14[14];
    for (int i = 0; i < 14; i++) ids14[i] = i + 1;
    p[0] = TYPICAL(0.5f, 1);
    expect_uniform("typical drops the most likely", y, 21, p, 1, ids14, 14);
    /* p = 0.9: 20 zeros hold 0.73, so all of them and then the top one: everything. */
    p[0] = TYPICAL(0.9f, 1);
    expect_all("typical 0.9 keeps all 21", y, 21, p, 1);
    /* No-ops and edges. */
    const float z[] = {3, 1, NINF, 0, -2, NINF};
    p[0] = TYPICAL(1.0f, 1);
    expect_all("typical 1 no-op", z, 6, p, 1);
    p[0] = TYPICAL(1.5f, 2);
    expect_all("typical 1.5 no-op", z, 6, p, 1);
    p[0] = TYPICAL(0.3f, 10);
    expect_all("typical min_keep above the candidates", z, 6, p, 1);
    const float one[] = {NINF, 4, NINF};
    p[0] = TYPICAL(0.5f, 1);
    expect_uniform("typical one candidate", one, 3, p, 1, (int32_t[]){1}, 1);
    /* Equal keys inside a pair of equal logits go by id: {0, 1, 0, 1} has p = 0.366, 0.134,
     * abar = -0.269, keys 0.269 for the ones (ids 1 then 3) and 0.731 for the zeros. */
    const float pairs[] = {0, 1, 0, 1};
    p[0] = TYPICAL(0.2f, 1);
    expect_uniform("typical key ties by id", pairs, 4, p, 1, (int32_t[]){1}, 1);
    p[0] = TYPICAL(0.4f, 1);
    expect_uniform("typical a tied pair", pairs, 4, p, 1, (int32_t[]){1, 3}, 2);
    /* After a temperature the keys move: {2, 0 x 20} at t = 0.5 is {4, 0 x 20}: p_top = 0.73,
     * abar = -4 * 20 / S = -1.07: top key 1.07, others 2.93: the top alone crosses 0.5. */
    p[0] = TEMP(0.5f), p[1] = TYPICAL(0.5f, 1);
    expect_uniform("typical after temperature", y, 21, p, 2, (int32_t[]){0}, 1);
    /* After top-k (a compacted view). */
    p[0] = TOPK(15), p[1] = TYPICAL(0.5f, 1);
    /* {2, 0 x 14}: S = e^2 + 14 = 21.39, abar = -2 * 14 / S = -1.31: top key 1.31, zeros 0.69;
     * 8 zeros hold 0.374, 11 hold 0.514 > 0.5 */
    expect_uniform("typical after top_k", y, 21, p, 2, (int32_t[]){1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}, 11);
}

/* ---- top-n-sigma ---- */

static void test_proc_shaping_top_n_sigma_hand(void) {
    const float x[] = {0, 1, 2, 3, 4};
    proc p[2];
    /* mean 2, variance 2, sigma 1.414: n = 1 keeps >= 2.586, n = 2 keeps >= 1.172 */
    p[0] = SIGMA(1.0f);
    expect_l("top_n_sigma 1", x, 5, p, 1, (int32_t[]){3, 4}, (double[]){3, 4}, 2);
    p[0] = SIGMA(2.0f);
    expect_l("top_n_sigma 2", x, 5, p, 1, (int32_t[]){2, 3, 4}, (double[]){2, 3, 4}, 3);
    p[0] = SIGMA(1e-6f);
    expect_l("top_n_sigma tiny keeps the max", x, 5, p, 1, (int32_t[]){4}, (double[]){4}, 1);
    const float noop[] = {0.0f, -0.0f, -1.0f, INFINITY, 100.0f};
    for (size_t i = 0; i < COUNT(noop); i++) {
        p[0] = SIGMA(noop[i]);
        expect_all("top_n_sigma no-op or keeps all", x, 5, p, 1);
    }
    /* Temperature does not move the threshold (scale-invariant). */
    p[0] = TEMP(0.25f), p[1] = SIGMA(1.0f);
    expect_l("top_n_sigma after temperature", x, 5, p, 2, (int32_t[]){3, 4}, (double[]){12, 16}, 2);
    p[0] = SIGMA(1.0f), p[1] = TEMP(4.0f);
    expect_l("top_n_sigma then temperature", x, 5, p, 2, (int32_t[]){3, 4}, (double[]){0.75, 1}, 2);
    /* Masked tokens are not in sigma. */
    const float y[] = {NINF, 0, 1, NINF, 2, 3, 4, NINF};
    p[0] = SIGMA(1.0f);
    expect_l("top_n_sigma with masked", y, 8, p, 1, (int32_t[]){5, 6}, (double[]){3, 4}, 2);
    const float eq[] = {7, 7, 7};
    expect_all("top_n_sigma all equal", eq, 3, p, 1);
    const float one[] = {NINF, 5};
    expect_all("top_n_sigma one candidate", one, 2, p, 1);
    /* Ties at the threshold stay: {0, 0, 2, 2} mean 1, sigma 1: n = 1 keeps >= 1; n = 2 all. */
    const float t[] = {0, 2, 0, 2};
    expect_uniform("top_n_sigma ties", t, 4, p, 1, (int32_t[]){1, 3}, 2);
    p[0] = SIGMA(2.0f);
    expect_all("top_n_sigma at exactly 2 sigma keeps the boundary", t, 4, p, 1);
}

/* ---- xtc ---- */

static void test_proc_shaping_xtc_hand(void) {
    /* probabilities 0.5, 0.3, 0.15, 0.05 (logits their logs) */
    const float x[] = {logf(0.15f), logf(0.5f), logf(0.05f), logf(0.3f)};
    proc p[2];
    p[0] = XTC(1.0f, 0.1f, 1); /* qualifying 0.5, 0.3, 0.15: only 0.15 of them stays */
    expect("xtc 1, 0.1", x, 4, p, 1, (int32_t[]){0, 2}, (double[]){0.75, 0.25}, 2);
    p[0] = XTC(1.0f, 0.2f, 1); /* 0.5, 0.3: 0.3 stays */
    expect("xtc 1, 0.2", x, 4, p, 1, (int32_t[]){0, 2, 3}, (double[]){0.3, 0.1, 0.6}, 3);
    p[0] = XTC(1.0f, 0.4f, 1); /* only 0.5 qualifies: nothing happens */
    expect_all("xtc one above the threshold", x, 4, p, 1);
    p[0] = XTC(1.0f, 0.55f, 1); /* threshold > 0.5: no-op */
    expect_all("xtc threshold > 0.5", x, 4, p, 1);
    p[0] = XTC(0.0f, 0.1f, 1);
    expect_all("xtc probability 0", x, 4, p, 1);
    p[0] = XTC(1.0f, 0.1f, 3); /* 2 would remain, fewer than min_keep 3 */
    expect_all("xtc min_keep", x, 4, p, 1);
    p[0] = XTC(1.0f, 0.1f, 2);
    expect("xtc min_keep 2", x, 4, p, 1, (int32_t[]){0, 2}, (double[]){0.75, 0.25}, 2);
    p[0] = XTC(1.0f, 0.0f, 1); /* everyone qualifies: the least likely stays alone */
    expect_uniform("xtc threshold 0", x, 4, p, 1, (int32_t[]){2}, 1);
    p[0] = XTC(1.0f, -1.0f, 2);
    expect_all("xtc threshold 0 with min_keep 2", x, 4, p, 1);
    /* Ties: three at 1, one at 0: p = 0.297 each and 0.109; at 0.2 the three qualify and the
     * last of them in candidate order (the highest id) stays. */
    const float t[] = {1, 1, 0, 1};
    p[0] = XTC(1.0f, 0.2f, 1);
    expect_l("xtc ties keep the highest id", t, 4, p, 1, (int32_t[]){2, 3}, (double[]){0, 1}, 2);
    /* After a temperature: probabilities change, so does the set. t = 2: logits halved:
     * {0.5, 0.5, 0, 0.5}: 0.274 x 3, 0.177: at 0.2 still the three. At t = 0.25:
     * {4, 4, 0, 4}: 0.33 x 3: same. At 0.3 with t = 4: 0.26 x 3 < 0.3: nothing. */
    p[0] = TEMP(4.0f), p[1] = XTC(1.0f, 0.3f, 1);
    expect_l("xtc after temperature", t, 4, p, 2, (int32_t[]){0, 1, 2, 3},
             (double[]){0.25, 0.25, 0, 0.25}, 4);
    /* Masked and compacted views. */
    const float m[] = {NINF, 2, NINF, 2, 0, NINF};
    p[0] = XTC(1.0f, 0.3f, 1);
    expect_l("xtc with masked", m, 6, p, 1, (int32_t[]){3, 4}, (double[]){2, 0}, 2);
    p[0] = TOPK(2), p[1] = XTC(1.0f, 0.3f, 1);
    expect_uniform("xtc after top_k", m, 6, p, 2, (int32_t[]){3}, 1);
    const float one[] = {NINF, 1};
    p[0] = XTC(1.0f, 0.0f, 1);
    expect_all("xtc one candidate", one, 2, p, 1);
}

/* XTC acts iff its uniform (number 1 of the position's stream) is <= probability. */
static void test_proc_shaping_xtc_uses_the_position_stream(void) {
    const float x[] = {2, 1, 0, -1};
    for (int k = 0; k < 2; k++) {
        float prob = k ? 0.5f : 0.125f;
        proc p[1] = {XTC(prob, 0.1f, 1)};
        tsamp_chain *c = chain_of(4, p, 1, 99, TSAMP_ISA_AUTO);
        if (!c) return;
        size_t acted = 0, wrong = 0;
        for (uint64_t pos = 0; pos < 2000; pos++) {
            int32_t ids[4];
            float pr[4];
            size_t nk = 0;
            tsamp_chain_set_position(c, pos);
            CHECK(tsamp_chain_distribution(c, x, ids, pr, 4, &nk) == TSAMP_OK);
            int act = nk < 4;
            acted += (size_t)act;
            wrong += (size_t)(act != (xtc_uniform(99, pos, 0) <= (double)prob));
        }
        CHECKF(wrong == 0, "xtc %g: %zu of 2000 positions disagree with the stream", (double)prob, wrong);
        check_note("xtc probability %g: acted at %zu of 2000 positions", (double)prob, acted);
        tsamp_chain_free(c);
    }
    /* Two XTCs draw numbers 1 and 2. */
    proc p[2] = {XTC(0.5f, 0.0f, 1), XTC(0.5f, 0.0f, 1)};
    tsamp_chain *c = chain_of(4, p, 2, 5, TSAMP_ISA_AUTO);
    size_t wrong = 0;
    for (uint64_t pos = 0; c && pos < 1000; pos++) {
        int32_t ids[4];
        float pr[4];
        size_t nk = 0;
        tsamp_chain_set_position(c, pos);
        CHECK(tsamp_chain_distribution(c, x, ids, pr, 4, &nk) == TSAMP_OK);
        /* the first acting leaves the least likely alone; the second then has one candidate */
        int act = xtc_uniform(5, pos, 0) <= 0.5 || xtc_uniform(5, pos, 1) <= 0.5;
        wrong += (size_t)((nk == 1) != act);
    }
    CHECKF(wrong == 0, "two xtc: %zu of 1000 positions disagree", wrong);
    tsamp_chain_free(c);
}

/* ---- temp_ext ---- */

/* H of softmax(l) in double. */
static double entropy_of(const double *l, size_t n) {
    double m = -HUGE_VAL, s = 0.0, h = 0.0;
    for (size_t i = 0; i < n; i++) m = fmax(m, l[i]);
    for (size_t i = 0; i < n; i++) s += exp(l[i] - m);
    for (size_t i = 0; i < n; i++) {
        double p = exp(l[i] - m) / s;
        h -= p > 0.0 ? p * log(p) : 0.0;
    }
    return h;
}

static void test_proc_shaping_temp_ext_hand(void) {
    const float x[] = {0, -1, -2, -3};
    const double l[] = {0, -1, -2, -3};
    const int32_t all[] = {0, 1, 2, 3};
    double h = entropy_of(l, 4) / log(4.0), scaled[4];
    struct {
        float t, d, e;
    } cases[] = {{1.0f, 0.5f, 1.0f}, {0.8f, 0.5f, 2.0f}, {0.3f, 0.5f, 1.0f}, {0.0f, 1.0f, 0.5f},
                 {1.5f, 1.0f, 0.0f}};
    for (size_t k = 0; k < COUNT(cases); k++) {
        double tmin = fmax(0.0, (double)cases[k].t - cases[k].d), tmax = (double)cases[k].t + cases[k].d;
        double T = tmin + (tmax - tmin) * pow(h, (double)cases[k].e);
        for (int i = 0; i < 4; i++) scaled[i] = l[i] / T;
        char what[96];
        snprintf(what, sizeof what, "temp_ext(%g, %g, %g): T = %.6f", (double)cases[k].t,
                 (double)cases[k].d, (double)cases[k].e, T);
        proc p[1] = {TEMP_EXT(cases[k].t, cases[k].d, cases[k].e)};
        expect_l(what, x, 4, p, 1, all, scaled, 4);
    }
    /* delta <= 0: exactly the temperature t, bit for bit. */
    const float ts[] = {0.0f, 0.7f, 1.0f, 2.5f};
    const float deltas[] = {0.0f, -1.0f};
    for (size_t i = 0; i < COUNT(ts); i++) {
        for (size_t j = 0; j < COUNT(deltas); j++) {
            proc a[1] = {TEMP_EXT(ts[i], deltas[j], 1.0f)}, b[1] = {TEMP(ts[i])};
            tsamp_chain *ca = chain_of(4, a, 1, 3, TSAMP_ISA_AUTO), *cb = chain_of(4, b, 1, 3, TSAMP_ISA_AUTO);
            int32_t ia[4], ib[4];
            float pa[4], pb[4];
            size_t na = 0, nb = 0;
            if (ca && cb) {
                CHECK(tsamp_chain_distribution(ca, x, ia, pa, 4, &na) == TSAMP_OK);
                CHECK(tsamp_chain_distribution(cb, x, ib, pb, 4, &nb) == TSAMP_OK);
                CHECKF(na == nb && !memcmp(ia, ib, na * sizeof *ia) && !memcmp(pa, pb, na * sizeof *pa),
                       "temp_ext(%g, %g) differs from temperature %g", (double)ts[i],
                       (double)deltas[j], (double)ts[i]);
            }
            tsamp_chain_free(ca), tsamp_chain_free(cb);
        }
    }
    /* One candidate: no-op. Equal logits: H = log n, T = t + delta, still uniform. */
    const float one[] = {NINF, 2, NINF};
    proc p[2] = {TEMP_EXT(1.0f, 0.5f, 1.0f)};
    expect_all("temp_ext one candidate", one, 3, p, 1);
    const float eq[] = {3, 3, 3};
    expect_uniform("temp_ext equal logits", eq, 3, p, 1, (int32_t[]){0, 1, 2}, 3);
    /* H = 0 in float (the others' weights underflow) with t_min = 0: greedy. */
    const float peak[] = {0, -200, -300};
    p[0] = TEMP_EXT(0.5f, 0.5f, 1.0f);
    expect_uniform("temp_ext zero entropy is greedy", peak, 3, p, 1, (int32_t[]){0}, 1);
    /* After a temperature the entropy is that of the scaled logits. */
    double l2[4];
    for (int i = 0; i < 4; i++) l2[i] = l[i] / 0.5;
    double h2 = entropy_of(l2, 4) / log(4.0), T2 = 0.5 + 1.0 * h2; /* t 1, delta 0.5 */
    for (int i = 0; i < 4; i++) scaled[i] = l2[i] / T2;
    p[0] = TEMP(0.5f), p[1] = TEMP_EXT(1.0f, 0.5f, 1.0f);
    expect_l("temp_ext after temperature", x, 4, p, 2, all, scaled, 4);
}

/* ---- epsilon, eta ---- */

static void test_proc_shaping_epsilon_eta_hand(void) {
    const float x[] = {logf(0.15f), logf(0.5f), logf(0.05f), logf(0.3f)};
    proc p[1];
    p[0] = EPSILON(0.1f, 1);
    expect("epsilon 0.1", x, 4, p, 1, (int32_t[]){0, 1, 3}, (double[]){0.15 / 0.95, 0.5 / 0.95, 0.3 / 0.95}, 3);
    p[0] = EPSILON(0.4f, 1);
    expect_uniform("epsilon 0.4", x, 4, p, 1, (int32_t[]){1}, 1);
    p[0] = EPSILON(0.6f, 1); /* none passes: the top min_keep */
    expect_uniform("epsilon 0.6", x, 4, p, 1, (int32_t[]){1}, 1);
    p[0] = EPSILON(0.6f, 3);
    expect("epsilon 0.6 min_keep 3", x, 4, p, 1, (int32_t[]){0, 1, 3}, (double[]){0.15 / 0.95, 0.5 / 0.95, 0.3 / 0.95}, 3);
    p[0] = EPSILON(0.0f, 1);
    expect_all("epsilon 0 no-op", x, 4, p, 1);
    p[0] = EPSILON(-3.0f, 1);
    expect_all("epsilon < 0 no-op", x, 4, p, 1);
    /* Hugging Face's min_tokens_to_keep is a top-k by value: ties with the k-th all stay. */
    const float t[] = {3, 1, 1, 1, 0};
    p[0] = EPSILON(0.9f, 2);
    expect_l("epsilon min_keep ties", t, 5, p, 1, (int32_t[]){0, 1, 2, 3}, (double[]){3, 1, 1, 1}, 4);
    p[0] = EPSILON(0.9f, 0);
    expect_uniform("epsilon min_keep 0 acts as 1", t, 5, p, 1, (int32_t[]){0}, 1);
    const float m[] = {NINF, 1, 1, NINF};
    p[0] = EPSILON(0.9f, 1); /* both at 0.5: the tied maxima */
    expect_uniform("epsilon tied maxima", m, 4, p, 1, (int32_t[]){1, 2}, 2);
    /* Eta: eta = min(eps, sqrt(eps) exp(-H)). With H of {0.5, 0.3, 0.15, 0.05} = 1.1422:
     * eps = 0.1: min(0.1, 0.1009) = 0.1, keep p >= 0.1: 0.5, 0.3, 0.15.
     * eps = 0.2: min(0.2, 0.1427): the same three. eps = 0.02: min(0.02, 0.0451): all four. */
    double l[4] = {log(0.15), log(0.5), log(0.05), log(0.3)};
    double H = entropy_of(l, 4);
    CHECK(fabs(H - 1.1422) < 1e-3);
    p[0] = ETA(0.1f, 1);
    expect("eta 0.1", x, 4, p, 1, (int32_t[]){0, 1, 3}, (double[]){0.15 / 0.95, 0.5 / 0.95, 0.3 / 0.95}, 3);
    p[0] = ETA(0.2f, 1);
    expect("eta 0.2", x, 4, p, 1, (int32_t[]){0, 1, 3}, (double[]){0.15 / 0.95, 0.5 / 0.95, 0.3 / 0.95}, 3);
    p[0] = ETA(0.02f, 1);
    expect_all("eta 0.02", x, 4, p, 1);
    /* eps = 0.45: min(0.45, 0.2141): 0.5 and 0.3 (epsilon 0.45 keeps 0.5 alone). */
    p[0] = ETA(0.45f, 1);
    expect("eta 0.45", x, 4, p, 1, (int32_t[]){1, 3}, (double[]){0.625, 0.375}, 2);
    p[0] = ETA(0.0f, 1);
    expect_all("eta 0 no-op", x, 4, p, 1);
}

/* ---- random cases ----------------------------------------------------------------------- */

static double unif(tu_rng *r, double lo, double hi) { return lo + (hi - lo) * tu_unif(r); }
static double log_unif(tu_rng *r, double lo, double hi) { return exp(unif(r, log(lo), log(hi))); }

static void gen_logits(tu_rng *r, float *x, size_t n) {
    double sigma = unif(r, 0.5, 5.0), offset = tu_below(r, 2) ? unif(r, -20.0, 20.0) : 0.0;
    unsigned shape = (unsigned)tu_below(r, 9);
    double q = (double)(1u << tu_below(r, 5));
    size_t levels = 1 + tu_below(r, 5);
    for (size_t i = 0; i < n; i++) {
        double v;
        switch (shape) {
        case 0: v = offset + sigma * tu_normal(r); break;
        case 1: v = sigma * fmax(-1e6, fmin(1e6, tan(3.141592653589793 * (tu_unif(r) - 0.5)))); break;
        case 2: v = round(sigma * q * tu_normal(r)) / q; break;   /* many ties */
        case 3: v = (double)tu_below(r, levels); break;            /* few levels */
        case 4: v = -unif(r, 0.5, 2.0) * log(1.0 + (double)tu_below(r, n)); break; /* Zipf-like */
        case 5: v = (tu_below(r, 2) ? 1e28 : 1e-42) * tu_normal(r); break; /* huge or subnormal */
        case 6: v = i < 8 ? 8.0 + sigma * tu_normal(r) : 2.0 * tu_normal(r); break; /* peaked */
        case 7: v = 100.0 * tu_normal(r); break;                  /* weights underflow */
        default: v = sigma * tu_normal(r); break;
        }
        x[i] = (float)v;
    }
    if (shape == 6) /* the dominant tokens anywhere */
        for (size_t i = 0; i < 8 && i < n; i++) {
            size_t j = tu_below(r, n);
            float t = x[i];
            x[i] = x[j], x[j] = t;
        }
    unsigned mask = (unsigned)tu_below(r, 8);
    if (mask < 2) {
        double frac = unif(r, 0.0, 0.9);
        for (size_t i = 0; i < n; i++)
            if (tu_unif(r) < frac) x[i] = NINF;
    } else if (mask == 2) {
        size_t keep = tu_below(r, n);
        for (size_t i = 0; i < n; i++)
            if (i != keep && tu_below(r, 4)) x[i] = NINF;
    }
    size_t finite = 0;
    for (size_t i = 0; i < n; i++) finite += x[i] != NINF;
    if (!finite) x[tu_below(r, n)] = 0.0f;
}

static size_t gen_min_keep(tu_rng *r, size_t n) {
    switch (tu_below(r, 12)) {
    case 0: return 0;
    case 1: return 2 + tu_below(r, 9);
    case 2: return 1 + tu_below(r, n);
    case 3: return SIZE_MAX;
    default: return 1;
    }
}

static float gen_temp(tu_rng *r) {
    switch (tu_below(r, 16)) {
    case 0: return 0.0f;
    case 1: return 1e-30f;
    case 2: return 1e30f;
    default: return (float)log_unif(r, 0.1, 10.0);
    }
}

static proc gen_proc(tu_rng *r, kind k, size_t n) {
    switch (k) {
    case P_TYPICAL: {
        /* p near 1 is kept rare: a prefix leaving out ~1e-5 of the mass is within rounding */
        float p = (float)tu_unif(r);
        switch (tu_below(r, 64)) {
        case 0: case 1: p = 1.0f; break;
        case 2: case 3: p = 0.0f; break;
        case 4: case 5: p = -0.5f; break;
        case 6: case 7: p = 1e-7f; break;
        case 8: p = 0.999f; break;
        default: break;
        }
        return TYPICAL(p, gen_min_keep(r, n));
    }
    case P_SIGMA: {
        float s = (float)unif(r, 0.0, 3.0);
        switch (tu_below(r, 16)) {
        case 0: s = 0.0f; break;
        case 1: s = -1.0f; break;
        case 2: s = INFINITY; break;
        case 3: s = 1e-3f; break;
        case 4: s = 10.0f; break;
        default: break;
        }
        return SIGMA(s);
    }
    case P_XTC: {
        float prob = tu_below(r, 2) ? 1.0f : (float)tu_unif(r), thr = (float)unif(r, 0.0, 0.5);
        switch (tu_below(r, 16)) {
        case 0: prob = 0.0f; break;
        case 1: thr = 0.0f; break;
        case 2: thr = -0.25f; break;
        case 3: thr = 0.6f; break;
        case 4: thr = (float)log_unif(r, 1e-8, 1e-2); break;
        default: break;
        }
        return XTC(prob, thr, gen_min_keep(r, n));
    }
    case P_TEMP_EXT: {
        float t = tu_below(r, 8) ? (float)log_unif(r, 0.1, 3.0) : (tu_below(r, 2) ? 0.0f : 1.0f);
        float d = tu_below(r, 8) ? (float)unif(r, 0.01, 2.0) : (tu_below(r, 2) ? 0.0f : -1.0f);
        float e = tu_below(r, 8) ? (float)unif(r, 0.2, 3.0) : (tu_below(r, 2) ? 0.0f : 1.0f);
        return TEMP_EXT(t, d, e);
    }
    case P_EPSILON:
    case P_ETA: {
        float e = (float)log_unif(r, 1e-6, 0.5);
        switch (tu_below(r, 16)) {
        case 0: e = 0.0f; break;
        case 1: e = -1.0f; break;
        case 2: e = 0.9f; break;
        case 3: e = FLT_TRUE_MIN; break;
        default: break;
        }
        return k == P_EPSILON ? EPSILON(e, gen_min_keep(r, n)) : ETA(e, gen_min_keep(r, n));
    }
    default: return TEMP(1.0f);
    }
}

static size_t gen_vocab(tu_rng *r) {
    if (tu_below(r, 2)) return 1 + tu_below(r, 3000);
    size_t n = (size_t)log_unif(r, 1.0, 3001.0);
    return n < 1 ? 1 : n > 3000 ? 3000 : n;
}

/* One random case: [temperature or top-k or nothing] + the processor [+ temperature]. */
static int random_case(kind k, uint64_t seed, size_t n, tally *t) {
    tu_rng r = {seed};
    if (n == 0) n = gen_vocab(&r);
    float *x = malloc(n * sizeof *x);
    if (!x) return 0;
    gen_logits(&r, x, n);
    proc p[3];
    size_t np = 0;
    switch (tu_below(&r, 4)) {
    case 0: p[np++] = TEMP(gen_temp(&r)); break;
    case 1: p[np++] = TOPK((float)(1 + tu_below(&r, n + 1))); break;
    default: break;
    }
    p[np++] = gen_proc(&r, k, n);
    if (k != P_TEMP_EXT && tu_below(&r, 4) == 0) p[np++] = TEMP((float)log_unif(&r, 0.2, 5.0));
    char label[96];
    snprintf(label, sizeof label, "%s seed 0x%llx", kind_name(k), (unsigned long long)seed);
    int ok = check_case(label, x, n, p, np, seed ^ 0x5eed, tu_next(&r) % 100000, t);
    free(x);
    return ok;
}

enum { WANT = 1000, MAX_CASES = 1100, MAX_FAILED = 5 };

static void run_random(kind k, uint64_t seed) {
    tally t = {0};
    size_t failed = 0;
    for (uint64_t i = 0; t.unambiguous < WANT && t.cases < MAX_CASES; i++)
        if (!random_case(k, seed * 1000003u + i, 0, &t) && ++failed >= MAX_FAILED) break;
    check_note("%-12s %zu cases, %zu unambiguous, %zu ambiguous (%.2f%%); max |dp|/bound %.3f",
               kind_name(k), t.cases, t.unambiguous, t.ambiguous,
               100.0 * (double)t.ambiguous / (double)(t.cases ? t.cases : 1), t.max_ratio);
    CHECKF(t.unambiguous >= WANT || failed >= MAX_FAILED, "%s: only %zu unambiguous cases",
           kind_name(k), t.unambiguous);
    CHECKF(t.ambiguous * 50 < t.cases, "%s: %zu of %zu cases ambiguous (>= 2%%)", kind_name(k),
           t.ambiguous, t.cases);
}

static void test_proc_shaping_random_typical(void) { run_random(P_TYPICAL, 0x7101); }
static void test_proc_shaping_random_top_n_sigma(void) { run_random(P_SIGMA, 0x7102); }
static void test_proc_shaping_random_xtc(void) { run_random(P_XTC, 0x7103); }
static void test_proc_shaping_random_temp_ext(void) { run_random(P_TEMP_EXT, 0x7104); }
static void test_proc_shaping_random_epsilon(void) { run_random(P_EPSILON, 0x7105); }
static void test_proc_shaping_random_eta(void) { run_random(P_ETA, 0x7106); }

/* Large vocabularies: the narrowing and windowing paths of typical, the dense fast paths. */
static void test_proc_shaping_random_large(void) {
    static const size_t sizes[] = {8192, 40000, 128256, 200003};
    static const kind kinds[] = {P_TYPICAL, P_SIGMA, P_XTC, P_TEMP_EXT, P_EPSILON, P_ETA};
    tally t = {0};
    for (size_t i = 0; i < COUNT(kinds); i++)
        for (size_t j = 0; j < COUNT(sizes); j++)
            random_case(kinds[i], 0xb16 + 16 * i + j, sizes[j], &t);
    /* typical on the benchmark-like shapes, many p */
    for (int s = 0; s < 12; s++) random_case(P_TYPICAL, 0xc0de + (uint64_t)s, 65536 + (size_t)s * 977, &t);
    check_note("%zu cases, %zu unambiguous, %zu ambiguous; max |dp|/bound %.3f", t.cases,
               t.unambiguous, t.ambiguous, t.max_ratio);
    CHECK(t.unambiguous + 3 >= t.cases);
}

/* Typical over hundreds of tied keys (equal logits): the one-key group path, in id order. */
static void test_proc_shaping_typical_big_tie_group(void) {
    enum { N = 20000 };
    float *x = malloc(N * sizeof *x);
    if (!x) return;
    for (size_t i = 0; i < N; i++) x[i] = i % 3 == 0 ? 1.0f : NINF;
    x[5] = 4.0f; /* one more probable token, far from abar */
    size_t n_cand = 0;
    for (size_t i = 0; i < N; i++) n_cand += x[i] != NINF;
    tally t = {0};
    const float ps[] = {0.1f, 0.37f, 0.5f, 0.9f};
    for (size_t k = 0; k < COUNT(ps); k++) {
        proc p[1] = {TYPICAL(ps[k], 1)};
        char label[64];
        snprintf(label, sizeof label, "typical %g over %zu tied", (double)ps[k], n_cand);
        check_case(label, x, N, p, 1, 1, 0, &t);
    }
    CHECKF(t.ambiguous < t.cases, "all %zu tie-group cases ambiguous", t.cases);
    free(x);
}

/*
 * Hundreds of distinct logits whose distances round to one float key: the group is ordered by
 * value (descending) then id, as documented, found by bisection on the value inside the group.
 * 600 tokens at k * 1e-12 (weight 1.0f each, in shuffled id order) and 100000 at -6 (weight
 * exp(-6)): S = 847.9, abar = -1.754, the 600 are the typical ones (key 1.754, the others
 * 4.246); p = 0.35 is crossed by 297 of them (p * S = 296.76): the 297 largest values stay.
 * (Exact arithmetic would order them the other way round, by the 1e-12 differences: the
 * library's keys are floats, tsamp.h says so.)
 */
static void test_proc_shaping_typical_collapsed_keys(void) {
    enum { A = 600, B = 100000, N = A + B, KEEP = 297 };
    float *x = malloc(N * sizeof *x);
    int32_t *ids = malloc(N * sizeof *ids), want[KEEP];
    float *pr = malloc(N * sizeof *pr);
    if (!x || !ids || !pr) goto out;
    for (size_t i = 0; i < N; i++) x[i] = -6.0f;
    /* A's values at the positions 0, 167, 334, ... (mod N), in a scrambled value order */
    for (size_t k = 0; k < A; k++) {
        size_t at = (k * 167) % N, rank = (k * 7919) % A; /* 7919 is prime to 600 */
        x[at] = (float)(rank + 1) * 1e-12f;
    }
    size_t nw = 0;
    for (size_t i = 0; i < N; i++)
        if (x[i] > 0.0f && (size_t)(x[i] / 1e-12f + 0.5f) > A - KEEP) want[nw++] = (int32_t)i;
    CHECK(nw == KEEP);
    proc p[1] = {TYPICAL(0.35f, 1)};
    tsamp_chain *c = chain_of(N, p, 1, 1, TSAMP_ISA_AUTO);
    size_t nk = 0;
    if (c) {
        CHECK(tsamp_chain_distribution(c, x, ids, pr, N, &nk) == TSAMP_OK);
        int same = nk == KEEP && !memcmp(ids, want, KEEP * sizeof *ids);
        CHECKF(same, "collapsed keys: kept %zu, expected the %d largest of the group", nk, KEEP);
        for (size_t i = 0; same && i < nk; i++) CHECK(fabsf(pr[i] - 1.0f / KEEP) < 1e-6f);
    }
    tsamp_chain_free(c);
out:
    free(x), free(ids), free(pr);
}

/* ---- statistics: XTC's exclusion frequency and the mixture it samples from --------------- */

#define Z_ALPHA 3.090232306167813 /* upper 1e-3 quantile of the standard normal */

static double chi2_critical(double df) {
    double h = 2.0 / (9.0 * df), c = 1.0 - h + Z_ALPHA * sqrt(h);
    return df * c * c * c;
}

static void test_proc_shaping_xtc_statistics(void) {
    enum { DRAWS = 1000000 };
    /* p = 0.4, 0.3, 0.2, 0.1; XTC(0.3, 0.15): with probability 0.3 the tokens 0.4 and 0.3 go,
     * leaving 2/3, 1/3. The tokens follow 0.7 * p + 0.3 * xtc(p). */
    const float x[] = {logf(0.1f), logf(0.4f), logf(0.2f), logf(0.3f)};
    const double base[] = {0.1, 0.4, 0.2, 0.3}, cut[] = {1.0 / 3.0, 0.0, 2.0 / 3.0, 0.0};
    const double prob = 0.3;
    proc p[1] = {XTC((float)prob, 0.15f, 1)};
    tsamp_chain *c = chain_of(4, p, 1, 2024, TSAMP_ISA_AUTO);
    if (!c) return;
    uint64_t counts[4] = {0}, acted = 0;
    size_t bad = 0;
    for (uint64_t pos = 0; pos < DRAWS; pos++) {
        int32_t tok = -1;
        tsamp_chain_set_position(c, pos);
        if (tsamp_chain_sample(c, x, &tok) != TSAMP_OK || tok < 0 || tok > 3) {
            bad++;
            continue;
        }
        counts[tok]++;
        acted += xtc_uniform(2024, pos, 0) <= prob;
    }
    CHECK(bad == 0);
    double stat = 0.0;
    for (int i = 0; i < 4; i++) {
        double e = (double)DRAWS * ((1.0 - prob) * base[i] + prob * cut[i]);
        stat += ((double)counts[i] - e) * ((double)counts[i] - e) / e;
    }
    double crit = chi2_critical(3.0);
    check_note("xtc tokens vs the mixture: chi-square %.2f, df 3, critical %.2f (alpha 1e-3)", stat, crit);
    CHECKF(stat <= crit, "xtc token frequencies: chi-square %.2f > %.2f", stat, crit);
    /* The exclusion frequency itself: how often the distribution lost its top tokens. */
    size_t removed = 0;
    for (uint64_t pos = 0; pos < DRAWS; pos++) {
        int32_t ids[4];
        float pr[4];
        size_t nk = 0;
        tsamp_chain_set_position(c, pos);
        if (tsamp_chain_distribution(c, x, ids, pr, 4, &nk) == TSAMP_OK) removed += nk == 2;
    }
    double e1 = DRAWS * prob, e0 = DRAWS * (1.0 - prob), o1 = (double)removed, o0 = DRAWS - o1;
    double s1 = (o1 - e1) * (o1 - e1) / e1 + (o0 - e0) * (o0 - e0) / e0;
    double crit1 = chi2_critical(1.0);
    check_note("xtc exclusion: %zu of %d (expected %.0f), chi-square %.2f, df 1, critical %.2f",
               removed, DRAWS, e1, s1, crit1);
    CHECKF(s1 <= crit1, "xtc exclusion frequency: chi-square %.2f > %.2f", s1, crit1);
    CHECK(acted == removed); /* the same uniform decides, in both entry points */
    tsamp_chain_free(c);
}

/* ---- every ISA path, allocation, state -------------------------------------------------- */

/* Brace initializers (a static table takes no compound literal). */
#define PI(k_, a_, b_, c_, mk_) {k_, a_, b_, c_, mk_}
static const proc isa_chains[][3] = {
    {PI(P_TYPICAL, 0.9f, 0, 0, 1)},
    {PI(P_TEMP, 0.7f, 0, 0, 0), PI(P_TYPICAL, 0.5f, 0, 0, 3)},
    {PI(P_TOP_K, 500.0f, 0, 0, 0), PI(P_TYPICAL, 0.95f, 0, 0, 1)},
    {PI(P_SIGMA, 1.0f, 0, 0, 0)},
    {PI(P_TEMP, 1.3f, 0, 0, 0), PI(P_SIGMA, 2.5f, 0, 0, 0)},
    {PI(P_XTC, 0.5f, 0.05f, 0, 1)},
    {PI(P_TEMP, 0.5f, 0, 0, 0), PI(P_XTC, 1.0f, 0.01f, 0, 2)},
    {PI(P_TEMP_EXT, 0.8f, 0.5f, 1.0f, 0)},
    {PI(P_TEMP_EXT, 1.2f, 1.0f, 2.0f, 0), PI(P_TOP_K, 40.0f, 0, 0, 0)},
    {PI(P_EPSILON, 3e-4f, 0, 0, 1)},
    {PI(P_TEMP, 0.6f, 0, 0, 0), PI(P_EPSILON, 0.01f, 0, 0, 5)},
    {PI(P_ETA, 3e-4f, 0, 0, 1)},
    {PI(P_TOP_K, 1000.0f, 0, 0, 0), PI(P_ETA, 0.02f, 0, 0, 2), PI(P_TYPICAL, 0.8f, 0, 0, 1)},
};
static const size_t isa_chain_len[] = {1, 2, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 3};

static void fill(tu_rng *r, float *x, size_t n, int kind_of) {
    for (size_t i = 0; i < n; i++) x[i] = (float)((kind_of % 2 ? 3.0 : 1.0) * tu_normal(r));
    if (kind_of % 3 == 0)
        for (size_t i = 0; i < 8 && i < n; i++) x[tu_below(r, n)] = 12.0f;
    if (kind_of % 4 == 1)
        for (size_t i = 0; i < n; i++)
            if (tu_below(r, 5) == 0) x[i] = NINF;
}

static void test_proc_shaping_isa_paths_agree(void) {
    static const tsamp_isa isas[] = {TSAMP_ISA_AVX2, TSAMP_ISA_AVX512, TSAMP_ISA_NEON};
    tu_rng r = {77};
    size_t nmax = 140000;
    float *x = malloc(nmax * sizeof *x), *p0 = malloc(nmax * sizeof *p0), *p1 = malloc(nmax * sizeof *p1);
    int32_t *i0 = malloc(nmax * sizeof *i0), *i1 = malloc(nmax * sizeof *i1);
    if (!x || !p0 || !p1 || !i0 || !i1) goto out;
    for (size_t k = 0; k < COUNT(isas); k++) {
        if (!tsamp_isa_available(isas[k])) {
            check_note("%s: not available on this machine, not compared", tsamp_isa_name(isas[k]));
            continue;
        }
        size_t diffs = 0, runs = 0;
        for (size_t ci = 0; ci < COUNT(isa_chains); ci++) {
            for (int round = 0; round < 4; round++) {
                size_t n = round == 0 ? 128256 : round == 1 ? 1 + tu_below(&r, 5000) : 9000 + tu_below(&r, 40000);
                fill(&r, x, n, round + (int)ci);
                tsamp_chain *a = chain_of(n, isa_chains[ci], isa_chain_len[ci], ci, TSAMP_ISA_SCALAR);
                tsamp_chain *b = chain_of(n, isa_chains[ci], isa_chain_len[ci], ci, isas[k]);
                if (!a || !b) {
                    tsamp_chain_free(a), tsamp_chain_free(b);
                    continue;
                }
                for (uint64_t pos = 0; pos < 6; pos++) {
                    size_t na = 0, nb = 0;
                    tsamp_chain_set_position(a, pos), tsamp_chain_set_position(b, pos);
                    tsamp_status sa = tsamp_chain_distribution(a, x, i0, p0, n, &na);
                    tsamp_status sb = tsamp_chain_distribution(b, x, i1, p1, n, &nb);
                    int32_t ta = -1, tb = -2;
                    tsamp_chain_sample(a, x, &ta), tsamp_chain_sample(b, x, &tb);
                    runs++;
                    diffs += sa != sb || na != nb || memcmp(i0, i1, na * sizeof *i0) ||
                             memcmp(p0, p1, na * sizeof *p0) || ta != tb;
                }
                tsamp_chain_free(a), tsamp_chain_free(b);
            }
        }
        CHECKF(diffs == 0, "%s: %zu of %zu runs differ from scalar", tsamp_isa_name(isas[k]), diffs, runs);
        check_note("%s: %zu runs (distributions and tokens) bitwise equal to scalar",
                   tsamp_isa_name(isas[k]), runs);
    }
out:
    free(x), free(p0), free(p1), free(i0), free(i1);
}

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

static void test_proc_shaping_no_allocation_per_token(void) {
    size_t n = 32000;
    float *x = malloc(n * sizeof *x), *probs = malloc(n * sizeof *probs);
    int32_t *ids = malloc(n * sizeof *ids);
    tu_rng r = {13};
    for (size_t ci = 0; x && probs && ids && ci < COUNT(isa_chains); ci++) {
        counting k = {0, 0};
        tsamp_chain_params p = tsamp_chain_default_params();
        p.allocator.alloc = count_alloc, p.allocator.free = count_free, p.allocator.ctx = &k;
        tsamp_chain *c = NULL;
        CHECK(tsamp_chain_create(&c, n, &p) == TSAMP_OK);
        for (size_t i = 0; c && i < isa_chain_len[ci]; i++) CHECK(add(c, &isa_chains[ci][i]) == TSAMP_OK);
        size_t before = k.allocs;
        for (int t = 0; c && t < 300; t++) {
            if (t % 50 == 0) fill(&r, x, n, t / 50);
            int32_t tok;
            size_t kept;
            CHECK(tsamp_chain_sample(c, x, &tok) == TSAMP_OK);
            CHECK(tsamp_chain_accept(c, tok) == TSAMP_OK);
            if (t % 100 == 0) {
                CHECK(tsamp_chain_distribution(c, x, ids, probs, n, &kept) == TSAMP_OK);
                CHECK(tsamp_chain_reset(c) == TSAMP_OK);
                CHECK(tsamp_chain_set_position(c, (uint64_t)t) == TSAMP_OK);
            }
        }
        CHECKF(k.allocs == before, "chain %zu: %zu allocations while sampling", ci, k.allocs - before);
        tsamp_chain_free(c);
        CHECK(k.frees == k.allocs);
    }
    free(x), free(probs), free(ids);
}

/* A result depends only on (logits, chain, seed, position): not on what the chain processed
 * before (typical's working memory, hints), and a clone or a reset chain gives the same. */
static void test_proc_shaping_state(void) {
    size_t n = 50000;
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    float *p0 = malloc(n * sizeof *p0), *p1 = malloc(n * sizeof *p1);
    int32_t *i0 = malloc(n * sizeof *i0), *i1 = malloc(n * sizeof *i1);
    tu_rng r = {31};
    size_t diffs = 0, runs = 0;
    for (size_t ci = 0; x && y && p0 && p1 && i0 && i1 && ci < COUNT(isa_chains); ci++) {
        fill(&r, x, n, (int)ci);
        fill(&r, y, n, (int)ci + 1);
        tsamp_chain *fresh = chain_of(n, isa_chains[ci], isa_chain_len[ci], 9, TSAMP_ISA_AUTO);
        tsamp_chain *used = chain_of(n, isa_chains[ci], isa_chain_len[ci], 9, TSAMP_ISA_AUTO);
        if (!fresh || !used) break;
        size_t na = 0, nb = 0;
        int32_t tok;
        for (int t = 0; t < 5; t++) { /* decode a few tokens on other logits */
            tsamp_chain_sample(used, y, &tok);
            tsamp_chain_accept(used, tok);
        }
        tsamp_chain *clone = NULL;
        CHECK(tsamp_chain_clone(used, &clone) == TSAMP_OK);
        for (uint64_t pos = 0; pos < 3; pos++) {
            tsamp_chain_set_position(fresh, pos), tsamp_chain_set_position(used, pos);
            tsamp_chain_distribution(fresh, x, i0, p0, n, &na);
            tsamp_chain_distribution(used, x, i1, p1, n, &nb);
            diffs += na != nb || memcmp(i0, i1, na * sizeof *i0) || memcmp(p0, p1, na * sizeof *p0);
            if (clone) {
                tsamp_chain_set_position(clone, pos);
                tsamp_chain_distribution(clone, x, i1, p1, n, &nb);
                diffs += na != nb || memcmp(i0, i1, na * sizeof *i0) || memcmp(p0, p1, na * sizeof *p0);
            }
            runs += 2;
        }
        CHECK(tsamp_chain_reset(used) == TSAMP_OK && tsamp_chain_position(used) == 0);
        tsamp_chain_distribution(fresh, x, i0, p0, n, &na); /* fresh is at position 2 */
        tsamp_chain_set_position(fresh, 0);
        tsamp_chain_distribution(fresh, x, i0, p0, n, &na);
        tsamp_chain_distribution(used, x, i1, p1, n, &nb);
        diffs += na != nb || memcmp(i0, i1, na * sizeof *i0) || memcmp(p0, p1, na * sizeof *p0);
        runs++;
        tsamp_chain_free(fresh), tsamp_chain_free(used), tsamp_chain_free(clone);
    }
    CHECKF(diffs == 0, "%zu of %zu distributions depend on the chain's past", diffs, runs);
    free(x), free(y), free(p0), free(p1), free(i0), free(i1);
}

/* After a processor that edits logits (a dense view in the chain's edit buffer, which typical
 * otherwise takes as working memory): the same bits as on logits edited by hand. */
static void test_proc_shaping_after_edits(void) {
    size_t n = 50000;
    float *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    float *p0 = malloc(n * sizeof *p0), *p1 = malloc(n * sizeof *p1);
    int32_t *i0 = malloc(n * sizeof *i0), *i1 = malloc(n * sizeof *i1);
    tu_rng r = {41};
    size_t diffs = 0, runs = 0;
    const tsamp_logit_bias bias[2] = {{3, 0.5f}, {777, -2.0f}};
    for (size_t ci = 0; x && y && p0 && p1 && i0 && i1 && ci < COUNT(isa_chains); ci++) {
        fill(&r, x, n, (int)ci);
        memcpy(y, x, n * sizeof *x);
        y[3] = y[3] + 0.5f, y[777] = y[777] + -2.0f;
        tsamp_chain *a = chain_of(n, NULL, 0, 4, TSAMP_ISA_AUTO);
        tsamp_chain *b = chain_of(n, isa_chains[ci], isa_chain_len[ci], 4, TSAMP_ISA_AUTO);
        if (!a || !b) {
            tsamp_chain_free(a), tsamp_chain_free(b);
            break;
        }
        CHECK(tsamp_chain_add_logit_bias(a, bias, 2) == TSAMP_OK);
        for (size_t i = 0; i < isa_chain_len[ci]; i++) CHECK(add(a, &isa_chains[ci][i]) == TSAMP_OK);
        for (uint64_t pos = 0; pos < 3; pos++) {
            size_t na = 0, nb = 0;
            tsamp_chain_set_position(a, pos), tsamp_chain_set_position(b, pos);
            CHECK(tsamp_chain_distribution(a, x, i0, p0, n, &na) == TSAMP_OK);
            CHECK(tsamp_chain_distribution(b, y, i1, p1, n, &nb) == TSAMP_OK);
            diffs += na != nb || memcmp(i0, i1, na * sizeof *i0) || memcmp(p0, p1, na * sizeof *p0);
            runs++;
        }
        tsamp_chain_free(a), tsamp_chain_free(b);
    }
    CHECKF(diffs == 0, "%zu of %zu distributions after a logit bias differ from biased logits",
           diffs, runs);
    free(x), free(y), free(p0), free(p1), free(i0), free(i1);
}

void suite_proc_shaping(void) {
    RUN(test_proc_shaping_statuses);
    RUN(test_proc_shaping_typical_hand);
    RUN(test_proc_shaping_top_n_sigma_hand);
    RUN(test_proc_shaping_xtc_hand);
    RUN(test_proc_shaping_xtc_uses_the_position_stream);
    RUN(test_proc_shaping_temp_ext_hand);
    RUN(test_proc_shaping_epsilon_eta_hand);
    RUN(test_proc_shaping_random_typical);
    RUN(test_proc_shaping_random_top_n_sigma);
    RUN(test_proc_shaping_random_xtc);
    RUN(test_proc_shaping_random_temp_ext);
    RUN(test_proc_shaping_random_epsilon);
    RUN(test_proc_shaping_random_eta);
    RUN(test_proc_shaping_random_large);
    RUN(test_proc_shaping_typical_big_tie_group);
    RUN(test_proc_shaping_typical_collapsed_keys);
    RUN(test_proc_shaping_xtc_statistics);
    RUN(test_proc_shaping_isa_paths_agree);
    RUN(test_proc_shaping_no_allocation_per_token);
    RUN(test_proc_shaping_state);
    RUN(test_proc_shaping_after_edits);
}
