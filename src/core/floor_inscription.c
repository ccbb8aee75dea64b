/*
 * Inscription ahead: the provisional list of speakers of each agenda item
 * that is not running (docs/speakers-list.md, "The list before the meeting").
 *
 * An inscription is a gv_request like any other (its id is the sequence
 * number of its speaker_inscribed event, it lives in f->requests), made on an
 * item that is not running. While waiting it stands on f->ahead[item].list,
 * ordered by the item's policy with the same function as the running list
 * (gv__floor_order), so that when the item starts its list is carried into
 * f->list as it stands (floor_provisional.c).
 *
 *   speaker_inscribed --------> waiting, on the item's provisional list
 *   waiting --inscription_withdrawn--> withdrawn
 *   waiting --inscription_moved------> waiting, pinned where it was put
 *   waiting --inscriptions_swapped---> waiting, in the other's place
 *   waiting --speaker_level_set------> waiting, ranked anew (policy un)
 *   waiting --(item starts)----------> waiting on the running list
 *   waiting --(meeting closes)-------> lapsed
 *
 * Who: a person inscribes only themselves, and only while the item's
 * inscription window is open; the secretariat and the presiding officers
 * inscribe anyone, move, swap and withdraw until the item starts. A person
 * withdraws their own inscription and changes its level until then.
 *
 * Invariants (besides floor.c's): a request waits on exactly one list, the
 * running list if its item runs, else its item's provisional list; a person
 * has at most one waiting request per item; a state's delegation has at most
 * one inscription per item for its own statement. Every apply re-checks what
 * decide checked, against the event's time, and changes nothing when a check
 * fails.
 */
#include "core/floor_internal.h"

#include "core/array.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MANAGING (GV_ROLES_PRESIDING | GV_ROLE_SECRETARIAT)

/* ---- helpers -------------------------------------------------------------------------------- */

static bool is_state(int group)
{
    return group == GV_GROUP_MEMBER_STATE || group == GV_GROUP_OBSERVER_STATE;
}

/* "2022-03-24 09:00 UTC" into buf, for messages (the core knows no time zone). */
static const char *utc_words(int64_t ms, char *buf, size_t size)
{
    int64_t minutes = ms / 60000, days = minutes / 1440;
    int64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1, mo = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = yoe + era * 400 + (mo <= 2);
    snprintf(buf, size, "%04lld-%02lld-%02lld %02lld:%02lld UTC", (long long)y, (long long)mo,
             (long long)d, (long long)(minutes % 1440 / 60), (long long)(minutes % 60));
    return buf;
}

/* The inscription window of an item: the secretariat's if it set one, else the definition's. */
static void window_of(const gv_meeting *m, int item, int64_t *opens_ms, int64_t *closes_ms)
{
    const gv_floor *f = &m->floor;
    if (f->ahead && f->ahead[item].window_set) {
        *opens_ms = f->ahead[item].opens_at_ms;
        *closes_ms = f->ahead[item].closes_at_ms;
    } else {
        *opens_ms = m->items[item].inscription_opens_ms;
        *closes_ms = m->items[item].inscription_closes_ms;
    }
}

bool gv__floor_inscription_open(const gv_meeting *m, int item, int64_t at_ms)
{
    int64_t opens = 0, closes = 0;
    window_of(m, item, &opens, &closes);
    return opens > 0 && at_ms >= opens && (closes == 0 || at_ms < closes) &&
           item != m->current_item && m->status != GV_STATUS_CLOSED;
}

/* GV_ESTATE unless a person may inscribe themselves for item at now_ms; says when they may. */
static int need_window(const gv_meeting *m, int item, int64_t now_ms, gv_error *err)
{
    int64_t opens = 0, closes = 0;
    char when[128];
    window_of(m, item, &opens, &closes);
    if (opens == 0)
        return gv_error_set(err, GV_ESTATE,
                            "inscription for \"%s\" is not open: the secretariat has not opened "
                            "a list of speakers ahead for it; request the floor when it runs",
                            m->items[item].id);
    if (now_ms < opens)
        return gv_error_set(err, GV_ESTATE, "inscription for \"%s\" opens at %s; inscribe then",
                            m->items[item].id, utc_words(opens, when, sizeof when));
    if (closes > 0 && now_ms >= closes)
        return gv_error_set(err, GV_ESTATE,
                            "inscription for \"%s\" closed at %s; ask the secretariat, or request "
                            "the floor when the item runs",
                            m->items[item].id, utc_words(closes, when, sizeof when));
    return 0;
}

/* GV_ESTATE unless item takes inscriptions now: it is not running, the meeting is not closed. */
static int need_ahead(const gv_meeting *m, int item, gv_error *err)
{
    if (m->status == GV_STATUS_CLOSED)
        return gv_error_set(err, GV_ESTATE, "the meeting is closed: its lists are final");
    if (item == m->current_item)
        return gv_error_set(err, GV_ESTATE,
                            "agenda item \"%s\" is running: its list is the speakers' list now "
                            "(request the floor, or the moderator inserts the speaker)",
                            m->items[item].id);
    return 0;
}

