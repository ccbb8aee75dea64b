/*
 * A TCP proxy in front of a PostgreSQL server that can cut a connection at
 * the moment of a COMMIT, for the tests of a commit whose answer was lost
 * (the database server restarted, the network cut) without depending on
 * when a signal lands:
 *
 *   PGCUT_LOSE_ANSWER  the COMMIT reaches the server and is made; its
 *                      answer is dropped and both sides are closed, so
 *                      the client never learns that its transaction was
 *                      committed;
 *   PGCUT_DROP_COMMIT  the bytes holding the COMMIT never reach the
 *                      server and both sides are closed: the server rolls
 *                      the transaction back, and the client, which sent
 *                      its COMMIT, cannot know that either.
 *
 * Armed for one COMMIT of a transaction that appended events (its
 * pipeline binds the prepared statement gv_insert: pg.c), so the schema
 * set-up and other writes pass untouched; pgcut_fired counts the cuts.
 * Every other byte is passed on as it comes. One thread, poll(), loopback.
 *
 * Header-only, for the test programs.
 */
#ifndef GV_TESTS_PG_CUT_H
#define GV_TESTS_PG_CUT_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define PGCUT_MAX_PAIRS 32
#define PGCUT_CARRY     32

enum { PGCUT_PASS, PGCUT_LOSE_ANSWER, PGCUT_DROP_COMMIT };

typedef struct pgcut_pair {
    int client, server; /** -1 when unused */
    bool inserting;     /** gv_insert went by since the last COMMIT */
    bool holding;       /** a COMMIT to lose the answer of went by: hold replies */
    /* The last bytes of each scan, for words split over two reads. */
    char carry_i[PGCUT_CARRY], carry_c[PGCUT_CARRY], carry_s[PGCUT_CARRY];
    size_t n_carry_i, n_carry_c, n_carry_s;
} pgcut_pair;

typedef struct pgcut {
    int listen_fd;
    int port;        /** the proxy's port on 127.0.0.1 */
    int target_port; /** PostgreSQL's */
    atomic_int mode; /** PGCUT_* for the next COMMIT of an append */
    atomic_int fired;
    atomic_bool stop;
    pthread_t thread;
    pgcut_pair pairs[PGCUT_MAX_PAIRS];
} pgcut;

/* Does carry + buf hold `word` and its terminating NUL (as the statement
 * name of a Bind message when bind: 'B', the length, an empty portal name)?
 * Keeps the tail as the next carry. */
static inline bool pgcut_scan(char *carry, size_t *n_carry, const char *buf, size_t len,
                              const char *word, bool bind)
{
    char joined[PGCUT_CARRY + 65536];
    size_t n = *n_carry, wl = strlen(word) + 1;
    memcpy(joined, carry, n);
    size_t take = len < sizeof joined - n ? len : sizeof joined - n;
    memcpy(joined + n, buf, take);
    n += take;
    bool found = false;
    for (size_t i = 0; !found && i + wl <= n; i++)
        found = memcmp(joined + i, word, wl) == 0 &&
                (!bind || (i >= 6 && joined[i - 1] == '\0' && joined[i - 6] == 'B'));
    size_t keep = n < PGCUT_CARRY ? n : PGCUT_CARRY;
    memmove(carry, joined + n - keep, keep);
    *n_carry = keep;
    return found;
}

static inline void pgcut_close_pair(pgcut_pair *p)
{
    if (p->client >= 0)
        close(p->client);
    if (p->server >= 0)
        close(p->server);
    memset(p, 0, sizeof *p);
    p->client = p->server = -1;
}

static inline bool pgcut_send_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n <= 0)
            return false;
        buf += n;
        len -= (size_t)n;
    }
    return true;
}

static inline void pgcut_accept(pgcut *x)
{
    int c = accept(x->listen_fd, NULL, NULL);
    if (c < 0)
        return;
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)x->target_port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) < 0) {
        close(c);
        if (s >= 0)
            close(s);
        return;
    }
    for (int i = 0; i < PGCUT_MAX_PAIRS; i++)
        if (x->pairs[i].client < 0) {
            x->pairs[i].client = c;
            x->pairs[i].server = s;
            return;
        }
    close(c);
    close(s);
}

