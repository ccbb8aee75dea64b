/* Error values: codes, messages and their stable protocol names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "core/error.h"

static void set_fills_code_and_message(void **state)
{
    (void)state;
    gv_error err;
    gv_error_clear(&err);
    assert_int_equal(gv_error_set(&err, GV_EPERM, "role %s may not %s", "panelist", "close"),
                     GV_EPERM);
    assert_int_equal(err.code, GV_EPERM);
    assert_string_equal(err.msg, "role panelist may not close");
}

static void names_are_distinct_and_stable(void **state)
{
    (void)state;
    assert_string_equal(gv_error_name(GV_EINVAL), "bad_request");
    assert_string_equal(gv_error_name(GV_EPERM), "forbidden");
    assert_string_equal(gv_error_name(GV_EFULL), "disk_full");
    assert_string_equal(gv_error_name(GV_EREADONLY), "read_only");
    assert_string_equal(gv_error_name(GV_EUNAVAIL), "unavailable");
    assert_string_equal(gv_error_name(GV_ELIMIT), "too_large");
    assert_string_equal(gv_error_name(GV_ERATE), "rate_limited");
    /* Every code from GV_ELAST to GV_OK has a name of its own (tables by
     * -code, such as the server's metrics, rely on it); none past it. */
    for (int a = GV_ELAST; a <= 0; a++) {
        assert_string_not_equal(gv_error_name(a), "unknown_error");
        for (int b = a + 1; b <= 0; b++)
            assert_string_not_equal(gv_error_name(a), gv_error_name(b));
    }
    assert_string_equal(gv_error_name(GV_ELAST - 1), "unknown_error");
    assert_string_equal(gv_error_name(-999), "unknown_error");
}

static void set_with_null_error_only_returns(void **state)
{
    (void)state;
    assert_int_equal(gv_error_set(NULL, GV_EIO, "x"), GV_EIO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(set_fills_code_and_message),
        cmocka_unit_test(names_are_distinct_and_stable),
        cmocka_unit_test(set_with_null_error_only_returns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
