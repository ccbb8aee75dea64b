/*
 * The server: the lws context and its vhost, the one event loop, signals,
 * the periodic tick and the orderly stop.
 *
 * The loop is libev's on epoll, which lws drives as a foreign loop
 * (docs/decisions/0010-the-stream-write-path.md): waiting costs nothing per
 * connection, where lws's own poll() loop scanned every descriptor on every
 * wait (15% of the server's time and most of the first reader's wait at
 * 10,000 readers). Readers are written without asking lws for writeable
 * callbacks (client_write.c), so the loop changes no interest per reader
 * and event.
 *
 * The tick is a libev timer of ours, not an lws timer: lws's libev glue
 * arms its one timer only from an idle watcher, which never runs while a
 * descriptor stays readable, and a closed SSE peer's does (libev hands lws
 * the hang-up as readable, and lws does not read a response it is still
 * sending). hangup.c closes such streams as soon as their peer closes; the
 * tick's peek (peer_closed) remains for those it does not watch, and closes them at
 * once rather than through an lws timeout, which could wait on that timer.
 * A do-nothing lws timer every tick keeps lws's own timer running, so that
 * lws's timeouts (e.g. LWS_TO_KILL_ASYNC) fire within a tick.
 *
 * Threads: the loop thread runs gv_server_run and owns everything; the
 * store's writer thread commits (storage.c); the job thread renders records
 * and loads definitions (jobs.c); the links writer writes invitation links
 * (route_links.c); a signal thread waits for SIGTERM and SIGINT (blocked
 * everywhere else, so no handler ever runs on another thread's stack). Each
 * wakes the loop with lws_cancel_service; the wake-up arrives as
 * LWS_CALLBACK_EVENT_WAIT_CANCELLED at loop_callback, and wake() polls every
 * one of them. The commits a wake-up applied are settled (their patches
 * made, their readers written) at its end, or, when they owe HTTP answers,
 * in the loop's next turn once those are written (settle.c).
 *
 * Stopping (states of s->stopping and friends):
 *   running --stop requested--> stopping: new connections are closed as
 *     soon as they are accepted (loop_callback, FILTER_NETWORK_CONNECTION;
 *     lws 4.1's lws_context_deprecate, which would close the listening socket,
 *     uses the socket's memory after freeing it), new commands are refused
 *     (busy), commits in flight finish and are acknowledged and broadcast;
 *   once nothing is in flight, every stream is closed cleanly (queued frames
 *     first; WebSocket close 1001);
 *   done when no stream is left or shutdown_grace_ms has passed; then
 *     gv_server_run returns 0.
 */
#define _GNU_SOURCE
#include "server/server_internal.h"
#include "store/replay.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <stdint.h>
#include <time.h>

#include <ev.h>

#include "server/auth.h"
#include "server/bus.h"
#include "server/client.h"
#include "server/follow.h"
#include "server/headers.h"
#include "server/http.h"
#include "server/jobs.h"
#include "server/limits.h"
#include "server/logging.h"
#include "server/room.h"
#include "server/routes.h"
#include "server/settle.h"
#include "server/storage.h"
#include "server/links.h"
#include "server/ws.h"

#define TICK_US 250000
/* SSE peers are checked for a close every this many ticks (1 s). */
#define PEEK_EVERY_TICKS 4
/* An SSE stream with nothing to say for this long gets a "ping" event: the
 * page counts it as a sign of life and gives up a silent stream after about
 * twice this (web/js/client.js), so a dead network shows within seconds. */
#define SSE_PING_US 3000000

/* How far the test clock moved the server's time ahead of the wall clock
 * (gv__clock_set, route_clock.c), in ms; 0 outside tests. Read by every
 * thread that asks the time, written only on the loop thread. */
static _Atomic int64_t clock_ahead_ms;

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t gv__now_ms(void)
{
    return wall_ms() + atomic_load(&clock_ahead_ms);
}

