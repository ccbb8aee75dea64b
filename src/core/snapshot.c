/*
 * Snapshots: the whole state of a meeting as JSON, and the meeting rebuilt
 * from it, so that a meeting of a million events is loaded from its newest
 * snapshot and the events after it instead of from its first event.
 *
 * Unlike gv_meeting_to_json (the view people read), a snapshot holds every
 * field the fold keeps, the derived ones too (tallies, the order of the
 * list and the reasons for it, the undo stack), so that
 *
 *   gv_meeting_restore(gv_meeting_snapshot(m)) behaves exactly as m:
 *   the same view, the same decisions, the same snapshot, byte for byte.
 *
 * The definition is kept as the first event carried it (m->definition) and
 * loaded again through the definition's own checks. The live state follows
 * as arrays of fields in a fixed order (the column lists below): a state of
 * hundreds of thousands of requests, speeches and votes parses much faster
 * as arrays than as objects. GV_SNAPSHOT_VERSION names that order: a change
 * to the state's fields changes this file and the version, and snapshots of
 * another version are not read (the caller folds the log instead).
 *
 * A stored snapshot is outside input: restore checks every value's type and
 * range (every index into people, items, requests and speeches, every
 * enumeration) and every array's length before it builds anything, and
 * refuses the snapshot (GV_ECORRUPT) rather than build a state that could
 * index out of bounds. Whether a well-formed snapshot equals the fold of
 * its log is `gavel verify`'s question, not this file's.
 */
#include "core/snapshot.h"

#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "core/floor_internal.h"

/* ---- writing -------------------------------------------------------------------------------- */

typedef struct writer {
    bool failed; /** an allocation failed: the snapshot is dropped */
} writer;

static json_t *arr(writer *o, json_t *parent)
{
    json_t *a = json_array();
    if (!a || json_array_append_new(parent, a) < 0)
        o->failed = true;
    return a;
}

static void put_i(writer *o, json_t *a, int64_t v)
{
    if (!a || json_array_append_new(a, json_integer((json_int_t)v)) < 0)
        o->failed = true;
}

static void put_b(writer *o, json_t *a, bool v)
{
    if (!a || json_array_append_new(a, json_boolean(v)) < 0)
        o->failed = true;
}

/* A string, or null for NULL. */
static void put_s(writer *o, json_t *a, const char *s)
{
    if (!a || json_array_append_new(a, s ? json_string(s) : json_null()) < 0)
        o->failed = true;
}

static json_t *set(writer *o, json_t *obj, const char *key, json_t *v)
{
    if (!v || json_object_set_new(obj, key, v) < 0)
        o->failed = true;
    return v;
}

static void write_requests(writer *o, const gv_floor *f, json_t *rows)
{
    for (size_t i = 0; i < f->n_requests; i++) {
        const gv_request *r = &f->requests[i];
        json_t *a = arr(o, rows);
        put_i(o, a, r->id);
        put_i(o, a, r->person);
        put_i(o, a, r->by);
        put_i(o, a, r->item);
        put_i(o, a, r->kind);
        put_i(o, a, r->mode);
        put_i(o, a, r->to);
        put_i(o, a, r->guiding_question);
        put_s(o, a, r->on_behalf_of);
        put_i(o, a, r->at_ms);
        put_b(o, a, r->inserted);
        put_b(o, a, r->readded);
        put_b(o, a, r->pinned);
        put_i(o, a, r->pinned_by);
        put_i(o, a, r->level);
        put_b(o, a, r->inscribed);
        put_i(o, a, r->rank_class);
        put_i(o, a, r->rank_level);
        put_i(o, a, r->rank_seq);
        put_i(o, a, r->swapped_with);
        put_i(o, a, r->level_changed_at_ms);
        put_i(o, a, r->continues);
        put_i(o, a, r->status);
        put_i(o, a, r->closed_at_ms);
        put_i(o, a, r->speech);
        put_s(o, a, r->decline_reason);
        put_i(o, a, r->reason);
        put_i(o, a, r->reason_rank);
        put_i(o, a, r->reason_prev_mode);
        put_i(o, a, r->reason_prev_group);
        put_s(o, a, r->language[0] ? r->language : NULL);
    }
}

static void write_speeches(writer *o, const gv_floor *f, json_t *rows)
{
    for (size_t i = 0; i < f->n_speeches; i++) {
        const gv_speech *s = &f->speeches[i];
        const gv_timer *t = &s->timer;
        json_t *a = arr(o, rows);
        put_i(o, a, s->id);
        put_i(o, a, s->person);
        put_i(o, a, s->item);
        put_i(o, a, s->kind);
        put_i(o, a, s->mode);
        put_i(o, a, s->request);
        put_i(o, a, s->to);
        put_i(o, a, s->guiding_question);
        put_i(o, a, s->answer_to);
        put_i(o, a, s->continues);
        put_b(o, a, s->ended_with_item);
        put_i(o, a, t->started_at_ms);
        put_i(o, a, t->last_at_ms);
        put_i(o, a, t->paused_ms);
        put_i(o, a, t->paused_at_ms);
        put_i(o, a, t->ended_at_ms);
        put_i(o, a, t->limit_ms);
        put_i(o, a, t->warning_ms);
        put_i(o, a, t->extended_ms);
        put_b(o, a, t->paused);
        put_b(o, a, t->ended);
    }
}

