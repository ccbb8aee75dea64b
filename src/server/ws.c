/*
 * The WebSocket protocol "gavel.v1": commands in, acknowledgements, errors
 * and events out (docs/protocol.md).
 *
 * The upgrade was checked by the HTTP callback (credentials, meeting, limits)
 * so that refusals carry an HTTP status; here, at LWS_CALLBACK_ESTABLISHED,
 * the same checks run again to bind the connection (they hit memory only),
 * the client takes its stream slot and gets its hello, then a snapshot or
 * the events after ?since= (with ?resume=state, the snapshot when lighter).
 *
 * Sending: every message is a text frame Gavel makes itself (frame.c),
 * compressed when the client offered permessage-deflate (lws accepts the
 * offer and inflates what the client sends); frames go out as bytes, so lws
 * adds nothing to them and they can be shared by every reader.
 *
 * Receiving: a message that arrives whole (the usual case) is handled where
 * lws put it; one in several fragments or reads is gathered, up to
 * max_message_bytes. A larger message is answered with a too_large error
 * and the connection is closed (1009): the rest of its bytes are not worth
 * reading. Binary, malformed, non-UTF-8 or non-object messages, and
 * commands with a bad "id", get a bad_request error and the connection
 * carries on (command.c has the rules HTTP shares). Each message spends one
 * token of the connection's bucket, whether it is a good command or not, and
 * each command one of its person's; past either, rate_limited, with the
 * command's id.
 */
#include "server/ws.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/auth.h"
#include "server/client.h"
#include "server/command.h"
#include "server/headers.h"
#include "server/http.h"
#include "server/limits.h"
#include "server/room.h"

typedef struct ws_pss {
    gv__client *client;
    bool binary; /** the message being received is binary */
} ws_pss;

const size_t gv__ws_pss_size = sizeof(ws_pss);

/* Did the client offer permessage-deflate in a form the shared frames fit?
 * lws accepts every offer; a client that asks for a smaller window than the
 * frames were compressed with is sent plain frames. One that does not ask
 * the server to compress each message on its own (server_no_context_takeover,
 * which lws then promises) may follow its view's deflate stream
 * (*context: room_deflate.c), as browsers do. */
static bool takes_deflate(struct lws *wsi, bool *context)
{
    char ext[256];
    int n = gv__header_copy(wsi, WSI_TOKEN_EXTENSIONS, ext, sizeof ext);
    bool takes =
        n > 0 && strstr(ext, "permessage-deflate") && !strstr(ext, "server_max_window_bits");
    *context = takes && !strstr(ext, "server_no_context_takeover");
    return takes;
}

/* The WebSocket close status for a connection refused with code. */
static enum lws_close_status close_status_of(int code)
{
    switch (code) {
    case GV_EAUTH:
    case GV_EPERM:
        return LWS_CLOSE_STATUS_POLICY_VIOLATION;
    case GV_EBUSY:
    case GV_ERATE:
        return 1013; /* try again later (RFC 6455 registry) */
    case GV_ELIMIT:
        return LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE;
    case GV_EINVAL:
    case GV_ENOTFOUND:
        return LWS_CLOSE_STATUS_PROTOCOL_ERR;
    default:
        return LWS_CLOSE_STATUS_UNEXPECTED_CONDITION;
    }
}

/* A connection that cannot be bound: its cause goes to the log, once, and
 * to the client as the close reason (the first 120 bytes of it). */
static gv__client *refused(struct lws *wsi, gv__client *c, const gv_error *err)
{
    char path[256] = "";
    lws_hdr_copy(wsi, path, sizeof path, WSI_TOKEN_GET_URI);
    lwsl_err("WebSocket %s closed at once: %s (%s)\n", path, err->msg, gv_error_name(err->code));
    unsigned char reason[120];
    size_t n = strnlen(err->msg, sizeof reason);
    memcpy(reason, err->msg, n);
    lws_close_reason(wsi, close_status_of(err->code), reason, n);
    gv__client_gone(c);
    return NULL;
}

/*
 * LWS_CALLBACK_ESTABLISHED: the checks of the upgrade (route_upgrade.c) run
 * again to bind the connection to its room, person and stream slot, since
 * what they found may have changed since (a revocation, the last slot
 * taken, the stop); then the hello, then the snapshot or the events after
 * ?since=. Every way this fails sets err and ends in refused().
 */
