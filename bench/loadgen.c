/*
 * gavel-loadgen: opens many WebSocket or Server-Sent Events clients against
 * Gavel's live server (or, for comparison, against nginx with the Nchan
 * module) over loopback and measures what docs/performance.md reports:
 *
 *   hold       N clients connect, a few hundred handshakes in flight at a
 *              time, spread over 127.1.x.y source addresses (bound before
 *              connect) so that neither the ephemeral port range nor the
 *              server's streams-per-address limit is reached; the server's
 *              resident memory (VmRSS) is read before and after;
 *   broadcast  the chair (Gavel) or the publisher (Nchan) sends one command
 *              at a time; for each, the time from the send to the moment the
 *              last of the N clients has the resulting event, and each
 *              client's own delay;
 *   catch-up   some clients reconnect with an older sequence number
 *              (?since= over WebSocket, Last-Event-ID over SSE) and are timed
 *              until they hold the newest event;
 *   commands   M clients, each acting as its own person, send durable
 *              commands (check_in, leave, check_in, ...): first as fast as
 *              acknowledgements come back (a window of W in flight each),
 *              then at a fixed rate (half the maximum unless --rate says),
 *              every acknowledgement timed from the moment its command was
 *              due, so that a stalled server cannot hide its stalls.
 *
 * Processes: the controller holds the chair's or publisher's connection and
 * the commanders; the N clients are shared among worker processes forked
 * once the meeting is set up (one worker unless a process's descriptor limit
 * is too small for its share). Every process runs one epoll loop over
 * non-blocking sockets. Workers write the moment each client reached the
 * awaited event into an array shared with the controller (CLOCK_MONOTONIC
 * is one clock for every process) and talk to it over a SOCK_SEQPACKET
 * pair: WAIT seq -> WAITING; then GOT once every client has the event or the
 * deadline passed. The command is sent only after every worker is WAITING,
 * so no arrival goes unrecorded.
 *
 * This is a test peer, not product code: the WebSocket side is the minimum
 * a client needs (masked text frames, ping answered with pong, close), the
 * HTTP side reads a status, Content-Length or chunked bodies. Every wait has
 * a deadline and the whole run an alarm (--max-seconds), so it always ends.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* The key of RFC 6455's example handshake, and the answer it must get. */
#define WS_KEY    "dGhlIHNhbXBsZSBub25jZQ=="
#define WS_ACCEPT "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
/* A message larger than this is a protocol error here (snapshots are far smaller). */
#define MSG_MAX (64u << 20)
/* Commands a commander may have in flight (the ring of their due times). */
#define WINDOW_MAX 256
#define READ_BUF   (256u * 1024u)

/* ---- options ------------------------------------------------------------ */

enum target { T_GAVEL, T_NCHAN };
enum proto { P_WS, P_SSE, P_HTTP };

typedef struct options {
    enum target target;
    enum proto proto;     /** the viewers' transport: P_WS or P_SSE */
    enum proto cmd_proto; /** the commanders': P_WS or P_HTTP */
    int port;
    const char *meeting, *viewer_token, *chair_token, *participant_token;
    const char *person_fmt; /** commander i acts as this printf format of i+1 */
    const char *sub_path, *pub_path;
    int clients, procs, per_addr, ramp_window, ramp_timeout_s;
    int events, gap_ms, event_timeout_ms;
    int catchup, catchup_behind;
    int commanders, window, cmd_seconds, rate_seconds;
    double rate;
    int payload_bytes; /** Nchan messages: padded to about this size */
    bool snapshot;     /** viewers start with a snapshot rather than ?since=head */
    bool json;
    bool check; /** exit 1 unless every client got every event and every ack is an event */
    int max_seconds;
    pid_t pids[16];
    int n_pids;
    const char *label;
} options;

/* ---- small helpers ------------------------------------------------------ */

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("gavel-loadgen: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    exit(1);
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die("out of memory (%zu bytes)", n);
    return p;
}

static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        die("out of memory (%zu bytes)", n);
    return p;
}

/* Source address k of a block: 127.B.x.y, never .0 or .255 in the last byte. */
static uint32_t source_addr(int block, int k)
{
    return (127u << 24) | ((uint32_t)block << 16) | ((uint32_t)(k / 250) << 8) |
           (uint32_t)(k % 250 + 1);
}

/* The number after the first (or last) "seq": in p[0..n), or -1. A quote
 * before seq cannot appear unescaped inside a JSON string, so a match is a
 * key; the last one is the top-level seq of a canonical event (its keys are
 * sorted and no key after "seq" holds an object with a seq of its own). */
static int64_t find_seq(const char *p, size_t n, bool last)
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

/* ---- connections -------------------------------------------------------- */

enum role { R_VIEWER, R_CHAIR, R_PUB, R_CMD, R_LINK };
enum cstate { S_IDLE, S_CONNECTING, S_HANDSHAKE, S_OPEN, S_CLOSED };
/* States of the chunked-body decoder (SSE from nginx). */
enum { CK_SIZE, CK_EXT, CK_DATA, CK_DATA_CR };

typedef struct conn {
    int fd;
    uint8_t role, proto, state;
    bool chunked;     /** the SSE body comes in HTTP/1.1 chunks */
    uint8_t ck;       /** chunk decoder state */
    bool fragment;    /** inside a fragmented WebSocket message (skipped) */
    bool catching;    /** reconnected for catch-up, not caught up yet */
    bool counted;     /** counted in the worker's held clients */
    uint32_t ck_left; /** bytes left in the current chunk */
    int slot;         /** viewer: index in the shared arrays; commander: its number */
    uint32_t round;   /** broadcast round this client last reached */
    int64_t seq;      /** last event seen */
    int64_t since;    /** subscribe after this seq (Gavel), -1: from a snapshot */
    int64_t t_start;  /** catch-up: when the reconnect began */
    char *in;         /** bytes of a message not complete yet */
    uint32_t in_len, in_cap;
    char *out; /** bytes the socket has not taken yet */
    uint32_t out_len, out_cap;
    /* commanders */
    uint32_t sent, answered;
    int64_t *due; /** due time of each command in flight, a ring of WINDOW_MAX */
} conn;

/* Counters a worker keeps in memory shared with the controller. */
typedef struct wstat {
    _Atomic long held;      /** open now */
    _Atomic long failed;    /** could not connect, or refused */
    _Atomic long done;      /** attempts finished (held or failed) */
    _Atomic long lost;      /** closed by the server after opening */
    _Atomic long resyncs;   /** told to fetch a snapshot (cut off) */
    _Atomic long gaps;      /** events missing from a client's sequence */
    _Atomic long snapshots; /** snapshots received */
    char first_error[200];  /** what the first refusal said */
} wstat;

/* Messages between the controller and a worker. */
enum { W_READY = 1, W_WAIT, W_WAITING, W_GOT, W_CATCHUP, W_CAUGHT, W_QUIT };
typedef struct wmsg {
    int32_t kind, count;
    int64_t seq, head, deadline_us;
} wmsg;

typedef struct sample_set {
    double *v; /** milliseconds */
    size_t n, cap;
} sample_set;

