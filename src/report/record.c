/*
 * Building the outcome record from a meeting's state. The state is the core's
 * JSON (gv_meeting_to_json) and is read field by field, so the record depends
 * on the core's published state only, never on its structs.
 *
 * Invariants of the record (tested in tests/unit/report/record_test.c):
 *  - it is a function of the log: no clock, no host, no version is read, so a
 *    rebuild from the same events is identical byte for byte;
 *  - every share is in thousandths and each breakdown adds up to exactly 1000
 *    (or is all 0 when there is nothing to share);
 *  - a speech under way is counted up to the time of the last event, as the
 *    core's own timer would show it, and flagged in_progress;
 *  - the text of a dismissed audience question is withheld: the moderator
 *    dismissed it so that it is not shown, and the record is shown widely.
 *
 * Notes: a withdrawn note is left out (its author took it back; the log
 * keeps it); a note names the speech it is about by the speech's id.
 * Written statements likewise: the current ones only, each beside its
 * speech (statements.c).
 *
 * Attendance: a person attended when they checked in, joined online, or took
 * part (had the floor, or caused any event: presiding, writing a note, asking
 * or voting), since a chair who never pressed "check in" still sat there.
 */
#include "report/record.h"

#include <stdlib.h>
#include <string.h>

#include "core/meeting.h"
#include "report/report_internal.h"
#include "report/statements.h"
#include "report/summary.h"

/* The order of each breakdown, as the core lists its keys. Keys met in the
 * state that are not here (a newer core) are added after these. */
static const char *const group_keys[] = {"member_state",
                                         "observer_state",
                                         "intergovernmental",
                                         "private_sector",
                                         "civil_society",
                                         "technical_academic",
                                         NULL};
static const char *const region_keys[] = {"african",
                                          "asia_pacific",
                                          "eastern_european",
                                          "latin_american_caribbean",
                                          "western_european_others",
                                          "none",
                                          NULL};
static const char *const gender_keys[] = {"female", "male", "other", "undisclosed", NULL};
static const char *const mode_keys[] = {"room", "online", NULL};

typedef struct build {
    const json_t *state;
    const json_t *actors;
    icaltimezone *zone;
    json_t *people;   /** id -> the state's person object (borrowed refs held) */
    json_t *speakers; /** ids of the people who had the floor (a set) */
    json_t *seen;     /** person -> speaker entry, of one guiding question */
    int64_t as_of_ms; /** time of the last event */
    gv_error *err;
} build;

static int nomem(build *b)
{
    return gv_error_set(b->err, GV_ENOMEM, "out of memory while building the record");
}

/* A new reference to obj[key], or null when it is absent. */
static json_t *copy(const json_t *obj, const char *key)
{
    json_t *v = json_object_get(obj, key);
    return v ? json_incref(v) : json_null();
}

static json_t *when(build *b, int64_t ms)
{
    return gv__time_json(b->zone, ms);
}

/* A time from a state field that may be null or 0 (not yet happened). */
static json_t *opt_when(build *b, const json_t *obj, const char *key)
{
    const json_t *v = json_object_get(obj, key);
    if (!json_is_integer(v) || json_integer_value(v) <= 0)
        return json_null();
    return gv__time_json(b->zone, json_integer_value(v));
}

static const json_t *person(build *b, const char *id)
{
    return id ? json_object_get(b->people, id) : NULL;
}

/* {id, name, function, affiliation} of a person, for the presiding lists. */
static json_t *person_ref(const json_t *p)
{
    return json_pack("{s:o, s:o, s:o, s:o}", "id", copy(p, "id"), "name", copy(p, "name"),
                     "function", copy(p, "function"), "affiliation", copy(p, "affiliation"));
}

static bool has_role(const json_t *p, const char *role)
{
    size_t i;
    const json_t *r;
    json_array_foreach(json_object_get(p, "roles"), i, r)
    {
        if (json_is_string(r) && strcmp(json_string_value(r), role) == 0)
            return true;
    }
    return false;
}

