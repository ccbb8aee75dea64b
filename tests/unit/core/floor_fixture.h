/*
 * A meeting for the floor's tests, built from a JSON definition with
 * gv_meeting_apply(gv_meeting_define(...)) and driven as the server drives
 * it: decide, then apply each event in its stored (canonical) form, keeping
 * the log so a test can replay it and compare states byte for byte.
 *
 * People (id: role, group, mode):
 *   chair: chair, member_state, room        mod: moderator, intergovernmental, room
 *   sec: secretariat                        pan1: panelist, technical_academic, room
 *   pan2: panelist, private_sector, online
 *   arcadia: member_state, room             borduria: member_state, online
 *   carpania: observer_state, room          dorado: member_state, room
 *   agency: intergovernmental, online       ngo: civil_society, online
 *   firm: private_sector, room              uni: technical_academic, online
 *   d00..d23: participants, group = i % 6 (in gv_group order), mode room for
 *             i / 6 even, online for odd; delegation "Delegation <i / 2>".
 * Agenda items (id: policy, limit / warning):
 *   fifo: fifo, 3 / 2 min               un: un, 3 / 2 min, list closes after 10 min
 *   balanced: balanced, 3 / 2 min       panel: fifo, 7 / 5 min, planned pan1 then pan2
 * Guiding questions: gq1, gq2.
 *
 * Include after <cmocka.h>. Helpers fail the test on a broken fixture.
 */
#ifndef GV_TEST_FLOOR_FIXTURE_H
#define GV_TEST_FLOOR_FIXTURE_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "core/meeting_internal.h"
#include "support.h"

#define FF_T0          1648729800000LL /* 2022-03-31 14:30 Geneva */
#define FF_MIN         60000LL
#define FF_N_GENERATED 24

static const char *const ff_group_order[] = {"member_state",      "observer_state",
                                             "intergovernmental", "private_sector",
                                             "civil_society",     "technical_academic"};

typedef struct ff {
    gv_meeting *m;
    json_t *log;         /** every applied event, in its stored form */
    int64_t now_ms;      /** time of the next command (advanced by step_ms first) */
    int64_t step_ms;     /** added before each command */
    json_t *last;        /** events of the last accepted command, owned */
    bool check_refusals; /** compare the whole state around every refusal */
} ff;

static inline json_t *ff_person(const char *id, const char *role, const char *group,
                                const char *mode, const char *affiliation)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:[s]}", "id", id, "name", id, "affiliation",
                     affiliation, "group", group, "mode", mode, "roles", role);
}

static inline json_t *ff_item(const char *id, const char *kind, const char *policy, int limit_min,
                              int warning_min, int closes_after_min)
{
    json_t *it = json_pack("{s:s, s:s, s:s, s:i, s:{s:i, s:i}, s:s}", "id", id, "title", id, "kind",
                           kind, "planned_minutes", 30, "speaking", "limit_minutes", limit_min,
                           "warning_minutes", warning_min, "policy", policy);
    if (closes_after_min > 0)
        json_object_set_new(it, "list_closes_after_minutes", json_integer(closes_after_min));
    return it;
}

static inline json_t *ff_definition(void)
{
    json_t *people =
        json_pack("[o, o, o, o, o, o, o, o, o, o, o, o, o]",
                  ff_person("chair", "chair", "member_state", "room", "Chair"),
                  ff_person("mod", "moderator", "intergovernmental", "room", "Secretariat"),
                  ff_person("sec", "secretariat", "intergovernmental", "room", "Secretariat"),
                  ff_person("pan1", "panelist", "technical_academic", "room", "University"),
                  ff_person("pan2", "panelist", "private_sector", "online", "Company"),
                  ff_person("arcadia", "participant", "member_state", "room", "Arcadia"),
                  ff_person("borduria", "participant", "member_state", "online", "Borduria"),
                  ff_person("carpania", "participant", "observer_state", "room", "Carpania"),
                  ff_person("dorado", "participant", "member_state", "room", "Dorado"),
                  ff_person("agency", "participant", "intergovernmental", "online", "Agency"),
                  ff_person("ngo", "participant", "civil_society", "online", "NGO"),
                  ff_person("firm", "participant", "private_sector", "room", "Firm"),
                  ff_person("uni", "participant", "technical_academic", "online", "University"));
    for (int i = 0; i < FF_N_GENERATED; i++) {
        char id[8], aff[32];
        snprintf(id, sizeof id, "d%02d", i);
        snprintf(aff, sizeof aff, "Delegation %d", i / 2);
        json_array_append_new(people, ff_person(id, "participant", ff_group_order[i % 6],
                                                (i / 6) % 2 ? "online" : "room", aff));
    }
    json_t *panel = ff_item("panel", "presentations", "fifo", 7, 5, 0);
    json_object_set_new(panel, "speakers", json_pack("[s, s]", "pan1", "pan2"));
    json_t *def = json_pack(
        "{s:{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[s]},"
        " s:[{s:s, s:s}, {s:s, s:s}], s:[o, o, o, o], s:o}",
        "meeting", "id", "floor-test", "title", "Floor test", "body", "Test commission", "starts",
        "2022-03-31T14:30", "ends", "2022-03-31T16:30", "timezone", "Europe/Zurich", "venue",
        "Geneva", "languages", "en", "guiding_questions", "id", "gq1", "text", "What works?", "id",
        "gq2", "text", "What next?", "agenda", ff_item("fifo", "discussion", "fifo", 3, 2, 0),
        ff_item("un", "discussion", "un", 3, 2, 10),
        ff_item("balanced", "discussion", "balanced", 3, 2, 0), panel, "people", people);
    assert_non_null(def);
    return def;
}

