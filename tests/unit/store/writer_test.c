/*
 * The storage writer: completions reach the submitting thread through the
 * queue, batches queued during a commit share the next one, one bad batch
 * fails alone, a failed commit fails exactly the batches it carried with
 * the code it failed with, and stopping commits what was queued. Each case
 * runs on an SQLite file (real fsyncs) and on a throwaway PostgreSQL server
 * (pipelined transactions), unless noted.
 *
 * Every assertion is on an outcome the writer promises (what was stored,
 * what each batch was told, in which order, how many transactions a known
 * queue took), never on how the system happened to schedule the threads:
 * where batches must gather, the test holds the store's mutex, which the
 * writer needs for each transaction, while it queues them.
 *
 * Shown to fail against broken writers: one transaction a batch
 * (GROUP_MAX_BATCHES 1 in src/store/writer.c) fails
 * batches_queued_during_a_commit_share_the_next ("100 transactions for 100
 * batches queued at once"); a writer that reports its batches committed when
 * COMMIT failed (commit_group returning instead of going to `group_failed`)
 * fails a_failed_commit_fails_its_batches_only.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include "store/store_internal.h"
#include "pg_fixture.h"
#include "store/writer.h"
#include "store_fixture.h"

typedef struct fixture {
    const char *engine; /** "sqlite" or "postgresql" */
    char *dir;          /** sqlite only */
    char db[4200];
    gv_store *s;
    int pipe[2]; /** the writer's notify writes here; the "loop" polls it */
} fixture;

