/*
 * POST /api/v1/meetings/{m}/commands: a command over plain HTTP, for
 * programs and pages without a WebSocket (docs/protocol.md, "Commands over
 * HTTP"). The answer is the acknowledgement with the command's events, or
 * its error, once the events are durable: the request waits for the commit.
 *
 *   route            Origin and Content-Type checked, the body asked for
 *   body complete    link, actor and rate checked, the JSON parsed; the
 *                    command goes to its room as a client of kind
 *                    GV__CLIENT_HTTP_CMD that the transaction holds
 *   room             refuses at once, or submits and, once committed,
 *                    sets the client's http_body and asks for a writeable
 *   writeable        gv__commands_answer writes it (http.c)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/auth.h"
#include "server/command.h"
#include "server/headers.h"
#include "server/room.h"
#include "server/routes.h"

#define COMMANDS_ROUTE "/api/v1/meetings/{m}/commands"

/* Answers a refusal of the command: its id, when it has one, comes back. */
static int refuse(struct lws *wsi, const json_t *id, const gv_error *err)
{
    char *j = gv__error_json_reason(id, err->code, err->reason, err->msg);
    if (!j)
        return -1;
    return gv__http_respond(wsi, gv__http_status(err->code), "application/json", j, strlen(j),
                            NULL);
}

/* Runs a POSTed command, body[0..len), for the meeting of the request. */
static int run_command(struct lws *wsi, const char *meeting, const char *body, size_t len)
{
    struct gv_server *s = gv__server_of(wsi);
    gv_error err;
    gv_error_clear(&err);
    gv__grant g;
    gv__room *r = NULL;
    json_t *cmd = NULL;
    const json_t *id = NULL;
    char as[GV__ID_MAX + 1] = "", actor[GV__ID_MAX + 1];
    bool has_as = gv__query_arg(wsi, "as", as, sizeof as);
    int rc = gv__auth_meeting(s, wsi, meeting, &g, &r, &err);
    if (rc == 0)
        rc = gv__auth_actor(r, &g, has_as ? as : NULL, actor, sizeof actor, &err);
    if (rc == 0 && !actor[0])
        rc = gv_error_set(&err, GV_EPERM, "this link is read-only: it cannot send commands");
    if (rc == 0 && (rc = gv__command_parse(body, len, "body", &cmd, &id, &err)) < 0)
        gv__metrics_command(&s->metrics, rc);
    if (rc == 0)
        rc = gv__command_rate(s, r, actor, &err);
    if (rc < 0) {
        rc = refuse(wsi, id, &err);
        json_decref(cmd);
        return rc;
    }
    /* From here the answer comes from the room: at once if refused, after
     * the commit if not (gv__commands_answer). */
    gv__client *c = gv__client_new(s, GV__CLIENT_HTTP_CMD, wsi);
    if (!c) {
        gv_error_set(&err, GV_ENOMEM, "out of memory for the command: send it again");
        rc = refuse(wsi, id, &err);
        json_decref(cmd);
        return rc;
    }
    c->grant = g;
    c->room = r;
    snprintf(c->actor, sizeof c->actor, "%s", actor);
    gv__http_attach(wsi, c);
    gv__room_command(r, c, cmd, id);
    json_decref(cmd);
    return 0;
}

/* The body of a POSTed command is whole (gv__http_read_body). */
static int command_body(struct lws *wsi, char *body, size_t len)
{
    char path[256];
    gv__request req;
    int rc = gv__http_rematch(wsi, COMMANDS_ROUTE, path, sizeof path, &req)
                 ? run_command(wsi, req.meeting, body, len)
                 : gv__http_error(wsi, GV_ENOTFOUND, "no such resource");
    free(body);
    return rc;
}

int gv__route_commands(struct lws *wsi, const gv__request *req)
{
    struct gv_server *s = gv__server_of(wsi);
    gv_error err;
    gv_error_clear(&err);
    (void)req;
    /* A page of another site may not send commands with a cookie, nor a form
     * pose as JSON (docs/security.md, "Origin"). */
    if (gv__origin_check(s, wsi, &err) < 0)
        return gv__http_refuse(wsi, 403, err.code, err.msg);
    if (gv__json_body_check(wsi, &err) < 0)
        return gv__http_refuse(wsi, 415, err.code, err.msg);
    /* The body arrives next; the command runs once it is whole. */
    return gv__http_read_body(wsi, s->cfg.max_message_bytes, true, command_body);
}

int gv__commands_answer(struct lws *wsi, gv__client *c)
{
    /* Made without memory: the one answer that cannot fail to be made. */
    static const char failed[] = "{\"code\":\"out_of_memory\",\"message\":\"the server ran out "
                                 "of memory answering: read the meeting's state to see whether "
                                 "the command was stored\",\"type\":\"error\"}";
    if (!c->http_body && !c->http_failed)
        return 0; /* still in flight */
    int status = c->http_status ? c->http_status : 500;
    char *body = c->http_body;
    c->http_body = NULL;
    gv__http_attach(wsi, NULL);
    gv__client_gone(c);
    if (!body)
        return gv__http_respond_const(wsi, 500, "application/json", failed, sizeof failed - 1,
                                      NULL);
    /* Refused for now (the database cannot be reached, the server stops):
     * say when to send it again. */
    gv__header later[] = {{"retry-after:", "2"}, {NULL, NULL}};
    return gv__http_respond(wsi, status, "application/json", body, strlen(body),
                            status == 503 ? later : NULL);
}
