/* Golden vectors: the logits of each step, one run of a case, the file text (golden.h). */
#include "golden.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "logit_shapes.h"

static uint64_t mix64(uint64_t z) { /* splitmix64's finaliser */
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* One key per (case, step): the seed, stream and size tell cases apart. */
static uint64_t step_key(const golden_case *gc, size_t step) {
    uint64_t k = mix64(gc->seed ^ 0x676f6c64656eull);
    k = mix64(k ^ gc->stream * 0x9e3779b97f4a7c15ull);
    k = mix64(k ^ (uint64_t)gc->n_vocab * 0xc2b2ae3d27d4eb4full);
    return mix64(k ^ ((uint64_t)step + 1) * 0x165667b19e3779f9ull);
}

int golden_work_init(golden_work *w, const golden_case *gc) {
    memset(w, 0, sizeof *w);
    size_t n = gc->n_vocab;
    w->n = n;
    w->base = malloc(n * sizeof *w->base);
    w->logits = malloc(n * sizeof *w->logits);
    w->probs = malloc(n * sizeof *w->probs);
    w->ids = malloc(n * sizeof *w->ids);
    if (!w->base || !w->logits || !w->probs || !w->ids || logit_shape_fill(w->base, n, gc->shape)) {
        golden_work_free(w);
        return -1;
    }
    w->base_hash = (uint64_t)XXH3_64bits(w->base, n * sizeof *w->base);
    return 0;
}

void golden_work_free(golden_work *w) {
    free(w->base), free(w->logits), free(w->probs), free(w->ids);
    memset(w, 0, sizeof *w);
}

void golden_logits(const golden_case *gc, const golden_work *w, size_t step, float *out) {
    uint64_t key = step_key(gc, step);
    int mask = gc->n_vocab >= 512;
    for (size_t i = 0; i < gc->n_vocab; i++) {
        uint64_t h = mix64(key + (uint64_t)i * 0x9e3779b97f4a7c15ull);
        if (mask && (h & 511) == 0) {
            out[i] = -INFINITY;
            continue;
        }
        /* 23 hash bits as an integer in [-2^22, 2^22): exact in float, then scaled exactly */
        int32_t q = (int32_t)(h >> 41) - (1 << 22);
        out[i] = w->base[i] + (float)q * 0x1p-22f;
    }
}

static int32_t prompt_token(const golden_case *gc, size_t k) {
    return (int32_t)(mix64(gc->seed ^ 0x70726f6d7074ull ^ (uint64_t)k * 0x9e3779b97f4a7c15ull) %
                     gc->n_vocab);
}

tsamp_status golden_chain(const golden_case *gc, tsamp_isa isa, tsamp_chain **out) {
    tsamp_chain_params p = tsamp_chain_default_params();
    p.seed = gc->seed;
    p.stream = gc->stream;
    p.isa = isa;
    tsamp_chain *c;
    tsamp_status st = tsamp_chain_create(&c, gc->n_vocab, &p);
    if (st != TSAMP_OK) return st;
    st = tsamp_chain_parse(c, gc->spec);
    if (st == TSAMP_OK && gc->build) st = gc->build(c);
    for (size_t k = 0; st == TSAMP_OK && k < gc->n_prompt; k++)
        st = tsamp_chain_accept(c, prompt_token(gc, k));
    if (st == TSAMP_OK) st = tsamp_chain_set_position(c, gc->start);
    if (st != TSAMP_OK) {
        tsamp_chain_free(c);
        return st;
    }
    *out = c;
    return TSAMP_OK;
}

/* The probability of `token` among the distribution's ids (increasing); 0 if absent. */
static float prob_of(const golden_work *w, size_t kept, int32_t token) {
    size_t lo = 0, hi = kept;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (w->ids[mid] < token)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < kept && w->ids[lo] == token ? w->probs[lo] : 0.0f;
}

static uint32_t float_bits(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

void golden_step_run(tsamp_chain *c, golden_work *w, int tokens_only, golden_step *out) {
    uint64_t pos = tsamp_chain_position(c);
    size_t kept = 0;
    tsamp_status st = TSAMP_OK;
    if (!tokens_only) st = tsamp_chain_distribution(c, w->logits, w->ids, w->probs, w->n, &kept);
    int32_t token = -1;
    if (st == TSAMP_OK) st = tsamp_chain_sample(c, w->logits, &token);
    out->status = st;
    out->token = st == TSAMP_OK ? token : -1;
    out->logprob_bits = 0;
    if (st != TSAMP_OK) {
        tsamp_chain_set_position(c, pos + 1);
        return;
    }
    if (!tokens_only) out->logprob_bits = float_bits(tsamp_log(prob_of(w, kept, token)));
    tsamp_chain_accept(c, token);
}

void golden_run(const golden_case *gc, tsamp_chain *c, golden_work *w, size_t from, size_t to,
                int tokens_only, golden_step *steps) {
    for (size_t s = from; s < to; s++) {
        golden_logits(gc, w, s, w->logits);
        golden_step_run(c, w, tokens_only, &steps[s]);
    }
}

size_t golden_format(const golden_case *gc, uint64_t base_hash, const golden_step *steps,
                     char *buf, size_t cap) {
    int n = snprintf(buf, cap,
                     "# tsamp golden v1: <position> <token> <float bits of log p, hex> | "
                     "<position> error <status>\n"
                     "case %s\nspec %s\nbuild %s\nvocab %zu\nshape %s\nseed %" PRIu64
                     "\nstream %" PRIu64 "\nstart %" PRIu64 "\nprompt %zu\nbase %016" PRIx64 "\n",
                     gc->name, gc->spec, gc->build_name, gc->n_vocab, gc->shape, gc->seed,
                     gc->stream, gc->start, gc->n_prompt, base_hash);
    if (n < 0 || (size_t)n >= cap) return 0;
    size_t len = (size_t)n;
    for (size_t s = 0; s < GOLDEN_STEPS; s++) {
        uint64_t pos = gc->start + s;
        if (steps[s].status == TSAMP_OK)
            n = snprintf(buf + len, cap - len, "%" PRIu64 " %" PRId32 " %08" PRIx32 "\n", pos,
                         steps[s].token, steps[s].logprob_bits);
        else
            n = snprintf(buf + len, cap - len, "%" PRIu64 " error %d\n", pos, (int)steps[s].status);
        if (n < 0 || (size_t)n >= cap - len) return 0;
        len += (size_t)n;
    }
    return len;
}

size_t golden_parse_steps(const golden_case *gc, const char *text, golden_step *steps) {
    size_t line = 1;
    const char *p = text;
    /* the header: up to and including the "base" line */
    while (strncmp(p, "base ", 5) != 0) {
        p = strchr(p, '\n');
        if (!p) return line;
        p++, line++;
    }
    for (size_t s = 0; s < GOLDEN_STEPS; s++) {
        p = strchr(p, '\n');
        if (!p) return line;
        p++, line++;
        char *end;
        uint64_t pos = strtoull(p, &end, 10);
        if (end == p || pos != gc->start + s || *end != ' ') return line;
        p = end + 1;
        if (strncmp(p, "error ", 6) == 0) {
            long code = strtol(p + 6, &end, 10);
            if (end == p + 6 || code <= 0) return line;
            steps[s] = (golden_step){(tsamp_status)code, -1, 0};
        } else {
            long token = strtol(p, &end, 10);
            if (end == p || *end != ' ' || token < 0 || (size_t)token >= gc->n_vocab) return line;
            unsigned long bits = strtoul(end + 1, &end, 16);
            steps[s] = (golden_step){TSAMP_OK, (int32_t)token, (uint32_t)bits};
        }
        p = end;
    }
    return 0;
}

const char *golden_dir(void) {
    const char *d = getenv("TSAMP_GOLDEN_DIR");
    return d && *d ? d : "tests/golden";
}

long golden_read(const golden_case *gc, char *buf, size_t cap) {
    char path[512];
    snprintf(path, sizeof path, "%s/%s.txt", golden_dir(), gc->name);
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    size_t n = fread(buf, 1, cap - 1, f);
    int more = fgetc(f) != EOF;
    fclose(f);
    if (more) return -1;
    buf[n] = '\0';
    return (long)n;
}

const golden_case *golden_find(const char *name) {
    for (size_t i = 0; i < golden_n_cases; i++)
        if (strcmp(golden_cases[i].name, name) == 0) return &golden_cases[i];
    return NULL;
}
