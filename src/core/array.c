/*
 * Growable arrays (array.h). The array's pointer is read and written through
 * memcpy, so that one function serves arrays of every element type without
 * reading a T * through a void * lvalue.
 */
#include "core/array.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

int gv_array_reserve(void *items_ptr, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t grown = *cap > SIZE_MAX / 2 ? SIZE_MAX : 2 * *cap;
    size_t n = need > grown ? need : grown;
    if (n < GV_ARRAY_MIN)
        n = GV_ARRAY_MIN;
    if (size && n > SIZE_MAX / size)
        n = need; /* doubling would overflow; the exact need may not */
    if (size && n > SIZE_MAX / size)
        return GV_ENOMEM;
    void *items;
    memcpy(&items, items_ptr, sizeof items);
    void *bigger = realloc(items, n * size);
    if (!bigger)
        return GV_ENOMEM;
    memcpy(items_ptr, &bigger, sizeof bigger);
    *cap = n;
    return 0;
}
