/* File access and error messages shared by the checkpoint and tokenizer readers. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/stat.h>

#include "llama2.h"
#include "llama2_internal.h"

int llama2_fail(char *err, size_t errlen, int code, const char *fmt, ...) {
    if (err && errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return code;
}

int llama2_open_file(const char *path, FILE **f, uint64_t *size, char *err, size_t errlen) {
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        int e = errno;
        return llama2_fail(err, errlen, e == ENOENT ? LLAMA2_ERR_NOT_FOUND : LLAMA2_ERR_IO,
                           "%s: cannot open: %s", path, strerror(e));
    }
    struct stat st;
    if (fstat(fileno(fp), &st) != 0) {
        int e = errno;
        fclose(fp);
        return llama2_fail(err, errlen, LLAMA2_ERR_IO, "%s: cannot stat: %s", path, strerror(e));
    }
    /* A directory opens fine on Linux and only fails at the first read. */
    if (!S_ISREG(st.st_mode) || st.st_size < 0) {
        fclose(fp);
        return llama2_fail(err, errlen, LLAMA2_ERR_IO, "%s: not a regular file", path);
    }
    *f = fp;
    *size = (uint64_t)st.st_size;
    return LLAMA2_OK;
}

int llama2_read_exact(FILE *f, void *buf, size_t n, const char *path, uint64_t at, char *err,
                      size_t errlen) {
    size_t got = fread(buf, 1, n, f);
    if (got == n) return LLAMA2_OK;
    if (ferror(f))
        return llama2_fail(err, errlen, LLAMA2_ERR_IO, "%s: read error at byte %llu: %s", path,
                           (unsigned long long)(at + got), strerror(errno));
    /* The size was checked first, so the file shrank while being read. */
    return llama2_fail(err, errlen, LLAMA2_ERR_IO, "%s: unexpected end of file at byte %llu",
                       path, (unsigned long long)(at + got));
}

uint32_t llama2_le32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
