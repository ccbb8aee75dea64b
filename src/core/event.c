/*
 * Events as the modules build and read them: the helpers that agenda.c,
 * floor*.c and questions.c share, so that every event is numbered the same
 * way and every damaged event is reported the same way.
 *
 * Building (decide): gv__event_add appends {"seq", "type", "at_ms", "by"}
 * numbered after the meeting and the events already decided; gv__event_set
 * adds a field. Both fail only on ENOMEM, and the caller then discards the
 * whole array of events.
 *
 * Reading (apply): a stored event that does not fit the state is
 * GV_ECORRUPT, and the message names its sequence number and type first
 * ("event 12 (floor_requested): ..."), so that `gavel verify` and the server's
 * log point at the event to look at.
 */
#include "core/meeting_internal.h"

#include <stdio.h>

#include "core/jsonf.h"

int gv__event_add(const gv_meeting *m, const gv_cmd *c, json_t *events, const char *type,
                  json_t **out, gv_error *err)
{
    const char *by = c->actor >= 0 ? m->people[c->actor].id : GV_ACTOR_SYSTEM;
    json_t *ev = json_pack("{s:I, s:s, s:I, s:s}", "seq",
                           (json_int_t)(m->seq + 1 + (int64_t)json_array_size(events)), "type",
                           type, "at_ms", (json_int_t)c->now_ms, "by", by);
    if (!ev || json_array_append_new(events, ev) < 0)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    if (out)
        *out = ev;
    return 0;
}

int gv__event_set(json_t *ev, const char *key, json_t *v, gv_error *err)
{
    if (!v || json_object_set_new(ev, key, v) < 0)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    return 0;
}

int64_t gv__event_seq(const json_t *ev)
{
    return json_integer_value(json_object_get(ev, "seq"));
}

int64_t gv__event_at(const json_t *ev)
{
    return json_integer_value(json_object_get(ev, "at_ms"));
}

int gv__event_person(const gv_meeting *m, const json_t *ev, const char *key, int *out,
                     gv_error *err)
{
    const char *id = NULL;
    int rc = gv__json_string(ev, key, true, 128, &id, err);
    if (rc < 0)
        return rc;
    int who = gv__person_find(m, id);
    if (who < 0)
        return gv_error_set(err, GV_ENOTFOUND,
                            "field \"%s\" names \"%s\", who is not in the meeting", key, id);
    *out = who;
    return 0;
}

int gv__event_corrupt(const json_t *ev, gv_error *err, const char *why)
{
    const char *type = json_string_value(json_object_get(ev, "type"));
    /* why may be err->msg itself (gv__event_corrupt_field): copy it first. */
    char reason[GV_ERROR_MSG_MAX];
    snprintf(reason, sizeof reason, "%s", why);
    gv_error_set(err, GV_ECORRUPT, "event %lld (%s): %s", (long long)gv__event_seq(ev),
                 type ? type : "?", reason);
    return GV_ECORRUPT; /* literal, so that analyzers see the failure */
}

int gv__event_corrupt_field(const json_t *ev, gv_error *err)
{
    return gv__event_corrupt(ev, err, err ? err->msg : "malformed field");
}
