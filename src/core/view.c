/*
 * Views of the state and of events (view.h).
 *
 * The public view is made from the full JSON by removing what it may not
 * read, rather than by a second serializer: there is one description of the
 * state, and a field added to it later is public unless this file says
 * otherwise. What is removed is decided here, in one place:
 *   state:  questions not visible (see public_question), "gender" of every
 *           person, the running totals (the chair's figures), the notes'
 *           contents, the Chair's summary (left as an empty one);
 *   events: the definition's genders, the voter of a vote, notes, the
 *           summary's drafts, edits and approval, and questions and question
 *           edits the public does not see (as "withheld" stubs).
 * A question merged into another stays in the public view only when the one
 * it went into is visible there.
 */
#include "core/view.h"

#include <stdlib.h>
#include <string.h>

#include "core/meeting_internal.h"

const char *const gv_view_names[GV_VIEW_COUNT] = {"full", "public"};

#define FULL_ROLES (GV_ROLES_PRESIDING | GV_ROLE_SECRETARIAT | GV_ROLE_RAPPORTEUR)

gv_view gv_view_of_person(const gv_meeting *m, const char *person)
{
    int i = person ? gv__person_find(m, person) : -1;
    return i >= 0 && (m->people[i].roles & FULL_ROLES) ? GV_VIEW_FULL : GV_VIEW_PUBLIC;
}

gv_view gv_view_of_role(const char *role)
{
    int bit = role ? gv__name_index(gv_role_names, GV_ROLE_PERSON_COUNT, role) : -1;
    return bit >= 0 && ((1u << bit) & FULL_ROLES) ? GV_VIEW_FULL : GV_VIEW_PUBLIC;
}

/* Is question q in the public view? */
static bool public_question(const gv_meeting *m, const gv_question *q)
{
    if (q->state == GV_QUESTION_VISIBLE)
        return true;
    if (q->state != GV_QUESTION_MERGED)
        return false;
    const gv_question *into = gv__question_find(&m->questions, q->merged_into);
    return into && into->state == GV_QUESTION_VISIBLE;
}

/* A shallow copy of obj without key (its other values shared); NULL on ENOMEM. */
static json_t *without(const json_t *obj, const char *key)
{
    json_t *c = json_copy((json_t *)obj);
    if (c)
        json_object_del(c, key);
    return c;
}

/* Sets key of out to value (a new reference, NULL meaning out of memory). */
static int put(json_t *out, const char *key, json_t *value)
{
    return value && json_object_set_new(out, key, value) == 0 ? 0 : GV_ENOMEM;
}

/* A person without their declared gender (someone who declared none is
 * shared as they are): a new reference, NULL on ENOMEM. */
static json_t *without_gender(const json_t *person)
{
    return json_object_get(person, "gender") ? without(person, "gender")
                                             : json_incref((json_t *)person);
}

/* A person as view v shows them: the public view without their declared
 * gender (a new reference, NULL on ENOMEM). */
static json_t *person_in_view(const json_t *person, gv_view v)
{
    return v == GV_VIEW_PUBLIC ? without_gender(person) : json_incref((json_t *)person);
}

