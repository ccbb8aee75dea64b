/*
 * Invitation links over HTTP: the secretariat lists, issues and revokes the
 * links of its meeting from its page (docs/protocol.md, "Invitation links").
 *
 *   GET  /api/v1/meetings/{m}/links              the meeting's links, never a token
 *   POST /api/v1/meetings/{m}/links              {"kind","subject","label"?}: a new
 *                                                link, its URL and QR code (201)
 *   POST /api/v1/meetings/{m}/links/{id}/revoke  revokes one link, closes its streams
 *
 * Who may: a person link of someone who holds the secretariat role, or the
 * secretariat's role link. Everyone else gets 403, no credentials 401
 * (docs/security.md says why the presiding officers may not).
 *
 * A link's id is the first 8 bytes of its token's hash in hex: stable, shown
 * to the secretariat, useless for getting in (the token is 32 random bytes
 * and only its hash is stored). `gavel invite --list` prints a prefix of it.
 *
 * Where the writes happen. The links log is in the same SQLite file as the
 * meetings. The loop thread must not write it: a write is a transaction
 * ending in an fsync (synchronous=FULL), it may first wait for the writer
 * thread's group commit, and SQLite waits for a lock by sleeping, so every
 * stream of every meeting would stall for milliseconds or, under load, far
 * longer. Nor may anyone but the writer thread use the writer's connection
 * (storage.c's; its mutex is held through each group commit). The job thread
 * (jobs.c) is not the place either: it renders PDFs one at a time, and a
 * revocation must not wait seconds behind one. So writes go to a worker of
 * their own (work/worker.h), the links writer, with a connection of its own
 * opened at its first job, the way `gavel invite`
 * writes from another process beside a running server: SQLite's file locks
 * order the worker and the writer thread, and gv_links_issue reads the log's
 * head again if the other appended first.
 *
 *   loop thread                                links writer
 *   request checked, job submitted,      ---> gv_links_issue / gv_links_revoke
 *   its answer deferred (gv__later)            on its own connection
 *   gv__links_writer_poll on the wake-up <--- job finished, lws_cancel_service
 *   -> job_back: refreshes the links,
 *   closes the streams a revoked link
 *   holds, makes the answer; http.c
 *   writes it
 *
 * A job's life: queued -> the worker's -> done -> back on the loop thread
 * (gv__later_back), answered (http.c calls later_write) and freed; if the
 * request's connection closes first, it is freed when it comes back
 * (gv__later). A revocation takes effect, streams closed, even when nobody
 * waits for the answer.
 *
 * The worker's thread starts with the first write; its stop rule is DRAIN:
 * gv__links_writer_stop (before the lws context goes) lets it write what is
 * queued, so a revocation accepted is not dropped, and joins it;
 * gv__links_writer_free (after) lets go of what is left.
 * The list is read on the loop thread through the server's reader connection
 * (one indexed query for what the log gained since), as auth.c does.
 *
 * The token exists in the worker's job, then in the response, and nowhere
 * else: the job's copies are wiped when the job is freed.
 */
#include <qrencode.h>
#include <sodium.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/auth.h"
#include "server/headers.h"
#include "server/limits.h"
#include "server/room.h"
#include "server/links.h"
#include "server/routes.h"
#include "server/storage.h"
#include "work/worker.h"

/** hex digits of a link id: the first 8 bytes of the token's hash */
#define LINK_ID_HEX 16
/** jobs waiting for the worker before the next write is refused (busy) */
#define TODO_MAX 64
/** the QR code's quiet zone, in modules, on each side (the standard's minimum) */
#define QR_QUIET 4

typedef enum job_op { JOB_ISSUE, JOB_REVOKE } job_op;

