/*
 * tsamp - exact, fast, reproducible LLM token sampling.
 *
 * One header, the whole public API. Conventions that hold for every function:
 *  - Fallible functions return a tsamp_status; TSAMP_OK is 0. Outputs are written only on
 *    TSAMP_OK unless the function's documentation says otherwise.
 *  - A NULL pointer where an object is required gives TSAMP_ERR_NULL (never a crash).
 *  - Logits are read through `const float *` and are never written.
 *  - Logits: NaN or +inf is TSAMP_ERR_NONFINITE; -inf marks a masked token (probability 0);
 *    all tokens masked is TSAMP_ERR_ALL_MASKED; a vocabulary of 0 or more than INT32_MAX
 *    entries is TSAMP_ERR_VOCAB.
 *  - The library never allocates after tsamp_chain_create (sample, accept, reset, set_position
 *    and distribution run in the memory the chain took at creation and at each add_*).
 *  - The library never calls exit, abort or assert on caller input.
 *  - A chain belongs to one thread at a time; distinct chains are independent.
 */
#ifndef TSAMP_H
#define TSAMP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TSAMP_VERSION_MAJOR 0
#define TSAMP_VERSION_MINOR 1
#define TSAMP_VERSION_PATCH 0
#define TSAMP_VERSION_NUMBER \
    (TSAMP_VERSION_MAJOR * 10000 + TSAMP_VERSION_MINOR * 100 + TSAMP_VERSION_PATCH)

#if defined(TSAMP_BUILDING_LIBRARY) && defined(__GNUC__)
#define TSAMP_API __attribute__((visibility("default")))
#else
#define TSAMP_API
#endif

/* ---------------------------------------------------------------------------------------- */
/* Status codes (stable values)                                                              */
/* ---------------------------------------------------------------------------------------- */

typedef enum {
    TSAMP_OK = 0,                 /* success */
    TSAMP_ERR_NULL = 1,           /* a required pointer argument was NULL */
    TSAMP_ERR_INVALID_PARAM = 2,  /* a parameter is outside its documented domain */
    TSAMP_ERR_NONFINITE = 3,      /* a logit is NaN or +inf */
    TSAMP_ERR_ALL_MASKED = 4,     /* every token is masked (-inf) or removed */
    TSAMP_ERR_NOMEM = 5,          /* the allocator returned NULL */
    TSAMP_ERR_VOCAB = 6,          /* vocabulary size 0 or above INT32_MAX, or token id out of range */
    TSAMP_ERR_PARSE = 7,          /* a spec string is malformed (see tsamp_chain_parse_ex) */
    TSAMP_ERR_ISA = 8,            /* the requested instruction set is not available here */
    TSAMP_ERR_BUFFER_TOO_SMALL = 9 /* an output buffer is too small; the needed size is reported */
} tsamp_status;

/**
 * Name of a status code, e.g. "TSAMP_ERR_NONFINITE: a logit is NaN or +inf".
 * @return a static string; never NULL (unknown values give "TSAMP_ERR_UNKNOWN: ...").
 */
TSAMP_API const char *tsamp_status_str(tsamp_status s);

/** @return TSAMP_VERSION_NUMBER of the library that is linked (may differ from the header's). */
TSAMP_API unsigned tsamp_version_number(void);

/* ---------------------------------------------------------------------------------------- */
/* Instruction sets                                                                          */
/* ---------------------------------------------------------------------------------------- */

/*
 * Every code path gives bitwise identical results; the choice only changes speed.
 * TSAMP_ISA_AUTO picks the best available path, unless the environment variable
 * TSAMP_ISA=scalar|avx2|avx512|neon names one (read once, at the first use).
 */
typedef enum {
    TSAMP_ISA_AUTO = 0,
    TSAMP_ISA_SCALAR = 1,
    TSAMP_ISA_AVX2 = 2,   /* x86-64 with AVX2 (checked with CPUID + XGETBV) */
    TSAMP_ISA_AVX512 = 3, /* x86-64 with AVX-512F (checked with CPUID + XGETBV) */
    TSAMP_ISA_NEON = 4    /* aarch64 */
} tsamp_isa;

/** @return non-zero if `isa` can run on this machine (TSAMP_ISA_AUTO and SCALAR always can). */
TSAMP_API int tsamp_isa_available(tsamp_isa isa);

/**
 * The path that TSAMP_ISA_AUTO resolves to: the TSAMP_ISA environment variable if it names an
 * available path, otherwise the best available one.
 */
TSAMP_API tsamp_isa tsamp_isa_default(void);

/** @return "auto", "scalar", "avx2", "avx512" or "neon"; "unknown" for other values. */
TSAMP_API const char *tsamp_isa_name(tsamp_isa isa);

/* ---------------------------------------------------------------------------------------- */
/* Numerics                                                                                  */
/* ---------------------------------------------------------------------------------------- */

