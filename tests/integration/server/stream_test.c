/*
 * Snapshot, then stream: the WebSocket and SSE streams of the real server.
 * Every event a stream carries folds into exactly the state the snapshot
 * shows; a stream resumed with Last-Event-ID or ?since= misses nothing and
 * repeats nothing; a sender sees its events before their acknowledgement.
 */
#include "support.h"

#include "server_client.h"

#include "core/patch.h"
#include "core/view.h"

typedef tc_fixture fixture;

static int start(void **state, const char *const *extra)
{
    return tc_fixture_setup(state, "stream", extra);
}

static int setup(void **state)
{
    return start(state, NULL);
}

static int setup_small_ring(void **state)
{
    const char *extra[] = {"--max-lag-events", "4", NULL};
    return start(state, extra);
}

/* Sends a command over HTTP as the holder of `role`'s link, as `person` when
 * not NULL (?as=); returns the status. */
static int command_as(fixture *f, const char *role, const char *person, const char *body)
{
    char extra[256], path[128];
    snprintf(path, sizeof path, "/api/v1/meetings/test-panel/commands%s%s", person ? "?as=" : "",
             person ? person : "");
    snprintf(extra, sizeof extra, "Authorization: Bearer %s\r\n", tc_role_token(&f->srv, role));
    tc_response r;
    int rc = tc_http(f->srv.port, "POST", path, extra, body, strlen(body), &r, 10000);
    int status = rc < 0 ? -1 : r.status;
    tc_response_free(&r);
    return status;
}

static int command(fixture *f, const char *role, const char *body)
{
    return command_as(f, role, NULL, body);
}

/* Makes n more events (notes by the chair). */
static void make_events(fixture *f, int n)
{
    for (int i = 0; i < n; i++) {
        char body[100];
        snprintf(body, sizeof body, "{\"type\":\"add_note\",\"text\":\"note %d\"}", i);
        assert_int_equal(command(f, "chair", body), 200);
    }
}

static void test_ws_hello_snapshot_ack(void **state)
{
    fixture *f = *state;
    tc_ws ws;
    assert_int_equal(tc_ws_open(&ws, f->srv.port, "/api/v1/meetings/test-panel/ws",
                                tc_bearer(&f->srv, "chair"), NULL),
                     101);
    json_t *hello = tc_ws_recv_json(&ws, 5000);
    assert_string_equal(json_string_value(json_object_get(hello, "type")), "hello");
    assert_string_equal(json_string_value(json_object_get(hello, "person")), "chair");
    assert_int_equal(json_integer_value(json_object_get(hello, "seq")), 1);
    assert_true(json_integer_value(json_object_get(hello, "server_ms")) > 1600000000000LL);
    assert_int_equal(
        json_integer_value(json_object_get(json_object_get(hello, "limits"), "max_message_bytes")),
        16384);
    json_decref(hello);
    json_t *snap = tc_ws_recv_json(&ws, 5000);
    assert_string_equal(json_string_value(json_object_get(snap, "type")), "snapshot");
    assert_int_equal(json_integer_value(json_object_get(snap, "seq")), 1);
    json_decref(snap);
    /* Then what is the sender's own: their votes and hidden questions. */
    json_t *you = tc_ws_recv_json(&ws, 5000);
    assert_string_equal(json_string_value(json_object_get(you, "type")), "you");
    json_t *yours = json_object_get(you, "you");
    assert_string_equal(json_string_value(json_object_get(yours, "person")), "chair");
    assert_int_equal(json_array_size(json_object_get(yours, "votes")), 0);
    assert_int_equal(json_array_size(json_object_get(yours, "questions")), 0);
    json_decref(you);

    /* The sender's own events come before the acknowledgement that names them. */
    tc_ws_send(&ws, "{\"type\":\"open_meeting\",\"id\":41}");
    json_t *ev = tc_ws_recv_json(&ws, 5000);
    assert_string_equal(json_string_value(json_object_get(ev, "type")), "event");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(ev, "event"), "seq")), 2);
    json_decref(ev);
    json_t *ack = tc_ws_recv_json(&ws, 5000);
    assert_string_equal(json_string_value(json_object_get(ack, "type")), "ack");
    assert_int_equal(json_integer_value(json_object_get(ack, "id")), 41);
    assert_int_equal(json_integer_value(json_object_get(ack, "last_seq")), 2);
    json_decref(ack);

    /* A refusal is an error with the request id and nothing else. */
    tc_ws_send(&ws, "{\"type\":\"open_meeting\",\"id\":\"again\"}");
    json_t *err = tc_ws_recv_json(&ws, 5000);
    assert_string_equal(json_string_value(json_object_get(err, "type")), "error");
    assert_string_equal(json_string_value(json_object_get(err, "code")), "conflict");
    assert_string_equal(json_string_value(json_object_get(err, "id")), "again");
    json_decref(err);

    /* sync answers with the server's clock. */
    tc_ws_send(&ws, "{\"type\":\"sync\",\"id\":5}");
    json_t *sync = tc_ws_recv_json(&ws, 5000);
    assert_string_equal(json_string_value(json_object_get(sync, "type")), "sync");
    assert_true(json_integer_value(json_object_get(sync, "server_ms")) > 1600000000000LL);
    json_decref(sync);
    tc_ws_close(&ws);
}

