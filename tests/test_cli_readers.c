/*
 * The tsamp CLI's pieces (tools/common): the .npy, raw and text readers on valid and broken
 * inputs, the flags -> chain mapping against chains built with the library's own calls (and
 * the flags' errors), the explain stages against tsamp_chain_distribution, and the built
 * binary's `sample` against a tsamp_chain_sample loop (when the binary is there: TSAMP_CLI,
 * or next to this test binary).
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "cli_chain.h"
#include "cli_explain.h"
#include "logit_data.h"
#include "logit_file.h"
#include "testutil.h"
#include "tsamp.h"

/* ---- building .npy images ----------------------------------------------------------------- */

static unsigned char img[1 << 16];

/* magic, version, HEADER_LEN, the dict padded with spaces to a multiple of 64 and '\n', then
 * n bytes of data: what numpy.save writes. Returns the length. */
static size_t npy_image(int major, const char *dict, const void *data, size_t n) {
    size_t lsize = major == 1 ? 2 : 4, pre = 8 + lsize, dl = strlen(dict);
    size_t total = (pre + dl + 1 + 63) / 64 * 64, hlen = total - pre;
    memcpy(img, "\x93NUMPY", 6);
    img[6] = (unsigned char)major;
    img[7] = 0;
    for (size_t i = 0; i < lsize; i++) img[8 + i] = (unsigned char)(hlen >> (8 * i));
    memcpy(img + pre, dict, dl);
    memset(img + pre + dl, ' ', hlen - dl - 1);
    img[total - 1] = '\n';
    if (n) memcpy(img + total, data, n);
    return total + n;
}

static void put_f32(unsigned char *p, float x, int big) {
    uint32_t u = tu_bits(x);
    for (int i = 0; i < 4; i++) p[big ? 3 - i : i] = (unsigned char)(u >> (8 * i));
}

static void put_f64(unsigned char *p, double x, int big) {
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    for (int i = 0; i < 8; i++) p[big ? 7 - i : i] = (unsigned char)(u >> (8 * i));
}

static void put_f16(unsigned char *p, uint16_t h, int big) {
    p[big ? 1 : 0] = (unsigned char)h;
    p[big ? 0 : 1] = (unsigned char)(h >> 8);
}

/* Parses the image and reads every row into rows (n_steps * n_vocab). */
static int npy_rows(size_t len, logit_data *d, float *rows, logit_error *err) {
    if (logit_npy_parse(img, len, d, err) != 0) return -1;
    for (size_t s = 0; s < d->n_steps; s++)
        if (logit_data_row(d, s, rows + s * d->n_vocab, err) != 0) return -1;
    return 0;
}

/* ---- .npy: valid files -------------------------------------------------------------------- */

static void cli_npy_versions(void) {
    unsigned char data[12];
    const float x[3] = {1.5f, -2.25f, 1e-3f};
    for (int i = 0; i < 3; i++) put_f32(data + 4 * i, x[i], 0);
    for (int major = 1; major <= 3; major++) {
        logit_data d;
        logit_error err;
        float rows[3];
        size_t len = npy_image(major, "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }",
                               data, sizeof data);
        CHECKF(npy_rows(len, &d, rows, &err) == 0, "v%d: %s", major, err.message);
        CHECK(d.n_steps == 1 && d.n_vocab == 3);
        CHECK(d.data_offset % 64 == 0);
        for (int i = 0; i < 3; i++) CHECK(rows[i] == x[i]);
    }
}

static void cli_npy_dtypes_and_byte_orders(void) {
    /* Values exact in every dtype: the float16 bit patterns are known. */
    const float x[8] = {1.0f, -2.0f, 0.5f, 65504.0f, 0x1p-24f, INFINITY, -INFINITY, 0x1p-14f};
    const uint16_t h[8] = {0x3c00, 0xc000, 0x3800, 0x7bff, 0x0001, 0x7c00, 0xfc00, 0x0400};
    static const char *const descr[3] = {"f2", "f4", "f8"};
    for (int t = 0; t < 3; t++)
        for (int big = 0; big <= 1; big++) {
            unsigned char data[64];
            char dict[128];
            size_t item = t == 0 ? 2 : t == 1 ? 4 : 8;
            for (int i = 0; i < 8; i++) {
                if (t == 0) put_f16(data + 2 * i, h[i], big);
                else if (t == 1) put_f32(data + 4 * i, x[i], big);
                else put_f64(data + 8 * i, x[i], big);
            }
            snprintf(dict, sizeof dict, "{'descr': '%c%s', 'fortran_order': False, 'shape': (2, 4), }",
                     big ? '>' : '<', descr[t]);
            logit_data d;
            logit_error err;
            float rows[8];
            size_t len = npy_image(1, dict, data, 8 * item);
            CHECKF(npy_rows(len, &d, rows, &err) == 0, "%s: %s", dict, err.message);
            CHECK(d.n_steps == 2 && d.n_vocab == 4);
            for (int i = 0; i < 8; i++)
                CHECKF(rows[i] == x[i], "%s [%d]: %g != %g", dict, i, (double)rows[i], (double)x[i]);
        }
}

static void cli_npy_shapes_and_syntax(void) {
    static const struct {
        const char *dict;
        size_t steps, vocab;
    } ok[] = {
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (), }", 1, 1},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", 1, 6},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 2, 3},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2, 3), }", 2, 3},
        {"{'shape': (3, 2), 'fortran_order': False, 'descr': '<f4'}", 3, 2}, /* any order */
        {"{\"descr\": \"<f4\", \"fortran_order\": False, \"shape\": (2,3)}", 2, 3},
        {"  {'descr':'<f4','fortran_order':False,'shape':(\n 2 ,\n 3 , ) }", 2, 3},
        {"{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }", 2, 3}, /* Python 2 */
        {"{'descr': '<f4', 'fortran_order': True, 'shape': (6,), }", 1, 6},
    };
    float data[6];
    for (int i = 0; i < 6; i++) data[i] = (float)i - 2.5f;
    unsigned char le[24];
    for (int i = 0; i < 6; i++) put_f32(le + 4 * i, data[i], 0);
    for (size_t c = 0; c < sizeof ok / sizeof ok[0]; c++) {
        logit_data d;
        logit_error err;
        float rows[6];
        size_t n = ok[c].steps * ok[c].vocab;
        size_t len = npy_image(1, ok[c].dict, le, 4 * n);
        CHECKF(npy_rows(len, &d, rows, &err) == 0, "%s: %s", ok[c].dict, err.message);
        CHECKF(d.n_steps == ok[c].steps && d.n_vocab == ok[c].vocab, "%s: %zu x %zu",
               ok[c].dict, d.n_steps, d.n_vocab);
        for (size_t i = 0; i < n; i++) CHECK(rows[i] == data[i]);
    }
}

