/*
 * Three servers on one PostgreSQL database, NATS between them and nginx in
 * front (tests/support/cluster.h), one meeting: sixty clients spread over
 * the three nodes and nginx send commands to all of them at once, in
 * bursts, while readers (the senders themselves on WebSockets, and room
 * screens on Server-Sent Events, on every node and through nginx) follow.
 *
 * At the end every reader has every event of the log, in the log's order,
 * each once: those of the full view byte for byte as stored, the others as
 * the public view reads them; the full readers' folds equal `gavel state`;
 * every acknowledgement names seqs whose events its sender made, and no
 * seq is named by two; `gavel verify` passes; NATS carried events between
 * the nodes, and commands that lost their seq to another node were decided
 * again rather than refused.
 */
#include "support.h"

#include "client_pool.h"
#include "cluster.h"
#include "core/view.h"
#include "store/store.h"

#define NODES     3
#define SENDERS   60
#define SCREENS   8
#define N_CLIENTS (SENDERS + SCREENS)
#define MAX_ACKS  4096

typedef tp_client client; /* port: the node's, or nginx's */

typedef struct ack {
    int client;
    int64_t first, last;
} ack;

typedef struct fixture {
    tk_cluster k;
    client c[N_CLIENTS];
    int n;
    int64_t questions[256];
    int n_questions;
    ack acks[MAX_ACKS];
    int n_acks;
    int64_t max_acked;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    /* Several connections a person, all sending at once: the rate is raised
     * so that only the meeting refuses here. */
    const char *extra[] = {"--command-burst", "1000", "--commands-per-second", "1000", NULL};
    if (!f || tk_cluster_start(&f->k, NODES, true, true, extra) < 0) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < f->n; i++)
        tp_close(&f->c[i]);
    int rc = tk_cluster_stop_all(&f->k);
    free(f);
    return rc;
}

static void take_event(void *ud, int i, const json_t *ev)
{
    fixture *f = ud;
    client *c = &f->c[i];
    int64_t seq = json_integer_value(json_object_get(ev, "seq"));
    if (seq != c->last_seq + 1)
        fail_msg("a reader of %s on port %d got event %lld after %lld",
                 c->person ? c->person
                           : "a "
                             "screen",
                 c->port, (long long)seq, (long long)c->last_seq);
    json_array_append(c->events, (json_t *)ev);
    c->last_seq = seq;
    if (c == &f->c[0] && f->n_questions < 256 &&
        strcmp(json_string_value(json_object_get(ev, "type")), "question_asked") == 0)
        f->questions[f->n_questions++] = seq;
}

static void take_answer(void *ud, int i, const json_t *j, const char *type)
{
    fixture *f = ud;
    client *c = &f->c[i];
    if (strcmp(type, "ack") == 0) {
        int64_t first = json_integer_value(json_object_get(j, "first_seq"));
        int64_t last = json_integer_value(json_object_get(j, "last_seq"));
        assert_true(f->n_acks < MAX_ACKS);
        f->acks[f->n_acks++] = (ack){i, first, last};
        if (last > f->max_acked)
            f->max_acked = last;
    } else {
        const char *code = json_string_value(json_object_get(j, "code"));
        /* The meeting may refuse (voted already, nobody waiting); the
         * servers' own limits and storage must not. */
        if (strcmp(code, "conflict") != 0 && strcmp(code, "not_found") != 0)
            fail_msg("%s on port %d: %s: %s", c->person, c->port, code,
                     json_string_value(json_object_get(j, "message")));
    }
}

/* Waits until every command has its answer and every reader has the
 * events acknowledged. */
static void settle(fixture *f)
{
    int64_t deadline = tc_now_ms() + 60000;
    for (;;) {
        const tp_handlers h = {take_event, take_answer, f};
        int pending = tp_drain_all(f->c, f->n, &h), behind = 0;
        for (int i = 0; i < f->n; i++)
            behind += f->c[i].last_seq < f->max_acked;
        if (pending == 0 && behind == 0)
            return;
        if (tc_now_ms() > deadline)
            fail_msg("%d commands unanswered, %d readers behind seq %lld", pending, behind,
                     (long long)f->max_acked);
        tc_sleep_ms(2);
    }
}

