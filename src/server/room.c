/*
 * Rooms: meetings held in memory, and the path of a command through them.
 *
 *   gv__room_command: decide against `ahead`, apply there, submit to the writer
 *   gv__room_committed (writer completion, loop thread): apply to `state`,
 *     encode each event once per transport into the ring, note whose own
 *     part changed, acknowledge the sender; every cfg.snapshot_every events,
 *     hand a snapshot of `state` to the writer (stored after those events)
 *   gv__rooms_settle (room_patch.c, at the end of the wake-up, or in the
 *     loop's next turn once the HTTP answers it owes are written: settle.c):
 *     the state's patch into the last event's frames, every reader written
 *
 * A room is loaded from the meeting's newest usable snapshot and the events
 * after it (store/replay.h), with the frames of the ring_cap events before
 * it read too, so that a reader resuming from before the snapshot finds
 * them; without a snapshot, from the first event.
 *
 * Invariants:
 * - seq == gv_meeting_seq(state) <= gv_meeting_seq(ahead); they are equal
 *   when nothing is in flight;
 * - the ring holds the frames of events (seq - ring_cap, seq] that were
 *   loaded or committed since the room was loaded;
 * - nothing reaches a client before the writer reports it durable.
 * If a commit fails, `ahead` holds events that will never be stored; the room
 * is marked broken, refuses commands until its other batches complete, then
 * rebuilds `ahead` from the store.
 *
 * If a stored event cannot be folded into `state` (out of memory applying
 * it, making its frames or noting whose part it changed; or it does not
 * chain as stored), nothing is lost, since the store holds it, but the room
 * no longer knows what its state and its readers' are. Its sender is still
 * acknowledged with the seqs its events got; the room, marked stale and
 * broken, folds and patches nothing more and refuses commands (busy).
 * Batches that complete meanwhile are acknowledged without being folded.
 * Once nothing is in flight, every reader is cut off after the answers
 * queued for it (each then fetches a snapshot), the room loads itself
 * again from the store, as a room is loaded, and takes commands again.
 *
 * Client command ids: `state` knows the cid of every command its events
 * came from (gv_meeting_command_events: the fold keeps them, snapshots
 * too); `cids_ahead` holds those of batches in flight. A cid is in at most
 * one of them, and only events stored durably reach `state`.
 */
#include "server/room.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/snapshot.h"
#include "server/bus.h"
#include "server/http.h"
#include "server/storage.h"
#include "store/replay.h"

