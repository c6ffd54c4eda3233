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
    TSAMP_ERR_PARSE = 7,          /* a spec string or saved state is malformed */
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

/*
 * Shaping: processors that truncate or rescale from statistics of the current distribution
 * (entropy, spread). In the formulas below a_i is candidate i's scaled logit (its logit minus
 * the max, times the current 1/temperature), p_i = exp(a_i) / S with S = sum_j exp(a_j), and
 * H = -sum_i p_i log p_i = log S - abar the entropy in nats, abar = sum_i p_i a_i. Masked
 * tokens are not candidates and count nowhere. Sums are the library's canonical float sums
 * (added in double across blocks) and logs its own, so results are bitwise identical on every
 * path; a decision within float rounding of its boundary may go either way relative to exact
 * arithmetic (the tests measure and bound how often).
 */

/**
 * Locally typical sampling (Meister et al. 2022; llama.cpp's llama_sampler_init_typical).
 * Candidates are ordered by their distance |-log p_i - H| = |a_i - abar| from the entropy,
 * nearest first, and the shortest prefix of that order whose total probability is > p is kept,
 * extended to min_keep candidates of that order if it is shorter. The kept set is the
 * candidates whose scaled logits lie in an interval around abar (found by a threshold search
 * on masses, without sorting).
 *  Equal distances: the larger logit first, then the lower token id (llama.cpp uses std::sort,
 *  which leaves them in an unspecified order). The distances are floats, |a_i - abar| with
 *  abar rounded to float, so two within ~1e-7 of |a_i| + |abar| may compare equal (then the
 *  logit decides) or swap; masses are summed in double from float weights, so a prefix whose
 *  mass is within ~1e-6 of p may be decided either way relative to exact arithmetic.
 *  "> p" is llama.cpp's strict test; Hugging Face's TypicalLogitsWarper stops at the first
 *  prefix whose mass is >= p, so at an exactly reachable mass the two differ: we follow
 *  llama.cpp. min_keep 0 acts as 1: in llama.cpp `i >= min_keep - 1` wraps around for 0 and the
 *  processor then keeps every candidate, which we take for a bug.
 *  p >= 1: no-op. p <= 0: keeps max(1, min_keep) candidates (the most typical). NaN:
 *  TSAMP_ERR_INVALID_PARAM. Uses n_vocab floats of working memory, taken at add time (the
 *  chain's buffer for edited logits, shared with the processors that edit them).
 */
TSAMP_API tsamp_status tsamp_chain_add_typical(tsamp_chain *c, float p, size_t min_keep);

/**
 * Top-n-sigma (Tang et al. 2024; llama.cpp's llama_sampler_init_top_n_sigma): keep the
 * candidates whose logit is >= max - n * sigma, sigma the population standard deviation
 * (divided by the count) of the current candidates' logits; masked tokens are left out of it,
 * as in llama.cpp. A temperature divides the max, the logits and sigma alike, so the kept set
 * does not depend on it: the test is done on the unscaled logits, in double (llama.cpp: float).
 *  n <= 0 or a single candidate: no-op. n = +inf: keeps all. The max always stays.
 *  NaN: TSAMP_ERR_INVALID_PARAM.
 */
TSAMP_API tsamp_status tsamp_chain_add_top_n_sigma(tsamp_chain *c, float n);

/**
 * XTC, "exclude top choices" (llama.cpp's llama_sampler_init_xtc): with the given probability,
 * of the candidates whose probability is >= threshold all but the least likely are removed:
 * the last of them in candidate order stays (among equal logits, the highest token id). It
 * acts only if at least two candidates reach the threshold and at least min_keep candidates
 * remain afterwards; otherwise the token is left as it is.
 *  Randomness: one uniform u per token, the next number of the position's random stream (after
 *  the final draw's, in chain order with any other processor that draws), so it depends only
 *  on (seed, stream, position). It is drawn whenever the processor is active (probability > 0
 *  and threshold <= 0.5), whatever the candidates; XTC acts iff u <= probability. (llama.cpp
 *  draws from the sampler's own generator, and only when there are >= 2 candidates.)
 *  probability <= 0 or threshold > 0.5: no-op, no draw (as llama.cpp). probability >= 1: acts
 *  at every token. threshold <= 0: every candidate qualifies, so only the least likely one
 *  stays (if min_keep <= 1). The threshold test is in logit space, in double:
 *  a_i >= log(threshold) + log S. NaN in either: TSAMP_ERR_INVALID_PARAM.
 */
TSAMP_API tsamp_status tsamp_chain_add_xtc(tsamp_chain *c, float probability, float threshold,
                                           size_t min_keep);

/**
 * Dynamic temperature from the entropy (llama.cpp's llama_sampler_init_temp_ext). With
 * delta > 0 and n >= 2 candidates, t_min = max(0, t - delta), t_max = t + delta and
 *   T = t_min + (t_max - t_min) * (H / log n)^exponent
 * (computed in double with the library's own log and exp, the ratio clamped to [0, 1], then
 * rounded to float, saturating at FLT_MAX); the logits are then divided by T as by
 * tsamp_chain_add_temperature(T): T == 0 is greedy (the first maximal candidate), T == 1 no
 * change. x^0 is 1, also for x = 0 (as powf). n counts the candidates (llama.cpp counts every
 * entry of its array, masked ones included). delta > 0 with a single candidate: no-op.
 *  delta <= 0: exactly tsamp_chain_add_temperature(t).
 *  t < 0, NaN or +inf; delta NaN or +-inf; exponent < 0, NaN or +inf: TSAMP_ERR_INVALID_PARAM
 *  (llama.cpp takes t <= 0 as greedy; a negative exponent would make T infinite at H = 0).
 */
TSAMP_API tsamp_status tsamp_chain_add_temp_ext(tsamp_chain *c, float t, float delta,
                                                float exponent);

