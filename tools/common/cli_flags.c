/* llama.cpp's sampler flags: names, defaults, values and help. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cli_chain.h"

typedef struct {
    const char *flag, *meta;
    char type; /* 'f' float, 'i' int32, 'k' int32 >= 0, 'm' 0 .. 2 */
    size_t offset;
    const char *help;
} flag_def;

#define F(field) offsetof(cli_sampling, field)

/* In the chain's order (cli_chain.h), so the help reads as the chain does. */
static const flag_def FLAGS[] = {
    {"--min-length", "N", 'k', F(min_length), "hold back --eos-token for N tokens (0: off)"},
    {"--no-repeat-ngram-size", "N", 'k', F(no_repeat_ngram_size),
     "mask tokens that repeat an N-gram (0: off)"},
    {"--no-repeat-ngram-last-n", "N", 'i', F(no_repeat_ngram_last_n),
     "no-repeat-ngram: window (-1: all)"},
    {"--repeat-last-n", "N", 'i', F(repeat_last_n), "penalties: window (0: off, -1: all)"},
    {"--repeat-penalty", "F", 'f', F(repeat_penalty), "penalties: repeat penalty (1: off)"},
    {"--presence-penalty", "F", 'f', F(presence_penalty), "penalties: presence (0: off)"},
    {"--frequency-penalty", "F", 'f', F(frequency_penalty), "penalties: frequency (0: off)"},
    {"--dry-multiplier", "F", 'f', F(dry_multiplier), "DRY: multiplier (0: off)"},
    {"--dry-base", "F", 'f', F(dry_base), "DRY: base"},
    {"--dry-allowed-length", "N", 'i', F(dry_allowed_length), "DRY: repeats this long are free"},
    {"--dry-penalty-last-n", "N", 'i', F(dry_penalty_last_n), "DRY: window (0: off, -1: all)"},
    {"--top-n-sigma", "N", 'f', F(top_n_sigma), "keep logits >= max - N sigma (<= 0: off)"},
    {"--top-k", "K", 'i', F(top_k), "keep the K most probable (<= 0: off)"},
    {"--typical", "P", 'f', F(typical), "locally typical sampling (>= 1: off)"},
    {"--top-p", "P", 'f', F(top_p), "keep the most probable up to mass P (>= 1: off)"},
    {"--min-p", "P", 'f', F(min_p), "keep p >= P * the top p (<= 0: off)"},
    {"--epsilon-cutoff", "EPS", 'f', F(epsilon_cutoff), "keep p >= EPS, EPS < 1 (<= 0: off)"},
    {"--eta-cutoff", "EPS", 'f', F(eta_cutoff),
     "keep p >= min(EPS, sqrt(EPS) exp(-entropy)) (<= 0: off)"},
    {"--xtc-probability", "P", 'f', F(xtc_probability), "XTC: chance to act (0: off)"},
    {"--xtc-threshold", "P", 'f', F(xtc_threshold), "XTC: top choices have p >= P (> 0.5: off)"},
    {"--temp", "T", 'f', F(temp), "temperature (0: greedy, 1: off)"},
    {"--dynatemp-range", "R", 'f', F(dynatemp_range), "temperature in T +- R by entropy (0: off)"},
    {"--dynatemp-exp", "E", 'f', F(dynatemp_exp), "dynamic temperature exponent"},
    {"--adaptive-target", "P", 'f', F(adaptive_target),
     "adaptive-p: favour tokens of p near P (< 0: off)"},
    {"--adaptive-decay", "D", 'f', F(adaptive_decay), "adaptive-p: decay, 0 .. 0.99"},
    {"--mirostat", "N", 'm', F(mirostat), "1, 2: temp + mirostat v1, v2 (0: off)"},
    {"--mirostat-lr", "ETA", 'f', F(mirostat_lr), "mirostat learning rate"},
    {"--mirostat-ent", "TAU", 'f', F(mirostat_ent), "mirostat target surprise, bits"},
    {"--min-keep", "N", 'k', F(min_keep), "top-p, min-p, typical, epsilon, eta, XTC keep >= N"},
};
#define N_FLAGS (sizeof FLAGS / sizeof FLAGS[0])

