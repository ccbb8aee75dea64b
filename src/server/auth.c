/*
 * Who a request is: the invitation token it carries, the link it belongs to,
 * and the person it acts as.
 *
 * A request presents its token either as the cookie gavel_<meeting> (set by
 * /join/<token> on first use of the link) or as "Authorization: Bearer
 * <token>" (for programs). The server keeps every link of the database in
 * memory (links.h) and follows the links log once a second, so a link
 * revoked by `gavel invite --revoke` stops working within a second. A token
 * not found reads what the log gained since (one indexed query, no rows when
 * nothing is new), so a brand-new link works at first click.
 *
 * Results: GV_EAUTH for no token or a token never issued (HTTP 401),
 * GV_EPERM for a revoked link or one for another meeting (HTTP 403).
 *
 * Each link's last use is kept in memory (the secretariat sees who has opened
 * their link): one entry a link, updated on every request it passes.
 */
#include "server/auth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "server/headers.h"
#include "server/room.h"
#include "server/storage.h"
#include "server/links.h"

struct gv__auth {
    gv_links *links;
    int64_t refreshed_us; /** last refresh from the links log */
    uint64_t revocations; /** revocations read since the start */
    json_t *used;         /** hex of a link's hash -> ms of its last use */
};

static void hash_hex(const unsigned char hash[GV_LINKS_HASH_BYTES], char hex[2 * 16 + 1])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        hex[2 * i] = digits[hash[i] >> 4];
        hex[2 * i + 1] = digits[hash[i] & 15];
    }
    hex[32] = '\0';
}

int64_t gv__auth_last_used(struct gv_server *s, const unsigned char hash[32])
{
    char hex[33];
    hash_hex(hash, hex);
    return json_integer_value(json_object_get(s->auth->used, hex));
}

int gv__auth_init(struct gv_server *s, gv_error *err)
{
    s->auth = calloc(1, sizeof *s->auth);
    if (!s->auth || !(s->auth->links = gv_links_new()) || !(s->auth->used = json_object()))
        return gv_error_set(err, GV_ENOMEM, "out of memory");
    s->auth->refreshed_us = gv__mono_us();
    return gv_links_refresh(s->auth->links, gv__storage_reader(s), err);
}

void gv__auth_free(struct gv_server *s)
{
    if (!s->auth)
        return;
    gv_links_free(s->auth->links);
    json_decref(s->auth->used);
    free(s->auth);
    s->auth = NULL;
}

void gv__auth_refresh(struct gv_server *s)
{
    gv_error err;
    gv_error_clear(&err);
    s->auth->refreshed_us = gv__mono_us();
    if (gv_links_refresh(s->auth->links, gv__storage_reader(s), &err) < 0)
        lwsl_err("cannot read the links log: %s\n", err.msg);
    s->auth->revocations += gv_links_revoked_by_last_refresh(s->auth->links);
}

uint64_t gv__auth_revocations(struct gv_server *s)
{
    return s->auth->revocations;
}

void gv__auth_tick(struct gv_server *s)
{
    if (gv__mono_us() - s->auth->refreshed_us >= 1000000)
        gv__auth_refresh(s);
}

int gv__auth_token(struct gv_server *s, const char *token, const char *meeting, gv__grant *g,
                   gv_error *err)
{
    if (!gv_links_token_wellformed(token))
        return gv_error_set(err, GV_EAUTH, "this is not a link this server issued");
    unsigned char hash[GV_LINKS_HASH_BYTES];
    gv_links_token_hash(token, hash);
    const gv_link *link = gv_links_find(s->auth->links, hash);
    if (!link) { /* perhaps issued a moment ago: one indexed read finds out */
        gv__auth_refresh(s);
        link = gv_links_find(s->auth->links, hash);
    }
    if (!link)
        return gv_error_set(err, GV_EAUTH, "this is not a link this server issued");
    if (link->revoked_at_ms)
        return gv_error_refuse(err, GV_EPERM, "link_revoked",
                               "this link was revoked: ask the secretariat for a new one");
    if (meeting && strcmp(link->meeting, meeting) != 0)
        return gv_error_set(err, GV_EPERM, "this link is for another meeting");
    if (strlen(link->meeting) > GV__ID_MAX || strlen(link->subject) > GV__ID_MAX)
        return gv_error_set(err, GV_EPERM, "this link names an id longer than %d bytes",
                            GV__ID_MAX);
    memset(g, 0, sizeof *g);
    g->kind = link->kind == GV_LINK_PERSON ? GV__GRANT_PERSON
              : link->kind == GV_LINK_ROLE ? GV__GRANT_ROLE
                                           : GV__GRANT_VIEWER;
    snprintf(g->meeting, sizeof g->meeting, "%s", link->meeting);
    snprintf(g->subject, sizeof g->subject, "%s", link->subject);
    memcpy(g->hash, hash, sizeof g->hash);
    char hex[33];
    hash_hex(hash, hex);
    json_object_set_new(s->auth->used, hex, json_integer(gv__now_ms())); /* lost on ENOMEM only */
    return 0;
}

