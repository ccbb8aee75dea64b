/*
 * The worker thread and its two lists (see worker.h for the flow and the
 * stop rules).
 *
 * An item moves through three places, always under w->mu when it moves:
 *   waiting    submitted, not yet taken          (gv_worker_submit*)
 *   running    taken by the thread; no lock held while it runs
 *   finished   on the list gv_worker_poll empties, or, for a waited item,
 *              marked finished for its waiter
 * The thread ends when `stopping` is set and, by the rule, nothing more is
 * to run: with DRAIN once `waiting` is empty, with DROP at once (what was
 * waiting is moved to `finished` unrun by gv_worker_stop after the join).
 */
#include "work/worker.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct gv_worker {
    gv_worker_config cfg;
    pthread_t thread;
    bool started; /** the thread exists and has not been joined */
    bool joined;
    pthread_mutex_t mu;     /** guards everything below */
    pthread_cond_t work_cv; /** an item is waiting, or stopping was set */
    pthread_cond_t done_cv; /** a waited item finished */
    gv_work *waiting, **waiting_tail;
    size_t n_waiting;
    gv_work *finished, **finished_tail;
    bool stopping;
};

static int64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void push(gv_work ***tail, gv_work *item)
{
    item->next = NULL;
    **tail = item;
    *tail = &item->next;
}

/* Moves an item out of the worker's hands (w->mu held): to its waiter, or to
 * the finished list. Returns true when it went to the list. */
static bool finish(gv_worker *w, gv_work *item)
{
    if (item->waited) {
        item->finished = true;
        pthread_cond_broadcast(&w->done_cv);
        return false;
    }
    push(&w->finished_tail, item);
    return true;
}

/* Takes the next items to run (w->mu held): one, or up to max_group. */
static gv_work *take(gv_worker *w, size_t *n)
{
    size_t max = w->cfg.run_group && w->cfg.max_group > 1 ? w->cfg.max_group : 1;
    gv_work *first = w->waiting, *last = first;
    *n = 1;
    while (last->next && *n < max) {
        last = last->next;
        (*n)++;
    }
    w->waiting = last->next;
    last->next = NULL;
    if (!w->waiting)
        w->waiting_tail = &w->waiting;
    w->n_waiting -= *n;
    return first;
}

static void *worker_main(void *arg)
{
    gv_worker *w = arg;
    pthread_mutex_lock(&w->mu);
    for (;;) {
        while (!w->waiting && !w->stopping)
            pthread_cond_wait(&w->work_cv, &w->mu);
        if (!w->waiting || (w->stopping && w->cfg.at_stop == GV_WORKER_DROP))
            break;
        size_t n;
        gv_work *group = take(w, &n);
        pthread_mutex_unlock(&w->mu);

        int64_t start = mono_us();
        for (gv_work *it = group; it; it = it->next)
            it->started_us = start;
        if (w->cfg.run_group) {
            w->cfg.run_group(w->cfg.group_ud, group, n);
        } else {
            group->run(group);
        }
        int64_t end = mono_us();

        pthread_mutex_lock(&w->mu);
        bool queued = false;
        while (group) {
            gv_work *it = group;
            group = it->next;
            it->ran = true;
            it->finished_us = end;
            queued = finish(w, it) || queued;
        }
        if (queued && w->cfg.wake) {
            pthread_mutex_unlock(&w->mu);
            w->cfg.wake(w->cfg.wake_ud);
            pthread_mutex_lock(&w->mu);
        }
    }
    pthread_mutex_unlock(&w->mu);
    return NULL;
}

gv_worker *gv_worker_new(const gv_worker_config *cfg, gv_error *err)
{
    gv_worker *w = calloc(1, sizeof *w);
    if (!w) {
        gv_error_set(err, GV_ENOMEM, "out of memory making %s", cfg->name);
        return NULL;
    }
    w->cfg = *cfg;
    w->waiting_tail = &w->waiting;
    w->finished_tail = &w->finished;
    pthread_mutex_init(&w->mu, NULL);
    pthread_cond_init(&w->work_cv, NULL);
    pthread_cond_init(&w->done_cv, NULL);
    return w;
}

