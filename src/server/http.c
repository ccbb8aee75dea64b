/*
 * HTTP: routing, plain responses, the SSE stream, the command fallback, the
 * invitation landing and the WebSocket upgrade check. This is the callback of
 * the vhost's first lws protocol, which lws gives every HTTP request.
 *
 * A request's life (lws keeps `http_pss` for one transaction):
 *   LWS_CALLBACK_HTTP          route it; plain responses write their headers
 *                              now and their body on the next writeable;
 *                              SSE writes its headers and becomes a client
 *   LWS_CALLBACK_HTTP_BODY     a command's body, bounded by max_message_bytes,
 *                              or a body another file asked for (gv__http_read_body)
 *   ..._BODY_COMPLETION        the command goes to its room; the response
 *                              waits for the commit (client->http_body)
 *   LWS_CALLBACK_HTTP_WRITEABLE  writes what is owed, a piece at a time, and
 *                              ends the transaction; an answer made on the job
 *                              thread (gv__later) is started here once ready
 *   LWS_CALLBACK_CLOSED_HTTP / HTTP_DROP_PROTOCOL  frees the transaction
 * Every error is JSON {"type":"error","code","message"} with the HTTP status
 * of its code (docs/protocol.md).
 */
#include "server/server_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

typedef struct http_pss {
    gv__client *client; /** SSE stream or command waiting for its commit */
    char *rx;           /** the body being read (gv__http_read_body) */
    size_t rx_len;
    char meeting[GV__ID_MAX + 1];
    /* A response written in pieces by write_owed: out_src[out_off..out_len),
     * freeing `out` (which may be out_src, or NULL for borrowed bytes) after;
     * out_src is NULL when nothing is owed. */
    char *out;
    const unsigned char *out_src;
    size_t out_len, out_off;
    /* A body read for gv__http_read_body: rx holds rx_max bytes when complete. */
    size_t rx_max;
    int (*rx_done)(struct lws *wsi, char *body, size_t len);
    gv__later *later; /** the answer being made elsewhere (gv__http_defer) */
} http_pss;

const size_t gv__http_pss_size = sizeof(http_pss);

static struct gv_server *server_of(struct lws *wsi)
{
    return lws_context_user(lws_get_context(wsi));
}

int gv__http_status(int code)
{
    switch (code) {
    case GV_OK:
        return 200;
    case GV_EINVAL:
        return 400;
    case GV_EAUTH:
        return 401;
    case GV_EPERM:
        return 403;
    case GV_ENOTFOUND:
        return 404;
    case GV_ESTATE:
        return 409;
    case GV_ELIMIT:
        return 429;
    case GV_EBUSY:
        return 503;
    default:
        return 500;
    }
}

bool gv__valid_id(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++) {
        char ch = s[n];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '-' || ch == '_' || ch == '.' || ch == '~'))
            return false;
    }
    /* Ids starting with '~' name the server's own logs (tokens.h), never a meeting. */
    return n > 0 && n <= GV__ID_MAX && gv_store_is_meeting_id(s);
}

bool gv__route_meeting(const char *path, char *id, size_t size, const char **tail)
{
    static const char prefix[] = "/api/v1/meetings/";
    if (strncmp(path, prefix, sizeof prefix - 1) != 0)
        return false;
    const char *p = path + sizeof prefix - 1;
    const char *slash = strchr(p, '/');
    size_t n = slash ? (size_t)(slash - p) : strlen(p);
    if (n == 0 || n >= size)
        return false;
    memcpy(id, p, n);
    id[n] = '\0';
    if (!gv__valid_id(id))
        return false;
    *tail = slash ? slash + 1 : "";
    return true;
}

bool gv__query_arg(struct lws *wsi, const char *name, char *buf, size_t size)
{
    char key[40];
    char tmp[160];
    snprintf(key, sizeof key, "%s=", name);
    const char *v = lws_get_urlarg_by_name(wsi, key, tmp, (int)sizeof tmp);
    if (!v)
        return false;
    snprintf(buf, size, "%s", v);
    return true;
}

void gv__peer_addr(struct lws *wsi, char *addr, size_t size)
{
    addr[0] = '\0';
    if (!lws_get_peer_simple(wsi, addr, size))
        snprintf(addr, size, "unknown");
}

