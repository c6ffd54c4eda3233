/*
 * Target: the CLI's logit file readers (tools/common/logit_*.c): .npy, text and raw, on the
 * same bytes. A reader either succeeds with a consistent shape whose rows can be read, or
 * fails with an error offset inside the input; it never reads outside it (ASan checks).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "invariants.h"
#include "logit_data.h"

/* Reads a few rows (the first ones and the last): every element is converted. */
static void check_rows(const logit_data *d, size_t size) {
    FUZZ_CHECK(d->n_steps >= 1 && d->n_vocab >= 1 && d->n_vocab <= (size_t)INT32_MAX,
               "shape %zu x %zu", d->n_steps, d->n_vocab);
    float *row = malloc(d->n_vocab * sizeof *row);
    if (!row) return;
    for (size_t s = 0; s < d->n_steps; s++) {
        if (s == 16 && d->n_steps > 17) s = d->n_steps - 1; /* then only the last row */
        logit_error err;
        if (logit_data_row(d, s, row, &err) != 0)
            FUZZ_CHECK(err.offset < size, "row %zu: error offset %zu outside %zu bytes", s,
                       err.offset, size);
    }
    free(row);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_begin("logit_file", size);
    logit_data d;
    logit_error err;
    memset(&d, 0, sizeof d);
    if (logit_npy_parse(data, size, &d, &err) == 0) {
        FUZZ_CHECK(d.data_offset + d.n_steps * d.n_vocab * (size_t)d.dtype == size,
                   "npy: %zu + %zu x %zu x %d != %zu bytes", d.data_offset, d.n_steps, d.n_vocab,
                   (int)d.dtype, size);
        check_rows(&d, size);
    } else {
        FUZZ_CHECK(err.offset <= size, "npy: error offset %zu beyond %zu bytes", err.offset, size);
    }
    logit_data_free(&d);

    memset(&d, 0, sizeof d);
    if (logit_text_parse((const char *)data, size, &d, &err) == 0)
        check_rows(&d, size + 1);
    else
        FUZZ_CHECK(err.offset <= size, "text: error offset %zu beyond %zu bytes", err.offset, size);
    logit_data_free(&d);

    memset(&d, 0, sizeof d);
    size_t vocab = 1 + (size ? data[0] % 7u : 0);
    if (logit_raw_parse(data, size, vocab, &d, &err) == 0) {
        FUZZ_CHECK(d.n_steps * d.n_vocab * 4 == size, "raw: %zu x %zu floats != %zu bytes",
                   d.n_steps, d.n_vocab, size);
        check_rows(&d, size);
    } else {
        FUZZ_CHECK(err.offset <= size, "raw: error offset %zu beyond %zu bytes", err.offset, size);
    }
    logit_data_free(&d);
    return 0;
}
