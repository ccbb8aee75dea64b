/*
 * The storage writer: the group commit, on a worker thread (work/worker.h)
 * whose items are batches and whose run_group commits every batch it takes
 * in one transaction (see writer.h for the flow).
 *
 * A batch moves as the worker moves its items: waiting (gv_writer_submit*),
 * running (taken with up to GROUP_MAX_BATCHES others; committed with no
 * lock of the worker held), finished (on the worker's list for
 * gv_writer_poll, or handed to its waiter). While a group is committed the
 * thread holds the store's mutex, so submitters never wait for a disk.
 *
 * A snapshot (gv_writer_submit_snapshot) is a batch too, stored in its
 * place among the others; its done() only frees it. So is a file
 * (gv_writer_put_file_wait), whose submitter waits for it.
 *
 * Failure rules of a group: a batch that fails is rolled back to its own
 * savepoint and fails alone; if the engine lost the whole transaction (a
 * savepoint could not be rolled back, or BEGIN or COMMIT failed), every
 * batch of the group that had not failed on its own fails with that error.
 * Nothing is reported as committed before COMMIT returned, or, when its
 * answer was lost, before the log was read and found to hold the group's
 * events (commit_outcome): one transaction is made whole or not at all, so
 * the last event of the group's first append tells for every batch.
 *
 * Shutdown (gv_writer_stop): the worker's rule is DRAIN, so every batch
 * accepted is committed or failed, and every waiter woken, before the
 * thread ends.
 */
#include "store/writer.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "store/store_internal.h"
#include "work/worker.h"

/** most batches in one transaction, so the first one does not wait long */
#define GROUP_MAX_BATCHES 1024
/** most batches waiting; beyond that submit says GV_EBUSY (the disk is behind) */
#define PENDING_MAX_BATCHES 65536
/** most bytes of events in one batch, since the writer copies them */
#define BATCH_MAX_BYTES (64u * 1024u * 1024u)
/** batch_new's flag for a snapshot: one pseudo-event holds its bytes */
#define BATCH_SNAPSHOT (1u << 30)
/** batch_new's flag for a file: one pseudo-event holds its bytes, its type the media type */
#define BATCH_FILE (1u << 29)

typedef struct batch {
    gv_work work; /** first: the worker's item */
    void *tag;
    unsigned flags;
    char *meeting;
    gv_event_in *events; /** copies; their type and bytes point into this allocation */
    size_t n;
    bool has_after; /** appended only after the event whose chain hash is `after` */
    unsigned char after[GV_HASH_BYTES];
    bool snapshot; /** a snapshot at snap_seq (events[0] holds its bytes), not events */
    int64_t snap_seq;
    int snap_version;
    bool file; /** a file (events[0]: media type and bytes), not events */
    unsigned char file_hash[GV_FILE_HASH_BYTES];
    int code;
    bool in_doubt; /** failed, but its COMMIT's answer was lost and the log unread */
    gv__append_result res;
    gv_error err;
} batch;

struct gv_writer {
    gv_store *store;
    gv_worker *worker;
    pthread_mutex_t stats_mu; /** guards stats (updated on the writer thread) */
    gv_writer_stats stats;
};

/* The batch after b in a group. */
static batch *next_of(const batch *b)
{
    return (batch *)b->work.next;
}

/* ---- batches ---------------------------------------------------------- */

static void batch_done(gv_work *item, void *arg);

/* One allocation holding the batch, its events, the meeting id, the types
 * and the bytes, so a batch is freed with one free(). */
