/*
 * The edits group (tsamp.h, "processors: edits"): penalties, DRY, logit bias, no-repeat n-gram,
 * allow/deny lists, the mask callback and min-length.
 *  - hand cases with probabilities computed by hand, llama.cpp's own test vectors among them
 *    (tests/test-sampling.cpp: test_penalties, test_dry), edge and no-op values;
 *  - >= 1000 random cases per processor, alone and between temperature / top-k stages, against
 *    a long-double reference written here (plain loops, a full sort, softmax), with an error
 *    bound carried through every edit (see ref_* below);
 *  - decoding loops where the history windows slide, against the same reference;
 *  - state: accept / reset / clone / set_position; statuses; NOMEM at every allocation of an
 *    add; no allocation per token; every ISA path bitwise equal to scalar; a chi-square test.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "check.h"
#include "testutil.h"
#include "tsamp.h"

#define NINF (-(float)INFINITY)
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define U 5.9604644775390625e-8L /* float unit roundoff, 2^-24 */

/* ---- processors as the tests describe them --------------------------------------------- */

typedef enum {
    RP_TEMP,
    RP_TOP_K,
    RP_PEN,
    RP_DRY,
    RP_BIAS,
    RP_NGRAM,
    RP_ALLOW,
    RP_DENY,
    RP_CALLBACK,
    RP_MIN_LEN
} rp_kind;

static const char *const RP_NAMES[] = {"temp", "top_k", "penalties", "dry", "logit_bias",
                                       "no_repeat_ngram", "allow", "deny", "callback",
                                       "min_length"};

enum { MAX_LIST = 512, MAX_BIAS = 16, MAX_BRK = 6, MAX_BRK_TOK = 24 };

/* The callback's user data: masks the ids with id % mod == rem, and counts what it saw. */
typedef struct {
    uint32_t mod, rem;
    size_t calls, seen;
} cb_user;

static void test_mask_fn(void *user, const int32_t *ids, size_t n, uint8_t *keep) {
    cb_user *u = user;
    u->calls++;
    u->seen += n;
    for (size_t i = 0; i < n; i++)
        if ((uint32_t)ids[i] % u->mod == u->rem) keep[i] = 0;
}

typedef struct {
    rp_kind kind;
    float t;                     /* TEMP */
    int32_t k;                   /* TOP_K */
    int32_t last_n;              /* PEN, DRY, NGRAM */
    float repeat, freq, present; /* PEN */
    float mult, base;            /* DRY */
    int32_t allowed;             /* DRY */
    size_t n_brk, brk_lens[MAX_BRK];
    int32_t brk[MAX_BRK_TOK];
    int32_t n;                   /* NGRAM */
    size_t n_list;               /* ALLOW, DENY */
    int32_t list[MAX_LIST];
    size_t n_bias;               /* BIAS */
    tsamp_logit_bias bias[MAX_BIAS];
    cb_user cb;                  /* CALLBACK */
    int32_t eos;                 /* MIN_LEN */
    uint64_t min_len;
} rp;

static rp rp_of(rp_kind kind) {
    rp p;
    memset(&p, 0, sizeof p);
    p.kind = kind;
    return p;
}

static rp TEMP(float t) {
    rp p = rp_of(RP_TEMP);
    p.t = t;
    return p;
}

static rp TOPK(int32_t k) {
    rp p = rp_of(RP_TOP_K);
    p.k = k;
    return p;
}

static rp PEN(int32_t last_n, float repeat, float freq, float present) {
    rp p = rp_of(RP_PEN);
    p.last_n = last_n, p.repeat = repeat, p.freq = freq, p.present = present;
    return p;
}

static rp DRY(float mult, float base, int32_t allowed, int32_t last_n) {
    rp p = rp_of(RP_DRY);
    p.mult = mult, p.base = base, p.allowed = allowed, p.last_n = last_n;
    return p;
}

/* Appends a breaker to a DRY description. */
static void dry_breaker(rp *p, const int32_t *toks, size_t len) {
    size_t used = 0;
    for (size_t i = 0; i < p->n_brk; i++) used += p->brk_lens[i];
    if (p->n_brk >= MAX_BRK || used + len > MAX_BRK_TOK) return;
    memcpy(p->brk + used, toks, len * sizeof *toks);
    p->brk_lens[p->n_brk++] = len;
}

static rp NGRAM(int32_t n, int32_t last_n) {
    rp p = rp_of(RP_NGRAM);
    p.n = n, p.last_n = last_n;
    return p;
}

static rp LIST(rp_kind kind, const int32_t *ids, size_t n) {
    rp p = rp_of(kind);
    p.n_list = n < MAX_LIST ? n : MAX_LIST;
    if (p.n_list) memcpy(p.list, ids, p.n_list * sizeof *ids);
    return p;
}

static rp BIAS(const tsamp_logit_bias *b, size_t n) {
    rp p = rp_of(RP_BIAS);
    p.n_bias = n < MAX_BIAS ? n : MAX_BIAS;
    if (p.n_bias) memcpy(p.bias, b, p.n_bias * sizeof *b);
    return p;
}

static rp CALLBACK(uint32_t mod, uint32_t rem) {
    rp p = rp_of(RP_CALLBACK);
    p.cb.mod = mod, p.cb.rem = rem;
    return p;
}

static rp MINLEN(int32_t eos, uint64_t min_len) {
    rp p = rp_of(RP_MIN_LEN);
    p.eos = eos, p.min_len = min_len;
    return p;
}

/* Adds p to the chain; the callback's user data is p->cb, so p must outlive the chain. */
static tsamp_status add_rp(tsamp_chain *c, rp *p) {
    switch (p->kind) {
    case RP_TEMP: return tsamp_chain_add_temperature(c, p->t);
    case RP_TOP_K: return tsamp_chain_add_top_k(c, p->k);
    case RP_PEN: return tsamp_chain_add_penalties(c, p->last_n, p->repeat, p->freq, p->present);
    case RP_DRY:
        return tsamp_chain_add_dry(c, p->mult, p->base, p->allowed, p->last_n, p->brk,
                                   p->brk_lens, p->n_brk);
    case RP_BIAS: return tsamp_chain_add_logit_bias(c, p->bias, p->n_bias);
    case RP_NGRAM: return tsamp_chain_add_no_repeat_ngram(c, p->n, p->last_n);
    case RP_ALLOW: return tsamp_chain_add_allow(c, p->list, p->n_list);
    case RP_DENY: return tsamp_chain_add_deny(c, p->list, p->n_list);
    case RP_CALLBACK: return tsamp_chain_add_mask_callback(c, test_mask_fn, &p->cb);
    case RP_MIN_LEN: return tsamp_chain_add_min_length(c, p->eos, p->min_len);
    }
    return TSAMP_ERR_INVALID_PARAM;
}

static void describe(const rp *p, size_t np, char *buf, size_t cap) {
    size_t len = 0;
    buf[0] = 0;
    for (size_t i = 0; i < np && len < cap; i++) {
        int w = 0;
        switch (p[i].kind) {
        case RP_TEMP: w = snprintf(buf + len, cap - len, "temp=%.9g ", (double)p[i].t); break;
        case RP_TOP_K: w = snprintf(buf + len, cap - len, "top_k=%d ", (int)p[i].k); break;
        case RP_PEN:
            w = snprintf(buf + len, cap - len, "penalties=%d,%.9g,%.9g,%.9g ", (int)p[i].last_n,
                         (double)p[i].repeat, (double)p[i].freq, (double)p[i].present);
            break;
        case RP_DRY:
            w = snprintf(buf + len, cap - len, "dry=%.9g,%.9g,%d,%d(%zu breakers) ",
                         (double)p[i].mult, (double)p[i].base, (int)p[i].allowed,
                         (int)p[i].last_n, p[i].n_brk);
            break;
        case RP_NGRAM:
            w = snprintf(buf + len, cap - len, "ngram=%d,%d ", (int)p[i].n, (int)p[i].last_n);
            break;
        case RP_BIAS:
            w = snprintf(buf + len, cap - len, "bias(%zu) ", p[i].n_bias);
            break;
        case RP_ALLOW:
        case RP_DENY:
            w = snprintf(buf + len, cap - len, "%s(%zu) ", RP_NAMES[p[i].kind], p[i].n_list);
            break;
        case RP_CALLBACK:
            w = snprintf(buf + len, cap - len, "callback(%%%u==%u) ", (unsigned)p[i].cb.mod,
                         (unsigned)p[i].cb.rem);
            break;
        case RP_MIN_LEN:
            w = snprintf(buf + len, cap - len, "min_length=%d,%llu ", (int)p[i].eos,
                         (unsigned long long)p[i].min_len);
            break;
        }
        if (w < 0) break;
        len += (size_t)w;
    }
}

static tsamp_chain *new_chain(size_t n, uint64_t seed, tsamp_isa isa) {
    tsamp_chain_params params = tsamp_chain_default_params();
    params.seed = seed;
    params.isa = isa;
    tsamp_chain *c = NULL;
    tsamp_status st = tsamp_chain_create(&c, n, &params);
    CHECKF(st == TSAMP_OK, "create(%zu): %s", n, tsamp_status_str(st));
    return st == TSAMP_OK ? c : NULL;
}

/* A chain with the processors added and the history accepted. */
static tsamp_chain *build_chain(size_t n, rp *p, size_t np, const int32_t *hist, size_t len,
                                uint64_t seed, tsamp_isa isa) {
    tsamp_chain *c = new_chain(n, seed, isa);
    if (!c) return NULL;
    for (size_t i = 0; i < np; i++) {
        tsamp_status st = add_rp(c, &p[i]);
        CHECKF(st == TSAMP_OK, "add %s: %s", RP_NAMES[p[i].kind], tsamp_status_str(st));
    }
    for (size_t i = 0; i < len; i++) CHECK(tsamp_chain_accept(c, hist[i]) == TSAMP_OK);
    return c;
}

/* ---- the long-double reference ---------------------------------------------------------- */

/*
 * The candidates and their logits as long double, with for each an upper bound `err` on how
 * far the library's float logit may be from it (in the same units). Temperatures are pending
 * in the scale S (the library folds them into its passes) until an edit materializes them, as
 * the library does: exactly when the edit touches a candidate. Every float operation of an
 * edit adds u * |its result| (and the errors of its inputs, scaled by its derivative), so the
 * bound follows the arithmetic of the definitions in tsamp.h.
 */
typedef struct {
    size_t n;
    unsigned char *cand;
    long double *val, *err;
    long double S;
    size_t n_temps;
    int ambiguous; /* a decision came within the error bounds of its boundary */
    int touched;   /* an edit or mask of the processors under test changed a candidate */
} rstate;

typedef struct {
    long double v;
    int32_t id;
} rentry;

static int rentry_cmp(const void *a, const void *b) {
    const rentry *x = a, *y = b;
    if (x->v != y->v) return x->v > y->v ? -1 : 1;
    return (x->id > y->id) - (x->id < y->id);
}

static int rstate_init(rstate *s, const float *x, size_t n) {
    s->n = n;
    s->cand = malloc(n);
    s->val = malloc(n * sizeof *s->val);
    s->err = calloc(n, sizeof *s->err);
    s->S = 1.0L;
    s->n_temps = 0;
    s->ambiguous = 0;
    s->touched = 0;
    if (!s->cand || !s->val || !s->err) return 0;
    for (size_t i = 0; i < n; i++) {
        s->cand[i] = (unsigned char)(x[i] != NINF);
        s->val[i] = x[i];
    }
    return 1;
}

static void rstate_free(rstate *s) {
    free(s->cand);
    free(s->val);
    free(s->err);
}

static size_t ref_count(const rstate *s) {
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++) k += s->cand[i];
    return k;
}

/* The library's materialize: values times the pending scale, rounded (exact when S == 1). */
static void ref_materialize(rstate *s) {
    if (s->S == 1.0L) return;
    for (size_t i = 0; i < s->n; i++) {
        if (!s->cand[i]) continue;
        long double v = s->val[i] * s->S;
        s->err[i] = s->err[i] * s->S * (1.0L + 4.0L * U) + 2.01L * U * fabsl(v);
        s->val[i] = v;
    }
    s->S = 1.0L;
}

/*
 * Two values the library may order either way. Not when they are equal with equal error
 * bounds: then they came from the same operations on equal inputs (equal logits, counts,
 * biases), which round alike, and the tie goes to the lower id in both.
 */
static int close_call(const rstate *s, int32_t a, int32_t b) {
    long double e = s->err[a] + s->err[b];
    if (s->val[a] == s->val[b] && s->err[a] == s->err[b]) return 0;
    return e > 0.0L && fabsl(s->val[a] - s->val[b]) <= e * 1.01L;
}

