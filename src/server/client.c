/*
 * Clients: what one connection is owed and the order it is written in.
 *
 * A subscriber (WebSocket or SSE) follows its room with a cursor, the seq of
 * the last event written to it, so a broadcast costs no copy: the client is
 * written the next events from the room's ring, or the head of its queue of
 * direct messages (hello, snapshot, acknowledgements, errors, its own part).
 * A direct message carries `after_seq` and waits until every event up to it
 * is written, so a sender sees its events before the acknowledgement that
 * names them, and a snapshot (queued with the cursor set to its seq) comes
 * before the events that follow it. How the bytes are written is
 * client_write.c's.
 *
 * A WebSocket client's answers are bounded without cutting it off: once half
 * its queue is owed (answers queued plus commands in flight), the server stops
 * reading its messages (lws_rx_flow_control) until it has read its answers.
 *
 * Nothing owed is dropped silently: a message that cannot be queued (its
 * queue is full, or it could not be made for want of memory) cuts the
 * client off, so that it learns to fetch a snapshot instead of waiting.
 *
 * States: LIVE -> RESYNC (gv__client_cut: fell max_lag_events behind, its
 * queue overflowed or a message could not be made; writes only the resync
 * notice, then closes; gv__client_cut_keeping_answers, when its room loads
 * itself again: what was queued, then the notice) or CLOSING
 * (gv__client_close: writes what is queued, then closes) -> GONE
 * (gv__client_gone, from the connection's close callback). The memory goes
 * with the last reference: the connection's, or a command's in flight.
 */
#include "server/client.h"

#include <stdlib.h>
#include <string.h>

#include "server/hangup.h"
#include "server/metrics.h"
#include "server/room.h"
#include "server/settle.h"

gv__client *gv__client_new(struct gv_server *s, gv__client_kind kind, struct lws *wsi)
{
    gv__client *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->refs = 1;
    c->kind = kind;
    c->state = GV__LIVE;
    c->srv = s;
    c->wsi = wsi;
    /* Known once: client_write.c asks on every write. */
    c->own_conn = wsi && lws_get_network_wsi(wsi) == wsi;
    c->fd = c->own_conn && !lws_is_ssl(wsi) ? lws_get_socket_fd(wsi) : -1;
    c->keepalive_us = gv__mono_us();
    gv__bucket_init(&c->bucket, s->cfg.command_burst, c->keepalive_us);
    return c;
}

gv__client *gv__client_ref(gv__client *c)
{
    c->refs++;
    return c;
}

static void queue_clear(gv__client *c)
{
    while (c->q_len) {
        gv__frame_unref(c->q[c->q_head].frame);
        c->q_head = (c->q_head + 1) % GV__DIRECT_MAX;
        c->q_len--;
    }
}

void gv__client_unref(gv__client *c)
{
    if (!c || --c->refs > 0)
        return;
    gv__hangup_unwatch(c);
    queue_clear(c);
    gv__frame_unref(c->cur);
    gv__frame_unref(c->cur_ctx);
    free(c->rx);
    free(c->http_body);
    free(c);
}

static void unsubscribe(gv__client *c)
{
    if (!c->subscribed)
        return;
    gv__room *r = c->room;
    gv__room_reader_left(r, c->view);
    gv__room_deflate_reader(r, c, -1);
    if (c->prev)
        c->prev->next = c->next;
    else
        r->subs = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
    r->n_subs--;
    c->subscribed = false;
}

void gv__client_gone(gv__client *c)
{
    if (!c)
        return;
    unsubscribe(c);
    if (c->addr_counted) {
        gv__stream_release(c->srv, c->addr);
        c->addr_counted = false;
    }
    if (c->open_counted) {
        if (c->kind == GV__CLIENT_WS)
            c->srv->metrics.ws_open--;
        else
            c->srv->metrics.sse_open--;
        c->open_counted = false;
    }
    gv__hangup_unwatch(c);
    c->state = GV__GONE;
    c->wsi = NULL;
    queue_clear(c);
    gv__client_unref(c);
}

static void want_write(gv__client *c)
{
    if (c->wsi)
        lws_callback_on_writable(c->wsi);
}

const char *gv__client_person(const gv__client *c)
{
    return c->grant.kind == GV__GRANT_PERSON ? c->grant.subject : c->actor;
}

/* FNV-1a of the frame's payload: tells one "you" from the next. */
static uint64_t payload_hash(const gv__frame *f)
{
    uint64_t h = 14695981039346656037u;
    for (size_t i = 0; i < f->len; i++)
        h = (h ^ f->payload[i]) * 1099511628211u;
    return h ? h : 1;
}

void gv__client_you(gv__client *c, gv__frame *f, int64_t after_seq)
{
    uint64_t h = f ? payload_hash(f) : 0;
    if (f && h == c->you_hash) {
        gv__frame_unref(f); /* unchanged: nothing new to say */
        return;
    }
    c->you_hash = h;
    /* A "you" that could not be made (f NULL) is not skipped: the client is
     * cut off and fetches a snapshot, which carries its own part. */
    if (gv__client_send(c, f, after_seq) < 0)
        c->you_hash = 0;
}

