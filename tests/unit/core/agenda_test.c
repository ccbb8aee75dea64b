/*
 * The agenda as held, attendance and notes (src/core/agenda.c): every command's
 * happy path and every refusal with its documented error code, the state
 * unchanged after each refusal, and the log replaying to the same state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "core/fixture_meeting.h"

static const char *str(const fx *f, const char *key, char *buf, size_t size)
{
    json_t *v = fx_get(f, key);
    snprintf(buf, size, "%s", json_is_string(v) ? json_string_value(v) : "(null)");
    json_decref(v);
    return buf;
}

static void assert_key(const fx *f, const char *key, const char *want)
{
    char buf[128];
    assert_string_equal(str(f, key, buf, sizeof buf), want);
}

static const char *event_type(const json_t *events, size_t i)
{
    return json_string_value(json_object_get(json_array_get(events, i), "type"));
}

/* ---- open and close ----------------------------------------------------------------------- */

static void open_meeting_by_chair_or_secretariat(void **state)
{
    fx *f = *state;
    assert_key(f, "status", "scheduled");
    json_t *opened = fx_get(f, "opened_at_ms");
    assert_true(json_is_null(opened));
    json_decref(opened);
    fx_refused(f, "p1", "{\"type\":\"open_meeting\"}", GV_EPERM);
    fx_refused(f, "rap", "{\"type\":\"open_meeting\"}", GV_EPERM);
    fx_refused(f, "sec", "{\"type\":\"open_meeting\",\"when\":1}", GV_EINVAL);
    json_t *evs = fx_ok(f, "sec", "{\"type\":\"open_meeting\",\"id\":\"r1\"}");
    assert_int_equal(json_array_size(evs), 1);
    assert_string_equal(event_type(evs, 0), "meeting_opened");
    assert_key(f, "status", "open");
    opened = fx_get(f, "opened_at_ms");
    assert_int_equal(json_integer_value(opened), f->now_ms);
    json_decref(opened);
    fx_refused(f, "chair", "{\"type\":\"open_meeting\"}", GV_ESTATE);
}

static void close_meeting_ends_the_running_item(void **state)
{
    fx *f = *state;
    fx_refused(f, "chair", "{\"type\":\"close_meeting\"}", GV_ESTATE); /* not open yet */
    fx_ok(f, "chair", "{\"type\":\"open_meeting\"}");
    fx_ok(f, "mod", "{\"type\":\"start_item\",\"item\":\"opening\"}");
    fx_ok(f, "mod", "{\"type\":\"set_guiding_question\",\"guiding_question\":\"gq1\"}");
    fx_refused(f, "sec", "{\"type\":\"close_meeting\"}", GV_EPERM);
    json_t *evs = fx_ok(f, "chair", "{\"type\":\"close_meeting\"}");
    assert_int_equal(json_array_size(evs), 2);
    assert_string_equal(event_type(evs, 0), "item_ended");
    assert_string_equal(json_string_value(json_object_get(json_array_get(evs, 0), "item")),
                        "opening");
    assert_string_equal(event_type(evs, 1), "meeting_closed");
    assert_key(f, "status", "closed");
    assert_key(f, "current_item", "(null)");
    assert_key(f, "current_guiding_question", "(null)");
    assert_int_equal(f->m->items[0].ended_at_ms, f->now_ms);
    json_t *closed = fx_get(f, "closed_at_ms");
    assert_int_equal(json_integer_value(closed), f->now_ms);
    json_decref(closed);

    /* Nothing but attendance and notes after the close. */
    fx_refused(f, "chair", "{\"type\":\"close_meeting\"}", GV_ESTATE);
    fx_refused(f, "chair", "{\"type\":\"open_meeting\"}", GV_ESTATE);
    fx_refused(f, "chair", "{\"type\":\"start_item\",\"item\":\"panel\"}", GV_ESTATE);
    fx_refused(f, "chair", "{\"type\":\"end_item\"}", GV_ESTATE);
    fx_refused(f, "chair", "{\"type\":\"set_guiding_question\",\"guiding_question\":\"gq2\"}",
               GV_ESTATE);
    fx_refused(f, "p1", "{\"type\":\"ask_question\",\"text\":\"Late?\"}", GV_ESTATE);
    fx_ok(f, "p1", "{\"type\":\"check_in\"}");
    fx_ok(f, "p1", "{\"type\":\"leave\"}");
    fx_ok(f, "rap", "{\"type\":\"add_note\",\"text\":\"Written after the close.\"}");
}

