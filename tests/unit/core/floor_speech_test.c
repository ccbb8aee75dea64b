/*
 * Speeches through the meeting's commands: giving the floor, the timer's
 * commands, limits, the autopilot, planned speakers, answers, re-adding,
 * totals, budgets, segments and expected waiting times, with every refusal's
 * code (the fixture checks that refusals change nothing).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "floor_fixture.h"

/* Integer field of the current speech in the state; -1 for null. */
static int64_t speech_field(const ff *f, const char *key)
{
    json_t *floor = ff_get(f, "floor");
    json_t *v = json_object_get(json_object_get(floor, "speech"), key);
    int64_t out = json_is_integer(v) ? json_integer_value(v) : -1;
    json_decref(floor);
    return out;
}

/* Field of the ev-th event of the last command. */
static int64_t ev_int(const ff *f, size_t ev, const char *key)
{
    return json_integer_value(json_object_get(json_array_get(f->last, ev), key));
}

static const char *ev_str(const ff *f, size_t ev, const char *key)
{
    return json_string_value(json_object_get(json_array_get(f->last, ev), key));
}

static void give_floor_refusals(void **state)
{
    ff *f = *state;
    ff_ok(f, "chair", "{\"type\": \"open_meeting\"}");
    ff_refused(f, GV_ESTATE, "mod", "{\"type\": \"give_floor\", \"person\": \"ngo\"}");
    ff_refused(f, GV_ESTATE, "mod", "{\"type\": \"next_speaker\"}");
    ff_ok(f, "chair", "{\"type\": \"start_item\", \"item\": \"fifo\"}");
    int64_t r = ff_ask(f, "firm", NULL);
    ff_refused(f, GV_EPERM, "firm", "{\"type\": \"give_floor\", \"person\": \"ngo\"}");
    ff_refused(f, GV_EINVAL, "mod", "{\"type\": \"give_floor\"}");
    ff_refused(f, GV_EINVAL, "mod",
               "{\"type\": \"give_floor\", \"person\": \"ngo\", \"request\": %lld}", (long long)r);
    ff_refused(f, GV_ENOTFOUND, "mod", "{\"type\": \"give_floor\", \"request\": 777}");
    ff_refused(f, GV_ENOTFOUND, "mod", "{\"type\": \"give_floor\", \"person\": \"zed\"}");
    ff_refused(f, GV_ENOTFOUND, "mod",
               "{\"type\": \"give_floor\", \"person\": \"ngo\", \"answer_to\": 5}");
    ff_refused(f, GV_EINVAL, "mod",
               "{\"type\": \"give_floor\", \"person\": \"ngo\", \"limit_ms\": 0}");
    ff_refused(f, GV_EINVAL, "mod",
               "{\"type\": \"give_floor\", \"person\": \"ngo\", \"limit_ms\": 60000, "
               "\"warning_ms\": 60001}");
    ff_refused(f, GV_EINVAL, "mod",
               "{\"type\": \"give_floor\", \"person\": \"ngo\", \"warning_ms\": 999999}");
    ff_refused(f, GV_EINVAL, "mod",
               "{\"type\": \"give_floor\", \"request\": %lld, \"kind\": \"reply\"}", (long long)r);
    ff_refused(f, GV_EINVAL, "mod",
               "{\"type\": \"give_floor\", \"person\": \"firm\", \"mode\": \"online\"}");
    ff_refused(f, GV_EINVAL, "mod", "{\"type\": \"give_floor\", \"person\": \"ngo\", \"x\": 1}");
    /* Giving the floor to a person with a waiting request grants that request. */
    ff_ok(f, "mod", "{\"type\": \"give_floor\", \"person\": \"firm\"}");
    assert_int_equal(ev_int(f, 0, "request"), r);
    assert_int_equal(ev_int(f, 0, "speech"), ev_int(f, 0, "seq"));
    ff_assert_order(f, "");
    const char *msg =
        ff_refused(f, GV_ESTATE, "mod", "{\"type\": \"give_floor\", \"person\": \"firm\"}");
    assert_non_null(strstr(msg, "(firm) has the floor already"));
    msg = ff_refused(f, GV_ESTATE, "mod", "{\"type\": \"next_speaker\"}");
    assert_non_null(strstr(msg, "empty"));
    assert_non_null(strstr(msg, "end_speech"));
    ff_ok(f, "mod", "{\"type\": \"end_speech\"}");
    ff_refused(f, GV_ESTATE, "mod", "{\"type\": \"give_floor\", \"request\": %lld}", (long long)r);
    msg = ff_refused(f, GV_ESTATE, "mod", "{\"type\": \"next_speaker\"}");
    assert_non_null(strstr(msg, "empty"));
    json_t *reqs = ff_get(f, "floor_requests");
    json_t *q = json_array_get(reqs, 0);
    assert_string_equal(json_string_value(json_object_get(q, "status")), "granted");
    assert_int_equal(json_integer_value(json_object_get(q, "speech")), r + 1);
    json_decref(reqs);
}