/* A patch event of an SSE stream applied to the state held: it must start
 * from it (base), which takes the seq and time of its event first, and end
 * where the server's fold is (m, at its seq). */
static void apply_patch(const tc_event *e, json_t **held, int64_t *held_seq)
{
    json_t *p = json_loads(e->data, 0, NULL);
    assert_non_null(p);
    assert_int_equal(json_integer_value(json_object_get(p, "base")), *held_seq);
    json_t *took = gv_state_took_event(*held, json_integer_value(json_object_get(p, "seq")),
                                       json_integer_value(json_object_get(p, "at_ms")));
    assert_non_null(took);
    json_decref(*held);
    *held = took;
    gv_error err = {0};
    if (gv_json_patch(held, json_object_get(p, "ops"), &err) < 0)
        fail_msg("the patch to %lld does not apply: %s",
                 (long long)json_integer_value(json_object_get(p, "seq")), err.msg);
    *held_seq = json_integer_value(json_object_get(p, "seq"));
    json_decref(p);
}

/* Folds the full SSE stream (from seq 1) and compares every prefix the WS
 * client saw; the patches the stream carries keep a state that is the fold's
 * after every event. */
static void test_stream_folds_to_snapshot(void **state)
{
    fixture *f = *state;
    tc_sse sse;
    assert_int_equal(tc_sse_open(&sse, f->srv.port, "/api/v1/meetings/test-panel/events?since=0",
                                 tc_bearer(&f->srv, "secretariat")),
                     200);
    char ct[64];
    tc_header(sse.head.head, "content-type", ct, sizeof ct);
    assert_string_equal(ct, "text/event-stream");

    assert_int_equal(command(f, "chair", "{\"type\":\"open_meeting\"}"), 200);
    assert_int_equal(command(f, "chair", "{\"type\":\"start_item\",\"item\":\"discussion\"}"), 200);
    make_events(f, 5);
    /* A second reader joins in the middle: it gets a snapshot at its seq. */
    tc_ws ws;
    assert_int_equal(tc_ws_open(&ws, f->srv.port, "/api/v1/meetings/test-panel/ws",
                                tc_bearer(&f->srv, "secretariat"), NULL),
                     101);
    json_t *hello = tc_ws_recv_json(&ws, 5000);
    json_t *snap = tc_ws_recv_json(&ws, 5000);
    json_decref(tc_ws_recv_json(&ws, 5000)); /* the secretariat's own part */
    int64_t mid_seq = json_integer_value(json_object_get(snap, "seq"));
    assert_int_equal(mid_seq, json_integer_value(json_object_get(hello, "seq")));
    char *mid_state = json_dumps(json_object_get(snap, "state"), JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(hello);
    json_decref(snap);
    assert_int_equal(command(f, "participant", "{\"type\":\"check_in\"}"), 400); /* needs ?as= */
    make_events(f, 4);
    int64_t last;
    char *final_state = tc_snapshot_state(&f->srv, "secretariat", &last);

    /* Fold the SSE stream: ids 1..last in order, nothing twice. */
    gv_meeting *m = gv_meeting_new();
    gv_error err = {0};
    tc_event e;
    int64_t want = 1, held_seq = 0;
    int patched = 0;
    json_t *held = NULL;
    bool saw_mid = false;
    while (want <= last) {
        assert_int_equal(tc_sse_next(&sse, 5000, &e), 1);
        if (strcmp(e.name, "patch") == 0) {
            assert_non_null(held); /* the patches start once the stream is open */
            apply_patch(&e, &held, &held_seq);
        } else if (strcmp(e.name, "message") == 0) {
            assert_int_equal(atoll(e.id), want);
            json_error_t jerr;
            json_t *ev = json_loads(e.data, 0, &jerr);
            assert_non_null(ev);
            if (gv_meeting_apply(m, ev, &err) < 0)
                fail_msg("event %lld does not fold: %s", (long long)want, err.msg);
            json_decref(ev);
            if (want == 1) {
                held = gv_meeting_to_json(m);
                held_seq = 1;
            }
            /* Where a patch ends (the last event of what was committed
             * together), the state it makes is the fold's. */
            if (held_seq == want) {
                char *held_text = json_dumps(held, JSON_COMPACT | JSON_SORT_KEYS);
                char *folded_text = gvt_state(m);
                assert_string_equal(held_text, folded_text);
                free(held_text);
                free(folded_text);
                patched++;
            }
            if (want == mid_seq) {
                char *s = gvt_state(m);
                assert_string_equal(s, mid_state);
                free(s);
                saw_mid = true;
            }
            want++;
        } else {
            assert_true(strcmp(e.name, "hello") == 0 || strcmp(e.name, "you") == 0);
        }
        tc_event_free(&e);
    }
    json_decref(held);
    assert_int_equal(held_seq, last); /* the patches reached the last event */
    assert_true(patched > 1);
    assert_true(saw_mid);
    char *folded = gvt_state(m);
    assert_string_equal(folded, final_state);

    /* The WS reader got exactly the events after its snapshot, and patches
     * that lead from it to the last one. */
    int64_t ws_held = mid_seq;
    for (int64_t s = mid_seq + 1; s <= last; s++) {
        json_t *j = tc_ws_recv_json(&ws, 5000);
        assert_string_equal(json_string_value(json_object_get(j, "type")), "event");
        assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "event"), "seq")),
                         s);
        json_t *patch = json_object_get(j, "patch");
        if (patch) {
            assert_int_equal(json_integer_value(json_object_get(patch, "base")), ws_held);
            ws_held = s;
        }
        json_decref(j);
    }
    assert_int_equal(ws_held, last);
    free(folded);
    free(final_state);
    free(mid_state);
    gv_meeting_free(m);
    tc_ws_close(&ws);
    tc_sse_close(&sse);
}

