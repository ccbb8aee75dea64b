/*
 * A small meeting for the core's unit tests, driven the way the server drives
 * it: decide, then apply every event, keeping the log so a test can replay it.
 *
 * The meeting is tests/unit/support.h's (chair, mod, sec, rap, pan1, pan2,
 * p1..p6; items opening, panel, discussion, un-round, closing; guiding
 * questions gq1, gq2) with a second rapporteur, rap2, and the questions'
 * settings chosen by the test.
 *
 * Include after <cmocka.h>. Every helper fails the test on a broken fixture.
 */
#ifndef GV_TEST_FIXTURE_MEETING_H
#define GV_TEST_FIXTURE_MEETING_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/meeting_internal.h"
#include "support.h"

#define FX_T0 GVT_T0

typedef struct fx {
    gv_meeting *m;
    json_t *log;    /** every applied event, in order */
    int64_t now_ms; /** advanced by FX_STEP_MS before each command */
    json_t *last;   /** events of the last accepted command */
} fx;

#define FX_STEP_MS 1000

/* The people of tests/unit/support.h and a second rapporteur. */
static const char *const fx_people[] = {"chair", "mod", "sec", "rap", "rap2", "pan1", "pan2",
                                        "p1",    "p2",  "p3",  "p4",  "p5",   "p6"};
#define FX_N_PEOPLE (sizeof fx_people / sizeof fx_people[0])

/* support.h's definition with the questions' settings given and "rap2" added. */
static inline json_t *fx_definition(bool anonymous_questions, bool moderated_questions)
{
    json_t *def = json_loads(gvt_definition_json, 0, NULL);
    assert_non_null(def);
    json_t *questions =
        json_pack("{s:b, s:b}", "anonymous", anonymous_questions, "moderated", moderated_questions);
    assert_int_equal(json_object_set_new(json_object_get(def, "meeting"), "questions", questions),
                     0);
    json_t *rap2 = json_pack("{s:s, s:s, s:s, s:s, s:[s]}", "id", "rap2", "name", "Rapporteur Two",
                             "group", "civil_society", "mode", "online", "roles", "rapporteur");
    assert_int_equal(json_array_append_new(json_object_get(def, "people"), rap2), 0);
    return def;
}

static inline void fx_init(fx *f, bool anonymous_questions, bool moderated_questions)
{
    gv_error err;
    gv_error_clear(&err);
    memset(f, 0, sizeof *f);
    f->m = gv_meeting_new();
    f->log = json_array();
    f->now_ms = FX_T0;
    assert_non_null(f->m);
    json_t *def = fx_definition(anonymous_questions, moderated_questions);
    json_t *ev = gv_meeting_define(f->m, def, f->now_ms, &err);
    if (!ev)
        fail_msg("definition refused: %s", err.msg);
    if (gv_meeting_apply(f->m, ev, &err) < 0)
        fail_msg("definition not applied: %s", err.msg);
    json_array_append_new(f->log, ev);
    json_decref(def);
}

static inline void fx_release(fx *f)
{
    json_decref(f->last);
    json_decref(f->log);
    gv_meeting_free(f->m);
}

/* Decides and applies a command given as JSON text; returns 0 or the GV_E* code. */
static inline int fx_try(fx *f, const char *actor, const char *command, gv_error *err)
{
    json_error_t jerr;
    json_t *cmd = json_loads(command, 0, &jerr);
    if (!cmd)
        fail_msg("test command is not JSON (%s): %s", jerr.text, command);
    json_t *events = NULL;
    f->now_ms += FX_STEP_MS;
    gv_error_clear(err);
    int rc = gv_meeting_decide(f->m, cmd, actor, f->now_ms, &events, err);
    json_decref(cmd);
    if (rc < 0) {
        assert_null(events);
        return rc;
    }
    gvt_apply_stored(f->m, events, f->log, command);
    json_decref(f->last);
    f->last = events;
    return 0;
}

/* The command must be accepted; returns its events (borrowed until the next command). */
static inline json_t *fx_ok(fx *f, const char *actor, const char *command)
{
    gv_error err;
    int rc = fx_try(f, actor, command, &err);
    if (rc < 0)
        fail_msg("%s by %s refused (%s): %s", command, actor, gv_error_name(rc), err.msg);
    return f->last;
}

/* The state as canonical JSON text (caller frees). */
static inline char *fx_state(const fx *f)
{
    json_t *s = gv_meeting_to_json(f->m);
    assert_non_null(s);
    char *text = json_dumps(s, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(s);
    assert_non_null(text);
    return text;
}

/* The command must be refused with `code` and a message, and change nothing. */
static inline void fx_refused(fx *f, const char *actor, const char *command, int code)
{
    gv_error err;
    char *before = fx_state(f);
    int64_t seq = gv_meeting_seq(f->m);
    int rc = fx_try(f, actor, command, &err);
    if (rc != code)
        fail_msg("%s by %s: expected %s, got %s (%s)", command, actor, gv_error_name(code),
                 gv_error_name(rc), err.msg);
    assert_int_equal(err.code, code);
    assert_true(strlen(err.msg) > 0);
    char *after = fx_state(f);
    assert_string_equal(before, after);
    assert_int_equal(gv_meeting_seq(f->m), seq);
    free(before);
    free(after);
}

/* Replays the log on a new meeting: the state must be the same, byte for byte. */
static inline void fx_assert_replays(const fx *f)
{
    gvt_assert_replays(f->m, f->log);
}

/* cmocka set-ups and tear-down: a fixture in *state, open or anonymous and
 * moderated questions; the tear-down checks the log replays to the same state. */
static inline int fx_setup(void **state)
{
    fx *f = malloc(sizeof *f);
    fx_init(f, false, false);
    *state = f;
    return 0;
}

static inline int fx_setup_anonymous_moderated(void **state)
{
    fx *f = malloc(sizeof *f);
    fx_init(f, true, true);
    *state = f;
    return 0;
}

static inline int fx_teardown(void **state)
{
    fx *f = *state;
    fx_assert_replays(f);
    fx_release(f);
    free(f);
    return 0;
}

/* A key of the state, as a new reference. */
static inline json_t *fx_get(const fx *f, const char *key)
{
    json_t *s = gv_meeting_to_json(f->m);
    assert_non_null(s);
    json_t *v = json_incref(json_object_get(s, key));
    json_decref(s);
    return v;
}

/* Index of a person in the fixture's meeting. */
static inline int fx_pi(const fx *f, const char *id)
{
    int i = gv__person_find(f->m, id);
    assert_true(i >= 0);
    return i;
}

/* Sequence number of the last event of the last accepted command (a new thing's id). */
static inline int64_t fx_last_seq(const fx *f)
{
    json_t *ev = json_array_get(f->last, json_array_size(f->last) - 1);
    return json_integer_value(json_object_get(ev, "seq"));
}

#endif