/* ff_init with another definition (taken); now_ms is the time of the definition. */
static inline void ff_init_with(ff *f, json_t *def, int64_t now_ms)
{
    gv_error err = {0};
    memset(f, 0, sizeof *f);
    f->m = gv_meeting_new();
    f->log = json_array();
    f->now_ms = now_ms;
    f->step_ms = 1000;
    f->check_refusals = true;
    assert_non_null(f->m);
    json_t *ev = gv_meeting_define(f->m, def, f->now_ms, &err);
    if (!ev)
        fail_msg("definition refused: %s", err.msg);
    if (gv_meeting_apply(f->m, ev, &err) < 0)
        fail_msg("definition not applied: %s", err.msg);
    json_array_append_new(f->log, ev);
    json_decref(def);
}

static inline void ff_init(ff *f)
{
    ff_init_with(f, ff_definition(), FF_T0);
}

static inline void ff_release(ff *f)
{
    json_decref(f->last);
    json_decref(f->log);
    gv_meeting_free(f->m);
}

static inline char *ff_state_text(const ff *f)
{
    json_t *s = gv_meeting_to_json(f->m);
    assert_non_null(s);
    char *text = json_dumps(s, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(s);
    assert_non_null(text);
    return text;
}

/*
 * Decides the command (printf-style JSON text) sent by `as` and applies its
 * events. Returns 0 or the refusal's code, with err filled. A refusal must
 * come with a message and leave the state as it was.
 */
static inline int ff_vtry(ff *f, gv_error *err, const char *as, const char *fmt, va_list ap)
{
    char text[4096];
    vsnprintf(text, sizeof text, fmt, ap);
    json_error_t jerr;
    json_t *cmd = json_loads(text, 0, &jerr);
    if (!cmd)
        fail_msg("test command is not JSON (%s): %s", jerr.text, text);
    f->now_ms += f->step_ms;
    char *before = f->check_refusals ? ff_state_text(f) : NULL;
    int64_t seq = gv_meeting_seq(f->m);
    json_t *events = NULL;
    gv_error_clear(err);
    int rc = gv_meeting_decide(f->m, cmd, as, f->now_ms, &events, err);
    json_decref(cmd);
    if (rc < 0) {
        assert_null(events);
        assert_int_equal(err->code, rc);
        if (strlen(err->msg) == 0)
            fail_msg("refusal of %s without a message", text);
        if (before) {
            char *after = ff_state_text(f);
            if (strcmp(before, after) != 0)
                fail_msg("refused %s changed the state", text);
            free(after);
        }
        assert_int_equal(gv_meeting_seq(f->m), seq);
        free(before);
        return rc;
    }
    free(before);
    gvt_apply_stored(f->m, events, f->log, text);
    json_decref(f->last);
    f->last = events;
    return 0;
}

static inline int ff_try(ff *f, gv_error *err, const char *as, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static inline int ff_try(ff *f, gv_error *err, const char *as, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = ff_vtry(f, err, as, fmt, ap);
    va_end(ap);
    return rc;
}

/* The command must be accepted; returns its events (borrowed until the next command). */
static inline json_t *ff_ok(ff *f, const char *as, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static inline json_t *ff_ok(ff *f, const char *as, const char *fmt, ...)
{
    gv_error err;
    va_list ap;
    va_start(ap, fmt);
    int rc = ff_vtry(f, &err, as, fmt, ap);
    va_end(ap);
    if (rc < 0)
        fail_msg("%s: command refused (%s): %s", as, gv_error_name(rc), err.msg);
    return f->last;
}

/* The command must be refused with `code`; returns the message (static buffer). */
static inline const char *ff_refused(ff *f, int code, const char *as, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static inline const char *ff_refused(ff *f, int code, const char *as, const char *fmt, ...)
{
    static gv_error err;
    va_list ap;
    va_start(ap, fmt);
    int rc = ff_vtry(f, &err, as, fmt, ap);
    va_end(ap);
    if (rc != code)
        fail_msg("%s: expected %s, got %s (%s)", fmt, gv_error_name(code), gv_error_name(rc),
                 rc < 0 ? err.msg : "accepted");
    return err.msg;
}

/* Sequence number of the last event of the last accepted command (a new thing's id). */
static inline int64_t ff_last_seq(const ff *f)
{
    json_t *ev = json_array_get(f->last, json_array_size(f->last) - 1);
    return json_integer_value(json_object_get(ev, "seq"));
}

/* A key of the state, as a new reference. */
static inline json_t *ff_get(const ff *f, const char *key)
{
    json_t *s = gv_meeting_to_json(f->m);
    assert_non_null(s);
    json_t *v = json_incref(json_object_get(s, key));
    json_decref(s);
    assert_non_null(v);
    return v;
}

/* The list of the running item (new reference). */
static inline json_t *ff_list(const ff *f)
{
    json_t *floor = ff_get(f, "floor");
    json_t *list = json_incref(json_object_get(floor, "list"));
    json_decref(floor);
    return list;
}

/* The list's people, comma separated, into buf: "ngo,firm,uni". */
static inline const char *ff_order(const ff *f, char *buf, size_t size)
{
    json_t *list = ff_list(f), *e;
    size_t i, n = 0;
    buf[0] = '\0';
    json_array_foreach(list, i, e)
    {
        n += (size_t)snprintf(buf + n, size - n, "%s%s", i ? "," : "",
                              json_string_value(json_object_get(e, "person")));
        if (n >= size)
            break;
    }
    json_decref(list);
    return buf;
}

#define ff_assert_order(f, expected)                                                               \
    do {                                                                                           \
        char ff_buf_[2048];                                                                        \
        assert_string_equal(ff_order((f), ff_buf_, sizeof ff_buf_), (expected));                   \
    } while (0)

/* Field `key` of the list entry at `pos`, as a string (numbers and booleans printed). */
static inline const char *ff_entry(const ff *f, size_t pos, const char *key)
{
    static char buf[1024];
    json_t *list = ff_list(f);
    json_t *v = json_object_get(json_array_get(list, pos), key);
    if (!v)
        fail_msg("no entry %zu or no field %s", pos, key);
    if (json_is_string(v))
        snprintf(buf, sizeof buf, "%s", json_string_value(v));
    else if (json_is_integer(v))
        snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(v));
    else
        snprintf(buf, sizeof buf, "%s",
                 json_is_true(v)   ? "true"
                 : json_is_null(v) ? "null"
                                   : "false");
    json_decref(list);
    return buf;
}

/* Replays the log on a new meeting: the state must be the same, byte for byte. */
static inline void ff_assert_replays(const ff *f)
{
    gvt_assert_replays(f->m, f->log);
}

/* cmocka set-up and tear-down: a fixture in *state; the tear-down checks the
 * log replays to the same state. */
static inline int ff_setup(void **state)
{
    ff *f = calloc(1, sizeof *f);
    ff_init(f);
    *state = f;
    return 0;
}

static inline int ff_teardown(void **state)
{
    ff *f = *state;
    ff_assert_replays(f);
    ff_release(f);
    free(f);
    return 0;
}

/* Opens the meeting and starts `item`. */
static inline void ff_start(ff *f, const char *item)
{
    if (f->m->status == GV_STATUS_SCHEDULED)
        ff_ok(f, "chair", "{\"type\": \"open_meeting\"}");
    ff_ok(f, "chair", "{\"type\": \"start_item\", \"item\": \"%s\"}", item);
}

/* `who` asks for the floor (an intervention unless extra says more); returns the request id. */
static inline int64_t ff_ask(ff *f, const char *who, const char *extra)
{
    ff_ok(f, who, "{\"type\": \"request_floor\"%s%s}", extra && *extra ? ", " : "",
          extra ? extra : "");
    return ff_last_seq(f);
}

#endif