static json_t *write_floor(writer *o, const gv_meeting *m)
{
    const gv_floor *f = &m->floor;
    json_t *fl = json_object();
    if (!fl) {
        o->failed = true;
        return NULL;
    }
    write_requests(o, f, set(o, fl, "requests", json_array()));
    json_t *list = set(o, fl, "list", json_array());
    for (size_t i = 0; i < f->n_list; i++)
        put_i(o, list, f->list[i]);
    write_speeches(o, f, set(o, fl, "speeches", json_array()));
    json_t *g = set(o, fl, "state", json_array());
    put_i(o, g, f->current);
    put_i(o, g, f->last_ended);
    put_b(o, g, f->closed);
    put_i(o, g, f->closes_at_ms);
    put_b(o, g, f->autopilot);
    put_i(o, g, f->segments_at_ms);
    put_i(o, g, f->floor_ms);
    put_i(o, g, f->replies_ms);
    json_t *gl = set(o, fl, "group_last", json_array());
    for (int i = 0; i < GV_FLOOR_GROUPS_MAX; i++)
        put_i(o, gl, f->group_last[i]);
    json_t *undo = set(o, fl, "undo", json_array());
    for (size_t i = 0; i < f->n_undo; i++) {
        const gv_undo *u = &f->undo[i];
        json_t *a = arr(o, undo);
        put_i(o, a, u->seq);
        put_i(o, a, u->change);
        put_i(o, a, u->request);
        put_b(o, a, u->was_pinned);
        put_i(o, a, u->was_at);
        put_i(o, a, u->was_reason);
        put_b(o, a, u->was_closed);
        put_i(o, a, u->was_closes_at_ms);
    }
    json_t *budgets = set(o, fl, "budgets", json_array());
    for (size_t i = 0; i < f->n_budgets; i++) {
        const gv_budget *b = &f->budgets[i];
        json_t *a = arr(o, budgets);
        put_i(o, a, b->item);
        put_i(o, a, b->by);
        put_s(o, a, b->key);
        put_i(o, a, b->initial_ms);
        put_i(o, a, b->added_ms);
    }
    /* Allocated with the first request or speech; null before. */
    if (!f->tallies) {
        set(o, fl, "totals", json_null());
        return fl;
    }
    json_t *totals = set(o, fl, "totals", json_array());
    json_t *t = arr(o, totals), *ir = arr(o, totals), *pl = arr(o, totals), *ahead = arr(o, totals);
    size_t n_tallies = (1 + m->n_items) * gv__floor_tally_stride(m);
    for (size_t i = 0; i < n_tallies; i++) {
        put_i(o, t, f->tallies[i].turns);
        put_i(o, t, f->tallies[i].spoken_ms);
        put_i(o, t, f->tallies[i].overtime_ms);
    }
    for (size_t i = 0; i < m->n_items + 1; i++)
        put_i(o, ir, f->item_requests[i]);
    for (size_t i = 0; i < m->n_people + 1; i++)
        put_i(o, pl, f->person_last[i]);
    /* Each item's provisional list (inscription ahead). */
    for (size_t i = 0; i < f->n_ahead; i++) {
        const gv_inscriptions *in = &f->ahead[i];
        json_t *a = arr(o, ahead), *queue = arr(o, a);
        for (size_t k = 0; k < in->n; k++)
            put_i(o, queue, in->list[k]);
        put_b(o, a, in->window_set);
        put_i(o, a, in->opens_at_ms);
        put_i(o, a, in->closes_at_ms);
        put_i(o, a, in->changed_at_ms);
        put_i(o, a, (int64_t)in->ordered_at_speeches);
    }
    return fl;
}

static void write_questions(writer *o, const gv_questions *qs, json_t *rows)
{
    for (size_t i = 0; i < qs->n; i++) {
        const gv_question *q = &qs->list[i];
        json_t *a = arr(o, rows);
        put_i(o, a, q->id);
        put_s(o, a, q->text);
        put_i(o, a, q->author);
        put_b(o, a, q->anonymous);
        put_i(o, a, q->asked_at_ms);
        put_i(o, a, q->state);
        put_b(o, a, q->answered);
        put_i(o, a, q->answered_at_ms);
        put_i(o, a, q->guiding_question);
        put_i(o, a, q->to);
        put_i(o, a, q->merged_into);
        json_t *v = arr(o, a);
        for (size_t k = 0; k < q->n_voters; k++)
            put_i(o, v, q->voters[k]);
        put_i(o, a, q->edited_at_ms);
    }
}

