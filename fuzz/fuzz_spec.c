/*
 * Fuzz target: the spec-string parser and formatter.
 * Input: the last byte holds options (bit 0: run the library in a locale whose decimal point
 * is ',' when one is installed; bit 1: the chain already has a processor); the bytes before
 * it are the spec (an embedded NUL ends it). Invariants:
 *  - parse_ex gives the status and error offset of the reference reading (ref_spec.h) and,
 *    on OK, the processors the reference's add_* calls give (compared by format) and bitwise
 *    the same parameters; parse agrees with parse_ex;
 *  - on an error the chain is unchanged, the message is NUL-terminated and not empty, and the
 *    offset is inside the spec; on OK *err is untouched;
 *  - format -> parse gives bitwise the same processors and the same string (tsamp.h);
 *  - format with cap <= length gives BUFFER_TOO_SMALL with the length and leaves buf alone;
 *  - NULL arguments give TSAMP_ERR_NULL; every allocation is freed.
 */
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "counting_alloc.h"
#include "invariants.h"
#include "ref_spec.h"
#include "spec_internal.h"

#define SPEC_MAX 4096

typedef struct {
    const char *spec;
    int prefilled;
    fuzz_counter k;
    tsamp_allocator alloc;
} spec_case;

static tsamp_chain *new_chain(spec_case *sc) {
    tsamp_chain_params p = tsamp_chain_default_params();
    p.allocator = sc->alloc;
    tsamp_chain *c = NULL;
    FUZZ_CHECK_STATUS(tsamp_chain_create(&c, 8, &p), TSAMP_OK, "create");
    if (sc->prefilled) FUZZ_CHECK_STATUS(tsamp_chain_add_top_k(c, 5), TSAMP_OK, "add_top_k");
    return c;
}

/* The chain's spec string (malloc'd; NULL only if the harness runs out of memory). */
static char *format(const tsamp_chain *c) {
    size_t len = 0;
    FUZZ_CHECK_STATUS(tsamp_chain_format(c, NULL, 0, &len), TSAMP_ERR_BUFFER_TOO_SMALL,
                      "format (measure)");
    char *buf = malloc(len + 1);
    if (!buf) return NULL;
    size_t got = 0;
    FUZZ_CHECK_STATUS(tsamp_chain_format(c, buf, len + 1, &got), TSAMP_OK, "format");
    FUZZ_CHECK(got == len && strlen(buf) == len, "format: length %zu, measured %zu, strlen %zu",
               got, len, strlen(buf));
    return buf;
}

/* Bitwise the same processors (the parameters each kind uses). */
static void same_procs(const tsamp_chain *a, const tsamp_chain *b, const char *what) {
    size_t na, nb;
    const tsamp_proc *pa = tsamp_chain_procs(a, &na), *pb = tsamp_chain_procs(b, &nb);
    FUZZ_CHECK(na == nb, "%s: %zu processors, want %zu", what, nb, na);
    for (size_t i = 0; i < na; i++) {
        const tsamp_proc *x = &pa[i], *y = &pb[i];
        int same = x->kind == y->kind;
        if (same && x->kind == TSAMP_PROC_TEMPERATURE)
            same = fuzz_same_bits(x->u.temperature.t, y->u.temperature.t);
        if (same && x->kind == TSAMP_PROC_TOP_K) same = x->u.top_k.k == y->u.top_k.k;
        if (same && x->kind == TSAMP_PROC_TOP_P)
            same = fuzz_same_bits(x->u.top_p.p, y->u.top_p.p) &&
                   x->u.top_p.min_keep == y->u.top_p.min_keep;
        if (same && x->kind == TSAMP_PROC_MIN_P)
            same = fuzz_same_bits(x->u.min_p.p, y->u.min_p.p) &&
                   x->u.min_p.min_keep == y->u.min_p.min_keep;
        FUZZ_CHECK(same, "%s: processor %zu differs (kind %d / %d; first float %a / %a)", what, i,
                   (int)x->kind, (int)y->kind, (double)x->u.temperature.t,
                   (double)y->u.temperature.t);
    }
}

