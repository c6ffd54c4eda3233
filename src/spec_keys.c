/* The spec-string keys (grammar in tsamp.h): each key's schema, builder and formatter. */
#include <math.h>

#include "spec_internal.h"

static tsamp_status build_temperature(const spec_args *a, size_t n_vocab, tsamp_proc *out,
                                      unsigned *slot, const char **rule) {
    (void)n_vocab;
    *slot = 0;
    *rule = "must be >= 0 and finite";
    return tsamp_proc_temperature(out, a->n ? a->f[0] : 0.0f);
}

static tsamp_status build_top_k(const spec_args *a, size_t n_vocab, tsamp_proc *out,
                                unsigned *slot, const char **rule) {
    (void)n_vocab, (void)slot, (void)rule;
    return tsamp_proc_top_k(out, a->i[0]);
}

static tsamp_status build_top_p(const spec_args *a, size_t n_vocab, tsamp_proc *out,
                                unsigned *slot, const char **rule) {
    (void)n_vocab;
    *slot = 0;
    *rule = "P must not be NaN";
    return tsamp_proc_top_p(out, a->f[0], a->z[1]);
}

static tsamp_status build_min_p(const spec_args *a, size_t n_vocab, tsamp_proc *out,
                                unsigned *slot, const char **rule) {
    (void)n_vocab;
    *slot = 0;
    *rule = "P must not be NaN";
    return tsamp_proc_min_p(out, a->f[0], a->z[1]);
}

const spec_key tsamp_spec_keys[] = {
    {"temp", TSAMP_PROC_TEMPERATURE, "f", "T", {0}, build_temperature},
    {"temperature", TSAMP_PROC_TEMPERATURE, "f", "T", {0}, build_temperature},
    {"greedy", TSAMP_PROC_TEMPERATURE, "", "", {0}, build_temperature},
    {"top_k", TSAMP_PROC_TOP_K, "i", "K", {0}, build_top_k},
    {"top_p", TSAMP_PROC_TOP_P, "f|z", "P,MIN_KEEP", {0, 1}, build_top_p},
    {"min_p", TSAMP_PROC_MIN_P, "f|z", "P,MIN_KEEP", {0, 1}, build_min_p},
};
const size_t tsamp_spec_n_keys = sizeof tsamp_spec_keys / sizeof tsamp_spec_keys[0];

void tsamp_spec_format(const tsamp_proc *p, spec_out *o) {
    switch (p->kind) {
    case TSAMP_PROC_TEMPERATURE:
        if (p->u.temperature.t == 0.0f && !signbit(p->u.temperature.t)) {
            spec_put(o, "greedy"); /* -0.0 is written "temp=-0": it must parse back bitwise */
        } else {
            spec_put(o, "temp=");
            spec_put_float(o, p->u.temperature.t);
        }
        return;
    case TSAMP_PROC_TOP_K:
        spec_put(o, "top_k=");
        spec_put_int(o, p->u.top_k.k);
        return;
    case TSAMP_PROC_TOP_P:
        spec_put(o, "top_p=");
        spec_put_float(o, p->u.top_p.p);
        spec_put(o, ",");
        spec_put_size(o, p->u.top_p.min_keep);
        return;
    case TSAMP_PROC_MIN_P:
        spec_put(o, "min_p=");
        spec_put_float(o, p->u.min_p.p);
        spec_put(o, ",");
        spec_put_size(o, p->u.min_p.min_keep);
        return;
    default: /* every kind has a key: tests/test_spec.c round-trips each one */
        return;
    }
}
