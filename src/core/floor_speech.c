/*
 * Speeches: giving the floor, the speaking timer's commands, the autopilot,
 * and what happens to the floor when the agenda item changes.
 *
 * At most one speech is under way (f->current). Its states follow its timer
 * (speech.c):
 *
 *   floor_given --> speaking --speech_paused--> paused --speech_resumed--> speaking
 *   speaking, paused --speech_extended / speech_limit_set--> same state
 *   speaking, paused --speech_ended--> ended
 *   speaking, paused --(agenda item ends)--> ended, ended_with_item
 *
 * Giving the floor on a request grants it (it leaves the list). Giving it to
 * a person who has a request waiting grants that request; to anyone else it
 * starts a speech without a request. next_speaker gives the floor to whoever
 * is next in line (gv__floor_next): a point of order, a right of reply or a
 * place the moderator chose at the head of the list first, then the item's
 * planned speakers who have not spoken on it, in their order, then the list.
 *
 * give_floor and next_speaker while someone speaks end that speech first: the
 * chair's one action changes the speaker (speech_ended, then floor_given).
 * Their optional "speech" names the speech the sender saw under way (null:
 * nobody), so that a console out of date or a button pressed twice is refused
 * instead of ending a speech its sender never saw. With the autopilot on,
 * end_speech emits speech_ended and then floor_given for the next in line.
 * The order of the list does not depend on whether a speech has ended (only
 * on who has had the floor), so the speaker decide picks before
 * speech_ended is the one the state shows after it.
 *
 * Limits: a speech gets its item's limit and warning unless the moderator
 * gives others. A limit without a warning keeps the item's distance between
 * warning and end. A speech that continues one ended by mistake gets the time
 * that speech had left.
 */
#include "core/floor_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"

/* When the agenda says nothing: interventions of 3 minutes, warned at 2. */
#define DEFAULT_LIMIT_MS   (3 * 60 * 1000)
#define DEFAULT_WARNING_MS (2 * 60 * 1000)

void gv__floor_default_limit(const gv_meeting *m, int item, int64_t *limit_ms, int64_t *warning_ms)
{
    const gv_item *it = &m->items[item];
    int64_t limit = it->limit_ms > 0 ? it->limit_ms : DEFAULT_LIMIT_MS;
    int64_t warning = it->limit_ms > 0 ? it->warning_ms : DEFAULT_WARNING_MS;
    if (limit > GV_TIMER_MAX_MS)
        limit = GV_TIMER_MAX_MS;
    if (warning < 0 || warning > limit)
        warning = limit;
    *limit_ms = limit;
    *warning_ms = warning;
}

const gv_speech *gv__floor_current(const gv_meeting *m)
{
    return m->floor.current >= 0 ? &m->floor.speeches[m->floor.current] : NULL;
}

/* ---- giving the floor ----------------------------------------------------------------------- */

/*
 * The command's optional "speech": the speech its sender saw under way, or
 * null for nobody. GV_ESTATE ("floor_changed") when the floor has changed
 * since; without the field, nothing is checked.
 */
static int check_seen(const gv_meeting *m, const gv_cmd *c, gv_error *err)
{
    const json_t *v = json_object_get(c->json, "speech");
    const gv_speech *s = gv__floor_current(m);
    int64_t seen = 0;
    int rc;
    if (!v)
        return 0;
    if (!json_is_null(v) &&
        (rc = gv__json_int(c->json, "speech", true, 1, INT64_MAX, &seen, err)) < 0)
        return rc;
    if (seen == (s ? s->id : 0))
        return 0;
    if (s)
        return gv_error_refuse(err, GV_ESTATE, "floor_changed",
                               "%s (%s) has the floor now (speech %lld), not what the command "
                               "saw: look at the floor again and repeat the command",
                               m->people[s->person].name, m->people[s->person].id,
                               (long long)s->id);
    return gv_error_refuse(err, GV_ESTATE, "floor_changed",
                           "speech %lld has ended and nobody has the floor now: look at the "
                           "floor again and repeat the command",
                           (long long)seen);
}

static int end_current(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err);

/* What a floor_given says. */
typedef struct give {
    int person;
    int request; /** index, -1 when given directly */
    int kind, mode, to, gq;
    int64_t limit_ms, warning_ms, answer_to, continues;
} give;

