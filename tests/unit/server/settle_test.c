/*
 * When the loop settles a commit (src/server/settle.c), on a server in
 * process whose loop the test turns itself, one turn at a time, with a
 * reader of the room (so that settling has a view to patch) and an HTTP
 * sender on a real socket.
 *
 *   - an HTTP command's answer is on its socket, whole, before the room
 *     settles the commit: it does not wait for the patches;
 *   - the room settles within the turn that wrote the answer: the readers
 *     wait one turn of the loop, no more;
 *   - a commit that owes no HTTP answer (a WebSocket sender's) settles in
 *     the turn that applied it.
 *
 * A watcher of the test looks at the sender's socket in every turn, after
 * the turn's I/O callbacks and before the settle (a check watcher one
 * priority above the settle's).
 */
#define _GNU_SOURCE
#include "support.h"

#include <sys/socket.h>

#include <ev.h>

#include "inproc.h"
#include "server/room.h"

static int setup(void **state)
{
    return ip_setup(state, "settle", NULL);
}

typedef struct watch {
    int fd;              /** the sender's socket */
    gv__room *room;      /** the sender's room */
    bool answered;       /** the whole answer was on the socket at a check */
    bool settled_before; /** and the room had settled the commit by then */
    char text[4096];     /** the answer as peeked */
} watch;

/* Is the whole HTTP response in w->text (headers and content-length bytes)? */
static bool whole(const watch *w, size_t n)
{
    const char *end = memmem(w->text, n, "\r\n\r\n", 4);
    const char *len = strcasestr(w->text, "content-length:");
    return end && len && len < end &&
           (size_t)(end + 4 - w->text) + strtoul(len + 15, NULL, 10) <= n;
}

static void look(struct ev_loop *loop, ev_check *c, int revents)
{
    (void)loop;
    (void)revents;
    watch *w = c->data;
    if (w->answered)
        return;
    ssize_t n = recv(w->fd, w->text, sizeof w->text - 1, MSG_PEEK | MSG_DONTWAIT);
    if (n <= 0)
        return;
    w->text[n] = '\0';
    if (!whole(w, (size_t)n))
        return;
    w->answered = true;
    w->settled_before = w->room->settled_seq == w->room->seq;
}

static void beat(struct ev_loop *loop, ev_timer *t, int revents)
{
    (void)loop;
    (void)t;
    (void)revents;
}

/* The test's look at every turn (cb, with data), after the turn's I/O
 * callbacks and before the settle (one priority above the settle's check),
 * and a beat that bounds each turn's wait: nothing else may come while the
 * writer works. */
typedef struct turns {
    ev_check look;
    ev_timer beat;
} turns;

static void turns_start(ip_server *x, turns *t, void (*cb)(struct ev_loop *, ev_check *, int),
                        void *data)
{
    ev_check_init(&t->look, cb);
    ev_set_priority(&t->look, EV_MINPRI + 1);
    t->look.data = data;
    ev_check_start(x->s->loop, &t->look);
    ev_timer_init(&t->beat, beat, 0.05, 0.05);
    ev_timer_start(x->s->loop, &t->beat);
}

/* Turns the loop until *done, for 10 s at most. */
static void turns_until(ip_server *x, const bool *done)
{
    int64_t deadline = tc_now_ms() + 10000;
    while (!*done && tc_now_ms() < deadline)
        ev_run(x->s->loop, EVRUN_ONCE);
}

static void turns_stop(ip_server *x, turns *t)
{
    ev_timer_stop(x->s->loop, &t->beat);
    ev_check_stop(x->s->loop, &t->look);
}

static void test_an_http_answer_goes_before_the_settle_and_readers_follow_in_its_turn(void **state)
{
    ip_server *x = *state;
    gv__room *r = NULL;
    gv_error err;
    assert_int_equal(gv__room_get(x->s, "test-panel", &r, &err), 0);
    /* A reader of the room: its view is patched at every settle. */
    gv__client *reader = gv__client_new(x->s, GV__CLIENT_WS, NULL);
    assert_non_null(reader);
    reader->view = GV_VIEW_PUBLIC;
    assert_int_equal(gv__client_subscribe(reader, r, r->seq, &err), 0);
    int64_t before = r->seq;

    watch w = {.fd = tc_connect(x->port), .room = r};
    assert_true(w.fd >= 0);
    turns t;
    turns_start(x, &t, look, &w);

    const char body[] = "{\"type\":\"add_note\",\"text\":\"a note\",\"id\":\"n1\"}";
    char req[1024];
    int n = snprintf(req, sizeof req,
                     "POST /api/v1/meetings/test-panel/commands HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     "Authorization: Bearer %s\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n\r\n%s",
                     ip_token(x, "chair"), sizeof body - 1, body);
    assert_int_equal(tc_write_all(w.fd, req, (size_t)n), 0);

    turns_until(x, &w.answered);
    assert_true(w.answered);
    assert_non_null(strstr(w.text, "HTTP/1.1 200"));
    assert_non_null(strstr(w.text, "\"type\":\"ack\""));
    assert_int_equal(r->seq, before + 1);
    assert_false(w.settled_before);
    /* The turn that wrote the answer ended with the settle. */
    assert_int_equal(r->settled_seq, r->seq);

    turns_stop(x, &t);
    tc_close_fd(w.fd);
    gv__client_gone(reader);
}

typedef struct applied {
    gv__room *room;
    int64_t before;    /** the room's seq before the command */
    bool seen;         /** a check saw the room past it */
    bool settled_then; /** and settled already */
} applied;

static void look_applied(struct ev_loop *loop, ev_check *c, int revents)
{
    (void)loop;
    (void)revents;
    applied *a = c->data;
    if (a->seen || a->room->seq == a->before)
        return;
    a->seen = true;
    a->settled_then = a->room->settled_seq == a->room->seq;
}

static void test_a_websocket_senders_commit_settles_in_the_turn_that_applies_it(void **state)
{
    ip_server *x = *state;
    gv__room *r = NULL;
    gv_error err;
    assert_int_equal(gv__room_get(x->s, "test-panel", &r, &err), 0);
    /* The chair, following the room as a WebSocket client would (no socket:
     * what it is owed stays in its queue). */
    gv__client *chair = gv__client_new(x->s, GV__CLIENT_WS, NULL);
    assert_non_null(chair);
    chair->grant.kind = GV__GRANT_PERSON;
    snprintf(chair->grant.subject, sizeof chair->grant.subject, "chair");
    snprintf(chair->actor, sizeof chair->actor, "chair");
    chair->view = gv__grant_view(r, &chair->grant);
    assert_int_equal(gv__client_subscribe(chair, r, r->seq, &err), 0);

    applied a = {.room = r, .before = r->seq};
    turns t;
    turns_start(x, &t, look_applied, &a);

    json_t *cmd = json_loads("{\"type\":\"add_note\",\"text\":\"a note\",\"id\":3}", 0, NULL);
    assert_non_null(cmd);
    gv__room_command(r, chair, cmd, json_object_get(cmd, "id"));
    json_decref(cmd);

    turns_until(x, &a.seen);
    assert_true(a.seen);
    assert_true(a.settled_then);
    turns_stop(x, &t);
    gv__client_gone(chair);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_an_http_answer_goes_before_the_settle_and_readers_follow_in_its_turn, setup,
            ip_teardown),
        cmocka_unit_test_setup_teardown(
            test_a_websocket_senders_commit_settles_in_the_turn_that_applies_it, setup,
            ip_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
