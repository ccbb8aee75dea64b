/*
 * The report's shared rules (src/report/util.c, tz.c, doc.c): shares that add
 * up, durations, dates, times in the meeting's zone on both sides of a
 * daylight-saving change, and the escaping of user text in CSV, HTML and
 * Markdown.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "report/doc.h"
#include "report/report_internal.h"

static void shares_add_up_to_a_thousand(void **state)
{
    (void)state;
    int out[8];
    const int64_t thirds[] = {1, 1, 1};
    gv__shares_permille(thirds, 3, out);
    /* 333.3 each: the missing thousandth goes to the first. */
    assert_int_equal(out[0], 334);
    assert_int_equal(out[1], 333);
    assert_int_equal(out[2], 333);
    const int64_t scenario[] = {9, 1, 3, 2, 3, 3};
    gv__shares_permille(scenario, 6, out);
    int want[] = {428, 48, 143, 95, 143, 143};
    for (int i = 0; i < 6; i++)
        assert_int_equal(out[i], want[i]);
    const int64_t zeros[] = {0, 0};
    gv__shares_permille(zeros, 2, out);
    assert_int_equal(out[0] + out[1], 0);
    const int64_t one[] = {0, 5, 0};
    gv__shares_permille(one, 3, out);
    assert_int_equal(out[1], 1000);
    /* Any spread adds up to 1000. */
    srand(7);
    for (int round = 0; round < 2000; round++) {
        int64_t v[8];
        size_t n = 1 + (size_t)(rand() % 8);
        int64_t total = 0;
        for (size_t i = 0; i < n; i++)
            total += v[i] = rand() % 5 ? rand() % 100000 : 0;
        gv__shares_permille(v, n, out);
        int sum = 0;
        for (size_t i = 0; i < n; i++) {
            sum += out[i];
            /* Never more than one thousandth from the exact share. */
            if (total)
                assert_true(llabs((int64_t)out[i] * total - v[i] * 1000) < total);
        }
        assert_int_equal(sum, total ? 1000 : 0);
    }
}

static void durations_and_shares_as_text(void **state)
{
    (void)state;
    char d[32], p[16];
    gv__fmt_duration(240000, false, d);
    assert_string_equal(d, "4:00");
    gv__fmt_duration(4815999, false, d);
    assert_string_equal(d, "1:20:15");
    gv__fmt_duration(0, true, d);
    assert_string_equal(d, "+0:00");
    gv__fmt_duration(-100000, true, d);
    assert_string_equal(d, "\xE2\x88\x92"
                           "1:40");
    gv__fmt_permille(683, p);
    assert_string_equal(p, "68.3%");
    gv__fmt_permille(1000, p);
    assert_string_equal(p, "100.0%");
    gv__fmt_permille(7, p);
    assert_string_equal(p, "0.7%");
}

static void dates(void **state)
{
    (void)state;
    char d[64], o[16];
    gv__fmt_date("2022-03-31T14:30:00+02:00", d);
    assert_string_equal(d, "Thursday 31 March 2022");
    gv__fmt_date("2024-02-29T00:00:00Z", d);
    assert_string_equal(d, "Thursday 29 February 2024");
    gv__fmt_date("2000-01-01T00:00:00Z", d);
    assert_string_equal(d, "Saturday 1 January 2000");
    gv__fmt_utc_offset("2022-03-31T14:30:00+02:00", o);
    assert_string_equal(o, "UTC+02:00");
    gv__fmt_utc_offset("2022-03-31T09:30:00-03:00", o);
    assert_string_equal(o, "UTC-03:00");
}

static void check_time(icaltimezone *z, int64_t ms, const char *utc, const char *local)
{
    json_t *t = gv__time_json(z, ms);
    assert_non_null(t);
    assert_int_equal(json_integer_value(json_object_get(t, "ms")), ms);
    assert_string_equal(json_string_value(json_object_get(t, "utc")), utc);
    assert_string_equal(json_string_value(json_object_get(t, "local")), local);
    json_decref(t);
}

static void times_in_the_meeting_zone(void **state)
{
    (void)state;
    icaltimezone *z = NULL;
    gv_error err = {0};
    assert_int_equal(gv__zone_find("Europe/Zurich", &z, &err), 0);
    /* 14:30 in Geneva on 31 March 2022 is 12:30 UTC (summer time since the 27th). */
    check_time(z, 1648729800000LL, "2022-03-31T12:30:00Z", "2022-03-31T14:30:00+02:00");
    check_time(z, 1648729800250LL, "2022-03-31T12:30:00.250Z", "2022-03-31T14:30:00.250+02:00");
    /* The day before the change, winter time. */
    check_time(z, 1648301400000LL, "2022-03-26T13:30:00Z", "2022-03-26T14:30:00+01:00");
    int64_t ms = 0;
    assert_int_equal(gv__local_to_ms(z, "2022-03-31T14:30", &ms, &err), 0);
    assert_int_equal(ms, 1648729800000LL);
    assert_int_equal(gv__local_to_ms(z, "2022-12-01T14:30", &ms, &err), 0);
    assert_int_equal(ms, 1669901400000LL);
    assert_int_equal(gv__local_to_ms(z, "2022-03-31 14:30", &ms, &err), GV_EINVAL);
    assert_int_equal(gv__local_to_ms(z, "2022-13-31T14:30", &ms, &err), GV_EINVAL);
    assert_int_equal(gv__zone_find("America/Sao_Paulo", &z, &err), 0);
    check_time(z, 1648729800000LL, "2022-03-31T12:30:00Z", "2022-03-31T09:30:00-03:00");
    assert_int_equal(gv__zone_find("Nowhere/Atlantis", &z, &err), GV_EINVAL);
    assert_null(z);
}

