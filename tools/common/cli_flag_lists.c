/* The sampler flags whose values are lists: logit biases, DRY breakers, token-id lists. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli_chain.h"

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

/* "15043+1", "15043-inf": llama.cpp's TOKEN_ID(+/-)BIAS. */
static int add_bias(cli_sampling *s, const char *v) {
    char *end;
    if (*v < '0' || *v > '9') return -1;
    errno = 0;
    long id = strtol(v, &end, 10);
    float b;
    if (errno || id > INT32_MAX || (*end != '+' && *end != '-') || cli_parse_float(end, &b))
        return -1;
    tsamp_logit_bias *nb = realloc(s->bias, (s->n_bias + 1) * sizeof *nb);
    if (!nb) return -1;
    s->bias = nb;
    s->bias[s->n_bias].token = (int32_t)id;
    s->bias[s->n_bias++].bias = b;
    return 0;
}

/* Appends "1,2,3" (at least one id) to a list. */
static int add_ids(int32_t **list, size_t *n_list, const char *v, size_t *n_added) {
    int32_t *ids;
    size_t n;
    char msg[8];
    if (cli_parse_ids(v, &ids, &n, msg, sizeof msg)) return -1;
    int32_t *grown = n ? realloc(*list, (*n_list + n) * sizeof *grown) : NULL;
    if (grown) {
        memcpy(grown + *n_list, ids, n * sizeof *ids);
        *list = grown;
        *n_list += n;
    }
    free(ids);
    if (n_added) *n_added = n;
    return grown ? 0 : -1;
}

/* One breaker: "13" or "29871,13" (token ids in order). */
static int add_breaker(cli_sampling *s, const char *v) {
    size_t *nl = realloc(s->breaker_lens, (s->n_breakers + 1) * sizeof *nl);
    if (!nl) return -1;
    s->breaker_lens = nl;
    size_t n;
    if (add_ids(&s->breaker_ids, &s->n_breaker_ids, v, &n)) return -1;
    s->breaker_lens[s->n_breakers++] = n;
    return 0;
}

static const struct {
    const char *flag, *expected;
} LISTS[] = {
    {"--logit-bias", "TOKEN+BIAS or TOKEN-BIAS (e.g. 15043+1, 2-inf)"},
    {"--dry-breaker", "token ids like 13 or 29871,13"},
    {"--allow-tokens", "token ids like 5 or 5,17,230"},
    {"--deny-tokens", "token ids like 5 or 5,17,230"},
    {"--eos-token", "token ids like 2 or 2,32000"},
};

int cli_list_flag(cli_sampling *s, const char *flag, const char *value, char *msg,
                  size_t cap) {
    size_t k = 0, n_lists = sizeof LISTS / sizeof LISTS[0];
    while (k < n_lists && strcmp(flag, LISTS[k].flag) != 0) k++;
    if (k == n_lists) return 0;
    int bad = k == 0   ? add_bias(s, value)
              : k == 1 ? add_breaker(s, value)
              : k == 2 ? add_ids(&s->allow_ids, &s->n_allow, value, NULL)
              : k == 3 ? add_ids(&s->deny_ids, &s->n_deny, value, NULL)
                       : add_ids(&s->eos_ids, &s->n_eos, value, NULL);
    if (!bad) {
        if (!s->chosen) s->chosen = LISTS[k].flag;
        return 1;
    }
    snprintf(msg, cap, "%s: expected %s, got \"%s\"", flag, LISTS[k].expected, value);
    return -1;
}

void cli_list_flags_help(FILE *f) {
    static const char *const lines[][2] = {
        {"--logit-bias ID+B|ID-B", "add B to the token's logit (-inf bans it); first in"},
        {"", "the chain, also with --mirostat"},
        {"--allow-tokens IDS", "mask every token not listed, e.g. 5,17,230"},
        {"--deny-tokens IDS", "mask the tokens listed (Hugging Face's suppress_tokens, or"},
        {"", "bad_words_ids of single tokens)"},
        {"--eos-token IDS", "the end-of-sequence ids --min-length holds back (Hugging"},
        {"", "Face's eos_token_id)"},
        {"--dry-breaker IDS", "a DRY sequence breaker as token ids (there is no"},
        {"", "tokenizer here: llama.cpp's default string breakers do not apply)"},
        {"", "These flags are repeatable; the lists add up."},
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i++)
        fprintf(f, "  %-26s %s\n", lines[i][0], lines[i][1]);
}

void cli_sampling_free(cli_sampling *s) {
    free(s->breaker_ids);
    free(s->breaker_lens);
    free(s->bias);
    free(s->allow_ids);
    free(s->deny_ids);
    free(s->eos_ids);
    s->breaker_ids = s->allow_ids = s->deny_ids = s->eos_ids = NULL;
    s->breaker_lens = NULL, s->bias = NULL;
    s->n_breaker_ids = s->n_breakers = s->n_bias = s->n_allow = s->n_deny = s->n_eos = 0;
}
