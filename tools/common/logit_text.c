/* Text logit files: one step per line, numbers separated by blanks, '#' comments. */
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "logit_data.h"

#define TEXT_NUMBER_CAP 256 /* longest number accepted, in characters */

static int is_blank(char ch) {
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

static int is_digit(char ch) { return ch >= '0' && ch <= '9'; }

static size_t digits(const char *s, size_t i, size_t n) {
    while (i < n && is_digit(s[i])) i++;
    return i;
}

/* Whether s[0..n) is a number in the documented grammar. strtof alone would also take hex
 * floats and "nan(...)", and stops early rather than failing. */
static int is_number(const char *s, size_t n) {
    size_t i = (n && (s[0] == '+' || s[0] == '-')) ? 1 : 0;
    static const char *const words[] = {"inf", "infinity", "nan"};
    for (size_t w = 0; w < 3; w++)
        if (n - i == strlen(words[w])) {
            size_t j = 0;
            while (j < n - i && (s[i + j] | 0x20) == words[w][j]) j++;
            if (j == n - i) return 1;
        }
    size_t a = digits(s, i, n), b = a;
    if (b < n && s[b] == '.') b = digits(s, b + 1, n);
    if (b - i - (a < b) == 0) return 0; /* no digit before or after the point */
    if (b < n && (s[b] == 'e' || s[b] == 'E')) {
        size_t e = b + 1;
        if (e < n && (s[e] == '+' || s[e] == '-')) e++;
        size_t f = digits(s, e, n);
        if (f == e) return 0;
        b = f;
    }
    return b == n;
}

typedef struct {
    float *v;
    size_t n, cap;
} floats;

static int push(floats *f, float x) {
    if (f->n == f->cap) {
        size_t cap = f->cap ? 2 * f->cap : 1024;
        if (cap > SIZE_MAX / sizeof *f->v) return -1;
        float *v = realloc(f->v, cap * sizeof *v);
        if (!v) return -1;
        f->v = v;
        f->cap = cap;
    }
    f->v[f->n++] = x;
    return 0;
}

/* The number at s[0..n) (offset `at` in the input) appended to f. */
static int convert(const char *s, size_t n, size_t at, floats *f, logit_error *err) {
    char tmp[TEXT_NUMBER_CAP + 1];
    if (n > TEXT_NUMBER_CAP || !is_number(s, n))
        return logit_fail(err, at, "not a number: \"%.*s%s\"", n > 40 ? 40 : (int)n, s,
                          n > 40 ? "..." : "");
    memcpy(tmp, s, n);
    tmp[n] = 0;
    errno = 0;
    float x = strtof(tmp, NULL);
    if (errno == ERANGE && (x > FLT_MAX || x < -FLT_MAX))
        return logit_fail(err, at, "%s is beyond the float32 range", tmp);
    if (push(f, x) != 0) return logit_fail(err, at, "out of memory");
    return 0;
}

int logit_text_parse(const char *buf, size_t len, logit_data *out, logit_error *err) {
    floats f = {NULL, 0, 0};
    size_t cols = 0, rows = 0, line = 1, first_line = 0, i = 0;
    memset(out, 0, sizeof *out);
    while (i < len) {
        size_t line_start = i, before = f.n;
        while (i < len && buf[i] != '\n') { /* one line */
            if (is_blank(buf[i])) {
                i++;
            } else if (buf[i] == '#') {
                while (i < len && buf[i] != '\n') i++;
            } else {
                size_t s = i;
                while (i < len && buf[i] != '\n' && buf[i] != '#' && !is_blank(buf[i])) i++;
                if (convert(buf + s, i - s, s, &f, err) != 0) goto fail;
            }
        }
        size_t n = f.n - before;
        if (n && rows == 0) {
            cols = n;
            first_line = line;
        } else if (n && n != cols) {
            logit_fail(err, line_start, "line %zu has %zu numbers, line %zu has %zu: every "
                       "step needs the same vocabulary", line, n, first_line, cols);
            goto fail;
        }
        rows += n != 0;
        i++, line++; /* past the newline */
    }
    if (rows == 0) {
        logit_fail(err, len, len ? "no numbers in the file" : "empty file: no logits");
        goto fail;
    }
    if (cols > INT32_MAX) {
        logit_fail(err, 0, "a vocabulary of %zu tokens is more than the library's limit of %"
                   PRId32, cols, INT32_MAX);
        goto fail;
    }
    out->n_steps = rows;
    out->n_vocab = cols;
    out->values = f.v;
    out->dtype = LOGIT_F32;
    return 0;
fail:
    free(f.v);
    return -1;
}