int gv__since_param(struct lws *wsi, int64_t *since, gv_error *err)
{
    char buf[64];
    *since = -1;
    int n = lws_hdr_custom_length(wsi, "last-event-id:", 14);
    if (n > 0) {
        if (n >= (int)sizeof buf ||
            lws_hdr_custom_copy(wsi, buf, sizeof buf, "last-event-id:", 14) < 0)
            return gv_error_set(err, GV_EINVAL, "Last-Event-ID is too long");
        if (buf[0] == '\0') /* an EventSource told to forget its place: start from a snapshot */
            return 0;
        if (gv__parse_seq(buf, since) < 0)
            return gv_error_set(err, GV_EINVAL,
                                "Last-Event-ID \"%.40s\" is not an event's sequence number", buf);
        return 0;
    }
    if (gv__query_arg(wsi, "since", buf, sizeof buf) && gv__parse_seq(buf, since) < 0)
        return gv_error_set(err, GV_EINVAL,
                            "since=\"%.40s\" is not a sequence number: give the seq of the last "
                            "event you have",
                            buf);
    return 0;
}

int gv__stream_acquire(struct gv_server *s, const char *addr, gv_error *err)
{
    if (s->n_streams >= s->cfg.max_streams) {
        s->metrics.refused_streams++;
        return gv_error_set(err, GV_ELIMIT,
                            "the server holds its maximum of %u streams: retry later",
                            s->cfg.max_streams);
    }
    if (!gv__addr_acquire(s->addrs, addr, s->cfg.max_streams_per_addr)) {
        s->metrics.refused_streams++;
        return gv_error_set(err, GV_ELIMIT,
                            "too many streams from %s: at most %u; close one and retry", addr,
                            s->cfg.max_streams_per_addr);
    }
    s->n_streams++;
    return 0;
}

void gv__stream_release(struct gv_server *s, const char *addr)
{
    gv__addr_release(s->addrs, addr);
    if (s->n_streams)
        s->n_streams--;
}

/* ---- writing responses -------------------------------------------------- */

typedef gv__header header;

/* Writes the status line and headers; extra may be NULL, else ends with {NULL}.
 * "cache-control: no-store" unless extra says otherwise; a 304 has neither a
 * type nor a length (RFC 9110, 15.4.5). */
static int write_head(struct lws *wsi, int status, const char *ctype, size_t len,
                      const header *extra)
{
    unsigned char buf[LWS_PRE + 2048];
    unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
    bool own_cache = false;
    for (const header *h = extra; h && h->name; h++)
        own_cache = own_cache || strcmp(h->name, "cache-control:") == 0;
    if ((status == 304 ? lws_add_http_header_status(wsi, 304, &p, end)
                       : lws_add_http_common_headers(wsi, (unsigned)status, ctype, len, &p, end)) ||
        (!own_cache && lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
                                                   (const unsigned char *)"no-store", 8, &p, end)))
        return -1;
    for (const header *h = extra; h && h->name; h++)
        if (lws_add_http_header_by_name(wsi, (const unsigned char *)h->name,
                                        (const unsigned char *)h->value, (int)strlen(h->value), &p,
                                        end))
            return -1;
    return lws_finalize_write_http_header(wsi, start, &p, end) ? -1 : 0;
}

static bool is_method(struct lws *wsi, enum lws_token_indexes t)
{
    return lws_hdr_total_length(wsi, t) > 0;
}

/* Sends a response whose body is src[0..len) (freeing `owned` afterwards; it
 * may be src, or NULL for bytes that outlive the response). The body goes
 * out in pieces on the next writeable callbacks (write_owed); a HEAD gets
 * none. */
static int respond_src(struct lws *wsi, http_pss *pss, int status, const char *ctype, char *owned,
                       const void *src, size_t len, const header *extra)
{
    server_of(wsi)->metrics.http_requests++;
    if (write_head(wsi, status, ctype, len, extra) < 0) {
        free(owned);
        return -1;
    }
    if (len == 0 || is_method(wsi, WSI_TOKEN_HEAD_URI)) {
        free(owned);
        return lws_http_transaction_completed(wsi) ? -1 : 0;
    }
    free(pss->out);
    pss->out = owned;
    pss->out_src = src;
    pss->out_len = len;
    pss->out_off = 0;
    lws_callback_on_writable(wsi);
    return 0;
}

/* Sends a response; takes ownership of body (malloc'd, may be NULL when len is 0). */
static int respond(struct lws *wsi, http_pss *pss, int status, const char *ctype, char *body,
                   size_t len, const header *extra)
{
    return respond_src(wsi, pss, status, ctype, body, body, len, extra);
}