/* cap <= length: BUFFER_TOO_SMALL with the length, buf untouched; NULL arguments. */
static void check_format_buffers(const tsamp_chain *c, const char *full, size_t len) {
    char *buf = malloc(len + 2);
    if (!buf) return;
    size_t caps[3] = {0, len / 2, len};
    for (size_t i = 0; i < 3; i++) {
        memset(buf, 0x5a, len + 2);
        size_t got = 0;
        FUZZ_CHECK_STATUS(tsamp_chain_format(c, caps[i] ? buf : NULL, caps[i], &got),
                          TSAMP_ERR_BUFFER_TOO_SMALL, "format into a small buffer");
        FUZZ_CHECK(got == len, "format cap %zu: reports %zu, want %zu", caps[i], got, len);
        for (size_t j = 0; j <= len; j++)
            FUZZ_CHECK(buf[j] == 0x5a, "format cap %zu wrote byte %zu on BUFFER_TOO_SMALL", caps[i],
                       j);
    }
    size_t got = 0;
    FUZZ_CHECK_STATUS(tsamp_chain_format(c, buf, len + 1, NULL), TSAMP_ERR_NULL,
                      "format(len NULL)");
    FUZZ_CHECK_STATUS(tsamp_chain_format(c, NULL, 5, &got), TSAMP_ERR_NULL,
                      "format(buf NULL, cap 5)");
    FUZZ_CHECK_STATUS(tsamp_chain_format(NULL, buf, 5, &got), TSAMP_ERR_NULL, "format(NULL chain)");
    FUZZ_CHECK_STATUS(tsamp_chain_format(c, buf, len + 2, &got), TSAMP_OK, "format(roomy)");
    FUZZ_CHECK(got == len && strcmp(buf, full) == 0, "format(cap len + 2) gave \"%s\"", buf);
    free(buf);
}

/* The reference stopped at a key the library has (a processor added since the reference was
 * written): its verdict does not count. */
static int key_beyond_reference(const char *spec, const ref_spec_result *ref) {
    if (ref->key_len == 0) return 0;
    for (size_t i = 0; i < tsamp_spec_n_keys; i++)
        if (strlen(tsamp_spec_keys[i].name) == ref->key_len &&
            memcmp(tsamp_spec_keys[i].name, spec + ref->offset, ref->key_len) == 0)
            return 1;
    return 0;
}

/* parse_ex against the reference; returns the chain (the caller frees) and sets *status. */
static tsamp_chain *check_parse(spec_case *sc, const ref_spec_result *ref, tsamp_status *status) {
    tsamp_chain *c = new_chain(sc);
    size_t n_before = tsamp_chain_n_processors(c);
    char *before = format(c);
    tsamp_parse_error err;
    memset(&err, 0x5a, sizeof err);
    tsamp_status st = tsamp_chain_parse_ex(c, sc->spec, &err);
    *status = st;
    int judged = !key_beyond_reference(sc->spec, ref);
    FUZZ_CHECK(st == ref->status || !judged, "parse_ex(\"%.200s\"): %s, reference %s at offset %zu",
               sc->spec, tsamp_status_str(st), tsamp_status_str(ref->status), ref->offset);
    size_t spec_len = strlen(sc->spec);
    /* *err is documented for PARSE and INVALID_PARAM (a newer key may also give VOCAB). */
    if (st == TSAMP_ERR_PARSE || st == TSAMP_ERR_INVALID_PARAM) {
        FUZZ_CHECK(memchr(err.message, '\0', sizeof err.message) != NULL && err.message[0],
                   "parse_ex: message not NUL-terminated or empty");
        FUZZ_CHECK((err.offset == ref->offset || !judged) && err.offset <= spec_len,
                   "parse_ex(\"%.200s\"): error at %zu (%s), reference at %zu", sc->spec,
                   err.offset, err.message, ref->offset);
    }
    if (st != TSAMP_OK) {
        FUZZ_CHECK(tsamp_chain_n_processors(c) == n_before, "parse_ex: %s changed the chain",
                   tsamp_status_str(st));
        char *after = format(c);
        FUZZ_CHECK(!before || !after || strcmp(before, after) == 0,
                   "parse_ex: chain \"%s\" became \"%s\"", before, after);
        free(after);
    }
    free(before);
    if (st != TSAMP_OK) return c;
    tsamp_parse_error untouched;
    memset(&untouched, 0x5a, sizeof untouched);
    FUZZ_CHECK(memcmp(&err, &untouched, sizeof err) == 0, "parse_ex wrote *err on OK");
    if (!judged) return c;
    /* The reference's processors, added one by one with the public functions. */
    tsamp_chain *want = new_chain(sc);
    for (size_t i = 0; i < ref->n; i++)
        FUZZ_CHECK_STATUS(ref_spec_add(want, &ref->items[i]), TSAMP_OK, "add (reference)");
    same_procs(want, c, "parse_ex vs the reference");
    tsamp_chain_free(want);
    return c;
}