static void notify_pipe(void *ud)
{
    fixture *f = ud;
    char c = 1;
    /* A full pipe already means "look at the queue". */
    ssize_t n = write(f->pipe[1], &c, 1);
    (void)n;
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    gv_error err;
    f->engine = *state;
    if (strcmp(f->engine, "postgresql") == 0) {
        assert_int_equal(pgfx_new_store(&pgfx_server, f->db, sizeof f->db), 0);
    } else {
        f->dir = fx_tmpdir();
        assert_non_null(f->dir);
        fx_path(f->db, sizeof f->db, f->dir, "gavel.db");
    }
    f->s = gv_store_open(f->db, GV_STORE_CREATE, &err);
    if (!f->s)
        fail_msg("%s", err.msg);
    assert_int_equal(pipe(f->pipe), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    gv_store_close(f->s);
    close(f->pipe[0]);
    close(f->pipe[1]);
    fx_rmdir(f->dir);
    free(f);
    return 0;
}

static gv_writer *writer_new(fixture *f)
{
    gv_error err;
    gv_writer *w = gv_writer_new(f->s, notify_pipe, f, &err);
    if (!w)
        fail_msg("%s", err.msg);
    return w;
}

/* Completions as the loop sees them. */
typedef struct seen {
    pthread_t loop;
    size_t n;
    struct {
        intptr_t tag;
        int code;
        char meeting[32];
        char message[GV_ERROR_MSG_MAX];
        int64_t first, last;
        unsigned char head[GV_HASH_BYTES];
    } d[1200];
} seen;

/* An empty record of completions, to be filled on this thread. */
static seen *seen_new(void)
{
    seen *s = calloc(1, sizeof *s);
    assert_non_null(s);
    s->loop = pthread_self();
    return s;
}

static void on_done(void *ud, const gv_write_done *d)
{
    seen *s = ud;
    assert_true(pthread_equal(pthread_self(), s->loop));
    assert_true(s->n < 1200);
    s->d[s->n].tag = (intptr_t)d->tag;
    s->d[s->n].code = d->code;
    snprintf(s->d[s->n].meeting, sizeof s->d[0].meeting, "%s", d->meeting_id);
    snprintf(s->d[s->n].message, sizeof s->d[0].message, "%s", d->message);
    s->d[s->n].first = d->first_seq;
    s->d[s->n].last = d->last_seq;
    memcpy(s->d[s->n].head, d->head, GV_HASH_BYTES);
    s->n++;
}

/* The loop: waits on the pipe, then drains the queue, until `want` came. */
static void loop_until(fixture *f, gv_writer *w, seen *s, size_t want)
{
    while (s->n < want) {
        struct pollfd p = {.fd = f->pipe[0], .events = POLLIN};
        int r = poll(&p, 1, 10000);
        assert_true(r > 0); /* a notify within 10 s */
        char buf[64];
        ssize_t n = read(f->pipe[0], buf, sizeof buf);
        assert_true(n > 0);
        gv_writer_poll(w, on_done, s);
    }
}

static int submit(gv_writer *w, const char *meeting, unsigned flags, int64_t first, int n,
                  intptr_t tag, gv_error *err)
{
    char bufs[8][256];
    gv_event_in ev[8];
    assert_true(n <= 8);
    for (int i = 0; i < n; i++)
        ev[i] = fx_event(bufs[i], sizeof bufs[i], meeting, first + i, "note_added", first + i);
    return gv_writer_submit(w, meeting, flags, ev, (size_t)n, (void *)tag, err);
}

static void check_log(gv_store *s, const char *meeting, int64_t n)
{
    gv_error err;
    fx_events *c = fx_events_new();
    if (gv_store_read(s, meeting, 0, fx_collect, c, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(c->n, (size_t)n);
    for (size_t i = 0; i < c->n; i++) {
        char want[256];
        gv_event_in ev =
            fx_event(want, sizeof want, meeting, (int64_t)i + 1, "note_added", (int64_t)i + 1);
        assert_int_equal(c->seq[i], (int64_t)i + 1);
        assert_int_equal(c->len[i], ev.len);
        assert_memory_equal(c->bytes[i], want, ev.len);
    }
    fx_events_free(c);
    if (gv_store_verify_chain(s, meeting, fx_check_columns, NULL, NULL, &err))
        fail_msg("%s", err.msg);
}

static void completions_reach_the_loop_thread_in_order(void **state)
{
    fixture *f = *state;
    gv_error err;
    gv_writer *w = writer_new(f);
    seen *s = seen_new();
    const char *ids[4] = {"m0", "m1", "m2", "m3"};
    enum { ROUNDS = 50 };

    /* Pipelined: the loop submits seq 2-3 before 1 is acknowledged. */
    for (int r = 0; r < ROUNDS; r++)
        for (int k = 0; k < 4; k++)
            assert_int_equal(
                submit(w, ids[k], r == 0 ? GV_WRITE_CREATE : 0, 1 + 2 * r, 2, r * 4 + k, &err), 0);
    loop_until(f, w, s, ROUNDS * 4);
    assert_int_equal(s->n, ROUNDS * 4);
    for (size_t i = 0; i < s->n; i++) {
        int r = (int)i / 4, k = (int)i % 4;
        assert_int_equal(s->d[i].tag, (intptr_t)i); /* submission order */
        assert_int_equal(s->d[i].code, 0);
        assert_string_equal(s->d[i].message, "");
        assert_string_equal(s->d[i].meeting, ids[k]);
        assert_int_equal(s->d[i].first, 1 + 2 * r);
        assert_int_equal(s->d[i].last, 2 + 2 * r);
    }
    for (int k = 0; k < 4; k++) {
        unsigned char head[GV_HASH_BYTES];
        check_log(f->s, ids[k], 2 * ROUNDS);
        assert_int_equal(gv_store_head(f->s, ids[k], NULL, head, &err), 0);
        assert_memory_equal(head, s->d[(ROUNDS - 1) * 4 + k].head, GV_HASH_BYTES);
    }
    gv_writer_stats st;
    gv_writer_get_stats(w, &st);
    assert_int_equal(st.batches, ROUNDS * 4);
    assert_int_equal(st.events, ROUNDS * 8);
    assert_int_equal(st.batches_failed, 0);
    print_message("  %d pipelined batches in %llu transactions (largest %llu)\n", ROUNDS * 4,
                  (unsigned long long)st.transactions, (unsigned long long)st.max_batches_per_tx);
    gv_writer_free(w);
    free(s);
}

typedef struct submitter {
    gv_writer *w;
    char meeting[32];
    int batches;
    int failures;
    int64_t last;
} submitter;

static void *submit_loop(void *arg)
{
    submitter *t = arg;
    char buf[256];
    for (int i = 1; i <= t->batches; i++) {
        gv_error err;
        gv_event_in ev = fx_event(buf, sizeof buf, t->meeting, i, "note_added", i);
        int64_t last = 0;
        if (gv_writer_submit_wait(t->w, t->meeting, i == 1 ? GV_WRITE_CREATE : 0, &ev, 1, &last,
                                  NULL, &err) != 0 ||
            last != i)
            t->failures++;
        t->last = last;
    }
    return NULL;
}

static int code_of(const struct seen *s, intptr_t tag);

static void concurrent_submitters_all_commit(void **state)
{
    fixture *f = *state;
    enum { THREADS = 8, EACH = 40 };
    gv_writer *w = writer_new(f);
    submitter t[THREADS];
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++) {
        t[i] = (submitter){.w = w, .batches = EACH};
        snprintf(t[i].meeting, sizeof t[i].meeting, "room-%d", i);
        assert_int_equal(pthread_create(&th[i], NULL, submit_loop, &t[i]), 0);
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(th[i], NULL);
    gv_writer_stats st;
    gv_writer_get_stats(w, &st);
    gv_writer_free(w);

    for (int i = 0; i < THREADS; i++) {
        assert_int_equal(t[i].failures, 0);
        assert_int_equal(t[i].last, EACH);
        check_log(f->s, t[i].meeting, EACH);
    }
    assert_int_equal(st.batches, THREADS * EACH);
    assert_int_equal(st.events, THREADS * EACH);
    assert_int_equal(st.batches_failed, 0);
    /* How many transactions depends on how the threads were scheduled:
     * printed, not asserted (the next test asserts grouping). */
    print_message("  %d threads x %d waits: %llu batches in %llu transactions (largest %llu)\n",
                  THREADS, EACH, (unsigned long long)st.batches,
                  (unsigned long long)st.transactions, (unsigned long long)st.max_batches_per_tx);
}

/* Group commit: the batches queued while a transaction is under way are
 * committed together in the next one, one fsync for all of them. */
static void batches_queued_during_a_commit_share_the_next(void **state)
{
    fixture *f = *state;
    enum { N = 100 };
    gv_error err;
    gv_writer *w = writer_new(f);
    seen *s = seen_new();

    /* While the test holds the store, the writer may take the first batch
     * (a transaction of its own) but commits nothing: the other batches
     * wait in the queue for the next transaction. */
    pthread_mutex_lock(&f->s->mu);
    for (intptr_t k = 0; k < N; k++) {
        char id[16];
        snprintf(id, sizeof id, "g%d", (int)k);
        assert_int_equal(submit(w, id, GV_WRITE_CREATE, 1, 2, k, &err), 0);
    }
    pthread_mutex_unlock(&f->s->mu);
    loop_until(f, w, s, N);

    gv_writer_stats st;
    gv_writer_get_stats(w, &st);
    print_message("  %d batches queued during a commit: %llu transactions (largest %llu)\n", N,
                  (unsigned long long)st.transactions, (unsigned long long)st.max_batches_per_tx);
    if (st.transactions > 2)
        fail_msg("%llu transactions for %d batches queued at once; at most 2 may be",
                 (unsigned long long)st.transactions, N);
    assert_true(st.max_batches_per_tx >= N / 2);
    assert_int_equal(st.batches_failed, 0);
    for (intptr_t k = 0; k < N; k++) {
        char id[16];
        snprintf(id, sizeof id, "g%d", (int)k);
        assert_int_equal(code_of(s, k), 0);
        check_log(f->s, id, 2);
    }
    gv_writer_free(w);
    free(s);
}

/* Outcome of the batch with this tag. */
static int code_of(const struct seen *s, intptr_t tag)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->d[i].tag == tag)
            return s->d[i].code;
    fail_msg("no completion for tag %ld", (long)tag);
    return 0;
}

static const char *message_of(const seen *s, intptr_t tag)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->d[i].tag == tag)
            return s->d[i].message;
    return "";
}

