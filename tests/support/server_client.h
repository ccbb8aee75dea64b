/*
 * A small HTTP, WebSocket and Server-Sent Events client over raw sockets, and
 * a helper that runs the real `gavel serve` process, for the server tests.
 *
 * Raw sockets rather than a client library so that the tests can send what a
 * well-behaved client never would: oversized frames, bad UTF-8, half a
 * handshake, unmasked frames. Every read has a deadline, so a test that
 * waits for something that never comes fails instead of hanging.
 *
 * Header-only: each test program includes it once.
 */
#ifndef GV_TESTS_SERVER_CLIENT_H
#define GV_TESTS_SERVER_CLIENT_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#define TC_UNUSED __attribute__((unused))

static TC_UNUSED int64_t tc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static TC_UNUSED void tc_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* ---- sockets ------------------------------------------------------------ */

/*
 * TLS: when tc_tls_cafile names a PEM file, every connection below goes
 * through OpenSSL's own client, `openssl s_client`, which checks the
 * server's certificate against that file (and for the address 127.0.0.1)
 * and hangs up if it does not match. The test holds one end of a socket
 * pair whose other end is the client's standard input and output, so every
 * helper of this file speaks HTTPS and wss unchanged. The client ends when
 * the server closes or when the test closes its end (tc_conn_close).
 */
static const char *tc_tls_cafile TC_UNUSED;
#define TC_MAX_FDS 8192
static pid_t tc_tls_helper[TC_MAX_FDS] TC_UNUSED; /** s_client process by socket */

static TC_UNUSED int tc_connect_tls(int port)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0)
        return -1;
    if (sv[0] >= TC_MAX_FDS) {
        close(sv[0]);
        close(sv[1]);
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        char addr[32];
        snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
        int null = open("/dev/null", O_WRONLY);
        dup2(sv[1], 0);
        dup2(sv[1], 1);
        dup2(null, 2);
        close(sv[0]);
        close(sv[1]);
        /* -quiet prints nothing but the data; -no_ign_eof ends on our EOF;
         * -nocommands leaves lines starting with Q, R or k alone. */
        execlp("openssl", "openssl", "s_client", "-connect", addr, "-quiet", "-no_ign_eof",
               "-nocommands", "-CAfile", tc_tls_cafile, "-verify_return_error", "-verify_ip",
               "127.0.0.1", (char *)NULL);
        _exit(127);
    }
    close(sv[1]);
    if (pid < 0) {
        close(sv[0]);
        return -1;
    }
    tc_tls_helper[sv[0]] = pid;
    return sv[0];
}

/* Closes a connection made by tc_connect, and ends its TLS client if any. */
static TC_UNUSED void tc_close_fd(int fd)
{
    if (fd < 0)
        return;
    close(fd);
    if (fd < TC_MAX_FDS && tc_tls_helper[fd] > 0) {
        kill(tc_tls_helper[fd], SIGTERM);
        waitpid(tc_tls_helper[fd], NULL, 0);
        tc_tls_helper[fd] = 0;
    }
}