static gv__client *establish(struct lws *wsi)
{
    struct gv_server *s = gv__server_of(wsi);
    gv_error err;
    gv_error_clear(&err);
    char path[256], as[GV__ID_MAX + 1] = "", addr[64];
    gv__request req;
    gv__grant g;
    gv__room *r = NULL;
    int64_t since = -1;
    bool resume_state = false;
    gv__client *c = NULL;
    if (s->stopping)
        gv_error_set(&err, GV_EBUSY, "the server is shutting down");
    else if (!gv__http_rematch(wsi, "/api/v1/meetings/{m}/ws", path, sizeof path, &req))
        gv_error_set(&err, GV_ENOTFOUND, "WebSocket connections go to /api/v1/meetings/{id}/ws");
    else if (gv__origin_check(s, wsi, &err) == 0 &&
             gv__auth_meeting(s, wsi, req.meeting, &g, &r, &err) == 0 &&
             gv__since_param(wsi, &since, &err) == 0 &&
             gv__resume_param(wsi, &resume_state, &err) == 0 &&
             !(c = gv__client_new(s, GV__CLIENT_WS, wsi)))
        gv_error_set(&err, GV_ENOMEM, "out of memory for a new connection");
    if (!c)
        return refused(wsi, NULL, &err);
    bool has_as = gv__query_arg(wsi, "as", as, sizeof as);
    gv__peer_addr(wsi, addr, sizeof addr);
    c->grant = g;
    c->view = gv__grant_view(r, &g);
    c->room = r;
    c->resume_state = resume_state;
    c->wire = takes_deflate(wsi, &c->streamed) ? GV__WIRE_WS_DEFLATE : GV__WIRE_WS;
    if (gv__auth_actor(r, &g, has_as ? as : NULL, c->actor, sizeof c->actor, &err) < 0 ||
        gv__stream_acquire(s, addr, &err) < 0)
        return refused(wsi, c, &err);
    snprintf(c->addr, sizeof c->addr, "%s", addr);
    c->addr_counted = true;
    c->open_counted = true;
    s->metrics.ws_open++;
    s->metrics.ws_total++;
    json_t *hello = json_pack(
        "{s:s, s:s, s:s, s:s?, s:s, s:s, s:I, s:I, s:{s:I, s:I, s:I, s:I}}", "type", "hello",
        "protocol", GV__WS_PROTOCOL, "meeting", r->id, "person", c->actor[0] ? c->actor : NULL,
        "link", gv__grant_kind_name(g.kind), "subject", g.subject, "seq", (json_int_t)r->seq,
        "server_ms", (json_int_t)gv__now_ms(), "limits", "max_message_bytes",
        (json_int_t)s->cfg.max_message_bytes, "commands_per_second",
        (json_int_t)s->cfg.commands_per_second, "command_burst", (json_int_t)s->cfg.command_burst,
        "max_lag_events", (json_int_t)s->cfg.max_lag_events);
    gv__frame *f = hello ? gv__frame_json(hello) : NULL;
    json_decref(hello);
    if (gv__client_send(c, f, 0) < 0)
        gv_error_set(&err, GV_ENOMEM, "out of memory for the hello");
    else if (gv__client_subscribe(c, r, since, &err) == 0) {
        if (c->streamed)
            gv__room_deflate_wait(r, c);
        return c;
    }
    return refused(wsi, c, &err);
}

/* Answers {"type":"sync"} at once, for the client's clock offset; nothing is
 * stored. */
static void sync_answer(gv__client *c, const json_t *id)
{
    json_t *j = json_pack("{s:s, s:I}", "type", "sync", "server_ms", (json_int_t)gv__now_ms());
    gv__frame *f =
        j && (!id || json_object_set(j, "id", (json_t *)id) == 0) ? gv__frame_json(j) : NULL;
    json_decref(j);
    if (gv__client_send(c, f, 0) < 0)
        lwsl_err("meeting %s: a sync answer was not queued: the client was cut off\n", c->room->id);
}

/* Refuses a message with err, carrying its command's id when it has one. */
static void refuse(gv__client *c, const json_t *id, const gv_error *err)
{
    gv__metrics_command(&c->srv->metrics, err->code);
    if (gv__client_refuse(c, id, err->code, err->reason, err->msg) < 0)
        lwsl_err("meeting %s: an error was not queued: the client was cut off\n", c->room->id);
}

/*
 * One whole message. Every message spends a token of the connection's
 * bucket, good or not; a command spends one of its person's too
 * (command.c). The message is parsed first, so that every refusal, the
 * rate's included, carries the command's id.
 */
