/*
 * The speakers' list: requests for the floor and the moderator's changes to
 * the list, plus the floor's command and event tables and its lifecycle.
 *
 * A request's states and the events that move it:
 *
 *   floor_requested --> waiting
 *   waiting --request_withdrawn--> withdrawn     (by the person who asked, or
 *                                                 with "leaving" when they leave)
 *   waiting --request_declined---> declined      (by the moderator)
 *   waiting --floor_given--------> granted       (floor_speech.c)
 *   waiting --(item ends)--------> lapsed        (gv__floor_item_changed)
 *   declined --list_change_undone--> waiting     (floor_undo.c)
 *   waiting (inserted or re-added) --list_change_undone--> cancelled
 *
 * Invariants:
 * - f->requests holds every request of the meeting in ascending id order;
 *   f->list holds exactly the waiting ones of the running item; those of
 *   other items, inscribed ahead, wait on their items' provisional lists
 *   (floor_inscription.c), and the commands here refuse them;
 * - a person has at most one waiting request;
 * - no more than GV_FLOOR_REQUESTS_PER_ITEM_MAX requests are made on an item;
 * - the list is ordered as floor_policy.c says after every apply.
 *
 * Requests need a running agenda item (inscriptions before it runs are
 * floor_inscription.c's, and join this list when it starts). A closed list
 * (closed by the moderator, or past its automatic closing time) takes only
 * points of order, and the moderator's insertions and re-adding. apply
 * re-checks what decide checked, including the closing time against the
 * event's time, so a damaged log is refused rather than folded into a state
 * decide could not have made.
 */
#include "core/floor_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"

const char *const gv_request_kind_names[GV_REQUEST_KIND_COUNT] = {"intervention", "question",
                                                                  "point_of_order", "reply"};
const char *const gv_request_status_names[GV_REQUEST_STATUS_COUNT] = {
    "waiting", "granted", "withdrawn", "declined", "lapsed", "cancelled"};
const char *const gv_reason_codes[GV_REASON_COUNT] = {"point_of_order",
                                                      "reply",
                                                      "moved",
                                                      "placed",
                                                      "readded",
                                                      "fifo",
                                                      "un_group_statement",
                                                      "un_member_state",
                                                      "un_observer_state",
                                                      "un_intergovernmental",
                                                      "un_other",
                                                      "balanced_first_time",
                                                      "balanced_spoken_before",
                                                      "swapped"};
const char *const gv_budget_by_names[GV_BUDGET_BY_COUNT] = {"group", "delegation"};

/* ---- lifecycle ------------------------------------------------------------------------------ */

void gv__floor_init(gv_floor *f)
{
    memset(f, 0, sizeof *f);
    f->current = -1;
    f->last_ended = -1;
    for (int g = 0; g < GV_FLOOR_GROUPS_MAX; g++)
        f->group_last[g] = -1;
}

void gv__floor_release(gv_floor *f)
{
    for (size_t i = 0; i < f->n_requests; i++) {
        free(f->requests[i].on_behalf_of);
        free(f->requests[i].decline_reason);
    }
    free(f->requests);
    free(f->list);
    free(f->scratch);
    free(f->speeches);
    gv__floor_budgets_release(f);
    free(f->tallies);
    free(f->item_requests);
    free(f->person_last);
    gv__floor_inscriptions_release(f);
    gv__floor_init(f);
}

int gv__floor_ready(gv_meeting *m, gv_error *err)
{
    gv_floor *f = &m->floor;
    if (f->tallies)
        return 0;
    size_t stride = gv__floor_tally_stride(m);
    gv_tally *tallies = calloc((1 + m->n_items) * stride, sizeof *tallies);
    int *item_requests = calloc(m->n_items + 1, sizeof *item_requests);
    int *person_last = malloc((m->n_people + 1) * sizeof *person_last);
    gv_inscriptions *ahead = calloc(m->n_items + 1, sizeof *ahead);
    if (!tallies || !item_requests || !person_last || !ahead) {
        free(tallies);
        free(item_requests);
        free(person_last);
        free(ahead);
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < m->n_items; i++) {
        ahead[i].opens_at_ms = m->items[i].inscription_opens_ms;
        ahead[i].closes_at_ms = m->items[i].inscription_closes_ms;
    }
    for (size_t p = 0; p < m->n_people + 1; p++)
        person_last[p] = -1;
    f->tallies = tallies;
    f->item_requests = item_requests;
    f->person_last = person_last;
    f->ahead = ahead;
    f->n_ahead = m->n_items;
    return 0;
}

void gv__floor_settle(gv_meeting *m)
{
    gv__floor_undo_prune(&m->floor);
    gv__floor_resort(m);
    gv__floor_settle_provisional(m);
}

/* ---- lookups -------------------------------------------------------------------------------- */