/* Fills the limit of g: the command's, else what the item (or the speech continued) gives. */
static int give_limits(const gv_meeting *m, const gv_cmd *c, give *g, gv_error *err)
{
    int64_t limit = 0, warning = 0, cmd_limit = -1, cmd_warning = -1;
    int rc;
    gv__floor_default_limit(m, m->current_item, &limit, &warning);
    if (g->continues > 0) {
        const gv_speech *s = &m->floor.speeches[gv__floor_speech_find(&m->floor, g->continues)];
        int64_t spoken = gv_timer_elapsed_ms(&s->timer, 0);
        if (s->timer.limit_ms - spoken > 0) {
            limit = s->timer.limit_ms - spoken;
            warning = s->timer.warning_ms - spoken > 0 ? s->timer.warning_ms - spoken : 0;
        }
    }
    if (c &&
        ((rc = gv__json_int(c->json, "limit_ms", false, 1, GV_TIMER_MAX_MS, &cmd_limit, err)) < 0 ||
         (rc = gv__json_int(c->json, "warning_ms", false, 0, GV_TIMER_MAX_MS, &cmd_warning, err)) <
             0))
        return rc;
    if (cmd_limit > 0) {
        int64_t before_end = limit - warning;
        warning = cmd_limit - before_end > 0 ? cmd_limit - before_end : 0;
        limit = cmd_limit;
    }
    if (cmd_warning >= 0) {
        if (cmd_warning > limit)
            return gv_error_set(err, GV_EINVAL,
                                "field \"warning_ms\" is %lld, after the limit of %lld ms: the "
                                "warning comes before the end",
                                (long long)cmd_warning, (long long)limit);
        warning = cmd_warning;
    }
    g->limit_ms = limit;
    g->warning_ms = warning;
    return 0;
}

/* Fills g from waiting request r. */
static void give_from_request(const gv_meeting *m, int r, give *g)
{
    const gv_request *q = &m->floor.requests[r];
    g->person = q->person;
    g->request = r;
    g->kind = q->kind;
    g->mode = q->mode;
    g->to = q->to;
    g->gq = q->guiding_question;
    g->continues = q->continues;
}

static int give_event(const gv_meeting *m, const gv_cmd *c, json_t *events, const give *g,
                      gv_error *err)
{
    const gv_floor *f = &m->floor;
    json_t *ev = NULL;
    int rc;
    if (f->n_speeches >= GV_FLOOR_SPEECHES_MAX)
        return gv_error_set(err, GV_ELIMIT,
                            "this meeting already has %d speeches, the most it keeps",
                            GV_FLOOR_SPEECHES_MAX);
    if ((rc = gv__event_add(m, c, events, "floor_given", &ev, err)) < 0 ||
        (rc = gv__event_set(ev, "speech", json_integer(gv__event_seq(ev)), err)) < 0 ||
        (rc = gv__event_set(ev, "person", json_string(m->people[g->person].id), err)) < 0 ||
        (rc = gv__event_set(ev, "item", json_string(m->items[m->current_item].id), err)) < 0 ||
        (rc = gv__event_set(ev, "kind", json_string(gv_request_kind_names[g->kind]), err)) < 0 ||
        (rc = gv__event_set(ev, "mode", json_string(gv_mode_names[g->mode]), err)) < 0 ||
        (rc = gv__event_set(ev, "limit_ms", json_integer(g->limit_ms), err)) < 0 ||
        (rc = gv__event_set(ev, "warning_ms", json_integer(g->warning_ms), err)) < 0)
        return rc;
    if (g->request >= 0 &&
        (rc = gv__event_set(ev, "request", json_integer(f->requests[g->request].id), err)) < 0)
        return rc;
    if (g->to >= 0 && (rc = gv__event_set(ev, "to", json_string(m->people[g->to].id), err)) < 0)
        return rc;
    if (g->gq >= 0 && (rc = gv__event_set(ev, "guiding_question",
                                          json_string(m->questions_def[g->gq].id), err)) < 0)
        return rc;
    if (g->answer_to > 0 &&
        (rc = gv__event_set(ev, "answer_to", json_integer(g->answer_to), err)) < 0)
        return rc;
    if (g->continues > 0 &&
        (rc = gv__event_set(ev, "continues", json_integer(g->continues), err)) < 0)
        return rc;
    return 0;
}

