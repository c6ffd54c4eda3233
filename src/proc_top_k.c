/* Top-k: exact selection (src/view.c), ties to the lower token id. */
#include "view_internal.h"

static tsamp_status apply(tsamp_run *r, const tsamp_proc *p, void *state, float *hint) {
    (void)state;
    if (p->u.top_k.k > 0) tsamp_view_top_k(r->c, &r->v, (size_t)p->u.top_k.k, hint);
    return TSAMP_OK;
}

const tsamp_proc_ops tsamp_ops_top_k = {.apply = apply};