static int respond_json(struct lws *wsi, http_pss *pss, int status, char *json)
{
    if (!json)
        return -1;
    return respond(wsi, pss, status, "application/json", json, strlen(json), NULL);
}

static int respond_error(struct lws *wsi, http_pss *pss, int code, const char *msg)
{
    return respond_json(wsi, pss, gv__http_status(code), gv__error_json(NULL, code, msg));
}

static int respond_text(struct lws *wsi, http_pss *pss, int status, const char *ctype,
                        const char *text, const header *extra)
{
    char *body = strdup(text);
    if (!body)
        return -1;
    return respond(wsi, pss, status, ctype, body, strlen(body), extra);
}

/* Writes the next piece of what is owed (at most GV__WRITE_CHUNK, so that a
 * record of megabytes is not copied whole into lws's buffers); ends the
 * transaction after the last. */
static int write_owed(struct lws *wsi, http_pss *pss)
{
    if (!pss->out_src)
        return 0;
    unsigned char buf[LWS_PRE + GV__WRITE_CHUNK];
    size_t n = pss->out_len - pss->out_off;
    if (n > GV__WRITE_CHUNK)
        n = GV__WRITE_CHUNK;
    bool last = pss->out_off + n == pss->out_len;
    memcpy(buf + LWS_PRE, pss->out_src + pss->out_off, n);
    if (lws_write(wsi, buf + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < (int)n)
        return -1;
    pss->out_off += n;
    if (!last) {
        lws_callback_on_writable(wsi);
        return 0;
    }
    free(pss->out);
    pss->out = NULL;
    pss->out_src = NULL;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

/* Answers with an error and hangs up: for requests whose rest cannot be read
 * (an upgrade refused, a body too large to take). */
static int respond_close(struct lws *wsi, int status, int code, const char *msg)
{
    char *j = gv__error_json(NULL, code, msg);
    if (!j)
        return -1;
    size_t len = strlen(j);
    char *b = malloc(LWS_PRE + len);
    if (b && write_head(wsi, status, "application/json", len, NULL) == 0) {
        memcpy(b + LWS_PRE, j, len);
        lws_write(wsi, (unsigned char *)b + LWS_PRE, len, LWS_WRITE_HTTP_FINAL);
    }
    free(b);
    free(j);
    return -1;
}

/* ---- routes ------------------------------------------------------------- */

static int route_health(struct lws *wsi, http_pss *pss)
{
    struct gv_server *s = server_of(wsi);
    char *j = NULL;
    json_t *o = json_pack("{s:b, s:I, s:i, s:i, s:i}", "ok", !s->stopping, "server_ms",
                          (json_int_t)gv__now_ms(), "meetings_loaded", (int)s->n_rooms, "streams",
                          (int)s->n_streams, "commits_in_flight", (int)gv__log_in_flight(s));
    if (o)
        j = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    return respond_json(wsi, pss, s->stopping ? 503 : 200, j);
}

static int route_metrics(struct lws *wsi, http_pss *pss)
{
    struct gv_server *s = server_of(wsi);
    char *text = gv__metrics_text(&s->metrics, s->n_rooms);
    if (!text)
        return -1;
    return respond(wsi, pss, 200, "text/plain; version=0.0.4", text, strlen(text), NULL);
}

/* The page a role lands on after /join. */
static const char *page_for(const gv__grant *g, const gv__room *r)
{
    const char *role = g->kind == GV__GRANT_PERSON ? NULL : g->subject;
    static const char *const order[] = {"chair",      "moderator", "secretariat",
                                        "rapporteur", "panelist",  "participant"};
    if (g->kind == GV__GRANT_VIEWER)
        return "screen";
    if (!role) {
        for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
            if (gv__room_person_has_role(r, g->subject, order[i])) {
                role = order[i];
                break;
            }
    }
    if (!role)
        return "participant";
    if (strcmp(role, "chair") == 0 || strcmp(role, "moderator") == 0)
        return "console";
    return role;
}

static int route_join(struct lws *wsi, http_pss *pss, const char *token)
{
    struct gv_server *s = server_of(wsi);
    gv__grant g;
    gv_error err;
    gv_error_clear(&err);
    int rc = gv__auth_token(s, token, NULL, &g, &err);
    gv__room *r = NULL;
    if (rc == 0)
        rc = gv__room_get(s, g.meeting, &r, &err);
    if (rc < 0) {
        char html[700];
        snprintf(html, sizeof html,
                 "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Gavel</title>"
                 "<h1>This link does not open a meeting</h1><p>%s</p>"
                 "<p>Ask the meeting's secretariat for a new link.</p></html>\n",
                 rc == GV_EPERM ? "It was revoked." : "It is not a link this server issued.");
        return respond_text(wsi, pss, gv__http_status(rc), "text/html; charset=utf-8", html, NULL);
    }
    char cookie[GV__ID_MAX + 200], location[2 * GV__ID_MAX + 8]; /* /m/MEETING/PAGE */
    snprintf(cookie, sizeof cookie,
             "gavel_%s=%s; Path=/; Max-Age=2592000; HttpOnly; SameSite=Strict%s", g.meeting, token,
             s->tls ? "; Secure" : "");
    snprintf(location, sizeof location, "/m/%s/%s", g.meeting, page_for(&g, r));
    header extra[] = {{"set-cookie:", cookie}, {"location:", location}, {NULL, NULL}};
    return respond(wsi, pss, 303, "text/plain", NULL, 0, extra);
}

/* Whose own part (gv_meeting_you_json) a snapshot carries: the link's person,
 * or the holder of a role link named with ?as=; "" for nobody. */
static int snapshot_person(struct lws *wsi, gv__room *r, const gv__grant *g, char *person,
                           size_t size, gv_error *err)
{
    char as[GV__ID_MAX + 1] = "";
    person[0] = '\0';
    if (g->kind == GV__GRANT_VIEWER)
        return 0;
    bool has_as = gv__query_arg(wsi, "as", as, sizeof as);
    if (g->kind == GV__GRANT_ROLE && !has_as)
        return 0; /* a role link reads the role's view; nobody's own part */
    return gv__auth_actor(r, g, has_as ? as : NULL, person, size, err);
}

static int route_snapshot(struct lws *wsi, http_pss *pss, gv__room *r, const gv__grant *g)
{
    gv_error err;
    gv_error_clear(&err);
    char person[GV__ID_MAX + 1];
    if (snapshot_person(wsi, r, g, person, sizeof person, &err) < 0)
        return respond_error(wsi, pss, err.code, err.msg);
    gv_view view = gv__grant_view(r, g);
    const char *state = gv__room_state_text(r, view);
    json_t *you = person[0] ? gv_meeting_you_json(r->state, person) : json_null();
    json_t *head =
        you ? json_pack("{s:s, s:I, s:I, s:s, s:s, s:s, s:o}", "meeting", r->id, "seq",
                        (json_int_t)r->seq, "server_ms", (json_int_t)gv__now_ms(), "link",
                        g->kind == GV__GRANT_PERSON ? "person"
                        : g->kind == GV__GRANT_ROLE ? "role"
                                                    : "viewer",
                        "subject", g->subject, "view", gv_view_names[view], "you", you)
            : NULL;
    char *h = head && state ? json_dumps(head, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(head);
    if (!h)
        return respond_error(wsi, pss, GV_ENOMEM, "out of memory encoding the state");
    /* {"link":..,...,"you":..} + ,"state":STATE} */
    size_t hl = strlen(h), sl = strlen(state);
    char *body = malloc(hl + sl + 16);
    if (!body) {
        free(h);
        return -1;
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
    return respond(wsi, pss, 200, "application/json", body, n, NULL);
}

static int route_events(struct lws *wsi, http_pss *pss, gv__room *r, const gv__grant *g)
{
    struct gv_server *s = server_of(wsi);
    gv_error err;
    gv_error_clear(&err);
    int64_t since;
    if (gv__since_param(wsi, &since, &err) < 0)
        return respond_error(wsi, pss, err.code, err.msg);
    char addr[64];
    gv__peer_addr(wsi, addr, sizeof addr);
    if (gv__stream_acquire(s, addr, &err) < 0)
        return respond_error(wsi, pss, err.code, err.msg);
    gv__client *c = gv__client_new(s, GV__CLIENT_SSE, wsi);
    if (!c) {
        gv__stream_release(s, addr);
        return -1;
    }
    snprintf(c->addr, sizeof c->addr, "%s", addr);
    c->addr_counted = true;
    c->grant = *g;
    c->view = gv__grant_view(r, g);
    pss->client = c;
    s->metrics.http_requests++;
    header extra[] = {{"x-accel-buffering:", "no"}, {NULL, NULL}};
    if (write_head(wsi, 200, "text/event-stream", LWS_ILLEGAL_HTTP_CONTENT_LEN, extra) < 0)
        return -1;
    /* From here on this is a stream, not a transaction: no idle timeout, and
     * the request's headers are no longer needed. lws_http_mark_sse does both
     * for an HTTP/2 stream but complains on HTTP/1.1, where it is done here. */
    if (lws_get_network_wsi(wsi) != wsi) {
        lws_http_mark_sse(wsi);
    } else {
        lws_http_headers_detach(wsi);
        lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
    }
    c->open_counted = true;
    s->metrics.sse_open++;
    s->metrics.sse_total++;
    char hello[GV__ID_MAX + 160];
    snprintf(
        hello, sizeof hello,
        "retry: 2000\nevent: hello\ndata: {\"meeting\":\"%s\",\"seq\":%lld,\"server_ms\":%lld}\n\n",
        r->id, (long long)r->seq, (long long)gv__now_ms());
    gv__client_send(c, gv__frame_copy(hello, strlen(hello)), 0);
    if (gv__client_subscribe(c, r, since, &err) < 0)
        return -1;
    return 0;
}

/* Checks the request's credentials for the meeting and loads its room. */
static int authorise(struct lws *wsi, const char *meeting, gv__grant *g, gv__room **r,
                     gv_error *err)
{
    struct gv_server *s = server_of(wsi);
    *r = NULL;
    int rc = gv__auth_request(s, wsi, meeting, g, err);
    if (rc == 0)
        rc = gv__room_get(s, meeting, r, err);
    if (rc == 0 && !*r)
        rc = gv_error_set(err, GV_ENOTFOUND, "no meeting \"%s\"", meeting);
    if (rc == GV_ENOTFOUND)
        gv_error_set(err, GV_ENOTFOUND, "no meeting \"%s\" on this server", meeting);
    return rc;
}

/* ---- for the other files of the server (server_internal.h) ------------- */

int gv__http_respond(struct lws *wsi, int status, const char *ctype, char *body, size_t len,
                     const gv__header *extra)
{
    return respond(wsi, lws_wsi_user(wsi), status, ctype, body, len, extra);
}

int gv__http_respond_const(struct lws *wsi, int status, const char *ctype, const void *data,
                           size_t len, const gv__header *extra)
{
    return respond_src(wsi, lws_wsi_user(wsi), status, ctype, NULL, data, len, extra);
}

int gv__http_error(struct lws *wsi, int code, const char *msg)
{
    return respond_error(wsi, lws_wsi_user(wsi), code, msg);
}

int gv__http_wrong_method(struct lws *wsi, const char *allow, const char *msg)
{
    header h[] = {{"allow:", allow}, {NULL, NULL}};
    char *j = gv__error_json(NULL, GV_EINVAL, msg);
    return j ? respond(wsi, lws_wsi_user(wsi), 405, "application/json", j, strlen(j), h) : -1;
}

int gv__http_refuse(struct lws *wsi, int code, const char *msg)
{
    return respond_close(wsi, gv__http_status(code), code, msg);
}

bool gv__http_is_head(struct lws *wsi)
{
    return is_method(wsi, WSI_TOKEN_HEAD_URI);
}

int gv__http_read_body(struct lws *wsi, size_t max, bool keep,
                       int (*done)(struct lws *wsi, char *body, size_t len))
{
    http_pss *pss = lws_wsi_user(wsi);
    char cl[24], *end;
    gv_error err;
    /* Refused bodies are not read: the connection cannot carry another request. */
    if (lws_hdr_copy(wsi, cl, sizeof cl, WSI_TOKEN_HTTP_CONTENT_LENGTH) <= 0)
        return respond_close(wsi, 411, GV_EINVAL, "send the body with a Content-Length");
    unsigned long long n = strtoull(cl, &end, 10);
    if (*end || cl[0] < '0' || cl[0] > '9')
        return respond_close(wsi, 400, GV_EINVAL, "the Content-Length is not a number");
    if (n == 0)
        return respond_error(wsi, pss, GV_EINVAL, "the body is empty");
    if (n > max) {
        gv_error_set(&err, GV_ELIMIT, "the body is %llu bytes: at most %zu (%zu MiB)", n, max,
                     max >> 20);
        return respond_close(wsi, 413, GV_ELIMIT, err.msg);
    }
    free(pss->rx);
    pss->rx = NULL;
    if (keep && !(pss->rx = malloc((size_t)n + 1)))
        return respond_close(wsi, 503, GV_ENOMEM, "out of memory for the body: retry later");
    pss->rx_len = 0;
    pss->rx_max = (size_t)n;
    pss->rx_done = done;
    return 0;
}

void gv__later_back(gv__later *l)
{
    l->back = true;
    if (l->wsi)
        lws_callback_on_writable(l->wsi);
    else
        l->free(l);
}

/* The request lets go of l: answered, or its connection closed. */
static void later_release(gv__later *l)
{
    l->wsi = NULL;
    if (l->back)
        l->free(l);
}

void gv__http_defer(struct lws *wsi, gv__later *l)
{
    http_pss *pss = lws_wsi_user(wsi);
    pss->later = l;
    l->wsi = wsi;
    l->back = false;
    /* The wait is bounded by the job queue (GV__JOBS_WAITING_MAX), not a timer. */
    lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);
}

static int command_body(struct lws *wsi, char *body, size_t len);

static int route(struct lws *wsi, http_pss *pss, const char *path)
{
    struct gv_server *s = server_of(wsi);
    bool get = is_method(wsi, WSI_TOKEN_GET_URI), post = is_method(wsi, WSI_TOKEN_POST_URI);
    gv_error err;
    gv_error_clear(&err);
    const char *tail;
    char id[GV__ID_MAX + 1];

    if (strcmp(path, "/healthz") == 0 && get)
        return route_health(wsi, pss);
    if (strcmp(path, "/metrics") == 0 && get)
        return route_metrics(wsi, pss);
    if (strncmp(path, "/join/", 6) == 0 && get)
        return route_join(wsi, pss, path + 6);
    if (strcmp(path, "/api/v1/meetings") == 0)
        return gv__api_setup(wsi);
    if (gv__route_meeting(path, id, sizeof id, &tail)) {
        gv__grant g;
        gv__room *r = NULL;
        if (strcmp(tail, "record") == 0)
            return gv__api_record(wsi, id);
        if (gv__links_route(tail))
            return gv__api_links(wsi, id, tail);
        bool known = strcmp(tail, "snapshot") == 0 || strcmp(tail, "events") == 0 ||
                     strcmp(tail, "commands") == 0 || strcmp(tail, "ws") == 0;
        if (!known)
            return respond_error(wsi, pss, GV_ENOTFOUND,
                                 "no such resource: see docs/protocol.md for the routes");
        bool want_post = strcmp(tail, "commands") == 0;
        if ((want_post && !post) || (!want_post && !get))
            return gv__http_wrong_method(wsi, want_post ? "POST" : "GET",
                                         want_post ? "send commands with POST"
                                                   : "use GET on this resource");
        if (strcmp(tail, "ws") == 0)
            return respond_error(wsi, pss, GV_EINVAL,
                                 "this resource is a WebSocket: connect with the gavel.v1 "
                                 "subprotocol");
        if (want_post) {
            /* A page of another site may not send commands with a cookie, nor
             * a form pose as JSON (docs/security.md, "Origin"). */
            if (gv__origin_check(s, wsi, &err) < 0)
                return respond_close(wsi, 403, err.code, err.msg);
            if (gv__json_body_check(wsi, &err) < 0)
                return respond_close(wsi, 415, err.code, err.msg);
            /* The body arrives next; the command runs once it is whole. */
            snprintf(pss->meeting, sizeof pss->meeting, "%s", id);
            return gv__http_read_body(wsi, s->cfg.max_message_bytes, true, command_body);
        }
        int rc = authorise(wsi, id, &g, &r, &err);
        if (rc < 0 || !r)
            return respond_error(wsi, pss, rc < 0 ? rc : GV_ENOTFOUND, err.msg);
        if (strcmp(tail, "snapshot") == 0)
            return route_snapshot(wsi, pss, r, &g);
        return route_events(wsi, pss, r, &g);
    }
    if (strncmp(path, "/api/", 5) == 0)
        return respond_error(wsi, pss, GV_ENOTFOUND,
                             "no such resource: see docs/protocol.md for the routes");
    if (!get && !is_method(wsi, WSI_TOKEN_HEAD_URI))
        return respond_error(wsi, pss, GV_EINVAL, "only GET and HEAD are served here");
    const gv__asset *a = gv__static_lookup(path);
    if (a)
        return gv__static_respond(wsi, a);
    return respond_text(wsi, pss, 404, "text/plain; charset=utf-8", "not found\n", NULL);
}

/* Runs a POSTed command, body[0..len). */
static int run_command(struct lws *wsi, http_pss *pss, const char *body, size_t len)
{
    struct gv_server *s = server_of(wsi);
    gv_error err;
    gv_error_clear(&err);
    gv__grant g;
    gv__room *r = NULL;
    int rc = authorise(wsi, pss->meeting, &g, &r, &err);
    if (rc < 0)
        return respond_error(wsi, pss, rc, err.msg);
    char as[GV__ID_MAX + 1] = "", actor[GV__ID_MAX + 1];
    bool has_as = gv__query_arg(wsi, "as", as, sizeof as);
    if ((rc = gv__auth_actor(r, &g, has_as ? as : NULL, actor, sizeof actor, &err)) < 0)
        return respond_error(wsi, pss, rc, err.msg);
    if (!actor[0])
        return respond_error(wsi, pss, GV_EPERM, "this link is read-only: it cannot send commands");
    if (!gv__link_take(s->link_buckets, g.hash, actor, s->cfg.commands_per_second,
                       s->cfg.command_burst, gv__mono_us())) {
        gv__metrics_command(&s->metrics, GV_ELIMIT);
        gv_error_set(&err, GV_ELIMIT,
                     "too many commands with this link: at most %u a second (bursts of %u); "
                     "wait, then send again",
                     s->cfg.commands_per_second, s->cfg.command_burst);
        return respond_error(wsi, pss, GV_ELIMIT, err.msg);
    }
    json_error_t jerr;
    json_t *cmd = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!cmd || !json_is_object(cmd)) {
        char msg[300];
        snprintf(msg, sizeof msg, "the body is not a JSON object: %s",
                 cmd ? "it is another JSON value" : jerr.text);
        json_decref(cmd);
        return respond_error(wsi, pss, GV_EINVAL, msg);
    }
    /* From here the response comes from the room: at once if refused, after
     * the commit if not (write_command_result). */
    gv__client *c = gv__client_new(s, GV__CLIENT_HTTP_CMD, wsi);
    if (!c) {
        json_decref(cmd);
        return -1;
    }
    c->grant = g;
    c->room = r;
    snprintf(c->actor, sizeof c->actor, "%s", actor);
    pss->client = c;
    gv__room_command(r, c, cmd, json_object_get(cmd, "id"));
    json_decref(cmd);
    return 0;
}

/* The body of a POSTed command is whole (gv__http_read_body). */
static int command_body(struct lws *wsi, char *body, size_t len)
{
    int rc = run_command(wsi, lws_wsi_user(wsi), body, len);
    free(body);
    return rc;
}

/* A command's response is ready (refused at once, or committed). */
static int write_command_result(struct lws *wsi, http_pss *pss)
{
    gv__client *c = pss->client;
    if (!c->http_body)
        return 0; /* still in flight */
    int status = c->http_status ? c->http_status : 500;
    char *body = c->http_body;
    c->http_body = NULL;
    gv__client_closed(c);
    pss->client = NULL;
    return respond_json(wsi, pss, status, body);
}

static void release(http_pss *pss)
{
    if (!pss)
        return;
    gv__client_closed(pss->client);
    pss->client = NULL;
    free(pss->rx);
    pss->rx = NULL;
    pss->rx_len = 0;
    free(pss->out);
    pss->out = NULL;
    pss->out_src = NULL;
    pss->rx_done = NULL;
    if (pss->later) {
        gv__later *l = pss->later;
        pss->later = NULL;
        later_release(l);
    }
}

static int refuse_upgrade(struct lws *wsi, int code, const char *msg)
{
    return respond_close(wsi, gv__http_status(code), code, msg);
}

/* LWS_CALLBACK_HTTP_CONFIRM_UPGRADE: the upgrade is checked here so that a
 * refusal is a proper HTTP response rather than a dropped connection. */
static int confirm_upgrade(struct lws *wsi, const char *to)
{
    struct gv_server *s = server_of(wsi);
    gv_error err;
    gv_error_clear(&err);
    char path[256], id[GV__ID_MAX + 1];
    const char *tail;
    if (!to || strcasecmp(to, "websocket") != 0)
        return refuse_upgrade(wsi, GV_EINVAL, "only WebSocket upgrades are served");
    if (s->stopping)
        return refuse_upgrade(wsi, GV_EBUSY, "the server is shutting down");
    if (lws_hdr_copy(wsi, path, sizeof path, WSI_TOKEN_GET_URI) <= 0 ||
        !gv__route_meeting(path, id, sizeof id, &tail) || strcmp(tail, "ws") != 0)
        return refuse_upgrade(wsi, GV_ENOTFOUND,
                              "WebSocket connections go to /api/v1/meetings/{id}/ws");
    char proto[128];
    if (lws_hdr_copy(wsi, proto, sizeof proto, WSI_TOKEN_PROTOCOL) <= 0 ||
        !strstr(proto, GV__WS_PROTOCOL))
        return refuse_upgrade(wsi, GV_EINVAL,
                              "ask for the \"" GV__WS_PROTOCOL "\" subprotocol "
                              "(Sec-WebSocket-Protocol)");
    if (gv__origin_check(s, wsi, &err) < 0)
        return refuse_upgrade(wsi, err.code, err.msg);
    gv__grant g;
    gv__room *r = NULL;
    int rc = authorise(wsi, id, &g, &r, &err);
    int64_t since;
    if (rc == 0)
        rc = gv__since_param(wsi, &since, &err);
    char as[GV__ID_MAX + 1], actor[GV__ID_MAX + 1];
    if (rc == 0) {
        bool has_as = gv__query_arg(wsi, "as", as, sizeof as);
        rc = gv__auth_actor(r, &g, has_as ? as : NULL, actor, sizeof actor, &err);
    }
    if (rc == 0) {
        char addr[64];
        gv__peer_addr(wsi, addr, sizeof addr);
        if (s->cfg.max_streams_per_addr <= gv__addr_count(s->addrs, addr) ||
            s->n_streams >= s->cfg.max_streams)
            rc = gv__stream_acquire(s, addr, &err); /* fails and fills err */
    }
    if (rc < 0)
        return refuse_upgrade(wsi, rc, err.msg);
    return 0;
}

int gv__http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                      size_t len)
{
    http_pss *pss = user;
    struct gv_server *s;
    switch (reason) {
    case LWS_CALLBACK_HTTP:
        return route(wsi, pss, in ? in : "/");
    case LWS_CALLBACK_HTTP_BODY:
        if (pss->rx_done) {
            if (len > pss->rx_max - pss->rx_len)
                return -1; /* more than its Content-Length said */
            if (pss->rx)
                memcpy(pss->rx + pss->rx_len, in, len);
            pss->rx_len += len;
            return 0;
        }
        return 0;
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        if (pss->rx_done) {
            int (*done)(struct lws *, char *, size_t) = pss->rx_done;
            char *body = pss->rx;
            size_t n = pss->rx_len;
            pss->rx_done = NULL;
            pss->rx = NULL;
            pss->rx_len = 0;
            if (body)
                body[n] = '\0';
            return done(wsi, body, n);
        }
        return 0;
    case LWS_CALLBACK_HTTP_WRITEABLE:
        if (!pss)
            return 0;
        if (pss->client && pss->client->kind == GV__CLIENT_SSE)
            return gv__client_write(pss->client);
        if (pss->client && pss->client->kind == GV__CLIENT_HTTP_CMD)
            return write_command_result(wsi, pss);
        if (pss->later) {
            gv__later *l = pss->later;
            if (!l->back)
                return 0;
            pss->later = NULL;
            int rc = l->write(l, wsi);
            later_release(l);
            return rc;
        }
        return write_owed(wsi, pss);
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        return confirm_upgrade(wsi, in);
    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION:
        /* Stopping: accept nothing new (the connection is closed at once). */
        s = lws_context_user(lws_get_context(wsi));
        if (s && s->stopping)
            return -1;
        {
            /* Bound what the kernel holds for a reader that stops reading: the
             * server's own bound (max_lag_events) then notices it. */
            int fd = (int)(intptr_t)in, size = GV__SOCKET_SEND_BUFFER_BYTES;
            setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
        }
        return 0;
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        release(pss);
        return 0;
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        s = lws_context_user(lws_get_context(wsi));
        if (s)
            gv__server_wake(s);
        return 0;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}