static void the_timer_through_commands(void **state)
{
    ff *f = *state;
    ff_start(f, "panel");
    ff_refused(f, GV_ESTATE, "mod", "{\"type\": \"pause_speech\"}");
    ff_refused(f, GV_ESTATE, "mod", "{\"type\": \"end_speech\"}");
    ff_ok(f, "mod", "{\"type\": \"give_floor\", \"person\": \"pan1\"}");
    int64_t speech = ff_last_seq(f), t0 = f->now_ms;
    assert_int_equal(ev_int(f, 0, "limit_ms"), 7 * FF_MIN);
    assert_int_equal(ev_int(f, 0, "warning_ms"), 5 * FF_MIN);
    assert_int_equal(speech_field(f, "started_at_ms"), t0);
    assert_int_equal(speech_field(f, "paused_at_ms"), -1);
    ff_refused(f, GV_ESTATE, "mod", "{\"type\": \"resume_speech\"}");
    f->step_ms = 60000;
    ff_refused(f, GV_EPERM, "pan1", "{\"type\": \"pause_speech\"}");
    ff_ok(f, "mod", "{\"type\": \"pause_speech\", \"speech\": %lld}", (long long)speech);
    assert_int_equal(speech_field(f, "paused_at_ms"), f->now_ms);
    f->step_ms = 15000;
    ff_refused(f, GV_ESTATE, "mod", "{\"type\": \"pause_speech\"}");
    ff_ok(f, "mod", "{\"type\": \"resume_speech\"}"); /* paused 30 s */
    assert_int_equal(ev_int(f, 0, "paused_ms"), 30000);
    assert_int_equal(speech_field(f, "paused_ms"), 30000);
    ff_refused(f, GV_EINVAL, "mod", "{\"type\": \"extend_speech\", \"added_ms\": 0}");
    ff_refused(f, GV_EINVAL, "mod", "{\"type\": \"extend_speech\"}");
    ff_refused(f, GV_ESTATE, "mod",
               "{\"type\": \"extend_speech\", \"speech\": %lld, \"added_ms\": 1}",
               (long long)speech + 1);
    ff_ok(f, "mod", "{\"type\": \"extend_speech\", \"added_ms\": 60000}");
    assert_int_equal(ev_int(f, 0, "limit_ms"), 8 * FF_MIN);
    assert_int_equal(ev_int(f, 0, "warning_ms"), 6 * FF_MIN);
    assert_int_equal(speech_field(f, "extended_ms"), 60000);
    /* A new limit without a warning keeps the warning 2 minutes before the end. */
    ff_ok(f, "mod", "{\"type\": \"set_speech_limit\", \"limit_ms\": 600000}");
    assert_int_equal(speech_field(f, "limit_ms"), 600000);
    assert_int_equal(speech_field(f, "warning_ms"), 480000);
    ff_refused(f, GV_ESTATE, "mod", "{\"type\": \"set_speech_limit\", \"limit_ms\": 600000}");
    ff_refused(f, GV_EINVAL, "mod",
               "{\"type\": \"set_speech_limit\", \"limit_ms\": 1000, \"warning_ms\": 2000}");
    /* Ten more minutes: well over the new limit. */
    f->step_ms = 10 * FF_MIN;
    ff_ok(f, "mod", "{\"type\": \"end_speech\"}");
    int64_t end = f->now_ms;
    int64_t spoken = end - t0 - 30000;
    assert_int_equal(ev_int(f, 0, "spoken_ms"), spoken);
    assert_int_equal(ev_int(f, 0, "overtime_ms"), spoken - 600000);
    json_t *speeches = ff_get(f, "speeches");
    json_t *s = json_array_get(speeches, 0);
    assert_int_equal(json_integer_value(json_object_get(s, "ended_at_ms")), end);
    assert_int_equal(json_integer_value(json_object_get(s, "spoken_ms")), spoken);
    assert_int_equal(json_integer_value(json_object_get(s, "overtime_ms")), spoken - 600000);
    json_decref(speeches);
    ff_refused(f, GV_ESTATE, "mod", "{\"type\": \"resume_speech\"}");
}

