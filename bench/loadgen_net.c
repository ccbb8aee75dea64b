/*
 * gavel-loadgen's connections: non-blocking sockets bound to a source address
 * before connecting, the handshakes, WebSocket frames (the client side only:
 * masked frames out, ping answered with pong), SSE events (with HTTP/1.1
 * chunks removed when nginx sends them), HTTP answers, and the epoll loop
 * that every process runs. A message is parsed in place when it arrived
 * whole; only a message cut by a read is copied into the connection's
 * buffer, so an idle client costs its struct and nothing more. Compressed
 * messages (permessage-deflate, gzip) are inflated into the process's one
 * buffer first. What a Gavel reader does with its messages is
 * loadgen_page.c's.
 */
#define _GNU_SOURCE
#include "loadgen.h"

static void conn_fail(lg *g, conn *c, const char *why);
static void conn_opened(lg *g, conn *c);

/* ---- small helpers ------------------------------------------------------ */

int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("gavel-loadgen: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die("out of memory (%zu bytes)", n);
    return p;
}

void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        die("out of memory (%zu bytes)", n);
    return p;
}

/* Source address k of a block: 127.B.x.y, never .0 or .255 in the last byte. */
uint32_t source_addr(int block, int k)
{
    return (127u << 24) | ((uint32_t)block << 16) | ((uint32_t)(k / 250) << 8) |
           (uint32_t)(k % 250 + 1);
}

/* The number after the first (or last) "seq": in p[0..n), or -1. A quote
 * before seq cannot appear unescaped inside a JSON string, so a match is a
 * key; the last one is the top-level seq of a canonical event (its keys are
 * sorted and no key after "seq" holds an object with a seq of its own). */
int64_t find_seq(const char *p, size_t n, bool last)
{
    static const char key[] = "\"seq\":";
    const char *hit = NULL, *q = p, *end = p + n;
    while (q < end) {
        const char *m = memmem(q, (size_t)(end - q), key, sizeof key - 1);
        if (!m)
            break;
        hit = m;
        if (!last)
            break;
        q = m + 1;
    }
    if (!hit)
        return -1;
    int64_t v = 0;
    const char *d = hit + sizeof key - 1;
    if (d >= end || *d < '0' || *d > '9')
        return -1;
    for (; d < end && *d >= '0' && *d <= '9'; d++)
        v = v * 10 + (*d - '0');
    return v;
}

static bool has(const char *p, size_t n, const char *needle)
{
    return memmem(p, n, needle, strlen(needle)) != NULL;
}

static bool starts(const char *p, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    return n >= k && memcmp(p, prefix, k) == 0;
}

void set_events(lg *g, conn *c, uint32_t ev)
{
    struct epoll_event e = {.events = ev, .data.ptr = c};
    if (epoll_ctl(g->ep, EPOLL_CTL_MOD, c->fd, &e) < 0)
        die("epoll_ctl: %s", strerror(errno));
}

static void buf_append(char **buf, uint32_t *len, uint32_t *cap, const void *data, size_t n)
{
    if ((size_t)*len + n > MSG_MAX + 65536u)
        die("a message larger than %u bytes", MSG_MAX);
    if (*len + n > *cap) {
        size_t c = *cap ? *cap : 512;
        while (c < *len + n)
            c *= 2;
        *buf = xrealloc(*buf, c);
        *cap = (uint32_t)c;
    }
    memcpy(*buf + *len, data, n);
    *len += (uint32_t)n;
}

static void buf_free(char **buf, uint32_t *len, uint32_t *cap)
{
    free(*buf);
    *buf = NULL;
    *len = *cap = 0;
}

/* Writes what the socket takes; keeps the rest for EPOLLOUT. */
void conn_send(lg *g, conn *c, const void *data, size_t n)
{
    if (c->state == S_CLOSED || c->fd < 0)
        return;
    size_t done = 0;
    if (c->out_len == 0) {
        ssize_t w = send(c->fd, data, n, MSG_NOSIGNAL);
        if (w < 0 && errno != EAGAIN && errno != EINTR)
            return; /* the read side will see the connection go */
        done = w > 0 ? (size_t)w : 0;
    }
    if (done < n) {
        bool was_empty = c->out_len == 0;
        buf_append(&c->out, &c->out_len, &c->out_cap, (const char *)data + done, n - done);
        if (was_empty)
            set_events(g, c, EPOLLIN | EPOLLOUT);
    }
}