int gv__clock_set(int64_t now_ms)
{
    int64_t wall = wall_ms();
    if (now_ms < wall + atomic_load(&clock_ahead_ms))
        return GV_ESTATE;
    atomic_store(&clock_ahead_ms, now_ms - wall);
    return 0;
}

int64_t gv__mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void gv__server_wake(void *ud)
{
    struct gv_server *s = ud;
    lws_cancel_service(s->ctx);
}

void gv_server_config_init(gv_server_config *c)
{
    memset(c, 0, sizeof *c);
    c->db_path = "gavel.db";
    c->listen_addr = "127.0.0.1";
    c->port = 8080;
    c->max_message_bytes = 16 * 1024;
    c->commands_per_second = 10;
    c->command_burst = 30;
    /* A venue's Wi-Fi puts a room of hundreds, a phone and a laptop each,
     * behind one address. */
    c->max_streams_per_addr = 1024;
    c->max_streams = 20000;
    c->idle_timeout_s = 30;
    c->max_lag_events = 1024;
    c->snapshot_every = GV_SNAPSHOT_EVERY;
    c->shutdown_grace_ms = 5000;
}

static struct lws_protocols protocols[3];

/* permessage-deflate (RFC 7692): lws agrees to it and inflates what clients
 * send; what the server sends it compresses itself (frame.c), once a message. */
static const struct lws_extension extensions[] = {
    {"permessage-deflate", lws_extension_callback_pm_deflate,
     "permessage-deflate; client_max_window_bits"},
    {NULL, NULL, NULL},
};

static void wake(gv_server *s);

/*
 * Every thread of the server besides the loop and the signal thread, each a
 * worker (work/worker.h) that wakes the loop with lws_cancel_service, in the
 * order they stop: the job thread first (a job may wait for a commit; DROP),
 * the links writer (DRAIN), the bus's inbox (DROP; NATS's own threads stop
 * with it), the log reader (DROP), the storage writer last (DRAIN). Each stops
 * before the context goes, since it wakes the loop through it, and is freed
 * after, once the connections its leftovers would have answered are gone.
 */
static const struct thread_part {
    void (*poll)(gv_server *s); /** its finished work, on the loop thread */
    void (*stop)(gv_server *s); /** its rule for what waits, then join */
    void (*free)(gv_server *s); /** what is left, and its state */
} threads[] = {
    {gv__jobs_poll, gv__jobs_stop, gv__jobs_free},
    {gv__links_writer_poll, gv__links_writer_stop, gv__links_writer_free},
    {gv__bus_poll, gv__bus_stop, gv__bus_free},
    {gv__follow_poll, gv__follow_stop, gv__follow_free},
    {gv__storage_poll, gv__storage_stop, gv__storage_close},
};
#define N_THREADS (sizeof threads / sizeof threads[0])

/*
 * The callback of the first protocol, which lws also calls for what
 * concerns the loop rather than a request: a wake-up from another thread
 * (EVENT_WAIT_CANCELLED, after lws_cancel_service) and a new connection
 * (FILTER_NETWORK_CONNECTION). The rest is HTTP's (http.c).
 */
static int loop_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                         size_t len)
{
    gv_server *s;
    switch (reason) {
    case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
        s = gv__server_of(wsi);
        if (s)
            wake(s);
        return 0;
    case LWS_CALLBACK_FILTER_NETWORK_CONNECTION: {
        /* Stopping: accept nothing new (the connection is closed at once). */
        s = gv__server_of(wsi);
        if (s && s->stopping)
            return -1;
        /* Bound what the kernel holds for a reader that stops reading: the
         * server's own bound (max_lag_events) then notices it. */
        int fd = (int)(intptr_t)in, size = GV__SOCKET_SEND_BUFFER_BYTES;
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
        return 0;
    }
    default:
        return gv__http_callback(wsi, reason, user, in, len);
    }
}

