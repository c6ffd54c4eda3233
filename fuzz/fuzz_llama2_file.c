/*
 * Target: tsamp-demo's file readers (tools/common/llama2_*.c), the llama2.c checkpoint and
 * tokenizer. Input: byte 0 picks the reader (even: checkpoint; odd: tokenizer, bytes 1-2 its
 * vocabulary size), the rest is the file, written to a temporary file since the readers take
 * a path. Invariants: the status is one of the documented ones and an error comes with a
 * message naming the file; a checkpoint that loads has a header within the validated ranges
 * and exactly the size its tensors need (recomputed here), and runs a forward pass at
 * position 0 that returns vocab_size finite-or-not values without reading outside its
 * buffers (ASan), refusing out-of-range tokens and positions; a tokenizer that loads decodes
 * every token, and out-of-range ones to "".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "invariants.h"
#include "llama2.h"

static char path[64];

static void remove_file(void) { remove(path); }

/* One temporary file per process, rewritten for each input. */
static int write_file(const uint8_t *data, size_t size) {
    if (!path[0]) {
        snprintf(path, sizeof path, "/tmp/tsamp-fuzz-llama2-XXXXXX");
        int fd = mkstemp(path);
        if (fd < 0) return -1;
        close(fd);
        atexit(remove_file);
    }
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t w = size ? fwrite(data, 1, size, f) : 0;
    return fclose(f) == 0 && w == size ? 0 : -1;
}

static void check_error(int rc, const char *err, const char *what) {
    FUZZ_CHECK(rc == LLAMA2_ERR_FORMAT || rc == LLAMA2_ERR_NOMEM || rc == LLAMA2_ERR_IO,
               "%s: status %d", what, rc);
    FUZZ_CHECK(strstr(err, path) != NULL, "%s: message \"%s\" does not name the file", what, err);
}

/* The file size a header implies, in float32 values after the 28-byte header. */
static uint64_t floats_needed(const llama2_config *c) {
    uint64_t dim = (uint64_t)c->dim, hid = (uint64_t)c->hidden_dim, L = (uint64_t)c->n_layers;
    uint64_t kv = dim * (uint64_t)c->n_kv_heads / (uint64_t)c->n_heads;
    uint64_t hs = dim / (uint64_t)c->n_heads, vocab = (uint64_t)c->vocab_size;
    uint64_t per_layer = 2 * dim + 2 * dim * dim + 2 * kv * dim + 3 * hid * dim;
    return vocab * dim * (c->shared_classifier ? 1 : 2) + L * per_layer + dim +
           2 * (uint64_t)c->seq_len * (hs / 2);
}

static void check_checkpoint(size_t size) {
    llama2_model *m = NULL;
    char err[512] = "";
    int rc = llama2_model_load(path, &m, err, sizeof err);
    if (rc != LLAMA2_OK) {
        check_error(rc, err, "checkpoint");
        FUZZ_CHECK(m == NULL, "checkpoint: *out written on an error");
        return;
    }
    const llama2_config *c = llama2_model_config(m);
    FUZZ_CHECK(c->dim >= 1 && c->hidden_dim >= 1 && c->n_layers >= 1 && c->n_heads >= 1 &&
                   c->n_kv_heads >= 1 && c->vocab_size >= 1 && c->seq_len >= 1 &&
                   c->dim % c->n_heads == 0 && (c->dim / c->n_heads) % 2 == 0 &&
                   c->n_heads % c->n_kv_heads == 0,
               "checkpoint loaded with header %d %d %d %d %d %d %d", c->dim, c->hidden_dim,
               c->n_layers, c->n_heads, c->n_kv_heads, c->vocab_size, c->seq_len);
    FUZZ_CHECK(28 + 4 * floats_needed(c) == size, "checkpoint of %zu bytes loaded, needs %llu",
               size, (unsigned long long)(28 + 4 * floats_needed(c)));
    llama2_state *s = NULL;
    rc = llama2_state_create(m, &s, err, sizeof err);
    FUZZ_CHECK(rc == LLAMA2_OK || rc == LLAMA2_ERR_NOMEM, "state: status %d", rc);
    if (rc == LLAMA2_OK) {
        FUZZ_CHECK(llama2_forward(m, s, c->vocab_size, 0) == NULL, "forward: token vocab_size");
        FUZZ_CHECK(llama2_forward(m, s, -1, 0) == NULL, "forward: token -1");
        FUZZ_CHECK(llama2_forward(m, s, 0, c->seq_len) == NULL, "forward: position seq_len");
        const float *logits = llama2_forward(m, s, c->vocab_size - 1, 0);
        FUZZ_CHECK(logits != NULL, "forward: NULL for a valid token");
        volatile float sink = 0.0f; /* every logit is read: ASan checks the buffer */
        for (int32_t i = 0; logits && i < c->vocab_size; i++) sink += logits[i];
        (void)sink;
    }
    llama2_state_free(s);
    llama2_model_free(m);
}

static void check_tokenizer(int32_t vocab) {
    llama2_tokenizer *t = NULL;
    char err[512] = "";
    int rc = llama2_tokenizer_load(path, vocab, &t, err, sizeof err);
    if (rc != LLAMA2_OK) {
        check_error(rc, err, "tokenizer");
        FUZZ_CHECK(t == NULL, "tokenizer: *out written on an error");
        return;
    }
    for (int32_t id = -1; id <= vocab; id++) {
        const char *text = llama2_decode(t, id == 0 ? LLAMA2_BOS : id - 1, id);
        FUZZ_CHECK(text != NULL, "decode(%ld) is NULL", (long)id);
        if (id < 0 || id >= vocab) FUZZ_CHECK(text && !text[0], "decode(%ld) not \"\"", (long)id);
        volatile size_t len = text ? strlen(text) : 0; /* ASan: NUL-terminated in its buffer */
        (void)len;
    }
    llama2_tokenizer_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_begin("llama2_file", size);
    if (size < 3) return 0;
    int tokenizer = data[0] & 1;
    int32_t vocab = 1 + (int32_t)(data[1] | data[2] << 8);
    const uint8_t *file = data + (tokenizer ? 3 : 1);
    size_t file_size = size - (tokenizer ? 3 : 1);
    if (write_file(file, file_size) != 0) return 0; /* no temporary file: nothing to judge */
    if (tokenizer)
        check_tokenizer(vocab);
    else
        check_checkpoint(file_size);
    return 0;
}