/* Sends a masked WebSocket frame (clients must mask, RFC 6455 5.3). */
void ws_send(lg *g, conn *c, int opcode, const void *data, size_t n)
{
    static uint32_t x = 2463534242u;
    unsigned char stackbuf[1024];
    unsigned char *f = n + 14 <= sizeof stackbuf ? stackbuf : xmalloc(n + 14);
    size_t h = 0;
    f[h++] = (unsigned char)(0x80 | opcode);
    if (n < 126) {
        f[h++] = (unsigned char)(0x80 | n);
    } else if (n < 65536) {
        f[h++] = 0x80 | 126;
        f[h++] = (unsigned char)(n >> 8);
        f[h++] = (unsigned char)n;
    } else {
        f[h++] = 0x80 | 127;
        for (int i = 7; i >= 0; i--)
            f[h++] = (unsigned char)((uint64_t)n >> (8 * i));
    }
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    unsigned char mask[4] = {(unsigned char)x, (unsigned char)(x >> 8), (unsigned char)(x >> 16),
                             (unsigned char)(x >> 24)};
    memcpy(f + h, mask, 4);
    h += 4;
    const unsigned char *d = data;
    for (size_t i = 0; i < n; i++)
        f[h + i] = d[i] ^ mask[i & 3];
    conn_send(g, c, f, h + n);
    if (f != stackbuf)
        free(f);
}

void conn_close(lg *g, conn *c)
{
    if (c->fd >= 0) {
        epoll_ctl(g->ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
    }
    if (c->z) {
        inflateEnd(c->z);
        free(c->z);
        c->z = NULL;
    }
    c->deflate = c->gzip = false;
    c->fd = -1;
    c->state = S_CLOSED;
    buf_free(&c->in, &c->in_len, &c->in_cap);
    buf_free(&c->out, &c->out_len, &c->out_cap);
}

/* Starts a non-blocking connect from source address `src`. Returns 0 or -1. */
int conn_start(lg *g, conn *c, uint32_t src)
{
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0)
        return -1;
    int one = 1;
    /* The port is chosen at connect, for the whole 4-tuple: each source
     * address then has the full ephemeral range towards the server. */
    setsockopt(c->fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(src);
    int port = g->o.port;
    if (g->o.n_reader_ports && (c->role == R_VIEWER || c->role == R_FETCH))
        port = g->o.reader_ports[c->slot % g->o.n_reader_ports];
    struct sockaddr_in d = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    d.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(c->fd, (struct sockaddr *)&a, sizeof a) < 0 ||
        (connect(c->fd, (struct sockaddr *)&d, sizeof d) < 0 && errno != EINPROGRESS)) {
        close(c->fd);
        c->fd = -1;
        return -1;
    }
    c->state = S_CONNECTING;
    c->in_len = c->out_len = 0;
    c->ck = CK_SIZE;
    c->ck_left = 0;
    c->chunked = c->fragment = false;
    struct epoll_event e = {.events = EPOLLOUT, .data.ptr = c};
    if (epoll_ctl(g->ep, EPOLL_CTL_ADD, c->fd, &e) < 0)
        die("epoll_ctl: %s", strerror(errno));
    return 0;
}

void count_request(lg *g)
{
    atomic_fetch_add(&g->st->requests, 1);
}

/* A page reads with gzip, as browsers ask for it. */
#define ACCEPT_ENCODING "Accept-Encoding: gzip, deflate\r\n"

void http_get(lg *g, conn *c, const char *path, bool bearer)
{
    char req[1024];
    char auth[300] = "";
    if (bearer)
        snprintf(auth, sizeof auth, "Authorization: Bearer %s\r\n", g->o.viewer_token);
    int n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s\r\n" ACCEPT_ENCODING "%s\r\n",
                     path, g->host, auth);
    conn_send(g, c, req, (size_t)n);
}

