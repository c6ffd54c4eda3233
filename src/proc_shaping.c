/* Helpers shared by the shaping processors (src/proc_shaping_internal.h). */
#include <float.h>
#include <math.h>
#include <string.h>

#include "proc_shaping_internal.h"

tsamp_proc tsamp_shaping_proc(tsamp_proc_kind kind) {
    tsamp_proc p;
    memset(&p, 0, sizeof p);
    p.kind = kind;
    return p;
}

/* Folds 16 lanes by the canonical tree (DESIGN.md §6). */
static float fold16(float *l) {
    for (size_t j = 0; j < 8; j++) l[j] += l[j + 8];
    for (size_t j = 0; j < 4; j++) l[j] += l[j + 4];
    for (size_t j = 0; j < 2; j++) l[j] += l[j + 2];
    return l[0] + l[1];
}

/*
 * E = sum of w_i * max(a_i, -1e30) and the number of candidates, in the canonical order (16
 * float lanes per block of 256, folded by the fixed tree, blocks added in double): w_i * a_i
 * where w_i > 0 (then a_i > -104), zero where w_i == 0 (a masked or overflowed a_i would give
 * NaN). Plain scalar code over fixed-size blocks, which compilers vectorize across the lanes
 * without changing any result: the same bits on every path.
 */
static double weighted_sum(const float *restrict x, const float *restrict w, size_t n, float m,
                           float s, size_t *count) {
    double e = 0.0, cnt = 0.0;
    for (size_t b0 = 0; b0 < n; b0 += TSAMP_BLOCK) {
        float l[TSAMP_LANES] = {0}, k[TSAMP_LANES] = {0};
        size_t i = b0, end = n - b0 < TSAMP_BLOCK ? n : b0 + TSAMP_BLOCK;
        if (s >= TSAMP_SAFE_SCALE) {
            for (; i + TSAMP_LANES <= end; i += TSAMP_LANES) {
                for (size_t j = 0; j < TSAMP_LANES; j++) {
                    float xi = x[i + j];
                    float a = (xi - m) * s;
                    a = a > -1e30f ? a : -1e30f;
                    l[j] += w[i + j] * a;
                    k[j] += xi > -INFINITY ? 1.0f : 0.0f;
                }
            }
        }
        for (; i < end; i++) { /* the block's tail, or every entry at a tiny scale */
            float a = tsamp_scaled_dist(x[i], m, s);
            a = a > -1e30f ? a : -1e30f;
            l[i % TSAMP_LANES] += w[i] * a;
            k[i % TSAMP_LANES] += x[i] > -INFINITY ? 1.0f : 0.0f;
        }
        e += (double)fold16(l);
        cnt += (double)fold16(k);
    }
    *count = (size_t)cnt;
    return e;
}

size_t tsamp_shaping_moments(tsamp_chain *c, const tsamp_view *v, double *S, double *E) {
    *S = c->k->sum_exp(v->x, v->n, v->m, v->s, NULL, c->w);
    size_t cnt;
    *E = weighted_sum(v->x, c->w, v->n, v->m, v->s, &cnt);
    return cnt;
}

float tsamp_shaping_first_passing(const tsamp_view *v, int (*pass)(float x, const void *ctx),
                                  const void *ctx) {
    if (!pass(v->m, ctx)) return INFINITY;
    if (pass(-FLT_MAX, ctx)) return -FLT_MAX;
    uint32_t lo = tsamp_key(-FLT_MAX), hi = tsamp_key(v->m); /* fails at lo, passes at hi */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (pass(tsamp_from_key(mid), ctx))
            hi = mid;
        else
            lo = mid;
    }
    return tsamp_from_key(hi);
}

/* Keeps the candidates >= x0 (their indices, increasing, are idx[0..cnt)). */
static void keep_from(tsamp_chain *c, tsamp_view *v, size_t cnt, float x0) {
    if (cnt == v->n) return; /* every entry, so every candidate: nothing to do */
    tsamp_view_keep(c, v, c->idx, cnt, x0, SIZE_MAX);
}

void tsamp_shaping_keep_ge(tsamp_chain *c, tsamp_view *v, float x0, size_t min_keep) {
    const tsamp_kernels *K = c->k;
    size_t k = min_keep > 1 ? min_keep : 1;
    if (x0 <= -FLT_MAX) return; /* every candidate passes */
    size_t cnt = x0 <= v->m ? K->compact_ge(v->x, v->n, x0, c->idx, v->n) : 0;
    if (cnt >= k) {
        keep_from(c, v, cnt, x0);
        return;
    }
    /* Fewer than k pass: every candidate >= the k-th largest value stays. */
    float vk = v->m;
    if (k > 1) {
        size_t all = K->compact_ge(v->x, v->n, -FLT_MAX, c->idx, v->n);
        if (all <= k) {
            keep_from(c, v, all, -FLT_MAX);
            return;
        }
        size_t gt;
        vk = tsamp_view_kth_largest(v->x, c->idx, all, k, &gt);
    }
    cnt = K->compact_ge(v->x, v->n, vk, c->idx, v->n);
    keep_from(c, v, cnt, vk);
}

uint32_t tsamp_shaping_midpoint(uint32_t lo, uint32_t hi) {
    float a = tsamp_from_key(lo), b = tsamp_from_key(hi);
    uint32_t mid = tsamp_key(a * 0.5f + b * 0.5f);
    return mid > lo && mid < hi ? mid : lo + (hi - lo) / 2;
}
