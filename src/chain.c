/* Chain lifecycle: creation with all working memory, clone, reset, processors list. */
#include <string.h>

#include "tsamp_internal.h"

tsamp_chain_params tsamp_chain_default_params(void) {
    tsamp_chain_params p;
    memset(&p, 0, sizeof p);
    p.isa = TSAMP_ISA_AUTO;
    return p;
}

/* The working buffers are sized by n_vocab alone, so clone can take the same. */
static tsamp_status alloc_buffers(tsamp_chain *c) {
    size_t n = c->n_vocab;
    const tsamp_allocator *a = &c->allocator;
    c->w = tsamp_alloc(a, n * sizeof *c->w);
    c->vals = tsamp_alloc(a, n * sizeof *c->vals);
    c->ids = tsamp_alloc(a, n * sizeof *c->ids);
    c->idx = tsamp_alloc(a, n * sizeof *c->idx);
    c->blocks = tsamp_alloc(a, tsamp_n_blocks(n) * sizeof *c->blocks);
    if (!c->w || !c->vals || !c->ids || !c->idx || !c->blocks) return TSAMP_ERR_NOMEM;
    return TSAMP_OK;
}

static tsamp_status chain_new(tsamp_chain **out, size_t n_vocab, const tsamp_chain_params *p) {
    const tsamp_allocator *a = &p->allocator;
    tsamp_chain *c = tsamp_alloc(a, sizeof *c);
    if (!c) return TSAMP_ERR_NOMEM;
    memset(c, 0, sizeof *c);
    c->n_vocab = n_vocab;
    c->seed = p->seed;
    c->stream = p->stream;
    c->isa = p->isa;
    c->k = tsamp_kernels_for(p->isa);
    c->allocator = *a;
    tsamp_status st = alloc_buffers(c);
    if (st != TSAMP_OK) {
        tsamp_chain_free(c);
        return st;
    }
    *out = c;
    return TSAMP_OK;
}

tsamp_status tsamp_chain_create(tsamp_chain **out, size_t n_vocab,
                                const tsamp_chain_params *params) {
    if (!out) return TSAMP_ERR_NULL;
    tsamp_chain_params p = params ? *params : tsamp_chain_default_params();
    if (n_vocab == 0 || n_vocab > (size_t)INT32_MAX) return TSAMP_ERR_VOCAB;
    if (!p.allocator.alloc != !p.allocator.free) return TSAMP_ERR_INVALID_PARAM;
    if ((unsigned)p.isa > (unsigned)TSAMP_ISA_NEON) return TSAMP_ERR_INVALID_PARAM;
    if (!tsamp_kernels_for(p.isa)) return TSAMP_ERR_ISA;
    return chain_new(out, n_vocab, &p);
}

void tsamp_chain_free(tsamp_chain *c) {
    if (!c) return;
    tsamp_allocator a = c->allocator;
    tsamp_dealloc(&a, c->w);
    tsamp_dealloc(&a, c->vals);
    tsamp_dealloc(&a, c->ids);
    tsamp_dealloc(&a, c->idx);
    tsamp_dealloc(&a, c->blocks);
    tsamp_dealloc(&a, c->procs);
    tsamp_dealloc(&a, c->hints);
    tsamp_dealloc(&a, c);
}

tsamp_status tsamp_chain_clone(const tsamp_chain *c, tsamp_chain **out) {
    if (!c || !out) return TSAMP_ERR_NULL;
    tsamp_chain_params p = tsamp_chain_default_params();
    p.seed = c->seed;
    p.stream = c->stream;
    p.isa = c->isa;
    p.allocator = c->allocator;
    tsamp_chain *d;
    tsamp_status st = chain_new(&d, c->n_vocab, &p);
    if (st != TSAMP_OK) return st;
    d->k = c->k;
    d->position = c->position;
    st = tsamp_chain_append(d, c->procs, c->n_procs);
    if (st != TSAMP_OK) {
        tsamp_chain_free(d);
        return st;
    }
    *out = d;
    return TSAMP_OK;
}

tsamp_status tsamp_chain_reset(tsamp_chain *c) {
    if (!c) return TSAMP_ERR_NULL;
    c->position = 0;
    return TSAMP_OK;
}

size_t tsamp_chain_n_vocab(const tsamp_chain *c) { return c ? c->n_vocab : 0; }
uint64_t tsamp_chain_position(const tsamp_chain *c) { return c ? c->position : 0; }
size_t tsamp_chain_n_processors(const tsamp_chain *c) { return c ? c->n_procs : 0; }

tsamp_status tsamp_chain_accept(tsamp_chain *c, int32_t token) {
    if (!c) return TSAMP_ERR_NULL;
    if (token < 0 || (size_t)token >= c->n_vocab) return TSAMP_ERR_VOCAB;
    c->position++;
    return TSAMP_OK;
}

tsamp_status tsamp_chain_set_position(tsamp_chain *c, uint64_t position) {
    if (!c) return TSAMP_ERR_NULL;
    c->position = position;
    return TSAMP_OK;
}

tsamp_status tsamp_chain_append(tsamp_chain *c, const tsamp_proc *procs, size_t n) {
    if (!c) return TSAMP_ERR_NULL;
    if (n == 0) return TSAMP_OK;
    if (n > c->cap_procs - c->n_procs) {
        size_t cap = c->cap_procs ? c->cap_procs : 8;
        while (cap - c->n_procs < n) cap *= 2;
        tsamp_proc *p = tsamp_alloc(&c->allocator, cap * sizeof *p);
        float *h = p ? tsamp_alloc(&c->allocator, cap * sizeof *h) : NULL;
        if (!h) {
            tsamp_dealloc(&c->allocator, p);
            return TSAMP_ERR_NOMEM;
        }
        if (c->n_procs) {
            memcpy(p, c->procs, c->n_procs * sizeof *p);
            memcpy(h, c->hints, c->n_procs * sizeof *h);
        }
        tsamp_dealloc(&c->allocator, c->procs);
        tsamp_dealloc(&c->allocator, c->hints);
        c->procs = p;
        c->hints = h;
        c->cap_procs = cap;
    }
    memcpy(c->procs + c->n_procs, procs, n * sizeof *procs);
    for (size_t i = 0; i < n; i++) c->hints[c->n_procs + i] = 0.0f;
    c->n_procs += n;
    return TSAMP_OK;
}

const tsamp_proc *tsamp_chain_procs(const tsamp_chain *c, size_t *n) {
    *n = c ? c->n_procs : 0;
    return c ? c->procs : NULL;
}
