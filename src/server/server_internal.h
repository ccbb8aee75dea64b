/*
 * What the files of src/server share: frames, clients, rooms (a meeting
 * loaded in memory), grants (who a request acts as), metrics and limits.
 * Everything here is owned and used by the loop thread only, except where a
 * comment says otherwise.
 */
#ifndef GV_SERVER_SERVER_INTERNAL_H
#define GV_SERVER_SERVER_INTERNAL_H

#include <jansson.h>
#include <libwebsockets.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/meeting.h"
#include "core/view.h"
#include "server/server.h"
#include "store/store.h"

/* Longest meeting or person id a URL or a grant may carry. */
#define GV__ID_MAX 128
/* Messages (acknowledgements, errors, snapshots) a client may have waiting. */
#define GV__DIRECT_MAX 64
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
/* Security headers sent with every response, at most (headers.c). */
#define GV__SEC_HEADERS 8

typedef struct gv__room gv__room;
typedef struct gv__client gv__client;

/* ---- clocks (server.c) -------------------------------------------------- */

/* Wall-clock time in milliseconds since the Unix epoch: the meeting's time. */
int64_t gv__now_ms(void);
/* Monotonic time in microseconds: for latencies and rate limits. */
int64_t gv__mono_us(void);

/* ---- frames (frame.c) --------------------------------------------------- */

/*
 * An encoded message, written as is to any number of connections. It keeps
 * LWS_PRE bytes of headroom before the payload for lws_write. Reference
 * counted on the loop thread; the last gv__frame_unref frees it.
 */
typedef struct gv__frame {
    unsigned refs;
    int64_t made_us; /** gv__mono_us() when encoded, for the broadcast latency */
    size_t len;      /** payload bytes */
    unsigned char *payload;
    unsigned char mem[]; /** LWS_PRE headroom, payload, NUL */
} gv__frame;

/* A frame of len payload bytes (uninitialised, NUL-terminated), one reference.
 * NULL on ENOMEM. */
gv__frame *gv__frame_new(size_t len);
/* A frame holding a copy of data. NULL on ENOMEM. */
gv__frame *gv__frame_copy(const void *data, size_t len);
/* A frame holding the printf-style text. NULL on ENOMEM. */
gv__frame *gv__frame_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* A frame holding json compactly encoded (keys sorted). NULL on ENOMEM. */
gv__frame *gv__frame_json(const json_t *json);
gv__frame *gv__frame_ref(gv__frame *f);
void gv__frame_unref(gv__frame *f);

/* ---- grants (auth.c) ---------------------------------------------------- */

typedef enum gv__grant_kind {
    GV__GRANT_PERSON, /** acts as one person */
    GV__GRANT_ROLE,   /** acts as any person holding the role, chosen with ?as= */
    GV__GRANT_VIEWER, /** reads the snapshot and the streams, sends nothing */
} gv__grant_kind;

/* What an invitation token allows: filled by gv__auth_check. */
typedef struct gv__grant {
    gv__grant_kind kind;
    char meeting[GV__ID_MAX + 1];
    char subject[GV__ID_MAX + 1]; /** person id, or role name for role and viewer links */
    unsigned char hash[32];       /** the token's hash: identifies the link for revocation */
} gv__grant;

/* ---- limits (limits.c) -------------------------------------------------- */

typedef struct gv__bucket {
    double tokens;
    int64_t last_us;
} gv__bucket;

/* Fills the bucket (burst tokens). */
void gv__bucket_init(gv__bucket *b, unsigned burst, int64_t now_us);
/* Takes one token if there is one: true; false when the rate is exceeded. */
bool gv__bucket_take(gv__bucket *b, unsigned per_second, unsigned burst, int64_t now_us);

typedef struct gv__addr_table gv__addr_table;
gv__addr_table *gv__addr_table_new(void);
void gv__addr_table_free(gv__addr_table *t);
/* Counts one more stream from addr if it has fewer than max: true; else false. */
bool gv__addr_acquire(gv__addr_table *t, const char *addr, unsigned max);
void gv__addr_release(gv__addr_table *t, const char *addr);
/* Streams open from addr now. */
unsigned gv__addr_count(const gv__addr_table *t, const char *addr);