/* Reads SSE events until id `upto`; returns the ids seen, in order, in ids[]. */
static int read_ids(tc_sse *s, int64_t upto, int64_t *ids, int max)
{
    int n = 0;
    tc_event e;
    while (n < max) {
        if (tc_sse_next(s, 5000, &e) != 1)
            break;
        if (strcmp(e.name, "message") == 0)
            ids[n++] = atoll(e.id);
        bool done = strcmp(e.name, "message") == 0 && atoll(e.id) >= upto;
        tc_event_free(&e);
        if (done)
            break;
    }
    return n;
}

static void test_sse_resumes_with_last_event_id(void **state)
{
    fixture *f = *state;
    char extra[300];
    tc_sse sse;
    int64_t ids[64];
    make_events(f, 3); /* seq 2..4 */
    assert_int_equal(tc_sse_open(&sse, f->srv.port, "/api/v1/meetings/test-panel/events?since=1",
                                 tc_bearer(&f->srv, "viewer")),
                     200);
    assert_int_equal(read_ids(&sse, 3, ids, 64), 2);
    assert_int_equal(ids[0], 2);
    assert_int_equal(ids[1], 3);
    tc_sse_close(&sse); /* cut off mid-stream: event 4 may have been on its way */
    make_events(f, 4);  /* seq 5..8 while away */
    snprintf(extra, sizeof extra, "%sLast-Event-ID: 3\r\n", tc_bearer(&f->srv, "viewer"));
    /* Last-Event-ID wins over since= (it is what EventSource sends on reconnect). */
    assert_int_equal(
        tc_sse_open(&sse, f->srv.port, "/api/v1/meetings/test-panel/events?since=0", extra), 200);
    int n = read_ids(&sse, 8, ids, 64);
    assert_int_equal(n, 5);
    for (int i = 0; i < n; i++)
        assert_int_equal(ids[i], 4 + i);
    tc_sse_close(&sse);

    /* A malformed Last-Event-ID is refused. */
    snprintf(extra, sizeof extra, "%sLast-Event-ID: 3x\r\n", tc_bearer(&f->srv, "viewer"));
    assert_int_equal(tc_sse_open(&sse, f->srv.port, "/api/v1/meetings/test-panel/events", extra),
                     400);
    tc_sse_close(&sse);
}