/* The item named by field "item" of a command. */
static int cmd_item(const gv_meeting *m, const gv_cmd *c, int *out, gv_error *err)
{
    const char *id = NULL;
    int rc = gv__json_string(c->json, "item", true, GV_FLOOR_KEY_MAX_BYTES, &id, err);
    if (rc < 0)
        return rc;
    if ((*out = gv__item_find(m, id)) < 0)
        return gv_error_set(err, GV_ENOTFOUND, "field \"item\": there is no agenda item \"%s\"",
                            id);
    return 0;
}

/* The provisional list of item, or NULL before the floor's arrays exist (empty then). */
static const gv_inscriptions *ahead_of(const gv_meeting *m, int item)
{
    return m->floor.ahead ? &m->floor.ahead[item] : NULL;
}

static int position_in(const gv_inscriptions *a, int r)
{
    for (size_t pos = 0; a && pos < a->n; pos++)
        if (a->list[pos] == r)
            return (int)pos;
    return -1;
}

/* The person's inscription for item, or -1. */
static int inscription_of(const gv_meeting *m, int item, int person)
{
    const gv_inscriptions *a = ahead_of(m, item);
    for (size_t pos = 0; a && pos < a->n; pos++)
        if (m->floor.requests[a->list[pos]].person == person)
            return a->list[pos];
    return -1;
}

/* Another inscription of person's state delegation for its own statement on item, or -1. */
static int delegation_inscription(const gv_meeting *m, int item, int person, bool group_statement)
{
    const gv_person *p = &m->people[person];
    const gv_inscriptions *a = ahead_of(m, item);
    if (group_statement || !is_state(p->group) || !p->delegation || !p->delegation[0])
        return -1;
    for (size_t pos = 0; a && pos < a->n; pos++) {
        const gv_request *q = &m->floor.requests[a->list[pos]];
        const gv_person *o = &m->people[q->person];
        if (q->person != person && !q->on_behalf_of && is_state(o->group) && o->delegation &&
            strcmp(o->delegation, p->delegation) == 0)
            return a->list[pos];
    }
    return -1;
}

/* "request 12, 3rd on the provisional list of \"debate\"" for messages. */
static void place_words(const gv_meeting *m, int r, char *buf, size_t size)
{
    char ord[24];
    const gv_request *q = &m->floor.requests[r];
    gv__floor_ordinal(position_in(ahead_of(m, q->item), r) + 1, ord, sizeof ord);
    snprintf(buf, size, "request %lld, %s on the provisional list of \"%s\"", (long long)q->id, ord,
             m->items[q->item].id);
}

/* GV_ESTATE when `person` (or their delegation, for its own statement) is inscribed on item. */
static int need_not_inscribed(const gv_meeting *m, const gv_cmd *c, int item, int person,
                              bool group_statement, gv_error *err)
{
    char where[160];
    int r = inscription_of(m, item, person);
    if (r >= 0) {
        place_words(m, r, where, sizeof where);
        if (person == c->actor)
            return gv_error_set(err, GV_ESTATE,
                                "you are already inscribed: %s; withdraw it first to inscribe "
                                "again",
                                where);
        return gv_error_set(err, GV_ESTATE, "%s is already inscribed: %s", m->people[person].id,
                            where);
    }
    if ((r = delegation_inscription(m, item, person, group_statement)) >= 0) {
        place_words(m, r, where, sizeof where);
        return gv_error_set(err, GV_ESTATE,
                            "the delegation of %s is already inscribed for its statement (%s, %s): "
                            "one place a delegation; change that speaker's level, or withdraw it "
                            "first",
                            m->people[person].delegation, m->people[m->floor.requests[r].person].id,
                            where);
    }
    return 0;
}

/* GV_EINVAL unless `level` may be declared for person. */
static int need_level_ok(const gv_meeting *m, int person, int level, gv_error *err)
{
    if (level == GV_LEVEL_HEAD_OF_DELEGATION || is_state(m->people[person].group))
        return 0;
    return gv_error_set(err, GV_EINVAL,
                        "field \"level\": only a state's speaker has a level above "
                        "head_of_delegation; %s speaks for the %s group",
                        m->people[person].id, gv_group_names[m->people[person].group]);
}

/* The inscription named by field `key` of a command: waiting on a provisional list. */
static int cmd_inscription(const gv_meeting *m, const gv_cmd *c, const char *key, int *out,
                           gv_error *err)
{
    int r = -1, rc;
    if ((rc = gv__floor_cmd_request(m, c, key, &r, err)) < 0)
        return rc;
    const gv_request *q = &m->floor.requests[r];
    if (q->status != GV_REQUEST_WAITING)
        return gv_error_set(err, GV_ESTATE, "floor request %lld is no longer waiting: it was %s",
                            (long long)q->id, gv_request_status_names[q->status]);
    if (q->item == m->current_item)
        return gv_error_set(err, GV_ESTATE,
                            "floor request %lld is on the running list of \"%s\": the list "
                            "commands of the meeting apply to it now (withdraw, move_request)",
                            (long long)q->id, m->items[q->item].id);
    *out = r;
    return 0;
}