/* One bucket per link, for commands sent over HTTP. */
typedef struct gv__link_buckets gv__link_buckets;
gv__link_buckets *gv__link_buckets_new(void);
void gv__link_buckets_free(gv__link_buckets *t);
/* Takes a token from the bucket of the link with this hash acting as actor
 * ("" for none), made full on first use. All connections of a person share
 * it, so that opening more connections does not multiply the rate. */
bool gv__link_take(gv__link_buckets *t, const unsigned char hash[32], const char *actor,
                   unsigned per_second, unsigned burst, int64_t now_us);

/* ---- metrics (metrics.c) ------------------------------------------------ */

#define GV__HIST_BUCKETS 14

typedef struct gv__histogram {
    uint64_t counts[GV__HIST_BUCKETS]; /** per bucket, not cumulative; last is +Inf */
    uint64_t total;
    double sum_s;
} gv__histogram;

/* Number of error codes counted per command result (ok and each GV_E*). */
#define GV__RESULTS 12

typedef struct gv__metrics {
    uint64_t ws_open, sse_open; /** gauges */
    uint64_t ws_total, sse_total, http_requests;
    uint64_t refused_streams;  /** streams refused by per-address or total limits */
    uint64_t slow_readers_cut; /** readers cut off and told to resync */
    uint64_t events_committed;
    uint64_t commands[GV__RESULTS];  /** by result: index -code (0 = ok), last = other */
    gv__histogram commit_latency;    /** command decided -> durable */
    gv__histogram broadcast_latency; /** durable -> written to a live reader */
} gv__metrics;

void gv__histogram_observe(gv__histogram *h, int64_t us);
void gv__metrics_command(gv__metrics *m, int code);
/* The Prometheus text exposition as a new malloc'd string; NULL on ENOMEM. */
char *gv__metrics_text(const gv__metrics *m, unsigned rooms_loaded);

/* ---- clients (client.c) ------------------------------------------------- */

typedef enum gv__client_kind {
    GV__CLIENT_WS,       /** WebSocket: streams events, sends commands */
    GV__CLIENT_SSE,      /** Server-Sent Events: streams events */
    GV__CLIENT_HTTP_CMD, /** one POSTed command waiting for its commit */
} gv__client_kind;

typedef enum gv__client_state {
    GV__LIVE,    /** streaming */
    GV__RESYNC,  /** fell too far behind: writes the resync notice, then closes */
    GV__CLOSING, /** writes what it has, then closes */
    GV__GONE,    /** its connection is closed; freed when the last reference goes */
} gv__client_state;

typedef struct gv__direct {
    gv__frame *frame;
    int64_t after_seq; /** written once every event up to this one has been written */
} gv__direct;

/*
 * One connection's view of a room. WebSocket and SSE clients are subscribers:
 * they follow the room's events with a cursor (the seq of the last event
 * written) and keep a small queue of direct messages (hello, snapshot,
 * acknowledgements, errors), each ordered after the events it depends on.
 * Reference counted: the connection holds one reference, and so does each
 * command waiting for its commit, so a completion never touches freed memory.
 */
struct gv__client {
    unsigned refs;
    gv__client_kind kind;
    gv__client_state state;
    struct gv_server *srv;
    struct lws *wsi;         /** NULL once the connection is closed */
    gv__room *room;          /** the room it follows or commands (holds no reference) */
    gv__client *prev, *next; /** in the room's subscriber list */
    gv__grant grant;
    gv_view view;               /** what the client reads (gv__grant_view), fixed at subscribe */
    char actor[GV__ID_MAX + 1]; /** person the client acts as, "" for viewers */
    char addr[64];              /** peer address, counted in the per-address table */
    bool addr_counted;
    bool open_counted; /** counted in the metrics' open connections */
    bool subscribed;
    int64_t cursor;        /** seq of the last event written */
    gv__frame *cur;        /** frame being written (a reference), NULL between frames */
    size_t cur_off;        /** bytes of cur already written */
    bool cur_event;        /** cur is the event cursor + 1 (else a direct message) */
    int64_t subscribed_us; /** only events made after this count in the broadcast latency */
    int64_t keepalive_us;  /** SSE: last time something was written */
    gv__direct q[GV__DIRECT_MAX];
    unsigned q_head, q_len;
    gv__bucket bucket;
    int close_status;         /** WebSocket close code once CLOSING or RESYNC */
    const char *close_reason; /** static text sent with it */
    /* WebSocket receive state. */
    char *rx;
    size_t rx_len;
    unsigned in_flight; /** its commands submitted, not yet completed */
    bool rx_paused;     /** reading paused: too many answers owed (gv__client_flow) */
    /* HTTP command result: the response once the commit completes. */
    int http_status;
    char *http_body;
};

