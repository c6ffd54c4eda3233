/*
 * Locally typical sampling without sorting. The distance of candidate i from the entropy is
 * |-log p_i - H| = |a_i - abar| (a_i the scaled logit, abar its probability-weighted mean), so
 * no per-token log is needed: one pass gives the weights and the moments (S, E), a second one
 * the keys k_i = -|a_i - abar| (in float; the larger the key, the more typical). The kept set
 * is the shortest prefix of the order (key descending, then value descending, then index
 * ascending) whose mass is > p * S, at least min_keep long. It is found as top-p finds its
 * cut: bisection on the key with masked sums of the stored weights (the undecided band is
 * compacted once it is small), until the boundary window holds few candidates; only those are
 * ordered. Since the key is unimodal in the logit, the kept set is then an interval of values,
 * found by bisection on the value.
 */
#include <float.h>
#include <math.h>

#include "proc_shaping_internal.h"

enum { WINDOW = 256, NARROW_MIN = 8192 };

/* The goal of the walk: mass > target and at least `need` candidates. */
typedef struct {
    double target;
    size_t need;
} goal;

static int reached(const goal *g, double mass, size_t count) {
    return mass > g->target && count >= g->need;
}

/* How the keys are computed from the view, the same bits in the vector loop and here. */
typedef struct {
    float m, s, abar;
} keyer;

static float key_of(const keyer *k, float x) {
    float a = k->s >= TSAMP_SAFE_SCALE ? (x - k->m) * k->s : tsamp_scaled_dist(x, k->m, k->s);
    float d = fabsf(a - k->abar);
    d = d < FLT_MAX ? d : FLT_MAX; /* an overflowed a: the least typical */
    return -d;
}

/* nk_i = key_of(x_i), -inf for masked entries; returns the least candidate key (<= 0).
 * Blocks of 16 with per-lane minima (a form compilers vectorize). */
static float keys(const keyer *k, const float *restrict x, float *restrict nk, size_t n) {
    float low[16] = {0};
    size_t i = 0;
    if (k->s >= TSAMP_SAFE_SCALE) {
        float m = k->m, s = k->s, ab = k->abar;
        for (; i + 16 <= n; i += 16) {
            for (size_t j = 0; j < 16; j++) {
                float xi = x[i + j];
                float d = fabsf((xi - m) * s - ab);
                d = d < FLT_MAX ? d : FLT_MAX;
                nk[i + j] = xi > -INFINITY ? -d : -INFINITY;
                float kj = xi > -INFINITY ? -d : 0.0f;
                low[j] = kj < low[j] ? kj : low[j];
            }
        }
    }
    for (; i < n; i++) {
        nk[i] = x[i] > -INFINITY ? key_of(k, x[i]) : -INFINITY;
        low[0] = nk[i] > -INFINITY && nk[i] < low[0] ? nk[i] : low[0];
    }
    float least = 0.0f;
    for (size_t j = 0; j < 16; j++) least = low[j] < least ? low[j] : least;
    return least;
}

/* Moves the entries of positions `from` (increasing, each >= its destination) whose keys are
 * in [k_lo, k_hi) to positions 0.. of (nk, w, idx); returns how many. Branch-free stores. */
static size_t gather(float *nk, float *w, int32_t *idx, const int32_t *from, size_t cnt,
                     float k_lo, float k_hi, int positions_are_ids) {
    size_t out = 0;
    for (size_t j = 0; j < cnt; j++) {
        size_t at = positions_are_ids ? (size_t)from[j] : j;
        float kv = nk[at], wv = w[at];
        int32_t id = positions_are_ids ? from[j] : idx[j];
        nk[out] = kv, w[out] = wv, idx[out] = id;
        out += (size_t)(kv >= k_lo && kv < k_hi);
    }
    return out;
}

/* A candidate in the boundary window. */
typedef struct {
    float k, x, w;
    int32_t i;
} entry;

/* The order of typicality: key descending, value descending, index ascending. */
static int entry_before(entry a, entry b) {
    if (a.k != b.k) return a.k > b.k;
    if (a.x != b.x) return a.x > b.x;
    return a.i < b.i;
}

