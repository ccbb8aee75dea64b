/*
 * Written statements over HTTP (docs/statements.md; docs/protocol.md,
 * "Statements"):
 *
 *   POST .../statements?name=N[&person=P][&speech=S|&item=I][&as=A]
 *        the file is the body (Content-Type its kind, at most
 *        GV_STATEMENT_MAX_BYTES); the answer is attach_statement's, as for
 *        POST .../commands: the acknowledgement and the events
 *   GET  .../statements?format=zip   every current statement, one archive
 *                                    (made like a record: route_record.c)
 *   GET  .../statements/{sha256}     one statement's file
 *
 * An upload goes through four steps, none of which blocks the floor:
 *
 *   loop, headers   the link, the person it acts as, the rate, and the
 *                   command it will make decided against `ahead` with the
 *                   file's declared kind and size: a refusal is answered
 *                   before a byte of the body is held (the body is read and
 *                   dropped, so the answer reaches the sender)
 *   loop, body      the bytes gathered (http_body.c, within its budget),
 *                   handed to the job thread
 *   job thread      what the bytes are (store/filetype.h), against the kind
 *                   declared and the file name's extension; then stored
 *                   through the writer thread (gv__storage_put_file),
 *                   which names them by their SHA-256
 *   loop, answer    attach_statement with the hash, kind and size found,
 *                   decided and committed as any command (room.c), and
 *                   answered once durable (gv__commands_answer)
 *
 * The bytes are stored before the event that names them, so the log never
 * names a file the store lacks; a file whose command is refused at the
 * last step (the statement it was for was withdrawn meanwhile) stays
 * unnamed (docs/storage.md, "Files"). Clients cannot send attach_statement
 * themselves: room.c takes it only from here (client->upload).
 *
 * Who reads a statement's file: the presiding officers, the secretariat,
 * the rapporteurs, the interpreters and the statement's own speaker at any
 * time; everyone else once it is current and delivered (its speech was
 * given or its item is over), as United Nations statements are published
 * once delivered (docs/security.md, "Statements"). The file is read on the
 * job thread through a read-only connection of its own, and sent as an
 * attachment with the type the store says.
 */
#include <ctype.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/statements.h"
#include "server/auth.h"
#include "server/command.h"
#include "server/headers.h"
#include "server/jobs.h"
#include "server/room.h"
#include "server/routes.h"
#include "server/storage.h"
#include "store/filetype.h"
#include "store/store.h"

#define UPLOAD_ROUTE "/api/v1/meetings/{m}/statements"
/* A hash that names no file: the kind and size are what the first
 * decision checks. */
#define NO_HASH "0000000000000000000000000000000000000000000000000000000000000000"

/* ---- the upload ------------------------------------------------------------ */

/* What the request asks, read from its URL and headers. */
typedef struct ask {
    gv__grant grant;
    gv__room *room;
    char actor[GV__ID_MAX + 1];
    char name[GV_STATEMENT_NAME_MAX_BYTES + 1];
    char declared[128]; /** the Content-Type without parameters, lower case; "" none */
    json_t *cmd;        /** attach_statement without its file's fields */
} ask;

typedef struct upload {
    gv__http_job base; /** first: the job, its answer, the server */
    ask a;
    char meeting[GV__ID_MAX + 1]; /** the room's id, for the job thread */
    unsigned char *bytes;         /** the body, freed once stored */
    size_t len;
    /* Written by the job thread, read on the loop once back. */
    int rc;
    gv_error err;
    gv_doc_type type;
    unsigned char hash[GV_FILE_HASH_BYTES];
} upload;

/* The Content-Type's media type, lower case, without parameters. */
static void declared_type(struct lws *wsi, char *out, size_t size)
{
    char buf[256];
    out[0] = '\0';
    if (gv__header_copy(wsi, WSI_TOKEN_HTTP_CONTENT_TYPE, buf, sizeof buf) <= 0)
        return;
    size_t n = strcspn(buf, ";");
    while (n && buf[n - 1] == ' ')
        n--;
    for (size_t i = 0; i < n && i + 1 < size; i++)
        out[i] = (char)tolower((unsigned char)buf[i]), out[i + 1] = '\0';
}