/* Fortran order: element (i, j, k) of shape (A, B, V) is at i + A*j + A*B*k; the rows must
 * come out in C order of (i, j). */
static void cli_npy_fortran_order(void) {
    enum { A = 2, B = 3, V = 5 };
    unsigned char data[4 * A * B * V];
    float want[A * B * V];
    for (int i = 0; i < A; i++)
        for (int j = 0; j < B; j++)
            for (int k = 0; k < V; k++) {
                float v = (float)(100 * i + 10 * j + k);
                want[(i * B + j) * V + k] = v;
                put_f32(data + 4 * (i + A * j + A * B * k), v, 0);
            }
    logit_data d;
    logit_error err;
    float rows[A * B * V];
    size_t len = npy_image(1, "{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3, 5), }",
                           data, sizeof data);
    CHECKF(npy_rows(len, &d, rows, &err) == 0, "%s", err.message);
    CHECK(d.n_steps == A * B && d.n_vocab == V);
    CHECK(memcmp(rows, want, sizeof want) == 0);
    /* 2-D: the transpose */
    unsigned char d2[4 * 3 * 4];
    for (int r = 0; r < 3; r++)
        for (int v = 0; v < 4; v++) put_f32(d2 + 4 * (r + 3 * v), (float)(10 * r + v), 0);
    len = npy_image(2, "{'descr': '<f4', 'fortran_order': True, 'shape': (3, 4), }", d2,
                    sizeof d2);
    CHECKF(npy_rows(len, &d, rows, &err) == 0, "%s", err.message);
    for (int r = 0; r < 3; r++)
        for (int v = 0; v < 4; v++) CHECK(rows[r * 4 + v] == (float)(10 * r + v));
}

/* ---- .npy: broken files ------------------------------------------------------------------- */

static void expect_npy_error(size_t len, size_t offset, const char *words) {
    logit_data d;
    logit_error err;
    float rows[64];
    int rc = npy_rows(len, &d, rows, &err);
    CHECKF(rc != 0, "accepted; expected \"%s\"", words);
    if (rc == 0) return;
    CHECKF(err.offset == offset, "offset %zu, expected %zu (%s)", err.offset, offset,
           err.message);
    CHECKF(strstr(err.message, words) != NULL, "\"%s\" does not say \"%s\"", err.message, words);
}

static void cli_npy_truncated_and_trailing(void) {
    unsigned char data[28] = {0};
    const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }";
    size_t full = npy_image(1, dict, data, 24), start = full - 24;
    for (size_t cut = 0; cut < full; cut++) { /* every prefix: a clean error, at its end */
        logit_data d;
        logit_error err;
        CHECKF(logit_npy_parse(img, cut, &d, &err) != 0, "prefix of %zu bytes accepted", cut);
        CHECKF(err.offset <= cut, "prefix %zu: offset %zu", cut, err.offset);
    }
    expect_npy_error(full - 1, full - 1, "truncated");
    full = npy_image(1, dict, data, 28);
    expect_npy_error(full, start + 24, "4 bytes after the end");
}

static void cli_npy_bad_prefix(void) {
    unsigned char data[4] = {0};
    const char *dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }";
    for (size_t i = 0; i < 6; i++) { /* a wrong byte anywhere in the magic */
        size_t len = npy_image(1, dict, data, 4);
        img[i] ^= 0x20;
        expect_npy_error(len, i, "magic");
    }
    size_t len = npy_image(1, dict, data, 4);
    img[6] = 4;
    expect_npy_error(len, 6, "version 4.0");
    len = npy_image(1, dict, data, 4);
    img[7] = 1;
    expect_npy_error(len, 6, "version 1.1");
    len = npy_image(1, dict, data, 4);
    img[9] = 0x7f; /* HEADER_LEN far past the end */
    expect_npy_error(len, len, "HEADER_LEN");
    len = npy_image(2, dict, data, 4);
    img[11] = 0x80; /* a 4-byte HEADER_LEN of 2 GiB */
    expect_npy_error(len, len, "HEADER_LEN");
    len = npy_image(1, dict, data, 4);
    img[len - 5] = ' '; /* the header's last byte is no longer '\n' */
    expect_npy_error(len, len - 5, "newline");
    expect_npy_error(0, 0, "too short");
    memcpy(img, "\x93NUMPY\x01", 7);
    expect_npy_error(7, 7, "no format version");
    expect_npy_error(9, 9, "no header length");
}

/* Each dict has '@' where the error must be reported; it is removed before parsing. */
static void cli_npy_bad_dict(void) {
    static const struct {
        int major;
        const char *dict, *words;
    } bad[] = {
        {1, "{'descr': '<f4', 'fortran_order': False, 'shape': @(5), }", "not a tuple"},
        {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (@-5,), }", "negative"},
        {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (@05,), }", "leading zeros"},
        {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (5 @6), }", "',' or ')'"},
        {1, "{'descr': '<f4', 'fortran_order': False, 'shape': @[5], }", "tuple"},
        {3, "{'descr': '<f4', 'fortran_order': False, 'shape': (5@L,), }", "',' or ')'"},
        {1, "{'descr': '<f4', 'fortran_order': @false, 'shape': (5,), }", "True or False"},
        {1, "{'descr': '<f4', 'fortran_order': @Truely, 'shape': (5,), }", "True or False"},
        {1, "{'descr': @'<i4', 'fortran_order': False, 'shape': (5,), }", "'<i4'"},
        {1, "{'descr': @'|f4', 'fortran_order': False, 'shape': (5,), }", "byte order"},
        {1, "{'descr': @'=f4', 'fortran_order': False, 'shape': (5,), }", "byte order"},
        {1, "{'descr': @[('a', '<f4')], 'fortran_order': False, 'shape': (5,), }", "structured"},
        {1, "{'descr': '<f4@\\x', 'fortran_order': False, 'shape': (5,), }", "escapes"},
        {1, "{'descr': @'<f4, 'fortran_order': False, 'shape': (5,), }", "dtype '<f4, '"},
        {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), @'shape': (5,)}", "twice"},
        {1, "@{'descr': '<f4', 'fortran_order': False}", "no 'shape'"},
        {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), @'extra': 1}", "unknown key"},
        {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (5,)}@x", "after the dict"},
        {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (5,)@;}", "',' or '}'"},
        {1, "{'descr': '<f4' @'fortran_order': False, 'shape': (5,)}", "',' or '}'"},
        {1, "{'descr' @'<f4', 'fortran_order': False, 'shape': (5,)}", "':'"},
        {1, "{@, 'descr': '<f4', 'fortran_order': False, 'shape': (5,)}", "quoted key"},
        {1, "@# {'descr': '<f4', 'fortran_order': False, 'shape': (5,)}", "'{'"},
        {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (1@_000,), }", "',' or ')'"},
        {1, "{'descr': '<f4', 'fortran_order': False, 'shape': (5,), @\xe9: 1}", "quoted key"},
        {1, "{'descr': @'a very long string that no descr could ever be', 'shape': (5,)}",
         "too long"},
    };
    unsigned char data[20] = {0};
    for (size_t c = 0; c < sizeof bad / sizeof bad[0]; c++) {
        char dict[200];
        const char *at = strchr(bad[c].dict, '@');
        size_t k = (size_t)(at - bad[c].dict);
        memcpy(dict, bad[c].dict, k);
        strcpy(dict + k, at + 1);
        size_t len = npy_image(bad[c].major, dict, data, 20);
        size_t pre = bad[c].major == 1 ? 10 : 12;
        logit_data d;
        logit_error err;
        int rc = logit_npy_parse(img, len, &d, &err);
        CHECKF(rc != 0, "accepted: %s", dict);
        if (rc) {
            CHECKF(err.offset == pre + k, "%s: offset %zu, expected %zu (%s)", dict, err.offset,
                   pre + k, err.message);
            CHECKF(strstr(err.message, bad[c].words) != NULL, "%s: \"%s\" lacks \"%s\"", dict,
                   err.message, bad[c].words);
        }
    }
}

