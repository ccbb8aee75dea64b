/*
 * The cluster's failover campaign: three nodes on one PostgreSQL, NATS
 * between them, nginx in front (tests/support/cluster.h), under a steady
 * load of commands (load.h) sent through nginx, while room screens read the
 * meeting over Server-Sent Events through nginx, as the pages do.
 *
 * 1. A node is SIGKILLed at a random moment of the load and started again,
 *    ten times (each node in turn). The screens whose stream it carried
 *    reconnect through nginx with Last-Event-ID and resume on another node.
 * 2. NATS is killed under load, then started again.
 * 3. PostgreSQL stops at once (as in a crash), then starts again: meanwhile
 *    every command is refused with `unavailable` (HTTP 503 with
 *    Retry-After), none acknowledged.
 *
 * After each step: every command acknowledged is in the log at the seqs its
 * ack named, by its sender, with its own text; nothing is there twice, nothing
 * of a refused command (load.h cl_check_log); `gavel verify` passes; every
 * screen has every event of the log, in order, each once (a gap or a repeat
 * fails at once). Each kill prints how long the screens of the killed node
 * took to read again from another node (reconnecting at once; the pages
 * wait 0.4-0.6 s more before their first retry).
 *
 * GV_CRASH_SEED=N replays a run's kill moments and commands.
 */
#include "load.h"

#include "cluster.h"

#define NODES       3
#define ROUNDS      10
#define SCREENS     9
#define KILL_MAX_MS 600
/** a bounded wait for what must happen (not a measure of speed) */
#define DEADLINE_MS 30000

typedef struct screen {
    tc_sse es;
    bool open;
    int64_t last;    /** the last seq read */
    int64_t down_ms; /** when its stream ended (0: it did not) */
    int64_t back_ms; /** when it read again from another node */
    int reconnects;
} screen;

typedef struct campaign {
    tk_cluster k;
    cl_load load;
    screen sc[SCREENS];
} campaign;

static const char *const node_args[] = {"--commands-per-second",
                                        "100000",
                                        "--command-burst",
                                        "100000",
                                        "--max-lag-events",
                                        "8192",
                                        NULL};

static int setup(void **state)
{
    campaign *c = calloc(1, sizeof *c);
    if (!c || tk_cluster_start(&c->k, NODES, true, true, node_args) < 0) {
        free(c);
        return -1;
    }
    *state = c;
    return 0;
}

static int teardown(void **state)
{
    campaign *c = *state;
    cl_close(&c->load);
    for (int i = 0; i < SCREENS; i++)
        if (c->sc[i].open)
            tc_sse_close(&c->sc[i].es);
    int rc = tk_cluster_stop_all(&c->k);
    free(c->load.cmds);
    free(c);
    return rc;
}

/* ---- screens -------------------------------------------------------------- */

/* Opens screen i through nginx, after `last` (Last-Event-ID) when > 0. */
static bool screen_open(campaign *c, int i)
{
    screen *s = &c->sc[i];
    char extra[256];
    int n = snprintf(extra, sizeof extra, "Authorization: Bearer %s\r\n",
                     cl_token(&c->load, "secretariat"));
    if (s->last > 0)
        snprintf(extra + n, sizeof extra - (size_t)n, "Last-Event-ID: %lld\r\n",
                 (long long)s->last);
    int status =
        tc_sse_open(&s->es, c->k.nginx_port, "/api/v1/meetings/" CL_MEETING "/events", extra);
    if (status != 200) {
        tc_sse_close(&s->es);
        return false;
    }
    s->open = true;
    return true;
}