/* [version, approved_version, approved_seq, approved_at_ms, approved_by,
 *  [[text, version, edited_by, edited_at_ms], ...]] */
static void write_summary(writer *o, const gv_summary *sm, json_t *a)
{
    put_i(o, a, sm->version);
    put_i(o, a, sm->approved_version);
    put_i(o, a, sm->approved_seq);
    put_i(o, a, sm->approved_at_ms);
    put_i(o, a, sm->approved_by);
    json_t *sections = arr(o, a);
    for (size_t i = 0; i < sm->n_sections; i++) {
        const gv_summary_section *sec = &sm->sections[i];
        json_t *r = arr(o, sections);
        put_s(o, r, sec->text);
        put_i(o, r, sec->version);
        put_i(o, r, sec->edited_by);
        put_i(o, r, sec->edited_at_ms);
    }
}

json_t *gv_meeting_snapshot(const gv_meeting *m)
{
    writer o = {0};
    json_t *s = json_object();
    if (!s)
        return NULL;
    set(&o, s, "v", json_integer(GV_SNAPSHOT_VERSION));
    json_t *head = set(&o, s, "seq", json_array());
    put_i(&o, head, m->seq);
    put_i(&o, head, m->last_at_ms);
    if (!m->defined) {
        set(&o, s, "definition", json_null());
        goto done;
    }
    set(&o, s, "definition", json_deep_copy(m->definition));
    json_t *people = set(&o, s, "people", json_array());
    for (size_t i = 0; i < m->n_people; i++) {
        json_t *a = arr(&o, people);
        put_i(&o, a, m->people[i].checked_in_at_ms);
        put_i(&o, a, m->people[i].joined_at_ms);
        put_b(&o, a, m->people[i].present);
        put_i(&o, a, m->people[i].mode);
    }
    json_t *items = set(&o, s, "items", json_array());
    for (size_t i = 0; i < m->n_items; i++) {
        const gv_item *it = &m->items[i];
        json_t *a = arr(&o, items);
        put_i(&o, a, it->started_at_ms);
        put_i(&o, a, it->ended_at_ms);
        put_i(&o, a, it->resumed_at_ms);
        put_i(&o, a, it->actual_ms);
        put_i(&o, a, it->runs);
    }
    json_t *live = set(&o, s, "meeting", json_array());
    put_i(&o, live, m->status);
    put_i(&o, live, m->opened_at_ms);
    put_i(&o, live, m->closed_at_ms);
    put_i(&o, live, m->current_item);
    put_i(&o, live, m->current_question);
    json_t *notes = set(&o, s, "notes", json_array());
    for (size_t i = 0; i < m->n_notes; i++) {
        const gv_note *n = &m->notes[i];
        json_t *a = arr(&o, notes);
        put_i(&o, a, n->id);
        put_i(&o, a, n->question);
        put_i(&o, a, n->speech);
        put_i(&o, a, n->author);
        put_i(&o, a, n->at_ms);
        put_s(&o, a, n->text);
        put_i(&o, a, n->amended_at_ms);
        put_i(&o, a, n->amended_by);
        put_i(&o, a, n->withdrawn_at_ms);
        put_i(&o, a, n->withdrawn_by);
    }
    write_summary(&o, &m->summary, set(&o, s, "summary", json_array()));
    json_t *statements = set(&o, s, "statements", json_array());
    if (statements && gv__statements_snapshot(m, statements) < 0)
        o.failed = true;
    set(&o, s, "floor", write_floor(&o, m));
    write_questions(&o, &m->questions, set(&o, s, "questions", json_array()));
    set(&o, s, "shown_question", json_integer(m->questions.shown));
    set(&o, s, "cids", m->cids ? json_deep_copy(m->cids) : json_object());
done:
    if (o.failed) {
        json_decref(s);
        return NULL;
    }
    return s;
}

/* ---- reading -------------------------------------------------------------------------------- */

/* A cursor over one array of fields; `bad` is set by the first value that
 * does not fit, and every later read is then a harmless default. */
typedef struct rd {
    const json_t *a;
    size_t i;
    bool bad;
} rd;

static rd row(const json_t *a, size_t fields)
{
    rd r = {.a = a, .bad = !json_is_array(a) || json_array_size(a) != fields};
    return r;
}

static int64_t rd_i(rd *r, int64_t lo, int64_t hi)
{
    const json_t *v = r->bad ? NULL : json_array_get(r->a, r->i++);
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        r->bad = true;
        return lo;
    }
    return json_integer_value(v);
}

static int rd_idx(rd *r, int64_t lo, size_t n)
{
    return (int)rd_i(r, lo, (int64_t)n - 1);
}

static bool rd_b(rd *r)
{
    const json_t *v = r->bad ? NULL : json_array_get(r->a, r->i++);
    if (!json_is_boolean(v))
        r->bad = true;
    return json_is_true(v);
}