static void cli_npy_huge_shapes(void) {
    static const struct {
        const char *shape, *words;
    } bad[] = {
        {"(4294967296, 4294967296, 4294967296)", "too many elements"},
        {"(2, 2147483648)", "more than the library's limit"},
        {"(18446744073709551616,)", "more than 2^64 - 1"},
        {"(99999999999999999999999,)", "more than 2^64 - 1"},
        {"(3, 0)", "vocabulary (last dimension) is empty"},
        {"(0,)", "vocabulary (last dimension) is empty"},
        {"(0, 5)", "no steps"},
        {"(4611686018427387904, 1)", "too many bytes"},
        {"(1000000, 1000000)", "truncated"}, /* a plausible size, and no data */
        {"(1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1)", "more than 32"},
    };
    for (size_t c = 0; c < sizeof bad / sizeof bad[0]; c++) {
        char dict[256];
        snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': %s, }",
                 bad[c].shape);
        size_t len = npy_image(1, dict, NULL, 0);
        logit_data d;
        logit_error err;
        int rc = logit_npy_parse(img, len, &d, &err);
        CHECKF(rc != 0, "accepted shape %s", bad[c].shape);
        if (rc)
            CHECKF(strstr(err.message, bad[c].words) != NULL, "%s: \"%s\" lacks \"%s\"",
                   bad[c].shape, err.message, bad[c].words);
    }
}

/* Every float16 bit pattern against the value its fields define. */
static void cli_half_exhaustive(void) {
    size_t bad = 0;
    for (uint32_t h = 0; h < 0x10000; h++) {
        int sign = (int)(h >> 15), e = (int)((h >> 10) & 31), m = (int)(h & 1023);
        double want = e == 0 ? ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY) : ldexp(1024 + m, e - 25);
        if (sign) want = -want;
        float got = logit_half_to_float((uint16_t)h);
        int ok = isnan(want) ? isnan(got) && !!signbit(got) == sign : (double)got == want &&
                 !!signbit(got) == sign;
        if (!ok && bad++ < 5) CHECKF(ok, "half 0x%04x: %a, expected %a", h, (double)got, want);
    }
    CHECKF(bad == 0, "%zu half values wrong", bad);
}

static void cli_npy_f64_out_of_range(void) {
    unsigned char data[24];
    put_f64(data, 1.0, 0);
    put_f64(data + 8, 1e300, 0);
    put_f64(data + 16, -INFINITY, 0);
    size_t len = npy_image(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", data,
                           24);
    logit_data d;
    logit_error err;
    float row[3];
    CHECK(logit_npy_parse(img, len, &d, &err) == 0);
    CHECK(logit_data_row(&d, 0, row, &err) != 0);
    CHECKF(err.offset == len - 16 && strstr(err.message, "does not fit"), "%zu: %s", err.offset,
           err.message);
    put_f64(img + len - 16, 3e38, 0); /* below FLT_MAX: rounds */
    CHECK(logit_data_row(&d, 0, row, &err) == 0 && row[1] == 3e38f && row[2] == -INFINITY);
    CHECK(logit_data_row(&d, 1, row, &err) != 0 && strstr(err.message, "past the last step"));
}

/* ---- raw and text ------------------------------------------------------------------------- */

static void cli_raw_reader(void) {
    unsigned char data[24];
    for (int i = 0; i < 6; i++) put_f32(data + 4 * i, (float)i * 0.5f, 0);
    logit_data d;
    logit_error err;
    float rows[6];
    CHECK(logit_raw_parse(data, 24, 3, &d, &err) == 0 && d.n_steps == 2 && d.n_vocab == 3);
    CHECK(logit_data_row(&d, 1, rows, &err) == 0 && rows[0] == 1.5f && rows[2] == 2.5f);
    CHECK(logit_raw_parse(data, 22, 3, &d, &err) != 0 && err.offset == 12 &&
          strstr(err.message, "truncated"));
    CHECK(logit_raw_parse(data, 0, 3, &d, &err) != 0 && strstr(err.message, "empty"));
    CHECK(logit_raw_parse(data, 24, 0, &d, &err) != 0);
    CHECK(logit_raw_parse(data, 24, (size_t)INT32_MAX + 1, &d, &err) != 0);
}

static int text(const char *s, logit_data *d, logit_error *err) {
    return logit_text_parse(s, strlen(s), d, err);
}

