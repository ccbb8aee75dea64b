/*
 * Who a request is (auth.c): the invitation link it presents, what the link
 * grants, the person it acts as and the view it reads.
 */
#ifndef GV_SERVER_AUTH_H
#define GV_SERVER_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "core/view.h"
#include "server/server_internal.h"

typedef enum gv__grant_kind {
    GV__GRANT_PERSON, /** acts as one person */
    GV__GRANT_ROLE,   /** acts as any person holding the role, chosen with ?as= */
    GV__GRANT_VIEWER, /** reads the snapshot and the streams, sends nothing */
} gv__grant_kind;

/* What an invitation token allows: filled by gv__auth_token. */
typedef struct gv__grant {
    gv__grant_kind kind;
    char meeting[GV__ID_MAX + 1];
    char subject[GV__ID_MAX + 1]; /** person id, or role name for role and viewer links */
    unsigned char hash[32];       /** the token's hash: identifies the link for revocation */
} gv__grant;

/* "person", "role" or "viewer": the kind as the protocol names it. */
const char *gv__grant_kind_name(gv__grant_kind k);

int gv__auth_init(struct gv_server *s, gv_error *err);
void gv__auth_free(struct gv_server *s);
/*
 * Checks the token presented with a request on the meeting `meeting` (the
 * cookie gavel_<meeting> or an Authorization: Bearer header). Returns 0 with
 * *g filled, GV_EAUTH (no token, or one we never issued) or GV_EPERM (revoked,
 * or for another meeting) with err set.
 */
int gv__auth_request(struct gv_server *s, struct lws *wsi, const char *meeting, gv__grant *g,
                     gv_error *err);
/*
 * gv__auth_request, then the meeting's room: 0 with *g and *r set, or
 * GV_EAUTH, GV_EPERM, GV_ENOTFOUND ("no meeting ... on this server") or a
 * storage error, with err set.
 */
int gv__auth_meeting(struct gv_server *s, struct lws *wsi, const char *meeting, gv__grant *g,
                     gv__room **r, gv_error *err);
/* Checks a token string; same results as gv__auth_request. */
int gv__auth_token(struct gv_server *s, const char *token, const char *meeting, gv__grant *g,
                   gv_error *err);
/* When the link with this hash last opened something (a page's stream, a
 * snapshot, a command: any request it was checked for) since the server
 * started, in ms since 1970; 0 if it has not. */
int64_t gv__auth_last_used(struct gv_server *s, const unsigned char hash[32]);
/* Is the link behind this grant still valid? (Revocation is seen within a second.) */
bool gv__auth_still_valid(struct gv_server *s, const gv__grant *g);
/* Revocations read since the server started: while it stays the same, every
 * grant still valid stays so. */
uint64_t gv__auth_revocations(struct gv_server *s);
/* Periodic work: reads new links and revocations once a second. */
void gv__auth_tick(struct gv_server *s);
/* Reads new links and revocations now. */
void gv__auth_refresh(struct gv_server *s);
/*
 * Resolves whom a client with grant g acts as, given the ?as= parameter (may
 * be NULL): fills actor ("" for viewers). GV_EPERM with err set when the
 * person does not hold the link's role.
 */
int gv__auth_actor(const gv__room *r, const gv__grant *g, const char *as, char *actor, size_t size,
                   gv_error *err);
/* The view a grant reads (core/view.h): by the link's person or role; public for viewers. */
gv_view gv__grant_view(const gv__room *r, const gv__grant *g);
/* The subject of a viewer link for the interpreters' booth: it reads as a
 * viewer does, lands on the interpreters' page and may read statements
 * before they are delivered (docs/security.md, "Statements"). */
#define GV__INTERPRETER "interpreter"
/* Is this an interpreter's link? */
bool gv__grant_is_interpreter(const gv__grant *g);
/* Does the grant act with `role`: a role link for it, or a person link whose
 * person holds it? */
bool gv__grant_has_role(const gv__room *r, const gv__grant *g, const char *role);

#endif
