/*
 * The Chair's summary (src/core/summary.c): built from the notes in one
 * action, edited a section at a time with the version each edit started
 * from, approved by the Chair on the version read and frozen until
 * reopened; every refusal changes nothing and the log replays to the same
 * state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/fixture_meeting.h"
#include "core/view.h"

/* Text of section i of the summary in the state. */
static char *section(const fx *f, size_t i)
{
    json_t *s = fx_get(f, "summary");
    const json_t *sec = json_array_get(json_object_get(s, "sections"), i);
    assert_non_null(sec);
    char *text = strdup(json_string_value(json_object_get(sec, "text")));
    json_decref(s);
    return text;
}

static int64_t version(const fx *f)
{
    json_t *s = fx_get(f, "summary");
    int64_t v = json_integer_value(json_object_get(s, "version"));
    json_decref(s);
    return v;
}

static void assert_section(const fx *f, size_t i, const char *want)
{
    char *got = section(f, i);
    assert_string_equal(got, want);
    free(got);
}

static void drafted_from_the_notes_in_one_action(void **state)
{
    fx *f = *state;
    fx_refused(f, "rap",
               "{\"type\":\"edit_summary\",\"section\":\"introduction\",\"text\":\"x\","
               "\"base\":1}",
               GV_ESTATE); /* no draft yet */
    fx_ok(f, "rap",
          "{\"type\":\"add_note\",\"text\":\"Connectivity first.\","
          "\"guiding_question\":\"gq1\"}");
    fx_ok(f, "rap2",
          "{\"type\":\"add_note\",\"text\":\"Skills too.\",\"guiding_question\":\"gq1\"}");
    fx_ok(f, "rap", "{\"type\":\"add_note\",\"text\":\"Withdrawn.\",\"guiding_question\":\"gq2\"}");
    char cmd[96];
    snprintf(cmd, sizeof cmd, "{\"type\":\"withdraw_note\",\"note\":%lld}",
             (long long)fx_last_seq(f));
    fx_ok(f, "rap", cmd);
    fx_ok(f, "rap", "{\"type\":\"add_note\",\"text\":\"Cooperation is the way.\"}");
    fx_refused(f, "p1", "{\"type\":\"draft_summary\"}", GV_EPERM);
    fx_refused(f, "pan1", "{\"type\":\"draft_summary\"}", GV_EPERM);
    json_t *evs = fx_ok(f, "sec", "{\"type\":\"draft_summary\"}");
    assert_string_equal(json_string_value(json_object_get(json_array_get(evs, 0), "type")),
                        "summary_drafted");
    assert_int_equal(version(f), 1);
    /* introduction, gq1, gq2, key messages, recommendations */
    assert_section(f, 0, "");
    assert_section(f, 1, "Connectivity first.\nSkills too.");
    assert_section(f, 2, "");
    assert_section(f, 3, "Cooperation is the way.");
    assert_section(f, 4, "");
    /* Building again would drop the edits: it must say so. */
    fx_refused(f, "rap", "{\"type\":\"draft_summary\"}", GV_ESTATE);
    fx_ok(f, "rap", "{\"type\":\"draft_summary\",\"replace\":true}");
    assert_int_equal(version(f), 2);
}

