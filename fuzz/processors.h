/*
 * The processors the fuzz targets know, one table entry each. Adding a processor to the
 * fuzzing takes: its reference in reference.c, an entry in processors.c, and a five-line
 * fuzz/fuzz_proc_<name>.c that calls fuzz_processor_target (mk/fuzz.mk finds it by name).
 * The chain target picks processors from this table, so it covers the new one at once.
 */
#ifndef TSAMP_FUZZ_PROCESSORS_H
#define TSAMP_FUZZ_PROCESSORS_H

#include <stddef.h>
#include <stdint.h>

#include "input.h"
#include "reference.h"
#include "tsamp.h"

/* The union of every processor's parameters; each uses the fields it needs. */
typedef struct {
    float f;         /* temperature t; top-p / min-p p */
    int32_t k;       /* top-k k */
    size_t min_keep; /* top-p / min-p */
} fuzz_params;

typedef struct {
    const char *name;
    /* Reads the parameters from the tail of the input. */
    void (*decode)(fuzz_input *in, fuzz_params *p);
    /* The documented status of tsamp_chain_add_<name>: OK or INVALID_PARAM. */
    tsamp_status (*expected)(const fuzz_params *p);
    tsamp_status (*add)(tsamp_chain *c, const fuzz_params *p);
    /* The reference: narrows r's interval of kept lengths, as the definition says. */
    void (*reference)(ref_chain *r, const fuzz_params *p);
    /* Writes the parameters for a failure message. */
    int (*describe)(char *buf, size_t cap, const fuzz_params *p);
} fuzz_proc_desc;

typedef struct {
    const fuzz_proc_desc *desc;
    fuzz_params params;
} fuzz_proc;

extern const fuzz_proc_desc fuzz_proc_table[];
extern const size_t fuzz_proc_count;

/* A processor list as the chain target decodes it: a count (0 .. max), then each one's kind
 * (any table entry) and parameters. Returns the count. */
size_t fuzz_take_procs(fuzz_input *in, fuzz_proc *procs, size_t max);

/* The entry named `name`, or NULL. */
const fuzz_proc_desc *fuzz_proc_find(const char *name);

/* "temperature(t=0.5) top_k(k=3)": the processors for failure messages (NUL-terminated). */
void fuzz_procs_describe(char *buf, size_t cap, const fuzz_proc *procs, size_t n);

#endif
