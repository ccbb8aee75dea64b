/*
 * `gavel serve` on a disk that fills up: the database, its -wal and its -shm
 * on a small tmpfs, a filler file taking most of it, and people sending
 * commands (load.h) until the disk is full.
 *
 * What it shows:
 * - a command that could not be stored gets an error, never an ack:
 *   disk_full (or busy while the room recovers from a failed commit; any
 *   other code, io_error included, fails the test), and none of its text
 *   reaches the log;
 * - every acknowledged command is in the log, then and after a restart;
 * - reads go on while the disk is full: the snapshot at the log's head, a new
 *   WebSocket with its snapshot, the Server-Sent Events stream;
 * - when space returns (the filler deleted, or the tmpfs remounted bigger),
 *   commands are acknowledged again by the same process, no restart;
 * - a server killed while the disk is full does not start again on it: it
 *   exits 4 (the disk is full), and the log is intact (`gavel
 *   verify`); with space back it starts and serves everything acknowledged.
 *
 * Needs permission to mount a tmpfs (root or CAP_SYS_ADMIN); without it the
 * test says so and exits GV_CRASH_SKIP, which CTest reports as skipped.
 */
#include "load.h"

#include <sys/statvfs.h>

#define TMPFS_KIB   16384
#define HEADROOM_KB 160 /** left free beside the filler */

static const char *const server_args[] = {"--meeting", "test-panel",      "--commands-per-second",
                                          "100000",    "--command-burst", "100000",
                                          NULL};

typedef cl_disk disk;

static long long free_bytes(const char *path)
{
    struct statvfs v;
    return statvfs(path, &v) == 0 ? (long long)v.f_bavail * (long long)v.f_bsize : -1;
}

static int setup(void **state)
{
    return cl_disk_setup(state, "crash-disk", TMPFS_KIB);
}

/* Writes a filler file that leaves about keep_kb free; returns its size. */
static long long fill(const char *path, const char *mnt, long long keep_kb)
{
    long long want = free_bytes(mnt) - keep_kb * 1024;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    assert_true(fd >= 0);
    char block[4096];
    memset(block, 'f', sizeof block);
    long long done = 0;
    while (done < want) {
        ssize_t n = write(fd, block, sizeof block);
        if (n <= 0)
            break;
        done += n;
    }
    close(fd);
    return cl_file_bytes(path);
}

static void cast(cl_load *l)
{
    cl_cast_officers(l);
    cl_add_sender(l, "p2", "participant", false, (const char *const[]){"upvote", "ask", NULL});
    cl_add_sender(l, "p4", "participant", true, (const char *const[]){"ask", "upvote", NULL});
    cl_add_sender(l, "pan1", "panelist", true, (const char *const[]){"ask", "floor", NULL});
}

static void start_server(disk *d)
{
    if (tc_server_start(&d->srv, d->db, server_args) < 0)
        fail_msg("the server did not start on %s", d->db);
    cl_use_server(&d->load, &d->srv);
}

static void check_log(disk *d, const char *when, int64_t *head)
{
    cl_log g;
    cl_log_read(d->db, &g);
    cl_check chk;
    cl_check_log(&d->load, &g, &chk);
    printf("  %s: all %d acknowledged commands in the log (head %lld)\n", when, chk.acked_in_log,
           (long long)g.n);
    if (head)
        *head = g.n;
    cl_log_free(&g);
}

/*
 * Sends commands until the disk is full: at least 10 disk_full refusals
 * and no ack for 300 ms. Returns the acks before that.
 */
static int load_until_full(disk *d, const char *phase)
{
    cl_load *l = &d->load;
    snprintf(l->allowed, sizeof l->allowed, "conflict,not_found,disk_full,busy");
    cl_round_reset(l, l->round + 1);
    cl_open(l);
    int64_t t0 = tc_now_ms(), last_ack = t0;
    int acked = 0;
    while (!(l->refused_by_code_full >= 10 && tc_now_ms() - last_ack > 300)) {
        if (tc_now_ms() - t0 > 60000)
            fail_msg("%s: the disk did not fill in 60 s (%d acked, %d refused)", phase, l->acked,
                     l->refused);
        if (cl_pump(l, 2) < l->n_senders)
            cl_fail_cut(l, phase);
        if (l->acked != acked) {
            acked = l->acked;
            last_ack = tc_now_ms();
        }
    }
    cl_settle(l, 20000);
    printf(
        "%s: full after %lld ms: %d commands sent, %d acked, %d refused (%d disk_full, %d busy); "
        "free %lld bytes; gavel.db %lld, -wal %lld, -shm %lld bytes\n"
        "  a refusal: %s\n",
        phase, (long long)(tc_now_ms() - t0), l->sent, l->acked, l->refused,
        l->refused_by_code_full, l->refused_by_code_busy, free_bytes(d->mnt), cl_file_bytes(d->db),
        cl_file_bytes(d->wal), cl_file_bytes(d->shm), l->last_refusal);
    return l->acked;
}