static void on_message(gv__client *c, const char *data, size_t len, bool binary)
{
    struct gv_server *s = c->srv;
    gv_error err;
    gv_error_clear(&err);
    json_t *cmd = NULL;
    const json_t *id = NULL;
    bool within = gv__bucket_take(&c->bucket, s->cfg.commands_per_second, s->cfg.command_burst,
                                  gv__mono_us());
    int rc = binary ? gv_error_set(&err, GV_EINVAL, "send commands as text frames of UTF-8 JSON")
                    : gv__command_parse(data, len, "message", &cmd, &id, &err);
    const char *type = json_string_value(json_object_get(cmd, "type"));
    if (!within)
        rc = gv_error_set(&err, GV_ERATE,
                          "too many messages on this connection: at most %u a second (bursts of "
                          "%u); wait, then send again",
                          s->cfg.commands_per_second, s->cfg.command_burst);
    else if (rc == 0 && type && strcmp(type, "sync") == 0)
        sync_answer(c, id);
    else if (rc == 0 && c->actor[0])
        rc = gv__command_rate(s, c->room, c->actor, &err);
    if (rc < 0)
        refuse(c, id, &err);
    else if (!type || strcmp(type, "sync") != 0)
        gv__room_command(c->room, c, cmd, id);
    json_decref(cmd);
}

static int receive(ws_pss *pss, struct lws *wsi, const char *in, size_t len)
{
    gv__client *c = pss->client;
    if (!c || c->state != GV__LIVE)
        return 0;
    struct gv_server *s = c->srv;
    if (lws_is_first_fragment(wsi)) {
        c->rx_len = 0;
        pss->binary = lws_frame_is_binary(wsi);
    }
    if (c->rx_len + len > s->cfg.max_message_bytes) {
        char msg[200];
        snprintf(msg, sizeof msg, "the message is more than %zu bytes: at most %zu",
                 c->rx_len + len, s->cfg.max_message_bytes);
        gv__metrics_command(&s->metrics, GV_ELIMIT);
        if (gv__client_error(c, NULL, GV_ELIMIT, msg) == 0)
            gv__client_close(c, LWS_CLOSE_STATUS_MESSAGE_TOO_LARGE, "message too large");
        return 0;
    }
    bool final = lws_is_final_fragment(wsi);
    if (c->rx_len == 0 && final) {
        on_message(c, in, len, pss->binary); /* the usual case: a whole message, no copy */
        return 0;
    }
    /* A message in pieces is gathered in a buffer the size of what came so far. */
    char *rx = realloc(c->rx, c->rx_len + len + 1);
    if (!rx)
        return -1;
    c->rx = rx;
    memcpy(c->rx + c->rx_len, in, len);
    c->rx_len += len;
    if (!final)
        return 0;
    on_message(c, c->rx, c->rx_len, pss->binary);
    free(c->rx);
    c->rx = NULL;
    c->rx_len = 0;
    return 0;
}

/* The peer sent something (a message, a pong): the tick's idle reckoning
 * starts again (server.c, ws_idle). */
static void heard(ws_pss *pss)
{
    if (pss->client)
        pss->client->heard_us = gv__mono_us();
}

/* The ping the tick asked for (server.c, ws_idle): one write of its own,
 * then the client's frames at the next writeable callback. */
static int write_ping(gv__client *c, struct lws *wsi)
{
    /* With a payload: lws does not hand a callback the answer to an empty ping. */
    unsigned char buf[LWS_PRE + 4] = {0};
    c->ping_due = false;
    memcpy(buf + LWS_PRE, "gv", 2);
    if (lws_write(wsi, buf + LWS_PRE, 2, LWS_WRITE_PING) < 0)
        return -1;
    lws_callback_on_writable(wsi);
    return 0;
}

int gv__ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    ws_pss *pss = user;
    switch (reason) {
    case LWS_CALLBACK_ESTABLISHED:
        pss->client = establish(wsi);
        heard(pss);
        return pss->client ? 0 : -1;
    case LWS_CALLBACK_RECEIVE:
        heard(pss);
        return receive(pss, wsi, in, len);
    case LWS_CALLBACK_RECEIVE_PONG:
        heard(pss);
        return 0;
    case LWS_CALLBACK_SERVER_WRITEABLE:
        if (pss->client && pss->client->ping_due)
            return write_ping(pss->client, wsi);
        return pss->client ? gv__client_write(pss->client) : -1;
    case LWS_CALLBACK_CLOSED:
        if (pss && pss->client) {
            gv__client_gone(pss->client);
            pss->client = NULL;
        }
        return 0;
    default:
        return 0;
    }
}