/**
 * Epsilon sampling (Hewitt et al. 2022; Hugging Face's EpsilonLogitsWarper, which llama.cpp
 * does not have): keep the candidates with probability >= eps, together with every candidate
 * whose logit is >= the k-th largest, k = max(1, min_keep) (Hugging Face's min_tokens_to_keep,
 * a top-k by value: ties with the k-th logit all stay). The test is in logit space, in double:
 * a_i >= log(eps) + log S.
 *  eps <= 0: no-op (Hugging Face's generate adds the warper only for 0 < eps < 1).
 *  eps >= 1 or NaN: TSAMP_ERR_INVALID_PARAM (the warper's ValueError).
 */
TSAMP_API tsamp_status tsamp_chain_add_epsilon(tsamp_chain *c, float eps, size_t min_keep);

/**
 * Eta sampling (Hewitt et al. 2022; Hugging Face's EtaLogitsWarper): as epsilon sampling with
 * the entropy-dependent cutoff eta = min(eps, sqrt(eps) * exp(-H)); in logit space, in double:
 * a_i >= min(log(eps) + log S, log(eps) / 2 + abar). min_keep, no-op and statuses as
 * tsamp_chain_add_epsilon.
 */
TSAMP_API tsamp_status tsamp_chain_add_eta(tsamp_chain *c, float eps, size_t min_keep);

/* (section: processors: edits) */

/*
 * Edits: processors that change logits (penalties, bias) or mask tokens. They act on the
 * current candidates at the current scale (a temperature added before them has already divided
 * the logits they see, as in llama.cpp) and leave the other tokens out. Arithmetic is float,
 * in llama.cpp's order; an edited logit that overflows is saturated to +-FLT_MAX, so edits
 * never create +inf or NaN and never mask a token by overflow (llama.cpp would give +-inf
 * there): only an explicit mask does (a -inf bias, a list, the callback, n-grams, min-length).
 * A processor that masks every remaining candidate makes tsamp_chain_sample and
 * tsamp_chain_distribution return TSAMP_ERR_ALL_MASKED. Token ids given to an add_* must be in
 * 0 .. n_vocab-1, else TSAMP_ERR_VOCAB (as tsamp_chain_accept).
 *
 * History: penalties, DRY and no-repeat n-gram read the tokens accepted (tsamp_chain_accept)
 * since they were added or since the last tsamp_chain_reset, within a window of the last
 * last_n of them, as llama.cpp's samplers read what their accept received; prompt tokens count
 * if the caller accepts them. tsamp_chain_set_position does not change a history; clones and
 * saved states copy it. The window's memory is taken at add time: at most 36 bytes per token
 * of last_n for penalties, 44 for DRY, 52 for n-grams, plus 4 for the chain's history (so a
 * window far beyond the vocabulary or the context only costs memory). last_n = -1 means the
 * context size in llama.cpp's tools, which substitute it before creating a sampler (llama.cpp's
 * library itself clamps a negative penalty_last_n to 0); tsamp does not know the context size,
 * so a negative last_n is TSAMP_ERR_INVALID_PARAM: pass the size itself.
 */

/**
 * Repetition penalties (llama.cpp's llama_sampler_init_penalties): each candidate that occurs
 * count >= 1 times among the last last_n accepted tokens becomes, in float arithmetic,
 *   l = (l > 0 ? l / repeat : l * repeat) - (count * frequency + presence)
 * (the CTRL repetition penalty with the usual fix for negative logits, then OpenAI's frequency
 * and presence penalties). Cost: O(last_n), plus one copy of the candidates' logits when one
 * of them is edited.
 *  No-op (nothing is copied): last_n == 0, or repeat == 1, frequency == 0 and presence == 0;
 *  also while no accepted token is a candidate.
 * @param last_n     window, 0 .. INT32_MAX; negative (llama.cpp's -1): INVALID_PARAM.
 * @param repeat     > 0 and finite (1: none; > 1 discourages repeats); else INVALID_PARAM.
 * @param frequency  subtracted once per occurrence (0: none); NaN or +-inf: INVALID_PARAM.
 * @param presence   subtracted once for a present token (0: none); NaN or +-inf: INVALID_PARAM.
 * @return TSAMP_OK, TSAMP_ERR_NULL, TSAMP_ERR_INVALID_PARAM, TSAMP_ERR_NOMEM.
 */
TSAMP_API tsamp_status tsamp_chain_add_penalties(tsamp_chain *c, int32_t last_n, float repeat,
                                                 float frequency, float presence);

/** Longest DRY sequence breaker: a head token and up to 20 more (llama.cpp's cap). */
#define TSAMP_DRY_MAX_BREAKER_LEN 21

