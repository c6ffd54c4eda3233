/* Public softmax, log-softmax and log-sum-exp over the dispatched kernels. */
#include <float.h>
#include <math.h>

#include "fmath_internal.h"
#include "tsamp_internal.h"

/* Shared checks; on success *k, *m are set and *s is the scale: INFINITY for t == 0, else 1/t
 * saturated at FLT_MAX (where only logits equal to the max keep weight). */
static tsamp_status prepare(const float *logits, size_t n, float t, const void *out,
                            const tsamp_kernels **k, float *m, float *s) {
    if (!logits || !out) return TSAMP_ERR_NULL;
    if (n == 0 || n > (size_t)INT32_MAX) return TSAMP_ERR_VOCAB;
    if (!(t >= 0.0f) || t == INFINITY) return TSAMP_ERR_INVALID_PARAM;
    *k = tsamp_kernels_for(TSAMP_ISA_AUTO);
    if ((*k)->max(logits, n, m)) return TSAMP_ERR_NONFINITE;
    if (*m == -INFINITY) return TSAMP_ERR_ALL_MASKED;
    *s = t == 0.0f ? INFINITY : 1.0f / t < FLT_MAX ? 1.0f / t : FLT_MAX;
    return TSAMP_OK;
}

/* t == 0 (greedy): everything on the first maximal entry. */
static void one_hot(const tsamp_kernels *k, const float *logits, size_t n, float m, float *out,
                    float on, float off) {
    size_t first = k->find_first(logits, n, m);
    for (size_t i = 0; i < n; i++) out[i] = off; /* in place: the max is already known */
    out[first] = on;
}

tsamp_status tsamp_softmax(const float *logits, size_t n, float temperature, float *out) {
    const tsamp_kernels *k;
    float m, s;
    tsamp_status st = prepare(logits, n, temperature, out, &k, &m, &s);
    if (st != TSAMP_OK) return st;
    if (s == INFINITY) {
        one_hot(k, logits, n, m, out, 1.0f, 0.0f);
        return TSAMP_OK;
    }
    double total = k->sum_exp(logits, n, m, s, NULL, out);
    for (size_t i = 0; i < n; i++) out[i] = (float)((double)out[i] / total);
    return TSAMP_OK;
}

tsamp_status tsamp_log_softmax(const float *logits, size_t n, float temperature, float *out) {
    const tsamp_kernels *k;
    float m, s;
    tsamp_status st = prepare(logits, n, temperature, out, &k, &m, &s);
    if (st != TSAMP_OK) return st;
    if (s == INFINITY) {
        one_hot(k, logits, n, m, out, 0.0f, -INFINITY);
        return TSAMP_OK;
    }
    double log_total = tsamp_log_d(k->sum_exp(logits, n, m, s, NULL, NULL));
    for (size_t i = 0; i < n; i++)
        out[i] = (float)((double)tsamp_scaled_dist(logits[i], m, s) - log_total);
    return TSAMP_OK;
}

tsamp_status tsamp_logsumexp(const float *logits, size_t n, float *out) {
    const tsamp_kernels *k;
    float m, s;
    tsamp_status st = prepare(logits, n, 1.0f, out, &k, &m, &s);
    if (st != TSAMP_OK) return st;
    *out = (float)((double)m + tsamp_log_d(k->sum_exp(logits, n, m, 1.0f, NULL, NULL)));
    return TSAMP_OK;
}
