/*
 * What a room's readers hold, and how the stream keeps it current
 * (docs/decisions/0009-the-stream-carries-state-patches.md).
 *
 * For each view that has readers, the room keeps the view's state as of the
 * last patch it sent (`patched`, at `patched_seq`). Once the commits of a
 * wake-up are applied (gv__rooms_settle), the view's state now is compared
 * with it (gv_json_diff) and the patch goes into the frames of the last
 * event, as {"base": patched_seq, "ops": [...]}: a reader whose state is at
 * base takes the event's seq and time (gv_state_took_event), applies the
 * operations and is at the event's seq. The event says its seq and time
 * already, so the operations leave them out. The patch is made once per view
 * and commit, and shared by every reader of the view, as the event is.
 *
 * A view's patches start with its first reader (from the state at that
 * moment) and stop once nobody has read the view for GV__PATCH_GRACE_US: a
 * reader that drops and comes back within it (a page's reconnection) finds
 * its state in the chain, and a view nobody reads costs nothing. A page
 * resuming from a state the patches do not start from (events loaded from
 * the store carry none) finds the first patch's base is not its state, and
 * fetches a snapshot. A patch that cannot be made (out of memory) is
 * left out: the next one starts from the same base, so readers that hold it
 * miss nothing.
 *
 * A settle costs what its events changed, whatever the number of events it
 * covers: each event names the sections of the state it may change, or
 * for an arrival or a departure one person's row (gv_changes_add; kept per
 * view since its last patch in `changes`), and only those are made again,
 * narrowed to the view, and compared (gv_view_update;
 * docs/decisions/0021-patch-cost-follows-the-event.md). A patch left out
 * keeps its view's `changes` for the next one. When
 * commits come faster than
 * the loop settles them, the writer commits more of them at a time and each
 * settle covers more (holding settles back on a timer to batch them was
 * measured: it cost half the command throughput in acknowledgement waits).
 * Events not settled are not written to readers (client_write.c stops at
 * settled_seq), and anything that shows the state (a snapshot, a new reader,
 * a stream's close) settles first.
 *
 * A person's own part ("you") is sent after the events that change it:
 * while the events are applied the room notes whose part changed
 * (gv_event_you_people); at the settle each of their readers gets the part
 * as it is now, unless it is what that reader was last sent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/patch.h"
#include "server/client.h"
#include "server/room.h"

/* How long a view's patches go on without a reader. */
#define GV__PATCH_GRACE_US (15 * 1000000LL)

int gv__room_reader_joined(gv__room *r, gv_view v)
{
    gv__room_settle_now(r);
    if (!r->patched[v]) {
        r->patched[v] = gv_meeting_view_json(r->state, v);
        if (!r->patched[v])
            return GV_ENOMEM;
        r->patched_seq[v] = r->seq;
        r->changes[v] = (gv_changes){0};
    }
    r->readers[v]++;
    return 0;
}

void gv__room_reader_left(gv__room *r, gv_view v)
{
    if (r->readers[v] > 0 && --r->readers[v] == 0)
        r->unread_us[v] = gv__mono_us();
}

static void note_person(void *arg, const char *person)
{
    json_object_set_new(arg, person, json_true());
}

int gv__room_you_changed(gv__room *r, const json_t *ev)
{
    if (!r->you_pending && !(r->you_pending = json_object()))
        return GV_ENOMEM;
    return gv_event_you_people(r->state, ev, note_person, r->you_pending);
}

/* Puts view v's patch into the frames of the room's last event; part is
 * the state's sections now that the views' changes name (the union of
 * theirs: gv_meeting_sections_json), made once for every view. */