int gv__auth_request(struct gv_server *s, struct lws *wsi, const char *meeting, gv__grant *g,
                     gv_error *err)
{
    char token[GV_LINKS_TOKEN_CHARS + 2] = "";
    char buf[4096];
    if (lws_hdr_copy(wsi, buf, sizeof buf, WSI_TOKEN_HTTP_AUTHORIZATION) > 0) {
        if (strncasecmp(buf, "Bearer ", 7) != 0 || strlen(buf + 7) > GV_LINKS_TOKEN_CHARS)
            return gv_error_set(err, GV_EAUTH,
                                "the Authorization header must be \"Bearer <token>\" with the "
                                "token of an invitation link");
        snprintf(token, sizeof token, "%s", buf + 7);
    } else if (lws_hdr_copy(wsi, buf, sizeof buf, WSI_TOKEN_HTTP_COOKIE) > 0) {
        char name[GV__ID_MAX + 8];
        snprintf(name, sizeof name, "gavel_%s", meeting);
        gv__cookie_value(buf, name, token, sizeof token);
    }
    if (!token[0])
        return gv_error_set(err, GV_EAUTH,
                            "no credentials: open your invitation link first (it sets a cookie), "
                            "or send \"Authorization: Bearer <token>\"");
    return gv__auth_token(s, token, meeting, g, err);
}

int gv__auth_meeting(struct gv_server *s, struct lws *wsi, const char *meeting, gv__grant *g,
                     gv__room **r, gv_error *err)
{
    *r = NULL;
    int rc = gv__auth_request(s, wsi, meeting, g, err);
    if (rc == 0)
        rc = gv__room_get(s, meeting, r, err);
    if (rc == GV_ENOTFOUND)
        gv_error_set(err, GV_ENOTFOUND, "no meeting \"%s\" on this server", meeting);
    return rc;
}

bool gv__auth_still_valid(struct gv_server *s, const gv__grant *g)
{
    const gv_link *link = gv_links_find(s->auth->links, g->hash);
    return link && !link->revoked_at_ms;
}

int gv__auth_actor(const gv__room *r, const gv__grant *g, const char *as, char *actor, size_t size,
                   gv_error *err)
{
    actor[0] = '\0';
    switch (g->kind) {
    case GV__GRANT_VIEWER:
        if (as && as[0])
            return gv_error_set(err, GV_EPERM, "a viewer link acts as nobody: drop ?as=");
        return 0;
    case GV__GRANT_PERSON:
        if (as && as[0] && strcmp(as, g->subject) != 0)
            return gv_error_set(err, GV_EPERM, "this link is %s's: it cannot act as \"%.64s\"",
                                g->subject, as);
        snprintf(actor, size, "%s", g->subject);
        return 0;
    case GV__GRANT_ROLE:
        break;
    }
    if (as && as[0]) {
        if (!gv_meeting_has_person(r->state, as))
            return gv_error_set(err, GV_ENOTFOUND, "no person \"%.64s\" in this meeting", as);
        if (!gv_meeting_person_has_role(r->state, as, g->subject))
            return gv_error_set(err, GV_EPERM,
                                "\"%.64s\" is not a %s: this link is for the %s role", as,
                                g->subject, g->subject);
        snprintf(actor, size, "%s", as);
        return 0;
    }
    /* No ?as=: the role's only holder, if there is exactly one. */
    const char *only;
    size_t holders = gv_meeting_role_holders(r->state, g->subject, &only);
    if (holders == 1) {
        snprintf(actor, size, "%s", only);
        return 0;
    }
    return gv_error_set(err, GV_EINVAL,
                        "this link is for any %s (%zu people hold the role): name one with "
                        "?as=PERSON",
                        g->subject, holders);
}

const char *gv__grant_kind_name(gv__grant_kind k)
{
    switch (k) {
    case GV__GRANT_PERSON:
        return "person";
    case GV__GRANT_ROLE:
        return "role";
    case GV__GRANT_VIEWER:
        break;
    }
    return "viewer";
}

gv_view gv__grant_view(const gv__room *r, const gv__grant *g)
{
    switch (g->kind) {
    case GV__GRANT_PERSON:
        return gv_view_of_person(r->state, g->subject);
    case GV__GRANT_ROLE:
        return gv_view_of_role(g->subject);
    case GV__GRANT_VIEWER:
        break;
    }
    return GV_VIEW_PUBLIC;
}

bool gv__grant_has_role(const gv__room *r, const gv__grant *g, const char *role)
{
    switch (g->kind) {
    case GV__GRANT_ROLE:
        return strcmp(g->subject, role) == 0;
    case GV__GRANT_PERSON:
        return gv_meeting_person_has_role(r->state, g->subject, role);
    case GV__GRANT_VIEWER:
        break;
    }
    return false;
}

bool gv__grant_is_interpreter(const gv__grant *g)
{
    return g->kind == GV__GRANT_VIEWER && strcmp(g->subject, GV__INTERPRETER) == 0;
}
