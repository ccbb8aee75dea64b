/*
 * Resuming a stream far behind, over real sockets (docs/protocol.md,
 * "Resuming"): a reader that asks for the state (?resume=state) and whose
 * missed events weigh more than its view's snapshot gets that snapshot on
 * the stream, then the live events after it, with no gap and no duplicate;
 * one a few events behind gets those events; one that did not ask, or asks
 * from since=0, gets every event. Over WebSocket and SSE, in the public view
 * (which must not show the chair's fields) and the full one.
 */
#include "support.h"

#include "server_client.h"

typedef tc_fixture fixture;

/* Times the guiding question was changed in this test's meeting. */
static int gq_flips;

/* Commands come fast here: the link's rate is not what is tested. */
static int setup(void **state)
{
    const char *extra[] = {"--commands-per-second", "1000", "--command-burst", "1000", NULL};
    gq_flips = 0;
    return tc_fixture_setup(state, "resume", extra);
}

static int command(fixture *f, const char *role, const char *body)
{
    tc_response r;
    int status = tc_post_command(f->srv.port, tc_role_token(&f->srv, role), NULL, body, &r);
    tc_response_free(&r);
    return status;
}

/* The meeting opened (the first time), then n events every view reads (the
 * guiding question changing) and one note only the full view reads, its
 * text "SECRET-NOTE". */
static void make_events(fixture *f, int n)
{
    if (gq_flips == 0)
        assert_int_equal(command(f, "chair", "{\"type\":\"open_meeting\"}"), 200);
    for (int i = 0; i < n; i++) {
        char body[100];
        snprintf(body, sizeof body,
                 "{\"type\":\"set_guiding_question\",\"guiding_question\":\"%s\"}",
                 gq_flips++ % 2 ? "gq2" : "gq1");
        assert_int_equal(command(f, "chair", body), 200);
    }
    assert_int_equal(command(f, "chair", "{\"type\":\"add_note\",\"text\":\"SECRET-NOTE\"}"), 200);
}

/* A snapshot message's state is the HTTP snapshot's, at the same seq; the
 * public one shows none of the chair's fields. */
static void same_as_http(fixture *f, const char *role, int64_t seq, const json_t *state)
{
    int64_t want_seq;
    char *want = tc_snapshot_state(&f->srv, role, &want_seq);
    char *got = json_dumps(state, JSON_COMPACT | JSON_SORT_KEYS);
    assert_int_equal(seq, want_seq);
    assert_string_equal(got, want);
    if (strcmp(role, "viewer") == 0) {
        assert_null(strstr(got, "SECRET-NOTE"));
        assert_null(json_object_get(state, "totals"));
    } else {
        assert_non_null(strstr(got, "SECRET-NOTE"));
    }
    free(got);
    free(want);
}

/* ---- WebSocket ----------------------------------------------------------- */

static void ws_open(fixture *f, tc_ws *ws, const char *role, const char *query)
{
    char path[200];
    snprintf(path, sizeof path, "/api/v1/meetings/test-panel/ws%s", query);
    assert_int_equal(tc_ws_open(ws, f->srv.port, path, tc_bearer(&f->srv, role), NULL), 101);
    json_t *hello = tc_ws_recv_json(ws, 5000);
    assert_string_equal(json_string_value(json_object_get(hello, "type")), "hello");
    json_decref(hello);
}

static const char *type_of(const json_t *msg)
{
    return json_string_value(json_object_get(msg, "type"));
}

/* The next message but the reader's own part ("you"), which a person's
 * link gets after a snapshot; NULL when none comes within timeout_ms. */
static json_t *ws_next(tc_ws *ws, int timeout_ms)
{
    for (;;) {
        json_t *j = tc_ws_recv_json(ws, timeout_ms);
        const char *type = type_of(j);
        if (!type || strcmp(type, "you") != 0)
            return j;
        json_decref(j);
    }
}

static int64_t event_seq(const json_t *msg)
{
    return json_integer_value(json_object_get(json_object_get(msg, "event"), "seq"));
}