typedef struct lg {
    options o;
    int ep;
    char *rbuf;
    bool worker;
    int wid;
    /* viewers (worker) */
    conn *viewers;
    int v_first, v_count, next_open, opening;
    wstat *st, *stats; /** this worker's counters; all of them (controller) */
    int64_t *recv_us;  /** shared: when each client reached the round's event */
    int64_t *catch_us; /** shared: how long each catch-up took */
    uint32_t round;
    int64_t target, deadline;
    long reached;
    bool ready_sent;
    int64_t catch_head, catch_deadline;
    int catch_want, catch_done, catch_failed;
    bool catch_active;
    conn link;
    /* controller */
    conn *links;
    pid_t *kids;
    int procs;
    int ready, waiting, got, caught;
    long got_count, caught_count;
    conn chair, pub;
    conn *cmds;
    int n_cmds;
    int64_t head;      /** Gavel: last seq the controller knows of */
    int chair_answers; /** acks and errors received by the chair */
    int chair_errors;
    char chair_error[300];
    bool pub_answered;
    int pub_status;
    uint64_t acks, cmd_errors;
    char cmd_error[300];
    sample_set *cmd_lat; /** where commanders' latencies go now */
    int64_t max_acked;   /** highest last_seq in a commander's acknowledgement */
    /* request templates */
    char host[32];
} lg;

static void set_events(lg *g, conn *c, uint32_t ev)
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
static void conn_send(lg *g, conn *c, const void *data, size_t n)
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
static void ws_send(lg *g, conn *c, int opcode, const void *data, size_t n)
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

static void conn_close(lg *g, conn *c)
{
    if (c->fd >= 0) {
        epoll_ctl(g->ep, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
    }
    c->fd = -1;
    c->state = S_CLOSED;
    buf_free(&c->in, &c->in_len, &c->in_cap);
    buf_free(&c->out, &c->out_len, &c->out_cap);
}

/* Starts a non-blocking connect from source address `src`. Returns 0 or -1. */
static int conn_start(lg *g, conn *c, uint32_t src)
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
    struct sockaddr_in d = {.sin_family = AF_INET, .sin_port = htons((uint16_t)g->o.port)};
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

/* The request that opens the connection, by role and transport. */
static int build_request(lg *g, const conn *c, char *buf, size_t size)
{
    const options *o = &g->o;
    if (o->target == T_NCHAN) {
        if (c->proto == P_WS)
            return snprintf(buf, size,
                            "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
                            "Connection: Upgrade\r\nSec-WebSocket-Key: " WS_KEY "\r\n"
                            "Sec-WebSocket-Version: 13\r\n\r\n",
                            o->sub_path, g->host);
        return snprintf(buf, size,
                        "GET %s HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\n\r\n",
                        o->sub_path, g->host);
    }
    const char *token = c->role == R_CHAIR ? o->chair_token
                        : c->role == R_CMD ? o->participant_token
                                           : o->viewer_token;
    char as[96] = "", since[40] = "";
    if (c->role == R_CMD) {
        char person[64];
        snprintf(person, sizeof person, o->person_fmt, c->slot + 1);
        snprintf(as, sizeof as, "%sas=%s", c->since >= 0 ? "&" : "?", person);
    }
    if (c->proto == P_SSE) {
        if (c->since >= 0)
            snprintf(since, sizeof since, "Last-Event-ID: %lld\r\n", (long long)c->since);
        return snprintf(buf, size,
                        "GET /api/v1/meetings/%s/events HTTP/1.1\r\nHost: %s\r\n"
                        "Accept: text/event-stream\r\nAuthorization: Bearer %s\r\n%s\r\n",
                        o->meeting, g->host, token, since);
    }
    if (c->since >= 0)
        snprintf(since, sizeof since, "?since=%lld", (long long)c->since);
    return snprintf(buf, size,
                    "GET /api/v1/meetings/%s/ws%s%s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\n"
                    "Connection: Upgrade\r\nSec-WebSocket-Key: " WS_KEY "\r\n"
                    "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: gavel.v1\r\n"
                    "Authorization: Bearer %s\r\n\r\n",
                    o->meeting, since, as, g->host, token);
}

/* ---- what each role does with what it receives --------------------------- */

static void viewer_event(lg *g, conn *c, int64_t seq, bool snapshot)
{
    if (seq <= c->seq)
        return;
    if (snapshot)
        atomic_fetch_add(&g->st->snapshots, 1);
    else if (c->seq > 0 && seq > c->seq + 1)
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

static void viewer_lost(lg *g, conn *c, bool resync)
{
    if (resync)
        atomic_fetch_add(&g->st->resyncs, 1);
    if (c->counted) {
        atomic_fetch_sub(&g->st->held, 1);
        atomic_fetch_add(&g->st->lost, 1);
        c->counted = false;
    }
    if (c->catching) {
        c->catching = false;
        g->catch_failed++;
    }
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

static void sample_add(sample_set *s, double ms)
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
        if (g->cmd_lat)
            sample_add(g->cmd_lat, (double)(now_us() - due) / 1000.0);
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
    if (g->o.target == T_NCHAN) {
        int64_t s = find_seq(p, n, false);
        if (s > 0)
            viewer_event(g, c, s, false);
    } else if (starts(p, n, "{\"type\":\"event\"")) {
        viewer_event(g, c, find_seq(p, n, true), false);
    } else if (starts(p, n, "{\"type\":\"snapshot\"")) {
        viewer_event(g, c, find_seq(p, n, false), true);
    } else if (starts(p, n, "{\"type\":\"resync\"")) {
        viewer_lost(g, c, true);
    }
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
        case 0x0: /* continuation: only snapshots are ever long enough to be split */
            if (fin)
                c->fragment = false;
            break;
        case 0x1:
        case 0x2:
            if (!fin)
                c->fragment = true;
            else
                ws_message(g, c, pl, (size_t)len);
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
    bool message = name_len == 7 && memcmp(name, "message", 7) == 0;
    if (g->o.target == T_NCHAN) {
        int64_t s = data ? find_seq(data, data_len, false) : -1;
        if (message && s > 0)
            viewer_event(g, c, s, false);
        return;
    }
    if (message && id)
        viewer_event(g, c, strtoll(id, NULL, 10), false);
    else if (name_len == 8 && memcmp(name, "snapshot", 8) == 0 && id)
        viewer_event(g, c, strtoll(id, NULL, 10), true);
    else if (name_len == 6 && memcmp(name, "resync", 6) == 0)
        viewer_lost(g, c, true);
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

static void conn_fail(lg *g, conn *c, const char *why);
static void conn_opened(lg *g, conn *c);

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
                viewer_lost(g, c, false);
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
    if (c->state == S_CONNECTING) {
        int err = 0;
        socklen_t el = sizeof err;
        getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el);
        if (err || (ev & (EPOLLERR | EPOLLHUP))) {
            conn_fail(g, c, strerror(err ? err : ECONNRESET));
            return;
        }
        if (c->proto == P_HTTP) { /* publisher and HTTP commanders: no handshake */
            c->state = S_OPEN;
            set_events(g, c, EPOLLIN);
            conn_opened(g, c);
            return;
        }
        char req[1024];
        int n = build_request(g, c, req, sizeof req);
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
                viewer_lost(g, c, false);
            else if (c->role == R_CHAIR || c->role == R_PUB)
                die("the server closed the %s's connection",
                    c->role == R_CHAIR ? "chair" : "publisher");
            conn_close(g, c);
            return;
        }
        feed(g, c, g->rbuf, (size_t)n);
    }
}

/* ---- workers ------------------------------------------------------------ */