static void close_without_a_running_item_is_one_event(void **state)
{
    fx *f = *state;
    fx_ok(f, "chair", "{\"type\":\"open_meeting\"}");
    json_t *evs = fx_ok(f, "mod", "{\"type\":\"close_meeting\"}");
    assert_int_equal(json_array_size(evs), 1);
    assert_string_equal(event_type(evs, 0), "meeting_closed");
}

/* ---- items -------------------------------------------------------------------------------- */

static void start_item_needs_an_open_meeting_and_a_known_item(void **state)
{
    fx *f = *state;
    fx_refused(f, "chair", "{\"type\":\"start_item\",\"item\":\"opening\"}", GV_ESTATE);
    fx_ok(f, "chair", "{\"type\":\"open_meeting\"}");
    fx_refused(f, "chair", "{\"type\":\"start_item\"}", GV_EINVAL);
    fx_refused(f, "chair", "{\"type\":\"start_item\",\"item\":7}", GV_EINVAL);
    fx_refused(f, "chair", "{\"type\":\"start_item\",\"item\":\"lunch\"}", GV_ENOTFOUND);
    fx_refused(f, "pan1", "{\"type\":\"start_item\",\"item\":\"opening\"}", GV_EPERM);
    fx_refused(f, "sec", "{\"type\":\"start_item\",\"item\":\"opening\"}", GV_EPERM);
    json_t *evs = fx_ok(f, "chair", "{\"type\":\"start_item\",\"item\":\"opening\"}");
    assert_int_equal(json_array_size(evs), 1);
    assert_string_equal(event_type(evs, 0), "item_started");
    assert_key(f, "current_item", "opening");
    assert_int_equal(f->m->items[0].started_at_ms, f->now_ms);
    assert_int_equal(f->m->items[0].runs, 1);
    fx_refused(f, "mod", "{\"type\":\"start_item\",\"item\":\"opening\"}", GV_ESTATE);
}

static void starting_an_item_ends_the_running_one(void **state)
{
    fx *f = *state;
    fx_ok(f, "chair", "{\"type\":\"open_meeting\"}");
    fx_ok(f, "chair", "{\"type\":\"start_item\",\"item\":\"opening\"}");
    int64_t t_open = f->now_ms;
    json_t *evs = fx_ok(f, "chair", "{\"type\":\"start_item\",\"item\":\"panel\"}");
    assert_int_equal(json_array_size(evs), 2);
    assert_string_equal(event_type(evs, 0), "item_ended");
    assert_string_equal(event_type(evs, 1), "item_started");
    /* The two events are numbered one after the other. */
    assert_int_equal(json_integer_value(json_object_get(json_array_get(evs, 1), "seq")),
                     json_integer_value(json_object_get(json_array_get(evs, 0), "seq")) + 1);
    assert_key(f, "current_item", "panel");
    assert_int_equal(f->m->items[0].ended_at_ms, f->now_ms);
    assert_int_equal(f->m->items[0].actual_ms, f->now_ms - t_open);
    assert_int_equal(f->m->items[1].started_at_ms, f->now_ms);
}

static void a_resumed_item_sums_its_runs(void **state)
{
    fx *f = *state;
    fx_ok(f, "chair", "{\"type\":\"open_meeting\"}");
    fx_ok(f, "chair", "{\"type\":\"start_item\",\"item\":\"discussion\"}");
    int64_t first = f->now_ms;
    f->now_ms += 600000; /* ten minutes of discussion */
    fx_ok(f, "chair", "{\"type\":\"start_item\",\"item\":\"panel\"}");
    int64_t paused = f->now_ms;
    f->now_ms += 120000;
    fx_ok(f, "chair", "{\"type\":\"start_item\",\"item\":\"discussion\"}");
    int64_t resumed = f->now_ms;
    gv_item *d = &f->m->items[2];
    assert_int_equal(d->started_at_ms, first);
    assert_int_equal(d->resumed_at_ms, resumed);
    assert_int_equal(d->ended_at_ms, 0); /* running again */
    assert_int_equal(d->runs, 2);
    f->now_ms += 300000;
    fx_ok(f, "chair", "{\"type\":\"end_item\"}");
    assert_int_equal(d->actual_ms, (paused - first) + (f->now_ms - resumed));
    assert_int_equal(d->ended_at_ms, f->now_ms);
    assert_int_equal(d->started_at_ms, first);
    assert_key(f, "current_item", "(null)");
}

