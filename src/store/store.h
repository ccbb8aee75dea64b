/*
 * The event-log storage: one append-only, hash-chained log of events per
 * meeting, many meetings in one database.
 *
 * The store knows nothing of the meeting model. An event is opaque bytes (the
 * core's canonical JSON) with its sequence number, type and time, all given by
 * the caller. The store checks that sequence numbers follow each other without
 * gap, computes the hash chain itself and keeps everything atomic: an append
 * stores all its events or none.
 *
 *   hash(event 1) = BLAKE2b-256(32 zero bytes || bytes of event 1)
 *   hash(event n) = BLAKE2b-256(hash(event n-1) || bytes of event n)
 *
 * Engines sit behind one table of functions (store_internal.h): SQLite for
 * files (the default), PostgreSQL for several nodes on one database, and an
 * in-memory engine for tests and as the reference. The engine is chosen by
 * the location given to gv_store_open:
 *   "memory:"             a new, empty in-memory store (gone on close);
 *   ":memory:"            the same (SQLite's spelling, never a file);
 *   "postgresql://..."    a PostgreSQL database (a libpq URI; postgres:// too);
 *   "sqlite:<path>"       an SQLite database file;
 *   any other string      an SQLite database file at that path.
 *
 * Threads: a gv_store handle serialises its own calls with a mutex, so one
 * handle may be shared between the event-loop thread and the storage writer
 * (writer.h); a call then waits while the writer commits. To read without
 * waiting, open a second handle on the same file (SQLite in WAL mode lets
 * readers run beside the writer). Callbacks run with that mutex held and must
 * not call back into the same handle.
 *
 * Errors: functions return 0 or a negative GV_E* code (core/error.h) and fill
 * the gv_error, when one is given, with what was wrong and what to do:
 *   GV_EINVAL    bad argument (meeting id, event type, sizes);
 *   GV_ENOTFOUND no such meeting, or no database at that path;
 *   GV_ESTATE    the meeting already exists, or a sequence number does not
 *                follow the last stored one;
 *   GV_ECORRUPT  the file or a stored event fails its checks;
 *   GV_EBUSY     the database is locked by another process for too long;
 *   GV_EFULL     the disk holding the database is full;
 *   GV_EUNAVAIL  the database server cannot be reached (PostgreSQL down, the
 *                connection lost): nothing not yet committed was stored;
 *   GV_EREADONLY the database cannot be written (read-only file system or
 *                medium, permissions) and the call needs to write it;
 *   GV_EIO       any other failure of the operating system or the disk;
 *   GV_ENOMEM    out of memory.
 * A call that fails leaves the stored data as it was.
 */
#ifndef GV_STORE_STORE_H
#define GV_STORE_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

#define GV_HASH_BYTES 32
/** hex form of a hash, with its NUL */
#define GV_HASH_HEX_SIZE (2 * GV_HASH_BYTES + 1)
/** meeting ids: 1 to 128 bytes of A-Z a-z 0-9 . _ ~ - (safe in URLs and file names) */
#define GV_MEETING_ID_MAX 128
/** event types: 1 to 64 bytes of a-z 0-9 _ */
#define GV_EVENT_TYPE_MAX 64
/** the bytes of one event; the definition event carries a whole meeting */
#define GV_EVENT_MAX_BYTES (16u * 1024u * 1024u)

typedef struct gv_store gv_store;

/* Flags of gv_store_open. */
enum {
    GV_STORE_CREATE = 1u << 0,   /** create the database when it does not exist */
    GV_STORE_READONLY = 1u << 1, /** refuse every write; never changes the file */
};

/* One event as the caller hands it to the store. Everything is borrowed for
 * the duration of the call. */
typedef struct gv_event_in {
    int64_t seq;                /** 1 for the first event of a meeting, then +1 each */
    const char *type;           /** e.g. "floor_given"; see GV_EVENT_TYPE_MAX */
    int64_t at_ms;              /** milliseconds since the Unix epoch, >= 0 */
    const unsigned char *bytes; /** canonical bytes of the event */
    size_t len;                 /** 1 to GV_EVENT_MAX_BYTES */
} gv_event_in;

