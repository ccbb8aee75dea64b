/*
 * The storage writer thread and its two queues (see writer.h for the flow).
 *
 * A batch moves through three places, always under w->mu when it moves:
 *   pending   submitted, waiting for the writer   (gv_writer_submit*)
 *   group     taken by the writer, being committed (writer_main; no lock)
 *   done      outcome known: on the completion queue for gv_writer_poll, or,
 *             for gv_writer_submit_wait, marked finished for its waiter
 * While a group is committed the writer holds the store's mutex, not w->mu,
 * so submitters never wait for a disk.
 *
 * Failure rules of a group: a batch that fails is rolled back to its own
 * savepoint and fails alone; if the engine lost the whole transaction (a
 * savepoint could not be rolled back, or BEGIN or COMMIT failed), every
 * batch of the group that had not failed on its own fails with that error.
 * Nothing is reported as committed before COMMIT returned.
 *
 * Shutdown (gv_writer_stop): the thread exits only when `stopping` is set
 * and no batch is pending, so every batch accepted is committed or failed,
 * and every waiter woken.
 */
#include "store/writer.h"

#include <assert.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "store/store_internal.h"

/** most batches in one transaction, so the first one does not wait long */
#define GROUP_MAX_BATCHES 1024
/** most batches waiting; beyond that submit says GV_EBUSY (the disk is behind) */
#define PENDING_MAX_BATCHES 65536
/** most bytes of events in one batch, since the writer copies them */
#define BATCH_MAX_BYTES (64u * 1024u * 1024u)

typedef struct batch {
    struct batch *next;
    void *tag;
    unsigned flags;
    char *meeting;
    gv_event_in *events; /** copies; their type and bytes point into this allocation */
    size_t n;
    bool waited;   /** a gv_writer_submit_wait caller takes the outcome and frees it */
    bool finished; /** outcome known (under w->mu) */
    int code;
    gv__append_result res;
    gv_error err;
} batch;

struct gv_writer {
    gv_store *store;
    pthread_t thread;
    bool joined;
    gv_writer_notify_fn notify;
    void *notify_ud;

    pthread_mutex_t mu;     /** guards everything below */
    pthread_cond_t work_cv; /** pending became non-empty, or stopping was set */
    pthread_cond_t done_cv; /** a waited batch finished */
    batch *pending, **pending_tail;
    size_t n_pending;
    batch *done, **done_tail;
    bool stopping;
    gv_writer_stats stats;
};

