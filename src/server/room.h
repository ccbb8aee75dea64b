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
#include "server/follow.h"
#include "server/frame.h"
#include "server/server_internal.h"
#include "store/store.h"

typedef struct gv__pending gv__pending; /** a command waiting to be decided (room_follow.c) */

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
    unsigned in_flight; /** batches submitted, not yet completed */
    bool broken;        /** a commit failed: refuse commands until ahead is rebuilt */
    bool stale;         /** state missed a stored event: loaded again from the store (room.c) */
    char *state_text[GV_VIEW_COUNT]; /** encoded state in each view at state_seq, NULL if stale */
    size_t state_len[GV_VIEW_COUNT]; /** bytes of the last state_text made, kept when stale */
    int64_t state_seq;
    gv__frame *snap_ws[GV_VIEW_COUNT], *snap_sse[GV_VIEW_COUNT]; /** snapshot frames at state_seq */
    json_t *cids_ahead; /** client command ids of the batches submitted, not yet durable */
    gv__room *hash_next;
    /* What readers hold (room_patch.c): per view, the state as of the last
     * patch sent, from which the next one is made. */
    /** the view's state at patched_seq, NULL until it has a reader */
    json_t *patched[GV_VIEW_COUNT];
    int64_t patched_seq[GV_VIEW_COUNT];
    /** what the events after patched_seq may have changed (gv_changes_add),
     * kept while the view is patched */
    gv_changes changes[GV_VIEW_COUNT];
    unsigned readers[GV_VIEW_COUNT];  /** subscribers reading each view */
    int64_t unread_us[GV_VIEW_COUNT]; /** gv__mono_us() when a view's last reader left */
    char *last_text[GV_VIEW_COUNT];   /** the last event as each view reads it, until settled */
    /** of them, those that take each view's deflate stream, by transport
     * (gv__room_deflate_reader) */
    unsigned streamed[2][GV_VIEW_COUNT];
    json_t *you_pending; /** people whose own part changed since the last settle: id -> true */
    int64_t settled_seq; /** events up to this one are patched and may be written */
    struct gv__room_deflate
        *deflate; /** each view's events in one deflate stream (room_deflate.c) */
    /* The log and the other servers that append to it (room_follow.c). */
    unsigned char head[GV_HASH_BYTES];       /** chain hash of event `seq`, as stored */
    unsigned char ahead_head[GV_HASH_BYTES]; /** chain hash after the batches in flight */
    bool ahead_stale;                        /** `ahead` holds events that will not be stored */
    bool must_read;                          /** read the log before deciding anything */
    int64_t must_read_us;                    /** gv__mono_us() when must_read was set */
    int64_t log_seq;                         /** the highest seq the room knows the log has */
    int64_t behind_us; /** since when the room lacks events of the log; 0 when it does not */
    bool reading;      /** a read of the log is on its way (follow.c) */
    int64_t read_us;   /** when the last read was asked for */
    gv__pending *retry, **retry_tail; /** commands to decide again: another server took their seq */
    gv__pending *waiting, **waiting_tail; /** commands that came while the room caught up */
    unsigned n_pending;
    gv__remote_event *early; /** bus events past seq, kept until the room can fold them */
    unsigned n_early;
    char charged_by[GV__ID_MAX + 1]; /** the sender of the last command of another server charged */
    int64_t charged_at_ms;           /** ... and its time */
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
/* Snapshot frame in view v for the kind at the room's current seq (borrowed,
 * cached: made once per view, seq and kind, and its wire forms once each, for
 * every reader that takes it; *made counts the frames made). */
gv__frame *gv__room_snapshot_frame(gv__room *r, gv__client_kind kind, gv_view v, uint64_t *made);
/* The encoded state in view v at the current seq (borrowed, cached); NULL on ENOMEM. */
const char *gv__room_state_text(gv__room *r, gv_view v);
/*
 * Would the view's snapshot be lighter than the events after since_seq (in
 * the ring, as kind reads them in view v)? For a reader resuming with
 * ?resume=state. An estimate: the bytes of the events' frames as they stand
 * against the last encoding of the view's state, whatever its seq (the
 * state is encoded now only if it never was).
 */