static void conn_fail(lg *g, conn *c, const char *why)
{
    if (c->role != R_VIEWER)
        die("%s connection failed: %s",
            c->role == R_CHAIR ? "the chair's"
            : c->role == R_PUB ? "the publisher's"
                               : "a commander's",
            why);
    if (c->catching) {
        c->catching = false;
        g->catch_failed++;
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
    if (!c->catching) {
        atomic_fetch_add(&g->st->done, 1);
        g->opening--;
    }
}

static void link_send(int fd, int kind, int count, int64_t seq, int64_t head, int64_t deadline)
{
    wmsg m = {.kind = kind, .count = count, .seq = seq, .head = head, .deadline_us = deadline};
    if (send(fd, &m, sizeof m, MSG_NOSIGNAL) != (ssize_t)sizeof m)
        die("the link between processes broke: %s", strerror(errno));
}

static void viewer_open(lg *g, conn *c)
{
    uint32_t src = source_addr(1, c->slot / g->o.per_addr);
    if (conn_start(g, c, src) < 0) {
        if (c->catching) {
            c->catching = false;
            g->catch_failed++;
        } else {
            if (!atomic_load(&g->st->failed))
                snprintf(g->st->first_error, sizeof g->st->first_error, "connect: %s",
                         strerror(errno));
            atomic_fetch_add(&g->st->failed, 1);
            atomic_fetch_add(&g->st->done, 1);
        }
        return;
    }
    if (!c->catching)
        g->opening++;
}

static void ramp(lg *g)
{
    while (g->opening < g->o.ramp_window && g->next_open < g->v_count)
        viewer_open(g, &g->viewers[g->next_open++]);
}

/* Reconnects `want` of this worker's clients, spread over its share, with
 * since = head - behind; each is timed until it holds `head`. */
static void catch_start(lg *g, const wmsg *m)
{
    g->catch_head = m->head;
    g->catch_deadline = m->deadline_us;
    g->catch_want = g->catch_done = g->catch_failed = 0;
    g->catch_active = true;
    int want = m->count;
    if (want <= 0)
        return;
    int step = g->v_count / want > 0 ? g->v_count / want : 1;
    for (int i = 0; i < g->v_count && g->catch_want < want; i += step) {
        conn *c = &g->viewers[i];
        if (c->state != S_OPEN)
            continue;
        if (c->counted) {
            atomic_fetch_sub(&g->st->held, 1);
            c->counted = false;
        }
        conn_close(g, c);
        c->catching = true;
        c->seq = m->seq;
        c->since = m->seq;
        c->t_start = now_us();
        g->catch_us[c->slot] = -1;
        g->catch_want++;
        viewer_open(g, c);
    }
}

static void loop_once(lg *g, int64_t wait_us);

static void worker_link(lg *g)
{
    wmsg m;
    ssize_t n = recv(g->link.fd, &m, sizeof m, 0);
    if (n == 0)
        exit(0); /* the controller is gone */
    if (n != (ssize_t)sizeof m)
        return;
    switch (m.kind) {
    case W_WAIT:
        g->round++;
        g->target = m.seq;
        g->deadline = m.deadline_us;
        g->reached = 0;
        link_send(g->link.fd, W_WAITING, 0, m.seq, 0, 0);
        break;
    case W_CATCHUP:
        catch_start(g, &m);
        break;
    case W_QUIT:
        for (int i = 0; i < g->v_count; i++)
            conn_close(g, &g->viewers[i]);
        exit(0);
    default:
        break;
    }
}

static void worker_check(lg *g)
{
    ramp(g);
    if (!g->ready_sent && g->next_open == g->v_count && g->opening == 0) {
        g->ready_sent = true;
        link_send(g->link.fd, W_READY, 0, 0, 0, 0);
    }
    if (g->target != INT64_MAX &&
        (g->reached >= atomic_load(&g->st->held) || now_us() > g->deadline)) {
        link_send(g->link.fd, W_GOT, (int)g->reached, g->target, 0, 0);
        g->target = INT64_MAX; /* late arrivals of this round are not recorded */
    }
    if (g->catch_active &&
        (g->catch_done + g->catch_failed >= g->catch_want || now_us() > g->catch_deadline)) {
        link_send(g->link.fd, W_CAUGHT, g->catch_done, 0, 0, 0);
        g->catch_active = false;
    }
}

static void worker_main(lg *g)
{
    g->worker = true;
    g->target = INT64_MAX;
    g->ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event e = {.events = EPOLLIN, .data.ptr = &g->link};
    epoll_ctl(g->ep, EPOLL_CTL_ADD, g->link.fd, &e);
    for (;;) {
        loop_once(g, 2000);
        worker_check(g);
    }
}

/* ---- the loop ----------------------------------------------------------- */

static void controller_link(lg *g, conn *l);

static void loop_once(lg *g, int64_t wait_us)
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
}

/* ---- the controller ----------------------------------------------------- */

static void controller_link(lg *g, conn *l)
{
    wmsg m;
    ssize_t n = recv(l->fd, &m, sizeof m, 0);
    if (n == 0)
        die("worker %d ended early (see above)", l->slot);
    if (n != (ssize_t)sizeof m)
        return;
    switch (m.kind) {
    case W_READY:
        g->ready++;
        break;
    case W_WAITING:
        g->waiting++;
        break;
    case W_GOT:
        g->got++;
        g->got_count += m.count;
        break;
    case W_CAUGHT:
        g->caught++;
        g->caught_count += m.count;
        break;
    default:
        break;
    }
}

/* Runs the loop until *flag reaches want or the deadline passes: true if reached. */
static bool wait_for(lg *g, const int *flag, int want, int64_t deadline)
{
    while (*flag < want) {
        int64_t left = deadline - now_us();
        if (left <= 0)
            return false;
        loop_once(g, left < 100000 ? left : 100000);
    }
    return true;
}

static void pause_ms(lg *g, int ms)
{
    int64_t end = now_us() + (int64_t)ms * 1000;
    for (int64_t left; (left = end - now_us()) > 0;)
        loop_once(g, left);
}

static void broadcast_all(lg *g, int kind, int count, int64_t seq, int64_t head, int64_t deadline)
{
    for (int w = 0; w < g->procs; w++)
        link_send(g->links[w].fd, kind, count, seq, head, deadline);
}

static long sum_stat(lg *g, size_t offset)
{
    long s = 0;
    for (int w = 0; w < g->procs; w++)
        s += atomic_load((_Atomic long *)((char *)&g->stats[w] + offset));
    return s;
}
#define STAT(g, field) sum_stat(g, offsetof(wstat, field))

/* Server figures from /proc: resident memory (KiB) and CPU time (ms), summed over pids. */
static long proc_rss_kib(const options *o)
{
    long total = 0;
    for (int i = 0; i < o->n_pids; i++) {
        char path[64], line[256];
        snprintf(path, sizeof path, "/proc/%d/status", (int)o->pids[i]);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        while (fgets(line, sizeof line, f))
            if (strncmp(line, "VmRSS:", 6) == 0)
                total += strtol(line + 6, NULL, 10);
        fclose(f);
    }
    return total;
}

static double proc_cpu_ms(const options *o)
{
    double total = 0;
    long hz = sysconf(_SC_CLK_TCK);
    for (int i = 0; i < o->n_pids; i++) {
        char path[64], buf[1024];
        snprintf(path, sizeof path, "/proc/%d/stat", (int)o->pids[i]);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        const char *p = strrchr(buf, ')'); /* the command name may hold spaces */
        unsigned long ut = 0, stt = 0;
        if (p &&
            sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &stt) == 2)
            total += (double)(ut + stt) * 1000.0 / (double)hz;
    }
    return total;
}

/* Kernel memory of all TCP sockets (KiB), from /proc/net/sockstat. */
static long tcp_mem_kib(void)
{
    FILE *f = fopen("/proc/net/sockstat", "r");
    char line[256];
    long pages = -1;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        const char *m = strstr(line, " mem ");
        if (strncmp(line, "TCP:", 4) == 0 && m)
            pages = strtol(m + 5, NULL, 10);
    }
    fclose(f);
    return pages < 0 ? -1 : pages * (sysconf(_SC_PAGESIZE) / 1024);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct dist {
    size_t n;
    double p50, p99, max, mean;
} dist;