/* The inscription named by an event field, waiting on a provisional list. */
static int ev_inscription(const gv_meeting *m, const json_t *ev, const char *key, int *out,
                          gv_error *err)
{
    int64_t id = 0;
    if (gv__json_int(ev, key, true, 1, INT64_MAX, &id, err) < 0)
        return gv__event_corrupt_field(ev, err);
    int r = gv__floor_request_find(&m->floor, id);
    if (r < 0)
        return gv__event_corrupt(ev, err, "it names a floor request that does not exist");
    const gv_request *q = &m->floor.requests[r];
    if (q->status != GV_REQUEST_WAITING || q->item == m->current_item || !m->floor.ahead)
        return gv__event_corrupt(ev, err, "the request is not waiting on a provisional list");
    *out = r;
    return 0;
}

/* The event's "by" as a person index; GV_ECORRUPT for anyone else. */
static int ev_by(const gv_meeting *m, const json_t *ev, int *by, gv_error *err)
{
    if (gv__event_person(m, ev, "by", by, err) < 0)
        return gv__event_corrupt_field(ev, err);
    return 0;
}

/* Re-orders item's provisional list after a change made at at_ms. */
static void reorder(gv_meeting *m, int item, int64_t at_ms)
{
    gv_inscriptions *a = &m->floor.ahead[item];
    gv__floor_order(m, a->list, a->n, item);
    a->ordered_at_speeches = m->floor.n_speeches;
    if (at_ms > 0)
        a->changed_at_ms = at_ms;
}

/* ---- inscribing ----------------------------------------------------------------------------- */

/* What an inscription command says, read and checked. */
typedef struct ins_fields {
    int item, person, level;
    int64_t position; /** -1: placed by the rules */
    gv__req_fields rf;
} ins_fields;

static int read_inscription(const gv_meeting *m, const gv_cmd *c, ins_fields *in, gv_error *err)
{
    int rc;
    if ((rc = cmd_item(m, c, &in->item, err)) < 0 || (rc = need_ahead(m, in->item, err)) < 0 ||
        (rc = gv__floor_read_request_fields(m, c->json, in->person, &in->rf, err)) < 0)
        return rc;
    if (!json_object_get(c->json, "guiding_question"))
        in->rf.gq = -1; /* not the question under discussion now: the item is later */
    if (in->rf.kind != GV_REQUEST_INTERVENTION && in->rf.kind != GV_REQUEST_QUESTION)
        return gv_error_set(err, GV_EINVAL,
                            "field \"kind\": one inscribes for a statement (\"intervention\") or "
                            "a question; points of order and rights of reply are raised in the "
                            "meeting");
    in->level = (int)m->people[in->person].level;
    if ((rc = gv__json_enum(c->json, "level", false, gv_level_names, GV_LEVEL_COUNT, &in->level,
                            err)) < 0 ||
        (rc = need_level_ok(m, in->person, in->level, err)) < 0 ||
        (rc = need_not_inscribed(m, c, in->item, in->person, in->rf.on_behalf_of != NULL, err)) < 0)
        return rc;
    if (m->floor.item_requests &&
        m->floor.item_requests[in->item] >= GV_FLOOR_REQUESTS_PER_ITEM_MAX)
        return gv_error_set(err, GV_ELIMIT,
                            "agenda item \"%s\" already had %d requests for the floor, the most "
                            "one item takes",
                            m->items[in->item].id, GV_FLOOR_REQUESTS_PER_ITEM_MAX);
    return 0;
}

static int inscribed_event(const gv_meeting *m, const gv_cmd *c, json_t *events,
                           const ins_fields *in, gv_error *err)
{
    const gv__req_fields *rf = &in->rf;
    json_t *ev = NULL;
    int rc;
    if ((rc = gv__event_add(m, c, events, "speaker_inscribed", &ev, err)) < 0 ||
        (rc = gv__event_set(ev, "request", json_integer(gv__event_seq(ev)), err)) < 0 ||
        (rc = gv__event_set(ev, "person", json_string(m->people[in->person].id), err)) < 0 ||
        (rc = gv__event_set(ev, "item", json_string(m->items[in->item].id), err)) < 0 ||
        (rc = gv__event_set(ev, "kind", json_string(gv_request_kind_names[rf->kind]), err)) < 0 ||
        (rc = gv__event_set(ev, "mode", json_string(gv_mode_names[rf->mode]), err)) < 0 ||
        (rc = gv__event_set(ev, "level", json_string(gv_level_names[in->level]), err)) < 0)
        return rc;
    if (rf->to >= 0 && (rc = gv__event_set(ev, "to", json_string(m->people[rf->to].id), err)) < 0)
        return rc;
    if (rf->gq >= 0 && (rc = gv__event_set(ev, "guiding_question",
                                           json_string(m->questions_def[rf->gq].id), err)) < 0)
        return rc;
    if (rf->on_behalf_of &&
        (rc = gv__event_set(ev, "on_behalf_of", json_stringn(rf->on_behalf_of, rf->on_behalf_len),
                            err)) < 0)
        return rc;
    if ((rc = gv__floor_event_language(ev, rf, err)) < 0)
        return rc;
    if (in->position >= 0 &&
        (rc = gv__event_set(ev, "position", json_integer(in->position), err)) < 0)
        return rc;
    return 0;
}

