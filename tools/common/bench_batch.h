/* Throughput of tsamp_sample_batch for batch sizes x thread counts (for tsamp-bench). */
#ifndef TSAMP_BENCH_BATCH_H
#define TSAMP_BENCH_BATCH_H

#include <stddef.h>
#include <stdio.h>

#include "tsamp.h"

typedef struct {
    size_t n_vocab;    /* e.g. 128256 */
    const char *shape; /* logit_shapes.h: "normal3" or "peaked" */
    const char *spec;  /* every row's chain, e.g. "top_k=40 top_p=0.95 min_p=0.05 temp=0.8" */
    tsamp_isa isa;     /* the rows' code path */
    double seconds;    /* timing per cell; at least 5 calls are timed */
} bench_batch_config;

typedef struct {
    size_t batch, threads;
    double us_per_call; /* median over the timed calls */
    double us_per_row;  /* us_per_call / batch */
    double rows_per_s;  /* 1e6 / us_per_row */
} bench_batch_cell;

/*
 * Times tsamp_sample_batch (accept on, as a decoding loop) for every pair (batches[i],
 * threads[j]); fills cells[i * n_threads + j] and, if out is not NULL, prints a table. Each
 * row has its own chain (seed = row index) and its own logits (the shape rotated by a
 * row-dependent offset, so rows choose different tokens and do not share cache lines).
 * Returns 0, or -1 (out of memory, bad shape or spec, a failed call; said on stderr).
 */
int bench_batch_run(const bench_batch_config *cfg, const size_t *batches, size_t n_batches,
                    const size_t *threads, size_t n_threads, bench_batch_cell *cells, FILE *out);

#endif