/**
 * DRY, "don't repeat yourself" (llama.cpp's llama_sampler_init_dry, exactly its algorithm):
 * penalizes the tokens that would extend a repetition of the recent history. Over the window
 * h (the last N = min(last_n, accepted) tokens):
 *  1. Sequence breakers: at the latest position where a breaker's tokens occur in full (the
 *     longest breaker if several start there), repetitions are cut: a repeat may span at most
 *     the rep_limit tokens after that breaker (N if none occurs). rep_limit < allowed_length:
 *     nothing is penalized.
 *  2. For every earlier position k, L_k = the number of tokens that the history ending at k
 *     has in common with its end (the longest common suffix, by a Z-algorithm in O(N)),
 *     capped at rep_limit.
 *  3. Each L_k >= allowed_length makes the token that followed position k a target, with the
 *     largest such L_k as its length L.
 *  4. Each target candidate that is not itself a one-token breaker gets
 *     l -= (float)(multiplier * base^e), e = L - allowed_length, capped at
 *     (int)(88.7228391f / log(base)) when base > 1.000001 (llama.cpp's overflow guard); the
 *     power is computed in double by repeated squaring (llama.cpp: std::pow in double).
 * Breakers: llama.cpp takes strings and derives every token sequence that can spell them;
 * here the caller gives the token-id sequences (e.g. each breaker string tokenized, plus the
 * single tokens that contain it). A breaker matches where the history holds its tokens in
 * order. Cost: O(N * (1 + breaker tokens sharing a head)), plus one copy of the candidates'
 * logits when one is penalized.
 *  No-op: multiplier == 0, base < 1, last_n == 0, or N <= allowed_length.
 * @param multiplier      finite (0.8 is typical); NaN or +-inf: INVALID_PARAM.
 * @param base            finite (1.75 is typical); < 1 disables; NaN or +-inf: INVALID_PARAM.
 * @param allowed_length  >= 0 (2 is typical): longer repeats are penalized; < 0: INVALID_PARAM.
 * @param last_n          window, 0 .. INT32_MAX; negative (llama.cpp's -1): INVALID_PARAM.
 * @param breakers        the breakers' tokens one after another (sum of breaker_lens ids).
 * @param breaker_lens    n_breakers lengths, each 1 .. TSAMP_DRY_MAX_BREAKER_LEN (else
 *                        INVALID_PARAM). Both may be NULL when n_breakers is 0; more than
 *                        2^32 / 21 breakers: INVALID_PARAM. Copied.
 * @return TSAMP_OK, TSAMP_ERR_NULL (c; breakers or breaker_lens with n_breakers > 0),
 *         TSAMP_ERR_INVALID_PARAM, TSAMP_ERR_VOCAB (a breaker token), TSAMP_ERR_NOMEM.
 */
TSAMP_API tsamp_status tsamp_chain_add_dry(tsamp_chain *c, float multiplier, float base,
                                           int32_t allowed_length, int32_t last_n,
                                           const int32_t *breakers, const size_t *breaker_lens,
                                           size_t n_breakers);

/** One logit bias (as llama.cpp's llama_logit_bias). */
typedef struct {
    int32_t token;
    float bias;
} tsamp_logit_bias;

/**
 * Logit bias (llama.cpp's llama_sampler_init_logit_bias): adds each entry's bias to its
 * token's logit, entries in the order given, so several entries for one token add up in that
 * order (as llama.cpp does over a full vocabulary; its fallback for reordered candidates adds
 * only the first). A bias of -inf masks the token. Tokens that are not candidates stay out.
 *  No-op: n == 0, or every bias 0.
 * @param biases  n entries (NULL when n == 0): tokens 0 .. n_vocab-1 (else TSAMP_ERR_VOCAB),
 *                biases finite or -inf (NaN or +inf: TSAMP_ERR_INVALID_PARAM). Copied.
 * @return TSAMP_OK, TSAMP_ERR_NULL, TSAMP_ERR_INVALID_PARAM, TSAMP_ERR_VOCAB, TSAMP_ERR_NOMEM.
 */
TSAMP_API tsamp_status tsamp_chain_add_logit_bias(tsamp_chain *c, const tsamp_logit_bias *biases,
                                                  size_t n);

/**
 * No-repeat n-gram (Hugging Face's NoRepeatNGramLogitsProcessor; llama.cpp has none): masks
 * every token t such that the last n-1 accepted tokens followed by t form an n-gram that
 * already occurs in the window of the last last_n accepted tokens (n == 1: every token of the
 * window). Hugging Face looks at the whole input; the window fixes the memory at add time:
 * an n-gram that starts more than last_n tokens back is forgotten, so last_n >= the sequence
 * length gives Hugging Face's result exactly. N-grams are found through a table of XXH3-64
 * hashes updated by each accept; every hash match is checked against the tokens themselves,
 * so a collision never bans a token. Cost: O(n) per accept, O(n) per earlier occurrence of the
 * last n-1 tokens per sample, plus one copy of the candidates' logits when one is masked.
 *  No-op: last_n < n (no n-gram fits the window), or fewer than n-1 tokens accepted.
 * @param n       n-gram size >= 1 (else INVALID_PARAM, as Hugging Face raises).
 * @param last_n  window, 0 .. INT32_MAX; negative: INVALID_PARAM.
 * @return TSAMP_OK, TSAMP_ERR_NULL, TSAMP_ERR_INVALID_PARAM, TSAMP_ERR_NOMEM.
 */
TSAMP_API tsamp_status tsamp_chain_add_no_repeat_ngram(tsamp_chain *c, int32_t n, int32_t last_n);

/**
 * Allow-list: masks every candidate whose id is not listed (the list is copied, sorted and
 * deduplicated; n == 0 allows nothing, so sampling returns TSAMP_ERR_ALL_MASKED). Cost:
 * O(n) on the full vocabulary (no pass over it), O(min(n log m, m log n)) after a
 * truncation left m candidates.
 * @param ids  n token ids (NULL when n == 0), each 0 .. n_vocab-1 (else TSAMP_ERR_VOCAB).
 * @return TSAMP_OK, TSAMP_ERR_NULL, TSAMP_ERR_VOCAB, TSAMP_ERR_NOMEM.
 */
TSAMP_API tsamp_status tsamp_chain_add_allow(tsamp_chain *c, const int32_t *ids, size_t n);

/**
 * Deny-list: masks the listed ids (as Hugging Face's SuppressTokensLogitsProcessor). Copied,
 * sorted and deduplicated. No-op: n == 0. Cost as tsamp_chain_add_allow, plus one copy of the
 * candidates' logits when a listed id is a candidate.
 * @return TSAMP_OK, TSAMP_ERR_NULL, TSAMP_ERR_VOCAB, TSAMP_ERR_NOMEM.
 */
TSAMP_API tsamp_status tsamp_chain_add_deny(tsamp_chain *c, const int32_t *ids, size_t n);

/**
 * A caller's mask, e.g. a grammar for constrained decoding.
 * @param user  the pointer given to tsamp_chain_add_mask_callback.
 * @param ids   the current candidates' token ids, increasing; n >= 1 of them. After a
 *              truncation (top-k, min-p, ...) they are few, so add the callback after one
 *              to check few tokens.
 * @param keep  n bytes, all 1 on entry: set keep[i] = 0 to mask ids[i].
 */