int gv__floor_request_find(const gv_floor *f, int64_t id)
{
    size_t lo = 0, hi = f->n_requests;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->requests[mid].id == id)
            return (int)mid;
        if (f->requests[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

int gv__floor_speech_find(const gv_floor *f, int64_t id)
{
    size_t lo = 0, hi = f->n_speeches;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->speeches[mid].id == id)
            return (int)mid;
        if (f->speeches[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

int gv__floor_position(const gv_floor *f, int r)
{
    for (size_t pos = 0; pos < f->n_list; pos++)
        if (f->list[pos] == r)
            return (int)pos;
    return -1;
}

int gv__floor_pending(const gv_floor *f, int person)
{
    for (size_t pos = 0; pos < f->n_list; pos++)
        if (f->requests[f->list[pos]].person == person)
            return f->list[pos];
    return -1;
}

bool gv__floor_is_closed(const gv_floor *f, int64_t now_ms)
{
    return f->closed || (f->closes_at_ms > 0 && now_ms >= f->closes_at_ms);
}

int gv__floor_need_item(const gv_meeting *m, const char *type, gv_error *err)
{
    if (m->current_item < 0)
        return gv_error_refuse(err, GV_ESTATE, "no_item",
                               "no agenda item is running: \"%s\" works on the running item's "
                               "speakers' list; start an item first",
                               type);
    return 0;
}

/* ---- event helpers -------------------------------------------------------------------------- */

int gv__floor_ev_presiding(const gv_meeting *m, const json_t *ev, gv_error *err)
{
    int by = -1;
    if (gv__event_person(m, ev, "by", &by, err) < 0)
        return gv__event_corrupt_field(ev, err);
    if (!(m->people[by].roles & GV_ROLES_PRESIDING))
        return gv__event_corrupt(ev, err, "only the chair or a moderator does this");
    return 0;
}

int gv__floor_cmd_request(const gv_meeting *m, const gv_cmd *c, const char *key, int *out,
                          gv_error *err)
{
    int64_t id = 0;
    int rc = gv__json_int(c->json, key, true, 1, INT64_MAX, &id, err);
    if (rc < 0)
        return rc;
    int r = gv__floor_request_find(&m->floor, id);
    if (r < 0)
        return gv_error_set(err, GV_ENOTFOUND, "there is no floor request %lld (field \"%s\")",
                            (long long)id, key);
    *out = r;
    return 0;
}

int gv__floor_ev_waiting(const gv_meeting *m, const json_t *ev, const char *key, int *out,
                         gv_error *err)
{
    int64_t id = 0;
    if (gv__json_int(ev, key, true, 1, INT64_MAX, &id, err) < 0)
        return gv__event_corrupt_field(ev, err);
    int r = gv__floor_request_find(&m->floor, id);
    if (r < 0)
        return gv__event_corrupt(ev, err, "it names a floor request that does not exist");
    if (m->floor.requests[r].status != GV_REQUEST_WAITING ||
        m->floor.requests[r].item != m->current_item)
        return gv__event_corrupt(ev, err, "the floor request is not waiting on the running list");
    *out = r;
    return 0;
}

int gv__floor_need_listed(const gv_meeting *m, int r, gv_error *err)
{
    const gv_request *q = &m->floor.requests[r];
    if (q->status != GV_REQUEST_WAITING)
        return gv_error_refuse(err, GV_ESTATE, "request_gone",
                               "floor request %lld is no longer waiting: it was %s",
                               (long long)q->id, gv_request_status_names[q->status]);
    if (q->item != m->current_item)
        return gv_error_set(err, GV_ESTATE,
                            "floor request %lld is an inscription on the provisional list of "
                            "\"%s\", which is not running: use the inscription commands until "
                            "it starts",
                            (long long)q->id, m->items[q->item].id);
    return 0;
}

/* "request 12 (intervention), 3rd on the list" for messages. */
static void pending_words(const gv_meeting *m, int r, char *buf, size_t size)
{
    char ord[24];
    const gv_request *q = &m->floor.requests[r];
    gv__floor_ordinal(gv__floor_position(&m->floor, r) + 1, ord, sizeof ord);
    snprintf(buf, size, "request %lld (%s), %s on the list", (long long)q->id,
             gv_request_kind_names[q->kind], ord);
}

/* GV_ESTATE when `person` already waits; the message names their place. */
static int need_no_pending(const gv_meeting *m, const gv_cmd *c, int person, gv_error *err)
{
    int r = gv__floor_pending(&m->floor, person);
    if (r < 0)
        return 0;
    char where[96];
    pending_words(m, r, where, sizeof where);
    if (person == c->actor)
        return gv_error_refuse(err, GV_ESTATE, "already_waiting",
                               "you already have a request for the floor waiting: %s; one at a "
                               "time, withdraw it first to ask again",
                               where);
    return gv_error_refuse(err, GV_ESTATE, "already_waiting",
                           "%s already has a request for the floor waiting: %s; move it instead",
                           m->people[person].id, where);
}

static int need_room_on_item(const gv_meeting *m, gv_error *err)
{
    const gv_floor *f = &m->floor;
    if (f->item_requests && f->item_requests[m->current_item] >= GV_FLOOR_REQUESTS_PER_ITEM_MAX)
        return gv_error_set(err, GV_ELIMIT,
                            "agenda item \"%s\" already had %d requests for the floor, the most "
                            "one item takes",
                            m->items[m->current_item].id, GV_FLOOR_REQUESTS_PER_ITEM_MAX);
    return 0;
}

/* ---- what a request says -------------------------------------------------------------------- */

static bool is_blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' || ch == '\f' || ch == '\v';
}

int gv__floor_read_request_fields(const gv_meeting *m, const json_t *cmd, int person,
                                  gv__req_fields *rf, gv_error *err)
{
    const char *to = NULL, *gq = NULL, *obo = NULL;
    int rc;
    rf->kind = GV_REQUEST_INTERVENTION;
    rf->mode = m->people[person].mode;
    rf->to = -1;
    rf->gq = m->current_question;
    rf->on_behalf_of = NULL;
    rf->on_behalf_len = 0;
    rf->language = NULL;
    if ((rc = gv__json_enum(cmd, "kind", false, gv_request_kind_names, GV_REQUEST_KIND_COUNT,
                            &rf->kind, err)) < 0 ||
        (rc = gv__json_enum(cmd, "mode", false, gv_mode_names, GV_MODE_COUNT, &rf->mode, err)) <
            0 ||
        (rc = gv__json_string(cmd, "to", false, GV_FLOOR_KEY_MAX_BYTES, &to, err)) < 0 ||
        (rc = gv__json_string(cmd, "guiding_question", false, GV_FLOOR_KEY_MAX_BYTES, &gq, err)) <
            0 ||
        (rc = gv__json_string(cmd, "on_behalf_of", false, GV_FLOOR_ON_BEHALF_MAX_BYTES, &obo,
                              err)) < 0 ||
        (rc = gv__json_string(cmd, "language", false, GV_FLOOR_LANGUAGE_MAX_BYTES, &rf->language,
                              err)) < 0)
        return rc;
    if (rf->language && !gv__language_ok(rf->language))
        return gv_error_set(err, GV_EINVAL,
                            "field \"language\": \"%.40s\" is not a language tag: give the "
                            "language you will speak in as a BCP 47 code such as en, fr, ar, "
                            "zh-Hans or pt-BR",
                            rf->language);
    if (to) {
        if (rf->kind != GV_REQUEST_QUESTION)
            return gv_error_set(err, GV_EINVAL,
                                "field \"to\" names the panelist a question is for: it goes only "
                                "with \"kind\": \"question\"");
        if ((rf->to = gv__person_find(m, to)) < 0)
            return gv_error_set(err, GV_ENOTFOUND, "field \"to\": there is no person \"%s\"", to);
        if (!(m->people[rf->to].roles & GV_ROLE_PANELIST))
            return gv_error_set(err, GV_EINVAL,
                                "field \"to\": %s is not a panelist; a question goes to the "
                                "whole panel or to one panelist",
                                to);
    }
    if (gq && (rf->gq = gv__question_def_find(m, gq)) < 0)
        return gv_error_set(err, GV_ENOTFOUND,
                            "field \"guiding_question\": there is no guiding question \"%s\"", gq);
    if (obo) {
        size_t b = 0, e = strlen(obo);
        while (b < e && is_blank(obo[b]))
            b++;
        while (e > b && is_blank(obo[e - 1]))
            e--;
        if (e == b)
            return gv_error_set(err, GV_EINVAL,
                                "field \"on_behalf_of\" is empty: name the group of states, or "
                                "leave the field out");
        if (rf->kind != GV_REQUEST_INTERVENTION)
            return gv_error_set(err, GV_EINVAL,
                                "field \"on_behalf_of\" goes only with a statement (\"kind\": "
                                "\"intervention\")");
        int g = m->people[person].group;
        if (g != GV_GROUP_MEMBER_STATE && g != GV_GROUP_OBSERVER_STATE &&
            g != GV_GROUP_INTERGOVERNMENTAL)
            return gv_error_set(err, GV_EINVAL,
                                "field \"on_behalf_of\": %s speaks for %s, not for a group of "
                                "states; only states and intergovernmental organizations make "
                                "statements on behalf of a group",
                                m->people[person].id, gv_group_names[g]);
        rf->on_behalf_of = obo + b;
        rf->on_behalf_len = e - b;
    }
    return 0;
}

int gv__floor_event_language(json_t *ev, const gv__req_fields *rf, gv_error *err)
{
    if (!rf->language || !rf->language[0])
        return 0;
    return gv__event_set(ev, "language", json_string(rf->language), err);
}

int gv__floor_read_language(const json_t *ev, const char **out, gv_error *err)
{
    *out = NULL;
    if (gv__json_string(ev, "language", false, GV_FLOOR_LANGUAGE_MAX_BYTES, out, err) < 0)
        return gv__event_corrupt_field(ev, err);
    if (*out && !gv__language_ok(*out))
        return gv__event_corrupt(ev, err, "\"language\" must be a language tag");
    return 0;
}

/* Appends floor_requested for `person`; position < 0 for none. */
static int request_event(const gv_meeting *m, const gv_cmd *c, json_t *events, int person,
                         const gv__req_fields *rf, bool inserted, int position, int64_t continues,
                         gv_error *err)
{
    json_t *ev = NULL;
    int rc;
    if ((rc = gv__event_add(m, c, events, "floor_requested", &ev, err)) < 0 ||
        (rc = gv__event_set(ev, "request", json_integer(gv__event_seq(ev)), err)) < 0 ||
        (rc = gv__event_set(ev, "person", json_string(m->people[person].id), err)) < 0 ||
        (rc = gv__event_set(ev, "item", json_string(m->items[m->current_item].id), err)) < 0 ||
        (rc = gv__event_set(ev, "kind", json_string(gv_request_kind_names[rf->kind]), err)) < 0 ||
        (rc = gv__event_set(ev, "mode", json_string(gv_mode_names[rf->mode]), err)) < 0)
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
    if (inserted && (rc = gv__event_set(ev, "inserted", json_true(), err)) < 0)
        return rc;
    if (continues > 0 && ((rc = gv__event_set(ev, "readded", json_true(), err)) < 0 ||
                          (rc = gv__event_set(ev, "continues", json_integer(continues), err)) < 0))
        return rc;
    if (position >= 0 && (rc = gv__event_set(ev, "position", json_integer(position), err)) < 0)
        return rc;
    return 0;
}

/* ---- requests ------------------------------------------------------------------------------- */

static int decide_request(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    static const char *const fields[] = {
        "type", "id", "kind", "to", "guiding_question", "mode", "on_behalf_of", "language", NULL};
    gv__req_fields rf;
    int rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0 ||
        (rc = gv__floor_read_request_fields(m, c->json, c->actor, &rf, err)) < 0 ||
        (rc = gv__floor_need_item(m, c->type, err)) < 0)
        return rc;
    if (rf.kind != GV_REQUEST_POINT_OF_ORDER && gv__floor_is_closed(&m->floor, c->now_ms))
        return gv_error_refuse(err, GV_ESTATE, "list_closed",
                               "the speakers' list of \"%s\" is closed: it takes only points of "
                               "order now; the moderator may still add you",
                               m->items[m->current_item].id);
    if ((rc = need_no_pending(m, c, c->actor, err)) < 0 || (rc = need_room_on_item(m, err)) < 0)
        return rc;
    return request_event(m, c, events, c->actor, &rf, false, -1, 0, err);
}

static int decide_insert(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    static const char *const fields[] = {
        "type", "id",           "person",   "kind",     "to", "guiding_question",
        "mode", "on_behalf_of", "position", "language", NULL};
    const char *id = NULL;
    int64_t position = -1;
    gv__req_fields rf;
    int rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0 ||
        (rc = gv__json_string(c->json, "person", true, GV_FLOOR_KEY_MAX_BYTES, &id, err)) < 0)
        return rc;
    int person = gv__person_find(m, id);
    if (person < 0)
        return gv_error_set(err, GV_ENOTFOUND, "field \"person\": there is no person \"%s\"", id);
    if ((rc = gv__floor_read_request_fields(m, c->json, person, &rf, err)) < 0 ||
        (rc = gv__floor_need_item(m, c->type, err)) < 0 ||
        (rc = gv__json_int(c->json, "position", false, 0, (int64_t)m->floor.n_list, &position,
                           err)) < 0 ||
        (rc = need_no_pending(m, c, person, err)) < 0 || (rc = need_room_on_item(m, err)) < 0)
        return rc;
    return request_event(m, c, events, person, &rf, true, (int)position, 0, err);
}

static int decide_readd(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    static const char *const fields[] = {"type", "id", NULL};
    const gv_floor *f = &m->floor;
    int rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0 ||
        (rc = gv__floor_need_item(m, c->type, err)) < 0)
        return rc;
    if (f->last_ended < 0)
        return gv_error_set(err, GV_ESTATE,
                            "no speech has ended on this agenda item: there is nobody to put "
                            "back on the list");
    const gv_speech *s = &f->speeches[f->last_ended];
    const gv_speech *cur = gv__floor_current(m);
    if (cur && cur->person == s->person)
        return gv_error_set(err, GV_ESTATE, "%s has the floor again already",
                            m->people[s->person].id);
    if ((rc = need_no_pending(m, c, s->person, err)) < 0 || (rc = need_room_on_item(m, err)) < 0)
        return rc;
    /* They continue in the language they spoke in. */
    int asked = s->request ? gv__floor_request_find(f, s->request) : -1;
    gv__req_fields rf = {.kind = s->kind,
                         .mode = s->mode,
                         .to = s->to,
                         .gq = s->guiding_question,
                         .language = asked >= 0 ? f->requests[asked].language : NULL};
    return request_event(m, c, events, s->person, &rf, false, 0, s->id, err);
}

