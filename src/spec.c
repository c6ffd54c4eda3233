/*
 * Spec strings (grammar in tsamp.h): tsamp_chain_parse[_ex] and tsamp_chain_format.
 *
 * Decisions beyond the header:
 *  - Blanks are exactly ' ', '\t', '\n', '\v', '\f', '\r' (not isspace(): locale-free).
 *  - Errors are reported for the first problem in reading order. The offset points at the
 *    item for key problems, at the '=' for "greedy=...", just past the key when '=' is
 *    missing, and at the value itself for every value problem.
 *  - Any number of items: up to SPEC_STACK_ITEMS are built in a local array, more in memory
 *    from the chain's allocator; all are
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

#include "spec_internal.h"

#define SPEC_STACK_ITEMS 64     /* items built without allocating */
#define SPEC_MAX_FLOAT_CHARS 63 /* longest float value accepted */
#define SPEC_QUOTE_CHARS 40     /* longest excerpt of the input quoted in a message */

/* Half an ulp above FLT_MAX: a double at or beyond it rounds to infinity as a float. */
static const double FLOAT_OVERFLOW = 0x1p128 - 0x1p103;

/* ---- keys ------------------------------------------------------------------------------- */

static const spec_key *find_key(const char *s, size_t n) {
    for (size_t i = 0; i < tsamp_spec_n_keys; i++) {
        const char *name = tsamp_spec_keys[i].name;
        if (strlen(name) == n && memcmp(name, s, n) == 0) return &tsamp_spec_keys[i];
    }
    return NULL;
}

/* The schema read once: fixed slots, how many are required, the repeated letter (or 0). */
typedef struct {
    char type[SPEC_MAX_SLOTS];
    unsigned n_fixed, n_required;
    char rep;
} schema;

static schema read_schema(const char *s) {
    schema sc = {{0}, 0, 0, 0};
    int optional = 0;
    for (; *s; s++) {
        if (*s == '|') {
            optional = 1;
        } else if (s[1] == '*') {
            sc.rep = *s++;
        } else {
            sc.type[sc.n_fixed++] = *s;
            if (!optional) sc.n_required = sc.n_fixed;
        }
    }
    return sc;
}

/* The name of a slot, from the key's comma-separated names ("P,MIN_KEEP"). */
static void slot_name(const spec_key *key, unsigned slot, char out[32]) {
    const char *s = key->names;
    for (unsigned i = 0; i < slot && *s; i++) {
        while (*s && *s != ',') s++;
        if (*s == ',') s++;
    }
    size_t n = 0;
    while (s[n] && s[n] != ',' && n < 31) n++;
    memcpy(out, s, n);
    out[n] = '\0';
}

/* ---- errors ----------------------------------------------------------------------------- */

