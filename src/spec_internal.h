/*
 * Spec strings: what the parser (src/spec.c) needs to know of each key. The table of keys and
 * the per-processor build and format functions are in src/spec_keys.c: adding a processor to
 * the grammar is a row there and a build/format pair.
 */
#ifndef TSAMP_SPEC_INTERNAL_H
#define TSAMP_SPEC_INTERNAL_H

#include "tsamp_internal.h"

#define SPEC_MAX_SLOTS 8 /* fixed values one key may take */

/*
 * The values of one item, converted. Fixed values are by slot (the letter of the slot in the
 * schema says which array holds it; defaults fill the optional slots not given). The repeated
 * tail holds n_items items: for 'i' ids[k]; for 'p' ids[k] and vals[k]; for 's' the sequences
 * one after another in ids, each ended by -1 (n_ids entries in all).
 */
typedef struct {
    unsigned n; /* fixed values given */
    float f[SPEC_MAX_SLOTS];
    int32_t i[SPEC_MAX_SLOTS];
    size_t z[SPEC_MAX_SLOTS];
    size_t n_items, n_ids;
    int32_t *ids;
    float *vals;
} spec_args;

typedef struct {
    const char *name;
    tsamp_proc_kind kind;
    /*
     * One letter per value: 'f' float, 'i' int32, 'z' size_t (may not be negative). Values
     * after a '|' are optional. A last letter followed by '*' repeats zero or more times:
     * 'i' a token id, 'p' a pair ID:VALUE, 's' a sequence ID:ID:... "" takes no value.
     */
    const char *schema;
    const char *names;              /* the values' names for messages: "P,MIN_KEEP" */
    double defaults[SPEC_MAX_SLOTS]; /* of the optional slots, by slot */
    /* Builds the processor for a chain of n_vocab tokens (list processors allocate their data
     * with `alloc`: the parser releases it with tsamp_spec_release after appending); on
     * INVALID_PARAM, names the slot at fault (SPEC_MAX_SLOTS: the repeated tail) and the rule
     * it broke. */
    tsamp_status (*build)(const spec_args *a, size_t n_vocab, const tsamp_allocator *alloc,
                          tsamp_proc *out, unsigned *slot, const char **rule);
} spec_key;

/* Frees what a build allocated for the processor's data (after the chain copied it). */
void tsamp_spec_release(tsamp_proc *p, const tsamp_allocator *alloc);

extern const spec_key tsamp_spec_keys[];
extern const size_t tsamp_spec_n_keys;

/* Output that writes what fits and counts everything, for measuring and writing in one. */
typedef struct {
    char *buf; /* NULL: count only */
    size_t cap, len;
} spec_out;

void spec_put(spec_out *o, const char *s);
void spec_put_float(spec_out *o, float f); /* "%.9g" with '.' whatever the locale */
void spec_put_int(spec_out *o, long long v);
void spec_put_size(spec_out *o, size_t v);

/* DRY's item, from its breaker layout (src/proc_dry.c). */
void tsamp_proc_dry_format(const tsamp_proc *p, spec_out *o);

/* Writes the processor as an item (key=values); returns 0 if it has no spec form (a mask
 * callback). */
int tsamp_spec_format(const tsamp_proc *p, spec_out *o);

#endif
