/*
 * Repetition penalties (llama.cpp's llama_sampler_penalties) over the processor's history:
 * the window's tokens are counted afresh at each run in a small open-addressing table of the
 * state (no allocation), and only the counted tokens that are candidates are edited.
 */
#include <math.h>
#include <string.h>

#include "proc_edits_internal.h"

/* State: this header, then scratch for one run, all zeros between runs: the count table (cap
 * slots), the used slots (last_n of them). */
typedef struct {
    uint64_t accepted; /* tokens accepted since the add or the last reset */
} header;

static int is_noop(const tsamp_proc *p) {
    return p->u.penalties.last_n == 0 ||
           (p->u.penalties.repeat == 1.0f && p->u.penalties.freq == 0.0f &&
            p->u.penalties.present == 0.0f);
}

/* Table slots: a power of two >= 2 * last_n, so probes stay short. */
static size_t table_cap(const tsamp_proc *p) {
    return tsamp_edits_pow2(2 * (size_t)p->u.penalties.last_n);
}

static tsamp_edits_slot *table_of(void *state) { return (tsamp_edits_slot *)((header *)state + 1); }

static uint32_t *used_of(void *state, size_t cap) { return (uint32_t *)(table_of(state) + cap); }

static size_t state_size(const tsamp_proc *p, size_t n_vocab) {
    (void)n_vocab;
    if (is_noop(p)) return 0;
    size_t last_n = (size_t)p->u.penalties.last_n;
    if (last_n > SIZE_MAX / 64) return SIZE_MAX; /* cannot be allocated: NOMEM */
    return sizeof(header) + table_cap(p) * sizeof(tsamp_edits_slot) + last_n * sizeof(uint32_t);
}

static void state_reset(const tsamp_proc *p, void *state) {
    memset(state, 0, state_size(p, 0));
}

static void accept(const tsamp_proc *p, void *state, const tsamp_chain *c, int32_t token) {
    (void)p, (void)c, (void)token;
    if (state) ((header *)state)->accepted++;
}

static size_t history_need(const tsamp_proc *p) {
    return is_noop(p) ? 0 : (size_t)p->u.penalties.last_n;
}

/* llama.cpp's arithmetic, saturated where it would overflow. */
static float penalize(float l, int32_t count, float repeat, float freq, float present) {
    float y = tsamp_edits_sat(l <= 0.0f ? l * repeat : l / repeat);
    return tsamp_edits_sat(y - ((float)count * freq + present));
}

static tsamp_status apply(tsamp_run *r, const tsamp_proc *p, void *state, float *hint) {
    (void)hint;
    if (!state) return TSAMP_OK;
    tsamp_chain *c = r->c;
    tsamp_view *v = &r->v;
    size_t len = (size_t)p->u.penalties.last_n;
    uint64_t accepted = ((header *)state)->accepted;
    if (accepted < len) len = (size_t)accepted;
    if (tsamp_chain_history_len(c) < len) len = tsamp_chain_history_len(c); /* a guard */
    if (len == 0) return TSAMP_OK;

    size_t cap = table_cap(p);
    tsamp_edits_slot *t = table_of(state);
    uint32_t *used = used_of(state, cap);
    size_t n_used = 0;
    for (size_t k = 0; k < len; k++) {
        int32_t tok = tsamp_chain_history(c, k);
        size_t s = tsamp_edits_probe(t, cap, tok);
        if (s == SIZE_MAX) continue; /* a corrupted state: see tsamp_edits_probe */
        if (t[s].key == 0) {
            t[s].key = (uint32_t)tok + 1u;
            t[s].value = 0;
            used[n_used++] = (uint32_t)s;
        }
        t[s].value = (int32_t)((uint32_t)t[s].value + 1u); /* wraps only on corrupted bytes */
    }

    size_t first = n_used;
    for (size_t j = 0; j < n_used && first == n_used; j++)
        if (tsamp_view_find(v, (int32_t)(t[used[j]].key - 1u)) != SIZE_MAX) first = j;
    if (first < n_used) {
        float *x = tsamp_edits_materialize(c, v);
        for (size_t j = first; j < n_used; j++) {
            const tsamp_edits_slot *e = &t[used[j]];
            size_t i = tsamp_view_find(v, (int32_t)(e->key - 1u));
            if (i != SIZE_MAX)
                x[i] = penalize(x[i], e->value, p->u.penalties.repeat, p->u.penalties.freq,
                                p->u.penalties.present);
        }
    }
    for (size_t j = 0; j < n_used; j++) { /* scratch back to zeros: the state's bytes depend */
        t[used[j]].key = 0;                  /* on the accepted tokens only (clone, save)     */
        t[used[j]].value = 0;
        used[j] = 0;
    }
    return first < n_used ? tsamp_view_refresh(c, v) : TSAMP_OK;
}

const tsamp_proc_ops tsamp_ops_penalties = {
    .apply = apply,
    .state_size = state_size,
    .state_reset = state_reset,
    .accept = accept,
    .history_need = history_need,
    .edits = 1,
};

tsamp_status tsamp_proc_penalties(tsamp_proc *out, int32_t last_n, float repeat,
                                  float frequency, float presence) {
    if (last_n < 0) return TSAMP_ERR_INVALID_PARAM;
    if (!(repeat > 0.0f && repeat <= FLT_MAX)) return TSAMP_ERR_INVALID_PARAM;
    if (!(fabsf(frequency) <= FLT_MAX) || !(fabsf(presence) <= FLT_MAX))
        return TSAMP_ERR_INVALID_PARAM;
    memset(out, 0, sizeof *out);
    out->kind = TSAMP_PROC_PENALTIES;
    out->u.penalties.last_n = last_n;
    out->u.penalties.repeat = repeat;
    out->u.penalties.freq = frequency;
    out->u.penalties.present = presence;
    return TSAMP_OK;
}

tsamp_status tsamp_chain_add_penalties(tsamp_chain *c, int32_t last_n, float repeat,
                                       float frequency, float presence) {
    if (!c) return TSAMP_ERR_NULL;
    tsamp_proc p;
    tsamp_status st = tsamp_proc_penalties(&p, last_n, repeat, frequency, presence);
    if (st != TSAMP_OK) return st;
    return tsamp_chain_append(c, &p, 1);
}
