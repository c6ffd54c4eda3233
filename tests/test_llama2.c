/*
 * The llama2.c model used by tsamp-demo (tools/common/llama2*.c): the real stories260K model
 * gives its known greedy text and the same seeded story on every ISA path; broken files (a
 * real or a tiny hand-made checkpoint, missing, truncated, with a bad header, a bad tokenizer)
 * give a clear error, never a crash.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "llama2.h"
#include "testutil.h"
#include "tsamp.h"

/* Relative to the repository root, where `make test` runs. */
#define MODEL_DIR "../shared/models/stories260K"
#define MODEL_PATH MODEL_DIR "/stories260K.bin"
#define TOKENIZER_PATH MODEL_DIR "/tok512.bin"

static const char greedy_prefix[] =
    "Once upon a time, there was a little girl named Lily. She loved to play outside in the "
    "park.";

enum { STORY_STEPS = 256 };

/* ---- helpers ------------------------------------------------------------------------------ */

static void put_le32(unsigned char *p, uint32_t u) {
    p[0] = (unsigned char)u, p[1] = (unsigned char)(u >> 8);
    p[2] = (unsigned char)(u >> 16), p[3] = (unsigned char)(u >> 24);
}

static void put_i32(unsigned char *p, int32_t v) {
    uint32_t u;
    memcpy(&u, &v, sizeof u);
    put_le32(p, u);
}

static void put_f32(unsigned char *p, float f) { put_le32(p, tu_bits(f)); }

/* Writes n bytes to a new file under /tmp; path receives its name (remove it after use). */
static int write_temp(const void *data, size_t n, char path[64]) {
    snprintf(path, 64, "/tmp/tsamp-llama2-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0) return 0;
    const unsigned char *p = data;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w <= 0) break;
        p += w, n -= (size_t)w;
    }
    close(fd);
    return n == 0;
}

static unsigned char *read_whole(const char *path, size_t *size) {
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    long n;
    if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
        (buf = malloc((size_t)n + 1)) && fread(buf, 1, (size_t)n, f) == (size_t)n) {
        *size = (size_t)n;
    } else {
        free(buf);
        buf = NULL;
    }
    if (f) fclose(f);
    return buf;
}

/* Loads `size` bytes as a checkpoint through a temp file: the status, the message in err. */
static int load_model_bytes(const unsigned char *data, size_t size, char path[64], char *err,
                            size_t errlen) {
    llama2_model *m = NULL;
    if (!write_temp(data, size, path)) {
        check_fail(__FILE__, __LINE__, "cannot write a temp file");
        return -1;
    }
    int rc = llama2_model_load(path, &m, err, errlen);
    CHECKF((rc == LLAMA2_OK) == (m != NULL), "rc %d with model %p", rc, (void *)m);
    llama2_model_free(m);
    remove(path);
    return rc;
}

static int load_tokenizer_bytes(const unsigned char *data, size_t size, int32_t vocab,
                                char path[64], char *err, size_t errlen) {
    llama2_tokenizer *t = NULL;
    if (!write_temp(data, size, path)) {
        check_fail(__FILE__, __LINE__, "cannot write a temp file");
        return -1;
    }
    int rc = llama2_tokenizer_load(path, vocab, &t, err, errlen);
    CHECKF((rc == LLAMA2_OK) == (t != NULL), "rc %d with tokenizer %p", rc, (void *)t);
    llama2_tokenizer_free(t);
    remove(path);
    return rc;
}

/* The status is `want` and the message names the file and contains `what`. */
#define CHECK_ERROR(rc, want, err, path, what)                                               \
    do {                                                                                      \
        CHECKF((rc) == (want), "status %d, expected %d (%s): %s", (rc), (want), (what),      \
               (err));                                                                        \
        CHECKF(strstr((err), (path)) != NULL, "message does not name %s: %s", (path), (err)); \
        CHECKF(strstr((err), (what)) != NULL, "message does not say \"%s\": %s", (what),     \
               (err));                                                                        \
    } while (0)

/* ---- a tiny hand-made checkpoint and tokenizer ---------------------------------------------- */

/* dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len */
static const int32_t tiny_header[7] = {8, 12, 2, 4, 2, 16, 8};

/* Floats after the header (the format: see tools/common/llama2.h). */
static size_t tiny_floats(const int32_t h[7]) {
    size_t dim = (size_t)h[0], hid = (size_t)h[1], L = (size_t)h[2];
    size_t vocab = (size_t)(h[5] < 0 ? -h[5] : h[5]), seq = (size_t)h[6];
    size_t kv = dim * (size_t)h[4] / (size_t)h[3], hs = dim / (size_t)h[3];
    size_t n = vocab * dim + L * (2 * dim + 2 * dim * dim + 2 * kv * dim + 3 * hid * dim) + dim +
               seq * hs;
    return n + (h[5] < 0 ? vocab * dim : 0);
}

/* A checkpoint with header h and small seeded weights (the classifier, if separate, last). */
static unsigned char *tiny_checkpoint(const int32_t h[7], size_t *size) {
    size_t n = tiny_floats(h);
    unsigned char *b = malloc(28 + 4 * n);
    if (!b) return NULL;
    for (int i = 0; i < 7; i++) put_i32(b + 4 * i, h[i]);
    tu_rng r = {7};
    for (size_t i = 0; i < n; i++) put_f32(b + 28 + 4 * i, (float)(tu_unif(&r) - 0.5));
    *size = 28 + 4 * n;
    return b;
}

/* 16 pieces: the special tokens, two byte pieces, words with and without a leading space. */
static const char *const tiny_pieces[16] = {
    "<unk>", "\n<s>\n", "\n</s>\n", "<0x0A>", "<0x41>", "<0x00>", " Once", " upon",
    "a",     " time",   ",",        "<0xzz>", "<0x4",   "x",      "",       " "};

static unsigned char *tiny_tokenizer(size_t *size) {
    size_t n = 4;
    for (int i = 0; i < 16; i++) n += 8 + strlen(tiny_pieces[i]);
    unsigned char *b = malloc(n), *p = b + 4;
    if (!b) return NULL;
    put_i32(b, 6);
    for (int i = 0; i < 16; i++) {
        size_t len = strlen(tiny_pieces[i]);
        put_f32(p, -(float)i);
        put_i32(p + 4, (int32_t)len);
        memcpy(p + 8, tiny_pieces[i], len);
        p += 8 + len;
    }
    *size = n;
    return b;
}

/* ---- the real model ------------------------------------------------------------------------ */

typedef struct {
    llama2_model *model;
    llama2_tokenizer *tok;
    llama2_state *state;
} real_model;