static void init_protocols(void)
{
    protocols[0] = (struct lws_protocols){
        .name = "http",
        .callback = loop_callback,
        .per_session_data_size = gv__http_pss_size,
        .tx_packet_size = GV__WRITE_CHUNK,
    };
    protocols[1] = (struct lws_protocols){
        .name = GV__WS_PROTOCOL,
        .callback = gv__ws_callback,
        .per_session_data_size = gv__ws_pss_size,
        .rx_buffer_size = 1024, /* per connection; larger messages arrive in pieces (ws.c) */
        .tx_packet_size = GV__WRITE_CHUNK + 16, /* a chunk and its frame header */
    };
    protocols[2] = (struct lws_protocols){0};
}

static char *dup_or_null(const char *s, bool *failed)
{
    char *d = s ? strdup(s) : NULL;
    if (s && !d)
        *failed = true;
    return d;
}

/*
 * Open files: the soft limit is raised to the hard one, and the streams held
 * at once are kept a reserve below it. Without the reserve the process runs
 * out of descriptors with streams alone; then accept() fails on every turn of
 * the loop while the handshakes wait in the backlog, and the loop spins (see
 * docs/performance.md, "100,000 viewers"). The reserve is for the database,
 * the threads' pipes and the short HTTP requests (pages, snapshots, commands).
 */
static void fit_descriptors(gv_server *s)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return;
    if (rl.rlim_cur < rl.rlim_max) {
        struct rlimit raised = {rl.rlim_max, rl.rlim_max};
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
            rl = raised;
    }
    if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur > UINT_MAX)
        rl.rlim_cur = UINT_MAX;
    s->fd_limit = (unsigned)rl.rlim_cur;
    unsigned reserve = s->fd_limit / 20 > GV__FD_RESERVE ? s->fd_limit / 20 : GV__FD_RESERVE;
    unsigned room = s->fd_limit > 2 * reserve ? s->fd_limit - reserve : s->fd_limit / 2;
    if (s->cfg.max_streams > room)
        s->cfg.max_streams = room;
}

unsigned gv_server_max_streams(const gv_server *s, unsigned *fd_limit)
{
    if (fd_limit)
        *fd_limit = s->fd_limit;
    return s->cfg.max_streams;
}