int gv__floor_decide_inscribe(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    static const char *const fields[] = {
        "type",     "id", "item", "kind", "to", "mode", "on_behalf_of", "level", "guiding_question",
        "language", NULL};
    ins_fields in = {.person = c->actor, .position = -1};
    int rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0 ||
        (rc = read_inscription(m, c, &in, err)) < 0 ||
        (rc = need_window(m, in.item, c->now_ms, err)) < 0)
        return rc;
    return inscribed_event(m, c, events, &in, err);
}

int gv__floor_decide_inscribe_speaker(const gv_meeting *m, const gv_cmd *c, json_t *events,
                                      gv_error *err)
{
    static const char *const fields[] = {
        "type",         "id",    "item",     "person",           "kind",     "to", "mode",
        "on_behalf_of", "level", "position", "guiding_question", "language", NULL};
    ins_fields in = {.position = -1};
    const char *id = NULL;
    int rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0 ||
        (rc = gv__json_string(c->json, "person", true, GV_FLOOR_KEY_MAX_BYTES, &id, err)) < 0)
        return rc;
    if ((in.person = gv__person_find(m, id)) < 0)
        return gv_error_set(err, GV_ENOTFOUND, "field \"person\": there is no person \"%s\"", id);
    if ((rc = read_inscription(m, c, &in, err)) < 0)
        return rc;
    const gv_inscriptions *a = ahead_of(m, in.item);
    if ((rc = gv__json_int(c->json, "position", false, 0, a ? (int64_t)a->n : 0, &in.position,
                           err)) < 0)
        return rc;
    return inscribed_event(m, c, events, &in, err);
}

