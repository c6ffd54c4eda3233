/*
 * Dynamic temperature from the entropy (llama.cpp's temp_ext): T = t_min + (t_max - t_min) *
 * (H / log n)^exponent, then a temperature T folded into the view's scale, as
 * src/proc_temperature.c does. H from the canonical moments (no per-token log), the power by
 * the library's own log and exp.
 */
#include <float.h>
#include <math.h>

#include "proc_shaping_internal.h"

/* x^e for x in [0, 1], e >= 0 finite; x^0 = 1 (also 0^0, as powf). */
static double power01(double x, float e) {
    if (e == 0.0f || x >= 1.0) return 1.0;
    if (x <= 0.0) return 0.0;
    double y = (double)e * tsamp_log_d(x); /* <= 0 */
    return y < (double)TSAMP_EXP_LO ? 0.0 : (double)tsamp_exp_core((float)y);
}

/* The temperature T (float, >= 0) applied to the view: greedy at 0, the scale otherwise. */
static void apply_temperature(tsamp_run *r, float t) {
    tsamp_view *v = &r->v;
    if (t == 1.0f) return;
    if (t == 0.0f) {
        int32_t first = (int32_t)r->c->k->find_first(v->x, v->n, v->m);
        tsamp_view_keep(r->c, v, &first, 1, v->m, SIZE_MAX);
        return;
    }
    v->scale /= (double)t;
    v->s = v->scale < (double)FLT_MAX ? (float)v->scale : FLT_MAX;
}

static tsamp_status apply(tsamp_run *r, const tsamp_proc *p, void *state, float *hint) {
    (void)state, (void)hint;
    float t = p->u.temp_ext.t, delta = p->u.temp_ext.delta;
    if (!(delta > 0.0f)) {
        apply_temperature(r, t);
        return TSAMP_OK;
    }
    double S, E;
    size_t n = tsamp_shaping_moments(r->c, &r->v, &S, &E);
    if (n <= 1) return TSAMP_OK;
    double t_min = (double)t - (double)delta, t_max = (double)t + (double)delta;
    if (t_min < 0.0) t_min = 0.0;
    double h = (tsamp_log_d(S) - E / S) / tsamp_log_d((double)n); /* H / log n */
    h = h < 0.0 ? 0.0 : h > 1.0 ? 1.0 : h;
    double dyn = t_min + (t_max - t_min) * power01(h, p->u.temp_ext.exponent);
    apply_temperature(r, dyn < (double)FLT_MAX ? (float)dyn : FLT_MAX);
    return TSAMP_OK;
}

const tsamp_proc_ops tsamp_ops_temp_ext = {.apply = apply};

tsamp_status tsamp_proc_temp_ext(tsamp_proc *out, float t, float delta, float exponent) {
    if (!(t >= 0.0f) || t == INFINITY) return TSAMP_ERR_INVALID_PARAM;
    if (!(delta > -INFINITY && delta < INFINITY)) return TSAMP_ERR_INVALID_PARAM;
    if (!(exponent >= 0.0f) || exponent == INFINITY) return TSAMP_ERR_INVALID_PARAM;
    *out = tsamp_shaping_proc(TSAMP_PROC_TEMP_EXT);
    out->u.temp_ext.t = t;
    out->u.temp_ext.delta = delta;
    out->u.temp_ext.exponent = exponent;
    return TSAMP_OK;
}

tsamp_status tsamp_chain_add_temp_ext(tsamp_chain *c, float t, float delta, float exponent) {
    TSAMP_SHAPING_ADD(c, tsamp_proc_temp_ext(&proc_, t, delta, exponent));
}