gv_server *gv_server_new(const gv_server_config *cfg, gv_error *err)
{
    gv_server *s = calloc(1, sizeof *s);
    if (!s) {
        gv_error_set(err, GV_ENOMEM, "out of memory");
        return NULL;
    }
    bool failed = false;
    s->cfg = *cfg;
    s->cfg.db_path = s->own_db_path = dup_or_null(cfg->db_path, &failed);
    s->cfg.listen_addr = s->own_listen_addr = dup_or_null(cfg->listen_addr, &failed);
    s->cfg.public_url = s->own_public_url = dup_or_null(cfg->public_url, &failed);
    s->cfg.tls_cert = s->own_tls_cert = dup_or_null(cfg->tls_cert, &failed);
    s->cfg.tls_key = s->own_tls_key = dup_or_null(cfg->tls_key, &failed);
    s->cfg.node_name = s->own_node_name = dup_or_null(cfg->node_name, &failed);
    s->cfg.nats_url = s->own_nats_url = dup_or_null(cfg->nats_url, &failed);
    s->cfg.nats_subject = s->own_nats_subject = dup_or_null(cfg->nats_subject, &failed);
    s->cfg.trusted_proxies = s->own_trusted_proxies = dup_or_null(cfg->trusted_proxies, &failed);
    atomic_init(&s->stop_requested, false);
    fit_descriptors(s);
    s->n_rooms_buckets = 1024;
    s->rooms = calloc(s->n_rooms_buckets, sizeof *s->rooms);
    s->addrs = gv__limit_table_new();
    s->rates = gv__limit_table_new();
    if (!s->rooms || !s->addrs || !s->rates || failed) {
        gv_error_set(err, GV_ENOMEM, "out of memory");
        goto fail;
    }

    /* Signals are taken by the signal thread only: block them before any
     * other thread (the writer's) is started, so they inherit the mask. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    init_protocols();
    lws_set_log_level(LLL_ERR, gv__lws_log);
    /* No pings of lws's: each valid message would re-file the connection's
     * timer in lws's one sorted list of timers, a walk over every other
     * connection's, and past about 14,000 WebSockets a node spent its loop
     * on that (docs/performance.md). The tick pings idle ones instead (sweep). */
    s->retry = (lws_retry_bo_t){.secs_since_valid_ping = 0, .secs_since_valid_hangup = 0};
    struct lws_context_creation_info info;
    memset(&info, 0, sizeof info);
    info.iface = s->cfg.listen_addr;
    info.port = cfg->port;
    info.protocols = protocols;
    info.extensions = extensions;
    info.user = s;
    /* Our own security headers on every response (headers.c), in place of
     * lws's "best practices" set; filled below, once TLS is known. */
    info.headers = s->sec_headers;
    /* lws 4.1 binds an IPv6 socket and, given an IPv4 address, leaves it
     * bound to every address: an IPv4 address gets an IPv4-only socket. */
    if (!strchr(s->cfg.listen_addr, ':'))
        info.options |= LWS_SERVER_OPTION_DISABLE_IPV6;
    info.retry_and_idle_policy = &s->retry;
    info.max_http_header_data = 4096;
    info.pt_serv_buf_size = 2 * GV__WRITE_CHUNK;
    info.timeout_secs = 10;
    info.keepalive_timeout = 5;
    info.ka_time = 60;
    info.ka_probes = 3;
    info.ka_interval = 10;
    info.vhost_name = "gavel";
    if (cfg->tls_cert) {
        info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
        info.ssl_cert_filepath = s->cfg.tls_cert;
        info.ssl_private_key_filepath = s->cfg.tls_key;
        /* HTTP/1.1 only: lws 4.1 would offer HTTP/2, whose WebSockets
         * (RFC 8441) skip the upgrade check (docs/decisions/0004). */
        info.alpn = "http/1.1";
        s->tls = true;
    }
    gv__security_headers_init(s);
    s->loop = ev_loop_new(EVBACKEND_EPOLL | EVFLAG_NOENV);
    if (!s->loop) {
        gv_error_set(err, GV_EIO, "cannot make the event loop (epoll): %s", strerror(errno));
        goto fail;
    }
    if (gv__settle_open(s) < 0) {
        gv_error_set(err, GV_ENOMEM, "out of memory");
        goto fail;
    }
    void *foreign[1] = {s->loop};
    info.foreign_loops = foreign;
    info.options |= LWS_SERVER_OPTION_LIBEV;
    s->ctx = lws_create_context(&info);
    if (!s->ctx) {
        gv_error_set(err, GV_EIO, "cannot listen on %s:%d: is the address right and the port free?",
                     cfg->listen_addr, cfg->port);
        goto fail;
    }
    s->vhost = lws_get_vhost_by_name(s->ctx, "gavel");
    s->port = s->vhost ? lws_get_vhost_listen_port(s->vhost) : cfg->port;
    if (cfg->public_url) {
        s->base_url = strdup(cfg->public_url);
    } else {
        char url[300];
        bool v6 = strchr(cfg->listen_addr, ':') != NULL;
        snprintf(url, sizeof url, "%s://%s%s%s:%d", s->tls ? "https" : "http", v6 ? "[" : "",
                 cfg->listen_addr, v6 ? "]" : "", s->port);
        s->base_url = strdup(url);
    }
    if (!s->base_url) {
        gv_error_set(err, GV_ENOMEM, "out of memory");
        goto fail;
    }
    gv__security_headers_bound(s);
    if (!s->cfg.node_name) {
        char name[300];
        snprintf(name, sizeof name, "%s:%d", s->cfg.listen_addr, s->port);
        s->cfg.node_name = s->own_node_name = strdup(name);
        if (!s->own_node_name) {
            gv_error_set(err, GV_ENOMEM, "out of memory");
            goto fail;
        }
    }
    if (gv__storage_open(s, s->cfg.db_path, err) < 0 || gv__auth_init(s, err) < 0 ||
        gv__jobs_start(s, err) < 0 || gv__follow_open(s, s->cfg.db_path, err) < 0 ||
        (s->cfg.nats_url && gv__bus_open(s, s->cfg.nats_url, s->cfg.nats_subject, err) < 0))
        goto fail;
    /* Other servers may append to this log: read what they stored. */
    s->shared_log = s->bus || strcmp(gv_store_engine(gv__storage_reader(s)), "postgresql") == 0;
    return s;
fail:
    gv_server_free(s);
    return NULL;
}

