/*
 * The server's side of storage: the store's handles, and batches of events
 * on their way to the writer and back.
 *
 * Two store handles: `writer` appends (from the writer's side) and `reader`
 * serves the loop thread's reads (a room loads through it with
 * store/replay.h), so a read never waits behind a commit (SQLite in WAL
 * mode lets one writer and many readers run side by side).
 *
 * A batch is one command's events, made canonical once here and handed to
 * the group-commit writer (store/writer.h) with the batch as its tag. The
 * writer thread wakes the loop with lws_cancel_service once it has
 * committed; gv__storage_poll then hands each completion, with the bytes as
 * stored, to its room on the loop thread, in submission order.
 */
#include "server/storage.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/snapshot.h"
#include "server/room.h"
#include "store/create.h"
#include "store/replay.h"
#include "store/writer.h"

/* A batch of a room's events on its way to the writer thread. */
typedef struct batch {
    gv__room *room;
    gv__client *client; /** holds a reference until completion */
    json_t *cmd;        /** holds a reference: decided again if another server took its seq */
    unsigned attempts;
    json_t *events; /** holds a reference */
    json_t *req_id; /** holds a reference, may be NULL */
    int64_t submitted_us;
} batch;

struct gv__storage {
    gv_store *writer_store; /** the writer thread's handle */
    gv_store *reader;       /** the loop thread's handle */
    gv_writer *writer;
    unsigned in_flight;
};

int gv__storage_open(struct gv_server *s, const char *db_path, gv_error *err)
{
    struct gv__storage *l = calloc(1, sizeof *l);
    if (!l)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    s->storage = l;
    if (!(l->writer_store = gv_store_open(db_path, GV_STORE_CREATE, err)) ||
        !(l->reader = gv_store_open(db_path, 0, err)) ||
        !(l->writer = gv_writer_new(l->writer_store, gv__server_wake, s, err)))
        return err ? err->code : GV_EIO;
    return 0;
}

static void batch_free(batch *b)
{
    gv__client_unref(b->client);
    json_decref(b->cmd);
    json_decref(b->events);
    json_decref(b->req_id);
    free(b);
}

static void drop_done(void *ud, const gv_write_done *done)
{
    (void)ud;
    batch_free(done->tag);
}

void gv__storage_stop(struct gv_server *s)
{
    if (s->storage && s->storage->writer)
        gv_writer_stop(s->storage->writer);
}

void gv__storage_close(struct gv_server *s)
{
    struct gv__storage *l = s->storage;
    if (!l)
        return;
    if (l->writer) {
        /* Commits what is queued; nobody is left to tell, so the outcomes are dropped. */
        gv_writer_stop(l->writer);
        gv_writer_poll(l->writer, drop_done, NULL);
        gv_writer_free(l->writer);
    }
    gv_store_close(l->reader);
    gv_store_close(l->writer_store);
    free(l);
    s->storage = NULL;
}

gv_store *gv__storage_reader(struct gv_server *s)
{
    return s->storage->reader;
}

gv_store *gv__storage_writer_store(struct gv_server *s)
{
    return s->storage->writer_store;
}

unsigned gv__storage_in_flight(const struct gv_server *s)
{
    return s->storage ? s->storage->in_flight : 0;
}

int gv__storage_load_snapshot(struct gv_server *s, const char *meeting, gv_meeting **out,
                              gv_error *err)
{
    gv_load_info info;
    if (!gv_store_is_meeting_id(meeting))
        return gv_error_set(err, GV_ENOTFOUND, "no meeting \"%s\"", meeting);
    int rc = gv_load_snapshot(s->storage->reader, meeting, out, &info, err);
    if (rc < 0 && info.skipped[0])
        lwsl_err("meeting %s: the stored snapshot was not used (%s); folding the whole log\n",
                 meeting, info.skipped);
    return rc;
}

void gv__storage_snapshot(struct gv_server *s, const char *meeting, const gv_meeting *m)
{
    gv_error err;
    json_t *snap = gv_meeting_snapshot(m);
    char *bytes = snap ? gv_event_canonical(snap) : NULL;
    json_decref(snap);
    if (!bytes || gv_writer_submit_snapshot(s->storage->writer, meeting, gv_meeting_seq(m),
                                            GV_SNAPSHOT_VERSION, (const unsigned char *)bytes,
                                            strlen(bytes), &err) < 0)
        lwsl_err("meeting %s: no snapshot at seq %lld: %s\n", meeting, (long long)gv_meeting_seq(m),
                 bytes ? err.msg : "out of memory");
    free(bytes);
}

