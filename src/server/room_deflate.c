/*
 * One deflate stream per view and transport: a room's events compressed
 * with the context of the events before them, shared by every reader of the
 * view that follows the stream (docs/decisions/0020-what-the-stream-leaves-out.md,
 * docs/decisions/0025-sse-in-the-views-deflate-stream.md).
 *
 * A message compressed on its own starts from an empty dictionary, and the
 * stream's messages are alike from one to the next (the same keys, the same
 * paths): with the context kept, the public view's message per event of the
 * scripted panel is about a third of its size compressed alone. A reader
 * inflates what it is sent with one inflater whose window is what it
 * inflated, so the compressed bytes may refer to the messages before as long
 * as that reader was sent the same ones:
 * - a WebSocket reader's permessage-deflate keeps the context unless the
 *   server promises not to (RFC 7692 "server_no_context_takeover"), and
 *   only compressed messages go through its inflater (an uncompressed one,
 *   RSV1 clear, does not): its other messages (answers, its own part) go
 *   uncompressed once it follows the stream;
 * - an SSE reader that takes gzip has one gzip stream, and everything in it
 *   goes through its inflater: a message of its own (its part, a refusal)
 *   takes it out of the stream (back to waiting), and the stream's quiet
 *   is kept by a ping compressed in the stream itself, written to every
 *   reader that follows it (gv__rooms_deflate_ping), where a ping of its own
 *   would take each out.
 *
 * So each view keeps one deflater per transport, and each event, once its
 * frame is final (the patch made, at the settle), is compressed in it once,
 * in seq order, for every reader of the view. A reader joins the stream
 * where it starts (`start`: the deflater reset, nothing before it referred
 * to): it waits (GV__CTX_WAITING, meanwhile taking each message compressed
 * on its own) until the next settle, which starts the stream again when
 * someone waits, and takes every event from there (ctx_from) from the
 * stream. A later start changes nothing for those already following: what
 * comes after it refers to nothing before it. An event the stream does not
 * hold (a failed allocation, a ring overrun) sends the reader back to
 * waiting, with that event compressed on its own.
 *
 * A stream costs one more compression per event and view (not per reader)
 * and a deflater's memory (about 256 KiB) per followed view and transport;
 * a view and transport none of whose readers takes the stream any more
 * (gv__room_deflate_reader) gives them back at the next settle, and an SSE
 * stream nobody follows at the moment does when it falls quiet
 * (gavel_deflate_streams in /metrics counts those held).
 */
#include <stdlib.h>
#include <zlib.h>

#include "server/client.h"
#include "server/room.h"

typedef struct stream {
    z_stream z;
    bool ready;        /** z is initialised */
    bool waiting;      /** a reader waits for the next start */
    int64_t seq;       /** the last event compressed in the stream; 0: none (or broken) */
    int64_t last_us;   /** gv__mono_us() when something was last compressed in it */
    gv__frame **ring;  /** the events as compressed, by seq modulo ring_cap */
    int64_t *ring_seq; /** the seq each slot holds */
} stream;

/* [0]: WebSocket, [1]: SSE. */
typedef struct gv__room_deflate {
    stream st[2][GV_VIEW_COUNT];
} gv__room_deflate;

static int transport(gv__client_kind k)
{
    return k == GV__CLIENT_SSE;
}

/* Is c a reader of the stream of transport t and view v, at stage ctx? */
static bool on_stream(const gv__client *c, int t, gv_view v, gv__client_ctx ctx)
{
    return c->view == v && transport(c->kind) == t && c->ctx == ctx;
}

void gv__room_deflate_wait(gv__room *r, gv__client *c)
{
    if (!r->deflate && !(r->deflate = calloc(1, sizeof *r->deflate)))
        return; /* out of memory: the client takes messages compressed on their own */
    c->ctx = GV__CTX_WAITING;
    r->deflate->st[transport(c->kind)][c->view].waiting = true;
}