static dist summarize(sample_set *s)
{
    dist d = {.n = s->n};
    if (!s->n)
        return d;
    qsort(s->v, s->n, sizeof *s->v, cmp_double);
    double sum = 0;
    for (size_t i = 0; i < s->n; i++)
        sum += s->v[i];
    d.p50 = s->v[(size_t)ceil(0.50 * (double)s->n) - 1];
    d.p99 = s->v[(size_t)ceil(0.99 * (double)s->n) - 1];
    d.max = s->v[s->n - 1];
    d.mean = sum / (double)s->n;
    return d;
}

/* Opens a controller connection (chair, publisher, commander) and waits until it is open. */
static void open_control(lg *g, conn *c, int role, int proto, int slot, uint32_t src, int64_t since)
{
    memset(c, 0, sizeof *c);
    c->fd = -1;
    c->role = (uint8_t)role;
    c->proto = (uint8_t)proto;
    c->slot = slot;
    c->since = since;
    if (conn_start(g, c, src) < 0)
        die("cannot connect to 127.0.0.1:%d: %s", g->o.port, strerror(errno));
}

static void wait_open(lg *g, conn *c)
{
    int64_t deadline = now_us() + 10000000;
    while (c->state != S_OPEN) {
        if (now_us() > deadline)
            die("no answer from the server on 127.0.0.1:%d", g->o.port);
        loop_once(g, 100000);
    }
}

/* Sends a command as the chair; waits for its answer. Returns true if acknowledged. */
static bool chair_command(lg *g, const char *json)
{
    int before = g->chair_answers, errors = g->chair_errors;
    ws_send(g, &g->chair, 1, json, strlen(json));
    if (!wait_for(g, &g->chair_answers, before + 1, now_us() + 10000000))
        die("the chair's command %s got no answer", json);
    return g->chair_errors == errors;
}

typedef struct results {
    long held, failed, lost, resyncs, gaps, snapshots;
    double ramp_s;
    long rss_before, rss_held, tcp_before, tcp_held;
    int events, missed_events;
    long missed_deliveries;
    dist last, each, first; /** per event: the last client, every client, the first client */
    double cpu_ms_per_event;
    int catch_want;
    long catch_done;
    dist catchup;
    int commanders;
    double max_rate, max_seconds;
    dist max_lat;
    double rate, rate_sent;
    dist rate_lat;
    uint64_t cmd_acks, cmd_errors;
    int64_t committed;
} results;

/* Gavel only: the chair opens the meeting and starts the discussion (refusals
 * are fine: a reused database is already there), and the head is known. */
static void setup_gavel(lg *g)
{
    open_control(g, &g->chair, R_CHAIR, P_WS, 0, INADDR_LOOPBACK, -1);
    wait_open(g, &g->chair);
    /* The hello and the snapshot tell the head. */
    int64_t deadline = now_us() + 10000000;
    while (g->head == 0 && now_us() < deadline)
        loop_once(g, 100000);
    chair_command(g, "{\"type\":\"open_meeting\",\"id\":\"setup-1\"}");
    chair_command(g, "{\"type\":\"start_item\",\"item\":\"discussion\",\"id\":\"setup-2\"}");
    /* gq1 is current from here on (refused if it was already): the events
     * then alternate gq2, gq1, ..., each one a change. */
    chair_command(g, "{\"type\":\"set_guiding_question\",\"guiding_question\":\"gq1\","
                     "\"id\":\"setup-3\"}");
}

static void fork_workers(lg *g)
{
    int n = g->o.clients;
    g->links = calloc((size_t)g->procs, sizeof *g->links);
    g->kids = calloc((size_t)g->procs, sizeof *g->kids);
    for (int w = 0; w < g->procs; w++) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
            die("socketpair: %s", strerror(errno));
        int first = (int)((int64_t)n * w / g->procs), last = (int)((int64_t)n * (w + 1) / g->procs);
        pid_t pid = fork();
        if (pid < 0)
            die("fork: %s", strerror(errno));
        if (pid == 0) {
            close(sv[0]);
            /* The controller's sockets stay the controller's. */
            if (g->chair.fd >= 0)
                close(g->chair.fd);
            if (g->pub.fd >= 0)
                close(g->pub.fd);
            close(g->ep);
            for (int k = 0; k < w; k++)
                close(g->links[k].fd);
            g->wid = w;
            g->st = &g->stats[w];
            g->link = (conn){.fd = sv[1], .role = R_LINK, .slot = w};
            g->v_first = first;
            g->v_count = last - first;
            g->viewers = calloc((size_t)g->v_count, sizeof *g->viewers);
            for (int i = 0; i < g->v_count; i++) {
                conn *c = &g->viewers[i];
                c->fd = -1;
                c->role = R_VIEWER;
                c->proto = (uint8_t)g->o.proto;
                c->slot = first + i;
                c->since = g->o.target == T_GAVEL && !g->o.snapshot ? g->head : -1;
                c->seq = c->since > 0 ? c->since : 0;
            }
            worker_main(g);
        }
        close(sv[1]);
        g->kids[w] = pid;
        g->links[w] = (conn){.fd = sv[0], .role = R_LINK, .slot = w};
        struct epoll_event e = {.events = EPOLLIN, .data.ptr = &g->links[w]};
        epoll_ctl(g->ep, EPOLL_CTL_ADD, sv[0], &e);
    }
}

static void phase_hold(lg *g, results *r)
{
    r->rss_before = proc_rss_kib(&g->o);
    r->tcp_before = tcp_mem_kib();
    int64_t t0 = now_us(), deadline = t0 + (int64_t)g->o.ramp_timeout_s * 1000000;
    int64_t last_print = 0;
    while (g->ready < g->procs && now_us() < deadline) {
        loop_once(g, 100000);
        if (now_us() - last_print > 250000 || g->ready == g->procs) {
            last_print = now_us();
            fprintf(stderr, "\r  ramping: %ld of %d held, %ld failed, %.1f s   ", STAT(g, held),
                    g->o.clients, STAT(g, failed), (double)(now_us() - t0) / 1e6);
        }
    }
    r->ramp_s = (double)(now_us() - t0) / 1e6;
    fprintf(stderr, "\n");
    pause_ms(g, 500); /* let the server finish writing hellos */
    r->held = STAT(g, held);
    r->failed = STAT(g, failed);
    r->rss_held = proc_rss_kib(&g->o);
    r->tcp_held = tcp_mem_kib();
    if (r->failed) {
        for (int w = 0; w < g->procs; w++)
            if (g->stats[w].first_error[0]) {
                fprintf(stderr, "  first refusal: %s\n", g->stats[w].first_error);
                break;
            }
    }
}

/* Sends event k: the chair sets a guiding question, or the publisher posts. */
static void send_event(lg *g, int k, int64_t seq)
{
    char body[2048];
    if (g->o.target == T_GAVEL) {
        snprintf(body, sizeof body,
                 "{\"type\":\"set_guiding_question\",\"guiding_question\":\"gq%d\",\"id\":%d}",
                 2 - (k & 1), k);
        ws_send(g, &g->chair, 1, body, strlen(body));
        return;
    }
    /* About the size of Gavel's event frame, numbered the same way. */
    int n = snprintf(body, 1024,
                     "{\"seq\":%lld,\"type\":\"guiding_question_set\",\"at_ms\":1700000000000,"
                     "\"by\":\"chair\",\"guiding_question\":\"gq%d\",\"pad\":\"",
                     (long long)seq, 1 + (k & 1));
    while (n < g->o.payload_bytes - 2 && n < 1000)
        body[n++] = 'x';
    n += snprintf(body + n, 8, "\"}");
    char req[2400];
    int rl = snprintf(req, sizeof req,
                      "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\n"
                      "Content-Length: %d\r\n\r\n%s",
                      g->o.pub_path, g->host, n, body);
    g->pub_answered = false;
    conn_send(g, &g->pub, req, (size_t)rl);
}

