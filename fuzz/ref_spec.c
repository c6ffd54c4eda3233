/* The reference reading of spec strings (see ref_spec.h). */
#include "ref_spec.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FLOAT_CHARS 63 /* src/spec.c: a longer number is a PARSE error */

typedef struct {
    const char *name;
    ref_spec_kind kind;
    unsigned max_values; /* 0: the key takes no '=' */
} ref_key;

static const ref_key KEYS[] = {
    {"temp", REF_TEMP, 1},   {"temperature", REF_TEMP, 1}, {"greedy", REF_TEMP, 0},
    {"top_k", REF_TOP_K, 1}, {"top_p", REF_TOP_P, 2},      {"min_p", REF_MIN_P, 2},
};

static int is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

/* Anything strtod reads whole, that is not a finite number too large for a float. */
static int read_float(const char *s, size_t n, float *out) {
    char buf[MAX_FLOAT_CHARS + 1];
    if (n > MAX_FLOAT_CHARS) return 0;
    memcpy(buf, s, n);
    buf[n] = '\0';
    errno = 0;
    char *end;
    double d = strtod(buf, &end);
    if (end != buf + n || n == 0) return 0;
    if (errno == ERANGE && isinf(d)) return 0;
    /* A float rounds to infinity at FLT_MAX + half an ulp (2^128 - 2^103) and beyond. */
    if (isfinite(d) && fabs(d) >= 0x1p128 - 0x1p103) return 0;
    *out = (float)d;
    return 1;
}

/* [+-]digits into sign and magnitude; 0 on bad syntax or a magnitude above `limit`. */
static int read_integer(const char *s, size_t n, uintmax_t limit, int *neg, uintmax_t *mag) {
    size_t i = 0;
    *neg = 0;
    if (n > 0 && (s[0] == '+' || s[0] == '-')) *neg = s[i++] == '-';
    if (i == n) return 0;
    uintmax_t v = 0;
    int over = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (limit - d) / 10)
            over = 1;
        else
            v = v * 10 + d;
    }
    *mag = v;
    return !over;
}

static int read_int32(const char *s, size_t n, int32_t *out) {
    int neg;
    uintmax_t mag;
    if (!read_integer(s, n, (uintmax_t)INT32_MAX + 1, &neg, &mag)) return 0;
    if (!neg && mag > INT32_MAX) return 0;
    *out = neg ? (int32_t)(-(intmax_t)mag) : (int32_t)mag;
    return 1;
}

static int read_size(const char *s, size_t n, size_t *out) {
    int neg;
    uintmax_t mag;
    if (!read_integer(s, n, SIZE_MAX, &neg, &mag)) return 0;
    if (neg && mag != 0) return 0; /* "-0" is 0 */
    *out = (size_t)mag;
    return 1;
}

static tsamp_status fail(ref_spec_result *r, tsamp_status st, size_t offset) {
    r->status = st;
    r->offset = offset;
    return st;
}

/* One item spec[start, end): no blanks inside. */
static tsamp_status read_item(const char *spec, size_t start, size_t end, ref_spec_item *it,
                              ref_spec_result *r) {
    const char *eq_p = memchr(spec + start, '=', end - start);
    size_t eq = eq_p ? (size_t)(eq_p - spec) : end;
    if (eq == start) return fail(r, TSAMP_ERR_PARSE, start);
    const ref_key *key = NULL;
    for (size_t i = 0; i < sizeof KEYS / sizeof KEYS[0]; i++)
        if (strlen(KEYS[i].name) == eq - start &&
            memcmp(KEYS[i].name, spec + start, eq - start) == 0)
            key = &KEYS[i];
    if (!key) {
        r->key_len = eq - start;
        return fail(r, TSAMP_ERR_PARSE, start);
    }
    it->kind = key->kind;
    it->f = 0.0f;
    it->k = 0;
    it->min_keep = 1;
    if (key->max_values == 0) return eq < end ? fail(r, TSAMP_ERR_PARSE, eq) : TSAMP_OK;
    if (eq == end) return fail(r, TSAMP_ERR_PARSE, eq);
    /* Values, in order: too many, empty, then the number itself. */
    size_t first = eq + 1;
    unsigned slot = 0;
    for (size_t pos = eq + 1;; slot++) {
        const char *comma = memchr(spec + pos, ',', end - pos);
        size_t stop = comma ? (size_t)(comma - spec) : end;
        if (slot == key->max_values || stop == pos) return fail(r, TSAMP_ERR_PARSE, pos);
        const char *v = spec + pos;
        size_t n = stop - pos;
        int ok = slot == 1                ? read_size(v, n, &it->min_keep)
                 : key->kind == REF_TOP_K ? read_int32(v, n, &it->k)
                                          : read_float(v, n, &it->f);
        if (!ok) return fail(r, TSAMP_ERR_PARSE, pos);
        if (stop == end) break;
        pos = stop + 1;
    }
    /* The domains of tsamp.h. */
    if (key->kind == REF_TEMP && !(it->f >= 0.0f && it->f != INFINITY))
        return fail(r, TSAMP_ERR_INVALID_PARAM, first);
    if ((key->kind == REF_TOP_P || key->kind == REF_MIN_P) && isnan(it->f))
        return fail(r, TSAMP_ERR_INVALID_PARAM, first);
    return TSAMP_OK;
}

void ref_spec_parse(const char *spec, ref_spec_result *r) {
    r->status = TSAMP_OK;
    r->offset = 0;
    r->key_len = 0;
    r->n = 0;
    size_t n = 0;
    for (size_t i = 0;;) {
        while (is_blank(spec[i])) i++;
        if (spec[i] == '\0') break;
        size_t end = i;
        while (spec[end] != '\0' && !is_blank(spec[end])) end++;
        /* An item and its blank take two bytes: the spec target's 4096 bytes always fit. */
        if (n == REF_SPEC_MAX_ITEMS) break;
        if (read_item(spec, i, end, &r->items[n], r) != TSAMP_OK) return;
        n++;
        i = end;
    }
    r->n = n;
}

tsamp_status ref_spec_add(tsamp_chain *c, const ref_spec_item *it) {
    switch (it->kind) {
    case REF_TEMP: return tsamp_chain_add_temperature(c, it->f);
    case REF_TOP_K: return tsamp_chain_add_top_k(c, it->k);
    case REF_TOP_P: return tsamp_chain_add_top_p(c, it->f, it->min_keep);
    case REF_MIN_P: return tsamp_chain_add_min_p(c, it->f, it->min_keep);
    }
    return TSAMP_ERR_INVALID_PARAM;
}
