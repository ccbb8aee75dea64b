/*
 * The agenda as held, attendance and notes: the meeting's status, which item
 * runs, which guiding question is under discussion, who is present, and the
 * notes kept for the outcome.
 *
 * The meeting's status:
 *
 *   scheduled --meeting_opened--> open --meeting_closed--> closed
 *
 * While open, one agenda item at most runs (m->current_item):
 *
 *   none --item_started--> running --item_ended--> none
 *
 * decide_start_item emits item_ended for the running item before
 * item_started, and decide_close_meeting emits item_ended before
 * meeting_closed, so apply never has to end an item implicitly. In the same
 * way a change of item (start_item, end_item) emits guiding_question_set
 * null when a guiding question is under discussion, and start_item may name
 * the question the new item takes up (guiding_question_set after
 * item_started): a question never carries over into the next item by
 * itself, so the chair's closing words are filed under none. An item may
 * be started again (resumed): started_at_ms keeps the first start,
 * resumed_at_ms the latest, actual_ms sums the finished runs, so planned and
 * actual durations can be compared. Every change of the current item is
 * passed on to the floor (gv__floor_item_changed), after the item is set.
 *
 * Once closed, only attendance (check_in, join, leave) and notes (add_note,
 * amend_note) are accepted: people leave and rapporteurs finish their notes
 * after the gavel. Attendance and notes are also accepted before the meeting
 * opens.
 *
 * Attendance: attended {person, mode} marks the person present and makes the
 * mode their current one (the default mode of their floor requests); the
 * first check-in in the room and the first join online keep their times.
 * left {person} marks them absent; decide_leave withdraws their waiting
 * request first (request_withdrawn with "leaving", gv__floor_leaving).
 *
 * Notes live in m->notes in ascending id order (id = sequence number of the
 * note_added event), so they are found by binary search. A note is on a
 * guiding question or none, and may name the speech it is about. Every
 * version is an event: note_amended carries the whole new version (text,
 * guiding question, speech), and note_withdrawn takes a note out of the
 * record while the log keeps it; a withdrawn note is not amended again.
 */
#include "core/meeting_internal.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "core/jsonf.h"

/* A note's text as sent, in bytes. */
#define NOTE_MAX_BYTES 4000
/* Notes in one meeting; adding one more is refused. */
#define NOTES_MAX 10000
/* Identifiers of people, items and guiding questions, in bytes. */
#define ID_MAX_BYTES 256

static const char *const status_names[] = {"scheduled", "open", "closed"};

void gv__agenda_release(gv_meeting *m)
{
    for (size_t i = 0; i < m->n_notes; i++)
        free(m->notes[i].text);
    free(m->notes);
    m->notes = NULL;
    m->n_notes = m->cap_notes = 0;
}

/* ---- helpers ------------------------------------------------------------------------------- */

static int need_open(const gv_meeting *m, const char *type, gv_error *err)
{
    if (m->status == GV_STATUS_SCHEDULED)
        return gv_error_refuse(err, GV_ESTATE, "not_open",
                               "the meeting is not open yet: send \"open_meeting\" before \"%s\"",
                               type);
    if (m->status == GV_STATUS_CLOSED)
        return gv_error_refuse(err, GV_ESTATE, "meeting_closed",
                               "the meeting is closed: \"%s\" is no longer possible (only "
                               "attendance and notes are)",
                               type);
    return 0;
}

/* Trims ASCII white space from both ends of s; *start and *len give the rest. */
static void trim(const char *s, size_t *start, size_t *len)
{
    size_t b = 0, e = strlen(s);
    while (b < e && strchr(" \t\r\n\f\v", s[b]))
        b++;
    while (e > b && strchr(" \t\r\n\f\v", s[e - 1]))
        e--;
    *start = b;
    *len = e - b;
}

static json_t *ref_json(const char *id)
{
    return id ? json_string(id) : json_null();
}

/* ---- meeting and items --------------------------------------------------------------------- */

static const char *const no_fields[] = {"type", "id", NULL};