static void phase_broadcast(lg *g, results *r)
{
    sample_set last = {0}, each = {0}, first = {0};
    int n = g->o.clients;
    double cpu0 = proc_cpu_ms(&g->o);
    int64_t seq = g->o.target == T_GAVEL ? g->head : 0;
    for (int k = 0; k < g->o.events; k++) {
        seq++;
        for (int i = 0; i < n; i++)
            g->recv_us[i] = 0;
        g->waiting = g->got = 0;
        g->got_count = 0;
        int64_t deadline = now_us() + (int64_t)g->o.event_timeout_ms * 1000;
        broadcast_all(g, W_WAIT, 0, seq, 0, deadline);
        if (!wait_for(g, &g->waiting, g->procs, now_us() + 10000000))
            die("the workers did not answer");
        int answers = g->chair_answers, errors = g->chair_errors;
        int64_t t0 = now_us();
        send_event(g, k, seq);
        /* Wait for every worker, or for the chair's refusal. */
        while (g->got < g->procs) {
            loop_once(g, 100000);
            if (g->o.target == T_GAVEL && g->chair_errors > errors)
                die("the chair's command was refused: %s", g->chair_error);
        }
        double worst = 0, best = 1e18;
        long got = 0;
        for (int i = 0; i < n; i++) {
            if (g->recv_us[i] <= 0)
                continue;
            double ms = (double)(g->recv_us[i] - t0) / 1000.0;
            sample_add(&each, ms);
            if (ms > worst)
                worst = ms;
            if (ms < best)
                best = ms;
            got++;
        }
        long live = STAT(g, held);
        if (got < live) {
            r->missed_events++;
            r->missed_deliveries += live - got;
        } else {
            sample_add(&last, worst);
            sample_add(&first, best);
        }
        if (g->o.target == T_GAVEL)
            wait_for(g, &g->chair_answers, answers + 1, now_us() + 10000000);
        else
            while (!g->pub_answered)
                loop_once(g, 100000);
        if (g->o.target == T_GAVEL && g->head != seq)
            die("the chair's event has seq %lld, not %lld: is someone else using the meeting?",
                (long long)g->head, (long long)seq);
        pause_ms(g, g->o.gap_ms);
    }
    double cpu1 = proc_cpu_ms(&g->o);
    r->events = g->o.events;
    r->cpu_ms_per_event = g->o.events ? (cpu1 - cpu0) / g->o.events : 0;
    r->last = summarize(&last);
    r->each = summarize(&each);
    r->first = summarize(&first);
    free(last.v);
    free(each.v);
    free(first.v);
}

static void phase_catchup(lg *g, results *r)
{
    if (g->o.target != T_GAVEL || g->o.catchup <= 0)
        return;
    int64_t head = g->head;
    int64_t since = head - g->o.catchup_behind;
    if (since < 1)
        since = 1;
    g->caught = 0;
    g->caught_count = 0;
    for (int i = 0; i < g->o.clients; i++)
        g->catch_us[i] = 0;
    int64_t deadline = now_us() + 30000000;
    for (int w = 0; w < g->procs; w++) {
        int share = g->o.catchup / g->procs + (w < g->o.catchup % g->procs);
        link_send(g->links[w].fd, W_CATCHUP, share, since, head, deadline);
    }
    wait_for(g, &g->caught, g->procs, deadline + 1000000);
    sample_set s = {0};
    for (int i = 0; i < g->o.clients; i++)
        if (g->catch_us[i] > 0)
            sample_add(&s, (double)g->catch_us[i] / 1000.0);
    r->catch_want = g->o.catchup;
    r->catch_done = g->caught_count;
    r->catchup = summarize(&s);
    free(s.v);
}

static void commander_send(lg *g, conn *c, int64_t due)
{
    char person[64], body[200], req[800];
    snprintf(person, sizeof person, g->o.person_fmt, c->slot + 1);
    int n = snprintf(body, sizeof body, "{\"type\":\"%s\",\"id\":%u}",
                     c->sent % 2 ? "leave" : "check_in", c->sent);
    c->due[c->sent % WINDOW_MAX] = due;
    c->sent++;
    if (c->proto == P_WS) {
        ws_send(g, c, 1, body, (size_t)n);
        return;
    }
    int rl = snprintf(req, sizeof req,
                      "POST /api/v1/meetings/%s/commands?as=%s HTTP/1.1\r\nHost: %s\r\n"
                      "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                      "Content-Length: %d\r\n\r\n%s",
                      g->o.meeting, person, g->host, g->o.participant_token, n, body);
    conn_send(g, c, req, (size_t)rl);
}

static int cmd_window(const lg *g)
{
    return g->o.cmd_proto == P_HTTP ? 1 : g->o.window;
}

static bool commanders_idle(const lg *g)
{
    for (int i = 0; i < g->n_cmds; i++)
        if (g->cmds[i].answered != g->cmds[i].sent)
            return false;
    return true;
}

static void drain_commands(lg *g)
{
    int64_t deadline = now_us() + 30000000;
    while (!commanders_idle(g) && now_us() < deadline)
        loop_once(g, 100000);
}

static void phase_commands(lg *g, results *r)
{
    const options *o = &g->o;
    if (o->target != T_GAVEL || o->commanders <= 0)
        return;
    int m = o->commanders, win = cmd_window(g);
    /* The chair would be one more reader of every event, and would be cut off
     * once it fell max_lag_events behind: it has done its part. */
    conn_close(g, &g->chair);
    g->n_cmds = m;
    g->cmds = calloc((size_t)m, sizeof *g->cmds);
    for (int i = 0; i < m; i++) {
        conn *c = &g->cmds[i];
        open_control(g, c, R_CMD, o->cmd_proto, i, source_addr(2, i / o->per_addr),
                     o->cmd_proto == P_WS ? g->head : -1);
        c->due = xmalloc(WINDOW_MAX * sizeof *c->due);
    }
    for (int i = 0; i < m; i++)
        wait_open(g, &g->cmds[i]);
    pause_ms(g, 200);
    int64_t seq0 = g->head;
    g->max_acked = seq0;
    r->commanders = m;

    /* As fast as answers come back: a window of `win` in flight each. */
    sample_set max_lat = {0};
    g->cmd_lat = &max_lat;
    g->acks = g->cmd_errors = 0;
    int64_t t0 = now_us(), stop = t0 + (int64_t)o->cmd_seconds * 1000000;
    for (int i = 0; i < m; i++)
        for (int k = 0; k < win; k++)
            commander_send(g, &g->cmds[i], now_us());
    while (now_us() < stop) {
        loop_once(g, 1000);
        int64_t t = now_us();
        for (int i = 0; i < m && t < stop; i++)
            while ((int)(g->cmds[i].sent - g->cmds[i].answered) < win)
                commander_send(g, &g->cmds[i], t);
    }
    drain_commands(g);
    double secs = (double)(now_us() - t0) / 1e6;
    r->max_rate = (double)g->acks / secs;
    r->max_seconds = secs;
    r->max_lat = summarize(&max_lat);
    uint64_t acks = g->acks, errors = g->cmd_errors;
    free(max_lat.v);

    /* At a fixed rate, timed from when each command was due. */
    double rate = o->rate > 0 ? o->rate : r->max_rate / 2;
    sample_set rate_lat = {0};
    g->cmd_lat = &rate_lat;
    g->acks = 0;
    int64_t period_ns = (int64_t)(1e9 / rate);
    int64_t start = now_us(), end = start + (int64_t)o->rate_seconds * 1000000;
    uint64_t next = 0, rr = 0;
    for (;;) {
        int64_t t = now_us();
        if (t >= end)
            break;
        for (;;) {
            int64_t due = start + (int64_t)(next * (uint64_t)period_ns / 1000);
            if (due > t || due >= end)
                break;
            int tried = 0;
            while (tried < m && (int)(g->cmds[rr % (uint64_t)m].sent -
                                      g->cmds[rr % (uint64_t)m].answered) >= win) {
                rr++;
                tried++;
            }
            if (tried == m)
                break; /* every window full: the command waits, its due time kept */
            commander_send(g, &g->cmds[rr % (uint64_t)m], due);
            rr++;
            next++;
        }
        int64_t due = start + (int64_t)(next * (uint64_t)period_ns / 1000);
        int64_t wait = due - now_us();
        loop_once(g, wait < 0 ? 0 : wait > 1000 ? 1000 : wait);
    }
    drain_commands(g);
    r->rate = rate;
    r->rate_sent = (double)next / ((double)(end - start) / 1e6);
    r->rate_lat = summarize(&rate_lat);
    free(rate_lat.v);
    g->cmd_lat = NULL;
    r->cmd_acks = acks + g->acks;
    r->cmd_errors = errors + g->cmd_errors;
    /* Each acknowledged command is one event: the acknowledgements' last seq
     * tells how many the log gained, to compare with their count. */
    r->committed = g->max_acked - seq0;
    for (int i = 0; i < m; i++) {
        conn_close(g, &g->cmds[i]);
        free(g->cmds[i].due);
    }
    free(g->cmds);
    g->cmds = NULL;
    g->n_cmds = 0;
}

