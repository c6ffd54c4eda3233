/*
 * tsamp_llama - a tsamp chain as a llama.cpp sampler. See tsamp_llama.h for the contract and
 * contrib/llama/README.md for how to build it.
 *
 * apply turns llama.cpp's candidate array (id, logit, p) into the logit vector tsamp samples
 * from: a scratch array of n_vocab floats, -inf where the array has no entry. Two paths:
 *  - the whole vocabulary in id order (what llama_sampler_sample builds when no sampler before
 *    this one removed or reordered anything): one pass copies the logits, and the index of the
 *    drawn token is the token itself;
 *  - anything else (a subset, any order): the entries are scattered into the scratch array,
 *    pos[id] remembers each id's index (and catches an id given twice), and after the draw
 *    the written entries are put back to -inf / -1, so the next call starts clean without a
 *    pass over the whole vocabulary.
 * Neither path allocates.
 */
#include "tsamp_llama.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
    tsamp_chain *chain;
    size_t n_vocab;
    unsigned flags;
    tsamp_status status; /* of the last apply or accept */
    int clean;           /* logits[] is -inf everywhere (else: the last full-vocabulary logits) */
    float *logits;       /* n_vocab */
    int32_t *pos;        /* n_vocab: index in cur_p of each id during an apply; -1 otherwise */
    int32_t *dist_ids;   /* n_vocab, with TSAMP_LLAMA_FILL_P: the kept ids */
    float *dist_probs;   /* n_vocab, with TSAMP_LLAMA_FILL_P: their probabilities */
} tsamp_llama_ctx;

static _Thread_local char last_error[256];

#if defined(__GNUC__)
__attribute__((format(printf, 1, 2)))
#endif
static void set_error(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_error, sizeof last_error, fmt, ap);
    va_end(ap);
}

const char *tsamp_llama_last_error(void) {
    return last_error;
}

tsamp_llama_params tsamp_llama_default_params(void) {
    tsamp_llama_params p = {0, 0, 0u};
    return p;
}

static const char *ts_name(const struct llama_sampler *smpl) {
    (void)smpl;
    return "tsamp";
}

static void ts_accept(struct llama_sampler *smpl, llama_token token) {
    tsamp_llama_ctx *s = smpl->ctx;
    s->status = tsamp_chain_accept(s->chain, token);
    if (s->status != TSAMP_OK)
        set_error("tsamp_llama accept(%ld): %s", (long)token, tsamp_status_str(s->status));
}

/* Writes .p of every entry from the chain's processed distribution; index_of: NULL when the
 * array is the vocabulary in id order (index = id), else pos[]. */
static tsamp_status fill_p(tsamp_llama_ctx *s, llama_token_data_array *cur_p,
                           const int32_t *index_of) {
    size_t kept = 0;
    tsamp_status st = tsamp_chain_distribution(s->chain, s->logits, s->dist_ids, s->dist_probs,
                                               s->n_vocab, &kept);
    if (st != TSAMP_OK) return st;
    for (size_t i = 0; i < cur_p->size; i++) cur_p->data[i].p = 0.0f;
    for (size_t j = 0; j < kept; j++) {
        int32_t id = s->dist_ids[j];
        size_t at = index_of ? (size_t)index_of[id] : (size_t)id;
        cur_p->data[at].p = s->dist_probs[j];
    }
    return TSAMP_OK;
}

static void apply_failed(tsamp_llama_ctx *s, tsamp_status st, const char *what) {
    s->status = st;
    set_error("tsamp_llama apply: %s", what ? what : tsamp_status_str(st));
}