/* The kind the first decision assumes: the declared one, else the name's. */
static int assumed_type(const ask *a)
{
    int t = gv_doc_type_of(a->declared);
    if (t >= 0)
        return t;
    if (strncmp(a->declared, "text/", 5) == 0)
        return GV_DOC_TEXT;
    const char *dot = strrchr(a->name, '.');
    for (int k = 0; dot && k < GV_DOC_TYPE_COUNT; k++)
        for (size_t e = 0; gv_doc_types[k].extensions[e]; e++)
            if (strcasecmp(dot + 1, gv_doc_types[k].extensions[e]) == 0)
                return k;
    return -1;
}

/* attach_statement's fields from the URL: name, person, speech or item. */
static int read_url(struct lws *wsi, ask *a, gv_error *err)
{
    char person[GV__ID_MAX + 1] = "", item[GV__ID_MAX + 1] = "", speech[24] = "", *end;
    if (!gv__query_arg(wsi, "name", a->name, sizeof a->name) || !a->name[0])
        return gv_error_set(err, GV_EINVAL,
                            "say the file's name: POST .../statements?name=statement.pdf");
    gv__query_arg(wsi, "person", person, sizeof person);
    gv__query_arg(wsi, "item", item, sizeof item);
    gv__query_arg(wsi, "speech", speech, sizeof speech);
    json_t *name = json_string(a->name); /* NULL when not UTF-8 */
    if (!name)
        return gv_error_set(err, GV_EINVAL, "the file name is not UTF-8: rename the file");
    a->cmd = json_pack("{s:s, s:o}", "type", "attach_statement", "file_name", name);
    if (!a->cmd)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    if (person[0])
        json_object_set_new(a->cmd, "person", json_string(person));
    if (item[0])
        json_object_set_new(a->cmd, "item", json_string(item));
    if (speech[0]) {
        long long v = strtoll(speech, &end, 10);
        if (*end || v < 1)
            return gv_error_set(err, GV_EINVAL, "speech=\"%.20s\" is not a speech's id", speech);
        json_object_set_new(a->cmd, "speech", json_integer(v));
    }
    return 0;
}

/* Sets the file's fields of the command. */
static int set_file(json_t *cmd, const char *hash, int type, size_t len)
{
    if (json_object_set_new(cmd, "hash", json_string(hash)) < 0 ||
        json_object_set_new(cmd, "media_type", json_string(gv_doc_types[type].media_type)) < 0 ||
        json_object_set_new(cmd, "size_bytes", json_integer((json_int_t)len)) < 0)
        return GV_ENOMEM;
    return 0;
}

/*
 * Everything that can be checked before the file is read: the link, whom
 * it acts as, and the command decided against the meeting with the kind
 * declared and the size announced. 0 with a filled (the caller releases
 * a->cmd), or a GV_E* code with err set.
 */
static int precheck(struct lws *wsi, const char *meeting, size_t len, ask *a, gv_error *err)
{
    struct gv_server *s = gv__server_of(wsi);
    char as[GV__ID_MAX + 1] = "";
    bool has_as = gv__query_arg(wsi, "as", as, sizeof as);
    int rc;
    memset(a, 0, sizeof *a);
    if ((rc = gv__auth_meeting(s, wsi, meeting, &a->grant, &a->room, err)) < 0 ||
        (rc = gv__auth_actor(a->room, &a->grant, has_as ? as : NULL, a->actor, sizeof a->actor,
                             err)) < 0)
        return rc;
    if (!a->actor[0])
        return gv_error_set(err, GV_EPERM, "this link is read-only: it cannot attach statements");
    if ((rc = read_url(wsi, a, err)) < 0)
        return rc;
    declared_type(wsi, a->declared, sizeof a->declared);
    int type = assumed_type(a);
    if (type < 0)
        return gv_error_set(err, GV_EINVAL,
                            "the file \"%.60s\" is not named as a statement is: a PDF (.pdf), a "
                            "Word document (.docx), an OpenDocument text (.odt) or a text file "
                            "(.txt)",
                            a->name);
    if (set_file(a->cmd, NO_HASH, type, len) < 0)
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    json_t *events = NULL;
    rc = gv_meeting_decide(a->room->ahead, a->cmd, a->actor, gv__now_ms(), &events, err);
    json_decref(events);
    return rc;
}

static void ask_release(ask *a)
{
    json_decref(a->cmd);
    a->cmd = NULL;
}

static void upload_free(upload *u)
{
    ask_release(&u->a);
    free(u->bytes);
    free(u);
}

