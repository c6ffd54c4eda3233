/*
 * Mirostat v1 and v2 (llama.cpp's llama_sampler_mirostat and llama_sampler_mirostat_v2):
 * a truncation driven by mu, the largest surprise (in bits) a token may have, which adapts
 * so that the observed surprise of the sampled tokens tracks the target tau.
 *
 * llama.cpp truncates, renormalises and draws inside the sampler, then updates mu with the
 * surprise of the drawn token in the truncated distribution. Here the processor truncates and
 * the chain's final draw picks the token from the remaining candidates: the softmax over them
 * is exactly the truncated, renormalised distribution, so the token is drawn from the same
 * distribution. The drawn token and its probability reach the state through the `sampled`
 * hook; accepting that token applies the update (proc_stateful_internal.h).
 *
 * Everything that decides tokens uses IEEE operations, the library's exp/log and the
 * kernels' canonical sums: the same bits on every path.
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "fmath_internal.h"
#include "proc_stateful_internal.h"
#include "view_internal.h"

#define LN2 0.69314718055994530942
#define LOG2E 1.44269504088896340736

/*
 * exp(x) in double, IEEE operations only: x = k ln2 + r with |r| <= ln2/2 (k ln2_hi exact:
 * ln2_hi has 32 significant bits), exp(r) by its Taylor series to r^14 (truncation below
 * 1e-17 relative), 2^k applied as two normal factors so that subnormal results round once.
 * 0 below -745.2 (and for -inf), +inf above 709.78.
 */
static double exp_d(double x) {
    if (!(x > -745.2)) return 0.0;
    if (x > 709.78) return INFINITY;
    const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
    double t = x * LOG2E;
    int64_t k = (int64_t)(t >= 0.0 ? t + 0.5 : t - 0.5);
    double kd = (double)k, r = (x - kd * ln2_hi) - kd * ln2_lo, y = 1.0;
    for (int j = 14; j >= 1; j--) y = 1.0 + y * r / (double)j;
    int64_t k1 = k / 2, k2 = k - k1; /* both in [-538, 512]: normal scales */
    uint64_t b1 = (uint64_t)(k1 + 1023) << 52, b2 = (uint64_t)(k2 + 1023) << 52;
    double s1, s2;
    memcpy(&s1, &b1, sizeof s1);
    memcpy(&s2, &b2, sizeof s2);
    return (y * s1) * s2;
}

/* ---- selection of the top m values (mirostat v1) ----------------------------------------- */

/* Descending sort of the few top values: Shell sort (Ciura's gaps) for small counts, heap
 * sort (a min-heap whose minima go to the end) beyond. No allocation. */
static void sift_down(float *a, size_t i, size_t n) {
    for (;;) {
        size_t l = 2 * i + 1, s = i;
        if (l < n && a[l] < a[s]) s = l;
        if (l + 1 < n && a[l + 1] < a[s]) s = l + 1;
        if (s == i) return;
        float t = a[i];
        a[i] = a[s];
        a[s] = t;
        i = s;
    }
}

static void sort_descending(float *a, size_t n) {
    if (n <= 512) {
        static const size_t gaps[] = {132, 57, 23, 10, 4, 1};
        for (size_t g = 0; g < sizeof gaps / sizeof gaps[0]; g++) {
            size_t gap = gaps[g];
            for (size_t i = gap; i < n; i++) {
                float t = a[i];
                size_t j = i;
                for (; j >= gap && a[j - gap] < t; j -= gap) a[j] = a[j - gap];
                a[j] = t;
            }
        }
        return;
    }
    for (size_t i = n / 2; i-- > 0;) sift_down(a, i, n);
    for (size_t end = n; end-- > 1;) {
        float t = a[0];
        a[0] = a[end];
        a[end] = t;
        sift_down(a, 0, end);
    }
}

/*
 * The min(m, candidates) largest candidate values, descending, into out (room for m); the
 * candidates at or above the m-th value are left in c->idx (*cnt of them, indices
 * increasing). Only values matter here (tied tokens give equal values). A first, cheaper
 * compaction at a threshold guessed from `hint` (the previous token's distance from the max
 * to the m-th value) or from a sample, when it holds m candidates: speed only.
 */
