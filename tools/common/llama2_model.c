/*
 * llama2.c checkpoints: loading with full validation, and the Llama-2 forward pass
 * (RMSNorm, RoPE on adjacent pairs, grouped-query attention with a KV cache, SwiGLU FFN).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "llama2.h"
#include "llama2_internal.h"

enum { HEADER_BYTES = 7 * 4 };

/* Upper bounds far above any llama2.c model, low enough that no size computation overflows
 * and a corrupt header is reported as such instead of as a huge allocation. */
enum {
    MAX_DIM = 1 << 16,
    MAX_HIDDEN = 1 << 18,
    MAX_LAYERS = 1024,
    MAX_VOCAB = 1 << 22,
    MAX_SEQ = 1 << 20
};

/* The tensors in file order; the classifier exists only when vocab_size < 0. */
enum {
    T_EMB, T_RMS_ATT, T_WQ, T_WK, T_WV, T_WO, T_RMS_FFN, T_W1, T_W2, T_W3, T_RMS_FINAL,
    T_ROPE_COS, T_ROPE_SIN, T_WCLS, T_COUNT
};
static const char *const tensor_names[T_COUNT] = {
    "token_embedding", "rms_att", "wq", "wk", "wv", "wo", "rms_ffn", "w1", "w2", "w3",
    "rms_final", "rope_cos", "rope_sin", "wcls"};

/* The sizes the forward pass works with, as size_t. */
typedef struct {
    size_t dim, hidden, n_layers, n_heads, n_kv_heads, vocab, seq_len, head_size, kv_dim;
} dims;

struct llama2_model {
    llama2_config cfg;
    dims d;
    float *data;                  /* every float after the header */
    const float *tensor[T_COUNT]; /* into data; the classifier aliases the embedding if shared */
};

struct llama2_state {
    const llama2_model *model;
    float *x, *xb, *xb2, *hb, *hb2, *q, *att, *logits, *key_cache, *value_cache;
    float *rope_cos, *rope_sin; /* head_size / 2 entries for the current position */
    float *mem;
};

/* ---- loading ----------------------------------------------------------------------------- */

static int mul_u64(uint64_t a, uint64_t b, uint64_t *out) {
    if (a != 0 && b > UINT64_MAX / a) return 0;
    *out = a * b;
    return 1;
}

static int add_u64(uint64_t a, uint64_t b, uint64_t *out) {
    if (b > UINT64_MAX - a) return 0;
    *out = a + b;
    return 1;
}

static void describe(const llama2_config *c, char *buf, size_t cap) {
    snprintf(buf, cap,
             "dim=%d hidden_dim=%d n_layers=%d n_heads=%d n_kv_heads=%d vocab_size=%s%d "
             "seq_len=%d",
             (int)c->dim, (int)c->hidden_dim, (int)c->n_layers, (int)c->n_heads,
             (int)c->n_kv_heads, c->shared_classifier ? "" : "-", (int)c->vocab_size,
             (int)c->seq_len);
}

static int check_range(const char *path, const char *field, int32_t v, int32_t lo, int32_t hi,
                       char *err, size_t errlen) {
    if (v >= lo && v <= hi) return LLAMA2_OK;
    return llama2_fail(err, errlen, LLAMA2_ERR_FORMAT,
                       "%s: bad header: %s = %d, expected %d..%d (corrupt or not a llama2.c "
                       "checkpoint)",
                       path, field, (int)v, (int)lo, (int)hi);
}

