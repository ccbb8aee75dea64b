/*
 * The meeting's dispatch (src/core/meeting.c) beyond roles (roles_test.c):
 * a client command id ("cid") is checked, hidden from the modules, and set
 * on every event of its command, so that the log says which command made
 * which events; the fold checks its shape and otherwise ignores it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/snapshot.h"
#include "support.h"

/* Decides `text` as `as`; the events (caller frees) or NULL with err set. */
static json_t *decide(gv_meeting *m, const char *as, const char *text, gv_error *err)
{
    json_t *cmd = json_loads(text, 0, NULL), *events = NULL;
    assert_non_null(cmd);
    gv_meeting_decide(m, cmd, as, GVT_T0, &events, err);
    json_decref(cmd);
    return events;
}

static void apply_all(gv_meeting *m, json_t *events)
{
    gv_error err;
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev)
    {
        if (gv_meeting_apply(m, ev, &err) < 0)
            fail_msg("event %zu does not apply: %s", i, err.msg);
    }
}

static void every_event_carries_the_cid(void **state)
{
    (void)state;
    gv_error err;
    gv_meeting *m = gvt_meeting();
    gvt_ok(m, "chair", GVT_T0, "{\"type\": \"open_meeting\"}");
    gvt_ok(m, "chair", GVT_T0, "{\"type\": \"start_item\", \"item\": \"discussion\"}");
    gvt_ok(m, "p1", GVT_T0, "{\"type\": \"request_floor\"}");
    gvt_ok(m, "p2", GVT_T0, "{\"type\": \"request_floor\"}");
    gvt_ok(m, "chair", GVT_T0, "{\"type\": \"next_speaker\"}");
    /* One command, two events: both say which command made them. */
    json_t *events =
        decide(m, "chair", "{\"type\": \"next_speaker\", \"cid\": \"Xq3-_k9zA1b2C3d4\"}", &err);
    assert_non_null(events);
    assert_int_equal(json_array_size(events), 2);
    for (size_t i = 0; i < 2; i++)
        assert_string_equal(json_string_value(json_object_get(json_array_get(events, i), "cid")),
                            "Xq3-_k9zA1b2C3d4");
    apply_all(m, events);
    json_decref(events);
    /* Without a cid, none. */
    events = decide(m, "chair", "{\"type\": \"end_speech\"}", &err);
    assert_null(json_object_get(json_array_get(events, 0), "cid"));
    json_decref(events);
    gv_meeting_free(m);
}

static void a_malformed_cid_is_refused(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "{\"type\": \"open_meeting\", \"cid\": \"short\"}",
        "{\"type\": \"open_meeting\", \"cid\": \"has space in it\"}",
        "{\"type\": \"open_meeting\", \"cid\": \"slash/slash/slash\"}",
        "{\"type\": \"open_meeting\", \"cid\": 12345678}",
    };
    gv_meeting *m = gvt_meeting();
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(gvt_send(m, "chair", GVT_T0, "%s", bad[i]), GV_EINVAL);
    /* 65 characters: over the bound. */
    assert_int_equal(
        gvt_send(m, "chair", GVT_T0,
                 "{\"type\": \"open_meeting\", \"cid\": "
                 "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}"),
        GV_ELIMIT);
    gvt_ok(m, "chair", GVT_T0, "{\"type\": \"open_meeting\", \"cid\": \"abcdefgh\"}");
    gv_meeting_free(m);
}

/* A stored event whose cid is malformed is damaged; a well-formed one folds as without. */
static void the_fold_checks_the_cid(void **state)
{
    (void)state;
    gv_error err;
    gv_meeting *m = gvt_meeting();
    json_t *ev =
        json_pack("{s:I, s:s, s:I, s:s, s:s}", "seq", (json_int_t)2, "type", "meeting_opened",
                  "at_ms", (json_int_t)GVT_T0, "by", "chair", "cid", "no");
    assert_int_equal(gv_meeting_apply(m, ev, &err), GV_ECORRUPT);
    json_object_set_new(ev, "cid", json_string("abcdefgh"));
    assert_int_equal(gv_meeting_apply(m, ev, &err), 0);
    json_decref(ev);
    gv_meeting_free(m);
}

/* The command ids the log holds, the question on the screen and an edit
 * survive a snapshot: a meeting restored from one answers as the fold does. */
static void snapshots_keep_command_ids(void **state)
{
    (void)state;
    gv_error err;
    gv_meeting *m = gvt_meeting();
    gvt_ok(m, "chair", GVT_T0, "{\"type\": \"open_meeting\", \"cid\": \"open-0000001\"}");
    gvt_ok(m, "p1", GVT_T0,
           "{\"type\": \"ask_question\", \"text\": \"Why?\", \"cid\": \"ask-00000001\"}");
    gvt_ok(m, "mod", GVT_T0, "{\"type\": \"approve_question\", \"question\": 3}");
    gvt_ok(m, "mod", GVT_T0,
           "{\"type\": \"edit_question\", \"question\": 3, \"text\": \"Why so?\"}");
    gvt_ok(m, "mod", GVT_T0, "{\"type\": \"show_question\", \"question\": 3}");
    json_t *snap = gv_meeting_snapshot(m);
    assert_non_null(snap);
    gv_meeting *r = NULL;
    assert_int_equal(gv_meeting_restore(snap, &r, &err), 0);
    int64_t first = 0, last = 0;
    const char *by = NULL;
    assert_int_equal(gv_meeting_command_events(r, "ask-00000001", &first, &last, &by), 0);
    assert_int_equal(first, 3);
    assert_int_equal(last, 3);
    assert_string_equal(by, "p1");
    assert_int_equal(gv_meeting_command_events(r, "open-0000001", &first, &last, &by), 0);
    assert_int_equal(first, 2);
    assert_int_equal(gv_meeting_command_events(r, "nobody-00001", &first, &last, &by),
                     GV_ENOTFOUND);
    char *a = gvt_state(m), *b = gvt_state(r);
    assert_string_equal(a, b);
    assert_non_null(strstr(b, "\"shown_question\":3"));
    assert_non_null(strstr(b, "Why so?"));
    free(a);
    free(b);
    /* A damaged command id is refused, not restored. */
    json_object_set_new(json_object_get(snap, "cids"), "no", json_pack("[i, i, s]", 2, 2, "p1"));
    gv_meeting *bad = NULL;
    assert_int_equal(gv_meeting_restore(snap, &bad, &err), GV_ECORRUPT);
    json_decref(snap);
    gv_meeting_free(r);
    gv_meeting_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_event_carries_the_cid),
        cmocka_unit_test(a_malformed_cid_is_refused),
        cmocka_unit_test(the_fold_checks_the_cid),
        cmocka_unit_test(snapshots_keep_command_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
