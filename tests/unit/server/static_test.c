/*
 * The built-in files' table and the parsers of Accept-Encoding and
 * If-None-Match (src/server/static.c), in process, with the odd inputs a
 * real client rarely sends. How `gavel serve` answers with them is
 * tests/integration/server/static_files_test.c.
 */
#include "support.h"

#include "server/static.h"

static void test_accept_encoding_parser(void **state)
{
    (void)state;
    const char *yes[] = {
        "gzip",          "GZIP", "deflate, gzip",   "gzip;q=1.0",  "gzip ;q=0.5",
        "x-gzip",        "*",    "br;q=1, *;q=0.1", "gzip;q=0.01", "identity, gzip",
        "gzip; q=0.001 "};
    const char *no[] = {"",          "identity",        "deflate, br", "gzip;q=0",
                        "gzip;q=0.", "gzip; q=0.000",   "*;q=0",       "*, gzip;q=0",
                        "gzipx",     "xgzip, gzip2",    "gzip;q=0, *", ",,,",
                        "; q=1",     "gzip;level=1;q=0"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (!gv__accepts_gzip(yes[i]))
            fail_msg("\"%s\" takes gzip", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (gv__accepts_gzip(no[i]))
            fail_msg("\"%s\" does not take gzip", no[i]);
    assert_false(gv__accepts_gzip(NULL));
}

static void test_if_none_match_parser(void **state)
{
    (void)state;
    const char *tag = "\"abc\"";
    const char *yes[] = {"\"abc\"", "W/\"abc\"", "\"x\", \"abc\"",
                         "*",       " \"abc\" ", "\"x\",W/\"abc\""};
    const char *no[] = {"",          "\"ab\"",   "\"abcd\"", "abc",       "\"abc",
                        "w/\"abc\"", "\"x\", y", "W/",       "\"\", \"\""};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        if (!gv__etag_matches(yes[i], tag))
            fail_msg("\"%s\" matches %s", yes[i], tag);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        if (gv__etag_matches(no[i], tag))
            fail_msg("\"%s\" does not match %s", no[i], tag);
}

/* Every built-in file has a tag, and a gzip copy exactly when the build
 * made one smaller; the table is sorted (the lookup bisects it). */
static void test_table(void **state)
{
    (void)state;
    extern const gv__asset gv__web_files[];
    extern const size_t gv__web_files_count;
    assert_true(gv__web_files_count > 10);
    for (size_t i = 0; i < gv__web_files_count; i++) {
        const gv__asset *a = &gv__web_files[i];
        if (i > 0 && strcmp(gv__web_files[i - 1].path, a->path) >= 0)
            fail_msg("%s comes after %s", a->path, gv__web_files[i - 1].path);
        assert_ptr_equal(gv__static_find(a->path), a);
        assert_int_equal(strlen(a->etag), 20);
        if (a->gz ? a->gz_len == 0 || a->gz_len >= a->len : a->gz_len != 0)
            fail_msg("%s: a gzip copy of %zu bytes for %zu", a->path, a->gz_len, a->len);
    }
    const char *names[] = {"/static/index.html", "/static/js/client.js", "/static/css/gavel.css"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        const gv__asset *a = gv__static_lookup(names[i]);
        assert_non_null(a);
        assert_int_equal(strlen(a->etag), 20);
        assert_non_null(a->gz);
        assert_true(a->gz_len > 0 && a->gz_len < a->len);
    }
    assert_ptr_equal(gv__static_lookup("/"), gv__static_lookup("/static/index.html"));
    /* The rapporteur has a page of their own (notes, the Chair's summary). */
    assert_ptr_equal(gv__static_lookup("/m/any-meeting/rapporteur"),
                     gv__static_lookup("/static/rapporteur.html"));
    assert_non_null(gv__static_lookup("/static/rapporteur.html"));
    assert_null(gv__static_lookup("/m/x/../../etc/passwd"));
    assert_null(gv__static_lookup("/static/nothing.js"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accept_encoding_parser),
        cmocka_unit_test(test_if_none_match_parser),
        cmocka_unit_test(test_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
