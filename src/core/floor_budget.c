/*
 * Speaking-time budgets and the segments of a discussion.
 *
 * Budgets: the moderator may give a stakeholder group, or a delegation, a
 * budget of speaking time on an agenda item (set_budget), and add to it
 * (add_budget_time). A budget is kept per item, by (group | delegation) and
 * key; the time used is not stored but read from the item's totals, so it
 * counts every ended speech on the item, including those before the budget
 * was set, and can never drift from the speeches. Budgets only inform: the
 * list's order and the floor are not refused for a spent budget, the chair
 * decides. Invariants: at most one budget per (item, by, key), at most
 * GV_FLOOR_BUDGETS_PER_ITEM_MAX per item, initial + added <= GV_TIMER_MAX_MS.
 *
 * Segments: set_segments {floor_ms, replies_ms} starts, at the event's time,
 * a segment of statements from the floor of floor_ms, followed by a segment
 * of the panel's replies of replies_ms. Setting them again restarts them;
 * both 0 clears them. They end with the agenda item. The core keeps the
 * schedule; which segment is current depends on the clock, so the state
 * gives the times, and the segment current as of the state's last event.
 */
#include "core/floor_internal.h"

#include <stdlib.h>
#include <string.h>

#include "core/array.h"

void gv__floor_budgets_release(gv_floor *f)
{
    for (size_t i = 0; i < f->n_budgets; i++)
        free(f->budgets[i].key);
    free(f->budgets);
    f->budgets = NULL;
    f->n_budgets = f->cap_budgets = 0;
}

/* A person's delegation: the declared one, else the affiliation. */
static const char *delegation_of(const gv_person *p)
{
    if (p->delegation && p->delegation[0])
        return p->delegation;
    return p->affiliation ? p->affiliation : "";
}

static int budget_find(const gv_floor *f, int item, int by, const char *key)
{
    for (size_t i = 0; i < f->n_budgets; i++)
        if (f->budgets[i].item == item && f->budgets[i].by == by &&
            strcmp(f->budgets[i].key, key) == 0)
            return (int)i;
    return -1;
}

static size_t budgets_on(const gv_floor *f, int item)
{
    size_t n = 0;
    for (size_t i = 0; i < f->n_budgets; i++)
        n += f->budgets[i].item == item;
    return n;
}

/*
 * Checks the kind of budget and its key as a command or an event gives them:
 * the command says "by" (group or delegation); the event says "per", because
 * an event's "by" is the person who caused it.
 */
static int read_budget_key(const gv_meeting *m, const json_t *obj, const char *by_key, int *by,
                           const char **key, gv_error *err)
{
    int rc;
    if ((rc = gv__json_enum(obj, by_key, true, gv_budget_by_names, GV_BUDGET_BY_COUNT, by, err)) <
            0 ||
        (rc = gv__json_string(obj, "key", true, GV_FLOOR_KEY_MAX_BYTES, key, err)) < 0)
        return rc;
    if (*by == GV_BUDGET_GROUP) {
        if (gv__name_index(gv_group_names, GV_GROUP_COUNT, *key) < 0)
            return gv_error_set(err, GV_EINVAL,
                                "field \"key\": \"%s\" is not a stakeholder group (member_state, "
                                "observer_state, intergovernmental, private_sector, "
                                "civil_society, technical_academic)",
                                *key);
        return 0;
    }
    for (size_t p = 0; p < m->n_people; p++)
        if (strcmp(delegation_of(&m->people[p]), *key) == 0)
            return 0;
    return gv_error_set(err, GV_ENOTFOUND,
                        "field \"key\": no one in this meeting belongs to the delegation \"%s\"",
                        *key);
}

static int budget_event(const gv_meeting *m, const gv_cmd *c, json_t *events, const char *type,
                        int by, const char *key, const char *amount_key, int64_t amount,
                        gv_error *err)
{
    json_t *ev = NULL;
    int rc;
    if ((rc = gv__event_add(m, c, events, type, &ev, err)) < 0 ||
        (rc = gv__event_set(ev, "item", json_string(m->items[m->current_item].id), err)) < 0 ||
        (rc = gv__event_set(ev, "per", json_string(gv_budget_by_names[by]), err)) < 0 ||
        (rc = gv__event_set(ev, "key", json_string(key), err)) < 0)
        return rc;
    return gv__event_set(ev, amount_key, json_integer(amount), err);
}