/* A field given with a request must agree with it. */
static int same_as_request(const json_t *cmd, const char *key, const char *const *names, int n,
                           int value, gv_error *err)
{
    int given = value, rc = gv__json_enum(cmd, key, false, names, n, &given, err);
    if (rc < 0)
        return rc;
    if (given != value)
        return gv_error_set(err, GV_EINVAL,
                            "field \"%s\" is \"%s\" but the waiting request says \"%s\"; leave it "
                            "out to give the floor on the request",
                            key, names[given], names[value]);
    return 0;
}

int gv__floor_decide_give(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    static const char *const fields[] = {"type",     "id",     "request",    "person",
                                         "limit_ms", "speech", "warning_ms", "answer_to",
                                         "kind",     "mode",   NULL};
    const gv_floor *f = &m->floor;
    const char *pid = NULL;
    int64_t answer_to = 0;
    give g = {.request = -1, .to = -1, .gq = m->current_question};
    int rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0 ||
        (rc = gv__json_string(c->json, "person", false, GV_FLOOR_KEY_MAX_BYTES, &pid, err)) < 0 ||
        (rc = gv__json_int(c->json, "answer_to", false, 1, INT64_MAX, &answer_to, err)) < 0)
        return rc;
    bool has_request =
        json_object_get(c->json, "request") && !json_is_null(json_object_get(c->json, "request"));
    if (has_request == (pid != NULL))
        return gv_error_set(err, GV_EINVAL,
                            "give_floor names either a \"request\" or a \"person\", not %s",
                            has_request ? "both" : "neither");
    if ((rc = gv__floor_need_item(m, c->type, err)) < 0 || (rc = check_seen(m, c, err)) < 0)
        return rc;
    if (has_request) {
        int r = -1;
        if ((rc = gv__floor_cmd_request(m, c, "request", &r, err)) < 0)
            return rc;
        if ((rc = gv__floor_need_listed(m, r, err)) < 0)
            return rc;
        give_from_request(m, r, &g);
    } else {
        int p = gv__person_find(m, pid);
        if (p < 0)
            return gv_error_set(err, GV_ENOTFOUND, "field \"person\": there is no person \"%s\"",
                                pid);
        int r = gv__floor_pending(f, p);
        if (r >= 0) {
            give_from_request(m, r, &g);
        } else {
            g.person = p;
            g.kind = GV_REQUEST_INTERVENTION;
            g.mode = m->people[p].mode;
            if ((rc = gv__json_enum(c->json, "kind", false, gv_request_kind_names,
                                    GV_REQUEST_KIND_COUNT, &g.kind, err)) < 0 ||
                (rc = gv__json_enum(c->json, "mode", false, gv_mode_names, GV_MODE_COUNT, &g.mode,
                                    err)) < 0)
                return rc;
        }
    }
    if (g.request >= 0 &&
        ((rc = same_as_request(c->json, "kind", gv_request_kind_names, GV_REQUEST_KIND_COUNT,
                               g.kind, err)) < 0 ||
         (rc = same_as_request(c->json, "mode", gv_mode_names, GV_MODE_COUNT, g.mode, err)) < 0))
        return rc;
    if (answer_to > 0) {
        if (gv__floor_speech_find(f, answer_to) < 0)
            return gv_error_set(err, GV_ENOTFOUND,
                                "field \"answer_to\": there is no speech %lld to answer",
                                (long long)answer_to);
        g.answer_to = answer_to;
    }
    const gv_speech *cur = gv__floor_current(m);
    if (cur && cur->person == g.person)
        return gv_error_refuse(
            err, GV_ESTATE, "already_speaking", "%s (%s) has the floor already (speech %lld)",
            m->people[g.person].name, m->people[g.person].id, (long long)cur->id);
    if ((rc = give_limits(m, c, &g, err)) < 0 || (rc = end_current(m, c, events, err)) < 0)
        return rc;
    return give_event(m, c, events, &g, err);
}

bool gv__floor_heard(const gv_floor *f, int p, int item)
{
    for (size_t i = f->n_speeches; i-- > 0;)
        if (f->speeches[i].person == p && f->speeches[i].item == item)
            return true;
    return false;
}

