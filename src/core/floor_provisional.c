/*
 * The provisional lists as the meeting moves: carried into the running list
 * when their item starts, lapsed when the meeting closes, kept in order, and
 * shown in the state ("provisional", docs/speakers-list.md).
 *
 * Carrying needs no memory and no re-ordering of its own: the running list is
 * empty when an item starts (the last one's requests lapsed just before), so
 * the provisional list's array is swapped in whole, and the running list is
 * then ordered by the same function and the same inputs that ordered the
 * provisional one. The work space of the ordering is sized for every list
 * (gv__floor_ints_reserve), so the swapped-in list fits it.
 *
 * An order depends on the requests, their pins, levels and swaps, all changed
 * by events on that list, which re-order it there; under the balanced policy
 * it also depends on the speeches of the whole meeting, so those lists are
 * re-ordered whenever a speech was given since their last ordering
 * (gv__floor_settle_provisional, part of every settle).
 */
#include "core/floor_internal.h"

#include <assert.h>
#include <stdlib.h>

void gv__floor_inscriptions_release(gv_floor *f)
{
    for (size_t i = 0; i < f->n_ahead; i++)
        free(f->ahead[i].list);
    free(f->ahead);
    f->ahead = NULL;
    f->n_ahead = 0;
}

void gv__floor_carry_inscriptions(gv_meeting *m, int64_t at_ms)
{
    gv_floor *f = &m->floor;
    if (m->current_item < 0 || !f->ahead)
        return;
    gv_inscriptions *a = &f->ahead[m->current_item];
    assert(f->n_list == 0);
    int *list = f->list;
    size_t cap = f->cap_list;
    f->list = a->list;
    f->n_list = a->n;
    f->cap_list = a->cap;
    a->list = list;
    a->n = 0;
    a->cap = cap;
    if (f->n_list > 0)
        a->changed_at_ms = at_ms;
    gv__floor_resort(m);
}

void gv__floor_lapse_inscriptions(gv_meeting *m, int64_t at_ms)
{
    gv_floor *f = &m->floor;
    for (size_t i = 0; i < f->n_ahead; i++) {
        gv_inscriptions *a = &f->ahead[i];
        for (size_t pos = 0; pos < a->n; pos++) {
            gv_request *q = &f->requests[a->list[pos]];
            q->status = GV_REQUEST_LAPSED;
            q->closed_at_ms = at_ms;
        }
        if (a->n > 0)
            a->changed_at_ms = at_ms;
        a->n = 0;
    }
}

void gv__floor_settle_provisional(gv_meeting *m)
{
    gv_floor *f = &m->floor;
    for (size_t i = 0; i < f->n_ahead; i++) {
        gv_inscriptions *a = &f->ahead[i];
        if (a->n == 0 || (int)i == m->current_item || a->ordered_at_speeches == f->n_speeches ||
            m->items[i].policy != GV_POLICY_BALANCED)
            continue;
        gv__floor_order(m, a->list, a->n, (int)i);
        a->ordered_at_speeches = f->n_speeches;
    }
}

/* ---- the state ------------------------------------------------------------------------------ */

static json_t *time_or_null(int64_t ms)
{
    return ms > 0 ? json_integer(ms) : json_null();
}

/* Entries of item's provisional list; the wait counts from the item's start. */
static json_t *entries_json(const gv_meeting *m, int item, const gv_inscriptions *a)
{
    json_t *list = json_array();
    int64_t limit = 0, warning = 0;
    gv__floor_default_limit(m, item, &limit, &warning);
    for (size_t pos = 0; list && a && pos < a->n; pos++) {
        const gv_request *r = &m->floor.requests[a->list[pos]];
        if (json_array_append_new(list, gv__floor_entry_json(m, r, pos, (int64_t)pos * limit)) <
            0) {
            json_decref(list);
            return NULL;
        }
    }
    return list;
}

static json_t *item_json(const gv_meeting *m, int item)
{
    const gv_floor *f = &m->floor;
    const gv_inscriptions *a = f->ahead ? &f->ahead[item] : NULL;
    int64_t opens = m->items[item].inscription_opens_ms,
            closes = m->items[item].inscription_closes_ms;
    if (a && a->window_set) {
        opens = a->opens_at_ms;
        closes = a->closes_at_ms;
    }
    return json_pack(
        "{s:s, s:s, s:b, s:o, s:{s:o, s:o, s:b}, s:o}", "item", m->items[item].id, "policy",
        gv_policy_names[m->items[item].policy], "running", item == m->current_item, "changed_at_ms",
        time_or_null(a ? a->changed_at_ms : 0), "inscription", "opens_at_ms", time_or_null(opens),
        "closes_at_ms", time_or_null(closes), "open",
        gv__floor_inscription_open(m, item, m->last_at_ms), "list", entries_json(m, item, a));
}

json_t *gv__floor_provisional_json(const gv_meeting *m)
{
    json_t *out = json_array();
    for (size_t i = 0; out && i < m->n_items; i++) {
        if (json_array_append_new(out, item_json(m, (int)i)) < 0) {
            json_decref(out);
            return NULL;
        }
    }
    return out;
}
