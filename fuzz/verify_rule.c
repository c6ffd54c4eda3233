/* The documented verification rule, replayed (see verify_rule.h). */
#include "verify_rule.h"

#include <math.h>
#include <stdio.h>
#include <xxhash.h>

#define U 0x1p-24L  /* a float rounding, relative */
#define TINY 0x1p-149L /* a float rounding once subnormal, absolute */

/* As tsamp.h describes tsamp_rng_at: stream and position as little-endian 64-bit words and a
 * tag byte, hashed with XXH3-64 under the seed; one tag for the state, the next for the
 * sequence. */
tsamp_rng fuzz_tagged_rng(uint64_t seed, uint64_t stream, uint64_t position, unsigned char tag) {
    unsigned char m[17];
    for (int i = 0; i < 8; i++) {
        m[i] = (unsigned char)(stream >> (8 * i));
        m[8 + i] = (unsigned char)(position >> (8 * i));
    }
    m[16] = tag;
    uint64_t state = XXH3_64bits_withSeed(m, sizeof m, seed);
    m[16] = (unsigned char)(tag + 1);
    uint64_t seq = XXH3_64bits_withSeed(m, sizeof m, seed);
    tsamp_rng r;
    tsamp_rng_seed(&r, state, seq);
    return r;
}

size_t fuzz_dist_find(const fuzz_dist *d, int32_t id) {
    size_t lo = 0, hi = d->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->ids[mid] < id) lo = mid + 1;
        else hi = mid;
    }
    return lo < d->n && d->ids[lo] == id ? lo : SIZE_MAX;
}

float fuzz_dist_prob(const fuzz_dist *d, int32_t id) {
    size_t i = fuzz_dist_find(d, id);
    return i == SIZE_MAX ? 0.0f : d->probs[i];
}

/* The library's double p and q lie within these of the floats. */
static long double lo_of(float v) { return (long double)v * (1 - 2 * U) - TINY; }
static long double hi_of(float v) { return (long double)v * (1 + 2 * U) + TINY; }

int fuzz_accept_possible(double u1, float px, float qx) {
    return (long double)u1 * lo_of(qx) < hi_of(px);
}

int fuzz_reject_possible(double u1, float px, float qx) {
    return (long double)u1 * hi_of(qx) >= lo_of(px);
}

int fuzz_residual_plausible(const fuzz_dist *p, const fuzz_dist *q, double u2, int32_t token,
                            char *why, size_t cap) {
    long double total = 0.0L, err = 0.0L, below = 0.0L, r_tok = -1.0L;
    size_t qi = 0;
    for (size_t j = 0; j < p->n; j++) {
        int32_t id = p->ids[j];
        while (qi < q->n && q->ids[qi] < id) qi++;
        float qv = qi < q->n && q->ids[qi] == id ? q->probs[qi] : 0.0f;
        long double r = (long double)p->probs[j] - qv;
        if (r < 0) r = 0;
        /* each residual: both roundings, the double subtraction and sum */
        err += U * ((long double)p->probs[j] + qv) + 2 * TINY + 0x1p-52L * r;
        if (id == token) {
            r_tok = r;
            below = total;
        }
        total += r;
    }
    if (r_tok < 0) {
        snprintf(why, cap, "token %ld is not a target candidate", (long)token);
        return 0;
    }
    if (total <= 2 * err) return 1; /* within rounding of zero: a draw from p is allowed */
    long double at = (long double)u2 * total;
    if (at >= below - 2 * err && at < below + r_tok + 2 * err) return 1;
    snprintf(why, cap, "u2 * total = %.17Lg, token %ld's residual interval is [%.17Lg, %.17Lg) "
             "(tolerance %.3Lg)", at, (long)token, below, below + r_tok, 2 * err);
    return 0;
}