static void limits_given_by_the_moderator(void **state)
{
    ff *f = *state;
    ff_start(f, "fifo"); /* 3 minutes, warning at 2 */
    ff_ok(f, "mod", "{\"type\": \"give_floor\", \"person\": \"ngo\", \"limit_ms\": 300000}");
    assert_int_equal(ev_int(f, 0, "limit_ms"), 300000);
    assert_int_equal(ev_int(f, 0, "warning_ms"), 240000);
    ff_ok(f, "mod", "{\"type\": \"end_speech\"}");
    ff_ok(f, "mod", "{\"type\": \"give_floor\", \"person\": \"firm\", \"warning_ms\": 150000}");
    assert_int_equal(ev_int(f, 0, "limit_ms"), 180000);
    assert_int_equal(ev_int(f, 0, "warning_ms"), 150000);
    ff_ok(f, "mod", "{\"type\": \"end_speech\"}");
    ff_ok(f, "mod",
          "{\"type\": \"give_floor\", \"person\": \"uni\", \"limit_ms\": 30000, \"kind\": "
          "\"reply\", \"mode\": \"room\"}");
    assert_int_equal(ev_int(f, 0, "warning_ms"), 0);
    assert_string_equal(ev_str(f, 0, "kind"), "reply");
    assert_string_equal(ev_str(f, 0, "mode"), "room");
}

static void autopilot_gives_the_floor_to_the_next(void **state)
{
    ff *f = *state;
    ff_start(f, "fifo");
    ff_refused(f, GV_ESTATE, "mod", "{\"type\": \"set_autopilot\", \"on\": false}");
    ff_refused(f, GV_EINVAL, "mod", "{\"type\": \"set_autopilot\"}");
    ff_ok(f, "mod", "{\"type\": \"set_autopilot\", \"on\": true}");
    ff_refused(f, GV_ESTATE, "mod", "{\"type\": \"set_autopilot\", \"on\": true}");
    ff_ask(f, "firm", NULL);
    int64_t ngo = ff_ask(f, "ngo", NULL);
    ff_ok(f, "mod", "{\"type\": \"next_speaker\"}");
    ff_ok(f, "mod", "{\"type\": \"end_speech\"}");
    assert_int_equal(json_array_size(f->last), 2);
    assert_string_equal(ev_str(f, 0, "type"), "speech_ended");
    assert_string_equal(ev_str(f, 1, "type"), "floor_given");
    assert_int_equal(ev_int(f, 1, "request"), ngo);
    assert_int_equal(ev_int(f, 1, "speech"), ev_int(f, 0, "seq") + 1);
    ff_ok(f, "mod", "{\"type\": \"end_speech\"}"); /* list empty: nobody next */
    assert_int_equal(json_array_size(f->last), 1);
    json_t *floor = ff_get(f, "floor");
    assert_true(json_is_null(json_object_get(floor, "speech")));
    assert_true(json_is_true(json_object_get(floor, "autopilot")));
    json_decref(floor);
}

static void planned_speakers_follow_the_list(void **state)
{
    ff *f = *state;
    ff_start(f, "panel");
    json_t *floor = ff_get(f, "floor");
    assert_int_equal(json_array_size(json_object_get(floor, "planned")), 2);
    json_decref(floor);
    ff_ok(f, "mod", "{\"type\": \"next_speaker\"}");
    assert_string_equal(ev_str(f, 0, "person"), "pan1");
    ff_ok(f, "mod", "{\"type\": \"set_autopilot\", \"on\": true}");
    /* A request on the list comes before the rest of the programme. */
    ff_ask(f, "carpania", "\"kind\": \"point_of_order\"");
    ff_ok(f, "mod", "{\"type\": \"end_speech\"}");
    assert_string_equal(ev_str(f, 1, "person"), "carpania");
    ff_ok(f, "mod", "{\"type\": \"end_speech\"}");
    assert_string_equal(ev_str(f, 1, "person"), "pan2");
    ff_ok(f, "mod", "{\"type\": \"end_speech\"}");
    assert_int_equal(json_array_size(f->last), 1);
    ff_refused(f, GV_ESTATE, "mod", "{\"type\": \"next_speaker\"}");
}

