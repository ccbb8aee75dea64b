/*
 * The WebSocket protocol "gavel.v1": commands in, acknowledgements, errors
 * and events out (docs/protocol.md).
 *
 * The upgrade was checked by the HTTP callback (credentials, meeting, limits)
 * so that refusals carry an HTTP status; here, at LWS_CALLBACK_ESTABLISHED,
 * the same checks run again to bind the connection (they hit memory only),
 * the client takes its stream slot and gets its hello, then a snapshot or
 * the events after ?since=.
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
 * reading. Binary, malformed, non-UTF-8 or non-object messages get a
 * bad_request error and the connection carries on. Each message spends one
 * token of the client's bucket, whether it is a good command or not.
 */
#include "server/ws.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/auth.h"
#include "server/client.h"
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
 * frames were compressed with is sent plain frames. */
static bool takes_deflate(struct lws *wsi)
{
    char ext[256];
    int n = gv__header_copy(wsi, WSI_TOKEN_EXTENSIONS, ext, sizeof ext);
    return n > 0 && strstr(ext, "permessage-deflate") && !strstr(ext, "server_max_window_bits");
}

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
    if (s->stopping || !gv__http_rematch(wsi, "/api/v1/meetings/{m}/ws", path, sizeof path, &req) ||
        gv__origin_check(s, wsi, &err) || gv__auth_meeting(s, wsi, req.meeting, &g, &r, &err) ||
        gv__since_param(wsi, &since, &err))
        return NULL;
    bool has_as = gv__query_arg(wsi, "as", as, sizeof as);
    gv__peer_addr(wsi, addr, sizeof addr);
    gv__client *c = gv__client_new(s, GV__CLIENT_WS, wsi);
    if (!c)
        return NULL;
    c->grant = g;
    c->view = gv__grant_view(r, &g);
    c->room = r;
    c->wire = takes_deflate(wsi) ? GV__WIRE_WS_DEFLATE : GV__WIRE_WS;
    if (gv__auth_actor(r, &g, has_as ? as : NULL, c->actor, sizeof c->actor, &err) < 0 ||
        gv__stream_acquire(s, addr, &err) < 0) {
        gv__client_unref(c);
        return NULL;
    }
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
    if (!f || gv__client_send(c, f, 0) < 0 || gv__client_subscribe(c, r, since, &err) < 0) {
        gv__client_gone(c);
        return NULL;
    }
    return c;
}

/* A request id is a string of at most 64 bytes or an integer. */
static bool valid_request_id(const json_t *id)
{
    return !id || json_is_integer(id) || (json_is_string(id) && json_string_length(id) <= 64);
}

static void on_message(gv__client *c, const char *data, size_t len, bool binary)
{
    struct gv_server *s = c->srv;
    char msg[400];
    if (!gv__bucket_take(&c->bucket, s->cfg.commands_per_second, s->cfg.command_burst,
                         gv__mono_us())) {
        snprintf(msg, sizeof msg,
                 "too many messages: at most %u a second (bursts of %u); wait, then send again",
                 s->cfg.commands_per_second, s->cfg.command_burst);
        gv__metrics_command(&s->metrics, GV_ELIMIT);
        gv__client_error(c, NULL, GV_ELIMIT, msg);
        return;
    }
    if (binary) {
        gv__client_error(c, NULL, GV_EINVAL, "send commands as text frames of UTF-8 JSON");
        return;
    }
    json_error_t jerr;
    json_t *cmd = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!cmd || !json_is_object(cmd)) {
        if (cmd)
            snprintf(msg, sizeof msg, "a command is a JSON object with a \"type\"");
        else
            snprintf(msg, sizeof msg, "the message is not UTF-8 JSON: %s (line %d, column %d)",
                     jerr.text, jerr.line, jerr.column);
        json_decref(cmd);
        gv__metrics_command(&s->metrics, GV_EINVAL);
        gv__client_error(c, NULL, GV_EINVAL, msg);
        return;
    }
    const json_t *id = json_object_get(cmd, "id");
    if (!valid_request_id(id)) {
        gv__metrics_command(&s->metrics, GV_EINVAL);
        gv__client_error(c, NULL, GV_EINVAL,
                         "\"id\" must be an integer or a string of at most 64 bytes");
    } else if (json_is_string(json_object_get(cmd, "type")) &&
               strcmp(json_string_value(json_object_get(cmd, "type")), "sync") == 0) {
        /* For the client's clock offset: answered at once, nothing stored. */
        json_t *j = json_pack("{s:s, s:I}", "type", "sync", "server_ms", (json_int_t)gv__now_ms());
        if (j && id)
            json_object_set(j, "id", (json_t *)id);
        if (j)
            gv__client_send(c, gv__frame_json(j), 0);
        json_decref(j);
    } else if (c->actor[0] &&
               !gv__rate_take(s->rates, c->grant.hash, c->actor, s->cfg.commands_per_second,
                              s->cfg.command_burst, gv__mono_us())) {
        /* The person's rate, over all their connections. */
        snprintf(msg, sizeof msg,
                 "too many commands as %s: at most %u a second (bursts of %u) over all your "
                 "connections; wait, then send again",
                 c->actor, s->cfg.commands_per_second, s->cfg.command_burst);
        gv__metrics_command(&s->metrics, GV_ELIMIT);
        gv__client_error(c, id, GV_ELIMIT, msg);
    } else {
        gv__room_command(c->room, c, cmd, id);
    }
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
        gv__client_error(c, NULL, GV_ELIMIT, msg);
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

int gv__ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
    ws_pss *pss = user;
    switch (reason) {
    case LWS_CALLBACK_ESTABLISHED:
        pss->client = establish(wsi);
        return pss->client ? 0 : -1;
    case LWS_CALLBACK_RECEIVE:
        return receive(pss, wsi, in, len);
    case LWS_CALLBACK_SERVER_WRITEABLE:
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
