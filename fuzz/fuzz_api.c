/*
 * Fuzz target: the API as a state machine, with bad inputs (README "Bad input" table).
 * Input: from the tail, a vocabulary size, then up to 64 operations, each an opcode byte and
 * its arguments: add_* with any parameters, parse of good and bad specs, accept of any id,
 * set_position, reset, sample / distribution on good and bad logits, clone and add under a
 * failing allocator, format into any buffer, the masks' add_* calls (allow, deny, min_length,
 * mask callback), logit bias, DRY and mirostat on a scratch chain, and every function with NULL or out-of-domain
 * arguments. Invariants: each call returns its documented status; a failed call changes
 * nothing (processor count, position, outputs); only create/clone/add/parse allocate; every
 * allocation is freed; the library never crashes.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "counting_alloc.h"
#include "input.h"
#include "invariants.h"

#define MAX_OPS 64
#define NO_TOKEN (-7)

typedef struct {
    fuzz_input in;
    tsamp_chain *c;
    size_t n;          /* vocabulary */
    size_t n_procs;    /* the model of the chain: processors added */
    uint64_t position; /* and its position */
    float *good, *bad; /* logits: finite ones, and a copy that the sample ops spoil */
    fuzz_counter k;
    tsamp_allocator alloc;
} api;

static tsamp_status temp_status(float t) {
    return t >= 0.0f && t != INFINITY ? TSAMP_OK : TSAMP_ERR_INVALID_PARAM;
}

/* After an add: the documented status, and the processor count moves only on OK. */
static void added(api *a, tsamp_status got, tsamp_status want, const char *what) {
    FUZZ_CHECK_STATUS(got, want, what);
    a->n_procs += got == TSAMP_OK;
    FUZZ_CHECK(tsamp_chain_n_processors(a->c) == a->n_procs, "%s: %zu processors, want %zu", what,
               tsamp_chain_n_processors(a->c), a->n_procs);
}

static void op_add(api *a, int which) {
    float p;
    size_t mk;
    switch (which) {
    case 0:
        p = fuzz_take_temperature(&a->in);
        added(a, tsamp_chain_add_temperature(a->c, p), temp_status(p), "add_temperature");
        break;
    case 1:
        added(a, tsamp_chain_add_top_k(a->c, fuzz_take_k(&a->in)), TSAMP_OK, "add_top_k");
        break;
    case 2:
        p = fuzz_take_p(&a->in);
        mk = fuzz_take_min_keep(&a->in);
        added(a, tsamp_chain_add_top_p(a->c, p, mk), isnan(p) ? TSAMP_ERR_INVALID_PARAM : TSAMP_OK,
              "add_top_p");
        break;
    default:
        p = fuzz_take_p(&a->in);
        mk = fuzz_take_min_keep(&a->in);
        added(a, tsamp_chain_add_min_p(a->c, p, mk), isnan(p) ? TSAMP_ERR_INVALID_PARAM : TSAMP_OK,
              "add_min_p");
        break;
    }
}

static void op_parse(api *a) {
    static const struct {
        const char *spec;
        tsamp_status st;
        size_t items;
    } specs[] = {
        {"", TSAMP_OK, 0},
        {" \t\n", TSAMP_OK, 0},
        {"temp=0.7 top_p=0.9", TSAMP_OK, 2},
        {"greedy", TSAMP_OK, 1},
        {"min_p=0.1,5 top_k=3 temperature=2", TSAMP_OK, 3},
        {"top_k=", TSAMP_ERR_PARSE, 0},
        {"top_k=40 bogus=1", TSAMP_ERR_PARSE, 0},
        {"temp=0,5", TSAMP_ERR_PARSE, 0},
        {"top_p=0.9,-1", TSAMP_ERR_PARSE, 0},
        {"top_k=2147483648", TSAMP_ERR_PARSE, 0},
        {"temp=1e39", TSAMP_ERR_PARSE, 0},
        {"greedy=1", TSAMP_ERR_PARSE, 0},
        {"temp=-1", TSAMP_ERR_INVALID_PARAM, 0},
        {"top_k=3 temp=inf", TSAMP_ERR_INVALID_PARAM, 0},
        {"min_p=nan", TSAMP_ERR_INVALID_PARAM, 0},
    };
    size_t i = fuzz_take_u8(&a->in) % (sizeof specs / sizeof specs[0]);
    tsamp_parse_error err;
    tsamp_status st = tsamp_chain_parse_ex(a->c, specs[i].spec, &err);
    FUZZ_CHECK(st == specs[i].st, "parse_ex(\"%s\"): %s, want %s", specs[i].spec,
               tsamp_status_str(st), tsamp_status_str(specs[i].st));
    if (st != TSAMP_OK)
        FUZZ_CHECK(err.offset <= strlen(specs[i].spec) && err.message[0],
                   "parse_ex(\"%s\"): offset %zu, message \"%s\"", specs[i].spec, err.offset,
                   err.message);
    a->n_procs += specs[i].items;
    FUZZ_CHECK(tsamp_chain_n_processors(a->c) == a->n_procs, "parse(\"%s\"): %zu processors",
               specs[i].spec, tsamp_chain_n_processors(a->c));
}

