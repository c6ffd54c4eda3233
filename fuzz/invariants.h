/*
 * What every fuzz target shares: the libFuzzer entry point, failure reporting, and small
 * float helpers. A failed invariant prints what failed (target, input size, the check, the
 * values) and then traps, so libFuzzer records a crash and the replay driver dies non-zero.
 * The checks are always on: they do not depend on NDEBUG.
 */
#ifndef TSAMP_FUZZ_INVARIANTS_H
#define TSAMP_FUZZ_INVARIANTS_H

#include <stddef.h>
#include <stdint.h>

#include "tsamp.h"

/* Each fuzz_<target>.c defines it; libFuzzer or fuzz/replay.c calls it. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Names the input being checked (target and size) for failure messages. */
void fuzz_begin(const char *target, size_t size);

/* Text printed before every failure message; the replay driver makes it a "FAIL ..." line
 * that tests/run.sh counts. */
void fuzz_set_fail_prefix(const char *prefix);

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
_Noreturn void
fuzz_fail(const char *file, int line, const char *check, const char *fmt, ...);

#define FUZZ_CHECK(cond, ...)                                                                      \
    do {                                                                                           \
        if (!(cond)) fuzz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);                            \
    } while (0)

/* A status check that names both statuses. */
#define FUZZ_CHECK_STATUS(got, want, what)                                                         \
    do {                                                                                           \
        tsamp_status got_ = (got), want_ = (want);                                                 \
        if (got_ != want_)                                                                         \
            fuzz_fail(__FILE__, __LINE__, #got " == " #want, "%s: got %s, want %s", (what),        \
                      tsamp_status_str(got_), tsamp_status_str(want_));                            \
    } while (0)

uint32_t fuzz_bits(float f);
int fuzz_same_bits(float a, float b);
/* Non-zero for NaN and +inf: the logits that make a call TSAMP_ERR_NONFINITE. */
int fuzz_is_bad_logit(float x);

/* The status a logit vector must give: NONFINITE if a NaN/+inf is present, else ALL_MASKED
 * if every entry is -inf, else OK. */
tsamp_status fuzz_logits_status(const float *x, size_t n);

#endif