static void ts_apply(struct llama_sampler *smpl, llama_token_data_array *cur_p) {
    tsamp_llama_ctx *s = smpl->ctx;
    if (!cur_p) {
        apply_failed(s, TSAMP_ERR_NULL, "the candidate array is NULL");
        return;
    }
    cur_p->selected = -1;
    const size_t n = cur_p->size, nv = s->n_vocab;
    const llama_token_data *d = cur_p->data;
    if (n == 0) {
        apply_failed(s, TSAMP_ERR_ALL_MASKED, "the candidate array is empty");
        return;
    }
    if (!d) {
        apply_failed(s, TSAMP_ERR_NULL, "the candidate array's data is NULL");
        return;
    }
    if (n > nv) {
        s->status = TSAMP_ERR_VOCAB;
        set_error("tsamp_llama apply: %zu candidates for a vocabulary of %zu", n, nv);
        return;
    }

    /* The whole vocabulary in id order: copy while the ids say so, a block at a time (no
     * branch per entry, so the compiler can vectorize it). */
    size_t k = 0;
    if (n == nv) {
        enum { BLOCK = 256 };
        while (k < n) {
            const size_t end = n - k < BLOCK ? n : k + BLOCK;
            uint32_t off = 0;
            for (size_t i = k; i < end; i++) {
                off |= (uint32_t)d[i].id ^ (uint32_t)i;
                s->logits[i] = d[i].logit;
            }
            if (off != 0) { /* the first entry out of order is in this block */
                while (d[k].id == (llama_token)k) k++;
                break;
            }
            k = end;
        }
    }

    int32_t tok = -1;
    tsamp_status st;
    if (k == nv) {
        s->clean = 0;
        st = tsamp_chain_sample(s->chain, s->logits, &tok);
        if (st == TSAMP_OK && (s->flags & TSAMP_LLAMA_FILL_P)) st = fill_p(s, cur_p, NULL);
        if (st != TSAMP_OK) {
            apply_failed(s, st, NULL);
            return;
        }
        s->status = TSAMP_OK;
        cur_p->selected = tok;
        return;
    }

    /* Any other array. Entries [0, k) are in place already (ids 0 .. k-1 at their own index);
     * the rest of the scratch array must be -inf. */
    if (!s->clean) {
        for (size_t i = k; i < nv; i++) s->logits[i] = -INFINITY;
        s->clean = 1;
    }
    for (size_t i = 0; i < k; i++) s->pos[i] = (int32_t)i;
    st = TSAMP_OK;
    size_t w = k; /* entries [0, w) are written (valid, distinct ids) */
    char what[160] = "";
    for (; w < n; w++) {
        llama_token id = d[w].id;
        if (id < 0 || (size_t)id >= nv) {
            st = TSAMP_ERR_VOCAB;
            snprintf(what, sizeof what, "data[%zu].id = %ld is outside the vocabulary of %zu", w,
                     (long)id, nv);
            break;
        }
        if (s->pos[id] >= 0) {
            st = TSAMP_ERR_INVALID_PARAM;
            snprintf(what, sizeof what, "token %ld appears twice (data[%ld] and data[%zu])",
                     (long)id, (long)s->pos[id], w);
            break;
        }
        s->pos[id] = (int32_t)w;
        s->logits[id] = d[w].logit;
    }
    if (st == TSAMP_OK) st = tsamp_chain_sample(s->chain, s->logits, &tok);
    if (st == TSAMP_OK && (s->flags & TSAMP_LLAMA_FILL_P)) st = fill_p(s, cur_p, s->pos);
    if (st == TSAMP_OK) cur_p->selected = s->pos[tok];
    for (size_t i = 0; i < w; i++) {
        llama_token id = d[i].id;
        s->logits[id] = -INFINITY;
        s->pos[id] = -1;
    }
    if (st != TSAMP_OK) {
        apply_failed(s, st, what[0] ? what : NULL);
        return;
    }
    s->status = TSAMP_OK;
}

static void ts_reset(struct llama_sampler *smpl) {
    tsamp_llama_ctx *s = smpl->ctx;
    tsamp_chain_reset(s->chain);
}

static void ctx_free(tsamp_llama_ctx *s) {
    if (!s) return;
    tsamp_chain_free(s->chain);
    free(s->logits);
    free(s->pos);
    free(s->dist_ids);
    free(s->dist_probs);
    free(s);
}

static struct llama_sampler *ts_clone(const struct llama_sampler *smpl);

/* llama_sampler_free calls this, then deletes the struct llama_sampler itself. */
static void ts_free(struct llama_sampler *smpl) {
    ctx_free(smpl->ctx);
    smpl->ctx = NULL;
}

/* Designated initializers: members this file does not name are NULL. In the llama.h this was
 * tested with (contrib/llama/README.md) those are the backend_* members and copy_state: the
 * sampler runs on the CPU, and llama_sampler_copy falls back to clone. Older llama.h, with
 * only the six members below, compile the same. */
static struct llama_sampler_i tsamp_llama_iface = {
    .name = ts_name,
    .accept = ts_accept,
    .apply = ts_apply,
    .reset = ts_reset,
    .clone = ts_clone,
    .free = ts_free,
};

