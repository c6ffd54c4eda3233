/*
 * The long-double reference chain (see ref.h). Slow on purpose: a full sort of the
 * candidates, a fresh softmax over the kept prefix at every stage that needs probabilities.
 *
 * Ambiguity margins. The library works in float: a scaled logit is fl(fl(x - max) * s) with
 * s the float product of the 1/t (tsamp.h; computed in double and rounded once since
 * e6def6e, the bounds below allow the float product), weights come from its exp (<= 2 ulp), and
 * masses are canonical sums (16 float lanes per 256-element block, blocks added in double).
 *  - top-p compares a prefix mass with p times the total. Each of the two float-lane sums has
 *    a relative error of at most ~19u (16 lane additions and 4 tree levels), each weight one
 *    of <= 4u + (2 + 2 * temperatures) u |a|; so the prefix fraction C is off by a few 1e-6
 *    of C at worst. REF_TOP_P_MARGIN = 1e-5 relative to p leaves a factor of ~3.
 *  - min-p compares fl(fl(x - max) * s) >= log_p, log_p = p's log rounded to float
 *    (src/proc_min_p.c), so at the boundary (a ~ ln p) the error is at most
 *    (2 + 2 * temperatures) u |ln p| for the scaled logit (a subnormal s, t > 8.5e37, adds up
 *    to 8u) plus u |ln p| for log_p, plus one subnormal step if the scaled logit underflows.
 *    REF_MIN_P_MARGIN = 16u relative to |ln p| covers three temperatures with room.
 * Top-k and greedy compare float logits exactly and are never ambiguous.
 */
#include "ref.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    float x;
    int32_t id;
} ref_cand;

/* Logit descending, ties by lower id: the one candidate order of tsamp.h. */
static int cmp_order(const void *pa, const void *pb) {
    const ref_cand *a = pa, *b = pb;
    if (a->x != b->x) return a->x > b->x ? -1 : 1;
    return (a->id > b->id) - (a->id < b->id);
}

typedef struct {
    int32_t id;
    long double p, a;
} ref_out;

static int cmp_id(const void *pa, const void *pb) {
    const ref_out *a = pa, *b = pb;
    return (a->id > b->id) - (a->id < b->id);
}

/* The working state of one run: the result being built and a weight scratch array. */
typedef struct {
    ref_result *r;
    size_t len;     /* kept prefix */
    long double *w; /* scratch, n_cand entries */
} ref_state;

const char *ref_kind_name(ref_kind k) {
    switch (k) {
    case REF_TEMP: return "temp";
    case REF_TOP_K: return "top_k";
    case REF_TOP_P: return "top_p";
    case REF_MIN_P: return "min_p";
    }
    return "?";
}

/* How many a truncation keeps: at least max(1, min_keep), at most what is there. */
static size_t clamp_keep(size_t count, size_t min_keep, size_t len) {
    size_t mk = min_keep > 1 ? min_keep : 1;
    size_t keep = count > mk ? count : mk;
    return keep < len ? keep : len;
}

/* Scaled logit of the i-th candidate: (x_i - max) * scale, max being the first candidate. */
static long double scaled_at(const ref_result *r, size_t i) {
    return (r->x[i] - r->x[0]) * r->scale;
}

/* w[i] = exp(scaled logit) over the kept prefix; returns the sum (added in order). */
static long double prefix_weights(ref_state *s) {
    long double sum = 0.0L;
    for (size_t i = 0; i < s->len; i++) {
        s->w[i] = expl(scaled_at(s->r, i));
        sum += s->w[i];
    }
    return sum;
}

/* Only t == 0 is greedy; a tiny t saturates the scale (tsamp.h), the tied maxima share. */
static void stage_temperature(ref_state *s, float t) {
    ref_result *r = s->r;
    if (t == 0.0f) {
        r->greedy = 1;
        if (s->len > 1) s->len = 1;
    } else if (t != 1.0f) {
        r->temp *= (long double)t;
        r->scale = fminl(1.0L / r->temp, (long double)FLT_MAX);
        r->n_temps++;
    }
}

static void stage_top_k(ref_state *s, int32_t k) {
    if (k > 0 && (size_t)k < s->len) s->len = (size_t)k;
}

/* Smallest prefix whose mass reaches p; the masses either side of p are recorded. */
static void stage_top_p(ref_state *s, float pf, size_t min_keep, ref_stage *st) {
    if (!(pf < 1.0f)) return; /* p >= 1: no-op */
    if (pf <= 0.0f) {
        s->len = clamp_keep(1, min_keep, s->len);
        return;
    }
    if (s->len <= 1) return;
    long double p = pf, mu = REF_TOP_P_MARGIN * p;
    long double total = prefix_weights(s), acc = 0.0L, prev = 0.0L;
    size_t k = 0, k_lo = 0, k_hi = 0; /* prefixes reaching p, p - mu, p + mu (0: none yet) */
    for (size_t i = 0; i < s->len && !k_hi; i++) {
        acc += s->w[i];
        long double c = acc / total; /* exactly 1 at the end: same additions as total */
        if (!k_lo && c >= p - mu) k_lo = i + 1;
        if (!k && c >= p) {
            k = i + 1;
            st->inside = c;
            st->outside = prev;
        }
        if (c >= p + mu) k_hi = i + 1;
        prev = c;
    }
    if (!k) k = s->len; /* unreachable: the full mass is exactly 1 > p */
    if (!k_lo) k_lo = s->len;
    if (!k_hi) k_hi = s->len;
    st->boundary = p;
    double dist = (double)((st->inside - p) / p);
    if (k > 1) dist = fmin(dist, (double)((p - st->outside) / p));
    st->closeness = dist;
    st->ambiguous = clamp_keep(k_lo, min_keep, s->len) != clamp_keep(k_hi, min_keep, s->len);
    s->len = clamp_keep(k, min_keep, s->len);
}