static void end_item_needs_a_running_item(void **state)
{
    fx *f = *state;
    fx_refused(f, "chair", "{\"type\":\"end_item\"}", GV_ESTATE);
    fx_ok(f, "chair", "{\"type\":\"open_meeting\"}");
    fx_refused(f, "chair", "{\"type\":\"end_item\"}", GV_ESTATE);
    fx_ok(f, "chair", "{\"type\":\"start_item\",\"item\":\"opening\"}");
    fx_refused(f, "p2", "{\"type\":\"end_item\"}", GV_EPERM);
    fx_refused(f, "chair", "{\"type\":\"end_item\",\"item\":\"opening\"}", GV_EINVAL);
    json_t *evs = fx_ok(f, "mod", "{\"type\":\"end_item\"}");
    assert_int_equal(json_array_size(evs), 1);
    assert_string_equal(event_type(evs, 0), "item_ended");
    assert_key(f, "current_item", "(null)");
    fx_refused(f, "chair", "{\"type\":\"end_item\"}", GV_ESTATE);
}

/* ---- guiding question ---------------------------------------------------------------------- */

static void set_guiding_question_and_clear_it(void **state)
{
    fx *f = *state;
    const char *gq1 = "{\"type\":\"set_guiding_question\",\"guiding_question\":\"gq1\"}";
    fx_refused(f, "mod", gq1, GV_ESTATE); /* not open */
    fx_ok(f, "chair", "{\"type\":\"open_meeting\"}");
    fx_refused(f, "rap", gq1, GV_EPERM);
    fx_refused(f, "mod", "{\"type\":\"set_guiding_question\"}", GV_EINVAL);
    fx_refused(f, "mod", "{\"type\":\"set_guiding_question\",\"guiding_question\":\"gq9\"}",
               GV_ENOTFOUND);
    fx_refused(f, "mod", "{\"type\":\"set_guiding_question\",\"guiding_question\":null}",
               GV_ESTATE); /* none to clear */
    fx_ok(f, "mod", gq1);
    assert_key(f, "current_guiding_question", "gq1");
    assert_int_equal(f->m->current_question, 0);
    fx_refused(f, "chair", gq1, GV_ESTATE);
    fx_ok(f, "chair", "{\"type\":\"set_guiding_question\",\"guiding_question\":\"gq2\"}");
    assert_key(f, "current_guiding_question", "gq2");
    json_t *evs =
        fx_ok(f, "chair", "{\"type\":\"set_guiding_question\",\"guiding_question\":null}");
    assert_true(json_is_null(json_object_get(json_array_get(evs, 0), "guiding_question")));
    assert_key(f, "current_guiding_question", "(null)");
}

/* The closing speech of a meeting is not filed under the last guiding question
 * of the discussion: a change of item clears the question, unless start_item
 * names the one the new item takes up. */
static void an_item_change_clears_the_guiding_question(void **state)
{
    fx *f = *state;
    fx_ok(f, "chair", "{\"type\":\"open_meeting\"}");
    fx_ok(f, "chair", "{\"type\":\"start_item\",\"item\":\"discussion\"}");
    fx_ok(f, "mod", "{\"type\":\"set_guiding_question\",\"guiding_question\":\"gq2\"}");
    json_t *evs = fx_ok(f, "chair", "{\"type\":\"start_item\",\"item\":\"closing\"}");
    assert_int_equal(json_array_size(evs), 3);
    assert_string_equal(event_type(evs, 0), "item_ended");
    assert_string_equal(event_type(evs, 1), "guiding_question_set");
    assert_true(json_is_null(json_object_get(json_array_get(evs, 1), "guiding_question")));
    assert_string_equal(event_type(evs, 2), "item_started");
    assert_key(f, "current_guiding_question", "(null)");
    fx_ok(f, "chair", "{\"type\":\"give_floor\",\"person\":\"chair\"}");
    json_t *speeches = fx_get(f, "speeches");
    const json_t *last = json_array_get(speeches, json_array_size(speeches) - 1);
    assert_true(json_is_null(json_object_get(last, "guiding_question")));
    json_decref(speeches);
    fx_ok(f, "chair", "{\"type\":\"end_speech\"}");

    /* start_item may name the question the new item takes up. */
    fx_refused(f, "chair",
               "{\"type\":\"start_item\",\"item\":\"discussion\",\"guiding_question\":\"gq9\"}",
               GV_ENOTFOUND);
    evs = fx_ok(f, "chair",
                "{\"type\":\"start_item\",\"item\":\"discussion\",\"guiding_question\":\"gq1\"}");
    assert_int_equal(json_array_size(evs), 3);
    assert_string_equal(event_type(evs, 1), "item_started");
    assert_string_equal(event_type(evs, 2), "guiding_question_set");
    assert_key(f, "current_guiding_question", "gq1");

    /* Ending the item clears it too. */
    evs = fx_ok(f, "chair", "{\"type\":\"end_item\"}");
    assert_int_equal(json_array_size(evs), 2);
    assert_string_equal(event_type(evs, 1), "guiding_question_set");
    assert_key(f, "current_guiding_question", "(null)");
}