static void a_bad_batch_fails_alone(void **state)
{
    fixture *f = *state;
    gv_error err;
    gv_writer *w = writer_new(f);
    seen *s = seen_new();

    /* Holding the store makes the writer wait, so the batches gather. */
    pthread_mutex_lock(&f->s->mu);
    assert_int_equal(submit(w, "m1", GV_WRITE_CREATE, 1, 1, 1, &err), 0); /* 1 write */
    assert_int_equal(submit(w, "m2", GV_WRITE_CREATE, 1, 1, 2, &err), 0); /* 1 write */
    assert_int_equal(submit(w, "m1", 0, 5, 1, 3, &err), 0);               /* gap: no write */
    assert_int_equal(submit(w, "m1", 0, 2, 1, 4, &err), 0);               /* 1 write */
    assert_int_equal(submit(w, "m3", GV_WRITE_CREATE, 1, 3, 5, &err), 0); /* 2nd write fails */
    assert_int_equal(submit(w, "m2", 0, 2, 2, 6, &err), 0);               /* 2 writes */
    assert_int_equal(submit(w, "m2", GV_WRITE_CREATE, 1, 1, 7, &err), 0); /* exists */
    f->s->faults[GV_STORE_FAULT_WRITE] = (gv__fault){.skip = 4, .n = 1, .code = GV_EIO};
    pthread_mutex_unlock(&f->s->mu);

    loop_until(f, w, s, 7);
    assert_int_equal(code_of(s, 1), 0);
    assert_int_equal(code_of(s, 2), 0);
    assert_int_equal(code_of(s, 3), GV_ESTATE);
    assert_non_null(strstr(message_of(s, 3), "seq 2 was expected"));
    assert_int_equal(code_of(s, 4), 0);
    assert_int_equal(code_of(s, 5), GV_EIO);
    assert_non_null(strstr(message_of(s, 5), "forced write failure"));
    assert_int_equal(code_of(s, 6), 0);
    assert_int_equal(code_of(s, 7), GV_ESTATE);
    assert_non_null(strstr(message_of(s, 7), "already exists"));

    check_log(f->s, "m1", 2);
    check_log(f->s, "m2", 3);
    assert_int_equal(gv_store_head(f->s, "m3", NULL, NULL, &err), GV_ENOTFOUND);

    gv_writer_stats st;
    gv_writer_get_stats(w, &st);
    assert_int_equal(st.batches, 7);
    assert_int_equal(st.batches_failed, 3);
    assert_int_equal(st.events, 5);
    assert_true(st.transactions <= 2); /* the first batch may have gone alone */
    gv_writer_free(w);
    free(s);
}

