/* llama2.c tokenizers: reading with validation, and decoding tokens to text. */
#include <stdlib.h>
#include <string.h>

#include "llama2.h"
#include "llama2_internal.h"

/* A tokenizer file is a few MB at most; this bound keeps a wrong path from being slurped. */
#define MAX_TOKENIZER_BYTES ((uint64_t)1 << 30)
enum { MAX_TOKEN_LENGTH = 1 << 16 };

struct llama2_tokenizer {
    int32_t vocab_size;
    size_t *offset; /* of each token's text in `text` */
    char *text;     /* the decoded pieces, each NUL-terminated */
};

static int hex_digit(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* The byte of a "<0xNN>" piece, or -1 for any other piece. */
static int byte_piece(const unsigned char *p, size_t len) {
    if (len != 6 || memcmp(p, "<0x", 3) != 0 || p[5] != '>') return -1;
    int hi = hex_digit(p[3]), lo = hex_digit(p[4]);
    return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

static int32_t le_i32(const unsigned char *p) {
    uint32_t u = llama2_le32(p);
    int32_t v;
    memcpy(&v, &u, sizeof v);
    return v;
}

/* Walks the file's pieces into t->text, checking every length against what is left. */
static int parse_pieces(const char *path, const unsigned char *buf, size_t size,
                        llama2_tokenizer *t, char *err, size_t errlen) {
    if (size < 4)
        return llama2_fail(err, errlen, LLAMA2_ERR_FORMAT,
                           "%s: truncated: %zu bytes, shorter than the 4-byte header", path, size);
    int32_t max_len = le_i32(buf);
    if (max_len < 1 || max_len > MAX_TOKEN_LENGTH)
        return llama2_fail(err, errlen, LLAMA2_ERR_FORMAT,
                           "%s: bad header: max_token_length = %d, expected 1..%d (not a "
                           "llama2.c tokenizer?)",
                           path, (int)max_len, MAX_TOKEN_LENGTH);
    size_t at = 4, out = 0;
    for (int32_t i = 0; i < t->vocab_size; i++) {
        if (size - at < 8)
            return llama2_fail(err, errlen, LLAMA2_ERR_FORMAT,
                               "%s: truncated: ends at token %d of the model's %d", path, (int)i,
                               (int)t->vocab_size);
        int32_t len = le_i32(buf + at + 4); /* the score before it is not needed to decode */
        at += 8;
        if (len < 0 || len > max_len)
            return llama2_fail(err, errlen, LLAMA2_ERR_FORMAT,
                               "%s: corrupt: token %d has length %d, expected 0..%d "
                               "(max_token_length)",
                               path, (int)i, (int)len, (int)max_len);
        if (size - at < (size_t)len)
            return llama2_fail(err, errlen, LLAMA2_ERR_FORMAT,
                               "%s: truncated: inside the piece of token %d of %d", path, (int)i,
                               (int)t->vocab_size);
        int byte = byte_piece(buf + at, (size_t)len);
        t->offset[i] = out;
        if (byte >= 0) {
            t->text[out++] = (char)byte;
        } else {
            memcpy(t->text + out, buf + at, (size_t)len);
            out += (size_t)len;
        }
        t->text[out++] = '\0';
        at += (size_t)len;
    }
    if (at != size)
        return llama2_fail(err, errlen, LLAMA2_ERR_FORMAT,
                           "%s: wrong size: %zu bytes left after the model's %d tokens (a "
                           "tokenizer for another vocabulary?)",
                           path, size - at, (int)t->vocab_size);
    return LLAMA2_OK;
}

static int read_all(const char *path, unsigned char **buf, size_t *size, char *err,
                    size_t errlen) {
    FILE *f = NULL;
    uint64_t n = 0;
    int rc = llama2_open_file(path, &f, &n, err, errlen);
    if (rc) return rc;
    if (n > MAX_TOKENIZER_BYTES) {
        fclose(f);
        return llama2_fail(err, errlen, LLAMA2_ERR_FORMAT,
                           "%s: %llu bytes, too large for a tokenizer", path,
                           (unsigned long long)n);
    }
    *buf = malloc(n > 0 ? (size_t)n : 1);
    if (!*buf) {
        fclose(f);
        return llama2_fail(err, errlen, LLAMA2_ERR_NOMEM, "%s: out of memory", path);
    }
    rc = llama2_read_exact(f, *buf, (size_t)n, path, 0, err, errlen);
    fclose(f);
    if (rc) {
        free(*buf);
        return rc;
    }
    *size = (size_t)n;
    return LLAMA2_OK;
}

int llama2_tokenizer_load(const char *path, int32_t vocab_size, llama2_tokenizer **out,
                          char *err, size_t errlen) {
    if (!path || !out) return llama2_fail(err, errlen, LLAMA2_ERR_ARG, "llama2: NULL argument");
    if (vocab_size < 1)
        return llama2_fail(err, errlen, LLAMA2_ERR_ARG, "%s: vocab_size %d is not positive",
                           path, (int)vocab_size);
    unsigned char *buf = NULL;
    size_t size = 0;
    int rc = read_all(path, &buf, &size, err, errlen);
    if (rc) return rc;
    /* Only a 32-bit size_t could overflow here. */
    int fits = (uint64_t)vocab_size <= (SIZE_MAX - size) / sizeof(size_t);
    llama2_tokenizer *t = fits ? calloc(1, sizeof *t) : NULL;
    if (t) {
        t->vocab_size = vocab_size;
        t->offset = malloc((size_t)vocab_size * sizeof *t->offset);
        t->text = malloc(size + (size_t)vocab_size); /* the pieces plus a NUL each */
    }
    if (!t || !t->offset || !t->text)
        rc = llama2_fail(err, errlen, LLAMA2_ERR_NOMEM, "%s: out of memory", path);
    else
        rc = parse_pieces(path, buf, size, t, err, errlen);
    free(buf);
    if (rc) {
        llama2_tokenizer_free(t);
        return rc;
    }
    *out = t;
    return LLAMA2_OK;
}

void llama2_tokenizer_free(llama2_tokenizer *t) {
    if (!t) return;
    free(t->offset);
    free(t->text);
    free(t);
}

const char *llama2_decode(const llama2_tokenizer *t, int32_t prev, int32_t token) {
    if (!t || token < 0 || token >= t->vocab_size) return "";
    const char *p = t->text + t->offset[token];
    /* sentencepiece marks word starts with a space; the first word has none to show. */
    if (prev == LLAMA2_BOS && p[0] == ' ') p++;
    return p;
}
