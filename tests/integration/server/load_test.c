/*
 * Fifty clients run a whole agenda item on the real server: the chair, the
 * moderator, the rapporteur and the panelists on WebSockets, six
 * participants with six connections each, and room screens on SSE. They
 * check in, request the floor, ask and upvote questions while the chair
 * gives the floor, the moderator handles questions and the rapporteur takes
 * notes; all at once, pipelined. Each client keeps every event it receives
 * from seq 1. At the end the chair's, moderator's and rapporteur's folds
 * equal `gavel state`, and every other client received exactly the public
 * view (core/view.h) of each of those events.
 */
#include "support.h"

#include "client_pool.h"

#define N_CLIENTS 50

typedef tp_client client;

typedef struct fixture {
    char dir[128];
    char db[256];
    tc_server srv;
    client c[N_CLIENTS];
    gv_meeting *fold[N_CLIENTS]; /** each client's fold of its events, for full-view clients */
    int n;
    int64_t questions[64]; /** ids of the questions asked, as the chair's client saw them */
    int n_questions;
    int64_t max_acked; /** highest seq any acknowledgement named */
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    tc_tempdir(f->dir, sizeof f->dir, "load");
    snprintf(f->db, sizeof f->db, "%s/gavel.db", f->dir);
    if (tc_make_db(f->db) < 0)
        return tc_setup_failed(f, f->dir);
    /* Six connections a person, all sending at once: each person's rate (shared
     * by their connections) is raised so that only the core refuses here. */
    const char *args[] = {
        "--meeting", "test-panel", "--command-burst", "1000", "--commands-per-second",
        "1000",      NULL};
    if (tc_server_start(&f->srv, f->db, args) < 0)
        return tc_setup_failed(f, f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < f->n; i++) {
        tp_close(&f->c[i]);
        gv_meeting_free(f->fold[i]);
    }
    int status = tc_server_stop(&f->srv, SIGTERM);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", f->dir);
    free(f);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

static void fold(void *ud, int i, const json_t *ev)
{
    fixture *f = ud;
    client *c = &f->c[i];
    gv_error err = {0};
    int64_t seq = json_integer_value(json_object_get(ev, "seq"));
    if (seq != c->last_seq + 1)
        fail_msg("client of %s: event %lld after %lld", c->person ? c->person : "viewer",
                 (long long)seq, (long long)c->last_seq);
    json_array_append(c->events, (json_t *)ev);
    if (c->view == GV_VIEW_FULL && gv_meeting_apply(f->fold[i], ev, &err) < 0)
        fail_msg("event %lld does not fold: %s", (long long)seq, err.msg);
    c->last_seq = seq;
    if (i == 0 && f->n_questions < 64 &&
        strcmp(json_string_value(json_object_get(ev, "type")), "question_asked") == 0)
        f->questions[f->n_questions++] = seq;
}

static void answer(void *ud, int i, const json_t *j, const char *type)
{
    fixture *f = ud;
    (void)i;
    if (strcmp(type, "ack") == 0) {
        int64_t last = json_integer_value(json_object_get(j, "last_seq"));
        if (last > f->max_acked)
            f->max_acked = last;
    } else {
        const char *code = json_string_value(json_object_get(j, "code"));
        /* The core may refuse (a list already closed, a second check-in);
         * the server's own limits must not be hit in this scenario. */
        if (strcmp(code, "too_large") == 0 || strcmp(code, "rate_limited") == 0 ||
            strcmp(code, "busy") == 0)
            fail_msg("%s: %s", code, json_string_value(json_object_get(j, "message")));
    }
}

/* Waits until every command has its answer. */
static void settle(fixture *f)
{
    int64_t deadline = tc_now_ms() + 30000;
    for (;;) {
        const tp_handlers h = {fold, answer, f};
        int pending = tp_drain_all(f->c, f->n, &h);
        /* ... and the chair's client has folded everything acknowledged. */
        if (pending == 0 && f->c[0].last_seq >= f->max_acked)
            return;
        if (tc_now_ms() > deadline)
            fail_msg("%d commands still unanswered", pending);
        tc_sleep_ms(2);
    }
}

static int add_client(fixture *f, const char *role, const char *person, bool sse)
{
    bool shared =
        person && strcmp(role, "chair") && strcmp(role, "moderator") && strcmp(role, "rapporteur");
    f->fold[f->n] = gv_meeting_new();
    tp_open(&f->c[f->n], f->srv.port, tc_role_token(&f->srv, role), role, person, sse,
            shared ? person : NULL);
    return f->n++;
}

static void test_fifty_clients_run_an_item(void **state)
{
    fixture *f = *state;
    static const char *const participants[] = {"p1", "p2", "p3", "p4", "p5", "p6"};
    int chair = add_client(f, "chair", "chair", false);
    int mod = add_client(f, "moderator", "mod", false);
    int rap = add_client(f, "rapporteur", "rap", false);
    int pan[2] = {add_client(f, "panelist", "pan1", false),
                  add_client(f, "panelist", "pan2", false)};
    int part[36];
    for (int i = 0; i < 36; i++)
        part[i] = add_client(f, "participant", participants[i % 6], false);
    while (f->n < N_CLIENTS)
        add_client(f, "viewer", NULL, true);
    assert_int_equal(f->n, 50);

    tp_say(&f->c[chair], "{\"type\":\"open_meeting\"}");
    tp_say(&f->c[chair], "{\"type\":\"start_item\",\"item\":\"discussion\"}");
    tp_say(&f->c[chair], "{\"type\":\"set_guiding_question\",\"guiding_question\":\"gq1\"}");
    settle(f);
    /* Everyone at once: attendance, the floor, questions. */
    for (int i = 0; i < 36; i++) {
        tp_say(&f->c[part[i]], i % 2 ? "{\"type\":\"join\"}" : "{\"type\":\"check_in\"}");
        tp_say(&f->c[part[i]], "{\"type\":\"request_floor\",\"guiding_question\":\"gq1\"}");
        tp_say(&f->c[part[i]], "{\"type\":\"ask_question\",\"text\":\"Question %d from %s\"}", i,
               participants[i % 6]);
    }
    tp_say(&f->c[pan[0]], "{\"type\":\"request_floor\",\"kind\":\"reply\"}");
    tp_say(&f->c[pan[1]], "{\"type\":\"check_in\"}");
    tp_say(&f->c[rap], "{\"type\":\"add_note\",\"text\":\"Delegations raised capacity building\"}");
    settle(f);
    /* Everyone upvotes three of the questions. */
    assert_int_equal(f->n_questions, 36);
    for (int i = 0; i < 36; i++)
        for (int k = 0; k < 3; k++)
            tp_say(&f->c[part[i]], "{\"type\":\"upvote\",\"question\":%lld}",
                   (long long)f->questions[(i * 7 + k * 13) % 36]);
    /* The chair works through the list while the moderator handles questions. */
    for (int round = 0; round < 8; round++) {
        tp_say(&f->c[chair], "{\"type\":\"next_speaker\"}");
        settle(f);
        tp_say(&f->c[chair], "{\"type\":\"end_speech\"}");
        tp_say(&f->c[mod], "{\"type\":\"approve_question\",\"question\":%lld}",
               (long long)f->questions[round]);
        tp_say(&f->c[mod], "{\"type\":\"mark_answered\",\"question\":%lld}",
               (long long)f->questions[round + 10]);
        tp_say(&f->c[rap], "{\"type\":\"add_note\",\"text\":\"Round %d\"}", round);
        settle(f);
    }
    tp_say(&f->c[chair], "{\"type\":\"end_item\"}");
    settle(f);

    /* Every client has every event and the same state as `gavel state`. */
    int64_t last = tc_server_seq(&f->srv);
    if (last < 80)
        fail_msg("only %lld events", (long long)last);
    for (int i = 0; i < f->n; i++) {
        int64_t deadline = tc_now_ms() + 10000;
        while (f->c[i].last_seq < last && tc_now_ms() < deadline)
            tp_drain(f->c, i, 50, &(const tp_handlers){fold, answer, f});
        assert_int_equal(f->c[i].last_seq, last);
    }
    char *out = NULL;
    const char *args[] = {"state", "--db", f->db, "--meeting", "test-panel", NULL};
    assert_int_equal(tc_gavel(&out, args), 0);
    json_error_t jerr;
    json_t *cli = json_loads(out, 0, &jerr);
    assert_non_null(cli);
    char *expect = json_dumps(cli, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(cli);
    free(out);
    /* The public stream: each event as the public view reads it once applied. */
    json_t *public = json_array();
    gv_meeting *m = gv_meeting_new();
    gv_error err = {0};
    size_t i;
    json_t *ev;
    json_array_foreach(f->c[chair].events, i, ev)
    {
        json_t *v = NULL;
        assert_int_equal(gv_meeting_apply(m, ev, &err), 0);
        assert_int_equal(gv_event_view(m, ev, GV_VIEW_PUBLIC, &v), 0);
        json_array_append_new(public, v ? v : json_incref(ev));
    }
    int acks = 0, errors = 0, n_full = 0;
    for (int k = 0; k < f->n; k++) {
        if (f->c[k].view == GV_VIEW_FULL) {
            char *s = gvt_state(f->fold[k]);
            assert_string_equal(s, expect);
            free(s);
            n_full++;
        } else if (!json_equal(f->c[k].events, public)) {
            fail_msg("client %d of %s did not receive the public view", k,
                     f->c[k].person ? f->c[k].person : "viewer");
        }
        acks += f->c[k].acks;
        errors += f->c[k].errors;
    }
    assert_int_equal(n_full, 3);
    free(expect);
    /* A viewer's snapshot is the public view of that state. */
    tc_response r;
    assert_int_equal(tc_get(f->srv.port, "/api/v1/meetings/test-panel/snapshot",
                            tc_role_token(&f->srv, "viewer"), &r),
                     200);
    json_t *snap = tc_json(&r);
    tc_response_free(&r);
    json_t *want = gv_meeting_view_json(m, GV_VIEW_PUBLIC);
    assert_true(json_equal(json_object_get(snap, "state"), want));
    json_decref(want);
    json_decref(snap);
    gv_meeting_free(m);
    json_decref(public);
    /* Plenty of both: the core allowed and refused along the way. */
    assert_true(acks > 80);
    assert_true(errors > 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_fifty_clients_run_an_item, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
