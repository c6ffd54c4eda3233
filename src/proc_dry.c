/*
 * DRY (llama.cpp's llama_sampler_dry, from koboldcpp): sequence breakers limit the repeat
 * length, a Z-algorithm over the reversed window gives every repeat length in O(N), the longest
 * repeat each token would extend is kept in a small open-addressing table, and those tokens
 * that are candidates are penalized multiplier * base^(length - allowed_length).
 */
#include <math.h>
#include <string.h>

#include "proc_edits_internal.h"
#include "spec_internal.h"

/*
 * The data: n_breakers entries sorted by head (then by the caller's order), then the pool of
 * their tail tokens. A breaker is its head token followed by its tail, oldest first.
 */
typedef struct {
    int32_t head;
    uint32_t tail_len;
    uint32_t tail_off; /* into the pool */
} breaker;

static const breaker *breakers_of(const tsamp_proc *p) { return p->data; }

static const int32_t *pool_of(const tsamp_proc *p) {
    return (const int32_t *)(breakers_of(p) + p->u.dry.n_breakers);
}

/* The first breaker whose head is >= token. */
static size_t first_with_head(const tsamp_proc *p, int32_t token) {
    const breaker *b = breakers_of(p);
    size_t lo = 0, hi = p->u.dry.n_breakers;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b[mid].head < token)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* ---- state ------------------------------------------------------------------------------- */

/* State: this header, then scratch for one run, all zeros between runs: the target table (cap
 * slots), the used slots, the window (newest first) and the repeat lengths (last_n each). */
typedef struct {
    uint64_t accepted;
} header;

static int is_noop(const tsamp_proc *p) {
    return p->u.dry.multiplier == 0.0f || !(p->u.dry.base >= 1.0f) || p->u.dry.last_n == 0;
}

static size_t table_cap(const tsamp_proc *p) {
    return tsamp_edits_pow2(2 * (size_t)p->u.dry.last_n);
}

typedef struct {
    int32_t *tok, *z;
    tsamp_edits_slot *table;
    uint32_t *used;
    size_t cap;
} layout;

static layout layout_of(const tsamp_proc *p, void *state) {
    layout l;
    size_t n = (size_t)p->u.dry.last_n;
    l.cap = table_cap(p);
    l.table = (tsamp_edits_slot *)((header *)state + 1);
    l.used = (uint32_t *)(l.table + l.cap);
    l.tok = (int32_t *)(l.used + n);
    l.z = l.tok + n;
    return l;
}

static size_t state_size(const tsamp_proc *p, size_t n_vocab) {
    (void)n_vocab;
    if (is_noop(p)) return 0;
    size_t n = (size_t)p->u.dry.last_n;
    if (n > SIZE_MAX / 64) return SIZE_MAX; /* cannot be allocated: NOMEM */
    return sizeof(header) + table_cap(p) * sizeof(tsamp_edits_slot) + n * sizeof(uint32_t) +
           2 * n * sizeof(int32_t);
}

static void state_reset(const tsamp_proc *p, void *state) { memset(state, 0, state_size(p, 0)); }

static void accept(const tsamp_proc *p, void *state, const tsamp_chain *c, int32_t token) {
    (void)p, (void)c, (void)token;
    if (state) ((header *)state)->accepted++;
}

static size_t history_need(const tsamp_proc *p) {
    return is_noop(p) ? 0 : (size_t)p->u.dry.last_n;
}

/* ---- the algorithm ------------------------------------------------------------------------ */

/*
 * Step 1: the latest position i (0 = newest) where a breaker starts and ends inside the
 * window; the longest breaker there. Repeats may span the i - tail tokens after it.
 */
