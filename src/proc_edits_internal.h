/*
 * The edits group of processors (tsamp.h, "processors: edits"): penalties, DRY, logit bias,
 * no-repeat n-gram, allow/deny lists, the mask callback and min-length. Their validating
 * constructors, and helpers the group's files share.
 *
 * Constructors that take a list build the processor's data in memory taken from `a` (sorted,
 * validated, laid out flat so that tsamp_chain_append can copy it): after appending (or on
 * giving up), release it with tsamp_proc_edits_release. Constructors that take token ids check
 * them against n_vocab: an id outside 0 .. n_vocab-1 is TSAMP_ERR_VOCAB. On an error nothing
 * is left to release.
 */
#ifndef TSAMP_PROC_EDITS_INTERNAL_H
#define TSAMP_PROC_EDITS_INTERNAL_H

#include <float.h>

#include "tsamp_internal.h"
#include "view_internal.h"

tsamp_status tsamp_proc_penalties(tsamp_proc *out, int32_t last_n, float repeat,
                                  float frequency, float presence);
tsamp_status tsamp_proc_dry(tsamp_proc *out, size_t n_vocab, const tsamp_allocator *a,
                            float multiplier, float base, int32_t allowed_length, int32_t last_n,
                            const int32_t *breakers, const size_t *breaker_lens,
                            size_t n_breakers);
tsamp_status tsamp_proc_logit_bias(tsamp_proc *out, size_t n_vocab, const tsamp_allocator *a,
                                   const tsamp_logit_bias *biases, size_t n);
tsamp_status tsamp_proc_no_repeat_ngram(tsamp_proc *out, int32_t n, int32_t last_n);
tsamp_status tsamp_proc_allow(tsamp_proc *out, size_t n_vocab, const tsamp_allocator *a,
                              const int32_t *ids, size_t n);
tsamp_status tsamp_proc_deny(tsamp_proc *out, size_t n_vocab, const tsamp_allocator *a,
                             const int32_t *ids, size_t n);
tsamp_status tsamp_proc_mask_callback(tsamp_proc *out, size_t n_vocab, tsamp_mask_fn fn,
                                      void *user);
tsamp_status tsamp_proc_min_length(tsamp_proc *out, size_t n_vocab, int32_t eos_id,
                                   uint64_t min_length);

/* Frees the data a constructor above built (none: nothing happens); p->data becomes NULL. */
void tsamp_proc_edits_release(tsamp_proc *p, const tsamp_allocator *a);

/* ---- shared helpers ------------------------------------------------------------------------ */

/* An edited logit that overflowed is saturated: edits never create +inf (nor mask by overflow). */
static inline float tsamp_edits_sat(float y) {
    return y > FLT_MAX ? FLT_MAX : y < -FLT_MAX ? -FLT_MAX : y;
}

/* Sorts ids (n entries) increasing and drops duplicates; returns the new count. No allocation. */
size_t tsamp_edits_sort_unique(int32_t *ids, size_t n);

/* The smallest power of two >= n (n >= 1, n <= SIZE_MAX / 2 + 1). */
static inline size_t tsamp_edits_pow2(size_t n) {
    size_t p = 1;
    while (p < n) p <<= 1;
    return p;
}

/*
 * A token -> value table with open addressing (linear probing), flat in a processor's state:
 * `cap` (a power of two) slots of {key = token + 1 (0: empty), value}. Filled from scratch at
 * each use and emptied again through the list of slots used, so a use costs O(entries).
 */
typedef struct {
    uint32_t key;
    int32_t value;
} tsamp_edits_slot;

/*
 * The slot of `token` (found, or the empty one where it goes); cap <= 2^32. SIZE_MAX if the
 * table is full, which only a corrupted state can make it (tsamp_chain_load_state takes any
 * bytes with a valid checksum): the walk is bounded so that such a state cannot hang a run.
 */
static inline size_t tsamp_edits_probe(const tsamp_edits_slot *t, size_t cap, int32_t token) {
    uint32_t key = (uint32_t)token + 1u;
    size_t i = (size_t)(((uint64_t)key * 0x9E3779B97F4A7C15ull) >> 32) & (cap - 1);
    for (size_t steps = 0; steps < cap; steps++, i = (i + 1) & (cap - 1))
        if (t[i].key == 0 || t[i].key == key) return i;
    return SIZE_MAX;
}

/*
 * Masks (sets to -inf) the candidates among ids[0..n) (any order, duplicates allowed): when one
 * of them is a candidate, materializes the view, masks, refreshes (ALL_MASKED if nothing is
 * left); otherwise leaves the view as it is. O(n) on a dense view, O(n log m) on a compacted
 * one of m entries.
 */
tsamp_status tsamp_edits_mask_ids(tsamp_chain *c, tsamp_view *v, const int32_t *ids, size_t n);

/* The same for ids increasing without duplicates, in O(min(n log m, m log n)) when compacted. */
tsamp_status tsamp_edits_mask_sorted(tsamp_chain *c, tsamp_view *v, const int32_t *ids, size_t n);

/*
 * tsamp_view_materialize, with a copy at memcpy speed for a dense view at scale 1 (the common
 * case: edits before any temperature): x * 1.0f is x for every non-NaN float, so the bits
 * are those tsamp_view_materialize writes, several times faster than its general loop.
 */
float *tsamp_edits_materialize(tsamp_chain *c, tsamp_view *v);

/* Whether id is in ids[0..n) (increasing). */
int tsamp_edits_in_sorted(const int32_t *ids, size_t n, int32_t id);

/* log2(n) rounded up, plus one: the cost of a binary search over n entries. */
size_t tsamp_edits_log2(size_t n);

#endif /* TSAMP_PROC_EDITS_INTERNAL_H */