static int model_dir_exists(void) {
    struct stat st;
    return stat(MODEL_DIR, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Loads stories260K, or marks the test skipped when its folder is absent. */
static int real_open(real_model *r) {
    char err[512];
    memset(r, 0, sizeof *r);
    if (!model_dir_exists()) {
        check_skip("model not found at %s", MODEL_DIR);
        return 0;
    }
    int rc = llama2_model_load(MODEL_PATH, &r->model, err, sizeof err);
    CHECKF(rc == LLAMA2_OK, "%s", err);
    if (rc == LLAMA2_OK) {
        rc = llama2_tokenizer_load(TOKENIZER_PATH, llama2_model_config(r->model)->vocab_size,
                                   &r->tok, err, sizeof err);
        CHECKF(rc == LLAMA2_OK, "%s", err);
    }
    if (rc == LLAMA2_OK) {
        rc = llama2_state_create(r->model, &r->state, err, sizeof err);
        CHECKF(rc == LLAMA2_OK, "%s", err);
    }
    return rc == LLAMA2_OK;
}

static void real_close(real_model *r) {
    llama2_state_free(r->state);
    llama2_tokenizer_free(r->tok);
    llama2_model_free(r->model);
}

typedef struct {
    char text[16384];
    size_t len;
    int32_t tokens[STORY_STEPS];
    size_t n;
} story;

static void story_emit(void *ctx, int32_t token, const char *text) {
    story *s = ctx;
    size_t len = strlen(text);
    if (s->n < STORY_STEPS) s->tokens[s->n++] = token;
    if (s->len + len < sizeof s->text) memcpy(s->text + s->len, text, len + 1), s->len += len;
}

/* The story of `spec` with `seed` on path `isa`; 0 (after a failed check) on an error. */
static int tell(real_model *r, tsamp_isa isa, uint64_t seed, const char *spec, story *s) {
    tsamp_chain_params p = tsamp_chain_default_params();
    p.seed = seed;
    p.isa = isa;
    tsamp_chain *chain = NULL;
    tsamp_status st = tsamp_chain_create(&chain, 512, &p);
    if (st == TSAMP_OK) st = tsamp_chain_parse(chain, spec);
    CHECKF(st == TSAMP_OK, "chain \"%s\" on %s: %s", spec, tsamp_isa_name(isa),
           tsamp_status_str(st));
    memset(s, 0, sizeof *s);
    char err[512];
    int rc = st == TSAMP_OK ? llama2_generate(r->model, r->state, r->tok, chain, STORY_STEPS,
                                              story_emit, s, NULL, err, sizeof err)
                            : -1;
    if (st == TSAMP_OK) CHECKF(rc == LLAMA2_OK, "%s", err);
    tsamp_chain_free(chain);
    return rc == LLAMA2_OK;
}

static void test_llama2_greedy_text(void) {
    real_model r;
    story s;
    if (!real_open(&r)) return;
    if (tell(&r, TSAMP_ISA_AUTO, 0, "temp=0", &s)) {
        CHECKF(strncmp(s.text, greedy_prefix, strlen(greedy_prefix)) == 0,
               "greedy text differs:\n  got      \"%.*s\"\n  expected \"%s\"",
               (int)strlen(greedy_prefix), s.text, greedy_prefix);
        check_note("%zu tokens: \"%.*s...\"", s.n, 120, s.text);
    }
    /* The demo's default chain with temperature 0 is greedy too. */
    story d;
    if (tell(&r, TSAMP_ISA_AUTO, 1234, "top_k=40 top_p=0.95 min_p=0.05 temp=0", &d))
        CHECK(d.n == s.n && memcmp(d.tokens, s.tokens, s.n * sizeof s.tokens[0]) == 0);
    real_close(&r);
}

static void test_llama2_seeded_story_same_on_every_isa(void) {
    static const tsamp_isa paths[] = {TSAMP_ISA_AVX2, TSAMP_ISA_AVX512, TSAMP_ISA_NEON,
                                      TSAMP_ISA_AUTO};
    const char *spec = "top_p=0.9 temp=1.0";
    real_model r;
    static story ref, again, other;
    if (!real_open(&r)) return;
    if (!tell(&r, TSAMP_ISA_SCALAR, 42, spec, &ref) ||
        !tell(&r, TSAMP_ISA_SCALAR, 42, spec, &again)) {
        real_close(&r);
        return;
    }
    CHECKF(ref.n == again.n && strcmp(ref.text, again.text) == 0, "two scalar runs differ");
    CHECKF(ref.n > 20, "only %zu tokens", ref.n);
    char compared[128] = "scalar (twice)";
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        if (!tsamp_isa_available(paths[i])) continue;
        if (!tell(&r, paths[i], 42, spec, &other)) continue;
        CHECKF(other.n == ref.n &&
                   memcmp(other.tokens, ref.tokens, ref.n * sizeof ref.tokens[0]) == 0,
               "%s: the story differs from the scalar one", tsamp_isa_name(paths[i]));
        strncat(compared, ", ", sizeof compared - strlen(compared) - 1);
        strncat(compared, tsamp_isa_name(paths[i]), sizeof compared - strlen(compared) - 1);
    }
    /* The seed matters: another one tells another story. */
    if (tell(&r, TSAMP_ISA_SCALAR, 43, spec, &other))
        CHECKF(strcmp(other.text, ref.text) != 0, "seeds 42 and 43 give the same story");
    check_note("seed 42, \"%s\": %zu tokens identical on %s: \"%.*s...\"", spec, ref.n, compared,
               80, ref.text);
    real_close(&r);
}

static void test_llama2_forward_deterministic(void) {
    real_model r;
    llama2_state *s2 = NULL;
    char err[256];
    if (!real_open(&r)) return;
    int rc = llama2_state_create(r.model, &s2, err, sizeof err);
    CHECKF(rc == LLAMA2_OK, "%s", err);
    int32_t tok = LLAMA2_BOS;
    for (int32_t pos = 0; rc == LLAMA2_OK && pos < 32; pos++) {
        const float *a = llama2_forward(r.model, r.state, tok, pos);
        const float *b = llama2_forward(r.model, s2, tok, pos);
        if (!a || !b) {
            CHECKF(0, "forward returned NULL at pos %d", (int)pos);
            break;
        }
        CHECKF(memcmp(a, b, 512 * sizeof *a) == 0, "logits differ at pos %d", (int)pos);
        int32_t best = 0;
        for (int32_t i = 0; i < 512; i++) {
            CHECKF(isfinite(a[i]), "logit %d at pos %d is %g", (int)i, (int)pos, (double)a[i]);
            if (a[i] > a[best]) best = i;
        }
        tok = best;
    }
    const llama2_config *c = llama2_model_config(r.model);
    CHECK(c->dim == 64 && c->hidden_dim == 172 && c->n_layers == 5 && c->n_heads == 8 &&
          c->n_kv_heads == 4 && c->vocab_size == 512 && c->seq_len == 512 &&
          c->shared_classifier);
    CHECK(llama2_forward(r.model, r.state, -1, 0) == NULL);
    CHECK(llama2_forward(r.model, r.state, 512, 0) == NULL);
    CHECK(llama2_forward(r.model, r.state, 1, 512) == NULL);
    CHECK(llama2_forward(r.model, r.state, 1, -1) == NULL);
    CHECK(llama2_forward(NULL, r.state, 1, 0) == NULL);
    CHECK(llama2_forward(r.model, NULL, 1, 0) == NULL);
    llama2_state_free(s2);
    real_close(&r);
}

/* Broken copies of the real files, in /tmp. */
static void test_llama2_real_files_broken(void) {
    char path[64], err[512];
    size_t n_model = 0, n_tok = 0;
    if (!model_dir_exists()) {
        check_skip("model not found at %s", MODEL_DIR);
        return;
    }
    unsigned char *model = read_whole(MODEL_PATH, &n_model);
    unsigned char *tok = read_whole(TOKENIZER_PATH, &n_tok);
    CHECK(model && tok);
    if (model && tok) {
        int rc = load_model_bytes(model, n_model, path, err, sizeof err);
        CHECKF(rc == LLAMA2_OK, "an exact copy does not load: %s", err);
        rc = load_model_bytes(model, n_model - 1000, path, err, sizeof err);
        CHECK_ERROR(rc, LLAMA2_ERR_FORMAT, err, path, "truncated");
        put_i32(model + 12, 12); /* n_heads: not a divisor of dim = 64 */
        rc = load_model_bytes(model, n_model, path, err, sizeof err);
        CHECK_ERROR(rc, LLAMA2_ERR_FORMAT, err, path, "n_heads = 12");
        rc = load_tokenizer_bytes(tok, n_tok - 3, 512, path, err, sizeof err);
        CHECK_ERROR(rc, LLAMA2_ERR_FORMAT, err, path, "truncated");
        rc = load_tokenizer_bytes(tok, n_tok, 256, path, err, sizeof err);
        CHECK_ERROR(rc, LLAMA2_ERR_FORMAT, err, path, "wrong size");
        check_note("e.g. %s", err);
        /* Each file in the other's place. */
        rc = load_model_bytes(tok, n_tok, path, err, sizeof err);
        CHECK_ERROR(rc, LLAMA2_ERR_FORMAT, err, path, "bad header");
        rc = load_tokenizer_bytes(model, n_model, 512, path, err, sizeof err);
        CHECK(rc == LLAMA2_ERR_FORMAT);
    }
    free(model);
    free(tok);
}

/* ---- tests on hand-made files (they run without the model folder) -------------------------- */

static void test_llama2_tiny_checkpoint(void) {
    char path[64], err[256];
    int32_t h[7];
    memcpy(h, tiny_header, sizeof h);
    h[5] = -16; /* a separate classifier */
    size_t size;
    unsigned char *b = tiny_checkpoint(h, &size);
    if (!b || !write_temp(b, size, path)) {
        CHECKF(0, "cannot write the tiny checkpoint");
        free(b);
        return;
    }
    llama2_model *m = NULL;
    llama2_state *s = NULL;
    int rc = llama2_model_load(path, &m, err, sizeof err);
    CHECKF(rc == LLAMA2_OK, "%s", err);
    if (rc == LLAMA2_OK) rc = llama2_state_create(m, &s, err, sizeof err);
    if (rc == LLAMA2_OK) {
        const llama2_config *c = llama2_model_config(m);
        CHECK(c->vocab_size == 16 && !c->shared_classifier && c->seq_len == 8);
        const float *l = NULL;
        for (int32_t pos = 0; pos < 8; pos++) l = llama2_forward(m, s, (pos * 5) % 16, pos);
        CHECK(l != NULL);
        for (int i = 0; l && i < 16; i++) CHECK(isfinite(l[i]) && l[i] != 0.0f);
    }
    llama2_state_free(s);
    llama2_model_free(m);
    remove(path);

    /* A zero classifier gives zero logits: it is the one used, not the embedding. */
    memset(b + size - 16 * 8 * 4, 0, 16 * 8 * 4);
    m = NULL, s = NULL;
    rc = write_temp(b, size, path) ? llama2_model_load(path, &m, err, sizeof err) : -1;
    CHECKF(rc == LLAMA2_OK, "%s", err);
    if (rc == LLAMA2_OK && llama2_state_create(m, &s, err, sizeof err) == LLAMA2_OK) {
        const float *l = llama2_forward(m, s, 3, 0);
        for (int i = 0; l && i < 16; i++) CHECK(l[i] == 0.0f);
        /* A state only works with its own model. */
        llama2_model *m2 = NULL;
        if (llama2_model_load(path, &m2, err, sizeof err) == LLAMA2_OK)
            CHECK(llama2_forward(m2, s, 3, 0) == NULL);
        llama2_model_free(m2);
    }
    llama2_state_free(s);
    llama2_model_free(m);
    remove(path);
    free(b);
}

static void test_llama2_generate_checks_its_arguments(void) {
    char path[64], err[256];
    size_t size, tsize;
    unsigned char *b = tiny_checkpoint(tiny_header, &size), *tb = tiny_tokenizer(&tsize);
    llama2_model *m = NULL;
    llama2_tokenizer *t = NULL;
    llama2_state *s = NULL;
    tsamp_chain *c512 = NULL, *c16 = NULL;
    CHECK(b && tb);
    if (b && write_temp(b, size, path)) {
        CHECK(llama2_model_load(path, &m, err, sizeof err) == LLAMA2_OK);
        remove(path);
    }
    if (tb && write_temp(tb, tsize, path)) {
        CHECK(llama2_tokenizer_load(path, 16, &t, err, sizeof err) == LLAMA2_OK);
        remove(path);
    }
    if (m && t && llama2_state_create(m, &s, err, sizeof err) == LLAMA2_OK &&
        tsamp_chain_create(&c512, 512, NULL) == TSAMP_OK &&
        tsamp_chain_create(&c16, 16, NULL) == TSAMP_OK) {
        int rc = llama2_generate(m, s, t, c512, 4, NULL, NULL, NULL, err, sizeof err);
        CHECKF(rc == LLAMA2_ERR_ARG && strstr(err, "512"), "%d: %s", rc, err);
        rc = llama2_generate(m, s, t, NULL, 4, NULL, NULL, NULL, err, sizeof err);
        CHECK(rc == LLAMA2_ERR_ARG);
        llama2_stats st;
        /* More steps than seq_len = 8 stop at seq_len. */
        rc = llama2_generate(m, s, t, c16, 100, NULL, NULL, &st, err, sizeof err);
        CHECKF(rc == LLAMA2_OK, "%s", err);
        CHECK(st.n_tokens >= 1 && st.n_tokens <= 8);
        CHECK(st.forward_s >= 0.0 && st.sampler_s >= 0.0 && st.total_s >= st.forward_s);
        CHECK(st.stop_token == -1 ? st.n_tokens == 8 : st.stop_token <= 2);
    } else {
        CHECKF(0, "cannot set up the tiny model");
    }
    tsamp_chain_free(c512);
    tsamp_chain_free(c16);
    llama2_state_free(s);
    llama2_tokenizer_free(t);
    llama2_model_free(m);
    free(b);
    free(tb);
}

static void test_llama2_missing_files(void) {
    const char *path = "/nonexistent-dir/tsamp/stories260K.bin";
    char err[256] = "";
    llama2_model *m = NULL;
    llama2_tokenizer *t = NULL;
    int rc = llama2_model_load(path, &m, err, sizeof err);
    CHECK_ERROR(rc, LLAMA2_ERR_NOT_FOUND, err, path, "No such file");
    CHECK(m == NULL);
    rc = llama2_tokenizer_load(path, 512, &t, err, sizeof err);
    CHECK_ERROR(rc, LLAMA2_ERR_NOT_FOUND, err, path, "No such file");
    CHECK(t == NULL);
    rc = llama2_model_load("/tmp", &m, err, sizeof err);
    CHECK_ERROR(rc, LLAMA2_ERR_IO, err, "/tmp", "not a regular file");
    rc = llama2_tokenizer_load("/tmp", 512, &t, err, sizeof err);
    CHECK_ERROR(rc, LLAMA2_ERR_IO, err, "/tmp", "not a regular file");
    CHECK(llama2_model_load(NULL, &m, err, sizeof err) == LLAMA2_ERR_ARG);
    CHECK(llama2_model_load(path, NULL, NULL, 0) == LLAMA2_ERR_ARG);
    CHECK(llama2_tokenizer_load(path, 0, &t, err, sizeof err) == LLAMA2_ERR_ARG);
    CHECK(llama2_state_create(NULL, NULL, err, sizeof err) == LLAMA2_ERR_ARG);
    llama2_model_free(NULL), llama2_tokenizer_free(NULL), llama2_state_free(NULL);
}

static void test_llama2_truncated_checkpoint(void) {
    char path[64], err[512];
    size_t size;
    unsigned char *b = tiny_checkpoint(tiny_header, &size);
    if (!b) {
        CHECK(0);
        return;
    }
    CHECKF(load_model_bytes(b, size, path, err, sizeof err) == LLAMA2_OK, "%s", err);
    const size_t cuts[] = {0, 1, 10, 27, 28, 32, size / 2, size - 4, size - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        int rc = load_model_bytes(b, cuts[i], path, err, sizeof err);
        CHECK_ERROR(rc, LLAMA2_ERR_FORMAT, err, path, "truncated");
    }
    unsigned char *longer = malloc(size + 4);
    if (longer) {
        memcpy(longer, b, size);
        memset(longer + size, 0, 4);
        int rc = load_model_bytes(longer, size + 4, path, err, sizeof err);
        CHECK_ERROR(rc, LLAMA2_ERR_FORMAT, err, path, "wrong size");
    }
    free(longer);
    free(b);
}

static void test_llama2_corrupt_header(void) {
    static const struct {
        int field;
        int32_t value;
        const char *what;
    } cases[] = {
        {0, 0, "dim = 0"},
        {0, -8, "dim = -8"},
        {0, INT32_MAX, "dim = 2147483647"},
        {0, INT32_MIN, "dim = -2147483648"},
        {1, 0, "hidden_dim = 0"},
        {1, 1 << 30, "hidden_dim"},
        {2, 0, "n_layers = 0"},
        {2, 1 << 30, "n_layers"},
        {3, 0, "n_heads = 0"},
        {3, 3, "n_heads = 3"},
        {3, 16, "n_heads = 16"},
        {3, 8, "odd"},
        {4, 0, "n_kv_heads = 0"},
        {4, 8, "n_kv_heads = 8"},
        {4, 3, "n_kv_heads = 3"},
        {5, 0, "vocab_size = 0"},
        {5, INT32_MIN, "vocab_size"},
        {5, 1 << 30, "vocab_size"},
        {6, 0, "seq_len = 0"},
        {6, -1, "seq_len = -1"},
        {6, 1 << 30, "seq_len"},
        {6, 16, "truncated"},  /* plausible, but the file is too short for it */
        {6, 4, "wrong size"},  /* ... or too long */
        {5, -16, "truncated"}, /* a separate classifier that is not in the file */
    };
    char path[64], err[512];
    size_t size;
    unsigned char *b = tiny_checkpoint(tiny_header, &size);
    if (!b) {
        CHECK(0);
        return;
    }
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        put_i32(b + 4 * cases[i].field, cases[i].value);
        int rc = load_model_bytes(b, size, path, err, sizeof err);
        CHECK_ERROR(rc, LLAMA2_ERR_FORMAT, err, path, cases[i].what);
        put_i32(b + 4 * cases[i].field, tiny_header[cases[i].field]);
    }
    /* The largest header the limits allow: reported without trying to allocate it. */
    const int32_t huge[7] = {1 << 16, 1 << 18, 1024, 1 << 15, 1 << 14, -(1 << 22), 1 << 20};
    for (int i = 0; i < 7; i++) put_i32(b + 4 * i, huge[i]);
    int rc = load_model_bytes(b, size, path, err, sizeof err);
    CHECK_ERROR(rc, LLAMA2_ERR_FORMAT, err, path, "truncated");
    check_note("e.g. %s", err);
    /* Garbage instead of a header. */
    memset(b, 0xff, 28);
    rc = load_model_bytes(b, size, path, err, sizeof err);
    CHECK_ERROR(rc, LLAMA2_ERR_FORMAT, err, path, "bad header");
    free(b);
}

