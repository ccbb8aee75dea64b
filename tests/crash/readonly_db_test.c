/*
 * A database on a read-only file system (a tmpfs remounted read-only: as
 * root, file modes alone would not stop a write).
 *
 * The decision (docs/storage.md): what only reads works as it is, `gavel
 * log`, `verify`, `state` and `report`; what writes, `gavel serve` (it issues
 * role links at start and stores commands), `apply`, `invite` and `init`,
 * refuses at once with exit 5 (the database cannot be written, docs/cli.md)
 * and a message that says what to do. A server that cannot store commands is not started
 * at all, rather than started to refuse every command.
 *
 * Three states of the files left behind:
 * - stopped cleanly: only gavel.db (SQLite removed the -wal and -shm);
 * - killed (SIGKILL): gavel.db with its -wal, holding commits not yet copied
 *   into the file, and its -shm; reading needs them both, and every
 *   acknowledged command is there;
 * - killed, then the -shm lost (a copy of only the .db and -wal): SQLite
 *   cannot rebuild the index of the -wal without writing it, so reading is
 *   refused (exit 5) with a message saying how to get at the data, and once the folder
 *   is writable again nothing is missing.
 *
 * Needs permission to mount a tmpfs; without it, exits GV_CRASH_SKIP.
 */
#include "load.h"

#define TMPFS_KIB 16384

static const char *const server_args[] = {"--meeting", "test-panel",      "--commands-per-second",
                                          "100000",    "--command-burst", "100000",
                                          NULL};

typedef cl_disk ro;

static int setup(void **state)
{
    return cl_disk_setup(state, "crash-ro", TMPFS_KIB);
}

static void set_read_only(ro *d, bool on)
{
    if (cl_mount_tmpfs(d->mnt, TMPFS_KIB, MS_REMOUNT | (on ? MS_RDONLY : 0)) < 0)
        fail_msg("cannot remount %s %s: %s", d->mnt, on ? "read-only" : "writable",
                 strerror(errno));
}

/* A server on the database, some hundreds of commands from several people,
 * then the server stopped with sig (SIGTERM or SIGKILL). */
static void record_some(ro *d, int sig)
{
    cl_load *l = &d->load;
    l->rng = cl_seed("readonly_db");
    l->text_bytes = 200;
    l->pace_ms = 2;
    snprintf(l->allowed, sizeof l->allowed, "conflict,not_found");
    cl_cast_officers(l);
    cl_add_sender(l, "p4", "participant", true, (const char *const[]){"ask", "upvote", NULL});
    if (tc_server_start(&d->srv, d->db, server_args) < 0)
        fail_msg("the server did not start");
    cl_use_server(l, &d->srv);
    cl_open_discussion(l);
    cl_round_reset(l, 1);
    cl_open(l);
    int64_t t0 = tc_now_ms();
    while (tc_now_ms() - t0 < 300)
        if (cl_pump(l, 2) < l->n_senders)
            cl_fail_cut(l, "recording");
    cl_settle(l, 20000);
    cl_close(l);
    int status = tc_server_stop(&d->srv, sig);
    if (sig == SIGTERM)
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    printf("  %d commands acked, server stopped with %s: gavel.db %lld bytes, -wal %lld, -shm "
           "%lld (-1: none)\n",
           l->acked, sig == SIGTERM ? "SIGTERM" : "SIGKILL", cl_file_bytes(d->db),
           cl_file_bytes(d->wal), cl_file_bytes(d->shm));
}

/* Runs gavel; checks its exit code, and that its output says `says` (what a
 * person reads: the data is there, and what to do), when given. */
