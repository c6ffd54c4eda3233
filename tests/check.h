/* The test harness: TEST functions grouped in suites, CHECK assertions, PASS/FAIL lines. */
#ifndef TSAMP_TESTS_CHECK_H
#define TSAMP_TESTS_CHECK_H

#include <stddef.h>

void check_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void check_run(const char *name, void (*fn)(void));
/* Which tests check_run runs: a name containing one of the plain patterns (all if there are
 * none) and none of the "-PATTERN" ones. */
void check_select(int n, char *const *patterns);
/* Marks the current test skipped, with the reason (e.g. a missing model file): it then
 * reports "SKIP name: reason" instead of PASS. */
void check_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints a line of measured facts under the current test ("  note: ..."). */
void check_note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define CHECK(c)                                                                              \
    do {                                                                                      \
        if (!(c)) check_fail(__FILE__, __LINE__, "%s", #c);                                   \
    } while (0)
#define CHECKF(c, ...)                                                                        \
    do {                                                                                      \
        if (!(c)) check_fail(__FILE__, __LINE__, __VA_ARGS__);                                \
    } while (0)
#define RUN(fn) check_run(#fn, fn)

/* Every suite, one per tests/test_*.c (see tests/main.c). */
#define TSAMP_SUITES(X)                                                                       \
    X(status)                                                                                 \
    X(numerics)                                                                               \
    X(fmath)                                                                                  \
    X(isa)                                                                                    \
    X(rng)                                                                                    \
    X(chain_api)                                                                              \
    X(chain_exact)                                                                            \
    X(stats)                                                                                  \
    X(spec)                                                                                   \
    X(logprobs)                                                                               \
    X(scoring)                                                                                \
    X(speculative)                                                                            \
    X(llama2)                                                                                 \
    X(golden)                                                                                 \
    X(proc_stateful)                                                                          \
    X(proc_edits)                                                                             \
    X(cli)                                                                                    \
    X(batch)                                                                                  \
    X(state)                                                                                  \
    X(proc_shaping)                                                                           \
    X(bad_inputs)                                                                             \
    /* (suites: processors) */

/* Weak, so a suite can be built alone (gcc tests/main.c tests/test_x.c ...); main reports a
 * missing suite as a failure. */
#define TSAMP_DECLARE_SUITE(name) __attribute__((weak)) void suite_##name(void);
TSAMP_SUITES(TSAMP_DECLARE_SUITE)

#endif
