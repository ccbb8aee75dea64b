/*
 * Clients (src/server/client.c) in process, on a server whose loop does not
 * run: what a connection is owed when a message cannot be made or queued,
 * the error messages it gets, and what its end gives back.
 *
 *   - a message that could not be made (out of memory) cuts the client off
 *     with a resync notice instead of being dropped: it never waits for it;
 *   - a queue that overflows does the same;
 *   - an error carries its id and is valid UTF-8 whatever bytes it quotes;
 *   - a client that is gone leaves its room and gives back its stream slot.
 */
#include "support.h"

#include "inproc.h"
#include "server/limits.h"
#include "server/room.h"

static int setup(void **state)
{
    return ip_setup(state, "client", NULL);
}

static gv__client *subscriber(ip_server *x, gv__client_kind kind)
{
    gv__room *r = NULL;
    gv_error err;
    assert_int_equal(gv__room_get(x->s, "test-panel", &r, &err), 0);
    gv__client *c = gv__client_new(x->s, kind, NULL);
    assert_non_null(c);
    assert_int_equal(gv__client_subscribe(c, r, r->seq, &err), 0);
    return c;
}

static const char *head_payload(const gv__client *c)
{
    assert_true(c->q_len > 0);
    return (const char *)c->q[c->q_head].frame->payload;
}

static void test_a_message_that_cannot_be_made_cuts_the_client(void **state)
{
    ip_server *x = *state;
    gv__client *c = subscriber(x, GV__CLIENT_WS);
    uint64_t cut = x->s->metrics.slow_readers_cut;
    assert_int_equal(gv__client_send(c, gv__frame_copy("{}", 2), 0), 0);
    assert_int_equal(gv__client_send(c, NULL, 0), GV_ENOMEM);
    assert_int_equal(c->state, GV__RESYNC);
    assert_int_equal(x->s->metrics.slow_readers_cut, cut + 1);
    /* What it was owed is dropped; the notice is all it gets, then the end. */
    assert_int_equal(c->q_len, 1);
    assert_non_null(strstr(head_payload(c), "\"type\":\"resync\""));
    assert_non_null(strstr(head_payload(c), "out of memory"));
    assert_int_equal(gv__client_send(c, gv__frame_copy("{}", 2), 0), 0);
    assert_int_equal(c->q_len, 1);
    gv__client_gone(c);

    c = subscriber(x, GV__CLIENT_SSE);
    assert_int_equal(gv__client_send(c, NULL, 0), GV_ENOMEM);
    assert_non_null(strstr(head_payload(c), "event: resync\nid\n"));
    gv__client_gone(c);
}

static void test_a_full_queue_cuts_the_client(void **state)
{
    ip_server *x = *state;
    gv__client *c = subscriber(x, GV__CLIENT_WS);
    for (int i = 0; i < GV__DIRECT_MAX; i++)
        assert_int_equal(gv__client_send(c, gv__frame_copy("{}", 2), 0), 0);
    assert_int_equal(gv__client_send(c, gv__frame_copy("{}", 2), 0), GV_ELIMIT);
    assert_int_equal(c->state, GV__RESYNC);
    assert_int_equal(c->q_len, 1);
    assert_non_null(strstr(head_payload(c), "too many messages waiting"));
    gv__client_gone(c);
}

static void test_errors_carry_the_id_and_are_utf8(void **state)
{
    ip_server *x = *state;
    gv__client *c = subscriber(x, GV__CLIENT_WS);
    json_t *id = json_string("r1");
    assert_int_equal(gv__client_error(c, id, GV_ERATE, "slow down \xc3 now"), 0);
    json_t *j = json_loads(head_payload(c), 0, NULL);
    assert_non_null(j); /* jansson refuses invalid UTF-8: it was cleaned */
    assert_string_equal(json_string_value(json_object_get(j, "code")), "rate_limited");
    assert_string_equal(json_string_value(json_object_get(j, "id")), "r1");
    assert_string_equal(json_string_value(json_object_get(j, "message")), "slow down ? now");
    json_decref(j);
    json_decref(id);
    gv__client_gone(c);
}

static void test_a_client_gone_gives_back_what_it_held(void **state)
{
    ip_server *x = *state;
    gv_error err;
    assert_int_equal(gv__stream_acquire(x->s, "192.0.2.1", &err), 0);
    gv__client *c = subscriber(x, GV__CLIENT_SSE);
    snprintf(c->addr, sizeof c->addr, "192.0.2.1");
    c->addr_counted = true;
    gv__room *r = c->room;
    unsigned subs = r->n_subs, streams = x->s->n_streams;
    gv__client_ref(c); /* as a command in flight would */
    gv__client_gone(c);
    assert_int_equal(r->n_subs, subs - 1);
    assert_int_equal(x->s->n_streams, streams - 1);
    assert_int_equal(gv__addr_count(x->s->addrs, "192.0.2.1"), 0);
    assert_int_equal(c->state, GV__GONE);
    gv__client_unref(c); /* the last reference frees it (ASan checks) */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_a_message_that_cannot_be_made_cuts_the_client, setup,
                                        ip_teardown),
        cmocka_unit_test_setup_teardown(test_a_full_queue_cuts_the_client, setup, ip_teardown),
        cmocka_unit_test_setup_teardown(test_errors_carry_the_id_and_are_utf8, setup, ip_teardown),
        cmocka_unit_test_setup_teardown(test_a_client_gone_gives_back_what_it_held, setup,
                                        ip_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
