/*
 * Target: tsamp_chain_load_state on arbitrary bytes, into chains of several shapes (stateful
 * and history processors included). Any input gives OK or the documented PARSE /
 * INVALID_PARAM, never a crash; a chain that loaded it samples without error or allocation;
 * a rejected load leaves the chain as it was; a saved state loads back to the same tokens.
 */
#include <stdlib.h>
#include <string.h>

#include "counting_alloc.h"
#include "invariants.h"
#include "tsamp.h"

enum { N_VOCAB = 64 };

static const char *const SPECS[] = {
    "top_k=8 temp=0.7",
    "penalties=16,1.3,0.1,0.1 top_p=0.9",
    "mirostat_v2=3,0.2",
    "dry=0.8,1.75,2,32,5:6 no_repeat_ngram=2,32 mirostat=4,0.1,8",
    "adaptive_p=0.3,0.9 min_p=0.05",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_begin("state", size);
    size_t which = size ? data[0] % (sizeof SPECS / sizeof SPECS[0]) : 0;
    float x[N_VOCAB];
    for (int i = 0; i < N_VOCAB; i++) x[i] = (float)((i * 37) % N_VOCAB) / 9.0f;
    fuzz_counter k;
    tsamp_chain_params p = tsamp_chain_default_params();
    p.allocator = fuzz_counting_allocator(&k, 0);
    tsamp_chain *c = NULL, *ref = NULL;
    if (tsamp_chain_create(&c, N_VOCAB, &p) != TSAMP_OK || tsamp_chain_create(&ref, N_VOCAB, &p) != TSAMP_OK ||
        tsamp_chain_parse(c, SPECS[which]) != TSAMP_OK || tsamp_chain_parse(ref, SPECS[which]) != TSAMP_OK)
        goto out;
    /* Some history first, so that a rejected load has something to leave alone. */
    for (int i = 0; i < 5; i++) {
        int32_t t;
        if (tsamp_chain_sample(c, x, &t) == TSAMP_OK) tsamp_chain_accept(c, t);
        if (tsamp_chain_sample(ref, x, &t) == TSAMP_OK) tsamp_chain_accept(ref, t);
    }
    tsamp_status st = tsamp_chain_load_state(c, data, size);
    FUZZ_CHECK(st == TSAMP_OK || st == TSAMP_ERR_PARSE || st == TSAMP_ERR_INVALID_PARAM,
               "load_state: %s", tsamp_status_str(st));
    int32_t a = -1, b = -2;
    size_t before = k.allocs;
    tsamp_status sa = tsamp_chain_sample(c, x, &a);
    FUZZ_CHECK(sa == TSAMP_OK && a >= 0 && a < N_VOCAB, "sample after load (%s): %s, token %d",
               tsamp_status_str(st), tsamp_status_str(sa), (int)a);
    FUZZ_CHECK(k.allocs == before, "allocation while sampling");
    if (st != TSAMP_OK) { /* unchanged: the same token as the untouched twin */
        FUZZ_CHECK(tsamp_chain_sample(ref, x, &b) == TSAMP_OK && a == b, "rejected load changed the chain");
        FUZZ_CHECK(tsamp_chain_position(c) == tsamp_chain_position(ref), "rejected load moved the position");
    }
    /* Whatever it holds now saves and loads back to the same token. */
    size_t len = 0;
    tsamp_chain_save_state(c, NULL, 0, &len);
    void *buf = malloc(len ? len : 1);
    if (buf && tsamp_chain_save_state(c, buf, len, &len) == TSAMP_OK) {
        FUZZ_CHECK(tsamp_chain_load_state(ref, buf, len) == TSAMP_OK, "own state rejected");
        FUZZ_CHECK(tsamp_chain_sample(ref, x, &b) == TSAMP_OK && a == b, "saved state samples %d, not %d", (int)b, (int)a);
    }
    free(buf);
out:
    tsamp_chain_free(c);
    tsamp_chain_free(ref);
    FUZZ_CHECK(k.allocs == k.frees, "%zu allocations, %zu frees", k.allocs, k.frees);
    return 0;
}
