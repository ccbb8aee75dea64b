/*
 * Hostile and careless clients against the real server: oversized, malformed,
 * binary and invalid UTF-8 messages, floods, bad upgrades, too many streams,
 * readers that fall behind and clients that go silent. Each gets a clear
 * error or is cut off, and the server and the other clients carry on.
 */
#include "support.h"

#include "server_client.h"

typedef tc_fixture fixture;

static int start(void **state, const char *const *extra)
{
    return tc_fixture_setup(state, "abuse", extra);
}

static int setup(void **state)
{
    return start(state, NULL);
}

static int setup_limits(void **state)
{
    const char *extra[] = {"--max-streams-per-addr", "3", "--idle-timeout", "1", NULL};
    return start(state, extra);
}

static int setup_slow(void **state)
{
    const char *extra[] = {"--max-lag-events",
                           "64",
                           "--commands-per-second",
                           "10000",
                           "--command-burst",
                           "10000",
                           NULL};
    return start(state, extra);
}

static char *bearer(fixture *f, const char *role)
{
    static char h[4][128];
    static int next;
    char *b = h[next++ % 4];
    snprintf(b, 128, "Authorization: Bearer %s\r\n", tc_role_token(&f->srv, role));
    return b;
}

/* Opens a WebSocket and reads past hello, snapshot and the person's own part. */
static void ws_ready(fixture *f, tc_ws *ws, const char *role, const char *query)
{
    char path[200];
    snprintf(path, sizeof path, "/api/v1/meetings/test-panel/ws%s", query ? query : "");
    assert_int_equal(tc_ws_open(ws, f->srv.port, path, bearer(f, role), NULL), 101);
    json_t *hello = tc_ws_until(ws, "hello", 5000, NULL, NULL);
    assert_non_null(hello);
    bool person = json_is_string(json_object_get(hello, "person"));
    json_decref(hello);
    json_t *snap = tc_ws_until(ws, "snapshot", 5000, NULL, NULL);
    assert_non_null(snap);
    json_decref(snap);
    if (person) {
        json_t *you = tc_ws_until(ws, "you", 5000, NULL, NULL);
        assert_non_null(you);
        json_decref(you);
    }
}

static void expect_error(tc_ws *ws, const char *code)
{
    json_t *j = tc_ws_until(ws, "error", 5000, NULL, NULL);
    if (!j)
        fail_msg("no %s error arrived", code);
    assert_string_equal(json_string_value(json_object_get(j, "code")), code);
    assert_true(strlen(json_string_value(json_object_get(j, "message"))) > 10);
    json_decref(j);
}

/* The bystander still follows the meeting: a note by the chair reaches it. */
static void bystander_follows(fixture *f, tc_ws *chair, tc_ws *bystander, const char *text)
{
    char cmd[200];
    snprintf(cmd, sizeof cmd, "{\"type\":\"add_note\",\"text\":\"%s\",\"id\":\"%s\"}", text, text);
    assert_int_equal(tc_ws_send(chair, cmd), 0);
    json_t *ack = tc_ws_until(chair, "ack", 5000, NULL, NULL);
    assert_non_null(ack);
    json_decref(ack);
    /* Earlier events (another client's check-in) may come first. */
    bool seen = false;
    while (!seen) {
        json_t *ev = tc_ws_until(bystander, "event", 5000, NULL, NULL);
        assert_non_null(ev);
        const char *t = json_string_value(json_object_get(json_object_get(ev, "event"), "text"));
        seen = t && strcmp(t, text) == 0;
        json_decref(ev);
    }
    tc_response r;
    assert_int_equal(tc_get(f->srv.port, "/healthz", NULL, &r), 200);
    tc_response_free(&r);
}