/* Candidates sorted: value descending, id ascending. Returns how many. */
static size_t ref_sorted(const rstate *s, rentry *e) {
    size_t k = 0;
    for (size_t i = 0; i < s->n; i++)
        if (s->cand[i]) e[k].v = s->val[i], e[k].id = (int32_t)i, k++;
    qsort(e, k, sizeof *e, rentry_cmp);
    return k;
}

static void ref_top_k(rstate *s, size_t k) {
    rentry *e = malloc(s->n * sizeof *e);
    if (!e) return;
    size_t m = ref_sorted(s, e);
    if (k < m) {
        if (close_call(s, e[k - 1].id, e[k].id)) s->ambiguous = 1;
        for (size_t j = k; j < m; j++) s->cand[e[j].id] = 0;
    }
    free(e);
}

/* The library saturates an edited value at +-FLT_MAX. */
static long double sat(long double v) {
    return v > (long double)FLT_MAX ? (long double)FLT_MAX
                                    : v < -(long double)FLT_MAX ? -(long double)FLT_MAX : v;
}

static long double pen_of(const rp *p, int32_t count, long double l, long double el,
                          long double *err) {
    long double rep = p->repeat;
    long double y = sat(l <= 0.0L ? l * rep : l / rep);
    long double ey = el * fmaxl(rep, 1.0L / rep) + U * fabsl(y);
    long double cf = (long double)count * p->freq;
    long double sub = cf + p->present;
    long double z = sat(y - sub);
    *err = ey + U * fabsl(cf) + U * fabsl(sub) + U * fabsl(z);
    return z;
}

/* 0, or -2 when the edit masks every candidate (the library: ALL_MASKED). */
static int ref_penalties(rstate *s, const rp *p, const int32_t *hist, size_t len) {
    if (p->last_n == 0 || (p->repeat == 1.0f && p->freq == 0.0f && p->present == 0.0f))
        return 0;
    size_t w = (size_t)p->last_n < len ? (size_t)p->last_n : len;
    int32_t *count = calloc(s->n, sizeof *count);
    if (!count) return 0;
    int touched = 0;
    for (size_t k = 0; k < w; k++) count[hist[len - 1 - k]]++;
    for (size_t i = 0; i < s->n; i++) touched |= count[i] > 0 && s->cand[i];
    if (touched) ref_materialize(s), s->touched = 1;
    for (size_t i = 0; i < s->n && touched; i++) {
        if (!count[i] || !s->cand[i]) continue;
        long double e;
        s->val[i] = pen_of(p, count[i], s->val[i], s->err[i], &e);
        s->err[i] = e;
    }
    free(count);
    return 0;
}

/* DRY written out plainly: quadratic suffix comparisons, no Z-algorithm. */
static int ref_dry(rstate *s, const rp *p, const int32_t *hist, size_t len) {
    if (p->mult == 0.0f || !(p->base >= 1.0f) || p->last_n == 0) return 0;
    size_t N = (size_t)p->last_n < len ? (size_t)p->last_n : len;
    size_t allowed = (size_t)p->allowed;
    if (N <= allowed) return 0;
    const int32_t *h = hist + len; /* h[-1 - j]: the j-th latest */
#define H(j) (h[-1 - (long)(j)])
    size_t rep_limit = N;
    for (size_t i = 0, found = 0; i < N && !found; i++) {
        long longest = -1;
        size_t off = 0;
        for (size_t b = 0; b < p->n_brk; off += p->brk_lens[b], b++) {
            const int32_t *t = p->brk + off;
            size_t tail = p->brk_lens[b] - 1;
            if (t[0] != H(i) || tail > i) continue;
            int match = 1;
            for (size_t o = 0; o < tail; o++) match &= t[1 + o] == H(i - 1 - o);
            if (match && (long)tail > longest) longest = (long)tail;
        }
        if (longest >= 0) {
            rep_limit = i - (size_t)longest;
            found = 1;
        }
    }
    if (rep_limit < allowed) return 0;
    long *maxlen = malloc(s->n * sizeof *maxlen);
    if (!maxlen) return 0;
    for (size_t i = 0; i < s->n; i++) maxlen[i] = -1;
    for (size_t k = 1; k < N; k++) {
        size_t z = 0;
        while (k + z < N && H(z) == H(k + z)) z++;
        if (z > rep_limit) z = rep_limit;
        if (z >= allowed && (long)z > maxlen[H(k - 1)]) maxlen[H(k - 1)] = (long)z;
    }
#undef H
    /* llama.cpp's cap, (int)(88.7228391f / logf(base)), computed in float: when the quotient
     * is within rounding of an integer (base 2: 128 exactly), the cap may be either. */
    long max_e = 0;
    int cap_unsure = 0;
    if (p->base > 1.000001f) {
        long double q = (long double)88.7228391f / logl((long double)p->base);
        max_e = (long)q;
        cap_unsure = fabsl(q - roundl(q)) <= 8.0L * U * q;
        if (cap_unsure && q > roundl(q)) max_e--; /* the smaller of the two */
    }
    int touched = 0;
    for (size_t i = 0; i < s->n; i++) {
        int single = 0;
        size_t off = 0;
        for (size_t b = 0; b < p->n_brk; off += p->brk_lens[b], b++)
            single |= p->brk_lens[b] == 1 && p->brk[off] == (int32_t)i;
        if (single) maxlen[i] = -1;
        touched |= maxlen[i] >= 0 && s->cand[i];
    }
    if (touched) ref_materialize(s), s->touched = 1;
    for (size_t i = 0; i < s->n && touched; i++) {
        if (maxlen[i] < 0 || !s->cand[i]) continue;
        long e = maxlen[i] - (long)allowed;
        if (cap_unsure && e > max_e) s->ambiguous = 1;
        if (max_e > 0 && e > max_e) e = max_e;
        long double pen = sat((long double)p->mult * powl((long double)p->base, (long double)e));
        long double z = sat(s->val[i] - pen);
        s->err[i] += 2.0L * U * fabsl(pen) + U * fabsl(z);
        s->val[i] = z;
    }
    free(maxlen);
    return 0;
}

static int ref_bias(rstate *s, const rp *p) {
    int touched = 0;
    for (size_t j = 0; j < p->n_bias; j++)
        touched |= p->bias[j].bias != 0.0f && s->cand[p->bias[j].token];
    if (!touched) return 0;
    ref_materialize(s);
    s->touched = 1;
    for (size_t j = 0; j < p->n_bias; j++) {
        int32_t t = p->bias[j].token;
        if (!s->cand[t]) continue;
        if (p->bias[j].bias == NINF) {
            s->cand[t] = 0;
            continue;
        }
        s->val[t] = sat(s->val[t] + p->bias[j].bias);
        s->err[t] += U * fabsl(s->val[t]);
    }
    return ref_count(s) ? 0 : -2;
}

/* Masks the listed candidates (a view copy first, as the library makes one). */
static int ref_mask(rstate *s, const unsigned char *ban) {
    int touched = 0;
    for (size_t i = 0; i < s->n; i++) touched |= ban[i] && s->cand[i];
    if (!touched) return 0;
    ref_materialize(s);
    s->touched = 1;
    for (size_t i = 0; i < s->n; i++)
        if (ban[i]) s->cand[i] = 0;
    return ref_count(s) ? 0 : -2;
}

/* Hugging Face's definition, restricted to n-grams inside the window of the last last_n. */
static int ref_ngram(rstate *s, const rp *p, const int32_t *hist, size_t len) {
    size_t n = (size_t)p->n, w = (size_t)p->last_n;
    if (w < n || len + 1 < n) return 0;
    unsigned char *ban = calloc(s->n, 1);
    if (!ban) return 0;
    size_t lo = len > w ? len - w : 0;
    for (size_t start = lo; start + n <= len; start++) {
        int match = 1;
        for (size_t j = 0; j + 1 < n; j++) match &= hist[start + j] == hist[len - (n - 1) + j];
        if (match) ban[hist[start + n - 1]] = 1;
    }
    int rc = ref_mask(s, ban);
    free(ban);
    return rc;
}

static int ref_apply(rstate *s, const rp *p, const int32_t *hist, size_t len, uint64_t pos) {
    switch (p->kind) {
    case RP_TEMP:
        if (p->t == 0.0f) {
            rentry *e = malloc(s->n * sizeof *e);
            if (!e) return 0;
            size_t m = ref_sorted(s, e);
            for (size_t j = 1; j < m; j++) {
                if (close_call(s, e[0].id, e[j].id)) s->ambiguous = 1;
                s->cand[e[j].id] = 0;
            }
            free(e);
        } else if (p->t != 1.0f) {
            s->S /= (long double)p->t;
            s->n_temps++;
        }
        return 0;
    case RP_TOP_K:
        if (p->k > 0) ref_top_k(s, (size_t)p->k);
        return 0;
    case RP_PEN: return ref_penalties(s, p, hist, len);
    case RP_DRY: return ref_dry(s, p, hist, len);
    case RP_BIAS: return ref_bias(s, p);
    case RP_NGRAM: return ref_ngram(s, p, hist, len);
    case RP_ALLOW:
    case RP_DENY: {
        unsigned char *in = calloc(s->n, 1);
        if (!in) return 0;
        for (size_t j = 0; j < p->n_list; j++) in[p->list[j]] = 1;
        int rc = 0;
        if (p->kind == RP_DENY) {
            rc = ref_mask(s, in);
        } else { /* a narrowing: no copy, no rounding */
            for (size_t i = 0; i < s->n; i++)
                if (!in[i] && s->cand[i]) s->cand[i] = 0, s->touched = 1;
            rc = ref_count(s) ? 0 : -2;
        }
        free(in);
        return rc;
    }
    case RP_CALLBACK:
        for (size_t i = 0; i < s->n; i++)
            if ((uint32_t)i % p->cb.mod == p->cb.rem && s->cand[i]) s->cand[i] = 0, s->touched = 1;
        return ref_count(s) ? 0 : -2;
    case RP_MIN_LEN:
        if (pos < p->min_len && s->cand[p->eos]) {
            unsigned char *ban = calloc(s->n, 1);
            if (!ban) return 0;
            ban[p->eos] = 1;
            int rc = ref_mask(s, ban);
            free(ban);
            return rc;
        }
        return 0;
    }
    return 0;
}

/* Runs the chain on x with the given history and position: 0, or -2 for ALL_MASKED. */
static int ref_run(rstate *s, const float *x, size_t n, const rp *p, size_t np,
                   const int32_t *hist, size_t len, uint64_t pos) {
    if (!rstate_init(s, x, n)) return -3;
    for (size_t i = 0; i < np; i++) {
        int rc = ref_apply(s, &p[i], hist, len, pos);
        if (rc) return rc;
    }
    return 0;
}

/* ---- comparing the library with the reference -------------------------------------------- */

typedef struct {
    size_t cases, ambiguous, all_masked, touched;
    double max_ratio; /* |dp| / bound */
    double max_abs;
} tally;

/*
 * The bound on one probability: the logit errors e (final units) move log p_i by at most
 * e_i + sum_j p_j e_j; the core (scaled distance, exp, canonical sum, division) adds what
 * tests/test_chain_exact.c derives: (2 + 2 * temperatures) u (|a_i| + abar) + 29 u.
 */
static double prob_bound(long double p, long double a, long double abar, long double e,
                         long double ebar, size_t n_temps) {
    long double core = (2.0L + 2.0L * (long double)n_temps) * U * (fabsl(a) + abar) + 29.0L * U;
    return (double)(p * (1.25L * (e + ebar) + core)) + 1e-44;
}

/*
 * The library's distribution of x against the reference. Returns 1 if they agree: the same
 * status; the same kept ids (unless ambiguous: then a subset of the candidates of the same
 * size); each probability within its bound.
 */