static void op_accept(api *a) {
    int32_t t =
        fuzz_take_u8(&a->in) % 2 ? fuzz_take_k(&a->in) : (int32_t)(fuzz_take_u8(&a->in) % a->n);
    int in_range = t >= 0 && (size_t)t < a->n;
    size_t calls = a->k.calls;
    FUZZ_CHECK_STATUS(tsamp_chain_accept(a->c, t), in_range ? TSAMP_OK : TSAMP_ERR_VOCAB, "accept");
    a->position += (uint64_t)in_range;
    FUZZ_CHECK(tsamp_chain_position(a->c) == a->position, "accept(%ld): position %llu, want %llu",
               (long)t, (unsigned long long)tsamp_chain_position(a->c),
               (unsigned long long)a->position);
    FUZZ_CHECK(a->k.calls == calls, "accept allocated");
}

/* Logits for a sample/distribution op and the status they must give. */
static const float *pick_logits(api *a, tsamp_status *want) {
    uint8_t how = fuzz_take_u8(&a->in);
    size_t j = fuzz_take_u8(&a->in) % a->n;
    memcpy(a->bad, a->good, a->n * sizeof *a->bad);
    *want = TSAMP_OK;
    switch (how % 5) {
    case 0: return a->good;
    case 1:
        a->bad[j] = NAN;
        *want = TSAMP_ERR_NONFINITE;
        break;
    case 2:
        a->bad[j] = INFINITY;
        *want = TSAMP_ERR_NONFINITE;
        break;
    case 3:
        for (size_t i = 0; i < a->n; i++) a->bad[i] = -INFINITY;
        *want = TSAMP_ERR_ALL_MASKED;
        break;
    default: /* one finite candidate among masked ones */
        for (size_t i = 0; i < a->n; i++) a->bad[i] = i == j ? a->good[i] : -INFINITY;
        break;
    }
    return a->bad;
}

static void op_sample(api *a) {
    tsamp_status want;
    const float *x = pick_logits(a, &want);
    size_t calls = a->k.calls;
    int32_t t = NO_TOKEN;
    FUZZ_CHECK_STATUS(tsamp_chain_sample(a->c, x, &t), want, "sample");
    if (want == TSAMP_OK)
        FUZZ_CHECK(t >= 0 && (size_t)t < a->n && x[t] > -INFINITY, "sample gave %ld (n %zu)",
                   (long)t, a->n);
    else
        FUZZ_CHECK(t == NO_TOKEN, "sample wrote the token on %s", tsamp_status_str(want));
    FUZZ_CHECK(tsamp_chain_position(a->c) == a->position, "sample moved the position");
    FUZZ_CHECK(a->k.calls == calls, "sample allocated");
}

static void op_distribution(api *a) {
    tsamp_status want;
    const float *x = pick_logits(a, &want);
    size_t cap = fuzz_take_u8(&a->in) % 4 ? a->n : fuzz_take_u8(&a->in) % (a->n + 1);
    int32_t *ids = malloc(a->n * sizeof *ids);
    float *probs = malloc(a->n * sizeof *probs);
    if (!ids || !probs) goto done;
    size_t calls = a->k.calls, kept = 12345;
    tsamp_status st =
        tsamp_chain_distribution(a->c, x, cap ? ids : NULL, cap ? probs : NULL, cap, &kept);
    FUZZ_CHECK(a->k.calls == calls, "distribution allocated");
    if (want != TSAMP_OK) {
        FUZZ_CHECK_STATUS(st, want, "distribution");
        FUZZ_CHECK(kept == 12345, "distribution wrote n_kept on an error");
        goto done;
    }
    FUZZ_CHECK(kept >= 1 && kept <= a->n, "distribution: n_kept %zu", kept);
    FUZZ_CHECK_STATUS(st, cap < kept ? TSAMP_ERR_BUFFER_TOO_SMALL : TSAMP_OK, "distribution");
done:
    free(ids);
    free(probs);
}

