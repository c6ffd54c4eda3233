/*
 * Spec strings (grammar in tsamp.h): tsamp_chain_parse[_ex] and tsamp_chain_format.
 *
 * Decisions beyond the header:
 *  - Blanks are exactly ' ', '\t', '\n', '\v', '\f', '\r' (not isspace(): locale-free).
 *  - Errors are reported for the first problem in reading order. The offset points at the
 *    item for key problems, at the '=' for "greedy=...", just past the key when '=' is
 *    missing, and at the value itself for every value problem.
 *  - At most SPEC_MAX_ITEMS items per call: processors are built in a local array and
 *    appended once, so a parse never allocates except in tsamp_chain_append.
 *  - Floats: anything C strtod reads (0.8, .8, 8e-1, +1, 0x1p-3, inf, nan), with '.' as the
 *    point in every locale. NaN and infinities are handed to the processor's constructor,
 *    which decides (temp=inf and any NaN: INVALID_PARAM; top_p=inf: a valid no-op). A finite
 *    number that does not fit a float (it would round to infinity) is a PARSE error, like an
 *    integer that does not fit its type; a number too small for a float rounds (to 0 or a
 *    subnormal), as a C conversion would.
 *  - Integers: an optional sign and decimal digits. MIN_KEEP may not be negative ("-0" is 0).
 */
#include <errno.h>
#include <float.h>
#include <inttypes.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tsamp_internal.h"

#define SPEC_MAX_ITEMS 64       /* processors one parse call may add */
#define SPEC_MAX_FLOAT_CHARS 63 /* longest float value accepted */
#define SPEC_QUOTE_CHARS 40     /* longest excerpt of the input quoted in a message */
#define SPEC_ITEM_CAP 96        /* longest formatted item ("min_p=<15>,<20 digits>") + room */

/* Half an ulp above FLT_MAX: a double at or beyond it rounds to infinity as a float. */
static const double FLOAT_OVERFLOW = 0x1p128 - 0x1p103;

/* ---- keys ------------------------------------------------------------------------------- */

typedef struct {
    const char *name;
    tsamp_proc_kind kind;
    unsigned max_values; /* 0: no '=' allowed; otherwise values 1 .. max_values */
} spec_key;

static const spec_key KEYS[] = {
    {"temp", TSAMP_PROC_TEMPERATURE, 1},
    {"temperature", TSAMP_PROC_TEMPERATURE, 1},
    {"greedy", TSAMP_PROC_TEMPERATURE, 0},
    {"top_k", TSAMP_PROC_TOP_K, 1},
    {"top_p", TSAMP_PROC_TOP_P, 2},
    {"min_p", TSAMP_PROC_MIN_P, 2},
};

static const spec_key *find_key(const char *s, size_t n) {
    for (size_t i = 0; i < sizeof KEYS / sizeof KEYS[0]; i++)
        if (strlen(KEYS[i].name) == n && memcmp(KEYS[i].name, s, n) == 0) return &KEYS[i];
    return NULL;
}

/* ---- errors ----------------------------------------------------------------------------- */

typedef struct {
    const char *spec;
    tsamp_parse_error *err; /* may be NULL */
} parser;

#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static tsamp_status fail(const parser *p, tsamp_status st, size_t offset, const char *fmt,
                         ...) {
    if (!p->err) return st;
    p->err->offset = offset;
    va_list ap;
    va_start(ap, fmt);
    /* vsnprintf truncates and always NUL-terminates (the buffer is never 0 bytes). */
    vsnprintf(p->err->message, sizeof p->err->message, fmt, ap);
    va_end(ap);
    return st;
}

/* A printable excerpt of s[0..n) for a message: control and non-ASCII bytes become '?'
 * (so a cut never splits a UTF-8 sequence), and a long text ends in "...". */
static void quote(char out[SPEC_QUOTE_CHARS + 4], const char *s, size_t n) {
    size_t m = n > SPEC_QUOTE_CHARS ? SPEC_QUOTE_CHARS : n;
    for (size_t i = 0; i < m; i++) {
        unsigned char ch = (unsigned char)s[i];
        out[i] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
    }
    if (m < n) {
        memcpy(out + m, "...", 3);
        m += 3;
    }
    out[m] = '\0';
}

/* ---- numbers ---------------------------------------------------------------------------- */

typedef enum { NUM_OK, NUM_SYNTAX, NUM_RANGE, NUM_NEGATIVE, NUM_LONG } num_result;