/* The request that opens the connection, by role and transport. */
static int build_request(lg *g, const conn *c, char *buf, size_t size)
{
    const options *o = &g->o;
    if (o->target == T_NCHAN) {
        /* Compressed as for Gavel's pages: Nchan deflates each message once. */
        if (c->proto == P_WS)
            return snprintf(buf, size,
                            "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
                            "Connection: Upgrade\r\nSec-WebSocket-Key: " WS_KEY "\r\n"
                            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Extensions: "
                            "permessage-deflate; client_max_window_bits\r\n\r\n",
                            o->sub_path, g->host);
        return snprintf(buf, size,
                        "GET %s HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\n\r\n",
                        o->sub_path, g->host);
    }
    const char *token = c->role == R_CHAIR ? o->chair_token
                        : c->role == R_CMD ? o->participant_token
                                           : o->viewer_token;
    char as[96] = "", since[40] = "", person[64] = "";
    if (c->role == R_CMD)
        snprintf(person, sizeof person, o->person_fmt, c->slot + 1);
    else if (c->role == R_VIEWER && o->viewer_as && c->proto == P_WS)
        snprintf(person, sizeof person, o->viewer_as, c->slot % o->viewer_people + 1);
    if (person[0])
        snprintf(as, sizeof as, "%sas=%s", c->since >= 0 ? "&" : "?", person);
    bool page = c->role == R_VIEWER;
    /* A page keeps the state, not every event: it asks to resume from the
     * view's snapshot when that is lighter (web/js/client.js: since, as,
     * then resume, in that order). */
    const char *resume = !page                        ? ""
                         : c->since >= 0 || person[0] ? "&resume=state"
                                                      : "?resume=state";
    if (c->proto == P_SSE) {
        if (c->since >= 0)
            snprintf(since, sizeof since, "Last-Event-ID: %lld\r\n", (long long)c->since);
        /* As EventSource resumes: the stream's own URL, and the header. */
        return snprintf(buf, size,
                        "GET /api/v1/meetings/%s/events%s HTTP/1.1\r\nHost: %s\r\n"
                        "Accept: text/event-stream\r\nAuthorization: Bearer %s\r\n%s%s\r\n",
                        o->meeting, page ? "?resume=state" : "", g->host, token, since,
                        page ? ACCEPT_ENCODING : "");
    }
    if (c->since >= 0)
        snprintf(since, sizeof since, "?since=%lld", (long long)c->since);
    return snprintf(
        buf, size,
        "GET /api/v1/meetings/%s/ws%s%s%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: " WS_KEY "\r\n"
        "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: gavel.v1\r\n"
        "Authorization: Bearer %s\r\n%s\r\n",
        o->meeting, since, as, resume, g->host, token,
        page ? "Sec-WebSocket-Extensions: permessage-deflate; "
               "client_max_window_bits\r\n"
             : "");
}

/* ---- what each role does with what it receives --------------------------- */

/* Nchan: a message with this seq arrived. */
static void viewer_event(lg *g, conn *c, int64_t seq)
{
    if (seq <= c->seq)
        return;
    if (c->seq > 0 && seq > c->seq + 1)
        atomic_fetch_add(&g->st->gaps, seq - c->seq - 1);
    c->seq = seq;
    int64_t t = 0;
    if (seq >= g->target && c->round != g->round) {
        c->round = g->round;
        g->recv_us[c->slot] = t = now_us();
        g->reached++;
    }
    if (c->catching && seq >= g->catch_head) {
        c->catching = false;
        g->catch_us[c->slot] = (t ? t : now_us()) - c->t_start;
        g->catch_done++;
    }
}

/* The server closed a reader's stream (the page will open it again). */
static void viewer_lost(lg *g, conn *c)
{
    if (c->counted) {
        atomic_fetch_sub(&g->st->held, 1);
        atomic_fetch_add(&g->st->lost, 1);
        c->counted = false;
    }
    if (c->catching) {
        c->catching = false;
        g->catch_failed++;
    }
    conn_close(g, c);
    page_lost(g, c);
}

