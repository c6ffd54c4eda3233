/* The header of a NumPy .npy file: magic, version, length and the Python dict literal. */
#ifndef TSAMP_NPY_HEADER_H
#define TSAMP_NPY_HEADER_H

#include <stddef.h>
#include <stdint.h>

#include "logit_data.h"

typedef struct {
    int major;          /* format version: 1, 2 or 3 (minor is always 0) */
    size_t data_offset; /* first byte after the header: the array data */
    logit_dtype dtype;
    int big_endian;
    int fortran_order;
    size_t ndim;
    uint64_t shape[LOGIT_MAX_DIMS];
    size_t shape_offset; /* where the shape tuple starts, for errors about it */
} npy_header;

/**
 * Parses and strictly validates the header at the start of buf, following the .npy format
 * specification (numpy.lib.format): the magic "\x93NUMPY", version 1.0 (2-byte HEADER_LEN),
 * 2.0 or 3.0 (4-byte HEADER_LEN), then HEADER_LEN bytes holding a Python dict literal with
 * exactly the keys 'descr', 'fortran_order' and 'shape' in any order, ending in a newline.
 * Accepted values: descr '<f2' '>f2' '<f4' '>f4' '<f8' '>f8'; fortran_order True or False;
 * shape a tuple of non-negative decimal integers ("()", "(5,)", "(2, 5)"; Python 2's "5L" in
 * versions 1.0 and 2.0). Single or double quotes; blanks and newlines between tokens; a
 * trailing comma. Anything else (other dtypes, structured dtypes, escapes, duplicate,
 * missing or unknown keys, more than LOGIT_MAX_DIMS dimensions, a dimension beyond 2^64 - 1)
 * is an error at its offset. The shape is not checked against the data: see logit_npy_parse.
 * @return 0, or -1 with *err filled.
 */
int npy_header_parse(const unsigned char *buf, size_t len, npy_header *h, logit_error *err);

#endif
