/*
 * Writing a client what it is owed (client.h): the bytes, in the order
 * client.c keeps.
 *
 * Each message goes out in the client's wire form (frame.h): a WebSocket
 * frame, plain or compressed, made once per message and shared by every
 * reader that takes that form; for SSE, the payload as it is, or a piece of
 * a gzip stream. A gzip stream is the 10-byte header written first, then
 * the pieces, each compressed on its own, then, when the stream ends, an
 * empty final block and the CRC-32 and length of everything sent, kept per
 * client with crc32_combine_op (its operator made once per frame).
 *
 * Whole messages are gathered, one after the other, into one write of up to
 * GV__WRITE_CHUNK bytes: a reader that is many events behind catches up in
 * a few writes, not one write and one turn of the loop per event. A message
 * larger than that goes in pieces, one write each.
 *
 * A write is a list of pieces of the frames themselves (struct iovec), not
 * a copy. On a connection that is its own plain socket (no TLS, not an
 * HTTP/2 stream) and of whose output lws holds nothing, it goes to the
 * socket with one sendmsg (docs/decisions/0022): the bytes are the wire's
 * already, and lws_write would only copy them and send them the same way.
 * What the socket does not take is copied and handed to lws_write, which
 * keeps it, writes it before anything else (its own control frames too)
 * and asks for a writeable callback; the next write goes directly again
 * only once lws holds nothing, so the order holds. TLS connections and
 * HTTP/2 streams go through lws_write whole.
 *
 * gv__client_flush writes at once, from outside lws's writeable callback,
 * when lws holds nothing of the connection's output and the connection is
 * HTTP/1.1 (its own, not a stream of an HTTP/2 connection with its flow
 * control): a commit then reaches its readers without a writeable request
 * per reader. Otherwise it asks for the callback.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <zlib.h>

#include "server/client.h"
#include "server/metrics.h"
#include "server/room.h"

/* Does the client still take events? (A closing client flushes them first.) */
static bool streaming(const gv__client *c)
{
    return (c->state == GV__LIVE || c->state == GV__CLOSING) && c->subscribed;
}

bool gv__client_owed(const gv__client *c)
{
    if (c->q_len && c->q[c->q_head].after_seq <= c->cursor)
        return true;
    return streaming(c) && c->cursor < c->room->settled_seq;
}

/* Picks the next frame the client is owed and makes it current: 1 if there
 * is one, 0 if nothing may be written now, -1 when the connection must close. */
static int next_frame(gv__client *c)
{
    if (c->q_len && c->q[c->q_head].after_seq <= c->cursor) {
        c->cur = c->q[c->q_head].frame; /* the queue's reference moves to cur */
        c->cur_event = false;
        c->q_head = (c->q_head + 1) % GV__DIRECT_MAX;
        c->q_len--;
        gv__client_flow(c);
        return 1;
    }
    /* Events go out once settled: the last of a batch carries its patch. */
    if (streaming(c) && c->cursor < c->room->settled_seq) {
        gv__frame *f = gv__room_event_frame(c->room, c->cursor + 1, c->kind, c->view);
        if (!f) {
            gv__client_cut(c, "the events after your last one are no longer held");
            return next_frame(c);
        }
        c->cur = gv__frame_ref(f);
        c->cur_event = true;
        return 1;
    }
    if ((c->state == GV__RESYNC || c->state == GV__CLOSING) && c->q_len == 0) {
        /* Everything owed is written: close, saying why. */
        if (c->kind == GV__CLIENT_WS && c->close_reason)
            lws_close_reason(c->wsi, (enum lws_close_status)c->close_status,
                             (unsigned char *)c->close_reason, strlen(c->close_reason));
        return -1;
    }
    return 0;
}

/* The bytes of cur for a client that follows its view's deflate stream
 * (room_deflate.c): an event from ctx_from on as the stream compressed it;
 * once it takes events from the stream, anything else uncompressed over
 * WebSocket (so that its inflater's window holds the stream's messages
 * alone), or over SSE the stream's ping as the stream compressed it, and
 * any other message takes the SSE client out of the stream. NULL: the
 * client's usual form. An event the stream does not hold sends the client
 * back to waiting for the stream's next start. */