typedef struct job {
    gv_work work;    /** first: the links writer's item */
    gv__later later; /** the answer, once the job is back */
    struct gv__links_writer *wr;
    job_op op;
    /* Set on the loop thread before the job is queued; read-only afterwards. */
    char meeting[GV__ID_MAX + 1];
    gv_link_kind kind;
    char subject[GV_LINKS_FIELD_MAX + 1];
    char label[GV_LINKS_FIELD_MAX + 1];
    unsigned char hash[GV_LINKS_HASH_BYTES]; /** revocation: the link's */
    int64_t now_ms;
    /* Set by the worker before the job moves to done. */
    int rc;
    gv_error err;
    char token[GV_LINKS_TOKEN_CHARS + 1]; /** issue: the new token */
    /* Loop thread only. */
    int status; /** the answer, once back */
    char *body; /** its JSON (malloc'd), NULL on ENOMEM */
} job;

struct gv__links_writer {
    gv_links *links; /** loop thread: the log as last read, for the list */
    char *db_path;   /** the worker opens its own connection on it */
    gv_worker *worker;
    /* The worker thread's own, until it is joined. */
    gv_store *store; /** opened at the first job */
    gv_error open_err;
};

/* ---- the worker --------------------------------------------------------- */

static void job_free(job *j)
{
    if (!j)
        return;
    if (j->body) {
        sodium_memzero(j->body, strlen(j->body));
        free(j->body);
    }
    sodium_memzero(j->token, sizeof j->token);
    free(j);
}

/* The links writer's thread: the write, on its own connection. */
static void job_run(gv_work *item)
{
    job *j = (job *)item;
    struct gv__links_writer *wr = j->wr;
    gv_error_clear(&j->err);
    if (!wr->store && !wr->open_err.code)
        wr->store = gv_store_open(wr->db_path, 0, &wr->open_err);
    if (!wr->store) {
        j->err = wr->open_err;
        j->rc = wr->open_err.code ? wr->open_err.code : GV_EIO;
    } else if (j->op == JOB_ISSUE) {
        j->rc = gv_links_issue(wr->store, j->meeting, j->kind, j->subject, j->label, j->now_ms,
                               j->token, &j->err);
    } else {
        j->rc = gv_links_revoke(wr->store, j->hash, j->now_ms, &j->err);
    }
}

static void job_back(gv_work *item, void *arg);

/* The module's state, made on first use. NULL on ENOMEM. */
static struct gv__links_writer *writer_of(struct gv_server *s)
{
    if (s->links_wr)
        return s->links_wr;
    struct gv__links_writer *a = calloc(1, sizeof *a);
    gv_worker_config cfg = {
        .name = "the links writer",
        .at_stop = GV_WORKER_DRAIN, /* a revocation accepted is written */
        .max_waiting = TODO_MAX,
        .wake = gv__server_wake,
        .wake_ud = s,
    };
    if (!a || !(a->links = gv_links_new()) ||
        !(a->db_path = strdup(s->cfg.db_path ? s->cfg.db_path : "")) ||
        !(a->worker = gv_worker_new(&cfg, NULL))) {
        if (a) {
            gv_links_free(a->links);
            free(a->db_path);
        }
        free(a);
        return NULL;
    }
    s->links_wr = a;
    return a;
}

void gv__links_writer_stop(struct gv_server *s)
{
    if (s->links_wr)
        gv_worker_stop(s->links_wr->worker);
}

void gv__links_writer_free(struct gv_server *s)
{
    struct gv__links_writer *a = s->links_wr;
    if (!a)
        return;
    /* The jobs left come back with no server to answer through: their
     * requests' connections are gone, so gv__later_back frees them. */
    gv_worker_free(a->worker, NULL);
    gv_store_close(a->store);
    gv_links_free(a->links);
    free(a->db_path);
    free(a);
    s->links_wr = NULL;
}

/* ---- answers ------------------------------------------------------------ */

/* o as compact JSON (malloc'd; takes o), NULL on ENOMEM or when o is NULL. */
static char *dump(json_t *o)
{
    char *body = o ? gv_json_text(o) : NULL;
    json_decref(o);
    return body;
}

static int respond_json(struct lws *wsi, int status, json_t *o)
{
    char *body = dump(o);
    if (!body)
        return gv__http_error(wsi, GV_ENOMEM, "out of memory");
    return gv__http_respond(wsi, status, "application/json", body, strlen(body), NULL);
}

