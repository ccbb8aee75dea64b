/*
 * Clients (client.c): one connection's view of a room, and the order in
 * which it is written what it is owed.
 */
#ifndef GV_SERVER_CLIENT_H
#define GV_SERVER_CLIENT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/view.h"
#include "server/auth.h"
#include "server/frame.h"
#include "server/limits.h"
#include "server/server_internal.h"

/* Messages (acknowledgements, errors, snapshots) a client may have waiting. */
#define GV__DIRECT_MAX 64

/* What a quiet SSE stream is sent: pages take it as a sign of life. */
#define GV__SSE_PING "event: ping\ndata: {}\n\n"

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

/* How a WebSocket client that agreed to compression with context takeover,
 * or an SSE client that takes gzip, follows its view's deflate stream
 * (room_deflate.c). */
typedef enum gv__client_ctx {
    GV__CTX_NONE,    /** not at all: each message compressed on its own, or plain */
    GV__CTX_WAITING, /** for the stream's next start; meanwhile as NONE */
    GV__CTX_SYNCED,  /** events from ctx_from on come from the stream */
} gv__client_ctx;

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
    bool own_conn;           /** wsi is its connection, not a stream of an HTTP/2 one */
    int fd;                  /** own_conn without TLS: its socket, written directly; else -1 */
    gv__room *room;          /** the room it follows or commands (holds no reference) */
    gv__client *prev, *next; /** in the room's subscriber list */
    gv_view view;            /** what the client reads (gv__grant_view), fixed at subscribe */
    bool subscribed;
    bool resume_state;   /** ?resume=state: resumed far behind, it takes the snapshot instead */
    int64_t cursor;      /** seq of the last event written */
    gv__frame *cur;      /** frame being written (a reference), NULL between frames */
    gv__frame *cur_wire; /** cur's bytes in the client's wire form (owned by cur) */
    size_t cur_off;      /** bytes of cur_wire already written */
    bool cur_event;      /** cur is the event cursor + 1 (else a direct message) */
    gv__wire wire;       /** the form its messages take; GV__WIRE_COUNT: the payload as is (SSE) */
    gv__client_ctx ctx;  /** following the view's deflate stream */
    int64_t ctx_from;    /** GV__CTX_SYNCED: the first event it takes from the stream */
    gv__frame *cur_ctx;  /** cur compressed in the view's stream (a reference), or NULL */
    bool gz_started;     /** gzip (SSE): the stream's header is written */
    uint32_t gz_crc;     /** gzip: CRC-32 of what was sent, for the stream's trailer */
    uint32_t gz_len;     /** gzip: bytes sent (mod 2^32), for the trailer */
    uint64_t you_hash;   /** hash of the last "you" queued, 0 for none */
    int64_t subscribed_us; /** only events made after this count in the broadcast latency */
    int64_t keepalive_us;  /** SSE: last time something was written */
    int64_t heard_us;      /** WebSocket: last time the peer sent anything (a message, a pong) */
    int64_t pinged_us;     /** WebSocket: when the last ping was asked for */
    bool ping_due;         /** WebSocket: a ping to write at the next writeable callback */
    unsigned q_head, q_len;
    /* What the fan-out reads of every reader at every event (settle, client_write.c)
     * is above, in the struct's first few cache lines; what it does not, below. */
    gv__grant grant;
    char actor[GV__ID_MAX + 1]; /** person the client acts as, "" for viewers */
    char addr[64];              /** peer address, counted in the per-address table */
    bool addr_counted;
    bool open_counted; /** counted in the metrics' open connections */
    gv__direct q[GV__DIRECT_MAX];
    gv__bucket bucket;
    int close_status;         /** WebSocket close code once CLOSING or RESYNC */
    const char *close_reason; /** static text sent with it */
    /* WebSocket receive state. */
    char *rx;
    size_t rx_len;
    unsigned in_flight; /** its commands submitted, not yet completed */
    bool rx_paused;     /** reading paused: too many answers owed (gv__client_flow) */
    bool upload;        /** an upload's command (route_statements.c): it may attach a statement */
    /* HTTP command result: the response once the commit completes. */
    int http_status;
    char *http_body;
    bool http_failed;     /** no answer could be made: a fixed 500 is written instead */
    struct ev_io *hangup; /** SSE over HTTP/1.1: its socket watched for a close (hangup.c) */
    bool peeked;          /** SSE not so watched: the tick peeks at its peer (server.c) */
    bool streamed;        /** takes its view's deflate stream (gzip SSE, a WebSocket keeping its
                           ** context), set before it subscribes (room_deflate.c) */
};

