/*
 * Token masks: an allow-list and the caller's callback narrow the view (no logit is copied or
 * changed: the kept candidates are compacted); a deny-list and min-length mask a few tokens
 * (-inf in the view's own copy of the logits).
 */
#include <math.h>
#include <string.h>

#include "proc_edits_internal.h"

/* Keeps the cnt entries listed in c->idx (view indices, increasing), then finds the max. */
static tsamp_status keep_listed(tsamp_chain *c, tsamp_view *v, size_t cnt) {
    if (cnt == 0) return TSAMP_ERR_ALL_MASKED;
    if (v->ids && cnt == v->n) return TSAMP_OK; /* nothing dropped */
    tsamp_view_keep(c, v, c->idx, cnt, -FLT_MAX, SIZE_MAX);
    return tsamp_view_refresh(c, v);
}

/* ---- allow-list --------------------------------------------------------------------------- */

/* A dense view: one pass over the list compacts the allowed candidates (tsamp_view_keep and
 * tsamp_view_refresh, fused: no search, no branch per entry), then their max. */
static tsamp_status allow_dense(tsamp_chain *c, tsamp_view *v, const int32_t *ids, size_t n) {
    float *vals = c->vals;
    int32_t *out = c->ids;
    size_t cnt = 0;
    for (size_t j = 0; j < n; j++) {
        float x = v->x[ids[j]];
        vals[cnt] = x;
        out[cnt] = ids[j];
        cnt += x > -INFINITY;
    }
    if (cnt == 0) return TSAMP_ERR_ALL_MASKED;
    float m;
    c->k->max(vals, cnt, &m);
    v->x = vals;
    v->ids = out;
    v->n = cnt;
    v->m = m;
    return TSAMP_OK;
}

static tsamp_status apply_allow(tsamp_run *r, const tsamp_proc *p, void *state, float *hint) {
    (void)state, (void)hint;
    tsamp_chain *c = r->c;
    tsamp_view *v = &r->v;
    const int32_t *ids = p->data;
    size_t n = p->u.ids.n, cnt = 0;
    if (!v->ids) return allow_dense(c, v, ids, n);
    if (v->n * tsamp_edits_log2(n) < n * tsamp_edits_log2(v->n)) {
        for (size_t i = 0; i < v->n; i++) /* few candidates: look them up in the list */
            if (tsamp_edits_in_sorted(ids, n, v->ids[i])) c->idx[cnt++] = (int32_t)i;
    } else {
        for (size_t j = 0; j < n; j++) { /* ids increasing: so are the view indices */
            size_t i = tsamp_view_find(v, ids[j]);
            if (i != SIZE_MAX) c->idx[cnt++] = (int32_t)i;
        }
    }
    return keep_listed(c, v, cnt);
}

const tsamp_proc_ops tsamp_ops_allow = {.apply = apply_allow};

/* ---- deny-list ---------------------------------------------------------------------------- */

static tsamp_status apply_deny(tsamp_run *r, const tsamp_proc *p, void *state, float *hint) {
    (void)state, (void)hint;
    return tsamp_edits_mask_sorted(r->c, &r->v, p->data, p->u.ids.n);
}

const tsamp_proc_ops tsamp_ops_deny = {.apply = apply_deny, .edits = 1};

/* ---- mask callback ------------------------------------------------------------------------ */

/* State: n_vocab bytes for the callback's keep flags. */
static size_t state_size_callback(const tsamp_proc *p, size_t n_vocab) {
    (void)p;
    return n_vocab;
}

static void state_reset_callback(const tsamp_proc *p, void *state) {
    memset(state, 0, p->u.mask_callback.n_vocab); /* scratch: only defined bytes to copy */
}

static tsamp_status apply_callback(tsamp_run *r, const tsamp_proc *p, void *state, float *hint) {
    (void)hint;
    tsamp_chain *c = r->c;
    tsamp_view *v = &r->v;
    uint8_t *keep = state;
    const int32_t *ids;
    size_t n;
    if (v->ids) {
        ids = v->ids;
        n = v->n;
    } else { /* a dense view: its candidates are the finite entries */
        n = c->k->compact_ge(v->x, v->n, -FLT_MAX, c->idx, v->n);
        ids = c->idx;
    }
    memset(keep, 1, n);
    p->u.mask_callback.fn(p->u.mask_callback.user, ids, n, keep);
    size_t cnt = 0;
    for (size_t j = 0; j < n; j++) /* the view indices of the kept ones, in place */
        if (keep[j]) c->idx[cnt++] = v->ids ? (int32_t)j : c->idx[j];
    memset(keep, 0, n); /* scratch back to zeros: clones and saved states see no leftovers */
    if (!v->ids && cnt == n) return TSAMP_OK; /* dense and nothing dropped */
    return keep_listed(c, v, cnt);
}

const tsamp_proc_ops tsamp_ops_mask_callback = {
    .apply = apply_callback,
    .state_size = state_size_callback,
    .state_reset = state_reset_callback,
};

