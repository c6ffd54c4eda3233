/* The spec-string keys (grammar in tsamp.h): each key's schema, builder and formatter. */
#include <math.h>
#include <stdint.h>

#include "proc_edits_internal.h"
#include "proc_shaping_internal.h"
#include "proc_stateful_internal.h"
#include "spec_internal.h"

/* Builders: the constructor decides the domain; the rule names it for the message. */
#define BUILDER(name, rule_text, call)                                                        \
    static tsamp_status name(const spec_args *a, size_t n_vocab, const tsamp_allocator *alloc, \
                             tsamp_proc *out, unsigned *slot, const char **rule) {             \
        (void)n_vocab, (void)alloc;                                                           \
        *slot = 0;                                                                            \
        *rule = rule_text;                                                                    \
        return call;                                                                          \
    }

BUILDER(build_temperature, "must be >= 0 and finite",
        tsamp_proc_temperature(out, a->n ? a->f[0] : 0.0f))
BUILDER(build_top_k, "out of range", tsamp_proc_top_k(out, a->i[0]))
BUILDER(build_top_p, "P must not be NaN", tsamp_proc_top_p(out, a->f[0], a->z[1]))
BUILDER(build_min_p, "P must not be NaN", tsamp_proc_min_p(out, a->f[0], a->z[1]))
BUILDER(build_typical, "P must not be NaN", tsamp_proc_typical(out, a->f[0], a->z[1]))
BUILDER(build_top_n_sigma, "N must not be NaN", tsamp_proc_top_n_sigma(out, a->f[0]))
BUILDER(build_xtc, "PROBABILITY and THRESHOLD must be numbers, not NaN",
        tsamp_proc_xtc(out, a->f[0], a->f[1], a->z[2]))
BUILDER(build_temp_ext, "T must be >= 0 and finite, DELTA and EXPONENT finite",
        tsamp_proc_temp_ext(out, a->f[0], a->f[1], a->f[2]))
BUILDER(build_epsilon, "EPS must not be NaN", tsamp_proc_epsilon(out, a->f[0], a->z[1]))
BUILDER(build_eta, "EPS must not be NaN", tsamp_proc_eta(out, a->f[0], a->z[1]))
BUILDER(build_penalties, "LAST_N must be >= 0, REPEAT finite and > 0, FREQ and PRESENT finite",
        tsamp_proc_penalties(out, a->i[0], a->f[1], a->f[2], a->f[3]))
BUILDER(build_no_repeat_ngram, "N must be >= 1 and LAST_N >= 0",
        tsamp_proc_no_repeat_ngram(out, a->i[0], a->i[1]))
BUILDER(build_min_length, "out of range",
        tsamp_proc_min_length(out, n_vocab, a->i[0], (uint64_t)a->z[1]))
BUILDER(build_mirostat, "TAU and ETA must be finite, M >= 1",
        tsamp_proc_mirostat(out, a->f[0], a->f[1], a->i[2]))
BUILDER(build_mirostat_v2, "TAU and ETA must be finite", tsamp_proc_mirostat_v2(out, a->f[0], a->f[1]))
BUILDER(build_adaptive_p, "TARGET and DECAY out of their domain",
        tsamp_proc_adaptive_p(out, n_vocab, a->f[0], a->f[1]))
BUILDER(build_allow, "", tsamp_proc_allow(out, n_vocab, alloc, a->ids, a->n_items))
BUILDER(build_deny, "", tsamp_proc_deny(out, n_vocab, alloc, a->ids, a->n_items))

static tsamp_status build_logit_bias(const spec_args *a, size_t n_vocab,
                                     const tsamp_allocator *alloc, tsamp_proc *out,
                                     unsigned *slot, const char **rule) {
    *slot = SPEC_MAX_SLOTS;
    *rule = "a BIAS must be a finite number or -inf";
    tsamp_logit_bias *b = tsamp_alloc(alloc, (a->n_items + 1) * sizeof *b);
    if (!b) return TSAMP_ERR_NOMEM;
    for (size_t k = 0; k < a->n_items; k++) b[k] = (tsamp_logit_bias){a->ids[k], a->vals[k]};
    tsamp_status st = tsamp_proc_logit_bias(out, n_vocab, alloc, b, a->n_items);
    tsamp_dealloc(alloc, b);
    return st;
}

