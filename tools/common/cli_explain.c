/* tsamp explain: the distribution after every prefix of the chain, and its statistics. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli_explain.h"

typedef struct {
    int32_t *ids;
    float *probs;
    float *raw; /* stage 0 probability of every token (0 if masked) */
} buffers;

/* Keeps the k most probable of (ids ascending, probs): probability descending, and on ties
 * the lower id, which comes first in the input, so only a strictly larger one displaces. */
static size_t top_of(const int32_t *ids, const float *probs, size_t n, size_t k, int32_t *tid,
                     float *tp) {
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m == k && !(probs[i] > tp[m - 1])) continue;
        size_t j = m < k ? m++ : m - 1;
        for (; j > 0 && probs[i] > tp[j - 1]; j--) {
            tid[j] = tid[j - 1];
            tp[j] = tp[j - 1];
        }
        tid[j] = ids[i];
        tp[j] = probs[i];
    }
    return m;
}

/* The distribution of the first k stages into b->ids / b->probs. */
static tsamp_status stage_dist(const float *logits, size_t n_vocab, const cli_plan *plan,
                               const cli_chain_setup *setup, size_t k, buffers *b, size_t *kept,
                               char *msg, size_t cap) {
    tsamp_chain *c;
    tsamp_status st = cli_chain_create(plan, k, n_vocab, setup, &c, msg, cap);
    if (st != TSAMP_OK) return st;
    st = tsamp_chain_distribution(c, logits, b->ids, b->probs, n_vocab, kept);
    tsamp_chain_free(c);
    if (st != TSAMP_OK)
        snprintf(msg, cap, "stage %zu (%s): %s", k, k ? plan->stage[k - 1].item : "no processor",
                 tsamp_status_str(st));
    return st;
}

static void stage_stats(explain_stage *s, const buffers *b, size_t kept) {
    double mass = 0.0, h = 0.0;
    for (size_t i = 0; i < kept; i++) {
        double p = b->probs[i];
        mass += b->raw[b->ids[i]];
        if (p > 0.0) h -= p * log(p);
    }
    s->kept = kept;
    s->mass = mass;
    s->entropy = h > 0.0 ? h : 0.0; /* -0 and rounding below 0 print as 0 */
    s->n_top = top_of(b->ids, b->probs, kept, EXPLAIN_MAX_TOP, s->top_ids, s->top_probs);
}

static void stage_chart(explain_stage *s, const explain_result *r, const buffers *b,
                        size_t kept) {
    memset(s->chart, 0, sizeof s->chart);
    for (size_t i = 0; i < kept; i++)
        for (size_t j = 0; j < r->n_chart; j++)
            if (b->ids[i] == r->chart_ids[j]) s->chart[j] = b->probs[i];
}

/* The most probable tokens of every stage, taken rank by rank across the stages (so a token
 * a penalty or a bias brings up is there too), shown in stage 0's order. */
static const float *chart_raw;
static int by_raw(const void *pa, const void *pb) {
    int32_t a = *(const int32_t *)pa, b = *(const int32_t *)pb;
    if (chart_raw[a] != chart_raw[b]) return chart_raw[a] > chart_raw[b] ? -1 : 1;
    return (a > b) - (a < b);
}

static void choose_chart(explain_result *r, size_t n_chart, const float *raw) {
    size_t n = 0;
    for (size_t rank = 0; rank < EXPLAIN_MAX_TOP && n < n_chart; rank++)
        for (size_t k = 0; k < r->n_stages && n < n_chart; k++) {
            const explain_stage *s = &r->stage[k];
            if (rank >= s->n_top || !(s->top_probs[rank] > 0.0f)) continue;
            size_t j = 0;
            while (j < n && r->chart_ids[j] != s->top_ids[rank]) j++;
            if (j == n) r->chart_ids[n++] = s->top_ids[rank];
        }
    chart_raw = raw;
    qsort(r->chart_ids, n, sizeof r->chart_ids[0], by_raw);
    r->n_chart = n;
}

static tsamp_status temperatures(const float *logits, size_t n_vocab, const explain_options *o,
                                 explain_result *r, float *dense, char *msg, size_t cap) {
    r->n_temps = o->n_temps;
    for (size_t t = 0; t < o->n_temps; t++) {
        r->temps[t] = o->temps[t];
        tsamp_status st = tsamp_softmax(logits, n_vocab, o->temps[t], dense);
        if (st != TSAMP_OK) {
            snprintf(msg, cap, "softmax at temperature %g: %s", (double)o->temps[t],
                     tsamp_status_str(st));
            return st;
        }
        for (size_t j = 0; j < r->n_chart; j++) r->temp_probs[t][j] = dense[r->chart_ids[j]];
    }
    return TSAMP_OK;
}

static tsamp_status run_stages(const float *logits, size_t n_vocab, const cli_plan *plan,
                               const cli_chain_setup *setup, const explain_options *o,
                               explain_result *r, buffers *b, char *msg, size_t cap) {
    size_t kept;
    /* Pass 1: statistics, which choose the chart tokens; pass 2: their probabilities. */
    for (size_t k = 0; k < r->n_stages; k++) {
        tsamp_status st = stage_dist(logits, n_vocab, plan, setup, k, b, &kept, msg, cap);
        if (st != TSAMP_OK) return st;
        if (k == 0)
            for (size_t i = 0; i < kept; i++) b->raw[b->ids[i]] = b->probs[i];
        stage_stats(&r->stage[k], b, kept);
    }
    choose_chart(r, o->n_chart, b->raw);
    for (size_t k = 0; k < r->n_stages; k++) {
        tsamp_status st = stage_dist(logits, n_vocab, plan, setup, k, b, &kept, msg, cap);
        if (st != TSAMP_OK) return st;
        stage_chart(&r->stage[k], r, b, kept);
    }
    return temperatures(logits, n_vocab, o, r, b->raw, msg, cap); /* raw is free again */
}

tsamp_status explain_run(const float *logits, size_t n_vocab, const cli_plan *plan,
                         const cli_chain_setup *setup, const explain_options *o,
                         explain_result *r, char *msg, size_t cap) {
    memset(r, 0, sizeof *r);
    r->n_vocab = n_vocab;
    r->n_stages = plan->n + 1;
    r->stage = calloc(r->n_stages, sizeof *r->stage);
    buffers b = {malloc(n_vocab * sizeof(int32_t)), malloc(n_vocab * sizeof(float)),
                 calloc(n_vocab, sizeof(float))};
    tsamp_status st = TSAMP_ERR_NOMEM;
    if (r->stage && b.ids && b.probs && b.raw)
        st = run_stages(logits, n_vocab, plan, setup, o, r, &b, msg, cap);
    else
        snprintf(msg, cap, "out of memory");
    free(b.ids), free(b.probs), free(b.raw);
    if (st != TSAMP_OK) explain_free(r);
    return st;
}

void explain_free(explain_result *r) {
    free(r->stage);
    memset(r, 0, sizeof *r);
}
