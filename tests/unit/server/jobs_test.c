/*
 * The job thread (src/server/jobs.c) as the record route uses it
 * (route_record.c), in process: the server's render_record is the test's,
 * and it holds the job thread at a gate until the test lets it go. So what
 * runs, what waits and what is refused is known without timing:
 *
 *   - the loop answers other requests while a record is being made;
 *   - with one record held and GV__JOBS_WAITING_MAX waiting, the next asks
 *     are refused 503 busy with Retry-After, and the waiting ones are all
 *     answered once the gate opens;
 *   - a client that leaves while its record is made costs nothing more;
 *   - a stop while one is made and others wait lets the first finish and
 *     drops the rest (the DROP rule), freeing everything (ASan checks).
 *
 * These replace tests of the binary that asserted a PDF took at least
 * 200 ms and slept 150 ms before counting 503s. Checked against broken
 * builds: with the job thread's queue one longer (max_waiting
 * GV__JOBS_WAITING_MAX + 1 in jobs.c), test_a_full_queue_is_503 fails; with
 * the job run on the loop thread (gv__jobs_answer_later calling job->run
 * itself), test_the_loop_serves_while_a_record_is_made fails at its
 * deadline instead of passing by luck.
 */
#include "support.h"

#include "inproc.h"
#include "server/jobs.h"

#define RECORD "/api/v1/meetings/test-panel/record?format=md"

/* The gate the test's renderer waits at, shared with the job thread. */
static struct {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int entered; /** renders started */
    bool open;
} gate = {.mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER};

static void gate_reset(void)
{
    pthread_mutex_lock(&gate.mu);
    gate.entered = 0;
    gate.open = false;
    pthread_mutex_unlock(&gate.mu);
}

static void gate_open(void)
{
    pthread_mutex_lock(&gate.mu);
    gate.open = true;
    pthread_cond_broadcast(&gate.cv);
    pthread_mutex_unlock(&gate.mu);
}

/* Waits until n renders have started, failing after 10 s. */
static void gate_wait_entered(int n)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 10;
    pthread_mutex_lock(&gate.mu);
    while (gate.entered < n)
        if (pthread_cond_timedwait(&gate.cv, &gate.mu, &until) == ETIMEDOUT) {
            pthread_mutex_unlock(&gate.mu);
            fail_msg("%d of %d renders started", gate.entered, n);
        }
    pthread_mutex_unlock(&gate.mu);
}

/* The server's render_record: waits at the gate (60 s at most, so that a
 * failed test cannot hang the job thread), then makes a small record. */
static int render(void *ctx, const char *db_path, const char *meeting, const char *document,
                  const char *format, char **out, size_t *len, gv_error *err)
{
    (void)ctx;
    (void)db_path;
    (void)document;
    (void)err;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += 60;
    pthread_mutex_lock(&gate.mu);
    gate.entered++;
    pthread_cond_broadcast(&gate.cv);
    while (!gate.open && pthread_cond_timedwait(&gate.cv, &gate.mu, &until) != ETIMEDOUT)
        ;
    pthread_mutex_unlock(&gate.mu);
    size_t size = strlen(meeting) + strlen(format) + 20;
    if (!(*out = malloc(size)))
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    *len = (size_t)snprintf(*out, size, "record of %s as %s\n", meeting, format);
    return 0;
}

static void tune(gv_server_config *c, void *ud)
{
    (void)ud;
    c->render_record = render;
}

static int setup(void **state)
{
    gate_reset();
    return ip_setup_running(state, "jobs", tune);
}

static int teardown(void **state)
{
    gate_open(); /* whatever a failed test left held */
    return ip_teardown(state);
}

/* Sends a GET of the record (no answer read): the socket. */
static int ask(ip_server *x)
{
    int fd = tc_connect(x->port);
    assert_true(fd >= 0);
    char req[400];
    int n = snprintf(req, sizeof req,
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n"
                     "Connection: close\r\n\r\n",
                     RECORD, ip_token(x, "secretariat"));
    assert_int_equal(tc_write_all(fd, req, (size_t)n), 0);
    return fd;
}