/* The chair's one action: next_speaker while someone speaks ends that speech
 * and gives the floor to the next in line, in one command. */
static void next_speaker_ends_the_speech_under_way(void **state)
{
    ff *f = *state;
    ff_start(f, "fifo");
    ff_ask(f, "firm", NULL);
    int64_t ngo = ff_ask(f, "ngo", NULL);
    ff_ok(f, "mod", "{\"type\": \"next_speaker\", \"speech\": null}");
    int64_t first = ff_last_seq(f);
    f->step_ms = 90000;
    ff_ok(f, "mod", "{\"type\": \"next_speaker\", \"speech\": %lld}", (long long)first);
    assert_int_equal(json_array_size(f->last), 2);
    assert_string_equal(ev_str(f, 0, "type"), "speech_ended");
    assert_int_equal(ev_int(f, 0, "speech"), first);
    assert_int_equal(ev_int(f, 0, "spoken_ms"), 90000);
    assert_string_equal(ev_str(f, 1, "type"), "floor_given");
    assert_int_equal(ev_int(f, 1, "request"), ngo);
    json_t *speeches = ff_get(f, "speeches");
    assert_int_equal(json_array_size(speeches), 2);
    json_decref(speeches);
    /* give_floor too changes the speaker in one action. */
    f->step_ms = 1000;
    ff_ok(f, "mod", "{\"type\": \"give_floor\", \"person\": \"uni\"}");
    assert_string_equal(ev_str(f, 0, "type"), "speech_ended");
    assert_string_equal(ev_str(f, 1, "person"), "uni");
}

/* "speech" names the speech the sender saw: a second press of the button,
 * or a console out of date, is refused and changes nothing. */
static void a_stale_console_is_refused(void **state)
{
    ff *f = *state;
    gv_error err;
    ff_start(f, "fifo");
    ff_ask(f, "firm", NULL);
    ff_ask(f, "ngo", NULL);
    ff_ask(f, "uni", NULL);
    ff_ok(f, "mod", "{\"type\": \"next_speaker\", \"speech\": null}");
    int64_t firm = ff_last_seq(f);
    ff_ok(f, "mod", "{\"type\": \"next_speaker\", \"speech\": %lld}", (long long)firm);
    int64_t ngo = ff_last_seq(f);
    /* The same press again: firm's speech is no longer under way. */
    assert_int_equal(
        ff_try(f, &err, "chair", "{\"type\": \"next_speaker\", \"speech\": %lld}", (long long)firm),
        GV_ESTATE);
    assert_string_equal(err.reason, "floor_changed");
    assert_non_null(strstr(err.msg, "(ngo) has the floor now"));
    assert_int_equal(ff_try(f, &err, "chair",
                            "{\"type\": \"give_floor\", \"person\": \"dorado\", "
                            "\"speech\": null}"),
                     GV_ESTATE);
    assert_string_equal(err.reason, "floor_changed");
    ff_refused(f, GV_EINVAL, "mod", "{\"type\": \"next_speaker\", \"speech\": \"x\"}");
    ff_ok(f, "mod", "{\"type\": \"end_speech\", \"speech\": %lld}", (long long)ngo);
    assert_int_equal(
        ff_try(f, &err, "chair", "{\"type\": \"next_speaker\", \"speech\": %lld}", (long long)ngo),
        GV_ESTATE);
    assert_string_equal(err.reason, "floor_changed");
    assert_non_null(strstr(err.msg, "nobody has the floor"));
    assert_int_equal(ff_try(f, &err, "chair", "{\"type\": \"end_speech\"}"), GV_ESTATE);
    assert_string_equal(err.reason, "nobody_speaking");
    ff_ok(f, "mod", "{\"type\": \"next_speaker\", \"speech\": null}");
    assert_string_equal(ev_str(f, 0, "person"), "uni");
    assert_int_equal(ff_try(f, &err, "chair", "{\"type\": \"next_speaker\"}"), GV_ESTATE);
    assert_string_equal(err.reason, "nobody_next");
}