static void chair_message(lg *g, const char *p, size_t n)
{
    if (starts(p, n, "{\"type\":\"event\"")) {
        int64_t s = find_seq(p, n, true);
        if (s > g->head)
            g->head = s;
    } else if (has(p, n, "\"type\":\"ack\"")) {
        const char *ls = memmem(p, n, "\"last_seq\":", 11);
        if (ls) {
            int64_t s = strtoll(ls + 11, NULL, 10);
            if (s > g->head)
                g->head = s;
        }
        g->chair_answers++;
    } else if (has(p, n, "\"type\":\"error\"")) {
        g->chair_answers++;
        g->chair_errors++;
        snprintf(g->chair_error, sizeof g->chair_error, "%.*s", (int)(n < 299 ? n : 299), p);
    } else if (starts(p, n, "{\"type\":\"snapshot\"")) {
        /* {"type":"snapshot","seq":N,"state":...}: the first seq is the snapshot's. */
        int64_t s = find_seq(p, n, false);
        if (s > g->head)
            g->head = s;
    } else if (has(p, n, "\"type\":\"hello\"")) {
        /* Sorted keys: the top-level seq is the last one (the limits hold none). */
        int64_t s = find_seq(p, n, true);
        if (s > g->head)
            g->head = s;
    }
}

void sample_add(sample_set *s, double ms)
{
    if (s->n == s->cap) {
        s->cap = s->cap ? s->cap * 2 : 4096;
        s->v = xrealloc(s->v, s->cap * sizeof *s->v);
    }
    s->v[s->n++] = ms;
}

/* A commander's command was answered: ok or refused. */
static void command_answered(lg *g, conn *c, bool ok, const char *p, size_t n)
{
    if (c->answered == c->sent)
        return; /* an error not tied to a command (there are none in this run) */
    int64_t due = c->due[c->answered % WINDOW_MAX];
    c->answered++;
    if (ok) {
        const char *ls = memmem(p, n, "\"last_seq\":", 11);
        if (ls && ls + 11 < p + n) {
            int64_t seq = strtoll(ls + 11, NULL, 10);
            if (seq > g->max_acked)
                g->max_acked = seq;
        }
        g->acks++;
        sample_add(&g->cmd_lat, (double)(now_us() - due) / 1000.0);
    } else {
        if (!g->cmd_errors)
            snprintf(g->cmd_error, sizeof g->cmd_error, "%.*s", (int)(n < 299 ? n : 299), p);
        g->cmd_errors++;
    }
}

static void ws_message(lg *g, conn *c, const char *p, size_t n)
{
    if (c->role == R_CHAIR) {
        chair_message(g, p, n);
        return;
    }
    if (c->role == R_CMD) {
        if (starts(p, n, "{\"type\":\"event\""))
            return;
        if (has(p, n, "\"type\":\"ack\""))
            command_answered(g, c, true, p, n);
        else if (has(p, n, "\"type\":\"error\""))
            command_answered(g, c, false, p, n);
        return;
    }
    if (g->o.target == T_GAVEL) {
        page_ws_message(g, c, p, n);
        return;
    }
    int64_t s = find_seq(p, n, false);
    if (s > 0)
        viewer_event(g, c, s);
}

/* Parses server frames in p[0..n): returns the bytes of complete frames
 * consumed, or -1 when the connection must close. */
