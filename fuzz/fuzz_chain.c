/*
 * Fuzz target: whole chains. From the tail of the input: the number of processors (0-8), each
 * one's kind (any entry of fuzz/processors.c) and parameters, seed, stream, position and a
 * warm-up choice; the rest is the logits (input.h: NaN, +-inf, subnormals, +-1e38, n = 1 and
 * large tiled vocabularies are all reachable). Checks everything in chain_check.h.
 */
#include <stdlib.h>

#include "chain_check.h"
#include "invariants.h"

#define MAX_PROCS 8
#define MAX_VOCAB 8448 /* above 8192, where top-p starts narrowing */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_begin("chain", size);
    fuzz_input in;
    fuzz_input_init(&in, data, size);
    fuzz_proc procs[MAX_PROCS];
    size_t n_procs = fuzz_take_procs(&in, procs, MAX_PROCS);
    fuzz_chain_case cc = {NULL, 0, procs, n_procs, 0, 0, 0, NULL};
    cc.seed = fuzz_take_word(&in);
    cc.stream = fuzz_take_word(&in);
    cc.position = fuzz_take_word(&in);
    uint8_t warm = fuzz_take_u8(&in);
    float *x = NULL;
    size_t n = fuzz_take_logits(&in, MAX_VOCAB, &x);
    if (n == SIZE_MAX) return 0;
    if (n == 0) {
        tsamp_chain *c = NULL;
        FUZZ_CHECK_STATUS(tsamp_chain_create(&c, 0, NULL), TSAMP_ERR_VOCAB, "create(n_vocab 0)");
        return 0;
    }
    cc.logits = x;
    cc.n = n;
    float *w = fuzz_warm_logits(x, n, warm);
    cc.warm = w;
    fuzz_check_chain(&cc);
    free(w);
    free(x);
    return 0;
}
