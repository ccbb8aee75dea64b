/*
 * Meeting definitions in the meeting: the name tables of the definition's
 * enumerations, loading a definition into a meeting, releasing it, and
 * finding people, agenda items and guiding questions by id.
 *
 * Loading runs the validator's walk (definition_check.c) with a staging
 * meeting to fill; the staging meeting replaces the definition part of the
 * real one only when the walk found no problem, so a refused definition
 * changes nothing. The first problem becomes the error message; the others
 * are counted, and `gavel validate` lists them all.
 *
 * People are also indexed by id (m->people_by_id, sorted), since commands and
 * events name people by id and a meeting may have thousands of them; agenda
 * items and guiding questions are few and are searched in order.
 */
#include "core/definition.h"

#include <stdlib.h>
#include <string.h>

#include "core/definition_internal.h"
#include "core/meeting_internal.h"

const char *const gv_group_names[GV_GROUP_COUNT] = {"member_state",      "observer_state",
                                                    "intergovernmental", "private_sector",
                                                    "civil_society",     "technical_academic"};
const char *const gv_region_names[GV_REGION_COUNT] = {"african",
                                                      "asia_pacific",
                                                      "eastern_european",
                                                      "latin_american_caribbean",
                                                      "western_european_others",
                                                      "none"};
const char *const gv_gender_names[GV_GENDER_COUNT] = {"undisclosed", "female", "male", "other"};
const char *const gv_mode_names[GV_MODE_COUNT] = {"room", "online"};
const char *const gv_level_names[GV_LEVEL_COUNT] = {
    "head_of_state", "head_of_government", "vice_president",    "crown_prince",
    "minister",      "vice_minister",      "head_of_delegation"};
const char *const gv_item_kind_names[GV_ITEM_KIND_COUNT] = {
    "opening", "report", "presentations", "discussion", "closing", "other"};
const char *const gv_policy_names[GV_POLICY_COUNT] = {"fifo", "un", "balanced"};
const char *const gv_role_names[GV_ROLE_COUNT] = {
    "chair", "moderator", "secretariat", "rapporteur", "panelist", "participant", "system"};