struct llama_sampler *tsamp_llama_sampler_from_chain(tsamp_chain *chain, unsigned flags) {
    if (!chain) {
        set_error("tsamp_llama_sampler_from_chain: chain is NULL");
        return NULL;
    }
    if (flags & ~TSAMP_LLAMA_FILL_P) {
        set_error("tsamp_llama: unknown flags 0x%x", flags & ~TSAMP_LLAMA_FILL_P);
        return NULL;
    }
    const size_t nv = tsamp_chain_n_vocab(chain);
    tsamp_llama_ctx *s = calloc(1, sizeof *s);
    if (!s) goto nomem;
    s->n_vocab = nv;
    s->flags = flags;
    s->status = TSAMP_OK;
    s->logits = malloc(nv * sizeof *s->logits);
    s->pos = malloc(nv * sizeof *s->pos);
    if (flags & TSAMP_LLAMA_FILL_P) {
        s->dist_ids = malloc(nv * sizeof *s->dist_ids);
        s->dist_probs = malloc(nv * sizeof *s->dist_probs);
        if (!s->dist_ids || !s->dist_probs) goto nomem;
    }
    if (!s->logits || !s->pos) goto nomem;
    for (size_t i = 0; i < nv; i++) {
        s->logits[i] = -INFINITY;
        s->pos[i] = -1;
    }
    s->clean = 1;
    struct llama_sampler *smpl = llama_sampler_init(&tsamp_llama_iface, s);
    if (!smpl) goto nomem;
    s->chain = chain; /* owned from here on */
    return smpl;
nomem:
    ctx_free(s); /* s->chain is still NULL: the caller keeps the chain */
    set_error("tsamp_llama: out of memory for a vocabulary of %zu", nv);
    return NULL;
}

static struct llama_sampler *ts_clone(const struct llama_sampler *smpl) {
    const tsamp_llama_ctx *s = smpl->ctx;
    tsamp_chain *copy = NULL;
    tsamp_status st = tsamp_chain_clone(s->chain, &copy);
    if (st != TSAMP_OK) {
        set_error("tsamp_llama clone: %s", tsamp_status_str(st));
        return NULL;
    }
    struct llama_sampler *r = tsamp_llama_sampler_from_chain(copy, s->flags);
    if (!r) tsamp_chain_free(copy);
    return r;
}

struct llama_sampler *tsamp_llama_sampler_init_ex(int32_t n_vocab, const char *spec,
                                                  const tsamp_llama_params *params) {
    tsamp_llama_params p = params ? *params : tsamp_llama_default_params();
    if (n_vocab <= 0) {
        set_error("tsamp_llama: n_vocab must be positive (got %ld)", (long)n_vocab);
        return NULL;
    }
    if (!spec) {
        set_error("tsamp_llama: spec is NULL");
        return NULL;
    }
    if (p.flags & ~TSAMP_LLAMA_FILL_P) {
        set_error("tsamp_llama: unknown flags 0x%x", p.flags & ~TSAMP_LLAMA_FILL_P);
        return NULL;
    }
    tsamp_chain_params cp = tsamp_chain_default_params();
    cp.seed = p.seed;
    cp.stream = p.stream;
    tsamp_chain *chain = NULL;
    tsamp_status st = tsamp_chain_create(&chain, (size_t)n_vocab, &cp);
    if (st != TSAMP_OK) {
        set_error("tsamp_llama: tsamp_chain_create: %s", tsamp_status_str(st));
        return NULL;
    }
    tsamp_parse_error pe = {0, ""};
    st = tsamp_chain_parse_ex(chain, spec, &pe);
    if (st != TSAMP_OK) {
        if ((st == TSAMP_ERR_PARSE || st == TSAMP_ERR_INVALID_PARAM) && pe.message[0])
            set_error("tsamp_llama: spec at offset %zu: %s", pe.offset, pe.message);
        else
            set_error("tsamp_llama: spec \"%.80s\": %s", spec, tsamp_status_str(st));
        tsamp_chain_free(chain);
        return NULL;
    }
    struct llama_sampler *smpl = tsamp_llama_sampler_from_chain(chain, p.flags);
    if (!smpl) tsamp_chain_free(chain);
    return smpl;
}

struct llama_sampler *tsamp_llama_sampler_init(int32_t n_vocab, const char *spec,
                                               uint64_t seed) {
    tsamp_llama_params p = tsamp_llama_default_params();
    p.seed = seed;
    return tsamp_llama_sampler_init_ex(n_vocab, spec, &p);
}

int tsamp_llama_sampler_is(const struct llama_sampler *smpl) {
    return smpl != NULL && smpl->iface == &tsamp_llama_iface && smpl->ctx != NULL;
}

tsamp_chain *tsamp_llama_sampler_chain(struct llama_sampler *smpl) {
    if (!tsamp_llama_sampler_is(smpl)) return NULL;
    return ((tsamp_llama_ctx *)smpl->ctx)->chain;
}

tsamp_status tsamp_llama_sampler_status(const struct llama_sampler *smpl) {
    if (!tsamp_llama_sampler_is(smpl)) return TSAMP_ERR_NULL;
    return ((const tsamp_llama_ctx *)smpl->ctx)->status;
}