static int build_meeting(build *b, json_t *rec)
{
    const json_t *m = json_object_get(b->state, "meeting");
    int64_t start = 0, end = 0;
    if (gv__local_to_ms(b->zone, gv__s(m, "starts"), &start, b->err) < 0 ||
        gv__local_to_ms(b->zone, gv__s(m, "ends"), &end, b->err) < 0)
        return GV_EINVAL;
    json_t *planned = json_pack("{s:o, s:o, s:I}", "start", when(b, start), "end", when(b, end),
                                "duration_ms", (json_int_t)(end - start));
    json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "id",
                          copy(m, "id"), "title", copy(m, "title"), "body", copy(m, "body"),
                          "session", copy(m, "session"), "venue", copy(m, "venue"), "online_link",
                          copy(m, "online_link"), "languages", copy(m, "languages"), "timezone",
                          copy(m, "timezone"), "status", copy(b->state, "status"), "planned",
                          planned, "opened", opt_when(b, b->state, "opened_at_ms"), "closed",
                          opt_when(b, b->state, "closed_at_ms"), "as_of",
                          b->as_of_ms > 0 ? when(b, b->as_of_ms) : json_null());
    if (!o || json_object_set_new(rec, "meeting", o) < 0)
        return nomem(b);
    return 0;
}

static int build_presiding(build *b, json_t *rec)
{
    static const char *const roles[][2] = {{"chair", "chairs"},
                                           {"moderator", "moderators"},
                                           {"rapporteur", "rapporteurs"},
                                           {"secretariat", "secretariat"}};
    json_t *o = json_object();
    if (!o || json_object_set_new(rec, "presiding", o) < 0)
        return nomem(b);
    for (size_t r = 0; r < sizeof roles / sizeof roles[0]; r++) {
        json_t *list = json_array();
        if (!list || json_object_set_new(o, roles[r][1], list) < 0)
            return nomem(b);
        size_t i;
        const json_t *p;
        json_array_foreach(json_object_get(b->state, "people"), i, p)
        {
            if (has_role(p, roles[r][0]) && json_array_append_new(list, person_ref(p)) < 0)
                return nomem(b);
        }
    }
    return 0;
}

static int build_documents(build *b, json_t *rec)
{
    json_t *list = json_array();
    if (!list || json_object_set_new(rec, "documents", list) < 0)
        return nomem(b);
    size_t i;
    const json_t *d;
    json_array_foreach(json_object_get(b->state, "documents"), i, d)
    {
        json_t *o = json_pack("{s:o, s:o, s:o}", "symbol", copy(d, "symbol"), "title",
                              copy(d, "title"), "link", copy(d, "link"));
        if (json_array_append_new(list, o) < 0)
            return nomem(b);
    }
    return 0;
}

static bool spoke(build *b, const char *id)
{
    return json_object_get(b->speakers, id) != NULL;
}

static int build_people(build *b, json_t *rec)
{
    json_t *list = json_array();
    if (!list || json_object_set_new(rec, "people", list) < 0)
        return nomem(b);
    size_t i;
    const json_t *p;
    json_array_foreach(json_object_get(b->state, "people"), i, p)
    {
        const char *id = gv__s(p, "id");
        bool in = gv__i(p, "checked_in_at_ms") > 0, on = gv__i(p, "joined_at_ms") > 0;
        bool took_part = spoke(b, id) || (b->actors && json_object_get(b->actors, id));
        json_t *o = json_pack(
            "{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:b}", "id",
            copy(p, "id"), "name", copy(p, "name"), "function", copy(p, "function"), "affiliation",
            copy(p, "affiliation"), "delegation", copy(p, "delegation"), "group", copy(p, "group"),
            "region", copy(p, "region"), "gender", copy(p, "gender"), "roles", copy(p, "roles"),
            "mode", copy(p, "mode"), "checked_in", opt_when(b, p, "checked_in_at_ms"), "joined",
            opt_when(b, p, "joined_at_ms"), "took_part", took_part, "attended",
            in || on || took_part);
        if (json_array_append_new(list, o) < 0)
            return nomem(b);
    }
    return 0;
}

