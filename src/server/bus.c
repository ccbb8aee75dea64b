/*
 * The bus between servers: NATS (libnats), as decision 0016 says.
 *
 * Every event a server commits is published once, after its commit, on the
 * subject of its meeting (gv__bus_subject), with its seq and chain hash in
 * the message's headers (Gavel-Seq, Gavel-Hash) and its canonical bytes as
 * the payload. A server does not receive its own messages (NATS "no echo").
 * Each room subscribes to its meeting's subject when it loads.
 *
 * The bus carries no state of its own: a message lost, late or out of
 * order only shows the room a gap, and the room reads the log
 * (follow.c). Nothing is acknowledged because of the bus; readers on other
 * servers get events sooner with it, that is all.
 *
 * Threads: libnats calls on_message on its delivery thread and the
 * connection callbacks on its own threads. None of them touches a room or
 * anything of the loop: a message becomes an item of the inbox, a worker
 * (work/worker.h) whose thread checks the message (headers, JSON, canonical
 * form) and whose done() hands it to its room on the loop thread
 * (gv__room_remote); the connection state is one atomic, and each change
 * wakes the loop, which notices it in gv__bus_poll.
 *
 * States (`state`, set by the callbacks): DOWN (not yet connected, or
 * lost: libnats reconnects in the background, every RECONNECT_WAIT_MS,
 * forever) <-> UP (connected). On a return to UP every room reads the log
 * once, for what the bus did not bring while it was down.
 */
#include "server/bus.h"

#include <nats/nats.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/meeting.h"
#include "server/follow.h"
#include "server/room.h"
#include "work/worker.h"

/** between attempts to reach NATS again */
#define RECONNECT_WAIT_MS 500
/** a silent connection is pinged this often, and lost after two unanswered */
#define PING_INTERVAL_MS 2000
/** messages received and not yet handed to the loop; more are dropped (a gap, read later) */
#define INBOX_MAX 65536
/** bytes of publishes NATS keeps while it reconnects (stale ones are harmless duplicates) */
#define RECONNECT_BUF_BYTES (1024 * 1024)

enum { BUS_DOWN, BUS_UP };

/* One room's subscription; the closure libnats hands to on_message. */
typedef struct bus_sub {
    struct gv__bus *bus;
    gv__room *room;
    natsSubscription *sub;
    struct bus_sub *next;
} bus_sub;

struct gv__bus {
    natsOptions *opts;
    natsConnection *nc;
    gv_worker *inbox;
    char prefix[128];
    struct gv_server *srv; /** for the callbacks' wake-up only */
    atomic_int state;      /** BUS_DOWN or BUS_UP, set by libnats' threads */
    atomic_bool stopping;  /** set by gv__bus_stop: the callbacks touch nothing more */
    atomic_bool closed;    /** libnats' closed callback ran: nothing of it calls back */
    int seen;              /** the state the loop last acted on */
    bus_sub *subs;
    atomic_ullong dropped; /** messages the inbox could not take */
};

/* A message on its way from libnats' thread to the loop. */
typedef struct bus_msg {
    gv_work work; /** first: the worker's item */
    gv__room *room;
    natsMsg *msg; /** until checked, then destroyed */
    bool ok;      /** checked: ev holds the event */
    gv__remote_event ev;
} bus_msg;

int gv__bus_subject(const char *prefix, const char *meeting, char *out, size_t size)
{
    static const char hex[] = "0123456789abcdef";
    size_t n = (size_t)snprintf(out, size, "%s.", prefix);
    for (const unsigned char *p = (const unsigned char *)meeting; n < size && *p; p++) {
        bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                     (*p >= '0' && *p <= '9') || *p == '_' || *p == '-';
        if (plain) {
            out[n++] = (char)*p;
        } else if (n + 3 < size) {
            out[n++] = '~';
            out[n++] = hex[*p >> 4];
            out[n++] = hex[*p & 15];
        } else {
            n = size;
        }
    }
    if (n >= size) {
        if (size)
            out[0] = '\0';
        return GV_ELIMIT;
    }
    out[n] = '\0';
    return 0;
}