static TC_UNUSED int tc_connect(int port)
{
    if (tc_tls_cafile)
        return tc_connect_tls(port);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) < 0) {
        close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static TC_UNUSED int tc_write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Reads what is available within timeout_ms: >0 bytes, 0 on EOF, -1 on
 * timeout or error. */
static TC_UNUSED ssize_t tc_read_some(int fd, char *buf, size_t size, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r = poll(&p, 1, timeout_ms < 0 ? 0 : timeout_ms);
    if (r <= 0)
        return -1;
    ssize_t n = read(fd, buf, size);
    return n < 0 ? -1 : n;
}

/* A connection with a receive buffer. */
typedef struct tc_conn {
    int fd;
    char *buf;
    size_t len, cap;
    bool eof;
} tc_conn;

static TC_UNUSED void tc_conn_close(tc_conn *c)
{
    tc_close_fd(c->fd);
    c->fd = -1;
    free(c->buf);
    c->buf = NULL;
    c->len = c->cap = 0;
}

/* Reads more into the buffer before the deadline (monotonic ms): 1 if some
 * arrived, 0 on EOF, -1 on timeout. */
static TC_UNUSED int tc_fill(tc_conn *c, int64_t deadline)
{
    if (c->eof)
        return 0;
    if (c->cap - c->len < 65536) {
        size_t cap = c->cap ? c->cap * 2 : 131072;
        c->buf = realloc(c->buf, cap + 1);
        c->cap = cap;
    }
    ssize_t n =
        tc_read_some(c->fd, c->buf + c->len, c->cap - c->len, (int)(deadline - tc_now_ms()));
    if (n == 0) {
        c->eof = true;
        return 0;
    }
    if (n < 0)
        return -1;
    c->len += (size_t)n;
    c->buf[c->len] = '\0';
    return 1;
}

static TC_UNUSED void tc_consume(tc_conn *c, size_t n)
{
    memmove(c->buf, c->buf + n, c->len - n);
    c->len -= n;
    if (c->buf)
        c->buf[c->len] = '\0';
}

/* ---- HTTP --------------------------------------------------------------- */

typedef struct tc_response {
    int status;
    char head[8192]; /** status line and headers */
    char *body;      /** malloc'd, NUL-terminated */
    size_t body_len;
} tc_response;

static TC_UNUSED void tc_response_free(tc_response *r)
{
    free(r->body);
    r->body = NULL;
}

/* The value of a response header (case-insensitive name, no colon), or "". */
static TC_UNUSED const char *tc_header(const char *head, const char *name, char *out, size_t size)
{
    out[0] = '\0';
    size_t nl = strlen(name);
    for (const char *p = strstr(head, "\r\n"); p && p[2]; p = strstr(p + 2, "\r\n")) {
        const char *line = p + 2;
        if (strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
            const char *v = line + nl + 1;
            while (*v == ' ')
                v++;
            const char *end = strstr(v, "\r\n");
            size_t vl = end ? (size_t)(end - v) : strlen(v);
            if (vl >= size)
                vl = size - 1;
            memcpy(out, v, vl);
            out[vl] = '\0';
            return out;
        }
    }
    return out;
}

/* Reads a response head from c (up to the blank line). */
static TC_UNUSED int tc_read_head(tc_conn *c, tc_response *r, int64_t deadline)
{
    char *end;
    while (!(end = c->buf ? strstr(c->buf, "\r\n\r\n") : NULL)) {
        if (tc_fill(c, deadline) <= 0)
            return -1;
    }
    size_t hl = (size_t)(end - c->buf) + 4;
    size_t copy = hl < sizeof r->head ? hl : sizeof r->head - 1;
    memcpy(r->head, c->buf, copy);
    r->head[copy] = '\0';
    r->status = atoi(r->head + 9);
    tc_consume(c, hl);
    return 0;
}

/* After tc_read_head: the body, by its Content-Length or to the end of the
 * connection, into r->body; -1 when it is shorter than announced. */
static TC_UNUSED int tc_read_body(tc_conn *c, tc_response *r, int64_t deadline)
{
    char cl[32];
    tc_header(r->head, "content-length", cl, sizeof cl);
    long want = cl[0] ? atol(cl) : -1;
    while (want < 0 ? !c->eof : (long)c->len < want)
        if (tc_fill(c, deadline) < 0)
            break;
    size_t got = want >= 0 && (long)c->len > want ? (size_t)want : c->len;
    r->body = malloc(got + 1);
    if (got)
        memcpy(r->body, c->buf, got);
    r->body[got] = '\0';
    r->body_len = got;
    return (want >= 0 && (long)got < want) ? -1 : 0;
}

/*
 * One HTTP/1.1 request on a new connection (Connection: close). extra is more
 * header lines, each ending with \r\n (may be NULL). Returns 0 with r filled,
 * -1 if no complete response arrived within timeout_ms.
 */
static TC_UNUSED int tc_http(int port, const char *method, const char *path, const char *extra,
                             const char *body, size_t body_len, tc_response *r, int timeout_ms)
{
    memset(r, 0, sizeof *r);
    tc_conn c = {.fd = tc_connect(port)};
    if (c.fd < 0)
        return -1;
    char req[8192];
    int n =
        snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nConnection: close\r\n%s",
                 method, path, port, extra ? extra : "");
    if (body)
        n += snprintf(req + n, sizeof req - (size_t)n,
                      "Content-Type: application/json\r\nContent-Length: %zu\r\n", body_len);
    n += snprintf(req + n, sizeof req - (size_t)n, "\r\n");
    int64_t deadline = tc_now_ms() + timeout_ms;
    if (tc_write_all(c.fd, req, (size_t)n) < 0 ||
        (body && tc_write_all(c.fd, body, body_len) < 0) || tc_read_head(&c, r, deadline) < 0) {
        tc_conn_close(&c);
        return -1;
    }
    int rc = tc_read_body(&c, r, deadline);
    tc_conn_close(&c);
    return rc;
}

/* GET with an optional bearer token; returns the status or -1. */
static TC_UNUSED int tc_get(int port, const char *path, const char *token, tc_response *r)
{
    char extra[256] = "";
    if (token)
        snprintf(extra, sizeof extra, "Authorization: Bearer %s\r\n", token);
    return tc_http(port, "GET", path, extra, NULL, 0, r, 10000) < 0 ? -1 : r->status;
}

