/*
 * HTTP: the route table, the callback of the vhost's first lws protocol
 * (which lws gives every HTTP request), and responses written in pieces.
 *
 * A request's life (lws keeps a gv__http_txn for one transaction):
 *   LWS_CALLBACK_HTTP          matched against `routes` below, in order; the
 *                              route answers now (the head now, the body on
 *                              the next writeable callbacks), reads a body
 *                              first (http_body.c), defers its answer to
 *                              another thread (gv__later, http_body.c), or
 *                              becomes a stream (an SSE client)
 *   LWS_CALLBACK_HTTP_BODY     a piece of the body (http_body.c)
 *   ..._BODY_COMPLETION        the route's body callback answers
 *   LWS_CALLBACK_HTTP_WRITEABLE  writes what is owed: the SSE client's next
 *                              frame, a command's answer once committed, a
 *                              deferred answer once back, or the next piece
 *                              of a response; the last piece ends the
 *                              transaction
 *   LWS_CALLBACK_CLOSED_HTTP / HTTP_DROP_PROTOCOL  lets go of all of it
 * A path no route takes is a built-in file (static.c) for GET and HEAD, or
 * a JSON 404 under /api/. Every error is JSON {"type":"error","code",
 * "message"} with the HTTP status of its code (docs/protocol.md).
 *
 * How to add a route: a function in the route_*.c of its group (routes.h),
 * a line in `routes` with its pattern and methods, a section in
 * docs/protocol.md, and a test that talks to it over a socket.
 */
#include "server/http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/compress.h"
#include "server/headers.h"
#include "server/routes.h"
#include "server/static.h"
#include "store/store.h"

typedef struct route {
    const char *pattern; /** see gv__http_match */
    unsigned methods;    /** GV__GET | GV__HEAD | GV__POST */
    gv__route_fn handle;
    const char *wrong_method; /** the 405's message */
} route;

static const route routes[] = {
    {"/healthz", GV__GET, gv__route_health, "use GET on the health check"},
    {"/metrics", GV__GET, gv__route_metrics, "use GET on the metrics"},
    {"/join/**", GV__GET, gv__route_join, "open the link with GET"},
    {"/api/v1/meetings", GV__POST, gv__route_setup, "send the definition with POST"},
    {"/api/v1/meetings/{m}/snapshot", GV__GET, gv__route_snapshot, "use GET on this resource"},
    {"/api/v1/meetings/{m}/events", GV__GET, gv__route_events, "use GET on this resource"},
    {"/api/v1/meetings/{m}/commands", GV__POST, gv__route_commands, "send commands with POST"},
    {"/api/v1/meetings/{m}/ws", GV__GET, gv__route_ws, "use GET on this resource"},
    {"/api/v1/meetings/{m}/record", GV__GET, gv__route_record, "use GET on the record"},
    {"/api/v1/meetings/{m}/links", GV__GET | GV__HEAD | GV__POST, gv__route_links,
     "list the links with GET, issue one with POST"},
    {"/api/v1/meetings/{m}/links/*/revoke", GV__POST, gv__route_link_revoke,
     "revoke a link with POST"},
    {"/api/v1/meetings/{m}/speakers", GV__GET, gv__route_speakers, "use GET on a list of speakers"},
    {"/test/clock", GV__GET | GV__POST, gv__route_clock,
     "read the test clock with GET, move it with POST"},
    {"/api/v1/meetings/{m}/statements", GV__GET | GV__POST, gv__route_statements,
     "attach a statement with POST (the file as the body), download them with GET ?format=zip"},
    {"/api/v1/meetings/{m}/statements/*", GV__GET, gv__route_statement,
     "download a statement's file with GET"},
};

const size_t gv__http_pss_size = sizeof(gv__http_txn);

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
        return 413; /* too large: send less (429 would say "wait and retry") */
    case GV_ERATE:
        return 429;
    case GV_EBUSY:
    case GV_EUNAVAIL:
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
    /* Ids starting with '~' name the server's own logs (links.h), never a meeting. */
    return n > 0 && n <= GV__ID_MAX && gv_store_is_meeting_id(s);
}

/* ---- matching ----------------------------------------------------------- */