static int compare(tsamp_chain *c, const float *x, size_t n, const rp *p, size_t np,
                   const int32_t *hist, size_t len, uint64_t pos, const char *label, tally *t) {
    rstate s;
    int rc = ref_run(&s, x, n, p, np, hist, len, pos);
    int32_t *ids = malloc(n * sizeof *ids);
    float *probs = malloc(n * sizeof *probs);
    int ok = rc != -3 && ids && probs;
    size_t nk = 0;
    tsamp_status st = ok ? tsamp_chain_distribution(c, x, ids, probs, n, &nk) : TSAMP_ERR_NOMEM;
    t->cases++;
    if (rc != -3 && s.ambiguous) t->ambiguous++;
    if (rc != -3 && s.touched) t->touched++;
    if (ok && rc == -2) {
        t->all_masked++;
        CHECKF(st == TSAMP_ERR_ALL_MASKED, "%s: %s, reference: all masked", label,
               tsamp_status_str(st));
        ok = st == TSAMP_ERR_ALL_MASKED;
    } else if (ok) {
        CHECKF(st == TSAMP_OK, "%s: %s", label, tsamp_status_str(st));
        ok = st == TSAMP_OK;
    }
    if (ok && rc == 0) {
        size_t want = ref_count(&s);
        if (nk != want) {
            CHECKF(0, "%s: kept %zu, reference %zu%s", label, nk, want,
                   s.ambiguous ? " (ambiguous)" : "");
            ok = 0;
        }
        for (size_t i = 0; ok && i < nk; i++) {
            int32_t id = ids[i];
            int fine = id >= 0 && (size_t)id < n && (i == 0 || id > ids[i - 1]) && x[id] != NINF;
            if (fine && !s.ambiguous) fine = s.cand[id];
            CHECKF(fine, "%s: kept id %d is not a reference candidate", label, (int)id);
            ok = fine;
        }
        if (ok && !s.ambiguous) {
            long double m = -INFINITY, z = 0.0L, abar = 0.0L, ebar = 0.0L;
            for (size_t i = 0; i < nk; i++) m = fmaxl(m, s.val[ids[i]]);
            for (size_t i = 0; i < nk; i++) z += expl((s.val[ids[i]] - m) * s.S);
            for (size_t i = 0; i < nk; i++) {
                long double pi = expl((s.val[ids[i]] - m) * s.S) / z;
                abar += pi * fabsl((s.val[ids[i]] - m) * s.S);
                ebar += pi * s.err[ids[i]] * s.S;
            }
            for (size_t i = 0; i < nk && ok; i++) {
                int32_t id = ids[i];
                long double a = (s.val[id] - m) * s.S, pi = expl(a) / z;
                double err = fabs((double)((long double)probs[i] - pi));
                double bound = prob_bound(pi, a, abar, s.err[id] * s.S, ebar, s.n_temps);
                t->max_abs = fmax(t->max_abs, err);
                t->max_ratio = fmax(t->max_ratio, err / bound);
                if (err > bound) {
                    CHECKF(0, "%s: id %d p %.9g, reference %.12Lg, error %.3g > bound %.3g", label,
                           (int)id, (double)probs[i], pi, err, bound);
                    ok = 0;
                }
            }
        }
        if (ok) { /* a sample is a kept token */
            int32_t tok = -1;
            st = tsamp_chain_sample(c, x, &tok);
            size_t lo = 0, hi = nk;
            while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                if (ids[mid] < tok) lo = mid + 1;
                else hi = mid;
            }
            ok = st == TSAMP_OK && lo < nk && ids[lo] == tok && probs[lo] > 0.0f;
            CHECKF(ok, "%s: sampled %d (%s): not a kept token", label, (int)tok,
                   tsamp_status_str(st));
        }
    }
    if (!ok) {
        char d[512];
        describe(p, np, d, sizeof d);
        printf("    case %s: n=%zu history %zu position %llu chain: %s\n", label, n, len,
               (unsigned long long)pos, d);
    }
    free(ids);
    free(probs);
    if (rc != -3) rstate_free(&s);
    return ok;
}

/* A fresh chain with the history accepted, at position pos, against the reference. */
static int check_case(const float *x, size_t n, rp *p, size_t np, const int32_t *hist,
                      size_t len, uint64_t pos, const char *label, tally *t) {
    tsamp_chain *c = build_chain(n, p, np, hist, len, pos ^ 0x5eed, TSAMP_ISA_AUTO);
    if (!c) return 0;
    CHECK(tsamp_chain_set_position(c, pos) == TSAMP_OK);
    int ok = compare(c, x, n, p, np, hist, len, pos, label, t);
    tsamp_chain_free(c);
    return ok;
}

/* The library keeps exactly ids (increasing) with probabilities proportional to exp(a). */
static void expect(const char *what, const float *x, size_t n, rp *p, size_t np,
                   const int32_t *hist, size_t len, const int32_t *ids, const double *a,
                   size_t k) {
    double prob[64], m = -HUGE_VAL, z = 0.0;
    for (size_t i = 0; i < k; i++) m = fmax(m, a[i]);
    for (size_t i = 0; i < k; i++) z += prob[i] = exp(a[i] - m);
    for (size_t i = 0; i < k; i++) prob[i] /= z;
    tsamp_chain *c = build_chain(n, p, np, hist, len, 7, TSAMP_ISA_AUTO);
    int32_t got_ids[64];
    float got_p[64];
    size_t nk = 0;
    tsamp_status st = c ? tsamp_chain_distribution(c, x, got_ids, got_p, 64, &nk) : TSAMP_ERR_NULL;
    CHECKF(st == TSAMP_OK, "%s: %s", what, tsamp_status_str(st));
    if (st == TSAMP_OK) {
        CHECKF(nk == k, "%s: kept %zu, expected %zu", what, nk, k);
        for (size_t i = 0; i < nk && i < k; i++) {
            CHECKF(got_ids[i] == ids[i], "%s: kept[%zu] = %d, expected %d", what, i,
                   (int)got_ids[i], (int)ids[i]);
            CHECKF(fabs((double)got_p[i] - prob[i]) <= 1e-6 + 1e-5 * prob[i],
                   "%s: p[%d] = %.9g, expected %.9g", what, (int)got_ids[i], (double)got_p[i],
                   prob[i]);
        }
    }
    tsamp_chain_free(c);
    tally t = {0};
    check_case(x, n, p, np, hist, len, len, what, &t); /* and the reference agrees */
    CHECKF(t.ambiguous == 0, "%s: ambiguous for the reference", what);
}

/* The distribution must equal want_p (probabilities over all n tokens) within tol. */
static void expect_probs(const char *what, const float *x, size_t n, rp *p, size_t np,
                         const int32_t *hist, size_t len, const float *want_p, double tol) {
    tsamp_chain *c = build_chain(n, p, np, hist, len, 7, TSAMP_ISA_AUTO);
    int32_t ids[64];
    float probs[64], full[64] = {0};
    size_t nk = 0;
    tsamp_status st = c ? tsamp_chain_distribution(c, x, ids, probs, 64, &nk) : TSAMP_ERR_NULL;
    CHECKF(st == TSAMP_OK, "%s: %s", what, tsamp_status_str(st));
    for (size_t i = 0; st == TSAMP_OK && i < nk; i++) full[ids[i]] = probs[i];
    for (size_t i = 0; st == TSAMP_OK && i < n; i++)
        CHECKF(fabs((double)full[i] - (double)want_p[i]) < tol, "%s: p[%zu] = %.6f, expected %.6f",
               what, i, (double)full[i], (double)want_p[i]);
    tsamp_chain_free(c);
}

/* ---- hand cases ------------------------------------------------------------------------- */

/* logf of probabilities, as llama.cpp's tests build their logits. */
static void logits_of(const float *probs, size_t n, float *x) {
    for (size_t i = 0; i < n; i++) x[i] = logf(probs[i]);
}

/* llama.cpp's tests/test-sampling.cpp: test_penalties (last_n = the history's length). */
static void test_proc_edits_llama_penalties_vectors(void) {
    static const float p5[5] = {0.2f, 0.2f, 0.2f, 0.2f, 0.2f};
    static const struct {
        int32_t hist[5];
        size_t len;
        float repeat, freq, present;
        float want[5];
    } v[] = {
        {{0}, 1, 50.0f, 0.0f, 0.0f, {0, 0.25f, 0.25f, 0.25f, 0.25f}},
        {{0, 1, 2}, 3, 50.0f, 0.0f, 0.0f, {0, 0, 0, 0.5f, 0.5f}},
        {{0, 1, 2, 0, 0}, 5, 50.0f, 0.0f, 0.0f, {0, 0, 0, 0.5f, 0.5f}},
        {{0}, 1, 1.0f, 5.0f, 5.0f, {0.000011f, 0.249997f, 0.249997f, 0.249997f, 0.249997f}},
        {{0, 1, 2}, 3, 1.0f, 5.0f, 5.0f, {0.000023f, 0.000023f, 0.000023f, 0.499966f, 0.499966f}},
        {{0, 1, 2, 0, 0}, 5, 1.0f, 5.0f, 5.0f,
         {0.000000f, 0.000023f, 0.000023f, 0.499977f, 0.499977f}},
    };
    float x[5];
    logits_of(p5, 5, x);
    for (size_t i = 0; i < COUNT(v); i++) {
        char what[64];
        snprintf(what, sizeof what, "llama.cpp penalties vector %zu", i);
        rp p[1] = {PEN((int32_t)v[i].len, v[i].repeat, v[i].freq, v[i].present)};
        expect_probs(what, x, 5, p, 1, v[i].hist, v[i].len, v[i].want, 1e-5);
    }
}

/* llama.cpp's tests/test-sampling.cpp: test_dry. */
static void test_proc_edits_llama_dry_vectors(void) {
    static const float p4[4] = {0.25f, 0.25f, 0.25f, 0.25f};
    static const float p5[5] = {0.2f, 0.2f, 0.2f, 0.2f, 0.2f};
    static const struct {
        int n;
        int32_t hist[8];
        size_t len;
        float want[5];
        float mult, base;
        int32_t allowed, last_n;
        int32_t breaker; /* one single-token breaker, or -1 */
    } v[] = {
        {4, {0, 1}, 2, {0.25f, 0.25f, 0.25f, 0.25f}, 1.0f, 1.1f, 2, 4, -1},
        {4, {0, 1, 2, 0, 1}, 5, {0.296923f, 0.296923f, 0.109232f, 0.296923f}, 1.0f, 1.1f, 2, 5, -1},
        {5, {0, 1, 3, 4, 0, 1}, 6, {0.2f, 0.2f, 0.2f, 0.2f, 0.2f}, 1.0f, 1.1f, 2, 6, 3},
        {5, {0, 1, 2, 0, 1}, 5, {0.241818f, 0.241818f, 0.032727f, 0.241818f, 0.241818f}, 2.0f,
         1.1f, 2, 5, -1},
        {5, {0, 1, 2, 3, 4, 0, 1}, 7, {0.2f, 0.2f, 0.2f, 0.2f, 0.2f}, 1.0f, 1.1f, 4, 7, -1},
    };
    for (size_t i = 0; i < COUNT(v); i++) {
        float x[5];
        logits_of(v[i].n == 4 ? p4 : p5, (size_t)v[i].n, x);
        char what[64];
        snprintf(what, sizeof what, "llama.cpp DRY vector %zu", i);
        rp p[1] = {DRY(v[i].mult, v[i].base, v[i].allowed, v[i].last_n)};
        if (v[i].breaker >= 0) dry_breaker(&p[0], &v[i].breaker, 1);
        expect_probs(what, x, (size_t)v[i].n, p, 1, v[i].hist, v[i].len, v[i].want, 1e-5);
    }
}

static void test_proc_edits_penalties_hand(void) {
    const float x[] = {2.0f, -1.0f, 0.5f, 3.0f, 0.0f};
    const int32_t all[] = {0, 1, 2, 3, 4};
    const int32_t hist[] = {0, 1, 1, 4};
    /* 2 / 2 - (0.5 + 0.25); -1 * 2 - (2 * 0.5 + 0.25); 0 * 2 - 0.75 */
    rp p[2] = {PEN(64, 2.0f, 0.5f, 0.25f)};
    expect("penalties", x, 5, p, 1, hist, 4, all, (double[]){0.25, -3.25, 0.5, 3.0, -0.75}, 5);
    /* The window: only the last 2 accepted (1, 4) count. */
    p[0] = PEN(2, 2.0f, 0.5f, 0.25f);
    expect("penalties window 2", x, 5, p, 1, hist, 4, all,
           (double[]){2.0, -2.75, 0.5, 3.0, -0.75}, 5);
    /* Repeat only, and frequency/presence only. */
    p[0] = PEN(64, 4.0f, 0.0f, 0.0f);
    expect("repeat only", x, 5, p, 1, hist, 4, all, (double[]){0.5, -4.0, 0.5, 3.0, 0.0}, 5);
    p[0] = PEN(64, 1.0f, 1.0f, 0.0f);
    expect("frequency only", x, 5, p, 1, hist, 4, all, (double[]){1.0, -3.0, 0.5, 3.0, -1.0}, 5);
    p[0] = PEN(64, 1.0f, 0.0f, -1.5f); /* a negative presence rewards */
    expect("presence only", x, 5, p, 1, hist, 4, all, (double[]){3.5, 0.5, 0.5, 3.0, 1.5}, 5);
    /* No-op values, empty history, history not among the candidates. */
    p[0] = PEN(0, 2.0f, 1.0f, 1.0f);
    expect("last_n 0", x, 5, p, 1, hist, 4, all, (double[]){2, -1, 0.5, 3, 0}, 5);
    p[0] = PEN(64, 1.0f, 0.0f, 0.0f);
    expect("neutral", x, 5, p, 1, hist, 4, all, (double[]){2, -1, 0.5, 3, 0}, 5);
    p[0] = PEN(64, 2.0f, 1.0f, 1.0f);
    expect("no history", x, 5, p, 1, hist, 0, all, (double[]){2, -1, 0.5, 3, 0}, 5);
    p[0] = TOPK(2);
    p[1] = PEN(64, 2.0f, 1.0f, 1.0f); /* after top-k: 0 (2 - 2) and 3 remain; 1, 4 are out */
    expect("after top_k", x, 5, p, 2, hist, 4, (const int32_t[]){0, 3}, (double[]){-1.0, 3.0}, 2);
    /* Temperature before: penalties see the scaled logits (llama.cpp's order of effects). */
    p[0] = TEMP(0.5f);
    p[1] = PEN(64, 2.0f, 0.0f, 0.0f);
    expect("after temp 0.5", x, 5, p, 2, hist, 4, all, (double[]){2.0, -4.0, 1.0, 6.0, 0.0}, 5);
    /* Masked tokens stay masked. */
    const float y[] = {NINF, 1.0f, 2.0f};
    p[0] = PEN(8, 3.0f, 1.0f, 1.0f);
    expect("masked stays", y, 3, p, 1, (const int32_t[]){0, 0, 1}, 3, (const int32_t[]){1, 2},
           (double[]){1.0 / 3.0 - 2.0, 2.0}, 2);
}