static int decide_open(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    int rc = gv__json_only(c->json, no_fields, err);
    if (rc < 0)
        return rc;
    if (m->status == GV_STATUS_OPEN)
        return gv_error_set(err, GV_ESTATE, "the meeting is already open");
    if (m->status == GV_STATUS_CLOSED)
        return gv_error_set(err, GV_ESTATE, "the meeting is closed; it cannot be opened again");
    return gv__event_add(m, c, events, "meeting_opened", NULL, err);
}

/* Appends item_ended for the running item, if one runs. */
static int end_running(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    json_t *ev = NULL;
    if (m->current_item < 0)
        return 0;
    int rc = gv__event_add(m, c, events, "item_ended", &ev, err);
    return rc < 0 ? rc : gv__event_set(ev, "item", json_string(m->items[m->current_item].id), err);
}

/* Appends guiding_question_set for question gq (-1: none). */
static int set_question(const gv_meeting *m, const gv_cmd *c, json_t *events, int gq, gv_error *err)
{
    json_t *ev = NULL;
    int rc = gv__event_add(m, c, events, "guiding_question_set", &ev, err);
    return rc < 0 ? rc
                  : gv__event_set(ev, "guiding_question",
                                  ref_json(gq >= 0 ? m->questions_def[gq].id : NULL), err);
}

/* Appends the clearing of the guiding question under discussion, if any: a
 * question belongs to the item that took it up, and the next item (the
 * chair's closing words) is on none unless the chair says so. */
static int clear_question(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    return m->current_question < 0 ? 0 : set_question(m, c, events, -1, err);
}

static int decide_start_item(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    static const char *const fields[] = {"type", "id", "item", "guiding_question", NULL};
    const char *id = NULL, *gq_id = NULL;
    json_t *ev = NULL;
    int gq = -1, rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0 ||
        (rc = gv__json_string(c->json, "item", true, ID_MAX_BYTES, &id, err)) < 0 ||
        (rc = gv__json_string(c->json, "guiding_question", false, ID_MAX_BYTES, &gq_id, err)) < 0 ||
        (rc = need_open(m, c->type, err)) < 0)
        return rc;
    int item = gv__item_find(m, id);
    if (item < 0)
        return gv_error_set(err, GV_ENOTFOUND, "there is no agenda item \"%s\"", id);
    if (item == m->current_item)
        return gv_error_set(err, GV_ESTATE, "agenda item \"%s\" is already running", id);
    if (gq_id && (gq = gv__question_def_find(m, gq_id)) < 0)
        return gv_error_set(err, GV_ENOTFOUND, "there is no guiding question \"%s\"", gq_id);
    if ((rc = end_running(m, c, events, err)) < 0 || (rc = clear_question(m, c, events, err)) < 0 ||
        (rc = gv__event_add(m, c, events, "item_started", &ev, err)) < 0 ||
        (rc = gv__event_set(ev, "item", json_string(m->items[item].id), err)) < 0)
        return rc;
    return gq < 0 ? 0 : set_question(m, c, events, gq, err);
}

static int decide_end_item(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    int rc;
    if ((rc = gv__json_only(c->json, no_fields, err)) < 0 || (rc = need_open(m, c->type, err)) < 0)
        return rc;
    if (m->current_item < 0)
        return gv_error_set(err, GV_ESTATE, "no agenda item is running");
    if ((rc = end_running(m, c, events, err)) < 0)
        return rc;
    return clear_question(m, c, events, err);
}

static int decide_close(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    int rc;
    if ((rc = gv__json_only(c->json, no_fields, err)) < 0 ||
        (rc = need_open(m, c->type, err)) < 0 || (rc = end_running(m, c, events, err)) < 0)
        return rc;
    return gv__event_add(m, c, events, "meeting_closed", NULL, err);
}

static int decide_guiding_question(const gv_meeting *m, const gv_cmd *c, json_t *events,
                                   gv_error *err)
{
    static const char *const fields[] = {"type", "id", "guiding_question", NULL};
    const char *id = NULL;
    int gq = -1, rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0)
        return rc;
    if (!json_object_get(c->json, "guiding_question"))
        return gv_error_set(err, GV_EINVAL,
                            "field \"guiding_question\" is required: a guiding question's id, "
                            "or null when none is under discussion");
    if ((rc = gv__json_string(c->json, "guiding_question", false, ID_MAX_BYTES, &id, err)) < 0 ||
        (rc = need_open(m, c->type, err)) < 0)
        return rc;
    if (id && (gq = gv__question_def_find(m, id)) < 0)
        return gv_error_set(err, GV_ENOTFOUND, "there is no guiding question \"%s\"", id);
    if (gq == m->current_question)
        return gv_error_set(err, GV_ESTATE,
                            gq < 0
                                ? "no guiding question is under discussion; there is none to clear"
                                : "this guiding question is already under discussion");
    return set_question(m, c, events, gq, err);
}

