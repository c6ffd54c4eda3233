/*
 * The golden configurations: one line each. Adding a case is adding a line here and running
 * `make golden` (it writes tests/golden/<name>.txt). Processors without spec syntax go in
 * through a build function (F): add_* calls made after the spec.
 */
#include "golden.h"

#include <math.h>

#define N3 "normal3"
#define PK "peaked"
#define MAXPOS 0xffffffffffffffc0ull /* the last 64 positions before 2^64 */

/* name, spec, vocab, shape, seed, stream, start, prompt tokens */
#define S(name, spec, v, shape, seed, stream, start, prompt)                                  \
    {name, spec, NULL, "-", v, shape, seed, stream, start, prompt}
/* name, spec, build function, vocab, shape, seed, stream, start, prompt tokens */
#define F(name, spec, fn, v, shape, seed, stream, start, prompt)                              \
    {name, spec, fn, #fn, v, shape, seed, stream, start, prompt}

/* The same processors as the spec "top_k=40 temp=0.8", through the add_* calls. */
static tsamp_status add_topk40_temp08(tsamp_chain *c) {
    tsamp_status st = tsamp_chain_add_top_k(c, 40);
    return st == TSAMP_OK ? tsamp_chain_add_temperature(c, 0.8f) : st;
}

/* ---- processors without spec syntax: add_* calls (after the case's spec) ----------------- */

static tsamp_status add_typical(tsamp_chain *c) { return tsamp_chain_add_typical(c, 0.9f, 1); }
static tsamp_status add_typical_k5(tsamp_chain *c) { return tsamp_chain_add_typical(c, 0.5f, 5); }
static tsamp_status add_top_n_sigma(tsamp_chain *c) { return tsamp_chain_add_top_n_sigma(c, 1.0f); }
static tsamp_status add_top_n_sigma2(tsamp_chain *c) { return tsamp_chain_add_top_n_sigma(c, 2.5f); }
static tsamp_status add_xtc(tsamp_chain *c) { return tsamp_chain_add_xtc(c, 0.5f, 0.05f, 1); }
static tsamp_status add_xtc_always(tsamp_chain *c) { return tsamp_chain_add_xtc(c, 1.0f, 0.01f, 2); }
static tsamp_status add_temp_ext(tsamp_chain *c) { return tsamp_chain_add_temp_ext(c, 0.8f, 0.5f, 1.0f); }
static tsamp_status add_temp_ext2(tsamp_chain *c) { return tsamp_chain_add_temp_ext(c, 1.0f, 0.9f, 2.0f); }
static tsamp_status add_epsilon(tsamp_chain *c) { return tsamp_chain_add_epsilon(c, 3e-4f, 1); }
static tsamp_status add_eta(tsamp_chain *c) { return tsamp_chain_add_eta(c, 3e-4f, 1); }
static tsamp_status add_eta_k3(tsamp_chain *c) { return tsamp_chain_add_eta(c, 0.02f, 3); }
static tsamp_status add_penalties(tsamp_chain *c) {
    return tsamp_chain_add_penalties(c, 64, 1.3f, 0.1f, 0.2f);
}
static tsamp_status add_penalties_long(tsamp_chain *c) { /* a window longer than the run */
    return tsamp_chain_add_penalties(c, 4096, 1.1f, 0.5f, 0.0f);
}
static tsamp_status add_dry(tsamp_chain *c) {
    static const int32_t breakers[] = {1, 2, 3, 5, 8};
    static const size_t lens[] = {1, 1, 3};
    return tsamp_chain_add_dry(c, 0.8f, 1.75f, 2, 128, breakers, lens, 3);
}
static tsamp_status add_dry_plain(tsamp_chain *c) {
    return tsamp_chain_add_dry(c, 1.5f, 2.0f, 1, 256, NULL, NULL, 0);
}
static tsamp_status add_logit_bias(tsamp_chain *c) {
    static const tsamp_logit_bias b[] = {{380, -INFINITY}, {727, -2.5f}, {5, 8.0f}, {999, 3.0f},
                                         {0, 1.0f}, {5, 0.5f}};
    return tsamp_chain_add_logit_bias(c, b, sizeof b / sizeof b[0]);
}
static tsamp_status add_no_repeat_ngram(tsamp_chain *c) {
    return tsamp_chain_add_no_repeat_ngram(c, 3, 64);
}
static tsamp_status add_no_repeat_bigram(tsamp_chain *c) {
    return tsamp_chain_add_no_repeat_ngram(c, 2, 0);
}
static tsamp_status add_allow(tsamp_chain *c) {
    int32_t ids[600];
    for (int32_t i = 0; i < 600; i++) ids[i] = (i * 53) % 4096; /* some repeated */
    return tsamp_chain_add_allow(c, ids, 600);
}
static tsamp_status add_deny(tsamp_chain *c) {
    static const int32_t ids[] = {247, 1793, 247, 0, 4095, 17};
    return tsamp_chain_add_deny(c, ids, sizeof ids / sizeof ids[0]);
}
static void mask_thirds(void *user, const int32_t *ids, size_t n, uint8_t *keep) {
    (void)user;
    for (size_t i = 0; i < n; i++) keep[i] = ids[i] % 3 != 0;
}
static tsamp_status add_mask_callback(tsamp_chain *c) {
    return tsamp_chain_add_mask_callback(c, mask_thirds, NULL);
}
static tsamp_status add_min_length(tsamp_chain *c) { /* 380: the shape's argmax at 1000 */
    return tsamp_chain_add_min_length(c, 380, 40);
}
static tsamp_status add_min_length_topk1(tsamp_chain *c) { /* the only candidate: errors */
    tsamp_status st = tsamp_chain_add_top_k(c, 1);
    return st == TSAMP_OK ? tsamp_chain_add_min_length(c, 380, 50) : st;
}
static tsamp_status add_mirostat(tsamp_chain *c) { return tsamp_chain_add_mirostat(c, 5.0f, 0.1f, 100); }
static tsamp_status add_mirostat_v2(tsamp_chain *c) { return tsamp_chain_add_mirostat_v2(c, 5.0f, 0.1f); }
static tsamp_status add_mirostat_v2_low(tsamp_chain *c) {
    return tsamp_chain_add_mirostat_v2(c, 2.0f, 0.3f);
}
static tsamp_status add_adaptive_p(tsamp_chain *c) { return tsamp_chain_add_adaptive_p(c, 0.3f, 0.9f); }
static tsamp_status add_llama_defaults(tsamp_chain *c) { /* llama.cpp's default sampler order */
    tsamp_status st = tsamp_chain_add_penalties(c, 64, 1.0f, 0.0f, 0.0f);
    if (st == TSAMP_OK) st = tsamp_chain_add_dry(c, 0.8f, 1.75f, 2, 4096, NULL, NULL, 0);
    if (st == TSAMP_OK) st = tsamp_chain_add_top_n_sigma(c, -1.0f);
    if (st == TSAMP_OK) st = tsamp_chain_add_top_k(c, 40);
    if (st == TSAMP_OK) st = tsamp_chain_add_typical(c, 1.0f, 1);
    if (st == TSAMP_OK) st = tsamp_chain_add_top_p(c, 0.95f, 1);
    if (st == TSAMP_OK) st = tsamp_chain_add_min_p(c, 0.05f, 1);
    if (st == TSAMP_OK) st = tsamp_chain_add_xtc(c, 0.0f, 0.1f, 1);
    return st == TSAMP_OK ? tsamp_chain_add_temp_ext(c, 0.8f, 0.0f, 1.0f) : st;
}
static tsamp_status add_stateful_mix(tsamp_chain *c) {
    tsamp_status st = tsamp_chain_add_penalties(c, 32, 1.2f, 0.0f, 0.3f);
    if (st == TSAMP_OK) st = tsamp_chain_add_no_repeat_ngram(c, 4, 128);
    if (st == TSAMP_OK) st = tsamp_chain_add_adaptive_p(c, 0.5f, 0.8f);
    return st == TSAMP_OK ? tsamp_chain_add_mirostat_v2(c, 4.0f, 0.2f) : st;
}

const golden_case golden_cases[] = {
    /* no processor: softmax at every size, both shapes, edge seeds, streams and positions */
    S("dist-v1", "", 1, N3, 0, 0, 0, 0),
    S("dist-v2-pk", "", 2, PK, 1, 0, 0, 0),
    S("dist-v3", "", 3, N3, 2, 5, 0, 0),
    S("dist-v17", "", 17, N3, 3, 0, 100, 0),
    S("dist-v255-pk", "", 255, PK, 4, 0, 0, 0),
    S("dist-v256", "", 256, N3, 5, 0, 0, 0),
    S("dist-v257", "", 257, N3, 6, 1, 0, 0),
    S("dist-v1000-pk", "", 1000, PK, 7, 0, 0, 0),
    S("dist-v4096-pos2e32", "", 4096, N3, 8, 0, 0x100000000ull, 0),
    S("dist-v32000", "", 32000, N3, 0, 0, 0, 0),
    S("dist-v32000-pk", "", 32000, PK, 0, 0, 0, 0),
    S("dist-v50257", "", 50257, N3, 42, 3, 0, 0),
    S("dist-v128256", "", 128256, N3, 7, 0, 0, 0),
    S("dist-v256000-pk", "", 256000, PK, 99, 0, 1000, 0),
    /* temperature, greedy */
    S("temp0.8-v32000", "temp=0.8", 32000, N3, 1, 0, 0, 0),
    S("temp0.8-v32000-pk", "temp=0.8", 32000, PK, 1, 0, 0, 0),
    S("temp0.8-v4096-stream1", "temp=0.8", 4096, N3, 11, 1, 0, 0),
    S("temp0.8-v4096-stream2", "temp=0.8", 4096, N3, 11, 2, 0, 0),
    S("temp0.8-v4096-start32", "temp=0.8", 4096, N3, 11, 1, 32, 0),
    S("temp1.5-v4096-maxall", "temp=1.5", 4096, N3, UINT64_MAX, UINT64_MAX, MAXPOS, 0),
    S("temp0.3-v50257-pk", "temp=0.3", 50257, PK, 12, 0, 0, 0),
    S("temp2-v1000", "temp=2", 1000, N3, 13, 9, 0, 0),
    S("temp1e-39-v256", "temp=1e-39", 256, N3, 14, 0, 0, 0),
    S("temp0.5x2-v1000-pk", "temp=0.5 temp=2", 1000, PK, 15, 0, 0, 0),
    S("greedy-v1", "greedy", 1, N3, 0, 0, 0, 0),
    S("greedy-v32000", "greedy", 32000, N3, 16, 0, 0, 0),
    S("greedy-v128256-pk", "greedy", 128256, PK, 17, 0, 0, 0),
    /* top-k */
    S("topk1-v1000", "top_k=1", 1000, N3, 18, 0, 0, 0),
    S("topk2-v3-pk", "top_k=2", 3, PK, 19, 0, 0, 0),
    S("topk40-v32000", "top_k=40", 32000, N3, 20, 0, 0, 0),
    S("topk40-v32000-pk", "top_k=40", 32000, PK, 20, 0, 0, 0),
    S("topk40-temp0.8-v128256", "top_k=40 temp=0.8", 128256, N3, 21, 0, 0, 0),
    S("topk1000-v50257", "top_k=1000", 50257, N3, 22, 4, 0, 0),
    S("topk5000-v4096", "top_k=5000", 4096, N3, 23, 0, 0, 0),
    S("topk0-v257", "top_k=0", 257, N3, 24, 0, 0, 0),
    S("topk40-v256000", "top_k=40", 256000, N3, 25, 0, 12345, 0),
    S("topk40-temp0.8-v32000-spec", "top_k=40 temp=0.8", 32000, N3, 26, 0, 0, 0),
    F("topk40-temp0.8-v32000-calls", "", add_topk40_temp08, 32000, N3, 26, 0, 0, 0),
    /* top-p */
    S("topp0.9-v32000", "top_p=0.9", 32000, N3, 27, 0, 0, 0),
    S("topp0.9-v32000-pk", "top_p=0.9", 32000, PK, 27, 0, 0, 0),
    S("topp0.95k5-v50257", "top_p=0.95,5", 50257, N3, 28, 0, 0, 0),
    S("topp0.5-v4096-pk", "top_p=0.5", 4096, PK, 29, 0, 0, 0),
    S("topp0k3-v1000", "top_p=0,3", 1000, N3, 30, 0, 0, 0),
    S("topp1-v257", "top_p=1", 257, N3, 31, 0, 0, 0),
    S("topp0.9-v128256-pk", "top_p=0.9", 128256, PK, 32, 0, 0, 0),
    S("topp0.97-temp1.3-v65536", "top_p=0.97 temp=1.3", 65536, N3, 33, 0, 0, 0),
    /* min-p */
    S("minp0.05-v32000", "min_p=0.05", 32000, N3, 34, 0, 0, 0),
    S("minp0.05-v32000-pk", "min_p=0.05", 32000, PK, 34, 0, 0, 0),
    S("minp0.1-temp1.2-v50257", "min_p=0.1 temp=1.2", 50257, N3, 35, 0, 0, 0),
    S("minp0.5k3-v4096", "min_p=0.5,3", 4096, N3, 36, 0, 0, 0),
    S("minp2-v1000", "min_p=2", 1000, N3, 37, 0, 0, 0),
    S("minp0.02-v128256", "min_p=0.02", 128256, N3, 38, 0, 0, 0),
    /* chains */
    S("benchc-v32000", "top_k=40 top_p=0.95 min_p=0.05 temp=0.8", 32000, N3, 7, 0, 0, 0),
    S("benchc-v32000-pk", "top_k=40 top_p=0.95 min_p=0.05 temp=0.8", 32000, PK, 7, 0, 0, 0),
    S("benchc-v128256", "top_k=40 top_p=0.95 min_p=0.05 temp=0.8", 128256, N3, 7, 0, 0, 0),
    S("benchc-v256000-pk", "top_k=40 top_p=0.95 min_p=0.05 temp=0.8", 256000, PK, 7, 0, 0, 0),
    S("temp0.7-topp0.9-topk100-v50257", "temp=0.7 top_p=0.9 top_k=100", 50257, N3, 39, 0, 0, 0),
    S("minp0.1-topk20-temp1.5-v4096-pk", "min_p=0.1 top_k=20 temp=1.5", 4096, PK, 40, 0, 0, 0),
    S("topp0.8-minp0.02-greedy-v1000", "top_p=0.8 min_p=0.02 greedy", 1000, N3, 41, 0, 0, 0),
    S("temp0.8-topk40-topp0.95-v32000-prompt", "temp=0.8 top_k=40 top_p=0.95", 32000, N3, 42, 0,
      16, 16),
    S("topk100-temp0.5-topp0.9-minp0.01-v17", "top_k=100 temp=0.5 top_p=0.9 min_p=0.01", 17, N3,
      43, 0, 0, 0),
    S("topk3-topp0.6-v255-pk", "top_k=3 top_p=0.6", 255, PK, 44, 0, 0, 0),
    S("minp0.3-temp0.6-v257-stream", "min_p=0.3 temp=0.6", 257, N3, 45, 0x123456789abcdefull, 7,
      0),
    /* processors through add_* calls; history-reading ones get a prompt */
    F("typical0.9-v32000", "", add_typical, 32000, N3, 50, 0, 0, 0),
    F("typical0.5k5-temp0.8-v4096-pk", "temp=0.8", add_typical_k5, 4096, PK, 51, 0, 0, 0),
    F("topnsigma1-v50257", "", add_top_n_sigma, 50257, N3, 52, 0, 0, 0),
    F("topnsigma2.5-temp1.5-v1000-pk", "temp=1.5", add_top_n_sigma2, 1000, PK, 53, 0, 0, 0),
    F("xtc0.5-v32000-pk", "", add_xtc, 32000, PK, 54, 0, 0, 0),
    F("xtc1-topk20-v4096", "top_k=20", add_xtc_always, 4096, N3, 55, 0, 0, 0),
    F("tempext0.8-v32000", "", add_temp_ext, 32000, N3, 56, 0, 0, 0),
    F("tempext1-minp0.05-v4096-pk", "min_p=0.05", add_temp_ext2, 4096, PK, 57, 0, 0, 0),
    F("epsilon-v32000", "", add_epsilon, 32000, N3, 58, 0, 0, 0),
    F("eta-v32000-pk", "", add_eta, 32000, PK, 59, 0, 0, 0),
    F("eta0.02k3-temp1.2-v1000", "temp=1.2", add_eta_k3, 1000, N3, 60, 0, 0, 0),
    F("penalties-v1000-pk-prompt", "", add_penalties, 1000, PK, 61, 0, 0, 48),
    F("penalties-long-topk50-v300-pk", "top_k=50", add_penalties_long, 300, PK, 62, 0, 0, 20),
    F("dry-v300-pk-prompt", "temp=1.5", add_dry, 300, PK, 63, 0, 0, 40),
    F("dry-plain-minp0.01-v1000-pk", "min_p=0.01", add_dry_plain, 1000, PK, 64, 0, 0, 8),
    F("logitbias-v1000-pk", "", add_logit_bias, 1000, PK, 65, 0, 0, 0),
    F("norepeat3-v300-pk", "temp=1.3", add_no_repeat_ngram, 300, PK, 66, 0, 0, 30),
    F("norepeat2-topk10-v1000-pk", "top_k=10", add_no_repeat_bigram, 1000, PK, 67, 0, 0, 0),
    F("allow-v4096-pk", "", add_allow, 4096, PK, 68, 0, 0, 0),
    F("deny-topk5-v4096-pk", "top_k=5", add_deny, 4096, PK, 69, 0, 0, 0),
    F("maskcb-minp0.05-v1000", "min_p=0.05", add_mask_callback, 1000, N3, 70, 0, 0, 0),
    F("minlength40-v1000-pk", "", add_min_length, 1000, PK, 71, 0, 0, 0),
    F("minlength50-topk1-v1000-pk", "", add_min_length_topk1, 1000, PK, 72, 0, 20, 0),
    F("mirostat-v32000", "", add_mirostat, 32000, N3, 73, 0, 0, 0),
    F("mirostat-v1000-pk", "temp=0.9", add_mirostat, 1000, PK, 74, 0, 0, 0),
    F("mirostatv2-v32000", "", add_mirostat_v2, 32000, N3, 75, 0, 0, 0),
    F("mirostatv2-v50257-pk", "temp=0.7", add_mirostat_v2_low, 50257, PK, 76, 0, 100, 0),
    F("adaptivep-minp0.05-v4096", "min_p=0.05", add_adaptive_p, 4096, N3, 77, 0, 0, 0),
    F("llama-defaults-v32000-pk", "", add_llama_defaults, 32000, PK, 78, 0, 0, 16),
    F("stateful-mix-v1000-pk", "top_k=100", add_stateful_mix, 1000, PK, 79, 0, 0, 24),
};

const size_t golden_n_cases = sizeof golden_cases / sizeof golden_cases[0];
