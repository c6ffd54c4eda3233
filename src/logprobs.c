/*
 * A sampled token with its log-probabilities (tsamp.h, tsamp_chain_sample_logprobs): the
 * chain's view gives the token and its processed log-probability; then, with the view no
 * longer needed, the chain's buffers serve the raw top-N selection.
 */
#include <math.h>

#include "fmath_internal.h"
#include "view_internal.h"

/* The formula of tsamp_log_softmax, so raw values match it bit for bit. */
static float log_prob(float x, float m, float s, double log_total) {
    return (float)((double)((x - m) * s) - log_total);
}

/* Raw order: logit descending, ties by the lower id. */
static int before(float xa, int32_t a, float xb, int32_t b) {
    return xa > xb || (xa == xb && a < b);
}

/* Insertion sort of the few selected tokens into raw order (ids arrive increasing). */
static void sort_top(int32_t *ids, float *x, size_t n) {
    for (size_t i = 1; i < n; i++) {
        int32_t id = ids[i];
        float v = x[i];
        size_t j = i;
        for (; j > 0 && before(v, id, x[j - 1], ids[j - 1]); j--) {
            ids[j] = ids[j - 1];
            x[j] = x[j - 1];
        }
        ids[j] = id;
        x[j] = v;
    }
}

/* 1 + tokens before `tok` in raw order: those below it in id with x >= x[tok], those above
 * it with x > x[tok] (>= the next float up). Counted by the compaction kernel with no room. */
static uint32_t raw_rank(const tsamp_kernels *K, const float *x, size_t n, int32_t tok) {
    int32_t none;
    size_t t = (size_t)tok;
    float v = x[t], above = tsamp_from_key(tsamp_key(v) + 1u);
    size_t cnt = t > 0 ? K->compact_ge(x, t, v, &none, 0) : 0;
    if (t + 1 < n) cnt += K->compact_ge(x + t + 1, n - t - 1, above, &none, 0);
    return (uint32_t)(cnt + 1);
}

/* What tsamp_chain_sample tells processors that watch the draw (e.g. mirostat), so that
 * sampling through this function leaves the chain in the same state. */
static void report_sampled(tsamp_chain *c, int32_t token, double prob) {
    for (size_t i = 0; i < c->n_procs; i++) {
        const tsamp_proc_ops *ops = tsamp_proc_ops_of(c->procs[i].kind);
        if (ops->sampled) ops->sampled(&c->procs[i], c->states[i], token, prob);
    }
}

tsamp_status tsamp_chain_sample_logprobs(tsamp_chain *c, const float *logits, size_t n_top,
                                         tsamp_logprobs *out) {
    if (!c || !logits || !out) return TSAMP_ERR_NULL;
    if (n_top > TSAMP_LOGPROBS_MAX_TOP) return TSAMP_ERR_INVALID_PARAM;
    const tsamp_kernels *K = c->k;
    const size_t n = c->n_vocab;
    tsamp_run r;
    tsamp_status st = tsamp_chain_run(c, logits, &r);
    if (st != TSAMP_OK) return st;
    const tsamp_view *v = &r.v;

    /* The token exactly as tsamp_chain_sample draws it (DESIGN.md §5), and the same report. */
    size_t at = 0;
    double total = 1.0; /* a single candidate: weight exp(0) = 1 */
    if (!(v->ids && v->n == 1)) at = tsamp_view_draw(c, v, r.u_final, &total);
    int32_t token = tsamp_view_id(v, at);
    /* The weight's own argument: x - m overflows for logits spanning more than FLT_MAX,
     * where a subnormal scale still leaves the token a real probability. */
    float a = tsamp_scaled_dist(v->x[at], v->m, v->s);
    report_sampled(c, token, (double)tsamp_exp_core(a) / total);
    double log_proc = tsamp_log_d(total);
    float logprob = (float)((double)a - log_proc);

    /* Raw: the run above already rejected NaN, +inf and all-masked logits. When no processor
     * touched the view, the processed total is the raw one. */
    float m;
    (void)K->max(logits, n, &m);
    int untouched = v->x == logits && !v->ids && v->s == 1.0f && v->m == m;
    double log_raw = untouched ? log_proc : tsamp_log_d(K->sum_exp(logits, n, m, 1.0f, NULL, NULL));

    /* Top-N by the chain's exact top-k selection; it overwrites the view's buffers, which
     * are no longer needed. */
    size_t nt = 0;
    if (n_top > 0) {
        tsamp_view raw = {.x = logits, .ids = NULL, .n = n, .m = m, .s = 1.0f, .scale = 1.0};
        tsamp_view_top_k(c, &raw, n_top, NULL);
        nt = raw.n; /* <= n_top, and >= 1: some logit is finite */
        for (size_t i = 0; i < nt; i++) {
            out->top_ids[i] = raw.ids[i];
            out->top_logprobs[i] = raw.x[i];
        }
        sort_top(out->top_ids, out->top_logprobs, nt);
    }
    uint32_t rank = 0;
    for (size_t i = 0; i < nt; i++) {
        if (out->top_ids[i] == token) rank = (uint32_t)(i + 1);
        out->top_logprobs[i] = log_prob(out->top_logprobs[i], m, 1.0f, log_raw);
    }
    for (size_t i = nt; i < TSAMP_LOGPROBS_MAX_TOP; i++) {
        out->top_ids[i] = -1;
        out->top_logprobs[i] = -INFINITY;
    }
    if (rank == 0) rank = raw_rank(K, logits, n, token);

    out->token = token;
    out->logprob_raw = log_prob(logits[token], m, 1.0f, log_raw);
    out->logprob = logprob;
    out->rank = rank;
    out->n_top = nt;
    return TSAMP_OK;
}
