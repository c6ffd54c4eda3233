/* Placeholder until the avx512 kernels land: reports "not compiled in". */
#include "../tsamp_internal.h"

const tsamp_kernels tsamp_kernels_avx512 = {
    TSAMP_ISA_SCALAR, NULL, NULL, NULL, NULL, NULL,
};
