/*
 * gavel-loadgen's readers, as Gavel's pages are (web/js/client.js), so that
 * each costs the server what a page does and receives what a page receives:
 *
 *   open       WebSocket: the upgrade, offering permessage-deflate as
 *              browsers do (the server may keep its context from one
 *              message to the next, so each reader has an inflater of its
 *              own, 32 KiB of window and all, as a browser's connection
 *              does); on hello, three
 *              clock syncs, one after the other. SSE: the stream, gzip
 *              accepted; on hello, three GET /healthz, one after the other,
 *              on a second connection, as the page's fetch() makes them.
 *   follow     the snapshot on the stream sets the state's seq; a patch
 *              whose base is that seq moves it to its event's; a patch with
 *              another base means the page is out of step: it fetches GET
 *              .../snapshot, as the page does. "you" messages are read.
 *   reconnect  a stream the server closes is opened again after the page's
 *              backoff (0.5 s, doubling up to 16 s, with jitter), from the
 *              state's seq (?since= / Last-Event-ID), asking, as the page
 *              does, for resume=state: a snapshot on the stream, when the
 *              server sends one instead of the events missed, sets the
 *              state's seq as at opening.
 *
 * Counted per worker in shared memory: HTTP requests (the streams' own
 * included), bytes received with their headers, snapshots fetched, patches
 * applied, "you" messages, reconnections.
 */
#define _GNU_SOURCE
#include "loadgen.h"

/* ---- inflating ---------------------------------------------------------- */

static void zbuf_reserve(lg *g, size_t n)
{
    if (n <= g->zcap)
        return;
    size_t cap = g->zcap ? g->zcap : 65536;
    while (cap < n)
        cap *= 2;
    g->zbuf = xrealloc(g->zbuf, cap);
    g->zcap = cap;
}

long inflate_into(lg *g, z_stream *z, const void *in, size_t n, bool fresh, size_t at)
{
    if (fresh && inflateReset(z) != Z_OK)
        return -1;
    zbuf_reserve(g, at + 4 * n + 4096);
    z->next_in = (unsigned char *)in;
    z->avail_in = (uInt)n;
    size_t out = at;
    for (;;) {
        z->next_out = g->zbuf + out;
        z->avail_out = (uInt)(g->zcap - out);
        int rc = inflate(z, Z_SYNC_FLUSH);
        out = g->zcap - z->avail_out;
        if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR)
            return -1;
        if (z->avail_in == 0 && z->avail_out > 0)
            break;
        if (rc == Z_STREAM_END)
            break;
        zbuf_reserve(g, g->zcap * 2);
    }
    return (long)out;
}

z_stream *message_inflater(lg *g)
{
    if (!g->zmsg_init) {
        if (inflateInit2(&g->zmsg, -15) != Z_OK)
            die("zlib: cannot make an inflater");
        g->zmsg_init = true;
    }
    return &g->zmsg;
}

/* ---- the state ----------------------------------------------------------- */

/* The page's state now holds seq: the event is shown. */
static void shown(lg *g, conn *c, int64_t seq)
{
    c->state_seq = seq;
    int64_t t = 0;
    if (seq >= g->target && c->round != g->round) {
        c->round = g->round;
        g->recv_us[c->slot] = t = now_us();
        g->reached++;
    }
    if (c->catching && seq >= g->catch_head) {
        c->catching = false;
        g->catch_us[c->slot] = (t ? t : now_us()) - c->t_start;
        g->catch_done++;
    }
}

/* An event came by: its seq, for the order of the stream. */
static void event_seen(lg *g, conn *c, int64_t seq)
{
    if (seq <= c->seq)
        return;
    if (c->seq > 0 && seq > c->seq + 1)
        atomic_fetch_add(&g->st->gaps, seq - c->seq - 1);
    c->seq = seq;
}

static void fetch_start(lg *g, conn *c, bool snapshot, int gets);

/* The patch that takes the state from base to seq. */
static void patch(lg *g, conn *c, int64_t base, int64_t seq)
{
    if (c->state_seq < 0 || seq <= c->state_seq)
        return; /* waiting for a snapshot, or seen already */
    if (base != c->state_seq) {
        atomic_fetch_add(&g->st->fetched, 1);
        fetch_start(g, c, true, 0);
        return;
    }
    atomic_fetch_add(&g->st->patches, 1);
    shown(g, c, seq);
}

static void snapshot(lg *g, conn *c, int64_t seq)
{
    atomic_fetch_add(&g->st->snapshots, 1);
    if (seq > c->seq)
        c->seq = seq;
    shown(g, c, seq);
}

/* The number after "key": in p[0..n) (the first one), or -1. */
static int64_t field(const char *p, size_t n, const char *key)
{
    size_t k = strlen(key);
    const char *m = memmem(p, n, key, k);
    if (!m || m + k >= p + n || m[k] < '0' || m[k] > '9')
        return -1;
    return strtoll(m + k, NULL, 10);
}

static bool starts(const char *p, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    return n >= k && memcmp(p, prefix, k) == 0;
}

/* ---- WebSocket ----------------------------------------------------------- */

static void send_sync(lg *g, conn *c)
{
    char m[64];
    int n = snprintf(m, sizeof m, "{\"type\":\"sync\",\"id\":%u}", 4u - c->syncs);
    c->syncs--;
    ws_send(g, c, 1, m, (size_t)n);
}

