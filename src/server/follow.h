/*
 * Following the shared log (follow.c): reads of the events other servers
 * stored, off the loop, and the schedule of those reads.
 */
#ifndef GV_SERVER_FOLLOW_H
#define GV_SERVER_FOLLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "server/server_internal.h"
#include "store/store.h"

/* An event of the log this server did not commit itself, read from the
 * store or carried by the bus (bus.c), parsed and checked off the loop. */
typedef struct gv__remote_event {
    int64_t seq;
    unsigned char hash[GV_HASH_BYTES]; /** its chain hash, as stored (or as the bus says) */
    char *bytes;                       /** the canonical bytes (owned) */
    size_t len;
    json_t *ev; /** the event parsed (gv_replay_parse; holds a reference) */
} gv__remote_event;

/* Frees what e holds (not e). */
void gv__remote_event_release(gv__remote_event *e);

/* Opens the reading thread's own store handle and makes the thread. */
int gv__follow_open(struct gv_server *s, const char *db_path, gv_error *err);
/* threads[] of server.c: finished reads to their rooms; stop; free. */
void gv__follow_poll(struct gv_server *s);
void gv__follow_stop(struct gv_server *s);
void gv__follow_free(struct gv_server *s);

/*
 * Reads the events of room r's meeting after r->seq on the reading thread;
 * the room gets them with gv__room_read_done. One read per room at a time
 * (r->reading). 0, or a GV_E* code (the queue is full, the server stops).
 */
int gv__follow_read(struct gv_server *s, gv__room *r);

/*
 * Periodic (the server's tick): on a log other servers write to, every
 * room reads what was stored since it last looked, every
 * GV__FOLLOW_POLL_MS while the bus is down (or there is none), every
 * GV__FOLLOW_CHECK_MS while the bus carries the events (in case it lost
 * one: the last event of a burst has no successor to show the gap).
 */
void gv__follow_tick(struct gv_server *s);

/* Where this server stands with the log, for /healthz and /metrics. */
typedef struct gv__follow_status {
    const char *node;   /** the server's name (cfg.node_name) */
    bool shared;        /** other servers append to the log */
    const char *via;    /** how their events come: "nats", "database" (polling) or "none" */
    const char *bus;    /** "connected", "down" or "off" */
    bool database_ok;   /** the last read of the log worked (or none failed yet) */
    int64_t lag_events; /** events of the log not folded yet, in the meeting furthest behind */
    int64_t lag_ms;     /** how long the meeting furthest behind has lacked events */
    unsigned waiting;   /** commands waiting for their meeting to catch up */
} gv__follow_status;

void gv__follow_status_get(struct gv_server *s, gv__follow_status *out);
/* The status and the counters of following the log in Prometheus text, as
 * a new string (malloc'd); NULL on ENOMEM. */
char *gv__follow_metrics_text(struct gv_server *s);

#define GV__FOLLOW_POLL_MS  500
#define GV__FOLLOW_CHECK_MS 5000
/** most events one read brings; a room further behind reads again */
#define GV__FOLLOW_READ_MAX 4096

#endif