bool gv__room_snapshot_lighter(gv__room *r, int64_t since_seq, gv__client_kind kind, gv_view v);
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
    const json_t *cmd;         /** the command, to decide again if it lost its seq */
    unsigned attempts;         /** times the command was decided, this one included */
    const json_t *events;      /** the events as decided */
    const json_t *req_id;      /** the command's id, or NULL */
    int64_t submitted_us;      /** gv__mono_us() when the batch went to the writer */
    int code;                  /** 0 when durable, else a GV_E* code */
    const char *message;       /** what went wrong, "" when durable */
    const gv_event_in *stored; /** the events' bytes as stored, one per event */
    size_t n;
    const unsigned char *head; /** chain hash of the last event stored (when durable) */
    bool in_doubt;             /** failed, but may have been stored (gv_write_done.in_doubt) */
} gv__commit;

/* Called by gv__storage_poll for each completed batch (loop thread). */
void gv__room_committed(struct gv_server *s, gv__room *r, const gv__commit *done);
/* Replaces the frames of event seq in view v (takes both references). */
void gv__room_ring_replace(gv__room *r, gv_view v, int64_t seq, gv__frame *ws, gv__frame *sse);

/*
 * Decides cmd against `ahead` and submits its events (attempts: times it
 * was decided before); refuses it at once when the core does. The
 * checks before deciding (stopping, broken, read-only) are
 * gv__room_command's.
 */
void gv__room_decide(gv__room *r, gv__client *c, const json_t *cmd, const json_t *id,
                     unsigned attempts);
/* `ahead` = `state` again (ahead holds events that will not be stored);
 * 0, or GV_ENOMEM with `ahead` unchanged. */
int gv__room_reset_ahead(gv__room *r);
/* After a failed commit, once nothing is in flight: `ahead` rebuilt from the
 * log up to seq, or the whole room loaded again from the store when its
 * state is stale; broken is cleared when that works. */
void gv__room_rebuild_ahead(struct gv_server *s, gv__room *r);
/* Answers a command with an error (and counts it). */
void gv__room_refuse(gv__client *c, const json_t *id, int code, const char *msg);
/*
 * Folds one durable event into `state`: applies it, puts its frames (made
 * from `bytes`, as stored) in the ring, notes whose own part it changed,
 * and moves seq and head on. 0, or a GV_E* code with err set: the room is
 * then stale and broken, folds and patches nothing more (GV_ESTATE), and is
 * loaded again from the store once nothing is in flight
 * (gv__room_rebuild_ahead).
 */
int gv__room_fold(gv__room *r, const json_t *ev, const char *bytes, size_t len,
                  const unsigned char hash[GV_HASH_BYTES], gv_error *err);

/* ---- the log other servers append to (room_follow.c) -------------------- */

/* Is the room catching up with the log (or deciding commands that waited)?
 * Then a new command waits its turn (gv__room_park). */
bool gv__room_behind(const gv__room *r);
/* Keeps a command to decide once the room has caught up (retry: it lost
 * its seq to another server and goes before those that came meanwhile).
 * 0, GV_EBUSY when too many wait, GV_ENOMEM. */
int gv__room_park(gv__room *r, gv__client *c, const json_t *cmd, const json_t *id,
                  unsigned attempts, bool retry);
/* A batch failed with GV_ESTATE while the room was not broken: another
 * server stored its events first. The command is decided again later. */
void gv__room_lost_race(struct gv_server *s, gv__room *r, gv__client *c, const json_t *cmd,
                        const json_t *id, unsigned attempts);
/* The core refused cmd against `ahead`, which may lack what other servers
 * stored: it waits (first in line) until the room has read the log, and is
 * then decided once more, that decision final. */
void gv__room_recheck(struct gv_server *s, gv__room *r, gv__client *c, const json_t *cmd,
                      const json_t *id);
/* Moves the room on once nothing of it is in flight: folds, reads, or
 * decides the commands that waited (see room_follow.c). */
