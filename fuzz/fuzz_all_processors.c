/*
 * Target: chains of any processors (every spec key, issue 5 included) with parameters and
 * logits from the input, over several positions with accepted history. Checks what holds for
 * every processor: documented statuses, a proper distribution, a sampled token inside it,
 * determinism (twice, on a clone, on every ISA path, after save/load of the state) and no
 * allocation while sampling. The definitions themselves are checked against references by
 * the unit tests and, for temperature/top-k/top-p/min-p, by the processor targets.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counting_alloc.h"
#include "input.h"
#include "invariants.h"
#include "tsamp.h"

enum { MAX_STEPS = 4, MAX_ITEMS = 4, MAX_VOCAB = 300 };

/* A spec item with values from the input; ids stay mostly inside a small vocabulary. */
static int write_item(fuzz_input *in, char *out, size_t cap, size_t n_vocab, int *masks) {
    static const char *const keys[] = {
        "temp", "top_k", "top_p", "min_p", "typical", "top_n_sigma", "xtc", "temp_ext",
        "epsilon", "eta", "penalties", "dry", "logit_bias", "no_repeat_ngram", "allow",
        "deny", "min_length", "mirostat", "mirostat_v2", "adaptive_p", "greedy"};
    unsigned k = fuzz_take_u8(in) % (unsigned)(sizeof keys / sizeof keys[0]);
    int id = (int)(fuzz_take_u16(in) % (n_vocab + 2)) - 1; /* -1 and n_vocab: out of range */
    float a = fuzz_take_p(in), b = fuzz_take_temperature(in);
    int small = fuzz_take_u8(in) % 70;
    const char *key = keys[k];
    *masks |= k >= 12 && k <= 16;
    switch (k) {
    case 0: return snprintf(out, cap, "temp=%.9g", (double)b);
    case 1: return snprintf(out, cap, "top_k=%d", (int)fuzz_take_k(in));
    case 5: return snprintf(out, cap, "top_n_sigma=%.9g", (double)(b - 1.0f));
    case 7: return snprintf(out, cap, "temp_ext=%.9g,%.9g,%.9g", (double)b, (double)a, (double)(a * 3));
    case 10: return snprintf(out, cap, "penalties=%d,%.9g,%.9g,%.9g", small, (double)(b + 0.5f), (double)a, (double)(a - 0.5f));
    case 11: return snprintf(out, cap, "dry=%.9g,%.9g,%d,%d,%d:%d", (double)a, (double)(1 + b), small % 4, small, id, (id + 1) % (int)n_vocab);
    case 12: return snprintf(out, cap, "logit_bias=%d:%.9g,%d:-inf", id, (double)(b - 1.0f), (id + 3) % (int)n_vocab);
    case 13: return snprintf(out, cap, "no_repeat_ngram=%d,%d", 1 + small % 4, small);
    case 14: return snprintf(out, cap, "allow=%d,%d", id, (id * 7 + 1) % (int)n_vocab);
    case 15: return snprintf(out, cap, "deny=%d", id);
    case 16: return snprintf(out, cap, "min_length=%d,%d", id, small % 5);
    case 17: return snprintf(out, cap, "mirostat=%.9g,%.9g,%d", (double)(b * 4), (double)a, 2 + small);
    case 18: return snprintf(out, cap, "mirostat_v2=%.9g,%.9g", (double)(b * 4), (double)a);
    case 19: return snprintf(out, cap, "adaptive_p=%.9g,%.9g", (double)(a - 0.2f), (double)a);
    case 20: return snprintf(out, cap, "greedy");
    default: /* top_p, min_p, typical, epsilon, eta, xtc: P[,...] */
        if (k == 6) return snprintf(out, cap, "xtc=%.9g,%.9g,%d", (double)a, (double)(b * 0.3f), small % 3);
        if (k == 8 || k == 9) a *= 0.1f;
        return snprintf(out, cap, "%s=%.9g,%d", key, (double)a, small % 3);
    }
}

static tsamp_chain *new_chain(size_t n, tsamp_isa isa, tsamp_allocator a) {
    tsamp_chain_params p = tsamp_chain_default_params();
    p.seed = 7;
    p.isa = isa;
    p.allocator = a;
    tsamp_chain *c = NULL;
    return tsamp_chain_create(&c, n, &p) == TSAMP_OK ? c : NULL;
}