/* Time spoken so far by a speech, as the core's timer counts it. */
static int64_t spoken_ms(build *b, const json_t *sp, bool *in_progress)
{
    int64_t ended = gv__i(sp, "ended_at_ms");
    *in_progress = ended <= 0;
    if (!*in_progress)
        return gv__i(sp, "spoken_ms");
    int64_t at = b->as_of_ms, paused_at = gv__i(sp, "paused_at_ms");
    int64_t ms = at - gv__i(sp, "started_at_ms") - gv__i(sp, "paused_ms") -
                 (paused_at > 0 ? at - paused_at : 0);
    return ms < 0 ? 0 : ms;
}

static int build_speeches(build *b, json_t *rec)
{
    json_t *list = json_array();
    if (!list || json_object_set_new(rec, "speeches", list) < 0)
        return nomem(b);
    size_t i;
    const json_t *sp;
    json_array_foreach(json_object_get(b->state, "speeches"), i, sp)
    {
        const json_t *p = person(b, gv__s(sp, "person"));
        bool running;
        int64_t dur = spoken_ms(b, sp, &running), limit = gv__i(sp, "limit_ms");
        int64_t over = running ? (dur > limit ? dur - limit : 0) : gv__i(sp, "overtime_ms");
        json_t *o = json_pack(
            "{s:I, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o,"
            " s:o, s:o, s:o, s:I, s:o, s:o, s:o, s:o, s:I, s:b, s:b}",
            "n", (json_int_t)(i + 1), "speech", copy(sp, "speech"), "item", copy(sp, "item"),
            "person", copy(sp, "person"), "name", copy(p, "name"), "function", copy(p, "function"),
            "affiliation", copy(p, "affiliation"), "delegation", copy(p, "delegation"), "group",
            copy(p, "group"), "region", copy(p, "region"), "gender", copy(p, "gender"), "mode",
            copy(sp, "mode"), "kind", copy(sp, "kind"), "to", copy(sp, "to"), "answer_to",
            copy(sp, "answer_to"), "continues", copy(sp, "continues"), "guiding_question",
            copy(sp, "guiding_question"), "start", opt_when(b, sp, "started_at_ms"), "end",
            opt_when(b, sp, "ended_at_ms"), "duration_ms", (json_int_t)dur, "paused_ms",
            copy(sp, "paused_ms"), "limit_ms", copy(sp, "limit_ms"), "warning_ms",
            copy(sp, "warning_ms"), "extended_ms", copy(sp, "extended_ms"), "overtime_ms",
            (json_int_t)over, "in_progress", running, "ended_with_item",
            json_is_true(json_object_get(sp, "ended_with_item")));
        if (json_array_append_new(list, o) < 0)
            return nomem(b);
    }
    return 0;
}

static int build_agenda(build *b, json_t *rec)
{
    json_t *list = json_array();
    if (!list || json_object_set_new(rec, "agenda", list) < 0)
        return nomem(b);
    const json_t *planned = json_object_get(json_object_get(rec, "meeting"), "planned");
    int64_t at = gv__i(json_object_get(planned, "start"), "ms");
    const char *current = json_string_value(json_object_get(b->state, "current_item"));
    const json_t *speeches = json_object_get(rec, "speeches");
    size_t i;
    const json_t *it;
    json_array_foreach(json_object_get(b->state, "agenda"), i, it)
    {
        const char *id = gv__s(it, "id");
        bool running = current && strcmp(current, id) == 0;
        int64_t planned_ms = gv__i(it, "planned_minutes") * 60000;
        int64_t actual = gv__i(it, "actual_ms");
        if (running)
            actual += b->as_of_ms - gv__i(it, "resumed_at_ms");
        int64_t started = gv__i(it, "started_at_ms");
        int64_t n = 0, spoken = 0;
        size_t k;
        const json_t *sp;
        json_array_foreach(speeches, k, sp)
        {
            if (strcmp(gv__s(sp, "item"), id) == 0) {
                n++;
                spoken += gv__i(sp, "duration_ms");
            }
        }
        json_t *o = json_pack(
            "{s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:o, s:o, s:I, s:o, s:o, s:o, s:b, s:I, s:I}",
            "id", copy(it, "id"), "title", copy(it, "title"), "kind", copy(it, "kind"), "policy",
            copy(it, "policy"), "planned_start", when(b, at), "planned_end",
            when(b, at + planned_ms), "planned_ms", (json_int_t)planned_ms, "started",
            opt_when(b, it, "started_at_ms"), "ended",
            running ? json_null() : opt_when(b, it, "ended_at_ms"), "actual_ms", (json_int_t)actual,
            "start_difference_ms", started > 0 ? json_integer(started - at) : json_null(),
            "difference_ms",
            started > 0 && !running ? json_integer(actual - planned_ms) : json_null(), "runs",
            copy(it, "runs"), "running", running, "speeches", (json_int_t)n, "spoken_ms",
            (json_int_t)spoken);
        if (json_array_append_new(list, o) < 0)
            return nomem(b);
        at += planned_ms;
    }
    return 0;
}

