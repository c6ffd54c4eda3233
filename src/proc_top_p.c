/*
 * Top-p without sorting (DESIGN.md §5). The weights are computed once. The kept set is defined
 * by canonical sums over the whole view (settle), so it never depends on how the cutoff was
 * found; finding it is fast: a threshold that holds the target mass (guessed from the previous
 * token's cutoff) narrows the view to a few thousand entries, a bisection on masked sums of
 * the weights shrinks the boundary window to at most 256 tokens, and only those are ordered.
 */
#include <float.h>
#include <math.h>

#include "fmath_internal.h"
#include "view_internal.h"

enum { WINDOW = 256, NARROW_MIN = 8192 };

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

/*
 * Narrows a dense view to the entries >= a threshold that holds the target mass and at least
 * `need` entries, guessed at `hint` (scaled distance below the max) with a margin and widened
 * on a miss; their weights go to c->w2 (c->w keeps the full view's). Returns the threshold,
 * or -FLT_MAX when the view is left as it was.
 */
static float narrow(tsamp_chain *c, tsamp_view *v, double target, size_t need, float hint) {
    const tsamp_kernels *K = c->k;
    float d = hint > 0.0f && hint < FLT_MAX ? 1.1f * hint + 0.5f : 8.0f;
    for (int tries = 0; tries < 4; tries++, d = 1.5f * d + 1.0f) {
        float lo = v->m - d / v->s;
        if (!(lo > -FLT_MAX)) break;
        size_t cnt;
        double mass = K->sum_ge(c->w, v->x, v->n, lo, &cnt);
        if (mass < target || cnt < need) continue;
        if (cnt > v->n / 2) break; /* not worth a compaction */
        cnt = K->compact_ge(v->x, v->n, lo, c->idx, v->n);
        for (size_t j = 0; j < cnt; j++) c->w2[j] = c->w[c->idx[j]];
        tsamp_view_keep(c, v, c->idx, cnt, lo, SIZE_MAX);
        return lo;
    }
    return -FLT_MAX;
}

/* A threshold strictly between two keys: the value midpoint if it is one, else the key's. */
static uint32_t midpoint(uint32_t lo, uint32_t hi) {
    float a = tsamp_from_key(lo), b = tsamp_from_key(hi);
    uint32_t mid = tsamp_key(a * 0.5f + b * 0.5f);
    return mid > lo && mid < hi ? mid : lo + (hi - lo) / 2;
}

/*
 * The fast search: a cutoff value, normally the one settle() confirms. It may work on a
 * narrowed copy of the view (guided by the previous token's cutoff), so its sums can round
 * differently from the canonical ones: it proposes, settle() decides.
 */
static float propose(tsamp_chain *c, const tsamp_view *view, double target, size_t need,
                     float hint) {
    const tsamp_kernels *K = c->k;
    tsamp_view nv = *view;
    tsamp_view *v = &nv;
    const float *w = c->w;
    float floor_value = -FLT_MAX;
    if (!v->ids && v->n >= NARROW_MIN) { /* only a dense view: its arrays stay intact */
        floor_value = narrow(c, v, target, need, hint);
        if (floor_value > -FLT_MAX) w = c->w2;
    }
    /* Below max - 110 / s every weight is exactly 0: the whole mass lies above. */
    float zero_below = v->m - 110.0f / v->s;
    if (zero_below > floor_value) floor_value = zero_below;

    /* Invariant: mass(x >= from_key(lo)) >= target > mass(x >= from_key(hi)). */
    uint32_t lo = tsamp_key(floor_value), hi = tsamp_key(v->m) + 1;
    double mass_hi = 0.0;
    size_t cnt_lo = v->n, cnt_hi = 0;
    while (hi - lo > 1 && cnt_lo - cnt_hi > WINDOW) {
        uint32_t mid = midpoint(lo, hi);
        size_t cnt;
        double mass = K->sum_ge(w, v->x, v->n, tsamp_from_key(mid), &cnt);
        if (mass >= target) {
            lo = mid;
            cnt_lo = cnt;
        } else {
            hi = mid;
            mass_hi = mass;
            cnt_hi = cnt;
        }
    }
    /* The window [v_lo, v_hi), in order, from the mass above it until target. */
    float v_lo = tsamp_from_key(lo), v_hi = tsamp_from_key(hi), cut = v_lo;
    entry win[WINDOW];
    size_t nw = 0;
    for (size_t i = 0; i < v->n && nw < WINDOW; i++) {
        if (v->x[i] >= v_lo && v->x[i] < v_hi) {
            win[nw].x = v->x[i];
            win[nw].i = (int32_t)i;
            nw++;
        }
    }
    sort_window(win, nw);
    double acc = mass_hi;
    for (size_t j = 0; j < nw; j++) {
        acc += (double)w[win[j].i];
        cut = win[j].x;
        if (acc >= target) break;
    }
    return cut;
}

