/*
 * Epsilon sampling (Hugging Face's EpsilonLogitsWarper): keep probability >= eps, a threshold
 * in logit space (a_i >= log eps + log S), plus Hugging Face's min_tokens_to_keep.
 */
#include <float.h>

#include "proc_shaping_internal.h"

typedef struct {
    const tsamp_view *v;
    double cut; /* on the scaled logit */
} cutoff;

static int passes(float x, const void *ctx) {
    const cutoff *k = ctx;
    return (double)tsamp_shaping_scaled(k->v, x) >= k->cut;
}

static tsamp_status apply(tsamp_run *r, const tsamp_proc *p, void *state, float *hint) {
    (void)state, (void)hint;
    if (!(p->u.epsilon.eps > 0.0f)) return TSAMP_OK;
    tsamp_chain *c = r->c;
    tsamp_view *v = &r->v;
    double S = c->k->sum_exp(v->x, v->n, v->m, v->s, NULL, NULL);
    cutoff k = {v, p->u.epsilon.log_eps + tsamp_log_d(S)};
    tsamp_shaping_keep_ge(c, v, tsamp_shaping_first_passing(v, passes, &k), p->u.epsilon.min_keep);
    return TSAMP_OK;
}

const tsamp_proc_ops tsamp_ops_epsilon = {.apply = apply};

tsamp_status tsamp_proc_epsilon(tsamp_proc *out, float eps, size_t min_keep) {
    if (eps != eps || eps >= 1.0f) return TSAMP_ERR_INVALID_PARAM;
    *out = tsamp_shaping_proc(TSAMP_PROC_EPSILON);
    out->u.epsilon.eps = eps;
    out->u.epsilon.min_keep = min_keep;
    out->u.epsilon.log_eps = eps > 0.0f ? tsamp_log_d((double)eps) : 0.0;
    return TSAMP_OK;
}

tsamp_status tsamp_chain_add_epsilon(tsamp_chain *c, float eps, size_t min_keep) {
    TSAMP_SHAPING_ADD(c, tsamp_proc_epsilon(&proc_, eps, min_keep));
}
