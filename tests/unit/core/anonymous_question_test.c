/*
 * An anonymous question names its author nowhere: not in the state, not in
 * the event that the log keeps and the stream sends. A stored event that
 * claims anonymity and names someone is damaged.
 */
#include "support.h"

static void event_and_state_do_not_name_the_author(void **state)
{
    (void)state;
    gv_meeting *m = gvt_meeting();
    json_t *cmd =
        json_pack("{s:s, s:s, s:b}", "type", "ask_question", "text", "Who pays?", "anonymous", 1);
    json_t *events = NULL;
    gv_error err = {0};
    assert_int_equal(gv_meeting_decide(m, cmd, "p5", GVT_T0, &events, &err), 0);
    char *bytes = gv_event_canonical(json_array_get(events, 0));
    assert_non_null(strstr(bytes, "\"by\":\"anonymous\""));
    assert_null(strstr(bytes, "p5"));
    assert_int_equal(gv_meeting_apply(m, json_array_get(events, 0), &err), 0);
    json_t *st = gv_meeting_to_json(m);
    char *qs = json_dumps(json_object_get(st, "questions"), JSON_SORT_KEYS);
    assert_null(strstr(qs, "p5"));
    assert_non_null(strstr(qs, "Who pays?"));
    free(qs);
    json_decref(st);
    free(bytes);
    json_decref(events);
    json_decref(cmd);
    gv_meeting_free(m);
}

static void named_author_with_anonymity_is_damage(void **state)
{
    (void)state;
    gv_meeting *m = gvt_meeting();
    gv_error err = {0};
    json_t *ev = json_pack("{s:i, s:s, s:I, s:s, s:i, s:s, s:b}", "seq", 2, "type",
                           "question_asked", "at_ms", (json_int_t)GVT_T0, "by", "p5", "question", 2,
                           "text", "Who pays?", "anonymous", 1);
    char *before = gvt_state(m);
    assert_int_equal(gv_meeting_apply(m, ev, &err), GV_ECORRUPT);
    char *after = gvt_state(m);
    assert_string_equal(before, after);
    free(before);
    free(after);
    json_decref(ev);
    gv_meeting_free(m);
}

static void signed_question_still_names_its_author(void **state)
{
    (void)state;
    gv_meeting *m = gvt_meeting();
    gvt_ok(m, "p5", GVT_T0, "{\"type\": \"ask_question\", \"text\": \"Who pays?\"}");
    char *s = gvt_state(m);
    assert_non_null(strstr(s, "\"author\":\"p5\""));
    free(s);
    gv_meeting_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(event_and_state_do_not_name_the_author),
        cmocka_unit_test(named_author_with_anonymity_is_damage),
        cmocka_unit_test(signed_question_still_names_its_author),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
