/*
 * Replay: rebuilding a meeting's state from its stored log, and checking on the
 * way that every stored event is well formed, canonical and fits the state;
 * loading it from its newest snapshot and the events after it; storing and
 * checking snapshots.
 */
#ifndef GV_STORE_REPLAY_H
#define GV_STORE_REPLAY_H

#include <jansson.h>
#include <stdint.h>

#include "core/meeting.h"
#include "store/store.h"

/*
 * Parses one stored event and checks it as gv_replay_event does before it
 * applies anything: the canonical JSON of one object whose seq, type and
 * at_ms agree with the stored columns. For a thread that reads events
 * ahead of the one that folds them. Returns the parsed event (the caller
 * decrefs it), or NULL with err set (GV_ECORRUPT naming the event).
 */
json_t *gv_replay_parse(const gv_stored_event *ev, gv_error *err);

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

/** events between two snapshots, unless the caller says otherwise */
#define GV_SNAPSHOT_EVERY 10000

/* What gv_load did, for logs and metrics. */
typedef struct gv_load_info {
    int64_t snapshot_seq;           /** seq of the snapshot it started from, 0 for none */
    int64_t events_folded;          /** events folded after it */
    char skipped[GV_ERROR_MSG_MAX]; /** why a stored snapshot was not used, "" if none was */
} gv_load_info;

/*
 * Loads the meeting as gv_replay does, but from its newest usable snapshot
 * and the events after it: a snapshot of another format version, one whose
 * bytes are damaged or do not restore, or one not tied to this log (its
 * head hash does not chain to the next stored event) is passed over, and
 * the log folded from its start (info->skipped says why). info may be NULL.
 * Returns as gv_replay.
 */
int gv_load(gv_store *s, const char *meeting_id, gv_meeting **out, gv_load_info *info,
            gv_error *err);

/*
 * The newest usable snapshot of the meeting, restored, without the events
 * after it: *out is the meeting at the snapshot's seq (the caller frees it
 * and folds the rest). Usable as gv_load says. GV_ENOTFOUND when there is
 * none (info->skipped, when info is given, says why one was passed over).
 */
int gv_load_snapshot(gv_store *s, const char *meeting_id, gv_meeting **out, gv_load_info *info,
                     gv_error *err);

/*
 * Stores a snapshot of m, at its seq, when that seq passed a multiple of
 * `every` (> 0) since `prev_seq` (the seq m had when the caller last
 * decided). Returns 0 when none was due or it was stored; a GV_E* code
 * when storing failed (the log is not affected).
 */
int gv_snapshot_if_due(gv_store *s, const char *meeting_id, const gv_meeting *m, int64_t prev_seq,
                       int64_t every, gv_error *err);

/* Stores a snapshot of m at its seq now. */
int gv_snapshot_store(gv_store *s, const char *meeting_id, const gv_meeting *m, gv_error *err);

/*
 * Whether a stored snapshot is the state m folded (m at the snapshot's
 * seq, whose event has chain hash `head`): 0 when it is, byte for byte;
 * GV_ECORRUPT with err saying how it differs; GV_ESTATE when it is of
 * another format version and cannot be compared.
 */
int gv_snapshot_check(const gv_meeting *m, const unsigned char head[GV_HASH_BYTES],
                      const gv_stored_snapshot *snap, gv_error *err);

#endif
