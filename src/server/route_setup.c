/*
 * POST /api/v1/meetings[?dry_run=1]: the secretariat's page loads a meeting
 * definition (YAML, or JSON) and gets either every problem of it, each at its
 * line and column, or a new meeting on this server and a link to run it.
 *
 * The checks are the core's (gv_definition_from_yaml) with the config's time
 * zone lookup, the ones `gavel validate` and `gavel init` make, so a file
 * passes here exactly when it passes there. One more rule holds for meetings
 * made here: someone in the definition must hold the secretariat role, since
 * the answer is a link for that person (a person link when one holds it, a
 * role link when several do) and nobody could run the meeting from its page
 * otherwise.
 *
 * Who may: anyone presenting a valid secretariat link of any meeting on this
 * server, as the Authorization bearer token or one of the gavel_<meeting>
 * cookies (decision 0004, docs/security.md). The credentials are checked
 * before the body is read: anyone else's body is read and dropped, never
 * held (so the refusal reaches them on a connection still open), and the
 * 16 MiB bound is checked first against the Content-Length.
 *
 * Where the work runs: reading a definition of up to 16 MiB and writing the
 * meeting take time, so both go to the job thread (jobs.c). The meeting is
 * created through the store's writer thread, which owns the write
 * connection (gv__storage_create), and the link is written to the links log
 * on a connection of the job's own, as `gavel invite` does from another
 * process. The loop thread only routes, checks the link and, once the job is
 * back, answers (gv__later). The new meeting needs no announcement: rooms are
 * loaded from the store on first use (room.c), so the link works at once.
 *
 * Answers: 200 {"valid":true,"summary"} for a dry run; 201
 * {"created":true,"meeting","link","join",...} for a new meeting; 400 with
 * "problems":[{"line","column","message"}] for a definition with problems;
 * 409 when the meeting id is taken; 401/403 for the credentials; 413 for a
 * body over 16 MiB; 503 (Retry-After) when the job queue is full.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/definition.h"
#include "server/auth.h"
#include "server/headers.h"
#include "server/jobs.h"
#include "server/room.h"
#include "server/routes.h"
#include "server/storage.h"
#include "server/links.h"

/* Largest definition taken, as `gavel validate` and `gavel init` read. */
#define DEFINITION_MAX_BYTES (16u << 20)
/* The role whose holders get the new meeting's link. */
#define OFFICER_ROLE "secretariat"

typedef struct setup_job {
    gv__http_job base; /** first: the job, its answer, the server */
    bool dry_run;
    char label[GV_LINKS_FIELD_MAX + 1]; /** label of the link issued: who made the meeting */
    char *text;                         /** the definition's bytes */
    size_t len;
    /* Written by the job thread in run(), read on the loop after done(). */
    int status;   /** HTTP status of the answer */
    char *answer; /** its JSON body */
    bool created; /** a meeting was created (the links log grew) */
} setup_job;

static void job_free(setup_job *j)
{
    free(j->text);
    free(j->answer);
    free(j);
}

/* ---- the job (job thread) ----------------------------------------------- */

/* Sets the answer to status and the JSON object o (taken). */
static void answer(setup_job *j, int status, json_t *o)
{
    j->status = status;
    j->answer = o ? gv_json_text(o) : NULL;
    json_decref(o);
    if (!j->answer) {
        j->status = 500;
        j->answer = gv__error_json(NULL, GV_ENOMEM, "out of memory writing the answer");
    }
}

/* An error answer: {"type":"error","code","message",...} with its status. */
static void answer_error(setup_job *j, int code, const char *msg, json_t *problems)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:I}", "type", "error", "code", gv_error_name(code),
                          "message", msg, "server_ms", (json_int_t)gv__now_ms());
    if (o && problems)
        json_object_set(o, "problems", problems);
    answer(j, gv__http_status(code), o);
}