/* A copy of a string (or NULL for null when `nullable`); sets bad on ENOMEM too. */
static char *rd_s(rd *r, bool nullable)
{
    const json_t *v = r->bad ? NULL : json_array_get(r->a, r->i++);
    if (nullable && json_is_null(v))
        return NULL;
    char *s = json_is_string(v) ? strdup(json_string_value(v)) : NULL;
    if (!s)
        r->bad = true;
    return s;
}

#define T_MAX  GV_TIME_MAX_MS
#define ID_MAX INT64_MAX
/* The ranks of the un policy index a table in floor_policy.c (N_UN_CLASSES
 * by N_LEVEL_RANKS): a snapshot beyond them is refused. */
#define UN_CLASSES  5
#define LEVEL_RANKS 6

static int corrupt(gv_error *err, const char *what, size_t i)
{
    return gv_error_set(err, GV_ECORRUPT,
                        "the snapshot is damaged: %s %zu does not fit the meeting; fold the log "
                        "instead",
                        what, i + 1);
}

/* Reads `key` of obj as an array of `n` entries (n == SIZE_MAX: any). */
static const json_t *rows_of(const json_t *obj, const char *key, size_t n)
{
    const json_t *a = json_object_get(obj, key);
    if (!json_is_array(a) || (n != SIZE_MAX && json_array_size(a) != n))
        return NULL;
    return a;
}

static int read_people_items(gv_meeting *m, const json_t *s, gv_error *err)
{
    const json_t *people = rows_of(s, "people", m->n_people),
                 *items = rows_of(s, "items", m->n_items);
    if (!people || !items)
        return gv_error_set(err, GV_ECORRUPT,
                            "the snapshot is damaged: its people or agenda do not match its "
                            "definition; fold the log instead");
    for (size_t i = 0; i < m->n_people; i++) {
        rd r = row(json_array_get(people, i), 4);
        gv_person *p = &m->people[i];
        p->checked_in_at_ms = rd_i(&r, 0, T_MAX);
        p->joined_at_ms = rd_i(&r, 0, T_MAX);
        p->present = rd_b(&r);
        p->mode = (gv_mode)rd_i(&r, 0, GV_MODE_COUNT - 1);
        if (r.bad)
            return corrupt(err, "person", i);
    }
    for (size_t i = 0; i < m->n_items; i++) {
        rd r = row(json_array_get(items, i), 5);
        gv_item *it = &m->items[i];
        it->started_at_ms = rd_i(&r, 0, T_MAX);
        it->ended_at_ms = rd_i(&r, 0, T_MAX);
        it->resumed_at_ms = rd_i(&r, 0, T_MAX);
        it->actual_ms = rd_i(&r, 0, T_MAX);
        it->runs = (int)rd_i(&r, 0, INT32_MAX);
        if (r.bad)
            return corrupt(err, "agenda item", i);
    }
    rd r = row(json_object_get(s, "meeting"), 5);
    m->status = (gv_status)rd_i(&r, GV_STATUS_SCHEDULED, GV_STATUS_CLOSED);
    m->opened_at_ms = rd_i(&r, 0, T_MAX);
    m->closed_at_ms = rd_i(&r, 0, T_MAX);
    m->current_item = rd_idx(&r, -1, m->n_items);
    m->current_question = rd_idx(&r, -1, m->n_questions_def);
    return r.bad ? corrupt(err, "meeting status", 0) : 0;
}

static int read_notes(gv_meeting *m, const json_t *s, gv_error *err)
{
    const json_t *notes = rows_of(s, "notes", SIZE_MAX);
    size_t n = json_array_size(notes);
    if (!notes || n > INT32_MAX)
        return corrupt(err, "notes", 0);
    if (GV_ARRAY_RESERVE(m->notes, m->cap_notes, n) < 0)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        rd r = row(json_array_get(notes, i), 10);
        gv_note *note = &m->notes[i];
        *note = (gv_note){0};
        note->id = rd_i(&r, 1, ID_MAX);
        note->question = rd_idx(&r, -1, m->n_questions_def);
        note->speech = rd_i(&r, 0, ID_MAX);
        note->author = rd_idx(&r, 0, m->n_people);
        note->at_ms = rd_i(&r, 0, T_MAX);
        note->text = rd_s(&r, false);
        m->n_notes = i + 1;
        note->amended_at_ms = rd_i(&r, 0, T_MAX);
        note->amended_by = rd_idx(&r, -1, m->n_people);
        note->withdrawn_at_ms = rd_i(&r, 0, T_MAX);
        note->withdrawn_by = rd_idx(&r, -1, m->n_people);
        if (r.bad)
            return corrupt(err, "note", i);
    }
    return 0;
}