void page_ws_message(lg *g, conn *c, const char *p, size_t n)
{
    static const char with_patch[] = "{\"type\":\"event\",\"patch\":{\"base\":";
    if (starts(p, n, "{\"type\":\"event\"")) {
        /* The event comes last: its top-level seq is the message's last. */
        int64_t seq = find_seq(p, n, true);
        event_seen(g, c, seq);
        if (starts(p, n, with_patch))
            patch(g, c, strtoll(p + sizeof with_patch - 1, NULL, 10), seq);
    } else if (starts(p, n, "{\"type\":\"snapshot\"")) {
        snapshot(g, c, find_seq(p, n, false));
    } else if (starts(p, n, "{\"type\":\"you\"")) {
        atomic_fetch_add(&g->st->yous, 1);
    } else if (memmem(p, n, "\"type\":\"hello\"", 14)) {
        c->syncs = 3;
        send_sync(g, c);
    } else if (memmem(p, n, "\"type\":\"sync\"", 13)) {
        if (c->syncs)
            send_sync(g, c);
    } else if (starts(p, n, "{\"type\":\"resync\"")) {
        atomic_fetch_add(&g->st->resyncs, 1);
        c->state_seq = -1; /* the next connection starts from a snapshot */
    }
}

/* ---- SSE ----------------------------------------------------------------- */

static bool named(const char *name, size_t len, const char *want)
{
    return len == strlen(want) && memcmp(name, want, len) == 0;
}

void page_sse_event(lg *g, conn *c, const char *name, size_t name_len, const char *id,
                    const char *data, size_t data_len)
{
    if (named(name, name_len, "message") && id) {
        event_seen(g, c, strtoll(id, NULL, 10));
    } else if (named(name, name_len, "patch") && data) {
        patch(g, c, field(data, data_len, "\"base\":"), field(data, data_len, "\"seq\":"));
    } else if (named(name, name_len, "snapshot") && id) {
        snapshot(g, c, strtoll(id, NULL, 10));
    } else if (named(name, name_len, "you")) {
        atomic_fetch_add(&g->st->yous, 1);
    } else if (named(name, name_len, "hello")) {
        fetch_start(g, c, false, 3);
    } else if (named(name, name_len, "resync")) {
        atomic_fetch_add(&g->st->resyncs, 1);
        c->state_seq = -1;
    }
}

/* ---- the page's second connection: GET /healthz, GET .../snapshot ------- */

static void fetch_start(lg *g, conn *c, bool snap, int gets)
{
    if (c->peer)
        return; /* one in flight at a time, as the page has */
    conn *f = calloc(1, sizeof *f);
    if (!f)
        die("out of memory");
    f->fd = -1;
    f->role = R_FETCH;
    f->proto = P_HTTP;
    f->slot = c->slot;
    f->peer = c;
    f->get_snapshot = snap;
    f->gets = (uint8_t)(gets > 0 ? gets - 1 : 0);
    c->peer = f;
    count_request(g);
    if (conn_start(g, f, source_addr(1, c->slot / g->o.per_addr)) < 0) {
        c->peer = NULL;
        free(f);
    }
}

static void fetch_next(lg *g, conn *f)
{
    char path[300];
    if (f->get_snapshot) {
        char as[80] = "";
        if (g->o.viewer_as) {
            char person[64];
            snprintf(person, sizeof person, g->o.viewer_as, f->slot % g->o.viewer_people + 1);
            snprintf(as, sizeof as, "?as=%s", person);
        }
        snprintf(path, sizeof path, "/api/v1/meetings/%s/snapshot%s", g->o.meeting, as);
    } else {
        snprintf(path, sizeof path, "/healthz");
    }
    http_get(g, f, path, f->get_snapshot);
}

void fetch_opened(lg *g, conn *f)
{
    fetch_next(g, f);
}

/* Closes f; it is freed after the loop's current wait (loop_once), since
 * an event of the same wait may still name it. */
static void fetch_done(lg *g, conn *f)
{
    if (f->peer)
        f->peer->peer = NULL;
    conn_close(g, f);
    f->peer = g->dead;
    g->dead = f;
}

void fetch_answered(lg *g, conn *f, int status, const char *body, size_t len)
{
    conn *c = f->peer;
    if (status < 0) { /* the connection went */
        fetch_done(g, f);
        return;
    }
    if (f->get_snapshot && status == 200 && c && c->state_seq >= 0) {
        /* Sorted keys: "link", "meeting", then the snapshot's own "seq". */
        int64_t seq = field(body, len, "\"seq\":");
        if (seq > c->state_seq)
            shown(g, c, seq);
    }
    if (f->gets) {
        f->gets--;
        count_request(g);
        fetch_next(g, f);
        return;
    }
    fetch_done(g, f);
}

/* ---- opening and reconnecting ------------------------------------------ */

void page_opened(lg *g, conn *c)
{
    (void)g;
    c->attempts = 0;
}

void page_lost(lg *g, conn *c)
{
    if (c->peer)
        fetch_done(g, c->peer);
    if (g->quitting || c->catching || g->o.target != T_GAVEL)
        return;
    /* 0.5 s doubling, at most 16 s, times 0.75 to 1.25 as the page draws it. */
    int k = c->attempts < BACKOFF_STEPS ? c->attempts : BACKOFF_STEPS;
    double jitter = 0.75 + (double)(rand() % 1000) / 2000.0;
    c->attempts++;
    c->reopen_at = now_us() + (int64_t)(500000.0 * (double)(1 << k) * jitter);
    c->since = c->state_seq;
    g->reopens++;
}

void page_reopen_due(lg *g)
{
    if (!g->reopens || g->quitting)
        return;
    int64_t t = now_us();
    for (int i = 0; i < g->v_count; i++) {
        conn *c = &g->viewers[i];
        if (!c->reopen_at || c->reopen_at > t)
            continue;
        c->reopen_at = 0;
        g->reopens--;
        atomic_fetch_add(&g->st->reopened, 1);
        c->again = true; /* counted as held again once open, not as a new client */
        viewer_open(g, c);
    }
}