bool gv__floor_before_planned(const gv_request *q)
{
    return q->kind == GV_REQUEST_POINT_OF_ORDER || q->kind == GV_REQUEST_REPLY || q->pinned;
}

bool gv__floor_next(const gv_meeting *m, int *person, int *request)
{
    const gv_floor *f = &m->floor;
    *person = *request = -1;
    if (m->current_item < 0)
        return false;
    if (f->n_list > 0 && gv__floor_before_planned(&f->requests[f->list[0]])) {
        *request = f->list[0];
    } else {
        const gv_item *it = &m->items[m->current_item];
        for (size_t i = 0; i < it->n_speakers && *person < 0; i++)
            if (!gv__floor_heard(f, it->speakers[i], m->current_item))
                *person = it->speakers[i];
        if (*person >= 0)
            *request = gv__floor_pending(f, *person);
        else if (f->n_list > 0)
            *request = f->list[0];
    }
    if (*request >= 0)
        *person = f->requests[*request].person;
    return *person >= 0;
}

/* Who next_speaker and the autopilot give the floor to; false if nobody. */
static bool next_in_line(const gv_meeting *m, give *g)
{
    int p = -1, r = -1;
    *g = (give){.request = -1, .to = -1, .gq = m->current_question};
    if (!gv__floor_next(m, &p, &r))
        return false;
    if (r >= 0) {
        give_from_request(m, r, g);
    } else {
        g->person = p;
        g->kind = GV_REQUEST_INTERVENTION;
        g->mode = m->people[p].mode;
    }
    return true;
}

int gv__floor_decide_next(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    static const char *const fields[] = {"type", "id", "speech", NULL};
    give g;
    int rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0 ||
        (rc = gv__floor_need_item(m, c->type, err)) < 0 || (rc = check_seen(m, c, err)) < 0)
        return rc;
    if (!next_in_line(m, &g))
        return gv_error_refuse(err, GV_ESTATE, "nobody_next",
                               "the speakers' list is empty and every planned speaker of this "
                               "item has spoken: there is no next speaker%s",
                               gv__floor_current(m) ? " (end_speech ends the speech under way)"
                                                    : "");
    if ((rc = give_limits(m, NULL, &g, err)) < 0 || (rc = end_current(m, c, events, err)) < 0)
        return rc;
    return give_event(m, c, events, &g, err);
}