static int read_summary(gv_meeting *m, const json_t *a, gv_error *err)
{
    gv_summary *sm = &m->summary;
    rd r = row(a, 6);
    sm->version = rd_i(&r, 0, ID_MAX);
    sm->approved_version = rd_i(&r, 0, ID_MAX);
    sm->approved_seq = rd_i(&r, 0, ID_MAX);
    sm->approved_at_ms = rd_i(&r, 0, T_MAX);
    sm->approved_by = rd_idx(&r, -1, m->n_people);
    const json_t *rows = r.bad ? NULL : json_array_get(a, 5);
    size_t n = json_array_size(rows);
    /* No draft yet, or one section for each part (summary.h's layout). */
    if (r.bad || !json_is_array(rows) || (n != 0 && n != m->n_questions_def + 3))
        return corrupt(err, "summary", 0);
    if (n && !(sm->sections = calloc(n, sizeof *sm->sections)))
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    sm->n_sections = n;
    for (size_t i = 0; i < n; i++) {
        gv_summary_section *sec = &sm->sections[i];
        rd s = row(json_array_get(rows, i), 4);
        sec->text = rd_s(&s, false);
        sec->version = rd_i(&s, 0, ID_MAX);
        sec->edited_by = rd_idx(&s, -1, m->n_people);
        sec->edited_at_ms = rd_i(&s, 0, T_MAX);
        if (s.bad)
            return corrupt(err, "summary section", i);
    }
    return 0;
}

static int read_requests(gv_meeting *m, const json_t *rows, gv_error *err)
{
    gv_floor *f = &m->floor;
    size_t n = json_array_size(rows);
    if (GV_ARRAY_RESERVE(f->requests, f->cap_requests, n) < 0)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        rd r = row(json_array_get(rows, i), 31);
        gv_request *q = &f->requests[i];
        *q = (gv_request){0};
        f->n_requests = i + 1;
        q->id = rd_i(&r, 1, ID_MAX);
        q->person = rd_idx(&r, 0, m->n_people);
        q->by = rd_idx(&r, 0, m->n_people);
        q->item = rd_idx(&r, 0, m->n_items);
        q->kind = (int)rd_i(&r, 0, GV_REQUEST_KIND_COUNT - 1);
        q->mode = (int)rd_i(&r, 0, GV_MODE_COUNT - 1);
        q->to = rd_idx(&r, -1, m->n_people);
        q->guiding_question = rd_idx(&r, -1, m->n_questions_def);
        q->on_behalf_of = rd_s(&r, true);
        q->at_ms = rd_i(&r, 0, T_MAX);
        q->inserted = rd_b(&r);
        q->readded = rd_b(&r);
        q->pinned = rd_b(&r);
        q->pinned_by = rd_idx(&r, -1, m->n_people);
        q->level = (int)rd_i(&r, 0, GV_LEVEL_COUNT - 1);
        q->inscribed = rd_b(&r);
        q->rank_class = (int)rd_i(&r, 0, UN_CLASSES - 1);
        q->rank_level = (int)rd_i(&r, 0, LEVEL_RANKS - 1);
        q->rank_seq = rd_i(&r, 0, ID_MAX);
        q->swapped_with = rd_i(&r, 0, ID_MAX);
        q->level_changed_at_ms = rd_i(&r, 0, T_MAX);
        q->continues = rd_i(&r, 0, ID_MAX);
        q->status = (int)rd_i(&r, 0, GV_REQUEST_STATUS_COUNT - 1);
        q->closed_at_ms = rd_i(&r, 0, T_MAX);
        q->speech = rd_i(&r, 0, ID_MAX);
        q->decline_reason = rd_s(&r, true);
        q->reason = (int)rd_i(&r, 0, GV_REASON_COUNT - 1);
        q->reason_rank = (int)rd_i(&r, 0, INT32_MAX);
        q->reason_prev_mode = (int)rd_i(&r, -1, GV_MODE_COUNT - 1);
        q->reason_prev_group = (int)rd_i(&r, -1, GV_GROUP_COUNT - 1);
        char *language = rd_s(&r, true);
        if (language && (!gv__language_ok(language) || strlen(language) >= sizeof q->language))
            r.bad = true;
        else if (language)
            memcpy(q->language, language, strlen(language) + 1);
        free(language);
        if (r.bad || (i > 0 && q->id <= f->requests[i - 1].id))
            return corrupt(err, "request", i);
    }
    return 0;
}