static void sort_entries(entry *e, size_t n) {
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

/* Walks e[0..n) (sorted) from (acc, have) until the goal; the last one walked is the cut (the
 * last of all if the goal is not reached: the rounding of another summation order). */
static entry walk(const entry *e, size_t n, double acc, size_t have, const goal *g) {
    if (n == 0) return (entry){-FLT_MAX, -INFINITY, 0.0f, INT32_MAX}; /* unreachable: keep all */
    size_t j = 0;
    for (; j < n; j++) {
        acc += (double)e[j].w;
        if (reached(g, acc, ++have)) break;
    }
    return e[j < n ? j : n - 1];
}

/* Bisection midpoint of two keys: the value midpoint, or the key midpoint while the range is
 * huge (only when min_keep reaches into weightless candidates far from the mean). */
static uint32_t mid_key(uint32_t lo, uint32_t hi) {
    if (tsamp_from_key(lo) < -0x1p20f) return lo + (hi - lo) / 2;
    return tsamp_shaping_midpoint(lo, hi);
}

/*
 * The cut inside one key group larger than the window: the m candidates at positions 0..m of
 * (ids, w) (increasing ids, all with key kg), in value-descending, index-ascending order, from
 * (acc, have). Bisection on the value with masked sums over the list (scalar, in list order),
 * then a sorted window, or the list order for a single value. Rare: it needs hundreds of
 * candidates whose distances round to the same float.
 */
static entry cut_in_group(const float *x, const int32_t *ids, const float *w, size_t m, float kg,
                          double acc, size_t have, const goal *g) {
    float top = -INFINITY;
    for (size_t j = 0; j < m; j++) top = x[ids[j]] > top ? x[ids[j]] : top;
    uint32_t lo = tsamp_key(-FLT_MAX), hi = tsamp_key(top) + 1; /* goal at lo, not at hi */
    size_t cnt_lo = m, cnt_hi = 0;
    double acc_hi = acc;
    while (hi - lo > 1 && cnt_lo - cnt_hi > WINDOW) {
        uint32_t mid = tsamp_shaping_midpoint(lo, hi);
        float t = tsamp_from_key(mid);
        double mass = acc;
        size_t cnt = 0;
        for (size_t j = 0; j < m; j++) {
            if (x[ids[j]] >= t) {
                mass += (double)w[j];
                cnt++;
            }
        }
        if (reached(g, mass, have + cnt)) {
            lo = mid;
            cnt_lo = cnt;
        } else {
            hi = mid;
            acc_hi = mass;
            cnt_hi = cnt;
        }
    }
    float t_lo = tsamp_from_key(lo), t_hi = tsamp_from_key(hi);
    have += cnt_hi;
    entry e[WINDOW], last = {kg, t_lo, 0.0f, 0};
    size_t n = 0;
    for (size_t j = 0; j < m; j++) {
        float xj = x[ids[j]];
        if (!(xj >= t_lo && xj < t_hi)) continue;
        entry ej = {kg, xj, w[j], ids[j]};
        if (hi - lo <= 1) { /* one value: the list order is the order */
            acc_hi += (double)w[j];
            last = ej;
            if (reached(g, acc_hi, ++have)) return last;
        } else if (n < WINDOW) { /* the loop above bounds the window; the test is a guard */
            e[n++] = ej;
        }
    }
    if (hi - lo <= 1) return last;
    sort_entries(e, n);
    return walk(e, n, acc_hi, have, g);
}

/* The scaled logit, as key_of takes it. */
static float scaled_of(const keyer *k, float x) {
    return k->s >= TSAMP_SAFE_SCALE ? (x - k->m) * k->s : tsamp_scaled_dist(x, k->m, k->s);
}

/* Bisection over the floats of [lo, hi] for the first at which a test that is false at lo
 * turns true: rising = 1 tests key >= kc, rising = 0 tests key < kc. Returns hi if the test
 * is false up to hi (the caller checks hi). */
static float first_true(const keyer *k, float lo, float hi, float kc, int rising) {
    uint32_t a = tsamp_key(lo), b = tsamp_key(hi);
    while (b - a > 1) {
        uint32_t mid = a + (b - a) / 2;
        float f = key_of(k, tsamp_from_key(mid));
        if (rising ? f >= kc : f < kc)
            b = mid;
        else
            a = mid;
    }
    return tsamp_from_key(b);
}

/*
 * Keeps the prefix that ends at `cut`. The key is unimodal in the value: it rises while
 * a < abar and falls after, so the keys >= cut.k are the values in an interval [A, B_past);
 * inside it, a candidate at the cut's key comes after the cut when its value is smaller, or
 * equal with a larger index. Three scalar bisections and one compaction.
 */
static void keep_prefix(tsamp_chain *c, tsamp_view *v, const keyer *k, entry cut) {
    const float *x = v->x;
    float kc = cut.k;
    /* xc: the first value of the falling side (a - abar >= 0); v->m is on it (a = 0). */
    float xc = -FLT_MAX;
    if (scaled_of(k, -FLT_MAX) - k->abar < 0.0f) {
        uint32_t lo = tsamp_key(-FLT_MAX), hi = tsamp_key(v->m);
        while (hi - lo > 1) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (scaled_of(k, tsamp_from_key(mid)) - k->abar >= 0.0f)
                hi = mid;
            else
                lo = mid;
        }
        xc = tsamp_from_key(hi);
    }
    /* A: the first value of the rising side with key >= kc, else xc. */
    float A = xc;
    if (xc > -FLT_MAX) {
        float left = tsamp_from_key(tsamp_key(xc) - 1); /* the last value of the rising side */
        if (key_of(k, left) >= kc)
            A = key_of(k, -FLT_MAX) >= kc ? -FLT_MAX : first_true(k, -FLT_MAX, left, kc, 1);
    }
    /* B_past: the first value of the falling side with key < kc (none: +inf). */
    float B_past = key_of(k, xc) < kc ? xc : first_true(k, xc, v->m, kc, 0);
    if (!(key_of(k, B_past) < kc)) B_past = INFINITY;
    size_t cnt = c->k->compact_ge(x, v->n, A, c->idx, v->n);
    size_t out = 0;
    float top = -INFINITY; /* the largest value kept: the max itself may be too probable */
    for (size_t j = 0; j < cnt; j++) {
        int32_t i = c->idx[j];
        float xi = x[i];
        if (!(xi < B_past)) continue;
        if (xi > cut.x || (xi == cut.x && i <= cut.i) || key_of(k, xi) > kc) {
            c->idx[out++] = i;
            top = xi > top ? xi : top;
        }
    }
    if (v->ids && out == v->n) return;
    tsamp_view_keep(c, v, c->idx, out, -INFINITY, SIZE_MAX);
    v->m = top;
}

