/* Helpers the edits group shares: sorted id lists, masking listed tokens, releasing data. */
#include <math.h>
#include <string.h>

#include "proc_edits_internal.h"

void tsamp_proc_edits_release(tsamp_proc *p, const tsamp_allocator *a) {
    if (!p) return;
    tsamp_dealloc(a, (void *)(uintptr_t)p->data);
    p->data = NULL;
    p->data_size = 0;
}

/* Heap sort: O(n log n), no allocation, no recursion. */
static void sift_down(int32_t *a, size_t root, size_t n) {
    for (;;) {
        size_t child = 2 * root + 1;
        if (child >= n) return;
        if (child + 1 < n && a[child + 1] > a[child]) child++;
        if (!(a[child] > a[root])) return;
        int32_t t = a[root];
        a[root] = a[child];
        a[child] = t;
        root = child;
    }
}

size_t tsamp_edits_sort_unique(int32_t *ids, size_t n) {
    if (n < 2) return n;
    for (size_t i = n / 2; i-- > 0;) sift_down(ids, i, n);
    for (size_t end = n - 1; end > 0; end--) {
        int32_t t = ids[0];
        ids[0] = ids[end];
        ids[end] = t;
        sift_down(ids, 0, end);
    }
    size_t out = 1;
    for (size_t i = 1; i < n; i++)
        if (ids[i] != ids[out - 1]) ids[out++] = ids[i];
    return out;
}

float *tsamp_edits_materialize(tsamp_chain *c, tsamp_view *v) {
    return tsamp_view_materialize(c, v);
}

int tsamp_edits_in_sorted(const int32_t *ids, size_t n, int32_t id) {
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && ids[lo] == id;
}

size_t tsamp_edits_log2(size_t n) {
    size_t l = 0;
    while (l < sizeof(size_t) * 8 - 1 && ((size_t)1 << l) < n) l++;
    return l + 1;
}

tsamp_status tsamp_edits_mask_ids(tsamp_chain *c, tsamp_view *v, const int32_t *ids, size_t n) {
    size_t first = SIZE_MAX;
    for (size_t j = 0; j < n && first == SIZE_MAX; j++)
        if (tsamp_view_find(v, ids[j]) != SIZE_MAX) first = j;
    if (first == SIZE_MAX) return TSAMP_OK;
    float *x = tsamp_edits_materialize(c, v);
    for (size_t j = first; j < n; j++) {
        size_t i = tsamp_view_find(v, ids[j]);
        if (i != SIZE_MAX) x[i] = -INFINITY;
    }
    return tsamp_view_refresh(c, v);
}

tsamp_status tsamp_edits_mask_sorted(tsamp_chain *c, tsamp_view *v, const int32_t *ids,
                                     size_t n) {
    if (n == 0) return TSAMP_OK;
    if (!v->ids || v->n * tsamp_edits_log2(n) >= n * tsamp_edits_log2(v->n))
        return tsamp_edits_mask_ids(c, v, ids, n);
    /* A compacted view smaller than the list: look its entries up in the list instead. */
    size_t first = SIZE_MAX;
    for (size_t i = 0; i < v->n && first == SIZE_MAX; i++)
        if (tsamp_edits_in_sorted(ids, n, v->ids[i])) first = i;
    if (first == SIZE_MAX) return TSAMP_OK;
    float *x = tsamp_edits_materialize(c, v);
    for (size_t i = first; i < v->n; i++)
        if (tsamp_edits_in_sorted(ids, n, v->ids[i])) x[i] = -INFINITY;
    return tsamp_view_refresh(c, v);
}