static gv__frame *in_context(gv__client *c)
{
    if (c->ctx != GV__CTX_SYNCED)
        return NULL;
    if (!c->cur_event) {
        if (c->cursor < c->ctx_from)
            return NULL;
        if (c->kind == GV__CLIENT_WS)
            return gv__frame_wire(c->cur, GV__WIRE_WS);
        gv__frame *ping = c->cur->wire[GV__WIRE_GZIP_STREAM];
        if (!ping)
            gv__room_deflate_wait(c->room, c);
        return ping;
    }
    if (c->cursor + 1 < c->ctx_from)
        return NULL;
    gv__frame *z = gv__room_deflate_frame(c->room, c->kind, c->view, c->cursor + 1);
    if (z)
        return c->cur_ctx = gv__frame_ref(z);
    gv__room_deflate_wait(c->room, c);
    return NULL;
}

/* Makes the next owed frame current, in the client's wire form. */
static int take_next(gv__client *c)
{
    int rc = next_frame(c);
    if (rc <= 0)
        return rc;
    c->cur_off = 0;
    c->cur_wire = in_context(c);
    if (!c->cur_wire)
        c->cur_wire = c->wire == GV__WIRE_COUNT ? c->cur : gv__frame_wire(c->cur, c->wire);
    if (!c->cur_wire) {
        /* Out of memory: the connection closes, and a WebSocket reader is
         * told why (lws keeps the reason in a buffer of its own), reconnects
         * and starts again from a snapshot. */
        static const char why[] = "the server ran out of memory writing to you: reconnect";
        if (c->kind == GV__CLIENT_WS && c->wsi)
            lws_close_reason(c->wsi, LWS_CLOSE_STATUS_UNEXPECTED_CONDITION, (unsigned char *)why,
                             sizeof why - 1);
        return -1;
    }
    if (c->wire == GV__WIRE_GZIP) {
        c->gz_crc = (uint32_t)crc32_combine_op(c->gz_crc, c->cur->crc, c->cur->crc_op);
        c->gz_len += (uint32_t)c->cur->len;
    }
    return 1;
}

/* One write: the pieces of the frames it takes, in order, pointing into the
 * frames themselves (shared by every reader; copied only when the socket
 * does not take them all), and the frames finished in it, released once the
 * write is done. */
#define BATCH_IOV 64

typedef struct batch {
    struct iovec iov[BATCH_IOV];
    int n_iov;
    size_t len;
    gv__frame *done[2 * BATCH_IOV]; /** references to drop after the write */
    int n_done;
    unsigned char tail[16]; /** gzip: the stream's end, when it ends here */
} batch;

static void batch_add(batch *b, const void *p, size_t len)
{
    assert(b->n_iov < BATCH_IOV);
    b->iov[b->n_iov++] = (struct iovec){(void *)p, len};
    b->len += len;
}

/* The frame is written (or handed on): the cursor moves past an event, and
 * its references go with the batch. */
static void frame_done(gv__client *c, batch *b, int64_t now_us)
{
    gv__frame *f = c->cur;
    if (c->cur_event) {
        c->cursor++;
        if (f->made_us >= c->subscribed_us)
            gv__histogram_observe(&c->srv->metrics.broadcast_latency, now_us - f->made_us);
    }
    b->done[b->n_done++] = f;
    if (c->cur_ctx)
        b->done[b->n_done++] = c->cur_ctx;
    c->cur = c->cur_wire = c->cur_ctx = NULL;
}