static unsigned room_bucket(const struct gv_server *s, const char *id)
{
    uint32_t h = 2166136261u;
    for (const char *p = id; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    return h % s->n_rooms_buckets;
}

void gv__room_free(gv__room *r)
{
    if (!r)
        return;
    for (int v = 0; v < GV_VIEW_COUNT; v++) {
        for (unsigned i = 0; i < r->ring_cap; i++) {
            if (r->ring_ws[v])
                gv__frame_unref(r->ring_ws[v][i]);
            if (r->ring_sse[v])
                gv__frame_unref(r->ring_sse[v][i]);
        }
        free(r->ring_ws[v]);
        free(r->ring_sse[v]);
        gv__frame_unref(r->snap_ws[v]);
        gv__frame_unref(r->snap_sse[v]);
        free(r->state_text[v]);
        json_decref(r->patched[v]);
        free(r->last_text[v]);
    }
    json_decref(r->you_pending);
    json_decref(r->cids_ahead);
    gv__room_follow_release(r);
    gv__room_deflate_free(r);
    gv_meeting_free(r->state);
    gv_meeting_free(r->ahead);
    free(r->id);
    free(r);
}

/* Puts the frames of event seq in view v into ring slot i, replacing the oldest. */
static int ring_set(gv__room *r, gv_view v, unsigned i, int64_t seq, const char *canon, size_t len)
{
    gv__frame *ws = gv__frame_printf("{\"type\":\"event\",\"event\":%.*s}", (int)len, canon);
    gv__frame *sse = gv__frame_printf("id: %lld\ndata: %.*s\n\n", (long long)seq, (int)len, canon);
    if (!ws || !sse) {
        gv__frame_unref(ws);
        gv__frame_unref(sse);
        return GV_ENOMEM;
    }
    char *text = strndup(canon, len);
    if (!text) {
        gv__frame_unref(ws);
        gv__frame_unref(sse);
        return GV_ENOMEM;
    }
    free(r->last_text[v]);
    r->last_text[v] = text;
    gv__frame_unref(r->ring_ws[v][i]);
    gv__frame_unref(r->ring_sse[v][i]);
    r->ring_ws[v][i] = ws;
    r->ring_sse[v][i] = sse;
    return 0;
}

void gv__room_ring_replace(gv__room *r, gv_view v, int64_t seq, gv__frame *ws, gv__frame *sse)
{
    unsigned i = (unsigned)((seq - 1) % r->ring_cap);
    gv__frame_unref(r->ring_ws[v][i]);
    gv__frame_unref(r->ring_sse[v][i]);
    r->ring_ws[v][i] = ws;
    r->ring_sse[v][i] = sse;
}

/* Encodes event seq (ev, canonical bytes canon), just applied to r->state, in
 * every view; a view reading it unchanged shares the full view's frames. */
static int ring_put(gv__room *r, int64_t seq, const json_t *ev, const char *canon, size_t len)
{
    unsigned i = (unsigned)((seq - 1) % r->ring_cap);
    int rc = ring_set(r, GV_VIEW_FULL, i, seq, canon, len);
    for (int v = GV_VIEW_FULL + 1; rc == 0 && v < GV_VIEW_COUNT; v++) {
        json_t *view = NULL;
        rc = gv_event_view(r->state, ev, (gv_view)v, &view);
        if (rc == 0 && view) {
            char *text = gv_event_canonical(view);
            rc = text ? ring_set(r, (gv_view)v, i, seq, text, strlen(text)) : GV_ENOMEM;
            free(text);
        } else if (rc == 0) {
            char *text = strdup(r->last_text[GV_VIEW_FULL]);
            if (!text) {
                rc = GV_ENOMEM;
                break;
            }
            free(r->last_text[v]);
            r->last_text[v] = text;
            gv__frame_unref(r->ring_ws[v][i]);
            gv__frame_unref(r->ring_sse[v][i]);
            r->ring_ws[v][i] = gv__frame_ref(r->ring_ws[GV_VIEW_FULL][i]);
            r->ring_sse[v][i] = gv__frame_ref(r->ring_sse[GV_VIEW_FULL][i]);
        }
        json_decref(view);
    }
    return rc;
}

gv__frame *gv__room_event_frame(gv__room *r, int64_t seq, gv__client_kind kind, gv_view v)
{
    if (seq < 1 || seq > r->seq || seq <= r->seq - (int64_t)r->ring_cap)
        return NULL;
    unsigned i = (unsigned)((seq - 1) % r->ring_cap);
    return kind == GV__CLIENT_SSE ? r->ring_sse[v][i] : r->ring_ws[v][i];
}

/* Drops the cached encodings of the state: it has changed. */
static void state_changed(gv__room *r)
{
    for (int v = 0; v < GV_VIEW_COUNT; v++) {
        free(r->state_text[v]);
        r->state_text[v] = NULL;
        gv__frame_unref(r->snap_ws[v]);
        gv__frame_unref(r->snap_sse[v]);
        r->snap_ws[v] = r->snap_sse[v] = NULL;
    }
}

/* Encodes the state in every view from one serialisation (each view shares
 * with it what it reads unchanged). */
static void encode_views(gv__room *r)
{
    json_t *full = gv_meeting_to_json(r->state);
    for (int v = 0; full && v < GV_VIEW_COUNT; v++) {
        json_t *j = r->state_text[v] ? NULL : gv_view_narrowed(r->state, full, (gv_view)v);
        if (j)
            r->state_text[v] = gv_json_text(j);
        if (r->state_text[v])
            r->state_len[v] = strlen(r->state_text[v]);
        json_decref(j);
    }
    json_decref(full);
}

const char *gv__room_state_text(gv__room *r, gv_view v)
{
    gv__room_settle_now(r); /* the next patch starts from the state shown */
    if (r->state_seq != r->seq) {
        state_changed(r);
        r->state_seq = r->seq;
    }
    if (!r->state_text[v])
        encode_views(r);
    return r->state_text[v];
}

bool gv__room_snapshot_lighter(gv__room *r, int64_t since_seq, gv__client_kind kind, gv_view v)
{
    if (!r->state_len[v] && !gv__room_state_text(r, v))
        return false; /* out of memory: the events, which are made already */
    size_t owed = 0;
    for (int64_t seq = since_seq + 1; seq <= r->seq; seq++) {
        const gv__frame *f = gv__room_event_frame(r, seq, kind, v);
        if (!f)
            return true; /* no longer held: only the snapshot can do */
        owed += f->len;
        if (owed > r->state_len[v])
            return true;
    }
    return false;
}

gv__frame *gv__room_you_frame(gv__room *r, gv__client_kind kind, const char *person)
{
    json_t *you = gv_meeting_you_json(r->state, person);
    char *text = you ? gv_json_text(you) : NULL;
    json_decref(you);
    if (!text)
        return NULL;
    gv__frame *f = kind == GV__CLIENT_SSE ? gv__frame_printf("event: you\ndata: %s\n\n", text)
                                          : gv__frame_printf("{\"type\":\"you\",\"you\":%s}", text);
    free(text);
    return f;
}

gv__frame *gv__room_snapshot_frame(gv__room *r, gv__client_kind kind, gv_view v, uint64_t *made)
{
    const char *text = gv__room_state_text(r, v);
    if (!text)
        return NULL;
    gv__frame **slot = kind == GV__CLIENT_SSE ? &r->snap_sse[v] : &r->snap_ws[v];
    if (!*slot) {
        (*made)++;
        *slot = kind == GV__CLIENT_SSE
                    ? gv__frame_printf(
                          "event: snapshot\nid: %lld\ndata: {\"seq\":%lld,\"state\":%s}\n\n",
                          (long long)r->seq, (long long)r->seq, text)
                    : gv__frame_printf("{\"type\":\"snapshot\",\"seq\":%lld,\"state\":%s}",
                                       (long long)r->seq, text);
    }
    return *slot;
}

/* Replay's callback while a room loads: the event is in `state` (the
 * replay applied it); `ahead` takes it too, and the ring its frames, made
 * from the bytes as stored. */
static int loaded(void *ud, const gv_stored_event *stored, const json_t *ev)
{
    gv__room *r = ud;
    gv_error err;
    int rc = gv_meeting_apply(r->ahead, ev, &err);
    if (rc == 0)
        rc = ring_put(r, stored->seq, ev, (const char *)stored->bytes, stored->len);
    if (rc == 0) {
        r->seq = stored->seq;
        memcpy(r->head, stored->hash, GV_HASH_BYTES);
    }
    return rc;
}

/* The frames of stored events (after, upto], already folded into the
 * room's snapshot: for readers who resume from before it. */
typedef struct ring_fill {
    gv__room *r;
    int64_t upto;
} ring_fill;

static int fill_one(void *ud, const gv_stored_event *stored)
{
    ring_fill *f = ud;
    if (stored->seq > f->upto)
        return 1;
    json_t *ev = json_loadb((const char *)stored->bytes, stored->len, 0, NULL);
    int rc = ev ? ring_put(f->r, stored->seq, ev, (const char *)stored->bytes, stored->len)
                : GV_ECORRUPT;
    json_decref(ev);
    if (stored->seq == f->upto)
        memcpy(f->r->head, stored->hash, GV_HASH_BYTES);
    return rc;
}

/*
 * Starts the room from the meeting's newest usable snapshot, when it has
 * one: both meetings at its seq, and the ring's worth of frames before it;
 * the caller then folds the events after it. Without one, nothing changes.
 * Returns 0 or a GV_E* code.
 */
static int load_snapshot(struct gv_server *s, gv__room *r, gv_error *err)
{
    gv_meeting *snap = NULL, *copy = NULL;
    gv_error why;
    if (gv__storage_load_snapshot(s, r->id, &snap, &why) < 0)
        return 0;
    if (!(copy = gv_meeting_clone(snap))) {
        gv_meeting_free(snap);
        return gv_error_set(err, GV_ENOMEM, "out of memory loading meeting \"%s\"", r->id);
    }
    gv_meeting_free(r->state);
    gv_meeting_free(r->ahead);
    r->state = snap;
    r->ahead = copy;
    r->seq = gv_meeting_seq(snap);
    ring_fill f = {.r = r, .upto = r->seq};
    int64_t from = r->seq > r->ring_cap ? r->seq - r->ring_cap : 0;
    int rc = gv_store_read(gv__storage_reader(s), r->id, from, fill_one, &f, err);
    if (rc == GV_ECORRUPT || rc == GV_ENOMEM)
        return gv_error_set(err, rc, "meeting \"%s\": cannot read the events before its snapshot",
                            r->id);
    return rc < 0 ? rc : 0;
}

/* An empty room for meeting id, its ring allocated; NULL on ENOMEM. */
static gv__room *room_new(struct gv_server *s, const char *id)
{
    gv__room *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->ring_cap = s->cfg.max_lag_events ? s->cfg.max_lag_events : 1;
    r->id = strdup(id);
    r->state = gv_meeting_new();
    r->ahead = gv_meeting_new();
    r->cids_ahead = json_object();
    bool made = r->id && r->state && r->ahead && r->cids_ahead;
    for (int v = 0; made && v < GV_VIEW_COUNT; v++) {
        r->ring_ws[v] = calloc(r->ring_cap, sizeof *r->ring_ws[v]);
        r->ring_sse[v] = calloc(r->ring_cap, sizeof *r->ring_sse[v]);
        made = r->ring_ws[v] && r->ring_sse[v];
    }
    if (!made) {
        gv__room_free(r);
        return NULL;
    }
    return r;
}

/* Loads a new room's state, ahead and ring from the store: the newest
 * usable snapshot and the events after it. 0 or a GV_E* code with err set. */
static int room_load(struct gv_server *s, gv__room *r, gv_error *err)
{
    int rc = load_snapshot(s, r, err);
    if (rc < 0)
        return rc;
    rc = gv_replay_range(gv__storage_reader(s), r->id, r->seq, 0, r->state, loaded, r, err);
    if (rc > 0 || rc == GV_ENOMEM) /* ring_put's ENOMEM comes without a message */
        return gv_error_set(err, GV_ENOMEM, "out of memory loading meeting \"%s\"", r->id);
    if (rc < 0)
        return rc;
    if (r->seq == 0)
        return gv_error_set(err, GV_ENOTFOUND, "meeting \"%s\" has no events", r->id);
    memcpy(r->ahead_head, r->head, GV_HASH_BYTES);
    return 0;
}

int gv__room_get(struct gv_server *s, const char *id, gv__room **out, gv_error *err)
{
    unsigned b = room_bucket(s, id);
    for (gv__room *r = s->rooms[b]; r; r = r->hash_next) {
        if (strcmp(r->id, id) == 0) {
            *out = r;
            return 0;
        }
    }
    if (!gv_store_is_meeting_id(id))
        return gv_error_set(err, GV_ENOTFOUND, "no meeting \"%s\"", id);
    gv__room *r = room_new(s, id);
    if (!r)
        return gv_error_set(err, GV_ENOMEM, "out of memory loading meeting \"%s\"", id);
    int rc = room_load(s, r, err);
    if (rc < 0) {
        gv__room_free(r);
        return rc;
    }
    /* Loaded events carry no patches: the views' patches start with their
     * first reader. */
    r->settled_seq = r->seq;
    r->log_seq = r->seq;
    r->waiting_tail = &r->waiting;
    r->retry_tail = &r->retry;
    r->hash_next = s->rooms[b];
    s->rooms[b] = r;
    s->n_rooms++;
    *out = r;
    /* Events other servers store from now on come over the bus; those
     * stored since the read above, from the log. */
    if (gv__bus_subscribe(s, r) < 0)
        lwsl_err("meeting %s: cannot subscribe to its events on the bus; reading the log "
                 "instead\n",
                 id);
    if (s->shared_log)
        gv__follow_read(s, r);
    return 0;
}

void gv__rooms_each_subscriber(struct gv_server *s, void (*fn)(struct gv_server *s, gv__client *c))
{
    for (unsigned b = 0; b < s->n_rooms_buckets; b++)
        for (gv__room *r = s->rooms[b]; r; r = r->hash_next)
            for (gv__client *c = r->subs, *next; c; c = next) {
                next = c->next;
                fn(s, c);
            }
}

void gv__rooms_free(struct gv_server *s)
{
    for (unsigned b = 0; s->rooms && b < s->n_rooms_buckets; b++) {
        gv__room *r = s->rooms[b];
        while (r) {
            gv__room *next = r->hash_next;
            gv__room_free(r);
            r = next;
        }
        s->rooms[b] = NULL;
    }
    s->n_rooms = 0;
}

int gv__room_reset_ahead(gv__room *r)
{
    gv_meeting *m = gv_meeting_clone(r->state);
    if (!m)
        return GV_ENOMEM;
    gv_meeting_free(r->ahead);
    r->ahead = m;
    memcpy(r->ahead_head, r->head, GV_HASH_BYTES);
    r->ahead_stale = false;
    return 0;
}

/* The readers' state is no longer known: no patch is made from it, and
 * the events folded so far count as settled (nobody is written more). */
static void stop_patching(gv__room *r)
{
    for (int v = 0; v < GV_VIEW_COUNT; v++) {
        json_decref(r->patched[v]);
        r->patched[v] = NULL;
        free(r->last_text[v]);
        r->last_text[v] = NULL;
    }
    if (r->you_pending)
        json_object_clear(r->you_pending);
    r->settled_seq = r->seq;
    state_changed(r);
}

/* Every reader is cut off, after the answers queued for it, and fetches a
 * snapshot. */
static void cut_readers(gv__room *r)
{
    for (gv__client *c = r->subs, *next; c; c = next) {
        next = c->next;
        gv__client_cut_keeping_answers(c, "the server ran out of memory sending the meeting: "
                                          "fetch a snapshot");
    }
}

/* Exchanges the parts a load makes that reload takes over: the state,
 * ahead and the rings. */
static void swap_loaded(gv__room *a, gv__room *b)
{
#define SWAP(T, x, y)                                                                              \
    do {                                                                                           \
        T t_ = (x);                                                                                \
        (x) = (y);                                                                                 \
        (y) = t_;                                                                                  \
    } while (0)
    SWAP(gv_meeting *, a->state, b->state);
    SWAP(gv_meeting *, a->ahead, b->ahead);
    for (int v = 0; v < GV_VIEW_COUNT; v++) {
        SWAP(gv__frame **, a->ring_ws[v], b->ring_ws[v]);
        SWAP(gv__frame **, a->ring_sse[v], b->ring_sse[v]);
    }
#undef SWAP
}

/*
 * A stale room, once nothing is in flight: loaded again from the store as
 * a new room is (state, ahead, the ring). 0, or a GV_E* code: the room
 * stays stale, and the next completion, command or tick tries again.
 */
static int reload(struct gv_server *s, gv__room *r)
{
    gv_error err;
    gv_error_clear(&err);
    gv__room *fresh = room_new(s, r->id);
    int rc = fresh ? room_load(s, fresh, &err) : GV_ENOMEM;
    if (rc < 0) {
        lwsl_err("meeting %s: cannot load it again from the store: %s\n", r->id,
                 err.msg[0] ? err.msg : "out of memory");
        gv__room_free(fresh);
        return rc;
    }
    /* The fresh room takes the old parts with it when it is freed. */
    swap_loaded(r, fresh);
    r->seq = fresh->seq;
    memcpy(r->head, fresh->head, GV_HASH_BYTES);
    memcpy(r->ahead_head, fresh->head, GV_HASH_BYTES);
    if (r->log_seq < r->seq)
        r->log_seq = r->seq;
    gv__room_free(fresh);
    r->ahead_stale = false;
    r->stale = false;
    stop_patching(r);
    lwsl_notice("meeting %s: loaded again from the store, at event %lld\n", r->id,
                (long long)r->seq);
    return 0;
}

/* Once nothing is in flight, after a failed commit: `ahead` = `state` again
 * (which holds exactly the durable events up to seq); or, when `state` is
 * stale, every reader cut off (now that the answers of all the batches are
 * queued: they go first) and the room loaded again from the store. Out of
 * memory, the room stays broken; the next completion, command or tick
 * retries. */
void gv__room_rebuild_ahead(struct gv_server *s, gv__room *r)
{
    if (r->stale)
        cut_readers(r);
    if ((r->stale ? reload(s, r) : gv__room_reset_ahead(r)) == 0)
        r->broken = false;
}

/* The command's error, to its sender. A WebSocket client that cannot be
 * given it is cut off (client.c); an HTTP one gets a fixed 500. */
static void refuse_why(gv__client *c, const json_t *id, int code, const char *reason,
                       const char *msg)
{
    gv__metrics_command(&c->srv->metrics, code);
    if (c->kind == GV__CLIENT_HTTP_CMD)
        gv__client_answer(c, gv__http_status(code), gv__error_json_reason(id, code, reason, msg));
    else if (gv__client_refuse(c, id, code, reason, msg) < 0)
        lwsl_err("meeting %s: %s's error \"%s\" was not queued: the client was cut off\n",
                 c->room ? c->room->id : "?", c->actor, gv_error_name(code));
}

static void refuse(gv__client *c, const json_t *id, int code, const char *msg)
{
    refuse_why(c, id, code, NULL, msg);
}

void gv__room_refuse(gv__client *c, const json_t *id, int code, const char *msg)
{
    refuse_why(c, id, code, NULL, msg);
}

static void acknowledge(gv__client *c, const json_t *id, const json_t *events, int64_t first,
                        int64_t last, bool repeated);

/* The events first..last as stored, from the ring; NULL when it no longer holds them. */
static json_t *ring_events(gv__room *r, int64_t first, int64_t last)
{
    json_t *out = json_array();
    for (int64_t seq = first; out && seq <= last; seq++) {
        gv__frame *f = gv__room_event_frame(r, seq, GV__CLIENT_WS, GV_VIEW_FULL);
        json_t *msg = f ? json_loadb((const char *)f->payload, f->len, 0, NULL) : NULL;
        json_t *ev = json_object_get(msg, "event");
        if (!ev || json_array_append(out, ev) < 0) {
            json_decref(out);
            out = NULL;
        }
        json_decref(msg);
    }
    return out;
}

/*
 * A command with client command id cid: true when it has been answered here
 * (done before, or being stored), false when it is to be decided.
 */
static bool answered_before(gv__room *r, gv__client *c, const char *cid, const json_t *id)
{
    if (json_object_get(r->cids_ahead, cid)) {
        refuse_why(c, id, GV_EBUSY, "in_flight",
                   "this command is being stored at this moment: send it again to get its answer");
        return true;
    }
    int64_t first = 0, last = 0;
    const char *by = NULL;
    if (gv_meeting_command_events(r->state, cid, &first, &last, &by) < 0)
        return false;
    /* An anonymous question's events name nobody: its asker may ask for the answer. */
    if (by && strcmp(by, c->actor) != 0 && strcmp(by, GV_ACTOR_ANONYMOUS) != 0) {
        refuse_why(c, id, GV_EINVAL, "cid_taken",
                   "this client command id (\"cid\") belongs to another command: make a new "
                   "random one for each command");
        return true;
    }
    /* Over HTTP the events again, as the first answer had them (none if the ring lost them). */
    json_t *events = c->kind == GV__CLIENT_HTTP_CMD ? ring_events(r, first, last) : NULL;
    if (!events)
        events = json_array();
    gv__metrics_command(&c->srv->metrics, 0);
    acknowledge(c, id, events, first, last, true);
    json_decref(events);
    return true;
}

void gv__room_command(gv__room *r, gv__client *c, const json_t *cmd, const json_t *id)
{
    struct gv_server *s = c->srv;
    if (s->stopping)
        return refuse(c, id, GV_EBUSY,
                      "the server is shutting down: send the command again "
                      "once it is back");
    if (r->broken && r->in_flight == 0)
        gv__room_rebuild_ahead(s, r);
    if (r->broken && r->stale)
        return refuse(c, id, GV_EBUSY,
                      "the server is loading this meeting again after running out of memory: "
                      "send the command again");
    if (r->broken)
        return refuse(c, id, GV_EBUSY, "storage failed a moment ago: send the command again");
    if (!c->actor[0])
        return refuse(c, id, GV_EPERM, "this link is read-only: it cannot send commands");
    /* A statement names a file the server stored first (route_statements.c):
     * no client names one itself. */
    const char *type = json_string_value(json_object_get(cmd, "type"));
    if (!c->upload && type && strcmp(type, "attach_statement") == 0)
        return refuse(c, id, GV_EINVAL,
                      "statements are attached by sending their file: POST "
                      "/api/v1/meetings/MEETING/statements?name=FILE");
    /* Catching up with what other servers stored: the command waits its
     * turn, to be decided against the state it will meet. */
    if (gv__room_behind(r)) {
        /* The log cannot be read at the moment: waiting would not help. */
        if (s->log_read_error_us)
            return refuse(c, id, GV_EUNAVAIL, GV__UNAVAILABLE_MSG);
        int rc = gv__room_park(r, c, cmd, id, 0, false);
        if (rc < 0)
            return refuse(c, id, GV_EBUSY,
                          "too many commands wait for this meeting to catch up: send it again");
        return gv__room_follow_progress(s, r);
    }
    gv__room_decide(r, c, cmd, id, 0);
}

void gv__room_decide(gv__room *r, gv__client *c, const json_t *cmd, const json_t *id,
                     unsigned attempts)
{
    struct gv_server *s = c->srv;
    gv_error err;
    gv_error_clear(&err);
    if (s->stopping)
        return refuse(c, id, GV_EBUSY,
                      "the server is shutting down: send the command again "
                      "once it is back");
    const char *cid = json_string_value(json_object_get(cmd, "cid"));
    if (cid && answered_before(r, c, cid, id))
        return;
    json_t *events = NULL;
    int rc = gv_meeting_decide(r->ahead, cmd, c->actor, gv__now_ms(), &events, &err);
    if (rc < 0 && s->shared_log && attempts == 0 && (rc == GV_ESTATE || rc == GV_ENOTFOUND))
        /* `ahead` may lack what another server stored a moment ago (a
         * command it acknowledged to this very sender): a refusal that
         * depends on the meeting's state is given only once the room has
         * read the log since the command came. */
        return gv__room_recheck(s, r, c, cmd, id);
    if (rc < 0)
        return refuse_why(c, id, rc, err.reason, err.msg);
    size_t i;
    json_t *ev;
    json_array_foreach(events, i, ev)
    {
        if (gv_meeting_apply(r->ahead, ev, &err) < 0) {
            /* decide made an event apply refuses: a core bug; ahead may be half-changed. */
            lwsl_err("meeting %s: event from \"%s\" does not apply: %s\n", r->id,
                     json_string_value(json_object_get(cmd, "type")), err.msg);
            r->broken = true;
            json_decref(events);
            return refuse(c, id, GV_ECORRUPT, "the server could not apply this command's events");
        }
    }
    rc = gv__storage_submit(s, r, c, cmd, attempts + 1, events, id, &err);
    json_decref(events);
    if (rc < 0) {
        r->broken = true;
        return refuse(c, id, rc, err.msg);
    }
    if (cid)
        json_object_set_new(r->cids_ahead, cid, json_true());
    r->in_flight++;
    c->in_flight++;
    gv__client_flow(c);
}

int gv__room_fold(gv__room *r, const json_t *ev, const char *bytes, size_t len,
                  const unsigned char hash[GV_HASH_BYTES], gv_error *err)
{
    if (r->stale) /* it folds nothing until it is loaded again */
        return gv_error_set(err, GV_ESTATE, "meeting %s is being loaded again", r->id);
    /* Only a patched view reads its changes (a first reader starts them
     * afresh); a failure below stops the patches. */
    for (int v = 0; v < GV_VIEW_COUNT; v++)
        if (r->patched[v])
            gv_changes_add(&r->changes[v], r->state, ev);
    int rc = gv_meeting_apply(r->state, ev, err);
    if (rc == 0)
        rc = ring_put(r, r->seq + 1, ev, bytes, len);
    if (rc == 0)
        rc = gv__room_you_changed(r, ev);
    if (rc < 0) {
        /* `state` may hold part of it: loaded again (the comment at the top). */
        r->stale = r->broken = true;
        stop_patching(r);
        return rc == GV_ENOMEM && !err->code ? gv_error_set(err, rc, "out of memory") : rc;
    }
    r->seq++;
    memcpy(r->head, hash, GV_HASH_BYTES);
    return 0;
}

/*
 * The acknowledgement, with the events for HTTP (the sender may not be
 * streaming), `repeated` when it answers a command done before. One that
 * cannot be made for want of memory is never dropped:
 * the sender gets an error saying its command was stored (or, failing that
 * too, is cut off or answered a fixed 500), and never waits for it.
 */
static void acknowledge(gv__client *c, const json_t *id, const json_t *events, int64_t first,
                        int64_t last, bool repeated)
{
    static const char lost[] = "the command was stored (events %lld to %lld) but the server ran "
                               "out of memory acknowledging it: read them from the stream";
    json_t *ack = json_pack("{s:s, s:I, s:I, s:I}", "type", "ack", "first_seq", (json_int_t)first,
                            "last_seq", (json_int_t)last, "server_ms", (json_int_t)gv__now_ms());
    bool made = ack && (!id || json_object_set(ack, "id", (json_t *)id) == 0) &&
                (!repeated || json_object_set_new(ack, "repeated", json_true()) == 0);
    char msg[200];
    snprintf(msg, sizeof msg, lost, (long long)first, (long long)last);
    if (c->kind == GV__CLIENT_HTTP_CMD) {
        made = made && json_object_set(ack, "events", (json_t *)events) == 0;
        char *body = made ? gv_json_text(ack) : NULL;
        if (body)
            gv__client_answer(c, 200, body);
        else
            gv__client_answer(c, 500, gv__error_json(id, GV_ENOMEM, msg));
    } else if (c->state == GV__LIVE || c->state == GV__CLOSING) {
        gv__frame *f = made ? gv__frame_json(ack) : NULL;
        if (f && gv__client_send(c, f, last) < 0)
            lwsl_err("meeting %s: the acknowledgement of %lld-%lld was not queued: %s was cut "
                     "off\n",
                     c->room ? c->room->id : "?", (long long)first, (long long)last, c->actor);
        else if (!f && gv__client_error(c, id, GV_ENOMEM, msg) < 0)
            lwsl_err("meeting %s: out of memory acknowledging %lld-%lld: %s was cut off\n",
                     c->room ? c->room->id : "?", (long long)first, (long long)last, c->actor);
    }
    json_decref(ack);
}

void gv__room_committed(struct gv_server *s, gv__room *r, const gv__commit *done)
{
    gv_error err;
    gv_error_clear(&err);
    gv__client *c = done->client;
    const json_t *req_id = done->req_id, *events = done->events;
    const char *msg = done->message;
    int rc = done->code;
    r->in_flight--;
    c->in_flight--;
    gv__histogram_observe(&s->metrics.commit_latency, gv__mono_us() - done->submitted_us);
    const char *cid = json_string_value(json_object_get(json_array_get(events, 0), "cid"));
    if (cid)
        json_object_del(r->cids_ahead, cid);
    if (rc == 0 && json_array_size(events) != done->n) {
        lwsl_err("meeting %s: %zu events decided, %zu stored\n", r->id, json_array_size(events),
                 done->n);
        rc = GV_ECORRUPT;
    }
    if (rc == GV_ESTATE && !r->broken) {
        /* Another server stored its events at these seqs first (or at a
         * seq this batch was decided after): decided again once the room
         * has them (room_follow.c). */
        gv__room_lost_race(s, r, c, done->cmd, req_id, done->attempts);
    } else if (rc < 0) {
        /* Submitted before an earlier batch failed, this one finds the log
         * short of the seqs it follows (GV_ESTATE): it was not stored because
         * of that failure, which is no conflict of the meeting's; send again. */
        if (r->broken && rc == GV_ESTATE) {
            rc = GV_EBUSY;
            msg = "a command before it failed to be stored a moment ago; send it again";
        }
        r->broken = true;
        char text[GV_ERROR_MSG_MAX + 64];
        const char *reason = NULL;
        if (done->in_doubt) {
            /* Its events may be in the log: the room reads it as soon as
             * it can, so that they reach every reader if they are. */
            gv__log_unavailable(s, msg);
            gv__room_must_read(r);
            reason = "outcome_unknown";
            snprintf(text, sizeof text, "%s", GV__IN_DOUBT_MSG);
        } else if (rc == GV_EUNAVAIL) {
            /* The database server's address is the operator's, not the
             * sender's: said in the server's log, once a while. */
            gv__log_unavailable(s, msg);
            snprintf(text, sizeof text, "%s", GV__UNAVAILABLE_MSG);
        } else {
            snprintf(text, sizeof text, "the command could not be stored: %s", msg ? msg : "");
        }
        refuse_why(c, req_id, rc, reason, text);
    } else {
        /* The events are durable: whatever fails below, the sender is
         * acknowledged with the seqs they got (the comment at the top). */
        size_t n = done->n;
        int64_t first = n ? done->stored[0].seq : r->seq + 1;
        int64_t last = n ? done->stored[n - 1].seq : r->seq;
        bool was_stale = r->stale; /* the chain before this batch is not known */
        unsigned char hash[GV_HASH_BYTES];
        memcpy(hash, r->head, GV_HASH_BYTES);
        for (size_t i = 0; i < n; i++) {
            /* The frames carry the bytes as the writer stored them. */
            const gv_event_in *stored = &done->stored[i];
            const char *bytes = (const char *)stored->bytes;
            gv_hash_event(hash, stored->bytes, stored->len, hash);
            if (!r->stale &&
                gv__room_fold(r, json_array_get(events, i), bytes, stored->len, hash, &err) < 0)
                lwsl_err("meeting %s: stored event %lld could not be taken in (%s): the meeting "
                         "is loaded again from the store\n",
                         r->id, (long long)stored->seq, err.msg);
            s->metrics.events_committed++;
            if (!was_stale)
                gv__bus_publish(s, r, stored->seq, hash, bytes, stored->len);
        }
        if (!r->stale && memcmp(r->head, done->head, GV_HASH_BYTES) != 0) {
            lwsl_err("meeting %s: the chain hash of event %lld differs from the stored one: the "
                     "meeting is loaded again from the store\n",
                     r->id, (long long)r->seq);
            r->stale = r->broken = true;
            stop_patching(r);
        }
        gv__metrics_command(&s->metrics, 0);
        /* Every snapshot_every events, the state goes beside the log. */
        unsigned every = s->cfg.snapshot_every;
        if (!r->stale && every && r->seq / every > (first - 1) / every)
            gv__storage_snapshot(s, r->id, r->state);
        acknowledge(c, req_id, events, first, last, false);
    }
    gv__client_flow(c);
    if (r->broken && r->in_flight == 0)
        gv__room_rebuild_ahead(s, r);
    gv__room_follow_progress(s, r);
}
