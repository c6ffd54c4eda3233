/*
 * Long-double references of the scoring functions (tsamp_nll, tsamp_entropy,
 * tsamp_kl_divergence) at a temperature t > 0 with 1/t finite in float, and error bounds
 * derived from the library's arithmetic as tsamp.h describes it (the same derivation as
 * tests/test_scoring.c):
 *  - a weight is exp of the scaled logit rounded in float: log w_i = A_i + d_i with
 *    |d_i| <= D_i = (2 u + e_s) |A_i| + 4 u (A = (x - max) / t exactly, u = 2^-24, e_s the
 *    relative error of the float 1/t: at most u, more once subnormal), or off by at most
 *    2^-149 absolute once subnormal or flushed (a lost share of the KL sum then);
 *  - scaled logits that enter sums directly are doubles from the float logits: off by
 *    e_s |A| and a few 2^-53;
 *  - the NLL divides by the canonical float total (19 roundings); entropy and KL sum in
 *    double in index order (n 2^-53 relative).
 */
#ifndef TSAMP_FUZZ_SCORE_REF_H
#define TSAMP_FUZZ_SCORE_REF_H

#include <stddef.h>

typedef struct {
    size_t n;
    long double *a;  /* A_i = (x_i - max) / t; -inf for masked entries */
    long double lz;  /* log sum exp A */
    long double abar; /* sum p |A| */
    long double dbar; /* sum p D */
    long double es;   /* relative error of the float 1/t */
} score_ref;

/* For logits x[0..n) with a finite entry and no NaN/+inf. 0 if malloc failed. */
int score_ref_init(score_ref *r, const float *x, size_t n, float t);
void score_ref_free(score_ref *r);

/* -log p[target] (finite target logit) and the bound of the library's error. */
long double score_ref_nll(const score_ref *r, size_t target, long double *bound);

long double score_ref_entropy(const score_ref *r, long double *bound);

/* KL(P || Q) where no token is masked in Q but not in P. */
long double score_ref_kl(const score_ref *p, const score_ref *q, long double *bound);

#endif
