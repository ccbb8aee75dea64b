/*
 * The job thread: work too slow for the event loop — rendering an outcome
 * record (a PDF of a long meeting takes seconds), reading and creating a
 * meeting from a definition of up to 16 MiB — runs here, so that the loop
 * keeps serving every other client meanwhile.
 *
 *   loop thread                        job thread
 *   -----------                        ----------
 *   gv__jobs_submit(j) --> waiting
 *                                      takes the first waiting job: j->run(j)
 *                                      puts it on `finished`, lws_cancel_service
 *   server.c wake() -> gv__jobs_poll:
 *     j->done(j) for each finished job
 *
 * One job runs at a time, in submission order; at most GV__JOBS_WAITING_MAX
 * wait behind it, and the next is refused (GV_EBUSY: the route answers 503
 * with Retry-After). One at a time is a choice: a PDF keeps a core busy and
 * the machine may have two, one of which the loop needs.
 *
 * Data crosses between the threads only through the two lists below, under
 * `mu`; a job is the job thread's from the moment it is taken until it is on
 * `finished`. Stopping (gv__jobs_stop) lets the running job finish, runs no
 * other, and leaves the ones never run on `finished` with `ran` false.
 */
#include "server/jobs.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "server/client.h"

struct gv__jobs {
    struct gv_server *srv;
    pthread_t thread;
    bool started; /** the thread exists and has not been joined */
    pthread_mutex_t mu;
    pthread_cond_t cv; /** a job is waiting, or stopping was set */
    gv__job *waiting, **waiting_tail;
    unsigned n_waiting;
    bool stopping; /** take no more jobs */
    gv__job *finished, **finished_tail;
};

static void push(gv__job ***tail, gv__job *j)
{
    j->next = NULL;
    **tail = j;
    *tail = &j->next;
}

static void *job_main(void *arg)
{
    struct gv__jobs *q = arg;
    pthread_mutex_lock(&q->mu);
    for (;;) {
        while (!q->waiting && !q->stopping)
            pthread_cond_wait(&q->cv, &q->mu);
        if (q->stopping)
            break;
        gv__job *j = q->waiting;
        q->waiting = j->next;
        if (!q->waiting)
            q->waiting_tail = &q->waiting;
        q->n_waiting--;
        pthread_mutex_unlock(&q->mu);

        j->started_us = gv__mono_us();
        j->run(j);
        j->ran = true;
        j->finished_us = gv__mono_us();

        pthread_mutex_lock(&q->mu);
        push(&q->finished_tail, j);
        /* The context exists as long as the thread: gv_server_free joins
         * the thread before it destroys the context. */
        lws_cancel_service(q->srv->ctx);
    }
    pthread_mutex_unlock(&q->mu);
    return NULL;
}

int gv__jobs_start(struct gv_server *s, gv_error *err)
{
    struct gv__jobs *q = calloc(1, sizeof *q);
    if (!q)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    q->srv = s;
    q->waiting_tail = &q->waiting;
    q->finished_tail = &q->finished;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->cv, NULL);
    s->jobs = q;
    if (pthread_create(&q->thread, NULL, job_main, q) != 0)
        return gv_error_set(err, GV_EIO, "cannot start the job thread");
    q->started = true;
    return 0;
}

int gv__jobs_submit(struct gv_server *s, gv__job *j)
{
    struct gv__jobs *q = s->jobs;
    int rc = 0;
    pthread_mutex_lock(&q->mu);
    if (q->stopping || !q->started || q->n_waiting >= GV__JOBS_WAITING_MAX) {
        rc = GV_EBUSY;
    } else {
        j->ran = false;
        j->submitted_us = gv__mono_us();
        j->started_us = j->finished_us = 0;
        push(&q->waiting_tail, j);
        q->n_waiting++;
        pthread_cond_signal(&q->cv);
    }
    pthread_mutex_unlock(&q->mu);
    return rc;
}

int gv__jobs_answer_later(struct lws *wsi, gv__job *job, gv__later *later, const char *busy_msg)
{
    struct gv_server *s = lws_context_user(lws_get_context(wsi));
    if (gv__jobs_submit(s, job) == 0) {
        gv__http_defer(wsi, later);
        return 0;
    }
    later->free(later);
    char *body = gv__error_json(NULL, GV_EBUSY, busy_msg);
    gv__header h[] = {{"retry-after:", "5"}, {NULL, NULL}}; /* seconds: a job takes about that */
    return body ? gv__http_respond(wsi, 503, "application/json", body, strlen(body), h) : -1;
}

void gv__jobs_poll(struct gv_server *s)
{
    struct gv__jobs *q = s->jobs;
    if (!q)
        return;
    pthread_mutex_lock(&q->mu);
    gv__job *list = q->finished;
    q->finished = NULL;
    q->finished_tail = &q->finished;
    pthread_mutex_unlock(&q->mu);
    while (list) {
        gv__job *next = list->next;
        list->done(list); /* may free the job */
        list = next;
    }
}

void gv__jobs_stop(struct gv_server *s)
{
    struct gv__jobs *q = s->jobs;
    if (!q)
        return;
    pthread_mutex_lock(&q->mu);
    q->stopping = true;
    pthread_cond_broadcast(&q->cv);
    pthread_mutex_unlock(&q->mu);
    if (q->started) {
        pthread_join(q->thread, NULL);
        q->started = false;
    }
    /* The jobs never run are finished too, unrun, so their owners free them. */
    pthread_mutex_lock(&q->mu);
    while (q->waiting) {
        gv__job *j = q->waiting;
        q->waiting = j->next;
        push(&q->finished_tail, j); /* ran is still false, as submit left it */
    }
    q->waiting_tail = &q->waiting;
    q->n_waiting = 0;
    pthread_mutex_unlock(&q->mu);
}

void gv__jobs_free(struct gv_server *s)
{
    struct gv__jobs *q = s->jobs;
    if (!q)
        return;
    gv__jobs_stop(s);
    gv__jobs_poll(s);
    pthread_cond_destroy(&q->cv);
    pthread_mutex_destroy(&q->mu);
    free(q);
    s->jobs = NULL;
}