static int apply_requested(gv_meeting *m, const json_t *ev, gv_error *err)
{
    gv_floor *f = &m->floor;
    int64_t id = 0, position = -1, continues = 0;
    const char *item = NULL, *to = NULL, *gq = NULL, *obo = NULL, *language = NULL;
    int person = -1, by = -1, kind = -1, mode = -1, to_i = -1, gq_i = -1, rc;
    bool inserted = false, readded = false;
    if (gv__json_int(ev, "request", true, 1, INT64_MAX, &id, err) < 0 ||
        gv__event_person(m, ev, "person", &person, err) < 0 ||
        gv__event_person(m, ev, "by", &by, err) < 0 ||
        gv__json_string(ev, "item", true, GV_FLOOR_KEY_MAX_BYTES, &item, err) < 0 ||
        gv__json_enum(ev, "kind", true, gv_request_kind_names, GV_REQUEST_KIND_COUNT, &kind, err) <
            0 ||
        gv__json_enum(ev, "mode", true, gv_mode_names, GV_MODE_COUNT, &mode, err) < 0 ||
        gv__json_string(ev, "to", false, GV_FLOOR_KEY_MAX_BYTES, &to, err) < 0 ||
        gv__json_string(ev, "guiding_question", false, GV_FLOOR_KEY_MAX_BYTES, &gq, err) < 0 ||
        gv__json_string(ev, "on_behalf_of", false, GV_FLOOR_ON_BEHALF_MAX_BYTES, &obo, err) < 0 ||
        gv__json_bool(ev, "inserted", false, &inserted, err) < 0 ||
        gv__json_bool(ev, "readded", false, &readded, err) < 0 ||
        gv__json_int(ev, "continues", false, 1, INT64_MAX, &continues, err) < 0 ||
        gv__json_int(ev, "position", false, 0, (int64_t)f->n_list, &position, err) < 0)
        return gv__event_corrupt_field(ev, err);
    if ((rc = gv__floor_read_language(ev, &language, err)) < 0)
        return rc;
    if (id != gv__event_seq(ev))
        return gv__event_corrupt(ev, err,
                                 "a request's id must be the sequence number of its event");
    if (m->current_item < 0 || strcmp(item, m->items[m->current_item].id) != 0)
        return gv__event_corrupt(ev, err, "the request is not on the running agenda item");
    if (to && ((to_i = gv__person_find(m, to)) < 0 || !(m->people[to_i].roles & GV_ROLE_PANELIST) ||
               kind != GV_REQUEST_QUESTION))
        return gv__event_corrupt(ev, err, "\"to\" must name a panelist, for a question");
    if (gq && (gq_i = gv__question_def_find(m, gq)) < 0)
        return gv__event_corrupt(ev, err, "it names a guiding question that does not exist");
    if (obo && (obo[0] == '\0' || is_blank(obo[0]) || is_blank(obo[strlen(obo) - 1]) ||
                kind != GV_REQUEST_INTERVENTION))
        return gv__event_corrupt(ev, err,
                                 "\"on_behalf_of\" must be a trimmed name, on a statement");
    if (inserted && readded)
        return gv__event_corrupt(ev, err, "a request is inserted or re-added, not both");
    if (readded != (continues > 0) || (readded && position != 0))
        return gv__event_corrupt(ev, err, "a re-added request continues a speech, on top");
    if (position >= 0 && !inserted && !readded)
        return gv__event_corrupt(ev, err, "only the moderator places a request at a position");
    if (readded) {
        if (f->last_ended < 0 || f->speeches[f->last_ended].id != continues ||
            f->speeches[f->last_ended].person != person)
            return gv__event_corrupt(ev, err, "a re-added request continues the last speech");
    }
    if ((inserted || readded) && !(m->people[by].roles & GV_ROLES_PRESIDING))
        return gv__event_corrupt(ev, err, "only the chair or the moderator inserts speakers");
    if (!inserted && !readded && by != person)
        return gv__event_corrupt(ev, err, "a person requests the floor only for themselves");
    if (!inserted && !readded && kind != GV_REQUEST_POINT_OF_ORDER &&
        gv__floor_is_closed(f, gv__event_at(ev)))
        return gv__event_corrupt(ev, err, "the list was closed");
    if (gv__floor_pending(f, person) >= 0)
        return gv__event_corrupt(ev, err, "the person already has a request waiting");
    if (f->n_requests > 0 && f->requests[f->n_requests - 1].id >= id)
        return gv__event_corrupt(ev, err, "request ids must grow");
    if ((rc = gv__floor_ready(m, err)) < 0)
        return rc;
    if (f->item_requests[m->current_item] >= GV_FLOOR_REQUESTS_PER_ITEM_MAX)
        return gv__event_corrupt(ev, err, "the item already had the most requests it takes");

    /* Reserve, then change. */
    if ((rc = gv__floor_list_reserve(f, 1, err)) < 0)
        return rc;
    if (GV_ARRAY_RESERVE(f->requests, f->cap_requests, f->n_requests + 1) < 0)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    char *obo_copy = obo ? strdup(obo) : NULL;
    if (obo && !obo_copy)
        return gv_error_set(err, GV_ENOMEM, "out of memory");

    int r = (int)f->n_requests++;
    f->requests[r] = (gv_request){
        .id = id,
        .person = person,
        .by = by,
        .item = m->current_item,
        .kind = kind,
        .mode = mode,
        .to = to_i,
        .guiding_question = gq_i,
        .on_behalf_of = obo_copy,
        .at_ms = gv__event_at(ev),
        .inserted = inserted,
        .readded = readded,
        .pinned = position >= 0,
        .pinned_by = -1,
        .level = (int)m->people[person].level,
        .continues = continues,
        .status = GV_REQUEST_WAITING,
        .reason = readded ? GV_REASON_READDED : GV_REASON_PLACED,
    };
    snprintf(f->requests[r].language, sizeof f->requests[r].language, "%s",
             language ? language : "");
    gv__floor_rank_set(m, &f->requests[r], id);
    f->item_requests[m->current_item]++;
    gv__floor_list_insert(f, position >= 0 ? (size_t)position : gv__floor_entry_slot(f, kind), r);
    if (inserted || readded)
        gv__floor_undo_push(f, &(gv_undo){.seq = id,
                                          .change = readded ? GV_UNDO_READD : GV_UNDO_INSERT,
                                          .request = id});
    gv__floor_settle(m);
    return 0;
}