static int apply_opened(gv_meeting *m, const json_t *ev, gv_error *err)
{
    if (m->status != GV_STATUS_SCHEDULED)
        return gv__event_corrupt(ev, err, "the meeting is not scheduled");
    m->status = GV_STATUS_OPEN;
    m->opened_at_ms = gv__event_at(ev);
    return 0;
}

/* The agenda item named by the event's "item". */
static int ev_item(const gv_meeting *m, const json_t *ev, int *out, gv_error *err)
{
    const char *id = NULL;
    if (gv__json_string(ev, "item", true, ID_MAX_BYTES, &id, err) < 0)
        return gv__event_corrupt_field(ev, err);
    if ((*out = gv__item_find(m, id)) < 0)
        return gv__event_corrupt(ev, err, "it names an agenda item that does not exist");
    return 0;
}

static int apply_item_started(gv_meeting *m, const json_t *ev, gv_error *err)
{
    int item = -1, rc = ev_item(m, ev, &item, err);
    if (rc < 0)
        return rc;
    if (m->status != GV_STATUS_OPEN)
        return gv__event_corrupt(ev, err, "the meeting is not open");
    if (m->current_item >= 0)
        return gv__event_corrupt(ev, err, "another agenda item is still running");
    int64_t at = gv__event_at(ev);
    gv_item *it = &m->items[item];
    if (it->runs == 0)
        it->started_at_ms = at;
    it->resumed_at_ms = at;
    it->ended_at_ms = 0;
    it->runs++;
    m->current_item = item;
    gv__floor_item_changed(m, at);
    return 0;
}

static int apply_item_ended(gv_meeting *m, const json_t *ev, gv_error *err)
{
    int item = -1, rc = ev_item(m, ev, &item, err);
    if (rc < 0)
        return rc;
    if (item != m->current_item)
        return gv__event_corrupt(ev, err, "that agenda item is not running");
    int64_t at = gv__event_at(ev);
    gv_item *it = &m->items[item];
    if (at < it->resumed_at_ms)
        return gv__event_corrupt(ev, err, "the item would end before it started");
    it->actual_ms += at - it->resumed_at_ms;
    it->ended_at_ms = at;
    m->current_item = -1;
    gv__floor_item_changed(m, at);
    return 0;
}

static int apply_closed(gv_meeting *m, const json_t *ev, gv_error *err)
{
    if (m->status != GV_STATUS_OPEN)
        return gv__event_corrupt(ev, err, "the meeting is not open");
    if (m->current_item >= 0)
        return gv__event_corrupt(ev, err, "an agenda item is still running");
    m->status = GV_STATUS_CLOSED;
    m->closed_at_ms = gv__event_at(ev);
    m->current_question = -1;
    gv__floor_lapse_inscriptions(m, gv__event_at(ev));
    return 0;
}

static int apply_guiding_question(gv_meeting *m, const json_t *ev, gv_error *err)
{
    const char *id = NULL;
    int gq = -1;
    if (m->status != GV_STATUS_OPEN)
        return gv__event_corrupt(ev, err, "the meeting is not open");
    if (gv__json_string(ev, "guiding_question", false, ID_MAX_BYTES, &id, err) < 0)
        return gv__event_corrupt_field(ev, err);
    if (id && (gq = gv__question_def_find(m, id)) < 0)
        return gv__event_corrupt(ev, err, "it names a guiding question that does not exist");
    m->current_question = gq;
    return 0;
}

/* ---- attendance ---------------------------------------------------------------------------- */