/* A clone, maybe under an allocator that fails at one of the next calls. */
static void op_clone(api *a) {
    uint8_t f = fuzz_take_u8(&a->in);
    a->k.fail_at = f % 2 ? a->k.calls + 1 + f / 2 % 8 : 0;
    tsamp_chain *d = NULL;
    tsamp_status st = tsamp_chain_clone(a->c, &d);
    a->k.fail_at = 0;
    if (st == TSAMP_ERR_NOMEM) {
        FUZZ_CHECK(d == NULL, "clone wrote *out on NOMEM");
        return;
    }
    FUZZ_CHECK_STATUS(st, TSAMP_OK, "clone");
    FUZZ_CHECK(tsamp_chain_n_processors(d) == a->n_procs &&
                   tsamp_chain_position(d) == a->position && tsamp_chain_n_vocab(d) == a->n,
               "clone differs");
    int32_t t1 = NO_TOKEN, t2 = NO_TOKEN;
    tsamp_status s1 = tsamp_chain_sample(a->c, a->good, &t1);
    tsamp_status s2 = tsamp_chain_sample(d, a->good, &t2);
    FUZZ_CHECK(s1 == s2 && t1 == t2, "clone samples %ld, original %ld", (long)t2, (long)t1);
    tsamp_chain_free(d);
}

/* add under an allocator that fails at the next call: NOMEM (chain unchanged) or OK when the
 * processor array had room. */
static void op_add_nomem(api *a) {
    a->k.fail_at = a->k.calls + 1;
    tsamp_status st = tsamp_chain_add_top_k(a->c, 3);
    a->k.fail_at = 0;
    FUZZ_CHECK(st == TSAMP_OK || st == TSAMP_ERR_NOMEM, "add under failing allocator: %s",
               tsamp_status_str(st));
    added(a, st, st, "add_top_k (failing allocator)");
}

static void op_format(api *a) {
    char buf[64];
    size_t cap = fuzz_take_u8(&a->in) % (sizeof buf + 1), len = 7;
    memset(buf, 0x5a, sizeof buf);
    tsamp_status st = tsamp_chain_format(a->c, cap ? buf : NULL, cap, &len);
    if (st == TSAMP_OK) {
        FUZZ_CHECK(len < cap && buf[len] == '\0' && strlen(buf) == len, "format: len %zu", len);
    } else {
        FUZZ_CHECK_STATUS(st, TSAMP_ERR_BUFFER_TOO_SMALL, "format");
        FUZZ_CHECK(cap <= len && (cap == 0 || buf[0] == 0x5a), "format: cap %zu, len %zu", cap,
                   len);
    }
}