static void cli_text_reader(void) {
    logit_data d;
    logit_error err;
    float r[4];
    const char *s = "# logits\n1 2.5 -3e1 .5\r\n\n  -inf\tINF nan +0x  \n";
    CHECK(text(s, &d, &err) != 0 && err.offset == (size_t)(strstr(s, "+0x") - s)); /* hex: not ours */
    s = "# two steps\n1 2.5 -3e1 .5\r\n\n  -inf\tINF NaN +4. # trailing comment\n";
    CHECKF(text(s, &d, &err) == 0, "%s", err.message);
    CHECK(d.n_steps == 2 && d.n_vocab == 4);
    CHECK(logit_data_row(&d, 0, r, &err) == 0 && r[0] == 1 && r[1] == 2.5f && r[2] == -30 &&
          r[3] == 0.5f);
    CHECK(logit_data_row(&d, 1, r, &err) == 0 && r[0] == -INFINITY && r[1] == INFINITY &&
          isnan(r[2]) && r[3] == 4);
    logit_data_free(&d);
    CHECK(text("0.1 -infinity 1e-50 7", &d, &err) == 0 && d.n_steps == 1);
    CHECK(logit_data_row(&d, 0, r, &err) == 0 && r[0] == 0.1f && r[1] == -INFINITY &&
          r[2] == 0.0f);
    logit_data_free(&d);

    static const struct {
        const char *s, *at, *words;
    } bad[] = {
        {"1 2 3\n4 5\n", "4 5", "line 2 has 2 numbers, line 1 has 3"},
        {"1 2 x3\n", "x3", "not a number"},
        {"1 1e39\n", "1e39", "beyond the float32 range"},
        {"1 -1e39\n", "-1e39", "beyond"},
        {"1 1e\n", "1e", "not a number"},
        {"1 . 2\n", ". 2", "not a number"},
        {"1 - 2\n", "- 2", "not a number"},
        {"1,2\n", "1,2", "not a number"},
        {"nan(0x1)", "nan(0x1)", "not a number"},
        {"", "", "empty file"},
        {"# only a comment\n\n", "", "no numbers"},
    };
    for (size_t c = 0; c < sizeof bad / sizeof bad[0]; c++) {
        const char *t = bad[c].s;
        size_t at = bad[c].at[0] ? (size_t)(strstr(t, bad[c].at) - t) : strlen(t);
        int rc = text(t, &d, &err);
        CHECKF(rc != 0, "accepted \"%s\"", t);
        if (rc)
            CHECKF(err.offset == at && strstr(err.message, bad[c].words), "\"%s\": %zu %s", t,
                   err.offset, err.message);
    }
    char nul[] = "1 2\0 3";
    CHECK(logit_text_parse(nul, 6, &d, &err) != 0 && err.offset == 2);
}

/* ---- files -------------------------------------------------------------------------------- */

static char tmpdir[64];

static const char *tmp_path(const char *name) {
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    return path;
}

static void write_file(const char *name, const void *data, size_t n) {
    FILE *f = fopen(tmp_path(name), "wb");
    CHECK(f && fwrite(data, 1, n, f) == n);
    if (f) fclose(f);
}

static void cli_file_loading(void) {
    logit_data d;
    char msg[512];
    unsigned char data[8];
    put_f32(data, 1.0f, 0), put_f32(data + 4, 2.0f, 0);
    size_t len = npy_image(1, "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", data, 8);
    write_file("a.bin", img, len); /* found by its magic, whatever the name */
    CHECKF(logit_file_load(tmp_path("a.bin"), LOGIT_FORMAT_AUTO, 0, &d, msg, sizeof msg) == 0,
           "%s", msg);
    CHECK(d.n_vocab == 2 && d.file != NULL);
    logit_data_free(&d);
    write_file("t.npy", "1 2 3\n", 6); /* a .npy name with text in it: an .npy error */
    CHECK(logit_file_load(tmp_path("t.npy"), LOGIT_FORMAT_AUTO, 0, &d, msg, sizeof msg) != 0);
    CHECKF(strstr(msg, "t.npy: byte 0: not a .npy file") != NULL, "%s", msg);
    CHECK(logit_file_load(tmp_path("t.npy"), LOGIT_FORMAT_TEXT, 0, &d, msg, sizeof msg) == 0 &&
          d.n_vocab == 3 && d.file == NULL);
    logit_data_free(&d);
    write_file("r.raw", img, len);
    CHECK(logit_file_load(tmp_path("r.raw"), LOGIT_FORMAT_RAW, 7, &d, msg, sizeof msg) != 0);
    CHECKF(strstr(msg, "r.raw: byte ") && strstr(msg, "truncated"), "%s", msg);
    CHECK(logit_file_load(tmp_path("missing"), LOGIT_FORMAT_AUTO, 0, &d, msg, sizeof msg) != 0);
    CHECKF(strstr(msg, "missing: No such file") != NULL, "%s", msg);
    CHECK(logit_file_load(tmpdir, LOGIT_FORMAT_AUTO, 0, &d, msg, sizeof msg) != 0);
    CHECKF(strstr(msg, "directory") != NULL, "%s", msg);
    write_file("empty", "", 0);
    CHECK(logit_file_load(tmp_path("empty"), LOGIT_FORMAT_AUTO, 0, &d, msg, sizeof msg) != 0);
    CHECKF(strstr(msg, "empty: byte 0: empty file") != NULL, "%s", msg);
}

/* ---- the chain ---------------------------------------------------------------------------- */

static void random_logits(float *x, size_t n, uint64_t seed) {
    tu_rng r = {seed};
    for (size_t i = 0; i < n; i++) x[i] = (float)(3.0 * tu_normal(&r));
}

static int same_distribution(tsamp_chain *a, tsamp_chain *b, const float *x, size_t n) {
    int32_t *ia = malloc(n * sizeof *ia), *ib = malloc(n * sizeof *ib);
    float *pa = malloc(n * sizeof *pa), *pb = malloc(n * sizeof *pb);
    size_t ka = 0, kb = 0;
    int same = ia && ib && pa && pb &&
               tsamp_chain_distribution(a, x, ia, pa, n, &ka) == TSAMP_OK &&
               tsamp_chain_distribution(b, x, ib, pb, n, &kb) == TSAMP_OK && ka == kb &&
               !memcmp(ia, ib, ka * sizeof *ia) && !memcmp(pa, pb, ka * sizeof *pa);
    free(ia), free(ib), free(pa), free(pb);
    return same;
}

static tsamp_chain *flag_chain(const char *const *argv, size_t n_vocab, size_t context,
                               char *items, size_t cap) {
    cli_sampling s;
    cli_plan p;
    char msg[512];
    tsamp_chain *c = NULL;
    cli_sampling_defaults(&s);
    for (size_t i = 0; argv[i]; i += 2)
        CHECKF(cli_sampling_flag(&s, argv[i], argv[i + 1], msg, sizeof msg) == 1, "%s %s: %s",
               argv[i], argv[i + 1], msg);
    CHECK(cli_plan_make(&s, context, &p, msg, sizeof msg) == 0);
    cli_plan_spec(&p, items, cap);
    cli_chain_setup setup = {9, 0, NULL, 0, };
    tsamp_status st = cli_chain_create(&p, p.n, n_vocab, &setup, &c, msg, sizeof msg);
    CHECKF(st == TSAMP_OK, "%s", msg);
    cli_plan_free(&p);
    cli_sampling_free(&s);
    return c;
}