/* Takes what screen i has now; marks it down when its stream ended. */
static void screen_read(campaign *c, int i)
{
    screen *s = &c->sc[i];
    while (s->open) {
        tc_event e;
        int got = tc_sse_next(&s->es, 0, &e);
        if (got == 0) {
            tc_sse_close(&s->es);
            s->open = false;
            s->down_ms = tc_now_ms();
            return;
        }
        if (got < 0)
            return;
        if (strcmp(e.name, "hello") == 0 && s->down_ms) {
            s->back_ms = tc_now_ms();
        } else if (strcmp(e.name, "snapshot") == 0) {
            json_t *j = json_loads(e.data, 0, NULL);
            int64_t seq = json_integer_value(json_object_get(j, "seq"));
            json_decref(j);
            if (s->last > 0)
                fail_msg("screen %d was sent a snapshot (seq %lld) on resuming after %lld", i,
                         (long long)seq, (long long)s->last);
            s->last = seq;
        } else if (strcmp(e.name, "message") == 0) {
            json_t *j = json_loads(e.data, 0, NULL);
            int64_t seq = json_integer_value(json_object_get(j, "seq"));
            json_decref(j);
            if (seq != s->last + 1)
                fail_msg("screen %d read event %lld after %lld (%s)", i, (long long)seq,
                         (long long)s->last, s->reconnects ? "after resuming" : "");
            s->last = seq;
        } else if (strcmp(e.name, "resync") == 0 || strcmp(e.name, "error") == 0) {
            fail_msg("screen %d: %s %s", i, e.name, e.data ? e.data : "");
        }
        tc_event_free(&e);
    }
}

/* Every screen reads; one that is down reconnects through nginx at once. */
static void screens_pump(campaign *c)
{
    for (int i = 0; i < SCREENS; i++) {
        screen *s = &c->sc[i];
        if (!s->open && screen_open(c, i))
            s->reconnects++;
        screen_read(c, i);
    }
}

/* Waits until every screen has read up to seq `head`. */
static void screens_reach(campaign *c, int64_t head, const char *when)
{
    int64_t deadline = tc_now_ms() + DEADLINE_MS;
    for (;;) {
        screens_pump(c);
        int behind = 0;
        for (int i = 0; i < SCREENS; i++)
            behind += c->sc[i].last < head;
        if (!behind)
            return;
        if (tc_now_ms() > deadline)
            fail_msg("%s: %d screens have not read up to seq %lld", when, behind, (long long)head);
        tc_sleep_ms(5);
    }
}

/* ---- load ----------------------------------------------------------------- */

/* Through nginx; the links are the database's, good on every node. */
static void cast(cl_load *l)
{
    cl_cast_officers(l);
    cl_add_sender(l, "p2", "participant", false,
                  (const char *const[]){"floor", "ask", "upvote", "withdraw", NULL});
    cl_add_sender(l, "p3", "participant", true,
                  (const char *const[]){"ask", "floor", "upvote", "withdraw", NULL});
    cl_add_sender(l, "p4", "participant", true, (const char *const[]){"upvote", "floor", NULL});
    cl_add_sender(l, "pan1", "panelist", false,
                  (const char *const[]){"upvote", "floor", "ask", NULL});
}

/* Runs the load for ms (senders cut off by a kill stay cut off). */
static void load_for(campaign *c, int ms)
{
    for (int64_t end = tc_now_ms() + ms; tc_now_ms() < end;) {
        cl_pump(&c->load, 2);
        screens_pump(c);
    }
}

/* Stops sending; reads the answers of the senders still connected; what
 * stays unanswered (its node died) is lost: stored or not, never twice. */
static int load_stop(campaign *c)
{
    cl_load *l = &c->load;
    l->max_sent = l->sent ? l->sent : 1;
    int64_t deadline = tc_now_ms() + DEADLINE_MS;
    for (;;) {
        cl_pump(l, 5);
        screens_pump(c);
        bool waiting = false;
        for (int i = 0; i < l->n_senders; i++) {
            const cl_sender *s = &l->s[i];
            if (s->open)
                waiting |= s->http ? s->post.fd >= 0 : s->in_flight > 0;
        }
        if (!waiting)
            break;
        if (tc_now_ms() > deadline)
            fail_msg("round %d: commands to live nodes unanswered after %d ms", l->round,
                     DEADLINE_MS);
    }
    int lost = cl_mark_lost(l);
    cl_close(l);
    l->max_sent = 0;
    return lost;
}

/* The log against every command sent, `gavel verify`, and every screen at
 * the head; returns the head. */
static int64_t check(campaign *c, const char *when)
{
    cl_log g;
    cl_log_read(c->k.pg.uri, &g);
    cl_check chk;
    cl_check_log(&c->load, &g, &chk);
    int64_t head = g.n;
    cl_log_free(&g);
    char *out = NULL;
    int vrc = cl_verify(c->k.pg.uri, &out);
    if (vrc != 0)
        fail_msg("%s: gavel verify exited %d:\n%s", when, vrc, out ? out : "");
    free(out);
    screens_reach(c, head, when);
    return head;
}