/* The answer of a job that came back (takes o). */
static void set_answer(job *j, int status, json_t *o)
{
    j->status = status;
    j->body = dump(o);
}

static void set_error(job *j, int code, const char *msg)
{
    j->status = gv__http_status(code);
    j->body = gv__error_json(NULL, code, msg);
}

/* http.c: the connection can take the answer. */
static int later_write(gv__later *l, struct lws *wsi)
{
    job *j = (job *)((char *)l - offsetof(job, later));
    int status = j->status;
    char *body = j->body;
    j->body = NULL;
    if (!body)
        return gv__http_error(wsi, GV_ENOMEM, "out of memory writing the answer");
    return gv__http_respond(wsi, status, "application/json", body, strlen(body), NULL);
}

/* gv__later: both the request and the worker let go. */
static void later_free(gv__later *l)
{
    job_free((job *)((char *)l - offsetof(job, later)));
}

/* ---- links as JSON ------------------------------------------------------ */

static void link_id(const unsigned char hash[GV_LINKS_HASH_BYTES], char id[LINK_ID_HEX + 1])
{
    sodium_bin2hex(id, LINK_ID_HEX + 1, hash, LINK_ID_HEX / 2);
}

/* {"id","kind","subject","label","issued_at_ms","revoked","revoked_at_ms","yours"} */
static json_t *link_json(const gv_link *l, const unsigned char yours[GV_LINKS_HASH_BYTES])
{
    char id[LINK_ID_HEX + 1];
    link_id(l->hash, id);
    return json_pack("{s:s, s:s, s:s, s:s, s:I, s:b, s:o, s:b}", "id", id, "kind",
                     gv_links_kind_name(l->kind), "subject", l->subject, "label", l->label,
                     "issued_at_ms", (json_int_t)l->issued_at_ms, "revoked", l->revoked_at_ms != 0,
                     "revoked_at_ms",
                     l->revoked_at_ms ? json_integer(l->revoked_at_ms) : json_null(), "yours",
                     yours && sodium_memcmp(l->hash, yours, GV_LINKS_HASH_BYTES) == 0);
}

typedef struct list_ctx {
    struct gv_server *s;
    const char *meeting;
    const unsigned char *yours;
    json_t *out;
    bool failed;
} list_ctx;

/* A link of the list, with when it was last used since the server started (null: not). */
static int list_each(void *ud, const gv_link *l)
{
    list_ctx *x = ud;
    if (strcmp(l->meeting, x->meeting) != 0)
        return 0;
    int64_t used = gv__auth_last_used(x->s, l->hash);
    json_t *j = link_json(l, x->yours);
    if (!j ||
        json_object_set_new(j, "last_used_at_ms", used ? json_integer(used) : json_null()) < 0 ||
        json_array_append_new(x->out, j) < 0) {
        x->failed = true;
        return 1;
    }
    return 0;
}

typedef struct find_ctx {
    const char *meeting;
    unsigned char prefix[LINK_ID_HEX / 2]; /** the id, decoded once */
    const gv_link *found;
} find_ctx;

static int find_each(void *ud, const gv_link *l)
{
    find_ctx *x = ud;
    if (memcmp(l->hash, x->prefix, sizeof x->prefix) != 0 || strcmp(l->meeting, x->meeting) != 0)
        return 0;
    x->found = l;
    return 1;
}

/* The meeting's link with this id (is_link_id) in the log as last read, or NULL. */
static const gv_link *find_link(struct gv__links_writer *a, const char *meeting, const char *id)
{
    find_ctx x = {.meeting = meeting};
    if (sodium_hex2bin(x.prefix, sizeof x.prefix, id, LINK_ID_HEX, NULL, NULL, NULL) != 0)
        return NULL;
    gv_links_each(a->links, find_each, &x);
    return x.found;
}

/* Reads what the links log gained. */
static int refresh(struct gv_server *s, struct gv__links_writer *a, gv_error *err)
{
    return gv_links_refresh(a->links, gv__storage_reader(s), err);
}