/* Events first..last come next, in order, and then nothing. */
static void ws_expect_events(tc_ws *ws, int64_t first, int64_t last)
{
    for (int64_t s = first; s <= last; s++) {
        json_t *j = ws_next(ws, 5000);
        assert_non_null(j);
        assert_string_equal(type_of(j), "event");
        assert_int_equal(event_seq(j), s);
        json_decref(j);
    }
    assert_null(ws_next(ws, 200));
}

/* The snapshot, then (after more commands) the live events after it. */
static void ws_expect_snapshot_then_live(fixture *f, tc_ws *ws, const char *role)
{
    json_t *snap = ws_next(ws, 5000);
    assert_string_equal(type_of(snap), "snapshot");
    int64_t seq = json_integer_value(json_object_get(snap, "seq"));
    same_as_http(f, role, seq, json_object_get(snap, "state"));
    json_decref(snap);
    assert_null(ws_next(ws, 200)); /* none of the events before it */
    make_events(f, 2);             /* seq + 1 .. seq + 3 */
    json_t *j = ws_next(ws, 5000);
    assert_string_equal(type_of(j), "event");
    assert_int_equal(event_seq(j), seq + 1);
    /* Its patch starts from the snapshot's state. */
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "patch"), "base")), seq);
    json_decref(j);
    ws_expect_events(ws, seq + 2, seq + 3);
}

static void test_ws_far_behind_gets_the_views_snapshot(void **state)
{
    fixture *f = *state;
    make_events(f, 100); /* 2 .. 102 */
    const char *roles[] = {"viewer", "chair"};
    for (int i = 0; i < 2; i++) {
        tc_ws ws;
        ws_open(f, &ws, roles[i], "?since=3&resume=state");
        ws_expect_snapshot_then_live(f, &ws, roles[i]);
        tc_ws_close(&ws);
    }
    /* The rule holds with the other parameters in any order. */
    tc_ws ws;
    ws_open(f, &ws, "viewer", "?resume=state&since=3");
    json_t *j = ws_next(&ws, 5000);
    assert_string_equal(type_of(j), "snapshot");
    assert_int_equal(json_integer_value(json_object_get(j, "seq")), tc_meeting_seq(f));
    json_decref(j);
    tc_ws_close(&ws);
}

static void test_ws_few_behind_gets_the_events(void **state)
{
    fixture *f = *state;
    make_events(f, 100);
    int64_t head = tc_meeting_seq(f);
    tc_ws ws;
    ws_open(f, &ws, "viewer", "?since=100&resume=state"); /* 101 to 103 owed */
    ws_expect_events(&ws, 101, head);
    tc_ws_close(&ws);
    /* Nothing owed: nothing but what comes. */
    char q[64];
    snprintf(q, sizeof q, "?since=%lld&resume=state", (long long)head);
    ws_open(f, &ws, "viewer", q);
    assert_null(ws_next(&ws, 200));
    tc_ws_close(&ws);
}

static void test_ws_without_asking_gets_every_event(void **state)
{
    fixture *f = *state;
    make_events(f, 100);
    int64_t head = tc_meeting_seq(f);
    const char *queries[] = {"?since=3", "?since=3&resume=events", "?since=0&resume=state"};
    for (int i = 0; i < 3; i++) {
        tc_ws ws;
        ws_open(f, &ws, "viewer", queries[i]);
        ws_expect_events(&ws, i == 2 ? 1 : 4, head);
        tc_ws_close(&ws);
    }
}

static void test_bad_resume_is_refused(void **state)
{
    fixture *f = *state;
    tc_ws ws;
    tc_response r = {0};
    assert_int_equal(tc_ws_open(&ws, f->srv.port, "/api/v1/meetings/test-panel/ws?resume=snapshot",
                                tc_bearer(&f->srv, "viewer"), &r),
                     400);
    assert_non_null(strstr(r.body, "resume=state"));
    tc_response_free(&r);
    tc_ws_close(&ws);
    tc_sse sse;
    assert_int_equal(tc_sse_open(&sse, f->srv.port, "/api/v1/meetings/test-panel/events?resume=1",
                                 tc_bearer(&f->srv, "viewer")),
                     400);
    tc_sse_close(&sse);
}

/* ---- SSE ----------------------------------------------------------------- */

/* Opens the SSE stream resumed after `since` (as EventSource does it:
 * Last-Event-ID) and reads its hello. */
