/* Sampler flags or a spec string -> stages (one processor each) -> a tsamp chain. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli_chain.h"

/* ---- stages ------------------------------------------------------------------------------- */

enum {
    STAGE_SPEC, STAGE_BIAS, STAGE_PENALTIES, STAGE_DRY, STAGE_TOP_N_SIGMA, STAGE_TOP_K,
    STAGE_TYPICAL, STAGE_TOP_P, STAGE_MIN_P, STAGE_XTC, STAGE_TEMP, STAGE_TEMP_EXT,
    STAGE_MIROSTAT, STAGE_MIROSTAT_V2
};

/* A label being written: "key=v1,v2,...", cut short (with "...") if it gets long. */
typedef struct {
    char s[72];
    size_t n;
} label;

static void put(label *l, const char *text) {
    size_t room = sizeof l->s - 4 - l->n, len = strlen(text);
    if (l->n > sizeof l->s - 4) return;
    if (len > room) {
        memcpy(l->s + l->n, text, room);
        memcpy(l->s + l->n + room, "...", 4);
        l->n = sizeof l->s; /* full */
        return;
    }
    memcpy(l->s + l->n, text, len + 1);
    l->n += len;
}

/* The shortest "%g" text that reads back as x, so an item parses to the same float. */
static void put_float(label *l, const char *sep, float x) {
    char buf[40];
    int n = snprintf(buf, sizeof buf, "%s", sep);
    for (int prec = 1; prec <= 9; prec++) {
        snprintf(buf + n, sizeof buf - (size_t)n, "%.*g", prec, (double)x);
        if (strtof(buf + n, NULL) == x) break;
    }
    put(l, buf);
}

static void put_int(label *l, const char *sep, long x) {
    char buf[32];
    snprintf(buf, sizeof buf, "%s%ld", sep, x);
    put(l, buf);
}

static cli_stage *push_stage(cli_plan *p, int kind, const char *source) {
    cli_stage *s = realloc(p->stage, (p->n + 1) * sizeof *s);
    if (!s) return NULL;
    p->stage = s;
    s = &p->stage[p->n++];
    memset(s, 0, sizeof *s);
    s->kind = kind;
    s->source = source;
    return s;
}

static int finish(cli_stage *s, const label *l) {
    if (!s || !(s->item = malloc(strlen(l->s) + 1))) return -1;
    strcpy(s->item, l->s);
    return 0;
}

/* A stage of one float parameter and min_keep: "key=F" or "key=F,KEEP" (KEEP > 1; 0 and 1
 * both keep one token). */
static int push_float(cli_plan *p, int kind, const char *source, const char *key, float f,
                      size_t keep) {
    label l = {"", 0};
    cli_stage *s = push_stage(p, kind, source);
    if (!s) return -1;
    s->f[0] = f;
    s->keep = keep;
    put(&l, key);
    put_float(&l, "=", f);
    if (keep > 1) put_int(&l, ",", (long)keep);
    return finish(s, &l);
}

/* llama.cpp's -1 window: every token this run can accept. */
static int32_t window(int32_t last_n, size_t context) {
    return last_n != -1 ? last_n : context > INT32_MAX ? INT32_MAX : (int32_t)context;
}

static int push_bias(cli_plan *p, const cli_sampling *o) {
    label l = {"logit_bias=", 11};
    cli_stage *s = push_stage(p, STAGE_BIAS, "--logit-bias");
    if (!s) return -1;
    s->lists = o;
    for (size_t i = 0; i < o->n_bias; i++) {
        put_int(&l, i ? "," : "", (long)o->bias[i].token);
        put_float(&l, ":", o->bias[i].bias);
    }
    return finish(s, &l);
}

static int push_penalties(cli_plan *p, const cli_sampling *o, size_t context) {
    label l = {"penalties", 9};
    cli_stage *s = push_stage(p, STAGE_PENALTIES,
                              "--repeat-last-n/--repeat-penalty/--frequency-penalty/"
                              "--presence-penalty");
    if (!s) return -1;
    s->i[0] = window(o->repeat_last_n, context);
    s->f[0] = o->repeat_penalty, s->f[1] = o->frequency_penalty, s->f[2] = o->presence_penalty;
    put_int(&l, "=", (long)s->i[0]);
    for (int k = 0; k < 3; k++) put_float(&l, ",", s->f[k]);
    return finish(s, &l);
}

