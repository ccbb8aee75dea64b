/*
 * Regression: a stored log whose time runs backwards is damaged and must be
 * refused by the fold. Found by tests/fuzz/replay_fuzz: a log with an item
 * started far in the future and later events at earlier times replayed
 * without error, and the state it left made decide produce an item_ended
 * that the same state's apply refused ("the item would end before it
 * started"): on the server, a meeting stuck with a committed event it cannot
 * apply.
 */
#include "support.h"

/* Applies the event given as JSON text; returns the code (0 or GV_E*). */
static int apply_text(gv_meeting *m, const char *text)
{
    gv_error err = {0};
    json_t *ev = json_loads(text, 0, NULL);
    assert_non_null(ev);
    int rc = gv_meeting_apply(m, ev, &err);
    json_decref(ev);
    if (rc < 0)
        assert_true(err.msg[0] != '\0');
    return rc;
}

static void event_before_the_last_is_refused(void **state)
{
    (void)state;
    gv_meeting *m = gvt_meeting();
    assert_int_equal(apply_text(m, "{\"seq\": 2, \"type\": \"meeting_opened\", \"at_ms\": "
                                   "1648729800000, \"by\": \"chair\"}"),
                     0);
    char *before = gvt_state(m);
    assert_int_equal(apply_text(m, "{\"seq\": 3, \"type\": \"attended\", \"at_ms\": "
                                   "1648729799999, \"by\": \"p1\", \"person\": \"p1\", \"mode\": "
                                   "\"room\"}"),
                     GV_ECORRUPT);
    char *after = gvt_state(m);
    assert_string_equal(before, after);
    assert_int_equal(gv_meeting_seq(m), 2);
    /* The same event at the same time as the last one is fine. */
    assert_int_equal(apply_text(m, "{\"seq\": 3, \"type\": \"attended\", \"at_ms\": "
                                   "1648729800000, \"by\": \"p1\", \"person\": \"p1\", \"mode\": "
                                   "\"room\"}"),
                     0);
    free(before);
    free(after);
    gv_meeting_free(m);
}

/* The shape the fuzzer found: an item started in the future, then an event
 * back in the present. The second is refused, so decide never sees a state
 * where the running item started after the last event. */
static void item_started_in_the_future_then_earlier_event(void **state)
{
    (void)state;
    gv_meeting *m = gvt_meeting();
    assert_int_equal(apply_text(m, "{\"seq\": 2, \"type\": \"meeting_opened\", \"at_ms\": "
                                   "1648729800000, \"by\": \"chair\"}"),
                     0);
    assert_int_equal(apply_text(m, "{\"seq\": 3, \"type\": \"item_started\", \"at_ms\": "
                                   "2986847120000, \"by\": \"chair\", \"item\": \"opening\"}"),
                     0);
    assert_int_equal(apply_text(m, "{\"seq\": 4, \"type\": \"attended\", \"at_ms\": "
                                   "1648729801000, \"by\": \"p1\", \"person\": \"p1\", \"mode\": "
                                   "\"room\"}"),
                     GV_ECORRUPT);
    /* Whatever the clock says, what decide makes now applies. */
    json_t *cmd = json_pack("{s:s}", "type", "end_item");
    json_t *events = NULL;
    gv_error err = {0};
    assert_int_equal(gv_meeting_decide(m, cmd, "chair", GVT_T0, &events, &err), 0);
    for (size_t i = 0; i < json_array_size(events); i++)
        assert_int_equal(gv_meeting_apply(m, json_array_get(events, i), &err), 0);
    json_decref(events);
    json_decref(cmd);
    gv_meeting_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(event_before_the_last_is_refused),
        cmocka_unit_test(item_started_in_the_future_then_earlier_event),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
