/*
 * HTTP (http.c, http_body.c): the route table and its matcher, responses
 * written in pieces, request bodies, and answers made later off the loop.
 */
#ifndef GV_SERVER_HTTP_H
#define GV_SERVER_HTTP_H

#include <stdbool.h>
#include <stddef.h>

#include "server/client.h"
#include "server/server_internal.h"

/* ---- routes ----------------------------------------------------------- */

/* Methods a route takes (a mask). */
enum { GV__GET = 1u << 0, GV__HEAD = 1u << 1, GV__POST = 1u << 2 };

/* A request as a route sees it. Borrowed: valid during the callback. */
typedef struct gv__request {
    const char *path;
    unsigned method;              /** GV__GET, GV__HEAD, GV__POST, or 0 for another */
    char meeting[GV__ID_MAX + 1]; /** the {m} of the route, "" when it has none */
    const char *arg;              /** the * or ** of the route (points into path), or "" */
    size_t arg_len;
} gv__request;

typedef int (*gv__route_fn)(struct lws *wsi, const gv__request *req);

/*
 * Does path match pattern? Patterns are paths whose segments may be {m} (a
 * meeting id, gv__valid_id, copied into req->meeting), * (one non-empty
 * segment, req->arg) or, last, ** (the rest of the path, at least one
 * byte). Fills req on a match.
 */
bool gv__http_match(const char *pattern, const char *path, gv__request *req);
/* Reads the request's path (into buf) and method again, and matches it
 * against pattern: for a route whose body has arrived. */
bool gv__http_rematch(struct lws *wsi, const char *pattern, char *buf, size_t size,
                      gv__request *req);
/* Is s a valid meeting id in a URL (1..GV__ID_MAX of [A-Za-z0-9._~-], not
 * starting with '~')? */
bool gv__valid_id(const char *s);

/* ---- responses -------------------------------------------------------- */

/* HTTP status for a GV_E* code. */
int gv__http_status(int code);

/* A response header: lowercase name with its colon ("content-disposition:"). */
typedef struct gv__header {
    const char *name;
    const char *value;
} gv__header;

/*
 * Answers the request on wsi, from its route, from a body's completion
 * (gv__http_read_body) or from a gv__later's write: status, content type,
 * body and extra headers (NULL, or ending with {NULL, NULL}). Takes the
 * malloc'd body (NULL when len is 0), even on failure. The response carries
 * "cache-control: no-store" unless extra sets cache-control. Text and JSON
 * of GV__GZIP_MIN_BYTES or more go gzip-compressed when the request takes
 * it (compress.h), unless extra says content-encoding already. A HEAD request
 * gets the headers without the body. The body is written in pieces on the
 * next writeable callbacks. Returns what an lws callback returns: 0, or -1
 * to close the connection.
 */
/* Does the request's Accept-Encoding take gzip? */
bool gv__http_takes_gzip(struct lws *wsi);
int gv__http_respond(struct lws *wsi, int status, const char *ctype, char *body, size_t len,
                     const gv__header *extra);
/* The same with borrowed bytes that outlive the response (the built-in files). */
int gv__http_respond_const(struct lws *wsi, int status, const char *ctype, const void *data,
                           size_t len, const gv__header *extra);
/* Answers with the JSON error of a GV_E* code and its status. */
int gv__http_error(struct lws *wsi, int code, const char *msg);
/* gv__http_error for err, with its reason when it has one. */
int gv__http_fail(struct lws *wsi, const gv_error *err);
/* 405 with an Allow header (e.g. "GET, POST") and msg saying which to use. */
int gv__http_wrong_method(struct lws *wsi, const char *allow, const char *msg);
/* Answers with the JSON error and closes the connection, for a request whose
 * rest cannot be read (a body refused unread, an upgrade refused): the
 * status of code, or `status` when not 0. Returns -1 (close). */
int gv__http_refuse(struct lws *wsi, int status, int code, const char *msg);
/* Writes the status line and headers of a response whose body follows
 * (len, or LWS_ILLEGAL_HTTP_CONTENT_LEN for a stream): 0, or -1. */
