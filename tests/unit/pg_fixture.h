/*
 * A throwaway PostgreSQL server for the tests that run against the
 * PostgreSQL engine: started once per test program by
 * tests/support/pg-scratch (initdb into a new folder, a free loopback port)
 * and stopped at the end; its watchdog stops it too when the program dies
 * before that. Each test case takes a new schema of its own
 * (pgfx_new_store), so cases never see each other's tables.
 */
#ifndef GV_TESTS_PG_FIXTURE_H
#define GV_TESTS_PG_FIXTURE_H

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct pgfx {
    char uri[256];  /** the server's database, as pg-scratch printed it */
    char dir[1024]; /** the folder pg-scratch made, for stopping it */
    int schemas;    /** schemas made so far */
} pgfx;

/* Starts the server; 0, or -1 with a message on stderr. */
static inline int pgfx_start(pgfx *p)
{
    char cmd[1200];
    memset(p, 0, sizeof *p);
    snprintf(cmd, sizeof cmd, "%s/tests/support/pg-scratch start --owner %ld", GV_SOURCE_DIR,
             (long)getpid());
    FILE *f = popen(cmd, "r");
    if (!f)
        return -1;
    int n = fscanf(f, "%255s %1023s", p->uri, p->dir);
    int rc = pclose(f);
    if (n != 2 || rc != 0) {
        fprintf(stderr, "pgfx: pg-scratch did not start a server (exit %d)\n", rc);
        return -1;
    }
    return 0;
}

/* Stops the server and removes its folder. */
static inline void pgfx_stop(pgfx *p)
{
    char cmd[1200];
    if (!p->dir[0])
        return;
    snprintf(cmd, sizeof cmd, "%s/tests/support/pg-scratch stop '%s'", GV_SOURCE_DIR, p->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "pgfx: could not stop the server in %s\n", p->dir);
    p->dir[0] = '\0';
}

/* The server of a test program, started once for all its cases: the program
 * gives pgfx_group_setup and pgfx_group_teardown to cmocka_run_group_tests. */
static pgfx pgfx_server;

static inline int pgfx_group_setup(void **state)
{
    (void)state;
    return pgfx_start(&pgfx_server);
}

static inline int pgfx_group_teardown(void **state)
{
    (void)state;
    pgfx_stop(&pgfx_server);
    return 0;
}

/* Runs SQL on the server's database; 0, or -1 with the server's message on stderr. */
static inline int pgfx_exec(const char *uri, const char *sql)
{
    PGconn *c = PQconnectdb(uri);
    int rc = -1;
    if (PQstatus(c) == CONNECTION_OK) {
        PGresult *r = PQexec(c, sql);
        ExecStatusType st = PQresultStatus(r);
        rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : -1;
        if (rc)
            fprintf(stderr, "pgfx: %s: %s", sql, PQerrorMessage(c));
        PQclear(r);
    } else {
        fprintf(stderr, "pgfx: %s", PQerrorMessage(c));
    }
    PQfinish(c);
    return rc;
}

/*
 * Makes a new, empty schema and writes into `out` a URI whose connections
 * use it (their search_path), so a store opened there starts empty.
 * Returns 0, or -1.
 */
static inline int pgfx_new_store(pgfx *p, char *out, size_t size)
{
    char sql[64];
    int k = ++p->schemas;
    snprintf(sql, sizeof sql, "CREATE SCHEMA t%d", k);
    if (pgfx_exec(p->uri, sql) != 0)
        return -1;
    snprintf(out, size, "%s?options=-csearch_path%%3Dt%d", p->uri, k);
    return 0;
}

#endif
