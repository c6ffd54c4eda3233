/* Bad inputs and the status each returns: every row is run here, and the same rows make the
 * README's table (between its "bad-inputs" markers), so the table cannot drift from the code. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "tsamp.h"

#define NV 8 /* vocabulary of every chain here */

typedef struct {
    const char *call;  /* the function, as the README names it */
    const char *input; /* the bad input, in README words */
    tsamp_status want;
    tsamp_status (*run)(void);
} bad_input;

static const float ok_logits[NV] = {1.0f, 2.0f, 0.5f, -1.0f, 3.0f, 0.0f, 2.5f, -2.0f};

static tsamp_chain *new_chain(size_t n_vocab) {
    tsamp_chain *c = NULL;
    if (tsamp_chain_create(&c, n_vocab, NULL) != TSAMP_OK) return NULL;
    return c;
}

/* Runs `call` (an expression of c) on a fresh chain of NV tokens; NOMEM if none was made. */
#define ON_CHAIN(call)                                                                        \
    tsamp_chain *c = new_chain(NV);                                                           \
    if (!c) return TSAMP_ERR_NOMEM;                                                           \
    tsamp_status s = (call);                                                                  \
    tsamp_chain_free(c);                                                                      \
    return s

/* A row that stands for several inputs returns their common status, or -1 if they differ. */
static tsamp_status common(const tsamp_status *s, size_t n) {
    for (size_t i = 1; i < n; i++)
        if (s[i] != s[0]) return (tsamp_status)-1;
    return s[0];
}

static tsamp_status sample_on(const float *x) {
    int32_t tok;
    ON_CHAIN(tsamp_chain_sample(c, x, &tok));
}

/* ---- tsamp_chain_create ---------------------------------------------------------------- */

static void *failing_alloc(void *ctx, size_t size) {
    (void)ctx;
    (void)size;
    return NULL;
}
static void unused_free(void *ctx, void *ptr) {
    (void)ctx;
    (void)ptr;
}

static tsamp_status create_with(size_t n, const tsamp_chain_params *p) {
    tsamp_chain *c = NULL;
    tsamp_status s = tsamp_chain_create(&c, n, p);
    tsamp_chain_free(c);
    return s;
}
static tsamp_status create_out_null(void) { return tsamp_chain_create(NULL, NV, NULL); }
static tsamp_status create_vocab_0(void) { return create_with(0, NULL); }
static tsamp_status create_vocab_big(void) { return create_with((size_t)INT32_MAX + 1, NULL); }
static tsamp_status create_half_allocator(void) {
    tsamp_chain_params p = tsamp_chain_default_params();
    p.allocator.alloc = failing_alloc;
    return create_with(NV, &p);
}
static tsamp_status create_unknown_isa(void) {
    tsamp_chain_params p = tsamp_chain_default_params();
    p.isa = (tsamp_isa)77;
    return create_with(NV, &p);
}
static tsamp_status create_missing_isa(void) {
    const tsamp_isa all[] = {TSAMP_ISA_AVX2, TSAMP_ISA_AVX512, TSAMP_ISA_NEON};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        if (tsamp_isa_available(all[i])) continue;
        tsamp_chain_params p = tsamp_chain_default_params();
        p.isa = all[i];
        return create_with(NV, &p);
    }
    return TSAMP_OK; /* every path present: no missing one to ask for (the row then fails) */
}
static tsamp_status create_nomem(void) {
    tsamp_chain_params p = tsamp_chain_default_params();
    p.allocator.alloc = failing_alloc;
    p.allocator.free = unused_free;
    return create_with(NV, &p);
}

/* ---- processors ------------------------------------------------------------------------ */