/* ---- the campaign --------------------------------------------------------- */

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Waits until nginx sends requests to node i again (it leaves a node out
 * for fail_timeout after a request to it failed), so that every kill
 * leaves two nodes serving. */
static void back_in_nginx(campaign *c, int i)
{
    char want[16];
    snprintf(want, sizeof want, "n%d", i);
    int64_t deadline = tc_now_ms() + DEADLINE_MS;
    for (;;) {
        json_t *h = tk_health(c->k.nginx_port);
        bool there = h && json_string_value(json_object_get(h, "node")) &&
                     strcmp(json_string_value(json_object_get(h, "node")), want) == 0;
        json_decref(h);
        if (there)
            return;
        if (tc_now_ms() > deadline)
            fail_msg("nginx did not send a request to node %d again", i);
        screens_pump(c);
        tc_sleep_ms(20);
    }
}

static void kill_nodes(campaign *c)
{
    cl_load *l = &c->load;
    int64_t gaps[ROUNDS * SCREENS];
    int n_gaps = 0;
    for (int round = 1; round <= ROUNDS; round++) {
        int victim = round % NODES;
        cl_round_reset(l, round);
        l->since = 0;
        cl_open(l);
        l->pace_ms = (int)(cl_rand(l) % 3) * 2 + 1;
        int kill_after = (int)(cl_rand(l) % (KILL_MAX_MS + 1));
        int64_t t0 = 0, start = tc_now_ms();
        while (!t0 || tc_now_ms() - t0 < kill_after) {
            if (cl_pump(l, 2) < l->n_senders)
                cl_fail_cut(l, "before the kill");
            screens_pump(c);
            if (!t0 && l->acked)
                t0 = tc_now_ms();
            if (!t0 && tc_now_ms() - start > DEADLINE_MS)
                fail_msg("round %d: nothing was acknowledged", round);
        }
        for (int i = 0; i < SCREENS; i++)
            c->sc[i].down_ms = c->sc[i].back_ms = 0;
        int64_t killed = tc_now_ms();
        int status = tk_node_stop(&c->k, victim, SIGKILL);
        assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
        /* The load goes on over the other nodes while the screens come back. */
        load_for(c, 300);
        int lost = load_stop(c);
        int64_t head = check(c, "after a node was killed");
        int moved = 0;
        int64_t worst = 0;
        for (int i = 0; i < SCREENS; i++) {
            const screen *s = &c->sc[i];
            if (!s->down_ms)
                continue;
            if (!s->back_ms)
                fail_msg("round %d: screen %d ended and did not read again", round, i);
            gaps[n_gaps++] = s->back_ms - killed;
            worst = s->back_ms - killed > worst ? s->back_ms - killed : worst;
            moved++;
        }
        printf("round %2d: node %d killed %3d ms after the first ack; %4d sent, %4d acked, %3d "
               "refused, %2d unanswered at the kill; log at %lld, verify ok; %d screens moved, "
               "reading again after at most %lld ms\n",
               round, victim, kill_after, l->sent, l->acked, l->refused, lost, (long long)head,
               moved, (long long)worst);
        fflush(stdout);
        if (tk_node_start(&c->k, victim) < 0)
            fail_msg("round %d: node %d did not start again", round, victim);
        back_in_nginx(c, victim);
    }
    qsort(gaps, (size_t)n_gaps, sizeof *gaps, cmp_i64);
    if (n_gaps)
        printf("cluster_failover: %d screens moved to another node over %d kills: p50 %lld ms, "
               "p99 %lld ms from the kill to reading again\n",
               n_gaps, ROUNDS, (long long)gaps[n_gaps / 2],
               (long long)gaps[(n_gaps * 99 + 99) / 100 - 1]);
}

static bool health_says(campaign *c, int node, const char *key, const char *want)
{
    json_t *h = tk_health(c->k.port[node]);
    const char *v = json_string_value(json_object_get(h, key));
    if (!v)
        v = json_string_value(json_object_get(json_object_get(h, "log"), key));
    bool yes = v && strcmp(v, want) == 0;
    json_decref(h);
    return yes;
}

static void wait_health(campaign *c, const char *key, const char *want)
{
    int64_t deadline = tc_now_ms() + DEADLINE_MS;
    for (int n = 0; n < NODES; n++)
        while (!health_says(c, n, key, want)) {
            if (tc_now_ms() > deadline)
                fail_msg("node %d's /healthz never said %s %s", n, key, want);
            screens_pump(c);
            tc_sleep_ms(20);
        }
}