/* Token and distribution at the chain's position; returns the sample status. */
static tsamp_status run(tsamp_chain *c, const float *x, int32_t *tok, int32_t *ids, float *pr,
                        size_t cap, size_t *kept) {
    tsamp_status st = tsamp_chain_sample(c, x, tok);
    tsamp_status sd = tsamp_chain_distribution(c, x, ids, pr, cap, kept);
    FUZZ_CHECK(st == sd, "sample %s, distribution %s", tsamp_status_str(st), tsamp_status_str(sd));
    return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_begin("all_processors", size);
    fuzz_input in;
    fuzz_input_init(&in, data, size);
    char spec[512] = "";
    size_t len = 0;
    int masks = 0, items = 1 + fuzz_take_u8(&in) % MAX_ITEMS;
    for (int i = 0; i < items && len + 128 < sizeof spec; i++) {
        if (i) spec[len++] = ' ';
        int w = write_item(&in, spec + len, sizeof spec - len, MAX_VOCAB, &masks);
        if (w > 0) len += (size_t)w;
        spec[len] = '\0';
    }
    float *x = NULL; /* the rest of the input; ids above its size make parse say VOCAB */
    size_t n = fuzz_take_logits(&in, MAX_VOCAB, &x);
    if (n == 0 || n == SIZE_MAX) return 0;
    fuzz_counter k;
    tsamp_allocator alloc = fuzz_counting_allocator(&k, 0);
    tsamp_chain *c = new_chain(n, TSAMP_ISA_AUTO, alloc);
    int32_t *ids = malloc(n * sizeof *ids), *ids2 = malloc(n * sizeof *ids2);
    float *pr = malloc(n * sizeof *pr), *pr2 = malloc(n * sizeof *pr2);
    if (!c || !ids || !ids2 || !pr || !pr2) goto out;
    tsamp_status ps = tsamp_chain_parse(c, spec);
    FUZZ_CHECK(ps == TSAMP_OK || ps == TSAMP_ERR_INVALID_PARAM || ps == TSAMP_ERR_VOCAB,
               "parse(\"%s\"): %s", spec, tsamp_status_str(ps));
    if (ps != TSAMP_OK) goto out;
    tsamp_status want = fuzz_logits_status(x, n);
    for (int step = 0; step < MAX_STEPS; step++) {
        size_t before = k.allocs, kept = 0, kept2 = 0;
        int32_t tok = -1, tok2 = -2;
        tsamp_status st = run(c, x, &tok, ids, pr, n, &kept);
        FUZZ_CHECK(k.allocs == before, "\"%s\": %zu allocations while sampling", spec, k.allocs - before);
        if (want != TSAMP_OK || st == TSAMP_ERR_ALL_MASKED) {
            FUZZ_CHECK(st == want || (st == TSAMP_ERR_ALL_MASKED && want == TSAMP_OK && masks),
                       "\"%s\": %s, expected %s", spec, tsamp_status_str(st), tsamp_status_str(want));
            break;
        }
        FUZZ_CHECK(st == TSAMP_OK, "\"%s\": %s", spec, tsamp_status_str(st));
        double sum = 0.0;
        int found = 0;
        for (size_t j = 0; j < kept; j++) {
            FUZZ_CHECK(ids[j] >= 0 && (size_t)ids[j] < n && (j == 0 || ids[j] > ids[j - 1]),
                       "\"%s\": kept ids not increasing in range", spec);
            FUZZ_CHECK(pr[j] >= 0.0f && pr[j] <= 1.0f, "\"%s\": probability %g", spec, (double)pr[j]);
            FUZZ_CHECK(x[ids[j]] > -INFINITY, "\"%s\": kept a masked logit", spec);
            sum += pr[j];
            found |= ids[j] == tok && pr[j] > 0.0f;
        }
        FUZZ_CHECK(fabs(sum - 1.0) <= 0x1p-19 * (double)(kept + 1), "\"%s\": sum %.9g", spec, sum);
        FUZZ_CHECK(found, "\"%s\": token %d not kept with probability > 0", spec, (int)tok);
        /* determinism: twice, a clone, every ISA path, a chain restored from saved state */
        FUZZ_CHECK(tsamp_chain_sample(c, x, &tok2) == TSAMP_OK && tok2 == tok, "\"%s\": not repeatable", spec);
        tsamp_chain *d = NULL;
        if (tsamp_chain_clone(c, &d) == TSAMP_OK) {
            FUZZ_CHECK(run(d, x, &tok2, ids2, pr2, n, &kept2) == TSAMP_OK && tok2 == tok &&
                           kept2 == kept && memcmp(pr, pr2, kept * sizeof *pr) == 0,
                       "\"%s\": clone differs", spec);
            tsamp_chain_free(d);
        }
        for (int isa = TSAMP_ISA_SCALAR; isa <= TSAMP_ISA_NEON; isa++) {
            if (!tsamp_isa_available((tsamp_isa)isa)) continue;
            tsamp_chain *e = new_chain(n, (tsamp_isa)isa, alloc);
            size_t sl = 0;
            void *buf = NULL;
            if (!e || tsamp_chain_parse(e, spec) != TSAMP_OK) goto next;
            tsamp_chain_save_state(c, NULL, 0, &sl);
            buf = malloc(sl ? sl : 1);
            if (buf && tsamp_chain_save_state(c, buf, sl, &sl) == TSAMP_OK) {
                FUZZ_CHECK(tsamp_chain_load_state(e, buf, sl) == TSAMP_OK, "\"%s\": load_state", spec);
                FUZZ_CHECK(run(e, x, &tok2, ids2, pr2, n, &kept2) == TSAMP_OK && tok2 == tok &&
                               kept2 == kept && memcmp(pr, pr2, kept * sizeof *pr) == 0,
                           "\"%s\": isa %s after load_state differs", spec, tsamp_isa_name((tsamp_isa)isa));
            }
        next:
            free(buf);
            tsamp_chain_free(e);
        }
        FUZZ_CHECK(tsamp_chain_accept(c, tok) == TSAMP_OK, "accept");
    }
out:
    tsamp_chain_free(c);
    FUZZ_CHECK(k.allocs == k.frees, "%zu allocations, %zu frees", k.allocs, k.frees);
    free(ids), free(ids2), free(pr), free(pr2), free(x);
    return 0;
}