typedef void (*tsamp_mask_fn)(void *user, const int32_t *ids, size_t n, uint8_t *keep);

/**
 * Adds a processor through which the caller masks tokens: fn sees the current candidates and
 * says which to keep. It runs inside tsamp_chain_sample and tsamp_chain_distribution (and the
 * functions built on them: logprobs, speculative verification), once each time they run the
 * chain, at its place in it. For reproducible results it must be deterministic: a function of
 * its arguments and of state the caller advances itself (e.g. the grammar's, on each accepted
 * token). It must not call functions on this chain. Clones share fn and user. Keeping no
 * candidate makes the call return TSAMP_ERR_ALL_MASKED. Cost: fn's, plus one pass over the
 * candidates (on the full vocabulary, a compaction of it). Memory: n_vocab bytes.
 * @return TSAMP_OK, TSAMP_ERR_NULL (c or fn), TSAMP_ERR_NOMEM.
 */
TSAMP_API tsamp_status tsamp_chain_add_mask_callback(tsamp_chain *c, tsamp_mask_fn fn,
                                                     void *user);

/**
 * Minimum length (Hugging Face's MinLengthLogitsProcessor): masks eos_id while the chain's
 * position is below min_length. The position counts accepted tokens and is what
 * tsamp_chain_set_position sets, so decoding resumed at position k behaves the same. Hugging
 * Face counts the whole input, prompt included: accept the prompt from position 0 for that,
 * or start generating at position 0 for MinNewTokensLength. One call per end-of-sequence id.
 *  No-op: min_length == 0, and from position min_length on. If eos_id is the only candidate
 *  left: TSAMP_ERR_ALL_MASKED.
 * @param eos_id  0 .. n_vocab-1, else TSAMP_ERR_VOCAB.
 * @return TSAMP_OK, TSAMP_ERR_NULL, TSAMP_ERR_VOCAB, TSAMP_ERR_NOMEM.
 */
TSAMP_API tsamp_status tsamp_chain_add_min_length(tsamp_chain *c, int32_t eos_id,
                                                  uint64_t min_length);

/* (section: processors: stateful) */

/*
 * Stateful processors: mirostat v1 and v2 and adaptive-p adapt to the tokens they produce.
 * In llama.cpp each of them draws the token itself (so it must end the sampler chain) and
 * updates its state right after that draw. Here the processor narrows (mirostat) or reshapes
 * (adaptive-p) the candidates and the chain's final draw picks the token, from the position's
 * random stream as always: the softmax over what the processor leaves is exactly the
 * distribution llama.cpp draws from, so the token has the same distribution. Add them last,
 * as llama.cpp requires: processors added after them act on their output (and mirostat then
 * learns the surprise of the token in the final distribution).
 *
 * The update takes two steps. tsamp_chain_sample records the token it drew and that token's
 * probability in the distribution it drew from (the "pending" draw; so do
 * tsamp_chain_sample_logprobs and the tokens tsamp_speculative_verify emits), and
 * tsamp_chain_accept applies the update when the accepted token is the pending one. Accepting
 * any other token (a prompt token, a token the caller chose) leaves the state as it is; every
 * accept ends the pending draw, and a new sample replaces it. Sampling again at the same
 * position, or asking for the distribution (which records nothing), does not move the state.
 * tsamp_chain_reset restores the initial state; tsamp_chain_clone copies it, pending draw
 * included (a clone continues exactly as the original would); tsamp_chain_set_position leaves
 * it alone. A fresh chain set to a later position does not have the state of the chain that
 * got there: clone that chain, or replay sample + accept over the earlier positions' logits
 * (the state is a pure function of them, the configuration, the seed and the stream).
 * Token decisions use double arithmetic and the library's own exp/log (llama.cpp: float and
 * libm), bitwise the same on every path.
 */

/**
 * Mirostat 1.0 (Basu et al. 2021; llama.cpp's llama_sampler_init_mirostat with the chain's
 * vocabulary size and seed). With mu the state (2 * tau at creation and reset) and
 * p_1 >= p_2 >= ... the probabilities of the current candidates:
 *   s = sum t_i b_i / sum t_i^2, i = 1 .. min(m, candidates) - 1, t_i = ln((i + 1) / i),
 *       b_i = ln(p_i / p_(i+1)) (computed as the difference of the scaled logits, which is
 *       exactly that log ratio, with no underflow of p);
 *   k = (e * 2^mu / (1 - N^-e))^(1 / s), e = s - 1, N = the chain's vocabulary size;
 *   keep the max(floor(k), 1) most probable candidates (a top-k: ties by lower id).
 * When a sampled token of probability q (in the distribution drawn from) is accepted:
 * mu -= eta * (-log2 q - tau).
 * k is computed in log space, so no power overflows. Where llama.cpp's float formula breaks
 * down, the limits are taken: e = 0 uses e / (1 - N^-e) -> 1 / ln N (llama.cpp: 0 / 0);
 * s = 0 (the top values all equal) keeps every candidate when 2^mu > N - 1, else one; a k too
 * large for an int keeps every candidate (llama.cpp's int(k) is undefined behaviour there,
 * which x86 turns into 1). A single candidate is left as it is.
 * Cost: a selection of the top m values, ordering only those (no sort of the vocabulary),
 * then a top-k (from those values when k <= m). The estimate's constants t_i are computed
 * at add and reset time and kept in the state (up to 1024 of them, 8 bytes each).
 * @param tau  target surprise in bits, finite (llama.cpp's default 5.0); else INVALID_PARAM.
 * @param eta  learning rate, finite (default 0.1; 0 keeps mu at 2 * tau); else INVALID_PARAM.
 * @param m    candidates in the estimate, >= 2 (llama.cpp's default 100; m = 1 divides 0 by
 *             0 there); else INVALID_PARAM.
 * @return TSAMP_OK, TSAMP_ERR_NULL, TSAMP_ERR_INVALID_PARAM, TSAMP_ERR_NOMEM.
 */
