/*
 * When the loop settles the rooms' commits: after the HTTP answers they owe
 * are written.
 *
 * Settling (room_patch.c) makes each read view's patch and writes every
 * reader: about one serialisation and one diff of the state per read view,
 * a few milliseconds with a room of 300 people. The commits' answers wait for
 * none of it: an HTTP command's answer goes out in a writeable callback, and
 * a wake-up asks for those. Settled inside the wake-up, as it was, every
 * answer waited for the settle and, under load, for the next turn's too
 * (docs/decisions/0010-the-stream-write-path.md).
 *
 * So a wake-up whose commits owe HTTP answers (gv__settle_answer_owed, from
 * client.c) marks them due (gv__settle_soon) and the settle runs in the next
 * turn of the loop, after that turn's sockets:
 *
 *   due --prepare (the next turn starts)--> armed
 *   armed --check, lowest priority, after the turn's I/O callbacks--> settled
 *
 * The check watcher runs in every turn, after every callback of higher
 * priority (lws's sockets are at the default one), however busy the loop
 * is: an idle watcher would run only when nothing else is pending, never
 * under load. While a settle is due an idle watcher of ours is active, which
 * makes libev poll without waiting: the turn comes at once, and its readers
 * get the events one turn after the wake-up, a turn that waits for nothing.
 * A wake-up that owes no HTTP answer settles at once, as before: a WebSocket
 * sender's acknowledgement follows its events (docs/protocol.md, rule 3), so
 * it goes with the settle, and nothing is gained by waiting.
 */
#include "server/settle.h"

#include <stdlib.h>

#include <ev.h>

#include "server/room.h"

struct gv__settle {
    ev_prepare arm;
    ev_check run;
    ev_idle nowait; /** active while a settle is due: the next poll does not wait */
    bool due;       /** commits were applied since the last settle */
    bool answers;   /** HTTP answers were made since the last wake-up */
    bool armed;     /** due when this turn started: settled at its end */
};

static void arm(struct ev_loop *loop, ev_prepare *w, int revents)
{
    (void)loop;
    (void)revents;
    struct gv__settle *t = w->data;
    t->armed = t->due;
}

static void run(struct ev_loop *loop, ev_check *w, int revents)
{
    (void)revents;
    struct gv_server *s = w->data;
    struct gv__settle *t = s->settle;
    if (!t->armed)
        return;
    t->armed = t->due = false;
    ev_idle_stop(loop, &t->nowait);
    gv__rooms_settle(s);
}

static void nowait(struct ev_loop *loop, ev_idle *w, int revents)
{
    (void)loop;
    (void)w;
    (void)revents;
}

int gv__settle_open(struct gv_server *s)
{
    struct gv__settle *t = calloc(1, sizeof *t);
    if (!t)
        return GV_ENOMEM;
    ev_prepare_init(&t->arm, arm);
    t->arm.data = t;
    ev_check_init(&t->run, run);
    ev_set_priority(&t->run, EV_MINPRI);
    t->run.data = s;
    ev_idle_init(&t->nowait, nowait);
    ev_set_priority(&t->nowait, EV_MINPRI);
    ev_prepare_start(s->loop, &t->arm);
    ev_check_start(s->loop, &t->run);
    s->settle = t;
    return 0;
}

void gv__settle_answer_owed(struct gv_server *s)
{
    if (s->settle)
        s->settle->answers = true;
}

void gv__settle_soon(struct gv_server *s)
{
    struct gv__settle *t = s->settle;
    if (!t->answers) {
        gv__rooms_settle(s);
        return;
    }
    t->answers = false;
    t->due = true;
    ev_idle_start(s->loop, &t->nowait);
}

void gv__settle_close(struct gv_server *s)
{
    struct gv__settle *t = s->settle;
    if (!t)
        return;
    ev_prepare_stop(s->loop, &t->arm);
    ev_check_stop(s->loop, &t->run);
    ev_idle_stop(s->loop, &t->nowait);
    free(t);
    s->settle = NULL;
}
