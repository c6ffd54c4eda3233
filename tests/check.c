/* The test harness behind check.h: check_run prints one PASS/FAIL/SKIP line per test, for
 * tests/run.sh to count. Shared by the unit tests (tests/main.c) and make test-llama. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "check.h"

static int failures_in_test;
static char skip_reason[256];
static int reported_in_test;
static int n_args;
static char *const *args;

void check_select(int n, char *const *patterns) {
    n_args = n;
    args = patterns;
}

static int selected(const char *name) {
    int any_include = 0, included = 0;
    for (int i = 0; i < n_args; i++) {
        if (args[i][0] == '-') {
            if (strstr(name, args[i] + 1)) return 0;
        } else {
            any_include = 1;
            if (strstr(name, args[i])) included = 1;
        }
    }
    return included || !any_include;
}

void check_fail(const char *file, int line, const char *fmt, ...) {
    failures_in_test++;
    if (++reported_in_test > 10) return; /* the first ten say enough */
    va_list ap;
    va_start(ap, fmt);
    printf("  %s:%d: ", file, line);
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
}

void check_skip(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(skip_reason, sizeof skip_reason, fmt, ap);
    va_end(ap);
}

void check_note(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    printf("  note: ");
    vprintf(fmt, ap);
    printf("\n");
    va_end(ap);
}

void check_run(const char *name, void (*fn)(void)) {
    if (!selected(name)) return;
    failures_in_test = 0;
    reported_in_test = 0;
    skip_reason[0] = 0;
    fflush(stdout);
    fn();
    if (failures_in_test)
        printf("FAIL %s (%d failed checks)\n", name, failures_in_test);
    else if (skip_reason[0])
        printf("SKIP %s: %s\n", name, skip_reason);
    else
        printf("PASS %s\n", name);
    fflush(stdout);
}