static void sse_open(fixture *f, tc_sse *sse, const char *role, const char *query, int64_t since)
{
    char path[200], extra[300];
    snprintf(path, sizeof path, "/api/v1/meetings/test-panel/events%s", query);
    snprintf(extra, sizeof extra, "%sLast-Event-ID: %lld\r\n", tc_bearer(&f->srv, role),
             (long long)since);
    assert_int_equal(tc_sse_open(sse, f->srv.port, path, extra), 200);
    tc_event e;
    assert_int_equal(tc_sse_next(sse, 5000, &e), 1);
    assert_string_equal(e.name, "hello");
    tc_event_free(&e);
}

/* Not what the stream's order is about: the reader's own part, the pings. */
static bool aside(const tc_event *e)
{
    return strcmp(e->name, "you") == 0 || strcmp(e->name, "ping") == 0;
}

/* The next event that is not a patch (whose seq a later message carries)
 * nor aside. */
static void sse_next(tc_sse *sse, tc_event *e)
{
    for (;;) {
        assert_int_equal(tc_sse_next(sse, 5000, e), 1);
        if (strcmp(e->name, "patch") != 0 && !aside(e))
            return;
        tc_event_free(e);
    }
}

/* Nothing but pings or own parts for a moment. */
static void sse_quiet(tc_sse *sse)
{
    tc_event e;
    int rc;
    while ((rc = tc_sse_next(sse, 200, &e)) == 1) {
        assert_true(aside(&e));
        tc_event_free(&e);
    }
    assert_int_equal(rc, -1);
}

/* Events first..last come next (their patches between), and then nothing. */
static void sse_expect_events(tc_sse *sse, int64_t first, int64_t last)
{
    tc_event e;
    for (int64_t s = first; s <= last; s++) {
        sse_next(sse, &e);
        assert_string_equal(e.name, "message");
        assert_int_equal(atoll(e.id), s);
        tc_event_free(&e);
    }
    sse_quiet(sse);
}

static void test_sse_far_behind_gets_the_views_snapshot(void **state)
{
    fixture *f = *state;
    make_events(f, 100);
    const char *roles[] = {"viewer", "chair"};
    for (int i = 0; i < 2; i++) {
        tc_sse sse;
        sse_open(f, &sse, roles[i], "?resume=state", 3);
        tc_event e;
        sse_next(&sse, &e);
        assert_string_equal(e.name, "snapshot");
        int64_t seq = atoll(e.id); /* EventSource resumes from it */
        json_t *snap = json_loads(e.data, 0, NULL);
        assert_int_equal(json_integer_value(json_object_get(snap, "seq")), seq);
        same_as_http(f, roles[i], seq, json_object_get(snap, "state"));
        json_decref(snap);
        tc_event_free(&e);
        sse_quiet(&sse); /* none of the events before it */
        make_events(f, 2);
        /* The first live event's patch starts from the snapshot. */
        do {
            assert_int_equal(tc_sse_next(&sse, 5000, &e), 1);
        } while (aside(&e) && (tc_event_free(&e), true));
        assert_string_equal(e.name, "patch");
        json_t *p = json_loads(e.data, 0, NULL);
        assert_int_equal(json_integer_value(json_object_get(p, "base")), seq);
        json_decref(p);
        tc_event_free(&e);
        sse_expect_events(&sse, seq + 1, seq + 3);
        tc_sse_close(&sse);
    }
}

static void test_sse_few_behind_or_not_asking_gets_the_events(void **state)
{
    fixture *f = *state;
    make_events(f, 100);
    int64_t head = tc_meeting_seq(f);
    tc_sse sse;
    sse_open(f, &sse, "viewer", "?resume=state", 100);
    sse_expect_events(&sse, 101, head);
    tc_sse_close(&sse);
    sse_open(f, &sse, "viewer", "", 3);
    sse_expect_events(&sse, 4, head);
    tc_sse_close(&sse);
    /* since=0 (no Last-Event-ID): the whole log, asked or not. */
    assert_int_equal(tc_sse_open(&sse, f->srv.port,
                                 "/api/v1/meetings/test-panel/events?since=0&resume=state",
                                 tc_bearer(&f->srv, "viewer")),
                     200);
    tc_event e;
    assert_int_equal(tc_sse_next(&sse, 5000, &e), 1);
    assert_string_equal(e.name, "hello");
    tc_event_free(&e);
    sse_expect_events(&sse, 1, head);
    tc_sse_close(&sse);
}

