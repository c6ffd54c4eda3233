/*
 * A tsamp_allocator that counts: the library promises no allocation after create/add
 * (sample, accept, distribution, reset, set_position), and a free for every allocation.
 * It can also fail a chosen allocation, to reach TSAMP_ERR_NOMEM.
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
} fuzz_counter;

/* An allocator over *k (all counts start at zero). */
tsamp_allocator fuzz_counting_allocator(fuzz_counter *k, size_t fail_at);

#endif