static void a_failed_commit_fails_its_batches_only(void **state)
{
    fixture *f = *state;
    gv_error err;
    gv_writer *w = writer_new(f);
    seen *s = seen_new();

    pthread_mutex_lock(&f->s->mu);
    for (intptr_t k = 0; k < 6; k++) {
        char id[16];
        snprintf(id, sizeof id, "c%d", (int)k);
        assert_int_equal(submit(w, id, GV_WRITE_CREATE, 1, 2, k, &err), 0);
    }
    /* A full disk at COMMIT: each batch of the group is told GV_EFULL, not
     * a generic I/O error. */
    f->s->faults[GV_STORE_FAULT_COMMIT] = (gv__fault){.skip = 0, .n = 1, .code = GV_EFULL};
    pthread_mutex_unlock(&f->s->mu);

    loop_until(f, w, s, 6);
    gv_writer_stats st;
    gv_writer_get_stats(w, &st);
    /* The first transaction's commit failed: its batches failed, the rest
     * (if the writer had split them) committed. Either way the store holds
     * exactly what was acknowledged. */
    assert_int_equal(code_of(s, 0), GV_EFULL);
    assert_non_null(strstr(message_of(s, 0), "transaction it shared failed"));
    int failed = 0;
    for (intptr_t k = 0; k < 6; k++) {
        char id[16];
        snprintf(id, sizeof id, "c%d", (int)k);
        int rc = gv_store_head(f->s, id, NULL, NULL, &err);
        if (code_of(s, k) == 0) {
            assert_int_equal(rc, 0);
            check_log(f->s, id, 2);
        } else {
            /* Groups are taken in submission order: the failed ones are
             * the first `failed` batches. */
            assert_int_equal(failed, (int)k);
            assert_int_equal(code_of(s, k), GV_EFULL);
            assert_int_equal(rc, GV_ENOTFOUND);
            failed++;
        }
    }
    assert_int_equal(st.batches_failed, (uint64_t)failed);
    assert_true(st.transactions <= 2);
    if (st.transactions == 1)
        assert_int_equal(failed, 6);
    gv_writer_free(w);
    free(s);
}