/* ---- many at once -------------------------------------------------------- */

/* A counter of the server's /metrics (the line that starts with name). */
static long long metric(fixture *f, const char *name)
{
    double v = tc_metric(f->srv.port, name);
    if (v < 0)
        fail_msg("no %s in /metrics", name);
    return (long long)v;
}

#define RESUMED_SNAPSHOT  "gavel_stream_resumes_total{answer=\"snapshot\"}"
#define RESUMED_EVENTS    "gavel_stream_resumes_total{answer=\"events\"}"
#define SNAPSHOT_MESSAGES "gavel_stream_snapshot_messages_total"
#define CROWD             20

/* Readers resuming far behind at the same seq share one snapshot message
 * per transport (and its compressed form, made from it once): 20 over a
 * compressed WebSocket, 20 over SSE, each with the same state. */
static void test_readers_resuming_together_share_one_snapshot(void **state)
{
    fixture *f = *state;
    make_events(f, 100);
    long long resumed = metric(f, RESUMED_SNAPSHOT), made = metric(f, SNAPSHOT_MESSAGES);
    long long by_events = metric(f, RESUMED_EVENTS);
    static tc_ws ws[CROWD];
    static tc_sse sse[CROWD];
    z_stream z[CROWD];
    char extra[300];
    snprintf(extra, sizeof extra,
             "%sSec-WebSocket-Extensions: permessage-deflate; "
             "client_max_window_bits\r\n",
             tc_bearer(&f->srv, "viewer"));
    for (int i = 0; i < CROWD; i++) {
        assert_int_equal(tc_ws_open(&ws[i], f->srv.port,
                                    "/api/v1/meetings/test-panel/ws?since=3&resume=state", extra,
                                    NULL),
                         101);
        memset(&z[i], 0, sizeof z[i]);
        assert_int_equal(inflateInit2(&z[i], -15), Z_OK);
        ws[i].inflater = &z[i];
        sse_open(f, &sse[i], "viewer", "?resume=state", 3);
    }
    char *first = NULL;
    for (int i = 0; i < CROWD; i++) {
        json_t *hello = ws_next(&ws[i], 5000), *snap = ws_next(&ws[i], 5000);
        assert_string_equal(type_of(snap), "snapshot");
        assert_true(ws[i].last_compressed);
        char *got = json_dumps(snap, JSON_COMPACT | JSON_SORT_KEYS);
        if (!first)
            first = strdup(got);
        assert_string_equal(got, first);
        tc_event e;
        sse_next(&sse[i], &e);
        assert_string_equal(e.name, "snapshot");
        json_t *j = json_loads(e.data, 0, NULL);
        assert_true(json_equal(json_object_get(j, "seq"), json_object_get(snap, "seq")));
        assert_true(json_equal(json_object_get(j, "state"), json_object_get(snap, "state")));
        json_decref(j);
        tc_event_free(&e);
        free(got);
        json_decref(hello);
        json_decref(snap);
    }
    assert_int_equal(metric(f, RESUMED_SNAPSHOT) - resumed, 2 * CROWD);
    assert_int_equal(metric(f, SNAPSHOT_MESSAGES) - made, 2);
    assert_int_equal(metric(f, RESUMED_EVENTS), by_events);
    for (int i = 0; i < CROWD; i++) {
        tc_ws_close(&ws[i]);
        inflateEnd(&z[i]);
        tc_sse_close(&sse[i]);
    }
    free(first);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ws_far_behind_gets_the_views_snapshot, setup,
                                        tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_ws_few_behind_gets_the_events, setup,
                                        tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_ws_without_asking_gets_every_event, setup,
                                        tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_readers_resuming_together_share_one_snapshot, setup,
                                        tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_bad_resume_is_refused, setup, tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_sse_far_behind_gets_the_views_snapshot, setup,
                                        tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_sse_few_behind_or_not_asking_gets_the_events, setup,
                                        tc_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
