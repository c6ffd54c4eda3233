/* Processor constructors: parameter domains (tsamp.h) and the public add_* entry points. */
#include <math.h>
#include <string.h>

#include "tsamp_internal.h"

static tsamp_proc proc_of(tsamp_proc_kind kind) {
    tsamp_proc p;
    memset(&p, 0, sizeof p);
    p.kind = kind;
    return p;
}

tsamp_status tsamp_proc_temperature(tsamp_proc *out, float t) {
    if (!(t >= 0.0f) || t == (float)INFINITY) return TSAMP_ERR_INVALID_PARAM;
    *out = proc_of(TSAMP_PROC_TEMPERATURE);
    out->u.temperature.t = t;
    return TSAMP_OK;
}

tsamp_status tsamp_proc_top_k(tsamp_proc *out, int32_t k) {
    *out = proc_of(TSAMP_PROC_TOP_K);
    out->u.top_k.k = k;
    return TSAMP_OK;
}

tsamp_status tsamp_proc_top_p(tsamp_proc *out, float p, size_t min_keep) {
    if (p != p) return TSAMP_ERR_INVALID_PARAM;
    *out = proc_of(TSAMP_PROC_TOP_P);
    out->u.top_p.p = p;
    out->u.top_p.min_keep = min_keep;
    return TSAMP_OK;
}

tsamp_status tsamp_proc_min_p(tsamp_proc *out, float p, size_t min_keep) {
    if (p != p) return TSAMP_ERR_INVALID_PARAM;
    *out = proc_of(TSAMP_PROC_MIN_P);
    out->u.min_p.p = p;
    out->u.min_p.min_keep = min_keep;
    out->u.min_p.log_p = p > 0.0f ? tsamp_log(p) : 0.0f;
    return TSAMP_OK;
}

/* Validate, then append: the chain is unchanged on any error. */
#define TSAMP_ADD(c, ctor_call)                                                               \
    do {                                                                                      \
        if (!(c)) return TSAMP_ERR_NULL;                                                      \
        tsamp_proc proc_;                                                                     \
        tsamp_status st_ = ctor_call;                                                         \
        if (st_ != TSAMP_OK) return st_;                                                      \
        return tsamp_chain_append((c), &proc_, 1);                                            \
    } while (0)

tsamp_status tsamp_chain_add_temperature(tsamp_chain *c, float t) {
    TSAMP_ADD(c, tsamp_proc_temperature(&proc_, t));
}

tsamp_status tsamp_chain_add_top_k(tsamp_chain *c, int32_t k) {
    TSAMP_ADD(c, tsamp_proc_top_k(&proc_, k));
}

tsamp_status tsamp_chain_add_top_p(tsamp_chain *c, float p, size_t min_keep) {
    TSAMP_ADD(c, tsamp_proc_top_p(&proc_, p, min_keep));
}

tsamp_status tsamp_chain_add_min_p(tsamp_chain *c, float p, size_t min_keep) {
    TSAMP_ADD(c, tsamp_proc_min_p(&proc_, p, min_keep));
}
