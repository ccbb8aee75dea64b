/*
 * One deflate stream per view (src/server/room_deflate.c) in process, over
 * real sockets, with each allocation of a commit's way through the loop
 * failing in turn (fault_alloc.h): a reader that takes its events in the
 * stream (a browser's permessage-deflate offer, one inflater for all) reads
 * every event whole, the same as a reader of the plain stream; or it is cut
 * off and told (resync, or a close with its reason). It is never sent bytes
 * its inflater cannot read: a stream that cannot go on sends its readers
 * back to waiting for its next start, their events compressed each alone
 * meanwhile.
 */
#include "support.h"

#include "fault_alloc.h"
#include "inproc.h"

#define OFFER "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"

/* Every allocation of the path is failed in turn: a command each time, more
 * than the rates allow by default. */
static void many_commands(gv_server_config *c, void *ud)
{
    (void)ud;
    c->commands_per_second = 100000;
    c->command_burst = 100000;
}

static int setup(void **state)
{
    return ip_setup_running(state, "room-deflate", many_commands);
}

typedef struct reader {
    tc_ws ws;
    z_stream z;
    bool open;
} reader;

/* Opens the chair's stream (with the offer and an inflater, or plain) and
 * reads it up to its own part; returns the seq of its snapshot. */
static int64_t reader_open(ip_server *x, reader *r, bool deflate)
{
    char extra[300];
    snprintf(extra, sizeof extra, "Authorization: Bearer %s\r\n%s", ip_token(x, "chair"),
             deflate ? OFFER : "");
    memset(r, 0, sizeof *r);
    assert_int_equal(inflateInit2(&r->z, -15), Z_OK);
    assert_int_equal(tc_ws_open(&r->ws, x->port, "/api/v1/meetings/test-panel/ws", extra, NULL),
                     101);
    r->ws.inflater = deflate ? &r->z : NULL;
    r->open = true;
    json_t *snap = tc_ws_until(&r->ws, "snapshot", 10000, NULL, NULL);
    assert_non_null(snap);
    int64_t seq = json_integer_value(json_object_get(snap, "seq"));
    json_decref(snap);
    json_decref(tc_ws_until(&r->ws, "you", 10000, NULL, NULL));
    return seq;
}

static void reader_close(reader *r)
{
    if (r->open)
        tc_ws_close(&r->ws);
    inflateEnd(&r->z);
    r->open = false;
}

/* The event seq as compact sorted JSON read from r, or NULL when r was cut
 * off and told so (resync, or a close with a reason). A message the
 * inflater cannot read, or silence, fails the test. */
static char *event_of(reader *r, int64_t seq, const char *who, long k)
{
    for (;;) {
        char *m = NULL;
        int op = tc_ws_recv(&r->ws, 10000, &m, NULL);
        if (op == TC_WS_CLOSE) {
            if (!r->ws.close_reason[0])
                fail_msg("allocation %ld: %s closed without a reason", k, who);
            return NULL;
        }
        if (op != TC_WS_TEXT)
            fail_msg("allocation %ld: %s read nothing it could inflate (%d)", k, who, op);
        json_t *j = json_loads(m, 0, NULL);
        free(m);
        if (!j)
            fail_msg("allocation %ld: %s got a message that is not JSON", k, who);
        const char *type = json_string_value(json_object_get(j, "type"));
        json_t *ev = json_object_get(j, "event");
        if (strcmp(type, "resync") == 0) {
            json_decref(j);
            return NULL;
        }
        if (strcmp(type, "event") == 0 && json_integer_value(json_object_get(ev, "seq")) == seq) {
            char *text = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS);
            json_decref(j);
            return text;
        }
        json_decref(j);
    }
}

/* The meeting's seq now, and in *gq the guiding question under discussion
 * (1 or 2; 2 for none, so that gq1 comes next). */
static int64_t stands(ip_server *x, int *gq)
{
    tc_response r;
    assert_int_equal(
        tc_get(x->port, "/api/v1/meetings/test-panel/snapshot", ip_token(x, "chair"), &r), 200);
    json_t *j = tc_json(&r), *state = json_object_get(j, "state");
    assert_non_null(state);
    int64_t seq = json_integer_value(json_object_get(j, "seq"));
    const char *now = json_string_value(json_object_get(state, "current_guiding_question"));
    *gq = now && strcmp(now, "gq1") == 0 ? 1 : 2;
    json_decref(j);
    tc_response_free(&r);
    return seq;
}

static void a_failing_allocation_never_breaks_the_stream(void **state)
{
    ip_server *x = *state;
    fa_init();
    reader z, plain;
    int64_t seq = reader_open(x, &z, true);
    assert_int_equal(reader_open(x, &plain, false), seq);
    const char *token = ip_token(x, "chair");
    tc_response r;
    assert_int_equal(tc_post_command(x->port, token, NULL, "{\"type\":\"open_meeting\"}", &r), 200);
    tc_response_free(&r);
    seq++;
    free(event_of(&z, seq, "the deflate reader", -1));
    free(event_of(&plain, seq, "the plain reader", -1));
    bool fired = true;
    long k;
    int cut = 0, gq = 2; /** the guiding question set last: none yet, so gq1 first */
    for (k = 0; fired && k < 3000; k++) {
        char body[120];
        /* The guiding question, one and the other: the state does not grow
         * from one run to the next, and neither does the path. */
        snprintf(body, sizeof body,
                 "{\"type\":\"set_guiding_question\",\"guiding_question\":\"gq%d\"}", 3 - gq);
        /* Armed until the plain reader has the event: the settle (the
         * patches, the frames, the stream) is in the window. */
        fa_arm(x->loop, k);
        int status = tc_post_command(x->port, token, NULL, body, &r);
        tc_response_free(&r);
        if (status != 200) {
            /* Refused for want of memory; or stored, and its answer could
             * not be made: where the meeting stands is asked. */
            fired = fa_disarm();
            assert_true(fired);
            seq = stands(x, &gq);
            continue;
        }
        gq = 3 - gq;
        seq++;
        char *want = event_of(&plain, seq, "the plain reader", k);
        fired = fa_disarm();
        char *got = z.open ? event_of(&z, seq, "the deflate reader", k) : NULL;
        if (!want) { /* the plain reader was cut off: it reads again */
            reader_close(&plain);
            assert_true(reader_open(x, &plain, false) >= seq);
        }
        if (!got) {
            cut++;
            reader_close(&z);
            assert_true(reader_open(x, &z, true) >= seq);
        } else if (want) {
            assert_string_equal(got, want);
        }
        free(want);
        free(got);
    }
    printf("# %ld allocations failed in turn; the deflate reader was cut off %d times\n", k - 1,
           cut);
    assert_false(fired);
    reader_close(&z);
    reader_close(&plain);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(a_failing_allocation_never_breaks_the_stream, setup,
                                        ip_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