/* The characters C-locale strtod can consume: digits, letters (exponents, hex digits, inf,
 * nan, nan(n-char-sequence)), signs, '.', '(', ')', '_'. Checking them first means a locale's
 * own decimal point (',' or a multibyte one) can never be accepted. */
static int is_number_char(char ch) {
    return (ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
           ch == '.' || ch == '+' || ch == '-' || ch == '(' || ch == ')' || ch == '_';
}

/* s[0..n) as a float. The value is copied with each '.' replaced by the locale's decimal
 * point, because strtod reads that one; the copy also NUL-terminates the value. */
static num_result parse_float(const char *s, size_t n, float *out) {
    if (n > SPEC_MAX_FLOAT_CHARS) return NUM_LONG;
    const char *point = localeconv()->decimal_point;
    if (!point || !*point) point = ".";
    size_t plen = strlen(point);
    char buf[SPEC_MAX_FLOAT_CHARS + 32];
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_number_char(s[i])) return NUM_SYNTAX;
        const char *piece = s[i] == '.' ? point : s + i;
        size_t piece_len = s[i] == '.' ? plen : 1;
        /* Only several points (malformed anyway) or an absurdly long locale point can
         * overflow the spare room. */
        if (len + piece_len >= sizeof buf) return NUM_SYNTAX;
        memcpy(buf + len, piece, piece_len);
        len += piece_len;
    }
    buf[len] = '\0';

    int saved_errno = errno;
    errno = 0;
    char *end;
    double d = strtod(buf, &end);
    int overflow = errno == ERANGE && isinf(d);
    errno = saved_errno;
    if (end != buf + len) return NUM_SYNTAX;
    if (overflow || (isfinite(d) && fabs(d) >= FLOAT_OVERFLOW)) return NUM_RANGE;
    *out = (float)d;
    return NUM_OK;
}

/* [+-]digits: the sign and the magnitude. Digits are read to the end even past an overflow,
 * so "9999999999999999999999x" is a syntax error rather than a range error. */
static num_result parse_decimal(const char *s, size_t n, int *neg, uintmax_t *mag) {
    size_t i = 0;
    *neg = 0;
    if (n > 0 && (s[0] == '+' || s[0] == '-')) *neg = s[i++] == '-';
    if (i == n) return NUM_SYNTAX;
    uintmax_t v = 0;
    int overflow = 0;
    for (; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return NUM_SYNTAX;
        unsigned digit = (unsigned)(s[i] - '0');
        if (v > (UINTMAX_MAX - digit) / 10)
            overflow = 1;
        else
            v = v * 10 + digit;
    }
    *mag = v;
    return overflow ? NUM_RANGE : NUM_OK;
}

static num_result parse_int32(const char *s, size_t n, int32_t *out) {
    int neg;
    uintmax_t mag;
    num_result r = parse_decimal(s, n, &neg, &mag);
    if (r != NUM_OK) return r;
    if (mag > (neg ? (uintmax_t)INT32_MAX + 1 : (uintmax_t)INT32_MAX)) return NUM_RANGE;
    *out = neg ? (int32_t)(-(intmax_t)mag) : (int32_t)mag;
    return NUM_OK;
}

static num_result parse_size(const char *s, size_t n, size_t *out) {
    int neg;
    uintmax_t mag = 0;
    num_result r = parse_decimal(s, n, &neg, &mag);
    if (r == NUM_SYNTAX) return r;
    if (neg && (r == NUM_RANGE || mag != 0)) return NUM_NEGATIVE;
    if (r == NUM_RANGE || (uintmax_t)(size_t)mag != mag) return NUM_RANGE;
    *out = (size_t)mag;
    return NUM_OK;
}

/* ---- items ------------------------------------------------------------------------------ */

/* The values of one item, converted: slot 0 is T, P (f) or K (k); slot 1 is MIN_KEEP. */
typedef struct {
    unsigned n;
    size_t off[2], len[2];
    float f;
    int32_t k;
    size_t min_keep;
} item_values;

