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

/*
 * What a route answering through the job thread puts first in its job: the
 * job thread's item, the request's deferred answer, and the server.
 * gv__http_job_init wires them: run() on the job thread, then on the loop
 * thread done() (by default: the answer is due) and later the answer
 * written by write() and the whole freed by free_fn(), both given the
 * deferred answer (gv__http_job_of turns it back into the job).
 */
typedef struct gv__http_job {
    gv_work job; /** first: the job thread's item */
    gv__later later;
    struct gv_server *srv;
} gv__http_job;

void gv__http_job_init(gv__http_job *j, struct gv_server *s, void (*run)(gv_work *job),
                       int (*write)(gv__later *l, struct lws *wsi), void (*free_fn)(gv__later *l));
/* The job whose deferred answer l is. */
gv__http_job *gv__http_job_of(gv__later *l);
/* The default done(): the job is back (run, or dropped at a stop), its
 * answer is due. A job that does more calls it last. */
void gv__http_job_done(gv_work *job, void *arg);

/* Makes the job thread and starts it. GV_ENOMEM or GV_EIO with err set. */
int gv__jobs_start(struct gv_server *s, gv_error *err);
/*
 * Queues j (its run() goes on the job thread, its done(job, NULL) on the
 * loop thread, with job.ran false when the server stopped before it ran)
 * for the request on wsi, whose answer it makes later: 0 once the answer is
 * deferred. When the queue is full or the server stops, frees the job
 * (later.free) and answers 503 with Retry-After and busy_msg. Returns what
 * an lws callback returns.
 */
int gv__jobs_answer_later(struct lws *wsi, gv__http_job *j, const char *busy_msg);
/* Calls done() of each finished job (loop thread, on a wake-up). */
void gv__jobs_poll(struct gv_server *s);
/* Lets the running job finish, runs no other, joins the thread. */
void gv__jobs_stop(struct gv_server *s);
/* gv__jobs_stop, then done() of every job left, then frees. */
void gv__jobs_free(struct gv_server *s);

#endif
