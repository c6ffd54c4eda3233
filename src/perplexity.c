/* The running perplexity (tsamp.h): a compensated sum of NLLs and the library's own exp. */
#include <math.h>
#include <string.h>

#include "tsamp_internal.h"

/*
 * exp(x) for x >= 0 in double, IEEE operations only (no libm: the same bits everywhere).
 * x = k ln2 + r with |r| <= ln2/2 (k ln2_hi is exact: ln2_hi has 32 significant bits and
 * k <= 1024), exp(r) by its Taylor series to r^14 (truncation below 1e-17 relative), then
 * 2^k applied as two factors so that k = 1024 does not overflow on the way.
 */
static double exp_nonneg(double x) {
    if (!(x <= 709.782712893383973)) return INFINITY; /* beyond log(DBL_MAX), or +inf */
    const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
    int64_t k = (int64_t)(x * 1.44269504088896340736 + 0.5);
    double kd = (double)k, r = (x - kd * ln2_hi) - kd * ln2_lo, y = 1.0;
    for (int j = 14; j >= 1; j--) y = 1.0 + y * r / (double)j;
    int64_t k1 = k / 2, k2 = k - k1;
    uint64_t b1 = (uint64_t)(k1 + 1023) << 52, b2 = (uint64_t)(k2 + 1023) << 52;
    double s1, s2;
    memcpy(&s1, &b1, sizeof s1);
    memcpy(&s2, &b2, sizeof s2);
    return (y * s1) * s2;
}

void tsamp_perplexity_init(tsamp_perplexity *acc) {
    if (acc) memset(acc, 0, sizeof *acc);
}

tsamp_status tsamp_perplexity_add(tsamp_perplexity *acc, double nll) {
    if (!acc) return TSAMP_ERR_NULL;
    if (!(nll >= 0.0)) return TSAMP_ERR_INVALID_PARAM;
    acc->n++;
    if (nll == INFINITY) {
        acc->n_inf++;
        return TSAMP_OK;
    }
    /* Neumaier: the rounding error of each addition goes to comp (all terms are >= 0). */
    double t = acc->sum + nll;
    acc->comp += acc->sum >= nll ? (acc->sum - t) + nll : (nll - t) + acc->sum;
    acc->sum = t;
    return TSAMP_OK;
}

tsamp_status tsamp_perplexity_add_logits(tsamp_perplexity *acc, const float *logits, size_t n,
                                         int32_t target, float temperature) {
    if (!acc) return TSAMP_ERR_NULL;
    double nll;
    tsamp_status st = tsamp_nll(logits, n, target, temperature, &nll);
    return st != TSAMP_OK ? st : tsamp_perplexity_add(acc, nll);
}

tsamp_status tsamp_perplexity_value(const tsamp_perplexity *acc, double *perplexity,
                                    double *mean_nll) {
    if (!acc) return TSAMP_ERR_NULL;
    if (acc->n == 0) return TSAMP_ERR_INVALID_PARAM;
    /* A sum that overflowed (only from huge NLLs passed in) leaves comp meaningless. */
    int inf = acc->n_inf > 0 || acc->sum == INFINITY;
    double mean = inf ? INFINITY : (acc->sum + acc->comp) / (double)acc->n;
    if (perplexity) *perplexity = exp_nonneg(mean);
    if (mean_nll) *mean_nll = mean;
    return TSAMP_OK;
}
