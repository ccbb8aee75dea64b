/*
 * Regression: times near the end of int64 overflowed the core's sums (the
 * speakers' list closing time, an item start plus its closing delay, in
 * floor_speech.c). `gavel apply` takes any at_ms from its input and a stored
 * log can carry any number, so the core bounds every time to
 * 0..GV_TIME_MAX_MS (the end of the year 9999) where it comes in: decide
 * and define refuse others, apply calls such an event damaged. Run under
 * make test-asan, the last test fails on any overflow left.
 */
#include "support.h"

#include <stdint.h>

static int decide_at(gv_meeting *m, const char *as, int64_t at, const char *cmd_text)
{
    json_t *cmd = json_loads(cmd_text, 0, NULL);
    json_t *events = NULL;
    gv_error err = {0};
    assert_non_null(cmd);
    int rc = gv_meeting_decide(m, cmd, as, at, &events, &err);
    if (rc < 0) {
        assert_null(events);
        assert_true(err.msg[0] != '\0');
    }
    json_decref(events);
    json_decref(cmd);
    return rc;
}

static void decide_refuses_times_out_of_range(void **state)
{
    (void)state;
    gv_meeting *m = gvt_meeting();
    char *before = gvt_state(m);
    const char *open = "{\"type\": \"open_meeting\"}";
    assert_int_equal(decide_at(m, "chair", INT64_MAX, open), GV_EINVAL);
    assert_int_equal(decide_at(m, "chair", GV_TIME_MAX_MS + 1, open), GV_EINVAL);
    assert_int_equal(decide_at(m, "chair", -1, open), GV_EINVAL);
    assert_int_equal(decide_at(m, "chair", GV_TIME_MAX_MS, open), 0);
    char *after = gvt_state(m);
    assert_string_equal(before, after);
    free(before);
    free(after);
    gv_meeting_free(m);
}

static void define_refuses_times_out_of_range(void **state)
{
    (void)state;
    gv_error err = {0};
    json_t *def = json_loads(gvt_definition_json, 0, NULL);
    gv_meeting *m = gv_meeting_new();
    assert_null(gv_meeting_define(m, def, INT64_MAX, &err));
    assert_int_equal(err.code, GV_EINVAL);
    json_t *ev = gv_meeting_define(m, def, GV_TIME_MAX_MS, &err);
    assert_non_null(ev);
    json_decref(ev);
    json_decref(def);
    gv_meeting_free(m);
}

static void apply_calls_a_time_out_of_range_damage(void **state)
{
    (void)state;
    gv_error err = {0};
    gv_meeting *m = gvt_meeting();
    char *before = gvt_state(m);
    json_t *ev = json_pack("{s:i, s:s, s:I, s:s}", "seq", 2, "type", "meeting_opened", "at_ms",
                           (json_int_t)INT64_MAX, "by", "chair");
    assert_int_equal(gv_meeting_apply(m, ev, &err), GV_ECORRUPT);
    char *after = gvt_state(m);
    assert_string_equal(before, after);
    free(before);
    free(after);
    json_decref(ev);
    gv_meeting_free(m);
}

/* The shape that overflowed: a whole turn at the last allowed millisecond,
 * with an item whose list closes after a delay. */
static void a_meeting_at_the_last_millisecond_runs(void **state)
{
    (void)state;
    gv_meeting *m = gvt_meeting();
    int64_t t = GV_TIME_MAX_MS;
    gvt_ok(m, "chair", t, "{\"type\": \"open_meeting\"}");
    gvt_ok(m, "chair", t, "{\"type\": \"start_item\", \"item\": \"un-round\"}");
    gvt_ok(m, "p1", t, "{\"type\": \"request_floor\"}");
    gvt_ok(m, "chair", t, "{\"type\": \"next_speaker\"}");
    gvt_ok(m, "chair", t, "{\"type\": \"extend_speech\", \"added_ms\": 60000}");
    gvt_ok(m, "chair", t, "{\"type\": \"pause_speech\"}");
    gvt_ok(m, "chair", t, "{\"type\": \"resume_speech\"}");
    gvt_ok(m, "chair", t, "{\"type\": \"end_speech\"}");
    gvt_ok(m, "chair", t, "{\"type\": \"start_item\", \"item\": \"discussion\"}");
    gvt_ok(m, "chair", t, "{\"type\": \"close_meeting\"}");
    char *s = gvt_state(m);
    free(s);
    gv_meeting_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decide_refuses_times_out_of_range),
        cmocka_unit_test(define_refuses_times_out_of_range),
        cmocka_unit_test(apply_calls_a_time_out_of_range_damage),
        cmocka_unit_test(a_meeting_at_the_last_millisecond_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