/* Whom next_speaker picks: a point of order, a reply or a moderator's
 * placing first, then the item's planned speakers, then the list; the state
 * names them in floor.next and counts the planned speakers in the waits. */
static void planned_speakers_before_the_list(void **state)
{
    ff *f = *state;
    ff_start(f, "panel");
    int64_t arcadia = ff_ask(f, "arcadia", NULL);
    json_t *floor = ff_get(f, "floor");
    json_t *next = json_object_get(floor, "next");
    assert_string_equal(json_string_value(json_object_get(next, "person")), "pan1");
    assert_true(json_is_null(json_object_get(next, "request")));
    /* Two planned speakers of 7 minutes before arcadia. */
    json_t *entry = json_array_get(json_object_get(floor, "list"), 0);
    assert_int_equal(json_integer_value(json_object_get(entry, "expected_wait_ms")), 14 * FF_MIN);
    json_decref(floor);
    ff_ok(f, "mod", "{\"type\": \"next_speaker\"}");
    assert_string_equal(ev_str(f, 0, "person"), "pan1");
    /* pan2 asks for the floor: next_speaker grants that request. */
    int64_t pan2 = ff_ask(f, "pan2", NULL);
    int64_t po = ff_ask(f, "carpania", "\"kind\": \"point_of_order\"");
    ff_ok(f, "mod", "{\"type\": \"next_speaker\"}");
    assert_int_equal(ev_int(f, 1, "request"), po);
    ff_ok(f, "mod", "{\"type\": \"next_speaker\"}");
    assert_string_equal(ev_str(f, 1, "person"), "pan2");
    assert_int_equal(ev_int(f, 1, "request"), pan2);
    floor = ff_get(f, "floor");
    next = json_object_get(floor, "next");
    assert_int_equal(json_integer_value(json_object_get(next, "request")), arcadia);
    json_decref(floor);
    ff_ok(f, "mod", "{\"type\": \"next_speaker\"}");
    assert_int_equal(ev_int(f, 1, "request"), arcadia);
    floor = ff_get(f, "floor");
    assert_true(json_is_null(json_object_get(floor, "next")));
    json_decref(floor);
}

/* A request the moderator moved to the top goes before the programme. */
static void a_moved_request_goes_before_the_programme(void **state)
{
    ff *f = *state;
    ff_start(f, "panel");
    ff_ask(f, "firm", NULL);
    int64_t ngo = ff_ask(f, "ngo", NULL);
    ff_ok(f, "mod", "{\"type\": \"move_to_top\", \"request\": %lld}", (long long)ngo);
    json_t *floor = ff_get(f, "floor");
    json_t *next = json_object_get(floor, "next");
    assert_int_equal(json_integer_value(json_object_get(next, "request")), ngo);
    /* ngo waits for nobody; firm for the two planned speakers and ngo. */
    json_t *list = json_object_get(floor, "list");
    assert_int_equal(
        json_integer_value(json_object_get(json_array_get(list, 0), "expected_wait_ms")), 0);
    assert_int_equal(
        json_integer_value(json_object_get(json_array_get(list, 1), "expected_wait_ms")),
        21 * FF_MIN);
    json_decref(floor);
    ff_ok(f, "mod", "{\"type\": \"next_speaker\"}");
    assert_int_equal(ev_int(f, 0, "request"), ngo);
    ff_ok(f, "mod", "{\"type\": \"next_speaker\"}");
    assert_string_equal(ev_str(f, 1, "person"), "pan1");
}

