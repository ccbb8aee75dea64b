/*
 * What the store's crash tests share: a child process that appends to an
 * SQLite store through the writer and reports every acknowledged batch over
 * a pipe, and the parent's checks of the file once the child is gone.
 *
 * The child appends from three threads waiting on gv_writer_submit_wait and
 * from its main thread acting as an event loop (pipelined gv_writer_submit,
 * completions through notify and gv_writer_poll), one meeting each. After
 * each acknowledged batch it writes (meeting, last seq) to the pipe; once
 * its store and writer are up it writes a "ready" record, so that the
 * parent starts the crash only then (a crash before the database exists
 * would test nothing). It runs until it is killed or its power is cut.
 *
 * The parent reads the acknowledgements (cc_read_acks), then checks the
 * file with a fresh handle (cc_check): every acknowledged event is there
 * with the bytes written, the chains verify, the file passes SQLite's
 * integrity check.
 */
#ifndef GV_TESTS_CRASH_CHILD_H
#define GV_TESTS_CRASH_CHILD_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "store/writer.h"
#include "store_fixture.h"

#define CC_MEETINGS 4 /* 0-2: a thread each, 3: the child's loop */
#define CC_PIPELINE 8 /* batches in flight from the loop */

enum { CC_FAILED = -1, CC_READY = -2 };

typedef struct cc_ack {
    int32_t meeting; /** CC_FAILED (its message follows), CC_READY, or a meeting */
    int32_t len;
    int64_t last_seq;
} cc_ack;

static int cc_ack_fd = -1;

static void cc_child_fail(const char *what, const gv_error *err)
{
    cc_ack a = {.meeting = CC_FAILED, .len = (int32_t)strlen(err->msg)};
    char line[sizeof a + GV_ERROR_MSG_MAX];
    memcpy(line, &a, sizeof a);
    memcpy(line + sizeof a, err->msg, (size_t)a.len);
    ssize_t n = write(cc_ack_fd, line, sizeof a + (size_t)a.len);
    (void)n;
    fprintf(stderr, "crash child: %s: %s\n", what, err->msg);
    _exit(1);
}

static void cc_send(int meeting, int64_t last_seq)
{
    cc_ack a = {.meeting = meeting, .last_seq = last_seq};
    if (write(cc_ack_fd, &a, sizeof a) != (ssize_t)sizeof a)
        _exit(2);
}

static void cc_meeting_id(int k, char *out, size_t size)
{
    snprintf(out, size, "crash-%d", k);
}

/* Fills up to 3 events from seq `first`, bytes derived from the seq. */
static size_t cc_batch(int k, int64_t first, size_t n, char bufs[3][256], gv_event_in ev[3])
{
    char id[32];
    cc_meeting_id(k, id, sizeof id);
    for (size_t i = 0; i < n; i++)
        ev[i] = fx_event(bufs[i], sizeof bufs[i], id, first + (int64_t)i, "note_added",
                         1000 * (first + (int64_t)i));
    return n;
}

typedef struct cc_thread {
    gv_writer *w;
    int k;
    int64_t next; /** next seq to write */
    unsigned seed;
} cc_thread;

static void *cc_submitter(void *arg)
{
    cc_thread *t = arg;
    char id[32], bufs[3][256];
    gv_event_in ev[3];
    cc_meeting_id(t->k, id, sizeof id);
    for (;;) {
        gv_error err;
        int64_t last = 0;
        size_t n = cc_batch(t->k, t->next, 1 + (size_t)rand_r(&t->seed) % 3, bufs, ev);
        if (gv_writer_submit_wait(t->w, id, t->next == 1 ? GV_WRITE_CREATE : 0, ev, n, &last, NULL,
                                  &err) != 0)
            cc_child_fail("submit_wait", &err);
        t->next += (int64_t)n;
        cc_send(t->k, last);
    }
    return NULL;
}

typedef struct cc_loop {
    int wake[2];
    int in_flight;
} cc_loop;

static void cc_notify(void *ud)
{
    cc_loop *l = ud;
    char c = 1;
    ssize_t n = write(l->wake[1], &c, 1);
    (void)n;
}

static void cc_done(void *ud, const gv_write_done *d)
{
    cc_loop *l = ud;
    if (d->code != 0) {
        gv_error err;
        gv_error_set(&err, d->code, "%s", d->message);
        cc_child_fail("completion", &err);
    }
    l->in_flight--;
    cc_send(CC_MEETINGS - 1, d->last_seq);
}

