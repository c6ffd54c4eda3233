/* Every kind of processor and what it does. */
#include "tsamp_internal.h"

extern const tsamp_proc_ops tsamp_ops_temperature, tsamp_ops_top_k, tsamp_ops_top_p,
    tsamp_ops_min_p;
/* (ops: shaping) */
/* (ops: edits) */
/* (ops: stateful) */

static const tsamp_proc_ops *const TABLE[TSAMP_PROC_COUNT] = {
    [TSAMP_PROC_TEMPERATURE] = &tsamp_ops_temperature,
    [TSAMP_PROC_TOP_K] = &tsamp_ops_top_k,
    [TSAMP_PROC_TOP_P] = &tsamp_ops_top_p,
    [TSAMP_PROC_MIN_P] = &tsamp_ops_min_p,
    /* (table: shaping) */
    /* (table: edits) */
    /* (table: stateful) */
};

const tsamp_proc_ops *tsamp_proc_ops_of(tsamp_proc_kind kind) { return TABLE[kind]; }