static void patch_view(gv__room *r, gv_view v, const json_t *part)
{
    /* The event (its seq, its at_ms: the state's last, meeting.c) is read
     * before the patch: what it says, the patch does not repeat. */
    long long base = (long long)r->patched_seq[v], seq = (long long)r->seq,
              at_ms = (long long)gv_meeting_last_at_ms(r->state);
    json_t *took = gv_state_took_event(r->patched[v], seq, at_ms), *ops = NULL;
    /* Only the sections the events changed are made again; the others are
     * took's own values, which the diff passes over at once. */
    json_t *now = took && part ? gv_view_update(r->state, took, part, &r->changes[v], v) : NULL;
    char *text = NULL;
    gv__frame *ws = NULL, *sse = NULL;
    int rc = GV_ENOMEM;
    if (!now || gv_json_diff(took, now, gv_state_id_keys, &ops) < 0 || !(text = gv_json_text(ops)))
        goto out;
    const char *ev = r->last_text[v];
    ws = gv__frame_printf("{\"type\":\"event\",\"patch\":{\"base\":%lld,\"ops\":%s},\"event\":%s}",
                          base, text, ev);
    sse = gv__frame_printf(
        "event: patch\ndata: "
        "{\"at_ms\":%lld,\"base\":%lld,\"seq\":%lld,\"ops\":%s}\n\nid: %lld\ndata: %s\n\n",
        at_ms, base, seq, text, seq, ev);
    if (!ws || !sse)
        goto out;
    /* Latency counts from the event being durable, as it did unpatched. */
    gv__frame *old = gv__room_event_frame(r, r->seq, GV__CLIENT_WS, v);
    if (old)
        ws->made_us = sse->made_us = old->made_us;
    /* The ring takes the frames, the view takes now: not ours to release. */
    gv__room_ring_replace(r, v, r->seq, ws, sse);
    ws = sse = NULL;
    json_decref(r->patched[v]);
    r->patched[v] = now;
    now = NULL;
    r->patched_seq[v] = r->seq;
    r->changes[v] = (gv_changes){0};
    rc = 0;
out:
    if (rc < 0)
        lwsl_warn("meeting %s: out of memory making the %s view's patch at %lld\n", r->id,
                  gv_view_names[v], (long long)r->seq);
    gv__frame_unref(ws);
    gv__frame_unref(sse);
    json_decref(ops);
    json_decref(now);
    json_decref(took);
    free(text);
}

/* Each reader whose person's part changed gets it, made once per person and
 * transport. */
static void send_yous(gv__room *r)
{
    size_t n = json_object_size(r->you_pending), used = 0;
    if (!n)
        return;
    gv__frame *(*made)[2] = calloc(n, sizeof *made);
    json_t *index = json_object(); /* person -> their row of made */
    for (gv__client *c = r->subs; made && index && c; c = c->next) {
        const char *person = gv__client_person(c);
        if (c->state != GV__LIVE || !person[0] || !json_object_get(r->you_pending, person))
            continue;
        json_t *at = json_object_get(index, person);
        size_t k = at ? (size_t)json_integer_value(at) : used;
        if (!at && json_object_set_new(index, person, json_integer((json_int_t)used++)) < 0)
            break;
        int t = c->kind == GV__CLIENT_SSE;
        if (!made[k][t])
            made[k][t] = gv__room_you_frame(r, c->kind, person);
        /* Not made (out of memory): the reader is cut off and resyncs. */
        gv__client_you(c, gv__frame_ref(made[k][t]), r->seq);
    }
    for (size_t k = 0; made && k < used; k++) {
        gv__frame_unref(made[k][0]);
        gv__frame_unref(made[k][1]);
    }
    free(made);
    json_decref(index);
    json_object_clear(r->you_pending);
}

static void settle(gv__room *r)
{
    int64_t now = gv__mono_us();
    unsigned which = 0;
    bool patched = false;
    for (int v = 0; v < GV_VIEW_COUNT; v++) {
        if (r->patched[v] && !r->readers[v] && now - r->unread_us[v] > GV__PATCH_GRACE_US) {
            json_decref(r->patched[v]);
            r->patched[v] = NULL;
        }
        if (r->patched[v])
            which |= r->changes[v].sections;
        patched |= r->patched[v] != NULL;
    }
    json_t *part = patched ? gv_meeting_sections_json(r->state, which) : NULL;
    for (int v = 0; v < GV_VIEW_COUNT; v++) {
        if (r->patched[v])
            patch_view(r, (gv_view)v, part);
        free(r->last_text[v]);
        r->last_text[v] = NULL;
    }
    json_decref(part);
    gv__room_deflate_settle(r, now);
    send_yous(r);
    r->settled_seq = r->seq;
    /* Write every reader; cut off those too far behind to catch up from the ring. */
    for (gv__client *c = r->subs, *next; c; c = next) {
        next = c->next;
        if (c->state != GV__LIVE)
            continue;
        if (r->seq - c->cursor > (int64_t)r->ring_cap)
            gv__client_cut(c, "fell too far behind: fetch a snapshot");
        else
            gv__client_flush(c);
    }
}

void gv__room_settle_now(gv__room *r)
{
    if (r->settled_seq < r->seq)
        settle(r);
}

void gv__rooms_settle(struct gv_server *s)
{
    for (unsigned b = 0; b < s->n_rooms_buckets; b++)
        for (gv__room *r = s->rooms[b]; r; r = r->hash_next)
            gv__room_settle_now(r);
}
