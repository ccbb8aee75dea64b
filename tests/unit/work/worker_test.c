/*
 * The background worker (src/work/worker.c): order, groups, the bound on
 * waiting items, waiting for one item, and both stop rules.
 *
 * Nothing here depends on how fast the threads run: a "gate" item holds the
 * worker inside run() until the test lets it go, so what waits behind it is
 * known, and every wait has a deadline (10 s) that only a broken worker
 * reaches.
 */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "work/worker.h"

#define DEADLINE_S 10
#define MAX_ITEMS  32

typedef struct item {
    gv_work work; /** first */
    int id;
    bool gate;     /** holds the worker until released */
    int done_runs; /** times done() was called */
    bool done_ran; /** `ran` as done() saw it */
} item;

/* What the test and the worker thread share, under mu. */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool gate_entered, gate_open;
    int ran[MAX_ITEMS]; /** ids in the order they ran */
    int n_ran;
    size_t groups[MAX_ITEMS]; /** sizes of the groups run_group got */
    int n_groups;
    int wakes;
    bool wake_off_main; /** every wake came from another thread */
    pthread_t main_thread;
} t = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static void reset(void)
{
    pthread_mutex_lock(&t.mu);
    t.gate_entered = t.gate_open = false;
    t.n_ran = t.n_groups = t.wakes = 0;
    t.wake_off_main = true;
    t.main_thread = pthread_self();
    pthread_mutex_unlock(&t.mu);
}

static struct timespec deadline(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += DEADLINE_S;
    return ts;
}

/* Waits (t.mu held) until *flag, failing the test at the deadline. */
static void wait_for(const bool *flag)
{
    struct timespec until = deadline();
    while (!*flag)
        assert_int_not_equal(pthread_cond_timedwait(&t.cv, &t.mu, &until), ETIMEDOUT);
}

static void run_one(item *it)
{
    pthread_mutex_lock(&t.mu);
    if (it->gate) {
        t.gate_entered = true;
        pthread_cond_broadcast(&t.cv);
        wait_for(&t.gate_open);
    }
    t.ran[t.n_ran++] = it->id;
    pthread_mutex_unlock(&t.mu);
}

static void item_run(gv_work *w)
{
    run_one((item *)w);
}

static void group_run(void *ud, gv_work *first, size_t n)
{
    (void)ud;
    size_t seen = 0;
    for (gv_work *w = first; w; w = w->next, seen++)
        run_one((item *)w);
    assert_int_equal(seen, n);
    pthread_mutex_lock(&t.mu);
    t.groups[t.n_groups++] = n;
    pthread_mutex_unlock(&t.mu);
}

static void item_done(gv_work *w, void *arg)
{
    item *it = (item *)w;
    assert_ptr_equal(arg, &t);
    it->done_runs++;
    it->done_ran = w->ran;
}

static void wake(void *ud)
{
    (void)ud;
    pthread_mutex_lock(&t.mu);
    t.wakes++;
    if (pthread_equal(pthread_self(), t.main_thread))
        t.wake_off_main = false;
    pthread_cond_broadcast(&t.cv);
    pthread_mutex_unlock(&t.mu);
}

static gv_worker *worker(gv_worker_rule rule, size_t max_waiting, bool grouped)
{
    gv_worker_config cfg = {.name = "the test worker",
                            .at_stop = rule,
                            .max_waiting = max_waiting,
                            .wake = wake,
                            .run_group = grouped ? group_run : NULL,
                            .max_group = grouped ? 100 : 0};
    gv_error err;
    gv_worker *w = gv_worker_new(&cfg, &err);
    assert_non_null(w);
    reset();
    return w;
}

static void init(item *items, int n, bool first_is_gate)
{
    memset(items, 0, (size_t)n * sizeof *items);
    for (int i = 0; i < n; i++) {
        items[i].id = i;
        items[i].gate = first_is_gate && i == 0;
        items[i].work.run = item_run;
        items[i].work.done = item_done;
    }
}

static void submit_ok(gv_worker *w, item *it)
{
    gv_error err;
    assert_int_equal(gv_worker_submit(w, &it->work, &err), 0);
}

