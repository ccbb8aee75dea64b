/*
 * Views (src/core/view.h): who reads what. The public view must leave out
 * questions awaiting moderation and dismissed ones, voters, notes and
 * genders, in the state and in the events, while the full view is the state
 * itself; a person reads their own hidden questions and their votes.
 */
#include <stdbool.h>

#include "support.h"

#include "core/view.h"

/* Sends a command that must succeed; returns its only event (caller frees). */
static json_t *one_event(gv_meeting *m, const char *as, int64_t at, const char *cmd_text)
{
    json_error_t jerr;
    json_t *cmd = json_loads(cmd_text, 0, &jerr);
    assert_non_null(cmd);
    json_t *events = NULL;
    gv_error err = {0};
    if (gv_meeting_decide(m, cmd, as, at, &events, &err) < 0)
        fail_msg("%s refused: %s", cmd_text, err.msg);
    assert_int_equal(json_array_size(events), 1);
    json_t *ev = json_incref(json_array_get(events, 0));
    assert_int_equal(gv_meeting_apply(m, ev, &err), 0);
    json_decref(events);
    json_decref(cmd);
    return ev;
}

static char *public_text(const gv_meeting *m)
{
    json_t *s = gv_meeting_view_json(m, GV_VIEW_PUBLIC);
    assert_non_null(s);
    char *t = json_dumps(s, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(s);
    return t;
}

static void views_follow_roles(void **state)
{
    (void)state;
    gv_meeting *m = gvt_meeting();
    const char *full[] = {"chair", "mod", "sec", "rap"};
    const char *pub[] = {"pan1", "pan2", "p1", "p6", "nobody", ""};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(gv_view_of_person(m, full[i]), GV_VIEW_FULL);
    }
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(gv_view_of_person(m, pub[i]), GV_VIEW_PUBLIC);
    assert_int_equal(gv_view_of_person(m, NULL), GV_VIEW_PUBLIC);
    assert_int_equal(gv_view_of_role("chair"), GV_VIEW_FULL);
    assert_int_equal(gv_view_of_role("moderator"), GV_VIEW_FULL);
    assert_int_equal(gv_view_of_role("secretariat"), GV_VIEW_FULL);
    assert_int_equal(gv_view_of_role("rapporteur"), GV_VIEW_FULL);
    assert_int_equal(gv_view_of_role("panelist"), GV_VIEW_PUBLIC);
    assert_int_equal(gv_view_of_role("participant"), GV_VIEW_PUBLIC);
    assert_int_equal(gv_view_of_role("system"), GV_VIEW_PUBLIC);
    assert_int_equal(gv_view_of_role("viewer"), GV_VIEW_PUBLIC);
    assert_int_equal(gv_view_of_role(NULL), GV_VIEW_PUBLIC);
    gv_meeting_free(m);
}

static void full_view_is_the_state(void **state)
{
    (void)state;
    gv_meeting *m = gvt_meeting();
    gvt_ok(m, "p1", GVT_T0, "{\"type\": \"ask_question\", \"text\": \"Pending one\"}");
    gvt_ok(m, "rap", GVT_T0, "{\"type\": \"add_note\", \"text\": \"A note\"}");
    json_t *v = gv_meeting_view_json(m, GV_VIEW_FULL);
    char *a = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS), *b = gvt_state(m);
    assert_string_equal(a, b);
    free(a);
    free(b);
    json_decref(v);
    gv_meeting_free(m);
}