/* A new client with one reference; NULL on ENOMEM. */
gv__client *gv__client_new(struct gv_server *s, gv__client_kind kind, struct lws *wsi);
gv__client *gv__client_ref(gv__client *c);
void gv__client_unref(gv__client *c);
/* Queues a direct message (takes the frame's reference, even on failure).
 * Returns 0, or GV_ELIMIT when the queue is full: the client is then cut off. */
int gv__client_send(gv__client *c, gv__frame *f, int64_t after_seq);
/* Queues {"type":"error",...} for the request id (may be NULL). */
void gv__client_error(gv__client *c, const json_t *id, int code, const char *msg);
/*
 * Writes the next frame the client is owed (one per writeable callback) and
 * asks for another callback if more is owed. Returns -1 when the connection
 * must close now (an lws callback's return value), else 0.
 */
int gv__client_write(gv__client *c);
/* Marks the connection closed: leaves the room, releases its address slot,
 * drops the connection's reference. */
void gv__client_closed(gv__client *c);
/* Subscribes to the room: the stream starts after since_seq, or with a
 * snapshot when since_seq < 0 or the room no longer holds those events. */
int gv__client_subscribe(gv__client *c, gv__room *r, int64_t since_seq, gv_error *err);
/* Starts a clean close: pending frames are written first. */
void gv__client_close(gv__client *c, int status, const char *reason);
/* Cuts a reader off: drops what it is owed, tells it to fetch a snapshot, closes. */
void gv__client_cut(gv__client *c, const char *why);
/* Back-pressure: stops reading a WebSocket's commands while half of its queue
 * is owed (queued answers plus commands in flight), resumes below a quarter. */
void gv__client_flow(gv__client *c);

/* ---- rooms (room.c) ----------------------------------------------------- */

/*
 * A meeting loaded in memory. `state` is the committed state everyone sees;
 * `ahead` is state plus the events submitted but not yet durable, and is
 * what commands are decided against, so that several commands can be in
 * flight in one group commit and still number their events one after the
 * other. The ring keeps the encoded frames of the last `ring_cap` events for
 * readers that catch up.
 */
struct gv__room {
    char *id;
    gv_meeting *state;
    gv_meeting *ahead;
    int64_t seq; /** == gv_meeting_seq(state) */
    /* Frames of each event in each view; a view that reads the event as the
     * full view does holds another reference to the same frame. */
    gv__frame **ring_ws[GV_VIEW_COUNT], **ring_sse[GV_VIEW_COUNT];
    unsigned ring_cap;
    gv__client *subs; /** subscribers, doubly linked */
    unsigned n_subs;
    unsigned in_flight;              /** batches submitted, not yet completed */
    bool broken;                     /** a commit failed: refuse commands until ahead is rebuilt */
    char *state_text[GV_VIEW_COUNT]; /** encoded state in each view at state_seq, NULL if stale */
    int64_t state_seq;
    gv__frame *snap_ws[GV_VIEW_COUNT], *snap_sse[GV_VIEW_COUNT]; /** snapshot frames at state_seq */
    json_t *people; /** person id -> array of role names, from the definition */
    gv__room *hash_next;
};

/*
 * Finds a room, loading the meeting from the store on first use. Returns 0
 * with *out set (owned by the server), GV_ENOTFOUND when no such meeting
 * exists, or another code with err set.
 */
