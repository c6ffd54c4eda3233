/* Sampler flags or a spec string -> stages, one processor each (cli_chain_build.c turns them
 * into a chain). */
#include <stdlib.h>
#include <string.h>

#include "cli_chain.h"

/* ---- stages ------------------------------------------------------------------------------- */

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
    cli_stage *s = push_stage(p, CLI_STAGE_BIAS, "--logit-bias");
    if (!s) return -1;
    s->lists = o;
    for (size_t i = 0; i < o->n_bias; i++) {
        put_int(&l, i ? "," : "", (long)o->bias[i].token);
        put_float(&l, ":", o->bias[i].bias);
    }
    return finish(s, &l);
}

/* allow or deny: the stage adds o's whole list; only its label may be cut short. */
static int push_ids(cli_plan *p, int kind, const char *source, const char *key,
                    const cli_sampling *o, const int32_t *ids, size_t n) {
    label l = {"", 0};
    cli_stage *s = push_stage(p, kind, source);
    if (!s) return -1;
    s->lists = o;
    put(&l, key);
    for (size_t i = 0; i < n; i++) put_int(&l, i ? "," : "=", (long)ids[i]);
    return finish(s, &l);
}

/* Two integers: "key=A,B". */
static int push_ints(cli_plan *p, int kind, const char *source, const char *key, int32_t a,
                     int32_t b) {
    label l = {"", 0};
    cli_stage *s = push_stage(p, kind, source);
    if (!s) return -1;
    s->i[0] = a, s->i[1] = b;
    put(&l, key);
    put_int(&l, "=", (long)a);
    put_int(&l, ",", (long)b);
    return finish(s, &l);
}

/* Which tokens may appear at all: cheapest and most selective first, each a mask, so their
 * order does not change the distribution. */
static int push_masks(cli_plan *p, const cli_sampling *o, size_t context) {
    if (o->n_allow && push_ids(p, CLI_STAGE_ALLOW, "--allow-tokens", "allow", o, o->allow_ids,
                               o->n_allow))
        return -1;
    if (o->n_deny &&
        push_ids(p, CLI_STAGE_DENY, "--deny-tokens", "deny", o, o->deny_ids, o->n_deny))
        return -1;
    for (size_t k = 0; o->min_length > 0 && k < o->n_eos; k++) /* one per end id */
        if (push_ints(p, CLI_STAGE_MIN_LENGTH, "--min-length/--eos-token", "min_length",
                      o->eos_ids[k], o->min_length))
            return -1;
    if (o->no_repeat_ngram_size > 0 && o->no_repeat_ngram_last_n != 0 &&
        push_ints(p, CLI_STAGE_NO_REPEAT_NGRAM,
                  "--no-repeat-ngram-size/--no-repeat-ngram-last-n", "no_repeat_ngram",
                  o->no_repeat_ngram_size, window(o->no_repeat_ngram_last_n, context)))
        return -1;
    return 0;
}

static int push_penalties(cli_plan *p, const cli_sampling *o, size_t context) {
    label l = {"penalties", 9};
    cli_stage *s = push_stage(p, CLI_STAGE_PENALTIES,
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
    cli_stage *s = push_stage(p, CLI_STAGE_DRY,
                              "--dry-multiplier/--dry-base/--dry-allowed-length/"
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
    cli_stage *s = push_stage(p, CLI_STAGE_XTC, "--xtc-probability/--xtc-threshold");
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
        return o->temp == 1.0f ? 0 : push_float(p, CLI_STAGE_TEMP, "--temp", "temp", o->temp, 0);
    label l = {"temp_ext", 8};
    cli_stage *s = push_stage(p, CLI_STAGE_TEMP_EXT, "--temp/--dynatemp-range/--dynatemp-exp");
    if (!s) return -1;
    s->f[0] = o->temp, s->f[1] = o->dynatemp_range, s->f[2] = o->dynatemp_exp;
    for (int k = 0; k < 3; k++) put_float(&l, k ? "," : "=", s->f[k]);
    return finish(s, &l);
}

static int push_adaptive_p(cli_plan *p, const cli_sampling *o) {
    label l = {"adaptive_p", 10};
    cli_stage *s = push_stage(p, CLI_STAGE_ADAPTIVE_P, "--adaptive-target/--adaptive-decay");
    if (!s) return -1;
    s->f[0] = o->adaptive_target, s->f[1] = o->adaptive_decay;
    put_float(&l, "=", s->f[0]);
    put_float(&l, ",", s->f[1]);
    return finish(s, &l);
}

static int push_mirostat(cli_plan *p, const cli_sampling *o) {
    int v1 = o->mirostat == 1;
    label l = {"", 0};
    if (o->temp != 1.0f && push_float(p, CLI_STAGE_TEMP, "--temp", "temp", o->temp, 0)) return -1;
    cli_stage *s = push_stage(p, v1 ? CLI_STAGE_MIROSTAT : CLI_STAGE_MIROSTAT_V2,
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
    if (push_masks(p, o, context)) return -1;
    if (o->mirostat) return push_mirostat(p, o); /* cli_sampling_check: no adaptive-p */
    if (o->repeat_last_n != 0 &&
        !(o->repeat_penalty == 1.0f && o->frequency_penalty == 0.0f &&
          o->presence_penalty == 0.0f) &&
        push_penalties(p, o, context))
        return -1;
    if (!(o->dry_multiplier == 0.0f || o->dry_base < 1.0f || o->dry_penalty_last_n == 0) &&
        push_dry(p, o, context))
        return -1;
    if (!(o->top_n_sigma <= 0.0f) &&
        push_float(p, CLI_STAGE_TOP_N_SIGMA, "--top-n-sigma", "top_n_sigma", o->top_n_sigma, 0))
        return -1;
    if (o->top_k > 0) {
        label l = {"top_k", 5};
        cli_stage *s = push_stage(p, CLI_STAGE_TOP_K, "--top-k");
        if (!s) return -1;
        s->i[0] = o->top_k;
        put_int(&l, "=", (long)o->top_k);
        if (finish(s, &l)) return -1;
    }
    if (!(o->typical >= 1.0f) &&
        push_float(p, CLI_STAGE_TYPICAL, "--typical", "typical", o->typical, keep))
        return -1;
    if (!(o->top_p >= 1.0f) && push_float(p, CLI_STAGE_TOP_P, "--top-p", "top_p", o->top_p, keep))
        return -1;
    if (!(o->min_p <= 0.0f) && push_float(p, CLI_STAGE_MIN_P, "--min-p", "min_p", o->min_p, keep))
        return -1;
    if (!(o->epsilon_cutoff <= 0.0f) &&
        push_float(p, CLI_STAGE_EPSILON, "--epsilon-cutoff", "epsilon", o->epsilon_cutoff, keep))
        return -1;
    if (!(o->eta_cutoff <= 0.0f) &&
        push_float(p, CLI_STAGE_ETA, "--eta-cutoff", "eta", o->eta_cutoff, keep))
        return -1;
    if (!(o->xtc_probability <= 0.0f || o->xtc_threshold > 0.5f) && push_xtc(p, o, keep))
        return -1;
    if (push_temperature(p, o)) return -1;
    return o->adaptive_target < 0.0f ? 0 : push_adaptive_p(p, o);
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
        cli_stage *s = push_stage(p, CLI_STAGE_SPEC, "--samplers");
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
