/* Placeholder until the avx2 kernels land: reports "not compiled in". */
#include "../tsamp_internal.h"

const tsamp_kernels tsamp_kernels_avx2 = {
    TSAMP_ISA_SCALAR, NULL, NULL, NULL, NULL, NULL,
};