static int read_speeches(gv_meeting *m, const json_t *rows, gv_error *err)
{
    gv_floor *f = &m->floor;
    size_t n = json_array_size(rows);
    if (GV_ARRAY_RESERVE(f->speeches, f->cap_speeches, n) < 0)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        rd r = row(json_array_get(rows, i), 21);
        gv_speech *s = &f->speeches[i];
        *s = (gv_speech){0};
        gv_timer *t = &s->timer;
        f->n_speeches = i + 1;
        s->id = rd_i(&r, 1, ID_MAX);
        s->person = rd_idx(&r, 0, m->n_people);
        s->item = rd_idx(&r, 0, m->n_items);
        s->kind = (int)rd_i(&r, 0, GV_REQUEST_KIND_COUNT - 1);
        s->mode = (int)rd_i(&r, 0, GV_MODE_COUNT - 1);
        s->request = rd_i(&r, 0, ID_MAX);
        s->to = rd_idx(&r, -1, m->n_people);
        s->guiding_question = rd_idx(&r, -1, m->n_questions_def);
        s->answer_to = rd_i(&r, 0, ID_MAX);
        s->continues = rd_i(&r, 0, ID_MAX);
        s->ended_with_item = rd_b(&r);
        t->started_at_ms = rd_i(&r, 0, T_MAX);
        t->last_at_ms = rd_i(&r, 0, T_MAX);
        t->paused_ms = rd_i(&r, 0, T_MAX);
        t->paused_at_ms = rd_i(&r, 0, T_MAX);
        t->ended_at_ms = rd_i(&r, 0, T_MAX);
        t->limit_ms = rd_i(&r, 0, GV_TIMER_MAX_MS);
        t->warning_ms = rd_i(&r, 0, GV_TIMER_MAX_MS);
        t->extended_ms = rd_i(&r, 0, T_MAX);
        t->paused = rd_b(&r);
        t->ended = rd_b(&r);
        if (r.bad || (i > 0 && s->id <= f->speeches[i - 1].id))
            return corrupt(err, "speech", i);
    }
    return 0;
}

static int read_undo_budgets(gv_meeting *m, const json_t *fl, gv_error *err)
{
    gv_floor *f = &m->floor;
    const json_t *undo = rows_of(fl, "undo", SIZE_MAX), *budgets = rows_of(fl, "budgets", SIZE_MAX);
    if (!undo || json_array_size(undo) > GV_FLOOR_UNDO_MAX || !budgets)
        return corrupt(err, "undo stack or budgets", 0);
    for (size_t i = 0; i < json_array_size(undo); i++) {
        rd r = row(json_array_get(undo, i), 8);
        gv_undo *u = &f->undo[i];
        u->seq = rd_i(&r, 1, ID_MAX);
        u->change = (int)rd_i(&r, 0, GV_UNDO_CHANGE_COUNT - 1);
        u->request = rd_i(&r, 0, ID_MAX);
        u->was_pinned = rd_b(&r);
        u->was_at = (int)rd_i(&r, -1, INT32_MAX);
        u->was_reason = (int)rd_i(&r, 0, GV_REASON_COUNT - 1);
        u->was_closed = rd_b(&r);
        u->was_closes_at_ms = rd_i(&r, 0, T_MAX);
        f->n_undo = i + 1;
        if (r.bad)
            return corrupt(err, "undo record", i);
    }
    size_t n = json_array_size(budgets);
    if (GV_ARRAY_RESERVE(f->budgets, f->cap_budgets, n) < 0)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        rd r = row(json_array_get(budgets, i), 5);
        gv_budget *b = &f->budgets[i];
        *b = (gv_budget){0};
        f->n_budgets = i + 1;
        b->item = rd_idx(&r, 0, m->n_items);
        b->by = (int)rd_i(&r, 0, GV_BUDGET_BY_COUNT - 1);
        b->key = rd_s(&r, false);
        b->initial_ms = rd_i(&r, 0, T_MAX);
        b->added_ms = rd_i(&r, 0, T_MAX);
        if (r.bad)
            return corrupt(err, "budget", i);
    }
    return 0;
}

/* Reads an array of n integers in lo..hi into out. */
static bool read_ints(const json_t *a, size_t n, int64_t lo, int64_t hi, int *out)
{
    rd r = row(a, n);
    for (size_t i = 0; i < n && !r.bad; i++)
        out[i] = (int)rd_i(&r, lo, hi);
    return !r.bad;
}

/* The items' provisional lists, once gv__floor_ready made room for them. */
static int read_ahead(gv_meeting *m, const json_t *rows, gv_error *err)
{
    gv_floor *f = &m->floor;
    if (!json_is_array(rows) || json_array_size(rows) != f->n_ahead)
        return corrupt(err, "provisional lists", 0);
    for (size_t i = 0; i < f->n_ahead; i++) {
        gv_inscriptions *in = &f->ahead[i];
        rd r = row(json_array_get(rows, i), 6);
        const json_t *list = r.bad ? NULL : json_array_get(r.a, r.i++);
        size_t n = json_array_size(list);
        int rc;
        if (!json_is_array(list) || n > f->n_requests)
            return corrupt(err, "provisional list", i);
        if ((rc = gv__floor_ints_reserve(f, &in->list, &in->cap, n, err)) < 0)
            return rc;
        if (!read_ints(list, n, 0, (int64_t)f->n_requests - 1, in->list))
            return corrupt(err, "provisional list", i);
        in->n = n;
        in->window_set = rd_b(&r);
        in->opens_at_ms = rd_i(&r, 0, T_MAX);
        in->closes_at_ms = rd_i(&r, 0, T_MAX);
        in->changed_at_ms = rd_i(&r, 0, T_MAX);
        in->ordered_at_speeches = (size_t)rd_i(&r, 0, (int64_t)f->n_speeches);
        if (r.bad)
            return corrupt(err, "provisional list", i);
    }
    return 0;
}