/* Cuts a reader off and tells it to fetch a snapshot; what it was owed is
 * dropped, or written first (keep), each message at once: the events it
 * waited for will not come. */
static void cut(gv__client *c, const char *why, bool keep)
{
    if (c->state != GV__LIVE)
        return;
    if (!keep || c->q_len == GV__DIRECT_MAX)
        queue_clear(c);
    for (unsigned i = 0; i < c->q_len; i++)
        c->q[(c->q_head + i) % GV__DIRECT_MAX].after_seq = 0;
    int64_t seq = c->room ? c->room->seq : 0;
    gv__frame *f =
        c->kind == GV__CLIENT_SSE
            ? gv__frame_printf("event: resync\nid\ndata: {\"seq\":%lld,\"reason\":\"%s\"}\n\n",
                               (long long)seq, why)
            : gv__frame_printf("{\"type\":\"resync\",\"seq\":%lld,\"reason\":\"%s\"}",
                               (long long)seq, why);
    c->state = GV__RESYNC;
    c->ctx = GV__CTX_NONE; /* what it is still sent, each message on its own */
    c->close_status = LWS_CLOSE_STATUS_POLICY_VIOLATION;
    c->close_reason = "resync";
    c->srv->metrics.slow_readers_cut++;
    if (f) {
        c->q[(c->q_head + c->q_len) % GV__DIRECT_MAX] = (gv__direct){.frame = f, .after_seq = 0};
        c->q_len++;
    }
    if (c->wsi) {
        /* A reader too slow to take even the notice is closed without it. */
        lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, 5);
        want_write(c);
    }
}

void gv__client_cut(gv__client *c, const char *why)
{
    cut(c, why, false);
}

void gv__client_cut_keeping_answers(gv__client *c, const char *why)
{
    cut(c, why, true);
}

void gv__client_flow(gv__client *c)
{
    if (c->kind != GV__CLIENT_WS || !c->wsi || c->state == GV__GONE)
        return;
    unsigned owed_answers = c->q_len + c->in_flight;
    if (!c->rx_paused && owed_answers >= GV__DIRECT_MAX / 2) {
        c->rx_paused = true;
        lws_rx_flow_control(c->wsi, 0);
    } else if (c->rx_paused && owed_answers <= GV__DIRECT_MAX / 4) {
        c->rx_paused = false;
        lws_rx_flow_control(c->wsi, 1);
    }
}

int gv__client_send(gv__client *c, gv__frame *f, int64_t after_seq)
{
    if (!f) {
        /* A message it is owed could not be made: it must not wait for it. */
        gv__client_cut(c, "the server ran out of memory writing to you: fetch a snapshot");
        return GV_ENOMEM;
    }
    if (c->state != GV__LIVE && c->state != GV__CLOSING) {
        gv__frame_unref(f);
        return 0;
    }
    if (c->q_len == GV__DIRECT_MAX) {
        gv__frame_unref(f);
        gv__client_cut(c, "too many messages waiting: read faster, then fetch a snapshot");
        return GV_ELIMIT;
    }
    c->q[(c->q_head + c->q_len) % GV__DIRECT_MAX] = (gv__direct){f, after_seq};
    c->q_len++;
    gv__client_flow(c);
    want_write(c);
    return 0;
}

/* Copies msg into out as valid UTF-8: a message may quote bytes a client sent
 * or be cut in the middle of a character; such bytes become '?'. */
static void utf8_clean(const char *msg, char *out, size_t size)
{
    size_t n = 0;
    const unsigned char *p = (const unsigned char *)msg;
    while (*p && n + 1 < size) {
        size_t len = *p < 0x80         ? 1
                     : (*p >> 5) == 6  ? 2
                     : (*p >> 4) == 14 ? 3
                     : (*p >> 3) == 30 ? 4
                                       : 0;
        bool ok = len > 0 && n + len < size;
        for (size_t i = 1; ok && i < len; i++)
            ok = (p[i] & 0xc0) == 0x80;
        /* No overlong forms, surrogates or code points past U+10FFFF. */
        if (ok && len == 2)
            ok = p[0] >= 0xc2;
        else if (ok && len == 3)
            ok = (p[0] != 0xe0 || p[1] >= 0xa0) && (p[0] != 0xed || p[1] < 0xa0);
        else if (ok && len == 4)
            ok = p[0] <= 0xf4 && (p[0] != 0xf0 || p[1] >= 0x90) && (p[0] != 0xf4 || p[1] < 0x90);
        if (!ok) {
            out[n++] = '?';
            p++;
            continue;
        }
        memcpy(out + n, p, len);
        n += len;
        p += len;
    }
    out[n] = '\0';
}

