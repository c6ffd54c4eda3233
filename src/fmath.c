/* Public exp and log: the library's own, the same bits on every platform. */
#include <math.h>

#include "fmath_internal.h"
#include "tsamp_internal.h"

float tsamp_exp(float x) {
    if (x != x) return x;
    if (x > 88.72283f) return INFINITY; /* exp(x) > FLT_MAX */
    return tsamp_exp_core(x);
}

/*
 * Natural log of a positive finite double (no special cases: callers check).
 * log(x) = e*ln2 + 2*atanh(z), z = (m-1)/(m+1), m in [sqrt(1/2), sqrt(2)): |z| <= 0.1716, so
 * the odd series to z^21 is below 1e-18 relative. Evaluated in double, then rounded once.
 */
double tsamp_log_d(double x) {
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    int e = (int)((u >> 52) & 0x7ff);
    if (e == 0) { /* subnormal: scale into the normal range */
        x *= 18014398509481984.0; /* 2^54 */
        memcpy(&u, &x, sizeof u);
        e = (int)((u >> 52) & 0x7ff) - 54;
    }
    e -= 1023;
    u = (u & 0x000fffffffffffffull) | 0x3ff0000000000000ull; /* mantissa in [1, 2) */
    double m;
    memcpy(&m, &u, sizeof m);
    if (m > 1.4142135623730951) {
        m *= 0.5;
        e += 1;
    }
    double z = (m - 1.0) / (m + 1.0), z2 = z * z, s = 0.0;
    for (int k = 21; k >= 3; k -= 2) s = (s + 1.0 / k) * z2;
    double atanh2 = 2.0 * (z + z * s);
    const double ln2_hi = 6.93147180369123816490e-01, ln2_lo = 1.90821492927058770002e-10;
    return (e * ln2_hi + atanh2) + e * ln2_lo;
}

float tsamp_log(float x) {
    if (x != x || x < 0.0f) return NAN;
    if (x == 0.0f) return -INFINITY;
    if (x == INFINITY) return INFINITY;
    return (float)tsamp_log_d((double)x);
}
