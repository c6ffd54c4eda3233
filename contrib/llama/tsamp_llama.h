/*
 * tsamp_llama - a tsamp chain as a llama.cpp sampler (struct llama_sampler).
 *
 * Optional: compile contrib/llama/tsamp_llama.c into a program that links both libllama and
 * libtsamp (see contrib/llama/README.md). One call puts tsamp in a llama.cpp decoding loop:
 *
 *     struct llama_sampler *smpl = llama_sampler_chain_init(llama_sampler_chain_default_params());
 *     llama_sampler_chain_add(smpl, tsamp_llama_sampler_init(
 *         llama_vocab_n_tokens(vocab), "penalties=64,1.1 temp=0.8 top_k=40 min_p=0.05", 42));
 *     ...
 *     llama_token tok = llama_sampler_sample(smpl, ctx, -1);   // apply + accept
 *
 * The sampler selects the token (as llama.cpp's "dist" or "greedy" do): put it last in a
 * llama.cpp chain. Samplers before it act as filters: tokens they removed from the candidate
 * array or set to -inf are never drawn.
 *
 * Semantics of apply (llama_sampler_apply / llama_sampler_sample):
 *  - Reads cur_p->data[i].id and .logit of the cur_p->size entries. Tokens absent from the
 *    array count as masked (-inf). The array may be in any order, the full vocabulary or a
 *    subset; the result depends only on the set of (id, logit) pairs, never on their order:
 *    the token is exactly what tsamp_chain_sample returns for a logit vector holding those
 *    logits at those ids and -inf elsewhere.
 *  - Writes cur_p->selected, the index in cur_p->data of the drawn token. Never reorders,
 *    resizes or moves data, and never writes .id or .logit, nor cur_p->sorted.
 *  - .p: untouched by default. With TSAMP_LLAMA_FILL_P, every entry's .p is set to its
 *    probability in the distribution the token was drawn from (the chain's processed
 *    distribution, as tsamp_chain_distribution; 0 for the entries the processors dropped).
 *  - Errors (an id outside 0 .. n_vocab-1, an id twice, an empty array, a NaN or +inf logit,
 *    every candidate masked): cur_p->selected = -1 and nothing else is written. The status
 *    is kept (tsamp_llama_sampler_status) and a message set (tsamp_llama_last_error).
 *    llama_sampler_sample asserts that selected is valid, so there it aborts the program.
 * accept (llama_sampler_accept, and the accept inside llama_sampler_sample): tsamp_chain_accept,
 *  which records the token in the history and advances the position by one; an id outside
 *  the vocabulary is ignored (status TSAMP_ERR_VOCAB, message set).
 * reset: tsamp_chain_reset (history forgotten, position 0, processor state re-initialised).
 * clone: a deep copy (tsamp_chain_clone) that continues exactly as the original would; NULL
 *  (message set) when memory runs out, where llama.cpp's own samplers throw.
 * name: "tsamp".
 * The backend_* members of llama_sampler_i (and copy_state) are NULL: the sampler runs on the
 * CPU; llama_sampler_copy falls back to clone.
 *
 * Randomness: the token at a position is a pure function of (logits, spec, seed, stream,
 * position, accepted history), as for tsamp itself. The position counts accepted tokens, so a
 * program that accepts its prompt tokens draws its first token at position = prompt length.
 * The seed is used as given: LLAMA_DEFAULT_SEED (0xFFFFFFFF) is an ordinary seed, not "random".
 *
 * Memory: the creation functions allocate (malloc) everything: the chain, plus 8 bytes per
 * vocabulary entry of scratch (16 with TSAMP_LLAMA_FILL_P). apply, accept and reset never
 * allocate. Threads: one sampler belongs to one thread at a time (as every llama.cpp
 * sampler); distinct samplers are independent. Error messages are per thread.
 */
#ifndef TSAMP_LLAMA_H
#define TSAMP_LLAMA_H

#include <stdint.h>

#include "llama.h"
#include "tsamp.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Flags of tsamp_llama_params.flags. */
#define TSAMP_LLAMA_FILL_P 1u /* write .p (a second run of the chain per token) */

typedef struct {
    uint64_t seed;   /* tsamp seed (tsamp_chain_params.seed); default 0 */
    uint64_t stream; /* tsamp stream, e.g. a sequence id; default 0 */
    unsigned flags;  /* TSAMP_LLAMA_* ; default 0 */
} tsamp_llama_params;

/** @return the defaults: seed 0, stream 0, no flags. */
tsamp_llama_params tsamp_llama_default_params(void);

/**
 * A new llama.cpp sampler running the tsamp chain described by `spec` (the grammar of
 * tsamp_chain_parse, e.g. "temp=0.8 top_k=40 top_p=0.95") for vocabularies of n_vocab tokens
 * (llama_vocab_n_tokens), with the given seed and stream 0 and no flags.
 * Free it with llama_sampler_free, unless it was added to a llama.cpp chain, which then owns
 * it (llama_sampler_chain_add).
 * @return the sampler, or NULL on an error (n_vocab <= 0, spec NULL or invalid, out of memory):
 *         tsamp_llama_last_error() then says why, e.g. "spec at offset 7: top_k: expected an
 *         integer".
 */
struct llama_sampler *tsamp_llama_sampler_init(int32_t n_vocab, const char *spec, uint64_t seed);

/** As tsamp_llama_sampler_init with a seed, stream and flags (params NULL: the defaults). */
struct llama_sampler *tsamp_llama_sampler_init_ex(int32_t n_vocab, const char *spec,
                                                  const tsamp_llama_params *params);

/**
 * Wraps a chain the caller built (with any processors, a mask callback, its own allocator,
 * seed, stream and instruction set). On success the sampler owns the chain: llama_sampler_free
 * (or the llama.cpp chain that owns the sampler) frees it; do not free it yourself. On NULL the
 * chain is untouched and still the caller's.
 * @param flags  TSAMP_LLAMA_* flags.
 * @return the sampler, or NULL (chain NULL, unknown flags, out of memory; see
 *         tsamp_llama_last_error).
 */
struct llama_sampler *tsamp_llama_sampler_from_chain(tsamp_chain *chain, unsigned flags);

/** @return non-zero if smpl is a sampler made by this adapter (not a llama.cpp chain holding
 *          one: find it with llama_sampler_chain_get). */
int tsamp_llama_sampler_is(const struct llama_sampler *smpl);

/**
 * The tsamp chain inside a tsamp sampler, borrowed (still owned by the sampler): to read its
 * position, set it (tsamp_chain_set_position), save or load its state, format its spec. Do
 * not free it. @return NULL if smpl is not a tsamp sampler.
 */
tsamp_chain *tsamp_llama_sampler_chain(struct llama_sampler *smpl);

/**
 * The status of the sampler's last apply or accept: TSAMP_OK after a success;
 * TSAMP_ERR_NULL when smpl is not a tsamp sampler.
 */
tsamp_status tsamp_llama_sampler_status(const struct llama_sampler *smpl);

/**
 * The message of the last error on this thread (a failed creation or clone, or an apply or
 * accept that failed), "" if none yet. The text stays until the next error on this thread.
 */
const char *tsamp_llama_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* TSAMP_LLAMA_H */
