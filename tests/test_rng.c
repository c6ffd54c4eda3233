/* PCG32 known answers, the 53-bit uniform, tsamp_rng_at and the XXH3 it is built on. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "check.h"
#include "tsamp.h"

/* ---- PCG32 ------------------------------------------------------------------------------ */

/* The published pcg32 demo output (pcg-c-basic pcg32-demo and pcg-cpp, "-r" off): seeding with
 * initstate 42, initseq 54 gives these first six 32-bit outputs. */
static void test_rng_pcg32_published_vectors(void) {
    static const uint32_t want[6] = {0xa15c02b7u, 0x7b47f409u, 0xba1d3330u,
                                     0x83d2f293u, 0xbfa4784bu, 0xcbed606eu};
    tsamp_rng r;
    tsamp_rng_seed(&r, 42u, 54u);
    for (int i = 0; i < 6; i++) {
        uint32_t got = tsamp_rng_next(&r);
        CHECKF(got == want[i], "output %d: got 0x%08" PRIx32 ", want 0x%08" PRIx32, i, got,
               want[i]);
    }
}

/* The increment is (initseq << 1) | 1 as in pcg32_srandom_r: always odd, and the top bit of
 * initseq is dropped, so initseq and initseq ^ 2^63 name the same stream (reference
 * behaviour, kept on purpose). Different initseq otherwise give different sequences. */
static void test_rng_seed_increment(void) {
    tsamp_rng a, b, c;
    tsamp_rng_seed(&a, 42u, 54u);
    CHECKF(a.inc == 109u, "inc = %" PRIu64 ", want 109", a.inc);

    tsamp_rng_seed(&a, 7u, UINT64_MAX);
    CHECK((a.inc & 1u) == 1u);
    tsamp_rng_seed(&b, 7u, UINT64_MAX >> 1);
    CHECK(a.inc == b.inc && a.state == b.state);

    tsamp_rng_seed(&a, 7u, 1u);
    tsamp_rng_seed(&c, 7u, 2u);
    int same = 0;
    for (int i = 0; i < 64; i++) same += tsamp_rng_next(&a) == tsamp_rng_next(&c);
    CHECKF(same < 4, "initseq 1 and 2 agree on %d of 64 outputs", same);
}

/* ---- uniform ---------------------------------------------------------------------------- */

#define N_UNIFORM 1000000

/* Every draw is in [0, 1), equals the documented formula computed from two next() calls on a
 * copy, is an exact multiple of 2^-53, and each of the 53 bits is set in about half the draws
 * (so the low bits are really random, not zero padding). */
static void test_rng_uniform(void) {
    static const uint64_t seeds[3][2] = {{42u, 54u}, {0u, 0u}, {UINT64_MAX, UINT64_MAX}};
    long ones[53];
    memset(ones, 0, sizeof ones);
    long mismatches = 0, out_of_range = 0, not_grid = 0;
    double lo = 1.0, hi = 0.0, sum = 0.0;
    long n = 0;
    for (int s = 0; s < 3; s++) {
        tsamp_rng r;
        tsamp_rng_seed(&r, seeds[s][0], seeds[s][1]);
        for (long i = 0; i < N_UNIFORM; i++, n++) {
            tsamp_rng copy = r;
            uint32_t a = tsamp_rng_next(&copy) >> 5;
            uint32_t b = tsamp_rng_next(&copy) >> 6;
            double want = ((double)a * 67108864.0 + (double)b) / 9007199254740992.0;
            double u = tsamp_rng_uniform(&r);
            if (u != want || r.state != copy.state) mismatches++;
            if (!(u >= 0.0 && u < 1.0)) out_of_range++;
            double k = u * 9007199254740992.0; /* exact: a power-of-two scaling */
            uint64_t kb = (uint64_t)k;
            if ((double)kb != k) not_grid++;
            for (int bit = 0; bit < 53; bit++) ones[bit] += (long)((kb >> bit) & 1u);
            if (u < lo) lo = u;
            if (u > hi) hi = u;
            sum += u;
        }
    }
    CHECKF(mismatches == 0, "%ld draws differ from the formula", mismatches);
    CHECKF(out_of_range == 0, "%ld draws outside [0, 1)", out_of_range);
    CHECKF(not_grid == 0, "%ld draws not a multiple of 2^-53", not_grid);
    long min_ones = n, max_ones = 0;
    for (int bit = 0; bit < 53; bit++) {
        /* Binomial(3e6, 1/2) has sd ~866; 49%..51% is > 34 sd away: cannot flake. */
        CHECKF(ones[bit] > n * 49 / 100 && ones[bit] < n * 51 / 100, "bit %d set in %ld of %ld",
               bit, ones[bit], n);
        if (ones[bit] < min_ones) min_ones = ones[bit];
        if (ones[bit] > max_ones) max_ones = ones[bit];
    }
    check_note("%ld draws (3 seeds): min %.3g, max 1-%.3g, mean %.6f; each of the 53 bits set "
               "in %ld..%ld draws",
               n, lo, 1.0 - hi, sum / (double)n, min_ones, max_ones);

    /* The largest possible value is 1 - 2^-53, still below 1. */
    double top = ((double)(UINT32_MAX >> 5) * 67108864.0 + (double)(UINT32_MAX >> 6)) /
                 9007199254740992.0;
    CHECK(top < 1.0 && top == 1.0 - 1.0 / 9007199254740992.0);
}