static tsamp_chain *empty_chain(size_t n) {
    tsamp_chain_params params = tsamp_chain_default_params();
    params.seed = 9;
    tsamp_chain *c = NULL;
    CHECK(tsamp_chain_create(&c, n, &params) == TSAMP_OK);
    return c;
}

/* The defaults are llama.cpp's chain; every flag lands on its processor in llama.cpp's order;
 * the reference chains are built with the library's add_* calls directly. */
static void cli_flags_build_llama_chain(void) {
    enum { N = 300 };
    float x[N];
    char items[512];
    random_logits(x, N, 4);
    const char *none[] = {NULL};
    tsamp_chain *c = flag_chain(none, N, 0, items, sizeof items);
    CHECKF(!strcmp(items, "top_k=40 top_p=0.95 min_p=0.05 temp=0.8"), "%s", items);
    tsamp_chain *ref = empty_chain(N);
    tsamp_chain_parse(ref, items);
    CHECK(c && same_distribution(c, ref, x, N));
    tsamp_chain_free(c), tsamp_chain_free(ref);

    const char *all[] = {"--temp", "1.3", "--dynatemp-range", "0.4", "--top-k", "120",
                         "--top-p", "0.97", "--min-p", "0.01", "--typical", "0.99",
                         "--top-n-sigma", "2.5", "--xtc-probability", "1", "--xtc-threshold",
                         "0.05", "--repeat-last-n", "-1", "--repeat-penalty", "1.5",
                         "--frequency-penalty", "0.25", "--presence-penalty", "0.5",
                         "--dry-multiplier", "0.8", "--dry-allowed-length", "1",
                         "--logit-bias", "7+2.5", "--logit-bias", "9-inf", "--min-keep", "3",
                         "--dry-breaker", "4,5", NULL};
    c = flag_chain(all, N, 12, items, sizeof items);
    CHECKF(!strcmp(items, "logit_bias=7:2.5,9:-inf penalties=12,1.5,0.25,0.5 "
                          "dry=0.8,1.75,1,12,breakers:1 top_n_sigma=2.5 top_k=120 "
                          "typical=0.99,3 top_p=0.97,3 min_p=0.01,3 xtc=1,0.05,3 "
                          "temp_ext=1.3,0.4,1"),
           "%s", items);
    ref = empty_chain(N);
    tsamp_logit_bias bias[2] = {{7, 2.5f}, {9, -INFINITY}};
    int32_t breaker[2] = {4, 5};
    size_t blen = 2;
    CHECK(tsamp_chain_add_logit_bias(ref, bias, 2) == TSAMP_OK);
    CHECK(tsamp_chain_add_penalties(ref, 12, 1.5f, 0.25f, 0.5f) == TSAMP_OK);
    CHECK(tsamp_chain_add_dry(ref, 0.8f, 1.75f, 1, 12, breaker, &blen, 1) == TSAMP_OK);
    CHECK(tsamp_chain_add_top_n_sigma(ref, 2.5f) == TSAMP_OK);
    CHECK(tsamp_chain_add_top_k(ref, 120) == TSAMP_OK);
    CHECK(tsamp_chain_add_typical(ref, 0.99f, 3) == TSAMP_OK);
    CHECK(tsamp_chain_add_top_p(ref, 0.97f, 3) == TSAMP_OK);
    CHECK(tsamp_chain_add_min_p(ref, 0.01f, 3) == TSAMP_OK);
    CHECK(tsamp_chain_add_xtc(ref, 1.0f, 0.05f, 3) == TSAMP_OK);
    CHECK(tsamp_chain_add_temp_ext(ref, 1.3f, 0.4f, 1.0f) == TSAMP_OK);
    /* A history that the penalties and DRY act on: 7 5 4 5 4 -> DRY targets 5. */
    const int32_t hist[] = {7, 5, 4, 5, 4, 250, 251};
    for (size_t i = 0; i < 7; i++) {
        CHECK(tsamp_chain_accept(c, hist[i]) == TSAMP_OK);
        CHECK(tsamp_chain_accept(ref, hist[i]) == TSAMP_OK);
    }
    CHECK(c && same_distribution(c, ref, x, N));
    tsamp_chain_free(c), tsamp_chain_free(ref);

    /* mirostat replaces everything but the logit bias, as llama.cpp's common_sampler_init */
    const char *miro[] = {"--mirostat", "2", "--mirostat-ent", "3", "--mirostat-lr", "0.2",
                          "--repeat-penalty", "1.5", "--top-k", "5", NULL};
    c = flag_chain(miro, N, 0, items, sizeof items);
    CHECKF(!strcmp(items, "temp=0.8 mirostat_v2=3,0.2"), "%s", items);
    const char *miro1[] = {"--mirostat", "1", "--temp", "1", NULL};
    tsamp_chain_free(c);
    c = flag_chain(miro1, N, 0, items, sizeof items);
    CHECKF(!strcmp(items, "mirostat=5,0.1,100"), "%s", items);
    tsamp_chain_free(c);
    /* neutral values leave their processors out */
    const char *off[] = {"--top-k", "0", "--top-p", "1", "--min-p", "0", "--temp", "1", NULL};
    c = flag_chain(off, N, 0, items, sizeof items);
    CHECKF(!strcmp(items, ""), "%s", items);
    tsamp_chain_free(c);
}

/* The flags of processors llama.cpp's common sampler lacks: each lands on its processor at its
 * place (masks after the logit bias, epsilon and eta after min-p, adaptive-p last), equal to
 * the library's add calls and to the plan's own text read back as a spec. */
static int same_format(tsamp_chain *a, tsamp_chain *b) {
    char fa[1024], fb[1024];
    size_t la, lb;
    return tsamp_chain_format(a, fa, sizeof fa, &la) == TSAMP_OK &&
           tsamp_chain_format(b, fb, sizeof fb, &lb) == TSAMP_OK && !strcmp(fa, fb);
}