/* Every header field on its own, then how they must fit together. */
static int parse_header(const char *path, const unsigned char *h, llama2_config *c, char *err,
                        size_t errlen) {
    int32_t f[7];
    for (int i = 0; i < 7; i++) {
        uint32_t u = llama2_le32(h + 4 * i);
        memcpy(&f[i], &u, sizeof u);
    }
    int rc;
    if ((rc = check_range(path, "dim", f[0], 1, MAX_DIM, err, errlen)) ||
        (rc = check_range(path, "hidden_dim", f[1], 1, MAX_HIDDEN, err, errlen)) ||
        (rc = check_range(path, "n_layers", f[2], 1, MAX_LAYERS, err, errlen)) ||
        (rc = check_range(path, "n_heads", f[3], 1, f[0], err, errlen)) ||
        (rc = check_range(path, "n_kv_heads", f[4], 1, f[3], err, errlen)) ||
        (rc = check_range(path, "vocab_size", f[5], -MAX_VOCAB, MAX_VOCAB, err, errlen)) ||
        (rc = check_range(path, "seq_len", f[6], 1, MAX_SEQ, err, errlen)))
        return rc;
    if (f[5] == 0)
        return llama2_fail(err, errlen, LLAMA2_ERR_FORMAT, "%s: bad header: vocab_size = 0",
                           path);
    if (f[0] % f[3] != 0)
        return llama2_fail(err, errlen, LLAMA2_ERR_FORMAT,
                           "%s: bad header: dim = %d is not a multiple of n_heads = %d", path,
                           (int)f[0], (int)f[3]);
    if ((f[0] / f[3]) % 2 != 0)
        return llama2_fail(err, errlen, LLAMA2_ERR_FORMAT,
                           "%s: bad header: head size dim / n_heads = %d is odd (RoPE rotates "
                           "pairs)",
                           path, (int)(f[0] / f[3]));
    if (f[3] % f[4] != 0)
        return llama2_fail(err, errlen, LLAMA2_ERR_FORMAT,
                           "%s: bad header: n_heads = %d is not a multiple of n_kv_heads = %d",
                           path, (int)f[3], (int)f[4]);
    c->dim = f[0], c->hidden_dim = f[1], c->n_layers = f[2], c->n_heads = f[3];
    c->n_kv_heads = f[4], c->seq_len = f[6];
    c->shared_classifier = f[5] > 0;
    c->vocab_size = f[5] > 0 ? f[5] : -f[5];
    return LLAMA2_OK;
}

static dims dims_of(const llama2_config *c) {
    dims d;
    d.dim = (size_t)c->dim, d.hidden = (size_t)c->hidden_dim, d.n_layers = (size_t)c->n_layers;
    d.n_heads = (size_t)c->n_heads, d.n_kv_heads = (size_t)c->n_kv_heads;
    d.vocab = (size_t)c->vocab_size, d.seq_len = (size_t)c->seq_len;
    d.head_size = d.dim / d.n_heads;
    d.kv_dim = d.dim * d.n_kv_heads / d.n_heads;
    return d;
}

/* Floats per tensor and in total (0 for an absent classifier). 0 on overflow. */
static int tensor_sizes(const llama2_config *c, uint64_t n[T_COUNT], uint64_t *total) {
    uint64_t dim = (uint64_t)c->dim, hid = (uint64_t)c->hidden_dim, L = (uint64_t)c->n_layers;
    uint64_t vocab = (uint64_t)c->vocab_size, seq = (uint64_t)c->seq_len;
    uint64_t kv = dim * (uint64_t)c->n_kv_heads / (uint64_t)c->n_heads;
    uint64_t hs = dim / (uint64_t)c->n_heads, dd, kd, hd;
    if (!mul_u64(dim, dim, &dd) || !mul_u64(kv, dim, &kd) || !mul_u64(hid, dim, &hd)) return 0;
    int ok = mul_u64(vocab, dim, &n[T_EMB]) && mul_u64(L, dim, &n[T_RMS_ATT]) &&
             mul_u64(L, dd, &n[T_WQ]) && mul_u64(L, kd, &n[T_WK]) && mul_u64(L, kd, &n[T_WV]) &&
             mul_u64(L, dd, &n[T_WO]) && mul_u64(L, dim, &n[T_RMS_FFN]) &&
             mul_u64(L, hd, &n[T_W1]) && mul_u64(L, hd, &n[T_W2]) && mul_u64(L, hd, &n[T_W3]) &&
             mul_u64(seq, hs / 2, &n[T_ROPE_COS]);
    if (!ok) return 0;
    n[T_RMS_FINAL] = dim;
    n[T_ROPE_SIN] = n[T_ROPE_COS];
    n[T_WCLS] = c->shared_classifier ? 0 : n[T_EMB];
    uint64_t sum = 0;
    for (int i = 0; i < T_COUNT; i++)
        if (!add_u64(sum, n[i], &sum)) return 0;
    *total = sum;
    return 1;
}