/* ---- output ------------------------------------------------------------- */

static const char *proto_name(int p)
{
    return p == P_WS ? "ws" : p == P_SSE ? "sse" : "http";
}

static void print_dist_json(FILE *f, const char *name, const dist *d, bool comma)
{
    fprintf(f,
            "\"%s\":{\"n\":%zu,\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"max_ms\":%.3f,\"mean_ms\":%.3f}%s",
            name, d->n, d->p50, d->p99, d->max, d->mean, comma ? "," : "");
}

static void print_json(const lg *g, const results *r)
{
    const options *o = &g->o;
    FILE *f = stdout;
    double per_conn =
        r->held ? (double)(r->rss_held - r->rss_before) * 1024.0 / (double)r->held : 0;
    double tcp_per = r->held && r->tcp_before >= 0
                         ? (double)(r->tcp_held - r->tcp_before) * 1024.0 / (double)r->held
                         : 0;
    fprintf(f,
            "{\"label\":\"%s\",\"target\":\"%s\",\"transport\":\"%s\",\"clients\":%d,\"procs\":%d,",
            o->label ? o->label : "", o->target == T_GAVEL ? "gavel" : "nchan",
            proto_name(o->proto), o->clients, g->procs);
    fprintf(f,
            "\"hold\":{\"held\":%ld,\"failed\":%ld,\"ramp_s\":%.3f,\"rss_before_kib\":%ld,"
            "\"rss_held_kib\":%ld,\"rss_per_conn_bytes\":%.0f,\"kernel_tcp_per_conn_bytes\":%.0f,"
            "\"lost\":%ld,\"resyncs\":%ld,\"gaps\":%ld},",
            r->held, r->failed, r->ramp_s, r->rss_before, r->rss_held, per_conn, tcp_per, r->lost,
            r->resyncs, r->gaps);
    fprintf(f,
            "\"broadcast\":{\"events\":%d,\"missed_events\":%d,\"missed_deliveries\":%ld,"
            "\"server_cpu_ms_per_event\":%.3f,",
            r->events, r->missed_events, r->missed_deliveries, r->cpu_ms_per_event);
    print_dist_json(f, "last", &r->last, true);
    print_dist_json(f, "each", &r->each, true);
    print_dist_json(f, "first", &r->first, false);
    fprintf(f, "},\"catchup\":{\"clients\":%d,\"caught\":%ld,\"behind\":%d,", r->catch_want,
            r->catch_done, o->catchup_behind);
    print_dist_json(f, "time", &r->catchup, false);
    fprintf(f,
            "},\"commands\":{\"commanders\":%d,\"transport\":\"%s\",\"window\":%d,"
            "\"max_per_s\":%.1f,",
            r->commanders, proto_name(o->cmd_proto), cmd_window(g), r->max_rate);
    print_dist_json(f, "max_ack", &r->max_lat, true);
    fprintf(f, "\"rate_per_s\":%.1f,\"rate_sent_per_s\":%.1f,", r->rate, r->rate_sent);
    print_dist_json(f, "rate_ack", &r->rate_lat, true);
    fprintf(f, "\"acks\":%" PRIu64 ",\"errors\":%" PRIu64 ",\"committed\":%lld}}\n", r->cmd_acks,
            r->cmd_errors, (long long)r->committed);
}

static void print_table(const lg *g, const results *r)
{
    const options *o = &g->o;
    printf("\n%s, %s, %d clients (%d worker process%s, %d clients per source address)\n",
           o->target == T_GAVEL ? "Gavel" : "nginx + Nchan", o->proto == P_WS ? "WebSocket" : "SSE",
           o->clients, g->procs, g->procs > 1 ? "es" : "", o->per_addr);
    printf("  %-26s %ld of %d held, %ld failed, ramp %.2f s\n", "connections", r->held, o->clients,
           r->failed, r->ramp_s);
    if (o->n_pids) {
        double per = r->held ? (double)(r->rss_held - r->rss_before) * 1024.0 / (double)r->held : 0;
        printf("  %-26s RSS %.1f MiB -> %.1f MiB: %.0f bytes per connection", "server memory",
               (double)r->rss_before / 1024, (double)r->rss_held / 1024, per);
        if (r->tcp_before >= 0 && r->held)
            printf(" (kernel TCP: %.0f bytes per connection)",
                   (double)(r->tcp_held - r->tcp_before) * 1024.0 / (double)r->held);
        printf("\n");
    }
    if (r->events) {
        printf("  %-26s last client: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", "broadcast latency",
               r->last.p50, r->last.p99, r->last.max);
        printf("  %-26s each client: p50 %.2f ms, p99 %.2f ms (%zu deliveries)\n", "", r->each.p50,
               r->each.p99, r->each.n);
        printf("  %-26s first client: p50 %.2f ms, p99 %.2f ms\n", "", r->first.p50, r->first.p99);
        printf("  %-26s %d events, %d incomplete (%ld deliveries missing)", "", r->events,
               r->missed_events, r->missed_deliveries);
        if (o->n_pids)
            printf("; server CPU %.2f ms per event", r->cpu_ms_per_event);
        printf("\n");
    }
    if (r->lost || r->resyncs || r->gaps)
        printf("  %-26s %ld connections lost, %ld told to resync, %ld events missing\n", "trouble",
               r->lost, r->resyncs, r->gaps);
    if (r->catch_want)
        printf(
            "  %-26s %ld of %d clients %d events behind: p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
            "catch-up", r->catch_done, r->catch_want, o->catchup_behind, r->catchup.p50,
            r->catchup.p99, r->catchup.max);
    if (r->commanders) {
        printf("  %-26s %d %s clients, window %d: %.0f commands/s; ack p50 %.2f ms, p99 %.2f ms, "
               "max %.2f ms\n",
               "commands, flat out", r->commanders, o->cmd_proto == P_WS ? "WebSocket" : "HTTP",
               cmd_window(g), r->max_rate, r->max_lat.p50, r->max_lat.p99, r->max_lat.max);
        printf("  %-26s %.0f/s asked, %.0f/s sent: ack p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
               "commands, fixed rate", r->rate, r->rate_sent, r->rate_lat.p50, r->rate_lat.p99,
               r->rate_lat.max);
        printf("  %-26s %" PRIu64 " acknowledged, %" PRIu64 " refused, %lld events committed\n", "",
               r->cmd_acks, r->cmd_errors, (long long)r->committed);
    }
}

