/* Reference kernels: plain C that defines the bits every other path must reproduce. */
#include <math.h>

#include "../fmath_internal.h"
#include "../tsamp_internal.h"

static int scalar_max(const float *x, size_t n, float *max) {
    float m = x[0];
    int bad = 0;
    for (size_t i = 0; i < n; i++) {
        float v = x[i];
        bad |= (v != v) | (v == (float)INFINITY);
        m = v > m ? v : m;
    }
    *max = m;
    return bad;
}

static size_t scalar_find_first(const float *x, size_t n, float v) {
    for (size_t i = 0; i < n; i++)
        if (x[i] == v) return i;
    return n;
}

/* Folds the 16 lanes of one block by the fixed tree of the canonical sum. */
static float fold_lanes(float l[TSAMP_LANES]) {
    for (int w = TSAMP_LANES / 2; w >= 1; w /= 2)
        for (int j = 0; j < w; j++) l[j] = l[j] + l[j + w];
    return l[0];
}

static double scalar_sum_exp(const float *x, size_t n, float m, float s, float *blocks,
                             float *w) {
    double total = 0.0;
    for (size_t b0 = 0, bi = 0; b0 < n; b0 += TSAMP_BLOCK, bi++) {
        size_t end = n - b0 < TSAMP_BLOCK ? n : b0 + TSAMP_BLOCK;
        float l[TSAMP_LANES] = {0};
        for (size_t i = b0; i < end; i++) {
            float e = tsamp_exp_core(s < TSAMP_SAFE_SCALE ? tsamp_scaled_dist(x[i], m, s)
                                                          : (x[i] - m) * s);
            if (w) w[i] = e;
            l[i % TSAMP_LANES] += e;
        }
        float bs = fold_lanes(l);
        if (blocks) blocks[bi] = bs;
        total += (double)bs;
    }
    return total;
}

static double scalar_sum_ge(const float *w, const float *x, size_t n, float v, size_t *count) {
    double total = 0.0;
    size_t cnt = 0;
    for (size_t b0 = 0; b0 < n; b0 += TSAMP_BLOCK) {
        size_t end = n - b0 < TSAMP_BLOCK ? n : b0 + TSAMP_BLOCK;
        float l[TSAMP_LANES] = {0};
        for (size_t i = b0; i < end; i++) {
            int in = x[i] >= v;
            cnt += (size_t)in;
            l[i % TSAMP_LANES] += in ? w[i] : 0.0f;
        }
        total += (double)fold_lanes(l);
    }
    *count = cnt;
    return total;
}

static size_t scalar_compact_ge(const float *x, size_t n, float v, int32_t *idx, size_t cap) {
    size_t cnt = 0;
    for (size_t i = 0; i < n; i++) {
        if (x[i] >= v) {
            if (cnt < cap) idx[cnt] = (int32_t)i;
            cnt++;
        }
    }
    return cnt;
}

const tsamp_kernels tsamp_kernels_scalar = {
    TSAMP_ISA_SCALAR, scalar_max, scalar_find_first, scalar_sum_exp, scalar_sum_ge,
    scalar_compact_ge,
};