static int decide_withdraw(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    static const char *const fields[] = {"type", "id", "request", NULL};
    json_t *ev = NULL;
    int r = -1, rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0)
        return rc;
    if (json_object_get(c->json, "request") && !json_is_null(json_object_get(c->json, "request"))) {
        if ((rc = gv__floor_cmd_request(m, c, "request", &r, err)) < 0)
            return rc;
        if (m->floor.requests[r].person != c->actor)
            return gv_error_set(err, GV_EPERM,
                                "floor request %lld is %s's: a person withdraws only their own "
                                "(the moderator may decline it)",
                                (long long)m->floor.requests[r].id,
                                m->people[m->floor.requests[r].person].id);
        if ((rc = gv__floor_need_listed(m, r, err)) < 0)
            return rc;
    } else if ((r = gv__floor_pending(&m->floor, c->actor)) < 0) {
        return gv_error_set(err, GV_ESTATE, "you have no request for the floor waiting");
    }
    if ((rc = gv__event_add(m, c, events, "request_withdrawn", &ev, err)) < 0)
        return rc;
    return gv__event_set(ev, "request", json_integer(m->floor.requests[r].id), err);
}

int gv__floor_leaving(const gv_meeting *m, const gv_cmd *c, int person, json_t *events,
                      gv_error *err)
{
    json_t *ev = NULL;
    int r = gv__floor_pending(&m->floor, person), rc;
    if (r < 0)
        return 0;
    if ((rc = gv__event_add(m, c, events, "request_withdrawn", &ev, err)) < 0 ||
        (rc = gv__event_set(ev, "request", json_integer(m->floor.requests[r].id), err)) < 0)
        return rc;
    return gv__event_set(ev, "leaving", json_true(), err);
}