/* ---- QR codes ------------------------------------------------------------ */

/*
 * The QR code of text (error correction M, byte mode: a token is
 * case-sensitive) as {"size": N, "rows": ["1010..", ...], "svg": "<svg ...>"}:
 * rows are the modules, dark as '1', without the quiet zone; the SVG draws
 * them with the quiet zone, one path of horizontal runs, black on white.
 * NULL on ENOMEM or when the text does not fit a QR code.
 */
static json_t *qr_json(const char *text)
{
    QRcode *q = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    if (!q)
        return NULL;
    int n = q->width, side = n + 2 * QR_QUIET;
    json_t *rows = json_array();
    char *row = malloc((size_t)n + 1);
    /* A run is at most "M181 181h177v1h-177z" (20 bytes), a row at most
     * (n + 1) / 2 runs: 11 * n * n bytes hold them all for any version. */
    size_t cap = 256 + (size_t)n * (size_t)n * 11;
    char *svg = malloc(cap);
    json_t *out = NULL;
    if (!rows || !row || !svg)
        goto done;
    size_t len = (size_t)snprintf(
        svg, cap,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" "
        "shape-rendering=\"crispEdges\"><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/>"
        "<path fill=\"#000\" d=\"",
        side, side, side, side);
    for (int y = 0; y < n; y++) {
        for (int x = 0; x < n; x++)
            row[x] = (q->data[y * n + x] & 1) ? '1' : '0';
        row[n] = '\0';
        if (json_array_append_new(rows, json_string(row)) < 0)
            goto done;
        for (int x = 0; x < n;) {
            if (row[x] != '1') {
                x++;
                continue;
            }
            int run = 0;
            while (x + run < n && row[x + run] == '1')
                run++;
            len += (size_t)snprintf(svg + len, cap - len, "M%d %dh%dv1h-%dz", x + QR_QUIET,
                                    y + QR_QUIET, run, run);
            if (len >= cap) /* cannot happen with the bound above; never write past it */
                goto done;
            x += run;
        }
    }
    len += (size_t)snprintf(svg + len, cap - len, "\"/></svg>");
    if (len >= cap)
        goto done;
    out = json_pack("{s:i, s:O, s:s}", "size", n, "rows", rows, "svg", svg);
done:
    json_decref(rows);
    free(row);
    free(svg);
    QRcode_free(q);
    return out;
}

/* ---- completions (loop thread) -------------------------------------------- */

/* Ends the streams that a revoked link holds open, at once rather than at the
 * next sweep (server.c), and says how many. */
static int close_streams(struct gv_server *s, const char *meeting,
                         const unsigned char hash[GV_LINKS_HASH_BYTES])
{
    gv__room *r = NULL;
    gv_error err;
    gv_error_clear(&err);
    if (gv__room_get(s, meeting, &r, &err) < 0 || !r)
        return 0;
    int n = 0;
    for (gv__client *c = r->subs, *next; c; c = next) {
        next = c->next;
        if (c->state != GV__LIVE || memcmp(c->grant.hash, hash, GV_LINKS_HASH_BYTES) != 0)
            continue;
        if (gv__client_refuse(c, NULL, GV_EPERM, "link_revoked", "this link was revoked") == 0)
            gv__client_close(c, LWS_CLOSE_STATUS_POLICY_VIOLATION, "link revoked");
        n++;
    }
    return n;
}

static void finish_issue(struct gv_server *s, struct gv__links_writer *a, job *j)
{
    gv_error err;
    gv_error_clear(&err);
    unsigned char hash[GV_LINKS_HASH_BYTES];
    gv_links_token_hash(j->token, hash);
    gv__auth_refresh(s); /* the new link works at once */
    if (refresh(s, a, &err) < 0) {
        set_error(j, err.code, err.msg);
        return;
    }
    const gv_link *l = gv_links_find(a->links, hash);
    if (!l) {
        set_error(j, GV_EIO,
                  "the link was written but cannot be read back: check the database with "
                  "'gavel verify'");
        return;
    }
    size_t bl = strlen(s->base_url);
    if (bl && s->base_url[bl - 1] == '/')
        bl--;
    char url[1024];
    snprintf(url, sizeof url, "%.*s/join/%s", (int)bl, s->base_url, j->token);
    json_t *qr = qr_json(url);
    json_t *out =
        qr ? json_pack("{s:o, s:s, s:o}", "link", link_json(l, NULL), "url", url, "qr", qr) : NULL;
    sodium_memzero(url, sizeof url);
    if (!out) {
        set_error(j, GV_ENOMEM, "out of memory drawing the link's QR code");
        return;
    }
    set_answer(j, 201, out);
}