static off_t file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? sb.st_size : 0;
}

static void a_failing_disk_fails_the_group_and_the_writer_goes_on(void **state)
{
    fixture *f = *state;
    gv_error err;
    gv_writer *w = writer_new(f);
    seen *s = seen_new();
    static char bodies[8][4200];
    gv_event_in ev[8];
    char wal[4300];
    snprintf(wal, sizeof wal, "%s-wal", f->db);

    /* Files may not grow by more than 8 KiB: 5 batches of 32 KiB fail on
     * the disk (a file size limit: GV_EIO, not a full disk). */
    off_t biggest = file_size(f->db) > file_size(wal) ? file_size(f->db) : file_size(wal);
    struct rlimit old, lim;
    signal(SIGXFSZ, SIG_IGN);
    assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = (rlim_t)biggest + 8192;
    pthread_mutex_lock(&f->s->mu);
    for (intptr_t k = 0; k < 5; k++) {
        char id[16];
        snprintf(id, sizeof id, "big%d", (int)k);
        for (int i = 0; i < 8; i++) {
            int len = snprintf(bodies[i], sizeof bodies[i],
                               "{\"at_ms\":%d,\"seq\":%d,\"text\":\"%04000d\",\"type\":\"a\"}",
                               i + 1, i + 1, i);
            ev[i] = (gv_event_in){.seq = i + 1,
                                  .type = "a",
                                  .at_ms = i + 1,
                                  .bytes = (const unsigned char *)bodies[i],
                                  .len = (size_t)len};
        }
        assert_int_equal(gv_writer_submit(w, id, GV_WRITE_CREATE, ev, 8, (void *)k, &err), 0);
    }
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
    pthread_mutex_unlock(&f->s->mu);
    loop_until(f, w, s, 5);
    assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
    signal(SIGXFSZ, SIG_DFL);

    /* Whatever was reported committed is there, the rest is absent. */
    int failed = 0;
    for (intptr_t k = 0; k < 5; k++) {
        char id[16];
        int64_t seq = -1;
        snprintf(id, sizeof id, "big%d", (int)k);
        int rc = gv_store_head(f->s, id, &seq, NULL, &err);
        if (code_of(s, k) == 0) {
            assert_int_equal(rc, 0);
            assert_int_equal(seq, 8);
        } else {
            assert_int_equal(code_of(s, k), GV_EIO);
            assert_int_equal(rc, GV_ENOTFOUND);
            failed++;
        }
    }
    assert_int_equal(code_of(s, 0), GV_EIO);
    print_message("  %d of 5 batches failed on the disk: %s\n", failed, message_of(s, 0));

    /* The writer goes on once the disk takes writes again. */
    assert_int_equal(submit(w, "after", GV_WRITE_CREATE, 1, 3, 99, &err), 0);
    loop_until(f, w, s, 6);
    assert_int_equal(code_of(s, 99), 0);
    check_log(f->s, "after", 3);
    assert_int_equal(gv_store_check(f->s, &err), 0);
    gv_writer_free(w);
    free(s);
}