void gv__room_follow_progress(struct gv_server *s, gv__room *r);
/* A read of the log asked at asked_us came back (follow.c): events after
 * the room's seq then, or the failure. */
void gv__room_read_done(struct gv_server *s, gv__room *r, int64_t asked_us,
                        const gv__remote_event *evs, size_t n, bool more, int code,
                        const char *msg);
/* An event another server committed, from the bus (bus.c). */
void gv__room_remote(struct gv_server *s, gv__room *r, const gv__remote_event *e);
/* A reader resumed after seq, which the room has not folded yet: it reads
 * the log for it. */
void gv__room_wants(struct gv_server *s, gv__room *r, int64_t seq);
/* What a command refused with GV_EUNAVAIL says to its sender. */
#define GV__UNAVAILABLE_MSG                                                                        \
    "the meeting's database cannot be reached at the moment: the command was not stored; send "    \
    "it again in a few seconds"
/* What a command whose outcome is unknown says to its sender (reason
 * "outcome_unknown"): its COMMIT's answer was lost with the database. */
#define GV__IN_DOUBT_MSG                                                                           \
    "the connection to the meeting's database was lost while this command was being stored, "      \
    "and the database cannot be read yet to tell whether it was: the meeting's stream will show "  \
    "its events if it was; send it again only with the same client command id (\"cid\"), so "      \
    "that it is done once"
/* The room reads the log before it decides anything more (it lacks, or may
 * lack, what the log holds). */
void gv__room_must_read(gv__room *r);
/* Says in the server's log, at most every 10 s, why the database cannot be reached. */
void gv__log_unavailable(struct gv_server *s, const char *why);
/* Refuses the commands that waited longer than GV__PENDING_MAX_MS for the
 * room to catch up (the log cannot be read). */
void gv__room_follow_expire(struct gv_server *s, gv__room *r, int64_t now_us);
#define GV__PENDING_MAX_MS 10000
/* Refuses every waiting command of the room, of every room (the server stops). */
void gv__room_refuse_pending(gv__room *r, int code, const char *msg);
void gv__rooms_refuse_pending(struct gv_server *s);
/* Frees what room_follow.c keeps in r (at the room's free). */
void gv__room_follow_release(gv__room *r);

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

/* ---- one deflate stream per view and transport (room_deflate.c) -------- */

/* Client c (WebSocket with compression and context agreed, or SSE taking
 * gzip) waits for the start of its view's next deflate stream: from then on
 * it is written the events compressed in that stream (gv__room_deflate_frame). */
void gv__room_deflate_wait(gv__room *r, gv__client *c);
/* Counts subscriber c in (delta 1) or out (-1) of those that take its view's
 * deflate stream (c->streamed): a stream nobody takes is given back. */
void gv__room_deflate_reader(gv__room *r, const gv__client *c, int delta);
/* At a settle, once the frames of the new events are final (their patches
 * made): each stream followed compresses them, starting again first if a
 * client waits for a start (now_us: the settle's clock). */
void gv__room_deflate_settle(gv__room *r, int64_t now_us);
/* Event seq of view v as compressed in the view's stream for clients of kind
 * k (the room's reference), or NULL when it is not held. */
gv__frame *gv__room_deflate_frame(gv__room *r, gv__client_kind k, gv_view v, int64_t seq);
/* Each SSE stream of every room quiet for longer than quiet_us gets a ping
 * compressed in it, queued to every reader that follows it. */
void gv__rooms_deflate_ping(struct gv_server *s, int64_t now_us, int64_t quiet_us);
/* Frees the streams (at the room's free). */
void gv__room_deflate_free(gv__room *r);
/* The deflate streams every room holds, by transport ([0] WebSocket, [1] SSE). */
void gv__rooms_deflate_count(struct gv_server *s, uint64_t held[2]);

/* Calls fn(s, c) for every subscriber of every room (fn may close c). */
void gv__rooms_each_subscriber(struct gv_server *s, void (*fn)(struct gv_server *s, gv__client *c));
/* Frees every room (at the end, once no client is left). */
void gv__rooms_free(struct gv_server *s);

#endif
