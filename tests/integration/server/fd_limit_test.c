/*
 * The server keeps its streams a reserve below the files the process may
 * open. Run with a limit of 300 files (set here, inherited by `gavel
 * serve`): it holds 236 streams, refuses the next one at once with a clear
 * message instead of running out of descriptors, still answers other
 * requests, and takes a new stream soon after a reader hangs up.
 */
#include <sys/resource.h>

#include "support.h"

#include "server_client.h"

#define FILES   300
#define STREAMS 236 /* FILES less the reserve of 64 (server.c, fit_descriptors) */

static int setup(void **state)
{
    return tc_fixture_setup(state, "fdlimit", NULL);
}

static void test_streams_stay_below_the_descriptor_limit(void **state)
{
    tc_fixture *f = *state;
    char extra[160];
    snprintf(extra, sizeof extra, "Authorization: Bearer %s\r\n", tc_role_token(&f->srv, "viewer"));
    const char *path = "/api/v1/meetings/test-panel/events";
    static tc_sse s[STREAMS];
    for (int i = 0; i < STREAMS; i++)
        if (tc_sse_open(&s[i], f->srv.port, path, extra) != 200)
            fail_msg("stream %d of %d refused", i + 1, STREAMS);

    /* One more: refused at once, saying why. */
    tc_sse more;
    assert_int_equal(tc_sse_open(&more, f->srv.port, path, extra), 429);
    int64_t deadline = tc_now_ms() + 5000;
    while (!(more.c.buf && strstr(more.c.buf, "maximum of 236 streams")) &&
           tc_fill(&more.c, deadline) >= 0)
        ;
    assert_non_null(more.c.buf);
    assert_non_null(strstr(more.c.buf, "maximum of 236 streams"));
    tc_sse_close(&more);

    /* Other requests are still served. */
    tc_response r;
    assert_int_equal(tc_get(f->srv.port, "/healthz", NULL, &r), 200);
    tc_response_free(&r);
    assert_int_equal(tc_get(f->srv.port, "/api/v1/meetings/test-panel/snapshot",
                            tc_role_token(&f->srv, "viewer"), &r),
                     200);
    tc_response_free(&r);

    /* A stream whose reader hangs up makes room for another: the server
     * watches each SSE stream's socket for its peer's close (hangup.c), not
     * only when a keep-alive write fails 15 to 30 s later. */
    tc_sse_close(&s[0]);
    int64_t t0 = tc_now_ms();
    int status = 0;
    while (status != 200 && tc_now_ms() - t0 < 5000) {
        status = tc_sse_open(&s[0], f->srv.port, path, extra);
        if (status != 200) {
            tc_sse_close(&s[0]);
            tc_sleep_ms(20);
        }
    }
    printf("fd_limit: %d streams held, the next refused; a closed stream's place free again "
           "after %lld ms\n",
           STREAMS, (long long)(tc_now_ms() - t0));
    assert_int_equal(status, 200);
    for (int i = 0; i < STREAMS; i++)
        tc_sse_close(&s[i]);
}

int main(void)
{
    /* Soft and hard: the server raises its soft limit to the hard one. */
    struct rlimit rl = {FILES, FILES};
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0) {
        perror("setrlimit");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_streams_stay_below_the_descriptor_limit, setup,
                                        tc_fixture_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