/* Reads and checks a speaker_inscribed event against the state; fills in. */
static int ev_inscribed(const gv_meeting *m, const json_t *ev, ins_fields *in, int *by,
                        const char **obo, int64_t *id, gv_error *err)
{
    const char *item = NULL, *to = NULL, *gq = NULL;
    gv__req_fields *rf = &in->rf;
    *rf = (gv__req_fields){.to = -1, .gq = -1};
    in->position = -1;
    if (gv__json_int(ev, "request", true, 1, INT64_MAX, id, err) < 0 ||
        gv__event_person(m, ev, "person", &in->person, err) < 0 ||
        gv__event_person(m, ev, "by", by, err) < 0 ||
        gv__json_string(ev, "item", true, GV_FLOOR_KEY_MAX_BYTES, &item, err) < 0 ||
        gv__json_enum(ev, "kind", true, gv_request_kind_names, GV_REQUEST_KIND_COUNT, &rf->kind,
                      err) < 0 ||
        gv__json_enum(ev, "mode", true, gv_mode_names, GV_MODE_COUNT, &rf->mode, err) < 0 ||
        gv__json_enum(ev, "level", true, gv_level_names, GV_LEVEL_COUNT, &in->level, err) < 0 ||
        gv__json_string(ev, "to", false, GV_FLOOR_KEY_MAX_BYTES, &to, err) < 0 ||
        gv__json_string(ev, "guiding_question", false, GV_FLOOR_KEY_MAX_BYTES, &gq, err) < 0 ||
        gv__json_string(ev, "on_behalf_of", false, GV_FLOOR_ON_BEHALF_MAX_BYTES, obo, err) < 0 ||
        gv__json_int(ev, "position", false, 0, INT32_MAX, &in->position, err) < 0)
        return gv__event_corrupt_field(ev, err);
    int rc = gv__floor_read_language(ev, &rf->language, err);
    if (rc < 0)
        return rc;
    if (*id != gv__event_seq(ev))
        return gv__event_corrupt(ev, err,
                                 "a request's id must be the sequence number of its event");
    if ((in->item = gv__item_find(m, item)) < 0)
        return gv__event_corrupt(ev, err, "it names an agenda item that does not exist");
    if (in->item == m->current_item || m->status == GV_STATUS_CLOSED)
        return gv__event_corrupt(ev, err, "the item takes no inscription now");
    if (rf->kind != GV_REQUEST_INTERVENTION && rf->kind != GV_REQUEST_QUESTION)
        return gv__event_corrupt(ev, err, "only statements and questions are inscribed");
    if (to && ((rf->to = gv__person_find(m, to)) < 0 ||
               !(m->people[rf->to].roles & GV_ROLE_PANELIST) || rf->kind != GV_REQUEST_QUESTION))
        return gv__event_corrupt(ev, err, "\"to\" must name a panelist, for a question");
    if (gq && (rf->gq = gv__question_def_find(m, gq)) < 0)
        return gv__event_corrupt(ev, err, "it names a guiding question that does not exist");
    size_t len = *obo ? strlen(*obo) : 0;
    if (*obo && (len == 0 || strchr(" \t\n\r\f\v", (*obo)[0]) ||
                 strchr(" \t\n\r\f\v", (*obo)[len - 1]) || rf->kind != GV_REQUEST_INTERVENTION ||
                 (!is_state(m->people[in->person].group) &&
                  m->people[in->person].group != GV_GROUP_INTERGOVERNMENTAL)))
        return gv__event_corrupt(ev, err,
                                 "\"on_behalf_of\" must be a trimmed name, on a statement by a "
                                 "state or an organization");
    if (in->level != GV_LEVEL_HEAD_OF_DELEGATION && !is_state(m->people[in->person].group))
        return gv__event_corrupt(ev, err, "only a state's speaker has a level");
    if (*by == in->person && !(m->people[*by].roles & MANAGING)) {
        if (!(m->people[*by].roles & GV_ROLES_SPEAKING) ||
            !gv__floor_inscription_open(m, in->item, gv__event_at(ev)))
            return gv__event_corrupt(ev, err, "a person inscribes only while inscription is open");
        if (in->position >= 0)
            return gv__event_corrupt(ev, err, "only the secretariat places an inscription");
    } else if (!(m->people[*by].roles & MANAGING)) {
        return gv__event_corrupt(ev, err, "only the secretariat inscribes someone else");
    }
    if (inscription_of(m, in->item, in->person) >= 0 ||
        delegation_inscription(m, in->item, in->person, *obo != NULL) >= 0)
        return gv__event_corrupt(ev, err, "the person or the delegation is already inscribed");
    const gv_inscriptions *a = ahead_of(m, in->item);
    if (in->position > (a ? (int64_t)a->n : 0))
        return gv__event_corrupt(ev, err, "the position is beyond the end of the list");
    const gv_floor *f = &m->floor;
    if (f->n_requests > 0 && f->requests[f->n_requests - 1].id >= *id)
        return gv__event_corrupt(ev, err, "request ids must grow");
    if (f->item_requests && f->item_requests[in->item] >= GV_FLOOR_REQUESTS_PER_ITEM_MAX)
        return gv__event_corrupt(ev, err, "the item already had the most requests it takes");
    return 0;
}

int gv__floor_apply_inscribed(gv_meeting *m, const json_t *ev, gv_error *err)
{
    gv_floor *f = &m->floor;
    ins_fields in = {0};
    const char *obo = NULL;
    int64_t id = 0;
    int by = -1, rc;
    if ((rc = ev_inscribed(m, ev, &in, &by, &obo, &id, err)) < 0 ||
        (rc = gv__floor_ready(m, err)) < 0)
        return rc;

    /* Reserve, then change. */
    gv_inscriptions *a = &f->ahead[in.item];
    if ((rc = gv__floor_ints_reserve(f, &a->list, &a->cap, a->n + 1, err)) < 0)
        return rc;
    if (GV_ARRAY_RESERVE(f->requests, f->cap_requests, f->n_requests + 1) < 0)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    char *obo_copy = obo ? strdup(obo) : NULL;
    if (obo && !obo_copy)
        return gv_error_set(err, GV_ENOMEM, "out of memory");

    int r = (int)f->n_requests++;
    f->requests[r] = (gv_request){
        .id = id,
        .person = in.person,
        .by = by,
        .item = in.item,
        .kind = in.rf.kind,
        .mode = in.rf.mode,
        .to = in.rf.to,
        .guiding_question = in.rf.gq,
        .on_behalf_of = obo_copy,
        .at_ms = gv__event_at(ev),
        .pinned = in.position >= 0,
        .pinned_by = in.position >= 0 ? by : -1,
        .level = in.level,
        .inscribed = true,
        .status = GV_REQUEST_WAITING,
        .reason = GV_REASON_PLACED,
    };
    snprintf(f->requests[r].language, sizeof f->requests[r].language, "%s",
             in.rf.language ? in.rf.language : "");
    gv__floor_rank_set(m, &f->requests[r], id);
    f->item_requests[in.item]++;
    gv__floor_ints_insert(a->list, &a->n, in.position >= 0 ? (size_t)in.position : a->n, r);
    reorder(m, in.item, gv__event_at(ev));
    return 0;
}

/* ---- withdrawing, moving, swapping ---------------------------------------------------------- */