/* ---- attendance ---------------------------------------------------------------------------- */

static void check_in_join_and_leave_for_oneself(void **state)
{
    fx *f = *state;
    int p1 = fx_pi(f, "p1");
    const gv_person *p = &f->m->people[p1];
    json_t *evs = fx_ok(f, "p1", "{\"type\":\"check_in\"}"); /* before the meeting opens */
    assert_string_equal(event_type(evs, 0), "attended");
    assert_string_equal(json_string_value(json_object_get(json_array_get(evs, 0), "mode")), "room");
    int64_t in = f->now_ms;
    assert_true(p->present);
    assert_int_equal(p->mode, GV_MODE_ROOM);
    assert_int_equal(p->checked_in_at_ms, in);
    assert_int_equal(p->joined_at_ms, 0);
    fx_refused(f, "p1", "{\"type\":\"check_in\"}", GV_ESTATE);

    fx_ok(f, "p1", "{\"type\":\"join\"}"); /* moves online */
    int64_t joined = f->now_ms;
    assert_int_equal(p->mode, GV_MODE_ONLINE);
    assert_int_equal(p->joined_at_ms, joined);
    assert_int_equal(p->checked_in_at_ms, in);
    fx_refused(f, "p1", "{\"type\":\"join\"}", GV_ESTATE);

    evs = fx_ok(f, "p1", "{\"type\":\"leave\"}");
    assert_string_equal(event_type(evs, 0), "left");
    assert_false(p->present);
    fx_refused(f, "p1", "{\"type\":\"leave\"}", GV_ESTATE);

    /* Coming back keeps the first times. */
    fx_ok(f, "p1", "{\"type\":\"check_in\"}");
    assert_true(p->present);
    assert_int_equal(p->checked_in_at_ms, in);
    assert_int_equal(p->joined_at_ms, joined);
    assert_int_equal(p->mode, GV_MODE_ROOM);
}

static void someone_elses_attendance_by_secretariat_or_presiding(void **state)
{
    fx *f = *state;
    fx_refused(f, "p1", "{\"type\":\"check_in\",\"person\":\"p2\"}", GV_EPERM);
    fx_refused(f, "rap", "{\"type\":\"join\",\"person\":\"p2\"}", GV_EPERM);
    fx_refused(f, "pan1", "{\"type\":\"leave\",\"person\":\"pan2\"}", GV_EPERM);
    fx_refused(f, "sec", "{\"type\":\"check_in\",\"person\":\"nobody\"}", GV_ENOTFOUND);
    fx_refused(f, "sec", "{\"type\":\"check_in\",\"person\":3}", GV_EINVAL);
    fx_refused(f, "sec", "{\"type\":\"check_in\",\"seat\":3}", GV_EINVAL);
    fx_ok(f, "sec", "{\"type\":\"check_in\",\"person\":\"p2\"}");
    assert_true(f->m->people[fx_pi(f, "p2")].present);
    fx_ok(f, "mod", "{\"type\":\"join\",\"person\":\"pan2\"}");
    assert_int_equal(f->m->people[fx_pi(f, "pan2")].mode, GV_MODE_ONLINE);
    fx_ok(f, "chair", "{\"type\":\"leave\",\"person\":\"p2\"}");
    assert_false(f->m->people[fx_pi(f, "p2")].present);
    /* Naming oneself is the same as leaving "person" out. */
    fx_ok(f, "p3", "{\"type\":\"check_in\",\"person\":\"p3\"}");
    fx_refused(f, "p3", "{\"type\":\"check_in\"}", GV_ESTATE);
}

/* ---- notes --------------------------------------------------------------------------------- */

static json_t *note_at(const fx *f, size_t i)
{
    json_t *notes = fx_get(f, "notes");
    json_t *n = json_incref(json_array_get(notes, i));
    json_decref(notes);
    assert_non_null(n);
    return n;
}

