/*
 * The floor's part of the state JSON: "floor" (the live list and speech of
 * the running item), "floor_requests" and "speeches" (every one of the
 * meeting, for the record) and "totals".
 *
 * Everything here is read from the state only, so a replayed log gives the
 * same bytes. Figures that depend on the clock (the expected waiting time,
 * the current segment) are given as of the state's last event (as_of_ms);
 * clients that want them live subtract the time since from the wait, and
 * draw timers from the start, pause and limit fields.
 */
#include "core/floor_internal.h"

#include <string.h>

static json_t *ref_or_null(const char *id)
{
    return id ? json_string(id) : json_null();
}

static json_t *time_or_null(int64_t at_ms, bool set)
{
    return set ? json_integer(at_ms) : json_null();
}

static json_t *id_or_null(int64_t id)
{
    return id > 0 ? json_integer(id) : json_null();
}

static const char *person_id(const gv_meeting *m, int p)
{
    return p >= 0 ? m->people[p].id : NULL;
}

static const char *gq_id(const gv_meeting *m, int q)
{
    return q >= 0 ? m->questions_def[q].id : NULL;
}

/* The language a request says they will speak in, or null. */
static json_t *language_json(const gv_request *r)
{
    return ref_or_null(r && r->language[0] ? r->language : NULL);
}

static json_t *speech_json(const gv_meeting *m, const gv_speech *s)
{
    const gv_timer *t = &s->timer;
    int asked = s->request ? gv__floor_request_find(&m->floor, s->request) : -1;
    json_t *j = json_pack(
        "{s:I, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:o, s:I, s:I, s:I, "
        "s:o, s:o, s:o, s:b, s:o}",
        "speech", (json_int_t)s->id, "person", m->people[s->person].id, "name",
        m->people[s->person].name ? m->people[s->person].name : "", "item", m->items[s->item].id,
        "kind", gv_request_kind_names[s->kind], "mode", gv_mode_names[s->mode], "request",
        id_or_null(s->request), "to", ref_or_null(person_id(m, s->to)), "guiding_question",
        ref_or_null(gq_id(m, s->guiding_question)), "answer_to", id_or_null(s->answer_to),
        "continues", id_or_null(s->continues), "started_at_ms", (json_int_t)t->started_at_ms,
        "paused_ms", (json_int_t)t->paused_ms, "paused_at_ms",
        time_or_null(t->paused_at_ms, t->paused), "limit_ms", (json_int_t)t->limit_ms, "warning_ms",
        (json_int_t)t->warning_ms, "extended_ms", (json_int_t)t->extended_ms, "ended_at_ms",
        time_or_null(t->ended_at_ms, t->ended), "spoken_ms",
        t->ended ? json_integer(gv_timer_elapsed_ms(t, t->ended_at_ms)) : json_null(),
        "overtime_ms",
        t->ended ? json_integer(gv_timer_overtime_ms(t, t->ended_at_ms)) : json_null(),
        "ended_with_item", s->ended_with_item, "language",
        language_json(asked >= 0 ? &m->floor.requests[asked] : NULL));
    return j;
}

static json_t *request_json(const gv_meeting *m, const gv_request *r)
{
    return json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:I, s:o, s:o, s:b, s:b, "
                     "s:o, s:s, s:b, s:o}",
                     "request", (json_int_t)r->id, "person", m->people[r->person].id, "by",
                     m->people[r->by].id, "item", m->items[r->item].id, "kind",
                     gv_request_kind_names[r->kind], "mode", gv_mode_names[r->mode], "status",
                     gv_request_status_names[r->status], "to", ref_or_null(person_id(m, r->to)),
                     "guiding_question", ref_or_null(gq_id(m, r->guiding_question)), "on_behalf_of",
                     ref_or_null(r->on_behalf_of), "requested_at_ms", (json_int_t)r->at_ms,
                     "closed_at_ms", time_or_null(r->closed_at_ms, r->status != GV_REQUEST_WAITING),
                     "speech", id_or_null(r->speech), "inserted", r->inserted, "readded",
                     r->readded, "decline_reason", ref_or_null(r->decline_reason), "level",
                     gv_level_names[r->level], "inscribed", r->inscribed, "language",
                     language_json(r));
}

json_t *gv__floor_entry_json(const gv_meeting *m, const gv_request *r, size_t pos, int64_t wait_ms)
{
    char reason[GV_FLOOR_REASON_MAX_BYTES + 1];
    gv__floor_reason_text(m, r, reason, sizeof reason);
    const gv_person *p = &m->people[r->person];
    return json_pack(
        "{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:I, s:I, s:I, s:s, s:s, "
        "s:b, s:b, s:b, s:s, s:i, s:b, s:o, s:o, s:o, s:o}",
        "request", (json_int_t)r->id, "person", p->id, "name", p->name ? p->name : "",
        "affiliation", p->affiliation ? p->affiliation : "", "group", gv_group_names[p->group],
        "kind", gv_request_kind_names[r->kind], "mode", gv_mode_names[r->mode], "to",
        ref_or_null(person_id(m, r->to)), "guiding_question",
        ref_or_null(gq_id(m, r->guiding_question)), "on_behalf_of", ref_or_null(r->on_behalf_of),
        "requested_at_ms", (json_int_t)r->at_ms, "position", (json_int_t)pos, "expected_wait_ms",
        (json_int_t)wait_ms, "reason", reason, "reason_code", gv_reason_codes[r->reason], "pinned",
        r->pinned, "inserted", r->inserted, "readded", r->readded, "level",
        gv_level_names[r->level], "reason_rank", r->reason_rank, "inscribed", r->inscribed,
        "swapped_with", id_or_null(r->swapped_with), "pinned_by",
        ref_or_null(r->pinned && r->pinned_by >= 0 ? m->people[r->pinned_by].id : NULL),
        "level_changed_at_ms", time_or_null(r->level_changed_at_ms, r->level_changed_at_ms > 0),
        "language", language_json(r));
}