const char *gv_server_node_name(const gv_server *s)
{
    return s->cfg.node_name;
}

int gv_server_port(const gv_server *s)
{
    return s->port;
}

void gv_server_stop(gv_server *s)
{
    atomic_store(&s->stop_requested, true);
    if (s->ctx)
        lws_cancel_service(s->ctx);
}

static void *signal_thread(void *arg)
{
    gv_server *s = arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGUSR1);
    for (;;) {
        int sig = 0;
        if (sigwait(&set, &sig) != 0)
            continue;
        if (sig == SIGUSR1)
            return NULL; /* gv_server_run is finishing */
        gv_server_stop(s);
    }
}

static void close_for_stop(gv_server *s, gv__client *c)
{
    (void)s;
    gv__client_close(c, LWS_CLOSE_STATUS_GOINGAWAY, "server shutting down");
}

/*
 * Has the peer of an SSE stream closed its end? libwebsockets does not read
 * an HTTP/1.1 connection while it sends the response, so it learns of the
 * close only when a write fails, up to an idle timeout later; meanwhile the
 * stream holds a descriptor and a place under max_streams. A phone that
 * reconnects after a network change would hold two. One peek tells.
 */
static bool peer_closed(gv__client *c)
{
    char b;
    int fd = lws_get_socket_fd(c->wsi);
    return fd >= 0 && recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

/* The next walk is due by at_us (a reader's next ping or keep-alive). */
static void sweep_by(gv_server *s, int64_t at_us)
{
    if (at_us < s->sweep_next_us)
        s->sweep_next_us = at_us;
}

/* A WebSocket whose peer has sent nothing (no message, no pong) for the
 * idle timeout is pinged; one silent for twice that is closed (counted from
 * what it last sent, as lws's own "validity" did). */
static void ws_idle(gv_server *s, gv__client *c)
{
    int64_t idle_us = (int64_t)(s->cfg.idle_timeout_s ? s->cfg.idle_timeout_s : 30) * 1000000;
    int64_t now = s->tick_us, quiet = now - c->heard_us;
    if (quiet > 2 * idle_us) {
        if (s->n_dead < GV__DEAD_MAX)
            s->dead[s->n_dead++] = c->wsi; /* else the next tick */
    } else if (quiet > idle_us && c->pinged_us <= c->heard_us) {
        c->pinged_us = now;
        c->ping_due = true;
        lws_callback_on_writable(c->wsi);
    }
    /* Pinged and not heard since: closed at twice the timeout; else pinged
     * at the timeout. */
    sweep_by(s, c->heard_us + (c->pinged_us > c->heard_us ? 2 : 1) * idle_us);
}

/* How long an SSE stream may say nothing before it is sent a ping. */
static int64_t sse_quiet_us(const gv_server *s)
{
    int64_t quiet_us = (int64_t)s->cfg.idle_timeout_s * 500000;
    return quiet_us < SSE_PING_US ? quiet_us : SSE_PING_US;
}

/* Streams of revoked links end (saying so, reason "link_revoked"); idle SSE
 * streams get a "ping" event, so that proxies keep them, pages see the
 * stream alive and dead peers are found (those that follow their view's
 * deflate stream get the stream's: gv__rooms_deflate_ping); idle WebSockets
 * a ping (ws_idle).
 *
 * A walk over every subscriber costs a cache miss or two per reader (a few
 * milliseconds at 10,000, during which no event goes out), so a tick walks
 * only when something may be due: a link was revoked (tick_revoked), a
 * reader's ping or keep-alive is due (sweep_due_us, the earliest found by
 * the last walk, or 0 once a reader subscribes: client.c), or it is time to
 * peek at the SSE peers hangup.c does not watch (n_peeked). A walk asks the clock and
 * the links once (tick_us, tick_revoked), not per reader. */
static void sweep(gv_server *s, gv__client *c)
{
    if (c->state != GV__LIVE)
        return;
    if (s->tick_revoked && !gv__auth_still_valid(s, &c->grant)) {
        if (gv__client_refuse(c, NULL, GV_EPERM, "link_revoked", "this link was revoked") == 0)
            gv__client_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "link revoked");
        return; /* else it was cut off, which closes it too */
    }
    if (c->kind == GV__CLIENT_WS && c->wsi)
        ws_idle(s, c);
    if (c->kind != GV__CLIENT_SSE)
        return;
    if (c->peeked && s->ticks % PEEK_EVERY_TICKS == 0 && c->wsi && peer_closed(c)) {
        if (s->n_dead < GV__DEAD_MAX)
            s->dead[s->n_dead++] = c->wsi; /* else the next peek finds it */
        return;
    }
    int64_t quiet_us = sse_quiet_us(s);
    /* One that follows its view's deflate stream gets the stream's ping
     * (gv__rooms_deflate_ping): one of its own would take it out. */
    if (c->ctx != GV__CTX_SYNCED && c->q_len == 0 && s->tick_us - c->keepalive_us > quiet_us) {
        (void)!gv__client_send(c, gv__frame_copy(GV__SSE_PING, sizeof GV__SSE_PING - 1),
                               0); /* else cut off */
    }
    /* A ping queued is written at once and moves keepalive_us on; one that
     * waits behind others leaves this in the past: the next tick looks again. */
    sweep_by(s, c->keepalive_us + quiet_us);
}

