/*
 * Undoing the moderator's list changes.
 *
 * Every change the moderator makes to the list of the running item pushes a
 * record on a stack (f->undo, oldest first, at most GV_FLOOR_UNDO_MAX deep):
 *
 *   request_declined       -> the request waits again, where it stood
 *   request_moved          -> the request goes back where it stood
 *   floor_requested (inserted or re-added)
 *                          -> the request is cancelled and leaves the list
 *   list_closed / list_reopened
 *                          -> the closed flag and the automatic closing time
 *                             are put back
 *
 * "Where it stood" is its old position (the end, if the list is shorter now),
 * pinned there if it was pinned. An unpinned request is put back at its old
 * position and then placed by the policy, so that pinned entries behind it
 * shift back as they shifted forward when it left.
 *
 * undo_list_change takes back the change on top of the stack, so repeated
 * undo walks back through the changes. The stack keeps only changes that can
 * still be undone: a record about a request that has left the list since (given
 * the floor, withdrawn, declined again, lapsed), or about a declined request
 * whose person has asked again, is dropped by gv__floor_undo_prune() after
 * every apply. Giving the floor, speech timers, budgets and segments are not
 * list changes and are not undone (a speech ended by mistake is put back with
 * readd_last_speaker). The stack is emptied when the agenda item changes.
 *
 * One stack serves the chair and the moderator together: they keep one list,
 * and undo goes back through that list's history, whoever made the change.
 */
#include "core/floor_internal.h"

#include <stdlib.h>
#include <string.h>

static const char *const change_names[GV_UNDO_CHANGE_COUNT] = {"decline", "move",  "insert",
                                                               "readd",   "close", "reopen"};

void gv__floor_undo_push(gv_floor *f, const gv_undo *u)
{
    if (f->n_undo == GV_FLOOR_UNDO_MAX) {
        memmove(f->undo, f->undo + 1, (GV_FLOOR_UNDO_MAX - 1) * sizeof *f->undo);
        f->n_undo--;
    }
    f->undo[f->n_undo++] = *u;
}

static bool still_undoable(const gv_floor *f, const gv_undo *u)
{
    if (u->change == GV_UNDO_CLOSE || u->change == GV_UNDO_REOPEN)
        return true;
    int r = gv__floor_request_find(f, u->request);
    if (r < 0)
        return false;
    if (u->change == GV_UNDO_DECLINE)
        return f->requests[r].status == GV_REQUEST_DECLINED &&
               gv__floor_pending(f, f->requests[r].person) < 0;
    return f->requests[r].status == GV_REQUEST_WAITING;
}

void gv__floor_undo_prune(gv_floor *f)
{
    size_t kept = 0;
    for (size_t i = 0; i < f->n_undo; i++)
        if (still_undoable(f, &f->undo[i]))
            f->undo[kept++] = f->undo[i];
    f->n_undo = kept;
}

int gv__floor_decide_undo(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err)
{
    static const char *const fields[] = {"type", "id", NULL};
    const gv_floor *f = &m->floor;
    json_t *ev = NULL;
    int rc;
    if ((rc = gv__json_only(c->json, fields, err)) < 0 ||
        (rc = gv__floor_need_item(m, c->type, err)) < 0)
        return rc;
    if (f->n_undo == 0)
        return gv_error_set(err, GV_ESTATE,
                            "there is no list change to undo on this agenda item (changes "
                            "about a request that has left the list since cannot be undone)");
    const gv_undo *u = &f->undo[f->n_undo - 1];
    if ((rc = gv__event_add(m, c, events, "list_change_undone", &ev, err)) < 0 ||
        (rc = gv__event_set(ev, "undone", json_integer(u->seq), err)) < 0 ||
        (rc = gv__event_set(ev, "change", json_string(change_names[u->change]), err)) < 0)
        return rc;
    if (u->change != GV_UNDO_CLOSE && u->change != GV_UNDO_REOPEN)
        return gv__event_set(ev, "request", json_integer(u->request), err);
    return 0;
}

int gv__floor_apply_undone(gv_meeting *m, const json_t *ev, gv_error *err)
{
    if (gv__floor_ev_presiding(m, ev, err) < 0)
        return GV_ECORRUPT;
    gv_floor *f = &m->floor;
    int64_t undone = 0;
    if (gv__json_int(ev, "undone", true, 1, INT64_MAX, &undone, err) < 0)
        return gv__event_corrupt_field(ev, err);
    if (f->n_undo == 0 || f->undo[f->n_undo - 1].seq != undone)
        return gv__event_corrupt(ev, err, "it does not undo the last list change");
    const gv_undo u = f->undo[f->n_undo - 1];
    int r = -1;
    gv_request *q = NULL;
    if (u.change != GV_UNDO_CLOSE && u.change != GV_UNDO_REOPEN) {
        /* The prune keeps only records whose request is there, in the right status. */
        if ((r = gv__floor_request_find(f, u.request)) < 0)
            return gv__event_corrupt(ev, err, "the change it undoes names no request");
        q = &f->requests[r];
        int rc = u.change == GV_UNDO_DECLINE ? gv__floor_list_reserve(f, 1, err) : 0;
        if (rc < 0)
            return rc;
    }
    switch (u.change) {
    case GV_UNDO_DECLINE:
        q->status = GV_REQUEST_WAITING;
        q->closed_at_ms = 0;
        free(q->decline_reason);
        q->decline_reason = NULL;
        q->pinned = u.was_pinned;
        q->reason = u.was_reason;
        gv__floor_list_insert(f, (size_t)u.was_at, r); /* clamped to the end */
        break;
    case GV_UNDO_MOVE:
        gv__floor_list_remove(f, (size_t)gv__floor_position(f, r));
        gv__floor_list_insert(f, (size_t)u.was_at, r);
        q->pinned = u.was_pinned;
        q->reason = u.was_reason;
        break;
    case GV_UNDO_INSERT:
    case GV_UNDO_READD:
        gv__floor_list_remove(f, (size_t)gv__floor_position(f, r));
        q->status = GV_REQUEST_CANCELLED;
        q->closed_at_ms = gv__event_at(ev);
        break;
    default:
        f->closed = u.was_closed;
        f->closes_at_ms = u.was_closes_at_ms;
        break;
    }
    f->n_undo--;
    gv__floor_settle(m);
    return 0;
}

json_t *gv__floor_undo_json(const gv_floor *f)
{
    if (f->n_undo == 0)
        return json_null();
    const gv_undo *u = &f->undo[f->n_undo - 1];
    json_t *j = json_pack("{s:I, s:s, s:I}", "seq", (json_int_t)u->seq, "change",
                          change_names[u->change], "depth", (json_int_t)f->n_undo);
    if (j && u->change != GV_UNDO_CLOSE && u->change != GV_UNDO_REOPEN &&
        json_object_set_new(j, "request", json_integer(u->request)) < 0) {
        json_decref(j);
        return NULL;
    }
    return j;
}
