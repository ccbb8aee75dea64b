/*
 * GET /api/v1/meetings/{meeting}/speakers?item=ID&format=pdf|csv&lang=LANG:
 * the list of speakers of one agenda item as a file to download, as it
 * stands (docs/speakers-list.md, "The provisional list in the state"): the
 * provisional list before the item runs, its speakers' list while it runs.
 *
 * The list is public, as the United Nations publish theirs: any link of the
 * meeting may download it, viewers included, and it is drawn from the public
 * view of the state. The words are the pages' own translations, the built-in
 * /static/i18n/LANG.json (default en), so the file says what the page says.
 *
 * The renderer is the config's render_speakers (the server library does not
 * link the report module; `gavel serve` fills it in). Drawing a PDF takes
 * tens of milliseconds, so it runs on the job thread like the record
 * (route_record.c says how the answer is made later):
 *
 *   loop: check the link, take the state's public view (a JSON the job then
 *         owns), queue the job
 *   job thread: parse the translations, render_speakers(...) -> bytes
 *   loop: answer with Content-Disposition: attachment
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/view.h"
#include "server/auth.h"
#include "server/headers.h"
#include "server/jobs.h"
#include "server/room.h"
#include "server/routes.h"
#include "server/static.h"

#define ITEM_MAX_BYTES 64
#define LANG_MAX_BYTES 8

typedef struct speakers_job {
    gv__http_job base;      /** first: the job, its answer, the server */
    json_t *state;          /** the public view, owned */
    const gv__asset *words; /** the translations' file, built in (never freed) */
    char item[ITEM_MAX_BYTES + 1];
    char lang[LANG_MAX_BYTES + 1];
    char meeting[GV__ID_MAX + 1];
    bool pdf;
    /* Written by the job thread in run(), read on the loop after done(). */
    int rc;
    gv_error err;
    char *out;
    size_t len;
} speakers_job;

static speakers_job *of_later(gv__later *l)
{
    return (speakers_job *)gv__http_job_of(l);
}

/* Job thread. */
static void job_run(gv_work *job)
{
    speakers_job *j = (speakers_job *)job;
    const gv_server_config *c = &j->base.srv->cfg;
    json_error_t jerr;
    gv_error_clear(&j->err);
    json_t *words = json_loadb((const char *)j->words->data, j->words->len, 0, &jerr);
    if (!words) {
        j->rc =
            gv_error_set(&j->err, GV_ENOMEM, "the translations could not be read: %s", jerr.text);
        return;
    }
    j->rc = c->render_speakers(c->render_ctx, j->state, j->item, words, j->lang,
                               j->pdf ? "pdf" : "csv", &j->out, &j->len, &j->err);
    if (j->rc == 0 && !j->out)
        j->rc = gv_error_set(&j->err, GV_EIO, "the list renderer gave nothing");
    json_decref(words);
}

static void later_free(gv__later *l)
{
    speakers_job *j = of_later(l);
    json_decref(j->state);
    free(j->out);
    free(j);
}

static int later_write(gv__later *l, struct lws *wsi)
{
    speakers_job *j = of_later(l);
    if (!j->base.job.ran)
        return gv__http_error(wsi, GV_EBUSY, "the server is stopping: ask again once it is back");
    if (j->rc < 0)
        return gv__http_error(wsi, j->rc, j->err.msg);
    /* Meeting and item ids are letters, digits and - _ . ~: safe in a quoted file name. */
    char disp[GV__ID_MAX + ITEM_MAX_BYTES + 96];
    snprintf(disp, sizeof disp, "attachment; filename=\"%s-%s-speakers-%s.%s\"", j->meeting,
             j->item, j->lang, j->pdf ? "pdf" : "csv");
    gv__header h[] = {{"content-disposition:", disp}, {NULL, NULL}};
    char *out = j->out;
    j->out = NULL;
    return gv__http_respond(wsi, 200, j->pdf ? "application/pdf" : "text/csv; charset=utf-8", out,
                            j->len, h);
}

/* Reads ?item=, ?format= and ?lang= into j; GV_EINVAL with a message that says what to ask. */
static int read_query(struct lws *wsi, speakers_job *j, gv_error *err)
{
    char format[8] = "", path[64];
    if (!gv__query_arg(wsi, "item", j->item, sizeof j->item) || !j->item[0])
        return gv_error_set(err, GV_EINVAL, "say which agenda item: ?item=ID");
    gv__query_arg(wsi, "format", format, sizeof format);
    if (strcmp(format, "pdf") != 0 && strcmp(format, "csv") != 0)
        return gv_error_set(err, GV_EINVAL, "%s: ask for ?format=pdf or ?format=csv",
                            format[0] ? "unknown format" : "say which format");
    j->pdf = strcmp(format, "pdf") == 0;
    if (!gv__query_arg(wsi, "lang", j->lang, sizeof j->lang) || !j->lang[0])
        snprintf(j->lang, sizeof j->lang, "en");
    for (const char *p = j->lang; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || *p == '-'))
            return gv_error_set(err, GV_EINVAL,
                                "?lang= is a language of the pages: ar, en, es, "
                                "fr, ru or zh");
    snprintf(path, sizeof path, "/static/i18n/%s.json", j->lang);
    if (!(j->words = gv__static_find(path)))
        return gv_error_set(err, GV_EINVAL,
                            "the pages have no language \"%s\": ask for ar, en, es, fr, ru or zh",
                            j->lang);
    return 0;
}

int gv__route_speakers(struct lws *wsi, const gv__request *req)
{
    struct gv_server *s = gv__server_of(wsi);
    gv_error err;
    gv_error_clear(&err);
    gv__grant g;
    gv__room *r = NULL;
    int rc = gv__auth_meeting(s, wsi, req->meeting, &g, &r, &err);
    if (rc < 0)
        return gv__http_error(wsi, rc, err.msg);
    if (!s->cfg.render_speakers)
        return gv__http_error(wsi, GV_ENOTFOUND, "this server makes no lists of speakers");
    if (s->stopping)
        return gv__http_error(wsi, GV_EBUSY, "the server is stopping");
    speakers_job *j = calloc(1, sizeof *j);
    if (!j)
        return gv__http_error(wsi, GV_ENOMEM, "out of memory");
    if ((rc = read_query(wsi, j, &err)) < 0) {
        free(j);
        return gv__http_error(wsi, rc, err.msg);
    }
    if (!(j->state = gv_meeting_view_json(r->state, GV_VIEW_PUBLIC))) {
        free(j);
        return gv__http_error(wsi, GV_ENOMEM, "out of memory");
    }
    gv__http_job_init(&j->base, s, job_run, later_write, later_free);
    snprintf(j->meeting, sizeof j->meeting, "%s", req->meeting);
    return gv__jobs_answer_later(wsi, &j->base,
                                 "the server is busy making other files: retry in a few seconds");
}