TSAMP_API tsamp_status tsamp_chain_add_mirostat(tsamp_chain *c, float tau, float eta,
                                                int32_t m);

/**
 * Mirostat 2.0 (llama.cpp's llama_sampler_init_mirostat_v2 with the chain's seed): keep the
 * candidates whose surprise -log2 p is at most mu bits (p >= 2^-mu, p their probability among
 * the current candidates; a zero weight is never kept, as llama.cpp drops p = 0); if there is
 * none, keep the first candidate in order (the most probable, the lowest id among ties).
 * mu is 2 * tau at creation and reset; when a sampled token of probability q (in the
 * truncated distribution) is accepted, mu -= eta * (-log2 q - tau), which steers the average
 * surprise of the accepted sampled tokens towards tau where the distributions allow it.
 * The test is made on scaled logits, in double: d >= ln Z - mu ln 2, with d the scaled
 * distance to the max and Z the canonical sum of the weights exp(d); a candidate within
 * rounding of that boundary may be decided either way. Ties are kept or dropped together.
 * Cost: one pass of exp over the candidates, one compaction (no sort).
 * @param tau  target surprise in bits, finite (llama.cpp's default 5.0; tau <= 0 soon leaves
 *             only the most probable token); else INVALID_PARAM.
 * @param eta  learning rate, finite (default 0.1; 0: a fixed cut at 2 * tau bits); else
 *             INVALID_PARAM.
 * @return TSAMP_OK, TSAMP_ERR_NULL, TSAMP_ERR_INVALID_PARAM, TSAMP_ERR_NOMEM.
 */
TSAMP_API tsamp_status tsamp_chain_add_mirostat_v2(tsamp_chain *c, float tau, float eta);

/**
 * Adaptive-p (llama.cpp's llama_sampler_init_adaptive_p, PR #17927, with the chain's seed):
 * reshapes the distribution to favour tokens whose probability is near a target, and adapts
 * the target to the tokens sampled. With p_i the probability of candidate i among the current
 * candidates and the state weighted_sum, total_weight (target / (1 - decay) and
 * 1 / (1 - decay) at creation and reset, in double):
 *   a = clamp(2 * clamp(target, 0, 1) - weighted_sum / total_weight, 0, 1)
 *   new logit of i = 5 - 10 * d * d / (1 + d), d = |p_i - a| / 0.3
 * in float arithmetic as llama.cpp (1 / 0.3 is its float constant); masked tokens stay
 * masked and the scale becomes 1: the token is drawn from the softmax of the new logits.
 * When a sampled token of original probability p is accepted:
 * weighted_sum = p + decay * weighted_sum, total_weight = 1 + decay * total_weight.
 * Every candidate is transformed, and candidates of probability ~0 all get the logit of
 * d = a / 0.3, so a long tail gains mass: as llama.cpp advises, truncate mildly before (e.g.
 * min-p) and add adaptive-p last. The state keeps the original probability of every token:
 * 4 bytes per vocabulary entry, taken at add time and zeroed by tsamp_chain_reset.
 * Cost: a pass of exp, a copy of the candidates' logits, the transform and a max (no sort).
 * @param target  select tokens near this probability, 0 .. 1; above 1 acts as 1 in the
 *                transform while the average starts at the value given (as llama.cpp);
 *                negative: disabled, a no-op; NaN or +-inf: INVALID_PARAM.
 * @param decay   decay of the moving average, clamped to 0 .. 0.99 as llama.cpp (a history
 *                of about 1 / (1 - decay) tokens; llama.cpp's default 0.9); NaN:
 *                INVALID_PARAM.
 * @return TSAMP_OK, TSAMP_ERR_NULL, TSAMP_ERR_INVALID_PARAM, TSAMP_ERR_NOMEM.
 */
TSAMP_API tsamp_status tsamp_chain_add_adaptive_p(tsamp_chain *c, float target, float decay);

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
 *   typical=P[,MIN_KEEP]      tsamp_chain_add_typical
 *   top_n_sigma=N             tsamp_chain_add_top_n_sigma
 *   xtc=PROB,THRESHOLD[,MIN_KEEP]           tsamp_chain_add_xtc (MIN_KEEP 1)
 *   temp_ext=T[,DELTA[,EXPONENT]]           tsamp_chain_add_temp_ext (0, 1)
 *   epsilon=EPS[,MIN_KEEP] | eta=EPS[,MIN_KEEP]
 *   penalties=LAST_N,REPEAT[,FREQ[,PRESENT]]  tsamp_chain_add_penalties (0, 0)
 *   dry=MULT,BASE,ALLOWED_LENGTH,LAST_N[,BREAKER...]  a breaker is ID[:ID...]
 *   logit_bias=ID:BIAS[,ID:BIAS...]         BIAS may be -inf
 *   no_repeat_ngram=N,LAST_N | allow[=ID,...] | deny=ID[,ID...] | min_length=EOS_ID,MIN_LENGTH
 *   mirostat=TAU,ETA[,M] (M 100) | mirostat_v2=TAU,ETA | adaptive_p=TARGET,DECAY
 * The mask callback has no spec form. A token id outside the vocabulary is TSAMP_ERR_VOCAB.
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
 * digits). An empty chain gives "". A chain with a mask callback has no spec form:
 * TSAMP_ERR_INVALID_PARAM.
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

/*
 * Everything here uses the library's own exp/log and fixed summation orders, so results are
 * bitwise identical on every platform and code path. Natural logarithms (nats) throughout.
 */

/** Largest number of alternatives tsamp_chain_sample_logprobs reports. */
#define TSAMP_LOGPROBS_MAX_TOP 64

/**
 * A sampled token with its log-probabilities, as OpenAI-style APIs and vLLM report them.
 * "Raw" is softmax(logits) at temperature 1, before any processor (vLLM's default
 * "raw_logprobs"); "processed" is the distribution the chain drew from. The top list is raw.
 */
