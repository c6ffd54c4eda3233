/*
 * No-repeat n-gram (Hugging Face's NoRepeatNGramLogitsProcessor) over a window of the last
 * last_n accepted tokens. Each accept records the n-gram it completes, by the XXH3-64 hash of
 * its first n-1 tokens, in hash chains as zlib's deflate keeps them: heads[bucket] is the
 * latest n-gram start in the bucket, prev[start % last_n] the one before it, so positions
 * decrease along a chain and a walk stops at the first start outside the window (older links
 * may since have been overwritten, but only by starts that are newer than the window's
 * oldest). A sample hashes the last n-1 tokens, walks their bucket and checks every hash match
 * against the tokens themselves before banning the token that followed.
 */
#include <math.h>
#include <string.h>
#include <xxhash.h>

#include "proc_edits_internal.h"

/* State: this header, heads (cap), prev (last_n), hashes (last_n); then scratch, all zeros
 * between calls: bans (last_n) and room for the n - 1 tokens being hashed. Positions are
 * stored plus one (0: none). */
typedef struct {
    uint64_t accepted; /* tokens accepted since the add or the last reset */
} header;

typedef struct {
    uint64_t *heads, *prev, *hash;
    int32_t *bans, *key;
    size_t cap;
} layout;

static int is_noop(const tsamp_proc *p) {
    return p->u.no_repeat_ngram.last_n < p->u.no_repeat_ngram.n;
}

static size_t window(const tsamp_proc *p) { return (size_t)p->u.no_repeat_ngram.last_n; }

static layout layout_of(const tsamp_proc *p, void *state) {
    layout l;
    size_t w = window(p);
    l.cap = tsamp_edits_pow2(2 * w);
    l.heads = (uint64_t *)((header *)state + 1);
    l.prev = l.heads + l.cap;
    l.hash = l.prev + w;
    l.bans = (int32_t *)(l.hash + w);
    l.key = l.bans + w;
    return l;
}

static size_t state_size(const tsamp_proc *p, size_t n_vocab) {
    (void)n_vocab;
    if (is_noop(p)) return 0;
    size_t w = window(p);
    if (w > SIZE_MAX / 128) return SIZE_MAX; /* cannot be allocated: NOMEM */
    return sizeof(header) + (tsamp_edits_pow2(2 * w) + 2 * w) * sizeof(uint64_t) +
           2 * w * sizeof(int32_t);
}

static void state_reset(const tsamp_proc *p, void *state) { memset(state, 0, state_size(p, 0)); }

static size_t history_need(const tsamp_proc *p) { return is_noop(p) ? 0 : window(p); }

/* The XXH3-64 hash of the n - 1 tokens that start k_first back (k = 0: the latest accepted),
 * oldest first; they are left in l->key. */
static uint64_t hash_tokens(const tsamp_chain *c, const layout *l, size_t k_first, size_t len) {
    for (size_t j = 0; j < len; j++) l->key[j] = tsamp_chain_history(c, k_first - j);
    return XXH3_64bits(l->key, len * sizeof(int32_t));
}

static void accept(const tsamp_proc *p, void *state, const tsamp_chain *c, int32_t token) {
    (void)token;
    if (!state) return;
    header *h = state;
    uint64_t a = ++h->accepted;
    size_t n = (size_t)p->u.no_repeat_ngram.n;
    if (a < n) return;
    /* The n-gram that starts at position a - n (0-based) is complete: its first n - 1 tokens
     * are history n - 1 .. 1, its last one (the one it leads to) history 0. */
    layout l = layout_of(p, state);
    uint64_t start = a - n;
    uint64_t hv = hash_tokens(c, &l, n - 1, n - 1);
    size_t bucket = (size_t)(hv & (uint64_t)(l.cap - 1));
    size_t slot = (size_t)(start % window(p));
    l.hash[slot] = hv;
    l.prev[slot] = l.heads[bucket];
    l.heads[bucket] = start + 1;
    memset(l.key, 0, (n - 1) * sizeof *l.key);
}

static tsamp_status apply(tsamp_run *r, const tsamp_proc *p, void *state, float *hint) {
    (void)hint;
    if (!state) return TSAMP_OK;
    const tsamp_chain *c = r->c;
    uint64_t a = ((header *)state)->accepted;
    size_t n = (size_t)p->u.no_repeat_ngram.n, w = window(p);
    if (a + 1 < n) return TSAMP_OK;
    layout l = layout_of(p, state);
    /* The last n - 1 tokens (history n - 2 .. 0), and the oldest start inside the window. */
    uint64_t hv = hash_tokens(c, &l, n - 2 + (n == 1), n - 1);
    uint64_t oldest = a > w ? a - w : 0, limit = a + 1 - n; /* starts: oldest .. limit - 1 */
    size_t n_bans = 0;
    /* Starts decrease along a chain; the bounds also keep a corrupted (loaded) state from
     * looping or overrunning bans. */
    for (uint64_t e = l.heads[(size_t)(hv & (uint64_t)(l.cap - 1))]; e != 0 && e <= limit;) {
        uint64_t start = e - 1;
        if (start < oldest) break;
        size_t slot = (size_t)(start % w);
        uint64_t next = l.prev[slot];
        e = next < e ? next : 0;
        if (l.hash[slot] != hv) continue;
        size_t back = (size_t)(a - 1 - start); /* history index of the n-gram's first token */
        size_t j = 0;
        while (j < n - 1 && tsamp_chain_history(c, back - j) == l.key[j]) j++;
        if (j == n - 1) l.bans[n_bans++] = tsamp_chain_history(c, back - (n - 1));
    }
    tsamp_status st = tsamp_edits_mask_ids(r->c, &r->v, l.bans, n_bans);
    /* Scratch back to zeros: the state's bytes depend on the accepted tokens only. */
    memset(l.bans, 0, n_bans * sizeof *l.bans);
    memset(l.key, 0, (n - 1) * sizeof *l.key);
    return st;
}

const tsamp_proc_ops tsamp_ops_no_repeat_ngram = {
    .apply = apply,
    .state_size = state_size,
    .state_reset = state_reset,
    .accept = accept,
    .history_need = history_need,
    .edits = 1,
};

tsamp_status tsamp_proc_no_repeat_ngram(tsamp_proc *out, int32_t n, int32_t last_n) {
    if (n < 1 || last_n < 0) return TSAMP_ERR_INVALID_PARAM;
    memset(out, 0, sizeof *out);
    out->kind = TSAMP_PROC_NO_REPEAT_NGRAM;
    out->u.no_repeat_ngram.n = n;
    out->u.no_repeat_ngram.last_n = last_n;
    return TSAMP_OK;
}

tsamp_status tsamp_chain_add_no_repeat_ngram(tsamp_chain *c, int32_t n, int32_t last_n) {
    if (!c) return TSAMP_ERR_NULL;
    tsamp_proc p;
    tsamp_status st = tsamp_proc_no_repeat_ngram(&p, n, last_n);
    if (st != TSAMP_OK) return st;
    return tsamp_chain_append(c, &p, 1);
}