/* ---- tsamp_rng_at ----------------------------------------------------------------------- */

static int rng_equal(tsamp_rng a, tsamp_rng b) { return a.state == b.state && a.inc == b.inc; }

static void test_rng_at_deterministic(void) {
    static const uint64_t args[4][3] = {
        {0u, 0u, 0u}, {1u, 2u, 3u}, {UINT64_MAX, UINT64_MAX, UINT64_MAX}, {42u, 7u, 1u << 20}};
    for (int i = 0; i < 4; i++) {
        tsamp_rng a = tsamp_rng_at(args[i][0], args[i][1], args[i][2]);
        tsamp_rng b = tsamp_rng_at(args[i][0], args[i][1], args[i][2]);
        CHECKF(rng_equal(a, b), "case %d: two calls differ", i);
        for (int k = 0; k < 100; k++) CHECK(tsamp_rng_next(&a) == tsamp_rng_next(&b));
    }
}

/* The documented derivation, rebuilt by hand: the 17 bytes are written out literally, so a
 * byte-order mistake in the library would show. */
static void test_rng_at_matches_hand_built_xxh3(void) {
    const uint64_t seed = 0x0123456789abcdefu;
    const uint64_t stream = 0x0102030405060708u, position = 0x1112131415161718u;
    unsigned char m0[17] = {0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01, 0x18,
                            0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11, 0x00};
    unsigned char m1[17];
    memcpy(m1, m0, sizeof m1);
    m1[16] = 0x01;
    tsamp_rng want;
    tsamp_rng_seed(&want, XXH3_64bits_withSeed(m0, 17, seed), XXH3_64bits_withSeed(m1, 17, seed));
    tsamp_rng got = tsamp_rng_at(seed, stream, position);
    CHECKF(rng_equal(got, want), "state %016" PRIx64 "/%016" PRIx64 ", want %016" PRIx64
           "/%016" PRIx64, got.state, got.inc, want.state, want.inc);

    /* Small values too: stream 1, position 2 -> 01 00.. 02 00.., seed 0. */
    unsigned char s0[17] = {1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0};
    unsigned char s1[17] = {1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1};
    tsamp_rng_seed(&want, XXH3_64bits_withSeed(s0, 17, 0), XXH3_64bits_withSeed(s1, 17, 0));
    CHECK(rng_equal(tsamp_rng_at(0, 1, 2), want));
    /* Swapping stream and position must give another stream (the words are not symmetric). */
    CHECK(!rng_equal(tsamp_rng_at(0, 2, 1), want));
}

/* Regression pins: the first outputs of tsamp_rng_at, computed independently with pcg-cpp's
 * pcg32 seeded from libxxhash's XXH3 on the documented message (the derivation that
 * tests/cxx/pcg_ref_compare.cpp checks at scale). If these change, every sampled token for a
 * given seed changes. */
