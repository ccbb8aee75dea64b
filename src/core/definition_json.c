/*
 * The definition part of the state JSON, in three sections of the state
 * (meeting.h): meeting, documents and
 * guiding_questions, which only the definition sets (gv__meeting_to_json);
 * agenda (gv__items_to_json) and people (gv__people_to_json), which have
 * live fields.
 *
 * It writes the definition back in its own shape and units (durations in
 * minutes), defaults filled in and absent optional text as null, so the
 * definition part of a state loads again as a definition once its live fields
 * are taken out: checked_in_at_ms, joined_at_ms and present of each person;
 * started_at_ms, ended_at_ms, resumed_at_ms, actual_ms and runs of each item.
 */
#include "core/definition.h"

#include "core/definition_internal.h"
#include "core/meeting_internal.h"

/* Optional text: null when empty, as an absent field reads back. */
static json_t *opt_string(const char *s)
{
    return s && *s ? json_string(s) : json_null();
}

/* Translations as given, or null. */
static json_t *opt_translations(const json_t *t)
{
    return t ? json_deep_copy(t) : json_null();
}

static json_t *opt_time(int64_t at_ms)
{
    return at_ms ? json_integer(at_ms) : json_null();
}

/* Milliseconds as minutes: a whole number when it is one, so output stays as written. */
static json_t *minutes_json(int64_t ms)
{
    return ms % 60000 == 0 ? json_integer(ms / 60000) : json_real((double)ms / 60000.0);
}

static json_t *meeting_json(const gv_meeting *m)
{
    json_t *langs = json_array();
    for (size_t i = 0; langs && i < m->n_languages; i++)
        if (json_array_append_new(langs, json_string(m->languages[i])) < 0) {
            json_decref(langs);
            langs = NULL;
        }
    return json_pack("{s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:s, s:o, s:o, s:{s:b, s:b}, s:o}", "id",
                     m->id, "title", m->title, "body", m->body, "session", opt_string(m->session),
                     "starts", m->starts_local, "ends", m->ends_local, "timezone", m->timezone,
                     "venue", m->venue, "online_link", opt_string(m->online_link), "languages",
                     langs, "questions", "anonymous", (int)m->anonymous_questions, "moderated",
                     (int)m->moderated_questions, "translations",
                     opt_translations(m->translations));
}

static json_t *person_json(const gv_person *p)
{
    json_t *roles = json_array();
    for (int r = 0; roles && r < GV_ROLE_PERSON_COUNT; r++)
        if ((p->roles & (1u << r)) &&
            json_array_append_new(roles, json_string(gv_role_names[r])) < 0) {
            json_decref(roles);
            roles = NULL;
        }
    /* "speaks" is left out when the definition does not say, so that a
     * definition written back reads as it was written. */
    json_t *speaks = p->n_speaks ? json_array() : NULL;
    for (size_t k = 0; speaks && k < p->n_speaks; k++)
        if (json_array_append_new(speaks, json_string(p->speaks[k])) < 0) {
            json_decref(speaks);
            speaks = NULL;
        }
    if (p->n_speaks && !speaks) {
        json_decref(roles);
        return NULL;
    }
    return json_pack("{s:s, s:s, s:o, s:o, s:o, s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:b, s:o*}",
                     "id", p->id, "name", p->name, "function", opt_string(p->function),
                     "affiliation", opt_string(p->affiliation), "delegation",
                     opt_string(p->delegation), "group", gv_group_names[p->group], "region",
                     gv_region_names[p->region], "gender", gv_gender_names[p->gender], "mode",
                     gv_mode_names[p->mode], "level", gv_level_names[p->level], "roles", roles,
                     "checked_in_at_ms", opt_time(p->checked_in_at_ms), "joined_at_ms",
                     opt_time(p->joined_at_ms), "present", (int)p->present, "speaks", speaks);
}

static json_t *item_json(const gv_meeting *m, const gv_item *it)
{
    json_t *speakers = json_array();
    for (size_t i = 0; speakers && i < it->n_speakers; i++)
        if (json_array_append_new(speakers, json_string(m->people[it->speakers[i]].id)) < 0) {
            json_decref(speakers);
            speakers = NULL;
        }
    json_t *inscription = it->inscription_opens
                              ? json_pack("{s:s, s:o}", "opens", it->inscription_opens, "closes",
                                          opt_string(it->inscription_closes))
                              : json_null();
    return json_pack(
        "{s:s, s:s, s:s, s:o, s:{s:o, s:o}, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:I, s:i, s:o}",
        "id", it->id, "title", it->title, "kind", gv_item_kind_names[it->kind], "planned_minutes",
        minutes_json(it->planned_ms), "speaking", "limit_minutes", minutes_json(it->limit_ms),
        "warning_minutes", minutes_json(it->warning_ms), "policy", gv_policy_names[it->policy],
        "list_closes_after_minutes",
        it->list_closes_after_ms ? minutes_json(it->list_closes_after_ms) : json_null(), "speakers",
        speakers, "inscription", inscription, "started_at_ms", opt_time(it->started_at_ms),
        "ended_at_ms", opt_time(it->ended_at_ms), "resumed_at_ms", opt_time(it->resumed_at_ms),
        "actual_ms", (json_int_t)it->actual_ms, "runs", it->runs, "translations",
        opt_translations(it->translations));
}

/* Sets state[key] to a new array of f(i) for i < n; GV_ENOMEM when anything fails. */
static int set_list(json_t *state, const char *key, size_t n,
                    json_t *(*f)(const gv_meeting *, size_t), const gv_meeting *m)
{
    json_t *list = json_array();
    if (!list)
        return GV_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        if (json_array_append_new(list, f(m, i)) < 0) {
            json_decref(list);
            return GV_ENOMEM;
        }
    }
    return json_object_set_new(state, key, list) < 0 ? GV_ENOMEM : 0;
}

static json_t *document_at(const gv_meeting *m, size_t i)
{
    const gv_document *d = &m->documents[i];
    return json_pack("{s:o, s:s, s:o, s:o}", "symbol", opt_string(d->symbol), "title", d->title,
                     "link", opt_string(d->link), "translations",
                     opt_translations(d->translations));
}

static json_t *question_at(const gv_meeting *m, size_t i)
{
    const gv_guiding_question *q = &m->questions_def[i];
    return json_pack("{s:s, s:s, s:o}", "id", q->id, "text", q->text, "translations",
                     opt_translations(q->translations));
}

static json_t *item_at(const gv_meeting *m, size_t i)
{
    return item_json(m, &m->items[i]);
}

json_t *gv__person_json(const gv_meeting *m, size_t i)
{
    return person_json(&m->people[i]);
}

int gv__meeting_to_json(const gv_meeting *m, json_t *state)
{
    if (json_object_set_new(state, "meeting", meeting_json(m)) < 0 ||
        set_list(state, "documents", m->n_documents, document_at, m) < 0 ||
        set_list(state, "guiding_questions", m->n_questions_def, question_at, m) < 0)
        return GV_ENOMEM;
    return 0;
}

int gv__items_to_json(const gv_meeting *m, json_t *state)
{
    return set_list(state, "agenda", m->n_items, item_at, m);
}

int gv__people_to_json(const gv_meeting *m, json_t *state)
{
    return set_list(state, "people", m->n_people, gv__person_json, m);
}
