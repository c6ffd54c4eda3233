/* One row of a logit file as float32, whatever its encoding; the raw float32 reader. */
#include <float.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "logit_data.h"

int logit_fail(logit_error *err, size_t offset, const char *fmt, ...) {
    va_list ap;
    err->offset = offset;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return -1;
}

float logit_half_to_float(uint16_t h) {
    uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1fu, man = h & 0x3ffu, bits;
    if (exp == 0x1f) { /* inf or NaN: keep the payload's top bits */
        bits = sign | 0x7f800000u | (man << 13);
    } else if (exp != 0) {
        bits = sign | ((exp + 112u) << 23) | (man << 13); /* rebias 15 -> 127 */
    } else if (man == 0) {
        bits = sign;
    } else { /* subnormal: man * 2^-24, normal as a float */
        uint32_t e = 113; /* the exponent field of 2^-14 */
        while (!(man & 0x400u)) {
            man <<= 1;
            e--;
        }
        bits = sign | (e << 23) | ((man & 0x3ffu) << 13);
    }
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

/* Bytes in the file's order to an unsigned integer, independently of the host's order. */
static uint64_t load_uint(const unsigned char *p, size_t size, int big_endian) {
    uint64_t v = 0;
    for (size_t i = 0; i < size; i++) v |= (uint64_t)p[big_endian ? size - 1 - i : i] << (8 * i);
    return v;
}

static int item_to_float(const logit_data *d, size_t item, float *out, logit_error *err) {
    const unsigned char *p = d->data + item * (size_t)d->dtype;
    uint64_t v = load_uint(p, (size_t)d->dtype, d->big_endian);
    if (d->dtype == LOGIT_F16) {
        *out = logit_half_to_float((uint16_t)v);
    } else if (d->dtype == LOGIT_F32) {
        uint32_t b = (uint32_t)v;
        memcpy(out, &b, sizeof *out);
    } else {
        double x;
        memcpy(&x, &v, sizeof x);
        float f = (float)x;
        /* A finite double that rounds to infinity would become a different logit. */
        if ((f > FLT_MAX || f < -FLT_MAX) && x - x == 0.0)
            return logit_fail(err, d->data_offset + item * 8u,
                              "float64 value %.17g does not fit in float32", x);
        *out = f;
    }
    return 0;
}

/* Index of the first item of a row in Fortran order: the row's C-order multi-index over the
 * leading dimensions, weighted by their column-major strides. */
static size_t fortran_base(const logit_data *d, size_t step) {
    size_t base = 0, stride = 1, rest = step;
    size_t strides[LOGIT_MAX_DIMS];
    for (size_t j = 0; j < d->n_lead; j++) {
        strides[j] = stride;
        stride *= (size_t)d->lead[j];
    }
    for (size_t j = d->n_lead; j-- > 0;) {
        base += (rest % (size_t)d->lead[j]) * strides[j];
        rest /= (size_t)d->lead[j];
    }
    return base;
}

int logit_data_row(const logit_data *d, size_t step, float *out, logit_error *err) {
    if (step >= d->n_steps)
        return logit_fail(err, 0, "step %zu is past the last step (%zu)", step, d->n_steps - 1);
    if (d->values) {
        memcpy(out, d->values + step * d->n_vocab, d->n_vocab * sizeof *out);
        return 0;
    }
    /* C order: the row is contiguous. Fortran order: the vocabulary index is the slowest,
     * so consecutive tokens of a row are n_steps items apart. */
    size_t first = d->fortran ? fortran_base(d, step) : step * d->n_vocab;
    size_t stride = d->fortran ? d->n_steps : 1;
    for (size_t v = 0; v < d->n_vocab; v++)
        if (item_to_float(d, first + v * stride, &out[v], err) != 0) return -1;
    return 0;
}

void logit_data_free(logit_data *d) {
    free(d->values);
    free(d->file);
    memset(d, 0, sizeof *d);
}

int logit_raw_parse(const unsigned char *buf, size_t len, size_t n_vocab, logit_data *out,
                    logit_error *err) {
    memset(out, 0, sizeof *out);
    if (n_vocab == 0 || n_vocab > INT32_MAX)
        return logit_fail(err, 0, "raw input needs a vocabulary size of 1 .. %" PRId32 ", not %zu",
                          INT32_MAX, n_vocab);
    size_t row = 4 * n_vocab;
    if (len == 0) return logit_fail(err, 0, "empty file: no logits");
    if (len % row != 0)
        return logit_fail(err, len - len % row,
                          "%zu bytes is not a whole number of steps of %zu float32 values "
                          "(%zu bytes each): the last step is truncated",
                          len, n_vocab, row);
    out->n_steps = len / row;
    out->n_vocab = n_vocab;
    out->data = buf;
    out->dtype = LOGIT_F32;
    return 0;
}