/* A gzip stream's header (RFC 1952): deflate, no name, no time, unknown OS. */
static const unsigned char gzip_head[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
/* Its end: an empty final stored block, then CRC-32 and length, little-endian. */
#define GZIP_TAIL 13

static size_t gzip_tail(const gv__client *c, unsigned char *out)
{
    static const unsigned char last[5] = {1, 0, 0, 0xff, 0xff};
    memcpy(out, last, sizeof last);
    for (int i = 0; i < 4; i++) {
        out[5 + i] = (unsigned char)(c->gz_crc >> (8 * i));
        out[9 + i] = (unsigned char)(c->gz_len >> (8 * i));
    }
    return GZIP_TAIL;
}

/* Where what the socket did not take is put together for lws_write, with
 * lws's headroom before it: lws may write its framing there (HTTP/2),
 * which inside a shared frame would be bytes other connections still need.
 * Loop thread only. */
static unsigned char scratch[LWS_PRE + GV__WRITE_CHUNK];

/* Writes the batch's bytes from offset from on through lws, which keeps
 * what the socket does not take and writes it before anything else. */
static int write_lws(gv__client *c, const batch *b, size_t from)
{
    unsigned char *out = scratch + LWS_PRE;
    size_t fill = 0;
    for (int i = 0; i < b->n_iov; i++) {
        size_t len = b->iov[i].iov_len;
        if (from >= len) {
            from -= len;
            continue;
        }
        memcpy(out + fill, (const unsigned char *)b->iov[i].iov_base + from, len - from);
        fill += len - from;
        from = 0;
    }
    return lws_write(c->wsi, out, fill, LWS_WRITE_HTTP) < (int)fill ? -1 : 0;
}

/* Writes the batch: straight to the socket from the frames' own bytes when
 * the connection is its own plain socket and lws holds none of its output
 * (then nothing can be ahead of these bytes), else, or for what the socket
 * did not take, through lws (write_lws). */
static int write_batch(gv__client *c, const batch *b)
{
    size_t sent = 0;
    if (c->fd >= 0 && !lws_partial_buffered(c->wsi)) {
        struct msghdr m = {.msg_iov = (struct iovec *)b->iov, .msg_iovlen = (size_t)b->n_iov};
        ssize_t n = sendmsg(c->fd, &m, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
            return -1; /* the peer is gone: the connection closes */
        sent = n > 0 ? (size_t)n : 0;
        if (sent == b->len)
            return 0;
    }
    return write_lws(c, b, sent);
}

int gv__client_write(gv__client *c)
{
    if (!c->wsi || c->state == GV__GONE)
        return -1;
    if (c->cur && !c->cur_wire)
        return -1; /* its wire form could not be made: the connection is closing */
    batch b;
    b.n_iov = b.n_done = 0;
    b.len = 0;
    int rc = 0;
    int64_t now_us = gv__mono_us();
    if (c->wire == GV__WIRE_GZIP && !c->gz_started) {
        batch_add(&b, gzip_head, sizeof gzip_head);
        c->gz_started = true;
    }
    /* Whole frames while they fit, or one piece of a large one; room is left
     * for the gzip trailer should the stream end here. */
    while (b.len + GZIP_TAIL < GV__WRITE_CHUNK && b.n_iov < BATCH_IOV - 1) {
        if (!c->cur && (rc = take_next(c)) <= 0)
            break;
        const gv__frame *w = c->cur_wire;
        size_t k = w->len - c->cur_off;
        size_t room = GV__WRITE_CHUNK - GZIP_TAIL - b.len;
        if (k > room) {
            if (b.len)
                break; /* a large frame starts a write of its own */
            k = room;
        }
        batch_add(&b, w->payload + c->cur_off, k);
        c->cur_off += k;
        if (c->cur_off < w->len)
            break;
        frame_done(c, &b, now_us);
    }
    if (rc < 0 && c->wire == GV__WIRE_GZIP)
        batch_add(&b, b.tail, gzip_tail(c, b.tail));
    int wrc = b.len ? write_batch(c, &b) : 0;
    for (int i = 0; i < b.n_done; i++)
        gv__frame_unref(b.done[i]);
    if (wrc < 0)
        return -1;
    if (b.len)
        c->keepalive_us = now_us;
    if (rc < 0)
        return -1;
    if (c->cur || gv__client_owed(c) ||
        ((c->state == GV__RESYNC || c->state == GV__CLOSING) && c->q_len == 0))
        lws_callback_on_writable(c->wsi);
    return 0;
}

/* The lines of a client the fan-out reads (the top of the struct, client.h). */
#define HOT_LINES 4

void gv__client_flush(gv__client *c)
{
    /* The settle flushes the room's readers one after the other: the next
     * one's lines are fetched while this one's send runs, rather than
     * missed when its turn comes (10,000 readers are megabytes apart). */
    for (int i = 0; c->next && i < HOT_LINES; i++)
        __builtin_prefetch((const char *)c->next + 64 * i);
    if (!c->wsi || c->state == GV__GONE)
        return;
    if (!c->own_conn || lws_partial_buffered(c->wsi)) {
        lws_callback_on_writable(c->wsi);
        return;
    }
    if (gv__client_write(c) < 0) {
        /* Closed from its writeable callback, where gv__client_write fails
         * again and lws sends the close with its reason (killed from a
         * timeout, the socket would just be cut); the timeout if that
         * callback never comes. */
        lws_callback_on_writable(c->wsi);
        lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, 1);
    }
}
