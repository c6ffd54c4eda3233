/* One processor alone (see proc_target.h). */
#include "proc_target.h"

#include <stdio.h>
#include <stdlib.h>

#include "chain_check.h"
#include "invariants.h"

/* Large enough for the library's large-vocabulary paths (top-p narrows from 8192 entries);
 * larger vectors only make the checks slower. */
#define MAX_VOCAB 8448

int fuzz_processor_target(const char *name, const uint8_t *data, size_t size) {
    char target[64];
    snprintf(target, sizeof target, "proc_%s", name);
    fuzz_begin(target, size);
    const fuzz_proc_desc *d = fuzz_proc_find(name);
    FUZZ_CHECK(d != NULL, "no processor named %s in fuzz/processors.c", name);
    fuzz_input in;
    fuzz_input_init(&in, data, size);
    fuzz_proc p = {d, {0.0f, 0, 0}};
    d->decode(&in, &p.params);
    fuzz_chain_case cc = {NULL, 0, &p, 1, 0, 0, 0, NULL};
    cc.seed = fuzz_take_word(&in);
    cc.stream = fuzz_take_word(&in);
    cc.position = fuzz_take_word(&in);
    uint8_t warm = fuzz_take_u8(&in);
    float *x = NULL;
    size_t n = fuzz_take_logits(&in, MAX_VOCAB, &x);
    if (n == SIZE_MAX) return 0;
    if (n == 0) { /* no logits: an empty vocabulary */
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