/* ---- libnats' threads ---------------------------------------------------- */

/* The connection went up or down: the loop sees it on its wake-up. Once the
 * server stops, its loop's context goes: no more wake-ups. */
static void set_state(struct gv__bus *b, int state)
{
    if (atomic_load(&b->stopping))
        return;
    atomic_store(&b->state, state);
    gv__server_wake(b->srv);
}

static void on_up(natsConnection *nc, void *closure)
{
    (void)nc;
    set_state(closure, BUS_UP);
}

static void on_down(natsConnection *nc, void *closure)
{
    (void)nc;
    set_state(closure, BUS_DOWN);
}

/* The last callback of a connection, after gv__bus_stop closed it; the bus
 * is freed only once it has run. */
static void on_closed(natsConnection *nc, void *closure)
{
    (void)nc;
    struct gv__bus *b = closure;
    atomic_store(&b->state, BUS_DOWN);
    atomic_store(&b->closed, true);
}

static void msg_run(gv_work *item);
static void msg_done(gv_work *item, void *arg);

/* libnats' delivery thread: the message goes to the inbox, or is dropped. */
static void on_message(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
    (void)nc;
    (void)sub;
    bus_sub *bs = closure;
    if (atomic_load(&bs->bus->stopping)) {
        natsMsg_Destroy(msg);
        return;
    }
    bus_msg *m = calloc(1, sizeof *m);
    if (m) {
        m->work.run = msg_run;
        m->work.done = msg_done;
        m->room = bs->room;
        m->msg = msg;
        if (gv_worker_submit(bs->bus->inbox, &m->work, NULL) == 0)
            return;
        free(m);
    }
    natsMsg_Destroy(msg);
    atomic_fetch_add(&bs->bus->dropped, 1);
}

/* ---- the inbox's thread -------------------------------------------------- */

/* Checks a message: its headers, and a payload that is the canonical JSON
 * of an event with the seq the headers say. */
static void msg_run(gv_work *item)
{
    bus_msg *m = (bus_msg *)item;
    const char *seq_text = NULL, *hash_text = NULL;
    const char *data = natsMsg_GetData(m->msg);
    int len = natsMsg_GetDataLength(m->msg);
    char *end = NULL;
    if (natsMsgHeader_Get(m->msg, "Gavel-Seq", &seq_text) != NATS_OK ||
        natsMsgHeader_Get(m->msg, "Gavel-Hash", &hash_text) != NATS_OK || !data || len <= 0 ||
        gv_hash_from_hex(hash_text, m->ev.hash) < 0)
        goto out;
    long long seq = strtoll(seq_text, &end, 10);
    if (*end || seq < 1)
        goto out;
    json_t *ev = json_loadb(data, (size_t)len, JSON_REJECT_DUPLICATES, NULL);
    char *canon = json_is_object(ev) ? gv_event_canonical(ev) : NULL;
    json_t *jseq = json_object_get(ev, "seq");
    if (!canon || strlen(canon) != (size_t)len || memcmp(canon, data, (size_t)len) != 0 ||
        !json_is_integer(jseq) || json_integer_value(jseq) != seq) {
        free(canon);
        json_decref(ev);
        goto out;
    }
    m->ev.seq = seq;
    m->ev.bytes = canon;
    m->ev.len = (size_t)len;
    m->ev.ev = ev;
    m->ok = true;
out:
    natsMsg_Destroy(m->msg);
    m->msg = NULL;
}

/* ---- the loop thread ----------------------------------------------------- */

