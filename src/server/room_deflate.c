/*
 * One deflate stream per view: a room's events compressed with the context
 * of the events before them, shared by every WebSocket reader that follows
 * the stream (docs/decisions/0020-what-the-stream-leaves-out.md).
 *
 * A message compressed on its own starts from an empty dictionary, and the
 * stream's messages are alike from one to the next (the same keys, the same
 * paths): with the context kept, the public view's message per event of the
 * scripted panel is about a third of its size compressed alone. A browser's
 * permessage-deflate keeps the context unless the server promises not to
 * (RFC 7692 "server_no_context_takeover"), so the compressed bytes may refer
 * to the messages before, as long as the reader's inflater saw the same
 * ones: its window is what it inflated, and only compressed messages go
 * through it (an uncompressed message, RSV1 clear, does not).
 *
 * So each view keeps one deflater, and each event, once its frame is final
 * (the patch made, at the settle), is compressed in it once, in seq order,
 * for every reader of the view. A reader joins the stream where it starts
 * (`start`: the deflater reset, nothing before it referred to): it waits
 * (GV__CTX_WAITING, meanwhile taking each message compressed on its own)
 * until the next settle, which starts the stream again when someone waits,
 * and takes every event from there (ctx_from) from the stream; its other
 * messages (answers, its own part) go uncompressed from then on, so that
 * its window holds exactly the stream's messages. A later start changes
 * nothing for those already following: what comes after it refers to
 * nothing before it. An event the stream does not hold (a failed
 * allocation, a ring overrun) sends the reader back to waiting, with that
 * event compressed on its own.
 *
 * The stream costs one more compression per event and view (not per
 * reader) and a deflater's memory (about 256 KiB) per followed view; a view
 * nobody reads any more gives it back.
 */
#include <stdlib.h>
#include <zlib.h>

#include "server/room.h"

typedef struct gv__room_deflate {
    z_stream z[GV_VIEW_COUNT];
    bool ready[GV_VIEW_COUNT];        /** z is initialised */
    bool waiting[GV_VIEW_COUNT];      /** a reader waits for the next start */
    int64_t seq[GV_VIEW_COUNT];       /** the last event compressed in the stream; 0: none */
    gv__frame **ring[GV_VIEW_COUNT];  /** the events as compressed, by seq modulo ring_cap */
    int64_t *ring_seq[GV_VIEW_COUNT]; /** the seq each slot holds */
} gv__room_deflate;

void gv__room_deflate_wait(gv__room *r, gv__client *c)
{
    if (!r->deflate && !(r->deflate = calloc(1, sizeof *r->deflate)))
        return; /* out of memory: the client takes messages compressed on their own */
    c->ctx = GV__CTX_WAITING;
    r->deflate->waiting[c->view] = true;
}

/* Gives a view's stream back: nobody follows it. */
static void view_release(gv__room *r, gv__room_deflate *d, gv_view v)
{
    if (d->ready[v])
        deflateEnd(&d->z[v]);
    d->ready[v] = false;
    d->waiting[v] = false;
    d->seq[v] = 0;
    for (unsigned i = 0; d->ring[v] && i < r->ring_cap; i++)
        gv__frame_unref(d->ring[v][i]);
    free(d->ring[v]);
    free(d->ring_seq[v]);
    d->ring[v] = NULL;
    d->ring_seq[v] = NULL;
}

/* Starts view v's stream again at event `start`: every waiting reader of
 * the view follows it from there. 0, or GV_ENOMEM. */
static int restart(gv__room *r, gv__room_deflate *d, gv_view v, int64_t start)
{
    if (!d->ring[v]) {
        d->ring[v] = calloc(r->ring_cap, sizeof *d->ring[v]);
        d->ring_seq[v] = calloc(r->ring_cap, sizeof *d->ring_seq[v]);
        if (!d->ring[v] || !d->ring_seq[v])
            return GV_ENOMEM;
    }
    if (!d->ready[v]) {
        if (deflateInit2(&d->z[v], 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            return GV_ENOMEM;
        d->ready[v] = true;
    } else if (deflateReset(&d->z[v]) != Z_OK) {
        return GV_ENOMEM;
    }
    for (gv__client *c = r->subs; c; c = c->next)
        if (c->view == v && c->ctx == GV__CTX_WAITING) {
            c->ctx = GV__CTX_SYNCED;
            c->ctx_from = start;
        }
    d->waiting[v] = false;
    return 0;
}

/* Compresses view v's events after the last settle in its stream. */
static void settle_view(gv__room *r, gv__room_deflate *d, gv_view v)
{
    int64_t first = r->settled_seq + 1;
    /* Not one after the other with what the stream holds: start again, and
     * so also when someone waits. */
    if ((d->waiting[v] || d->seq[v] != r->settled_seq || !d->ready[v]) &&
        restart(r, d, v, first) < 0)
        goto fail;
    for (int64_t s = first; s <= r->seq; s++) {
        gv__frame *f = gv__room_event_frame(r, s, GV__CLIENT_WS, v);
        gv__frame *z = f ? gv__frame_ws_in_context(f, &d->z[v]) : NULL;
        if (!z)
            goto fail;
        unsigned i = (unsigned)((s - 1) % r->ring_cap);
        gv__frame_unref(d->ring[v][i]);
        d->ring[v][i] = z;
        d->ring_seq[v][i] = s;
        d->seq[v] = s;
    }
    return;
fail:
    /* The stream is not whole: it starts again at the next settle; readers
     * that would need what is missing wait for that (gv__room_deflate_frame
     * finds nothing). */
    lwsl_warn("meeting %s: out of memory compressing the %s view's events at %lld\n", r->id,
              gv_view_names[v], (long long)r->seq);
    d->seq[v] = 0;
}

void gv__room_deflate_settle(gv__room *r)
{
    gv__room_deflate *d = r->deflate;
    if (!d)
        return;
    for (int v = 0; v < GV_VIEW_COUNT; v++) {
        if (!r->readers[v])
            view_release(r, d, (gv_view)v);
        else if (d->waiting[v] || d->ready[v])
            settle_view(r, d, (gv_view)v);
    }
}

gv__frame *gv__room_deflate_frame(gv__room *r, gv_view v, int64_t seq)
{
    gv__room_deflate *d = r->deflate;
    if (!d || !d->ring[v] || seq < 1 || seq > d->seq[v])
        return NULL;
    unsigned i = (unsigned)((seq - 1) % r->ring_cap);
    return d->ring_seq[v][i] == seq ? d->ring[v][i] : NULL;
}

void gv__room_deflate_free(gv__room *r)
{
    if (!r->deflate)
        return;
    for (int v = 0; v < GV_VIEW_COUNT; v++)
        view_release(r, r->deflate, (gv_view)v);
    free(r->deflate);
    r->deflate = NULL;
}