static void cli_flags_build_hf_chain(void) {
    enum { N = 300 };
    float x[N];
    char items[512];
    random_logits(x, N, 5);
    for (int32_t t = 0; t < 60; t++) x[t] += 4.0f; /* the allowed ids are among the likely */
    const char *all[] = {"--allow-tokens", "3,5,7,9,40,41", "--allow-tokens", "42,43,44",
                         "--deny-tokens", "5", "--min-length", "9", "--eos-token", "7",
                         "--eos-token", "41", "--no-repeat-ngram-size", "2",
                         "--epsilon-cutoff", "0.001", "--eta-cutoff", "0.002", "--min-keep", "2",
                         "--adaptive-target", "0.3", "--adaptive-decay", "0.5", NULL};
    tsamp_chain *c = flag_chain(all, N, 12, items, sizeof items);
    CHECKF(!strcmp(items, "allow=3,5,7,9,40,41,42,43,44 deny=5 min_length=7,9 min_length=41,9 "
                          "no_repeat_ngram=2,12 top_k=40 top_p=0.95,2 min_p=0.05,2 "
                          "epsilon=0.001,2 eta=0.002,2 temp=0.8 adaptive_p=0.3,0.5"),
           "%s", items);
    tsamp_chain *ref = empty_chain(N), *spec = empty_chain(N);
    const int32_t allow[] = {3, 5, 7, 9, 40, 41, 42, 43, 44}, deny[] = {5};
    CHECK(tsamp_chain_add_allow(ref, allow, 9) == TSAMP_OK);
    CHECK(tsamp_chain_add_deny(ref, deny, 1) == TSAMP_OK);
    CHECK(tsamp_chain_add_min_length(ref, 7, 9) == TSAMP_OK);
    CHECK(tsamp_chain_add_min_length(ref, 41, 9) == TSAMP_OK);
    CHECK(tsamp_chain_add_no_repeat_ngram(ref, 2, 12) == TSAMP_OK);
    CHECK(tsamp_chain_add_top_k(ref, 40) == TSAMP_OK);
    CHECK(tsamp_chain_add_top_p(ref, 0.95f, 2) == TSAMP_OK);
    CHECK(tsamp_chain_add_min_p(ref, 0.05f, 2) == TSAMP_OK);
    CHECK(tsamp_chain_add_epsilon(ref, 0.001f, 2) == TSAMP_OK);
    CHECK(tsamp_chain_add_eta(ref, 0.002f, 2) == TSAMP_OK);
    CHECK(tsamp_chain_add_temperature(ref, 0.8f) == TSAMP_OK);
    CHECK(tsamp_chain_add_adaptive_p(ref, 0.3f, 0.5f) == TSAMP_OK);
    CHECK(tsamp_chain_parse(spec, items) == TSAMP_OK);
    CHECK(c && same_format(c, ref) && same_format(c, spec));
    /* 3 9 40 3: position 4 < 9 holds back 7 and 41; the bigram "3 9" masks 9 after 3. */
    const int32_t hist[] = {3, 9, 40, 3};
    for (size_t i = 0; i < 4; i++) {
        CHECK(tsamp_chain_accept(c, hist[i]) == TSAMP_OK);
        CHECK(tsamp_chain_accept(ref, hist[i]) == TSAMP_OK);
    }
    CHECK(c && same_distribution(c, ref, x, N));
    int32_t ids[N];
    float probs[N];
    size_t kept = 0;
    CHECK(c && tsamp_chain_distribution(c, x, ids, probs, N, &kept) == TSAMP_OK);
    for (size_t i = 0; i < kept; i++)
        CHECKF(ids[i] == 3 || ids[i] == 40 || ids[i] >= 42, "token %ld kept", (long)ids[i]);
    CHECK(kept >= 2);
    tsamp_chain_free(c), tsamp_chain_free(ref), tsamp_chain_free(spec);

    /* --mirostat keeps the masks, drops the truncations (epsilon too) */
    const char *miro[] = {"--mirostat", "2", "--deny-tokens", "4", "--no-repeat-ngram-size", "3",
                          "--no-repeat-ngram-last-n", "50", "--epsilon-cutoff", "0.1", NULL};
    c = flag_chain(miro, N, 0, items, sizeof items);
    CHECKF(!strcmp(items, "deny=4 no_repeat_ngram=3,50 temp=0.8 mirostat_v2=5,0.1"), "%s", items);
    tsamp_chain_free(c);
    /* neutral values leave their processors out (--eos-token alone adds nothing) */
    const char *off[] = {"--epsilon-cutoff", "0", "--eta-cutoff", "-1", "--min-length", "0",
                         "--eos-token", "3", "--no-repeat-ngram-size", "0",
                         "--adaptive-target", "-0.5", "--top-k", "0", "--top-p", "1",
                         "--min-p", "0", "--temp", "1", NULL};
    c = flag_chain(off, N, 0, items, sizeof items);
    CHECKF(!strcmp(items, ""), "%s", items);
    tsamp_chain_free(c);
    const char *ngram_off[] = {"--no-repeat-ngram-size", "2", "--no-repeat-ngram-last-n", "0",
                               "--temp", "1", "--top-k", "0", "--top-p", "1", "--min-p", "0",
                               NULL};
    c = flag_chain(ngram_off, N, 0, items, sizeof items);
    CHECKF(!strcmp(items, ""), "%s", items);
    tsamp_chain_free(c);
}