/* The repeated sequences (each ended by -1 in a->ids) as the constructor's ids + lengths. */
static tsamp_status build_dry(const spec_args *a, size_t n_vocab, const tsamp_allocator *alloc,
                              tsamp_proc *out, unsigned *slot, const char **rule) {
    *slot = 0;
    *rule = "MULT and BASE must be finite, ALLOWED_LENGTH and LAST_N >= 0, each breaker 1 to "
            "21 tokens";
    size_t *lens = tsamp_alloc(alloc, (a->n_items + 1) * sizeof *lens);
    int32_t *ids = tsamp_alloc(alloc, (a->n_ids + 1) * sizeof *ids);
    tsamp_status st = TSAMP_ERR_NOMEM;
    if (lens && ids) {
        size_t n_ids = 0, k = 0, len = 0;
        for (size_t j = 0; j < a->n_ids; j++) {
            if (a->ids[j] < 0) {
                lens[k++] = len;
                len = 0;
            } else {
                ids[n_ids++] = a->ids[j];
                len++;
            }
        }
        st = tsamp_proc_dry(out, n_vocab, alloc, a->f[0], a->f[1], a->i[2], a->i[3], ids, lens,
                            a->n_items);
    }
    tsamp_dealloc(alloc, lens);
    tsamp_dealloc(alloc, ids);
    return st;
}

const spec_key tsamp_spec_keys[] = {
    {"temp", TSAMP_PROC_TEMPERATURE, "f", "T", {0}, build_temperature},
    {"temperature", TSAMP_PROC_TEMPERATURE, "f", "T", {0}, build_temperature},
    {"greedy", TSAMP_PROC_TEMPERATURE, "", "", {0}, build_temperature},
    {"top_k", TSAMP_PROC_TOP_K, "i", "K", {0}, build_top_k},
    {"top_p", TSAMP_PROC_TOP_P, "f|z", "P,MIN_KEEP", {0, 1}, build_top_p},
    {"min_p", TSAMP_PROC_MIN_P, "f|z", "P,MIN_KEEP", {0, 1}, build_min_p},
    {"typical", TSAMP_PROC_TYPICAL, "f|z", "P,MIN_KEEP", {0, 1}, build_typical},
    {"top_n_sigma", TSAMP_PROC_TOP_N_SIGMA, "f", "N", {0}, build_top_n_sigma},
    {"xtc", TSAMP_PROC_XTC, "ff|z", "PROBABILITY,THRESHOLD,MIN_KEEP", {0, 0, 1}, build_xtc},
    {"temp_ext", TSAMP_PROC_TEMP_EXT, "f|ff", "T,DELTA,EXPONENT", {0, 0, 1}, build_temp_ext},
    {"epsilon", TSAMP_PROC_EPSILON, "f|z", "EPS,MIN_KEEP", {0, 1}, build_epsilon},
    {"eta", TSAMP_PROC_ETA, "f|z", "EPS,MIN_KEEP", {0, 1}, build_eta},
    {"penalties", TSAMP_PROC_PENALTIES, "if|ff", "LAST_N,REPEAT,FREQ,PRESENT", {0, 0, 0, 0},
     build_penalties},
    {"dry", TSAMP_PROC_DRY, "ffii|s*", "MULT,BASE,ALLOWED_LENGTH,LAST_N", {0}, build_dry},
    {"logit_bias", TSAMP_PROC_LOGIT_BIAS, "p*", "", {0}, build_logit_bias},
    {"no_repeat_ngram", TSAMP_PROC_NO_REPEAT_NGRAM, "ii", "N,LAST_N", {0}, build_no_repeat_ngram},
    {"allow", TSAMP_PROC_ALLOW, "i*", "", {0}, build_allow},
    {"deny", TSAMP_PROC_DENY, "i*", "", {0}, build_deny},
    {"min_length", TSAMP_PROC_MIN_LENGTH, "iz", "EOS_ID,MIN_LENGTH", {0}, build_min_length},
    {"mirostat", TSAMP_PROC_MIROSTAT, "ff|i", "TAU,ETA,M", {0, 0, 100}, build_mirostat},
    {"mirostat_v2", TSAMP_PROC_MIROSTAT_V2, "ff", "TAU,ETA", {0}, build_mirostat_v2},
    {"adaptive_p", TSAMP_PROC_ADAPTIVE_P, "ff", "TARGET,DECAY", {0}, build_adaptive_p},
};
const size_t tsamp_spec_n_keys = sizeof tsamp_spec_keys / sizeof tsamp_spec_keys[0];

void tsamp_spec_release(tsamp_proc *p, const tsamp_allocator *alloc) {
    switch (p->kind) {
    case TSAMP_PROC_DRY:
    case TSAMP_PROC_LOGIT_BIAS:
    case TSAMP_PROC_ALLOW:
    case TSAMP_PROC_DENY: tsamp_proc_edits_release(p, alloc); return;
    default: return;
    }
}

/* ---- formatting: each key's values, in the order the schema reads them ------------------ */

static void put_floats(spec_out *o, const char *key, const float *f, size_t n) {
    spec_put(o, key);
    for (size_t i = 0; i < n; i++) {
        spec_put(o, i ? "," : "=");
        spec_put_float(o, f[i]);
    }
}

static void put_float_keep(spec_out *o, const char *key, float f, size_t min_keep) {
    put_floats(o, key, &f, 1);
    spec_put(o, ",");
    spec_put_size(o, min_keep);
}

