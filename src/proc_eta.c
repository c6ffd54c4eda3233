/*
 * Eta sampling (Hugging Face's EtaLogitsWarper): keep probability >= eta, eta =
 * min(eps, sqrt(eps) * exp(-H)). With log p_i = a_i - log S and H = log S - abar, in logit
 * space: a_i >= min(log eps + log S, log(eps) / 2 + abar). No exp, one log.
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
    if (!(p->u.eta.eps > 0.0f)) return TSAMP_OK;
    tsamp_chain *c = r->c;
    tsamp_view *v = &r->v;
    double S, E;
    tsamp_shaping_moments(c, v, &S, &E);
    double le = p->u.eta.log_eps;
    double by_eps = le + tsamp_log_d(S), by_entropy = 0.5 * le + E / S;
    cutoff k = {v, by_eps < by_entropy ? by_eps : by_entropy};
    tsamp_shaping_keep_ge(c, v, tsamp_shaping_first_passing(v, passes, &k), p->u.eta.min_keep);
    return TSAMP_OK;
}

const tsamp_proc_ops tsamp_ops_eta = {.apply = apply};

tsamp_status tsamp_proc_eta(tsamp_proc *out, float eps, size_t min_keep) {
    if (eps != eps || eps >= 1.0f) return TSAMP_ERR_INVALID_PARAM;
    *out = tsamp_shaping_proc(TSAMP_PROC_ETA);
    out->u.eta.eps = eps;
    out->u.eta.min_keep = min_keep;
    out->u.eta.log_eps = eps > 0.0f ? tsamp_log_d((double)eps) : 0.0;
    return TSAMP_OK;
}

tsamp_status tsamp_chain_add_eta(tsamp_chain *c, float eps, size_t min_keep) {
    TSAMP_SHAPING_ADD(c, tsamp_proc_eta(&proc_, eps, min_keep));
}