int gv__http_write_head(struct lws *wsi, int status, const char *ctype, size_t len,
                        const gv__header *extra);
/* Makes c the client of the request on wsi: an SSE stream (written on each
 * writeable callback) or a command waiting for its commit (answered once
 * c->http_body is set). The transaction holds the connection's reference
 * and lets go of it with gv__client_gone. */
void gv__http_attach(struct lws *wsi, gv__client *c);

/* ---- bodies (http_body.c) --------------------------------------------- */

/*
 * Reads the request's body: it must announce its length (Content-Length,
 * 1 to max bytes; otherwise the request is answered here with 411, 400 or
 * 413 and the connection closed). Once all of it has arrived, done(wsi,
 * body, len) runs on the loop thread with the body (malloc'd,
 * NUL-terminated, done frees it) and answers the request. Without `keep`
 * the body is read and dropped (done gets NULL and its length): to refuse a
 * client whose bytes the server must not hold, on a connection that stays
 * open for its next request. Returns what an lws callback returns.
 */
int gv__http_read_body(struct lws *wsi, size_t max, bool keep,
                       int (*done)(struct lws *wsi, char *body, size_t len));

/*
 * A response made later, for work that runs off the loop thread (the job
 * thread: route_record.c, route_setup.c; the links writer: route_links.c).
 * It is embedded in its owner's job, which two parties hold on the loop
 * thread: the request, until its answer is written or its connection closes
 * (`wsi` not NULL), and the worker, until the work came back (`back`).
 * Whichever lets go last calls free(l), once.
 *
 *   route:  fills write and free, gv__http_defer(wsi, l), returns 0
 *   worker: done, then on the loop thread gv__later_back(l)
 *   http:   on the writeable callback once back, write(l, wsi) answers with
 *           gv__http_respond, then free(l); if the connection closes first,
 *           free(l) when the worker is back, else the worker's return frees
 */
typedef struct gv__later gv__later;
struct gv__later {
    int (*write)(gv__later *l, struct lws *wsi);
    void (*free)(gv__later *l);
    struct lws *wsi; /** the request; NULL once answered or gone (loop thread) */
    bool back;       /** the worker let go (loop thread) */
};
/* Makes l the pending answer of the request on wsi (see gv__later). */
void gv__http_defer(struct lws *wsi, gv__later *l);
/* The worker let go of l (loop thread): its answer is written on the next
 * writeable callback, or l is freed when the request went away. */
void gv__later_back(gv__later *l);

/* ---- the transaction (http.c and http_body.c only) --------------------- */

/* What lws keeps for one HTTP transaction (its per-session data). */
typedef struct gv__http_txn {
    gv__client *client; /** SSE stream or command waiting for its commit */
    /* The body being read (gv__http_read_body): rx holds rx_max bytes when
     * complete; rx is NULL when the body is dropped. */
    char *rx;
    size_t rx_len, rx_max;
    struct gv_server *srv; /** whose body budget rx counts against, once rx is set */
    int (*rx_done)(struct lws *wsi, char *body, size_t len);
    /* A response written in pieces: out_src[out_off..out_len), freeing `out`
     * (which may be out_src, or NULL for borrowed bytes) after; out_src is
     * NULL when nothing is owed. */
    char *out;
    const unsigned char *out_src;
    size_t out_len, out_off;
    gv__later *later; /** the answer being made elsewhere (gv__http_defer) */
} gv__http_txn;

/* http_body.c's part of the callback: a piece of the body, the end of it. */
int gv__http_body_piece(gv__http_txn *t, const void *in, size_t len);
int gv__http_body_complete(struct lws *wsi, gv__http_txn *t);
/* http_body.c's part of the writeable callback: writes a deferred answer
 * once it is back. Returns 1 when the transaction has none (then nothing
 * was done), else what an lws callback returns. */
int gv__http_later_write(struct lws *wsi, gv__http_txn *t);
/* Lets go of the transaction's body and deferred answer (it is closing). */
void gv__http_body_release(gv__http_txn *t);

/* The callback of the "http" protocol and the size of its per-session data. */
int gv__http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                      size_t len);
extern const size_t gv__http_pss_size;

#endif
