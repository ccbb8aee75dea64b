/*
 * Replay: rebuilding a meeting's state from its stored log, and checking on the
 * way that every stored event is well formed, canonical and fits the state.
 */
#ifndef GV_STORE_REPLAY_H
#define GV_STORE_REPLAY_H

#include <jansson.h>
#include <stdint.h>

#include "core/meeting.h"
#include "store/store.h"

/*
 * Folds one stored event into m. Checks that its bytes are the canonical JSON
 * of an object whose seq, type and at_ms agree with the stored columns, then
 * applies it. Returns 0, or GV_ECORRUPT (or GV_ENOMEM) with err naming the
 * event; m is unchanged on failure.
 */
int gv_replay_event(gv_meeting *m, const gv_stored_event *ev, gv_error *err);

/* Called by gv_replay_range after each event is applied: the stored event
 * (its bytes are the canonical bytes, borrowed) and the event parsed
 * (borrowed). A non-zero return stops the replay and is returned. */
typedef int (*gv_replay_fn)(void *ud, const gv_stored_event *stored, const json_t *event);

/*
 * Folds the meeting's stored events with after_seq < seq <= upto_seq
 * (upto_seq 0: to the end) into m, each checked as gv_replay_event checks
 * it, calling each(ud, stored, event) after each one applied (each may be
 * NULL). Returns 0, each's non-zero value, or a GV_E* code with err naming
 * the event (GV_ENOTFOUND for an unknown meeting); m then holds the events
 * before the one that failed.
 */
int gv_replay_range(gv_store *s, const char *meeting_id, int64_t after_seq, int64_t upto_seq,
                    gv_meeting *m, gv_replay_fn each, void *ud, gv_error *err);

/*
 * Rebuilds the meeting `meeting_id` from the store. On success *out is a new
 * meeting the caller frees with gv_meeting_free. On failure returns a GV_E*
 * code with err naming the first event that could not be applied, and *out is
 * NULL.
 */
int gv_replay(gv_store *s, const char *meeting_id, gv_meeting **out, gv_error *err);

#endif