static void put_ids(spec_out *o, const char *key, const int32_t *ids, size_t n) {
    spec_put(o, key);
    for (size_t i = 0; i < n; i++) {
        spec_put(o, i ? "," : "=");
        spec_put_int(o, ids[i]);
    }
}

static void format_logit_bias(const tsamp_proc *p, spec_out *o) {
    const tsamp_logit_bias *b = p->data;
    spec_put(o, "logit_bias");
    for (size_t i = 0; i < p->u.logit_bias.n; i++) {
        spec_put(o, i ? "," : "=");
        spec_put_int(o, b[i].token);
        spec_put(o, ":");
        spec_put_float(o, b[i].bias);
    }
}

int tsamp_spec_format(const tsamp_proc *p, spec_out *o) {
    const float *f;
    switch (p->kind) {
    case TSAMP_PROC_TEMPERATURE:
        if (p->u.temperature.t == 0.0f && !signbit(p->u.temperature.t))
            spec_put(o, "greedy"); /* -0.0 is written "temp=-0": it must parse back bitwise */
        else
            put_floats(o, "temp", &p->u.temperature.t, 1);
        return 1;
    case TSAMP_PROC_TOP_K: put_ids(o, "top_k", &p->u.top_k.k, 1); return 1;
    case TSAMP_PROC_TOP_P: put_float_keep(o, "top_p", p->u.top_p.p, p->u.top_p.min_keep); return 1;
    case TSAMP_PROC_MIN_P: put_float_keep(o, "min_p", p->u.min_p.p, p->u.min_p.min_keep); return 1;
    case TSAMP_PROC_TYPICAL:
        put_float_keep(o, "typical", p->u.typical.p, p->u.typical.min_keep);
        return 1;
    case TSAMP_PROC_TOP_N_SIGMA: put_floats(o, "top_n_sigma", &p->u.top_n_sigma.n, 1); return 1;
    case TSAMP_PROC_XTC:
        put_floats(o, "xtc", (const float[]){p->u.xtc.probability, p->u.xtc.threshold}, 2);
        spec_put(o, ",");
        spec_put_size(o, p->u.xtc.min_keep);
        return 1;
    case TSAMP_PROC_TEMP_EXT:
        f = (const float[]){p->u.temp_ext.t, p->u.temp_ext.delta, p->u.temp_ext.exponent};
        put_floats(o, "temp_ext", f, 3);
        return 1;
    case TSAMP_PROC_EPSILON:
        put_float_keep(o, "epsilon", p->u.epsilon.eps, p->u.epsilon.min_keep);
        return 1;
    case TSAMP_PROC_ETA: put_float_keep(o, "eta", p->u.eta.eps, p->u.eta.min_keep); return 1;
    case TSAMP_PROC_PENALTIES:
        put_ids(o, "penalties", &p->u.penalties.last_n, 1);
        f = (const float[]){p->u.penalties.repeat, p->u.penalties.freq, p->u.penalties.present};
        for (int i = 0; i < 3; i++) {
            spec_put(o, ",");
            spec_put_float(o, f[i]);
        }
        return 1;
    case TSAMP_PROC_DRY: tsamp_proc_dry_format(p, o); return 1;
    case TSAMP_PROC_LOGIT_BIAS: format_logit_bias(p, o); return 1;
    case TSAMP_PROC_NO_REPEAT_NGRAM:
        put_ids(o, "no_repeat_ngram",
                (const int32_t[]){p->u.no_repeat_ngram.n, p->u.no_repeat_ngram.last_n}, 2);
        return 1;
    case TSAMP_PROC_ALLOW: put_ids(o, "allow", p->data, p->u.ids.n); return 1;
    case TSAMP_PROC_DENY: put_ids(o, "deny", p->data, p->u.ids.n); return 1;
    case TSAMP_PROC_MIN_LENGTH:
        put_ids(o, "min_length", &p->u.min_length.eos, 1);
        spec_put(o, ",");
        spec_put_size(o, (size_t)p->u.min_length.min_length);
        return 1;
    case TSAMP_PROC_MIROSTAT:
        put_floats(o, "mirostat", (const float[]){p->u.mirostat.tau, p->u.mirostat.eta}, 2);
        spec_put(o, ",");
        spec_put_int(o, p->u.mirostat.m);
        return 1;
    case TSAMP_PROC_MIROSTAT_V2:
        put_floats(o, "mirostat_v2", (const float[]){p->u.mirostat.tau, p->u.mirostat.eta}, 2);
        return 1;
    case TSAMP_PROC_ADAPTIVE_P:
        put_floats(o, "adaptive_p", (const float[]){p->u.adaptive_p.target, p->u.adaptive_p.decay},
                   2);
        return 1;
    case TSAMP_PROC_MASK_CALLBACK: /* a function pointer has no text form */
    default: return 0;
    }
}