/* A client of `role` acting as `person` (NULL: a screen on SSE) on the
 * k-th endpoint: a node, or nginx after the last node. */
static int add_client(fixture *f, const char *role, const char *person, int k)
{
    bool shared = person && (strcmp(role, "participant") == 0 || strcmp(role, "panelist") == 0);
    tp_open(&f->c[f->n], k < NODES ? f->k.port[k] : f->k.nginx_port,
            tc_role_token(&f->k.node[0], role), role, person, person == NULL,
            shared ? person : NULL);
    return f->n++;
}

/* The log as stored: every event's bytes, parsed. */
static int collect(void *ud, const gv_stored_event *ev)
{
    json_t *j = json_loadb((const char *)ev->bytes, ev->len, 0, NULL);
    return j ? json_array_append_new(ud, j) : -1;
}

static void test_sixty_clients_on_three_nodes_see_one_log(void **state)
{
    fixture *f = *state;
    static const char *const participants[] = {"p1", "p2", "p3", "p4", "p5", "p6"};
    /* Senders on every endpoint in turn: node 0, 1, 2, nginx. */
    int chair[2], mod[2], rap[4], pan[4], part[48];
    for (int i = 0; i < 2; i++) {
        chair[i] = add_client(f, "chair", "chair", f->n % (NODES + 1));
        mod[i] = add_client(f, "moderator", "mod", f->n % (NODES + 1));
    }
    for (int i = 0; i < 4; i++) {
        rap[i] = add_client(f, "rapporteur", "rap", f->n % (NODES + 1));
        pan[i] = add_client(f, "panelist", i % 2 ? "pan2" : "pan1", f->n % (NODES + 1));
    }
    for (int i = 0; i < 48; i++)
        part[i] = add_client(f, "participant", participants[i % 6], f->n % (NODES + 1));
    assert_int_equal(f->n, SENDERS);
    for (int i = 0; i < SCREENS; i++)
        add_client(f, "viewer", NULL, i % (NODES + 1));

    tp_say(&f->c[chair[0]], "{\"type\":\"open_meeting\"}");
    tp_say(&f->c[chair[1]], "{\"type\":\"start_item\",\"item\":\"discussion\"}");
    settle(f);
    tp_say(&f->c[chair[0]], "{\"type\":\"set_guiding_question\",\"guiding_question\":\"gq1\"}");
    /* Everyone at once, on every node. */
    for (int i = 0; i < 48; i++) {
        tp_say(&f->c[part[i]], i % 2 ? "{\"type\":\"join\"}" : "{\"type\":\"check_in\"}");
        tp_say(&f->c[part[i]], "{\"type\":\"request_floor\",\"guiding_question\":\"gq1\"}");
        tp_say(&f->c[part[i]], "{\"type\":\"ask_question\",\"text\":\"Question %d from %s\"}", i,
               participants[i % 6]);
    }
    for (int i = 0; i < 4; i++) {
        tp_say(&f->c[pan[i]], "{\"type\":\"request_floor\",\"kind\":\"reply\"}");
        tp_say(&f->c[rap[i]], "{\"type\":\"add_note\",\"text\":\"Note %d\"}", i);
    }
    settle(f);
    assert_int_equal(f->n_questions, 48);
    /* The moderators approve every question, from two nodes at once. */
    for (int q = 0; q < 48; q++)
        tp_say(&f->c[mod[q % 2]], "{\"type\":\"approve_question\",\"question\":%lld}",
               (long long)f->questions[q]);
    settle(f);
    /* Votes, speakers and notes, all at once, three rounds. */
    for (int round = 0; round < 3; round++) {
        for (int i = 0; i < 48; i++)
            for (int v = 0; v < 2; v++)
                tp_say(&f->c[part[i]], "{\"type\":\"upvote\",\"question\":%lld}",
                       (long long)f->questions[(i * 7 + v * 13 + round * 5) % 48]);
        tp_say(&f->c[chair[round % 2]], "{\"type\":\"next_speaker\"}");
        tp_say(&f->c[chair[(round + 1) % 2]], "{\"type\":\"end_speech\"}");
        for (int i = 0; i < 4; i++)
            tp_say(&f->c[rap[i]], "{\"type\":\"add_note\",\"text\":\"Round %d, note %d\"}", round,
                   i);
        settle(f);
    }

    /* The log as stored. */
    gv_error err;
    gv_store *st = gv_store_open(f->k.pg.uri, GV_STORE_READONLY, &err);
    if (!st)
        fail_msg("%s", err.msg);
    json_t *log = json_array();
    assert_int_equal(gv_store_read(st, "test-panel", 0, collect, log, &err), 0);
    gv_store_close(st);
    int64_t head = (int64_t)json_array_size(log);
    print_message("  %lld events in the log, %d acknowledgements\n", (long long)head, f->n_acks);
    assert_true(head > 250);
    assert_int_equal(f->max_acked, head);

    /* The public view of each event, as the readers of that view get it. */
    json_t *public = json_array();
    gv_meeting *m = gv_meeting_new();
    size_t i;
    json_t *ev;
    json_array_foreach(log, i, ev)
    {
        json_t *v = NULL;
        assert_int_equal(gv_meeting_apply(m, ev, &err), 0);
        assert_int_equal(gv_event_view(m, ev, GV_VIEW_PUBLIC, &v), 0);
        json_array_append_new(public, v ? v : json_incref(ev));
    }
    /* Every reader: all of it, in that order, each once. */
    for (int k = 0; k < f->n; k++) {
        client *c = &f->c[k];
        assert_int_equal(c->last_seq, head);
        if (!json_equal(c->events, c->view == GV_VIEW_FULL ? log : public))
            fail_msg("a reader of %s on port %d did not get the log as its view reads it",
                     c->person ? c->person : "a screen", c->port);
    }
    /* The fold of what the readers got is what `gavel state` says. */
    char *out = NULL;
    const char *args[] = {"state", "--db", f->k.pg.uri, "--meeting", "test-panel", NULL};
    assert_int_equal(tc_gavel(&out, args), 0);
    json_t *cli = json_loads(out, 0, NULL);
    assert_non_null(cli);
    char *want = json_dumps(cli, JSON_COMPACT | JSON_SORT_KEYS), *got = gvt_state(m);
    assert_string_equal(got, want);
    free(got);
    free(want);
    json_decref(cli);
    free(out);
    /* Each acknowledgement names events its sender made, no seq twice. */
    char *named = calloc((size_t)head + 1, 1);
    for (int a = 0; a < f->n_acks; a++) {
        const ack *k = &f->acks[a];
        assert_true(k->first >= 1 && k->last >= k->first && k->last <= head);
        for (int64_t s = k->first; s <= k->last; s++) {
            if (named[s])
                fail_msg("seq %lld was acknowledged twice", (long long)s);
            named[s] = 1;
            const char *by =
                json_string_value(json_object_get(json_array_get(log, (size_t)s - 1), "by"));
            if (strcmp(by, f->c[k->client].person) != 0 && strcmp(by, "anonymous") != 0)
                fail_msg("seq %lld, acknowledged to %s, was made by %s", (long long)s,
                         f->c[k->client].person, by);
        }
    }
    free(named);
    const char *verify[] = {"verify", "--db", f->k.pg.uri, NULL};
    assert_int_equal(tc_gavel(NULL, verify), 0);

    /* The nodes worked as a cluster: each folded events of the others, NATS
     * carried them, and races for a seq were decided again. */
    double redecided = 0, received = 0;
    for (int n = 0; n < NODES; n++) {
        double followed = tc_metric(f->k.port[n], "gavel_events_followed_total");
        print_message("  node %d: %.0f events of other nodes folded\n", n, followed);
        assert_true(followed > 0);
        received += tc_metric(f->k.port[n], "gavel_bus_messages_total{result=\"received\"}");
        redecided += tc_metric(f->k.port[n], "gavel_commands_redecided_total");
        json_t *h = tk_health(f->k.port[n]);
        assert_non_null(h);
        assert_string_equal(json_string_value(json_object_get(h, "nats")), "connected");
        json_decref(h);
    }
    print_message("  %.0f events over NATS, %.0f commands decided again\n", received, redecided);
    assert_true(received > 0);
    json_decref(public);
    json_decref(log);
    gv_meeting_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sixty_clients_on_three_nodes_see_one_log, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