static int apply_withdrawn(gv_meeting *m, const json_t *ev, gv_error *err)
{
    gv_floor *f = &m->floor;
    int r = -1, by = -1, rc;
    bool leaving = false;
    if ((rc = gv__floor_ev_waiting(m, ev, "request", &r, err)) < 0)
        return rc;
    if (gv__event_person(m, ev, "by", &by, err) < 0 ||
        gv__json_bool(ev, "leaving", false, &leaving, err) < 0)
        return gv__event_corrupt_field(ev, err);
    /* Whoever records someone's leaving withdraws their request with it. */
    if (by != f->requests[r].person &&
        !(leaving && (m->people[by].roles & (GV_ROLE_SECRETARIAT | GV_ROLES_PRESIDING))))
        return gv__event_corrupt(ev, err, "only the person who asked withdraws a request");
    if (leaving && !m->people[f->requests[r].person].present)
        return gv__event_corrupt(ev, err,
                                 "a request withdrawn on leaving needs its person present");
    f->requests[r].status = GV_REQUEST_WITHDRAWN;
    f->requests[r].closed_at_ms = gv__event_at(ev);
    gv__floor_list_remove(f, (size_t)gv__floor_position(f, r));
    gv__floor_settle(m);
    return 0;
}

static int decide_decline(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    static const char *const fields[] = {"type", "id", "request", "reason", NULL};
    const char *reason = NULL;
    json_t *ev = NULL;
    int r = -1, rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0 ||
        (rc = gv__json_string(c->json, "reason", false, GV_FLOOR_REASON_MAX_BYTES, &reason, err)) <
            0 ||
        (rc = gv__floor_cmd_request(m, c, "request", &r, err)) < 0 ||
        (rc = gv__floor_need_listed(m, r, err)) < 0)
        return rc;
    if ((rc = gv__event_add(m, c, events, "request_declined", &ev, err)) < 0 ||
        (rc = gv__event_set(ev, "request", json_integer(m->floor.requests[r].id), err)) < 0)
        return rc;
    if (reason) {
        size_t b = 0, e = strlen(reason);
        while (b < e && is_blank(reason[b]))
            b++;
        while (e > b && is_blank(reason[e - 1]))
            e--;
        if (e > b && (rc = gv__event_set(ev, "reason", json_stringn(reason + b, e - b), err)) < 0)
            return rc;
    }
    return 0;
}