/* The file must hold exactly the header and the tensors it implies. */
static int check_file_size(const char *path, const llama2_config *c, uint64_t size,
                           uint64_t *n_floats, uint64_t n[T_COUNT], char *err, size_t errlen) {
    char cfg[160];
    describe(c, cfg, sizeof cfg);
    uint64_t expect;
    if (!tensor_sizes(c, n, n_floats) || !mul_u64(*n_floats, 4, &expect) ||
        !add_u64(expect, HEADER_BYTES, &expect))
        return llama2_fail(err, errlen, LLAMA2_ERR_FORMAT,
                           "%s: bad header: the sizes (%s) overflow", path, cfg);
    if (size < expect)
        return llama2_fail(err, errlen, LLAMA2_ERR_FORMAT,
                           "%s: truncated: the file has %llu bytes but its header (%s) needs "
                           "%llu",
                           path, (unsigned long long)size, cfg, (unsigned long long)expect);
    if (size > expect)
        return llama2_fail(err, errlen, LLAMA2_ERR_FORMAT,
                           "%s: wrong size: the file has %llu bytes but its header (%s) needs "
                           "exactly %llu (not a float32 llama2.c checkpoint?)",
                           path, (unsigned long long)size, cfg, (unsigned long long)expect);
    if (*n_floats > SIZE_MAX / sizeof(float))
        return llama2_fail(err, errlen, LLAMA2_ERR_NOMEM,
                           "%s: %llu bytes of weights do not fit in this address space", path,
                           (unsigned long long)(expect - HEADER_BYTES));
    return LLAMA2_OK;
}

/* The file's little-endian floats, in place, for any host byte order. */
static void floats_from_le(float *v, size_t n) {
    const unsigned char *b = (const unsigned char *)v;
    for (size_t i = 0; i < n; i++) {
        uint32_t u = llama2_le32(b + 4 * i);
        memcpy(&v[i], &u, sizeof u);
    }
}

/* Points each tensor into the data and rejects NaN/inf weights (the RoPE tables are unused
 * and not checked). */
static int map_tensors(const char *path, llama2_model *m, const uint64_t n[T_COUNT], char *err,
                       size_t errlen) {
    const float *p = m->data;
    for (int t = 0; t < T_COUNT; t++) {
        m->tensor[t] = p;
        size_t count = (size_t)n[t];
        if (t != T_ROPE_COS && t != T_ROPE_SIN)
            for (size_t i = 0; i < count; i++)
                if (!isfinite(p[i]))
                    return llama2_fail(err, errlen, LLAMA2_ERR_FORMAT,
                                       "%s: corrupt weights: %s[%zu] is not finite", path,
                                       tensor_names[t], i);
        p += count;
    }
    if (m->cfg.shared_classifier) m->tensor[T_WCLS] = m->tensor[T_EMB];
    return LLAMA2_OK;
}

static int load_from(FILE *f, const char *path, uint64_t size, llama2_model *m, char *err,
                     size_t errlen) {
    if (size < HEADER_BYTES)
        return llama2_fail(err, errlen, LLAMA2_ERR_FORMAT,
                           "%s: truncated: %llu bytes, shorter than the %d-byte header", path,
                           (unsigned long long)size, HEADER_BYTES);
    unsigned char h[HEADER_BYTES];
    uint64_t n[T_COUNT], n_floats = 0;
    int rc = llama2_read_exact(f, h, sizeof h, path, 0, err, errlen);
    if (!rc) rc = parse_header(path, h, &m->cfg, err, errlen);
    if (!rc) rc = check_file_size(path, &m->cfg, size, &n_floats, n, err, errlen);
    if (rc) return rc;
    m->d = dims_of(&m->cfg);
    m->data = malloc((size_t)n_floats * sizeof(float));
    if (!m->data)
        return llama2_fail(err, errlen, LLAMA2_ERR_NOMEM, "%s: out of memory for %llu weights",
                           path, (unsigned long long)n_floats);
    rc = llama2_read_exact(f, m->data, (size_t)n_floats * sizeof(float), path, HEADER_BYTES, err,
                           errlen);
    if (rc) return rc;
    floats_from_le(m->data, (size_t)n_floats);
    return map_tensors(path, m, n, err, errlen);
}

int llama2_model_load(const char *path, llama2_model **out, char *err, size_t errlen) {
    if (!path || !out) return llama2_fail(err, errlen, LLAMA2_ERR_ARG, "llama2: NULL argument");
    FILE *f = NULL;
    uint64_t size = 0;
    int rc = llama2_open_file(path, &f, &size, err, errlen);
    if (rc) return rc;
    llama2_model *m = calloc(1, sizeof *m);
    if (!m) {
        fclose(f);
        return llama2_fail(err, errlen, LLAMA2_ERR_NOMEM, "%s: out of memory", path);
    }
    rc = load_from(f, path, size, m, err, errlen);
    fclose(f);
    if (rc) {
        llama2_model_free(m);
        return rc;
    }
    *out = m;
    return LLAMA2_OK;
}

void llama2_model_free(llama2_model *m) {
    if (!m) return;
    free(m->data);
    free(m);
}

const llama2_config *llama2_model_config(const llama2_model *m) { return m ? &m->cfg : NULL; }

/* ---- state ------------------------------------------------------------------------------- */

