/*
 * What the files of gavel-loadgen share (see loadgen.c for what it measures
 * and how): the options, a connection, the shared counters of a worker, the
 * messages between controller and workers, and the process's own state.
 *
 *   loadgen.c         options, the run's order, the table and the JSON
 *   loadgen_net.c     sockets, WebSocket frames, SSE events, HTTP answers,
 *                     the epoll loop, and what each role does on a message
 *   loadgen_page.c    what a Gavel page does on its connection (the readers)
 *   loadgen_worker.c  the worker processes that hold the clients
 *   loadgen_phases.c  the controller: set-up, hold, broadcast, catch-up,
 *                     commands, and the server's figures from /proc
 */
#ifndef GV_BENCH_LOADGEN_H
#define GV_BENCH_LOADGEN_H

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
#include <zlib.h>

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
/* Connection attempts of a page before its backoff stops growing (0.5 s * 2^5). */
#define BACKOFF_STEPS 5
enum proto { P_WS, P_SSE, P_HTTP };

typedef struct options {
    enum target target;
    enum proto proto;     /** the viewers' transport: P_WS or P_SSE */
    enum proto cmd_proto; /** the commanders': P_WS or P_HTTP */
    int port;
    int reader_ports[16]; /** readers spread over these ports (several servers) */
    int n_reader_ports;
    const char *meeting, *viewer_token, *chair_token, *participant_token;
    const char *person_fmt; /** commander i acts as this printf format of i+1 */
    const char *viewer_as;  /** reader i acts as this printf format of i % viewer_people + 1 */
    int viewer_people;
    int64_t follow; /** only follow: wait until every reader's state reaches this seq */
    const char *sub_path, *pub_path;
    int clients, procs, per_addr, ramp_window, ramp_timeout_s;
    int events, warmup, gap_ms, event_timeout_ms;
    int catchup, catchup_behind;
    int commanders, window, cmd_seconds, rate_seconds;
    double rate;
    bool json;
    bool check; /** exit 1 unless every client got every event and every ack is an event */
    int max_seconds;
    pid_t pids[16];
    int n_pids;
    const char *label;
} options;

/* ---- connections -------------------------------------------------------- */

enum role { R_VIEWER, R_CHAIR, R_PUB, R_CMD, R_LINK, R_FETCH };
enum cstate { S_IDLE, S_CONNECTING, S_HANDSHAKE, S_OPEN, S_CLOSED };
/* States of the chunked-body decoder (SSE from nginx). */
enum { CK_SIZE, CK_EXT, CK_DATA, CK_DATA_CR };

typedef struct conn {
    int fd;
    uint8_t role, proto, state;
    bool chunked;      /** the SSE body comes in HTTP/1.1 chunks */
    uint8_t ck;        /** chunk decoder state */
    bool fragment;     /** inside a fragmented WebSocket message (skipped) */
    bool deflate;      /** WebSocket: permessage-deflate was agreed */
    bool gzip;         /** SSE: the body is gzip-encoded */
    uint8_t syncs;     /** page: clock syncs still to make */
    uint8_t gets;      /** fetch: requests still to send after the one in flight */
    bool get_snapshot; /** fetch: its request is GET .../snapshot (else /healthz) */
    uint8_t attempts;  /** page: connections that failed in a row (backoff) */
    bool catching;     /** reconnected for catch-up, not caught up yet */
    bool again;        /** this opening is a reconnection (catch-up, or a page's own) */
    bool counted;      /** counted in the worker's held clients */
    uint32_t ck_left;  /** bytes left in the current chunk */
    int slot;          /** viewer: index in the shared arrays; commander: its number */
    uint32_t round;    /** broadcast round this client last reached */
    int64_t seq;       /** last event seen */
    int64_t since;     /** subscribe after this seq (Gavel), -1: from a snapshot */
    int64_t state_seq; /** page: seq of the state it holds, -1: none yet */
    int64_t t_start;   /** catch-up: when the reconnect began */
    int64_t reopen_at; /** page: when to connect again (0: not waiting) */
    z_stream *z;       /** inflater kept across messages: SSE gzip, or WebSocket context */
    struct conn *peer; /** page: its fetch connection; fetch: its page */
    char *in;          /** bytes of a message not complete yet */
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
    _Atomic long snapshots; /** snapshots received on the stream */
    _Atomic long fetched;   /** snapshots fetched over HTTP (a page out of step) */
    _Atomic long requests;  /** HTTP requests made, the streams' own included */
    _Atomic long bytes;     /** bytes received by readers, headers included */
    _Atomic long patches;   /** patches applied */
    _Atomic long yous;      /** "you" messages received */
    _Atomic long reopened;  /** streams a page opened again after losing them */
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
    int reopens;         /** pages waiting to connect again */
    bool quitting;       /** closing everything: no page reconnects */
    unsigned char *zbuf; /** inflated bytes of the message being read */
    size_t zcap;
    z_stream zmsg; /** inflater of messages compressed on their own */
    bool zmsg_init;
    conn *dead; /** fetch connections closed during this wait, freed after it */
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
    sample_set cmd_lat; /** acknowledgement latencies of the commands phase running */
    int64_t max_acked;  /** highest last_seq in a commander's acknowledgement */
    /* request templates */
    char host[32];
} lg;

