/*
 * A meeting's state and its stream over plain HTTP (docs/protocol.md,
 * "Snapshot" and "Server-Sent Events"):
 *
 *   GET .../snapshot  the state in the link's view, tagged with its seq, and
 *                     the reader's own part ("you")
 *   GET .../events    a Server-Sent Events stream: a hello, then a snapshot
 *                     or the events after ?since= / Last-Event-ID (with
 *                     ?resume=state, the snapshot when lighter), then
 *                     every event as it is committed, with the state's
 *                     patches and the reader's own part; gzip-encoded when
 *                     the client takes it (client_write.c)
 *
 * An SSE request becomes a client (client.c) that the transaction holds
 * until its connection closes; http.c writes it on each writeable callback.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/auth.h"
#include "server/hangup.h"
#include "server/headers.h"
#include "server/room.h"
#include "server/routes.h"
#include "server/static.h"

/* Whose own part (gv_meeting_you_json) a snapshot or an SSE stream
 * carries: the link's person, or the person a role link acts as (named with
 * ?as=, or the role's only holder); "" for nobody. As on the WebSocket. */
static int snapshot_person(struct lws *wsi, gv__room *r, const gv__grant *g, char *person,
                           size_t size, gv_error *err)
{
    char as[GV__ID_MAX + 1] = "";
    person[0] = '\0';
    if (g->kind == GV__GRANT_VIEWER)
        return 0;
    bool has_as = gv__query_arg(wsi, "as", as, sizeof as);
    if (g->kind == GV__GRANT_ROLE && !has_as &&
        gv_meeting_role_holders(r->state, g->subject, NULL) != 1)
        return 0; /* a role several hold, none named: the role's view, nobody's own part */
    return gv__auth_actor(r, g, has_as ? as : NULL, person, size, err);
}

int gv__route_snapshot(struct lws *wsi, const gv__request *req)
{
    struct gv_server *s = gv__server_of(wsi);
    gv_error err;
    gv_error_clear(&err);
    gv__grant g;
    gv__room *r = NULL;
    char person[GV__ID_MAX + 1];
    int rc = gv__auth_meeting(s, wsi, req->meeting, &g, &r, &err);
    if (rc == 0)
        rc = snapshot_person(wsi, r, &g, person, sizeof person, &err);
    if (rc < 0)
        return gv__http_fail(wsi, &err);
    gv_view view = gv__grant_view(r, &g);
    const char *state = gv__room_state_text(r, view);
    json_t *you = person[0] ? gv_meeting_you_json(r->state, person) : json_null();
    json_t *head = you ? json_pack("{s:s, s:I, s:I, s:s, s:s, s:s, s:o}", "meeting", r->id, "seq",
                                   (json_int_t)r->seq, "server_ms", (json_int_t)gv__now_ms(),
                                   "link", gv__grant_kind_name(g.kind), "subject", g.subject,
                                   "view", gv_view_names[view], "you", you)
                       : NULL;
    char *h = head && state ? gv_json_text(head) : NULL;
    json_decref(head);
    if (!h)
        return gv__http_error(wsi, GV_ENOMEM, "out of memory encoding the state");
    /* {"link":..,...,"you":..} + ,"state":STATE} */
    size_t hl = strlen(h), sl = strlen(state);
    char *body = malloc(hl + sl + 16);
    if (!body) {
        free(h);
        return gv__http_error(wsi, GV_ENOMEM, "out of memory encoding the state");
    }
    memcpy(body, h, hl - 1);
    size_t n = hl - 1;
    memcpy(body + n, ",\"state\":", 9);
    n += 9;
    memcpy(body + n, state, sl);
    n += sl;
    body[n++] = '}';
    body[n] = '\0';
    free(h);
    return gv__http_respond(wsi, 200, "application/json", body, n, NULL);
}

int gv__route_events(struct lws *wsi, const gv__request *req)
{
    struct gv_server *s = gv__server_of(wsi);
    gv_error err;
    gv_error_clear(&err);
    gv__grant g;
    gv__room *r = NULL;
    int64_t since;
    bool resume_state;
    char addr[64];
    int rc = gv__auth_meeting(s, wsi, req->meeting, &g, &r, &err);
    if (rc == 0)
        rc = gv__since_param(wsi, &since, &err);
    if (rc == 0)
        rc = gv__resume_param(wsi, &resume_state, &err);
    if (rc == 0) {
        gv__peer_addr(wsi, addr, sizeof addr);
        rc = gv__stream_acquire(s, addr, &err);
    }
    if (rc < 0)
        return gv__http_fail(wsi, &err);
    gv__client *c = gv__client_new(s, GV__CLIENT_SSE, wsi);
    if (!c) {
        gv__stream_release(s, addr);
        return -1;
    }
    snprintf(c->addr, sizeof c->addr, "%s", addr);
    c->addr_counted = true;
    c->grant = g;
    c->view = gv__grant_view(r, &g);
    c->resume_state = resume_state;
    gv__http_attach(wsi, c);
    s->metrics.http_requests++;
    if (snapshot_person(wsi, r, &g, c->actor, sizeof c->actor, &err) < 0)
        return gv__http_error(wsi, GV_EINVAL, err.msg);
    char ae[256];
    bool gzip = gv__header_copy(wsi, WSI_TOKEN_HTTP_ACCEPT_ENCODING, ae, sizeof ae) > 0 &&
                gv__accepts_gzip(ae);
    c->wire = gzip ? GV__WIRE_GZIP : GV__WIRE_COUNT;
    c->streamed = gzip;
    gv__header extra[] = {
        {"x-accel-buffering:", "no"}, {"vary:", "accept-encoding"}, {NULL, NULL}, {NULL, NULL}};
    if (gzip)
        extra[2] = (gv__header){"content-encoding:", "gzip"};
    if (gv__http_write_head(wsi, 200, "text/event-stream", LWS_ILLEGAL_HTTP_CONTENT_LEN, extra) < 0)
        return -1;
    /* From here on this is a stream, not a transaction: no idle timeout, and
     * the request's headers are no longer needed. lws_http_mark_sse does both
     * for an HTTP/2 stream but complains on HTTP/1.1, where it is done here. */
    if (lws_get_network_wsi(wsi) != wsi) {
        lws_http_mark_sse(wsi);
        gv__hangup_peek(c);
    } else {
        lws_http_headers_detach(wsi);
        lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
        gv__hangup_watch(c);
    }
    c->open_counted = true;
    s->metrics.sse_open++;
    s->metrics.sse_total++;
    /* Who the stream reads as, as a WebSocket's hello says it. */
    json_t *hello =
        json_pack("{s:s, s:s, s:s?, s:I, s:I, s:s}", "link", gv__grant_kind_name(g.kind), "meeting",
                  r->id, "person", c->actor[0] ? c->actor : NULL, "seq", (json_int_t)r->seq,
                  "server_ms", (json_int_t)gv__now_ms(), "subject", g.subject);
    char *text = hello ? gv_json_text(hello) : NULL;
    json_decref(hello);
    gv__frame *f = text ? gv__frame_printf("retry: 2000\nevent: hello\ndata: %s\n\n", text) : NULL;
    free(text);
    /* A stream that cannot start as it should closes: the client retries. */
    if (gv__client_send(c, f, 0) < 0 || gv__client_subscribe(c, r, since, &err) < 0) {
        lwsl_err("SSE stream of meeting %s closed at once: %s\n", r->id,
                 err.code ? err.msg : "out of memory for the hello");
        return -1;
    }
    if (c->streamed)
        gv__room_deflate_wait(r, c); /* its view's deflate stream, from its next start */
    return 0;
}