static void an_answer_and_a_continued_speech(void **state)
{
    ff *f = *state;
    ff_start(f, "fifo");
    ff_ask(f, "firm", NULL);
    ff_ok(f, "mod", "{\"type\": \"next_speaker\"}");
    int64_t first = ff_last_seq(f);
    f->step_ms = 60000;
    ff_ok(f, "mod", "{\"type\": \"end_speech\"}"); /* by mistake, after 60 s of 180 */
    f->step_ms = 1000;
    ff_ok(f, "mod", "{\"type\": \"readd_last_speaker\"}");
    ff_ok(f, "mod", "{\"type\": \"next_speaker\"}");
    assert_int_equal(ev_int(f, 0, "continues"), first);
    assert_int_equal(ev_int(f, 0, "limit_ms"), 120000);
    assert_int_equal(ev_int(f, 0, "warning_ms"), 60000);
    f->step_ms = 30000;
    ff_ok(f, "mod", "{\"type\": \"end_speech\"}");
    f->step_ms = 1000;
    /* One turn of 90 s, not two. */
    json_t *totals = ff_get(f, "totals");
    json_t *firm =
        json_object_get(json_object_get(json_object_get(totals, "meeting"), "people"), "firm");
    assert_int_equal(json_integer_value(json_object_get(firm, "turns")), 1);
    assert_int_equal(json_integer_value(json_object_get(firm, "spoken_ms")), 90000);
    json_decref(totals);
    /* pan1 answers firm's first speech. */
    ff_ok(f, "mod", "{\"type\": \"give_floor\", \"person\": \"pan1\", \"answer_to\": %lld}",
          (long long)first);
    assert_int_equal(speech_field(f, "answer_to"), first);
}

static void totals_by_person_group_and_mode(void **state)
{
    ff *f = *state;
    ff_start(f, "fifo");
    const char *const who[] = {"arcadia", "borduria", "ngo", "arcadia"};
    const int64_t lasts[] = {100000, 200000, 50000, 250000};
    for (int i = 0; i < 4; i++) {
        ff_ok(f, "mod", "{\"type\": \"give_floor\", \"person\": \"%s\"}", who[i]);
        f->step_ms = lasts[i];
        ff_ok(f, "mod", "{\"type\": \"end_speech\"}");
        f->step_ms = 1000;
        if (i == 1)
            ff_ok(f, "chair", "{\"type\": \"start_item\", \"item\": \"un\"}");
    }
    json_t *totals = ff_get(f, "totals");
    json_t *mt = json_object_get(totals, "meeting");
    json_t *arc = json_object_get(json_object_get(mt, "people"), "arcadia");
    assert_int_equal(json_integer_value(json_object_get(arc, "turns")), 2);
    assert_int_equal(json_integer_value(json_object_get(arc, "spoken_ms")), 350000);
    /* 250 s against a 180 s limit: 70 s over. */
    assert_int_equal(json_integer_value(json_object_get(arc, "overtime_ms")), 70000);
    json_t *ms = json_object_get(json_object_get(mt, "groups"), "member_state");
    assert_int_equal(json_integer_value(json_object_get(ms, "turns")), 3);
    assert_int_equal(json_integer_value(json_object_get(ms, "spoken_ms")), 550000);
    json_t *online = json_object_get(json_object_get(mt, "modes"), "online");
    assert_int_equal(json_integer_value(json_object_get(online, "spoken_ms")), 250000);
    /* Per item. */
    json_t *fifo = json_object_get(json_object_get(totals, "items"), "fifo");
    json_t *un = json_object_get(json_object_get(totals, "items"), "un");
    assert_int_equal(
        json_integer_value(json_object_get(
            json_object_get(json_object_get(fifo, "groups"), "member_state"), "spoken_ms")),
        300000);
    assert_int_equal(json_integer_value(json_object_get(
                         json_object_get(json_object_get(un, "people"), "ngo"), "turns")),
                     1);
    assert_null(json_object_get(json_object_get(totals, "items"), "panel"));
    /* Every breakdown adds up to the same whole. */
    const char *const parts[] = {"people", "groups", "regions", "genders", "modes"};
    for (int p = 0; p < 5; p++) {
        int64_t turns = 0, spoken = 0;
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(mt, parts[p]), k, v)
        {
            turns += json_integer_value(json_object_get(v, "turns"));
            spoken += json_integer_value(json_object_get(v, "spoken_ms"));
        }
        assert_int_equal(turns, 4);
        assert_int_equal(spoken, 600000);
    }
    json_decref(totals);
}

/* The first budget of the running item, its field. */
static int64_t budget(const ff *f, size_t i, const char *key)
{
    json_t *floor = ff_get(f, "floor");
    json_t *b = json_array_get(json_object_get(floor, "budgets"), i);
    assert_non_null(b);
    int64_t v = json_integer_value(json_object_get(b, key));
    json_decref(floor);
    return v;
}

