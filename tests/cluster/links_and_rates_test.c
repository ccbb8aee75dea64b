/*
 * What holds across the servers of one log besides the meeting: invitation
 * links and their revocation, and the command rate of a person
 * (docs/deployment.md, "What is per node").
 *
 * - A link issued by the secretariat on one node works at once on the
 *   others; revoked on one node, it stops working on every node, and the
 *   streams that use it on the other nodes end with "forbidden", within a
 *   second (the test prints how long; its deadline is generous for a
 *   loaded machine).
 * - A person's commands stored through one node count toward their rate on
 *   the others: after a whole burst on node 0, node 1 refuses the next ones
 *   (rate_limited) although that person sent nothing to it before. With
 *   each node keeping its own count, node 1 would take them all (shown by
 *   a build without gv__command_charge in room_follow.c).
 */
#include "support.h"

#include "cluster.h"

#define NODES 3
#define PATH  "/api/v1/meetings/test-panel"

typedef struct fixture {
    tk_cluster k;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    /* One command a second, bursts of ten, on every node. */
    const char *extra[] = {"--commands-per-second", "1", "--command-burst", "10", NULL};
    if (!f || tk_cluster_start(&f->k, NODES, true, false, extra) < 0) {
        free(f);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    int rc = tk_cluster_stop_all(&f->k);
    free(f);
    return rc;
}

/* A request with a bearer token and an optional JSON body; the status. */
static int req(int port, const char *method, const char *path, const char *token, const char *body,
               tc_response *r)
{
    char extra[256];
    snprintf(extra, sizeof extra, "Authorization: Bearer %s\r\n", token);
    if (tc_http(port, method, path, extra, body, body ? strlen(body) : 0, r, 10000) < 0)
        return -1;
    return r->status;
}

/* Issues a person link for `person` on `port`: its token and id. */
static void issue(fixture *f, int port, const char *person, char *token, char *id)
{
    tc_response r;
    char body[128];
    snprintf(body, sizeof body, "{\"kind\":\"person\",\"subject\":\"%s\"}", person);
    assert_int_equal(
        req(port, "POST", PATH "/links", tc_role_token(&f->k.node[0], "secretariat"), body, &r),
        201);
    json_t *j = tc_json(&r);
    const char *url = json_string_value(json_object_get(j, "url"));
    assert_non_null(url);
    snprintf(token, 64, "%s", strstr(url, "/join/") + 6);
    snprintf(id, 32, "%s", json_string_value(json_object_get(json_object_get(j, "link"), "id")));
    json_decref(j);
    tc_response_free(&r);
}

static void test_a_link_revoked_on_one_node_stops_on_every_node(void **state)
{
    fixture *f = *state;
    char token[64], id[32];
    issue(f, f->k.port[1], "p2", token, id);
    /* Issued on node 1, it works at once on the others. */
    tc_response r;
    for (int n = 0; n < NODES; n++) {
        assert_int_equal(req(f->k.port[n], "GET", PATH "/snapshot", token, NULL, &r), 200);
        tc_response_free(&r);
    }
    char extra[128];
    snprintf(extra, sizeof extra, "Authorization: Bearer %s\r\n", token);
    tc_ws ws;
    tc_sse es;
    assert_int_equal(tc_ws_open(&ws, f->k.port[0], PATH "/ws", extra, NULL), 101);
    json_decref(tc_ws_until(&ws, "snapshot", 10000, NULL, NULL));
    assert_int_equal(tc_sse_open(&es, f->k.port[2], PATH "/events", extra), 200);

    /* Revoked on node 1. */
    char path[128];
    snprintf(path, sizeof path, PATH "/links/%s/revoke", id);
    assert_int_equal(
        req(f->k.port[1], "POST", path, tc_role_token(&f->k.node[0], "secretariat"), NULL, &r),
        200);
    tc_response_free(&r);
    int64_t revoked = tc_now_ms();

    /* The streams on nodes 0 and 2 end with "forbidden". */
    json_t *err = tc_ws_until(&ws, "error", 10000, NULL, NULL);
    assert_non_null(err);
    assert_string_equal(json_string_value(json_object_get(err, "code")), "forbidden");
    json_decref(err);
    int64_t ws_ended = tc_now_ms() - revoked;
    bool forbidden = false;
    for (int64_t deadline = tc_now_ms() + 10000; !forbidden && tc_now_ms() < deadline;) {
        tc_event e;
        int got = tc_sse_next(&es, 1000, &e);
        if (got == 0)
            break;
        if (got == 1 && strcmp(e.name, "error") == 0 && strstr(e.data, "\"forbidden\""))
            forbidden = true;
        if (got == 1)
            tc_event_free(&e);
    }
    assert_true(forbidden);
    print_message("  revoked on node 1: the WebSocket on node 0 ended after %lld ms, the SSE "
                  "stream on node 2 after %lld ms\n",
                  (long long)ws_ended, (long long)(tc_now_ms() - revoked));
    tc_ws_close(&ws);
    tc_sse_close(&es);
    /* And every node refuses it. */
    for (int n = 0; n < NODES; n++) {
        assert_int_equal(req(f->k.port[n], "GET", PATH "/snapshot", token, NULL, &r), 403);
        tc_response_free(&r);
    }
}

/* Sends a command as p3 to a node; its HTTP status. */
static int ask(int port, const char *token, int k)
{
    tc_response r;
    char body[128];
    snprintf(body, sizeof body, "{\"type\":\"ask_question\",\"text\":\"Question %d\"}", k);
    int status = req(port, "POST", PATH "/commands", token, body, &r);
    if (status != 200 && status != 429)
        fail_msg("question %d: %d %s", k, status, r.body ? r.body : "");
    tc_response_free(&r);
    return status;
}

static void test_a_persons_rate_holds_over_every_node(void **state)
{
    fixture *f = *state;
    char token[64], id[32];
    issue(f, f->k.port[0], "p3", token, id);
    tc_response r;
    /* A whole burst on node 0. */
    for (int k = 0; k < 10; k++)
        assert_int_equal(ask(f->k.port[0], token, k), 200);
    assert_int_equal(req(f->k.port[0], "GET", PATH "/snapshot", token, NULL, &r), 200);
    json_t *j = tc_json(&r);
    int64_t seq = json_integer_value(json_object_get(j, "seq"));
    json_decref(j);
    tc_response_free(&r);
    /* Once node 1 has those questions, it counts them toward p3's rate. */
    for (int64_t deadline = tc_now_ms() + 10000, at = 0; at < seq; tc_sleep_ms(10)) {
        assert_true(tc_now_ms() < deadline);
        assert_int_equal(req(f->k.port[1], "GET", PATH "/snapshot", token, NULL, &r), 200);
        j = tc_json(&r);
        at = json_integer_value(json_object_get(j, "seq"));
        json_decref(j);
        tc_response_free(&r);
    }
    int64_t start = tc_now_ms();
    int taken = 0;
    for (int k = 10; k < 15; k++)
        taken += ask(f->k.port[1], token, k) == 200;
    /* A fresh count on node 1 would take all five; at one a second, it
     * takes about one for each second since the burst. */
    print_message("  node 1 took %d of 5 after the burst on node 0 (%lld ms)\n", taken,
                  (long long)(tc_now_ms() - start));
    assert_true(taken < 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_link_revoked_on_one_node_stops_on_every_node, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_persons_rate_holds_over_every_node, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