/* A number from a server's /metrics: the first line starting with `name`
 * (its labels included, e.g. "gavel_bus_messages_total{result=\"received\"}"),
 * or -1 when it has none or does not answer. */
static TC_UNUSED double tc_metric(int port, const char *name)
{
    tc_response r;
    int status = tc_get(port, "/metrics", NULL, &r);
    if (status != 200) {
        if (status > 0)
            tc_response_free(&r);
        return -1;
    }
    double v = -1;
    size_t n = strlen(name);
    for (const char *p = r.body; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
        if (strncmp(p, name, n) == 0 && p[n] == ' ') {
            v = strtod(p + n + 1, NULL);
            break;
        }
    tc_response_free(&r);
    return v;
}

/* POSTs a command (body, JSON) to test-panel's commands, with token as the
   Bearer if given and query ("?as=...") if given; returns the HTTP status,
   or -1 when the server did not answer in 10 s. */
static TC_UNUSED int tc_post_command(int port, const char *token, const char *query,
                                     const char *body, tc_response *r)
{
    char extra[256] = "", path[200];
    if (token)
        snprintf(extra, sizeof extra, "Authorization: Bearer %s\r\n", token);
    snprintf(path, sizeof path, "/api/v1/meetings/test-panel/commands%s", query ? query : "");
    if (tc_http(port, "POST", path, extra, body, strlen(body), r, 10000) < 0)
        return -1;
    return r->status;
}

/* The JSON body of a response (new reference) or NULL. */
static TC_UNUSED json_t *tc_json(const tc_response *r)
{
    json_error_t e;
    return r->body ? json_loads(r->body, 0, &e) : NULL;
}

/* ---- WebSocket ---------------------------------------------------------- */

typedef struct tc_ws {
    tc_conn c;
    bool closed;            /** a close frame arrived */
    int close_code;         /** its status code */
    char close_reason[124]; /** its reason, "" without one */
    bool answer_pings;      /** reply to pings (true unless a test wants silence) */
    /** set by a test that offered permessage-deflate: compressed messages
     ** (RSV1) are inflated in it, its context kept, as a browser does */
    z_stream *inflater;
    bool last_compressed;   /** the last message came compressed */
    size_t last_wire_bytes; /** its frames' bytes as received */
} tc_ws;

enum { TC_WS_TEXT = 1, TC_WS_BINARY = 2, TC_WS_CLOSE = 8, TC_WS_PING = 9, TC_WS_PONG = 10 };

/* Sends one frame, masked as a client must. */
static TC_UNUSED int tc_ws_frame(tc_ws *ws, int opcode, bool fin, const void *data, size_t len)
{
    size_t hl = 2 + (len > 65535 ? 8 : len > 125 ? 2 : 0) + 4;
    unsigned char *f = malloc(hl + len);
    f[0] = (unsigned char)((fin ? 0x80 : 0) | (opcode & 0x0f));
    size_t p = 2;
    if (len > 65535) {
        f[1] = 0x80 | 127;
        for (int i = 7; i >= 0; i--)
            f[p++] = (unsigned char)(((uint64_t)len >> (8 * i)) & 0xff);
    } else if (len > 125) {
        f[1] = 0x80 | 126;
        f[p++] = (unsigned char)(len >> 8);
        f[p++] = (unsigned char)(len & 0xff);
    } else {
        f[1] = (unsigned char)(0x80 | len);
    }
    unsigned char mask[4];
    for (int i = 0; i < 4; i++)
        mask[i] = (unsigned char)(rand() & 0xff);
    memcpy(f + p, mask, 4);
    p += 4;
    const unsigned char *d = data;
    for (size_t i = 0; i < len; i++)
        f[p + i] = d[i] ^ mask[i % 4];
    int rc = tc_write_all(ws->c.fd, f, p + len);
    free(f);
    return rc;
}

static TC_UNUSED int tc_ws_send(tc_ws *ws, const char *text)
{
    return tc_ws_frame(ws, TC_WS_TEXT, true, text, strlen(text));
}

/* Sends a JSON value (takes the reference). */
static TC_UNUSED int tc_ws_send_json(tc_ws *ws, json_t *j)
{
    char *s = json_dumps(j, JSON_COMPACT);
    json_decref(j);
    int rc = s ? tc_ws_send(ws, s) : -1;
    free(s);
    return rc;
}

/*
 * Opens a WebSocket to path with extra header lines. Returns the HTTP status
 * of the handshake (101 when open), or -1. On a refusal the response is in
 * *refusal when given (free with tc_response_free).
 */
static TC_UNUSED int tc_ws_open(tc_ws *ws, int port, const char *path, const char *extra,
                                tc_response *refusal)
{
    memset(ws, 0, sizeof *ws);
    ws->answer_pings = true;
    ws->c.fd = tc_connect(port);
    if (ws->c.fd < 0)
        return -1;
    char req[4096];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                     "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: gavel.v1\r\n%s\r\n",
                     path, port, extra ? extra : "");
    tc_response r;
    memset(&r, 0, sizeof r);
    int64_t deadline = tc_now_ms() + 10000;
    if (tc_write_all(ws->c.fd, req, (size_t)n) < 0 || tc_read_head(&ws->c, &r, deadline) < 0)
        return -1;
    if (r.status != 101) {
        char cl[32];
        tc_header(r.head, "content-length", cl, sizeof cl);
        long want = cl[0] ? atol(cl) : 0;
        while ((long)ws->c.len < want && tc_fill(&ws->c, deadline) > 0)
            ;
        if (refusal) {
            *refusal = r;
            refusal->body = strndup(ws->c.buf ? ws->c.buf : "", (size_t)want);
            refusal->body_len = strlen(refusal->body);
        }
    }
    return r.status;
}

