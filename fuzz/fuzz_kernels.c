/*
 * Fuzz target: the dense kernels of every available instruction set (src/simd/) against the
 * scalar ones, bitwise (DESIGN.md §6: every path gives the scalar bits). This is the internal
 * surface under every public function; the chain target checks the same promise from outside.
 * Input: from the tail a start offset (unaligned loads), a scale, a threshold choice and a
 * compaction capacity; the rest is the values (input.h). Each kernel is called only within
 * the preconditions the library keeps (sum_exp: no NaN/+inf, m the max, 0 < s <= FLT_MAX).
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"
#include "invariants.h"
#include "tsamp_internal.h"

#define MAX_N 4096

typedef struct {
    const float *x;
    size_t n;
    float s, v; /* scale for sum_exp; threshold for sum_ge / compact_ge / find_first */
    size_t cap;
} kernel_case;

static int same_double(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }

static void compare(const tsamp_kernels *k, const kernel_case *kc, float *w0, float *w1, float *b0,
                    float *b1, int32_t *i0, int32_t *i1) {
    const tsamp_kernels *s = &tsamp_kernels_scalar;
    const char *isa = tsamp_isa_name(k->isa);
    float m0 = 0.0f, m1 = 0.0f;
    int bad0 = s->max(kc->x, kc->n, &m0), bad1 = k->max(kc->x, kc->n, &m1);
    FUZZ_CHECK(!bad0 == !bad1, "%s max: NaN/+inf flag %d, scalar %d (n %zu)", isa, bad1, bad0,
               kc->n);
    size_t f0 = s->find_first(kc->x, kc->n, kc->v), f1 = k->find_first(kc->x, kc->n, kc->v);
    FUZZ_CHECK(f0 == f1, "%s find_first(%a): %zu, scalar %zu", isa, (double)kc->v, f1, f0);
    size_t c0 = s->compact_ge(kc->x, kc->n, kc->v, i0, kc->cap);
    size_t c1 = k->compact_ge(kc->x, kc->n, kc->v, i1, kc->cap);
    FUZZ_CHECK(c0 == c1, "%s compact_ge(%a, cap %zu): %zu, scalar %zu", isa, (double)kc->v, kc->cap,
               c1, c0);
    size_t written = c0 < kc->cap ? c0 : kc->cap;
    FUZZ_CHECK(memcmp(i0, i1, written * sizeof *i0) == 0, "%s compact_ge(%a): indices differ", isa,
               (double)kc->v);
    if (bad0) return; /* the library stops at NONFINITE: no sums over such values */
    FUZZ_CHECK(fuzz_same_bits(m0, m1), "%s max: %a, scalar %a", isa, (double)m1, (double)m0);
    if (m0 == -INFINITY) return; /* ALL_MASKED: no sums either */
    double t0 = s->sum_exp(kc->x, kc->n, m0, kc->s, b0, w0);
    double t1 = k->sum_exp(kc->x, kc->n, m0, kc->s, b1, w1);
    FUZZ_CHECK(same_double(t0, t1), "%s sum_exp(s %a): %a, scalar %a", isa, (double)kc->s, t1, t0);
    for (size_t i = 0; i < kc->n; i++)
        FUZZ_CHECK(fuzz_same_bits(w0[i], w1[i]), "%s sum_exp weight %zu (x %a): %a, scalar %a", isa,
                   i, (double)kc->x[i], (double)w1[i], (double)w0[i]);
    for (size_t b = 0; b < tsamp_n_blocks(kc->n); b++)
        FUZZ_CHECK(fuzz_same_bits(b0[b], b1[b]), "%s sum_exp block %zu: %a, scalar %a", isa, b,
                   (double)b1[b], (double)b0[b]);
    /* Without the optional outputs the total is the same. */
    double t2 = k->sum_exp(kc->x, kc->n, m0, kc->s, NULL, NULL);
    FUZZ_CHECK(same_double(t0, t2), "%s sum_exp without outputs: %a, scalar %a", isa, t2, t0);
    size_t n0 = 0, n1 = 0;
    double g0 = s->sum_ge(w0, kc->x, kc->n, kc->v, &n0);
    double g1 = k->sum_ge(w0, kc->x, kc->n, kc->v, &n1);
    FUZZ_CHECK(same_double(g0, g1) && n0 == n1, "%s sum_ge(%a): %a / %zu, scalar %a / %zu", isa,
               (double)kc->v, g1, n1, g0, n0);
}

/* The threshold: one of the values, its neighbours, or an edge value. */
static float pick_threshold(fuzz_input *in, const float *x, size_t n) {
    uint8_t how = fuzz_take_u8(in);
    float v = x[fuzz_take_u16(in) % n];
    switch (how % 6) {
    case 0: return v;
    case 1: return nextafterf(v, INFINITY);
    case 2: return nextafterf(v, -INFINITY);
    case 3: return -FLT_MAX;
    case 4: return -INFINITY;
    default: return fuzz_take_raw_float(in);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_begin("kernels", size);
    fuzz_input in;
    fuzz_input_init(&in, data, size);
    size_t offset = fuzz_take_u8(&in) % 8;
    float s = fuzz_take_temperature(&in);
    s = s > 0.0f && s <= FLT_MAX ? s : 1.0f; /* the scales the library uses */
    uint16_t cap_sel = fuzz_take_u16(&in);
    uint8_t thr[8];
    for (size_t i = 0; i < sizeof thr; i++) thr[i] = fuzz_take_u8(&in);
    float *raw = NULL;
    size_t n = fuzz_take_logits(&in, MAX_N, &raw);
    if (n == SIZE_MAX || n <= offset) {
        free(raw);
        return 0;
    }
    kernel_case kc;
    kc.x = raw + offset;
    kc.n = n - offset;
    kc.s = s;
    kc.cap = cap_sel % 4 == 0 ? kc.n : (size_t)cap_sel % (kc.n + 1);
    fuzz_input tin;
    fuzz_input_init(&tin, thr, sizeof thr);
    kc.v = pick_threshold(&tin, kc.x, kc.n);

    size_t nb = tsamp_n_blocks(kc.n);
    float *w0 = malloc(kc.n * sizeof *w0), *w1 = malloc(kc.n * sizeof *w1);
    float *b0 = malloc(nb * sizeof *b0), *b1 = malloc(nb * sizeof *b1);
    int32_t *i0 = malloc(kc.n * sizeof *i0), *i1 = malloc(kc.n * sizeof *i1);
    if (w0 && w1 && b0 && b1 && i0 && i1) {
        static const tsamp_isa isas[] = {TSAMP_ISA_AVX2, TSAMP_ISA_AVX512, TSAMP_ISA_NEON};
        for (size_t i = 0; i < sizeof isas / sizeof isas[0]; i++) {
            const tsamp_kernels *k = tsamp_kernels_for(isas[i]);
            FUZZ_CHECK(!k == !tsamp_isa_available(isas[i]), "%s: kernels %p, available %d",
                       tsamp_isa_name(isas[i]), (const void *)k, tsamp_isa_available(isas[i]));
            if (k) compare(k, &kc, w0, w1, b0, b1, i0, i1);
        }
        compare(&tsamp_kernels_scalar, &kc, w0, w1, b0, b1, i0, i1); /* deterministic */
    }
    free(w0), free(w1), free(b0), free(b1), free(i0), free(i1);
    free(raw);
    return 0;
}