typedef struct dist {
    size_t n;
    double p50, p99, max, mean;
} dist;

/* The figures kept for each event counted: when it was sent (seconds after
 * the ramp began), and when its last, its first and its median client had it
 * (milliseconds after it was sent; NAN when no client or not every client
 * had it). */
enum { EV_AT_S, EV_LAST_MS, EV_FIRST_MS, EV_MEDIAN_MS, EVENT_FIGURES };

typedef struct results {
    long held, failed, pending, lost, resyncs, gaps, snapshots;
    long fetched, requests, bytes, patches, yous, reopened;
    double ramp_s;
    long rss_before, rss_held, slab_before, slab_held;
    int events, missed_events;
    long missed_deliveries;
    dist last, each, first;      /** per event: the last client, every client, the first client */
    double *per_event;           /** each event counted, in order: its EVENT_FIGURES figures */
    int64_t started_us;          /** when the ramp began (now_us) */
    double cpu_ms_per_event;     /** the server's CPU time over the events, per event */
    double gen_cpu_ms_per_event; /** the workers' (this generator's clients) */
    double bytes_per_event;      /** received per event and reader, on the wire */
    double others_cores;         /** cores other processes kept busy meanwhile (noise) */
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

/* ---- loadgen_net.c ------------------------------------------------------ */

int64_t now_us(void);
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
/* Source address k of a block: 127.B.x.y, never .0 or .255 in the last byte. */
uint32_t source_addr(int block, int k);
int64_t find_seq(const char *p, size_t n, bool last);
void set_events(lg *g, conn *c, uint32_t ev);
/* Writes what the socket takes; keeps the rest for EPOLLOUT. */
void conn_send(lg *g, conn *c, const void *data, size_t n);
/* Sends a masked WebSocket frame. */
void ws_send(lg *g, conn *c, int opcode, const void *data, size_t n);
void conn_close(lg *g, conn *c);
/* Counts one more HTTP request by a reader (the stream's, or a fetch). */
void count_request(lg *g);
/* Sends a GET of path to c with the reader's credentials. */
void http_get(lg *g, conn *c, const char *path, bool bearer);
/* Starts a non-blocking connect from source address src: 0, or -1 with errno. */
int conn_start(lg *g, conn *c, uint32_t src);
void sample_add(sample_set *s, double ms);
/* Waits up to wait_us (-1: for ever) and handles what is ready. */
void loop_once(lg *g, int64_t wait_us);

/* ---- loadgen_page.c ------------------------------------------------------ */

/* A reader's message or event from Gavel (WebSocket text / SSE event by name). */
void page_ws_message(lg *g, conn *c, const char *p, size_t n);
void page_sse_event(lg *g, conn *c, const char *name, size_t name_len, const char *id,
                    const char *data, size_t data_len);
/* A reader's stream is open; the server closed it (the page reconnects). */
void page_opened(lg *g, conn *c);
void page_lost(lg *g, conn *c);
/* The fetch connection is open; answered (body inflated when gzip; status
 * -1: the connection went, and f is freed). */
void fetch_opened(lg *g, conn *c);
void fetch_answered(lg *g, conn *c, int status, const char *body, size_t len);
/* Opens the pages whose backoff is over. */
void page_reopen_due(lg *g);
/* Inflates n bytes with z (reset first when fresh) into g->zbuf from offset
 * `at` on; returns where the output ends, -1 when the data is not deflate. */
long inflate_into(lg *g, z_stream *z, const void *in, size_t n, bool fresh, size_t at);
/* The inflater for a WebSocket message compressed on its own. */
z_stream *message_inflater(lg *g);

/* ---- loadgen_worker.c --------------------------------------------------- */

void link_send(int fd, int kind, int count, int64_t seq, int64_t head, int64_t deadline);
void viewer_open(lg *g, conn *c);
/* Opens more clients while fewer than ramp_window handshakes are in flight. */
void ramp(lg *g);
/* A message from the controller (worker side). */
void worker_link(lg *g);
/* Forks the workers; each takes its share of the clients and never returns. */
void fork_workers(lg *g);

/* ---- loadgen_phases.c --------------------------------------------------- */

/* A message from a worker (controller side). */
void controller_link(lg *g, conn *l);
void broadcast_all(lg *g, int kind, int count, int64_t seq, int64_t head, int64_t deadline);
long sum_stat(lg *g, size_t offset);
#define STAT(g, field) sum_stat(g, offsetof(wstat, field))
int cmd_window(const lg *g);
void open_control(lg *g, conn *c, int role, int proto, int slot, uint32_t src, int64_t since);
void wait_open(lg *g, conn *c);
void setup_gavel(lg *g);
void phase_hold(lg *g, results *r);
void phase_broadcast(lg *g, results *r);
void phase_catchup(lg *g, results *r);
void phase_commands(lg *g, results *r);
void phase_follow(lg *g, results *r);

#endif