int gv__name_index(const char *const *names, int n, const char *name)
{
    for (int i = 0; name && i < n; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

/* ---- loading ------------------------------------------------------------------------------- */

typedef struct first_problem {
    bool set;
    int code;
    char msg[GV_ERROR_MSG_MAX];
} first_problem;

static void keep_first(const gv_def_problem *p, void *ud)
{
    first_problem *f = ud;
    if (f->set)
        return;
    f->set = true;
    f->code = p->code;
    gv__def_problem_text(p, f->msg, sizeof f->msg);
}

typedef struct id_ref {
    const char *id;
    int index;
} id_ref;

static int id_ref_cmp(const void *a, const void *b)
{
    return strcmp(((const id_ref *)a)->id, ((const id_ref *)b)->id);
}

/* Fills m->people_by_id; GV_ENOMEM leaves it NULL. */
static int index_people(gv_meeting *m)
{
    if (m->n_people == 0)
        return 0;
    id_ref *refs = malloc(m->n_people * sizeof *refs);
    int *by_id = malloc(m->n_people * sizeof *by_id);
    if (!refs || !by_id) {
        free(refs);
        free(by_id);
        return GV_ENOMEM;
    }
    for (size_t i = 0; i < m->n_people; i++)
        refs[i] = (id_ref){m->people[i].id, (int)i};
    qsort(refs, m->n_people, sizeof *refs, id_ref_cmp);
    for (size_t i = 0; i < m->n_people; i++)
        by_id[i] = refs[i].index;
    free(refs);
    m->people_by_id = by_id;
    return 0;
}

/* Moves the definition part of `from` (whose own is then empty) into `to` (empty before). */
static void definition_move(gv_meeting *to, gv_meeting *from)
{
    to->id = from->id;
    to->title = from->title;
    to->body = from->body;
    to->session = from->session;
    to->starts_local = from->starts_local;
    to->ends_local = from->ends_local;
    to->timezone = from->timezone;
    to->venue = from->venue;
    to->online_link = from->online_link;
    to->translations = from->translations;
    to->languages = from->languages;
    to->n_languages = from->n_languages;
    to->anonymous_questions = from->anonymous_questions;
    to->moderated_questions = from->moderated_questions;
    to->people = from->people;
    to->n_people = from->n_people;
    to->people_by_id = from->people_by_id;
    to->documents = from->documents;
    to->n_documents = from->n_documents;
    to->questions_def = from->questions_def;
    to->n_questions_def = from->n_questions_def;
    to->items = from->items;
    to->n_items = from->n_items;
    memset(from, 0, sizeof *from);
}

int gv__definition_load(gv_meeting *m, const json_t *def, gv_error *err)
{
    first_problem first = {0};
    gv_meeting *stage = calloc(1, sizeof *stage);
    int rc;
    if (!stage)
        return gv_error_set(err, GV_ENOMEM, "out of memory loading the definition");
    rc = gv__def_walk(def, NULL, NULL, stage, keep_first, &first);
    if (rc == 0 && index_people(stage) < 0)
        rc = GV_ENOMEM;
    if (rc < 0) {
        rc = gv_error_set(err, GV_ENOMEM, "out of memory loading the definition");
        goto fail;
    }
    if (rc > 0) {
        if (rc > 1)
            rc = gv_error_set(err, first.code,
                              "invalid meeting definition: %s (and %d more problems; "
                              "`gavel validate` lists them all)",
                              first.msg, rc - 1);
        else
            rc = gv_error_set(err, first.code, "invalid meeting definition: %s", first.msg);
        goto fail;
    }
    gv__definition_release(m);
    definition_move(m, stage);
    free(stage);
    return 0;
fail:
    gv__definition_release(stage);
    free(stage);
    return rc;
}

void gv__definition_release(gv_meeting *m)
{
    json_decref(m->definition);
    m->definition = NULL;
    free(m->id);
    free(m->title);
    free(m->body);
    free(m->session);
    free(m->starts_local);
    free(m->ends_local);
    free(m->timezone);
    free(m->venue);
    free(m->online_link);
    json_decref(m->translations);
    m->translations = NULL;
    for (size_t i = 0; i < m->n_languages; i++)
        free(m->languages[i]);
    free(m->languages);
    for (size_t i = 0; i < m->n_people; i++) {
        gv_person *p = &m->people[i];
        free(p->id);
        free(p->name);
        free(p->function);
        free(p->affiliation);
        free(p->delegation);
        for (size_t k = 0; k < p->n_speaks; k++)
            free(p->speaks[k]);
        free(p->speaks);
    }
    free(m->people);
    free(m->people_by_id);
    for (size_t i = 0; i < m->n_documents; i++) {
        free(m->documents[i].symbol);
        free(m->documents[i].title);
        free(m->documents[i].link);
        json_decref(m->documents[i].translations);
    }
    free(m->documents);
    for (size_t i = 0; i < m->n_questions_def; i++) {
        free(m->questions_def[i].id);
        free(m->questions_def[i].text);
        json_decref(m->questions_def[i].translations);
    }
    free(m->questions_def);
    for (size_t i = 0; i < m->n_items; i++) {
        free(m->items[i].id);
        free(m->items[i].title);
        free(m->items[i].speakers);
        free(m->items[i].inscription_opens);
        free(m->items[i].inscription_closes);
        json_decref(m->items[i].translations);
    }
    free(m->items);
    m->id = m->title = m->body = m->session = NULL;
    m->starts_local = m->ends_local = m->timezone = m->venue = m->online_link = NULL;
    m->languages = NULL;
    m->people = NULL;
    m->people_by_id = NULL;
    m->documents = NULL;
    m->questions_def = NULL;
    m->items = NULL;
    m->n_languages = m->n_people = m->n_documents = m->n_questions_def = m->n_items = 0;
    m->anonymous_questions = m->moderated_questions = false;
}

/* ---- lookups ------------------------------------------------------------------------------- */

int gv__person_find(const gv_meeting *m, const char *id)
{
    if (!id)
        return -1;
    if (!m->people_by_id) {
        for (size_t i = 0; i < m->n_people; i++)
            if (strcmp(m->people[i].id, id) == 0)
                return (int)i;
        return -1;
    }
    size_t lo = 0, hi = m->n_people;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int p = m->people_by_id[mid];
        int c = strcmp(id, m->people[p].id);
        if (c == 0)
            return p;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return -1;
}

int gv__item_find(const gv_meeting *m, const char *id)
{
    for (size_t i = 0; id && i < m->n_items; i++)
        if (strcmp(m->items[i].id, id) == 0)
            return (int)i;
    return -1;
}

int gv__question_def_find(const gv_meeting *m, const char *id)
{
    for (size_t i = 0; id && i < m->n_questions_def; i++)
        if (strcmp(m->questions_def[i].id, id) == 0)
            return (int)i;
    return -1;
}