static size_t rep_limit_of(const tsamp_proc *p, const int32_t *tok, size_t n) {
    size_t nb = p->u.dry.n_breakers;
    if (nb == 0) return n;
    const breaker *b = breakers_of(p);
    const int32_t *pool = pool_of(p);
    for (size_t i = 0; i < n; i++) {
        size_t longest = 0; /* 1 + the longest tail that matches; 0: none */
        for (size_t j = first_with_head(p, tok[i]); j < nb && b[j].head == tok[i]; j++) {
            size_t len = b[j].tail_len;
            if (len + 1 <= longest || len > i) continue;
            size_t off = 0;
            while (off < len && pool[b[j].tail_off + off] == tok[i - off - 1]) off++;
            if (off == len) longest = len + 1;
        }
        if (longest > 0) return i - (longest - 1);
    }
    return n;
}

/* Step 2: z[k] = the longest common prefix of tok and tok + k (k >= 1), the Z-algorithm. */
static void z_lengths(const int32_t *tok, size_t n, int32_t *z) {
    size_t lo = 0, hi = 0; /* the rightmost box [lo, hi) matching a prefix */
    z[0] = (int32_t)n;
    for (size_t k = 1; k < n; k++) {
        size_t len = 0;
        if (k < hi) {
            len = (size_t)z[k - lo];
            if (len > hi - k) len = hi - k;
        }
        while (k + len < n && tok[len] == tok[k + len]) len++;
        if (k + len > hi) {
            lo = k;
            hi = k + len;
        }
        z[k] = (int32_t)len;
    }
}

/* Whether token is a one-token breaker (never penalized). */
static int is_single_breaker(const tsamp_proc *p, int32_t token) {
    if (p->u.dry.n_breakers == 0) return 0;
    const breaker *b = breakers_of(p);
    for (size_t j = first_with_head(p, token); j < p->u.dry.n_breakers && b[j].head == token; j++)
        if (b[j].tail_len == 0) return 1;
    return 0;
}

/* base^e in double by repeated squaring (e >= 0): the same bits everywhere. */
static double pow_int(double base, int32_t e) {
    double r = 1.0;
    while (e > 0) {
        if (e & 1) r *= base;
        e >>= 1;
        if (e) base *= base;
    }
    return r;
}

static float penalty_of(const tsamp_proc *p, int32_t length) {
    int32_t e = length - p->u.dry.allowed_length;
    int32_t max_e = p->u.dry.max_exponent;
    if (max_e > 0 && e > max_e) e = max_e;
    double d = (double)p->u.dry.multiplier * pow_int((double)p->u.dry.base, e);
    return d > (double)FLT_MAX ? FLT_MAX : d < -(double)FLT_MAX ? -FLT_MAX : (float)d;
}

