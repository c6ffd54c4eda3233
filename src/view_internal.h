/*
 * The candidate set as a view (DESIGN.md §5). Dense: the caller's logits themselves, every
 * entry above -inf is a candidate, index = token id. Compacted: the chain's vals/ids arrays,
 * every entry a candidate, ids increasing. Processors narrow the view; temperature only
 * changes the scale, never the values.
 */
#ifndef TSAMP_VIEW_INTERNAL_H
#define TSAMP_VIEW_INTERNAL_H

#include "tsamp_internal.h"

typedef struct {
    const float *x;     /* values: the caller's logits, or c->vals */
    const int32_t *ids; /* token id of each entry; NULL when dense */
    size_t n;           /* entries */
    float m;            /* the largest candidate value */
    float s;            /* scale applied to (x - m): the product of 1/t, at most FLT_MAX */
    double scale;       /* that product, unrounded and unclamped */
} tsamp_view;

static inline int32_t tsamp_view_id(const tsamp_view *v, size_t i) {
    return v->ids ? v->ids[i] : (int32_t)i;
}

/*
 * Keeps, of the cnt entries whose indices (increasing) are in idx, those with x > value or
 * x == value and index <= last_tie; the view becomes compacted into c->vals / c->ids.
 */
void tsamp_view_keep(tsamp_chain *c, tsamp_view *v, const int32_t *idx, size_t cnt, float value,
                     size_t last_tie);

/*
 * Keeps the k first candidates (value descending, index ascending); k >= 1. `hint` (or NULL)
 * carries the previous token's distance from the max to the k-th value: a guess that only
 * changes the speed, never the result.
 */
void tsamp_view_top_k(tsamp_chain *c, tsamp_view *v, size_t k, float *hint);

/* The k-th largest (1 <= k <= cnt) of x[idx[0..cnt)] by an exact selection (no sort), and how
 * many are strictly larger. */
float tsamp_view_kth_largest(const float *x, const int32_t *idx, size_t cnt, size_t k,
                             size_t *n_greater);

/* A threshold that most likely has at least k candidates of v above it, from a strided sample
 * (uses c->idx as scratch); -FLT_MAX when a sample would not help. Speed only. */
float tsamp_view_guess_threshold(tsamp_chain *c, const tsamp_view *v, size_t k);

/* The index of token `id` in the view, or SIZE_MAX if it is not a candidate there. */
size_t tsamp_view_find(const tsamp_view *v, int32_t id);

/*
 * Before a processor changes logits: makes the view's values the chain's own (a dense view
 * is copied into c->edit) and applies the scale to them (s = 1 afterwards, values clamped to
 * +-FLT_MAX), so edits act on the current logits as llama.cpp's do. Returns the values.
 */
float *tsamp_view_materialize(tsamp_chain *c, tsamp_view *v);

/* After edits (a value may be set to -inf to mask a token; never to NaN or +inf): drops masked
 * entries of a compacted view and recomputes the max. ALL_MASKED if no candidate is left. */
tsamp_status tsamp_view_refresh(tsamp_chain *c, tsamp_view *v);

/* One run of a chain over one logit vector. */
struct tsamp_run {
    tsamp_chain *c;
    tsamp_view v;
    tsamp_rng rng;  /* the position's stream, after the final draw's uniform */
    double u_final; /* uniform number 0 of the position's stream: the final draw */
};

/* The next uniform number of the position's stream, for a processor that draws (in chain
 * order, after the final draw's), so a token never depends on earlier positions. */
double tsamp_run_uniform(tsamp_run *r);

/* Runs the chain's processors over logits; NONFINITE / ALL_MASKED on bad logits. */
tsamp_status tsamp_chain_run(tsamp_chain *c, const float *logits, tsamp_run *r);

/* Draws an entry index of the view with probability proportional to its weight, from u in
 * [0, 1) (DESIGN.md §5); *total receives the sum of the weights. */
size_t tsamp_view_draw(tsamp_chain *c, const tsamp_view *v, double u, double *total);

#endif