int gv__floor_apply_given(gv_meeting *m, const json_t *ev, gv_error *err)
{
    if (gv__floor_ev_presiding(m, ev, err) < 0)
        return GV_ECORRUPT;
    gv_floor *f = &m->floor;
    int64_t id = 0, limit = 0, warning = 0, request = 0, answer_to = 0, continues = 0;
    const char *item = NULL, *to = NULL, *gq = NULL;
    int person = -1, kind = -1, mode = -1, to_i = -1, gq_i = -1, r = -1, rc;
    if (gv__json_int(ev, "speech", true, 1, INT64_MAX, &id, err) < 0 ||
        gv__event_person(m, ev, "person", &person, err) < 0 ||
        gv__json_string(ev, "item", true, GV_FLOOR_KEY_MAX_BYTES, &item, err) < 0 ||
        gv__json_enum(ev, "kind", true, gv_request_kind_names, GV_REQUEST_KIND_COUNT, &kind, err) <
            0 ||
        gv__json_enum(ev, "mode", true, gv_mode_names, GV_MODE_COUNT, &mode, err) < 0 ||
        gv__json_int(ev, "limit_ms", true, 1, GV_TIMER_MAX_MS, &limit, err) < 0 ||
        gv__json_int(ev, "warning_ms", true, 0, limit, &warning, err) < 0 ||
        gv__json_int(ev, "request", false, 1, INT64_MAX, &request, err) < 0 ||
        gv__json_string(ev, "to", false, GV_FLOOR_KEY_MAX_BYTES, &to, err) < 0 ||
        gv__json_string(ev, "guiding_question", false, GV_FLOOR_KEY_MAX_BYTES, &gq, err) < 0 ||
        gv__json_int(ev, "answer_to", false, 1, INT64_MAX, &answer_to, err) < 0 ||
        gv__json_int(ev, "continues", false, 1, INT64_MAX, &continues, err) < 0)
        return gv__event_corrupt_field(ev, err);
    if (id != gv__event_seq(ev))
        return gv__event_corrupt(ev, err, "a speech's id must be the sequence number of its event");
    if (m->current_item < 0 || strcmp(item, m->items[m->current_item].id) != 0)
        return gv__event_corrupt(ev, err, "the speech is not on the running agenda item");
    if (f->current >= 0)
        return gv__event_corrupt(ev, err, "someone else has the floor");
    if (f->n_speeches >= GV_FLOOR_SPEECHES_MAX ||
        (f->n_speeches > 0 && f->speeches[f->n_speeches - 1].id >= id))
        return gv__event_corrupt(ev, err, "speech ids must grow, within the meeting's bound");
    if (request > 0) {
        if ((rc = gv__floor_ev_waiting(m, ev, "request", &r, err)) < 0)
            return rc;
        const gv_request *q = &f->requests[r];
        if (q->person != person || q->kind != kind || q->mode != mode || q->continues != continues)
            return gv__event_corrupt(ev, err, "the speech does not match its request");
    } else if (continues > 0) {
        return gv__event_corrupt(ev, err, "only a re-added request continues a speech");
    }
    if (to && ((to_i = gv__person_find(m, to)) < 0 || !(m->people[to_i].roles & GV_ROLE_PANELIST)))
        return gv__event_corrupt(ev, err, "\"to\" must name a panelist");
    if (gq && (gq_i = gv__question_def_find(m, gq)) < 0)
        return gv__event_corrupt(ev, err, "it names a guiding question that does not exist");
    if (answer_to > 0 && gv__floor_speech_find(f, answer_to) < 0)
        return gv__event_corrupt(ev, err, "it answers a speech that does not exist");
    if (continues > 0 && gv__floor_speech_find(f, continues) < 0)
        return gv__event_corrupt(ev, err, "it continues a speech that does not exist");
    gv_speech s = {.id = id,
                   .person = person,
                   .item = m->current_item,
                   .kind = kind,
                   .mode = mode,
                   .request = request,
                   .to = to_i,
                   .guiding_question = gq_i,
                   .answer_to = answer_to,
                   .continues = continues};
    if (gv_timer_start(&s.timer, gv__event_at(ev), limit, warning, err) < 0)
        return gv__event_corrupt_field(ev, err);
    if ((rc = gv__floor_ready(m, err)) < 0)
        return rc;
    if (GV_ARRAY_RESERVE(f->speeches, f->cap_speeches, f->n_speeches + 1) < 0)
        return gv_error_set(err, GV_ENOMEM, "out of memory");

    int i = (int)f->n_speeches++;
    f->speeches[i] = s;
    f->current = i;
    f->person_last[person] = i;
    f->group_last[m->people[person].group] = i;
    if (r >= 0) {
        f->requests[r].status = GV_REQUEST_GRANTED;
        f->requests[r].speech = id;
        f->requests[r].closed_at_ms = gv__event_at(ev);
        gv__floor_list_remove(f, (size_t)gv__floor_position(f, r));
    }
    gv__floor_settle(m);
    return 0;
}

/* ---- the timer's commands ------------------------------------------------------------------- */

/* The speech under way, checked against the command's optional "speech". */
static int cmd_current(const gv_meeting *m, const gv_cmd *c, const char *const *fields,
                       gv_timer *copy, gv_error *err)
{
    int64_t id = 0;
    int rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0 ||
        (rc = gv__json_int(c->json, "speech", false, 1, INT64_MAX, &id, err)) < 0)
        return rc;
    const gv_speech *s = gv__floor_current(m);
    if (!s) {
        gv_error_refuse(err, GV_ESTATE, "nobody_speaking",
                        "nobody has the floor: there is no speech to %s", c->type);
        return GV_ESTATE;
    }
    if (id > 0 && id != s->id) {
        gv_error_refuse(err, GV_ESTATE, "floor_changed",
                        "speech %lld is not under way (speech %lld by %s is); the console may be "
                        "out of date",
                        (long long)id, (long long)s->id, m->people[s->person].id);
        return GV_ESTATE;
    }
    *copy = s->timer;
    return 0;
}