/* The person a check_in, join or leave is about: the sender unless "person" names another. */
static int attendance_person(const gv_meeting *m, const gv_cmd *c, int *out, gv_error *err)
{
    static const char *const fields[] = {"type", "id", "person", NULL};
    const char *id = NULL;
    int rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0 ||
        (rc = gv__json_string(c->json, "person", false, ID_MAX_BYTES, &id, err)) < 0)
        return rc;
    int p = id ? gv__person_find(m, id) : c->actor;
    if (p < 0)
        return gv_error_set(err, GV_ENOTFOUND, "there is no person \"%s\"", id);
    if (p != c->actor && !(c->actor_roles & (GV_ROLE_SECRETARIAT | GV_ROLES_PRESIDING)))
        return gv_error_set(err, GV_EPERM,
                            "only the secretariat, the chair or the moderator may record "
                            "someone else's attendance; leave out \"person\" to record yours");
    *out = p;
    return 0;
}

static int decide_attend(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_mode mode,
                         gv_error *err)
{
    json_t *ev = NULL;
    int p = -1, rc;
    if ((rc = attendance_person(m, c, &p, err)) < 0)
        return rc;
    const gv_person *who = &m->people[p];
    if (who->present && who->mode == mode)
        return gv_error_refuse(err, GV_ESTATE, "already_present", "%s is already present %s",
                               who->id, mode == GV_MODE_ROOM ? "in the room" : "online");
    if ((rc = gv__event_add(m, c, events, "attended", &ev, err)) < 0 ||
        (rc = gv__event_set(ev, "person", json_string(who->id), err)) < 0)
        return rc;
    return gv__event_set(ev, "mode", json_string(gv_mode_names[mode]), err);
}

static int decide_check_in(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    return decide_attend(m, c, events, GV_MODE_ROOM, err);
}

static int decide_join(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    return decide_attend(m, c, events, GV_MODE_ONLINE, err);
}

static int decide_leave(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    json_t *ev = NULL;
    int p = -1, rc;
    if ((rc = attendance_person(m, c, &p, err)) < 0)
        return rc;
    if (!m->people[p].present)
        return gv_error_refuse(err, GV_ESTATE, "not_present", "%s is not present", m->people[p].id);
    if ((rc = gv__floor_leaving(m, c, p, events, err)) < 0 ||
        (rc = gv__event_add(m, c, events, "left", &ev, err)) < 0)
        return rc;
    return gv__event_set(ev, "person", json_string(m->people[p].id), err);
}

static int apply_attended(gv_meeting *m, const json_t *ev, gv_error *err)
{
    int p = -1, mode = -1;
    if (gv__event_person(m, ev, "person", &p, err) < 0 ||
        gv__json_enum(ev, "mode", true, gv_mode_names, GV_MODE_COUNT, &mode, err) < 0)
        return gv__event_corrupt_field(ev, err);
    gv_person *who = &m->people[p];
    if (who->present && who->mode == (gv_mode)mode)
        return gv__event_corrupt(ev, err, "the person is already present in that mode");
    int64_t at = gv__event_at(ev);
    if (mode == GV_MODE_ROOM && who->checked_in_at_ms == 0)
        who->checked_in_at_ms = at;
    if (mode == GV_MODE_ONLINE && who->joined_at_ms == 0)
        who->joined_at_ms = at;
    who->mode = (gv_mode)mode;
    who->present = true;
    return 0;
}

static int apply_left(gv_meeting *m, const json_t *ev, gv_error *err)
{
    int p = -1;
    if (gv__event_person(m, ev, "person", &p, err) < 0)
        return gv__event_corrupt_field(ev, err);
    if (!m->people[p].present)
        return gv__event_corrupt(ev, err, "the person is not present");
    m->people[p].present = false;
    return 0;
}

/* ---- notes --------------------------------------------------------------------------------- */

/* Whether the meeting has a speech with this id. */
static bool speech_exists(const gv_meeting *m, int64_t id)
{
    return gv__floor_speech_find(&m->floor, id) >= 0;
}

/* The guiding question and the speech a command names for a note:
 * "guiding_question" (an id or null) and "speech" (a speech's id or null).
 * A field left out leaves *gq / *speech as the caller set them. */
