/*
 * The job thread (jobs.c): work too slow for the loop thread, one job at a
 * time, on a worker (work/worker.h) that drops what waits when the server
 * stops.
 */
#ifndef GV_SERVER_JOBS_H
#define GV_SERVER_JOBS_H

#include "server/http.h"
#include "server/server_internal.h"
#include "work/worker.h"

/* Jobs that may wait behind the running one; more are refused (503). */
#define GV__JOBS_WAITING_MAX 8

/* Makes the job thread and starts it. GV_ENOMEM or GV_EIO with err set. */
int gv__jobs_start(struct gv_server *s, gv_error *err);
/*
 * Queues job (its run() goes on the job thread, its done(job, NULL) on the
 * loop thread, with job->ran false when the server stopped before it ran)
 * for the request on wsi, whose answer it makes later (gv__later, embedded
 * in the same struct): 0 once the answer is deferred. When the queue is full
 * or the server stops, frees the job (later->free) and answers 503 with
 * Retry-After and busy_msg. Returns what an lws callback returns.
 */
int gv__jobs_answer_later(struct lws *wsi, gv_work *job, gv__later *later, const char *busy_msg);
/* Calls done() of each finished job (loop thread, on a wake-up). */
void gv__jobs_poll(struct gv_server *s);
/* Lets the running job finish, runs no other, joins the thread. */
void gv__jobs_stop(struct gv_server *s);
/* gv__jobs_stop, then done() of every job left, then frees. */
void gv__jobs_free(struct gv_server *s);

#endif
