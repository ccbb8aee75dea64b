/*
 * GET /api/v1/meetings/{meeting}/record?format=md|html|json|csv|pdf|docx|odt|ics:
 * the outcome record of a meeting as a file to download, made by the same
 * code as `gavel report` (and, for ics, `gavel calendar`), so that the two
 * give the same bytes for the same log. With &summary=approved (or draft)
 * it is the Chair's summary instead (format json, md, docx or odt), as
 * `gavel report --summary [--draft]` writes it: the record is its annex.
 *
 * The server library does not include the report module (docs/design.md,
 * "The layers": server and report sit side by side, and only `gavel` uses
 * both): the renderer is the config's
 * render_record callback, which `gavel serve` fills in. It opens its own
 * read-only connection to the database and may take seconds (a PDF of a long
 * meeting), so it runs on the job thread (jobs.c), never on the loop:
 *
 *   loop: route, check the link, queue the job, defer the answer (gv__later)
 *   job thread: render_record(...) -> bytes or an error; the bytes gzipped
 *         there too when the client takes it and they are text
 *   loop: done() marks the answer ready and asks for a writeable callback;
 *         write() answers with the bytes, Content-Disposition: attachment
 *
 * A record_job is held by the job queue until done() runs and by the HTTP
 * transaction until its answer is written (gv__later says who frees it).
 * The job thread touches only the request fields and the result.
 *
 * Who may download: the secretariat, the chair, the moderators and the
 * rapporteurs, as the people who answer for the record (docs/security.md);
 * everyone else, viewers included, gets 403. Jobs run one at a time; when
 * GV__JOBS_WAITING_MAX wait already the answer is 503 with Retry-After.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/auth.h"
#include "server/compress.h"
#include "server/headers.h"
#include "server/jobs.h"
#include "server/room.h"
#include "server/routes.h"

typedef struct format_info {
    const char *name;
    const char *ctype;
    const char *suffix; /** file name after the meeting id */
} format_info;

static const format_info formats[] = {
    {"md", "text/markdown; charset=utf-8", "-record.md"},
    {"html", "text/html; charset=utf-8", "-record.html"},
    {"json", "application/json", "-record.json"},
    {"csv", "text/csv; charset=utf-8; header=present", "-speeches.csv"},
    {"pdf", "application/pdf", "-record.pdf"},
    {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
     "-record.docx"},
    {"odt", "application/vnd.oasis.opendocument.text", "-record.odt"},
    {"ics", "text/calendar; charset=utf-8", "-agenda.ics"},
};
/* The statements' archive (GET .../statements?format=zip, route_statements.c). */
static const format_info archive = {"zip", "application/zip", "-statements.zip"};

static const char *const allowed_roles[] = {"secretariat", "chair", "moderator", "rapporteur"};

typedef struct record_job {
    gv__http_job base; /** first: the job, its answer, the server */
    const format_info *fmt;
    const char *document; /** "record", "summary" (approved) or "draft" */
    char suffix[40];      /** of the file name, after the meeting id */
    char meeting[GV__ID_MAX + 1];
    bool gzip; /** the client takes gzip and the format is text */
    /* Written by the job thread in run(), read on the loop after done(). */
    int rc;
    gv_error err;
    char *out;
    size_t len;
    bool gzipped; /** out is gzip-compressed */
} record_job;

static void job_free(record_job *j)
{
    free(j->out);
    free(j);
}

/* Job thread. */
static void job_run(gv_work *job)
{
    record_job *j = (record_job *)job;
    const gv_server_config *c = &j->base.srv->cfg;
    gv_error_clear(&j->err);
    j->rc = c->render_record(c->render_ctx, c->db_path, j->meeting, j->document, j->fmt->name,
                             &j->out, &j->len, &j->err);
    if (j->rc == 0 && !j->out)
        j->rc = gv_error_set(&j->err, GV_EIO, "the record renderer gave nothing");
    /* Off the loop: a long meeting's record is megabytes. */
    size_t zlen;
    unsigned char *z = j->rc == 0 && j->gzip && j->len >= GV__GZIP_MIN_BYTES
                           ? gv__gzip(j->out, j->len, &zlen)
                           : NULL;
    if (z) {
        free(j->out);
        j->out = (char *)z;
        j->len = zlen;
        j->gzipped = true;
    }
}

/* Loop thread: the job is back (run, or dropped at a stop). */
static void later_free(gv__later *l)
{
    job_free((record_job *)gv__http_job_of(l));
}

/* Writeable callback of the transaction: the answer. */
static int later_write(gv__later *l, struct lws *wsi)
{
    record_job *j = (record_job *)gv__http_job_of(l);
    int rc;
    if (!j->base.job.ran) {
        rc = gv__http_error(wsi, GV_EBUSY, "the server is stopping: ask again once it is back");
    } else if (j->rc < 0) {
        rc = gv__http_error(wsi, j->rc, j->err.msg);
    } else {
        char disp[8 * GV__ID_MAX], timing[120];
        char name[2 * GV__ID_MAX];
        snprintf(name, sizeof name, "%s%s", j->meeting, j->suffix);
        gv__content_disposition(disp, sizeof disp, name);
        /* How long the job waited and ran, for the browser's tools and the tests. */
        snprintf(timing, sizeof timing, "queue;dur=%.1f, render;dur=%.1f",
                 (double)(j->base.job.started_us - j->base.job.submitted_us) / 1000.0,
                 (double)(j->base.job.finished_us - j->base.job.started_us) / 1000.0);
        gv__header h[] = {
            {"content-disposition:", disp}, {"server-timing:", timing}, {NULL, NULL}, {NULL, NULL}};
        if (j->gzipped)
            h[2] = (gv__header){"content-encoding:", "gzip"};
        char *out = j->out;
        j->out = NULL;
        rc = gv__http_respond(wsi, 200, j->fmt->ctype, out, j->len, h);
    }
    return rc;
}