static tsamp_status add_null_chain(void) {
    tsamp_status s[] = {tsamp_chain_add_temperature(NULL, 1.0f), tsamp_chain_add_top_k(NULL, 4),
                        tsamp_chain_add_top_p(NULL, 0.9f, 1), tsamp_chain_parse(NULL, "temp=1"),
                        tsamp_chain_add_mirostat_v2(NULL, 5.0f, 0.1f)};
    return common(s, sizeof s / sizeof s[0]);
}
static tsamp_status add_temperature_bad(void) {
    tsamp_status s[3];
    const float t[3] = {-1.0f, NAN, INFINITY};
    for (int i = 0; i < 3; i++) {
        tsamp_chain *c = new_chain(NV);
        if (!c) return TSAMP_ERR_NOMEM;
        s[i] = tsamp_chain_add_temperature(c, t[i]);
        tsamp_chain_free(c);
    }
    return common(s, 3);
}
static tsamp_status add_temperature_0(void) { ON_CHAIN(tsamp_chain_add_temperature(c, 0.0f)); }
static tsamp_status add_top_k_0(void) {
    tsamp_chain *c = new_chain(NV);
    if (!c) return TSAMP_ERR_NOMEM;
    tsamp_status s[] = {tsamp_chain_add_top_k(c, 0), tsamp_chain_add_top_k(c, -5)};
    tsamp_chain_free(c);
    return common(s, 2);
}
static tsamp_status add_top_p_nan(void) { ON_CHAIN(tsamp_chain_add_top_p(c, NAN, 1)); }
static tsamp_status add_top_p_over_1(void) { ON_CHAIN(tsamp_chain_add_top_p(c, 2.0f, 1)); }
static tsamp_status add_min_p_nan(void) { ON_CHAIN(tsamp_chain_add_min_p(c, NAN, 1)); }
static tsamp_status add_epsilon_1(void) { ON_CHAIN(tsamp_chain_add_epsilon(c, 1.0f, 1)); }
static tsamp_status add_penalties_last_n(void) {
    ON_CHAIN(tsamp_chain_add_penalties(c, -1, 1.1f, 0.0f, 0.0f));
}
static tsamp_status add_penalties_repeat_0(void) {
    ON_CHAIN(tsamp_chain_add_penalties(c, 64, 0.0f, 0.0f, 0.0f));
}
static tsamp_status add_dry_breaker(void) {
    const int32_t breaker[] = {NV};
    const size_t len[] = {1};
    ON_CHAIN(tsamp_chain_add_dry(c, 0.8f, 1.75f, 2, 64, breaker, len, 1));
}
static tsamp_status add_bias_token(void) {
    const tsamp_logit_bias b[] = {{NV, 1.0f}};
    ON_CHAIN(tsamp_chain_add_logit_bias(c, b, 1));
}
static tsamp_status add_bias_value(void) {
    const tsamp_logit_bias b[] = {{1, NAN}, {2, INFINITY}};
    tsamp_status s[2];
    for (int i = 0; i < 2; i++) {
        tsamp_chain *c = new_chain(NV);
        if (!c) return TSAMP_ERR_NOMEM;
        s[i] = tsamp_chain_add_logit_bias(c, &b[i], 1);
        tsamp_chain_free(c);
    }
    return common(s, 2);
}
static tsamp_status add_allow_id(void) {
    const int32_t ids[] = {1, -1};
    ON_CHAIN(tsamp_chain_add_allow(c, ids, 2));
}
static tsamp_status add_min_length_eos(void) {
    ON_CHAIN(tsamp_chain_add_min_length(c, NV, 4));
}
static tsamp_status add_ngram_0(void) { ON_CHAIN(tsamp_chain_add_no_repeat_ngram(c, 0, 64)); }
static tsamp_status add_mirostat_tau_inf(void) {
    ON_CHAIN(tsamp_chain_add_mirostat_v2(c, INFINITY, 0.1f));
}
static tsamp_status add_callback_null(void) {
    ON_CHAIN(tsamp_chain_add_mask_callback(c, NULL, NULL));
}

/* ---- spec strings ------------------------------------------------------------------------ */

static tsamp_status parse_unknown_key(void) { ON_CHAIN(tsamp_chain_parse(c, "topk=40")); }
static tsamp_status parse_no_value(void) { ON_CHAIN(tsamp_chain_parse(c, "temp=")); }
static tsamp_status parse_trailing(void) { ON_CHAIN(tsamp_chain_parse(c, "top_k=40x")); }
static tsamp_status parse_domain(void) { ON_CHAIN(tsamp_chain_parse(c, "temp=-1")); }
static tsamp_status parse_id(void) { ON_CHAIN(tsamp_chain_parse(c, "deny=8")); }
static tsamp_status parse_null(void) { ON_CHAIN(tsamp_chain_parse(c, NULL)); }
static tsamp_status format_small(void) {
    char buf[4];
    size_t len;
    ON_CHAIN(tsamp_chain_parse(c, "temp=0.8 top_k=40") != TSAMP_OK
                 ? (tsamp_status)-1
                 : tsamp_chain_format(c, buf, sizeof buf, &len));
}

