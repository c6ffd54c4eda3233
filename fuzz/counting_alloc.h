/*
 * A tsamp_allocator that counts: the library promises no allocation after create/add
 * (sample, accept, distribution, reset, set_position), and a free for every allocation.
 * It can also fail a chosen allocation, to reach TSAMP_ERR_NOMEM, and it refuses any request
 * above FUZZ_ALLOC_CAP as a real allocator would (a window of 2^31 tokens asks for gigabytes;
 * libFuzzer would report the malloc itself as out of memory).
 */
#ifndef TSAMP_FUZZ_COUNTING_ALLOC_H
#define TSAMP_FUZZ_COUNTING_ALLOC_H

#include <stddef.h>

#include "tsamp.h"

typedef struct {
    size_t allocs; /* successful allocations */
    size_t frees;
    size_t calls;   /* calls of alloc, failed ones included */
    size_t fail_at; /* the call number (1-based) that returns NULL; 0: none */
    size_t refused; /* requests above FUZZ_ALLOC_CAP, answered with NULL */
} fuzz_counter;

#define FUZZ_ALLOC_CAP ((size_t)1 << 28)

/* An allocator over *k (all counts start at zero). */
tsamp_allocator fuzz_counting_allocator(fuzz_counter *k, size_t fail_at);

#endif