/* Flags that conflict once all are read: cli_sampling_check names them. */
static void cli_flags_check_combinations(void) {
    static const char *const cases[][5] = {
        /* flag, value, flag, value, words of the error ("" : no error) */
        {"--mirostat", "1", "--adaptive-target", "0.2", "--adaptive-target: not with --mirostat"},
        {"--mirostat", "2", "--adaptive-target", "nan", "--adaptive-target: not with --mirostat"},
        {"--mirostat", "2", "--adaptive-target", "-1", ""},
        {"--min-length", "4", "--top-k", "3", "--min-length 4: needs --eos-token"},
        {"--min-length", "4", "--eos-token", "2", ""},
        {"--eos-token", "2", "--adaptive-decay", "0.1", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cli_sampling s;
        char msg[256] = "";
        cli_sampling_defaults(&s);
        CHECK(cli_sampling_flag(&s, cases[i][0], cases[i][1], msg, sizeof msg) == 1);
        CHECK(cli_sampling_flag(&s, cases[i][2], cases[i][3], msg, sizeof msg) == 1);
        int rc = cli_sampling_check(&s, msg, sizeof msg);
        if (*cases[i][4])
            CHECKF(rc == -1 && strstr(msg, cases[i][4]) != NULL, "case %zu: %d \"%s\"", i, rc,
                   msg);
        else
            CHECKF(rc == 0, "case %zu: \"%s\"", i, msg);
        cli_sampling_free(&s);
    }
}

/* Values the library rejects at chain creation: the message names the flag. */
static void cli_flags_library_rejects(void) {
    static const char *const cases[][5] = {
        {"--epsilon-cutoff", "1", NULL, NULL, "--epsilon-cutoff: epsilon=1 is not allowed"},
        {"--eta-cutoff", "nan", NULL, NULL, "--eta-cutoff: eta=nan is not allowed"},
        {"--deny-tokens", "3,10", NULL, NULL,
         "--deny-tokens: deny=3,10: a token id is outside the vocabulary (0 .. 9)"},
        {"--allow-tokens", "12", NULL, NULL, "--allow-tokens: allow=12: a token id is outside"},
        {"--min-length", "2", "--eos-token", "10", "--min-length/--eos-token: min_length=10,2"},
        {"--no-repeat-ngram-size", "2", "--no-repeat-ngram-last-n", "-2",
         "no_repeat_ngram=2,-2 is not allowed"},
        {"--adaptive-target", "inf", NULL, NULL, "--adaptive-target/--adaptive-decay: adaptive_p"},
        {"--adaptive-target", "0.5", "--adaptive-decay", "nan", "adaptive_p=0.5,nan"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cli_sampling s;
        cli_plan p;
        tsamp_chain *c = NULL;
        char msg[256] = "";
        cli_chain_setup setup = {0, 0, NULL, 0};
        cli_sampling_defaults(&s);
        CHECK(cli_sampling_flag(&s, cases[i][0], cases[i][1], msg, sizeof msg) == 1);
        if (cases[i][2])
            CHECK(cli_sampling_flag(&s, cases[i][2], cases[i][3], msg, sizeof msg) == 1);
        CHECK(cli_sampling_check(&s, msg, sizeof msg) == 0);
        CHECK(cli_plan_make(&s, 0, &p, msg, sizeof msg) == 0);
        tsamp_status st = cli_chain_create(&p, p.n, 10, &setup, &c, msg, sizeof msg);
        CHECKF((st == TSAMP_ERR_INVALID_PARAM || st == TSAMP_ERR_VOCAB) && c == NULL &&
                   strstr(msg, cases[i][4]) != NULL,
               "%s %s: %s", cases[i][0], cases[i][1], msg);
        cli_plan_free(&p);
        cli_sampling_free(&s);
    }
}

static void cli_flags_reject_bad_values(void) {
    static const char *const bad[][2] = {
        {"--top-k", "4.5"},   {"--top-k", ""},          {"--top-k", " 4"},
        {"--temp", "0.8x"},   {"--temp", "1e99"},       {"--min-keep", "-1"},
        {"--mirostat", "3"},  {"--logit-bias", "5"},    {"--logit-bias", "x+1"},
        {"--logit-bias", "5+"}, {"--dry-breaker", ""}, {"--dry-breaker", "1,,2"},
        {"--top-k", "99999999999"},
        {"--allow-tokens", ""}, {"--deny-tokens", "x"},    {"--eos-token", "1,,2"},
        {"--deny-tokens", "-3"}, {"--min-length", "-2"},   {"--no-repeat-ngram-size", "-1"},
        {"--no-repeat-ngram-last-n", "1.5"}, {"--epsilon-cutoff", "0.1x"},
        {"--eta-cutoff", " 0.1"}, {"--adaptive-target", "1e99"}, {"--adaptive-decay", ""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cli_sampling s;
        char msg[256] = "";
        cli_sampling_defaults(&s);
        CHECKF(cli_sampling_flag(&s, bad[i][0], bad[i][1], msg, sizeof msg) == -1,
               "%s \"%s\" accepted", bad[i][0], bad[i][1]);
        CHECKF(strstr(msg, bad[i][0]) != NULL, "message \"%s\"", msg);
        cli_sampling_free(&s);
    }
    cli_sampling s;
    char msg[256];
    cli_sampling_defaults(&s);
    CHECK(cli_sampling_flag(&s, "--no-such", "1", msg, sizeof msg) == 0);
    /* a value the library rejects names the flag */
    cli_plan p;
    tsamp_chain *c;
    cli_chain_setup setup = {0, 0, NULL, 0};
    CHECK(cli_sampling_flag(&s, "--top-p", "nan", msg, sizeof msg) == 1);
    CHECK(cli_plan_make(&s, 0, &p, msg, sizeof msg) == 0);
    CHECK(cli_chain_create(&p, p.n, 10, &setup, &c, msg, sizeof msg) ==
          TSAMP_ERR_INVALID_PARAM && c == NULL);
    CHECKF(strstr(msg, "--top-p: top_p=nan") != NULL, "%s", msg);
    cli_plan_free(&p);
    /* a spec error gives its byte offset in the whole spec */
    s.spec = "top_k=40  top_p=x";
    CHECK(cli_plan_make(&s, 0, &p, msg, sizeof msg) == 0 && p.n == 2);
    CHECK(cli_chain_create(&p, p.n, 10, &setup, &c, msg, sizeof msg) == TSAMP_ERR_PARSE);
    CHECKF(strstr(msg, "--samplers: byte 16:") != NULL, "%s", msg);
    cli_plan_free(&p);
    int32_t hist[1] = {10};
    cli_chain_setup h = {0, 0, hist, 1};
    s.spec = "";
    CHECK(cli_plan_make(&s, 0, &p, msg, sizeof msg) == 0 && p.n == 0);
    CHECK(cli_chain_create(&p, 0, 10, &h, &c, msg, sizeof msg) == TSAMP_ERR_VOCAB);
    CHECKF(strstr(msg, "--history: token 10") != NULL, "%s", msg);
    cli_plan_free(&p);
    cli_sampling_free(&s);
}

/* Stage k of explain is tsamp_chain_distribution of the first k items. */
static void cli_explain_stages(void) {
    enum { N = 2000 };
    float x[N];
    random_logits(x, N, 8);
    cli_sampling s;
    cli_plan p;
    char msg[512];
    cli_sampling_defaults(&s);
    s.spec = "top_k=500 temp=0.7 top_p=0.9 min_p=0.02 greedy";
    CHECK(cli_plan_make(&s, 0, &p, msg, sizeof msg) == 0 && p.n == 5);
    const float temps[2] = {0.5f, 2.0f};
    explain_options o = {5, 10, 2, temps};
    cli_chain_setup setup = {1, 2, NULL, 0};
    explain_result r;
    CHECKF(explain_run(x, N, &p, &setup, &o, &r, msg, sizeof msg) == TSAMP_OK, "%s", msg);
    CHECK(r.n_stages == 6);
    static int32_t ids[N];
    static float probs[N];
    const char *prefix[] = {"", "top_k=500", "top_k=500 temp=0.7", "top_k=500 temp=0.7 top_p=0.9",
                            "top_k=500 temp=0.7 top_p=0.9 min_p=0.02", s.spec};
    double prev_mass = 2.0;
    for (size_t k = 0; k < r.n_stages; k++) {
        tsamp_chain *c = empty_chain(N);
        size_t kept;
        CHECK(tsamp_chain_parse(c, prefix[k]) == TSAMP_OK);
        CHECK(tsamp_chain_distribution(c, x, ids, probs, N, &kept) == TSAMP_OK);
        const explain_stage *st = &r.stage[k];
        CHECKF(st->kept == kept, "stage %zu: %zu kept, library %zu", k, st->kept, kept);
        CHECK(st->mass <= prev_mass + 1e-12);
        prev_mass = st->mass;
        float maxp = 0.0f;
        for (size_t i = 0; i < kept; i++) maxp = probs[i] > maxp ? probs[i] : maxp;
        CHECK(st->n_top >= 1 && st->top_probs[0] == maxp);
        for (size_t i = 1; i < st->n_top; i++) CHECK(st->top_probs[i] <= st->top_probs[i - 1]);
        for (size_t j = 0; j < r.n_chart; j++) { /* chart values are the library's */
            float want = 0.0f;
            for (size_t i = 0; i < kept; i++)
                if (ids[i] == r.chart_ids[j]) want = probs[i];
            CHECK(st->chart[j] == want);
        }
        tsamp_chain_free(c);
    }
    CHECK(fabs(r.stage[0].mass - 1.0) < 1e-6 && r.stage[0].kept == N);
    CHECK(r.stage[5].kept == 1 && r.stage[5].entropy == 0.0);
    float soft[N];
    CHECK(tsamp_softmax(x, N, 2.0f, soft) == TSAMP_OK);
    for (size_t j = 0; j < r.n_chart; j++) CHECK(r.temp_probs[1][j] == soft[r.chart_ids[j]]);
    explain_free(&r);
    cli_plan_free(&p);
}

/* ---- the binary --------------------------------------------------------------------------- */

/* $TSAMP_CLI, or build/<variant>/tools/tsamp next to build/<variant>/tests/tsamp-tests. */
static const char *cli_binary(void) {
    static char path[4096];
    const char *env = getenv("TSAMP_CLI");
    if (env && *env) return access(env, X_OK) == 0 ? env : NULL;
    ssize_t n = readlink("/proc/self/exe", path, sizeof path - 32);
    if (n <= 0) return NULL;
    path[n] = 0;
    char *slash = strrchr(path, '/');
    if (!slash) return NULL;
    *slash = 0;
    slash = strrchr(path, '/');
    if (!slash) return NULL;
    strcpy(slash, "/tools/tsamp");
    return access(path, X_OK) == 0 ? path : NULL;
}

/* `tsamp sample` with penalties, history and a seed, on a .npy file of 12 steps: the tokens are
 * those of a tsamp_chain_sample / accept loop over a chain built with the library's calls. */
static void cli_binary_sample_matches_library(void) {
    enum { S = 12, V = 1000 };
    const char *bin = cli_binary();
    if (!bin) {
        check_skip("the tsamp binary is not built (make build/<cc>/tools/tsamp, or TSAMP_CLI)");
        return;
    }
    static float x[S * V];
    static unsigned char data[4 * S * V];
    random_logits(x, S * V, 21);
    for (size_t i = 0; i < S * V; i++) put_f32(data + 4 * i, x[i], 1); /* big-endian */
    static unsigned char file[4 * S * V + 128];
    size_t pre = npy_image(1, "{'descr': '>f4', 'fortran_order': False, 'shape': (12, 1000), }",
                           NULL, 0);
    memcpy(file, img, pre);
    memcpy(file + pre, data, sizeof data);
    write_file("s.npy", file, pre + sizeof data);

    char cmd[8192];
    snprintf(cmd, sizeof cmd,
             "'%s' sample --format ids --seed 77 --stream 3 --top-k 60 --repeat-penalty 1.3 "
             "--presence-penalty 0.4 --temp 1.2 --history 5,6 '%s'",
             bin, tmp_path("s.npy"));
    FILE *pipe = popen(cmd, "r");
    CHECK(pipe != NULL);
    if (!pipe) return;
    long got[S + 1];
    size_t n = 0;
    while (n <= S && fscanf(pipe, "%ld", &got[n]) == 1) n++;
    int status = pclose(pipe);
    CHECKF(status == 0 && n == S, "exit status %d, %zu tokens", status, n);

    tsamp_chain_params params = tsamp_chain_default_params();
    params.seed = 77;
    params.stream = 3;
    tsamp_chain *c = NULL;
    CHECK(tsamp_chain_create(&c, V, &params) == TSAMP_OK);
    CHECK(tsamp_chain_add_penalties(c, 64, 1.3f, 0.0f, 0.4f) == TSAMP_OK);
    CHECK(tsamp_chain_add_top_k(c, 60) == TSAMP_OK);
    CHECK(tsamp_chain_add_top_p(c, 0.95f, 0) == TSAMP_OK);
    CHECK(tsamp_chain_add_min_p(c, 0.05f, 0) == TSAMP_OK);
    CHECK(tsamp_chain_add_temperature(c, 1.2f) == TSAMP_OK);
    tsamp_chain_accept(c, 5);
    tsamp_chain_accept(c, 6);
    for (size_t s = 0; s < S && s < n; s++) {
        int32_t tok = -1;
        CHECK(tsamp_chain_sample(c, x + s * V, &tok) == TSAMP_OK);
        CHECKF(got[s] == tok, "step %zu: tsamp sample gave %ld, the library %ld", s, got[s],
               (long)tok);
        tsamp_chain_accept(c, tok);
    }
    tsamp_chain_free(c);
}

static void cleanup(void) {
    static const char *const names[] = {"a.bin", "t.npy", "r.raw", "empty", "s.npy"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) remove(tmp_path(names[i]));
    rmdir(tmpdir);
}

void suite_cli(void) {
    RUN(cli_npy_versions);
    RUN(cli_npy_dtypes_and_byte_orders);
    RUN(cli_npy_shapes_and_syntax);
    RUN(cli_npy_fortran_order);
    RUN(cli_npy_truncated_and_trailing);
    RUN(cli_npy_bad_prefix);
    RUN(cli_npy_bad_dict);
    RUN(cli_npy_huge_shapes);
    RUN(cli_half_exhaustive);
    RUN(cli_npy_f64_out_of_range);
    RUN(cli_raw_reader);
    RUN(cli_text_reader);
    strcpy(tmpdir, "/tmp/tsamp-cli-XXXXXX");
    if (!mkdtemp(tmpdir)) {
        printf("FAIL cli_files: mkdtemp: %s\n", strerror(errno));
        return;
    }
    RUN(cli_file_loading);
    RUN(cli_flags_build_llama_chain);
    RUN(cli_flags_build_hf_chain);
    RUN(cli_flags_check_combinations);
    RUN(cli_flags_reject_bad_values);
    RUN(cli_flags_library_rejects);
    RUN(cli_explain_stages);
    RUN(cli_binary_sample_matches_library);
    cleanup();
}