static void test_rng_at_pinned(void) {
    static const struct {
        uint64_t seed, stream, position;
        uint32_t first[3];
    } pins[] = {
        {0u, 0u, 0u, {0x6b7f3744u, 0xc9d5d5f6u, 0xeb34d32du}},
        {42u, 1u, 100u, {0x616f9b21u, 0xaf51b5e4u, 0x23c0a905u}},
        {UINT64_MAX, UINT64_MAX, UINT64_MAX, {0x2c0df650u, 0x78575ec1u, 0xad773db1u}},
    };
    for (size_t i = 0; i < sizeof pins / sizeof pins[0]; i++) {
        tsamp_rng r = tsamp_rng_at(pins[i].seed, pins[i].stream, pins[i].position);
        for (int k = 0; k < 3; k++) {
            uint32_t got = tsamp_rng_next(&r);
            CHECKF(got == pins[i].first[k], "pin %zu output %d: got 0x%08" PRIx32
                   ", want 0x%08" PRIx32, i, k, got, pins[i].first[k]);
        }
    }
}

static int cmp_u64(const void *pa, const void *pb) {
    uint64_t a = *(const uint64_t *)pa, b = *(const uint64_t *)pb;
    return (a > b) - (a < b);
}

static size_t count_duplicates(uint64_t *v, size_t n) {
    qsort(v, n, sizeof v[0], cmp_u64);
    size_t d = 0;
    for (size_t i = 1; i < n; i++) d += v[i] == v[i - 1];
    return d;
}

#define N_POSITIONS 100000

/* Positions 0..99999 under three (seed, stream) pairs that differ in one argument each: all
 * 300k states and all 300k increments are distinct (so the streams differ in both). */
static void test_rng_at_no_collisions(void) {
    static const uint64_t cfg[3][2] = {{0u, 0u}, {1u, 0u}, {0u, 1u}}; /* (seed, stream) */
    const size_t n = 3 * (size_t)N_POSITIONS;
    uint64_t *states = malloc(n * sizeof *states);
    uint64_t *incs = malloc(n * sizeof *incs);
    uint64_t *firsts = malloc(n * sizeof *firsts);
    CHECK(states && incs && firsts);
    if (!states || !incs || !firsts) {
        free(states);
        free(incs);
        free(firsts);
        return;
    }
    size_t k = 0;
    for (int c = 0; c < 3; c++) {
        for (uint64_t p = 0; p < N_POSITIONS; p++, k++) {
            tsamp_rng r = tsamp_rng_at(cfg[c][0], cfg[c][1], p);
            states[k] = r.state;
            incs[k] = r.inc;
            uint64_t hi = tsamp_rng_next(&r);
            firsts[k] = hi << 32 | tsamp_rng_next(&r); /* first two outputs as one word */
        }
    }
    size_t ds = count_duplicates(states, n);
    size_t di = count_duplicates(incs, n);
    size_t df = count_duplicates(firsts, n);
    CHECKF(ds == 0, "%zu duplicate states among %zu", ds, n);
    CHECKF(di == 0, "%zu duplicate increments among %zu", di, n);
    CHECKF(df == 0, "%zu duplicate first-two-output pairs among %zu", df, n);
    check_note("%zu (seed, stream, position) triples: %zu duplicate states, %zu duplicate "
               "increments, %zu duplicate 64-bit output prefixes",
               n, ds, di, df);
    free(states);
    free(incs);
    free(firsts);
}

/* ---- XXH3 known answers ----------------------------------------------------------------- */

/* The buffer of xxHash's own sanity check (XSUM_fillTestBuffer in xxHash cli/
 * xsum_sanity_check.c, also tests/sanity_test_vectors_generator.c): a 64-bit generator that
 * starts at PRIME32 = 2654435761, emits its top byte, then multiplies by
 * PRIME64 = 11400714785074694797 (mod 2^64). The hashes below are the first len bytes. */
#define XXH_PRIME32 2654435761u
#define XXH_PRIME64 11400714785074694797u
#define SANITY_LEN 2367