static void typical(tsamp_chain *c, tsamp_view *v, float p, size_t min_keep, float *nk) {
    if (!(p < 1.0f)) return;
    const tsamp_kernels *K = c->k;
    const float *x = v->x;
    float *w = c->w;
    size_t n = v->n, need = min_keep > 1 ? min_keep : 1;
    double S, E;
    size_t n_cand = tsamp_shaping_moments(c, v, &S, &E);
    if (n_cand <= need) return; /* every candidate stays */
    keyer k = {v->m, v->s, (float)(E / S)};
    float least = keys(&k, x, nk, n);
    goal g = {(double)p * S, need};

    /* Invariant: the goal is reached by the keys >= from_key(lo), not by those >= from_key(hi):
     * all candidates reach it (mass S > p * S, n_cand > need), none is >= the least positive
     * float. The band [lo, hi) is compacted once it holds at most n / 8 candidates. */
    uint32_t lo = tsamp_key(least), hi = tsamp_key(0.0f) + 1;
    double mass_hi = 0.0, base_mass = 0.0; /* base: above the working arrays' range */
    size_t cnt_lo = n_cand, cnt_hi = 0, base_cnt = 0;
    size_t nw = n;    /* the working arrays: (nk, w) at positions 0..nw */
    int narrowed = 0; /* then the view index of position j is c->idx[j] */
    /* First guesses: the cut's distance is usually of the order of |abar| (the max is that
     * far), so the first thresholds step from there by factors of 1.25 until they bracket it;
     * then bisection. Each evaluation only narrows [lo, hi), whatever it finds. */
    float guess = k.abar;
    int direction = 0, guesses = k.abar < 0.0f ? 4 : 0;
    while (hi - lo > 1 && cnt_lo - cnt_hi > WINDOW) {
        if (!narrowed && n >= NARROW_MIN && cnt_lo - cnt_hi <= n / 8) {
            float k_lo = tsamp_from_key(lo), k_hi = tsamp_from_key(hi);
            size_t cnt = K->compact_ge(nk, n, k_lo, c->idx, n);
            nw = gather(nk, w, c->idx, c->idx, cnt, k_lo, k_hi, 1);
            narrowed = 1;
            base_mass = mass_hi, base_cnt = cnt_hi;
        }
        uint32_t mid = tsamp_key(guess);
        int guessing = guesses > 0 && mid > lo && mid < hi;
        if (guessing)
            guesses--;
        else
            guesses = 0, mid = mid_key(lo, hi);
        size_t cnt;
        double mass = base_mass + K->sum_ge(w, nk, nw, tsamp_from_key(mid), &cnt);
        cnt += base_cnt;
        int ok = reached(&g, mass, cnt);
        if (ok) {
            lo = mid;
            cnt_lo = cnt;
        } else {
            hi = mid;
            mass_hi = mass;
            cnt_hi = cnt;
        }
        if (guessing) { /* reached: try fewer (keys nearer 0); else more */
            if (direction == 0) direction = ok ? 1 : -1;
            if ((direction > 0) != ok) guesses = 0; /* bracketed */
            guess = direction > 0 ? guess * 0.8f : guess * 1.25f;
        }
    }
    float k_lo = tsamp_from_key(lo), k_hi = tsamp_from_key(hi);

    /* The window: keys in [k_lo, k_hi), gathered to positions 0..m of (nk, w, c->idx). */
    size_t m;
    if (!narrowed) {
        size_t cnt = K->compact_ge(nk, n, k_lo, c->idx, n);
        m = gather(nk, w, c->idx, c->idx, cnt, k_lo, k_hi, 1);
    } else {
        m = gather(nk, w, c->idx, NULL, nw, k_lo, k_hi, 0);
    }
    entry cut;
    if (m <= WINDOW) {
        entry win[WINDOW];
        for (size_t j = 0; j < m; j++) win[j] = (entry){nk[j], x[c->idx[j]], w[j], c->idx[j]};
        sort_entries(win, m);
        cut = walk(win, m, mass_hi, cnt_hi, &g);
    } else { /* one key value, many candidates */
        cut = cut_in_group(x, c->idx, w, m, k_lo, mass_hi, cnt_hi, &g);
    }
    keep_prefix(c, v, &k, cut);
}