static void add_note_by_presiding_or_rapporteur(void **state)
{
    fx *f = *state;
    fx_refused(f, "p1", "{\"type\":\"add_note\",\"text\":\"x\"}", GV_EPERM);
    fx_refused(f, "sec", "{\"type\":\"add_note\",\"text\":\"x\"}", GV_EPERM);
    fx_refused(f, "pan1", "{\"type\":\"add_note\",\"text\":\"x\"}", GV_EPERM);
    fx_refused(f, "rap", "{\"type\":\"add_note\"}", GV_EINVAL);
    fx_refused(f, "rap", "{\"type\":\"add_note\",\"text\":\" \\n\\t \"}", GV_EINVAL);
    fx_refused(f, "rap", "{\"type\":\"add_note\",\"text\":\"x\",\"guiding_question\":\"gq7\"}",
               GV_ENOTFOUND);
    fx_refused(f, "rap", "{\"type\":\"add_note\",\"text\":\"x\",\"question\":\"gq1\"}", GV_EINVAL);

    json_t *evs =
        fx_ok(f, "rap",
              "{\"type\":\"add_note\",\"text\":\"  Broad support for capacity building. \","
              "\"guiding_question\":\"gq1\"}");
    int64_t id = fx_last_seq(f);
    json_t *ev = json_array_get(evs, 0);
    assert_string_equal(event_type(evs, 0), "note_added");
    assert_int_equal(json_integer_value(json_object_get(ev, "note")), id);
    json_t *n = note_at(f, 0);
    assert_int_equal(json_integer_value(json_object_get(n, "note")), id);
    assert_string_equal(json_string_value(json_object_get(n, "text")),
                        "Broad support for capacity building.");
    assert_string_equal(json_string_value(json_object_get(n, "author")), "rap");
    assert_string_equal(json_string_value(json_object_get(n, "guiding_question")), "gq1");
    assert_int_equal(json_integer_value(json_object_get(n, "at_ms")), f->now_ms);
    assert_true(json_is_null(json_object_get(n, "amended_at_ms")));
    json_decref(n);

    fx_ok(f, "mod", "{\"type\":\"add_note\",\"text\":\"The meeting as a whole.\"}");
    n = note_at(f, 1);
    assert_true(json_is_null(json_object_get(n, "guiding_question")));
    assert_string_equal(json_string_value(json_object_get(n, "author")), "mod");
    json_decref(n);
}

static char *repeat(const char *unit, size_t times)
{
    size_t u = strlen(unit);
    char *s = malloc(u * times + 1);
    for (size_t i = 0; i < times; i++)
        memcpy(s + i * u, unit, u);
    s[u * times] = '\0';
    return s;
}

static void note_text_is_bounded_at_4000_bytes(void **state)
{
    fx *f = *state;
    char *text = repeat("\xc3\xa9", 2000); /* "é": 4000 bytes */
    json_t *cmd = json_pack("{s:s, s:s}", "type", "add_note", "text", text);
    char *ok = json_dumps(cmd, 0);
    fx_ok(f, "rap", ok);
    json_t *n = note_at(f, 0);
    assert_string_equal(json_string_value(json_object_get(n, "text")), text);
    json_decref(n);
    free(text);
    free(ok);
    json_decref(cmd);

    text = repeat("a", 4001);
    cmd = json_pack("{s:s, s:s}", "type", "add_note", "text", text);
    char *big = json_dumps(cmd, 0);
    fx_refused(f, "rap", big, GV_ELIMIT);
    free(text);
    free(big);
    json_decref(cmd);
}