/* Saturation: overflowing edits give +-FLT_MAX, never inf or NaN, never a mask. */
static void test_proc_edits_saturation(void) {
    const float x[] = {3e38f, -3e38f, 0.0f};
    const int32_t hist[] = {0, 1};
    tsamp_chain *c = new_chain(3, 1, TSAMP_ISA_AUTO);
    int32_t ids[3];
    float probs[3];
    size_t nk = 0;
    CHECK(tsamp_chain_add_penalties(c, 8, 0.25f, -FLT_MAX, -FLT_MAX) == TSAMP_OK);
    for (size_t i = 0; i < 2; i++) tsamp_chain_accept(c, hist[i]);
    CHECK(tsamp_chain_distribution(c, x, ids, probs, 3, &nk) == TSAMP_OK);
    CHECKF(nk == 3, "kept %zu", nk); /* token 0 at FLT_MAX, token 1 at FLT_MAX too (rewarded) */
    CHECK(nk == 3 && probs[0] == 0.5f && probs[1] == 0.5f && probs[2] == 0.0f);
    tsamp_chain_free(c);

    c = new_chain(3, 1, TSAMP_ISA_AUTO);
    tsamp_logit_bias b[] = {{0, FLT_MAX}, {1, -FLT_MAX}, {1, -FLT_MAX}, {2, FLT_MAX}};
    CHECK(tsamp_chain_add_logit_bias(c, b, 4) == TSAMP_OK);
    CHECK(tsamp_chain_distribution(c, x, ids, probs, 3, &nk) == TSAMP_OK);
    CHECK(nk == 3 && probs[0] == 0.5f && probs[2] == 0.5f && probs[1] == 0.0f);
    tsamp_chain_free(c);

    /* DRY with a penalty beyond float: saturated, the token keeps weight 0 but stays. */
    c = new_chain(3, 1, TSAMP_ISA_AUTO);
    CHECK(tsamp_chain_add_dry(c, 1e30f, 1e30f, 0, 16, NULL, NULL, 0) == TSAMP_OK);
    for (int i = 0; i < 6; i++) tsamp_chain_accept(c, i % 2);
    const float z[] = {1.0f, 1.0f, 1.0f};
    CHECK(tsamp_chain_distribution(c, z, ids, probs, 3, &nk) == TSAMP_OK);
    CHECKF(nk == 3 && probs[2] == 1.0f, "kept %zu, p2 %g", nk, (double)probs[2]);
    tsamp_chain_free(c);
}

/* DRY's scratch returns to zeros after every run, so a saved state depends on the accepted
 * tokens only: a history shorter than last_n left the repeat lengths in it (found by the
 * speculative fuzz target, where verifying changed the draft chain's state). */
static void test_proc_edits_dry_scratch_cleared(void) {
    const float x[8] = {0.5f, 1.0f, 0.0f, 2.0f, 1.5f, 0.25f, 1.0f, 3.0f};
    tsamp_chain *a = new_chain(8, 1, TSAMP_ISA_AUTO), *b = new_chain(8, 1, TSAMP_ISA_AUTO);
    unsigned char sa[1200], sb[1200];
    size_t la = 0, lb = 0;
    int32_t t = -1;
    if (!a || !b) goto done;
    CHECK(tsamp_chain_parse(a, "dry=0.8,1.75,2,32") == TSAMP_OK);
    CHECK(tsamp_chain_parse(b, "dry=0.8,1.75,2,32") == TSAMP_OK);
    for (int i = 0; i < 5; i++) {
        CHECK(tsamp_chain_accept(a, i % 3) == TSAMP_OK);
        CHECK(tsamp_chain_accept(b, i % 3) == TSAMP_OK);
    }
    CHECK(tsamp_chain_sample(a, x, &t) == TSAMP_OK); /* a run over 5 < 32 tokens of history */
    CHECK(tsamp_chain_save_state(a, sa, sizeof sa, &la) == TSAMP_OK);
    CHECK(tsamp_chain_save_state(b, sb, sizeof sb, &lb) == TSAMP_OK);
    CHECKF(la == lb && memcmp(sa, sb, la) == 0, "a run changed the saved state (%zu, %zu bytes)",
           la, lb);
done:
    tsamp_chain_free(a);
    tsamp_chain_free(b);
}

