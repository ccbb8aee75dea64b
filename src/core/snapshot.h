/*
 * Snapshots of a meeting's state: every field the fold keeps, as JSON, and
 * the meeting rebuilt from it (see snapshot.c for the format and its
 * checks). A snapshot is tied by its caller to the log position it folds
 * (the store keeps it beside the log with that seq and head hash).
 */
#ifndef GV_CORE_SNAPSHOT_H
#define GV_CORE_SNAPSHOT_H

#include "core/meeting.h"

/* The format of the snapshots this code writes and reads; a change to the
 * state's fields is a new version (older snapshots are then not read). */
#define GV_SNAPSHOT_VERSION 4

/*
 * The whole state of m as a new JSON object (the caller owns it), NULL on
 * ENOMEM. Its canonical bytes (gv_event_canonical) are the same for two
 * meetings that folded the same events.
 */
json_t *gv_meeting_snapshot(const gv_meeting *m);

/*
 * Rebuilds a meeting from a snapshot. On success *out is a new meeting (the
 * caller frees it with gv_meeting_free) that behaves exactly as the one the
 * snapshot was taken of. A snapshot of another version, or one that does
 * not fit together (a wrong type, an index out of range, a refused
 * definition), gives GV_ECORRUPT with err saying what; GV_ENOMEM. *out is
 * NULL on failure.
 */
int gv_meeting_restore(const json_t *snapshot, gv_meeting **out, gv_error *err);

/* A new meeting that behaves exactly as m (through its snapshot), NULL on ENOMEM. */
gv_meeting *gv_meeting_clone(const gv_meeting *m);

#endif
