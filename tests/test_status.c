/* Status names and version. */
#include <string.h>

#include "check.h"
#include "tsamp.h"

static void test_status_names(void) {
    for (int s = 0; s <= TSAMP_ERR_BUFFER_TOO_SMALL; s++) {
        const char *name = tsamp_status_str((tsamp_status)s);
        CHECKF(name && strncmp(name, "TSAMP_", 6) == 0, "status %d has no name", s);
        for (int t = 0; t < s; t++)
            CHECKF(strcmp(name, tsamp_status_str((tsamp_status)t)) != 0, "%d and %d share", s, t);
    }
    CHECK(strncmp(tsamp_status_str(TSAMP_ERR_NONFINITE), "TSAMP_ERR_NONFINITE", 19) == 0);
    CHECK(strncmp(tsamp_status_str((tsamp_status)12345), "TSAMP_ERR_UNKNOWN", 17) == 0);
    CHECK(tsamp_status_str((tsamp_status)-1) != NULL);
}

static void test_stable_values(void) {
    /* The numeric values are part of the ABI. */
    CHECK(TSAMP_OK == 0 && TSAMP_ERR_NULL == 1 && TSAMP_ERR_INVALID_PARAM == 2 &&
          TSAMP_ERR_NONFINITE == 3 && TSAMP_ERR_ALL_MASKED == 4 && TSAMP_ERR_NOMEM == 5 &&
          TSAMP_ERR_VOCAB == 6 && TSAMP_ERR_PARSE == 7 && TSAMP_ERR_ISA == 8 &&
          TSAMP_ERR_BUFFER_TOO_SMALL == 9);
}

static void test_version_and_isa(void) {
    CHECK(tsamp_version_number() == TSAMP_VERSION_NUMBER);
    CHECK(tsamp_isa_available(TSAMP_ISA_SCALAR) && tsamp_isa_available(TSAMP_ISA_AUTO));
    CHECK(tsamp_isa_available(tsamp_isa_default()));
    CHECK(strcmp(tsamp_isa_name(TSAMP_ISA_AVX2), "avx2") == 0);
    CHECK(strcmp(tsamp_isa_name((tsamp_isa)77), "unknown") == 0);
    CHECK(!tsamp_isa_available((tsamp_isa)77));
#if defined(__x86_64__)
    CHECK(!tsamp_isa_available(TSAMP_ISA_NEON));
#endif
    check_note("default path here: %s", tsamp_isa_name(tsamp_isa_default()));
}

void suite_status(void) {
    RUN(test_status_names);
    RUN(test_stable_values);
    RUN(test_version_and_isa);
}