/* One stored event as the store hands it to a callback. All pointers are
 * borrowed and valid only during the callback. */
typedef struct gv_stored_event {
    int64_t seq;
    const char *type;
    int64_t at_ms;
    const unsigned char *bytes;
    size_t len;
    unsigned char hash[GV_HASH_BYTES]; /** chain hash as stored (verify recomputes it) */
} gv_stored_event;

/* One meeting as gv_store_list_meetings reports it; borrowed, as above. */
typedef struct gv_meeting_info {
    const char *id;
    int64_t created_at_ms; /** when the store created it (not part of the record) */
    int64_t last_seq;      /** 0 when the meeting has no events yet */
} gv_meeting_info;

/*
 * Whether a log id names a meeting. Ids starting with '~' are reserved for
 * logs that are not meetings (the server's invitation links, GV_LINKS_LOG):
 * they are hash-chained like meetings but hold no meeting events.
 */
static inline int gv_store_is_meeting_id(const char *id)
{
    return id[0] != '~';
}

/** the bytes of one snapshot (a whole meeting's state) */
#define GV_SNAPSHOT_MAX_BYTES (512u * 1024u * 1024u)

/* One stored snapshot of a meeting's state, as the store hands it to a
 * callback; borrowed, valid only during the callback. The store keeps the
 * bytes opaque, like an event's: the caller's `version` says their format. */
typedef struct gv_stored_snapshot {
    int64_t seq;                       /** the last event it folds */
    unsigned char head[GV_HASH_BYTES]; /** that event's chain hash */
    int version;                       /** the format of the bytes, the caller's */
    const unsigned char *bytes;
    size_t len;
} gv_stored_snapshot;

/*
 * Files kept beside a meeting's log (a speaker's written statement): bytes
 * named by their SHA-256, never inside an event. The event that refers to
 * a file carries its hash; the store keeps the bytes, once per meeting and
 * hash, and checks them against the hash whenever it hands them out. The
 * store does not read the bytes: what kind of file they are is the
 * caller's to check (store/filetype.h) and to say (media_type).
 */
/** the bytes of one file; the server takes less (GV_STATEMENT_MAX_BYTES) */
#define GV_FILE_MAX_BYTES (64u * 1024u * 1024u)
/** SHA-256 */
#define GV_FILE_HASH_BYTES 32
/** longest media type, printable ASCII ("application/pdf") */
#define GV_FILE_MEDIA_TYPE_MAX 127

/* One stored file as the store hands it to a callback; borrowed, valid only
 * during the callback. */
typedef struct gv_stored_file {
    unsigned char hash[GV_FILE_HASH_BYTES]; /** SHA-256 of the bytes */
    const char *media_type;                 /** as stored: "application/pdf" */
    int64_t size_bytes;
    int64_t stored_at_ms;       /** when the store first took it (not part of the record) */
    const unsigned char *bytes; /** NULL in a listing (gv_store_list_files) */
    size_t len;                 /** 0 in a listing */
} gv_stored_file;

/* Callbacks return 0 to go on; any other value stops the walk, and the
 * function that called them returns that value. */
typedef int (*gv_store_event_fn)(void *ud, const gv_stored_event *ev);
typedef int (*gv_store_meeting_fn)(void *ud, const gv_meeting_info *m);
typedef int (*gv_store_snapshot_fn)(void *ud, const gv_stored_snapshot *snap);
typedef int (*gv_store_seq_fn)(void *ud, int64_t seq);
typedef int (*gv_store_file_fn)(void *ud, const gv_stored_file *f);

/*
 * Opens the store at `location` (see the top of this file). For a file, the
 * schema is created or migrated to the current version in one transaction;
 * a database written by a newer Gavel, a file that is not a Gavel database,
 * or a damaged file is refused with a message saying what to do.
 * Without GV_STORE_CREATE a missing file gives GV_ENOTFOUND.
 * Returns a handle the caller frees with gv_store_close, or NULL with err set.
 */
gv_store *gv_store_open(const char *location, unsigned flags, gv_error *err);

/* Same as gv_store_open("memory:", GV_STORE_CREATE, err). */
gv_store *gv_store_open_memory(gv_error *err);

