/*
 * What the record says in its visual formats (src/report/doc.c), read from
 * the Markdown: the day held beside the day planned, agenda items and
 * guiding questions by their titles in the speeches, and bidi isolates only
 * around the names that need them.
 */
#include "report_fixture.h"

#include "report/record.h"
#include "report/render.h"

#define FSI_MARK "\xE2\x81\xA8"

/* The record of the fixture's log, rendered in `fmt` (caller frees). */
static char *render(rfx *f, gv_report_format fmt)
{
    gv_error err = {0};
    json_t *rec = NULL;
    if (gv_record_from_store(f->store, RFX_MEETING, 0, &rec, &err) < 0)
        fail_msg("no record: %s", err.msg);
    char *out = NULL;
    size_t len = 0;
    if (gv_report_render(rec, fmt, &out, &len, &err) < 0)
        fail_msg("not rendered: %s", err.msg);
    json_decref(rec);
    return out;
}

static void assert_contains(const char *text, const char *want)
{
    if (!strstr(text, want))
        fail_msg("\"%s\" not found in:\n%s", want, text);
}

static void date_is_the_day_planned_when_held_that_day(void **state)
{
    (void)state;
    rfx f;
    rfx_open(&f);
    rfx_script(&f);
    char *md = render(&f, GV_REPORT_MD);
    assert_contains(md, "| Date | Thursday 31 March 2022 |");
    free(md);
    rfx_close(&f);
}

static void date_shows_the_day_held_beside_the_day_planned(void **state)
{
    (void)state;
    rfx f;
    rfx_open(&f);
    /* Postponed by a day, and run past midnight. */
    rfx_send(&f, "chair", AT(86400), "{\"type\": \"open_meeting\"}");
    char *md = render(&f, GV_REPORT_MD);
    assert_contains(md, "| Date | Friday 1 April 2022 (planned for Thursday 31 March 2022) |");
    free(md);
    rfx_send(&f, "chair", AT(86400 + 36000), "{\"type\": \"close_meeting\"}");
    md = render(&f, GV_REPORT_MD);
    assert_contains(md, "| Date | Friday 1 April 2022 to Saturday 2 April 2022 (planned for "
                        "Thursday 31 March 2022) |");
    free(md);
    rfx_close(&f);
}

static void speeches_name_items_and_guiding_questions_by_title(void **state)
{
    (void)state;
    rfx f;
    rfx_open(&f);
    rfx_script(&f);
    rfx_send(&f, "mod", AT(900), "{\"type\": \"start_item\", \"item\": \"discussion\"}");
    rfx_send(&f, "mod", AT(905),
             "{\"type\": \"set_guiding_question\", \"guiding_question\": \"gq2\"}");
    rfx_send(&f, "mod", AT(910), "{\"type\": \"give_floor\", \"person\": \"p1\"}");
    char *md = render(&f, GV_REPORT_MD);
    assert_contains(md, "| Presentations |");
    assert_contains(md, "| Discussion<br>guiding question 2 |");
    assert_null(strstr(md, "| panel |"));
    assert_null(strstr(md, "discussion<br>gq2"));
    free(md);
    rfx_close(&f);
}

static void no_bidi_isolates_around_latin_names(void **state)
{
    (void)state;
    rfx f;
    rfx_open(&f);
    rfx_script(&f);
    char *md = render(&f, GV_REPORT_MD);
    assert_contains(md, "Rapporteur Person, 14:43:20");
    assert_null(strstr(md, FSI_MARK));
    free(md);
    rfx_close(&f);
}

static void notes_name_their_speech_and_withdrawn_ones_are_left_out(void **state)
{
    (void)state;
    rfx f;
    rfx_open(&f);
    rfx_script(&f); /* pan1 speaks from event 10 on; the note of event 14 is on gq1 */
    rfx_send(&f, "rap", AT(810),
             "{\"type\": \"add_note\", \"guiding_question\": \"gq1\", \"speech\": 10, "
             "\"text\": \"Open data first.\"}");
    rfx_send(&f, "rap", AT(820), "{\"type\": \"withdraw_note\", \"note\": 14}");
    char *md = render(&f, GV_REPORT_MD);
    assert_contains(md, "> Open data first.\n>\n> \xE2\x80\x94 Rapporteur Person, 14:43:30; on "
                        "speech 2, by Panelist One");
    assert_null(strstr(md, "Costs."));
    free(md);
    char *json = render(&f, GV_REPORT_JSON);
    assert_null(strstr(json, "Costs."));
    assert_contains(json, "\"speech\":10,\"text\":\"Open data first.\"");
    free(json);
    rfx_close(&f);
}

static void csv_starts_with_a_byte_order_mark(void **state)
{
    (void)state;
    rfx f;
    rfx_open(&f);
    rfx_script(&f);
    char *csv = render(&f, GV_REPORT_CSV);
    assert_memory_equal(csv, "\xEF\xBB\xBFn,speech,", 12);
    free(csv);
    rfx_close(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(date_is_the_day_planned_when_held_that_day),
        cmocka_unit_test(date_shows_the_day_held_beside_the_day_planned),
        cmocka_unit_test(speeches_name_items_and_guiding_questions_by_title),
        cmocka_unit_test(no_bidi_isolates_around_latin_names),
        cmocka_unit_test(notes_name_their_speech_and_withdrawn_ones_are_left_out),
        cmocka_unit_test(csv_starts_with_a_byte_order_mark),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