/* What a test runs in the child, each may be NULL: `open` before the store
 * is opened, `ready` once the store and the writer are up, before the
 * first append. */
typedef struct cc_hooks {
    void (*open)(void);
    void (*ready)(unsigned seed);
} cc_hooks;

/* The child: appends until it dies. */
static void cc_child_main(const char *path, unsigned seed, const cc_hooks *hooks)
{
    gv_error err;
    cc_loop loop = {0};
    if (hooks->open)
        hooks->open();
    gv_store *s = gv_store_open(path, GV_STORE_CREATE, &err);
    if (!s)
        cc_child_fail("open", &err);
    if (pipe(loop.wake) != 0)
        _exit(3);
    fcntl(loop.wake[1], F_SETFL, O_NONBLOCK);

    int64_t next[CC_MEETINGS];
    for (int k = 0; k < CC_MEETINGS; k++) {
        char id[32];
        cc_meeting_id(k, id, sizeof id);
        int rc = gv_store_head(s, id, &next[k], NULL, &err);
        if (rc == GV_ENOTFOUND)
            next[k] = 0;
        else if (rc)
            cc_child_fail("head", &err);
        next[k]++;
    }
    gv_writer *w = gv_writer_new(s, cc_notify, &loop, &err);
    if (!w)
        cc_child_fail("writer", &err);
    cc_send(CC_READY, 0);
    if (hooks->ready)
        hooks->ready(seed);
    cc_thread t[CC_MEETINGS - 1];
    pthread_t th;
    for (int k = 0; k < CC_MEETINGS - 1; k++) {
        t[k] = (cc_thread){.w = w, .k = k, .next = next[k], .seed = seed + (unsigned)k};
        if (pthread_create(&th, NULL, cc_submitter, &t[k]) != 0)
            _exit(4);
    }
    /* The loop: keep CC_PIPELINE batches in flight on the last meeting. */
    int k = CC_MEETINGS - 1;
    char id[32], bufs[3][256];
    gv_event_in ev[3];
    cc_meeting_id(k, id, sizeof id);
    for (;;) {
        while (loop.in_flight < CC_PIPELINE) {
            size_t n = cc_batch(k, next[k], 1 + (size_t)rand_r(&seed) % 3, bufs, ev);
            if (gv_writer_submit(w, id, next[k] == 1 ? GV_WRITE_CREATE : 0, ev, n, NULL, &err))
                cc_child_fail("submit", &err);
            next[k] += (int64_t)n;
            loop.in_flight++;
        }
        struct pollfd p = {.fd = loop.wake[0], .events = POLLIN};
        if (poll(&p, 1, 1000) > 0) {
            char buf[64];
            ssize_t n = read(loop.wake[0], buf, sizeof buf);
            (void)n;
        }
        gv_writer_poll(w, cc_done, &loop);
    }
}

/* ---- the parent ------------------------------------------------------- */

static int64_t cc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What the parent has heard from its children. */
typedef struct cc_heard {
    int64_t acked[CC_MEETINGS]; /** highest acknowledged seq of each meeting */
    int acks;                   /** acknowledged batches, over all rounds */
    bool ready;                 /** the current child said it is ready */
    bool eof;                   /** the current child's pipe closed */
    char buf[1 << 16];
    size_t have;
} cc_heard;

/* Reads records until the deadline (none when deadline < 0), until the
 * child is ready when until_ready, or until its pipe closes. */
static void cc_read_acks(int fd, int64_t deadline, bool until_ready, cc_heard *h)
{
    while (!h->eof && !(until_ready && h->ready)) {
        int timeout = -1;
        if (deadline >= 0) {
            int64_t left = deadline - cc_now_ms();
            if (left <= 0)
                return;
            timeout = (int)left;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, timeout);
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0)
            return;
        ssize_t n = read(fd, h->buf + h->have, sizeof h->buf - h->have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            h->have = 0; /* EOF: a partial record of a dead child is dropped */
            h->eof = true;
            return;
        }
        h->have += (size_t)n;
        size_t off = 0;
        while (h->have - off >= sizeof(cc_ack)) {
            cc_ack a;
            memcpy(&a, h->buf + off, sizeof a);
            if (a.meeting == CC_FAILED)
                fail_msg("the child failed: %.*s", a.len, h->buf + off + sizeof a);
            if (a.meeting == CC_READY) {
                h->ready = true;
            } else {
                assert_true(a.meeting >= 0 && a.meeting < CC_MEETINGS);
                /* Acks of one meeting only go up. */
                assert_true(a.last_seq > h->acked[a.meeting]);
                h->acked[a.meeting] = a.last_seq;
                h->acks++;
            }
            off += sizeof a;
        }
        memmove(h->buf, h->buf + off, h->have - off);
        h->have -= off;
    }
}