/*
 * All three are numerically stable (the maximum is subtracted before exponentiation) and use
 * the library's own exp/log, so results are bitwise identical on every platform and path.
 * Accuracy: see tsamp_exp / tsamp_log below; a probability is within a few float ulp of the
 * exact value, relative to the largest probability.
 *
 * Temperature t: the logits are divided by t (folded into one multiplication by 1/t).
 *  t == 1 is plain softmax; t == 0 is greedy: a one-hot distribution on the first maximal
 *  logit. The scale 1/t saturates at FLT_MAX (t < ~2.9e-39): then only logits equal to the
 *  max keep weight, and they share it equally. t < 0, NaN or +inf: TSAMP_ERR_INVALID_PARAM.
 */

/**
 * out[i] = exp(x_i / t) / sum_j exp(x_j / t).
 * @param logits n values; -inf entries get probability 0.
 * @param n      1 .. INT32_MAX (else TSAMP_ERR_VOCAB).
 * @param out    n floats; may be the logits array itself (in place), must not partly overlap it.
 * @return TSAMP_OK, TSAMP_ERR_NULL, TSAMP_ERR_VOCAB, TSAMP_ERR_INVALID_PARAM,
 *         TSAMP_ERR_NONFINITE (a NaN/+inf logit), TSAMP_ERR_ALL_MASKED (every logit is -inf).
 */
TSAMP_API tsamp_status tsamp_softmax(const float *logits, size_t n, float temperature, float *out);

/**
 * out[i] = x_i / t - logsumexp(x / t); -inf for masked entries. Same arguments and statuses as
 * tsamp_softmax. At t == 0: 0 for the first maximal logit, -inf elsewhere.
 */
TSAMP_API tsamp_status tsamp_log_softmax(const float *logits, size_t n, float temperature,
                                         float *out);

/**
 * *out = log(sum_i exp(x_i)). Same statuses as tsamp_softmax (no temperature).
 */
TSAMP_API tsamp_status tsamp_logsumexp(const float *logits, size_t n, float *out);

/**
 * The library's exponential: a Cody-Waite reduction and a degree-6 polynomial evaluated with
 * plain IEEE float operations (no FMA), the same bits on every platform.
 * Inputs below -104 (and -inf) give +0; inputs above 88.72 give +inf; NaN gives NaN.
 * Maximum error over [-87.3, 88.7] is measured by the test suite (see README: at most 2 ulp).
 * Subnormal results are rounded once.
 */
TSAMP_API float tsamp_exp(float x);

/**
 * The library's natural logarithm, computed in double with IEEE operations only and rounded
 * to float: log(+0) = -inf, log(x < 0) = NaN, log(+inf) = +inf. At most 1 ulp (test-measured).
 */
TSAMP_API float tsamp_log(float x);

/* ---------------------------------------------------------------------------------------- */
/* Random numbers                                                                            */
/* ---------------------------------------------------------------------------------------- */

/** PCG32 (XSH-RR output, 64-bit LCG state). The fields are private: use the functions. */
typedef struct {
    uint64_t state;
    uint64_t inc;
} tsamp_rng;

/**
 * Seeds exactly as the reference pcg32_srandom_r(initstate, initseq): the same sequence as
 * pcg32 from the PCG reference C and C++ libraries. A NULL r is ignored.
 */
TSAMP_API void tsamp_rng_seed(tsamp_rng *r, uint64_t initstate, uint64_t initseq);

/** @return the next 32-bit output (0 for a NULL r). */
TSAMP_API uint32_t tsamp_rng_next(tsamp_rng *r);

/**
 * @return a double uniform in [0, 1) with 53 random bits: two outputs a, b give
 *         ((a >> 5) * 2^26 + (b >> 6)) / 2^53. 0 for a NULL r.
 */
TSAMP_API double tsamp_rng_uniform(tsamp_rng *r);

/**
 * The random stream of one decoding position: a pure function of (seed, stream, position).
 * With m = stream and position as two little-endian 64-bit words followed by a tag byte,
 * initstate = XXH3_64bits_withSeed(m || 0x00, 17, seed) and
 * initseq   = XXH3_64bits_withSeed(m || 0x01, 17, seed), then tsamp_rng_seed.
 */
TSAMP_API tsamp_rng tsamp_rng_at(uint64_t seed, uint64_t stream, uint64_t position);

/* ---------------------------------------------------------------------------------------- */
/* Sampler chains                                                                            */
/* ---------------------------------------------------------------------------------------- */

typedef struct tsamp_chain tsamp_chain;

/** Optional allocator. Both functions set, or both NULL (then malloc/free are used). */
typedef struct {
    void *(*alloc)(void *ctx, size_t size); /* return NULL on failure */
    void (*free)(void *ctx, void *ptr);     /* must accept any pointer alloc returned */
    void *ctx;
} tsamp_allocator;

