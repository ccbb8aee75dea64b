/*
 * Growable arrays: one way to make room in an array that a struct keeps as a
 * pointer, a count and a capacity (the pattern of the speakers' list, the
 * questions, the stored events and the rest).
 *
 *     gv_request *requests; size_t n_requests, cap_requests;
 *     if (GV_ARRAY_RESERVE(f->requests, f->cap_requests, f->n_requests + 1) < 0)
 *         return gv_error_set(err, GV_ENOMEM, "out of memory");
 *     f->requests[f->n_requests++] = r;
 *
 * The count stays the caller's: the helper only ever changes the pointer and
 * the capacity, and changes neither when it fails.
 */
#ifndef GV_CORE_ARRAY_H
#define GV_CORE_ARRAY_H

#include <stddef.h>

/* The capacity an empty array grows to first, in elements. */
#define GV_ARRAY_MIN 8

/*
 * Makes room for at least `need` elements of `size` bytes in the array whose
 * pointer is at `items_ptr` (a T **, passed as void *) and whose capacity, in
 * elements, is *cap. When need exceeds *cap the capacity becomes the larger of
 * need, twice *cap and GV_ARRAY_MIN, so that n appends cost O(n) copies.
 * Returns 0, or GV_ENOMEM (also when the size in bytes would overflow) with the
 * array and *cap unchanged, still valid and still owned by the caller.
 */
int gv_array_reserve(void *items_ptr, size_t *cap, size_t need, size_t size);

/* gv_array_reserve for an lvalue array `items` with an lvalue size_t `cap`. */
#define GV_ARRAY_RESERVE(items, cap, need)                                                         \
    gv_array_reserve(&(items), &(cap), (need), sizeof *(items))

#endif
