/*
 * The WebSocket protocol (src/server/ws.c) in process, over a real socket,
 * with failures forced on the server's store while it runs: a command whose
 * commit fails is answered with the cause (disk_full, read_only) and its id
 * on the connection that sent it, which carries on; the commands after it
 * work. And what every message is answered with, good or not: a sync with
 * its id, a binary frame, a message too large (then 1009). And out of
 * memory on the loop while it binds a new connection and answers its first
 * command (fault_alloc.h): the client is always told.
 */
#include "support.h"

#include "fault_alloc.h"
#include "inproc.h"

static int setup(void **state)
{
    return ip_setup_running(state, "ws", NULL);
}

static void open_as(ip_server *x, tc_ws *ws, const char *role)
{
    char extra[200];
    snprintf(extra, sizeof extra, "Authorization: Bearer %s\r\n", ip_token(x, role));
    assert_int_equal(tc_ws_open(ws, x->port, "/api/v1/meetings/test-panel/ws", extra, NULL), 101);
    json_t *snap = tc_ws_until(ws, "snapshot", 10000, NULL, NULL);
    assert_non_null(snap);
    json_decref(snap);
}

/* The next ack, error or sync (events skipped). */
static json_t *answer(tc_ws *ws)
{
    for (;;) {
        json_t *j = tc_ws_recv_json(ws, 10000);
        assert_non_null(j);
        const char *t = json_string_value(json_object_get(j, "type"));
        if (strcmp(t, "ack") == 0 || strcmp(t, "error") == 0 || strcmp(t, "sync") == 0)
            return j;
        json_decref(j);
    }
}

static void expect(tc_ws *ws, const char *type_or_code, json_int_t id)
{
    json_t *j = answer(ws);
    const char *t = json_string_value(json_object_get(j, "type"));
    const char *code = json_string_value(json_object_get(j, "code"));
    if (strcmp(t, "error") == 0)
        assert_string_equal(code, type_or_code);
    else
        assert_string_equal(t, type_or_code);
    assert_int_equal(json_integer_value(json_object_get(j, "id")), id);
    json_decref(j);
}

static void test_a_failed_commit_is_answered_with_its_cause(void **state)
{
    ip_server *x = *state;
    tc_ws ws;
    open_as(x, &ws, "chair");
    gv_store *st = gv__storage_writer_store(x->s);
    gv_store_fail_next(st, GV_STORE_FAULT_COMMIT, 0, 1, GV_EFULL);
    assert_int_equal(tc_ws_send(&ws, "{\"type\":\"add_note\",\"text\":\"a\",\"id\":1}"), 0);
    expect(&ws, "disk_full", 1);
    gv_store_fail_next(st, GV_STORE_FAULT_COMMIT, 0, 1, GV_EREADONLY);
    assert_int_equal(tc_ws_send(&ws, "{\"type\":\"add_note\",\"text\":\"b\",\"id\":2}"), 0);
    expect(&ws, "read_only", 2);
    /* The connection carries on, and the next command is stored. */
    assert_int_equal(tc_ws_send(&ws, "{\"type\":\"add_note\",\"text\":\"c\",\"id\":3}"), 0);
    expect(&ws, "ack", 3);
    tc_ws_close(&ws);
}

static void test_every_message_is_answered(void **state)
{
    ip_server *x = *state;
    tc_ws ws;
    open_as(x, &ws, "viewer");
    assert_int_equal(tc_ws_send(&ws, "{\"type\":\"sync\",\"id\":5}"), 0);
    expect(&ws, "sync", 5);
    assert_int_equal(tc_ws_send(&ws, "{\"type\":\"add_note\",\"text\":\"a\",\"id\":6}"), 0);
    expect(&ws, "forbidden", 6); /* a viewer link sends nothing */
    assert_int_equal(tc_ws_frame(&ws, 0x2, true, "\x01\x02", 2), 0);
    expect(&ws, "bad_request", 0);
    size_t big = 17000;
    char *msg = malloc(big);
    memset(msg, ' ', big);
    msg[0] = '{';
    msg[big - 1] = '}';
    assert_int_equal(tc_ws_frame(&ws, 0x1, true, msg, big), 0);
    free(msg);
    expect(&ws, "too_large", 0);
    char *m = NULL;
    int op;
    while ((op = tc_ws_recv(&ws, 5000, &m, NULL)) == 1)
        free(m);
    assert_true(ws.closed);
    assert_int_equal(ws.close_code, 1009);
    tc_ws_close(&ws);
}

/* What a connection opened while allocations fail came to. */
typedef enum { WS_SERVED, WS_REFUSED, WS_CLOSED, WS_TOLD_NOTHING } ws_outcome;