int gv__floor_decide_withdraw_inscription(const gv_meeting *m, const gv_cmd *c, json_t *events,
                                          gv_error *err)
{
    static const char *const fields[] = {"type", "id", "request", NULL};
    json_t *ev = NULL;
    int r = -1, rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0 ||
        (rc = cmd_inscription(m, c, "request", &r, err)) < 0)
        return rc;
    const gv_request *q = &m->floor.requests[r];
    if (q->person != c->actor && !(c->actor_roles & MANAGING))
        return gv_error_set(err, GV_EPERM,
                            "floor request %lld is %s's inscription: a person withdraws only "
                            "their own (the secretariat may withdraw it for them)",
                            (long long)q->id, m->people[q->person].id);
    if ((rc = gv__event_add(m, c, events, "inscription_withdrawn", &ev, err)) < 0)
        return rc;
    return gv__event_set(ev, "request", json_integer(q->id), err);
}

int gv__floor_apply_inscription_withdrawn(gv_meeting *m, const json_t *ev, gv_error *err)
{
    int r = -1, by = -1, rc;
    if ((rc = ev_inscription(m, ev, "request", &r, err)) < 0 || (rc = ev_by(m, ev, &by, err)) < 0)
        return rc;
    gv_request *q = &m->floor.requests[r];
    if (by != q->person && !(m->people[by].roles & MANAGING))
        return gv__event_corrupt(ev, err, "only the person or the secretariat withdraws it");
    gv_inscriptions *a = &m->floor.ahead[q->item];
    q->status = GV_REQUEST_WITHDRAWN;
    q->closed_at_ms = gv__event_at(ev);
    gv__floor_ints_remove(a->list, &a->n, (size_t)position_in(a, r));
    reorder(m, q->item, gv__event_at(ev));
    return 0;
}

int gv__floor_decide_move_inscription(const gv_meeting *m, const gv_cmd *c, json_t *events,
                                      gv_error *err)
{
    static const char *const fields[] = {"type", "id", "request", "position", NULL};
    json_t *ev = NULL;
    int64_t position = 0;
    int r = -1, rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0 ||
        (rc = cmd_inscription(m, c, "request", &r, err)) < 0 ||
        (rc = gv__json_int(c->json, "position", true, 0, INT32_MAX, &position, err)) < 0)
        return rc;
    const gv_request *q = &m->floor.requests[r];
    const gv_inscriptions *a = ahead_of(m, q->item);
    if (position >= (int64_t)a->n)
        return gv_error_set(err, GV_EINVAL,
                            "field \"position\" is %lld, beyond the end of the list: it has %zu "
                            "entries (positions 0 to %zu)",
                            (long long)position, a->n, a->n - 1);
    if (q->pinned && position_in(a, r) == position)
        return gv_error_set(err, GV_ESTATE, "floor request %lld already stands at position %lld",
                            (long long)q->id, (long long)position);
    if ((rc = gv__event_add(m, c, events, "inscription_moved", &ev, err)) < 0 ||
        (rc = gv__event_set(ev, "request", json_integer(q->id), err)) < 0)
        return rc;
    return gv__event_set(ev, "position", json_integer(position), err);
}

int gv__floor_apply_inscription_moved(gv_meeting *m, const json_t *ev, gv_error *err)
{
    int64_t position = 0;
    int r = -1, by = -1, rc;
    if ((rc = ev_inscription(m, ev, "request", &r, err)) < 0 || (rc = ev_by(m, ev, &by, err)) < 0)
        return rc;
    if (!(m->people[by].roles & MANAGING))
        return gv__event_corrupt(ev, err, "only the secretariat or the presiding officers move");
    gv_request *q = &m->floor.requests[r];
    gv_inscriptions *a = &m->floor.ahead[q->item];
    if (gv__json_int(ev, "position", true, 0, (int64_t)a->n - 1, &position, err) < 0)
        return gv__event_corrupt_field(ev, err);
    gv__floor_ints_remove(a->list, &a->n, (size_t)position_in(a, r));
    gv__floor_ints_insert(a->list, &a->n, (size_t)position, r);
    q->pinned = true;
    q->pinned_by = by;
    q->swapped_with = 0;
    q->reason = GV_REASON_MOVED;
    reorder(m, q->item, gv__event_at(ev));
    return 0;
}

int gv__floor_decide_swap(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    static const char *const fields[] = {"type", "id", "request", "with", NULL};
    json_t *ev = NULL;
    int r = -1, o = -1, rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0 ||
        (rc = cmd_inscription(m, c, "request", &r, err)) < 0 ||
        (rc = cmd_inscription(m, c, "with", &o, err)) < 0)
        return rc;
    const gv_request *q = &m->floor.requests[r], *w = &m->floor.requests[o];
    if (r == o)
        return gv_error_set(err, GV_EINVAL, "a request cannot swap places with itself");
    if (q->item != w->item)
        return gv_error_set(err, GV_EINVAL,
                            "requests %lld and %lld are on different lists (\"%s\" and \"%s\"): "
                            "only places on one list are swapped",
                            (long long)q->id, (long long)w->id, m->items[q->item].id,
                            m->items[w->item].id);
    if ((rc = gv__event_add(m, c, events, "inscriptions_swapped", &ev, err)) < 0 ||
        (rc = gv__event_set(ev, "request", json_integer(q->id), err)) < 0)
        return rc;
    return gv__event_set(ev, "with", json_integer(w->id), err);
}

