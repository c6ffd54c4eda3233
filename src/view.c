/* Narrowing a view: compaction by a (value, index) cutoff and exact top-k selection. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "fmath_internal.h"
#include "view_internal.h"

void tsamp_view_keep(tsamp_chain *c, tsamp_view *v, const int32_t *idx, size_t cnt, float value,
                     size_t last_tie) {
    /* In place is safe: idx is increasing, so entry j is read from index idx[j] >= j. */
    float *vals = c->vals;
    int32_t *ids = c->ids;
    size_t out = 0;
    for (size_t j = 0; j < cnt; j++) {
        size_t i = (size_t)idx[j];
        float x = v->x[i];
        if (x > value || (x == value && i <= last_tie)) {
            vals[out] = x;
            ids[out] = tsamp_view_id(v, i);
            out++;
        }
    }
    v->x = vals;
    v->ids = ids;
    v->n = out;
}

enum { SMALL_SELECT = 512 };

/* Quickselect on a copy of the keys, for small sets where the radix passes' 256-bin
 * histograms cost more than the data. Deterministic pivots (median of three). */
static float kth_largest_small(const float *x, const int32_t *idx, size_t cnt, size_t k,
                               size_t *n_greater) {
    uint32_t keys[SMALL_SELECT];
    for (size_t j = 0; j < cnt; j++) keys[j] = tsamp_key(x[idx[j]]);
    size_t lo = 0, hi = cnt - 1, want = k - 1; /* the want-th largest, 0-based */
    while (lo < hi) {
        uint32_t a = keys[lo], b = keys[lo + (hi - lo) / 2], c = keys[hi];
        uint32_t pivot = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
        size_t i = lo, j = hi;
        while (i <= j) { /* descending: larger keys to the left */
            while (keys[i] > pivot) i++;
            while (keys[j] < pivot) j--;
            if (i <= j) {
                uint32_t t = keys[i];
                keys[i] = keys[j], keys[j] = t;
                i++;
                if (j-- == 0) break;
            }
        }
        if (want <= j && j != (size_t)-1)
            hi = j;
        else if (want >= i)
            lo = i;
        else
            break; /* between j and i: equal to the pivot */
    }
    uint32_t kth = keys[want];
    size_t gt = 0;
    for (size_t j = 0; j < cnt; j++) gt += tsamp_key(x[idx[j]]) > kth;
    *n_greater = gt;
    return tsamp_from_key(kth);
}

/* Radix select over order-preserving keys, most significant byte first: the k-th largest
 * (k >= 1, k <= cnt) of x[idx[0..cnt)]. Returns its value and how many are strictly larger. */
float tsamp_view_kth_largest(const float *x, const int32_t *idx, size_t cnt, size_t k,
                             size_t *n_greater) {
    if (cnt <= SMALL_SELECT) return kth_largest_small(x, idx, cnt, k, n_greater);
    uint32_t prefix = 0, mask = 0;
    size_t above = 0; /* entries known to be larger than the prefix's range */
    for (int shift = 24; shift >= 0; shift -= 8) {
        size_t hist[256] = {0};
        for (size_t j = 0; j < cnt; j++) {
            uint32_t key = tsamp_key(x[idx[j]]);
            if ((key & mask) == prefix) hist[(key >> shift) & 0xffu]++;
        }
        unsigned d = 256;
        while (d-- > 0) {
            if (above + hist[d] >= k) break;
            above += hist[d];
        }
        prefix |= (uint32_t)d << shift;
        mask |= 0xffu << shift;
    }
    *n_greater = above;
    return tsamp_from_key(prefix);
}

/*
 * A threshold that most likely has at least k candidates above it, from a strided sample:
 * one cheap compaction then replaces a pass over the whole vocabulary. -FLT_MAX when a
 * sample would not help.
 */
float tsamp_view_guess_threshold(tsamp_chain *c, const tsamp_view *v, size_t k) {
    enum { SAMPLES = 1024, MARGIN = 8 };
    if (v->n <= 4 * SAMPLES || k > v->n / 16) return -FLT_MAX;
    int32_t *sample = c->idx; /* scratch: the caller compacts into idx afterwards */
    size_t ns = 0, stride = v->n / SAMPLES;
    for (size_t i = 0; i < SAMPLES; i++)
        if (v->x[i * stride] > -FLT_MAX) sample[ns++] = (int32_t)(i * stride);
    /* Expected rank of the k-th largest in the sample, doubled, plus a margin. */
    size_t r = (size_t)((double)k * (double)ns / (double)v->n * 2.0) + MARGIN;
    if (r >= ns) return -FLT_MAX;
    size_t gt;
    return tsamp_view_kth_largest(v->x, sample, ns, r, &gt);
}

