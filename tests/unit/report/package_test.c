/*
 * XML and ZIP in memory (src/report/package.c): text escaped and cleaned of
 * what XML 1.0 cannot carry, the same content giving the same archive bytes
 * whatever the machine's time zone, entries stored or deflated, and read
 * back whole by libzip.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zip.h>

#include "report/package.h"

static char *finish(gv__xml *x)
{
    gv_error err = {0};
    size_t len = 0;
    char *s = gv__xml_finish(x, &len, &err);
    assert_non_null(s);
    assert_int_equal(strlen(s), len);
    return s;
}

static void xml_text_is_escaped_and_cleaned(void **state)
{
    (void)state;
    gv__xml *x = gv__xml_new();
    assert_non_null(x);
    gv__xml_start(x, "w:p");
    gv__xml_attr(x, "a", "\"<&>\x01");
    gv__xml_text(x, "<b>&amp;</b>\x01\x08\x1F\r ok\tتاب\n林 \xEF\xBF\xBE\xFF\xC0\x80 end");
    gv__xml_empty(x, "w:br", "k", "v", NULL);
    char *s = finish(x);
    assert_non_null(strstr(s, "<w:p a=\"&quot;&lt;&amp;&gt;\">"));
    assert_non_null(
        strstr(s, "&lt;b&gt;&amp;amp;&lt;/b&gt; ok\tتاب\n林  end<w:br k=\"v\"/></w:p>"));
    assert_non_null(strstr(s, "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>"));
    free(s);
}

static void xml_closes_what_is_open(void **state)
{
    (void)state;
    gv__xml *x = gv__xml_new();
    gv__xml_start(x, "a");
    gv__xml_start(x, "b");
    char *s = finish(x);
    assert_non_null(strstr(s, "<a><b/></a>"));
    free(s);
}

/* The archive's entries, read back with libzip: name, method and data. */
static void assert_entry(const char *zipbytes, size_t len, int i, const char *name, int method,
                         const char *data)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(zipbytes, len, 0, &ze);
    assert_non_null(src);
    zip_t *za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
    assert_non_null(za);
    zip_stat_t st;
    assert_int_equal(zip_stat_index(za, (zip_uint64_t)i, 0, &st), 0);
    assert_string_equal(st.name, name);
    assert_int_equal(st.comp_method, method);
    char buf[256] = {0};
    zip_file_t *f = zip_fopen_index(za, (zip_uint64_t)i, 0);
    assert_non_null(f);
    assert_int_equal(zip_fread(f, buf, sizeof buf - 1), (zip_int64_t)strlen(data));
    assert_string_equal(buf, data);
    zip_fclose(f);
    zip_close(za);
    zip_error_fini(&ze);
}

static char *archive(size_t *len)
{
    gv_error err = {0};
    gv__zip *z = gv__zip_new(1648737000); /* 31 March 2022 14:30 UTC */
    assert_non_null(z);
    gv__zip_add(z, "mimetype", "application/x-test", 18, true);
    gv__xml *x = gv__xml_new();
    gv__xml_start(x, "r");
    gv__xml_text(x, "ليلى");
    gv__zip_add_xml(z, "dir/part.xml", x);
    char *bytes = gv__zip_finish(z, len, &err);
    if (!bytes)
        fail_msg("no archive: %s", err.msg);
    return bytes;
}

static void zip_entries_stored_or_deflated_and_read_back(void **state)
{
    (void)state;
    size_t len = 0;
    char *bytes = archive(&len);
    assert_memory_equal(bytes, "PK\x03\x04", 4);
    assert_memory_equal(bytes + 30, "mimetype", 8);
    assert_entry(bytes, len, 0, "mimetype", ZIP_CM_STORE, "application/x-test");
    assert_entry(bytes, len, 1, "dir/part.xml", ZIP_CM_DEFLATE,
                 "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<r>ليلى</r>\n");
    free(bytes);
}

static void zip_bytes_do_not_depend_on_the_time_zone(void **state)
{
    (void)state;
    size_t len1 = 0, len2 = 0;
    setenv("TZ", "UTC", 1);
    char *a = archive(&len1);
    setenv("TZ", "Pacific/Kiritimati", 1);
    char *b = archive(&len2);
    unsetenv("TZ");
    assert_int_equal(len1, len2);
    assert_memory_equal(a, b, len1);
    free(a);
    free(b);
}

static void finishing_nothing_is_an_error(void **state)
{
    (void)state;
    gv_error err = {0};
    size_t len = 0;
    assert_null(gv__xml_finish(NULL, &len, &err));
    assert_int_equal(err.code, GV_ENOMEM);
    gv__zip *z = gv__zip_new(0);
    gv__zip_add_xml(z, "missing.xml", NULL); /* a document that could not be made */
    assert_null(gv__zip_finish(z, &len, &err));
    assert_non_null(strstr(err.msg, "could not be written"));
    gv__zip_free(NULL);
    gv__xml_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(xml_text_is_escaped_and_cleaned),
        cmocka_unit_test(xml_closes_what_is_open),
        cmocka_unit_test(zip_entries_stored_or_deflated_and_read_back),
        cmocka_unit_test(zip_bytes_do_not_depend_on_the_time_zone),
        cmocka_unit_test(finishing_nothing_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