int gv__floor_apply_swapped(gv_meeting *m, const json_t *ev, gv_error *err)
{
    int r = -1, o = -1, by = -1, rc;
    if ((rc = ev_inscription(m, ev, "request", &r, err)) < 0 ||
        (rc = ev_inscription(m, ev, "with", &o, err)) < 0 || (rc = ev_by(m, ev, &by, err)) < 0)
        return rc;
    if (!(m->people[by].roles & MANAGING))
        return gv__event_corrupt(ev, err, "only the secretariat or the presiding officers swap");
    gv_request *q = &m->floor.requests[r], *w = &m->floor.requests[o];
    if (r == o || q->item != w->item)
        return gv__event_corrupt(ev, err, "it swaps two different places of one list");
    gv_inscriptions *a = &m->floor.ahead[q->item];
    int pq = position_in(a, r), pw = position_in(a, o);
    a->list[pq] = o;
    a->list[pw] = r;
    if (m->items[q->item].policy == GV_POLICY_BALANCED) {
        /* No rank to hand over: each is pinned where the other stood. */
        q->pinned = w->pinned = true;
        q->pinned_by = w->pinned_by = by;
    } else {
        /* Each takes the other's place: pinned as it was, or with its rank. */
        gv_request t = *q;
        q->pinned = w->pinned;
        q->pinned_by = w->pinned_by;
        q->rank_class = w->rank_class;
        q->rank_level = w->rank_level;
        q->rank_seq = w->rank_seq;
        w->pinned = t.pinned;
        w->pinned_by = t.pinned_by;
        w->rank_class = t.rank_class;
        w->rank_level = t.rank_level;
        w->rank_seq = t.rank_seq;
    }
    q->swapped_with = w->id;
    w->swapped_with = q->id;
    q->reason = w->reason = GV_REASON_SWAPPED;
    reorder(m, q->item, gv__event_at(ev));
    return 0;
}

/* ---- levels --------------------------------------------------------------------------------- */

int gv__floor_decide_set_level(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    static const char *const fields[] = {"type", "id", "request", "level", NULL};
    json_t *ev = NULL;
    int r = -1, level = -1, rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0 ||
        (rc = gv__floor_cmd_request(m, c, "request", &r, err)) < 0 ||
        (rc = gv__json_enum(c->json, "level", true, gv_level_names, GV_LEVEL_COUNT, &level, err)) <
            0)
        return rc;
    const gv_request *q = &m->floor.requests[r];
    bool running = q->item == m->current_item;
    if (running && (rc = gv__floor_need_listed(m, r, err)) < 0)
        return rc;
    if (!running && (rc = cmd_inscription(m, c, "request", &r, err)) < 0)
        return rc;
    unsigned may = running ? GV_ROLES_PRESIDING : MANAGING;
    if (q->person != c->actor && !(c->actor_roles & may))
        return gv_error_set(err, GV_EPERM,
                            "floor request %lld is %s's: a person changes only their own level "
                            "(%s)",
                            (long long)q->id, m->people[q->person].id,
                            running ? "the moderator may change it" : "the secretariat may");
    if ((rc = need_level_ok(m, q->person, level, err)) < 0)
        return rc;
    if (level == q->level)
        return gv_error_set(err, GV_ESTATE, "floor request %lld already has the level %s",
                            (long long)q->id, gv_level_names[level]);
    if ((rc = gv__event_add(m, c, events, "speaker_level_set", &ev, err)) < 0 ||
        (rc = gv__event_set(ev, "request", json_integer(q->id), err)) < 0)
        return rc;
    return gv__event_set(ev, "level", json_string(gv_level_names[level]), err);
}