char *gv__error_json(const json_t *id, int code, const char *msg)
{
    return gv__error_json_reason(id, code, NULL, msg);
}

char *gv__error_json_reason(const json_t *id, int code, const char *reason, const char *msg)
{
    char clean[GV_ERROR_MSG_MAX + 64];
    utf8_clean(msg ? msg : "", clean, sizeof clean);
    json_t *j = json_pack("{s:s, s:s, s:s, s:I}", "type", "error", "code", gv_error_name(code),
                          "message", clean, "server_ms", (json_int_t)gv__now_ms());
    if (j && id)
        json_object_set(j, "id", (json_t *)id);
    if (j && reason)
        json_object_set_new(j, "reason", json_string(reason));
    if (!j)
        return NULL;
    char *s = gv_json_text(j);
    json_decref(j);
    return s;
}

int gv__client_error(gv__client *c, const json_t *id, int code, const char *msg)
{
    return gv__client_refuse(c, id, code, NULL, msg);
}

int gv__client_refuse(gv__client *c, const json_t *id, int code, const char *reason,
                      const char *msg)
{
    char *s = gv__error_json_reason(id, code, reason, msg);
    gv__frame *f = !s                          ? NULL
                   : c->kind == GV__CLIENT_SSE ? gv__frame_printf("event: error\ndata: %s\n\n", s)
                                               : gv__frame_copy(s, strlen(s));
    free(s);
    return gv__client_send(c, f, 0);
}

void gv__client_answer(gv__client *c, int status, char *body)
{
    free(c->http_body);
    c->http_body = body;
    c->http_status = status;
    c->http_failed = body == NULL;
    gv__settle_answer_owed(c->srv);
    want_write(c);
}

void gv__client_close(gv__client *c, int status, const char *reason)
{
    if (c->state != GV__LIVE)
        return;
    c->state = GV__CLOSING;
    c->close_status = status;
    c->close_reason = reason;
    /* What is committed goes out before the close, and with it the answers
     * that wait for it: events held back to coalesce their patch go now. */
    if (c->subscribed)
        gv__room_settle_now(c->room);
    want_write(c);
}

int gv__client_subscribe(gv__client *c, gv__room *r, int64_t since_seq, gv_error *err)
{
    /* First, as it settles the room's waiting events (writing its readers):
     * this one is not among them yet. */
    if (gv__room_reader_joined(r, c->view) < 0)
        return gv_error_set(err, GV_ENOMEM, "out of memory encoding the state");
    gv__room_deflate_reader(r, c, 1);
    c->room = r;
    c->next = r->subs;
    c->prev = NULL;
    if (r->subs)
        r->subs->prev = c;
    r->subs = c;
    r->n_subs++;
    c->subscribed = true;
    c->subscribed_us = gv__mono_us();
    c->srv->sweep_due_us = 0; /* its pings are not in the tick's reckoning yet (server.c) */
    /* Events after since_seq if the ring still holds them all, else a
     * snapshot. (A page whose state the patches since then do not start
     * from finds itself out of step and asks for a snapshot.) A reader that
     * asked for the state rather than every event (resume=state) gets the
     * snapshot when it is the lighter; since=0 asks for the whole log. */
    int rc = 0;
    gv__metrics *m = &c->srv->metrics;
    bool resumed = since_seq >= 1 && since_seq < r->seq;
    bool events = since_seq >= 0 && since_seq <= r->seq &&
                  (since_seq == r->seq || gv__room_event_frame(r, since_seq + 1, c->kind, c->view));
    if (events && c->resume_state && resumed)
        events = !gv__room_snapshot_lighter(r, since_seq, c->kind, c->view);
    if (events) {
        m->resumed_events += resumed;
        c->cursor = since_seq;
        want_write(c);
    } else if (since_seq > r->seq && c->srv->shared_log) {
        /* Read on another server, stored by another: this one reads the log
         * for it, and the stream goes on from there once it has it. */
        c->cursor = since_seq;
        gv__room_wants(c->srv, r, since_seq);
    } else {
        gv__frame *snap = gv__room_snapshot_frame(r, c->kind, c->view, &m->snapshot_frames);
        if (!snap)
            return gv_error_set(err, GV_ENOMEM, "out of memory encoding the snapshot");
        m->resumed_snapshot += resumed;
        c->cursor = r->seq;
        rc = gv__client_send(c, gv__frame_ref(snap), 0);
    }
    /* A person's own part (what their view leaves out of the questions they
     * asked, and their votes) comes after the snapshot, or after the events
     * that catch them up: it may have changed while they were away. */
    const char *person = gv__client_person(c);
    if (rc == 0 && person[0]) {
        gv__frame *you = gv__room_you_frame(r, c->kind, person);
        if (!you)
            return gv_error_set(err, GV_ENOMEM, "out of memory encoding the snapshot");
        gv__client_you(c, you, c->cursor > r->seq ? c->cursor : r->seq);
    }
    return rc;
}