/* Appends an event about the current speech; *out is the event. */
static int speech_event(const gv_meeting *m, const gv_cmd *c, json_t *events, const char *type,
                        json_t **out, gv_error *err)
{
    int rc = gv__event_add(m, c, events, type, out, err);
    return rc < 0 ? rc : gv__event_set(*out, "speech", json_integer(gv__floor_current(m)->id), err);
}

int gv__floor_decide_pause(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    static const char *const fields[] = {"type", "id", "speech", NULL};
    gv_timer t;
    json_t *ev = NULL;
    int rc;
    if ((rc = cmd_current(m, c, fields, &t, err)) < 0 ||
        (rc = gv_timer_pause(&t, c->now_ms, err)) < 0)
        return rc;
    return speech_event(m, c, events, "speech_paused", &ev, err);
}

int gv__floor_decide_resume(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    static const char *const fields[] = {"type", "id", "speech", NULL};
    gv_timer t;
    json_t *ev = NULL;
    int rc;
    if ((rc = cmd_current(m, c, fields, &t, err)) < 0)
        return rc;
    int64_t paused_at = t.paused_at_ms;
    if ((rc = gv_timer_resume(&t, c->now_ms, err)) < 0 ||
        (rc = speech_event(m, c, events, "speech_resumed", &ev, err)) < 0)
        return rc;
    return gv__event_set(ev, "paused_ms", json_integer(c->now_ms - paused_at), err);
}

int gv__floor_decide_extend(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    static const char *const fields[] = {"type", "id", "speech", "added_ms", NULL};
    gv_timer t;
    int64_t added = 0;
    json_t *ev = NULL;
    int rc;
    if ((rc = cmd_current(m, c, fields, &t, err)) < 0 ||
        (rc = gv__json_int(c->json, "added_ms", true, 1, GV_TIMER_MAX_MS, &added, err)) < 0 ||
        (rc = gv_timer_extend(&t, c->now_ms, added, err)) < 0 ||
        (rc = speech_event(m, c, events, "speech_extended", &ev, err)) < 0 ||
        (rc = gv__event_set(ev, "added_ms", json_integer(added), err)) < 0 ||
        (rc = gv__event_set(ev, "limit_ms", json_integer(t.limit_ms), err)) < 0)
        return rc;
    return gv__event_set(ev, "warning_ms", json_integer(t.warning_ms), err);
}

int gv__floor_decide_set_limit(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    static const char *const fields[] = {"type", "id", "speech", "limit_ms", "warning_ms", NULL};
    gv_timer t;
    int64_t limit = 0, warning = -1;
    json_t *ev = NULL;
    int rc;
    if ((rc = cmd_current(m, c, fields, &t, err)) < 0 ||
        (rc = gv__json_int(c->json, "limit_ms", true, 1, GV_TIMER_MAX_MS, &limit, err)) < 0 ||
        (rc = gv__json_int(c->json, "warning_ms", false, 0, GV_TIMER_MAX_MS, &warning, err)) < 0)
        return rc;
    if (warning < 0) {
        int64_t before_end = t.limit_ms - t.warning_ms;
        warning = limit - before_end > 0 ? limit - before_end : 0;
    }
    if (limit == t.limit_ms && warning == t.warning_ms)
        return gv_error_set(err, GV_ESTATE, "the speech already has this limit and warning");
    if ((rc = gv_timer_set_limit(&t, c->now_ms, limit, warning, err)) < 0 ||
        (rc = speech_event(m, c, events, "speech_limit_set", &ev, err)) < 0 ||
        (rc = gv__event_set(ev, "limit_ms", json_integer(limit), err)) < 0)
        return rc;
    return gv__event_set(ev, "warning_ms", json_integer(warning), err);
}

/* Appends speech_ended for the speech under way, whose timer t is a copy. */
static int ended_event(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_timer t,
                       gv_error *err)
{
    json_t *ev = NULL;
    int rc;
    if ((rc = gv_timer_end(&t, c->now_ms, err)) < 0 ||
        (rc = speech_event(m, c, events, "speech_ended", &ev, err)) < 0 ||
        (rc = gv__event_set(ev, "spoken_ms", json_integer(gv_timer_elapsed_ms(&t, c->now_ms)),
                            err)) < 0)
        return rc;
    return gv__event_set(ev, "overtime_ms", json_integer(gv_timer_overtime_ms(&t, c->now_ms)), err);
}

