/* Reading a logit file (or standard input) into a logit_data, with errors that name it. */
#ifndef TSAMP_LOGIT_FILE_H
#define TSAMP_LOGIT_FILE_H

#include <stddef.h>

#include "logit_data.h"

typedef enum {
    LOGIT_FORMAT_AUTO, /* .npy if the file starts with the .npy magic or its name ends in
                          ".npy", else text */
    LOGIT_FORMAT_NPY,
    LOGIT_FORMAT_RAW, /* little-endian float32, needs the vocabulary size */
    LOGIT_FORMAT_TEXT
} logit_format;

/**
 * Reads `path` ("-" for standard input) whole and parses it. *out owns the bytes.
 * @param raw_vocab  values per step for LOGIT_FORMAT_RAW (ignored otherwise).
 * @param msg        on failure, "PATH: byte N: what is wrong" or "PATH: <system error>".
 * @return 0, or -1 (with *out zeroed).
 */
int logit_file_load(const char *path, logit_format format, size_t raw_vocab, logit_data *out,
                    char *msg, size_t cap);

#endif