typedef struct {
    int32_t token;        /* the sampled token: bitwise what tsamp_chain_sample returns */
    float logprob_raw;    /* log softmax(logits)[token]: bitwise tsamp_log_softmax(t = 1) */
    float logprob;        /* log of its probability in the processed distribution (<= 0) */
    uint32_t rank;        /* 1 + the number of tokens before it in the raw order (logit
                             descending, ties by lower id): 1 = most probable */
    size_t n_top;         /* entries in top_ids/top_logprobs: min(requested, unmasked tokens) */
    int32_t top_ids[TSAMP_LOGPROBS_MAX_TOP];    /* the most probable raw tokens, in raw order */
    float top_logprobs[TSAMP_LOGPROBS_MAX_TOP]; /* their raw log-probabilities (as logprob_raw);
                                                   entries from n_top on: id -1, -inf */
} tsamp_logprobs;

/**
 * tsamp_chain_sample plus log-probabilities: the same token, bit for bit (same view, same
 * draw at the current position), the same effect on the chain (processors that watch the draw
 * hear of it), and *out filled as described at tsamp_logprobs. Does not advance the position. Masked (-inf) tokens are never in the top list. The top list is found
 * by the exact top-k selection the chain uses (no sort of the vocabulary); the token's rank by
 * one counting pass unless the token is in the top list. No allocation: the chain's buffers.
 * @param n_top  0 .. TSAMP_LOGPROBS_MAX_TOP alternatives to report (0: none).
 * @return TSAMP_OK, TSAMP_ERR_NULL (c, logits, out), TSAMP_ERR_INVALID_PARAM (n_top too
 *         large), TSAMP_ERR_NONFINITE, TSAMP_ERR_ALL_MASKED. *out is written only on TSAMP_OK.
 */
TSAMP_API tsamp_status tsamp_chain_sample_logprobs(tsamp_chain *c, const float *logits,
                                                   size_t n_top, tsamp_logprobs *out);

/*
 * Scoring: pure functions of logit vectors (no chain, no state, no allocation). p = softmax
 * at temperature t: the logits divided by t, as tsamp_softmax. t == 0 (or 1/t overflowing
 * float) is the greedy limit, a one-hot distribution on the first maximal logit. Results are
 * double, the same bits on every path; their accuracy is that of the float weights (the
 * library's exp, within 2 ulp, of the scaled logit a rounded in float): for the NLL at most
 * 2^-24 * (23 + |a_target| + 3 * sum p |a|) absolute, and of the same order for entropy and KL
 * (the bounds the tests check are derived in tests/test_scoring.c).
 * Common statuses: TSAMP_ERR_NULL (a pointer), TSAMP_ERR_VOCAB (n 0 or > INT32_MAX, or target
 * outside 0 .. n-1), TSAMP_ERR_INVALID_PARAM (t < 0, NaN or +inf), TSAMP_ERR_NONFINITE (a NaN
 * or +inf logit), TSAMP_ERR_ALL_MASKED (every logit -inf). *out is written only on TSAMP_OK.
 */

/**
 * Negative log-likelihood (cross-entropy) of `target`: -log p[target], >= 0.
 * A masked target (logit -inf) gives +inf, as does, at t == 0, any target but the first
 * maximal logit (which gives 0). Equals -tsamp_log_softmax(...)[target] up to its float
 * rounding.
 */
TSAMP_API tsamp_status tsamp_nll(const float *logits, size_t n, int32_t target,
                                 float temperature, double *out);

/** Entropy -sum p log p in nats, >= 0 (masked tokens contribute 0; 0 at t == 0). */
TSAMP_API tsamp_status tsamp_entropy(const float *logits, size_t n, float temperature,
                                     double *out);

/**
 * KL(P || Q) = sum P log(P / Q) with P = softmax(logits_p / t), Q = softmax(logits_q / t)
 * (knowledge distillation: P the teacher). >= 0 (rounding below 0 is clamped to +0); exactly 0
 * when both vectors are bitwise equal. +inf when some token is masked in Q but not in P; tokens
 * masked in P contribute 0. At t == 0: 0 if the first maximal logits are the same token, else
 * +inf. Either vector all masked: TSAMP_ERR_ALL_MASKED.
 */
TSAMP_API tsamp_status tsamp_kl_divergence(const float *logits_p, const float *logits_q,
                                           size_t n, float temperature, double *out);

/**
 * A running perplexity exp(mean NLL) over a sequence. Initialise with tsamp_perplexity_init
 * (or zero it); the fields are private. Finite NLLs are summed with compensation (Neumaier),
 * so the order of a long sequence does not lose precision.
 */
typedef struct {
    double sum, comp; /* compensated sum of the finite NLLs */
    uint64_t n;       /* steps added */
    uint64_t n_inf;   /* steps whose NLL was +inf */
} tsamp_perplexity;

/** Empties the accumulator. A NULL acc is ignored. */
TSAMP_API void tsamp_perplexity_init(tsamp_perplexity *acc);

/**
 * Adds one step's NLL (e.g. from tsamp_nll, or -tsamp_logprobs.logprob_raw). A step with
 * NLL +inf (a masked target) makes the perplexity +inf: leave out steps that must not count
 * (padding, prompt) rather than adding them.
 * @return TSAMP_OK, TSAMP_ERR_NULL, TSAMP_ERR_INVALID_PARAM (nll NaN or negative; acc unchanged).
 */
TSAMP_API tsamp_status tsamp_perplexity_add(tsamp_perplexity *acc, double nll);

/** tsamp_nll(logits, n, target, temperature) then tsamp_perplexity_add; statuses of both
 *  (acc unchanged on an error). */
TSAMP_API tsamp_status tsamp_perplexity_add_logits(tsamp_perplexity *acc, const float *logits,
                                                   size_t n, int32_t target, float temperature);

