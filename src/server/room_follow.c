/*
 * A room on a log that other servers append to as well
 * (docs/decisions/0015-many-servers-on-one-log.md).
 *
 * Every server decides commands against its own `ahead` and appends their
 * events with the chain hash they were decided after
 * (gv_writer_submit_after). The database serialises the appends: the first
 * to commit an event at a seq has it; another server's batch for that seq,
 * and every batch it decided after it, fails with GV_ESTATE. Such a command
 * is not refused: it is decided again once the room has folded what the
 * other server stored, against the state that now is, and only then
 * acknowledged with the seq it got. Nothing is applied twice (a command's
 * events are stored once or not at all) and nothing is lost (a command is
 * answered, acknowledged or refused, exactly once).
 *
 * What the room knows of the log:
 *   seq       what it has folded (its state);
 *   log_seq   the highest seq it knows the log has (from the bus, from a
 *             reader that resumed after it, from a read);
 *   must_read it lost a race, or the bus and the log disagree: it reads the
 *             log before deciding anything (must_read_us: since when).
 * The room is behind while must_read or seq < log_seq. Behind, it decides
 * nothing: commands wait in `waiting` (those that lost a race in `retry`,
 * before them, in their order), and once none of its batches is in flight
 * it folds what the bus brought early, and reads the log (follow.c) if
 * that is not enough. Caught up, it decides the waiting commands, in
 * order (gv__room_follow_progress).
 *
 * Remote events (from a read or from the bus) are folded only while no
 * batch of this room is in flight, so `ahead` equals `state` and both take
 * the event; each must chain from the room's head hash, else the room reads
 * the log instead (the log is the truth; the bus only brings events sooner).
 */
#include <stdlib.h>
#include <string.h>

#include "core/snapshot.h"
#include "server/bus.h"
#include "server/command.h"
#include "server/follow.h"
#include "server/room.h"

/** times one command is decided again before it is refused as busy */
#define RETRY_MAX 32
/** commands one room keeps waiting while it catches up; more are refused (busy) */
#define PENDING_MAX 8192
/** bus events kept while the room cannot fold them yet */
#define EARLY_MAX 256

struct gv__pending {
    gv__client *client; /** holds a reference */
    json_t *cmd;        /** holds a reference */
    json_t *id;         /** the request id, may be NULL; holds a reference */
    unsigned attempts;  /** times it was decided already */
    int64_t parked_us;  /** gv__mono_us() when it began to wait */
    gv__pending *next;
};

bool gv__room_behind(const gv__room *r)
{
    return r->must_read || r->seq < r->log_seq || r->retry || r->waiting;
}

static void pending_free(gv__pending *p)
{
    gv__client_unref(p->client);
    json_decref(p->cmd);
    json_decref(p->id);
    free(p);
}

int gv__room_park(gv__room *r, gv__client *c, const json_t *cmd, const json_t *id,
                  unsigned attempts, bool retry)
{
    if (r->n_pending >= PENDING_MAX && !retry)
        return GV_EBUSY;
    gv__pending *p = calloc(1, sizeof *p);
    if (!p)
        return GV_ENOMEM;
    p->client = gv__client_ref(c);
    p->cmd = json_incref((json_t *)cmd);
    p->id = id ? json_incref((json_t *)id) : NULL;
    p->attempts = attempts;
    p->parked_us = gv__mono_us();
    gv__pending ***tail = retry ? &r->retry_tail : &r->waiting_tail;
    if (!*tail)
        *tail = retry ? &r->retry : &r->waiting;
    **tail = p;
    *tail = &p->next;
    r->n_pending++;
    c->in_flight++;
    gv__client_flow(c);
    return 0;
}

/* The next waiting command: those that lost a race first. */
static gv__pending *unpark(gv__room *r)
{
    gv__pending **head = r->retry ? &r->retry : &r->waiting;
    gv__pending ***tail = r->retry ? &r->retry_tail : &r->waiting_tail;
    gv__pending *p = *head;
    if (!p)
        return NULL;
    *head = p->next;
    if (!*head)
        *tail = head;
    r->n_pending--;
    p->client->in_flight--;
    return p;
}