static void test_bad_messages(void **state)
{
    fixture *f = *state;
    tc_ws chair, bystander, bad;
    ws_ready(f, &chair, "chair", NULL);
    ws_ready(f, &bystander, "secretariat", NULL);
    ws_ready(f, &bad, "participant", "?as=p1");

    /* Malformed JSON: an error, the connection carries on. */
    tc_ws_send(&bad, "{\"type\": \"check_in\"");
    expect_error(&bad, "bad_request");
    /* Invalid UTF-8 inside a text frame. */
    const char bad_utf8[] = "{\"type\":\"ask_question\",\"text\":\"caf\xc3\x28\"}";
    tc_ws_frame(&bad, TC_WS_TEXT, true, bad_utf8, sizeof bad_utf8 - 1);
    expect_error(&bad, "bad_request");
    /* A JSON value that is not a command. */
    tc_ws_send(&bad, "[\"check_in\"]");
    expect_error(&bad, "bad_request");
    tc_ws_send(&bad, "{\"type\":\"check_in\",\"id\":{\"nested\":true}}");
    expect_error(&bad, "bad_request");
    /* Binary. */
    tc_ws_frame(&bad, TC_WS_BINARY, true, "{\"type\":\"check_in\"}", 19);
    expect_error(&bad, "bad_request");
    /* A message in fragments is fine. */
    tc_ws_frame(&bad, TC_WS_TEXT, false, "{\"type\":\"che", 12);
    tc_ws_frame(&bad, 0, true, "ck_in\",\"id\":1}", 14);
    json_t *ack = tc_ws_until(&bad, "ack", 5000, NULL, NULL);
    assert_non_null(ack);
    json_decref(ack);
    bystander_follows(f, &chair, &bystander, "after-bad-messages");

    /* Oversized: an error, then the connection is closed with 1009. */
    size_t big = 17000;
    char *msg = malloc(big + 1);
    memset(msg, 'x', big);
    msg[big] = '\0';
    memcpy(msg, "{\"type\":\"add_note\",\"text\":\"", 27);
    tc_ws_frame(&bad, TC_WS_TEXT, true, msg, big);
    free(msg);
    expect_error(&bad, "too_large");
    char *m = NULL;
    int op;
    while ((op = tc_ws_recv(&bad, 5000, &m, NULL)) == TC_WS_TEXT)
        free(m);
    assert_int_equal(op, TC_WS_CLOSE);
    assert_int_equal(bad.close_code, 1009);
    tc_ws_close(&bad);
    bystander_follows(f, &chair, &bystander, "after-oversized");

    /* A flood: the bucket (30, then 10 a second) runs dry and says so. */
    ws_ready(f, &bad, "participant", "?as=p2");
    for (int i = 0; i < 60; i++)
        tc_ws_send(&bad, "{\"type\":\"sync\"}");
    int syncs = 0, limited = 0;
    for (int i = 0; i < 60; i++) {
        json_t *j = tc_ws_recv_json(&bad, 5000);
        assert_non_null(j);
        const char *t = json_string_value(json_object_get(j, "type"));
        if (strcmp(t, "sync") == 0)
            syncs++;
        else if (strcmp(t, "error") == 0 &&
                 strcmp(json_string_value(json_object_get(j, "code")), "rate_limited") == 0)
            limited++;
        json_decref(j);
    }
    assert_true(syncs >= 30 && syncs < 45);
    assert_int_equal(syncs + limited, 60);
    tc_ws_close(&bad);
    bystander_follows(f, &chair, &bystander, "after-flood");
    tc_ws_close(&chair);
    tc_ws_close(&bystander);
}