/* answer_error with a message made from fmt (no problems). */
static void answer_errorf(setup_job *j, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void answer_errorf(setup_job *j, int code, const char *fmt, ...)
{
    char msg[GV__ID_MAX + 200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    answer_error(j, code, msg, NULL);
}

/* A storage failure: the details go to the server's log, not to the page. */
static void answer_storage(setup_job *j, const char *doing, const gv_error *err)
{
    lwsl_err("loading a definition: %s: %s\n", doing, err->msg);
    answer_errorf(j, err->code == GV_EBUSY ? GV_EBUSY : GV_EIO,
                  "the server could not %s (its log says why): try again later", doing);
}

/* Creates the meeting m (its first event `first`) and issues the link;
 * fills the answer. */
static void create(setup_job *j, const gv_meeting *m, const json_t *first, const json_t *def)
{
    struct gv_server *s = j->base.srv;
    gv_error err;
    gv_error_clear(&err);
    const char *id = gv_meeting_id(m), *officer;
    bool person = gv_meeting_role_holders(m, OFFICER_ROLE, &officer) == 1;
    int rc = gv__storage_create(s, m, first, &err);
    if (rc == GV_ESTATE) {
        answer_errorf(j, GV_ESTATE,
                      "a meeting \"%s\" is on this server already: give the new one another "
                      "meeting.id",
                      id);
        return;
    }
    if (rc == GV_ELIMIT) {
        answer_error(j, GV_ELIMIT, err.msg, NULL);
        return;
    }
    if (rc < 0) {
        answer_storage(j, "store the meeting", &err);
        return;
    }
    j->created = true;
    char token[GV_LINKS_TOKEN_CHARS + 1];
    gv_store *st = gv_store_open(s->cfg.db_path, 0, &err);
    rc = st ? gv_links_issue(st, id, person ? GV_LINK_PERSON : GV_LINK_ROLE,
                             person ? officer : OFFICER_ROLE, j->label, gv__now_ms(), token, &err)
            : err.code;
    gv_store_close(st);
    if (rc < 0) {
        lwsl_err("meeting %s was created, but its link was not issued: %s\n", id, err.msg);
        answer_errorf(j, GV_EIO,
                      "meeting \"%s\" was created, but no link could be issued for it: issue "
                      "one with `gavel invite` on the server",
                      id);
        return;
    }
    char join[GV_LINKS_TOKEN_CHARS + 8], link[600];
    snprintf(join, sizeof join, "/join/%s", token);
    snprintf(link, sizeof link, "%s%s", s->base_url, join);
    answer(j, 201,
           json_pack("{s:b, s:s, s:s, s:s, s:s, s:s, s:o}", "created", 1, "meeting", id, "link",
                     link, "join", join, "link_kind", person ? "person" : "role", "subject",
                     person ? officer : OFFICER_ROLE, "summary", gv_definition_summary(def)));
}

/*
 * The rules of meetings made here beyond the definition's own: someone holds
 * the secretariat role (the answer is a link for them) and the id can name a
 * meeting in a URL. 0, or GV_EINVAL with the problem added to problems.
 */
static int made_here(const gv_meeting *m, json_t *problems, gv_error *err)
{
    const char *id = gv_meeting_id(m);
    if (gv_meeting_role_holders(m, OFFICER_ROLE, NULL) == 0) {
        json_array_append_new(problems,
                              json_pack("{s:i, s:i, s:s}", "line", 0, "column", 0, "message",
                                        "nobody holds the secretariat role: give it to the person "
                                        "who will run the meeting, so that a link can be issued "
                                        "for them"));
        return gv_error_set(err, GV_EINVAL, "1 problem");
    }
    if (!id || !gv__valid_id(id))
        return gv_error_set(err, GV_EINVAL, "the meeting id cannot name a meeting here");
    return 0;
}

static void job_run(gv_work *job)
{
    setup_job *j = (setup_job *)job;
    const gv_server_config *c = &j->base.srv->cfg;
    gv_error err;
    gv_diag_list diags;
    json_t *def = NULL, *first = NULL, *problems = json_array();
    gv_meeting *m = NULL;
    gv_error_clear(&err);
    gv_diag_list_init(&diags);
    if (!problems) {
        answer_error(j, GV_ENOMEM, "out of memory", NULL);
        goto out;
    }
    int rc = gv_definition_from_yaml(j->text, j->len, "definition", c->zone_exists, c->zone_ud,
                                     &def, &diags, &err);
    for (size_t i = 0; i < diags.n; i++) {
        const gv_diag *d = &diags.items[i];
        json_array_append_new(problems, json_pack("{s:i, s:i, s:s}", "line", (int)d->line, "column",
                                                  (int)d->column, "message", d->msg));
    }
    /* The meeting as the core makes it: what it says of its people is the
     * core's answer, not a reading of the JSON here. */
    if (rc == 0 && !(m = gv_meeting_from_definition(def, gv__now_ms(), &first, &err)))
        rc = err.code;
    if (rc == 0)
        rc = made_here(m, problems, &err);
    if (rc == GV_EINVAL) {
        size_t n = json_array_size(problems);
        char msg[120];
        snprintf(msg, sizeof msg, "the definition has %zu problem%s: nothing was created", n,
                 n == 1 ? "" : "s");
        answer_error(j, GV_EINVAL, n ? msg : err.msg, problems);
    } else if (rc < 0) {
        answer_error(j, rc, err.msg, NULL);
    } else if (j->dry_run) {
        answer(j, 200, json_pack("{s:b, s:o}", "valid", 1, "summary", gv_definition_summary(def)));
    } else {
        create(j, m, first, def);
    }
out:
    gv_meeting_free(m);
    json_decref(first);
    json_decref(problems);
    json_decref(def);
    gv_diag_list_release(&diags);
    free(j->text); /* the definition is not needed any more */
    j->text = NULL;
}

/* ---- the loop thread ---------------------------------------------------- */

static void job_done(gv_work *job, void *arg)
{
    (void)arg;
    setup_job *j = (setup_job *)job;
    if (j->created)
        gv__auth_refresh(j->base.srv); /* the new link works from its first click */
    gv__http_job_done(job, arg);
}

static void later_free(gv__later *l)
{
    job_free((setup_job *)gv__http_job_of(l));
}

static int later_write(gv__later *l, struct lws *wsi)
{
    setup_job *j = (setup_job *)gv__http_job_of(l);
    if (!j->base.job.ran || !j->answer)
        return gv__http_error(wsi, GV_EBUSY, "the server is stopping: nothing was created");
    char *body = j->answer;
    j->answer = NULL;
    return gv__http_respond(wsi, j->status, "application/json", body, strlen(body), NULL);
}

/*
 * Whether token is a valid link of a meeting's secretariat: 0 with *g
 * filled, or GV_EAUTH / GV_EPERM with err set.
 */
static int officer_token(struct gv_server *s, const char *token, gv__grant *g, gv_error *err)
{
    gv__room *r = NULL;
    int rc = gv__auth_token(s, token, NULL, g, err);
    if (rc < 0)
        return rc;
    /* A role link needs no room to say which role it is. */
    if ((g->kind == GV__GRANT_ROLE || gv__room_get(s, g->meeting, &r, err) == 0) &&
        gv__grant_has_role(r, g, OFFICER_ROLE))
        return 0;
    return gv_error_set(err, GV_EPERM,
                        "only the secretariat of a meeting on this server may add meetings: "
                        "open this page with a secretariat link");
}

/*
 * Finds a secretariat link among the request's credentials: the bearer token
 * if there is one, else every gavel_<meeting> cookie. 0 with *g filled, or
 * the most telling refusal (403 over 401).
 */
static int officer_grant(struct gv_server *s, struct lws *wsi, gv__grant *g, gv_error *err)
{
    char buf[4096];
    if (lws_hdr_copy(wsi, buf, sizeof buf, WSI_TOKEN_HTTP_AUTHORIZATION) > 0) {
        if (strncasecmp(buf, "Bearer ", 7) != 0)
            return gv_error_set(err, GV_EAUTH,
                                "the Authorization header must be \"Bearer <token>\" with the "
                                "token of a secretariat link");
        return officer_token(s, buf + 7, g, err);
    }
    int best = gv_error_set(err, GV_EAUTH,
                            "no credentials: open a secretariat link of a meeting on this "
                            "server first (it sets a cookie), or send \"Authorization: Bearer "
                            "<token>\"");
    if (lws_hdr_copy(wsi, buf, sizeof buf, WSI_TOKEN_HTTP_COOKIE) <= 0)
        return best;
    for (char *p = buf; *p;) {
        while (*p == ' ' || *p == ';')
            p++;
        char *end = p + strcspn(p, ";");
        char *eq = memchr(p, '=', (size_t)(end - p));
        char saved = *end;
        *end = '\0';
        if (strncmp(p, "gavel_", 6) == 0 && eq) {
            gv_error e;
            gv_error_clear(&e);
            int rc = officer_token(s, eq + 1, g, &e);
            if (rc == 0)
                return 0;
            if (best != GV_EPERM) {
                best = rc;
                *err = e;
            }
        }
        *end = saved;
        p = end;
    }
    return best;
}

/* The body of a request without a secretariat link was dropped: the refusal. */
static int body_dropped(struct lws *wsi, char *body, size_t len)
{
    struct gv_server *s = gv__server_of(wsi);
    gv_error err;
    gv__grant g;
    (void)len;
    free(body);
    gv_error_clear(&err);
    int rc = officer_grant(s, wsi, &g, &err);
    return gv__http_error(wsi, rc < 0 ? rc : GV_EPERM, rc < 0 ? err.msg : "refused");
}

/* The whole body is here: hand it to the job thread. */
static int body_read(struct lws *wsi, char *body, size_t len)
{
    struct gv_server *s = gv__server_of(wsi);
    gv_error err;
    gv_error_clear(&err);
    gv__grant g;
    char flag[8] = "";
    /* Checked again: a link revoked while the body came in no longer counts. */
    int rc = officer_grant(s, wsi, &g, &err);
    if (rc < 0) {
        free(body);
        return gv__http_error(wsi, rc, err.msg);
    }
    if (s->stopping) {
        free(body);
        return gv__http_error(wsi, GV_EBUSY, "the server is stopping: nothing was created");
    }
    setup_job *j = calloc(1, sizeof *j);
    if (!j) {
        free(body);
        return gv__http_error(wsi, GV_ENOMEM, "out of memory");
    }
    gv__http_job_init(&j->base, s, job_run, later_write, later_free);
    j->base.job.done = job_done;
    j->text = body;
    j->len = len;
    j->dry_run = gv__query_arg(wsi, "dry_run", flag, sizeof flag) && strcmp(flag, "0") != 0;
    snprintf(j->label, sizeof j->label, "secretariat page of %.40s, by %.40s", g.meeting,
             g.subject);
    return gv__jobs_answer_later(wsi, &j->base,
                                 "the server is busy: send the definition again in a few seconds");
}

int gv__route_setup(struct lws *wsi, const gv__request *req)
{
    struct gv_server *s = gv__server_of(wsi);
    gv_error err;
    gv_error_clear(&err);
    (void)req;
    if (s->cfg.no_web_setup)
        return gv__http_refuse(wsi, 0, GV_EPERM,
                               "this server does not create meetings from the web: ask its "
                               "operator (gavel init)");
    /* A page of another site may not load definitions with a cookie
     * (docs/security.md, "Origin"): refused unread. */
    if (gv__origin_check(s, wsi, &err) < 0)
        return gv__http_refuse(wsi, 0, err.code, err.msg);
    gv__grant g;
    bool officer = officer_grant(s, wsi, &g, &err) == 0;
    return gv__http_read_body(wsi, DEFINITION_MAX_BYTES, officer,
                              officer ? body_read : body_dropped);
}
