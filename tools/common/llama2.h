/*
 * A Llama-2 forward pass and tokenizer decoder for llama2.c checkpoints (float32,
 * little-endian), used by tsamp-demo and the tests. Plain single-threaded float loops, so the
 * logits are the same bits on every run of the same binary.
 *
 * Checkpoint: 7 int32 (dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len),
 * then the float32 tensors token_embedding, rms_att, wq, wk, wv, wo, rms_ffn, w1, w2, w3,
 * rms_final, the old RoPE cos/sin tables (unused), and a classifier only when vocab_size < 0
 * (otherwise the classifier is the token embedding).
 * Tokenizer: int32 max_token_length, then per token float32 score, int32 length, the bytes.
 *
 * Every fallible function returns an LLAMA2_* status and, on failure, writes a message naming
 * the file and the problem to err (errlen bytes, NUL-terminated; err may be NULL when errlen
 * is 0). Outputs are set only on LLAMA2_OK. The free functions accept NULL.
 */
#ifndef TSAMP_TOOLS_LLAMA2_H
#define TSAMP_TOOLS_LLAMA2_H

#include <stddef.h>
#include <stdint.h>

#include "tsamp.h"

enum {
    LLAMA2_OK = 0,
    LLAMA2_ERR_ARG = 1,       /* a NULL pointer, a mismatched state/chain, steps out of range */
    LLAMA2_ERR_NOT_FOUND = 2, /* the file does not exist */
    LLAMA2_ERR_IO = 3,        /* cannot open or read the file, or it is not a regular file */
    LLAMA2_ERR_FORMAT = 4,    /* wrong size, bad header value, non-finite weight, bad piece */
    LLAMA2_ERR_NOMEM = 5,
    LLAMA2_ERR_SAMPLER = 6    /* a tsamp call failed during generation */
};

enum { LLAMA2_BOS = 1, LLAMA2_EOS = 2 };

/* The checkpoint header, validated. vocab_size is always positive here. */
typedef struct {
    int32_t dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len;
    int shared_classifier; /* the header's vocab_size was positive */
} llama2_config;

typedef struct llama2_model llama2_model;         /* the weights, read-only after loading */
typedef struct llama2_state llama2_state;         /* activations and KV cache of one sequence */
typedef struct llama2_tokenizer llama2_tokenizer; /* the decoded pieces */

/** Reads and validates a checkpoint: every header field, then the exact file size. */
int llama2_model_load(const char *path, llama2_model **out, char *err, size_t errlen);
void llama2_model_free(llama2_model *m);
const llama2_config *llama2_model_config(const llama2_model *m);

/** Working memory for one sequence of up to seq_len positions of model m. */
int llama2_state_create(const llama2_model *m, llama2_state **out, char *err, size_t errlen);
void llama2_state_free(llama2_state *s);

/**
 * Runs `token` at position `pos` (0 <= pos < seq_len), after positions 0..pos-1 of the same
 * sequence have been run with this state. @return vocab_size logits owned by the state (valid
 * until the next call), or NULL for a NULL argument, a state of another model, or an
 * out-of-range token or position.
 */
const float *llama2_forward(const llama2_model *m, llama2_state *s, int32_t token, int32_t pos);

/** Reads a tokenizer of exactly vocab_size tokens (the model's). */
int llama2_tokenizer_load(const char *path, int32_t vocab_size, llama2_tokenizer **out,
                          char *err, size_t errlen);
void llama2_tokenizer_free(llama2_tokenizer *t);

/**
 * The text of `token` following `prev`: its piece, without the leading space after BOS; a
 * byte piece "<0xNN>" gives that byte. @return a NUL-terminated string owned by the tokenizer;
 * "" for an out-of-range token (and for the byte 0x00).
 */
const char *llama2_decode(const llama2_tokenizer *t, int32_t prev, int32_t token);

/* Timing of one llama2_generate call (seconds, CLOCK_MONOTONIC). */
typedef struct {
    size_t n_tokens;    /* tokens sampled, including the one that stopped generation */
    int32_t stop_token; /* LLAMA2_EOS or LLAMA2_BOS if one ended the text, else -1 */
    double forward_s;   /* inside llama2_forward */
    double sampler_s;   /* inside tsamp_chain_sample + tsamp_chain_accept */
    double total_s;     /* the whole loop, including decoding and emit */
} llama2_stats;

/* Receives each generated token and its text, in order. */
typedef void (*llama2_emit_fn)(void *ctx, int32_t token, const char *text);

/**
 * Generates up to `steps` tokens (at most seq_len) from BOS, sampling each with `chain`
 * (created for vocab_size tokens; reset first, so the text is a function of the chain's
 * processors and seed) and stopping before emitting EOS or BOS. emit may be NULL; stats may
 * be NULL.
 */
int llama2_generate(const llama2_model *m, llama2_state *s, const llama2_tokenizer *t,
                    tsamp_chain *chain, size_t steps, llama2_emit_fn emit, void *ctx,
                    llama2_stats *stats, char *err, size_t errlen);

#endif