static int read_totals(gv_meeting *m, const json_t *fl, gv_error *err)
{
    gv_floor *f = &m->floor;
    const json_t *totals = json_object_get(fl, "totals");
    if (json_is_null(totals))
        return 0;
    if (!json_is_array(totals) || json_array_size(totals) != 4)
        return corrupt(err, "totals", 0);
    int rc = gv__floor_ready(m, err);
    if (rc < 0)
        return rc;
    size_t n_tallies = (1 + m->n_items) * gv__floor_tally_stride(m);
    rd r = row(json_array_get(totals, 0), 3 * n_tallies);
    for (size_t i = 0; i < n_tallies; i++) {
        f->tallies[i].turns = rd_i(&r, 0, ID_MAX);
        f->tallies[i].spoken_ms = rd_i(&r, 0, ID_MAX);
        f->tallies[i].overtime_ms = rd_i(&r, 0, ID_MAX);
    }
    if (r.bad ||
        !read_ints(json_array_get(totals, 1), m->n_items + 1, 0, INT32_MAX, f->item_requests) ||
        !read_ints(json_array_get(totals, 2), m->n_people + 1, -1, (int64_t)f->n_speeches - 1,
                   f->person_last))
        return corrupt(err, "totals", 0);
    return read_ahead(m, json_array_get(totals, 3), err);
}

static int read_floor(gv_meeting *m, const json_t *fl, gv_error *err)
{
    gv_floor *f = &m->floor;
    const json_t *requests = rows_of(fl, "requests", SIZE_MAX),
                 *speeches = rows_of(fl, "speeches", SIZE_MAX),
                 *list = rows_of(fl, "list", SIZE_MAX);
    int rc;
    if (!json_is_object(fl) || !requests || !speeches || !list)
        return corrupt(err, "floor", 0);
    if ((rc = read_requests(m, requests, err)) < 0 || (rc = read_speeches(m, speeches, err)) < 0)
        return rc;
    size_t n_list = json_array_size(list);
    if ((rc = gv__floor_list_reserve(f, n_list, err)) < 0)
        return rc;
    if (!read_ints(list, n_list, 0, (int64_t)f->n_requests - 1, f->list))
        return corrupt(err, "list entry", 0);
    f->n_list = n_list;
    rd r = row(json_object_get(fl, "state"), 8);
    f->current = rd_idx(&r, -1, f->n_speeches);
    f->last_ended = rd_idx(&r, -1, f->n_speeches);
    f->closed = rd_b(&r);
    f->closes_at_ms = rd_i(&r, 0, T_MAX);
    f->autopilot = rd_b(&r);
    f->segments_at_ms = rd_i(&r, 0, T_MAX);
    f->floor_ms = rd_i(&r, 0, T_MAX);
    f->replies_ms = rd_i(&r, 0, T_MAX);
    if (r.bad || !read_ints(json_object_get(fl, "group_last"), GV_FLOOR_GROUPS_MAX, -1,
                            (int64_t)f->n_speeches - 1, f->group_last))
        return corrupt(err, "floor state", 0);
    if ((rc = read_undo_budgets(m, fl, err)) < 0)
        return rc;
    return read_totals(m, fl, err);
}

static int read_questions(gv_meeting *m, const json_t *rows, gv_error *err)
{
    gv_questions *qs = &m->questions;
    size_t n = json_array_size(rows);
    if (!rows || n > GV_QUESTIONS_MAX)
        return corrupt(err, "questions", 0);
    if (GV_ARRAY_RESERVE(qs->list, qs->cap, n) < 0)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        rd r = row(json_array_get(rows, i), 13);
        gv_question *q = &qs->list[i];
        *q = (gv_question){0};
        qs->n = i + 1;
        q->id = rd_i(&r, 1, ID_MAX);
        q->text = rd_s(&r, false);
        q->author = rd_idx(&r, -1, m->n_people);
        q->anonymous = rd_b(&r);
        q->asked_at_ms = rd_i(&r, 0, T_MAX);
        q->state = (gv_question_state)rd_i(&r, 0, GV_QUESTION_STATE_COUNT - 1);
        q->answered = rd_b(&r);
        q->answered_at_ms = rd_i(&r, 0, T_MAX);
        q->guiding_question = rd_idx(&r, -1, m->n_questions_def);
        q->to = rd_idx(&r, -1, m->n_people);
        q->merged_into = rd_i(&r, 0, ID_MAX);
        r.i = 12; /* the voters, 11, are read below */
        q->edited_at_ms = rd_i(&r, 0, T_MAX);
        const json_t *voters = r.bad ? NULL : json_array_get(rows, i);
        voters = json_array_get(voters, 11);
        size_t nv = json_array_size(voters);
        if (r.bad || !json_is_array(voters) || nv > m->n_people ||
            (i > 0 && q->id <= qs->list[i - 1].id))
            return corrupt(err, "question", i);
        if (GV_ARRAY_RESERVE(q->voters, q->cap_voters, nv) < 0)
            return gv_error_set(err, GV_ENOMEM, "out of memory");
        if (!read_ints(voters, nv, 0, (int64_t)m->n_people - 1, q->voters))
            return corrupt(err, "question", i);
        q->n_voters = nv;
        for (size_t k = 1; k < nv; k++)
            if (q->voters[k] <= q->voters[k - 1])
                return corrupt(err, "question", i);
    }
    return 0;
}

