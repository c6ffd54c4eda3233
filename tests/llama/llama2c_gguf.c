/*
 * A llama2.c checkpoint and tokenizer (e.g. stories260K.bin + tok512.bin) written as a GGUF
 * model that llama.cpp loads (architecture "llama", float32 tensors, the "llama" SentencePiece
 * vocabulary), through the gguf writer of the same libggml the test links. The layout follows
 * llama.cpp's examples/convert-llama2c-to-ggml: llama2.c's matrices are row-major
 * [out][in], which is ggml's ne0 = in, ne1 = out, so the bytes are copied as they are; llama2.c
 * rotates adjacent pairs, as llama.cpp's "llama" architecture does (no permutation).
 * x86-64 only (little-endian files read as they are), as the prebuilt libllama.
 */
#include "llama2c_gguf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ggml.h"
#include "gguf.h"

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int fail(char *err, size_t errlen, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static void *read_all(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        if (n > 0 && fseek(f, 0, SEEK_SET) == 0) {
            buf = malloc((size_t)n);
            if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
                free(buf);
                buf = NULL;
            }
            *size = (size_t)n;
        }
    }
    fclose(f);
    return buf;
}

/* llama2.c's pieces have spaces where SentencePiece has U+2581; llama.cpp wants the latter. */
static char *escape_spaces(const char *s, size_t n) {
    char *out = malloc(3 * n + 1), *o = out;
    if (!out) return NULL;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == ' ') {
            memcpy(o, "\xe2\x96\x81", 3);
            o += 3;
        } else {
            *o++ = s[i];
        }
    }
    *o = 0;
    return out;
}