/* Planned speakers of the running item who have not spoken on it yet. */
static size_t planned_left(const gv_meeting *m)
{
    const gv_item *it = &m->items[m->current_item];
    size_t n = 0;
    for (size_t i = 0; i < it->n_speakers; i++)
        n += !gv__floor_heard(&m->floor, it->speakers[i], m->current_item);
    return n;
}

/* The list of the running item, with positions and expected waits: the
 * entries that go before the planned speakers (gv__floor_next) wait for the
 * speech under way and those ahead of them; the others for the planned
 * speakers too. */
static json_t *list_json(const gv_meeting *m)
{
    const gv_floor *f = &m->floor;
    json_t *list = json_array();
    if (!list || m->current_item < 0)
        return list;
    int64_t limit = 0, warning = 0, wait = 0;
    gv__floor_default_limit(m, m->current_item, &limit, &warning);
    const gv_speech *cur = gv__floor_current(m);
    if (cur) {
        int64_t left = gv_timer_remaining_ms(&cur->timer, m->last_at_ms);
        wait = left > 0 ? left : 0;
    }
    bool ahead = true;
    for (size_t pos = 0; pos < f->n_list; pos++, wait += limit) {
        const gv_request *r = &f->requests[f->list[pos]];
        if (ahead && !gv__floor_before_planned(r)) {
            ahead = false;
            wait += (int64_t)planned_left(m) * limit;
        }
        if (json_array_append_new(list, gv__floor_entry_json(m, r, pos, wait)) < 0) {
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

/* The item's planned speakers and whether each has spoken on it. */
static json_t *planned_json(const gv_meeting *m)
{
    json_t *out = json_array();
    if (!out || m->current_item < 0)
        return out;
    const gv_item *it = &m->items[m->current_item];
    for (size_t i = 0; i < it->n_speakers; i++) {
        int p = it->speakers[i];
        bool heard = gv__floor_heard(&m->floor, p, m->current_item);
        if (json_array_append_new(
                out, json_pack("{s:s, s:b}", "person", m->people[p].id, "heard", heard)) < 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

/* Who next_speaker would give the floor to, or null. */
static json_t *next_json(const gv_meeting *m)
{
    int p = -1, r = -1;
    if (!gv__floor_next(m, &p, &r))
        return json_null();
    return json_pack("{s:s, s:s, s:o}", "person", m->people[p].id, "name",
                     m->people[p].name ? m->people[p].name : "", "request",
                     id_or_null(r >= 0 ? m->floor.requests[r].id : 0));
}

static json_t *live_json(const gv_meeting *m)
{
    const gv_floor *f = &m->floor;
    const gv_item *it = m->current_item >= 0 ? &m->items[m->current_item] : NULL;
    const gv_speech *cur = gv__floor_current(m);
    return json_pack("{s:o, s:o, s:o, s:b, s:o, s:b, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:I}",
                     "item", ref_or_null(it ? it->id : NULL), "policy",
                     ref_or_null(it ? gv_policy_names[it->policy] : NULL), "list", list_json(m),
                     "list_closed", f->closed, "closes_at_ms",
                     time_or_null(f->closes_at_ms, f->closes_at_ms > 0), "closed",
                     it && gv__floor_is_closed(f, m->last_at_ms), "autopilot", f->autopilot,
                     "speech", cur ? speech_json(m, cur) : json_null(), "last_speech",
                     f->last_ended >= 0 ? json_integer(f->speeches[f->last_ended].id) : json_null(),
                     "segments", gv__floor_segments_json(m), "budgets", gv__floor_budgets_json(m),
                     "undo", gv__floor_undo_json(f), "planned", planned_json(m), "next",
                     next_json(m), "as_of_ms", (json_int_t)m->last_at_ms);
}

int gv__floor_to_json(const gv_meeting *m, json_t *state)
{
    const gv_floor *f = &m->floor;
    json_t *requests = json_array(), *speeches = json_array();
    for (size_t i = 0; requests && i < f->n_requests; i++) {
        if (json_array_append_new(requests, request_json(m, &f->requests[i])) < 0) {
            json_decref(requests);
            requests = NULL;
        }
    }
    for (size_t i = 0; speeches && i < f->n_speeches; i++) {
        if (json_array_append_new(speeches, speech_json(m, &f->speeches[i])) < 0) {
            json_decref(speeches);
            speeches = NULL;
        }
    }
    json_t *live = live_json(m), *totals = gv__floor_totals_json(m),
           *provisional = gv__floor_provisional_json(m);
    if (!requests || !speeches || !live || !totals || !provisional) {
        json_decref(requests);
        json_decref(speeches);
        json_decref(live);
        json_decref(totals);
        json_decref(provisional);
        return GV_ENOMEM;
    }
    /* json_object_set_new takes its value even when it fails: set all, then report. */
    int rc = 0;
    rc |= json_object_set_new(state, "floor", live);
    rc |= json_object_set_new(state, "floor_requests", requests);
    rc |= json_object_set_new(state, "speeches", speeches);
    rc |= json_object_set_new(state, "totals", totals);
    rc |= json_object_set_new(state, "provisional", provisional);
    return rc ? GV_ENOMEM : 0;
}