static int batch_new(const char *meeting_id, unsigned flags, const gv_event_in *events, size_t n,
                     void *tag, batch **out, gv_error *err)
{
    size_t id_len, size, payload = 0;
    batch *b;
    char *p;
    int rc;

    _Static_assert(sizeof(batch) % _Alignof(gv_event_in) == 0, "events follow the batch");
    *out = NULL;
    if ((rc = gv__store_check_id(meeting_id, err)) ||
        (!(flags & (BATCH_SNAPSHOT | BATCH_FILE)) && (rc = gv__store_check_events(events, n, err))))
        return rc;
    if (flags & ~(unsigned)(GV_WRITE_CREATE | BATCH_SNAPSHOT | BATCH_FILE)) {
        gv_error_set(err, GV_EINVAL, "unknown write flags 0x%x", flags);
        return GV_EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        payload += strlen(events[i].type) + 1 + events[i].len;
        if (payload > BATCH_MAX_BYTES && !(flags & (BATCH_SNAPSHOT | BATCH_FILE))) {
            gv_error_set(err, GV_ELIMIT,
                         "an append of %zu events to meeting %s holds more than %u bytes; split it",
                         n, meeting_id, BATCH_MAX_BYTES);
            return GV_ELIMIT;
        }
    }
    if (n > (SIZE_MAX / 2) / sizeof(gv_event_in)) {
        gv_error_set(err, GV_ELIMIT, "too many events in one append (%zu)", n);
        return GV_ELIMIT;
    }
    id_len = strlen(meeting_id);
    size = sizeof *b + n * sizeof(gv_event_in) + id_len + 1 + payload;
    b = calloc(1, size);
    if (!b) {
        gv_error_set(err, GV_ENOMEM, "out of memory queueing %zu events for meeting %s", n,
                     meeting_id);
        return GV_ENOMEM;
    }
    b->work.done = batch_done;
    b->tag = tag;
    b->flags = flags;
    b->n = n;
    b->events = (gv_event_in *)(b + 1);
    p = (char *)(b->events + n);
    b->meeting = memcpy(p, meeting_id, id_len + 1);
    p += id_len + 1;
    for (size_t i = 0; i < n; i++) {
        size_t tlen = strlen(events[i].type) + 1;
        b->events[i] = events[i];
        b->events[i].type = memcpy(p, events[i].type, tlen);
        p += tlen;
        b->events[i].bytes = memcpy(p, events[i].bytes, events[i].len);
        p += events[i].len;
    }
    *out = b;
    return 0;
}

/* Fails a batch that had not failed on its own because its group failed
 * (in_doubt: or may have been stored, and nobody could tell). */
static void fail_with_group(batch *b, int code, const gv_error *why, bool in_doubt)
{
    b->code = code;
    b->in_doubt = in_doubt;
    memset(&b->res, 0, sizeof b->res);
    gv_error_set(&b->err, code, "%s: %s",
                 in_doubt ? "perhaps stored" : "not stored: the transaction it shared failed",
                 why->msg);
}

/* ---- the writer thread ------------------------------------------------ */

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * After a COMMIT whose answer was lost: reads the log (the engine connects
 * again), retrying for GV_WRITER_IN_DOUBT_MS, to learn whether the group's
 * transaction was made. 1 when it was, 0 when it was not (err says so), or
 * GV_EUNAVAIL with err set when the log could not be read. A group of
 * snapshots and files alone counts as not made: storing either again
 * changes nothing.
 */
static int commit_outcome(gv_store *s, const batch *group, gv_error *err)
{
    const batch *probe = group;
    while (probe && (probe->snapshot || probe->file || probe->code || probe->n == 0))
        probe = next_of(probe);
    if (!probe)
        return 0;
    int64_t deadline = mono_ms() + GV_WRITER_IN_DOUBT_MS;
    long pause_ms = 20;
    for (;;) {
        unsigned char hash[GV_HASH_BYTES];
        gv_error why;
        int rc = gv__store_event_hash_locked(s, probe->meeting, probe->res.last_seq, hash, &why);
        if (rc == 1 && memcmp(hash, probe->res.head, GV_HASH_BYTES) == 0)
            return 1;
        if (rc >= 0) {
            gv_error_set(err, GV_EUNAVAIL,
                         "the connection to the database was lost while the events were "
                         "committed, and the log, read again, does not hold them: nothing was "
                         "stored");
            return 0;
        }
        if (mono_ms() >= deadline)
            return gv_error_set(err, GV_EUNAVAIL,
                                "the connection to the database was lost while the events were "
                                "committed, and the log could not be read again to tell whether "
                                "they were stored (%s)",
                                why.msg);
        nanosleep(&(struct timespec){.tv_nsec = pause_ms * 1000000L}, NULL);
        pause_ms = pause_ms < 250 ? pause_ms * 2 : 500;
    }
}