/* While the disk is full: the snapshot, a new WebSocket and the SSE stream. */
static void check_reads(disk *d, int64_t head)
{
    cl_load *l = &d->load;
    assert_int_equal(cl_snapshot_seq(l), head);
    tc_ws ws;
    char extra[128];
    snprintf(extra, sizeof extra, "Authorization: Bearer %s\r\n", cl_token(l, "viewer"));
    assert_int_equal(tc_ws_open(&ws, l->port, "/api/v1/meetings/" CL_MEETING "/ws", extra, NULL),
                     101);
    json_t *snap = tc_ws_until(&ws, "snapshot", 10000, NULL, NULL);
    assert_non_null(snap);
    assert_int_equal(json_integer_value(json_object_get(snap, "seq")), head);
    json_decref(snap);
    tc_ws_close(&ws);
    tc_sse sse;
    assert_int_equal(tc_sse_open(&sse, l->port, "/api/v1/meetings/" CL_MEETING "/events", extra),
                     200);
    tc_event e;
    bool got = false;
    while (!got && tc_sse_next(&sse, 10000, &e) == 1) {
        got = strcmp(e.name, "snapshot") == 0;
        if (got)
            assert_int_equal(atoll(e.id), head);
        tc_event_free(&e);
    }
    assert_true(got);
    tc_sse_close(&sse);
    printf("  reads while full: snapshot, WebSocket and event stream at seq %lld\n",
           (long long)head);
}

/* With space back: the same server acknowledges commands again. */
static void load_after_space(disk *d, const char *how)
{
    cl_load *l = &d->load;
    snprintf(l->allowed, sizeof l->allowed, "conflict,not_found");
    cl_round_reset(l, l->round + 1);
    cl_open(l);
    int64_t t0 = tc_now_ms();
    while (tc_now_ms() - t0 < 300)
        if (cl_pump(l, 2) < l->n_senders)
            cl_fail_cut(l, how);
    cl_settle(l, 20000);
    printf("  %s: %d commands sent, %d acked, %d refused (conflicts only); free %lld bytes\n", how,
           l->sent, l->acked, l->refused, free_bytes(d->mnt));
    assert_true(l->acked > 0);
    cl_close(l);
}

static void test_full_disk_then_space(void **state)
{
    disk *d = *state;
    cl_load *l = &d->load;
    l->rng = cl_seed("full_disk");
    l->text_bytes = 1000;
    l->pace_ms = 2;
    cast(l);
    start_server(d);
    cl_open_discussion(l);
    int64_t head = 0;

    long long filler = fill(d->filler, d->mnt, HEADROOM_KB);
    printf("tmpfs of %d KiB, filler %lld bytes, %lld bytes free\n", TMPFS_KIB, filler,
           free_bytes(d->mnt));
    load_until_full(d, "first fill");
    check_log(d, "while full", &head);
    check_reads(d, head);
    assert_int_equal(unlink(d->filler), 0);
    load_after_space(d, "filler deleted, same server");
    check_log(d, "after the filler was deleted", NULL);

    /* Again, and this time the disk grows instead. */
    filler = fill(d->filler, d->mnt, HEADROOM_KB);
    printf("filler of %lld bytes again, %lld bytes free\n", filler, free_bytes(d->mnt));
    load_until_full(d, "second fill");
    check_log(d, "while full", &head);
    check_reads(d, head);
    assert_int_equal(cl_mount_tmpfs(d->mnt, 4 * TMPFS_KIB, MS_REMOUNT), 0);
    load_after_space(d, "tmpfs remounted 4 times as large, same server");

    /* Killed on a full disk: no restart there, nothing lost, a restart once there is room. */
    fill(d->filler, d->mnt, HEADROOM_KB);
    load_until_full(d, "third fill");
    cl_close(l);
    tc_server_stop(&d->srv, SIGKILL);
    check_log(d, "killed while full", &head);
    char *out = NULL;
    int vrc = cl_verify(d->db, &out);
    if (vrc != 0)
        fail_msg("gavel verify on the full disk exited %d:\n%s", vrc, out ? out : "");
    free(out);
    printf("  gavel verify on the full disk: intact\n");
    /* It issues role links at start, a write: on the full disk it says so. */
    out = NULL;
    vrc = cl_run(&out,
                 (const char *const[]){"serve", "--db", d->db, "--listen", "127.0.0.1:0",
                                       "--meeting", "test-panel", NULL},
                 20000);
    if (vrc != 4)
        fail_msg("gavel serve on the full disk exited %d (expected 4, the disk is full):\n%s", vrc,
                 out);
    const char *said = strstr(out, "gavel serve:") ? strstr(out, "gavel serve:") : out;
    printf("  restart on the full disk: exit 4, %.*s\n", (int)strcspn(said, "\n"), said);
    free(out);
    assert_int_equal(unlink(d->filler), 0);
    start_server(d);
    assert_int_equal(cl_snapshot_seq(l), head);
    load_after_space(d, "restarted with room");
    check_log(d, "at the end", NULL);
    int st = tc_server_stop(&d->srv, SIGTERM);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    out = NULL;
    assert_int_equal(cl_verify(d->db, &out), 0);
    free(out);
}

int main(void)
{
    cl_require_mount("full_disk");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_full_disk_then_space, setup, cl_disk_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