static json_t *note_json(build *b, const json_t *n)
{
    const json_t *author = person(b, gv__s(n, "author"));
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "note", copy(n, "note"), "author",
                     copy(n, "author"), "name", copy(author, "name"), "at", opt_when(b, n, "at_ms"),
                     "text", copy(n, "text"), "amended", opt_when(b, n, "amended_at_ms"),
                     "amended_by", copy(n, "amended_by"), "speech", copy(n, "speech"));
}

/* A note the record shows: not withdrawn (the log keeps withdrawn ones). */
static bool shown(const json_t *n)
{
    return !json_is_integer(json_object_get(n, "withdrawn_at_ms"));
}

static bool same(const json_t *a, const char *key, const char *id)
{
    const char *v = json_string_value(json_object_get(a, key));
    return v && id && strcmp(v, id) == 0;
}

static int build_guiding_questions(build *b, json_t *rec)
{
    json_t *list = json_array(), *other = json_array();
    if (!list || json_object_set_new(rec, "guiding_questions", list) < 0 || !other ||
        json_object_set_new(rec, "other_notes", other) < 0)
        return nomem(b);
    const json_t *speeches = json_object_get(rec, "speeches");
    size_t i, k;
    const json_t *gq, *v;
    json_array_foreach(json_object_get(b->state, "guiding_questions"), i, gq)
    {
        const char *id = gv__s(gq, "id");
        json_t *ids = json_array(), *speakers = json_array(), *qs = json_array(),
               *notes = json_array();
        json_t *o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}", "id", copy(gq, "id"), "text",
                              copy(gq, "text"), "speeches", ids, "speakers", speakers, "questions",
                              qs, "notes", notes);
        if (!o || json_array_append_new(list, o) < 0)
            return nomem(b);
        json_decref(b->seen);
        if (!(b->seen = json_object()))
            return nomem(b);
        json_array_foreach(speeches, k, v)
        {
            if (!same(v, "guiding_question", id))
                continue;
            if (json_array_append(ids, json_object_get(v, "speech")) < 0)
                return nomem(b);
            /* One entry per speaker, in the order they first spoke to it. */
            json_t *who = json_object_get(b->seen, gv__s(v, "person"));
            if (!who) {
                who =
                    json_pack("{s:o, s:o, s:I, s:I}", "person", copy(v, "person"), "name",
                              copy(v, "name"), "turns", (json_int_t)0, "spoken_ms", (json_int_t)0);
                if (!who || json_array_append_new(speakers, who) < 0 ||
                    json_object_set(b->seen, gv__s(v, "person"), who) < 0)
                    return nomem(b);
            }
            /* A continued speech adds time, not a turn, as in the core's totals. */
            int64_t turns = gv__i(who, "turns") + (json_is_null(json_object_get(v, "continues")));
            if (json_object_set_new(who, "turns", json_integer(turns)) < 0 ||
                json_object_set_new(
                    who, "spoken_ms",
                    json_integer(gv__i(who, "spoken_ms") + gv__i(v, "duration_ms"))) < 0)
                return nomem(b);
        }
        json_array_foreach(json_object_get(b->state, "questions"), k, v)
        {
            if (same(v, "guiding_question", id) &&
                json_array_append(qs, json_object_get(v, "question")) < 0)
                return nomem(b);
        }
        json_array_foreach(json_object_get(b->state, "notes"), k, v)
        {
            if (same(v, "guiding_question", id) && shown(v) &&
                json_array_append_new(notes, note_json(b, v)) < 0)
                return nomem(b);
        }
    }
    json_array_foreach(json_object_get(b->state, "notes"), k, v)
    {
        if (!json_is_string(json_object_get(v, "guiding_question")) && shown(v) &&
            json_array_append_new(other, note_json(b, v)) < 0)
            return nomem(b);
    }
    return 0;
}