void gv__room_deflate_reader(gv__room *r, const gv__client *c, int delta)
{
    if (c->streamed)
        r->streamed[transport(c->kind)][c->view] += (unsigned)delta;
}

/* Gives a stream back: nobody follows it. */
static void stream_release(gv__room *r, stream *st)
{
    if (st->ready)
        deflateEnd(&st->z);
    for (unsigned i = 0; st->ring && i < r->ring_cap; i++)
        gv__frame_unref(st->ring[i]);
    free(st->ring);
    free(st->ring_seq);
    *st = (stream){0};
}

/* Starts the stream of transport t and view v again at event `start`: every
 * waiting reader of it follows it from there. 0, or GV_ENOMEM. */
static int restart(gv__room *r, stream *st, int t, gv_view v, int64_t start)
{
    if (!st->ring) {
        st->ring = calloc(r->ring_cap, sizeof *st->ring);
        st->ring_seq = calloc(r->ring_cap, sizeof *st->ring_seq);
        if (!st->ring || !st->ring_seq)
            return GV_ENOMEM;
    }
    if (!st->ready) {
        if (deflateInit2(&st->z, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
            return GV_ENOMEM;
        st->ready = true;
    } else if (deflateReset(&st->z) != Z_OK) {
        return GV_ENOMEM;
    }
    /* A reader already past `start` (resumed from a seq this server has not
     * reached: a shared log) cannot take it: it waits for a later start. */
    st->waiting = false;
    for (gv__client *c = r->subs; c; c = c->next)
        if (on_stream(c, t, v, GV__CTX_WAITING)) {
            if (c->cursor >= start) {
                st->waiting = true;
                continue;
            }
            c->ctx = GV__CTX_SYNCED;
            c->ctx_from = start;
        }
    return 0;
}

/* The stream cannot be continued (out of memory): it starts again at the
 * next settle, and its readers wait for that, taking meanwhile what they are
 * sent compressed on its own (a ping of their own included). */
static void stream_break(gv__room *r, stream *st, int t, gv_view v)
{
    st->seq = 0;
    for (gv__client *c = r->subs; c; c = c->next)
        if (on_stream(c, t, v, GV__CTX_SYNCED)) {
            c->ctx = GV__CTX_WAITING;
            st->waiting = true;
        }
}

/* Event frame f compressed in the stream of transport t. */
static gv__frame *compress_in(stream *st, int t, gv__frame *f)
{
    return t ? gv__frame_gzip_in_context(f, &st->z) : gv__frame_ws_in_context(f, &st->z);
}

/* Compresses view v's events after the last settle in the stream of
 * transport t, at now_us. */
static void settle_stream(gv__room *r, stream *st, int t, gv_view v, int64_t now_us)
{
    int64_t first = r->settled_seq + 1;
    /* Not one after the other with what the stream holds: start again, and
     * so also when someone waits. */
    if ((st->waiting || st->seq != r->settled_seq || !st->ready) && restart(r, st, t, v, first) < 0)
        goto fail;
    for (int64_t s = first; s <= r->seq; s++) {
        gv__frame *f = gv__room_event_frame(r, s, t ? GV__CLIENT_SSE : GV__CLIENT_WS, v);
        gv__frame *z = f ? compress_in(st, t, f) : NULL;
        if (!z)
            goto fail;
        unsigned i = (unsigned)((s - 1) % r->ring_cap);
        gv__frame_unref(st->ring[i]);
        st->ring[i] = z;
        st->ring_seq[i] = s;
        st->seq = s;
    }
    st->last_us = now_us;
    return;
fail:
    lwsl_warn("meeting %s: out of memory compressing the %s view's events at %lld\n", r->id,
              gv_view_names[v], (long long)r->seq);
    stream_break(r, st, t, v);
}

void gv__room_deflate_settle(gv__room *r, int64_t now_us)
{
    gv__room_deflate *d = r->deflate;
    if (!d)
        return;
    for (int t = 0; t < 2; t++)
        for (int v = 0; v < GV_VIEW_COUNT; v++) {
            stream *st = &d->st[t][v];
            if (!r->streamed[t][v])
                stream_release(r, st);
            else if (st->waiting || st->ready)
                settle_stream(r, st, t, (gv_view)v, now_us);
        }
}

gv__frame *gv__room_deflate_frame(gv__room *r, gv__client_kind k, gv_view v, int64_t seq)
{
    gv__room_deflate *d = r->deflate;
    stream *st = d ? &d->st[transport(k)][v] : NULL;
    if (!st || !st->ring || seq < 1 || seq > st->seq)
        return NULL;
    unsigned i = (unsigned)((seq - 1) % r->ring_cap);
    return st->ring_seq[i] == seq ? st->ring[i] : NULL;
}

/* A ping compressed in SSE stream st (its stream form set), or NULL on
 * ENOMEM: the deflater may then have taken part of it, and the stream is
 * of no further use. */
static gv__frame *ping_in(stream *st)
{
    gv__frame *p = gv__frame_copy(GV__SSE_PING, sizeof GV__SSE_PING - 1);
    gv__frame *z = p ? gv__frame_gzip_in_context(p, &st->z) : NULL;
    if (!z) {
        gv__frame_unref(p);
        return NULL;
    }
    gv__frame_set_stream_form(p, z);
    return p;
}

/* The ping of view v's quiet SSE stream, made in the stream on the first
 * reader that follows it and queued to each after the stream's last event.
 * A reader with messages still queued (one that does not read: pings would
 * pile up until it is cut off) leaves the stream, to get pings of its own;
 * a stream nobody follows any more is given back. */
static void stream_ping(gv__room *r, stream *st, gv_view v, int64_t now_us)
{
    gv__frame *p = NULL;
    for (gv__client *c = r->subs; c; c = c->next) {
        if (!on_stream(c, 1, v, GV__CTX_SYNCED))
            continue;
        if (c->q_len) {
            gv__room_deflate_wait(r, c);
            continue;
        }
        if (!p) {
            if (!(p = ping_in(st))) {
                stream_break(r, st, 1, v);
                return;
            }
            st->last_us = now_us;
        }
        /* Cannot fail: its queue is empty (a reader not live drops it). */
        (void)!gv__client_send(c, gv__frame_ref(p), st->seq);
    }
    if (p)
        gv__frame_unref(p);
    else if (!st->waiting)
        stream_release(r, st); /* nobody follows it: no more compressing */
}

static void room_ping(gv__room *r, int64_t now_us, int64_t quiet_us)
{
    gv__room_deflate *d = r->deflate;
    for (int v = 0; d && v < GV_VIEW_COUNT; v++) {
        stream *st = &d->st[1][v];
        if (st->ready && st->seq && now_us - st->last_us > quiet_us)
            stream_ping(r, st, (gv_view)v, now_us);
    }
}

void gv__rooms_deflate_ping(struct gv_server *s, int64_t now_us, int64_t quiet_us)
{
    for (unsigned b = 0; b < s->n_rooms_buckets; b++)
        for (gv__room *r = s->rooms[b]; r; r = r->hash_next)
            room_ping(r, now_us, quiet_us);
}

void gv__room_deflate_free(gv__room *r)
{
    if (!r->deflate)
        return;
    for (int t = 0; t < 2; t++)
        for (int v = 0; v < GV_VIEW_COUNT; v++)
            stream_release(r, &r->deflate->st[t][v]);
    free(r->deflate);
    r->deflate = NULL;
}

void gv__rooms_deflate_count(struct gv_server *s, uint64_t held[2])
{
    held[0] = held[1] = 0;
    for (unsigned b = 0; b < s->n_rooms_buckets; b++)
        for (gv__room *r = s->rooms[b]; r; r = r->hash_next)
            for (int t = 0; r->deflate && t < 2; t++)
                for (int v = 0; v < GV_VIEW_COUNT; v++)
                    held[t] += r->deflate->st[t][v].ready;
}
