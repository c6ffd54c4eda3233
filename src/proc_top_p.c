/*
 * Top-p without sorting: bisect a logit threshold on the probability mass above it (masked
 * sums of stored weights), until the boundary window holds few tokens; only those are ordered.
 */
#include <float.h>

#include "fmath_internal.h"
#include "view_internal.h"

enum { WINDOW = 256 };

typedef struct {
    float x;
    int32_t i;
} entry;

/* Value descending, index ascending: the candidates' order. */
static int entry_before(entry a, entry b) { return a.x > b.x || (a.x == b.x && a.i < b.i); }

/* Shell sort of the small window: no allocation (glibc's qsort may call malloc). */
static void sort_window(entry *e, size_t n) {
    static const size_t gaps[] = {132, 57, 23, 10, 4, 1};
    for (size_t g = 0; g < sizeof gaps / sizeof gaps[0]; g++) {
        size_t gap = gaps[g];
        for (size_t i = gap; i < n; i++) {
            entry t = e[i];
            size_t j = i;
            for (; j >= gap && entry_before(t, e[j - gap]); j -= gap) e[j] = e[j - gap];
            e[j] = t;
        }
    }
}

void tsamp_proc_apply_top_p(tsamp_chain *c, tsamp_view *v, float p, size_t min_keep) {
    if (p >= 1.0f) return;
    size_t need = min_keep > 1 ? min_keep : 1;
    if (p <= 0.0f) {
        tsamp_view_top_k(c, v, need);
        return;
    }
    const tsamp_kernels *K = c->k;
    double total = K->sum_exp(v->x, v->n, v->m, v->s, NULL, c->w);
    double target = (double)p * total;

    /* Invariant: mass(x >= from_key(lo)) >= target > mass(x >= from_key(hi)). */
    uint32_t lo = tsamp_key(-FLT_MAX), hi = tsamp_key(v->m) + 1;
    double mass_hi = 0.0;
    size_t cnt_lo = v->n, cnt_hi = 0;
    while (hi - lo > 1 && cnt_lo - cnt_hi > WINDOW) {
        uint32_t mid = lo + (hi - lo) / 2;
        size_t cnt;
        double mass = K->sum_ge(c->w, v->x, v->n, tsamp_from_key(mid), &cnt);
        if (mass >= target) {
            lo = mid;
            cnt_lo = cnt;
        } else {
            hi = mid;
            mass_hi = mass;
            cnt_hi = cnt;
        }
    }
    float v_lo = tsamp_from_key(lo), v_hi = tsamp_from_key(hi);
    size_t cnt = K->compact_ge(v->x, v->n, v_lo, c->idx, v->n);

    /* The window [v_lo, v_hi): walk it in order from the mass above it until target. */
    entry win[WINDOW];
    size_t nw = 0, last = SIZE_MAX;
    float cut = v_hi;
    double acc = mass_hi;
    int one_value = hi - lo <= 1; /* a single tie group: index order is already the order */
    for (size_t j = 0; j < cnt; j++) {
        size_t i = (size_t)c->idx[j];
        if (!(v->x[i] < v_hi)) continue;
        if (one_value) {
            acc += (double)c->w[i];
            cut = v->x[i];
            last = i;
            if (acc >= target) break;
        } else if (nw < WINDOW) { /* the loop above bounds the window; the test is a guard */
            win[nw].x = v->x[i];
            win[nw].i = (int32_t)i;
            nw++;
        }
    }
    if (!one_value && nw > 0) {
        sort_window(win, nw);
        for (size_t j = 0; j < nw; j++) {
            acc += (double)c->w[win[j].i];
            cut = win[j].x;
            last = (size_t)win[j].i;
            if (acc >= target) break;
        }
    }
    size_t kept = 0;
    for (size_t j = 0; j < cnt; j++) {
        size_t i = (size_t)c->idx[j];
        float x = v->x[i];
        kept += x > cut || (x == cut && i <= last);
    }
    if (kept < need) {
        tsamp_view_top_k(c, v, need);
        return;
    }
    tsamp_view_keep(c, v, c->idx, cnt, cut, last);
}