static int build_questions(build *b, json_t *rec)
{
    json_t *list = json_array();
    if (!list || json_object_set_new(rec, "questions", list) < 0)
        return nomem(b);
    size_t i;
    const json_t *q;
    json_array_foreach(json_object_get(b->state, "questions"), i, q)
    {
        bool dismissed = same(q, "state", "dismissed");
        const json_t *author = person(b, json_string_value(json_object_get(q, "author")));
        const json_t *to = person(b, json_string_value(json_object_get(q, "to")));
        json_t *o = json_pack(
            "{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "question",
            copy(q, "question"), "text", dismissed ? json_null() : copy(q, "text"), "author",
            copy(q, "author"), "name", copy(author, "name"), "anonymous", copy(q, "anonymous"),
            "asked", opt_when(b, q, "asked_at_ms"), "state", copy(q, "state"), "votes",
            copy(q, "votes"), "answered", copy(q, "answered"), "answered_at",
            opt_when(b, q, "answered_at_ms"), "merged_into", copy(q, "merged_into"),
            "guiding_question", copy(q, "guiding_question"), "to", copy(q, "to"), "to_name",
            copy(to, "name"));
        if (json_array_append_new(list, o) < 0)
            return nomem(b);
    }
    return 0;
}

/* The keys of a breakdown: the known ones in their order, then any other
 * key met in `seen` (an object) in its order. Returns a new array. */
static json_t *keys_of(const char *const *known, const json_t *seen)
{
    json_t *keys = json_array();
    for (size_t i = 0; keys && known[i]; i++)
        json_array_append_new(keys, json_string(known[i]));
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)seen, k, v)
    {
        bool found = false;
        for (size_t i = 0; known[i]; i++)
            found = found || strcmp(known[i], k) == 0;
        if (!found && keys)
            json_array_append_new(keys, json_string(k));
    }
    return keys;
}

/* One breakdown of attendance: people who attended, counted by `field`. */
static json_t *attendance_by(const json_t *people, const char *field, const char *const *known)
{
    json_t *seen = json_object(), *out = NULL, *keys = NULL;
    int64_t *counts = NULL;
    int *shares = NULL;
    size_t i;
    const json_t *p;
    if (!seen)
        goto fail;
    json_array_foreach(people, i, p)
    {
        if (json_is_true(json_object_get(p, "attended")) &&
            json_object_set_new(seen, gv__s(p, field), json_null()) < 0)
            goto fail;
    }
    keys = keys_of(known, seen);
    size_t n = json_array_size(keys);
    counts = calloc(n + 1, sizeof *counts);
    shares = calloc(n + 1, sizeof *shares);
    out = json_array();
    if (!keys || !counts || !shares || !out)
        goto fail;
    for (size_t k = 0; k < n; k++) {
        const char *key = json_string_value(json_array_get(keys, k));
        json_array_foreach(people, i, p)
        {
            if (json_is_true(json_object_get(p, "attended")) && strcmp(gv__s(p, field), key) == 0)
                counts[k]++;
        }
    }
    gv__shares_permille(counts, n, shares);
    for (size_t k = 0; k < n; k++) {
        json_t *row = json_pack("{s:O, s:I, s:i}", "key", json_array_get(keys, k), "count",
                                (json_int_t)counts[k], "share_permille", shares[k]);
        if (json_array_append_new(out, row) < 0)
            goto fail;
    }
    json_decref(keys);
    json_decref(seen);
    free(counts);
    free(shares);
    return out;
fail:
    json_decref(keys);
    json_decref(seen);
    json_decref(out);
    free(counts);
    free(shares);
    return NULL;
}