static int push_dry(cli_plan *p, const cli_sampling *o, size_t context) {
    label l = {"dry", 3};
    cli_stage *s = push_stage(p, STAGE_DRY, "--dry-multiplier/--dry-base/--dry-allowed-length/"
                                            "--dry-penalty-last-n/--dry-breaker");
    if (!s) return -1;
    s->f[0] = o->dry_multiplier, s->f[1] = o->dry_base;
    s->i[0] = o->dry_allowed_length, s->i[1] = window(o->dry_penalty_last_n, context);
    s->lists = o;
    put_float(&l, "=", s->f[0]);
    put_float(&l, ",", s->f[1]);
    put_int(&l, ",", (long)s->i[0]);
    put_int(&l, ",", (long)s->i[1]);
    if (o->n_breakers) put_int(&l, ",breakers:", (long)o->n_breakers);
    return finish(s, &l);
}

static int push_xtc(cli_plan *p, const cli_sampling *o, size_t keep) {
    label l = {"xtc", 3};
    cli_stage *s = push_stage(p, STAGE_XTC, "--xtc-probability/--xtc-threshold");
    if (!s) return -1;
    s->f[0] = o->xtc_probability, s->f[1] = o->xtc_threshold, s->keep = keep;
    put_float(&l, "=", s->f[0]);
    put_float(&l, ",", s->f[1]);
    if (keep > 1) put_int(&l, ",", (long)keep);
    return finish(s, &l);
}

/* --temp, or temp_ext with --dynatemp-range > 0 (llama.cpp's temp_ext is temp there). */
static int push_temperature(cli_plan *p, const cli_sampling *o) {
    if (!(o->dynatemp_range > 0.0f))
        return o->temp == 1.0f ? 0 : push_float(p, STAGE_TEMP, "--temp", "temp", o->temp, 0);
    label l = {"temp_ext", 8};
    cli_stage *s = push_stage(p, STAGE_TEMP_EXT, "--temp/--dynatemp-range/--dynatemp-exp");
    if (!s) return -1;
    s->f[0] = o->temp, s->f[1] = o->dynatemp_range, s->f[2] = o->dynatemp_exp;
    for (int k = 0; k < 3; k++) put_float(&l, k ? "," : "=", s->f[k]);
    return finish(s, &l);
}

static int push_mirostat(cli_plan *p, const cli_sampling *o) {
    int v1 = o->mirostat == 1;
    label l = {"", 0};
    if (o->temp != 1.0f && push_float(p, STAGE_TEMP, "--temp", "temp", o->temp, 0)) return -1;
    cli_stage *s = push_stage(p, v1 ? STAGE_MIROSTAT : STAGE_MIROSTAT_V2,
                              "--mirostat-ent/--mirostat-lr");
    if (!s) return -1;
    s->f[0] = o->mirostat_ent, s->f[1] = o->mirostat_lr, s->i[0] = 100; /* llama.cpp's m */
    put(&l, v1 ? "mirostat" : "mirostat_v2");
    put_float(&l, "=", s->f[0]);
    put_float(&l, ",", s->f[1]);
    if (v1) put_int(&l, ",", 100);
    return finish(s, &l);
}

/* The conditions are written so that NaN takes the processor in, and the library reports it
 * rather than the CLI silently dropping it. */
static int plan_from_flags(const cli_sampling *o, size_t context, cli_plan *p) {
    size_t keep = (size_t)o->min_keep;
    if (o->n_bias && push_bias(p, o)) return -1;
    if (o->mirostat) return push_mirostat(p, o);
    if (o->repeat_last_n != 0 &&
        !(o->repeat_penalty == 1.0f && o->frequency_penalty == 0.0f &&
          o->presence_penalty == 0.0f) &&
        push_penalties(p, o, context))
        return -1;
    if (!(o->dry_multiplier == 0.0f || o->dry_base < 1.0f || o->dry_penalty_last_n == 0) &&
        push_dry(p, o, context))
        return -1;
    if (!(o->top_n_sigma <= 0.0f) &&
        push_float(p, STAGE_TOP_N_SIGMA, "--top-n-sigma", "top_n_sigma", o->top_n_sigma, 0))
        return -1;
    if (o->top_k > 0) {
        label l = {"top_k", 5};
        cli_stage *s = push_stage(p, STAGE_TOP_K, "--top-k");
        if (!s) return -1;
        s->i[0] = o->top_k;
        put_int(&l, "=", (long)o->top_k);
        if (finish(s, &l)) return -1;
    }
    if (!(o->typical >= 1.0f) &&
        push_float(p, STAGE_TYPICAL, "--typical", "typical", o->typical, keep))
        return -1;
    if (!(o->top_p >= 1.0f) && push_float(p, STAGE_TOP_P, "--top-p", "top_p", o->top_p, keep))
        return -1;
    if (!(o->min_p <= 0.0f) && push_float(p, STAGE_MIN_P, "--min-p", "min_p", o->min_p, keep))
        return -1;
    if (!(o->xtc_probability <= 0.0f || o->xtc_threshold > 0.5f) && push_xtc(p, o, keep))
        return -1;
    return push_temperature(p, o);
}

