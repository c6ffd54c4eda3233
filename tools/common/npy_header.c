/*
 * .npy header parser. The dict is a Python literal, but only the few forms numpy.save writes
 * (and the spec allows for these dtypes) are accepted, each checked strictly, because a
 * header that is read loosely can describe data that is not there.
 */
#include <stdio.h>
#include <string.h>

#include "npy_header.h"

#define NPY_STR_CAP 32 /* longer than any key or accepted descr */

typedef struct {
    const unsigned char *b;
    size_t pos, end;
    int allow_long; /* Python 2 integers "5L" (versions 1.0 and 2.0, as numpy reads them) */
    logit_error *err;
} cursor;

static int peek(const cursor *c) { return c->pos < c->end ? c->b[c->pos] : -1; }

/* Blanks Python allows between tokens inside braces (newlines join lines there). */
static void skip_blanks(cursor *c) {
    while (c->pos < c->end && strchr(" \t\n\r\f", c->b[c->pos]) && c->b[c->pos]) c->pos++;
}

/* "'x'", "byte 0x93" or "the end of the header", for messages. */
static const char *what_is_here(const cursor *c, char *buf, size_t cap) {
    int ch = peek(c);
    if (ch < 0) snprintf(buf, cap, "the end of the header");
    else if (ch == '\n') snprintf(buf, cap, "a newline");
    else if (ch > 0x20 && ch < 0x7f) snprintf(buf, cap, "'%c'", ch);
    else snprintf(buf, cap, "byte 0x%02x", (unsigned)ch);
    return buf;
}

static int unexpected(cursor *c, const char *expected) {
    char here[32];
    return logit_fail(c->err, c->pos, "bad .npy header: expected %s, found %s", expected,
                      what_is_here(c, here, sizeof here));
}

static int expect(cursor *c, int ch, const char *name) {
    if (peek(c) != ch) return unexpected(c, name);
    c->pos++;
    return 0;
}

/* A quoted string without escapes, into out (NUL-terminated). */
static int read_string(cursor *c, char *out, const char *what) {
    int q = peek(c);
    if (q != '\'' && q != '"') return unexpected(c, what);
    size_t start = c->pos++, n = 0;
    for (;;) {
        int ch = peek(c);
        if (ch < 0 || ch == '\n')
            return logit_fail(c->err, start, "bad .npy header: unterminated string");
        if (ch == '\\')
            return logit_fail(c->err, c->pos, "bad .npy header: escapes in strings are not "
                                              "supported");
        c->pos++;
        if (ch == q) break;
        if (n + 1 >= NPY_STR_CAP)
            return logit_fail(c->err, start, "bad .npy header: string too long for %s", what);
        out[n++] = (char)ch;
    }
    out[n] = 0;
    return 0;
}

static int is_ident(int ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
           ch == '_';
}

static int read_bool(cursor *c, int *out) {
    size_t start = c->pos;
    while (is_ident(peek(c))) c->pos++;
    size_t n = c->pos - start;
    const char *w = (const char *)c->b + start;
    if (n == 4 && !memcmp(w, "True", 4)) *out = 1;
    else if (n == 5 && !memcmp(w, "False", 5)) *out = 0;
    else {
        c->pos = start;
        return unexpected(c, "True or False for 'fortran_order'");
    }
    return 0;
}

static int read_descr(cursor *c, npy_header *h) {
    static const char *const ok = "'<f2' '>f2' '<f4' '>f4' '<f8' '>f8'";
    char s[NPY_STR_CAP];
    size_t start = c->pos;
    if (peek(c) == '[')
        return logit_fail(c->err, start, "unsupported dtype: structured arrays (a list descr) "
                                         "cannot hold logits; tsamp reads %s", ok);
    if (read_string(c, s, "a quoted dtype for 'descr'") != 0) return -1;
    if (strlen(s) == 3 && (s[0] == '<' || s[0] == '>') && s[1] == 'f' &&
        (s[2] == '2' || s[2] == '4' || s[2] == '8')) {
        h->big_endian = s[0] == '>';
        h->dtype = s[2] == '2' ? LOGIT_F16 : s[2] == '4' ? LOGIT_F32 : LOGIT_F64;
        return 0;
    }
    if ((s[0] == '|' || s[0] == '=') && s[1] == 'f')
        return logit_fail(c->err, start, "unsupported dtype '%s': a float of more than one byte "
                                         "needs an explicit byte order; tsamp reads %s", s, ok);
    return logit_fail(c->err, start, "unsupported dtype '%s': tsamp reads float16, float32 and "
                                     "float64 (%s)", s, ok);
}

/* A non-negative decimal integer as Python writes it (no leading zeros, no '_'). */
static int read_dim(cursor *c, uint64_t *out) {
    size_t start = c->pos;
    int ch = peek(c);
    if (ch == '-') return logit_fail(c->err, start, "bad .npy header: negative dimension");
    if (ch < '0' || ch > '9') return unexpected(c, "an integer dimension");
    uint64_t v = 0;
    while ((ch = peek(c)) >= '0' && ch <= '9') {
        unsigned d = (unsigned)(ch - '0');
        if (v > (UINT64_MAX - d) / 10)
            return logit_fail(c->err, start, "bad .npy header: dimension too large "
                                             "(more than 2^64 - 1)");
        v = v * 10 + d;
        c->pos++;
    }
    if (c->b[start] == '0' && c->pos - start > 1)
        return logit_fail(c->err, start, "bad .npy header: leading zeros in a dimension");
    if (c->allow_long && (peek(c) == 'L' || peek(c) == 'l')) c->pos++;
    *out = v;
    return 0;
}