int gv__room_get(struct gv_server *s, const char *id, gv__room **out, gv_error *err);
void gv__room_free(gv__room *r);
/* The frame of event seq in view v, or NULL if the ring no longer holds it. */
gv__frame *gv__room_event_frame(gv__room *r, int64_t seq, gv__client_kind kind, gv_view v);
/* Snapshot frame in view v for the kind at the room's current seq (borrowed, cached). */
gv__frame *gv__room_snapshot_frame(gv__room *r, gv__client_kind kind, gv_view v);
/* The encoded state in view v at the current seq (borrowed, cached); NULL on ENOMEM. */
const char *gv__room_state_text(gv__room *r, gv_view v);
/* What `person` reads of the room beyond its view (gv_meeting_you_json), as a
 * frame for the kind: a "you" message or SSE event. NULL on ENOMEM or for an
 * unknown person. */
gv__frame *gv__room_you_frame(gv__room *r, gv__client_kind kind, const char *person);
/* Does the person `person` hold the role `role` in this meeting? */
bool gv__room_person_has_role(const gv__room *r, const char *person, const char *role);
bool gv__room_has_person(const gv__room *r, const char *person);
/* How many people of the meeting hold `role`; *first (when not NULL) gets the
 * first of them (borrowed), or NULL. */
int gv__room_role_holders(const gv__room *r, const char *role, const char **first);
/*
 * Decides a command sent by client c (acting as c->actor) and submits its
 * events to the writer. The client gets an acknowledgement or an error when
 * the commit completes (or at once when the command is refused). Takes no
 * ownership of cmd. id is the client's request id (may be NULL).
 */
void gv__room_command(gv__room *r, gv__client *c, const json_t *cmd, const json_t *id);

/* ---- storage adapter (log.c) -------------------------------------------- */

/* A batch of a room's events on its way to the writer thread. */
typedef struct gv__batch gv__batch;

int gv__log_open(struct gv_server *s, const char *db_path, gv_error *err);
/* Stops the writer thread (after committing what is queued): no more wake-ups. */
void gv__log_stop(struct gv_server *s);
/* Drops completions nobody will read, frees the writer, closes the store. */
void gv__log_close(struct gv_server *s);
/* Calls each(arg, seq, canonical_bytes) for every stored event of the meeting,
 * in order. GV_ENOTFOUND if the meeting is not in the store. */
int gv__log_read(struct gv_server *s, const char *meeting,
                 int (*each)(void *arg, int64_t seq, const char *bytes, size_t len), void *arg,
                 gv_error *err);
/* The store handle the loop thread reads with (never blocked by the writer). */
gv_store *gv__log_reader(struct gv_server *s);
/* Hands events (canonical bytes, seq first_seq..) to the writer. The batch is
 * completed later through gv__log_poll, which calls gv__room_committed. */
int gv__log_submit(struct gv_server *s, gv__room *r, gv__client *c, json_t *events,
                   const json_t *req_id, gv_error *err);
/* Drains writer completions (loop thread). */
void gv__log_poll(struct gv_server *s);
/* Batches submitted and not yet completed, all rooms. */
unsigned gv__log_in_flight(const struct gv_server *s);
/*
 * Creates a meeting with its first event through the writer thread and waits
 * for the commit: for threads other than the loop (the job thread), which
 * must never wait for a disk. GV_ESTATE when the meeting exists; else as
 * gv_writer_submit_wait.
 */
int gv__log_create_wait(struct gv_server *s, const char *meeting, const gv_event_in *first,
                        gv_error *err);

/* Called by gv__log_poll for each completed batch: rc 0 when durable. */
void gv__room_committed(struct gv_server *s, gv__room *r, gv__client *c, json_t *events,
                        const json_t *req_id, int rc, const char *msg, int64_t submitted_us);

/* ---- the server (server.c) ---------------------------------------------- */