void gv__room_refuse_pending(gv__room *r, int code, const char *msg)
{
    gv__pending *p;
    while ((p = unpark(r))) {
        gv__room_refuse(p->client, p->id, code, msg);
        gv__client_flow(p->client);
        pending_free(p);
    }
}

/* The command that made event ev, stored by another server, counts toward
 * its sender's rate here too. The events of one command share their sender
 * and time: a run of them is charged once. The definition's events
 * ("system") and anonymous questions name no sender to charge. */
static void charge(struct gv_server *s, gv__room *r, const json_t *ev)
{
    const char *by = json_string_value(json_object_get(ev, "by"));
    int64_t at = json_integer_value(json_object_get(ev, "at_ms"));
    if (!by || strcmp(by, "system") == 0 || strcmp(by, "anonymous") == 0)
        return;
    if (at == r->charged_at_ms && strcmp(by, r->charged_by) == 0)
        return;
    snprintf(r->charged_by, sizeof r->charged_by, "%s", by);
    r->charged_at_ms = at;
    gv__command_charge(s, r, by);
}

/* Folds one event of the log, stored by another server, into both state
 * and ahead (equal while nothing is in flight). GV_ESTATE when it is not
 * the next one, GV_ECORRUPT when it does not chain or apply. */
static int fold_one(struct gv_server *s, gv__room *r, const gv__remote_event *e)
{
    if (e->seq != r->seq + 1)
        return GV_ESTATE;
    unsigned char h[GV_HASH_BYTES];
    gv_hash_event(r->head, (const unsigned char *)e->bytes, e->len, h);
    if (memcmp(h, e->hash, GV_HASH_BYTES) != 0)
        return GV_ECORRUPT;
    gv_error err;
    if (gv_meeting_apply(r->ahead, e->ev, &err) < 0) {
        lwsl_err("meeting %s: event %lld of another server does not apply: %s\n", r->id,
                 (long long)e->seq, err.msg);
        r->ahead_stale = true;
        return GV_ECORRUPT;
    }
    int rc = gv__room_fold(r, e->ev, e->bytes, e->len, h, &err);
    if (rc < 0) {
        lwsl_err("meeting %s: event %lld of the log does not apply: %s\n", r->id, (long long)e->seq,
                 err.msg);
        r->broken = true;
        return rc;
    }
    memcpy(r->ahead_head, r->head, GV_HASH_BYTES);
    s->metrics.events_followed++;
    charge(s, r, e->ev);
    return 0;
}

static int early_order(const void *a, const void *b)
{
    int64_t x = ((const gv__remote_event *)a)->seq, y = ((const gv__remote_event *)b)->seq;
    return (x > y) - (x < y);
}

/* Folds the bus's events that now follow the room's seq; drops the rest. */
static void fold_early(struct gv_server *s, gv__room *r)
{
    if (!r->n_early)
        return;
    qsort(r->early, r->n_early, sizeof *r->early, early_order);
    for (unsigned i = 0; i < r->n_early; i++) {
        gv__remote_event *e = &r->early[i];
        if (e->seq == r->seq + 1 && !r->must_read && fold_one(s, r, e) < 0)
            r->must_read = true; /* the bus and the log disagree: the log says */
        gv__remote_event_release(e);
    }
    r->n_early = 0;
}

/* Keeps a copy of a bus event the room cannot fold yet. */
static void keep_early(gv__room *r, const gv__remote_event *e)
{
    if (r->n_early == EARLY_MAX || (!r->early && !(r->early = calloc(EARLY_MAX, sizeof *r->early))))
        return; /* the room is at least that far behind: it reads the log */
    gv__remote_event *k = &r->early[r->n_early];
    if (!(k->bytes = malloc(e->len)))
        return;
    memcpy(k->bytes, e->bytes, e->len);
    k->len = e->len;
    k->seq = e->seq;
    memcpy(k->hash, e->hash, GV_HASH_BYTES);
    k->ev = json_incref(e->ev);
    r->n_early++;
}