int gv__floor_apply_level_set(gv_meeting *m, const json_t *ev, gv_error *err)
{
    gv_floor *f = &m->floor;
    int64_t id = 0;
    int by = -1, level = -1;
    if (gv__json_int(ev, "request", true, 1, INT64_MAX, &id, err) < 0 ||
        gv__json_enum(ev, "level", true, gv_level_names, GV_LEVEL_COUNT, &level, err) < 0 ||
        gv__event_person(m, ev, "by", &by, err) < 0)
        return gv__event_corrupt_field(ev, err);
    int r = gv__floor_request_find(f, id);
    if (r < 0 || f->requests[r].status != GV_REQUEST_WAITING || !f->ahead)
        return gv__event_corrupt(ev, err, "the request is not waiting on a list");
    gv_request *q = &f->requests[r];
    bool running = q->item == m->current_item;
    unsigned may = running ? GV_ROLES_PRESIDING : MANAGING;
    if (by != q->person && !(m->people[by].roles & may))
        return gv__event_corrupt(ev, err, "only the person or the list's keepers change a level");
    if (level == q->level ||
        (level != GV_LEVEL_HEAD_OF_DELEGATION && !is_state(m->people[q->person].group)))
        return gv__event_corrupt(ev, err, "the level is not a change, or not the person's to have");
    q->level = level;
    q->level_changed_at_ms = gv__event_at(ev);
    if (m->items[q->item].policy == GV_POLICY_UN) {
        /* Rule 4: the next place at the new level, as if inscribed now; a chosen place is given
         * up. */
        gv__floor_rank_set(m, q, gv__event_seq(ev));
        q->pinned = false;
    }
    if (running)
        gv__floor_settle(m);
    else
        reorder(m, q->item, gv__event_at(ev));
    return 0;
}

/* ---- the window ----------------------------------------------------------------------------- */

/* An optional time field that may be null: *out 0 for null or absent. */
static int time_or_null(const json_t *obj, const char *key, int64_t *out, gv_error *err)
{
    *out = 0;
    return gv__json_int(obj, key, false, 1, GV_TIME_MAX_MS, out, err);
}

int gv__floor_decide_set_inscription(const gv_meeting *m, const gv_cmd *c, json_t *events,
                                     gv_error *err)
{
    static const char *const fields[] = {"type", "id", "item", "opens_at_ms", "closes_at_ms", NULL};
    json_t *ev = NULL;
    int64_t opens = 0, closes = 0, was_opens = 0, was_closes = 0;
    int item = -1, rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0 || (rc = cmd_item(m, c, &item, err)) < 0 ||
        (rc = need_ahead(m, item, err)) < 0)
        return rc;
    if (!json_object_get(c->json, "opens_at_ms"))
        return gv_error_set(err, GV_EINVAL,
                            "field \"opens_at_ms\" is missing: give when inscription opens (ms "
                            "since 1970), or null to take inscription ahead away");
    if ((rc = time_or_null(c->json, "opens_at_ms", &opens, err)) < 0 ||
        (rc = time_or_null(c->json, "closes_at_ms", &closes, err)) < 0)
        return rc;
    if (opens == 0 && closes > 0)
        return gv_error_set(err, GV_EINVAL,
                            "field \"closes_at_ms\" without \"opens_at_ms\": inscription that "
                            "never opens does not close");
    if (closes > 0 && closes <= opens)
        return gv_error_set(err, GV_EINVAL,
                            "field \"closes_at_ms\" (%lld) must come after \"opens_at_ms\" (%lld)",
                            (long long)closes, (long long)opens);
    window_of(m, item, &was_opens, &was_closes);
    if (opens == was_opens && closes == was_closes)
        return gv_error_set(err, GV_ESTATE, "the inscription window of \"%s\" is already that",
                            m->items[item].id);
    if ((rc = gv__event_add(m, c, events, "inscription_set", &ev, err)) < 0 ||
        (rc = gv__event_set(ev, "item", json_string(m->items[item].id), err)) < 0 ||
        (rc = gv__event_set(ev, "opens_at_ms", opens ? json_integer(opens) : json_null(), err)) < 0)
        return rc;
    return gv__event_set(ev, "closes_at_ms", closes ? json_integer(closes) : json_null(), err);
}

int gv__floor_apply_inscription_set(gv_meeting *m, const json_t *ev, gv_error *err)
{
    const char *id = NULL;
    int64_t opens = 0, closes = 0;
    int by = -1, item = -1, rc;
    if (gv__json_string(ev, "item", true, GV_FLOOR_KEY_MAX_BYTES, &id, err) < 0 ||
        time_or_null(ev, "opens_at_ms", &opens, err) < 0 ||
        time_or_null(ev, "closes_at_ms", &closes, err) < 0)
        return gv__event_corrupt_field(ev, err);
    if ((rc = ev_by(m, ev, &by, err)) < 0)
        return rc;
    if (!(m->people[by].roles & MANAGING))
        return gv__event_corrupt(ev, err, "only the secretariat or the presiding officers do this");
    if ((item = gv__item_find(m, id)) < 0 || item == m->current_item ||
        m->status == GV_STATUS_CLOSED)
        return gv__event_corrupt(ev, err, "it names no item that takes inscriptions");
    if ((opens == 0 && closes > 0) || (closes > 0 && closes <= opens))
        return gv__event_corrupt(ev, err, "inscription must close after it opens");
    if ((rc = gv__floor_ready(m, err)) < 0)
        return rc;
    gv_inscriptions *a = &m->floor.ahead[item];
    a->window_set = true;
    a->opens_at_ms = opens;
    a->closes_at_ms = closes;
    return 0;
}
