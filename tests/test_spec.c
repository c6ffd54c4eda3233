/* Suite `spec`: tsamp_chain_parse[_ex] and tsamp_chain_format (grammar in tsamp.h). */
#include <float.h>
#include <inttypes.h>
#include <locale.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "tsamp.h"
#include "tsamp_internal.h"

#define MAX_ITEMS 64 /* the documented per-call limit of src/spec.c */

/* ---- helpers ---------------------------------------------------------------------------- */

static tsamp_chain *new_chain(void) {
    tsamp_chain *c = NULL;
    tsamp_status st = tsamp_chain_create(&c, 64, NULL);
    CHECKF(st == TSAMP_OK && c, "tsamp_chain_create: %s", tsamp_status_str(st));
    return c;
}

static uint32_t fbits(float f) {
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static float from_bits(uint32_t u) {
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* Bitwise equality of two processors; with zero_sign_free, temperatures +0.0 and -0.0 (both
 * greedy) count as the same. */
static int same_proc(const tsamp_proc *a, const tsamp_proc *b, int zero_sign_free) {
    if (a->kind != b->kind) return 0;
    switch (a->kind) {
    case TSAMP_PROC_TEMPERATURE:
        if (zero_sign_free && a->u.temperature.t == 0.0f && b->u.temperature.t == 0.0f)
            return 1;
        return fbits(a->u.temperature.t) == fbits(b->u.temperature.t);
    case TSAMP_PROC_TOP_K: return a->u.top_k.k == b->u.top_k.k;
    case TSAMP_PROC_TOP_P:
        return fbits(a->u.top_p.p) == fbits(b->u.top_p.p) &&
               a->u.top_p.min_keep == b->u.top_p.min_keep;
    case TSAMP_PROC_MIN_P:
        return fbits(a->u.min_p.p) == fbits(b->u.min_p.p) &&
               a->u.min_p.min_keep == b->u.min_p.min_keep &&
               fbits(a->u.min_p.log_p) == fbits(b->u.min_p.log_p);
    default: break; /* kinds without spec keys yet */
    }
    return 0;
}

static int same_procs(const tsamp_chain *a, const tsamp_chain *b, int zero_sign_free) {
    size_t na, nb;
    const tsamp_proc *pa = tsamp_chain_procs(a, &na);
    const tsamp_proc *pb = tsamp_chain_procs(b, &nb);
    if (na != nb) return 0;
    for (size_t i = 0; i < na; i++)
        if (!same_proc(&pa[i], &pb[i], zero_sign_free)) return 0;
    return 1;
}

/* Parses spec into a fresh chain that must come out with exactly one processor. */
static tsamp_proc parse_one(const char *spec) {
    tsamp_proc none;
    memset(&none, 0, sizeof none);
    none.kind = (tsamp_proc_kind)-1;
    tsamp_chain *c = new_chain();
    if (!c) return none;
    tsamp_parse_error err;
    tsamp_status st = tsamp_chain_parse_ex(c, spec, &err);
    size_t n;
    const tsamp_proc *p = tsamp_chain_procs(c, &n);
    tsamp_proc got = none;
    if (st == TSAMP_OK && n == 1) got = p[0];
    CHECKF(st == TSAMP_OK && n == 1, "\"%s\": %s, %zu processors (%s)", spec,
           tsamp_status_str(st), n, st == TSAMP_OK ? "" : err.message);
    tsamp_chain_free(c);
    return got;
}

static int is_temp(const tsamp_proc *p, float t) {
    return p->kind == TSAMP_PROC_TEMPERATURE && fbits(p->u.temperature.t) == fbits(t);
}
static int is_top_k(const tsamp_proc *p, int32_t k) {
    return p->kind == TSAMP_PROC_TOP_K && p->u.top_k.k == k;
}
static int is_top_p(const tsamp_proc *p, float v, size_t min_keep) {
    return p->kind == TSAMP_PROC_TOP_P && fbits(p->u.top_p.p) == fbits(v) &&
           p->u.top_p.min_keep == min_keep;
}
static int is_min_p(const tsamp_proc *p, float v, size_t min_keep) {
    return p->kind == TSAMP_PROC_MIN_P && fbits(p->u.min_p.p) == fbits(v) &&
           p->u.min_p.min_keep == min_keep &&
           fbits(p->u.min_p.log_p) == fbits(v > 0.0f ? tsamp_log(v) : 0.0f);
}

/* tsamp_chain_format into buf (cap bytes); returns the status, the string in buf. */
static tsamp_status format(const tsamp_chain *c, char *buf, size_t cap) {
    size_t len = (size_t)-1;
    tsamp_status st = tsamp_chain_format(c, buf, cap, &len);
    CHECKF(st != TSAMP_OK || strlen(buf) == len, "format: len %zu for \"%s\"", len, buf);
    return st;
}

/* splitmix64: a self-contained generator so this suite needs no other part of the library. */
static uint64_t next_random(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* ---- parsing ---------------------------------------------------------------------------- */

static void test_spec_each_key(void) {
    tsamp_proc p;
    p = parse_one("temp=0.5");
    CHECK(is_temp(&p, 0.5f));
    p = parse_one("temperature=2");
    CHECK(is_temp(&p, 2.0f));
    p = parse_one("greedy");
    CHECK(is_temp(&p, 0.0f));
    p = parse_one("top_k=40");
    CHECK(is_top_k(&p, 40));
    p = parse_one("top_p=0.9");
    CHECK(is_top_p(&p, 0.9f, 1));
    p = parse_one("top_p=0.95,3");
    CHECK(is_top_p(&p, 0.95f, 3));
    p = parse_one("min_p=0.05");
    CHECK(is_min_p(&p, 0.05f, 1));
    p = parse_one("min_p=0.1,7");
    CHECK(is_min_p(&p, 0.1f, 7));
    p = parse_one("min_p=0,2"); /* p <= 0: log_p stays 0 */
    CHECK(is_min_p(&p, 0.0f, 2));
}

static void test_spec_number_forms(void) {
    tsamp_proc p;
    p = parse_one("temp=.8");
    CHECK(is_temp(&p, 0.8f));
    p = parse_one("temp=8e-1");
    CHECK(is_temp(&p, 0.8f));
    p = parse_one("temp=0.8E0");
    CHECK(is_temp(&p, 0.8f));
    p = parse_one("temp=+1.5");
    CHECK(is_temp(&p, 1.5f));
    p = parse_one("temp=7.");
    CHECK(is_temp(&p, 7.0f));
    p = parse_one("temp=0x1.8p-3"); /* what strtod reads: hexadecimal floats too */
    CHECK(is_temp(&p, 0.1875f));
    p = parse_one("temp=-0"); /* -0.0 >= 0: a valid (greedy) temperature */
    CHECK(is_temp(&p, -0.0f));
    p = parse_one("temp=1e-50"); /* below the smallest float: rounds to 0 */
    CHECK(is_temp(&p, 0.0f));
    p = parse_one("temp=1.40129846e-45");
    CHECK(is_temp(&p, from_bits(1))); /* smallest subnormal */
    p = parse_one("temp=3.40282347e+38"); /* FLT_MAX as %.9g prints it (above it, exactly) */
    CHECK(is_temp(&p, FLT_MAX));
    p = parse_one("temp=3.402823567797336e38"); /* just below FLT_MAX + ulp/2 */
    CHECK(is_temp(&p, FLT_MAX));
    p = parse_one("top_p=inf");
    CHECK(is_top_p(&p, INFINITY, 1));
    p = parse_one("top_p=-Infinity,0");
    CHECK(is_top_p(&p, -INFINITY, 0));
    p = parse_one("min_p=INF,4");
    CHECK(is_min_p(&p, INFINITY, 4));
    p = parse_one("top_p=-0.25");
    CHECK(is_top_p(&p, -0.25f, 1));
    p = parse_one("top_p=0.9,-0"); /* -0 is zero, not negative */
    CHECK(is_top_p(&p, 0.9f, 0));
    p = parse_one("top_p=0.9,+5");
    CHECK(is_top_p(&p, 0.9f, 5));
    p = parse_one("top_p=0.9,0007");
    CHECK(is_top_p(&p, 0.9f, 7));

    p = parse_one("top_k=-5");
    CHECK(is_top_k(&p, -5));
    p = parse_one("top_k=+7");
    CHECK(is_top_k(&p, 7));
    p = parse_one("top_k=007");
    CHECK(is_top_k(&p, 7));
    p = parse_one("top_k=2147483647");
    CHECK(is_top_k(&p, INT32_MAX));
    p = parse_one("top_k=-2147483648");
    CHECK(is_top_k(&p, INT32_MIN));

    char spec[96];
    snprintf(spec, sizeof spec, "temp=0.5%060d", 0); /* the longest float value: 63 chars */
    CHECK(strlen(spec) == 5 + 63);
    p = parse_one(spec);
    CHECK(is_temp(&p, 0.5f));
    snprintf(spec, sizeof spec, "min_p=0.5,%zu", (size_t)SIZE_MAX);
    p = parse_one(spec);
    CHECK(is_min_p(&p, 0.5f, SIZE_MAX));
}

static void test_spec_sequences_and_blanks(void) {
    tsamp_chain *c = new_chain();
    if (!c) return;
    /* Parsed processors go after those already in the chain, in order, repeats allowed. */
    CHECK(tsamp_chain_add_top_k(c, 3) == TSAMP_OK);
    CHECK(tsamp_chain_parse(c, "top_k=40 top_p=0.95 temp=0.8 top_k=5 greedy min_p=0.1,2 "
                               "temperature=1.25") == TSAMP_OK);
    size_t n;
    const tsamp_proc *p = tsamp_chain_procs(c, &n);
    CHECK(n == 8);
    if (n == 8) {
        CHECK(is_top_k(&p[0], 3));
        CHECK(is_top_k(&p[1], 40));
        CHECK(is_top_p(&p[2], 0.95f, 1));
        CHECK(is_temp(&p[3], 0.8f));
        CHECK(is_top_k(&p[4], 5));
        CHECK(is_temp(&p[5], 0.0f));
        CHECK(is_min_p(&p[6], 0.1f, 2));
        CHECK(is_temp(&p[7], 1.25f));
    }
    tsamp_chain_free(c);

    /* Every blank separates and may lead or trail; the result never depends on which. */
    static const char *const blanks[] = {
        "top_k=4 temp=0.5",          " top_k=4  temp=0.5 ",      "\ttop_k=4\ttemp=0.5\t",
        "\ntop_k=4\ntemp=0.5\n",     "\r\ntop_k=4\r\ntemp=0.5\r\n", "\v\ftop_k=4\f\vtemp=0.5",
        " \t\n top_k=4 \t\n temp=0.5 \t\n",
    };
    for (size_t i = 0; i < sizeof blanks / sizeof blanks[0]; i++) {
        c = new_chain();
        if (!c) return;
        CHECKF(tsamp_chain_parse(c, blanks[i]) == TSAMP_OK, "blank variant %zu", i);
        p = tsamp_chain_procs(c, &n);
        CHECKF(n == 2 && is_top_k(&p[0], 4) && is_temp(&p[1], 0.5f), "blank variant %zu", i);
        tsamp_chain_free(c);
    }

    /* Empty and all-blank specs add nothing and succeed. */
    static const char *const empty[] = {"", " ", "\t\n\r\v\f  "};
    for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
        c = new_chain();
        if (!c) return;
        CHECK(tsamp_chain_add_temperature(c, 0.7f) == TSAMP_OK);
        tsamp_parse_error err;
        CHECKF(tsamp_chain_parse_ex(c, empty[i], &err) == TSAMP_OK, "empty variant %zu", i);
        CHECK(tsamp_chain_n_processors(c) == 1);
        tsamp_chain_free(c);
    }
}

/* ---- errors ----------------------------------------------------------------------------- */

typedef struct {
    const char *spec;
    tsamp_status status;
    size_t offset;
    const char *needle; /* must occur in the message */
} error_case;

static const error_case ERRORS[] = {
    /* keys */
    {"foo=1", TSAMP_ERR_PARSE, 0, "unknown key \"foo\""},
    {"top_k=5 bar", TSAMP_ERR_PARSE, 8, "unknown key \"bar\""},
    {"Temp=1", TSAMP_ERR_PARSE, 0, "unknown key \"Temp\""},
    {"top-k=1", TSAMP_ERR_PARSE, 0, "unknown key \"top-k\""},
    {"greedy,", TSAMP_ERR_PARSE, 0, "unknown key \"greedy,\""},
    {"=1", TSAMP_ERR_PARSE, 0, "missing key"},
    {"  =", TSAMP_ERR_PARSE, 2, "missing key"},
    /* '=' and the number of values */
    {"top_k", TSAMP_ERR_PARSE, 5, "top_k: expected '='"},
    {"temp 0.8", TSAMP_ERR_PARSE, 4, "temp: expected '='"},
    {"greedy top_p", TSAMP_ERR_PARSE, 12, "top_p: expected '='"},
    {"greedy=1", TSAMP_ERR_PARSE, 6, "greedy: takes no value"},
    {"greedy=", TSAMP_ERR_PARSE, 6, "greedy: takes no value"},
    {"top_k=", TSAMP_ERR_PARSE, 6, "top_k: empty value"},
    {"top_k= 4", TSAMP_ERR_PARSE, 6, "top_k: empty value"},
    {"temperature=", TSAMP_ERR_PARSE, 12, "temperature: empty value"},
    {"top_p=,3", TSAMP_ERR_PARSE, 6, "top_p: empty value"},
    {"top_p=0.9,", TSAMP_ERR_PARSE, 10, "top_p: empty value"},
    {"min_p=0.1,,", TSAMP_ERR_PARSE, 10, "min_p: empty value"},
    {"top_k=1,2", TSAMP_ERR_PARSE, 8, "top_k: too many values (at most 1)"},
    {"top_k=1,", TSAMP_ERR_PARSE, 8, "top_k: too many values"},
    {"temp=0,8", TSAMP_ERR_PARSE, 7, "temp: too many values"}, /* ',' is never a point */
    {"top_p=0.9,1,2", TSAMP_ERR_PARSE, 12, "top_p: too many values (at most 2)"},
    {"min_p=0.1,1,", TSAMP_ERR_PARSE, 12, "min_p: too many values"},
    /* floats */
    {"temp=0.8x", TSAMP_ERR_PARSE, 5, "temp: expected a number, got \"0.8x\""},
    {"temp=x", TSAMP_ERR_PARSE, 5, "temp: expected a number"},
    {"temp=.", TSAMP_ERR_PARSE, 5, "temp: expected a number"},
    {"temp=1.2.3", TSAMP_ERR_PARSE, 5, "temp: expected a number"},
    {"temp=--1", TSAMP_ERR_PARSE, 5, "temp: expected a number"},
    {"temp=1e", TSAMP_ERR_PARSE, 5, "temp: expected a number"},
    {"temp=0.8%", TSAMP_ERR_PARSE, 5, "got \"0.8%\""},
    {"temp==1", TSAMP_ERR_PARSE, 5, "temp: expected a number, got \"=1\""},
    {"top_p=0.9x,2", TSAMP_ERR_PARSE, 6, "top_p: expected a number, got \"0.9x\""},
    {"temp=0\xd9\xab" "5", TSAMP_ERR_PARSE, 5, "got \"0??5\""}, /* a locale's own point */
    {"temp=1e39", TSAMP_ERR_PARSE, 5, "temp: value out of float range, got \"1e39\""},
    {"temp=3.4028236e38", TSAMP_ERR_PARSE, 5, "out of float range"}, /* FLT_MAX + ulp/2 */
    {"top_p=-1e39", TSAMP_ERR_PARSE, 6, "top_p: value out of float range"},
    {"min_p=1e400,2", TSAMP_ERR_PARSE, 6, "min_p: value out of float range"},
    {"temp=0.50000000000000000000000000000000000000000000000000000000000000", TSAMP_ERR_PARSE,
     5, "temp: number longer than 63 characters"},
    /* integers */
    {"top_k=4x", TSAMP_ERR_PARSE, 6, "top_k: expected an integer, got \"4x\""},
    {"top_k=4.0", TSAMP_ERR_PARSE, 6, "top_k: expected an integer, got \"4.0\""},
    {"top_k=0x10", TSAMP_ERR_PARSE, 6, "top_k: expected an integer"},
    {"top_k=1e3", TSAMP_ERR_PARSE, 6, "top_k: expected an integer"},
    {"top_k=+", TSAMP_ERR_PARSE, 6, "top_k: expected an integer"},
    {"top_k=-", TSAMP_ERR_PARSE, 6, "top_k: expected an integer"},
    {"top_k=+-3", TSAMP_ERR_PARSE, 6, "top_k: expected an integer"},
    {"top_k=2147483648", TSAMP_ERR_PARSE, 6, "top_k: value out of int32 range"},
    {"top_k=-2147483649", TSAMP_ERR_PARSE, 6, "top_k: value out of int32 range"},
    {"top_k=99999999999999999999999", TSAMP_ERR_PARSE, 6, "top_k: value out of int32 range"},
    {"top_k=99999999999999999999999x", TSAMP_ERR_PARSE, 6, "top_k: expected an integer"},
    {"top_p=0.9,1.5", TSAMP_ERR_PARSE, 10, "top_p: expected an integer MIN_KEEP, got \"1.5\""},
    {"min_p=0.1,k", TSAMP_ERR_PARSE, 10, "min_p: expected an integer MIN_KEEP"},
    {"top_p=0.9,-1", TSAMP_ERR_PARSE, 10, "top_p: MIN_KEEP must not be negative, got \"-1\""},
    {"min_p=0.1,-99999999999999999999999", TSAMP_ERR_PARSE, 10, "must not be negative"},
    {"min_p=0.1,99999999999999999999999", TSAMP_ERR_PARSE, 10,
     "min_p: value out of size_t range"},
    /* values outside the processor's domain */
    {"temp=-1", TSAMP_ERR_INVALID_PARAM, 5, "temp: must be >= 0 and finite, got \"-1\""},
    {"temperature=-0.001", TSAMP_ERR_INVALID_PARAM, 12, "temperature: must be >= 0"},
    {"temp=inf", TSAMP_ERR_INVALID_PARAM, 5, "temp: must be >= 0 and finite, got \"inf\""},
    {"temp=nan", TSAMP_ERR_INVALID_PARAM, 5, "temp: must be >= 0 and finite, got \"nan\""},
    {"top_p=nan", TSAMP_ERR_INVALID_PARAM, 6, "top_p: P must not be NaN, got \"nan\""},
    {"top_p=NAN(123),4", TSAMP_ERR_INVALID_PARAM, 6, "top_p: P must not be NaN"},
    {"min_p=-nan,2", TSAMP_ERR_INVALID_PARAM, 6, "min_p: P must not be NaN"},
    /* the first problem in reading order wins; earlier good items are not appended */
    {"temp=0.5 top_k=3 temp=-2", TSAMP_ERR_INVALID_PARAM, 22, "temp: must be >= 0"},
    {"top_k=1 top_k=x temp=-1 foo", TSAMP_ERR_PARSE, 14, "top_k: expected an integer"},
    {"temp=-1 foo", TSAMP_ERR_INVALID_PARAM, 5, "temp:"},
};

/* A chain holding one processor must keep exactly that one after a failed parse. */
static void check_error(const error_case *e) {
    tsamp_chain *c = new_chain();
    if (!c) return;
    CHECK(tsamp_chain_add_top_p(c, 0.5f, 2) == TSAMP_OK);
    tsamp_parse_error err;
    memset(&err, 0x55, sizeof err);
    tsamp_status st = tsamp_chain_parse_ex(c, e->spec, &err);
    int terminated = memchr(err.message, '\0', sizeof err.message) != NULL;
    CHECKF(st == e->status, "\"%s\": %s, expected %s", e->spec, tsamp_status_str(st),
           tsamp_status_str(e->status));
    CHECKF(err.offset == e->offset, "\"%s\": offset %zu, expected %zu", e->spec, err.offset,
           e->offset);
    CHECKF(terminated && strstr(err.message, e->needle), "\"%s\": message \"%.128s\", wanted \"%s\"",
           e->spec, err.message, e->needle);
    size_t n;
    const tsamp_proc *p = tsamp_chain_procs(c, &n);
    CHECKF(n == 1 && is_top_p(&p[0], 0.5f, 2), "\"%s\": chain changed (%zu processors)",
           e->spec, n);
    /* The same status without an error record, and through tsamp_chain_parse. */
    CHECKF(tsamp_chain_parse_ex(c, e->spec, NULL) == e->status, "\"%s\" with err NULL", e->spec);
    CHECKF(tsamp_chain_parse(c, e->spec) == e->status, "\"%s\" via parse", e->spec);
    CHECK(tsamp_chain_n_processors(c) == 1);
    tsamp_chain_free(c);
}

static void test_spec_errors(void) {
    for (size_t i = 0; i < sizeof ERRORS / sizeof ERRORS[0]; i++) check_error(&ERRORS[i]);
}

static void test_spec_error_messages_bounded(void) {
    /* A long unknown key is quoted in part; the message always fits and is terminated. */
    char spec[1200];
    memset(spec, 'x', 1000);
    strcpy(spec + 1000, "=1");
    tsamp_chain *c = new_chain();
    if (!c) return;
    tsamp_parse_error err;
    memset(&err, 0x55, sizeof err);
    CHECK(tsamp_chain_parse_ex(c, spec, &err) == TSAMP_ERR_PARSE);
    CHECK(err.offset == 0);
    CHECK(memchr(err.message, '\0', sizeof err.message) != NULL);
    CHECKF(strstr(err.message, "unknown key \"xxxx") && strstr(err.message, "...\""),
           "message \"%.128s\"", err.message);

    /* Control bytes in the input are not copied into the message. */
    memset(&err, 0x55, sizeof err);
    CHECK(tsamp_chain_parse_ex(c, "top_k=\x01\x1b[31m", &err) == TSAMP_ERR_PARSE);
    CHECK(err.offset == 6);
    CHECKF(strstr(err.message, "got \"??[31m\"") != NULL, "message \"%.128s\"", err.message);
    CHECK(tsamp_chain_n_processors(c) == 0);
    tsamp_chain_free(c);
}

static void test_spec_null_arguments(void) {
    tsamp_chain *c = new_chain();
    if (!c) return;
    tsamp_parse_error err;
    CHECK(tsamp_chain_parse(NULL, "temp=1") == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_parse(c, NULL) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_parse_ex(NULL, "temp=1", &err) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_parse_ex(c, NULL, &err) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_parse_ex(c, "temp=1", NULL) == TSAMP_OK);
    char buf[16];
    size_t len = 99;
    CHECK(tsamp_chain_format(NULL, buf, sizeof buf, &len) == TSAMP_ERR_NULL);
    CHECK(len == 99);
    CHECK(tsamp_chain_format(c, buf, sizeof buf, NULL) == TSAMP_ERR_NULL);
    CHECK(tsamp_chain_format(c, NULL, 4, &len) == TSAMP_ERR_NULL);
    CHECK(len == 99);
    tsamp_chain_free(c);
}

static void test_spec_item_limit(void) {
    /* No limit on items: past 64 they are built in allocated memory; all or nothing still. */
    enum { N = 3 * MAX_ITEMS + 1 };
    char spec[N * 8 + 16];
    for (int i = 0; i < N; i++) memcpy(spec + 8 * i, "top_k=1 ", 8);
    spec[8 * N] = '\0';
    tsamp_chain *c = new_chain();
    if (!c) return;
    CHECK(tsamp_chain_parse(c, spec) == TSAMP_OK);
    CHECK(tsamp_chain_n_processors(c) == N);
    char text[N * 8 + 16];
    size_t len;
    CHECK(tsamp_chain_format(c, text, sizeof text, &len) == TSAMP_OK);
    CHECK(strcmp(text, "") != 0 && strncmp(text, spec, len) == 0);
    memcpy(spec + 8 * N, "top_k=x", 8); /* a bad last item: nothing is added */
    tsamp_parse_error err;
    CHECK(tsamp_chain_parse_ex(c, spec, &err) == TSAMP_ERR_PARSE);
    CHECK(err.offset == 8 * N + 6);
    CHECK(tsamp_chain_n_processors(c) == N);
    tsamp_chain_free(c);
}

/* ---- formatting ------------------------------------------------------------------------- */

static void test_spec_format_hand(void) {
    tsamp_chain *c = new_chain();
    if (!c) return;
    char buf[256];
    CHECK(format(c, buf, sizeof buf) == TSAMP_OK);
    CHECK(strcmp(buf, "") == 0);

    CHECK(tsamp_chain_add_temperature(c, 0.8f) == TSAMP_OK);
    CHECK(tsamp_chain_add_temperature(c, 0.0f) == TSAMP_OK);
    CHECK(tsamp_chain_add_temperature(c, -0.0f) == TSAMP_OK);
    CHECK(tsamp_chain_add_top_k(c, 40) == TSAMP_OK);
    CHECK(tsamp_chain_add_top_k(c, INT32_MIN) == TSAMP_OK);
    CHECK(tsamp_chain_add_top_p(c, 0.95f, 1) == TSAMP_OK);
    CHECK(tsamp_chain_add_min_p(c, 0.05f, 3) == TSAMP_OK);
    CHECK(tsamp_chain_add_top_p(c, INFINITY, 0) == TSAMP_OK);
    CHECK(tsamp_chain_add_min_p(c, -INFINITY, 2) == TSAMP_OK);
    CHECK(tsamp_chain_add_temperature(c, 1.0f) == TSAMP_OK);
    CHECK(tsamp_chain_add_temperature(c, from_bits(1)) == TSAMP_OK);
    CHECK(tsamp_chain_add_top_p(c, -0.0f, 1) == TSAMP_OK);
    const char *want = "temp=0.800000012 greedy temp=-0 top_k=40 top_k=-2147483648 "
                       "top_p=0.949999988,1 min_p=0.0500000007,3 top_p=inf,0 min_p=-inf,2 "
                       "temp=1 temp=1.40129846e-45 top_p=-0,1";
    CHECK(format(c, buf, sizeof buf) == TSAMP_OK);
    CHECKF(strcmp(buf, want) == 0, "got \"%s\"", buf);

    /* And it reads back as bitwise the same processors (-0.0 included). */
    tsamp_chain *d = new_chain();
    if (d) {
        CHECK(tsamp_chain_parse(d, buf) == TSAMP_OK);
        CHECK(same_procs(c, d, 0));
        char again[256];
        CHECK(format(d, again, sizeof again) == TSAMP_OK);
        CHECK(strcmp(again, buf) == 0);
        tsamp_chain_free(d);
    }
    tsamp_chain_free(c);
}

static void test_spec_format_buffer_too_small(void) {
    tsamp_chain *c = new_chain();
    if (!c) return;
    size_t len = 99;
    /* Empty chain: "" needs one byte for the NUL. */
    CHECK(tsamp_chain_format(c, NULL, 0, &len) == TSAMP_ERR_BUFFER_TOO_SMALL);
    CHECK(len == 0);
    char one[1] = {'z'};
    len = 99;
    CHECK(tsamp_chain_format(c, one, 1, &len) == TSAMP_OK);
    CHECK(len == 0 && one[0] == '\0');

    CHECK(tsamp_chain_parse(c, "top_k=40 temp=0.5") == TSAMP_OK);
    const char *want = "top_k=40 temp=0.5";
    size_t need = strlen(want);
    len = 99;
    CHECK(tsamp_chain_format(c, NULL, 0, &len) == TSAMP_ERR_BUFFER_TOO_SMALL);
    CHECK(len == need);
    char buf[64];
    for (size_t cap = 1; cap <= need; cap++) {
        memset(buf, '#', sizeof buf);
        len = 99;
        CHECKF(tsamp_chain_format(c, buf, cap, &len) == TSAMP_ERR_BUFFER_TOO_SMALL, "cap %zu",
               cap);
        CHECKF(len == need, "cap %zu: len %zu", cap, len);
        int untouched = 1;
        for (size_t i = 0; i < sizeof buf; i++) untouched &= buf[i] == '#';
        CHECKF(untouched, "cap %zu: buffer written on BUFFER_TOO_SMALL", cap);
    }
    memset(buf, '#', sizeof buf);
    CHECK(tsamp_chain_format(c, buf, need + 1, &len) == TSAMP_OK);
    CHECK(len == need && strcmp(buf, want) == 0);
    CHECK(buf[need + 1] == '#');
    tsamp_chain_free(c);
}

/* ---- round trips ------------------------------------------------------------------------ */

static void test_spec_round_trip_hand(void) {
    static const char *const specs[] = {
        "temp=0.8",
        "temperature=0.7 top_k=40 top_p=0.95 min_p=0.05",
        "greedy",
        "temp=-0",
        "temp=1e-40 temp=3.40282347e38 temp=1.17549435e-38",
        "top_p=0.1,0 top_p=1,4294967295 min_p=0.3333333333333333,4",
        "top_k=0 top_k=-1 top_k=2147483647 top_k=-2147483648",
        "top_p=-inf min_p=inf top_p=-0 min_p=-0 min_p=1e-45",
        "temp=0x1.fffffep127 top_p=0.1e1 min_p=.5e-3,2",
        "temp=1.00000012 temp=0.99999994 temp=16777217",
    };
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        tsamp_chain *a = new_chain(), *b = new_chain();
        if (!a || !b) return;
        char s1[512], s2[512];
        CHECKF(tsamp_chain_parse(a, specs[i]) == TSAMP_OK, "\"%s\"", specs[i]);
        CHECK(format(a, s1, sizeof s1) == TSAMP_OK);
        CHECKF(tsamp_chain_parse(b, s1) == TSAMP_OK, "\"%s\"", s1);
        CHECKF(same_procs(a, b, 0), "\"%s\" -> \"%s\"", specs[i], s1);
        CHECK(format(b, s2, sizeof s2) == TSAMP_OK);
        CHECKF(strcmp(s1, s2) == 0, "\"%s\" != \"%s\"", s1, s2);
        tsamp_chain_free(a);
        tsamp_chain_free(b);
    }
}

/* Floats worth hitting on purpose: zeros, subnormals, the ends of the normal range. */
static float special_float(uint64_t r) {
    static const uint32_t bits[] = {
        0x00000000u, 0x80000000u, 0x00000001u, 0x007fffffu, 0x00800000u, 0x7f7fffffu,
        0x3f800000u, 0x3f7fffffu, 0x3f800001u, 0x00400000u, 0x33800000u, 0x4b800001u,
    };
    return from_bits(bits[r % (sizeof bits / sizeof bits[0])]);
}

/* A temperature in its domain: finite and >= 0 (including -0.0). */
static float random_temperature(uint64_t *s) {
    uint64_t r = next_random(s);
    if (r % 4 == 0) {
        float f = fabsf(special_float(r >> 8));
        return f == 0.0f && (r >> 40) % 2 ? -0.0f : f;
    }
    uint32_t u = (uint32_t)(r >> 16) & 0x7fffffffu;
    if ((u >> 23) == 0xff) u &= 0x7f7fffffu; /* no inf/NaN */
    return from_bits(u);
}

/* A P in its domain: any float but NaN, infinities and negatives included. */
static float random_p(uint64_t *s) {
    uint64_t r = next_random(s);
    switch (r % 8) {
    case 0: return special_float(r >> 8) * ((r >> 40) % 2 ? -1.0f : 1.0f);
    case 1: return (r >> 8) % 2 ? INFINITY : -INFINITY;
    case 2: return (float)((r >> 11) % 1000001) / 1e6f; /* an everyday probability */
    default: {
        uint32_t u = (uint32_t)(r >> 16);
        if ((u & 0x7f800000u) == 0x7f800000u) u &= 0xff7fffffu; /* no NaN */
        return from_bits(u);
    }
    }
}

static size_t random_min_keep(uint64_t *s) {
    uint64_t r = next_random(s);
    switch (r % 4) {
    case 0: return 0;
    case 1: return (size_t)(r >> 8) % 100;
    case 2: return (r >> 8) % 2 ? SIZE_MAX : SIZE_MAX - 1;
    default: return (size_t)(r >> 2);
    }
}

static int32_t random_k(uint64_t *s) {
    uint64_t r = next_random(s);
    switch (r % 4) {
    case 0: return (r >> 8) % 2 ? INT32_MAX : INT32_MIN;
    case 1: return (int32_t)((r >> 8) % 201) - 100;
    default: return (int32_t)(uint32_t)(r >> 32);
    }
}

static void add_random_proc(tsamp_chain *c, uint64_t *s) {
    tsamp_status st = TSAMP_OK;
    switch (next_random(s) % 4) {
    case 0: st = tsamp_chain_add_temperature(c, random_temperature(s)); break;
    case 1: st = tsamp_chain_add_top_k(c, random_k(s)); break;
    case 2: {
        float p = random_p(s);
        st = tsamp_chain_add_top_p(c, p, random_min_keep(s));
        break;
    }
    default: {
        float p = random_p(s);
        st = tsamp_chain_add_min_p(c, p, random_min_keep(s));
        break;
    }
    }
    CHECK(st == TSAMP_OK);
}

/* n random chains of 1..12 processors: format, parse back, compare bitwise, format again. */
static int random_round_trips(int n, uint64_t seed) {
    uint64_t s = seed;
    int bad = 0;
    for (int i = 0; i < n && bad < 5; i++) {
        tsamp_chain *a = new_chain(), *b = new_chain();
        if (!a || !b) return 1;
        int count = 1 + (int)(next_random(&s) % 12);
        for (int j = 0; j < count; j++) add_random_proc(a, &s);
        char s1[2048], s2[2048];
        size_t len = 0;
        CHECK(tsamp_chain_format(a, NULL, 0, &len) == TSAMP_ERR_BUFFER_TOO_SMALL);
        CHECK(len < sizeof s1);
        tsamp_parse_error err;
        err.message[0] = '\0';
        int ok = format(a, s1, sizeof s1) == TSAMP_OK && strlen(s1) == len &&
                 tsamp_chain_parse_ex(b, s1, &err) == TSAMP_OK && same_procs(a, b, 0) &&
                 format(b, s2, sizeof s2) == TSAMP_OK && strcmp(s1, s2) == 0;
        CHECKF(ok, "round trip %d: \"%s\" (%s)", i, s1, err.message);
        bad += !ok;
        tsamp_chain_free(a);
        tsamp_chain_free(b);
    }
    return bad;
}

static void test_spec_round_trip_random(void) {
    int n = 3000;
    int bad = random_round_trips(n, 0x5eed5eedu);
    check_note("%d random chains (1..12 processors each) round-tripped, %d failed", n, bad);
}

/* ---- locale ----------------------------------------------------------------------------- */

/* Sets LC_NUMERIC to the first installed locale of names whose decimal point is not ".". */
static const char *use_locale(const char *const *names, size_t n) {
    for (size_t i = 0; i < n; i++) {
        if (!setlocale(LC_NUMERIC, names[i])) continue;
        if (strcmp(localeconv()->decimal_point, ".") != 0) return names[i];
    }
    setlocale(LC_NUMERIC, "C");
    return NULL;
}

/* Under the current (comma or multibyte point) locale, specs still use '.'. */
static void check_in_locale(const char *name) {
    const char *point = localeconv()->decimal_point;
    char probe[32];
    snprintf(probe, sizeof probe, "%.1f", 0.5);
    CHECKF(strstr(probe, point) != NULL, "%s: printf gives \"%s\"", name, probe);

    tsamp_chain *c = new_chain();
    if (!c) return;
    CHECK(tsamp_chain_parse(c, "temp=0.5 top_p=0.25,2 min_p=1e-3 temp=.75") == TSAMP_OK);
    size_t n;
    const tsamp_proc *p = tsamp_chain_procs(c, &n);
    CHECKF(n == 4 && is_temp(&p[0], 0.5f) && is_top_p(&p[1], 0.25f, 2) &&
               is_min_p(&p[2], 1e-3f, 1) && is_temp(&p[3], 0.75f),
           "%s: parse", name);

    /* The locale's own point is not accepted. */
    char spec[64];
    snprintf(spec, sizeof spec, "temp=0%s5", point);
    tsamp_parse_error err;
    CHECKF(tsamp_chain_parse_ex(c, spec, &err) == TSAMP_ERR_PARSE, "%s: \"%s\"", name, spec);
    CHECK(tsamp_chain_n_processors(c) == 4);

    char buf[256];
    CHECK(format(c, buf, sizeof buf) == TSAMP_OK);
    CHECKF(strcmp(buf, "temp=0.5 top_p=0.25,2 min_p=0.00100000005,1 temp=0.75") == 0,
           "%s: format \"%s\"", name, buf);
    tsamp_chain_free(c);

    int bad = random_round_trips(300, 0x10ca1e);
    CHECKF(bad == 0, "%s: %d random round trips failed", name, bad);
}

static void test_spec_locale_independence(void) {
    static const char *const comma[] = {
        "de_DE.UTF-8", "de_DE.utf8", "de_DE", "fr_FR.UTF-8", "fr_FR.utf8", "fr_FR",
        "es_ES.UTF-8", "it_IT.UTF-8", "nl_NL.UTF-8", "ru_RU.UTF-8", "pt_BR.UTF-8",
    };
    /* Pashto writes U+066B ARABIC DECIMAL SEPARATOR: a two-byte point. */
    static const char *const multibyte[] = {"ps_AF.UTF-8", "ps_AF.utf8"};
    const char *found[2];
    found[0] = use_locale(comma, sizeof comma / sizeof comma[0]);
    if (found[0]) check_in_locale(found[0]);
    found[1] = use_locale(multibyte, sizeof multibyte / sizeof multibyte[0]);
    if (found[1]) check_in_locale(found[1]);
    setlocale(LC_NUMERIC, "C");
    CHECK(strcmp(localeconv()->decimal_point, ".") == 0);

    if (found[0])
        check_note("checked under %s (decimal point \",\")", found[0]);
    else
        check_note("no locale with a ',' decimal point is installed (tried de_DE.UTF-8, "
                   "fr_FR.UTF-8, ...): skipped");
    if (found[1])
        check_note("checked under %s (two-byte decimal point)", found[1]);
    else
        check_note("no locale with a multibyte decimal point (ps_AF.UTF-8): skipped");
}

static tsamp_chain *chain_of(size_t n) {
    tsamp_chain *c = NULL;
    CHECK(tsamp_chain_create(&c, n, NULL) == TSAMP_OK);
    return c;
}

static void mask_nothing(void *user, const int32_t *ids, size_t n, uint8_t *keep) {
    (void)user, (void)ids, (void)n, (void)keep;
}

/*
 * Every processor of issue 5 has a key: each spec below parses, formats to the expected text,
 * and that text parses back to a chain that formats identically and samples identically.
 */
static void test_spec_processor_keys(void) {
    static const struct {
        const char *spec, *formatted;
    } cases[] = {
        {"typical=0.9", "typical=0.899999976,1"},
        {"top_n_sigma=1", "top_n_sigma=1"},
        {"xtc=0.5,0.1", "xtc=0.5,0.100000001,1"},
        {"temp_ext=0.8,0.5", "temp_ext=0.800000012,0.5,1"},
        {"epsilon=3e-4,2", "epsilon=0.000300000014,2"},
        {"eta=3e-4", "eta=0.000300000014,1"},
        {"penalties=64,1.1", "penalties=64,1.10000002,0,0"},
        {"penalties=64,1.1,0.5,0.25", "penalties=64,1.10000002,0.5,0.25"},
        {"dry=0.8,1.75,2,256", "dry=0.800000012,1.75,2,256"},
        {"dry=0.8,1.75,2,256,13,198:199", "dry=0.800000012,1.75,2,256,13,198:199"},
        {"logit_bias=3:-inf,5:2.5", "logit_bias=3:-inf,5:2.5"},
        {"no_repeat_ngram=3,100", "no_repeat_ngram=3,100"},
        {"allow=1,2,3", "allow=1,2,3"},
        {"deny=4", "deny=4"},
        {"min_length=2,5", "min_length=2,5"},
        {"mirostat=5,0.1", "mirostat=5,0.100000001,100"},
        {"mirostat_v2=5,0.1", "mirostat_v2=5,0.100000001"},
        {"adaptive_p=0.5,0.9", "adaptive_p=0.5,0.899999976"},
    };
    float x[1000];
    for (int i = 0; i < 1000; i++) x[i] = (float)((i * 7919) % 1000) / 97.0f;
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        tsamp_chain *a = chain_of(1000), *b = chain_of(1000);
        if (!a || !b) break;
        tsamp_parse_error err;
        tsamp_status st = tsamp_chain_parse_ex(a, cases[k].spec, &err);
        CHECKF(st == TSAMP_OK, "\"%s\": %s (%s)", cases[k].spec, tsamp_status_str(st), err.message);
        char s1[256] = "", s2[256] = "";
        size_t len;
        CHECK(tsamp_chain_format(a, s1, sizeof s1, &len) == TSAMP_OK);
        CHECKF(strcmp(s1, cases[k].formatted) == 0, "\"%s\" formats as \"%s\"", cases[k].spec, s1);
        CHECK(tsamp_chain_parse(b, s1) == TSAMP_OK);
        CHECK(tsamp_chain_format(b, s2, sizeof s2, &len) == TSAMP_OK && strcmp(s1, s2) == 0);
        for (uint64_t pos = 0; pos < 16; pos++) {
            int32_t ta = -1, tb = -2;
            CHECK(tsamp_chain_set_position(a, pos) == TSAMP_OK);
            CHECK(tsamp_chain_set_position(b, pos) == TSAMP_OK);
            tsamp_status sa = tsamp_chain_sample(a, x, &ta), sb = tsamp_chain_sample(b, x, &tb);
            CHECKF(sa == sb && ta == tb, "\"%s\": %d vs %d", s1, (int)ta, (int)tb);
            if (sa == TSAMP_OK) CHECK(tsamp_chain_accept(a, ta) == TSAMP_OK && tsamp_chain_accept(b, tb) == TSAMP_OK);
        }
        tsamp_chain_free(a);
        tsamp_chain_free(b);
    }
    /* Errors of the list syntax name the key and the offset. */
    static const struct {
        const char *spec;
        tsamp_status status;
        size_t offset;
        const char *needle;
    } bad[] = {
        {"logit_bias=3", TSAMP_ERR_PARSE, 11, "logit_bias: expected ID:VALUE"},
        {"logit_bias=3:x", TSAMP_ERR_PARSE, 11, "logit_bias: expected ID:VALUE"},
        {"logit_bias=5000:1", TSAMP_ERR_VOCAB, 11, "logit_bias: token id out of range"},
        {"dry=0.8,1.75,2,256,13:x", TSAMP_ERR_PARSE, 19, "dry: expected token ids"},
        /* a negative breaker id is out of range, not the end of a breaker (fuzz: spec/
         * regress-dry-negative-breaker wrote past the breaker lengths) */
        {"dry=0.8,1.75,2,256,13:-4", TSAMP_ERR_VOCAB, 19, "dry: token id out of range"},
        {"dry=0,2,4,4,-4,-40", TSAMP_ERR_VOCAB, 12, "dry: token id out of range"},
        {"dry=0,2,4,4,-1:-1,-1", TSAMP_ERR_VOCAB, 12, "dry: token id out of range"},
        {"allow=1,x", TSAMP_ERR_PARSE, 8, "allow: expected an integer"},
        {"penalties=64", TSAMP_ERR_PARSE, 12, "penalties: expected at least 2 values"},
        {"penalties=64,-1", TSAMP_ERR_INVALID_PARAM, 10, "penalties: LAST_N must be >= 0"},
        {"min_length=-1,5", TSAMP_ERR_VOCAB, 11, "min_length: token id out of range"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        tsamp_chain *c = chain_of(1000);
        if (!c) break;
        tsamp_parse_error err;
        memset(&err, 0, sizeof err);
        tsamp_status st = tsamp_chain_parse_ex(c, bad[k].spec, &err);
        CHECKF(st == bad[k].status && err.offset == bad[k].offset && strstr(err.message, bad[k].needle),
               "\"%s\": %s at %zu: \"%s\"", bad[k].spec, tsamp_status_str(st), err.offset,
               err.message);
        CHECK(tsamp_chain_n_processors(c) == 0);
        tsamp_chain_free(c);
    }
    /* A mask callback has no text form: format says so instead of writing a wrong spec. */
    tsamp_chain *c = chain_of(1000);
    if (c) {
        char buf[64];
        size_t len = 0;
        CHECK(tsamp_chain_add_mask_callback(c, mask_nothing, NULL) == TSAMP_OK);
        CHECK(tsamp_chain_format(c, buf, sizeof buf, &len) == TSAMP_ERR_INVALID_PARAM);
        tsamp_chain_free(c);
    }
}

void suite_spec(void) {
    RUN(test_spec_each_key);
    RUN(test_spec_number_forms);
    RUN(test_spec_sequences_and_blanks);
    RUN(test_spec_errors);
    RUN(test_spec_error_messages_bounded);
    RUN(test_spec_null_arguments);
    RUN(test_spec_item_limit);
    RUN(test_spec_format_hand);
    RUN(test_spec_format_buffer_too_small);
    RUN(test_spec_round_trip_hand);
    RUN(test_spec_round_trip_random);
    RUN(test_spec_locale_independence);
    RUN(test_spec_processor_keys);
}