static void edits_are_one_section_from_a_version(void **state)
{
    fx *f = *state;
    fx_ok(f, "rap", "{\"type\":\"draft_summary\"}");
    const char *bad[] = {
        "{\"type\":\"edit_summary\",\"text\":\"x\",\"base\":1}",
        ("{\"type\":\"edit_summary\",\"section\":\"introduction\",\"guiding_question\":\"gq1\","
         "\"text\":\"x\",\"base\":1}"),
        "{\"type\":\"edit_summary\",\"section\":\"preamble\",\"text\":\"x\",\"base\":1}",
        "{\"type\":\"edit_summary\",\"section\":\"introduction\",\"text\":\"x\"}",
        "{\"type\":\"edit_summary\",\"section\":\"introduction\",\"text\":\"x\",\"base\":9}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        fx_refused(f, "rap", bad[i], GV_EINVAL);
    fx_refused(f, "rap",
               "{\"type\":\"edit_summary\",\"guiding_question\":\"gq9\",\"text\":\"x\",\"base\":1}",
               GV_ENOTFOUND);
    json_t *evs = fx_ok(f, "rap",
                        "{\"type\":\"edit_summary\",\"guiding_question\":\"gq2\","
                        "\"text\":\"Energy use of data centres.\",\"base\":1}");
    const json_t *ev = json_array_get(evs, 0);
    /* One section, not the whole document. */
    assert_string_equal(json_string_value(json_object_get(ev, "guiding_question")), "gq2");
    assert_null(json_object_get(ev, "key_messages"));
    assert_int_equal(json_integer_value(json_object_get(ev, "version")), 2);
    assert_section(f, 2, "Energy use of data centres.");
    /* Another section edited from version 1 is fine; this one is not. */
    fx_ok(f, "sec",
          "{\"type\":\"edit_summary\",\"section\":\"key_messages\",\"text\":\"Act "
          "now.\",\"base\":1}");
    fx_refused(f, "sec",
               "{\"type\":\"edit_summary\",\"guiding_question\":\"gq2\",\"text\":\"Mine."
               "\",\"base\":1}",
               GV_ESTATE);
    fx_refused(f, "sec",
               "{\"type\":\"edit_summary\",\"guiding_question\":\"gq2\",\"text\":\"Energy "
               "use of data centres.\",\"base\":3}",
               GV_ESTATE); /* says this already */
    fx_ok(f, "sec",
          "{\"type\":\"edit_summary\",\"guiding_question\":\"gq2\",\"text\":\"Mine.\","
          "\"base\":3}");
    assert_int_equal(version(f), 4);
}

static void approved_by_the_chair_and_frozen(void **state)
{
    fx *f = *state;
    fx_refused(f, "chair", "{\"type\":\"approve_summary\",\"version\":1}", GV_ESTATE);
    fx_ok(f, "rap", "{\"type\":\"draft_summary\"}");
    fx_ok(f, "rap",
          "{\"type\":\"edit_summary\",\"section\":\"recommendations\",\"text\":\"Fund "
          "it.\",\"base\":1}");
    fx_refused(f, "mod", "{\"type\":\"approve_summary\",\"version\":2}", GV_EPERM);
    fx_refused(f, "rap", "{\"type\":\"approve_summary\",\"version\":2}", GV_EPERM);
    fx_refused(f, "chair", "{\"type\":\"approve_summary\",\"version\":1}", GV_ESTATE); /* old */
    fx_ok(f, "chair", "{\"type\":\"approve_summary\",\"version\":2}");
    int64_t seq = fx_last_seq(f);
    json_t *s = fx_get(f, "summary");
    const json_t *a = json_object_get(s, "approved");
    assert_int_equal(json_integer_value(json_object_get(a, "version")), 2);
    assert_int_equal(json_integer_value(json_object_get(a, "seq")), seq);
    assert_string_equal(json_string_value(json_object_get(a, "by")), "chair");
    json_decref(s);
    fx_refused(f, "rap",
               "{\"type\":\"edit_summary\",\"section\":\"recommendations\",\"text\":"
               "\"More.\",\"base\":2}",
               GV_ESTATE);
    fx_refused(f, "rap", "{\"type\":\"draft_summary\",\"replace\":true}", GV_ESTATE);
    fx_refused(f, "chair", "{\"type\":\"approve_summary\",\"version\":2}", GV_ESTATE);
    fx_refused(f, "rap", "{\"type\":\"reopen_summary\"}", GV_EPERM);
    fx_ok(f, "chair", "{\"type\":\"reopen_summary\"}");
    fx_refused(f, "chair", "{\"type\":\"reopen_summary\"}", GV_ESTATE);
    fx_ok(f, "rap",
          "{\"type\":\"edit_summary\",\"section\":\"recommendations\",\"text\":"
          "\"More.\",\"base\":2}");
    assert_int_equal(version(f), 3);
}

static void the_public_view_carries_no_draft(void **state)
{
    fx *f = *state;
    fx_ok(f, "rap", "{\"type\":\"add_note\",\"text\":\"Secret draft.\"}");
    json_t *evs = fx_ok(f, "rap", "{\"type\":\"draft_summary\"}");
    json_t *pub = gv_meeting_view_json(f->m, GV_VIEW_PUBLIC);
    char *text = json_dumps(pub, JSON_COMPACT);
    assert_null(strstr(text, "Secret draft."));
    assert_non_null(strstr(text, "\"summary\":{\"version\":0,\"approved\":null,\"sections\":[]}"));
    free(text);
    json_decref(pub);
    json_t *ev = NULL;
    assert_int_equal(gv_event_view(f->m, json_array_get(evs, 0), GV_VIEW_PUBLIC, &ev), 0);
    assert_string_equal(json_string_value(json_object_get(ev, "type")), GV_EVENT_WITHHELD);
    json_decref(ev);
}

static void section_text_is_bounded(void **state)
{
    fx *f = *state;
    fx_ok(f, "rap", "{\"type\":\"draft_summary\"}");
    size_t n = 12001;
    char *cmd = malloc(n + 128);
    int at = snprintf(cmd, 128,
                      "{\"type\":\"edit_summary\",\"section\":\"introduction\",\"base\":1,"
                      "\"text\":\"");
    memset(cmd + at, 'a', n);
    strcpy(cmd + at + n, "\"}");
    fx_refused(f, "rap", cmd, GV_ELIMIT);
    strcpy(cmd + at + n - 1, "\"}");
    fx_ok(f, "rap", cmd);
    free(cmd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(drafted_from_the_notes_in_one_action, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(edits_are_one_section_from_a_version, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(approved_by_the_chair_and_frozen, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(the_public_view_carries_no_draft, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(section_text_is_bounded, fx_setup, fx_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
