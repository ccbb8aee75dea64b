/*
 * Request headers (headers.c): what the server reads from a request itself
 * (cookies, query arguments, a stream's position, the peer, the Origin, the
 * body's type), and the security headers it sends with every response.
 * The parsers of plain strings are reached by tests/fuzz/http_fuzz.c.
 */
#ifndef GV_SERVER_HEADERS_H
#define GV_SERVER_HEADERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/server_internal.h"

/* Finds cookie `name` in a Cookie header ("a=1; b=2") and copies its value
 * into out (size bytes with the NUL): true; false when absent or too long. */
bool gv__cookie_value(const char *header, const char *name, char *out, size_t size);
/* Parses a sequence number, digits only, at most 2^53: 0, or GV_EINVAL
 * (*out unchanged). */
int gv__parse_seq(const char *s, int64_t *out);
/*
 * Is a request with this Origin header (NULL: none) from the server's own
 * pages? host is the request's Host header (NULL: none), base_url the
 * server's public URL (NULL: none). The rule is in headers.c.
 */
bool gv__origin_allowed(const char *origin, const char *host, const char *base_url);
/* Checks the Origin of a WebSocket upgrade or a command: 0, or GV_EPERM
 * with err set. */
int gv__origin_check(struct gv_server *s, struct lws *wsi, gv_error *err);
/* Copies request header t into buf: its length, 0 when absent, -1 when too long. */
int gv__header_copy(struct lws *wsi, enum lws_token_indexes t, char *buf, size_t size);
/* Checks that a command's body is declared application/json: 0, or
 * GV_EINVAL with err set. */
int gv__json_body_check(struct lws *wsi, gv_error *err);
/* Copies the URL query argument `name` (without '='), as lws decoded it,
 * into buf: true if present (and cut to size - 1 bytes when longer). */
bool gv__query_arg(struct lws *wsi, const char *name, char *buf, size_t size);
/*
 * A Content-Disposition for a download named `name` (RFC 6266): the plain
 * filename= for old clients, with every byte a quoted string cannot hold
 * as '_', and filename* in UTF-8 with percent-encoding (RFC 8187). Cut to
 * fit size.
 */
void gv__content_disposition(char *buf, size_t size, const char *name);
/* Parses ?since= or Last-Event-ID: -1 when absent, GV_EINVAL when malformed. */
int gv__since_param(struct lws *wsi, int64_t *since, gv_error *err);
/* Parses ?resume=: *state true for "state" (a stream resumed far behind
 * may start again from the view's snapshot instead of the events owed),
 * false for "events" or when absent; GV_EINVAL for anything else. */
int gv__resume_param(struct lws *wsi, bool *state, gv_error *err);
/* Fills addr with the peer's address ("unknown" when lws cannot tell); for
 * a peer named by --trusted-proxy, the client's address its X-Real-IP
 * header gives. */
void gv__peer_addr(struct lws *wsi, char *addr, size_t size);
/* Fills s->sec_headers (before the context is made: lws keeps the pointer). */
void gv__security_headers_init(struct gv_server *s);
/* Names the bound address's WebSocket origin in the CSP once base_url is known. */
void gv__security_headers_bound(struct gv_server *s);

#endif