/* A compressed message (RFC 7692) inflated in z, context kept: the payload
 * and the 00 00 ff ff its sender left out. A new string, or NULL when it is
 * not deflate data the inflater can read. */
static TC_UNUSED char *tc_ws_inflate(z_stream *z, const char *data, size_t len, size_t *out_len)
{
    static const unsigned char tail[4] = {0, 0, 0xff, 0xff};
    size_t cap = 64 * len + 4096, n = 0;
    char *out = malloc(cap + 1);
    for (int part = 0; out && part < 2; part++) {
        z->next_in = part ? (unsigned char *)tail : (unsigned char *)data;
        z->avail_in = part ? 4 : (uInt)len;
        z->next_out = (unsigned char *)out + n;
        z->avail_out = (uInt)(cap - n);
        int rc = inflate(z, Z_SYNC_FLUSH);
        if ((rc != Z_OK && rc != Z_BUF_ERROR) || z->avail_in) {
            free(out);
            return NULL;
        }
        n = cap - z->avail_out;
    }
    if (out) {
        out[n] = '\0';
        *out_len = n;
    }
    return out;
}

/*
 * Receives the next data message (text or binary, reassembled) within
 * timeout_ms, inflated in ws->inflater when it came compressed and that is
 * set. Pings are answered (when answer_pings) and skipped. Returns the
 * opcode with *msg malloc'd and NUL-terminated, TC_WS_CLOSE when the server
 * closed (close_code set), 0 on EOF, -1 on timeout or on a compressed
 * message the inflater cannot read.
 */
static TC_UNUSED int tc_ws_recv(tc_ws *ws, int timeout_ms, char **msg, size_t *len)
{
    int64_t deadline = tc_now_ms() + timeout_ms;
    char *acc = NULL;
    size_t acc_len = 0, wire = 0;
    int acc_op = 0;
    bool rsv1 = false;
    *msg = NULL;
    for (;;) {
        unsigned char *b = (unsigned char *)ws->c.buf;
        size_t have = ws->c.len;
        if (have >= 2) {
            uint64_t plen = b[1] & 0x7f;
            size_t hl = 2;
            if (plen == 126 && have >= 4) {
                plen = ((uint64_t)b[2] << 8) | b[3];
                hl = 4;
            } else if (plen == 127 && have >= 10) {
                plen = 0;
                for (int i = 0; i < 8; i++)
                    plen = (plen << 8) | b[2 + i];
                hl = 10;
            } else if (plen >= 126) {
                hl = 0;
            }
            if (hl && have >= hl + plen) {
                int op = b[0] & 0x0f;
                bool fin = b[0] & 0x80;
                char *payload = (char *)b + hl;
                if (op == TC_WS_PING) {
                    if (ws->answer_pings)
                        tc_ws_frame(ws, TC_WS_PONG, true, payload, (size_t)plen);
                } else if (op == TC_WS_PONG) {
                    /* nothing */
                } else if (op == TC_WS_CLOSE) {
                    ws->closed = true;
                    ws->close_code =
                        plen >= 2 ? ((unsigned char)payload[0] << 8) | (unsigned char)payload[1]
                                  : 1005;
                    snprintf(ws->close_reason, sizeof ws->close_reason, "%.*s",
                             plen > 2 ? (int)plen - 2 : 0, payload + 2);
                    tc_consume(&ws->c, hl + (size_t)plen);
                    free(acc);
                    return TC_WS_CLOSE;
                } else {
                    if (op != 0) {
                        acc_op = op;
                        rsv1 = b[0] & 0x40;
                    }
                    acc = realloc(acc, acc_len + (size_t)plen + 1);
                    memcpy(acc + acc_len, payload, (size_t)plen);
                    acc_len += (size_t)plen;
                    acc[acc_len] = '\0';
                    wire += hl + (size_t)plen;
                    if (fin) {
                        tc_consume(&ws->c, hl + (size_t)plen);
                        ws->last_compressed = rsv1;
                        ws->last_wire_bytes = wire;
                        if (rsv1 && ws->inflater) {
                            char *text = tc_ws_inflate(ws->inflater, acc, acc_len, &acc_len);
                            free(acc);
                            if (!text)
                                return -1;
                            acc = text;
                        }
                        *msg = acc;
                        if (len)
                            *len = acc_len;
                        return acc_op;
                    }
                }
                tc_consume(&ws->c, hl + (size_t)plen);
                continue;
            }
        }
        int f = tc_fill(&ws->c, deadline);
        if (f <= 0) {
            free(acc);
            return f == 0 ? 0 : -1;
        }
    }
}