/* One breakdown of speaking time from the core's totals of the meeting. */
static json_t *speaking_by(const json_t *totals, const char *const *known)
{
    json_t *keys = keys_of(known, totals), *out = json_array();
    size_t n = json_array_size(keys);
    int64_t *spoken = calloc(n + 1, sizeof *spoken);
    int *shares = calloc(n + 1, sizeof *shares);
    if (!keys || !out || !spoken || !shares)
        goto fail;
    for (size_t k = 0; k < n; k++)
        spoken[k] =
            gv__i(json_object_get(totals, json_string_value(json_array_get(keys, k))), "spoken_ms");
    gv__shares_permille(spoken, n, shares);
    for (size_t k = 0; k < n; k++) {
        const json_t *t = json_object_get(totals, json_string_value(json_array_get(keys, k)));
        json_t *row = json_pack("{s:O, s:I, s:I, s:I, s:i}", "key", json_array_get(keys, k),
                                "turns", (json_int_t)gv__i(t, "turns"), "spoken_ms",
                                (json_int_t)spoken[k], "overtime_ms",
                                (json_int_t)gv__i(t, "overtime_ms"), "share_permille", shares[k]);
        if (json_array_append_new(out, row) < 0)
            goto fail;
    }
    json_decref(keys);
    free(spoken);
    free(shares);
    return out;
fail:
    json_decref(keys);
    json_decref(out);
    free(spoken);
    free(shares);
    return NULL;
}

static int build_participation(build *b, json_t *rec)
{
    const json_t *people = json_object_get(rec, "people");
    const json_t *totals = json_object_get(json_object_get(b->state, "totals"), "meeting");
    int64_t attended = 0, turns = 0, spoken = 0, over = 0;
    size_t i;
    const json_t *p;
    json_array_foreach(people, i, p)
    {
        attended += json_is_true(json_object_get(p, "attended"));
    }
    const char *k;
    const json_t *t;
    json_object_foreach((json_t *)json_object_get(totals, "modes"), k, t)
    {
        turns += gv__i(t, "turns");
        spoken += gv__i(t, "spoken_ms");
        over += gv__i(t, "overtime_ms");
    }
    json_t *att = json_pack("{s:I, s:I, s:o, s:o, s:o, s:o}", "people",
                            (json_int_t)json_array_size(people), "attended", (json_int_t)attended,
                            "by_group", attendance_by(people, "group", group_keys), "by_region",
                            attendance_by(people, "region", region_keys), "by_gender",
                            attendance_by(people, "gender", gender_keys), "by_mode",
                            attendance_by(people, "mode", mode_keys));
    json_t *spk =
        json_pack("{s:I, s:I, s:I, s:o, s:o, s:o, s:o}", "turns", (json_int_t)turns, "spoken_ms",
                  (json_int_t)spoken, "overtime_ms", (json_int_t)over, "by_group",
                  speaking_by(json_object_get(totals, "groups"), group_keys), "by_region",
                  speaking_by(json_object_get(totals, "regions"), region_keys), "by_gender",
                  speaking_by(json_object_get(totals, "genders"), gender_keys), "by_mode",
                  speaking_by(json_object_get(totals, "modes"), mode_keys));
    json_t *o = json_pack("{s:o, s:o}", "attendance", att, "speaking", spk);
    if (!o || json_object_set_new(rec, "participation", o) < 0)
        return nomem(b);
    return 0;
}