static void check_spec(spec_case *sc, const ref_spec_result *ref) {
    tsamp_status st_ex;
    tsamp_chain *c = check_parse(sc, ref, &st_ex);
    /* parse without _ex agrees */
    tsamp_chain *plain = new_chain(sc);
    FUZZ_CHECK_STATUS(tsamp_chain_parse(plain, sc->spec), st_ex, "parse");
    same_procs(c, plain, "parse vs parse_ex");
    tsamp_chain_free(plain);
    /* format -> parse: the same processors, bitwise, and the same string */
    char *s1 = format(c);
    if (!s1) {
        tsamp_chain_free(c);
        return;
    }
    size_t len = strlen(s1);
    tsamp_chain *back = NULL;
    tsamp_chain_params p = tsamp_chain_default_params();
    p.allocator = sc->alloc;
    FUZZ_CHECK_STATUS(tsamp_chain_create(&back, 8, &p), TSAMP_OK, "create");
    tsamp_parse_error err;
    tsamp_status st = tsamp_chain_parse_ex(back, s1, &err);
    FUZZ_CHECK(st == TSAMP_OK, "format gave \"%s\", which parses as %s at %zu: %s", s1,
               tsamp_status_str(st), st == TSAMP_OK ? 0 : err.offset,
               st == TSAMP_OK ? "" : err.message);
    same_procs(c, back, "format -> parse");
    char *s2 = format(back);
    FUZZ_CHECK(!s2 || strcmp(s1, s2) == 0, "format -> parse -> format: \"%s\" -> \"%s\"", s1, s2);
    free(s2);
    check_format_buffers(c, s1, len);
    free(s1);
    FUZZ_CHECK_STATUS(tsamp_chain_parse(NULL, sc->spec), TSAMP_ERR_NULL, "parse(NULL chain)");
    FUZZ_CHECK_STATUS(tsamp_chain_parse_ex(c, NULL, &err), TSAMP_ERR_NULL, "parse_ex(NULL spec)");
    tsamp_chain_free(back);
    tsamp_chain_free(c);
}

/* A locale whose decimal point is ',', if one is installed. */
static int comma_locale(void) {
    static const char *names[] = {"de_DE.UTF-8", "de_DE.utf8", "de_DE", "fr_FR.UTF-8"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (setlocale(LC_NUMERIC, names[i])) return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_begin("spec", size);
    uint8_t opts = size ? data[size - 1] : 0;
    size_t n = size ? size - 1 : 0;
    if (n > SPEC_MAX) n = SPEC_MAX;
    char *spec = malloc(n + 1);
    if (!spec) return 0;
    memcpy(spec, data, n);
    spec[n] = '\0';
    ref_spec_result ref;
    ref_spec_parse(spec, &ref); /* in the "C" locale: the grammar's numbers */
    spec_case sc;
    sc.spec = spec;
    sc.prefilled = (opts >> 1) & 1;
    sc.alloc = fuzz_counting_allocator(&sc.k, 0);
    int localized = (opts & 1) && comma_locale();
    check_spec(&sc, &ref);
    if (localized) setlocale(LC_NUMERIC, "C");
    FUZZ_CHECK(sc.k.allocs == sc.k.frees, "%zu allocations, %zu frees", sc.k.allocs, sc.k.frees);
    free(spec);
    return 0;
}