/* ---- min-length --------------------------------------------------------------------------- */

static tsamp_status apply_min_length(tsamp_run *r, const tsamp_proc *p, void *state,
                                     float *hint) {
    (void)state, (void)hint;
    if (r->c->position >= p->u.min_length.min_length) return TSAMP_OK;
    return tsamp_edits_mask_ids(r->c, &r->v, &p->u.min_length.eos, 1);
}

const tsamp_proc_ops tsamp_ops_min_length = {.apply = apply_min_length, .edits = 1};

/* ---- construction ------------------------------------------------------------------------- */

/* A sorted, deduplicated copy of a list of ids, checked against the vocabulary. */
static tsamp_status id_list(tsamp_proc *out, tsamp_proc_kind kind, size_t n_vocab,
                            const tsamp_allocator *a, const int32_t *ids, size_t n) {
    if (n > 0 && !ids) return TSAMP_ERR_NULL;
    for (size_t j = 0; j < n; j++)
        if (ids[j] < 0 || (size_t)ids[j] >= n_vocab) return TSAMP_ERR_VOCAB;
    if (n > SIZE_MAX / sizeof *ids) return TSAMP_ERR_INVALID_PARAM;
    memset(out, 0, sizeof *out);
    out->kind = kind;
    if (n == 0) return TSAMP_OK;
    int32_t *copy = tsamp_alloc(a, n * sizeof *copy);
    if (!copy) return TSAMP_ERR_NOMEM;
    memcpy(copy, ids, n * sizeof *copy);
    n = tsamp_edits_sort_unique(copy, n);
    out->u.ids.n = n;
    out->data = copy;
    out->data_size = n * sizeof *copy;
    return TSAMP_OK;
}

tsamp_status tsamp_proc_allow(tsamp_proc *out, size_t n_vocab, const tsamp_allocator *a,
                              const int32_t *ids, size_t n) {
    return id_list(out, TSAMP_PROC_ALLOW, n_vocab, a, ids, n);
}

tsamp_status tsamp_proc_deny(tsamp_proc *out, size_t n_vocab, const tsamp_allocator *a,
                             const int32_t *ids, size_t n) {
    return id_list(out, TSAMP_PROC_DENY, n_vocab, a, ids, n);
}

tsamp_status tsamp_proc_mask_callback(tsamp_proc *out, size_t n_vocab, tsamp_mask_fn fn,
                                      void *user) {
    if (!fn) return TSAMP_ERR_NULL;
    memset(out, 0, sizeof *out);
    out->kind = TSAMP_PROC_MASK_CALLBACK;
    out->u.mask_callback.n_vocab = n_vocab;
    out->u.mask_callback.fn = fn;
    out->u.mask_callback.user = user;
    return TSAMP_OK;
}

tsamp_status tsamp_proc_min_length(tsamp_proc *out, size_t n_vocab, int32_t eos_id,
                                   uint64_t min_length) {
    if (eos_id < 0 || (size_t)eos_id >= n_vocab) return TSAMP_ERR_VOCAB;
    memset(out, 0, sizeof *out);
    out->kind = TSAMP_PROC_MIN_LENGTH;
    out->u.min_length.eos = eos_id;
    out->u.min_length.min_length = min_length;
    return TSAMP_OK;
}

/* ---- public ------------------------------------------------------------------------------- */

static tsamp_status add_list(tsamp_chain *c, tsamp_proc_kind kind, const int32_t *ids,
                             size_t n) {
    if (!c) return TSAMP_ERR_NULL;
    tsamp_proc p;
    tsamp_status st = id_list(&p, kind, c->n_vocab, &c->allocator, ids, n);
    if (st != TSAMP_OK) return st;
    st = tsamp_chain_append(c, &p, 1);
    tsamp_proc_edits_release(&p, &c->allocator);
    return st;
}

tsamp_status tsamp_chain_add_allow(tsamp_chain *c, const int32_t *ids, size_t n) {
    return add_list(c, TSAMP_PROC_ALLOW, ids, n);
}

tsamp_status tsamp_chain_add_deny(tsamp_chain *c, const int32_t *ids, size_t n) {
    return add_list(c, TSAMP_PROC_DENY, ids, n);
}

tsamp_status tsamp_chain_add_mask_callback(tsamp_chain *c, tsamp_mask_fn fn, void *user) {
    if (!c) return TSAMP_ERR_NULL;
    tsamp_proc p;
    tsamp_status st = tsamp_proc_mask_callback(&p, c->n_vocab, fn, user);
    if (st != TSAMP_OK) return st;
    return tsamp_chain_append(c, &p, 1);
}

tsamp_status tsamp_chain_add_min_length(tsamp_chain *c, int32_t eos_id, uint64_t min_length) {
    if (!c) return TSAMP_ERR_NULL;
    tsamp_proc p;
    tsamp_status st = tsamp_proc_min_length(&p, c->n_vocab, eos_id, min_length);
    if (st != TSAMP_OK) return st;
    return tsamp_chain_append(c, &p, 1);
}