static void test_llama2_nonfinite_weight(void) {
    char path[64], err[512];
    size_t size;
    unsigned char *b = tiny_checkpoint(tiny_header, &size);
    if (!b) {
        CHECK(0);
        return;
    }
    /* token_embedding is 16 x 8, rms_att 2 x 8: the third float of wq. */
    put_f32(b + 28 + 4 * (16 * 8 + 2 * 8 + 2), NAN);
    int rc = load_model_bytes(b, size, path, err, sizeof err);
    CHECK_ERROR(rc, LLAMA2_ERR_FORMAT, err, path, "wq[2] is not finite");
    put_f32(b + size - 4, INFINITY); /* the last RoPE table entry: unused, so accepted */
    put_f32(b + 28 + 4 * (16 * 8 + 2 * 8 + 2), 0.5f);
    rc = load_model_bytes(b, size, path, err, sizeof err);
    CHECKF(rc == LLAMA2_OK, "%s", err);
    free(b);
}

static void test_llama2_bad_tokenizer(void) {
    char path[64], err[512];
    size_t size;
    unsigned char *b = tiny_tokenizer(&size);
    if (!b) {
        CHECK(0);
        return;
    }
    int rc = load_tokenizer_bytes(b, size, 16, path, err, sizeof err);
    CHECKF(rc == LLAMA2_OK, "%s", err);
    const size_t cuts[] = {0, 3, 4, 10, 14, size - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        rc = load_tokenizer_bytes(b, cuts[i], 16, path, err, sizeof err);
        CHECK_ERROR(rc, LLAMA2_ERR_FORMAT, err, path, "truncated");
    }
    rc = load_tokenizer_bytes(b, size, 17, path, err, sizeof err); /* a larger model vocab */
    CHECK_ERROR(rc, LLAMA2_ERR_FORMAT, err, path, "truncated");
    rc = load_tokenizer_bytes(b, size, 15, path, err, sizeof err); /* a smaller one */
    CHECK_ERROR(rc, LLAMA2_ERR_FORMAT, err, path, "wrong size");
    put_i32(b, 0);
    rc = load_tokenizer_bytes(b, size, 16, path, err, sizeof err);
    CHECK_ERROR(rc, LLAMA2_ERR_FORMAT, err, path, "max_token_length = 0");
    put_i32(b, -5);
    rc = load_tokenizer_bytes(b, size, 16, path, err, sizeof err);
    CHECK_ERROR(rc, LLAMA2_ERR_FORMAT, err, path, "max_token_length = -5");
    put_i32(b, 6);
    put_i32(b + 4 + 4, -1); /* token 0's length */
    rc = load_tokenizer_bytes(b, size, 16, path, err, sizeof err);
    CHECK_ERROR(rc, LLAMA2_ERR_FORMAT, err, path, "token 0 has length -1");
    put_i32(b + 4 + 4, INT32_MAX);
    rc = load_tokenizer_bytes(b, size, 16, path, err, sizeof err);
    CHECK_ERROR(rc, LLAMA2_ERR_FORMAT, err, path, "token 0 has length 2147483647");
    put_i32(b + 4 + 4, 5);
    put_i32(b, 4); /* shorter than "<unk>" */
    rc = load_tokenizer_bytes(b, size, 16, path, err, sizeof err);
    CHECK_ERROR(rc, LLAMA2_ERR_FORMAT, err, path, "token 0 has length 5");
    free(b);
}

