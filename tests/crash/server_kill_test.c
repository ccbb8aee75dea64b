/*
 * The server crash campaign: `gavel serve` under a steady load of commands
 * from several people at once (WebSockets and HTTP POSTs, see load.h) is
 * killed with SIGKILL at a random moment and restarted on the same
 * database, twenty times.
 *
 * After each kill, before the restart:
 * - every command the server acknowledged is in the log at the seqs its ack
 *   named, by its sender, with its own text (load.h cl_check_log);
 * - nothing is there twice: no seq acknowledged twice, no text twice, nothing
 *   of a refused command;
 * - `gavel verify` passes on every log of the database (the meeting's chain
 *   and replay, and the links log the restarts append to);
 * and after the restart the server serves the whole log again: its snapshot
 * is at the log's head, and the next round's commands are acknowledged.
 *
 * The kill moment is drawn from a seeded generator, printed at the start
 * (GV_CRASH_SEED=N replays a run); so are the commands each person sends.
 * Per round it prints what was acknowledged, what was found in the log and
 * when the kill came.
 */
#include "load.h"

#define ROUNDS 20
/* The kill comes this long after the first ack of a round, drawn uniformly. */
#define KILL_MAX_MS       800
#define KILL_MAX_BURST_MS 200 /** in a round without pacing */

static const char *const server_args[] = {"--meeting",
                                          "test-panel",
                                          "--commands-per-second",
                                          "100000",
                                          "--command-burst",
                                          "100000",
                                          "--max-lag-events",
                                          "8192",
                                          NULL};

typedef cl_disk campaign; /** the database in the test's folder (cl_dir_setup) */

static int setup(void **state)
{
    return cl_dir_setup(state, "crash-serve");
}

/* The people and what each does (one play after another, in turn). */
static void cast(cl_load *l)
{
    cl_cast_officers(l);
    cl_add_sender(l, "p2", "participant", false,
                  (const char *const[]){"floor", "ask", "upvote", "upvote", "withdraw", NULL});
    cl_add_sender(l, "p3", "participant", false,
                  (const char *const[]){"upvote", "floor", "withdraw", "ask", NULL});
    cl_add_sender(l, "p4", "participant", true,
                  (const char *const[]){"ask", "floor", "upvote", "withdraw", NULL});
    cl_add_sender(l, "p5", "participant", true, (const char *const[]){"upvote", "floor", NULL});
    cl_add_sender(l, "pan1", "panelist", true,
                  (const char *const[]){"upvote", "floor", "ask", NULL});
}

static void start_server(campaign *c, int round)
{
    if (tc_server_start(&c->srv, c->db, server_args) < 0)
        fail_msg("round %d: the server did not start on the database of the last round", round);
    cl_use_server(&c->load, &c->srv);
}

