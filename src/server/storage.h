/*
 * The server's side of storage (storage.c): the store's handles (rooms load
 * through the reader with store/replay.h), and batches of events handed to
 * the store's writer.
 */
#ifndef GV_SERVER_STORAGE_H
#define GV_SERVER_STORAGE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "server/server_internal.h"
#include "core/meeting.h"
#include "store/store.h"

/* Opens the two store handles and starts the writer. */
int gv__storage_open(struct gv_server *s, const char *db_path, gv_error *err);
/* Stops the writer thread (after committing what is queued): no more wake-ups. */
void gv__storage_stop(struct gv_server *s);
/* Drops completions nobody will read, frees the writer, closes the store. */
void gv__storage_close(struct gv_server *s);
/* The store handle the loop thread reads with (never blocked by the writer). */
gv_store *gv__storage_reader(struct gv_server *s);
/*
 * The meeting as its newest usable snapshot holds it (store/replay.h,
 * gv_load_snapshot), without the events after it. GV_ENOTFOUND when there
 * is none; a snapshot passed over is logged.
 */
int gv__storage_load_snapshot(struct gv_server *s, const char *meeting, gv_meeting **out,
                              gv_error *err);
/* Hands a snapshot of the meeting's state (at its seq) to the writer, after
 * the batches submitted before; failures are only counted and logged. */
void gv__storage_snapshot(struct gv_server *s, const char *meeting, const gv_meeting *m);
/* Snapshots stored and failed since the start (the writer's counters). */
void gv__storage_snapshot_counts(struct gv_server *s, uint64_t *stored, uint64_t *failed);
/*
 * Hands the events of command cmd (decided for the attempts-th time, after
 * the room's ahead_head) to the writer, to be appended only after that
 * event (gv_writer_submit_after); ahead_head moves on to the batch's last
 * event. The batch is completed later through gv__storage_poll, which
 * calls gv__room_committed.
 */
int gv__storage_submit(struct gv_server *s, gv__room *r, gv__client *c, const json_t *cmd,
                       unsigned attempts, json_t *events, const json_t *req_id, gv_error *err);
/* For tests: the handle the writer commits with, to force its failures
 * with gv_store_fail_next (thread-safe). */
gv_store *gv__storage_writer_store(struct gv_server *s);
/* Drains writer completions (loop thread). */
void gv__storage_poll(struct gv_server *s);
/* Batches submitted and not yet completed, all rooms. */
unsigned gv__storage_in_flight(const struct gv_server *s);
/*
 * Creates the meeting m from its first event (gv_meeting_from_definition)
 * through the writer thread and waits for the commit: for threads other
 * than the loop (the job thread), which must never wait for a disk. As
 * gv_create_meeting (store/create.h): GV_ESTATE when the meeting exists.
 */
int gv__storage_create(struct gv_server *s, const gv_meeting *m, const json_t *first,
                       gv_error *err);

/*
 * Stores a file beside meeting's log through the writer thread and waits
 * for the commit (gv_writer_put_file_wait): for the job thread, never the
 * loop. 0 with the file's SHA-256 in hash, or the store's GV_E* code.
 */
int gv__storage_put_file(struct gv_server *s, const char *meeting, const char *media_type,
                         const unsigned char *bytes, size_t len, unsigned char hash[32],
                         gv_error *err);

#endif