static void expect_gavel(int want, const char *says, const char *const *args)
{
    char *out = NULL;
    int rc = cl_run(&out, args, 20000);
    assert_non_null(out);
    if (rc != want || (says && !strstr(out, says)))
        fail_msg("gavel %s exited %d (expected %d%s%s%s):\n%s", args[0], rc, want,
                 says ? ", saying \"" : "", says ? says : "", says ? "\"" : "", out);
    char first[200];
    snprintf(first, sizeof first, "%.*s", (int)strcspn(out, "\n"), out);
    printf("    gavel %-7s -> %d  %s\n", args[0], rc, want ? first : "");
    free(out);
}

/* Everything that only reads works, and every acknowledged command is there. */
static void reads_work(ro *d)
{
    cl_log g;
    cl_log_read(d->db, &g);
    cl_check chk;
    cl_check_log(&d->load, &g, &chk);
    printf("    read-only open: all %d acknowledged commands in the log (head %lld)\n",
           chk.acked_in_log, (long long)g.n);
    cl_log_free(&g);
    expect_gavel(0, NULL, (const char *const[]){"log", "--db", d->db, NULL});
    expect_gavel(0, "intact", (const char *const[]){"verify", "--db", d->db, NULL});
    expect_gavel(0, NULL, (const char *const[]){"state", "--db", d->db, NULL});
    expect_gavel(0, NULL, (const char *const[]){"report", "--db", d->db, "--format", "md", NULL});
}

/* Everything that writes refuses at once, clearly, and changes nothing. */
static void writes_refused(ro *d)
{
    expect_gavel(5, NULL,
                 (const char *const[]){"serve", "--db", d->db, "--listen", "127.0.0.1:0",
                                       "--meeting", "test-panel", NULL});
    expect_gavel(5, NULL,
                 (const char *const[]){"serve", "--db", d->db, "--listen", "127.0.0.1:0", NULL});
    char cmd[300];
    snprintf(cmd, sizeof cmd, "%s/note.jsonl", d->dir);
    FILE *f = fopen(cmd, "w");
    assert_non_null(f);
    fputs("{\"type\":\"add_note\",\"text\":\"on a read-only disk\"}\n", f);
    fclose(f);
    expect_gavel(5, NULL, (const char *const[]){"apply", "--db", d->db, "--as", "rap", cmd, NULL});
    expect_gavel(5, NULL, (const char *const[]){"invite", "--db", d->db, "--role", "viewer", NULL});
    expect_gavel(5, NULL, (const char *const[]){"init", "--db", d->db, NULL});
}

static void test_read_only_after_clean_stop(void **state)
{
    ro *d = *state;
    printf("stopped cleanly, then read-only:\n");
    record_some(d, SIGTERM);
    assert_int_equal(cl_file_bytes(d->wal), -1);
    set_read_only(d, true);
    reads_work(d);
    writes_refused(d);
    reads_work(d);
}

static void test_read_only_after_kill(void **state)
{
    ro *d = *state;
    printf("killed, then read-only:\n");
    record_some(d, SIGKILL);
    assert_true(cl_file_bytes(d->wal) > 0);
    set_read_only(d, true);
    reads_work(d);
    writes_refused(d);
}

static void test_read_only_wal_without_shm(void **state)
{
    ro *d = *state;
    printf("killed, -shm lost, then read-only:\n");
    record_some(d, SIGKILL);
    assert_true(cl_file_bytes(d->wal) > 0);
    assert_int_equal(unlink(d->shm), 0);
    set_read_only(d, true);
    expect_gavel(5, "-wal", (const char *const[]){"log", "--db", d->db, NULL});
    expect_gavel(5, "-wal", (const char *const[]){"verify", "--db", d->db, NULL});
    writes_refused(d);
    set_read_only(d, false);
    reads_work(d);
}

int main(void)
{
    cl_require_mount("readonly_db");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_read_only_after_clean_stop, setup, cl_disk_teardown),
        cmocka_unit_test_setup_teardown(test_read_only_after_kill, setup, cl_disk_teardown),
        cmocka_unit_test_setup_teardown(test_read_only_wal_without_shm, setup, cl_disk_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