bool gv__http_match(const char *pattern, const char *path, gv__request *req)
{
    const char *p = pattern, *s = path;
    req->path = path;
    req->meeting[0] = '\0';
    req->arg = "";
    req->arg_len = 0;
    while (*p && *s) {
        if (*p != '/' || *s != '/')
            return false;
        p++;
        s++;
        size_t pl = strcspn(p, "/"), sl = strcspn(s, "/");
        if (pl == 2 && strncmp(p, "**", 2) == 0 && p[2] == '\0') {
            req->arg = s;
            req->arg_len = strlen(s);
            return req->arg_len > 0;
        }
        if (sl == 0)
            return false;
        if (pl == 3 && strncmp(p, "{m}", 3) == 0) {
            if (sl >= sizeof req->meeting)
                return false;
            memcpy(req->meeting, s, sl);
            req->meeting[sl] = '\0';
            if (!gv__valid_id(req->meeting))
                return false;
        } else if (pl == 1 && *p == '*') {
            req->arg = s;
            req->arg_len = sl;
        } else if (pl != sl || strncmp(p, s, pl) != 0) {
            return false;
        }
        p += pl;
        s += sl;
    }
    return *p == '\0' && *s == '\0';
}

static unsigned method_of(struct lws *wsi)
{
    if (lws_hdr_total_length(wsi, WSI_TOKEN_GET_URI) > 0)
        return GV__GET;
    if (lws_hdr_total_length(wsi, WSI_TOKEN_POST_URI) > 0)
        return GV__POST;
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HEAD_URI) > 0)
        return GV__HEAD;
    return 0;
}

bool gv__http_rematch(struct lws *wsi, const char *pattern, char *buf, size_t size,
                      gv__request *req)
{
    unsigned m = method_of(wsi);
    enum lws_token_indexes t = m == GV__POST   ? WSI_TOKEN_POST_URI
                               : m == GV__HEAD ? WSI_TOKEN_HEAD_URI
                                               : WSI_TOKEN_GET_URI;
    if (lws_hdr_copy(wsi, buf, (int)size, t) <= 0 || !gv__http_match(pattern, buf, req))
        return false;
    req->method = m;
    return true;
}

/* ---- writing responses -------------------------------------------------- */

int gv__http_write_head(struct lws *wsi, int status, const char *ctype, size_t len,
                        const gv__header *extra)
{
    unsigned char buf[LWS_PRE + 2048];
    unsigned char *start = buf + LWS_PRE, *p = start, *end = buf + sizeof buf - 1;
    bool own_cache = false;
    for (const gv__header *h = extra; h && h->name; h++)
        own_cache = own_cache || strcmp(h->name, "cache-control:") == 0;
    /* A 304 has neither a type nor a length (RFC 9110, 15.4.5). */
    if ((status == 304 ? lws_add_http_header_status(wsi, 304, &p, end)
                       : lws_add_http_common_headers(wsi, (unsigned)status, ctype, len, &p, end)) ||
        (!own_cache && lws_add_http_header_by_name(wsi, (const unsigned char *)"cache-control:",
                                                   (const unsigned char *)"no-store", 8, &p, end)))
        return -1;
    for (const gv__header *h = extra; h && h->name; h++)
        if (lws_add_http_header_by_name(wsi, (const unsigned char *)h->name,
                                        (const unsigned char *)h->value, (int)strlen(h->value), &p,
                                        end))
            return -1;
    return lws_finalize_write_http_header(wsi, start, &p, end) ? -1 : 0;
}

/* The connection whose writeable callback runs now, if any (loop thread). */
static struct lws *writing;

static int write_owed(struct lws *wsi, gv__http_txn *t);

/* Sends a response whose body is src[0..len) (freeing `owned` afterwards; it
 * may be src, or NULL for bytes that outlive the response). The body goes
 * out in pieces on the next writeable callbacks (write_owed); a HEAD gets
 * none. */
