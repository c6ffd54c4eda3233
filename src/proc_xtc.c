/*
 * XTC, exclude top choices (llama.cpp's xtc): with probability `probability`, the candidates
 * whose probability is >= threshold (a threshold in logit space: a_i >= log t + log S) are
 * removed but for the least likely of them, when there are at least two and min_keep allows.
 * The one uniform per token is the position stream's next number (tsamp_run_uniform).
 */
#include <float.h>
#include <math.h>

#include "proc_shaping_internal.h"

typedef struct {
    const tsamp_view *v;
    double cut; /* on the scaled logit */
} cutoff;

static int passes(float x, const void *ctx) {
    const cutoff *k = ctx;
    return (double)tsamp_shaping_scaled(k->v, x) >= k->cut;
}

static void xtc(tsamp_chain *c, tsamp_view *v, const tsamp_proc *p) {
    const tsamp_kernels *K = c->k;
    float x0 = -FLT_MAX; /* threshold <= 0: every candidate qualifies */
    if (p->u.xtc.threshold > 0.0f) {
        double S = K->sum_exp(v->x, v->n, v->m, v->s, NULL, NULL);
        cutoff k = {v, p->u.xtc.log_t + tsamp_log_d(S)};
        x0 = tsamp_shaping_first_passing(v, passes, &k);
        if (x0 > v->m) return; /* nobody qualifies */
    }
    /* The qualifying candidates: at least two, and the least likely of them (the last in
     * candidate order: the smallest value, the highest index among equal ones). */
    size_t q = K->compact_ge(v->x, v->n, x0, c->idx, v->n);
    if (q < 2) return;
    float low = INFINITY;
    size_t stay = 0;
    for (size_t j = 0; j < q; j++) {
        float x = v->x[c->idx[j]];
        if (x <= low) {
            low = x;
            stay = (size_t)c->idx[j];
        }
    }
    size_t all = v->ids ? v->n : K->compact_ge(v->x, v->n, -FLT_MAX, c->idx, 0);
    if (all - (q - 1) < p->u.xtc.min_keep) return;
    /* One pass keeps the rest (as tsamp_view_keep would, in place: out <= i). */
    const float *x = v->x;
    float *vals = c->vals;
    int32_t *ids = c->ids;
    size_t out = 0;
    for (size_t i = 0; i < v->n; i++) {
        float xi = x[i];
        vals[out] = xi;
        ids[out] = tsamp_view_id(v, i);
        out += (size_t)(xi > -INFINITY && (xi < x0 || i == stay));
    }
    v->x = vals;
    v->ids = ids;
    v->n = out;
    v->m = low; /* the largest value left: the others are below the threshold */
}

static tsamp_status apply(tsamp_run *r, const tsamp_proc *p, void *state, float *hint) {
    (void)state, (void)hint;
    if (!(p->u.xtc.probability > 0.0f) || p->u.xtc.threshold > 0.5f) return TSAMP_OK;
    double u = tsamp_run_uniform(r);
    if (u <= (double)p->u.xtc.probability) xtc(r->c, &r->v, p);
    return TSAMP_OK;
}

const tsamp_proc_ops tsamp_ops_xtc = {.apply = apply};

tsamp_status tsamp_proc_xtc(tsamp_proc *out, float probability, float threshold,
                            size_t min_keep) {
    if (probability != probability || threshold != threshold) return TSAMP_ERR_INVALID_PARAM;
    *out = tsamp_shaping_proc(TSAMP_PROC_XTC);
    out->u.xtc.probability = probability;
    out->u.xtc.threshold = threshold;
    out->u.xtc.min_keep = min_keep;
    out->u.xtc.log_t = threshold > 0.0f ? tsamp_log_d((double)threshold) : 0.0;
    return TSAMP_OK;
}

tsamp_status tsamp_chain_add_xtc(tsamp_chain *c, float probability, float threshold,
                                 size_t min_keep) {
    TSAMP_SHAPING_ADD(c, tsamp_proc_xtc(&proc_, probability, threshold, min_keep));
}
