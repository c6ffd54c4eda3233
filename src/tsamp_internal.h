/* Private declarations shared by the library's translation units. */
#ifndef TSAMP_INTERNAL_H
#define TSAMP_INTERNAL_H

#include "tsamp.h"

#include <stddef.h>
#include <stdint.h>

/*
 * The canonical sum (DESIGN.md §6), used for every float reduction that can influence a token:
 * the array is cut into blocks of TSAMP_BLOCK elements; inside a block, element i goes to lane
 * i % TSAMP_LANES (lanes start at +0.0f and add in increasing i), then the 16 lanes are folded
 * by the fixed tree l[j] += l[j+8] (j<8), l[j] += l[j+4] (j<4), l[j] += l[j+2] (j<2),
 * l[0] += l[1]; the block sums are then added in block order in double. Every ISA path
 * reproduces this order exactly, so every path gives the same bits.
 */
#define TSAMP_LANES 16
#define TSAMP_BLOCK 256

static inline size_t tsamp_n_blocks(size_t n) { return (n + TSAMP_BLOCK - 1) / TSAMP_BLOCK; }

/* Dense kernels, one table per ISA (src/simd/<isa>.c). n >= 1 everywhere. */
typedef struct {
    tsamp_isa isa;
    /* *max = the largest x[i]; returns nonzero if some x[i] is NaN or +inf (*max unspecified). */
    int (*max)(const float *x, size_t n, float *max);
    /* The first i with x[i] == v, or n if none. */
    size_t (*find_first)(const float *x, size_t n, float v);
    /* e_i = tsamp_exp_core((x[i] - m) * s); returns the canonical sum of e. Writes the block
     * sums to blocks[0 .. tsamp_n_blocks(n)) and e to w[0 .. n) when they are not NULL. */
    double (*sum_exp)(const float *x, size_t n, float m, float s, float *blocks, float *w);
    /* Canonical sum of e_i = (x[i] >= v ? w[i] : 0.0f); *count = number of i with x[i] >= v. */
    double (*sum_ge)(const float *w, const float *x, size_t n, float v, size_t *count);
    /* Writes the i with x[i] >= v, increasing, to idx (at most cap of them); returns how many
     * there are in all. */
    size_t (*compact_ge)(const float *x, size_t n, float v, int32_t *idx, size_t cap);
} tsamp_kernels;

extern const tsamp_kernels tsamp_kernels_scalar;
extern const tsamp_kernels tsamp_kernels_avx2;   /* isa == TSAMP_ISA_SCALAR if not compiled in */
extern const tsamp_kernels tsamp_kernels_avx512; /* likewise */
extern const tsamp_kernels tsamp_kernels_neon;   /* likewise */

/* The kernels for a path (TSAMP_ISA_AUTO: tsamp_isa_default()); NULL if unavailable. */
const tsamp_kernels *tsamp_kernels_for(tsamp_isa isa);

/* ---- processors ------------------------------------------------------------------------- */

typedef enum {
    TSAMP_PROC_TEMPERATURE,
    TSAMP_PROC_TOP_K,
    TSAMP_PROC_TOP_P,
    TSAMP_PROC_MIN_P,
    /* (kinds: shaping) */
    TSAMP_PROC_TYPICAL,
    TSAMP_PROC_TOP_N_SIGMA,
    TSAMP_PROC_XTC,
    TSAMP_PROC_TEMP_EXT,
    TSAMP_PROC_EPSILON,
    TSAMP_PROC_ETA,
    /* (kinds: edits) */
    TSAMP_PROC_PENALTIES,
    TSAMP_PROC_DRY,
    TSAMP_PROC_LOGIT_BIAS,
    TSAMP_PROC_NO_REPEAT_NGRAM,
    TSAMP_PROC_ALLOW,
    TSAMP_PROC_DENY,
    TSAMP_PROC_MASK_CALLBACK,
    TSAMP_PROC_MIN_LENGTH,
    /* (kinds: stateful) */
    TSAMP_PROC_MIROSTAT,
    TSAMP_PROC_MIROSTAT_V2,
    TSAMP_PROC_ADAPTIVE_P,
    TSAMP_PROC_COUNT /* keep last */
} tsamp_proc_kind;

/*
 * One processor's configuration. Fixed parameters live in the union; variable-length ones
 * (lists) in `data`, which tsamp_chain_append copies into memory the chain owns.
 */
