/*
 * The stateful group of processors (tsamp.h, "processors: stateful"): mirostat v1 and v2
 * (llama.cpp's llama_sampler_mirostat / mirostat_v2) and adaptive-p (llama.cpp's
 * llama_sampler_adaptive_p). Their validating constructors, and the layout of their per-chain
 * state, which the tests read.
 *
 * How the state follows llama.cpp, where these samplers draw the token themselves and update
 * right after the draw: here the processor narrows (mirostat) or reshapes (adaptive-p) the
 * candidates and the chain's final draw picks the token; tsamp_chain_sample then reports the
 * drawn token and its probability through the `sampled` hook, which records them as pending;
 * tsamp_chain_accept applies the update when the accepted token is the pending one, and clears
 * the pending token whatever is accepted.
 */
#ifndef TSAMP_PROC_STATEFUL_INTERNAL_H
#define TSAMP_PROC_STATEFUL_INTERNAL_H

#include "tsamp_internal.h"

/* Validating constructors: INVALID_PARAM outside the domains documented in tsamp.h. */
tsamp_status tsamp_proc_mirostat(tsamp_proc *out, float tau, float eta, int32_t m);
tsamp_status tsamp_proc_mirostat_v2(tsamp_proc *out, float tau, float eta);
/* n_vocab: the vocabulary size of the chain the processor is for (its state keeps one float
 * per token, zeroed at reset). */
tsamp_status tsamp_proc_adaptive_p(tsamp_proc *out, size_t n_vocab, float target, float decay);

/* Mirostat (both versions): the state of one processor in one chain. */
typedef struct {
    double mu;           /* maximum surprise in bits: 2 * tau after creation and reset */
    double pending_prob; /* probability of the pending token in the distribution drawn from */
    int32_t pending;     /* the token the last tsamp_chain_sample drew; -1 if none */
    float k_hint;        /* v1: where the previous top-k cut was (speed only, never results) */
    uint32_t n_t;        /* v1: entries of t (min(m - 1, TSAMP_MIROSTAT_T_CACHE)); v2: 0 */
    double t[];          /* v1: t[i] = log((i + 2) / (i + 1)), the estimate's constants, as
                            computed without the cache (tsamp_log_d): speed only */
} tsamp_mirostat_state;

#define TSAMP_MIROSTAT_T_CACHE 1024

/* Adaptive-p: the exponential moving average of the original probabilities of the accepted
 * sampled tokens, and the original probability of every candidate of the last run. */
typedef struct {
    double weighted_sum; /* sum of p_i * decay^i: target / (1 - decay) after reset */
    double total_weight; /* sum of decay^i: 1 / (1 - decay) after reset */
    double pending_prob; /* original probability of the pending token */
    int32_t pending;     /* the token the last tsamp_chain_sample drew; -1 if none */
    uint32_t n_vocab;    /* entries of orig (set by each run) */
    float orig[];        /* by token id, zeroed at reset: each run writes its candidates' */
} tsamp_adaptive_p_state;

#endif /* TSAMP_PROC_STATEFUL_INTERNAL_H */