/* The people without their declared gender. */
static json_t *people_without_genders(const json_t *people)
{
    json_t *out = json_array();
    size_t i;
    json_t *p;
    json_array_foreach(people, i, p)
    {
        json_t *q = without_gender(p);
        if (!out || json_array_append_new(out, q) < 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

/* The state's questions the public sees (the question objects shared). */
static json_t *public_questions(const gv_meeting *m, const json_t *list)
{
    json_t *out = json_array();
    size_t i;
    json_t *x;
    json_array_foreach(list, i, x)
    {
        json_t *id = json_object_get(x, "question");
        const gv_question *q = gv__question_find(&m->questions, json_integer_value(id));
        if (out && q && public_question(m, q) && json_array_append(out, x) < 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

json_t *gv_view_narrowed(const gv_meeting *m, const json_t *state, gv_view v)
{
    if (v == GV_VIEW_FULL || !m->defined)
        return json_incref((json_t *)state);
    json_t *out = json_copy((json_t *)state);
    if (!out)
        return NULL;
    const json_t *people = json_object_get(state, "people"),
                 *questions = json_object_get(state, "questions");
    int rc = 0;
    if (people)
        rc = put(out, "people", people_without_genders(people));
    /* The running totals are the chair's: no public page shows them, and
     * their changes made up a third of what the stream's patches carried
     * (docs/decisions/0020). The record has them for everyone. */
    json_object_del(out, "totals");
    if (rc == 0 && questions)
        rc = put(out, "questions", public_questions(m, questions));
    /* Working papers: the notes, and the summary while it is drafted (the
     * approved one goes out as a document, not through the room's view). */
    if (rc == 0 && json_object_get(state, "summary"))
        rc = put(out, "summary",
                 json_pack("{s:I, s:n, s:[]}", "version", (json_int_t)0, "approved", "sections"));
    if (rc == 0 && json_object_get(state, "notes"))
        rc = put(out, "notes", json_array());
    if (rc < 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}

json_t *gv_meeting_view_json(const gv_meeting *m, gv_view v)
{
    json_t *full = gv_meeting_to_json(m);
    json_t *view = full ? gv_view_narrowed(m, full, v) : NULL;
    json_decref(full);
    return view;
}

/* The section of the state's key k into *section (0 for "seq" and
 * "last_at_ms"); GV_EINVAL for a key of no section. */
static int key_section(const char *k, unsigned *section)
{
    *section = gv_meeting_key_section(k);
    if (!*section && strcmp(k, "seq") != 0 && strcmp(k, "last_at_ms") != 0)
        return GV_EINVAL;
    return 0;
}

/* Puts into `now` (a copy of the view's state before) each key of the
 * sections `which` as `part` (those sections' view now) has it, and takes
 * out those it has not. GV_EINVAL when either holds a key of no section. */
static int replace_sections(json_t *now, const json_t *part, unsigned which)
{
    const char *k;
    json_t *v;
    void *tmp;
    unsigned section;
    json_object_foreach_safe(now, tmp, k, v)
    {
        if (key_section(k, &section) < 0)
            return GV_EINVAL;
        if ((section & which) && !json_object_get(part, k))
            json_object_del(now, k);
    }
    json_object_foreach((json_t *)part, k, v)
    {
        if (key_section(k, &section) < 0)
            return GV_EINVAL;
        if ((section & which) && json_object_set(now, k, v) < 0)
            return GV_ENOMEM;
    }
    return 0;
}

/* Puts into `now` the rows of "people" that c names, made again and
 * narrowed to view v, the other rows shared. GV_EINVAL when `now` has no
 * people of the meeting's size. */
static int replace_people(const gv_meeting *m, json_t *now, const gv_changes *c, gv_view v)
{
    const json_t *was = json_object_get(now, "people");
    if (!c->n_people || (c->sections & GV_SECTION_PEOPLE))
        return 0;
    if (!json_is_array(was) || json_array_size(was) != m->n_people)
        return GV_EINVAL;
    json_t *people = json_copy((json_t *)was);
    if (!people || json_object_set_new(now, "people", people) < 0)
        return GV_ENOMEM;
    for (size_t i = 0; i < c->n_people; i++) {
        json_t *row = gv__person_json(m, (size_t)c->people[i]);
        json_t *seen = row ? person_in_view(row, v) : NULL;
        json_decref(row);
        if (!seen || json_array_set_new(people, (size_t)c->people[i], seen) < 0)
            return GV_ENOMEM;
    }
    return 0;
}

json_t *gv_view_update(const gv_meeting *m, const json_t *took, const json_t *part,
                       const gv_changes *c, gv_view v)
{
    if (!json_is_object(took) || !m->defined || (c->sections & GV_SECTION_MEETING))
        return gv_meeting_view_json(m, v);
    json_t *seen = gv_view_narrowed(m, part, v);
    json_t *now = seen ? json_copy((json_t *)took) : NULL;
    int rc = now ? replace_sections(now, seen, c->sections) : GV_ENOMEM;
    if (rc == 0)
        rc = replace_people(m, now, c, v);
    json_decref(seen);
    if (rc == GV_EINVAL) {
        json_decref(now);
        return gv_meeting_view_json(m, v);
    }
    if (rc < 0) {
        json_decref(now);
        return NULL;
    }
    return now;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Voters are kept ascending (questions.c), so a vote is found by bisection. */
static bool voted(const gv_question *q, int person)
{
    return q->n_voters && bsearch(&person, q->voters, q->n_voters, sizeof *q->voters, cmp_int);
}

json_t *gv_meeting_you_json(const gv_meeting *m, const char *person)
{
    int who = gv__person_find(m, person);
    if (who < 0)
        return NULL;
    json_t *votes = json_array(), *own = json_array();
    json_t *you =
        json_pack("{s:s, s:o, s:o}", "person", m->people[who].id, "votes", votes, "questions", own);
    if (!you)
        return NULL;
    for (size_t i = 0; i < m->questions.n; i++) {
        const gv_question *q = &m->questions.list[i];
        if (voted(q, who) && json_array_append_new(votes, json_integer(q->id)) < 0)
            goto fail;
        if (q->author == who && !public_question(m, q) &&
            json_array_append_new(own, gv__question_json(m, q)) < 0)
            goto fail;
    }
    return you;
fail:
    json_decref(you);
    return NULL;
}

/* Marks the author of question id and of the questions merged into it; with
 * voters, its voters too. */
static void mark_question(const gv_meeting *m, int64_t id, bool voters, bool *who)
{
    const gv_question *q = gv__question_find(&m->questions, id);
    if (!q)
        return;
    if (q->author >= 0)
        who[q->author] = true;
    for (size_t i = 0; voters && i < q->n_voters; i++)
        who[q->voters[i]] = true;
    for (size_t i = 0; i < m->questions.n; i++) {
        const gv_question *x = &m->questions.list[i];
        if (x->state == GV_QUESTION_MERGED && x->merged_into == id && x->author >= 0)
            who[x->author] = true;
    }
}

int gv_event_you_people(const gv_meeting *m, const json_t *event,
                        void (*each)(void *arg, const char *person), void *arg)
{
    const char *type = json_string_value(json_object_get(event, "type"));
    const json_t *question = json_object_get(event, "question");
    if (!type || !m->n_people || !json_is_integer(question))
        return 0; /* every event that changes someone's part names a question */
    bool *who = calloc(m->n_people, sizeof *who);
    if (!who)
        return GV_ENOMEM;
    if (strcmp(type, "question_upvoted") == 0 || strcmp(type, "question_unvoted") == 0) {
        const char *voter = json_string_value(json_object_get(event, "by"));
        int by = voter ? gv__person_find(m, voter) : -1;
        if (by >= 0)
            who[by] = true;
    }
    bool merge = strcmp(type, "question_merged") == 0;
    if (json_is_integer(question))
        mark_question(m, json_integer_value(question), false, who);
    const json_t *into = json_object_get(event, "into");
    if (json_is_integer(into))
        mark_question(m, json_integer_value(into), merge, who);
    for (size_t i = 0; i < m->n_people; i++)
        if (who[i])
            each(arg, m->people[i].id);
    free(who);
    return 0;
}

/* The public form of event `type`, or NULL (with *same true) when unchanged. */
/* Whether an event is a working paper of the rapporteur and the
 * secretariat (the notes, the summary), which the public view never
 * carries. */
static bool working_paper(const char *type)
{
    static const char *const types[] = {
        "note_added",     "note_amended",     "note_withdrawn",   "summary_drafted",
        "summary_edited", "summary_approved", "summary_reopened", NULL};
    for (size_t i = 0; types[i]; i++)
        if (strcmp(type, types[i]) == 0)
            return true;
    return false;
}

static json_t *public_event(const gv_meeting *m, const json_t *event, const char *type, bool *same)
{
    *same = false;
    if (strcmp(type, "meeting_defined") == 0) {
        const json_t *def = json_object_get(event, "definition");
        json_t *copy = json_copy((json_t *)event), *d = json_copy((json_t *)def);
        if (!copy || !d ||
            put(d, "people", people_without_genders(json_object_get(def, "people"))) ||
            put(copy, "definition", json_incref(d))) {
            json_decref(copy);
            copy = NULL;
        }
        json_decref(d);
        return copy;
    }
    if (strcmp(type, "question_upvoted") == 0 || strcmp(type, "question_unvoted") == 0) {
        json_t *copy = json_copy((json_t *)event);
        if (copy)
            json_object_del(copy, "by");
        return copy;
    }
    bool withheld = working_paper(type);
    if (strcmp(type, "question_asked") == 0 || strcmp(type, "question_edited") == 0) {
        const gv_question *q = gv__question_find(
            &m->questions, json_integer_value(json_object_get(event, "question")));
        withheld = !q || !public_question(m, q);
    }
    if (!withheld) {
        *same = true;
        return NULL;
    }
    return json_pack("{s:O, s:s, s:O}", "seq", json_object_get(event, "seq"), "type",
                     GV_EVENT_WITHHELD, "at_ms", json_object_get(event, "at_ms"));
}

int gv_event_view(const gv_meeting *m, const json_t *event, gv_view v, json_t **out)
{
    *out = NULL;
    const char *type = json_string_value(json_object_get(event, "type"));
    if (v == GV_VIEW_FULL || !type)
        return 0;
    bool same;
    *out = public_event(m, event, type, &same);
    return *out || same ? 0 : GV_ENOMEM;
}
