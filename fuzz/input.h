/*
 * Decoding a fuzz input. Configuration (modes, parameters, seed, position) is taken from the
 * tail of the input, one value at a time; what is left at the front becomes the logits. A
 * missing byte reads as 0, so every input, however short, decodes to something.
 *
 * Parameters are read through a selector byte that picks raw bits (every float, NaN and
 * infinities included), a small decimal-like range, or a table of edge values: raw bits
 * alone would almost never give a useful p in (0, 1).
 */
#ifndef TSAMP_FUZZ_INPUT_H
#define TSAMP_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const uint8_t *data;
    size_t begin, end; /* the bytes not yet taken: data[begin .. end) */
} fuzz_input;

void fuzz_input_init(fuzz_input *in, const uint8_t *data, size_t size);
size_t fuzz_input_left(const fuzz_input *in);

/* From the tail. */
uint8_t fuzz_take_u8(fuzz_input *in);
uint16_t fuzz_take_u16(fuzz_input *in);
uint32_t fuzz_take_u32(fuzz_input *in);
uint64_t fuzz_take_u64(fuzz_input *in);
float fuzz_take_raw_float(fuzz_input *in);

/* Parameters: temperature, a probability-like p, top-k's k, a min_keep, a seed-like word
 * (small values more likely), and a logit shift for the numerics target. */
float fuzz_take_temperature(fuzz_input *in);
float fuzz_take_p(fuzz_input *in);
int32_t fuzz_take_k(fuzz_input *in);
size_t fuzz_take_min_keep(fuzz_input *in);
uint64_t fuzz_take_word(fuzz_input *in);
float fuzz_take_shift(fuzz_input *in);

/*
 * The logits: a mode byte (raw float32, int8 in quarter steps with -128 = -inf, int16 in
 * 1/256 steps with -32768 = -inf, or a palette of edge values: NaN, +-inf, subnormals,
 * +-1e38, FLT_MAX, ...) and a repeat byte that tiles the decoded values up to `max_n` entries
 * (each copy shifted by a step), so that large-vocabulary code paths are reachable from small
 * inputs. Consumes the rest of the input. Returns the number of logits written to *out
 * (malloc'd, NULL when 0; the caller frees). Returns SIZE_MAX if malloc failed.
 */
size_t fuzz_take_logits(fuzz_input *in, size_t max_n, float **out);

/* Other logits of the same size for a warm-up call (reversed and scaled by a factor chosen by
 * `how`), or NULL for no warm-up (or when malloc fails). The caller frees. */
float *fuzz_warm_logits(const float *x, size_t n, uint8_t how);

#endif
