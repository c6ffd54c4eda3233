/*
 * The tsamp CLI's chain: llama.cpp's sampler flags (names, defaults, order) or a spec string,
 * turned into a list of stages, each one processor, so a chain can be built from any prefix
 * of it (tsamp explain shows what every stage does).
 */
#ifndef TSAMP_CLI_CHAIN_H
#define TSAMP_CLI_CHAIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tsamp.h"

/* The flag values; cli_sampling_defaults gives llama.cpp's defaults (common/common.h). */
typedef struct {
    float temp, dynatemp_range, dynatemp_exp;              /* --temp --dynatemp-range/-exp */
    int32_t top_k;                                         /* --top-k */
    float top_p, min_p, typical, top_n_sigma;              /* --top-p --min-p --typical ... */
    float xtc_probability, xtc_threshold;                  /* --xtc-probability/-threshold */
    int32_t repeat_last_n;                                 /* --repeat-last-n (-1: all) */
    float repeat_penalty, presence_penalty, frequency_penalty;
    float dry_multiplier, dry_base;                        /* --dry-multiplier --dry-base */
    int32_t dry_allowed_length, dry_penalty_last_n;        /* (-1: all) */
    int32_t mirostat;                                      /* --mirostat 0, 1 or 2 */
    float mirostat_lr, mirostat_ent;                       /* eta and tau */
    int32_t min_keep; /* --min-keep: for top-p, min-p, typical and xtc, as llama.cpp, and
                         for epsilon and eta, as Hugging Face's min_tokens_to_keep */
    /* Processors llama.cpp's common sampler lacks, named after Hugging Face's generate
     * options (adaptive-p: llama.cpp's own --adaptive-target/--adaptive-decay). */
    float epsilon_cutoff, eta_cutoff;                      /* --epsilon-cutoff --eta-cutoff */
    int32_t no_repeat_ngram_size, no_repeat_ngram_last_n;  /* (-1: all) */
    int32_t min_length;                                    /* --min-length (with --eos-token) */
    float adaptive_target, adaptive_decay;                 /* --adaptive-target/-decay */
    /* --allow-tokens, --deny-tokens, --eos-token IDS (repeatable: the lists add up) */
    int32_t *allow_ids, *deny_ids, *eos_ids;
    size_t n_allow, n_deny, n_eos;
    /* --dry-breaker IDS (repeatable): token-id sequences, one after another */
    int32_t *breaker_ids;
    size_t *breaker_lens;
    size_t n_breaker_ids, n_breakers;
    tsamp_logit_bias *bias; /* --logit-bias ID+B / ID-B (repeatable) */
    size_t n_bias;
    const char *spec;   /* --samplers: a whole spec string instead of the flags */
    const char *chosen; /* the first sampler flag given (for the conflict with --samplers) */
} cli_sampling;

void cli_sampling_defaults(cli_sampling *s);

/** Frees the breaker and bias lists. */
void cli_sampling_free(cli_sampling *s);

/**
 * Takes one flag and its value if it is a sampler flag (or --samplers).
 * @return 1 taken, 0 not a sampler flag, -1 a bad value (msg says which and why).
 */
int cli_sampling_flag(cli_sampling *s, const char *flag, const char *value, char *msg,
                      size_t cap);

/** Prints the sampler flags with their defaults, for --help. */
void cli_sampling_help(FILE *f);

/**
 * Checks the flags together, once all are read: --min-length without --eos-token, and
 * --mirostat with --adaptive-target (both end the chain with a stateful processor that
 * steers by the tokens it yields; one chain has one). @return 0, or -1 with msg filled.
 */
int cli_sampling_check(const cli_sampling *s, char *msg, size_t cap);

/* One processor of the chain. */
typedef struct {
    char *item;         /* owned: a spec item (--samplers), or a label in the same style,
                           e.g. "top_p=0.95" or "penalties=64,1.1,0,0" */
    const char *source; /* the flag it comes from, or "--samplers" */
    size_t spec_offset; /* --samplers: where the item starts in the spec */
    int kind;           /* how it is added: CLI_STAGE_* */
    float f[3];         /* its parameters, as the flags gave them */
    int32_t i[2];
    size_t keep;
    const cli_sampling *lists; /* dry breakers, logit biases, allow and deny lists */
} cli_stage;