int gv__floor_decide_set_budget(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    static const char *const fields[] = {"type", "id", "by", "key", "budget_ms", NULL};
    const gv_floor *f = &m->floor;
    const char *key = NULL;
    int64_t budget = 0;
    int by = 0, rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0 ||
        (rc = read_budget_key(m, c->json, "by", &by, &key, err)) < 0 ||
        (rc = gv__json_int(c->json, "budget_ms", true, 0, GV_TIMER_MAX_MS, &budget, err)) < 0 ||
        (rc = gv__floor_need_item(m, c->type, err)) < 0)
        return rc;
    int b = budget_find(f, m->current_item, by, key);
    if (b >= 0 && f->budgets[b].initial_ms == budget)
        return gv_error_set(err, GV_ESTATE, "the budget of %s \"%s\" is already %lld ms",
                            gv_budget_by_names[by], key, (long long)budget);
    if (b >= 0 && budget + f->budgets[b].added_ms > GV_TIMER_MAX_MS)
        return gv_error_set(
            err, GV_EINVAL, "a budget of %lld ms with the %lld ms added would exceed %lld ms",
            (long long)budget, (long long)f->budgets[b].added_ms, (long long)GV_TIMER_MAX_MS);
    if (b < 0 && budgets_on(f, m->current_item) >= GV_FLOOR_BUDGETS_PER_ITEM_MAX)
        return gv_error_set(err, GV_ELIMIT,
                            "this agenda item already has %d budgets, the most it takes",
                            GV_FLOOR_BUDGETS_PER_ITEM_MAX);
    return budget_event(m, c, events, "budget_set", by, key, "budget_ms", budget, err);
}

int gv__floor_decide_add_budget(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    static const char *const fields[] = {"type", "id", "by", "key", "added_ms", NULL};
    const gv_floor *f = &m->floor;
    const char *key = NULL;
    int64_t added = 0;
    int by = 0, rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0 ||
        (rc = read_budget_key(m, c->json, "by", &by, &key, err)) < 0 ||
        (rc = gv__json_int(c->json, "added_ms", true, 1, GV_TIMER_MAX_MS, &added, err)) < 0 ||
        (rc = gv__floor_need_item(m, c->type, err)) < 0)
        return rc;
    int b = budget_find(f, m->current_item, by, key);
    if (b < 0)
        return gv_error_set(err, GV_ENOTFOUND,
                            "%s \"%s\" has no budget on this agenda item: set one first",
                            gv_budget_by_names[by], key);
    if (f->budgets[b].initial_ms + f->budgets[b].added_ms + added > GV_TIMER_MAX_MS)
        return gv_error_set(err, GV_EINVAL, "adding %lld ms would make the budget exceed %lld ms",
                            (long long)added, (long long)GV_TIMER_MAX_MS);
    return budget_event(m, c, events, "budget_added", by, key, "added_ms", added, err);
}

/* Reads a budget event; *b is the existing budget's index or -1. */
static int ev_budget(const gv_meeting *m, const json_t *ev, const char *amount_key, int *by,
                     const char **key, int64_t *amount, int *b, gv_error *err)
{
    const char *item = NULL;
    if (gv__json_string(ev, "item", true, GV_FLOOR_KEY_MAX_BYTES, &item, err) < 0 ||
        read_budget_key(m, ev, "per", by, key, err) < 0 ||
        gv__json_int(ev, amount_key, true, 0, GV_TIMER_MAX_MS, amount, err) < 0)
        return gv__event_corrupt_field(ev, err);
    if (m->current_item < 0 || strcmp(item, m->items[m->current_item].id) != 0)
        return gv__event_corrupt(ev, err, "the budget is not on the running agenda item");
    *b = budget_find(&m->floor, m->current_item, *by, *key);
    return 0;
}

int gv__floor_apply_budget_set(gv_meeting *m, const json_t *ev, gv_error *err)
{
    if (gv__floor_ev_presiding(m, ev, err) < 0)
        return GV_ECORRUPT;
    gv_floor *f = &m->floor;
    const char *key = "";
    int64_t budget = 0;
    int by = 0, b = -1, rc;
    if ((rc = ev_budget(m, ev, "budget_ms", &by, &key, &budget, &b, err)) < 0)
        return rc;
    if (b >= 0) {
        if (budget + f->budgets[b].added_ms > GV_TIMER_MAX_MS)
            return gv__event_corrupt(ev, err, "the budget would exceed its bound");
        f->budgets[b].initial_ms = budget;
        return 0;
    }
    if (budgets_on(f, m->current_item) >= GV_FLOOR_BUDGETS_PER_ITEM_MAX)
        return gv__event_corrupt(ev, err, "the item already has the most budgets it takes");
    if (GV_ARRAY_RESERVE(f->budgets, f->cap_budgets, f->n_budgets + 1) < 0)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    char *copy = strdup(key);
    if (!copy)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    f->budgets[f->n_budgets++] =
        (gv_budget){.item = m->current_item, .by = by, .key = copy, .initial_ms = budget};
    return 0;
}

int gv__floor_apply_budget_added(gv_meeting *m, const json_t *ev, gv_error *err)
{
    if (gv__floor_ev_presiding(m, ev, err) < 0)
        return GV_ECORRUPT;
    gv_floor *f = &m->floor;
    const char *key = NULL;
    int64_t added = 0;
    int by = 0, b = -1, rc;
    if ((rc = ev_budget(m, ev, "added_ms", &by, &key, &added, &b, err)) < 0)
        return rc;
    if (b < 0 || added < 1 ||
        f->budgets[b].initial_ms + f->budgets[b].added_ms + added > GV_TIMER_MAX_MS)
        return gv__event_corrupt(ev, err,
                                 "it adds to a budget that is not there, or beyond its bound");
    f->budgets[b].added_ms += added;
    return 0;
}