int llama2c_to_gguf(const char *model_path, const char *tok_path, const char *out_path,
                    char *err, size_t errlen) {
    size_t msize = 0, tsize = 0;
    unsigned char *m = read_all(model_path, &msize);
    unsigned char *t = read_all(tok_path, &tsize);
    int rc = -1;
    struct gguf_context *g = NULL;
    struct ggml_context *ctx = NULL;
    char **pieces = NULL;
    float *scores = NULL;
    int32_t *types = NULL;
    size_t n_pieces = 0;
    int32_t cfg[7];
    if (!m || !t || msize < sizeof cfg) {
        rc = fail(err, errlen, "cannot read %s or %s", model_path, tok_path);
        goto out;
    }
    memcpy(cfg, m, sizeof cfg);
    const int64_t dim = cfg[0], hidden = cfg[1], n_layers = cfg[2], n_heads = cfg[3],
                  n_kv = cfg[4], seq_len = cfg[6];
    const int shared = cfg[5] > 0;
    const int64_t vocab = shared ? cfg[5] : -(int64_t)cfg[5];
    if (dim <= 0 || hidden <= 0 || n_layers <= 0 || n_heads <= 0 || n_kv <= 0 || vocab <= 0 ||
        dim % n_heads != 0) {
        rc = fail(err, errlen, "%s: not a llama2.c checkpoint", model_path);
        goto out;
    }
    const int64_t kv_dim = dim * n_kv / n_heads;
    /* Tensors in file order: name pattern, ne0, ne1, per layer. */
    const struct {
        const char *name;
        int64_t ne0, ne1;
        int per_layer;
    } ts[] = {
        {"token_embd.weight", dim, vocab, 0},     {"blk.%d.attn_norm.weight", dim, 1, 1},
        {"blk.%d.attn_q.weight", dim, dim, 1},    {"blk.%d.attn_k.weight", dim, kv_dim, 1},
        {"blk.%d.attn_v.weight", dim, kv_dim, 1}, {"blk.%d.attn_output.weight", dim, dim, 1},
        {"blk.%d.ffn_norm.weight", dim, 1, 1},    {"blk.%d.ffn_gate.weight", dim, hidden, 1},
        {"blk.%d.ffn_down.weight", hidden, dim, 1}, {"blk.%d.ffn_up.weight", dim, hidden, 1},
        {"output_norm.weight", dim, 1, 0},
    };
    const size_t n_ts = sizeof ts / sizeof ts[0];
    size_t need = sizeof cfg, total_floats = 0;
    for (size_t i = 0; i < n_ts; i++)
        total_floats += (size_t)(ts[i].ne0 * ts[i].ne1 * (ts[i].per_layer ? n_layers : 1));
    need += total_floats * sizeof(float);
    if (msize < need + (shared ? 0 : (size_t)(vocab * dim) * sizeof(float))) {
        rc = fail(err, errlen, "%s: %zu bytes, expected at least %zu", model_path, msize, need);
        goto out;
    }
    struct ggml_init_params ip = {(total_floats + (size_t)(vocab * dim)) * sizeof(float) +
                                      (size_t)(n_ts * (size_t)n_layers + 2) * 1024,
                                  NULL, false};
    ctx = ggml_init(ip);
    g = gguf_init_empty();
    if (!ctx || !g) {
        rc = fail(err, errlen, "ggml_init / gguf_init_empty failed");
        goto out;
    }

    /* Vocabulary. */
    pieces = calloc((size_t)vocab, sizeof *pieces);
    scores = calloc((size_t)vocab, sizeof *scores);
    types = calloc((size_t)vocab, sizeof *types);
    if (!pieces || !scores || !types) goto nomem;
    n_pieces = (size_t)vocab;
    size_t at = 4;
    for (int64_t i = 0; i < vocab; i++) {
        int32_t len;
        if (at + 8 > tsize) goto badtok;
        memcpy(&scores[i], t + at, 4);
        memcpy(&len, t + at + 4, 4);
        at += 8;
        if (len < 0 || at + (size_t)len > tsize) goto badtok;
        const char *s = (const char *)t + at;
        const size_t stored = (size_t)len;
        unsigned byte;
        char tail;
        /* Types as llama_token_type: 1 normal, 2 unknown, 3 control, 6 byte. */
        if (i == 0) {
            s = "<unk>", len = 5, types[i] = 2;
        } else if (i == 1) {
            s = "<s>", len = 3, types[i] = 3;
        } else if (i == 2) {
            s = "</s>", len = 4, types[i] = 3;
        } else if (len == 6 && sscanf(s, "<0x%2X%c", &byte, &tail) == 2 && tail == '>') {
            types[i] = 6;
        } else {
            types[i] = 1;
        }
        pieces[i] = escape_spaces(s, (size_t)len);
        if (!pieces[i]) goto nomem;
        at += stored;
    }
    gguf_set_val_str(g, "general.architecture", "llama");
    gguf_set_val_str(g, "general.name", "llama2.c checkpoint");
    gguf_set_val_str(g, "tokenizer.ggml.model", "llama");
    gguf_set_arr_str(g, "tokenizer.ggml.tokens", (const char **)pieces, (size_t)vocab);
    gguf_set_arr_data(g, "tokenizer.ggml.scores", GGUF_TYPE_FLOAT32, scores, (size_t)vocab);
    gguf_set_arr_data(g, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, types, (size_t)vocab);
    gguf_set_val_u32(g, "tokenizer.ggml.unknown_token_id", 0);
    gguf_set_val_u32(g, "tokenizer.ggml.bos_token_id", 1);
    gguf_set_val_u32(g, "tokenizer.ggml.eos_token_id", 2);
    gguf_set_val_u32(g, "llama.context_length", (uint32_t)seq_len);
    gguf_set_val_u32(g, "llama.embedding_length", (uint32_t)dim);
    gguf_set_val_u32(g, "llama.feed_forward_length", (uint32_t)hidden);
    gguf_set_val_u32(g, "llama.block_count", (uint32_t)n_layers);
    gguf_set_val_u32(g, "llama.attention.head_count", (uint32_t)n_heads);
    gguf_set_val_u32(g, "llama.attention.head_count_kv", (uint32_t)n_kv);
    gguf_set_val_u32(g, "llama.rope.dimension_count", (uint32_t)(dim / n_heads));
    gguf_set_val_f32(g, "llama.attention.layer_norm_rms_epsilon", 1e-5f);

    /* Tensors, in the checkpoint's order (layer-major within each kind). */
    const unsigned char *p = m + sizeof cfg;
    const unsigned char *embd = p;
    for (size_t i = 0; i < n_ts; i++) {
        int64_t copies = ts[i].per_layer ? n_layers : 1;
        size_t bytes = (size_t)(ts[i].ne0 * ts[i].ne1) * sizeof(float);
        for (int64_t l = 0; l < copies; l++) {
            struct ggml_tensor *x = ts[i].ne1 == 1
                                        ? ggml_new_tensor_1d(ctx, GGML_TYPE_F32, ts[i].ne0)
                                        : ggml_new_tensor_2d(ctx, GGML_TYPE_F32, ts[i].ne0,
                                                             ts[i].ne1);
            if (!x) goto nomem;
            char name[64];
            snprintf(name, sizeof name, ts[i].name, (int)l);
            ggml_set_name(x, name);
            memcpy(x->data, p, bytes);
            p += bytes;
            gguf_add_tensor(g, x);
        }
    }
    /* The classifier: its own matrix after the RoPE tables, or the embedding (shared). */
    const unsigned char *cls = embd;
    if (!shared) cls = m + msize - (size_t)(vocab * dim) * sizeof(float);
    struct ggml_tensor *out = ggml_new_tensor_2d(ctx, GGML_TYPE_F32, dim, vocab);
    if (!out) goto nomem;
    ggml_set_name(out, "output.weight");
    memcpy(out->data, cls, (size_t)(vocab * dim) * sizeof(float));
    gguf_add_tensor(g, out);

    if (!gguf_write_to_file(g, out_path, false)) {
        rc = fail(err, errlen, "cannot write %s", out_path);
        goto out;
    }
    rc = 0;
    goto out;
badtok:
    rc = fail(err, errlen, "%s: truncated or not a llama2.c tokenizer", tok_path);
    goto out;
nomem:
    rc = fail(err, errlen, "out of memory");
out:
    for (size_t i = 0; i < n_pieces; i++) free(pieces[i]);
    free(pieces);
    free(scores);
    free(types);
    if (g) gguf_free(g);
    if (ctx) ggml_free(ctx);
    free(m);
    free(t);
    return rc;
}
