/* Whole-file reading (regular files, pipes, standard input) and the choice of parser. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "logit_file.h"

/* Reads f to its end into a malloc'd buffer; 0, or an errno value. */
static int read_all(FILE *f, size_t hint, unsigned char **buf, size_t *len) {
    size_t cap = hint < 4096 ? 4096 : hint + 1, n = 0; /* + 1: room to see the end */
    unsigned char *b = malloc(cap);
    if (!b) return ENOMEM;
    for (;;) {
        n += fread(b + n, 1, cap - n, f);
        if (ferror(f)) {
            int e = errno ? errno : EIO;
            free(b);
            return e;
        }
        if (feof(f)) break;
        if (n == cap) {
            unsigned char *nb = cap <= SIZE_MAX / 2 ? realloc(b, cap * 2) : NULL;
            if (!nb) {
                free(b);
                return ENOMEM;
            }
            b = nb;
            cap *= 2;
        }
    }
    *buf = b;
    *len = n;
    return 0;
}

static int has_npy_suffix(const char *path) {
    size_t n = strlen(path);
    return n >= 4 && strcmp(path + n - 4, ".npy") == 0;
}

int logit_file_load(const char *path, logit_format format, size_t raw_vocab, logit_data *out,
                    char *msg, size_t cap) {
    int std_in = strcmp(path, "-") == 0;
    const char *name = std_in ? "<stdin>" : path;
    memset(out, 0, sizeof *out);
    FILE *f = std_in ? stdin : fopen(path, "rb");
    if (!f) {
        snprintf(msg, cap, "%s: %s", name, strerror(errno));
        return -1;
    }
    struct stat st;
    size_t hint = 0;
    int rc = fstat(fileno(f), &st) == 0 ? 0 : errno;
    if (!rc && S_ISDIR(st.st_mode)) rc = EISDIR;
    if (!rc && S_ISREG(st.st_mode) && st.st_size > 0) hint = (size_t)st.st_size;
    unsigned char *buf = NULL;
    size_t len = 0;
    if (!rc) rc = read_all(f, hint, &buf, &len);
    if (!std_in) fclose(f);
    if (rc) {
        snprintf(msg, cap, "%s: %s", name, strerror(rc));
        return -1;
    }

    static const unsigned char magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
    if (format == LOGIT_FORMAT_AUTO)
        format = (len >= 6 && !memcmp(buf, magic, 6)) || has_npy_suffix(path) ? LOGIT_FORMAT_NPY
                                                                              : LOGIT_FORMAT_TEXT;
    logit_error err;
    if (format == LOGIT_FORMAT_NPY) rc = logit_npy_parse(buf, len, out, &err);
    else if (format == LOGIT_FORMAT_RAW) rc = logit_raw_parse(buf, len, raw_vocab, out, &err);
    else rc = logit_text_parse((const char *)buf, len, out, &err);
    if (rc != 0) {
        snprintf(msg, cap, "%s: byte %zu: %s", name, err.offset, err.message);
        free(buf);
        memset(out, 0, sizeof *out);
        return -1;
    }
    if (out->values) free(buf); /* text: the values are copies */
    else out->file = buf;
    return 0;
}