/* Job thread: what the bytes are, then stored. */
static void upload_run(gv_work *job)
{
    upload *u = (upload *)job;
    gv_error_clear(&u->err);
    const char *name = json_string_value(json_object_get(u->a.cmd, "file_name"));
    u->rc = gv_filetype_identify(u->bytes, u->len, &u->type, &u->err);
    const gv_doc_type_info *t = u->rc == 0 ? &gv_doc_types[u->type] : NULL;
    bool declared_ok = !u->a.declared[0] ||
                       strcmp(u->a.declared, "application/octet-stream") == 0 ||
                       (t && strcmp(u->a.declared, t->media_type) == 0) ||
                       (t && u->type == GV_DOC_TEXT && strncmp(u->a.declared, "text/", 5) == 0);
    if (u->rc == 0 && !declared_ok)
        u->rc = gv_error_set(&u->err, GV_EINVAL,
                             "the file was sent as %.80s but holds %s: send it as what it is",
                             u->a.declared, t->label);
    if (u->rc == 0)
        u->rc = gv_statement_name_check(name, u->type, &u->err);
    if (u->rc == 0 && (u->rc = gv__storage_put_file(u->base.srv, u->meeting, t->media_type,
                                                    u->bytes, u->len, u->hash, &u->err)) < 0)
        lwsl_err("a statement for %s could not be stored: %s\n", u->meeting, u->err.msg);
    free(u->bytes); /* stored, or refused: not needed any more */
    u->bytes = NULL;
}

static void upload_later_free(gv__later *l)
{
    upload_free((upload *)gv__http_job_of(l));
}

/* Writeable, once back: the command with the file found, to the room. */
static int upload_answer(gv__later *l, struct lws *wsi)
{
    upload *u = (upload *)gv__http_job_of(l);
    struct gv_server *s = u->base.srv;
    char hex[GV_HASH_HEX_SIZE];
    if (!u->base.job.ran)
        return gv__http_error(wsi, GV_EBUSY, "the server is stopping: send the statement again");
    if (u->rc < 0) {
        /* The store's failures are the server's log's; the sender gets their kind. */
        int code = u->rc == GV_EINVAL || u->rc == GV_ELIMIT || u->rc == GV_EFULL ||
                           u->rc == GV_EREADONLY || u->rc == GV_EBUSY
                       ? u->rc
                       : GV_EIO;
        return gv__http_error(wsi, code,
                              code == GV_EIO ? "the statement could not be stored: try again "
                                               "later"
                                             : u->err.msg);
    }
    if (!gv__auth_still_valid(s, &u->a.grant))
        return gv__http_error(wsi, GV_EPERM, "this link was revoked while the file arrived");
    gv_hash_to_hex(u->hash, hex);
    if (set_file(u->a.cmd, hex, u->type, u->len) < 0)
        return gv__http_error(wsi, GV_ENOMEM, "out of memory");
    gv__client *c = gv__client_new(s, GV__CLIENT_HTTP_CMD, wsi);
    if (!c)
        return -1;
    c->grant = u->a.grant;
    c->room = u->a.room;
    c->upload = true;
    snprintf(c->actor, sizeof c->actor, "%s", u->a.actor);
    gv__http_attach(wsi, c);
    gv__room_command(u->a.room, c, u->a.cmd, NULL);
    return 0;
}

/* The body of a refused upload was dropped: the refusal, made again. */
static int upload_dropped(struct lws *wsi, char *body, size_t len)
{
    char path[256];
    gv__request req;
    gv_error err;
    ask a = {0};
    free(body);
    gv_error_clear(&err);
    int rc = gv__http_rematch(wsi, UPLOAD_ROUTE, path, sizeof path, &req)
                 ? precheck(wsi, req.meeting, len, &a, &err)
                 : gv_error_set(&err, GV_ENOTFOUND, "no such resource");
    ask_release(&a);
    if (rc == 0)
        rc = gv_error_set(&err, GV_EBUSY,
                          "the meeting changed while the file arrived: send it "
                          "again");
    return gv__http_error(wsi, rc, err.msg);
}

/* The whole file is here: checked again (a link may have been revoked, the
 * meeting moved on), then to the job thread. */
