/*
 * tsamp-demo: tells a story with a real model, or samples from a synthetic one.
 *
 * With --model and --tokenizer (a llama2.c checkpoint, e.g. stories260K), it runs the model's
 * forward pass from BOS and samples every token with a tsamp chain, printing the text, the
 * speed, and the share of time spent in the sampler. If the model file does not exist, it says
 * so and falls back to the built-in synthetic "language model": logits that look like a trained
 * model's (a heavy-tailed background over a Zipf-like prior, plus a few dominant continuations
 * that depend on the previous token), different at every step; it prints each token with its
 * probability under the chain.
 *
 * The chain is built like llama.cpp's: top_k, top_p, min_p, then temperature, from the flags
 * below, or given whole as a spec string with --samplers.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "llama2.h"
#include "tsamp.h"

typedef struct {
    size_t steps;
    uint64_t seed;
    size_t n_vocab;
    int vocab_set;
    const char *samplers;                     /* a whole spec string, or NULL */
    const char *top_k, *top_p, *min_p, *temp; /* the flag values, as typed */
    int sampler_flags;                        /* one of them was given */
    const char *model, *tokenizer;
    int quiet;
} options;

static int usage(const char *argv0) {
    fprintf(stderr,
            "usage: %s [--model FILE --tokenizer FILE] [--steps N] [--seed S]\n"
            "          [--top-k K] [--top-p P] [--min-p P] [--temp T] | [--samplers \"SPEC\"]\n"
            "          [--vocab V (synthetic model only)] [--quiet]\n"
            "  defaults: --steps 256 --seed 1234 --top-k 40 --top-p 0.95 --min-p 0.05 --temp 0.8\n"
            "            (the chain \"top_k=40 top_p=0.95 min_p=0.05 temp=0.8\"); --vocab 128256\n"
            "  without --model, or when the model file does not exist: the synthetic model\n",
            argv0);
    return 2;
}

/* ---- options ------------------------------------------------------------------------------ */

static int parse_u64(const char *s, uint64_t *out) {
    char *end;
    if (*s < '0' || *s > '9') return 0; /* strtoull would accept a sign and blanks */
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end) return 0;
    *out = (uint64_t)v;
    return 1;
}

static int parse_size(const char *s, size_t *out) {
    uint64_t v;
    if (!parse_u64(s, &v) || v > SIZE_MAX) return 0;
    *out = (size_t)v;
    return 1;
}

/* The sampler flags become spec items verbatim, so each must be one plain number. */
static int is_number(const char *s, int integer) {
    char *end;
    if (!*s || strchr(s, ' ') || strchr(s, '\t')) return 0;
    errno = 0;
    if (integer)
        (void)strtol(s, &end, 10);
    else
        (void)strtod(s, &end);
    return !errno && !*end;
}

static int bad_value(const char *flag, const char *v, const char *expected) {
    fprintf(stderr, "tsamp-demo: %s: expected %s, got \"%s\"\n", flag, expected, v);
    return 2;
}

static const char **sampler_flag(options *o, const char *a) {
    if (!strcmp(a, "--top-k")) return &o->top_k;
    if (!strcmp(a, "--top-p")) return &o->top_p;
    if (!strcmp(a, "--min-p")) return &o->min_p;
    if (!strcmp(a, "--temp")) return &o->temp;
    return NULL;
}

/* One flag with its value: 0, 2 after a message about a bad value, -1 for an unknown flag. */
static int set_option(options *o, const char *a, const char *v) {
    const char **sampler = sampler_flag(o, a);
    if (sampler) {
        int integer = sampler == &o->top_k;
        if (!is_number(v, integer)) return bad_value(a, v, integer ? "an integer" : "a number");
        *sampler = v;
        o->sampler_flags = 1;
        return 0;
    }
    if (!strcmp(a, "--seed"))
        return parse_u64(v, &o->seed) ? 0 : bad_value(a, v, "a non-negative integer");
    if (!strcmp(a, "--steps"))
        return parse_size(v, &o->steps) ? 0 : bad_value(a, v, "a non-negative integer");
    if (!strcmp(a, "--vocab")) {
        o->vocab_set = 1;
        return parse_size(v, &o->n_vocab) ? 0 : bad_value(a, v, "a positive integer");
    }
    if (!strcmp(a, "--samplers")) o->samplers = v;
    else if (!strcmp(a, "--model")) o->model = v;
    else if (!strcmp(a, "--tokenizer")) o->tokenizer = v;
    else return -1;
    return 0;
}