/**
 * The perplexity exp(mean NLL) (>= 1; +inf if a step was +inf or exp overflows) and the mean
 * NLL, computed with the library's own double-precision exp (within a few double ulp).
 * @param perplexity, mean_nll  either may be NULL (then not written).
 * @return TSAMP_OK, TSAMP_ERR_NULL (acc), TSAMP_ERR_INVALID_PARAM (no steps added yet).
 */
TSAMP_API tsamp_status tsamp_perplexity_value(const tsamp_perplexity *acc, double *perplexity,
                                              double *mean_nll);

/**
 * Speculative decoding: verifies k draft tokens exactly (Leviathan et al. 2023, Chen et al.
 * 2023) and advances the target chain by the tokens it emits, as tsamp_chain_sample then
 * tsamp_chain_accept would for each, so its history, position and processor state stay exact.
 *
 * With P = the target's position at the call, for i = 0, 1, ...: p_i = the target chain's
 * processed distribution of row i of target_logits, at position P + i with the tokens emitted
 * so far accepted (what tsamp_chain_distribution reports there); q_i = the draft chain's of
 * row i of draft_logits, in the draft's state as of the call at position P + i (the two
 * chains may use different processors). Probabilities are weight / canonical total, in double.
 *  - Draft token x_i is accepted iff u1 * q_i(x_i) < p_i(x_i): probability min(1, p/q); a
 *    token q gives 0 is accepted iff p_i(x_i) > 0.
 *  - At the first rejection, the last emitted token is drawn from the normalised
 *    max(0, p_i - q_i) with u2: the target's candidates are walked in id order, summing in
 *    double, until the sum exceeds u2 * total (rounding overrun: the last token with a positive
 *    residual; an all-zero residual after rounding: a draw from p_i).
 *  - If all k are accepted, the last emitted token is the bonus: tsamp_chain_sample(target,
 *    row k) at position P + k, exactly.
 * Random numbers: u1 and u2 are the first and second tsamp_rng_uniform of the verification
 *  stream of position P + i: tsamp_rng_at's derivation from (target seed, target stream,
 *  P + i) with the tag bytes 0x02 and 0x03 in place of 0x00 and 0x01. It is none of the streams
 *  the chains sample from, so the draft may use any seed and stream, the target's included,
 *  and the emitted tokens follow the target's distributions exactly, whatever the draft.
 * The caller drafts x_i as tsamp_chain_set_position(draft, P + i) then
 *  tsamp_chain_sample(draft, draft row i) (without accepting, so q_i above is what it drew
 *  from; samples without accepts leave history and stateful processors as they are); after
 *  the call it accepts out_tokens into the draft chain if it keeps a history or state. The
 *  draft chain's position, history and processor state come out as they went in (its
 *  position is set and restored); only scratch that the next sample overwrites may differ
 *  (mirostat's pending draw, adaptive-p's working copy of the probabilities).
 * Every row's logits are checked before any token is emitted, so bad logits change nothing.
 * @param target, draft   distinct chains of the same vocabulary size n (draft unused, may be
 *                        NULL, when k == 0).
 * @param target_logits   (k + 1) rows of n logits, row-major.
 * @param draft_logits    k rows of n logits (may be NULL when k == 0).
 * @param draft_tokens    the k draft tokens (may be NULL when k == 0).
 * @param out_tokens      room for k + 1 tokens; receives the accepted draft tokens and then
 *                        one residual or bonus token.
 * @param n_out           receives the number of tokens emitted, 1 .. k + 1.
 * @return TSAMP_OK, TSAMP_ERR_NULL, TSAMP_ERR_INVALID_PARAM (target == draft, or (k + 1) * n
 *         overflows), TSAMP_ERR_VOCAB (vocabulary sizes differ, a draft token outside 0 .. n-1),
 *         TSAMP_ERR_NONFINITE / TSAMP_ERR_ALL_MASKED (in any row; nothing changed or written).
 *         A processor that leaves no candidate (ALL_MASKED from the chain) stops the call
 *         where it happens: then *n_out (0 .. k) and out_tokens say which tokens were emitted
 *         before it (the target chain has accepted those).
 */
TSAMP_API tsamp_status tsamp_speculative_verify(tsamp_chain *target, tsamp_chain *draft,
                                                const float *target_logits,
                                                const float *draft_logits,
                                                const int32_t *draft_tokens, size_t k,
                                                int32_t *out_tokens, size_t *n_out);

/* ---------------------------------------------------------------------------------------- */
/* Batches and saved state                                                                    */
/* ---------------------------------------------------------------------------------------- */

/* (section: batch) */

/*
 * Reproducibility (DESIGN.md §6): a token is a pure function of (logits, chain configuration,
 * seed, stream, position, accepted history and processor state). It is the same bits on
 * every code path (scalar, AVX2, AVX-512, NEON), for any batch composition and thread count,
 * and after a chain's state is saved and loaded into another chain of the same configuration.
 */

/** The most threads tsamp_sample_batch uses; a larger request is clamped to it. */
#define TSAMP_BATCH_MAX_THREADS 64

/** Options of tsamp_sample_batch. */
typedef struct {
    size_t n_threads; /* threads that sample, the caller's included; 0 or 1: the caller alone */
    int accept;       /* nonzero: tsamp_chain_accept each sampled token (history, position + 1) */
} tsamp_batch_params;

/** @return the default batch options: n_threads 1, accept 0. */
TSAMP_API tsamp_batch_params tsamp_batch_default_params(void);