int llama2_state_create(const llama2_model *m, llama2_state **out, char *err, size_t errlen) {
    if (!m || !out) return llama2_fail(err, errlen, LLAMA2_ERR_ARG, "llama2: NULL argument");
    const dims *d = &m->d;
    /* Sizes of x, xb, xb2, hb, hb2, q, att, logits, key_cache, value_cache, rope cos, sin. */
    uint64_t kv_cache = (uint64_t)d->n_layers * d->seq_len * d->kv_dim;
    uint64_t n[12] = {d->dim,    d->dim,   d->dim, d->hidden, d->hidden, d->dim,
                      (uint64_t)d->n_heads * d->seq_len, d->vocab, kv_cache, kv_cache,
                      d->head_size / 2, d->head_size / 2};
    uint64_t total = 0;
    for (int i = 0; i < 12; i++) total += n[i]; /* bounded by the header limits */
    llama2_state *s = calloc(1, sizeof *s);
    if (total > SIZE_MAX / sizeof(float) || !s ||
        !(s->mem = calloc((size_t)total, sizeof(float)))) {
        free(s);
        return llama2_fail(err, errlen, LLAMA2_ERR_NOMEM,
                           "llama2: out of memory for the state (%llu floats)",
                           (unsigned long long)total);
    }
    float **slot[12] = {&s->x,      &s->xb,          &s->xb2,       &s->hb,
                        &s->hb2,    &s->q,           &s->att,       &s->logits,
                        &s->key_cache, &s->value_cache, &s->rope_cos, &s->rope_sin};
    float *p = s->mem;
    for (int i = 0; i < 12; i++) {
        *slot[i] = p;
        p += (size_t)n[i];
    }
    s->model = m;
    *out = s;
    return LLAMA2_OK;
}

void llama2_state_free(llama2_state *s) {
    if (!s) return;
    free(s->mem);
    free(s);
}

/* ---- forward pass ------------------------------------------------------------------------ */

/* out = w * x / rms(x); out may be x. */
static void rmsnorm(float *out, const float *x, const float *w, size_t n) {
    float ss = 0.0f;
    for (size_t i = 0; i < n; i++) ss += x[i] * x[i];
    float inv = 1.0f / sqrtf(ss / (float)n + 1e-5f);
    for (size_t i = 0; i < n; i++) out[i] = w[i] * (inv * x[i]);
}

/* sum_c a[c] * b[c] in a fixed order: 8 interleaved partial sums (one chain of dependent adds
 * would make this latency-bound; 8 independent ones let the compiler use SIMD), then a fixed
 * pairwise tree, then the tail in order. */
static float dot(const float *a, const float *b, size_t n) {
    float p[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
    size_t c = 0;
    for (; c + 8 <= n; c += 8)
        for (size_t j = 0; j < 8; j++) p[j] += a[c + j] * b[c + j];
    float sum = ((p[0] + p[4]) + (p[2] + p[6])) + ((p[1] + p[5]) + (p[3] + p[7]));
    for (; c < n; c++) sum += a[c] * b[c];
    return sum;
}

/* out[r] = sum_c w[r][c] * x[c], w row-major [rows][cols]. */
static void matvec(float *out, const float *w, const float *x, size_t rows, size_t cols) {
    for (size_t r = 0; r < rows; r++) out[r] = dot(w + r * cols, x, cols);
}

/* out[i] = sum_t w[t] * v[t * stride + i] for i < n, each sum in t order. Blocks of 8 outputs
 * live in locals, which the compiler cannot do for `out` (it may alias w and v). */
static void weighted_sum(float *out, const float *w, const float *v, size_t stride, size_t n_t,
                         size_t n) {
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        float acc[8] = {0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f, 0.0f};
        for (size_t t = 0; t < n_t; t++)
            for (size_t j = 0; j < 8; j++) acc[j] += w[t] * v[t * stride + i + j];
        memcpy(out + i, acc, sizeof acc);
    }
    for (; i < n; i++) {
        float acc = 0.0f;
        for (size_t t = 0; t < n_t; t++) acc += w[t] * v[t * stride + i];
        out[i] = acc;
    }
}

static void softmax(float *x, size_t n) {
    float max = x[0];
    for (size_t i = 1; i < n; i++)
        if (x[i] > max) max = x[i];
    float sum = 0.0f;
    for (size_t i = 0; i < n; i++) {
        x[i] = expf(x[i] - max);
        sum += x[i];
    }
    for (size_t i = 0; i < n; i++) x[i] /= sum;
}

