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

/* Index of the request with this id, or -1 (the speech's: meeting_internal.h). */
int gv__floor_request_find(const gv_floor *f, int64_t id);
/* Position of request index r on the list, or -1. */
int gv__floor_position(const gv_floor *f, int r);
/* Index of the person's waiting request, or -1. */
int gv__floor_pending(const gv_floor *f, int person);
/* GV_ESTATE unless request index r waits on the running item's list; says
 * what became of it, or which provisional list holds it. */
int gv__floor_need_listed(const gv_meeting *m, int r, gv_error *err);
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
/* The fields of a request shared by request_floor, insert_speaker and the inscriptions. */
typedef struct gv__req_fields {
    int kind, mode, to, gq;
    const char *on_behalf_of; /** borrowed from the command, trimmed: on_behalf_len bytes */
    size_t on_behalf_len;
    const char *language; /** borrowed: the language they will speak in, NULL if not said */
} gv__req_fields;
/* Reads and checks kind, mode, to, guiding_question, on_behalf_of and
 * language of a command for `person` (defaults: an intervention, the
 * person's mode, the guiding question under discussion, no language). */
int gv__floor_read_request_fields(const gv_meeting *m, const json_t *cmd, int person,
                                  gv__req_fields *rf, gv_error *err);
/* Sets "language" on a floor_requested or speaker_inscribed event when rf
 * names one. */
int gv__floor_event_language(json_t *ev, const gv__req_fields *rf, gv_error *err);
/* Reads an event's optional "language" into *out (NULL when absent);
 * GV_ECORRUPT when it is not a language tag. */
int gv__floor_read_language(const json_t *ev, const char **out, gv_error *err);
/* Ordinal words for messages and reasons: "1st", "2nd", ... into buf. */
const char *gv__floor_ordinal(long n, char *buf, size_t size);

/* ---- the list (floor_policy.c) -------------------------------------------------------------- */

/* int64_t of work space the ordering needs per list entry (see floor_policy.c). */
#define GV__FLOOR_SCRATCH_PER_ENTRY 6
/* Makes the ordering's work space hold lists of cap entries. */
int gv__floor_scratch_reserve(gv_floor *f, size_t cap, gv_error *err);
/* Makes room for `extra` more entries on the list (and the ordering's work space). */
int gv__floor_list_reserve(gv_floor *f, size_t extra, gv_error *err);
/* The same for any list of request indices (*list of *cap entries) to hold `need`. */
int gv__floor_ints_reserve(gv_floor *f, int **list, size_t *cap, size_t need, gv_error *err);
/* Inserts r at pos (clamped to the end) / removes the entry at pos, room reserved. */
void gv__floor_ints_insert(int *list, size_t *n, size_t pos, int r);
void gv__floor_ints_remove(int *list, size_t *n, size_t pos);
/* Puts request index r at position pos (room reserved); later entries move down. */
void gv__floor_list_insert(gv_floor *f, size_t pos, int r);
/* Takes the entry at pos off the list; later entries move up. */
void gv__floor_list_remove(gv_floor *f, size_t pos);
/* Where a new unpinned request goes before the re-ordering: after the leading
 * points of order for a point of order, otherwise at the end. */
size_t gv__floor_entry_slot(const gv_floor *f, int kind);
/* Re-orders the unpinned entries of list[0..n) by item's policy and sets
 * every entry's reason. Needs no memory beyond what the reserve functions
 * gave (n <= f->cap_scratch). */
void gv__floor_order(gv_meeting *m, int *list, size_t n, int item);
/* gv__floor_order on the running item's list. */
void gv__floor_resort(gv_meeting *m);
/* Sets r's rank from its class and level under its item's policy, with its
 * time from event `seq`; ends a swap. */
void gv__floor_rank_set(const gv_meeting *m, gv_request *r, int64_t seq);
/* Precedence of a gv_level, 0 first (a Vice-President and a Crown Prince share one). */
int gv__floor_level_rank(int level);
/* The reason of waiting request r as a sentence, into buf (at most
 * GV_FLOOR_REASON_MAX_BYTES + 1 bytes are needed). */
void gv__floor_reason_text(const gv_meeting *m, const gv_request *r, char *buf, size_t size);

/* ---- inscription ahead (floor_inscription.c) ------------------------------------------------ */

int gv__floor_decide_inscribe(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err);
int gv__floor_decide_inscribe_speaker(const gv_meeting *m, const gv_cmd *c, json_t *events,
                                      gv_error *err);
int gv__floor_decide_withdraw_inscription(const gv_meeting *m, const gv_cmd *c, json_t *events,
                                          gv_error *err);
int gv__floor_decide_move_inscription(const gv_meeting *m, const gv_cmd *c, json_t *events,
                                      gv_error *err);
int gv__floor_decide_swap(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err);
int gv__floor_decide_set_level(const gv_meeting *m, const gv_cmd *c, json_t *events, gv_error *err);
int gv__floor_decide_set_inscription(const gv_meeting *m, const gv_cmd *c, json_t *events,
                                     gv_error *err);
int gv__floor_apply_inscribed(gv_meeting *m, const json_t *ev, gv_error *err);
int gv__floor_apply_inscription_withdrawn(gv_meeting *m, const json_t *ev, gv_error *err);
int gv__floor_apply_inscription_moved(gv_meeting *m, const json_t *ev, gv_error *err);
int gv__floor_apply_swapped(gv_meeting *m, const json_t *ev, gv_error *err);
int gv__floor_apply_level_set(gv_meeting *m, const json_t *ev, gv_error *err);
int gv__floor_apply_inscription_set(gv_meeting *m, const json_t *ev, gv_error *err);
/* The item that just started (m->current_item) takes its provisional list as
 * its speakers' list; needs no memory. */
void gv__floor_carry_inscriptions(gv_meeting *m, int64_t at_ms);
/* Re-orders the provisional lists whose order depends on the speeches (the
 * balanced policy) when a speech was given since; part of settle. */
void gv__floor_settle_provisional(gv_meeting *m);
void gv__floor_inscriptions_release(gv_floor *f);
/* Whether a person may inscribe themselves for item at at_ms: its window is
 * open, it is not running and the meeting is not closed. */
bool gv__floor_inscription_open(const gv_meeting *m, int item, int64_t at_ms);
/* The state's "provisional" (new reference), NULL on ENOMEM. */
json_t *gv__floor_provisional_json(const gv_meeting *m);
/* One list entry as in floor.list (floor_json.c): wait_ms is its expected wait. */
json_t *gv__floor_entry_json(const gv_meeting *m, const gv_request *r, size_t pos, int64_t wait_ms);

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
/* Whether person p has had a speech (ended or under way) on item `item`. */
bool gv__floor_heard(const gv_floor *f, int p, int item);
/* Whether waiting request q goes before the item's planned speakers: a point
 * of order, a right of reply, or a place the moderator chose. */
bool gv__floor_before_planned(const gv_request *q);
/* Who next_speaker would give the floor to: *person, and *request the index
 * of the waiting request it would grant (-1 for a planned speaker without
 * one). False, both -1, when nobody is next or no item runs. */
bool gv__floor_next(const gv_meeting *m, int *person, int *request);

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
