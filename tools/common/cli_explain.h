/*
 * tsamp explain: what each processor of a chain does to one logit vector. Stage k is the
 * distribution of a chain of the first k processors (stage 0: softmax of the logits), from
 * tsamp_chain_distribution, so every number is the library's own.
 */
#ifndef TSAMP_CLI_EXPLAIN_H
#define TSAMP_CLI_EXPLAIN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli_chain.h"

#define EXPLAIN_MAX_TOP 32
#define EXPLAIN_MAX_CHART 24
#define EXPLAIN_MAX_TEMPS 8

typedef struct {
    size_t kept;     /* candidates with a place in the distribution */
    double mass;     /* their total probability at stage 0: how much of the model's
                        distribution the chain so far keeps */
    double entropy;  /* of this stage's distribution, in nats */
    size_t n_top;    /* most probable tokens, probability descending, ties by lower id */
    int32_t top_ids[EXPLAIN_MAX_TOP];
    float top_probs[EXPLAIN_MAX_TOP];
    float chart[EXPLAIN_MAX_CHART]; /* this stage's probability of each chart token */
} explain_stage;

typedef struct {
    size_t n_vocab;
    size_t n_stages; /* plan stages + 1 */
    explain_stage *stage;
    /* The charted tokens: every stage's most probable, rank by rank across the stages, in
     * stage 0's order (probability descending, then id). */
    size_t n_chart;
    int32_t chart_ids[EXPLAIN_MAX_CHART];
    /* softmax(logits / T) of the chart tokens (the first n_chart of each row). */
    size_t n_temps;
    float temps[EXPLAIN_MAX_TEMPS];
    float temp_probs[EXPLAIN_MAX_TEMPS][EXPLAIN_MAX_CHART];
} explain_result;

typedef struct {
    size_t n_top;   /* 1 .. EXPLAIN_MAX_TOP: top tokens per stage */
    size_t n_chart; /* 1 .. EXPLAIN_MAX_CHART */
    size_t n_temps; /* 0 .. EXPLAIN_MAX_TEMPS */
    const float *temps;
} explain_options;

/**
 * Runs every prefix of the plan on `logits` (n_vocab values) with the setup's seed, stream
 * and history. On an error msg says which stage failed and why.
 * @return TSAMP_OK or the library's status (r is then freed).
 */
tsamp_status explain_run(const float *logits, size_t n_vocab, const cli_plan *plan,
                         const cli_chain_setup *setup, const explain_options *o,
                         explain_result *r, char *msg, size_t cap);

void explain_free(explain_result *r);

/** The table: stage, processor, kept, kept mass, entropy, top p, top tokens (n_top). */
void explain_print_text(FILE *f, const explain_result *r, const cli_plan *plan, size_t n_top);

/** One JSON object: chain, stages (with n_top tokens each), chart tokens, temperatures. */
void explain_print_json(FILE *f, const explain_result *r, const cli_plan *plan, size_t n_top,
                        const char *file, size_t step);

/** The two charts as an SVG document: the chart tokens' probability at every stage, and at
 *  every temperature. */
void explain_write_svg(FILE *f, const explain_result *r, const cli_plan *plan,
                       const char *file, size_t step);

#endif