/* Appends speech_ended for the speech under way, if there is one. */
static int end_current(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    const gv_speech *s = gv__floor_current(m);
    return s ? ended_event(m, c, events, s->timer, err) : 0;
}

int gv__floor_decide_end(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    static const char *const fields[] = {"type", "id", "speech", NULL};
    gv_timer t;
    give g;
    int rc;
    if ((rc = cmd_current(m, c, fields, &t, err)) < 0 ||
        (rc = ended_event(m, c, events, t, err)) < 0)
        return rc;
    if (!m->floor.autopilot || !next_in_line(m, &g))
        return 0;
    if ((rc = give_limits(m, NULL, &g, err)) < 0)
        return rc;
    return give_event(m, c, events, &g, err);
}

/* The speech an event is about, which must be the one under way; NULL (a
 * damaged event, GV_ECORRUPT in err) otherwise. */
static gv_speech *ev_current(gv_meeting *m, const json_t *ev, gv_error *err)
{
    int64_t id = 0;
    if (gv__json_int(ev, "speech", true, 1, INT64_MAX, &id, err) < 0) {
        gv__event_corrupt_field(ev, err);
        return NULL;
    }
    if (m->floor.current < 0 || m->floor.speeches[m->floor.current].id != id) {
        gv__event_corrupt(ev, err, "that speech is not under way");
        return NULL;
    }
    return &m->floor.speeches[m->floor.current];
}

int gv__floor_apply_paused(gv_meeting *m, const json_t *ev, gv_error *err)
{
    if (gv__floor_ev_presiding(m, ev, err) < 0)
        return GV_ECORRUPT;
    gv_speech *s = ev_current(m, ev, err);
    if (!s)
        return GV_ECORRUPT;
    if (gv_timer_pause(&s->timer, gv__event_at(ev), err) < 0)
        return gv__event_corrupt_field(ev, err);
    return 0;
}

int gv__floor_apply_resumed(gv_meeting *m, const json_t *ev, gv_error *err)
{
    if (gv__floor_ev_presiding(m, ev, err) < 0)
        return GV_ECORRUPT;
    gv_speech *s = ev_current(m, ev, err);
    int64_t paused = 0;
    if (!s)
        return GV_ECORRUPT;
    if (gv__json_int(ev, "paused_ms", true, 0, INT64_MAX, &paused, err) < 0)
        return gv__event_corrupt_field(ev, err);
    if (!s->timer.paused || gv__event_at(ev) - s->timer.paused_at_ms != paused)
        return gv__event_corrupt(ev, err, "the pause it ends does not match");
    if (gv_timer_resume(&s->timer, gv__event_at(ev), err) < 0)
        return gv__event_corrupt_field(ev, err);
    return 0;
}

int gv__floor_apply_extended(gv_meeting *m, const json_t *ev, gv_error *err)
{
    if (gv__floor_ev_presiding(m, ev, err) < 0)
        return GV_ECORRUPT;
    gv_speech *s = ev_current(m, ev, err);
    int64_t added = 0, limit = 0, warning = 0;
    if (!s)
        return GV_ECORRUPT;
    if (gv__json_int(ev, "added_ms", true, 1, GV_TIMER_MAX_MS, &added, err) < 0 ||
        gv__json_int(ev, "limit_ms", true, 1, GV_TIMER_MAX_MS, &limit, err) < 0 ||
        gv__json_int(ev, "warning_ms", true, 0, GV_TIMER_MAX_MS, &warning, err) < 0)
        return gv__event_corrupt_field(ev, err);
    gv_timer t = s->timer;
    if (gv_timer_extend(&t, gv__event_at(ev), added, err) < 0)
        return gv__event_corrupt_field(ev, err);
    if (t.limit_ms != limit || t.warning_ms != warning)
        return gv__event_corrupt(ev, err, "the limit it gives does not match the extension");
    s->timer = t;
    return 0;
}