static int apply_declined(gv_meeting *m, const json_t *ev, gv_error *err)
{
    if (gv__floor_ev_presiding(m, ev, err) < 0)
        return GV_ECORRUPT;
    gv_floor *f = &m->floor;
    const char *reason = NULL;
    int r = -1, rc;
    if ((rc = gv__floor_ev_waiting(m, ev, "request", &r, err)) < 0)
        return rc;
    if (gv__json_string(ev, "reason", false, GV_FLOOR_REASON_MAX_BYTES, &reason, err) < 0)
        return gv__event_corrupt_field(ev, err);
    char *copy = reason ? strdup(reason) : NULL;
    if (reason && !copy)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    gv_request *q = &f->requests[r];
    int pos = gv__floor_position(f, r);
    gv__floor_undo_push(f, &(gv_undo){.seq = gv__event_seq(ev),
                                      .change = GV_UNDO_DECLINE,
                                      .request = q->id,
                                      .was_pinned = q->pinned,
                                      .was_at = pos,
                                      .was_reason = q->reason});
    q->status = GV_REQUEST_DECLINED;
    q->closed_at_ms = gv__event_at(ev);
    free(q->decline_reason);
    q->decline_reason = copy;
    gv__floor_list_remove(f, (size_t)pos);
    gv__floor_settle(m);
    return 0;
}

/* ---- moves ---------------------------------------------------------------------------------- */