/* cos/sin of pos * theta^(-2i/head_size) for each pair i: the same for every head. */
static void rope_angles(llama2_state *s, size_t head_size, int32_t pos) {
    for (size_t i = 0; i < head_size / 2; i++) {
        float freq = 1.0f / powf(10000.0f, (float)(2 * i) / (float)head_size);
        float angle = (float)pos * freq;
        s->rope_cos[i] = cosf(angle);
        s->rope_sin[i] = sinf(angle);
    }
}

/* Rotates each adjacent pair (v[2i], v[2i+1]) of every head in v[0..n). */
static void rope_rotate(float *v, size_t n, size_t head_size, const float *cs, const float *sn) {
    for (size_t j = 0; j < n; j += 2) {
        size_t i = (j % head_size) / 2;
        float a = v[j], b = v[j + 1];
        v[j] = a * cs[i] - b * sn[i];
        v[j + 1] = a * sn[i] + b * cs[i];
    }
}

/* Self-attention of layer l at pos: q, k, v from s->xb; the heads' outputs into s->xb. */
static void attention(const llama2_model *m, llama2_state *s, size_t l, size_t pos) {
    const dims *d = &m->d;
    size_t hs = d->head_size, kv = d->kv_dim, group = d->n_heads / d->n_kv_heads;
    float *kc = s->key_cache + l * d->seq_len * kv, *vc = s->value_cache + l * d->seq_len * kv;
    matvec(s->q, m->tensor[T_WQ] + l * d->dim * d->dim, s->xb, d->dim, d->dim);
    matvec(kc + pos * kv, m->tensor[T_WK] + l * kv * d->dim, s->xb, kv, d->dim);
    matvec(vc + pos * kv, m->tensor[T_WV] + l * kv * d->dim, s->xb, kv, d->dim);
    rope_rotate(s->q, d->dim, hs, s->rope_cos, s->rope_sin);
    rope_rotate(kc + pos * kv, kv, hs, s->rope_cos, s->rope_sin);
    float scale = 1.0f / sqrtf((float)hs);
    for (size_t h = 0; h < d->n_heads; h++) {
        const float *q = s->q + h * hs;
        size_t off = (h / group) * hs; /* the kv head this query head shares */
        float *att = s->att + h * d->seq_len, *out = s->xb + h * hs;
        for (size_t t = 0; t <= pos; t++) att[t] = dot(q, kc + t * kv + off, hs) * scale;
        softmax(att, pos + 1);
        weighted_sum(out, att, vc + off, kv, pos + 1, hs);
    }
}

/* SwiGLU: xb = w2 (silu(w1 xb) * (w3 xb)). */
static void ffn(const llama2_model *m, llama2_state *s, size_t l) {
    const dims *d = &m->d;
    size_t hd = d->hidden * d->dim;
    matvec(s->hb, m->tensor[T_W1] + l * hd, s->xb, d->hidden, d->dim);
    matvec(s->hb2, m->tensor[T_W3] + l * hd, s->xb, d->hidden, d->dim);
    for (size_t i = 0; i < d->hidden; i++) {
        float g = s->hb[i];
        s->hb[i] = g / (1.0f + expf(-g)) * s->hb2[i];
    }
    matvec(s->xb, m->tensor[T_W2] + l * hd, s->hb, d->dim, d->hidden);
}

const float *llama2_forward(const llama2_model *m, llama2_state *s, int32_t token, int32_t pos) {
    if (!m || !s || s->model != m) return NULL;
    const dims *d = &m->d;
    if (token < 0 || (size_t)token >= d->vocab || pos < 0 || (size_t)pos >= d->seq_len)
        return NULL;
    memcpy(s->x, m->tensor[T_EMB] + (size_t)token * d->dim, d->dim * sizeof(float));
    rope_angles(s, d->head_size, pos);
    for (size_t l = 0; l < d->n_layers; l++) {
        rmsnorm(s->xb, s->x, m->tensor[T_RMS_ATT] + l * d->dim, d->dim);
        attention(m, s, l, (size_t)pos);
        matvec(s->xb2, m->tensor[T_WO] + l * d->dim * d->dim, s->xb, d->dim, d->dim);
        for (size_t i = 0; i < d->dim; i++) s->x[i] += s->xb2[i];
        rmsnorm(s->xb, s->x, m->tensor[T_RMS_FFN] + l * d->dim, d->dim);
        ffn(m, s, l);
        for (size_t i = 0; i < d->dim; i++) s->x[i] += s->xb[i];
    }
    rmsnorm(s->x, s->x, m->tensor[T_RMS_FINAL], d->dim);
    matvec(s->logits, m->tensor[T_WCLS], s->x, d->vocab, d->dim);
    return s->logits;
}