static void test_sigkill_under_load_20_times(void **state)
{
    campaign *c = *state;
    cl_load *l = &c->load;
    l->rng = cl_seed("server_kill");
    l->text_bytes = 120;
    /* Bounds that keep twenty rounds inside the meeting's limits and the run
     * short whatever the machine's speed. */
    l->max_asks = 6000;
    l->max_sent = 6000;

    snprintf(l->allowed, sizeof l->allowed, "conflict,not_found");
    cast(l);
    start_server(c, 1);
    cl_open_discussion(l);
    int64_t total_acked = 0, total_sent = 0, total_lost = 0, total_lost_stored = 0;
    int rounds_in_flight = 0, questions = 0, lost_in_log_before = 0;
    int64_t head = 0;
    for (int round = 1; round <= ROUNDS; round++) {
        cl_round_reset(l, round);
        /* The server serves the whole log again: its snapshot is at the head. */
        if (round > 1) {
            int64_t seq = cl_snapshot_seq(l);
            if (seq != head)
                fail_msg("round %d: the restarted server's snapshot is at seq %lld, the log's "
                         "head is %lld",
                         round, (long long)seq, (long long)head);
        }
        /* The streams resume after the head (a snapshot of a large meeting for
         * each of seven streams, every round, would be most of the run). */
        l->since = head;
        cl_open(l);
        /* Each sender sends one command every 1, 3 or 5 ms (at most CL_WINDOW
         * waiting), or as fast as its window allows (pace 0): from about
         * 1,000 to several thousand commands a second. Bursts keep commits
         * in flight at the kill; they are kept short. */
        int pace = (int)(cl_rand(l) % 4);
        l->pace_ms = pace ? 2 * pace - 1 : 0;
        /* The kill comes at a random moment of steady load: counted from the
         * round's first ack, so that the server is known to be serving. */
        int kill_after = (int)(cl_rand(l) % ((l->pace_ms ? KILL_MAX_MS : KILL_MAX_BURST_MS) + 1));
        int64_t t0 = 0, start = tc_now_ms();
        while (!t0 || tc_now_ms() - t0 < kill_after) {
            if (cl_pump(l, 2) < l->n_senders)
                cl_fail_cut(l, "before the kill");
            if (!t0 && l->acked)
                t0 = tc_now_ms();
            if (!t0 && tc_now_ms() - start > 20000)
                fail_msg("round %d: nothing was acknowledged in 20 s of load", round);
        }
        int killed_at = (int)(tc_now_ms() - t0);
        int status = tc_server_stop(&c->srv, SIGKILL);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        int acked_live = l->acked;
        int lost = cl_drain(l);

        cl_log g;
        cl_log_read(c->db, &g);
        cl_check chk;
        cl_check_log(l, &g, &chk);
        int64_t tv = tc_now_ms();
        char *out = NULL;
        int vrc = cl_verify(c->db, &out);
        tv = tc_now_ms() - tv;
        if (vrc != 0)
            fail_msg("round %d: gavel verify exited %d:\n%s", round, vrc, out ? out : "");
        free(out);
        /* Lost commands stay lost and the log only grows: this round's are the increase. */
        int lost_stored = chk.lost_in_log - lost_in_log_before;
        lost_in_log_before = chk.lost_in_log;
        printf("round %2d: paced %d ms, killed %3d ms after the first ack; %4d sent, %4d acked (%d "
               "read after "
               "the kill), "
               "%4d refused, %2d in flight (%d of their texts stored); log %lld -> %lld events, "
               "all %d acked so far found, verify ok (%lld ms)",
               round, l->pace_ms, killed_at, l->sent, l->acked, l->acked - acked_live, l->refused,
               lost, lost_stored, (long long)head, (long long)g.n, chk.acked_in_log, (long long)tv);
        total_acked += l->acked;
        total_sent += l->sent;
        total_lost += lost;
        rounds_in_flight += lost > 0;
        total_lost_stored += lost_stored;
        head = g.n;
        questions = 0;
        for (int64_t q = 1; q <= g.n; q++)
            questions += strcmp(g.ev[q].type, "question_asked") == 0;
        cl_log_free(&g);
        int64_t ts = tc_now_ms();
        start_server(c, round + 1);
        printf(", restart %lld ms\n", (long long)(tc_now_ms() - ts));
        fflush(stdout);
    }
    /* The last restart serves, takes a command and stops cleanly. */
    assert_int_equal(cl_snapshot_seq(l), head);
    tc_response r;
    assert_int_equal(
        cl_command(l, "rapporteur", NULL, "{\"type\":\"add_note\",\"text\":\"after\"}", &r), 200);
    tc_response_free(&r);
    int st = tc_server_stop(&c->srv, SIGTERM);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    printf("server_kill: %d of %d restarts with every acknowledged command in the log; %lld sent, "
           "%lld acked, %lld in flight at a kill in %d rounds (%lld of their texts stored, none "
           "twice); log head %lld, %d questions (the meeting takes 10000)\n",
           ROUNDS, ROUNDS, (long long)total_sent, (long long)total_acked, (long long)total_lost,
           rounds_in_flight, (long long)total_lost_stored, (long long)head + 1, questions);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sigkill_under_load_20_times, setup, cl_disk_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
