/*
 * Inside the store: the table of functions every engine provides, the handle
 * that wraps an engine, and the pieces of store.c that the writer (writer.c)
 * uses to run many appends in one transaction.
 *
 * An engine only stores and fetches rows and runs transactions; everything
 * the engines share (argument checks, sequence checks, the hash chain, forced
 * failures, the handle's mutex) lives once in store.c. Engine functions are
 * called with the handle's mutex held and fill err on failure.
 *
 * Transactions: begin, then any number of savepoint / (release | rollback_to)
 * pairs, not nested, then commit or rollback. Writes (create_meeting,
 * insert) happen only inside a transaction. After a failed statement an
 * engine may have lost the whole transaction (SQLite rolls back by itself on
 * some I/O errors); rollback_to then fails and the caller must roll back.
 */
#ifndef GV_STORE_STORE_INTERNAL_H
#define GV_STORE_STORE_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>

#include "store/store.h"

typedef struct gv__engine_impl gv__engine_impl; /* each engine's own state */

/* A snapshot row as an engine hands it to store.c: the snapshot and the
 * hash stored with its bytes. */
typedef int (*gv__snapshot_fn)(void *ud, const gv_stored_snapshot *snap,
                               const unsigned char hash[GV_HASH_BYTES]);

typedef struct gv__store_engine {
    const char *name;
    /** true when this engine serves `location`; *rest is what follows the scheme */
    bool (*match)(const char *location, const char **rest);
    gv__engine_impl *(*open)(const char *rest, unsigned flags, gv_error *err);
    void (*close)(gv__engine_impl *e);

    int (*begin)(gv__engine_impl *e, gv_error *err);
    int (*commit)(gv__engine_impl *e, gv_error *err);
    /** after a failed commit: true when the COMMIT was sent and its answer
     *  lost with the connection, so that the transaction may have been made;
     *  NULL for an engine whose failed commit is never made (SQLite, memory) */
    bool (*commit_in_doubt)(gv__engine_impl *e);
    void (*rollback)(gv__engine_impl *e);
    int (*savepoint)(gv__engine_impl *e, gv_error *err);
    int (*release)(gv__engine_impl *e, gv_error *err);
    int (*rollback_to)(gv__engine_impl *e, gv_error *err);

    /** GV_ESTATE when the meeting exists */
    int (*create_meeting)(gv__engine_impl *e, const char *id, int64_t created_at_ms, gv_error *err);
    /** appends one row; the caller has checked seq and computed the hash */
    int (*insert)(gv__engine_impl *e, const char *meeting, const gv_stored_event *ev,
                  gv_error *err);
    /** last seq and hash, 0 and zeros for an empty log; GV_ENOTFOUND for no meeting */
    int (*head)(gv__engine_impl *e, const char *meeting, int64_t *seq,
                unsigned char hash[GV_HASH_BYTES], gv_error *err);
    /** rows with seq > after_seq in order; GV_ENOTFOUND for no meeting */
    int (*read)(gv__engine_impl *e, const char *meeting, int64_t after_seq, gv_store_event_fn fn,
                void *ud, gv_error *err);
    int (*list_meetings)(gv__engine_impl *e, gv_store_meeting_fn fn, void *ud, gv_error *err);
    int (*check)(gv__engine_impl *e, gv_error *err);

    /** stores a snapshot row with the hash of its bytes, replacing one at the
     *  same seq, and drops the meeting's snapshots older than the newest one
     *  before it; inside a transaction */
    int (*put_snapshot)(gv__engine_impl *e, const char *meeting, const gv_stored_snapshot *snap,
                        const unsigned char hash[GV_HASH_BYTES], gv_error *err);
    /** calls fn with the newest snapshot with seq <= max_seq and its stored
     *  hash in *hash; GV_ENOTFOUND when there is none */
    int (*get_snapshot)(gv__engine_impl *e, const char *meeting, int64_t max_seq,
                        gv__snapshot_fn fn, void *ud, gv_error *err);
    /** calls fn with the seq of every snapshot of the meeting, ascending */
    int (*snapshot_seqs)(gv__engine_impl *e, const char *meeting, gv_store_seq_fn fn, void *ud,
                         gv_error *err);

    /** stores a file row unless the meeting has one of that hash (then
     *  nothing); inside a transaction; GV_ENOTFOUND for no meeting */
    int (*put_file)(gv__engine_impl *e, const char *meeting, const gv_stored_file *f,
                    gv_error *err);
    /** calls fn with the file of that hash, bytes included, as stored;
     *  GV_ENOTFOUND when there is none */
    int (*get_file)(gv__engine_impl *e, const char *meeting,
                    const unsigned char hash[GV_FILE_HASH_BYTES], gv_store_file_fn fn, void *ud,
                    gv_error *err);
    /** calls fn with every file of the meeting, ascending by hash, without
     *  bytes; GV_ENOTFOUND for no meeting */
    int (*list_files)(gv__engine_impl *e, const char *meeting, gv_store_file_fn fn, void *ud,
                      gv_error *err);
} gv__store_engine;