/* The question shown on the room screen: none, or a visible question. */
static int read_shown(gv_meeting *m, const json_t *v, gv_error *err)
{
    int64_t id = json_integer_value(v);
    const gv_question *q = id ? gv__question_find(&m->questions, id) : NULL;
    if (!json_is_integer(v) || (id && (!q || q->state != GV_QUESTION_VISIBLE)))
        return corrupt(err, "shown question", 0);
    m->questions.shown = id;
    return 0;
}

/* The client command ids and the events they made: [first, last, by], within the log. */
static int read_cids(gv_meeting *m, const json_t *cids, gv_error *err)
{
    const char *cid;
    const json_t *e;
    if (!json_is_object(cids))
        return corrupt(err, "command ids", 0);
    json_object_foreach((json_t *)cids, cid, e)
    {
        rd r = row(e, 3);
        int64_t first = rd_i(&r, 1, m->seq);
        rd_i(&r, first, m->seq); /* the last event, after the first */
        size_t n = strlen(cid);
        if (r.bad || !json_is_string(json_array_get(e, 2)) || n < GV_CID_MIN_BYTES ||
            n > GV_CID_MAX_BYTES ||
            strspn(cid, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                        "0123456789-_") != n)
            return corrupt(err, "command id", 0);
    }
    if (json_object_size(cids) && !(m->cids = json_deep_copy(cids)))
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    return 0;
}

gv_meeting *gv_meeting_clone(const gv_meeting *m)
{
    gv_meeting *copy = NULL;
    json_t *snap = gv_meeting_snapshot(m);
    if (snap && gv_meeting_restore(snap, &copy, NULL) < 0)
        copy = NULL;
    json_decref(snap);
    return copy;
}

int gv_meeting_restore(const json_t *snapshot, gv_meeting **out, gv_error *err)
{
    int rc;
    *out = NULL;
    const json_t *v = json_object_get(snapshot, "v");
    if (!json_is_integer(v) || json_integer_value(v) != GV_SNAPSHOT_VERSION)
        return gv_error_set(err, GV_ECORRUPT,
                            "the snapshot is of another version (%lld; this Gavel reads %d); "
                            "fold the log instead",
                            json_is_integer(v) ? (long long)json_integer_value(v) : -1LL,
                            GV_SNAPSHOT_VERSION);
    gv_meeting *m = gv_meeting_new();
    if (!m)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    rd head = row(json_object_get(snapshot, "seq"), 2);
    m->seq = rd_i(&head, 0, ID_MAX);
    m->last_at_ms = rd_i(&head, 0, T_MAX);
    const json_t *def = json_object_get(snapshot, "definition");
    if (head.bad || !def) {
        rc = corrupt(err, "head", 0);
        goto fail;
    }
    if (json_is_null(def)) {
        if (m->seq != 0) {
            rc = corrupt(err, "definition", 0);
            goto fail;
        }
        *out = m;
        return 0;
    }
    gv_error why;
    if ((rc = gv__definition_load(m, def, &why)) < 0) {
        rc = gv_error_set(err, GV_ECORRUPT, "the snapshot's definition is refused: %s", why.msg);
        goto fail;
    }
    if (!(m->definition = json_deep_copy(def))) {
        rc = gv_error_set(err, GV_ENOMEM, "out of memory");
        goto fail;
    }
    m->defined = true;
    if ((rc = read_people_items(m, snapshot, err)) < 0 || (rc = read_notes(m, snapshot, err)) < 0 ||
        (rc = read_summary(m, json_object_get(snapshot, "summary"), err)) < 0 ||
        (rc = gv__statements_restore(m, json_object_get(snapshot, "statements"), err)) < 0 ||
        (rc = read_floor(m, json_object_get(snapshot, "floor"), err)) < 0 ||
        (rc = read_questions(m, rows_of(snapshot, "questions", SIZE_MAX), err)) < 0 ||
        (rc = read_shown(m, json_object_get(snapshot, "shown_question"), err)) < 0 ||
        (rc = read_cids(m, json_object_get(snapshot, "cids"), err)) < 0)
        goto fail;
    *out = m;
    return 0;

fail:
    gv_meeting_free(m);
    return rc;
}