static void finish_revoke(struct gv_server *s, struct gv__links_writer *a, job *j)
{
    gv_error err;
    gv_error_clear(&err);
    gv__auth_refresh(s); /* requests with the link are refused from now on */
    int closed = close_streams(s, j->meeting, j->hash);
    if (refresh(s, a, &err) < 0) {
        set_error(j, err.code, err.msg);
        return;
    }
    const gv_link *l = gv_links_find(a->links, j->hash);
    if (!l) {
        set_error(j, GV_EIO, "the revoked link cannot be read back");
        return;
    }
    set_answer(j, 200,
               json_pack("{s:o, s:i}", "link", link_json(l, NULL), "closed_streams", closed));
}

void gv__links_writer_poll(struct gv_server *s)
{
    if (s->links_wr)
        gv_worker_poll(s->links_wr->worker, s);
}

/* The worker's done (loop thread): refreshes the links, closes the streams
 * a revoked link holds, makes the answer; with no server (arg NULL, at the
 * end) only lets go of the job. */
static void job_back(gv_work *item, void *arg)
{
    job *j = (job *)item;
    struct gv_server *s = arg;
    if (s && j->rc < 0)
        set_error(j, j->rc, j->err.msg);
    else if (s && j->op == JOB_ISSUE)
        finish_issue(s, j->wr, j);
    else if (s)
        finish_revoke(s, j->wr, j);
    gv__later_back(&j->later); /* answered, or freed when nobody waits */
}

/* ---- requests (loop thread) ----------------------------------------------- */

/* Writes are rate-limited per link (a secretariat role link names nobody). */
static int take_write(struct gv_server *s, const gv__grant *g, gv_error *err)
{
    char key[8 + 2 * GV_LINKS_HASH_BYTES + 1] = "link\x1f";
    if (s->stopping)
        return gv_error_set(err, GV_EBUSY,
                            "the server is shutting down: try again once it is back");
    sodium_bin2hex(key + 5, sizeof key - 5, g->hash, GV_LINKS_HASH_BYTES);
    if (!gv__rate_take(s->rates, key, s->cfg.commands_per_second, s->cfg.command_burst,
                       gv__mono_us()))
        return gv_error_set(err, GV_ERATE,
                            "too many requests with this link: at most %u a second (bursts of "
                            "%u); wait, then try again",
                            s->cfg.commands_per_second, s->cfg.command_burst);
    return 0;
}

/* Who asks: their grant, the meeting's room and the links module's state. */
typedef struct caller {
    gv__grant g;
    gv__room *r;
    struct gv__links_writer *a;
    gv_error err;
} caller;

/*
 * Who asks, and may they: checks the request's link, loads the room and the
 * module's state, and for a change (`writes`) takes from the link's rate.
 * Returns 0, or a GV_E* code with c->err set (401 no or unknown link, 403
 * revoked or not the secretariat, 404 no such meeting, 429 too many).
 */
static int check_caller(struct lws *wsi, const char *meeting, bool writes, caller *c)
{
    struct gv_server *s = gv__server_of(wsi);
    memset(c, 0, sizeof *c);
    gv_error_clear(&c->err);
    int rc = gv__auth_meeting(s, wsi, meeting, &c->g, &c->r, &c->err);
    if (rc != 0)
        return rc;
    if (!gv__grant_has_role(c->r, &c->g, "secretariat"))
        return gv_error_set(&c->err, GV_EPERM,
                            "only the meeting's secretariat may see, issue or revoke invitation "
                            "links");
    if (!(c->a = writer_of(s)))
        return gv_error_set(&c->err, GV_ENOMEM, "out of memory");
    return writes ? take_write(s, &c->g, &c->err) : 0;
}