/* Bytes from the client of pair p: passed on, or the COMMIT dropped. */
static inline void pgcut_from_client(pgcut *x, pgcut_pair *p, const char *buf, size_t len)
{
    if (pgcut_scan(p->carry_i, &p->n_carry_i, buf, len, "gv_insert", true))
        p->inserting = true;
    bool commit = pgcut_scan(p->carry_c, &p->n_carry_c, buf, len, "COMMIT", false);
    int mode = atomic_load(&x->mode);
    if (commit && p->inserting && mode != PGCUT_PASS) {
        atomic_store(&x->mode, PGCUT_PASS);
        if (mode == PGCUT_DROP_COMMIT) {
            atomic_fetch_add(&x->fired, 1);
            pgcut_close_pair(p);
            return;
        }
        p->holding = true;
    }
    if (commit)
        p->inserting = false;
    if (!pgcut_send_all(p->server, buf, len))
        pgcut_close_pair(p);
}

/* Bytes from the server of pair p: passed on, or, once a COMMIT's answer
 * is among them, dropped with the connection. */
static inline void pgcut_from_server(pgcut *x, pgcut_pair *p, const char *buf, size_t len)
{
    if (p->holding) {
        if (pgcut_scan(p->carry_s, &p->n_carry_s, buf, len, "COMMIT", false)) {
            atomic_fetch_add(&x->fired, 1);
            pgcut_close_pair(p);
        }
        return; /* held back until then: the client learns nothing */
    }
    if (!pgcut_send_all(p->client, buf, len))
        pgcut_close_pair(p);
}

static inline void *pgcut_run(void *arg)
{
    pgcut *x = arg;
    static char buf[65536];
    while (!atomic_load(&x->stop)) {
        struct pollfd fds[1 + 2 * PGCUT_MAX_PAIRS];
        int who[1 + 2 * PGCUT_MAX_PAIRS], n = 0;
        fds[n] = (struct pollfd){.fd = x->listen_fd, .events = POLLIN};
        who[n++] = -1;
        for (int i = 0; i < PGCUT_MAX_PAIRS; i++)
            if (x->pairs[i].client >= 0) {
                fds[n] = (struct pollfd){.fd = x->pairs[i].client, .events = POLLIN};
                who[n++] = 2 * i;
                fds[n] = (struct pollfd){.fd = x->pairs[i].server, .events = POLLIN};
                who[n++] = 2 * i + 1;
            }
        if (poll(fds, (nfds_t)n, 100) <= 0)
            continue;
        for (int k = 0; k < n; k++) {
            if (!fds[k].revents)
                continue;
            if (who[k] < 0) {
                pgcut_accept(x);
                continue;
            }
            pgcut_pair *p = &x->pairs[who[k] / 2];
            if (p->client < 0 || fds[k].fd != (who[k] % 2 ? p->server : p->client))
                continue; /* closed earlier in this round */
            ssize_t got = recv(fds[k].fd, buf, sizeof buf, 0);
            if (got <= 0)
                pgcut_close_pair(p);
            else if (who[k] % 2)
                pgcut_from_server(x, p, buf, (size_t)got);
            else
                pgcut_from_client(x, p, buf, (size_t)got);
        }
    }
    return NULL;
}

/* Starts a proxy to PostgreSQL on 127.0.0.1:target_port. 0, or -1. */
static inline int pgcut_start(pgcut *x, int target_port)
{
    memset(x, 0, sizeof *x);
    for (int i = 0; i < PGCUT_MAX_PAIRS; i++)
        x->pairs[i].client = x->pairs[i].server = -1;
    x->target_port = target_port;
    x->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t alen = sizeof a;
    if (x->listen_fd < 0 || bind(x->listen_fd, (struct sockaddr *)&a, sizeof a) < 0 ||
        listen(x->listen_fd, 16) < 0 || getsockname(x->listen_fd, (struct sockaddr *)&a, &alen) < 0)
        return -1;
    x->port = ntohs(a.sin_port);
    return pthread_create(&x->thread, NULL, pgcut_run, x) == 0 ? 0 : -1;
}

static inline void pgcut_stop(pgcut *x)
{
    atomic_store(&x->stop, true);
    pthread_join(x->thread, NULL);
    for (int i = 0; i < PGCUT_MAX_PAIRS; i++)
        if (x->pairs[i].client >= 0)
            pgcut_close_pair(&x->pairs[i]);
    close(x->listen_fd);
}

#endif