/* The log has at least `seq`: the room is behind until it has it too. */
static void log_has(gv__room *r, int64_t seq)
{
    if (seq <= r->log_seq)
        return;
    r->log_seq = seq;
    if (seq > r->seq && !r->behind_us)
        r->behind_us = gv__mono_us();
}

/* Readers who resumed after an event the log does not have are told to
 * start again from a snapshot. */
static void cut_ahead(gv__room *r)
{
    for (gv__client *c = r->subs, *next; c; c = next) {
        next = c->next;
        if (c->cursor > r->seq)
            gv__client_cut(c, "the log has no event after the one you resumed from: fetch a "
                              "snapshot");
    }
}

void gv__room_follow_progress(struct gv_server *s, gv__room *r)
{
    if (r->in_flight > 0 || s->stopping)
        return;
    if (r->broken)
        gv__room_rebuild_ahead(s, r);
    if (r->broken || (r->ahead_stale && gv__room_reset_ahead(r) < 0))
        return; /* out of memory: the next completion, read or tick tries again */
    fold_early(s, r);
    if (r->seq < r->log_seq)
        r->must_read = true;
    if (r->must_read) {
        if (!r->reading && gv__follow_read(s, r) < 0)
            r->read_us = 0; /* the reader's queue is full: the next tick asks again */
        return;
    }
    r->behind_us = 0;
    gv__pending *p;
    while (!r->must_read && r->seq >= r->log_seq && (p = unpark(r))) {
        gv__room_decide(r, p->client, p->cmd, p->id, p->attempts);
        pending_free(p);
    }
}

void gv__room_must_read(gv__room *r)
{
    if (r->must_read)
        return;
    r->must_read = true;
    r->must_read_us = gv__mono_us();
    if (!r->behind_us)
        r->behind_us = r->must_read_us;
}

void gv__room_lost_race(struct gv_server *s, gv__room *r, gv__client *c, const json_t *cmd,
                        const json_t *id, unsigned attempts)
{
    s->metrics.commands_redecided++;
    r->ahead_stale = true;
    gv__room_must_read(r);
    if (attempts >= RETRY_MAX) {
        gv__room_refuse(c, id, GV_EBUSY,
                        "the meeting changed on other servers each time this command was about "
                        "to be stored: nothing was stored; send it again");
        return;
    }
    if (gv__room_park(r, c, cmd, id, attempts, true) < 0)
        gv__room_refuse(c, id, GV_ENOMEM, "out of memory: the command was not stored");
}

void gv__room_recheck(struct gv_server *s, gv__room *r, gv__client *c, const json_t *cmd,
                      const json_t *id)
{
    s->metrics.refusals_rechecked++;
    gv__room_must_read(r);
    if (gv__room_park(r, c, cmd, id, 1, true) < 0) {
        gv__room_refuse(c, id, GV_ENOMEM, "out of memory: the command was not stored");
        return;
    }
    gv__room_follow_progress(s, r);
}