/* Queues the job and defers the answer, or answers the error now. */
static int queue(struct lws *wsi, struct gv__links_writer *a, job *j)
{
    gv_error err;
    gv_error_clear(&err);
    j->work.run = job_run;
    j->work.done = job_back;
    j->wr = a;
    j->later.write = later_write;
    j->later.free = later_free;
    int rc = gv_worker_submit(a->worker, &j->work, &err);
    if (rc < 0) {
        job_free(j);
        if (rc == GV_ESTATE) /* the writer stops with the server */
            gv_error_set(&err, GV_EBUSY, "the server is shutting down: try again once it is back");
        return gv__http_error(wsi, rc == GV_ESTATE ? GV_EBUSY : rc, err.msg);
    }
    /* The worker may finish at once, but only the loop thread, which is here,
     * takes jobs back: the answer is deferred before anyone can make it ready. */
    gv__http_defer(wsi, &j->later);
    return 0;
}

static int parse_issue(const gv__room *r, const char *body, size_t len, job *j, gv_error *err)
{
    static const char usage[] = "send {\"kind\": \"person\"|\"role\"|\"viewer\"|\"interpreter\", "
                                "\"subject\": PERSON or ROLE, \"label\": optional note}";
    if (!body || len == 0)
        return gv_error_set(err, GV_EINVAL, "the body is empty: %s", usage);
    json_error_t jerr;
    json_t *o = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
    int rc = 0;
    if (!o || !json_is_object(o)) {
        rc = gv_error_set(err, GV_EINVAL, "the body is not a JSON object (%s): %s",
                          o ? "another JSON value" : jerr.text, usage);
        goto done;
    }
    const char *key;
    json_t *v;
    json_object_foreach(o, key, v)
    {
        if (strcmp(key, "kind") != 0 && strcmp(key, "subject") != 0 && strcmp(key, "label") != 0) {
            rc = gv_error_set(err, GV_EINVAL, "unknown field \"%.40s\": %s", key, usage);
            goto done;
        }
    }
    const json_t *jk = json_object_get(o, "kind"), *js = json_object_get(o, "subject"),
                 *jl = json_object_get(o, "label");
    const char *kind = json_string_value(jk);
    const char *subject = json_string_value(js);
    if (!kind) {
        rc = gv_error_set(err, GV_EINVAL, "\"kind\" is %s: %s", jk ? "not a string" : "missing",
                          usage);
        goto done;
    }
    if (js && !subject) {
        rc = gv_error_set(err, GV_EINVAL, "\"subject\" must be a string: %s", usage);
        goto done;
    }
    if (jl && (!json_is_string(jl) || json_string_length(jl) > GV_LINKS_FIELD_MAX ||
               strpbrk(json_string_value(jl), "\n\r\t"))) {
        rc = gv_error_set(err, GV_EINVAL, "\"label\" must be one line of at most %d bytes",
                          GV_LINKS_FIELD_MAX);
        goto done;
    }
    if (strcmp(kind, "person") == 0) {
        if (!subject) {
            rc = gv_error_set(err, GV_EINVAL, "a person link needs \"subject\": the person's id");
        } else if (!gv_meeting_has_person(r->state, subject)) {
            rc = gv_error_set(err, GV_EINVAL,
                              "meeting %s has no person \"%.64s\": give a person id of the "
                              "definition",
                              r->id, subject);
        }
        j->kind = GV_LINK_PERSON;
    } else if (strcmp(kind, "role") == 0) {
        if (!subject || !gv_role_exists(subject)) {
            rc = gv_error_set(err, GV_EINVAL,
                              "a role link's \"subject\" is a role: chair, moderator, secretariat, "
                              "rapporteur, panelist or participant%s",
                              subject && strcmp(subject, "viewer") == 0
                                  ? " (a read-only link has \"kind\": \"viewer\")"
                                  : "");
        } else if (gv_meeting_role_holders(r->state, subject, NULL) == 0) {
            rc = gv_error_set(err, GV_EINVAL,
                              "nobody in meeting %s is a %s: a link for the role would open "
                              "nothing",
                              r->id, subject);
        }
        j->kind = GV_LINK_ROLE;
    } else if (strcmp(kind, "viewer") == 0 || strcmp(kind, GV__INTERPRETER) == 0) {
        /* The interpreters' link is a viewer link for the booth (auth.h). */
        const char *as =
            strcmp(kind, "viewer") == 0 && !(subject && strcmp(subject, GV__INTERPRETER) == 0)
                ? "viewer"
                : GV__INTERPRETER;
        if (subject && strcmp(subject, as) != 0)
            rc = gv_error_set(err, GV_EINVAL,
                              "a viewer link names nobody: leave \"subject\" out (or \"viewer\", "
                              "or \"interpreter\" for the interpreters' booth)");
        subject = as;
        j->kind = GV_LINK_VIEWER;
    } else {
        rc = gv_error_set(err, GV_EINVAL,
                          "\"kind\" must be \"person\", \"role\", \"viewer\" or \"interpreter\", "
                          "not \"%.40s\"",
                          kind);
    }
    if (rc == 0) {
        snprintf(j->subject, sizeof j->subject, "%s", subject);
        snprintf(j->label, sizeof j->label, "%s", jl ? json_string_value(jl) : "");
    }
done:
    json_decref(o);
    return rc;
}

