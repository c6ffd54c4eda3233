/* .npy files: the header (npy_header.c) checked against the data that follows it. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "logit_data.h"
#include "npy_header.h"

/* "(2, 3)" for messages; "..." when it does not fit. */
static const char *shape_str(const npy_header *h, char *buf, size_t cap) {
    size_t n = (size_t)snprintf(buf, cap, "(");
    for (size_t i = 0; i < h->ndim && n < cap; i++)
        n += (size_t)snprintf(buf + n, cap - n, "%s%" PRIu64, i ? ", " : "", h->shape[i]);
    if (n < cap) n += (size_t)snprintf(buf + n, cap - n, h->ndim == 1 ? ",)" : ")");
    if (n >= cap && cap > 4) memcpy(buf + cap - 4, "...", 4);
    return buf;
}

int logit_npy_parse(const unsigned char *buf, size_t len, logit_data *out, logit_error *err) {
    npy_header h;
    char shape[96];
    memset(out, 0, sizeof *out);
    if (npy_header_parse(buf, len, &h, err) != 0) return -1;
    shape_str(&h, shape, sizeof shape);

    /* The product of the shape, in size_t, with every step checked: a header may claim any
     * size, and the data size below is computed from it. */
    size_t count = 1, vocab = h.ndim ? 0 : 1, item = (size_t)h.dtype;
    for (size_t i = 0; i < h.ndim; i++) {
        uint64_t d = h.shape[i];
        if (d > SIZE_MAX || (d && count > SIZE_MAX / (size_t)d))
            return logit_fail(err, h.shape_offset, "shape %s: too many elements", shape);
        count *= (size_t)d;
    }
    if (h.ndim) vocab = (size_t)h.shape[h.ndim - 1];
    if (vocab == 0)
        return logit_fail(err, h.shape_offset, "shape %s: the vocabulary (last dimension) is "
                                               "empty", shape);
    if (vocab > INT32_MAX)
        return logit_fail(err, h.shape_offset, "shape %s: a vocabulary of %zu tokens is more "
                          "than the library's limit of %" PRId32, shape, vocab, INT32_MAX);
    if (count == 0)
        return logit_fail(err, h.shape_offset, "shape %s: no steps (a leading dimension is 0)",
                          shape);
    if (count > SIZE_MAX / item)
        return logit_fail(err, h.shape_offset, "shape %s: too many bytes of data", shape);

    size_t need = count * item, have = len - h.data_offset;
    if (have < need)
        return logit_fail(err, len, "truncated .npy data: shape %s of %zu-byte items needs %zu "
                          "bytes from byte %zu, the file ends after %zu", shape, item, need,
                          h.data_offset, have);
    if (have > need)
        return logit_fail(err, h.data_offset + need, "%zu bytes after the end of the array "
                          "data (shape %s of %zu-byte items)", have - need, shape, item);

    out->n_vocab = vocab;
    out->n_steps = count / vocab;
    out->data = buf + h.data_offset;
    out->data_offset = h.data_offset;
    out->dtype = h.dtype;
    out->big_endian = h.big_endian;
    if (h.fortran_order && h.ndim >= 2) { /* 0-D and 1-D arrays are the same either way */
        out->fortran = 1;
        out->n_lead = h.ndim - 1;
        memcpy(out->lead, h.shape, out->n_lead * sizeof out->lead[0]);
    }
    return 0;
}
