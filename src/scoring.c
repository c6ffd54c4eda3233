/*
 * Scoring a distribution (tsamp.h): negative log-likelihood, entropy and KL divergence of
 * softmax(logits / t). Weights come from the dispatched exp kernel; every sum that combines
 * them is plain double in index order, the same bits on every path.
 */
#include <math.h>

#include "fmath_internal.h"
#include "tsamp_internal.h"

/* Argument checks shared by the three; *s = 1/t as tsamp_softmax takes it (INFINITY: the
 * greedy limit). */
static tsamp_status check_args(const void *a, const void *b, size_t n, float t, float *s) {
    if (!a || !b) return TSAMP_ERR_NULL;
    if (n == 0 || n > (size_t)INT32_MAX) return TSAMP_ERR_VOCAB;
    if (!(t >= 0.0f) || t == INFINITY) return TSAMP_ERR_INVALID_PARAM;
    *s = t > 0.0f ? 1.0f / t : INFINITY;
    return TSAMP_OK;
}

static tsamp_status check_logits(const tsamp_kernels *K, const float *x, size_t n, float *m) {
    if (K->max(x, n, m)) return TSAMP_ERR_NONFINITE;
    if (*m == -INFINITY) return TSAMP_ERR_ALL_MASKED;
    return TSAMP_OK;
}

/* A scaled logit in double: only the float 1/t is rounded, not the difference. */
static double scaled(float x, float m, float s) { return ((double)x - (double)m) * (double)s; }

tsamp_status tsamp_nll(const float *logits, size_t n, int32_t target, float temperature,
                       double *out) {
    float s, m;
    tsamp_status st = check_args(logits, out, n, temperature, &s);
    if (st != TSAMP_OK) return st;
    if (target < 0 || (size_t)target >= n) return TSAMP_ERR_VOCAB;
    const tsamp_kernels *K = tsamp_kernels_for(TSAMP_ISA_AUTO);
    if ((st = check_logits(K, logits, n, &m)) != TSAMP_OK) return st;
    float xt = logits[target];
    if (xt == -INFINITY) {
        *out = INFINITY;
    } else if (s == INFINITY) {
        *out = K->find_first(logits, n, m) == (size_t)target ? 0.0 : INFINITY;
    } else {
        /* The canonical total: the one tsamp_log_softmax divides by. Both terms are >= 0
         * (the max alone weighs exactly 1), so the result is too. */
        double log_total = tsamp_log_d(K->sum_exp(logits, n, m, s, NULL, NULL));
        *out = log_total - scaled(xt, m, s);
    }
    return TSAMP_OK;
}

/*
 * The weights of one block at a time (a stack buffer: the functions keep no state), so that
 * the exp runs in the SIMD kernel while the sums stay sequential double.
 */
static size_t block_weights(const tsamp_kernels *K, const float *x, size_t n, size_t b0,
                            float m, float s, float w[TSAMP_BLOCK]) {
    size_t len = n - b0 < TSAMP_BLOCK ? n - b0 : TSAMP_BLOCK;
    (void)K->sum_exp(x + b0, len, m, s, NULL, w);
    return len;
}

tsamp_status tsamp_entropy(const float *logits, size_t n, float temperature, double *out) {
    float s, m;
    tsamp_status st = check_args(logits, out, n, temperature, &s);
    if (st != TSAMP_OK) return st;
    const tsamp_kernels *K = tsamp_kernels_for(TSAMP_ISA_AUTO);
    if ((st = check_logits(K, logits, n, &m)) != TSAMP_OK) return st;
    if (s == INFINITY) {
        *out = 0.0;
        return TSAMP_OK;
    }
    /* H = log Z - sum w a / Z, with Z summed from the same weights as the numerator. */
    double z = 0.0, wa = 0.0;
    float w[TSAMP_BLOCK];
    for (size_t b0 = 0; b0 < n; b0 += TSAMP_BLOCK) {
        size_t len = block_weights(K, logits, n, b0, m, s, w);
        for (size_t j = 0; j < len; j++) {
            if (!(w[j] > 0.0f)) continue; /* masked or underflowed: contributes 0 */
            z += (double)w[j];
            wa += (double)w[j] * scaled(logits[b0 + j], m, s);
        }
    }
    double h = tsamp_log_d(z) - wa / z;
    *out = h > 0.0 ? h : 0.0;
    return TSAMP_OK;
}

tsamp_status tsamp_kl_divergence(const float *logits_p, const float *logits_q, size_t n,
                                 float temperature, double *out) {
    float s, mp, mq;
    if (!out) return TSAMP_ERR_NULL;
    tsamp_status st = check_args(logits_p, logits_q, n, temperature, &s);
    if (st != TSAMP_OK) return st;
    const tsamp_kernels *K = tsamp_kernels_for(TSAMP_ISA_AUTO);
    if ((st = check_logits(K, logits_p, n, &mp)) != TSAMP_OK) return st;
    if ((st = check_logits(K, logits_q, n, &mq)) != TSAMP_OK) return st;
    if (s == INFINITY) {
        size_t ip = K->find_first(logits_p, n, mp), iq = K->find_first(logits_q, n, mq);
        *out = ip == iq ? 0.0 : INFINITY;
        return TSAMP_OK;
    }
    /*
     * KL = sum p (log p - log q) = sum w_p d / Z_p - log Z_p + log Z_q, with d the difference
     * of the scaled logits taken directly (exact to the rounding of 1/t, and finite where Q's
     * weight underflows).
     */
    double zp = 0.0, zq = 0.0, wd = 0.0;
    float wp[TSAMP_BLOCK], wq[TSAMP_BLOCK];
    for (size_t b0 = 0; b0 < n; b0 += TSAMP_BLOCK) {
        size_t len = block_weights(K, logits_p, n, b0, mp, s, wp);
        (void)block_weights(K, logits_q, n, b0, mq, s, wq);
        for (size_t j = 0; j < len; j++) {
            float xp = logits_p[b0 + j], xq = logits_q[b0 + j];
            zq += (double)wq[j];
            if (xp == -INFINITY) continue; /* p = 0 contributes 0 */
            if (xq == -INFINITY) {         /* p > 0 where q = 0 */
                *out = INFINITY;
                return TSAMP_OK;
            }
            double d = (((double)xp - (double)mp) - ((double)xq - (double)mq)) * (double)s;
            zp += (double)wp[j];
            wd += (double)wp[j] * d;
        }
    }
    double kl = wd / zp - tsamp_log_d(zp) + tsamp_log_d(zq);
    *out = kl > 0.0 ? kl : 0.0;
    return TSAMP_OK;
}