static tsamp_status apply(tsamp_run *r, const tsamp_proc *p, void *state, float *hint) {
    (void)hint;
    if (!state) return TSAMP_OK;
    tsamp_chain *c = r->c;
    tsamp_view *v = &r->v;
    size_t n = (size_t)p->u.dry.last_n;
    uint64_t accepted = ((header *)state)->accepted;
    if (accepted < n) n = (size_t)accepted;
    if (tsamp_chain_history_len(c) < n) n = tsamp_chain_history_len(c); /* a guard */
    size_t allowed = (size_t)p->u.dry.allowed_length;
    if (n <= allowed) return TSAMP_OK;

    layout l = layout_of(p, state);
    for (size_t k = 0; k < n; k++) l.tok[k] = tsamp_chain_history(c, k);
    size_t rep_limit = rep_limit_of(p, l.tok, n);
    if (rep_limit < allowed) {
        memset(l.tok, 0, n * sizeof *l.tok);
        return TSAMP_OK;
    }
    z_lengths(l.tok, n, l.z);

    /* Step 3: the token that followed each position k extends a repeat of length z[k]. */
    size_t n_used = 0;
    for (size_t k = 1; k < n; k++) {
        size_t len = (size_t)l.z[k];
        if (len > rep_limit) len = rep_limit;
        if (len < allowed) continue;
        int32_t tok = l.tok[k - 1];
        size_t s = tsamp_edits_probe(l.table, l.cap, tok);
        if (s == SIZE_MAX) continue; /* a corrupted state: see tsamp_edits_probe */
        if (l.table[s].key == 0) {
            l.table[s].key = (uint32_t)tok + 1u;
            l.table[s].value = (int32_t)len;
            l.used[n_used++] = (uint32_t)s;
        } else if (l.table[s].value < (int32_t)len) {
            l.table[s].value = (int32_t)len;
        }
    }

    /* Step 4: penalize the targets that are candidates. */
    size_t first = n_used;
    for (size_t j = 0; j < n_used && first == n_used; j++) {
        int32_t tok = (int32_t)(l.table[l.used[j]].key - 1u);
        if (tsamp_view_find(v, tok) != SIZE_MAX && !is_single_breaker(p, tok)) first = j;
    }
    if (first < n_used) {
        float *x = tsamp_edits_materialize(c, v);
        for (size_t j = first; j < n_used; j++) {
            const tsamp_edits_slot *e = &l.table[l.used[j]];
            int32_t tok = (int32_t)(e->key - 1u);
            size_t i = tsamp_view_find(v, tok);
            if (i == SIZE_MAX || is_single_breaker(p, tok)) continue;
            x[i] = tsamp_edits_sat(x[i] - penalty_of(p, e->value));
        }
    }
    /* Scratch back to zeros: the state's bytes depend on the accepted tokens only. */
    for (size_t j = 0; j < n_used; j++) {
        l.table[l.used[j]].key = 0;
        l.table[l.used[j]].value = 0;
        l.used[j] = 0;
    }
    /* z starts last_n entries after tok, not n: a history shorter than the window would
     * otherwise leave z's entries in the state */
    memset(l.tok, 0, n * sizeof *l.tok);
    memset(l.z, 0, n * sizeof *l.z);
    return first < n_used ? tsamp_view_refresh(c, v) : TSAMP_OK;
}

const tsamp_proc_ops tsamp_ops_dry = {
    .apply = apply,
    .state_size = state_size,
    .state_reset = state_reset,
    .accept = accept,
    .history_need = history_need,
    .edits = 1,
};

/* ---- construction ------------------------------------------------------------------------- */

/* Breaker order: by head, then where the tail lies (the caller's order), then length. */
static int breaker_before(const breaker *x, const breaker *y) {
    if (x->head != y->head) return x->head < y->head;
    if (x->tail_off != y->tail_off) return x->tail_off < y->tail_off;
    return x->tail_len < y->tail_len;
}

static void sift_down(breaker *b, size_t root, size_t n) {
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= n) return;
        if (child + 1 < n && breaker_before(&b[child], &b[child + 1])) child++;
        if (!breaker_before(&b[root], &b[child])) return;
        breaker t = b[root];
        b[root] = b[child];
        b[child] = t;
        root = child;
    }
}

/* Heap sort at add time: O(n log n) for any number of breakers, no allocation. */
static void sort_breakers(breaker *b, size_t n) {
    if (n < 2) return;
    for (size_t i = n / 2; i-- > 0;) sift_down(b, i, n);
    for (size_t end = n - 1; end > 0; end--) {
        breaker t = b[0];
        b[0] = b[end];
        b[end] = t;
        sift_down(b, 0, end);
    }
}

