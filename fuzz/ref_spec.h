/*
 * A second, independent reading of the spec-string grammar (tsamp.h, tsamp_chain_parse, and
 * the decisions listed at the top of src/spec.c), for the spec target: which status a spec
 * gives, where the first error is, and which processors it adds. Numbers are read with C
 * strtod in the "C" locale, as the grammar defines them.
 */
#ifndef TSAMP_FUZZ_REF_SPEC_H
#define TSAMP_FUZZ_REF_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "tsamp.h"

/* More items than a spec of the spec target's 4096 bytes can hold: the library has no limit. */
#define REF_SPEC_MAX_ITEMS 4096

typedef enum { REF_TEMP, REF_TOP_K, REF_TOP_P, REF_MIN_P } ref_spec_kind;

typedef struct {
    ref_spec_kind kind;
    float f;         /* T or P */
    int32_t k;       /* K */
    size_t min_keep; /* MIN_KEEP (default 1) */
} ref_spec_item;

typedef struct {
    tsamp_status status; /* OK, PARSE or INVALID_PARAM */
    size_t offset;       /* of the first error */
    size_t key_len;      /* PARSE for an unknown key: its length (the key starts at offset);
                            else 0. A key the library has and this reading does not (a newer
                            processor) is not a verdict. */
    size_t n;            /* items, on OK */
    ref_spec_item items[REF_SPEC_MAX_ITEMS];
} ref_spec_result;

/* Must run in the "C" locale (LC_NUMERIC); spec at most 2 * REF_SPEC_MAX_ITEMS - 1 bytes. */
void ref_spec_parse(const char *spec, ref_spec_result *out);

/* Adds the item to c with the public add_* functions. */
tsamp_status ref_spec_add(tsamp_chain *c, const ref_spec_item *it);

#endif