static tsamp_status number_error(const parser *p, const spec_key *key, unsigned slot,
                                 num_result r, size_t off, size_t len) {
    char q[SPEC_QUOTE_CHARS + 4];
    quote(q, p->spec + off, len);
    const char *name = key->name;
    if (r == NUM_LONG)
        return fail(p, TSAMP_ERR_PARSE, off, "%s: number longer than %d characters", name,
                    SPEC_MAX_FLOAT_CHARS);
    if (r == NUM_NEGATIVE)
        return fail(p, TSAMP_ERR_PARSE, off, "%s: MIN_KEEP must not be negative, got \"%s\"",
                    name, q);
    int is_k = slot == 0 && key->kind == TSAMP_PROC_TOP_K;
    const char *noun = slot == 1 ? "an integer MIN_KEEP" : is_k ? "an integer" : "a number";
    const char *type = slot == 1 ? "size_t" : is_k ? "int32" : "float";
    if (r == NUM_RANGE)
        return fail(p, TSAMP_ERR_PARSE, off, "%s: value out of %s range, got \"%s\"", name, type,
                    q);
    return fail(p, TSAMP_ERR_PARSE, off, "%s: expected %s, got \"%s\"", name, noun, q);
}

static tsamp_status convert_value(const parser *p, const spec_key *key, unsigned slot,
                                  item_values *v) {
    const char *s = p->spec + v->off[slot];
    size_t n = v->len[slot];
    num_result r;
    if (slot == 1)
        r = parse_size(s, n, &v->min_keep);
    else if (key->kind == TSAMP_PROC_TOP_K)
        r = parse_int32(s, n, &v->k);
    else
        r = parse_float(s, n, &v->f);
    return r == NUM_OK ? TSAMP_OK : number_error(p, key, slot, r, v->off[slot], n);
}

/* Splits spec[begin..end) at ',' and converts each value, in order. */
static tsamp_status parse_values(const parser *p, const spec_key *key, size_t begin,
                                 size_t end, item_values *v) {
    v->n = 0;
    v->f = 0.0f;
    v->k = 0;
    v->min_keep = 1; /* the default MIN_KEEP */
    for (size_t pos = begin;; pos++) {
        size_t stop = pos;
        while (stop < end && p->spec[stop] != ',') stop++;
        if (v->n == key->max_values)
            return fail(p, TSAMP_ERR_PARSE, pos, "%s: too many values (at most %u)", key->name,
                        key->max_values);
        if (stop == pos) return fail(p, TSAMP_ERR_PARSE, pos, "%s: empty value", key->name);
        v->off[v->n] = pos;
        v->len[v->n] = stop - pos;
        tsamp_status st = convert_value(p, key, v->n, v);
        if (st != TSAMP_OK) return st;
        v->n++;
        if (stop == end) return TSAMP_OK;
        pos = stop;
    }
}

/* The validating constructor decides the domain; only T and P can be outside it. */
static tsamp_status build_proc(const parser *p, const spec_key *key, const item_values *v,
                               tsamp_proc *out) {
    tsamp_status st;
    const char *rule;
    if (key->kind == TSAMP_PROC_TOP_K) return tsamp_proc_top_k(out, v->k);
    if (key->kind == TSAMP_PROC_TEMPERATURE) {
        st = tsamp_proc_temperature(out, v->f);
        rule = "must be >= 0 and finite";
    } else {
        st = key->kind == TSAMP_PROC_TOP_P ? tsamp_proc_top_p(out, v->f, v->min_keep)
                                           : tsamp_proc_min_p(out, v->f, v->min_keep);
        rule = "P must not be NaN";
    }
    if (st != TSAMP_ERR_INVALID_PARAM) return st;
    char q[SPEC_QUOTE_CHARS + 4];
    quote(q, p->spec + v->off[0], v->len[0]);
    return fail(p, st, v->off[0], "%s: %s, got \"%s\"", key->name, rule, q);
}

/* One item, spec[start..end) (non-empty, no blanks). */
static tsamp_status parse_item(const parser *p, size_t start, size_t end, tsamp_proc *out) {
    size_t eq = start;
    while (eq < end && p->spec[eq] != '=') eq++;
    if (eq == start) return fail(p, TSAMP_ERR_PARSE, start, "missing key before '='");
    const spec_key *key = find_key(p->spec + start, eq - start);
    if (!key) {
        char q[SPEC_QUOTE_CHARS + 4];
        quote(q, p->spec + start, eq - start);
        return fail(p, TSAMP_ERR_PARSE, start, "unknown key \"%s\"", q);
    }
    if (key->max_values == 0) {
        if (eq < end) return fail(p, TSAMP_ERR_PARSE, eq, "%s: takes no value", key->name);
        return tsamp_proc_temperature(out, 0.0f);
    }
    if (eq == end)
        return fail(p, TSAMP_ERR_PARSE, eq, "%s: expected '=' and a value", key->name);
    item_values v;
    tsamp_status st = parse_values(p, key, eq + 1, end, &v);
    return st != TSAMP_OK ? st : build_proc(p, key, &v, out);
}