/* Runs one transaction for the group, a savepoint per batch. */
static void commit_group(gv_writer *w, batch *group)
{
    gv_store *s = w->store;
    const gv__store_engine *eng = s->engine;
    gv_error err;
    bool in_doubt = false;
    int rc;

    gv_error_clear(&err);
    pthread_mutex_lock(&s->mu);
    if ((rc = eng->begin(s->impl, &err)))
        goto group_failed;
    for (batch *b = group; b; b = next_of(b)) {
        if ((rc = eng->savepoint(s->impl, &err)))
            goto group_failed;
        if (b->snapshot)
            b->code = gv__store_put_snapshot_locked(s, b->meeting, b->snap_seq, b->snap_version,
                                                    b->events[0].bytes, b->events[0].len, &b->err);
        else if (b->file)
            b->code =
                gv__store_put_file_locked(s, b->meeting, b->events[0].type, b->events[0].bytes,
                                          b->events[0].len, b->file_hash, &b->err);
        else
            b->code = gv__store_append_locked(s, b->meeting, b->flags & GV_WRITE_CREATE,
                                              b->has_after ? b->after : NULL, b->events, b->n,
                                              &b->res, &b->err);
        rc = b->code ? eng->rollback_to(s->impl, &err) : eng->release(s->impl, &err);
        if (rc)
            goto group_failed;
    }
    if ((rc = gv__store_commit_locked(s, &err))) {
        in_doubt = gv__store_commit_in_doubt(s);
        goto group_failed;
    }
    pthread_mutex_unlock(&s->mu);
    return;

group_failed:
    eng->rollback(s->impl);
    if (in_doubt) {
        int made = commit_outcome(s, group, &err);
        if (made == 1) {
            pthread_mutex_unlock(&s->mu);
            return;
        }
        in_doubt = made < 0;
        rc = GV_EUNAVAIL;
    }
    pthread_mutex_unlock(&s->mu);
    /* Batches not yet reached and those that had succeeded have code 0. */
    for (batch *b = group; b; b = next_of(b))
        if (b->code == 0)
            fail_with_group(b, rc, &err, in_doubt);
}

/* The worker's run_group: commits the group, then counts it. */
static void run_group(void *ud, gv_work *first, size_t count)
{
    gv_writer *w = ud;
    batch *group = (batch *)first;
    commit_group(w, group);
    pthread_mutex_lock(&w->stats_mu);
    w->stats.transactions++;
    w->stats.batches += count;
    if (count > w->stats.max_batches_per_tx)
        w->stats.max_batches_per_tx = count;
    for (batch *b = group; b; b = next_of(b)) {
        if (b->snapshot) {
            w->stats.snapshots += b->code == 0;
            w->stats.snapshots_failed += b->code != 0;
        } else if (b->file) {
            w->stats.files += b->code == 0;
        } else if (b->code) {
            w->stats.batches_failed++;
        } else {
            w->stats.events += b->n;
        }
    }
    pthread_mutex_unlock(&w->stats_mu);
}

/* ---- the public side -------------------------------------------------- */

gv_writer *gv_writer_new(gv_store *store, gv_writer_notify_fn notify, void *notify_ud,
                         gv_error *err)
{
    gv_writer *w = NULL;
    if (!store) {
        gv_error_set(err, GV_EINVAL, "a writer needs a store");
        return NULL;
    }
    if (store->flags & GV_STORE_READONLY) {
        gv_error_set(err, GV_EPERM, "the store was opened read-only; a writer needs it writable");
        return NULL;
    }
    if (!(w = calloc(1, sizeof *w))) {
        gv_error_set(err, GV_ENOMEM, "out of memory starting the storage writer");
        return NULL;
    }
    w->store = store;
    pthread_mutex_init(&w->stats_mu, NULL);
    gv_worker_config cfg = {
        .name = "the storage writer",
        .at_stop = GV_WORKER_DRAIN,
        .max_waiting = PENDING_MAX_BATCHES,
        .wake = notify,
        .wake_ud = notify_ud,
        .run_group = run_group,
        .group_ud = w,
        .max_group = GROUP_MAX_BATCHES,
    };
    /* Started now, so that a thread that cannot start shows at once. */
    if (!(w->worker = gv_worker_new(&cfg, err)) || gv_worker_start(w->worker, err) < 0) {
        gv_worker_free(w->worker, NULL);
        pthread_mutex_destroy(&w->stats_mu);
        free(w);
        return NULL;
    }
    return w;
}

int gv_writer_submit(gv_writer *w, const char *meeting_id, unsigned flags,
                     const gv_event_in *events, size_t n, void *tag, gv_error *err)
{
    batch *b;
    int rc = batch_new(meeting_id, flags, events, n, tag, &b, err);
    if (rc)
        return rc;
    if ((rc = gv_worker_submit(w->worker, &b->work, err)))
        free(b);
    return rc;
}

int gv_writer_submit_after(gv_writer *w, const char *meeting_id,
                           const unsigned char after[GV_HASH_BYTES], const gv_event_in *events,
                           size_t n, void *tag, gv_error *err)
{
    batch *b;
    int rc = batch_new(meeting_id, 0, events, n, tag, &b, err);
    if (rc)
        return rc;
    b->has_after = true;
    memcpy(b->after, after, GV_HASH_BYTES);
    if ((rc = gv_worker_submit(w->worker, &b->work, err)))
        free(b);
    return rc;
}

