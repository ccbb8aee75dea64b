/*
 * A command sent again is done once (src/server/room.c), against the real
 * server process: a command with a client command id ("cid") the log holds
 * is answered with its first acknowledgement ("repeated": true), over HTTP
 * and over a new WebSocket, and after the server restarts (the cids are read
 * back from the log); another person's cid is refused. Beside it, what a
 * page relies on to say where it stands: refusals carry their reason, an SSE
 * stream pings when it has nothing else to say, a viewer link lands on the
 * overlay with ?to=overlay, and the links list says when each link was used.
 */
#include "support.h"

#include "server_client.h"

typedef tc_fixture fixture;

/* A snapshot every 4 events: a restart loads the meeting from one, not
 * from its first event, and must still know the commands before it. */
static const char *const every4[] = {"--snapshot-every", "4", NULL};

static int setup(void **state)
{
    return tc_fixture_setup(state, "repeated", every4);
}

/* Posts and returns the answer's JSON (new reference); checks the status. */
static json_t *post_json(int port, const char *token, const char *query, const char *body,
                         int status)
{
    tc_response r;
    assert_int_equal(tc_post_command(port, token, query, body, &r), status);
    json_t *j = tc_json(&r);
    tc_response_free(&r);
    assert_non_null(j);
    return j;
}

static int64_t int_of(const json_t *j, const char *key)
{
    return json_integer_value(json_object_get(j, key));
}

/* The events of the log, as `gavel log` prints them: how many were made by `cid`. */
static int events_with_cid(const char *db, const char *cid)
{
    char *out = NULL;
    const char *args[] = {"log", "--db", db, "--meeting", "test-panel", NULL};
    assert_int_equal(tc_gavel(&out, args), 0);
    int n = 0;
    char needle[96];
    snprintf(needle, sizeof needle, "\"cid\":\"%s\"", cid);
    for (const char *p = out; (p = strstr(p, needle)); p++)
        n++;
    free(out);
    return n;
}

static void test_a_command_sent_again_is_done_once(void **state)
{
    fixture *f = *state;
    int port = f->srv.port;
    const char *chair = tc_role_token(&f->srv, "chair");
    const char *participant = tc_role_token(&f->srv, "participant");
    json_t *j = post_json(port, chair, NULL, "{\"type\":\"open_meeting\"}", 200);
    json_decref(j);
    j = post_json(port, chair, NULL, "{\"type\":\"start_item\",\"item\":\"discussion\"}", 200);
    json_decref(j);

    /* p2 asks for the floor; the answer is lost; the phone sends it again. */
    const char *cmd = "{\"type\":\"request_floor\",\"cid\":\"p2-Zx81qLmN0aRt\",\"id\":\"a\"}";
    j = post_json(port, participant, "?as=p2", cmd, 200);
    int64_t first = int_of(j, "first_seq");
    assert_false(json_is_true(json_object_get(j, "repeated")));
    json_decref(j);
    j = post_json(port, participant, "?as=p2", cmd, 200);
    assert_string_equal(json_string_value(json_object_get(j, "type")), "ack");
    assert_true(json_is_true(json_object_get(j, "repeated")));
    assert_int_equal(int_of(j, "first_seq"), first);
    assert_int_equal(int_of(j, "last_seq"), first);
    json_t *ev = json_array_get(json_object_get(j, "events"), 0);
    assert_string_equal(json_string_value(json_object_get(ev, "type")), "floor_requested");
    assert_string_equal(json_string_value(json_object_get(ev, "cid")), "p2-Zx81qLmN0aRt");
    json_decref(j);

    /* Over a new WebSocket, as after a reconnection: the same answer. */
    tc_ws ws;
    char extra[256];
    snprintf(extra, sizeof extra, "Authorization: Bearer %s\r\n", participant);
    assert_int_equal(tc_ws_open(&ws, port, "/api/v1/meetings/test-panel/ws?as=p2", extra, NULL),
                     101);
    tc_ws_send_json(&ws, json_pack("{s:s, s:s, s:i}", "type", "request_floor", "cid",
                                   "p2-Zx81qLmN0aRt", "id", 9));
    json_t *ack = tc_ws_until(&ws, "ack", 5000, NULL, NULL);
    assert_non_null(ack);
    assert_int_equal(int_of(ack, "id"), 9);
    assert_true(json_is_true(json_object_get(ack, "repeated")));
    assert_int_equal(int_of(ack, "first_seq"), first);
    json_decref(ack);
    /* Without a cid the same command is decided: p2 already waits. */
    tc_ws_send_json(&ws, json_pack("{s:s, s:i}", "type", "request_floor", "id", 10));
    json_t *err = tc_ws_until(&ws, "error", 5000, NULL, NULL);
    assert_non_null(err);
    assert_string_equal(json_string_value(json_object_get(err, "reason")), "already_waiting");
    json_decref(err);
    tc_ws_close(&ws);

    /* Someone else's cid is not theirs to use. */
    j = post_json(port, participant, "?as=p3",
                  "{\"type\":\"request_floor\",\"cid\":\"p2-Zx81qLmN0aRt\"}", 400);
    assert_string_equal(json_string_value(json_object_get(j, "reason")), "cid_taken");
    json_decref(j);

    /* After a restart, from a snapshot taken after the command, the log still
     * says the command was done. */
    json_decref(post_json(port, participant, "?as=p3", "{\"type\":\"check_in\"}", 200));
    json_decref(post_json(port, participant, "?as=p4", "{\"type\":\"check_in\"}", 200));
    json_decref(post_json(port, participant, "?as=p5", "{\"type\":\"check_in\"}", 200));
    json_decref(post_json(port, participant, "?as=p6", "{\"type\":\"check_in\"}", 200));
    int64_t seq = tc_meeting_seq(f);
    assert_int_equal(seq, first + 4); /* a snapshot at a multiple of 4 after the command */
    assert_int_equal(tc_server_stop(&f->srv, SIGTERM), 0);
    const char *args[] = {"--meeting", "test-panel", "--snapshot-every", "4", NULL};
    assert_int_equal(tc_server_start(&f->srv, f->db, args), 0);
    port = f->srv.port;
    participant = tc_role_token(&f->srv, "participant");
    j = post_json(port, participant, "?as=p2", cmd, 200);
    assert_true(json_is_true(json_object_get(j, "repeated")));
    assert_int_equal(int_of(j, "first_seq"), first);
    json_decref(j);
    assert_int_equal(tc_meeting_seq(f), seq);
    assert_int_equal(events_with_cid(f->db, "p2-Zx81qLmN0aRt"), 1);
}

