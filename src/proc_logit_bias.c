/* Logit bias (llama.cpp's llama_sampler_logit_bias): each entry in order, on the candidates. */
#include <math.h>
#include <string.h>

#include "proc_edits_internal.h"

/* l + b, saturated unless b masks (-inf): a finite sum never becomes +-inf. */
static float add_bias(float l, float b) {
    if (b == -INFINITY) return -INFINITY;
    return tsamp_edits_sat(l + b);
}

static tsamp_status apply(tsamp_run *r, const tsamp_proc *p, void *state, float *hint) {
    (void)state, (void)hint;
    const tsamp_logit_bias *e = p->data;
    size_t n = p->u.logit_bias.n;
    tsamp_view *v = &r->v;
    size_t first = n;
    for (size_t j = 0; j < n && first == n; j++)
        if (e[j].bias != 0.0f && tsamp_view_find(v, e[j].token) != SIZE_MAX) first = j;
    if (first == n) return TSAMP_OK;
    float *x = tsamp_edits_materialize(r->c, v);
    for (size_t j = first; j < n; j++) {
        size_t i = tsamp_view_find(v, e[j].token);
        /* A masked entry of a compacted view stays -inf: -inf + b is -inf for finite b. */
        if (i != SIZE_MAX && x[i] > -INFINITY) x[i] = add_bias(x[i], e[j].bias);
    }
    return tsamp_view_refresh(r->c, v);
}

const tsamp_proc_ops tsamp_ops_logit_bias = {.apply = apply, .edits = 1};

tsamp_status tsamp_proc_logit_bias(tsamp_proc *out, size_t n_vocab, const tsamp_allocator *a,
                                   const tsamp_logit_bias *biases, size_t n) {
    if (n > 0 && !biases) return TSAMP_ERR_NULL;
    for (size_t j = 0; j < n; j++) {
        if (biases[j].token < 0 || (size_t)biases[j].token >= n_vocab) return TSAMP_ERR_VOCAB;
        if (!(biases[j].bias <= FLT_MAX)) return TSAMP_ERR_INVALID_PARAM; /* NaN, +inf */
    }
    if (n > SIZE_MAX / sizeof *biases) return TSAMP_ERR_INVALID_PARAM;
    memset(out, 0, sizeof *out);
    out->kind = TSAMP_PROC_LOGIT_BIAS;
    out->u.logit_bias.n = n;
    if (n == 0) return TSAMP_OK;
    tsamp_logit_bias *copy = tsamp_alloc(a, n * sizeof *copy);
    if (!copy) return TSAMP_ERR_NOMEM;
    memcpy(copy, biases, n * sizeof *copy);
    out->data = copy;
    out->data_size = n * sizeof *copy;
    return TSAMP_OK;
}

tsamp_status tsamp_chain_add_logit_bias(tsamp_chain *c, const tsamp_logit_bias *biases, size_t n) {
    if (!c) return TSAMP_ERR_NULL;
    tsamp_proc p;
    tsamp_status st = tsamp_proc_logit_bias(&p, c->n_vocab, &c->allocator, biases, n);
    if (st != TSAMP_OK) return st;
    st = tsamp_chain_append(c, &p, 1);
    tsamp_proc_edits_release(&p, &c->allocator);
    return st;
}