static int move_to(const gv_meeting *m, const gv_cmd *c, json_t *events, int r, int64_t position,
                   gv_error *err)
{
    const gv_floor *f = &m->floor;
    json_t *ev = NULL;
    int rc;
    if ((rc = gv__floor_need_listed(m, r, err)) < 0)
        return rc;
    if (position >= (int64_t)f->n_list)
        return gv_error_set(err, GV_EINVAL,
                            "field \"position\" is %lld, beyond the end of the list: it has %zu "
                            "entries (positions 0 to %zu)",
                            (long long)position, f->n_list, f->n_list - 1);
    if (f->requests[r].pinned && gv__floor_position(f, r) == position)
        return gv_error_set(err, GV_ESTATE,
                            "floor request %lld already stands at position %lld by the "
                            "moderator's choice",
                            (long long)f->requests[r].id, (long long)position);
    if ((rc = gv__event_add(m, c, events, "request_moved", &ev, err)) < 0 ||
        (rc = gv__event_set(ev, "request", json_integer(f->requests[r].id), err)) < 0)
        return rc;
    return gv__event_set(ev, "position", json_integer(position), err);
}

static int decide_move(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    static const char *const fields[] = {"type", "id", "request", "position", NULL};
    int64_t position = 0;
    int r = -1, rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0 ||
        (rc = gv__floor_cmd_request(m, c, "request", &r, err)) < 0 ||
        (rc = gv__json_int(c->json, "position", true, 0, INT32_MAX, &position, err)) < 0)
        return rc;
    return move_to(m, c, events, r, position, err);
}

static int decide_move_top(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    static const char *const fields[] = {"type", "id", "request", NULL};
    int r = -1, rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0 ||
        (rc = gv__floor_cmd_request(m, c, "request", &r, err)) < 0)
        return rc;
    return move_to(m, c, events, r, 0, err);
}

static int apply_moved(gv_meeting *m, const json_t *ev, gv_error *err)
{
    if (gv__floor_ev_presiding(m, ev, err) < 0)
        return GV_ECORRUPT;
    gv_floor *f = &m->floor;
    int64_t position = 0;
    int r = -1, rc;
    if ((rc = gv__floor_ev_waiting(m, ev, "request", &r, err)) < 0)
        return rc;
    if (gv__json_int(ev, "position", true, 0, (int64_t)f->n_list - 1, &position, err) < 0)
        return gv__event_corrupt_field(ev, err);
    gv_request *q = &f->requests[r];
    int pos = gv__floor_position(f, r);
    gv__floor_undo_push(f, &(gv_undo){.seq = gv__event_seq(ev),
                                      .change = GV_UNDO_MOVE,
                                      .request = q->id,
                                      .was_pinned = q->pinned,
                                      .was_at = pos,
                                      .was_reason = q->reason});
    gv__floor_list_remove(f, (size_t)pos);
    gv__floor_list_insert(f, (size_t)position, r);
    q->pinned = true;
    q->reason = GV_REASON_MOVED;
    gv__floor_settle(m);
    return 0;
}

/* ---- closing -------------------------------------------------------------------------------- */

static int decide_close(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    static const char *const fields[] = {"type", "id", NULL};
    const gv_floor *f = &m->floor;
    int rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0 ||
        (rc = gv__floor_need_item(m, c->type, err)) < 0)
        return rc;
    if (f->closed)
        return gv_error_set(err, GV_ESTATE, "the speakers' list is already closed");
    if (gv__floor_is_closed(f, c->now_ms))
        return gv_error_set(err, GV_ESTATE,
                            "the speakers' list already closed by itself at %lld ms (the item's "
                            "closing time)",
                            (long long)f->closes_at_ms);
    return gv__event_add(m, c, events, "list_closed", NULL, err);
}

static int decide_reopen(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    static const char *const fields[] = {"type", "id", NULL};
    int rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0 ||
        (rc = gv__floor_need_item(m, c->type, err)) < 0)
        return rc;
    if (!gv__floor_is_closed(&m->floor, c->now_ms))
        return gv_error_set(err, GV_ESTATE, "the speakers' list is open");
    return gv__event_add(m, c, events, "list_reopened", NULL, err);
}

static int apply_closed(gv_meeting *m, const json_t *ev, gv_error *err)
{
    if (gv__floor_ev_presiding(m, ev, err) < 0)
        return GV_ECORRUPT;
    gv_floor *f = &m->floor;
    if (m->current_item < 0 || gv__floor_is_closed(f, gv__event_at(ev)))
        return gv__event_corrupt(ev, err, "there is no open list to close");
    gv__floor_undo_push(f, &(gv_undo){.seq = gv__event_seq(ev),
                                      .change = GV_UNDO_CLOSE,
                                      .was_closed = f->closed,
                                      .was_closes_at_ms = f->closes_at_ms});
    f->closed = true;
    gv__floor_settle(m);
    return 0;
}

static int apply_reopened(gv_meeting *m, const json_t *ev, gv_error *err)
{
    if (gv__floor_ev_presiding(m, ev, err) < 0)
        return GV_ECORRUPT;
    gv_floor *f = &m->floor;
    if (m->current_item < 0 || !gv__floor_is_closed(f, gv__event_at(ev)))
        return gv__event_corrupt(ev, err, "there is no closed list to reopen");
    gv__floor_undo_push(f, &(gv_undo){.seq = gv__event_seq(ev),
                                      .change = GV_UNDO_REOPEN,
                                      .was_closed = f->closed,
                                      .was_closes_at_ms = f->closes_at_ms});
    /* Reopening also cancels the automatic closing: the moderator has decided. */
    f->closed = false;
    f->closes_at_ms = 0;
    gv__floor_settle(m);
    return 0;
}