static int respond_src(struct lws *wsi, int status, const char *ctype, char *owned, const void *src,
                       size_t len, const gv__header *extra)
{
    gv__http_txn *t = lws_wsi_user(wsi);
    gv__server_of(wsi)->metrics.http_requests++;
    if (gv__http_write_head(wsi, status, ctype, len, extra) < 0) {
        free(owned);
        return -1;
    }
    if (len == 0 || method_of(wsi) == GV__HEAD) {
        free(owned);
        return lws_http_transaction_completed(wsi) ? -1 : 0;
    }
    free(t->out);
    t->out = owned;
    t->out_src = src;
    t->out_len = len;
    t->out_off = 0;
    /* In the connection's writeable callback (a command's answer, a deferred
     * one), the body follows its headers at once if they went out whole:
     * one turn of the loop, not two. An HTTP/2 stream waits for its turn. */
    if (writing == wsi && lws_get_network_wsi(wsi) == wsi && !lws_partial_buffered(wsi))
        return write_owed(wsi, t);
    lws_callback_on_writable(wsi);
    return 0;
}

bool gv__http_takes_gzip(struct lws *wsi)
{
    char ae[256];
    return gv__header_copy(wsi, WSI_TOKEN_HTTP_ACCEPT_ENCODING, ae, sizeof ae) > 0 &&
           gv__accepts_gzip(ae);
}

/* Headers the caller gave and those compression adds: at most this many. */
#define EXTRA_MAX 8

int gv__http_respond(struct lws *wsi, int status, const char *ctype, char *body, size_t len,
                     const gv__header *extra)
{
    /* Text and JSON go compressed to a client that takes it, unless the
     * caller compressed them already (content-encoding among extra). */
    gv__header h[EXTRA_MAX + 3];
    size_t n = 0;
    bool encoded = false;
    for (const gv__header *e = extra; e && e->name && n < EXTRA_MAX; e++) {
        encoded = encoded || strcmp(e->name, "content-encoding:") == 0;
        h[n++] = *e;
    }
    if (len >= GV__GZIP_MIN_BYTES && gv__compressible(ctype))
        h[n++] = (gv__header){"vary:", "accept-encoding"};
    if (!encoded && len >= GV__GZIP_MIN_BYTES && gv__compressible(ctype)) {
        size_t zlen;
        unsigned char *z = gv__http_takes_gzip(wsi) ? gv__gzip(body, len, &zlen) : NULL;
        if (z) {
            free(body);
            body = (char *)z;
            len = zlen;
            h[n++] = (gv__header){"content-encoding:", "gzip"};
        }
    }
    h[n] = (gv__header){NULL, NULL};
    return respond_src(wsi, status, ctype, body, body, len, h);
}

int gv__http_respond_const(struct lws *wsi, int status, const char *ctype, const void *data,
                           size_t len, const gv__header *extra)
{
    return respond_src(wsi, status, ctype, NULL, data, len, extra);
}

/* The JSON error of code (and reason, if not NULL) with this status and extra headers. */
static int respond_error(struct lws *wsi, int status, int code, const char *reason, const char *msg,
                         const gv__header *extra)
{
    char *j = gv__error_json_reason(NULL, code, reason, msg);
    if (!j)
        return -1;
    return gv__http_respond(wsi, status, "application/json", j, strlen(j), extra);
}

int gv__http_error(struct lws *wsi, int code, const char *msg)
{
    return respond_error(wsi, gv__http_status(code), code, NULL, msg, NULL);
}

int gv__http_fail(struct lws *wsi, const gv_error *err)
{
    return respond_error(wsi, gv__http_status(err->code), err->code, err->reason, err->msg, NULL);
}

int gv__http_wrong_method(struct lws *wsi, const char *allow, const char *msg)
{
    gv__header h[] = {{"allow:", allow}, {NULL, NULL}};
    return respond_error(wsi, 405, GV_EINVAL, NULL, msg, h);
}

int gv__http_refuse(struct lws *wsi, int status, int code, const char *msg)
{
    char *j = gv__error_json(NULL, code, msg);
    if (!j)
        return -1;
    size_t len = strlen(j);
    char *b = malloc(LWS_PRE + len);
    if (b && gv__http_write_head(wsi, status ? status : gv__http_status(code), "application/json",
                                 len, NULL) == 0) {
        memcpy(b + LWS_PRE, j, len);
        lws_write(wsi, (unsigned char *)b + LWS_PRE, len, LWS_WRITE_HTTP_FINAL);
    }
    free(b);
    free(j);
    return -1;
}

/* Writes the next piece of what is owed (at most GV__WRITE_CHUNK, so that a
 * record of megabytes is not copied whole into lws's buffers); ends the
 * transaction after the last. */