static void test_llama2_decode(void) {
    char path[64], err[256];
    size_t size;
    unsigned char *b = tiny_tokenizer(&size);
    llama2_tokenizer *t = NULL;
    if (b && write_temp(b, size, path)) {
        CHECKF(llama2_tokenizer_load(path, 16, &t, err, sizeof err) == LLAMA2_OK, "%s", err);
        remove(path);
    }
    free(b);
    if (!t) {
        CHECK(0);
        return;
    }
    CHECK(strcmp(llama2_decode(t, LLAMA2_BOS, 6), "Once") == 0); /* space stripped after BOS */
    CHECK(strcmp(llama2_decode(t, 6, 7), " upon") == 0);          /* kept elsewhere */
    CHECK(strcmp(llama2_decode(t, LLAMA2_BOS, 8), "a") == 0);
    CHECK(strcmp(llama2_decode(t, LLAMA2_BOS, 15), "") == 0);     /* a lone space */
    CHECK(strcmp(llama2_decode(t, 8, 15), " ") == 0);
    CHECK(strcmp(llama2_decode(t, 8, 3), "\n") == 0); /* <0x0A> */
    CHECK(strcmp(llama2_decode(t, 8, 4), "A") == 0);  /* <0x41> */
    CHECK(strcmp(llama2_decode(t, 8, 5), "") == 0);   /* <0x00> */
    CHECK(strcmp(llama2_decode(t, 8, 11), "<0xzz>") == 0); /* not hex: the piece as is */
    CHECK(strcmp(llama2_decode(t, 8, 12), "<0x4") == 0);
    CHECK(strcmp(llama2_decode(t, 8, 14), "") == 0);  /* an empty piece */
    CHECK(strcmp(llama2_decode(t, 8, 16), "") == 0);  /* out of range */
    CHECK(strcmp(llama2_decode(t, 8, -1), "") == 0);
    CHECK(strcmp(llama2_decode(NULL, 8, 6), "") == 0);
    llama2_tokenizer_free(t);

    if (!model_dir_exists()) return;
    CHECKF(llama2_tokenizer_load(TOKENIZER_PATH, 512, &t, err, sizeof err) == LLAMA2_OK, "%s",
           err);
    if (!t) return;
    CHECK(strcmp(llama2_decode(t, 100, 13), "\n") == 0); /* <0x0A> */
    CHECK(strcmp(llama2_decode(t, LLAMA2_BOS, 259), "t") == 0); /* " t" after BOS */
    CHECK(strcmp(llama2_decode(t, 100, 259), " t") == 0);
    llama2_tokenizer_free(t);
}

void suite_llama2(void) {
    RUN(test_llama2_greedy_text);
    RUN(test_llama2_seeded_story_same_on_every_isa);
    RUN(test_llama2_forward_deterministic);
    RUN(test_llama2_real_files_broken);
    RUN(test_llama2_tiny_checkpoint);
    RUN(test_llama2_generate_checks_its_arguments);
    RUN(test_llama2_missing_files);
    RUN(test_llama2_truncated_checkpoint);
    RUN(test_llama2_corrupt_header);
    RUN(test_llama2_nonfinite_weight);
    RUN(test_llama2_bad_tokenizer);
    RUN(test_llama2_decode);
}