static void fill_sanity_buffer(unsigned char *buf, size_t len) {
    uint64_t gen = XXH_PRIME32;
    for (size_t i = 0; i < len; i++) {
        buf[i] = (unsigned char)(gen >> 56);
        gen *= XXH_PRIME64;
    }
}

/* XSUM_XXH3_testdata ("XXH3_64bits, seeded") of xxHash cli/xsum_sanity_check.c (v0.8.x):
 * one entry per XXH3 length class, seeds 0 and PRIME64. */
static void test_rng_xxh3_sanity_vectors(void) {
    static const struct {
        size_t len;
        uint64_t seed;
        uint64_t hash;
    } v[] = {
        {0, 0, 0x2D06800538D394C2u},           {0, XXH_PRIME64, 0xA8A6B918B2F0364Au},
        {1, 0, 0xC44BDFF4074EECDBu},           {1, XXH_PRIME64, 0x032BE332DD766EF8u},
        {6, 0, 0x27B56A84CD2D7325u},           {6, XXH_PRIME64, 0x84589C116AB59AB9u},
        {12, 0, 0xA713DAF0DFBB77E7u},          {12, XXH_PRIME64, 0xE7303E1B2336DE0Eu},
        {24, 0, 0xA3FE70BF9D3510EBu},          {24, XXH_PRIME64, 0x850E80FC35BDD690u},
        {48, 0, 0x397DA259ECBA1F11u},          {48, XXH_PRIME64, 0xADC2CBAA44ACC616u},
        {80, 0, 0xBCDEFBBB2C47C90Au},          {80, XXH_PRIME64, 0xC6DD0CB699532E73u},
        {195, 0, 0xCD94217EE362EC3Au},         {195, XXH_PRIME64, 0xBA68003D370CB3D9u},
        {403, 0, 0xCDEB804D65C6DEA4u},         {403, XXH_PRIME64, 0x6259F6ECFD6443FDu},
        {512, 0, 0x617E49599013CB6Bu},         {512, XXH_PRIME64, 0x3CE457DE14C27708u},
        {2048, 0, 0xDD59E2C3A5F038E0u},        {2048, XXH_PRIME64, 0x66F81670669ABABCu},
        {2240, 0, 0x6E73A90539CF2948u},        {2240, XXH_PRIME64, 0x757BA8487D1B5247u},
        {2367, 0, 0xCB37AEB9E5D361EDu},        {2367, XXH_PRIME64, 0xD2DB3415B942B42Au},
    };
    static unsigned char buf[SANITY_LEN];
    fill_sanity_buffer(buf, sizeof buf);
    size_t n = sizeof v / sizeof v[0];
    for (size_t i = 0; i < n; i++) {
        uint64_t got = XXH3_64bits_withSeed(v[i].len ? buf : NULL, v[i].len, v[i].seed);
        CHECKF(got == v[i].hash, "len %zu seed %" PRIu64 ": got %016" PRIX64 ", want %016" PRIX64,
               v[i].len, v[i].seed, got, v[i].hash);
    }
    /* The 17-byte messages of tsamp_rng_at fall in XXH3's 17..32 length class, the one the
     * len-24 vectors cover. */
    check_note("%zu XXH3_64bits_withSeed vectors (xxHash %u.%u.%u linked)", n,
               XXH_versionNumber() / 10000, XXH_versionNumber() / 100 % 100,
               XXH_versionNumber() % 100);
}

/* ---- NULL ------------------------------------------------------------------------------- */

static void test_rng_null(void) {
    tsamp_rng_seed(NULL, 1u, 2u); /* must simply return */
    CHECK(tsamp_rng_next(NULL) == 0u);
    CHECK(tsamp_rng_uniform(NULL) == 0.0);
}

void suite_rng(void) {
    RUN(test_rng_pcg32_published_vectors);
    RUN(test_rng_seed_increment);
    RUN(test_rng_uniform);
    RUN(test_rng_at_deterministic);
    RUN(test_rng_at_matches_hand_built_xxh3);
    RUN(test_rng_at_pinned);
    RUN(test_rng_at_no_collisions);
    RUN(test_rng_xxh3_sanity_vectors);
    RUN(test_rng_null);
}
