/*
 * tsamp-demo: samples a stream of tokens from a built-in synthetic "language model" whose
 * logits look like a trained model's (a heavy-tailed background over a Zipf-like prior, plus a
 * few dominant continuations that depend on the previous token), different at every step.
 * Prints each token with its probability under the chain, and the sampler's speed.
 *
 *   tsamp-demo [--steps N] [--seed S] [--vocab V] [--samplers "SPEC"] [--quiet]
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tsamp.h"

typedef struct {
    size_t n_vocab;
    float *prior; /* Zipf-like unigram prior, fixed */
    float *logits;
} synth_model;

static uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A value in (-1, 1) with a heavy (logistic-like) tail, from a hash. */
static float noise(uint64_t h) {
    double u = ((double)(h >> 11) + 0.5) * 0x1.0p-53;
    return (float)log(u / (1.0 - u)) * 0.9f;
}

static int model_init(synth_model *m, size_t n_vocab) {
    m->n_vocab = n_vocab;
    m->prior = malloc(n_vocab * sizeof *m->prior);
    m->logits = malloc(n_vocab * sizeof *m->logits);
    if (!m->prior || !m->logits) return -1;
    for (size_t i = 0; i < n_vocab; i++) /* rank = a fixed permutation of the ids */
        m->prior[i] = -1.1f * (float)log(2.0 + (double)(mix64(i + 1) % n_vocab));
    return 0;
}

/* The next-token logits after `prev` at step `step`. */
static const float *model_step(synth_model *m, int32_t prev, uint64_t step) {
    uint64_t p = (uint32_t)prev, base = mix64(step * 0x9e3779b97f4a7c15ull + p);
    for (size_t i = 0; i < m->n_vocab; i++)
        m->logits[i] = m->prior[i] + 1.0f * noise(mix64(base + i));
    for (uint64_t k = 0; k < 8; k++) /* the likely continuations of prev */
        m->logits[mix64(p * 8 + k) % m->n_vocab] += 12.0f - 1.0f * (float)k;
    return m->logits;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int usage(const char *argv0) {
    fprintf(stderr,
            "usage: %s [--steps N] [--seed S] [--vocab V] [--samplers \"SPEC\"] [--quiet]\n"
            "  defaults: --steps 256 --seed 1234 --vocab 128256\n"
            "            --samplers \"top_k=40 top_p=0.95 min_p=0.05 temp=0.8\"\n",
            argv0);
    return 2;
}

int main(int argc, char **argv) {
    size_t steps = 256, n_vocab = 128256;
    uint64_t seed = 1234;
    const char *spec = "top_k=40 top_p=0.95 min_p=0.05 temp=0.8";
    int quiet = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--quiet")) {
            quiet = 1;
            continue;
        }
        if (!v) return usage(argv[0]);
        if (!strcmp(a, "--steps")) steps = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--seed")) seed = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--vocab")) n_vocab = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--samplers")) spec = v;
        else return usage(argv[0]);
        i++;
    }

    synth_model model;
    if (n_vocab == 0 || model_init(&model, n_vocab) != 0) {
        fprintf(stderr, "tsamp-demo: cannot set up a vocabulary of %zu tokens\n", n_vocab);
        return 1;
    }
    tsamp_chain_params params = tsamp_chain_default_params();
    params.seed = seed;
    tsamp_chain *chain = NULL;
    tsamp_parse_error perr;
    tsamp_status st = tsamp_chain_create(&chain, n_vocab, &params);
    if (st == TSAMP_OK) st = tsamp_chain_parse_ex(chain, spec, &perr);
    if (st != TSAMP_OK) {
        fprintf(stderr, "tsamp-demo: %s\n", tsamp_status_str(st));
        if (st == TSAMP_ERR_PARSE || st == TSAMP_ERR_INVALID_PARAM)
            fprintf(stderr, "  at offset %zu of \"%s\": %s\n", perr.offset, spec, perr.message);
        return 1;
    }
    int32_t *ids = malloc(n_vocab * sizeof *ids);
    float *probs = malloc(n_vocab * sizeof *probs);
    if (!ids || !probs) return 1;

    printf("tsamp demo: synthetic model, vocabulary %zu, chain \"%s\", seed %llu, path %s\n",
           n_vocab, spec, (unsigned long long)seed, tsamp_isa_name(tsamp_isa_default()));
    double t_sampler = 0.0, t0 = now_s();
    int32_t prev = 1;
    for (size_t step = 0; step < steps; step++) {
        const float *logits = model_step(&model, prev, step);
        double a = now_s();
        int32_t tok;
        st = tsamp_chain_sample(chain, logits, &tok);
        if (st == TSAMP_OK) st = tsamp_chain_accept(chain, tok);
        t_sampler += now_s() - a;
        if (st != TSAMP_OK) {
            fprintf(stderr, "tsamp-demo: step %zu: %s\n", step, tsamp_status_str(st));
            return 1;
        }
        if (!quiet) { /* the token's probability under the chain (not timed) */
            size_t kept = 0;
            float p = 0.0f;
            if (tsamp_chain_distribution(chain, logits, ids, probs, n_vocab, &kept) == TSAMP_OK)
                for (size_t j = 0; j < kept; j++)
                    if (ids[j] == tok) p = probs[j];
            printf("%6d (p=%.4f, %zu kept)%s", tok, p, kept, step % 4 == 3 ? "\n" : "   ");
        }
        prev = tok;
    }
    double total = now_s() - t0;
    if (!quiet && steps % 4) printf("\n");
    printf("%zu tokens: sampler %.1f us/token (%.0f tokens/s), whole loop %.0f tokens/s; "
           "sampler share %.1f%%\n",
           steps, 1e6 * t_sampler / (double)steps, (double)steps / t_sampler,
           (double)steps / total, 100.0 * t_sampler / total);
    tsamp_chain_free(chain);
    free(ids), free(probs), free(model.prior), free(model.logits);
    return 0;
}
