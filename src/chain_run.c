/* Running a chain: validate the logits, apply the processors in order, then draw. */
#include <float.h>
#include <math.h>

#include "view_internal.h"

void tsamp_proc_apply_temperature(tsamp_chain *c, tsamp_view *v, float t) {
    if (t == 1.0f) return;
    if (t == 0.0f) { /* greedy: the first maximal candidate */
        int32_t first = (int32_t)c->k->find_first(v->x, v->n, v->m);
        tsamp_view_keep(c, v, &first, 1, v->m, SIZE_MAX);
        return;
    }
    /* The product of the 1/t in double, so that 1e30 then 1e-30 is 1 again; the float scale
     * saturates at FLT_MAX, where only logits equal to the max keep any weight. */
    v->scale /= (double)t;
    v->s = v->scale < (double)FLT_MAX ? (float)v->scale : FLT_MAX;
}

static void apply(tsamp_chain *c, tsamp_view *v, const tsamp_proc *p, float *hint) {
    switch (p->kind) {
    case TSAMP_PROC_TEMPERATURE:
        tsamp_proc_apply_temperature(c, v, p->u.temperature.t);
        break;
    case TSAMP_PROC_TOP_K:
        if (p->u.top_k.k > 0) tsamp_view_top_k(c, v, (size_t)p->u.top_k.k, hint);
        break;
    case TSAMP_PROC_TOP_P:
        tsamp_proc_apply_top_p(c, v, p->u.top_p.p, p->u.top_p.min_keep, hint);
        break;
    case TSAMP_PROC_MIN_P:
        tsamp_proc_apply_min_p(c, v, p->u.min_p.p, p->u.min_p.min_keep, p->u.min_p.log_p);
        break;
    }
}

tsamp_status tsamp_chain_run(tsamp_chain *c, const float *logits, tsamp_view *v) {
    float m;
    if (c->k->max(logits, c->n_vocab, &m)) return TSAMP_ERR_NONFINITE;
    if (m == -INFINITY) return TSAMP_ERR_ALL_MASKED;
    v->x = logits;
    v->ids = NULL;
    v->n = c->n_vocab;
    v->m = m;
    v->s = 1.0f;
    v->scale = 1.0;
    for (size_t i = 0; i < c->n_procs; i++) apply(c, v, &c->procs[i], &c->hints[i]);
    return TSAMP_OK;
}

tsamp_status tsamp_chain_sample(tsamp_chain *c, const float *logits, int32_t *token) {
    if (!c || !logits || !token) return TSAMP_ERR_NULL;
    tsamp_view v;
    tsamp_status st = tsamp_chain_run(c, logits, &v);
    if (st != TSAMP_OK) return st;
    if (v.ids && v.n == 1) {
        *token = v.ids[0];
        return TSAMP_OK;
    }
    tsamp_rng r = tsamp_rng_at(c->seed, c->stream, c->position);
    *token = tsamp_view_id(&v, tsamp_view_draw(c, &v, tsamp_rng_uniform(&r)));
    return TSAMP_OK;
}

tsamp_status tsamp_chain_distribution(tsamp_chain *c, const float *logits, int32_t *ids,
                                      float *probs, size_t cap, size_t *n_kept) {
    if (!c || !logits || !n_kept || (cap > 0 && (!ids || !probs))) return TSAMP_ERR_NULL;
    tsamp_view v;
    tsamp_status st = tsamp_chain_run(c, logits, &v);
    if (st != TSAMP_OK) return st;
    double total = c->k->sum_exp(v.x, v.n, v.m, v.s, NULL, c->w);
    size_t kept = 0;
    for (size_t i = 0; i < v.n; i++) kept += v.x[i] > -INFINITY;
    *n_kept = kept;
    if (cap < kept) return TSAMP_ERR_BUFFER_TOO_SMALL;
    size_t j = 0;
    for (size_t i = 0; i < v.n; i++) {
        if (!(v.x[i] > -INFINITY)) continue;
        ids[j] = tsamp_view_id(&v, i);
        probs[j] = (float)((double)c->w[i] / total);
        j++;
    }
    return TSAMP_OK;
}
