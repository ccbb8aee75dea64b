/*
 * The WebSocket's door: LWS_CALLBACK_HTTP_CONFIRM_UPGRADE runs every check
 * of a connection to /api/v1/meetings/{m}/ws (the subprotocol, the Origin,
 * the link, ?since=, ?as=, the stream limits) while the request is still
 * HTTP, so that a refusal is an HTTP answer with a status and a JSON reason
 * rather than a dropped connection (docs/protocol.md, "WebSocket"). ws.c
 * binds the connection once lws has upgraded it.
 *
 * A plain GET of the same URL, without an upgrade, is told what it is.
 */
#include <string.h>
#include <strings.h>

#include "server/auth.h"
#include "server/headers.h"
#include "server/limits.h"
#include "server/routes.h"

#define WS_ROUTE "/api/v1/meetings/{m}/ws"

int gv__route_ws(struct lws *wsi, const gv__request *req)
{
    (void)req;
    return gv__http_error(wsi, GV_EINVAL,
                          "this resource is a WebSocket: connect with the " GV__WS_PROTOCOL
                          " subprotocol");
}

int gv__upgrade_check(struct lws *wsi, const char *to)
{
    struct gv_server *s = gv__server_of(wsi);
    gv_error err;
    gv_error_clear(&err);
    char path[256], proto[128];
    gv__request req;
    if (!to || strcasecmp(to, "websocket") != 0)
        return gv__http_refuse(wsi, 0, GV_EINVAL, "only WebSocket upgrades are served");
    if (s->stopping)
        return gv__http_refuse(wsi, 0, GV_EBUSY, "the server is shutting down");
    if (!gv__http_rematch(wsi, WS_ROUTE, path, sizeof path, &req))
        return gv__http_refuse(wsi, 0, GV_ENOTFOUND,
                               "WebSocket connections go to /api/v1/meetings/{id}/ws");
    if (lws_hdr_copy(wsi, proto, sizeof proto, WSI_TOKEN_PROTOCOL) <= 0 ||
        !strstr(proto, GV__WS_PROTOCOL))
        return gv__http_refuse(wsi, 0, GV_EINVAL,
                               "ask for the \"" GV__WS_PROTOCOL "\" subprotocol "
                               "(Sec-WebSocket-Protocol)");
    if (gv__origin_check(s, wsi, &err) < 0)
        return gv__http_refuse(wsi, 0, err.code, err.msg);
    gv__grant g;
    gv__room *r = NULL;
    int64_t since;
    char as[GV__ID_MAX + 1], actor[GV__ID_MAX + 1], addr[64];
    int rc = gv__auth_meeting(s, wsi, req.meeting, &g, &r, &err);
    if (rc == 0)
        rc = gv__since_param(wsi, &since, &err);
    bool resume_state;
    if (rc == 0)
        rc = gv__resume_param(wsi, &resume_state, &err);
    if (rc == 0) {
        bool has_as = gv__query_arg(wsi, "as", as, sizeof as);
        rc = gv__auth_actor(r, &g, has_as ? as : NULL, actor, sizeof actor, &err);
    }
    if (rc == 0) {
        gv__peer_addr(wsi, addr, sizeof addr);
        rc = gv__stream_check(s, addr, &err);
    }
    if (rc < 0)
        return gv__http_refuse(wsi, 0, rc, err.msg);
    return 0;
}