static void test_ws_resumes_with_since(void **state)
{
    fixture *f = *state;
    make_events(f, 2); /* seq 2, 3 */
    tc_ws ws;
    assert_int_equal(tc_ws_open(&ws, f->srv.port, "/api/v1/meetings/test-panel/ws?since=2",
                                tc_bearer(&f->srv, "viewer"), NULL),
                     101);
    json_t *j = tc_ws_recv_json(&ws, 5000); /* hello */
    json_decref(j);
    j = tc_ws_recv_json(&ws, 5000);
    assert_string_equal(json_string_value(json_object_get(j, "type")), "event");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "event"), "seq")), 3);
    json_decref(j);
    tc_ws_close(&ws);
    make_events(f, 3); /* 4..6 while away */
    assert_int_equal(tc_ws_open(&ws, f->srv.port, "/api/v1/meetings/test-panel/ws?since=3",
                                tc_bearer(&f->srv, "viewer"), NULL),
                     101);
    json_decref(tc_ws_recv_json(&ws, 5000)); /* hello */
    for (int64_t s = 4; s <= 6; s++) {
        j = tc_ws_recv_json(&ws, 5000);
        assert_string_equal(json_string_value(json_object_get(j, "type")), "event");
        assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "event"), "seq")),
                         s);
        json_decref(j);
    }
    /* Nothing more: no duplicate. */
    assert_null(tc_ws_recv_json(&ws, 300));
    tc_ws_close(&ws);

    /* A since from the future or malformed: a snapshot, or a refusal. */
    assert_int_equal(tc_ws_open(&ws, f->srv.port, "/api/v1/meetings/test-panel/ws?since=999",
                                tc_bearer(&f->srv, "viewer"), NULL),
                     101);
    json_decref(tc_ws_recv_json(&ws, 5000));
    j = tc_ws_recv_json(&ws, 5000);
    assert_string_equal(json_string_value(json_object_get(j, "type")), "snapshot");
    assert_int_equal(json_integer_value(json_object_get(j, "seq")), 6);
    json_decref(j);
    tc_ws_close(&ws);
    tc_response r;
    assert_int_equal(tc_ws_open(&ws, f->srv.port, "/api/v1/meetings/test-panel/ws?since=-1",
                                tc_bearer(&f->srv, "viewer"), &r),
                     400);
    tc_response_free(&r);
    tc_ws_close(&ws);
}

/* Reads the next n events of an SSE stream into a JSON array (caller frees). */
static json_t *read_events(tc_sse *sse, int64_t n)
{
    json_t *all = json_array();
    tc_event e;
    while ((int64_t)json_array_size(all) < n) {
        assert_int_equal(tc_sse_next(sse, 5000, &e), 1);
        if (strcmp(e.name, "message") == 0) {
            json_t *ev = json_loads(e.data, 0, NULL);
            assert_non_null(ev);
            assert_int_equal(atoll(e.id), json_integer_value(json_object_get(ev, "seq")));
            json_array_append_new(all, ev);
        }
        tc_event_free(&e);
    }
    return all;
}

/*
 * A viewer's stream is the public view (core/view.h) of the full stream,
 * event by event, with the same sequence numbers; its snapshot is the public
 * view of the state; a participant reads their own pending question besides.
 */