void cli_sampling_defaults(cli_sampling *s) {
    memset(s, 0, sizeof *s);
    s->temp = 0.8f;
    s->dynatemp_range = 0.0f;
    s->dynatemp_exp = 1.0f;
    s->top_k = 40;
    s->top_p = 0.95f;
    s->min_p = 0.05f;
    s->typical = 1.0f;
    s->top_n_sigma = -1.0f;
    s->xtc_probability = 0.0f;
    s->xtc_threshold = 0.1f;
    s->repeat_last_n = 64;
    s->repeat_penalty = 1.0f;
    s->dry_multiplier = 0.0f;
    s->dry_base = 1.75f;
    s->dry_allowed_length = 2;
    s->dry_penalty_last_n = -1;
    s->mirostat_lr = 0.1f;
    s->mirostat_ent = 5.0f;
    s->no_repeat_ngram_last_n = -1; /* Hugging Face looks at the whole sequence */
    s->adaptive_target = -1.0f;     /* llama.cpp's defaults */
    s->adaptive_decay = 0.9f;
}

static int is_blank(char ch) { return ch && strchr(" \t\n\v\f\r", ch) != NULL; }

int cli_parse_float(const char *v, float *out) {
    char *end;
    if (!*v || is_blank(*v)) return -1; /* strtof would skip blanks */
    errno = 0;
    float x = strtof(v, &end);
    if (*end || (errno == ERANGE && (x > 1.0f || x < -1.0f))) return -1; /* junk, overflow */
    *out = x;
    return 0;
}

static int parse_int32(const char *v, int32_t *out) {
    char *end;
    if (!*v || is_blank(*v)) return -1;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (*end || errno || x < INT32_MIN || x > INT32_MAX) return -1;
    *out = (int32_t)x;
    return 0;
}

int cli_sampling_flag(cli_sampling *s, const char *flag, const char *value, char *msg,
                      size_t cap) {
    if (!strcmp(flag, "--samplers")) {
        s->spec = value;
        return 1;
    }
    int rc = cli_list_flag(s, flag, value, msg, cap);
    if (rc) return rc;
    for (size_t i = 0; i < N_FLAGS; i++) {
        const flag_def *d = &FLAGS[i];
        if (strcmp(flag, d->flag) != 0) continue;
        void *field = (char *)s + d->offset;
        int bad = d->type == 'f' ? cli_parse_float(value, (float *)field)
                                 : parse_int32(value, (int32_t *)field);
        int32_t iv = d->type == 'f' ? 0 : *(int32_t *)field;
        if (!bad && ((d->type == 'k' && iv < 0) || (d->type == 'm' && (iv < 0 || iv > 2))))
            bad = -1;
        if (bad) {
            snprintf(msg, cap, "%s: expected %s, got \"%s\"", flag,
                     d->type == 'f'   ? "a number"
                     : d->type == 'i' ? "an integer"
                     : d->type == 'k' ? "a non-negative integer"
                                      : "0, 1 or 2",
                     value);
            return -1;
        }
        if (!s->chosen) s->chosen = d->flag;
        return 1;
    }
    return 0;
}

void cli_sampling_help(FILE *f) {
    cli_sampling def;
    cli_sampling_defaults(&def);
    fprintf(f, "sampler flags (llama.cpp's names and defaults; Hugging Face's names for what\n"
               "llama.cpp lacks), in the chain's order:\n");
    for (size_t i = 0; i < N_FLAGS; i++) {
        const flag_def *d = &FLAGS[i];
        const void *field = (const char *)&def + d->offset;
        char name[40], val[32];
        snprintf(name, sizeof name, "%s %s", d->flag, d->meta);
        if (d->type == 'f') snprintf(val, sizeof val, "%g", (double)*(const float *)field);
        else snprintf(val, sizeof val, "%ld", (long)*(const int32_t *)field);
        fprintf(f, "  %-26s %s (default %s)\n", name, d->help, val);
    }
    cli_list_flags_help(f);
    fprintf(f,
            "  %-26s the whole chain as a spec string instead of the flags above,\n"
            "  %-26s e.g. \"top_k=40 top_p=0.95 temp=0.7\" (grammar: tsamp.h)\n",
            "--samplers SPEC", "");
}

int cli_sampling_check(const cli_sampling *s, char *msg, size_t cap) {
    if (s->min_length > 0 && s->n_eos == 0) {
        snprintf(msg, cap, "--min-length %ld: needs --eos-token ID (the token it holds back)",
                 (long)s->min_length);
        return -1;
    }
    /* NaN counts as given: the library then reports it. */
    if (s->mirostat && !(s->adaptive_target < 0.0f)) {
        snprintf(msg, cap,
                 "--adaptive-target: not with --mirostat (both steer the chain's last step; "
                 "use one)");
        return -1;
    }
    return 0;
}