/* A command of several events answers with all of them, again. */
static void test_every_event_of_the_command(void **state)
{
    fixture *f = *state;
    int port = f->srv.port;
    const char *chair = tc_role_token(&f->srv, "chair");
    const char *participant = tc_role_token(&f->srv, "participant");
    json_decref(post_json(port, chair, NULL, "{\"type\":\"open_meeting\"}", 200));
    json_decref(
        post_json(port, chair, NULL, "{\"type\":\"start_item\",\"item\":\"discussion\"}", 200));
    json_decref(post_json(port, participant, "?as=p2", "{\"type\":\"request_floor\"}", 200));
    json_decref(post_json(port, participant, "?as=p3", "{\"type\":\"request_floor\"}", 200));
    json_decref(post_json(port, chair, NULL, "{\"type\":\"next_speaker\"}", 200));
    const char *next = "{\"type\":\"next_speaker\",\"cid\":\"chair-0000000001\"}";
    json_t *a = post_json(port, chair, NULL, next, 200);
    json_t *b = post_json(port, chair, NULL, next, 200);
    assert_int_equal(int_of(a, "last_seq"), int_of(a, "first_seq") + 1);
    assert_int_equal(int_of(b, "first_seq"), int_of(a, "first_seq"));
    assert_int_equal(int_of(b, "last_seq"), int_of(a, "last_seq"));
    assert_true(json_equal(json_object_get(a, "events"), json_object_get(b, "events")));
    json_decref(a);
    json_decref(b);
    assert_int_equal(events_with_cid(f->db, "chair-0000000001"), 2);
}

/* What a page needs to say where it stands. */
static void test_reasons_pings_overlay_and_last_use(void **state)
{
    fixture *f = *state;
    int port = f->srv.port;
    const char *chair = tc_role_token(&f->srv, "chair");
    const char *viewer = tc_role_token(&f->srv, "viewer");
    /* A refusal names its reason. */
    json_decref(post_json(port, chair, NULL, "{\"type\":\"open_meeting\"}", 200));
    json_t *j = post_json(port, chair, NULL, "{\"type\":\"request_floor\"}", 409);
    assert_string_equal(json_string_value(json_object_get(j, "reason")), "no_item");
    json_decref(j);

    /* An SSE stream with nothing to say pings, as a named event. */
    tc_sse s;
    char extra[256];
    snprintf(extra, sizeof extra, "Authorization: Bearer %s\r\nAccept: text/event-stream\r\n",
             viewer);
    assert_int_equal(tc_sse_open(&s, port, "/api/v1/meetings/test-panel/events", extra), 200);
    tc_event e = {0};
    bool pinged = false;
    int64_t deadline = tc_now_ms() + 8000;
    while (!pinged && tc_now_ms() < deadline && tc_sse_next(&s, 8000, &e) == 1) {
        pinged = strcmp(e.name, "ping") == 0;
        tc_event_free(&e);
    }
    assert_true(pinged);
    tc_sse_close(&s);

    /* A viewer link with ?to=overlay lands on the overlay. */
    char path[128];
    snprintf(path, sizeof path, "/join/%s?to=overlay", viewer);
    tc_response r;
    assert_int_equal(tc_get(port, path, NULL, &r), 303);
    char loc[128];
    tc_header(r.head, "location", loc, sizeof loc);
    assert_string_equal(loc, "/m/test-panel/overlay");
    tc_response_free(&r);

    /* The links list says when a link was last used; an unused one says null. */
    char sec[64], unused[64];
    assert_int_equal(tc_invite(f->db, "secretariat", true, sec, sizeof sec), 0);
    assert_int_equal(tc_invite(f->db, "p5", false, unused, sizeof unused), 0);
    assert_int_equal(tc_get(port, "/api/v1/meetings/test-panel/links", sec, &r), 200);
    j = tc_json(&r);
    tc_response_free(&r);
    size_t i;
    json_t *l;
    int used = 0, never = 0;
    json_array_foreach(json_object_get(j, "links"), i, l)
    {
        json_t *at = json_object_get(l, "last_used_at_ms");
        assert_non_null(at);
        if (json_is_true(json_object_get(l, "yours")) ||
            strcmp(json_string_value(json_object_get(l, "subject")), "viewer") == 0)
            used += json_integer_value(at) > 1600000000000LL;
        if (strcmp(json_string_value(json_object_get(l, "subject")), "p5") == 0)
            never += json_is_null(at);
    }
    assert_int_equal(used, 2);
    assert_int_equal(never, 1);
    json_decref(j);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_command_sent_again_is_done_once, setup,
                                        tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_every_event_of_the_command, setup,
                                        tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_reasons_pings_overlay_and_last_use, setup,
                                        tc_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