struct gv_server {
    gv_server_config cfg; /** its strings point at the owned copies below */
    char *own_db_path, *own_listen_addr, *own_public_url, *own_tls_cert, *own_tls_key;
    struct lws_context *ctx;
    struct lws_vhost *vhost;
    int port;
    unsigned fd_limit; /** files the process may open (soft limit, raised to the hard one) */
    unsigned ticks;    /** of the periodic tick, since the start */
    bool tls;
    char *base_url;
    atomic_bool stop_requested;
    bool stopping;       /** no new connections or commands */
    bool streams_closed; /** the streams were told to close */
    bool done;           /** gv_server_run returns */
    int64_t stop_deadline_us;
    lws_sorted_usec_list_t tick;
    lws_retry_bo_t retry; /** WebSocket ping and hang-up times (idle_timeout_s) */
    pthread_t sig_thread;
    bool sig_thread_running;
    gv__room **rooms; /** hash table of rooms by id */
    unsigned n_rooms_buckets;
    unsigned n_rooms;
    gv__addr_table *addrs;
    gv__link_buckets *link_buckets; /** command rate of HTTP commands, per link */
    unsigned n_streams;
    gv__metrics metrics;
    struct gv__store_link *log; /** storage adapter state (log.c) */
    struct gv__auth *auth;      /** token cache (auth.c) */
    /** security headers lws adds to every response (headers.c), and the CSP they point at */
    struct lws_protocol_vhost_options sec_headers[GV__SEC_HEADERS];
    char csp[640];
    struct gv__jobs *jobs;           /** the job thread and its queues (jobs.c) */
    struct gv__links_api *links_api; /** invitation links over HTTP (api_links.c) */
};

/* lws's log callback: at most a few lines a second reach stderr (lwslog.c). */
void gv__lws_log(int level, const char *line);

/* Called on the loop thread when another thread woke it (writer completions,
 * a stop request). */
void gv__server_wake(struct gv_server *s);

/* ---- auth (auth.c) ------------------------------------------------------ */

int gv__auth_init(struct gv_server *s, gv_error *err);
void gv__auth_free(struct gv_server *s);
/*
 * Checks the token presented with a request on the meeting `meeting` (the
 * cookie gavel_<meeting> or an Authorization: Bearer header). Returns 0 with
 * *g filled, GV_EAUTH (no token, or one we never issued) or GV_EPERM (revoked,
 * or for another meeting) with err set.
 */
int gv__auth_request(struct gv_server *s, struct lws *wsi, const char *meeting, gv__grant *g,
                     gv_error *err);
/* Checks a token string; same results as gv__auth_request. */
int gv__auth_token(struct gv_server *s, const char *token, const char *meeting, gv__grant *g,
                   gv_error *err);
/* Is the link behind this grant still valid? (Revocation is seen within a second.) */
bool gv__auth_still_valid(struct gv_server *s, const gv__grant *g);
/* Periodic work: reads new links and revocations once a second. */
void gv__auth_tick(struct gv_server *s);
/* Reads new links and revocations now. */
void gv__auth_refresh(struct gv_server *s);
/*
 * Resolves whom a client with grant g acts as, given the ?as= parameter (may
 * be NULL): fills actor ("" for viewers). GV_EPERM with err set when the
 * person does not hold the link's role.
 */
int gv__auth_actor(const gv__room *r, const gv__grant *g, const char *as, char *actor, size_t size,
                   gv_error *err);
/* The view a grant reads (core/view.h): by the link's person or role; public for viewers. */
gv_view gv__grant_view(const gv__room *r, const gv__grant *g);
/* Does the grant act with `role`: a role link for it, or a person link whose
 * person holds it? */
bool gv__grant_has_role(const gv__room *r, const gv__grant *g, const char *role);

/* ---- HTTP (http.c) and the lws protocols (ws.c, sse.c) ------------------- */