static void public_state_leaves_out_what_is_not_public(void **state)
{
    (void)state;
    gv_meeting *m = gvt_meeting();
    int64_t t = GVT_T0;
    gvt_ok(m, "chair", t, "{\"type\": \"open_meeting\"}");
    gvt_ok(m, "p1", t += 1000, "{\"type\": \"ask_question\", \"text\": \"Shown later\"}");   /* 3 */
    gvt_ok(m, "p2", t += 1000, "{\"type\": \"ask_question\", \"text\": \"Never shown\"}");   /* 4 */
    gvt_ok(m, "p3", t += 1000, "{\"type\": \"ask_question\", \"text\": \"Dismissed one\"}"); /* 5 */
    gvt_ok(m, "p4", t += 1000, "{\"type\": \"ask_question\", \"text\": \"Duplicate\"}");     /* 6 */
    gvt_ok(m, "mod", t += 1000, "{\"type\": \"approve_question\", \"question\": 3}");
    gvt_ok(m, "mod", t += 1000, "{\"type\": \"dismiss_question\", \"question\": 5}");
    gvt_ok(m, "mod", t += 1000, "{\"type\": \"merge_question\", \"question\": 6, \"into\": 3}");
    gvt_ok(m, "rap", t += 1000, "{\"type\": \"add_note\", \"text\": \"Working note\"}");
    gvt_ok(m, "chair", t += 1000, "{\"type\": \"start_item\", \"item\": \"panel\"}");
    gvt_ok(m, "chair", t += 1000, "{\"type\": \"next_speaker\"}");
    gvt_ok(m, "chair", t += 60000, "{\"type\": \"end_speech\"}");

    char *full = gvt_state(m), *pub = public_text(m);
    /* The full state has them all... */
    assert_non_null(strstr(full, "Never shown"));
    assert_non_null(strstr(full, "Dismissed one"));
    assert_non_null(strstr(full, "Working note"));
    assert_non_null(strstr(full, "\"gender\""));
    assert_non_null(strstr(full, "\"genders\""));
    /* ...the public one only what is shown in the room. */
    assert_non_null(strstr(pub, "Shown later"));
    assert_non_null(strstr(pub, "Duplicate")); /* merged into a visible question */
    assert_null(strstr(pub, "Never shown"));
    assert_null(strstr(pub, "Dismissed one"));
    assert_null(strstr(pub, "Working note"));
    assert_null(strstr(pub, "gender"));
    assert_null(strstr(pub, "female"));
    /* Everything else is as in the full state. */
    json_t *p = json_loads(pub, 0, NULL), *f = json_loads(full, 0, NULL);
    assert_int_equal(json_array_size(json_object_get(p, "questions")), 2);
    assert_int_equal(json_array_size(json_object_get(p, "notes")), 0);
    assert_true(json_equal(json_object_get(p, "speeches"), json_object_get(f, "speeches")));
    assert_true(json_equal(json_object_get(p, "floor"), json_object_get(f, "floor")));
    /* The running totals are the chair's: the public view leaves them out. */
    assert_non_null(json_object_get(json_object_get(f, "totals"), "meeting"));
    assert_null(json_object_get(p, "totals"));
    json_decref(p);
    json_decref(f);
    free(full);
    free(pub);

    /* Approving the dismissed question brings it into the public view. */
    gvt_ok(m, "mod", t += 1000, "{\"type\": \"approve_question\", \"question\": 5}");
    pub = public_text(m);
    assert_non_null(strstr(pub, "Dismissed one"));
    free(pub);
    /* A question merged into a dismissed one leaves with it. */
    gvt_ok(m, "mod", t += 1000, "{\"type\": \"dismiss_question\", \"question\": 3}");
    pub = public_text(m);
    assert_null(strstr(pub, "Shown later"));
    assert_null(strstr(pub, "Duplicate"));
    free(pub);
    gv_meeting_free(m);
}

static void a_person_reads_their_own_part(void **state)
{
    (void)state;
    gv_meeting *m = gvt_meeting();
    int64_t t = GVT_T0;
    gvt_ok(m, "p1", t, "{\"type\": \"ask_question\", \"text\": \"Mine, pending\"}"); /* 2 */
    gvt_ok(m, "p1", t += 1,
           "{\"type\": \"ask_question\", \"text\": \"Hidden author\", "
           "\"anonymous\": true}");                                                /* 3 */
    gvt_ok(m, "p2", t += 1, "{\"type\": \"ask_question\", \"text\": \"Theirs\"}"); /* 4 */
    gvt_ok(m, "mod", t += 1, "{\"type\": \"approve_question\", \"question\": 4}");
    gvt_ok(m, "p1", t += 1, "{\"type\": \"upvote\", \"question\": 4}");

    json_t *you = gv_meeting_you_json(m, "p1");
    assert_non_null(you);
    assert_string_equal(json_string_value(json_object_get(you, "person")), "p1");
    json_t *votes = json_object_get(you, "votes"), *qs = json_object_get(you, "questions");
    assert_int_equal(json_array_size(votes), 1);
    assert_int_equal(json_integer_value(json_array_get(votes, 0)), 4);
    /* Their pending question, not the anonymous one (its author is kept nowhere). */
    assert_int_equal(json_array_size(qs), 1);
    json_t *q = json_array_get(qs, 0);
    assert_string_equal(json_string_value(json_object_get(q, "text")), "Mine, pending");
    assert_string_equal(json_string_value(json_object_get(q, "state")), "pending");
    json_decref(you);

    you = gv_meeting_you_json(m, "p2");
    assert_int_equal(json_array_size(json_object_get(you, "questions")), 0);
    assert_int_equal(json_array_size(json_object_get(you, "votes")), 0);
    json_decref(you);

    /* Once approved, it is in the public view and no longer only theirs. */
    gvt_ok(m, "mod", t += 1, "{\"type\": \"approve_question\", \"question\": 2}");
    you = gv_meeting_you_json(m, "p1");
    assert_int_equal(json_array_size(json_object_get(you, "questions")), 0);
    json_decref(you);

    assert_null(gv_meeting_you_json(m, "nobody"));
    gv_meeting_free(m);
}