/* --check: what a correct server gives whatever its speed. */
static int check(const options *o, const results *r)
{
    int bad = 0;
#define EXPECT(cond, ...)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "gavel-loadgen: check failed: " __VA_ARGS__);                          \
            fputc('\n', stderr);                                                                   \
            bad = 1;                                                                               \
        }                                                                                          \
    } while (0)
    EXPECT(r->held == o->clients && r->failed == 0, "%ld of %d clients held, %ld failed", r->held,
           o->clients, r->failed);
    EXPECT(r->lost == 0 && r->resyncs == 0, "%ld connections lost, %ld cut off", r->lost,
           r->resyncs);
    EXPECT(r->gaps == 0, "%ld events missing from clients' sequences", r->gaps);
    EXPECT(r->missed_events == 0, "%d of %d events did not reach every client", r->missed_events,
           r->events);
    EXPECT(r->catch_done == r->catch_want, "%ld of %d clients caught up", r->catch_done,
           r->catch_want);
    EXPECT(r->cmd_errors == 0, "%" PRIu64 " commands refused", r->cmd_errors);
    EXPECT((int64_t)r->cmd_acks == r->committed, "%" PRIu64 " commands acknowledged, %lld events",
           r->cmd_acks, (long long)r->committed);
#undef EXPECT
    return bad;
}

/* ---- main --------------------------------------------------------------- */

static const char usage_text[] =
    "usage: gavel-loadgen --port PORT [options]\n"
    "  --target gavel|nchan       what is measured (default gavel)\n"
    "  --transport ws|sse         the clients' transport (default ws)\n"
    "  --clients N                clients to hold (default 1000)\n"
    "  --procs N                  worker processes (default: as the descriptor limit needs)\n"
    "  --per-addr N               clients per 127.1.x.y source address (default 200)\n"
    "  --ramp-window N            handshakes in flight at once (default 256)\n"
    "  --ramp-timeout S           give up ramping after S seconds (default 120)\n"
    "  --events N                 events broadcast one after the other (default 100)\n"
    "  --gap-ms MS                pause between events (default 20)\n"
    "  --event-timeout-ms MS      an event not everywhere by then is incomplete (default 10000)\n"
    "  --catchup N --behind E     N clients reconnect E events behind (default 100, 50)\n"
    "  --commanders M             clients sending commands (default 16; 0: none)\n"
    "  --cmd-transport ws|http    how they send them (default ws)\n"
    "  --window W                 commands in flight per WebSocket commander (default 8)\n"
    "  --cmd-seconds S            flat-out phase (default 3); --rate-seconds S (default 3)\n"
    "  --rate R                   fixed-rate phase, commands/s (default: half the flat-out rate)\n"
    "  --snapshot                 viewers start from a snapshot, not from the head\n"
    "Gavel: --meeting ID --viewer-token T --chair-token T --participant-token T\n"
    "       --person-fmt FMT (commander i acts as FMT % (i+1), default p%03d)\n"
    "Nchan: --sub-path PATH --pub-path PATH (default /sub, /pub), --payload-bytes N\n"
    "  --server-pid PID[,PID...]  processes whose memory and CPU are read from /proc\n"
    "  --label TEXT --json --max-seconds S (default 600: the run ends by then)\n"
    "  --check                    exit 1 unless every client was held and got every event in\n"
    "                             order, and every acknowledged command is a stored event\n";

static int int_arg(const char *name, const char *v, int min, int max)
{
    char *end;
    long n = strtol(v, &end, 10);
    if (*v == '\0' || *end || n < min || n > max)
        die("%s wants a whole number from %d to %d, not \"%s\"", name, min, max, v);
    return (int)n;
}

