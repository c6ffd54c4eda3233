/* Decoding fuzz inputs (see input.h). */
#include "input.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

void fuzz_input_init(fuzz_input *in, const uint8_t *data, size_t size) {
    in->data = data;
    in->begin = 0;
    in->end = size;
}

size_t fuzz_input_left(const fuzz_input *in) { return in->end - in->begin; }

uint8_t fuzz_take_u8(fuzz_input *in) { return in->end > in->begin ? in->data[--in->end] : 0; }

uint16_t fuzz_take_u16(fuzz_input *in) {
    uint16_t hi = fuzz_take_u8(in);
    return (uint16_t)((hi << 8) | fuzz_take_u8(in));
}

uint32_t fuzz_take_u32(fuzz_input *in) {
    uint32_t hi = fuzz_take_u16(in);
    return (hi << 16) | fuzz_take_u16(in);
}

uint64_t fuzz_take_u64(fuzz_input *in) {
    uint64_t hi = fuzz_take_u32(in);
    return (hi << 32) | fuzz_take_u32(in);
}

float fuzz_take_raw_float(fuzz_input *in) {
    uint32_t u = fuzz_take_u32(in);
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static float pick(const float *table, size_t n, uint8_t b) { return table[b % n]; }

float fuzz_take_temperature(fuzz_input *in) {
    static const float edge[] = {0.0f,      -0.0f,   1.0f,    -1.0f,     NAN,    INFINITY,
                                 -INFINITY, FLT_MAX, FLT_MIN, 0x1p-149f, 1e-39f, 2.9e-39f,
                                 3e-39f,    1e-20f,  1e20f,   1e30f,     1e38f,  0.5f,
                                 2.0f,      1e-6f,   1e-3f,   0.7f,      1.5f,   100.0f};
    switch (fuzz_take_u8(in) % 4) {
    case 0: return fuzz_take_raw_float(in);
    case 1: return (float)fuzz_take_u8(in) / 32.0f; /* 0 (greedy) .. 7.97 */
    case 2: return pick(edge, COUNT(edge), fuzz_take_u8(in));
    default: return (float)fuzz_take_u16(in) / 4096.0f;
    }
}

float fuzz_take_p(fuzz_input *in) {
    static const float edge[] = {0.0f,      -0.0f,    1.0f,      0x1.fffffep-1f, 0x1.000002p+0f,
                                 NAN,       INFINITY, -INFINITY, -1.0f,          FLT_MIN,
                                 0x1p-149f, 0.5f,     2.0f,      1e-10f,         0.9f,
                                 0.95f,     0.05f,    0.1f,      1e-6f,          0.999f};
    switch (fuzz_take_u8(in) % 4) {
    case 0: return fuzz_take_raw_float(in);
    case 1: return (float)fuzz_take_u16(in) / 65535.0f;
    case 2: return pick(edge, COUNT(edge), fuzz_take_u8(in));
    default: return (float)fuzz_take_u16(in) / 65535.0f * 1.25f - 0.125f;
    }
}

int32_t fuzz_take_k(fuzz_input *in) {
    static const int32_t edge[] = {0, -1, 1, 2, 3, 40, INT32_MAX, INT32_MIN, 1000, 65536};
    switch (fuzz_take_u8(in) % 4) {
    case 0: return (int32_t)fuzz_take_u32(in);
    case 1: return fuzz_take_u8(in);
    case 2: return edge[fuzz_take_u8(in) % COUNT(edge)];
    default: return (int8_t)fuzz_take_u8(in);
    }
}

size_t fuzz_take_min_keep(fuzz_input *in) {
    static const size_t edge[] = {0, 1, 2, SIZE_MAX, SIZE_MAX / 2, 1000};
    switch (fuzz_take_u8(in) % 4) {
    case 0: return fuzz_take_u8(in) % 4;
    case 1: return fuzz_take_u8(in);
    case 2: return (size_t)fuzz_take_u64(in);
    default: return edge[fuzz_take_u8(in) % COUNT(edge)];
    }
}

uint64_t fuzz_take_word(fuzz_input *in) {
    return fuzz_take_u8(in) % 2 ? fuzz_take_u64(in) : fuzz_take_u8(in);
}

float fuzz_take_shift(fuzz_input *in) {
    static const float edge[] = {0.0f, 1.0f, -1.0f, 1e30f, -1e30f, 1024.0f, 0.5f, FLT_MAX};
    switch (fuzz_take_u8(in) % 3) {
    case 0: return (float)(int8_t)fuzz_take_u8(in) / 4.0f;
    case 1: return fuzz_take_raw_float(in);
    default: return pick(edge, COUNT(edge), fuzz_take_u8(in));
    }
}

/* Edge values for the palette mode; NaN and +inf get their own byte values so that they
 * are reachable but do not make most palette vectors invalid. */
static float palette(uint8_t b) {
    static const float edge[] = {
        0.0f,     -0.0f,   1.0f,   -1.0f,     0.5f,        2.0f,         -INFINITY,  FLT_MAX,
        -FLT_MAX, 1e38f,   -1e38f, FLT_MIN,   -FLT_MIN,    0x1p-149f,    -0x1p-149f, 88.72f,
        -87.3f,   -104.0f, 1e-30f, 3.0f,      -3.0f,       10.0f,        -10.0f,     100.0f,
        -100.0f,  1e20f,   -1e20f, 0x1p-127f, 16777216.0f, -16777217.0f, 0.25f,      -0.25f};
    if (b == 0xff) return NAN;
    if (b == 0xfe) return INFINITY;
    return edge[b % COUNT(edge)];
}

enum { MODE_RAW, MODE_I8, MODE_I16, MODE_PALETTE, N_MODES };

size_t fuzz_take_logits(fuzz_input *in, size_t max_n, float **out) {
    int mode = fuzz_take_u8(in) % N_MODES;
    uint8_t rep = fuzz_take_u8(in);
    float step = (float)(int8_t)fuzz_take_u8(in) / 8.0f;
    const uint8_t *p = in->data + in->begin;
    size_t bytes = fuzz_input_left(in);
    in->begin = in->end;
    size_t width = mode == MODE_RAW ? 4 : mode == MODE_I16 ? 2 : 1;
    size_t count = bytes / width;
    if (count > max_n) count = max_n;
    /* rep < 248: one copy (large vectors are slow to check: keep them a small share); else
     * 2, 4, ... 256 copies, up to max_n entries in all. */
    size_t copies = rep < 248 ? 1 : (size_t)2 << (rep - 248);
    if (count == 0) {
        *out = NULL;
        return 0;
    }
    if (copies > max_n / count) copies = max_n / count;
    if (copies == 0) copies = 1;
    size_t n = count * copies;
    float *x = malloc(n * sizeof *x);
    if (!x) return SIZE_MAX;
    for (size_t i = 0; i < count; i++) {
        const uint8_t *b = p + i * width;
        if (mode == MODE_RAW) {
            memcpy(&x[i], b, sizeof x[i]);
        } else if (mode == MODE_I8) {
            int8_t v = (int8_t)b[0];
            x[i] = v == INT8_MIN ? -INFINITY : (float)v / 4.0f;
        } else if (mode == MODE_I16) {
            int16_t v = (int16_t)(uint16_t)(b[0] | (b[1] << 8));
            x[i] = v == INT16_MIN ? -INFINITY : (float)v / 256.0f;
        } else {
            x[i] = palette(b[0]);
        }
    }
    for (size_t j = 1; j < copies; j++)
        for (size_t i = 0; i < count; i++) x[j * count + i] = x[i] - (float)j * step;
    *out = x;
    return n;
}

float *fuzz_warm_logits(const float *x, size_t n, uint8_t how) {
    static const float factor[] = {1.0f, 0.5f, 2.0f, 4.0f, 0.25f, -1.0f, 16.0f};
    if (how % 8 == 7) return NULL;
    float *w = malloc(n * sizeof *w);
    if (!w) return NULL;
    float f = factor[how % 8];
    for (size_t i = 0; i < n; i++) w[i] = x[n - 1 - i] * f;
    return w;
}