/* The event's view; `same` says whether the view must be the event itself. */
static json_t *view_of(const gv_meeting *m, const json_t *ev, bool same)
{
    json_t *out = NULL;
    assert_int_equal(gv_event_view(m, ev, GV_VIEW_FULL, &out), 0);
    assert_null(out);
    assert_int_equal(gv_event_view(m, ev, GV_VIEW_PUBLIC, &out), 0);
    if (same)
        assert_null(out);
    else
        assert_non_null(out);
    return out;
}

static void assert_withheld(const json_t *v, const json_t *ev)
{
    assert_string_equal(json_string_value(json_object_get(v, "type")), GV_EVENT_WITHHELD);
    assert_true(json_equal(json_object_get(v, "seq"), json_object_get(ev, "seq")));
    assert_true(json_equal(json_object_get(v, "at_ms"), json_object_get(ev, "at_ms")));
    assert_int_equal(json_object_size(v), 3);
}

static void public_events_leave_out_what_is_not_public(void **state)
{
    (void)state;
    /* The definition event, without genders. */
    json_t *def = json_loads(gvt_definition_json, 0, NULL);
    gv_meeting *m = gv_meeting_new();
    gv_error err = {0};
    json_t *ev = gv_meeting_define(m, def, GVT_T0, &err);
    assert_int_equal(gv_meeting_apply(m, ev, &err), 0);
    json_t *v = view_of(m, ev, false);
    char *text = gv_event_canonical(v);
    assert_null(strstr(text, "gender"));
    assert_non_null(strstr(text, "Delegate One"));
    free(text);
    json_decref(v);
    json_decref(ev);
    json_decref(def);

    int64_t t = GVT_T0;
    /* A question awaiting moderation: withheld. */
    ev = one_event(m, "p1", t += 1, "{\"type\": \"ask_question\", \"text\": \"Pending\"}");
    v = view_of(m, ev, false);
    assert_withheld(v, ev);
    json_decref(v);
    json_decref(ev);
    /* The moderator's edit of a question the public does not see: withheld. */
    ev = one_event(m, "mod", t += 1,
                   "{\"type\": \"edit_question\", \"question\": 2, \"text\": \"Pending, edited\"}");
    v = view_of(m, ev, false);
    assert_withheld(v, ev);
    json_decref(v);
    json_decref(ev);
    /* Its approval: as it is (the question is then in the public state). */
    ev = one_event(m, "mod", t += 1, "{\"type\": \"approve_question\", \"question\": 2}");
    view_of(m, ev, true);
    json_decref(ev);
    /* Once it is public, an edit and showing it on the screen are public as they are. */
    ev = one_event(m, "mod", t += 1,
                   "{\"type\": \"edit_question\", \"question\": 2, \"text\": \"Public now\"}");
    view_of(m, ev, true);
    json_decref(ev);
    ev = one_event(m, "mod", t += 1, "{\"type\": \"show_question\", \"question\": 2}");
    view_of(m, ev, true);
    json_decref(ev);
    /* A vote, without the voter. */
    ev = one_event(m, "p2", t += 1, "{\"type\": \"upvote\", \"question\": 2}");
    v = view_of(m, ev, false);
    assert_null(json_object_get(v, "by"));
    assert_int_equal(json_integer_value(json_object_get(v, "question")), 2);
    assert_string_equal(json_string_value(json_object_get(v, "type")), "question_upvoted");
    json_decref(v);
    assert_string_equal(json_string_value(json_object_get(ev, "by")), "p2"); /* not changed */
    json_decref(ev);
    ev = one_event(m, "p2", t += 1, "{\"type\": \"unvote\", \"question\": 2}");
    v = view_of(m, ev, false);
    assert_null(json_object_get(v, "by"));
    json_decref(v);
    json_decref(ev);
    /* Notes: withheld, added, amended or withdrawn. */
    ev = one_event(m, "rap", t += 1, "{\"type\": \"add_note\", \"text\": \"Draft\"}");
    v = view_of(m, ev, false);
    assert_withheld(v, ev);
    json_decref(v);
    json_int_t note = json_integer_value(json_object_get(ev, "note"));
    json_decref(ev);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "{\"type\": \"amend_note\", \"note\": %lld, \"text\": \"Draft 2\"}",
             (long long)note);
    ev = one_event(m, "rap", t += 1, cmd);
    v = view_of(m, ev, false);
    assert_withheld(v, ev);
    json_decref(v);
    json_decref(ev);
    snprintf(cmd, sizeof cmd, "{\"type\": \"withdraw_note\", \"note\": %lld}", (long long)note);
    ev = one_event(m, "rap", t += 1, cmd);
    v = view_of(m, ev, false);
    assert_withheld(v, ev);
    json_decref(v);
    json_decref(ev);
    /* The rest is public as it is. */
    ev = one_event(m, "chair", t += 1, "{\"type\": \"open_meeting\"}");
    view_of(m, ev, true);
    json_decref(ev);
    gv_meeting_free(m);
}