/* Submits the gate and waits until the worker is inside it. */
static void hold(gv_worker *w, item *gate)
{
    submit_ok(w, gate);
    pthread_mutex_lock(&t.mu);
    wait_for(&t.gate_entered);
    pthread_mutex_unlock(&t.mu);
}

static void release(void)
{
    pthread_mutex_lock(&t.mu);
    t.gate_open = true;
    pthread_cond_broadcast(&t.cv);
    pthread_mutex_unlock(&t.mu);
}

/* Polls until n items came back, waiting for wake-ups, failing at the deadline. */
static void poll_until(gv_worker *w, size_t n)
{
    size_t got = 0;
    struct timespec until = deadline();
    pthread_mutex_lock(&t.mu);
    for (;;) {
        int wakes = t.wakes; /* a wake-up after this is seen below */
        pthread_mutex_unlock(&t.mu);
        got += gv_worker_poll(w, &t);
        pthread_mutex_lock(&t.mu);
        if (got >= n)
            break;
        while (t.wakes == wakes)
            if (pthread_cond_timedwait(&t.cv, &t.mu, &until) == ETIMEDOUT) {
                pthread_mutex_unlock(&t.mu);
                fail_msg("only %zu of %zu items came back", got, n);
            }
    }
    pthread_mutex_unlock(&t.mu);
    assert_int_equal(got, n);
}

static void test_runs_in_order_and_hands_back_on_the_poller(void **state)
{
    (void)state;
    gv_worker *w = worker(GV_WORKER_DRAIN, 0, false);
    item items[6];
    init(items, 6, true);
    hold(w, &items[0]);
    for (int i = 1; i < 6; i++)
        submit_ok(w, &items[i]);
    assert_int_equal(gv_worker_waiting(w), 5);
    assert_int_equal(gv_worker_poll(w, &t), 0); /* nothing finished yet */
    release();
    poll_until(w, 6);
    for (int i = 0; i < 6; i++) {
        assert_int_equal(t.ran[i], i);
        assert_int_equal(items[i].done_runs, 1);
        assert_true(items[i].done_ran);
        assert_true(items[i].work.submitted_us <= items[i].work.started_us);
        assert_true(items[i].work.started_us <= items[i].work.finished_us);
    }
    assert_true(t.wakes >= 1);
    assert_true(t.wake_off_main);
    gv_worker_free(w, &t);
}

static void test_a_group_takes_everything_waiting(void **state)
{
    (void)state;
    gv_worker *w = worker(GV_WORKER_DRAIN, 0, true);
    item items[6];
    init(items, 6, true);
    hold(w, &items[0]);
    for (int i = 1; i < 6; i++)
        submit_ok(w, &items[i]);
    release();
    poll_until(w, 6);
    /* The gate ran alone; the five that waited behind it ran as one group. */
    assert_int_equal(t.n_groups, 2);
    assert_int_equal(t.groups[0], 1);
    assert_int_equal(t.groups[1], 5);
    for (int i = 0; i < 6; i++)
        assert_int_equal(t.ran[i], i);
    gv_worker_free(w, &t);
}

static void test_a_full_queue_is_busy(void **state)
{
    (void)state;
    gv_worker *w = worker(GV_WORKER_DRAIN, 2, false);
    item items[4];
    init(items, 4, true);
    gv_error err;
    hold(w, &items[0]);
    submit_ok(w, &items[1]);
    submit_ok(w, &items[2]);
    assert_int_equal(gv_worker_submit(w, &items[3].work, &err), GV_EBUSY);
    assert_non_null(strstr(err.msg, "the test worker"));
    release();
    poll_until(w, 3);
    assert_int_equal(items[3].done_runs, 0); /* refused items are never the worker's */
    gv_worker_free(w, &t);
}

/* Begins the stop while the gate holds the worker, checks that new items
 * are refused from then on, then lets the gate go and finishes the stop. */
static void stop_while_held(gv_worker *w)
{
    gv_worker_stop_begin(w);
    item probe;
    init(&probe, 1, false);
    gv_error err;
    assert_int_equal(gv_worker_submit(w, &probe.work, &err), GV_ESTATE);
    assert_non_null(strstr(err.msg, "stopping"));
    release();
    gv_worker_stop(w);
}