int gv__http_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                      size_t len);
int gv__ws_callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len);
/* Per-session data sizes of the two lws protocols. */
extern const size_t gv__http_pss_size, gv__ws_pss_size;
/* HTTP status for a GV_E* code. */
int gv__http_status(int code);
/* {"type":"error","id":..,"code":..,"message":..} as a new string (malloc). */
char *gv__error_json(const json_t *id, int code, const char *msg);
/* Parses ?since= or Last-Event-ID: -1 when absent, GV_EINVAL when malformed. */
int gv__since_param(struct lws *wsi, int64_t *since, gv_error *err);
/* Copies the URL query argument `name` (without '='): true if present. */
bool gv__query_arg(struct lws *wsi, const char *name, char *buf, size_t size);
/* Fills addr with the peer's address. */
void gv__peer_addr(struct lws *wsi, char *addr, size_t size);
/* Takes a stream slot for addr: 0, or GV_ELIMIT with err set. */
int gv__stream_acquire(struct gv_server *s, const char *addr, gv_error *err);
void gv__stream_release(struct gv_server *s, const char *addr);

/* Matches "/api/v1/meetings/{id}/{tail}": copies id, points *tail. */
bool gv__route_meeting(const char *path, char *id, size_t size, const char **tail);
/* Is s a valid id (1..GV__ID_MAX of [A-Za-z0-9._-])? */
bool gv__valid_id(const char *s);

/* A response header: lowercase name with its colon ("content-disposition:"). */
typedef struct gv__header {
    const char *name;
    const char *value;
} gv__header;

/*
 * Answers the request on wsi, from its LWS_CALLBACK_HTTP, from a body's
 * completion (gv__http_read_body) or from a gv__later's write: status,
 * content type, body and extra headers (NULL, or ending with {NULL, NULL}).
 * Takes the malloc'd body (NULL when len is 0), even on failure. The
 * response carries "cache-control: no-store" unless extra sets
 * cache-control. A HEAD request gets the headers without the body. The body
 * is written in pieces on the next writeable callbacks. Returns what an lws
 * callback returns: 0, or -1 to close the connection.
 */
int gv__http_respond(struct lws *wsi, int status, const char *ctype, char *body, size_t len,
                     const gv__header *extra);
/* The same with borrowed bytes that outlive the response (the built-in files). */
int gv__http_respond_const(struct lws *wsi, int status, const char *ctype, const void *data,
                           size_t len, const gv__header *extra);
/* Answers with the JSON error of a GV_E* code and its status. */
int gv__http_error(struct lws *wsi, int code, const char *msg);
/* 405 with an Allow header (e.g. "GET, POST") and msg saying which to use. */
int gv__http_wrong_method(struct lws *wsi, const char *allow, const char *msg);
/* Answers with the JSON error and closes the connection: for a request
 * whose body is refused unread. Returns -1 (close). */
int gv__http_refuse(struct lws *wsi, int code, const char *msg);
/* Is the request a HEAD? */
bool gv__http_is_head(struct lws *wsi);
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
 * thread: api_record.c, api_setup.c; the links writer: api_links.c). It is
 * embedded in its owner's job, which two parties hold on the loop thread:
 * the request, until its answer is written or its connection closes
 * (`wsi` not NULL), and the worker, until the work came back (`back`).
 * Whichever lets go last calls free(l), once.
 *
 *   route:  fills write and free, gv__http_defer(wsi, l), returns 0
 *   worker: done, then on the loop thread gv__later_back(l)
 *   http.c: on the writeable callback once back, write(l, wsi) answers with
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

/* ---- the job thread (jobs.c) --------------------------------------------- */

/*
 * Work too slow for the loop thread. run() runs on the job thread, one job
 * at a time in submission order; done() runs afterwards on the loop thread
 * (gv__jobs_poll), with `ran` false when the server stopped before the job
 * ran. Between submit and done the job belongs to the job thread, except
 * for fields its owner documents as the loop thread's.
 */
typedef struct gv__job gv__job;
struct gv__job {
    void (*run)(gv__job *j);
    void (*done)(gv__job *j);
    bool ran;
    int64_t submitted_us, started_us, finished_us; /** gv__mono_us() */
    gv__job *next;
};
/* Jobs that may wait behind the running one; more are refused (GV_EBUSY). */
#define GV__JOBS_WAITING_MAX 8