static void stop_progress(gv_server *s)
{
    if (gv__storage_in_flight(s) == 0 && !s->streams_closed) {
        s->streams_closed = true;
        gv__rooms_each_subscriber(s, close_for_stop);
    }
    if ((s->streams_closed && s->n_streams == 0) || gv__mono_us() > s->stop_deadline_us)
        s->done = true;
}

/*
 * Another thread woke the loop (lws_cancel_service): the storage writer has
 * completions, the job thread or the links writer finished work, or a stop
 * was asked for. Each is polled; each poll costs one lock when idle.
 */
static void wake(gv_server *s)
{
    for (size_t i = 0; i < N_THREADS; i++)
        threads[i].poll(s);
    /* The commits' patches, then every reader written: now, or after the
     * HTTP answers the commits owe, in the next turn (settle.c). */
    gv__settle_soon(s);
    if (atomic_load(&s->stop_requested) && !s->stopping) {
        s->stopping = true;
        s->stop_deadline_us = gv__mono_us() + (int64_t)s->cfg.shutdown_grace_ms * 1000;
        gv__rooms_refuse_pending(s);
    }
    if (s->stopping)
        stop_progress(s);
}

/* Keeps lws's timer armed (see the top of this file). */
static void keep_lws_timer(lws_sorted_usec_list_t *sul)
{
    gv_server *s = lws_container_of(sul, gv_server, lws_keep);
    lws_sul_schedule(s->ctx, 0, &s->lws_keep, keep_lws_timer, TICK_US);
}

static void tick(struct ev_loop *loop, ev_timer *w, int revents)
{
    (void)loop;
    (void)revents;
    gv_server *s = w->data;
    gv__auth_tick(s);
    gv__follow_tick(s);
    s->ticks++;
    s->n_dead = 0;
    s->tick_us = gv__mono_us();
    uint64_t revocations = gv__auth_revocations(s);
    s->tick_revoked = revocations != s->swept_revocations;
    s->swept_revocations = revocations;
    if (s->metrics.sse_open > 0)
        gv__rooms_deflate_ping(s, s->tick_us, sse_quiet_us(s));
    bool peek = s->ticks % PEEK_EVERY_TICKS == 0 && s->n_peeked > 0;
    if (s->tick_revoked || peek || s->tick_us >= s->sweep_due_us) {
        s->sweep_next_us = INT64_MAX;
        gv__rooms_each_subscriber(s, sweep);
        s->sweep_due_us = s->sweep_next_us;
    }
    /* Closed here, outside every lws callback and after the walk over the
     * subscribers that closing changes. */
    for (unsigned i = 0; i < s->n_dead; i++)
        lws_set_timeout(s->dead[i], PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_SYNC);
    s->n_dead = 0;
    if (s->stopping)
        stop_progress(s);
}

