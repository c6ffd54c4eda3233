/* Every kind of processor and what it does. */
#include "tsamp_internal.h"

extern const tsamp_proc_ops tsamp_ops_temperature, tsamp_ops_top_k, tsamp_ops_top_p,
    tsamp_ops_min_p;
/* (ops: shaping) */
extern const tsamp_proc_ops tsamp_ops_typical, tsamp_ops_top_n_sigma, tsamp_ops_xtc,
    tsamp_ops_temp_ext, tsamp_ops_epsilon, tsamp_ops_eta;
/* (ops: edits) */
extern const tsamp_proc_ops tsamp_ops_penalties, tsamp_ops_dry, tsamp_ops_logit_bias,
    tsamp_ops_no_repeat_ngram, tsamp_ops_allow, tsamp_ops_deny, tsamp_ops_mask_callback,
    tsamp_ops_min_length;
/* (ops: stateful) */
extern const tsamp_proc_ops tsamp_ops_mirostat, tsamp_ops_mirostat_v2, tsamp_ops_adaptive_p;

static const tsamp_proc_ops *const TABLE[TSAMP_PROC_COUNT] = {
    [TSAMP_PROC_TEMPERATURE] = &tsamp_ops_temperature,
    [TSAMP_PROC_TOP_K] = &tsamp_ops_top_k,
    [TSAMP_PROC_TOP_P] = &tsamp_ops_top_p,
    [TSAMP_PROC_MIN_P] = &tsamp_ops_min_p,
    /* (table: shaping) */
    [TSAMP_PROC_TYPICAL] = &tsamp_ops_typical,
    [TSAMP_PROC_TOP_N_SIGMA] = &tsamp_ops_top_n_sigma,
    [TSAMP_PROC_XTC] = &tsamp_ops_xtc,
    [TSAMP_PROC_TEMP_EXT] = &tsamp_ops_temp_ext,
    [TSAMP_PROC_EPSILON] = &tsamp_ops_epsilon,
    [TSAMP_PROC_ETA] = &tsamp_ops_eta,
    /* (table: edits) */
    [TSAMP_PROC_PENALTIES] = &tsamp_ops_penalties,
    [TSAMP_PROC_DRY] = &tsamp_ops_dry,
    [TSAMP_PROC_LOGIT_BIAS] = &tsamp_ops_logit_bias,
    [TSAMP_PROC_NO_REPEAT_NGRAM] = &tsamp_ops_no_repeat_ngram,
    [TSAMP_PROC_ALLOW] = &tsamp_ops_allow,
    [TSAMP_PROC_DENY] = &tsamp_ops_deny,
    [TSAMP_PROC_MASK_CALLBACK] = &tsamp_ops_mask_callback,
    [TSAMP_PROC_MIN_LENGTH] = &tsamp_ops_min_length,
    /* (table: stateful) */
    [TSAMP_PROC_MIROSTAT] = &tsamp_ops_mirostat,
    [TSAMP_PROC_MIROSTAT_V2] = &tsamp_ops_mirostat_v2,
    [TSAMP_PROC_ADAPTIVE_P] = &tsamp_ops_adaptive_p,
};

const tsamp_proc_ops *tsamp_proc_ops_of(tsamp_proc_kind kind) { return TABLE[kind]; }