/* Closes the handle and frees it. NULL is allowed. Must not be called while a
 * writer (writer.h) still uses the handle. */
void gv_store_close(gv_store *s);

/* Name of the engine behind the handle: "sqlite", "postgresql" or "memory". */
const char *gv_store_engine(const gv_store *s);

/*
 * Writes into out (at most size bytes, NUL included) a form of `location`
 * fit for messages and logs: a PostgreSQL URI as user@host:port/database,
 * never its password or options; any other location as given.
 */
void gv_store_describe(const char *location, char *out, size_t size);

/*
 * Creates the meeting `meeting_id` and appends its first `n` events (n may be
 * 0), all in one transaction: a meeting is never seen without its first
 * events. GV_ESTATE if the meeting exists; otherwise as gv_store_append.
 */
int gv_store_create_meeting(gv_store *s, const char *meeting_id, const gv_event_in *events,
                            size_t n, gv_error *err);

/* Calls fn for every meeting, in byte order of their ids. Returns 0, the
 * callback's non-zero value, or a GV_E* code. */
int gv_store_list_meetings(gv_store *s, gv_store_meeting_fn fn, void *ud, gv_error *err);

/*
 * Appends `n` events to the meeting's log, atomically: all of them or none.
 * events[0].seq must be the last stored seq + 1 and each next one + 1 again
 * (GV_ESTATE otherwise, naming the seq expected). The store computes the hash
 * chain. On success the events are durable (committed) when the call returns.
 * n == 0 does nothing and returns 0.
 */
int gv_store_append(gv_store *s, const char *meeting_id, const gv_event_in *events, size_t n,
                    gv_error *err);

/*
 * Calls fn for each event of the meeting with seq > after_seq, in order of
 * seq. Returns 0 after the last one, the callback's non-zero value, or a GV_E*
 * code (GV_ENOTFOUND for an unknown meeting, GV_ECORRUPT for a damaged row).
 */
int gv_store_read(gv_store *s, const char *meeting_id, int64_t after_seq, gv_store_event_fn fn,
                  void *ud, gv_error *err);

/*
 * The last stored event of the meeting: its seq (0 when there is none) and
 * its chain hash (32 zero bytes when there is none). Either output may be
 * NULL. GV_ENOTFOUND for an unknown meeting.
 */
int gv_store_head(gv_store *s, const char *meeting_id, int64_t *seq,
                  unsigned char hash[GV_HASH_BYTES], gv_error *err);

/*
 * Recomputes the meeting's hash chain from the stored bytes and compares it
 * with the stored hashes, checking that seqs run 1, 2, 3... without gap.
 * When `check` is not NULL it is also called for every event, so the caller
 * can check what the store cannot see (that the type and time columns agree
 * with the bytes); a non-zero return from it counts as damage of that event.
 * Returns 0 and sets *first_bad_seq to 0 when all is well; GV_ECORRUPT with
 * *first_bad_seq set to the seq of the first event that fails and err naming
 * it; or another GV_E* code when the log could not be read (then
 * *first_bad_seq is 0). first_bad_seq may be NULL.
 */
int gv_store_verify_chain(gv_store *s, const char *meeting_id,
                          int (*check)(void *ud, const gv_stored_event *ev, gv_error *err),
                          void *ud, int64_t *first_bad_seq, gv_error *err);

/*
 * Snapshots: the state of a meeting after event `seq`, stored beside its
 * log so that loading it need not fold every event (docs/storage.md,
 * "Snapshots").
 *
 * gv_store_put_snapshot stores `len` bytes (1 to GV_SNAPSHOT_MAX_BYTES)
 * as the state after event `seq` (1 to the meeting's last seq), tied to
 * that event's chain hash, which the store reads itself; with a BLAKE2b
 * hash of the bytes, so that damage is found. A snapshot at the same seq is
 * replaced; of the older ones only the newest is kept (a fallback when the
 * newest is damaged). GV_ESTATE when seq is beyond the log, GV_EPERM on a
 * read-only store, otherwise as gv_store_append.
 */
int gv_store_put_snapshot(gv_store *s, const char *meeting_id, int64_t seq, int version,
                          const unsigned char *bytes, size_t len, gv_error *err);

