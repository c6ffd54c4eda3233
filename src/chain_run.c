/* Running a chain: validate the logits, apply the processors in order, then draw. */
#include <math.h>

#include "fmath_internal.h"
#include "view_internal.h"

double tsamp_run_uniform(tsamp_run *r) { return tsamp_rng_uniform(&r->rng); }

tsamp_status tsamp_chain_run(tsamp_chain *c, const float *logits, tsamp_run *r) {
    float m;
    if (c->k->max(logits, c->n_vocab, &m)) return TSAMP_ERR_NONFINITE;
    if (m == -INFINITY) return TSAMP_ERR_ALL_MASKED;
    r->c = c;
    r->v.x = logits;
    r->v.ids = NULL;
    r->v.n = c->n_vocab;
    r->v.m = m;
    r->v.s = 1.0f;
    r->v.scale = 1.0;
    r->rng = tsamp_rng_at(c->seed, c->stream, c->position);
    r->u_final = tsamp_rng_uniform(&r->rng);
    for (size_t i = 0; i < c->n_procs; i++) {
        const tsamp_proc *p = &c->procs[i];
        tsamp_status st = tsamp_proc_ops_of(p->kind)->apply(r, p, c->states[i], &c->hints[i]);
        if (st != TSAMP_OK) return st;
    }
    return TSAMP_OK;
}

/* Tells the processors that watch the draw which token it gave and its probability. */
static void report_sampled(tsamp_chain *c, int32_t token, double prob) {
    for (size_t i = 0; i < c->n_procs; i++) {
        const tsamp_proc_ops *ops = tsamp_proc_ops_of(c->procs[i].kind);
        if (ops->sampled) ops->sampled(&c->procs[i], c->states[i], token, prob);
    }
}

tsamp_status tsamp_chain_sample(tsamp_chain *c, const float *logits, int32_t *token) {
    if (!c || !logits || !token) return TSAMP_ERR_NULL;
    tsamp_run r;
    tsamp_status st = tsamp_chain_run(c, logits, &r);
    if (st != TSAMP_OK) return st;
    const tsamp_view *v = &r.v;
    if (v->ids && v->n == 1) {
        *token = v->ids[0];
        report_sampled(c, *token, 1.0);
        return TSAMP_OK;
    }
    double total;
    size_t i = tsamp_view_draw(c, v, r.u_final, &total);
    *token = tsamp_view_id(v, i);
    report_sampled(c, *token, (double)tsamp_exp_core(tsamp_scaled_dist(v->x[i], v->m, v->s)) / total);
    return TSAMP_OK;
}

tsamp_status tsamp_chain_distribution(tsamp_chain *c, const float *logits, int32_t *ids,
                                      float *probs, size_t cap, size_t *n_kept) {
    if (!c || !logits || !n_kept || (cap > 0 && (!ids || !probs))) return TSAMP_ERR_NULL;
    tsamp_run r;
    tsamp_status st = tsamp_chain_run(c, logits, &r);
    if (st != TSAMP_OK) return st;
    const tsamp_view *v = &r.v;
    double total = c->k->sum_exp(v->x, v->n, v->m, v->s, NULL, c->w);
    size_t kept = 0;
    for (size_t i = 0; i < v->n; i++) kept += v->x[i] > -INFINITY;
    *n_kept = kept;
    if (cap < kept) return TSAMP_ERR_BUFFER_TOO_SMALL;
    size_t j = 0;
    for (size_t i = 0; i < v->n; i++) {
        if (!(v->x[i] > -INFINITY)) continue;
        ids[j] = tsamp_view_id(v, i);
        probs[j] = (float)((double)c->w[i] / total);
        j++;
    }
    return TSAMP_OK;
}