static void amend_note_by_author_or_presiding(void **state)
{
    fx *f = *state;
    fx_ok(f, "rap", "{\"type\":\"add_note\",\"text\":\"First draft.\"}");
    int64_t id = fx_last_seq(f);
    char cmd[256];

    snprintf(cmd, sizeof cmd, "{\"type\":\"amend_note\",\"note\":%lld,\"text\":\"Second.\"}",
             (long long)id);
    fx_refused(f, "rap2", cmd, GV_EPERM); /* another rapporteur */
    fx_refused(f, "p1", cmd, GV_EPERM);
    fx_ok(f, "rap", cmd);
    json_t *n = note_at(f, 0);
    assert_string_equal(json_string_value(json_object_get(n, "text")), "Second.");
    assert_int_equal(json_integer_value(json_object_get(n, "amended_at_ms")), f->now_ms);
    assert_string_equal(json_string_value(json_object_get(n, "amended_by")), "rap");
    assert_string_equal(json_string_value(json_object_get(n, "author")), "rap");
    json_decref(n);
    fx_refused(f, "rap", cmd, GV_ESTATE); /* says this already */

    snprintf(cmd, sizeof cmd, "{\"type\":\"amend_note\",\"note\":%lld,\"text\":\"Chair's.\"}",
             (long long)id);
    fx_ok(f, "chair", cmd);
    n = note_at(f, 0);
    assert_string_equal(json_string_value(json_object_get(n, "amended_by")), "chair");
    assert_string_equal(json_string_value(json_object_get(n, "author")), "rap");
    json_decref(n);

    snprintf(cmd, sizeof cmd, "{\"type\":\"amend_note\",\"note\":%lld,\"text\":\"x\"}",
             (long long)(id + 100));
    fx_refused(f, "chair", cmd, GV_ENOTFOUND);
    snprintf(cmd, sizeof cmd, "{\"type\":\"amend_note\",\"note\":%lld,\"text\":\"  \"}",
             (long long)id);
    fx_refused(f, "chair", cmd, GV_EINVAL);
    fx_refused(f, "chair", "{\"type\":\"amend_note\",\"text\":\"x\"}", GV_EINVAL);
    fx_refused(f, "chair", "{\"type\":\"amend_note\",\"note\":\"1\",\"text\":\"x\"}", GV_EINVAL);
}

/* The string field `key` of a note (into buf), or "(null)". */
static const char *note_str(const json_t *n, const char *key)
{
    const json_t *v = json_object_get(n, key);
    return json_is_string(v) ? json_string_value(v) : "(null)";
}

static void a_note_names_its_speech_and_changes_question(void **state)
{
    fx *f = *state;
    fx_ok(f, "chair", "{\"type\":\"open_meeting\"}");
    fx_ok(f, "chair",
          "{\"type\":\"start_item\",\"item\":\"discussion\",\"guiding_question\":\"gq1\"}");
    fx_ok(f, "chair", "{\"type\":\"give_floor\",\"person\":\"p1\"}");
    int64_t speech = fx_last_seq(f);
    fx_refused(f, "rap", "{\"type\":\"add_note\",\"text\":\"x\",\"speech\":99999}", GV_ENOTFOUND);
    fx_refused(f, "rap", "{\"type\":\"add_note\",\"text\":\"x\",\"speech\":\"s1\"}", GV_EINVAL);
    char cmd[256];
    snprintf(cmd, sizeof cmd,
             "{\"type\":\"add_note\",\"text\":\"Costs.\",\"guiding_question\":\"gq1\","
             "\"speech\":%lld}",
             (long long)speech);
    json_t *evs = fx_ok(f, "rap", cmd);
    int64_t id = fx_last_seq(f);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(evs, 0), "speech")), speech);
    json_t *n = note_at(f, 0);
    assert_int_equal(json_integer_value(json_object_get(n, "speech")), speech);
    json_decref(n);

    /* An amendment carries the whole new version: it may move the note to
     * another question and off the speech; what it leaves out stays. */
    snprintf(cmd, sizeof cmd,
             "{\"type\":\"amend_note\",\"note\":%lld,\"text\":\"Costs.\",\"guiding_question\":"
             "\"gq2\",\"speech\":null}",
             (long long)id);
    evs = fx_ok(f, "rap", cmd);
    json_t *ev = json_array_get(evs, 0);
    assert_string_equal(note_str(ev, "text"), "Costs.");
    assert_string_equal(note_str(ev, "guiding_question"), "gq2");
    assert_true(json_is_null(json_object_get(ev, "speech")));
    n = note_at(f, 0);
    assert_string_equal(note_str(n, "guiding_question"), "gq2");
    assert_true(json_is_null(json_object_get(n, "speech")));
    json_decref(n);
    fx_refused(f, "rap", cmd, GV_ESTATE); /* the same version again */
    snprintf(cmd, sizeof cmd,
             "{\"type\":\"amend_note\",\"note\":%lld,\"text\":\"Costs, and who pays.\"}",
             (long long)id);
    fx_ok(f, "rap", cmd);
    n = note_at(f, 0);
    assert_string_equal(note_str(n, "guiding_question"), "gq2");
    assert_string_equal(note_str(n, "text"), "Costs, and who pays.");
    json_decref(n);
}