static void stop_commits_what_was_queued(void **state)
{
    fixture *f = *state;
    gv_error err;
    gv_writer *w = writer_new(f);
    seen *s = seen_new();
    for (int i = 0; i < 300; i++)
        assert_int_equal(submit(w, "q", i == 0 ? GV_WRITE_CREATE : 0, 1 + i, 1, i, &err), 0);
    gv_writer_stop(w);
    gv_writer_stop(w); /* again: nothing */
    assert_int_equal(submit(w, "q", 0, 301, 1, 0, &err), GV_ESTATE);
    assert_non_null(strstr(err.msg, "stopping"));
    assert_int_equal(gv_writer_submit_wait(w, "q", 0, NULL, 0, NULL, NULL, &err), GV_ESTATE);
    assert_int_equal(gv_writer_poll(w, on_done, s), 300);
    for (int i = 0; i < 300; i++)
        assert_int_equal(s->d[i].code, 0);
    check_log(f->s, "q", 300);
    gv_writer_free(w);
    free(s);
}

static void free_drops_unpolled_completions(void **state)
{
    fixture *f = *state;
    gv_error err;
    gv_writer *w = writer_new(f);
    for (int i = 0; i < 20; i++)
        assert_int_equal(submit(w, "d", i == 0 ? GV_WRITE_CREATE : 0, 1 + i, 1, i, &err), 0);
    gv_writer_free(w); /* the sanitizer build checks nothing leaks */
    check_log(f->s, "d", 20);
    gv_writer_free(NULL);
}

static void bad_submissions_are_refused_at_once(void **state)
{
    fixture *f = *state;
    gv_error err;
    gv_writer *w = writer_new(f);
    char buf[256];
    gv_event_in ev = fx_event(buf, sizeof buf, "m", 1, "note_added", 1);
    assert_int_equal(gv_writer_submit(w, "bad id", GV_WRITE_CREATE, &ev, 1, NULL, &err), GV_EINVAL);
    assert_int_equal(gv_writer_submit(w, "m", 1u << 5, &ev, 1, NULL, &err), GV_EINVAL);
    gv_event_in bad = ev;
    bad.type = "Bad";
    assert_int_equal(gv_writer_submit_wait(w, "m", GV_WRITE_CREATE, &bad, 1, NULL, NULL, &err),
                     GV_EINVAL);
    assert_int_equal(gv_writer_submit_wait(w, "m", 0, &ev, 1, NULL, NULL, &err), GV_ENOTFOUND);
    unsigned char head[GV_HASH_BYTES], stored[GV_HASH_BYTES];
    int64_t last = 0;
    assert_int_equal(gv_writer_submit_wait(w, "m", GV_WRITE_CREATE, &ev, 1, &last, head, &err), 0);
    assert_int_equal(last, 1);
    assert_int_equal(gv_store_head(f->s, "m", NULL, stored, &err), 0);
    assert_memory_equal(head, stored, GV_HASH_BYTES);
    gv_writer_stats st;
    gv_writer_get_stats(w, &st);
    assert_int_equal(st.batches, 2); /* the refused ones never reached the writer */
    gv_writer_free(w);
}

static int snap_seq_of(void *ud, const gv_stored_snapshot *snap)
{
    *(int64_t *)ud = snap->seq;
    return 0;
}

