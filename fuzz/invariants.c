/* Failure reporting for the fuzz targets (see invariants.h). */
#include "invariants.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *cur_target = "?";
static size_t cur_size;
static const char *fail_prefix = "";

void fuzz_begin(const char *target, size_t size) {
    cur_target = target;
    cur_size = size;
}

void fuzz_set_fail_prefix(const char *prefix) { fail_prefix = prefix ? prefix : ""; }

void fuzz_fail(const char *file, int line, const char *check, const char *fmt, ...) {
    /* stdout: the replay's FAIL line must reach tests/run.sh; flushed before the trap. */
    printf("%sinvariant failed in target %s (input of %zu bytes) at %s:%d: %s: ", fail_prefix,
           cur_target, cur_size, file, line, check);
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    __builtin_trap();
}

uint32_t fuzz_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

int fuzz_same_bits(float a, float b) { return fuzz_bits(a) == fuzz_bits(b); }

int fuzz_is_bad_logit(float x) { return isnan(x) || x == INFINITY; }

tsamp_status fuzz_logits_status(const float *x, size_t n) {
    int finite = 0;
    for (size_t i = 0; i < n; i++) {
        if (fuzz_is_bad_logit(x[i])) return TSAMP_ERR_NONFINITE;
        finite |= x[i] != -INFINITY;
    }
    return finite ? TSAMP_OK : TSAMP_ERR_ALL_MASKED;
}