/**
 * Samples n_rows rows, each with its own chain, logits and position: row i is
 * tsamp_chain_sample(chains[i], logits[i]) (then tsamp_chain_accept if params->accept), at
 * position positions[i] when positions is not NULL (as tsamp_chain_set_position; on a failed
 * row the chain's position is put back), else at the chain's own position. Every row gives
 * bitwise the token that call alone would give: the result does not depend on n_rows, on the
 * order of the rows or on the number of threads.
 *
 * Rows fail alone: statuses[i] receives the row's status and tokens[i] its token (-1 when the
 * row failed); the other rows still run. Every row of a chain that appears in more than one
 * row gets TSAMP_ERR_INVALID_PARAM and its chain is not touched (a chain belongs to one thread
 * at a time); any other row whose chain or logits is NULL gets TSAMP_ERR_NULL.
 *
 * Threads: with n_threads > 1, min(n_threads, n_rows, TSAMP_BATCH_MAX_THREADS) - 1 threads
 * are created with pthread_create for the call and joined before it returns; they and the
 * caller take rows one at a time. The library allocates nothing (pthread_create takes each
 * thread's stack from the C library). Creating and joining a thread costs tens of
 * microseconds per call: threads pay off when each row takes longer than that (large
 * vocabularies, dense chains). A thread that cannot be created is done without: the
 * rows still all run, on fewer threads. Mask callbacks (tsamp_chain_add_mask_callback) run on
 * the thread that takes their row. Finding repeated chains costs n_rows^2 / 2 pointer
 * comparisons.
 * @param chains    n_rows chains; each row's logits hold tsamp_chain_n_vocab(chains[i]) floats.
 * @param positions NULL, or n_rows positions.
 * @param params    NULL for tsamp_batch_default_params().
 * @param tokens, statuses  n_rows entries each, written for every row on any return but
 *                  TSAMP_ERR_NULL.
 * @return TSAMP_ERR_NULL (chains, logits, tokens or statuses NULL while n_rows > 0; nothing
 *         written), else the status of the first failed row, TSAMP_OK when every row succeeded
 *         (also when n_rows is 0).
 */
TSAMP_API tsamp_status tsamp_sample_batch(tsamp_chain *const *chains, const float *const *logits,
                                          const uint64_t *positions, size_t n_rows,
                                          const tsamp_batch_params *params, int32_t *tokens,
                                          tsamp_status *statuses);

/**
 * Saves what a chain has accumulated while decoding, to resume it later in this or another
 * chain of the same configuration: the position, the accepted history the processors keep,
 * every processor's state (mirostat's mu, penalty counts, ...). Not saved: the processors
 * themselves, the seed, stream and code path (recreate the chain with the same ones), and
 * the chain's speed-only guesses (where its truncations cut last time). A processor's state
 * is saved as it is in memory, so the few speed-only or scratch fields kept there (mirostat
 * v1's previous cut, adaptive-p's probabilities of the last draw) travel with it; they never
 * change a token. Loading the state into such a chain and decoding on gives bitwise the
 * tokens the saved chain would have given.
 *
 * Format (version 1; every integer little-endian, whatever the host):
 *   offset  size
 *    0       8   magic "TSMPSTAT"
 *    8       4   format version (1)
 *   12       4   TSAMP_VERSION_NUMBER of the library that saved it
 *   16       4   layout of the processor states: 1 (little-endian host) | sizeof(size_t) << 8
 *                | sizeof(void *) << 16 | _Alignof(max_align_t) << 24
 *   20       4   number of processors P
 *   24       8   total length L in bytes, the checksum included
 *   32       8   fingerprint of the configuration (below)
 *   40       8   n_vocab
 *   48       8   position
 *   56       8   number of history tokens H
 *   64     4*H   the history, oldest first (token ids)
 *    ...         per processor, in chain order: kind (4), 0 (4), state size S (8), S bytes of
 *                state as the processor keeps it in memory
 *   L-8      8   XXH3-64 (seed 0) of bytes 0 .. L-8
 * The fingerprint is XXH3-64 over n_vocab, P, each processor's kind, state size, history
 * need, whether it edits logits and the size of its data, then each processor's item of the
 * tsamp_chain_format text (its parameters, bit for bit; a mask callback has none, so its
 * function and user pointer are not compared).
 * @param buf  cap bytes; may be NULL when cap is 0 (to learn the size).
 * @param len  receives the size of the state, on TSAMP_OK and on TSAMP_ERR_BUFFER_TOO_SMALL.
 * @return TSAMP_OK, TSAMP_ERR_NULL (c or len, or buf with cap > 0), TSAMP_ERR_BUFFER_TOO_SMALL,
 *         TSAMP_ERR_NOMEM (a processor's spec item is over 512 bytes, e.g. a long allow-list,
 *         and the temporary copy it takes from the chain's allocator failed). The chain is
 *         not changed.
 */
TSAMP_API tsamp_status tsamp_chain_save_state(const tsamp_chain *c, void *buf, size_t cap,
                                              size_t *len);

/**
 * Restores a state written by tsamp_chain_save_state, all or nothing. Every byte is checked
 * before the chain changes; any buffer, of any length and content, gives a status (the loader
 * reads only buf[0 .. len) and never crashes).
 * @return TSAMP_OK;
 *         TSAMP_ERR_NULL (c or buf);
 *         TSAMP_ERR_PARSE: not a valid state: too short, wrong magic, unknown format version,
 *           length field not len (truncated or trailing bytes), checksum mismatch, or an
 *           inconsistent field (sizes that do not add up, a history token outside n_vocab, a
 *           non-zero reserved field);
 *         TSAMP_ERR_INVALID_PARAM: a valid state of another chain: saved by another library
 *           version or on a host of another state layout, or for another vocabulary size,
 *           other processors or other parameters (fingerprint);
 *         TSAMP_ERR_NOMEM (as for save).
 *         On an error the chain is unchanged.
 * The checksum detects corruption, not tampering: a crafted buffer with a correct checksum
 * sets the processors' state bytes to whatever it holds (sampling stays safe, as the tests
 * check with random state bytes, but what it draws is then meaningless).
 */
TSAMP_API tsamp_status tsamp_chain_load_state(tsamp_chain *c, const void *buf, size_t len);

#ifdef __cplusplus
}
#endif

#endif /* TSAMP_H */
