/*
 * gavel-loadgen's workers: processes that hold the clients. Each has its own
 * descriptor limit, so the run can hold more clients than one process may
 * open. A worker ramps its share up (ramp_window handshakes in flight at a
 * time), then follows the controller over its SOCK_SEQPACKET link:
 *   WAIT seq   -> WAITING at once; GOT once every live client has seq or the
 *                deadline passed (arrival times go to the shared recv_us)
 *   CATCHUP    reconnect some clients with an older seq -> CAUGHT
 *   QUIT       close everything and exit
 * Counters (held, failed, ...) are atomics in memory shared with the controller.
 */
#define _GNU_SOURCE
#include "loadgen.h"

void link_send(int fd, int kind, int count, int64_t seq, int64_t head, int64_t deadline)
{
    wmsg m = {.kind = kind, .count = count, .seq = seq, .head = head, .deadline_us = deadline};
    if (send(fd, &m, sizeof m, MSG_NOSIGNAL) != (ssize_t)sizeof m)
        die("the link between processes broke: %s", strerror(errno));
}

void viewer_open(lg *g, conn *c)
{
    uint32_t src = source_addr(1, c->slot / g->o.per_addr);
    if (conn_start(g, c, src) < 0) {
        if (c->again) {
            if (c->catching) {
                c->catching = false;
                g->catch_failed++;
            }
        } else {
            if (!atomic_load(&g->st->failed))
                snprintf(g->st->first_error, sizeof g->st->first_error, "connect: %s",
                         strerror(errno));
            atomic_fetch_add(&g->st->failed, 1);
            atomic_fetch_add(&g->st->done, 1);
        }
        return;
    }
    if (!c->again)
        g->opening++;
}

void ramp(lg *g)
{
    while (g->opening < g->o.ramp_window && g->next_open < g->v_count)
        viewer_open(g, &g->viewers[g->next_open++]);
}

/* Reconnects `want` of this worker's clients, spread over its share, with
 * since = head - behind; each is timed until it holds `head`. */
static void catch_start(lg *g, const wmsg *m)
{
    g->catch_head = m->head;
    g->catch_deadline = m->deadline_us;
    g->catch_want = g->catch_done = g->catch_failed = 0;
    g->catch_active = true;
    int want = m->count;
    if (want <= 0)
        return;
    int step = g->v_count / want > 0 ? g->v_count / want : 1;
    for (int i = 0; i < g->v_count && g->catch_want < want; i += step) {
        conn *c = &g->viewers[i];
        if (c->state != S_OPEN)
            continue;
        if (c->counted) {
            atomic_fetch_sub(&g->st->held, 1);
            c->counted = false;
        }
        conn_close(g, c);
        if (c->peer)
            fetch_answered(g, c->peer, -1, NULL, 0);
        c->catching = c->again = true;
        /* As a page whose state is that old: it resumes from there. */
        c->seq = c->state_seq = m->seq;
        c->since = m->seq;
        c->t_start = now_us();
        g->catch_us[c->slot] = -1;
        g->catch_want++;
        viewer_open(g, c);
    }
}

void worker_link(lg *g)
{
    wmsg m;
    ssize_t n = recv(g->link.fd, &m, sizeof m, 0);
    if (n == 0)
        exit(0); /* the controller is gone */
    if (n != (ssize_t)sizeof m)
        return;
    switch (m.kind) {
    case W_WAIT:
        g->round++;
        g->target = m.seq;
        g->deadline = m.deadline_us;
        g->reached = 0;
        link_send(g->link.fd, W_WAITING, 0, m.seq, 0, 0);
        break;
    case W_CATCHUP:
        catch_start(g, &m);
        break;
    case W_QUIT:
        g->quitting = true;
        for (int i = 0; i < g->v_count; i++)
            conn_close(g, &g->viewers[i]);
        exit(0);
    default:
        break;
    }
}

/* Has every page of this worker that follows the meeting reached the round's
 * target? The pages held, and when following (--follow) those reconnecting
 * too (waiting for their backoff, or opening again), as a page that lost its
 * stream goes on from where it was. */
static bool round_reached(const lg *g)
{
    long want = atomic_load(&g->st->held);
    if (g->reached < want || !g->o.follow)
        return g->reached >= want;
    for (int i = 0; i < g->v_count; i++) {
        const conn *c = &g->viewers[i];
        if (!c->counted && (c->reopen_at || (c->again && c->state != S_CLOSED)))
            want++;
    }
    return g->reached >= want;
}

static void worker_check(lg *g)
{
    ramp(g);
    page_reopen_due(g);
    if (!g->ready_sent && g->next_open == g->v_count && g->opening == 0) {
        g->ready_sent = true;
        link_send(g->link.fd, W_READY, 0, 0, 0, 0);
    }
    if (g->target != INT64_MAX && (round_reached(g) || now_us() > g->deadline)) {
        link_send(g->link.fd, W_GOT, (int)g->reached, g->target, 0, 0);
        g->target = INT64_MAX; /* late arrivals of this round are not recorded */
    }
    if (g->catch_active &&
        (g->catch_done + g->catch_failed >= g->catch_want || now_us() > g->catch_deadline)) {
        link_send(g->link.fd, W_CAUGHT, g->catch_done, 0, 0, 0);
        g->catch_active = false;
    }
}

void worker_main(lg *g)
{
    g->worker = true;
    g->target = INT64_MAX;
    g->ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event e = {.events = EPOLLIN, .data.ptr = &g->link};
    epoll_ctl(g->ep, EPOLL_CTL_ADD, g->link.fd, &e);
    for (;;) {
        loop_once(g, 2000);
        worker_check(g);
    }
}

void fork_workers(lg *g)
{
    int n = g->o.clients;
    g->links = calloc((size_t)g->procs, sizeof *g->links);
    g->kids = calloc((size_t)g->procs, sizeof *g->kids);
    for (int w = 0; w < g->procs; w++) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
            die("socketpair: %s", strerror(errno));
        int first = (int)((int64_t)n * w / g->procs), last = (int)((int64_t)n * (w + 1) / g->procs);
        pid_t pid = fork();
        if (pid < 0)
            die("fork: %s", strerror(errno));
        if (pid == 0) {
            close(sv[0]);
            /* The controller's sockets stay the controller's. */
            if (g->chair.fd >= 0)
                close(g->chair.fd);
            if (g->pub.fd >= 0)
                close(g->pub.fd);
            close(g->ep);
            for (int k = 0; k < w; k++)
                close(g->links[k].fd);
            g->wid = w;
            g->st = &g->stats[w];
            g->link = (conn){.fd = sv[1], .role = R_LINK, .slot = w};
            g->v_first = first;
            g->v_count = last - first;
            g->viewers = calloc((size_t)g->v_count, sizeof *g->viewers);
            for (int i = 0; i < g->v_count; i++) {
                conn *c = &g->viewers[i];
                c->fd = -1;
                c->role = R_VIEWER;
                c->proto = (uint8_t)g->o.proto;
                c->slot = first + i;
                /* A page opens without a position: the snapshot comes first. */
                c->since = c->state_seq = -1;
                c->seq = 0;
            }
            worker_main(g);
        }
        close(sv[1]);
        g->kids[w] = pid;
        g->links[w] = (conn){.fd = sv[0], .role = R_LINK, .slot = w};
        struct epoll_event e = {.events = EPOLLIN, .data.ptr = &g->links[w]};
        epoll_ctl(g->ep, EPOLL_CTL_ADD, sv[0], &e);
    }
}
