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
    c->w2 = tsamp_alloc(a, n * sizeof *c->w2);
    c->vals = tsamp_alloc(a, n * sizeof *c->vals);
    c->ids = tsamp_alloc(a, n * sizeof *c->ids);
    c->idx = tsamp_alloc(a, n * sizeof *c->idx);
    c->blocks = tsamp_alloc(a, tsamp_n_blocks(n) * sizeof *c->blocks);
    if (!c->w || !c->w2 || !c->vals || !c->ids || !c->idx || !c->blocks) return TSAMP_ERR_NOMEM;
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

/* What append took for processors [from, to): their data copies and states. */
static void free_proc_memory(tsamp_chain *c, size_t from, size_t to) {
    for (size_t i = from; i < to; i++) {
        tsamp_dealloc(&c->allocator, (void *)(uintptr_t)c->procs[i].data);
        tsamp_dealloc(&c->allocator, c->states[i]);
    }
}

void tsamp_chain_free(tsamp_chain *c) {
    if (!c) return;
    if (c->procs) free_proc_memory(c, 0, c->n_procs);
    tsamp_allocator a = c->allocator;
    tsamp_dealloc(&a, c->states);
    tsamp_dealloc(&a, c->history);
    tsamp_dealloc(&a, c->edit);
    tsamp_dealloc(&a, c->w);
    tsamp_dealloc(&a, c->w2);
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
    for (size_t i = 0; i < c->n_procs; i++) {
        const tsamp_proc_ops *ops = tsamp_proc_ops_of(c->procs[i].kind);
        if (c->states[i]) memcpy(d->states[i], c->states[i], ops->state_size(&c->procs[i], c->n_vocab));
        d->hints[i] = c->hints[i];
    }
    if (c->history_cap) memcpy(d->history, c->history, c->history_cap * sizeof *d->history);
    d->history_len = c->history_len;
    d->history_head = c->history_head;
    *out = d;
    return TSAMP_OK;
}

tsamp_status tsamp_chain_reset(tsamp_chain *c) {
    if (!c) return TSAMP_ERR_NULL;
    c->position = 0;
    c->history_len = 0;
    c->history_head = 0;
    for (size_t i = 0; i < c->n_procs; i++) {
        const tsamp_proc_ops *ops = tsamp_proc_ops_of(c->procs[i].kind);
        if (c->states[i]) ops->state_reset(&c->procs[i], c->states[i]);
    }
    return TSAMP_OK;
}

size_t tsamp_chain_n_vocab(const tsamp_chain *c) { return c ? c->n_vocab : 0; }
uint64_t tsamp_chain_position(const tsamp_chain *c) { return c ? c->position : 0; }
size_t tsamp_chain_n_processors(const tsamp_chain *c) { return c ? c->n_procs : 0; }

tsamp_status tsamp_chain_accept(tsamp_chain *c, int32_t token) {
    if (!c) return TSAMP_ERR_NULL;
    if (token < 0 || (size_t)token >= c->n_vocab) return TSAMP_ERR_VOCAB;
    if (c->history_cap) {
        c->history[c->history_head] = token;
        c->history_head = (c->history_head + 1) % c->history_cap;
        if (c->history_len < c->history_cap) c->history_len++;
    }
    for (size_t i = 0; i < c->n_procs; i++) {
        const tsamp_proc_ops *ops = tsamp_proc_ops_of(c->procs[i].kind);
        if (ops->accept) ops->accept(&c->procs[i], c->states[i], c, token);
    }
    c->position++;
    return TSAMP_OK;
}

int32_t tsamp_chain_history(const tsamp_chain *c, size_t k) {
    if (k >= c->history_len) return -1;
    return c->history[(c->history_head + c->history_cap - 1 - k) % c->history_cap];
}

size_t tsamp_chain_history_len(const tsamp_chain *c) { return c->history_len; }

tsamp_status tsamp_chain_set_position(tsamp_chain *c, uint64_t position) {
    if (!c) return TSAMP_ERR_NULL;
    c->position = position;
    return TSAMP_OK;
}