static size_t top_values(tsamp_chain *c, const tsamp_view *v, size_t m, float *hint,
                         float *out, size_t *cnt_out) {
    const tsamp_kernels *K = c->k;
    float g = *hint > 0.0f && v->n > 1024 ? v->m - 1.05f * *hint
                                          : tsamp_view_guess_threshold(c, v, m);
    size_t cnt = 0;
    if (g > -FLT_MAX) cnt = K->compact_ge(v->x, v->n, g, c->idx, v->n);
    if (!(g > -FLT_MAX) || cnt < m) cnt = K->compact_ge(v->x, v->n, -FLT_MAX, c->idx, v->n);
    *cnt_out = cnt;
    if (cnt <= m) {
        for (size_t j = 0; j < cnt; j++) out[j] = v->x[c->idx[j]];
        sort_descending(out, cnt);
        return cnt;
    }
    size_t gt;
    float kth = tsamp_view_kth_largest(v->x, c->idx, cnt, m, &gt);
    *hint = v->m - kth;
    size_t j = 0;
    for (size_t i = 0; i < cnt; i++) {
        float x = v->x[c->idx[i]];
        if (x > kth) out[j++] = x;
    }
    while (j < m) out[j++] = kth; /* the tie group at the m-th value */
    sort_descending(out, m);
    return m;
}

/* t_i = log((i + 2) / (i + 1)): the state's cache holds the first ones. */
static double t_of(const tsamp_mirostat_state *st, size_t i) {
    return i < st->n_t ? st->t[i] : tsamp_log_d((double)(i + 2) / (double)(i + 1));
}

/*
 * Zipf exponent estimate from the nt >= 2 largest values, as llama.cpp:
 * s = sum t_i b_i / sum t_i^2 over i < nt - 1, t_i = log((i + 2) / (i + 1)),
 * b_i = log(p_i / p_(i+1)). b_i is taken as the difference of the scaled logits, which is
 * exactly that log ratio (no underflow of p, no overflow of the scaled distance), in double.
 */
static double estimate_s(const tsamp_mirostat_state *st, const tsamp_view *v, const float *top,
                         size_t nt) {
    double sum_tb = 0.0, sum_tt = 0.0, s = (double)v->s;
    for (size_t i = 0; i + 1 < nt; i++) {
        double t = t_of(st, i);
        double b = ((double)top[i] - (double)top[i + 1]) * s;
        sum_tb += t * b;
        sum_tt += t * t;
    }
    return sum_tb / sum_tt;
}

/*
 * llama.cpp's k = (eps * 2^mu / (1 - N^-eps))^(1 / s), eps = s - 1, N = the vocabulary size,
 * then max(int(k), 1); computed in log space in double so that no power overflows. eps = 0
 * (s = 1) takes the limit eps / (1 - N^-eps) -> 1 / ln N; s = 0 (the top values all equal)
 * the limit of the power: every candidate when the base exceeds 1, else 1. SIZE_MAX when
 * k is too large for any vocabulary (llama.cpp's int(k) is undefined there).
 */
static size_t mirostat_k(double s, double mu, size_t n_vocab) {
    double ln_n = tsamp_log_d((double)n_vocab), eps = s - 1.0, a = eps * ln_n, ln_g;
    if (fabs(a) < 1e-3) { /* a / (1 - e^-a), by its series (error below 1e-19) */
        double a2 = a * a;
        ln_g = tsamp_log_d((1.0 + a * 0.5 + a2 / 12.0 - a2 * a2 / 720.0) / ln_n);
    } else if (a > 0.0) {
        ln_g = tsamp_log_d(eps) - tsamp_log_d(1.0 - exp_d(-a));
    } else { /* eps / (1 - e^-a) = -eps / (e^-a - 1), with e^-a > 1 */
        ln_g = tsamp_log_d(-eps) + a - tsamp_log_d(1.0 - exp_d(a));
    }
    double ln_f = ln_g + mu * LN2;
    if (s == 0.0) return ln_f > 0.0 ? SIZE_MAX : 1;
    double ln_k = ln_f / s;
    if (ln_k != ln_k) return 1;
    if (ln_k >= 700.0) return SIZE_MAX;
    double k = exp_d(ln_k);
    if (k >= (double)SIZE_MAX) return SIZE_MAX;
    return k < 1.0 ? 1 : (size_t)k; /* truncation, as int(k) */
}