/*
 * Opens a chair's WebSocket and sends a command with id k, an upvote of a
 * question that does not exist (decided by the room, refused by the core;
 * it changes nothing, so every run finds the same meeting: a note a run
 * made the state, and the path, grow with k): served (hello, snapshot,
 * then the command's answer, or a resync notice), refused (an HTTP
 * status), closed with a close frame and its reason, or told nothing (a
 * failure). The acknowledgement after a commit is room_test's.
 */
static ws_outcome open_and_command(ip_server *x, long k, char *why, size_t size)
{
    char extra[200], cmd[96];
    snprintf(extra, sizeof extra, "Authorization: Bearer %s\r\n", ip_token(x, "chair"));
    tc_ws ws;
    int status = tc_ws_open(&ws, x->port, "/api/v1/meetings/test-panel/ws", extra, NULL);
    snprintf(why, size, "status %d", status);
    if (status != 101) {
        tc_ws_close(&ws);
        return status >= 400 ? WS_REFUSED : WS_TOLD_NOTHING;
    }
    bool snapshot = false, sent = false;
    ws_outcome out = WS_TOLD_NOTHING;
    for (int64_t end = tc_now_ms() + 10000; out == WS_TOLD_NOTHING && tc_now_ms() < end;) {
        char *m = NULL;
        int op = tc_ws_recv(&ws, 1000, &m, NULL);
        if (op == TC_WS_CLOSE) {
            snprintf(why, size, "closed %d \"%s\"", ws.close_code, ws.close_reason);
            out = ws.close_reason[0] ? WS_CLOSED : WS_TOLD_NOTHING;
            break;
        }
        if (op == 0)
            break;
        json_t *j = m ? json_loads(m, 0, NULL) : NULL;
        free(m);
        const char *t = json_string_value(json_object_get(j, "type"));
        const char *msg = json_string_value(json_object_get(j, "message"));
        /* A message the server could not read for want of memory has no id
         * it could know: its error comes without one, out_of_memory, or
         * bad_request where jansson, short of memory in the middle of a
         * message, reports a syntax error (docs/protocol.md, Errors). */
        const char *code = json_string_value(json_object_get(j, "code"));
        bool mine = json_integer_value(json_object_get(j, "id")) == k ||
                    (t && strcmp(t, "error") == 0 && !json_object_get(j, "id"));
        if (t && strcmp(t, "error") == 0)
            snprintf(why, size, "an error %s without its id: %s", code ? code : "", msg ? msg : "");
        if (t && strcmp(t, "snapshot") == 0)
            snapshot = true;
        else if (t && strcmp(t, "resync") == 0)
            out = WS_SERVED;
        else if (t && mine && strcmp(t, "ack") == 0)
            out = WS_SERVED;
        else if (t && mine && strcmp(t, "error") == 0) {
            snprintf(why, size, "error %s", msg ? msg : "");
            out = WS_SERVED;
        }
        json_decref(j);
        if (snapshot && !sent) {
            snprintf(cmd, sizeof cmd, "{\"type\":\"upvote\",\"question\":999,\"id\":%ld}", k);
            sent = tc_ws_send(&ws, cmd) == 0;
        }
    }
    tc_ws_close(&ws);
    return out;
}

/*
 * Out of memory on the loop, the k-th allocation after the test arms it
 * failing once, for k = 0, 1, ... until a run passes without one: it falls
 * in turn on the upgrade's checks, the binding after the handshake (its
 * log line included), the hello, the snapshot, the command and its answer.
 * The client is always told: a refusal with a status, a close with its
 * reason, or its command's answer; and the server goes on serving.
 */
static void test_out_of_memory_on_a_new_connection_is_told(void **state)
{
    ip_server *x = *state;
    fa_init();
    int seen[4] = {0};
    bool fired = true;
    long k;
    for (k = 0; fired && k < 3000; k++) {
        char why[200];
        fa_arm(x->loop, k);
        ws_outcome out = open_and_command(x, k, why, sizeof why);
        fired = fa_disarm();
        if (out == WS_TOLD_NOTHING)
            fail_msg("allocation %ld failed: the client was told nothing (%s)", k, why);
        seen[out]++;
    }
    printf("# %ld allocations failed in turn: %d served, %d refused, %d closed with a reason\n",
           k - 1, seen[WS_SERVED], seen[WS_REFUSED], seen[WS_CLOSED]);
    assert_false(fired);
    assert_true(seen[WS_CLOSED] > 0); /* failures after the handshake were reached */
    char why[200];
    assert_int_equal(open_and_command(x, 99999, why, sizeof why), WS_SERVED);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_failed_commit_is_answered_with_its_cause, setup,
                                        ip_teardown),
        cmocka_unit_test_setup_teardown(test_every_message_is_answered, setup, ip_teardown),
        cmocka_unit_test_setup_teardown(test_out_of_memory_on_a_new_connection_is_told, setup,
                                        ip_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
