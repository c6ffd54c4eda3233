/*
 * Adaptive-p (llama.cpp's llama_sampler_adaptive_p, ggml-org/llama.cpp PR #17927): reshapes
 * the distribution to favour tokens whose probability is near an adapted target, which an
 * exponential moving average of the original probabilities of the sampled tokens steers
 * towards the configured target.
 *
 * As in llama.cpp, for every candidate with original probability p (softmax of the current
 * candidates) the new logit is 5 - 10 d^2 / (1 + d), d = |p - adapted| / 0.3, with
 * adapted = clamp(2 * clamp(target, 0, 1) - weighted_sum / total_weight, 0, 1); the token is
 * then drawn from the softmax of the new logits. llama.cpp draws inside the sampler; here the
 * chain's final draw does (uniform number 0 of the position's stream), from the same
 * distribution. The original probability of every candidate is kept in the state so that the
 * `sampled` hook can record the drawn token's; accepting that token updates the average.
 */
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "proc_stateful_internal.h"
#include "view_internal.h"

/* llama.cpp's transformation constants; INV_WIDTH is its float 1.0f / 0.3f. */
#define PEAK_LOGIT_VALUE 5.0f
#define SHARPNESS 10.0f
#define INV_WIDTH 0x1.aaaaaap+1f

/* llama.cpp's std::clamp(decay, 0.0f, 0.99f) (NaN is refused at add time). */
static float clamped_decay(const tsamp_proc *p) {
    float d = p->u.adaptive_p.decay;
    return d < 0.0f ? 0.0f : d > 0.99f ? 0.99f : d;
}

/* llama.cpp's new logit for a candidate whose probability minus the adapted target is diff,
 * in its float arithmetic: 5 - 10 * d * d / (1 + d), d = |diff * (1 / 0.3)|. */
static float new_logit(float diff) {
    float d = fabsf(diff * INV_WIDTH);
    return PEAK_LOGIT_VALUE - SHARPNESS * d * d / (1.0f + d);
}

static tsamp_status apply(tsamp_run *r, const tsamp_proc *p, void *state, float *hint) {
    (void)hint;
    tsamp_adaptive_p_state *st = state;
    float target = p->u.adaptive_p.target;
    if (target < 0.0f) return TSAMP_OK; /* disabled: the distribution is left as it is */
    tsamp_chain *c = r->c;
    tsamp_view *v = &r->v;
    /* The original weights (c->w, by view index) and their canonical total. */
    double total = c->k->sum_exp(v->x, v->n, v->m, v->s, NULL, c->w);
    double inv_total = 1.0 / total;
    double t = target > 1.0f ? 1.0 : (double)target;
    double a = st->total_weight == 0.0 ? t : 2.0 * t - st->weighted_sum / st->total_weight;
    float adapted = (float)(a < 0.0 ? 0.0 : a > 1.0 ? 1.0 : a);
    float *vals = tsamp_view_materialize(c, v); /* same indices as c->w */
    const float *w = c->w;
    const int32_t *ids = v->ids;
    float *orig = st->orig;
    size_t n = v->n;
    st->n_vocab = (uint32_t)c->n_vocab;
    /* Masked entries (weight 0, value -inf) are transformed too, then kept at -inf; their
     * original probability, 0, is recorded but never read. */
    if (!ids) {
        for (size_t i = 0; i < n; i++) {
            float prob = (float)((double)w[i] * inv_total);
            orig[i] = prob;
            float l = new_logit(prob - adapted);
            vals[i] = vals[i] == -INFINITY ? vals[i] : l;
        }
    } else {
        for (size_t i = 0; i < n; i++) {
            float prob = (float)((double)w[i] * inv_total);
            orig[ids[i]] = prob;
            vals[i] = new_logit(prob - adapted); /* all finite */
        }
    }
    return tsamp_view_refresh(c, v);
}

/* One float per token of the chain (and at least as many as state_reset zeroes). */
static size_t state_size(const tsamp_proc *p, size_t n_vocab) {
    size_t head = offsetof(tsamp_adaptive_p_state, orig);
    if (p->u.adaptive_p.n_vocab > n_vocab) n_vocab = p->u.adaptive_p.n_vocab;
    if (n_vocab > (SIZE_MAX - head) / sizeof(float)) return SIZE_MAX; /* cannot be taken */
    return head + n_vocab * sizeof(float);
}

/* As llama.cpp's reset: weighted_sum = target / (1 - decay), total_weight = 1 / (1 - decay)
 * (the unclamped target: the average starts at it), no pending token. Every byte is defined
 * (a saved state is the same bytes for the same history). */
static void state_reset(const tsamp_proc *p, void *state) {
    tsamp_adaptive_p_state *st = state;
    size_t bytes = offsetof(tsamp_adaptive_p_state, orig) + p->u.adaptive_p.n_vocab * sizeof(float);
    memset(st, 0, bytes);
    double decay = (double)clamped_decay(p);
    st->weighted_sum = (double)p->u.adaptive_p.target / (1.0 - decay);
    st->total_weight = 1.0 / (1.0 - decay);
    st->pending = -1;
}

static void sampled(const tsamp_proc *p, void *state, int32_t token, double prob) {
    (void)prob;
    tsamp_adaptive_p_state *st = state;
    if (p->u.adaptive_p.target < 0.0f || token < 0 || (uint32_t)token >= st->n_vocab) return;
    st->pending = token;
    st->pending_prob = (double)st->orig[token];
}

static void accept(const tsamp_proc *p, void *state, const tsamp_chain *c, int32_t token) {
    (void)c;
    tsamp_adaptive_p_state *st = state;
    if (st->pending >= 0 && token == st->pending) {
        double decay = (double)clamped_decay(p);
        st->weighted_sum = st->pending_prob + decay * st->weighted_sum;
        st->total_weight = 1.0 + decay * st->total_weight;
    }
    st->pending = -1;
}

const tsamp_proc_ops tsamp_ops_adaptive_p = {
    .apply = apply,
    .state_size = state_size,
    .state_reset = state_reset,
    .accept = accept,
    .sampled = sampled,
    .edits = 1,
};

tsamp_status tsamp_proc_adaptive_p(tsamp_proc *out, size_t n_vocab, float target, float decay) {
    if (target != target || target == INFINITY || target == -INFINITY || decay != decay)
        return TSAMP_ERR_INVALID_PARAM;
    memset(out, 0, sizeof *out);
    out->kind = TSAMP_PROC_ADAPTIVE_P;
    out->u.adaptive_p.target = target;
    out->u.adaptive_p.decay = decay;
    out->u.adaptive_p.n_vocab = n_vocab;
    return TSAMP_OK;
}

tsamp_status tsamp_chain_add_adaptive_p(tsamp_chain *c, float target, float decay) {
    if (!c) return TSAMP_ERR_NULL;
    tsamp_proc proc;
    tsamp_status st = tsamp_proc_adaptive_p(&proc, tsamp_chain_n_vocab(c), target, decay);
    return st != TSAMP_OK ? st : tsamp_chain_append(c, &proc, 1);
}
