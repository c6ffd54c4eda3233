/* The scoring references and their bounds (see score_ref.h). */
#include "score_ref.h"

#include <math.h>
#include <stdlib.h>

#include "reference.h"

#define U 0x1p-24L
#define E53 0x1p-53L
#define SUB 0x1p-148L /* per weight: a subnormal rounding or a flush to 0, relative to Z >= 1 */

/* The error of log w_i (score_ref.h). */
static long double dev(const score_ref *r, long double a) {
    return (2 * U + r->es) * fabsl(a) + 4 * U;
}

int score_ref_init(score_ref *r, const float *x, size_t n, float t) {
    r->n = n;
    r->a = malloc(n * sizeof *r->a);
    if (!r->a) return 0;
    volatile float s = 1.0f / t; /* the library's scale: one float division */
    r->es = fabsl((long double)s * t - 1.0L);
    float m = -INFINITY;
    for (size_t i = 0; i < n; i++) m = x[i] > m ? x[i] : m;
    long double z = 0.0L;
    for (size_t i = 0; i < n; i++) {
        r->a[i] = x[i] == -INFINITY ? -INFINITY : ((long double)x[i] - m) / t;
        z += ref_exp(r->a[i]);
    }
    r->lz = logl(z);
    r->abar = r->dbar = 0.0L;
    for (size_t i = 0; i < n; i++) {
        if (x[i] == -INFINITY) continue;
        long double p = ref_exp(r->a[i] - r->lz);
        r->abar += p * fabsl(r->a[i]);
        r->dbar += p * dev(r, r->a[i]);
    }
    return 1;
}

void score_ref_free(score_ref *r) {
    free(r->a);
    r->a = NULL;
}

long double score_ref_nll(const score_ref *r, size_t target, long double *bound) {
    long double want = r->lz - r->a[target];
    /* the target's double scaled logit, the weights' errors over the total, its 19 float
     * roundings, the double log and subtraction, subnormal weights */
    *bound = 1.01L * ((r->es + 2 * E53) * fabsl(r->a[target]) + 19 * U + r->dbar) +
             0x1p-50L * (1 + fabsl(want)) + (long double)r->n * SUB;
    return want;
}

long double score_ref_entropy(const score_ref *r, long double *bound) {
    long double h = 0.0L, e1 = 0.0L, e2 = 0.0L;
    for (size_t i = 0; i < r->n; i++) {
        if (r->a[i] == -INFINITY) continue;
        long double lp = r->a[i] - r->lz, p = ref_exp(lp);
        h -= p * lp;
        e1 += p * (dev(r, r->a[i]) + (r->es + 2 * E53) * fabsl(r->a[i]));
        e2 += p * (dev(r, r->a[i]) + r->dbar) * fabsl(lp);
    }
    *bound = 1.01L * (e1 + e2) + 2 * (long double)r->n * E53 * (1 + r->abar) + 0x1p-50L +
             (long double)r->n * SUB * 128;
    return h;
}

long double score_ref_kl(const score_ref *p, const score_ref *q, long double *bound) {
    long double kl = 0.0L, e = 0.0L, absd = 0.0L;
    for (size_t i = 0; i < p->n; i++) {
        long double lq = q->a[i] - q->lz;
        if (q->a[i] > -INFINITY) e += ref_exp(lq) * dev(q, q->a[i]);
        if (p->a[i] == -INFINITY) continue;
        long double lp = p->a[i] - p->lz, pi = ref_exp(lp), d = p->a[i] - q->a[i];
        kl += pi * (lp - lq);
        absd += pi * fabsl(d);
        e += pi * (dev(p, p->a[i]) + p->dbar) * fabsl(lp - lq);
        e += pi * (2 * dev(q, q->a[i]) + dev(p, p->a[i]));
        e += pi * ((p->es + 2 * E53) * fabsl(d) + 2 * E53 * (fabsl(p->a[i]) + fabsl(q->a[i])));
        /* P's weight subnormal or flushed: its term w d / Z may be off by 2^-149 |d|, or lost */
        if (p->a[i] < -87.0L) e += (pi + 0x1p-149L) * (fabsl(d) + fabsl(lp - lq));
    }
    *bound = 1.01L * e + 3 * (long double)p->n * E53 * (1 + absd) + 0x1p-50L +
             (long double)p->n * SUB * 128;
    return kl;
}