typedef struct {
    cli_stage *stage;
    size_t n;
    const char *spec; /* --samplers, or NULL */
} cli_plan;

/**
 * The stages as llama.cpp's common_sampler_init builds them: logit bias, then either
 * penalties, dry, top_n_sigma, top_k, typical, top_p, min_p, xtc, temperature (temp_ext when
 * --dynatemp-range > 0), or with --mirostat 1 or 2 only temperature and mirostat (which
 * replaces the others, penalties and dry included). Processors whose values make them no-ops
 * are left out. A window of -1 (--repeat-last-n, --dry-penalty-last-n: llama.cpp's "context
 * size") becomes `context`, the number of tokens the run can accept. With --samplers: its
 * items, in their order. s must outlive p. @return 0, or -1 with msg filled.
 *
 * The processors llama.cpp's common sampler lacks go where they act alike:
 *  - the masks allow, deny, min_length (one per --eos-token id), no_repeat_ngram right after
 *    the logit bias, before the penalties. They say which tokens may appear at all, as the
 *    logit bias and llama.cpp's grammar do, so they stay with --mirostat too;
 *  - the truncations epsilon and eta after min_p (Hugging Face's warper order: ... min_p,
 *    typical, epsilon, eta), dropped by --mirostat as top-k and top-p are;
 *  - adaptive_p last, after the temperature, where llama.cpp puts it (it steers by the
 *    tokens drawn from what it leaves); --adaptive-target >= 0 is enough to add it (llama.cpp
 *    also wants adaptive_p in its --samplers names). cli_sampling_check rejects it with
 *    --mirostat.
 */
int cli_plan_make(const cli_sampling *s, size_t context, cli_plan *p, char *msg, size_t cap);
void cli_plan_free(cli_plan *p);

/** The stages' items joined by blanks ("" for no stage) into buf; truncated to cap. */
void cli_plan_spec(const cli_plan *p, char *buf, size_t cap);

/* How a chain is set up besides its processors. */
typedef struct {
    uint64_t seed, stream;
    const int32_t *history; /* tokens accepted before the first step (--history) */
    size_t n_history;
} cli_chain_setup;

/**
 * Creates a chain of the first n_stages stages for n_vocab tokens and accepts the history.
 * On failure, msg names the flag or the spec offset that is wrong, and the status.
 * @return TSAMP_OK, or the failing status (*out is then NULL).
 */
tsamp_status cli_chain_create(const cli_plan *p, size_t n_stages, size_t n_vocab,
                              const cli_chain_setup *setup, tsamp_chain **out, char *msg,
                              size_t cap);

/**
 * Parses "1,2,3" (decimal token ids, comma-separated) into a malloc'd array.
 * @return 0, or -1 with msg filled.
 */
int cli_parse_ids(const char *s, int32_t **ids, size_t *n, char *msg, size_t cap);

/* ---- shared by cli_*.c only ---- */

/* cli_stage.kind: how cli_chain_build.c adds the stage (CLI_STAGE_SPEC: its item as spec). */
enum {
    CLI_STAGE_SPEC, CLI_STAGE_BIAS, CLI_STAGE_ALLOW, CLI_STAGE_DENY, CLI_STAGE_MIN_LENGTH,
    CLI_STAGE_NO_REPEAT_NGRAM, CLI_STAGE_PENALTIES, CLI_STAGE_DRY, CLI_STAGE_TOP_N_SIGMA,
    CLI_STAGE_TOP_K, CLI_STAGE_TYPICAL, CLI_STAGE_TOP_P, CLI_STAGE_MIN_P, CLI_STAGE_EPSILON,
    CLI_STAGE_ETA, CLI_STAGE_XTC, CLI_STAGE_TEMP, CLI_STAGE_TEMP_EXT, CLI_STAGE_MIROSTAT,
    CLI_STAGE_MIROSTAT_V2, CLI_STAGE_ADAPTIVE_P
};

/** A whole string as a float ("inf", "nan" too): 0, or -1 (junk, blanks, overflow). */
int cli_parse_float(const char *v, float *out);

/** The flags whose values are lists (--logit-bias, --dry-breaker, --allow-tokens, ...):
 *  as cli_sampling_flag. */
int cli_list_flag(cli_sampling *s, const char *flag, const char *value, char *msg, size_t cap);

/** Their --help lines. */
void cli_list_flags_help(FILE *f);

#endif