tsamp_status tsamp_proc_dry(tsamp_proc *out, size_t n_vocab, const tsamp_allocator *a,
                            float multiplier, float base, int32_t allowed_length, int32_t last_n,
                            const int32_t *breakers, const size_t *breaker_lens,
                            size_t n_breakers) {
    if (n_breakers > 0 && (!breakers || !breaker_lens)) return TSAMP_ERR_NULL;
    if (!(fabsf(multiplier) <= FLT_MAX) || !(fabsf(base) <= FLT_MAX)) return TSAMP_ERR_INVALID_PARAM;
    if (allowed_length < 0 || last_n < 0) return TSAMP_ERR_INVALID_PARAM;
    if (n_breakers > UINT32_MAX / TSAMP_DRY_MAX_BREAKER_LEN) return TSAMP_ERR_INVALID_PARAM;
    size_t total = 0;
    for (size_t i = 0; i < n_breakers; i++) {
        if (breaker_lens[i] < 1 || breaker_lens[i] > TSAMP_DRY_MAX_BREAKER_LEN)
            return TSAMP_ERR_INVALID_PARAM;
        total += breaker_lens[i];
    }
    for (size_t i = 0; i < total; i++)
        if (breakers[i] < 0 || (size_t)breakers[i] >= n_vocab) return TSAMP_ERR_VOCAB;

    memset(out, 0, sizeof *out);
    out->kind = TSAMP_PROC_DRY;
    out->u.dry.multiplier = multiplier;
    out->u.dry.base = base;
    out->u.dry.allowed_length = allowed_length;
    out->u.dry.last_n = last_n;
    /* llama.cpp: max_exponent = FLOAT_MAX_LOG / std::log(base), float, truncated to int. */
    out->u.dry.max_exponent = base > 1.000001f ? (int32_t)(88.7228391f / tsamp_log(base)) : 0;
    if (n_breakers == 0) return TSAMP_OK;

    size_t n_tail = total - n_breakers;
    size_t size = n_breakers * sizeof(breaker) + n_tail * sizeof(int32_t);
    breaker *b = tsamp_alloc(a, size);
    if (!b) return TSAMP_ERR_NOMEM;
    int32_t *pool = (int32_t *)(b + n_breakers);
    size_t at = 0, off = 0;
    for (size_t i = 0; i < n_breakers; i++) {
        size_t tail = breaker_lens[i] - 1;
        b[i].head = breakers[at];
        b[i].tail_len = (uint32_t)tail;
        b[i].tail_off = (uint32_t)off;
        if (tail) memcpy(pool + off, breakers + at + 1, tail * sizeof(int32_t));
        at += tail + 1;
        off += tail;
    }
    sort_breakers(b, n_breakers);
    out->u.dry.n_breakers = n_breakers;
    out->data = b;
    out->data_size = size;
    return TSAMP_OK;
}

tsamp_status tsamp_chain_add_dry(tsamp_chain *c, float multiplier, float base,
                                 int32_t allowed_length, int32_t last_n, const int32_t *breakers,
                                 const size_t *breaker_lens, size_t n_breakers) {
    if (!c) return TSAMP_ERR_NULL;
    tsamp_proc p;
    tsamp_status st = tsamp_proc_dry(&p, c->n_vocab, &c->allocator, multiplier, base,
                                     allowed_length, last_n, breakers, breaker_lens, n_breakers);
    if (st != TSAMP_OK) return st;
    st = tsamp_chain_append(c, &p, 1);
    tsamp_proc_edits_release(&p, &c->allocator);
    return st;
}

/* Spec form: dry=MULT,BASE,ALLOWED_LENGTH,LAST_N then each breaker as ID:ID:... (stored order,
 * which parses back to the same data). */
void tsamp_proc_dry_format(const tsamp_proc *p, spec_out *o) {
    const float f[2] = {p->u.dry.multiplier, p->u.dry.base};
    spec_put(o, "dry=");
    spec_put_float(o, f[0]);
    spec_put(o, ",");
    spec_put_float(o, f[1]);
    spec_put(o, ",");
    spec_put_int(o, p->u.dry.allowed_length);
    spec_put(o, ",");
    spec_put_int(o, p->u.dry.last_n);
    if (p->u.dry.n_breakers == 0) return; /* no data at all then */
    const breaker *b = breakers_of(p);
    const int32_t *pool = pool_of(p);
    for (size_t j = 0; j < p->u.dry.n_breakers; j++) {
        spec_put(o, ",");
        spec_put_int(o, b[j].head);
        for (uint32_t t = 0; t < b[j].tail_len; t++) {
            spec_put(o, ":");
            spec_put_int(o, pool[b[j].tail_off + t]);
        }
    }
}