static void snapshots_are_stored_in_order_and_only_counted(void **state)
{
    fixture *f = *state;
    gv_error err;
    gv_writer *w = writer_new(f);
    seen *s = calloc(1, sizeof *s);
    s->loop = pthread_self();
    const unsigned char body[] = "{\"state\":5}";
    /* Events 1-5, a snapshot at 5 and one beyond the log, then 6-7: queued
     * at once, so the snapshot meets its event in the same group or after. */
    assert_int_equal(submit(w, "s", GV_WRITE_CREATE, 1, 5, 1, &err), 0);
    assert_int_equal(gv_writer_submit_snapshot(w, "s", 5, 3, body, sizeof body - 1, &err), 0);
    assert_int_equal(gv_writer_submit_snapshot(w, "s", 99, 3, body, sizeof body - 1, &err), 0);
    assert_int_equal(submit(w, "s", 0, 6, 2, 2, &err), 0);
    assert_int_equal(gv_writer_submit_snapshot(w, "bad id", 1, 3, body, 1, &err), GV_EINVAL);
    loop_until(f, w, s, 2);
    gv_writer_stop(w);
    gv_writer_poll(w, on_done, s);
    assert_int_equal(s->n, 2); /* snapshots report nothing */
    assert_int_equal(code_of(s, 1), 0);
    assert_int_equal(code_of(s, 2), 0); /* the failed snapshot failed alone */
    gv_writer_stats st;
    gv_writer_get_stats(w, &st);
    assert_int_equal(st.snapshots, 1);
    assert_int_equal(st.snapshots_failed, 1);
    int64_t seq = 0;
    assert_int_equal(gv_store_get_snapshot(f->s, "s", INT64_MAX, snap_seq_of, &seq, &err), 0);
    assert_int_equal(seq, 5);
    check_log(f->s, "s", 7);
    gv_writer_free(w);
    free(s);
}

static void readonly_store_gets_no_writer(void **state)
{
    fixture *f = *state;
    gv_error err;
    gv_store_close(f->s);
    f->s = gv_store_open(f->db, GV_STORE_READONLY, &err);
    assert_non_null(f->s);
    assert_null(gv_writer_new(f->s, NULL, NULL, &err));
    assert_int_equal(err.code, GV_EPERM);
    assert_null(gv_writer_new(NULL, NULL, NULL, &err));
    assert_int_equal(err.code, GV_EINVAL);
}

static void memory_engine_works_with_the_writer(void **state)
{
    (void)state;
    gv_error err;
    gv_store *s = gv_store_open_memory(&err);
    gv_writer *w = gv_writer_new(s, NULL, NULL, &err);
    assert_non_null(w);
    char buf[256];
    for (int i = 1; i <= 10; i++) {
        gv_event_in ev = fx_event(buf, sizeof buf, "mem", i, "note_added", i);
        assert_int_equal(
            gv_writer_submit(w, "mem", i == 1 ? GV_WRITE_CREATE : 0, &ev, 1, NULL, &err), 0);
    }
    gv_writer_stop(w);
    assert_int_equal(gv_writer_poll(w, NULL, NULL), 10);
    gv_writer_free(w);
    check_log(s, "mem", 10);
    gv_store_close(s);
}

/*
 * Several writers on one log (servers on one PostgreSQL database): this
 * writer's batches 3 and 4 were decided one after the other; another
 * writer stores its own event 3 first. Batch 3 fails (its seq no longer
 * follows), and so must batch 4, although seq 4 now follows: it was decided
 * after this writer's event 3, not the other's. A batch whose head is the
 * log's is stored. Shown to fail with gv_writer_submit in place of
 * gv_writer_submit_after (batch 4 is stored after the other's event 3).
 */
