/* Small deterministic helpers for tests: a splitmix64 generator and float bit access. */
#ifndef TSAMP_TESTS_TESTUTIL_H
#define TSAMP_TESTS_TESTUTIL_H

#include <math.h>
#include <stdint.h>
#include <string.h>

typedef struct {
    uint64_t s;
} tu_rng;

static inline uint64_t tu_next(tu_rng *r) {
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1). */
static inline double tu_unif(tu_rng *r) { return (double)(tu_next(r) >> 11) * 0x1.0p-53; }

/* Uniform integer in [0, n). */
static inline size_t tu_below(tu_rng *r, size_t n) { return (size_t)(tu_unif(r) * (double)n); }

/* Standard normal (Box-Muller; test code may use libm). */
static inline double tu_normal(tu_rng *r) {
    double u = tu_unif(r) + 0x1.0p-54, v = tu_unif(r);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

static inline uint32_t tu_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

#endif
