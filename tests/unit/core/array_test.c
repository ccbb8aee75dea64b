/* Growable arrays (src/core/array.c): room is made, contents kept, growth is
 * geometric, and a request that cannot be met changes nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "core/array.h"
#include "core/error.h"

typedef struct pair {
    int64_t a;
    char b;
} pair;

static void appends_keep_every_element(void **state)
{
    (void)state;
    pair *v = NULL;
    size_t n = 0, cap = 0;
    for (int i = 0; i < 5000; i++) {
        assert_int_equal(GV_ARRAY_RESERVE(v, cap, n + 1), 0);
        assert_true(cap >= n + 1);
        v[n++] = (pair){i, (char)(i % 100)};
    }
    for (int i = 0; i < 5000; i++) {
        assert_int_equal(v[i].a, i);
        assert_int_equal(v[i].b, i % 100);
    }
    free(v);
}

static void growth_is_geometric(void **state)
{
    (void)state;
    int *v = NULL;
    size_t cap = 0;
    int grows = 0;
    for (size_t n = 0; n < 100000; n++) {
        size_t before = cap;
        assert_int_equal(GV_ARRAY_RESERVE(v, cap, n + 1), 0);
        grows += cap != before;
    }
    /* From GV_ARRAY_MIN, doubling reaches 100,000 in 14 steps; growing by
     * one element at a time would take 100,000. */
    assert_true(grows <= 15);
    free(v);
}

static void room_enough_changes_nothing(void **state)
{
    (void)state;
    int *v = NULL;
    size_t cap = 0;
    assert_int_equal(GV_ARRAY_RESERVE(v, cap, 3), 0);
    assert_int_equal(cap, GV_ARRAY_MIN);
    int *same = v;
    assert_int_equal(GV_ARRAY_RESERVE(v, cap, GV_ARRAY_MIN), 0);
    assert_ptr_equal(v, same);
    assert_int_equal(cap, GV_ARRAY_MIN);
    /* A need far above twice the capacity is met at once. */
    assert_int_equal(GV_ARRAY_RESERVE(v, cap, 1000), 0);
    assert_int_equal(cap, 1000);
    free(v);
}

static void overflow_is_refused_and_leaves_the_array(void **state)
{
    (void)state;
    int64_t *v = NULL;
    size_t cap = 0;
    assert_int_equal(GV_ARRAY_RESERVE(v, cap, 4), 0);
    v[0] = 42;
    int64_t *before = v;
    size_t cap_before = cap;
    assert_int_equal(GV_ARRAY_RESERVE(v, cap, SIZE_MAX / 4), GV_ENOMEM);
    assert_ptr_equal(v, before);
    assert_int_equal(cap, cap_before);
    assert_int_equal(v[0], 42);
    free(v);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(appends_keep_every_element),
        cmocka_unit_test(growth_is_geometric),
        cmocka_unit_test(room_enough_changes_nothing),
        cmocka_unit_test(overflow_is_refused_and_leaves_the_array),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