/* The next message as JSON (new reference), or NULL on timeout, close or EOF. */
static TC_UNUSED json_t *tc_ws_recv_json(tc_ws *ws, int timeout_ms)
{
    char *m = NULL;
    int op = tc_ws_recv(ws, timeout_ms, &m, NULL);
    json_t *j = NULL;
    if (op == TC_WS_TEXT) {
        json_error_t e;
        j = json_loads(m, 0, &e);
    }
    free(m);
    return j;
}

/* Receives messages until one has "type" == type (others are passed to
 * on_other(ud, msg) when given). NULL on timeout. */
static TC_UNUSED json_t *tc_ws_until(tc_ws *ws, const char *type, int timeout_ms,
                                     void (*on_other)(void *ud, json_t *msg), void *ud)
{
    int64_t deadline = tc_now_ms() + timeout_ms;
    while (tc_now_ms() < deadline) {
        json_t *j = tc_ws_recv_json(ws, (int)(deadline - tc_now_ms()));
        if (!j)
            return NULL;
        const char *t = json_string_value(json_object_get(j, "type"));
        if (t && strcmp(t, type) == 0)
            return j;
        if (on_other)
            on_other(ud, j);
        json_decref(j);
    }
    return NULL;
}

static TC_UNUSED void tc_ws_close(tc_ws *ws)
{
    if (ws->c.fd >= 0 && !ws->closed) {
        unsigned char code[2] = {0x03, 0xe8}; /* 1000 */
        tc_ws_frame(ws, TC_WS_CLOSE, true, code, 2);
    }
    tc_conn_close(&ws->c);
}

/* ---- Server-Sent Events ------------------------------------------------- */

typedef struct tc_sse {
    tc_conn c;
    tc_response head;
    bool chunked; /** the body comes in HTTP/1.1 chunks (through a proxy such as nginx) */
    char *text;   /** the stream's bytes without the chunks' framing, not yet read */
    size_t text_len;
} tc_sse;

typedef struct tc_event {
    char id[32];   /** "" when the event had none; "-" when it reset the id */
    char name[32]; /** event name, "message" by default */
    char *data;    /** malloc'd */
} tc_event;

static TC_UNUSED void tc_event_free(tc_event *e)
{
    free(e->data);
    e->data = NULL;
}

/* Opens an event stream; returns the HTTP status or -1. */
static TC_UNUSED int tc_sse_open(tc_sse *s, int port, const char *path, const char *extra)
{
    memset(s, 0, sizeof *s);
    s->c.fd = tc_connect(port);
    if (s->c.fd < 0)
        return -1;
    char req[4096];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nAccept: text/event-stream\r\n%s\r\n",
                     path, port, extra ? extra : "");
    if (tc_write_all(s->c.fd, req, (size_t)n) < 0 ||
        tc_read_head(&s->c, &s->head, tc_now_ms() + 10000) < 0)
        return -1;
    char te[32];
    tc_header(s->head.head, "transfer-encoding", te, sizeof te);
    s->chunked = strcmp(te, "chunked") == 0;
    return s->head.status;
}

/* Moves what arrived into s->text, without the chunks' framing: 0, or -1
 * when the framing is broken. */