int gv_record_build(const json_t *state, const json_t *actors, const char *meeting_id,
                    int64_t last_seq, const unsigned char hash[GV_HASH_BYTES], json_t **record,
                    gv_error *err)
{
    gv_error local = {0};
    build b = {.state = state, .actors = actors, .err = err ? err : &local};
    json_t *rec = NULL;
    int rc;
    *record = NULL;
    if (!json_is_object(state) || !json_is_object(json_object_get(state, "meeting")) ||
        !json_is_array(json_object_get(state, "people")))
        return gv_error_set(b.err, GV_EINVAL,
                            "the meeting has no definition yet: there is nothing to report");
    if ((rc = gv__zone_find(gv__s(json_object_get(state, "meeting"), "timezone"), &b.zone, b.err)) <
        0)
        return rc;
    b.as_of_ms = gv__i(state, "last_at_ms");
    rc = GV_ENOMEM;
    if (!(b.people = json_object()))
        goto fail;
    size_t i;
    json_t *p;
    json_array_foreach(json_object_get(state, "people"), i, p)
    {
        if (json_object_set(b.people, gv__s(p, "id"), p) < 0)
            goto fail;
    }
    /* Looked up per person and per speech: maps keep a big meeting linear. */
    if (!(b.speakers = json_object()))
        goto fail;
    json_array_foreach(json_object_get(state, "speeches"), i, p)
    {
        if (json_object_set_new(b.speakers, gv__s(p, "person"), json_true()) < 0)
            goto fail;
    }
    char hex[GV_HASH_HEX_SIZE];
    gv_hash_to_hex(hash, hex);
    rec = json_pack("{s:s}", "format", GV_RECORD_FORMAT);
    if (!rec) {
        rc = nomem(&b);
        goto fail;
    }
    if ((rc = build_meeting(&b, rec)) < 0 || (rc = build_presiding(&b, rec)) < 0 ||
        (rc = build_documents(&b, rec)) < 0 || (rc = build_people(&b, rec)) < 0 ||
        (rc = build_speeches(&b, rec)) < 0 ||
        (rc = gv__record_statements(state, b.zone, rec, b.err)) < 0 ||
        (rc = build_agenda(&b, rec)) < 0 || (rc = build_guiding_questions(&b, rec)) < 0 ||
        (rc = build_questions(&b, rec)) < 0 || (rc = build_participation(&b, rec)) < 0 ||
        (rc = gv__record_summary(state, b.zone, rec, b.err)) < 0)
        goto fail;
    json_t *v = json_pack("{s:s, s:I, s:s, s:s}", "meeting", meeting_id, "last_seq",
                          (json_int_t)last_seq, "hash", hex, "chain",
                          "BLAKE2b-256 over the previous event's hash (32 zero bytes before the "
                          "first) and the event's canonical bytes");
    if (!v || json_object_set_new(rec, "verification", v) < 0) {
        rc = nomem(&b);
        goto fail;
    }
    json_decref(b.people);
    json_decref(b.speakers);
    json_decref(b.seen);
    *record = rec;
    return 0;
fail:
    if (rc == GV_ENOMEM)
        nomem(&b);
    json_decref(b.people);
    json_decref(b.speakers);
    json_decref(b.seen);
    json_decref(rec);
    return rc;
}

char *gv_record_canonical(const json_t *record, size_t *len)
{
    char *s = gv_json_text(record);
    if (!s)
        return NULL;
    size_t n = strlen(s);
    char *out = realloc(s, n + 2);
    if (!out) {
        free(s);
        return NULL;
    }
    out[n] = '\n';
    out[n + 1] = '\0';
    *len = n + 1;
    return out;
}

int gv_record_parse(const char *bytes, size_t len, json_t **record, gv_error *err)
{
    json_error_t jerr;
    *record = NULL;
    json_t *j = json_loadb(bytes, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!j)
        return gv_error_set(err, GV_EINVAL, "the record is not valid JSON: %s (line %d, column %d)",
                            jerr.text, jerr.line, jerr.column);
    const char *format = json_string_value(json_object_get(j, "format"));
    if (!format ||
        (strcmp(format, GV_RECORD_FORMAT) != 0 && strcmp(format, GV_SUMMARY_FORMAT) != 0)) {
        json_decref(j);
        return gv_error_set(err, GV_EINVAL,
                            "this is not a Gavel record or summary: its \"format\" is neither "
                            "\"%s\" nor \"%s\"",
                            GV_RECORD_FORMAT, GV_SUMMARY_FORMAT);
    }
    size_t clen = 0;
    char *canon = gv_record_canonical(j, &clen);
    if (!canon) {
        json_decref(j);
        return gv_error_set(err, GV_ENOMEM, "out of memory reading the record");
    }
    if (clen != len || memcmp(canon, bytes, len) != 0) {
        size_t at = 0;
        while (at < len && at < clen && canon[at] == bytes[at])
            at++;
        free(canon);
        json_decref(j);
        return gv_error_set(err, GV_EINVAL,
                            "the record is not in its canonical form (first difference at byte "
                            "%zu): it was reformatted or changed; use the file as "
                            "'gavel report --format json' wrote it",
                            at);
    }
    free(canon);
    *record = j;
    return 0;
}