static int is_blank(char ch) { return ch && strchr(" \t\n\v\f\r", ch) != NULL; }

/* Items are blank-separated and never contain blanks (tsamp.h's grammar). */
static int plan_from_spec(const char *spec, cli_plan *p) {
    for (size_t i = 0; spec[i];) {
        if (is_blank(spec[i])) {
            i++;
            continue;
        }
        size_t start = i;
        while (spec[i] && !is_blank(spec[i])) i++;
        cli_stage *s = push_stage(p, STAGE_SPEC, "--samplers");
        if (!s || !(s->item = malloc(i - start + 1))) return -1;
        memcpy(s->item, spec + start, i - start);
        s->item[i - start] = 0;
        s->spec_offset = start;
    }
    return 0;
}

int cli_plan_make(const cli_sampling *s, size_t context, cli_plan *p, char *msg, size_t cap) {
    memset(p, 0, sizeof *p);
    p->spec = s->spec;
    if ((s->spec ? plan_from_spec(s->spec, p) : plan_from_flags(s, context, p)) == 0) return 0;
    cli_plan_free(p);
    snprintf(msg, cap, "out of memory");
    return -1;
}

void cli_plan_free(cli_plan *p) {
    for (size_t i = 0; i < p->n; i++) free(p->stage[i].item);
    free(p->stage);
    memset(p, 0, sizeof *p);
}

void cli_plan_spec(const cli_plan *p, char *buf, size_t cap) {
    size_t n = 0;
    buf[0] = 0;
    for (size_t i = 0; i < p->n && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%s", i ? " " : "", p->stage[i].item);
}

/* ---- chains ------------------------------------------------------------------------------- */

static tsamp_status stage_add(tsamp_chain *c, const cli_stage *s, tsamp_parse_error *pe) {
    const cli_sampling *o = s->lists;
    switch (s->kind) {
    case STAGE_BIAS: return tsamp_chain_add_logit_bias(c, o->bias, o->n_bias);
    case STAGE_PENALTIES:
        return tsamp_chain_add_penalties(c, s->i[0], s->f[0], s->f[1], s->f[2]);
    case STAGE_DRY:
        return tsamp_chain_add_dry(c, s->f[0], s->f[1], s->i[0], s->i[1], o->breaker_ids,
                                   o->breaker_lens, o->n_breakers);
    case STAGE_TOP_N_SIGMA: return tsamp_chain_add_top_n_sigma(c, s->f[0]);
    case STAGE_TOP_K: return tsamp_chain_add_top_k(c, s->i[0]);
    case STAGE_TYPICAL: return tsamp_chain_add_typical(c, s->f[0], s->keep);
    case STAGE_TOP_P: return tsamp_chain_add_top_p(c, s->f[0], s->keep);
    case STAGE_MIN_P: return tsamp_chain_add_min_p(c, s->f[0], s->keep);
    case STAGE_XTC: return tsamp_chain_add_xtc(c, s->f[0], s->f[1], s->keep);
    case STAGE_TEMP: return tsamp_chain_add_temperature(c, s->f[0]);
    case STAGE_TEMP_EXT: return tsamp_chain_add_temp_ext(c, s->f[0], s->f[1], s->f[2]);
    case STAGE_MIROSTAT: return tsamp_chain_add_mirostat(c, s->f[0], s->f[1], s->i[0]);
    case STAGE_MIROSTAT_V2: return tsamp_chain_add_mirostat_v2(c, s->f[0], s->f[1]);
    default: return tsamp_chain_parse_ex(c, s->item, pe);
    }
}

static void stage_error(const cli_plan *p, const cli_stage *s, tsamp_status st,
                        const tsamp_parse_error *pe, char *msg, size_t cap) {
    if (s->kind != STAGE_SPEC) {
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
            stage_error(p, &p->stage[i], st, &pe, msg, cap);
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

int cli_parse_ids(const char *s, int32_t **ids, size_t *n, char *msg, size_t cap) {
    size_t count = *s ? 1 : 0;
    for (const char *q = s; *q; q++) count += *q == ',';
    int32_t *v = malloc((count ? count : 1) * sizeof *v);
    if (!v) {
        snprintf(msg, cap, "out of memory");
        return -1;
    }
    const char *q = s;
    for (size_t i = 0; i < count; i++) {
        char *end;
        errno = 0;
        long x = (*q >= '0' && *q <= '9') ? strtol(q, &end, 10) : -1;
        if (x < 0 || errno || x > INT32_MAX || (*end && *end != ',')) {
            snprintf(msg, cap, "expected token ids like 1,2,3, got \"%s\"", s);
            free(v);
            return -1;
        }
        v[i] = (int32_t)x;
        q = *end ? end + 1 : end;
    }
    *ids = v;
    *n = count;
    return 0;
}
