/*
 * The shaping processors (typical, top-n-sigma, XTC, dynamic temperature, epsilon, eta):
 * their validating constructors and the helpers they share (src/proc_shaping.c).
 */
#ifndef TSAMP_PROC_SHAPING_INTERNAL_H
#define TSAMP_PROC_SHAPING_INTERNAL_H

#include "fmath_internal.h"
#include "view_internal.h"

/* Validating constructors: INVALID_PARAM for a value outside the domain (tsamp.h). */
tsamp_status tsamp_proc_typical(tsamp_proc *out, float p, size_t min_keep);
tsamp_status tsamp_proc_top_n_sigma(tsamp_proc *out, float n);
tsamp_status tsamp_proc_xtc(tsamp_proc *out, float probability, float threshold,
                            size_t min_keep);
tsamp_status tsamp_proc_temp_ext(tsamp_proc *out, float t, float delta, float exponent);
tsamp_status tsamp_proc_epsilon(tsamp_proc *out, float eps, size_t min_keep);
tsamp_status tsamp_proc_eta(tsamp_proc *out, float eps, size_t min_keep);

/* Validate, then append one processor: the chain is unchanged on any error. */
#define TSAMP_SHAPING_ADD(c, ctor_call)                                                       \
    do {                                                                                      \
        if (!(c)) return TSAMP_ERR_NULL;                                                      \
        tsamp_proc proc_;                                                                     \
        tsamp_status st_ = ctor_call;                                                         \
        if (st_ != TSAMP_OK) return st_;                                                      \
        return tsamp_chain_append((c), &proc_, 1);                                            \
    } while (0)

/* A tsamp_proc of `kind` with every other field zero. */
tsamp_proc tsamp_shaping_proc(tsamp_proc_kind kind);

/*
 * The scaled logit of a view value: a = (x - m) * s, overflow-safe (tsamp_scaled_dist). The
 * same bits as the kernels take the exp of.
 */
static inline float tsamp_shaping_scaled(const tsamp_view *v, float x) {
    return tsamp_scaled_dist(x, v->m, v->s);
}

/*
 * The moments of the view's distribution that the entropy needs. With a_i the scaled logits
 * and w_i = exp(a_i) (the kernels' weights, written to c->w):
 *   *S = canonical sum of w_i (>= 1: the max has weight 1),
 *   *E = sum of w_i * a_i in the canonical order (<= 0; each product rounded to float, zero
 *        where w_i == 0),
 * so that the mean scaled logit is abar = E / S and the entropy H = log S - E / S.
 * Returns the number of candidates (entries above -inf).
 */
size_t tsamp_shaping_moments(tsamp_chain *c, const tsamp_view *v, double *S, double *E);

/*
 * The smallest float x0 in [-FLT_MAX, v->m] such that pass(x, ctx) holds for every x >= x0,
 * for a predicate monotone in x (false then true): bisection over the order-preserving keys.
 * Returns -FLT_MAX if pass(-FLT_MAX), +INFINITY if not even pass(v->m).
 */
float tsamp_shaping_first_passing(const tsamp_view *v, int (*pass)(float x, const void *ctx),
                                  const void *ctx);

/*
 * Keeps the candidates with x >= x0 (x0 from tsamp_shaping_first_passing) together with, as
 * Hugging Face's min_tokens_to_keep does, every candidate whose value is >= the k-th largest
 * value, k = max(1, min_keep) (so ties at the k-th value are all kept).
 */
void tsamp_shaping_keep_ge(tsamp_chain *c, tsamp_view *v, float x0, size_t min_keep);

/* A threshold strictly between two order-preserving keys lo < hi - 1 (their value midpoint
 * when that is one, else the key midpoint). */
uint32_t tsamp_shaping_midpoint(uint32_t lo, uint32_t hi);

#endif /* TSAMP_PROC_SHAPING_INTERNAL_H */
