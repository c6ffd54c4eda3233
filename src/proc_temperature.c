/* Temperature: a scale on the logits, folded into every later pass; 0 is greedy. */
#include <float.h>

#include "view_internal.h"

static tsamp_status apply(tsamp_run *r, const tsamp_proc *p, void *state, float *hint) {
    (void)state, (void)hint;
    tsamp_view *v = &r->v;
    float t = p->u.temperature.t;
    if (t == 1.0f) return TSAMP_OK;
    if (t == 0.0f) { /* greedy: the first maximal candidate */
        int32_t first = (int32_t)r->c->k->find_first(v->x, v->n, v->m);
        tsamp_view_keep(r->c, v, &first, 1, v->m, SIZE_MAX);
        return TSAMP_OK;
    }
    /* The product of the 1/t in double, so that 1e30 then 1e-30 is 1 again; the float scale
     * saturates at FLT_MAX, where only logits equal to the max keep any weight. */
    v->scale /= (double)t;
    v->s = v->scale < (double)FLT_MAX ? (float)v->scale : FLT_MAX;
    return TSAMP_OK;
}

const tsamp_proc_ops tsamp_ops_temperature = {.apply = apply};
