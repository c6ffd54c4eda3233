/*
 * A slow, obviously correct reference for processor chains (tsamp.h, DESIGN.md §4), for the
 * exactness and statistics tests. Everything is long double, candidates are fully sorted,
 * every probability is a plain softmax. It does not use the library.
 *
 * Because every processor keeps a prefix of the candidate order (logit descending, ties by
 * lower id; temperature never reorders), the state of a chain is just: the sorted candidates,
 * how many of them are still kept, and the product T of the temperatures so far. Scaled
 * logits are (x - max) * min(1/T, FLT_MAX): tsamp.h saturates the scale at FLT_MAX, so a
 * positive temperature is never greedy, only t == 0 is.
 *
 * Besides the result, the reference reports for every stage how close its decision was to the
 * boundary, so that a test can tell the cases that float rounding may legitimately decide
 * either way ("ambiguous") from those where any difference is a bug.
 */
#ifndef TSAMP_TESTS_REF_H
#define TSAMP_TESTS_REF_H

#include <stddef.h>
#include <stdint.h>

/* Unit roundoff of float, 2^-24. */
#define REF_U 5.9604644775390625e-8

/*
 * Ambiguity margins, derived from the rounding of the library's float computation (see ref.c
 * for the derivation): a decision whose boundary quantity lies within the margin of the
 * boundary may be decided either way.
 *  top-p: a prefix mass C is close to p when |C - p| <= REF_TOP_P_MARGIN * p.
 *  min-p: a scaled logit a = (x - max) * scale is close to ln p when
 *         |a - ln p| <= REF_MIN_P_MARGIN * |ln p| + REF_MIN_P_ABS.
 */
#define REF_TOP_P_MARGIN 1e-5
#define REF_MIN_P_MARGIN (16.0 * REF_U)
#define REF_MIN_P_ABS 0x1p-149 /* a scaled logit that underflows in float */

#define REF_MAX_STAGES 8

typedef enum { REF_TEMP, REF_TOP_K, REF_TOP_P, REF_MIN_P } ref_kind;

/* One processor with the arguments of the matching tsamp_chain_add_* call. */
typedef struct {
    ref_kind kind;
    float t;         /* REF_TEMP */
    int32_t k;       /* REF_TOP_K */
    float p;         /* REF_TOP_P, REF_MIN_P */
    size_t min_keep; /* REF_TOP_P, REF_MIN_P */
} ref_proc;

/* What one stage did, and how close it came to deciding differently. */
typedef struct {
    size_t n_before, n_after; /* kept candidates entering and leaving the stage */
    /* Distance of the nearest rounding-sensitive quantity to its boundary, in the units of
     * the margins above (top-p: |C - p| / p; min-p: |a - ln p| / |ln p|);
     * HUGE_VAL when the stage compared nothing rounded (top-k, temperature, no-ops). */
    double closeness;
    int ambiguous; /* a quantity within the margin, and deciding it the other way would
                      change n_after */
    /* For messages: the quantities just inside and just outside, and the boundary
     * (top-p: prefix masses around p; min-p: scaled logits around ln p). */
    long double inside, outside, boundary;
} ref_stage;

typedef struct {
    size_t n_cand;     /* candidates: logits that are not -inf */
    int32_t *order;    /* the n_cand candidate ids in order; the kept ones are a prefix */
    long double *x;    /* their logits, same order */
    size_t n_kept;     /* kept prefix length after the whole chain */
    long double temp;  /* product of the temperatures (meaningless when greedy) */
    long double scale; /* applied to x - max: 1 / temp, saturated at FLT_MAX */
    int greedy;        /* a temperature 0 was applied */
    size_t n_temps;    /* temperatures applied that were not 1 (for the error model) */
    size_t n_stages;
    ref_stage stages[REF_MAX_STAGES];
    int ambiguous;     /* some stage is ambiguous */
} ref_result;

/*
 * Runs the chain on logits[0..n). Returns 0, or -1 when a logit is NaN or +inf, -2 when all
 * are -inf, -3 for too many processors or no memory. Free the result with ref_free.
 */
int ref_run(const float *logits, size_t n, const ref_proc *procs, size_t n_procs,
            ref_result *r);

void ref_free(ref_result *r);

/*
 * The final distribution over the first len candidates of r->order (normally r->n_kept):
 * ids increasing, probs[i] = softmax of the scaled logits, and scaled[i] = (x - max) * scale,
 * which the tests' error model needs (0 when greedy). Arrays hold len entries.
 */
void ref_distribution(const ref_result *r, size_t len, int32_t *ids, long double *probs,
                      long double *scaled);

/* Name of a processor kind ("temp", "top_k", "top_p", "min_p"). */
const char *ref_kind_name(ref_kind k);

#endif