/* ---- batches ---------------------------------------------------------- */

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
    if ((rc = gv__store_check_id(meeting_id, err)) || (rc = gv__store_check_events(events, n, err)))
        return rc;
    if (flags & ~(unsigned)GV_WRITE_CREATE) {
        gv_error_set(err, GV_EINVAL, "unknown write flags 0x%x", flags);
        return GV_EINVAL;
    }
    for (size_t i = 0; i < n; i++) {
        payload += strlen(events[i].type) + 1 + events[i].len;
        if (payload > BATCH_MAX_BYTES) {
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

/* Fails a batch that had not failed on its own because its group failed. */
static void fail_with_group(batch *b, int code, const gv_error *why)
{
    b->code = code;
    memset(&b->res, 0, sizeof b->res);
    gv_error_set(&b->err, code, "not stored: the transaction it shared failed: %s", why->msg);
}

/* ---- the writer thread ------------------------------------------------ */

/* Runs one transaction for the group, a savepoint per batch. */
static void commit_group(gv_writer *w, batch *group)
{
    gv_store *s = w->store;
    const gv__store_engine *eng = s->engine;
    gv_error err;
    int rc;

    gv_error_clear(&err);
    pthread_mutex_lock(&s->mu);
    if ((rc = eng->begin(s->impl, &err)))
        goto group_failed;
    for (batch *b = group; b; b = b->next) {
        if ((rc = eng->savepoint(s->impl, &err)))
            goto group_failed;
        b->code = gv__store_append_locked(s, b->meeting, b->flags & GV_WRITE_CREATE, b->events,
                                          b->n, &b->res, &b->err);
        rc = b->code ? eng->rollback_to(s->impl, &err) : eng->release(s->impl, &err);
        if (rc)
            goto group_failed;
    }
    if ((rc = gv__store_commit_locked(s, &err)))
        goto group_failed;
    pthread_mutex_unlock(&s->mu);
    return;

group_failed:
    eng->rollback(s->impl);
    pthread_mutex_unlock(&s->mu);
    /* Batches not yet reached and those that had succeeded have code 0. */
    for (batch *b = group; b; b = b->next)
        if (b->code == 0)
            fail_with_group(b, rc, &err);
}

/* Moves a committed group to where its outcomes go; returns true when some
 * went to the completion queue. Called with w->mu held. */
static bool deliver(gv_writer *w, batch *group, size_t count)
{
    bool queued = false;
    w->stats.transactions++;
    w->stats.batches += count;
    if (count > w->stats.max_batches_per_tx)
        w->stats.max_batches_per_tx = count;
    while (group) {
        batch *b = group;
        group = b->next;
        b->next = NULL;
        if (b->code)
            w->stats.batches_failed++;
        else
            w->stats.events += b->n;
        b->finished = true;
        if (b->waited)
            continue;
        *w->done_tail = b;
        w->done_tail = &b->next;
        queued = true;
    }
    pthread_cond_broadcast(&w->done_cv);
    return queued;
}

static void *writer_main(void *arg)
{
    gv_writer *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->pending && !w->stopping)
            pthread_cond_wait(&w->work_cv, &w->mu);
        if (!w->pending)
            break;
        batch *group = w->pending, *last = group;
        size_t count = 1;
        while (last->next && count < GROUP_MAX_BATCHES) {
            last = last->next;
            count++;
        }
        w->pending = last->next;
        last->next = NULL;
        if (!w->pending)
            w->pending_tail = &w->pending;
        w->n_pending -= count;
        pthread_mutex_unlock(&w->mu);

        commit_group(w, group);

        pthread_mutex_lock(&w->mu);
        if (deliver(w, group, count) && w->notify) {
            pthread_mutex_unlock(&w->mu);
            w->notify(w->notify_ud);
            pthread_mutex_lock(&w->mu);
        }
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

/* ---- the public side -------------------------------------------------- */

gv_writer *gv_writer_new(gv_store *store, gv_writer_notify_fn notify, void *notify_ud,
                         gv_error *err)
{
    gv_writer *w = NULL;
    sigset_t all, old;
    int locks = 0;

    if (!store) {
        gv_error_set(err, GV_EINVAL, "a writer needs a store");
        goto fail;
    }
    if (store->flags & GV_STORE_READONLY) {
        gv_error_set(err, GV_EPERM, "the store was opened read-only; a writer needs it writable");
        goto fail;
    }
    if (!(w = calloc(1, sizeof *w))) {
        gv_error_set(err, GV_ENOMEM, "out of memory starting the storage writer");
        goto fail;
    }
    w->store = store;
    w->notify = notify;
    w->notify_ud = notify_ud;
    w->pending_tail = &w->pending;
    w->done_tail = &w->done;
    if (pthread_mutex_init(&w->mu, NULL) != 0)
        goto no_thread;
    locks++;
    if (pthread_cond_init(&w->work_cv, NULL) != 0)
        goto no_thread;
    locks++;
    if (pthread_cond_init(&w->done_cv, NULL) != 0)
        goto no_thread;
    locks++;
    /* Signals go to the other threads (the loop handles SIGTERM), never to
     * the writer in the middle of a commit. */
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&w->thread, NULL, writer_main, w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0)
        goto no_thread;
    return w;

no_thread:
    gv_error_set(err, GV_EIO, "cannot start the storage writer thread");
fail:
    if (w) {
        if (locks > 2)
            pthread_cond_destroy(&w->done_cv);
        if (locks > 1)
            pthread_cond_destroy(&w->work_cv);
        if (locks > 0)
            pthread_mutex_destroy(&w->mu);
        free(w);
    }
    return NULL;
}

/* Puts a batch on the pending queue; frees it and fails when it cannot. */
static int enqueue(gv_writer *w, batch *b, gv_error *err)
{
    int rc = 0;
    pthread_mutex_lock(&w->mu);
    if (w->stopping)
        rc = gv_error_set(err, GV_ESTATE, "the storage writer is stopping; nothing was queued");
    else if (w->n_pending >= PENDING_MAX_BATCHES)
        rc = gv_error_set(err, GV_EBUSY,
                          "the storage writer is %zu batches behind; try again shortly",
                          w->n_pending);
    if (rc == 0) {
        *w->pending_tail = b;
        w->pending_tail = &b->next;
        w->n_pending++;
        pthread_cond_signal(&w->work_cv);
    }
    pthread_mutex_unlock(&w->mu);
    if (rc)
        free(b);
    return rc;
}

int gv_writer_submit(gv_writer *w, const char *meeting_id, unsigned flags,
                     const gv_event_in *events, size_t n, void *tag, gv_error *err)
{
    batch *b;
    int rc = batch_new(meeting_id, flags, events, n, tag, &b, err);
    if (rc)
        return rc;
    return enqueue(w, b, err);
}

int gv_writer_submit_wait(gv_writer *w, const char *meeting_id, unsigned flags,
                          const gv_event_in *events, size_t n, int64_t *last_seq,
                          unsigned char head[GV_HASH_BYTES], gv_error *err)
{
    batch *b;
    int rc = batch_new(meeting_id, flags, events, n, NULL, &b, err);
    if (rc)
        return rc;
    b->waited = true;
    if ((rc = enqueue(w, b, err)))
        return rc;
    pthread_mutex_lock(&w->mu);
    while (!b->finished)
        pthread_cond_wait(&w->done_cv, &w->mu);
    pthread_mutex_unlock(&w->mu);
    rc = b->code;
    if (rc) {
        if (err)
            *err = b->err;
    } else {
        if (last_seq)
            *last_seq = b->res.last_seq;
        if (head)
            memcpy(head, b->res.head, GV_HASH_BYTES);
    }
    free(b);
    return rc;
}

size_t gv_writer_poll(gv_writer *w, gv_writer_done_fn fn, void *ud)
{
    size_t count = 0;
    pthread_mutex_lock(&w->mu);
    batch *list = w->done;
    w->done = NULL;
    w->done_tail = &w->done;
    pthread_mutex_unlock(&w->mu);

    while (list) {
        batch *b = list;
        list = b->next;
        gv_write_done d = {
            .tag = b->tag,
            .meeting_id = b->meeting,
            .code = b->code,
            .message = b->code ? b->err.msg : "",
            .first_seq = b->code ? 0 : b->res.first_seq,
            .last_seq = b->code ? 0 : b->res.last_seq,
        };
        if (b->code == 0)
            memcpy(d.head, b->res.head, GV_HASH_BYTES);
        if (fn)
            fn(ud, &d);
        free(b);
        count++;
    }
    return count;
}

void gv_writer_get_stats(gv_writer *w, gv_writer_stats *out)
{
    pthread_mutex_lock(&w->mu);
    *out = w->stats;
    pthread_mutex_unlock(&w->mu);
}

void gv_writer_stop(gv_writer *w)
{
    if (w->joined)
        return;
    pthread_mutex_lock(&w->mu);
    w->stopping = true;
    pthread_cond_signal(&w->work_cv);
    pthread_mutex_unlock(&w->mu);
    pthread_join(w->thread, NULL);
    w->joined = true;
    assert(w->pending == NULL);
}

void gv_writer_free(gv_writer *w)
{
    if (!w)
        return;
    gv_writer_stop(w);
    gv_writer_poll(w, NULL, NULL);
    pthread_cond_destroy(&w->done_cv);
    pthread_cond_destroy(&w->work_cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
}
