/*
 * The storage writer: a thread that commits appends in groups, so that one
 * transaction (one fsync) serves every append waiting when it starts.
 *
 *   event loop                       writer thread
 *   ----------                       -------------
 *   gv_writer_submit(batch) ---->    takes every waiting batch
 *                                    BEGIN IMMEDIATE
 *                                      SAVEPOINT; append batch 1; RELEASE
 *                                      SAVEPOINT; append batch 2 (fails); ROLLBACK TO
 *                                      ...
 *                                    COMMIT
 *   notify(ud) <-------------------  queues one completion per batch
 *   gv_writer_poll(fn) --> fn(done)  (on the loop's own thread)
 *
 * A batch is the events of one append to one meeting, or one snapshot of a
 * meeting's state (gv_writer_submit_snapshot, whose outcome is only
 * counted); it succeeds or fails alone (its savepoint), and only a failed
 * COMMIT fails the whole group. A batch's completion is reported only after
 * its COMMIT returned, so an acknowledged event is durable. A COMMIT whose
 * answer was lost with the connection (PostgreSQL) is in doubt: the writer
 * reads the log, connecting again, for at most GV_WRITER_IN_DOUBT_MS, and
 * reports the group committed if its events are there (by seq and chain
 * hash), failed (GV_EUNAVAIL) if they are not, and failed `in_doubt` if the
 * log could not be read. Batches are
 * taken in submission order, so a loop may submit seq 5-6 and then 7-8 of
 * one meeting before the first completes; if 5-6 fails, 7-8 fails too (its
 * seq no longer follows), unless another writer stored its own 5-6
 * meanwhile: gv_writer_submit_after tells the two apart by the chain hash
 * 7-8 was decided after.
 *
 * Data crosses between the threads only through the writer's two queues
 * (submitted batches, completions), guarded by one mutex and condition
 * variables; submitted events are copied, completions are the writer's.
 * The writer uses the gv_store handle it is given, holding the handle's
 * mutex for each transaction; other threads may still use that handle (they
 * wait for the commit) or, better, open their own on the same file.
 */
#ifndef GV_STORE_WRITER_H
#define GV_STORE_WRITER_H

#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"

typedef struct gv_writer gv_writer;

/** how long the writer tries to read the log after a COMMIT whose answer
 *  was lost, before it reports the outcome unknown */
#define GV_WRITER_IN_DOUBT_MS 5000

/* Flags of a submitted batch. */
enum {
    GV_WRITE_CREATE = 1u << 0, /** create the meeting first (gv_store_create_meeting) */
};

/* The outcome of one batch, as handed to the gv_writer_poll callback. All
 * pointers are borrowed and valid only during the callback. */
typedef struct gv_write_done {
    void *tag;              /** the caller's tag given to gv_writer_submit */
    const char *meeting_id; /** the batch's meeting */
    int code;               /** 0 when committed, else a GV_E* code */
    const char *message;    /** "" when committed, else what went wrong */
    int64_t first_seq;      /** seq of the batch's first event (0 when empty or failed) */
    int64_t last_seq;       /** seq of the meeting's last event after the batch (0 when failed) */
    unsigned char head[GV_HASH_BYTES]; /** chain hash of that event (zeros when failed) */
    const gv_event_in *events;         /** the batch's events, their bytes as stored */
    size_t n;                          /** how many */
    /** failed with GV_EUNAVAIL although it may have been stored: its COMMIT's
     *  answer was lost, and the log could not be read again to tell */
    bool in_doubt;
} gv_write_done;

/* Counters since the writer started. */
typedef struct gv_writer_stats {
    uint64_t transactions;       /** transactions run (each one COMMIT) */
    uint64_t batches;            /** batches processed, committed or failed */
    uint64_t batches_failed;     /** of which failed */
    uint64_t events;             /** events committed */
    uint64_t max_batches_per_tx; /** largest group so far */
    uint64_t snapshots;          /** snapshots stored (gv_writer_submit_snapshot) */
    uint64_t snapshots_failed;   /** snapshots that could not be stored */
    uint64_t files;              /** files stored (gv_writer_put_file_wait) */
} gv_writer_stats;

/* Called on the writer thread after completions were queued; it must be
 * safe to call from any thread (lws_cancel_service, an eventfd write). */
typedef void (*gv_writer_notify_fn)(void *ud);

/* Receives one completion, on the thread that calls gv_writer_poll. */
typedef void (*gv_writer_done_fn)(void *ud, const gv_write_done *done);