static void kill_nats(campaign *c)
{
    cl_load *l = &c->load;
    cl_round_reset(l, ROUNDS + 1);
    cl_open(l);
    l->pace_ms = 3;
    load_for(c, 300);
    int acked_before = l->acked;
    assert_int_equal(tk_nats(&c->k, "kill"), 0);
    wait_health(c, "nats", "down");
    wait_health(c, "via", "database");
    /* Commands go on; the screens read the others' events from the database. */
    load_for(c, 1000);
    if (cl_pump(l, 0) < l->n_senders)
        cl_fail_cut(l, "while NATS was down");
    int acked_down = l->acked - acked_before;
    assert_int_equal(tk_nats(&c->k, "restart"), 0);
    wait_health(c, "nats", "connected");
    wait_health(c, "via", "nats");
    load_for(c, 300);
    /* No node died: every command has its answer. */
    assert_int_equal(load_stop(c), 0);
    int64_t head = check(c, "after NATS came back");
    printf("nats: killed and started again under load; %d sent, %d acked (%d while it was "
           "down), none unanswered; log at %lld, every screen has it\n",
           l->sent, l->acked, acked_down, (long long)head);
}

static void restart_postgresql(campaign *c)
{
    cl_load *l = &c->load;
    cl_round_reset(l, ROUNDS + 2);
    cl_open(l);
    l->pace_ms = 3;
    load_for(c, 300);
    /* While the database is down, a command may be refused as unavailable,
     * or as busy when it was decided after one that could not be stored
     * (both 503: send it again); nothing else is acceptable. */
    snprintf(l->allowed, sizeof l->allowed, "conflict,not_found,unavailable,busy");
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "pg-scratch halt '%s'", c->k.pg.dir);
    assert_int_equal(tk_script(cmd, NULL, 0, NULL, 0), 0);
    int acked_before = l->acked;
    load_for(c, 1500);
    int refused_down = l->refused, acked_down = l->acked - acked_before;
    /* An HTTP command now: 503, retry-after, unavailable. */
    tc_response r;
    int status = cl_command(l, "rapporteur", NULL, "{\"type\":\"add_note\",\"text\":\"down\"}", &r);
    char retry[16] = "";
    tc_header(r.head, "retry-after", retry, sizeof retry);
    if (status != 503 || !retry[0] || !r.body || !strstr(r.body, "\"unavailable\""))
        fail_msg("a command while PostgreSQL is down: %d retry-after '%s' %s", status, retry,
                 r.body ? r.body : "");
    tc_response_free(&r);
    snprintf(cmd, sizeof cmd, "pg-scratch resume '%s'", c->k.pg.dir);
    assert_int_equal(tk_script(cmd, NULL, 0, NULL, 0), 0);
    /* Commands are taken again once the nodes reconnect. */
    int64_t deadline = tc_now_ms() + DEADLINE_MS;
    for (int acked = l->acked; l->acked < acked + 20;) {
        if (tc_now_ms() > deadline)
            fail_msg("no command acknowledged after PostgreSQL came back (%d refused: %s)",
                     l->refused, l->last_refusal);
        load_for(c, 50);
    }
    load_stop(c);
    int64_t head = check(c, "after PostgreSQL came back");
    printf("postgresql: stopped and started again under load; %d sent, %d acked (%d of them "
           "read after the stop: committed before it), %d refused while it was down "
           "(unavailable or busy); log at %lld, verify ok\n",
           l->sent, l->acked, acked_down, refused_down, (long long)head);
}

static void test_nodes_nats_and_postgresql_fail_under_load(void **state)
{
    campaign *c = *state;
    cl_load *l = &c->load;
    l->rng = cl_seed("cluster_failover");
    l->text_bytes = 120;
    l->max_asks = 6000;
    snprintf(l->allowed, sizeof l->allowed, "conflict,not_found");
    cast(l);
    cl_use_server(l, &c->k.node[0]);
    l->port = c->k.nginx_port;
    cl_open_discussion(l);
    for (int i = 0; i < SCREENS; i++)
        assert_true(screen_open(c, i));
    kill_nodes(c);
    kill_nats(c);
    restart_postgresql(c);
    /* Every node stops cleanly (teardown checks it). */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_nodes_nats_and_postgresql_fail_under_load, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
