/* Min-p: a threshold in logit space, so only kept tokens ever need exp (DESIGN.md §5). */
#include <float.h>

#include "fmath_internal.h"
#include "view_internal.h"

/* The kept test, as tsamp.h defines it: scaled distance to the max >= log(p). */
static int passes(const tsamp_view *v, float x, float log_p) {
    return tsamp_scaled_dist(x, v->m, v->s) >= log_p;
}

static void min_p(tsamp_chain *c, tsamp_view *v, float p, size_t min_keep, float log_p) {
    if (!(p > 0.0f)) return;
    size_t need = min_keep > 1 ? min_keep : 1;
    if (!passes(v, v->m, log_p)) { /* p > 1: nothing passes */
        tsamp_view_top_k(c, v, need, NULL);
        return;
    }
    if (passes(v, -FLT_MAX, log_p)) return; /* every candidate passes */
    /* The test is monotone in x: bisect the keys for the smallest passing value. */
    uint32_t lo = tsamp_key(-FLT_MAX), hi = tsamp_key(v->m); /* fails at lo, passes at hi */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (passes(v, tsamp_from_key(mid), log_p))
            hi = mid;
        else
            lo = mid;
    }
    float x0 = tsamp_from_key(hi);
    size_t cnt = c->k->compact_ge(v->x, v->n, x0, c->idx, v->n);
    if (cnt < need) {
        tsamp_view_top_k(c, v, need, NULL);
        return;
    }
    if (v->ids && cnt == v->n) return;
    tsamp_view_keep(c, v, c->idx, cnt, x0, SIZE_MAX);
}

static tsamp_status apply(tsamp_run *r, const tsamp_proc *p, void *state, float *hint) {
    (void)state, (void)hint;
    min_p(r->c, &r->v, p->u.min_p.p, p->u.min_p.min_keep, p->u.min_p.log_p);
    return TSAMP_OK;
}

const tsamp_proc_ops tsamp_ops_min_p = {.apply = apply};