static void withdraw_note_by_author_or_presiding(void **state)
{
    fx *f = *state;
    fx_ok(f, "rap", "{\"type\":\"add_note\",\"text\":\"First.\"}");
    int64_t id = fx_last_seq(f);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "{\"type\":\"withdraw_note\",\"note\":%lld}", (long long)id);
    fx_refused(f, "rap2", cmd, GV_EPERM);
    fx_refused(f, "p1", cmd, GV_EPERM);
    fx_refused(f, "rap", "{\"type\":\"withdraw_note\",\"note\":424242}", GV_ENOTFOUND);
    fx_refused(f, "rap", "{\"type\":\"withdraw_note\"}", GV_EINVAL);
    json_t *evs = fx_ok(f, "rap", cmd);
    assert_string_equal(event_type(evs, 0), "note_withdrawn");
    json_t *n = note_at(f, 0);
    assert_int_equal(json_integer_value(json_object_get(n, "withdrawn_at_ms")), f->now_ms);
    assert_string_equal(note_str(n, "withdrawn_by"), "rap");
    assert_string_equal(note_str(n, "text"), "First."); /* the state keeps it */
    json_decref(n);
    fx_refused(f, "rap", cmd, GV_ESTATE);
    snprintf(cmd, sizeof cmd, "{\"type\":\"amend_note\",\"note\":%lld,\"text\":\"Again.\"}",
             (long long)id);
    fx_refused(f, "chair", cmd, GV_ESTATE);
    /* The chair withdraws a rapporteur's note. */
    fx_ok(f, "rap2", "{\"type\":\"add_note\",\"text\":\"Second.\"}");
    snprintf(cmd, sizeof cmd, "{\"type\":\"withdraw_note\",\"note\":%lld}",
             (long long)fx_last_seq(f));
    fx_ok(f, "chair", cmd);
}

static void at_most_10000_notes(void **state)
{
    fx *f = *state;
    char cmd[128];
    for (int i = 0; i < 10000; i++) {
        snprintf(cmd, sizeof cmd, "{\"type\":\"add_note\",\"text\":\"Note %d.\"}", i);
        fx_ok(f, i % 2 ? "rap" : "mod", cmd);
    }
    fx_refused(f, "rap", "{\"type\":\"add_note\",\"text\":\"One more.\"}", GV_ELIMIT);
    json_t *n = note_at(f, 9999);
    assert_string_equal(json_string_value(json_object_get(n, "text")), "Note 9999.");
    json_decref(n);
}

/* ---- events from a damaged log ------------------------------------------------------------- */

/* Applies an event made by hand: it must be refused as corrupt and change nothing. */
static void assert_event_refused(fx *f, const char *fmt, ...)
{
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    json_t *ev = json_loads(text, 0, NULL);
    assert_non_null(ev);
    char *before = fx_state(f);
    gv_error err;
    int rc = gv_meeting_apply(f->m, ev, &err);
    if (rc >= 0)
        fail_msg("damaged event accepted: %s", text);
    char *after = fx_state(f);
    assert_string_equal(before, after);
    free(before);
    free(after);
    json_decref(ev);
}

static void damaged_events_change_nothing(void **state)
{
    fx *f = *state;
    long long next = (long long)gv_meeting_seq(f->m) + 1;
    const char *head = "\"seq\":%lld,\"at_ms\":1648729900000,\"by\":\"chair\"";
    char fmt[256];
#define REFUSED(body)                                                                              \
    do {                                                                                           \
        snprintf(fmt, sizeof fmt, "{%s,%s}", head, body);                                          \
        assert_event_refused(f, fmt, next);                                                        \
    } while (0)
    REFUSED("\"type\":\"item_started\",\"item\":\"opening\""); /* not open */
    REFUSED("\"type\":\"meeting_closed\"");
    REFUSED("\"type\":\"attended\",\"person\":\"p1\",\"mode\":\"balcony\"");
    REFUSED("\"type\":\"attended\",\"person\":\"ghost\",\"mode\":\"room\"");
    REFUSED("\"type\":\"left\",\"person\":\"p1\"");
    REFUSED("\"type\":\"note_added\",\"note\":1,\"text\":\"x\"");    /* id != seq */
    REFUSED("\"type\":\"note_amended\",\"note\":99,\"text\":\"x\""); /* no such note */
    fx_ok(f, "chair", "{\"type\":\"open_meeting\"}");
    next = (long long)gv_meeting_seq(f->m) + 1;
    REFUSED("\"type\":\"item_ended\",\"item\":\"opening\""); /* not running */
    REFUSED("\"type\":\"item_started\",\"item\":\"lunch\"");
    REFUSED("\"type\":\"meeting_opened\"");
    REFUSED("\"type\":\"guiding_question_set\",\"guiding_question\":\"gq9\"");
#undef REFUSED
    /* A note added by a participant cannot come from decide. */
    snprintf(fmt, sizeof fmt,
             "{\"seq\":%lld,\"at_ms\":1648729900000,\"by\":\"p1\",\"type\":\"note_added\","
             "\"note\":%lld,\"text\":\"x\"}",
             next, next);
    assert_event_refused(f, "%s", fmt);
}