static bool is_link_id(const char *s, size_t n)
{
    if (n != LINK_ID_HEX)
        return false;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return true;
}

static int route_list(struct lws *wsi, const char *meeting)
{
    struct gv_server *s = gv__server_of(wsi);
    caller c;
    if (check_caller(wsi, meeting, false, &c) != 0 || refresh(s, c.a, &c.err) < 0)
        return gv__http_error(wsi, c.err.code, c.err.msg);
    const gv__room *r = c.r;
    list_ctx x = {.s = s, .meeting = r->id, .yours = c.g.hash, .out = json_array()};
    if (x.out)
        gv_links_each(c.a->links, list_each, &x);
    if (!x.out || x.failed) {
        json_decref(x.out);
        return gv__http_error(wsi, GV_ENOMEM, "out of memory listing the links");
    }
    return respond_json(wsi, 200, json_pack("{s:s, s:o}", "meeting", r->id, "links", x.out));
}

static int route_issue(struct lws *wsi, const char *meeting, const char *body, size_t len)
{
    caller c;
    if (check_caller(wsi, meeting, true, &c) != 0)
        return gv__http_error(wsi, c.err.code, c.err.msg);
    job *j = calloc(1, sizeof *j);
    if (!j)
        return gv__http_error(wsi, GV_ENOMEM, "out of memory");
    if (parse_issue(c.r, body, len, j, &c.err) < 0) {
        job_free(j);
        return gv__http_error(wsi, c.err.code, c.err.msg);
    }
    j->op = JOB_ISSUE;
    snprintf(j->meeting, sizeof j->meeting, "%s", c.r->id);
    j->now_ms = gv__now_ms();
    return queue(wsi, c.a, j);
}

