/*
 * Crash test: nothing acknowledged is ever lost when the process dies.
 *
 * A child (crash_child.h) appends to an SQLite store through the writer and
 * reports each acknowledged batch over a pipe. Once it is ready, the parent
 * kills it with SIGKILL at a random moment 20 to 150 ms later, reopens the
 * database and checks that every acknowledged event is there with the bytes
 * written, that the chains verify and the file is sound; then starts a new
 * child on the same file, 20 times. Every round must end by the kill (a
 * child that ends by itself fails the test), so the 20 kills are counted,
 * not assumed.
 *
 * A SIGKILL keeps the page cache: this shows that acknowledgements follow
 * commits, not that commits reach the disk (power_loss_test.c does).
 * GV_CRASH_SEED sets the random seed (printed, to replay a failure).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "crash_child.h"

#define ROUNDS 20

/* Lets the child run 20 to 150 ms, reading acks as they come, then kills it. */
static void end_by_kill(pid_t pid, int fd, cc_heard *h, unsigned *seed, int round)
{
    int64_t run_ms = 20 + rand_r(seed) % 131;
    cc_read_acks(fd, cc_now_ms() + run_ms, false, h);
    assert_int_equal(kill(pid, SIGKILL), 0);
    int status = 0;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    cc_read_acks(fd, -1, false, h);
    if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL))
        fail_msg("round %d: the child ended by itself (status 0x%x)", round, status);
}

static void acknowledged_events_survive_sigkill(void **state)
{
    (void)state;
    cc_campaign("crash.db", ROUNDS, &(cc_hooks){0}, end_by_kill, "kills");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(acknowledged_events_survive_sigkill),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
