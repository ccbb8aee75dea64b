/*
 * Crash test: nothing acknowledged is ever lost.
 *
 * A child process appends to an SQLite store through the writer, from three
 * threads waiting on gv_writer_submit_wait and from its main thread acting
 * as an event loop (pipelined gv_writer_submit, completions through notify
 * and gv_writer_poll). After each acknowledged batch it reports
 * (meeting, last seq) over a pipe. The parent kills it with SIGKILL at a
 * random moment, reopens the database and checks that every acknowledged
 * event is there with the bytes written, that the chains verify and the
 * file is sound; then starts a new child on the same file, 20 times.
 *
 * GV_CRASH_SEED sets the random seed (printed, to replay a failure).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>

#include "store/writer.h"
#include "store_fixture.h"

#define ROUNDS   20
#define MEETINGS 4 /* 0-2: a thread each, 3: the child's loop */
#define PIPELINE 8 /* batches in flight from the loop */

typedef struct ack {
    int32_t meeting; /** -1: the child failed; its message follows */
    int32_t len;
    int64_t last_seq;
} ack;

static int ack_fd = -1;

static void child_fail(const char *what, const gv_error *err)
{
    ack a = {.meeting = -1, .len = (int32_t)strlen(err->msg)};
    char line[sizeof a + GV_ERROR_MSG_MAX];
    memcpy(line, &a, sizeof a);
    memcpy(line + sizeof a, err->msg, (size_t)a.len);
    ssize_t n = write(ack_fd, line, sizeof a + (size_t)a.len);
    (void)n;
    fprintf(stderr, "crash child: %s: %s\n", what, err->msg);
    _exit(1);
}

static void send_ack(int meeting, int64_t last_seq)
{
    ack a = {.meeting = meeting, .last_seq = last_seq};
    if (write(ack_fd, &a, sizeof a) != (ssize_t)sizeof a)
        _exit(2);
}

static void meeting_id(int k, char *out, size_t size)
{
    snprintf(out, size, "crash-%d", k);
}

/* Fills up to 3 events from seq `first`, bytes derived from the seq. */
static size_t make_batch(int k, int64_t first, size_t n, char bufs[3][256], gv_event_in ev[3])
{
    char id[32];
    meeting_id(k, id, sizeof id);
    for (size_t i = 0; i < n; i++)
        ev[i] = fx_event(bufs[i], sizeof bufs[i], id, first + (int64_t)i, "note_added",
                         1000 * (first + (int64_t)i));
    return n;
}

typedef struct child_thread {
    gv_writer *w;
    int k;
    int64_t next; /** next seq to write */
    unsigned seed;
} child_thread;

static void *child_submitter(void *arg)
{
    child_thread *t = arg;
    char id[32], bufs[3][256];
    gv_event_in ev[3];
    meeting_id(t->k, id, sizeof id);
    for (;;) {
        gv_error err;
        int64_t last = 0;
        size_t n = make_batch(t->k, t->next, 1 + (size_t)rand_r(&t->seed) % 3, bufs, ev);
        if (gv_writer_submit_wait(t->w, id, t->next == 1 ? GV_WRITE_CREATE : 0, ev, n, &last, NULL,
                                  &err) != 0)
            child_fail("submit_wait", &err);
        t->next += (int64_t)n;
        send_ack(t->k, last);
    }
    return NULL;
}

typedef struct child_loop {
    int wake[2];
    int in_flight;
} child_loop;

static void child_notify(void *ud)
{
    child_loop *l = ud;
    char c = 1;
    ssize_t n = write(l->wake[1], &c, 1);
    (void)n;
}

static void child_done(void *ud, const gv_write_done *d)
{
    child_loop *l = ud;
    if (d->code != 0) {
        gv_error err;
        gv_error_set(&err, d->code, "%s", d->message);
        child_fail("completion", &err);
    }
    l->in_flight--;
    send_ack(MEETINGS - 1, d->last_seq);
}

static void child_main(const char *path, unsigned seed)
{
    gv_error err;
    child_loop loop = {0};
    gv_store *s = gv_store_open(path, GV_STORE_CREATE, &err);
    if (!s)
        child_fail("open", &err);
    if (pipe(loop.wake) != 0)
        _exit(3);
    fcntl(loop.wake[1], F_SETFL, O_NONBLOCK);

    int64_t next[MEETINGS];
    for (int k = 0; k < MEETINGS; k++) {
        char id[32];
        meeting_id(k, id, sizeof id);
        int rc = gv_store_head(s, id, &next[k], NULL, &err);
        if (rc == GV_ENOTFOUND)
            next[k] = 0;
        else if (rc)
            child_fail("head", &err);
        next[k]++;
    }
    gv_writer *w = gv_writer_new(s, child_notify, &loop, &err);
    if (!w)
        child_fail("writer", &err);
    child_thread t[MEETINGS - 1];
    pthread_t th;
    for (int k = 0; k < MEETINGS - 1; k++) {
        t[k] = (child_thread){.w = w, .k = k, .next = next[k], .seed = seed + (unsigned)k};
        if (pthread_create(&th, NULL, child_submitter, &t[k]) != 0)
            _exit(4);
    }
    /* The loop: keep PIPELINE batches in flight on the last meeting. */
    int k = MEETINGS - 1;
    char id[32], bufs[3][256];
    gv_event_in ev[3];
    meeting_id(k, id, sizeof id);
    for (;;) {
        while (loop.in_flight < PIPELINE) {
            size_t n = make_batch(k, next[k], 1 + (size_t)rand_r(&seed) % 3, bufs, ev);
            if (gv_writer_submit(w, id, next[k] == 1 ? GV_WRITE_CREATE : 0, ev, n, NULL, &err))
                child_fail("submit", &err);
            next[k] += (int64_t)n;
            loop.in_flight++;
        }
        struct pollfd p = {.fd = loop.wake[0], .events = POLLIN};
        if (poll(&p, 1, 1000) > 0) {
            char buf[64];
            ssize_t n = read(loop.wake[0], buf, sizeof buf);
            (void)n;
        }
        gv_writer_poll(w, child_done, &loop);
    }
}

