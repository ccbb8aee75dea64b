/*
 * What the server parses from request headers itself (src/server/headers.c):
 * cookie values, sequence numbers of ?since= and Last-Event-ID, and the
 * Origin rule. The same functions are fuzzed (tests/fuzz/http_fuzz.c); these
 * are the cases worth naming, and the regression the fuzzer found.
 */
#include "support.h"

#include "server/headers.h"

/* since=9007199254740993 was taken as a position: the bound was checked
 * before the last digit was added, so up to ...999 passed. */
static void test_since_above_2_53_refused(void **state)
{
    (void)state;
    int64_t v = -1;
    assert_int_equal(gv__parse_seq("9007199254740992", &v), 0);
    assert_true(v == INT64_C(9007199254740992));
    v = -1;
    assert_int_equal(gv__parse_seq("9007199254740993", &v), GV_EINVAL);
    assert_int_equal(gv__parse_seq("9007199254740999", &v), GV_EINVAL);
    assert_int_equal(gv__parse_seq("99999999999999999999999", &v), GV_EINVAL);
    assert_true(v == -1); /* a refusal leaves the output alone */
}

static void test_seq_syntax(void **state)
{
    (void)state;
    int64_t v = -1;
    assert_int_equal(gv__parse_seq("0", &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(gv__parse_seq("00042", &v), 0);
    assert_int_equal(v, 42);
    const char *bad[] = {"", "-1", "+1", "1e3", " 1", "1 ", "0x10", "4\xc2\xb2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        v = -1;
        assert_int_equal(gv__parse_seq(bad[i], &v), GV_EINVAL);
        assert_int_equal(v, -1);
    }
}

static void test_cookie_value(void **state)
{
    (void)state;
    char out[64];
    assert_true(gv__cookie_value("a=1; gavel_m=tok; b=2", "gavel_m", out, sizeof out));
    assert_string_equal(out, "tok");
    assert_true(gv__cookie_value("gavel_m=first;gavel_m=second", "gavel_m", out, sizeof out));
    assert_string_equal(out, "first");
    /* A longer name that starts with it is another cookie. */
    assert_true(gv__cookie_value("gavel_mm=x; gavel_m=y", "gavel_m", out, sizeof out));
    assert_string_equal(out, "y");
    assert_false(gv__cookie_value("gavel_mm=x; xgavel_m=y", "gavel_m", out, sizeof out));
    assert_true(gv__cookie_value("gavel_m=", "gavel_m", out, sizeof out));
    assert_string_equal(out, "");
    assert_false(gv__cookie_value("", "gavel_m", out, sizeof out));
    assert_false(gv__cookie_value(";;; ;", "gavel_m", out, sizeof out));
    /* Too long for its room: not found, rather than cut. */
    assert_false(gv__cookie_value("gavel_m=12345", "gavel_m", out, 5));
    assert_true(gv__cookie_value("gavel_m=1234", "gavel_m", out, 5));
    assert_string_equal(out, "1234");
}

static void test_origin_rule(void **state)
{
    (void)state;
    const char *base = "http://127.0.0.1:8080";
    /* No Origin: a program. */
    assert_true(gv__origin_allowed(NULL, NULL, NULL));
    /* The Host's own origin, any scheme, any case, default ports aside. */
    assert_true(gv__origin_allowed("http://127.0.0.1:8080", "127.0.0.1:8080", base));
    assert_true(gv__origin_allowed("https://meet.example.org", "meet.example.org", NULL));
    assert_true(gv__origin_allowed("https://Meet.Example.org:443", "meet.example.org", NULL));
    assert_true(gv__origin_allowed("http://meet.example.org", "meet.example.org:80", NULL));
    assert_true(gv__origin_allowed("http://[::1]:8080", "[::1]:8080", NULL));
    /* The public URL's origin, exactly (its path aside). */
    assert_true(gv__origin_allowed("https://meet.example.org", "127.0.0.1:8080",
                                   "https://meet.example.org/g"));
    assert_false(gv__origin_allowed("http://meet.example.org", "127.0.0.1:8080",
                                    "https://meet.example.org/g"));
    /* Anything else. */
    const char *other[] = {"null",
                           "",
                           "https://evil.example",
                           "http://127.0.0.1:8081",
                           "http://127.0.0.1:8080.evil.example",
                           "http://127.0.0.1:8080/",
                           "http://user@127.0.0.1:8080",
                           "file://127.0.0.1:8080",
                           "ws://127.0.0.1:8080",
                           "http://127.0.0.1:8080 ",
                           "http://"};
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
        if (gv__origin_allowed(other[i], "127.0.0.1:8080", base))
            fail_msg("Origin \"%s\" passed", other[i]);
    /* A Host that is not a host does not make an Origin pass. */
    assert_false(gv__origin_allowed("http://a", "a/b", NULL));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_since_above_2_53_refused),
        cmocka_unit_test(test_seq_syntax),
        cmocka_unit_test(test_cookie_value),
        cmocka_unit_test(test_origin_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