static tsamp_status apply_v1(tsamp_run *r, const tsamp_proc *p, void *state, float *hint) {
    tsamp_mirostat_state *st = state;
    tsamp_chain *c = r->c;
    tsamp_view *v = &r->v;
    size_t m = (size_t)p->u.mirostat.m, cnt; /* m >= 2 */
    float *top = c->w;                       /* scratch: n_vocab floats, free during apply */
    size_t nt = top_values(c, v, m, hint, top, &cnt);
    if (nt < 2) return TSAMP_OK; /* a single candidate */
    size_t k = mirostat_k(estimate_s(st, v, top, nt), st->mu, c->n_vocab);
    if (nt < m && k >= nt) return TSAMP_OK; /* nt < m: those are every candidate, all kept */
    if (k >= v->n) return TSAMP_OK;         /* at least every candidate */
    if (k > nt) {
        tsamp_view_top_k(c, v, k, &st->k_hint);
        return TSAMP_OK;
    }
    /* The top k from the values already selected: the k-th value is top[k - 1], and c->idx
     * holds every candidate at or above it; ties at it go to the lowest ids. */
    float kth = top[k - 1];
    size_t gt = 0;
    while (top[gt] > kth) gt++;
    size_t need = k - gt, last_tie = 0;
    for (size_t j = 0; j < cnt && need > 0; j++) {
        if (v->x[c->idx[j]] == kth) {
            last_tie = (size_t)c->idx[j];
            need--;
        }
    }
    tsamp_view_keep(c, v, c->idx, cnt, kth, last_tie);
    return TSAMP_OK;
}

/* ---- mirostat v2: truncation at a surprise of mu bits ------------------------------------ */

/*
 * Kept test for a (candidate) value x, monotone in x: its surprise -log2 p <= mu, i.e. its
 * scaled logit d >= ln Z - mu ln 2 = `bound` (Z the canonical total of the weights), and a
 * non-zero weight (llama.cpp drops p = 0: its surprise is infinite).
 */
static int passes(const tsamp_view *v, float x, double bound) {
    float d = tsamp_scaled_dist(x, v->m, v->s);
    return (double)d >= bound && tsamp_exp_core(d) > 0.0f;
}

static tsamp_status apply_v2(tsamp_run *r, const tsamp_proc *p, void *state, float *hint) {
    (void)p, (void)hint;
    const tsamp_mirostat_state *st = state;
    tsamp_chain *c = r->c;
    tsamp_view *v = &r->v;
    double total = c->k->sum_exp(v->x, v->n, v->m, v->s, NULL, NULL); /* >= 1: the max */
    double bound = tsamp_log_d(total) - st->mu * LN2;
    if (!passes(v, v->m, bound)) { /* nothing passes: the first candidate in order stays */
        tsamp_view_top_k(c, v, 1, NULL);
        return TSAMP_OK;
    }
    if (passes(v, -FLT_MAX, bound)) return TSAMP_OK; /* every candidate passes */
    uint32_t lo = tsamp_key(-FLT_MAX), hi = tsamp_key(v->m); /* fails at lo, passes at hi */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (passes(v, tsamp_from_key(mid), bound))
            hi = mid;
        else
            lo = mid;
    }
    float x0 = tsamp_from_key(hi);
    size_t cnt = c->k->compact_ge(v->x, v->n, x0, c->idx, v->n);
    if (cnt == v->n) return TSAMP_OK; /* every entry passes: nothing to drop */
    tsamp_view_keep(c, v, c->idx, cnt, x0, SIZE_MAX);
    return TSAMP_OK;
}

/* ---- state: mu and the pending draw ------------------------------------------------------- */