static void budgets_per_group_and_delegation(void **state)
{
    ff *f = *state;
    ff_ok(f, "chair", "{\"type\": \"open_meeting\"}");
    ff_refused(f, GV_ESTATE, "mod",
               "{\"type\": \"set_budget\", \"by\": \"group\", \"key\": \"civil_society\", "
               "\"budget_ms\": 300000}");
    ff_ok(f, "chair", "{\"type\": \"start_item\", \"item\": \"fifo\"}");
    ff_refused(f, GV_EPERM, "ngo",
               "{\"type\": \"set_budget\", \"by\": \"group\", \"key\": \"civil_society\", "
               "\"budget_ms\": 300000}");
    ff_refused(f, GV_EINVAL, "mod",
               "{\"type\": \"set_budget\", \"by\": \"group\", \"key\": \"farmers\", "
               "\"budget_ms\": 300000}");
    ff_refused(f, GV_EINVAL, "mod",
               "{\"type\": \"set_budget\", \"by\": \"region\", \"key\": \"african\", "
               "\"budget_ms\": 300000}");
    ff_refused(f, GV_ENOTFOUND, "mod",
               "{\"type\": \"set_budget\", \"by\": \"delegation\", \"key\": \"Atlantis\", "
               "\"budget_ms\": 300000}");
    ff_refused(f, GV_ENOTFOUND, "mod",
               "{\"type\": \"add_budget_time\", \"by\": \"group\", \"key\": \"civil_society\", "
               "\"added_ms\": 60000}");
    ff_ok(f, "mod",
          "{\"type\": \"set_budget\", \"by\": \"group\", \"key\": \"civil_society\", "
          "\"budget_ms\": 300000}");
    ff_refused(f, GV_ESTATE, "mod",
               "{\"type\": \"set_budget\", \"by\": \"group\", \"key\": \"civil_society\", "
               "\"budget_ms\": 300000}");
    ff_ok(f, "mod", "{\"type\": \"give_floor\", \"person\": \"ngo\"}");
    f->step_ms = 100000;
    ff_ok(f, "mod", "{\"type\": \"end_speech\"}");
    f->step_ms = 1000;
    assert_int_equal(budget(f, 0, "used_ms"), 100000);
    assert_int_equal(budget(f, 0, "left_ms"), 200000);
    ff_ok(f, "mod",
          "{\"type\": \"add_budget_time\", \"by\": \"group\", \"key\": "
          "\"civil_society\", \"added_ms\": 60000}");
    assert_int_equal(budget(f, 0, "added_ms"), 60000);
    assert_int_equal(budget(f, 0, "left_ms"), 260000);
    ff_refused(f, GV_EINVAL, "mod",
               "{\"type\": \"add_budget_time\", \"by\": \"group\", \"key\": \"civil_society\", "
               "\"added_ms\": 0}");
    /* A delegation of two (d00 and d01): time counts for both, and may run out. */
    ff_ok(f, "mod",
          "{\"type\": \"set_budget\", \"by\": \"delegation\", \"key\": \"Delegation "
          "0\", \"budget_ms\": 120000}");
    const char *const two[] = {"d00", "d01"};
    for (int i = 0; i < 2; i++) {
        ff_ok(f, "mod", "{\"type\": \"give_floor\", \"person\": \"%s\"}", two[i]);
        f->step_ms = i ? 80000 : 50000;
        ff_ok(f, "mod", "{\"type\": \"end_speech\"}");
        f->step_ms = 1000;
    }
    assert_int_equal(budget(f, 1, "used_ms"), 130000);
    assert_int_equal(budget(f, 1, "left_ms"), -10000);
    /* Budgets belong to their item. */
    ff_ok(f, "chair", "{\"type\": \"start_item\", \"item\": \"un\"}");
    json_t *floor = ff_get(f, "floor");
    assert_int_equal(json_array_size(json_object_get(floor, "budgets")), 0);
    json_decref(floor);
    ff_ok(f, "chair", "{\"type\": \"start_item\", \"item\": \"fifo\"}");
    assert_int_equal(budget(f, 0, "left_ms"), 260000);
}