static int write_owed(struct lws *wsi, gv__http_txn *t)
{
    if (!t->out_src)
        return 0;
    unsigned char buf[LWS_PRE + GV__WRITE_CHUNK];
    size_t n = t->out_len - t->out_off;
    if (n > GV__WRITE_CHUNK)
        n = GV__WRITE_CHUNK;
    bool last = t->out_off + n == t->out_len;
    memcpy(buf + LWS_PRE, t->out_src + t->out_off, n);
    if (lws_write(wsi, buf + LWS_PRE, n, last ? LWS_WRITE_HTTP_FINAL : LWS_WRITE_HTTP) < (int)n)
        return -1;
    t->out_off += n;
    if (!last) {
        lws_callback_on_writable(wsi);
        return 0;
    }
    free(t->out);
    t->out = NULL;
    t->out_src = NULL;
    return lws_http_transaction_completed(wsi) ? -1 : 0;
}

void gv__http_attach(struct lws *wsi, gv__client *c)
{
    gv__http_txn *t = lws_wsi_user(wsi);
    t->client = c;
}

/* ---- routing ------------------------------------------------------------ */

/* "GET, POST" for a mask of methods (HEAD goes with GET, unnamed). */
static const char *allow_list(unsigned methods)
{
    if ((methods & GV__GET) && (methods & GV__POST))
        return "GET, POST";
    return methods & GV__POST ? "POST" : "GET";
}

static int dispatch(struct lws *wsi, const char *path)
{
    gv__request req;
    unsigned method = method_of(wsi);
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (!gv__http_match(routes[i].pattern, path, &req))
            continue;
        req.method = method;
        if (!(routes[i].methods & method)) {
            return gv__http_wrong_method(wsi, allow_list(routes[i].methods),
                                         routes[i].wrong_method);
        }
        return routes[i].handle(wsi, &req);
    }
    if (strncmp(path, "/api/", 5) == 0)
        return gv__http_error(wsi, GV_ENOTFOUND,
                              "no such resource: see docs/protocol.md for the routes");
    if (method != GV__GET && method != GV__HEAD)
        return gv__http_error(wsi, GV_EINVAL, "only GET and HEAD are served here");
    const gv__asset *a = gv__static_lookup(path);
    if (a)
        return gv__static_respond(wsi, a);
    return gv__http_respond_const(wsi, 404, "text/plain; charset=utf-8", "not found\n", 10, NULL);
}

/* The transaction is over or its connection gone: let go of all it holds. */
static void release(gv__http_txn *t)
{
    if (!t)
        return;
    gv__client_gone(t->client);
    t->client = NULL;
    free(t->out);
    t->out = NULL;
    t->out_src = NULL;
    gv__http_body_release(t);
}

static int writeable(struct lws *wsi, gv__http_txn *t)
{
    if (!t)
        return 0;
    if (t->client && t->client->kind == GV__CLIENT_SSE)
        return gv__client_write(t->client);
    /* Answers made here write their body with their headers (respond_src). */
    bool command = t->client && t->client->kind == GV__CLIENT_HTTP_CMD;
    writing = wsi;
    int rc = command ? gv__commands_answer(wsi, t->client) : gv__http_later_write(wsi, t);
    writing = NULL;
    if (command || rc != 1)
        return rc;
    return write_owed(wsi, t);
}

int gv__http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                      size_t len)
{
    gv__http_txn *t = user;
    switch (reason) {
    case LWS_CALLBACK_HTTP:
        return dispatch(wsi, in ? in : "/");
    case LWS_CALLBACK_HTTP_BODY:
        return gv__http_body_piece(t, in, len);
    case LWS_CALLBACK_HTTP_BODY_COMPLETION:
        return gv__http_body_complete(wsi, t);
    case LWS_CALLBACK_HTTP_WRITEABLE:
        return writeable(wsi, t);
    case LWS_CALLBACK_HTTP_CONFIRM_UPGRADE:
        return gv__upgrade_check(wsi, in);
    case LWS_CALLBACK_CLOSED_HTTP:
    case LWS_CALLBACK_HTTP_DROP_PROTOCOL:
        release(t);
        return 0;
    default:
        break;
    }
    return lws_callback_http_dummy(wsi, reason, user, in, len);
}