static void test_bad_upgrades(void **state)
{
    fixture *f = *state;
    tc_ws ws;
    tc_response r;
    int port = f->srv.port;
    /* No credentials, forged, wrong path, wrong meeting. */
    assert_int_equal(tc_ws_open(&ws, port, "/api/v1/meetings/test-panel/ws", NULL, &r), 401);
    assert_non_null(strstr(r.body, "unauthorized"));
    tc_response_free(&r);
    tc_ws_close(&ws);
    assert_int_equal(
        tc_ws_open(&ws, port, "/api/v1/meetings/test-panel/ws",
                   "Authorization: Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n", &r),
        401);
    tc_response_free(&r);
    tc_ws_close(&ws);
    assert_int_equal(tc_ws_open(&ws, port, "/somewhere", bearer(f, "chair"), &r), 404);
    tc_response_free(&r);
    tc_ws_close(&ws);
    assert_int_equal(tc_ws_open(&ws, port, "/api/v1/meetings/other/ws", bearer(f, "chair"), &r),
                     403);
    tc_response_free(&r);
    tc_ws_close(&ws);
    /* A revoked link. */
    char token[64], extra[128];
    assert_int_equal(tc_invite(f->db, "p3", false, token, sizeof token), 0);
    snprintf(extra, sizeof extra, "Authorization: Bearer %s\r\n", token);
    assert_int_equal(tc_ws_open(&ws, port, "/api/v1/meetings/test-panel/ws", extra, NULL), 101);
    json_decref(tc_ws_until(&ws, "snapshot", 5000, NULL, NULL));
    const char *args[] = {"invite", "--db", f->db, "--revoke", "p3", NULL};
    assert_int_equal(tc_gavel(NULL, args), 0);
    /* The open stream is told and closed within a second or two. */
    json_t *e = tc_ws_until(&ws, "error", 5000, NULL, NULL);
    assert_non_null(e);
    assert_string_equal(json_string_value(json_object_get(e, "code")), "forbidden");
    json_decref(e);
    char *m = NULL;
    assert_int_equal(tc_ws_recv(&ws, 5000, &m, NULL), TC_WS_CLOSE);
    tc_ws_close(&ws);
    assert_int_equal(tc_ws_open(&ws, port, "/api/v1/meetings/test-panel/ws", extra, &r), 403);
    tc_response_free(&r);
    tc_ws_close(&ws);
    /* Without the subprotocol. */
    int fd = tc_connect(port);
    char req[512];
    int n = snprintf(req, sizeof req,
                     "GET /api/v1/meetings/test-panel/ws HTTP/1.1\r\nHost: x\r\n"
                     "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                     "%s\r\n",
                     bearer(f, "chair"));
    tc_write_all(fd, req, (size_t)n);
    char buf[512] = "";
    tc_read_some(fd, buf, sizeof buf - 1, 5000);
    assert_int_equal(strncmp(buf + 8, " 400", 4), 0);
    close(fd);
}

