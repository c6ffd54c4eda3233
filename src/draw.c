/*
 * The categorical draw (DESIGN.md §5): one uniform u, the canonical block sums, then a walk in
 * index order inside the block where u * total falls. Only that block's weights are recomputed.
 */
#include "fmath_internal.h"
#include "view_internal.h"

/* The same bits as the kernels' weights: the safe form gives them whenever it matters. */
static float weight(const tsamp_view *v, size_t i) {
    return tsamp_exp_core(tsamp_scaled_dist(v->x[i], v->m, v->s));
}

/* The last entry of block b with a non-zero weight; SIZE_MAX if none. */
static size_t last_nonzero(const tsamp_view *v, size_t b) {
    size_t start = b * TSAMP_BLOCK, end = start + TSAMP_BLOCK < v->n ? start + TSAMP_BLOCK : v->n;
    for (size_t i = end; i-- > start;)
        if (weight(v, i) > 0.0f) return i;
    return SIZE_MAX;
}

size_t tsamp_view_draw(tsamp_chain *c, const tsamp_view *v, double u, double *total_out) {
    double total = c->k->sum_exp(v->x, v->n, v->m, v->s, c->blocks, NULL);
    *total_out = total;
    double target = u * total;
    size_t nb = tsamp_n_blocks(v->n);
    double cum = 0.0; /* the same additions, in the same order, as the total */
    for (size_t b = 0; b < nb; b++) {
        double next = cum + (double)c->blocks[b];
        if (next > target) {
            size_t start = b * TSAMP_BLOCK;
            size_t len = start + TSAMP_BLOCK < v->n ? TSAMP_BLOCK : v->n - start;
            /* The block's weights again, by the kernel: the same bits as in its sum. */
            c->k->sum_exp(v->x + start, len, v->m, v->s, NULL, c->w);
            for (size_t i = 0; i < len; i++) {
                cum += (double)c->w[i];
                if (cum > target) return start + i;
            }
            return last_nonzero(v, b); /* the block sum rounded above its walk */
        }
        cum = next;
    }
    /* u * total rounded up to total: the last candidate that has weight. */
    for (size_t b = nb; b-- > 0;)
        if (c->blocks[b] > 0.0f) return last_nonzero(v, b);
    return 0; /* unreachable: the max has weight exactly 1 */
}