static void parse_options(options *o, int argc, char **argv)
{
    enum {
        O_TARGET = 1,
        O_TRANSPORT,
        O_PORT,
        O_CLIENTS,
        O_PROCS,
        O_PER_ADDR,
        O_RAMP_WINDOW,
        O_RAMP_TIMEOUT,
        O_EVENTS,
        O_GAP,
        O_EVENT_TIMEOUT,
        O_CATCHUP,
        O_BEHIND,
        O_COMMANDERS,
        O_CMD_TRANSPORT,
        O_WINDOW,
        O_CMD_SECONDS,
        O_RATE_SECONDS,
        O_RATE,
        O_SNAPSHOT,
        O_MEETING,
        O_VIEWER,
        O_CHAIR,
        O_PARTICIPANT,
        O_PERSON_FMT,
        O_SUB,
        O_PUB,
        O_PAYLOAD,
        O_PID,
        O_LABEL,
        O_JSON,
        O_CHECK,
        O_MAX_SECONDS,
        O_HELP
    };
    static const struct option opts[] = {
        {"target", required_argument, 0, O_TARGET},
        {"transport", required_argument, 0, O_TRANSPORT},
        {"port", required_argument, 0, O_PORT},
        {"clients", required_argument, 0, O_CLIENTS},
        {"procs", required_argument, 0, O_PROCS},
        {"per-addr", required_argument, 0, O_PER_ADDR},
        {"ramp-window", required_argument, 0, O_RAMP_WINDOW},
        {"ramp-timeout", required_argument, 0, O_RAMP_TIMEOUT},
        {"events", required_argument, 0, O_EVENTS},
        {"gap-ms", required_argument, 0, O_GAP},
        {"event-timeout-ms", required_argument, 0, O_EVENT_TIMEOUT},
        {"catchup", required_argument, 0, O_CATCHUP},
        {"behind", required_argument, 0, O_BEHIND},
        {"commanders", required_argument, 0, O_COMMANDERS},
        {"cmd-transport", required_argument, 0, O_CMD_TRANSPORT},
        {"window", required_argument, 0, O_WINDOW},
        {"cmd-seconds", required_argument, 0, O_CMD_SECONDS},
        {"rate-seconds", required_argument, 0, O_RATE_SECONDS},
        {"rate", required_argument, 0, O_RATE},
        {"snapshot", no_argument, 0, O_SNAPSHOT},
        {"meeting", required_argument, 0, O_MEETING},
        {"viewer-token", required_argument, 0, O_VIEWER},
        {"chair-token", required_argument, 0, O_CHAIR},
        {"participant-token", required_argument, 0, O_PARTICIPANT},
        {"person-fmt", required_argument, 0, O_PERSON_FMT},
        {"sub-path", required_argument, 0, O_SUB},
        {"pub-path", required_argument, 0, O_PUB},
        {"payload-bytes", required_argument, 0, O_PAYLOAD},
        {"server-pid", required_argument, 0, O_PID},
        {"label", required_argument, 0, O_LABEL},
        {"json", no_argument, 0, O_JSON},
        {"check", no_argument, 0, O_CHECK},
        {"max-seconds", required_argument, 0, O_MAX_SECONDS},
        {"help", no_argument, 0, O_HELP},
        {0, 0, 0, 0},
    };
    *o = (options){
        .target = T_GAVEL,
        .proto = P_WS,
        .cmd_proto = P_WS,
        .person_fmt = "p%03d",
        .sub_path = "/sub",
        .pub_path = "/pub",
        .clients = 1000,
        .per_addr = 200,
        .ramp_window = 256,
        .ramp_timeout_s = 120,
        .events = 100,
        .gap_ms = 20,
        .event_timeout_ms = 10000,
        .catchup = 100,
        .catchup_behind = 50,
        .commanders = 16,
        .window = 8,
        .cmd_seconds = 3,
        .rate_seconds = 3,
        .payload_bytes = 120,
        .max_seconds = 600,
    };
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case O_TARGET:
            if (strcmp(optarg, "gavel") && strcmp(optarg, "nchan"))
                die("--target is gavel or nchan");
            o->target = strcmp(optarg, "gavel") ? T_NCHAN : T_GAVEL;
            break;
        case O_TRANSPORT:
            if (strcmp(optarg, "ws") && strcmp(optarg, "sse"))
                die("--transport is ws or sse");
            o->proto = strcmp(optarg, "ws") ? P_SSE : P_WS;
            break;
        case O_CMD_TRANSPORT:
            if (strcmp(optarg, "ws") && strcmp(optarg, "http"))
                die("--cmd-transport is ws or http");
            o->cmd_proto = strcmp(optarg, "ws") ? P_HTTP : P_WS;
            break;
        case O_PORT:
            o->port = int_arg("--port", optarg, 1, 65535);
            break;
        case O_CLIENTS:
            o->clients = int_arg("--clients", optarg, 1, 1000000);
            break;
        case O_PROCS:
            o->procs = int_arg("--procs", optarg, 1, 64);
            break;
        case O_PER_ADDR:
            o->per_addr = int_arg("--per-addr", optarg, 1, 60000);
            break;
        case O_RAMP_WINDOW:
            o->ramp_window = int_arg("--ramp-window", optarg, 1, 100000);
            break;
        case O_RAMP_TIMEOUT:
            o->ramp_timeout_s = int_arg("--ramp-timeout", optarg, 1, 3600);
            break;
        case O_EVENTS:
            o->events = int_arg("--events", optarg, 0, 1000000);
            break;
        case O_GAP:
            o->gap_ms = int_arg("--gap-ms", optarg, 0, 60000);
            break;
        case O_EVENT_TIMEOUT:
            o->event_timeout_ms = int_arg("--event-timeout-ms", optarg, 1, 600000);
            break;
        case O_CATCHUP:
            o->catchup = int_arg("--catchup", optarg, 0, 1000000);
            break;
        case O_BEHIND:
            o->catchup_behind = int_arg("--behind", optarg, 1, 10000000);
            break;
        case O_COMMANDERS:
            o->commanders = int_arg("--commanders", optarg, 0, 5000);
            break;
        case O_WINDOW:
            o->window = int_arg("--window", optarg, 1, WINDOW_MAX);
            break;
        case O_CMD_SECONDS:
            o->cmd_seconds = int_arg("--cmd-seconds", optarg, 1, 600);
            break;
        case O_RATE_SECONDS:
            o->rate_seconds = int_arg("--rate-seconds", optarg, 1, 600);
            break;
        case O_RATE:
            o->rate = strtod(optarg, NULL);
            if (!(o->rate > 0 && o->rate < 1e7))
                die("--rate wants commands per second, more than 0");
            break;
        case O_SNAPSHOT:
            o->snapshot = true;
            break;
        case O_MEETING:
            o->meeting = optarg;
            break;
        case O_VIEWER:
            o->viewer_token = optarg;
            break;
        case O_CHAIR:
            o->chair_token = optarg;
            break;
        case O_PARTICIPANT:
            o->participant_token = optarg;
            break;
        case O_PERSON_FMT:
            o->person_fmt = optarg;
            break;
        case O_SUB:
            o->sub_path = optarg;
            break;
        case O_PUB:
            o->pub_path = optarg;
            break;
        case O_PAYLOAD:
            o->payload_bytes = int_arg("--payload-bytes", optarg, 16, 1000);
            break;
        case O_PID:
            for (char *p = optarg; *p && o->n_pids < 16;) {
                o->pids[o->n_pids++] = (pid_t)strtol(p, &p, 10);
                if (*p == ',')
                    p++;
                else if (*p)
                    die("--server-pid wants PID[,PID...]");
            }
            break;
        case O_LABEL:
            o->label = optarg;
            break;
        case O_JSON:
            o->json = true;
            break;
        case O_CHECK:
            o->check = true;
            break;
        case O_MAX_SECONDS:
            o->max_seconds = int_arg("--max-seconds", optarg, 1, 86400);
            break;
        case O_HELP:
            fputs(usage_text, stdout);
            exit(0);
        default:
            fputs(usage_text, stderr);
            exit(2);
        }
    }
    if (optind < argc || !o->port) {
        fputs(usage_text, stderr);
        exit(2);
    }
    if (o->target == T_GAVEL && (!o->meeting || !o->viewer_token || !o->chair_token ||
                                 (o->commanders && !o->participant_token)))
        die("Gavel needs --meeting, --viewer-token, --chair-token and, with commanders, "
            "--participant-token");
    if (o->target == T_NCHAN)
        o->commanders = o->catchup = 0; /* Nchan stores nothing: only the broadcast compares */
}

int main(int argc, char **argv)
{
    lg *g = calloc(1, sizeof *g);
    if (!g)
        die("out of memory");
    parse_options(&g->o, argc, argv);
    const options *o = &g->o;
    signal(SIGPIPE, SIG_IGN);
    /* Every process of the run ends by then, whatever it waits for. */
    alarm((unsigned)o->max_seconds);

    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    long per_proc = (long)rl.rlim_cur - 64;
    g->procs = o->procs ? o->procs : (int)((o->clients + per_proc - 1) / per_proc);
    if ((long)o->clients / g->procs + 1 > per_proc)
        die("%d clients in %d processes: more than the %ld descriptors a process may open",
            o->clients, g->procs, per_proc);

    snprintf(g->host, sizeof g->host, "127.0.0.1:%d", o->port);
    g->rbuf = xmalloc(READ_BUF);
    g->ep = epoll_create1(EPOLL_CLOEXEC);
    g->chair.fd = g->pub.fd = -1;
    size_t shared_bytes =
        (size_t)g->procs * sizeof(wstat) + 2 * (size_t)o->clients * sizeof(int64_t);
    char *shm = mmap(NULL, shared_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shm == MAP_FAILED)
        die("mmap: %s", strerror(errno));
    g->stats = (wstat *)shm;
    g->recv_us = (int64_t *)(shm + (size_t)g->procs * sizeof(wstat));
    g->catch_us = g->recv_us + o->clients;

    if (o->target == T_GAVEL) {
        setup_gavel(g);
    } else {
        open_control(g, &g->pub, R_PUB, P_HTTP, 0, INADDR_LOOPBACK, -1);
        wait_open(g, &g->pub);
    }
    fprintf(stderr, "gavel-loadgen: %s, %s, %d clients on 127.0.0.1:%d, %d worker process%s\n",
            o->target == T_GAVEL ? "Gavel" : "Nchan", o->proto == P_WS ? "WebSocket" : "SSE",
            o->clients, o->port, g->procs, g->procs > 1 ? "es" : "");
    fork_workers(g);

    results r = {0};
    phase_hold(g, &r);
    if (o->events)
        fprintf(stderr, "  broadcasting %d events\n", o->events);
    phase_broadcast(g, &r);
    if (o->target == T_GAVEL && o->catchup)
        fprintf(stderr, "  catch-up: %d clients\n", o->catchup);
    phase_catchup(g, &r);
    r.lost = STAT(g, lost);
    r.resyncs = STAT(g, resyncs);
    r.gaps = STAT(g, gaps);
    r.snapshots = STAT(g, snapshots);
    broadcast_all(g, W_QUIT, 0, 0, 0, 0);
    for (int w = 0; w < g->procs; w++) {
        waitpid(g->kids[w], NULL, 0);
        epoll_ctl(g->ep, EPOLL_CTL_DEL, g->links[w].fd, NULL);
        close(g->links[w].fd);
    }
    if (o->target == T_GAVEL && o->commanders)
        fprintf(stderr, "  commands: %d clients\n", o->commanders);
    phase_commands(g, &r);
    if (o->json)
        print_json(g, &r);
    else
        print_table(g, &r);
    return o->check ? check(o, &r) : 0;
}
