/*
 * tsamp_speculative_verify's documented rule (tsamp.h), replayed from the outside for the
 * speculative target: the verification stream, and whether an accept/reject decision or a
 * residual draw is consistent with the distributions tsamp_chain_distribution reports.
 * Those are float roundings of the library's double probabilities (1 ulp, or 2^-149 once
 * subnormal), so decisions within that distance of a boundary are accepted either way.
 */
#ifndef TSAMP_FUZZ_VERIFY_RULE_H
#define TSAMP_FUZZ_VERIFY_RULE_H

#include <stddef.h>
#include <stdint.h>

#include "tsamp.h"

/* The stream of tsamp_rng_at(seed, stream, position) with tag bytes (tag, tag + 1) in place of
 * (0x00, 0x01): tag 2 is the verification stream, tag 0 tsamp_rng_at itself. */
tsamp_rng fuzz_tagged_rng(uint64_t seed, uint64_t stream, uint64_t position, unsigned char tag);

/* A distribution as tsamp_chain_distribution reports it: kept ids increasing. */
typedef struct {
    int32_t *ids;
    float *probs;
    size_t n;
} fuzz_dist;

/* The index of id, or SIZE_MAX if it is not kept. */
size_t fuzz_dist_find(const fuzz_dist *d, int32_t id);

/* The probability of id (0 if not kept). */
float fuzz_dist_prob(const fuzz_dist *d, int32_t id);

/* Acceptance of x is "u1 * q(x) < p(x)": 1 if it may be true, 0 if it may be false (both
 * within rounding). */
int fuzz_accept_possible(double u1, float px, float qx);
int fuzz_reject_possible(double u1, float px, float qx);

/*
 * Whether `token` is where the walk over the residual max(0, p - q) (target candidates in id
 * order) lands with u2; also true for any target candidate when the residual is within
 * rounding of zero everywhere (then the library draws from p). *why receives a description
 * on failure (cap bytes).
 */
int fuzz_residual_plausible(const fuzz_dist *p, const fuzz_dist *q, double u2, int32_t token,
                            char *why, size_t cap);

#endif
