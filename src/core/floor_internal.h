/*
 * What the files of the floor share: lookups, list operations, the ordering,
 * the undo stack, totals, and the decide/apply functions the tables in
 * floor.c point at. Nothing outside src/core/floor*.c includes this.
 *
 * Every apply function follows one pattern: read and check every field of the
 * event, reserve the memory it will need, then change the state (nothing can
 * fail from there on), and finish with gv__floor_settle(), which re-orders
 * the list and drops undo records that no longer apply.
 */
#ifndef GV_CORE_FLOOR_INTERNAL_H
#define GV_CORE_FLOOR_INTERNAL_H

#include "core/meeting_internal.h"

#include "core/jsonf.h"

/* ---- lookups (floor.c) ---------------------------------------------------------------------- */

/* Index of the request / speech with this id, or -1. */
int gv__floor_request_find(const gv_floor *f, int64_t id);
int gv__floor_speech_find(const gv_floor *f, int64_t id);
/* Position of request index r on the list, or -1. */
int gv__floor_position(const gv_floor *f, int r);
/* Index of the person's waiting request, or -1. */
int gv__floor_pending(const gv_floor *f, int person);
/* Whether the list refuses new requests at now_ms (closed, or past closes_at_ms). */
bool gv__floor_is_closed(const gv_floor *f, int64_t now_ms);
/* GV_ESTATE unless an agenda item is running; names the command. */
int gv__floor_need_item(const gv_meeting *m, const char *type, gv_error *err);
/* Allocates the per-item and per-person arrays once the definition is known. */
int gv__floor_ready(gv_meeting *m, gv_error *err);
/* Re-orders the list and prunes the undo stack: the last step of every apply. */
void gv__floor_settle(gv_meeting *m);

/* ---- event helpers (floor.c; the ones every module uses are in event.c) ---------------------- */

/* GV_ECORRUPT unless the event's "by" is the chair or a moderator (the events
 * only they can cause). */
int gv__floor_ev_presiding(const gv_meeting *m, const json_t *ev, gv_error *err);
/* The request named by an integer field of a command (GV_ENOTFOUND when there is none). */
int gv__floor_cmd_request(const gv_meeting *m, const gv_cmd *c, const char *key, int *out,
                          gv_error *err);
/* The request named by an integer field of an event, which must be waiting. */
int gv__floor_ev_waiting(const gv_meeting *m, const json_t *ev, const char *key, int *out,
                         gv_error *err);
/* Ordinal words for messages and reasons: "1st", "2nd", ... into buf. */
const char *gv__floor_ordinal(long n, char *buf, size_t size);

/* ---- the list (floor_policy.c) -------------------------------------------------------------- */

/* Makes room for `extra` more entries on the list (and the ordering's work space). */
int gv__floor_list_reserve(gv_floor *f, size_t extra, gv_error *err);
/* Puts request index r at position pos (room reserved); later entries move down. */
void gv__floor_list_insert(gv_floor *f, size_t pos, int r);
/* Takes the entry at pos off the list; later entries move up. */
void gv__floor_list_remove(gv_floor *f, size_t pos);
/* Where a new unpinned request goes before the re-ordering: after the leading
 * points of order for a point of order, otherwise at the end. */
size_t gv__floor_entry_slot(const gv_floor *f, int kind);
/* Re-orders the unpinned entries by the running item's policy and sets every
 * entry's reason. Needs no memory beyond what list_reserve gave. */
void gv__floor_resort(gv_meeting *m);
/* The reason of waiting request r as a sentence, into buf (at most
 * GV_FLOOR_REASON_MAX_BYTES + 1 bytes are needed). */
void gv__floor_reason_text(const gv_meeting *m, const gv_request *r, char *buf, size_t size);

/* ---- undo (floor_undo.c) -------------------------------------------------------------------- */

/* Pushes a record (the oldest falls off a full stack). */
void gv__floor_undo_push(gv_floor *f, const gv_undo *u);
/* Drops records that can no longer be undone (their request left the list,
 * or the person asked again). */
void gv__floor_undo_prune(gv_floor *f);
int gv__floor_decide_undo(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err);
int gv__floor_apply_undone(gv_meeting *m, const json_t *ev, gv_error *err);
/* The change on top of the stack, for the console's "Undo" button: a new
 * reference, JSON null when there is none, NULL on ENOMEM. */
json_t *gv__floor_undo_json(const gv_floor *f);

/* ---- speeches (floor_speech.c) -------------------------------------------------------------- */

int gv__floor_decide_give(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err);
int gv__floor_decide_next(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err);
int gv__floor_decide_pause(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err);
int gv__floor_decide_resume(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err);
int gv__floor_decide_extend(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err);
int gv__floor_decide_set_limit(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err);
int gv__floor_decide_end(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err);
int gv__floor_decide_autopilot(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err);
int gv__floor_apply_given(gv_meeting *m, const json_t *ev, gv_error *err);
int gv__floor_apply_paused(gv_meeting *m, const json_t *ev, gv_error *err);
int gv__floor_apply_resumed(gv_meeting *m, const json_t *ev, gv_error *err);
int gv__floor_apply_extended(gv_meeting *m, const json_t *ev, gv_error *err);
int gv__floor_apply_limit_set(gv_meeting *m, const json_t *ev, gv_error *err);
int gv__floor_apply_ended(gv_meeting *m, const json_t *ev, gv_error *err);
int gv__floor_apply_autopilot(gv_meeting *m, const json_t *ev, gv_error *err);
/* The default limit and warning of a speech on item `item` (the item's, or 3 and 2 minutes). */
void gv__floor_default_limit(const gv_meeting *m, int item, int64_t *limit_ms, int64_t *warning_ms);
/* The speech under way, or NULL. */
const gv_speech *gv__floor_current(const gv_meeting *m);

/* ---- budgets and segments (floor_budget.c) -------------------------------------------------- */

int gv__floor_decide_segments(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err);
int gv__floor_decide_set_budget(const gv_meeting *m, const gv_cmd *c, json_t *events,
                                gv_error *err);
int gv__floor_decide_add_budget(const gv_meeting *m, const gv_cmd *c, json_t *events,
                                gv_error *err);
int gv__floor_apply_segments(gv_meeting *m, const json_t *ev, gv_error *err);
int gv__floor_apply_budget_set(gv_meeting *m, const json_t *ev, gv_error *err);
int gv__floor_apply_budget_added(gv_meeting *m, const json_t *ev, gv_error *err);
void gv__floor_budgets_release(gv_floor *f);
/* The budgets of the running item as a JSON array (new reference), NULL on ENOMEM. */
json_t *gv__floor_budgets_json(const gv_meeting *m);
/* The segments as JSON (new reference; null when none are set). */
json_t *gv__floor_segments_json(const gv_meeting *m);

/* ---- totals (floor_totals.c) ---------------------------------------------------------------- */

/* Tallies per scope: scope 0 is the meeting, scope 1 + i agenda item i. */
size_t gv__floor_tally_stride(const gv_meeting *m);
/* Adds an ended speech to the tallies of the meeting and of its item. */
void gv__floor_tally_speech(gv_meeting *m, const gv_speech *s);
/* The tally of person p in a scope (NULL before any speech). */
const gv_tally *gv__floor_person_tally(const gv_meeting *m, size_t scope, int p);
/* {"meeting": {...}, "items": {id: {...}}} (new reference), NULL on ENOMEM. */
json_t *gv__floor_totals_json(const gv_meeting *m);

#endif
