/* Stages -> a tsamp chain: each stage through the library's own add call (or its spec item),
 * so the library validates every value; an error names the flag or the spec offset. */
#include <stdio.h>

#include "cli_chain.h"

static tsamp_status stage_add(tsamp_chain *c, const cli_stage *s, tsamp_parse_error *pe) {
    const cli_sampling *o = s->lists;
    switch (s->kind) {
    case CLI_STAGE_BIAS: return tsamp_chain_add_logit_bias(c, o->bias, o->n_bias);
    case CLI_STAGE_ALLOW: return tsamp_chain_add_allow(c, o->allow_ids, o->n_allow);
    case CLI_STAGE_DENY: return tsamp_chain_add_deny(c, o->deny_ids, o->n_deny);
    case CLI_STAGE_MIN_LENGTH: return tsamp_chain_add_min_length(c, s->i[0], (uint64_t)s->i[1]);
    case CLI_STAGE_NO_REPEAT_NGRAM: return tsamp_chain_add_no_repeat_ngram(c, s->i[0], s->i[1]);
    case CLI_STAGE_PENALTIES:
        return tsamp_chain_add_penalties(c, s->i[0], s->f[0], s->f[1], s->f[2]);
    case CLI_STAGE_DRY:
        return tsamp_chain_add_dry(c, s->f[0], s->f[1], s->i[0], s->i[1], o->breaker_ids,
                                   o->breaker_lens, o->n_breakers);
    case CLI_STAGE_TOP_N_SIGMA: return tsamp_chain_add_top_n_sigma(c, s->f[0]);
    case CLI_STAGE_TOP_K: return tsamp_chain_add_top_k(c, s->i[0]);
    case CLI_STAGE_TYPICAL: return tsamp_chain_add_typical(c, s->f[0], s->keep);
    case CLI_STAGE_TOP_P: return tsamp_chain_add_top_p(c, s->f[0], s->keep);
    case CLI_STAGE_MIN_P: return tsamp_chain_add_min_p(c, s->f[0], s->keep);
    case CLI_STAGE_EPSILON: return tsamp_chain_add_epsilon(c, s->f[0], s->keep);
    case CLI_STAGE_ETA: return tsamp_chain_add_eta(c, s->f[0], s->keep);
    case CLI_STAGE_XTC: return tsamp_chain_add_xtc(c, s->f[0], s->f[1], s->keep);
    case CLI_STAGE_TEMP: return tsamp_chain_add_temperature(c, s->f[0]);
    case CLI_STAGE_TEMP_EXT: return tsamp_chain_add_temp_ext(c, s->f[0], s->f[1], s->f[2]);
    case CLI_STAGE_MIROSTAT: return tsamp_chain_add_mirostat(c, s->f[0], s->f[1], s->i[0]);
    case CLI_STAGE_MIROSTAT_V2: return tsamp_chain_add_mirostat_v2(c, s->f[0], s->f[1]);
    case CLI_STAGE_ADAPTIVE_P: return tsamp_chain_add_adaptive_p(c, s->f[0], s->f[1]);
    default: return tsamp_chain_parse_ex(c, s->item, pe);
    }
}

static void stage_error(const cli_plan *p, const cli_stage *s, tsamp_status st,
                        const tsamp_parse_error *pe, size_t n_vocab, char *msg, size_t cap) {
    if (s->kind != CLI_STAGE_SPEC && st == TSAMP_ERR_VOCAB) {
        snprintf(msg, cap, "%s: %s: a token id is outside the vocabulary (0 .. %zu)",
                 s->source, s->item, n_vocab - 1);
        return;
    }
    if (s->kind != CLI_STAGE_SPEC) {
        snprintf(msg, cap, "%s: %s is not allowed (%s)", s->source, s->item,
                 tsamp_status_str(st));
        return;
    }
    int detail = st == TSAMP_ERR_PARSE || st == TSAMP_ERR_INVALID_PARAM;
    size_t at = s->spec_offset + (detail ? pe->offset : 0);
    snprintf(msg, cap, "--samplers: byte %zu: %s\n  %s\n  %*s^", at,
             detail ? pe->message : tsamp_status_str(st), p->spec, (int)at, "");
}

tsamp_status cli_chain_create(const cli_plan *p, size_t n_stages, size_t n_vocab,
                              const cli_chain_setup *setup, tsamp_chain **out, char *msg,
                              size_t cap) {
    tsamp_chain_params params = tsamp_chain_default_params();
    params.seed = setup->seed;
    params.stream = setup->stream;
    tsamp_chain *c = NULL;
    tsamp_status st = tsamp_chain_create(&c, n_vocab, &params);
    *out = NULL;
    if (st != TSAMP_OK) {
        snprintf(msg, cap, "cannot create a chain for %zu tokens: %s", n_vocab,
                 tsamp_status_str(st));
        return st;
    }
    for (size_t i = 0; i < n_stages && i < p->n; i++) {
        tsamp_parse_error pe = {0, ""};
        st = stage_add(c, &p->stage[i], &pe);
        if (st != TSAMP_OK) {
            stage_error(p, &p->stage[i], st, &pe, n_vocab, msg, cap);
            tsamp_chain_free(c);
            return st;
        }
    }
    for (size_t i = 0; i < setup->n_history; i++) {
        st = tsamp_chain_accept(c, setup->history[i]);
        if (st != TSAMP_OK) {
            snprintf(msg, cap, "--history: token %ld is outside the vocabulary (0 .. %zu)",
                     (long)setup->history[i], n_vocab - 1);
            tsamp_chain_free(c);
            return st;
        }
    }
    *out = c;
    return TSAMP_OK;
}