static int note_refs(const gv_meeting *m, const gv_cmd *c, int *gq, int64_t *speech, gv_error *err)
{
    const char *gq_id = NULL;
    int64_t sp = 0;
    int rc;
    if ((rc = gv__json_string(c->json, "guiding_question", false, ID_MAX_BYTES, &gq_id, err)) < 0 ||
        (rc = gv__json_int(c->json, "speech", false, 1, INT64_MAX, &sp, err)) < 0)
        return rc;
    if (gq_id && gv__question_def_find(m, gq_id) < 0)
        return gv_error_set(err, GV_ENOTFOUND, "there is no guiding question \"%s\"", gq_id);
    if (sp && !speech_exists(m, sp))
        return gv_error_set(err, GV_ENOTFOUND,
                            "there is no speech %lld: name a speech by the id of its "
                            "floor_given event, or leave \"speech\" out",
                            (long long)sp);
    if (json_object_get(c->json, "guiding_question"))
        *gq = gq_id ? gv__question_def_find(m, gq_id) : -1;
    if (json_object_get(c->json, "speech"))
        *speech = sp;
    return 0;
}

/* Sets the version fields of a note event: text, guiding question, speech. */
static int note_version(const gv_meeting *m, json_t *ev, const char *text, size_t len, int gq,
                        int64_t speech, gv_error *err)
{
    int rc;
    if ((rc = gv__event_set(ev, "text", json_stringn(text, len), err)) < 0 ||
        (rc = gv__event_set(ev, "guiding_question",
                            ref_json(gq >= 0 ? m->questions_def[gq].id : NULL), err)) < 0)
        return rc;
    return gv__event_set(ev, "speech", speech ? json_integer(speech) : json_null(), err);
}

static gv_note *note_find(const gv_meeting *m, int64_t id)
{
    size_t lo = 0, hi = m->n_notes;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->notes[mid].id == id)
            return &m->notes[mid];
        if (m->notes[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* The note's text from the command: at most NOTE_MAX_BYTES, trimmed, not empty. */
static int note_text(const gv_cmd *c, const char **text, size_t *len, gv_error *err)
{
    const char *s = NULL;
    size_t start;
    int rc = gv__json_string(c->json, "text", true, NOTE_MAX_BYTES, &s, err);
    if (rc < 0)
        return rc;
    assert(s); /* a required field is set on success */
    trim(s, &start, len);
    if (*len == 0) {
        gv_error_set(err, GV_EINVAL, "field \"text\" is empty: write the note");
        return GV_EINVAL;
    }
    *text = s + start;
    return 0;
}

static int decide_add_note(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    static const char *const fields[] = {"type", "id", "text", "guiding_question", "speech", NULL};
    const char *text = NULL;
    size_t len = 0;
    int64_t speech = 0;
    json_t *ev = NULL;
    int gq = -1, rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0 ||
        (rc = note_text(c, &text, &len, err)) < 0 || (rc = note_refs(m, c, &gq, &speech, err)) < 0)
        return rc;
    if (m->n_notes >= NOTES_MAX)
        return gv_error_set(err, GV_ELIMIT,
                            "this meeting already has %d notes, the most it can keep; amend "
                            "one instead",
                            NOTES_MAX);
    if ((rc = gv__event_add(m, c, events, "note_added", &ev, err)) < 0 ||
        (rc = gv__event_set(ev, "note", json_integer(gv__event_seq(ev)), err)) < 0 ||
        (rc = gv__event_set(ev, "text", json_stringn(text, len), err)) < 0 ||
        (gq >= 0 && (rc = gv__event_set(ev, "guiding_question",
                                        json_string(m->questions_def[gq].id), err)) < 0))
        return rc;
    return speech ? gv__event_set(ev, "speech", json_integer(speech), err) : 0;
}

/* The note a command names, which the sender may change: its author, or the
 * chair or a moderator; not once withdrawn. */
static int note_to_change(const gv_meeting *m, const gv_cmd *c, const char *what,
                          const gv_note **out, gv_error *err)
{
    int64_t id = 0;
    int rc = gv__json_int(c->json, "note", true, 1, INT64_MAX, &id, err);
    if (rc < 0)
        return rc;
    const gv_note *n = note_find(m, id);
    if (!n)
        return gv_error_set(err, GV_ENOTFOUND, "there is no note %lld", (long long)id);
    if (n->author != c->actor && !(c->actor_roles & GV_ROLES_PRESIDING))
        return gv_error_set(err, GV_EPERM,
                            "note %lld is by %s: only its author, the chair or the moderator "
                            "may %s it",
                            (long long)id, m->people[n->author].id, what);
    if (n->withdrawn_at_ms)
        return gv_error_set(err, GV_ESTATE, "note %lld was withdrawn; add a new note instead",
                            (long long)id);
    *out = n;
    return 0;
}

static int decide_amend_note(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    static const char *const fields[] = {"type",   "id", "note", "text", "guiding_question",
                                         "speech", NULL};
    const char *text = NULL;
    const gv_note *n = NULL;
    size_t len = 0;
    json_t *ev = NULL;
    int rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0 ||
        (rc = note_to_change(m, c, "amend", &n, err)) < 0 ||
        (rc = note_text(c, &text, &len, err)) < 0)
        return rc;
    int gq = n->question;
    int64_t speech = n->speech;
    if ((rc = note_refs(m, c, &gq, &speech, err)) < 0)
        return rc;
    if (strlen(n->text) == len && memcmp(n->text, text, len) == 0 && gq == n->question &&
        speech == n->speech)
        return gv_error_set(err, GV_ESTATE, "note %lld already says this", (long long)n->id);
    if ((rc = gv__event_add(m, c, events, "note_amended", &ev, err)) < 0 ||
        (rc = gv__event_set(ev, "note", json_integer(n->id), err)) < 0)
        return rc;
    return note_version(m, ev, text, len, gq, speech, err);
}

