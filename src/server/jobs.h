/*
 * The job thread (jobs.c): work too slow for the loop thread.
 */
#ifndef GV_SERVER_JOBS_H
#define GV_SERVER_JOBS_H

#include <stdbool.h>
#include <stdint.h>

#include "server/http.h"
#include "server/server_internal.h"

/*
 * A job. run() runs on the job thread, one job at a time in submission
 * order; done() runs afterwards on the loop thread (gv__jobs_poll), with
 * `ran` false when the server stopped before the job ran. Between submit and
 * done the job belongs to the job thread, except for fields its owner
 * documents as the loop thread's.
 */
typedef struct gv__job gv__job;
struct gv__job {
    void (*run)(gv__job *j);
    void (*done)(gv__job *j);
    bool ran;
    int64_t submitted_us, started_us, finished_us; /** gv__mono_us() */
    gv__job *next;
};
/* Jobs that may wait behind the running one; more are refused (GV_EBUSY). */
#define GV__JOBS_WAITING_MAX 8

/* Starts the job thread. GV_ENOMEM or GV_EIO with err set. */
int gv__jobs_start(struct gv_server *s, gv_error *err);
/* Queues a job. GV_EBUSY when GV__JOBS_WAITING_MAX wait already or the
 * server is stopping: the job is not taken (done is not called). */
int gv__jobs_submit(struct gv_server *s, gv__job *j);
/*
 * Queues job for the request on wsi, whose answer it makes later (gv__later,
 * embedded in the same job): 0 once the answer is deferred. When the queue is
 * full or the server stops, frees the job (later->free) and answers 503 with
 * Retry-After and busy_msg. Returns what an lws callback returns.
 */
int gv__jobs_answer_later(struct lws *wsi, gv__job *job, gv__later *later, const char *busy_msg);
/* Calls done() of each finished job (loop thread). */
void gv__jobs_poll(struct gv_server *s);
/* Lets the running job finish, runs no other, joins the thread. */
void gv__jobs_stop(struct gv_server *s);
/* gv__jobs_stop, then done() of every job left, then frees. NULL jobs allowed. */
void gv__jobs_free(struct gv_server *s);

#endif