int gv_writer_submit_wait(gv_writer *w, const char *meeting_id, unsigned flags,
                          const gv_event_in *events, size_t n, int64_t *last_seq,
                          unsigned char head[GV_HASH_BYTES], gv_error *err)
{
    batch *b;
    int rc = batch_new(meeting_id, flags, events, n, NULL, &b, err);
    if (rc)
        return rc;
    if ((rc = gv_worker_submit_wait(w->worker, &b->work, err)) == 0)
        rc = b->code;
    if (rc == 0) {
        if (last_seq)
            *last_seq = b->res.last_seq;
        if (head)
            memcpy(head, b->res.head, GV_HASH_BYTES);
    } else if (b->code && err) {
        *err = b->err;
    }
    free(b);
    return rc;
}

typedef struct poll_ctx {
    gv_writer_done_fn fn;
    void *ud;
} poll_ctx;

/* The worker's done: one completion to the poller's callback, then freed. */
static void batch_done(gv_work *item, void *arg)
{
    batch *b = (batch *)item;
    const poll_ctx *p = arg;
    if (p && p->fn) {
        gv_write_done d = {
            .tag = b->tag,
            .meeting_id = b->meeting,
            .code = b->code,
            .message = b->code ? b->err.msg : "",
            .first_seq = b->code ? 0 : b->res.first_seq,
            .last_seq = b->code ? 0 : b->res.last_seq,
            .events = b->events,
            .n = b->n,
            .in_doubt = b->in_doubt,
        };
        if (b->code == 0)
            memcpy(d.head, b->res.head, GV_HASH_BYTES);
        p->fn(p->ud, &d);
    }
    free(b);
}

/* A snapshot's done: nobody waits for one (its outcome is in the stats). */
static void snapshot_done(gv_work *item, void *arg)
{
    (void)arg;
    free(item);
}

int gv_writer_submit_snapshot(gv_writer *w, const char *meeting_id, int64_t seq, int version,
                              const unsigned char *bytes, size_t len, gv_error *err)
{
    batch *b;
    int rc = gv__store_check_snapshot(meeting_id, seq, bytes, len, err);
    if (rc)
        return rc;
    gv_event_in ev = {.seq = seq, .type = "snapshot", .bytes = bytes, .len = len};
    if ((rc = batch_new(meeting_id, BATCH_SNAPSHOT, &ev, 1, NULL, &b, err)))
        return rc;
    b->work.done = snapshot_done;
    b->snapshot = true;
    b->snap_seq = seq;
    b->snap_version = version;
    if ((rc = gv_worker_submit(w->worker, &b->work, err)))
        free(b);
    return rc;
}

int gv_writer_put_file_wait(gv_writer *w, const char *meeting_id, const char *media_type,
                            const unsigned char *bytes, size_t len,
                            unsigned char hash[GV_FILE_HASH_BYTES], gv_error *err)
{
    batch *b;
    int rc = gv__store_check_file(meeting_id, media_type, bytes, len, err);
    if (rc)
        return rc;
    gv_event_in ev = {.seq = 1, .type = media_type, .bytes = bytes, .len = len};
    if ((rc = batch_new(meeting_id, BATCH_FILE, &ev, 1, NULL, &b, err)))
        return rc;
    b->file = true;
    if ((rc = gv_worker_submit_wait(w->worker, &b->work, err)) == 0)
        rc = b->code;
    if (rc == 0)
        memcpy(hash, b->file_hash, GV_FILE_HASH_BYTES);
    else if (b->code && err)
        *err = b->err;
    free(b);
    return rc;
}

size_t gv_writer_poll(gv_writer *w, gv_writer_done_fn fn, void *ud)
{
    poll_ctx p = {fn, ud};
    return gv_worker_poll(w->worker, &p);
}

void gv_writer_get_stats(gv_writer *w, gv_writer_stats *out)
{
    pthread_mutex_lock(&w->stats_mu);
    *out = w->stats;
    pthread_mutex_unlock(&w->stats_mu);
}

void gv_writer_stop(gv_writer *w)
{
    gv_worker_stop(w->worker);
}

void gv_writer_free(gv_writer *w)
{
    if (!w)
        return;
    gv_worker_free(w->worker, NULL);
    pthread_mutex_destroy(&w->stats_mu);
    free(w);
}