/* May this link download the record (or, with `interpreters`, the
 * statements)? 0, or GV_EPERM with err set. */
static int may_download(const gv__room *r, const gv__grant *g, bool interpreters, gv_error *err)
{
    for (size_t i = 0; i < sizeof allowed_roles / sizeof allowed_roles[0]; i++)
        if (gv__grant_has_role(r, g, allowed_roles[i]))
            return 0;
    if (interpreters && gv__grant_is_interpreter(g))
        return 0;
    return gv_error_set(err, GV_EPERM,
                        "the %s downloaded by the secretariat, the chair, the moderators%s and "
                        "the rapporteurs; this is %s link",
                        interpreters ? "statements are" : "record is",
                        interpreters ? ", the interpreters" : "",
                        g->kind == GV__GRANT_VIEWER ? "a viewer's"
                        : g->kind == GV__GRANT_ROLE ? "another role's"
                                                    : "another person's");
}

/* Checks the link and queues the job making `document` of the meeting in
 * `fmt`; answers the request (now, or later). */
static int start_job(struct lws *wsi, const char *meeting, const format_info *fmt,
                     const char *document)
{
    struct gv_server *s = gv__server_of(wsi);
    gv_error err;
    gv_error_clear(&err);
    gv__grant g;
    gv__room *r = NULL;
    bool statements = strcmp(document, "statements") == 0;
    int rc = gv__auth_meeting(s, wsi, meeting, &g, &r, &err);
    if (rc == 0)
        rc = may_download(r, &g, statements, &err);
    if (rc < 0)
        return gv__http_error(wsi, rc, err.msg);
    if (!s->cfg.render_record)
        return gv__http_error(wsi, GV_ENOTFOUND,
                              "this server makes no records: run `gavel report` on its database");
    if (s->stopping)
        return gv__http_error(wsi, GV_EBUSY, "the server is stopping");

    record_job *j = calloc(1, sizeof *j);
    if (!j)
        return gv__http_error(wsi, GV_ENOMEM, "out of memory");
    gv__http_job_init(&j->base, s, job_run, later_write, later_free);
    j->fmt = fmt;
    j->gzip = gv__compressible(fmt->ctype) && gv__http_takes_gzip(wsi);
    j->document = document;
    if (strcmp(document, "record") == 0 || statements)
        snprintf(j->suffix, sizeof j->suffix, "%s", fmt->suffix);
    else
        snprintf(j->suffix, sizeof j->suffix, "-summary%s.%s",
                 strcmp(document, "draft") == 0 ? "-draft" : "", fmt->name);
    snprintf(j->meeting, sizeof j->meeting, "%s", meeting);
    return gv__jobs_answer_later(wsi, &j->base,
                                 "the server is busy making other records: retry in a few "
                                 "seconds");
}

int gv__record_statements_archive(struct lws *wsi, const gv__request *req)
{
    char name[16] = "";
    gv__query_arg(wsi, "format", name, sizeof name);
    if (strcmp(name, "zip") != 0)
        return gv__http_error(wsi, GV_EINVAL,
                              "the statements come as one archive: ask for ?format=zip");
    return start_job(wsi, req->meeting, &archive, "statements");
}

int gv__route_record(struct lws *wsi, const gv__request *req)
{
    const char *meeting = req->meeting;
    char name[16] = "";
    const format_info *fmt = NULL;
    gv__query_arg(wsi, "format", name, sizeof name);
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        if (strcmp(name, formats[i].name) == 0)
            fmt = &formats[i];
    if (!fmt)
        return gv__http_error(wsi, GV_EINVAL,
                              name[0] ? "unknown format: ask for ?format=md, html, json, csv, pdf, "
                                        "docx, odt or ics"
                                      : "say which format: ?format=md, html, json, csv, pdf, docx, "
                                        "odt or ics");
    /* The Chair's summary: approved, or the draft as it stands. */
    char which[16] = "";
    const char *document = "record";
    gv__query_arg(wsi, "summary", which, sizeof which);
    if (which[0]) {
        document = strcmp(which, "approved") == 0 ? "summary"
                   : strcmp(which, "draft") == 0  ? "draft"
                                                  : NULL;
        if (!document)
            return gv__http_error(wsi, GV_EINVAL,
                                  "summary=approved (the summary the chair approved) or "
                                  "summary=draft (as it stands)");
        if (strcmp(fmt->name, "json") != 0 && strcmp(fmt->name, "md") != 0 &&
            strcmp(fmt->name, "docx") != 0 && strcmp(fmt->name, "odt") != 0)
            return gv__http_error(wsi, GV_EINVAL,
                                  "the summary comes as format=docx, odt, md or json");
    }
    return start_job(wsi, meeting, fmt, document);
}