static void test_public_stream_is_the_view_of_the_full_stream(void **state)
{
    fixture *f = *state;
    tc_sse full, pub;
    assert_int_equal(tc_sse_open(&full, f->srv.port, "/api/v1/meetings/test-panel/events?since=0",
                                 tc_bearer(&f->srv, "moderator")),
                     200);
    assert_int_equal(tc_sse_open(&pub, f->srv.port, "/api/v1/meetings/test-panel/events?since=0",
                                 tc_bearer(&f->srv, "viewer")),
                     200);
    assert_int_equal(command(f, "chair", "{\"type\":\"open_meeting\"}"), 200); /* 2 */
    const char *p = "participant";
    assert_int_equal(command_as(f, p, "p1", "{\"type\":\"ask_question\",\"text\":\"Kept back\"}"),
                     200); /* 3: awaits moderation */
    assert_int_equal(command_as(f, p, "p2", "{\"type\":\"ask_question\",\"text\":\"Fine\"}"),
                     200); /* 4 */
    assert_int_equal(command(f, "moderator", "{\"type\":\"approve_question\",\"question\":4}"),
                     200);
    assert_int_equal(command_as(f, p, "p3", "{\"type\":\"upvote\",\"question\":4}"), 200);
    assert_int_equal(command(f, "rapporteur", "{\"type\":\"add_note\",\"text\":\"Draft\"}"), 200);
    assert_int_equal(command(f, "chair", "{\"type\":\"start_item\",\"item\":\"discussion\"}"), 200);
    assert_int_equal(command_as(f, p, "p4", "{\"type\":\"request_floor\"}"), 200);
    int64_t last;
    char *full_state = tc_snapshot_state(&f->srv, "moderator", &last);
    char *pub_state = tc_snapshot_state(&f->srv, "viewer", NULL);
    assert_int_equal(last, 9);

    json_t *fe = read_events(&full, last), *pe = read_events(&pub, last);
    gv_meeting *m = gv_meeting_new();
    gv_error err = {0};
    int changed = 0;
    for (size_t i = 0; i < (size_t)last; i++) {
        json_t *ev = json_array_get(fe, i), *view = NULL;
        assert_int_equal(gv_meeting_apply(m, ev, &err), 0);
        assert_int_equal(gv_event_view(m, ev, GV_VIEW_PUBLIC, &view), 0);
        assert_true(json_equal(json_array_get(pe, i), view ? view : ev));
        changed += view != NULL;
        json_decref(view);
    }
    assert_int_equal(changed, 5); /* definition, two questions asked for moderation, vote, note */
    char *folded = gvt_state(m);
    assert_string_equal(folded, full_state);
    json_t *pv = gv_meeting_view_json(m, GV_VIEW_PUBLIC);
    char *pub_want = json_dumps(pv, JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(pub_state, pub_want);
    char *pub_bytes = json_dumps(pe, JSON_COMPACT);
    assert_null(strstr(pub_bytes, "Kept back"));
    assert_null(strstr(pub_bytes, "Draft"));
    assert_null(strstr(pub_bytes, "gender"));
    assert_null(strstr(pub_state, "Kept back"));

    /* p1 reads their own pending question in their snapshot; p2 does not. */
    tc_response r;
    const char *ptok = tc_role_token(&f->srv, p);
    assert_int_equal(tc_get(f->srv.port, "/api/v1/meetings/test-panel/snapshot?as=p1", ptok, &r),
                     200);
    json_t *snap = tc_json(&r);
    tc_response_free(&r);
    assert_string_equal(json_string_value(json_object_get(snap, "view")), "public");
    json_t *mine = json_object_get(json_object_get(snap, "you"), "questions");
    assert_int_equal(json_array_size(mine), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(mine, 0), "text")),
                        "Kept back");
    json_decref(snap);
    assert_int_equal(tc_get(f->srv.port, "/api/v1/meetings/test-panel/snapshot?as=p3", ptok, &r),
                     200);
    snap = tc_json(&r);
    tc_response_free(&r);
    json_t *you = json_object_get(snap, "you");
    assert_int_equal(json_array_size(json_object_get(you, "questions")), 0);
    assert_int_equal(json_array_size(json_object_get(you, "votes")), 1);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(you, "votes"), 0)), 4);
    json_decref(snap);
    /* ?as= someone the link does not cover is refused. */
    assert_int_equal(tc_get(f->srv.port, "/api/v1/meetings/test-panel/snapshot?as=chair", ptok, &r),
                     403);
    tc_response_free(&r);

    free(pub_bytes);
    free(pub_want);
    json_decref(pv);
    free(folded);
    free(full_state);
    free(pub_state);
    json_decref(fe);
    json_decref(pe);
    gv_meeting_free(m);
    tc_sse_close(&full);
    tc_sse_close(&pub);
}

