/*
 * Cross-ISA tests: every SIMD path that runs on this machine against the scalar kernels, bit
 * for bit (memcmp on the float bits, the double totals, the index buffers), on random and
 * hand-made inputs: every length 1..600 and some large ones, normal, huge, tiny, subnormal,
 * -inf and signed-zero values, NaN/+inf for max, thresholds at existing values.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tsamp_internal.h"

/* ---- helpers ------------------------------------------------------------------------------ */

typedef struct {
    uint64_t s;
} rng;

static uint64_t rnext(rng *r) { /* splitmix64 */
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static double runif(rng *r) { return (double)(rnext(r) >> 11) * 0x1.0p-53; }

static size_t rbelow(rng *r, size_t n) { return (size_t)(rnext(r) % (uint64_t)n); }

static double rnormal(rng *r) {
    double u = runif(r) + 0x1.0p-54, v = runif(r);
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

static float fbits(uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static uint32_t bitsf(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static void *xmalloc(size_t size) {
    void *p = malloc(size ? size : 1);
    if (!p) {
        fprintf(stderr, "test_isa: out of memory\n");
        exit(1);
    }
    return p;
}

/* The kinds of input every kernel sees. */
enum {
    K_LOGITS,  /* N(0, 4): what a model produces */
    K_WIDE,    /* logits at scales from 1e-3 to 1e3 */
    K_HUGE,    /* |x| up to FLT_MAX, mixed with ordinary values */
    K_TINY,    /* subnormals and tiny normals of both signs, and zeros */
    K_SPECIAL, /* -inf, +-0 and ordinary values */
    K_TIES,    /* a few small integers: many equal values */
    K_BITS,    /* random bit patterns: any finite value or -inf */
    K_NEGINF,  /* every value -inf (all masked) */
    N_KINDS
};

static const char *const kind_name[N_KINDS] = {"logits", "wide", "huge", "tiny",
                                               "special", "ties", "bits", "neginf"};

static float gen(rng *r, int kind) {
    switch (kind) {
    case K_LOGITS: return (float)(rnormal(r) * 4.0);
    case K_WIDE: return (float)(rnormal(r) * pow(10.0, runif(r) * 6.0 - 3.0));
    case K_HUGE: {
        if (rbelow(r, 4) == 0) return (float)rnormal(r);
        float v = (float)ldexp(1.0 + runif(r), 100 + (int)rbelow(r, 28)); /* < 2^128 */
        if (!(v <= FLT_MAX)) v = FLT_MAX;
        return rbelow(r, 2) ? v : -v;
    }
    case K_TINY: {
        uint32_t u = (uint32_t)rbelow(r, 0x01000000u); /* below 2 * FLT_MIN */
        if (rbelow(r, 16) == 0) u = 0;
        return fbits(u | (rbelow(r, 2) ? 0x80000000u : 0u));
    }
    case K_SPECIAL: {
        size_t c = rbelow(r, 8);
        if (c < 2) return -(float)INFINITY;
        if (c == 2) return 0.0f;
        if (c == 3) return -0.0f;
        return (float)(rnormal(r) * 3.0);
    }
    case K_TIES: {
        size_t c = rbelow(r, 8);
        return c == 7 ? -0.0f : (float)((int)c - 3);
    }
    case K_BITS: {
        uint32_t u = (uint32_t)rnext(r);
        if ((u & 0x7f800000u) == 0x7f800000u) u = (u & 0x80000000u) ? 0xff800000u : u & 0x7f7fffffu;
        return fbits(u);
    }
    default: return -(float)INFINITY;
    }
}

static void fill(rng *r, float *x, size_t n, int kind) {
    for (size_t i = 0; i < n; i++) x[i] = gen(r, kind);
}

/* Scales (1 / temperature): the usual ones, and ones below TSAMP_SAFE_SCALE (2^-100), where
 * sum_exp redoes an x - m that overflowed (the largest ones need s below ~2^-121 to matter). */
static const float kScales[] = {1.0f, 1.25f, 1.0f / 0.7f, 1e-3f, 1e3f, 0x1p-101f, 1e-37f, 1e-39f};
#define N_SCALES (sizeof kScales / sizeof kScales[0])

/* A few large lengths: many full blocks, and tails of every shape. */
static const size_t kLarge[] = {1000, 4096, 65536 + 7, 100003};
#define N_LARGE (sizeof kLarge / sizeof kLarge[0])

typedef struct {
    tsamp_isa isa;
    const tsamp_kernels *table;
} path;

static const path kPaths[] = {
    {TSAMP_ISA_AVX2, &tsamp_kernels_avx2},
    {TSAMP_ISA_AVX512, &tsamp_kernels_avx512},
    {TSAMP_ISA_NEON, &tsamp_kernels_neon},
};
#define N_PATHS (sizeof kPaths / sizeof kPaths[0])

/* The SIMD kernel tables that can run here, as the dispatcher hands them out. */
static size_t runnable(const tsamp_kernels *out[N_PATHS]) {
    size_t m = 0;
    for (size_t p = 0; p < N_PATHS; p++) {
        if (!tsamp_isa_available(kPaths[p].isa)) continue;
        const tsamp_kernels *k = tsamp_kernels_for(kPaths[p].isa);
        CHECKF(k == kPaths[p].table, "%s: tsamp_kernels_for gives another table",
               tsamp_isa_name(kPaths[p].isa));
        if (k) out[m++] = k;
    }
    return m;
}

static const char *name_of(const tsamp_kernels *k) { return tsamp_isa_name(k->isa); }

/* Lengths 1..600, then the large ones. */
#define N_LENGTHS (600 + N_LARGE)
static size_t length_at(size_t t) { return t < 600 ? t + 1 : kLarge[t - 600]; }

/* ---- the tables and the dispatcher -------------------------------------------------------- */

static void test_isa_tables(void) {
    for (size_t p = 0; p < N_PATHS; p++) {
        const tsamp_kernels *t = kPaths[p].table;
        const char *name = tsamp_isa_name(kPaths[p].isa);
        int fns = (t->max != NULL) + (t->find_first != NULL) + (t->sum_exp != NULL) +
                  (t->sum_ge != NULL) + (t->compact_ge != NULL);
        int compiled = t->isa == kPaths[p].isa;
        /* Compiled in: all five kernels. Not compiled: the "unavailable" marker, no kernels. */
        CHECKF(compiled ? fns == 5 : (t->isa == TSAMP_ISA_SCALAR && fns == 0),
               "%s: table isa %d with %d kernels", name, (int)t->isa, fns);
        int avail = tsamp_isa_available(kPaths[p].isa);
        CHECKF(!avail || compiled, "%s: available but not compiled in", name);
        CHECKF((tsamp_kernels_for(kPaths[p].isa) != NULL) == (avail != 0),
               "%s: tsamp_kernels_for disagrees with tsamp_isa_available", name);
        if (avail)
            check_note("%s: compiled in and available: compared bitwise with scalar", name);
        else if (compiled)
            check_note("%s: compiled in, not available on this CPU: NOT compared here", name);
        else
            check_note("%s: not compiled in for this architecture", name);
    }
    /* The Makefile builds the ISA files of this architecture with their flags; a placeholder
     * here would make every other test in this suite pass without comparing anything. */
#if defined(__x86_64__)
    CHECK(tsamp_kernels_avx2.isa == TSAMP_ISA_AVX2);
    CHECK(tsamp_kernels_avx512.isa == TSAMP_ISA_AVX512);
#elif defined(__aarch64__)
    CHECK(tsamp_kernels_neon.isa == TSAMP_ISA_NEON);
    CHECK(tsamp_isa_available(TSAMP_ISA_NEON));
#endif
    CHECK(tsamp_kernels_for(TSAMP_ISA_SCALAR) == &tsamp_kernels_scalar);
    const tsamp_kernels *autok = tsamp_kernels_for(TSAMP_ISA_AUTO);
    CHECK(autok != NULL && autok->isa == tsamp_isa_default());
    check_note("default path here: %s", tsamp_isa_name(tsamp_isa_default()));
}

/* ---- max ---------------------------------------------------------------------------------- */

static int check_max(const tsamp_kernels *k, const float *x, size_t n, const char *what) {
    float ms = 1.0f, mk = 2.0f;
    int rs = tsamp_kernels_scalar.max(x, n, &ms);
    int rk = k->max(x, n, &mk);
    int ok = (rs != 0) == (rk != 0) && bitsf(ms) == bitsf(mk);
    CHECKF(ok, "%s max, %s, n=%zu: scalar (%d, %08x) vs (%d, %08x)", name_of(k), what, n, rs,
           (unsigned)bitsf(ms), rk, (unsigned)bitsf(mk));
    return ok;
}

static void test_isa_max(void) {
    const tsamp_kernels *ks[N_PATHS];
    size_t np = runnable(ks);
    static const uint32_t nans[] = {0x7fc00000u, 0xffc00000u, 0x7f800001u, 0x7fbfffffu,
                                    0xffffffffu, 0x7fc01234u};
    size_t cases = 0;
    float *x = xmalloc(100003 * sizeof *x);
    for (size_t p = 0; p < np; p++) {
        rng r = {0x1234u + p};
        for (size_t t = 0; t < N_LENGTHS; t++) {
            size_t n = length_at(t);
            for (int kind = 0; kind < N_KINDS; kind++) {
                if (n > 600 && kind % 2) continue;
                fill(&r, x, n, kind);
                check_max(ks[p], x, n, kind_name[kind]);
                /* NaN (any payload, signalling too) or +inf at the start, end, in a tail or
                 * anywhere: the scalar's flag, and its value too */
                size_t at[4] = {0, n - 1, n - 1 - rbelow(&r, n < 16 ? n : 16), rbelow(&r, n)};
                for (int a = 0; a < 4; a++) {
                    float save = x[at[a]];
                    x[at[a]] = fbits(nans[rbelow(&r, sizeof nans / sizeof nans[0])]);
                    check_max(ks[p], x, n, "nan");
                    x[at[a]] = (float)INFINITY;
                    check_max(ks[p], x, n, "+inf");
                    x[at[a]] = save;
                }
                cases += 9;
            }
            /* A zero maximum: the scalar keeps the first zero, whatever its sign. */
            for (int rep = 0; rep < 6; rep++) {
                for (size_t i = 0; i < n; i++)
                    x[i] = rep == 5 ? (rbelow(&r, 2) ? 0.0f : -0.0f) : -(float)(runif(&r) + 0.5);
                size_t nz = rep == 5 ? 0 : 1 + rbelow(&r, 3);
                for (size_t j = 0; j < nz; j++)
                    x[rep == 0 ? 0 : rep == 1 ? n - 1 : rbelow(&r, n)] =
                        (rep + (int)j) % 2 ? 0.0f : -0.0f;
                if (rep == 4 && n > 1) x[0] = -(float)INFINITY; /* first element -inf */
                check_max(ks[p], x, n, "zero max");
                cases++;
            }
            /* every value -inf; every value the same */
            for (size_t i = 0; i < n; i++) x[i] = -(float)INFINITY;
            check_max(ks[p], x, n, "all -inf");
            for (size_t i = 0; i < n; i++) x[i] = 3.5f;
            check_max(ks[p], x, n, "all equal");
            cases += 2;
        }
    }
    /* hand-made: -0 before +0, +0 before -0, zeros only in the last partial vector */
    static const float h1[] = {-1.0f, -0.0f, 0.0f, -2.0f};
    static const float h2[] = {0.0f, -0.0f};
    static const float h3[] = {-0.0f, 0.0f};
    float h4[37];
    for (size_t i = 0; i < 37; i++) h4[i] = -(float)INFINITY;
    h4[35] = -0.0f;
    h4[36] = 0.0f;
    for (size_t p = 0; p < np; p++) {
        check_max(ks[p], h1, 4, "-0 then +0");
        check_max(ks[p], h2, 2, "+0 then -0");
        check_max(ks[p], h3, 2, "-0 then +0");
        check_max(ks[p], h4, 37, "zeros in the tail");
        float m = 1.0f;
        CHECK(ks[p]->max(h1, 4, &m) == 0 && bitsf(m) == 0x80000000u);
        CHECK(ks[p]->max(h2, 2, &m) == 0 && bitsf(m) == 0u);
        CHECK(ks[p]->max(h4, 37, &m) == 0 && bitsf(m) == 0x80000000u);
    }
    free(x);
    if (np) check_note("max: %zu cases per path", cases / np);
}

/* ---- find_first --------------------------------------------------------------------------- */

static void test_isa_find_first(void) {
    const tsamp_kernels *ks[N_PATHS];
    size_t np = runnable(ks);
    float *x = xmalloc(100003 * sizeof *x);
    size_t cases = 0;
    for (size_t p = 0; p < np; p++) {
        rng r = {0x5678u + p};
        for (size_t t = 0; t < N_LENGTHS; t++) {
            size_t n = length_at(t);
            for (int kind = 0; kind < N_KINDS; kind++) {
                if (n > 600 && kind % 2) continue;
                fill(&r, x, n, kind);
                float q[10] = {x[rbelow(&r, n)], x[n - 1], x[n - 1 - rbelow(&r, n < 40 ? n : 40)],
                               12345.678f, (float)NAN, 0.0f, -0.0f, -(float)INFINITY,
                               (float)INFINITY, x[0]};
                for (int j = 0; j < 10; j++) {
                    size_t a = tsamp_kernels_scalar.find_first(x, n, q[j]);
                    size_t b = ks[p]->find_first(x, n, q[j]);
                    CHECKF(a == b, "%s find_first, %s, n=%zu, v=%08x: %zu vs %zu", name_of(ks[p]),
                           kind_name[kind], n, (unsigned)bitsf(q[j]), a, b);
                }
                cases += 10;
            }
        }
    }
    free(x);
    if (np) check_note("find_first: %zu cases per path", cases / np);
}

/* ---- sum_exp ------------------------------------------------------------------------------ */

#define GUARD 19u
#define SENTINEL 0x7fa5a5a5u /* a NaN pattern no kernel produces */

static void set_sentinel(float *a, size_t n) {
    for (size_t i = 0; i < n; i++) a[i] = fbits(SENTINEL);
}

static void test_isa_sum_exp(void) {
    const tsamp_kernels *ks[N_PATHS];
    size_t np = runnable(ks);
    const size_t nmax = 100003, bmax = tsamp_n_blocks(nmax);
    float *x = xmalloc(nmax * sizeof *x), *xc = xmalloc(nmax * sizeof *x);
    float *ws = xmalloc((nmax + GUARD) * sizeof *x), *wk = xmalloc((nmax + GUARD) * sizeof *x);
    float *bs = xmalloc((bmax + GUARD) * sizeof *x), *bk = xmalloc((bmax + GUARD) * sizeof *x);
    size_t cases = 0;
    for (size_t p = 0; p < np; p++) {
        const tsamp_kernels *k = ks[p];
        rng r = {0x9abcu + p};
        for (size_t t = 0; t < N_LENGTHS; t++) {
            size_t n = length_at(t), nb = tsamp_n_blocks(n);
            int reps = n > 600 ? 2 * N_KINDS : 3;
            for (int rep = 0; rep < reps; rep++) {
                int kind = n > 600 ? rep / 2 : (int)((n * 3 + (size_t)rep) % N_KINDS);
                float s = kScales[(n + (size_t)rep) % N_SCALES];
                fill(&r, x, n, kind);
                float mx;
                tsamp_kernels_scalar.max(x, n, &mx);
                /* m at the maximum, above it, or below it with arguments up to ~57 */
                float m = mx;
                int mode = (rep + (int)(n / 7)) % 3;
                if (mode == 1) m = mx + 1.0f;
                if (mode == 2 && s < 2.0f) m = mx - 40.0f;
                set_sentinel(ws, n + GUARD);
                set_sentinel(bs, nb + GUARD);
                double ts = tsamp_kernels_scalar.sum_exp(x, n, m, s, bs, ws);
                /* every combination of the optional outputs gives the same total */
                for (int v = 0; v < 4; v++) {
                    set_sentinel(wk, n + GUARD);
                    set_sentinel(bk, nb + GUARD);
                    double tk = k->sum_exp(x, n, m, s, (v & 1) ? bk : NULL, (v & 2) ? wk : NULL);
                    CHECKF(memcmp(&ts, &tk, sizeof ts) == 0,
                           "%s sum_exp total, %s, n=%zu, m=%g, s=%g: %.17g vs %.17g", name_of(k),
                           kind_name[kind], n, (double)m, (double)s, ts, tk);
                    if (v & 1)
                        CHECKF(memcmp(bs, bk, (nb + GUARD) * sizeof *bs) == 0,
                               "%s sum_exp blocks, %s, n=%zu, s=%g", name_of(k), kind_name[kind],
                               n, (double)s);
                    else
                        CHECK(bitsf(bk[0]) == SENTINEL);
                    if (v & 2)
                        CHECKF(memcmp(ws, wk, (n + GUARD) * sizeof *ws) == 0,
                               "%s sum_exp w, %s, n=%zu, s=%g", name_of(k), kind_name[kind], n,
                               (double)s);
                    else
                        CHECK(bitsf(wk[0]) == SENTINEL);
                }
                /* in place: w is x itself */
                memcpy(xc, x, n * sizeof *x);
                double ti = k->sum_exp(xc, n, m, s, NULL, xc);
                CHECKF(memcmp(&ts, &ti, sizeof ts) == 0 && memcmp(ws, xc, n * sizeof *x) == 0,
                       "%s sum_exp in place, %s, n=%zu", name_of(k), kind_name[kind], n);
                cases += 5;
            }
        }
        /* Logits near +-FLT_MAX: x - m overflows to -inf, and below TSAMP_SAFE_SCALE the
         * halved form gives weights that are not 0. */
        for (size_t nh = 1; nh <= 300; nh += 13) {
            for (size_t i = 0; i < nh; i++)
                x[i] = (float)((runif(&r) * 2.0 - 1.0) * FLT_MAX);
            x[rbelow(&r, nh)] = FLT_MAX;
            for (int v = 0; v < 3; v++) {
                float s = v == 0 ? 1e-37f : v == 1 ? 3e-39f : 0x1p-101f;
                double ts = tsamp_kernels_scalar.sum_exp(x, nh, FLT_MAX, s, bs, ws);
                double tk = k->sum_exp(x, nh, FLT_MAX, s, bk, wk);
                CHECKF(memcmp(&ts, &tk, sizeof ts) == 0 && memcmp(ws, wk, nh * sizeof *ws) == 0 &&
                           memcmp(bs, bk, tsamp_n_blocks(nh) * sizeof *bs) == 0,
                       "%s sum_exp near FLT_MAX, n=%zu, s=%g", name_of(k), nh, (double)s);
                /* the halved form was taken and mattered: a logit below -1e38 weighs > 0 */
                if (v == 0 && nh > 100) {
                    int seen = 0;
                    for (size_t i = 0; i < nh; i++) seen |= x[i] < -1e38f && ws[i] > 0.0f;
                    CHECK(seen);
                }
            }
        }
        /* A ramp through every region of the exp: clamped to 0, subnormal results, normal
         * ones up to e^88, and the integer scale 2^n for n = -150 .. 127. */
        const size_t nr = 20801;
        for (size_t i = 0; i < nr; i++) x[i] = (float)(-120.0 + 0.01 * (double)i);
        for (int v = 0; v < 3; v++) {
            float s = v == 0 ? 1.0f : v == 1 ? 0.5f : 1.0f / 0.7f, m = v == 2 ? 40.0f : 0.0f;
            double ts = tsamp_kernels_scalar.sum_exp(x, nr, m, s, bs, ws);
            double tk = k->sum_exp(x, nr, m, s, bk, wk);
            CHECKF(memcmp(&ts, &tk, sizeof ts) == 0 && memcmp(ws, wk, nr * sizeof *ws) == 0 &&
                       memcmp(bs, bk, tsamp_n_blocks(nr) * sizeof *bs) == 0,
                   "%s sum_exp on the ramp, s=%g", name_of(k), (double)s);
        }
    }
    free(x);
    free(xc);
    free(ws);
    free(wk);
    free(bs);
    free(bk);
    if (np) check_note("sum_exp: %zu calls per path", cases / np);
}

/* ---- sum_ge and compact_ge ---------------------------------------------------------------- */

/* Thresholds: existing values (ties), neighbours of existing values, the extremes, NaN. */
static float threshold(rng *r, const float *x, size_t n, int j) {
    switch (j) {
    case 0: return x[rbelow(r, n)];
    case 1: return x[rbelow(r, n)];
    case 2: return nextafterf(x[rbelow(r, n)], (float)INFINITY);
    case 3: return nextafterf(x[rbelow(r, n)], -(float)INFINITY);
    case 4: return -(float)INFINITY;
    case 5: return (float)INFINITY;
    case 6: return (float)NAN;
    case 7: return 0.0f;
    case 8: return -0.0f;
    default: {
        float m;
        tsamp_kernels_scalar.max(x, n, &m);
        return m;
    }
    }
}
#define N_THRESHOLDS 10

static void test_isa_sum_ge(void) {
    const tsamp_kernels *ks[N_PATHS];
    size_t np = runnable(ks);
    const size_t nmax = 100003;
    float *x = xmalloc(nmax * sizeof *x), *w = xmalloc(nmax * sizeof *x);
    size_t cases = 0;
    for (size_t p = 0; p < np; p++) {
        const tsamp_kernels *k = ks[p];
        rng r = {0xdef0u + p};
        for (size_t t = 0; t < N_LENGTHS; t++) {
            size_t n = length_at(t);
            int reps = n > 600 ? N_KINDS : 2;
            for (int rep = 0; rep < reps; rep++) {
                int kind = n > 600 ? rep : (int)((n * 5 + (size_t)rep) % N_KINDS);
                fill(&r, x, n, kind);
                if (rep % 2 == 0) { /* softmax weights, as the sampler uses them */
                    float mx;
                    tsamp_kernels_scalar.max(x, n, &mx);
                    tsamp_kernels_scalar.sum_exp(x, n, mx, kScales[n % N_SCALES], NULL, w);
                } else { /* any finite weights, negative and subnormal too */
                    fill(&r, w, n, (int)(n % 2) ? K_WIDE : K_TINY);
                }
                for (int j = 0; j < N_THRESHOLDS; j++) {
                    float v = threshold(&r, x, n, j);
                    size_t cs = 7, ck = 9;
                    double ts = tsamp_kernels_scalar.sum_ge(w, x, n, v, &cs);
                    double tk = k->sum_ge(w, x, n, v, &ck);
                    CHECKF(memcmp(&ts, &tk, sizeof ts) == 0 && cs == ck,
                           "%s sum_ge, %s, n=%zu, v=%08x: (%.17g, %zu) vs (%.17g, %zu)",
                           name_of(k), kind_name[kind], n, (unsigned)bitsf(v), ts, cs, tk, ck);
                    cases++;
                }
            }
        }
    }
    free(x);
    free(w);
    if (np) check_note("sum_ge: %zu cases per path", cases / np);
}

static void test_isa_compact_ge(void) {
    const tsamp_kernels *ks[N_PATHS];
    size_t np = runnable(ks);
    const size_t nmax = 100003;
    float *x = xmalloc(nmax * sizeof *x);
    int32_t *is = xmalloc((nmax + GUARD + 8) * sizeof *is);
    int32_t *ik = xmalloc((nmax + GUARD + 8) * sizeof *ik);
    size_t cases = 0;
    for (size_t p = 0; p < np; p++) {
        const tsamp_kernels *k = ks[p];
        rng r = {0x2468u + p};
        for (size_t t = 0; t < N_LENGTHS; t++) {
            size_t n = length_at(t);
            int reps = n > 600 ? N_KINDS : 2;
            for (int rep = 0; rep < reps; rep++) {
                int kind = n > 600 ? rep : (int)((n * 7 + (size_t)rep) % N_KINDS);
                fill(&r, x, n, kind);
                for (int j = 0; j < N_THRESHOLDS; j++) {
                    float v = threshold(&r, x, n, j);
                    size_t total = tsamp_kernels_scalar.compact_ge(x, n, v, NULL, 0);
                    CHECK(k->compact_ge(x, n, v, NULL, 0) == total);
                    /* caps below, at and above the count; the buffers past what the scalar
                     * kernel writes must stay untouched */
                    size_t caps[7] = {1, total / 2, total ? total - 1 : 0, total, total + 3, n,
                                      rbelow(&r, n + 1)};
                    for (int c = 0; c < 7; c++) {
                        size_t cap = caps[c], len = cap + GUARD;
                        for (size_t i = 0; i < len; i++) is[i] = ik[i] = -12345;
                        size_t a = tsamp_kernels_scalar.compact_ge(x, n, v, is, cap);
                        size_t b = k->compact_ge(x, n, v, ik, cap);
                        CHECKF(a == b && memcmp(is, ik, len * sizeof *is) == 0,
                               "%s compact_ge, %s, n=%zu, v=%08x, cap=%zu: %zu vs %zu",
                               name_of(k), kind_name[kind], n, (unsigned)bitsf(v), cap, a, b);
                    }
                    cases += 8;
                }
            }
        }
    }
    free(x);
    free(is);
    free(ik);
    if (np) check_note("compact_ge: %zu calls per path", cases / np);
}

void suite_isa(void) {
    RUN(test_isa_tables);
    RUN(test_isa_max);
    RUN(test_isa_find_first);
    RUN(test_isa_sum_exp);
    RUN(test_isa_sum_ge);
    RUN(test_isa_compact_ge);
}