/*
 * Calls fn once with the newest snapshot of the meeting at or before
 * `max_seq` and returns fn's value; GV_ENOTFOUND when there is none (or no
 * such meeting), GV_ECORRUPT naming its seq when its bytes do not match
 * their stored hash (try again with max_seq below it).
 */
int gv_store_get_snapshot(gv_store *s, const char *meeting_id, int64_t max_seq,
                          gv_store_snapshot_fn fn, void *ud, gv_error *err);

/* Calls fn with the seq of every stored snapshot of the meeting, in order. */
int gv_store_snapshot_seqs(gv_store *s, const char *meeting_id, gv_store_seq_fn fn, void *ud,
                           gv_error *err);

/*
 * Stores `len` bytes (1 to GV_FILE_MAX_BYTES) as a file of the meeting, of
 * `media_type` (1 to GV_FILE_MEDIA_TYPE_MAX printable ASCII bytes), and
 * writes their SHA-256 into hash. The same bytes stored again are kept
 * once: the call then changes nothing and succeeds. Durable on return.
 * GV_ENOTFOUND for an unknown meeting, GV_EPERM on a read-only store,
 * otherwise as gv_store_append.
 */
int gv_store_put_file(gv_store *s, const char *meeting_id, const char *media_type,
                      const unsigned char *bytes, size_t len,
                      unsigned char hash[GV_FILE_HASH_BYTES], gv_error *err);

/*
 * Calls fn once with the meeting's file of this hash, its bytes checked
 * against it, and returns fn's value; GV_ENOTFOUND when the meeting has no
 * such file, GV_ECORRUPT when the stored bytes no longer match their hash
 * (or their stored size).
 */
int gv_store_get_file(gv_store *s, const char *meeting_id,
                      const unsigned char hash[GV_FILE_HASH_BYTES], gv_store_file_fn fn, void *ud,
                      gv_error *err);

/* Calls fn for every file of the meeting, by hash, without their bytes
 * (bytes NULL, len 0). GV_ENOTFOUND for an unknown meeting. */
int gv_store_list_files(gv_store *s, const char *meeting_id, gv_store_file_fn fn, void *ud,
                        gv_error *err);

/* The SHA-256 of bytes, the name of a file (libsodium's crypto_hash_sha256,
 * what `sha256sum` prints). */
void gv_file_hash(const unsigned char *bytes, size_t len, unsigned char out[GV_FILE_HASH_BYTES]);

/*
 * Checks the structure of the whole database file (SQLite's integrity_check):
 * slower than reading, for `gavel verify` and after a crash. The memory
 * engine has nothing to check and returns 0. GV_ECORRUPT when damaged.
 */
int gv_store_check(gv_store *s, gv_error *err);

/*
 * The chain hash of an event: BLAKE2b with a 32-byte output over prev (32
 * bytes; zeros for the first event) followed by the event's bytes.
 */
void gv_hash_event(const unsigned char prev[GV_HASH_BYTES], const unsigned char *bytes, size_t len,
                   unsigned char out[GV_HASH_BYTES]);

/* Writes the lower-case hex form of a hash and its NUL into out. */
void gv_hash_to_hex(const unsigned char hash[GV_HASH_BYTES], char out[GV_HASH_HEX_SIZE]);

/* Reads exactly 64 hex digits (either case) into out. Returns 0, or GV_EINVAL
 * with out unchanged. */
int gv_hash_from_hex(const char *hex, unsigned char out[GV_HASH_BYTES]);

/* Where a forced failure happens (gv_store_fail_next). */
typedef enum gv_store_fault {
    GV_STORE_FAULT_WRITE,  /** writing one event (inside a transaction) */
    GV_STORE_FAULT_COMMIT, /** committing a transaction */
} gv_store_fault;

/*
 * For tests: after `skip` more operations of kind `where` succeed, the next
 * `n` of them fail with `code` (a negative GV_E* code) as if the engine had
 * failed, so that rollback paths run for real in every engine. n == 0 turns
 * forced failures of that kind off.
 */
void gv_store_fail_next(gv_store *s, gv_store_fault where, int skip, int n, int code);

#endif
