/*
 * A slow long-double reference of the processors' definitions (tsamp.h, DESIGN.md §4), for
 * the fuzz targets. It is written from the definitions, not from src/: a full sort of the
 * candidates, softmax in long double, and prefix masses.
 *
 * Every processor keeps a prefix of the candidates in their canonical order (logit
 * descending, lower id first on ties; temperature never reorders), so the kept set of any
 * chain is the first L candidates of one fixed order. The reference tracks the interval
 * [lo, hi] of lengths L that the definitions allow. The interval is wider than one value only
 * where a decision sits within float rounding of a boundary: a prefix mass within ~1e-5 of p,
 * or a probability within ~1e-5 relative of p * max. Float rounding in the library may decide
 * those either way, so both are accepted (the bounds grow where the library's float scale is
 * itself inexact, e.g. a subnormal product of 1/t).
 */
#ifndef TSAMP_FUZZ_REFERENCE_H
#define TSAMP_FUZZ_REFERENCE_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const float *logits;
    size_t n_vocab;
    int32_t *order;          /* candidate ids (finite logits): logit descending, id ascending */
    size_t n;                /* number of candidates */
    long double *y;          /* y[i] = (logit of order[i] - max) * scale: the scaled distance */
    long double *w;          /* w[i] = exp(y[i]) */
    size_t lo, hi;           /* the kept set is the first L of order, lo <= L <= hi */
    long double exact_scale; /* product of 1/t over the chain's temperatures */
    long double scale;       /* the scale: exact_scale saturated at FLT_MAX (tsamp.h) */
    float scale_f;           /* the library's float scale (only for error bounds) */
    int greedy;              /* a temperature 0 made the chain greedy */
} ref_chain;

/* expl(x), fast for arguments whose result under- or overflows. */
long double ref_exp(long double x);

/* Candidates of logits[0..n_vocab) (no NaN/+inf; at least one finite). 0 on malloc failure. */
int ref_init(ref_chain *r, const float *logits, size_t n_vocab);
void ref_free(ref_chain *r);

/* The processors, as defined in tsamp.h, for parameters inside their domain. */
void ref_temperature(ref_chain *r, float t);
void ref_top_k(ref_chain *r, int32_t k);
void ref_top_p(ref_chain *r, float p, size_t min_keep);
void ref_min_p(ref_chain *r, float p, size_t min_keep);

/* Relative error of the library's float scale against the exact one (1 if it underflowed). */
long double ref_scale_error(const ref_chain *r);

/*
 * Probabilities of the first len candidates (softmax over them at the chain's scale), into
 * p[0..len) in candidate order, and for each an absolute tolerance tol[i] that covers the
 * library's float evaluation: 4 ulp of exp plus the rounding of (x - max) * s, the float
 * canonical sums, and the final division (see reference.c for the terms).
 */
void ref_probs(const ref_chain *r, size_t len, long double *p, long double *tol);

/* A bound of the relative error of the library's canonical float sum of the first len
 * weights (the weights' own errors and the sum's roundings). O(len). */
long double ref_sum_error(const ref_chain *r, size_t len);

/* log of the sum of the weights of the first len candidates, and an absolute tolerance for the
 * float log-probability y[i] - log_total of candidate i (sum_err: ref_sum_error(r, len)). */
long double ref_log_total(const ref_chain *r, size_t len);
long double ref_log_prob_tol(const ref_chain *r, long double log_total, long double sum_err,
                             size_t i);

#endif
