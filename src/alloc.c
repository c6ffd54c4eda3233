/* The chain's allocator: the caller's hooks, or malloc/free. */
#include <stdlib.h>

#include "tsamp_internal.h"

void *tsamp_alloc(const tsamp_allocator *a, size_t size) {
    if (size == 0) size = 1;
    return a->alloc ? a->alloc(a->ctx, size) : malloc(size);
}

void tsamp_dealloc(const tsamp_allocator *a, void *p) {
    if (!p) return;
    if (a->free)
        a->free(a->ctx, p);
    else
        free(p);
}