/* With a ring of 4 events, a reader 6 events behind gets a snapshot instead. */
static void test_too_far_behind_gets_snapshot(void **state)
{
    fixture *f = *state;
    make_events(f, 8); /* seq 2..9 */
    tc_ws ws;
    assert_int_equal(tc_ws_open(&ws, f->srv.port, "/api/v1/meetings/test-panel/ws?since=3",
                                tc_bearer(&f->srv, "viewer"), NULL),
                     101);
    json_decref(tc_ws_recv_json(&ws, 5000));
    json_t *j = tc_ws_recv_json(&ws, 5000);
    assert_string_equal(json_string_value(json_object_get(j, "type")), "snapshot");
    assert_int_equal(json_integer_value(json_object_get(j, "seq")), 9);
    json_decref(j);
    tc_ws_close(&ws);
    /* 4 behind is still served from the ring. */
    assert_int_equal(tc_ws_open(&ws, f->srv.port, "/api/v1/meetings/test-panel/ws?since=5",
                                tc_bearer(&f->srv, "viewer"), NULL),
                     101);
    json_decref(tc_ws_recv_json(&ws, 5000));
    j = tc_ws_recv_json(&ws, 5000);
    assert_string_equal(json_string_value(json_object_get(j, "type")), "event");
    assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "event"), "seq")), 6);
    json_decref(j);
    tc_ws_close(&ws);
}

/* A snapshot larger than a write chunk (16 KiB) arrives whole on both streams. */
static void test_large_snapshot_arrives_whole(void **state)
{
    fixture *f = *state;
    char body[4100];
    for (int i = 0; i < 12; i++) {
        int n = snprintf(body, sizeof body, "{\"type\":\"add_note\",\"text\":\"");
        memset(body + n, 'a' + i, 3900);
        snprintf(body + n + 3900, sizeof body - (size_t)n - 3900, "\"}");
        assert_int_equal(command(f, "chair", body), 200);
    }
    int64_t seq;
    char *want = tc_snapshot_state(&f->srv, "rapporteur", &seq);
    assert_true(strlen(want) > 3 * 16384);
    tc_ws ws;
    assert_int_equal(tc_ws_open(&ws, f->srv.port, "/api/v1/meetings/test-panel/ws",
                                tc_bearer(&f->srv, "rapporteur"), NULL),
                     101);
    json_t *snap = tc_ws_until(&ws, "snapshot", 5000, NULL, NULL);
    assert_non_null(snap);
    char *got = json_dumps(json_object_get(snap, "state"), JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(got, want);
    free(got);
    json_decref(snap);
    tc_ws_close(&ws);
    tc_sse sse;
    assert_int_equal(tc_sse_open(&sse, f->srv.port, "/api/v1/meetings/test-panel/events",
                                 tc_bearer(&f->srv, "rapporteur")),
                     200);
    tc_event e;
    do {
        assert_int_equal(tc_sse_next(&sse, 5000, &e), 1);
        if (strcmp(e.name, "snapshot") != 0)
            tc_event_free(&e);
    } while (!e.data);
    assert_int_equal(atoll(e.id), seq);
    json_error_t jerr;
    json_t *j = json_loads(e.data, 0, &jerr);
    assert_non_null(j);
    got = json_dumps(json_object_get(j, "state"), JSON_COMPACT | JSON_SORT_KEYS);
    assert_string_equal(got, want);
    free(got);
    json_decref(j);
    tc_event_free(&e);
    tc_sse_close(&sse);
    free(want);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ws_hello_snapshot_ack, setup, tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_stream_folds_to_snapshot, setup, tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_public_stream_is_the_view_of_the_full_stream, setup,
                                        tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_sse_resumes_with_last_event_id, setup,
                                        tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_ws_resumes_with_since, setup, tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_large_snapshot_arrives_whole, setup,
                                        tc_fixture_teardown),
        cmocka_unit_test_setup_teardown(test_too_far_behind_gets_snapshot, setup_small_ring,
                                        tc_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