static TC_UNUSED int tc_sse_take(tc_sse *s)
{
    for (;;) {
        size_t take = s->c.len, skip = 0;
        if (s->chunked) {
            char *nl = s->c.buf ? strstr(s->c.buf, "\r\n") : NULL;
            if (!nl)
                return 0;
            size_t size = strtoul(s->c.buf, NULL, 16), head = (size_t)(nl - s->c.buf) + 2;
            if (s->c.len < head + size + 2)
                return 0;
            skip = head;
            take = size;
            if (size == 0) {
                s->c.eof = true;
                return 0;
            }
        }
        if (!take)
            return 0;
        s->text = realloc(s->text, s->text_len + take + 1);
        memcpy(s->text + s->text_len, s->c.buf + skip, take);
        s->text_len += take;
        s->text[s->text_len] = '\0';
        tc_consume(&s->c, skip + take + (s->chunked ? 2 : 0));
        if (!s->chunked)
            return 0;
    }
}

/* Next event (comments skipped) within timeout_ms: 1, 0 on EOF, -1 on timeout. */
static TC_UNUSED int tc_sse_next(tc_sse *s, int timeout_ms, tc_event *e)
{
    int64_t deadline = tc_now_ms() + timeout_ms;
    memset(e, 0, sizeof *e);
    for (;;) {
        if (tc_sse_take(s) < 0)
            return -1;
        char *end = s->text ? strstr(s->text, "\n\n") : NULL;
        if (end) {
            size_t n = (size_t)(end - s->text) + 2;
            char *block = strndup(s->text, n - 2);
            memmove(s->text, s->text + n, s->text_len - n + 1);
            s->text_len -= n;
            bool any = false;
            snprintf(e->name, sizeof e->name, "message");
            for (char *line = strtok(block, "\n"); line; line = strtok(NULL, "\n")) {
                if (line[0] == ':')
                    continue;
                if (strncmp(line, "id: ", 4) == 0) {
                    snprintf(e->id, sizeof e->id, "%s", line + 4);
                    any = true;
                } else if (strcmp(line, "id") == 0) {
                    snprintf(e->id, sizeof e->id, "-");
                } else if (strncmp(line, "event: ", 7) == 0) {
                    snprintf(e->name, sizeof e->name, "%s", line + 7);
                    any = true;
                } else if (strncmp(line, "data: ", 6) == 0) {
                    free(e->data);
                    e->data = strdup(line + 6);
                    any = true;
                }
            }
            free(block);
            if (any)
                return 1;
            continue;
        }
        int f = tc_fill(&s->c, deadline);
        if (f <= 0)
            return f;
    }
}

static TC_UNUSED void tc_sse_close(tc_sse *s)
{
    tc_conn_close(&s->c);
    free(s->text);
    s->text = NULL;
    s->text_len = 0;
}

/* ---- the server process ------------------------------------------------- */

#define TC_MAX_LINKS 16

typedef struct tc_server {
    pid_t pid;
    int port;
    FILE *out; /** its standard output */
    int n_links;
    char roles[TC_MAX_LINKS][32];
    char tokens[TC_MAX_LINKS][64];
} tc_server;

/* The token of the role link printed at start, or NULL. */
static TC_UNUSED const char *tc_role_token(const tc_server *s, const char *role)
{
    for (int i = 0; i < s->n_links; i++)
        if (strcmp(s->roles[i], role) == 0)
            return s->tokens[i];
    return NULL;
}

/*
 * Starts `gavel serve --db DB --listen 127.0.0.1:0 ARGS...` (args ends with
 * NULL) and reads its start-up lines: the port, and the role links. Returns 0
 * once it listens, -1 if it did not within 20 seconds.
 */
static TC_UNUSED int tc_server_start(tc_server *s, const char *db, const char *const *args)
{
    memset(s, 0, sizeof *s);
    int out[2];
    if (pipe(out) < 0)
        return -1;
    const char *argv[40] = {GV_BINARY, "serve", "--db", db, "--listen", "127.0.0.1:0"};
    int n = 6;
    for (; args && *args && n < 38; args++)
        argv[n++] = *args;
    argv[n] = NULL;
    s->pid = fork();
    if (s->pid == 0) {
        dup2(out[1], 1);
        close(out[0]);
        close(out[1]);
        execv(GV_BINARY, (char *const *)argv);
        _exit(127);
    }
    close(out[1]);
    s->out = fdopen(out[0], "r");
    /* Read the start-up lines straight from the pipe (stdio would buffer past them). */
    char buf[8192];
    size_t len = 0;
    int64_t deadline = tc_now_ms() + 20000;
    while (tc_now_ms() < deadline && len < sizeof buf - 1) {
        ssize_t got = tc_read_some(out[0], buf + len, sizeof buf - 1 - len, 200);
        if (got == 0)
            break; /* it exited */
        if (got < 0)
            continue;
        len += (size_t)got;
        buf[len] = '\0';
        char *nl;
        while ((nl = strchr(buf, '\n')) != NULL) {
            *nl = '\0';
            char role[32], url[600];
            const char *at = strstr(buf, "listening on ");
            bool ready = strncmp(buf, "ready", 5) == 0;
            if (at) {
                const char *colon = strrchr(at, ':');
                s->port = colon ? atoi(colon + 1) : 0;
            } else if (sscanf(buf, " %31[a-z]: %599s", role, url) == 2 && strstr(url, "/join/") &&
                       s->n_links < TC_MAX_LINKS) {
                snprintf(s->roles[s->n_links], sizeof s->roles[0], "%s", role);
                snprintf(s->tokens[s->n_links], sizeof s->tokens[0], "%s",
                         strstr(url, "/join/") + 6);
                s->n_links++;
            }
            len -= (size_t)(nl + 1 - buf);
            memmove(buf, nl + 1, len + 1);
            if (ready && s->port > 0)
                return 0;
        }
    }
    kill(s->pid, SIGKILL);
    waitpid(s->pid, NULL, 0);
    fclose(s->out);
    s->out = NULL;
    s->pid = 0;
    return -1;
}