static int decide_withdraw_note(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    static const char *const fields[] = {"type", "id", "note", NULL};
    const gv_note *n = NULL;
    json_t *ev = NULL;
    int rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0 ||
        (rc = note_to_change(m, c, "withdraw", &n, err)) < 0 ||
        (rc = gv__event_add(m, c, events, "note_withdrawn", &ev, err)) < 0)
        return rc;
    return gv__event_set(ev, "note", json_integer(n->id), err);
}

/* The text of a stored note event: trimmed, not empty, bounded. */
static int ev_note_text(const json_t *ev, const char **out, gv_error *err)
{
    const char *s = NULL;
    size_t start, len;
    if (gv__json_string(ev, "text", true, NOTE_MAX_BYTES, &s, err) < 0)
        return gv__event_corrupt_field(ev, err);
    trim(s, &start, &len);
    if (len == 0 || start != 0 || len != strlen(s))
        return gv__event_corrupt(ev, err, "a note's text must be trimmed and not empty");
    *out = s;
    return 0;
}

/* The guiding question and speech of a stored note event; a field left
 * out leaves *gq / *speech as the caller set them. */
static int ev_note_refs(const gv_meeting *m, const json_t *ev, int *gq, int64_t *speech,
                        gv_error *err)
{
    const char *gq_id = NULL;
    int64_t sp = 0;
    if (gv__json_string(ev, "guiding_question", false, ID_MAX_BYTES, &gq_id, err) < 0 ||
        gv__json_int(ev, "speech", false, 1, INT64_MAX, &sp, err) < 0)
        return gv__event_corrupt_field(ev, err);
    if (gq_id && gv__question_def_find(m, gq_id) < 0)
        return gv__event_corrupt(ev, err, "it names a guiding question that does not exist");
    if (sp && !speech_exists(m, sp))
        return gv__event_corrupt(ev, err, "it names a speech that does not exist");
    if (json_object_get(ev, "guiding_question"))
        *gq = gq_id ? gv__question_def_find(m, gq_id) : -1;
    if (json_object_get(ev, "speech"))
        *speech = sp;
    return 0;
}