void gv__storage_snapshot_counts(struct gv_server *s, uint64_t *stored, uint64_t *failed)
{
    gv_writer_stats st = {0};
    if (s->storage && s->storage->writer)
        gv_writer_get_stats(s->storage->writer, &st);
    *stored = st.snapshots;
    *failed = st.snapshots_failed;
}

int gv__storage_submit(struct gv_server *s, gv__room *r, gv__client *c, const json_t *cmd,
                       unsigned attempts, json_t *events, const json_t *req_id, gv_error *err)
{
    unsigned char chain[GV_HASH_BYTES];
    memcpy(chain, r->ahead_head, GV_HASH_BYTES);
    struct gv__storage *l = s->storage;
    size_t n = json_array_size(events);
    gv_event_in *in = calloc(n ? n : 1, sizeof *in);
    char **bytes = calloc(n ? n : 1, sizeof *bytes);
    batch *b = calloc(1, sizeof *b);
    int rc = GV_ENOMEM;
    if (!in || !bytes || !b) {
        gv_error_set(err, GV_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *ev = json_array_get(events, i);
        if (!(bytes[i] = gv_event_canonical(ev))) {
            gv_error_set(err, GV_ENOMEM, "out of memory");
            goto out;
        }
        in[i] = (gv_event_in){
            .seq = json_integer_value(json_object_get(ev, "seq")),
            .type = json_string_value(json_object_get(ev, "type")),
            .at_ms = json_integer_value(json_object_get(ev, "at_ms")),
            .bytes = (const unsigned char *)bytes[i],
            .len = strlen(bytes[i]),
        };
        gv_hash_event(chain, in[i].bytes, in[i].len, chain);
    }
    b->room = r;
    b->cmd = json_incref((json_t *)cmd);
    b->attempts = attempts;
    b->events = json_incref(events);
    b->req_id = req_id ? json_deep_copy(req_id) : NULL;
    b->client = gv__client_ref(c);
    b->submitted_us = gv__mono_us();
    rc = gv_writer_submit_after(l->writer, r->id, r->ahead_head, in, n, b, err);
    if (rc < 0) {
        batch_free(b);
        b = NULL;
        goto out;
    }
    b = NULL;
    l->in_flight++;
    memcpy(r->ahead_head, chain, GV_HASH_BYTES);
out:
    for (size_t i = 0; bytes && i < n; i++)
        free(bytes[i]);
    free(bytes);
    free(in);
    free(b);
    return rc;
}

static void on_done(void *ud, const gv_write_done *done)
{
    struct gv_server *s = ud;
    batch *b = done->tag;
    s->storage->in_flight--;
    gv__commit c = {.client = b->client,
                    .cmd = b->cmd,
                    .attempts = b->attempts,
                    .head = done->head,
                    .events = b->events,
                    .req_id = b->req_id,
                    .submitted_us = b->submitted_us,
                    .code = done->code,
                    .message = done->message,
                    .stored = done->events,
                    .n = done->n,
                    .in_doubt = done->in_doubt};
    gv__room_committed(s, b->room, &c);
    batch_free(b);
}

void gv__storage_poll(struct gv_server *s)
{
    if (s->storage && s->storage->writer)
        gv_writer_poll(s->storage->writer, on_done, s);
}

int gv__storage_create(struct gv_server *s, const gv_meeting *m, const json_t *first, gv_error *err)
{
    /* The writer owns the write connection; waiting for it keeps creations
     * in line with the loop's commits instead of racing them for SQLite's
     * lock. */
    return gv_create_meeting(NULL, s->storage->writer, m, first, err);
}

int gv__storage_put_file(struct gv_server *s, const char *meeting, const char *media_type,
                         const unsigned char *bytes, size_t len, unsigned char hash[32],
                         gv_error *err)
{
    return gv_writer_put_file_wait(s->storage->writer, meeting, media_type, bytes, len, hash, err);
}