/* The loop (arg: the server), or the inbox's free at the end (NULL). */
static void msg_done(gv_work *item, void *arg)
{
    bus_msg *m = (bus_msg *)item;
    struct gv_server *s = arg;
    if (s && m->ok)
        gv__room_remote(s, m->room, &m->ev);
    else if (s && m->work.ran)
        s->metrics.bus_refused++;
    if (m->msg)
        natsMsg_Destroy(m->msg);
    gv__remote_event_release(&m->ev);
    free(m);
}

static void inbox_wake(void *ud)
{
    struct gv__bus *b = ud;
    gv__server_wake(b->srv);
}

int gv__bus_open(struct gv_server *s, const char *url, const char *prefix, gv_error *err)
{
    struct gv__bus *b = calloc(1, sizeof *b);
    if (!b)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    s->bus = b;
    b->srv = s;
    atomic_init(&b->state, BUS_DOWN);
    atomic_init(&b->dropped, 0);
    b->seen = BUS_DOWN;
    snprintf(b->prefix, sizeof b->prefix, "%s", prefix && *prefix ? prefix : GV__BUS_PREFIX);
    gv_worker_config cfg = {
        .name = "the bus inbox",
        .at_stop = GV_WORKER_DROP,
        .max_waiting = INBOX_MAX,
        .wake = inbox_wake,
        .wake_ud = b,
    };
    if (!(b->inbox = gv_worker_new(&cfg, err)) || gv_worker_start(b->inbox, err) < 0)
        return err ? err->code : GV_EIO;
    char name[160];
    snprintf(name, sizeof name, "gavel %s", s->cfg.node_name ? s->cfg.node_name : "");
    natsStatus st = natsOptions_Create(&b->opts);
    if (st == NATS_OK)
        st = natsOptions_SetURL(b->opts, url);
    if (st == NATS_OK)
        st = natsOptions_SetName(b->opts, name);
    if (st == NATS_OK)
        st = natsOptions_SetNoEcho(b->opts, true);
    if (st == NATS_OK)
        st = natsOptions_SetMaxReconnect(b->opts, -1);
    if (st == NATS_OK)
        st = natsOptions_SetReconnectWait(b->opts, RECONNECT_WAIT_MS);
    if (st == NATS_OK)
        st = natsOptions_SetReconnectBufSize(b->opts, RECONNECT_BUF_BYTES);
    if (st == NATS_OK)
        st = natsOptions_SetPingInterval(b->opts, PING_INTERVAL_MS);
    if (st == NATS_OK)
        st = natsOptions_SetMaxPingsOut(b->opts, 2);
    if (st == NATS_OK) /* one delivery thread for every subscription, not one each */
        st = natsOptions_UseGlobalMessageDelivery(b->opts, true);
    if (st == NATS_OK)
        st = natsOptions_SetDisconnectedCB(b->opts, on_down, b);
    if (st == NATS_OK)
        st = natsOptions_SetReconnectedCB(b->opts, on_up, b);
    if (st == NATS_OK)
        st = natsOptions_SetClosedCB(b->opts, on_closed, b);
    if (st == NATS_OK)
        st = natsOptions_SetRetryOnFailedConnect(b->opts, true, on_up, b);
    if (st != NATS_OK)
        return gv_error_set(err, GV_EINVAL, "--nats %s: %s", url, natsStatus_GetText(st));
    st = natsConnection_Connect(&b->nc, b->opts);
    if (st == NATS_OK)
        atomic_store(&b->state, BUS_UP);
    else if (st != NATS_NOT_YET_CONNECTED)
        return gv_error_set(err, GV_EINVAL, "--nats %s: %s", url, natsStatus_GetText(st));
    return 0;
}

bool gv__bus_carries(const struct gv_server *s)
{
    return s->bus && atomic_load(&s->bus->state) == BUS_UP;
}

const char *gv__bus_state(const struct gv_server *s)
{
    return !s->bus ? "off" : gv__bus_carries(s) ? "connected" : "down";
}

