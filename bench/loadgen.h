/*
 * What the files of gavel-loadgen share (see loadgen.c for what it measures
 * and how): the options, a connection, the shared counters of a worker, the
 * messages between controller and workers, and the process's own state.
 *
 *   loadgen.c         options, the run's order, the table and the JSON
 *   loadgen_net.c     sockets, WebSocket frames, SSE events, HTTP answers,
 *                     the epoll loop, and what each role does on a message
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
    sample_set cmd_lat; /** acknowledgement latencies of the commands phase running */
    int64_t max_acked;  /** highest last_seq in a commander's acknowledgement */
    /* request templates */
    char host[32];
} lg;

typedef struct dist {
    size_t n;
    double p50, p99, max, mean;
} dist;

typedef struct results {
    long held, failed, pending, lost, resyncs, gaps, snapshots;
    double ramp_s;
    long rss_before, rss_held, slab_before, slab_held;
    int events, missed_events;
    long missed_deliveries;
    dist last, each, first;      /** per event: the last client, every client, the first client */
    double cpu_ms_per_event;     /** the server's CPU time over the events, per event */
    double gen_cpu_ms_per_event; /** the workers' (this generator's clients) */
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
/* Starts a non-blocking connect from source address src: 0, or -1 with errno. */
int conn_start(lg *g, conn *c, uint32_t src);
void sample_add(sample_set *s, double ms);
/* Waits up to wait_us (-1: for ever) and handles what is ready. */
void loop_once(lg *g, int64_t wait_us);

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

#endif