/* ---- tables --------------------------------------------------------------------------------- */

const gv_command_spec gv__floor_commands[] = {
    {"request_floor", GV_ROLES_SPEAKING, decide_request},
    {"withdraw", GV_ROLES_ANY_PERSON, decide_withdraw},
    {"decline", GV_ROLES_PRESIDING, decide_decline},
    {"move_request", GV_ROLES_PRESIDING, decide_move},
    {"move_to_top", GV_ROLES_PRESIDING, decide_move_top},
    {"insert_speaker", GV_ROLES_PRESIDING, decide_insert},
    {"give_floor", GV_ROLES_PRESIDING, gv__floor_decide_give},
    {"next_speaker", GV_ROLES_PRESIDING, gv__floor_decide_next},
    {"close_list", GV_ROLES_PRESIDING, decide_close},
    {"reopen_list", GV_ROLES_PRESIDING, decide_reopen},
    {"undo_list_change", GV_ROLES_PRESIDING, gv__floor_decide_undo},
    {"set_segments", GV_ROLES_PRESIDING, gv__floor_decide_segments},
    {"set_budget", GV_ROLES_PRESIDING, gv__floor_decide_set_budget},
    {"add_budget_time", GV_ROLES_PRESIDING, gv__floor_decide_add_budget},
    {"readd_last_speaker", GV_ROLES_PRESIDING, decide_readd},
    {"set_autopilot", GV_ROLES_PRESIDING, gv__floor_decide_autopilot},
    {"pause_speech", GV_ROLES_PRESIDING, gv__floor_decide_pause},
    {"resume_speech", GV_ROLES_PRESIDING, gv__floor_decide_resume},
    {"extend_speech", GV_ROLES_PRESIDING, gv__floor_decide_extend},
    {"set_speech_limit", GV_ROLES_PRESIDING, gv__floor_decide_set_limit},
    {"end_speech", GV_ROLES_PRESIDING, gv__floor_decide_end},
    {"inscribe", GV_ROLES_SPEAKING, gv__floor_decide_inscribe},
    {"inscribe_speaker", GV_ROLES_PRESIDING | GV_ROLE_SECRETARIAT,
     gv__floor_decide_inscribe_speaker},
    {"withdraw_inscription", GV_ROLES_ANY_PERSON, gv__floor_decide_withdraw_inscription},
    {"move_inscription", GV_ROLES_PRESIDING | GV_ROLE_SECRETARIAT,
     gv__floor_decide_move_inscription},
    {"swap_inscriptions", GV_ROLES_PRESIDING | GV_ROLE_SECRETARIAT, gv__floor_decide_swap},
    {"set_speaker_level", GV_ROLES_ANY_PERSON, gv__floor_decide_set_level},
    {"set_inscription", GV_ROLES_PRESIDING | GV_ROLE_SECRETARIAT, gv__floor_decide_set_inscription},
    {NULL, 0, NULL},
};

const gv_event_spec gv__floor_events[] = {
    {"floor_requested", apply_requested, GV_SECTION_FLOOR},
    {"request_withdrawn", apply_withdrawn, GV_SECTION_FLOOR},
    {"request_declined", apply_declined, GV_SECTION_FLOOR},
    {"request_moved", apply_moved, GV_SECTION_FLOOR},
    {"list_closed", apply_closed, GV_SECTION_FLOOR},
    {"list_reopened", apply_reopened, GV_SECTION_FLOOR},
    {"list_change_undone", gv__floor_apply_undone, GV_SECTION_FLOOR},
    {"floor_given", gv__floor_apply_given, GV_SECTION_FLOOR},
    {"speech_paused", gv__floor_apply_paused, GV_SECTION_FLOOR},
    {"speech_resumed", gv__floor_apply_resumed, GV_SECTION_FLOOR},
    {"speech_extended", gv__floor_apply_extended, GV_SECTION_FLOOR},
    {"speech_limit_set", gv__floor_apply_limit_set, GV_SECTION_FLOOR},
    {"speech_ended", gv__floor_apply_ended, GV_SECTION_FLOOR},
    {"segments_set", gv__floor_apply_segments, GV_SECTION_FLOOR},
    {"budget_set", gv__floor_apply_budget_set, GV_SECTION_FLOOR},
    {"budget_added", gv__floor_apply_budget_added, GV_SECTION_FLOOR},
    {"autopilot_set", gv__floor_apply_autopilot, GV_SECTION_FLOOR},
    {"speaker_inscribed", gv__floor_apply_inscribed, GV_SECTION_FLOOR},
    {"inscription_withdrawn", gv__floor_apply_inscription_withdrawn, GV_SECTION_FLOOR},
    {"inscription_moved", gv__floor_apply_inscription_moved, GV_SECTION_FLOOR},
    {"inscriptions_swapped", gv__floor_apply_swapped, GV_SECTION_FLOOR},
    {"speaker_level_set", gv__floor_apply_level_set, GV_SECTION_FLOOR},
    {"inscription_set", gv__floor_apply_inscription_set, GV_SECTION_FLOOR},
    {NULL, NULL, 0},
};