/* Sends sig and waits for the process (at most 20 s); returns its exit
 * status as waitpid reports it, or -1. */
static TC_UNUSED int tc_server_stop(tc_server *s, int sig)
{
    int status = -1;
    if (s->pid <= 0)
        return -1;
    kill(s->pid, sig);
    int64_t deadline = tc_now_ms() + 20000;
    while (tc_now_ms() < deadline) {
        pid_t r = waitpid(s->pid, &status, WNOHANG);
        if (r == s->pid)
            break;
        tc_sleep_ms(20);
    }
    if (tc_now_ms() >= deadline) {
        kill(s->pid, SIGKILL);
        waitpid(s->pid, &status, 0);
        status = -1;
    }
    if (s->out)
        fclose(s->out);
    s->out = NULL;
    s->pid = 0;
    return status;
}

/* Runs the gavel binary with args (NULL-ended), standard output into *out
 * (malloc'd) when given. Returns the exit code, or -1. */
/* Starts the gavel binary with args (NULL-ended), its standard output (and
 * error, with_stderr) into a pipe whose reading end is *fd. Returns the pid,
 * or -1. */
static TC_UNUSED pid_t tc_spawn_gavel(const char *const *args, bool with_stderr, int *fd)
{
    int pfd[2];
    if (pipe(pfd) < 0)
        return -1;
    const char *argv[40] = {GV_BINARY};
    int n = 1;
    for (; *args && n < 38; args++)
        argv[n++] = *args;
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pfd[1], 1);
        if (with_stderr)
            dup2(pfd[1], 2);
        close(pfd[0]);
        close(pfd[1]);
        execv(GV_BINARY, (char *const *)argv);
        _exit(127);
    }
    close(pfd[1]);
    if (pid < 0) {
        close(pfd[0]);
        return -1;
    }
    *fd = pfd[0];
    return pid;
}