static int read_shape(cursor *c, npy_header *h) {
    h->shape_offset = c->pos;
    if (peek(c) != '(') return unexpected(c, "a tuple for 'shape'");
    c->pos++;
    size_t commas = 0;
    for (;;) {
        skip_blanks(c);
        if (peek(c) == ')') break;
        if (h->ndim == LOGIT_MAX_DIMS)
            return logit_fail(c->err, c->pos, "bad .npy header: more than %d dimensions",
                              LOGIT_MAX_DIMS);
        if (read_dim(c, &h->shape[h->ndim]) != 0) return -1;
        h->ndim++;
        skip_blanks(c);
        if (peek(c) != ',') break;
        c->pos++;
        commas++;
    }
    if (peek(c) != ')') return unexpected(c, "',' or ')' in 'shape'");
    if (h->ndim == 1 && commas == 0) /* Python reads "(5)" as the integer 5 */
        return logit_fail(c->err, h->shape_offset, "bad .npy header: 'shape' (%llu) is not a "
                          "tuple; a one-dimensional shape is written (%llu,)",
                          (unsigned long long)h->shape[0], (unsigned long long)h->shape[0]);
    c->pos++;
    return 0;
}

enum { KEY_DESCR, KEY_FORTRAN, KEY_SHAPE, N_KEYS };
static const char *const KEY_NAMES[N_KEYS] = {"descr", "fortran_order", "shape"};

static int read_item(cursor *c, npy_header *h, int seen[N_KEYS]) {
    char key[NPY_STR_CAP];
    size_t at = c->pos;
    if (read_string(c, key, "a quoted key or '}'") != 0) return -1;
    int k = 0;
    while (k < N_KEYS && strcmp(key, KEY_NAMES[k]) != 0) k++;
    if (k == N_KEYS)
        return logit_fail(c->err, at, "bad .npy header: unknown key '%s' (the keys are 'descr', "
                                      "'fortran_order' and 'shape')", key);
    if (seen[k]) return logit_fail(c->err, at, "bad .npy header: key '%s' appears twice", key);
    seen[k] = 1;
    skip_blanks(c);
    if (expect(c, ':', "':' after the key") != 0) return -1;
    skip_blanks(c);
    if (k == KEY_DESCR) return read_descr(c, h);
    if (k == KEY_FORTRAN) return read_bool(c, &h->fortran_order);
    return read_shape(c, h);
}

static int read_dict(cursor *c, npy_header *h, size_t start) {
    int seen[N_KEYS] = {0, 0, 0};
    while (peek(c) == ' ' || peek(c) == '\t') c->pos++; /* literal_eval strips these */
    if (expect(c, '{', "'{' (the header is a Python dict)") != 0) return -1;
    for (;;) {
        skip_blanks(c);
        if (peek(c) == '}') break;
        if (read_item(c, h, seen) != 0) return -1;
        skip_blanks(c);
        if (peek(c) != ',') break;
        c->pos++;
    }
    if (expect(c, '}', "',' or '}'") != 0) return -1;
    skip_blanks(c);
    if (c->pos != c->end) {
        char here[32];
        return logit_fail(c->err, c->pos, "bad .npy header: %s after the dict",
                          what_is_here(c, here, sizeof here));
    }
    for (int k = 0; k < N_KEYS; k++)
        if (!seen[k])
            return logit_fail(c->err, start, "bad .npy header: no '%s' key", KEY_NAMES[k]);
    return 0;
}

int npy_header_parse(const unsigned char *buf, size_t len, npy_header *h, logit_error *err) {
    static const unsigned char magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
    memset(h, 0, sizeof *h);
    for (size_t i = 0; i < sizeof magic; i++) {
        if (i == len) return logit_fail(err, len, "not a .npy file: too short (%zu bytes)", len);
        if (buf[i] != magic[i])
            return logit_fail(err, i, "not a .npy file: the magic string \\x93NUMPY does not "
                                      "match");
    }
    if (len < 8) return logit_fail(err, len, "truncated .npy file: no format version");
    if ((buf[6] != 1 && buf[6] != 2 && buf[6] != 3) || buf[7] != 0)
        return logit_fail(err, 6, "unsupported .npy format version %u.%u (1.0, 2.0 and 3.0 "
                                  "exist)", buf[6], buf[7]);
    h->major = buf[6];
    size_t lsize = h->major == 1 ? 2 : 4, start = 8 + lsize, hlen = 0;
    if (len < start) return logit_fail(err, len, "truncated .npy file: no header length");
    for (size_t i = 0; i < lsize; i++) hlen |= (size_t)buf[8 + i] << (8 * i);
    if (hlen > len - start)
        return logit_fail(err, len, "truncated .npy header: HEADER_LEN is %zu bytes from byte "
                                    "%zu, but the file ends at byte %zu", hlen, start, len);
    h->data_offset = start + hlen;
    if (hlen == 0 || buf[h->data_offset - 1] != '\n')
        return logit_fail(err, hlen ? h->data_offset - 1 : start,
                          "bad .npy header: it does not end with a newline");
    cursor c = {buf, start, h->data_offset, h->major < 3, err};
    return read_dict(&c, h, start);
}
