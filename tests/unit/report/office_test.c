/*
 * The rules the Word and OpenDocument records share (src/report/office.c):
 * chapters and sections numbered as United Nations documents number them,
 * column widths that add up, runs cut at the bidi isolates, and the
 * direction of a paragraph read from its first strong letter.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "report/office.h"

static void headings_numbered_i_ii_and_a_b(void **state)
{
    (void)state;
    gv__numbering n = {0};
    char out[300];
    gv__heading h1 = {.level = 1, .text = "Documents"}, h2 = {.level = 2, .text = "By gender"};
    gv__office_heading(&n, &h1, out);
    assert_string_equal(out, "I.\tDocuments");
    gv__office_heading(&n, &h2, out);
    assert_string_equal(out, "A.\tBy gender");
    gv__office_heading(&n, &h2, out);
    assert_string_equal(out, "B.\tBy gender");
    for (int i = 0; i < 7; i++)
        gv__office_heading(&n, &h1, out);
    assert_string_equal(out, "VIII.\tDocuments");
    gv__office_heading(&n, &h2, out); /* sections start again in each chapter */
    assert_string_equal(out, "A.\tBy gender");
    for (int i = 0; i < 26; i++)
        gv__office_heading(&n, &h2, out);
    assert_string_equal(out, "AA.\tBy gender");
    n.chapter = 1998;
    gv__office_heading(&n, &h1, out);
    assert_string_equal(out, "MCMXCIX.\tDocuments");
}

static void widths_add_up_and_follow_the_content(void **state)
{
    (void)state;
    static const char *const head[] = {"#", "Speaker", "Duration"};
    static const gv__align al[] = {GV__RIGHT, GV__LEFT, GV__RIGHT};
    gv__table t;
    gv__table_init(&t, 3, head, al);
    const char *row[] = {"1", "ليلى حداد\nHead of Digital Cooperation, Regional Office", "4:00"};
    gv__table_row(&t, row);
    long w[3];
    gv__office_widths(&t, 9638, w);
    assert_int_equal(w[0] + w[1] + w[2], 9638);
    assert_true(w[1] > w[2] && w[2] > w[0]);
    assert_true(w[0] > 0);
    gv__table_release(&t);
}

typedef struct runs {
    char text[8][64];
    bool rtl[8];
    int n;
} runs;

static void collect(void *ud, const char *s, size_t n, bool rtl)
{
    runs *r = ud;
    assert_true(r->n < 8);
    snprintf(r->text[r->n], sizeof r->text[0], "%.*s", (int)n, s);
    r->rtl[r->n++] = rtl;
}

static void lines_cut_into_runs_at_the_isolates(void **state)
{
    (void)state;
    runs r = {0};
    const char *text = "— \xE2\x81\xA8ليلى حداد\xE2\x81\xA9, 15:51:40\nnext line";
    const char *rest = gv__office_line(text, collect, &r);
    assert_int_equal(r.n, 3);
    assert_string_equal(r.text[0], "— ");
    assert_false(r.rtl[0]);
    assert_string_equal(r.text[1], "ليلى حداد");
    assert_true(r.rtl[1]);
    assert_string_equal(r.text[2], ", 15:51:40");
    assert_false(r.rtl[2]);
    assert_string_equal(rest, "next line");
    r.n = 0;
    rest = gv__office_line(rest, collect, &r);
    assert_int_equal(r.n, 1);
    assert_string_equal(rest, "");
}

static void paragraph_direction_from_the_first_strong_letter(void **state)
{
    (void)state;
    assert_true(gv__office_rtl_paragraph("راشد المنصوري"));
    assert_true(gv__office_rtl_paragraph("— 12: ليلى then Latin"));
    assert_false(gv__office_rtl_paragraph("Notes: ليلى"));
    assert_false(gv__office_rtl_paragraph("林美华 ليلى"));
    assert_false(gv__office_rtl_paragraph("— \xE2\x81\xA8ليلى\xE2\x81\xA9, 15:51"));
    assert_false(gv__office_rtl_paragraph("12:30"));
    assert_false(gv__office_rtl_paragraph(""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(headings_numbered_i_ii_and_a_b),
        cmocka_unit_test(widths_add_up_and_follow_the_content),
        cmocka_unit_test(lines_cut_into_runs_at_the_isolates),
        cmocka_unit_test(paragraph_direction_from_the_first_strong_letter),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