void gv__room_read_done(struct gv_server *s, gv__room *r, int64_t asked_us,
                        const gv__remote_event *evs, size_t n, bool more, int code, const char *msg)
{
    if (code < 0) {
        s->metrics.log_reads_failed++;
        if (gv__mono_us() - s->log_read_error_us > 10000000) {
            s->log_read_error_us = gv__mono_us();
            lwsl_err("meeting %s: cannot read the log: %s\n", r->id, msg);
        }
        /* must_read stays: the next tick reads again. The commands that
         * wait for it are refused now rather than after GV__PENDING_MAX_MS. */
        if (code == GV_EUNAVAIL)
            gv__room_refuse_pending(r, GV_EUNAVAIL, GV__UNAVAILABLE_MSG);
        return;
    }
    s->log_read_error_us = 0;
    if (r->in_flight > 0)
        return; /* overtaken by this room's own commands: their outcome will tell */
    if (r->ahead_stale && gv__room_reset_ahead(r) < 0)
        return;
    for (size_t i = 0; i < n; i++) {
        if (evs[i].seq <= r->seq)
            continue;
        log_has(r, evs[i].seq);
        int rc = fold_one(s, r, &evs[i]);
        if (rc < 0) {
            lwsl_err("meeting %s: event %lld read from the log does not follow the room's "
                     "(%s): reading the log again\n",
                     r->id, (long long)evs[i].seq, gv_error_name(rc));
            r->must_read = true;
            r->must_read_us = gv__mono_us();
            return;
        }
    }
    /* A whole read asked for after the room knew it was behind: it has
     * everything the log had then. */
    if (!more && asked_us >= r->must_read_us) {
        r->must_read = false;
        if (r->log_seq > r->seq) {
            /* Nobody stored what the room was told of (a reader's position
             * ahead of the log, a bus message of another log). */
            cut_ahead(r);
            r->log_seq = r->seq;
        }
    }
    gv__room_follow_progress(s, r);
}

void gv__room_remote(struct gv_server *s, gv__room *r, const gv__remote_event *e)
{
    s->metrics.bus_received++;
    if (e->seq <= r->seq)
        return;
    log_has(r, e->seq);
    if (r->in_flight == 0 && !r->must_read && !r->ahead_stale && !r->n_early &&
        e->seq == r->seq + 1) {
        if (fold_one(s, r, e) == 0) {
            r->behind_us = 0;
            gv__room_follow_progress(s, r);
            return;
        }
        r->must_read = true;
        r->must_read_us = gv__mono_us();
    } else {
        keep_early(r, e);
    }
    gv__room_follow_progress(s, r);
}

void gv__room_wants(struct gv_server *s, gv__room *r, int64_t seq)
{
    log_has(r, seq);
    gv__room_follow_progress(s, r);
}

void gv__log_unavailable(struct gv_server *s, const char *why)
{
    int64_t now = gv__mono_us();
    if (s->unavailable_said_us && now - s->unavailable_said_us < 10000000)
        return;
    s->unavailable_said_us = now;
    lwsl_err("the database cannot be reached; commands are refused (unavailable) until it is "
             "back: %s\n",
             why ? why : "");
}

void gv__room_follow_expire(struct gv_server *s, gv__room *r, int64_t now_us)
{
    gv__pending *first = r->retry ? r->retry : r->waiting;
    if (!first || now_us - first->parked_us < (int64_t)GV__PENDING_MAX_MS * 1000)
        return;
    /* The oldest has waited too long: the room cannot catch up (the log
     * cannot be read). Every command waiting is refused; they are in order,
     * and the newest would only wait behind the same read. */
    bool unreachable = s->log_read_error_us != 0;
    gv__room_refuse_pending(r, unreachable ? GV_EUNAVAIL : GV_EBUSY,
                            unreachable ? GV__UNAVAILABLE_MSG
                                        : "the meeting could not catch up with what other "
                                          "servers stored: the command was not stored; send it "
                                          "again");
}

void gv__room_follow_release(gv__room *r)
{
    gv__pending *p;
    while ((p = unpark(r)))
        pending_free(p);
    for (unsigned i = 0; i < r->n_early; i++)
        gv__remote_event_release(&r->early[i]);
    free(r->early);
}

void gv__rooms_refuse_pending(struct gv_server *s)
{
    for (unsigned b = 0; b < s->n_rooms_buckets; b++)
        for (gv__room *r = s->rooms[b]; r; r = r->hash_next)
            gv__room_refuse_pending(r, GV_EBUSY,
                                    "the server is shutting down: the command was not stored; "
                                    "send it again once it is back");
}