int gv_server_run(gv_server *s)
{
    if (pthread_create(&s->sig_thread, NULL, signal_thread, s) == 0)
        s->sig_thread_running = true;
    ev_timer tick_timer;
    ev_timer_init(&tick_timer, tick, TICK_US / 1e6, TICK_US / 1e6);
    tick_timer.data = s;
    ev_timer_start(s->loop, &tick_timer);
    lws_sul_schedule(s->ctx, 0, &s->lws_keep, keep_lws_timer, TICK_US);
    while (!s->done)
        ev_run(s->loop, EVRUN_ONCE);
    ev_timer_stop(s->loop, &tick_timer);
    lws_sul_cancel(&s->lws_keep);
    if (s->sig_thread_running) {
        pthread_kill(s->sig_thread, SIGUSR1);
        pthread_join(s->sig_thread, NULL);
        s->sig_thread_running = false;
    }
    return 0;
}

int gv_server_role_links(gv_server *s, const char *meeting_id,
                         void (*print)(void *arg, const char *role, const char *url), void *arg,
                         gv_error *err)
{
    static const char *const roles[] = {"chair",      "moderator", "secretariat",
                                        "rapporteur", "panelist",  "participant"};
    gv__room *r = NULL;
    int rc = gv__room_get(s, meeting_id, &r, err);
    if (rc < 0)
        return rc;
    char token[GV_LINKS_TOKEN_CHARS + 1], url[600];
    size_t n = sizeof roles / sizeof roles[0];
    /* Then the two that read only: the viewer, and the interpreters' booth. */
    for (size_t i = 0; i < n + 2; i++) {
        bool viewer = i >= n;
        const char *role = i == n ? "viewer" : i > n ? GV__INTERPRETER : roles[i];
        if (!viewer && gv_meeting_role_holders(r->state, role, NULL) == 0)
            continue;
        rc = gv_links_issue(s->storage ? gv__storage_reader(s) : NULL, meeting_id,
                            viewer ? GV_LINK_VIEWER : GV_LINK_ROLE, role, "gavel serve",
                            gv__now_ms(), token, err);
        if (rc < 0)
            return rc;
        snprintf(url, sizeof url, "%s/join/%s", s->base_url, token);
        print(arg, role, url);
    }
    gv__auth_refresh(s);
    return 0;
}

void gv_server_free(gv_server *s)
{
    if (!s)
        return;
    /* The threads stop first (they wake the loop through the context), then
     * the clients go (their close callbacks leave the rooms and let go of
     * deferred answers), then each thread's leftovers, whose requests are
     * gone, and the store, then the rooms. */
    for (size_t i = 0; i < N_THREADS; i++)
        threads[i].stop(s);
    if (s->ctx)
        lws_context_destroy(s->ctx);
    s->ctx = NULL;
    if (s->loop)
        gv__settle_close(s);
    if (s->loop)
        ev_loop_destroy(s->loop); /* lws stopped its watchers on it */
    s->loop = NULL;
    for (size_t i = 0; i < N_THREADS; i++)
        threads[i].free(s);
    gv__rooms_free(s);
    free(s->rooms);
    gv__auth_free(s);
    gv__limit_table_free(s->addrs);
    gv__limit_table_free(s->rates);
    free(s->base_url);
    free(s->own_db_path);
    free(s->own_listen_addr);
    free(s->own_public_url);
    free(s->own_tls_cert);
    free(s->own_tls_key);
    free(s->own_node_name);
    free(s->own_nats_url);
    free(s->own_nats_subject);
    free(s->own_trusted_proxies);
    free(s);
}
