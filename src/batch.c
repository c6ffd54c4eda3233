/*
 * tsamp_sample_batch: many chains in one call, optionally on threads created for the call.
 * Rows are independent (each its own chain, logits and position), so which thread takes a
 * row, and in which order, cannot change a token.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "tsamp_internal.h"

typedef struct {
    tsamp_chain *const *chains;
    const float *const *logits;
    const uint64_t *positions;
    int accept;
    size_t n_rows;
    int32_t *tokens;
    tsamp_status *statuses; /* TSAMP_OK on entry: the row is to run */
    atomic_size_t next;     /* the next row to take */
} batch_job;

tsamp_batch_params tsamp_batch_default_params(void) {
    tsamp_batch_params p = {1, 0};
    return p;
}

static void run_row(batch_job *job, size_t i) {
    tsamp_chain *c = job->chains[i];
    uint64_t old = c->position;
    if (job->positions) c->position = job->positions[i];
    int32_t t = -1;
    tsamp_status st = tsamp_chain_sample(c, job->logits[i], &t);
    if (st == TSAMP_OK && job->accept) st = tsamp_chain_accept(c, t);
    if (st != TSAMP_OK) {
        c->position = old;
        t = -1;
    }
    job->tokens[i] = t;
    job->statuses[i] = st;
}

/* Takes rows until none is left; the caller runs it too. */
static void *worker(void *arg) {
    batch_job *job = arg;
    for (;;) {
        size_t i = atomic_fetch_add_explicit(&job->next, 1, memory_order_relaxed);
        if (i >= job->n_rows) break;
        if (job->statuses[i] == TSAMP_OK) run_row(job, i);
    }
    return NULL;
}

/* Marks rows that cannot run: NULL chain or logits, a chain in several rows (two threads
 * would share it). Quadratic, but next to sampling a row it is nothing for any real batch. */
static void mark_bad_rows(batch_job *job) {
    for (size_t i = 0; i < job->n_rows; i++) {
        job->tokens[i] = -1;
        job->statuses[i] = job->chains[i] && job->logits[i] ? TSAMP_OK : TSAMP_ERR_NULL;
    }
    for (size_t i = 1; i < job->n_rows; i++) {
        if (!job->chains[i]) continue;
        for (size_t j = 0; j < i; j++) {
            if (job->chains[j] != job->chains[i]) continue;
            job->statuses[i] = TSAMP_ERR_INVALID_PARAM;
            job->statuses[j] = TSAMP_ERR_INVALID_PARAM;
        }
    }
}

tsamp_status tsamp_sample_batch(tsamp_chain *const *chains, const float *const *logits,
                                const uint64_t *positions, size_t n_rows,
                                const tsamp_batch_params *params, int32_t *tokens,
                                tsamp_status *statuses) {
    if (n_rows == 0) return TSAMP_OK;
    if (!chains || !logits || !tokens || !statuses) return TSAMP_ERR_NULL;
    tsamp_batch_params p = params ? *params : tsamp_batch_default_params();
    batch_job job;
    job.chains = chains;
    job.logits = logits;
    job.positions = positions;
    job.accept = p.accept != 0;
    job.n_rows = n_rows;
    job.tokens = tokens;
    job.statuses = statuses;
    atomic_init(&job.next, 0);
    mark_bad_rows(&job);

    size_t n_threads = p.n_threads < n_rows ? p.n_threads : n_rows;
    if (n_threads > TSAMP_BATCH_MAX_THREADS) n_threads = TSAMP_BATCH_MAX_THREADS;
    pthread_t threads[TSAMP_BATCH_MAX_THREADS - 1];
    size_t started = 0;
    while (started + 1 < n_threads && pthread_create(&threads[started], NULL, worker, &job) == 0)
        started++;
    worker(&job);
    for (size_t i = 0; i < started; i++) pthread_join(threads[i], NULL);

    for (size_t i = 0; i < n_rows; i++)
        if (statuses[i] != TSAMP_OK) return statuses[i];
    return TSAMP_OK;
}