/*
 * Starts a writer thread committing to `store`, which stays the caller's and
 * must outlive the writer (close it after gv_writer_free). `notify` may be
 * NULL (the caller then polls on its own schedule). Returns NULL with err
 * set on failure (GV_EPERM for a read-only store, GV_ENOMEM, GV_EIO when the
 * thread cannot start).
 */
gv_writer *gv_writer_new(gv_store *store, gv_writer_notify_fn notify, void *notify_ud,
                         gv_error *err);

/*
 * Queues an append of `n` events to `meeting_id` (flags: GV_WRITE_CREATE or
 * 0); the events are copied, so the caller may free them at once. `tag` is
 * handed back with the completion. Returns 0 when queued (the outcome comes
 * later through gv_writer_poll), or at once: GV_EINVAL/GV_ELIMIT for a bad
 * id or event, GV_EBUSY when too many batches are waiting, GV_ESTATE after
 * gv_writer_stop, GV_ENOMEM. Seqs are checked when the batch is committed.
 */
int gv_writer_submit(gv_writer *w, const char *meeting_id, unsigned flags,
                     const gv_event_in *events, size_t n, void *tag, gv_error *err);

/*
 * Same as gv_writer_submit (without flags), for a log that other writers
 * append to as well (several servers on one PostgreSQL database): the batch
 * is appended only if the meeting's log still ends with the event whose
 * chain hash is `after` (32 zero bytes for an empty log), the event the
 * caller decided its events after. The caller computes it through its own
 * batches still in flight (gv_hash_event), so a pipelined batch whose
 * predecessor lost its place to another writer fails too, with GV_ESTATE,
 * even though its seq follows the other writer's event.
 */
int gv_writer_submit_after(gv_writer *w, const char *meeting_id,
                           const unsigned char after[GV_HASH_BYTES], const gv_event_in *events,
                           size_t n, void *tag, gv_error *err);

/*
 * Same as gv_writer_submit but waits for the outcome, for callers without an
 * event loop (the command line) and for threads other than the loop. Its
 * completion does not go through gv_writer_poll. Returns 0 once committed
 * (then *last_seq and head, each optional, are the meeting's new head) or
 * the batch's GV_E* code with err set.
 */
int gv_writer_submit_wait(gv_writer *w, const char *meeting_id, unsigned flags,
                          const gv_event_in *events, size_t n, int64_t *last_seq,
                          unsigned char head[GV_HASH_BYTES], gv_error *err);

/*
 * Queues a snapshot of the meeting's state after event `seq`
 * (gv_store_put_snapshot), stored in order with what was submitted before
 * it, so the event it folds is stored first (in the same transaction or an
 * earlier one). The bytes are copied. No completion is reported: a snapshot
 * only saves time when the meeting is loaded again, and one that cannot be
 * stored (the events it folds failed, the disk is full) is counted in
 * gv_writer_stats.snapshots_failed and otherwise forgotten. Returns 0 when
 * queued, or at once as gv_writer_submit.
 */
int gv_writer_submit_snapshot(gv_writer *w, const char *meeting_id, int64_t seq, int version,
                              const unsigned char *bytes, size_t len, gv_error *err);

/*
 * Stores a file beside the meeting's log (gv_store_put_file) through the
 * writer thread, in its place among the batches submitted before it, and
 * waits for the commit: for threads other than the loop (the job thread
 * takes an upload this way), so that a file never races the loop's commits
 * for the database. The bytes are copied. Returns 0 once committed, with
 * the file's SHA-256 in hash, or the GV_E* code of gv_store_put_file.
 */
int gv_writer_put_file_wait(gv_writer *w, const char *meeting_id, const char *media_type,
                            const unsigned char *bytes, size_t len,
                            unsigned char hash[GV_FILE_HASH_BYTES], gv_error *err);

/*
 * Hands every queued completion to fn, in the order the batches were
 * submitted, on the calling thread; fn may submit again. Returns how many
 * were delivered.
 */
size_t gv_writer_poll(gv_writer *w, gv_writer_done_fn fn, void *ud);

/* Copies the counters. */
void gv_writer_get_stats(gv_writer *w, gv_writer_stats *out);

/*
 * Stops taking batches, commits every batch already queued, and joins the
 * thread. Completions stay queued for gv_writer_poll. Calling it again does
 * nothing.
 */
void gv_writer_stop(gv_writer *w);

/* gv_writer_stop, then frees the writer and any completions not polled.
 * NULL is allowed. */
void gv_writer_free(gv_writer *w);

#endif