/* Reads the whole answer on fd (closing it): its status, *body when asked. */
static int answer(int fd, tc_response *r)
{
    tc_conn c = {.fd = fd};
    memset(r, 0, sizeof *r);
    int64_t deadline = tc_now_ms() + 10000;
    assert_int_equal(tc_read_head(&c, r, deadline), 0);
    while (!c.eof && tc_fill(&c, deadline) > 0)
        ;
    r->body = strndup(c.buf ? c.buf : "", c.len);
    r->body_len = c.len;
    tc_conn_close(&c);
    return r->status;
}

/* Waits until n jobs wait behind the running one, failing after 10 s. */
static void wait_queued(ip_server *x, size_t n)
{
    int64_t deadline = tc_now_ms() + 10000;
    while (gv_worker_waiting(x->s->jobs) < n) {
        if (tc_now_ms() > deadline)
            fail_msg("%zu of %zu jobs queued", gv_worker_waiting(x->s->jobs), n);
        tc_sleep_ms(1);
    }
}

static void test_the_loop_serves_while_a_record_is_made(void **state)
{
    ip_server *x = *state;
    int fd = ask(x);
    gate_wait_entered(1);
    /* The job thread is held in the render: the loop answers the rest. */
    for (int i = 0; i < 10; i++) {
        tc_response r;
        assert_int_equal(tc_get(x->port,
                                i % 2 ? "/healthz" : "/api/v1/meetings/test-panel/snapshot",
                                i % 2 ? NULL : ip_token(x, "viewer"), &r),
                         200);
        tc_response_free(&r);
    }
    gate_open();
    tc_response r;
    assert_int_equal(answer(fd, &r), 200);
    assert_string_equal(r.body, "record of test-panel as md\n");
    tc_response_free(&r);
}

static void test_a_full_queue_is_503(void **state)
{
    ip_server *x = *state;
    int first = ask(x);
    gate_wait_entered(1);
    int fds[GV__JOBS_WAITING_MAX];
    for (int i = 0; i < GV__JOBS_WAITING_MAX; i++)
        fds[i] = ask(x);
    wait_queued(x, GV__JOBS_WAITING_MAX);
    /* The queue is full: the next ones are refused at once, the job held. */
    for (int i = 0; i < 3; i++) {
        tc_response r;
        assert_int_equal(answer(ask(x), &r), 503);
        char h[16];
        assert_string_equal(tc_header(r.head, "retry-after", h, sizeof h), "5");
        json_t *j = tc_json(&r);
        assert_string_equal(json_string_value(json_object_get(j, "code")), "busy");
        json_decref(j);
        tc_response_free(&r);
    }
    gate_open();
    tc_response r;
    assert_int_equal(answer(first, &r), 200);
    tc_response_free(&r);
    for (int i = 0; i < GV__JOBS_WAITING_MAX; i++) {
        assert_int_equal(answer(fds[i], &r), 200);
        tc_response_free(&r);
    }
}

static void test_a_client_that_leaves_costs_nothing_more(void **state)
{
    ip_server *x = *state;
    close(ask(x));
    gate_wait_entered(1);
    int next = ask(x);
    wait_queued(x, 1);
    gate_open();
    tc_response r;
    assert_int_equal(answer(next, &r), 200);
    tc_response_free(&r);
    assert_int_equal(tc_get(x->port, "/healthz", NULL, &r), 200);
    tc_response_free(&r);
}

static void test_a_stop_lets_the_running_job_finish_and_drops_the_rest(void **state)
{
    ip_server *x = *state;
    int fd = ask(x);
    gate_wait_entered(1);
    int waiting = ask(x);
    wait_queued(x, 1);
    /* The stop: the loop ends (no stream holds it), the running job is let
     * finish, the waiting one never runs; teardown frees all of it. */
    gv_server_stop(x->s);
    pthread_join(x->loop, NULL);
    x->running = false;
    /* gv__jobs_stop, as gv_server_free calls it, in two halves so that the
     * gate can open between them: the stop begins (DROP: nothing more is
     * taken), the running job finishes, the thread is joined. */
    gv_worker_stop_begin(x->s->jobs);
    gate_open();
    gv__jobs_stop(x->s);
    assert_int_equal(gate.entered, 1);
    close(fd);
    close(waiting);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_the_loop_serves_while_a_record_is_made, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_full_queue_is_503, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_client_that_leaves_costs_nothing_more, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_a_stop_lets_the_running_job_finish_and_drops_the_rest,
                                        setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
