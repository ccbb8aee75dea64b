/*
 * Power-loss test: nothing acknowledged is lost when the machine loses
 * power, which a SIGKILL cannot show (the page cache survives a kill, so a
 * commit that was never synced still reaches the file).
 *
 * A child (crash_child.h) appends to an SQLite store through the writer and
 * reports each acknowledged batch over a pipe. Its SQLite runs on the
 * power-cut VFS (power_vfs.h): once the child is ready, the power is cut
 * just before a random one of its next 1 to 3,000 writes, truncations and
 * syncs: every write not yet synced is undone, in every file, and the child
 * exits at once. The parent then opens the file as it is, with SQLite's own
 * VFS, and checks that every acknowledged event is there with its bytes,
 * that the chains verify and the file passes the integrity check; then a
 * new child goes on with the same file, 25 times. Every round must end by
 * the cut (counted; a child that dies otherwise fails the test).
 *
 * Shown to fail without the fsync: with `PRAGMA synchronous = NORMAL` in
 * src/store/sqlite.c (WAL commits then reach the disk only at checkpoints)
 * the first round fails: even the schema, committed before the child said
 * it was ready, is gone ("power.db holds no Gavel database"), while the
 * SIGKILL test (crash_test.c) passes on that build.
 *
 * GV_CRASH_SEED sets the random seed (printed, to replay a failure).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "crash_child.h"
#include "power_vfs.h"

#define ROUNDS  25
#define OPS_MAX 3000

/* In the child: SQLite on the power-cut VFS... */
static void use_power_vfs(void)
{
    if (pv_register() != SQLITE_OK)
        _exit(5);
}

/* ...and once its store is open, the cut 1 to OPS_MAX changes later. */
static void arm(unsigned seed)
{
    pv_arm(1 + (long)(rand_r(&seed) % OPS_MAX));
}

/* Reads acks until the child's power is cut (60 s at most). */
static void end_by_cut(pid_t pid, int fd, cc_heard *h, unsigned *seed, int round)
{
    (void)seed;
    cc_read_acks(fd, cc_now_ms() + 60000, false, h);
    if (!h->eof) {
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        fail_msg("round %d: the power was not cut within 60 s", round);
    }
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    if (!(WIFEXITED(status) && WEXITSTATUS(status) == PV_EXIT_POWER_CUT))
        fail_msg("round %d: the child did not end by the power cut (status 0x%x)", round, status);
}

static void acknowledged_events_survive_power_loss(void **state)
{
    (void)state;
    /* The VFS is registered in the child only: the parent checks the files
     * with SQLite's own. */
    cc_campaign("power.db", ROUNDS, &(cc_hooks){.open = use_power_vfs, .ready = arm}, end_by_cut,
                "power cuts");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(acknowledged_events_survive_power_loss),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
