/*
 * Speculative decoding (tsamp.h, tsamp_speculative_verify): exact accept/reject of draft
 * tokens against the target chain's distributions, and the residual draw on a rejection.
 * Each chain's view and weights live in its own buffers, so both rows can be held at once.
 */
#include <math.h>
#include <xxhash.h>

#include "fmath_internal.h"
#include "view_internal.h"

/* One row's processed distribution: the chain's view, its weights (the chain's w) and their
 * canonical total; probability = weight / total, in double. */
typedef struct {
    tsamp_view v;
    const float *w;
    double total;
} dist;

/* Runs chain c on a row at position pos (its own position is restored: processors that
 * draw use the stream of pos). */
static tsamp_status row_dist(tsamp_chain *c, const float *row, uint64_t pos, dist *d) {
    uint64_t saved = c->position;
    c->position = pos;
    tsamp_run r;
    tsamp_status st = tsamp_chain_run(c, row, &r);
    c->position = saved;
    if (st != TSAMP_OK) return st;
    d->v = r.v;
    d->total = c->k->sum_exp(d->v.x, d->v.n, d->v.m, d->v.s, NULL, c->w);
    d->w = c->w;
    return TSAMP_OK;
}

/* Probability of a token; 0 when the view does not hold it. */
static double prob_of(const dist *d, int32_t tok) {
    size_t i = tsamp_view_find(&d->v, tok);
    return i == SIZE_MAX ? 0.0 : (double)d->w[i] / d->total;
}

/* Walks the draft's distribution alongside the target's candidates (both in id order). */
typedef struct {
    const dist *q;
    size_t at;
} cursor;

static double cursor_prob(cursor *cur, int32_t id) {
    const dist *q = cur->q;
    if (!q->v.ids) return (double)q->w[id] / q->total;
    while (cur->at < q->v.n && q->v.ids[cur->at] < id) cur->at++;
    if (cur->at == q->v.n || q->v.ids[cur->at] != id) return 0.0;
    return (double)q->w[cur->at] / q->total;
}

/* max(0, p - q) of the target's entry j; entries must be visited in increasing j. */
static double residual(const dist *p, size_t j, cursor *cur) {
    double r = (double)p->w[j] / p->total - cursor_prob(cur, tsamp_view_id(&p->v, j));
    return r > 0.0 ? r : 0.0;
}

/*
 * An entry of p's view drawn from the normalised residual with u (DESIGN.md §5: one walk in
 * id order, the same additions as the total; rounding overrun gives the last entry with a
 * positive residual). SIZE_MAX when the residual is all zero.
 */
static size_t draw_residual(const dist *p, const dist *q, double u) {
    cursor cur = {q, 0};
    double total = 0.0;
    for (size_t j = 0; j < p->v.n; j++) total += residual(p, j, &cur);
    if (!(total > 0.0)) return SIZE_MAX;
    double target = u * total, cum = 0.0;
    size_t last = SIZE_MAX;
    cur.at = 0;
    for (size_t j = 0; j < p->v.n; j++) {
        double r = residual(p, j, &cur);
        if (r > 0.0) {
            cum += r;
            last = j;
            if (cum > target) return j;
        }
    }
    return last;
}

/* Little-endian bytes whatever the host order, as tsamp_rng_at writes them. */
static void put_le64(unsigned char *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)((v >> (8 * i)) & 0xffu);
}

/* The verification stream of a position: tsamp_rng_at's derivation with the tag bytes 0x02
 * and 0x03 instead of 0x00 and 0x01, so it is none of the streams the chains draw from. */
static tsamp_rng verify_rng(uint64_t seed, uint64_t stream, uint64_t position) {
    unsigned char msg[17];
    put_le64(msg, stream);
    put_le64(msg + 8, position);
    msg[16] = 0x02;
    uint64_t initstate = (uint64_t)XXH3_64bits_withSeed(msg, sizeof msg, (XXH64_hash_t)seed);
    msg[16] = 0x03;
    uint64_t initseq = (uint64_t)XXH3_64bits_withSeed(msg, sizeof msg, (XXH64_hash_t)seed);
    tsamp_rng r;
    tsamp_rng_seed(&r, initstate, initseq);
    return r;
}

/* The status the chain would give for a row's logits (NaN / +inf, all masked). */
static tsamp_status check_row(const tsamp_chain *c, const float *row) {
    float m;
    if (c->k->max(row, c->n_vocab, &m)) return TSAMP_ERR_NONFINITE;
    return m == -INFINITY ? TSAMP_ERR_ALL_MASKED : TSAMP_OK;
}