static void test_drain_runs_what_was_queued(void **state)
{
    (void)state;
    gv_worker *w = worker(GV_WORKER_DRAIN, 0, false);
    item items[4];
    init(items, 4, true);
    hold(w, &items[0]);
    for (int i = 1; i < 4; i++)
        submit_ok(w, &items[i]);
    stop_while_held(w);
    assert_int_equal(gv_worker_poll(w, &t), 4);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(items[i].done_runs, 1);
        assert_true(items[i].done_ran);
    }
    assert_int_equal(t.n_ran, 4);
    gv_worker_free(w, &t);
}

static void test_drop_hands_back_what_never_ran(void **state)
{
    (void)state;
    gv_worker *w = worker(GV_WORKER_DROP, 0, false);
    item items[4];
    init(items, 4, true);
    hold(w, &items[0]);
    for (int i = 1; i < 4; i++)
        submit_ok(w, &items[i]);
    stop_while_held(w);
    gv_worker_free(w, &t); /* hands back what is left */
    assert_int_equal(t.n_ran, 1);
    assert_true(items[0].done_ran);
    for (int i = 0; i < 4; i++)
        assert_int_equal(items[i].done_runs, 1);
    for (int i = 1; i < 4; i++)
        assert_false(items[i].done_ran);
}

static void test_submit_wait_returns_once_run(void **state)
{
    (void)state;
    gv_worker *w = worker(GV_WORKER_DRAIN, 0, false);
    item it;
    init(&it, 1, false);
    gv_error err;
    assert_int_equal(gv_worker_submit_wait(w, &it.work, &err), 0);
    assert_true(it.work.ran);
    assert_int_equal(t.n_ran, 1);
    assert_int_equal(gv_worker_poll(w, &t), 0); /* its done() is not called */
    assert_int_equal(it.done_runs, 0);
    gv_worker_free(w, &t);
}

typedef struct waiter {
    gv_worker *w;
    item *it;
    int rc;
    pthread_t thread;
} waiter;

static void *wait_main(void *arg)
{
    waiter *x = arg;
    gv_error err;
    x->rc = gv_worker_submit_wait(x->w, &x->it->work, &err);
    return NULL;
}

static void test_a_waiter_is_woken_when_dropped(void **state)
{
    (void)state;
    gv_worker *w = worker(GV_WORKER_DROP, 0, false);
    item items[2];
    init(items, 2, true);
    hold(w, &items[0]);
    waiter x = {.w = w, .it = &items[1], .rc = 1};
    assert_int_equal(pthread_create(&x.thread, NULL, wait_main, &x), 0);
    struct timespec pause = {0, 1000000};
    for (int i = 0; gv_worker_waiting(w) == 0; i++) {
        assert_true(i < DEADLINE_S * 1000);
        nanosleep(&pause, NULL);
    }
    stop_while_held(w);
    assert_int_equal(pthread_join(x.thread, NULL), 0);
    assert_int_equal(x.rc, GV_ESTATE);
    assert_false(items[1].work.ran);
    gv_worker_free(w, &t);
    assert_int_equal(items[1].done_runs, 0);
}

static void test_a_worker_never_used_starts_no_thread(void **state)
{
    (void)state;
    gv_worker *w = worker(GV_WORKER_DRAIN, 0, false);
    gv_worker_stop(w);
    item it;
    init(&it, 1, false);
    gv_error err;
    assert_int_equal(gv_worker_submit(w, &it.work, &err), GV_ESTATE);
    gv_worker_free(w, &t);
    gv_worker_free(NULL, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_runs_in_order_and_hands_back_on_the_poller),
        cmocka_unit_test(test_a_group_takes_everything_waiting),
        cmocka_unit_test(test_a_full_queue_is_busy),
        cmocka_unit_test(test_drain_runs_what_was_queued),
        cmocka_unit_test(test_drop_hands_back_what_never_ran),
        cmocka_unit_test(test_submit_wait_returns_once_run),
        cmocka_unit_test(test_a_waiter_is_woken_when_dropped),
        cmocka_unit_test(test_a_worker_never_used_starts_no_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
