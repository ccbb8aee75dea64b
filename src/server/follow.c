/*
 * Following the shared log: reading, off the loop, the events that other
 * servers stored in a meeting's log (docs/decisions/0015).
 *
 * Several `gavel serve` processes may share one log of record (a
 * PostgreSQL database). A room learns that the log has moved on in three
 * ways: a batch of its own fails because another server took its place
 * (room.c), the bus brings an event it cannot fold yet (bus.c), or this
 * file's schedule says it has not looked for a while. Each time it reads the
 * log after its own seq here: a worker (work/worker.h) with its own store
 * handle runs the read, parses and checks every event (gv_replay_parse),
 * and hands them back to the loop thread, where gv__room_read_done folds
 * them into the room. The loop never waits for the database on this path.
 *
 * At most one read per room is on its way (r->reading). The worker's stop
 * rule is DROP: nobody needs a read once the server stops.
 */
#define _GNU_SOURCE /* asprintf */
#include "server/follow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/bus.h"
#include "server/room.h"
#include "store/replay.h"
#include "work/worker.h"

/** reads waiting for the thread; a room whose read is refused tries again at the next tick */
#define READS_WAITING_MAX 4096

typedef struct follow_read {
    gv_work work; /** first: the worker's item */
    struct gv__follow *f;
    gv__room *room;
    char meeting[GV_MEETING_ID_MAX + 1];
    int64_t after;
    int64_t asked_us; /** gv__mono_us() when the room asked */
    gv__remote_event *evs;
    size_t n, cap;
    bool more; /** stopped at GV__FOLLOW_READ_MAX: the log holds more */
    int code;
    gv_error err;
} follow_read;

struct gv__follow {
    gv_store *store; /** the reading thread's own handle */
    gv_worker *worker;
};

void gv__remote_event_release(gv__remote_event *e)
{
    free(e->bytes);
    json_decref(e->ev);
    memset(e, 0, sizeof *e);
}

static void read_free(follow_read *rd)
{
    for (size_t i = 0; i < rd->n; i++)
        gv__remote_event_release(&rd->evs[i]);
    free(rd->evs);
    free(rd);
}

/* Reading thread: one stored event, copied and parsed. */
static int collect(void *ud, const gv_stored_event *ev)
{
    follow_read *rd = ud;
    if (rd->n == GV__FOLLOW_READ_MAX) {
        rd->more = true;
        return 1;
    }
    if (rd->n == rd->cap) {
        size_t cap = rd->cap ? 2 * rd->cap : 16;
        gv__remote_event *grown = realloc(rd->evs, cap * sizeof *grown);
        if (!grown)
            return gv_error_set(&rd->err, GV_ENOMEM, "out of memory reading the log");
        rd->evs = grown;
        rd->cap = cap;
    }
    gv__remote_event *e = &rd->evs[rd->n];
    memset(e, 0, sizeof *e);
    if (!(e->ev = gv_replay_parse(ev, &rd->err)))
        return rd->err.code;
    if (!(e->bytes = malloc(ev->len))) {
        json_decref(e->ev);
        return gv_error_set(&rd->err, GV_ENOMEM, "out of memory reading the log");
    }
    memcpy(e->bytes, ev->bytes, ev->len);
    e->len = ev->len;
    e->seq = ev->seq;
    memcpy(e->hash, ev->hash, GV_HASH_BYTES);
    rd->n++;
    return 0;
}

static void read_run(gv_work *item)
{
    follow_read *rd = (follow_read *)item;
    gv_error_clear(&rd->err);
    int rc = gv_store_read(rd->f->store, rd->meeting, rd->after, collect, rd, &rd->err);
    rd->code = rc == 1 ? 0 : rc;
}

/* Loop thread (arg: the server), or the worker's free at the end (NULL). */
static void read_done(gv_work *item, void *arg)
{
    follow_read *rd = (follow_read *)item;
    struct gv_server *s = arg;
    if (s) {
        rd->room->reading = false;
        int code = rd->work.ran ? rd->code : GV_EBUSY;
        gv__room_read_done(s, rd->room, rd->asked_us, rd->evs, rd->n, rd->more, code,
                           rd->work.ran ? rd->err.msg : "the server is stopping");
    }
    read_free(rd);
}

int gv__follow_open(struct gv_server *s, const char *db_path, gv_error *err)
{
    struct gv__follow *f = calloc(1, sizeof *f);
    if (!f)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    s->follow = f;
    gv_worker_config cfg = {
        .name = "the log reader",
        .at_stop = GV_WORKER_DROP,
        .max_waiting = READS_WAITING_MAX,
        .wake = gv__server_wake,
        .wake_ud = s,
    };
    if (!(f->store = gv_store_open(db_path, 0, err)) || !(f->worker = gv_worker_new(&cfg, err)))
        return err ? err->code : GV_EIO;
    return gv_worker_start(f->worker, err);
}

int gv__follow_read(struct gv_server *s, gv__room *r)
{
    if (r->reading)
        return 0;
    follow_read *rd = calloc(1, sizeof *rd);
    if (!rd)
        return GV_ENOMEM;
    rd->work.run = read_run;
    rd->work.done = read_done;
    rd->f = s->follow;
    rd->room = r;
    rd->after = r->seq;
    rd->asked_us = gv__mono_us();
    snprintf(rd->meeting, sizeof rd->meeting, "%s", r->id);
    int rc = gv_worker_submit(s->follow->worker, &rd->work, NULL);
    if (rc < 0) {
        free(rd);
        return rc;
    }
    r->reading = true;
    r->read_us = rd->asked_us;
    return 0;
}