static int apply_note_added(gv_meeting *m, const json_t *ev, gv_error *err)
{
    const char *text = NULL;
    int64_t seq = 0, id = 0, speech = 0;
    int by = -1, gq = -1, rc;
    if (gv__json_int(ev, "seq", true, 1, INT64_MAX, &seq, err) < 0 ||
        gv__json_int(ev, "note", true, 1, INT64_MAX, &id, err) < 0 ||
        gv__event_person(m, ev, "by", &by, err) < 0)
        return gv__event_corrupt_field(ev, err);
    if ((rc = ev_note_refs(m, ev, &gq, &speech, err)) < 0)
        return rc;
    if ((rc = ev_note_text(ev, &text, err)) < 0)
        return rc;
    if (id != seq)
        return gv__event_corrupt(ev, err, "a note's id must be the sequence number of its event");
    if (m->n_notes > 0 && m->notes[m->n_notes - 1].id >= id)
        return gv__event_corrupt(ev, err, "note ids must grow");
    if (m->n_notes >= NOTES_MAX)
        return gv__event_corrupt(ev, err, "the meeting already has the most notes it can keep");
    if (!(m->people[by].roles & (GV_ROLES_PRESIDING | GV_ROLE_RAPPORTEUR)))
        return gv__event_corrupt(ev, err,
                                 "only the chair, the moderator or a rapporteur adds notes");

    char *copy = strdup(text);
    if (!copy || GV_ARRAY_RESERVE(m->notes, m->cap_notes, m->n_notes + 1) < 0) {
        free(copy);
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    }
    m->notes[m->n_notes++] = (gv_note){
        .id = id,
        .question = gq,
        .speech = speech,
        .author = by,
        .at_ms = gv__event_at(ev),
        .text = copy,
        .amended_by = -1,
        .withdrawn_by = -1,
    };
    return 0;
}

/* The note a stored amendment or withdrawal is about, checked as decide
 * checked it: it exists, `by` may change it, it is not withdrawn. */
static int ev_note_to_change(gv_meeting *m, const json_t *ev, int64_t id, int by, gv_note **out,
                             gv_error *err)
{
    gv_note *n = note_find(m, id);
    if (!n)
        return gv__event_corrupt(ev, err, "it names a note that does not exist");
    if (by != n->author && !(m->people[by].roles & GV_ROLES_PRESIDING))
        return gv__event_corrupt(ev, err,
                                 "only the note's author, the chair or the moderator changes it");
    if (n->withdrawn_at_ms)
        return gv__event_corrupt(ev, err, "the note was withdrawn");
    *out = n;
    return 0;
}

static int apply_note_amended(gv_meeting *m, const json_t *ev, gv_error *err)
{
    const char *text = NULL;
    int64_t id = 0;
    int by = -1, rc;
    if (gv__json_int(ev, "note", true, 1, INT64_MAX, &id, err) < 0 ||
        gv__event_person(m, ev, "by", &by, err) < 0)
        return gv__event_corrupt_field(ev, err);
    if ((rc = ev_note_text(ev, &text, err)) < 0)
        return rc;
    gv_note *n = NULL;
    if ((rc = ev_note_to_change(m, ev, id, by, &n, err)) < 0)
        return rc;
    int gq = n->question;
    int64_t speech = n->speech;
    if ((rc = ev_note_refs(m, ev, &gq, &speech, err)) < 0)
        return rc;
    char *copy = strdup(text);
    if (!copy)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    free(n->text);
    n->text = copy;
    n->question = gq;
    n->speech = speech;
    n->amended_at_ms = gv__event_at(ev);
    n->amended_by = by;
    return 0;
}

static int apply_note_withdrawn(gv_meeting *m, const json_t *ev, gv_error *err)
{
    int64_t id = 0;
    int by = -1, rc;
    gv_note *n = NULL;
    if (gv__json_int(ev, "note", true, 1, INT64_MAX, &id, err) < 0 ||
        gv__event_person(m, ev, "by", &by, err) < 0)
        return gv__event_corrupt_field(ev, err);
    if ((rc = ev_note_to_change(m, ev, id, by, &n, err)) < 0)
        return rc;
    n->withdrawn_at_ms = gv__event_at(ev);
    n->withdrawn_by = by;
    return 0;
}

const gv_command_spec gv__agenda_commands[] = {
    {"open_meeting", GV_ROLES_PRESIDING | GV_ROLE_SECRETARIAT, decide_open},
    {"start_item", GV_ROLES_PRESIDING, decide_start_item},
    {"end_item", GV_ROLES_PRESIDING, decide_end_item},
    {"close_meeting", GV_ROLES_PRESIDING, decide_close},
    {"set_guiding_question", GV_ROLES_PRESIDING, decide_guiding_question},
    {"check_in", GV_ROLES_ANY_PERSON, decide_check_in},
    {"join", GV_ROLES_ANY_PERSON, decide_join},
    {"leave", GV_ROLES_ANY_PERSON, decide_leave},
    {"add_note", GV_ROLES_PRESIDING | GV_ROLE_RAPPORTEUR, decide_add_note},
    {"amend_note", GV_ROLES_PRESIDING | GV_ROLE_RAPPORTEUR, decide_amend_note},
    {"withdraw_note", GV_ROLES_PRESIDING | GV_ROLE_RAPPORTEUR, decide_withdraw_note},
    {NULL, 0, NULL},
};