static int parse_args(int argc, char **argv, options *o) {
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--quiet")) {
            o->quiet = 1;
            continue;
        }
        int rc = v ? set_option(o, a, v) : -1;
        if (rc < 0) return usage(argv[0]);
        if (rc) return rc;
        i++;
    }
    if (o->samplers && o->sampler_flags) {
        fprintf(stderr, "tsamp-demo: use either --samplers or --top-k/--top-p/--min-p/--temp\n");
        return 2;
    }
    if (!o->model != !o->tokenizer) {
        fprintf(stderr, "tsamp-demo: --model and --tokenizer go together\n");
        return 2;
    }
    return 0;
}

/* The chain's spec: --samplers, or llama.cpp's order over the flag values (NULL if they do
 * not fit in buf). */
static const char *chain_spec(const options *o, char *buf, size_t cap) {
    if (o->samplers) return o->samplers;
    int n = snprintf(buf, cap, "top_k=%s top_p=%s min_p=%s temp=%s", o->top_k, o->top_p,
                     o->min_p, o->temp);
    return n >= 0 && (size_t)n < cap ? buf : NULL;
}

static int make_chain(tsamp_chain **chain, size_t n_vocab, uint64_t seed, const char *spec) {
    tsamp_chain_params params = tsamp_chain_default_params();
    params.seed = seed;
    tsamp_parse_error perr;
    tsamp_status st = tsamp_chain_create(chain, n_vocab, &params);
    if (st == TSAMP_OK) {
        st = tsamp_chain_parse_ex(*chain, spec, &perr);
        if (st != TSAMP_OK) tsamp_chain_free(*chain);
    }
    if (st == TSAMP_OK) return 0;
    fprintf(stderr, "tsamp-demo: %s\n", tsamp_status_str(st));
    if (st == TSAMP_ERR_PARSE || st == TSAMP_ERR_INVALID_PARAM)
        fprintf(stderr, "  at offset %zu of \"%s\": %s\n", perr.offset, spec, perr.message);
    return 1;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- the synthetic model ------------------------------------------------------------------ */

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

static int synth_init(synth_model *m, size_t n_vocab) {
    m->n_vocab = n_vocab;
    m->prior = malloc(n_vocab * sizeof *m->prior);
    m->logits = malloc(n_vocab * sizeof *m->logits);
    if (!m->prior || !m->logits) return -1;
    for (size_t i = 0; i < n_vocab; i++) /* rank = a fixed permutation of the ids */
        m->prior[i] = -1.1f * (float)log(2.0 + (double)(mix64(i + 1) % n_vocab));
    return 0;
}

/* The next-token logits after `prev` at step `step`. */
static const float *synth_step(synth_model *m, int32_t prev, uint64_t step) {
    uint64_t p = (uint32_t)prev, base = mix64(step * 0x9e3779b97f4a7c15ull + p);
    for (size_t i = 0; i < m->n_vocab; i++)
        m->logits[i] = m->prior[i] + 1.0f * noise(mix64(base + i));
    for (uint64_t k = 0; k < 8; k++) /* the likely continuations of prev */
        m->logits[mix64(p * 8 + k) % m->n_vocab] += 12.0f - 1.0f * (float)k;
    return m->logits;
}

/* The token's probability under the chain (not timed). */
static float token_prob(tsamp_chain *chain, const float *logits, int32_t tok, int32_t *ids,
                        float *probs, size_t cap, size_t *kept) {
    float p = 0.0f;
    *kept = 0;
    if (tsamp_chain_distribution(chain, logits, ids, probs, cap, kept) == TSAMP_OK)
        for (size_t j = 0; j < *kept; j++)
            if (ids[j] == tok) p = probs[j];
    return p;
}

static int synth_loop(const options *o, synth_model *model, tsamp_chain *chain, int32_t *ids,
                      float *probs) {
    double t_sampler = 0.0, t0 = now_s();
    int32_t prev = 1;
    for (size_t step = 0; step < o->steps; step++) {
        const float *logits = synth_step(model, prev, step);
        double a = now_s();
        int32_t tok;
        tsamp_status st = tsamp_chain_sample(chain, logits, &tok);
        if (st == TSAMP_OK) st = tsamp_chain_accept(chain, tok);
        t_sampler += now_s() - a;
        if (st != TSAMP_OK) {
            fprintf(stderr, "tsamp-demo: step %zu: %s\n", step, tsamp_status_str(st));
            return 1;
        }
        if (!o->quiet) {
            size_t kept;
            float p = token_prob(chain, logits, tok, ids, probs, model->n_vocab, &kept);
            printf("%6d (p=%.4f, %zu kept)%s", tok, p, kept, step % 4 == 3 ? "\n" : "   ");
        }
        prev = tok;
    }
    double total = now_s() - t0, n = (double)o->steps;
    if (!o->quiet && o->steps % 4) printf("\n");
    if (o->steps == 0 || t_sampler <= 0.0) return 0; /* nothing to time */
    printf("%zu tokens: sampler %.1f us/token (%.0f tokens/s), whole loop %.0f tokens/s; "
           "sampler share %.1f%%\n",
           o->steps, 1e6 * t_sampler / n, n / t_sampler, n / total,
           100.0 * t_sampler / total);
    return 0;
}

static int run_synthetic(const options *o, const char *spec) {
    synth_model model = {0, NULL, NULL};
    tsamp_chain *chain = NULL;
    int32_t *ids = NULL;
    float *probs = NULL;
    int rc = 1;
    if (o->n_vocab == 0 || o->n_vocab > INT32_MAX || synth_init(&model, o->n_vocab) != 0) {
        fprintf(stderr, "tsamp-demo: cannot set up a vocabulary of %zu tokens\n", o->n_vocab);
    } else if (make_chain(&chain, o->n_vocab, o->seed, spec) == 0) {
        ids = malloc(o->n_vocab * sizeof *ids);
        probs = malloc(o->n_vocab * sizeof *probs);
        printf("tsamp demo: synthetic model, vocabulary %zu, chain \"%s\", seed %llu, path %s\n",
               o->n_vocab, spec, (unsigned long long)o->seed,
               tsamp_isa_name(tsamp_isa_default()));
        if (ids && probs) rc = synth_loop(o, &model, chain, ids, probs);
        else fprintf(stderr, "tsamp-demo: out of memory\n");
    }
    tsamp_chain_free(chain);
    free(ids), free(probs), free(model.prior), free(model.logits);
    return rc;
}

/* ---- the llama2.c model ------------------------------------------------------------------- */

/* Prints a token's text; lone control bytes (other than white space) would garble the
 * terminal and are dropped. */
static void print_piece(void *ctx, int32_t token, const char *text) {
    (void)ctx, (void)token;
    unsigned char c = (unsigned char)text[0];
    if (text[0] && !text[1] && (c < 0x20 || c == 0x7f) && c != '\n' && c != '\t' && c != '\r')
        return;
    fputs(text, stdout);
}

static void print_model_stats(const llama2_stats *s) {
    double total = s->total_s > 0.0 ? s->total_s : 1e-9, n = (double)s->n_tokens;
    const char *why = s->stop_token == LLAMA2_EOS   ? "stopped at EOS"
                      : s->stop_token == LLAMA2_BOS ? "stopped at BOS"
                                                    : "step limit";
    printf("%zu tokens (%s) in %.1f ms: %.0f tokens/s\n", s->n_tokens, why, 1e3 * total,
           n / total);
    printf("forward pass %.1f ms (%.1f%%), sampler %.2f ms (%.1f%%, %.2f us/token), "
           "decode and print %.1f%%\n",
           1e3 * s->forward_s, 100.0 * s->forward_s / total, 1e3 * s->sampler_s,
           100.0 * s->sampler_s / total, n > 0 ? 1e6 * s->sampler_s / n : 0.0,
           100.0 * (total - s->forward_s - s->sampler_s) / total);
}

static int generate(const options *o, const char *spec, const llama2_model *model,
                    const llama2_tokenizer *tok) {
    const llama2_config *c = llama2_model_config(model);
    tsamp_chain *chain = NULL;
    llama2_state *state = NULL;
    llama2_stats stats;
    char err[512];
    if (make_chain(&chain, (size_t)c->vocab_size, o->seed, spec) != 0) return 1;
    int rc = llama2_state_create(model, &state, err, sizeof err);
    if (rc == LLAMA2_OK) {
        printf("tsamp demo: %s (dim %d, hidden %d, %d layers, %d heads, %d kv heads, vocab %d, "
               "context %d)\n",
               o->model, (int)c->dim, (int)c->hidden_dim, (int)c->n_layers, (int)c->n_heads,
               (int)c->n_kv_heads, (int)c->vocab_size, (int)c->seq_len);
        printf("chain \"%s\", seed %llu, path %s, up to %zu tokens%s\n\n", spec,
               (unsigned long long)o->seed, tsamp_isa_name(tsamp_isa_default()),
               o->steps < (size_t)c->seq_len ? o->steps : (size_t)c->seq_len,
               o->steps > (size_t)c->seq_len ? " (the model's context)" : "");
        rc = llama2_generate(model, state, tok, chain, o->steps, o->quiet ? NULL : print_piece,
                             NULL, &stats, err, sizeof err);
    }
    if (rc == LLAMA2_OK) {
        if (!o->quiet) printf("\n\n");
        print_model_stats(&stats);
    } else {
        fflush(stdout); /* the story so far, then the error */
        fprintf(stderr, "\ntsamp-demo: %s\n", err);
    }
    llama2_state_free(state);
    tsamp_chain_free(chain);
    return rc == LLAMA2_OK ? 0 : 1;
}

static int run_model(const options *o, const char *spec, llama2_model *model) {
    llama2_tokenizer *tok = NULL;
    char err[512];
    if (o->vocab_set) {
        fprintf(stderr, "tsamp-demo: --vocab applies only to the synthetic model\n");
        return 2;
    }
    if (llama2_tokenizer_load(o->tokenizer, llama2_model_config(model)->vocab_size, &tok, err,
                              sizeof err) != LLAMA2_OK) {
        fprintf(stderr, "tsamp-demo: %s\n", err);
        return 1;
    }
    int rc = generate(o, spec, model, tok);
    llama2_tokenizer_free(tok);
    return rc;
}

int main(int argc, char **argv) {
    options o = {256, 1234, 128256, 0, NULL, "40", "0.95", "0.05", "0.8", 0, NULL, NULL, 0};
    int rc = parse_args(argc, argv, &o);
    if (rc) return rc;
    char buf[256];
    const char *spec = chain_spec(&o, buf, sizeof buf);
    if (!spec) {
        fprintf(stderr, "tsamp-demo: the sampler flag values are too long\n");
        return 2;
    }
    if (!o.model) return run_synthetic(&o, spec);

    llama2_model *model = NULL;
    char err[512];
    rc = llama2_model_load(o.model, &model, err, sizeof err);
    if (rc == LLAMA2_ERR_NOT_FOUND) { /* e.g. `make demo` without the shared model folder */
        printf("tsamp demo: no model (%s); falling back to the built-in synthetic model\n", err);
        return run_synthetic(&o, spec);
    }
    if (rc != LLAMA2_OK) {
        fprintf(stderr, "tsamp-demo: %s\n", err);
        return 1;
    }
    rc = run_model(&o, spec, model);
    llama2_model_free(model);
    return rc;
}