static ssize_t ws_parse(lg *g, conn *c, unsigned char *p, size_t n)
{
    size_t off = 0;
    while (n - off >= 2) {
        unsigned b0 = p[off], b1 = p[off + 1];
        if (b1 & 0x80)
            return -1; /* a server never masks */
        uint64_t len = b1 & 0x7f;
        size_t h = 2;
        if (len == 126) {
            if (n - off < 4)
                break;
            len = (uint64_t)p[off + 2] << 8 | p[off + 3];
            h = 4;
        } else if (len == 127) {
            if (n - off < 10)
                break;
            len = 0;
            for (int i = 0; i < 8; i++)
                len = len << 8 | p[off + 2 + i];
            h = 10;
        }
        if (len > MSG_MAX)
            return -1;
        if (n - off - h < len)
            break;
        const char *pl = (const char *)p + off + h;
        bool fin = b0 & 0x80;
        int op = b0 & 0x0f;
        off += h + (size_t)len;
        switch (op) {
        case 0x0: /* continuation: no server here splits its messages */
            if (fin)
                c->fragment = false;
            break;
        case 0x1:
        case 0x2:
            if (!fin) {
                c->fragment = true;
            } else if (b0 & 0x40) { /* RSV1: compressed (RFC 7692) */
                if (!c->deflate)
                    return -1;
                /* The 00 00 ff ff the sender left out ends the deflate block. */
                static const unsigned char tail[4] = {0, 0, 0xff, 0xff};
                z_stream *z = c->z ? c->z : message_inflater(g);
                long k = inflate_into(g, z, pl, (size_t)len, !c->z, 0);
                if (k >= 0)
                    k = inflate_into(g, z, tail, sizeof tail, false, (size_t)k);
                if (k < 0)
                    return -1;
                ws_message(g, c, (const char *)g->zbuf, (size_t)k);
            } else {
                ws_message(g, c, pl, (size_t)len);
            }
            break;
        case 0x8:
            return -1;
        case 0x9:
            ws_send(g, c, 0xA, pl, (size_t)len);
            break;
        default:
            break;
        }
    }
    return (ssize_t)off;
}

/* One SSE event (the lines before a blank line). */
static void sse_event(lg *g, conn *c, const char *p, size_t n)
{
    const char *name = "message", *id = NULL, *data = NULL;
    size_t name_len = 7, data_len = 0;
    for (const char *q = p, *end = p + n; q < end;) {
        const char *nl = memchr(q, '\n', (size_t)(end - q));
        size_t l = nl ? (size_t)(nl - q) : (size_t)(end - q);
        if (l && q[l - 1] == '\r')
            l--;
        if (l > 7 && memcmp(q, "event: ", 7) == 0) {
            name = q + 7;
            name_len = l - 7;
        } else if (l > 4 && memcmp(q, "id: ", 4) == 0) {
            id = q + 4;
        } else if (l > 6 && memcmp(q, "data: ", 6) == 0) {
            data = q + 6;
            data_len = l - 6;
        }
        q = nl ? nl + 1 : end;
    }
    if (g->o.target == T_GAVEL) {
        page_sse_event(g, c, name, name_len, id, data, data_len);
        return;
    }
    bool message = name_len == 7 && memcmp(name, "message", 7) == 0;
    int64_t s = data ? find_seq(data, data_len, false) : -1;
    if (message && s > 0)
        viewer_event(g, c, s);
}

static ssize_t sse_parse(lg *g, conn *c, char *p, size_t n)
{
    size_t off = 0;
    while (off < n) {
        char *end = memmem(p + off, n - off, "\n\n", 2);
        if (!end)
            break;
        if (p[off] != ':')
            sse_event(g, c, p + off, (size_t)(end - (p + off)) + 1);
        off = (size_t)(end - p) + 2;
    }
    return (ssize_t)off;
}

/* Removes HTTP/1.1 chunk framing in place; returns the data's new length. */
static size_t dechunk(conn *c, char *p, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        char ch = p[i];
        switch (c->ck) {
        case CK_SIZE:
            i++;
            if (ch == '\n') {
                c->ck = c->ck_left ? CK_DATA : CK_DATA_CR; /* a 0 chunk ends the body */
            } else if (ch == ';' || ch == '\r') {
                c->ck = CK_EXT;
            } else {
                int v = ch >= '0' && ch <= '9'   ? ch - '0'
                        : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                        : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10
                                                 : 0;
                c->ck_left = c->ck_left * 16 + (uint32_t)v;
            }
            break;
        case CK_EXT:
            i++;
            if (ch == '\n')
                c->ck = c->ck_left ? CK_DATA : CK_DATA_CR;
            break;
        case CK_DATA: {
            size_t k = n - i < c->ck_left ? n - i : c->ck_left;
            memmove(p + o, p + i, k);
            o += k;
            i += k;
            c->ck_left -= (uint32_t)k;
            if (!c->ck_left)
                c->ck = CK_DATA_CR;
            break;
        }
        case CK_DATA_CR:
            i++;
            if (ch == '\n')
                c->ck = CK_SIZE;
            break;
        default:
            i++;
            c->ck = CK_SIZE;
            break;
        }
    }
    return o;
}