static void segments_of_the_discussion(void **state)
{
    ff *f = *state;
    ff_start(f, "fifo");
    ff_refused(f, GV_ESTATE, "mod",
               "{\"type\": \"set_segments\", \"floor_ms\": 0, \"replies_ms\": 0}");
    ff_refused(f, GV_EINVAL, "mod", "{\"type\": \"set_segments\", \"floor_ms\": 60000}");
    ff_refused(f, GV_EPERM, "pan1",
               "{\"type\": \"set_segments\", \"floor_ms\": 60000, \"replies_ms\": 1}");
    ff_ok(f, "mod", "{\"type\": \"set_segments\", \"floor_ms\": 1200000, \"replies_ms\": 600000}");
    int64_t at = f->now_ms;
    json_t *floor = ff_get(f, "floor");
    json_t *seg = json_object_get(floor, "segments");
    assert_int_equal(json_integer_value(json_object_get(seg, "floor_ends_at_ms")), at + 1200000);
    assert_int_equal(json_integer_value(json_object_get(seg, "replies_ends_at_ms")), at + 1800000);
    assert_string_equal(json_string_value(json_object_get(seg, "current")), "floor");
    json_decref(floor);
    f->step_ms = 1200000;
    ff_ask(f, "ngo", NULL); /* the state's time is now past the floor segment */
    floor = ff_get(f, "floor");
    seg = json_object_get(floor, "segments");
    assert_string_equal(json_string_value(json_object_get(seg, "current")), "replies");
    assert_int_equal(json_integer_value(json_object_get(seg, "current_ends_at_ms")), at + 1800000);
    json_decref(floor);
    f->step_ms = 1000;
    ff_ok(f, "mod", "{\"type\": \"set_segments\", \"floor_ms\": 0, \"replies_ms\": 0}");
    floor = ff_get(f, "floor");
    assert_true(json_is_null(json_object_get(floor, "segments")));
    json_decref(floor);
}

static void expected_wait_counts_the_speech_under_way(void **state)
{
    ff *f = *state;
    ff_start(f, "fifo");
    ff_ok(f, "mod", "{\"type\": \"give_floor\", \"person\": \"firm\"}");
    f->step_ms = 30000;
    ff_ask(f, "ngo", NULL);
    f->step_ms = 30000;
    ff_ask(f, "uni", NULL); /* 60 s into firm's 180 */
    assert_string_equal(ff_entry(f, 0, "expected_wait_ms"), "120000");
    assert_string_equal(ff_entry(f, 1, "expected_wait_ms"), "300000");
    json_t *floor = ff_get(f, "floor");
    assert_int_equal(json_integer_value(json_object_get(floor, "as_of_ms")), f->now_ms);
    json_decref(floor);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(give_floor_refusals, ff_setup, ff_teardown),
        cmocka_unit_test_setup_teardown(the_timer_through_commands, ff_setup, ff_teardown),
        cmocka_unit_test_setup_teardown(limits_given_by_the_moderator, ff_setup, ff_teardown),
        cmocka_unit_test_setup_teardown(autopilot_gives_the_floor_to_the_next, ff_setup,
                                        ff_teardown),
        cmocka_unit_test_setup_teardown(planned_speakers_follow_the_list, ff_setup, ff_teardown),
        cmocka_unit_test_setup_teardown(next_speaker_ends_the_speech_under_way, ff_setup,
                                        ff_teardown),
        cmocka_unit_test_setup_teardown(a_stale_console_is_refused, ff_setup, ff_teardown),
        cmocka_unit_test_setup_teardown(planned_speakers_before_the_list, ff_setup, ff_teardown),
        cmocka_unit_test_setup_teardown(a_moved_request_goes_before_the_programme, ff_setup,
                                        ff_teardown),
        cmocka_unit_test_setup_teardown(an_answer_and_a_continued_speech, ff_setup, ff_teardown),
        cmocka_unit_test_setup_teardown(totals_by_person_group_and_mode, ff_setup, ff_teardown),
        cmocka_unit_test_setup_teardown(budgets_per_group_and_delegation, ff_setup, ff_teardown),
        cmocka_unit_test_setup_teardown(segments_of_the_discussion, ff_setup, ff_teardown),
        cmocka_unit_test_setup_teardown(expected_wait_counts_the_speech_under_way, ff_setup,
                                        ff_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