/* Starts the job thread. GV_ENOMEM or GV_EIO with err set. */
int gv__jobs_start(struct gv_server *s, gv_error *err);
/* Queues a job. GV_EBUSY when GV__JOBS_WAITING_MAX wait already or the
 * server is stopping: the job is not taken (done is not called). */
int gv__jobs_submit(struct gv_server *s, gv__job *j);
/*
 * Queues job for the request on wsi, whose answer it makes later (gv__later,
 * embedded in the same job): 0 once the answer is deferred. When the queue is
 * full or the server stops, frees the job (later->free) and answers 503 with
 * Retry-After and busy_msg. Returns what an lws callback returns.
 */
int gv__jobs_answer_later(struct lws *wsi, gv__job *job, gv__later *later, const char *busy_msg);
/* Calls done() of each finished job (loop thread). */
void gv__jobs_poll(struct gv_server *s);
/* Lets the running job finish, runs no other, joins the thread. */
void gv__jobs_stop(struct gv_server *s);
/* gv__jobs_stop, then done() of every job left, then frees. NULL jobs allowed. */
void gv__jobs_free(struct gv_server *s);

/* ---- routes of the secretariat (api_record.c, api_setup.c) -------------- */

/* GET /api/v1/meetings/{meeting}/record?format=F: the outcome record. */
int gv__api_record(struct lws *wsi, const char *meeting);
/* POST /api/v1/meetings[?dry_run=1]: checks a definition and creates its meeting. */
int gv__api_setup(struct lws *wsi);

/* ---- invitation links over HTTP (api_links.c) ---------------------------- */

/* Is tail ("/api/v1/meetings/{meeting}/" + tail) a links route: "links" or
 * "links/{id}/revoke"? */
bool gv__links_route(const char *tail);
/* GET or POST .../links, POST .../links/{id}/revoke: answers the request
 * (now, or once the link is written). Returns what an lws callback returns. */
int gv__api_links(struct lws *wsi, const char *meeting, const char *tail);
/* Answers the link writes the worker finished (loop thread, on wake-up). */
void gv__links_poll(struct gv_server *s);
/* Lets the worker write what is queued and joins it: before the lws context
 * goes, since the worker wakes the loop through it. NULL state allowed. */
void gv__links_stop(struct gv_server *s);
/* gv__links_stop, then frees what is left: after the lws context went (its
 * connections have dropped their waiting answers). */
void gv__links_free(struct gv_server *s);

/* ---- request headers and security headers (headers.c) ------------------ */

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
/* Fills s->sec_headers (before the context is made: lws keeps the pointer). */
void gv__security_headers_init(struct gv_server *s);
/* Names the bound address's WebSocket origin in the CSP once base_url is known. */
void gv__security_headers_bound(struct gv_server *s);

/* ---- static pages (static.c) -------------------------------------------- */

typedef struct gv__asset {
    const char *path;
    const char *content_type;
    const unsigned char *data;
    size_t len;
    const unsigned char *gz; /** the bytes compressed with gzip, NULL when not smaller */
    size_t gz_len;
    const char *etag; /** 20 hex digits of the bytes' SHA-256, without quotes */
} gv__asset;

/* The built-in file at path, or NULL. */
const gv__asset *gv__static_find(const char *path);
/* A placeholder page for a meeting's role page (malloc'd HTML, no user text). */
char *gv__static_page(const char *page);
/* What a GET of path serves: a built-in file, "/" or a meeting's role page
 * /m/{meeting}/{page}; NULL when none. */
const gv__asset *gv__static_lookup(const char *path);
/* Answers a GET or HEAD with the file: gzip when the client takes it, 304
 * when If-None-Match names its entity tag. */
int gv__static_respond(struct lws *wsi, const gv__asset *a);
/* Does an Accept-Encoding value take gzip (a "gzip", "x-gzip" or "*" not
 * weighted q=0)? */
bool gv__accepts_gzip(const char *accept_encoding);
/* Does an If-None-Match value ("*", or a list of entity tags, weak or not)
 * match the quoted entity tag `etag`? Weak comparison, as RFC 9110 asks. */
bool gv__etag_matches(const char *if_none_match, const char *etag);

#endif