static void test_stream_limit_and_idle(void **state)
{
    fixture *f = *state;
    tc_sse s[4];
    for (int i = 0; i < 3; i++)
        assert_int_equal(tc_sse_open(&s[i], f->srv.port, "/api/v1/meetings/test-panel/events",
                                     bearer(f, "viewer")),
                         200);
    /* The fourth stream from this address is refused, with a reason. */
    tc_response r;
    tc_ws ws;
    assert_int_equal(
        tc_ws_open(&ws, f->srv.port, "/api/v1/meetings/test-panel/ws", bearer(f, "viewer"), &r),
        429);
    assert_non_null(strstr(r.body, "too many streams"));
    tc_response_free(&r);
    tc_ws_close(&ws);
    assert_int_equal(
        tc_sse_open(&s[3], f->srv.port, "/api/v1/meetings/test-panel/events", bearer(f, "viewer")),
        429);
    tc_sse_close(&s[3]);
    /* Closing one frees its slot. */
    tc_sse_close(&s[0]);
    int status = 0;
    for (int i = 0; i < 50 && status != 101; i++) {
        status =
            tc_ws_open(&ws, f->srv.port, "/api/v1/meetings/test-panel/ws", bearer(f, "viewer"), &r);
        if (status != 101) {
            tc_response_free(&r);
            tc_ws_close(&ws);
            tc_sse_close(&s[0]);
            tc_sleep_ms(50);
        }
    }
    assert_int_equal(status, 101);
    /* A silent WebSocket (no pong) is closed after about twice the idle
     * timeout; one that answers the server's pings stays open. */
    tc_sse_close(&s[2]);
    tc_ws alive;
    assert_int_equal(
        tc_ws_open(&alive, f->srv.port, "/api/v1/meetings/test-panel/ws", bearer(f, "viewer"), &r),
        101);
    ws.answer_pings = false;
    int64_t t0 = tc_now_ms();
    char *m = NULL;
    int op = TC_WS_TEXT, alive_op = -1;
    while (op == TC_WS_TEXT || op < 0) {
        if ((op = tc_ws_recv(&ws, 100, &m, NULL)) == TC_WS_TEXT)
            free(m);
        if ((alive_op = tc_ws_recv(&alive, 100, &m, NULL)) == TC_WS_TEXT)
            free(m);
        if (!(alive_op == TC_WS_TEXT || alive_op < 0))
            fail_msg("alive: op %d close %d %s after %lld ms", alive_op, alive.close_code,
                     alive.close_reason, (long long)(tc_now_ms() - t0));
        assert_true(tc_now_ms() - t0 < 6000);
    }
    assert_true(op == 0 || op == TC_WS_CLOSE);
    /* Three idle timeouts after it opened, the answering one is still open. */
    while (tc_now_ms() - t0 < 3500) {
        if ((alive_op = tc_ws_recv(&alive, 100, &m, NULL)) == TC_WS_TEXT)
            free(m);
        assert_true(alive_op == TC_WS_TEXT || alive_op < 0);
    }
    tc_ws_close(&alive);
    tc_ws_close(&ws);
    /* An SSE stream gets keep-alive comments meanwhile and stays open. */
    assert_false(s[1].c.eof);
    tc_sse_close(&s[1]);
}

static void test_slow_reader_cut_off(void **state)
{
    fixture *f = *state;
    /* A reader with a tiny receive buffer that does not read. */
    tc_ws slow;
    memset(&slow, 0, sizeof slow);
    slow.answer_pings = true;
    slow.c.fd = socket(AF_INET, SOCK_STREAM, 0);
    int small = 2048;
    setsockopt(slow.c.fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)f->srv.port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(slow.c.fd, (struct sockaddr *)&a, sizeof a), 0);
    char req[512];
    int n = snprintf(req, sizeof req,
                     "GET /api/v1/meetings/test-panel/ws HTTP/1.1\r\nHost: x\r\n"
                     "Upgrade: websocket\r\nConnection: Upgrade\r\n"
                     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                     "Sec-WebSocket-Protocol: gavel.v1\r\n%s\r\n",
                     bearer(f, "secretariat"));
    tc_write_all(slow.c.fd, req, (size_t)n);
    tc_response head;
    assert_int_equal(tc_read_head(&slow.c, &head, tc_now_ms() + 5000), 0);
    assert_int_equal(head.status, 101);

    /* The chair writes long notes, one after the other: far more than the
     * socket buffers hold, while the chair itself keeps up. */
    tc_ws chair;
    ws_ready(f, &chair, "chair", NULL);
    char *text = malloc(4001);
    memset(text, 'n', 4000);
    text[4000] = '\0';
    char *cmd = malloc(4100);
    snprintf(cmd, 4100, "{\"type\":\"add_note\",\"text\":\"%s\"}", text);
    /* Until the server cuts the reader off: the notice then waits at most
     * 5 s for the reader (client.c), so it reads at once rather than after
     * all 200 (which take longer than that under a sanitizer on a busy
     * machine). */
    for (int i = 0; i < 200; i++) {
        tc_ws_send(&chair, cmd);
        json_t *j = tc_ws_until(&chair, "ack", 10000, NULL, NULL);
        assert_non_null(j);
        json_decref(j);
        if (i % 10 == 9) {
            tc_response m;
            assert_int_equal(tc_get(f->srv.port, "/metrics", NULL, &m), 200);
            bool cut = strstr(m.body, "gavel_slow_readers_cut_total 1") != NULL;
            tc_response_free(&m);
            if (cut)
                break;
        }
    }
    free(text);
    free(cmd);
    /* Now the slow reader reads: events, then the resync notice, then a close. */
    bool resync = false;
    int events = 0;
    for (;;) {
        char *m = NULL;
        int op = tc_ws_recv(&slow, 10000, &m, NULL);
        if (op != TC_WS_TEXT) {
            if (op != TC_WS_CLOSE && op != 0)
                fail_msg("op %d after %d events, resync %d", op, events, resync);
            break;
        }
        if (strstr(m, "\"type\":\"resync\""))
            resync = true;
        else if (strstr(m, "\"type\":\"event\""))
            events++;
        free(m);
    }
    assert_true(resync);
    assert_true(events < 200);
    tc_conn_close(&slow.c);
    tc_response r;
    assert_int_equal(tc_get(f->srv.port, "/metrics", NULL, &r), 200);
    assert_non_null(strstr(r.body, "gavel_slow_readers_cut_total 1"));
    tc_response_free(&r);
    tc_ws_close(&chair);
}