/* The smallest candidate value above v, and the largest below it (O(n); only when the
 * proposal was off by rounding). */
static float value_above(const tsamp_view *v, float x0) {
    float best = INFINITY;
    for (size_t i = 0; i < v->n; i++)
        if (v->x[i] > x0 && v->x[i] < best) best = v->x[i];
    return best;
}

static float value_below(const tsamp_view *v, float x0) {
    float best = -INFINITY;
    for (size_t i = 0; i < v->n; i++)
        if (v->x[i] < x0 && v->x[i] > best) best = v->x[i];
    return best;
}

/*
 * The cutoff value by definition: with S(u) the canonical masked sum of the view's weights over
 * x >= u, the largest candidate value u with S(u) >= target. Starts from the proposal and
 * moves one value at a time (S is monotone, so it ends). *above receives S(just above it).
 */
static float settle(tsamp_chain *c, const tsamp_view *v, double target, float cut,
                    double *above) {
    const tsamp_kernels *K = c->k;
    size_t cnt;
    for (;;) {
        double a = K->sum_ge(c->w, v->x, v->n, nextafterf(cut, INFINITY), &cnt);
        if (a >= target) {
            cut = value_above(v, cut);
            continue;
        }
        if (K->sum_ge(c->w, v->x, v->n, cut, &cnt) < target) {
            cut = value_below(v, cut);
            continue;
        }
        *above = a;
        return cut;
    }
}

static void top_p(tsamp_chain *c, tsamp_view *v, float p, size_t min_keep, float *hint) {
    if (p >= 1.0f) return;
    size_t need = min_keep > 1 ? min_keep : 1;
    if (p <= 0.0f) {
        tsamp_view_top_k(c, v, need, NULL);
        return;
    }
    const tsamp_kernels *K = c->k;
    double total = K->sum_exp(v->x, v->n, v->m, v->s, NULL, c->w);
    double target = (double)p * total;
    double acc;
    float cut = settle(c, v, target, propose(c, v, target, need, *hint), &acc);
    *hint = (v->m - cut) * v->s;

    /* The tie group at the cutoff, by index, from the mass above it until target. */
    size_t cnt = K->compact_ge(v->x, v->n, cut, c->idx, v->n), last = SIZE_MAX, kept = 0;
    for (size_t j = 0; j < cnt; j++) {
        size_t i = (size_t)c->idx[j];
        if (v->x[i] > cut) {
            kept++;
        } else if (last == SIZE_MAX || acc < target) {
            acc += (double)c->w[i];
            last = i;
            kept++;
        }
    }
    if (kept < need) {
        tsamp_view_top_k(c, v, need, NULL);
        return;
    }
    tsamp_view_keep(c, v, c->idx, cnt, cut, last);
}

static tsamp_status apply(tsamp_run *r, const tsamp_proc *p, void *state, float *hint) {
    (void)state;
    top_p(r->c, &r->v, p->u.top_p.p, p->u.top_p.min_keep, hint);
    return TSAMP_OK;
}

const tsamp_proc_ops tsamp_ops_top_p = {.apply = apply};
