/* Status names and the library version. */
#include "tsamp_internal.h"

const char *tsamp_status_str(tsamp_status s) {
    switch (s) {
    case TSAMP_OK: return "TSAMP_OK: success";
    case TSAMP_ERR_NULL: return "TSAMP_ERR_NULL: a required pointer argument was NULL";
    case TSAMP_ERR_INVALID_PARAM:
        return "TSAMP_ERR_INVALID_PARAM: a parameter is outside its domain";
    case TSAMP_ERR_NONFINITE: return "TSAMP_ERR_NONFINITE: a logit is NaN or +inf";
    case TSAMP_ERR_ALL_MASKED: return "TSAMP_ERR_ALL_MASKED: every token is masked";
    case TSAMP_ERR_NOMEM: return "TSAMP_ERR_NOMEM: out of memory";
    case TSAMP_ERR_VOCAB:
        return "TSAMP_ERR_VOCAB: vocabulary size 0 or above INT32_MAX, or token id out of range";
    case TSAMP_ERR_PARSE: return "TSAMP_ERR_PARSE: malformed spec string or saved state";
    case TSAMP_ERR_ISA: return "TSAMP_ERR_ISA: instruction set not available on this machine";
    case TSAMP_ERR_BUFFER_TOO_SMALL: return "TSAMP_ERR_BUFFER_TOO_SMALL: output buffer too small";
    }
    return "TSAMP_ERR_UNKNOWN: not a tsamp status code";
}

unsigned tsamp_version_number(void) { return TSAMP_VERSION_NUMBER; }
