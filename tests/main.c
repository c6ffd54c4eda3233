/* Runs every test, or those selected by the arguments: a test runs when its name contains one
 * of the plain arguments (or there are none) and none of the "-" ones (make valgrind leaves
 * out the slow statistical tests that way). */
#include <stdio.h>

#include "check.h"

int main(int argc, char **argv) {
    check_select(argc - 1, argv + 1);
#define TSAMP_RUN_SUITE(name)                                                                 \
    if (suite_##name)                                                                         \
        suite_##name();                                                                       \
    else if (argc == 1)                                                                       \
        printf("FAIL suite_%s: not linked in\n", #name);
    TSAMP_SUITES(TSAMP_RUN_SUITE)
    return 0;
}