/* Keep scaled logits >= ln p; the scaled logits either side of ln p are recorded. */
static void stage_min_p(ref_state *s, float pf, size_t min_keep, ref_stage *st) {
    if (!(pf > 0.0f)) return; /* p <= 0: no-op */
    if (s->len <= 1) return;
    const ref_result *r = s->r;
    long double lp = logl((long double)pf);
    long double mu = REF_MIN_P_MARGIN * fabsl(lp) + REF_MIN_P_ABS;
    /* Scaled logits fall along the order, so each count is a prefix length. With p <= 1 the
     * maxima (a == 0) pass under any rounding: (max - max) * s is exactly 0 >= log_p. */
    size_t count = 0, sure = 0, maybe = 0;
    for (size_t i = 0; i < s->len; i++) {
        long double a = scaled_at(r, i);
        count += (size_t)(a >= lp);
        sure += (size_t)(a >= lp + mu || (pf <= 1.0f && a == 0.0L));
        maybe += (size_t)(a >= lp - mu);
    }
    st->boundary = lp;
    st->inside = count ? scaled_at(r, count - 1) : NAN;
    st->outside = count < s->len ? scaled_at(r, count) : NAN;
    double dist = HUGE_VAL;
    if (count && !(pf <= 1.0f && st->inside == 0.0L))
        dist = (double)(fabsl(st->inside - lp) / fabsl(lp));
    if (count < s->len) dist = fmin(dist, (double)(fabsl(st->outside - lp) / fabsl(lp)));
    st->closeness = dist;
    st->ambiguous = clamp_keep(sure, min_keep, s->len) != clamp_keep(maybe, min_keep, s->len);
    s->len = clamp_keep(count, min_keep, s->len);
}

static void run_stage(ref_state *s, const ref_proc *p, ref_stage *st) {
    memset(st, 0, sizeof *st);
    st->closeness = HUGE_VAL;
    st->n_before = s->len;
    switch (p->kind) {
    case REF_TEMP: stage_temperature(s, p->t); break;
    case REF_TOP_K: stage_top_k(s, p->k); break;
    case REF_TOP_P: stage_top_p(s, p->p, p->min_keep, st); break;
    case REF_MIN_P: stage_min_p(s, p->p, p->min_keep, st); break;
    }
    st->n_after = s->len;
}

/* Sorted candidates (finite logits) into r->order and r->x; 0, -1 (NaN/+inf), -2, -3. */
static int sort_candidates(const float *logits, size_t n, ref_result *r) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (logits[i] != logits[i] || logits[i] == (float)INFINITY) return -1;
        m += (size_t)(logits[i] != -(float)INFINITY);
    }
    if (m == 0) return -2;
    ref_cand *c = malloc(m * sizeof *c);
    r->order = malloc(m * sizeof *r->order);
    r->x = malloc(m * sizeof *r->x);
    if (!c || !r->order || !r->x) {
        free(c);
        return -3;
    }
    m = 0;
    for (size_t i = 0; i < n; i++)
        if (logits[i] != -(float)INFINITY) c[m++] = (ref_cand){logits[i], (int32_t)i};
    qsort(c, m, sizeof *c, cmp_order);
    for (size_t i = 0; i < m; i++) {
        r->order[i] = c[i].id;
        r->x[i] = c[i].x;
    }
    r->n_cand = m;
    free(c);
    return 0;
}

int ref_run(const float *logits, size_t n, const ref_proc *procs, size_t n_procs,
            ref_result *r) {
    memset(r, 0, sizeof *r);
    r->temp = 1.0L;
    r->scale = 1.0L;
    if (n_procs > REF_MAX_STAGES) return -3;
    int rc = sort_candidates(logits, n, r);
    if (rc != 0) {
        ref_free(r);
        return rc;
    }
    ref_state s = {r, r->n_cand, malloc(r->n_cand * sizeof(long double))};
    if (!s.w) {
        ref_free(r);
        return -3;
    }
    for (size_t i = 0; i < n_procs; i++) {
        run_stage(&s, &procs[i], &r->stages[i]);
        r->ambiguous |= r->stages[i].ambiguous;
    }
    r->n_stages = n_procs;
    r->n_kept = s.len;
    free(s.w);
    return 0;
}

void ref_free(ref_result *r) {
    free(r->order);
    free(r->x);
    r->order = NULL;
    r->x = NULL;
}

void ref_distribution(const ref_result *r, size_t len, int32_t *ids, long double *probs,
                      long double *scaled) {
    ref_out *o = malloc(len * sizeof *o);
    if (!o) abort(); /* a test helper: nothing sensible to return */
    long double total = 0.0L;
    for (size_t i = 0; i < len; i++) {
        long double a = r->greedy ? (i == 0 ? 0.0L : -HUGE_VALL) : scaled_at(r, i);
        o[i] = (ref_out){r->order[i], expl(a), r->greedy ? 0.0L : a};
        total += o[i].p;
    }
    qsort(o, len, sizeof *o, cmp_id);
    for (size_t i = 0; i < len; i++) {
        ids[i] = o[i].id;
        probs[i] = o[i].p / total;
        scaled[i] = o[i].a;
    }
    free(o);
}