/* Time spoken on the running item by the budget's group or delegation. */
static int64_t budget_used(const gv_meeting *m, const gv_budget *b)
{
    int64_t used = 0;
    for (size_t p = 0; p < m->n_people; p++) {
        const gv_person *who = &m->people[p];
        bool in = b->by == GV_BUDGET_GROUP ? strcmp(gv_group_names[who->group], b->key) == 0
                                           : strcmp(delegation_of(who), b->key) == 0;
        const gv_tally *t = in ? gv__floor_person_tally(m, 1 + (size_t)b->item, (int)p) : NULL;
        if (t)
            used += t->spoken_ms;
    }
    return used;
}

json_t *gv__floor_budgets_json(const gv_meeting *m)
{
    const gv_floor *f = &m->floor;
    json_t *out = json_array();
    if (!out)
        return NULL;
    for (size_t i = 0; m->current_item >= 0 && i < f->n_budgets; i++) {
        const gv_budget *b = &f->budgets[i];
        if (b->item != m->current_item)
            continue;
        int64_t used = budget_used(m, b);
        json_t *j = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I}", "by", gv_budget_by_names[b->by],
                              "key", b->key, "initial_ms", (json_int_t)b->initial_ms, "added_ms",
                              (json_int_t)b->added_ms, "used_ms", (json_int_t)used, "left_ms",
                              (json_int_t)(b->initial_ms + b->added_ms - used));
        if (json_array_append_new(out, j) < 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}

/* ---- segments ------------------------------------------------------------------------------- */

int gv__floor_decide_segments(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    static const char *const fields[] = {"type", "id", "floor_ms", "replies_ms", NULL};
    const gv_floor *f = &m->floor;
    int64_t floor_ms = 0, replies_ms = 0;
    json_t *ev = NULL;
    int rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0 ||
        (rc = gv__json_int(c->json, "floor_ms", true, 0, GV_TIMER_MAX_MS, &floor_ms, err)) < 0 ||
        (rc = gv__json_int(c->json, "replies_ms", true, 0, GV_TIMER_MAX_MS, &replies_ms, err)) <
            0 ||
        (rc = gv__floor_need_item(m, c->type, err)) < 0)
        return rc;
    if (floor_ms == 0 && replies_ms == 0 && f->floor_ms == 0 && f->replies_ms == 0)
        return gv_error_set(err, GV_ESTATE, "no segments are set: there are none to clear");
    if ((rc = gv__event_add(m, c, events, "segments_set", &ev, err)) < 0 ||
        (rc = gv__event_set(ev, "floor_ms", json_integer(floor_ms), err)) < 0)
        return rc;
    return gv__event_set(ev, "replies_ms", json_integer(replies_ms), err);
}

int gv__floor_apply_segments(gv_meeting *m, const json_t *ev, gv_error *err)
{
    if (gv__floor_ev_presiding(m, ev, err) < 0)
        return GV_ECORRUPT;
    gv_floor *f = &m->floor;
    int64_t floor_ms = 0, replies_ms = 0;
    if (gv__json_int(ev, "floor_ms", true, 0, GV_TIMER_MAX_MS, &floor_ms, err) < 0 ||
        gv__json_int(ev, "replies_ms", true, 0, GV_TIMER_MAX_MS, &replies_ms, err) < 0)
        return gv__event_corrupt_field(ev, err);
    if (m->current_item < 0)
        return gv__event_corrupt(ev, err, "no agenda item is running");
    bool clear = floor_ms == 0 && replies_ms == 0;
    f->segments_at_ms = clear ? 0 : gv__event_at(ev);
    f->floor_ms = floor_ms;
    f->replies_ms = replies_ms;
    return 0;
}

json_t *gv__floor_segments_json(const gv_meeting *m)
{
    const gv_floor *f = &m->floor;
    if (f->floor_ms == 0 && f->replies_ms == 0)
        return json_null();
    int64_t floor_end = f->segments_at_ms + f->floor_ms;
    int64_t replies_end = floor_end + f->replies_ms;
    int64_t at = m->last_at_ms;
    const char *current = at < floor_end ? "floor" : at < replies_end ? "replies" : "over";
    int64_t current_end = at < floor_end ? floor_end : replies_end;
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:s, s:I}", "started_at_ms",
                     (json_int_t)f->segments_at_ms, "floor_ms", (json_int_t)f->floor_ms,
                     "replies_ms", (json_int_t)f->replies_ms, "floor_ends_at_ms",
                     (json_int_t)floor_end, "replies_ends_at_ms", (json_int_t)replies_end,
                     "current", current, "current_ends_at_ms", (json_int_t)current_end);
}