/* The floor reads the meeting's status and its running item (the
 * inscriptions' windows, the list of the item), and is told of a new item
 * and of the close (gv__floor_item_changed, gv__floor_lapse_inscriptions). */
#define PROCEEDINGS_AND_FLOOR (GV_SECTION_PROCEEDINGS | GV_SECTION_FLOOR)

const gv_event_spec gv__agenda_events[] = {
    {"meeting_opened", apply_opened, PROCEEDINGS_AND_FLOOR},
    {"item_started", apply_item_started, PROCEEDINGS_AND_FLOOR | GV_SECTION_AGENDA},
    {"item_ended", apply_item_ended, PROCEEDINGS_AND_FLOOR | GV_SECTION_AGENDA},
    {"meeting_closed", apply_closed, PROCEEDINGS_AND_FLOOR},
    {"guiding_question_set", apply_guiding_question, GV_SECTION_PROCEEDINGS},
    {"attended", apply_attended, GV__ROW_PERSON},
    {"left", apply_left, GV__ROW_PERSON},
    {"note_added", apply_note_added, GV_SECTION_NOTES},
    {"note_amended", apply_note_amended, GV_SECTION_NOTES},
    {"note_withdrawn", apply_note_withdrawn, GV_SECTION_NOTES},
    {NULL, NULL, 0},
};

/* ---- state JSON ---------------------------------------------------------------------------- */

static json_t *time_json(int64_t at_ms)
{
    return at_ms ? json_integer(at_ms) : json_null();
}

static json_t *note_json(const gv_meeting *m, const gv_note *n)
{
    return json_pack("{s:I, s:o, s:o, s:s, s:I, s:s, s:o, s:o, s:o, s:o}", "note",
                     (json_int_t)n->id, "guiding_question",
                     ref_json(n->question >= 0 ? m->questions_def[n->question].id : NULL), "speech",
                     n->speech ? json_integer(n->speech) : json_null(), "author",
                     m->people[n->author].id, "at_ms", (json_int_t)n->at_ms, "text", n->text,
                     "amended_at_ms", time_json(n->amended_at_ms), "amended_by",
                     ref_json(n->amended_by >= 0 ? m->people[n->amended_by].id : NULL),
                     "withdrawn_at_ms", time_json(n->withdrawn_at_ms), "withdrawn_by",
                     ref_json(n->withdrawn_by >= 0 ? m->people[n->withdrawn_by].id : NULL));
}

int gv__notes_to_json(const gv_meeting *m, json_t *state)
{
    json_t *notes = json_array();
    if (!notes)
        return GV_ENOMEM;
    for (size_t i = 0; i < m->n_notes; i++) {
        if (json_array_append_new(notes, note_json(m, &m->notes[i])) < 0) {
            json_decref(notes);
            return GV_ENOMEM;
        }
    }
    return json_object_set_new(state, "notes", notes) < 0 ? GV_ENOMEM : 0;
}

int gv__agenda_to_json(const gv_meeting *m, json_t *state)
{
    const char *item = m->current_item >= 0 ? m->items[m->current_item].id : NULL;
    const char *gq = m->current_question >= 0 ? m->questions_def[m->current_question].id : NULL;
    if (json_object_set_new(state, "status", json_string(status_names[m->status])) < 0 ||
        json_object_set_new(state, "opened_at_ms", time_json(m->opened_at_ms)) < 0 ||
        json_object_set_new(state, "closed_at_ms", time_json(m->closed_at_ms)) < 0 ||
        json_object_set_new(state, "current_item", ref_json(item)) < 0 ||
        json_object_set_new(state, "current_guiding_question", ref_json(gq)) < 0)
        return GV_ENOMEM;
    return 0;
}
