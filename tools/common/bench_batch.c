/* Batch throughput measurement (bench_batch.h). */
#include "bench_batch.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "logit_shapes.h"

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec * 1e-3;
}

static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef struct {
    size_t rows;
    tsamp_chain **chains;
    float *logits; /* rows x n_vocab */
    const float **row_ptr;
    int32_t *tokens;
    tsamp_status *statuses;
    double *times;
    size_t cap_times;
} bench_rows;

static void rows_free(bench_rows *b) {
    for (size_t i = 0; b->chains && i < b->rows; i++) tsamp_chain_free(b->chains[i]);
    free(b->chains), free(b->logits), free(b->row_ptr), free(b->tokens), free(b->statuses);
    free(b->times);
}

static int rows_init(bench_rows *b, const bench_batch_config *cfg, size_t rows) {
    size_t n = cfg->n_vocab;
    memset(b, 0, sizeof *b);
    b->rows = rows;
    b->chains = calloc(rows, sizeof *b->chains);
    b->logits = malloc(rows * n * sizeof *b->logits);
    b->row_ptr = malloc(rows * sizeof *b->row_ptr);
    b->tokens = malloc(rows * sizeof *b->tokens);
    b->statuses = malloc(rows * sizeof *b->statuses);
    b->cap_times = 100000;
    b->times = malloc(b->cap_times * sizeof *b->times);
    if (!b->chains || !b->logits || !b->row_ptr || !b->tokens || !b->statuses || !b->times ||
        logit_shape_fill(b->logits, n, cfg->shape))
        return -1;
    for (size_t r = 0; r < rows; r++) {
        float *x = b->logits + r * n;
        size_t shift = (r * 7919) % n;
        if (r) {
            memcpy(x, b->logits + (n - shift), shift * sizeof *x);
            memcpy(x + shift, b->logits, (n - shift) * sizeof *x);
        }
        b->row_ptr[r] = x;
        tsamp_chain_params p = tsamp_chain_default_params();
        p.seed = r;
        p.isa = cfg->isa;
        if (tsamp_chain_create(&b->chains[r], n, &p) != TSAMP_OK ||
            tsamp_chain_parse(b->chains[r], cfg->spec) != TSAMP_OK)
            return -1;
    }
    return 0;
}

/* Median microseconds of one call over `batch` rows on `threads` threads. */
static double time_cell(bench_rows *b, size_t batch, size_t threads, double seconds) {
    tsamp_batch_params bp = tsamp_batch_default_params();
    bp.n_threads = threads;
    bp.accept = 1;
    size_t n = 0;
    double start = now_us();
    while (n < b->cap_times && (n < 5 || now_us() - start < seconds * 1e6)) {
        double t0 = now_us();
        if (tsamp_sample_batch(b->chains, b->row_ptr, NULL, batch, &bp, b->tokens, b->statuses) !=
            TSAMP_OK)
            return -1.0;
        b->times[n++] = now_us() - t0;
    }
    qsort(b->times, n, sizeof *b->times, cmp_double);
    return b->times[n / 2];
}

int bench_batch_run(const bench_batch_config *cfg, const size_t *batches, size_t n_batches,
                    const size_t *threads, size_t n_threads, bench_batch_cell *cells, FILE *out) {
    size_t max_rows = 0;
    for (size_t i = 0; i < n_batches; i++) max_rows = batches[i] > max_rows ? batches[i] : max_rows;
    bench_rows b;
    if (max_rows == 0 || rows_init(&b, cfg, max_rows) != 0) {
        fprintf(stderr, "bench_batch: cannot set up %zu rows of %zu (%s, \"%s\")\n", max_rows,
                cfg->n_vocab, cfg->shape, cfg->spec);
        if (max_rows) rows_free(&b);
        return -1;
    }
    if (out)
        fprintf(out, "batch: vocab %zu, %s logits, \"%s\", path %s, sample + accept per row\n"
                     "%6s %8s %12s %10s %12s\n",
                cfg->n_vocab, cfg->shape, cfg->spec,
                tsamp_isa_name(cfg->isa == TSAMP_ISA_AUTO ? tsamp_isa_default() : cfg->isa), "B", "threads",
                "us/call", "us/row", "rows/s");
    int rc = 0;
    for (size_t i = 0; i < n_batches && rc == 0; i++)
        for (size_t j = 0; j < n_threads && rc == 0; j++) {
            double us = time_cell(&b, batches[i], threads[j], cfg->seconds);
            if (us < 0) {
                fprintf(stderr, "bench_batch: tsamp_sample_batch failed\n");
                rc = -1;
                break;
            }
            bench_batch_cell *c = &cells[i * n_threads + j];
            c->batch = batches[i];
            c->threads = threads[j];
            c->us_per_call = us;
            c->us_per_row = us / (double)batches[i];
            c->rows_per_s = 1e6 / c->us_per_row;
            if (out)
                fprintf(out, "%6zu %8zu %12.1f %10.2f %12.0f\n", c->batch, c->threads,
                        c->us_per_call, c->us_per_row, c->rows_per_s);
        }
    rows_free(&b);
    return rc;
}