static int is_blank(char ch) {
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\v' || ch == '\f' || ch == '\r';
}

tsamp_status tsamp_chain_parse_ex(tsamp_chain *c, const char *spec, tsamp_parse_error *err) {
    if (!c || !spec) return TSAMP_ERR_NULL;
    parser p = {spec, err};
    tsamp_proc procs[SPEC_MAX_ITEMS];
    size_t n = 0;
    size_t i = 0;
    for (;;) {
        while (is_blank(spec[i])) i++;
        if (spec[i] == '\0') break;
        size_t end = i;
        while (spec[end] != '\0' && !is_blank(spec[end])) end++;
        if (n == SPEC_MAX_ITEMS)
            return fail(&p, TSAMP_ERR_PARSE, i, "too many processors (max %d)",
                        SPEC_MAX_ITEMS);
        tsamp_status st = parse_item(&p, i, end, &procs[n]);
        if (st != TSAMP_OK) return st;
        n++;
        i = end;
    }
    return tsamp_chain_append(c, procs, n);
}

tsamp_status tsamp_chain_parse(tsamp_chain *c, const char *spec) {
    return tsamp_chain_parse_ex(c, spec, NULL);
}

/* ---- formatting ------------------------------------------------------------------------- */

/* "%.9g" (enough digits for any float to read back bit-exactly), then the locale's decimal
 * point, which printf uses, is turned back into '.'. */
static void format_float(char *out, size_t cap, float f) {
    int n = snprintf(out, cap, "%.9g", (double)f);
    if (n < 0 || (size_t)n >= cap) { /* cannot happen with the caller's 48 bytes */
        out[0] = '\0';
        return;
    }
    const char *point = localeconv()->decimal_point;
    if (!point || !*point || strcmp(point, ".") == 0) return;
    char *at = strstr(out, point);
    if (!at) return;
    size_t plen = strlen(point);
    *at = '.';
    memmove(at + 1, at + plen, strlen(at + plen) + 1);
}

/* One processor as an item; returns its length. */
static size_t format_proc(const tsamp_proc *pr, char out[SPEC_ITEM_CAP]) {
    char num[48];
    int n;
    switch (pr->kind) {
    case TSAMP_PROC_TEMPERATURE:
        if (pr->u.temperature.t == 0.0f) { /* also -0.0, which behaves the same */
            n = snprintf(out, SPEC_ITEM_CAP, "greedy");
        } else {
            format_float(num, sizeof num, pr->u.temperature.t);
            n = snprintf(out, SPEC_ITEM_CAP, "temp=%s", num);
        }
        break;
    case TSAMP_PROC_TOP_K:
        n = snprintf(out, SPEC_ITEM_CAP, "top_k=%" PRId32, pr->u.top_k.k);
        break;
    case TSAMP_PROC_TOP_P:
        format_float(num, sizeof num, pr->u.top_p.p);
        n = snprintf(out, SPEC_ITEM_CAP, "top_p=%s,%zu", num, pr->u.top_p.min_keep);
        break;
    case TSAMP_PROC_MIN_P:
        format_float(num, sizeof num, pr->u.min_p.p);
        n = snprintf(out, SPEC_ITEM_CAP, "min_p=%s,%zu", num, pr->u.min_p.min_keep);
        break;
    default:
        n = 0;
        out[0] = '\0';
        break;
    }
    return n > 0 ? (size_t)n : 0;
}

/* Writes the items to buf (when not NULL; the caller measured first, with buf NULL, that
 * they fit) and returns the total length. */
static size_t format_procs(const tsamp_proc *procs, size_t n, char *buf) {
    size_t total = 0;
    char item[SPEC_ITEM_CAP];
    for (size_t i = 0; i < n; i++) {
        size_t len = format_proc(&procs[i], item);
        if (i > 0) {
            if (buf) buf[total] = ' ';
            total++;
        }
        if (buf) memcpy(buf + total, item, len);
        total += len;
    }
    if (buf) buf[total] = '\0';
    return total;
}

tsamp_status tsamp_chain_format(const tsamp_chain *c, char *buf, size_t cap, size_t *len) {
    if (!c || !len || (!buf && cap > 0)) return TSAMP_ERR_NULL;
    size_t n;
    const tsamp_proc *procs = tsamp_chain_procs(c, &n);
    size_t need = format_procs(procs, n, NULL);
    *len = need;
    if (cap <= need) return TSAMP_ERR_BUFFER_TOO_SMALL;
    format_procs(procs, n, buf);
    return TSAMP_OK;
}
