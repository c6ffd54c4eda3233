/*
 * Golden vectors (DESIGN.md §6, tests/golden/): a table of configurations, the logits of each
 * of their positions, one run of a configuration, and the text files that pin the results.
 * Shared by the generator (tools/tsamp-golden.c) and the tests (tests/test_golden.c,
 * tests/test_state.c).
 *
 * A run: the chain is created with the case's seed and stream on one code path, gets the
 * case's spec then its add_* calls, accepts n_prompt prompt tokens, and is set to position
 * `start`. Then for each of GOLDEN_STEPS steps: the step's logits, tsamp_chain_distribution,
 * tsamp_chain_sample, tsamp_chain_accept of the token. Recorded per step: the token and the
 * float bits of tsamp_log(p), p = the token's probability in the distribution (the library's
 * own log, so the bits are the same everywhere); or the status when the step failed (the
 * position then moves on by tsamp_chain_set_position).
 *
 * Logits of step s: the benchmark shape's logits (logit_shapes.h) for n_vocab, each plus an
 * exact multiple of 2^-22 in [-1, 1) from a hash of (case, s, token id); with n_vocab >= 512,
 * one token in 512 (by the same hash) is masked (-inf). Integer hashing and one float add:
 * the same bits on every platform. The shape itself is made with libm (sqrt, log, cos, exp),
 * so each file records an XXH3 of it: a platform whose libm differs is told so plainly.
 *
 * File format, tests/golden/<name>.txt (text, '\n' line ends):
 *   # tsamp golden v1: <position> <token> <float bits of log p, hex> | <position> error <status>
 *   case <name>
 *   spec <spec>
 *   build <name of the add_* function, or ->
 *   vocab <n_vocab>
 *   shape <normal3|peaked>
 *   seed <seed>
 *   stream <stream>
 *   start <start>
 *   prompt <n_prompt>
 *   base <XXH3-64 of the shape's n_vocab floats, 16 hex digits>
 *   then GOLDEN_STEPS lines, one per step.
 */
#ifndef TSAMP_GOLDEN_H
#define TSAMP_GOLDEN_H

#include <stddef.h>
#include <stdint.h>

#include "tsamp.h"

#define GOLDEN_STEPS 64
#define GOLDEN_TEXT_CAP 16384 /* room for one file's text */

typedef tsamp_status (*golden_build_fn)(tsamp_chain *c);

typedef struct {
    const char *name;       /* file stem */
    const char *spec;       /* for tsamp_chain_parse; "" for none */
    golden_build_fn build;  /* add_* calls made after the spec; NULL for none */
    const char *build_name; /* its name, for the file ("-" for none) */
    size_t n_vocab;
    const char *shape;      /* "normal3" or "peaked" */
    uint64_t seed, stream;
    uint64_t start;         /* position of the first step */
    size_t n_prompt;        /* tokens accepted before the first step (history) */
} golden_case;

extern const golden_case golden_cases[];
extern const size_t golden_n_cases;

typedef struct {
    tsamp_status status;   /* TSAMP_OK, or what the step returned (token -1, bits 0) */
    int32_t token;
    uint32_t logprob_bits; /* float bits of tsamp_log(p) */
} golden_step;

/* What running a case needs: the shape's logits, one step's logits, the distribution. */
typedef struct {
    float *base, *logits, *probs;
    int32_t *ids;
    size_t n;
    uint64_t base_hash;
} golden_work;

/* Allocates for gc->n_vocab and makes the shape; 0, or -1 (out of memory, bad shape). */
int golden_work_init(golden_work *w, const golden_case *gc);
void golden_work_free(golden_work *w);

/* The logits of step `step` into out (n_vocab floats). */
void golden_logits(const golden_case *gc, const golden_work *w, size_t step, float *out);

/* The chain of a case on path `isa`, ready for its first step. */
tsamp_status golden_chain(const golden_case *gc, tsamp_isa isa, tsamp_chain **out);

/*
 * One step on w->logits (already filled) at the chain's position: distribution (unless
 * tokens_only: then logprob_bits is 0), sample, accept; on a failure the position moves on.
 */
void golden_step_run(tsamp_chain *c, golden_work *w, int tokens_only, golden_step *out);

/* Runs steps [from, to) of a case on a chain made by golden_chain (and maybe advanced). */
void golden_run(const golden_case *gc, tsamp_chain *c, golden_work *w, size_t from, size_t to,
                int tokens_only, golden_step *steps);

/* The file text of a case; returns its length, or 0 if it does not fit in cap. */
size_t golden_format(const golden_case *gc, uint64_t base_hash, const golden_step *steps,
                     char *buf, size_t cap);

/* Parses the step lines of a file text into steps; 0, or the 1-based line that is wrong. */
size_t golden_parse_steps(const golden_case *gc, const char *text, golden_step *steps);

/* The directory of the files: $TSAMP_GOLDEN_DIR, else "tests/golden" (make runs from the root). */
const char *golden_dir(void);

/* Reads dir/<name>.txt into buf (NUL-terminated); its length, or -1 (missing, too long). */
long golden_read(const golden_case *gc, char *buf, size_t cap);

/* The case named `name`, or NULL. */
const golden_case *golden_find(const char *name);

#endif