static TC_UNUSED int tc_gavel(char **out, const char *const *args)
{
    int fd;
    pid_t pid = tc_spawn_gavel(args, false, &fd);
    if (pid < 0)
        return -1;
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    ssize_t r;
    while ((r = read(fd, buf + len, cap - len - 1)) > 0) {
        len += (size_t)r;
        if (cap - len < 1024)
            buf = realloc(buf, cap *= 2);
    }
    buf[len] = '\0';
    close(fd);
    int status;
    waitpid(pid, &status, 0);
    if (out)
        *out = buf;
    else
        free(buf);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Cleans up after a setup that failed: removes dir, frees the fixture. */
static TC_UNUSED int tc_setup_failed(void *fixture, const char *dir)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (dir[0] && system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    free(fixture);
    return -1;
}

/* A fresh directory for a test's database; path filled. */
static TC_UNUSED void tc_tempdir(char *path, size_t size, const char *name)
{
    snprintf(path, size, "/tmp/gavel-%s-XXXXXX", name);
    if (!mkdtemp(path))
        path[0] = '\0';
}

/* ---- fixtures ----------------------------------------------------------- */

#ifdef GV_TEST_SUPPORT_H
#include "store/create.h"
#include "store/store.h"

/* Wall-clock ms, the server's time. */
static TC_UNUSED int64_t tc_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Creates db with the test meeting of support.h ("test-panel": one person of
 * each role, six participants), defined now. Returns 0 or -1.
 */
static TC_UNUSED int tc_make_db(const char *db)
{
    json_error_t jerr;
    gv_error err = {0};
    json_t *def = json_loads(gvt_definition_json, 0, &jerr);
    gv_store *st = def ? gv_store_open(db, GV_STORE_CREATE, &err) : NULL;
    int rc = st && gv_create_defined(st, NULL, def, tc_wall_ms(), NULL, &err) == 0 ? 0 : -1;
    if (rc < 0)
        fprintf(stderr, "tc_make_db: %s\n", def ? err.msg : jerr.text);
    gv_store_close(st);
    json_decref(def);
    return rc;
}

/* Issues a link with `gavel invite`; copies its token. Returns 0 or -1. */
static TC_UNUSED int tc_invite(const char *db, const char *person_or_role, bool role, char *token,
                               size_t size)
{
    char *out = NULL;
    const char *args[] = {"invite",
                          "--db",
                          db,
                          "--meeting",
                          "test-panel",
                          role ? "--role" : person_or_role,
                          role ? person_or_role : NULL,
                          NULL};
    int rc = tc_gavel(&out, args);
    const char *j = out ? strstr(out, "/join/") : NULL;
    if (rc != 0 || !j) {
        free(out);
        return -1;
    }
    snprintf(token, size, "%.*s", (int)strcspn(j + 6, "\r\n"), j + 6);
    free(out);
    return 0;
}

/* A test's own server: a fresh database with the test meeting and `gavel serve` on it. */
typedef struct tc_fixture {
    char dir[128]; /** temporary folder, removed at teardown */
    char db[256];  /** dir/gavel.db */
    tc_server srv;
} tc_fixture;

/*
 * cmocka setup: makes a tc_fixture in *state with a folder named after
 * `name` and a server started with "--meeting test-panel" and `extra`
 * (NULL-ended, at most 12 options; may be NULL). Returns 0, or -1 with
 * everything cleaned up.
 */
static TC_UNUSED int tc_fixture_setup(void **state, const char *name, const char *const *extra)
{
    tc_fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    tc_tempdir(f->dir, sizeof f->dir, name);
    snprintf(f->db, sizeof f->db, "%s/gavel.db", f->dir);
    if (tc_make_db(f->db) < 0)
        return tc_setup_failed(f, f->dir);
    const char *args[16] = {"--meeting", "test-panel"};
    int n = 2;
    for (; extra && *extra && n < 14; extra++)
        args[n++] = *extra;
    args[n] = NULL;
    if (tc_server_start(&f->srv, f->db, args) < 0)
        return tc_setup_failed(f, f->dir);
    *state = f;
    return 0;
}

/* The sequence number of the test meeting on server s now, read with the
 * viewer link. */
static TC_UNUSED int64_t tc_server_seq(const tc_server *s)
{
    tc_response r;
    assert_int_equal(
        tc_get(s->port, "/api/v1/meetings/test-panel/snapshot", tc_role_token(s, "viewer"), &r),
        200);
    json_t *j = tc_json(&r);
    int64_t seq = json_integer_value(json_object_get(j, "seq"));
    json_decref(j);
    tc_response_free(&r);
    return seq;
}

/* "Authorization: Bearer TOKEN\r\n" for `role`'s link on server s, as an
 * extra header line (a static buffer: the next call overwrites it). */
static TC_UNUSED const char *tc_bearer(const tc_server *s, const char *role)
{
    static char h[128];
    snprintf(h, sizeof h, "Authorization: Bearer %s\r\n", tc_role_token(s, role));
    return h;
}

/* The test meeting's state on server s now as `role`'s link reads it over
 * HTTP, compact sorted JSON (caller frees); its seq in *seq when not NULL. */
static TC_UNUSED char *tc_snapshot_state(const tc_server *s, const char *role, int64_t *seq)
{
    tc_response r;
    assert_int_equal(
        tc_get(s->port, "/api/v1/meetings/test-panel/snapshot", tc_role_token(s, role), &r), 200);
    json_t *j = tc_json(&r);
    tc_response_free(&r);
    if (seq)
        *seq = json_integer_value(json_object_get(j, "seq"));
    char *text = json_dumps(json_object_get(j, "state"), JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    return text;
}

/* The sequence number of the fixture's meeting now. */
static TC_UNUSED int64_t tc_meeting_seq(tc_fixture *f)
{
    return tc_server_seq(&f->srv);
}

/* cmocka teardown: stops the server with SIGTERM and removes the folder. A
 * clean stop (exit 0) is part of every test: -1 otherwise. */
static TC_UNUSED int tc_fixture_teardown(void **state)
{
    tc_fixture *f = *state;
    int status = tc_server_stop(&f->srv, SIGTERM);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", f->dir);
    free(f);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}
#endif

#endif