/* Starts the thread (w->mu held). */
static int start_locked(gv_worker *w, gv_error *err)
{
    if (w->started || w->joined)
        return 0;
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&w->thread, NULL, worker_main, w);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0)
        return gv_error_set(err, GV_EIO, "cannot start %s: %s", w->cfg.name, strerror(rc));
    w->started = true;
    return 0;
}

int gv_worker_start(gv_worker *w, gv_error *err)
{
    pthread_mutex_lock(&w->mu);
    int rc = start_locked(w, err);
    pthread_mutex_unlock(&w->mu);
    return rc;
}

/* Queues item (w->mu held), or says why not. */
static int enqueue_locked(gv_worker *w, gv_work *item, gv_error *err)
{
    if (w->stopping)
        return gv_error_set(err, GV_ESTATE, "%s is stopping: nothing was queued", w->cfg.name);
    if (w->cfg.max_waiting && w->n_waiting >= w->cfg.max_waiting)
        return gv_error_set(err, GV_EBUSY, "%s has %zu items waiting already: try again shortly",
                            w->cfg.name, w->n_waiting);
    int rc = start_locked(w, err);
    if (rc < 0)
        return rc;
    item->ran = false;
    item->finished = false;
    item->submitted_us = mono_us();
    item->started_us = item->finished_us = 0;
    push(&w->waiting_tail, item);
    w->n_waiting++;
    pthread_cond_signal(&w->work_cv);
    return 0;
}

int gv_worker_submit(gv_worker *w, gv_work *item, gv_error *err)
{
    pthread_mutex_lock(&w->mu);
    item->waited = false;
    int rc = enqueue_locked(w, item, err);
    pthread_mutex_unlock(&w->mu);
    return rc;
}

int gv_worker_submit_wait(gv_worker *w, gv_work *item, gv_error *err)
{
    pthread_mutex_lock(&w->mu);
    item->waited = true;
    int rc = enqueue_locked(w, item, err);
    while (rc == 0 && !item->finished)
        pthread_cond_wait(&w->done_cv, &w->mu);
    pthread_mutex_unlock(&w->mu);
    if (rc == 0 && !item->ran)
        rc = gv_error_set(err, GV_ESTATE, "%s stopped before it ran this", w->cfg.name);
    return rc;
}

size_t gv_worker_poll(gv_worker *w, void *arg)
{
    pthread_mutex_lock(&w->mu);
    gv_work *list = w->finished;
    w->finished = NULL;
    w->finished_tail = &w->finished;
    pthread_mutex_unlock(&w->mu);
    size_t n = 0;
    while (list) {
        gv_work *next = list->next;
        list->done(list, arg); /* may free the item */
        list = next;
        n++;
    }
    return n;
}

size_t gv_worker_waiting(gv_worker *w)
{
    pthread_mutex_lock(&w->mu);
    size_t n = w->n_waiting;
    pthread_mutex_unlock(&w->mu);
    return n;
}

void gv_worker_stop_begin(gv_worker *w)
{
    pthread_mutex_lock(&w->mu);
    w->stopping = true;
    pthread_cond_broadcast(&w->work_cv);
    pthread_mutex_unlock(&w->mu);
}

void gv_worker_stop(gv_worker *w)
{
    gv_worker_stop_begin(w);
    pthread_mutex_lock(&w->mu);
    bool started = w->started, joined = w->joined;
    pthread_mutex_unlock(&w->mu);
    if (joined)
        return;
    if (started)
        pthread_join(w->thread, NULL);
    pthread_mutex_lock(&w->mu);
    w->started = false;
    w->joined = true;
    /* What is left never ran: a DROP worker's queue, or a worker never started. */
    while (w->waiting) {
        gv_work *it = w->waiting;
        w->waiting = it->next;
        finish(w, it); /* ran stays false, as submit set it */
    }
    w->waiting_tail = &w->waiting;
    w->n_waiting = 0;
    pthread_mutex_unlock(&w->mu);
}

void gv_worker_free(gv_worker *w, void *arg)
{
    if (!w)
        return;
    gv_worker_stop(w);
    gv_worker_poll(w, arg);
    pthread_cond_destroy(&w->done_cv);
    pthread_cond_destroy(&w->work_cv);
    pthread_mutex_destroy(&w->mu);
    free(w);
}
