/*
 * Allocations that fail on demand, for the server's in-process tests.
 *
 * The test programs that include this are linked with
 * -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc (cmake/tests.cmake), so
 * every call the project's own code makes reaches the wrappers below, and
 * fa_init routes jansson's allocations through them too. Libraries that
 * allocate for themselves (libwebsockets, SQLite) are not touched: what is
 * tested is how Gavel's code answers a NULL, not theirs.
 *
 * fa_arm(thread, k): on that thread only, the k-th allocation from now
 * (counted from 0) fails, once, as a momentary shortage would; the others
 * succeed. fa_fired() tells whether it came: a test steps k up from 0 until
 * a run passes without it, and so fails every allocation of the path in
 * turn (SQLite's own malloc tests do the same).
 *
 * With FA_TRACE set in the environment, the stack of each failed
 * allocation goes to standard error (link with -rdynamic for names).
 *
 * Header-only: include once per program.
 */
#ifndef GV_TESTS_SERVER_FAULT_ALLOC_H
#define GV_TESTS_SERVER_FAULT_ALLOC_H

#include <execinfo.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>

#include <jansson.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

static pthread_t fa_thread;
static atomic_bool fa_armed;
static atomic_long fa_left; /** allocations before the one that fails */
static atomic_bool fa_hit;

/* True when this allocation is the one to fail. */
static bool fa_fail_now(void)
{
    if (!atomic_load(&fa_armed) || !pthread_equal(pthread_self(), fa_thread))
        return false;
    if (atomic_fetch_sub(&fa_left, 1) != 0)
        return false;
    atomic_store(&fa_armed, false);
    atomic_store(&fa_hit, true);
    if (getenv("FA_TRACE")) {
        void *frames[24];
        backtrace_symbols_fd(frames, backtrace(frames, 24), 2);
    }
    return true;
}

void *__wrap_malloc(size_t n)
{
    return fa_fail_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
    return fa_fail_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
    return fa_fail_now() ? NULL : __real_realloc(p, n);
}

static void *fa_json_malloc(size_t n)
{
    return __wrap_malloc(n);
}

/* jansson allocates through the wrappers from now on. */
static void fa_init(void)
{
    json_set_alloc_funcs(fa_json_malloc, free);
}

/* The k-th allocation (from 0) made on `thread` from now fails. */
static void fa_arm(pthread_t thread, long k)
{
    fa_thread = thread;
    atomic_store(&fa_left, k);
    atomic_store(&fa_hit, false);
    atomic_store(&fa_armed, true);
}

/* Disarms; true if the armed allocation failed. */
static bool fa_disarm(void)
{
    atomic_store(&fa_armed, false);
    return atomic_load(&fa_hit);
}

#endif