/* ---- sampling ------------------------------------------------------------------------------ */

static tsamp_status sample_logits_null(void) { return sample_on(NULL); }
static tsamp_status sample_nan(void) {
    float x[NV];
    memcpy(x, ok_logits, sizeof x);
    x[3] = NAN;
    return sample_on(x);
}
static tsamp_status sample_pinf(void) {
    float x[NV];
    memcpy(x, ok_logits, sizeof x);
    x[5] = INFINITY;
    return sample_on(x);
}
static tsamp_status sample_all_ninf(void) {
    float x[NV];
    for (int i = 0; i < NV; i++) x[i] = -INFINITY;
    return sample_on(x);
}
static tsamp_status sample_one_finite(void) {
    float x[NV];
    for (int i = 0; i < NV; i++) x[i] = -INFINITY;
    x[6] = -1e30f;
    return sample_on(x);
}
static tsamp_status sample_extremes(void) {
    const float x[NV] = {FLT_MAX, -FLT_MAX, FLT_TRUE_MIN, -FLT_TRUE_MIN,
                         FLT_MIN, 1e38f,    -1e38f,       0.0f};
    return sample_on(x);
}
static tsamp_status sample_vocab_1(void) {
    tsamp_chain *c = new_chain(1);
    if (!c) return TSAMP_ERR_NOMEM;
    int32_t tok;
    const float x[1] = {-5.0f};
    tsamp_status s = tsamp_chain_parse(c, "temp=0.7 top_k=40 top_p=0.9 min_p=0.05");
    if (s == TSAMP_OK) s = tsamp_chain_sample(c, x, &tok);
    tsamp_chain_free(c);
    return s;
}
static tsamp_status sample_denied_all(void) {
    int32_t tok;
    ON_CHAIN(tsamp_chain_parse(c, "deny=0,1,2,3,4,5,6,7") != TSAMP_OK
                 ? (tsamp_status)-1
                 : tsamp_chain_sample(c, ok_logits, &tok));
}
static tsamp_status accept_out_of_range(void) {
    tsamp_status s[2];
    tsamp_chain *c = new_chain(NV);
    if (!c) return TSAMP_ERR_NOMEM;
    s[0] = tsamp_chain_accept(c, -1);
    s[1] = tsamp_chain_accept(c, NV);
    tsamp_chain_free(c);
    return common(s, 2);
}
static tsamp_status distribution_small(void) {
    int32_t ids[2];
    float p[2];
    size_t n;
    ON_CHAIN(tsamp_chain_distribution(c, ok_logits, ids, p, 2, &n));
}
static tsamp_status logprobs_n_top(void) {
    tsamp_logprobs lp;
    ON_CHAIN(tsamp_chain_sample_logprobs(c, ok_logits, TSAMP_LOGPROBS_MAX_TOP + 1, &lp));
}

/* ---- numerics and scoring ------------------------------------------------------------------ */

static tsamp_status softmax_n_0(void) {
    float out[1];
    return tsamp_softmax(ok_logits, 0, 1.0f, out);
}
static tsamp_status softmax_temp_nan(void) {
    float out[NV];
    return tsamp_softmax(ok_logits, NV, NAN, out);
}
static tsamp_status log_softmax_nan(void) {
    float x[NV], out[NV];
    memcpy(x, ok_logits, sizeof x);
    x[0] = NAN;
    return tsamp_log_softmax(x, NV, 1.0f, out);
}
static tsamp_status logsumexp_all_ninf(void) {
    float x[NV], out;
    for (int i = 0; i < NV; i++) x[i] = -INFINITY;
    return tsamp_logsumexp(x, NV, &out);
}
static tsamp_status nll_target(void) {
    double out;
    tsamp_status s[] = {tsamp_nll(ok_logits, NV, -1, 1.0f, &out),
                        tsamp_nll(ok_logits, NV, NV, 1.0f, &out)};
    return common(s, 2);
}
static tsamp_status nll_masked_target(void) {
    float x[NV];
    double out = 0;
    memcpy(x, ok_logits, sizeof x);
    x[2] = -INFINITY;
    tsamp_status s = tsamp_nll(x, NV, 2, 1.0f, &out);
    return s == TSAMP_OK && !isinf(out) ? (tsamp_status)-1 : s; /* OK means +inf here */
}
static tsamp_status kl_q_masked(void) {
    float q[NV];
    double out;
    for (int i = 0; i < NV; i++) q[i] = -INFINITY;
    return tsamp_kl_divergence(ok_logits, q, NV, 1.0f, &out);
}
static tsamp_status perplexity_add_bad(void) {
    tsamp_perplexity acc;
    tsamp_perplexity_init(&acc);
    tsamp_status s[] = {tsamp_perplexity_add(&acc, NAN), tsamp_perplexity_add(&acc, -0.5)};
    return common(s, 2);
}
static tsamp_status perplexity_empty(void) {
    tsamp_perplexity acc;
    double ppl;
    tsamp_perplexity_init(&acc);
    return tsamp_perplexity_value(&acc, &ppl, NULL);
}

