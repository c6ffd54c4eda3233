/* Helpers shared by the llama2_*.c files (not part of the tools' API). */
#ifndef TSAMP_TOOLS_LLAMA2_INTERNAL_H
#define TSAMP_TOOLS_LLAMA2_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Writes the formatted message to err (if errlen > 0) and returns code. */
int llama2_fail(char *err, size_t errlen, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Opens a regular file for reading and reports its size. LLAMA2_ERR_NOT_FOUND when it does
 * not exist, LLAMA2_ERR_IO when it cannot be opened or is not a regular file. */
int llama2_open_file(const char *path, FILE **f, uint64_t *size, char *err, size_t errlen);

/* Reads exactly n bytes at the current offset (`at`, for the message). */
int llama2_read_exact(FILE *f, void *buf, size_t n, const char *path, uint64_t at, char *err,
                      size_t errlen);

/* The little-endian 32-bit word at p, whatever the host's byte order. */
uint32_t llama2_le32(const unsigned char *p);

#endif