/* Room for n more processors in the parallel arrays (procs, states, hints). */
static tsamp_status reserve_procs(tsamp_chain *c, size_t n) {
    if (n <= c->cap_procs - c->n_procs) return TSAMP_OK;
    size_t cap = c->cap_procs ? c->cap_procs : 8;
    while (cap - c->n_procs < n) cap *= 2;
    const tsamp_allocator *a = &c->allocator;
    tsamp_proc *p = tsamp_alloc(a, cap * sizeof *p);
    void **st = tsamp_alloc(a, cap * sizeof *st);
    float *h = tsamp_alloc(a, cap * sizeof *h);
    if (!p || !st || !h) {
        tsamp_dealloc(a, p), tsamp_dealloc(a, st), tsamp_dealloc(a, h);
        return TSAMP_ERR_NOMEM;
    }
    if (c->n_procs) {
        memcpy(p, c->procs, c->n_procs * sizeof *p);
        memcpy(st, c->states, c->n_procs * sizeof *st);
        memcpy(h, c->hints, c->n_procs * sizeof *h);
    }
    tsamp_dealloc(a, c->procs), tsamp_dealloc(a, c->states), tsamp_dealloc(a, c->hints);
    c->procs = p, c->states = st, c->hints = h;
    c->cap_procs = cap;
    return TSAMP_OK;
}

/* Grows the history ring to hold `need` tokens, keeping the latest ones in order. */
static tsamp_status reserve_history(tsamp_chain *c, size_t need) {
    if (need <= c->history_cap) return TSAMP_OK;
    int32_t *h = tsamp_alloc(&c->allocator, need * sizeof *h);
    if (!h) return TSAMP_ERR_NOMEM;
    size_t len = c->history_len;
    for (size_t k = 0; k < len; k++) h[len - 1 - k] = tsamp_chain_history(c, k);
    tsamp_dealloc(&c->allocator, c->history);
    c->history = h;
    c->history_cap = need;
    c->history_head = len % need;
    return TSAMP_OK;
}

/* The memory processor `p` needs in this chain: a copy of its data, its state, the history
 * and edit buffer it reads. The copy is written to *out; on NOMEM nothing is kept. */
static tsamp_status take_proc_memory(tsamp_chain *c, const tsamp_proc *p, tsamp_proc *out,
                                     void **state) {
    const tsamp_proc_ops *ops = tsamp_proc_ops_of(p->kind);
    const tsamp_allocator *a = &c->allocator;
    *out = *p;
    *state = NULL;
    void *data = NULL;
    if (p->data_size) {
        if (!(data = tsamp_alloc(a, p->data_size))) return TSAMP_ERR_NOMEM;
        memcpy(data, p->data, p->data_size);
    }
    out->data = data;
    size_t ss = ops->state_size ? ops->state_size(p, c->n_vocab) : 0;
    if (ss && !(*state = tsamp_alloc(a, ss))) goto nomem;
    if (ops->history_need && reserve_history(c, ops->history_need(p)) != TSAMP_OK) goto nomem;
    if (ops->edits && !c->edit && !(c->edit = tsamp_alloc(a, c->n_vocab * sizeof *c->edit)))
        goto nomem;
    if (*state) ops->state_reset(out, *state);
    return TSAMP_OK;
nomem:
    tsamp_dealloc(a, data);
    tsamp_dealloc(a, *state);
    *state = NULL;
    return TSAMP_ERR_NOMEM;
}

tsamp_status tsamp_chain_append(tsamp_chain *c, const tsamp_proc *procs, size_t n) {
    if (!c) return TSAMP_ERR_NULL;
    if (n == 0) return TSAMP_OK;
    tsamp_status st = reserve_procs(c, n);
    if (st != TSAMP_OK) return st;
    /* A grown history or edit buffer may stay after a failure: it changes no result. */
    for (size_t i = 0; i < n; i++) {
        size_t at = c->n_procs + i;
        st = take_proc_memory(c, &procs[i], &c->procs[at], &c->states[at]);
        if (st != TSAMP_OK) {
            free_proc_memory(c, c->n_procs, at);
            return st;
        }
        c->hints[at] = 0.0f;
    }
    c->n_procs += n;
    return TSAMP_OK;
}

const tsamp_proc *tsamp_chain_procs(const tsamp_chain *c, size_t *n) {
    *n = c ? c->n_procs : 0;
    return c ? c->procs : NULL;
}