/* Forks a child running cc_child_main on `path`; waits (up to 60 s) until it
 * is ready. Returns its pid; *fd is the read end of its pipe. */
static pid_t cc_start(const char *path, unsigned seed, const cc_hooks *hooks, int *fd, cc_heard *h)
{
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        cc_ack_fd = fds[1];
        cc_child_main(path, seed, hooks);
        _exit(0);
    }
    close(fds[1]);
    h->ready = h->eof = false;
    h->have = 0;
    cc_read_acks(fds[0], cc_now_ms() + 60000, true, h);
    if (!h->ready)
        fail_msg("the child was not ready after 60 s%s", h->eof ? " (it died)" : "");
    *fd = fds[0];
    return pid;
}

/* Checks the file after a crash against what was acknowledged; *total is
 * the number of events stored. */
static void cc_check(const char *path, const cc_heard *h, int64_t *total)
{
    gv_error err;
    gv_store *s = gv_store_open(path, 0, &err);
    if (!s)
        fail_msg("reopen after the crash: %s", err.msg);
    if (gv_store_check(s, &err))
        fail_msg("%s", err.msg);
    *total = 0;
    for (int k = 0; k < CC_MEETINGS; k++) {
        char id[32];
        cc_meeting_id(k, id, sizeof id);
        int64_t head = 0;
        int rc = gv_store_head(s, id, &head, NULL, &err);
        if (rc == GV_ENOTFOUND && h->acked[k] == 0)
            continue;
        if (rc)
            fail_msg("%s: %s", id, err.msg);
        if (head < h->acked[k])
            fail_msg("%s: acknowledged up to seq %" PRId64 " but only %" PRId64 " stored", id,
                     h->acked[k], head);
        fx_events *c = fx_events_new();
        int64_t from = head > 4000 ? head - 4000 : 0;
        assert_int_equal(gv_store_read(s, id, from, fx_collect, c, &err), 0);
        for (size_t i = 0; i < c->n; i++) {
            char want[256];
            gv_event_in ev = fx_event(want, sizeof want, id, from + 1 + (int64_t)i, "note_added",
                                      1000 * (from + 1 + (int64_t)i));
            assert_int_equal(c->len[i], ev.len);
            assert_memory_equal(c->bytes[i], want, ev.len);
        }
        fx_events_free(c);
        int64_t bad = -1;
        if (gv_store_verify_chain(s, id, fx_check_columns, NULL, &bad, &err))
            fail_msg("%s: %s", id, err.msg);
        *total += head;
    }
    gv_store_close(s);
}

/*
 * A campaign: `rounds` children, one after the other, on one database in a
 * fresh folder. Each is started with `hooks` and ended by `end`, which reads
 * what it heard, makes the child end the way the test is about, reaps it and
 * fails the test when it ended any other way; then the file is checked.
 * `ends` names the ending in the summary ("kills", "power cuts"). The seed
 * is printed; GV_CRASH_SEED replays it.
 */
typedef void (*cc_end_fn)(pid_t pid, int fd, cc_heard *h, unsigned *seed, int round);

static void cc_campaign(const char *file, int rounds, const cc_hooks *hooks, cc_end_fn end,
                        const char *ends)
{
    char *dir = fx_tmpdir();
    char path[4200];
    fx_path(path, sizeof path, dir, file);
    const char *env = getenv("GV_CRASH_SEED");
    unsigned seed = env ? (unsigned)strtoul(env, NULL, 10) : (unsigned)time(NULL);
    print_message("  seed %u (GV_CRASH_SEED)\n", seed);
    cc_heard *h = calloc(1, sizeof *h);
    int64_t total = 0;
    int ended = 0;
    for (int round = 0; round < rounds; round++) {
        int fd;
        pid_t pid = cc_start(path, (unsigned)rand_r(&seed), hooks, &fd, h);
        end(pid, fd, h, &seed, round);
        close(fd);
        ended++;
        cc_check(path, h, &total);
    }
    print_message("  %d %s, %d acknowledged batches, %" PRId64 " events stored; all there\n", ended,
                  ends, h->acks, total);
    assert_int_equal(ended, rounds);
    assert_true(h->acks > 0);
    free(h);
    fx_rmdir(dir);
}

#endif