typedef struct {
    tsamp_proc_kind kind;
    union {
        struct { float t; } temperature;
        struct { int32_t k; } top_k;
        struct { float p; size_t min_keep; } top_p;
        struct { float p; size_t min_keep; float log_p; } min_p; /* log_p = tsamp_log(p) */
        /* (params: shaping) */
        struct { float p; size_t min_keep; } typical;
        struct { float n; } top_n_sigma;
        /* log_t = log(threshold) in double (0 when threshold <= 0) */
        struct { float probability, threshold; size_t min_keep; double log_t; } xtc;
        struct { float t, delta, exponent; } temp_ext;
        /* epsilon, eta: log_eps = log(eps) in double (0 when eps <= 0) */
        struct { float eps; size_t min_keep; double log_eps; } epsilon, eta;
        /* (params: edits) */
        struct { int32_t last_n; float repeat, freq, present; } penalties;
        /* data: the breakers (src/proc_dry.c); max_exponent from base at add time */
        struct { float multiplier, base; int32_t allowed_length, last_n, max_exponent;
                 size_t n_breakers; } dry;
        struct { size_t n; } logit_bias;             /* data: n tsamp_logit_bias */
        struct { int32_t n, last_n; } no_repeat_ngram;
        struct { size_t n; } ids;                    /* allow, deny; data: n ids, sorted */
        struct { tsamp_mask_fn fn; void *user; size_t n_vocab; } mask_callback;
        struct { int32_t eos; uint64_t min_length; } min_length;
        /* (params: stateful) */
        struct { float tau, eta; int32_t m; } mirostat; /* v1 and v2 (m = 0 for v2) */
        /* decay as given (clamped at use); n_vocab of the chain (the state zeroes that many) */
        struct { float target, decay; size_t n_vocab; } adaptive_p;
    } u;
    const void *data;
    size_t data_size;
} tsamp_proc;

typedef struct tsamp_run tsamp_run; /* one run of a chain over one logit vector */

/*
 * What a kind of processor does (one const table per kind, in its src/proc_<name>.c). Only
 * apply is required. Per-chain state is flat memory (no pointers): clone copies its bytes.
 */
typedef struct {
    /* Narrows or edits the run's view; ALL_MASKED when nothing is left. `hint` is a float the
     * chain keeps per processor between tokens: a guess for speed that never changes results. */
    tsamp_status (*apply)(tsamp_run *r, const tsamp_proc *p, void *state, float *hint);
    /* Bytes of state the processor keeps in a chain of n_vocab tokens (0: none). */
    size_t (*state_size)(const tsamp_proc *p, size_t n_vocab);
    /* Puts the state as at creation and after tsamp_chain_reset. */
    void (*state_reset)(const tsamp_proc *p, void *state);
    /* A token was accepted; the chain's history already ends with it. */
    void (*accept)(const tsamp_proc *p, void *state, const tsamp_chain *c, int32_t token);
    /* The last tsamp_chain_sample drew `token`, of probability `prob` in the final distribution. */
    void (*sampled)(const tsamp_proc *p, void *state, int32_t token, double prob);
    /* How many of the latest accepted tokens the processor reads. */
    size_t (*history_need)(const tsamp_proc *p);
    /* Nonzero if the processor changes logits (the chain then keeps an n_vocab edit buffer). */
    int edits;
} tsamp_proc_ops;

const tsamp_proc_ops *tsamp_proc_ops_of(tsamp_proc_kind kind);

/* Validating constructors: INVALID_PARAM for a value outside the domain (tsamp.h). */
tsamp_status tsamp_proc_temperature(tsamp_proc *out, float t);
tsamp_status tsamp_proc_top_k(tsamp_proc *out, int32_t k);
tsamp_status tsamp_proc_top_p(tsamp_proc *out, float p, size_t min_keep);
tsamp_status tsamp_proc_min_p(tsamp_proc *out, float p, size_t min_keep);

/* Appends n processors, all or nothing (NOMEM leaves the chain unchanged). */
tsamp_status tsamp_chain_append(tsamp_chain *c, const tsamp_proc *procs, size_t n);

/* The chain's processors, in order. */
const tsamp_proc *tsamp_chain_procs(const tsamp_chain *c, size_t *n);

/* The k-th latest accepted token (k = 0: the last one); -1 when the history is shorter. */
int32_t tsamp_chain_history(const tsamp_chain *c, size_t k);

/* How many accepted tokens the history holds now (at most its capacity). */
size_t tsamp_chain_history_len(const tsamp_chain *c);

/* ---- allocation ------------------------------------------------------------------------- */

void *tsamp_alloc(const tsamp_allocator *a, size_t size);
void tsamp_dealloc(const tsamp_allocator *a, void *p);

/* ---- the chain -------------------------------------------------------------------------- */

struct tsamp_chain {
    size_t n_vocab;
    uint64_t seed, stream, position;
    tsamp_isa isa; /* as requested; k is what it resolved to */
    const tsamp_kernels *k;
    tsamp_allocator allocator;

    tsamp_proc *procs;
    void **states;  /* per processor: its state (NULL if none) */
    float *hints;   /* per processor: where its last cutoff was; a guess for speed only */
    size_t n_procs, cap_procs;

    int32_t *history; /* ring of the latest accepted tokens */
    size_t history_cap, history_len, history_head;
    float *edit;      /* n_vocab logits a processor may change (NULL until one needs it) */

    /* Working memory, taken at creation (n_vocab entries each unless noted). */
    float *w;       /* exp weights of the current view */
    float *w2;      /* weights of a narrowed copy of the view (top-p's fast search) */
    float *vals;    /* logits of a compacted (sparse) view */
    int32_t *ids;   /* token ids of a compacted view, increasing */
    int32_t *idx;   /* scratch indices */
    float *blocks;  /* tsamp_n_blocks(n_vocab) block sums */
};

#endif /* TSAMP_INTERNAL_H */
