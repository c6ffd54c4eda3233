/* Chains decoded from fuzz inputs (see chain_config.h). */
#include "chain_config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "invariants.h"

/* Valid parameters throughout: these items are here to run, not to test their parsing. */
static const fuzz_extra EXTRAS[] = {
    {"mirostat=5,0.1,100", FUZZ_EXTRA_WATCHES},
    {"mirostat_v2=3,0.2", FUZZ_EXTRA_WATCHES},
    {"adaptive_p=0.3,0.9", FUZZ_EXTRA_WATCHES},
    {"penalties=16,1.3,0.2,0.1", 0},
    {"dry=0.8,1.75,2,32", 0},
    {"no_repeat_ngram=2,32", FUZZ_EXTRA_MASKS},
    {"logit_bias=0:-inf", FUZZ_EXTRA_MASKS},
    {"logit_bias=%zu:7.5", 0},
    {"deny=%zu", FUZZ_EXTRA_MASKS},
    {"min_length=0,3", FUZZ_EXTRA_MASKS},
    {"typical=0.9,1", 0},
    {"xtc=0.6,0.05,1", 0},
    {"top_n_sigma=1.5", 0},
    {"epsilon=0.02,1", 0},
    {"eta=0.001,1", 0},
    {"temp_ext=1.2,0.5,1", 0},
};
#define N_EXTRAS (sizeof EXTRAS / sizeof EXTRAS[0])

void fuzz_take_chain_config(fuzz_input *in, fuzz_chain_config *cfg, size_t max_procs) {
    memset(cfg, 0, sizeof *cfg);
    if (max_procs > FUZZ_CONFIG_MAX_PROCS) max_procs = FUZZ_CONFIG_MAX_PROCS;
    cfg->n_procs = fuzz_take_procs(in, cfg->procs, max_procs);
    uint8_t sel = fuzz_take_u8(in);
    cfg->extra = sel % 2 ? &EXTRAS[(sel / 2) % N_EXTRAS] : NULL;
    cfg->extra_at = fuzz_take_u8(in) % (cfg->n_procs + 1);
    cfg->seed = fuzz_take_word(in);
    cfg->stream = fuzz_take_word(in);
    cfg->n_history = fuzz_take_u8(in) % (FUZZ_CONFIG_MAX_HISTORY + 1);
    cfg->history_sampled = fuzz_take_u8(in);
    for (size_t i = 0; i < cfg->n_history; i++) cfg->history[i] = fuzz_take_u16(in);
    cfg->start = fuzz_take_word(in);
    if (cfg->start > UINT64_MAX - FUZZ_CONFIG_MAX_HISTORY)
        cfg->start = UINT64_MAX - FUZZ_CONFIG_MAX_HISTORY; /* accepts must not wrap around */
}

uint64_t fuzz_config_position(const fuzz_chain_config *cfg) { return cfg->start + cfg->n_history; }

unsigned fuzz_config_flags(const fuzz_chain_config *cfg) {
    return cfg->extra ? cfg->extra->flags : 0u;
}

static void add_extra(tsamp_chain *c, const fuzz_chain_config *cfg, size_t n) {
    char item[64];
    snprintf(item, sizeof item, cfg->extra->spec, n - 1);
    size_t before = tsamp_chain_n_processors(c);
    FUZZ_CHECK_STATUS(tsamp_chain_parse(c, item), TSAMP_OK, item);
    FUZZ_CHECK(tsamp_chain_n_processors(c) == before + 1, "parse(\"%s\") added %zu processors",
               item, tsamp_chain_n_processors(c) - before);
}

static void accept_history(tsamp_chain *c, const fuzz_chain_config *cfg, size_t n,
                           const float *warm) {
    FUZZ_CHECK_STATUS(tsamp_chain_set_position(c, cfg->start), TSAMP_OK, "set_position");
    for (size_t i = 0; i < cfg->n_history; i++) {
        int32_t tok = (int32_t)(cfg->history[i] % n);
        if (warm && (cfg->history_sampled >> i) & 1) {
            int32_t t = -1;
            if (tsamp_chain_sample(c, warm, &t) == TSAMP_OK) tok = t;
        }
        FUZZ_CHECK_STATUS(tsamp_chain_accept(c, tok), TSAMP_OK, "accept (history)");
    }
}

tsamp_chain *fuzz_config_chain(const fuzz_chain_config *cfg, size_t n, tsamp_isa isa,
                               tsamp_allocator alloc, const float *warm) {
    tsamp_chain_params p = tsamp_chain_default_params();
    p.seed = cfg->seed;
    p.stream = cfg->stream;
    p.isa = isa;
    p.allocator = alloc;
    tsamp_chain *c = NULL;
    tsamp_status st = tsamp_chain_create(&c, n, &p);
    if (!tsamp_isa_available(isa)) {
        FUZZ_CHECK_STATUS(st, TSAMP_ERR_ISA, tsamp_isa_name(isa));
        return NULL;
    }
    if (st == TSAMP_ERR_NOMEM) return NULL; /* the harness's own malloc */
    FUZZ_CHECK_STATUS(st, TSAMP_OK, "create");
    for (size_t i = 0; i <= cfg->n_procs; i++) {
        if (cfg->extra && cfg->extra_at == i) add_extra(c, cfg, n);
        if (i == cfg->n_procs) break;
        const fuzz_proc *pr = &cfg->procs[i];
        char what[128];
        pr->desc->describe(what, sizeof what, &pr->params);
        FUZZ_CHECK_STATUS(pr->desc->add(c, &pr->params), pr->desc->expected(&pr->params), what);
    }
    accept_history(c, cfg, n, warm);
    return c;
}

void fuzz_config_describe(char *buf, size_t cap, const fuzz_chain_config *cfg, size_t n) {
    char procs[400], extra[80] = "";
    fuzz_procs_describe(procs, sizeof procs, cfg->procs, cfg->n_procs);
    if (cfg->extra) {
        char item[64];
        snprintf(item, sizeof item, cfg->extra->spec, n - 1);
        snprintf(extra, sizeof extra, " +%s@%zu", item, cfg->extra_at);
    }
    snprintf(buf, cap, "[%s%s] n_vocab %zu seed %llu stream %llu history %zu from %llu", procs,
             extra, n, (unsigned long long)cfg->seed, (unsigned long long)cfg->stream,
             cfg->n_history, (unsigned long long)cfg->start);
}

void *fuzz_saved_state(const tsamp_chain *c, size_t *len) {
    *len = 0;
    if (tsamp_chain_save_state(c, NULL, 0, len) != TSAMP_ERR_BUFFER_TOO_SMALL) return NULL;
    void *buf = malloc(*len);
    if (buf && tsamp_chain_save_state(c, buf, *len, len) != TSAMP_OK) {
        free(buf);
        buf = NULL;
    }
    return buf;
}

int fuzz_same_state(const tsamp_chain *a, const tsamp_chain *b) {
    size_t la, lb;
    void *sa = fuzz_saved_state(a, &la), *sb = fuzz_saved_state(b, &lb);
    int same = !sa || !sb || (la == lb && memcmp(sa, sb, la) == 0); /* no memory: no verdict */
    free(sa);
    free(sb);
    return same;
}