/* Sets the answer of an HTTP command (takes body, made with gv__error_json or
 * gv_json_text: NULL when it could not be made, and then the answer is a
 * fixed 500, never none) and asks to write it. */
void gv__client_answer(gv__client *c, int status, char *body);

/* A new client with one reference; NULL on ENOMEM. */
gv__client *gv__client_new(struct gv_server *s, gv__client_kind kind, struct lws *wsi);
gv__client *gv__client_ref(gv__client *c);
void gv__client_unref(gv__client *c);
/*
 * Queues a direct message, written once every event up to after_seq is
 * (takes the frame's reference, even on failure). f may be NULL: a message
 * that could not be made. Returns 0 (also for a client past its stream,
 * which takes nothing more); GV_ELIMIT when the queue is full or GV_ENOMEM
 * when f is NULL: the client is then cut off (gv__client_cut), so that it
 * fetches a snapshot instead of waiting for what it was owed, and the caller
 * writes it nothing more.
 */
int gv__client_send(gv__client *c, gv__frame *f, int64_t after_seq)
    __attribute__((warn_unused_result));
/* Queues {"type":"error",...} for the request id (may be NULL); as
 * gv__client_send. */
int gv__client_error(gv__client *c, const json_t *id, int code, const char *msg);
/* The same with a reason (gv_error.reason, a static string, or NULL). */
int gv__client_refuse(gv__client *c, const json_t *id, int code, const char *reason,
                      const char *msg);
/* {"type":"error","id":..,"code":..,"message":..} as a new string (malloc). */
char *gv__error_json(const json_t *id, int code, const char *msg);
/* The same with "reason" when reason is not NULL (docs/protocol.md, "Errors"). */
char *gv__error_json_reason(const json_t *id, int code, const char *reason, const char *msg);
/*
 * Writes what the client is owed, whole frames one after the other, up to
 * GV__WRITE_CHUNK bytes in one write (client_write.c), and asks for another
 * writeable callback if more is owed. Returns -1 when the connection must
 * close now (an lws callback's return value), else 0.
 */
int gv__client_write(gv__client *c);
/*
 * New events or messages are owed: writes them now when the connection can
 * take them without a callback (HTTP/1.1, nothing of it buffered by lws),
 * else asks for a writeable callback. For the loop thread outside the
 * client's own callbacks; a connection that fails is closed asynchronously.
 */
void gv__client_flush(gv__client *c);
/* Is anything owed to the client that may be written now? */
bool gv__client_owed(const gv__client *c);
/* The person whose own part the client reads: the link's person, or the
 * person a role link acts as; "" for nobody. */
const char *gv__client_person(const gv__client *c);
/* Queues the person's own part after event after_seq if it differs from the
 * last one queued (f: a "you" frame, its reference taken). */
void gv__client_you(gv__client *c, gv__frame *f, int64_t after_seq);
/* Its connection is gone (the connection's close callback): leaves the room,
 * releases its address slot, drops the connection's reference. NULL allowed. */
void gv__client_gone(gv__client *c);
/* Subscribes to the room: the stream starts after since_seq, or with a
 * snapshot when since_seq < 0 or the room no longer holds those events, or
 * (c->resume_state, since_seq > 0) when they weigh more than the snapshot. */
int gv__client_subscribe(gv__client *c, gv__room *r, int64_t since_seq, gv_error *err);
/* Starts a clean close: pending frames are written first, then the
 * connection closes with status and reason (static text). */
void gv__client_close(gv__client *c, int status, const char *reason);
/* Cuts a reader off: drops what it is owed, tells it to fetch a snapshot, closes. */
void gv__client_cut(gv__client *c, const char *why);
/* The same when the fault is the server's, not the reader's: the messages
 * already queued for it (the answers to its commands among them) are
 * written first, at once, then the notice; a full queue is dropped. */
void gv__client_cut_keeping_answers(gv__client *c, const char *why);
/* Back-pressure: stops reading a WebSocket's commands while half of its queue
 * is owed (queued answers plus commands in flight), resumes below a quarter. */
void gv__client_flow(gv__client *c);

#endif
