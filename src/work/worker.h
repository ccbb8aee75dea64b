/*
 * Background work: one thread, the queue that feeds it, the wake-up that
 * tells its owner something is done, and a rule for what happens to queued
 * work when it stops. Every thread of Gavel besides the event loop is one of
 * these: the store's writer (store/writer.c), the server's job thread
 * (server/jobs.c) and its links writer (server/route_links.c).
 *
 *   owner's thread                         worker thread
 *   --------------                         -------------
 *   gv_worker_submit(w, item) --> waiting
 *                                          takes the first waiting item (or,
 *                                          with run_group, up to max_group of
 *                                          them) and runs it
 *                                          puts it on `finished`, calls wake()
 *   gv_worker_poll(w, arg) --> item->done(item, arg), in submission order
 *
 * An item belongs to the worker from submit until its done() is called on
 * the owner's thread (the one that polls); the owner embeds a gv_work in its
 * own struct and reads its results in done(). Items cross between the
 * threads only through the two lists, under one mutex; nothing else is
 * shared.
 *
 * Stopping (gv_worker_stop) refuses new items, then follows the worker's
 * rule for those already queued:
 *   GV_WORKER_DRAIN  runs every queued item, then the thread ends: for work
 *                    that was promised (a commit, a revocation accepted);
 *   GV_WORKER_DROP   lets the running item finish and runs no other: each
 *                    queued item is handed back unrun (`ran` false), for
 *                    work nobody will wait for (a record being rendered).
 * Either way every item submitted reaches done() exactly once, through
 * gv_worker_poll or gv_worker_free, and every waiter of
 * gv_worker_submit_wait is woken.
 *
 * Threads: the worker thread blocks every signal, so that a signal meant for
 * the process never interrupts work (a commit) half way.
 */
#ifndef GV_WORK_WORKER_H
#define GV_WORK_WORKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/error.h"

typedef struct gv_worker gv_worker;
typedef struct gv_work gv_work;

/* One item of work, embedded in its owner's struct. The owner fills run (or
 * relies on the worker's run_group) and done; the worker fills the rest. */
struct gv_work {
    void (*run)(gv_work *item);                    /** on the worker thread */
    void (*done)(gv_work *item, void *arg);        /** on the polling thread; may free the item */
    bool ran;                                      /** false when dropped at a stop */
    int64_t submitted_us, started_us, finished_us; /** CLOCK_MONOTONIC, for timings */
    /* The worker's own. */
    gv_work *next;
    bool waited;   /** a gv_worker_submit_wait caller takes it back */
    bool finished; /** waited and finished (under the worker's mutex) */
};

typedef enum gv_worker_rule {
    GV_WORKER_DRAIN, /** at stop, run everything queued */
    GV_WORKER_DROP,  /** at stop, run nothing more: queued items come back unrun */
} gv_worker_rule;

typedef struct gv_worker_config {
    const char *name; /** what the thread does, for errors ("the storage writer") */
    gv_worker_rule at_stop;
    size_t max_waiting; /** items queued behind the running ones; more: GV_EBUSY */
    /* Called on the worker thread after finished items were queued for
     * gv_worker_poll; must be safe from any thread (lws_cancel_service, an
     * eventfd write). NULL: the owner polls on its own schedule. */
    void (*wake)(void *ud);
    void *wake_ud;
    /* Run several waiting items at once (a group commit): up to max_group
     * items, linked through `next`, in submission order. NULL: each item's
     * own run(). */
    void (*run_group)(void *ud, gv_work *first, size_t n);
    void *group_ud;
    size_t max_group;
} gv_worker_config;

/*
 * A worker with the config (copied; the name must outlive the worker). The
 * thread starts with gv_worker_start or the first submit. NULL with err set
 * on ENOMEM.
 */
gv_worker *gv_worker_new(const gv_worker_config *cfg, gv_error *err);

/* Starts the thread now, so that a failure shows at once: 0, or GV_EIO with
 * err set. Starting a started worker does nothing. */
int gv_worker_start(gv_worker *w, gv_error *err);

/*
 * Queues item (which then belongs to the worker until its done() is
 * called). Returns 0, or without taking it: GV_EBUSY when max_waiting items
 * wait already, GV_ESTATE once the worker is stopping, GV_EIO when the
 * thread cannot start; err says which.
 */
int gv_worker_submit(gv_worker *w, gv_work *item, gv_error *err);

/*
 * Queues item and waits until it has run (or was dropped at a stop): for a
 * thread that needs the result before it goes on and has no loop to poll
 * with. Its done() is not called; the caller reads the results. Returns 0
 * once run, the refusals of gv_worker_submit, or GV_ESTATE when it was
 * dropped.
 */
int gv_worker_submit_wait(gv_worker *w, gv_work *item, gv_error *err);

/* Calls done(item, arg) of every finished item, in submission order, on
 * the calling thread. Returns how many. */
size_t gv_worker_poll(gv_worker *w, void *arg);

/* Items waiting to run (not counting the running ones). */
size_t gv_worker_waiting(gv_worker *w);

/*
 * Begins the stop and returns at once: new items are refused (GV_ESTATE)
 * from now on and the queued ones follow the rule (see the top of this
 * file). For an owner that stops several workers, or must refuse work before
 * it can wait.
 */
void gv_worker_stop_begin(gv_worker *w);

/*
 * Stops the worker by its rule (gv_worker_stop_begin) and joins its thread;
 * the finished items stay for gv_worker_poll. Calling it again does nothing.
 */
void gv_worker_stop(gv_worker *w);

/* gv_worker_stop, then done(item, arg) of every item left, then frees the
 * worker. NULL is allowed. */
void gv_worker_free(gv_worker *w, void *arg);

#endif