static void questions_are_public_without_moderation(void **state)
{
    (void)state;
    char *def = strdup(gvt_definition_json);
    char *at = strstr(def, "\"moderated\": true");
    assert_non_null(at);
    memcpy(at, "\"moderated\":false", 17);
    gv_meeting *m = gvt_meeting_from(def);
    free(def);
    json_t *ev = one_event(m, "p1", GVT_T0, "{\"type\": \"ask_question\", \"text\": \"Open\"}");
    view_of(m, ev, true);
    json_decref(ev);
    char *pub = public_text(m);
    assert_non_null(strstr(pub, "Open"));
    free(pub);
    gv_meeting_free(m);
}

/* The public view is made from the full state without changing it, and
 * shares with it what it reads as it is. */
static void narrowing_leaves_the_full_state_alone(void **state)
{
    (void)state;
    gv_meeting *m = gvt_meeting();
    gvt_ok(m, "p1", GVT_T0, "{\"type\": \"ask_question\", \"text\": \"Pending one\"}");
    gvt_ok(m, "rap", GVT_T0, "{\"type\": \"add_note\", \"text\": \"A note\"}");
    json_t *full = gv_meeting_to_json(m);
    char *before = json_dumps(full, JSON_COMPACT | JSON_SORT_KEYS);
    json_t *pub = gv_view_narrowed(m, full, GV_VIEW_PUBLIC);
    char *after = json_dumps(full, JSON_COMPACT | JSON_SORT_KEYS), *p = public_text(m);
    char *narrowed = json_dumps(pub, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(before, after);
    assert_string_equal(narrowed, p);
    assert_ptr_equal(json_object_get(pub, "meeting"), json_object_get(full, "meeting"));
    assert_ptr_equal(json_object_get(pub, "floor"), json_object_get(full, "floor"));
    assert_ptr_not_equal(json_object_get(pub, "people"), json_object_get(full, "people"));
    json_t *full_view = gv_view_narrowed(m, full, GV_VIEW_FULL);
    assert_ptr_equal(full_view, full);
    json_decref(full_view);
    free(before);
    free(after);
    free(p);
    free(narrowed);
    json_decref(pub);
    json_decref(full);
    gv_meeting_free(m);
}

/* ---- whose own part an event changes ---------------------------------------- */

static void note_person(void *arg, const char *person)
{
    json_t *set = arg;
    assert_null(json_object_get(set, person)); /* once each */
    json_object_set_new(set, person, json_true());
}

/* Sends the command; after each of its events, everyone whose own part
 * changed must be among the people gv_event_you_people names. Returns how
 * many it named for the last event. */
static size_t you_step(gv_meeting *m, const char *as, int64_t at, const char *cmd_text)
{
    json_error_t jerr;
    json_t *cmd = json_loads(cmd_text, 0, &jerr), *events = NULL;
    gv_error err = {0};
    if (gv_meeting_decide(m, cmd, as, at, &events, &err) < 0)
        fail_msg("%s refused: %s", cmd_text, err.msg);
    size_t named = 0;
    for (size_t e = 0; e < json_array_size(events); e++) {
        char *before[GVT_N_PEOPLE];
        for (size_t i = 0; i < GVT_N_PEOPLE; i++) {
            json_t *y = gv_meeting_you_json(m, gvt_people[i]);
            before[i] = json_dumps(y, JSON_COMPACT | JSON_SORT_KEYS);
            json_decref(y);
        }
        json_t *ev = json_array_get(events, e), *set = json_object();
        assert_int_equal(gv_meeting_apply(m, ev, &err), 0);
        assert_int_equal(gv_event_you_people(m, ev, note_person, set), 0);
        for (size_t i = 0; i < GVT_N_PEOPLE; i++) {
            json_t *y = gv_meeting_you_json(m, gvt_people[i]);
            char *after = json_dumps(y, JSON_COMPACT | JSON_SORT_KEYS);
            if (strcmp(before[i], after) != 0 && !json_object_get(set, gvt_people[i]))
                fail_msg("%s: %s's part changed and was not named", cmd_text, gvt_people[i]);
            free(after);
            free(before[i]);
            json_decref(y);
        }
        named = json_object_size(set);
        json_decref(set);
    }
    json_decref(events);
    json_decref(cmd);
    return named;
}

static void events_name_whose_part_they_change(void **state)
{
    (void)state;
    gv_meeting *m = gvt_meeting();
    int64_t t = GVT_T0;
    assert_int_equal(you_step(m, "chair", t, "{\"type\": \"open_meeting\"}"), 0);
    assert_int_equal(you_step(m, "p1", t += 1, "{\"type\": \"ask_question\", \"text\": \"A\"}"),
                     1);                                                        /* 3 */
    you_step(m, "p2", t += 1, "{\"type\": \"ask_question\", \"text\": \"B\"}"); /* 4 */
    you_step(m, "p3", t += 1, "{\"type\": \"ask_question\", \"text\": \"C\"}"); /* 5 */
    you_step(m, "p4", t += 1,
             "{\"type\": \"ask_question\", \"text\": \"D\", \"anonymous\": true}"); /* 6 */
    you_step(m, "mod", t += 1, "{\"type\": \"approve_question\", \"question\": 4}");
    you_step(m, "mod", t += 1, "{\"type\": \"approve_question\", \"question\": 5}");
    you_step(m, "mod", t += 1, "{\"type\": \"approve_question\", \"question\": 6}");
    you_step(m, "p5", t += 1, "{\"type\": \"upvote\", \"question\": 4}");
    you_step(m, "p6", t += 1, "{\"type\": \"upvote\", \"question\": 4}");
    you_step(m, "p1", t += 1, "{\"type\": \"upvote\", \"question\": 5}");
    you_step(m, "p6", t += 1, "{\"type\": \"unvote\", \"question\": 4}");
    /* Merged: its voters now count for the other; a pending one merged into a
     * visible one becomes public; dismissing the target hides both. */
    you_step(m, "mod", t += 1, "{\"type\": \"merge_question\", \"question\": 4, \"into\": 5}");
    you_step(m, "mod", t += 1, "{\"type\": \"merge_question\", \"question\": 3, \"into\": 5}");
    you_step(m, "mod", t += 1,
             "{\"type\": \"link_question\", \"question\": 5, \"guiding_question\": \"gq1\"}");
    you_step(m, "mod", t += 1, "{\"type\": \"dismiss_question\", \"question\": 5}");
    you_step(m, "mod", t += 1, "{\"type\": \"mark_answered\", \"question\": 6}");
    /* Nobody's part: an arrival. */
    assert_int_equal(you_step(m, "p1", t += 1, "{\"type\": \"check_in\"}"), 0);
    gv_meeting_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(views_follow_roles),
        cmocka_unit_test(full_view_is_the_state),
        cmocka_unit_test(public_state_leaves_out_what_is_not_public),
        cmocka_unit_test(a_person_reads_their_own_part),
        cmocka_unit_test(public_events_leave_out_what_is_not_public),
        cmocka_unit_test(questions_are_public_without_moderation),
        cmocka_unit_test(events_name_whose_part_they_change),
        cmocka_unit_test(narrowing_leaves_the_full_state_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
