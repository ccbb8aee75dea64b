/*
 * Rooms (room.c): meetings held in memory, and the path of a command
 * through them from decision to broadcast.
 */
#ifndef GV_SERVER_ROOM_H
#define GV_SERVER_ROOM_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/meeting.h"
#include "core/view.h"
#include "server/client.h"
#include "server/frame.h"
#include "server/server_internal.h"
#include "store/store.h"

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
    json_t *cids_ahead; /** client command ids of the batches submitted, not yet durable */
    gv__room *hash_next;
    /* What readers hold (room_patch.c): per view, the state as of the last
     * patch sent, from which the next one is made. */
    /** the view's state at patched_seq, NULL until it has a reader */
    json_t *patched[GV_VIEW_COUNT];
    int64_t patched_seq[GV_VIEW_COUNT];
    unsigned readers[GV_VIEW_COUNT];  /** subscribers reading each view */
    int64_t unread_us[GV_VIEW_COUNT]; /** gv__mono_us() when a view's last reader left */
    char *last_text[GV_VIEW_COUNT];   /** the last event as each view reads it, until settled */
    json_t *you_pending; /** people whose own part changed since the last settle: id -> true */
    int64_t settled_seq; /** events up to this one are patched and may be written */
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
/*
 * Decides a command sent by client c (acting as c->actor) and submits its
 * events to the writer. The client gets an acknowledgement or an error when
 * the commit completes (or at once when the command is refused). Takes no
 * ownership of cmd. id is the client's request id (may be NULL).
 *
 * A command whose client command id ("cid") the log already holds is not
 * decided again: it is answered at once with the acknowledgement of the
 * events it made ("repeated": true), so that a command sent again after a
 * lost answer, on a new connection or after a restart, is done once. One
 * still being stored is answered busy (reason "in_flight"): send it again.
 */
void gv__room_command(gv__room *r, gv__client *c, const json_t *cmd, const json_t *id);
/* A batch's outcome, as storage.c hands it back to its room. Borrowed. */
typedef struct gv__commit {
    gv__client *client;        /** the sender (the batch holds a reference) */
    const json_t *events;      /** the events as decided */
    const json_t *req_id;      /** the command's id, or NULL */
    int64_t submitted_us;      /** gv__mono_us() when the batch went to the writer */
    int code;                  /** 0 when durable, else a GV_E* code */
    const char *message;       /** what went wrong, "" when durable */
    const gv_event_in *stored; /** the events' bytes as stored, one per event */
    size_t n;
} gv__commit;

/* Called by gv__storage_poll for each completed batch (loop thread). */
void gv__room_committed(struct gv_server *s, gv__room *r, const gv__commit *done);
/* Replaces the frames of event seq in view v (takes both references). */
void gv__room_ring_replace(gv__room *r, gv_view v, int64_t seq, gv__frame *ws, gv__frame *sse);

/* ---- what readers hold (room_patch.c) ----------------------------------- */

/* A reader of view v joins: the view's patches start now if they had not.
 * 0, or GV_ENOMEM. Settles the room first (gv__room_settle_now). */
int gv__room_reader_joined(gv__room *r, gv_view v);
/* A reader of view v left: a view nobody has read for a while is no longer
 * patched (room_patch.c). */
void gv__room_reader_left(gv__room *r, gv_view v);
/* Settles the room now if events wait: before its state is shown (a
 * snapshot), so that the next patch starts from the state shown. */
void gv__room_settle_now(gv__room *r);
/* Notes whose own part event ev, just applied, changed (gv_event_you_people). */
int gv__room_you_changed(gv__room *r, const json_t *ev);
/*
 * After the commits a wake-up brought: for each room with new events, the
 * patch from each view's last patched state to now goes into the frames of
 * its last event; the people whose own part changed get a "you"; every
 * reader is written what it is owed (gv__client_flush).
 */
void gv__rooms_settle(struct gv_server *s);

/* Calls fn(s, c) for every subscriber of every room (fn may close c). */
void gv__rooms_each_subscriber(struct gv_server *s, void (*fn)(struct gv_server *s, gv__client *c));
/* Frees every room (at the end, once no client is left). */
void gv__rooms_free(struct gv_server *s);

#endif
