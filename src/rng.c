/* PCG32 (XSH-RR, 64-bit LCG state) and the per-position stream derivation (DESIGN.md §6). */
#include "tsamp_internal.h"

#include <xxhash.h>

/* The 64-bit LCG multiplier of the PCG reference implementation. */
#define TSAMP_PCG_MULT 6364136223846793005ULL

static void pcg_step(tsamp_rng *r) { r->state = r->state * TSAMP_PCG_MULT + r->inc; }

void tsamp_rng_seed(tsamp_rng *r, uint64_t initstate, uint64_t initseq) {
    if (!r) return;
    /* The exact order of pcg32_srandom_r, so sequences match the reference libraries. */
    r->state = 0;
    r->inc = (initseq << 1) | 1u; /* the increment must be odd for a full period */
    pcg_step(r);
    r->state += initstate;
    pcg_step(r);
}

uint32_t tsamp_rng_next(tsamp_rng *r) {
    if (!r) return 0;
    uint64_t old = r->state;
    pcg_step(r);
    /* XSH-RR: xorshift the high bits down, then rotate by the top 5 bits of the old state. */
    uint32_t xorshifted = (uint32_t)(((old >> 18) ^ old) >> 27);
    uint32_t rot = (uint32_t)(old >> 59);
    return (xorshifted >> rot) | (xorshifted << ((32u - rot) & 31u));
}

double tsamp_rng_uniform(tsamp_rng *r) {
    if (!r) return 0.0;
    /* Two separate statements: the order of the two draws is part of the contract. */
    uint32_t a = tsamp_rng_next(r) >> 5; /* 27 bits */
    uint32_t b = tsamp_rng_next(r) >> 6; /* 26 bits */
    /* Both steps are exact in double (a * 2^26 + b < 2^53), so the result is the same
     * everywhere and strictly below 1. */
    return ((double)a * 67108864.0 + (double)b) / 9007199254740992.0;
}

/* Writes v as 8 little-endian bytes whatever the host byte order, so streams are portable. */
static void put_le64(unsigned char *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)((v >> (8 * i)) & 0xffu);
}

tsamp_rng tsamp_rng_at(uint64_t seed, uint64_t stream, uint64_t position) {
    unsigned char msg[17];
    put_le64(msg, stream);
    put_le64(msg + 8, position);
    msg[16] = 0x00; /* tag: initstate */
    uint64_t initstate = (uint64_t)XXH3_64bits_withSeed(msg, sizeof msg, (XXH64_hash_t)seed);
    msg[16] = 0x01; /* tag: initseq */
    uint64_t initseq = (uint64_t)XXH3_64bits_withSeed(msg, sizeof msg, (XXH64_hash_t)seed);
    tsamp_rng r;
    tsamp_rng_seed(&r, initstate, initseq);
    return r;
}