/* Every chain function with a NULL chain. */
static void op_null_chain(void) {
    tsamp_chain *d = (tsamp_chain *)&d;
    float x[1] = {0.0f}, p[1];
    int32_t t = NO_TOKEN, id[1];
    size_t n = 3;
    tsamp_parse_error err;
    FUZZ_CHECK_STATUS(tsamp_chain_create(NULL, 4, NULL), TSAMP_ERR_NULL, "create(out NULL)");
    FUZZ_CHECK_STATUS(tsamp_chain_clone(NULL, &d), TSAMP_ERR_NULL, "clone(NULL)");
    FUZZ_CHECK(d == (tsamp_chain *)&d, "clone(NULL) wrote *out");
    FUZZ_CHECK_STATUS(tsamp_chain_reset(NULL), TSAMP_ERR_NULL, "reset(NULL)");
    FUZZ_CHECK_STATUS(tsamp_chain_add_temperature(NULL, 1.0f), TSAMP_ERR_NULL,
                      "add_temperature(NULL)");
    FUZZ_CHECK_STATUS(tsamp_chain_add_top_k(NULL, 1), TSAMP_ERR_NULL, "add_top_k(NULL)");
    FUZZ_CHECK_STATUS(tsamp_chain_add_top_p(NULL, 0.5f, 1), TSAMP_ERR_NULL, "add_top_p(NULL)");
    FUZZ_CHECK_STATUS(tsamp_chain_add_min_p(NULL, 0.5f, 1), TSAMP_ERR_NULL, "add_min_p(NULL)");
    FUZZ_CHECK_STATUS(tsamp_chain_parse(NULL, ""), TSAMP_ERR_NULL, "parse(NULL)");
    FUZZ_CHECK_STATUS(tsamp_chain_parse_ex(NULL, "", &err), TSAMP_ERR_NULL, "parse_ex(NULL)");
    FUZZ_CHECK_STATUS(tsamp_chain_sample(NULL, x, &t), TSAMP_ERR_NULL, "sample(NULL)");
    FUZZ_CHECK_STATUS(tsamp_chain_accept(NULL, 0), TSAMP_ERR_NULL, "accept(NULL)");
    FUZZ_CHECK_STATUS(tsamp_chain_set_position(NULL, 1), TSAMP_ERR_NULL, "set_position(NULL)");
    FUZZ_CHECK_STATUS(tsamp_chain_distribution(NULL, x, id, p, 1, &n), TSAMP_ERR_NULL,
                      "distribution(NULL)");
    FUZZ_CHECK_STATUS(tsamp_chain_format(NULL, NULL, 0, &n), TSAMP_ERR_NULL, "format(NULL)");
    FUZZ_CHECK(tsamp_chain_n_vocab(NULL) == 0 && tsamp_chain_position(NULL) == 0 &&
                   tsamp_chain_n_processors(NULL) == 0,
               "getters on NULL are not 0");
    FUZZ_CHECK(t == NO_TOKEN && n == 3, "an output was written on TSAMP_ERR_NULL");
    tsamp_chain_free(NULL);
}

/* The numerics with NULL, empty or huge sizes, bad temperatures and bad logits. */
static void op_numerics(api *a) {
    float out[4] = {5.0f, 5.0f, 5.0f, 5.0f}, x[4] = {1.0f, 2.0f, -INFINITY, 0.5f};
    float t = fuzz_take_temperature(&a->in);
    size_t big = (size_t)INT32_MAX + 1 + fuzz_take_u8(&a->in);
    FUZZ_CHECK_STATUS(tsamp_softmax(NULL, 4, 1.0f, out), TSAMP_ERR_NULL, "softmax(NULL logits)");
    FUZZ_CHECK_STATUS(tsamp_softmax(x, 4, 1.0f, NULL), TSAMP_ERR_NULL, "softmax(NULL out)");
    FUZZ_CHECK_STATUS(tsamp_log_softmax(x, 0, 1.0f, out), TSAMP_ERR_VOCAB, "log_softmax(n 0)");
    FUZZ_CHECK_STATUS(tsamp_softmax(x, big, 1.0f, out), TSAMP_ERR_VOCAB, "softmax(n > INT32_MAX)");
    FUZZ_CHECK_STATUS(tsamp_logsumexp(x, 4, NULL), TSAMP_ERR_NULL, "logsumexp(NULL out)");
    FUZZ_CHECK_STATUS(tsamp_softmax(x, 4, t, out), temp_status(t), "softmax(t)");
    float nanx[4] = {1.0f, NAN, 0.0f, 0.0f}, infx[2] = {INFINITY, 0.0f},
          masked[3] = {-INFINITY, -INFINITY, -INFINITY};
    FUZZ_CHECK_STATUS(tsamp_softmax(nanx, 4, 1.0f, out), TSAMP_ERR_NONFINITE, "softmax(NaN)");
    FUZZ_CHECK_STATUS(tsamp_log_softmax(infx, 2, 1.0f, out), TSAMP_ERR_NONFINITE,
                      "log_softmax(+inf)");
    FUZZ_CHECK_STATUS(tsamp_logsumexp(masked, 3, out), TSAMP_ERR_ALL_MASKED, "logsumexp(all -inf)");
    if (temp_status(t) != TSAMP_OK) FUZZ_CHECK(out[0] == 5.0f, "softmax wrote out on an error");
}