/* ---- the parent ------------------------------------------------------- */

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads acks until the deadline (or EOF when deadline < 0). */
static void read_acks(int fd, int64_t deadline, int64_t acked[MEETINGS], int *acks)
{
    static char buf[1 << 16];
    static size_t have = 0;
    for (;;) {
        int timeout = -1;
        if (deadline >= 0) {
            int64_t left = deadline - now_ms();
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
        ssize_t n = read(fd, buf + have, sizeof buf - have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            have = 0; /* EOF: a partial ack of a killed child is dropped */
            return;
        }
        have += (size_t)n;
        size_t off = 0;
        while (have - off >= sizeof(ack)) {
            ack a;
            memcpy(&a, buf + off, sizeof a);
            if (a.meeting < 0) {
                fail_msg("the child failed: %.*s", a.len, buf + off + sizeof a);
            }
            assert_true(a.meeting < MEETINGS);
            /* Acks of one meeting only go up. */
            assert_true(a.last_seq > acked[a.meeting]);
            acked[a.meeting] = a.last_seq;
            (*acks)++;
            off += sizeof a;
        }
        memmove(buf, buf + off, have - off);
        have -= off;
    }
}

static void check_after_crash(const char *path, const int64_t acked[MEETINGS], int64_t total[1])
{
    gv_error err;
    gv_store *s = gv_store_open(path, 0, &err);
    bool any_acked = false;
    for (int k = 0; k < MEETINGS; k++)
        any_acked = any_acked || acked[k] > 0;
    /* A child killed before its first open committed the schema leaves a
     * file without one: nothing was acknowledged, so nothing is owed. */
    if (!s && err.code == GV_ENOTFOUND && !any_acked) {
        *total = 0;
        return;
    }
    if (!s)
        fail_msg("reopen after the crash: %s", err.msg);
    if (gv_store_check(s, &err))
        fail_msg("%s", err.msg);
    *total = 0;
    for (int k = 0; k < MEETINGS; k++) {
        char id[32];
        meeting_id(k, id, sizeof id);
        int64_t head = 0;
        int rc = gv_store_head(s, id, &head, NULL, &err);
        if (rc == GV_ENOTFOUND && acked[k] == 0)
            continue;
        if (rc)
            fail_msg("%s: %s", id, err.msg);
        if (head < acked[k])
            fail_msg("%s: acknowledged up to seq %" PRId64 " but only %" PRId64 " stored", id,
                     acked[k], head);
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

static void acknowledged_events_survive_sigkill(void **state)
{
    (void)state;
    char *dir = fx_tmpdir();
    char path[4200];
    fx_path(path, sizeof path, dir, "crash.db");
    const char *env = getenv("GV_CRASH_SEED");
    unsigned seed = env ? (unsigned)strtoul(env, NULL, 10) : (unsigned)time(NULL);
    print_message("  seed %u (GV_CRASH_SEED)\n", seed);
    int64_t acked[MEETINGS] = {0}, total = 0;
    int acks = 0;

    for (int round = 0; round < ROUNDS; round++) {
        int fds[2];
        assert_int_equal(pipe(fds), 0);
        unsigned child_seed = (unsigned)rand_r(&seed);
        fflush(NULL);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            close(fds[0]);
            ack_fd = fds[1];
            child_main(path, child_seed);
            _exit(0);
        }
        close(fds[1]);
        /* Let it run 20 to 150 ms, reading acks as they come. */
        int64_t run_ms = 20 + rand_r(&seed) % 131;
        read_acks(fds[0], now_ms() + run_ms, acked, &acks);
        assert_int_equal(kill(pid, SIGKILL), 0);
        int status = 0;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        read_acks(fds[0], -1, acked, &acks);
        close(fds[0]);
        if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL))
            fail_msg("round %d: the child ended by itself (status 0x%x)", round, status);
        check_after_crash(path, acked, &total);
    }
    print_message("  %d kills, %d acknowledged batches, %" PRId64 " events stored; all there\n",
                  ROUNDS, acks, total);
    assert_true(acks > 0);
    fx_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(acknowledged_events_survive_sigkill),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