static int upload_body(struct lws *wsi, char *body, size_t len)
{
    struct gv_server *s = gv__server_of(wsi);
    char path[256];
    gv__request req;
    gv_error err;
    gv_error_clear(&err);
    upload *u = calloc(1, sizeof *u);
    int rc = !u ? gv_error_set(&err, GV_ENOMEM, "out of memory")
             : gv__http_rematch(wsi, UPLOAD_ROUTE, path, sizeof path, &req)
                 ? precheck(wsi, req.meeting, len, &u->a, &err)
                 : gv_error_set(&err, GV_ENOTFOUND, "no such resource");
    if (rc == 0 && s->stopping)
        rc = gv_error_set(&err, GV_EBUSY, "the server is stopping: send the statement again");
    if (rc < 0) {
        free(body);
        if (u)
            upload_free(u);
        return gv__http_error(wsi, rc, err.msg);
    }
    gv__http_job_init(&u->base, s, upload_run, upload_answer, upload_later_free);
    snprintf(u->meeting, sizeof u->meeting, "%s", u->a.room->id);
    u->bytes = (unsigned char *)body;
    u->len = len;
    return gv__jobs_answer_later(wsi, &u->base,
                                 "the server is busy with other files: send the statement again "
                                 "in a few seconds");
}

static int upload_route(struct lws *wsi, const gv__request *req)
{
    struct gv_server *s = gv__server_of(wsi);
    gv_error err;
    char cl[24] = "";
    ask a;
    gv_error_clear(&err);
    /* A page of another site may not attach with a cookie (docs/security.md). */
    if (gv__origin_check(s, wsi, &err) < 0)
        return gv__http_refuse(wsi, 403, err.code, err.msg);
    if (lws_hdr_copy(wsi, cl, sizeof cl, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0 && strcmp(cl, "0") == 0)
        return gv__http_error(wsi, GV_EINVAL,
                              "the file is empty (0 bytes): choose the statement's file again");
    /* Without a length, the body's reading refuses it (411). */
    size_t len = cl[0] ? strtoull(cl, NULL, 10) : 1;
    int rc = precheck(wsi, req->meeting, len, &a, &err);
    ask_release(&a);
    /* An upload is a command of its sender's, within their rate. */
    if (rc == 0 && gv__command_rate(s, a.room, a.actor, &err) < 0)
        return gv__http_refuse(wsi, 0, GV_ERATE, err.msg);
    /* A refused upload is read and dropped, so that the refusal reaches the
     * sender; an accepted one is held whole (GV_STATEMENT_MAX_BYTES at most,
     * checked against its Content-Length first). */
    return gv__http_read_body(wsi, GV_STATEMENT_MAX_BYTES, rc == 0,
                              rc == 0 ? upload_body : upload_dropped);
}

int gv__route_statements(struct lws *wsi, const gv__request *req)
{
    if (req->method == GV__POST)
        return upload_route(wsi, req);
    return gv__record_statements_archive(wsi, req);
}

/* ---- one file ---------------------------------------------------------------- */

typedef struct fetch {
    gv__http_job base; /** first: the job, its answer, the server */
    char meeting[GV__ID_MAX + 1];
    unsigned char hash[GV_FILE_HASH_BYTES];
    char name[GV_STATEMENT_NAME_MAX_BYTES + 1];
    char media_type[GV_FILE_MEDIA_TYPE_MAX + 1];
    /* Written by the job thread. */
    int rc;
    gv_error err;
    char *bytes;
    size_t len;
} fetch;

static int take_bytes(void *ud, const gv_stored_file *f)
{
    fetch *x = ud;
    if (!(x->bytes = malloc(f->len ? f->len : 1)))
        return gv_error_set(&x->err, GV_ENOMEM, "out of memory");
    memcpy(x->bytes, f->bytes, f->len);
    x->len = f->len;
    return 0;
}

static void fetch_run(gv_work *job)
{
    fetch *x = (fetch *)job;
    gv_error_clear(&x->err);
    gv_store *st = gv_store_open(x->base.srv->cfg.db_path, GV_STORE_READONLY, &x->err);
    x->rc = st ? gv_store_get_file(st, x->meeting, x->hash, take_bytes, x, &x->err) : x->err.code;
    gv_store_close(st);
    if (x->rc < 0)
        lwsl_err("meeting %s: a statement's file cannot be read: %s\n", x->meeting, x->err.msg);
}

static void fetch_free(gv__later *l)
{
    fetch *x = (fetch *)gv__http_job_of(l);
    free(x->bytes);
    free(x);
}

static int fetch_answer(gv__later *l, struct lws *wsi)
{
    fetch *x = (fetch *)gv__http_job_of(l);
    if (!x->base.job.ran)
        return gv__http_error(wsi, GV_EBUSY, "the server is stopping: ask again once it is back");
    if (x->rc < 0)
        return gv__http_error(wsi, x->rc == GV_ENOTFOUND ? GV_ENOTFOUND : GV_EIO,
                              x->rc == GV_ENOTFOUND
                                  ? "the statement's file is missing from the database: tell "
                                    "the secretariat (gavel verify names it)"
                                  : "the statement's file could not be read: try again later");
    char disp[1024], etag[GV_HASH_HEX_SIZE + 2], ctype[GV_FILE_MEDIA_TYPE_MAX + 20];
    char hex[GV_HASH_HEX_SIZE];
    gv_hash_to_hex(x->hash, hex);
    snprintf(etag, sizeof etag, "\"%s\"", hex);
    snprintf(ctype, sizeof ctype, "%s%s", x->media_type,
             strcmp(x->media_type, "text/plain") == 0 ? "; charset=utf-8" : "");
    gv__content_disposition(disp, sizeof disp, x->name);
    /* The bytes never change for this name; who may read them might. */
    gv__header h[] = {{"content-disposition:", disp},
                      {"etag:", etag},
                      {"cache-control:", "private, no-cache"},
                      {NULL, NULL}};
    char *bytes = x->bytes;
    x->bytes = NULL;
    return gv__http_respond(wsi, 200, ctype, bytes, x->len, h);
}

/* May the link read this statement's file now? 0, or GV_EPERM. */
static int may_read(const gv__room *r, const gv__grant *g, const char *actor,
                    const gv_statement_ref *ref, gv_error *err)
{
    if (gv__grant_view(r, g) == GV_VIEW_FULL || gv__grant_is_interpreter(g) ||
        strcmp(actor, ref->person) == 0)
        return 0;
    if (ref->current && ref->delivered)
        return 0;
    return gv_error_set(err, GV_EPERM,
                        ref->current ? "this statement is not delivered yet: it is published "
                                       "once its speaker has taken the floor"
                                     : "this statement was withdrawn or replaced");
}

int gv__route_statement(struct lws *wsi, const gv__request *req)
{
    struct gv_server *s = gv__server_of(wsi);
    gv_error err;
    gv__grant g;
    gv__room *r = NULL;
    char hex[GV_HASH_HEX_SIZE], as[GV__ID_MAX + 1] = "", actor[GV__ID_MAX + 1] = "";
    gv_statement_ref ref;
    gv_error_clear(&err);
    int rc = gv__auth_meeting(s, wsi, req->meeting, &g, &r, &err);
    if (rc < 0)
        return gv__http_error(wsi, rc, err.msg);
    if (req->arg_len != 2 * GV_FILE_HASH_BYTES)
        return gv__http_error(wsi, GV_ENOTFOUND,
                              "a statement's file is named by its SHA-256: 64 hex digits");
    for (size_t i = 0; i < req->arg_len; i++)
        hex[i] = (char)tolower((unsigned char)req->arg[i]);
    hex[req->arg_len] = '\0';
    bool has_as = gv__query_arg(wsi, "as", as, sizeof as);
    /* Whom the link acts as only matters for a speaker's own statement. */
    if (gv__auth_actor(r, &g, has_as ? as : NULL, actor, sizeof actor, NULL) < 0)
        actor[0] = '\0';
    if (gv_meeting_statement_find(r->state, hex, &ref) < 0)
        return gv__http_error(wsi, GV_ENOTFOUND, "no statement of this meeting has this file");
    if ((rc = may_read(r, &g, actor, &ref, &err)) < 0)
        return gv__http_error(wsi, rc, err.msg);
    fetch *x = calloc(1, sizeof *x);
    if (!x)
        return gv__http_error(wsi, GV_ENOMEM, "out of memory");
    gv__http_job_init(&x->base, s, fetch_run, fetch_answer, fetch_free);
    snprintf(x->meeting, sizeof x->meeting, "%s", r->id);
    gv_hash_from_hex(hex, x->hash);
    snprintf(x->name, sizeof x->name, "%s", ref.file_name);
    snprintf(x->media_type, sizeof x->media_type, "%s", ref.media_type);
    return gv__jobs_answer_later(wsi, &x->base,
                                 "the server is busy with other files: ask again in a few "
                                 "seconds");
}