typedef struct {
    uint64_t seed;             /* default 0 */
    uint64_t stream;           /* default 0: e.g. a request or sequence id */
    tsamp_isa isa;             /* default TSAMP_ISA_AUTO; an unavailable path gives TSAMP_ERR_ISA */
    tsamp_allocator allocator; /* default {NULL, NULL, NULL}: malloc/free */
} tsamp_chain_params;

/** @return the default parameters (seed 0, stream 0, TSAMP_ISA_AUTO, malloc/free). */
TSAMP_API tsamp_chain_params tsamp_chain_default_params(void);

/**
 * Creates an empty chain (no processors: sampling draws from softmax(logits)) for vocabularies
 * of n_vocab tokens. Takes all the working memory it will need for n_vocab (about 21 bytes per
 * token).
 * @param out    receives the chain; *out is set only on TSAMP_OK.
 * @param params NULL for the defaults.
 * @return TSAMP_OK, TSAMP_ERR_NULL (out), TSAMP_ERR_VOCAB (n_vocab 0 or > INT32_MAX),
 *         TSAMP_ERR_INVALID_PARAM (only one of the allocator functions set, unknown isa),
 *         TSAMP_ERR_ISA (isa not available), TSAMP_ERR_NOMEM.
 */
TSAMP_API tsamp_status tsamp_chain_create(tsamp_chain **out, size_t n_vocab,
                                          const tsamp_chain_params *params);

/** Frees the chain and everything it owns. Accepts NULL. */
TSAMP_API void tsamp_chain_free(tsamp_chain *c);

/**
 * A deep copy: processors, parameters, position and history. The copy uses the same
 * allocator. @return TSAMP_OK, TSAMP_ERR_NULL, TSAMP_ERR_NOMEM (*out untouched).
 */
TSAMP_API tsamp_status tsamp_chain_clone(const tsamp_chain *c, tsamp_chain **out);

/** Forgets the accepted history and sets the position to 0; processors stay. Never fails but
 *  on NULL (TSAMP_ERR_NULL). */
TSAMP_API tsamp_status tsamp_chain_reset(tsamp_chain *c);

/** @return the vocabulary size the chain was created for (0 for NULL). */
TSAMP_API size_t tsamp_chain_n_vocab(const tsamp_chain *c);

/** @return the current position (0 for NULL). */
TSAMP_API uint64_t tsamp_chain_position(const tsamp_chain *c);

/** @return the number of processors added so far (0 for NULL). */
TSAMP_API size_t tsamp_chain_n_processors(const tsamp_chain *c);

/*
 * Processors run in the order they are added; each one sees the candidates and logits left by
 * the ones before it. "Probability" means the softmax over the current candidates at the
 * current temperature. Order among candidates is by logit, descending, ties broken by the
 * lower token id; temperature never reorders and never creates ties. Each add_* may be called
 * any number of times. On an error the chain is unchanged.
 */

/**
 * Temperature t: logits are divided by t (several temperatures multiply).
 *  t == 1: no-op. t == 0: greedy, only the first maximal candidate remains. The product of the
 *  1/t is taken in double and saturates at FLT_MAX: a scale that large leaves weight only on
 *  the candidates equal to the max, which share it. t < 0, NaN or +inf: INVALID_PARAM.
 */
TSAMP_API tsamp_status tsamp_chain_add_temperature(tsamp_chain *c, float t);

/**
 * Top-k: keep the k candidates with the largest logits, ties broken by the lower token id.
 *  k <= 0: no-op. k >= the number of candidates: keeps all.
 */
TSAMP_API tsamp_status tsamp_chain_add_top_k(tsamp_chain *c, int32_t k);

/**
 * Top-p (nucleus): in descending order, keep the shortest prefix of candidates whose total
 * probability is >= p (the token that crosses p is kept), and at least min_keep candidates.
 *  p >= 1: no-op. p <= 0: keeps max(1, min_keep). NaN: TSAMP_ERR_INVALID_PARAM.
 *  Masses are accumulated in double; a prefix whose mass is within ~1e-6 of p may be decided
 *  either way relative to exact arithmetic.
 */
TSAMP_API tsamp_status tsamp_chain_add_top_p(tsamp_chain *c, float p, size_t min_keep);

/**
 * Min-p: keep candidates whose probability is >= p times the largest probability, i.e. whose
 * scaled logit is >= max + log(p); if fewer than min_keep remain, keep the top min_keep.
 *  p <= 0: no-op. p > 1: keeps only the argmax (or the top min_keep). NaN: INVALID_PARAM.
 */
TSAMP_API tsamp_status tsamp_chain_add_min_p(tsamp_chain *c, float p, size_t min_keep);

/* (section: processors: shaping) */