/* ---- the state ----------------------------------------------------------------------------- */

static void state_has_the_agenda_keys(void **state)
{
    fx *f = *state;
    json_t *s = gv_meeting_to_json(f->m);
    const char *keys[] = {
        "status", "opened_at_ms", "closed_at_ms", "current_item", "current_guiding_question",
        "notes"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!json_object_get(s, keys[i]))
            fail_msg("state has no \"%s\"", keys[i]);
    assert_true(json_is_array(json_object_get(s, "notes")));
    json_decref(s);
}

/* Every agenda command by every role: refused as forbidden exactly when the role may not send it.
 */
static void every_command_by_every_role(void **state)
{
    (void)state;
    static const struct {
        const char *command;
        const char *allowed; /* people whose role may send it */
    } table[] = {
        {"{\"type\":\"open_meeting\"}", "chair mod sec"},
        {"{\"type\":\"start_item\",\"item\":\"opening\"}", "chair mod"},
        {"{\"type\":\"end_item\"}", "chair mod"},
        {"{\"type\":\"close_meeting\"}", "chair mod"},
        {"{\"type\":\"set_guiding_question\",\"guiding_question\":\"gq1\"}", "chair mod"},
        {"{\"type\":\"check_in\"}", "chair mod sec rap rap2 pan1 pan2 p1 p2 p3 p4 p5 p6"},
        {"{\"type\":\"join\"}", "chair mod sec rap rap2 pan1 pan2 p1 p2 p3 p4 p5 p6"},
        {"{\"type\":\"leave\"}", "chair mod sec rap rap2 pan1 pan2 p1 p2 p3 p4 p5 p6"},
        {"{\"type\":\"add_note\",\"text\":\"x\"}", "chair mod rap rap2"},
        {"{\"type\":\"amend_note\",\"note\":1,\"text\":\"x\"}", "chair mod rap rap2"},
    };
    for (size_t t = 0; t < sizeof table / sizeof table[0]; t++) {
        for (size_t p = 0; p < FX_N_PEOPLE; p++) {
            fx g;
            fx_init(&g, false, false);
            char padded[64];
            snprintf(padded, sizeof padded, " %s ", fx_people[p]);
            char allowed[80];
            snprintf(allowed, sizeof allowed, " %s ", table[t].allowed);
            gv_error err;
            char *before = fx_state(&g);
            int rc = fx_try(&g, fx_people[p], table[t].command, &err);
            bool may = strstr(allowed, padded) != NULL;
            if (may && rc == GV_EPERM)
                fail_msg("%s by %s: refused as forbidden: %s", table[t].command, fx_people[p],
                         err.msg);
            if (!may && rc != GV_EPERM)
                fail_msg("%s by %s: expected forbidden, got %s", table[t].command, fx_people[p],
                         gv_error_name(rc));
            if (!may) {
                char *after = fx_state(&g);
                assert_string_equal(before, after);
                free(after);
            }
            free(before);
            fx_release(&g);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(open_meeting_by_chair_or_secretariat, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(close_meeting_ends_the_running_item, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(close_without_a_running_item_is_one_event, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(start_item_needs_an_open_meeting_and_a_known_item, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(starting_an_item_ends_the_running_one, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(a_resumed_item_sums_its_runs, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(end_item_needs_a_running_item, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(set_guiding_question_and_clear_it, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(an_item_change_clears_the_guiding_question, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(check_in_join_and_leave_for_oneself, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(someone_elses_attendance_by_secretariat_or_presiding,
                                        fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(add_note_by_presiding_or_rapporteur, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(note_text_is_bounded_at_4000_bytes, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(amend_note_by_author_or_presiding, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(a_note_names_its_speech_and_changes_question, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(withdraw_note_by_author_or_presiding, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(at_most_10000_notes, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(damaged_events_change_nothing, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(state_has_the_agenda_keys, fx_setup, fx_teardown),
        cmocka_unit_test(every_command_by_every_role),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
