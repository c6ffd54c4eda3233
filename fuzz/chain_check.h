/*
 * The invariants of a configured chain on one logit vector, shared by the chain target and
 * the single-processor targets:
 *  - statuses: add_* returns OK or INVALID_PARAM as documented (the chain unchanged on an
 *    error); sample/distribution return NONFINITE exactly when a NaN/+inf logit is present,
 *    ALL_MASKED exactly when every logit is -inf, else OK; outputs untouched on errors;
 *  - the distribution: kept ids increasing, in range, finite logits; probabilities finite, in
 *    [0, 1], summing to 1 within 2^-19; the kept set is the prefix the long-double reference
 *    allows (reference.h), and each probability is within the reference's error bound;
 *  - the token: in the kept set, with a finite logit and a non-zero probability; the first
 *    maximal logit when a temperature made the chain greedy; the one the documented draw
 *    (walk in id order to u * total, u = tsamp_rng_uniform(tsamp_rng_at(seed, stream, pos)))
 *    picks, up to the reference's tolerance;
 *  - determinism: the same token twice; the same bits on every available ISA (chain param
 *    isa), on a chain whose hints were set by other logits, on a clone, and after resuming at
 *    the position with set_position + accept; sample does not move the position;
 *  - memory: no allocation during sample/distribution/accept/set_position/reset (counting
 *    allocator), a free for every allocation, the caller's logits never written;
 *  - small buffers: distribution with cap < n_kept gives BUFFER_TOO_SMALL and n_kept.
 */
#ifndef TSAMP_FUZZ_CHAIN_CHECK_H
#define TSAMP_FUZZ_CHAIN_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "processors.h"

typedef struct {
    const float *logits;
    size_t n;
    const fuzz_proc *procs;
    size_t n_procs;
    uint64_t seed, stream, position;
    const float *warm; /* n other logits that one chain samples first (sets its hints); or NULL */
} fuzz_chain_case;

void fuzz_check_chain(const fuzz_chain_case *cc);

#endif