void gv__follow_tick(struct gv_server *s)
{
    if (s->stopping)
        return;
    int64_t now = gv__mono_us();
    int64_t every = (int64_t)(gv__bus_carries(s) ? GV__FOLLOW_CHECK_MS : GV__FOLLOW_POLL_MS) * 1000;
    for (unsigned b = 0; b < s->n_rooms_buckets; b++)
        for (gv__room *r = s->rooms[b]; r; r = r->hash_next) {
            if (s->shared_log && !r->reading && now - r->read_us >= every)
                gv__follow_read(s, r);
            gv__room_follow_expire(s, r, now);
            gv__room_follow_progress(s, r); /* a read that could not be asked for before */
        }
}

void gv__follow_poll(struct gv_server *s)
{
    if (s->follow && s->follow->worker)
        gv_worker_poll(s->follow->worker, s);
}

void gv__follow_stop(struct gv_server *s)
{
    if (s->follow && s->follow->worker)
        gv_worker_stop(s->follow->worker);
}

void gv__follow_free(struct gv_server *s)
{
    struct gv__follow *f = s->follow;
    if (!f)
        return;
    gv_worker_free(f->worker, NULL);
    gv_store_close(f->store);
    free(f);
    s->follow = NULL;
}

void gv__follow_status_get(struct gv_server *s, gv__follow_status *out)
{
    memset(out, 0, sizeof *out);
    out->node = s->cfg.node_name;
    out->shared = s->shared_log;
    out->bus = gv__bus_state(s);
    out->via = !s->shared_log ? "none" : gv__bus_carries(s) ? "nats" : "database";
    out->database_ok = s->log_read_error_us == 0;
    int64_t now = gv__mono_us();
    for (unsigned b = 0; b < s->n_rooms_buckets; b++)
        for (gv__room *r = s->rooms[b]; r; r = r->hash_next) {
            int64_t behind = r->log_seq > r->seq ? r->log_seq - r->seq : 0;
            if (behind > out->lag_events)
                out->lag_events = behind;
            if (r->behind_us && (now - r->behind_us) / 1000 > out->lag_ms)
                out->lag_ms = (now - r->behind_us) / 1000;
            out->waiting += r->n_pending;
        }
}

char *gv__follow_metrics_text(struct gv_server *s)
{
    gv__follow_status st;
    gv__follow_status_get(s, &st);
    const gv__metrics *m = &s->metrics;
    char *out = NULL;
    int n = asprintf(
        &out,
        "# HELP gavel_node_info This server among the servers of one log: its name, whether "
        "others append to the log, how their events come, the state of NATS.\n"
        "# TYPE gavel_node_info gauge\n"
        "gavel_node_info{node=\"%s\",log=\"%s\",via=\"%s\",nats=\"%s\"} 1\n"
        "# HELP gavel_log_lag_events Events of the log not yet folded by this server, in the "
        "meeting furthest behind.\n"
        "# TYPE gavel_log_lag_events gauge\n"
        "gavel_log_lag_events %lld\n"
        "# HELP gavel_log_lag_seconds How long the meeting furthest behind has lacked events of "
        "the log.\n"
        "# TYPE gavel_log_lag_seconds gauge\n"
        "gavel_log_lag_seconds %.3f\n"
        "# HELP gavel_log_polling 1 while events of other servers are found by reading the "
        "database (NATS off or down), 0 otherwise.\n"
        "# TYPE gavel_log_polling gauge\n"
        "gavel_log_polling %d\n"
        "# HELP gavel_database_reachable 0 when the last read of the log failed.\n"
        "# TYPE gavel_database_reachable gauge\n"
        "gavel_database_reachable %d\n"
        "# HELP gavel_commands_waiting Commands waiting for their meeting to catch up with "
        "the log.\n"
        "# TYPE gavel_commands_waiting gauge\n"
        "gavel_commands_waiting %u\n"
        "# HELP gavel_events_followed_total Events stored by other servers, folded here.\n"
        "# TYPE gavel_events_followed_total counter\n"
        "gavel_events_followed_total %llu\n"
        "# HELP gavel_commands_redecided_total Commands decided again because another server "
        "stored its events at their seq first.\n"
        "# TYPE gavel_commands_redecided_total counter\n"
        "gavel_commands_redecided_total %llu\n"
        "# HELP gavel_refusals_rechecked_total Commands the meeting refused that were decided "
        "again after reading the log (another server may have changed it).\n"
        "# TYPE gavel_refusals_rechecked_total counter\n"
        "gavel_refusals_rechecked_total %llu\n"
        "# HELP gavel_log_reads_failed_total Reads of the log that failed.\n"
        "# TYPE gavel_log_reads_failed_total counter\n"
        "gavel_log_reads_failed_total %llu\n"
        "# HELP gavel_bus_messages_total Events over NATS, by what became of them.\n"
        "# TYPE gavel_bus_messages_total counter\n"
        "gavel_bus_messages_total{result=\"published\"} %llu\n"
        "gavel_bus_messages_total{result=\"publish_failed\"} %llu\n"
        "gavel_bus_messages_total{result=\"received\"} %llu\n"
        "gavel_bus_messages_total{result=\"dropped\"} %llu\n"
        "gavel_bus_messages_total{result=\"refused\"} %llu\n",
        st.node, st.shared ? "shared" : "own", st.via, st.bus, (long long)st.lag_events,
        (double)st.lag_ms / 1000.0, st.shared && strcmp(st.via, "database") == 0, st.database_ok,
        st.waiting, (unsigned long long)m->events_followed,
        (unsigned long long)m->commands_redecided, (unsigned long long)m->refusals_rechecked,
        (unsigned long long)m->log_reads_failed, (unsigned long long)m->bus_published,
        (unsigned long long)m->bus_publish_failed, (unsigned long long)m->bus_received,
        (unsigned long long)m->bus_dropped, (unsigned long long)m->bus_refused);
    return n < 0 ? NULL : out;
}