/* ---- speculative decoding ------------------------------------------------------------------ */

/* verify with one draft token; rows are ok_logits unless a NaN is asked for the draft row */
static tsamp_status verify(size_t draft_vocab, int same_chain, int32_t draft_token,
                           int nan_in_draft) {
    tsamp_chain *t = new_chain(NV), *d = new_chain(draft_vocab);
    float rows[2 * NV], draft[NV];
    memcpy(rows, ok_logits, sizeof ok_logits);
    memcpy(rows + NV, ok_logits, sizeof ok_logits);
    memcpy(draft, ok_logits, sizeof ok_logits);
    if (nan_in_draft) draft[4] = NAN;
    int32_t out[2];
    size_t n_out;
    tsamp_status s = TSAMP_ERR_NOMEM;
    if (t && d)
        s = tsamp_speculative_verify(t, same_chain ? t : d, rows, draft, &draft_token, 1, out,
                                     &n_out);
    tsamp_chain_free(t);
    tsamp_chain_free(d);
    return s;
}
static tsamp_status verify_same_chain(void) { return verify(NV, 1, 1, 0); }
static tsamp_status verify_vocab_differs(void) { return verify(NV + 1, 0, 1, 0); }
static tsamp_status verify_draft_token(void) { return verify(NV, 0, NV, 0); }
static tsamp_status verify_nan_draft_row(void) { return verify(NV, 0, 1, 1); }

/* ---- batches ------------------------------------------------------------------------------- */

static tsamp_status batch_rows(int same_chain, int null_logits) {
    tsamp_chain *a = new_chain(NV), *b = new_chain(NV);
    tsamp_chain *chains[2] = {a, same_chain ? a : b};
    const float *rows[2] = {ok_logits, null_logits ? NULL : ok_logits};
    int32_t tokens[2];
    tsamp_status statuses[2];
    tsamp_status s = TSAMP_ERR_NOMEM;
    if (a && b) s = tsamp_sample_batch(chains, rows, NULL, 2, NULL, tokens, statuses);
    tsamp_chain_free(a);
    tsamp_chain_free(b);
    return s;
}
static tsamp_status batch_same_chain(void) { return batch_rows(1, 0); }
static tsamp_status batch_null_row(void) { return batch_rows(0, 1); }
static tsamp_status batch_tokens_null(void) {
    tsamp_chain *a = new_chain(NV);
    tsamp_chain *chains[1] = {a};
    const float *rows[1] = {ok_logits};
    tsamp_status statuses[1];
    tsamp_status s = a ? tsamp_sample_batch(chains, rows, NULL, 1, NULL, NULL, statuses)
                       : TSAMP_ERR_NOMEM;
    tsamp_chain_free(a);
    return s;
}

/* ---- saved state --------------------------------------------------------------------------- */

#define STATE_CAP 4096

/* Saves the state of "penalties=64,1.1" after two accepted tokens; 0 if that failed. */
static size_t saved_state(unsigned char *buf) {
    tsamp_chain *c = new_chain(NV);
    size_t len = 0;
    if (c && tsamp_chain_parse(c, "penalties=64,1.1") == TSAMP_OK &&
        tsamp_chain_accept(c, 3) == TSAMP_OK && tsamp_chain_accept(c, 4) == TSAMP_OK &&
        tsamp_chain_save_state(c, buf, STATE_CAP, &len) != TSAMP_OK)
        len = 0;
    tsamp_chain_free(c);
    return len;
}