/* Compacts the entries >= a threshold that holds at least k candidates: first at the hinted
 * distance below the max (a small margin: every survivor costs a store and, when survivors
 * are frequent, a branch miss), else at a sampled guess, else everything. */
static size_t compact_top(tsamp_chain *c, const tsamp_view *v, size_t k, const float *hint) {
    const tsamp_kernels *K = c->k;
    if (hint && *hint > 0.0f && v->n > 4096) {
        float g = v->m - 1.05f * *hint;
        if (g > -FLT_MAX) {
            size_t cnt = K->compact_ge(v->x, v->n, g, c->idx, v->n);
            if (cnt >= k) return cnt;
        }
    }
    float g = tsamp_view_guess_threshold(c, v, k);
    size_t cnt = K->compact_ge(v->x, v->n, g, c->idx, v->n);
    if (cnt < k && g > -FLT_MAX) cnt = K->compact_ge(v->x, v->n, -FLT_MAX, c->idx, v->n);
    return cnt;
}

void tsamp_view_top_k(tsamp_chain *c, tsamp_view *v, size_t k, float *hint) {
    if (v->ids && k >= v->n) return;
    size_t cnt = compact_top(c, v, k, hint);
    if (cnt <= k) { /* the compacted entries are exactly the top cnt: keep them all */
        if (!v->ids || cnt < v->n) tsamp_view_keep(c, v, c->idx, cnt, -FLT_MAX, SIZE_MAX);
        return;
    }
    size_t gt;
    float kth = tsamp_view_kth_largest(v->x, c->idx, cnt, k, &gt);
    if (hint) *hint = v->m - kth;
    /* Ties at the k-th value: the lowest indices fill the remaining k - gt places. */
    size_t need = k - gt, last_tie = 0;
    for (size_t j = 0; j < cnt && need > 0; j++) {
        if (v->x[c->idx[j]] == kth) {
            last_tie = (size_t)c->idx[j];
            need--;
        }
    }
    tsamp_view_keep(c, v, c->idx, cnt, kth, last_tie);
}

size_t tsamp_view_find(const tsamp_view *v, int32_t id) {
    if (!v->ids) return id >= 0 && (size_t)id < v->n && v->x[id] > -INFINITY ? (size_t)id : SIZE_MAX;
    size_t lo = 0, hi = v->n; /* ids are increasing */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (v->ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < v->n && v->ids[lo] == id ? lo : SIZE_MAX;
}

static float scaled(float x, float s) {
    float y = x * s;
    return y > FLT_MAX ? FLT_MAX : y < -FLT_MAX && x > -INFINITY ? -FLT_MAX : y;
}

float *tsamp_view_materialize(tsamp_chain *c, tsamp_view *v) {
    float *vals = v->ids ? c->vals : c->edit;
    if (v->s == 1.0f) { /* the usual case (edits come before temperature): a plain copy */
        if (v->x != vals) memcpy(vals, v->x, v->n * sizeof *vals);
    } else {
        for (size_t i = 0; i < v->n; i++) vals[i] = scaled(v->x[i], v->s);
        v->m = scaled(v->m, v->s);
    }
    v->x = vals;
    v->s = 1.0f;
    v->scale = 1.0;
    return vals;
}

tsamp_status tsamp_view_refresh(tsamp_chain *c, tsamp_view *v) {
    if (v->ids) { /* keep the candidates that are still finite */
        size_t out = 0;
        for (size_t i = 0; i < v->n; i++) {
            if (!(v->x[i] > -INFINITY)) continue;
            c->vals[out] = v->x[i];
            c->ids[out] = v->ids[i];
            out++;
        }
        v->n = out;
        if (out == 0) return TSAMP_ERR_ALL_MASKED;
    }
    float m;
    c->k->max(v->x, v->n, &m);
    if (!(m > -INFINITY)) return TSAMP_ERR_ALL_MASKED;
    v->m = m;
    return TSAMP_OK;
}