/* create with one bad parameter at a time, including an allocator failing at call j. */
static void op_create(api *a) {
    uint8_t what = fuzz_take_u8(&a->in);
    tsamp_chain_params p = tsamp_chain_default_params();
    fuzz_counter k;
    p.allocator = fuzz_counting_allocator(&k, 0);
    tsamp_chain *d = (tsamp_chain *)&d;
    tsamp_status st;
    switch (what % 6) {
    case 0:
        FUZZ_CHECK_STATUS(tsamp_chain_create(&d, 0, &p), TSAMP_ERR_VOCAB, "create(n_vocab 0)");
        FUZZ_CHECK_STATUS(tsamp_chain_create(&d, (size_t)INT32_MAX + 1, &p), TSAMP_ERR_VOCAB,
                          "create(n_vocab > INT32_MAX)");
        break;
    case 1:
        p.allocator.free = NULL;
        FUZZ_CHECK_STATUS(tsamp_chain_create(&d, 4, &p), TSAMP_ERR_INVALID_PARAM,
                          "create(alloc only)");
        p = tsamp_chain_default_params();
        p.allocator.free = fuzz_counting_allocator(&k, 0).free;
        FUZZ_CHECK_STATUS(tsamp_chain_create(&d, 4, &p), TSAMP_ERR_INVALID_PARAM,
                          "create(free only)");
        break;
    case 2:
        p.isa = (tsamp_isa)(5 + what);
        FUZZ_CHECK_STATUS(tsamp_chain_create(&d, 4, &p), TSAMP_ERR_INVALID_PARAM,
                          "create(isa unknown)");
        break;
    case 3:
        p.isa = (tsamp_isa)(what / 8 % 5);
        /* TSAMP_ISA_AUTO with NULL params: the default malloc/free */
        st = tsamp_chain_create(&d, 4, p.isa == TSAMP_ISA_AUTO ? NULL : &p);
        FUZZ_CHECK_STATUS(st, tsamp_isa_available(p.isa) ? TSAMP_OK : TSAMP_ERR_ISA, "create(isa)");
        if (st == TSAMP_OK) tsamp_chain_free(d);
        d = (tsamp_chain *)&d;
        break;
    default: /* the allocator fails at call j of creation */
        p.allocator = fuzz_counting_allocator(&k, 1 + what / 8 % 8);
        st = tsamp_chain_create(&d, 1 + a->n, &p);
        FUZZ_CHECK(st == TSAMP_OK || st == TSAMP_ERR_NOMEM, "create (failing allocator): %s",
                   tsamp_status_str(st));
        if (st == TSAMP_OK) tsamp_chain_free(d);
        d = (tsamp_chain *)&d;
        break;
    }
    FUZZ_CHECK(d == (tsamp_chain *)&d, "create wrote *out on an error");
    FUZZ_CHECK(k.allocs == k.frees, "create: %zu allocations, %zu frees", k.allocs, k.frees);
}

/* The functions that take no chain. */
static void op_misc(api *a) {
    int v = (int)(int8_t)fuzz_take_u8(&a->in);
    for (int s = v - 11; s <= v + 11; s++) { /* names for codes near v: every one, and unknown */
        const char *name = tsamp_status_str((tsamp_status)s);
        FUZZ_CHECK(name && strncmp(name, "TSAMP_", 6) == 0, "status_str(%d) = %s", s,
                   name ? name : "NULL");
        FUZZ_CHECK(tsamp_isa_name((tsamp_isa)s) != NULL, "isa_name(%d) is NULL", s);
        int av = tsamp_isa_available((tsamp_isa)s);
        FUZZ_CHECK(av == 0 || av == 1, "isa_available(%d) = %d", s, av);
    }
    FUZZ_CHECK(tsamp_version_number() == TSAMP_VERSION_NUMBER, "version %u",
               tsamp_version_number());
    FUZZ_CHECK(tsamp_isa_available(TSAMP_ISA_AUTO) && tsamp_isa_available(TSAMP_ISA_SCALAR) &&
                   tsamp_isa_available(tsamp_isa_default()),
               "auto, scalar or the default path unavailable");
    tsamp_rng_seed(NULL, 1, 2);
    FUZZ_CHECK(tsamp_rng_next(NULL) == 0 && tsamp_rng_uniform(NULL) == 0.0, "rng on NULL");
    uint64_t seed = fuzz_take_word(&a->in), pos = fuzz_take_word(&a->in);
    tsamp_rng r1 = tsamp_rng_at(seed, 3, pos), r2 = tsamp_rng_at(seed, 3, pos);
    double u1 = tsamp_rng_uniform(&r1), u2 = tsamp_rng_uniform(&r2);
    FUZZ_CHECK(u1 == u2 && u1 >= 0.0 && u1 < 1.0, "rng_at: %.17g, %.17g", u1, u2);
}