/* v1 caches the first min(m - 1, TSAMP_MIROSTAT_T_CACHE) constants of its estimate. */
static size_t n_t_of(const tsamp_proc *p) {
    if (p->kind != TSAMP_PROC_MIROSTAT) return 0;
    size_t n = (size_t)p->u.mirostat.m - 1;
    return n < TSAMP_MIROSTAT_T_CACHE ? n : TSAMP_MIROSTAT_T_CACHE;
}

static size_t state_size(const tsamp_proc *p, size_t n_vocab) {
    (void)n_vocab;
    return sizeof(tsamp_mirostat_state) + n_t_of(p) * sizeof(double);
}

static void state_reset(const tsamp_proc *p, void *state) {
    tsamp_mirostat_state *st = state;
    memset(st, 0, sizeof *st);
    st->mu = 2.0 * (double)p->u.mirostat.tau;
    st->pending = -1;
    st->n_t = (uint32_t)n_t_of(p);
    for (size_t i = 0; i < st->n_t; i++)
        st->t[i] = tsamp_log_d((double)(i + 2) / (double)(i + 1));
}

static void sampled(const tsamp_proc *p, void *state, int32_t token, double prob) {
    (void)p;
    tsamp_mirostat_state *st = state;
    st->pending = token;
    st->pending_prob = prob;
}

/* mu -= eta * (surprise - tau), surprise = -log2 of the drawn token's probability, when the
 * accepted token is the one last drawn; any accepted token ends the pending draw. */
static void accept(const tsamp_proc *p, void *state, const tsamp_chain *c, int32_t token) {
    (void)c;
    tsamp_mirostat_state *st = state;
    if (st->pending >= 0 && token == st->pending && st->pending_prob > 0.0) {
        double surprise = -tsamp_log_d(st->pending_prob) / LN2;
        st->mu -= (double)p->u.mirostat.eta * (surprise - (double)p->u.mirostat.tau);
    }
    st->pending = -1;
}

const tsamp_proc_ops tsamp_ops_mirostat = {
    .apply = apply_v1,
    .state_size = state_size,
    .state_reset = state_reset,
    .accept = accept,
    .sampled = sampled,
};

const tsamp_proc_ops tsamp_ops_mirostat_v2 = {
    .apply = apply_v2,
    .state_size = state_size,
    .state_reset = state_reset,
    .accept = accept,
    .sampled = sampled,
};

/* ---- constructors and the public entry points -------------------------------------------- */

static int finite_f(float x) { return x == x && x != INFINITY && x != -INFINITY; }

tsamp_status tsamp_proc_mirostat(tsamp_proc *out, float tau, float eta, int32_t m) {
    if (!finite_f(tau) || !finite_f(eta) || m < 2) return TSAMP_ERR_INVALID_PARAM;
    memset(out, 0, sizeof *out);
    out->kind = TSAMP_PROC_MIROSTAT;
    out->u.mirostat.tau = tau;
    out->u.mirostat.eta = eta;
    out->u.mirostat.m = m;
    return TSAMP_OK;
}

tsamp_status tsamp_proc_mirostat_v2(tsamp_proc *out, float tau, float eta) {
    if (!finite_f(tau) || !finite_f(eta)) return TSAMP_ERR_INVALID_PARAM;
    memset(out, 0, sizeof *out);
    out->kind = TSAMP_PROC_MIROSTAT_V2;
    out->u.mirostat.tau = tau;
    out->u.mirostat.eta = eta;
    out->u.mirostat.m = 0;
    return TSAMP_OK;
}

tsamp_status tsamp_chain_add_mirostat(tsamp_chain *c, float tau, float eta, int32_t m) {
    if (!c) return TSAMP_ERR_NULL;
    tsamp_proc proc;
    tsamp_status st = tsamp_proc_mirostat(&proc, tau, eta, m);
    return st != TSAMP_OK ? st : tsamp_chain_append(c, &proc, 1);
}

tsamp_status tsamp_chain_add_mirostat_v2(tsamp_chain *c, float tau, float eta) {
    if (!c) return TSAMP_ERR_NULL;
    tsamp_proc proc;
    tsamp_status st = tsamp_proc_mirostat_v2(&proc, tau, eta);
    return st != TSAMP_OK ? st : tsamp_chain_append(c, &proc, 1);
}
