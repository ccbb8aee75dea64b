/*
 * The job thread: work too slow for the event loop — rendering an outcome
 * record (a PDF of a long meeting takes seconds), reading and creating a
 * meeting from a definition of up to 16 MiB — runs here, so that the loop
 * keeps serving every other client meanwhile.
 *
 * It is a worker (work/worker.h) that wakes the loop with
 * lws_cancel_service; server.c's wake() polls it, and each job's done()
 * answers its request (gv__later). One job runs at a time, in submission
 * order; at most GV__JOBS_WAITING_MAX wait behind it, and the next is
 * refused (the route answers 503 with Retry-After). One at a time is a
 * choice: a PDF keeps a core busy and the machine may have two, one of which
 * the loop needs.
 *
 * Its stop rule is DROP: the running job finishes, the waiting ones come
 * back unrun (`ran` false) and answer that the server is stopping. Nobody
 * waits for a record once the server goes; a definition not yet read was
 * never promised.
 */
#include "server/jobs.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "server/client.h"

int gv__jobs_start(struct gv_server *s, gv_error *err)
{
    gv_worker_config cfg = {
        .name = "the job thread",
        .at_stop = GV_WORKER_DROP,
        .max_waiting = GV__JOBS_WAITING_MAX,
        .wake = gv__server_wake,
        .wake_ud = s,
    };
    if (!(s->jobs = gv_worker_new(&cfg, err)))
        return GV_ENOMEM;
    return gv_worker_start(s->jobs, err);
}

void gv__http_job_init(gv__http_job *j, struct gv_server *s, void (*run)(gv_work *job),
                       int (*write)(gv__later *l, struct lws *wsi), void (*free_fn)(gv__later *l))
{
    j->job.run = run;
    j->job.done = gv__http_job_done;
    j->later.write = write;
    j->later.free = free_fn;
    j->srv = s;
}

gv__http_job *gv__http_job_of(gv__later *l)
{
    return (gv__http_job *)((char *)l - offsetof(gv__http_job, later));
}

void gv__http_job_done(gv_work *job, void *arg)
{
    (void)arg;
    gv__later_back(&((gv__http_job *)job)->later);
}

int gv__jobs_answer_later(struct lws *wsi, gv__http_job *j, const char *busy_msg)
{
    struct gv_server *s = gv__server_of(wsi);
    if (!s->stopping && gv_worker_submit(s->jobs, &j->job, NULL) == 0) {
        gv__http_defer(wsi, &j->later);
        return 0;
    }
    j->later.free(&j->later);
    char *body = gv__error_json(NULL, GV_EBUSY, busy_msg);
    gv__header h[] = {{"retry-after:", "5"}, {NULL, NULL}}; /* seconds: a job takes about that */
    return body ? gv__http_respond(wsi, 503, "application/json", body, strlen(body), h) : -1;
}

void gv__jobs_poll(struct gv_server *s)
{
    if (s->jobs)
        gv_worker_poll(s->jobs, NULL);
}

void gv__jobs_stop(struct gv_server *s)
{
    if (s->jobs)
        gv_worker_stop(s->jobs);
}

void gv__jobs_free(struct gv_server *s)
{
    gv_worker_free(s->jobs, NULL);
    s->jobs = NULL;
}