/* The masks through their add_* calls (the other targets add them by spec), on a scratch chain
 * of the same vocabulary: the documented status, then one sample of good logits, which may
 * only give ALL_MASKED (when the mask leaves nothing) and otherwise a token the mask allows. */
typedef struct {
    uint8_t pattern; /* the callback keeps the ids whose low bits differ from it */
    size_t calls;
} mask_rule;

static int rule_keeps(const mask_rule *m, int32_t id) { return ((uint32_t)id & 3u) != m->pattern; }

static void keep_by_rule(void *user, const int32_t *ids, size_t n, uint8_t *keep) {
    mask_rule *m = user;
    m->calls++;
    for (size_t i = 0; i < n; i++) keep[i] = (uint8_t)rule_keeps(m, ids[i]);
}

static int listed(const int32_t *ids, size_t n, int32_t id) {
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id) return 1;
    return 0;
}

static void op_masks(api *a) {
    uint8_t what = fuzz_take_u8(&a->in);
    int32_t ids[4];
    size_t n_ids = fuzz_take_u8(&a->in) % 5;
    int in_range = 1;
    for (size_t i = 0; i < n_ids; i++) {
        ids[i] = fuzz_take_u8(&a->in) % 4 ? (int32_t)(fuzz_take_u16(&a->in) % a->n)
                                          : fuzz_take_k(&a->in);
        in_range &= ids[i] >= 0 && (size_t)ids[i] < a->n;
    }
    mask_rule rule = {(uint8_t)(what >> 4 & 3), 0};
    uint64_t min_length = fuzz_take_u8(&a->in);
    tsamp_chain_params p = tsamp_chain_default_params();
    p.allocator = a->alloc;
    tsamp_chain *d = NULL;
    FUZZ_CHECK_STATUS(tsamp_chain_create(&d, a->n, &p), TSAMP_OK, "create (masks)");
    if (!d) return;
    tsamp_status st, want = in_range ? TSAMP_OK : TSAMP_ERR_VOCAB;
    const char *name;
    switch (what % 4) {
    case 0:
        name = "add_allow";
        st = tsamp_chain_add_allow(d, n_ids ? ids : NULL, n_ids);
        break;
    case 1:
        name = "add_deny";
        st = tsamp_chain_add_deny(d, n_ids ? ids : NULL, n_ids);
        break;
    case 2:
        name = "add_min_length";
        if (!n_ids) ids[0] = fuzz_take_k(&a->in);
        want = ids[0] >= 0 && (size_t)ids[0] < a->n ? TSAMP_OK : TSAMP_ERR_VOCAB;
        st = tsamp_chain_add_min_length(d, ids[0], min_length);
        break;
    default:
        name = "add_mask_callback";
        want = what & 8 ? TSAMP_OK : TSAMP_ERR_NULL;
        st = tsamp_chain_add_mask_callback(d, what & 8 ? keep_by_rule : NULL, &rule);
        break;
    }
    FUZZ_CHECK_STATUS(st, want, name);
    FUZZ_CHECK(tsamp_chain_n_processors(d) == (st == TSAMP_OK), "%s: %zu processors", name,
               tsamp_chain_n_processors(d));
    int added_mask = st == TSAMP_OK; /* else the chain is empty: any token */
    size_t allocs = a->k.allocs;
    int32_t tok = NO_TOKEN;
    st = tsamp_chain_sample(d, a->good, &tok);
    FUZZ_CHECK(a->k.allocs == allocs, "%s: sample allocated", name);
    FUZZ_CHECK(st == TSAMP_OK || st == TSAMP_ERR_ALL_MASKED, "%s: sample gave %s", name,
               tsamp_status_str(st));
    if (st == TSAMP_OK) {
        FUZZ_CHECK(tok >= 0 && (size_t)tok < a->n, "%s: token %ld", name, (long)tok);
        /* the position is 0, so min_length holds eos back when min_length > 0 */
        int allowed = !added_mask      ? 1
                      : what % 4 == 0 ? listed(ids, n_ids, tok) /* n_ids 0 allows nothing */
                      : what % 4 == 1 ? !listed(ids, n_ids, tok)
                      : what % 4 == 2 ? min_length == 0 || tok != ids[0]
                      : !(what & 8) || rule_keeps(&rule, tok);
        FUZZ_CHECK(allowed, "%s: sampled token %ld, which it masks", name, (long)tok);
    } else {
        /* ALL_MASKED only when the mask leaves no token of the (all finite) logits */
        int left = 0;
        for (size_t t = 0; t < a->n && !left; t++) {
            int32_t id = (int32_t)t;
            left = !added_mask      ? 1
                   : what % 4 == 0 ? listed(ids, n_ids, id)
                   : what % 4 == 1 ? !listed(ids, n_ids, id)
                   : what % 4 == 2 ? min_length == 0 || id != ids[0]
                   : !(what & 8) || rule_keeps(&rule, id);
        }
        FUZZ_CHECK(!left, "%s: ALL_MASKED though token(s) remain", name);
        FUZZ_CHECK(tok == NO_TOKEN, "%s: token written on an error", name);
    }
    if (what % 4 == 3 && added_mask)
        FUZZ_CHECK(rule.calls == 1, "callback ran %zu times", rule.calls);
    tsamp_chain_free(d);
}

