/*
 * Speaking totals: turns, time spoken and overtime, per person, stakeholder
 * group, regional group, gender and mode, for the meeting and for each agenda
 * item. They are updated when a speech ends (gv__floor_tally_speech), never
 * recomputed, and read by the budgets, the state JSON and the report.
 *
 * Layout: f->tallies is one block of (1 + items) scopes; scope 0 is the
 * meeting, scope 1 + i is agenda item i. Each scope holds `stride` tallies:
 *
 *   [0, people)                          per person
 *   [people, +GV_GROUP_COUNT)            per stakeholder group
 *   [..., +GV_REGION_COUNT)              per regional group
 *   [..., +GV_GENDER_COUNT)              per gender
 *   [..., +GV_MODE_COUNT)                per mode (where the speech was made from)
 *
 * Invariant: in every scope, the sum over people equals the sum over groups,
 * over regions, over genders and over modes (each speech is added once to
 * each). A speech that continues one ended by mistake adds its time but not a
 * turn: it is the same turn.
 */
#include "core/floor_internal.h"

size_t gv__floor_tally_stride(const gv_meeting *m)
{
    return m->n_people + GV_GROUP_COUNT + GV_REGION_COUNT + GV_GENDER_COUNT + GV_MODE_COUNT;
}

static gv_tally *scope_of(const gv_meeting *m, size_t scope)
{
    return m->floor.tallies + scope * gv__floor_tally_stride(m);
}

static void add(gv_tally *t, int64_t turns, int64_t spoken, int64_t overtime)
{
    t->turns += turns;
    t->spoken_ms += spoken;
    t->overtime_ms += overtime;
}

void gv__floor_tally_speech(gv_meeting *m, const gv_speech *s)
{
    const gv_person *p = &m->people[s->person];
    int64_t at = s->timer.ended_at_ms;
    int64_t spoken = gv_timer_elapsed_ms(&s->timer, at);
    int64_t overtime = gv_timer_overtime_ms(&s->timer, at);
    int64_t turns = s->continues > 0 ? 0 : 1;
    size_t np = m->n_people;
    size_t scopes[2] = {0, 1 + (size_t)s->item};
    for (int k = 0; k < 2; k++) {
        gv_tally *t = scope_of(m, scopes[k]);
        add(&t[s->person], turns, spoken, overtime);
        add(&t[np + (size_t)p->group], turns, spoken, overtime);
        add(&t[np + GV_GROUP_COUNT + (size_t)p->region], turns, spoken, overtime);
        add(&t[np + GV_GROUP_COUNT + GV_REGION_COUNT + (size_t)p->gender], turns, spoken, overtime);
        add(&t[np + GV_GROUP_COUNT + GV_REGION_COUNT + GV_GENDER_COUNT + (size_t)s->mode], turns,
            spoken, overtime);
    }
}

const gv_tally *gv__floor_person_tally(const gv_meeting *m, size_t scope, int p)
{
    if (!m->floor.tallies)
        return NULL;
    return &scope_of(m, scope)[p];
}

static json_t *tally_json(const gv_tally *t)
{
    return json_pack("{s:I, s:I, s:I}", "turns", (json_int_t)t->turns, "spoken_ms",
                     (json_int_t)t->spoken_ms, "overtime_ms", (json_int_t)t->overtime_ms);
}

/* {name: tally} for n tallies named by names[]. */
static json_t *named_json(const gv_tally *t, const char *const *names, size_t n)
{
    json_t *o = json_object();
    for (size_t i = 0; o && i < n; i++) {
        if (json_object_set_new(o, names[i], tally_json(&t[i])) < 0) {
            json_decref(o);
            return NULL;
        }
    }
    return o;
}

static json_t *scope_json(const gv_meeting *m, const gv_tally *t)
{
    static const gv_tally zero[GV_GROUP_COUNT + GV_REGION_COUNT + GV_GENDER_COUNT + GV_MODE_COUNT];
    size_t np = m->n_people;
    const gv_tally *fixed = t ? t + np : zero;
    json_t *people = json_object();
    for (size_t p = 0; people && t && p < np; p++) {
        if ((t[p].turns || t[p].spoken_ms) &&
            json_object_set_new(people, m->people[p].id, tally_json(&t[p])) < 0) {
            json_decref(people);
            people = NULL;
        }
    }
    json_t *groups = named_json(fixed, gv_group_names, GV_GROUP_COUNT);
    json_t *regions = named_json(fixed + GV_GROUP_COUNT, gv_region_names, GV_REGION_COUNT);
    json_t *genders =
        named_json(fixed + GV_GROUP_COUNT + GV_REGION_COUNT, gv_gender_names, GV_GENDER_COUNT);
    json_t *modes = named_json(fixed + GV_GROUP_COUNT + GV_REGION_COUNT + GV_GENDER_COUNT,
                               gv_mode_names, GV_MODE_COUNT);
    if (!people || !groups || !regions || !genders || !modes) {
        json_decref(people);
        json_decref(groups);
        json_decref(regions);
        json_decref(genders);
        json_decref(modes);
        return NULL;
    }
    return json_pack("{s:o, s:o, s:o, s:o, s:o}", "people", people, "groups", groups, "regions",
                     regions, "genders", genders, "modes", modes);
}

json_t *gv__floor_totals_json(const gv_meeting *m)
{
    const gv_floor *f = &m->floor;
    json_t *items = json_object();
    if (!items)
        return NULL;
    for (size_t i = 0; f->tallies && i < m->n_items; i++) {
        const gv_tally *t = scope_of(m, 1 + i);
        size_t np = m->n_people;
        int64_t turns = 0, spoken = 0;
        for (int md = 0; md < GV_MODE_COUNT; md++) {
            turns += t[np + GV_GROUP_COUNT + GV_REGION_COUNT + GV_GENDER_COUNT + md].turns;
            spoken += t[np + GV_GROUP_COUNT + GV_REGION_COUNT + GV_GENDER_COUNT + md].spoken_ms;
        }
        if (!turns && !spoken)
            continue;
        json_t *s = scope_json(m, t);
        if (!s || json_object_set_new(items, m->items[i].id, s) < 0) {
            json_decref(items);
            return NULL;
        }
    }
    json_t *meeting = scope_json(m, f->tallies ? scope_of(m, 0) : NULL);
    if (!meeting) {
        json_decref(items);
        return NULL;
    }
    return json_pack("{s:o, s:o}", "meeting", meeting, "items", items);
}