/* Everything that can be checked before the target chain changes. */
static tsamp_status check_args(const tsamp_chain *target, const tsamp_chain *draft,
                               const float *target_logits, const float *draft_logits,
                               const int32_t *draft_tokens, size_t k) {
    size_t n = target->n_vocab;
    if (k > 0) {
        if (draft == target) return TSAMP_ERR_INVALID_PARAM;
        if (draft->n_vocab != n) return TSAMP_ERR_VOCAB;
    }
    if (k >= SIZE_MAX / n) return TSAMP_ERR_INVALID_PARAM; /* (k + 1) * n overflows */
    for (size_t i = 0; i < k; i++)
        if (draft_tokens[i] < 0 || (size_t)draft_tokens[i] >= n) return TSAMP_ERR_VOCAB;
    tsamp_status st = TSAMP_OK;
    for (size_t i = 0; i <= k && st == TSAMP_OK; i++) st = check_row(target, target_logits + i * n);
    for (size_t i = 0; i < k && st == TSAMP_OK; i++) st = check_row(draft, draft_logits + i * n);
    return st;
}

/* The target emits a token as tsamp_chain_sample then tsamp_chain_accept would: processors
 * that watch the draw (mirostat) hear of it with its probability, then it is accepted. */
static void emit(tsamp_chain *c, int32_t token, double prob) {
    for (size_t i = 0; i < c->n_procs; i++) {
        const tsamp_proc_ops *ops = tsamp_proc_ops_of(c->procs[i].kind);
        if (ops->sampled) ops->sampled(&c->procs[i], c->states[i], token, prob);
    }
    (void)tsamp_chain_accept(c, token); /* cannot fail: the token is in range */
}

/*
 * One draft row: 1 if x is accepted (then emitted), else 0 with the residual token emitted.
 * The target runs at its own position, which the emitted tokens have advanced to pos + i.
 */
static tsamp_status verify_row(tsamp_chain *target, tsamp_chain *draft, const float *trow,
                               const float *drow, int32_t x, int *accepted, int32_t *token) {
    uint64_t pos = target->position;
    dist p, q;
    tsamp_status st = row_dist(draft, drow, pos, &q);
    if (st == TSAMP_OK) st = row_dist(target, trow, pos, &p);
    if (st != TSAMP_OK) return st;
    double px = prob_of(&p, x), qx = prob_of(&q, x);
    tsamp_rng r = verify_rng(target->seed, target->stream, pos);
    double u1 = tsamp_rng_uniform(&r);
    *accepted = u1 * qx < px; /* probability min(1, p/q) */
    if (*accepted) {
        *token = x;
        emit(target, x, px);
        return TSAMP_OK;
    }
    double u2 = tsamp_rng_uniform(&r);
    size_t j = draw_residual(&p, &q, u2);
    double prob;
    if (j != SIZE_MAX) {
        prob = (double)p.w[j] / p.total;
    } else { /* p <= q everywhere after rounding: p itself is the exact answer */
        double total; /* the draw may use the chain's w as scratch: the weight again */
        j = tsamp_view_draw(target, &p.v, u2, &total);
        prob = (double)tsamp_exp_core(tsamp_scaled_dist(p.v.x[j], p.v.m, p.v.s)) / total;
    }
    *token = tsamp_view_id(&p.v, j);
    emit(target, *token, prob);
    return TSAMP_OK;
}

tsamp_status tsamp_speculative_verify(tsamp_chain *target, tsamp_chain *draft,
                                      const float *target_logits, const float *draft_logits,
                                      const int32_t *draft_tokens, size_t k,
                                      int32_t *out_tokens, size_t *n_out) {
    if (!target || !target_logits || !out_tokens || !n_out) return TSAMP_ERR_NULL;
    if (k > 0 && (!draft || !draft_logits || !draft_tokens)) return TSAMP_ERR_NULL;
    tsamp_status st = check_args(target, draft, target_logits, draft_logits, draft_tokens, k);
    if (st != TSAMP_OK) return st;
    const size_t n = target->n_vocab;
    size_t done = 0;
    int accepted = 1;
    while (done < k && accepted) {
        st = verify_row(target, draft, target_logits + done * n, draft_logits + done * n,
                        draft_tokens[done], &accepted, &out_tokens[done]);
        if (st != TSAMP_OK) break;
        done++;
    }
    if (st == TSAMP_OK && accepted) { /* all k accepted: the bonus, as a plain sample */
        st = tsamp_chain_sample(target, target_logits + k * n, &out_tokens[k]);
        if (st == TSAMP_OK) {
            (void)tsamp_chain_accept(target, out_tokens[k]);
            done++;
        }
    }
    *n_out = done;
    return st;
}
