/*
 * One store per test case on each engine, for the store's tests that run
 * one body against every engine: "memory", "sqlite" (a scratch folder) and
 * "postgresql" (a schema of its own on the program's throwaway server,
 * pgfx_server, started by pgfx_group_setup). A test program's setup opens
 * one with fx_engine_open and adds what its cases need.
 */
#ifndef GV_TESTS_STORE_ENGINES_FIXTURE_H
#define GV_TESTS_STORE_ENGINES_FIXTURE_H

#include "pg_fixture.h"
#include "store_fixture.h"

typedef struct fixture {
    const char *engine; /** "memory", "sqlite" or "postgresql" */
    char *dir;          /** scratch folder (sqlite only) */
    char location[4200];
    gv_store *s;
} fixture;

/* A new fixture with an open, empty store on the engine named by *state;
 * the case fails if the store cannot be opened. */
static inline fixture *fx_engine_open(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    gv_error err;
    assert_non_null(f);
    f->engine = *state;
    if (strcmp(f->engine, "sqlite") == 0) {
        f->dir = fx_tmpdir();
        assert_non_null(f->dir);
        fx_path(f->location, sizeof f->location, f->dir, "store.db");
    } else if (strcmp(f->engine, "postgresql") == 0) {
        assert_int_equal(pgfx_new_store(&pgfx_server, f->location, sizeof f->location), 0);
    } else {
        snprintf(f->location, sizeof f->location, "memory:");
    }
    f->s = gv_store_open(f->location, GV_STORE_CREATE, &err);
    if (!f->s)
        fail_msg("open %s: %s", f->location, err.msg);
    *state = f;
    return f;
}

static inline int fx_engine_close(void **state)
{
    fixture *f = *state;
    gv_store_close(f->s);
    fx_rmdir(f->dir);
    free(f);
    return 0;
}

/* A case run once on each engine, with the program's setup and teardown. */
#define FX_ON_EACH_ENGINE(t, setup, teardown)                                                      \
    cmocka_unit_test_prestate_setup_teardown(t, setup, teardown, (void *)"memory"),                \
        cmocka_unit_test_prestate_setup_teardown(t, setup, teardown, (void *)"sqlite"),            \
        cmocka_unit_test_prestate_setup_teardown(t, setup, teardown, (void *)"postgresql")

#endif