/* (section: processors: edits) */

/* (section: processors: stateful) */

/** Detail of a spec-string error, filled by tsamp_chain_parse_ex. */
typedef struct {
    size_t offset;     /* byte offset in the spec where the problem is */
    char message[128]; /* what is wrong, e.g. "top_k: expected an integer" (NUL-terminated) */
} tsamp_parse_error;

/**
 * Appends the processors described by `spec` to the chain, all or nothing.
 *
 * Grammar (whitespace separates items; keys are case-sensitive):
 *   spec  := item*            item := key [ '=' value ( ',' value )* ]
 *   temp=T | temperature=T    tsamp_chain_add_temperature(T)
 *   greedy                    tsamp_chain_add_temperature(0)
 *   top_k=K                   tsamp_chain_add_top_k(K)
 *   top_p=P[,MIN_KEEP]        tsamp_chain_add_top_p(P, MIN_KEEP), MIN_KEEP defaults to 1
 *   min_p=P[,MIN_KEEP]        tsamp_chain_add_min_p(P, MIN_KEEP), MIN_KEEP defaults to 1
 * Numbers use '.' as the decimal point whatever the locale; integers are decimal.
 * An empty or all-blank spec adds nothing and succeeds.
 * @return TSAMP_OK, TSAMP_ERR_NULL, TSAMP_ERR_PARSE (malformed; chain unchanged),
 *         TSAMP_ERR_INVALID_PARAM (a value outside its domain; chain unchanged), TSAMP_ERR_NOMEM.
 */
TSAMP_API tsamp_status tsamp_chain_parse(tsamp_chain *c, const char *spec);

/** As tsamp_chain_parse; on PARSE or INVALID_PARAM also fills *err (if err is not NULL). */
TSAMP_API tsamp_status tsamp_chain_parse_ex(tsamp_chain *c, const char *spec,
                                            tsamp_parse_error *err);

/**
 * Writes the chain's processors as a spec string that tsamp_chain_parse turns back into the
 * same processors with bitwise the same parameters (floats are printed with 9 significant
 * digits). An empty chain gives "".
 * @param buf  cap bytes, NUL-terminated on success; may be NULL when cap is 0.
 * @param len  receives the length without the NUL; set on TSAMP_OK and on
 *             TSAMP_ERR_BUFFER_TOO_SMALL (then cap must be at least *len + 1).
 */
TSAMP_API tsamp_status tsamp_chain_format(const tsamp_chain *c, char *buf, size_t cap,
                                          size_t *len);

/**
 * Runs the chain on `logits` (n_vocab entries) and draws a token at the current position
 * from its random stream tsamp_rng_at(seed, stream, position). Does not advance the position
 * and does not record the token: call tsamp_chain_accept for that.
 * When a single candidate remains (greedy), it is returned without a draw.
 * @return TSAMP_OK, TSAMP_ERR_NULL, TSAMP_ERR_NONFINITE, TSAMP_ERR_ALL_MASKED.
 */
TSAMP_API tsamp_status tsamp_chain_sample(tsamp_chain *c, const float *logits, int32_t *token);

/**
 * Records `token` as generated (it need not be one the chain sampled, e.g. a prompt token)
 * and advances the position by one.
 * @return TSAMP_OK, TSAMP_ERR_NULL, TSAMP_ERR_VOCAB (token < 0 or >= n_vocab).
 */
TSAMP_API tsamp_status tsamp_chain_accept(tsamp_chain *c, int32_t token);

/** Sets the position that the next sample draws at (to resume decoding). */
TSAMP_API tsamp_status tsamp_chain_set_position(tsamp_chain *c, uint64_t position);

/**
 * The distribution tsamp_chain_sample would draw from: the kept token ids in increasing order
 * and their probabilities (summing to 1 within float rounding).
 * @param ids, probs  cap entries each; may be NULL when cap is 0.
 * @param n_kept      receives the number of kept tokens, on TSAMP_OK and on
 *                    TSAMP_ERR_BUFFER_TOO_SMALL (cap < *n_kept; ids/probs untouched).
 * @return as tsamp_chain_sample, plus TSAMP_ERR_BUFFER_TOO_SMALL.
 */
TSAMP_API tsamp_status tsamp_chain_distribution(tsamp_chain *c, const float *logits,
                                                int32_t *ids, float *probs, size_t cap,
                                                size_t *n_kept);

/* ---------------------------------------------------------------------------------------- */
/* Log-probabilities, scoring and speculative decoding                                       */
/* ---------------------------------------------------------------------------------------- */

/* (section: logprobs) */

/* ---------------------------------------------------------------------------------------- */
/* Batches and saved state                                                                    */
/* ---------------------------------------------------------------------------------------- */

/* (section: batch) */

#ifdef __cplusplus
}
#endif

#endif /* TSAMP_H */