int gv__floor_apply_limit_set(gv_meeting *m, const json_t *ev, gv_error *err)
{
    if (gv__floor_ev_presiding(m, ev, err) < 0)
        return GV_ECORRUPT;
    gv_speech *s = ev_current(m, ev, err);
    int64_t limit = 0, warning = 0;
    if (!s)
        return GV_ECORRUPT;
    if (gv__json_int(ev, "limit_ms", true, 1, GV_TIMER_MAX_MS, &limit, err) < 0 ||
        gv__json_int(ev, "warning_ms", true, 0, GV_TIMER_MAX_MS, &warning, err) < 0)
        return gv__event_corrupt_field(ev, err);
    if (gv_timer_set_limit(&s->timer, gv__event_at(ev), limit, warning, err) < 0)
        return gv__event_corrupt_field(ev, err);
    return 0;
}

int gv__floor_apply_ended(gv_meeting *m, const json_t *ev, gv_error *err)
{
    if (gv__floor_ev_presiding(m, ev, err) < 0)
        return GV_ECORRUPT;
    gv_speech *s = ev_current(m, ev, err);
    int64_t spoken = 0, overtime = 0, at = gv__event_at(ev);
    if (!s)
        return GV_ECORRUPT;
    if (gv__json_int(ev, "spoken_ms", true, 0, INT64_MAX, &spoken, err) < 0 ||
        gv__json_int(ev, "overtime_ms", true, 0, INT64_MAX, &overtime, err) < 0)
        return gv__event_corrupt_field(ev, err);
    gv_timer t = s->timer;
    if (gv_timer_end(&t, at, err) < 0)
        return gv__event_corrupt_field(ev, err);
    if (gv_timer_elapsed_ms(&t, at) != spoken || gv_timer_overtime_ms(&t, at) != overtime)
        return gv__event_corrupt(ev, err, "the time spoken it records does not match the timer");
    s->timer = t;
    gv__floor_tally_speech(m, s);
    m->floor.last_ended = m->floor.current;
    m->floor.current = -1;
    gv__floor_settle(m);
    return 0;
}

/* ---- autopilot ------------------------------------------------------------------------------ */

int gv__floor_decide_autopilot(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    static const char *const fields[] = {"type", "id", "on", NULL};
    bool on = false;
    json_t *ev = NULL;
    int rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0 ||
        (rc = gv__json_bool(c->json, "on", true, &on, err)) < 0)
        return rc;
    if (on == m->floor.autopilot)
        return gv_error_set(err, GV_ESTATE, "the autopilot is already %s", on ? "on" : "off");
    if ((rc = gv__event_add(m, c, events, "autopilot_set", &ev, err)) < 0)
        return rc;
    return gv__event_set(ev, "on", json_boolean(on), err);
}

int gv__floor_apply_autopilot(gv_meeting *m, const json_t *ev, gv_error *err)
{
    if (gv__floor_ev_presiding(m, ev, err) < 0)
        return GV_ECORRUPT;
    bool on = false;
    if (gv__json_bool(ev, "on", true, &on, err) < 0)
        return gv__event_corrupt_field(ev, err);
    m->floor.autopilot = on;
    return 0;
}

/* ---- the agenda item changes ---------------------------------------------------------------- */

void gv__floor_item_changed(gv_meeting *m, int64_t at_ms)
{
    gv_floor *f = &m->floor;
    if (f->current >= 0) {
        gv_speech *s = &f->speeches[f->current];
        int64_t at = at_ms < s->timer.last_at_ms ? s->timer.last_at_ms : at_ms;
        gv_timer_end(&s->timer, at, NULL);
        s->ended_with_item = true;
        gv__floor_tally_speech(m, s);
        f->current = -1;
    }
    for (size_t pos = 0; pos < f->n_list; pos++) {
        gv_request *q = &f->requests[f->list[pos]];
        q->status = GV_REQUEST_LAPSED;
        q->closed_at_ms = at_ms;
    }
    f->n_list = 0;
    f->n_undo = 0;
    f->last_ended = -1;
    f->closed = false;
    f->closes_at_ms = 0;
    f->segments_at_ms = 0;
    f->floor_ms = 0;
    f->replies_ms = 0;
    if (m->current_item >= 0 && m->items[m->current_item].list_closes_after_ms > 0)
        f->closes_at_ms = at_ms + m->items[m->current_item].list_closes_after_ms;
    gv__floor_carry_inscriptions(m, at_ms);
}