/* ---- reading ------------------------------------------------------------ */

static size_t head_end(const char *p, size_t n)
{
    const char *e = memmem(p, n, "\r\n\r\n", 4);
    return e ? (size_t)(e - p) + 4 : 0;
}

/* Does the head carry the header `name` with a value containing `value`? */
static bool head_has(const char *head, size_t hl, const char *name, const char *value)
{
    size_t nl = strlen(name);
    for (const char *q = head, *end = head + hl; q < end;) {
        const char *eol = memmem(q, (size_t)(end - q), "\r\n", 2);
        size_t l = eol ? (size_t)(eol - q) : (size_t)(end - q);
        if (l > nl && strncasecmp(q, name, nl) == 0 && q[nl] == ':') {
            for (const char *v = q + nl + 1; v + strlen(value) <= q + l; v++)
                if (strncasecmp(v, value, strlen(value)) == 0)
                    return true;
        }
        q = eol ? eol + 2 : end;
    }
    return false;
}

static long head_length(const char *head, size_t hl)
{
    for (const char *q = head, *end = head + hl; q < end;) {
        const char *eol = memmem(q, (size_t)(end - q), "\r\n", 2);
        size_t l = eol ? (size_t)(eol - q) : (size_t)(end - q);
        if (l > 15 && strncasecmp(q, "content-length:", 15) == 0)
            return strtol(q + 15, NULL, 10);
        q = eol ? eol + 2 : end;
    }
    return -1;
}

/* The stream after the handshake: frames or SSE events. */
static void feed_body(lg *g, conn *c, char *p, size_t n)
{
    if (c->proto == P_SSE && c->chunked)
        n = dechunk(c, p, n);
    if (n && c->gzip) {
        long k = inflate_into(g, c->z, p, n, false, 0);
        if (k < 0) {
            viewer_lost(g, c);
            return;
        }
        p = (char *)g->zbuf;
        n = (size_t)k;
    }
    if (!n)
        return;
    char *data = p;
    size_t len = n;
    if (c->in_len) {
        buf_append(&c->in, &c->in_len, &c->in_cap, p, n);
        data = c->in;
        len = c->in_len;
    }
    ssize_t used =
        c->proto == P_WS ? ws_parse(g, c, (unsigned char *)data, len) : sse_parse(g, c, data, len);
    if (used < 0 || c->state == S_CLOSED) {
        if (c->state != S_CLOSED) {
            if (c->role == R_VIEWER)
                viewer_lost(g, c);
            else
                conn_close(g, c);
        }
        return;
    }
    size_t rest = len - (size_t)used;
    if (data == c->in) {
        memmove(c->in, c->in + used, rest);
        c->in_len = (uint32_t)rest;
        if (c->in_cap > 65536 && rest < 4096) { /* a snapshot went by: give its room back */
            c->in = xrealloc(c->in, rest + 512);
            c->in_cap = (uint32_t)rest + 512;
        }
    } else if (rest) {
        buf_append(&c->in, &c->in_len, &c->in_cap, data + used, rest);
    }
}