static void test_proc_edits_dry_hand(void) {
    const float x[10] = {0};
    const int32_t all[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    double a[10] = {0};
    /* 0 1 2 3 7 8 0 1 2: the end "0 1 2" occurred before, followed by 3: length 3. */
    const int32_t h[] = {0, 1, 2, 3, 7, 8, 0, 1, 2};
    rp p[1] = {DRY(1.0f, 2.0f, 2, 64)};
    a[3] = -2.0; /* 1 * 2^(3 - 2) */
    expect("dry length 3", x, 10, p, 1, h, 9, all, a, 10);
    /* A two-token breaker "8 0" cuts the repeat to the 2 tokens after it: 2^0. */
    const int32_t b80[] = {8, 0}, b85[] = {8, 5}, b3[] = {3};
    dry_breaker(&p[0], b80, 2);
    a[3] = -1.0;
    expect("dry breaker 8 0", x, 10, p, 1, h, 9, all, a, 10);
    /* A breaker that does not occur changes nothing. */
    p[0] = DRY(1.0f, 2.0f, 2, 64);
    dry_breaker(&p[0], b85, 2);
    a[3] = -2.0;
    expect("dry breaker 8 5 absent", x, 10, p, 1, h, 9, all, a, 10);
    /* A one-token breaker is never penalized itself. */
    p[0] = DRY(1.0f, 2.0f, 2, 64);
    dry_breaker(&p[0], b3, 1);
    a[3] = 0.0;
    expect("dry target is a breaker", x, 10, p, 1, h, 9, all, a, 10);
    /* allowed_length 3: length 3 is penalized with 2^0; 4: none. */
    p[0] = DRY(1.0f, 2.0f, 3, 64);
    a[3] = -1.0;
    expect("dry allowed 3", x, 10, p, 1, h, 9, all, a, 10);
    p[0] = DRY(1.0f, 2.0f, 4, 64);
    a[3] = 0.0;
    expect("dry allowed 4", x, 10, p, 1, h, 9, all, a, 10);
    /* The window: last 5 tokens "7 8 0 1 2" hold no repeat. */
    p[0] = DRY(1.0f, 2.0f, 2, 5);
    expect("dry window 5", x, 10, p, 1, h, 9, all, a, 10);
    /* No-op values. */
    p[0] = DRY(0.0f, 2.0f, 2, 64);
    expect("dry multiplier 0", x, 10, p, 1, h, 9, all, a, 10);
    p[0] = DRY(1.0f, 0.99f, 2, 64);
    expect("dry base < 1", x, 10, p, 1, h, 9, all, a, 10);
    p[0] = DRY(1.0f, 2.0f, 2, 0);
    expect("dry last_n 0", x, 10, p, 1, h, 9, all, a, 10);
    /* allowed 0: every token that followed anything in the window is a target. */
    const int32_t h2[] = {0, 1, 0, 1, 0};
    p[0] = DRY(0.5f, 2.0f, 0, 64);
    /* tokens newest first: 0 1 0 1 0. k = 1: z = 0 -> token h[0] = 0, len 0.
     * k = 2: z = 3 (0 1 0) -> token h[1] = 1, len 3. k = 3: z = 0 -> token 0 (h[2]), len 0.
     * k = 4: z = 1 -> token h[3] = 1, len 1. So 1: 0.5 * 2^3 = 4, 0: 0.5 * 2^0 = 0.5. */
    expect("dry allowed 0", x, 10, p, 1, h2, 5, all,
           (double[]){-0.5, -4.0, 0, 0, 0, 0, 0, 0, 0, 0}, 10);
    /* The exponent cap: base 1e10 -> max exponent (int)(88.72 / 23.03) = 3. A repeat of 8
     * beyond allowed 0 would be 1e80: capped at 1e30. */
    const int32_t h3[] = {5, 0, 1, 2, 3, 4, 5, 6, 7, 9, 0, 1, 2, 3, 4, 5, 6, 7};
    p[0] = DRY(1e-30f, 1e10f, 0, 64);
    double b[10] = {0};
    b[9] = -1.0; /* 1e-30 * (1e10)^3; the other tokens of the window lose 1e-30: nothing */
    expect("dry exponent cap", x, 10, p, 1, h3, 18, all, b, 10);
}

static void test_proc_edits_logit_bias_hand(void) {
    const float x[] = {1.0f, 2.0f, 3.0f, NINF};
    tsamp_logit_bias b[] = {{0, 2.0f}, {2, NINF}, {0, 0.5f}, {3, 5.0f}, {1, 0.0f}};
    rp p[2] = {BIAS(b, 5)};
    expect("bias", x, 4, p, 1, NULL, 0, (const int32_t[]){0, 1}, (double[]){3.5, 2.0}, 2);
    /* After top-k 1, only token 2 remains: its bias masks it: ALL_MASKED. */
    p[0] = TOPK(1);
    p[1] = BIAS(b, 5);
    tally t = {0};
    check_case(x, 4, p, 2, NULL, 0, 0, "bias masks the last", &t);
    CHECK(t.all_masked == 1);
    /* Not a candidate: no effect; no entries: no-op. */
    tsamp_logit_bias b2[] = {{3, 100.0f}};
    p[0] = BIAS(b2, 1);
    expect("bias on masked", x, 4, p, 1, NULL, 0, (const int32_t[]){0, 1, 2},
           (double[]){1, 2, 3}, 3);
    p[0] = BIAS(NULL, 0);
    expect("bias empty", x, 4, p, 1, NULL, 0, (const int32_t[]){0, 1, 2}, (double[]){1, 2, 3}, 3);
    /* Temperature first: the bias adds to the scaled logits (x / 0.5 + 1). */
    tsamp_logit_bias b3[] = {{0, 1.0f}};
    p[0] = TEMP(0.5f);
    p[1] = BIAS(b3, 1);
    expect("bias after temp", x, 4, p, 2, NULL, 0, (const int32_t[]){0, 1, 2},
           (double[]){3, 4, 6}, 3);
}

static void test_proc_edits_ngram_hand(void) {
    const float x[10] = {0};
    const int32_t all[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    double a[10] = {0};
    const int32_t h[] = {1, 2, 3, 1, 2};
    rp p[1] = {NGRAM(3, 64)}; /* (1, 2) was followed by 3 */
    expect("ngram 3", x, 10, p, 1, h, 5, (const int32_t[]){0, 1, 2, 4, 5, 6, 7, 8, 9}, a, 9);
    p[0] = NGRAM(2, 64); /* (2) was followed by 3 */
    expect("ngram 2", x, 10, p, 1, h, 5, (const int32_t[]){0, 1, 2, 4, 5, 6, 7, 8, 9}, a, 9);
    p[0] = NGRAM(1, 64); /* every token seen: 1, 2, 3 */
    expect("ngram 1", x, 10, p, 1, h, 5, (const int32_t[]){0, 4, 5, 6, 7, 8, 9}, a, 7);
    p[0] = NGRAM(4, 64); /* (3, 1, 2) never occurred before */
    expect("ngram 4", x, 10, p, 1, h, 5, all, a, 10);
    p[0] = NGRAM(6, 64); /* fewer than n - 1 tokens: nothing */
    expect("ngram 6", x, 10, p, 1, h, 5, all, a, 10);
    /* The window: with last_n 3 the n-gram (1 2 3) at the start is forgotten... */
    const int32_t h2[] = {1, 2, 3, 9, 1, 2};
    p[0] = NGRAM(3, 3);
    expect("ngram window 3", x, 10, p, 1, h2, 6, all, a, 10);
    p[0] = NGRAM(3, 6); /* ... and with 6 it is inside. */
    expect("ngram window 6", x, 10, p, 1, h2, 6, (const int32_t[]){0, 1, 2, 4, 5, 6, 7, 8, 9},
           a, 9);
    p[0] = NGRAM(3, 2); /* last_n < n: no-op */
    expect("ngram window < n", x, 10, p, 1, h2, 6, all, a, 10);
    /* Several earlier occurrences: every follower is banned; overlapping ones too. */
    const int32_t h3[] = {5, 5, 5, 6, 5, 7, 5};
    p[0] = NGRAM(2, 64); /* (5) was followed by 5, 6, 7 */
    expect("ngram followers", x, 10, p, 1, h3, 7, (const int32_t[]){0, 1, 2, 3, 4, 8, 9}, a, 7);
    /* Every candidate banned: ALL_MASKED. */
    const float y[] = {0.0f, 1.0f};
    const int32_t h4[] = {0, 1, 0, 0};
    p[0] = NGRAM(2, 64); /* (0) was followed by 1 and 0 */
    tally t = {0};
    check_case(y, 2, p, 1, h4, 4, 4, "ngram bans all", &t);
    CHECK(t.all_masked == 1);
}

static void test_proc_edits_masks_hand(void) {
    const float x[] = {1.0f, 2.0f, 3.0f, 4.0f, NINF, 0.0f};
    rp p[2];
    const int32_t allow[] = {5, 1, 4, 1, 3};
    p[0] = LIST(RP_ALLOW, allow, 5); /* unsorted, duplicated, a masked id */
    expect("allow", x, 6, p, 1, NULL, 0, (const int32_t[]){1, 3, 5}, (double[]){2, 4, 0}, 3);
    p[0] = TOPK(2);
    p[1] = LIST(RP_ALLOW, allow, 5);
    expect("top_k then allow", x, 6, p, 2, NULL, 0, (const int32_t[]){3}, (double[]){4}, 1);
    p[0] = LIST(RP_ALLOW, NULL, 0);
    tally t = {0};
    check_case(x, 6, p, 1, NULL, 0, 0, "allow nothing", &t);
    CHECK(t.all_masked == 1);
    p[0] = LIST(RP_DENY, allow, 5);
    expect("deny", x, 6, p, 1, NULL, 0, (const int32_t[]){0, 2}, (double[]){1, 3}, 2);
    p[0] = LIST(RP_DENY, NULL, 0);
    expect("deny nothing", x, 6, p, 1, NULL, 0, (const int32_t[]){0, 1, 2, 3, 5},
           (double[]){1, 2, 3, 4, 0}, 5);
    p[0] = CALLBACK(2, 1); /* masks the odd ids */
    expect("callback", x, 6, p, 1, NULL, 0, (const int32_t[]){0, 2}, (double[]){1, 3}, 2);
    p[0] = CALLBACK(1, 0); /* masks everything */
    memset(&t, 0, sizeof t);
    check_case(x, 6, p, 1, NULL, 0, 0, "callback masks all", &t);
    CHECK(t.all_masked == 1);
    /* min-length: masked while the position is below 3. */
    p[0] = MINLEN(3, 3);
    const int32_t h[] = {0, 1};
    expect("min_length at 2", x, 6, p, 1, h, 2, (const int32_t[]){0, 1, 2, 5},
           (double[]){1, 2, 3, 0}, 4);
    const int32_t h3[] = {0, 1, 2};
    expect("min_length at 3", x, 6, p, 1, h3, 3, (const int32_t[]){0, 1, 2, 3, 5},
           (double[]){1, 2, 3, 4, 0}, 5);
    p[0] = MINLEN(3, 0);
    expect("min_length 0", x, 6, p, 1, NULL, 0, (const int32_t[]){0, 1, 2, 3, 5},
           (double[]){1, 2, 3, 4, 0}, 5);
    p[0] = TEMP(0.0f); /* greedy leaves only 3, which min-length masks */
    p[1] = MINLEN(3, 10);
    memset(&t, 0, sizeof t);
    check_case(x, 6, p, 2, NULL, 0, 0, "min_length masks the last", &t);
    CHECK(t.all_masked == 1);
}

/* The callback sees only the current candidates, in id order: few after a top-k. */
static void test_proc_edits_callback_sees_candidates(void) {
    enum { N = 50000 };
    float *x = malloc(N * sizeof *x);
    tu_rng r = {99};
    for (size_t i = 0; i < N; i++) x[i] = (float)tu_normal(&r);
    x[17] = NINF;
    rp p[2] = {CALLBACK(7, 3)};
    tsamp_chain *c = build_chain(N, p, 1, NULL, 0, 1, TSAMP_ISA_AUTO);
    int32_t tok;
    CHECK(tsamp_chain_sample(c, x, &tok) == TSAMP_OK && tok % 7 != 3);
    CHECKF(p[0].cb.calls == 1 && p[0].cb.seen == N - 1, "calls %zu seen %zu", p[0].cb.calls,
           p[0].cb.seen);
    tsamp_chain_free(c);
    p[0] = TOPK(40);
    p[1] = CALLBACK(7, 3);
    c = build_chain(N, p, 2, NULL, 0, 1, TSAMP_ISA_AUTO);
    CHECK(tsamp_chain_sample(c, x, &tok) == TSAMP_OK && tok % 7 != 3);
    CHECKF(p[1].cb.calls == 1 && p[1].cb.seen == 40, "calls %zu seen %zu", p[1].cb.calls,
           p[1].cb.seen);
    tsamp_chain *d = NULL;
    CHECK(tsamp_chain_clone(c, &d) == TSAMP_OK); /* clones share fn and user */
    int32_t tok2;
    CHECK(tsamp_chain_sample(d, x, &tok2) == TSAMP_OK && tok2 == tok && p[1].cb.calls == 2);
    tsamp_chain_free(c);
    tsamp_chain_free(d);
    free(x);
}

/* ---- random cases ----------------------------------------------------------------------- */

enum { HIST_MAX = 200 };

static double unif(tu_rng *r, double lo, double hi) { return lo + (hi - lo) * tu_unif(r); }

static size_t gen_vocab(tu_rng *r) {
    switch (tu_below(r, 8)) {
    case 0: return 1 + tu_below(r, 4);
    case 1: return 1000 + tu_below(r, 2000);
    default: return 2 + tu_below(r, 300);
    }
}

/* Normal, tied, few-level, heavy-tailed and large logits; some masked. */
static void gen_logits(tu_rng *r, float *x, size_t n) {
    unsigned shape = (unsigned)tu_below(r, 5);
    double sigma = unif(r, 0.5, 5.0), off = tu_below(r, 2) ? unif(r, -20.0, 20.0) : 0.0;
    size_t levels = 1 + tu_below(r, 4);
    for (size_t i = 0; i < n; i++) {
        double v;
        switch (shape) {
        case 0: v = off + sigma * tu_normal(r); break;
        case 1: v = round(2.0 * sigma * tu_normal(r)) / 2.0; break;
        case 2: v = (double)tu_below(r, levels); break;
        case 3: v = off + sigma * log(tu_unif(r) + 1e-12); break;
        default: v = 1000.0 * tu_normal(r); break;
        }
        x[i] = (float)v;
    }
    if (tu_below(r, 4) == 0) {
        double frac = unif(r, 0.0, 0.8);
        for (size_t i = 0; i < n; i++)
            if (tu_unif(r) < frac) x[i] = NINF;
    }
    size_t finite = 0;
    for (size_t i = 0; i < n; i++) finite += x[i] != NINF;
    if (!finite) x[tu_below(r, n)] = 0.0f;
}

/* Histories with repeats: a few letters (often among the largest logits, so that they are
 * candidates), and segments copied from earlier in the history. */
static size_t gen_history(tu_rng *r, const float *x, size_t n, int32_t *h) {
    size_t len = tu_below(r, 8) == 0 ? tu_below(r, 6) : tu_below(r, HIST_MAX + 1);
    size_t alpha = 1 + tu_below(r, n < 12 ? n : 12);
    int32_t letters[12];
    for (size_t i = 0; i < alpha; i++) {
        size_t best = tu_below(r, n);
        for (size_t tries = tu_below(r, 2) ? 0 : 20; tries > 0; tries--) {
            size_t j = tu_below(r, n);
            if (x[j] > x[best]) best = j;
        }
        letters[i] = (int32_t)best;
    }
    size_t i = 0;
    while (i < len) {
        if (i > 2 && tu_below(r, 3) == 0) {
            size_t start = tu_below(r, i), seg = 1 + tu_below(r, 8);
            for (size_t j = 0; j < seg && i < len; j++, i++) h[i] = h[start + j];
        } else {
            h[i++] = letters[tu_below(r, alpha)];
        }
    }
    return len;
}

static int32_t pick(tu_rng *r, const int32_t *h, size_t len, size_t n) {
    return len && tu_below(r, 2) ? h[tu_below(r, len)] : (int32_t)tu_below(r, n);
}

static int32_t gen_last_n(tu_rng *r) {
    static const int32_t v[] = {0, 1, 2, 3, 5, 8, 16, 32, 64, 1000};
    return v[tu_below(r, COUNT(v))];
}

static rp gen_proc(tu_rng *r, rp_kind kind, const float *x, size_t n, const int32_t *h,
                   size_t len) {
    rp p = rp_of(kind);
    switch (kind) {
    case RP_PEN: {
        static const float reps[] = {1.0f, 1.1f, 1.3f, 2.0f, 0.7f, 50.0f};
        p.last_n = gen_last_n(r);
        p.repeat = tu_below(r, 3) ? reps[tu_below(r, COUNT(reps))] : (float)unif(r, 0.5, 3.0);
        p.freq = tu_below(r, 3) ? 0.0f : (float)unif(r, -1.0, 2.0);
        p.present = tu_below(r, 3) ? 0.0f : (float)unif(r, -1.0, 2.0);
        if (tu_below(r, 16) == 0) p.repeat = 1.0f, p.freq = 0.0f, p.present = 0.0f;
        break;
    }
    case RP_DRY: {
        static const float mults[] = {0.8f, 1.0f, 2.5f, -0.5f};
        static const float bases[] = {1.0f, 1.1f, 1.75f, 2.0f};
        p.mult = tu_below(r, 2) ? mults[tu_below(r, COUNT(mults))] : (float)unif(r, 0.1, 3.0);
        p.base = tu_below(r, 2) ? bases[tu_below(r, COUNT(bases))] : (float)unif(r, 1.0, 2.5);
        p.allowed = (int32_t)tu_below(r, 4);
        p.last_n = 3 + (int32_t)tu_below(r, 300);
        switch (tu_below(r, 32)) { /* the no-op values, now and then */
        case 0: p.mult = 0.0f; break;
        case 1: p.base = 0.5f; break;
        case 2: p.last_n = 0; break;
        case 3: p.last_n = gen_last_n(r); break;
        default: break;
        }
        for (size_t b = tu_below(r, 4); b > 0; b--) {
            int32_t t[3];
            size_t bl = 1 + tu_below(r, 3);
            for (size_t j = 0; j < bl; j++) t[j] = pick(r, h, len, n);
            dry_breaker(&p, t, bl);
        }
        break;
    }
    case RP_BIAS:
        p.n_bias = tu_below(r, 13);
        for (size_t j = 0; j < p.n_bias; j++) {
            p.bias[j].token = pick(r, h, len, n);
            switch (tu_below(r, 8)) {
            case 0: p.bias[j].bias = NINF; break;
            case 1: p.bias[j].bias = 0.0f; break;
            case 2: p.bias[j].bias = (float)unif(r, -1e3, 1e3); break;
            default: p.bias[j].bias = (float)unif(r, -5.0, 5.0); break;
            }
        }
        break;
    case RP_NGRAM: {
        p.n = 1 + (int32_t)tu_below(r, tu_below(r, 4) ? 4 : 7);
        int32_t w[] = {p.n - 1, p.n, p.n + 2, 16, 64, 1000};
        p.last_n = w[tu_below(r, COUNT(w))];
        break;
    }
    case RP_ALLOW:
    case RP_DENY:
        p.n_list = tu_below(r, 32) == 0 ? 0 : 1 + tu_below(r, n < MAX_LIST ? n : MAX_LIST);
        for (size_t j = 0; j < p.n_list; j++) p.list[j] = pick(r, h, len, n);
        break;
    case RP_CALLBACK:
        p.cb.mod = tu_below(r, 32) == 0 ? 1u : 2u + (uint32_t)tu_below(r, 6);
        p.cb.rem = (uint32_t)tu_below(r, p.cb.mod);
        break;
    case RP_MIN_LEN: {
        size_t best = 0;
        for (size_t i = 1; i < n; i++) best = x[i] > x[best] ? i : best;
        p.eos = tu_below(r, 2) ? (int32_t)best : (int32_t)tu_below(r, n);
        uint64_t m[] = {0, len, len + 1, len + 1 + tu_below(r, 100), tu_below(r, 2 * len + 2)};
        p.min_len = m[tu_below(r, COUNT(m))];
        break;
    }
    default: break;
    }
    return p;
}

/* Temperature and top-k stages before and after the processors under test. */
static rp gen_stage(tu_rng *r, size_t n) {
    if (tu_below(r, 2)) return TOPK(1 + (int32_t)tu_below(r, n + 2));
    return TEMP(tu_below(r, 40) == 0 ? 0.0f : (float)unif(r, 0.3, 3.0));
}

static const rp_kind EDIT_KINDS[] = {RP_PEN,   RP_DRY,  RP_BIAS,     RP_NGRAM,
                                     RP_ALLOW, RP_DENY, RP_CALLBACK, RP_MIN_LEN};

/* One random case for `kind` (or a mix of them when kind is RP_TEMP), from its seed. */
static int random_case(rp_kind kind, uint64_t seed, tally *t) {
    tu_rng r = {seed};
    size_t n = gen_vocab(&r);
    float *x = malloc(n * sizeof *x);
    int32_t h[HIST_MAX];
    if (!x) return 0;
    gen_logits(&r, x, n);
    size_t len = gen_history(&r, x, n, h);
    rp p[6];
    size_t np = 0;
    if (tu_below(&r, 2)) p[np++] = gen_stage(&r, n);
    if (tu_below(&r, 4) == 0) p[np++] = gen_stage(&r, n);
    if (kind == RP_TEMP) { /* a mix */
        for (size_t k = 1 + tu_below(&r, 3); k > 0; k--)
            p[np++] = gen_proc(&r, EDIT_KINDS[tu_below(&r, COUNT(EDIT_KINDS))], x, n, h, len);
    } else {
        p[np++] = gen_proc(&r, kind, x, n, h, len);
    }
    if (tu_below(&r, 2)) p[np++] = gen_stage(&r, n);
    uint64_t pos = tu_below(&r, 4) ? len : tu_below(&r, 2 * len + 2);
    char label[96];
    snprintf(label, sizeof label, "%s seed 0x%llx", kind == RP_TEMP ? "mix" : RP_NAMES[kind],
             (unsigned long long)seed);
    int ok = check_case(x, n, p, np, h, len, pos, label, t);
    free(x);
    return ok;
}

enum { WANT_CASES = 1000, MAX_CASES = 1100, MAX_FAILED = 5 };

static void run_random(rp_kind kind, uint64_t seed) {
    tally t = {0};
    size_t failed = 0;
    for (uint64_t i = 0; t.cases - t.ambiguous < WANT_CASES && t.cases < MAX_CASES; i++)
        if (!random_case(kind, seed * 1000003u + i, &t) && ++failed >= MAX_FAILED) break;
    check_note("%-15s %zu cases (%zu changed a candidate), %zu ambiguous (%.2f%%), %zu all "
               "masked; max |dp| %.3g, max |dp|/bound %.3f",
               kind == RP_TEMP ? "mix" : RP_NAMES[kind], t.cases, t.touched, t.ambiguous,
               100.0 * (double)t.ambiguous / (double)t.cases, t.all_masked, t.max_abs,
               t.max_ratio);
    CHECKF(t.touched * 5 > t.cases * 2, "only %zu of %zu cases changed a candidate", t.touched,
           t.cases);
    CHECKF(t.cases - t.ambiguous >= WANT_CASES || failed >= MAX_FAILED, "only %zu unambiguous",
           t.cases - t.ambiguous);
    CHECKF(t.ambiguous * 100 < t.cases, "%zu of %zu ambiguous", t.ambiguous, t.cases);
}

static void test_proc_edits_random_penalties(void) { run_random(RP_PEN, 11); }
static void test_proc_edits_random_dry(void) { run_random(RP_DRY, 12); }
static void test_proc_edits_random_logit_bias(void) { run_random(RP_BIAS, 13); }
static void test_proc_edits_random_no_repeat_ngram(void) { run_random(RP_NGRAM, 14); }
static void test_proc_edits_random_allow(void) { run_random(RP_ALLOW, 15); }
static void test_proc_edits_random_deny(void) { run_random(RP_DENY, 16); }
static void test_proc_edits_random_callback(void) { run_random(RP_CALLBACK, 17); }
static void test_proc_edits_random_min_length(void) { run_random(RP_MIN_LEN, 18); }
static void test_proc_edits_random_mix(void) { run_random(RP_TEMP, 19); }

/* ---- decoding loops: the windows slide, states update by accept ------------------------- */

/*
 * One chain through a decoding loop: each step's distribution against the reference on the
 * history so far, then a sampled token (or, a third of the time, a token copied from a few
 * steps back, to make repeats) is accepted.
 */
static void decode_loop(const char *name, rp *p, size_t np, size_t n, size_t steps,
                        uint64_t seed) {
    tu_rng r = {seed};
    float *x = malloc(n * sizeof *x);
    int32_t *h = malloc(steps * sizeof *h);
    tsamp_chain *c = build_chain(n, p, np, NULL, 0, seed, TSAMP_ISA_AUTO);
    tally t = {0};
    size_t len = 0;
    for (size_t step = 0; x && h && c && step < steps; step++) {
        for (size_t i = 0; i < n; i++) x[i] = (float)(2.0 * tu_normal(&r));
        char label[64];
        snprintf(label, sizeof label, "%s step %zu", name, step);
        if (!compare(c, x, n, p, np, h, len, len, label, &t)) break;
        int32_t tok = -1;
        if (len >= 6 && tu_below(&r, 3) == 0) {
            tok = h[len - 2 - tu_below(&r, 5)];
        } else if (tsamp_chain_sample(c, x, &tok) != TSAMP_OK) {
            tok = (int32_t)tu_below(&r, n); /* everything masked: go on with any token */
        }
        CHECK(tsamp_chain_accept(c, tok) == TSAMP_OK);
        h[len++] = tok;
    }
    check_note("%-26s %zu steps (%zu edited), %zu ambiguous, %zu all masked, max |dp|/bound "
               "%.3f", name, t.cases, t.touched, t.ambiguous, t.all_masked, t.max_ratio);
    CHECK(t.cases == steps);
    tsamp_chain_free(c);
    free(x);
    free(h);
}

static void test_proc_edits_decode_loops(void) {
    rp p[4];
    p[0] = PEN(8, 1.5f, 0.3f, 0.2f);
    decode_loop("penalties 8", p, 1, 30, 300, 1);
    p[0] = PEN(1, 3.0f, 0.0f, 1.0f);
    decode_loop("penalties 1", p, 1, 30, 200, 2);
    p[0] = DRY(0.8f, 1.75f, 2, 16);
    dry_breaker(&p[0], (const int32_t[]){3}, 1);
    dry_breaker(&p[0], (const int32_t[]){5, 6}, 2);
    decode_loop("dry 16", p, 1, 12, 300, 3);
    p[0] = DRY(1.0f, 1.1f, 0, 5);
    decode_loop("dry 5 allowed 0", p, 1, 12, 200, 4);
    p[0] = NGRAM(2, 6);
    decode_loop("ngram 2 window 6", p, 1, 40, 300, 5);
    p[0] = NGRAM(3, 9);
    decode_loop("ngram 3 window 9", p, 1, 12, 300, 6);
    p[0] = NGRAM(1, 3);
    decode_loop("ngram 1 window 3", p, 1, 12, 200, 7);
    p[0] = MINLEN(4, 50);
    decode_loop("min_length 50", p, 1, 12, 100, 8);
    p[0] = TOPK(8);
    p[1] = PEN(16, 1.3f, 0.1f, 0.0f);
    p[2] = NGRAM(2, 12);
    p[3] = DRY(1.0f, 1.5f, 1, 24);
    decode_loop("top_k penalties ngram dry", p, 4, 64, 300, 9);
}

/* ---- state: accept, reset, clone, set_position ------------------------------------------ */

/* Whether two chains give bitwise the same distribution and sample of x. */
static int same_output(tsamp_chain *a, tsamp_chain *b, const float *x, size_t n) {
    int32_t *ia = malloc(n * sizeof *ia), *ib = malloc(n * sizeof *ib);
    float *pa = malloc(n * sizeof *pa), *pb = malloc(n * sizeof *pb);
    size_t na = 0, nb = 0;
    int same = 0;
    if (ia && ib && pa && pb) {
        tsamp_status sa = tsamp_chain_distribution(a, x, ia, pa, n, &na);
        tsamp_status sb = tsamp_chain_distribution(b, x, ib, pb, n, &nb);
        int32_t ta = -1, tb = -2;
        tsamp_status qa = tsamp_chain_sample(a, x, &ta), qb = tsamp_chain_sample(b, x, &tb);
        same = sa == sb && qa == qb && (sa != TSAMP_OK || (na == nb && !memcmp(ia, ib, na * 4) &&
                                                          !memcmp(pa, pb, na * sizeof *pa))) &&
               (qa != TSAMP_OK || ta == tb);
    }
    free(ia), free(ib), free(pa), free(pb);
    return same;
}

static void fill_normal(tu_rng *r, float *x, size_t n, double sigma) {
    for (size_t i = 0; i < n; i++) x[i] = (float)(sigma * tu_normal(r));
}

static void test_proc_edits_state(void) {
    enum { N = 64, LEN = 40 };
    tu_rng r = {4242};
    float x[N];
    int32_t h[LEN + 20];
    for (size_t i = 0; i < LEN + 20; i++)
        h[i] = i < 6 ? (int32_t)tu_below(&r, N) : h[i - 1 - tu_below(&r, 5)];
    tsamp_logit_bias b[] = {{1, 2.0f}, {2, -1.0f}};
    rp p[6] = {PEN(16, 1.3f, 0.2f, 0.1f), DRY(0.8f, 1.75f, 2, 32), NGRAM(3, 24),
               BIAS(b, 2), MINLEN(h[0], 45), TEMP(0.9f)};
    dry_breaker(&p[1], (const int32_t[]){h[3]}, 1);

    tsamp_chain *a = build_chain(N, p, 6, h, LEN, 1, TSAMP_ISA_AUTO);
    tsamp_chain *fresh_hist = build_chain(N, p, 6, h, LEN, 1, TSAMP_ISA_AUTO);
    tsamp_chain *b_ = NULL;
    CHECK(tsamp_chain_clone(a, &b_) == TSAMP_OK);
    size_t diffs = 0;
    for (int k = 0; k < 10; k++) {
        fill_normal(&r, x, N, 2.0);
        diffs += !same_output(a, b_, x, N);          /* a clone */
        diffs += !same_output(a, fresh_hist, x, N);  /* the same history, accepted afresh */
    }
    CHECKF(diffs == 0, "%zu differences between a chain, its clone and a rebuilt one", diffs);
    /* Both advance the same way. */
    for (size_t i = LEN; i < LEN + 20; i++) {
        CHECK(tsamp_chain_accept(a, h[i]) == TSAMP_OK && tsamp_chain_accept(b_, h[i]) == TSAMP_OK);
        fill_normal(&r, x, N, 2.0);
        diffs += !same_output(a, b_, x, N);
    }
    CHECKF(diffs == 0, "%zu differences after accepting into both", diffs);
    /* The clone is independent: accepting into it changes only it. */
    tsamp_chain *c2 = NULL;
    CHECK(tsamp_chain_clone(a, &c2) == TSAMP_OK);
    CHECK(tsamp_chain_accept(c2, h[0]) == TSAMP_OK);
    CHECK(same_output(a, b_, x, N));

    /* Reset: as a new chain (history forgotten, position 0). */
    tsamp_chain *empty = build_chain(N, p, 6, NULL, 0, 1, TSAMP_ISA_AUTO);
    CHECK(tsamp_chain_reset(a) == TSAMP_OK);
    for (int k = 0; k < 5; k++) {
        fill_normal(&r, x, N, 2.0);
        diffs += !same_output(a, empty, x, N);
    }
    CHECKF(diffs == 0, "reset chain differs from a new one (%zu)", diffs);
    /* ... and it learns again exactly as a new chain does. */
    for (size_t i = 0; i < LEN; i++) tsamp_chain_accept(a, h[i]), tsamp_chain_accept(empty, h[i]);
    CHECK(same_output(a, empty, x, N) && same_output(a, fresh_hist, x, N));

    /* set_position: history processors ignore it; min-length follows it. */
    rp q[3] = {PEN(16, 1.3f, 0.2f, 0.1f), DRY(0.8f, 1.75f, 2, 32), NGRAM(3, 24)};
    tsamp_chain *u = build_chain(N, q, 3, h, LEN, 1, TSAMP_ISA_AUTO);
    tsamp_chain *v = build_chain(N, q, 3, h, LEN, 1, TSAMP_ISA_AUTO);
    CHECK(tsamp_chain_set_position(v, 12345) == TSAMP_OK);
    int32_t iu[N], iv[N];
    float pu[N], pv[N];
    size_t nu = 0, nv = 0;
    fill_normal(&r, x, N, 2.0);
    CHECK(tsamp_chain_distribution(u, x, iu, pu, N, &nu) == TSAMP_OK);
    CHECK(tsamp_chain_distribution(v, x, iv, pv, N, &nv) == TSAMP_OK);
    CHECK(nu == nv && !memcmp(iu, iv, nu * 4) && !memcmp(pu, pv, nu * sizeof *pu));
    rp m[1] = {MINLEN(7, 100)};
    tsamp_chain *w = build_chain(N, m, 1, NULL, 0, 1, TSAMP_ISA_AUTO);
    for (size_t i = 0; i < N; i++) x[i] = i == 7 ? 50.0f : 0.0f;
    CHECK(tsamp_chain_set_position(w, 99) == TSAMP_OK);
    CHECK(tsamp_chain_distribution(w, x, iu, pu, N, &nu) == TSAMP_OK && nu == N - 1);
    CHECK(tsamp_chain_set_position(w, 100) == TSAMP_OK);
    CHECK(tsamp_chain_distribution(w, x, iu, pu, N, &nu) == TSAMP_OK && nu == N);

    /* Tokens accepted before a processor is added are not in its history. */
    tsamp_chain *late = new_chain(N, 1, TSAMP_ISA_AUTO), *none = new_chain(N, 1, TSAMP_ISA_AUTO);
    for (size_t i = 0; i < LEN; i++) tsamp_chain_accept(late, h[i]);
    CHECK(tsamp_chain_add_penalties(late, 64, 2.0f, 1.0f, 1.0f) == TSAMP_OK);
    CHECK(tsamp_chain_add_no_repeat_ngram(late, 1, 64) == TSAMP_OK);
    CHECK(tsamp_chain_add_dry(late, 1.0f, 2.0f, 0, 64, NULL, NULL, 0) == TSAMP_OK);
    fill_normal(&r, x, N, 2.0);
    CHECK(tsamp_chain_set_position(none, LEN) == TSAMP_OK);
    CHECK(same_output(late, none, x, N));
    tsamp_chain_free(a), tsamp_chain_free(b_), tsamp_chain_free(c2), tsamp_chain_free(empty);
    tsamp_chain_free(fresh_hist), tsamp_chain_free(u), tsamp_chain_free(v), tsamp_chain_free(w);
    tsamp_chain_free(late), tsamp_chain_free(none);
}

/*
 * tsamp_chain_load_state takes any processor-state bytes that carry a valid checksum: the
 * processors must then neither crash nor hang (their results are then unspecified). The
 * states are overwritten with random bytes, the checksum recomputed, and the chain run.
 */
static uint64_t get_le64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

static void test_proc_edits_corrupted_state(void) {
    enum { N = 300 };
    tu_rng r = {777};
    float x[N];
    int32_t h[80];
    for (size_t i = 0; i < 80; i++) h[i] = i < 4 ? (int32_t)tu_below(&r, N) : h[i - 1 - tu_below(&r, 3)];
    rp p[8] = {PEN(16, 1.3f, 0.2f, 0.1f), DRY(0.8f, 1.75f, 1, 32), NGRAM(2, 24), NGRAM(1, 8),
               CALLBACK(3, 0), MINLEN(1, 5), TOPK(50), PEN(4, 2.0f, 0.0f, 0.0f)};
    dry_breaker(&p[1], (const int32_t[]){h[2]}, 1);
    tsamp_chain *c = build_chain(N, p, 8, h, 80, 3, TSAMP_ISA_AUTO);
    size_t len = 0;
    if (!c || tsamp_chain_save_state(c, NULL, 0, &len) != TSAMP_ERR_BUFFER_TOO_SMALL) {
        CHECK(0);
        tsamp_chain_free(c);
        return;
    }
    unsigned char *buf = malloc(len), *bad = malloc(len);
    CHECK(buf && bad && tsamp_chain_save_state(c, buf, len, &len) == TSAMP_OK);
    size_t loaded = 0;
    for (int trial = 0; buf && bad && trial < 40; trial++) {
        memcpy(bad, buf, len);
        size_t off = 64 + 4 * (size_t)get_le64(buf + 56); /* after the header and history */
        while (off + 16 <= len - 8) {                    /* each processor's state bytes */
            size_t ss = (size_t)get_le64(bad + off + 8);
            off += 16;
            for (size_t i = 0; i < ss && off + i < len - 8; i++) {
                unsigned mode = (unsigned)(trial % 4);
                bad[off + i] = mode == 0   ? (unsigned char)tu_next(&r)
                               : mode == 1 ? 0xff
                               : mode == 2 ? (unsigned char)(i % 8 == 0 ? tu_next(&r) : 0)
                                           : (unsigned char)(tu_below(&r, 8) ? bad[off + i]
                                                                            : tu_next(&r));
            }
            off += ss;
        }
        uint64_t sum = XXH3_64bits(bad, len - 8);
        for (int i = 0; i < 8; i++) bad[len - 8 + (size_t)i] = (unsigned char)(sum >> (8 * i));
        if (tsamp_chain_load_state(c, bad, len) != TSAMP_OK) continue;
        loaded++;
        for (int step = 0; step < 5; step++) {
            fill_normal(&r, x, N, 2.0);
            int32_t tok = 0;
            tsamp_status st = tsamp_chain_sample(c, x, &tok);
            CHECK(st == TSAMP_OK || st == TSAMP_ERR_ALL_MASKED);
            CHECK(st != TSAMP_OK || (tok >= 0 && tok < N));
            tsamp_chain_accept(c, st == TSAMP_OK ? tok : 0);
        }
    }
    check_note("%zu corrupted states loaded and run", loaded);
    CHECK(loaded > 0);
    free(buf), free(bad);
    tsamp_chain_free(c);
}

/* ---- statuses --------------------------------------------------------------------------- */

static void test_proc_edits_statuses(void) {
    tsamp_chain *c = new_chain(100, 0, TSAMP_ISA_AUTO);
    const int32_t ok_ids[] = {1, 2}, bad_ids[] = {1, 100}, neg_ids[] = {-1};
    const size_t lens[] = {2}, zero_len[] = {0}, long_len[] = {TSAMP_DRY_MAX_BREAKER_LEN + 1};
    int32_t many[TSAMP_DRY_MAX_BREAKER_LEN + 1] = {0};
    tsamp_logit_bias lb_ok[] = {{3, 1.0f}}, lb_vocab[] = {{100, 1.0f}}, lb_neg[] = {{-1, 1.0f}},
                     lb_nan[] = {{3, NAN}}, lb_inf[] = {{3, INFINITY}};
    /* NULL chain */
    CHECK(tsamp_chain_add_penalties(NULL, 64, 1.1f, 0, 0) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_add_dry(NULL, 1, 2, 2, 64, NULL, NULL, 0) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_add_logit_bias(NULL, lb_ok, 1) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_add_no_repeat_ngram(NULL, 3, 64) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_add_allow(NULL, ok_ids, 2) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_add_deny(NULL, ok_ids, 2) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_add_mask_callback(NULL, test_mask_fn, NULL) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_add_min_length(NULL, 1, 5) == TSAMP_ERR_NULL);
    /* NULL lists with entries, NULL callback */
    CHECK(tsamp_chain_add_dry(c, 1, 2, 2, 64, NULL, lens, 1) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_add_dry(c, 1, 2, 2, 64, ok_ids, NULL, 1) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_add_logit_bias(c, NULL, 1) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_add_allow(c, NULL, 1) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_add_deny(c, NULL, 1) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_add_mask_callback(c, NULL, NULL) == TSAMP_ERR_NULL);
    /* penalties domain */
    CHECK(tsamp_chain_add_penalties(c, -1, 1.1f, 0, 0) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_penalties(c, INT32_MIN, 1.1f, 0, 0) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_penalties(c, 64, 0.0f, 0, 0) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_penalties(c, 64, -1.0f, 0, 0) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_penalties(c, 64, NAN, 0, 0) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_penalties(c, 64, INFINITY, 0, 0) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_penalties(c, 64, 1.1f, NAN, 0) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_penalties(c, 64, 1.1f, -INFINITY, 0) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_penalties(c, 64, 1.1f, 0, NAN) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_penalties(c, 64, 1.1f, 0, INFINITY) == TSAMP_ERR_INVALID_PARAM);
    /* DRY domain */
    CHECK(tsamp_chain_add_dry(c, NAN, 2, 2, 64, NULL, NULL, 0) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_dry(c, INFINITY, 2, 2, 64, NULL, NULL, 0) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_dry(c, 1, NAN, 2, 64, NULL, NULL, 0) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_dry(c, 1, INFINITY, 2, 64, NULL, NULL, 0) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_dry(c, 1, 2, -1, 64, NULL, NULL, 0) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_dry(c, 1, 2, 2, -1, NULL, NULL, 0) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_dry(c, 1, 2, 2, 64, ok_ids, zero_len, 1) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_dry(c, 1, 2, 2, 64, many, long_len, 1) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_dry(c, 1, 2, 2, 64, bad_ids, lens, 1) == TSAMP_ERR_VOCAB);
    CHECK(tsamp_chain_add_dry(c, 1, 2, 2, 64, neg_ids, (const size_t[]){1}, 1) == TSAMP_ERR_VOCAB);
    /* logit bias */
    CHECK(tsamp_chain_add_logit_bias(c, lb_vocab, 1) == TSAMP_ERR_VOCAB);
    CHECK(tsamp_chain_add_logit_bias(c, lb_neg, 1) == TSAMP_ERR_VOCAB);
    CHECK(tsamp_chain_add_logit_bias(c, lb_nan, 1) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_logit_bias(c, lb_inf, 1) == TSAMP_ERR_INVALID_PARAM);
    /* n-gram */
    CHECK(tsamp_chain_add_no_repeat_ngram(c, 0, 64) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_no_repeat_ngram(c, -3, 64) == TSAMP_ERR_INVALID_PARAM);
    CHECK(tsamp_chain_add_no_repeat_ngram(c, 3, -1) == TSAMP_ERR_INVALID_PARAM);
    /* lists, min-length */
    CHECK(tsamp_chain_add_allow(c, bad_ids, 2) == TSAMP_ERR_VOCAB);
    CHECK(tsamp_chain_add_deny(c, neg_ids, 1) == TSAMP_ERR_VOCAB);
    CHECK(tsamp_chain_add_min_length(c, 100, 5) == TSAMP_ERR_VOCAB);
    CHECK(tsamp_chain_add_min_length(c, -1, 5) == TSAMP_ERR_VOCAB);
    CHECK(tsamp_chain_n_processors(c) == 0); /* every error left the chain unchanged */
    /* Edge values with documented meanings are accepted. */
    CHECK(tsamp_chain_add_penalties(c, 0, 1.0f, 0, 0) == TSAMP_OK);
    CHECK(tsamp_chain_add_penalties(c, 64, FLT_MAX, -FLT_MAX, FLT_MAX) == TSAMP_OK);
    CHECK(tsamp_chain_add_dry(c, 0, 0, 0, 0, NULL, NULL, 0) == TSAMP_OK);
    CHECK(tsamp_chain_add_dry(c, -1, -5, 0, 1, many, (const size_t[]){TSAMP_DRY_MAX_BREAKER_LEN}, 1) == TSAMP_OK);
    CHECK(tsamp_chain_add_logit_bias(c, NULL, 0) == TSAMP_OK);
    CHECK(tsamp_chain_add_logit_bias(c, (tsamp_logit_bias[]){{99, NINF}}, 1) == TSAMP_OK);
    CHECK(tsamp_chain_add_no_repeat_ngram(c, INT32_MAX, 0) == TSAMP_OK);
    CHECK(tsamp_chain_add_allow(c, NULL, 0) == TSAMP_OK);
    CHECK(tsamp_chain_add_deny(c, NULL, 0) == TSAMP_OK);
    CHECK(tsamp_chain_add_min_length(c, 99, UINT64_MAX) == TSAMP_OK);
    CHECK(tsamp_chain_n_processors(c) == 10);
    /* The allow-list allows nothing: ALL_MASKED, nothing written. */
    float x[100] = {0};
    int32_t tok = -7;
    CHECK(tsamp_chain_sample(c, x, &tok) == TSAMP_ERR_ALL_MASKED && tok == -7);
    tsamp_chain_free(c);
}

/* ---- memory ----------------------------------------------------------------------------- */

typedef struct {
    size_t allocs, frees, fail_at;
} counting;

static void *count_alloc(void *ctx, size_t size) {
    counting *k = ctx;
    if (++k->allocs == k->fail_at) return NULL;
    return malloc(size);
}

static void count_free(void *ctx, void *ptr) {
    counting *k = ctx;
    k->frees++;
    free(ptr);
}

static tsamp_chain *counted_chain(size_t n, counting *k) {
    tsamp_chain_params p = tsamp_chain_default_params();
    p.allocator.alloc = count_alloc, p.allocator.free = count_free, p.allocator.ctx = k;
    tsamp_chain *c = NULL;
    CHECK(tsamp_chain_create(&c, n, &p) == TSAMP_OK);
    return c;
}

static cb_user shared_cb = {3, 1, 0, 0};

static tsamp_status add_one(tsamp_chain *c, int which) {
    static const int32_t brk[] = {1, 2, 3, 4};
    static const size_t lens[] = {1, 3};
    static const tsamp_logit_bias lb[] = {{5, 1.0f}, {6, NINF}};
    static const int32_t ids[] = {9, 3, 5, 3};
    switch (which) {
    case 0: return tsamp_chain_add_penalties(c, 64, 1.1f, 0.1f, 0.1f);
    case 1: return tsamp_chain_add_dry(c, 0.8f, 1.75f, 2, 128, brk, lens, 2);
    case 2: return tsamp_chain_add_logit_bias(c, lb, 2);
    case 3: return tsamp_chain_add_no_repeat_ngram(c, 3, 256);
    case 4: return tsamp_chain_add_allow(c, ids, 4);
    case 5: return tsamp_chain_add_deny(c, ids, 4);
    case 6: return tsamp_chain_add_mask_callback(c, test_mask_fn, &shared_cb);
    default: return tsamp_chain_add_min_length(c, 7, 10);
    }
}

/* NOMEM at each allocation an add makes: the chain is unchanged and still works. */
static void test_proc_edits_nomem(void) {
    float x[50];
    tu_rng r = {5};
    fill_normal(&r, x, 50, 1.0);
    for (int which = 0; which < 8; which++) {
        int added = 0;
        for (size_t j = 1; j < 16 && !added; j++) {
            counting k = {0, 0, 0};
            tsamp_chain *c = counted_chain(50, &k);
            if (!c) break;
            CHECK(tsamp_chain_add_top_k(c, 10) == TSAMP_OK);
            k.fail_at = k.allocs + j;
            tsamp_status st = add_one(c, which);
            int32_t tok;
            if (st == TSAMP_ERR_NOMEM) {
                CHECKF(tsamp_chain_n_processors(c) == 1, "processor %d: chain changed", which);
                CHECK(tsamp_chain_sample(c, x, &tok) == TSAMP_OK);
            } else {
                CHECKF(st == TSAMP_OK, "processor %d: %s", which, tsamp_status_str(st));
                CHECK(tsamp_chain_n_processors(c) == 2);
                added = 1;
            }
            tsamp_chain_free(c);
            CHECKF(k.frees == k.allocs - (k.fail_at <= k.allocs), "processor %d fail_at %zu: %zu "
                   "allocations, %zu frees", which, j, k.allocs, k.frees);
        }
        CHECKF(added, "processor %d never added", which);
    }
}

static void test_proc_edits_no_allocation_per_token(void) {
    enum { N = 32000 };
    float *x = malloc(N * sizeof *x), *probs = malloc(N * sizeof *probs);
    int32_t *ids = malloc(N * sizeof *ids), *allow = malloc(N / 2 * sizeof *allow);
    tu_rng r = {13};
    for (size_t i = 0; i < N / 2; i++) allow[i] = (int32_t)(2 * i);
    for (int order = 0; order < 2; order++) {
        counting k = {0, 0, 0};
        tsamp_chain *c = counted_chain(N, &k);
        if (order) CHECK(tsamp_chain_add_top_k(c, 200) == TSAMP_OK); /* compacted views */
        for (int w = 0; w < 8; w++) CHECK(add_one(c, w) == TSAMP_OK);
        CHECK(tsamp_chain_add_allow(c, allow, N / 2) == TSAMP_OK);
        CHECK(tsamp_chain_add_temperature(c, 0.8f) == TSAMP_OK);
        CHECK(tsamp_chain_add_top_p(c, 0.95f, 1) == TSAMP_OK);
        size_t before = k.allocs;
        for (int t = 0; t < 600; t++) {
            if (t % 100 == 0) fill_normal(&r, x, N, 3.0);
            int32_t tok;
            size_t kept;
            if (tsamp_chain_sample(c, x, &tok) != TSAMP_OK) tok = t % 50;
            CHECK(tsamp_chain_accept(c, tok) == TSAMP_OK);
            CHECK(tsamp_chain_accept(c, (int32_t)(t % 7)) == TSAMP_OK); /* repeats */
            if (t % 150 == 0) {
                tsamp_status st = tsamp_chain_distribution(c, x, ids, probs, N, &kept);
                CHECK(st == TSAMP_OK || st == TSAMP_ERR_ALL_MASKED);
                CHECK(tsamp_chain_reset(c) == TSAMP_OK);
                CHECK(tsamp_chain_set_position(c, (uint64_t)t) == TSAMP_OK);
            }
        }
        CHECKF(k.allocs == before, "%zu allocations while sampling", k.allocs - before);
        tsamp_chain_free(c);
        CHECK(k.frees == k.allocs);
    }
    free(x), free(probs), free(ids), free(allow);
}

/* ---- every ISA path gives the scalar bits ----------------------------------------------- */

static void test_proc_edits_isa_bitwise(void) {
    enum { N = 70001, STEPS = 25 };
    static const tsamp_isa isas[] = {TSAMP_ISA_AVX2, TSAMP_ISA_AVX512, TSAMP_ISA_NEON};
    float *x = malloc(N * sizeof *x), *p0 = malloc(N * sizeof *p0), *p1 = malloc(N * sizeof *p1);
    int32_t *i0 = malloc(N * sizeof *i0), *i1 = malloc(N * sizeof *i1);
    int32_t deny[64];
    for (size_t i = 0; i < 64; i++) deny[i] = (int32_t)(i * 997 % N);
    tsamp_logit_bias lb[] = {{10, 3.0f}, {20, NINF}, {30, -2.5f}, {10, 0.5f}};
    size_t tested = 0;
    for (size_t ii = 0; ii < COUNT(isas); ii++) {
        if (!tsamp_isa_available(isas[ii])) continue;
        for (int layout = 0; layout < 2; layout++) {
            rp p[9] = {PEN(64, 1.2f, 0.1f, 0.05f), DRY(0.8f, 1.75f, 2, 256), BIAS(lb, 4),
                       NGRAM(2, 512), LIST(RP_DENY, deny, 64), MINLEN(5, 10),
                       CALLBACK(5, 2), TEMP(0.7f), TOPK(1000)};
            size_t np = 9;
            if (layout) { /* top-k first: the edits act on a compacted view */
                rp t = p[8];
                memmove(p + 1, p, 8 * sizeof *p);
                p[0] = t;
            }
            tsamp_chain *a = build_chain(N, p, np, NULL, 0, 77, TSAMP_ISA_SCALAR);
            tsamp_chain *b = build_chain(N, p, np, NULL, 0, 77, isas[ii]);
            tu_rng r = {1234};
            size_t diffs = 0;
            for (int s = 0; a && b && s < STEPS; s++) {
                fill_normal(&r, x, N, 3.0);
                size_t n0 = 0, n1 = 0;
                tsamp_status s0 = tsamp_chain_distribution(a, x, i0, p0, N, &n0);
                tsamp_status s1 = tsamp_chain_distribution(b, x, i1, p1, N, &n1);
                diffs += s0 != s1 || n0 != n1 || memcmp(i0, i1, n0 * 4) ||
                         memcmp(p0, p1, n0 * sizeof *p0);
                int32_t t0 = -1, t1 = -2;
                s0 = tsamp_chain_sample(a, x, &t0);
                s1 = tsamp_chain_sample(b, x, &t1);
                diffs += s0 != s1 || t0 != t1;
                int32_t acc = s % 3 == 2 ? (int32_t)(s % 7) : t0; /* some repeats */
                tsamp_chain_accept(a, acc), tsamp_chain_accept(b, acc);
            }
            CHECKF(diffs == 0, "%s (layout %d): %zu differences from scalar",
                   tsamp_isa_name(isas[ii]), layout, diffs);
            tested++;
            tsamp_chain_free(a), tsamp_chain_free(b);
        }
    }
    check_note("%zu non-scalar path layouts compared bitwise", tested);
    if (!tested) check_skip("no SIMD path on this machine");
    free(x), free(p0), free(p1), free(i0), free(i1);
}

/* ---- draws after edits: chi-square ------------------------------------------------------ */

/* Upper 1e-3 quantile of the standard normal, and the chi-square critical value at 1e-3. */
#define Z_ALPHA 3.090232306167813

static double chi2_critical(double df) {
    double hh = 2.0 / (9.0 * df);
    double c = 1.0 - hh + Z_ALPHA * sqrt(hh);
    return df * c * c * c;
}

static void test_proc_edits_draws_chi_square(void) {
    enum { N = 24, DRAWS = 1000000 };
    tu_rng r = {31};
    float x[N];
    fill_normal(&r, x, N, 1.5);
    int32_t h[30];
    for (size_t i = 0; i < 30; i++)
        h[i] = i < 5 ? (int32_t)tu_below(&r, 8) : h[i - 1 - tu_below(&r, 4)];
    tsamp_logit_bias lb[] = {{1, 1.0f}, {2, -1.0f}, {3, NINF}};
    rp p[4] = {PEN(16, 1.3f, 0.2f, 0.1f), DRY(0.8f, 1.75f, 2, 30), BIAS(lb, 3), TEMP(0.8f)};
    tsamp_chain *c = build_chain(N, p, 4, h, 30, 2024, TSAMP_ISA_AUTO);
    rstate s;
    if (!c || ref_run(&s, x, N, p, 4, h, 30, 30) != 0) {
        CHECK(0);
        tsamp_chain_free(c);
        return;
    }
    long double z = 0.0L, m = -INFINITY, q[N];
    for (size_t i = 0; i < N; i++)
        if (s.cand[i]) m = fmaxl(m, s.val[i]);
    for (size_t i = 0; i < N; i++) z += q[i] = s.cand[i] ? expl((s.val[i] - m) * s.S) : 0.0L;
    uint64_t counts[N] = {0};
    for (uint64_t pos = 0; pos < DRAWS; pos++) {
        int32_t tok = -1;
        tsamp_chain_set_position(c, 30 + pos);
        if (tsamp_chain_sample(c, x, &tok) != TSAMP_OK || tok < 0 || tok >= N) {
            CHECKF(0, "draw %llu failed", (unsigned long long)pos);
            break;
        }
        counts[tok]++;
    }
    double stat = 0.0, pool_e = 0.0, pool_o = 0.0;
    size_t bins = 0;
    for (size_t i = 0; i < N; i++) {
        double e = (double)(q[i] / z) * DRAWS, o = (double)counts[i];
        if (e == 0.0) {
            CHECKF(o == 0.0, "token %zu has probability 0 but was drawn %g times", i, o);
            continue;
        }
        pool_e += e, pool_o += o;
        if (pool_e >= 5.0) {
            stat += (pool_o - pool_e) * (pool_o - pool_e) / pool_e;
            bins++;
            pool_e = pool_o = 0.0;
        }
    }
    if (pool_e > 0.0) stat += (pool_o - pool_e) * (pool_o - pool_e) / pool_e, bins++;
    double crit = chi2_critical((double)(bins - 1));
    check_note("chi-square %.2f, df %zu, critical %.2f at alpha 1e-3 (%d draws)", stat, bins - 1,
               crit, DRAWS);
    CHECK(stat < crit);
    rstate_free(&s);
    tsamp_chain_free(c);
}

void suite_proc_edits(void) {
    RUN(test_proc_edits_llama_penalties_vectors);
    RUN(test_proc_edits_llama_dry_vectors);
    RUN(test_proc_edits_penalties_hand);
    RUN(test_proc_edits_saturation);
    RUN(test_proc_edits_dry_hand);
    RUN(test_proc_edits_dry_scratch_cleared);
    RUN(test_proc_edits_logit_bias_hand);
    RUN(test_proc_edits_ngram_hand);
    RUN(test_proc_edits_masks_hand);
    RUN(test_proc_edits_callback_sees_candidates);
    RUN(test_proc_edits_random_penalties);
    RUN(test_proc_edits_random_dry);
    RUN(test_proc_edits_random_logit_bias);
    RUN(test_proc_edits_random_no_repeat_ngram);
    RUN(test_proc_edits_random_allow);
    RUN(test_proc_edits_random_deny);
    RUN(test_proc_edits_random_callback);
    RUN(test_proc_edits_random_min_length);
    RUN(test_proc_edits_random_mix);
    RUN(test_proc_edits_decode_loops);
    RUN(test_proc_edits_state);
    RUN(test_proc_edits_corrupted_state);
    RUN(test_proc_edits_statuses);
    RUN(test_proc_edits_nomem);
    RUN(test_proc_edits_no_allocation_per_token);
    RUN(test_proc_edits_isa_bitwise);
    RUN(test_proc_edits_draws_chi_square);
}