/* Logit bias, DRY and mirostat through their add_* calls, on a scratch chain: the status is
 * OK exactly when every parameter is in its documented domain, else one of the errors the
 * bad ones document (their order is not specified); then one sample of good logits. */
static int finite_or_ninf(float b) { return b == b && b != INFINITY; }

static void op_edits(api *a) {
    uint8_t what = fuzz_take_u8(&a->in);
    size_t n_items = fuzz_take_u8(&a->in) % 5;
    tsamp_logit_bias biases[4];
    int32_t ids[4];
    int ids_ok = 1, biases_ok = 1, all_masked_possible = 1;
    for (size_t i = 0; i < n_items; i++) {
        ids[i] = fuzz_take_u8(&a->in) % 4 ? (int32_t)(fuzz_take_u16(&a->in) % a->n)
                                          : fuzz_take_k(&a->in);
        ids_ok &= ids[i] >= 0 && (size_t)ids[i] < a->n;
        biases[i].token = ids[i];
        biases[i].bias = fuzz_take_u8(&a->in) % 2 ? -INFINITY : fuzz_take_raw_float(&a->in);
        biases_ok &= finite_or_ninf(biases[i].bias);
    }
    float f1 = fuzz_take_raw_float(&a->in), f2 = fuzz_take_raw_float(&a->in);
    int32_t i1 = fuzz_take_k(&a->in), i2 = fuzz_take_k(&a->in);
    int f1_ok = isfinite(f1), f2_ok = isfinite(f2);
    tsamp_chain_params p = tsamp_chain_default_params();
    p.allocator = a->alloc;
    tsamp_chain *d = NULL;
    FUZZ_CHECK_STATUS(tsamp_chain_create(&d, a->n, &p), TSAMP_OK, "create (edits)");
    if (!d) return;
    size_t refused = a->k.refused;
    tsamp_status st;
    int invalid = 0, vocab = 0; /* which errors the parameters call for */
    const char *name;
    size_t len = n_items;
    switch (what % 4) {
    case 0:
        name = "add_logit_bias";
        st = tsamp_chain_add_logit_bias(d, n_items ? biases : NULL, n_items);
        invalid = !biases_ok;
        vocab = !ids_ok;
        break;
    case 1:
        name = "add_dry";
        st = tsamp_chain_add_dry(d, f1, f2, i1, i2, n_items ? ids : NULL, n_items ? &len : NULL,
                                 n_items ? 1 : 0);
        invalid = !f1_ok || !f2_ok || i1 < 0 || i2 < 0;
        vocab = !ids_ok;
        break;
    case 2:
        name = "add_mirostat";
        st = tsamp_chain_add_mirostat(d, f1, f2, i1);
        invalid = !f1_ok || !f2_ok || i1 < 2;
        break;
    default:
        name = "add_mirostat_v2";
        st = tsamp_chain_add_mirostat_v2(d, f1, f2);
        invalid = !f1_ok || !f2_ok;
        break;
    }
    if (st == TSAMP_ERR_NOMEM && a->k.refused > refused) { /* a window too large to hold */
        tsamp_chain_free(d);
        return;
    }
    if (!invalid && !vocab)
        FUZZ_CHECK_STATUS(st, TSAMP_OK, name);
    else
        FUZZ_CHECK((invalid && st == TSAMP_ERR_INVALID_PARAM) || (vocab && st == TSAMP_ERR_VOCAB),
                   "%s: %s, want%s%s", name, tsamp_status_str(st),
                   invalid ? " INVALID_PARAM" : "", vocab ? " VOCAB" : "");
    FUZZ_CHECK(tsamp_chain_n_processors(d) == (st == TSAMP_OK), "%s: %zu processors", name,
               tsamp_chain_n_processors(d));
    int bias_masks = st == TSAMP_OK && what % 4 == 0; /* -inf biases mask their tokens */
    for (size_t t = 0; t < a->n && all_masked_possible; t++) {
        int masked = 0;
        for (size_t i = 0; bias_masks && i < n_items; i++)
            masked |= biases[i].token == (int32_t)t && biases[i].bias == -INFINITY;
        all_masked_possible = masked;
    }
    size_t allocs = a->k.allocs;
    int32_t tok = NO_TOKEN;
    for (int step = 0; step < 3; step++) { /* mirostat and DRY change with what is accepted */
        st = tsamp_chain_sample(d, a->good, &tok);
        FUZZ_CHECK(st == TSAMP_OK || (st == TSAMP_ERR_ALL_MASKED && all_masked_possible),
                   "%s: sample gave %s", name, tsamp_status_str(st));
        if (st != TSAMP_OK) break;
        FUZZ_CHECK(tok >= 0 && (size_t)tok < a->n, "%s: token %ld", name, (long)tok);
        for (size_t i = 0; bias_masks && i < n_items; i++)
            FUZZ_CHECK(biases[i].token != tok || biases[i].bias != -INFINITY,
                       "%s: sampled token %ld, biased to -inf", name, (long)tok);
        FUZZ_CHECK_STATUS(tsamp_chain_accept(d, tok), TSAMP_OK, "accept (edits)");
    }
    FUZZ_CHECK(a->k.allocs == allocs, "%s: sample or accept allocated", name);
    tsamp_chain_free(d);
}

