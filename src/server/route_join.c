/*
 * GET /join/{token}: where an invitation link lands. A valid link sets the
 * cookie gavel_<meeting> (HttpOnly, SameSite=Strict, Secure over TLS) that
 * the pages and their streams present from then on, and redirects (303) to
 * the page of the link's role; the cookie keeps the token out of every later
 * URL. A viewer link with ?to=overlay lands on the livestream overlay rather
 * than the room screen (the address a broadcasting tool's browser source
 * opens). A link that opens nothing gets a short HTML page saying why, with
 * no request text in it (docs/security.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "server/auth.h"
#include "server/headers.h"
#include "server/room.h"
#include "server/routes.h"

/* The page a role lands on after /join; `to` is the ?to= asked for, or NULL. */
static const char *page_for(const gv__grant *g, const gv__room *r, const char *to)
{
    const char *role = g->kind == GV__GRANT_PERSON ? NULL : g->subject;
    static const char *const order[] = {"chair",      "moderator", "secretariat",
                                        "rapporteur", "panelist",  "participant"};
    if (g->kind == GV__GRANT_VIEWER)
        return gv__grant_is_interpreter(g)        ? "interpreter"
               : to && strcmp(to, "overlay") == 0 ? "overlay"
                                                  : "screen";
    if (!role) {
        for (size_t i = 0; i < sizeof order / sizeof order[0]; i++)
            if (gv_meeting_person_has_role(r->state, g->subject, order[i])) {
                role = order[i];
                break;
            }
    }
    if (!role)
        return "participant";
    if (strcmp(role, "chair") == 0 || strcmp(role, "moderator") == 0)
        return "console";
    return role;
}

int gv__route_join(struct lws *wsi, const gv__request *req)
{
    struct gv_server *s = gv__server_of(wsi);
    const char *token = req->arg;
    gv__grant g;
    gv_error err;
    gv_error_clear(&err);
    int rc = gv__auth_token(s, token, NULL, &g, &err);
    gv__room *r = NULL;
    if (rc == 0)
        rc = gv__room_get(s, g.meeting, &r, &err);
    if (rc < 0) {
        char html[700];
        snprintf(html, sizeof html,
                 "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>Gavel</title>"
                 "<h1>This link does not open a meeting</h1><p>%s</p>"
                 "<p>Ask the meeting's secretariat for a new link.</p></html>\n",
                 rc == GV_EPERM ? "It was revoked." : "It is not a link this server issued.");
        char *body = strdup(html);
        if (!body)
            return -1;
        return gv__http_respond(wsi, gv__http_status(rc), "text/html; charset=utf-8", body,
                                strlen(body), NULL);
    }
    char cookie[GV__ID_MAX + 200], location[2 * GV__ID_MAX + 8]; /* /m/MEETING/PAGE */
    snprintf(cookie, sizeof cookie,
             "gavel_%s=%s; Path=/; Max-Age=2592000; HttpOnly; SameSite=Strict%s", g.meeting, token,
             s->tls ? "; Secure" : "");
    char to[16] = "";
    bool has_to = gv__query_arg(wsi, "to", to, sizeof to);
    snprintf(location, sizeof location, "/m/%s/%s", g.meeting, page_for(&g, r, has_to ? to : NULL));
    gv__header extra[] = {{"set-cookie:", cookie}, {"location:", location}, {NULL, NULL}};
    return gv__http_respond(wsi, 303, "text/plain", NULL, 0, extra);
}
