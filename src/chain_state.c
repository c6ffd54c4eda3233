/*
 * Saved chain state (format in tsamp.h at tsamp_chain_save_state): versioned, little-endian,
 * checksummed. The loader reads through bounds-checked offsets only, checks the whole buffer
 * and its fit to the chain, and only then writes to the chain, so a bad buffer changes nothing.
 */
#include <stdalign.h>
#include <string.h>
#include <xxhash.h>

#include "spec_internal.h"

#define STATE_FORMAT 1u
#define HEADER_SIZE 64u
#define PROC_HEADER_SIZE 16u
#define CHECKSUM_SIZE 8u
#define SPEC_STACK 512u /* spec items up to this size are hashed without allocating */

static const unsigned char MAGIC[8] = {'T', 'S', 'M', 'P', 'S', 'T', 'A', 'T'};

static void put32(unsigned char *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static void put64(unsigned char *p, uint64_t v) {
    for (int i = 0; i < 8; i++) p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get32(const unsigned char *p) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

static uint64_t get64(const unsigned char *p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--) v = (v << 8) | p[i];
    return v;
}

/* Processor states are stored as they are in memory, so only a host of the same byte order
 * and type sizes can read them back. */
static uint32_t layout_tag(void) {
    const uint16_t one = 1;
    unsigned char first;
    memcpy(&first, &one, 1);
    return (uint32_t)(first == 1) | (uint32_t)sizeof(size_t) << 8 | (uint32_t)sizeof(void *) << 16 |
           (uint32_t)alignof(max_align_t) << 24;
}

static size_t state_size(const tsamp_chain *c, size_t i) {
    const tsamp_proc_ops *ops = tsamp_proc_ops_of(c->procs[i].kind);
    return ops->state_size ? ops->state_size(&c->procs[i], c->n_vocab) : 0;
}

/* A processor's spec item (its parameters bit for bit) into the hash; nothing for one without
 * a spec form (a mask callback). Items longer than the stack buffer (long lists) take a
 * temporary copy from the chain's allocator. */
static tsamp_status hash_item(const tsamp_chain *c, const tsamp_proc *p, uint64_t *h) {
    char stack[SPEC_STACK];
    spec_out o = {stack, sizeof stack, 0};
    if (!tsamp_spec_format(p, &o)) return TSAMP_OK;
    if (o.len <= sizeof stack) {
        *h = XXH3_64bits_withSeed(stack, o.len, *h);
        return TSAMP_OK;
    }
    char *text = tsamp_alloc(&c->allocator, o.len);
    if (!text) return TSAMP_ERR_NOMEM;
    o = (spec_out){text, o.len, 0};
    tsamp_spec_format(p, &o);
    *h = XXH3_64bits_withSeed(text, o.len, *h);
    tsamp_dealloc(&c->allocator, text);
    return TSAMP_OK;
}

/* XXH3 chained over the processors' shapes, then their parameters as spec items: the text,
 * not the parameter bytes, because those may hold padding of any value. */
static tsamp_status fingerprint(const tsamp_chain *c, uint64_t *out) {
    unsigned char item[32];
    put64(item, c->n_vocab);
    put64(item + 8, c->n_procs);
    uint64_t h = XXH3_64bits(item, 16);
    for (size_t i = 0; i < c->n_procs; i++) {
        const tsamp_proc *p = &c->procs[i];
        const tsamp_proc_ops *ops = tsamp_proc_ops_of(p->kind);
        put32(item, (uint32_t)p->kind);
        put32(item + 4, ops->edits != 0);
        put64(item + 8, state_size(c, i));
        put64(item + 16, ops->history_need ? ops->history_need(p) : 0);
        put64(item + 24, p->data_size);
        h = XXH3_64bits_withSeed(item, sizeof item, h);
    }
    for (size_t i = 0; i < c->n_procs; i++) {
        tsamp_status st = hash_item(c, &c->procs[i], &h);
        if (st != TSAMP_OK) return st;
    }
    *out = h;
    return TSAMP_OK;
}

tsamp_status tsamp_chain_save_state(const tsamp_chain *c, void *buf, size_t cap, size_t *len) {
    if (!c || !len || (!buf && cap > 0)) return TSAMP_ERR_NULL;
    if (c->n_procs > UINT32_MAX) return TSAMP_ERR_INVALID_PARAM;
    size_t hlen = c->history_len;
    size_t need = HEADER_SIZE + 4 * hlen + CHECKSUM_SIZE;
    for (size_t i = 0; i < c->n_procs; i++) need += PROC_HEADER_SIZE + state_size(c, i);
    if (cap < need) {
        *len = need;
        return TSAMP_ERR_BUFFER_TOO_SMALL;
    }
    uint64_t fp;
    tsamp_status st = fingerprint(c, &fp);
    if (st != TSAMP_OK) return st;

    unsigned char *p = buf;
    memcpy(p, MAGIC, sizeof MAGIC);
    put32(p + 8, STATE_FORMAT);
    put32(p + 12, (uint32_t)TSAMP_VERSION_NUMBER);
    put32(p + 16, layout_tag());
    put32(p + 20, (uint32_t)c->n_procs);
    put64(p + 24, need);
    put64(p + 32, fp);
    put64(p + 40, c->n_vocab);
    put64(p + 48, c->position);
    put64(p + 56, hlen);
    size_t off = HEADER_SIZE;
    for (size_t k = hlen; k-- > 0; off += 4) put32(p + off, (uint32_t)tsamp_chain_history(c, k));
    for (size_t i = 0; i < c->n_procs; i++) {
        size_t ss = state_size(c, i);
        put32(p + off, (uint32_t)c->procs[i].kind);
        put32(p + off + 4, 0);
        put64(p + off + 8, ss);
        if (ss) memcpy(p + off + PROC_HEADER_SIZE, c->states[i], ss);
        off += PROC_HEADER_SIZE + ss;
    }
    put64(p + off, XXH3_64bits(p, off));
    *len = need;
    return TSAMP_OK;
}

/* Checks that buf is a well-formed state of format 1 (PARSE if not). Reads nothing outside
 * buf[0 .. len); every size is compared with the bytes left before it is used. */
static tsamp_status check_format(const unsigned char *p, size_t len) {
    if (len < HEADER_SIZE + CHECKSUM_SIZE) return TSAMP_ERR_PARSE;
    if (memcmp(p, MAGIC, sizeof MAGIC) != 0) return TSAMP_ERR_PARSE;
    if (get32(p + 8) != STATE_FORMAT) return TSAMP_ERR_PARSE;
    if (get64(p + 24) != (uint64_t)len) return TSAMP_ERR_PARSE;
    size_t end = len - CHECKSUM_SIZE;
    if (get64(p + end) != (uint64_t)XXH3_64bits(p, end)) return TSAMP_ERR_PARSE;
    uint64_t n_vocab = get64(p + 40), hlen = get64(p + 56);
    size_t off = HEADER_SIZE;
    if (hlen > (end - off) / 4) return TSAMP_ERR_PARSE;
    for (size_t k = 0; k < hlen; k++, off += 4)
        if (get32(p + off) >= n_vocab) return TSAMP_ERR_PARSE;
    uint32_t n_procs = get32(p + 20);
    for (uint32_t i = 0; i < n_procs; i++) { /* each entry takes >= 16 bytes: bounded by len */
        if (end - off < PROC_HEADER_SIZE) return TSAMP_ERR_PARSE;
        if (get32(p + off + 4) != 0) return TSAMP_ERR_PARSE;
        uint64_t ss = get64(p + off + 8);
        off += PROC_HEADER_SIZE;
        if (ss > end - off) return TSAMP_ERR_PARSE;
        off += (size_t)ss;
    }
    return off == end ? TSAMP_OK : TSAMP_ERR_PARSE;
}

/* Checks that a well-formed state belongs to this chain (INVALID_PARAM if not). */
static tsamp_status check_fit(const tsamp_chain *c, const unsigned char *p) {
    if (get32(p + 12) != (uint32_t)TSAMP_VERSION_NUMBER || get32(p + 16) != layout_tag())
        return TSAMP_ERR_INVALID_PARAM;
    if (get64(p + 40) != c->n_vocab || get32(p + 20) != c->n_procs) return TSAMP_ERR_INVALID_PARAM;
    size_t off = HEADER_SIZE + 4 * (size_t)get64(p + 56);
    for (size_t i = 0; i < c->n_procs; i++) {
        uint64_t ss = get64(p + off + 8);
        if (get32(p + off) != (uint32_t)c->procs[i].kind || ss != state_size(c, i))
            return TSAMP_ERR_INVALID_PARAM;
        off += PROC_HEADER_SIZE + (size_t)ss;
    }
    uint64_t fp;
    tsamp_status st = fingerprint(c, &fp);
    if (st != TSAMP_OK) return st;
    return fp == get64(p + 32) ? TSAMP_OK : TSAMP_ERR_INVALID_PARAM;
}

tsamp_status tsamp_chain_load_state(tsamp_chain *c, const void *buf, size_t len) {
    if (!c || !buf) return TSAMP_ERR_NULL;
    const unsigned char *p = buf;
    tsamp_status st = check_format(p, len);
    if (st == TSAMP_OK) st = check_fit(c, p);
    if (st != TSAMP_OK) return st;

    c->position = get64(p + 48);
    /* The same configuration needs the same history; keep what the ring holds regardless. */
    size_t hlen = (size_t)get64(p + 56);
    size_t keep = hlen < c->history_cap ? hlen : c->history_cap;
    const unsigned char *t = p + HEADER_SIZE + 4 * (hlen - keep);
    for (size_t k = 0; k < keep; k++) c->history[k] = (int32_t)get32(t + 4 * k);
    c->history_len = keep;
    c->history_head = c->history_cap ? keep % c->history_cap : 0;
    size_t off = HEADER_SIZE + 4 * hlen;
    for (size_t i = 0; i < c->n_procs; i++) {
        size_t ss = (size_t)get64(p + off + 8);
        if (ss) memcpy(c->states[i], p + off + PROC_HEADER_SIZE, ss);
        off += PROC_HEADER_SIZE + ss;
        c->hints[i] = 0.0f; /* a guess for speed only: start as a new chain does */
    }
    return TSAMP_OK;
}