/*
 * One person's commands share one rate over all their connections: four
 * WebSockets acting as p1 get one burst between them, not four; another
 * person is not slowed.
 */
static void test_rate_is_per_person(void **state)
{
    fixture *f = *state;
    enum { CONNS = 4, EACH = 30 };
    tc_ws ws[CONNS], other;
    for (int i = 0; i < CONNS; i++)
        ws_ready(f, &ws[i], "participant", "?as=p1");
    ws_ready(f, &other, "participant", "?as=p2");
    int64_t t0 = tc_now_ms();
    for (int k = 0; k < EACH; k++)
        for (int i = 0; i < CONNS; i++) {
            char cmd[80];
            snprintf(cmd, sizeof cmd, "{\"type\":\"upvote\",\"question\":999,\"id\":%d}",
                     k * CONNS + i);
            assert_int_equal(tc_ws_send(&ws[i], cmd), 0);
        }
    double seconds = (double)(tc_now_ms() - t0) / 1000.0;
    int limited = 0, decided = 0;
    for (int i = 0; i < CONNS; i++)
        for (int k = 0; k < EACH; k++) {
            json_t *j = tc_ws_until(&ws[i], "error", 10000, NULL, NULL);
            assert_non_null(j);
            const char *code = json_string_value(json_object_get(j, "code"));
            const char *m = json_string_value(json_object_get(j, "message"));
            if (strcmp(code, "rate_limited") == 0 &&
                strstr(m, "over all your links and connections"))
                limited++;
            else if (strcmp(code, "not_found") == 0)
                decided++;
            json_decref(j);
        }
    printf("rate_is_per_person: %d commands on %d connections in %.2f s: %d decided, %d "
           "refused for the person's rate\n",
           CONNS * EACH, CONNS, seconds, decided, limited);
    assert_int_equal(limited + decided, CONNS * EACH);
    /* A burst of 30 and 10 a second, whatever the number of connections. */
    assert_true(decided <= 30 + (int)(10 * seconds) + 2);
    /* p2 has a rate of their own. */
    assert_int_equal(tc_ws_send(&other, "{\"type\":\"upvote\",\"question\":999,\"id\":1}"), 0);
    json_t *j = tc_ws_until(&other, "error", 5000, NULL, NULL);
    assert_string_equal(json_string_value(json_object_get(j, "code")), "not_found");
    json_decref(j);
    for (int i = 0; i < CONNS; i++)
        tc_ws_close(&ws[i]);
    tc_ws_close(&other);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_bad_messages, setup, tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_bad_upgrades, setup, tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_rate_is_per_person, setup, tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_stream_limit_and_idle, setup_limits,
                                        tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_slow_reader_cut_off, setup_slow, tc_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