/*
 * The keys need n floats of working memory besides the view and the weights. Typical changes
 * no logit, but it declares `edits` so that the chain keeps its n_vocab edit buffer, and uses
 * that buffer, or c->vals when the view itself lives in it (values an editing processor
 * materialized there): the other one is free then. A processor state would do too, but states
 * are saved, cloned and fingerprinted with the chain, and this is scratch.
 */
static tsamp_status apply(tsamp_run *r, const tsamp_proc *p, void *state, float *hint) {
    (void)state, (void)hint;
    tsamp_chain *c = r->c;
    float *scratch = r->v.x == c->edit ? c->vals : c->edit;
    typical(c, &r->v, p->u.typical.p, p->u.typical.min_keep, scratch);
    return TSAMP_OK;
}

const tsamp_proc_ops tsamp_ops_typical = {.apply = apply, .edits = 1};

tsamp_status tsamp_proc_typical(tsamp_proc *out, float p, size_t min_keep) {
    if (p != p) return TSAMP_ERR_INVALID_PARAM;
    *out = tsamp_shaping_proc(TSAMP_PROC_TYPICAL);
    out->u.typical.p = p;
    out->u.typical.min_keep = min_keep;
    return TSAMP_OK;
}

tsamp_status tsamp_chain_add_typical(tsamp_chain *c, float p, size_t min_keep) {
    TSAMP_SHAPING_ADD(c, tsamp_proc_typical(&proc_, p, min_keep));
}
