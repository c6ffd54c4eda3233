/* The body of every single-processor target (fuzz/fuzz_proc_<name>.c). */
#ifndef TSAMP_FUZZ_PROC_TARGET_H
#define TSAMP_FUZZ_PROC_TARGET_H

#include <stddef.h>
#include <stdint.h>

/*
 * Input: from the tail, the parameters of processor `name` (processors.c), seed, stream,
 * position and a warm-up choice; the rest is the logits (input.h). Checks a chain of that one
 * processor with fuzz_check_chain. Always returns 0.
 */
int fuzz_processor_target(const char *name, const uint8_t *data, size_t size);

#endif
