/*
 * The server's own state (struct gv_server), the sizes every part of the
 * server shares, and the clocks. Each part has a header of its own:
 *
 *   frame.h    encoded messages shared by many connections   frame.c
 *   client.h   one connection: what it is owed, in order       client.c
 *   room.h     a meeting in memory; the path of a command       room.c
 *   storage.h  the room's side of the store and its writer      storage.c
 *   auth.h     who a request is: links, grants, actors          auth.c
 *   http.h     routing, responses, bodies, deferred answers     http.c, http_body.c
 *   routes.h   the routes, one file a group                     route_*.c
 *   ws.h       the WebSocket protocol                           ws.c
 *   jobs.h     the job thread                                   jobs.c
 *   limits.h   rates and stream counts                          limits.c
 *   metrics.h  counters and histograms                          metrics.c
 *   headers.h  request headers, Origin, security headers        headers.c
 *   static.h   the files built into the binary                  static.c
 *   logging.h  libwebsockets' log, bounded                      logging.c
 *   links.h    invitation links and their log (public)          links.c
 *   follow.h   reading what other servers stored in the log      follow.c
 *   bus.h      events between servers over NATS                  bus.c
 *   settle.h   when the rooms settle commits: after the answers  settle.c
 *
 * Everything is owned and used by the loop thread (server.c) unless a
 * comment says otherwise.
 */
#ifndef GV_SERVER_SERVER_INTERNAL_H
#define GV_SERVER_SERVER_INTERNAL_H

#include <libwebsockets.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "server/metrics.h"
#include "server/server.h"

/* Longest meeting or person id a URL or a grant may carry. */
#define GV__ID_MAX 128
/* Kernel send buffer of each connection (the kernel doubles it): a stalled
 * reader holds at most this much of the kernel's memory. */
#define GV__SOCKET_SEND_BUFFER_BYTES (128 * 1024)
/* Largest piece of a frame written in one go; larger frames are written in
 * pieces so that lws copies at most this much per connection. */
#define GV__WRITE_CHUNK (16 * 1024)
/* Descriptors kept free of streams, at least (server.c, fit_descriptors). */
#define GV__FD_RESERVE 64
/* The WebSocket subprotocol of this version of the protocol. */
#define GV__WS_PROTOCOL "gavel.v1"
/* Bytes of request bodies the server holds at once while they arrive
 * (http_body.c): more waits for a 503's retry. */
#define GV__BODIES_MAX_BYTES (96u * 1024u * 1024u)
/* Security headers sent with every response, at most (headers.c). */
#define GV__SEC_HEADERS 8

typedef struct gv__room gv__room;
typedef struct gv__client gv__client;

/* Wall-clock time in milliseconds since the Unix epoch: the meeting's time. */
int64_t gv__now_ms(void);
/* The test clock (gavel serve --test-clock): from now on gv__now_ms runs on
 * from now_ms. GV_ESTATE when that is before the server's now: its time never
 * runs backwards. */
int gv__clock_set(int64_t now_ms);
/* Monotonic time in microseconds: for latencies and rate limits. */
int64_t gv__mono_us(void);
/* Wakes the loop (ud: the server) so that it polls what another thread
 * finished: the wake-up of the storage writer, the job thread, the log
 * reader and the links writer. Safe from any thread while the context
 * exists: gv_server_free stops each of those threads before it destroys
 * the context. */
void gv__server_wake(void *ud);

/* SSE streams found closed that one tick closes; the rest wait a tick. */
#define GV__DEAD_MAX 256

struct gv_server {
    gv_server_config cfg; /** its strings point at the owned copies below */
    char *own_db_path, *own_listen_addr, *own_public_url, *own_tls_cert, *own_tls_key;
    char *own_node_name, *own_nats_url, *own_nats_subject, *own_trusted_proxies;
    struct lws_context *ctx;
    struct lws_vhost *vhost;
    int port;
    unsigned fd_limit; /** files the process may open (soft limit, raised to the hard one) */
    unsigned ticks;    /** of the periodic tick, since the start */
    int64_t tick_us;   /** gv__mono_us() when the current tick began */
    uint64_t swept_revocations; /** gv__auth_revocations() at the last tick's sweep */
    bool tick_revoked;          /** links were revoked since: the sweep checks each grant */
    int64_t sweep_due_us;       /** a tick at or after this walks the subscribers (server.c) */
    int64_t sweep_next_us;      /** the earliest due found by the walk under way */
    unsigned n_peeked;          /** SSE streams whose peer the tick peeks at (hangup.c) */
    bool tls;
    char *base_url;
    atomic_bool stop_requested;
    bool stopping;       /** no new connections or commands */
    bool streams_closed; /** the streams were told to close */
    bool done;           /** gv_server_run returns */
    int64_t stop_deadline_us;
    lws_sorted_usec_list_t lws_keep; /** keeps lws's timer armed (server.c) */
    struct lws *dead[GV__DEAD_MAX];  /** SSE peers found closed by a tick */
    unsigned n_dead;
    struct ev_loop *loop;      /** libev's, on epoll; lws runs in it (server.c) */
    struct gv__settle *settle; /** when the rooms settle their commits (settle.c) */
    lws_retry_bo_t retry; /** lws's own pings, off: the tick pings idle WebSockets (server.c) */
    pthread_t sig_thread;
    bool sig_thread_running;
    gv__room **rooms; /** hash table of rooms by id (room.c) */
    unsigned n_rooms_buckets;
    unsigned n_rooms;
    struct gv__limit_table *addrs; /** streams per address (limits.c) */
    struct gv__limit_table *rates; /** command rates by person, link writes by link (limits.c) */
    unsigned n_streams;
    gv__metrics metrics;
    struct gv__storage *storage; /** the store's handles and writer (storage.c) */
    struct gv__auth *auth;       /** links in memory (auth.c) */
    /** security headers lws adds to every response (headers.c), and the CSP they point at */
    struct lws_protocol_vhost_options sec_headers[GV__SEC_HEADERS];
    char csp[640];
    struct gv_worker *jobs;            /** the job thread (jobs.c) */
    struct gv__links_writer *links_wr; /** the writer of invitation links (route_links.c) */
    struct gv__follow *follow;         /** the log reader (follow.c) */
    struct gv__bus *bus;               /** NATS (bus.c), NULL without --nats */
    bool shared_log;                   /** other servers append to the log (PostgreSQL, or a bus) */
    int64_t log_read_error_us;   /** when a failed read of the log was last said, 0: reads work */
    int64_t unavailable_said_us; /** when "the database cannot be reached" was last logged */
    size_t body_bytes;           /** bytes of request bodies being read (http_body.c) */
};

/* The server an lws connection belongs to (the context's user pointer). */
static inline struct gv_server *gv__server_of(struct lws *wsi)
{
    return (struct gv_server *)lws_context_user(lws_get_context(wsi));
}

#endif