typedef struct {
    const char *spec;
    tsamp_parse_error *err; /* may be NULL */
    tsamp_chain *chain;
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

/* An item's values as found in the text (offsets for messages) and converted. */
typedef struct {
    spec_args a;
    size_t off[SPEC_MAX_SLOTS], len[SPEC_MAX_SLOTS];
    size_t tail_off; /* where the repeated values start */
    void *mem;       /* list arrays and the builder's scratch, from the chain's allocator */
} item_values;

static tsamp_status number_error(const parser *p, const spec_key *key, char type, const char *name,
                                 num_result r, size_t off, size_t len) {
    char q[SPEC_QUOTE_CHARS + 4];
    quote(q, p->spec + off, len);
    const char *k = key->name;
    if (r == NUM_LONG)
        return fail(p, TSAMP_ERR_PARSE, off, "%s: number longer than %d characters", k,
                    SPEC_MAX_FLOAT_CHARS);
    if (r == NUM_NEGATIVE)
        return fail(p, TSAMP_ERR_PARSE, off, "%s: %s must not be negative, got \"%s\"", k, name,
                    q);
    const char *range = type == 'z' ? "size_t" : type == 'i' ? "int32" : "float";
    if (r == NUM_RANGE)
        return fail(p, TSAMP_ERR_PARSE, off, "%s: value out of %s range, got \"%s\"", k, range,
                    q);
    if (type == 'z')
        return fail(p, TSAMP_ERR_PARSE, off, "%s: expected an integer %s, got \"%s\"", k, name,
                    q);
    if (type == 'p')
        return fail(p, TSAMP_ERR_PARSE, off, "%s: expected ID:VALUE, got \"%s\"", k, q);
    if (type == 's')
        return fail(p, TSAMP_ERR_PARSE, off, "%s: expected token ids joined by ':', got \"%s\"",
                    k, q);
    return fail(p, TSAMP_ERR_PARSE, off, "%s: expected %s, got \"%s\"", k,
                type == 'i' ? "an integer" : "a number", q);
}

/* One fixed value, s[0..n), into its slot. */
static num_result convert_fixed(char type, const char *s, size_t n, spec_args *a, unsigned slot) {
    if (type == 'z') return parse_size(s, n, &a->z[slot]);
    if (type == 'i') return parse_int32(s, n, &a->i[slot]);
    return parse_float(s, n, &a->f[slot]);
}

/* One repeated value, s[0..n), appended to the tail. */
static num_result convert_repeated(char type, const char *s, size_t n, spec_args *a) {
    if (type == 'i') {
        num_result r = parse_int32(s, n, &a->ids[a->n_ids]);
        if (r == NUM_OK) a->n_ids++, a->n_items++;
        return r;
    }
    size_t colon = 0;
    while (colon < n && s[colon] != ':') colon++;
    if (type == 'p') {
        if (colon == n) return NUM_SYNTAX;
        num_result r = parse_int32(s, colon, &a->ids[a->n_ids]);
        if (r == NUM_OK) r = parse_float(s + colon + 1, n - colon - 1, &a->vals[a->n_items]);
        if (r == NUM_OK) a->n_ids++, a->n_items++;
        return r;
    }
    for (size_t pos = 0;;) { /* 's': ID:ID:..., stored with a -1 after it */
        size_t stop = pos;
        while (stop < n && s[stop] != ':') stop++;
        num_result r = parse_int32(s + pos, stop - pos, &a->ids[a->n_ids]);
        if (r != NUM_OK) return r;
        /* Negative values end sequences here: a negative id becomes INT32_MAX, which no
         * vocabulary holds either, so the builder reports it as out of range (VOCAB). */
        if (a->ids[a->n_ids] < 0) a->ids[a->n_ids] = INT32_MAX;
        a->n_ids++;
        if (stop == n) break;
        pos = stop + 1;
    }
    a->ids[a->n_ids++] = -1;
    a->n_items++;
    return NUM_OK;
}

/* Room for the repeated values of spec[begin..end): bounded by its separators. */
static tsamp_status take_list_memory(const parser *p, size_t begin, size_t end, item_values *v) {
    size_t seps = 1;
    for (size_t i = begin; i < end; i++) seps += p->spec[i] == ',' || p->spec[i] == ':';
    size_t bytes = seps * (sizeof(int32_t) * 2 + sizeof(float)) + 8 * seps + 64;
    v->mem = tsamp_alloc(&p->chain->allocator, 2 * bytes);
    if (!v->mem) return TSAMP_ERR_NOMEM;
    v->a.ids = v->mem;
    v->a.vals = (float *)(void *)(v->a.ids + 2 * seps);
    return TSAMP_OK;
}

/* Splits spec[begin..end) at ',' and converts each value, in order. */
static tsamp_status parse_values(const parser *p, const spec_key *key, const schema *sc,
                                 size_t begin, size_t end, item_values *v) {
    if (sc->rep) {
        tsamp_status st = take_list_memory(p, begin, end, v);
        if (st != TSAMP_OK) return st;
    }
    for (size_t pos = begin;; pos++) {
        size_t stop = pos;
        while (stop < end && p->spec[stop] != ',') stop++;
        unsigned slot = v->a.n;
        if (slot == sc->n_fixed && !sc->rep)
            return fail(p, TSAMP_ERR_PARSE, pos, "%s: too many values (at most %u)", key->name,
                        sc->n_fixed);
        if (stop == pos) return fail(p, TSAMP_ERR_PARSE, pos, "%s: empty value", key->name);
        char type = slot < sc->n_fixed ? sc->type[slot] : sc->rep;
        char name[32];
        slot_name(key, slot < sc->n_fixed ? slot : sc->n_fixed, name);
        num_result r;
        if (slot < sc->n_fixed) {
            v->off[slot] = pos;
            v->len[slot] = stop - pos;
            r = convert_fixed(type, p->spec + pos, stop - pos, &v->a, slot);
            if (r == NUM_OK) v->a.n++;
        } else {
            if (v->a.n_items == 0) v->tail_off = pos;
            r = convert_repeated(type, p->spec + pos, stop - pos, &v->a);
        }
        if (r != NUM_OK) return number_error(p, key, type, name, r, pos, stop - pos);
        if (stop == end) return TSAMP_OK;
        pos = stop;
    }
}

/* The constructor decides the domain; a value outside it is INVALID_PARAM at that value. */
static tsamp_status build_proc(const parser *p, const spec_key *key, const item_values *v,
                               tsamp_proc *out) {
    unsigned slot = 0;
    const char *rule = "out of range";
    tsamp_status st = key->build(&v->a, p->chain->n_vocab, &p->chain->allocator, out, &slot, &rule);
    if (st == TSAMP_ERR_VOCAB)
        return fail(p, st, v->tail_off ? v->tail_off : v->off[0],
                    "%s: token id out of range [0, %zu)", key->name, p->chain->n_vocab);
    if (st != TSAMP_ERR_INVALID_PARAM) return st;
    size_t off = slot < SPEC_MAX_SLOTS ? v->off[slot] : v->tail_off;
    size_t len = slot < SPEC_MAX_SLOTS ? v->len[slot] : 0;
    char q[SPEC_QUOTE_CHARS + 4];
    quote(q, p->spec + off, len);
    if (slot >= SPEC_MAX_SLOTS) return fail(p, st, off, "%s: %s", key->name, rule);
    return fail(p, st, off, "%s: %s, got \"%s\"", key->name, rule, q);
}

/* One item, spec[start..end) (non-empty, no blanks). */
static tsamp_status parse_item(const parser *p, size_t start, size_t end, tsamp_proc *out,
                               void **mem) {
    size_t eq = start;
    while (eq < end && p->spec[eq] != '=') eq++;
    if (eq == start) return fail(p, TSAMP_ERR_PARSE, start, "missing key before '='");
    const spec_key *key = find_key(p->spec + start, eq - start);
    if (!key) {
        char q[SPEC_QUOTE_CHARS + 4];
        quote(q, p->spec + start, eq - start);
        return fail(p, TSAMP_ERR_PARSE, start, "unknown key \"%s\"", q);
    }
    schema sc = read_schema(key->schema);
    item_values v;
    memset(&v, 0, sizeof v);
    for (unsigned s = 0; s < sc.n_fixed; s++) { /* defaults of the optional slots */
        v.a.f[s] = (float)key->defaults[s];
        v.a.i[s] = (int32_t)key->defaults[s];
        v.a.z[s] = (size_t)key->defaults[s];
    }
    if (sc.n_fixed == 0 && !sc.rep) {
        if (eq < end) return fail(p, TSAMP_ERR_PARSE, eq, "%s: takes no value", key->name);
    } else if (eq == end) {
        if (sc.n_required > 0)
            return fail(p, TSAMP_ERR_PARSE, eq, "%s: expected '=' and a value", key->name);
    } else {
        tsamp_status st = parse_values(p, key, &sc, eq + 1, end, &v);
        *mem = v.mem;
        if (st != TSAMP_OK) return st;
        if (v.a.n < sc.n_required)
            return fail(p, TSAMP_ERR_PARSE, end, "%s: expected at least %u values", key->name,
                        sc.n_required);
    }
    return build_proc(p, key, &v, out);
}

static int is_blank(char ch) {
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\v' || ch == '\f' || ch == '\r';
}

/* Parses every item, then appends all of them at once; *n_built says how many were built, so
 * the caller can release their data either way. */
static tsamp_status parse_all(const parser *p, tsamp_proc *procs, void **mem, size_t *n_built) {
    const char *spec = p->spec;
    size_t n = 0, i = 0;
    for (;;) {
        while (is_blank(spec[i])) i++;
        if (spec[i] == '\0') break;
        size_t end = i;
        while (spec[end] != '\0' && !is_blank(spec[end])) end++;
        tsamp_status st = parse_item(p, i, end, &procs[n], &mem[n]);
        if (st != TSAMP_OK) return st;
        *n_built = ++n;
        i = end;
    }
    return tsamp_chain_append(p->chain, procs, n);
}

/* How many blank-separated items the spec has. */
static size_t count_items(const char *spec) {
    size_t n = 0;
    for (size_t i = 0; spec[i];) {
        while (is_blank(spec[i])) i++;
        if (!spec[i]) break;
        n++;
        while (spec[i] && !is_blank(spec[i])) i++;
    }
    return n;
}

tsamp_status tsamp_chain_parse_ex(tsamp_chain *c, const char *spec, tsamp_parse_error *err) {
    if (!c || !spec) return TSAMP_ERR_NULL;
    parser p = {spec, err, c};
    tsamp_proc stack_procs[SPEC_STACK_ITEMS];
    void *stack_mem[SPEC_STACK_ITEMS];
    size_t n_items = count_items(spec);
    tsamp_proc *procs = stack_procs;
    void **mem = stack_mem;
    if (n_items > SPEC_STACK_ITEMS) {
        procs = tsamp_alloc(&c->allocator, n_items * sizeof *procs);
        mem = tsamp_alloc(&c->allocator, n_items * sizeof *mem);
        if (!procs || !mem) {
            tsamp_dealloc(&c->allocator, procs);
            tsamp_dealloc(&c->allocator, mem);
            return TSAMP_ERR_NOMEM;
        }
    }
    for (size_t i = 0; i < n_items; i++) mem[i] = NULL;
    size_t n_built = 0;
    tsamp_status st = parse_all(&p, procs, mem, &n_built);
    for (size_t i = 0; i < n_built; i++) tsamp_spec_release(&procs[i], &c->allocator);
    for (size_t i = 0; i < n_items; i++) tsamp_dealloc(&c->allocator, mem[i]);
    if (procs != stack_procs) {
        tsamp_dealloc(&c->allocator, procs);
        tsamp_dealloc(&c->allocator, mem);
    }
    return st;
}

tsamp_status tsamp_chain_parse(tsamp_chain *c, const char *spec) {
    return tsamp_chain_parse_ex(c, spec, NULL);
}

/* ---- formatting ------------------------------------------------------------------------- */

void spec_put(spec_out *o, const char *s) {
    size_t n = strlen(s);
    if (o->buf && o->len < o->cap) {
        size_t room = o->cap - o->len;
        memcpy(o->buf + o->len, s, n < room ? n : room);
    }
    o->len += n;
}

/* "%.9g" (enough digits for any float to read back bit-exactly), then the locale's decimal
 * point, which printf uses, is turned back into '.'. */
void spec_put_float(spec_out *o, float f) {
    char out[48];
    int n = snprintf(out, sizeof out, "%.9g", (double)f);
    if (n < 0 || (size_t)n >= sizeof out) out[0] = '\0'; /* cannot happen: at most 16 chars */
    const char *point = localeconv()->decimal_point;
    char *at = point && *point && strcmp(point, ".") != 0 ? strstr(out, point) : NULL;
    if (at) {
        size_t plen = strlen(point);
        *at = '.';
        memmove(at + 1, at + plen, strlen(at + plen) + 1);
    }
    spec_put(o, out);
}

void spec_put_int(spec_out *o, long long v) {
    char out[24];
    snprintf(out, sizeof out, "%lld", v);
    spec_put(o, out);
}

void spec_put_size(spec_out *o, size_t v) {
    char out[24];
    snprintf(out, sizeof out, "%zu", v);
    spec_put(o, out);
}

tsamp_status tsamp_chain_format(const tsamp_chain *c, char *buf, size_t cap, size_t *len) {
    if (!c || !len || (!buf && cap > 0)) return TSAMP_ERR_NULL;
    size_t n;
    const tsamp_proc *procs = tsamp_chain_procs(c, &n);
    spec_out o = {NULL, 0, 0};
    for (int pass = 0; pass < 2; pass++) { /* measure, then write */
        for (size_t i = 0; i < n; i++) {
            if (i > 0) spec_put(&o, " ");
            if (!tsamp_spec_format(&procs[i], &o)) return TSAMP_ERR_INVALID_PARAM;
        }
        if (pass == 0) {
            *len = o.len;
            if (cap <= o.len) return TSAMP_ERR_BUFFER_TOO_SMALL;
            o = (spec_out){buf, cap, 0};
        }
    }
    buf[o.len] = '\0';
    return TSAMP_OK;
}
