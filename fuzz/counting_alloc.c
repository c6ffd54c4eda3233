/* The counting allocator (see counting_alloc.h). */
#include "counting_alloc.h"

#include <stdlib.h>

static void *count_alloc(void *ctx, size_t size) {
    fuzz_counter *k = ctx;
    if (++k->calls == k->fail_at) return NULL;
    if (size > FUZZ_ALLOC_CAP) {
        k->refused++;
        return NULL;
    }
    void *p = malloc(size);
    if (p) k->allocs++;
    return p;
}

static void count_free(void *ctx, void *ptr) {
    fuzz_counter *k = ctx;
    k->frees++;
    free(ptr);
}

tsamp_allocator fuzz_counting_allocator(fuzz_counter *k, size_t fail_at) {
    k->allocs = k->frees = k->calls = k->refused = 0;
    k->fail_at = fail_at;
    tsamp_allocator a = {count_alloc, count_free, k};
    return a;
}