/* Loads buf[0 .. len) into a fresh chain of n_vocab tokens configured by spec. */
static tsamp_status load_into(size_t n_vocab, const char *spec, const unsigned char *buf,
                              size_t len) {
    tsamp_chain *c = new_chain(n_vocab);
    if (!c) return TSAMP_ERR_NOMEM;
    tsamp_status s = tsamp_chain_parse(c, spec);
    if (s == TSAMP_OK) s = tsamp_chain_load_state(c, buf, len);
    tsamp_chain_free(c);
    return s;
}

static tsamp_status load_truncated(void) {
    unsigned char buf[STATE_CAP];
    size_t len = saved_state(buf);
    return len ? load_into(NV, "penalties=64,1.1", buf, len - 1) : (tsamp_status)-1;
}
static tsamp_status load_flipped(void) {
    unsigned char buf[STATE_CAP];
    size_t len = saved_state(buf);
    if (!len) return (tsamp_status)-1;
    buf[len / 2] ^= 0x10;
    return load_into(NV, "penalties=64,1.1", buf, len);
}
static tsamp_status load_random(void) {
    unsigned char buf[256];
    uint32_t x = 12345;
    for (size_t i = 0; i < sizeof buf; i++) {
        x = x * 1664525u + 1013904223u;
        buf[i] = (unsigned char)(x >> 24);
    }
    return load_into(NV, "penalties=64,1.1", buf, sizeof buf);
}
static tsamp_status load_other_params(void) {
    unsigned char buf[STATE_CAP];
    size_t len = saved_state(buf);
    return len ? load_into(NV, "penalties=64,1.2", buf, len) : (tsamp_status)-1;
}
static tsamp_status load_other_vocab(void) {
    unsigned char buf[STATE_CAP];
    size_t len = saved_state(buf);
    return len ? load_into(NV + 1, "penalties=64,1.1", buf, len) : (tsamp_status)-1;
}
static tsamp_status save_small(void) {
    unsigned char buf[16];
    size_t len;
    ON_CHAIN(tsamp_chain_save_state(c, buf, sizeof buf, &len));
}

/* ---- the table ------------------------------------------------------------------------------ */