extern const gv__store_engine gv__engine_sqlite;
extern const gv__store_engine gv__engine_memory;
extern const gv__store_engine gv__engine_pg;

/* gv_store_describe for a PostgreSQL URI (pg.c). */
void gv__pg_describe(const char *uri, char *out, size_t size);

/* A forced failure (gv_store_fail_next). */
typedef struct gv__fault {
    int skip; /** operations that still succeed before failures start */
    int n;    /** failures still to come */
    int code;
} gv__fault;

struct gv_store {
    const gv__store_engine *engine;
    gv__engine_impl *impl;
    unsigned flags;
    pthread_mutex_t mu;  /** held for every call, and by the writer for a whole transaction */
    gv__fault faults[2]; /** indexed by gv_store_fault */
};

/* The result of one append. */
typedef struct gv__append_result {
    int64_t first_seq; /** seq of the first event appended, 0 when n == 0 */
    int64_t last_seq;  /** seq of the last stored event after the append */
    unsigned char head[GV_HASH_BYTES];
} gv__append_result;

/* Checks a meeting id (GV_EINVAL naming what is wrong). */
int gv__store_check_id(const char *meeting_id, gv_error *err);

/* Checks the events' shapes (type, time, sizes), not their seqs. */
int gv__store_check_events(const gv_event_in *events, size_t n, gv_error *err);

/*
 * With the mutex held and a transaction open: creates the meeting first when
 * `create`, then checks the seqs against the stored head and, when `after`
 * is given, that the stored head's chain hash is `after` (GV_ESTATE
 * otherwise), computes the chain and inserts the events. On failure some
 * rows may already be written: the caller rolls back (to a savepoint or the
 * whole transaction).
 */
int gv__store_append_locked(gv_store *s, const char *meeting_id, bool create,
                            const unsigned char *after, const gv_event_in *events, size_t n,
                            gv__append_result *res, gv_error *err);

/* Checks a snapshot's id, seq and size (GV_EINVAL, GV_ELIMIT). */
int gv__store_check_snapshot(const char *meeting_id, int64_t seq, const unsigned char *bytes,
                             size_t len, gv_error *err);

/* With the mutex held and a transaction open: gv_store_put_snapshot's
 * checks against the log and its write. The caller commits or rolls back. */
int gv__store_put_snapshot_locked(gv_store *s, const char *meeting_id, int64_t seq, int version,
                                  const unsigned char *bytes, size_t len, gv_error *err);

/* Checks a file's id, media type and size (GV_EINVAL, GV_ELIMIT). */
int gv__store_check_file(const char *meeting_id, const char *media_type, const unsigned char *bytes,
                         size_t len, gv_error *err);

/* With the mutex held and a transaction open: hashes the bytes into hash and
 * stores the file (files.c). The caller commits or rolls back. */
int gv__store_put_file_locked(gv_store *s, const char *meeting_id, const char *media_type,
                              const unsigned char *bytes, size_t len,
                              unsigned char hash[GV_FILE_HASH_BYTES], gv_error *err);

/* Returns 0, or the forced failure's code (with err set) when one is due. */
int gv__store_fault_due(gv_store *s, gv_store_fault where, gv_error *err);

/* The engine's commit, or the forced failure when one is due. */
int gv__store_commit_locked(gv_store *s, gv_error *err);

/* After gv__store_commit_locked failed: may the transaction have been made
 * all the same (its answer lost with the connection)? The caller then reads
 * the log to learn it (gv__store_event_hash_locked). */
bool gv__store_commit_in_doubt(gv_store *s);

/*
 * With the mutex held, outside a transaction or inside one: the chain hash
 * of the meeting's event `seq` into hash. 1 when the log has that event,
 * 0 when it ends before it, or a GV_E* code with err set (GV_ENOTFOUND for
 * no meeting, GV_EUNAVAIL when the database cannot be reached).
 */
int gv__store_event_hash_locked(gv_store *s, const char *meeting_id, int64_t seq,
                                unsigned char hash[GV_HASH_BYTES], gv_error *err);

/* Milliseconds since the Unix epoch, from the system clock. */
int64_t gv__store_now_ms(void);

#endif
