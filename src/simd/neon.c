/* Placeholder until the neon kernels land: reports "not compiled in". */
#include "../tsamp_internal.h"

const tsamp_kernels tsamp_kernels_neon = {
    TSAMP_ISA_SCALAR, NULL, NULL, NULL, NULL, NULL,
};