static const bad_input rows[] = {
    {"tsamp_chain_create", "`out` NULL", TSAMP_ERR_NULL, create_out_null},
    {"tsamp_chain_create", "n_vocab 0", TSAMP_ERR_VOCAB, create_vocab_0},
    {"tsamp_chain_create", "n_vocab above INT32_MAX", TSAMP_ERR_VOCAB, create_vocab_big},
    {"tsamp_chain_create", "only one of the allocator functions set", TSAMP_ERR_INVALID_PARAM,
     create_half_allocator},
    {"tsamp_chain_create", "an `isa` value that is no `tsamp_isa`", TSAMP_ERR_INVALID_PARAM,
     create_unknown_isa},
    {"tsamp_chain_create", "a forced instruction set this CPU lacks", TSAMP_ERR_ISA,
     create_missing_isa},
    {"tsamp_chain_create", "the allocator returns NULL", TSAMP_ERR_NOMEM, create_nomem},
    {"tsamp_chain_add_*, tsamp_chain_parse", "chain NULL", TSAMP_ERR_NULL, add_null_chain},
    {"tsamp_chain_add_temperature", "t < 0, NaN or +inf", TSAMP_ERR_INVALID_PARAM,
     add_temperature_bad},
    {"tsamp_chain_add_temperature", "t = 0 (greedy)", TSAMP_OK, add_temperature_0},
    {"tsamp_chain_add_top_k", "k = 0 or negative (no-op)", TSAMP_OK, add_top_k_0},
    {"tsamp_chain_add_top_p", "p NaN", TSAMP_ERR_INVALID_PARAM, add_top_p_nan},
    {"tsamp_chain_add_top_p", "p > 1 (no-op)", TSAMP_OK, add_top_p_over_1},
    {"tsamp_chain_add_min_p", "p NaN", TSAMP_ERR_INVALID_PARAM, add_min_p_nan},
    {"tsamp_chain_add_epsilon", "eps >= 1", TSAMP_ERR_INVALID_PARAM, add_epsilon_1},
    {"tsamp_chain_add_penalties", "last_n -1 (llama.cpp's \"whole context\")",
     TSAMP_ERR_INVALID_PARAM, add_penalties_last_n},
    {"tsamp_chain_add_penalties", "repeat penalty 0", TSAMP_ERR_INVALID_PARAM,
     add_penalties_repeat_0},
    {"tsamp_chain_add_dry", "a breaker token outside the vocabulary", TSAMP_ERR_VOCAB,
     add_dry_breaker},
    {"tsamp_chain_add_logit_bias", "a token outside the vocabulary", TSAMP_ERR_VOCAB,
     add_bias_token},
    {"tsamp_chain_add_logit_bias", "a bias NaN or +inf", TSAMP_ERR_INVALID_PARAM,
     add_bias_value},
    {"tsamp_chain_add_allow", "an id outside the vocabulary", TSAMP_ERR_VOCAB, add_allow_id},
    {"tsamp_chain_add_min_length", "eos_id outside the vocabulary", TSAMP_ERR_VOCAB,
     add_min_length_eos},
    {"tsamp_chain_add_no_repeat_ngram", "n = 0", TSAMP_ERR_INVALID_PARAM, add_ngram_0},
    {"tsamp_chain_add_mirostat_v2", "tau +inf", TSAMP_ERR_INVALID_PARAM, add_mirostat_tau_inf},
    {"tsamp_chain_add_mask_callback", "fn NULL", TSAMP_ERR_NULL, add_callback_null},
    {"tsamp_chain_parse", "unknown key `topk=40`", TSAMP_ERR_PARSE, parse_unknown_key},
    {"tsamp_chain_parse", "missing value `temp=`", TSAMP_ERR_PARSE, parse_no_value},
    {"tsamp_chain_parse", "trailing characters `top_k=40x`", TSAMP_ERR_PARSE, parse_trailing},
    {"tsamp_chain_parse", "a value outside its domain `temp=-1`", TSAMP_ERR_INVALID_PARAM,
     parse_domain},
    {"tsamp_chain_parse", "a token id outside the vocabulary `deny=8` (8 tokens)",
     TSAMP_ERR_VOCAB, parse_id},
    {"tsamp_chain_parse", "spec NULL", TSAMP_ERR_NULL, parse_null},
    {"tsamp_chain_format", "a buffer shorter than the spec", TSAMP_ERR_BUFFER_TOO_SMALL,
     format_small},
    {"tsamp_chain_sample", "logits NULL", TSAMP_ERR_NULL, sample_logits_null},
    {"tsamp_chain_sample", "a NaN logit", TSAMP_ERR_NONFINITE, sample_nan},
    {"tsamp_chain_sample", "a +inf logit", TSAMP_ERR_NONFINITE, sample_pinf},
    {"tsamp_chain_sample", "every logit -inf", TSAMP_ERR_ALL_MASKED, sample_all_ninf},
    {"tsamp_chain_sample", "one finite logit, the rest -inf", TSAMP_OK, sample_one_finite},
    {"tsamp_chain_sample", "±FLT_MAX, ±1e38 and subnormals together", TSAMP_OK,
     sample_extremes},
    {"tsamp_chain_sample", "a vocabulary of 1 token through a full chain", TSAMP_OK,
     sample_vocab_1},
    {"tsamp_chain_sample", "a deny list that covers every token", TSAMP_ERR_ALL_MASKED,
     sample_denied_all},
    {"tsamp_chain_accept", "token -1 or n_vocab", TSAMP_ERR_VOCAB, accept_out_of_range},
    {"tsamp_chain_distribution", "cap below the number of kept tokens",
     TSAMP_ERR_BUFFER_TOO_SMALL, distribution_small},
    {"tsamp_chain_sample_logprobs", "n_top above TSAMP_LOGPROBS_MAX_TOP (64)",
     TSAMP_ERR_INVALID_PARAM, logprobs_n_top},
    {"tsamp_softmax", "n 0", TSAMP_ERR_VOCAB, softmax_n_0},
    {"tsamp_softmax", "temperature NaN", TSAMP_ERR_INVALID_PARAM, softmax_temp_nan},
    {"tsamp_log_softmax", "a NaN logit", TSAMP_ERR_NONFINITE, log_softmax_nan},
    {"tsamp_logsumexp", "every logit -inf", TSAMP_ERR_ALL_MASKED, logsumexp_all_ninf},
    {"tsamp_nll", "target -1 or n", TSAMP_ERR_VOCAB, nll_target},
    {"tsamp_nll", "a masked (-inf) target: NLL +inf", TSAMP_OK, nll_masked_target},
    {"tsamp_kl_divergence", "Q all -inf", TSAMP_ERR_ALL_MASKED, kl_q_masked},
    {"tsamp_perplexity_add", "NLL NaN or negative", TSAMP_ERR_INVALID_PARAM,
     perplexity_add_bad},
    {"tsamp_perplexity_value", "no steps added", TSAMP_ERR_INVALID_PARAM, perplexity_empty},
    {"tsamp_speculative_verify", "target and draft the same chain", TSAMP_ERR_INVALID_PARAM,
     verify_same_chain},
    {"tsamp_speculative_verify", "vocabulary sizes differ", TSAMP_ERR_VOCAB,
     verify_vocab_differs},
    {"tsamp_speculative_verify", "a draft token outside the vocabulary", TSAMP_ERR_VOCAB,
     verify_draft_token},
    {"tsamp_speculative_verify", "a NaN in a draft row", TSAMP_ERR_NONFINITE,
     verify_nan_draft_row},
    {"tsamp_sample_batch", "one chain in two rows (those rows fail)", TSAMP_ERR_INVALID_PARAM,
     batch_same_chain},
    {"tsamp_sample_batch", "a row's logits NULL (that row fails)", TSAMP_ERR_NULL,
     batch_null_row},
    {"tsamp_sample_batch", "tokens NULL", TSAMP_ERR_NULL, batch_tokens_null},
    {"tsamp_chain_save_state", "cap below the state's size", TSAMP_ERR_BUFFER_TOO_SMALL,
     save_small},
    {"tsamp_chain_load_state", "a state cut short by one byte", TSAMP_ERR_PARSE,
     load_truncated},
    {"tsamp_chain_load_state", "a state with one bit flipped", TSAMP_ERR_PARSE, load_flipped},
    {"tsamp_chain_load_state", "256 random bytes", TSAMP_ERR_PARSE, load_random},
    {"tsamp_chain_load_state", "the state of a chain with other parameters",
     TSAMP_ERR_INVALID_PARAM, load_other_params},
    {"tsamp_chain_load_state", "the state of a chain of another vocabulary size",
     TSAMP_ERR_INVALID_PARAM, load_other_vocab},
};
#define N_ROWS (sizeof rows / sizeof rows[0])