static char *csv(const char *s)
{
    gv__buf b;
    gv__buf_init(&b);
    gv__csv_cell(&b, s);
    return gv__buf_take(&b, NULL, NULL);
}

static char *html(const char *s)
{
    gv__buf b;
    gv__buf_init(&b);
    gv__html_text(&b, s);
    return gv__buf_take(&b, NULL, NULL);
}

static char *md(const char *s, bool line_start)
{
    gv__buf b;
    gv__buf_init(&b);
    gv__md_text_n(&b, s, strlen(s), line_start);
    return gv__buf_take(&b, NULL, NULL);
}

#define EXPECT(fn, in, want)                                                                       \
    do {                                                                                           \
        char *got_ = fn;                                                                           \
        if (strcmp(got_, want) != 0)                                                               \
            fail_msg("%s: \"%s\" gave \"%s\", expected \"%s\"", #fn, in, got_, want);              \
        free(got_);                                                                                \
    } while (0)

static void escaping(void **state)
{
    (void)state;
    EXPECT(csv("Plain"), "Plain", "Plain");
    EXPECT(csv("a,b"), "a,b", "\"a,b\"");
    EXPECT(csv("say \"hi\""), "say \"hi\"", "\"say \"\"hi\"\"\"");
    EXPECT(csv("two\nlines"), "two\\nlines", "\"two\nlines\"");
    EXPECT(csv("=HYPERLINK(\"x\")"), "=...", "\"'=HYPERLINK(\"\"x\"\")\"");
    EXPECT(csv("+1"), "+1", "\"'+1\"");
    EXPECT(csv("-2"), "-2", "\"'-2\"");
    EXPECT(csv("@SUM(A1)"), "@SUM", "\"'@SUM(A1)\"");
    EXPECT(csv("\tx"), "tab", "\"'\tx\"");
    EXPECT(csv("a=b"), "a=b", "a=b");
    EXPECT(csv(""), "", "");
    EXPECT(html("<script>alert('x')</script> & \"q\""), "<script>",
           "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;");
    EXPECT(html("ليلى حداد"), "arabic", "ليلى حداد");
    EXPECT(md("*bold* [x](javascript:y) `c` <b> a|b _u_ ~s~ \\", true), "markup",
           "\\*bold\\* \\[x\\](javascript:y) \\`c\\` &lt;b&gt; a&#124;b \\_u\\_ \\~s\\~ \\\\");
    EXPECT(md("# Title", true), "# Title", "\\# Title");
    EXPECT(md("# Title", false), "# Title", "# Title");
    EXPECT(md("1. first", true), "1. first", "1\\. first");
    EXPECT(md("2) second", true), "2) second", "2\\) second");
    EXPECT(md("- item", true), "- item", "\\- item");
    EXPECT(md("42.8%", true), "42.8%", "42.8%");
    EXPECT(md("+0:20", true), "+0:20", "+0:20");
    EXPECT(md("two\nlines", true), "two\\nlines", "two lines");
    EXPECT(md("林美华", true), "chinese", "林美华");
}

static void bidi_isolates_only_where_direction_differs(void **state)
{
    (void)state;
    assert_false(gv__bidi_needs_isolate("Chair Person"));
    assert_false(gv__bidi_needs_isolate("林美华"));
    assert_false(gv__bidi_needs_isolate("Zoë Ekberg-Ström"));
    assert_false(gv__bidi_needs_isolate(""));
    assert_false(gv__bidi_needs_isolate(NULL));
    assert_true(gv__bidi_needs_isolate("ليلى حداد"));
    assert_true(gv__bidi_needs_isolate("Dr. ليلى"));
    assert_true(gv__bidi_needs_isolate("שרה"));
    assert_true(gv__bidi_needs_isolate("\xEF\xBB\xB5")); /* Arabic presentation form B */
    assert_true(gv__bidi_needs_isolate("abc\xE2\x80\xAE"
                                       "def"));             /* right-to-left override */
    assert_true(gv__bidi_needs_isolate("abc\xE2\x81\xA6")); /* left-to-right isolate */
    assert_false(gv__bidi_needs_isolate("\xFF\xFE\x80"));   /* not UTF-8: no letter at all */
}

static void buffer_failure_is_sticky(void **state)
{
    (void)state;
    gv__buf b;
    gv__buf_init(&b);
    gv__buf_puts(&b, "abc");
    gv__buf_printf(&b, "%d-%s", 42, "x");
    size_t len = 0;
    char *s = gv__buf_take(&b, &len, NULL);
    assert_string_equal(s, "abc42-x");
    assert_int_equal(len, 7);
    free(s);
    gv__buf_puts(&b, "x");
    b.failed = true;
    gv__buf_puts(&b, "more");
    gv_error err = {0};
    assert_null(gv__buf_take(&b, &len, &err));
    assert_int_equal(err.code, GV_ENOMEM);
    assert_null(b.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shares_add_up_to_a_thousand),
        cmocka_unit_test(durations_and_shares_as_text),
        cmocka_unit_test(dates),
        cmocka_unit_test(times_in_the_meeting_zone),
        cmocka_unit_test(escaping),
        cmocka_unit_test(bidi_isolates_only_where_direction_differs),
        cmocka_unit_test(buffer_failure_is_sticky),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
