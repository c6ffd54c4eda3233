/* The processor table (see processors.h): domains as tsamp.h documents them. */
#include "processors.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- temperature: t < 0, NaN or +inf is INVALID_PARAM ------------------------------------ */

static void temp_decode(fuzz_input *in, fuzz_params *p) { p->f = fuzz_take_temperature(in); }
static tsamp_status temp_expected(const fuzz_params *p) {
    return p->f >= 0.0f && p->f != INFINITY ? TSAMP_OK : TSAMP_ERR_INVALID_PARAM;
}
static tsamp_status temp_add(tsamp_chain *c, const fuzz_params *p) {
    return tsamp_chain_add_temperature(c, p->f);
}
static void temp_ref(ref_chain *r, const fuzz_params *p) { ref_temperature(r, p->f); }
static int temp_describe(char *b, size_t cap, const fuzz_params *p) {
    return snprintf(b, cap, "temperature(t=%.9g)", (double)p->f);
}

/* ---- top-k: every k is valid ------------------------------------------------------------- */

static void top_k_decode(fuzz_input *in, fuzz_params *p) { p->k = fuzz_take_k(in); }
static tsamp_status top_k_expected(const fuzz_params *p) {
    (void)p;
    return TSAMP_OK;
}
static tsamp_status top_k_add(tsamp_chain *c, const fuzz_params *p) {
    return tsamp_chain_add_top_k(c, p->k);
}
static void top_k_ref(ref_chain *r, const fuzz_params *p) { ref_top_k(r, p->k); }
static int top_k_describe(char *b, size_t cap, const fuzz_params *p) {
    return snprintf(b, cap, "top_k(k=%ld)", (long)p->k);
}

/* ---- top-p and min-p: only a NaN p is invalid -------------------------------------------- */

static void p_decode(fuzz_input *in, fuzz_params *p) {
    p->f = fuzz_take_p(in);
    p->min_keep = fuzz_take_min_keep(in);
}
static tsamp_status p_expected(const fuzz_params *p) {
    return isnan(p->f) ? TSAMP_ERR_INVALID_PARAM : TSAMP_OK;
}
static tsamp_status top_p_add(tsamp_chain *c, const fuzz_params *p) {
    return tsamp_chain_add_top_p(c, p->f, p->min_keep);
}
static void top_p_ref(ref_chain *r, const fuzz_params *p) { ref_top_p(r, p->f, p->min_keep); }
static int top_p_describe(char *b, size_t cap, const fuzz_params *p) {
    return snprintf(b, cap, "top_p(p=%.9g, min_keep=%zu)", (double)p->f, p->min_keep);
}
static tsamp_status min_p_add(tsamp_chain *c, const fuzz_params *p) {
    return tsamp_chain_add_min_p(c, p->f, p->min_keep);
}
static void min_p_ref(ref_chain *r, const fuzz_params *p) { ref_min_p(r, p->f, p->min_keep); }
static int min_p_describe(char *b, size_t cap, const fuzz_params *p) {
    return snprintf(b, cap, "min_p(p=%.9g, min_keep=%zu)", (double)p->f, p->min_keep);
}

const fuzz_proc_desc fuzz_proc_table[] = {
    {"temperature", temp_decode, temp_expected, temp_add, temp_ref, temp_describe},
    {"top_k", top_k_decode, top_k_expected, top_k_add, top_k_ref, top_k_describe},
    {"top_p", p_decode, p_expected, top_p_add, top_p_ref, top_p_describe},
    {"min_p", p_decode, p_expected, min_p_add, min_p_ref, min_p_describe},
};
const size_t fuzz_proc_count = sizeof fuzz_proc_table / sizeof fuzz_proc_table[0];

size_t fuzz_take_procs(fuzz_input *in, fuzz_proc *procs, size_t max) {
    size_t n = fuzz_take_u8(in) % (max + 1);
    for (size_t i = 0; i < n; i++) {
        procs[i].desc = &fuzz_proc_table[fuzz_take_u8(in) % fuzz_proc_count];
        procs[i].params.f = 0.0f;
        procs[i].params.k = 0;
        procs[i].params.min_keep = 0;
        procs[i].desc->decode(in, &procs[i].params);
    }
    return n;
}

const fuzz_proc_desc *fuzz_proc_find(const char *name) {
    for (size_t i = 0; i < fuzz_proc_count; i++)
        if (strcmp(fuzz_proc_table[i].name, name) == 0) return &fuzz_proc_table[i];
    return NULL;
}

void fuzz_procs_describe(char *buf, size_t cap, const fuzz_proc *procs, size_t n) {
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && len + 1 < cap; i++) {
        if (i > 0) buf[len++] = ' ';
        int w = procs[i].desc->describe(buf + len, cap - len, &procs[i].params);
        if (w < 0) break;
        len += (size_t)w;
        if (len >= cap) len = cap - 1;
    }
    buf[len < cap ? len : cap - 1] = '\0';
}