int gv__bus_subscribe(struct gv_server *s, gv__room *r)
{
    struct gv__bus *b = s->bus;
    if (!b || !b->nc)
        return 0;
    char subject[512];
    if (gv__bus_subject(b->prefix, r->id, subject, sizeof subject) < 0)
        return GV_ELIMIT;
    bus_sub *bs = calloc(1, sizeof *bs);
    if (!bs)
        return GV_ENOMEM;
    bs->bus = b;
    bs->room = r;
    if (natsConnection_Subscribe(&bs->sub, b->nc, subject, on_message, bs) != NATS_OK) {
        free(bs);
        return GV_EIO;
    }
    bs->next = b->subs;
    b->subs = bs;
    return 0;
}

void gv__bus_publish(struct gv_server *s, const gv__room *r, int64_t seq,
                     const unsigned char hash[GV_HASH_BYTES], const char *bytes, size_t len)
{
    struct gv__bus *b = s->bus;
    if (!b || !b->nc)
        return;
    char subject[512], seq_text[24], hash_text[GV_HASH_HEX_SIZE];
    natsMsg *m = NULL;
    if (gv__bus_subject(b->prefix, r->id, subject, sizeof subject) < 0 || len > INT32_MAX)
        goto failed;
    snprintf(seq_text, sizeof seq_text, "%lld", (long long)seq);
    gv_hash_to_hex(hash, hash_text);
    if (natsMsg_Create(&m, subject, NULL, bytes, (int)len) != NATS_OK ||
        natsMsgHeader_Set(m, "Gavel-Seq", seq_text) != NATS_OK ||
        natsMsgHeader_Set(m, "Gavel-Hash", hash_text) != NATS_OK ||
        natsConnection_PublishMsg(b->nc, m) != NATS_OK)
        goto failed;
    natsMsg_Destroy(m);
    s->metrics.bus_published++;
    return;
failed:
    natsMsg_Destroy(m);
    s->metrics.bus_publish_failed++;
}

void gv__bus_poll(struct gv_server *s)
{
    struct gv__bus *b = s->bus;
    if (!b)
        return;
    gv_worker_poll(b->inbox, s);
    s->metrics.bus_dropped = atomic_load(&b->dropped);
    int now = atomic_load(&b->state);
    if (now == b->seen)
        return;
    b->seen = now;
    if (now == BUS_UP) {
        /* Back: read what it did not bring while it was down, once. */
        lwsl_err("nats: connected; events come over NATS again\n");
        for (unsigned k = 0; k < s->n_rooms_buckets; k++)
            for (gv__room *r = s->rooms[k]; r; r = r->hash_next)
                r->read_us = 0;
    } else {
        lwsl_err("nats: lost; reading the database every %d ms until it is back\n",
                 GV__FOLLOW_POLL_MS);
    }
}

void gv__bus_stop(struct gv_server *s)
{
    struct gv__bus *b = s->bus;
    if (!b)
        return;
    /* No more deliveries (each subscription's callback may still be
     * running: destroying it waits for none, but the inbox outlives it). */
    atomic_store(&b->stopping, true);
    for (bus_sub *bs = b->subs; bs; bs = bs->next)
        natsSubscription_Unsubscribe(bs->sub);
    if (b->nc) {
        natsConnection_Close(b->nc);
        /* libnats calls on_closed from its own thread, later: the bus must
         * outlive that call (a bounded wait: 2 s). */
        for (int i = 0; i < 200 && !atomic_load(&b->closed); i++)
            nats_Sleep(10);
    }
    gv_worker_stop(b->inbox);
}

void gv__bus_free(struct gv_server *s)
{
    struct gv__bus *b = s->bus;
    if (!b)
        return;
    for (bus_sub *bs = b->subs, *next; bs; bs = next) {
        next = bs->next;
        natsSubscription_Destroy(bs->sub);
        free(bs);
    }
    natsConnection_Destroy(b->nc);
    natsOptions_Destroy(b->opts);
    gv_worker_free(b->inbox, NULL);
    free(b);
    s->bus = NULL;
}
