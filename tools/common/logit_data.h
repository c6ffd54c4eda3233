/*
 * Logits read from a file: n_steps rows of n_vocab values each (one row per sampling step),
 * kept in the file's own encoding and converted to float32 one row at a time, so a file costs
 * its own size in memory and nothing more.
 *
 * The parsers work on bytes in memory (the fuzz targets call them directly); logit_file.h
 * reads a file and names it in error messages. Every parser either succeeds or fills a
 * logit_error with the byte offset of the problem; none reads outside [buf, buf + len).
 */
#ifndef TSAMP_LOGIT_DATA_H
#define TSAMP_LOGIT_DATA_H

#include <stddef.h>
#include <stdint.h>

#define LOGIT_MAX_DIMS 32 /* NumPy's historical NPY_MAXDIMS */

/* Where and what: offset is a byte offset in the parsed input. */
typedef struct {
    size_t offset;
    char message[208];
} logit_error;

/* Element encodings; the value is the item size in bytes. */
typedef enum { LOGIT_F16 = 2, LOGIT_F32 = 4, LOGIT_F64 = 8 } logit_dtype;

typedef struct {
    size_t n_steps; /* >= 1 */
    size_t n_vocab; /* 1 .. INT32_MAX */
    /* Binary inputs (.npy, raw): the items, borrowed from the parsed buffer. */
    const unsigned char *data;
    size_t data_offset; /* where data starts in the input (for error offsets) */
    logit_dtype dtype;
    int big_endian;
    /* Fortran (column-major) order: element (step, v) of the steps' shape lead[0..n_lead). */
    int fortran;
    size_t n_lead;
    uint64_t lead[LOGIT_MAX_DIMS];
    /* Text inputs: the values, row-major, owned. */
    float *values;
    /* The file's bytes when logit_file_load read them (owned), else NULL. */
    unsigned char *file;
} logit_data;

/**
 * Writes row `step` (< n_steps) as n_vocab floats. float64 values that do not fit a float32
 * (finite, but beyond FLT_MAX once rounded) are an error naming the element's byte offset;
 * NaN and infinities are passed through (the library decides what they mean).
 * @return 0, or -1 with *err filled.
 */
int logit_data_row(const logit_data *d, size_t step, float *out, logit_error *err);

/** Frees what d owns and zeroes it. Accepts a zeroed or already freed d. */
void logit_data_free(logit_data *d);

/** Fills *err (offset, printf-style message) and returns -1: how the parsers fail. */
int logit_fail(logit_error *err, size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** IEEE binary16 bits to float32, exactly (subnormals, infinities and NaN included). */
float logit_half_to_float(uint16_t h);

/**
 * Raw little-endian float32, n_vocab values per step: len must be a non-zero multiple of
 * 4 * n_vocab. *out borrows buf. @return 0, or -1 with *err filled.
 */
int logit_raw_parse(const unsigned char *buf, size_t len, size_t n_vocab, logit_data *out,
                    logit_error *err);

/**
 * A NumPy .npy file (format versions 1.0, 2.0, 3.0) of float16, float32 or float64, either
 * byte order, C or Fortran order. Shape () is one step of one token; (V,) one step; (..., V)
 * one step per index of the leading dimensions, in C order. The data must be exactly
 * product(shape) items long. *out borrows buf. @return 0, or -1 with *err filled.
 */
int logit_npy_parse(const unsigned char *buf, size_t len, logit_data *out, logit_error *err);

/**
 * Text: numbers separated by blanks, one step per line; every line holds the same count.
 * Blank lines are skipped and '#' starts a comment that runs to the end of the line.
 * A number is a C decimal float ("-1.5", ".5", "2e-3") or inf, infinity, nan with an
 * optional sign, any case. A finite number beyond the float32 range is an error; tiny ones
 * round (to a subnormal or 0). *out owns its values. @return 0, or -1 with *err filled.
 */
int logit_text_parse(const char *buf, size_t len, logit_data *out, logit_error *err);

#endif
