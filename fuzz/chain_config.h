/*
 * A chain decoded from a fuzz input, for the targets that check something built on chains
 * (logprobs, speculative) rather than the chain's own distribution: the chain target's
 * processors (processors.h, the same decoding), optionally one spec item of the other
 * processor families (stateful, history, edits, masks: the ones that make these APIs do more
 * than sample), seed, stream and a short accepted history. The extra items' definitions are
 * checked by the unit tests and the all_processors target; here they only have to run.
 */
#ifndef TSAMP_FUZZ_CHAIN_CONFIG_H
#define TSAMP_FUZZ_CHAIN_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "input.h"
#include "processors.h"
#include "tsamp.h"

#define FUZZ_CONFIG_MAX_PROCS 6
#define FUZZ_CONFIG_MAX_HISTORY 4

/* What an extra item can do, beyond narrowing and reshaping. */
enum {
    FUZZ_EXTRA_MASKS = 1,   /* can leave no candidate: ALL_MASKED from finite logits */
    FUZZ_EXTRA_WATCHES = 2, /* hears of each drawn token and its probability (mirostat...) */
};

typedef struct {
    const char *spec; /* a tsamp_chain_parse item; "%zu" stands for the last id, n - 1 */
    unsigned flags;
} fuzz_extra;

typedef struct {
    fuzz_proc procs[FUZZ_CONFIG_MAX_PROCS];
    size_t n_procs;
    const fuzz_extra *extra; /* or NULL */
    size_t extra_at;         /* added after this many of procs */
    uint64_t seed, stream;
    /* History: accepted before the checked call, from position `start`. Each step accepts
     * what the chain samples from the warm-up logits, or history[i] % n when told to (or when
     * that sample fails). */
    size_t n_history;
    uint16_t history[FUZZ_CONFIG_MAX_HISTORY];
    uint8_t history_sampled; /* bit i: step i accepts the sampled token */
    uint64_t start;
} fuzz_chain_config;

/* Reads a configuration with at most max_procs (<= FUZZ_CONFIG_MAX_PROCS) table processors. */
void fuzz_take_chain_config(fuzz_input *in, fuzz_chain_config *cfg, size_t max_procs);

/* The position the checked call runs at: start + n_history. */
uint64_t fuzz_config_position(const fuzz_chain_config *cfg);

unsigned fuzz_config_flags(const fuzz_chain_config *cfg);

/*
 * A chain of the configuration for n tokens on path `isa` with allocator `alloc` (its counts
 * are the caller's), its history accepted (warm: n logits for the sampled steps, or NULL).
 * Checks the documented statuses of create, add_* and parse on the way. NULL if isa is not
 * available here (after checking TSAMP_ERR_ISA) or the harness ran out of memory.
 */
tsamp_chain *fuzz_config_chain(const fuzz_chain_config *cfg, size_t n, tsamp_isa isa,
                               tsamp_allocator alloc, const float *warm);

/* "[temperature(t=2) top_k(k=3) +mirostat_v2=3,0.2@1] seed 1 stream 0 history 2" */
void fuzz_config_describe(char *buf, size_t cap, const fuzz_chain_config *cfg, size_t n);

/* tsamp_chain_save_state into a malloc'd buffer (*len bytes); NULL if it cannot. */
void *fuzz_saved_state(const tsamp_chain *c, size_t *len);

/* Non-zero if two chains save the same state bytes. */
int fuzz_same_state(const tsamp_chain *a, const tsamp_chain *b);

#endif
