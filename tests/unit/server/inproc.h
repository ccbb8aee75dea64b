/*
 * A server in the test's own process: gv_server_new on a fresh database that
 * holds the test meeting of support.h, optionally its event loop on a thread
 * of the test, and the role links it issues. For tests that reach into the
 * server (its store, to force failures; its job thread; its rooms and
 * clients) or hand it callbacks (render_record), which a separate process
 * cannot take. The clients' side is tests/support/server_client.h.
 *
 * Header-only: each test program includes it once, after support.h.
 */
#ifndef GV_TESTS_SERVER_INPROC_H
#define GV_TESTS_SERVER_INPROC_H

#include <pthread.h>
#include <signal.h>

#include "server/server.h"
#include "server/links.h"
#include "server/room.h"
#include "server/server_internal.h"
#include "server/storage.h"
#include "server_client.h"
#include "store/create.h"

#define IP_MAX_LINKS 16

typedef struct ip_server {
    char dir[128], db[256];
    gv_server *s;
    pthread_t loop;
    bool running; /** the loop runs on `loop` */
    int port;
    int n_links;
    char roles[IP_MAX_LINKS][32];
    char tokens[IP_MAX_LINKS][GV_LINKS_TOKEN_CHARS + 1];
} ip_server;

static void ip_collect(void *arg, const char *role, const char *url)
{
    ip_server *x = arg;
    const char *t = strstr(url, "/join/");
    if (!t || x->n_links == IP_MAX_LINKS)
        return;
    snprintf(x->roles[x->n_links], sizeof x->roles[0], "%s", role);
    snprintf(x->tokens[x->n_links], sizeof x->tokens[0], "%s", t + 6);
    x->n_links++;
}

/* The token of the role link issued at start (tc_role_token's twin). */
static TC_UNUSED const char *ip_token(const ip_server *x, const char *role)
{
    for (int i = 0; i < x->n_links; i++)
        if (strcmp(x->roles[i], role) == 0)
            return x->tokens[i];
    fail_msg("no %s link", role);
    return NULL;
}

/*
 * Makes a database with the test meeting in a fresh folder and a server on
 * it, listening on a free loopback port, with the config changed by tune
 * (may be NULL). Issues a link for each role. The loop does not run yet.
 */
static TC_UNUSED void ip_new(ip_server *x, const char *name,
                             void (*tune)(gv_server_config *c, void *ud), void *ud)
{
    memset(x, 0, sizeof *x);
    signal(SIGPIPE, SIG_IGN);
    tc_tempdir(x->dir, sizeof x->dir, name);
    snprintf(x->db, sizeof x->db, "%s/gavel.db", x->dir);
    assert_int_equal(tc_make_db(x->db), 0);
    gv_server_config c;
    gv_server_config_init(&c);
    c.db_path = x->db;
    c.port = 0;
    if (tune)
        tune(&c, ud);
    gv_error err;
    gv_error_clear(&err);
    x->s = gv_server_new(&c, &err);
    if (!x->s)
        fail_msg("gv_server_new: %s", err.msg);
    x->port = gv_server_port(x->s);
    assert_int_equal(gv_server_role_links(x->s, "test-panel", ip_collect, x, &err), 0);
}

static void *ip_loop_main(void *arg)
{
    ip_server *x = arg;
    gv_server_run(x->s);
    return NULL;
}

/* Runs the event loop on a thread of the test. */
static TC_UNUSED void ip_run(ip_server *x)
{
    assert_int_equal(pthread_create(&x->loop, NULL, ip_loop_main, x), 0);
    x->running = true;
}

/* Stops the loop (if it runs) and frees the server; removes the folder. */
static TC_UNUSED void ip_free(ip_server *x)
{
    if (x->running) {
        gv_server_stop(x->s);
        pthread_join(x->loop, NULL);
        x->running = false;
    }
    gv_server_free(x->s);
    x->s = NULL;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", x->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", x->dir);
}

/* A test's setup, kept in one ip_server per test program: a server made by
 * ip_new (name, tune), its loop not running (the test turns it: ip_settle).
 * ip_teardown frees it. */
static TC_UNUSED int ip_setup(void **state, const char *name,
                              void (*tune)(gv_server_config *c, void *ud))
{
    static ip_server x;
    ip_new(&x, name, tune, NULL);
    *state = &x;
    return 0;
}

/* The same with its loop running. */
static TC_UNUSED int ip_setup_running(void **state, const char *name,
                                      void (*tune)(gv_server_config *c, void *ud))
{
    ip_setup(state, name, tune);
    ip_run(*state);
    return 0;
}

static TC_UNUSED int ip_teardown(void **state)
{
    ip_free(*state);
    return 0;
}

/* What the loop's wake-up does for commits, for a loop that does not run:
 * polls the store's writer until nothing is in flight (failing after 10 s),
 * then settles the rooms (their patches, the readers' own parts). */
static TC_UNUSED void ip_settle(ip_server *x)
{
    int64_t deadline = tc_now_ms() + 10000;
    while (gv__storage_in_flight(x->s) > 0) {
        if (tc_now_ms() > deadline)
            fail_msg("commits still in flight after 10 s");
        gv__storage_poll(x->s);
        if (gv__storage_in_flight(x->s) > 0)
            tc_sleep_ms(1);
    }
    gv__rooms_settle(x->s);
}

#endif