static void run_op(api *a, uint8_t op) {
    switch (op % 17) {
    case 0:
    case 1:
    case 2:
    case 3: op_add(a, op % 17); break;
    case 4: op_parse(a); break;
    case 5: op_accept(a); break;
    case 6:
        a->position = fuzz_take_word(&a->in);
        FUZZ_CHECK_STATUS(tsamp_chain_set_position(a->c, a->position), TSAMP_OK, "set_position");
        break;
    case 7:
        FUZZ_CHECK_STATUS(tsamp_chain_reset(a->c), TSAMP_OK, "reset");
        a->position = 0;
        FUZZ_CHECK(tsamp_chain_position(a->c) == 0 && tsamp_chain_n_processors(a->c) == a->n_procs,
                   "reset: position %llu, %zu processors",
                   (unsigned long long)tsamp_chain_position(a->c), tsamp_chain_n_processors(a->c));
        break;
    case 8: op_sample(a); break;
    case 9: op_distribution(a); break;
    case 10: op_clone(a); break;
    case 11: op_add_nomem(a); break;
    case 12: op_format(a); break;
    case 13:
        op_null_chain();
        op_numerics(a);
        break;
    case 14:
        op_create(a);
        op_misc(a);
        break;
    case 15: op_masks(a); break;
    default: op_edits(a); break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fuzz_begin("api", size);
    api a;
    memset(&a, 0, sizeof a);
    fuzz_input_init(&a.in, data, size);
    a.n = 1 + fuzz_take_u16(&a.in) % 600;
    a.alloc = fuzz_counting_allocator(&a.k, 0);
    tsamp_chain_params p = tsamp_chain_default_params();
    p.seed = fuzz_take_word(&a.in);
    p.allocator = a.alloc;
    a.good = malloc(a.n * sizeof *a.good);
    a.bad = malloc(a.n * sizeof *a.bad);
    if (!a.good || !a.bad) goto done;
    for (size_t i = 0; i < a.n; i++) /* a few ties, a spread of about 12 */
        a.good[i] = (float)((i * 2654435761u + p.seed) % 97) / 8.0f - 6.0f;
    FUZZ_CHECK_STATUS(tsamp_chain_create(&a.c, a.n, &p), TSAMP_OK, "create");
    for (int i = 0; i < MAX_OPS && fuzz_input_left(&a.in) > 0; i++) run_op(&a, fuzz_take_u8(&a.in));
    tsamp_chain_free(a.c);
    FUZZ_CHECK(a.k.allocs == a.k.frees, "%zu allocations, %zu frees", a.k.allocs, a.k.frees);
done:
    free(a.good);
    free(a.bad);
    return 0;
}