/* HTTP responses to the publisher's and the HTTP commanders' requests. */
static void feed_http(lg *g, conn *c, const char *p, size_t n)
{
    buf_append(&c->in, &c->in_len, &c->in_cap, p, n);
    for (;;) {
        size_t hl = head_end(c->in, c->in_len);
        if (!hl)
            return;
        int status = 0;
        sscanf(c->in, "HTTP/1.%*d %d", &status);
        long cl = head_length(c->in, hl);
        size_t total;
        if (cl >= 0) {
            total = hl + (size_t)cl;
            if (c->in_len < total)
                return;
        } else if (head_has(c->in, hl, "transfer-encoding", "chunked")) {
            const char *e = memmem(c->in + hl, c->in_len - hl, "0\r\n\r\n", 5);
            if (!e)
                return;
            total = (size_t)(e - c->in) + 5;
        } else {
            total = hl;
        }
        if (c->role == R_FETCH) {
            const char *body = c->in + hl;
            size_t len = total - hl;
            if (head_has(c->in, hl, "content-encoding", "gzip")) {
                z_stream z = {0};
                long k = inflateInit2(&z, 15 + 16) == Z_OK
                             ? inflate_into(g, &z, body, len, false, 0)
                             : -1;
                inflateEnd(&z);
                body = k < 0 ? "" : (const char *)g->zbuf;
                len = k < 0 ? 0 : (size_t)k;
            }
            /* One request in flight: nothing follows its answer. The fetch
             * connection may be gone after this. */
            buf_free(&c->in, &c->in_len, &c->in_cap);
            fetch_answered(g, c, status, body, len);
            return;
        }
        if (c->role == R_PUB) {
            g->pub_answered = true;
            g->pub_status = status;
        } else {
            command_answered(g, c, status == 200, c->in + hl, total - hl);
        }
        memmove(c->in, c->in + total, c->in_len - total);
        c->in_len -= (uint32_t)total;
    }
}

static void feed(lg *g, conn *c, char *p, size_t n)
{
    if (c->state == S_OPEN) {
        if (c->proto == P_HTTP)
            feed_http(g, c, p, n);
        else
            feed_body(g, c, p, n);
        return;
    }
    /* The handshake's answer. */
    buf_append(&c->in, &c->in_len, &c->in_cap, p, n);
    size_t hl = head_end(c->in, c->in_len);
    if (!hl) {
        if (c->in_len > 16384)
            conn_fail(g, c, "the answer to the handshake has no end");
        return;
    }
    int status = 0;
    sscanf(c->in, "HTTP/1.%*d %d", &status);
    bool ok = c->proto == P_WS
                  ? status == 101 && head_has(c->in, hl, "sec-websocket-accept", WS_ACCEPT)
                  : status == 200;
    if (!ok) {
        char why[200];
        const char *body = c->in + hl;
        snprintf(why, sizeof why, "HTTP %d %.*s", status,
                 (int)(c->in_len - hl < 150 ? c->in_len - hl : 150), body);
        conn_fail(g, c, why);
        return;
    }
    c->chunked = head_has(c->in, hl, "transfer-encoding", "chunked");
    if (c->proto == P_WS && head_has(c->in, hl, "sec-websocket-extensions", "permessage-deflate")) {
        c->deflate = true;
        /* Without the server's promise, its messages may refer to earlier ones. */
        if (!head_has(c->in, hl, "sec-websocket-extensions", "server_no_context_takeover")) {
            c->z = xmalloc(sizeof *c->z);
            *c->z = (z_stream){0};
            if (inflateInit2(c->z, -15) != Z_OK)
                die("zlib: cannot make an inflater");
        }
    }
    if (c->proto == P_SSE && head_has(c->in, hl, "content-encoding", "gzip")) {
        c->gzip = true;
        c->z = xmalloc(sizeof *c->z);
        *c->z = (z_stream){0};
        if (inflateInit2(c->z, 15 + 16) != Z_OK)
            die("zlib: cannot make an inflater");
    }
    c->state = S_OPEN;
    char *buf = c->in;
    uint32_t len = c->in_len;
    c->in = NULL;
    c->in_len = c->in_cap = 0;
    conn_opened(g, c);
    if (len > hl && c->state == S_OPEN)
        feed_body(g, c, buf + hl, len - hl);
    free(buf);
}