static int route_revoke(struct lws *wsi, const char *meeting, const char *id, size_t idl)
{
    struct gv_server *s = gv__server_of(wsi);
    caller c;
    if (check_caller(wsi, meeting, true, &c) != 0)
        return gv__http_error(wsi, c.err.code, c.err.msg);
    if (!is_link_id(id, idl))
        return gv__http_error(wsi, GV_EINVAL,
                              "a link id is 16 lower-case hex digits, as GET .../links lists "
                              "them");
    char idz[LINK_ID_HEX + 1];
    memcpy(idz, id, LINK_ID_HEX);
    idz[LINK_ID_HEX] = '\0';
    if (refresh(s, c.a, &c.err) < 0)
        return gv__http_error(wsi, c.err.code, c.err.msg);
    const gv_link *l = find_link(c.a, c.r->id, idz);
    if (!l) {
        gv_error_set(&c.err, GV_ENOTFOUND, "meeting %s has no link %s", c.r->id, idz);
        return gv__http_error(wsi, c.err.code, c.err.msg);
    }
    if (l->revoked_at_ms) /* nothing to do: answer as the first time did */
        return respond_json(
            wsi, 200, json_pack("{s:o, s:i}", "link", link_json(l, NULL), "closed_streams", 0));
    if (sodium_memcmp(l->hash, c.g.hash, GV_LINKS_HASH_BYTES) == 0)
        return gv__http_error(wsi, GV_ESTATE,
                              "this is the link you are using: revoking it would lock you out. "
                              "Use another secretariat link, or `gavel invite --revoke-link` on "
                              "the server");
    job *j = calloc(1, sizeof *j);
    if (!j)
        return gv__http_error(wsi, GV_ENOMEM, "out of memory");
    j->op = JOB_REVOKE;
    snprintf(j->meeting, sizeof j->meeting, "%s", c.r->id);
    memcpy(j->hash, l->hash, GV_LINKS_HASH_BYTES);
    j->now_ms = gv__now_ms();
    return queue(wsi, c.a, j);
}

#define LINKS_ROUTE  "/api/v1/meetings/{m}/links"
#define REVOKE_ROUTE "/api/v1/meetings/{m}/links/*/revoke"

static int on_issue_body(struct lws *wsi, char *body, size_t len)
{
    char path[256];
    gv__request req;
    gv_error err;
    gv_error_clear(&err);
    int rc;
    if (!gv__http_rematch(wsi, LINKS_ROUTE, path, sizeof path, &req))
        rc = gv__http_error(wsi, GV_ENOTFOUND, "no such resource");
    else if (gv__json_body_check(wsi, &err) < 0) /* a form may not pose as JSON */
        rc = gv__http_refuse(wsi, 415, err.code, err.msg);
    else
        rc = route_issue(wsi, req.meeting, body, len);
    free(body);
    return rc;
}

static int on_revoke_body(struct lws *wsi, char *body, size_t len)
{
    char path[256];
    gv__request req;
    (void)len; /* a revocation needs no body; one that comes is read and ignored */
    free(body);
    return gv__http_rematch(wsi, REVOKE_ROUTE, path, sizeof path, &req)
               ? route_revoke(wsi, req.meeting, req.arg, req.arg_len)
               : gv__http_error(wsi, GV_ENOTFOUND, "no such resource");
}

int gv__route_links(struct lws *wsi, const gv__request *req)
{
    struct gv_server *s = gv__server_of(wsi);
    if (req->method != GV__POST)
        return route_list(wsi, req->meeting);
    /* A page of another site may not change links with the cookie (as for
     * commands, docs/security.md); the body is refused unread. */
    gv_error err;
    gv_error_clear(&err);
    if (gv__origin_check(s, wsi, &err) < 0)
        return gv__http_refuse(wsi, 0, err.code, err.msg);
    return gv__http_read_body(wsi, s->cfg.max_message_bytes, true, on_issue_body);
}

int gv__route_link_revoke(struct lws *wsi, const gv__request *req)
{
    struct gv_server *s = gv__server_of(wsi);
    gv_error err;
    gv_error_clear(&err);
    if (gv__origin_check(s, wsi, &err) < 0)
        return gv__http_refuse(wsi, 0, err.code, err.msg);
    /* A revocation has nothing to say in a body; one announced is read first. */
    if (lws_hdr_total_length(wsi, WSI_TOKEN_HTTP_CONTENT_LENGTH) > 0) {
        char cl[24];
        lws_hdr_copy(wsi, cl, sizeof cl, WSI_TOKEN_HTTP_CONTENT_LENGTH);
        if (strtoull(cl, NULL, 10) > 0)
            return gv__http_read_body(wsi, s->cfg.max_message_bytes, false, on_revoke_body);
    }
    return route_revoke(wsi, req->meeting, req->arg, req->arg_len);
}