/* The status by its name alone: tsamp_status_str's text up to the colon. */
static void row_line(const bad_input *r, char *out, size_t cap) {
    const char *name = tsamp_status_str(r->want);
    snprintf(out, cap, "| `%s` | %s | `%.*s` |", r->call, r->input, (int)strcspn(name, ":"),
             name);
}

static void test_bad_inputs_statuses(void) {
    for (size_t i = 0; i < N_ROWS; i++) {
        tsamp_status got = rows[i].run();
        CHECKF(got == rows[i].want, "%s, %s: got %s (%d), documented %s", rows[i].call,
               rows[i].input, tsamp_status_str(got), (int)got, tsamp_status_str(rows[i].want));
    }
    check_note("%zu bad inputs", N_ROWS);
}

/* The README's table is the rows above, in order, between its markers. */
static void test_bad_inputs_readme_table(void) {
    FILE *f = fopen("README.md", "r");
    if (!f) {
        check_skip("README.md not in the working directory (run from the source tree)");
        return;
    }
    char line[512], want[512];
    int inside = 0, done = 0;
    size_t next = 0, mismatches = 0;
    while (fgets(line, sizeof line, f) && !done) {
        line[strcspn(line, "\n")] = 0;
        if (strstr(line, "<!-- bad-inputs: begin -->")) inside = 1;
        else if (strstr(line, "<!-- bad-inputs: end -->")) done = 1;
        else if (inside && strncmp(line, "| `", 3) == 0) {
            if (next < N_ROWS) row_line(&rows[next], want, sizeof want);
            if (next >= N_ROWS || strcmp(line, want) != 0) mismatches++;
            next++;
        }
    }
    fclose(f);
    CHECKF(done, "README.md has no bad-inputs markers");
    CHECKF(next == N_ROWS && mismatches == 0,
           "README's bad-input table (%zu rows, %zu differ) is not the %zu rows of "
           "tests/test_bad_inputs.c; they are:",
           next, mismatches, N_ROWS);
    if (next != N_ROWS || mismatches)
        for (size_t i = 0; i < N_ROWS; i++) {
            row_line(&rows[i], want, sizeof want);
            printf("%s\n", want);
        }
}

void suite_bad_inputs(void) {
    RUN(test_bad_inputs_statuses);
    RUN(test_bad_inputs_readme_table);
}