static void a_batch_decided_after_another_writers_event_fails(void **state)
{
    fixture *f = *state;
    gv_error err;
    char b[4][256];
    unsigned char h1[GV_HASH_BYTES], h2[GV_HASH_BYTES], mine3[GV_HASH_BYTES];
    gv_store *other = gv_store_open(f->db, 0, &err);
    if (!other)
        fail_msg("%s", err.msg);
    gv_event_in e1 = fx_event(b[0], sizeof b[0], "m", 1, "note_added", 1);
    gv_event_in e2 = fx_event(b[1], sizeof b[1], "m", 2, "note_added", 2);
    assert_int_equal(gv_store_create_meeting(f->s, "m", &e1, 1, &err), 0);
    assert_int_equal(gv_store_append(f->s, "m", &e2, 1, &err), 0);
    gv_hash_event((const unsigned char[GV_HASH_BYTES]){0}, e1.bytes, e1.len, h1);
    gv_hash_event(h1, e2.bytes, e2.len, h2);

    gv_writer *w = writer_new(f);
    seen *s = seen_new();
    gv_event_in m3 = fx_event(b[2], sizeof b[2], "mine", 3, "note_added", 3);
    gv_event_in m4 = fx_event(b[3], sizeof b[3], "mine", 4, "note_added", 4);
    gv_hash_event(h2, m3.bytes, m3.len, mine3);
    /* The writer waits for the store while the other writer goes first. */
    pthread_mutex_lock(&f->s->mu);
    assert_int_equal(gv_writer_submit_after(w, "m", h2, &m3, 1, (void *)3, &err), 0);
    assert_int_equal(gv_writer_submit_after(w, "m", mine3, &m4, 1, (void *)4, &err), 0);
    char ob[256];
    gv_event_in o3 = fx_event(ob, sizeof ob, "other", 3, "note_added", 3);
    assert_int_equal(gv_store_append(other, "m", &o3, 1, &err), 0);
    pthread_mutex_unlock(&f->s->mu);
    loop_until(f, w, s, 2);
    assert_int_equal(code_of(s, 3), GV_ESTATE);
    assert_int_equal(code_of(s, 4), GV_ESTATE);
    assert_non_null(strstr(message_of(s, 4), "not the one this change was decided after"));

    /* Decided again after the other's event: stored. */
    unsigned char o3h[GV_HASH_BYTES];
    gv_hash_event(h2, o3.bytes, o3.len, o3h);
    assert_int_equal(gv_writer_submit_after(w, "m", o3h, &m4, 1, (void *)5, &err), 0);
    loop_until(f, w, s, 3);
    assert_int_equal(code_of(s, 5), 0);
    fx_events *c = fx_events_new();
    if (gv_store_read(f->s, "m", 0, fx_collect, c, &err))
        fail_msg("%s", err.msg);
    assert_int_equal(c->n, 4);
    assert_memory_equal(c->bytes[2], ob, c->len[2]);
    assert_memory_equal(c->bytes[3], b[3], c->len[3]);
    fx_events_free(c);
    gv_writer_free(w);
    free(s);
    gv_store_close(other);
}

int main(void)
{
#define SQ(t) cmocka_unit_test_prestate_setup_teardown(t, setup, teardown, (void *)"sqlite")
#define T(t)                                                                                       \
    SQ(t), cmocka_unit_test_prestate_setup_teardown(t, setup, teardown, (void *)"postgresql")
    const struct CMUnitTest tests[] = {
        T(completions_reach_the_loop_thread_in_order),
        T(concurrent_submitters_all_commit),
        T(batches_queued_during_a_commit_share_the_next),
        T(a_bad_batch_fails_alone),
        T(a_failed_commit_fails_its_batches_only),
        SQ(a_failing_disk_fails_the_group_and_the_writer_goes_on),
        T(stop_commits_what_was_queued),
        T(free_drops_unpolled_completions),
        T(bad_submissions_are_refused_at_once),
        T(readonly_store_gets_no_writer),
        T(snapshots_are_stored_in_order_and_only_counted),
        T(a_batch_decided_after_another_writers_event_fails),
        cmocka_unit_test(memory_engine_works_with_the_writer),
    };
#undef T
#undef SQ
    return cmocka_run_group_tests(tests, pgfx_group_setup, pgfx_group_teardown);
}