static void conn_event(lg *g, conn *c, uint32_t ev)
{
    if (c->fd < 0)
        return; /* closed by an earlier event of the same wait */
    if (c->state == S_CONNECTING) {
        int err = 0;
        socklen_t el = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
        if (err || (ev & (EPOLLERR | EPOLLHUP))) {
            conn_fail(g, c, strerror(err ? err : ECONNRESET));
            return;
        }
        if (c->proto == P_HTTP) { /* publisher, commanders, fetches: no handshake */
            c->state = S_OPEN;
            set_events(g, c, EPOLLIN);
            if (c->role == R_FETCH)
                fetch_opened(g, c);
            else
                conn_opened(g, c);
            return;
        }
        char req[1024];
        int n = build_request(g, c, req, sizeof req);
        if (c->role == R_VIEWER)
            count_request(g);
        c->state = S_HANDSHAKE;
        set_events(g, c, EPOLLIN);
        conn_send(g, c, req, (size_t)n);
        return;
    }
    if ((ev & EPOLLOUT) && c->out_len) {
        ssize_t w = send(c->fd, c->out, c->out_len, MSG_NOSIGNAL);
        if (w > 0) {
            memmove(c->out, c->out + w, c->out_len - (size_t)w);
            c->out_len -= (uint32_t)w;
        }
        if (!c->out_len)
            set_events(g, c, EPOLLIN);
    }
    if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
        ssize_t n = read(c->fd, g->rbuf, READ_BUF);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
            return;
        if (n <= 0) {
            if (c->state == S_HANDSHAKE) {
                conn_fail(g, c, n == 0 ? "closed during the handshake" : strerror(errno));
                return;
            }
            if (c->role == R_VIEWER)
                viewer_lost(g, c);
            else if (c->role == R_FETCH)
                fetch_answered(g, c, -1, NULL, 0);
            else if (c->role == R_CHAIR || c->role == R_PUB)
                die("the server closed the %s's connection",
                    c->role == R_CHAIR ? "chair" : "publisher");
            else
                conn_close(g, c);
            return;
        }
        if (c->role == R_VIEWER || c->role == R_FETCH)
            atomic_fetch_add(&g->st->bytes, n);
        feed(g, c, g->rbuf, (size_t)n);
    }
}

static void conn_fail(lg *g, conn *c, const char *why)
{
    if (c->role == R_FETCH) {
        fetch_answered(g, c, -1, NULL, 0);
        return;
    }
    if (c->role != R_VIEWER)
        die("%s connection failed: %s",
            c->role == R_CHAIR ? "the chair's"
            : c->role == R_PUB ? "the publisher's"
                               : "a commander's",
            why);
    if (c->again) {
        if (c->catching) {
            c->catching = false;
            g->catch_failed++;
        }
        conn_close(g, c);
        page_lost(g, c); /* a page tries again */
        return;
    } else {
        if (!atomic_load(&g->st->failed))
            snprintf(g->st->first_error, sizeof g->st->first_error, "%s", why);
        atomic_fetch_add(&g->st->failed, 1);
        atomic_fetch_add(&g->st->done, 1);
        g->opening--;
    }
    conn_close(g, c);
}

static void conn_opened(lg *g, conn *c)
{
    if (c->role != R_VIEWER)
        return;
    c->counted = true;
    atomic_fetch_add(&g->st->held, 1);
    page_opened(g, c);
    if (!c->again) {
        atomic_fetch_add(&g->st->done, 1);
        g->opening--;
    }
}

/* ---- the loop ----------------------------------------------------------- */

void loop_once(lg *g, int64_t wait_us)
{
    struct epoll_event evs[1024];
    struct timespec ts = {(time_t)(wait_us / 1000000), (long)(wait_us % 1000000) * 1000};
    int n = epoll_pwait2(g->ep, evs, 1024, wait_us < 0 ? NULL : &ts, NULL);
    if (n < 0 && errno != EINTR)
        die("epoll_pwait2: %s", strerror(errno));
    for (int i = 0; i < n; i++) {
        conn *c = evs[i].data.ptr;
        if (c->role == R_LINK) {
            if (g->worker)
                worker_link(g);
            else
                controller_link(g, c);
        } else {
            conn_event(g, c, evs[i].events);
        }
        if (g->worker && (i & 63) == 63)
            ramp(g); /* keep the handshakes flowing while many events are handled */
    }
    /* Fetch connections done with during the wait: no event refers to them now. */
    while (g->dead) {
        conn *d = g->dead;
        g->dead = d->peer;
        free(d);
    }
}
