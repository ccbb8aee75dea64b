/*
 * A cluster for the tests: a throwaway PostgreSQL (pg-scratch), a NATS
 * server (nats-scratch), N `gavel serve` nodes on the one database, and nginx
 * in front of them with the configuration Gavel ships (nginx-scratch,
 * deploy/nginx/gavel.conf). Everything listens on loopback ports and is
 * stopped at the end; the scripts' watchdogs stop what is left when the
 * test process dies, so a crashed test leaves nothing running.
 *
 * The database holds the test meeting of support.h ("test-panel"); every
 * node serves it, named n0, n1, ..., trusting nginx's X-Real-IP. A node may
 * be killed and started again on its port (tk_node_start), so that nginx's
 * list of nodes stays right.
 *
 * Header-only, like server_client.h which it builds on; include support.h
 * first.
 */
#ifndef GV_TESTS_CLUSTER_H
#define GV_TESTS_CLUSTER_H

#include "pg_fixture.h"
#include "server_client.h"

#define TK_MAX_NODES 6

typedef struct tk_cluster {
    pgfx pg;              /** the database server; the meeting is in pg.uri */
    char nats[256];       /** the NATS URL, "" without NATS */
    char nats_dir[1024];  /** nats-scratch's folder */
    char nginx_dir[1024]; /** nginx-scratch's folder, "" without nginx */
    int nginx_port;       /** nginx's port, 0 without nginx */
    int n;                /** nodes */
    tc_server node[TK_MAX_NODES];
    int port[TK_MAX_NODES]; /** each node's port, kept across restarts */
    const char *extra[16];  /** more options for every node, NULL-ended */
} tk_cluster;

/* Runs a scratch script ("nats-scratch start ...") and reads "A B" from it. */
static TC_UNUSED int tk_script(const char *cmd, char *a, size_t a_size, char *b, size_t b_size)
{
    char line[2048];
    snprintf(line, sizeof line, "%s/tests/support/%s", GV_SOURCE_DIR, cmd);
    FILE *f = popen(line, "r");
    if (!f)
        return -1;
    char fa[1024] = "", fb[1024] = "";
    int n = fscanf(f, "%1023s %1023s", fa, fb);
    int rc = pclose(f);
    if (a)
        snprintf(a, a_size, "%s", fa);
    if (b)
        snprintf(b, b_size, "%s", fb);
    return rc == 0 && (a ? n == 2 : true) ? 0 : -1;
}

/* Starts (or starts again, on its port) node i. 0, or -1. */
static TC_UNUSED int tk_node_start(tk_cluster *k, int i)
{
    char name[16], listen[32];
    snprintf(name, sizeof name, "n%d", i);
    snprintf(listen, sizeof listen, "127.0.0.1:%d", k->port[i]);
    const char *args[40] = {"--meeting",       "test-panel", "--node",   name,
                            "--trusted-proxy", "127.0.0.1",  "--listen", listen};
    int n = 8;
    if (k->nats[0]) {
        args[n++] = "--nats";
        args[n++] = k->nats;
    }
    for (const char *const *e = k->extra; *e && n < 38; e++)
        args[n++] = *e;
    args[n] = NULL;
    /* A port freed by a killed node may take a moment to be free again. */
    for (int attempt = 0; attempt < 20; attempt++) {
        if (tc_server_start(&k->node[i], k->pg.uri, args) == 0) {
            k->port[i] = k->node[i].port;
            return 0;
        }
        if (!k->port[i])
            break;
        tc_sleep_ms(250);
    }
    fprintf(stderr, "tk: node %d did not start\n", i);
    return -1;
}

/* Stops node i: SIGTERM (a clean stop, its exit status returned) or SIGKILL. */
static TC_UNUSED int tk_node_stop(tk_cluster *k, int i, int sig)
{
    return tc_server_stop(&k->node[i], sig);
}

static TC_UNUSED void tk_cluster_stop(tk_cluster *k);

/*
 * Starts PostgreSQL with the test meeting, NATS (when nats), `nodes` nodes
 * with the options `extra` (NULL-ended, may be NULL), and nginx in front of
 * them (when nginx). 0, or -1 with everything stopped.
 */
static TC_UNUSED int tk_cluster_start(tk_cluster *k, int nodes, bool nats, bool nginx,
                                      const char *const *extra)
{
    char cmd[2048];
    memset(k, 0, sizeof *k);
    for (int i = 0; extra && extra[i] && i < 15; i++)
        k->extra[i] = extra[i];
    if (pgfx_start(&k->pg) < 0 || tc_make_db(k->pg.uri) < 0)
        goto fail;
    if (nats) {
        snprintf(cmd, sizeof cmd, "nats-scratch start --owner %ld", (long)getpid());
        if (tk_script(cmd, k->nats, sizeof k->nats, k->nats_dir, sizeof k->nats_dir) < 0)
            goto fail;
    }
    k->n = nodes;
    for (int i = 0; i < nodes; i++)
        if (tk_node_start(k, i) < 0)
            goto fail;
    if (nginx) {
        int len = snprintf(cmd, sizeof cmd, "nginx-scratch start --owner %ld", (long)getpid());
        for (int i = 0; i < nodes; i++)
            len += snprintf(cmd + len, sizeof cmd - (size_t)len, " 127.0.0.1:%d", k->port[i]);
        char url[256];
        if (tk_script(cmd, url, sizeof url, k->nginx_dir, sizeof k->nginx_dir) < 0)
            goto fail;
        const char *colon = strrchr(url, ':');
        k->nginx_port = colon ? atoi(colon + 1) : 0;
    }
    return 0;
fail:
    fprintf(stderr, "tk: the cluster did not start\n");
    tk_cluster_stop(k);
    return -1;
}

/* Kills NATS (SIGKILL) or starts it again on its port. 0, or -1. */
static TC_UNUSED int tk_nats(tk_cluster *k, const char *what)
{
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "nats-scratch %s '%s'", what, k->nats_dir);
    return tk_script(cmd, NULL, 0, NULL, 0);
}

/* Stops every node (SIGTERM; -1 unless each stopped cleanly), nginx, NATS, PostgreSQL. */
static TC_UNUSED int tk_cluster_stop_all(tk_cluster *k)
{
    char cmd[1200];
    int rc = 0;
    for (int i = 0; i < k->n; i++) {
        if (k->node[i].pid <= 0)
            continue;
        int status = tk_node_stop(k, i, SIGTERM);
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            fprintf(stderr, "tk: node %d did not stop cleanly (status %d)\n", i, status);
            rc = -1;
        }
    }
    if (k->nginx_dir[0]) {
        snprintf(cmd, sizeof cmd, "nginx-scratch stop '%s'", k->nginx_dir);
        tk_script(cmd, NULL, 0, NULL, 0);
        k->nginx_dir[0] = '\0';
    }
    if (k->nats_dir[0]) {
        snprintf(cmd, sizeof cmd, "nats-scratch stop '%s'", k->nats_dir);
        tk_script(cmd, NULL, 0, NULL, 0);
        k->nats_dir[0] = '\0';
    }
    pgfx_stop(&k->pg);
    return rc;
}

static TC_UNUSED void tk_cluster_stop(tk_cluster *k)
{
    tk_cluster_stop_all(k);
}

/* A node's /healthz, parsed (the caller decrefs it); NULL when it does not answer. */
static TC_UNUSED json_t *tk_health(int port)
{
    tc_response r;
    if (tc_get(port, "/healthz", NULL, &r) < 0)
        return NULL;
    json_t *j = tc_json(&r);
    tc_response_free(&r);
    return j;
}

#endif
